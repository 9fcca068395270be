// SPDX-License-Identifier: GPL-2.0
/*
 * The workload interface (bench/lib/workload.h) on the host: a workload
 * defined here, in one file, with its own registry line, is driven by the
 * run context (bench/lib/run.c) exactly as devmem-bench drives the real
 * ones, and its results flow through devmem-compare and devmem-dashboard
 * with no change to either: the interface test of issue 10.  No pmem: the
 * example workload has no namespace, so no region is needed.
 *
 * To use: make -C bench check  (or run the binary; -l lists the tests)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kselftest_harness.h>

#include "results.h"
#include "run.h"

/* ---- The example workload: what a new workload file looks like ---------- */

struct example_state {
	int setups, teardowns;
};

static int example_setups, example_teardowns, example_warmups;

static const struct dm_wl_metric example_metrics[] = {
	{ .name = "step_ns", .unit = DM_UNIT_NS, .better = DM_BETTER_LOWER },
	{ .name = "probe.*_pages", .unit = DM_UNIT_PAGES,
	  .better = DM_BETTER_NONE, .indent = true },
	{ 0 },
};

static const struct dm_wl_option example_options[] = {
	{ "step", DM_WL_OPT_INT, "3", 1, 100, "ns added per cycle" },
	{ "fail-at", DM_WL_OPT_INT, "-1", -2, 1000,
	  "cycle with a violation, -1 none, -2 the set-up of 'slow'" },
	{ "chunk", DM_WL_OPT_SIZE, "2M", 4096, 1ll << 40, "a size" },
	{ "base", DM_WL_OPT_INT, "1000", 0, 100000, "ns of cycle 0" },
	{ 0 },
};

static int example_matrix(struct dm_run *run, struct dm_wl_config *cfgs,
			  int max)
{
	(void)run;
	if (max < 3)
		return -EINVAL;
	memset(cfgs, 0, 3 * sizeof(*cfgs));
	snprintf(cfgs[0].variant, sizeof(cfgs[0].variant), "fast");
	snprintf(cfgs[1].variant, sizeof(cfgs[1].variant), "slow");
	cfgs[1].cycles = 4;
	snprintf(cfgs[2].variant, sizeof(cfgs[2].variant), "off");
	snprintf(cfgs[2].skipped, sizeof(cfgs[2].skipped), "not here");
	cfgs[0].warmup = cfgs[1].warmup = cfgs[2].warmup = -1;
	cfgs[1].priv = 1;
	return 3;
}

static int example_setup(struct dm_wl *w)
{
	if (dm_run_opt_int(dm_wl_run(w), "fail-at") == -2 &&
	    dm_wl_config(w)->priv == 1)
		dm_wl_violation(w, -1, "example_setup", "set-up went wrong");
	example_setups++;
	((struct example_state *)dm_wl_priv(w))->setups++;
	return 0;
}

static int example_cycle(struct dm_wl *w, int c)
{
	struct dm_run *run = dm_wl_run(w);
	long long step = dm_run_opt_int(run, "step");

	if (c < 0) {
		example_warmups++;
		/* dropped: a warm-up cycle records nothing */
		dm_wl_sample(w, "step_ns", 1e9);
		return 0;
	}
	dm_wl_sample(w, "step_ns", dm_run_opt_int(run, "base") + c * step +
		     dm_wl_config(w)->priv * 500);
	dm_wl_sample(w, "probe.a_pages", c);
	if (c == dm_run_opt_int(run, "fail-at"))
		dm_wl_violation(w, c, "example_check", "cycle %d went wrong",
				c);
	return 0;
}

static int example_teardown(struct dm_wl *w)
{
	example_teardowns++;
	((struct example_state *)dm_wl_priv(w))->teardowns++;
	return 0;
}

const struct dm_workload dm_wl_example = {
	.name = "example",
	.summary = "a workload defined in a test",
	.invariants = "none",
	.options = example_options,
	.metrics = example_metrics,
	.matrix = example_matrix,
	.setup = example_setup,
	.cycle = example_cycle,
	.teardown = example_teardown,
	.priv_size = sizeof(struct example_state),
	.stress = true,
	.default_cycles = 6,
	.default_warmup = 1,
};

/* The registry line (workloads.def's job in devmem-bench). */
const struct dm_workload *const dm_workloads[] = { &dm_wl_example };
const size_t dm_nr_workloads = ARRAY_SIZE(dm_workloads);

