// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of devmem-dashboard end to end, on synthetic histories written
 * with the results API: environments kept apart (tcg-icount instruction
 * counts apart from wall-clock tcg), a regression flagged on the right
 * run and row (and only there; at 1% for tcg-icount), deterministic rows
 * drawn as single values, bad files listed and not fatal, every chart
 * the page shows drawn by gnuplot, the index consistent.
 *
 * To use: make -C bench check  (needs gnuplot; SKIP without it)
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

#include "results.h"

#ifndef DASHBOARD_BIN
#define DASHBOARD_BIN "devmem-dashboard"
#endif
#ifndef COMPARE_BIN
#define COMPARE_BIN "devmem-compare"
#endif

/* One synthetic night. */
struct night {
	const char *accel;
	const char *kernel;
	time_t when;
	uint64_t seed;
	double boot;		/* the boot's speed factor */
	double add_factor;	/* multiplies add_ns */
	double noise;		/* relative noise of add_ns; 0 = 1% */
	/* NULL: ns-cycle; else a workload no code knows, its own keys */
	const char *workload;
};

/* Cycles of every night (more in same_numbers_as_compare). */
static size_t default_cycles = 10;

static double gauss(struct dm_rng *rng)
{
	double u1 = ((double)(dm_rng_next(rng) >> 11) + 0.5) / 0x1p53;
	double u2 = (double)(dm_rng_next(rng) >> 11) / 0x1p53;

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static int write_night(const char *path, const struct night *nt)
{
	static const struct dm_config ns_cfg = {
		.mode = "devdax", .map = "mem", .align_bytes = 2 << 20,
		.size_bytes = 256 << 20, .driver = "sysfs",
	};
	struct dm_config cfg = ns_cfg;
	struct dm_env env = {
		.kernel_release = "6.12.0", .kernel_version = "#1",
		.cmdline = "console=ttyS0", .kernel_name = nt->kernel,
		.accel = nt->accel, .cpu_model = "QEMU Virtual CPU",
		.cpu_count = 2, .memory_bytes = 2ULL << 30,
		.qemu_version = "7.2.15", .tracing = "none",
	};
	char err[DM_ERR_LEN];
	size_t n = default_cycles;
	int64_t add[256], pages[256];
	struct dm_results *res;
	struct dm_result *r;
	struct dm_rng rng;
	size_t i;
	int rc;

	rc = dm_results_new(&res);
	if (rc)
		return rc;
	dm_rng_seed(&rng, nt->seed);
	if (n > 256)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		add[i] = llround(9e6 * nt->boot * nt->add_factor *
				 (1.0 + (nt->noise ? nt->noise : 0.01) *
				  gauss(&rng)));
		pages[i] = 1024;
	}
	if (nt->workload)
		cfg = (struct dm_config){ .workload = nt->workload,
					  .variant = "odd" };
	rc = dm_results_set_env(res, &env);
	if (!rc)
		rc = dm_results_set_timestamp(res, nt->when);
	if (!rc)
		rc = dm_results_set_param_int(res, "warmup", 1);
	if (!rc)
		rc = dm_results_set_param_int(res, "cycles", (int64_t)n);
	if (!rc)
		rc = dm_results_add_result(res, &cfg, &r);
	if (!rc && nt->workload)
		rc = dm_result_config_set_int(r, "threads", 3);
	if (!rc)
		rc = dm_result_add_metric_int(r, nt->workload ? "stir_ns" :
					      "add_ns", DM_UNIT_NS,
					      DM_BETTER_LOWER, add, n);
	if (!rc)
		rc = dm_result_add_metric_int(r, nt->workload ? "widgets" :
					      "memmap_pages",
					      nt->workload ? DM_UNIT_COUNT :
					      DM_UNIT_PAGES,
					      DM_BETTER_LOWER, pages, n);
	if (!rc)
		rc = dm_results_write(res, path, err, sizeof(err));
	dm_results_free(res);
	return rc;
}

