// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of devmem-compare end to end, on synthetic results files
 * written with the results API, and on the recorded bad inputs.
 *
 * Known answers: two samples of one distribution must give "no significant
 * change" on every row and exit 0; a 30% shift with 1% noise must be
 * "regressed" or "improved" according to the metric's own direction, and
 * exit 1 only for a regression; different accelerators are refused (exit
 * 2) unless --force; every bad file or option exits 2 with a message.
 * --pair compares two configurations (align 4K against 2M) of one run.
 * Runs given as comma-separated lists are compared run by run, so a shift
 * between boots no larger than the boots' own spread is not a verdict,
 * while a real one still is.  The engine called as a library
 * (bench/lib/compare.h) gives what the program prints; /1 and /2 files
 * compare; a workload nobody wrote code for compares without a change.
 *
 * To use: make -C bench check  (the binary finds devmem-compare through
 * DEVMEM_COMPARE, or the path it was built with)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kselftest_harness.h>

#include "compare.h"
#include "results.h"

#ifndef COMPARE_BIN
#define COMPARE_BIN "devmem-compare"
#endif
#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

#define MAX_ARGS 16

/* |got - want| <= tol, reporting both on failure. */
#define EXPECT_NEAR(want, got, tol)					\
	EXPECT_TRUE(fabs((double)(want) - (double)(got)) <= (tol))	\
		TH_LOG("%s = %.17g, expected %.17g +/- %g", #got,	\
		       (double)(got), (double)(want), (double)(tol))

/* What one synthetic run looks like. */
struct run {
	const char *accel;
	const char *release;
	uint64_t seed;
	size_t n;		/* samples per metric */
	double cv;		/* relative noise */
	double add_factor;	/* multiplies add_ns */
	double ratio_factor;	/* multiplies memmap_bw_ratio */
	double boot;		/* this run's (boot's) speed factor; 0 = 1 */
	int64_t pages;		/* memmap_pages; 0 = 4096 */
	int64_t pages_step;	/* memmap_pages cycles: pages + step * {-1,0,1} */
	const int64_t *remove;	/* recorded remove_ns samples (n of them) */
	bool only_first;	/* leave the second configuration out */
};

static const struct run plain = {
	.accel = "tcg", .release = "6.12.22-amd64", .seed = 1, .n = 30,
	.cv = 0.01, .add_factor = 1.0, .ratio_factor = 1.0,
};

/* A standard normal deviate (Box-Muller) from the suite's generator. */
static double gauss(struct dm_rng *rng)
{
	double u1 = ((double)(dm_rng_next(rng) >> 11) + 0.5) / 0x1p53;
	double u2 = (double)(dm_rng_next(rng) >> 11) / 0x1p53;

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static int write_run(const char *path, const struct run *run)
{
	static const struct dm_config cfgs[] = {
		{ .mode = "devdax", .map = "mem", .align_bytes = 2 << 20,
		  .size_bytes = 1 << 30, .driver = "sysfs" },
		{ .mode = "fsdax", .map = "dev", .align_bytes = 2 << 20,
		  .size_bytes = 256 << 20, .driver = "sysfs" },
	};
	char err[DM_ERR_LEN];
	int64_t add[64], rem[64], pages[64], delta[64];
	double ratio[64];
	struct dm_results *res;
	struct dm_rng rng;
	struct dm_env env = {
		.kernel_release = run->release, .kernel_version = "#1",
		.cmdline = "console=ttyS0", .kernel_name = "debian-6.12",
		.accel = run->accel, .cpu_model = "QEMU Virtual CPU",
		.cpu_count = 2, .memory_bytes = 2ULL << 30,
		.qemu_version = "7.2.15", .tracing = "none",
	};
	size_t c, i;
	int rc;

	rc = dm_results_new(&res);
	if (rc)
		return rc;
	dm_rng_seed(&rng, run->seed);
	rc = dm_results_set_env(res, &env);
	if (!rc)
		rc = dm_results_set_param_int(res, "warmup", 1);
	if (!rc)
		rc = dm_results_set_param_int(res, "cycles", (int64_t)run->n);
	for (c = 0; !rc && c < (run->only_first ? 1 : 2); c++) {
		double base = (c ? 3e6 : 9e6) * (run->boot ? run->boot : 1.0);
		struct dm_result *r;

		for (i = 0; i < run->n; i++) {
			add[i] = llround(base * run->add_factor *
					 (1.0 + run->cv * gauss(&rng)));
			rem[i] = llround(base / 2 * (1.0 + run->cv * gauss(&rng)));
			if (run->remove && c == 0)
				rem[i] = run->remove[i];
			ratio[i] = 0.25 * run->ratio_factor *
				   (1.0 + run->cv * gauss(&rng));
			pages[i] = (run->pages ? run->pages : 4096) +
				   run->pages_step * (int64_t)(i % 3 - 1);
			delta[i] = -(16 << 20);
		}
		rc = dm_results_add_result(res, &cfgs[c], &r);
		if (!rc)
			rc = dm_result_add_metric_int(r, "add_ns", DM_UNIT_NS,
						      DM_BETTER_LOWER, add,
						      run->n);
		if (!rc)
			rc = dm_result_add_metric_int(r, "remove_ns",
						      DM_UNIT_NS,
						      DM_BETTER_LOWER, rem,
						      run->n);
		if (!rc)
			rc = dm_result_add_metric(r, "memmap_bw_ratio",
						  DM_UNIT_RATIO,
						  DM_BETTER_HIGHER, ratio,
						  run->n);
		if (!rc)
			rc = dm_result_add_metric_int(r, "memmap_pages",
						      DM_UNIT_PAGES,
						      DM_BETTER_LOWER, pages,
						      run->n);
		if (!rc)
			rc = dm_result_add_metric_int(r, "memfree_delta_bytes",
						      DM_UNIT_BYTES,
						      DM_BETTER_HIGHER, delta,
						      run->n);
	}
	if (!rc)
		rc = dm_results_write(res, path, err, sizeof(err));
	dm_results_free(res);
	return rc;
}

/* Read a whole file (caller frees); "" if it cannot be read. */
static char *slurp(const char *path)
{
	struct stat st;
	char *buf;
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd >= 0 && !fstat(fd, &st)) {
		buf = malloc(st.st_size + 1);
		if (buf)
			n = read(fd, buf, st.st_size);
		if (n >= 0) {
			buf[n] = '\0';
			close(fd);
			return buf;
		}
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return strdup("");
}

FIXTURE(cmp)
{
	char dir[64];
	char base[128], new[128], third[128];
	char out_path[128], err_path[128];
	char *out, *err;
	int status;		/* exit status, or -signal */
};

FIXTURE_SETUP(cmp)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/devmem-compare-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->base, sizeof(self->base), "%s/base.json", self->dir);
	snprintf(self->new, sizeof(self->new), "%s/new.json", self->dir);
	snprintf(self->third, sizeof(self->third), "%s/third.json", self->dir);
	snprintf(self->out_path, sizeof(self->out_path), "%s/stdout",
		 self->dir);
	snprintf(self->err_path, sizeof(self->err_path), "%s/stderr",
		 self->dir);
	self->out = self->err = NULL;
}

