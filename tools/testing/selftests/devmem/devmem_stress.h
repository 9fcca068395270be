/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem_stress: the mechanics the concurrent and subsection stress
 * workloads (devmem-bench) and their selftests share.
 *
 * A tracker (struct dm_st) knows every device-memory range the caller
 * mapped: namespaces (dm_ns) and DEVICE_PRIVATE ranges of the devmem_test
 * module.  On a quiescent system dm_st_check() compares the kernel's
 * bookkeeping with their sum, exactly:
 *   - every live range has its device and /proc/iomem entries, every
 *     removed one has none left inside its range;
 *   - nr_memmap_pages = baseline + the memmap of every live range (each
 *     range's share is learned when it is added alone, and checked
 *     against the expected vmemmap where that is pinned down);
 *   - the Device zone of each node spans exactly the hull of the baseline
 *     span and the live ranges on a kernel that shrinks it, of the
 *     baseline and every range ever added on one that never does (start
 *     and end pfn with the devmem_test module, the page count without);
 *     no present pages, MemTotal unmoved;
 *   - no WARNING, BUG, Oops or "Call Trace" in the kernel log.
 *
 * A crew (struct dm_crew) runs one operation per thread at the same time
 * (a start barrier, an optional delay per thread, an end barrier), so
 * that the checks between steps run with nothing in flight.
 *
 * Actions return 0 or -errno; checks return the number of violations.
 */
#ifndef DEVMEM_STRESS_H
#define DEVMEM_STRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "devmem.h"
#include "devmem_module.h"

#define DM_ST_MAX	64		/* ranges one tracker follows */
#define DM_ST_SUBSECTION	(2ull << 20)
#define DM_ST_SECTION	(128ull << 20)

enum dm_st_kind {
	DM_ST_NS,			/* a namespace (dm_ns) */
	DM_ST_PRIVATE,			/* a devmem_test DEVICE_PRIVATE range */
};

struct dm_st_range {
	bool used;			/* the slot is taken */
	bool live;			/* mapped (bound / added) now */
	bool gone;			/* destroyed: checked once, then freed */
	enum dm_st_kind kind;
	struct dm_ns *ns;		/* DM_ST_NS, NULL once gone */
	char name[32];			/* namespaceX.Y or "private" */
	char dev[32];			/* daxX.Y when live (devdax) */
	enum dm_mode mode;
	int node;
	uint64_t start, end;		/* the pgmap range, bytes [start, end) */
	long long memmap;		/* nr_memmap_pages it adds; -1 unknown */
	long long memmap_expected;	/* from the layout; -1 not pinned */
};

struct dm_st_hull {
	int node;
	uint64_t start_pfn, end_pfn;	/* [start, end), empty when equal */
};

struct dm_st {
	unsigned int checks;		/* DM_CHECK_* */
	bool shrinks;			/* the kernel shrinks Device spans */
	bool exact;			/* devmem_test gives start/end pfns */
	struct dm_snapshot base;
	int nr_base;
	struct dm_st_hull base_hull[DM_MAX_NODES];	/* exact only */
	int nr_ever;
	struct dm_st_hull ever[DM_MAX_NODES];	/* every range ever live */
	struct dm_st_range r[DM_ST_MAX];
	/* at the last check: the span was the ever hull, not the live one */
	bool stale_span;
	int stale_checks;		/* checks that found it so */
	struct dm_kmsg kmsg;
};

int dm_st_init(struct dm_st *st, unsigned int checks);
void dm_st_release(struct dm_st *st);
/* Follow a namespace (just created, so live); returns the slot or -errno. */
int dm_st_add_ns(struct dm_st *st, struct dm_ns *ns);
/* Follow a DEVICE_PRIVATE range (just added, so live). */
int dm_st_add_private(struct dm_st *st, const struct dm_private *p);
/* The range was bound/added (true) or unbound/removed (false). */
void dm_st_set_live(struct dm_st *st, int slot, bool live);
/* The private range was added again (its address may have moved). */
void dm_st_readd_private(struct dm_st *st, int slot,
			 const struct dm_private *p);
/* The namespace was destroyed: the next check looks, then frees the slot. */
void dm_st_gone(struct dm_st *st, int slot);
/* Stop following a range without checking it. */
void dm_st_forget(struct dm_st *st, int slot);
int dm_st_check(struct dm_st *st, char *msg, size_t len);
/* Live and used ranges now. */
int dm_st_nr_live(const struct dm_st *st);
/* The pgmap range of a namespace: what the kernel maps and spans. */
void dm_st_ns_range(struct dm_ns *ns, uint64_t *start, uint64_t *end);

/* ---- A crew of threads that act at the same time ----------------------- */

struct dm_crew;
/* One thread's operation for @step; 0 or -errno. */
typedef int (*dm_crew_fn)(void *arg, int step);

struct dm_crew_result {
	int rc;
	uint64_t t0, t1;		/* CLOCK_MONOTONIC around the op */
};

int dm_crew_start(struct dm_crew **crew, int n, const dm_crew_fn *fns,
		  void *const *args);