/* ---- Driving it -------------------------------------------------------- */

static void set_env(struct dm_results *res, const char *release)
{
	static const char *const args[] = { "-machine", "pc,nvdimm=on" };
	struct dm_env env = {
		.kernel_release = release,
		.kernel_version = "#1 SMP PREEMPT_DYNAMIC",
		.config_hash = NULL,
		.cmdline = "console=ttyS0",
		.kernel_name = release,
		.accel = "tcg",
		.cpu_model = "QEMU Virtual CPU",
		.cpu_count = 2,
		.memory_bytes = 2ULL << 30,
		.qemu_version = "7.2.15",
		.qemu_args = args,
		.nr_qemu_args = 2,
		.tracing = "none",
	};

	dm_results_set_env(res, &env);
}

static volatile sig_atomic_t no_interrupt;

/* Run the example with -O options @opts ("k=v" ...) into @path. */
static int run_example(const char *path, const char *release,
		       const char *const *opts, int nr_opts,
		       struct dm_run *out)
{
	struct dm_run run = {
		.interrupted = &no_interrupt,
		.warmup = -1,
		.quiet = true,
		.perturb_seed = -1,
		.tag = "devmem-test",
	};
	char err[DM_ERR_LEN];
	int i, rc;

	for (i = 0; i < nr_opts; i++) {
		char *kv = strdup(opts[i]), *eq = strchr(kv, '=');

		*eq = '\0';
		run.opts[i].name = kv;
		run.opts[i].value = eq + 1;
	}
	run.nr_opts = nr_opts;
	rc = dm_run_check_opts(&run, &dm_wl_example);
	if (rc)
		return rc;
	rc = dm_results_new(&run.res);
	if (rc)
		return rc;
	dm_results_set_tool(run.res, "devmem-bench", "test");
	set_env(run.res, release);
	dm_results_set_param_int(run.res, "warmup", 1);
	dm_results_set_param_int(run.res, "cycles", 6);
	rc = dm_run_workload(&run, &dm_wl_example);
	if (!rc && path)
		rc = dm_results_write(run.res, path, err, sizeof(err));
	if (rc && path)
		fprintf(stderr, "%s\n", err);
	dm_results_free(run.res);
	run.res = NULL;
	if (out)
		*out = run;
	return rc;
}

static int run_cmd(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

FIXTURE(wl) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(wl)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/devmem-wl-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/run.json", self->dir);
	example_setups = example_teardowns = example_warmups = 0;
}

FIXTURE_TEARDOWN(wl)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	run_cmd(cmd);
}

