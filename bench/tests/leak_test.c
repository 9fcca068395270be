// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the selftest library's leak detector
 * (tools/testing/selftests/devmem/devmem_leak.c): the Theil-Sen slope,
 * Sen's interval and the leak verdicts, on known data.
 *
 * The interval of known12 comes from tests/leak_reference.py (pure
 * Python, written apart from devmem_leak.c); the other expectations are
 * worked out in the comments.
 *
 * To use: make -C bench check  (or run the binary; -l lists the tests)
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kselftest_harness.h>

#include "devmem_leak.h"

#define EXPECT_NEAR(want, got, tol)					\
	EXPECT_TRUE(fabs((double)(want) - (double)(got)) <= (tol))	\
		TH_LOG("%s = %.17g, expected %.17g +/- %g", #got,	\
		       (double)(got), (double)(want), (double)(tol))

#define Z95	1.9599639845400536

/* A reproducible noise in [-1, 1): splitmix64. */
static double noise(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(1ull << 52) - 1.0;
}

/* An exact line: every pairwise slope is 3, so is the interval. */
TEST(exact_line)
{
	double y[10];
	struct dm_slope s;
	int i;

	for (i = 0; i < 10; i++)
		y[i] = 3 * i + 5;
	ASSERT_EQ(0, dm_theil_sen(NULL, y, 10, DM_LEAK_Z, &s));
	EXPECT_NEAR(3, s.slope, 1e-12);
	EXPECT_NEAR(3, s.lo, 1e-12);
	EXPECT_NEAR(3, s.hi, 1e-12);
	EXPECT_EQ(10, s.n);
}

/*
 * y = 2x + 1 with 3 of 20 points wild: 136 of the 190 pairwise slopes
 * (those between the 17 good points) are exactly 2, so the median is 2;
 * least squares would be far off.
 */
TEST(outliers)
{
	double y[20];
	struct dm_slope s;
	int i;

	for (i = 0; i < 20; i++)
		y[i] = 2 * i + 1;
	y[3] = 1e6;
	y[11] = -5e5;
	y[19] = 9e7;
	ASSERT_EQ(0, dm_theil_sen(NULL, y, 20, DM_LEAK_Z, &s));
	EXPECT_NEAR(2, s.slope, 1e-12);
	EXPECT_TRUE(s.lo <= 2 && s.hi >= 2);
}

/* Flat noise: the interval holds 0 and the slope is small. */
TEST(flat_noise)
{
	uint64_t st = 42;
	struct dm_slope s;
	double y[200];
	int i;

	for (i = 0; i < 200; i++)
		y[i] = 1e6 + 4096 * noise(&st);
	ASSERT_EQ(0, dm_theil_sen(NULL, y, 200, DM_LEAK_Z, &s));
	EXPECT_TRUE(s.lo < 0 && s.hi > 0)
		TH_LOG("[%g, %g]", s.lo, s.hi);
	EXPECT_TRUE(fabs(s.slope) < 10) TH_LOG("slope %g", s.slope);
}

/*
 * x = 1..12, y with ties (15, 15 and 20, 20): leak_reference.py gives the
 * slope 1.2 (median of 66 slopes), S = 52, Var(S) = 210.667, and
 * 95%: [0.8333, 1.5] (ranks 19 and 48); 99%: [0.6667, 1.5556].
 */
TEST(known12)
{
	static const double y[] = { 10, 12, 11, 15, 15, 14, 18, 17, 21, 20,
				    20, 25 };
	double x[12];
	struct dm_slope s;
	int i;

	for (i = 0; i < 12; i++)
		x[i] = i + 1;
	ASSERT_EQ(0, dm_theil_sen(x, y, 12, Z95, &s));
	EXPECT_NEAR(1.2, s.slope, 1e-12);
	EXPECT_NEAR(0.8333333333333334, s.lo, 1e-12);
	EXPECT_NEAR(1.5, s.hi, 1e-12);
	ASSERT_EQ(0, dm_theil_sen(x, y, 12, DM_LEAK_Z, &s));
	EXPECT_NEAR(1.2, s.slope, 1e-12);
	EXPECT_NEAR(0.6666666666666666, s.lo, 1e-12);
	EXPECT_NEAR(1.5555555555555556, s.hi, 1e-12);
}

/* Above DM_LEAK_MAX_POINTS points a spread subset is used. */
TEST(subsampled)
{
	size_t n = 5000, i;
	struct dm_slope s;
	double *y = malloc(n * sizeof(*y));

	ASSERT_NE(NULL, y);
	for (i = 0; i < n; i++)
		y[i] = 0.5 * i - 7;
	ASSERT_EQ(0, dm_theil_sen(NULL, y, n, DM_LEAK_Z, &s));
	EXPECT_EQ(DM_LEAK_MAX_POINTS, s.n);
	EXPECT_NEAR(0.5, s.slope, 1e-9);
	EXPECT_NEAR(0.5, s.lo, 1e-9);
	EXPECT_NEAR(0.5, s.hi, 1e-9);
	free(y);
}