FIXTURE_TEARDOWN(cmp)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	d = opendir(self->dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", self->dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(self->dir);
	free(self->out);
	free(self->err);
}

/*
 * Run devmem-compare with a NULL-terminated argument list; keep its exit
 * status and its stdout and stderr in the fixture.
 */
static void run_compare(FIXTURE_DATA(cmp) *self, const char *arg, ...)
{
	const char *bin = getenv("DEVMEM_COMPARE");
	const char *argv[MAX_ARGS + 2];
	va_list ap;
	int n = 1, status, fd;
	pid_t pid;

	argv[0] = bin ? bin : COMPARE_BIN;
	va_start(ap, arg);
	for (; arg && n <= MAX_ARGS; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fd = open(self->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		fd = open(self->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	self->status = -1;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		self->status = WIFEXITED(status) ? WEXITSTATUS(status) :
			       -WTERMSIG(status);
	free(self->out);
	free(self->err);
	self->out = slurp(self->out_path);
	self->err = slurp(self->err_path);
}

/* Verdicts of every row for revision @rev in JSON output; counts them. */
static int count_verdicts(const char *json, size_t rev, const char *verdict,
			  const char *metric, size_t *total)
{
	json_object *root, *rows, *o;
	size_t i, n, hits = 0;

	root = json_tokener_parse(json);
	if (!root || !json_object_object_get_ex(root, "rows", &rows)) {
		json_object_put(root);
		return -1;
	}
	n = json_object_array_length(rows);
	*total = 0;
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i), *revs;
		const char *name, *v;

		json_object_object_get_ex(row, "metric", &o);
		name = json_object_get_string(o);
		if (metric && strcmp(name, metric))
			continue;
		(*total)++;
		json_object_object_get_ex(row, "revisions", &revs);
		o = json_object_array_get_idx(revs, rev);
		json_object_object_get_ex(o, "verdict", &o);
		v = json_object_get_string(o);
		hits += v && !strcmp(v, verdict);
	}
	json_object_put(root);
	return (int)hits;
}

/*
 * A json field of the first row of @metric in revision @rev, or of the
 * row itself if @rev is (size_t)-1.
 */
static double row_number(const char *json, const char *metric, size_t rev,
			 const char *field)
{
	json_object *root, *rows, *o;
	double v = NAN;
	size_t i;

	root = json_tokener_parse(json);
	if (!root || !json_object_object_get_ex(root, "rows", &rows)) {
		json_object_put(root);
		return NAN;
	}
	for (i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);

		json_object_object_get_ex(row, "metric", &o);
		if (strcmp(json_object_get_string(o), metric))
			continue;
		o = row;
		if (rev != (size_t)-1) {
			json_object_object_get_ex(row, "revisions", &o);
			o = json_object_array_get_idx(o, rev);
		}
		if (json_object_object_get_ex(o, field, &o))
			v = json_object_get_double(o);
		break;
	}
	json_object_put(root);
	return v;
}

/* Two samples of one distribution: no significant change anywhere. */
TEST_F(cmp, identical_distributions)
{
	struct run b = plain, n = plain;
	size_t total;

	n.seed = 2;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("stderr: %s", self->err);
	EXPECT_EQ(10, count_verdicts(self->out, 0, "no significant change",
				     NULL, &total)) TH_LOG("%s", self->out);
	EXPECT_EQ(10, total);

	run_compare(self, self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_NE(NULL, strstr(self->out, "no regression of 5% or more"));
	EXPECT_NE(NULL, strstr(self->out, " ms ")) TH_LOG("%s", self->out);
	EXPECT_NULL(strstr(self->out, "regressed ("));
}

/* add_ns 30% slower (lower is better): regressed, exit 1. */
TEST_F(cmp, shift_regression)
{
	struct run b = plain, n = plain;
	size_t total;
	double change;

	n.seed = 2;
	n.add_factor = 1.3;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	ASSERT_EQ(1, self->status) TH_LOG("stderr: %s", self->err);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total));
	EXPECT_EQ(8, count_verdicts(self->out, 0, "no significant change",
				    NULL, &total));
	change = row_number(self->out, "add_ns", 0, "change");
	EXPECT_TRUE(fabs(change - 0.3) < 0.02) TH_LOG("change %g", change);
	EXPECT_LT(row_number(self->out, "add_ns", 0, "p_adjusted"), 0.001);

	run_compare(self, "--format=markdown", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_NE(NULL, strstr(self->out, "| metric | file |"));
	EXPECT_NE(NULL, strstr(self->out, "**regressed**"));
	EXPECT_NE(NULL, strstr(self->out, "% worse ["));
	EXPECT_NE(NULL, strstr(self->out, "**Regression**: 2 rows"));

	/* A threshold above the shift: significant, yet not a regression. */
	run_compare(self, "--threshold=40", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->out);
}

/* add_ns 30% faster: improved, exit 0. */
TEST_F(cmp, shift_improvement)
{
	struct run b = plain, n = plain;
	size_t total;

	n.seed = 2;
	n.add_factor = 0.7;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("stderr: %s", self->err);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "improved", "add_ns",
				    &total));
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", NULL, &total));
}

/* Higher is better: a 30% drop of the ratio regresses, a rise improves. */
TEST_F(cmp, direction_higher_is_better)
{
	struct run b = plain, n = plain;
	size_t total;

	n.seed = 2;
	n.ratio_factor = 0.7;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed",
				    "memmap_bw_ratio", &total));

	n.ratio_factor = 1.3;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "improved",
				    "memmap_bw_ratio", &total));
}

/*
 * Three samples each cannot reach 95%: too noisy, never a verdict; but
 * the rows that are the same every cycle (memmap_pages and
 * memfree_delta_bytes, 2 configurations) are exact and judged so.
 */
TEST_F(cmp, too_few_samples)
{
	struct run b = plain, n = plain;
	size_t total;

	b.n = n.n = 3;
	n.seed = 2;
	n.add_factor = 1.3;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(6, count_verdicts(self->out, 0, "too noisy to tell", NULL,
				    &total));
	EXPECT_EQ(4, count_verdicts(self->out, 0, "no significant change",
				    NULL, &total));
	EXPECT_NE(NULL, strstr(self->out, "too few samples (n=3/3)"));

	/* 5 per side is still short of a 95% median interval ... */
	b.n = n.n = 5;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(6, count_verdicts(self->out, 0, "too noisy to tell", NULL,
				    &total));
	EXPECT_NE(NULL, strstr(self->out, "6 per side needed at 95%"));

	/* ... 6 is enough to see a clean 30% shift, even after Holm. */
	b.n = n.n = 6;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status) TH_LOG("%s", self->out);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total));

	/* A stricter level needs more: 8 per side at 99%. */
	run_compare(self, "--format=json", "--confidence=0.99", self->base,
		    self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_NE(NULL, strstr(self->out, "8 per side needed at 99%"));
}

