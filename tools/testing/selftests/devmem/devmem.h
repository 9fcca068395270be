/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem: the small library behind the devmem selftests and devmem-bench.
 * devmem.c: namespaces and invariants (libndctl); devmem_proc.c: what
 * procfs and /dev/kmsg report (no libndctl needed).
 *
 * Namespaces are created, hot-removed (unbound), hot-added (bound) and
 * destroyed through libndctl.  Ownership is identity, not a name: every
 * namespace this library creates is recorded by uuid in a state file
 * (devmem_own.c) before it gets any capacity, and only a recorded
 * namespace is ever disabled or destroyed; any other is foreign, whatever
 * its alt_name.  The alt_name tag (DM_TAG_PREFIX...) is for humans only.
 * A region is locked (flock) while a process uses it, a namespace in use
 * (mounted, open, mapped, onlined as System RAM) is never disabled, and a
 * region the library had to enable is disabled again when it is done.
 * devmem_own.c needs no libndctl.  Snapshots of /proc/zoneinfo,
 * /proc/vmstat, /proc/meminfo and /proc/iomem, and a /dev/kmsg cursor,
 * let callers check the kernel's bookkeeping after every cycle.
 *
 * Actions return 0 or -errno; predicates return bool.
 */
#ifndef __DEVMEM_H__
#define __DEVMEM_H__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define DM_TAG_PREFIX		"devmem-"
#define DM_MAX_NODES		64

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#endif
#define DM_MAX_RANGES		64
#define DM_MSG_LEN		512

enum dm_mode {
	DM_MODE_DEVDAX,
	DM_MODE_FSDAX,
};

/* Where the memmap (struct pages) of the namespace lives. */
enum dm_map {
	DM_MAP_MEM,	/* in RAM: ndctl --map=mem */
	DM_MAP_DEV,	/* on the device, in an altmap: ndctl --map=dev */
};

struct dm_ns_config {
	enum dm_mode mode;
	enum dm_map map;
	unsigned long align;		/* bytes; 0: the kernel's default */
	unsigned long long size;	/* bytes */
};

struct dm_ctx;
struct dm_ns;

/* Ownership records and region locks (devmem_own.c). */
struct dm_rec {
	char kind[8];		/* "ns", "region", "knob" or "tmpdir" */
	char uuid[40];		/* ns: its uuid; knob: its saved value */
	char provider[64];	/* bus provider (ACPI.NFIT); tmpdir: name */
	char region[32];	/* regionN; knob: its name */
	pid_t pid;		/* the creator ... */
	unsigned long long start;	/* ... its start time (stat field 22) */
	char boot_id[40];	/* ... in this boot */
	char name[64];		/* ns: its alt_name; region: "-" */
};

const char *dm_state_dir(void);
bool dm_rec_field_ok(const char *s);
int dm_rec_self(struct dm_rec *r);
bool dm_rec_alive(const struct dm_rec *r);
bool dm_rec_is_self(const struct dm_rec *r);
int dm_rec_load(struct dm_rec **recs, int *nr);
int dm_rec_add(const struct dm_rec *r);
int dm_rec_del(const struct dm_rec *r);
int dm_rec_find(const char *uuid, struct dm_rec *out);
int dm_report_leftovers(FILE *out, const char *prefix);
int dm_read_str(const char *path, char *buf, size_t len);
int dm_write_str(const char *path, const char *val);
int dm_file_replace(const char *path, int (*fill)(FILE *f, void *arg),
		    void *arg);
int dm_knob_set(const char *knob, const char *value, char *saved,
		size_t len);
int dm_knob_restore(const char *knob, const char *saved);
int dm_knob_cleanup(FILE *log);
#define DM_TMPDIR_PARENT "/tmp"
int dm_tmpdir_make(const char *what, char *dir, size_t len);
int dm_tmpdir_remove(const char *dir);
int dm_tmpdir_cleanup(FILE *log);
int dm_pid_start(pid_t pid, unsigned long long *start);
int dm_lock_region(const char *provider, const char *region, bool wait,
		   char *why, size_t len);
pid_t dm_region_lock_holder(const char *provider, const char *region);
int dm_blockdev_in_use(const char *blk, char *why, size_t len);
int dm_daxdev_in_use(const char *dax, char *why, size_t len);
void dm_catch_signals(void);
int dm_interrupted(void);

/* Context and region selection. */
int dm_new(struct dm_ctx **ctx);
void dm_unref(struct dm_ctx *ctx);
/* dm_select_region() flags */
/* use a region holding namespaces we did not create (never touched) */
#define DM_SEL_ALLOW_FOREIGN	(1u << 0)
/* a region locked by another devmem process: -EBUSY rather than wait */
#define DM_SEL_NO_WAIT		(1u << 1)
int dm_select_region(struct dm_ctx *ctx, const char *name,
		     unsigned long long need, unsigned int flags,
		     char *why, size_t why_len);
void dm_release_region(struct dm_ctx *ctx);
const char *dm_why(struct dm_ctx *ctx);
const char *dm_region_name(struct dm_ctx *ctx);
int dm_region_node(struct dm_ctx *ctx);
unsigned long long dm_region_available(struct dm_ctx *ctx);
/* The region's namespace size granularity (sysfs regionN/align). */
unsigned long dm_region_align(struct dm_ctx *ctx);
int dm_region_set_align(struct dm_ctx *ctx, unsigned long align);
bool dm_region_supports_align(struct dm_ctx *ctx, enum dm_mode mode,
			      unsigned long align);
int dm_destroy_owned(struct dm_ctx *ctx, FILE *log);
int dm_cleanup(FILE *log);