TEST(bad_input)
{
	double x[] = { 0, 1, 1, 2 }, y[] = { 1, 2, 3, 4 };
	struct dm_slope s;

	EXPECT_EQ(-EINVAL, dm_theil_sen(NULL, y, 2, DM_LEAK_Z, &s));
	EXPECT_EQ(-EINVAL, dm_theil_sen(x, y, 4, DM_LEAK_Z, &s));
}

/*
 * Series like a soak's: 200 cycles of kernel-sized counters with noise
 * of +/- 8 KiB, every counter flat except @leak, which moves by @per
 * bytes per cycle (in its leak direction).
 */
static int make_series(struct dm_leak_series *ls, int leak, double per)
{
	struct dm_leak_sample smp;
	uint64_t st = 7;
	int c, i;

	dm_leak_series_init(ls);
	for (c = 0; c < 200; c++) {
		memset(&smp, 0, sizeof(smp));
		for (i = 0; i < DM_LEAK_NR; i++) {
			smp.v[i] = i == DM_LEAK_IOMEM ? 60 :
				   i == DM_LEAK_MEMMAP ? 4096.0 * 1000 :
				   64e6 + 8192 * noise(&st);
			if (i == leak)
				smp.v[i] += dm_leak_info(i)->sign * per * c;
		}
		smp.valid = (1u << DM_LEAK_NR) - 1;
		if (dm_leak_series_add(ls, &smp))
			return -ENOMEM;
	}
	return 0;
}

static int nr_called(const struct dm_leak_verdict *v)
{
	int i, n = 0;

	for (i = 0; i < DM_LEAK_NR; i++)
		n += v[i].called;
	return n;
}

/* A/A: nothing is called. */
TEST(judge_silent)
{
	struct dm_leak_verdict v[DM_LEAK_NR];
	struct dm_leak_series ls;

	ASSERT_EQ(0, make_series(&ls, -1, 0));
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_EQ(0, nr_called(v));
	EXPECT_TRUE(v[DM_LEAK_IOMEM].valid);
	EXPECT_NEAR(0, v[DM_LEAK_IOMEM].s.slope, 0);
	dm_leak_series_free(&ls);
}

/* 16 KiB per cycle in SUnreclaim, or out of free pages, is called. */
TEST(judge_leak)
{
	struct dm_leak_verdict v[DM_LEAK_NR];
	struct dm_leak_series ls;
	char buf[256];

	ASSERT_EQ(0, make_series(&ls, DM_LEAK_SUNRECLAIM, 16384));
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_TRUE(v[DM_LEAK_SUNRECLAIM].called);
	EXPECT_EQ(1, nr_called(v));
	EXPECT_NEAR(16384, v[DM_LEAK_SUNRECLAIM].s.slope, 200);
	dm_leak_describe(DM_LEAK_SUNRECLAIM, &v[DM_LEAK_SUNRECLAIM], buf,
			 sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "LEAK")) TH_LOG("%s", buf);
	dm_leak_series_free(&ls);

	ASSERT_EQ(0, make_series(&ls, DM_LEAK_FREE, 16384));
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_TRUE(v[DM_LEAK_FREE].called);
	EXPECT_NEAR(-16384, v[DM_LEAK_FREE].s.slope, 200);
	EXPECT_EQ(1, nr_called(v));
	dm_leak_series_free(&ls);
}

/*
 * A short run: the start-up growth a 30-cycle CXL soak really recorded
 * (SUnreclaim, v2 kernel: +76 KiB in 4-32 KiB steps, a slope of +2458
 * B/cycle clear of zero) is not called; 16 KiB per cycle over the same 30
 * cycles is; a 1.5 KiB per cycle leak is called over 200 cycles, not
 * over 30 (its floor there is 1024 * 100 / 30).
 */
