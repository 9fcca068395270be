// SPDX-License-Identifier: GPL-2.0
/*
 * devmem-dashboard: the history of stored devmem-bench runs as a static
 * HTML page with charts drawn by gnuplot, and an index of the runs.
 *
 * Runs are grouped by environment: the machine fields devmem-compare
 * refuses to compare across (accel and icount shift, CPU model and count,
 * memory, tracing, QEMU version), so emulated and real results, and
 * instruction counts (tcg-icount) and wall-clock times, never share a
 * chart.  In an
 * environment, each run is compared with the earlier runs of the same
 * kernel name (up to --history of them, run by run) by the comparison
 * engine devmem-compare is built on (bench/lib/compare.h), in-process,
 * and the rows it calls "regressed" are marked on the charts.  Per
 * configuration and metric (any workload's: configurations are ids here),
 * a chart shows each kernel's median per run and, as a band, the
 * bootstrap confidence interval of that median, the one devmem-compare
 * prints for the run (as the revision of its comparison); a
 * deterministic row (every run's cycles within DETERMINISTIC_SPREAD of
 * each other, as instruction counts under tcg-icount are) shows single
 * values, without an interval.  devmem-compare's threshold is its own
 * default for the environment (1% for tcg-icount, 5% otherwise) unless
 * --threshold says otherwise.
 *
 * The page needs nothing but its folder: the charts are SVG files next to
 * it, there is no external resource, and it works from file://.
 *
 * To use:
 *	devmem-dashboard --out results/dashboard --index results/index.json \
 *		results/runs
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "results.h"
#include "stats.h"

#define MAX_HISTORY	50
/* (max - min) / |median| of every run at most this: one value a run. */
#define DETERMINISTIC_SPREAD	0.001

static struct {
	const char *out;	/* dashboard folder, or NULL */
	const char *index;	/* index file, or NULL */
	const char *gnuplot;
	const char *title;
	const char *threshold;	/* --threshold as given, or NULL */
	struct dm_compare_opts cmp;	/* the engine's options */
	unsigned int history;	/* earlier runs a run is compared with */
	unsigned int min_history;
} opt = {
	.gnuplot = "gnuplot",
	.title = "devmem: device-memory hotplug benchmarks",
	.history = 5,
	.min_history = 3,
};

struct env;

struct run {
	char *path;		/* as found */
	char *stem;		/* file name without .json */
	struct dm_results *res;
	time_t when;
	const char *kernel;	/* environment.kernel.name */
	struct env *env;
	/* Its comparison with earlier runs of the same kernel. */
	size_t nr_history;
	char cmp_note[256];	/* why not, or the engine's complaint */
	char *cmp_file;		/* its JSON, relative to --out, or NULL */
	struct dm_compare *cmp;	/* NULL: not compared */
	size_t regressed, improved;
};

struct refused {
	char *path;
	char *error;
};

struct chart {
	char *config;
	char *metric;
	enum dm_unit unit;
	enum dm_better better;
	char *file;		/* base name, no extension */
	bool deterministic;	/* every run within DETERMINISTIC_SPREAD */
};

struct env {
	char id[48];
	char *label;
	struct run **runs;	/* in time order */
	size_t nr_runs;
	char **kernels;		/* names in order of first appearance */
	size_t nr_kernels;
	struct chart *charts;
	size_t nr_charts;
};

static struct run **runs;
static size_t nr_runs;
static struct refused *refused;
static size_t nr_refused;
static struct env *envs;
static size_t nr_envs;

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fputs("devmem-dashboard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		error("out of memory");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		error("out of memory");
		exit(2);
	}
	return d;
}

static char * __attribute__((format(printf, 1, 2))) xasprintf(const char *fmt,
							      ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		error("out of memory");
		exit(2);
	}
	return s;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: devmem-dashboard [options] RUN.json|DIR ...\n"
"\n"
"Write the history of devmem-bench runs (files, or folders of *.json) as\n"
"a static HTML dashboard with gnuplot charts, and/or an index of the runs.\n"
"\n"
"  -o, --out=DIR          write DIR/index.html, DIR/charts/, DIR/cmp/\n"
"  -i, --index=FILE       write the index of the runs (JSON) to FILE\n"
"      --history=N        compare each run with up to N earlier runs of\n"
"                         the same kernel and environment (default: 5)\n"
"      --min-history=N    judge a run only with N earlier runs (default:\n"
"                         3; 1 compares single boots cycle by cycle)\n"
"  -t, --threshold=PCT    devmem-compare's threshold (default: its own)\n"
"      --compare=PATH     ignored (the comparison runs in-process)\n"
"      --gnuplot=PATH     gnuplot (default: gnuplot)\n"
"      --title=TEXT       page title\n"
"  -h, --help             this help\n"
"\n"
"Files that are not valid results are listed (index, page, stderr), not\n"
"fatal.  Exit status: 0 written, 2 bad usage or a failure to write.\n");
}

static int parse_uint(const char *s, unsigned int lo, unsigned int hi,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* "3", "3%" or "0.5": a threshold in percent, stored as a fraction. */
static int parse_percent(const char *s, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno)
		return -EINVAL;
	if (*end == '%')
		end++;
	if (*end || !isfinite(d) || d <= 0 || d > 1000)
		return -EINVAL;
	*out = d / 100.0;
	return 0;
}