/* 30% noise and no shift: the intervals are too wide to say "no change". */
TEST_F(cmp, noisy)
{
	struct run b = plain, n = plain;
	size_t total;

	b.cv = n.cv = 0.3;
	b.n = n.n = 10;
	n.seed = 2;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(6, count_verdicts(self->out, 0, "too noisy to tell", NULL,
				    &total)) TH_LOG("%s", self->out);
	/* The constant metrics still compare cleanly. */
	EXPECT_EQ(4, count_verdicts(self->out, 0, "no significant change",
				    NULL, &total));
}

/* kvm against tcg: refused, naming the field; --force compares. */
TEST_F(cmp, different_accel_refused)
{
	struct run b = plain, n = plain;

	n.accel = "kvm";
	n.seed = 2;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, self->base, self->new, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "refusing to compare"));
	EXPECT_NE(NULL, strstr(self->err, "environment.accel: \"tcg\" in"))
		TH_LOG("%s", self->err);
	EXPECT_STREQ("", self->out);

	run_compare(self, "--force", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->out, "WARNING: the environments differ"));
}

/* Missing configuration: "not compared" rows and a note; exit 0. */
TEST_F(cmp, missing_configuration)
{
	struct run b = plain, n = plain;
	size_t total;

	n.seed = 2;
	n.only_first = true;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(5, count_verdicts(self->out, 0, "not compared", NULL,
				    &total));

	/* The other way round: the revision's extra configuration is noted. */
	run_compare(self, self->new, self->base, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_NE(NULL, strstr(self->out,
			       "configuration fsdax-dev-2M-256M only in base"))
		TH_LOG("%s", self->out);
}

/* Baseline and two revisions: one summary line each, exit 1 for the bad one. */
TEST_F(cmp, three_files)
{
	struct run b = plain, n = plain, t = plain;
	size_t total;

	n.seed = 2;
	t.seed = 3;
	t.add_factor = 1.3;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	ASSERT_EQ(0, write_run(self->third, &t));
	run_compare(self, "--format=json", "--labels=v1,v2,v3", self->base,
		    self->new, self->third, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", NULL, &total));
	EXPECT_EQ(2, count_verdicts(self->out, 1, "regressed", NULL, &total));
	run_compare(self, "--labels=v1,v2,v3", self->base, self->new,
		    self->third, NULL);
	EXPECT_NE(NULL, strstr(self->out, "v2 vs v1: geometric mean"));
	EXPECT_NE(NULL, strstr(self->out, "v3 vs v1: geometric mean"));
	EXPECT_NE(NULL, strstr(self->out, "REGRESSION: 2 rows"));

	/* --metric narrows the gate to what is asked. */
	run_compare(self, "--metric=remove_ns", self->base, self->third, NULL);
	EXPECT_EQ(0, self->status);
	run_compare(self, "--metric=nothing*", self->base, self->third, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "nothing to compare"));
}

/* Rounds merged: twice the samples, still a valid file; mixes refused. */
TEST_F(cmp, merge)
{
	struct run b = plain, n = plain;
	char merged[192], err[DM_ERR_LEN];
	struct dm_results *res;

	n.seed = 2;
	snprintf(merged, sizeof(merged), "%s/merged.json", self->dir);
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--merge", merged, self->base, self->new, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->err);
	ASSERT_EQ(0, dm_results_load(merged, &res, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(2, res->rounds);
	EXPECT_EQ(60, dm_result_find_metric(res->results[0], "add_ns")->n);
	dm_results_free(res);

	n.accel = "kvm";
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--merge", merged, self->base, self->new, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "cannot merge runs of different environments"));
}

/*
 * Every recorded bad file, as baseline or as revision: exit 2, a message.
 * (About 1 s normally; the timeout leaves room for a run under valgrind.)
 */
TEST_F_TIMEOUT(cmp, bad_files, 300)
{
	char good[512], bad[512];
	struct dirent *de;
	size_t files = 0;
	DIR *d;

	snprintf(good, sizeof(good), "%s/valid-full.json", TEST_DATA_DIR);
	d = opendir(TEST_DATA_DIR);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "bad-", 4))
			continue;
		snprintf(bad, sizeof(bad), "%s/%s", TEST_DATA_DIR, de->d_name);
		files++;
		run_compare(self, bad, good, NULL);
		EXPECT_EQ(2, self->status) TH_LOG("%s as base", de->d_name);
		EXPECT_NE(NULL, strstr(self->err, de->d_name))
			TH_LOG("%s: stderr \"%s\"", de->d_name, self->err);
		EXPECT_STREQ("", self->out);
		run_compare(self, good, bad, NULL);
		EXPECT_EQ(2, self->status) TH_LOG("%s as revision", de->d_name);
		EXPECT_EQ(0, strncmp(self->err, "devmem-compare: ", 16));
	}
	closedir(d);
	EXPECT_GE(files, 30);
	run_compare(self, good, "/nonexistent.json", NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "/nonexistent.json: cannot open"));
}

/* Every bad option: exit 2 and a message naming the option. */
TEST_F(cmp, bad_options)
{
	static const char *const cases[][2] = {
		{ "--threshold=0", "--threshold" },
		{ "--threshold=abc", "--threshold: 'abc'" },
		{ "--threshold=5x", "--threshold: '5x'" },
		{ "--confidence=1", "--confidence" },
		{ "--confidence=0.3", "--confidence" },
		{ "--format=xml", "--format: unknown format 'xml'" },
		{ "--resamples=5", "--resamples" },
		{ "--resamples=-100", "--resamples" },
		{ "--seed=-1", "--seed" },
		{ "--correction=fdr", "--correction: unknown method 'fdr'" },
		{ "--labels=only-one", "--labels" },
		{ "--labels=a,a", "--labels: 'a' used twice" },
		{ "--bogus", "unknown option '--bogus'" },
		{ "-x", "unknown option '-x'" },
		{ "--format", "option '--format' needs an argument" },
		{ "--metric=", "--metric" },
	};
	struct run b = plain;
	size_t i;

	ASSERT_EQ(0, write_run(self->base, &b));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!strcmp(cases[i][0], "--format"))
			run_compare(self, self->base, self->base, cases[i][0],
				    NULL);
		else
			run_compare(self, cases[i][0], self->base, self->base,
				    NULL);
		EXPECT_EQ(2, self->status) TH_LOG("%s", cases[i][0]);
		EXPECT_NE(NULL, strstr(self->err, cases[i][1]))
			TH_LOG("%s: stderr \"%s\"", cases[i][0], self->err);
	}
	run_compare(self, self->base, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "need a baseline and at least one"));
	run_compare(self, "--merge=", self->base, NULL);
	EXPECT_EQ(2, self->status);
	run_compare(self, "--help", NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_NE(NULL, strstr(self->out, "Usage: devmem-compare"));
	/* Percent forms are accepted. */
	run_compare(self, "--confidence=99%", "-t", "2.5%", self->base,
		    self->base, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->out, "threshold 2.5%, confidence 99%"));
}

