// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c: function_graph set-up, restore, and the trace parser.
 *
 * A function_graph trace limited by set_ftrace_filter looks like
 *
 *	 1)               |  memremap_pages() {
 *	 1) * 45621.23 us |    arch_add_memory();
 *	 1) ! 508.716 us  |    move_pfn_range_to_zone();
 *	 1) * 77860.42 us |  }
 *
 * (see tests/data/graph-*.txt for real ones).  A leaf call carries its
 * duration on its own line; a call with traced children carries it on its
 * closing brace, which the funcgraph-tail option (set here) follows with
 * the function's name in a comment, and which is otherwise matched against
 * a per-CPU stack of open calls.  Durations are microseconds with up to
 * three decimals (ns), printed with fewer decimals as they grow: at worst
 * 100 ns resolution above 100 ms.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

#define MAX_CPUS	512
#define MAX_DEPTH	32

/* "45621.23" (microseconds) -> 45621230 ns, exactly, without floats. */
int dm_graph_parse_duration(const char *s, uint64_t *ns)
{
	uint64_t us = 0, frac = 0;
	int digits = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		if (us > UINT64_MAX / 10000)
			return -ERANGE;
		us = us * 10 + (*s++ - '0');
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			if (digits < 3) {
				frac = frac * 10 + (*s - '0');
				digits++;
			}
			s++;
		}
	}
	while (digits++ < 3)
		frac *= 10;
	*ns = us * 1000 + frac;
	return 0;
}

static void add_time(struct dm_graph_times *t, const char *name, size_t len,
		     uint64_t ns)
{
	int i;

	if (!len || len >= DM_FUNC_LEN) {
		t->unparsed++;
		return;
	}
	for (i = 0; i < t->n; i++)
		if (!strncmp(t->f[i].name, name, len) && !t->f[i].name[len])
			break;
	if (i == t->n) {
		if (t->n == DM_GRAPH_MAX_FUNCS) {
			t->unparsed++;
			return;
		}
		memcpy(t->f[i].name, name, len);
		t->f[i].name[len] = '\0';
		t->n++;
	}
	t->f[i].ns += ns;
	t->f[i].calls++;
}

struct open_calls {
	int depth;
	char name[MAX_DEPTH][DM_FUNC_LEN];
};

/* Length of the function name at @s: up to "(" or " ". */
static size_t func_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != '(' && !isspace((unsigned char)s[n]))
		n++;
	return n;
}

static void parse_line(const char *line, struct dm_graph_times *t,
		       struct open_calls *stacks)
{
	const char *bar, *p, *call;
	struct open_calls *st;
	uint64_t ns = 0;
	bool has_time = false;
	int cpu;
	size_t n;

	/* " 1) <markers> <duration> us |  <call>" */
	if (sscanf(line, " %d)", &cpu) != 1 || cpu < 0 || cpu >= MAX_CPUS)
		return;
	bar = strchr(line, '|');
	if (!bar)
		return;
	p = strchr(line, ')') + 1;
	while (p < bar && !isdigit((unsigned char)*p))
		p++;
	if (p < bar && !dm_graph_parse_duration(p, &ns))
		has_time = true;
	st = &stacks[cpu];
	call = bar + 1;
	while (*call == ' ')
		call++;

	if (*call == '}') {
		const char *tail = strstr(call, "/* ");
		char name[DM_FUNC_LEN] = "";

		if (tail) {
			n = func_len(tail + 3);
			if (n < DM_FUNC_LEN) {
				memcpy(name, tail + 3, n);
				name[n] = '\0';
			}
		}
		if (st->depth > 0) {
			st->depth--;
			if (!name[0])
				strcpy(name, st->name[st->depth]);
		}
		if (has_time)
			add_time(t, name, strlen(name), ns);
		return;
	}
	n = func_len(call);
	if (!n)
		return;
	if (!strncmp(call + n, "() {", 4)) {
		if (st->depth < MAX_DEPTH && n < DM_FUNC_LEN) {
			memcpy(st->name[st->depth], call, n);
			st->name[st->depth][n] = '\0';
		}
		if (st->depth < MAX_DEPTH)
			st->depth++;
		return;
	}
	/* A leaf call; anything else ("=>" banners, irq markers, a line cut
	 * short) is not ours to count. */
	if (has_time && !strncmp(call + n, "();", 3))
		add_time(t, call, n, ns);
}