static char *slurp(const char *path)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd >= 0 && !fstat(fd, &st)) {
		buf = malloc(st.st_size + 1);
		if (buf)
			n = read(fd, buf, st.st_size);
	}
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		free(buf);
		return strdup("");
	}
	buf[n] = '\0';
	return buf;
}

static void rm_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	char p[1024];
	DIR *d;

	if (lstat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		rm_tree(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static bool have_gnuplot(void)
{
	return system("gnuplot --version > /dev/null 2>&1") == 0;
}

FIXTURE(dash)
{
	char dir[64];
	char runs[128], out[128], index[128];
	char *stderr_text;
	int status;
};

FIXTURE_SETUP(dash)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/devmem-dashboard-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->runs, sizeof(self->runs), "%s/runs", self->dir);
	snprintf(self->out, sizeof(self->out), "%s/dashboard", self->dir);
	snprintf(self->index, sizeof(self->index), "%s/index.json", self->dir);
	ASSERT_EQ(0, mkdir(self->runs, 0755));
	self->stderr_text = NULL;
}

FIXTURE_TEARDOWN(dash)
{
	rm_tree(self->dir);
	free(self->stderr_text);
}

/* Run devmem-dashboard with extra arguments (NULL-terminated). */
static void run_dashboard(FIXTURE_DATA(dash) *self, const char *arg, ...)
{
	const char *bin = getenv("DEVMEM_DASHBOARD");
	const char *argv[16];
	char err_path[192];
	int n = 0, status, fd;
	va_list ap;
	pid_t pid;

	argv[n++] = bin ? bin : DASHBOARD_BIN;
	argv[n++] = "--out";
	argv[n++] = self->out;
	argv[n++] = "--index";
	argv[n++] = self->index;
	va_start(ap, arg);
	for (; arg && n < 14; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	va_end(ap);
	argv[n++] = self->runs;
	argv[n] = NULL;
	snprintf(err_path, sizeof(err_path), "%s/stderr", self->dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	self->status = -1;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		self->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	free(self->stderr_text);
	self->stderr_text = slurp(err_path);
}

/* Five nights of one kernel, the boots 3% apart, the fifth 2x slower. */
static int five_nights_of(FIXTURE_DATA(dash) *self, double last_factor,
			  const char *workload)
{
	static const double boots[] = { 1.00, 1.03, 0.98, 1.01, 1.00 };
	char path[256];
	size_t i;
	int rc = 0;

	for (i = 0; i < 5 && !rc; i++) {
		struct night nt = {
			.accel = "tcg", .kernel = "nightly",
			.when = 1732500000 + (time_t)i * 86400,
			.seed = 100 + i, .boot = boots[i],
			.add_factor = i == 4 ? last_factor : 1.0,
			.workload = workload,
		};

		snprintf(path, sizeof(path), "%s/night-%zu.json", self->runs,
			 i);
		rc = write_night(path, &nt);
	}
	return rc;
}

static int five_nights(FIXTURE_DATA(dash) *self, double last_factor)
{
	return five_nights_of(self, last_factor, NULL);
}

/* The runs of environment @env in the index, or NULL. */
static json_object *index_runs(json_object *root, size_t env)
{
	json_object *o;

	if (!json_object_object_get_ex(root, "environments", &o))
		return NULL;
	o = json_object_array_get_idx(o, env);
	if (!o || !json_object_object_get_ex(o, "runs", &o))
		return NULL;
	return o;
}

static int64_t run_int(json_object *runs, size_t i, const char *key)
{
	json_object *o = json_object_array_get_idx(runs, i);

	if (!o || !json_object_object_get_ex(o, key, &o))
		return -1;
	return json_object_get_int64(o);
}

TEST_F(dash, regression_flagged)
{
	json_object *root, *runs;
	char path[256], *page, *svg;
	struct stat st;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	ASSERT_EQ(0, five_nights(self, 2.0));
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);

	root = json_object_from_file(self->index);
	ASSERT_NE(NULL, root);
	runs = index_runs(root, 0);
	ASSERT_NE(NULL, runs);
	ASSERT_EQ(5, json_object_array_length(runs));
	/* Nights 1-3 have too short a history to be judged. */
	EXPECT_EQ(-1, run_int(runs, 2, "regressed"));
	EXPECT_EQ(0, run_int(runs, 3, "regressed"));
	/* The fifth: add_ns regressed, memmap_pages not. */
	EXPECT_EQ(1, run_int(runs, 4, "regressed"));
	EXPECT_EQ(3, run_int(runs, 3, "earlier_runs"));
	EXPECT_EQ(4, run_int(runs, 4, "earlier_runs"));
	json_object_put(root);

	snprintf(path, sizeof(path), "%s/index.html", self->out);
	page = slurp(path);
	EXPECT_NE(NULL, strstr(page, "1 regressed, 0 improved"));
	EXPECT_NE(NULL, strstr(page, "<tr class=\"regressed\"><td>devdax-mem-2M-256M</td><td>add_ns</td>"))
		TH_LOG("%s", page);
	EXPECT_NE(NULL, strstr(page, "img class=\"chart\""));
	EXPECT_NULL(strstr(page, "http"));	/* nothing fetched online */
	free(page);

	/* The add_ns chart carries the marker, memmap_pages' does not. */
	snprintf(path, sizeof(path), "%s/charts", self->out);
	ASSERT_EQ(0, stat(path, &st));
	{
		struct dirent *de;
		DIR *d = opendir(path);
		int charts = 0, marked = 0;

		while (d && (de = readdir(d))) {
			char p[512];
			size_t len = strlen(de->d_name);

			if (len < 5 || strcmp(de->d_name + len - 4, ".svg"))
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			svg = slurp(p);
			charts++;
			EXPECT_NE(NULL, strstr(svg, "<svg"));
			if (strstr(svg, ">regressed<")) {
				marked++;
				EXPECT_NE(NULL, strstr(de->d_name, "add_ns"));
			}
			free(svg);
		}
		if (d)
			closedir(d);
		EXPECT_EQ(2, charts);
		EXPECT_EQ(1, marked);
	}
}

/* The same history without the slow night: nothing flagged. */
TEST_F(dash, steady_history)
{
	json_object *root, *runs;
	size_t i;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	ASSERT_EQ(0, five_nights(self, 1.0));
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);
	root = json_object_from_file(self->index);
	runs = index_runs(root, 0);
	ASSERT_NE(NULL, runs);
	for (i = 3; i < 5; i++)
		EXPECT_EQ(0, run_int(runs, i, "regressed"));
	json_object_put(root);
}

