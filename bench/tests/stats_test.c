// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of bench/stats.c on known data.
 *
 * Expected values come from tests/reference.py (pure Python, written
 * apart from stats.c: type-7 quantiles by definition, the Mann-Whitney
 * exact p by enumerating every split) or are worked out in the comments.
 *
 * To use: make -C bench check  (or run the binary; -l lists the tests)
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <kselftest_harness.h>

#include "stats.h"

/* |got - want| <= tol, reporting both on failure. */
#define EXPECT_NEAR(want, got, tol)					\
	EXPECT_TRUE(fabs((double)(want) - (double)(got)) <= (tol))	\
		TH_LOG("%s = %.17g, expected %.17g +/- %g", #got,	\
		       (double)(got), (double)(want), (double)(tol))

#define EXPECT_NAN(got)							\
	EXPECT_TRUE(isnan(got))						\
		TH_LOG("%s = %.17g, expected NAN", #got, (double)(got))

static const double A[] = { 12, 15, 11, 19, 14, 13, 15, 18, 30, 12 };
static const double B[] = { 16, 18, 17, 22, 19, 17, 25, 18, 21, 20 };
static const double X[] = { 1.1, 2.2, 3.3 };
static const double Y[] = { 4.4, 5.5, 6.6, 7.7 };
static const double T1[] = { 1, 2, 2, 3, 3, 3 };
static const double T2[] = { 2, 3, 3, 4, 4, 5, 6 };

/* Known sample with ties and an outlier (30). */
TEST(summary_known)
{
	struct dm_summary s;

	ASSERT_EQ(0, dm_stats_summarize(A, ARRAY_SIZE(A), &s));
	EXPECT_EQ(10, s.n);
	EXPECT_NEAR(11, s.min, 0);
	EXPECT_NEAR(30, s.max, 0);
	EXPECT_NEAR(14.5, s.median, 1e-12);
	EXPECT_NEAR(20.099999999999994, s.p90, 1e-12);
	EXPECT_NEAR(29.010000000000002, s.p99, 1e-12);
	EXPECT_NEAR(15.9, s.mean, 1e-12);
	EXPECT_NEAR(5.5866905329641368, s.stddev, 1e-12);
	EXPECT_NEAR(0.35136418446315326, s.cv, 1e-12);
}

/* The median resists the outlier the mean follows. */
TEST(summary_outlier)
{
	double x[] = { 100, 101, 99, 100, 102, 98, 100, 1e6 };
	struct dm_summary s;

	ASSERT_EQ(0, dm_stats_summarize(x, ARRAY_SIZE(x), &s));
	EXPECT_NEAR(100, s.median, 0);
	EXPECT_GT(s.mean, 100000);
	EXPECT_NEAR(1e6, s.max, 0);
}

/* n = 0: valid, everything undefined. */
TEST(summary_empty)
{
	struct dm_summary s;

	ASSERT_EQ(0, dm_stats_summarize(NULL, 0, &s));
	EXPECT_EQ(0, s.n);
	EXPECT_NAN(s.min);
	EXPECT_NAN(s.max);
	EXPECT_NAN(s.median);
	EXPECT_NAN(s.p90);
	EXPECT_NAN(s.p99);
	EXPECT_NAN(s.mean);
	EXPECT_NAN(s.stddev);
	EXPECT_NAN(s.cv);
	EXPECT_NAN(dm_stats_median(NULL, 0));
	EXPECT_NAN(dm_stats_quantile_sorted(NULL, 0, 0.5));
}

/* n = 1: location defined, spread not. */
TEST(summary_one)
{
	double x[] = { 42 };
	struct dm_summary s;

	ASSERT_EQ(0, dm_stats_summarize(x, 1, &s));
	EXPECT_NEAR(42, s.min, 0);
	EXPECT_NEAR(42, s.max, 0);
	EXPECT_NEAR(42, s.median, 0);
	EXPECT_NEAR(42, s.p90, 0);
	EXPECT_NEAR(42, s.p99, 0);
	EXPECT_NEAR(42, s.mean, 0);
	EXPECT_NAN(s.stddev);
	EXPECT_NAN(s.cv);
}

/* Zero variance: stddev and cv are 0, not NAN or negative. */
TEST(summary_all_equal)
{
	double x[] = { 7, 7, 7, 7, 7 };
	struct dm_summary s;

	ASSERT_EQ(0, dm_stats_summarize(x, ARRAY_SIZE(x), &s));
	EXPECT_NEAR(7, s.median, 0);
	EXPECT_NEAR(7, s.p99, 0);
	EXPECT_NEAR(0, s.stddev, 0);
	EXPECT_NEAR(0, s.cv, 0);
}

/* cv is undefined when the mean is 0. */
TEST(summary_zero_mean)
{
	double x[] = { -1, 1 };
	struct dm_summary s;

	ASSERT_EQ(0, dm_stats_summarize(x, 2, &s));
	EXPECT_NEAR(0, s.median, 0);
	EXPECT_NEAR(sqrt(2.0), s.stddev, 1e-15);
	EXPECT_NAN(s.cv);
}

/* Type 7 at the ends and quartiles (reference.py: 12.25, 17.25). */
TEST(quantile_type7)
{
	double s[ARRAY_SIZE(A)];

	memcpy(s, A, sizeof(s));
	dm_stats_sort(s, ARRAY_SIZE(s));
	EXPECT_NEAR(11, dm_stats_quantile_sorted(s, 10, 0), 0);
	EXPECT_NEAR(30, dm_stats_quantile_sorted(s, 10, 1), 0);
	EXPECT_NEAR(12.25, dm_stats_quantile_sorted(s, 10, 0.25), 1e-12);
	EXPECT_NEAR(17.25, dm_stats_quantile_sorted(s, 10, 0.75), 1e-12);
	EXPECT_NAN(dm_stats_quantile_sorted(s, 10, NAN));
}

/* Quickselect median agrees with sort + type 7 on tie-heavy data. */
TEST(median_matches_sort)
{
	struct dm_rng rng;
	double x[257], s[257];
	size_t n, i, round;

	dm_rng_seed(&rng, 1);
	for (round = 0; round < 400; round++) {
		n = 1 + dm_rng_below(&rng, 256);
		for (i = 0; i < n; i++)
			x[i] = (double)dm_rng_below(&rng, round % 7 + 2);
		memcpy(s, x, n * sizeof(*x));
		dm_stats_sort(s, n);
		ASSERT_EQ(dm_stats_quantile_sorted(s, n, 0.5),
			  dm_stats_median(x, n));
	}
}

/* Welford stays exact with a large offset (naive sum of squares fails). */
TEST(welford_large_offset)
{
	struct dm_welford w;

	dm_welford_init(&w);
	EXPECT_NAN(dm_welford_mean(&w));
	dm_welford_add(&w, 1e9 + 1);
	EXPECT_NAN(dm_welford_variance(&w));
	dm_welford_add(&w, 1e9 + 2);
	dm_welford_add(&w, 1e9 + 3);
	EXPECT_NEAR(1e9 + 2, dm_welford_mean(&w), 0);
	EXPECT_NEAR(1.0, dm_welford_variance(&w), 1e-9);
	EXPECT_NEAR(1e9 + 1, w.min, 0);
	EXPECT_NEAR(1e9 + 3, w.max, 0);
}

/* Same seed, same stream; bounded draws stay in range and are uniform. */
TEST(rng_deterministic_uniform)
{
	struct dm_rng a, b;
	size_t bucket[10] = { 0 }, i;

	dm_rng_seed(&a, 99);
	dm_rng_seed(&b, 99);
	/* Braces: the harness macros expand to two statements. */
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(dm_rng_next(&a), dm_rng_next(&b));
	}
	for (i = 0; i < 200000; i++) {
		uint64_t r = dm_rng_below(&a, 10);

		ASSERT_LT(r, 10);
		bucket[r]++;
	}
	for (i = 0; i < 10; i++) {
		EXPECT_GT(bucket[i], 19000);
		EXPECT_LT(bucket[i], 21000);
	}
	EXPECT_NE(dm_seed_mix(1, "add_ns"), dm_seed_mix(1, "remove_ns"));
	EXPECT_EQ(dm_seed_mix(1, "add_ns"), dm_seed_mix(1, "add_ns"));
}

