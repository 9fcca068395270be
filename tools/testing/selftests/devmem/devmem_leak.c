// SPDX-License-Identifier: GPL-2.0
/*
 * devmem: leak counters, their robust slope over cycles, and kmemleak
 * (devmem_leak.h).  No libndctl and nothing else of the library: the host
 * unit test links this file alone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devmem.h"
#include "devmem_leak.h"

#define PAGE_4K		4096.0
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#endif

/*
 * The floors, per cycle.  Chosen from A/A soaks (no leak): 200 cycles of
 * a 256 MiB namespace per mode and memmap placement in QEMU TCG on Debian
 * 6.12 gave slopes of at most +74 B/cycle (SUnreclaim), +0 (SReclaimable,
 * interval up to 51), -265 B/cycle (free pages), exactly 0 for the rest.
 * The floors leave a margin of 8-14 times that, and of a single jump of
 * a whole 32 KiB slab over a 50-cycle run (about 650 B/cycle), while a
 * 16 KiB per cycle leak of kmalloc() objects moves SUnreclaim and free
 * pages by 16 KiB per cycle.  memmap, percpu, vmalloc, page tables and
 * iomem came back to the same value after every add when nothing leaked.
 *
 * Short runs: a 30-cycle soak of devdax on two CXL pmem regions (the v2
 * kernel) grew SUnreclaim by 76 KiB in 4-32 KiB steps, a slope of
 * +2458 B/cycle with an interval clear of zero, and free pages by
 * -3132 B/cycle; the same configuration over 200 cycles gave +148 and
 * -256 B/cycle (and NVDIMM +104 and -219).  Caches filling at the start
 * are a fixed amount, not a rate, so below DM_LEAK_FULL_CYCLES cycles the
 * floor scales by DM_LEAK_FULL_CYCLES / n: up to 100 floors (100 KiB of
 * slab) of start-up growth is not called, while a 16 KiB per cycle leak
 * still is in 30 cycles.
 */
static const struct dm_leak_info infos[DM_LEAK_NR] = {
	[DM_LEAK_SRECLAIMABLE] = { "slab_reclaimable", "bytes", 1, 1024,
				   "SReclaimable in /proc/meminfo" },
	[DM_LEAK_SUNRECLAIM] = { "slab_unreclaimable", "bytes", 1, 1024,
				 "SUnreclaim in /proc/meminfo" },
	[DM_LEAK_FREE] = { "free", "bytes", -1, 2048,
			   "pages free + per-cpu counts in /proc/zoneinfo" },
	[DM_LEAK_MEMMAP] = { "memmap", "bytes", 1, 1024,
			     "nr_memmap_pages in /proc/vmstat" },
	[DM_LEAK_PERCPU] = { "percpu", "bytes", 1, 1024,
			     "Percpu in /proc/meminfo" },
	[DM_LEAK_VMALLOC] = { "vmalloc_used", "bytes", 1, 2048,
			      "VmallocUsed in /proc/meminfo" },
	[DM_LEAK_PAGETABLES] = { "pagetables", "bytes", 1, 1024,
				 "PageTables in /proc/meminfo" },
	[DM_LEAK_IOMEM] = { "iomem", "entries", 1, 0.05,
			    "entries of /proc/iomem" },
};

const struct dm_leak_info *dm_leak_info(enum dm_leak_id id)
{
	return (unsigned int)id < DM_LEAK_NR ? &infos[id] : NULL;
}

/* ---- Sampling ------------------------------------------------------------ */

static int read_meminfo(struct dm_leak_sample *s)
{
	static const struct {
		const char *key;
		enum dm_leak_id id;
	} keys[] = {
		{ "SReclaimable:", DM_LEAK_SRECLAIMABLE },
		{ "SUnreclaim:", DM_LEAK_SUNRECLAIM },
		{ "Percpu:", DM_LEAK_PERCPU },
		{ "VmallocUsed:", DM_LEAK_VMALLOC },
		{ "PageTables:", DM_LEAK_PAGETABLES },
	};
	char line[256], key[64];
	long long kb;
	size_t i;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld", key, &kb) != 2)
			continue;
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strcmp(key, keys[i].key)) {
				s->v[keys[i].id] = kb * 1024.0;
				s->valid |= 1u << keys[i].id;
			}
	}
	fclose(f);
	return 0;
}

