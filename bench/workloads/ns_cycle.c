// SPDX-License-Identifier: GPL-2.0
/*
 * ns-cycle: how long the kernel takes to add and remove device memory
 * (ZONE_DEVICE), where that time goes, and what initialising the memmap
 * costs.
 *
 * Per configuration (mode x memmap placement x align x size) one namespace
 * is created; each cycle hot-removes it (unbind) and hot-adds it (bind),
 * each timed around the sysfs write alone with CLOCK_MONOTONIC.  Where
 * ftrace's function_graph tracer is available the in-kernel phases are
 * recorded too, and the whole sysfs write as the kernel sees it, so that
 * the suite's own overhead is measured rather than assumed.  The selftest
 * library's invariants are checked after every step.  With
 * -O baseline-cycles=N (-b N) a second configuration per namespace drives
 * the same cycles through the ndctl command line ("driver" ndctl-cli).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "stats.h"
#include "workload.h"

#define PAGE_4K		4096ull

extern char **environ;

/*
 * The in-kernel phases traced, in table order.  add_device_memory,
 * del_device_memory and shrink_device_zone_span exist only with the
 * add-del-device-memory series (kernel/patches); functions a kernel
 * cannot trace are left out and named in the results' parameters.
 */
static const struct phase {
	const char *func;
	const char *metric;
	bool add;		/* traced during the bind, else the unbind */
} phases[] = {
	{ "memremap_pages", "phase.memremap_pages_ns", true },
	{ "add_device_memory", "phase.add_device_memory_ns", true },
	{ "arch_add_memory", "phase.arch_add_memory_ns", true },
	{ "move_pfn_range_to_zone", "phase.move_pfn_range_to_zone_ns", true },
	{ "memmap_init_zone_device", "phase.memmap_init_zone_device_ns",
	  true },
	{ "memunmap_pages", "phase.memunmap_pages_ns", false },
	{ "del_device_memory", "phase.del_device_memory_ns", false },
	{ "arch_remove_memory", "phase.arch_remove_memory_ns", false },
	{ "shrink_device_zone_span", "phase.shrink_device_zone_span_ns",
	  false },
};
#define NR_PHASES	ARRAY_SIZE(phases)
#define PHASE_MEMMAP_INIT	4	/* memmap_init_zone_device */
/* The whole sysfs write (bind/unbind) as the kernel sees it. */
#define SYSFS_WRITE_FUNC	"kernfs_fop_write_iter"

static const char *const trace_funcs[] = {
	"memremap_pages", "add_device_memory", "arch_add_memory",
	"move_pfn_range_to_zone", "memmap_init_zone_device",
	"memunmap_pages", "del_device_memory", "arch_remove_memory",
	"shrink_device_zone_span", SYSFS_WRITE_FUNC, NULL,
};

#define METRIC(n, u, b, h) \
	{ .name = n, .unit = u, .better = b, .help = h }
#define PHASE(n) \
	{ .name = n, .unit = DM_UNIT_NS, .better = DM_BETTER_LOWER, \
	  .indent = true }