/* Reproducible, contains the median, degenerate cases refused. */
TEST(bootstrap_median_ci)
{
	double lo, hi, lo2, hi2, seven[] = { 7, 7, 7, 7 };

	ASSERT_EQ(0, dm_stats_bootstrap_median_ci(A, 10, 2000, 0.95, 5,
						  &lo, &hi));
	ASSERT_EQ(0, dm_stats_bootstrap_median_ci(A, 10, 2000, 0.95, 5,
						  &lo2, &hi2));
	EXPECT_EQ(lo, lo2);
	EXPECT_EQ(hi, hi2);
	EXPECT_LE(lo, 14.5);
	EXPECT_GE(hi, 14.5);
	EXPECT_GE(lo, 11);
	EXPECT_LE(hi, 19);

	ASSERT_EQ(0, dm_stats_bootstrap_median_ci(seven, 4, 500, 0.95, 1,
						  &lo, &hi));
	EXPECT_NEAR(7, lo, 0);
	EXPECT_NEAR(7, hi, 0);

	EXPECT_EQ(-EDOM, dm_stats_bootstrap_median_ci(A, 1, 500, 0.95, 1,
						      &lo, &hi));
	EXPECT_NAN(lo);
	EXPECT_EQ(-EDOM, dm_stats_bootstrap_median_ci(A, 0, 500, 0.95, 1,
						      &lo, &hi));
	EXPECT_EQ(-EINVAL, dm_stats_bootstrap_median_ci(A, 10, 500, 1.0, 1,
							&lo, &hi));
	EXPECT_EQ(-EINVAL, dm_stats_bootstrap_median_ci(A, 10, 10, 0.9, 1,
							&lo, &hi));
}

