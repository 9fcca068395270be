// SPDX-License-Identifier: GPL-2.0
/*
 * devmem-bench: drives devmem's workloads (bench/workloads/, listed by
 * devmem-bench --list) against device memory: ns-cycle measures how long
 * the kernel takes to add and remove device memory (ZONE_DEVICE), where
 * that time goes and what initialising the memmap costs; the stress
 * workloads (soak, concurrent, subsection, fault, ...) repeat, race and
 * break the same paths and check the kernel's bookkeeping after every step.
 *
 * The front end owns the run: the options, the region (selected and
 * locked), tracefs, signals, the results file and the exit status; each
 * workload owns its configurations and cycles (bench/lib/workload.h).
 *
 * Run as root in the devmem guest (make bench, make stress) or on a
 * machine with pmem.  devmem-bench --help lists the options.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "devmem.h"
#include "devmem_kmem.h"
#include "results.h"
#include "run.h"
#include "trace.h"

#ifndef DEVMEM_VERSION
#define DEVMEM_VERSION "unknown"
#endif

#define EXIT_USAGE	2
#define EXIT_SKIP	4	/* KSFT_SKIP: nothing could run here */
#define MAX_WORKLOADS	16
#define MAX_TRACE_FUNCS	64

static struct parameters {
	const char *workloads;
	const char *modes;
	const char *maps;
	const char *aligns;
	const char *sizes;
	const char *region;
	const char *output;
	const char *trace;
	int cycles;		/* 0: each workload's default */
	int warmup;		/* -1: each workload's default */
	bool allow_foreign;
	bool no_wait;
	bool cleanup;
	bool list;
	bool list_matrix;
	bool quiet;
	long long perturb_seed;	/* < 0: no perturbation */
	const char *sleep_time;
	struct dm_run_opt opts[DM_RUN_MAX_OPTS];
	int nr_opts;
} param = {
	.workloads = "ns-cycle",
	.modes = "devdax,fsdax",
	.maps = "mem,dev",
	.aligns = "4K,2M,1G",
	.sizes = "256M,1G,2G",
	.trace = "auto",
	.warmup = -1,
	.perturb_seed = -1,
	.sleep_time = "auto",
};

static volatile sig_atomic_t interrupted;
static struct dm_tracer tracer;

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
"Drive device-memory (ZONE_DEVICE) hot-add and hot-remove through NVDIMM\n"
"namespaces: measure it (ns-cycle) and stress it (soak, concurrent, ...).\n"
"Run as root.\n"
"\n"
"  -W, --workload LIST     workloads to run, in order (--list) [%s]\n"
"  -O, --opt NAME=VALUE    a workload's option (--list shows them)\n"
"  -m, --modes LIST        devdax,fsdax                 [%s]\n"
"  -M, --maps LIST         memmap in RAM or on the device: mem,dev [%s]\n"
"  -a, --aligns LIST       devdax aligns: 4K,2M,1G (fsdax uses 2M) [%s]\n"
"  -s, --sizes LIST        namespace sizes, e.g. 256M,1G,2G [%s]\n"
"  -n, --cycles N          measured cycles per configuration\n"
"                          [each workload's own: ns-cycle 30]\n"
"  -w, --warmup N          unmeasured cycles first [ns-cycle 2, else 0]\n"
"  -b, --baseline-cycles N ns-cycle: cycles through the ndctl CLI, 0 =\n"
"                          none (-O baseline-cycles=N) [10]\n"
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
"  -l, --list              list the workloads, their options, checks and\n"
"                          metrics, and exit\n"
"      --list-matrix       print the configurations that would run, exit\n"
"  -q, --quiet             no progress on stderr\n"
"  -h, --help              this text\n"
"\n"
"Sizes take K, M, G, T (binary).  The table goes to stdout, progress to\n"
"stderr.  Exit: 0 ok, 1 an invariant was violated or a step failed,\n"
"2 bad usage, 4 nothing could run here (no root, no region).\n",
		param.workloads, param.modes, param.maps, param.aligns,
		param.sizes, param.trace, param.sleep_time);
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

