// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics on benchmark samples for devmem (see stats.h for
 * the conventions: type-7 quantiles, Welford stddev, percentile bootstrap
 * with a seeded splitmix64 generator, Mann-Whitney U with an exact
 * permutation p-value for small samples).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Work bound (k * N * max rank sum) below which the exact MW p is used. */
#define DM_MW_EXACT_WORK	4000000.0
/* Pairwise differences the Hodges-Lehmann estimator may allocate. */
#define DM_HL_MAX_PAIRS		(1UL << 22)

void dm_welford_init(struct dm_welford *w)
{
	w->n = 0;
	w->mean = 0.0;
	w->m2 = 0.0;
	w->min = NAN;
	w->max = NAN;
}

void dm_welford_add(struct dm_welford *w, double x)
{
	double delta;

	w->n++;
	delta = x - w->mean;
	w->mean += delta / (double)w->n;
	w->m2 += delta * (x - w->mean);
	if (w->n == 1 || x < w->min)
		w->min = x;
	if (w->n == 1 || x > w->max)
		w->max = x;
}

double dm_welford_mean(const struct dm_welford *w)
{
	return w->n ? w->mean : NAN;
}

double dm_welford_variance(const struct dm_welford *w)
{
	double var;

	if (w->n < 2)
		return NAN;
	var = w->m2 / (double)(w->n - 1);
	/* Rounding can leave a tiny negative m2 for identical samples. */
	return var < 0.0 ? 0.0 : var;
}

double dm_welford_stddev(const struct dm_welford *w)
{
	return sqrt(dm_welford_variance(w));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void dm_stats_sort(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_double);
}

/* Interpolate between two order statistics; tolerate infinite ends. */
static double lerp(double a, double b, double frac)
{
	if (frac <= 0.0 || a == b)
		return a;
	if (!isfinite(a) || !isfinite(b))
		return frac < 0.5 ? a : b;
	return a + (b - a) * frac;
}

double dm_stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, fl;
	size_t lo, hi;

	if (n == 0 || isnan(q))
		return NAN;
	if (q <= 0.0)
		return sorted[0];
	if (q >= 1.0)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	fl = floor(h);
	lo = (size_t)fl;
	hi = lo + 1 < n ? lo + 1 : n - 1;
	return lerp(sorted[lo], sorted[hi], h - fl);
}

static void swap_double(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * Reorder @a so that a[k] is the k-th smallest, everything before it is
 * <= a[k] and everything after it >= a[k].  Quickselect with a three-way
 * partition, so runs of equal samples (common in ns timings) stay linear.
 */
static void select_kth(double *a, size_t n, size_t k)
{
	size_t left = 0, right = n - 1;

	while (left < right) {
		size_t mid = left + (right - left) / 2;
		size_t lt = left, i = left, gt = right;
		double pivot;

		if (a[mid] < a[left])
			swap_double(&a[mid], &a[left]);
		if (a[right] < a[left])
			swap_double(&a[right], &a[left]);
		if (a[right] < a[mid])
			swap_double(&a[right], &a[mid]);
		pivot = a[mid];

		/*
		 * a[left..lt) < pivot, a[lt..i) == pivot, a(gt..right] > pivot.
		 * The pivot is an element, so gt never drops below left.
		 */
		while (i <= gt) {
			if (a[i] < pivot) {
				swap_double(&a[lt++], &a[i++]);
			} else if (a[i] > pivot) {
				swap_double(&a[i], &a[gt]);
				gt--;
			} else {
				i++;
			}
		}
		if (k < lt)
			right = lt - 1;
		else if (k > gt)
			left = gt + 1;
		else
			return;
	}
}

/* Median of a scratch array that may be reordered; n > 0. */
static double median_inplace(double *a, size_t n)
{
	size_t k = n / 2, i;
	double upper, lower;

	select_kth(a, n, k);
	upper = a[k];
	if (n & 1)
		return upper;
	lower = a[0];
	for (i = 1; i < k; i++)
		if (a[i] > lower)
			lower = a[i];
	return lerp(lower, upper, 0.5);
}

double dm_stats_median(const double *x, size_t n)
{
	double *tmp, m;

	if (n == 0)
		return NAN;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return NAN;
	memcpy(tmp, x, n * sizeof(*tmp));
	m = median_inplace(tmp, n);
	free(tmp);
	return m;
}

int dm_stats_summarize(const double *x, size_t n, struct dm_summary *s)
{
	struct dm_welford w;
	double *sorted;
	size_t i;

	s->n = n;
	s->min = s->max = s->median = s->p90 = s->p99 = NAN;
	s->mean = s->stddev = s->cv = NAN;
	if (n == 0)
		return 0;

	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, x, n * sizeof(*sorted));
	dm_stats_sort(sorted, n);

	dm_welford_init(&w);
	for (i = 0; i < n; i++)
		dm_welford_add(&w, x[i]);

	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->median = dm_stats_quantile_sorted(sorted, n, 0.5);
	s->p90 = dm_stats_quantile_sorted(sorted, n, 0.90);
	s->p99 = dm_stats_quantile_sorted(sorted, n, 0.99);
	s->mean = dm_welford_mean(&w);
	s->stddev = dm_welford_stddev(&w);
	if (n >= 2 && s->mean != 0.0)
		s->cv = s->stddev / fabs(s->mean);
	free(sorted);
	return 0;
}

