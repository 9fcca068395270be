/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A devmem-bench workload: one file in bench/workloads/ and one line in
 * bench/workloads/workloads.def.  Nothing else knows its name: the front
 * end (bench/devmem-bench.c) lists, selects and drives it, the results file
 * carries its configurations (schema devmem-bench/2, config.workload), and
 * devmem-compare and the dashboard read those like any other.
 *
 * The front end owns the run: the libndctl context with its region
 * selected and locked, tracefs, the results document, signals, progress
 * and the cycle loop.  Per configuration of the workload's matrix it calls
 *
 *	setup(w)			create what the configuration needs
 *	cycle(w, c)			c = -warmup .. -1: warm-up, not recorded;
 *					c = 0 .. cycles-1: measured
 *	teardown(w)			always, after a successful setup, also
 *					when a cycle failed or the run was
 *					interrupted; destroys what setup made
 *					and may add summary metrics
 *
 * and then stores every sample series the workload emitted with
 * dm_wl_sample() as a metric, with the unit and direction its metric table
 * declares.  A check that fails is reported with dm_wl_violation(): the
 * configuration goes on (the check is recorded with its cycle) and the run
 * exits 1.  A step that cannot go on returns -errno from cycle() (after a
 * violation saying what failed): the front end stops that configuration
 * and still calls teardown().
 *
 *	static const struct dm_wl_metric my_metrics[] = {
 *		{ "add_ns", DM_UNIT_NS, DM_BETTER_LOWER, "bind latency" },
 *		{ NULL },
 *	};
 *	const struct dm_workload dm_wl_mine = {
 *		.name = "mine", .summary = "...", .invariants = "...",
 *		.metrics = my_metrics, .matrix = my_matrix,
 *		.setup = my_setup, .cycle = my_cycle, .teardown = my_teardown,
 *		.priv_size = sizeof(struct my_state),
 *	};
 *
 * and in workloads.def: DM_WORKLOAD(mine).  Actions return 0 or -errno.
 */
#ifndef DEVMEM_WORKLOAD_H
#define DEVMEM_WORKLOAD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devmem.h"
#include "results.h"
#include "trace.h"

#define DM_WL_MAX_CONFIGS	128
#define DM_WL_ID_LEN		64

struct dm_run;
struct dm_wl;

/*
 * A workload's own option, given as -O NAME=VALUE (or
 * --opt NAME=VALUE); the front end validates the type and the range.
 * Sizes take K, M, G, T.
 */
enum dm_wl_opt_type {
	DM_WL_OPT_INT,		/* a decimal integer in [min, max] */
	DM_WL_OPT_SIZE,		/* bytes, in [min, max] */
	DM_WL_OPT_BOOL,		/* 0/1, yes/no, on/off */
	DM_WL_OPT_STRING,	/* free text */
};

struct dm_wl_option {
	const char *name;	/* "leak-bytes": [a-z0-9-] */
	enum dm_wl_opt_type type;
	const char *def;	/* default, as it would be typed */
	long long min, max;	/* INT and SIZE only */
	const char *help;
};

/*
 * A metric the workload may emit.  A @name with '*' declares a family
 * ("phase.*_ns", an fnmatch pattern): every name it matches takes its
 * unit and direction.  @indent prints the row under the previous one.
 */
struct dm_wl_metric {
	const char *name;
	enum dm_unit unit;	/* DM_UNIT_NS etc.; ns become insn under icount */
	enum dm_better better;
	const char *help;
	bool indent;
};

/* One configuration of a workload's matrix. */
struct dm_wl_config {
	char id[DM_WL_ID_LEN];		/* filled by the front end */
	/* The workload's own name for it ("packed-2M"); "" if it has none,
	 * then the id comes from @ns (which it must have).
	 */
	char variant[32];
	bool has_ns;			/* @ns describes its namespace */
	struct dm_ns_config ns;
	const char *driver;		/* NULL: "sysfs" */
	int cycles;			/* 0: the run's --cycles */
	int warmup;			/* -1: the run's --warmup */
	unsigned long long need;	/* bytes of one region it needs */
	char skipped[DM_MSG_LEN];	/* set: not run, and why */
	long priv;			/* the workload's own, e.g. an index */
};

