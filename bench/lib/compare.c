// SPDX-License-Identifier: GPL-2.0
/*
 * The comparison engine (compare.h): did a kernel change a workload's
 * metrics, and can the answer be trusted?
 *
 * The configurations of every revision are matched with the baseline's
 * by id (whatever the workload: a configuration is an opaque id and a
 * config object here); for each metric the medians get bootstrap
 * confidence intervals, the relative change of the median its interval,
 * a Mann-Whitney p-value adjusted over the revision's rows, and a verdict.
 *
 * A side given as several run files (the rounds of `make compare`, one
 * boot each) is compared run by run: Welch's t-test on the per-run
 * medians, because timings move between boots by more than they vary
 * within one, and cycles of one boot are not independent evidence about
 * the kernel.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

/*
 * Exact and near-exact samples (see judge_exact()): at least this many
 * cycles a side, and for "near-exact" a spread (max - min) / median of
 * at most this fraction of the threshold on each side.
 */
#define EXACT_MIN_N		3
#define NEAR_EXACT_FRACTION	0.5
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static const char *const verdict_names[DM_V_NR] = {
	[DM_V_BASE]	    = "",
	[DM_V_IMPROVED]	    = "improved",
	[DM_V_REGRESSED]    = "regressed",
	[DM_V_NO_CHANGE]    = "no significant change",
	[DM_V_NOISY]	    = "too noisy to tell",
	[DM_V_CHANGED]	    = "changed",
	[DM_V_NOT_COMPARED] = "not compared",
};

/* One side of the comparison: a file, or run files merged. */
struct side {
	const char *path;		/* a file, or files joined by ',' */
	char *label;
	struct dm_results *res;		/* the file, or its runs merged */
	struct dm_results **runs;	/* each run file; runs[0] == res if one */
	size_t nr_runs;
	size_t nr_kernels;		/* distinct kernel builds among runs */
	bool borrowed;			/* runs given by the caller */
	char *owned_path;
};

struct dm_compare {
	struct dm_compare_opts opt;
	bool threshold_given;
	bool ran;
	struct side *in;
	size_t nr_in;
	struct dm_compare_row *rows;
	size_t nr_rows;
	bool env_differs;		/* and opt.force was given */
	bool by_run;			/* a side has several run files */
	bool insn;			/* icount: durations are insn */
	struct side *calib;		/* opt.calibration, or NULL */
	char env_diff[2048];
	char **extras;			/* "only in <label>: ..." */
	size_t nr_extras;
	char *warning;
	char err[DM_COMPARE_ERR_LEN];
};

static void __attribute__((format(printf, 2, 3)))
cerr(struct dm_compare *cmp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmp->err, sizeof(cmp->err), fmt, ap);
	va_end(ap);
}

const char *dm_compare_verdict_name(enum dm_verdict verdict)
{
	return (unsigned int)verdict < DM_V_NR ? verdict_names[verdict] : "?";
}

static bool glob_match(const char *const *globs, size_t nr, const char *s)
{
	size_t i;

	if (nr == 0)
		return true;
	for (i = 0; i < nr; i++)
		if (fnmatch(globs[i], s, 0) == 0)
			return true;
	return false;
}

/* "dir/run-a.json" -> "run-a"; "a1.json,a2.json,a3.json" -> "a1+2". */
static char *default_label(const char *path)
{
	const char *comma = strchr(path, ','), *base;
	size_t len = comma ? (size_t)(comma - path) : strlen(path), more = 0;
	char *label;

	for (base = path + len; base > path && base[-1] != '/'; base--)
		;
	len -= (size_t)(base - path);
	if (len > 5 && strncmp(base + len - 5, ".json", 5) == 0)
		len -= 5;
	for (; comma; comma = strchr(comma + 1, ','))
		more++;
	if (!more)
		return strndup(base, len);
	if (asprintf(&label, "%.*s+%zu", (int)len, base, more) < 0)
		return NULL;
	return label;
}

static int set_labels(struct dm_compare *cmp)
{
	struct side *in = cmp->in;
	size_t n = cmp->nr_in;
	const char *p = cmp->opt.labels;
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);

			if (len == 0) {
				cerr(cmp, "--labels: empty label for %s", in[i].path);
				return -EINVAL;
			}
			in[i].label = strndup(p, len);
			p = comma ? comma + 1 : NULL;
		} else {
			if (cmp->opt.labels) {
				cerr(cmp, "--labels: %zu labels for %zu files", i,
				      n);
				return -EINVAL;
			}
			in[i].label = default_label(in[i].path);
		}
		if (!in[i].label)
			return -ENOMEM;
		/* Two files with the same name in different folders. */
		for (j = 0; j < i; j++) {
			if (strcmp(in[i].label, in[j].label) == 0) {
				if (cmp->opt.labels) {
					cerr(cmp, "--labels: '%s' used twice",
					      in[i].label);
					return -EINVAL;
				}
				free(in[i].label);
				in[i].label = strdup(in[i].path);
				if (!in[i].label)
					return -ENOMEM;
				break;
			}
		}
	}
	if (p) {
		cerr(cmp, "--labels: more labels than the %zu files", n);
		return -EINVAL;
	}
	return 0;
}

static int combine_runs(struct dm_compare *cmp, struct side *in);

/*
 * Load one input: a file, or comma-separated run files (or runs the
 * caller loaded), merged and kept apart for the per-run medians.  The
 * runs must come from one machine (environment); they may be of different
 * builds of a kernel, e.g. the last nights of a nightly history, which the
 * header then says.
 */
static int load_input(struct dm_compare *cmp, struct side *in)
{
	char err[DM_ERR_LEN + 1024], *list, *name, *save = NULL;
	size_t n = 1;
	const char *c;
	int rc;

	if (in->borrowed)
		return combine_runs(cmp, in);
	for (c = in->path; *c; c++)
		n += *c == ',';
	in->runs = calloc(n, sizeof(*in->runs));
	list = strdup(in->path);
	if (!in->runs || !list) {
		free(list);
		cerr(cmp, "out of memory");
		return -ENOMEM;
	}
	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		rc = dm_results_load(name, &in->runs[in->nr_runs], err,
				     sizeof(err));
		if (rc) {
			cerr(cmp, "%s", err);
			free(list);
			return rc;
		}
		in->nr_runs++;
	}
	free(list);
	if (in->nr_runs != n) {
		cerr(cmp, "%s: empty file name in a comma-separated list of runs",
		      in->path);
		return -EINVAL;
	}
	return combine_runs(cmp, in);
}

/* The side's runs as one document, and how many kernel builds they are. */
static int combine_runs(struct dm_compare *cmp, struct side *in)
{
	char err[DM_ERR_LEN + 1024];
	size_t n = in->nr_runs, i;
	int rc;

	in->nr_kernels = 1;
	if (n == 1) {
		in->res = in->runs[0];
		return 0;
	}
	rc = dm_results_merge_scope(in->runs, n, DM_ENV_MACHINE, &in->res, err,
				    sizeof(err));
	if (rc) {
		cerr(cmp, "%s", err);
		return rc;
	}
	for (i = 1; i < n; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (!dm_results_env_diff(in->runs[j], in->runs[i],
						 DM_ENV_MACHINE_AND_KERNEL,
						 NULL, 0))
				break;
		in->nr_kernels += j == i;
	}
	return 0;
}

