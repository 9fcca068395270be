// SPDX-License-Identifier: GPL-2.0
/*
 * The run context of devmem-bench: drives one workload's configurations
 * (workload.h) and turns what they emit into results and a table.
 */
#include <errno.h>
#include <math.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "stats.h"

#define PAGE_4K		4096ull

struct series {
	const struct dm_wl_metric *decl;
	char *name;
	double *v;
	size_t n, alloc;
};

struct dm_wl {
	struct dm_run *run;
	const struct dm_workload *wl;
	struct dm_wl_config *cfg;
	void *priv;
	struct dm_result *result;
	struct series *series;
	size_t nr_series, alloc_series;
	bool measuring;
	int violations;
	int cycles_run;
	int ci, nc;
	uint64_t start;
};

/* ---- Registry ------------------------------------------------------------ */

const struct dm_workload *dm_workload_find(const char *name)
{
	size_t i;

	for (i = 0; i < dm_nr_workloads; i++)
		if (!strcmp(dm_workloads[i]->name, name))
			return dm_workloads[i];
	return NULL;
}

static const char *opt_type_name(enum dm_wl_opt_type t)
{
	switch (t) {
	case DM_WL_OPT_INT: return "N";
	case DM_WL_OPT_SIZE: return "SIZE";
	case DM_WL_OPT_BOOL: return "0|1";
	default: return "TEXT";
	}
}

void dm_run_list(FILE *out, bool verbose)
{
	const struct dm_wl_option *o;
	const struct dm_wl_metric *m;
	size_t i;

	for (i = 0; i < dm_nr_workloads; i++) {
		const struct dm_workload *wl = dm_workloads[i];

		fprintf(out, "%-12s %s\n", wl->name, wl->summary);
		if (!verbose)
			continue;
		if (wl->invariants)
			fprintf(out, "%-12s checks: %s\n", "", wl->invariants);
		for (o = wl->options; o && o->name; o++)
			fprintf(out, "%-12s -O %s=%s  %s [%s]\n", "", o->name,
				opt_type_name(o->type), o->help,
				o->def ? o->def : "");
		for (m = wl->metrics; m && m->name; m++)
			fprintf(out, "%-12s metric %s (%s, %s)%s%s\n",
				"", m->name, dm_unit_name(m->unit),
				m->better == DM_BETTER_LOWER ?
				"lower is better" :
				m->better == DM_BETTER_HIGHER ?
				"higher is better" : "informational",
				m->help ? ": " : "", m->help ? m->help : "");
	}
}

/* ---- Options ------------------------------------------------------------- */

static const struct dm_wl_option *find_opt(const struct dm_workload *wl,
					   const char *name)
{
	const struct dm_wl_option *o;

	for (o = wl->options; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static int parse_bool(const char *s, bool *b)
{
	if (!strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "on")) {
		*b = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "off")) {
		*b = false;
		return 0;
	}
	return -EINVAL;
}

static int parse_opt_value(const struct dm_wl_option *o, const char *s,
			   long long *out)
{
	unsigned long long u;
	char *end;
	bool b;

	switch (o->type) {
	case DM_WL_OPT_INT:
		errno = 0;
		*out = strtoll(s, &end, 10);
		if (errno || *end || end == s || *out < o->min || *out > o->max)
			return -EINVAL;
		return 0;
	case DM_WL_OPT_SIZE:
		if (dm_parse_size(s, &u) || u > (unsigned long long)o->max ||
		    (long long)u < o->min)
			return -EINVAL;
		*out = (long long)u;
		return 0;
	case DM_WL_OPT_BOOL:
		if (parse_bool(s, &b))
			return -EINVAL;
		*out = b;
		return 0;
	default:
		*out = 0;
		return 0;
	}
}