/* A string field of the first row of @metric in revision @rev. */
static char *row_string(const char *json, const char *metric, size_t rev,
			const char *field)
{
	json_object *root, *rows, *o;
	char *v = NULL;
	size_t i;

	root = json_tokener_parse(json);
	if (!root || !json_object_object_get_ex(root, "rows", &rows)) {
		json_object_put(root);
		return NULL;
	}
	for (i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);

		json_object_object_get_ex(row, "metric", &o);
		if (strcmp(json_object_get_string(o), metric))
			continue;
		if (rev == (size_t)-1) {
			o = row;	/* a field of the row itself */
		} else {
			json_object_object_get_ex(row, "revisions", &o);
			o = json_object_array_get_idx(o, rev);
		}
		if (json_object_object_get_ex(o, field, &o) && o)
			v = strdup(json_object_get_string(o));
		break;
	}
	json_object_put(root);
	return v;
}

/* Path of a scratch file in the fixture's folder. */
static const char *scratch(FIXTURE_DATA(cmp) *self, const char *name)
{
	static char buf[8][192];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", self->dir, name);
	return p;
}

/*
 * --pair: devdax-mem-2M-1G (add 9 ms) against fsdax-dev-2M-256M (3 ms) of
 * the same file: improved one way, regressed the other; the rest of the
 * rows equal; a pair naming a missing configuration is an error.
 */
TEST_F(cmp, pair_configurations)
{
	struct run b = plain;
	size_t total;
	char *s;

	ASSERT_EQ(0, write_run(self->base, &b));
	run_compare(self, "--format=json", "--labels=big,small",
		    "--pair=devdax-mem-2M-1G=fsdax-dev-2M-256M", self->base,
		    self->base, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_EQ(1, count_verdicts(self->out, 0, "improved", "add_ns",
				    &total));
	EXPECT_EQ(1, total);
	EXPECT_EQ(1, count_verdicts(self->out, 0, "improved", "remove_ns",
				    &total));
	EXPECT_EQ(3, count_verdicts(self->out, 0, "no significant change",
				    NULL, &total)) TH_LOG("%s", self->out);
	EXPECT_EQ(5, total);
	EXPECT_NEAR(-2.0 / 3.0, row_number(self->out, "add_ns", 0, "change"),
		    0.02);
	s = row_string(self->out, "add_ns", (size_t)-1, "config_revision");
	EXPECT_STREQ("fsdax-dev-2M-256M", s);
	free(s);
	s = row_string(self->out, "add_ns", (size_t)-1, "config");
	EXPECT_STREQ("devdax-mem-2M-1G", s);
	free(s);

	run_compare(self, "--pair=fsdax-dev-2M-256M=devdax-mem-2M-1G",
		    self->base, self->base, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_NE(NULL, strstr(self->out,
			       "fsdax-dev-2M-256M against devdax-mem-2M-1G"))
		TH_LOG("%s", self->out);

	/* Two pairs: both compared, nothing else. */
	run_compare(self, "--format=json", "--pair=devdax-mem-2M-1G=devdax-mem-2M-1G",
		    "--pair=fsdax-dev-2M-256M=fsdax-dev-2M-256M", self->base,
		    self->base, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(10, count_verdicts(self->out, 0, "no significant change",
				     NULL, &total));

	run_compare(self, "--pair=nope=fsdax-dev-2M-256M", self->base,
		    self->base, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err,
			       "--pair: configuration 'nope' is not in"));
	/* Missing in the revision: not compared, as for a missing id. */
	run_compare(self, "--format=json", "--pair=devdax-mem-2M-1G=nope",
		    self->base, self->base, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(5, count_verdicts(self->out, 0, "not compared", NULL,
				    &total));
	run_compare(self, "--pair=a", self->base, self->base, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "--pair: 'a' is not BASE_ID=NEW_ID"));
	run_compare(self, "--pair==b", self->base, self->base, NULL);
	EXPECT_EQ(2, self->status);
	run_compare(self, "--pair=a=b=c", self->base, self->base, NULL);
	EXPECT_EQ(2, self->status);
}

/*
 * Two runs (boots) per side whose speeds differ by 10% between boots of
 * the same kernel, the sides 15% apart: pooled cycles make it a clean
 * "regressed"; run by run, two runs a side cannot tell it from the spread
 * of the boots, and say so.
 */
TEST_F(cmp, runs_boot_effect)
{
	const double boots[] = { 1.00, 1.10, 1.15, 1.25 };
	const char *names[] = { "r1.json", "r2.json", "r3.json", "r4.json" };
	char a[512], b2[512];
	size_t i, total;
	char *s;

	for (i = 0; i < 4; i++) {
		struct run r = plain;

		r.seed = 10 + i;
		r.boot = boots[i];
		ASSERT_EQ(0, write_run(scratch(self, names[i]), &r));
	}
	run_compare(self, "--merge", scratch(self, "a.json"),
		    scratch(self, "r1.json"), scratch(self, "r2.json"), NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->err);
	run_compare(self, "--merge", scratch(self, "b.json"),
		    scratch(self, "r3.json"), scratch(self, "r4.json"), NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->err);
	run_compare(self, "--format=json", scratch(self, "a.json"),
		    scratch(self, "b.json"), NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total)) TH_LOG("%s", self->out);

	snprintf(a, sizeof(a), "%s,%s", scratch(self, "r1.json"),
		 scratch(self, "r2.json"));
	snprintf(b2, sizeof(b2), "%s,%s", scratch(self, "r3.json"),
		 scratch(self, "r4.json"));
	run_compare(self, "--format=json", a, b2, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", NULL, &total));
	EXPECT_EQ(2, count_verdicts(self->out, 0, "too noisy to tell",
				    "add_ns", &total));
	/* Constant metrics are equal run by run: no change, for certain. */
	EXPECT_EQ(2, count_verdicts(self->out, 0, "no significant change",
				    "memmap_pages", &total));
	s = row_string(self->out, "add_ns", 0, "test");
	EXPECT_STREQ("welch-runs", s);
	free(s);
	EXPECT_NEAR(2.0, row_number(self->out, "add_ns", 0, "runs"), 0);
	EXPECT_NEAR(0.15 / 1.05, row_number(self->out, "add_ns", 0, "change"),
		    0.01);

	run_compare(self, a, b2, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_NE(NULL, strstr(self->out, "Welch's t on per-run medians"));
	EXPECT_NE(NULL, strstr(self->out, "r1+1")) TH_LOG("%s", self->out);
}

/* Three runs a side and a real 30% shift: regressed, run by run too. */
TEST_F(cmp, runs_real_shift)
{
	const double boots[] = { 1.00, 1.03, 0.98 };
	char a[600] = "", b2[600] = "", name[32];
	size_t i, total;

	for (i = 0; i < 6; i++) {
		struct run r = plain;

		r.seed = 20 + i;
		r.boot = boots[i % 3];
		r.add_factor = i < 3 ? 1.0 : 1.3;
		snprintf(name, sizeof(name), "s%zu.json", i);
		ASSERT_EQ(0, write_run(scratch(self, name), &r));
		strcat(i < 3 ? a : b2, scratch(self, name));
		if (i % 3 != 2)
			strcat(i < 3 ? a : b2, ",");
	}
	run_compare(self, "--format=json", a, b2, NULL);
	EXPECT_EQ(1, self->status) TH_LOG("%s", self->err);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total)) TH_LOG("%s", self->out);
	EXPECT_NEAR(0.3, row_number(self->out, "add_ns", 0, "change"), 0.02);
	EXPECT_LT(row_number(self->out, "add_ns", 0, "change_ci_low"), 0.3);
	EXPECT_GT(row_number(self->out, "add_ns", 0, "change_ci_low"), 0.2);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", "remove_ns",
				    &total));
}