static int read_vmstat(struct dm_leak_sample *s)
{
	char key[64];
	long long v;
	FILE *f;

	f = fopen("/proc/vmstat", "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, "nr_memmap_pages")) {
			s->v[DM_LEAK_MEMMAP] = v * PAGE_4K;
			s->valid |= 1u << DM_LEAK_MEMMAP;
		}
	fclose(f);
	return 0;
}

/*
 * Free pages as devmem_proc.c counts them: every zone's "pages free" and
 * its per-cpu lists' "count:", so that pages moving between the buddy
 * allocator and a per-cpu list are neither used nor freed.
 */
static int read_zoneinfo(struct dm_leak_sample *s)
{
	unsigned long long v, pages = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " pages free %llu", &v) == 1 ||
		    sscanf(line, " count: %llu", &v) == 1)
			pages += v;
	fclose(f);
	s->v[DM_LEAK_FREE] = pages * PAGE_4K;
	s->valid |= 1u << DM_LEAK_FREE;
	return 0;
}

static int read_iomem(struct dm_leak_sample *s)
{
	unsigned long long a, b;
	char line[256];
	long n = 0;
	FILE *f;

	f = fopen("/proc/iomem", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %llx-%llx :", &a, &b) == 2)
			n++;
	fclose(f);
	s->v[DM_LEAK_IOMEM] = n;
	s->valid |= 1u << DM_LEAK_IOMEM;
	return 0;
}

/**
 * dm_leak_sample_take() - read every leak counter now
 *
 * A counter the kernel does not report (nr_memmap_pages before 6.2) is
 * left out of @s->valid.  Returns the first read error, or 0.
 */
int dm_leak_sample_take(struct dm_leak_sample *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = read_meminfo(s);
	if (!rc)
		rc = read_vmstat(s);
	if (!rc)
		rc = read_zoneinfo(s);
	if (!rc)
		rc = read_iomem(s);
	return rc;
}

/* ---- Series -------------------------------------------------------------- */

void dm_leak_series_init(struct dm_leak_series *s)
{
	memset(s, 0, sizeof(*s));
	s->valid = (1u << DM_LEAK_NR) - 1;
	if (dm_kernel_has_kasan())
		s->unjudged = 1u << DM_LEAK_SRECLAIMABLE |
			      1u << DM_LEAK_SUNRECLAIM | 1u << DM_LEAK_FREE;
}

int dm_leak_series_add(struct dm_leak_series *s,
		       const struct dm_leak_sample *smp)
{
	int i;

	if (s->n == s->alloc) {
		size_t na = s->alloc ? 2 * s->alloc : 256;

		for (i = 0; i < DM_LEAK_NR; i++) {
			double *p = realloc(s->y[i], na * sizeof(*p));

			if (!p)
				return -ENOMEM;
			s->y[i] = p;
		}
		s->alloc = na;
	}
	for (i = 0; i < DM_LEAK_NR; i++)
		s->y[i][s->n] = smp->v[i];
	s->valid &= smp->valid;
	s->n++;
	return 0;
}

void dm_leak_series_free(struct dm_leak_series *s)
{
	int i;

	for (i = 0; i < DM_LEAK_NR; i++)
		free(s->y[i]);
	memset(s, 0, sizeof(*s));
}

/* ---- Theil-Sen ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * No libm, so that every test linking the library links as before:
 * rounding half away from zero, and a square root by Newton's method.
 */
static double round_half(double v)
{
	return v >= 0 ? (double)(long long)(v + 0.5) :
			-(double)(long long)(-v + 0.5);
}

static double sqrt_newton(double v)
{
	double r = v > 1 ? v : 1, prev = 0;
	int i;

	if (v <= 0)
		return 0;
	for (i = 0; i < 200 && r != prev; i++) {
		prev = r;
		r = (r + v / r) / 2;
	}
	return r;
}

/* The median of sorted @v[0..n-1]. */
static double median_sorted(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Var(S) of Kendall's S for @n points whose y values have ties (Kendall
 * 1975): [n(n-1)(2n+5) - sum over tie groups t(t-1)(2t+5)] / 18.  @ys is
 * y sorted (scratch).
 */
static double kendall_var(double *ys, size_t n)
{
	double var = (double)n * (n - 1) * (2.0 * n + 5);
	size_t i = 0, j;

	qsort(ys, n, sizeof(*ys), cmp_double);
	while (i < n) {
		for (j = i + 1; j < n && ys[j] == ys[i]; j++)
			;
		if (j - i > 1) {
			double t = j - i;

			var -= t * (t - 1) * (2 * t + 5);
		}
		i = j;
	}
	return var / 18;
}

/**
 * dm_theil_sen() - robust slope of y over x with Sen's interval
 * @x: strictly increasing abscissae, or NULL for 0, 1, ..., n-1
 * @y: the values
 * @n: number of points (at least 3)
 * @z: normal quantile of the two-sided interval (1.96: 95%)
 * @out: slope, interval and the number of points used
 *
 * The slope is the median of the N = m(m-1)/2 pairwise slopes
 * (y_j - y_i) / (x_j - x_i), i < j, of the m points used.  The interval
 * (Sen 1968; Gilbert 1987, ch. 16.5) takes C = z * sqrt(Var(S)), then the
 * slopes of rank round((N - C) / 2) and round((N + C) / 2 + 1) of the
 * sorted slopes (1-based, clamped to 1..N) as its ends.  Above
 * DM_LEAK_MAX_POINTS points, m = DM_LEAK_MAX_POINTS points at indices
 * round(k * (n - 1) / (m - 1)) are used.
 */
int dm_theil_sen(const double *x, const double *y, size_t n, double z,
		 struct dm_slope *out)
{
	size_t m = n > DM_LEAK_MAX_POINTS ? DM_LEAK_MAX_POINTS : n;
	double *px, *py, *d, c, lo_r, hi_r;
	size_t i, j, k, nd, lo, hi;
	int rc = -ENOMEM;

	if (n < 3)
		return -EINVAL;
	for (i = 1; x && i < n; i++)
		if (!(x[i] > x[i - 1]))
			return -EINVAL;
	px = malloc(m * sizeof(*px));
	py = malloc(m * sizeof(*py));
	d = malloc(m * (m - 1) / 2 * sizeof(*d));
	if (!px || !py || !d)
		goto out;
	for (k = 0; k < m; k++) {
		i = m == n ? k :
		    (size_t)((double)k * (n - 1) / (m - 1) + 0.5);
		px[k] = x ? x[i] : (double)i;
		py[k] = y[i];
	}
	for (i = 0, nd = 0; i < m; i++)
		for (j = i + 1; j < m; j++)
			d[nd++] = (py[j] - py[i]) / (px[j] - px[i]);
	qsort(d, nd, sizeof(*d), cmp_double);
	out->slope = median_sorted(d, nd);
	out->n = m;

	/* py is sorted by kendall_var(): it is not needed any more. */
	c = z * sqrt_newton(kendall_var(py, m));
	lo_r = round_half((nd - c) / 2);
	hi_r = round_half((nd + c) / 2 + 1);
	lo = lo_r < 1 ? 1 : lo_r > nd ? nd : (size_t)lo_r;
	hi = hi_r < 1 ? 1 : hi_r > nd ? nd : (size_t)hi_r;
	out->lo = d[lo - 1];
	out->hi = d[hi - 1];
	rc = 0;
out:
	free(px);
	free(py);
	free(d);
	return rc;
}

/* ---- Verdicts -------------------------------------------------------------- */

int dm_leak_judge(const struct dm_leak_series *s,
		  struct dm_leak_verdict v[DM_LEAK_NR])
{
	int i, rc;

	if (s->n < 3)
		return -EINVAL;
	for (i = 0; i < DM_LEAK_NR; i++) {
		const struct dm_leak_info *inf = &infos[i];

		memset(&v[i], 0, sizeof(v[i]));
		if (!(s->valid & (1u << i)))
			continue;
		rc = dm_theil_sen(NULL, s->y[i], s->n, DM_LEAK_Z, &v[i].s);
		if (rc)
			return rc;
		v[i].valid = true;
		v[i].unjudged = s->unjudged & (1u << i);
		v[i].floor = inf->floor;
		if (s->n < DM_LEAK_FULL_CYCLES)
			v[i].floor *= (double)DM_LEAK_FULL_CYCLES / s->n;
		if (v[i].unjudged)
			v[i].called = false;
		else if (inf->sign > 0)
			v[i].called = v[i].s.lo > 0 &&
				      v[i].s.slope > v[i].floor;
		else
			v[i].called = v[i].s.hi < 0 &&
				      -v[i].s.slope > v[i].floor;
	}
	return 0;
}

void dm_leak_describe(enum dm_leak_id id, const struct dm_leak_verdict *v,
		      char *buf, size_t len)
{
	const struct dm_leak_info *inf = dm_leak_info(id);
	bool bytes;

	if (!inf || !v->valid) {
		snprintf(buf, len, "%s: not reported by this kernel",
			 inf ? inf->name : "?");
		return;
	}
	bytes = !strcmp(inf->unit, "bytes");
	snprintf(buf, len,
		 bytes ? "%s: slope %+.0f B/cycle [%.0f, %.0f] (%.0f%%, %zu cycles), floor %s%.0f: %s" :
			 "%s: slope %+.3f entries/cycle [%.3f, %.3f] (%.0f%%, %zu cycles), floor %s%.3f: %s",
		 inf->name, v->s.slope, v->s.lo, v->s.hi, DM_LEAK_CONF * 100,
		 v->s.n, inf->sign < 0 ? "-" : "+", v->floor,
		 v->unjudged ? "not judged (KASAN's quarantine holds freed objects; kmemleak judges)" :
		 v->called ? "LEAK" : "no leak");
}

/* ---- kmemleak ---------------------------------------------------------------- */

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

static bool debugfs_mounted(void)
{
	bool found = false;
	char line[512];
	FILE *f;

	f = fopen("/proc/mounts", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " /sys/kernel/debug debugfs ") != NULL;
	fclose(f);
	return found;
}

int dm_kmemleak_begin(char *why, size_t len)
{
	int rc;

	if (access(KMEMLEAK, F_OK)) {
		snprintf(why, len, debugfs_mounted() ?
			 "kmemleak: not in this kernel" :
			 "kmemleak: debugfs is not mounted on /sys/kernel/debug");
		return -ENOENT;
	}
	rc = dm_write_str(KMEMLEAK, "scan");
	if (!rc)
		rc = dm_write_str(KMEMLEAK, "clear");
	if (rc)
		snprintf(why, len, "kmemleak: %s: %s (off at boot?)",
			 KMEMLEAK, strerror(-rc));
	else
		snprintf(why, len, "kmemleak: on");
	return rc;
}

int dm_kmemleak_check(char *first, size_t len)
{
	size_t used = 0;
	char line[512];
	int n = 0, rc;
	FILE *f;

	if (first && len)
		first[0] = '\0';
	/*
	 * Twice: a scan greys every object whose contents changed since the
	 * one before (its checksum; 0 at allocation), so an object written
	 * since the last scan is reported by the next one only.
	 */
	rc = dm_write_str(KMEMLEAK, "scan");
	if (!rc)
		rc = dm_write_str(KMEMLEAK, "scan");
	if (rc)
		return rc;
	f = fopen(KMEMLEAK, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19))
			n++;
		if (n == 1 && first && used + 1 < len) {
			snprintf(first + used, len - used, "%s", line);
			used += strlen(first + used);
		}
	}
	fclose(f);
	return n;
}