struct dm_workload {
	const char *name;		/* [a-z0-9-], e.g. "ns-cycle" */
	const char *summary;		/* one line, for --list */
	const char *invariants;		/* what it checks, for --list */
	const struct dm_wl_option *options;	/* { NULL } terminated */
	const struct dm_wl_metric *metrics;	/* { NULL } terminated */
	/* Functions for function_graph, NULL terminated; NULL: no tracing */
	const char *const *trace_funcs;
	/*
	 * 0 if it can run here, else -EOPNOTSUPP (or -errno) with the
	 * reason in @why: the workload is skipped with it.  NULL: always.
	 */
	int (*supported)(struct dm_run *run, char *why, size_t len);
	/*
	 * Fill up to @max configurations from the run's options and return
	 * how many, or -EINVAL after printing what was wrong with them.
	 * NULL: one configuration per namespace of the run's --modes,
	 * --maps, --aligns, --sizes matrix (dm_run_ns_matrix()).
	 */
	int (*matrix)(struct dm_run *run, struct dm_wl_config *cfgs, int max);
	int (*setup)(struct dm_wl *w);
	int (*cycle)(struct dm_wl *w, int c);
	int (*teardown)(struct dm_wl *w);
	/* Extra lines under the configuration's table (optional). */
	void (*report)(struct dm_wl *w, FILE *out);
	size_t priv_size;		/* zeroed state: dm_wl_priv() */
	/*
	 * A stress workload: the front end records per configuration the
	 * measured cycles it completed as the metric "cycles_run" (count),
	 * which make stress's verdict table shows.
	 */
	bool stress;
	int default_cycles;		/* without --cycles; 0: 30 */
	int default_warmup;		/* without --warmup */
};

/* The registry (workloads.def), in the order --list shows. */
extern const struct dm_workload *const dm_workloads[];
extern const size_t dm_nr_workloads;
const struct dm_workload *dm_workload_find(const char *name);

/* ---- The run: what every configuration shares ------------------------ */

struct dm_ctx *dm_run_ctx(struct dm_run *run);
/* Options of the run (devmem-bench --help). */
int dm_run_cycles(struct dm_run *run);
int dm_run_warmup(struct dm_run *run);
bool dm_run_interrupted(struct dm_run *run);
/* Durations are instruction counts (QEMU icount). */
bool dm_run_counts_insn(struct dm_run *run);
bool dm_run_quiet(struct dm_run *run);
/* The common namespace matrix of --modes, --maps, --aligns, --sizes. */
int dm_run_ns_matrix(struct dm_run *run, struct dm_wl_config *cfgs,
		     int max);
/* The workload's -O options, parsed (defaults where not given). */
long long dm_run_opt_int(struct dm_run *run, const char *name);
const char *dm_run_opt_str(struct dm_run *run, const char *name);
/* A run parameter recorded in the results (parameters.<key>). */
int dm_run_param_int(struct dm_run *run, const char *key, int64_t v);
int dm_run_param_str(struct dm_run *run, const char *key, const char *v);

/* ---- One configuration being run --------------------------------------- */

struct dm_run *dm_wl_run(struct dm_wl *w);
struct dm_ctx *dm_wl_ctx(struct dm_wl *w);
const struct dm_wl_config *dm_wl_config(struct dm_wl *w);
void *dm_wl_priv(struct dm_wl *w);
/* The result being written (NULL without --output). */
struct dm_result *dm_wl_result(struct dm_wl *w);
/* A name for the namespaces it creates: "devmem-bench-<pid>". */
const char *dm_wl_tag(struct dm_wl *w);
/* Cycles to measure, and to warm up, in this configuration. */
int dm_wl_cycles(struct dm_wl *w);
int dm_wl_warmup(struct dm_wl *w);

/*
 * Append one sample to the series @metric (declared in the metric table)
 * of the cycle being run; ignored in warm-up cycles (c < 0).  Series may
 * have fewer samples than cycles.
 */
int dm_wl_sample(struct dm_wl *w, const char *metric, double v);
/* The series so far (for derived metrics in teardown); NULL if none. */
const double *dm_wl_series(struct dm_wl *w, const char *metric, size_t *n);
/* A violated invariant or failed step at @cycle (-1: outside cycles). */
void dm_wl_violation(struct dm_wl *w, int cycle, const char *check,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int dm_wl_violations(struct dm_wl *w);
/*
 * Record what a check returned: @n < 0 could not read the kernel's state
 * (a violation, and @n is returned), @n > 0 violations the first of which
 * @msg describes; returns 0 otherwise.
 */
int dm_wl_checked(struct dm_wl *w, int cycle, const char *check, int n,
		  const char *msg);
/* Destroy a namespace of ours; a failure is a "destroy" violation. */
int dm_wl_destroy_ns(struct dm_wl *w, struct dm_ns *ns);
/* Progress on stderr ("[3/8 soak.devdax-mem-2M-256M] cycle 12/1000"). */
void dm_wl_progress(struct dm_wl *w, const char *what, int i, int n);

/* Tracing, when the workload declared trace_funcs and tracefs allows. */
bool dm_wl_tracing(struct dm_wl *w);
void dm_wl_trace_clear(struct dm_wl *w);
int dm_wl_trace_read(struct dm_wl *w, struct dm_graph_times *t);
/* ftrace sleep-time as the tracer runs it: 1, 0, -1 unknown. */
int dm_wl_trace_sleep_time(struct dm_wl *w);

/* The kernel's own per-cycle background: a delay from --perturb-seed. */
void dm_wl_perturb(struct dm_wl *w);

#endif /* DEVMEM_WORKLOAD_H */