/*
 * Coverage: 95% intervals of the median of uniform(-1, 1) samples (true
 * median 0) should cover it about 95% of the time; the percentile
 * bootstrap of a median is slightly liberal at n = 30, so accept 88-99%.
 */
TEST(bootstrap_median_ci_coverage)
{
	struct dm_rng rng;
	size_t trial, i, covered = 0;
	double x[30], lo, hi;

	dm_rng_seed(&rng, 2024);
	for (trial = 0; trial < 200; trial++) {
		for (i = 0; i < 30; i++)
			x[i] = (double)(dm_rng_next(&rng) >> 11) / 0x1p52 - 1.0;
		ASSERT_EQ(0, dm_stats_bootstrap_median_ci(x, 30, 1000, 0.95,
							  trial, &lo, &hi));
		if (lo <= 0.0 && hi >= 0.0)
			covered++;
	}
	EXPECT_GE(covered, 176);
	EXPECT_LE(covered, 198);
}

TEST(relative_change)
{
	EXPECT_NEAR(0.2, dm_stats_relative_change(10, 12), 1e-15);
	EXPECT_NEAR(-0.5, dm_stats_relative_change(10, 5), 1e-15);
	/* Signed data: -10 -> -12 is a decrease of 20% of |base|. */
	EXPECT_NEAR(-0.2, dm_stats_relative_change(-10, -12), 1e-15);
	EXPECT_NEAR(0, dm_stats_relative_change(0, 0), 0);
	EXPECT_TRUE(isinf(dm_stats_relative_change(0, 1)));
	EXPECT_GT(dm_stats_relative_change(0, 1), 0);
	EXPECT_LT(dm_stats_relative_change(0, -1), 0);
	EXPECT_NAN(dm_stats_relative_change(NAN, 1));
}