void dm_rng_seed(struct dm_rng *rng, uint64_t seed)
{
	rng->state = seed;
}

uint64_t dm_rng_next(struct dm_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Lemire's multiply-shift: the high half of r * bound, rejecting the few
 * r whose low half falls below 2^64 mod bound, so every value is equally
 * likely; a division only on the rare slow path.
 */
uint64_t dm_rng_below(struct dm_rng *rng, uint64_t bound)
{
	unsigned __int128 m = (unsigned __int128)dm_rng_next(rng) * bound;
	uint64_t low = (uint64_t)m;

	if (low < bound) {
		uint64_t threshold = -bound % bound;

		while (low < threshold) {
			m = (unsigned __int128)dm_rng_next(rng) * bound;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

uint64_t dm_seed_mix(uint64_t seed, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	struct dm_rng rng;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	dm_rng_seed(&rng, h);
	return dm_rng_next(&rng);
}

static int check_ci_args(unsigned int resamples, double level)
{
	if (resamples < 100 || resamples > 10000000)
		return -EINVAL;
	if (!(level > 0.0 && level < 1.0))
		return -EINVAL;
	return 0;
}

/*
 * Draws bootstrap medians of one sample.  The sample is sorted once; a
 * resample is then n indices into it, counted, and the counts give the
 * resample's order statistics directly, with no sorting or selection.
 */
struct resampler {
	double *sorted;
	uint32_t *count;
	size_t n;
};

static int resampler_init(struct resampler *rs, const double *x, size_t n)
{
	rs->n = n;
	rs->sorted = malloc(n * sizeof(*rs->sorted));
	rs->count = malloc(n * sizeof(*rs->count));
	if (!rs->sorted || !rs->count) {
		free(rs->sorted);
		free(rs->count);
		return -ENOMEM;
	}
	memcpy(rs->sorted, x, n * sizeof(*rs->sorted));
	dm_stats_sort(rs->sorted, n);
	return 0;
}

static void resampler_release(struct resampler *rs)
{
	free(rs->sorted);
	free(rs->count);
}

static double resample_median(struct dm_rng *rng, struct resampler *rs)
{
	size_t n = rs->n, lo_rank = (n - 1) / 2, hi_rank = n / 2;
	size_t i, seen = 0;
	bool have_lo = false;
	double lo = 0.0;

	memset(rs->count, 0, n * sizeof(*rs->count));
	for (i = 0; i < n; i++)
		rs->count[dm_rng_below(rng, n)]++;
	for (i = 0; i < n; i++) {
		seen += rs->count[i];
		if (!have_lo && seen > lo_rank) {
			lo = rs->sorted[i];
			have_lo = true;
		}
		if (seen > hi_rank)
			break;
	}
	return lerp(lo, rs->sorted[i < n ? i : n - 1], 0.5);
}

/* Percentile interval from the (unsorted) bootstrap statistics. */
static void percentile_interval(double *stat, size_t b, double level,
				double *lo, double *hi)
{
	double tail = (1.0 - level) / 2.0;

	dm_stats_sort(stat, b);
	*lo = dm_stats_quantile_sorted(stat, b, tail);
	*hi = dm_stats_quantile_sorted(stat, b, 1.0 - tail);
}

int dm_stats_bootstrap_median_ci(const double *x, size_t n,
				 unsigned int resamples, double level,
				 uint64_t seed, double *lo, double *hi)
{
	struct resampler rs;
	struct dm_rng rng;
	unsigned int b;
	double *stat;
	int rc;

	*lo = *hi = NAN;
	rc = check_ci_args(resamples, level);
	if (rc)
		return rc;
	if (n < 2)
		return -EDOM;

	stat = malloc(resamples * sizeof(*stat));
	if (!stat)
		return -ENOMEM;
	rc = resampler_init(&rs, x, n);
	if (rc) {
		free(stat);
		return rc;
	}

	dm_rng_seed(&rng, seed);
	for (b = 0; b < resamples; b++)
		stat[b] = resample_median(&rng, &rs);
	percentile_interval(stat, resamples, level, lo, hi);

	resampler_release(&rs);
	free(stat);
	return 0;
}

double dm_stats_relative_change(double median_x, double median_y)
{
	if (isnan(median_x) || isnan(median_y))
		return NAN;
	if (median_x == 0.0) {
		if (median_y == 0.0)
			return 0.0;
		return median_y > 0.0 ? INFINITY : -INFINITY;
	}
	return (median_y - median_x) / fabs(median_x);
}

int dm_stats_bootstrap_change_ci(const double *x, size_t nx,
				 const double *y, size_t ny,
				 unsigned int resamples, double level,
				 uint64_t seed, double *lo, double *hi)
{
	struct resampler rx, ry;
	struct dm_rng rng;
	unsigned int b;
	double *stat;
	int rc;

	*lo = *hi = NAN;
	rc = check_ci_args(resamples, level);
	if (rc)
		return rc;
	if (nx < 2 || ny < 2)
		return -EDOM;

	stat = malloc(resamples * sizeof(*stat));
	if (!stat)
		return -ENOMEM;
	rc = resampler_init(&rx, x, nx);
	if (rc)
		goto out_free_stat;
	rc = resampler_init(&ry, y, ny);
	if (rc)
		goto out_release_x;

	dm_rng_seed(&rng, seed);
	for (b = 0; b < resamples; b++) {
		double mx = resample_median(&rng, &rx);
		double my = resample_median(&rng, &ry);

		stat[b] = dm_stats_relative_change(mx, my);
	}
	percentile_interval(stat, resamples, level, lo, hi);

	resampler_release(&ry);
out_release_x:
	resampler_release(&rx);
out_free_stat:
	free(stat);
	return rc;
}

struct ranked {
	double v;
	int group;	/* 0: x, 1: y */
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v,
			  &((const struct ranked *)b)->v);
}

/* log of the binomial coefficient C(n, k). */
static double log_choose(double n, double k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double dm_stats_mann_whitney_min_p(size_t nx, size_t ny)
{
	double p;

	if (nx == 0 || ny == 0)
		return NAN;
	p = 2.0 * exp(-log_choose((double)(nx + ny), (double)nx));
	return p > 1.0 ? 1.0 : p;
}

/*
 * Exact two-sided p of the rank sum of the group of size @k, given the
 * doubled midranks @r2 of all @n items, the group's observed doubled rank
 * sum @s_obs.  Counts the k-subsets by rank sum (dynamic programming over
 * items), so ties are handled exactly.  Returns the p or NAN on -ENOMEM.
 */
static double mw_exact_p(const long *r2, size_t n, size_t k, long s_obs)
{
	long smax = 0, mean2, dev_obs, s, reach = 0;
	double *cnt, total = 0.0, tail = 0.0;
	size_t i, j, stride;

	for (i = 0; i < n; i++)
		smax += r2[i];
	stride = (size_t)smax + 1;
	cnt = calloc((k + 1) * stride, sizeof(*cnt));
	if (!cnt)
		return NAN;

	cnt[0] = 1.0;
	for (i = 0; i < n; i++) {
		size_t jmax = i + 1 < k ? i + 1 : k;

		reach += r2[i];
		for (j = jmax; j >= 1; j--) {
			double *row = cnt + j * stride;
			const double *prev = cnt + (j - 1) * stride;

			for (s = reach; s >= r2[i]; s--)
				row[s] += prev[s - r2[i]];
		}
	}

	/* E[S] in doubled units: k * (n + 1). */
	mean2 = (long)k * (long)(n + 1);
	dev_obs = labs(s_obs - mean2);
	for (s = 0; s <= smax; s++) {
		double c = cnt[k * stride + s];

		total += c;
		if (labs(s - mean2) >= dev_obs)
			tail += c;
	}
	free(cnt);
	return total > 0.0 ? tail / total : NAN;
}

int dm_stats_mann_whitney(const double *x, size_t nx,
			  const double *y, size_t ny,
			  struct dm_mann_whitney *res)
{
	double n1 = (double)nx, n2 = (double)ny, big_n, ties = 0.0;
	double var, d, rx2 = 0.0, work;
	size_t n = nx + ny, i, j, k;
	struct ranked *all;
	long *r2, s_small = 0;
	int small_group;

	res->u = res->z = res->p = NAN;
	res->exact = false;
	if (nx == 0 || ny == 0)
		return -EDOM;

	all = malloc(n * sizeof(*all));
	r2 = malloc(n * sizeof(*r2));
	if (!all || !r2) {
		free(all);
		free(r2);
		return -ENOMEM;
	}
	for (i = 0; i < nx; i++)
		all[i] = (struct ranked){ x[i], 0 };
	for (i = 0; i < ny; i++)
		all[nx + i] = (struct ranked){ y[i], 1 };
	qsort(all, n, sizeof(*all), cmp_ranked);

	/* Midranks, doubled so they stay integers: positions i..j-1. */
	small_group = nx <= ny ? 0 : 1;
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && all[j].v == all[i].v; j++)
			;
		t = (double)(j - i);
		ties += t * t * t - t;
		for (k = i; k < j; k++) {
			r2[k] = (long)(i + 1 + j);
			if (all[k].group == 0)
				rx2 += (double)r2[k];
			if (all[k].group == small_group)
				s_small += r2[k];
		}
	}

	res->u = rx2 / 2.0 - n1 * (n1 + 1.0) / 2.0;
	big_n = (double)n;
	var = n1 * n2 / 12.0 * ((big_n + 1.0) - ties / (big_n * (big_n - 1.0)));
	d = res->u - n1 * n2 / 2.0;
	if (var <= 0.0 || fabs(d) <= 0.5) {
		res->z = 0.0;
	} else {
		d -= d > 0 ? 0.5 : -0.5;
		res->z = d / sqrt(var);
	}
	res->p = var <= 0.0 ? 1.0 : erfc(fabs(res->z) / M_SQRT2);

	k = nx <= ny ? nx : ny;
	work = (double)k * big_n * big_n * (big_n + 1.0);
	if (var > 0.0 && work <= DM_MW_EXACT_WORK) {
		double p = mw_exact_p(r2, n, k, s_small);

		if (isnan(p)) {
			free(r2);
			free(all);
			return -ENOMEM;
		}
		res->p = p;
		res->exact = true;
	}
	if (res->p > 1.0)
		res->p = 1.0;

	free(r2);
	free(all);
	return 0;
}

int dm_stats_hodges_lehmann(const double *x, size_t nx,
			    const double *y, size_t ny, double *shift)
{
	size_t i, j, m = 0;
	double *diff;

	*shift = NAN;
	if (nx == 0 || ny == 0)
		return -EDOM;
	if (nx > DM_HL_MAX_PAIRS / ny)
		return -E2BIG;
	diff = malloc(nx * ny * sizeof(*diff));
	if (!diff)
		return -ENOMEM;
	for (i = 0; i < nx; i++)
		for (j = 0; j < ny; j++)
			diff[m++] = y[j] - x[i];
	*shift = median_inplace(diff, m);
	free(diff);
	return 0;
}

double dm_stats_geomean(const double *ratio, size_t n)
{
	double sum = 0.0;
	size_t i;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++) {
		if (!(ratio[i] > 0.0) || !isfinite(ratio[i]))
			return NAN;
		sum += log(ratio[i]);
	}
	return exp(sum / (double)n);
}

struct p_index {
	double p;
	size_t i;
};

static int cmp_p_index(const void *a, const void *b)
{
	const struct p_index *pa = a, *pb = b;

	if (pa->p != pb->p)
		return pa->p < pb->p ? -1 : 1;
	return (pa->i > pb->i) - (pa->i < pb->i);
}

int dm_stats_p_adjust(double *p, size_t n, enum dm_p_adjust method)
{
	struct p_index *v;
	size_t m = 0, i;
	double run;

	if (method == DM_P_ADJUST_NONE || n == 0)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!isnan(p[i]))
			v[m++] = (struct p_index){ p[i], i };
	qsort(v, m, sizeof(*v), cmp_p_index);

	if (method == DM_P_ADJUST_HOLM) {
		/* Step-down: max over j <= i of (m - j) * p(j). */
		run = 0.0;
		for (i = 0; i < m; i++) {
			double a = (double)(m - i) * v[i].p;

			if (a > run)
				run = a;
			p[v[i].i] = run > 1.0 ? 1.0 : run;
		}
	} else {
		/* Step-up: min over j >= i of m / (j + 1) * p(j). */
		run = 1.0;
		for (i = m; i-- > 0;) {
			double a = (double)m / (double)(i + 1) * v[i].p;

			if (a < run)
				run = a;
			p[v[i].i] = run;
		}
	}
	free(v);
	return 0;
}

