/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The comparison engine: every revision against the baseline,
 * configuration by configuration (matched by id, whatever the workload)
 * and metric by metric; medians with bootstrap intervals, the relative
 * change and its interval, a test adjusted over each revision's rows, and
 * a verdict.  devmem-compare and devmem-dashboard are front ends of it,
 * so both print the same numbers.
 *
 *	struct dm_compare_opts opts;
 *	struct dm_compare *cmp;
 *	char err[DM_COMPARE_ERR_LEN];
 *
 *	dm_compare_opts_init(&opts);
 *	opts.labels = "old,new";
 *	dm_compare_new(&opts, &cmp);
 *	dm_compare_add_side(cmp, "base.json");		   the baseline
 *	dm_compare_add_side(cmp, "n1.json,n2.json");	   runs, one boot each
 *	if (dm_compare_run(cmp, err, sizeof(err)))
 *		fprintf(stderr, "%s\n", err);
 *	for (i = 0; i < dm_compare_nr_rows(cmp); i++)
 *		row = dm_compare_row(cmp, i);		   row->cells[1].verdict
 *	dm_compare_render(cmp, stdout, DM_COMPARE_TABLE);
 *	dm_compare_free(cmp);
 *
 * A side is one results file, or several run files (comma-separated, or
 * already loaded with dm_compare_add_runs()) compared run by run.  The
 * options are copied by dm_compare_new(), but the strings they point to
 * (globs, labels, the calibration list, pairs) are borrowed.
 *
 * Functions return 0 or -errno; dm_compare_run() writes a message to @err
 * (several lines for differing environments), without a trailing newline.
 */
#ifndef DEVMEM_COMPARE_H
#define DEVMEM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "results.h"
#include "stats.h"

/* Defaults: 5% for wall-clock timings, 1% for tcg-icount instruction counts. */
#define DM_COMPARE_THRESHOLD		0.05
#define DM_COMPARE_ICOUNT_THRESHOLD	0.01
#define DM_COMPARE_SEED			0x6465766d656dULL	/* "devmem" */
/* A good size for @err buffers: environment differences are long. */
#define DM_COMPARE_ERR_LEN		4096

enum dm_compare_format {
	DM_COMPARE_TABLE,
	DM_COMPARE_MARKDOWN,
	DM_COMPARE_JSON,
};

/* --pair: configuration base_id of the baseline against rev_id. */
struct dm_compare_pair {
	const char *base_id;
	const char *rev_id;
};

struct dm_compare_opts {
	double threshold;		/* fraction (0.05 = 5%); NAN: per accel */
	double confidence;		/* 0.95 */
	unsigned int resamples;		/* bootstrap resamples, 2000 */
	uint64_t seed;
	enum dm_p_adjust correction;	/* over each revision's rows */
	bool force;			/* compare different environments */
	const char *labels;		/* "a,b,...", or NULL: file names */
	const char *calibration;	/* run files of perturbed boots */
	const char *const *metric_globs;
	size_t nr_metric_globs;
	const char *const *config_globs;
	size_t nr_config_globs;
	const struct dm_compare_pair *pairs;
	size_t nr_pairs;
};

enum dm_verdict {
	DM_V_BASE,		/* the baseline's own cell */
	DM_V_IMPROVED,
	DM_V_REGRESSED,
	DM_V_NO_CHANGE,
	DM_V_NOISY,
	DM_V_CHANGED,		/* significant change of a "better": "none" metric */
	DM_V_NOT_COMPARED,	/* missing, skipped or empty on either side */
	DM_V_NR,
};

enum dm_compare_test {
	DM_TEST_MANN_WHITNEY,	/* cycles as samples */
	DM_TEST_WELCH_RUNS,	/* per-run medians as samples */
};

/* How a verdict was reached. */
enum dm_judged_by {
	DM_BY_TEST,		/* the test and the change's CI */
	DM_BY_EXACT,		/* every cycle identical on each side */
	DM_BY_RANGE,		/* near-exact: the range of differences */
};

/* One side's numbers for one metric of one configuration (read-only). */
struct dm_compare_cell {
	const struct dm_metric *m;	/* NULL: not compared */
	double lo, hi;			/* median CI; NAN if n < 2 */
	double change, change_lo, change_hi;	/* relative, revisions only */
	double hl;			/* Hodges-Lehmann shift, metric units */
	struct dm_mann_whitney mw;
	double p_adj;
	bool compared;			/* both sides have samples */
	enum dm_compare_test test;
	size_t runs_base, runs_rev;	/* DM_TEST_WELCH_RUNS: medians per side */
	double t, df;			/* DM_TEST_WELCH_RUNS */
	bool tied_medians;		/* equal run medians, varying cycles */
	enum dm_judged_by by;
	enum dm_verdict verdict;
	char note[160];
};