/* Namespaces: creation is a hot-add, destruction a hot-remove. */
int dm_ns_create(struct dm_ctx *ctx, const struct dm_ns_config *cfg,
		 const char *tag, struct dm_ns **ns);
int dm_ns_destroy(struct dm_ns *ns);
void dm_ns_put(struct dm_ns *ns);
int dm_ns_disable(struct dm_ns *ns, uint64_t *elapsed_ns);
int dm_ns_enable(struct dm_ns *ns, uint64_t *elapsed_ns);
bool dm_ns_is_enabled(struct dm_ns *ns);
int dm_ns_devname(struct dm_ns *ns, char *buf, size_t len);
uint64_t dm_ns_start(struct dm_ns *ns);
uint64_t dm_ns_size(struct dm_ns *ns);
const char *dm_ns_name(struct dm_ns *ns);
const char *dm_ns_uuid(struct dm_ns *ns);
const char *dm_ns_why(struct dm_ns *ns);
const char *dm_ns_personality(struct dm_ns *ns);
int dm_ns_node(struct dm_ns *ns);
const struct dm_ns_config *dm_ns_config(struct dm_ns *ns);

int dm_parse_size(const char *s, unsigned long long *bytes);
const char *dm_mode_name(enum dm_mode mode);
const char *dm_map_name(enum dm_map map);
int dm_config_id(const struct dm_ns_config *cfg, char *buf, size_t len);

/* Snapshots of what the kernel reports. */
struct dm_zone_device {
	int node;
	unsigned long long spanned;	/* pages */
	unsigned long long present;	/* pages */
};

struct dm_snapshot {
	long long nr_memmap_pages;	/* -1: the kernel lacks the counter */
	long long mem_total_kb;
	long long mem_free_kb;
	/* free in the buddy allocator and the per-cpu lists (MemFree leaves
	 * those out)
	 */
	long long free_pages;
	int nr_device_zones;
	struct dm_zone_device device[DM_MAX_NODES];
};

int dm_snapshot_take(struct dm_snapshot *snap);
const struct dm_zone_device *dm_snapshot_device_zone(
		const struct dm_snapshot *snap, int node);

/* /proc/iomem: resources other than the top-level ones in [start, end). */
struct dm_iomem_res {
	uint64_t start, end;		/* inclusive end, as printed */
	int depth;
	char name[64];
};

int dm_iomem_read(struct dm_iomem_res *res, int max);
int dm_iomem_overlaps(uint64_t start, uint64_t end, char *first,
		      size_t first_len);
bool dm_iomem_has(uint64_t start, uint64_t end, const char *name);

/* /dev/kmsg: kernel messages logged since the cursor was opened. */
struct dm_kmsg {
	int fd;
};

int dm_kmsg_open(struct dm_kmsg *k);
int dm_kmsg_check(struct dm_kmsg *k, char *first_bad, size_t len);
void dm_kmsg_close(struct dm_kmsg *k);

/*
 * Invariants checked after every hot-add and hot-remove of one namespace.
 * dm_inv_init() takes the baseline before the namespace is created; each
 * check returns the number of violations (0: all held) and describes the
 * first in @msg, or -errno when the state could not be read.
 */
#define DM_CHECK_DEVICE		(1u << 0)	/* dax/pmem device, iomem */
/* Device zone span, MemTotal; start and end exactly, and the node's span,
 * when the devmem_test module is in
 */
#define DM_CHECK_SPAN		(1u << 1)
#define DM_CHECK_MEMMAP		(1u << 2)	/* nr_memmap_pages */
#define DM_CHECK_KMSG		(1u << 3)	/* WARN, BUG, Oops in dmesg */
#define DM_CHECK_ALL		(DM_CHECK_DEVICE | DM_CHECK_SPAN | \
				 DM_CHECK_MEMMAP | DM_CHECK_KMSG)

struct dm_inv {
	unsigned int checks;
	int node;
	bool shrinks;			/* the kernel shrinks Device spans */
	struct dm_snapshot base;	/* before the namespace existed */
	struct dm_snapshot last;	/* at the last check */
	unsigned long long added_spanned;
	/* With the devmem_test module: the exact Device zone span. */
	bool exact_spans;
	uint64_t added_start_pfn, added_end_pfn;
	long long memmap_rise;		/* -1 until the first add */
	long long memmap_expected;	/* -1 when unknown */
	struct dm_kmsg kmsg;
};

int dm_inv_init(struct dm_inv *inv, struct dm_ctx *ctx, unsigned int checks);
int dm_inv_check_added(struct dm_inv *inv, struct dm_ns *ns, char *msg,
		       size_t len);
int dm_inv_check_removed(struct dm_inv *inv, struct dm_ns *ns, char *msg,
			 size_t len);
void dm_inv_release(struct dm_inv *inv);

/* Expectations that depend on the kernel. */
bool dm_kernel_shrinks_device_span(void);
bool dm_kernel_has_kasan(void);
long long dm_expected_memmap_pages(const struct dm_ns_config *cfg,
				   unsigned long long nr_pages);

uint64_t dm_now_ns(void);
int dm_env_int(const char *name, int def, int min, int max);

#ifdef __KSELFTEST_HARNESS_H
/* In a harness test: report a known kernel limitation as XFAIL. */
#define DM_XFAIL(statement, fmt, ...) do { \
	snprintf(_metadata->results->reason, \
		 sizeof(_metadata->results->reason), fmt, ##__VA_ARGS__); \
	TH_LOG("XFAIL: " fmt, ##__VA_ARGS__); \
	_metadata->exit_code = KSFT_XFAIL; \
	statement; \
} while (0)
#endif

#endif /* __DEVMEM_H__ */