static int parse_options(int argc, char **argv)
{
	enum { OPT_HISTORY = 256, OPT_MIN_HISTORY, OPT_COMPARE, OPT_GNUPLOT,
	       OPT_TITLE };
	static const struct option longopts[] = {
		{ "out",	 required_argument, NULL, 'o' },
		{ "index",	 required_argument, NULL, 'i' },
		{ "history",	 required_argument, NULL, OPT_HISTORY },
		{ "min-history", required_argument, NULL, OPT_MIN_HISTORY },
		{ "threshold",	 required_argument, NULL, 't' },
		{ "compare",	 required_argument, NULL, OPT_COMPARE },
		{ "gnuplot",	 required_argument, NULL, OPT_GNUPLOT },
		{ "title",	 required_argument, NULL, OPT_TITLE },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:i:t:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			opt.out = optarg;
			break;
		case 'i':
			opt.index = optarg;
			break;
		case 't':
			if (parse_percent(optarg, &opt.cmp.threshold)) {
				error("--threshold: '%s' is not a percentage in (0, 1000]",
				      optarg);
				return -EINVAL;
			}
			opt.threshold = optarg;
			break;
		case OPT_HISTORY:
			if (parse_uint(optarg, 1, MAX_HISTORY, &opt.history)) {
				error("--history: '%s' is not a number from 1 to %d",
				      optarg, MAX_HISTORY);
				return -EINVAL;
			}
			break;
		case OPT_MIN_HISTORY:
			if (parse_uint(optarg, 1, MAX_HISTORY,
				       &opt.min_history)) {
				error("--min-history: '%s' is not a number from 1 to %d",
				      optarg, MAX_HISTORY);
				return -EINVAL;
			}
			break;
		case OPT_COMPARE:
			/* Accepted for old command lines: nothing to run. */
			break;
		case OPT_GNUPLOT:
			opt.gnuplot = optarg;
			break;
		case OPT_TITLE:
			opt.title = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			error("option '%s' needs an argument", argv[optind - 1]);
			return -EINVAL;
		default:
			error("unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (!opt.out && !opt.index) {
		error("nothing to write: give --out and/or --index");
		return -EINVAL;
	}
	if (optind >= argc) {
		error("no runs: give results files or folders");
		return -EINVAL;
	}
	if (opt.min_history > opt.history) {
		error("--min-history %u is more than --history %u",
		      opt.min_history, opt.history);
		return -EINVAL;
	}
	return 0;
}

/* ---- Loading ---------------------------------------------------------- */

static const char *env_string(const struct dm_results *res, const char *a,
			      const char *b)
{
	json_object *o = res->environment;

	if (!json_object_object_get_ex(o, a, &o))
		return NULL;
	if (b && (!o || !json_object_object_get_ex(o, b, &o)))
		return NULL;
	return o ? json_object_get_string(o) : NULL;
}

static int parse_time(const char *s, time_t *when)
{
	struct tm tm = { 0 };
	char *end;

	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	*when = timegm(&tm);
	return 0;
}

static void add_refused(const char *path, const char *why)
{
	refused = xrealloc(refused, (nr_refused + 1) * sizeof(*refused));
	refused[nr_refused].path = xstrdup(path);
	refused[nr_refused].error = xstrdup(why);
	nr_refused++;
	fprintf(stderr, "devmem-dashboard: warning: left out: %s\n", why);
}

static void load_file(const char *path)
{
	char err[DM_ERR_LEN];
	const char *base, *kernel;
	struct dm_results *res;
	struct run *r;
	size_t len;
	time_t when;

	if (dm_results_load(path, &res, err, sizeof(err))) {
		add_refused(path, err);
		return;
	}
	kernel = env_string(res, "kernel", "name");
	if (parse_time(res->timestamp, &when) || !kernel) {
		dm_results_free(res);
		add_refused(path, "bad timestamp or kernel name");
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		error("out of memory");
		exit(2);
	}
	r->path = xstrdup(path);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".json"))
		len -= 5;
	r->stem = strndup(base, len);
	r->res = res;
	r->when = when;
	r->kernel = kernel;
	runs = xrealloc(runs, (nr_runs + 1) * sizeof(*runs));
	runs[nr_runs++] = r;
}

static int json_name(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 5 &&
	       !strcmp(de->d_name + len - 5, ".json");
}