/* A 30% scale-up shows as +30%; identical samples straddle 0. */
TEST(bootstrap_change_ci)
{
	double y[ARRAY_SIZE(A)], lo, hi, zero[] = { 0, 0, 0 };
	double pos[] = { 1, 2, 3 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(A); i++)
		y[i] = A[i] * 1.3;
	ASSERT_EQ(0, dm_stats_bootstrap_change_ci(A, 10, y, 10, 2000, 0.95,
						  3, &lo, &hi));
	EXPECT_LT(lo, 0.3);
	EXPECT_GT(hi, 0.3);
	ASSERT_EQ(0, dm_stats_bootstrap_change_ci(A, 10, A, 10, 2000, 0.95,
						  3, &lo, &hi));
	EXPECT_LT(lo, 0.0);
	EXPECT_GT(hi, 0.0);
	/* Zero baseline: 0 -> 0 is no change, 0 -> positive unbounded. */
	ASSERT_EQ(0, dm_stats_bootstrap_change_ci(zero, 3, zero, 3, 200, 0.95,
						  3, &lo, &hi));
	EXPECT_NEAR(0, lo, 0);
	EXPECT_NEAR(0, hi, 0);
	ASSERT_EQ(0, dm_stats_bootstrap_change_ci(zero, 3, pos, 3, 200, 0.95,
						  3, &lo, &hi));
	EXPECT_TRUE(isinf(lo) && isinf(hi) && lo > 0);
	EXPECT_EQ(-EDOM, dm_stats_bootstrap_change_ci(A, 1, y, 10, 200, 0.95,
						      3, &lo, &hi));
}

/* reference.py: A,B and B,A (ties, exact path). */
TEST(mann_whitney_known)
{
	struct dm_mann_whitney r;

	ASSERT_EQ(0, dm_stats_mann_whitney(A, 10, B, 10, &r));
	EXPECT_TRUE(r.exact);
	EXPECT_NEAR(19.5, r.u, 1e-12);
	EXPECT_NEAR(-2.2746381734178609, r.z, 1e-12);
	EXPECT_NEAR(0.018792353157678236, r.p, 1e-12);

	ASSERT_EQ(0, dm_stats_mann_whitney(B, 10, A, 10, &r));
	EXPECT_NEAR(80.5, r.u, 1e-12);
	EXPECT_NEAR(2.2746381734178609, r.z, 1e-12);
	EXPECT_NEAR(0.018792353157678236, r.p, 1e-12);

	ASSERT_EQ(0, dm_stats_mann_whitney(X, 3, Y, 4, &r));
	EXPECT_NEAR(0, r.u, 0);
	EXPECT_NEAR(-1.9445436482630056, r.z, 1e-12);
	EXPECT_NEAR(0.057142857142857141, r.p, 1e-12);

	ASSERT_EQ(0, dm_stats_mann_whitney(T1, 6, T2, 7, &r));
	EXPECT_NEAR(7, r.u, 0);
	EXPECT_NEAR(-1.9984190970575209, r.z, 1e-12);
	EXPECT_NEAR(0.05536130536130536, r.p, 1e-12);
}

/* reference.py L1,L2: too big for the exact path, normal with ties. */
TEST(mann_whitney_normal)
{
	double l1[40], l2[40];
	struct dm_mann_whitney r;
	int i;

	for (i = 0; i < 40; i++) {
		l1[i] = i % 17;
		l2[i] = (i * 7) % 19 + 2;
	}
	ASSERT_EQ(0, dm_stats_mann_whitney(l1, 40, l2, 40, &r));
	EXPECT_FALSE(r.exact);
	EXPECT_NEAR(513.5, r.u, 1e-9);
	EXPECT_NEAR(-2.7557045999178058, r.z, 1e-12);
	EXPECT_NEAR(0.0058565863145141001, r.p, 1e-12);
}

/* Midrank of v in pooled[0..n): an O(n^2) definition. */
static double brute_rank(const double *pooled, size_t n, double v)
{
	double less = 0, equal = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		less += pooled[i] < v;
		equal += pooled[i] == v;
	}
	return less + (equal + 1) / 2;
}