static int load_inputs(struct dm_compare *cmp, struct side *in, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = load_input(cmp, &in[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static void free_inputs(struct side *in, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; !in[i].borrowed && j < in[i].nr_runs; j++)
			if (in[i].runs[j] != in[i].res)
				dm_results_free(in[i].runs[j]);
		if (!in[i].borrowed || in[i].nr_runs > 1)
			dm_results_free(in[i].res);
		free(in[i].runs);
		free(in[i].label);
		free(in[i].owned_path);
	}
	free(in);
}

int dm_compare_merge_files(char *const *paths, size_t n,
			   const char *out_path, char *errbuf, size_t errlen)
{
	struct dm_results **res, *merged;
	struct dm_compare cmp = { 0 };
	struct side *in;
	size_t i;
	int rc;

	in = calloc(n, sizeof(*in));
	res = calloc(n, sizeof(*res));
	if (!in || !res) {
		free(in);
		free(res);
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		in[i].path = paths[i];
	rc = load_inputs(&cmp, in, n);
	if (rc)
		goto out_free_inputs;
	for (i = 0; i < n; i++)
		res[i] = in[i].res;
	rc = dm_results_merge(res, n, &merged, cmp.err, sizeof(cmp.err));
	if (rc)
		goto out_free_inputs;
	rc = dm_results_write(merged, out_path, cmp.err, sizeof(cmp.err));
	dm_results_free(merged);

out_free_inputs:
	if (rc)
		snprintf(errbuf, errlen, "%s", cmp.err);
	free_inputs(in, n);
	free(res);
	return rc;
}

static int add_extra(struct dm_compare *cmp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_extra(struct dm_compare *cmp, const char *fmt, ...)
{
	char **p, *s;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	p = realloc(cmp->extras, (cmp->nr_extras + 1) * sizeof(*p));
	if (!p) {
		free(s);
		return -ENOMEM;
	}
	cmp->extras = p;
	cmp->extras[cmp->nr_extras++] = s;
	return 0;
}

/* Number of configurations compared: the --pair list, or the baseline's. */
static size_t nr_targets(const struct dm_compare *cmp,
			 const struct dm_results *base)
{
	return cmp->opt.nr_pairs ? cmp->opt.nr_pairs : base->nr_results;
}

/*
 * Target @i: a configuration of the baseline and the id to look for in
 * the revisions (its own id, or the other half of a --pair).
 */
static const struct dm_result *target(const struct dm_compare *cmp,
				      const struct dm_results *base,
				      size_t i, const char **rev_id)
{
	const struct dm_result *b;

	if (!cmp->opt.nr_pairs) {
		b = base->results[i];
		*rev_id = b->id;
		return b;
	}
	b = dm_results_find(base, cmp->opt.pairs[i].base_id);
	*rev_id = cmp->opt.pairs[i].rev_id;
	return b;
}

/* Every --pair must name a configuration of the baseline. */
static int check_pairs(struct dm_compare *cmp)
{
	const struct dm_results *base = cmp->in[0].res;
	size_t i;

	for (i = 0; i < cmp->opt.nr_pairs; i++) {
		if (!dm_results_find(base, cmp->opt.pairs[i].base_id)) {
			cerr(cmp, "--pair: configuration '%s' is not in %s",
			      cmp->opt.pairs[i].base_id, cmp->in[0].path);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Refuse what cannot be compared: other machines, accelerators, tracing;
 * the same id with a different configuration (unless paired on purpose
 * with --pair); a metric whose unit or direction changed.  --force
 * downgrades the first two to a warning.
 */
static int check_comparable(struct dm_compare *cmp)
{
	const struct dm_results *base = cmp->in[0].res;
	size_t i, j, k, used = 0;
	int rc = check_pairs(cmp);

	if (rc)
		return rc;

	for (i = 1; i < cmp->nr_in; i++) {
		const struct dm_results *rev = cmp->in[i].res;
		char diff[1024];

		if (dm_results_env_diff(base, rev, DM_ENV_MACHINE, diff,
					sizeof(diff))) {
			int n = snprintf(cmp->env_diff + used,
					 sizeof(cmp->env_diff) - used, "%s",
					 diff);

			if (n > 0 && used + (size_t)n < sizeof(cmp->env_diff))
				used += (size_t)n;
			rc = -EINVAL;
		}
		for (j = 0; j < nr_targets(cmp, base); j++) {
			const char *rev_id;
			const struct dm_result *b = target(cmp, base, j, &rev_id);
			const struct dm_result *r = dm_results_find(rev, rev_id);

			if (!r)
				continue;
			if (!cmp->opt.nr_pairs &&
			    !json_object_equal(b->config, r->config)) {
				int n = snprintf(cmp->env_diff + used,
						 sizeof(cmp->env_diff) - used,
						 "results[id=%s].config differs between %s and %s\n",
						 b->id, base->name, rev->name);

				if (n > 0 && used + (size_t)n < sizeof(cmp->env_diff))
					used += (size_t)n;
				rc = -EINVAL;
			}
			for (k = 0; k < b->nr_metrics; k++) {
				const struct dm_metric *mb = &b->metrics[k];
				const struct dm_metric *mr;

				mr = dm_result_find_metric(r, mb->name);
				/* Refused for the environment already. */
				if (rc && !cmp->opt.force)
					continue;
				if (mr && (mr->unit != mb->unit ||
					   mr->better != mb->better)) {
					cerr(cmp, "results[id=%s].metrics.%s: unit/better is %s/%s in %s but %s/%s in %s; cannot compare",
					      b->id, mb->name,
					      dm_unit_name(mb->unit),
					      dm_better_name(mb->better),
					      base->name,
					      dm_unit_name(mr->unit),
					      dm_better_name(mr->better),
					      rev->name);
					return -EDOM;
				}
			}
		}
	}
	if (rc && !cmp->opt.force) {
		cerr(cmp, "refusing to compare results from different environments (--force to override):\n%s",
		      cmp->env_diff);
		return rc;
	}
	if (rc) {
		if (asprintf(&cmp->warning, "warning: comparing different environments (--force):\n%s",
			     cmp->env_diff) < 0) {
			cmp->warning = NULL;
			return -ENOMEM;
		}
		cmp->env_differs = true;
	}
	return 0;
}

/* Seed for one (configuration, metric, file) so rows are independent of order. */
static uint64_t row_seed(const struct dm_compare_opts *o, const char *id,
			 const char *metric, size_t file, unsigned int which)
{
	uint64_t s = dm_seed_mix(dm_seed_mix(o->seed, id), metric);

	return s + 4 * file + which;
}

void dm_compare_median_ci(const struct dm_compare_opts *opts,
			  const char *config_id, const struct dm_metric *m,
			  size_t side, double *lo, double *hi)
{
	int rc;

	*lo = *hi = NAN;
	rc = dm_stats_bootstrap_median_ci(m->samples, m->n, opts->resamples,
					  opts->confidence,
					  row_seed(opts, config_id, m->name,
						   side, 0),
					  lo, hi);
	if (rc && rc != -EDOM)
		*lo = *hi = NAN;
}

static void median_ci(const struct dm_compare *cmp, struct dm_compare_cell *c,
		      const char *id, size_t file)
{
	dm_compare_median_ci(&cmp->opt, id, c->m, file, &c->lo, &c->hi);
}

/*
 * The median of metric @name of configuration @id in each run of @in that
 * has samples of it; returns how many were stored in @out.  *@floor gets
 * the mean sampling variance of those medians, from each run's bootstrap
 * interval of its median (half-width / z): the least the medians of
 * several runs can vary, whatever a few of them happen to show.
 */
static size_t run_medians(const struct dm_compare *cmp,
			  const struct side *in, const char *id,
			  const char *name, uint64_t seed, double *out,
			  double *floor)
{
	double z = dm_stats_t_crit(1.0 - cmp->opt.confidence, 1e12);
	double sum = 0.0, lo, hi, sd;
	size_t i, k = 0;

	for (i = 0; i < in->nr_runs; i++) {
		const struct dm_result *r = dm_results_find(in->runs[i], id);
		const struct dm_metric *m;

		if (!r || r->skipped)
			continue;
		m = dm_result_find_metric(r, name);
		if (!m || !m->n)
			continue;
		out[k++] = m->summary.median;
		if (dm_stats_bootstrap_median_ci(m->samples, m->n,
						 cmp->opt.resamples,
						 cmp->opt.confidence,
						 seed + 1000003ULL * i, &lo,
						 &hi))
			continue;
		sd = (hi - lo) / (2.0 * z);
		sum += sd * sd;
	}
	*floor = k ? sum / (double)k : 0.0;
	return k;
}

/* @d relative to @base, as dm_stats_relative_change() does it. */
static double relative(double d, double base)
{
	if (isnan(d) || isnan(base))
		return NAN;
	if (base == 0.0)
		return d == 0.0 ? 0.0 : d > 0.0 ? INFINITY : -INFINITY;
	return d / fabs(base);
}

/*
 * Run by run: Welch's t-test on the per-run medians, each side's variance
 * at least the sampling variance of one run's median (see run_medians():
 * remove times quantised to 4 ms timer ticks under TCG gave two runs a
 * side with medians 0.1 ms apart and 16 ms between the sides, in an A/A).
 * The change and its interval are those of the mean of the per-run
 * medians.  Too few runs leave p NAN; decide() then says so.
 *
 * Run medians without any spread prove a difference (or its absence) only
 * if the cycles have none either, e.g. memmap_pages, the same every
 * cycle.  Medians of a few runs of a quantised metric (MemFree moves in
 * 4 KiB pages) can coincide by chance while the cycles vary; then the
 * spread between runs is unknown, not zero, and p is left NAN too.
 */
static int compare_runs(const struct dm_compare *cmp, const struct dm_compare_row *row,
			struct dm_compare_cell *c, size_t file)
{
	const char *name = row->metric->name;
	double *xb, *xr, mean_b = 0.0, floor_b, floor_r;
	struct dm_welch w;
	size_t i;
	int rc;

	xb = calloc(cmp->in[0].nr_runs + 1, sizeof(*xb));
	xr = calloc(cmp->in[file].nr_runs + 1, sizeof(*xr));
	if (!xb || !xr) {
		free(xb);
		free(xr);
		return -ENOMEM;
	}
	c->test = DM_TEST_WELCH_RUNS;
	c->runs_base = run_medians(cmp, &cmp->in[0], row->config->id, name,
				   row_seed(&cmp->opt, row->config->id, name, 0, 2), xb,
				   &floor_b);
	c->runs_rev = run_medians(cmp, &cmp->in[file], row->rev_id, name,
				  row_seed(&cmp->opt, row->config->id, name, file, 2), xr,
				  &floor_r);
	c->mw.u = c->mw.z = c->mw.p = c->t = c->df = NAN;
	c->mw.exact = false;
	rc = dm_stats_welch_floor(xb, c->runs_base, floor_b, xr, c->runs_rev,
				  floor_r, cmp->opt.confidence, &w);
	if (rc == 0 && w.lo == w.hi &&
	    (row->metric->summary.min != row->metric->summary.max ||
	     c->m->summary.min != c->m->summary.max)) {
		c->tied_medians = true;
	} else if (rc == 0) {
		for (i = 0; i < c->runs_base; i++)
			mean_b += xb[i] / (double)c->runs_base;
		c->change = relative(w.diff, mean_b);
		c->change_lo = relative(w.lo, mean_b);
		c->change_hi = relative(w.hi, mean_b);
		c->mw.p = w.p;
		c->t = w.t;
		c->df = w.df;
	} else if (rc == -EDOM) {
		rc = 0;
	}
	free(xb);
	free(xr);
	return rc;
}

/* Everything but the verdict, which needs the adjusted p of all rows. */
static int compare_cell(const struct dm_compare *cmp, const struct dm_compare_row *row,
			struct dm_compare_cell *c, size_t file)
{
	const struct dm_compare_cell *base = &row->cells[0];
	const struct dm_metric *b = base->m, *m = c->m;
	const char *id = row->config->id;
	int rc;

	median_ci(cmp, c, id, file);
	c->change = dm_stats_relative_change(b->summary.median,
					     m->summary.median);
	c->change_lo = c->change_hi = NAN;
	rc = dm_stats_bootstrap_change_ci(b->samples, b->n, m->samples, m->n,
					  cmp->opt.resamples, cmp->opt.confidence,
					  row_seed(&cmp->opt, id, m->name, file, 1),
					  &c->change_lo, &c->change_hi);
	if (rc && rc != -EDOM)
		return rc;
	rc = dm_stats_mann_whitney(m->samples, m->n, b->samples, b->n, &c->mw);
	if (rc)
		return rc;
	c->p_adj = c->mw.p;
	rc = dm_stats_hodges_lehmann(b->samples, b->n, m->samples, m->n,
				     &c->hl);
	if (rc == -E2BIG)
		c->hl = NAN;
	else if (rc)
		return rc;
	if (cmp->by_run)
		return compare_runs(cmp, row, c, file);
	return 0;
}

/* Enough runs for Welch's test to say anything: 2 a side, or 3 against 1. */
static bool enough_runs(size_t nb, size_t nr)
{
	return (nb >= 2 && nr >= 2) || (nb == 1 && nr >= 3) ||
	       (nr == 1 && nb >= 3);
}

static void fmt_pct(char *buf, size_t len, double f)
{
	if (isnan(f))
		snprintf(buf, len, "n/a");
	else if (isinf(f))
		snprintf(buf, len, "%sinf", f > 0 ? "+" : "-");
	else
		snprintf(buf, len, "%+.1f%%", f * 100.0);
}

/*
 * Fewest samples per side for any verdict.  Two conditions, both about the
 * data being able to answer at all: the Mann-Whitney test must be able to
 * reach p < alpha (2 / C(2n, n) < alpha: n >= 4 at 95%), and a
 * distribution-free interval for the median must exist at the level, i.e.
 * [min, max] of n samples covers the median with probability 1 - 2^(1-n)
 * >= LEVEL (n >= 6 at 95%, 8 at 99%).  Below that a percentile bootstrap
 * of the median is known to undercover, so "no significant change" would
 * claim more than the data holds.
 */
static size_t min_samples(const struct dm_compare *cmp)
{
	size_t n = (size_t)ceil(log2(2.0 / (1.0 - cmp->opt.confidence)));

	while (dm_stats_mann_whitney_min_p(n, n) >= 1.0 - cmp->opt.confidence)
		n++;
	return n;
}

/* Every cycle the same value, and enough cycles to say so. */
static bool exact_side(const struct dm_metric *m)
{
	return m->n >= EXACT_MIN_N && m->summary.min == m->summary.max;
}

/* (max - min) / |median| of the cycles, or NAN if it cannot be had. */
static double side_spread(const struct dm_metric *m)
{
	if (m->n < EXACT_MIN_N || m->summary.median == 0.0 ||
	    !isfinite(m->summary.median))
		return NAN;
	return (m->summary.max - m->summary.min) / fabs(m->summary.median);
}

/* Verdict from an oriented ("worse" is positive) change and its bounds. */
static void flag(struct dm_compare_cell *c, enum dm_better better, double change)
{
	if (better == DM_BETTER_NONE)
		c->verdict = DM_V_CHANGED;
	else
		c->verdict = (better == DM_BETTER_HIGHER ? -change : change) > 0 ?
			     DM_V_REGRESSED : DM_V_IMPROVED;
}

/*
 * Samples without spread need no statistics, and a test on them would
 * divide zero by zero or call them "too noisy".
 *
 * Exact (any accel): each side's cycles all equal, EXACT_MIN_N or more
 * a side.  The change is exact, its interval [d, d]; equal values are
 * "no significant change", a change of at least @t is flagged, a smaller
 * one is "no significant change".
 *
 * Near-exact (tcg-icount only, where the guest clock counts
 * instructions and a cycle varies only by the interrupts that land in
 * it): each side's (max - min) / median is at most NEAR_EXACT_FRACTION
 * of @t.  The interval is the range of differences between any cycle of
 * one side and any of the other, [min_r - max_b, max_r - min_b] relative
 * to the baseline's median: inside +/-@t is "no significant change",
 * wholly beyond it is flagged, anything else "too noisy to tell".  It is
 * a bound on the data at hand, not a confidence interval: with one boot
 * a side it says nothing about how the boots differ, which is what
 * --calibration (or several runs a side) adds.
 *
 * Returns true if it decided.
 */
static bool judge_exact(const struct dm_compare *cmp, struct dm_compare_cell *c,
			const struct dm_compare_row *row, double t)
{
	const struct dm_metric *b = row->cells[0].m, *m = c->m;
	double mb = b->summary.median, lo, hi, sb, sr;
	char l[24], h[24];

	if (exact_side(b) && exact_side(m)) {
		c->by = DM_BY_EXACT;
		c->change = c->change_lo = c->change_hi =
			relative(m->summary.median - mb, mb);
		if (m->summary.median == mb) {
			c->change = c->change_lo = c->change_hi = 0.0;
			c->verdict = DM_V_NO_CHANGE;
			snprintf(c->note, sizeof(c->note),
				 "exact: every cycle the same on both sides");
		} else if (fabs(c->change) >= t) {
			flag(c, b->better, c->change);
			snprintf(c->note, sizeof(c->note),
				 "exact: every cycle the same on each side");
		} else {
			c->verdict = DM_V_NO_CHANGE;
			snprintf(c->note, sizeof(c->note),
				 "exact, but smaller than %.3g%%", t * 100.0);
		}
		return true;
	}
	if (!cmp->insn)
		return false;
	sb = side_spread(b);
	sr = side_spread(m);
	if (!(sb <= NEAR_EXACT_FRACTION * t) ||
	    !(sr <= NEAR_EXACT_FRACTION * t))
		return false;
	c->by = DM_BY_RANGE;
	lo = relative(m->summary.min - b->summary.max, mb);
	hi = relative(m->summary.max - b->summary.min, mb);
	c->change = relative(m->summary.median - mb, mb);
	c->change_lo = lo;
	c->change_hi = hi;
	if (lo > -t && hi < t) {
		c->verdict = DM_V_NO_CHANGE;
		snprintf(c->note, sizeof(c->note),
			 "near-exact: cycles spread %.2g%%/%.2g%%, every difference within %.3g%%",
			 sb * 100.0, sr * 100.0, t * 100.0);
	} else if (lo >= t || hi <= -t) {
		flag(c, b->better, c->change);
		snprintf(c->note, sizeof(c->note),
			 "near-exact: cycles spread %.2g%%/%.2g%%, every difference beyond %.3g%%",
			 sb * 100.0, sr * 100.0, t * 100.0);
	} else {
		c->verdict = DM_V_NOISY;
		fmt_pct(l, sizeof(l), lo);
		fmt_pct(h, sizeof(h), hi);
		snprintf(c->note, sizeof(c->note),
			 "near-exact, but the differences [%s, %s] reach past +/-%.3g%%",
			 l, h, t * 100.0);
	}
	return true;
}

/* The threshold of a row: the global one, or its calibrated allowance. */
static double row_threshold(const struct dm_compare *cmp,
			    const struct dm_compare_row *row)
{
	return row->calib_allow > cmp->opt.threshold ? row->calib_allow :
	       cmp->opt.threshold;
}

/* Say that the calibrated spread, not the threshold, decided. */
static void note_calibration(const struct dm_compare *cmp,
			     struct dm_compare_cell *c,
			     const struct dm_compare_row *row)
{
	size_t len = strlen(c->note);

	if (!(row->calib_allow > cmp->opt.threshold))
		return;
	snprintf(c->note + len, sizeof(c->note) - len,
		 "%sthreshold raised to the calibrated %.3g%%",
		 len ? "; " : "", row->calib_allow * 100.0);
}

/* The test's verdict: p against 1 - LEVEL, the change's CI against @t. */
static void decide_test(const struct dm_compare *cmp,
			struct dm_compare_cell *c, const struct dm_metric *b,
			const struct dm_metric *m, double t)
{
	double alpha = 1.0 - cmp->opt.confidence;
	double minp = dm_stats_mann_whitney_min_p(b->n, m->n);
	size_t min_n = min_samples(cmp);
	double worse_lo = c->change_lo, worse_hi = c->change_hi;
	bool significant = c->p_adj < alpha;
	char lo[24], hi[24];

	if (c->test == DM_TEST_WELCH_RUNS) {
		if (!enough_runs(c->runs_base, c->runs_rev) || isnan(c->p_adj)) {
			c->verdict = DM_V_NOISY;
			if (c->tied_medians)
				snprintf(c->note, sizeof(c->note),
					 "the run medians do not vary but the cycles do: no spread between runs to judge from");
			else
				snprintf(c->note, sizeof(c->note),
					 "too few runs (%zu/%zu): 2 per side, or 3 against 1, needed",
					 c->runs_base, c->runs_rev);
			return;
		}
	} else if (b->n < min_n || m->n < min_n || minp >= alpha) {
		c->verdict = DM_V_NOISY;
		snprintf(c->note, sizeof(c->note),
			 "too few samples (n=%zu/%zu): %zu per side needed at %.3g%%",
			 b->n, m->n, min_n, cmp->opt.confidence * 100.0);
		return;
	}
	if (b->better == DM_BETTER_HIGHER) {
		worse_lo = -c->change_hi;
		worse_hi = -c->change_lo;
	}

	if (significant && fabs(c->change) >= t) {
		flag(c, b->better, c->change);
		return;
	}
	fmt_pct(lo, sizeof(lo), c->change_lo);
	fmt_pct(hi, sizeof(hi), c->change_hi);
	if (worse_lo > -t && worse_hi < t) {
		c->verdict = DM_V_NO_CHANGE;
		if (significant)
			snprintf(c->note, sizeof(c->note),
				 "significant but smaller than %.3g%%",
				 t * 100.0);
		return;
	}
	c->verdict = DM_V_NOISY;
	snprintf(c->note, sizeof(c->note), "%s, yet the %.3g%% CI [%s, %s] reaches past +/-%.3g%%",
		 significant ? "significant but small" : "not significant",
		 cmp->opt.confidence * 100.0, lo, hi, t * 100.0);
}

/*
 * The verdict of a revision's cell, once its p has been adjusted: exact
 * and near-exact rows by their exact change or range (judge_exact()),
 * the others by the test; with --calibration, against the larger of the
 * threshold and the row's calibrated spread.
 */
static void decide(const struct dm_compare *cmp, struct dm_compare_cell *c,
		   const struct dm_compare_row *row)
{
	double t = row_threshold(cmp, row);

	c->by = DM_BY_TEST;
	if (!judge_exact(cmp, c, row, t))
		decide_test(cmp, c, row->cells[0].m, c->m, t);
	note_calibration(cmp, c, row);
}

/*
 * --calibration: runs of one kernel in perturbed boots, on the baseline's
 * machine and accelerator (anything else measures another spread).
 */
static int load_calibration(struct dm_compare *cmp)
{
	char diff[1024];

	cmp->calib = calloc(1, sizeof(*cmp->calib));
	if (!cmp->calib)
		return -ENOMEM;
	cmp->calib->path = cmp->opt.calibration;
	cmp->calib->label = strdup("calibration");
	if (!cmp->calib->label)
		return -ENOMEM;
	if (load_input(cmp, cmp->calib))
		return -EINVAL;
	if (cmp->calib->nr_runs < 2) {
		cerr(cmp, "--calibration: %s is one run; give 2 or more runs (comma-separated), one boot each",
		      cmp->opt.calibration);
		return -EINVAL;
	}
	if (dm_results_env_diff(cmp->in[0].res, cmp->calib->res,
				DM_ENV_MACHINE, diff, sizeof(diff))) {
		cerr(cmp, "--calibration: the runs come from another environment than the baseline:\n%s",
		      diff);
		return -EINVAL;
	}
	return 0;
}

/*
 * The change two boots of one kernel may show, from the range S of K
 * boots' medians: modelling a boot's shift as normal with deviation s,
 * S / d2(K) estimates s (d2: the expected range of K normal samples, in
 * units of s), and the difference of two new boots stays within
 * 1.96 * sqrt(2) * s at 95%.  Never below S itself: 2.46 S for K = 2,
 * 1.64 S for 3, 1.19 S for 5, S from 9 boots on.
 */
static double calib_allowance(double spread, size_t k)
{
	static const double d2[] = {
		0.0, 0.0, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847,
		2.970, 3.078,
	};
	double f;

	if (k < 2 || isnan(spread))
		return NAN;
	f = 1.96 * M_SQRT2 / d2[k < 10 ? k : 10];
	return spread * (f > 1.0 ? f : 1.0);
}

/* The spread of @row's run medians over the calibration runs. */
static void calibrate_row(const struct dm_compare *cmp, struct dm_compare_row *row)
{
	const char *name = row->metric->name;
	double *x, floor, mean = 0.0, min, max;
	size_t k, i;

	row->calib = row->calib_allow = NAN;
	row->calib_runs = 0;
	if (!cmp->calib)
		return;
	x = calloc(cmp->calib->nr_runs + 1, sizeof(*x));
	if (!x)
		return;
	k = run_medians(cmp, cmp->calib, row->config->id, name,
			row_seed(&cmp->opt, row->config->id, name, 0, 3), x, &floor);
	row->calib_runs = k;
	if (k >= 2) {
		min = max = x[0];
		for (i = 0; i < k; i++) {
			mean += x[i] / (double)k;
			min = x[i] < min ? x[i] : min;
			max = x[i] > max ? x[i] : max;
		}
		row->calib = max == min ? 0.0 : mean != 0.0 ?
			     (max - min) / fabs(mean) : INFINITY;
		row->calib_allow = calib_allowance(row->calib, k);
		if (row->calib == 0.0)
			snprintf(row->cells[0].note, sizeof(row->cells[0].note),
				 "calibration: exact over %zu boots", k);
		else
			snprintf(row->cells[0].note, sizeof(row->cells[0].note),
				 "calibration: run medians spread %.3g%% over %zu boots; two boots may differ by %.3g%%",
				 row->calib * 100.0, k,
				 row->calib_allow * 100.0);
	}
	free(x);
}

static int build_rows(struct dm_compare *cmp)
{
	const struct dm_results *base = cmp->in[0].res;
	size_t i, j, k, f, alloc = 0;
	int rc;

	for (i = 0; i < nr_targets(cmp, base); i++) {
		const char *rev_id;
		const struct dm_result *br = target(cmp, base, i, &rev_id);

		if (!glob_match(cmp->opt.config_globs, cmp->opt.nr_config_globs,
				br->id))
			continue;
		if (br->skipped &&
		    add_extra(cmp, "configuration %s skipped in %s: %s",
			      br->id, cmp->in[0].label, br->skipped))
			return -ENOMEM;
		for (j = 0; j < br->nr_metrics; j++) {
			const struct dm_metric *bm = &br->metrics[j];
			struct dm_compare_row *row;

			if (!glob_match(cmp->opt.metric_globs,
					cmp->opt.nr_metric_globs, bm->name))
				continue;
			if (cmp->nr_rows == alloc) {
				struct dm_compare_row *p;

				alloc = alloc ? alloc * 2 : 32;
				p = realloc(cmp->rows, alloc * sizeof(*p));
				if (!p)
					return -ENOMEM;
				cmp->rows = p;
			}
			row = &cmp->rows[cmp->nr_rows];
			row->config = br;
			row->rev_id = rev_id;
			row->metric = bm;
			row->cells = calloc(cmp->nr_in, sizeof(*row->cells));
			if (!row->cells)
				return -ENOMEM;
			cmp->nr_rows++;

			row->cells[0].m = bm;
			row->cells[0].verdict = DM_V_BASE;
			median_ci(cmp, &row->cells[0], br->id, 0);
			calibrate_row(cmp, row);

			for (f = 1; f < cmp->nr_in; f++) {
				struct dm_compare_cell *c = &row->cells[f];
				const struct dm_result *r;

				c->verdict = DM_V_NOT_COMPARED;
				c->p_adj = c->mw.p = NAN;
				c->lo = c->hi = c->change = NAN;
				c->change_lo = c->change_hi = c->hl = NAN;
				r = dm_results_find(cmp->in[f].res, rev_id);
				if (!r) {
					snprintf(c->note, sizeof(c->note),
						 "configuration missing");
					continue;
				}
				if (r->skipped || br->skipped) {
					snprintf(c->note, sizeof(c->note),
						 "skipped in %s",
						 r->skipped ? cmp->in[f].label :
						 cmp->in[0].label);
					continue;
				}
				c->m = dm_result_find_metric(r, bm->name);
				if (!c->m) {
					snprintf(c->note, sizeof(c->note),
						 "metric missing");
					continue;
				}
				if (c->m->n == 0 || bm->n == 0) {
					snprintf(c->note, sizeof(c->note),
						 "no samples");
					continue;
				}
				rc = compare_cell(cmp, row, c, f);
				if (rc)
					return rc;
				c->compared = true;
			}
		}
	}

	/* What a revision has that the baseline does not. */
	for (f = 1; !cmp->opt.nr_pairs && f < cmp->nr_in; f++) {
		const struct dm_results *rev = cmp->in[f].res;

		for (i = 0; i < rev->nr_results; i++) {
			const struct dm_result *r = rev->results[i];
			const struct dm_result *br = dm_results_find(base, r->id);

			if (!glob_match(cmp->opt.config_globs,
					cmp->opt.nr_config_globs, r->id))
				continue;
			if (!br) {
				if (add_extra(cmp, "configuration %s only in %s",
					      r->id, cmp->in[f].label))
					return -ENOMEM;
				continue;
			}
			for (k = 0; k < r->nr_metrics; k++) {
				const char *name = r->metrics[k].name;

				if (glob_match(cmp->opt.metric_globs,
					       cmp->opt.nr_metric_globs, name) &&
				    !dm_result_find_metric(br, name) &&
				    add_extra(cmp, "metric %s of %s only in %s",
					      name, r->id, cmp->in[f].label))
					return -ENOMEM;
			}
		}
	}
	return 0;
}

/* Adjust each revision's p-values over its rows, then decide. */
static int decide_all(struct dm_compare *cmp)
{
	double *p;
	size_t f, i;
	int rc;

	p = malloc((cmp->nr_rows + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (f = 1; f < cmp->nr_in; f++) {
		for (i = 0; i < cmp->nr_rows; i++) {
			const struct dm_compare_cell *c = &cmp->rows[i].cells[f];

			p[i] = c->compared ? c->mw.p : NAN;
		}
		rc = dm_stats_p_adjust(p, cmp->nr_rows, cmp->opt.correction);
		if (rc) {
			free(p);
			return rc;
		}
		for (i = 0; i < cmp->nr_rows; i++) {
			struct dm_compare_row *row = &cmp->rows[i];
			struct dm_compare_cell *c = &row->cells[f];

			/* NAN: a run-level test without enough runs. */
			if (!c->compared)
				continue;
			c->p_adj = p[i];
			decide(cmp, c, row);
		}
	}
	free(p);
	return 0;
}

struct rev_summary {
	size_t count[DM_V_NR];
	size_t nr_ratios;
	double gmean;		/* oriented: < 1 is better */
};

static int summarize_rev(const struct dm_compare *cmp, size_t f,
			 struct rev_summary *s)
{
	double *ratio;
	size_t i;

	memset(s, 0, sizeof(*s));
	ratio = malloc((cmp->nr_rows + 1) * sizeof(*ratio));
	if (!ratio)
		return -ENOMEM;
	for (i = 0; i < cmp->nr_rows; i++) {
		const struct dm_compare_cell *c = &cmp->rows[i].cells[f];
		const struct dm_metric *b = cmp->rows[i].cells[0].m;
		double mb, mr;

		s->count[c->verdict]++;
		if (c->verdict == DM_V_NOT_COMPARED ||
		    b->better == DM_BETTER_NONE)
			continue;
		mb = b->summary.median;
		mr = c->m->summary.median;
		if (!(mb > 0.0) || !(mr > 0.0))
			continue;
		ratio[s->nr_ratios++] = b->better == DM_BETTER_LOWER ?
					mr / mb : mb / mr;
	}
	s->gmean = dm_stats_geomean(ratio, s->nr_ratios);
	free(ratio);
	return 0;
}

/* Display scale of a row, chosen from the baseline's median. */
struct scale {
	double div;
	const char *suffix;
	int prec;
};

static struct scale pick_scale(enum dm_unit unit, double ref)
{
	struct dm_scale u = dm_unit_scale(unit, ref);
	struct scale sc = { u.div, u.suffix, 3 };
	double a = isfinite(ref) ? fabs(ref) : 0.0, scaled;

	scaled = a / sc.div;
	sc.prec = scaled < 10.0 ? 3 : scaled < 100.0 ? 2 : scaled < 1000.0 ?
		  1 : 0;
	/* Whole ns, pages or bytes need no decimals unless scaled. */
	if (dm_unit_is_integer(unit) && sc.div == 1.0)
		sc.prec = ref == floor(ref) ? 0 : 1;
	return sc;
}

static void fmt_value(char *buf, size_t len, double v, const struct scale *sc)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.*f", sc->prec, v / sc->div);
}

/* "1.234 [1.201, 1.262] ms" */
static void fmt_median(char *buf, size_t len, const struct dm_compare_cell *c,
		       const struct scale *sc)
{
	char m[32], lo[32], hi[32];

	fmt_value(m, sizeof(m), c->m->summary.median, sc);
	if (isnan(c->lo)) {
		snprintf(buf, len, "%s%s%s", m, *sc->suffix ? " " : "",
			 sc->suffix);
		return;
	}
	fmt_value(lo, sizeof(lo), c->lo, sc);
	fmt_value(hi, sizeof(hi), c->hi, sc);
	snprintf(buf, len, "%s [%s, %s]%s%s", m, lo, hi, *sc->suffix ? " " : "",
		 sc->suffix);
}

/* "+24.0% worse [+21.0%, +27.1%]" */
static void fmt_change(char *buf, size_t len, const struct dm_compare_cell *c,
		       enum dm_better better)
{
	char ch[24], lo[24], hi[24];
	const char *dir = "";

	fmt_pct(ch, sizeof(ch), c->change);
	fmt_pct(lo, sizeof(lo), c->change_lo);
	fmt_pct(hi, sizeof(hi), c->change_hi);
	if (better != DM_BETTER_NONE && c->change != 0.0 && !isnan(c->change)) {
		bool up = c->change > 0.0;

		dir = up == (better == DM_BETTER_LOWER) ? " worse" : " better";
	}
	if (isnan(c->change_lo))
		snprintf(buf, len, "%s%s", ch, dir);
	else
		snprintf(buf, len, "%s%s [%s, %s]", ch, dir, lo, hi);
}

static void fmt_p(char *buf, size_t len, double p)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p < 0.001)
		snprintf(buf, len, "<0.001");
	else
		snprintf(buf, len, "%.3f", p);
}

static const char *correction_name(const struct dm_compare *cmp)
{
	switch (cmp->opt.correction) {
	case DM_P_ADJUST_HOLM:
		return "holm";
	case DM_P_ADJUST_BH:
		return "bh";
	default:
		return "none";
	}
}

/* "4 KiB", "2 MiB", "1.5 GiB" */
static void fmt_bytes(char *buf, size_t len, double v)
{
	static const char *const sfx[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (i < 4 && fabs(v) >= 1024.0) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, len, "%.*f %s", v == floor(v) ? 0 : 1, v, sfx[i]);
}

/* Append ", " (unless first) and @text to @buf, truncating. */
static void append_part(char *buf, size_t len, size_t *used,
			const char *text)
{
	int n;

	if (*used >= len)
		return;
	n = snprintf(buf + *used, len - *used, "%s%s", *used ? ", " : "",
		     text);
	if (n > 0)
		*used += (size_t)n;
}

/* A config value: sizes of *_bytes keys scaled, the rest as JSON has it. */
static void fmt_config_value(char *buf, size_t len, const char *key,
			     json_object *v)
{
	size_t kl = strlen(key);

	if (kl > 6 && !strcmp(key + kl - 6, "_bytes") &&
	    json_object_is_type(v, json_type_int))
		fmt_bytes(buf, len, json_object_get_double(v));
	else
		snprintf(buf, len, "%s", v ? json_object_get_string(v) : "null");
}

/*
 * Any workload's config, generically: "workload NAME" unless it is the
 * schema's default, then the namespace fields in words ("devdax, memmap
 * in mem, align 2 MiB, size 1 GiB, driver sysfs"), then "key=value" for
 * every other key, in the file's order.
 */
void dm_compare_fmt_config(char *buf, size_t len, const struct dm_result *r)
{
	static const struct {
		const char *key;
		const char *prefix;
	} ns[] = {
		{ "mode", "" },
		{ "map", "memmap in " },
		{ "align_bytes", "align " },
		{ "size_bytes", "size " },
		{ "driver", "driver " },
	};
	char text[256], val[160];
	size_t used = 0, i;
	json_object *o;

	if (len)
		buf[0] = '\0';
	if (r->workload && strcmp(r->workload, DM_DEFAULT_WORKLOAD)) {
		snprintf(text, sizeof(text), "workload %s", r->workload);
		append_part(buf, len, &used, text);
	}
	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		if (!json_object_object_get_ex(r->config, ns[i].key, &o))
			continue;
		fmt_config_value(val, sizeof(val), ns[i].key, o);
		snprintf(text, sizeof(text), "%s%s", ns[i].prefix, val);
		append_part(buf, len, &used, text);
	}
	json_object_object_foreach(r->config, key, v) {
		for (i = 0; i < ARRAY_SIZE(ns); i++)
			if (!strcmp(key, ns[i].key))
				break;
		if (i < ARRAY_SIZE(ns) || !strcmp(key, "workload"))
			continue;
		fmt_config_value(val, sizeof(val), key, v);
		snprintf(text, sizeof(text), "%s=%s", key, val);
		append_part(buf, len, &used, text);
	}
}

static const char *env_str(const struct dm_results *res, const char *a,
			   const char *b)
{
	json_object *o;

	if (!json_object_object_get_ex(res->environment, a, &o))
		return "?";
	if (b && !json_object_object_get_ex(o, b, &o))
		return "?";
	return o ? json_object_get_string(o) : "-";
}

/* Table output: one block per configuration, one line per file. */
#define NR_COLS 7

struct line {
	const struct dm_compare_row *title;	/* a configuration heading, or NULL */
	char *cell[NR_COLS];
};

/* How many rows the calibration found exact, spread, or unknown. */
static void print_calibration(const struct dm_compare *cmp, FILE *out,
			      const char *prefix)
{
	size_t i, exact = 0, within = 0, above = 0, unknown = 0;

	for (i = 0; i < cmp->nr_rows; i++) {
		double s = cmp->rows[i].calib;

		if (isnan(s))
			unknown++;
		else if (s == 0.0)
			exact++;
		else if (cmp->rows[i].calib_allow <= cmp->opt.threshold)
			within++;
		else
			above++;
	}
	fprintf(out, "%scalibration: %zu perturbed boots (%s); rows: %zu exact between boots, %zu within the threshold, %zu moving by more (judged against what two boots may differ by), %zu not in the calibration\n",
		prefix, cmp->calib->nr_runs, cmp->calib->path, exact, within,
		above, unknown);
}

static void print_header(const struct dm_compare *cmp, FILE *out,
			 const char *prefix)
{
	const struct dm_results *base = cmp->in[0].res;
	char mem[32];
	size_t i;

	fprintf(out, "%sdevmem-compare: threshold %.3g%%%s, confidence %.3g%%, %s correction over each revision's rows, %u bootstrap resamples\n",
		prefix, cmp->opt.threshold * 100.0,
		cmp->threshold_given ? "" : cmp->insn ?
			" (the tcg-icount default)" : " (the default)",
		cmp->opt.confidence * 100.0, correction_name(cmp), cmp->opt.resamples);
	fmt_bytes(mem, sizeof(mem),
		  strtod(env_str(base, "memory_bytes", NULL), NULL));
	fprintf(out, "%senvironment: %s, %s x %s CPUs, %s memory, tracing %s, qemu %s\n",
		prefix, env_str(base, "accel", NULL),
		env_str(base, "cpu", "model"), env_str(base, "cpu", "count"),
		mem, env_str(base, "tracing", NULL),
		env_str(base, "qemu", "version"));
	if (cmp->insn)
		fprintf(out, "%sunits: QEMU icount, shift %s: durations are guest instructions (insn; 1 insn = 1 ns of virtual time); cache and memory-bandwidth effects are not in them\n",
			prefix, env_str(base, "icount_shift", NULL));
	if (cmp->calib)
		print_calibration(cmp, out, prefix);
	for (i = 0; i < cmp->nr_in; i++) {
		const struct dm_results *r = cmp->in[i].res;

		fprintf(out, "%s%-8s %s: kernel %s (%s%s%s%s%s), %s, %lld round%s%s\n",
			prefix, i ? "revision" : "baseline", cmp->in[i].label,
			env_str(r, "kernel", "release"),
			env_str(r, "kernel", "name"),
			strcmp(env_str(r, "kernel", "series"), "-") ? " " : "",
			strcmp(env_str(r, "kernel", "series"), "-") ?
				env_str(r, "kernel", "series") : "",
			strcmp(env_str(r, "kernel", "revision"), "-") ? " " : "",
			strcmp(env_str(r, "kernel", "revision"), "-") ?
				env_str(r, "kernel", "revision") : "",
			r->timestamp, (long long)r->rounds,
			r->rounds == 1 ? "" : "s",
			i ? "" : " (baseline)");
		if (cmp->in[i].nr_kernels > 1)
			fprintf(out, "%s         (its %zu runs are of %zu different kernel builds; the first is shown)\n",
				prefix, cmp->in[i].nr_runs,
				cmp->in[i].nr_kernels);
	}
	if (cmp->by_run)
		fprintf(out, "%stest: Welch's t on per-run medians (each run is one boot); change = mean of the run medians\n",
			prefix);
	else if (cmp->in[0].res->rounds == 1 && cmp->nr_in == 2 &&
		 cmp->in[1].res->rounds == 1)
		fprintf(out, "%stest: Mann-Whitney U on cycles; one run per side, so a difference between the two boots counts as one between the kernels (%s)\n",
			prefix, cmp->calib ?
			"here each row is judged against the larger of the threshold and what two boots differ by in the calibration" :
			cmp->insn ?
			"under icount too: exact rows can move between boots, e.g. arch_add_memory by a few thousand insn; give --calibration or several runs per side" :
			"give several runs per side to avoid that");
	else
		fprintf(out, "%stest: Mann-Whitney U on cycles\n", prefix);
	if (cmp->env_differs)
		fprintf(out, "%sWARNING: the environments differ (--force):\n%s",
			prefix, cmp->env_diff);
}

static void print_violations(const struct dm_compare *cmp, FILE *out,
			     const struct dm_compare_row *row, const char *prefix)
{
	size_t f;

	for (f = 0; f < cmp->nr_in; f++) {
		const struct dm_result *r = dm_results_find(cmp->in[f].res,
				f ? row->rev_id : row->config->id);

		if (!r || !r->nr_violations)
			continue;
		fprintf(out, "%s! %zu invariant violation%s in %s, first: cycle %lld %s: %s\n",
			prefix, r->nr_violations,
			r->nr_violations == 1 ? "" : "s", cmp->in[f].label,
			(long long)r->violations[0].cycle,
			r->violations[0].check, r->violations[0].detail);
	}
}

static int print_summary(const struct dm_compare *cmp, FILE *out,
			 const char *prefix, bool md)
{
	struct rev_summary s;
	size_t f, total = 0;
	int rc;

	fprintf(out, md ? "\n**Summary**\n\n" : "\nSummary\n");
	for (f = 1; f < cmp->nr_in; f++) {
		char g[64];

		rc = summarize_rev(cmp, f, &s);
		if (rc)
			return rc;
		if (isnan(s.gmean))
			snprintf(g, sizeof(g), "n/a");
		else
			snprintf(g, sizeof(g), "%.3f (%.1f%% %s)", s.gmean,
				 fabs(s.gmean - 1.0) * 100.0,
				 s.gmean > 1.0 ? "worse" : "better");
		fprintf(out, "%s%s vs %s: geometric mean of median ratios %s over %zu rows; %zu regressed, %zu improved, %zu no significant change, %zu too noisy to tell, %zu changed, %zu not compared\n",
			prefix, cmp->in[f].label, cmp->in[0].label, g,
			s.nr_ratios, s.count[DM_V_REGRESSED], s.count[DM_V_IMPROVED],
			s.count[DM_V_NO_CHANGE], s.count[DM_V_NOISY],
			s.count[DM_V_CHANGED], s.count[DM_V_NOT_COMPARED]);
		total += s.count[DM_V_REGRESSED];
	}
	for (f = 0; f < cmp->nr_extras; f++)
		fprintf(out, "%snote: %s\n", prefix, cmp->extras[f]);
	if (total)
		fprintf(out, md ? "\n**Regression**: %zu row%s regressed by %.3g%% or more at %.3g%% confidence.\n" :
			"\nREGRESSION: %zu row%s regressed by %.3g%% or more at %.3g%% confidence\n",
			total, total == 1 ? "" : "s", cmp->opt.threshold * 100.0,
			cmp->opt.confidence * 100.0);
	else
		fprintf(out, md ? "\nNo regression of %.3g%% or more at %.3g%% confidence.\n" :
			"\nno regression of %.3g%% or more at %.3g%% confidence\n",
			cmp->opt.threshold * 100.0, cmp->opt.confidence * 100.0);
	return 0;
}

/* Cells of one file's line of a row: metric, file, median, n, change, p, verdict. */
static int row_cells(const struct dm_compare *cmp, const struct dm_compare_row *row,
		     size_t f, char *cell[NR_COLS])
{
	const struct dm_compare_cell *c = &row->cells[f];
	struct scale sc;
	char buf[256];
	size_t i;

	sc = pick_scale(row->metric->unit, row->metric->summary.median);
	cell[0] = strdup(f == 0 ? row->metric->name : "");
	cell[1] = strdup(cmp->in[f].label);
	if (c->m && c->m->n) {
		fmt_median(buf, sizeof(buf), c, &sc);
		cell[2] = strdup(buf);
		snprintf(buf, sizeof(buf), "%zu", c->m->n);
		cell[3] = strdup(buf);
	} else {
		cell[2] = strdup("-");
		cell[3] = strdup(c->m ? "0" : "-");
	}
	if (f == 0 || c->verdict == DM_V_NOT_COMPARED) {
		cell[4] = strdup("");
		cell[5] = strdup("");
	} else {
		fmt_change(buf, sizeof(buf), c, row->metric->better);
		cell[4] = strdup(buf);
		fmt_p(buf, sizeof(buf), c->p_adj);
		cell[5] = strdup(buf);
	}
	if (c->note[0] && f == 0)
		snprintf(buf, sizeof(buf), "(%s)", c->note);
	else if (c->note[0])
		snprintf(buf, sizeof(buf), "%s (%s)", dm_compare_verdict_name(c->verdict),
			 c->note);
	else
		snprintf(buf, sizeof(buf), "%s", dm_compare_verdict_name(c->verdict));
	cell[6] = strdup(buf);
	for (i = 0; i < NR_COLS; i++)
		if (!cell[i])
			return -ENOMEM;
	return 0;
}

static void free_lines(struct line *lines, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < NR_COLS; j++)
			free(lines[i].cell[j]);
	free(lines);
}

/* One table line, columns padded to @width, no trailing blanks. */
static int print_aligned(FILE *out, const char *const cell[NR_COLS],
			 const size_t width[NR_COLS])
{
	size_t len = 2, used = 0, j;
	char *buf;

	for (j = 0; j < NR_COLS; j++)
		len += width[j] + strlen(cell[j]) + 1;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	used = (size_t)sprintf(buf, " ");
	for (j = 0; j < NR_COLS; j++)
		used += (size_t)sprintf(buf + used, j == 3 ? " %*s" : " %-*s",
					(int)width[j], cell[j]);
	while (used && buf[used - 1] == ' ')
		used--;
	buf[used] = '\0';
	fprintf(out, "%s\n", buf);
	free(buf);
	return 0;
}

static int print_table(const struct dm_compare *cmp, FILE *out, bool md)
{
	static const char *const head[NR_COLS] = {
		"metric", "file", "median [CI]", "n", "change [CI]", "p(adj)",
		"verdict",
	};
	size_t width[NR_COLS], nr = 0, i, j, f;
	const struct dm_compare_row *prev = NULL;
	struct line *lines;
	int rc = -ENOMEM;

	lines = calloc(cmp->nr_rows * (cmp->nr_in + 1) + 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (j = 0; j < NR_COLS; j++)
		width[j] = strlen(head[j]);
	for (i = 0; i < cmp->nr_rows; i++) {
		const struct dm_compare_row *row = &cmp->rows[i];

		if (!prev || row->config != prev->config ||
		    strcmp(row->rev_id, prev->rev_id)) {
			lines[nr++].title = row;
			prev = row;
		}
		for (f = 0; f < cmp->nr_in; f++) {
			if (row_cells(cmp, row, f, lines[nr++].cell))
				goto out_free_lines;
		}
	}
	for (i = 0; i < nr; i++)
		for (j = 0; !lines[i].title && j < NR_COLS; j++)
			if (strlen(lines[i].cell[j]) > width[j])
				width[j] = strlen(lines[i].cell[j]);

	print_header(cmp, out, md ? "- " : "");
	for (i = 0; i < nr; i++) {
		if (lines[i].title) {
			const struct dm_compare_row *t = lines[i].title;
			const struct dm_result *r = t->config;
			char conf[512], vs[320] = "";

			dm_compare_fmt_config(conf, sizeof(conf), r);
			if (strcmp(t->rev_id, r->id))
				snprintf(vs, sizeof(vs), " against %s", t->rev_id);
			if (md) {
				fprintf(out, "\n**%s**%s `%s`\n\n", r->id, vs,
					conf);
				print_violations(cmp, out, t, "- ");
				fprintf(out, "|");
				for (j = 0; j < NR_COLS; j++)
					fprintf(out, " %s |", head[j]);
				fprintf(out, "\n|");
				for (j = 0; j < NR_COLS; j++)
					fprintf(out, "%s|", j == 3 ? "---:" : "---");
				fprintf(out, "\n");
			} else {
				fprintf(out, "\n%s%s  %s\n", r->id, vs, conf);
				print_violations(cmp, out, t, "  ");
				if (print_aligned(out, head, width))
					goto out_free_lines;
			}
			continue;
		}
		if (md) {
			fprintf(out, "|");
			for (j = 0; j < NR_COLS; j++) {
				bool bold = j == 6 &&
					(strncmp(lines[i].cell[j], "regressed", 9) == 0 ||
					 strncmp(lines[i].cell[j], "improved", 8) == 0);

				fprintf(out, " %s%s%s |", bold ? "**" : "",
					lines[i].cell[j], bold ? "**" : "");
			}
			fprintf(out, "\n");
		} else if (print_aligned(out,
					 (const char *const *)lines[i].cell,
					 width)) {
			goto out_free_lines;
		}
	}
	rc = print_summary(cmp, out, md ? "- " : "", md);

out_free_lines:
	free_lines(lines, nr + 1);
	return rc;
}

static int jadd(json_object *o, const char *key, json_object *v)
{
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int jadd_num(json_object *o, const char *key, double d)
{
	json_object *v = dm_json_new_number(d);

	if (!v && isfinite(d))
		return -ENOMEM;
	return jadd(o, key, v);
}

static int jadd_str(json_object *o, const char *key, const char *s)
{
	json_object *v = s ? json_object_new_string(s) : NULL;

	if (s && !v)
		return -ENOMEM;
	return jadd(o, key, v);
}

/* A value that may be infinite: a number, or the string "inf"/"-inf". */
static int jadd_ext(json_object *o, const char *key, double d)
{
	if (isinf(d))
		return jadd_str(o, key, d > 0 ? "inf" : "-inf");
	return jadd_num(o, key, d);
}

static json_object *cell_json(const struct dm_compare *cmp, const struct dm_compare_row *row,
			      size_t f)
{
	const struct dm_compare_cell *c = &row->cells[f];
	json_object *o = json_object_new_object();
	bool ok;

	if (!o)
		return NULL;
	ok = !jadd_str(o, "file", cmp->in[f].label);
	if (ok && c->m) {
		ok = !jadd_num(o, "n", (double)c->m->n) &&
		     !jadd_num(o, "median", c->m->summary.median) &&
		     !jadd_num(o, "median_ci_low", c->lo) &&
		     !jadd_num(o, "median_ci_high", c->hi);
	}
	if (ok && f > 0) {
		ok = !jadd_str(o, "verdict", dm_compare_verdict_name(c->verdict)) &&
		     !jadd_str(o, "note", c->note[0] ? c->note : NULL) &&
		     !jadd_str(o, "test", c->test == DM_TEST_WELCH_RUNS ?
			       "welch-runs" : "mann-whitney") &&
		     !jadd_str(o, "judged_by", c->by == DM_BY_EXACT ? "exact" :
			       c->by == DM_BY_RANGE ? "range" : "test");
		if (ok && c->test == DM_TEST_WELCH_RUNS)
			ok = !jadd_num(o, "runs_base", (double)c->runs_base) &&
			     !jadd_num(o, "runs", (double)c->runs_rev) &&
			     !jadd_ext(o, "t", c->t) &&
			     !jadd_num(o, "df", c->df);
		if (ok && c->verdict != DM_V_NOT_COMPARED)
			ok = !jadd_ext(o, "change", c->change) &&
			     !jadd_ext(o, "change_ci_low", c->change_lo) &&
			     !jadd_ext(o, "change_ci_high", c->change_hi) &&
			     !jadd_num(o, "hodges_lehmann_shift", c->hl) &&
			     !jadd_num(o, "u", c->mw.u) &&
			     !jadd_num(o, "prob_greater",
				       c->mw.u / ((double)c->m->n *
						  (double)row->metric->n)) &&
			     !jadd_num(o, "z", c->mw.z) &&
			     !jadd_num(o, "p", c->mw.p) &&
			     !jadd(o, "p_exact",
				   json_object_new_boolean(c->mw.exact)) &&
			     !jadd_num(o, "p_adjusted", c->p_adj);
	}
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int dm_compare_to_json(const struct dm_compare *cmp, json_object **out)
{
	json_object *root, *arr, *files, *sum;
	struct rev_summary s;
	size_t i, f, regressed = 0;
	int rc = -ENOMEM;

	*out = NULL;
	root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	if (jadd_str(root, "schema", "devmem-compare/1") ||
	    jadd_str(root, "test", cmp->by_run ? "welch-runs" : "mann-whitney") ||
	    jadd_num(root, "threshold", cmp->opt.threshold) ||
	    jadd_str(root, "accel", env_str(cmp->in[0].res, "accel", NULL)) ||
	    jadd_num(root, "confidence", cmp->opt.confidence) ||
	    jadd_str(root, "correction", correction_name(cmp)) ||
	    jadd_num(root, "resamples", cmp->opt.resamples) ||
	    jadd_str(root, "environment_differences",
		     cmp->env_differs ? cmp->env_diff : NULL))
		goto out_put_root;

	files = json_object_new_array();
	if (!files || jadd(root, "files", files))
		goto out_put_root;
	for (f = 0; f < cmp->nr_in; f++) {
		json_object *o = json_object_new_object();

		if (!o || json_object_array_add(files, o)) {
			json_object_put(o);
			goto out_put_root;
		}
		if (jadd_str(o, "label", cmp->in[f].label) ||
		    jadd_str(o, "path", cmp->in[f].path) ||
		    jadd_num(o, "runs", (double)cmp->in[f].nr_runs) ||
		    jadd_str(o, "timestamp", cmp->in[f].res->timestamp) ||
		    jadd(o, "kernel", json_object_get(
				json_object_object_get(cmp->in[f].res->environment,
						       "kernel"))))
			goto out_put_root;
	}

	arr = json_object_new_array();
	if (!arr || jadd(root, "rows", arr))
		goto out_put_root;
	for (i = 0; i < cmp->nr_rows; i++) {
		const struct dm_compare_row *row = &cmp->rows[i];
		json_object *o = json_object_new_object(), *revs;

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto out_put_root;
		}
		if (jadd_str(o, "config", row->config->id) ||
		    (strcmp(row->rev_id, row->config->id) &&
		     jadd_str(o, "config_revision", row->rev_id)) ||
		    jadd_str(o, "metric", row->metric->name) ||
		    jadd_str(o, "unit", dm_unit_name(row->metric->unit)) ||
		    jadd_str(o, "better", dm_better_name(row->metric->better)) ||
		    (cmp->calib &&
		     (jadd_num(o, "calibration_spread", row->calib) ||
		      jadd_num(o, "calibration_allowance",
			       row->calib_allow) ||
		      jadd_num(o, "calibration_runs",
			       (double)row->calib_runs))) ||
		    jadd(o, "base", cell_json(cmp, row, 0)))
			goto out_put_root;
		revs = json_object_new_array();
		if (!revs || jadd(o, "revisions", revs))
			goto out_put_root;
		for (f = 1; f < cmp->nr_in; f++) {
			json_object *c = cell_json(cmp, row, f);

			if (!c || json_object_array_add(revs, c)) {
				json_object_put(c);
				goto out_put_root;
			}
		}
	}

	sum = json_object_new_array();
	if (!sum || jadd(root, "summary", sum))
		goto out_put_root;
	for (f = 1; f < cmp->nr_in; f++) {
		json_object *o = json_object_new_object();

		if (!o || json_object_array_add(sum, o)) {
			json_object_put(o);
			goto out_put_root;
		}
		if (summarize_rev(cmp, f, &s))
			goto out_put_root;
		regressed += s.count[DM_V_REGRESSED];
		if (jadd_str(o, "file", cmp->in[f].label) ||
		    jadd_num(o, "gmean_ratio", s.gmean) ||
		    jadd_num(o, "ratios", (double)s.nr_ratios) ||
		    jadd_num(o, "regressed", (double)s.count[DM_V_REGRESSED]) ||
		    jadd_num(o, "improved", (double)s.count[DM_V_IMPROVED]) ||
		    jadd_num(o, "no_significant_change",
			     (double)s.count[DM_V_NO_CHANGE]) ||
		    jadd_num(o, "too_noisy", (double)s.count[DM_V_NOISY]) ||
		    jadd_num(o, "changed", (double)s.count[DM_V_CHANGED]) ||
		    jadd_num(o, "not_compared",
			     (double)s.count[DM_V_NOT_COMPARED]))
			goto out_put_root;
	}
	arr = json_object_new_array();
	if (!arr || jadd(root, "notes", arr))
		goto out_put_root;
	for (i = 0; i < cmp->nr_extras; i++) {
		json_object *n = json_object_new_string(cmp->extras[i]);

		if (!n || json_object_array_add(arr, n)) {
			json_object_put(n);
			goto out_put_root;
		}
	}
	if (jadd_num(root, "exit_status",
		     regressed ? 1 : 0))
		goto out_put_root;
	*out = root;
	return 0;

out_put_root:
	json_object_put(root);
	return rc;
}

int dm_compare_render(const struct dm_compare *cmp, FILE *out,
		      enum dm_compare_format format)
{
	json_object *root;
	int rc;

	switch (format) {
	case DM_COMPARE_JSON:
		rc = dm_compare_to_json(cmp, &root);
		if (rc)
			return rc;
		fprintf(out, "%s\n", json_object_to_json_string_ext(root,
				JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
		return 0;
	case DM_COMPARE_MARKDOWN:
		return print_table(cmp, out, true);
	case DM_COMPARE_TABLE:
		return print_table(cmp, out, false);
	}
	return -EINVAL;
}

bool dm_compare_regressed(const struct dm_compare *cmp)
{
	size_t i, f;

	for (i = 0; i < cmp->nr_rows; i++)
		for (f = 1; f < cmp->nr_in; f++)
			if (cmp->rows[i].cells[f].verdict == DM_V_REGRESSED)
				return true;
	return false;
}

size_t dm_compare_count(const struct dm_compare *cmp, size_t side,
			enum dm_verdict verdict)
{
	size_t i, n = 0;

	for (i = 0; side < cmp->nr_in && i < cmp->nr_rows; i++)
		n += cmp->rows[i].cells[side].verdict == verdict;
	return n;
}

double dm_compare_threshold(const struct dm_compare *cmp)
{
	return cmp->opt.threshold;
}

size_t dm_compare_nr_sides(const struct dm_compare *cmp)
{
	return cmp->nr_in;
}

const char *dm_compare_label(const struct dm_compare *cmp, size_t side)
{
	return side < cmp->nr_in ? cmp->in[side].label : NULL;
}

size_t dm_compare_nr_rows(const struct dm_compare *cmp)
{
	return cmp->nr_rows;
}

const struct dm_compare_row *dm_compare_row(const struct dm_compare *cmp,
					    size_t i)
{
	return i < cmp->nr_rows ? &cmp->rows[i] : NULL;
}

const struct dm_compare_row *dm_compare_find_row(const struct dm_compare *cmp,
						 const char *config_id,
						 const char *metric)
{
	size_t i;

	for (i = 0; i < cmp->nr_rows; i++)
		if (!strcmp(cmp->rows[i].config->id, config_id) &&
		    !strcmp(cmp->rows[i].metric->name, metric))
			return &cmp->rows[i];
	return NULL;
}

const char *dm_compare_warning(const struct dm_compare *cmp)
{
	return cmp->warning;
}

void dm_compare_opts_init(struct dm_compare_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->threshold = NAN;
	opts->confidence = 0.95;
	opts->resamples = 2000;
	opts->seed = DM_COMPARE_SEED;
	opts->correction = DM_P_ADJUST_HOLM;
}

int dm_compare_new(const struct dm_compare_opts *opts,
		   struct dm_compare **out)
{
	struct dm_compare *cmp;

	*out = NULL;
	cmp = calloc(1, sizeof(*cmp));
	if (!cmp)
		return -ENOMEM;
	cmp->opt = *opts;
	cmp->threshold_given = !isnan(opts->threshold);
	*out = cmp;
	return 0;
}

static struct side *new_side(struct dm_compare *cmp, const char *paths)
{
	struct side *p, *in;

	if (cmp->ran)
		return NULL;
	p = realloc(cmp->in, (cmp->nr_in + 1) * sizeof(*p));
	if (!p)
		return NULL;
	cmp->in = p;
	in = &cmp->in[cmp->nr_in];
	memset(in, 0, sizeof(*in));
	in->owned_path = strdup(paths);
	if (!in->owned_path)
		return NULL;
	in->path = in->owned_path;
	cmp->nr_in++;
	return in;
}

int dm_compare_add_side(struct dm_compare *cmp, const char *paths)
{
	return new_side(cmp, paths) ? 0 : -ENOMEM;
}

int dm_compare_add_runs(struct dm_compare *cmp, const char *paths,
			struct dm_results *const *runs, size_t n)
{
	struct side *in;

	if (!n)
		return -EINVAL;
	in = new_side(cmp, paths);
	if (!in)
		return -ENOMEM;
	in->runs = calloc(n, sizeof(*in->runs));
	if (!in->runs)
		return -ENOMEM;
	memcpy(in->runs, runs, n * sizeof(*runs));
	in->nr_runs = n;
	in->borrowed = true;
	return 0;
}

/* The steps of devmem-compare, each failure with its message in cmp->err. */
static int run(struct dm_compare *cmp)
{
	size_t i;
	int rc;

	if (cmp->nr_in < 2) {
		cerr(cmp, "need a baseline and at least one more results file");
		return -EINVAL;
	}
	rc = set_labels(cmp);
	if (!rc)
		rc = load_inputs(cmp, cmp->in, cmp->nr_in);
	for (i = 0; !rc && i < cmp->nr_in; i++)
		cmp->by_run |= cmp->in[i].nr_runs > 1;
	if (!rc)
		rc = check_comparable(cmp);
	if (rc)
		return rc;
	cmp->insn = dm_accel_counts_insn(env_str(cmp->in[0].res, "accel",
						 NULL));
	if (!cmp->threshold_given)
		cmp->opt.threshold = cmp->insn ? DM_COMPARE_ICOUNT_THRESHOLD :
				     DM_COMPARE_THRESHOLD;
	if (cmp->opt.calibration) {
		rc = load_calibration(cmp);
		if (rc)
			return rc;
	}
	rc = build_rows(cmp);
	if (!rc)
		rc = decide_all(cmp);
	if (rc) {
		cerr(cmp, "comparing: %s", strerror(-rc));
		return rc;
	}
	if (cmp->nr_rows == 0) {
		cerr(cmp, "nothing to compare: no configuration and metric of %s matches",
		     cmp->in[0].path);
		return -EINVAL;
	}
	return 0;
}

int dm_compare_run(struct dm_compare *cmp, char *err, size_t errlen)
{
	int rc;

	if (cmp->ran) {
		snprintf(err, errlen, "the comparison has run already");
		return -EINVAL;
	}
	cmp->ran = true;
	cmp->err[0] = '\0';
	rc = run(cmp);
	if (rc && !cmp->err[0])
		cerr(cmp, "%s", strerror(-rc));
	if (rc && err && errlen)
		snprintf(err, errlen, "%s", cmp->err);
	return rc;
}

void dm_compare_free(struct dm_compare *cmp)
{
	size_t i;

	if (!cmp)
		return;
	for (i = 0; i < cmp->nr_rows; i++)
		free(cmp->rows[i].cells);
	free(cmp->rows);
	for (i = 0; i < cmp->nr_extras; i++)
		free(cmp->extras[i]);
	free(cmp->extras);
	free_inputs(cmp->in, cmp->nr_in);
	if (cmp->calib)
		free_inputs(cmp->calib, 1);
	free(cmp->warning);
	free(cmp);
}
