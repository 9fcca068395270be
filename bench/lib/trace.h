/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h: in-kernel phase times of hot-add and hot-remove from ftrace's
 * function_graph tracer, limited (set_ftrace_filter) to the few functions
 * of interest so that its overhead stays negligible.
 *
 * dm_graph_parse() is pure (text in, per-function totals out) and unit
 * tested on recorded traces; dm_tracer_* trace in a private instance where
 * the kernel allows it, use the shared top level only when nobody else
 * does, and put back exactly what they changed (trace.c says how).
 */
#ifndef DEVMEM_TRACE_H
#define DEVMEM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define DM_GRAPH_MAX_FUNCS	32
#define DM_FUNC_LEN		64

/* Total duration and number of calls of each function seen in a trace. */
struct dm_graph_times {
	int n;
	struct {
		char name[DM_FUNC_LEN];
		uint64_t ns;
		unsigned int calls;
	} f[DM_GRAPH_MAX_FUNCS];
	unsigned int unparsed;		/* lines with a duration we could not
					 * attribute to a function */
};

int dm_graph_parse(const char *text, struct dm_graph_times *t);
bool dm_graph_get(const struct dm_graph_times *t, const char *func,
		  uint64_t *ns);
int dm_graph_parse_duration(const char *s, uint64_t *ns);

/* The tracefs settings dm_tracer_start() may change outside its instance. */
enum {
	DM_TRACE_TRACER,		/* current_tracer (top level only) */
	DM_TRACE_FILTER,		/* set_ftrace_filter (top level only) */
	DM_TRACE_PID,			/* set_ftrace_pid (top level only) */
	DM_TRACE_DEPTH,			/* max_graph_depth (global) */
	DM_TRACE_THRESH,		/* tracing_thresh (global) */
	DM_TRACE_TAIL,			/* options/funcgraph-tail (global) */
	DM_TRACE_SLEEP,			/* options/sleep-time (global) */
	DM_TRACE_NR_SAVED
};
#define DM_TRACE_SAVED_LEN	4096

struct dm_trace_cfg {
	const char *const *funcs;	/* NULL-terminated */
	pid_t pid;			/* traced process (set_ftrace_pid) */
	int sleep_time;			/* function_graph sleep-time: count
					 * time scheduled out inside a traced
					 * function?  -1 leave, 0 off, 1 on */
};

struct dm_tracer {
	char root[256];			/* tracefs mount */
	char dir[320];			/* where we trace: root or instance */
	char instance[32];		/* "devmem-<pid>", or "" at top level */
	char where[48];			/* "instance devmem-<pid>", "top level" */
	int sleep_time;			/* effective sleep-time: 0, 1, or -1
					 * when the kernel has no such option */
	bool active;
	bool foreign;			/* top level taken by someone since */
	/* what was there before, restored by dm_tracer_stop() */
	unsigned int changed;		/* bit per DM_TRACE_* changed */
	char saved[DM_TRACE_NR_SAVED][DM_TRACE_SAVED_LEN];
	char state_file[320];		/* the same, for after a SIGKILL */
	/* functions asked for that this kernel cannot trace */
	char missing[512];
};

/*
 * The tracefs root is $DM_TRACEFS if set, else /sys/kernel/tracing or
 * /sys/kernel/debug/tracing; saved state goes to $DEVMEM_STATE_DIR if set,
 * else /run/devmem.
 */
int dm_tracer_start_cfg(struct dm_tracer *tr, const struct dm_trace_cfg *cfg,
			char *why, size_t len);
int dm_tracer_start(struct dm_tracer *tr, const char *const *funcs,
		    pid_t pid, char *why, size_t len);
int dm_tracer_clear(struct dm_tracer *tr);
int dm_tracer_read(struct dm_tracer *tr, struct dm_graph_times *t);
void dm_tracer_stop(struct dm_tracer *tr);

bool dm_trace_top_busy(const char *root, char *why, size_t len);
int dm_trace_cleanup_stale(FILE *log);

#endif /* DEVMEM_TRACE_H */