/*
 * One new run against the history of three (the nightly case): inside the
 * boots' spread, nothing; far outside it, regressed; against a history of
 * two, too few runs.
 */
TEST_F(cmp, runs_one_against_history)
{
	const double boots[] = { 1.00, 1.05, 0.97 };
	char hist[600] = "", name[32];
	struct run n = plain;
	size_t i, total;

	for (i = 0; i < 3; i++) {
		struct run r = plain;

		r.seed = 30 + i;
		r.boot = boots[i];
		snprintf(name, sizeof(name), "h%zu.json", i);
		ASSERT_EQ(0, write_run(scratch(self, name), &r));
		strcat(hist, scratch(self, name));
		if (i < 2)
			strcat(hist, ",");
	}
	n.seed = 40;
	n.boot = 1.02;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", hist, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", NULL, &total));

	n.add_factor = 2.0;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", hist, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total)) TH_LOG("%s", self->out);

	hist[strlen(hist) - strlen(scratch(self, "h2.json")) - 1] = '\0';
	run_compare(self, "--format=json", hist, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_NE(NULL, strstr(self->out, "too few runs (2/1)"))
		TH_LOG("%s", self->out);
}

/* A history of nightly builds of one kernel line pools as one side. */
TEST_F(cmp, runs_of_several_builds)
{
	char hist[600] = "", name[32];
	struct run n = plain;
	size_t i, total;

	for (i = 0; i < 3; i++) {
		struct run r = plain;

		r.seed = 50 + i;
		r.release = i == 1 ? "6.13.0-rc1" : "6.13.0-rc2";
		snprintf(name, sizeof(name), "n%zu.json", i);
		ASSERT_EQ(0, write_run(scratch(self, name), &r));
		strcat(hist, scratch(self, name));
		if (i < 2)
			strcat(hist, ",");
	}
	n.seed = 60;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, hist, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->out,
			       "its 3 runs are of 2 different kernel builds"))
		TH_LOG("%s", self->out);
	run_compare(self, "--format=json", hist, self->new, NULL);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", NULL, &total));
}

/*
 * memmap_pages the same in every cycle: run medians without spread are a
 * certainty, one way or the other.  Cycles that vary in steps (a
 * quantised metric) whose run medians coincide by chance: no verdict.
 */
TEST_F(cmp, runs_tied_medians)
{
	char hist[600] = "", name[32];
	struct run n = plain;
	size_t i, total;

	for (i = 0; i < 3; i++) {
		struct run r = plain;

		r.seed = 70 + i;
		r.pages_step = 256;
		snprintf(name, sizeof(name), "q%zu.json", i);
		ASSERT_EQ(0, write_run(scratch(self, name), &r));
		strcat(hist, scratch(self, name));
		if (i < 2)
			strcat(hist, ",");
	}
	n.seed = 80;
	n.pages = 4096 + 256;
	n.pages_step = 256;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", hist, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "too noisy to tell",
				    "memmap_pages", &total))
		TH_LOG("%s", self->out);
	/* Not a certainty: the runs' own median intervals set the spread. */
	EXPECT_GT(row_number(self->out, "memmap_pages", 0, "p_adjusted"), 0.05);

	/* Constant cycles: 4096 against 4352 for certain. */
	for (i = 0; i < 3; i++) {
		struct run r = plain;

		r.seed = 70 + i;
		snprintf(name, sizeof(name), "q%zu.json", i);
		ASSERT_EQ(0, write_run(scratch(self, name), &r));
	}
	n.pages_step = 0;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", hist, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "memmap_pages",
				    &total)) TH_LOG("%s", self->out);
}

/*
 * Recorded in make check's A/A (Debian 6.12 both sides, devdax-mem-4K-256M
 * remove_ns): times quantised to 4 ms timer ticks, both A runs with
 * medians at 71.8 ms and both B runs at 55.8 ms.  Welch on the medians
 * alone saw t = -258: "improved" for the same kernel.  With each run's
 * median as uncertain as its cycles make it, too noisy to tell.
 */
TEST_F(cmp, runs_quantised_a_a)
{
	static const int64_t rec[4][8] = {
		{ 55915806, 67840773, 68818032, 71787434, 71803222, 71926192,
		  75790352, 99392336 },
		{ 51795947, 51909971, 51927019, 55731841, 55893967, 61211747,
		  67960880, 103913880 },
		{ 59680705, 59879065, 63883939, 71811605, 71963294, 71982840,
		  72278375, 95538838 },
		{ 47961142, 51857769, 52115732, 55835337, 55955775, 55968149,
		  55990636, 67790377 },
	};
	char a[600], b2[600], name[4][32];
	size_t i, total;

	for (i = 0; i < 4; i++) {
		struct run r = plain;

		r.seed = 90 + i;
		r.n = 8;
		r.remove = rec[i];
		snprintf(name[i], sizeof(name[i]), "%c-%zu.json",
			 i % 2 ? 'b' : 'a', i / 2 + 1);
		ASSERT_EQ(0, write_run(scratch(self, name[i]), &r));
	}
	snprintf(a, sizeof(a), "%s,", scratch(self, name[0]));
	strcat(a, scratch(self, name[2]));
	snprintf(b2, sizeof(b2), "%s,", scratch(self, name[1]));
	strcat(b2, scratch(self, name[3]));
	run_compare(self, "--format=json", "--config=devdax-mem-2M-1G", a, b2,
		    NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_EQ(1, count_verdicts(self->out, 0, "too noisy to tell",
				    "remove_ns", &total)) TH_LOG("%s", self->out);
	EXPECT_GT(row_number(self->out, "remove_ns", 0, "p"), 0.01);
}

/* Lists of runs that cannot be one side: exit 2 and why. */
TEST_F(cmp, runs_bad_lists)
{
	struct run b = plain, k = plain;
	char list[512];

	k.accel = "kvm";
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &k));
	snprintf(list, sizeof(list), "%s,%s", self->base, self->new);
	run_compare(self, list, self->base, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err,
			       "cannot merge runs of different environments"));
	snprintf(list, sizeof(list), "%s,", self->base);
	run_compare(self, list, self->base, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "empty file name")) TH_LOG("%s", self->err);
	snprintf(list, sizeof(list), "%s,/nonexistent.json", self->base);
	run_compare(self, self->base, list, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "/nonexistent.json: cannot open"));
}

