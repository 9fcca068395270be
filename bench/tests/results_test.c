// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the results file reader, validator, writer and merge
 * (bench/results.c) against the recorded inputs in tests/data/, which
 * tests/gen-data.py builds independently of results.c.
 *
 * To use: make -C bench check  (or run the binary; -l lists the tests)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kselftest_harness.h>

#include "results.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

static const char *data_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("DEVMEM_TEST_DATA");

	snprintf(buf, len, "%s/%s", dir ? dir : TEST_DATA_DIR, name);
	return buf;
}

/* Read a whole file into a NUL-terminated buffer (caller frees). */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	n = buf ? read(fd, buf, st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Remove a flat temporary folder and everything in it. */
static void remove_dir(const char *dir)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static size_t count_files(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	/* Hidden names count: that is what a leftover temporary looks like. */
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* A complete environment as devmem-bench would fill it. */
static void fill_env(struct dm_env *env, const char *release)
{
	static const char *const args[] = { "-machine", "pc,nvdimm=on",
					     "-m", "2G,slots=4,maxmem=16G" };

	memset(env, 0, sizeof(*env));
	env->kernel_release = release;
	env->kernel_version = "#1 SMP PREEMPT_DYNAMIC";
	env->config_hash = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	env->cmdline = "console=ttyS0";
	env->kernel_name = "debian-6.12";
	env->series = "memmap-batch";
	env->revision = "v2";
	env->accel = "tcg";
	env->cpu_model = "QEMU Virtual CPU";
	env->cpu_count = 2;
	env->memory_bytes = 2ULL << 30;
	env->qemu_version = "7.2.15";
	env->qemu_args = args;
	env->nr_qemu_args = 4;
	env->ndctl_version = "76.1";
	env->tracing = "function_graph";
}

static const struct dm_config cfg_2m = {
	.mode = "devdax", .map = "mem", .align_bytes = 2 << 20,
	.size_bytes = 1 << 30, .driver = "sysfs",
};

static const struct dm_config cfg_4k = {
	.mode = "devdax", .map = "dev", .align_bytes = 4096,
	.size_bytes = 256 << 20, .driver = "sysfs",
};

/* A small document: two configurations, metrics of each kind. */
static int build_doc(struct dm_results **out, const char *release,
		     int64_t base)
{
	int64_t add[5] = { base, base + 7, base - 3, base + 1, base + 2 };
	double per_page[5] = { 12.5, 12.25, 12.75, 13, 12.125 };
	int64_t pages[5] = { 4096, 4096, 4096, 4096, 4096 };
	struct dm_results *res;
	struct dm_result *r;
	struct dm_env env;
	int rc;

	rc = dm_results_new(&res);
	if (rc)
		return rc;
	fill_env(&env, release);
	rc = dm_results_set_tool(res, "devmem-bench", "v0.1-1-gabc");
	if (!rc)
		rc = dm_results_set_timestamp(res, 1732506609);
	if (!rc)
		rc = dm_results_set_env(res, &env);
	if (!rc)
		rc = dm_results_set_param_int(res, "warmup", 2);
	if (!rc)
		rc = dm_results_set_param_int(res, "cycles", 5);
	if (!rc)
		rc = dm_results_set_param_string(res, "driver", "sysfs");
	if (!rc)
		rc = dm_results_add_result(res, &cfg_2m, &r);
	if (!rc)
		rc = dm_result_add_metric_int(r, "add_ns", DM_UNIT_NS,
					      DM_BETTER_LOWER, add, 5);
	if (!rc)
		rc = dm_result_add_metric(r, "memmap_init_ns_per_page",
					  DM_UNIT_NS_PER_PAGE, DM_BETTER_LOWER,
					  per_page, 5);
	if (!rc)
		rc = dm_result_add_metric_int(r, "memmap_pages", DM_UNIT_PAGES,
					      DM_BETTER_LOWER, pages, 5);
	if (!rc)
		rc = dm_result_add_violation(r, 3, "zone_span",
					     "spanned 262144, expected 524288");
	if (!rc)
		rc = dm_results_add_result(res, &cfg_4k, &r);
	if (!rc)
		rc = dm_result_set_skipped(r, "no room in region0");
	if (rc) {
		dm_results_free(res);
		return rc;
	}
	*out = res;
	return 0;
}

FIXTURE(tmp)
{
	char dir[64];
	char path[128];
	char err[DM_ERR_LEN];
};

FIXTURE_SETUP(tmp)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/devmem-results-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/run.json", self->dir);
	self->err[0] = '\0';
}

FIXTURE_TEARDOWN(tmp)
{
	remove_dir(self->dir);
}

/* The recorded full file: every field where the schema puts it. */
TEST(load_valid_full)
{
	char path[512], err[DM_ERR_LEN] = "";
	struct dm_results *res;
	struct dm_metric *m;
	struct dm_result *r;
	json_object *o;

	ASSERT_EQ(0, dm_results_load(data_path("valid-full.json", path,
					       sizeof(path)), &res, err,
				     sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("devmem-bench", res->tool);
	EXPECT_STREQ("2024-11-25T03:50:09Z", res->timestamp);
	EXPECT_EQ(1, res->rounds);
	ASSERT_EQ(3, res->nr_results);
	r = res->results[0];
	EXPECT_STREQ("devdax-mem-2M-1G", r->id);
	EXPECT_EQ(7, r->nr_metrics);
	m = dm_result_find_metric(r, "add_ns");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(DM_UNIT_NS, m->unit);
	EXPECT_EQ(DM_BETTER_LOWER, m->better);
	EXPECT_EQ(20, m->n);
	EXPECT_EQ(20, m->summary.n);
	m = dm_result_find_metric(r, "memmap_bw_ratio");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(DM_BETTER_HIGHER, m->better);
	m = dm_result_find_metric(r, "memfree_delta_bytes");
	ASSERT_NE(NULL, m);
	EXPECT_LT(m->summary.median, 0);
	ASSERT_EQ(1, r->nr_violations);
	EXPECT_EQ(7, r->violations[0].cycle);
	EXPECT_STREQ("nr_memmap_pages", r->violations[0].check);
	EXPECT_NULL(res->results[0]->skipped);
	EXPECT_STREQ("region alignment cannot hold align 1G",
		     res->results[2]->skipped);
	EXPECT_EQ(0, res->results[2]->nr_metrics);
	ASSERT_TRUE(json_object_object_get_ex(res->environment, "accel", &o));
	EXPECT_STREQ("tcg", json_object_get_string(o));
	EXPECT_NE(NULL, dm_results_find(res, "devdax-mem-4K-256M"));
	EXPECT_NULL(dm_results_find(res, "nope"));
	dm_results_free(res);
}

/* n = 1 and n = 0 metrics: null summaries where undefined. */
TEST(load_valid_minimal)
{
	char path[512], err[DM_ERR_LEN] = "";
	struct dm_results *res;
	struct dm_metric *m;

	ASSERT_EQ(0, dm_results_load(data_path("valid-minimal.json", path,
					       sizeof(path)), &res, err,
				     sizeof(err))) TH_LOG("%s", err);
	m = dm_result_find_metric(res->results[0], "add_ns");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(1, m->n);
	EXPECT_TRUE(m->summary.median == 1000);
	EXPECT_TRUE(isnan(m->summary.stddev));
	m = dm_result_find_metric(res->results[0], "empty_ns");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(0, m->n);
	EXPECT_TRUE(isnan(m->summary.median));
	dm_results_free(res);
}

/* Each recorded bad input: its error names the file and the path. */
FIXTURE(bad_input)
{
	char path[512];
	char err[DM_ERR_LEN];
};

FIXTURE_VARIANT(bad_input)
{
	const char *file;
	const char *message;
	int rc;
};

#define BAD(_name, _file, _msg)						\
	FIXTURE_VARIANT_ADD(bad_input, _name)				\
	{								\
		.file = _file, .message = _msg, .rc = -EINVAL,		\
	}

BAD(syntax, "bad-syntax.json", "line 1 column 38: invalid JSON: unexpected character");
BAD(truncated, "bad-truncated.json", "unexpected end of file (truncated?)");
BAD(empty, "bad-empty.json", "empty file");
BAD(top_array, "bad-top-array.json", "the top level is an array, not an object");
BAD(trailing, "bad-trailing.json", "trailing data after the JSON document");
BAD(nul, "bad-nul.json", "NUL byte in the file");
BAD(deep, "bad-deep.json", "nested deeper than 32 levels");
BAD(version, "bad-version.json",
	"schema: unsupported schema version \"devmem-bench/3\" (this reader understands devmem-bench/1 and devmem-bench/2)");
BAD(v1_workload, "bad-v1-workload.json",
	"results[0].config.workload: a devmem-bench/2 field in a devmem-bench/1 file");
BAD(v2_no_workload, "bad-v2-no-workload.json",
	"results[0].config: missing required field \"workload\"");
BAD(v2_config_object, "bad-v2-config-object.json",
	"results[0].config.shape: not a scalar (found an object; config values are strings, integers or booleans)");
BAD(v2_config_fraction, "bad-v2-config-fraction.json",
	"results[0].config.threads: 2.5 is not an integer");
BAD(v2_config_key, "bad-v2-config-key.json",
	"results[0].config.two words: not a valid config key");
BAD(v2_ns_no_mode, "bad-v2-ns-no-mode.json",
	"results[0].config: missing required field \"mode\"");
BAD(schema_other, "bad-schema-other.json",
	"schema: \"fio/3\" is not a devmem-bench results schema");
BAD(no_schema, "bad-no-schema.json", "no \"schema\" field");
BAD(sample_string, "bad-sample-string.json",
	"results[0].metrics.add_ns.samples[4]: not a number (found a string)");
BAD(sample_nan, "bad-sample-nan.json",
	"results[0].metrics.add_ns.samples[2]: not a finite number");
BAD(sample_inf, "bad-sample-inf.json",
	"results[0].metrics.remove_ns.samples[0]: not a finite number");
BAD(sample_fraction, "bad-sample-fraction.json",
	"results[0].metrics.add_ns.samples[1]: 1.5 is not an integer");
BAD(sample_negative, "bad-sample-negative.json",
	"results[0].metrics.remove_ns.samples[3]: -3 is negative");
BAD(unit, "bad-unit.json", "results[0].metrics.add_ns.unit: unknown unit");
BAD(better, "bad-better.json",
	"results[0].metrics.add_ns.better: unknown direction");
BAD(summary_n, "bad-summary-n.json",
	"results[0].metrics.add_ns.summary.n: 5, but there are 20 samples");
BAD(summary_median, "bad-summary-median.json",
	"results[0].metrics.add_ns.summary.median:");
BAD(summary_null, "bad-summary-null.json",
	"results[0].metrics.add_ns.summary.stddev: null, but the samples give");
BAD(accel, "bad-accel.json", "environment.accel: unknown accel");
BAD(missing_env, "bad-missing-env.json",
	"missing required field \"environment\"");
BAD(duplicate_id, "bad-duplicate-id.json",
	"results[1].id: duplicate id \"devdax-mem-2M-1G\"");
BAD(bigint, "bad-bigint.json",
	"environment.memory_bytes: integer out of range");
BAD(string_number, "bad-string-number.json",
	"environment.memory_bytes: not a number (found a string)");
BAD(timestamp, "bad-timestamp.json", "timestamp: not an ISO-8601 UTC time");
BAD(results_object, "bad-results-object.json",
	"results: not an array (found an object)");
BAD(metric_name, "bad-metric-name.json",
	"results[0].metrics.add ns!: not a valid metric name");
BAD(long_key, "bad-long-key.json",
	"results[0].metrics.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...: not a valid metric name");
BAD(params, "bad-params.json",
	"parameters.cycles: not a number (found a string)");
BAD(violation, "bad-violation.json",
	"results[0].invariant_violations[0].cycle: -2 out of range");
BAD(qemu_args, "bad-qemu-args.json",
	"environment.qemu.args[1]: not a string (found a number)");
BAD(config_hash, "bad-config-hash.json",
	"environment.kernel.config_hash: expected \"sha256:\" and 64 hex digits");
BAD(icount_no_shift, "bad-icount-no-shift.json",
	"environment: missing required field \"icount_shift\"");
BAD(icount_shift, "bad-icount-shift.json",
	"environment.icount_shift: shift 3 is not supported");
BAD(icount_ns, "bad-icount-ns.json",
	"results[0].metrics.add_ns.unit: \"ns\" in a tcg-icount run");
BAD(insn_tcg, "bad-insn-tcg.json",
	"results[0].metrics.add_ns.unit: \"insn\" outside a tcg-icount run");
BAD(shift_tcg, "bad-shift-tcg.json",
	"environment.icount_shift: only a tcg-icount run has an icount shift");
FIXTURE_VARIANT_ADD(bad_input, missing_file)
{
	.file = "no-such-file.json", .message = "cannot open: No such file",
	.rc = -ENOENT,
};

FIXTURE_SETUP(bad_input)
{
	self->err[0] = '\0';
	data_path(variant->file, self->path, sizeof(self->path));
}

FIXTURE_TEARDOWN(bad_input)
{
}

TEST_F(bad_input, refused_with_message)
{
	struct dm_results *res = (void *)1;
	char want[DM_ERR_LEN + 600];

	EXPECT_EQ(variant->rc, dm_results_load(self->path, &res, self->err,
					       sizeof(self->err)));
	EXPECT_NULL(res);
	/* "<file>: <path>: <what>" */
	snprintf(want, sizeof(want), "%s: ", self->path);
	EXPECT_EQ(0, strncmp(self->err, want, strlen(want)))
		TH_LOG("message \"%s\" does not start with \"%s\"", self->err,
		       want);
	EXPECT_NE(NULL, strstr(self->err, variant->message))
		TH_LOG("message \"%s\" lacks \"%s\"", self->err,
		       variant->message);
}

/* Too many samples in one metric: refused before it costs memory. */
TEST_F(tmp, huge_array)
{
	char path[512], *text, *pos, *big;
	struct dm_results *res;
	size_t len, n = DM_MAX_SAMPLES + 1, i;
	FILE *f;

	text = slurp(data_path("valid-minimal.json", path, sizeof(path)), &len);
	ASSERT_NE(NULL, text);
	pos = strstr(text, "\"samples\": [");
	ASSERT_NE(NULL, pos);
	pos += strlen("\"samples\": [");
	big = malloc(2 * n + 1);
	ASSERT_NE(NULL, big);
	for (i = 0; i < n; i++)
		memcpy(big + 2 * i, "0,", 2);
	big[2 * n] = '\0';
	f = fopen(self->path, "w");
	ASSERT_NE(NULL, f);
	fwrite(text, 1, (size_t)(pos - text), f);
	fputs(big, f);
	fputs(pos, f);
	fclose(f);
	free(big);
	free(text);

	EXPECT_EQ(-EINVAL, dm_results_load(self->path, &res, self->err,
					   sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err,
			       "results[0].metrics.add_ns.samples: 1000002 elements, more than the limit of 1000000"))
		TH_LOG("%s", self->err);
}

/* A file over the size limit is refused without parsing it. */
TEST_F(tmp, huge_file)
{
	struct dm_results *res;
	int fd;

	fd = open(self->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, DM_MAX_FILE_BYTES + 1));
	close(fd);
	EXPECT_EQ(-EFBIG, dm_results_load(self->path, &res, self->err,
					  sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "larger than")) TH_LOG("%s", self->err);
}

TEST_F(tmp, directory)
{
	struct dm_results *res;

	EXPECT_EQ(-EISDIR, dm_results_load(self->dir, &res, self->err,
					   sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "is a directory"));
}

/*
 * Random damage to a valid file (truncation, byte flips, deletions) must
 * give either a valid document or an error message; never a crash.
 */
TEST(damaged_input_never_crashes)
{
	char path[512], err[DM_ERR_LEN], *text, *buf;
	size_t len, trial, accepted = 0, refused = 0;
	struct dm_results *res;
	struct dm_rng rng;

	text = slurp(data_path("valid-full.json", path, sizeof(path)), &len);
	ASSERT_NE(NULL, text);
	buf = malloc(len + 1);
	ASSERT_NE(NULL, buf);
	dm_rng_seed(&rng, 4242);
	for (trial = 0; trial < 400; trial++) {
		size_t n = len, k, flips = 1 + dm_rng_below(&rng, 4);
		static const char junk[] = "{}[],:\"0-1e9.nNtfx\\ \n";

		memcpy(buf, text, len);
		for (k = 0; k < flips; k++) {
			size_t at = dm_rng_below(&rng, n);

			switch (dm_rng_below(&rng, 3)) {
			case 0:
				n = at + 1;
				break;
			case 1:
				buf[at] = junk[dm_rng_below(&rng,
							    sizeof(junk) - 1)];
				break;
			default:
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			}
		}
		err[0] = '\0';
		if (dm_results_parse(buf, n, "damaged.json", &res, err,
				     sizeof(err)) == 0) {
			accepted++;
			dm_results_free(res);
		} else {
			refused++;
			ASSERT_EQ(0, strncmp(err, "damaged.json: ", 14))
				TH_LOG("message: %s", err);
		}
	}
	free(buf);
	free(text);
	TH_LOG("%zu accepted, %zu refused", accepted, refused);
	EXPECT_GT(refused, 300);
}

/* What the bench writes reads back identically, and bytes are stable. */
TEST_F(tmp, writer_round_trip)
{
	struct dm_results *res, *back, *again;
	char second[160], *a, *b;
	const struct dm_metric *m, *m2;
	size_t la, lb, i;
	struct stat st;

	ASSERT_EQ(0, build_doc(&res, "6.12.22-amd64", 1000000));
	ASSERT_EQ(0, dm_results_write(res, self->path, self->err,
				      sizeof(self->err))) TH_LOG("%s", self->err);
	EXPECT_EQ(1, count_files(self->dir));	/* no temporary left */
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(0644, st.st_mode & 0777);

	ASSERT_EQ(0, dm_results_load(self->path, &back, self->err,
				     sizeof(self->err))) TH_LOG("%s", self->err);
	EXPECT_STREQ("v0.1-1-gabc", back->suite_version);
	EXPECT_STREQ("2024-11-25T03:50:09Z", back->timestamp);
	ASSERT_EQ(2, back->nr_results);
	EXPECT_STREQ("devdax-mem-2M-1G", back->results[0]->id);
	EXPECT_STREQ("devdax-dev-4K-256M", back->results[1]->id);
	EXPECT_STREQ("no room in region0", back->results[1]->skipped);
	ASSERT_EQ(3, back->results[0]->nr_metrics);
	for (i = 0; i < 3; i++) {
		m = &res->results[0]->metrics[i];
		m2 = &back->results[0]->metrics[i];
		EXPECT_STREQ(m->name, m2->name);
		EXPECT_EQ(m->unit, m2->unit);
		EXPECT_EQ(m->better, m2->better);
		ASSERT_EQ(m->n, m2->n);
		EXPECT_EQ(0, memcmp(m->samples, m2->samples,
				    m->n * sizeof(double)));
		EXPECT_TRUE(m->summary.median == m2->summary.median);
		EXPECT_TRUE(m->summary.stddev == m2->summary.stddev);
	}
	ASSERT_EQ(1, back->results[0]->nr_violations);
	EXPECT_EQ(3, back->results[0]->violations[0].cycle);
	EXPECT_EQ(0, dm_results_env_diff(res, back, DM_ENV_MACHINE_AND_KERNEL,
					 NULL, 0));

	/* Written again from what was read: the same bytes. */
	snprintf(second, sizeof(second), "%s/again.json", self->dir);
	ASSERT_EQ(0, dm_results_write(back, second, self->err,
				      sizeof(self->err))) TH_LOG("%s", self->err);
	a = slurp(self->path, &la);
	b = slurp(second, &lb);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(la, lb);
	EXPECT_STREQ(a, b);
	/* Shortest round-trip numbers: 12.125, not 12.125000000000002. */
	EXPECT_NE(NULL, strstr(a, "12.125"));
	EXPECT_NULL(strstr(a, "0000000000"));
	free(a);
	free(b);

	/* Overwriting an existing file is atomic too. */
	ASSERT_EQ(0, dm_results_write(back, self->path, self->err,
				      sizeof(self->err)));
	ASSERT_EQ(0, dm_results_load(self->path, &again, self->err,
				     sizeof(self->err)));
	dm_results_free(again);
	dm_results_free(back);
	dm_results_free(res);
}

/*
 * Deltas of 0 but one -4096 and one +4096 (a recorded memfree_delta_bytes):
 * Welford's mean is 2e-14, not 0, so cv is 5.4e16, a real beyond 2^53
 * that must be written so that it reads back as a number, not refused.
 */
TEST_F(tmp, writer_huge_real)
{
	static const struct dm_config cfg = {
		.mode = "devdax", .map = "dev", .align_bytes = 1 << 30,
		.size_bytes = 2ULL << 30, .driver = "sysfs",
	};
	int64_t delta[30] = { 0 };
	struct dm_results *res, *back;
	struct dm_result *r;

	delta[17] = -4096;
	delta[20] = 4096;
	ASSERT_EQ(0, build_doc(&res, "6.12.22-amd64", 1000));
	ASSERT_EQ(0, dm_results_add_result(res, &cfg, &r));
	ASSERT_EQ(0, dm_result_add_metric_int(r, "memfree_delta_bytes",
					      DM_UNIT_BYTES, DM_BETTER_LOWER,
					      delta, 30));
	ASSERT_EQ(0, dm_results_write(res, self->path, self->err,
				      sizeof(self->err))) TH_LOG("%s", self->err);
	ASSERT_EQ(0, dm_results_load(self->path, &back, self->err,
				     sizeof(self->err))) TH_LOG("%s", self->err);
	EXPECT_TRUE(dm_result_find_metric(back->results[2],
					  "memfree_delta_bytes")->summary.cv >
		    9007199254740992.0);
	dm_results_free(back);
	dm_results_free(res);
}

/* The API refuses what the reader would refuse. */
TEST_F(tmp, writer_rejects_bad_values)
{
	double nan_sample[] = { 1, NAN }, frac[] = { 1.5 }, neg[] = { -1 };
	int64_t ok[] = { 1, 2 };
	struct dm_results *res;
	struct dm_result *r;
	struct dm_config bad = cfg_2m;

	ASSERT_EQ(0, dm_results_new(&res));
	ASSERT_EQ(0, dm_results_add_result(res, &cfg_2m, &r));
	EXPECT_EQ(-EEXIST, dm_results_add_result(res, &cfg_2m, &r));
	EXPECT_NULL(r);
	bad.id = "has space";
	EXPECT_EQ(-EINVAL, dm_results_add_result(res, &bad, &r));
	r = res->results[0];
	EXPECT_EQ(-EINVAL, dm_result_add_metric(r, "x_ns", DM_UNIT_NS,
						DM_BETTER_LOWER, nan_sample, 2));
	EXPECT_EQ(-EINVAL, dm_result_add_metric(r, "x_ns", DM_UNIT_NS,
						DM_BETTER_LOWER, frac, 1));
	EXPECT_EQ(-EINVAL, dm_result_add_metric(r, "x_ns", DM_UNIT_NS,
						DM_BETTER_LOWER, neg, 1));
	EXPECT_EQ(0, dm_result_add_metric(r, "delta", DM_UNIT_BYTES,
					  DM_BETTER_HIGHER, neg, 1));
	EXPECT_EQ(-EINVAL, dm_result_add_metric_int(r, "bad name", DM_UNIT_NS,
						    DM_BETTER_LOWER, ok, 2));
	EXPECT_EQ(-EINVAL, dm_result_add_metric_int(r, "x_ns", DM_UNIT_NR,
						    DM_BETTER_LOWER, ok, 2));
	EXPECT_EQ(0, dm_result_add_metric_int(r, "x_ns", DM_UNIT_NS,
					      DM_BETTER_LOWER, ok, 2));
	EXPECT_EQ(-EEXIST, dm_result_add_metric_int(r, "x_ns", DM_UNIT_NS,
						    DM_BETTER_LOWER, ok, 2));
	EXPECT_EQ(-EINVAL, dm_result_add_violation(r, -2, "a", "b"));

	/* No environment yet: nothing is written, the message says why. */
	EXPECT_EQ(-EINVAL, dm_results_write(res, self->path, self->err,
					    sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err,
			       "missing required field \"environment\""))
		TH_LOG("%s", self->err);
	EXPECT_EQ(0, strncmp(self->err, self->path, strlen(self->path)));
	EXPECT_EQ(0, count_files(self->dir));
	dm_results_free(res);
}

/* An unwritable destination: an error naming it, no crash, no leftovers. */
TEST_F(tmp, writer_unwritable)
{
	struct dm_results *res;
	char path[200];

	ASSERT_EQ(0, build_doc(&res, "6.12.22-amd64", 1000));
	snprintf(path, sizeof(path), "%s/missing-dir/run.json", self->dir);
	EXPECT_EQ(-ENOENT, dm_results_write(res, path, self->err,
					    sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "missing-dir/run.json"));
	EXPECT_EQ(0, count_files(self->dir));
	dm_results_free(res);
}

TEST(config_make_id)
{
	struct dm_config c = cfg_2m;
	char id[DM_MAX_NAME + 1];

	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("devdax-mem-2M-1G", id);
	c = cfg_4k;
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("devdax-dev-4K-256M", id);
	c.driver = "ndctl-cli";
	c.size_bytes = 1536ULL << 20;
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("devdax-dev-4K-1536M-ndctl-cli", id);
	c.align_bytes = 0;
	c.size_bytes = 1000;
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("devdax-dev-0-1000-ndctl-cli", id);
	EXPECT_EQ(-ENAMETOOLONG, dm_config_make_id(&c, id, 8));
	c.mode = NULL;
	EXPECT_EQ(-EINVAL, dm_config_make_id(&c, id, sizeof(id)));
}

/* Ids of /2: ns-cycle as in /1, other workloads "<workload>.<...>". */
TEST(config_make_id_workloads)
{
	struct dm_config c = cfg_2m;
	char id[DM_MAX_NAME + 1];

	c.workload = "ns-cycle";
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("devdax-mem-2M-1G", id);
	c.workload = "soak";
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("soak.devdax-mem-2M-1G", id);
	c.variant = "packed-2M";
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("soak.packed-2M", id);
	c = (struct dm_config){ .workload = "fault", .variant = "failslab" };
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("fault.failslab", id);
	c.variant = NULL;
	ASSERT_EQ(0, dm_config_make_id(&c, id, sizeof(id)));
	EXPECT_STREQ("fault", id);
	c.variant = "two words";
	EXPECT_EQ(-EINVAL, dm_config_make_id(&c, id, sizeof(id)));
	c.variant = NULL;
	c.workload = "bad/name";
	EXPECT_EQ(-EINVAL, dm_config_make_id(&c, id, sizeof(id)));
	/* ns-cycle without its namespace has no id. */
	c = (struct dm_config){ .workload = "ns-cycle" };
	EXPECT_EQ(-EINVAL, dm_config_make_id(&c, id, sizeof(id)));
}

/*
 * The writer writes /2: the workload in every config, any workload's own
 * scalars; it reads back the same, and refuses what /2 cannot hold.
 */
TEST_F(tmp, writer_workloads)
{
	struct dm_config soak = cfg_2m, made = { .workload = "made-up",
						  .variant = "odd" };
	struct dm_results *res, *back;
	struct dm_result *r, *s;
	const struct dm_result *b;
	int64_t w[4] = { 3, 4, 5, 6 };
	json_object *o;
	char *text;
	size_t len;

	soak.workload = "soak";
	ASSERT_EQ(0, build_doc(&res, "6.12.22-amd64", 1000000));
	ASSERT_EQ(0, dm_results_add_result(res, &made, &r));
	EXPECT_STREQ("made-up.odd", r->id);
	EXPECT_STREQ("made-up", r->workload);
	EXPECT_EQ(0, dm_result_config_set_int(r, "threads", 3));
	EXPECT_EQ(0, dm_result_config_set_string(r, "flavour", "strange"));
	EXPECT_EQ(0, dm_result_config_set_bool(r, "hot", true));
	EXPECT_EQ(-EEXIST, dm_result_config_set_int(r, "threads", 4));
	EXPECT_EQ(-EEXIST, dm_result_config_set_string(r, "workload", "x"));
	EXPECT_EQ(-EINVAL, dm_result_config_set_int(r, "two words", 1));
	EXPECT_EQ(-EINVAL, dm_result_config_set_int(r, "big", INT64_MAX));
	EXPECT_EQ(-EINVAL, dm_result_config_set_string(r, "s", NULL));
	ASSERT_EQ(0, dm_result_add_metric_int(r, "widgets", DM_UNIT_COUNT,
					      DM_BETTER_HIGHER, w, 4));
	ASSERT_EQ(0, dm_results_add_result(res, &soak, &s));
	EXPECT_STREQ("soak.devdax-mem-2M-1G", s->id);
	/* ns-cycle needs its namespace; other workloads need a good name. */
	made = (struct dm_config){ .workload = "ns-cycle", .variant = "x" };
	EXPECT_EQ(-EINVAL, dm_results_add_result(res, &made, &r));
	made = (struct dm_config){ .workload = "a b" };
	EXPECT_EQ(-EINVAL, dm_results_add_result(res, &made, &r));
	ASSERT_EQ(0, dm_results_write(res, self->path, self->err,
				      sizeof(self->err))) TH_LOG("%s", self->err);

	text = slurp(self->path, &len);
	ASSERT_NE(NULL, text);
	EXPECT_NE(NULL, strstr(text, "\"devmem-bench/2\""));
	free(text);
	ASSERT_EQ(0, dm_results_load(self->path, &back, self->err,
				     sizeof(self->err))) TH_LOG("%s", self->err);
	ASSERT_EQ(4, back->nr_results);
	b = dm_results_find(back, "devdax-mem-2M-1G");
	ASSERT_NE(NULL, b);
	EXPECT_STREQ("ns-cycle", b->workload);
	b = dm_results_find(back, "made-up.odd");
	ASSERT_NE(NULL, b);
	EXPECT_STREQ("made-up", b->workload);
	ASSERT_TRUE(json_object_object_get_ex(b->config, "threads", &o));
	EXPECT_EQ(3, json_object_get_int64(o));
	ASSERT_TRUE(json_object_object_get_ex(b->config, "hot", &o));
	EXPECT_TRUE(json_object_get_boolean(o));
	EXPECT_FALSE(json_object_object_get_ex(b->config, "mode", NULL));
	b = dm_results_find(back, "soak.devdax-mem-2M-1G");
	ASSERT_NE(NULL, b);
	EXPECT_STREQ("soak", b->workload);
	ASSERT_TRUE(json_object_object_get_ex(b->config, "mode", &o));
	EXPECT_STREQ("devdax", json_object_get_string(o));
	dm_results_free(back);
	dm_results_free(res);
}

/*
 * A /1 file reads as workload "ns-cycle", its configs with the workload
 * filled in (on a copy: the parsed tree is not changed), so it equals
 * the /2 file of the same runs, compares with it and merges with it.
 */
TEST(v1_reads_as_ns_cycle)
{
	struct dm_results *v1, *v2, *merged, *in[2];
	char path[512], err[DM_ERR_LEN] = "";
	json_object *root, *o;
	size_t i;

	ASSERT_EQ(0, dm_results_load(data_path("valid-full.json", path,
					       sizeof(path)), &v1, err,
				     sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, dm_results_load(data_path("valid-v2-ns.json", path,
					       sizeof(path)), &v2, err,
				     sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(v1->nr_results, v2->nr_results);
	for (i = 0; i < v1->nr_results; i++) {
		EXPECT_STREQ("ns-cycle", v1->results[i]->workload);
		EXPECT_STREQ("ns-cycle", v2->results[i]->workload);
		EXPECT_TRUE(json_object_equal(v1->results[i]->config,
					      v2->results[i]->config));
	}
	in[0] = v1;
	in[1] = v2;
	ASSERT_EQ(0, dm_results_merge(in, 2, &merged, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(40, merged->results[0]->metrics[0].n);
	EXPECT_STREQ("ns-cycle", merged->results[0]->workload);
	dm_results_free(merged);
	dm_results_free(v1);
	dm_results_free(v2);

	/* From a tree: the caller's tree keeps its /1 shape. */
	root = json_object_from_file(data_path("valid-full.json", path,
					       sizeof(path)));
	ASSERT_NE(NULL, root);
	ASSERT_EQ(0, dm_results_from_json(root, "tree", &v1, err,
					  sizeof(err))) TH_LOG("%s", err);
	o = json_object_array_get_idx(json_object_object_get(root, "results"),
				      0);
	EXPECT_FALSE(json_object_object_get_ex(json_object_object_get(o,
						"config"), "workload", NULL));
	dm_results_free(v1);
	json_object_put(root);
}

/* A workload nobody coded for: its config and metrics as they are. */
TEST(load_valid_v2_workload)
{
	char path[512], err[DM_ERR_LEN] = "";
	const struct dm_result *r;
	struct dm_results *res;
	json_object *o;

	ASSERT_EQ(0, dm_results_load(data_path("valid-v2-workload.json", path,
					       sizeof(path)), &res, err,
				     sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(2, res->nr_results);
	r = res->results[0];
	EXPECT_STREQ("made-up.odd", r->id);
	EXPECT_STREQ("made-up", r->workload);
	ASSERT_TRUE(json_object_object_get_ex(r->config, "flavour", &o));
	EXPECT_STREQ("strange", json_object_get_string(o));
	ASSERT_NE(NULL, dm_result_find_metric(r, "widgets"));
	r = res->results[1];
	EXPECT_STREQ("soak", r->workload);
	EXPECT_STREQ("soak.devdax-mem-2M-256M", r->id);
	dm_results_free(res);
}

/* Environments: one field differs, the message says which and how. */
TEST(env_diff)
{
	char path[512], err[DM_ERR_LEN], msg[1024];
	struct dm_results *a, *b;

	ASSERT_EQ(0, dm_results_load(data_path("valid-full.json", path,
					       sizeof(path)), &a, err,
				     sizeof(err)));
	ASSERT_EQ(0, dm_results_load(data_path("valid-kvm.json", path,
					       sizeof(path)), &b, err,
				     sizeof(err)));
	EXPECT_EQ(1, dm_results_env_diff(a, b, DM_ENV_MACHINE, msg,
					 sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "environment.accel: \"tcg\" in "));
	EXPECT_NE(NULL, strstr(msg, "valid-full.json, \"kvm\" in "));
	EXPECT_EQ(0, dm_results_env_diff(a, a, DM_ENV_MACHINE_AND_KERNEL,
					 msg, sizeof(msg)));
	EXPECT_STREQ("", msg);
	dm_results_free(a);
	dm_results_free(b);
}

/*
 * tcg-icount: the writer passes ns as anywhere, the file says insn (and
 * insn/page), the reader gets DM_UNIT_INSN back; other units stay; a
 * shift other than 0 cannot be recorded; the shift is a machine field.
 */
TEST(icount_units)
{
	struct dm_env env = {
		.kernel_release = "6.12.0", .kernel_version = "#1",
		.cmdline = "console=ttyS0", .kernel_name = "debian-6.12",
		.accel = "tcg-icount", .cpu_model = "QEMU", .cpu_count = 2,
		.memory_bytes = 2ULL << 30, .tracing = "function_graph",
	};
	static const struct dm_config cfg = {
		.mode = "devdax", .map = "mem", .align_bytes = 2 << 20,
		.size_bytes = 1 << 30, .driver = "sysfs",
	};
	const int64_t ns[] = { 3425074, 3425096, 3425658 };
	const double nspp[] = { 13.06, 13.07, 13.07 };
	const int64_t pages[] = { 1024, 1024, 1024 };
	char path[512], err[DM_ERR_LEN] = "", msg[1024];
	struct dm_results *res, *back, *full;
	struct dm_result *r;
	json_object *root, *o;
	struct dm_scale sc;

	ASSERT_EQ(0, dm_results_new(&res));
	env.icount_shift = 3;
	EXPECT_EQ(-EINVAL, dm_results_set_env(res, &env));
	env.icount_shift = 0;
	ASSERT_EQ(0, dm_results_set_env(res, &env));
	ASSERT_EQ(0, dm_results_set_param_int(res, "warmup", 1));
	ASSERT_EQ(0, dm_results_set_param_int(res, "cycles", 3));
	ASSERT_EQ(0, dm_results_add_result(res, &cfg, &r));
	ASSERT_EQ(0, dm_result_add_metric_int(r, "phase.x_ns", DM_UNIT_NS,
					      DM_BETTER_LOWER, ns, 3));
	ASSERT_EQ(0, dm_result_add_metric(r, "x_ns_per_page",
					  DM_UNIT_NS_PER_PAGE,
					  DM_BETTER_LOWER, nspp, 3));
	ASSERT_EQ(0, dm_result_add_metric_int(r, "memmap_pages",
					      DM_UNIT_PAGES, DM_BETTER_LOWER,
					      pages, 3));
	ASSERT_EQ(0, dm_results_to_json(res, &root, err, sizeof(err)))
		TH_LOG("%s", err);
	o = json_object_object_get(json_object_array_get_idx(
		json_object_object_get(root, "results"), 0), "metrics");
	EXPECT_STREQ("insn", json_object_get_string(json_object_object_get(
		json_object_object_get(o, "phase.x_ns"), "unit")));
	EXPECT_STREQ("insn/page", json_object_get_string(
		json_object_object_get(json_object_object_get(o,
			"x_ns_per_page"), "unit")));
	EXPECT_STREQ("pages", json_object_get_string(json_object_object_get(
		json_object_object_get(o, "memmap_pages"), "unit")));
	EXPECT_EQ(0, json_object_get_int(json_object_object_get(
		json_object_object_get(root, "environment"), "icount_shift")));
	ASSERT_EQ(0, dm_results_from_json(root, "icount", &back, err,
					  sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(DM_UNIT_INSN, dm_result_find_metric(back->results[0],
						      "phase.x_ns")->unit);
	EXPECT_EQ(DM_UNIT_INSN_PER_PAGE,
		  dm_result_find_metric(back->results[0],
					"x_ns_per_page")->unit);
	EXPECT_EQ(DM_UNIT_PAGES, dm_result_find_metric(back->results[0],
						       "memmap_pages")->unit);
	json_object_put(root);

	/* Written again from what was read: still insn, still valid. */
	ASSERT_EQ(0, dm_results_to_json(back, &root, err, sizeof(err)))
		TH_LOG("%s", err);
	json_object_put(root);

	/* Scaled as instructions, never as time. */
	sc = dm_unit_scale(DM_UNIT_INSN, 3425074);
	EXPECT_EQ(1e6, sc.div);
	EXPECT_STREQ("Minsn", sc.suffix);
	sc = dm_unit_scale(DM_UNIT_INSN, 942);
	EXPECT_STREQ("insn", sc.suffix);
	sc = dm_unit_scale(DM_UNIT_INSN_PER_PAGE, 13.07);
	EXPECT_STREQ("insn/page", sc.suffix);
	EXPECT_TRUE(dm_unit_is_integer(DM_UNIT_INSN));
	EXPECT_TRUE(dm_unit_is_duration(DM_UNIT_INSN));
	EXPECT_FALSE(dm_unit_is_duration(DM_UNIT_PAGES));
	EXPECT_EQ(DM_UNIT_NS, dm_unit_for_accel(DM_UNIT_NS, "tcg"));
	EXPECT_EQ(DM_UNIT_INSN, dm_unit_for_accel(DM_UNIT_NS, "tcg-icount"));

	dm_results_free(back);

	/* accel and icount_shift both differ from the same run under tcg. */
	ASSERT_EQ(0, dm_results_load(data_path("valid-full.json", path,
					       sizeof(path)), &full, err,
				     sizeof(err)));
	ASSERT_EQ(0, dm_results_load(data_path("valid-icount.json", path,
					       sizeof(path)), &back, err,
				     sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(2, dm_results_env_diff(full, back, DM_ENV_MACHINE, msg,
					 sizeof(msg)));
	EXPECT_NE(NULL, strstr(msg, "environment.icount_shift: null in"))
		TH_LOG("%s", msg);
	dm_results_free(full);
	dm_results_free(back);
	dm_results_free(res);
}

/*
 * A run recorded under tcg-icount here (Debian 6.12, devdax 2M 1 GiB,
 * 5 cycles): every duration in insn, no bandwidth metric, shift 0.
 */
TEST(load_recorded_icount)
{
	char path[512], err[DM_ERR_LEN] = "";
	const struct dm_metric *m;
	struct dm_results *res;
	const struct dm_result *r;
	size_t i;

	ASSERT_EQ(0, dm_results_load(data_path("recorded-icount.json", path,
					       sizeof(path)), &res, err,
				     sizeof(err))) TH_LOG("%s", err);
	r = res->results[0];
	for (i = 0; i < r->nr_metrics; i++) {
		m = &r->metrics[i];
		EXPECT_NE(DM_UNIT_NS, m->unit);
		EXPECT_NE(DM_UNIT_BYTES_PER_SEC, m->unit) TH_LOG("%s", m->name);
	}
	m = dm_result_find_metric(r, "phase.move_pfn_range_to_zone_ns");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(DM_UNIT_INSN, m->unit);
	EXPECT_TRUE(m->summary.min == m->summary.max);
	EXPECT_NULL(dm_result_find_metric(r, "memmap_bw_ratio"));
	EXPECT_NULL(dm_result_find_metric(r, "memset_bytes_per_sec"));
	dm_results_free(res);
}

/* Rounds of one kernel: samples concatenated, summaries recomputed. */
TEST(merge_rounds)
{
	struct dm_results *r1, *r2, *r3, *in[2], *out;
	char err[DM_ERR_LEN + 1024];
	const struct dm_metric *m;
	struct dm_metric *um;

	ASSERT_EQ(0, build_doc(&r1, "6.12.22-amd64", 1000));
	ASSERT_EQ(0, build_doc(&r2, "6.12.22-amd64", 2000));
	in[0] = r1;
	in[1] = r2;
	ASSERT_EQ(0, dm_results_merge(in, 2, &out, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(2, out->rounds);
	ASSERT_EQ(2, out->nr_results);
	m = dm_result_find_metric(out->results[0], "add_ns");
	ASSERT_NE(NULL, m);
	EXPECT_EQ(10, m->n);
	EXPECT_EQ(10, m->summary.n);
	EXPECT_TRUE(m->samples[0] == 1000 && m->samples[5] == 2000);
	/* 997..1007 and 1997..2007: the mean of 1007 and 1997. */
	EXPECT_TRUE(m->summary.median == 1502)
		TH_LOG("median %g", m->summary.median);
	ASSERT_EQ(2, out->results[0]->nr_violations);
	EXPECT_EQ(0, out->results[0]->violations[0].round);
	EXPECT_EQ(1, out->results[0]->violations[1].round);
	EXPECT_EQ(2, json_object_array_length(out->sources));
	/* The merged document is itself valid. */
	{
		json_object *root;

		ASSERT_EQ(0, dm_results_to_json(out, &root, err, sizeof(err)))
			TH_LOG("%s", err);
		json_object_put(root);
	}

	/* Merging a merge counts rounds and keeps all sources. */
	in[0] = out;
	in[1] = r1;
	ASSERT_EQ(0, dm_results_merge(in, 2, &r3, err, sizeof(err)));
	EXPECT_EQ(3, r3->rounds);
	EXPECT_EQ(3, json_object_array_length(r3->sources));
	EXPECT_EQ(2, r3->results[0]->violations[2].round);
	dm_results_free(r3);
	dm_results_free(out);

	/* Another kernel is not a round of the same side. */
	dm_results_free(r2);
	ASSERT_EQ(0, build_doc(&r2, "6.13.0", 2000));
	in[0] = r1;
	in[1] = r2;
	EXPECT_EQ(-EINVAL, dm_results_merge(in, 2, &out, err, sizeof(err)));
	EXPECT_NULL(out);
	EXPECT_NE(NULL, strstr(err, "environment.kernel.release"))
		TH_LOG("%s", err);
	/* ... but nights of one machine pool with the machine scope. */
	ASSERT_EQ(0, dm_results_merge_scope(in, 2, DM_ENV_MACHINE, &out, err,
					    sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(2, out->rounds);
	dm_results_free(out);

	/* The same metric in another unit cannot be pooled. */
	dm_results_free(r2);
	ASSERT_EQ(0, build_doc(&r2, "6.12.22-amd64", 2000));
	in[1] = r2;
	um = dm_result_find_metric(r2->results[0], "add_ns");
	um->unit = DM_UNIT_COUNT;
	EXPECT_EQ(-EINVAL, dm_results_merge(in, 2, &out, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "metrics.add_ns: unit/better"))
		TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, dm_results_merge(in, 0, &out, err, sizeof(err)));

	dm_results_free(r1);
	dm_results_free(r2);
}

/* Unknown extra fields are tolerated (forward compatibility). */
TEST(unknown_fields_ignored)
{
	static const char doc[] =
		"{\"schema\":\"devmem-bench/1\",\"tool\":\"t\",\"suite_version\":\"v\","
		"\"timestamp\":\"2024-01-01T00:00:00Z\",\"future\":{\"x\":[1]},"
		"\"environment\":{\"kernel\":{\"release\":\"r\",\"version\":\"v\","
		"\"config_hash\":null,\"cmdline\":\"\",\"name\":\"n\",\"series\":null,"
		"\"revision\":null,\"extra\":1},\"accel\":\"kvm\",\"cpu\":{\"model\":"
		"\"m\",\"count\":4,\"mhz\":3000},\"memory_bytes\":1024,\"qemu\":null,"
		"\"ndctl_version\":null,\"tracing\":\"none\"},"
		"\"parameters\":{\"warmup\":0,\"cycles\":1,\"other\":\"x\"},"
		"\"results\":[]}";
	char err[DM_ERR_LEN] = "";
	struct dm_results *res;

	ASSERT_EQ(0, dm_results_parse(doc, strlen(doc), "doc", &res, err,
				      sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, res->nr_results);
	dm_results_free(res);
	EXPECT_EQ(-EINVAL, dm_results_parse("{}", 2, "doc", &res, err,
					    sizeof(err)));
	EXPECT_STREQ("doc: no \"schema\" field: not a devmem-bench results file",
		     err);
}

TEST_HARNESS_MAIN