static int load_path(const char *path)
{
	struct dirent **list;
	struct stat st;
	int n, i;

	if (stat(path, &st)) {
		error("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return 0;
	}
	n = scandir(path, &list, json_name, alphasort);
	if (n < 0) {
		error("%s: %s", path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", path, list[i]->d_name);

		load_file(p);
		free(p);
		free(list[i]);
	}
	free(list);
	return 0;
}

static int cmp_run_time(const void *a, const void *b)
{
	const struct run *ra = *(struct run *const *)a;
	const struct run *rb = *(struct run *const *)b;

	if (ra->when != rb->when)
		return ra->when < rb->when ? -1 : 1;
	return strcmp(ra->path, rb->path);
}

/* ---- Environments ----------------------------------------------------- */

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

static void env_init(struct env *e, const struct dm_results *res)
{
	const char *accel = env_string(res, "accel", NULL);
	const char *model = env_string(res, "cpu", "model");
	const char *count = env_string(res, "cpu", "count");
	const char *mem = env_string(res, "memory_bytes", NULL);
	const char *tracing = env_string(res, "tracing", NULL);
	const char *qemu = env_string(res, "qemu", "version");
	const char *shift = env_string(res, "icount_shift", NULL);
	char *key, membuf[32], accelbuf[96];

	key = xasprintf("%s|%s|%s|%s|%s|%s|%s", accel, model, count, mem,
			tracing, qemu ? qemu : "-", shift ? shift : "-");
	snprintf(e->id, sizeof(e->id), "%s-%08llx", accel,
		 (unsigned long long)(dm_seed_mix(0, key) & 0xffffffffULL));
	free(key);
	fmt_bytes(membuf, sizeof(membuf), mem ? strtod(mem, NULL) : 0.0);
	if (dm_accel_counts_insn(accel))
		snprintf(accelbuf, sizeof(accelbuf),
			 "%s (icount shift %s: durations in instructions)",
			 accel, shift ? shift : "?");
	else
		snprintf(accelbuf, sizeof(accelbuf), "%s", accel);
	e->label = xasprintf("%s, %s x %s, %s memory, tracing %s%s%s",
			     accelbuf, model, count, membuf, tracing,
			     qemu ? ", qemu " : "", qemu ? qemu : "");
}

static void group_runs(void)
{
	size_t i, j;

	for (i = 0; i < nr_runs; i++) {
		struct run *r = runs[i];
		struct env *e = NULL;

		for (j = 0; j < nr_envs && !e; j++)
			if (!dm_results_env_diff(envs[j].runs[0]->res, r->res,
						 DM_ENV_MACHINE, NULL, 0))
				e = &envs[j];
		if (!e) {
			envs = xrealloc(envs, (nr_envs + 1) * sizeof(*envs));
			e = &envs[nr_envs++];
			memset(e, 0, sizeof(*e));
			env_init(e, r->res);
		}
		r->env = e;
		e->runs = xrealloc(e->runs, (e->nr_runs + 1) * sizeof(*e->runs));
		e->runs[e->nr_runs++] = r;
		for (j = 0; j < e->nr_kernels; j++)
			if (!strcmp(e->kernels[j], r->kernel))
				break;
		if (j == e->nr_kernels) {
			e->kernels = xrealloc(e->kernels, (j + 1) *
					      sizeof(*e->kernels));
			e->kernels[e->nr_kernels++] = xstrdup(r->kernel);
		}
	}
}

/* Every (configuration, metric) of the environment, first seen first. */
static void collect_charts(struct env *e)
{
	size_t i, j, k, c;

	for (i = 0; i < e->nr_runs; i++) {
		const struct dm_results *res = e->runs[i]->res;

		for (j = 0; j < res->nr_results; j++) {
			const struct dm_result *r = res->results[j];

			for (k = 0; k < r->nr_metrics; k++) {
				const struct dm_metric *m = &r->metrics[k];
				struct chart *ch;
				char *p;

				for (c = 0; c < e->nr_charts; c++)
					if (!strcmp(e->charts[c].config, r->id) &&
					    !strcmp(e->charts[c].metric, m->name))
						break;
				if (c < e->nr_charts)
					continue;
				e->charts = xrealloc(e->charts,
						     (c + 1) * sizeof(*ch));
				ch = &e->charts[e->nr_charts++];
				ch->config = xstrdup(r->id);
				ch->metric = xstrdup(m->name);
				ch->unit = m->unit;
				ch->better = m->better;
				ch->deterministic = false;
				ch->file = xasprintf("%s-%s-%s", e->id, r->id,
						     m->name);
				for (p = ch->file; *p; p++)
					if (*p == '.')
						*p = '_';
			}
		}
	}
}

/*
 * A chart is deterministic when every run of it has at least two cycles
 * and their spread, (max - min) / |median|, is at most
 * DETERMINISTIC_SPREAD: an interval of such a median would be drawn from
 * nothing.
 */
static void mark_deterministic(struct env *e)
{
	size_t c, i;

	for (c = 0; c < e->nr_charts; c++) {
		struct chart *ch = &e->charts[c];
		bool det = false;

		for (i = 0; i < e->nr_runs; i++) {
			const struct dm_result *r;
			const struct dm_metric *m;
			double med;

			r = dm_results_find(e->runs[i]->res, ch->config);
			if (!r || r->skipped)
				continue;
			m = dm_result_find_metric(r, ch->metric);
			if (!m || !m->n || m->unit != ch->unit)
				continue;
			med = fabs(m->summary.median);
			if (m->n < 2 || (m->summary.max != m->summary.min &&
					 (med == 0.0 ||
					  (m->summary.max - m->summary.min) /
					  med > DETERMINISTIC_SPREAD))) {
				det = false;
				break;
			}
			det = true;
		}
		ch->deterministic = det;
	}
}

/* ---- Comparisons ------------------------------------------------------ */

/*
 * Run @argv (gnuplot) with stdout into @out_path (created) and stderr
 * into a temporary file whose first line lands in @note.  Returns the
 * exit status, or -1 if it could not run.
 */
static int run_capture(char *const argv[], const char *out_path,
		       const char *cwd, char *note, size_t notelen)
{
	char err_path[PATH_MAX];
	int status, fd, efd;
	FILE *f;
	pid_t pid;

	snprintf(err_path, sizeof(err_path), "%s.stderr", out_path);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || efd < 0 || dup2(fd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(127);
		if (cwd && chdir(cwd))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (note && notelen) {
		note[0] = '\0';
		f = fopen(err_path, "r");
		if (f) {
			if (fgets(note, (int)notelen, f))
				note[strcspn(note, "\n")] = '\0';
			fclose(f);
		}
	}
	unlink(err_path);
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Write run @r's comparison as devmem-compare --format=json would. */
static void write_comparison(struct run *r, const char *cmpdir,
			     const char *cmpdir_rel)
{
	char *path = xasprintf("%s/%s.json", cmpdir, r->stem);
	FILE *f = fopen(path, "w");
	int rc = f ? dm_compare_render(r->cmp, f, DM_COMPARE_JSON) : -errno;

	if (f && fclose(f) && !rc)
		rc = -EIO;
	if (rc) {
		error("%s: %s", path, strerror(-rc));
		unlink(path);
	} else {
		r->cmp_file = xasprintf("%s/%s.json", cmpdir_rel, r->stem);
	}
	free(path);
}

/*
 * Compare run @i of @e with up to opt.history earlier runs of its kernel,
 * run by run, as `devmem-compare --labels=earlier,run EARLIER,... RUN`
 * would; its JSON goes to @cmpdir (NULL: none).
 */
static void compare_run(struct env *e, size_t i, const char *cmpdir,
			const char *cmpdir_rel)
{
	struct run *r = e->runs[i], *hist[MAX_HISTORY];
	struct dm_results *hres[MAX_HISTORY];
	char err[DM_COMPARE_ERR_LEN], *list, *old;
	struct dm_compare *cmp;
	size_t n = 0, j;
	int rc;

	for (j = i; j-- > 0 && n < opt.history;)
		if (!strcmp(e->runs[j]->kernel, r->kernel))
			hist[n++] = e->runs[j];
	r->nr_history = n;
	if (n == 0) {
		snprintf(r->cmp_note, sizeof(r->cmp_note),
			 "first run of %s here", r->kernel);
		return;
	}
	if (n < opt.min_history) {
		snprintf(r->cmp_note, sizeof(r->cmp_note),
			 "not judged: %zu earlier run%s of %s, %u needed (one boot cannot tell a change of kernel from a change of boot)",
			 n, n == 1 ? "" : "s", r->kernel, opt.min_history);
		return;
	}
	/* Oldest first, as the runs happened. */
	list = xstrdup(hist[n - 1]->path);
	hres[0] = hist[n - 1]->res;
	for (j = n - 1; j-- > 0;) {
		old = list;
		list = xasprintf("%s,%s", old, hist[j]->path);
		free(old);
		hres[n - 1 - j] = hist[j]->res;
	}
	if (dm_compare_new(&opt.cmp, &cmp)) {
		error("out of memory");
		exit(2);
	}
	rc = dm_compare_add_runs(cmp, list, hres, n);
	if (!rc)
		rc = dm_compare_add_runs(cmp, r->path, &r->res, 1);
	if (rc) {
		error("out of memory");
		exit(2);
	}
	rc = dm_compare_run(cmp, err, sizeof(err));
	if (rc) {
		/* The first line: the rest lists the differences. */
		err[strcspn(err, "\n")] = '\0';
		snprintf(r->cmp_note, sizeof(r->cmp_note), "not compared: %.200s",
			 err);
		dm_compare_free(cmp);
	} else {
		r->cmp = cmp;
		r->regressed = dm_compare_count(cmp, 1, DM_V_REGRESSED);
		r->improved = dm_compare_count(cmp, 1, DM_V_IMPROVED);
		if (cmpdir)
			write_comparison(r, cmpdir, cmpdir_rel);
	}
	free(list);
}

/* The cell of (config, metric) in run @r's comparison, or NULL. */
static const struct dm_compare_cell *cell_of(const struct run *r,
					     const char *config,
					     const char *metric)
{
	const struct dm_compare_row *row;

	if (!r->cmp)
		return NULL;
	row = dm_compare_find_row(r->cmp, config, metric);
	return row ? &row->cells[1] : NULL;
}

/* The verdict of (config, metric) in run @r's comparison, or NULL. */
static const char *verdict_of(const struct run *r, const char *config,
			      const char *metric)
{
	const struct dm_compare_cell *c = cell_of(r, config, metric);

	return c ? dm_compare_verdict_name(c->verdict) : NULL;
}

/* ---- Numbers ---------------------------------------------------------- */

struct scale {
	double div;
	const char *label;
};

static struct scale pick_scale(enum dm_unit unit, double ref)
{
	struct dm_scale u = dm_unit_scale(unit, ref);
	struct scale sc = { u.div, *u.suffix ? u.suffix : dm_unit_name(unit) };

	return sc;
}

/*
 * Median and its bootstrap CI (lo = hi = median below 2 samples): the
 * engine's, for the run as the revision (side 1) of a comparison, so the
 * interval is the one devmem-compare prints for it.
 */
static void median_ci(const struct dm_metric *m, const char *config,
		      double *med, double *lo, double *hi)
{
	*med = m->summary.median;
	dm_compare_median_ci(&opt.cmp, config, m, 1, lo, hi);
	if (isnan(*lo) || isnan(*hi))
		*lo = *hi = *med;
}

static const struct dm_metric *find_metric(const struct run *r,
					   const char *config,
					   const char *metric)
{
	const struct dm_result *res = dm_results_find(r->res, config);
	const struct dm_metric *m;

	if (!res || res->skipped)
		return NULL;
	m = dm_result_find_metric(res, metric);
	return m && m->n ? m : NULL;
}

/* ---- Charts ----------------------------------------------------------- */

static const char *const colors[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
	"#7f7f7f", "#17becf",
};
#define NR_COLORS (sizeof(colors) / sizeof(colors[0]))

/* Time label steps, in seconds: minutes to a year. */
static const long tics[] = {
	60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400,
	2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400,
	365 * 86400,
};
#define NR_TICS (sizeof(tics) / sizeof(tics[0]))

/* A gnuplot single-quoted string: '' stands for '. */
static void gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if (*s != '\n')
			fputc(*s, f);
	}
	fputc('\'', f);
}

/*
 * One chart: a data file with a block per kernel (time, median, CI low,
 * CI high, flag: 1 regressed, -1 improved) and its part of the script.
 */
static int write_chart(const struct env *e, const struct chart *ch,
		       const char *dir, FILE *gp)
{
	double ymin = INFINITY, ymax = -INFINITY, ref = 0.0, span;
	time_t tmin = 0, tmax = 0;
	bool any = false, first_plot = true;
	int block = 0, blocks[64], flagged[64];
	size_t k, i, nr_k;
	struct scale sc;
	char *path;
	FILE *f;

	/* Scale from the largest median. */
	for (i = 0; i < e->nr_runs; i++) {
		const struct dm_metric *m = find_metric(e->runs[i], ch->config,
							ch->metric);

		if (m && m->unit == ch->unit &&
		    fabs(m->summary.median) > fabs(ref))
			ref = m->summary.median;
	}
	sc = pick_scale(ch->unit, ref);

	path = xasprintf("%s/charts/%s.dat", dir, ch->file);
	f = fopen(path, "w");
	if (!f) {
		error("%s: %s", path, strerror(errno));
		free(path);
		return -errno;
	}
	nr_k = e->nr_kernels < 64 ? e->nr_kernels : 64;
	for (k = 0; k < nr_k; k++) {
		bool have = false;

		blocks[k] = -1;
		flagged[k] = 0;
		for (i = 0; i < e->nr_runs; i++) {
			const struct run *r = e->runs[i];
			const struct dm_metric *m;
			const char *v;
			double med, lo, hi;
			int flag = 0;

			if (strcmp(r->kernel, e->kernels[k]))
				continue;
			m = find_metric(r, ch->config, ch->metric);
			if (!m || m->unit != ch->unit)
				continue;
			median_ci(m, ch->config, &med, &lo, &hi);
			if (ch->deterministic)
				lo = hi = med;
			v = verdict_of(r, ch->config, ch->metric);
			if (v && !strcmp(v, "regressed"))
				flag = 1;
			else if (v && !strcmp(v, "improved"))
				flag = -1;
			if (!have && block)
				fprintf(f, "\n\n");
			have = true;
			fprintf(f, "%lld %.10g %.10g %.10g %d\n",
				(long long)r->when, med / sc.div, lo / sc.div,
				hi / sc.div, flag);
			flagged[k] |= flag == 1 ? 1 : flag == -1 ? 2 : 0;
			if (!any || r->when < tmin)
				tmin = r->when;
			if (!any || r->when > tmax)
				tmax = r->when;
			any = true;
			ymin = fmin(ymin, lo / sc.div);
			ymax = fmax(ymax, hi / sc.div);
		}
		if (have)
			blocks[k] = block++;
	}
	if (fclose(f)) {
		error("%s: %s", path, strerror(errno));
		free(path);
		return -EIO;
	}
	free(path);
	if (!any)
		return 0;

	fprintf(gp, "\nset output 'charts/%s.svg'\n", ch->file);
	fprintf(gp, "set title ");
	gp_string(gp, ch->metric);
	fprintf(gp, "\nset ylabel ");
	gp_string(gp, sc.label);
	fprintf(gp, "\n");
	/*
	 * A single time or value has no range of its own: give it one; and
	 * a margin, so that the first and last runs are not on the axes.
	 * About four time labels, as dates once the history spans days.
	 */
	span = tmin == tmax ? 600.0 : fmax((double)(tmax - tmin), 60.0);
	for (k = 0; k < NR_TICS - 1 && tics[k] < span / 5.0; k++)
		;
	fprintf(gp, "set xrange ['%lld':'%lld']\n",
		(long long)(tmin - (time_t)(span * 0.06) - 1),
		(long long)(tmax + (time_t)(span * 0.06) + 1));
	fprintf(gp, "set xtics %ld\n", tics[k]);
	fprintf(gp, "set format x \"%s\"\n",
		span > 3.0 * 86400.0 ? "%Y-%m-%d" : "%m-%d\\n%H:%M");
	if (ymin == ymax)
		fprintf(gp, "set yrange [%.10g:%.10g]\n",
			ymin == 0.0 ? -1.0 : ymin - fabs(ymin) * 0.1,
			ymax == 0.0 ? 1.0 : ymax + fabs(ymax) * 0.1);
	else
		fprintf(gp, "set yrange [*:*]\n");
	fprintf(gp, "plot ");
	for (k = 0; k < nr_k; k++) {
		const char *c = colors[k % NR_COLORS];

		if (blocks[k] < 0)
			continue;
		if (ch->deterministic) {
			/* One value a run: no band, no bars. */
			fprintf(gp, "%s'charts/%s.dat' index %d using 1:2 with linespoints lc rgb '%s' pt 7 ps 0.5 lw 1.2 title ",
				first_plot ? "" : ", \\\n     ", ch->file,
				blocks[k], c);
		} else {
			fprintf(gp, "%s'charts/%s.dat' index %d using 1:3:4 with filledcurves fc rgb '%s' fs transparent solid 0.2 noborder notitle, \\\n",
				first_plot ? "" : ", \\\n     ", ch->file,
				blocks[k], c);
			fprintf(gp, "     '' index %d using 1:2:3:4 with yerrorlines lc rgb '%s' pt 7 ps 0.5 lw 1.2 title ",
				blocks[k], c);
		}
		gp_string(gp, e->kernels[k]);
		if (flagged[k] & 1)
			fprintf(gp, ", \\\n     '' index %d using 1:($5 > 0 ? $2 : 1/0) with points pt 11 ps 1.8 lc rgb '#d62728' title 'regressed'",
				blocks[k]);
		if (flagged[k] & 2)
			fprintf(gp, ", \\\n     '' index %d using 1:($5 < 0 ? $2 : 1/0) with points pt 9 ps 1.8 lc rgb '#2ca02c' title 'improved'",
				blocks[k]);
		first_plot = false;
	}
	fprintf(gp, "\n");
	return 1;
}

static int run_gnuplot(const char *dir)
{
	char *argv[] = { (char *)opt.gnuplot, "charts/charts.gp", NULL };
	char note[512], *out;
	int rc;

	out = xasprintf("%s/charts/gnuplot.out", dir);
	rc = run_capture(argv, out, dir, note, sizeof(note));
	if (rc) {
		error("%s %s/charts/charts.gp failed (status %d): %s",
		      opt.gnuplot, dir, rc, note);
		free(out);
		return -EIO;
	}
	unlink(out);
	free(out);
	return 0;
}

/* ---- Files ------------------------------------------------------------ */

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			goto fail;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		goto fail;
	free(p);
	return 0;
fail:
	error("cannot create %s: %s", p, strerror(errno));
	free(p);
	return -1;
}

/* Remove what an earlier run left in @dir (files with these endings). */
static void clean_dir(const char *dir)
{
	static const char *const ends[] = { ".svg", ".dat", ".gp", ".json",
					    ".out", ".stderr" };
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;

	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
			size_t el = strlen(ends[i]);

			if (len > el && !strcmp(de->d_name + len - el,
						ends[i])) {
				char *p = xasprintf("%s/%s", dir, de->d_name);

				unlink(p);
				free(p);
				break;
			}
		}
	}
	if (d)
		closedir(d);
}

