// SPDX-License-Identifier: GPL-2.0
/*
 * devmem-bench: how long the kernel takes to add and remove device memory
 * (ZONE_DEVICE), where that time goes, and what initialising the memmap
 * costs, for a matrix of NVDIMM namespace configurations.
 *
 * For each configuration (mode x memmap placement x align x size) it
 * creates one tagged namespace, runs warm-up cycles, then N measured
 * cycles of hot-remove (unbind) and hot-add (bind), each timed around the
 * sysfs write alone with CLOCK_MONOTONIC.  Where ftrace's function_graph
 * tracer is available it also records the in-kernel phases:
 * memremap_pages, arch_add_memory, move_pfn_range_to_zone,
 * memmap_init_zone_device on add; memunmap_pages, arch_remove_memory on
 * remove; and the whole sysfs write in the kernel, so that the suite's own
 * overhead is measured rather than assumed.  The selftest library's
 * invariants are checked after every step; a violation is recorded and
 * makes the run exit 1.  A baseline loop drives the same cycles through
 * the ndctl command line.
 *
 * Run as root in the devmem guest (make bench) or on a machine with pmem.
 * devmem-bench --help lists the options.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devmem.h"
#include "results.h"
#include "stats.h"
#include "trace.h"

#ifndef DEVMEM_VERSION
#define DEVMEM_VERSION "unknown"
#endif

#define PAGE_4K		4096ull
#define MAX_CONFIGS	64
#define EXIT_USAGE	2
#define EXIT_SKIP	4	/* KSFT_SKIP: nothing could run here */

extern char **environ;

/*
 * The in-kernel phases traced, in table order; a child is printed
 * indented under the top-level call of its step.  add_device_memory,
 * del_device_memory and shrink_device_zone_span exist only with the
 * add-del-device-memory series (kernel/patches); functions a kernel
 * cannot trace are left out and named in the results' parameters.
 */
static const struct phase {
	const char *func;
	bool add;		/* traced during the bind, else the unbind */
	bool child;
} phases[] = {
	{ "memremap_pages",		true,	false },
	{ "add_device_memory",		true,	true },
	{ "arch_add_memory",		true,	true },
	{ "move_pfn_range_to_zone",	true,	true },
	{ "memmap_init_zone_device",	true,	true },
	{ "memunmap_pages",		false,	false },
	{ "del_device_memory",		false,	true },
	{ "arch_remove_memory",		false,	true },
	{ "shrink_device_zone_span",	false,	true },
};
#define NR_PHASES	(sizeof(phases) / sizeof(phases[0]))
#define PHASE_MEMMAP_INIT	4	/* memmap_init_zone_device */
/* The whole sysfs write (bind/unbind) as the kernel sees it. */
#define SYSFS_WRITE_FUNC	"kernfs_fop_write_iter"

static struct parameters {
	const char *modes;
	const char *maps;
	const char *aligns;
	const char *sizes;
	const char *region;
	const char *output;
	const char *trace;
	int cycles;
	int warmup;
	int baseline_cycles;
	bool allow_foreign;
	bool no_wait;
	bool cleanup;
	bool list;
	bool quiet;
	long long perturb_seed;	/* < 0: no perturbation */
	const char *sleep_time;
} param = {
	.modes = "devdax,fsdax",
	.maps = "mem,dev",
	.aligns = "4K,2M,1G",
	.sizes = "256M,1G,2G",
	.trace = "auto",
	.cycles = 30,
	.warmup = 2,
	.baseline_cycles = 10,
	.perturb_seed = -1,
	.sleep_time = "auto",
};

static volatile sig_atomic_t interrupted;
static struct dm_tracer tracer;
static bool tracing;
/*
 * Under QEMU icount (DEVMEM_ACCEL=tcg-icount) the guest clock counts
 * instructions: durations are shown as insn, and nothing that divides
 * by time (memset bandwidth, its ratio, struct pages per second) is
 * recorded, since a virtual second is only 10^9 instructions.
 */
static bool counts_insn;

struct bench_config {
	struct dm_ns_config ns;
	char id[48];
	char skipped[DM_MSG_LEN];
};

/* Per-cycle samples of one configuration. */
struct samples {
	int n;
	int64_t *add, *remove, *add_write, *remove_write, *overhead;
	int64_t *phase[NR_PHASES];	/* indexed like phases[] */
	int64_t *memmap_pages, *memfree_delta;
	double *ns_per_page, *memmap_bps, *bw_ratio;
	int64_t *cli_add, *cli_remove;
	int cli_n;
	double memset_bps[16];
	int memset_n;
	bool have_phase[NR_PHASES];
	bool have_write;
	int violations;
};

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: devmem-bench [options]\n"
"\n"
"Measure ZONE_DEVICE hot-add / hot-remove latency and memmap init cost\n"
"over a matrix of namespace configurations.  Run as root.\n"
"\n"
"  -m, --modes LIST        devdax,fsdax                 [%s]\n"
"  -M, --maps LIST         memmap in RAM or on the device: mem,dev [%s]\n"
"  -a, --aligns LIST       devdax aligns: 4K,2M,1G (fsdax uses 2M) [%s]\n"
"  -s, --sizes LIST        namespace sizes, e.g. 256M,1G,2G [%s]\n"
"  -n, --cycles N          measured cycles per configuration [%d]\n"
"  -w, --warmup N          unmeasured cycles first [%d]\n"
"  -b, --baseline-cycles N cycles through the ndctl CLI, 0 = none [%d]\n"
"  -r, --region NAME       pmem region (regionN) [first that fits]\n"
"      --allow-foreign     use a region holding namespaces we did not\n"
"                          create (they are never touched)\n"
"      --no-wait           refuse (exit 4) rather than wait when another\n"
"                          devmem process holds the region\n"
"      --cleanup           clean up after runs that died (SIGKILL, crash):\n"
"                          destroy the namespaces they recorded, disable\n"
"                          regions they enabled, restore tracefs; exit\n"
"                          0 when nothing failed\n"
"  -t, --trace MODE        auto, on (fail without it) or off [%s]\n"
"  -o, --output FILE       write the JSON results to FILE\n"
"      --sleep-time MODE   do the traced phases count time scheduled out\n"
"                          inside them (ftrace sleep-time)?  on (latency),\n"
"                          off (CPU work), auto: off under tcg-icount,\n"
"                          where sleeping is timer-warp noise, else left\n"
"                          as the kernel has it (on) [%s]\n"
"      --perturb-seed N    perturb the run in ways that must not matter:\n"
"                          configurations in an order shuffled by N, and\n"
"                          before every cycle a delay of 0-5 ms drawn\n"
"                          from N, half of them busy, half asleep\n"
"  -l, --list              print the matrix and exit\n"
"  -q, --quiet             no progress on stderr\n"
"  -h, --help              this text\n"
"\n"
"Sizes take K, M, G, T (binary).  The table goes to stdout, progress to\n"
"stderr.  Exit: 0 ok, 1 an invariant was violated or a step failed,\n"
"2 bad usage, 4 nothing could run here (no root, no region).\n",
		param.modes, param.maps, param.aligns, param.sizes,
		param.cycles, param.warmup, param.baseline_cycles, param.trace,
		param.sleep_time);
}