/* Matrix, setup/cycle/teardown, warm-up, skipped configurations. */
TEST_F(wl, drives_the_workload)
{
	struct dm_results *res;
	struct dm_result *r;
	struct dm_metric *m;
	struct dm_run run;
	char err[DM_ERR_LEN];

	ASSERT_EQ(0, run_example(self->path, "6.12.0-a", NULL, 0, &run));
	EXPECT_EQ(2, example_setups);
	EXPECT_EQ(2, example_teardowns);
	EXPECT_EQ(2, example_warmups);	/* default_warmup 1, two configs */
	EXPECT_EQ(0, run.violations);
	EXPECT_EQ(2, run.ran);
	ASSERT_EQ(0, dm_results_load(self->path, &res, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(3, res->nr_results);
	r = dm_results_find(res, "example.fast");
	ASSERT_NE(NULL, r);
	m = dm_result_find_metric(r, "step_ns");
	ASSERT_NE(NULL, m);
	ASSERT_EQ(6, m->n);		/* default_cycles, no warm-up */
	EXPECT_EQ(1000, m->samples[0]);
	EXPECT_EQ(1015, m->samples[5]);
	m = dm_result_find_metric(r, "probe.a_pages");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(DM_UNIT_PAGES, m->unit);
	m = dm_result_find_metric(r, "cycles_run");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(6, m->samples[0]);
	r = dm_results_find(res, "example.slow");
	ASSERT_NE(NULL, r);
	m = dm_result_find_metric(r, "step_ns");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(4, m->n);		/* the configuration's own cycles */
	EXPECT_EQ(1500, m->samples[0]);
	r = dm_results_find(res, "example.off");
	ASSERT_NE(NULL, r);
	ASSERT_NE(NULL, r->skipped);
	EXPECT_STREQ("not here", r->skipped);
	dm_results_free(res);
}

/* Options: defaults, given values, and refused bad ones. */
TEST_F(wl, options)
{
	static const char *const step[] = { "step=10" };
	static const char *const bad[] = { "step=0" };
	static const char *const bad2[] = { "chunk=lots" };
	struct dm_results *res;
	struct dm_metric *m;
	char err[DM_ERR_LEN];

	ASSERT_EQ(0, run_example(self->path, "6.12.0-a", step, 1, NULL));
	ASSERT_EQ(0, dm_results_load(self->path, &res, err, sizeof(err)));
	m = dm_result_find_metric(dm_results_find(res, "example.fast"),
				  "step_ns");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(1050, m->samples[5]);
	dm_results_free(res);
	EXPECT_EQ(-EINVAL, run_example(NULL, "x", bad, 1, NULL));
	EXPECT_EQ(-EINVAL, run_example(NULL, "x", bad2, 1, NULL));
}

/* A violation is recorded with its cycle and check, and counted. */
TEST_F(wl, violation)
{
	static const char *const fail[] = { "fail-at=2" };
	struct dm_results *res;
	struct dm_result *r;
	struct dm_run run;
	char err[DM_ERR_LEN];

	ASSERT_EQ(0, run_example(self->path, "6.12.0-a", fail, 1, &run));
	EXPECT_EQ(2, run.violations);	/* one per configuration */
	EXPECT_EQ(0, run.ran);
	ASSERT_EQ(0, dm_results_load(self->path, &res, err, sizeof(err)));
	r = dm_results_find(res, "example.fast");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(1, r->nr_violations);
	EXPECT_EQ(2, r->violations[0].cycle);
	EXPECT_STREQ("example_check", r->violations[0].check);
	dm_results_free(res);
}

/* A violation outside the cycles (set-up) is kept as cycle -1. */
TEST_F(wl, violation_in_setup)
{
	static const char *const fail[] = { "fail-at=-2" };
	struct dm_results *res;
	struct dm_result *r;
	struct dm_run run;
	char err[DM_ERR_LEN];

	ASSERT_EQ(0, run_example(self->path, "6.12.0-a", fail, 1, &run));
	EXPECT_EQ(1, run.violations);
	ASSERT_EQ(0, dm_results_load(self->path, &res, err, sizeof(err)))
		TH_LOG("%s", err);
	r = dm_results_find(res, "example.slow");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(1, r->nr_violations);
	EXPECT_EQ(-1, r->violations[0].cycle);
	EXPECT_STREQ("example_setup", r->violations[0].check);
	dm_results_free(res);
}

/*
 * The new workload's results through devmem-compare and devmem-dashboard,
 * whose code has never heard of it: its rows are compared and charted.
 */
TEST_F(wl, compare_and_dashboard_take_it)
{
	static const char *const slower[] = { "base=2000" };
	char a[160], b[160], cmd[1024];

	snprintf(a, sizeof(a), "%s/runs/a.json", self->dir);
	snprintf(b, sizeof(b), "%s/runs/b.json", self->dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/runs'", self->dir);
	ASSERT_EQ(0, run_cmd(cmd));
	ASSERT_EQ(0, run_example(a, "6.12.0-a", NULL, 0, NULL));
	ASSERT_EQ(0, run_example(b, "6.12.0-b", slower, 1, NULL));
	snprintf(cmd, sizeof(cmd),
		 "'%s' --format=json --force '%s' '%s' > '%s/cmp.json'",
		 COMPARE_BIN, a, b, self->dir);
	/* exit 1: step_ns regressed (b's cycles take twice as long) */
	EXPECT_EQ(1, run_cmd(cmd));
	snprintf(cmd, sizeof(cmd),
		 "grep -q '\"example.fast\"' '%s/cmp.json' && grep -q '\"step_ns\"' '%s/cmp.json'",
		 self->dir, self->dir);
	EXPECT_EQ(0, run_cmd(cmd));
	snprintf(cmd, sizeof(cmd),
		 "'%s' --index '%s/index.json' --out '%s/dash' '%s/runs' > /dev/null 2>&1",
		 DASHBOARD_BIN, self->dir, self->dir, self->dir);
	EXPECT_EQ(0, run_cmd(cmd));
	snprintf(cmd, sizeof(cmd),
		 "grep -q 'example.fast' '%s/dash/index.html' && test -s '%s/dash/charts/'*example_fast-step_ns.svg",
		 self->dir, self->dir);
	EXPECT_EQ(0, run_cmd(cmd));
}

TEST_HARNESS_MAIN