/* Exact p by enumerating all splits (bitmasks), for comparison. */
static double brute_p(const double *x, size_t nx, const double *y, size_t ny)
{
	double pooled[16], rank[16], mean, obs = 0, hit = 0, tot = 0;
	size_t n = nx + ny, i;
	unsigned int mask;

	for (i = 0; i < nx; i++)
		pooled[i] = x[i];
	for (i = 0; i < ny; i++)
		pooled[nx + i] = y[i];
	for (i = 0; i < n; i++)
		rank[i] = brute_rank(pooled, n, pooled[i]);
	for (i = 0; i < nx; i++)
		obs += rank[i];
	mean = nx * (n + 1) / 2.0;
	for (mask = 0; mask < (1u << n); mask++) {
		double s = 0;

		if ((size_t)__builtin_popcount(mask) != nx)
			continue;
		for (i = 0; i < n; i++)
			if (mask & (1u << i))
				s += rank[i];
		tot++;
		if (fabs(s - mean) >= fabs(obs - mean) - 1e-9)
			hit++;
	}
	return hit / tot;
}

/* The exact p matches enumeration on random tie-heavy small samples. */
TEST(mann_whitney_exact_vs_enumeration)
{
	double x[8], y[8], want;
	struct dm_mann_whitney r;
	struct dm_rng rng;
	size_t nx, ny, i, round;

	dm_rng_seed(&rng, 77);
	for (round = 0; round < 60; round++) {
		nx = 1 + dm_rng_below(&rng, 6);
		ny = 1 + dm_rng_below(&rng, 7);
		for (i = 0; i < nx; i++)
			x[i] = (double)dm_rng_below(&rng, 5);
		for (i = 0; i < ny; i++)
			y[i] = (double)dm_rng_below(&rng, 5) + 0.5 * (round & 1);
		ASSERT_EQ(0, dm_stats_mann_whitney(x, nx, y, ny, &r));
		if (!r.exact) {
			/* Only when every value is tied: p is 1. */
			EXPECT_NEAR(1.0, r.p, 0);
			continue;
		}
		want = brute_p(x, nx, y, ny);
		EXPECT_TRUE(fabs(want - r.p) <= 1e-12)
			TH_LOG("round %zu nx %zu ny %zu: p %.17g, expected %.17g",
			       round, nx, ny, r.p, want);
	}
}

/* At moderate n, exact and normal p-values agree closely. */
TEST(mann_whitney_exact_close_to_normal)
{
	double x[20], y[20], var, z;
	struct dm_mann_whitney r;
	struct dm_rng rng;
	size_t i;

	dm_rng_seed(&rng, 8);
	for (i = 0; i < 20; i++) {
		x[i] = (double)(dm_rng_next(&rng) >> 11);
		y[i] = (double)(dm_rng_next(&rng) >> 11) * 1.2;
	}
	ASSERT_EQ(0, dm_stats_mann_whitney(x, 20, y, 20, &r));
	ASSERT_TRUE(r.exact);
	var = 20.0 * 20.0 * 41.0 / 12.0;
	z = (fabs(r.u - 200.0) - 0.5) / sqrt(var);
	EXPECT_NEAR(erfc(z / M_SQRT2), r.p, 0.01);
}

/* All values tied: no evidence at all. */
TEST(mann_whitney_all_equal)
{
	double x[] = { 5, 5, 5, 5 }, y[] = { 5, 5, 5 };
	struct dm_mann_whitney r;

	ASSERT_EQ(0, dm_stats_mann_whitney(x, 4, y, 3, &r));
	EXPECT_NEAR(6, r.u, 0);
	EXPECT_NEAR(0, r.z, 0);
	EXPECT_NEAR(1, r.p, 0);
}

