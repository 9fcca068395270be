// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the function_graph parser (trace.c) on traces recorded
 * in the devmem guest (tests/data/graph-*.txt, Debian 6.12 under TCG)
 * and on malformed input; and of the tracefs set-up, busy detection,
 * restore and stale cleanup against a fake tracefs tree (plain files in a
 * temporary directory, $DM_TRACEFS).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kselftest_harness.h>

#include "trace.h"

static char *slurp(const char *name)
{
	char path[512];
	long len;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (buf && fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static uint64_t get(const struct dm_graph_times *t, const char *f)
{
	uint64_t ns = 0;

	return dm_graph_get(t, f, &ns) ? ns : UINT64_MAX;
}

TEST(durations_are_exact_ns)
{
	uint64_t ns;

	ASSERT_EQ(0, dm_graph_parse_duration("45621.23", &ns));
	EXPECT_EQ(45621230, ns);
	ASSERT_EQ(0, dm_graph_parse_duration("508.716", &ns));
	EXPECT_EQ(508716, ns);
	ASSERT_EQ(0, dm_graph_parse_duration("137753.6 us", &ns));
	EXPECT_EQ(137753600, ns);
	ASSERT_EQ(0, dm_graph_parse_duration("7", &ns));
	EXPECT_EQ(7000, ns);
	/* More than three decimals: truncated to ns. */
	ASSERT_EQ(0, dm_graph_parse_duration("1.23456", &ns));
	EXPECT_EQ(1234, ns);
	EXPECT_EQ(-EINVAL, dm_graph_parse_duration("us", &ns));
	EXPECT_EQ(-EINVAL, dm_graph_parse_duration("", &ns));
	EXPECT_EQ(-ERANGE, dm_graph_parse_duration("99999999999999999999", &ns));
}

/* Two adds and a remove, with a context-switch banner in between. */
TEST(devdax_trace_with_context_switch)
{
	struct dm_graph_times t;
	char *text = slurp("graph-devdax-switch.txt");

	ASSERT_NE(NULL, text);
	EXPECT_EQ(10, dm_graph_parse(text, &t));
	EXPECT_EQ(77860420ull + 69610950ull, get(&t, "memremap_pages"));
	EXPECT_EQ(45621230ull + 42968950ull, get(&t, "arch_add_memory"));
	EXPECT_EQ(508716ull + 64167ull, get(&t, "move_pfn_range_to_zone"));
	EXPECT_EQ(12360200ull + 9571466ull, get(&t, "memmap_init_zone_device"));
	EXPECT_EQ(55867920ull, get(&t, "memunmap_pages"));
	EXPECT_EQ(1915320ull, get(&t, "arch_remove_memory"));
	EXPECT_EQ(UINT64_MAX, get(&t, "kernfs_fop_write_iter"));
	EXPECT_EQ(0, t.unparsed);
	free(text);
}

/* funcgraph-tail names every closing brace. */
TEST(fsdax_trace_with_tail)
{
	struct dm_graph_times t;
	char *text = slurp("graph-fsdax-dev-tail.txt");

	ASSERT_NE(NULL, text);
	EXPECT_EQ(8, dm_graph_parse(text, &t));
	EXPECT_EQ(137753600ull + 46406310ull, get(&t, "kernfs_fop_write_iter"));
	EXPECT_EQ(66682270ull, get(&t, "memunmap_pages"));
	EXPECT_EQ(1331955ull, get(&t, "arch_remove_memory"));
	EXPECT_EQ(42977750ull, get(&t, "memremap_pages"));
	EXPECT_EQ(15649960ull, get(&t, "memmap_init_zone_device"));
	free(text);
}

/*
 * Without funcgraph-tail, bare closing braces are matched per CPU; the
 * write began on CPU 1 and finished on CPU 0, where ftrace names it.
 */
TEST(fsdax_trace_without_tail_and_migration)
{
	struct dm_graph_times t;
	char *text = slurp("graph-fsdax-dev-notail.txt");

	ASSERT_NE(NULL, text);
	EXPECT_EQ(8, dm_graph_parse(text, &t));
	EXPECT_EQ(109745500ull + 30448980ull,
		  get(&t, "kernfs_fop_write_iter"));
	EXPECT_EQ(54013290ull, get(&t, "memunmap_pages"));
	EXPECT_EQ(26517210ull, get(&t, "memremap_pages"));
	EXPECT_EQ(6312353ull, get(&t, "memmap_init_zone_device"));
	free(text);
}

/* Garbage, truncation and absurd values: no crash, nothing invented. */
TEST(malformed_input)
{
	static const char *const inputs[] = {
		"",
		"# tracer: function_graph\n",
		" 1)   |\n 1) * 12.0 us |\n",
		" 99999999) * 1.0 us |  foo();\n",
		" 0) * 45621.23 us |    arch_add_memory(",
		" 0)               |  }\n 0)  }}}} \n",
		" 0) * 999999999999999999999.0 us |  big();\n",
		" 0) x | y\n\n\n 0) 1.0 us no bar\n",
	};
	struct dm_graph_times t;
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		EXPECT_LE(0, dm_graph_parse(inputs[i], &t));
		EXPECT_EQ(UINT64_MAX, get(&t, "arch_add_memory"));
		EXPECT_EQ(UINT64_MAX, get(&t, "big"));
	}
}

/* A very deep or very long trace stays bounded. */
TEST(deep_and_long)
{
	struct dm_graph_times t;
	size_t len = 200000, off = 0;
	char *text = malloc(len);
	int i;

	ASSERT_NE(NULL, text);
	for (i = 0; i < 100; i++)
		off += snprintf(text + off, len - off, " 0)      |  f%d() {\n", i);
	for (i = 0; i < 100; i++)
		off += snprintf(text + off, len - off,
				" 0) 1.000 us |  }\n");
	for (i = 0; i < 50; i++)
		off += snprintf(text + off, len - off,
				" 0) 2.000 us |  leaf%d();\n", i);
	EXPECT_LT(0, dm_graph_parse(text, &t));
	EXPECT_EQ(DM_GRAPH_MAX_FUNCS, t.n);
	EXPECT_LT(0, t.unparsed);
	free(text);
}

/*
 * A fake tracefs: the files dm_tracer_* read and write, as on an idle
 * Debian 6.1 (no function_graph in instances).
 */
static const char *const fake_files[][2] = {
	{ "current_tracer", "nop\n" },
	{ "available_tracers", "blk function_graph function nop\n" },
	{ "available_filter_functions",
	  "memremap_pages\narch_add_memory\nmemunmap_pages [kernel]\n" },
	{ "set_ftrace_filter", "#### all functions enabled ####\n" },
	{ "set_ftrace_notrace", "#### no functions disabled ####\n" },
	{ "set_graph_function", "#### all functions enabled ####\n" },
	{ "set_graph_notrace", "#### no functions disabled ####\n" },
	{ "set_ftrace_pid", "no pid\n" },
	{ "set_ftrace_notrace_pid", "no pid\n" },
	{ "set_event", "" },
	{ "set_event_pid", "" },
	{ "set_event_notrace_pid", "" },
	{ "events/enable", "0\n" },
	{ "events/sched/sched_switch/enable", "0\n" },
	{ "tracing_on", "1\n" },
	{ "max_graph_depth", "0\n" },
	{ "tracing_thresh", "0\n" },
	{ "trace_clock", "[local] global counter\n" },
	{ "buffer_size_kb", "7 (expanded: 1408)\n" },
	{ "options/funcgraph-tail", "0\n" },
	{ "options/sleep-time", "1\n" },
	{ "options/function-fork", "0\n" },
	{ "options/event-fork", "0\n" },
	{ "per_cpu/cpu0/stats", "entries: 0\noverrun: 0\n" },
	{ "per_cpu/cpu1/stats", "entries: 0\noverrun: 0\n" },
	{ "trace", "# tracer: nop\n" },
};
#define NR_FAKE (sizeof(fake_files) / sizeof(fake_files[0]))

static void put(const char *root, const char *rel, const char *text)
{
	char path[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void get_file(const char *root, const char *rel, char *buf, size_t len)
{
	char path[1024];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/*
 * What a setting means, whatever the fake's formatting: no banner lines
 * ("####", "no pid"), no trailing blanks.  "nop\n" written back as "nop"
 * is the same setting.
 */
static void meaning(const char *root, const char *rel, char *out, size_t len)
{
	char buf[4096], *line, *save = NULL;
	size_t n;

	get_file(root, rel, buf, sizeof(buf));
	out[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !strcmp(line, "no pid"))
			continue;
		n = strlen(out);
		snprintf(out + n, len - n, "%s%s", n ? "|" : "", line);
	}
	n = strlen(out);
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		out[--n] = '\0';
}

struct snap {
	char v[NR_FAKE][4096];
};

static void take(const char *root, struct snap *s)
{
	size_t i;

	for (i = 0; i < NR_FAKE; i++)
		meaning(root, fake_files[i][0], s->v[i], sizeof(s->v[i]));
}

/* Name of the first setting that differs, or NULL. */
static const char *differs(const struct snap *a, const struct snap *b)
{
	size_t i;

	for (i = 0; i < NR_FAKE; i++)
		if (strcmp(a->v[i], b->v[i]))
			return fake_files[i][0];
	return NULL;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static const char *const funcs[] = {
	"memremap_pages", "arch_add_memory", "memunmap_pages",
	"inlined_away", NULL,
};

FIXTURE(tfs) {
	char root[64];
	char state[128];
	char saved[256];
	struct snap before, after;
	struct dm_tracer tr;
};

FIXTURE_SETUP(tfs)
{
	size_t i;

	snprintf(self->root, sizeof(self->root), "/tmp/dm-tracefs-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	for (i = 0; i < NR_FAKE; i++)
		put(self->root, fake_files[i][0], fake_files[i][1]);
	snprintf(self->state, sizeof(self->state), "%s/instances", self->root);
	mkdir(self->state, 0700);
	snprintf(self->state, sizeof(self->state), "%s/state", self->root);
	setenv("DM_TRACEFS", self->root, 1);
	setenv("DEVMEM_STATE_DIR", self->state, 1);
	snprintf(self->saved, sizeof(self->saved), "%s/trace-%d.saved",
		 self->state, (int)getpid());
}

FIXTURE_TEARDOWN(tfs)
{
	char cmd[128];

	dm_tracer_stop(&self->tr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->root);
	if (system(cmd))
		TH_LOG("could not remove %s", self->root);
}

/* Idle top level: traced there, every changed setting put back. */
TEST_F(tfs, idle_top_level_traced_and_restored)
{
	struct dm_trace_cfg cfg = { funcs, 4242, 0 };
	char why[256], buf[4096];

	put(self->root, "max_graph_depth", "3\n");
	put(self->root, "tracing_thresh", "100\n");
	take(self->root, &self->before);

	ASSERT_EQ(0, dm_tracer_start_cfg(&self->tr, &cfg, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_STREQ("top level", self->tr.where);
	EXPECT_STREQ("inlined_away", self->tr.missing);
	EXPECT_EQ(0, self->tr.sleep_time);
	get_file(self->root, "current_tracer", buf, sizeof(buf));
	EXPECT_STREQ("function_graph", buf);
	get_file(self->root, "set_ftrace_filter", buf, sizeof(buf));
	EXPECT_STREQ("memremap_pagesarch_add_memorymemunmap_pages", buf);
	get_file(self->root, "set_ftrace_pid", buf, sizeof(buf));
	EXPECT_STREQ("4242", buf);
	get_file(self->root, "max_graph_depth", buf, sizeof(buf));
	EXPECT_STREQ("0", buf);
	get_file(self->root, "tracing_thresh", buf, sizeof(buf));
	EXPECT_STREQ("0", buf);
	get_file(self->root, "options/funcgraph-tail", buf, sizeof(buf));
	EXPECT_STREQ("1", buf);
	get_file(self->root, "options/sleep-time", buf, sizeof(buf));
	EXPECT_STREQ("0", buf);
	/* The instance it tried (no function_graph there) is gone. */
	snprintf(buf, sizeof(buf), "%s/instances/devmem-%d", self->root,
		 (int)getpid());
	EXPECT_FALSE(exists(buf));
	/* Saved for after a SIGKILL too. */
	ASSERT_TRUE(exists(self->saved));
	get_file(self->state, strrchr(self->saved, '/') + 1, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\nset current_tracer nop\n"));
	EXPECT_NE(NULL, strstr(buf, "\nset max_graph_depth 3\n"));
	EXPECT_NE(NULL, strstr(buf, "\nset options/sleep-time 1\n"));

	/* Positive control of the comparison: it sees the change. */
	take(self->root, &self->after);
	EXPECT_NE(NULL, differs(&self->before, &self->after));

	dm_tracer_stop(&self->tr);
	take(self->root, &self->after);
	EXPECT_EQ(NULL, differs(&self->before, &self->after))
		TH_LOG("%s not restored", differs(&self->before, &self->after));
	EXPECT_FALSE(exists(self->saved));
	/* Twice is harmless. */
	dm_tracer_stop(&self->tr);
}

/* sleep-time left alone unless asked, and recorded as found. */
TEST_F(tfs, sleep_time_left_as_found)
{
	struct dm_trace_cfg cfg = { funcs, 1, -1 };
	char why[256], buf[256];

	ASSERT_EQ(0, dm_tracer_start_cfg(&self->tr, &cfg, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(1, self->tr.sleep_time);
	get_file(self->root, "options/sleep-time", buf, sizeof(buf));
	EXPECT_STREQ("1\n", buf);
	dm_tracer_stop(&self->tr);

	/* A kernel without the option: asked for, it is an error. */
	snprintf(buf, sizeof(buf), "%s/options/sleep-time", self->root);
	ASSERT_EQ(0, unlink(buf));
	cfg.sleep_time = 0;
	EXPECT_EQ(-ENOENT, dm_tracer_start_cfg(&self->tr, &cfg, why,
					       sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "sleep-time"));
	cfg.sleep_time = -1;
	ASSERT_EQ(0, dm_tracer_start_cfg(&self->tr, &cfg, why, sizeof(why)));
	EXPECT_EQ(-1, self->tr.sleep_time);
}

/* Each kind of user of the top level makes it busy, and nothing changes. */
TEST_F(tfs, busy_for_every_kind_of_user)
{
	static const char *const users[][3] = {
		{ "current_tracer", "function\n", "current_tracer is function" },
		{ "events/enable", "X\n", "events are enabled" },
		{ "set_event", "sched:sched_switch\n", "set_event" },
		{ "set_ftrace_filter", "schedule\n", "set_ftrace_filter" },
		{ "set_ftrace_notrace", "schedule\n", "set_ftrace_notrace" },
		{ "set_graph_function", "schedule\n", "set_graph_function" },
		{ "set_ftrace_pid", "42\n", "set_ftrace_pid" },
		{ "set_event_pid", "42\n", "set_event_pid" },
		{ "options/function-fork", "1\n", "function-fork" },
		{ "tracing_on", "0\n", "tracing_on is 0" },
		{ "per_cpu/cpu1/stats", "entries: 12\n", "holds 12 entries" },
	};
	struct dm_trace_cfg cfg = { funcs, 1, -1 };
	char why[256], raw[4096];
	size_t i, k;

	/* Positive control: the idle tree is not busy. */
	EXPECT_FALSE(dm_trace_top_busy(self->root, why, sizeof(why)));
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		const char *file = users[i][0];
		char orig[4096];

		get_file(self->root, file, orig, sizeof(orig));
		put(self->root, file, users[i][1]);
		take(self->root, &self->before);
		EXPECT_TRUE(dm_trace_top_busy(self->root, why, sizeof(why)))
			TH_LOG("%s", file);
		EXPECT_EQ(-EBUSY, dm_tracer_start_cfg(&self->tr, &cfg, why,
						      sizeof(why)))
			TH_LOG("%s", file);
		EXPECT_NE(NULL, strstr(why, users[i][2]))
			TH_LOG("%s: %s", file, why);
		take(self->root, &self->after);
		EXPECT_EQ(NULL, differs(&self->before, &self->after))
			TH_LOG("%s: %s changed", file,
			       differs(&self->before, &self->after));
		for (k = 0; k < NR_FAKE; k++) {
			get_file(self->root, fake_files[k][0], raw,
				 sizeof(raw));
			if (strcmp(fake_files[k][0], file))
				EXPECT_STREQ(fake_files[k][1], raw);
		}
		EXPECT_FALSE(exists(self->saved));
		put(self->root, file, orig);
	}
	EXPECT_FALSE(dm_trace_top_busy(self->root, why, sizeof(why)));
}

/* Global function_graph settings are not changed under another user. */
TEST_F(tfs, shared_graph_settings_refused_with_other_user)
{
	struct dm_trace_cfg cfg = { funcs, 1, 0 };
	char why[256], buf[64];

	put(self->root, "instances/user/current_tracer", "function_graph\n");
	take(self->root, &self->before);
	/* sleep-time is shared with the user's instance. */
	EXPECT_EQ(-EBUSY, dm_tracer_start_cfg(&self->tr, &cfg, why,
					      sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "instance user")) TH_LOG("%s", why);
	put(self->root, "max_graph_depth", "2\n");
	cfg.sleep_time = -1;
	EXPECT_EQ(-EBUSY, dm_tracer_start_cfg(&self->tr, &cfg, why,
					      sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "max_graph_depth")) TH_LOG("%s", why);
	put(self->root, "max_graph_depth", "0\n");
	take(self->root, &self->after);
	EXPECT_EQ(NULL, differs(&self->before, &self->after));
	/* Left as they are (funcgraph-tail too) when nothing must change. */
	ASSERT_EQ(0, dm_tracer_start_cfg(&self->tr, &cfg, why, sizeof(why)))
		TH_LOG("%s", why);
	get_file(self->root, "options/funcgraph-tail", buf, sizeof(buf));
	EXPECT_STREQ("0\n", buf);
	get_file(self->root, "instances/user/current_tracer", buf,
		 sizeof(buf));
	EXPECT_STREQ("function_graph\n", buf);
}

/* Someone starts using the top level mid-run: no more clearing. */
TEST_F(tfs, top_level_taken_mid_run_is_not_cleared)
{
	struct dm_trace_cfg cfg = { funcs, 1, -1 };
	char why[256], buf[64];

	ASSERT_EQ(0, dm_tracer_start_cfg(&self->tr, &cfg, why, sizeof(why)));
	put(self->root, "trace", "ours\n");
	EXPECT_EQ(0, dm_tracer_clear(&self->tr));
	get_file(self->root, "trace", buf, sizeof(buf));
	EXPECT_STREQ("", buf);
	put(self->root, "events/enable", "X\n");
	put(self->root, "trace", "theirs\n");
	EXPECT_EQ(-EBUSY, dm_tracer_clear(&self->tr));
	EXPECT_EQ(-EBUSY, dm_tracer_read(&self->tr, NULL));
	dm_tracer_stop(&self->tr);
	get_file(self->root, "trace", buf, sizeof(buf));
	EXPECT_STREQ("theirs\n", buf);
	get_file(self->root, "events/enable", buf, sizeof(buf));
	EXPECT_STREQ("X\n", buf);
}

static pid_t start_child(const char *name, const char *root, bool hold)
{
	struct dm_trace_cfg cfg = { funcs, 1, 0 };
	struct dm_tracer *tr;
	char why[256];
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_NAME, name);
	tr = calloc(1, sizeof(*tr));
	if (!tr || dm_tracer_start_cfg(tr, &cfg, why, sizeof(why)))
		_exit(1);
	put(root, "child-ready", "1");
	if (hold)
		pause();
	raise(SIGKILL);
	_exit(2);
}

static void wait_ready(const char *root)
{
	char path[256];
	int i;

	snprintf(path, sizeof(path), "%s/child-ready", root);
	for (i = 0; i < 500 && !exists(path); i++)
		usleep(10000);
}

/* A run killed by SIGKILL: the next cleanup puts everything back. */
TEST_F(tfs, sigkill_leftovers_restored_by_cleanup)
{
	struct dm_trace_cfg cfg = { funcs, 1, -1 };
	char buf[64], path[256], why[256];
	int status;
	pid_t pid;
	FILE *log;

	take(self->root, &self->before);
	pid = start_child("devmem-killed", self->root, false);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	snprintf(path, sizeof(path), "%s/child-ready", self->root);
	unlink(path);
	get_file(self->root, "current_tracer", buf, sizeof(buf));
	EXPECT_STREQ("function_graph", buf);
	snprintf(path, sizeof(path), "%s/trace-%d.saved", self->state,
		 (int)pid);
	ASSERT_TRUE(exists(path));
	/* The next run says what is left and how to clean it. */
	EXPECT_EQ(-EBUSY, dm_tracer_start_cfg(&self->tr, &cfg, why,
					      sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "devmem-bench --cleanup")) TH_LOG("%s", why);

	log = tmpfile();
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, dm_trace_cleanup_stale(log));
	take(self->root, &self->after);
	EXPECT_EQ(NULL, differs(&self->before, &self->after))
		TH_LOG("%s not restored", differs(&self->before, &self->after));
	EXPECT_FALSE(exists(path));
	EXPECT_EQ(0, dm_trace_cleanup_stale(log));
	fclose(log);
}

/* A live devmem run's state is left alone; once it is gone, restored. */
TEST_F(tfs, live_owner_left_alone)
{
	char buf[64], path[256];
	int status;
	pid_t pid;

	take(self->root, &self->before);
	pid = start_child("devmem-live", self->root, true);
	wait_ready(self->root);
	snprintf(path, sizeof(path), "%s/child-ready", self->root);
	unlink(path);
	EXPECT_EQ(0, dm_trace_cleanup_stale(stderr));
	get_file(self->root, "current_tracer", buf, sizeof(buf));
	EXPECT_STREQ("function_graph", buf);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(1, dm_trace_cleanup_stale(stderr));
	take(self->root, &self->after);
	EXPECT_EQ(NULL, differs(&self->before, &self->after));
}

/* A state file names only settings of the table; nothing else is written. */
TEST_F(tfs, state_file_limited_to_known_settings)
{
	char path[256], buf[256];
	pid_t pid = fork();
	int status;

	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	mkdir(self->state, 0700);
	snprintf(path, sizeof(path), "%s/trace-%d.saved", self->state,
		 (int)pid);
	snprintf(buf, sizeof(buf), "root %s\n", self->root);
	{
		FILE *f = fopen(path, "w");

		ASSERT_NE(NULL, f);
		fprintf(f, "devmem-trace-state 1\npid %d 0\n%sset tracing_on 0\nset options/../../x 1\nset max_graph_depth 0\n",
			(int)pid, buf);
		fclose(f);
	}
	put(self->root, "max_graph_depth", "7\n");
	EXPECT_EQ(1, dm_trace_cleanup_stale(stderr));
	get_file(self->root, "max_graph_depth", buf, sizeof(buf));
	EXPECT_STREQ("0", buf);
	get_file(self->root, "tracing_on", buf, sizeof(buf));
	EXPECT_STREQ("1\n", buf);
	snprintf(path, sizeof(path), "%s/x", self->root);
	EXPECT_FALSE(exists(path));
}

/* Wait (up to 10 s) until child @pid has taken the name @name. */
static bool wait_comm(pid_t pid, const char *name)
{
	char path[64], comm[32];
	int i;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	for (i = 0; i < 1000; i++) {
		get_file(path, "comm", comm, sizeof(comm));
		comm[strcspn(comm, "\n")] = '\0';
		if (!strcmp(comm, name))
			return true;
		usleep(10000);
	}
	return false;
}

/* A devmem process that reuses a dead owner's pid owns nothing of it. */
TEST_F(tfs, reused_pid_owns_nothing)
{
	char path[256];
	int status;
	pid_t live = fork();
	FILE *f;

	if (!live) {
		prctl(PR_SET_NAME, "devmem-reuse");
		pause();
		_exit(0);
	}
	ASSERT_TRUE(wait_comm(live, "devmem-reuse"));
	mkdir(self->state, 0700);
	snprintf(path, sizeof(path), "%s/trace-%d.saved", self->state,
		 (int)live);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "devmem-trace-state 1\npid %d 1\nroot %s\nset max_graph_depth 0\n",
		(int)live, self->root);
	fclose(f);
	put(self->root, "max_graph_depth", "7\n");
	EXPECT_EQ(1, dm_trace_cleanup_stale(stderr));
	EXPECT_FALSE(exists(path));
	kill(live, SIGKILL);
	waitpid(live, &status, 0);
}

/* Instances of dead (or non-devmem) processes go; others stay. */
TEST_F(tfs, stale_instances_removed)
{
	char path[256], live_inst[64], dead_inst[64];
	static const char *const kept[] = { "user", "devmem-db", NULL };
	int status, i;
	pid_t dead, live;

	dead = fork();
	if (!dead)
		_exit(0);
	ASSERT_EQ(dead, waitpid(dead, &status, 0));
	live = fork();
	if (!live) {
		prctl(PR_SET_NAME, "devmem-other");
		pause();
		_exit(0);
	}
	snprintf(dead_inst, sizeof(dead_inst), "instances/devmem-%d",
		 (int)dead);
	snprintf(live_inst, sizeof(live_inst), "instances/devmem-%d",
		 (int)live);
	snprintf(path, sizeof(path), "%s/%s", self->root, dead_inst);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s", self->root, live_inst);
	mkdir(path, 0700);
	/* pid 1 is alive, but no devmem process. */
	snprintf(path, sizeof(path), "%s/instances/devmem-1", self->root);
	mkdir(path, 0700);
	for (i = 0; kept[i]; i++) {
		snprintf(path, sizeof(path), "%s/instances/%s", self->root,
			 kept[i]);
		mkdir(path, 0700);
	}
	ASSERT_TRUE(wait_comm(live, "devmem-other"));

	EXPECT_EQ(2, dm_trace_cleanup_stale(stderr));
	snprintf(path, sizeof(path), "%s/%s", self->root, dead_inst);
	EXPECT_FALSE(exists(path));
	snprintf(path, sizeof(path), "%s/instances/devmem-1", self->root);
	EXPECT_FALSE(exists(path));
	snprintf(path, sizeof(path), "%s/%s", self->root, live_inst);
	EXPECT_TRUE(exists(path));
	for (i = 0; kept[i]; i++) {
		snprintf(path, sizeof(path), "%s/instances/%s", self->root,
			 kept[i]);
		EXPECT_TRUE(exists(path));
	}
	kill(live, SIGKILL);
	waitpid(live, &status, 0);
}

TEST_HARNESS_MAIN
