// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c: the function_graph parser, and tracefs set-up and restore.
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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devmem.h"
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

/*
 * tracefs plumbing
 *
 * The trace runs in a private instance, instances/devmem-<pid>, where the
 * kernel offers function_graph there (6.11 and later): its buffer, filter
 * and pid filter are ours and go away with the directory.  Older kernels
 * (6.1) only trace function_graph at the top level, which is shared: it is
 * used only when nothing else is (no tracer, no enabled event, no filter,
 * an empty buffer, tracing_on 1), else the caller gets -EBUSY and why.
 *
 * A few function_graph settings are global whichever instance traces:
 * max_graph_depth, tracing_thresh and the tracer's options (funcgraph-tail,
 * sleep-time).  They are changed only when no other function_graph user
 * exists.  Every setting changed outside an instance of ours is saved
 * first, in memory and in $DEVMEM_STATE_DIR (default /run/devmem)/
 * trace-<pid>.saved, and put back by dm_tracer_stop(), at exit, or after a
 * SIGKILL by dm_trace_cleanup_stale().
 */

#define TFS_DEFAULT		"/sys/kernel/tracing"
#define TFS_DEBUGFS		"/sys/kernel/debug/tracing"
#define STATE_DIR		"/run/devmem"
#define STATE_MAGIC		"devmem-trace-state 1"
#define INSTANCE_PREFIX		"devmem-"

/* The settings that may be changed, in the order they are restored. */
static const char *const saved_file[DM_TRACE_NR_SAVED] = {
	[DM_TRACE_TRACER]	= "current_tracer",
	[DM_TRACE_FILTER]	= "set_ftrace_filter",
	[DM_TRACE_PID]		= "set_ftrace_pid",
	[DM_TRACE_DEPTH]	= "max_graph_depth",
	[DM_TRACE_THRESH]	= "tracing_thresh",
	[DM_TRACE_TAIL]		= "options/funcgraph-tail",
	[DM_TRACE_SLEEP]	= "options/sleep-time",
};