/*
 * Run every thread's operation once: all start together, thread i after
 * @delay_ns[i] (NULL: none); returns when all are done.  0 or -errno of
 * the crew itself (an operation's own error is in @res[i].rc).
 */
int dm_crew_step(struct dm_crew *crew, int step, const uint64_t *delay_ns,
		 struct dm_crew_result *res);
void dm_crew_stop(struct dm_crew *crew);
/* Did the operations [t0, t1) of @a and @b overlap in time? */
bool dm_crew_overlap(const struct dm_crew_result *a,
		     const struct dm_crew_result *b);

/*
 * An actor toggles one range per call of dm_st_actor_op() (a dm_crew_fn):
 * a namespace (@ns) is unbound when bound and bound when not; a
 * DEVICE_PRIVATE range (@fd >= 0, a dm_mod_open() descriptor) is removed
 * when added and added (@size bytes on node @nid) when not.
 */
struct dm_st_actor {
	const char *name;
	struct dm_ns *ns;
	int fd;
	struct dm_private p;
	uint64_t size;
	int nid;
	int slot;			/* in the tracker */
	bool live;
	bool was_add;			/* the last op was an add */
	uint64_t lat;			/* its latency, ns */
	char why[DM_MSG_LEN];		/* why it failed */
};

int dm_st_actor_op(void *actor, int step);
/* Tell the tracker what the actor's last (successful) op did. */
void dm_st_actor_apply(struct dm_st *st, struct dm_st_actor *a);

/* ---- Sub-section layouts (the subsection workload and its test) ------- */

#define DM_SUB_MAX_NS	16

/*
 * Namespaces smaller than a section, packed: @region_align (non-zero)
 * is the region's namespace granularity the layout needs (the kernel's
 * default is 16 MiB).
 */
struct dm_sub_layout {
	const char *name;		/* "packed-16M" */
	const char *about;
	unsigned long region_align;
	int nr;
	struct dm_ns_config ns[DM_SUB_MAX_NS];
};

extern const struct dm_sub_layout dm_sub_layouts[];
extern const int dm_sub_nr_layouts;
const struct dm_sub_layout *dm_sub_layout_find(const char *name);
unsigned long long dm_sub_layout_size(const struct dm_sub_layout *l);

/* How the caller hears of violations (required) and samples (optional). */
struct dm_sub_hooks {
	void *arg;
	void (*violation)(void *arg, int cycle, const char *check,
			  const char *msg);
	void (*sample)(void *arg, const char *metric, double v);
};

struct dm_sub_ent {
	struct dm_ns *ns;
	int slot;			/* in the tracker */
	int li;				/* the layout's entry */
};

struct dm_sub {
	struct dm_ctx *ctx;
	const struct dm_sub_layout *lay;
	char tag[64];			/* the namespaces' alt_name */
	struct dm_sub_hooks hooks;
	struct dm_st st;
	bool st_ok;
	unsigned long old_align;	/* to restore; 0: unchanged */
	struct dm_sub_ent e[DM_SUB_MAX_NS];
	int nr;
	uint64_t rng;
	int steps;			/* checked steps */
	int violations;
	int max_per_section;
	long long memmap[DM_SUB_MAX_NS];	/* per layout entry */
};

/*
 * Check the region supports the layout, set its granularity, take the
 * baseline.  0, or -errno with the reason in @why (and nothing changed).
 */
int dm_sub_init(struct dm_sub *s, struct dm_ctx *ctx,
		const struct dm_sub_layout *lay, const char *tag,
		uint64_t seed, const struct dm_sub_hooks *hooks, char *why,
		size_t len);
/*
 * One cycle: create every namespace, remove and add each (seeded
 * orders), destroy all in the order of cycle @c % 4: forward, reverse,
 * interleaved, random; checks after every step.  @control: unbind one
 * namespace behind the checks' back first (a positive control, reported
 * as the violation "control", or "control_missed" when unnoticed).
 * Returns 0 or -errno of a step that failed (after its violation).
 */
int dm_sub_cycle(struct dm_sub *s, int c, bool control);
/* Destroy what is left, restore the region's granularity. */
void dm_sub_release(struct dm_sub *s);
extern const char *const dm_sub_orders[4];

/* ---- Regions and randomness ---------------------------------------------- */

/*
 * Select and lock a second pmem region, other than the one @first holds,
 * with @need bytes in one free extent.  @flags as dm_select_region();
 * DM_SEL_NO_WAIT is always added.  0, or -errno with the reason in @why.
 */
int dm_st_other_region(struct dm_ctx *first, const char *name,
		       unsigned long long need, unsigned int flags,
		       struct dm_ctx **out, char *why, size_t len);

/* splitmix64: a seed gives the same sequence everywhere. */
uint64_t dm_st_rand(uint64_t *state);
/* A seeded permutation of 0..n-1. */
void dm_st_shuffle(uint64_t *state, int *v, int n);

#endif /* DEVMEM_STRESS_H */