static const struct dm_wl_metric metrics[] = {
	METRIC("add_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "the bind write (hot-add)"),
	PHASE("phase.memremap_pages_ns"),
	PHASE("phase.add_device_memory_ns"),
	PHASE("phase.arch_add_memory_ns"),
	PHASE("phase.move_pfn_range_to_zone_ns"),
	PHASE("phase.memmap_init_zone_device_ns"),
	METRIC("remove_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "the unbind write (hot-remove)"),
	PHASE("phase.memunmap_pages_ns"),
	PHASE("phase.del_device_memory_ns"),
	PHASE("phase.arch_remove_memory_ns"),
	PHASE("phase.shrink_device_zone_span_ns"),
	METRIC("phase.sysfs_bind_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "the bind write in the kernel"),
	METRIC("phase.sysfs_unbind_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "the unbind write in the kernel"),
	METRIC("suite_overhead_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "add + remove outside the kernel's writes"),
	METRIC("memmap_init_ns_per_page", DM_UNIT_NS_PER_PAGE,
	       DM_BETTER_LOWER, "memmap_init_zone_device per 4 KiB page"),
	METRIC("memmap_bytes_per_sec", DM_UNIT_BYTES_PER_SEC,
	       DM_BETTER_HIGHER, "struct pages written per second"),
	METRIC("memmap_bw_ratio", DM_UNIT_RATIO, DM_BETTER_HIGHER,
	       "memmap init bandwidth / memset bandwidth"),
	METRIC("memset_bytes_per_sec", DM_UNIT_BYTES_PER_SEC, DM_BETTER_NONE,
	       "memset of a buffer the size of the memmap"),
	METRIC("memmap_pages", DM_UNIT_PAGES, DM_BETTER_LOWER,
	       "nr_memmap_pages added by one hot-add"),
	METRIC("memfree_delta_bytes", DM_UNIT_BYTES, DM_BETTER_LOWER,
	       "free memory taken by one hot-add"),
	{ 0 },
};

static const struct dm_wl_option options[] = {
	{ "baseline-cycles", DM_WL_OPT_INT, "10", 0, 1000000,
	  "cycles through the ndctl command line per namespace, 0 = none" },
	{ 0 },
};

#define DRIVER_CLI	"ndctl-cli"

struct state {
	struct dm_ns *ns;
	struct dm_inv inv;
	bool inv_ok, cli;
	unsigned long long pages;
	long long memmap_pages;		/* of the last cycle, -1 unknown */
	long long memfree_delta;
	double memset_med;
};

static int matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	int baseline = dm_run_opt_int(run, "baseline-cycles");
	int i, n, m;

	n = dm_run_ns_matrix(run, cfgs, baseline ? max / 2 : max);
	if (n <= 0 || !baseline)
		return n;
	/* Each namespace configuration, then the same through ndctl. */
	for (i = n - 1; i >= 0; i--) {
		cfgs[2 * i] = cfgs[i];
		cfgs[2 * i + 1] = cfgs[i];
	}
	for (i = 0, m = 2 * n; i < n; i++) {
		cfgs[2 * i + 1].driver = DRIVER_CLI;
		cfgs[2 * i + 1].cycles = baseline;
		cfgs[2 * i + 1].warmup = 0;
	}
	return m;
}

static int setup(struct dm_wl *w)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	struct dm_ctx *ctx = dm_wl_ctx(w);
	struct state *s = dm_wl_priv(w);
	char msg[DM_MSG_LEN];
	int rc;

	s->cli = cfg->driver && !strcmp(cfg->driver, DRIVER_CLI);
	s->memmap_pages = -1;
	rc = dm_inv_init(&s->inv, ctx, DM_CHECK_ALL);
	if (rc)
		return rc;
	s->inv_ok = true;
	rc = dm_ns_create(ctx, &cfg->ns, dm_wl_tag(w), &s->ns);
	if (rc) {
		dm_wl_violation(w, -1, "create",
				"creating the namespace in %s: %s",
				dm_region_name(ctx), strerror(-rc));
		return rc;
	}
	s->pages = dm_ns_size(s->ns) / PAGE_4K;
	if (dm_inv_check_added(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, -1, "after_create", "%s", msg);
	return 0;
}

/* Run "ndctl VERB NS" and time it; returns its exit status or -errno. */
static int run_ndctl(const char *verb, const char *ns, uint64_t *ns_out)
{
	char *argv[] = { "ndctl", (char *)verb, (char *)ns, NULL };
	posix_spawn_file_actions_t fa;
	uint64_t t0;
	pid_t pid;
	int status, rc;

	/* ndctl's "disabled 1 namespace" tally would garble the progress. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = dm_now_ns();
	rc = posix_spawnp(&pid, "ndctl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	*ns_out = dm_now_ns() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

static int cli_cycle(struct dm_wl *w, struct state *s, int c)
{
	char msg[DM_MSG_LEN];
	const char *verb = "disable-namespace";
	uint64_t t;
	int rc;

	rc = run_ndctl(verb, dm_ns_name(s->ns), &t);
	if (!rc) {
		dm_wl_sample(w, "remove_ns", t);
		if (dm_inv_check_removed(&s->inv, s->ns, msg, sizeof(msg)))
			dm_wl_violation(w, c, "after_ndctl_disable", "%s",
					msg);
		verb = "enable-namespace";
		rc = run_ndctl(verb, dm_ns_name(s->ns), &t);
	}
	if (rc) {
		dm_wl_violation(w, c, "ndctl", "ndctl %s %s: %s", verb,
				dm_ns_name(s->ns),
				rc < 0 ? strerror(-rc) : "non-zero exit");
		return rc < 0 ? rc : -EIO;
	}
	dm_wl_sample(w, "add_ns", t);
	if (dm_inv_check_added(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, c, "after_ndctl_enable", "%s", msg);
	return 0;
}

/* The traced phases of one step. */
static void read_phases(struct dm_wl *w, bool add, uint64_t *write_ns)
{
	struct dm_graph_times t;
	uint64_t ns;
	size_t i;

	*write_ns = 0;
	if (dm_wl_trace_read(w, &t))
		return;
	for (i = 0; i < NR_PHASES; i++)
		if (phases[i].add == add &&
		    dm_graph_get(&t, phases[i].func, &ns)) {
			dm_wl_sample(w, phases[i].metric, ns);
			if (i == PHASE_MEMMAP_INIT) {
				struct state *s = dm_wl_priv(w);

				dm_wl_sample(w, "memmap_init_ns_per_page",
					     (double)ns / s->pages);
			}
		}
	if (dm_graph_get(&t, SYSFS_WRITE_FUNC, &ns)) {
		*write_ns = ns;
		dm_wl_sample(w, add ? "phase.sysfs_bind_ns" :
			     "phase.sysfs_unbind_ns", ns);
	}
}

/* One cycle: hot-remove then hot-add, timed, traced and checked. */
static int cycle(struct dm_wl *w, int c)
{
	struct state *s = dm_wl_priv(w);
	struct dm_snapshot removed;
	uint64_t t_rm, t_add, w_rm, w_add;
	char msg[DM_MSG_LEN];
	int rc;

	dm_wl_perturb(w);
	if (s->cli)
		return cli_cycle(w, s, c);
	dm_wl_trace_clear(w);
	rc = dm_ns_disable(s->ns, &t_rm);
	if (rc) {
		dm_wl_violation(w, c, "remove", "unbind %s: %s%s%s",
				dm_ns_personality(s->ns), strerror(-rc),
				rc == -EBUSY || rc == -EPERM ? ": " : "",
				rc == -EBUSY || rc == -EPERM ?
				dm_ns_why(s->ns) : "");
		return rc;
	}
	dm_wl_sample(w, "remove_ns", t_rm);
	read_phases(w, false, &w_rm);
	if (dm_inv_check_removed(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, c, "after_remove", "%s", msg);
	removed = s->inv.last;

	dm_wl_trace_clear(w);
	rc = dm_ns_enable(s->ns, &t_add);
	if (rc) {
		dm_wl_violation(w, c, "add", "bind %s: %s",
				dm_ns_personality(s->ns), strerror(-rc));
		return rc;
	}
	dm_wl_sample(w, "add_ns", t_add);
	read_phases(w, true, &w_add);
	if (dm_inv_check_added(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, c, "after_add", "%s", msg);

	/* add_ns is latency: without sleep-time the difference is the time
	 * scheduled out, not the suite's overhead.
	 */
	if (w_rm && w_add && dm_wl_trace_sleep_time(w) > 0)
		dm_wl_sample(w, "suite_overhead_ns",
			     (double)(t_add + t_rm) - (double)(w_add + w_rm));
	if (removed.nr_memmap_pages >= 0 && s->inv.last.nr_memmap_pages >= 0) {
		s->memmap_pages = s->inv.last.nr_memmap_pages -
				  removed.nr_memmap_pages;
		dm_wl_sample(w, "memmap_pages", s->memmap_pages);
	}
	s->memfree_delta = (removed.free_pages - s->inv.last.free_pages) *
			   (long long)PAGE_4K;
	dm_wl_sample(w, "memfree_delta_bytes", s->memfree_delta);
	return 0;
}

/*
 * Memory write bandwidth in this environment: memset of a buffer the size
 * of the memmap, faulted in first so that page faults are not measured.
 */
static void measure_memset(struct dm_wl *w, size_t bytes)
{
	uint64_t t0, t1;
	char *buf;
	int i;

	if (bytes < (1u << 20))
		bytes = 1u << 20;
	buf = malloc(bytes);
	if (!buf)
		return;
	memset(buf, 1, bytes);
	for (i = 0; i < 16; i++) {
		t0 = dm_now_ns();
		memset(buf, i, bytes);
		__asm__ __volatile__("" : : "r"(buf) : "memory");
		t1 = dm_now_ns();
		if (t1 > t0)
			dm_wl_sample(w, "memset_bytes_per_sec",
				     bytes * 1e9 / (t1 - t0));
	}
	free(buf);
}

/*
 * memset bandwidth here, memmap init as bandwidth and against memset's:
 * not under icount, where a virtual second is 10^9 instructions.
 */
static void derive(struct dm_wl *w, struct state *s)
{
	const char *init_metric = "phase.memmap_init_zone_device_ns";
	const double *mset, *mm;
	size_t n, nm, nmm, i;
	long long pages;

	if (dm_run_counts_insn(dm_wl_run(w)))
		return;
	measure_memset(w, s->memmap_pages > 0 ? s->memmap_pages * PAGE_4K :
		       s->pages * 64);
	mset = dm_wl_series(w, "memset_bytes_per_sec", &nm);
	s->memset_med = nm ? dm_stats_median(mset, nm) : 0;
	mm = dm_wl_series(w, "memmap_pages", &nmm);
	pages = nmm ? (long long)mm[nmm - 1] : s->inv.memmap_expected;
	if (!dm_wl_series(w, init_metric, &n) || pages <= 0)
		return;
	/* Appending may move a series: look it up again every time. */
	for (i = 0; i < n; i++) {
		double t = dm_wl_series(w, init_metric, &nm)[i];
		double bps = t > 0 ? pages * PAGE_4K * 1e9 / t : 0;

		if (bps <= 0)
			continue;
		dm_wl_sample(w, "memmap_bytes_per_sec", bps);
		if (s->memset_med > 0)
			dm_wl_sample(w, "memmap_bw_ratio", bps / s->memset_med);
	}
}

static int teardown(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);

	if (s->ns && !s->cli)
		derive(w, s);
	if (s->ns)
		dm_wl_destroy_ns(w, s->ns);
	if (s->inv_ok)
		dm_inv_release(&s->inv);
	return 0;
}

static void report(struct dm_wl *w, FILE *out)
{
	struct state *s = dm_wl_priv(w);
	const double *v;
	size_t n;

	if (s->cli || !s->ns)
		return;
	v = dm_wl_series(w, "memmap_init_ns_per_page", &n);
	if (n && dm_run_counts_insn(dm_wl_run(w)))
		fprintf(out, "  memmap init: %.2f insn/page (icount: no bandwidth figures)\n",
			v[n / 2]);
	else if (n && s->memset_med > 0)
		fprintf(out, "  memmap init: struct pages against memset %.2f GB/s\n",
			s->memset_med / 1e9);
	if (s->memmap_pages >= 0)
		fprintf(out, "  memmap: %lld pages (%.1f MiB) %s; free memory -%.1f MiB per add\n",
			s->memmap_pages, s->memmap_pages * 4096.0 / (1 << 20),
			dm_wl_config(w)->ns.map == DM_MAP_MEM ? "in RAM" :
			"on the device", s->memfree_delta / (double)(1 << 20));
}

const struct dm_workload dm_wl_ns_cycle = {
	.name = "ns-cycle",
	.summary = "hot-remove and hot-add one namespace per configuration: latency, in-kernel phases, memmap init cost",
	.invariants = "device and iomem entry present/absent, zone and node spans, nr_memmap_pages back to baseline, no WARN/BUG",
	.options = options,
	.metrics = metrics,
	.trace_funcs = trace_funcs,
	.matrix = matrix,
	.setup = setup,
	.cycle = cycle,
	.teardown = teardown,
	.report = report,
	.priv_size = sizeof(struct state),
	.default_cycles = 30,
	.default_warmup = 2,
};
