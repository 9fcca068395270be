/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics on benchmark samples for devmem.
 *
 * Samples are doubles (latencies are integer nanoseconds stored in doubles,
 * exact up to 2^53).  A value that is undefined for the input (the median
 * of nothing, the standard deviation of one sample) is NAN; callers print
 * it as "n/a" and the results writer stores it as JSON null.
 *
 * Conventions used throughout:
 * - quantiles are Hyndman & Fan type 7 (linear interpolation between the
 *   order statistics x[floor(h)] and x[ceil(h)], h = (n - 1) * q, 0-based),
 *   the default of R, numpy and most spreadsheets; the median is the
 *   q = 0.5 case, i.e. the mean of the two middle values for even n;
 * - stddev is the sample standard deviation (n - 1 denominator), computed
 *   with Welford's update; cv = stddev / |mean|;
 * - bootstrap intervals are percentile intervals over resamples drawn with
 *   a seeded splitmix64 generator, so the same input and seed always give
 *   the same interval.
 */
#ifndef DEVMEM_STATS_H
#define DEVMEM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Summary of one sample set; NAN marks a value undefined for this n. */
struct dm_summary {
	size_t n;
	double min;
	double max;
	double median;
	double p90;
	double p99;
	double mean;
	double stddev;		/* sample stddev; NAN for n < 2 */
	double cv;		/* stddev / |mean|; NAN if n < 2 or mean == 0 */
};

/* Running mean and variance (Welford), min and max. */
struct dm_welford {
	size_t n;
	double mean;
	double m2;
	double min;
	double max;
};

void dm_welford_init(struct dm_welford *w);
void dm_welford_add(struct dm_welford *w, double x);
double dm_welford_mean(const struct dm_welford *w);
double dm_welford_variance(const struct dm_welford *w);
double dm_welford_stddev(const struct dm_welford *w);

/* Sort in place, ascending (the caller guarantees there is no NAN). */
void dm_stats_sort(double *x, size_t n);

/* Type-7 quantile of an ascending array; q in [0, 1]; NAN if n == 0. */
double dm_stats_quantile_sorted(const double *sorted, size_t n, double q);

/* Median of unsorted data (the input is not modified); NAN if n == 0. */
double dm_stats_median(const double *x, size_t n);

/* Fill @s; returns 0 or -ENOMEM (n == 0 is valid: all fields NAN). */
int dm_stats_summarize(const double *x, size_t n, struct dm_summary *s);

/* Deterministic generator: splitmix64. */
struct dm_rng {
	uint64_t state;
};

void dm_rng_seed(struct dm_rng *rng, uint64_t seed);
uint64_t dm_rng_next(struct dm_rng *rng);
/* Uniform integer in [0, bound), without modulo bias; bound > 0. */
uint64_t dm_rng_below(struct dm_rng *rng, uint64_t bound);
/* Mix strings into a seed (FNV-1a then splitmix64 finaliser). */
uint64_t dm_seed_mix(uint64_t seed, const char *s);

/*
 * Percentile bootstrap confidence interval of the median.
 * @level in (0, 1), e.g. 0.95; @resamples >= 100.
 * Returns 0, -EDOM when n < 2 (no interval can be honest), -EINVAL for bad
 * parameters, -ENOMEM.
 */
int dm_stats_bootstrap_median_ci(const double *x, size_t n,
				 unsigned int resamples, double level,
				 uint64_t seed, double *lo, double *hi);

/*
 * Relative change of the median of @y against the median of @x:
 * (median(y) - median(x)) / |median(x)|, i.e. ratio - 1 for positive data.
 * NAN if either side is empty; +/-INFINITY if median(x) == 0 and
 * median(y) != 0; 0 if both medians are 0.
 */
double dm_stats_relative_change(double median_x, double median_y);

/*
 * Percentile bootstrap confidence interval of dm_stats_relative_change()
 * of the medians, resampling @x and @y independently.  Bounds may be
 * infinite when resampled medians of @x are 0.  Same returns as above
 * (-EDOM when either n < 2).
 */
int dm_stats_bootstrap_change_ci(const double *x, size_t nx,
				 const double *y, size_t ny,
				 unsigned int resamples, double level,
				 uint64_t seed, double *lo, double *hi);