static int add_opt(char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1]) {
		fprintf(stderr, "devmem-bench: -O '%s': expected NAME=VALUE\n",
			arg);
		return -EINVAL;
	}
	if (param.nr_opts == DM_RUN_MAX_OPTS) {
		fprintf(stderr, "devmem-bench: -O: more than %d options\n",
			DM_RUN_MAX_OPTS);
		return -EINVAL;
	}
	*eq = '\0';
	param.opts[param.nr_opts].name = arg;
	param.opts[param.nr_opts].value = eq + 1;
	param.nr_opts++;
	return 0;
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
		{ "workload", required_argument, NULL, 'W' },
		{ "opt", required_argument, NULL, 'O' },
		{ "modes", required_argument, NULL, 'm' },
		{ "maps", required_argument, NULL, 'M' },
		{ "aligns", required_argument, NULL, 'a' },
		{ "sizes", required_argument, NULL, 's' },
		{ "cycles", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "baseline-cycles", required_argument, NULL, 'b' },
		{ "region", required_argument, NULL, 'r' },
		{ "allow-foreign", no_argument, NULL, 'F' },
		{ "no-wait", no_argument, NULL, 'N' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "trace", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "perturb-seed", required_argument, NULL, 'P' },
		{ "sleep-time", required_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "list-matrix", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char baseline[32];
	int c, v;

	while ((c = getopt_long(argc, argv, "W:O:m:M:a:s:n:w:b:r:t:o:lqh",
				opts, NULL)) != -1) {
		switch (c) {
		case 'W': param.workloads = optarg; break;
		case 'O':
			if (add_opt(optarg))
				return -EINVAL;
			break;
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
				      &v))
				return -EINVAL;
			snprintf(baseline, sizeof(baseline),
				 "baseline-cycles=%d", v);
			if (add_opt(baseline))
				return -EINVAL;
			break;
		case 'r': param.region = optarg; break;
		case 'F': param.allow_foreign = true; break;
		case 'N': param.no_wait = true; break;
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
		case 'L': param.list_matrix = true; break;
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

/*
 * The workloads asked for, each once; every -O option must belong to one
 * of them and have a valid value.
 */
static int select_workloads(struct dm_run *run,
			    const struct dm_workload **wls)
{
	char *tok[MAX_WORKLOADS], *copy = NULL;
	const struct dm_wl_option *o;
	int i, j, n, rc = -EINVAL;
	bool known;

	n = dm_split_list("--workload", param.workloads, tok, MAX_WORKLOADS,
			  &copy);
	if (n < 0)
		goto out;
	for (i = 0; i < n; i++) {
		wls[i] = dm_workload_find(tok[i]);
		if (!wls[i]) {
			fprintf(stderr, "devmem-bench: --workload: no workload '%s' (devmem-bench --list)\n",
				tok[i]);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (wls[j] == wls[i]) {
				fprintf(stderr, "devmem-bench: --workload: '%s' given twice\n",
					tok[i]);
				goto out;
			}
		if (dm_run_check_opts(run, wls[i]))
			goto out;
	}
	for (i = 0; i < run->nr_opts; i++) {
		known = false;
		for (j = 0; j < n && !known; j++)
			for (o = wls[j]->options; o && o->name; o++)
				if (!strcmp(o->name, run->opts[i].name))
					known = true;
		if (!known) {
			fprintf(stderr, "devmem-bench: -O %s: no workload of --workload %s has that option (devmem-bench --list)\n",
				run->opts[i].name, param.workloads);
			goto out;
		}
	}
	rc = n;
out:
	free(copy);
	return rc;
}

/*
 * The tracer, for the functions the workloads want; returns the mode the
 * results record ("none" if not tracing) or NULL when --trace on failed.
 */
static const char *start_tracing(struct dm_run *run,
				 const struct dm_workload *const *wls, int nw)
{
	const char *funcs[MAX_TRACE_FUNCS + 1];
	struct dm_trace_cfg cfg = { 0 };
	const char *const *f;
	char why[DM_MSG_LEN];
	int i, j, nf = 0, rc;
	bool dup;

	if (!strcmp(param.trace, "off"))
		return "none";
	for (i = 0; i < nw; i++)
		for (f = wls[i]->trace_funcs; f && *f; f++) {
			for (dup = false, j = 0; j < nf && !dup; j++)
				dup = !strcmp(funcs[j], *f);
			if (!dup && nf < MAX_TRACE_FUNCS)
				funcs[nf++] = *f;
		}
	if (!nf)
		return "none";
	funcs[nf] = NULL;
	cfg.funcs = funcs;
	cfg.pid = getpid();
	cfg.sleep_time = !strcmp(param.sleep_time, "on") ? 1 :
			 !strcmp(param.sleep_time, "off") ? 0 :
			 run->counts_insn ? 0 : -1;
	rc = dm_tracer_start_cfg(&tracer, &cfg, why, sizeof(why));
	if (rc && cfg.sleep_time >= 0 && !strcmp(param.sleep_time, "auto")) {
		fprintf(stderr, "devmem-bench: sleep-time left as it is: %s\n",
			why);
		cfg.sleep_time = -1;
		rc = dm_tracer_start_cfg(&tracer, &cfg, why, sizeof(why));
	}
	if (rc && !strcmp(param.trace, "on")) {
		fprintf(stderr, "devmem-bench: --trace on: %s\n", why);
		return NULL;
	}
	if (rc) {
		fprintf(stderr, "devmem-bench: no phase breakdown: %s\n", why);
		return "none";
	}
	run->tracer = &tracer;
	if (tracer.missing[0])
		fprintf(stderr, "devmem-bench: not in this kernel or not traceable, no phase: %s\n",
			tracer.missing);
	/* Phases without the time scheduled out are another measurement:
	 * never compared with ones that have it.
	 */
	return tracer.sleep_time ? "function_graph" :
	       "function_graph, sleep-time off";
}

static int record_params(struct dm_run *run, const char *tracing_mode)
{
	struct dm_results *res = run->res;
	char key[96], dtype[32];
	int i, rc;

	rc = fill_env(res, tracing_mode);
	if (rc)
		return rc;
	dm_results_set_param_string(res, "workloads", param.workloads);
	dm_results_set_param_int(res, "warmup", param.warmup >= 0 ?
				 param.warmup : dm_run_warmup(run));
	dm_results_set_param_int(res, "cycles", param.cycles ? param.cycles :
				 dm_run_cycles(run));
	dm_results_set_param_string(res, "driver", "sysfs");
	dm_results_set_param_string(res, "region", dm_region_name(run->ctx));
	/* What the region is: "nvdimm", "cxl-pmem", "e820", ... */
	dm_results_set_param_string(res, "device_type",
		dm_region_device_type(dm_region_name(run->ctx), dtype,
				      sizeof(dtype)));
	dm_results_set_param_string(res, "modes", param.modes);
	dm_results_set_param_string(res, "maps", param.maps);
	dm_results_set_param_string(res, "aligns", param.aligns);
	dm_results_set_param_string(res, "sizes", param.sizes);
	for (i = 0; i < run->nr_opts; i++) {
		snprintf(key, sizeof(key), "opt.%s", run->opts[i].name);
		dm_results_set_param_string(res, key, run->opts[i].value);
	}
	if (!strcmp(param.workloads, "ns-cycle"))
		dm_results_set_param_int(res, "baseline_cycles",
					 dm_run_opt_int(run,
							"baseline-cycles"));
	if (param.perturb_seed >= 0)
		dm_results_set_param_int(res, "perturb_seed",
					 param.perturb_seed);
	/* What the phase rows mean: latency (time scheduled out counts) or
	 * CPU work (it does not).
	 */
	if (run->tracer)
		dm_results_set_param_string(res, "trace_sleep_time",
			tracer.sleep_time < 0 ? "unknown" :
			tracer.sleep_time ? "on" : "off");
	if (tracer.missing[0])
		dm_results_set_param_string(res, "untraceable", tracer.missing);
	return 0;
}

int main(int argc, char **argv)
{
	static struct dm_wl_config cfgs[DM_WL_MAX_CONFIGS];
	const struct dm_workload *wls[MAX_WORKLOADS];
	struct sigaction sa = { .sa_handler = on_signal };
	char why[DM_MSG_LEN], err[DM_ERR_LEN], tag[64];
	const char *tracing_mode;
	unsigned long long need = ~0ull;
	struct dm_run run = { 0 };
	int i, j, n, nw, rc, failed = 0;

	if (parse_args(argc, argv))
		return EXIT_USAGE;
	if (param.list) {
		dm_run_list(stdout, true);
		return 0;
	}
	run.interrupted = &interrupted;
	run.cycles = param.cycles;
	run.warmup = param.warmup;
	run.counts_insn = dm_accel_counts_insn(getenv("DEVMEM_ACCEL"));
	run.quiet = param.quiet;
	run.modes = param.modes;
	run.maps = param.maps;
	run.aligns = param.aligns;
	run.sizes = param.sizes;
	run.perturb_seed = param.perturb_seed;
	run.perturb_state = param.perturb_seed;
	memcpy(run.opts, param.opts, sizeof(run.opts));
	run.nr_opts = param.nr_opts;
	nw = select_workloads(&run, wls);
	if (nw < 0)
		return EXIT_USAGE;
	/* Every matrix is checked before anything runs. */
	for (i = 0; i < nw; i++) {
		n = dm_run_matrix(&run, wls[i], cfgs, DM_WL_MAX_CONFIGS);
		if (n < 0)
			return EXIT_USAGE;
		for (j = 0; j < n; j++) {
			unsigned long long c = cfgs[j].need ? cfgs[j].need :
				cfgs[j].has_ns ? cfgs[j].ns.size : 0;

			if (param.list_matrix)
				printf("%s%s%s\n", cfgs[j].id,
				       cfgs[j].skipped[0] ? "  skipped: " : "",
				       cfgs[j].skipped);
			if (!cfgs[j].skipped[0] && c && c < need)
				need = c;
		}
	}
	if (param.list_matrix)
		return 0;
	/* The matrices drew from the seed: start again for the run. */
	run.perturb_state = param.perturb_seed;
	prctl(PR_SET_NAME, "devmem-bench");
	if (geteuid()) {
		fprintf(stderr, "devmem-bench: must be run as root\n");
		return EXIT_SKIP;
	}
	if (param.cleanup)
		return cleanup();
	/* Stop the cycles and unwind: namespaces destroyed, region and
	 * tracefs restored, lock released.  No SA_RESTART: a wait for the
	 * region's lock returns.
	 */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	rc = dm_new(&run.ctx);
	if (rc) {
		fprintf(stderr, "devmem-bench: libndctl: %s\n", strerror(-rc));
		return EXIT_SKIP;
	}
	rc = dm_select_region(run.ctx, param.region, need == ~0ull ? 0 : need,
			      (param.allow_foreign ? DM_SEL_ALLOW_FOREIGN : 0) |
			      (param.no_wait ? DM_SEL_NO_WAIT : 0),
			      why, sizeof(why));
	if (rc) {
		fprintf(stderr, "devmem-bench: %s\n", why);
		dm_unref(run.ctx);
		return EXIT_SKIP;
	}
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "bench-%d", getpid());
	run.tag = tag;
	tracing_mode = start_tracing(&run, wls, nw);
	if (!tracing_mode) {
		dm_unref(run.ctx);
		return 1;
	}
	if (param.output) {
		rc = dm_results_new(&run.res);
		rc = rc ?: dm_results_set_tool(run.res, "devmem-bench",
					       DEVMEM_VERSION);
		if (rc) {
			fprintf(stderr, "devmem-bench: results: %s\n",
				strerror(-rc));
			failed++;
			goto out;
		}
		run.wl = wls[0];
		if (record_params(&run, tracing_mode)) {
			failed++;
			goto out;
		}
	}

	printf("devmem-bench %s: workload%s %s, region %s, tracing %s\n",
	       DEVMEM_VERSION, nw > 1 ? "s" : "", param.workloads,
	       dm_region_name(run.ctx), tracing_mode);
	if (run.counts_insn)
		printf("QEMU icount (accel tcg-icount): durations are guest instructions (insn; 1 insn = 1 virtual ns)\n");
	if (run.tracer && tracer.sleep_time >= 0)
		printf("phases: %s (ftrace sleep-time %s); add and remove: latency\n",
		       tracer.sleep_time ? "latency, time scheduled out included" :
		       "CPU work, time scheduled out excluded",
		       tracer.sleep_time ? "on" : "off");
	for (i = 0; i < nw && !interrupted; i++) {
		run.wl = wls[i];
		printf("\n== %s: %d warm-up + %d cycles per configuration\n",
		       wls[i]->name, dm_run_warmup(&run), dm_run_cycles(&run));
		rc = dm_run_workload(&run, wls[i]);
		if (rc) {
			fprintf(stderr, "devmem-bench: %s: %s\n", wls[i]->name,
				strerror(-rc));
			failed++;
		}
	}
	failed += run.failed;
	if (interrupted)
		fprintf(stderr, "devmem-bench: interrupted; results so far are kept\n");
	if (run.res) {
		rc = dm_results_write(run.res, param.output, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "devmem-bench: writing %s: %s\n",
				param.output, err);
			failed++;
		}
	}
out:
	dm_tracer_stop(&tracer);
	dm_results_free(run.res);
	dm_unref(run.ctx);
	if (run.violations)
		fprintf(stderr, "devmem-bench: %d invariant violation%s\n",
			run.violations, run.violations > 1 ? "s" : "");
	if (run.violations || failed || interrupted)
		return 1;
	return run.ran ? 0 : EXIT_SKIP;
}
