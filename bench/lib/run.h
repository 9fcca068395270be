/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run context behind workload.h, for the front end that drives
 * workloads (devmem-bench): it fills struct dm_run, then calls
 * dm_run_workload() per selected workload.  Workloads see only the
 * accessors in workload.h.
 */
#ifndef DEVMEM_RUN_H
#define DEVMEM_RUN_H

#include <signal.h>

#include "workload.h"

#define DM_RUN_MAX_OPTS		32

struct dm_run_opt {
	const char *name;	/* points into argv */
	const char *value;
};

struct dm_run {
	struct dm_ctx *ctx;		/* region selected and locked */
	struct dm_results *res;		/* NULL: no --output */
	struct dm_tracer *tracer;	/* NULL: no tracing */
	const char *tag;		/* namespace names */
	const volatile sig_atomic_t *interrupted;
	int cycles, warmup;		/* 0 / -1: the workload's default */
	bool counts_insn, quiet;
	const char *modes, *maps, *aligns, *sizes;
	long long perturb_seed;		/* < 0: none */
	uint64_t perturb_state;
	/* -O NAME=VALUE as given, checked against the workload's options */
	struct dm_run_opt opts[DM_RUN_MAX_OPTS];
	int nr_opts;
	/* set by dm_run_workload() while it runs */
	const struct dm_workload *wl;
	int violations;			/* all workloads so far */
	int failed;			/* configurations that could not run */
	int ran;			/* configurations that ran clean */
};

/* Check -O options against @wl: unknown names, bad values (printed). */
int dm_run_check_opts(struct dm_run *run, const struct dm_workload *wl);
/* Print the workloads, their options and metrics. */
void dm_run_list(FILE *out, bool verbose);
/* The matrix of @wl as it would run (ids, skipped ones with why). */
int dm_run_matrix(struct dm_run *run, const struct dm_workload *wl,
		  struct dm_wl_config *cfgs, int max);
/*
 * Run every configuration of @wl; violations and failures accumulate in
 * @run.  Returns 0, or -errno when the workload could not run at all
 * (its matrix was invalid).
 */
int dm_run_workload(struct dm_run *run, const struct dm_workload *wl);
/* Split "a,b,c"; returns the count or -EINVAL/-ENOMEM (printed). */
int dm_split_list(const char *opt, const char *list, char **tok, int max,
		  char **copy);
/* splitmix64 step of --perturb-seed. */
uint64_t dm_run_perturb_next(struct dm_run *run);

#endif /* DEVMEM_RUN_H */