/* Mann-Whitney U (Wilcoxon rank-sum) test, two-sided. */
struct dm_mann_whitney {
	double u;	/* #(x_i > y_j) + #(x_i == y_j) / 2 over all pairs */
	double z;	/* normal score, tie- and continuity-corrected */
	double p;	/* two-sided p-value */
	bool exact;	/* p from the exact permutation distribution */
};

/*
 * The exact p-value is the permutation distribution of the rank sum given
 * the observed ties (midranks), used when it is cheap (small samples);
 * otherwise the normal approximation with tie correction and continuity
 * correction.  Two-sided p = P(|S - E S| >= |s - E S|).
 * Returns 0, -EDOM if either sample is empty, -ENOMEM.
 */
int dm_stats_mann_whitney(const double *x, size_t nx,
			  const double *y, size_t ny,
			  struct dm_mann_whitney *res);

/* Smallest two-sided p the test can give for these sizes (no ties). */
double dm_stats_mann_whitney_min_p(size_t nx, size_t ny);

/*
 * Hodges-Lehmann estimate of the shift of @y against @x: the median of
 * all pairwise differences y_j - x_i.  Returns 0, -EDOM, -E2BIG (more
 * than 2^26 pairs), -ENOMEM.
 */
int dm_stats_hodges_lehmann(const double *x, size_t nx,
			    const double *y, size_t ny, double *shift);

/* Geometric mean of positive ratios; NAN if n == 0 or any ratio <= 0. */
double dm_stats_geomean(const double *ratio, size_t n);

/* Multiple-comparison adjustment of p-values, in place. */
enum dm_p_adjust {
	DM_P_ADJUST_NONE,
	DM_P_ADJUST_HOLM,	/* family-wise error rate (Holm 1979) */
	DM_P_ADJUST_BH,		/* false discovery rate (Benjamini-Hochberg) */
};

/* NAN entries (rows without a test) are skipped.  Returns 0 or -ENOMEM. */
int dm_stats_p_adjust(double *p, size_t n, enum dm_p_adjust method);

/*
 * Student's t distribution with @df > 0 degrees of freedom (real df, as
 * Welch's approximation gives): the two-sided tail P(|T| >= |t|), through
 * the regularised incomplete beta function I_{df/(df+t^2)}(df/2, 1/2).
 * NAN for a NAN argument or df <= 0; 0 for an infinite t.
 */
double dm_stats_t_p2(double t, double df);

/* The critical value t > 0 with dm_stats_t_p2(t, df) == @p, p in (0, 1]. */
double dm_stats_t_crit(double p, double df);

/*
 * Difference of the means of two small samples with unequal variances
 * (Welch's t-test): @y against @x, both with at least 2 values.  One side
 * may hold a single value if the other has at least 2: the single value is
 * then tested against the spread of the other side (a prediction interval,
 * df = n - 1, assuming the single value has the same variance).  This is
 * how run-level numbers (one median per boot) are compared.
 *
 * Zero variance on both sides (a deterministic value): p = 1 if the means
 * are equal, else p = 0, and the interval is the difference itself.
 */
struct dm_welch {
	double diff;	/* mean(y) - mean(x) */
	double lo, hi;	/* confidence interval of diff at @level */
	double t;	/* diff / standard error; +/-INFINITY if that is 0 */
	double df;	/* Welch-Satterthwaite degrees of freedom */
	double p;	/* two-sided */
};

/* Returns 0, -EDOM (too few values), -EINVAL (level outside (0, 1)). */
int dm_stats_welch(const double *x, size_t nx, const double *y, size_t ny,
		   double level, struct dm_welch *res);

/*
 * The same with a floor under each side's variance: @floor_x, @floor_y
 * (>= 0) replace the sample variance where it is smaller.  For values
 * that are themselves estimates (one median per run) the floor is their
 * own sampling variance: runs cannot agree better than their cycles let
 * them, however alike a few medians happen to be (latencies quantised to
 * timer ticks land on the same few values).  A single value's variance is
 * max(the other side's, its own floor).
 */
int dm_stats_welch_floor(const double *x, size_t nx, double floor_x,
			 const double *y, size_t ny, double floor_y,
			 double level, struct dm_welch *res);

#endif /* DEVMEM_STATS_H */