/* tcg and kvm runs of one kernel: two environments, two sets of charts. */
TEST_F(dash, environments_apart)
{
	struct night a = { "tcg", "k", 1732500000, 1, 1.0, 1.0, 0, NULL };
	struct night b = { "kvm", "k", 1732503600, 2, 0.1, 1.0, 0, NULL };
	json_object *root, *envs;
	char path[256], *page;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	snprintf(path, sizeof(path), "%s/a.json", self->runs);
	ASSERT_EQ(0, write_night(path, &a));
	snprintf(path, sizeof(path), "%s/b.json", self->runs);
	ASSERT_EQ(0, write_night(path, &b));
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);
	root = json_object_from_file(self->index);
	ASSERT_TRUE(json_object_object_get_ex(root, "environments", &envs));
	EXPECT_EQ(2, json_object_array_length(envs));
	json_object_put(root);
	snprintf(path, sizeof(path), "%s/index.html", self->out);
	page = slurp(path);
	EXPECT_NE(NULL, strstr(page, "<section id=\"tcg-"));
	EXPECT_NE(NULL, strstr(page, "<section id=\"kvm-"));
	EXPECT_NE(NULL, strstr(page, "charts/tcg-"));
	EXPECT_NE(NULL, strstr(page, "charts/kvm-"));
	free(page);
}

/*
 * In gnuplot script @gp, whether the chart of @metric whose file starts
 * with @env_prefix (not "tcg-icount-" when it is "tcg-") has a band:
 * 1 yes, 0 no, -1 no such chart.
 */