/*
 * Continued fraction of the incomplete beta function, evaluated with the
 * modified Lentz method; converges quickly for x < (a + 1) / (a + b + 2).
 */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-15;
	double c = 1.0, d, h, num, del;
	int m;

	d = 1.0 - (a + b) * x / (a + 1.0);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (m = 1; m <= 1000; m++) {
		/* Even step: d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)). */
		num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		if (fabs(d) < tiny)
			d = tiny;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		/* Odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)). */
		num = -(a + m) * (a + b + m) * x /
		      ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		if (fabs(d) < tiny)
			d = tiny;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < eps)
			break;
	}
	return h;
}

/* Regularised incomplete beta function I_x(a, b), 0 <= x <= 1. */
static double inc_beta(double a, double b, double x)
{
	double front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(a, b, x) / a;
	/* I_x(a, b) = 1 - I_{1-x}(b, a), on the side that converges. */
	return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

double dm_stats_t_p2(double t, double df)
{
	double p;

	if (isnan(t) || isnan(df) || !(df > 0.0))
		return NAN;
	if (isinf(t))
		return 0.0;
	p = inc_beta(df / 2.0, 0.5, df / (df + t * t));
	return p > 1.0 ? 1.0 : p < 0.0 ? 0.0 : p;
}

double dm_stats_t_crit(double p, double df)
{
	double lo = 0.0, hi = 1.0, mid;
	int i;

	if (!(p > 0.0 && p <= 1.0) || !(df > 0.0))
		return NAN;
	/* The tail falls as t grows: bracket, then bisect. */
	while (dm_stats_t_p2(hi, df) > p) {
		lo = hi;
		hi *= 2.0;
		if (hi > 1e300)
			return INFINITY;
	}
	for (i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
		mid = lo + (hi - lo) / 2.0;
		if (dm_stats_t_p2(mid, df) > p)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2.0;
}

int dm_stats_welch(const double *x, size_t nx, const double *y, size_t ny,
		   double level, struct dm_welch *res)
{
	return dm_stats_welch_floor(x, nx, 0.0, y, ny, 0.0, level, res);
}

int dm_stats_welch_floor(const double *x, size_t nx, double floor_x,
			 const double *y, size_t ny, double floor_y,
			 double level, struct dm_welch *res)
{
	struct dm_welford wx, wy;
	double vx, vy, ax, ay, se2, crit, half;
	size_t i;

	res->diff = res->lo = res->hi = res->t = res->df = res->p = NAN;
	if (!(level > 0.0 && level < 1.0))
		return -EINVAL;
	if (nx == 0 || ny == 0 || nx + ny < 3)
		return -EDOM;
	dm_welford_init(&wx);
	dm_welford_init(&wy);
	for (i = 0; i < nx; i++)
		dm_welford_add(&wx, x[i]);
	for (i = 0; i < ny; i++)
		dm_welford_add(&wy, y[i]);
	if (!(floor_x >= 0.0) || !(floor_y >= 0.0))
		return -EINVAL;
	vx = nx > 1 ? fmax(dm_welford_variance(&wx), floor_x) : NAN;
	vy = ny > 1 ? fmax(dm_welford_variance(&wy), floor_y) : NAN;
	res->diff = wy.mean - wx.mean;

	if (nx == 1 || ny == 1) {
		/* One value against a sample: a prediction interval. */
		double v = nx == 1 ? vy : vx;
		double v1 = fmax(v, nx == 1 ? floor_x : floor_y);
		double k = (double)(nx == 1 ? ny : nx);

		se2 = v1 + v / k;
		res->df = k - 1.0;
	} else {
		ax = vx / (double)nx;
		ay = vy / (double)ny;
		se2 = ax + ay;
		if (se2 > 0.0)
			res->df = se2 * se2 /
				  (ax * ax / (double)(nx - 1) +
				   ay * ay / (double)(ny - 1));
		else
			res->df = (double)(nx + ny - 2);
	}

	if (!(se2 > 0.0)) {
		/* Deterministic values: equal or not, with certainty. */
		res->t = res->diff == 0.0 ? 0.0 :
			 res->diff > 0.0 ? INFINITY : -INFINITY;
		res->p = res->diff == 0.0 ? 1.0 : 0.0;
		res->lo = res->hi = res->diff;
		return 0;
	}
	res->t = res->diff / sqrt(se2);
	res->p = dm_stats_t_p2(res->t, res->df);
	crit = dm_stats_t_crit(1.0 - level, res->df);
	half = crit * sqrt(se2);
	res->lo = res->diff - half;
	res->hi = res->diff + half;
	return 0;
}
