/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leak detection over many hot-add/hot-remove cycles (devmem_leak.c).
 *
 * Per cycle the caller takes a dm_leak_sample of the counters a leak on
 * the device-memory hotplug path would move:
 *
 *   counter             read from                          floor/cycle
 *   slab_reclaimable    SReclaimable (/proc/meminfo)       1 KiB
 *   slab_unreclaimable  SUnreclaim (/proc/meminfo)         1 KiB
 *   free                free pages of every zone with the  2 KiB (down)
 *                       per-cpu lists (/proc/zoneinfo
 *                       "pages free" + "count:"); a leak
 *                       LOWERS it
 *   memmap              nr_memmap_pages (/proc/vmstat)     1 KiB
 *                       * 4096
 *   percpu              Percpu (/proc/meminfo)             1 KiB
 *   vmalloc_used        VmallocUsed (/proc/meminfo)        2 KiB
 *   pagetables          PageTables (/proc/meminfo)         1 KiB
 *   iomem               entries in /proc/iomem             0.05 entries
 *
 * all in bytes except iomem.
 *
 * At the end each counter's trend over the cycles is the Theil-Sen slope
 * (the median of the slopes between every pair of cycles; robust to
 * outliers: up to 29% of the points can be anywhere) with Sen's
 * distribution-free confidence interval (DM_LEAK_CONF, two-sided, from
 * the variance of Kendall's S with the correction for tied values).  A
 * leak is called for a counter when BOTH
 *   - the interval excludes zero on the leak's side (lower bound > 0; for
 *     free: upper bound < 0), and
 *   - the slope is beyond the counter's floor (bytes or entries per cycle,
 *     dm_leak_info()->floor), which keeps slow drift of a busy kernel
 *     (slab caches warming, per-cpu lists refilling) from being called.
 * Below DM_LEAK_FULL_CYCLES cycles the floor is raised by
 * DM_LEAK_FULL_CYCLES / n (a short run's start-up growth, caches filling,
 * is a fixed amount that a few cycles turn into a steep slope).
 * On a kernel with KASAN (CONFIG_KASAN=y in /proc/config.gz) the slab and
 * free-page counters are reported, not judged: its quarantine keeps freed
 * slab objects (up to 1/32 of RAM) and SUnreclaim climbs for hundreds of
 * cycles (+3478 B/cycle over 100 soak cycles of the v2 debug kernel, with
 * kmemleak reporting nothing); kmemleak is the judge there.
 * Sen's interval assumes independent residuals; counters that wander
 * (caches) make it too narrow, which is why the floor is the real bar.
 * The floors were set from A/A soaks in QEMU (devmem_leak.c says how):
 * in 200 cycles on Debian 6.12, devmem_test.ko's kmalloc() leak of 16, 8,
 * 4 and 2 KiB per cycle was called on both SUnreclaim and free pages, 1 KiB
 * on SUnreclaim alone and only just (+1081 B/cycle against its 1 KiB
 * floor): 1 KiB per cycle is the smallest leak detected, at the edge.
 *
 * Above DM_LEAK_MAX_POINTS points the slope is computed on that many
 * points spread evenly over the series (the pairwise work is quadratic).
 *
 * kmemleak, where the kernel has it (/sys/kernel/debug/kmemleak): a scan
 * and clear before the cycles, a scan after; any object it then reports
 * is a leak.
 *
 * Functions return 0 or -errno unless said otherwise.  No libndctl.
 */
#ifndef DEVMEM_LEAK_H
#define DEVMEM_LEAK_H

#include <stdbool.h>
#include <stddef.h>

enum dm_leak_id {
	DM_LEAK_SRECLAIMABLE,
	DM_LEAK_SUNRECLAIM,
	DM_LEAK_FREE,
	DM_LEAK_MEMMAP,
	DM_LEAK_PERCPU,
	DM_LEAK_VMALLOC,
	DM_LEAK_PAGETABLES,
	DM_LEAK_IOMEM,
	DM_LEAK_NR,
};

/* Two-sided confidence of the slope's interval, and its normal quantile */
#define DM_LEAK_CONF		0.99
#define DM_LEAK_Z		2.5758293035489004
#define DM_LEAK_MAX_POINTS	2000

struct dm_leak_info {
	const char *name;	/* "slab_unreclaimable" */
	const char *unit;	/* "bytes" or "entries" */
	int sign;		/* +1: a leak raises it, -1: lowers it */
	double floor;		/* per cycle, in @unit: smaller is not called */
	const char *source;	/* where it is read */
};

const struct dm_leak_info *dm_leak_info(enum dm_leak_id id);

struct dm_leak_sample {
	double v[DM_LEAK_NR];
	unsigned int valid;	/* bit (1 << id): the kernel reports it */
};

int dm_leak_sample_take(struct dm_leak_sample *s);

/* Every sample of a run, counter by counter. */
struct dm_leak_series {
	double *y[DM_LEAK_NR];
	size_t n, alloc;
	unsigned int valid;	/* counters valid in every sample */
	unsigned int unjudged;	/* counters not judged: set by init */
};

void dm_leak_series_init(struct dm_leak_series *s);
int dm_leak_series_add(struct dm_leak_series *s,
		       const struct dm_leak_sample *smp);
void dm_leak_series_free(struct dm_leak_series *s);

/* A Theil-Sen slope with Sen's interval. */
struct dm_slope {
	double slope;		/* median of pairwise slopes, per unit of x */
	double lo, hi;		/* the interval at the z given */
	size_t n;		/* points used (<= DM_LEAK_MAX_POINTS) */
};

/*
 * @x strictly increasing (NULL: 0, 1, 2, ...); @z the normal quantile of
 * the interval (DM_LEAK_Z).  -EINVAL for fewer than 3 points or x not
 * increasing, -ENOMEM.
 */
int dm_theil_sen(const double *x, const double *y, size_t n, double z,
		 struct dm_slope *out);

/* Runs shorter than this get a floor raised by DM_LEAK_FULL_CYCLES / n. */
#define DM_LEAK_FULL_CYCLES	100

struct dm_leak_verdict {
	bool valid;		/* the counter was read in every sample */
	bool called;		/* a leak */
	bool unjudged;		/* slope computed, no call made (KASAN) */
	double floor;		/* the floor applied (raised for short runs) */
	struct dm_slope s;
};

/* Judge every counter of @s; 0 or -errno (-EINVAL: fewer than 3). */
int dm_leak_judge(const struct dm_leak_series *s,
		  struct dm_leak_verdict v[DM_LEAK_NR]);

/*
 * "slab_unreclaimable: slope +16384 B/cycle [16001, 16777] (99%, 200
 * cycles), floor +1024: LEAK"
 */
void dm_leak_describe(enum dm_leak_id id, const struct dm_leak_verdict *v,
		      char *buf, size_t len);

/*
 * kmemleak.  dm_kmemleak_begin(): -ENOENT when the kernel has none (or
 * debugfs is not mounted; @why says which), else scan and clear so that
 * only what leaks afterwards is reported.  dm_kmemleak_check(): scan
 * twice (a scan passes over objects changed since the one before, new
 * ones included) and return the number of unreferenced objects reported,
 * the first report's lines in @first, or -errno.
 */
int dm_kmemleak_begin(char *why, size_t len);
int dm_kmemleak_check(char *first, size_t len);

#endif /* DEVMEM_LEAK_H */
