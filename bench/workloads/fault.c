// SPDX-License-Identifier: GPL-2.0
/*
 * fault: fault injection during hot-add.
 *
 * Per configuration (namespace x injector) one namespace is created; the
 * sweep (devmem_fault.h) fails the N-th slab (failslab) or page
 * (fail_page_alloc) allocation made under memremap_pages() in one bind,
 * for N = 1, 2, ... until a bind makes fewer than N allocations.  After
 * every injected failure the bind must have returned an error and left
 * nothing behind (no device, no iomem entry, spans as before, nr_memmap_pages
 * at baseline, Slab and free memory back within a tolerance, nothing but
 * the injection's own report in kmsg), and the next normal bind must
 * succeed with every invariant.  A failure the kernel absorbs (a vmemmap
 * block falling back to base pages) must give a working device instead.
 *
 * One cycle is the whole sweep (the interface has no "done" code for a
 * loop of unknown length): default_cycles is 1, -n N repeats it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmem_fault.h"
#include "devmem_module.h"
#include "workload.h"

/*
 * One-section namespaces first (a failure cannot leave part of the range
 * added), the multi-section one last: x86's __add_pages() does not take
 * back the sections it added before a failing one, which would leave the
 * range unusable for every configuration after it in the same boot.
 */
#define DEF_CONFIGS \
	"devdax-mem-2M-128M,devdax-mem-4K-128M,devdax-dev-2M-128M,fsdax-mem-2M-128M,fsdax-dev-2M-128M,devdax-mem-2M-1G"

/*
 * x86 alloc_low_page() returns NULL after boot when its GFP_ATOMIC
 * allocation fails, and phys_pud_init()/phys_pmd_init() write through it:
 * failing the direct map's page-table pages oopses (seen in production on
 * 6.12, neondatabase/autoscaling#1391).  fail_page_alloc steps over them
 * unless -O reject=none.
 */
#define REJECT_PAGE_ALLOC	"init_memory_mapping"

#define METRIC(n, u, b, h) \
	{ .name = n, .unit = u, .better = b, .help = h }

static const struct dm_wl_metric metrics[] = {
	METRIC("points_exercised", DM_UNIT_COUNT, DM_BETTER_HIGHER,
	       "allocations failed, one bind each"),
	METRIC("points_survived", DM_UNIT_COUNT, DM_BETTER_HIGHER,
	       "of those, with every check held"),
	METRIC("failed_binds", DM_UNIT_COUNT, DM_BETTER_NONE,
	       "the bind returned an error and unwound"),
	METRIC("absorbed", DM_UNIT_COUNT, DM_BETTER_NONE,
	       "the kernel fell back, the bind succeeded"),
	METRIC("swallowed", DM_UNIT_COUNT, DM_BETTER_NONE,
	       "bind succeeded, its device left without driver"),
	METRIC("distinct_sites", DM_UNIT_COUNT, DM_BETTER_NONE,
	       "distinct call chains in the injections' reports"),
	METRIC("allocs_per_bind", DM_UNIT_COUNT, DM_BETTER_NONE,
	       "allocations counted under the function in one bind"),
	METRIC("sweep_complete", DM_UNIT_COUNT, DM_BETTER_HIGHER,
	       "1: reached a bind with fewer allocations than N"),
	METRIC("bind_fail_ns", DM_UNIT_NS, DM_BETTER_NONE,
	       "a bind that failed under injection"),
	METRIC("slab_delta_bytes", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "Slab after the sweep against its start"),
	METRIC("free_delta_bytes", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "free memory after the sweep against its start"),
	{ 0 },
};