/**
 * dm_graph_parse() - sum the duration of each traced function
 *
 * Returns the number of function calls attributed, or -ENOMEM.
 */
int dm_graph_parse(const char *text, struct dm_graph_times *t)
{
	struct open_calls *stacks;
	const char *line = text;
	char buf[1024];
	int i, calls = 0;

	memset(t, 0, sizeof(*t));
	stacks = calloc(MAX_CPUS, sizeof(*stacks));
	if (!stacks)
		return -ENOMEM;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (buf[0] != '#')
			parse_line(buf, t, stacks);
		line = nl ? nl + 1 : NULL;
	}
	free(stacks);
	for (i = 0; i < t->n; i++)
		calls += t->f[i].calls;
	return calls;
}

bool dm_graph_get(const struct dm_graph_times *t, const char *func,
		  uint64_t *ns)
{
	int i;

	for (i = 0; i < t->n; i++) {
		if (!strcmp(t->f[i].name, func)) {
			*ns = t->f[i].ns;
			return true;
		}
	}
	return false;
}

/* tracefs plumbing */

static int tfs_path(struct dm_tracer *tr, const char *file, char *buf,
		    size_t len)
{
	if (snprintf(buf, len, "%s/%s", tr->dir, file) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int tfs_write(struct dm_tracer *tr, const char *file, const char *s,
		     bool append)
{
	char path[512];
	ssize_t n;
	int fd, rc = 0;

	if (tfs_path(tr, file, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int tfs_read(struct dm_tracer *tr, const char *file, char *buf,
		    size_t len)
{
	char path[512];
	ssize_t n, total = 0;
	int fd;

	if (tfs_path(tr, file, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return 0;
}

/* Is @func traceable on this kernel? */
static bool tfs_has_function(struct dm_tracer *tr, const char *func)
{
	char path[512], line[512];
	bool found = false;
	FILE *f;

	if (tfs_path(tr, "available_filter_functions", path, sizeof(path)))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \n")] = '\0';
		found = !strcmp(line, func);
	}
	fclose(f);
	return found;
}

/**
 * dm_tracer_start() - trace @funcs (NULL-terminated) for process @pid
 *
 * Refuses (-EBUSY) when another tracer is in use, and -ENOENT without
 * tracefs or function_graph; @why says which.  Functions this kernel
 * cannot trace (inlined, notrace) are left out and listed in
 * tr->missing; -ENOENT if none is left.
 */
int dm_tracer_start(struct dm_tracer *tr, const char *const *funcs,
		    pid_t pid, char *why, size_t len)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing", NULL,
	};
	const char *step = "tracefs";
	char buf[4096], path[512];
	int i, rc, nfuncs = 0;

	why[0] = '\0';
	memset(tr, 0, sizeof(*tr));
	tr->fd_trace = -1;
	for (i = 0; dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/current_tracer", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(tr->dir, sizeof(tr->dir), "%s", dirs[i]);
			break;
		}
	}
	if (!dirs[i]) {
		snprintf(why, len, "no writable tracefs (mount tracefs on /sys/kernel/tracing)");
		return -ENOENT;
	}
	rc = tfs_read(tr, "current_tracer", buf, sizeof(buf));
	if (rc)
		return rc;
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "nop")) {
		snprintf(why, len, "tracefs is busy: current_tracer is %s",
			 buf);
		return -EBUSY;
	}
	rc = tfs_read(tr, "available_tracers", buf, sizeof(buf));
	if (rc || !strstr(buf, "function_graph")) {
		snprintf(why, len, "kernel has no function_graph tracer (CONFIG_FUNCTION_GRAPH_TRACER)");
		return -ENOENT;
	}

	/* Save what we are about to change. */
	tfs_read(tr, "set_ftrace_filter", tr->saved_filter,
		 sizeof(tr->saved_filter));
	tfs_read(tr, "set_ftrace_pid", tr->saved_pid, sizeof(tr->saved_pid));
	tfs_read(tr, "tracing_on", buf, sizeof(buf));
	tr->saved_tracing_on = buf[0];
	tr->active = true;

	step = "set_ftrace_filter";
	rc = tfs_write(tr, step, "", false);
	for (i = 0; !rc && funcs[i]; i++) {
		if (!tfs_has_function(tr, funcs[i])) {
			size_t used = strlen(tr->missing);

			snprintf(tr->missing + used, sizeof(tr->missing) - used,
				 "%s%s", used ? " " : "", funcs[i]);
			continue;
		}
		rc = tfs_write(tr, "set_ftrace_filter", funcs[i], true);
		nfuncs++;
	}
	if (!rc && !nfuncs) {
		snprintf(why, len, "none of the functions is traceable here");
		rc = -ENOENT;
	}
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (!rc)
		rc = tfs_write(tr, step = "set_ftrace_pid", buf, false);
	/* funcgraph-* options exist only while function_graph is on. */
	if (!rc)
		rc = tfs_write(tr, step = "current_tracer", "function_graph",
			       false);
	if (!rc) {
		tfs_read(tr, "trace_options", buf, sizeof(buf));
		tr->saved_tail = strstr(buf, "nofuncgraph-tail") == NULL;
		rc = tfs_write(tr, step = "trace_options", "funcgraph-tail",
			       false);
	}
	if (!rc)
		rc = tfs_write(tr, step = "tracing_on", "1", false);
	if (!rc) {
		step = "trace";
		rc = dm_tracer_clear(tr);
	}
	if (!rc && tfs_path(tr, "trace", path, sizeof(path)) == 0) {
		tr->fd_trace = open(path, O_RDONLY | O_CLOEXEC);
		if (tr->fd_trace < 0)
			rc = -errno;
	}
	if (rc) {
		if (!why[0])
			snprintf(why, len, "setting up function_graph: %s: %s",
				 step, strerror(-rc));
		dm_tracer_stop(tr);
	}
	return rc;
}

int dm_tracer_clear(struct dm_tracer *tr)
{
	return tfs_write(tr, "trace", "", false);
}

/* Parse what was traced since the last clear. */
int dm_tracer_read(struct dm_tracer *tr, struct dm_graph_times *t)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *nbuf;
	ssize_t n;
	int rc;

	if (!buf)
		return -ENOMEM;
	if (lseek(tr->fd_trace, 0, SEEK_SET) < 0) {
		free(buf);
		return -errno;
	}
	while ((n = read(tr->fd_trace, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			if (cap >= (64u << 20))
				break;
			nbuf = realloc(buf, cap * 2);
			if (!nbuf)
				break;
			buf = nbuf;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	rc = dm_graph_parse(buf, t);
	free(buf);
	return rc < 0 ? rc : 0;
}

/* Put tracefs back as dm_tracer_start() found it; safe to call twice. */
void dm_tracer_stop(struct dm_tracer *tr)
{
	char *line, *save = NULL;

	if (!tr->active)
		return;
	tr->active = false;
	if (tr->fd_trace >= 0)
		close(tr->fd_trace);
	tr->fd_trace = -1;
	tfs_write(tr, "trace_options",
		  tr->saved_tail ? "funcgraph-tail" : "nofuncgraph-tail", false);
	tfs_write(tr, "current_tracer", "nop", false);
	tfs_write(tr, "set_ftrace_filter", "", false);
	if (!strstr(tr->saved_filter, "all functions enabled")) {
		for (line = strtok_r(tr->saved_filter, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			tfs_write(tr, "set_ftrace_filter", line, true);
	}
	if (strstr(tr->saved_pid, "no pid"))
		tfs_write(tr, "set_ftrace_pid", "", false);
	else
		tfs_write(tr, "set_ftrace_pid", tr->saved_pid, false);
	if (tr->saved_tracing_on == '0' || tr->saved_tracing_on == '1') {
		char on[2] = { tr->saved_tracing_on, '\0' };

		tfs_write(tr, "tracing_on", on, false);
	}
	dm_tracer_clear(tr);
}