/* Two constant, different samples: complete separation, p = 2/C(20,10). */
TEST(mann_whitney_constant_shift)
{
	double x[10], y[10];
	struct dm_mann_whitney r;
	int i;

	for (i = 0; i < 10; i++) {
		x[i] = 100;
		y[i] = 130;
	}
	ASSERT_EQ(0, dm_stats_mann_whitney(y, 10, x, 10, &r));
	EXPECT_TRUE(r.exact);
	EXPECT_NEAR(100, r.u, 0);
	EXPECT_NEAR(2.0 / 184756.0, r.p, 1e-15);
}

TEST(mann_whitney_tiny)
{
	double one[] = { 1 }, two[] = { 2 };
	struct dm_mann_whitney r;

	EXPECT_EQ(-EDOM, dm_stats_mann_whitney(one, 0, two, 1, &r));
	EXPECT_NAN(r.p);
	ASSERT_EQ(0, dm_stats_mann_whitney(one, 1, two, 1, &r));
	EXPECT_NEAR(1, r.p, 0);
	EXPECT_NEAR(0.0079365079365079361, dm_stats_mann_whitney_min_p(5, 5),
		    1e-15);
	EXPECT_NEAR(0.1, dm_stats_mann_whitney_min_p(3, 3), 1e-15);
	EXPECT_NEAR(1, dm_stats_mann_whitney_min_p(1, 1), 0);
	EXPECT_NAN(dm_stats_mann_whitney_min_p(0, 3));
}

/* reference.py: HL(A,B) = 4.5, HL(X,Y) = 3.85. */
TEST(hodges_lehmann)
{
	double shift;

	ASSERT_EQ(0, dm_stats_hodges_lehmann(A, 10, B, 10, &shift));
	EXPECT_NEAR(4.5, shift, 1e-12);
	ASSERT_EQ(0, dm_stats_hodges_lehmann(X, 3, Y, 4, &shift));
	EXPECT_NEAR(3.8499999999999996, shift, 1e-12);
	EXPECT_EQ(-EDOM, dm_stats_hodges_lehmann(X, 0, Y, 4, &shift));
	EXPECT_NAN(shift);
}

TEST(geomean)
{
	double r[] = { 1.1, 0.9, 1.2 }, bad[] = { 1.0, 0.0 };

	EXPECT_NEAR(1.059104500597819, dm_stats_geomean(r, 3), 1e-12);
	EXPECT_NEAR(2.0, dm_stats_geomean((double[]){ 2.0 }, 1), 1e-15);
	EXPECT_NAN(dm_stats_geomean(bad, 2));
	EXPECT_NAN(dm_stats_geomean(r, 0));
}

/* reference.py holm() and bh(); NAN entries are left alone. */
TEST(p_adjust)
{
	const double p[] = { 0.01, 0.04, 0.03, 0.005, 0.5 };
	const double holm[] = { 0.04, 0.09, 0.09, 0.025, 0.5 };
	const double bh[] = { 0.025, 0.05, 0.05, 0.025, 0.5 };
	double q[6];
	size_t i;

	memcpy(q, p, sizeof(p));
	q[5] = NAN;
	ASSERT_EQ(0, dm_stats_p_adjust(q, 6, DM_P_ADJUST_HOLM));
	for (i = 0; i < 5; i++) {
		EXPECT_NEAR(holm[i], q[i], 1e-15);
	}
	EXPECT_NAN(q[5]);

	memcpy(q, p, sizeof(p));
	ASSERT_EQ(0, dm_stats_p_adjust(q, 5, DM_P_ADJUST_BH));
	for (i = 0; i < 5; i++) {
		EXPECT_NEAR(bh[i], q[i], 1e-15);
	}

	memcpy(q, p, sizeof(p));
	ASSERT_EQ(0, dm_stats_p_adjust(q, 5, DM_P_ADJUST_NONE));
	EXPECT_NEAR(0.01, q[0], 0);
	ASSERT_EQ(0, dm_stats_p_adjust(q, 0, DM_P_ADJUST_HOLM));
}