/* row_string() into @buf ("" if missing), for comparisons in place. */
static const char *row_str(const char *json, const char *metric, size_t rev,
			   const char *field, char *buf, size_t len)
{
	char *v = row_string(json, metric, rev, field);

	snprintf(buf, len, "%s", v ? v : "");
	free(v);
	return buf;
}

/*
 * Exact samples: every cycle the same on each side.  Equal sides are "no
 * significant change" with a [0, 0] interval (no 0/0, no "too noisy"),
 * even with 3 cycles; different ones an exact change [d, d] judged
 * against the threshold: 2% is below the 5% default for tcg, 10% is a
 * regression.
 */
TEST_F(cmp, exact_samples)
{
	struct run b = plain, n = plain;
	char buf[64];
	size_t total;

	b.cv = n.cv = 0.0;
	b.n = n.n = 3;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s%s", self->out, self->err);
	EXPECT_EQ(10, count_verdicts(self->out, 0, "no significant change",
				     NULL, &total));
	EXPECT_EQ(10, total);
	EXPECT_STREQ("exact", row_str(self->out, "add_ns", 0, "judged_by",
					 buf, sizeof(buf)));
	EXPECT_EQ(0.0, row_number(self->out, "add_ns", 0, "change_ci_low"));
	EXPECT_EQ(0.0, row_number(self->out, "add_ns", 0, "change_ci_high"));

	/* 2%: exact, but below the threshold. */
	n.add_factor = 1.02;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "no significant change",
				    "add_ns", &total));
	EXPECT_NE(NULL, strstr(self->out, "exact, but smaller than 5%"));
	EXPECT_NEAR(0.02, row_number(self->out, "add_ns", 0, "change_ci_low"),
		    1e-6);
	EXPECT_NEAR(0.02, row_number(self->out, "add_ns", 0, "change_ci_high"),
		    1e-6);

	/* 10%: regressed, in both configurations, with an exact interval. */
	n.add_factor = 1.10;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total));
	EXPECT_NEAR(0.10, row_number(self->out, "add_ns", 0, "change"), 1e-6);
	EXPECT_NEAR(0.10, row_number(self->out, "add_ns", 0, "change_ci_low"),
		    1e-6);
	/* The other rows did not move. */
	EXPECT_EQ(8, count_verdicts(self->out, 0, "no significant change",
				    NULL, &total));

	/* Faster and exact: improved; a higher-is-better metric the other way. */
	n.add_factor = 0.9;
	n.ratio_factor = 0.8;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "improved", "add_ns",
				    &total));
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed",
				    "memmap_bw_ratio", &total));
}

/*
 * Run by run, every cycle of every run the same: Welch's t has no
 * variance to work with; the exact rule decides, both ways.
 */
TEST_F(cmp, exact_runs)
{
	struct run r = plain;
	char a[600], b[600], p[4][160];
	size_t i, total;

	r.cv = 0.0;
	r.n = 5;
	for (i = 0; i < 4; i++) {
		snprintf(p[i], sizeof(p[i]), "%s/run-%zu.json", self->dir, i);
		ASSERT_EQ(0, write_run(p[i], &r));
	}
	snprintf(a, sizeof(a), "%s,%s", p[0], p[1]);
	snprintf(b, sizeof(b), "%s,%s", p[2], p[3]);
	run_compare(self, "--format=json", a, b, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s%s", self->out, self->err);
	EXPECT_EQ(10, count_verdicts(self->out, 0, "no significant change",
				     NULL, &total));

	r.add_factor = 1.2;
	ASSERT_EQ(0, write_run(p[2], &r));
	ASSERT_EQ(0, write_run(p[3], &r));
	run_compare(self, "--format=json", a, b, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total));
	EXPECT_NEAR(0.2, row_number(self->out, "add_ns", 0, "change"), 1e-6);
}

/*
 * One side exact, the other not: the usual test, with its interval, and
 * never a division by zero.
 */
TEST_F(cmp, one_side_exact)
{
	struct run b = plain, n = plain;
	char buf[64];
	size_t total;

	b.cv = 0.0;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s%s", self->out, self->err);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "no significant change",
				    "add_ns", &total));
	EXPECT_STREQ("test", row_str(self->out, "add_ns", 0, "judged_by",
					buf, sizeof(buf)));
	EXPECT_TRUE(isfinite(row_number(self->out, "add_ns", 0,
					"change_ci_low")));
}

/*
 * tcg-icount results: durations are "insn" in the file, the JSON and the
 * table; the default threshold is 1%; near-exact rows are judged by the
 * range of their differences, even with 5 cycles a side.
 */
TEST_F(cmp, icount_near_exact)
{
	struct run b = plain, n = plain;
	char buf[64];
	size_t total;

	b.accel = n.accel = "tcg-icount";
	b.cv = n.cv = 0.0003;
	b.n = n.n = 5;
	n.seed = 2;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s%s", self->out, self->err);
	EXPECT_STREQ("insn", row_str(self->out, "add_ns", (size_t)-1,
					"unit", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(self->out, "\"threshold\":0.01"));
	EXPECT_EQ(2, count_verdicts(self->out, 0, "no significant change",
				    "add_ns", &total));
	EXPECT_STREQ("range", row_str(self->out, "add_ns", 0, "judged_by",
					 buf, sizeof(buf)));
	EXPECT_EQ(10, count_verdicts(self->out, 0, "no significant change",
				     NULL, &total));

	/* The table names the unit and the threshold. */
	run_compare(self, self->base, self->new, NULL);
	EXPECT_NE(NULL, strstr(self->out, "threshold 1% (the tcg-icount default)"));
	EXPECT_NE(NULL, strstr(self->out, "Minsn"));
	EXPECT_NE(NULL, strstr(self->out, "durations are guest instructions"));
	EXPECT_EQ(NULL, strstr(self->out, " ms "));

	/* 2% above a 0.1% spread: regressed with one boot a side. */
	n.add_factor = 1.02;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total));
	EXPECT_NEAR(0.02, row_number(self->out, "add_ns", 0, "change"), 0.002);

	/* The same data as plain tcg: 2% is below the 5% default there. */
	b.accel = n.accel = "tcg";
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total));

	/* --threshold overrides the icount default. */
	b.accel = n.accel = "tcg-icount";
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", "--threshold=3", self->base,
		    self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "no significant change",
				    "add_ns", &total));

	/* A change at the threshold inside the range: too noisy, not a guess. */
	b.cv = n.cv = 0.001;
	n.add_factor = 1.01;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", "--threshold=1", self->base,
		    self->new, NULL);
	EXPECT_EQ(0, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "too noisy to tell",
				    "add_ns", &total));
	EXPECT_NE(NULL, strstr(self->out, "near-exact, but the differences"));
}