static int tfs_path(const char *dir, const char *file, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/%s", dir, file) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int tfs_write(const char *dir, const char *file, const char *s,
		     bool append)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, rc = 0;

	if (tfs_path(dir, file, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW |
		  (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* The whole file (as much as fits in @buf), NUL-terminated. */
static int tfs_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n, total = 0;
	int fd;

	buf[0] = '\0';
	if (tfs_path(dir, file, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return 0;
}

/* One value without its trailing newline and blanks. */
static int tfs_value(const char *dir, const char *file, char *buf, size_t len)
{
	int rc = tfs_read(dir, file, buf, len);
	size_t n = strlen(buf);

	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return rc;
}

/*
 * Does a filter file (set_ftrace_filter, set_event, set_ftrace_pid...) hold
 * anything?  Empty ones read as nothing, "no pid" or a "#### ... ####"
 * banner.
 */
static bool filter_set(const char *dir, const char *file)
{
	char buf[256], *line, *save = NULL;

	if (tfs_read(dir, file, buf, sizeof(buf)))
		return false;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (*line && *line != '#' && strcmp(line, "no pid"))
			return true;
	}
	return false;
}

/* Is @func traceable on this kernel? */
static bool tfs_has_function(const char *root, const char *func)
{
	char path[PATH_MAX], line[512];
	bool found = false;
	FILE *f;

	if (tfs_path(root, "available_filter_functions", path, sizeof(path)))
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

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (!p[n] || isspace((unsigned char)p[n])))
			return true;
	return false;
}

/* The tracefs root: $DM_TRACEFS, else the first writable mount. */
static int find_root(char *root, size_t len)
{
	static const char *const dirs[] = { TFS_DEFAULT, TFS_DEBUGFS, NULL };
	const char *env = getenv("DM_TRACEFS");
	char path[PATH_MAX];
	int i;

	for (i = 0; dirs[i]; i++) {
		const char *d = env && *env ? env : dirs[i];

		snprintf(path, sizeof(path), "%s/current_tracer", d);
		if (!access(path, W_OK)) {
			if (snprintf(root, len, "%s", d) >= (int)len)
				return -ENAMETOOLONG;
			return 0;
		}
		if (env && *env)
			break;
	}
	return -ENOENT;
}

static const char *state_dir(void)
{
	const char *d = getenv("DEVMEM_STATE_DIR");

	return d && *d ? d : STATE_DIR;
}

/* Start time of @pid (clock ticks since boot), 0 if it is gone. */
static unsigned long long proc_start(pid_t pid)
{
	unsigned long long start = 0;
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields count from the last ')' */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

/*
 * Is @pid a live devmem process (its name starts with "devmem"), and the
 * one that started at @start when that is known?  A dead pid, or one reused
 * by another program, owns nothing any more.
 */
static bool devmem_alive(pid_t pid, unsigned long long start)
{
	char path[64], comm[32] = "";
	ssize_t n;
	int fd;

	if (pid <= 0)
		return false;
	if (kill(pid, 0) && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0 || strncmp(comm, "devmem", 6))
		return false;
	return !start || proc_start(pid) == start;
}

/* Is function_graph traced anywhere but in @own (an instance name)? */
static bool graph_user_elsewhere(const char *root, const char *own,
				 char *who, size_t len)
{
	char dir[PATH_MAX], buf[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (!tfs_value(root, "current_tracer", buf, sizeof(buf)) &&
	    !strcmp(buf, "function_graph")) {
		snprintf(who, len, "the top level");
		return true;
	}
	snprintf(dir, sizeof(dir), "%s/instances", root);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char inst[PATH_MAX];

		if (de->d_name[0] == '.' || (own && !strcmp(de->d_name, own)))
			continue;
		if (snprintf(inst, sizeof(inst), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(inst))
			continue;
		if (!tfs_value(inst, "current_tracer", buf, sizeof(buf)) &&
		    !strcmp(buf, "function_graph")) {
			snprintf(who, len, "instance %s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* Entries held in the top-level ring buffer, from per_cpu/cpu* /stats. */
static unsigned long long buffer_entries(const char *root)
{
	unsigned long long sum = 0;
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/per_cpu", root);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char file[300], buf[1024], *p;

		if (strncmp(de->d_name, "cpu", 3))
			continue;
		snprintf(file, sizeof(file), "per_cpu/%s/stats", de->d_name);
		if (tfs_read(root, file, buf, sizeof(buf)))
			continue;
		p = strstr(buf, "entries:");
		if (p && (p == buf || p[-1] == '\n'))
			sum += strtoull(p + 8, NULL, 10);
	}
	closedir(d);
	return sum;
}

/**
 * dm_trace_top_busy() - is anyone using the top-level trace?
 *
 * True, with the reason in @why, when a tracer is set, an event is
 * enabled, a function or pid filter is set, an option that follows forks
 * is on, tracing is off (someone keeping a trace) or the buffer holds
 * anything.
 */
bool dm_trace_top_busy(const char *root, char *why, size_t len)
{
	static const char *const filters[] = {
		"set_ftrace_filter", "set_ftrace_notrace", "set_graph_function",
		"set_graph_notrace", "set_ftrace_pid", "set_ftrace_notrace_pid",
		"set_event_pid", "set_event_notrace_pid", NULL,
	};
	static const char *const opts[] = {
		"options/function-fork", "options/event-fork", NULL,
	};
	unsigned long long entries;
	char buf[256];
	int i;

	if (tfs_value(root, "current_tracer", buf, sizeof(buf)) ||
	    strcmp(buf, "nop")) {
		snprintf(why, len, "tracefs is busy: current_tracer is %s",
			 buf[0] ? buf : "unreadable");
		return true;
	}
	if (!tfs_value(root, "events/enable", buf, sizeof(buf)) &&
	    strcmp(buf, "0")) {
		snprintf(why, len, "tracefs is busy: events are enabled (events/enable is %s)",
			 buf);
		return true;
	}
	if (!tfs_value(root, "set_event", buf, sizeof(buf)) && buf[0]) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(why, len, "tracefs is busy: set_event lists %s", buf);
		return true;
	}
	for (i = 0; filters[i]; i++) {
		if (filter_set(root, filters[i])) {
			snprintf(why, len, "tracefs is busy: %s is set",
				 filters[i]);
			return true;
		}
	}
	for (i = 0; opts[i]; i++) {
		if (!tfs_value(root, opts[i], buf, sizeof(buf)) &&
		    !strcmp(buf, "1")) {
			snprintf(why, len, "tracefs is busy: %s is on", opts[i]);
			return true;
		}
	}
	if (!tfs_value(root, "tracing_on", buf, sizeof(buf)) &&
	    strcmp(buf, "1")) {
		snprintf(why, len, "tracefs is busy: tracing_on is %s (a trace is being kept)",
			 buf);
		return true;
	}
	entries = buffer_entries(root);
	if (entries) {
		snprintf(why, len, "tracefs is busy: the top-level buffer holds %llu entries",
			 entries);
		return true;
	}
	return false;
}

/* State file: "set <file> <value>" with '\\' and '\n' escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else if (*s == '\\' && s[1] == '\\') {
			*o++ = '\\';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write tr's saved settings to its state file, atomically. */
static int put_state(FILE *f, void *arg)
{
	const struct dm_tracer *tr = arg;
	int i;

	fprintf(f, "%s\npid %d %llu\nroot %s\n", STATE_MAGIC, (int)getpid(),
		proc_start(getpid()), tr->root);
	if (tr->instance[0])
		fprintf(f, "instance %s\n", tr->instance);
	for (i = 0; i < DM_TRACE_NR_SAVED; i++) {
		if (!(tr->changed & (1u << i)))
			continue;
		fprintf(f, "set %s ", saved_file[i]);
		put_escaped(f, tr->saved[i]);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

static int state_write(struct dm_tracer *tr)
{
	int rc;

	rc = mkdir_p(state_dir());
	if (rc)
		return rc;
	if (snprintf(tr->state_file, sizeof(tr->state_file),
		     "%s/trace-%d.saved", state_dir(), (int)getpid()) >=
	    (int)sizeof(tr->state_file))
		return -ENAMETOOLONG;
	rc = dm_file_replace(tr->state_file, put_state, tr);
	if (rc)
		tr->state_file[0] = '\0';
	return rc;
}

/* Put back one saved setting, as read from its file before. */
static int restore_one(const char *root, int i, const char *val)
{
	char copy[DM_TRACE_SAVED_LEN], *line, *save = NULL;
	int rc;

	switch (i) {
	case DM_TRACE_FILTER:
		rc = tfs_write(root, saved_file[i], "", false);
		if (rc)
			return rc;
		snprintf(copy, sizeof(copy), "%s", val);
		for (line = strtok_r(copy, "\n", &save); line && !rc;
		     line = strtok_r(NULL, "\n", &save))
			if (line[0] != '#')
				rc = tfs_write(root, saved_file[i], line, true);
		return rc;
	case DM_TRACE_PID:
		return tfs_write(root, saved_file[i],
				 strstr(val, "no pid") ? "" : val, false);
	default:
		return tfs_write(root, saved_file[i], val, false);
	}
}

/* Remove instance @name under @root: stop its tracer, then rmdir. */
static int remove_instance(const char *root, const char *name)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s/instances/%s", root, name) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	tfs_write(dir, "tracing_on", "0", false);
	tfs_write(dir, "current_tracer", "nop", false);
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Did a dead devmem process leave a saved tracefs state behind? */
static bool stale_state_left(void)
{
	unsigned long long start;
	struct dirent *de;
	bool found = false;
	char path[PATH_MAX + 300], line[128];
	DIR *d = opendir(state_dir());
	FILE *f;
	int pid;

	while (d && !found && (de = readdir(d))) {
		if (strncmp(de->d_name, "trace-", 6) ||
		    !strstr(de->d_name, ".saved"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir(), de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		start = 0;
		pid = 0;
		if (fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f) &&
		    sscanf(line, "pid %d %llu", &pid, &start) >= 1 &&
		    pid != getpid() && !devmem_alive(pid, start))
			found = true;
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

static struct dm_tracer *active_tracer;

static void stop_at_exit(void)
{
	if (active_tracer)
		dm_tracer_stop(active_tracer);
}

/*
 * Open an instance of our own; false (and nothing left) where it cannot
 * trace function_graph.
 */
static bool open_instance(struct dm_tracer *tr)
{
	char buf[1024];
	int tries;

	snprintf(tr->instance, sizeof(tr->instance), INSTANCE_PREFIX "%d",
		 (int)getpid());
	if (snprintf(tr->dir, sizeof(tr->dir), "%s/instances/%s", tr->root,
		     tr->instance) >= (int)sizeof(tr->dir))
		goto no_instance;
	for (tries = 0; tries < 2; tries++) {
		if (!mkdir(tr->dir, 0700))
			break;
		/* A dead process of the same pid left it: ours now. */
		if (errno != EEXIST || remove_instance(tr->root, tr->instance))
			goto no_instance;
	}
	if (tries == 2)
		goto no_instance;
	if (!tfs_read(tr->dir, "available_tracers", buf, sizeof(buf)) &&
	    has_word(buf, "function_graph"))
		return true;
	remove_instance(tr->root, tr->instance);
no_instance:
	tr->instance[0] = '\0';
	snprintf(tr->dir, sizeof(tr->dir), "%s", tr->root);
	return false;
}

/* Mark setting @i to be changed to @want (saving what is there now). */
static int plan_change(struct dm_tracer *tr, int i, const char *want)
{
	int rc = tfs_value(tr->root, saved_file[i], tr->saved[i],
			   sizeof(tr->saved[i]));

	if (rc)
		return rc;
	if (strcmp(tr->saved[i], want))
		tr->changed |= 1u << i;
	return 0;
}

/*
 * The global function_graph settings: max_graph_depth and tracing_thresh
 * must be 0 for whole durations, funcgraph-tail helps the parser, and
 * sleep-time is what the caller asked for.  Changed only when nobody
 * else traces function_graph.
 */
static int plan_global(struct dm_tracer *tr, const struct dm_trace_cfg *cfg,
		       char *why, size_t len)
{
	static const int must_be_0[] = { DM_TRACE_DEPTH, DM_TRACE_THRESH, -1 };
	char who[300], cur[64];
	bool other;
	int k, rc;

	other = graph_user_elsewhere(tr->root, tr->instance[0] ?
				     tr->instance : NULL, who, sizeof(who));
	for (k = 0; must_be_0[k] >= 0; k++) {
		int i = must_be_0[k];

		if (tfs_value(tr->root, saved_file[i], cur, sizeof(cur)) ||
		    !strcmp(cur, "0"))
			continue;
		if (other) {
			snprintf(why, len, "tracefs is busy: %s is %s and function_graph is in use in %s",
				 saved_file[i], cur, who);
			return -EBUSY;
		}
		rc = plan_change(tr, i, "0");
		if (rc)
			return rc;
	}
	if (!other && !tfs_value(tr->root, saved_file[DM_TRACE_TAIL], cur,
				 sizeof(cur))) {
		rc = plan_change(tr, DM_TRACE_TAIL, "1");
		if (rc)
			return rc;
	}
	tr->sleep_time = -1;
	if (!tfs_value(tr->root, saved_file[DM_TRACE_SLEEP], cur, sizeof(cur)))
		tr->sleep_time = !strcmp(cur, "1");
	if (cfg->sleep_time >= 0 && cfg->sleep_time != tr->sleep_time) {
		if (tr->sleep_time < 0) {
			snprintf(why, len, "kernel has no function_graph sleep-time option");
			return -ENOENT;
		}
		if (other) {
			snprintf(why, len, "tracefs is busy: cannot set sleep-time, shared with function_graph in %s",
				 who);
			return -EBUSY;
		}
		rc = plan_change(tr, DM_TRACE_SLEEP, cfg->sleep_time ? "1" : "0");
		if (rc)
			return rc;
		tr->sleep_time = cfg->sleep_time;
	}
	return 0;
}

static int apply_changes(struct dm_tracer *tr, const char *const *funcs,
			 pid_t pid, const char **step)
{
	static const char *const want[DM_TRACE_NR_SAVED] = {
		[DM_TRACE_DEPTH] = "0", [DM_TRACE_THRESH] = "0",
		[DM_TRACE_TAIL] = "1",
	};
	char buf[32];
	int i, rc;

	*step = "set_ftrace_filter";
	rc = tfs_write(tr->dir, *step, "", false);
	for (i = 0; !rc && funcs[i]; i++)
		rc = tfs_write(tr->dir, *step, funcs[i], true);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (!rc)
		rc = tfs_write(tr->dir, *step = "set_ftrace_pid", buf, false);
	if (!rc)
		rc = tfs_write(tr->dir, *step = "current_tracer",
			       "function_graph", false);
	for (i = DM_TRACE_DEPTH; !rc && i < DM_TRACE_NR_SAVED; i++) {
		const char *v = want[i];

		if (!(tr->changed & (1u << i)))
			continue;
		if (i == DM_TRACE_SLEEP)
			v = tr->sleep_time ? "1" : "0";
		rc = tfs_write(tr->root, *step = saved_file[i], v, false);
	}
	if (!rc) {
		*step = "trace";
		rc = tfs_write(tr->dir, "trace", "", false);
	}
	return rc;
}

/**
 * dm_tracer_start_cfg() - trace cfg->funcs for process cfg->pid
 *
 * In an instance of our own where the kernel allows, else at the top level
 * if nobody uses it.  -EBUSY when tracefs is in use, -ENOENT without
 * tracefs or function_graph; @why says which.  Functions this kernel
 * cannot trace (inlined, notrace) are left out and listed in tr->missing;
 * -ENOENT if none is left.
 */
int dm_tracer_start_cfg(struct dm_tracer *tr, const struct dm_trace_cfg *cfg,
			char *why, size_t len)
{
	const char *funcs[DM_GRAPH_MAX_FUNCS + 1];
	const char *step = "tracefs";
	char buf[1024];
	int i, rc, nfuncs = 0;

	why[0] = '\0';
	memset(tr, 0, sizeof(*tr));
	tr->sleep_time = -1;
	if (find_root(tr->root, sizeof(tr->root))) {
		snprintf(why, len, "no writable tracefs (mount tracefs on %s)",
			 TFS_DEFAULT);
		return -ENOENT;
	}
	rc = tfs_read(tr->root, "available_tracers", buf, sizeof(buf));
	if (rc || !has_word(buf, "function_graph")) {
		snprintf(why, len, "kernel has no function_graph tracer (CONFIG_FUNCTION_GRAPH_TRACER)");
		return -ENOENT;
	}
	for (i = 0; cfg->funcs[i]; i++) {
		size_t used = strlen(tr->missing);

		if (nfuncs < DM_GRAPH_MAX_FUNCS &&
		    tfs_has_function(tr->root, cfg->funcs[i])) {
			funcs[nfuncs++] = cfg->funcs[i];
			continue;
		}
		snprintf(tr->missing + used, sizeof(tr->missing) - used,
			 "%s%s", used ? " " : "", cfg->funcs[i]);
	}
	funcs[nfuncs] = NULL;
	if (!nfuncs) {
		snprintf(why, len, "none of the functions is traceable here");
		return -ENOENT;
	}
	/* set_graph_function limits every function_graph trace. */
	if (filter_set(tr->root, "set_graph_function") ||
	    filter_set(tr->root, "set_graph_notrace")) {
		snprintf(why, len, "tracefs is busy: set_graph_function or set_graph_notrace is set");
		return -EBUSY;
	}
	if (open_instance(tr)) {
		snprintf(tr->where, sizeof(tr->where), "instance %s",
			 tr->instance);
	} else {
		if (dm_trace_top_busy(tr->root, why, len)) {
			size_t n = strlen(why);

			if (stale_state_left())
				snprintf(why + n, len - n, " (a killed devmem run left it so: run devmem-bench --cleanup)");
			return -EBUSY;
		}
		snprintf(tr->where, sizeof(tr->where), "top level");
		rc = plan_change(tr, DM_TRACE_TRACER, "function_graph");
		rc = rc ?: plan_change(tr, DM_TRACE_FILTER, "");
		rc = rc ?: plan_change(tr, DM_TRACE_PID, "");
		if (rc) {
			snprintf(why, len, "reading tracefs: %s", strerror(-rc));
			return rc;
		}
	}
	rc = plan_global(tr, cfg, why, len);
	if (rc)
		goto out_instance;
	rc = state_write(tr);
	if (rc) {
		snprintf(why, len, "cannot save the tracefs state in %s: %s",
			 state_dir(), strerror(-rc));
		goto out_instance;
	}
	tr->active = true;
	if (!active_tracer) {
		static bool registered;

		if (!registered && !atexit(stop_at_exit))
			registered = true;
		active_tracer = tr;
	}
	rc = apply_changes(tr, funcs, cfg->pid, &step);
	if (rc) {
		snprintf(why, len, "setting up function_graph: %s: %s", step,
			 strerror(-rc));
		dm_tracer_stop(tr);
	}
	return rc;

out_instance:
	if (tr->instance[0])
		remove_instance(tr->root, tr->instance);
	return rc;
}

int dm_tracer_start(struct dm_tracer *tr, const char *const *funcs,
		    pid_t pid, char *why, size_t len)
{
	struct dm_trace_cfg cfg = {
		.funcs = funcs, .pid = pid, .sleep_time = -1,
	};

	return dm_tracer_start_cfg(tr, &cfg, why, len);
}

/*
 * At the top level, is the buffer still ours alone?  Someone may have
 * started using tracefs since we checked.
 */
static bool top_still_ours(struct dm_tracer *tr)
{
	char buf[64];

	if (tr->instance[0])
		return true;
	if (tr->foreign)
		return false;
	if (tfs_value(tr->root, "current_tracer", buf, sizeof(buf)) ||
	    strcmp(buf, "function_graph") ||
	    (!tfs_value(tr->root, "events/enable", buf, sizeof(buf)) &&
	     strcmp(buf, "0")) ||
	    filter_set(tr->root, "set_event"))
		tr->foreign = true;
	return !tr->foreign;
}

int dm_tracer_clear(struct dm_tracer *tr)
{
	if (!tr->active)
		return -EINVAL;
	if (!top_still_ours(tr))
		return -EBUSY;
	return tfs_write(tr->dir, "trace", "", false);
}

/* Parse what was traced since the last clear. */
int dm_tracer_read(struct dm_tracer *tr, struct dm_graph_times *t)
{
	size_t cap = 1 << 16, len = 0;
	char *buf, *nbuf, path[PATH_MAX];
	ssize_t n;
	int fd, rc;

	/* Not cleared since someone else started: not ours to count. */
	if (!tr->active || !top_still_ours(tr))
		return -EBUSY;
	if (tfs_path(tr->dir, "trace", path, sizeof(path)))
		return -ENAMETOOLONG;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	/* Opened afresh: an open "trace" may pause tracing (pause-on-trace). */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		free(buf);
		return rc;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
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
	close(fd);
	buf[len] = '\0';
	rc = dm_graph_parse(buf, t);
	free(buf);
	return rc < 0 ? rc : 0;
}

/* Put tracefs back as dm_tracer_start() found it; safe to call twice. */
void dm_tracer_stop(struct dm_tracer *tr)
{
	int i;

	if (!tr->active)
		return;
	tr->active = false;
	if (active_tracer == tr)
		active_tracer = NULL;
	if (tr->instance[0]) {
		remove_instance(tr->root, tr->instance);
	} else {
		bool ours = top_still_ours(tr);
		char cur[64];

		/* The buffer was empty and unused when we started. */
		if (ours)
			tfs_write(tr->root, "tracing_on", "0", false);
		/* A tracer someone else set since is theirs. */
		if (tfs_value(tr->root, "current_tracer", cur, sizeof(cur)) ||
		    strcmp(cur, "function_graph"))
			tr->changed &= ~(1u << DM_TRACE_TRACER);
		for (i = 0; i < DM_TRACE_DEPTH; i++)
			if (tr->changed & (1u << i))
				restore_one(tr->root, i, tr->saved[i]);
		if (ours) {
			tfs_write(tr->root, "trace", "", false);
			tfs_write(tr->root, "tracing_on", "1", false);
		}
	}
	for (i = DM_TRACE_DEPTH; i < DM_TRACE_NR_SAVED; i++)
		if (tr->changed & (1u << i))
			restore_one(tr->root, i, tr->saved[i]);
	if (tr->state_file[0])
		unlink(tr->state_file);
	tr->state_file[0] = '\0';
}

/*
 * Restore one state file left by a dead process.  Returns 1 if restored,
 * 0 if its owner still runs, or -errno.
 */
static int restore_state_file(const char *path, const char *root, FILE *log)
{
	char line[2 * DM_TRACE_SAVED_LEN + 64];
	unsigned long long start = 0;
	bool have_root = false;
	struct stat st;
	int pid = 0, rc = 0, fd, i;
	FILE *f;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		fprintf(log, "trace: %s: not a regular file of ours, left alone\n",
			path);
		close(fd);
		return -EPERM;
	}
	f = fdopen(fd, "r");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!fgets(line, sizeof(line), f) || strncmp(line, STATE_MAGIC,
						     strlen(STATE_MAGIC)) ||
	    !fgets(line, sizeof(line), f) ||
	    sscanf(line, "pid %d %llu", &pid, &start) < 1) {
		fprintf(log, "trace: %s: not a devmem trace state file, left alone\n",
			path);
		fclose(f);
		return -EINVAL;
	}
	if (pid == getpid() || devmem_alive(pid, start)) {
		fprintf(log, "trace: %s: process %d still runs, left alone\n",
			path, pid);
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char *val, *name;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "root ", 5)) {
			have_root = true;
			if (strcmp(line + 5, root)) {
				fprintf(log, "trace: %s: saved for tracefs at %s, not %s; left alone\n",
					path, line + 5, root);
				fclose(f);
				return -EXDEV;
			}
		} else if (!strncmp(line, "instance ", 9)) {
			name = line + 9;
			if (strncmp(name, INSTANCE_PREFIX,
				    strlen(INSTANCE_PREFIX)) ||
			    strchr(name, '/'))
				continue;
			i = remove_instance(root, name);
			fprintf(log, "trace: removed instance %s of dead process %d%s%s\n",
				name, pid, i ? ": " : "", i ? strerror(-i) : "");
			if (i && !rc)
				rc = i;
		} else if (!strncmp(line, "set ", 4)) {
			name = line + 4;
			val = strchr(name, ' ');
			if (!val)
				continue;
			*val++ = '\0';
			unescape(val);
			for (i = 0; i < DM_TRACE_NR_SAVED; i++)
				if (!strcmp(name, saved_file[i]))
					break;
			if (i == DM_TRACE_NR_SAVED) {
				fprintf(log, "trace: %s: unknown setting %s ignored\n",
					path, name);
				continue;
			}
			i = restore_one(root, i, val);
			fprintf(log, "trace: restored %s of dead process %d%s%s\n",
				name, pid, i ? ": " : "", i ? strerror(-i) : "");
			if (i && !rc)
				rc = i;
		}
	}
	fclose(f);
	if (!have_root)
		return -EINVAL;
	if (rc)
		return rc;
	if (unlink(path))
		return -errno;
	return 1;
}

/**
 * dm_trace_cleanup_stale() - undo what dead devmem processes left in tracefs
 *
 * Restores the settings saved in $DEVMEM_STATE_DIR/trace-<pid>.saved by a
 * process that is gone, and removes instances/devmem-<pid> whose process
 * is gone (or is no devmem process any more).  Says what it did on @log.
 * Returns the number of things restored or removed, or the first -errno.
 */
int dm_trace_cleanup_stale(FILE *log)
{
	char root[PATH_MAX], dir[PATH_MAX + 16], path[PATH_MAX + 300];
	struct dirent *de;
	int count = 0, err = 0, rc;
	DIR *d;

	if (find_root(root, sizeof(root))) {
		fprintf(log, "trace: no writable tracefs, nothing to clean\n");
		return 0;
	}
	d = opendir(state_dir());
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (strncmp(de->d_name, "trace-", 6) || n < 7 ||
		    strcmp(de->d_name + n - 6, ".saved"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir(), de->d_name);
		rc = restore_state_file(path, root, log);
		if (rc > 0)
			count++;
		else if (rc < 0 && !err)
			err = rc;
	}
	if (d)
		closedir(d);
	else if (errno != ENOENT)
		err = -errno;

	snprintf(dir, sizeof(dir), "%s/instances", root);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		const char *num = de->d_name + strlen(INSTANCE_PREFIX);
		char *end;
		long pid;

		if (strncmp(de->d_name, INSTANCE_PREFIX,
			    strlen(INSTANCE_PREFIX)) ||
		    !isdigit((unsigned char)*num))
			continue;
		pid = strtol(num, &end, 10);
		if (*end || pid <= 0 || pid == getpid() ||
		    devmem_alive((pid_t)pid, 0))
			continue;
		rc = remove_instance(root, de->d_name);
		fprintf(log, "trace: removed instance %s (process %ld is gone or no devmem process)%s%s\n",
			de->d_name, pid, rc ? ": " : "", rc ? strerror(-rc) : "");
		if (!rc)
			count++;
		else if (!err)
			err = rc;
	}
	if (d)
		closedir(d);
	return err ? err : count;
}
