// SPDX-License-Identifier: GPL-2.0
/*
 * subsection: namespaces smaller than, and not aligned to, the 128 MiB
 * memory section (ndctl's test/sub-section.sh case), so that several
 * share a section and sub-section hot-add and hot-remove
 * (subsection_map, section_activate/section_deactivate) carry the load.
 *
 * A layout (the configuration's variant) lists the namespaces; a cycle
 * creates them all, hot-removes and hot-adds each in a seeded order, and
 * destroys them in an order that changes with the cycle: forward,
 * reverse, interleaved (every other one destroyed and created again in
 * the holes, then the rest from both ends), seeded random.  The creation
 * order alternates too, so that the namespaces land in different places.
 * After every step the checks of devmem_stress.h run exactly: devices and
 * /proc/iomem entries of exactly the live namespaces and nothing inside
 * the removed ones, nr_memmap_pages = baseline + each live namespace's
 * own memmap (learned when it is created alone, checked against the
 * expected vmemmap), Device zone span = the hull, no WARN/BUG.  After
 * every destroy nothing of the namespace is left.
 *
 * Layouts in 2 MiB steps set the region's namespace granularity
 * (regionN/align, 16 MiB by default) to 2 MiB and restore it.  A devdax or
 * fsdax namespace needs at least 16 MiB (the kernel refuses a pfn or dax
 * personality on less: "too small to host"); the layouts are in
 * devmem_stress.c (dm_sub_layouts), shared with the selftest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmem_stress.h"
#include "workload.h"

#define M(n, u, b, h) \
	{ .name = n, .unit = u, .better = b, .help = h }

static const struct dm_wl_metric metrics[] = {
	M("create_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "dm_ns_create: label, info block and the first hot-add"),
	M("remove_ns", DM_UNIT_NS, DM_BETTER_NONE, "unbind (hot-remove)"),
	M("add_ns", DM_UNIT_NS, DM_BETTER_NONE, "bind (hot-add)"),
	M("destroy_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "dm_ns_destroy: hot-remove and delete"),
	M("cycle_wall_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "wall time of a cycle, checks included"),
	M("ns_memmap_pages", DM_UNIT_PAGES, DM_BETTER_NONE,
	  "nr_memmap_pages one namespace accounts (learned at its create)"),
	M("steps", DM_UNIT_COUNT, DM_BETTER_HIGHER,
	  "creates, removes, adds and destroys, each checked"),
	M("max_ns_per_section", DM_UNIT_COUNT, DM_BETTER_NONE,
	  "most namespaces seen sharing one 128 MiB section"),
	M("stale_span_checks", DM_UNIT_COUNT, DM_BETTER_NONE,
	  "checks where the Device span kept removed ranges (kernel never shrinks it)"),
	{ 0 },
};

static const struct dm_wl_option options[] = {
	{ "layouts", DM_WL_OPT_STRING, "packed-16M,steps-2M,odd-sizes", 0, 0,
	  "variants: packed-16M, steps-2M, odd-sizes" },
	{ "seed", DM_WL_OPT_INT, "1", 0, 1ll << 62,
	  "seed of the remove/add and random destroy orders" },
	{ "control", DM_WL_OPT_BOOL, "0", 0, 1,
	  "positive control: in cycle 0 unbind a namespace behind the checks' back; they must report it" },
	{ 0 },
};

struct state {
	struct dm_sub sub;
	bool ok;
};

static int matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	char *copy, *tok, *save = NULL;
	const struct dm_sub_layout *l;
	int n = 0, rc = -EINVAL;

	copy = strdup(dm_run_opt_str(run, "layouts"));
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		l = dm_sub_layout_find(tok);
		if (!l) {
			fprintf(stderr, "devmem-bench: subsection: -O layouts: '%s' is not packed-16M, steps-2M or odd-sizes\n",
				tok);
			goto out;
		}
		if (n == max)
			goto out;
		memset(&cfgs[n], 0, sizeof(cfgs[n]));
		snprintf(cfgs[n].variant, sizeof(cfgs[n].variant), "%s",
			 l->name);
		cfgs[n].warmup = -1;
		cfgs[n].need = dm_sub_layout_size(l);
		cfgs[n].priv = l - dm_sub_layouts;
		n++;
	}
	if (!n)
		fprintf(stderr, "devmem-bench: subsection: -O layouts is empty\n");
	else
		rc = n;
out:
	free(copy);
	return rc;
}

static void hook_violation(void *arg, int cycle, const char *check,
			   const char *msg)
{
	dm_wl_violation(arg, cycle, check, "%s", msg);
}

static void hook_sample(void *arg, const char *metric, double v)
{
	dm_wl_sample(arg, metric, v);
}

static int setup(struct dm_wl *w)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	struct dm_sub_hooks hooks = {
		.arg = w, .violation = hook_violation, .sample = hook_sample,
	};
	struct state *s = dm_wl_priv(w);
	char why[DM_MSG_LEN];
	int rc;

	rc = dm_sub_init(&s->sub, dm_wl_ctx(w), &dm_sub_layouts[cfg->priv],
			 dm_wl_tag(w),
			 dm_run_opt_int(dm_wl_run(w), "seed") ^
			 (cfg->priv * 0x9e37ull), &hooks, why, sizeof(why));
	if (rc) {
		dm_wl_violation(w, -1, "setup", "%s", why);
		return rc;
	}
	s->ok = true;
	return 0;
}

static int cycle(struct dm_wl *w, int c)
{
	struct state *s = dm_wl_priv(w);
	uint64_t t0 = dm_now_ns();
	int rc;

	rc = dm_sub_cycle(&s->sub, c, c == 0 &&
			  dm_run_opt_int(dm_wl_run(w), "control"));
	if (!rc)
		dm_wl_sample(w, "cycle_wall_ns", dm_now_ns() - t0);
	return rc;
}

static int teardown(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);

	if (!s->ok)
		return 0;
	dm_sub_release(&s->sub);
	dm_wl_sample(w, "stale_span_checks", s->sub.st.stale_checks);
	dm_wl_sample(w, "steps", s->sub.steps);
	dm_wl_sample(w, "max_ns_per_section", s->sub.max_per_section);
	return 0;
}

static void report(struct dm_wl *w, FILE *out)
{
	struct state *s = dm_wl_priv(w);
	const struct dm_sub_layout *l = s->sub.lay;
	int i;

	if (!s->ok)
		return;
	fprintf(out, "  layout %s: %s; %d checked steps, up to %d namespaces in one section\n",
		l->name, l->about, s->sub.steps, s->sub.max_per_section);
	fprintf(out, "  destroy order by cycle %% 4: %s, %s, %s, %s\n",
		dm_sub_orders[0], dm_sub_orders[1], dm_sub_orders[2],
		dm_sub_orders[3]);
	fprintf(out, "  memmap pages per namespace:");
	for (i = 0; i < l->nr; i++)
		fprintf(out, " %s-%s/%lluM=%lld", dm_mode_name(l->ns[i].mode),
			dm_map_name(l->ns[i].map), l->ns[i].size >> 20,
			s->sub.memmap[i]);
	fputc('\n', out);
	if (!s->sub.st.shrinks)
		fprintf(out, "  Device span: this kernel never shrinks it: checked against the hull of every range added\n");
}

const struct dm_workload dm_wl_subsection = {
	.name = "subsection",
	.summary = "sub-section namespaces packed into 128 MiB sections, created, cycled and destroyed in varied orders",
	.invariants = "after every create/remove/add/destroy: devices and iomem entries of exactly the live namespaces, nothing left of a destroyed one, nr_memmap_pages = baseline + each live namespace's memmap, Device zone span = their hull, no WARN/BUG",
	.options = options,
	.metrics = metrics,
	.matrix = matrix,
	.setup = setup,
	.cycle = cycle,
	.teardown = teardown,
	.report = report,
	.priv_size = sizeof(struct state),
	.stress = true,
	.default_cycles = 20,
	.default_warmup = 0,
};