int dm_run_check_opts(struct dm_run *run, const struct dm_workload *wl)
{
	const struct dm_wl_option *o;
	long long v;
	int i;

	for (i = 0; i < run->nr_opts; i++) {
		o = find_opt(wl, run->opts[i].name);
		if (!o)
			continue;
		if (parse_opt_value(o, run->opts[i].value, &v)) {
			fprintf(stderr, "devmem-bench: -O %s=%s: not a valid %s for workload %s",
				o->name, run->opts[i].value,
				opt_type_name(o->type), wl->name);
			if (o->type == DM_WL_OPT_INT ||
			    o->type == DM_WL_OPT_SIZE)
				fprintf(stderr, " (%lld..%lld)", o->min,
					o->max);
			fputc('\n', stderr);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *opt_value(struct dm_run *run, const char *name,
			     const struct dm_wl_option **decl)
{
	int i;

	*decl = run->wl ? find_opt(run->wl, name) : NULL;
	for (i = run->nr_opts; i-- > 0;)
		if (!strcmp(run->opts[i].name, name))
			return run->opts[i].value;
	return *decl ? (*decl)->def : NULL;
}

long long dm_run_opt_int(struct dm_run *run, const char *name)
{
	const struct dm_wl_option *o;
	const char *s = opt_value(run, name, &o);
	long long v = 0;

	if (!o || !s || parse_opt_value(o, s, &v)) {
		fprintf(stderr, "devmem-bench: internal: option %s of %s has no valid value\n",
			name, run->wl ? run->wl->name : "?");
		return 0;
	}
	return v;
}

const char *dm_run_opt_str(struct dm_run *run, const char *name)
{
	const struct dm_wl_option *o;

	return opt_value(run, name, &o);
}

int dm_run_param_int(struct dm_run *run, const char *key, int64_t v)
{
	return run->res ? dm_results_set_param_int(run->res, key, v) : 0;
}

int dm_run_param_str(struct dm_run *run, const char *key, const char *v)
{
	return run->res ? dm_results_set_param_string(run->res, key, v) : 0;
}

/* ---- Accessors ----------------------------------------------------------- */

struct dm_ctx *dm_run_ctx(struct dm_run *run) { return run->ctx; }
bool dm_run_counts_insn(struct dm_run *run) { return run->counts_insn; }
bool dm_run_quiet(struct dm_run *run) { return run->quiet; }

bool dm_run_interrupted(struct dm_run *run)
{
	return run->interrupted && *run->interrupted;
}

int dm_run_cycles(struct dm_run *run)
{
	if (run->cycles > 0)
		return run->cycles;
	return run->wl && run->wl->default_cycles ? run->wl->default_cycles :
	       30;
}

int dm_run_warmup(struct dm_run *run)
{
	if (run->warmup >= 0)
		return run->warmup;
	return run->wl ? run->wl->default_warmup : 2;
}

struct dm_run *dm_wl_run(struct dm_wl *w) { return w->run; }
struct dm_ctx *dm_wl_ctx(struct dm_wl *w) { return w->run->ctx; }
const struct dm_wl_config *dm_wl_config(struct dm_wl *w) { return w->cfg; }
void *dm_wl_priv(struct dm_wl *w) { return w->priv; }
struct dm_result *dm_wl_result(struct dm_wl *w) { return w->result; }
const char *dm_wl_tag(struct dm_wl *w) { return w->run->tag; }
int dm_wl_violations(struct dm_wl *w) { return w->violations; }

int dm_wl_cycles(struct dm_wl *w)
{
	return w->cfg->cycles > 0 ? w->cfg->cycles : dm_run_cycles(w->run);
}

int dm_wl_warmup(struct dm_wl *w)
{
	return w->cfg->warmup >= 0 ? w->cfg->warmup : dm_run_warmup(w->run);
}

/* ---- Samples and violations ---------------------------------------------- */

static const struct dm_wl_metric *find_decl(const struct dm_workload *wl,
					    const char *name)
{
	const struct dm_wl_metric *m;

	for (m = wl->metrics; m && m->name; m++)
		if (strchr(m->name, '*') ? !fnmatch(m->name, name, 0) :
		    !strcmp(m->name, name))
			return m;
	return NULL;
}

static struct series *find_series(struct dm_wl *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nr_series; i++)
		if (!strcmp(w->series[i].name, name))
			return &w->series[i];
	return NULL;
}

int dm_wl_sample(struct dm_wl *w, const char *metric, double v)
{
	struct series *s;

	if (!w->measuring)
		return 0;
	s = find_series(w, metric);
	if (!s) {
		const struct dm_wl_metric *decl = find_decl(w->wl, metric);

		if (!decl) {
			fprintf(stderr, "devmem-bench: internal: workload %s emits metric %s it does not declare\n",
				w->wl->name, metric);
			return -EINVAL;
		}
		if (w->nr_series == w->alloc_series) {
			size_t na = w->alloc_series ? 2 * w->alloc_series : 16;
			struct series *p = realloc(w->series, na * sizeof(*p));

			if (!p)
				return -ENOMEM;
			w->series = p;
			w->alloc_series = na;
		}
		s = &w->series[w->nr_series];
		memset(s, 0, sizeof(*s));
		s->decl = decl;
		s->name = strdup(metric);
		if (!s->name)
			return -ENOMEM;
		w->nr_series++;
	}
	if (s->n == s->alloc) {
		size_t na = s->alloc ? 2 * s->alloc : 64;
		double *p = realloc(s->v, na * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->v = p;
		s->alloc = na;
	}
	s->v[s->n++] = v;
	return 0;
}

const double *dm_wl_series(struct dm_wl *w, const char *metric, size_t *n)
{
	struct series *s = find_series(w, metric);

	*n = s ? s->n : 0;
	return s ? s->v : NULL;
}

void dm_wl_violation(struct dm_wl *w, int cycle, const char *check,
		     const char *fmt, ...)
{
	char msg[DM_MSG_LEN];
	va_list ap;
	int n;

	/* Warm-up cycles (c < -1) are outside the measured ones: -1. */
	n = cycle < -1 ? snprintf(msg, sizeof(msg), "warm-up cycle %d: ",
				  -1 - cycle) : 0;
	if (cycle < -1)
		cycle = -1;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	w->violations++;
	if (w->result)
		dm_result_add_violation(w->result, cycle, check, msg);
	fprintf(stderr, "\ndevmem-bench: %s: cycle %d %s: %s\n", w->cfg->id,
		cycle, check, msg);
}

int dm_wl_checked(struct dm_wl *w, int cycle, const char *check, int n,
		  const char *msg)
{
	if (n < 0) {
		dm_wl_violation(w, cycle, check,
				"cannot read the kernel's state: %s",
				strerror(-n));
		return n;
	}
	if (n)
		dm_wl_violation(w, cycle, check, "%s%s", msg,
				n > 1 ? " (and more)" : "");
	return 0;
}

int dm_wl_destroy_ns(struct dm_wl *w, struct dm_ns *ns)
{
	int rc = dm_ns_destroy(ns);

	if (rc)
		dm_wl_violation(w, -1, "destroy",
				"destroying the namespace: %s: %s",
				strerror(-rc), dm_why(dm_wl_ctx(w)));
	return rc;
}

/*
 * "[3/8 devdax-mem-2M-1G] cycle 12/30, 41 s" on stderr: rewritten in place
 * on a terminal, one line per step and every tenth in a log.
 */
void dm_wl_progress(struct dm_wl *w, const char *what, int i, int n)
{
	static int tty = -1;

	if (w->run->quiet)
		return;
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty && i != 1 && i != n && i % (n >= 1000 ? 100 : 10))
		return;
	fprintf(stderr, "%s[%d/%d %s] %s %d/%d, %.0f s%s", tty ? "\r" : "",
		w->ci + 1, w->nc, w->cfg->id, what, i, n,
		(dm_now_ns() - w->start) / 1e9, tty && i != n ? "   " : "\n");
	fflush(stderr);
}

/* ---- Tracing and perturbation --------------------------------------------- */

bool dm_wl_tracing(struct dm_wl *w)
{
	return w->run->tracer && w->wl->trace_funcs;
}

void dm_wl_trace_clear(struct dm_wl *w)
{
	if (dm_wl_tracing(w))
		dm_tracer_clear(w->run->tracer);
}

int dm_wl_trace_read(struct dm_wl *w, struct dm_graph_times *t)
{
	if (!dm_wl_tracing(w))
		return -ENODEV;
	return dm_tracer_read(w->run->tracer, t);
}

int dm_wl_trace_sleep_time(struct dm_wl *w)
{
	return w->run->tracer ? w->run->tracer->sleep_time : -1;
}

/* splitmix64, so a seed gives the same order and delays everywhere. */
uint64_t dm_run_perturb_next(struct dm_run *run)
{
	uint64_t z = (run->perturb_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Before a cycle: 0-5 ms, spinning on the clock or asleep, so that the
 * background work of the kernel (kworkers, RCU, timers) lands at other
 * points of the cycles than in an unperturbed run.
 */
void dm_wl_perturb(struct dm_wl *w)
{
	struct dm_run *run = w->run;
	struct timespec ts;
	uint64_t r, ns, t0;

	if (run->perturb_seed < 0)
		return;
	r = dm_run_perturb_next(run);
	ns = (r >> 1) % 5000001;
	if (r & 1) {
		t0 = dm_now_ns();
		while (dm_now_ns() - t0 < ns)
			;
	} else {
		ts.tv_sec = 0;
		ts.tv_nsec = ns;
		while (nanosleep(&ts, &ts) && errno == EINTR &&
		       !dm_run_interrupted(run))
			;
	}
}

/* ---- The namespace matrix ------------------------------------------------- */

int dm_split_list(const char *opt, const char *list, char **tok, int max,
		  char **copy)
{
	char *save = NULL, *t;
	int n = 0;

	*copy = strdup(list);
	if (!*copy)
		return -ENOMEM;
	for (t = strtok_r(*copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			fprintf(stderr, "devmem-bench: %s: more than %d entries\n",
				opt, max);
			return -EINVAL;
		}
		tok[n++] = t;
	}
	if (!n) {
		fprintf(stderr, "devmem-bench: %s: empty list\n", opt);
		return -EINVAL;
	}
	return n;
}

int dm_run_ns_matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	char *modes[4], *maps[4], *aligns[8], *sizes[16];
	char *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL;
	int nmodes, nmaps, naligns, nsizes, i, j, k, l, n = 0, rc = -EINVAL;
	unsigned long long align[8], size[16];
	enum dm_mode mode[4];
	enum dm_map map[4];

	nmodes = dm_split_list("--modes", run->modes, modes, 4, &c1);
	nmaps = dm_split_list("--maps", run->maps, maps, 4, &c2);
	naligns = dm_split_list("--aligns", run->aligns, aligns, 8, &c3);
	nsizes = dm_split_list("--sizes", run->sizes, sizes, 16, &c4);
	if (nmodes < 0 || nmaps < 0 || naligns < 0 || nsizes < 0)
		goto out;
	for (i = 0; i < nmodes; i++) {
		if (!strcmp(modes[i], "devdax")) {
			mode[i] = DM_MODE_DEVDAX;
		} else if (!strcmp(modes[i], "fsdax")) {
			mode[i] = DM_MODE_FSDAX;
		} else {
			fprintf(stderr, "devmem-bench: --modes: unknown mode '%s' (devdax, fsdax)\n",
				modes[i]);
			goto out;
		}
	}
	for (i = 0; i < nmaps; i++) {
		if (!strcmp(maps[i], "mem")) {
			map[i] = DM_MAP_MEM;
		} else if (!strcmp(maps[i], "dev")) {
			map[i] = DM_MAP_DEV;
		} else {
			fprintf(stderr, "devmem-bench: --maps: unknown placement '%s' (mem, dev)\n",
				maps[i]);
			goto out;
		}
	}
	for (i = 0; i < naligns; i++) {
		if (dm_parse_size(aligns[i], &align[i]) ||
		    (align[i] != PAGE_4K && align[i] != 2ull << 20 &&
		     align[i] != 1ull << 30)) {
			fprintf(stderr, "devmem-bench: --aligns: '%s' is not 4K, 2M or 1G\n",
				aligns[i]);
			goto out;
		}
	}
	for (i = 0; i < nsizes; i++) {
		if (dm_parse_size(sizes[i], &size[i]) || !size[i] ||
		    size[i] % (16ull << 20)) {
			fprintf(stderr, "devmem-bench: --sizes: '%s' is not a size that is a multiple of 16M\n",
				sizes[i]);
			goto out;
		}
	}
	for (i = 0; i < nmodes; i++)
	for (j = 0; j < nmaps; j++)
	for (k = 0; k < (mode[i] == DM_MODE_DEVDAX ? naligns : 1); k++)
	for (l = 0; l < nsizes; l++) {
		struct dm_wl_config *c = &cfgs[n];

		if (n == max) {
			fprintf(stderr, "devmem-bench: the matrix has more than %d configurations\n",
				max);
			goto out;
		}
		memset(c, 0, sizeof(*c));
		c->warmup = -1;
		c->has_ns = true;
		c->ns.mode = mode[i];
		c->ns.map = map[j];
		c->ns.align = mode[i] == DM_MODE_DEVDAX ? align[k] : 2ul << 20;
		c->ns.size = size[l];
		/* The data starts at the first align boundary past the info
		 * block, so the namespace needs room for one align more.
		 */
		if (c->ns.align >= (1ul << 30) && c->ns.size < 2 * c->ns.align)
			snprintf(c->skipped, sizeof(c->skipped),
				 "align %lu needs a namespace of at least %lu bytes",
				 c->ns.align, 2 * c->ns.align);
		else if (c->ns.size % c->ns.align)
			snprintf(c->skipped, sizeof(c->skipped),
				 "size is not a multiple of the align");
		n++;
	}
	rc = n;
out:
	free(c1);
	free(c2);
	free(c3);
	free(c4);
	return rc;
}

/* The id the results file will carry (results.c's rules). */
static void make_id(const struct dm_workload *wl, struct dm_wl_config *c)
{
	struct dm_config rc = {
		.workload = wl->name,
		.variant = c->variant[0] ? c->variant : NULL,
		.driver = c->driver ? c->driver : "sysfs",
	};

	if (c->has_ns) {
		rc.mode = dm_mode_name(c->ns.mode);
		rc.map = dm_map_name(c->ns.map);
		rc.align_bytes = c->ns.align;
		rc.size_bytes = c->ns.size;
	}
	if (dm_config_make_id(&rc, c->id, sizeof(c->id)))
		snprintf(c->id, sizeof(c->id), "%s.%s", wl->name,
			 c->variant[0] ? c->variant : "?");
}

int dm_run_matrix(struct dm_run *run, const struct dm_workload *wl,
		  struct dm_wl_config *cfgs, int max)
{
	struct dm_wl_config tmp;
	int i, j, n;

	run->wl = wl;
	n = wl->matrix ? wl->matrix(run, cfgs, max) :
	    dm_run_ns_matrix(run, cfgs, max);
	for (i = 0; i < n; i++)
		make_id(wl, &cfgs[i]);
	if (n > 0 && run->perturb_seed >= 0) {
		/* Fisher-Yates, drawn from the seed */
		for (i = n - 1; i > 0; i--) {
			j = dm_run_perturb_next(run) % (i + 1);
			tmp = cfgs[i];
			cfgs[i] = cfgs[j];
			cfgs[j] = tmp;
		}
	}
	return n;
}

/* ---- Driving a workload --------------------------------------------------- */

/*
 * Scale a value of @unit for people with 3 significant-ish digits:
 * ns, us, ms, s (insn ... under icount), KiB..., plain counts.
 */
static const char *fmt_value(enum dm_unit unit, double v, char *buf,
			     size_t len)
{
	struct dm_scale sc = dm_unit_scale(unit, v);
	int prec = sc.div >= 1e9 ? 3 : sc.div >= 1e6 ? 2 :
		   sc.div >= 1e3 ? 1 : 0;

	if (!dm_unit_is_integer(unit) && sc.div == 1)
		prec = 2;
	snprintf(buf, len, "%.*f%s%s", prec, v / sc.div,
		 sc.suffix[0] ? " " : "", sc.suffix);
	return buf;
}

static void print_series(struct dm_wl *w, const struct series *s)
{
	enum dm_unit unit = s->decl->unit;
	struct dm_summary sm;
	char a[5][32], label[64], cv[16];

	if (w->run->counts_insn)
		unit = dm_unit_for_accel(unit, DM_ACCEL_ICOUNT);
	if (dm_stats_summarize(s->v, s->n, &sm))
		return;
	snprintf(label, sizeof(label), "%s%s", s->decl->indent ? " " : "",
		 s->name);
	/* One sample (a count, a slope) has no spread to show. */
	if (s->n > 1 && isfinite(sm.cv))
		snprintf(cv, sizeof(cv), "%.1f%%", sm.cv * 100);
	else
		snprintf(cv, sizeof(cv), "-");
	printf("  %-34s %11s %11s %11s %11s %11s %7s\n", label,
	       fmt_value(unit, sm.median, a[0], 32),
	       fmt_value(unit, sm.p90, a[1], 32),
	       fmt_value(unit, sm.p99, a[2], 32),
	       fmt_value(unit, sm.min, a[3], 32),
	       fmt_value(unit, sm.max, a[4], 32), cv);
}

/* Metrics in the order the workload declares them, families in order
 * of first emission.
 */
static int store_series(struct dm_wl *w, bool print)
{
	const struct dm_wl_metric *m;
	size_t i;
	int rc = 0;

	if (print && w->nr_series) {
		printf("\n%s  (%d cycles)\n", w->cfg->id, dm_wl_cycles(w));
		printf("  %-34s %11s %11s %11s %11s %11s %7s\n", "", "median",
		       "p90", "p99", "min", "max", "CV");
	}
	for (m = w->wl->metrics; m && m->name; m++) {
		for (i = 0; i < w->nr_series; i++) {
			struct series *s = &w->series[i];

			if (s->decl != m || !s->n)
				continue;
			if (print)
				print_series(w, s);
			if (!w->result || rc)
				continue;
			rc = dm_result_add_metric(w->result, s->name,
						  m->unit, m->better, s->v,
						  s->n);
			if (rc)
				fprintf(stderr, "devmem-bench: %s: recording %s: %s\n",
					w->cfg->id, s->name, strerror(-rc));
		}
	}
	return rc;
}

static void free_series(struct dm_wl *w)
{
	size_t i;

	for (i = 0; i < w->nr_series; i++) {
		free(w->series[i].name);
		free(w->series[i].v);
	}
	free(w->series);
	w->series = NULL;
	w->nr_series = w->alloc_series = 0;
}

static int add_result(struct dm_run *run, const struct dm_workload *wl,
		      const struct dm_wl_config *c, struct dm_result **out)
{
	struct dm_config rc = {
		.id = c->id,
		.workload = wl->name,
		.variant = c->variant[0] ? c->variant : NULL,
		.driver = c->driver ? c->driver : "sysfs",
	};

	*out = NULL;
	if (!run->res)
		return 0;
	if (c->has_ns) {
		rc.mode = dm_mode_name(c->ns.mode);
		rc.map = dm_map_name(c->ns.map);
		rc.align_bytes = c->ns.align;
		rc.size_bytes = c->ns.size;
	}
	return dm_results_add_result(run->res, &rc, out);
}

/* Region checks the front end makes for every configuration. */
static void check_fits(struct dm_run *run, struct dm_wl_config *c)
{
	unsigned long long need = c->need ? c->need :
				  c->has_ns ? c->ns.size : 0;

	if (c->skipped[0])
		return;
	if (c->has_ns &&
	    !dm_region_supports_align(run->ctx, c->ns.mode, c->ns.align))
		snprintf(c->skipped, sizeof(c->skipped),
			 "%s does not support align %lu for %s",
			 dm_region_name(run->ctx), c->ns.align,
			 dm_mode_name(c->ns.mode));
	else if (need && dm_region_available(run->ctx) < need)
		snprintf(c->skipped, sizeof(c->skipped),
			 "%s has %llu bytes free, %llu needed",
			 dm_region_name(run->ctx),
			 dm_region_available(run->ctx), need);
}

static int run_config(struct dm_run *run, const struct dm_workload *wl,
		      struct dm_wl_config *cfg, int ci, int nc)
{
	struct dm_wl w = {
		.run = run, .wl = wl, .cfg = cfg, .ci = ci, .nc = nc,
		.start = dm_now_ns(),
	};
	int c, rc, cycles, warmup, ok = 0;

	rc = add_result(run, wl, cfg, &w.result);
	if (rc) {
		fprintf(stderr, "devmem-bench: %s: results: %s\n", cfg->id,
			strerror(-rc));
		return rc;
	}
	check_fits(run, cfg);
	if (cfg->skipped[0]) {
		printf("\n%s  skipped: %s\n", cfg->id, cfg->skipped);
		if (w.result)
			dm_result_set_skipped(w.result, cfg->skipped);
		return 0;
	}
	if (wl->priv_size) {
		w.priv = calloc(1, wl->priv_size);
		if (!w.priv)
			return -ENOMEM;
	}
	cycles = dm_wl_cycles(&w);
	warmup = dm_wl_warmup(&w);
	rc = wl->setup ? wl->setup(&w) : 0;
	if (rc) {
		if (!w.violations)
			dm_wl_violation(&w, -1, "setup", "%s", strerror(-rc));
		goto out;
	}
	for (c = 0; c < warmup && !dm_run_interrupted(run); c++) {
		dm_wl_progress(&w, "warm-up", c + 1, warmup);
		rc = wl->cycle(&w, -1 - c);
		if (rc)
			break;
	}
	w.measuring = true;
	for (c = 0; !rc && c < cycles && !dm_run_interrupted(run); c++) {
		dm_wl_progress(&w, "cycle", c + 1, cycles);
		rc = wl->cycle(&w, c);
		if (!rc)
			w.cycles_run++;
	}
	if (rc && !w.violations)
		dm_wl_violation(&w, w.cycles_run, "cycle", "%s",
				strerror(-rc));
	rc = wl->teardown ? wl->teardown(&w) : 0;
	if (rc && !w.violations)
		dm_wl_violation(&w, -1, "teardown", "%s", strerror(-rc));
	ok = store_series(&w, true);
	if (wl->stress) {
		double done = w.cycles_run;

		printf("  cycles run: %d of %d, violations: %d\n",
		       w.cycles_run, cycles, w.violations);
		if (w.result && !ok)
			ok = dm_result_add_metric(w.result, "cycles_run",
						  DM_UNIT_COUNT,
						  DM_BETTER_HIGHER, &done, 1);
	}
	if (wl->report)
		wl->report(&w, stdout);
	if (w.violations)
		printf("  INVARIANT VIOLATIONS: %d (see stderr and the JSON)\n",
		       w.violations);
out:
	run->violations += w.violations;
	if (!w.violations && !ok && !dm_run_interrupted(run))
		run->ran++;
	free_series(&w);
	free(w.priv);
	return ok;
}

int dm_run_workload(struct dm_run *run, const struct dm_workload *wl)
{
	static struct dm_wl_config cfgs[DM_WL_MAX_CONFIGS];
	char why[DM_MSG_LEN] = "";
	int i, n, rc;

	run->wl = wl;
	if (wl->supported && wl->supported(run, why, sizeof(why))) {
		printf("\n%s: skipped: %s\n", wl->name, why);
		if (run->res) {
			struct dm_config c = {
				.workload = wl->name, .variant = "all",
			};
			struct dm_result *r;

			if (!dm_results_add_result(run->res, &c, &r))
				dm_result_set_skipped(r, why);
		}
		return 0;
	}
	n = dm_run_matrix(run, wl, cfgs, DM_WL_MAX_CONFIGS);
	if (n < 0)
		return n;
	for (i = 0; i < n && !dm_run_interrupted(run); i++) {
		rc = run_config(run, wl, &cfgs[i], i, n);
		if (rc)
			run->failed++;
	}
	return 0;
}
