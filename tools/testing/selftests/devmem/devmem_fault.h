/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem_fault: fault injection during hot-add (the bind write).
 *
 * The kernel's failslab and fail_page_alloc injectors
 * (Documentation/fault-injection/fault-injection.rst) fail the N-th
 * allocation of the calling thread when N is written to
 * /proc/self/task/<tid>/fail-nth.  With the stacktrace filter
 * (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER) restricted to the body of
 * memremap_pages() only the allocations made under it count, so N walks
 * through every allocation of one hot-add: xarray nodes, the PAT memtype,
 * mem_section roots and usage maps, vmemmap blocks and page tables.
 *
 * dm_fault_arm() saves every debugfs knob it changes, and the console log
 * level it lowers to keep the injections' stacks off the console, in
 * memory and in the state directory (so that a run that was killed is
 * undone by the next one); dm_fault_restore() puts them back, and an
 * atexit handler restores whatever is still armed.  A sweep (struct dm_fault_sweep)
 * injects at N = 1, 2, ... into the bind of one of our namespaces and
 * checks after each that the failed bind returned an error and left
 * nothing behind, and that the next bind succeeds.
 *
 * Actions return 0 or -errno.
 */
#ifndef DEVMEM_FAULT_H
#define DEVMEM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devmem.h"

enum dm_fault_mode {
	DM_FAULT_FAILSLAB,		/* slab allocations (kmalloc & co) */
	DM_FAULT_PAGE_ALLOC,		/* the page allocator, order >= 0 */
};
#define DM_FAULT_NR_MODES	2

/* The function whose callees are failed unless told otherwise. */
#define DM_FAULT_FUNC		"memremap_pages"

const char *dm_fault_mode_name(enum dm_fault_mode mode);
int dm_fault_parse_mode(const char *s, enum dm_fault_mode *mode);

/*
 * 0 if @mode can be injected into one function's callees here, else
 * -EOPNOTSUPP (or -EACCES, -ENOENT) with the reason in @why.
 */
int dm_fault_supported(enum dm_fault_mode mode, char *why, size_t len);

#define DM_FAULT_MAX_KNOBS	48
#define DM_FAULT_VAL_LEN	40

struct dm_fault_knob {
	char path[128];
	char saved[DM_FAULT_VAL_LEN];
};

struct dm_fault {
	enum dm_fault_mode mode;
	char func[64];
	uint64_t start, end;		/* [start, end) of @func's body */
	char reject[64];		/* "" or a function never failed */
	uint64_t reject_start, reject_end;
	int nr_knobs;
	struct dm_fault_knob knobs[DM_FAULT_MAX_KNOBS];
	bool armed;
};

int dm_fault_arm(struct dm_fault *f, enum dm_fault_mode mode,
		 const char *func, const char *reject, char *why, size_t len);
int dm_fault_restore(struct dm_fault *f);

/* The calling thread's fail-nth. */
int dm_fault_set_nth(unsigned int n);
int dm_fault_get_nth(unsigned int *n);

/*
 * What the kernel logged during one injection.  An injected failure is
 * announced by "FAULT_INJECTION: forcing a failure" and its stack (with
 * verbose 2), a failed page allocation by "page allocation failure" and
 * its stack: both are expected.  Anything dm_kmsg_check() calls a problem
 * outside those (a WARNING, BUG, Oops, a Call Trace of its own) is bad.
 */
#define DM_FAULT_SITE_LEN	240

struct dm_fault_log {
	int injections;			/* FAULT_INJECTION messages */
	int alloc_failures;		/* page allocation failure warnings */
	int bad;
	char first_bad[DM_MSG_LEN];
	/* "caller+off<...<memremap_pages+off" of the first injection */
	char site[DM_FAULT_SITE_LEN];
	/* parser state */
	int dump;			/* 0 none, 1 expected, 2 unexpected */
	bool in_trace, site_done, past_fail;
	char chain[DM_FAULT_SITE_LEN];
	const char *func;
};

void dm_fault_log_init(struct dm_fault_log *log, const char *func);
/* Feed one kmsg record's text (without the "prefix;"). */
void dm_fault_log_line(struct dm_fault_log *log, const char *msg);
int dm_fault_log_read(struct dm_kmsg *k, struct dm_fault_log *log);

enum dm_fault_outcome {
	DM_FAULT_NOT_REACHED,	/* fail-nth left > 0: fewer allocations */
	DM_FAULT_FAILED,	/* injected; the bind returned an error */
	DM_FAULT_ABSORBED,	/* injected; the kernel fell back, bind ok */
	DM_FAULT_SWALLOWED,	/* injected; bind said ok, device unbound */
};

const char *dm_fault_outcome_name(enum dm_fault_outcome o);

struct dm_fault_point {
	unsigned int nth;
	enum dm_fault_outcome outcome;
	int bind_rc;			/* 0 or -errno of the bind write */
	uint64_t bind_ns;
	unsigned int left;		/* fail-nth read back */
	int violations;
	char site[DM_FAULT_SITE_LEN];	/* "" when not logged */
	long long slab_delta_kb;	/* against the sweep's start */
	long long free_delta_kb;
};

/*
 * One sweep over one namespace of ours.  The caller fills the first
 * block; dm_fault_sweep_begin() disables the (enabled) namespace and
 * takes the memory baseline; each dm_fault_sweep_point() injects at one
 * N into a bind and leaves the namespace disabled again;
 * dm_fault_sweep_end() enables it.  Every violated check is passed to
 * @violation (check name, description) and counted.
 */
struct dm_fault_sweep {
	struct dm_fault *f;
	struct dm_ns *ns;
	/* baseline taken before the namespace was created; its checks
	 * without DM_CHECK_KMSG (the sweep reads kmsg itself)
	 */
	struct dm_inv *inv;
	long long leak_tol_kb;		/* Slab and free memory */
	void (*violation)(void *arg, unsigned int nth, const char *check,
			  const char *msg);
	void *arg;

	struct dm_kmsg kmsg;
	long long base_slab_kb, base_free_kb;
	int points, failed, absorbed, swallowed, violations;
	int known;			/* reports of known kernel bugs */
	char known_reason[256];		/* the last one's */
	unsigned int census;		/* allocations counted in one bind */
	int nr_sites, alloc_sites;
	char **sites;			/* distinct logged sites */
};

/* The check a known kernel bug is reported under (not a violation). */
#define DM_FAULT_KNOWN_CHECK	"known_kernel_bug"
/* The reason when @check/@msg is a known kernel bug, else NULL. */
const char *dm_fault_known_bug(const char *check, const char *msg);

int dm_fault_sweep_begin(struct dm_fault_sweep *s);
int dm_fault_sweep_point(struct dm_fault_sweep *s, unsigned int nth,
			 struct dm_fault_point *p);
int dm_fault_sweep_end(struct dm_fault_sweep *s);
void dm_fault_sweep_release(struct dm_fault_sweep *s);

/* Slab and free memory (kB) now: Slab from meminfo, free pages + pcp. */
int dm_fault_mem(long long *slab_kb, long long *free_kb);

#endif /* DEVMEM_FAULT_H */