/*
 * Student's t tail: closed forms for df 1 (Cauchy, 1 - 2 atan(t) / pi) and
 * df 2 (1 - t / sqrt(2 + t^2)); reference.py t_p2() (numerical
 * integration of the density) for real df; quantiles from published tables.
 */
TEST(student_t)
{
	EXPECT_NEAR(0.5, dm_stats_t_p2(1.0, 1.0), 1e-13);
	EXPECT_NEAR(1.0 - 2.0 * atan(3.0) / M_PI, dm_stats_t_p2(-3.0, 1.0),
		    1e-13);
	EXPECT_NEAR(1.0 - 2.0 / sqrt(6.0), dm_stats_t_p2(2.0, 2.0), 1e-13);
	EXPECT_NEAR(0.039650234665601108, dm_stats_t_p2(2.5, 7.3), 1e-8);
	EXPECT_NEAR(0.69199051651419285, dm_stats_t_p2(0.4, 30.0), 1e-8);
	EXPECT_NEAR(1.0, dm_stats_t_p2(0.0, 4.0), 1e-15);
	EXPECT_NEAR(0.0, dm_stats_t_p2(INFINITY, 4.0), 0);
	/* Many degrees of freedom: the normal distribution. */
	EXPECT_NEAR(0.05, dm_stats_t_p2(1.959963984540054, 1e9), 1e-7);
	EXPECT_NAN(dm_stats_t_p2(1.0, 0.0));
	EXPECT_NAN(dm_stats_t_p2(NAN, 3.0));

	EXPECT_NEAR(12.706204736174698, dm_stats_t_crit(0.05, 1.0), 1e-9);
	EXPECT_NEAR(4.302652729749464, dm_stats_t_crit(0.05, 2.0), 1e-10);
	EXPECT_NEAR(2.228138851986273, dm_stats_t_crit(0.05, 10.0), 1e-10);
	EXPECT_NEAR(4.032142983557536, dm_stats_t_crit(0.01, 5.0), 1e-10);
	EXPECT_NEAR(2.5, dm_stats_t_crit(dm_stats_t_p2(2.5, 7.3), 7.3), 1e-9);
	EXPECT_NAN(dm_stats_t_crit(0.0, 3.0));
	EXPECT_NAN(dm_stats_t_crit(0.05, -1.0));
}

/* Welch's test against reference.py welch(), both directions. */
TEST(welch_known)
{
	struct dm_welch w;

	ASSERT_EQ(0, dm_stats_welch(A, 10, B, 10, 0.95, &w));
	EXPECT_NEAR(3.4, w.diff, 1e-12);
	EXPECT_NEAR(1.7265829911171082, w.t, 1e-12);
	EXPECT_NEAR(13.121585417324518, w.df, 1e-10);
	EXPECT_NEAR(0.10769417471404252, w.p, 1e-8);
	/* The interval is diff +/- t_crit * se and holds 0 here (p > 0.05). */
	EXPECT_LT(w.lo, 0.0);
	EXPECT_GT(w.hi, 0.0);
	EXPECT_NEAR(w.diff, (w.lo + w.hi) / 2.0, 1e-12);

	ASSERT_EQ(0, dm_stats_welch(Y, 4, X, 3, 0.95, &w));
	EXPECT_NEAR(-3.85, w.diff, 1e-12);
	EXPECT_NEAR(-4.0414518843273806, w.t, 1e-12);
	EXPECT_NEAR(4.9591836734693873, w.df, 1e-10);
	EXPECT_NEAR(0.010076943347988645, w.p, 1e-8);
	EXPECT_LT(w.hi, 0.0);
	/* At 99% the interval widens past 0 (p > 0.01). */
	ASSERT_EQ(0, dm_stats_welch(Y, 4, X, 3, 0.99, &w));
	EXPECT_GT(w.hi, 0.0);
}