/* @to (a file) relative to the folder @from, for links. */
static char *relative_path(const char *from, const char *to)
{
	char af[PATH_MAX], at[PATH_MAX], *res;
	size_t i = 0, common = 0, ups = 0;
	const char *p;

	if (!realpath(from, af) || !realpath(to, at))
		return xstrdup(to);
	/* The longest common prefix that ends at a folder boundary. */
	while (af[i] && af[i] == at[i]) {
		if (af[i] == '/')
			common = i;
		i++;
	}
	if (!af[i] && at[i] == '/')
		common = i;
	for (p = af + common; *p; p++)
		ups += *p == '/';
	res = xstrdup("");
	for (i = 0; i < ups; i++) {
		char *old = res;

		res = xasprintf("%s../", old);
		free(old);
	}
	p = at + common + 1;
	{
		char *old = res;

		res = xasprintf("%s%s", old, p);
		free(old);
	}
	return res;
}

/* ---- The index -------------------------------------------------------- */

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static int write_index(const char *path)
{
	json_object *root, *arr, *rf;
	char dir[PATH_MAX], *slash, *tmp;
	size_t i, j;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");

	root = json_object_new_object();
	json_object_object_add(root, "schema",
			       json_object_new_string("devmem-index/1"));
	json_object_object_add(root, "history", json_object_new_int(
				       (int)opt.history));
	arr = json_object_new_array();
	json_object_object_add(root, "environments", arr);
	for (i = 0; i < nr_envs; i++) {
		const struct env *e = &envs[i];
		const struct dm_results *r0 = e->runs[0]->res;
		json_object *o = json_object_new_object(), *ra, *ks;

		json_object_array_add(arr, o);
		json_object_object_add(o, "id", json_object_new_string(e->id));
		json_object_object_add(o, "label",
				       json_object_new_string(e->label));
		json_object_object_add(o, "accel",
				       jstr(env_string(r0, "accel", NULL)));
		json_object_object_add(o, "icount_shift", json_object_get(
			json_object_object_get(r0->environment,
					       "icount_shift")));
		json_object_object_add(o, "cpu", json_object_get(
			json_object_object_get(r0->environment, "cpu")));
		json_object_object_add(o, "memory_bytes", json_object_get(
			json_object_object_get(r0->environment,
					       "memory_bytes")));
		json_object_object_add(o, "tracing",
				       jstr(env_string(r0, "tracing", NULL)));
		json_object_object_add(o, "qemu_version",
				       jstr(env_string(r0, "qemu", "version")));
		ks = json_object_new_array();
		json_object_object_add(o, "kernels", ks);
		for (j = 0; j < e->nr_kernels; j++)
			json_object_array_add(ks, json_object_new_string(
						      e->kernels[j]));
		ra = json_object_new_array();
		json_object_object_add(o, "runs", ra);
		for (j = 0; j < e->nr_runs; j++) {
			const struct run *r = e->runs[j];
			json_object *ro = json_object_new_object(), *k;
			size_t c, viol = 0, skipped = 0;
			char *rel = relative_path(dir, r->path);

			for (c = 0; c < r->res->nr_results; c++) {
				viol += r->res->results[c]->nr_violations;
				skipped += r->res->results[c]->skipped != NULL;
			}
			json_object_array_add(ra, ro);
			json_object_object_add(ro, "file",
					       json_object_new_string(rel));
			free(rel);
			json_object_object_add(ro, "timestamp",
					       json_object_new_string(r->res->timestamp));
			k = json_object_object_get(r->res->environment,
						   "kernel");
			json_object_object_add(ro, "kernel",
					       json_object_get(k));
			json_object_object_add(ro, "suite_version",
					       jstr(r->res->suite_version));
			json_object_object_add(ro, "rounds",
					       json_object_new_int64(r->res->rounds));
			json_object_object_add(ro, "configurations",
					       json_object_new_int64((int64_t)r->res->nr_results));
			json_object_object_add(ro, "skipped",
					       json_object_new_int64((int64_t)skipped));
			json_object_object_add(ro, "invariant_violations",
					       json_object_new_int64((int64_t)viol));
			json_object_object_add(ro, "earlier_runs",
					       json_object_new_int64((int64_t)r->nr_history));
			if (r->cmp) {
				json_object_object_add(ro, "regressed",
						       json_object_new_int64((int64_t)r->regressed));
				json_object_object_add(ro, "improved",
						       json_object_new_int64((int64_t)r->improved));
			} else {
				json_object_object_add(ro, "not_judged",
						       json_object_new_string(r->cmp_note));
			}
		}
	}
	rf = json_object_new_array();
	json_object_object_add(root, "refused", rf);
	for (i = 0; i < nr_refused; i++) {
		json_object *o = json_object_new_object();
		char *rel = relative_path(dir, refused[i].path);

		json_object_object_add(o, "file", json_object_new_string(rel));
		json_object_object_add(o, "error",
				       json_object_new_string(refused[i].error));
		json_object_array_add(rf, o);
		free(rel);
	}

	tmp = xasprintf("%s.tmp", path);
	if (json_object_to_file_ext(tmp, root, JSON_C_TO_STRING_PRETTY |
				    JSON_C_TO_STRING_NOSLASHESCAPE) ||
	    rename(tmp, path)) {
		error("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		rc = -EIO;
	}
	free(tmp);
	json_object_put(root);
	return rc;
}

/* ---- The page --------------------------------------------------------- */

static void html(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void fmt_time(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* "1.234 [1.201, 1.262] ms" */
static void fmt_ci(char *buf, size_t len, double med, double lo, double hi,
		   const struct scale *sc)
{
	snprintf(buf, len, "%.4g [%.4g, %.4g] %s", med / sc->div, lo / sc->div,
		 hi / sc->div, sc->label);
}

static const char *verdict_class(const char *v)
{
	if (!v)
		return "";
	if (!strcmp(v, "regressed"))
		return "regressed";
	if (!strcmp(v, "improved"))
		return "improved";
	if (!strcmp(v, "no significant change"))
		return "same";
	return "noisy";
}

static void html_runs(FILE *f, const struct env *e, const char *dir)
{
	size_t i, c;

	fprintf(f, "<h3>Runs</h3>\n<table class=\"runs\"><tr><th>time (UTC)</th><th>kernel</th><th>release</th><th>series</th><th>suite</th><th>rounds</th><th>configurations</th><th>invariant violations</th><th>against earlier runs of the kernel</th><th>file</th></tr>\n");
	for (i = e->nr_runs; i-- > 0;) {
		const struct run *r = e->runs[i];
		const char *series = env_string(r->res, "kernel", "series");
		const char *rev = env_string(r->res, "kernel", "revision");
		char when[32], *rel = relative_path(dir, r->path);
		size_t viol = 0;

		for (c = 0; c < r->res->nr_results; c++)
			viol += r->res->results[c]->nr_violations;
		fmt_time(when, sizeof(when), r->when);
		fprintf(f, "<tr class=\"%s\"><td>%s</td><td>", r->regressed ?
			"regressed" : "", when);
		html(f, r->kernel);
		fprintf(f, "</td><td>");
		html(f, env_string(r->res, "kernel", "release"));
		fprintf(f, "</td><td>");
		if (series) {
			html(f, series);
			fprintf(f, " ");
			html(f, rev);
		}
		fprintf(f, "</td><td>");
		html(f, r->res->suite_version);
		fprintf(f, "</td><td>%lld</td><td>%zu</td><td%s>%zu</td><td>",
			(long long)r->res->rounds, r->res->nr_results,
			viol ? " class=\"regressed\"" : "", viol);
		if (r->cmp) {
			fprintf(f, "<a href=\"");
			html(f, r->cmp_file ? r->cmp_file : "");
			fprintf(f, "\">%zu regressed, %zu improved</a> against %zu earlier run%s",
				r->regressed, r->improved, r->nr_history,
				r->nr_history == 1 ? "" : "s");
		} else {
			html(f, r->cmp_note);
		}
		fprintf(f, "</td><td><a href=\"");
		html(f, rel);
		fprintf(f, "\">");
		html(f, r->stem);
		fprintf(f, "</a></td></tr>\n");
		free(rel);
	}
	fprintf(f, "</table>\n");
}

/* "+1.2% [-0.4%, +2.9%]" from the run's cell of its comparison. */
static void html_change(FILE *f, const struct dm_compare_cell *c)
{
	if (!c || c->verdict == DM_V_NOT_COMPARED || !isfinite(c->change) ||
	    !isfinite(c->change_lo) || !isfinite(c->change_hi))
		return;
	fprintf(f, "%+.1f%% [%+.1f%%, %+.1f%%]", c->change * 100.0,
		c->change_lo * 100.0, c->change_hi * 100.0);
}

/*
 * The rows of @last (with @prev's numbers beside them); only the rows
 * devmem-compare called regressed, improved or changed if @flagged.
 * Returns the number of rows written.
 */
static size_t latest_rows(FILE *f, const struct run *last,
			  const struct run *prev, bool flagged)
{
	size_t c, j, rows = 0;

	for (c = 0; c < last->res->nr_results; c++) {
		const struct dm_result *lr = last->res->results[c];

		for (j = 0; j < lr->nr_metrics; j++) {
			const struct dm_metric *lm = &lr->metrics[j];
			const struct dm_compare_cell *rev;
			const struct dm_metric *pm;
			const char *v;
			double med, lo, hi;
			char buf[128];
			struct scale sc;

			if (!lm->n)
				continue;
			rev = cell_of(last, lr->id, lm->name);
			v = rev ? dm_compare_verdict_name(rev->verdict) : NULL;
			if (flagged && (!v || (strcmp(v, "regressed") &&
					       strcmp(v, "improved") &&
					       strcmp(v, "changed"))))
				continue;
			if (!rows++)
				fprintf(f, "<table class=\"latest\"><tr><th>configuration</th><th>metric</th><th>previous median [95%% CI]</th><th>latest median [95%% CI]</th><th>change [CI]</th><th>verdict</th></tr>\n");
			sc = pick_scale(lm->unit, lm->summary.median);
			pm = find_metric(prev, lr->id, lm->name);
			fprintf(f, "<tr class=\"%s\"><td>", verdict_class(v));
			html(f, lr->id);
			fprintf(f, "</td><td>");
			html(f, lm->name);
			fprintf(f, "</td><td>");
			if (pm) {
				median_ci(pm, lr->id, &med, &lo, &hi);
				fmt_ci(buf, sizeof(buf), med, lo, hi, &sc);
				html(f, buf);
			}
			fprintf(f, "</td><td>");
			median_ci(lm, lr->id, &med, &lo, &hi);
			fmt_ci(buf, sizeof(buf), med, lo, hi, &sc);
			html(f, buf);
			fprintf(f, "</td><td>");
			html_change(f, rev);
			fprintf(f, "</td><td>");
			html(f, v ? v : "");
			fprintf(f, "</td></tr>\n");
		}
	}
	if (rows)
		fprintf(f, "</table>\n");
	return rows;
}

/* The latest run of each kernel against the one before it. */
static void html_latest(FILE *f, const struct env *e)
{
	size_t k, i;

	fprintf(f, "<h3>Latest run against the previous one</h3>\n");
	for (k = 0; k < e->nr_kernels; k++) {
		const struct run *last = NULL, *prev = NULL;
		char when[32], pwhen[32];

		for (i = e->nr_runs; i-- > 0 && !prev;) {
			if (strcmp(e->runs[i]->kernel, e->kernels[k]))
				continue;
			if (!last)
				last = e->runs[i];
			else
				prev = e->runs[i];
		}
		fprintf(f, "<h4>");
		html(f, e->kernels[k]);
		fprintf(f, "</h4>\n");
		if (!prev) {
			fprintf(f, "<p>Only one run of this kernel here: nothing to compare yet.</p>\n");
			continue;
		}
		fmt_time(when, sizeof(when), last->when);
		fmt_time(pwhen, sizeof(pwhen), prev->when);
		fprintf(f, "<p>Previous run %s, latest %s. ", pwhen, when);
		if (last->cmp) {
			fprintf(f, "Change and verdict: devmem-compare of the latest run against the %zu earlier run%s of this kernel, run by run: %zu regressed, %zu improved.</p>\n",
				last->nr_history,
				last->nr_history == 1 ? "" : "s",
				last->regressed, last->improved);
			latest_rows(f, last, prev, true);
		} else {
			fprintf(f, "No verdict: ");
			html(f, last->cmp_note);
			fprintf(f, ".</p>\n");
		}
		fprintf(f, "<details><summary>every row</summary>\n");
		latest_rows(f, last, prev, false);
		fprintf(f, "</details>\n");
	}
}

/* " (workload soak, devdax, ...)": the latest run's config, any workload. */
static void html_config(FILE *f, const struct env *e, const char *config)
{
	const struct dm_result *r = NULL;
	char buf[512];
	size_t i;

	for (i = e->nr_runs; i-- > 0 && !r;)
		r = dm_results_find(e->runs[i]->res, config);
	if (!r)
		return;
	dm_compare_fmt_config(buf, sizeof(buf), r);
	fprintf(f, " <span class=\"meta\">");
	html(f, buf);
	fprintf(f, "</span>");
}

static void html_charts(FILE *f, const struct env *e, const bool *drawn)
{
	const char *prev = NULL;
	size_t c;

	fprintf(f, "<h3>Trends</h3>\n");
	for (c = 0; c < e->nr_charts; c++) {
		const struct chart *ch = &e->charts[c];

		if (!drawn[c])
			continue;
		if (!prev || strcmp(prev, ch->config)) {
			if (prev)
				fprintf(f, "</div>\n");
			fprintf(f, "<h4 id=\"%s-", e->id);
			html(f, ch->config);
			fprintf(f, "\">");
			html(f, ch->config);
			html_config(f, e, ch->config);
			fprintf(f, "</h4>\n<div class=\"charts\">\n");
			prev = ch->config;
		}
		fprintf(f, "<figure><img class=\"chart\" src=\"charts/");
		html(f, ch->file);
		fprintf(f, ".svg\" width=\"440\" height=\"270\" alt=\"");
		html(f, ch->metric);
		fprintf(f, " of ");
		html(f, ch->config);
		fprintf(f, "\"><figcaption>");
		html(f, ch->metric);
		fprintf(f, " (%s is better%s)</figcaption></figure>\n",
			dm_better_name(ch->better),
			ch->deterministic ? "; deterministic: single values" :
			"");
	}
	if (prev)
		fprintf(f, "</div>\n");
}

static const char page_style[] =
"body{font-family:sans-serif;margin:1em 2em;color:#222}\n"
"table{border-collapse:collapse;font-size:0.85em;margin-bottom:1em}\n"
"td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}\n"
"th{background:#f0f0f0}\n"
"tr.regressed td{background:#fde0e0}\n"
"tr.improved td{background:#e0f5e0}\n"
"tr.noisy td{color:#777}\n"
"td.regressed{background:#fde0e0}\n"
".charts{display:flex;flex-wrap:wrap;gap:6px}\n"
"figure{margin:0;border:1px solid #ddd}\n"
"figcaption{font-size:0.8em;text-align:center;padding:2px}\n"
".meta{color:#555;font-size:0.9em}\n"
"section{border-top:2px solid #888;margin-top:1.5em}\n";

/* Counts the charts the browser could draw: data-charts-rendered. */
static const char page_script[] =
"window.addEventListener('load', function () {\n"
"  var imgs = document.querySelectorAll('img.chart'), ok = 0, bad = [];\n"
"  imgs.forEach(function (i) {\n"
"    if (i.complete && i.naturalWidth > 0) ok++;\n"
"    else bad.push(i.getAttribute('src'));\n"
"  });\n"
"  document.body.setAttribute('data-charts', imgs.length);\n"
"  document.body.setAttribute('data-charts-rendered', ok);\n"
"  document.getElementById('status').textContent = ok + ' of ' +\n"
"    imgs.length + ' charts rendered' +\n"
"    (bad.length ? '; missing: ' + bad.join(', ') : '');\n"
"});\n";

static int write_page(const char *dir, bool **drawn)
{
	char *path = xasprintf("%s/index.html", dir);
	char *tmp = xasprintf("%s.tmp", path), now[32], threshold_text[160];
	size_t i;
	FILE *f;
	int rc = 0;

	f = fopen(tmp, "w");
	if (!f) {
		error("%s: %s", tmp, strerror(errno));
		rc = -errno;
		goto out;
	}
	fmt_time(now, sizeof(now), time(NULL));
	if (opt.threshold)
		snprintf(threshold_text, sizeof(threshold_text),
			 "a threshold of %s%%", opt.threshold);
	else
		snprintf(threshold_text, sizeof(threshold_text),
			 "devmem-compare's default threshold for the environment (1%% for tcg-icount, 5%% otherwise)");
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
	html(f, opt.title);
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>", page_style);
	html(f, opt.title);
	fprintf(f, "</h1>\n<p class=\"meta\">Generated %s UTC from %zu run%s in %zu environment%s. Each chart: the median of one run (dots) and the %.0f%% bootstrap confidence interval of that median (band and bars), per kernel; a chart marked <i>deterministic</i> (every run's cycles within %.2g%% of each other, as instruction counts under tcg-icount are) shows single values, with no interval. A red triangle marks a run devmem-compare found <b>regressed</b> on that row against up to %u earlier runs of the same kernel in the same environment (run by run; a run with fewer than %u earlier runs is not judged), at %s; a green one, <b>improved</b>. Environments (accelerator and icount shift, CPU, memory, tracing, QEMU) never share a chart: tcg-icount durations are instruction counts (insn), not times.</p>\n<p id=\"status\" class=\"meta\">charts not checked (JavaScript off)</p>\n",
		now, nr_runs, nr_runs == 1 ? "" : "s", nr_envs,
		nr_envs == 1 ? "" : "s", opt.cmp.confidence * 100.0,
		DETERMINISTIC_SPREAD * 100.0, opt.history, opt.min_history,
		threshold_text);
	if (nr_refused) {
		fprintf(f, "<h2>Files left out</h2>\n<ul>\n");
		for (i = 0; i < nr_refused; i++) {
			fprintf(f, "<li>");
			html(f, refused[i].error);
			fprintf(f, "</li>\n");
		}
		fprintf(f, "</ul>\n");
	}
	fprintf(f, "<h2>Environments</h2>\n");
	if (!nr_envs)
		fprintf(f, "<p>No runs yet: <code>make bench</code> stores them in results/runs/.</p>\n");
	fprintf(f, "<ul>\n");
	for (i = 0; i < nr_envs; i++) {
		fprintf(f, "<li><a href=\"#%s\">", envs[i].id);
		html(f, envs[i].label);
		fprintf(f, "</a>: %zu run%s</li>\n", envs[i].nr_runs,
			envs[i].nr_runs == 1 ? "" : "s");
	}
	fprintf(f, "</ul>\n");
	for (i = 0; i < nr_envs; i++) {
		fprintf(f, "<section id=\"%s\"><h2>", envs[i].id);
		html(f, envs[i].label);
		fprintf(f, "</h2>\n");
		html_runs(f, &envs[i], dir);
		html_latest(f, &envs[i]);
		html_charts(f, &envs[i], drawn[i]);
		fprintf(f, "</section>\n");
	}
	fprintf(f, "<script>\n%s</script>\n</body></html>\n", page_script);
	if (fclose(f) || rename(tmp, path)) {
		error("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		rc = -EIO;
	}
out:
	free(path);
	free(tmp);
	return rc;
}

static int write_dashboard(const char *dir, bool **drawn)
{
	char *charts = xasprintf("%s/charts", dir), *gp_path;
	size_t i, c;
	int rc = 0, nr = 0, r;
	FILE *gp;

	gp_path = xasprintf("%s/charts.gp", charts);
	gp = fopen(gp_path, "w");
	if (!gp) {
		error("%s: %s", gp_path, strerror(errno));
		rc = -errno;
		goto out;
	}
	fprintf(gp, "# Written by devmem-dashboard; run in %s.\n", dir);
	fprintf(gp, "set terminal svg size 440,270 font 'sans,10' noenhanced background rgb 'white'\n");
	fprintf(gp, "set xdata time\nset timefmt '%%s'\n");
	fprintf(gp, "set grid ytics lc rgb '#dddddd'\nset key below font ',8'\n");
	fprintf(gp, "set border 3\nset tics nomirror\nset offsets 0, 0, graph 0.1, graph 0.1\n");
	for (i = 0; i < nr_envs; i++) {
		drawn[i] = calloc(envs[i].nr_charts + 1, sizeof(bool));
		if (!drawn[i]) {
			fclose(gp);
			rc = -ENOMEM;
			goto out;
		}
		for (c = 0; c < envs[i].nr_charts; c++) {
			r = write_chart(&envs[i], &envs[i].charts[c], dir, gp);
			if (r < 0) {
				fclose(gp);
				rc = r;
				goto out;
			}
			drawn[i][c] = r > 0;
			nr += r;
		}
	}
	if (fclose(gp)) {
		rc = -EIO;
		goto out;
	}
	if (nr)
		rc = run_gnuplot(dir);
	/* Every chart promised to the page must exist and hold something. */
	for (i = 0; !rc && i < nr_envs; i++) {
		for (c = 0; c < envs[i].nr_charts; c++) {
			struct stat st;
			char *svg;

			if (!drawn[i][c])
				continue;
			svg = xasprintf("%s/%s.svg", charts,
					envs[i].charts[c].file);
			if (stat(svg, &st) || st.st_size == 0) {
				error("gnuplot wrote no chart %s", svg);
				rc = -EIO;
			}
			free(svg);
		}
	}
	if (!rc)
		rc = write_page(dir, drawn);
out:
	free(gp_path);
	free(charts);
	return rc;
}

int main(int argc, char **argv)
{
	char *cmpdir = NULL;
	bool **drawn = NULL;
	size_t i, j;
	int rc = 0;

	dm_compare_opts_init(&opt.cmp);
	opt.cmp.labels = "earlier,run";
	if (parse_options(argc, argv)) {
		fprintf(stderr, "Try 'devmem-dashboard --help'.\n");
		return 2;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (load_path(argv[i]))
			return 2;
	qsort(runs, nr_runs, sizeof(*runs), cmp_run_time);
	group_runs();

	if (opt.out) {
		char *charts = xasprintf("%s/charts", opt.out);

		cmpdir = xasprintf("%s/cmp", opt.out);
		if (mkdir_p(charts) || mkdir_p(cmpdir))
			return 2;
		clean_dir(charts);
		clean_dir(cmpdir);
		free(charts);
	}

	for (i = 0; i < nr_envs; i++) {
		collect_charts(&envs[i]);
		mark_deterministic(&envs[i]);
		for (j = 0; j < envs[i].nr_runs; j++)
			compare_run(&envs[i], j, cmpdir, "cmp");
	}

	if (opt.index && write_index(opt.index))
		rc = 2;
	if (opt.out) {
		drawn = calloc(nr_envs + 1, sizeof(*drawn));
		if (!drawn || write_dashboard(opt.out, drawn))
			rc = 2;
		else
			fprintf(stderr, "devmem-dashboard: %s/index.html: %zu runs, %zu environments, %zu left out\n",
				opt.out, nr_runs, nr_envs, nr_refused);
	}

	for (i = 0; drawn && i < nr_envs; i++)
		free(drawn[i]);
	free(drawn);
	for (i = 0; i < nr_envs; i++) {
		for (j = 0; j < envs[i].nr_charts; j++) {
			free(envs[i].charts[j].config);
			free(envs[i].charts[j].metric);
			free(envs[i].charts[j].file);
		}
		for (j = 0; j < envs[i].nr_kernels; j++)
			free(envs[i].kernels[j]);
		free(envs[i].charts);
		free(envs[i].kernels);
		free(envs[i].runs);
		free(envs[i].label);
	}
	free(envs);
	for (i = 0; i < nr_runs; i++) {
		dm_compare_free(runs[i]->cmp);
		dm_results_free(runs[i]->res);
		free(runs[i]->path);
		free(runs[i]->stem);
		free(runs[i]->cmp_file);
		free(runs[i]);
	}
	free(runs);
	for (i = 0; i < nr_refused; i++) {
		free(refused[i].path);
		free(refused[i].error);
	}
	free(refused);
	free(cmpdir);
	return rc;
}