static const struct dm_wl_option options[] = {
	{ "configs", DM_WL_OPT_STRING, DEF_CONFIGS, 0, 0,
	  "namespaces MODE-MAP-ALIGN-SIZE, comma separated; 'matrix': the run's --modes/--maps/--aligns/--sizes" },
	{ "injectors", DM_WL_OPT_STRING, "failslab,fail_page_alloc", 0, 0,
	  "failslab, fail_page_alloc or both" },
	{ "func", DM_WL_OPT_STRING, DM_FAULT_FUNC, 0, 0,
	  "count only allocations made under this function" },
	{ "reject", DM_WL_OPT_STRING, "auto", 0, 0,
	  "never fail allocations under this function; auto: " REJECT_PAGE_ALLOC " for fail_page_alloc (a known NULL dereference), none for failslab; none: fail everything" },
	{ "max-points", DM_WL_OPT_INT, "400", 1, 1000000,
	  "stop a sweep at this N even if binds still fail" },
	{ "leak-tolerance", DM_WL_OPT_SIZE, "4M", 0, 1ll << 40,
	  "Slab growth or free-memory loss a point may leave" },
	{ "control-leak", DM_WL_OPT_SIZE, "0", 0, 1ll << 32,
	  "positive control: devmem_test.ko leaks this much after the first injected point (the leak check must call it)" },
	{ 0 },
};

struct state {
	enum dm_fault_mode mode;
	bool map_dev;		/* the memmap on the device (altmap) */
	struct dm_fault fault;
	struct dm_ns *ns;
	struct dm_inv inv;
	bool inv_ok, leaked;
	struct dm_wl *w;
	int c;
	/* the last sweep */
	unsigned int census, last_nth;
	int points, survived, failed, absorbed, swallowed, violations;
	bool complete;
	char **sites;
	int nr_sites;
};

/*
 * A sweep whose namespace could not be bound again left device memory
 * unusable: the configurations after it are not run (and say why).
 */
static char poisoned[DM_MSG_LEN];

/* Across configurations, for the totals each report prints. */
static struct {
	int points, survived, sites;
} totals[DM_FAULT_NR_MODES];

static int parse_ns(const char *s, struct dm_ns_config *ns)
{
	char mode[16], map[16], align[16], size[16], extra;
	unsigned long long a, sz;

	if (sscanf(s, "%15[a-z]-%15[a-z]-%15[0-9KMG]-%15[0-9KMGT]%c", mode,
		   map, align, size, &extra) != 4)
		return -EINVAL;
	memset(ns, 0, sizeof(*ns));
	if (!strcmp(mode, "devdax"))
		ns->mode = DM_MODE_DEVDAX;
	else if (!strcmp(mode, "fsdax"))
		ns->mode = DM_MODE_FSDAX;
	else
		return -EINVAL;
	if (!strcmp(map, "mem"))
		ns->map = DM_MAP_MEM;
	else if (!strcmp(map, "dev"))
		ns->map = DM_MAP_DEV;
	else
		return -EINVAL;
	if (dm_parse_size(align, &a) || dm_parse_size(size, &sz) || !sz ||
	    (a != 4096 && a != 2ull << 20 && a != 1ull << 30) || sz % a)
		return -EINVAL;
	ns->align = a;
	ns->size = sz;
	return 0;
}

static int parse_injectors(struct dm_run *run, enum dm_fault_mode *modes)
{
	char *copy, *t, *save = NULL;
	int n = 0;

	copy = strdup(dm_run_opt_str(run, "injectors"));
	if (!copy)
		return -ENOMEM;
	for (t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (n == DM_FAULT_NR_MODES ||
		    dm_fault_parse_mode(t, &modes[n])) {
			fprintf(stderr, "devmem-bench: -O injectors: '%s' is not failslab or fail_page_alloc (each once)\n",
				t);
			free(copy);
			return -EINVAL;
		}
		n++;
	}
	free(copy);
	if (!n)
		fprintf(stderr, "devmem-bench: -O injectors: empty\n");
	return n ? n : -EINVAL;
}

static int supported(struct dm_run *run, char *why, size_t len)
{
	enum dm_fault_mode modes[DM_FAULT_NR_MODES];
	int i, n, rc;

	n = parse_injectors(run, modes);
	if (n < 0) {
		snprintf(why, len, "-O injectors is invalid");
		return n;
	}
	for (i = 0; i < n; i++) {
		rc = dm_fault_supported(modes[i], why, len);
		if (rc)
			return rc;
	}
	if (dm_run_opt_int(run, "control-leak") && !dm_mod_has_leak()) {
		snprintf(why, len, "-O control-leak needs devmem_test.ko with the leak request (vm/run-bench.sh --module)");
		return -EOPNOTSUPP;
	}
	return 0;
}