/* Instruction counts never meet wall-clock times, not even with --force. */
TEST_F(cmp, icount_against_tcg_refused)
{
	struct run b = plain, n = plain;

	n.accel = "tcg-icount";
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, self->base, self->new, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "environment.accel"));
	run_compare(self, "--force", self->base, self->new, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "insn/lower in")) TH_LOG("%s", self->err);
}

/*
 * --calibration: a row whose run medians spread by 3% over 2 perturbed
 * boots needs a change beyond 2.46 x 3% (what two boots may differ by,
 * estimated from 2); one boot a side, near-exact cycles.
 */
TEST_F(cmp, calibration)
{
	struct run b = plain, n = plain, c = plain;
	char cal[256], list[600];
	size_t total;

	b.accel = n.accel = c.accel = "tcg-icount";
	b.cv = n.cv = c.cv = 0.0003;
	b.n = n.n = c.n = 5;
	n.seed = 2;
	n.add_factor = 1.02;
	ASSERT_EQ(0, write_run(self->base, &b));
	ASSERT_EQ(0, write_run(self->new, &n));
	snprintf(list, sizeof(list), "%s/cal-1.json,%s/cal-2.json", self->dir,
		 self->dir);
	snprintf(cal, sizeof(cal), "%s/cal-1.json", self->dir);
	c.seed = 3;
	ASSERT_EQ(0, write_run(cal, &c));
	snprintf(cal, sizeof(cal), "%s/cal-2.json", self->dir);
	c.seed = 4;
	c.boot = 1.03;
	ASSERT_EQ(0, write_run(cal, &c));

	/* Without it: regressed. */
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status);

	/* With it: within the calibrated spread, not flagged. */
	run_compare(self, "--format=json", "--calibration", list, self->base,
		    self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s%s", self->out, self->err);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "no significant change",
				    "add_ns", &total));
	EXPECT_NEAR(0.03, row_number(self->out, "add_ns", (size_t)-1,
				     "calibration_spread"), 0.003);
	EXPECT_NEAR(2.46 * 0.03, row_number(self->out, "add_ns", (size_t)-1,
					    "calibration_allowance"), 0.008);
	EXPECT_NE(NULL, strstr(self->out, "threshold raised to the calibrated"));
	/* memmap_pages does not move between those boots: exact. */
	EXPECT_EQ(0.0, row_number(self->out, "memmap_pages", (size_t)-1,
				  "calibration_spread"));
	run_compare(self, "--calibration", list, self->base, self->new, NULL);
	EXPECT_NE(NULL, strstr(self->out, "calibration: 2 perturbed boots"));
	EXPECT_NE(NULL, strstr(self->out, "calibration: exact over 2 boots"));

	/* 5% is beyond the spread, not beyond what two boots may differ by. */
	n.add_factor = 1.05;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", "--calibration", list, self->base,
		    self->new, NULL);
	EXPECT_EQ(0, self->status);

	/* 10% is beyond that too: regressed again. */
	n.add_factor = 1.10;
	ASSERT_EQ(0, write_run(self->new, &n));
	run_compare(self, "--format=json", "--calibration", list, self->base,
		    self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(2, count_verdicts(self->out, 0, "regressed", "add_ns",
				    &total));

	/* One calibration run, or one from another accel: refused. */
	run_compare(self, "--calibration", cal, self->base, self->new, NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->err, "2 or more runs"));
	c.accel = "tcg";
	ASSERT_EQ(0, write_run(cal, &c));
	run_compare(self, "--calibration", list, self->base, self->new, NULL);
	EXPECT_EQ(2, self->status);
}

/*
 * The engine as a library: the same verdicts, row by row, and the same
 * JSON, byte for byte, as devmem-compare prints for the same files; one
 * run against one, and run by run.
 */
