/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h: in-kernel phase times of hot-add and hot-remove from ftrace's
 * function_graph tracer, limited (set_ftrace_filter) to the few functions
 * of interest so that its overhead stays negligible.
 *
 * dm_graph_parse() is pure (text in, per-function totals out) and unit
 * tested on recorded traces; dm_tracer_* own the tracefs settings and put
 * back exactly what they found.
 */
#ifndef DEVMEM_TRACE_H
#define DEVMEM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

struct dm_tracer {
	int fd_trace;			/* tracefs "trace", for reading */
	char dir[256];
	bool active;
	/* what was there before, restored by dm_tracer_stop() */
	char saved_filter[4096];
	char saved_pid[256];
	bool saved_tail;
	char saved_tracing_on;
	/* functions asked for that this kernel cannot trace */
	char missing[512];
};

int dm_tracer_start(struct dm_tracer *tr, const char *const *funcs,
		    pid_t pid, char *why, size_t len);
int dm_tracer_clear(struct dm_tracer *tr);
int dm_tracer_read(struct dm_tracer *tr, struct dm_graph_times *t);
void dm_tracer_stop(struct dm_tracer *tr);

#endif /* DEVMEM_TRACE_H */