static const char *short_mode(enum dm_fault_mode m)
{
	return m == DM_FAULT_FAILSLAB ? "failslab" : "failpage";
}

static int matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	enum dm_fault_mode modes[DM_FAULT_NR_MODES];
	struct dm_wl_config ns[DM_WL_MAX_CONFIGS];
	const char *list = dm_run_opt_str(run, "configs");
	char *copy, *t, *save = NULL, id[40], var[96];
	int nm, nn = 0, i, j, n = 0;

	nm = parse_injectors(run, modes);
	if (nm < 0)
		return nm;
	if (!strcmp(list, "matrix")) {
		nn = dm_run_ns_matrix(run, ns, DM_WL_MAX_CONFIGS);
		if (nn < 0)
			return nn;
	} else {
		copy = strdup(list);
		if (!copy)
			return -ENOMEM;
		for (t = strtok_r(copy, ",", &save); t && nn < DM_WL_MAX_CONFIGS;
		     t = strtok_r(NULL, ",", &save)) {
			memset(&ns[nn], 0, sizeof(ns[nn]));
			if (parse_ns(t, &ns[nn].ns)) {
				fprintf(stderr, "devmem-bench: -O configs: '%s' is not MODE-MAP-ALIGN-SIZE (e.g. devdax-mem-2M-1G; align 4K, 2M or 1G dividing the size)\n",
					t);
				free(copy);
				return -EINVAL;
			}
			ns[nn].has_ns = true;
			nn++;
		}
		free(copy);
		if (!nn) {
			fprintf(stderr, "devmem-bench: -O configs: empty\n");
			return -EINVAL;
		}
	}
	for (i = 0; i < nn; i++)
		for (j = 0; j < nm; j++) {
			if (n == max) {
				fprintf(stderr, "devmem-bench: more than %d fault configurations\n",
					max);
				return -EINVAL;
			}
			cfgs[n] = ns[i];
			cfgs[n].warmup = 0;
			cfgs[n].priv = modes[j];
			if (dm_config_id(&ns[i].ns, id, sizeof(id)))
				return -EINVAL;
			if (snprintf(var, sizeof(var), "%s.%s",
				     short_mode(modes[j]), id) >=
			    (int)sizeof(cfgs[n].variant)) {
				fprintf(stderr, "devmem-bench: -O configs: %s: name too long\n",
					id);
				return -EINVAL;
			}
			memcpy(cfgs[n].variant, var, strlen(var) + 1);
			n++;
		}
	return n;
}

static void on_violation(void *arg, unsigned int nth, const char *check,
			 const char *msg)
{
	struct state *s = arg;

	if (nth)
		dm_wl_violation(s->w, s->c, check, "%s N=%u: %s",
				dm_fault_mode_name(s->mode), nth, msg);
	else
		dm_wl_violation(s->w, s->c, check, "%s: %s",
				dm_fault_mode_name(s->mode), msg);
}

static int setup(struct dm_wl *w)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	struct dm_ctx *ctx = dm_wl_ctx(w);
	struct state *s = dm_wl_priv(w);
	char why[DM_MSG_LEN];
	const char *reject;
	int rc;

	s->w = w;
	s->mode = cfg->priv;
	s->map_dev = cfg->ns.map == DM_MAP_DEV;
	s->c = -1;
	if (poisoned[0]) {
		dm_wl_violation(w, -1, "not_run", "%s", poisoned);
		return -ECANCELED;
	}
	/* the sweep reads kmsg itself: injections log stacks on purpose */
	rc = dm_inv_init(&s->inv, ctx, DM_CHECK_ALL & ~DM_CHECK_KMSG);
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
	if (dm_inv_check_added(&s->inv, s->ns, why, sizeof(why)))
		dm_wl_violation(w, -1, "after_create", "%s", why);
	reject = dm_run_opt_str(dm_wl_run(w), "reject");
	if (!strcmp(reject, "auto"))
		reject = s->mode == DM_FAULT_PAGE_ALLOC ? REJECT_PAGE_ALLOC :
			 "";
	else if (!strcmp(reject, "none"))
		reject = "";
	rc = dm_fault_arm(&s->fault, s->mode,
			  dm_run_opt_str(dm_wl_run(w), "func"), reject, why,
			  sizeof(why));
	if (rc) {
		dm_wl_violation(w, -1, "arm", "%s: %s",
				dm_fault_mode_name(s->mode), why);
		return rc;
	}
	return 0;
}