/* One value against a sample: prediction interval, df = n - 1. */
TEST(welch_single_value)
{
	double v = 9.9;
	struct dm_welch w, w2;

	ASSERT_EQ(0, dm_stats_welch(X, 3, &v, 1, 0.95, &w));
	EXPECT_NEAR(6.0621778264910722, w.t, 1e-12);
	EXPECT_NEAR(2.0, w.df, 0);
	EXPECT_NEAR(0.026148318903646509, w.p, 1e-8);
	/* The same the other way round, with the sign flipped. */
	ASSERT_EQ(0, dm_stats_welch(&v, 1, X, 3, 0.95, &w2));
	EXPECT_NEAR(-w.t, w2.t, 1e-12);
	EXPECT_NEAR(w.p, w2.p, 1e-15);
	/* Two single values, or an empty side: nothing to estimate from. */
	EXPECT_EQ(-EDOM, dm_stats_welch(&v, 1, &v, 1, 0.95, &w));
	EXPECT_EQ(-EDOM, dm_stats_welch(X, 0, X, 3, 0.95, &w));
	EXPECT_EQ(-EINVAL, dm_stats_welch(X, 3, X, 3, 1.0, &w));
}

/*
 * Variance floors: two runs a side whose medians nearly coincide (71.80,
 * 71.89 against 55.81, 55.90 ms: timer-tick quantised) look certain to
 * differ; a floor of their medians' own sampling variance (sd 2 ms)
 * makes it t = 16 / sqrt(4 / 2 + 4 / 2) = 8 with df 2.  A floor below
 * the sample variance changes nothing.
 */
TEST(welch_floor)
{
	const double a[] = { 71.80, 71.89 }, b[] = { 55.81, 55.90 };
	double one = 60.0;
	struct dm_welch w, w0;

	ASSERT_EQ(0, dm_stats_welch(a, 2, b, 2, 0.95, &w0));
	EXPECT_LT(w0.p, 1e-4);
	ASSERT_EQ(0, dm_stats_welch_floor(a, 2, 4.0, b, 2, 4.0, 0.95, &w));
	EXPECT_NEAR(-15.99 / 2.0, w.t, 1e-9);
	EXPECT_NEAR(2.0, w.df, 1e-12);
	EXPECT_NEAR(dm_stats_t_p2(15.99 / 2.0, 2.0), w.p, 1e-15);
	EXPECT_GT(w.p, 0.01);
	ASSERT_EQ(0, dm_stats_welch_floor(A, 10, 1e-9, B, 10, 0.0, 0.95, &w));
	EXPECT_NEAR(1.7265829911171082, w.t, 1e-12);
	/* A single value takes the larger of the two floors. */
	ASSERT_EQ(0, dm_stats_welch_floor(a, 2, 0.0, &one, 1, 9.0, 0.95, &w));
	EXPECT_NEAR((60.0 - 71.845) / sqrt(9.0 + 0.00405 / 2.0), w.t, 1e-9);
	EXPECT_EQ(-EINVAL, dm_stats_welch_floor(a, 2, -1.0, b, 2, 0.0, 0.95,
						&w));
}

/* Zero variance: deterministic values are equal or differ for certain. */
TEST(welch_zero_variance)
{
	const double a[] = { 1024, 1024, 1024 }, b[] = { 256, 256 };
	struct dm_welch w;

	ASSERT_EQ(0, dm_stats_welch(a, 3, a, 3, 0.95, &w));
	EXPECT_NEAR(1.0, w.p, 0);
	EXPECT_NEAR(0.0, w.lo, 0);
	EXPECT_NEAR(0.0, w.hi, 0);
	ASSERT_EQ(0, dm_stats_welch(a, 3, b, 2, 0.95, &w));
	EXPECT_NEAR(0.0, w.p, 0);
	EXPECT_NEAR(-768.0, w.lo, 0);
	EXPECT_TRUE(isinf(w.t) && w.t < 0);
	/* One side constant, the other not: the variable side's df. */
	ASSERT_EQ(0, dm_stats_welch(a, 3, X, 3, 0.95, &w));
	EXPECT_NEAR(2.0, w.df, 1e-12);
}

TEST_HARNESS_MAIN