static int chart_has_band(const char *gp, const char *env_prefix,
			  const char *metric)
{
	const char *p = gp, *end;
	char want[64];

	snprintf(want, sizeof(want), "set output 'charts/%s", env_prefix);
	while ((p = strstr(p, want))) {
		const char *name = p + strlen("set output 'charts/");
		const char *eol = strchr(name, '\n');

		p += strlen(want);
		if (!eol)
			return -1;
		if (!strcmp(env_prefix, "tcg-") &&
		    !strncmp(name, "tcg-icount-", 11))
			continue;
		if (!memmem(name, (size_t)(eol - name), metric, strlen(metric)))
			continue;
		end = strstr(eol, "set output");
		if (!end)
			end = eol + strlen(eol);
		return memmem(eol, (size_t)(end - eol), "filledcurves", 12) ?
		       1 : 0;
	}
	return -1;
}

/*
 * Five tcg-icount nights, the boots 0.02% apart and the cycles 0.01%,
 * the fifth @last_factor slower; and one plain tcg night of the kernel.
 */
static int icount_nights(FIXTURE_DATA(dash) *self, double last_factor)
{
	static const double boots[] = { 1.0, 1.0002, 0.9999, 1.0001, 1.0 };
	struct night t = {
		"tcg", "nightly", 1732500000, 99, 1.0, 1.0, 0, NULL
	};
	char path[256];
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/tcg.json", self->runs);
	rc = write_night(path, &t);
	for (i = 0; i < 5 && !rc; i++) {
		struct night nt = {
			.accel = "tcg-icount", .kernel = "nightly",
			.when = 1732500000 + (time_t)i * 86400,
			.seed = 200 + i, .boot = boots[i],
			.add_factor = i == 4 ? last_factor : 1.0,
			.noise = 0.0001,
		};

		snprintf(path, sizeof(path), "%s/icount-%zu.json", self->runs,
			 i);
		rc = write_night(path, &nt);
	}
	return rc;
}

/*
 * tcg-icount runs are their own environment, labelled as instruction
 * counts; their near-exact rows are drawn without an interval (and so is
 * memmap_pages, the same every cycle, anywhere); a 2% slowdown, invisible
 * at the 5% of wall-clock environments, is flagged at icount's 1%.
 */
TEST_F(dash, icount_environment)
{
	json_object *root, *envs, *runs = NULL, *o;
	char path[256], *page, *gp;
	size_t i, icount_env = 0;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	ASSERT_EQ(0, icount_nights(self, 1.02));
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);
	root = json_object_from_file(self->index);
	ASSERT_TRUE(json_object_object_get_ex(root, "environments", &envs));
	ASSERT_EQ(2, json_object_array_length(envs));
	for (i = 0; i < 2; i++) {
		o = json_object_array_get_idx(envs, i);
		if (json_object_object_get_ex(o, "accel", &o) &&
		    !strcmp(json_object_get_string(o), "tcg-icount"))
			icount_env = i;
	}
	runs = index_runs(root, icount_env);
	ASSERT_NE(NULL, runs);
	ASSERT_EQ(5, json_object_array_length(runs));
	EXPECT_EQ(0, run_int(runs, 3, "regressed"));
	EXPECT_EQ(1, run_int(runs, 4, "regressed"));
	json_object_put(root);

	snprintf(path, sizeof(path), "%s/index.html", self->out);
	page = slurp(path);
	EXPECT_NE(NULL, strstr(page, "<section id=\"tcg-icount-"));
	EXPECT_NE(NULL, strstr(page, "durations in instructions"));
	EXPECT_NE(NULL, strstr(page, "1% for tcg-icount"));
	/* icount add_ns, icount and tcg memmap_pages: single values. */
	{
		const char *p = page;
		int det = 0;

		while ((p = strstr(p, "deterministic: single values"))) {
			det++;
			p++;
		}
		EXPECT_EQ(3, det) TH_LOG("%s", page);
	}
	free(page);

	/* No band (filledcurves) for a deterministic chart's data. */
	snprintf(path, sizeof(path), "%s/charts/charts.gp", self->out);
	gp = slurp(path);
	EXPECT_EQ(0, chart_has_band(gp, "tcg-icount-", "add_ns"));
	EXPECT_EQ(1, chart_has_band(gp, "tcg-", "add_ns")) TH_LOG("%s", gp);
	EXPECT_EQ(0, chart_has_band(gp, "tcg-", "memmap_pages"));
	free(gp);
}