static void keep_sites(struct state *s, struct dm_fault_sweep *sw)
{
	int i;

	for (i = 0; i < s->nr_sites; i++)
		free(s->sites[i]);
	free(s->sites);
	s->sites = sw->sites;
	s->nr_sites = sw->nr_sites;
	sw->sites = NULL;
	sw->nr_sites = sw->alloc_sites = 0;
}

/* One cycle: the whole sweep, N = 1, 2, ... */
static int cycle(struct dm_wl *w, int c)
{
	struct dm_run *run = dm_wl_run(w);
	struct state *s = dm_wl_priv(w);
	unsigned int nth, max = dm_run_opt_int(run, "max-points");
	uint64_t leak = dm_run_opt_int(run, "control-leak");
	struct dm_fault_sweep sw = {
		.f = &s->fault, .ns = s->ns, .inv = &s->inv,
		.leak_tol_kb = dm_run_opt_int(run, "leak-tolerance") / 1024,
		.violation = on_violation, .arg = s,
	};
	struct dm_fault_point p;
	long long slab0, free0, slab1, free1;
	int rc, before = dm_wl_violations(w);

	s->c = c;
	s->points = s->survived = s->failed = s->absorbed = 0;
	s->swallowed = 0;
	s->complete = false;
	rc = dm_fault_sweep_begin(&sw);
	if (rc)
		goto out;
	s->census = sw.census;
	dm_wl_sample(w, "allocs_per_bind", sw.census);
	/*
	 * A bind always makes slab allocations (percpu_ref, memtype,
	 * sections), and page allocations for a memmap in RAM; with the
	 * memmap on the device (altmap) and the range's page tables
	 * already there it may make no page allocation at all.
	 */
	if (!sw.census && (s->mode != DM_FAULT_PAGE_ALLOC || !s->map_dev))
		dm_wl_violation(w, c, "census",
				"%s: no allocation counted under %s in a bind: the stacktrace filter does not see it",
				dm_fault_mode_name(s->mode), s->fault.func);
	dm_fault_mem(&slab0, &free0);
	for (nth = 1; nth <= max && !dm_run_interrupted(run); nth++) {
		dm_wl_progress(w, "point", nth, sw.census + 1);
		rc = dm_fault_sweep_point(&sw, nth, &p);
		if (rc)
			break;
		s->last_nth = nth;
		if (p.outcome == DM_FAULT_NOT_REACHED) {
			s->complete = true;
			break;
		}
		if (!p.violations)
			s->survived++;
		if (p.outcome == DM_FAULT_FAILED)
			dm_wl_sample(w, "bind_fail_ns", p.bind_ns);
		if (leak && !s->leaked) {
			/* positive control: a leak the next check must call */
			s->leaked = true;
			rc = dm_mod_leak(leak);
			if (rc)
				dm_wl_violation(w, c, "control-leak",
						"devmem_test.ko leak: %s",
						strerror(-rc));
		}
	}
	if (!rc)
		rc = dm_fault_sweep_end(&sw);
	if (rc && rc != -EINTR && !dm_run_interrupted(run) &&
	    !dm_ns_is_enabled(s->ns))
		snprintf(poisoned, sizeof(poisoned),
			 "not run: after %s N=%u in %s the namespace could not be bound again (%s): device memory left unusable until reboot",
			 dm_fault_mode_name(s->mode), s->last_nth + 1,
			 dm_wl_config(w)->id, strerror(-rc));
	s->points = sw.points;
	s->failed = sw.failed;
	s->absorbed = sw.absorbed;
	s->swallowed = sw.swallowed;
	dm_wl_sample(w, "points_exercised", s->points);
	dm_wl_sample(w, "points_survived", s->survived);
	dm_wl_sample(w, "failed_binds", s->failed);
	dm_wl_sample(w, "absorbed", s->absorbed);
	dm_wl_sample(w, "swallowed", s->swallowed);
	dm_wl_sample(w, "distinct_sites", sw.nr_sites);
	dm_wl_sample(w, "sweep_complete", s->complete);
	if (!dm_fault_mem(&slab1, &free1)) {
		dm_wl_sample(w, "slab_delta_bytes", (slab1 - slab0) * 1024.0);
		dm_wl_sample(w, "free_delta_bytes", (free1 - free0) * 1024.0);
	}
	keep_sites(s, &sw);
	if (c >= 0) {
		totals[s->mode].points += s->points;
		totals[s->mode].survived += s->survived;
		totals[s->mode].sites += s->nr_sites;
	}
out:
	s->violations = dm_wl_violations(w) - before;
	dm_fault_sweep_release(&sw);
	return rc;
}