TEST(judge_short_run)
{
	static const double startup[30] = {
		7458816, 7458816, 7483392, 7483392, 7487488, 7487488,
		7487488, 7487488, 7487488, 7487488, 7487488, 7487488,
		7491584, 7491584, 7491584, 7495680, 7528448, 7528448,
		7528448, 7528448, 7528448, 7528448, 7528448, 7528448,
		7536640, 7536640, 7536640, 7536640, 7536640, 7536640,
	};
	struct dm_leak_verdict v[DM_LEAK_NR];
	struct dm_leak_sample smp;
	struct dm_leak_series ls;
	double per;
	int c, k;

	for (k = 0; k < 2; k++) {
		dm_leak_series_init(&ls);
		for (c = 0; c < 30; c++) {
			memset(&smp, 0, sizeof(smp));
			smp.v[DM_LEAK_SUNRECLAIM] = startup[c] + k * 16384.0 * c;
			smp.valid = 1u << DM_LEAK_SUNRECLAIM;
			ASSERT_EQ(0, dm_leak_series_add(&ls, &smp));
		}
		ASSERT_EQ(0, dm_leak_judge(&ls, v));
		EXPECT_TRUE(v[DM_LEAK_SUNRECLAIM].s.lo > 0);
		EXPECT_NEAR(1024 * 100 / 30.0, v[DM_LEAK_SUNRECLAIM].floor, 1);
		EXPECT_EQ(k, v[DM_LEAK_SUNRECLAIM].called)
			TH_LOG("k=%d slope %.0f", k, v[DM_LEAK_SUNRECLAIM].s.slope);
		dm_leak_series_free(&ls);
	}
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, make_series(&ls, DM_LEAK_SUNRECLAIM, 1536));
		if (!k)		/* the first 30 cycles only */
			ls.n = 30;
		ASSERT_EQ(0, dm_leak_judge(&ls, v));
		per = v[DM_LEAK_SUNRECLAIM].s.slope;
		EXPECT_EQ(k, v[DM_LEAK_SUNRECLAIM].called)
			TH_LOG("n=%zu slope %.0f floor %.0f", ls.n, per,
			       v[DM_LEAK_SUNRECLAIM].floor);
		dm_leak_series_free(&ls);
	}
}

/*
 * Counters marked unjudged (KASAN's quarantine) get their slope but no
 * call, even for 16 KiB per cycle; the others are still judged.
 */
TEST(judge_unjudged)
{
	struct dm_leak_verdict v[DM_LEAK_NR];
	struct dm_leak_series ls;
	char buf[256];

	ASSERT_EQ(0, make_series(&ls, DM_LEAK_SUNRECLAIM, 16384));
	ls.unjudged = 1u << DM_LEAK_SUNRECLAIM;
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_TRUE(v[DM_LEAK_SUNRECLAIM].unjudged);
	EXPECT_FALSE(v[DM_LEAK_SUNRECLAIM].called);
	EXPECT_NEAR(16384, v[DM_LEAK_SUNRECLAIM].s.slope, 200);
	dm_leak_describe(DM_LEAK_SUNRECLAIM, &v[DM_LEAK_SUNRECLAIM], buf,
			 sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "not judged")) TH_LOG("%s", buf);
	dm_leak_series_free(&ls);

	ASSERT_EQ(0, make_series(&ls, DM_LEAK_PERCPU, 16384));
	ls.unjudged = 1u << DM_LEAK_SUNRECLAIM;
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_TRUE(v[DM_LEAK_PERCPU].called);
	dm_leak_series_free(&ls);
}

/* A real trend under the floor is not a leak; nor is one the wrong way. */
TEST(judge_floor)
{
	struct dm_leak_verdict v[DM_LEAK_NR];
	struct dm_leak_series ls;
	double floor = dm_leak_info(DM_LEAK_SUNRECLAIM)->floor;

	ASSERT_EQ(0, make_series(&ls, DM_LEAK_SUNRECLAIM, floor / 2));
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_TRUE(v[DM_LEAK_SUNRECLAIM].s.lo > 0);
	EXPECT_FALSE(v[DM_LEAK_SUNRECLAIM].called);
	dm_leak_series_free(&ls);

	/* SUnreclaim shrinking by 16 KiB per cycle is no leak */
	ASSERT_EQ(0, make_series(&ls, DM_LEAK_SUNRECLAIM, -16384));
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_EQ(0, nr_called(v));
	dm_leak_series_free(&ls);
}

/* One iomem entry leaked per cycle. */
TEST(judge_iomem)
{
	struct dm_leak_verdict v[DM_LEAK_NR];
	struct dm_leak_series ls;

	ASSERT_EQ(0, make_series(&ls, DM_LEAK_IOMEM, 1));
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_TRUE(v[DM_LEAK_IOMEM].called);
	EXPECT_NEAR(1, v[DM_LEAK_IOMEM].s.slope, 0);
	dm_leak_series_free(&ls);
}

/* A counter missing in one sample is not judged. */
TEST(judge_invalid_counter)
{
	struct dm_leak_verdict v[DM_LEAK_NR];
	struct dm_leak_series ls;
	struct dm_leak_sample smp = { 0 };

	ASSERT_EQ(0, make_series(&ls, -1, 0));
	smp.valid = ((1u << DM_LEAK_NR) - 1) & ~(1u << DM_LEAK_MEMMAP);
	ASSERT_EQ(0, dm_leak_series_add(&ls, &smp));
	ASSERT_EQ(0, dm_leak_judge(&ls, v));
	EXPECT_FALSE(v[DM_LEAK_MEMMAP].valid);
	EXPECT_FALSE(v[DM_LEAK_MEMMAP].called);
	dm_leak_series_free(&ls);
}

TEST_HARNESS_MAIN