/* The same icount history without the slowdown: nothing flagged. */
TEST_F(dash, icount_steady)
{
	json_object *root, *envs, *runs, *o;
	size_t i, env = 0;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	ASSERT_EQ(0, icount_nights(self, 1.0));
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);
	root = json_object_from_file(self->index);
	ASSERT_TRUE(json_object_object_get_ex(root, "environments", &envs));
	for (i = 0; i < json_object_array_length(envs); i++) {
		o = json_object_array_get_idx(envs, i);
		if (json_object_object_get_ex(o, "accel", &o) &&
		    !strcmp(json_object_get_string(o), "tcg-icount"))
			env = i;
	}
	runs = index_runs(root, env);
	ASSERT_NE(NULL, runs);
	for (i = 3; i < 5; i++)
		EXPECT_EQ(0, run_int(runs, i, "regressed"));
	json_object_put(root);
}

/* A bad file is listed on the page and in the index, not fatal. */
TEST_F(dash, bad_file_listed)
{
	struct night a = { "tcg", "k", 1732500000, 1, 1.0, 1.0, 0, NULL };
	json_object *root, *o;
	char path[256], *page;
	FILE *f;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	snprintf(path, sizeof(path), "%s/a.json", self->runs);
	ASSERT_EQ(0, write_night(path, &a));
	snprintf(path, sizeof(path), "%s/broken.json", self->runs);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("{\"schema\": \"devmem-bench/1\", \"tool\": ", f);
	fclose(f);
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);
	EXPECT_NE(NULL, strstr(self->stderr_text, "broken.json"));
	root = json_object_from_file(self->index);
	ASSERT_TRUE(json_object_object_get_ex(root, "refused", &o));
	EXPECT_EQ(1, json_object_array_length(o));
	json_object_put(root);
	snprintf(path, sizeof(path), "%s/index.html", self->out);
	page = slurp(path);
	EXPECT_NE(NULL, strstr(page, "Files left out"));
	EXPECT_NE(NULL, strstr(page, "broken.json"));
	free(page);
}

/*
 * One engine, one set of intervals: the comparison the dashboard links
 * for the fifth night is byte for byte what devmem-compare prints for
 * the same files, and the night's chart point carries the median
 * interval devmem-compare gives the night (with 150 cycles a night, so
 * that intervals from another seed or resample count would differ).
 */