static int parse_int(const char *opt, const char *s, int min, int max,
		     int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "devmem-bench: %s: '%s' is not a number in %d..%d\n",
			opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Split a comma list into a static array of tokens (modifies a copy). */
static int split_list(const char *opt, const char *list, char **tok, int max,
		      char **copy)
{
	char *save = NULL, *t;
	int n = 0;

	*copy = strdup(list);
	if (!*copy)
		return -ENOMEM;
	for (t = strtok_r(*copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
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

/* Build the configuration matrix; an invalid entry is a usage error. */
static int build_matrix(struct bench_config *cfgs, int max)
{
	char *modes[4], *maps[4], *aligns[8], *sizes[16];
	char *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL;
	int nmodes, nmaps, naligns, nsizes, i, j, k, l, n = 0, rc = -EINVAL;
	unsigned long long align[8], size[16];
	enum dm_mode mode[4];
	enum dm_map map[4];

	nmodes = split_list("--modes", param.modes, modes, 4, &c1);
	nmaps = split_list("--maps", param.maps, maps, 4, &c2);
	naligns = split_list("--aligns", param.aligns, aligns, 8, &c3);
	nsizes = split_list("--sizes", param.sizes, sizes, 16, &c4);
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
		struct bench_config *c = &cfgs[n];

		if (n == max) {
			fprintf(stderr, "devmem-bench: the matrix has more than %d configurations\n",
				max);
			goto out;
		}
		memset(c, 0, sizeof(*c));
		c->ns.mode = mode[i];
		c->ns.map = map[j];
		c->ns.align = mode[i] == DM_MODE_DEVDAX ? align[k] : 2ul << 20;
		c->ns.size = size[l];
		dm_config_id(&c->ns, c->id, sizeof(c->id));
		/* The data starts at the first align boundary past the info
		 * block, so the namespace needs room for one align more. */
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

static int64_t *alloc_i64(int n)
{
	return calloc(n ? n : 1, sizeof(int64_t));
}

static int samples_alloc(struct samples *s, int n, int cli_n)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->add = alloc_i64(n);
	s->remove = alloc_i64(n);
	s->add_write = alloc_i64(n);
	s->remove_write = alloc_i64(n);
	s->overhead = alloc_i64(n);
	s->memmap_pages = alloc_i64(n);
	s->memfree_delta = alloc_i64(n);
	s->ns_per_page = calloc(n ? n : 1, sizeof(double));
	s->memmap_bps = calloc(n ? n : 1, sizeof(double));
	s->bw_ratio = calloc(n ? n : 1, sizeof(double));
	s->cli_add = alloc_i64(cli_n);
	s->cli_remove = alloc_i64(cli_n);
	for (i = 0; i < (int)NR_PHASES; i++)
		s->phase[i] = alloc_i64(n);
	for (i = 0; i < (int)NR_PHASES; i++)
		if (!s->phase[i])
			return -ENOMEM;
	if (!s->add || !s->remove || !s->add_write || !s->remove_write ||
	    !s->overhead || !s->memmap_pages || !s->memfree_delta ||
	    !s->ns_per_page || !s->memmap_bps || !s->bw_ratio ||
	    !s->cli_add || !s->cli_remove)
		return -ENOMEM;
	return 0;
}

static void samples_free(struct samples *s)
{
	int i;

	free(s->add);
	free(s->remove);
	free(s->add_write);
	free(s->remove_write);
	free(s->overhead);
	free(s->memmap_pages);
	free(s->memfree_delta);
	free(s->ns_per_page);
	free(s->memmap_bps);
	free(s->bw_ratio);
	free(s->cli_add);
	free(s->cli_remove);
	for (i = 0; i < (int)NR_PHASES; i++)
		free(s->phase[i]);
}

/*
 * Memory write bandwidth in this environment: memset of a buffer the size
 * of the memmap, faulted in first so that page faults are not measured.
 */
static void measure_memset(struct samples *s, size_t bytes)
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
	for (i = 0; i < (int)(sizeof(s->memset_bps) / sizeof(s->memset_bps[0])); i++) {
		t0 = dm_now_ns();
		memset(buf, i, bytes);
		__asm__ __volatile__("" : : "r"(buf) : "memory");
		t1 = dm_now_ns();
		if (t1 > t0)
			s->memset_bps[s->memset_n++] = bytes * 1e9 / (t1 - t0);
	}
	free(buf);
}

/* Run "ndctl ARGS..." and time it; returns its exit status or -errno. */
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

/*
 * "[3/8 devdax-mem-2M-1G] cycle 12/30, 41 s" on stderr: rewritten in place
 * on a terminal, one line per step and every tenth cycle in a log.
 */
static void progress(const char *id, int ci, int nc, const char *what,
		     int c, int n, uint64_t start)
{
	static int tty = -1;

	if (param.quiet)
		return;
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty && c != 1 && c != n && c % 10)
		return;
	fprintf(stderr, "%s[%d/%d %s] %s %d/%d, %.0f s%s", tty ? "\r" : "",
		ci + 1, nc, id, what, c, n, (dm_now_ns() - start) / 1e9,
		tty && c != n ? "   " : "\n");
	fflush(stderr);
}

static void record_violation(struct dm_result *r, struct samples *s,
			     int cycle, const char *check, const char *msg)
{
	s->violations++;
	if (r)
		dm_result_add_violation(r, cycle, check, msg);
	fprintf(stderr, "\ndevmem-bench: cycle %d %s: %s\n", cycle, check, msg);
}

/* Read the traced phases of one step into the cycle's samples. */
static void read_phases(struct samples *s, int c, bool add,
			int64_t *write_ns)
{
	struct dm_graph_times t;
	uint64_t ns;
	size_t i;

	if (!tracing || dm_tracer_read(&tracer, &t))
		return;
	for (i = 0; i < NR_PHASES; i++) {
		if (phases[i].add != add ||
		    !dm_graph_get(&t, phases[i].func, &ns))
			continue;
		s->phase[i][c] = ns;
		s->have_phase[i] = true;
	}
	if (dm_graph_get(&t, SYSFS_WRITE_FUNC, &ns)) {
		*write_ns = ns;
		s->have_write = true;
	}
}

/*
 * --perturb-seed: splitmix64, so that a seed gives the same delays and
 * the same order on every machine and libc.
 */
static uint64_t perturb_state;

static uint64_t perturb_next(void)
{
	uint64_t z = (perturb_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Before a cycle: 0-5 ms, spinning on the clock or asleep, so that the
 * background work of the kernel (kworkers, RCU, timers) lands at other
 * points of the cycles than in an unperturbed run.
 */
static void perturb_delay(void)
{
	uint64_t r, ns, t0;
	struct timespec ts;

	if (param.perturb_seed < 0)
		return;
	r = perturb_next();
	ns = (r >> 1) % 5000001;
	if (r & 1) {
		t0 = dm_now_ns();
		while (dm_now_ns() - t0 < ns)
			;
	} else {
		ts.tv_sec = 0;
		ts.tv_nsec = ns;
		while (nanosleep(&ts, &ts) && errno == EINTR && !interrupted)
			;
	}
}

/* Fisher-Yates over the matrix, drawn from the seed. */
static void perturb_order(struct bench_config *cfgs, int n)
{
	struct bench_config tmp;
	int i, j;

	for (i = n - 1; i > 0; i--) {
		j = perturb_next() % (i + 1);
		tmp = cfgs[i];
		cfgs[i] = cfgs[j];
		cfgs[j] = tmp;
	}
}

/*
 * One cycle: hot-remove then hot-add, timed, traced and checked.  @c < 0
 * is a warm-up cycle whose figures are not kept.
 */
static int one_cycle(struct dm_ns *ns, struct dm_inv *inv, struct samples *s,
		     struct dm_result *r, int c)
{
	struct dm_snapshot removed;
	char msg[DM_MSG_LEN];
	int64_t dummy = 0;
	uint64_t t;
	int rc, k = c < 0 ? 0 : c;

	perturb_delay();
	if (tracing)
		dm_tracer_clear(&tracer);
	rc = dm_ns_disable(ns, &t);
	if (rc) {
		snprintf(msg, sizeof(msg), "unbind %s: %s%s%s",
			 dm_ns_personality(ns), strerror(-rc),
			 rc == -EBUSY || rc == -EPERM ? ": " : "",
			 rc == -EBUSY || rc == -EPERM ? dm_ns_why(ns) : "");
		record_violation(r, s, c, "remove", msg);
		return rc;
	}
	s->remove[k] = t;
	read_phases(s, k, false, c < 0 ? &dummy : &s->remove_write[k]);
	rc = dm_inv_check_removed(inv, ns, msg, sizeof(msg));
	if (rc)
		record_violation(r, s, c, "after_remove", msg);
	removed = inv->last;

	if (tracing)
		dm_tracer_clear(&tracer);
	rc = dm_ns_enable(ns, &t);
	if (rc) {
		snprintf(msg, sizeof(msg), "bind %s: %s",
			 dm_ns_personality(ns), strerror(-rc));
		record_violation(r, s, c, "add", msg);
		return rc;
	}
	s->add[k] = t;
	read_phases(s, k, true, c < 0 ? &dummy : &s->add_write[k]);
	rc = dm_inv_check_added(inv, ns, msg, sizeof(msg));
	if (rc)
		record_violation(r, s, c, "after_add", msg);

	if (removed.nr_memmap_pages >= 0 && inv->last.nr_memmap_pages >= 0)
		s->memmap_pages[k] = inv->last.nr_memmap_pages -
				     removed.nr_memmap_pages;
	else
		s->memmap_pages[k] = -1;
	s->memfree_delta[k] = (removed.free_pages - inv->last.free_pages) *
			      (int64_t)PAGE_4K;
	return 0;
}

/* Derived per-cycle figures: memmap cost per page and as bandwidth. */
static void derive(struct samples *s, unsigned long long pages,
		   long long expected_memmap)
{
	double memset_med;
	int c;

	memset_med = s->memset_n ?
		dm_stats_median(s->memset_bps, s->memset_n) : 0;
	for (c = 0; c < s->n; c++) {
		long long mm = s->memmap_pages[c] >= 0 ? s->memmap_pages[c] :
			       expected_memmap;
		double init = s->phase[PHASE_MEMMAP_INIT][c];

		s->ns_per_page[c] = init / pages;
		s->memmap_bps[c] = mm > 0 && init > 0 ?
			mm * PAGE_4K * 1e9 / init : 0;
		s->bw_ratio[c] = memset_med > 0 ? s->memmap_bps[c] / memset_med : 0;
		if (s->have_write)
			s->overhead[c] = s->add[c] + s->remove[c] -
					 s->add_write[c] - s->remove_write[c];
	}
}

static int add_metrics(struct dm_result *r, struct samples *s)
{
	char name[DM_FUNC_LEN + 16];
	size_t i;
	int rc;

	rc = dm_result_add_metric_int(r, "add_ns", DM_UNIT_NS, DM_BETTER_LOWER,
				      s->add, s->n);
	rc = rc ?: dm_result_add_metric_int(r, "remove_ns", DM_UNIT_NS,
					    DM_BETTER_LOWER, s->remove, s->n);
	for (i = 0; !rc && i < NR_PHASES; i++) {
		if (!s->have_phase[i])
			continue;
		snprintf(name, sizeof(name), "phase.%s_ns", phases[i].func);
		rc = dm_result_add_metric_int(r, name, DM_UNIT_NS,
					      DM_BETTER_LOWER, s->phase[i],
					      s->n);
	}
	if (!rc && s->have_write) {
		rc = dm_result_add_metric_int(r, "phase.sysfs_bind_ns",
					      DM_UNIT_NS, DM_BETTER_LOWER,
					      s->add_write, s->n);
		rc = rc ?: dm_result_add_metric_int(r, "phase.sysfs_unbind_ns",
						    DM_UNIT_NS, DM_BETTER_LOWER,
						    s->remove_write, s->n);
		/* add_ns is latency: without sleep-time the difference
		 * is the time scheduled out, not the suite's overhead. */
		if (tracer.sleep_time)
			rc = rc ?: dm_result_add_metric_int(r,
						"suite_overhead_ns", DM_UNIT_NS,
						DM_BETTER_LOWER, s->overhead,
						s->n);
	}
	if (!rc && s->have_phase[PHASE_MEMMAP_INIT]) {
		rc = dm_result_add_metric(r, "memmap_init_ns_per_page",
					  DM_UNIT_NS_PER_PAGE, DM_BETTER_LOWER,
					  s->ns_per_page, s->n);
		if (!rc && s->memmap_bps[0] > 0 && !counts_insn)
			rc = dm_result_add_metric(r, "memmap_bytes_per_sec",
						  DM_UNIT_BYTES_PER_SEC,
						  DM_BETTER_HIGHER,
						  s->memmap_bps, s->n);
		if (!rc && s->memmap_bps[0] > 0 && s->memset_n)
			rc = dm_result_add_metric(r, "memmap_bw_ratio",
						  DM_UNIT_RATIO,
						  DM_BETTER_HIGHER,
						  s->bw_ratio, s->n);
	}
	if (!rc && s->memset_n)
		rc = dm_result_add_metric(r, "memset_bytes_per_sec",
					  DM_UNIT_BYTES_PER_SEC,
					  DM_BETTER_NONE, s->memset_bps,
					  s->memset_n);
	if (!rc && s->memmap_pages[0] >= 0)
		rc = dm_result_add_metric_int(r, "memmap_pages", DM_UNIT_PAGES,
					      DM_BETTER_LOWER, s->memmap_pages,
					      s->n);
	if (!rc)
		rc = dm_result_add_metric_int(r, "memfree_delta_bytes",
					      DM_UNIT_BYTES, DM_BETTER_LOWER,
					      s->memfree_delta, s->n);
	return rc;
}

static int add_cli_metrics(struct dm_results *res,
			   const struct bench_config *bc, struct samples *s)
{
	struct dm_config cfg = {
		.mode = dm_mode_name(bc->ns.mode),
		.map = dm_map_name(bc->ns.map),
		.align_bytes = bc->ns.align,
		.size_bytes = bc->ns.size,
		.driver = "ndctl-cli",
	};
	struct dm_result *r;
	int rc;

	rc = dm_results_add_result(res, &cfg, &r);
	rc = rc ?: dm_result_add_metric_int(r, "add_ns", DM_UNIT_NS,
					    DM_BETTER_LOWER, s->cli_add,
					    s->cli_n);
	return rc ?: dm_result_add_metric_int(r, "remove_ns", DM_UNIT_NS,
					      DM_BETTER_LOWER, s->cli_remove,
					      s->cli_n);
}

/*
 * Scale a duration for people: ns, us, ms or s (insn, kinsn, Minsn or
 * Ginsn under icount) with 3 significant-ish digits.
 */
static const char *fmt_ns(double v, char *buf, size_t len)
{
	struct dm_scale sc = dm_unit_scale(counts_insn ? DM_UNIT_INSN :
					   DM_UNIT_NS, v);
	int i = sc.div >= 1e9 ? 3 : sc.div >= 1e6 ? 2 : sc.div >= 1e3 ? 1 : 0;

	snprintf(buf, len, "%.*f %s", i, v / sc.div, sc.suffix);
	return buf;
}

static void print_row(const char *name, const int64_t *x, int n)
{
	char a[6][24];
	struct dm_summary sm;
	double *d;
	int i;

	d = calloc(n, sizeof(*d));
	if (!d)
		return;
	for (i = 0; i < n; i++)
		d[i] = x[i];
	if (!dm_stats_summarize(d, n, &sm))
		printf("  %-28s %11s %11s %11s %11s %11s %6.1f%%\n", name,
		       fmt_ns(sm.median, a[0], 24), fmt_ns(sm.p90, a[1], 24),
		       fmt_ns(sm.p99, a[2], 24), fmt_ns(sm.min, a[3], 24),
		       fmt_ns(sm.max, a[4], 24), sm.cv * 100);
	free(d);
}

static void print_config(const struct bench_config *bc, struct samples *s,
			 unsigned long long pages)
{
	char label[DM_FUNC_LEN + 2];
	bool add;
	size_t i;

	printf("\n%s  (%llu pages, %d cycles)\n", bc->id, pages, s->n);
	printf("  %-28s %11s %11s %11s %11s %11s %7s\n", "", "median", "p90",
	       "p99", "min", "max", "CV");
	for (add = true;; add = false) {
		print_row(add ? "add (bind)" : "remove (unbind)",
			  add ? s->add : s->remove, s->n);
		for (i = 0; i < NR_PHASES; i++) {
			if (phases[i].add != add || !s->have_phase[i])
				continue;
			snprintf(label, sizeof(label), "%s%s",
				 phases[i].child ? " " : "", phases[i].func);
			print_row(label, s->phase[i], s->n);
		}
		if (!add)
			break;
	}
	if (s->have_write && tracer.sleep_time)
		print_row("suite overhead (add+remove)", s->overhead, s->n);
	if (s->cli_n) {
		print_row("ndctl enable-namespace", s->cli_add, s->cli_n);
		print_row("ndctl disable-namespace", s->cli_remove, s->cli_n);
	}
	if (s->have_phase[PHASE_MEMMAP_INIT] && counts_insn) {
		printf("  memmap init: %.2f insn/page (icount: no bandwidth figures)\n",
		       dm_stats_median(s->ns_per_page, s->n));
	} else if (s->have_phase[PHASE_MEMMAP_INIT]) {
		double nspp = dm_stats_median(s->ns_per_page, s->n);
		double bps = dm_stats_median(s->memmap_bps, s->n);
		double ratio = dm_stats_median(s->bw_ratio, s->n);
		double mset = s->memset_n ?
			dm_stats_median(s->memset_bps, s->memset_n) : 0;

		printf("  memmap init: %.2f ns/page, struct pages written at %.2f GB/s; memset %.2f GB/s; ratio %.3f\n",
		       nspp, bps / 1e9, mset / 1e9, ratio);
	}
	if (s->memmap_pages[0] >= 0)
		printf("  memmap: %lld pages (%.1f MiB) %s; free memory -%.1f MiB per add\n",
		       (long long)s->memmap_pages[0],
		       s->memmap_pages[0] * 4096.0 / (1 << 20),
		       bc->ns.map == DM_MAP_MEM ? "in RAM" : "on the device",
		       s->memfree_delta[s->n - 1] / (double)(1 << 20));
	if (s->violations)
		printf("  INVARIANT VIOLATIONS: %d (see stderr and the JSON)\n",
		       s->violations);
}

/* Run one configuration; returns 0, or -errno when it could not run. */
static int run_config(struct dm_ctx *ctx, struct dm_results *res,
		      struct bench_config *bc, int ci, int nc, int *violations)
{
	struct dm_config cfg = {
		.mode = dm_mode_name(bc->ns.mode),
		.map = dm_map_name(bc->ns.map),
		.align_bytes = bc->ns.align,
		.size_bytes = bc->ns.size,
		.driver = "sysfs",
	};
	struct dm_result *r = NULL;
	struct dm_ns *ns = NULL;
	struct dm_inv inv;
	struct samples s;
	char tag[64], msg[DM_MSG_LEN];
	const char *verb;
	unsigned long long pages;
	uint64_t start = dm_now_ns(), t;
	int c, rc;

	if (res && dm_results_add_result(res, &cfg, &r))
		return -ENOMEM;
	if (!bc->skipped[0] &&
	    !dm_region_supports_align(ctx, bc->ns.mode, bc->ns.align))
		snprintf(bc->skipped, sizeof(bc->skipped),
			 "%s does not support align %lu for %s",
			 dm_region_name(ctx), bc->ns.align,
			 dm_mode_name(bc->ns.mode));
	if (!bc->skipped[0] &&
	    dm_region_available(ctx) < bc->ns.size)
		snprintf(bc->skipped, sizeof(bc->skipped),
			 "%s has %llu bytes free, %llu needed",
			 dm_region_name(ctx), dm_region_available(ctx),
			 bc->ns.size);
	if (bc->skipped[0]) {
		printf("\n%s  skipped: %s\n", bc->id, bc->skipped);
		if (r)
			dm_result_set_skipped(r, bc->skipped);
		return 0;
	}
	rc = samples_alloc(&s, param.cycles, param.baseline_cycles);
	if (rc)
		goto out_free;
	rc = dm_inv_init(&inv, ctx, DM_CHECK_ALL);
	if (rc)
		goto out_free;
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "bench-%d", getpid());
	rc = dm_ns_create(ctx, &bc->ns, tag, &ns);
	if (rc) {
		snprintf(msg, sizeof(msg), "creating the namespace in %s: %s",
			 dm_region_name(ctx), strerror(-rc));
		record_violation(r, &s, -1, "create", msg);
		goto out_inv;
	}
	pages = dm_ns_size(ns) / PAGE_4K;
	rc = dm_inv_check_added(&inv, ns, msg, sizeof(msg));
	if (rc)
		record_violation(r, &s, -1, "after_create", msg);

	for (c = 0; c < param.warmup && !interrupted; c++) {
		progress(bc->id, ci, nc, "warm-up", c + 1, param.warmup, start);
		if (one_cycle(ns, &inv, &s, r, -1 - c))
			goto out_destroy;
	}
	for (c = 0; c < param.cycles && !interrupted; c++) {
		progress(bc->id, ci, nc, "cycle", c + 1, param.cycles, start);
		if (one_cycle(ns, &inv, &s, r, c))
			goto out_destroy;
		s.n++;
	}
	/* The same cycles through the command line users have. */
	for (c = 0; c < param.baseline_cycles && !interrupted; c++) {
		progress(bc->id, ci, nc, "ndctl cycle", c + 1,
			 param.baseline_cycles, start);
		verb = "disable-namespace";
		rc = run_ndctl(verb, dm_ns_name(ns), &t);
		s.cli_remove[c] = t;
		if (!rc && dm_inv_check_removed(&inv, ns, msg, sizeof(msg)))
			record_violation(r, &s, c, "after_ndctl_disable", msg);
		if (!rc) {
			verb = "enable-namespace";
			rc = run_ndctl(verb, dm_ns_name(ns), &t);
			s.cli_add[c] = t;
		}
		if (rc) {
			snprintf(msg, sizeof(msg), "ndctl %s %s: %s", verb,
				 dm_ns_name(ns),
				 rc < 0 ? strerror(-rc) : "non-zero exit");
			record_violation(r, &s, c, "ndctl", msg);
			break;
		}
		if (dm_inv_check_added(&inv, ns, msg, sizeof(msg)))
			record_violation(r, &s, c, "after_ndctl_enable", msg);
		s.cli_n++;
	}
	if (!counts_insn)
		measure_memset(&s, s.memmap_pages[0] > 0 ?
			       s.memmap_pages[0] * PAGE_4K : pages * 64);
	if (s.n) {
		derive(&s, pages, inv.memmap_expected);
		print_config(bc, &s, pages);
		if (r)
			rc = add_metrics(r, &s);
		if (!rc && r && s.cli_n)
			rc = add_cli_metrics(res, bc, &s);
		if (rc)
			fprintf(stderr, "devmem-bench: %s: recording results: %s\n",
				bc->id, strerror(-rc));
	}
out_destroy:
	c = dm_ns_destroy(ns);
	if (c) {
		snprintf(msg, sizeof(msg), "destroying the namespace: %s: %s",
			 strerror(-c), dm_why(ctx));
		record_violation(r, &s, -1, "destroy", msg);
	}
out_inv:
	dm_inv_release(&inv);
out_free:
	*violations += s.violations;
	samples_free(&s);
	return rc < 0 ? rc : 0;
}

static char *read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return NULL;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const char *env_or_null(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* sha256 of the running kernel's config, through sha256sum. */
static const char *config_hash(char *buf, size_t len)
{
	const char *cmds[] = {
		"[ -r /proc/config.gz ] && zcat /proc/config.gz | sha256sum",
		"f=/boot/config-$(uname -r); [ -r $f ] && sha256sum < $f",
		NULL,
	};
	char line[128];
	int i;

	for (i = 0; cmds[i]; i++) {
		FILE *p = popen(cmds[i], "r");
		bool ok;

		if (!p)
			continue;
		ok = fgets(line, sizeof(line), p) && strlen(line) >= 64 &&
		     strncmp(line, "e3b0c44298fc1c14", 16);	/* empty input */
		pclose(p);
		if (ok) {
			snprintf(buf, len, "sha256:%.64s", line);
			return buf;
		}
	}
	return env_or_null("DEVMEM_KERNEL_CONFIG_HASH");
}

static int fill_env(struct dm_results *res, const char *tracing_mode)
{
	static char release[128], version[256], cmdline[1024], cpu[256],
		    hash[80], ndctl_ver[64], qargs[4096];
	static const char *argv[256];
	struct utsname u;
	struct dm_env env = { 0 };
	char line[512], *save = NULL, *tok;
	long long mem_kb = 0;
	size_t nargs = 0;
	FILE *f;

	uname(&u);
	snprintf(release, sizeof(release), "%s", u.release);
	snprintf(version, sizeof(version), "%s", u.version);
	read_first_line("/proc/cmdline", cmdline, sizeof(cmdline));
	f = fopen("/proc/cpuinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (!cpu[0] && sscanf(line, "model name : %255[^\n]", cpu) == 1)
			continue;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "re");
	if (f) {
		if (fscanf(f, "MemTotal: %lld kB", &mem_kb) != 1)
			mem_kb = 0;
		fclose(f);
	}
	f = popen("ndctl --version 2>/dev/null", "r");
	if (f) {
		if (fgets(ndctl_ver, sizeof(ndctl_ver), f))
			ndctl_ver[strcspn(ndctl_ver, "\n")] = '\0';
		pclose(f);
	}

	env.kernel_release = release;
	env.kernel_version = version;
	env.cmdline = cmdline;
	env.config_hash = config_hash(hash, sizeof(hash));
	env.kernel_name = env_or_null("DEVMEM_KERNEL_NAME") ?: release;
	env.series = env_or_null("DEVMEM_KERNEL_SERIES");
	env.revision = env_or_null("DEVMEM_KERNEL_REVISION");
	/* Inside the suite's VM the runner says how it ran; else we are
	 * on the machine itself. */
	env.accel = env_or_null("DEVMEM_ACCEL") ?: "bare-metal";
	if (dm_accel_counts_insn(env.accel)) {
		const char *shift = env_or_null("DEVMEM_ICOUNT_SHIFT");

		env.icount_shift = shift ? atoi(shift) : -1;
		if (env.icount_shift != DM_ICOUNT_SHIFT) {
			fprintf(stderr, "devmem-bench: accel %s with icount shift %s: only shift %d (1 ns of guest time per instruction) is supported\n",
				env.accel, shift ? shift : "(unset)",
				DM_ICOUNT_SHIFT);
			return -EINVAL;
		}
	}
	env.cpu_model = env_or_null("DEVMEM_HOST_CPU") ?: cpu;
	env.cpu_count = sysconf(_SC_NPROCESSORS_ONLN);
	env.memory_bytes = env_or_null("DEVMEM_GUEST_MEM_BYTES") ?
		strtoull(getenv("DEVMEM_GUEST_MEM_BYTES"), NULL, 10) :
		(uint64_t)mem_kb * 1024;
	env.qemu_version = env_or_null("DEVMEM_QEMU_VERSION");
	if (env.qemu_version && env_or_null("DEVMEM_QEMU_ARGS")) {
		snprintf(qargs, sizeof(qargs), "%s", getenv("DEVMEM_QEMU_ARGS"));
		for (tok = strtok_r(qargs, " ", &save); tok && nargs < 256;
		     tok = strtok_r(NULL, " ", &save))
			argv[nargs++] = tok;
		env.qemu_args = argv;
		env.nr_qemu_args = nargs;
	}
	env.ndctl_version = ndctl_ver[0] ? ndctl_ver : NULL;
	env.tracing = tracing_mode;
	if (dm_results_set_env(res, &env)) {
		fprintf(stderr, "devmem-bench: cannot record the environment (accel '%s')\n",
			env.accel);
		return -EINVAL;
	}
	if (cpu[0] && env_or_null("DEVMEM_HOST_CPU"))
		json_object_object_add(dm_results_get_env(res), "guest_cpu_model",
				       json_object_new_string(cpu));
	return 0;
}

/* --cleanup: what dead runs left, from their records. */
static int cleanup(void)
{
	int ns, tr;

	printf("devmem-bench --cleanup: namespaces and regions (records in %s)\n",
	       dm_state_dir());
	ns = dm_cleanup(stdout);
	printf("devmem-bench --cleanup: tracefs\n");
	tr = dm_trace_cleanup_stale(stdout);
	if (tr < 0)
		printf("tracefs: FAILED: %s\n", strerror(-tr));
	if (ns < 0)
		fprintf(stderr, "devmem-bench: --cleanup: %s\n",
			strerror(-ns));
	else if (ns)
		fprintf(stderr, "devmem-bench: --cleanup: %d record%s could not be cleaned up (above)\n",
			ns, ns > 1 ? "s" : "");
	if (tr < 0)
		fprintf(stderr, "devmem-bench: --cleanup: tracefs could not be restored\n");
	if (ns || tr < 0)
		return 1;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "modes", required_argument, NULL, 'm' },
		{ "maps", required_argument, NULL, 'M' },
		{ "aligns", required_argument, NULL, 'a' },
		{ "sizes", required_argument, NULL, 's' },
		{ "cycles", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "baseline-cycles", required_argument, NULL, 'b' },
		{ "region", required_argument, NULL, 'r' },
		{ "allow-foreign", no_argument, NULL, 'F' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "trace", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "perturb-seed", required_argument, NULL, 'P' },
		{ "sleep-time", required_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "m:M:a:s:n:w:b:r:t:o:lqh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'm': param.modes = optarg; break;
		case 'M': param.maps = optarg; break;
		case 'a': param.aligns = optarg; break;
		case 's': param.sizes = optarg; break;
		case 'n':
			if (parse_int("--cycles", optarg, 1, 1000000,
				      &param.cycles))
				return -EINVAL;
			break;
		case 'w':
			if (parse_int("--warmup", optarg, 0, 1000000,
				      &param.warmup))
				return -EINVAL;
			break;
		case 'b':
			if (parse_int("--baseline-cycles", optarg, 0, 1000000,
				      &param.baseline_cycles))
				return -EINVAL;
			break;
		case 'r': param.region = optarg; break;
		case 'F': param.allow_foreign = true; break;
		case 'W': param.no_wait = true; break;
		case 'C': param.cleanup = true; break;
		case 't':
			if (strcmp(optarg, "auto") && strcmp(optarg, "on") &&
			    strcmp(optarg, "off")) {
				fprintf(stderr, "devmem-bench: --trace: '%s' is not auto, on or off\n",
					optarg);
				return -EINVAL;
			}
			param.trace = optarg;
			break;
		case 'o': param.output = optarg; break;
		case 'S':
			if (strcmp(optarg, "auto") && strcmp(optarg, "on") &&
			    strcmp(optarg, "off")) {
				fprintf(stderr, "devmem-bench: --sleep-time: '%s' is not auto, on or off\n",
					optarg);
				return -EINVAL;
			}
			param.sleep_time = optarg;
			break;
		case 'P': {
			char *end;

			errno = 0;
			param.perturb_seed = strtoll(optarg, &end, 10);
			if (errno || *end || end == optarg ||
			    param.perturb_seed < 0) {
				fprintf(stderr, "devmem-bench: --perturb-seed: '%s' is not a number from 0 to %lld\n",
					optarg, LLONG_MAX);
				return -EINVAL;
			}
			break;
		}
		case 'l': param.list = true; break;
		case 'q': param.quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "devmem-bench: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench_config cfgs[MAX_CONFIGS];
	const char *funcs[16], *tracing_mode = "none";
	struct dm_trace_cfg cfg = { 0 };
	struct dm_results *res = NULL;
	unsigned long long need = ~0ull;
	struct sigaction sa = { .sa_handler = on_signal };
	char why[DM_MSG_LEN], err[DM_ERR_LEN];
	struct dm_ctx *ctx = NULL;
	int i, n, nf = 0, violations = 0, failed = 0, ran = 0, rc;

	if (parse_args(argc, argv))
		return EXIT_USAGE;
	counts_insn = dm_accel_counts_insn(getenv("DEVMEM_ACCEL"));
	n = build_matrix(cfgs, MAX_CONFIGS);
	if (n < 0)
		return EXIT_USAGE;
	if (param.perturb_seed >= 0) {
		perturb_state = param.perturb_seed;
		perturb_order(cfgs, n);
	}
	if (param.list) {
		for (i = 0; i < n; i++)
			printf("%s%s%s\n", cfgs[i].id,
			       cfgs[i].skipped[0] ? "  skipped: " : "",
			       cfgs[i].skipped);
		return 0;
	}
	prctl(PR_SET_NAME, "devmem-bench");
	if (geteuid()) {
		fprintf(stderr, "devmem-bench: must be run as root\n");
		return EXIT_SKIP;
	}
	if (param.cleanup)
		return cleanup();
	/* Stop the cycles and unwind: namespaces destroyed, region and
	 * tracefs restored, lock released.  No SA_RESTART: a wait for the
	 * region's lock returns. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	for (i = 0; i < n; i++)
		if (!cfgs[i].skipped[0] && cfgs[i].ns.size < need)
			need = cfgs[i].ns.size;
	rc = dm_new(&ctx);
	if (rc) {
		fprintf(stderr, "devmem-bench: libndctl: %s\n", strerror(-rc));
		return EXIT_SKIP;
	}
	rc = dm_select_region(ctx, param.region, need == ~0ull ? 0 : need,
			      (param.allow_foreign ? DM_SEL_ALLOW_FOREIGN : 0) |
			      (param.no_wait ? DM_SEL_NO_WAIT : 0),
			      why, sizeof(why));
	if (rc) {
		fprintf(stderr, "devmem-bench: %s\n", why);
		dm_unref(ctx);
		return EXIT_SKIP;
	}

	if (strcmp(param.trace, "off")) {
		for (i = 0; i < (int)NR_PHASES; i++)
			funcs[nf++] = phases[i].func;
		funcs[nf++] = SYSFS_WRITE_FUNC;
		funcs[nf] = NULL;
		cfg.funcs = funcs;
		cfg.pid = getpid();
		cfg.sleep_time = !strcmp(param.sleep_time, "on") ? 1 :
				 !strcmp(param.sleep_time, "off") ? 0 :
				 counts_insn ? 0 : -1;
		rc = dm_tracer_start_cfg(&tracer, &cfg, why, sizeof(why));
		if (rc && cfg.sleep_time >= 0 &&
		    !strcmp(param.sleep_time, "auto")) {
			fprintf(stderr, "devmem-bench: sleep-time left as it is: %s\n",
				why);
			cfg.sleep_time = -1;
			rc = dm_tracer_start_cfg(&tracer, &cfg, why,
						 sizeof(why));
		}
		if (rc && !strcmp(param.trace, "on")) {
			fprintf(stderr, "devmem-bench: --trace on: %s\n", why);
			dm_unref(ctx);
			return 1;
		}
		if (rc) {
			fprintf(stderr, "devmem-bench: no phase breakdown: %s\n",
				why);
		} else {
			tracing = true;
			/* Phases without the time scheduled out are another
			 * measurement: never compared with ones that have it. */
			tracing_mode = tracer.sleep_time ? "function_graph" :
				       "function_graph, sleep-time off";
			if (tracer.missing[0])
				fprintf(stderr, "devmem-bench: not in this kernel or not traceable, no phase: %s\n",
					tracer.missing);
		}
	}

	if (param.output) {
		rc = dm_results_new(&res);
		rc = rc ?: dm_results_set_tool(res, "devmem-bench",
					       DEVMEM_VERSION);
		if (rc) {
			fprintf(stderr, "devmem-bench: results: %s\n",
				strerror(-rc));
			failed++;
			goto out;
		}
		if (fill_env(res, tracing_mode)) {
			failed++;
			goto out;
		}
		dm_results_set_param_int(res, "warmup", param.warmup);
		dm_results_set_param_int(res, "cycles", param.cycles);
		dm_results_set_param_int(res, "baseline_cycles",
					 param.baseline_cycles);
		dm_results_set_param_string(res, "driver", "sysfs");
		dm_results_set_param_string(res, "region", dm_region_name(ctx));
		dm_results_set_param_string(res, "modes", param.modes);
		dm_results_set_param_string(res, "maps", param.maps);
		dm_results_set_param_string(res, "aligns", param.aligns);
		dm_results_set_param_string(res, "sizes", param.sizes);
		if (param.perturb_seed >= 0)
			dm_results_set_param_int(res, "perturb_seed",
						 param.perturb_seed);
		/* What the phase rows mean: latency (time scheduled out
		 * counts) or CPU work (it does not). */
		if (tracing)
			dm_results_set_param_string(res, "trace_sleep_time",
				tracer.sleep_time < 0 ? "unknown" :
				tracer.sleep_time ? "on" : "off");
		if (tracer.missing[0])
			dm_results_set_param_string(res, "untraceable",
						    tracer.missing);
	}

	printf("devmem-bench %s: %d configuration%s, %d warm-up + %d cycles each, region %s, tracing %s\n",
	       DEVMEM_VERSION, n, n > 1 ? "s" : "", param.warmup,
	       param.cycles, dm_region_name(ctx), tracing_mode);
	if (counts_insn)
		printf("QEMU icount (accel tcg-icount): durations are guest instructions (insn; 1 insn = 1 virtual ns)\n");
	if (tracing && tracer.sleep_time >= 0)
		printf("phases: %s (ftrace sleep-time %s); add and remove: latency\n",
		       tracer.sleep_time ? "latency, time scheduled out included" :
		       "CPU work, time scheduled out excluded",
		       tracer.sleep_time ? "on" : "off");
	for (i = 0; i < n && !interrupted; i++) {
		int before = violations;

		rc = run_config(ctx, res, &cfgs[i], i, n, &violations);
		if (rc) {
			fprintf(stderr, "devmem-bench: %s: %s\n", cfgs[i].id,
				strerror(-rc));
			failed++;
		}
		if (!cfgs[i].skipped[0] && !rc && violations == before)
			ran++;
	}
	if (interrupted)
		fprintf(stderr, "devmem-bench: interrupted; results so far are kept\n");
	if (res) {
		rc = dm_results_write(res, param.output, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "devmem-bench: writing %s: %s\n",
				param.output, err);
			failed++;
		}
	}
out:
	dm_tracer_stop(&tracer);
	dm_results_free(res);
	dm_unref(ctx);
	if (violations)
		fprintf(stderr, "devmem-bench: %d invariant violation%s\n",
			violations, violations > 1 ? "s" : "");
	if (violations || failed || interrupted)
		return 1;
	return ran ? 0 : EXIT_SKIP;
}