/* One (configuration, metric): cells[0] the baseline, [1..] revisions. */
struct dm_compare_row {
	const struct dm_result *config;	/* the baseline's */
	const char *rev_id;		/* the revisions' (pairs), or its id */
	const struct dm_metric *metric;	/* the baseline's */
	struct dm_compare_cell *cells;
	/*
	 * calibration: how far the run medians of perturbed boots of one
	 * kernel spread, (max - min) / mean; 0 = exact; NAN = unknown; and
	 * the change two boots of that kernel may show.
	 */
	double calib;
	double calib_allow;
	size_t calib_runs;
};

struct dm_compare;

void dm_compare_opts_init(struct dm_compare_opts *opts);
int dm_compare_new(const struct dm_compare_opts *opts,
		   struct dm_compare **out);
void dm_compare_free(struct dm_compare *cmp);

/* A side: "a.json" or "a1.json,a2.json,..." (loaded by dm_compare_run()). */
int dm_compare_add_side(struct dm_compare *cmp, const char *paths);
/*
 * A side of runs already loaded (borrowed: they must outlive @cmp);
 * @paths names them in the output, as dm_compare_add_side() would.
 */
int dm_compare_add_runs(struct dm_compare *cmp, const char *paths,
			struct dm_results *const *runs, size_t n);

/*
 * Load, check that the sides can be compared, compute and decide.
 * Returns 0, -EINVAL (unusable input: bad file, different environments,
 * nothing to compare), -EDOM (a metric changed unit), -ENOMEM.
 */
int dm_compare_run(struct dm_compare *cmp, char *err, size_t errlen);
/* After a run with opts.force over differing environments, or NULL. */
const char *dm_compare_warning(const struct dm_compare *cmp);

/* The threshold used (the default for the accel if none was given). */
double dm_compare_threshold(const struct dm_compare *cmp);
size_t dm_compare_nr_sides(const struct dm_compare *cmp);
const char *dm_compare_label(const struct dm_compare *cmp, size_t side);
size_t dm_compare_nr_rows(const struct dm_compare *cmp);
const struct dm_compare_row *dm_compare_row(const struct dm_compare *cmp,
					    size_t i);
/* The row of configuration @config_id (the baseline's) and @metric. */
const struct dm_compare_row *dm_compare_find_row(const struct dm_compare *cmp,
						 const char *config_id,
						 const char *metric);
/* Rows of revision @side with @verdict. */
size_t dm_compare_count(const struct dm_compare *cmp, size_t side,
			enum dm_verdict verdict);
/* Any revision regressed on any row: devmem-compare's exit status 1. */
bool dm_compare_regressed(const struct dm_compare *cmp);
/* "regressed", "no significant change", ... ("" for DM_V_BASE). */
const char *dm_compare_verdict_name(enum dm_verdict verdict);

/*
 * The bootstrap interval of a median as the engine computes it for side
 * @side of configuration @config_id (seeded by the ids, never by order):
 * the dashboard draws the numbers devmem-compare prints.  NAN below 2
 * samples.
 */
void dm_compare_median_ci(const struct dm_compare_opts *opts,
			  const char *config_id, const struct dm_metric *m,
			  size_t side, double *lo, double *hi);

/*
 * A configuration in words: "devdax, memmap in mem, align 2 MiB, size
 * 1 GiB, driver sysfs" for the namespace fields, then "key value" (sizes
 * in bytes scaled) for any other key of the workload's config.
 */
void dm_compare_fmt_config(char *buf, size_t len, const struct dm_result *r);

/* Output: a table, markdown, or JSON ("schema": "devmem-compare/1"). */
int dm_compare_render(const struct dm_compare *cmp, FILE *out,
		      enum dm_compare_format format);
int dm_compare_to_json(const struct dm_compare *cmp, json_object **out);

/*
 * Merge rounds (each a file or comma-separated runs) into @out_path.
 */
int dm_compare_merge_files(char *const *paths, size_t n,
			   const char *out_path, char *err, size_t errlen);

#endif /* DEVMEM_COMPARE_H */