TEST_F(dash, same_numbers_as_compare)
{
	const char *bin = getenv("DEVMEM_COMPARE");
	char cmd[2048], path[256], *mine, *theirs, *dat, *line, *last = NULL;
	double when, med, lo, hi, jmed, jlo, jhi;
	json_object *root, *o;
	int flag;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	default_cycles = 150;
	ASSERT_EQ(0, five_nights(self, 2.0));
	default_cycles = 10;
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);

	snprintf(path, sizeof(path), "%s/cmp/night-4.json", self->out);
	mine = slurp(path);
	ASSERT_NE(0, strlen(mine));
	snprintf(cmd, sizeof(cmd),
		 "%s --format=json --labels=earlier,run %s/night-0.json,%s/night-1.json,%s/night-2.json,%s/night-3.json %s/night-4.json > %s/compare.json",
		 bin ? bin : COMPARE_BIN, self->runs, self->runs, self->runs,
		 self->runs, self->runs, self->dir);
	EXPECT_EQ(1, WEXITSTATUS(system(cmd)));
	snprintf(path, sizeof(path), "%s/compare.json", self->dir);
	theirs = slurp(path);
	EXPECT_STREQ(theirs, mine);
	free(theirs);

	/* The night's interval of add_ns in the comparison ... */
	root = json_tokener_parse(mine);
	ASSERT_NE(NULL, root);
	ASSERT_TRUE(json_object_object_get_ex(root, "rows", &o));
	o = json_object_array_get_idx(o, 0);
	ASSERT_TRUE(json_object_object_get_ex(o, "metric", &o));
	ASSERT_STREQ("add_ns", json_object_get_string(o));
	json_object_object_get_ex(root, "rows", &o);
	o = json_object_array_get_idx(o, 0);
	json_object_object_get_ex(o, "revisions", &o);
	o = json_object_array_get_idx(o, 0);
	jmed = json_object_get_double(json_object_object_get(o, "median"));
	jlo = json_object_get_double(json_object_object_get(o,
							    "median_ci_low"));
	jhi = json_object_get_double(json_object_object_get(o,
							    "median_ci_high"));
	json_object_put(root);
	free(mine);
	ASSERT_LT(jlo, jhi);

	/* ... is the one its chart draws (the last point, scaled). */
	{
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/charts", self->out);
		d = opendir(path);
		while (d && (de = readdir(d))) {
			size_t len = strlen(de->d_name);

			if (len > 10 && !strcmp(de->d_name + len - 10,
						"add_ns.dat"))
				snprintf(path, sizeof(path), "%s/charts/%s",
					 self->out, de->d_name);
		}
		if (d)
			closedir(d);
	}
	dat = slurp(path);
	for (line = strtok(dat, "\n"); line; line = strtok(NULL, "\n"))
		last = line;
	ASSERT_NE(NULL, last);
	ASSERT_EQ(5, sscanf(last, "%lf %lf %lf %lf %d", &when, &med, &lo, &hi,
			    &flag));
	EXPECT_EQ(1, flag);
	EXPECT_TRUE(fabs(lo / med - jlo / jmed) < 1e-9)
		TH_LOG("chart %g/%g, compare %g/%g", lo, med, jlo, jmed);
	EXPECT_TRUE(fabs(hi / med - jhi / jmed) < 1e-9)
		TH_LOG("chart %g/%g, compare %g/%g", hi, med, jhi, jmed);
	free(dat);
}

/*
 * A workload no code knows ("made-up", its own config key and metrics):
 * charted, compared and flagged like ns-cycle, its config shown
 * generically, with no change to the dashboard.
 */
TEST_F(dash, new_workload)
{
	json_object *root, *runs;
	char path[256], *page;

	if (!have_gnuplot())
		SKIP(return, "gnuplot is not installed");
	ASSERT_EQ(0, five_nights_of(self, 2.0, "made-up"));
	run_dashboard(self, NULL);
	ASSERT_EQ(0, self->status) TH_LOG("%s", self->stderr_text);
	root = json_object_from_file(self->index);
	runs = index_runs(root, 0);
	ASSERT_NE(NULL, runs);
	EXPECT_EQ(0, run_int(runs, 3, "regressed"));
	EXPECT_EQ(1, run_int(runs, 4, "regressed"));
	json_object_put(root);
	snprintf(path, sizeof(path), "%s/index.html", self->out);
	page = slurp(path);
	EXPECT_NE(NULL, strstr(page, "<tr class=\"regressed\"><td>made-up.odd</td><td>stir_ns</td>"))
		TH_LOG("%s", page);
	EXPECT_NE(NULL, strstr(page, "workload made-up, variant=odd, threads=3"));
	EXPECT_NE(NULL, strstr(page, "widgets (lower is better"));
	free(page);
}

/* Bad options: exit 2 with a message. */
TEST_F(dash, bad_options)
{
	run_dashboard(self, "--history=0", NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->stderr_text, "--history: '0'"));
	run_dashboard(self, "--min-history=9", NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->stderr_text, "more than --history"));
	run_dashboard(self, "--bogus", NULL);
	EXPECT_EQ(2, self->status);
	run_dashboard(self, "--threshold=0", NULL);
	EXPECT_EQ(2, self->status);
	EXPECT_NE(NULL, strstr(self->stderr_text, "--threshold: '0'"));
}

TEST_HARNESS_MAIN