TEST_F(cmp, library_same_as_cli)
{
	struct run r = plain;
	char lists[2][600], err[DM_COMPARE_ERR_LEN], *text;
	struct dm_compare_opts opts;
	struct dm_compare *c;
	json_object *root;
	size_t mode, i, total, n;
	int rc;

	ASSERT_EQ(0, write_run(self->base, &plain));
	r.seed = 2;
	r.add_factor = 1.3;
	r.ratio_factor = 0.7;
	ASSERT_EQ(0, write_run(self->new, &r));
	r.seed = 3;
	ASSERT_EQ(0, write_run(self->third, &r));
	r = plain;
	r.seed = 4;
	ASSERT_EQ(0, write_run(scratch(self, "base2.json"), &r));

	for (mode = 0; mode < 2; mode++) {
		if (mode == 0) {
			snprintf(lists[0], sizeof(lists[0]), "%s", self->base);
			snprintf(lists[1], sizeof(lists[1]), "%s", self->new);
		} else {
			snprintf(lists[0], sizeof(lists[0]), "%s,%s",
				 self->base, scratch(self, "base2.json"));
			snprintf(lists[1], sizeof(lists[1]), "%s,%s",
				 self->new, self->third);
		}
		run_compare(self, "--format=json", lists[0], lists[1], NULL);
		ASSERT_EQ(1, self->status) TH_LOG("%s", self->err);

		dm_compare_opts_init(&opts);
		ASSERT_EQ(0, dm_compare_new(&opts, &c));
		ASSERT_EQ(0, dm_compare_add_side(c, lists[0]));
		ASSERT_EQ(0, dm_compare_add_side(c, lists[1]));
		rc = dm_compare_run(c, err, sizeof(err));
		ASSERT_EQ(0, rc) TH_LOG("%s", err);
		EXPECT_TRUE(dm_compare_regressed(c));
		EXPECT_EQ(2, dm_compare_nr_sides(c));
		EXPECT_EQ(0.05, dm_compare_threshold(c));

		/* Verdicts row by row, through the iteration API. */
		n = dm_compare_nr_rows(c);
		ASSERT_EQ(10, n);
		for (i = 0; i < n; i++) {
			const struct dm_compare_row *row = dm_compare_row(c, i);
			const char *v;
			int hits;

			v = dm_compare_verdict_name(row->cells[1].verdict);
			hits = count_verdicts(self->out, 0, v,
					      row->metric->name, &total);
			/* Each metric is in both configurations. */
			EXPECT_GE(hits, 1) TH_LOG("%s %s: %s",
						  row->config->id,
						  row->metric->name, v);
			EXPECT_EQ(row, dm_compare_find_row(c, row->config->id,
							   row->metric->name));
		}
		EXPECT_EQ((size_t)count_verdicts(self->out, 0, "regressed",
						 NULL, &total),
			  dm_compare_count(c, 1, DM_V_REGRESSED));
		EXPECT_GE(dm_compare_count(c, 1, DM_V_REGRESSED), 2);

		/* The whole JSON, as the program prints it. */
		ASSERT_EQ(0, dm_compare_to_json(c, &root));
		if (asprintf(&text, "%s\n", json_object_to_json_string_ext(
				root, JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
			text = NULL;
		ASSERT_NE(NULL, text);
		EXPECT_STREQ(self->out, text);
		free(text);
		json_object_put(root);
		dm_compare_free(c);
	}

	/* A run, then: a second one is refused, not recomputed. */
	dm_compare_opts_init(&opts);
	ASSERT_EQ(0, dm_compare_new(&opts, &c));
	ASSERT_EQ(0, dm_compare_add_side(c, self->base));
	EXPECT_EQ(-EINVAL, dm_compare_run(c, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "need a baseline"));
	EXPECT_EQ(-EINVAL, dm_compare_run(c, err, sizeof(err)));
	dm_compare_free(c);
}

/*
 * A /1 file (tests/data, written by gen-data.py) against the /2 file of
 * the same runs: the same configurations, compared, nothing changed; the
 * configuration printed as before.
 */
TEST_F(cmp, v1_against_v2)
{
	char v1[512], v2[512];
	size_t total;

	snprintf(v1, sizeof(v1), "%s/valid-full.json", TEST_DATA_DIR);
	snprintf(v2, sizeof(v2), "%s/valid-v2-ns.json", TEST_DATA_DIR);
	run_compare(self, v1, v2, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->out,
			       "\ndevdax-mem-2M-1G  devdax, memmap in mem, align 2 MiB, size 1 GiB, driver sysfs\n"))
		TH_LOG("%s", self->out);
	EXPECT_NULL(strstr(self->out, "workload"));
	EXPECT_NULL(strstr(self->out, "only in"));
	run_compare(self, "--format=json", v2, v1, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "not compared", NULL,
				    &total));
	EXPECT_EQ(14, total);
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", NULL, &total));
	EXPECT_EQ(0, count_verdicts(self->out, 0, "improved", NULL, &total));
	/* The wide memmap_bw_ratio rows are "too noisy", the rest equal. */
	EXPECT_EQ(12, count_verdicts(self->out, 0, "no significant change",
				     NULL, &total));

	/* And merge: one /2 document of both. */
	run_compare(self, "--merge", scratch(self, "both.json"), v1, v2, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
	run_compare(self, scratch(self, "both.json"), v1, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->err);
}

/*
 * A results file of a workload no code knows ("made-up", its own config
 * keys and metrics, and a "soak"-like one with a namespace): compared
 * with no change to compare, its configuration printed generically.
 */
static int write_made_up(const char *path, uint64_t seed, double factor)
{
	struct dm_config odd = { .workload = "made-up", .variant = "odd" };
	struct dm_config ns = {
		.workload = "stir", .mode = "devdax", .map = "mem",
		.align_bytes = 2 << 20, .size_bytes = 256 << 20,
		.driver = "sysfs",
	};
	struct dm_env env = {
		.kernel_release = "6.12.22-amd64", .kernel_version = "#1",
		.cmdline = "console=ttyS0", .kernel_name = "debian-6.12",
		.accel = "tcg", .cpu_model = "QEMU Virtual CPU",
		.cpu_count = 2, .memory_bytes = 2ULL << 30,
		.qemu_version = "7.2.15", .tracing = "none",
	};
	int64_t widgets[20], stir[20], leak[20];
	char err[DM_ERR_LEN];
	struct dm_results *res;
	struct dm_result *r;
	struct dm_rng rng;
	size_t i;
	int rc;

	rc = dm_results_new(&res);
	if (rc)
		return rc;
	dm_rng_seed(&rng, seed);
	for (i = 0; i < 20; i++) {
		widgets[i] = llround(1000.0 * factor *
				     (1.0 + 0.01 * gauss(&rng)));
		stir[i] = llround(5e6 * (1.0 + 0.01 * gauss(&rng)));
		leak[i] = 0;
	}
	rc = dm_results_set_env(res, &env);
	if (!rc)
		rc = dm_results_set_param_int(res, "warmup", 0);
	if (!rc)
		rc = dm_results_set_param_int(res, "cycles", 20);
	if (!rc)
		rc = dm_results_add_result(res, &odd, &r);
	if (!rc)
		rc = dm_result_config_set_int(r, "threads", 3);
	if (!rc)
		rc = dm_result_config_set_string(r, "flavour", "strange");
	if (!rc)
		rc = dm_result_config_set_bool(r, "hot", true);
	if (!rc)
		rc = dm_result_add_metric_int(r, "widgets", DM_UNIT_COUNT,
					      DM_BETTER_HIGHER, widgets, 20);
	if (!rc)
		rc = dm_result_add_metric_int(r, "leak_bytes", DM_UNIT_BYTES,
					      DM_BETTER_LOWER, leak, 20);
	if (!rc)
		rc = dm_results_add_result(res, &ns, &r);
	if (!rc)
		rc = dm_result_config_set_int(r, "cycles", 1000);
	if (!rc)
		rc = dm_result_add_metric_int(r, "stir_ns", DM_UNIT_NS,
					      DM_BETTER_LOWER, stir, 20);
	if (!rc)
		rc = dm_results_write(res, path, err, sizeof(err));
	dm_results_free(res);
	return rc;
}

TEST_F(cmp, new_workload)
{
	size_t total;

	ASSERT_EQ(0, write_made_up(self->base, 1, 1.0));
	ASSERT_EQ(0, write_made_up(self->new, 2, 0.7));
	run_compare(self, self->base, self->new, NULL);
	EXPECT_EQ(1, self->status) TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->out,
			       "\nmade-up.odd  workload made-up, variant=odd, threads=3, flavour=strange, hot=true\n"))
		TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out,
			       "\nstir.devdax-mem-2M-256M  workload stir, devdax, memmap in mem, align 2 MiB, size 256 MiB, driver sysfs, cycles=1000\n"))
		TH_LOG("%s", self->out);
	run_compare(self, "--format=json", self->base, self->new, NULL);
	EXPECT_EQ(1, self->status);
	EXPECT_EQ(1, count_verdicts(self->out, 0, "regressed", "widgets",
				    &total));
	EXPECT_EQ(1, count_verdicts(self->out, 0, "no significant change",
				    "leak_bytes", &total));
	EXPECT_EQ(0, count_verdicts(self->out, 0, "regressed", "stir_ns",
				    &total));
	EXPECT_EQ(1, total);
	/* A/A: silent. */
	ASSERT_EQ(0, write_made_up(self->new, 3, 1.0));
	run_compare(self, self->base, self->new, NULL);
	EXPECT_EQ(0, self->status) TH_LOG("%s", self->out);
}

TEST_HARNESS_MAIN