static int teardown(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);
	int rc;

	rc = dm_fault_restore(&s->fault);
	if (rc)
		dm_wl_violation(w, -1, "restore",
				"restoring the fault-injection knobs: %s",
				strerror(-rc));
	if (s->leaked)
		dm_mod_leak_free(NULL);
	if (s->ns)
		dm_wl_destroy_ns(w, s->ns);
	if (s->inv_ok)
		dm_inv_release(&s->inv);
	/* the sites are printed by report(), which runs after this */
	return 0;
}

static void report(struct dm_wl *w, FILE *out)
{
	struct state *s = dm_wl_priv(w);
	int i, m;

	if (!s->ns)
		return;
	fprintf(out, "  %s under %s%s%s: %u allocations per bind; %d points injected: %d failed and unwound, %d absorbed, %d swallowed; %d survived every check\n",
		dm_fault_mode_name(s->mode), s->fault.func,
		s->fault.reject[0] ? " but not " : "", s->fault.reject,
		s->census,
		s->points, s->failed, s->absorbed, s->swallowed, s->survived);
	if (!s->census && s->map_dev && s->mode == DM_FAULT_PAGE_ALLOC)
		fprintf(out, "  no page allocation to fail: the memmap is on the device and the range's page tables were there already\n");
	if (s->swallowed)
		fprintf(out, "  swallowed: the bind write reported success while the dax device was left without its driver (device_add() drops device_dax's probe error); checked: no memmap, clean after the unbind\n");
	fprintf(out, "  sweep %s at N=%u; %d distinct call chains logged\n",
		s->complete ? "complete (the bind made fewer allocations)" :
		"STOPPED before the end (-O max-points or interrupted)",
		s->last_nth, s->nr_sites);
	for (i = 0; i < s->nr_sites && i < 60; i++)
		fprintf(out, "    site %2d: %s\n", i + 1, s->sites[i]);
	if (s->nr_sites > 60)
		fprintf(out, "    ... %d more\n", s->nr_sites - 60);
	for (m = 0; m < DM_FAULT_NR_MODES; m++)
		if (totals[m].points)
			fprintf(out, "  so far in this run, %s: %d points exercised, %d survived\n",
				dm_fault_mode_name(m), totals[m].points,
				totals[m].survived);
	for (i = 0; i < s->nr_sites; i++)
		free(s->sites[i]);
	free(s->sites);
	s->sites = NULL;
	s->nr_sites = 0;
}

const struct dm_workload dm_wl_fault = {
	.name = "fault",
	.summary = "fail the N-th slab / page allocation of a hot-add (fail-nth under memremap_pages), N = 1, 2, ...: every failure unwinds",
	.invariants = "injected: bind error, no device, no iomem entry, spans, nr_memmap_pages at baseline, Slab/free memory within a tolerance, no WARN/BUG; the next bind succeeds with every invariant",
	.options = options,
	.metrics = metrics,
	.supported = supported,
	.matrix = matrix,
	.setup = setup,
	.cycle = cycle,
	.teardown = teardown,
	.report = report,
	.priv_size = sizeof(struct state),
	.stress = true,
	.default_cycles = 1,
	.default_warmup = 0,
};
