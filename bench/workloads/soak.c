// SPDX-License-Identifier: GPL-2.0
/*
 * soak: many hot-remove/hot-add cycles of one namespace per mode and
 * memmap placement, every invariant checked after every step, and leak
 * detection over the cycles.
 *
 * Per configuration (--modes x --maps; -O size, 2M aligned) one namespace
 * is created; each cycle unbinds and binds it (as ns-cycle), or with
 * -O recreate=1 unbinds, destroys, re-creates and so re-binds it (the 2019
 * zone-shrink crash came from create/destroy).  The selftest library's
 * invariants (dm_inv_*) are checked after every step; after a destroy the
 * range must be gone from /proc/iomem and the region's free space back.
 *
 * After every cycle the leak counters of devmem_leak.h are read (slab
 * reclaimable and not, free pages with the per-cpu lists, nr_memmap_pages,
 * Percpu, VmallocUsed, PageTables, /proc/iomem entries) and emitted as
 * leak.* series.  At the end each counter's Theil-Sen slope with Sen's 99%
 * interval is emitted as leak_slope.<counter> (.lo, .hi) in bytes per
 * cycle, and a "leak" violation is raised for every counter whose interval
 * excludes zero and whose slope is beyond the counter's floor
 * (devmem_leak.c).  Where the kernel has kmemleak it is scanned at the end
 * and any report is a "kmemleak" violation.
 *
 * Measured on Debian 6.12 under TCG (256 MiB namespaces): the A/A soak of
 * 200 cycles per mode and placement calls nothing; with -O recreate=1
 * SUnreclaim grows by about 1.3 KiB per cycle (devdax and fsdax, 40 and
 * 200 cycles; devmem-bench's open files do not grow) and a leak is called:
 * not explained yet.
 *
 * Positive control: -O leak-bytes=SIZE makes devmem_test.ko (loaded with
 * vm/run-bench.sh --module) leak SIZE bytes of kmalloc() objects per
 * cycle; the soak must call it.  With -O leak-hidden=1 the module keeps
 * no reference kmemleak can find, and kmemleak must report them (on a
 * KASAN kernel, where the slab slope is not judged, that is the
 * control).  The module frees it at teardown, after the kmemleak scan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmem_leak.h"
#include "devmem_module.h"
#include "workload.h"

#define METRIC(n, u, b, h) \
	{ .name = n, .unit = u, .better = b, .help = h }

static const struct dm_wl_metric metrics[] = {
	METRIC("cycle_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "one whole cycle (remove, add, checks, counters)"),
	/* before the family leak.*, which would match it too */
	METRIC("leak.iomem_entries", DM_UNIT_COUNT, DM_BETTER_NONE,
	       "/proc/iomem entries after each cycle"),
	METRIC("leak.*", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "a leak counter after each cycle (leak.<counter>_bytes)"),
	METRIC("leak_slope.*", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "Theil-Sen slope of a counter and its 99% interval, bytes/cycle"),
	METRIC("leaks_called", DM_UNIT_COUNT, DM_BETTER_LOWER,
	       "counters whose slope is a leak"),
	METRIC("kmemleak_reports", DM_UNIT_COUNT, DM_BETTER_LOWER,
	       "unreferenced objects kmemleak reported at the end"),
	{ 0 },
};

static const struct dm_wl_option options[] = {
	{ "size", DM_WL_OPT_SIZE, "256M", 16ll << 20, 1ll << 40,
	  "namespace size (a multiple of 16M; --sizes and --aligns do not apply)" },
	{ "recreate", DM_WL_OPT_BOOL, "0", 0, 1,
	  "destroy and re-create the namespace every cycle" },
	{ "leak-bytes", DM_WL_OPT_SIZE, "0", 0, 1ll << 20,
	  "positive control: devmem_test.ko leaks this much per cycle" },
	{ "leak-hidden", DM_WL_OPT_BOOL, "0", 0, 1,
	  "with leak-bytes: held where kmemleak sees no reference (the kmemleak scan's positive control; devmem_test.ko API 3)" },
	{ 0 },
};

struct state {
	struct dm_ns *ns;
	struct dm_inv inv;
	bool inv_ok, recreate;
	unsigned long long leak_bytes;
	unsigned int leak_kind;		/* DEVMEM_TEST_LEAK_SLAB or _HIDDEN */
	unsigned long long avail;	/* region's free space without it */
	struct dm_leak_series ls;
	struct dm_leak_verdict v[DM_LEAK_NR];
	bool judged;
	int kml;			/* dm_kmemleak_begin() */
	int kml_reports;		/* -1: not scanned */
	char kml_why[DM_MSG_LEN];
	char kml_first[DM_MSG_LEN];
};

/* "16K", "1536": @v in the largest binary unit dividing it. */
static void size_name(unsigned long long v, char *buf, size_t len)
{
	static const char sfx[] = "KMG";
	int i = -1;

	while (v && !(v & 1023) && i < 2) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", v);
	else
		snprintf(buf, len, "%llu%c", v, sfx[i]);
}

/* One namespace per mode and memmap placement. */
static int matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	unsigned long long size = dm_run_opt_int(run, "size");
	unsigned long long leak = dm_run_opt_int(run, "leak-bytes");
	bool hidden = dm_run_opt_int(run, "leak-hidden");
	bool recreate = dm_run_opt_int(run, "recreate");
	struct dm_wl_config *all;
	char id[40], sz[24], name[96];
	int i, j, n, m = 0;

	if (size % (16ull << 20)) {
		fprintf(stderr, "devmem-bench: soak: -O size: not a multiple of 16M\n");
		return -EINVAL;
	}
	if (hidden && !leak) {
		fprintf(stderr, "devmem-bench: soak: -O leak-hidden needs -O leak-bytes\n");
		return -EINVAL;
	}
	all = calloc(DM_WL_MAX_CONFIGS, sizeof(*all));
	if (!all)
		return -ENOMEM;
	n = dm_run_ns_matrix(run, all, DM_WL_MAX_CONFIGS);
	for (i = 0; i < n; i++) {
		struct dm_wl_config *c = &all[i];

		for (j = 0; j < m; j++)
			if (cfgs[j].ns.mode == c->ns.mode &&
			    cfgs[j].ns.map == c->ns.map)
				break;
		if (j < m)
			continue;
		if (m == max) {
			m = -EINVAL;
			break;
		}
		cfgs[m] = *c;
		c = &cfgs[m++];
		c->skipped[0] = '\0';
		c->ns.align = 2ul << 20;
		c->ns.size = size;
		if (recreate || leak) {
			dm_config_id(&c->ns, id, sizeof(id));
			size_name(leak, sz, sizeof(sz));
			snprintf(name, sizeof(name), "%s%s%s%s", id,
				 recreate ? "-re" : "",
				 !leak ? "" : hidden ? "-hleak" : "-leak",
				 leak ? sz : "");
			if (strlen(name) >= sizeof(c->variant)) {
				fprintf(stderr, "devmem-bench: soak: the configuration name %s is too long\n",
					name);
				m = -EINVAL;
				break;
			}
			strcpy(c->variant, name);
		}
		if (leak && !dm_mod_has_feature(hidden ?
						DEVMEM_TEST_F_LEAK_HIDDEN :
						DEVMEM_TEST_F_LEAK))
			snprintf(c->skipped, sizeof(c->skipped),
				 "-O leak-bytes%s needs devmem_test.ko (API %d) loaded: %s",
				 hidden ? " -O leak-hidden" : "", hidden ? 3 : 2,
				 dm_mod_available() ? "the loaded module is too old" :
				 "it is not loaded (vm/run-bench.sh --module)");
	}
	free(all);
	return n < 0 ? n : m;
}

static int create_ns(struct dm_wl *w, struct state *s, int c)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	struct dm_ctx *ctx = dm_wl_ctx(w);
	char msg[DM_MSG_LEN];
	int rc;

	rc = dm_ns_create(ctx, &cfg->ns, dm_wl_tag(w), &s->ns);
	if (rc) {
		s->ns = NULL;
		dm_wl_violation(w, c, "create",
				"creating the namespace in %s: %s: %s",
				dm_region_name(ctx), strerror(-rc),
				dm_why(ctx));
		return rc;
	}
	if (dm_inv_check_added(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, c, "after_create", "%s", msg);
	return 0;
}

static int setup(struct dm_wl *w)
{
	struct dm_run *run = dm_wl_run(w);
	struct state *s = dm_wl_priv(w);
	int rc;

	s->recreate = dm_run_opt_int(run, "recreate");
	s->leak_bytes = dm_run_opt_int(run, "leak-bytes");
	s->leak_kind = dm_run_opt_int(run, "leak-hidden") ?
		       DEVMEM_TEST_LEAK_HIDDEN : DEVMEM_TEST_LEAK_SLAB;
	s->kml_reports = -1;
	dm_leak_series_init(&s->ls);
	rc = dm_inv_init(&s->inv, dm_wl_ctx(w), DM_CHECK_ALL);
	if (rc)
		return rc;
	s->inv_ok = true;
	s->kml = dm_kmemleak_begin(s->kml_why, sizeof(s->kml_why));
	s->avail = dm_region_available(dm_wl_ctx(w));
	rc = create_ns(w, s, -1);
	if (rc) {
		/* no teardown after a failed setup */
		dm_inv_release(&s->inv);
		s->inv_ok = false;
	}
	return rc;
}

/* Destroy and re-create: the range and the region must be as before. */
static int recreate(struct dm_wl *w, struct state *s, int c)
{
	uint64_t start = dm_ns_start(s->ns), end = start + dm_ns_size(s->ns);
	struct dm_ctx *ctx = dm_wl_ctx(w);
	char first[128];
	int rc;

	rc = dm_ns_destroy(s->ns);
	s->ns = NULL;
	if (rc) {
		dm_wl_violation(w, c, "destroy", "%s: %s", strerror(-rc),
				dm_why(ctx));
		return rc;
	}
	rc = dm_iomem_overlaps(start, end, first, sizeof(first));
	if (rc > 0)
		dm_wl_violation(w, c, "after_destroy",
				"/proc/iomem still has %s", first);
	if (dm_region_available(ctx) != s->avail)
		dm_wl_violation(w, c, "after_destroy",
				"%s has %llu bytes free, %llu before the create",
				dm_region_name(ctx), dm_region_available(ctx),
				s->avail);
	return create_ns(w, s, c);
}

static void sample_counters(struct dm_wl *w, struct state *s, int c)
{
	struct dm_leak_sample smp;
	char name[64];
	int i, rc;

	rc = dm_leak_sample_take(&smp);
	if (rc) {
		dm_wl_violation(w, c, "leak_counters", "reading them: %s",
				strerror(-rc));
		return;
	}
	if (c < 0)
		return;
	if (dm_leak_series_add(&s->ls, &smp))
		return;
	for (i = 0; i < DM_LEAK_NR; i++) {
		if (!(smp.valid & (1u << i)))
			continue;
		if (i == DM_LEAK_IOMEM) {
			dm_wl_sample(w, "leak.iomem_entries", smp.v[i]);
			continue;
		}
		snprintf(name, sizeof(name), "leak.%s_bytes",
			 dm_leak_info(i)->name);
		dm_wl_sample(w, name, smp.v[i]);
	}
}

/* One cycle: remove, (destroy, create,) add; checked; counters read. */
static int cycle(struct dm_wl *w, int c)
{
	struct state *s = dm_wl_priv(w);
	uint64_t t0 = dm_now_ns();
	char msg[DM_MSG_LEN];
	int rc;

	dm_wl_perturb(w);
	rc = dm_ns_disable(s->ns, NULL);
	if (rc) {
		dm_wl_violation(w, c, "remove", "unbind %s: %s%s%s",
				dm_ns_personality(s->ns), strerror(-rc),
				rc == -EBUSY || rc == -EPERM ? ": " : "",
				rc == -EBUSY || rc == -EPERM ?
				dm_ns_why(s->ns) : "");
		return rc;
	}
	if (dm_inv_check_removed(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, c, "after_remove", "%s", msg);
	if (s->recreate) {
		rc = recreate(w, s, c);
		if (rc)
			return rc;
	} else {
		rc = dm_ns_enable(s->ns, NULL);
		if (rc) {
			dm_wl_violation(w, c, "add", "bind %s: %s",
					dm_ns_personality(s->ns),
					strerror(-rc));
			return rc;
		}
		if (dm_inv_check_added(&s->inv, s->ns, msg, sizeof(msg)))
			dm_wl_violation(w, c, "after_add", "%s", msg);
	}
	if (s->leak_bytes && c >= 0) {
		rc = dm_mod_leak_kind(s->leak_bytes, s->leak_kind, NULL);
		if (rc) {
			dm_wl_violation(w, c, "leak_control",
					"devmem_test.ko leaking %llu bytes: %s",
					s->leak_bytes, strerror(-rc));
			return rc;
		}
	}
	sample_counters(w, s, c);
	dm_wl_sample(w, "cycle_ns", dm_now_ns() - t0);
	return 0;
}

static void judge(struct dm_wl *w, struct state *s)
{
	char name[80], msg[DM_MSG_LEN];
	int i, called = 0;

	if (s->ls.n < 3 || dm_leak_judge(&s->ls, s->v))
		return;
	s->judged = true;
	for (i = 0; i < DM_LEAK_NR; i++) {
		const struct dm_leak_info *inf = dm_leak_info(i);
		const struct dm_slope *sl = &s->v[i].s;

		if (!s->v[i].valid)
			continue;
		/* iomem is in entries: its slope is in the report only */
		if (i != DM_LEAK_IOMEM) {
			snprintf(name, sizeof(name), "leak_slope.%s",
				 inf->name);
			dm_wl_sample(w, name, (double)(long long)(sl->slope +
				     (sl->slope < 0 ? -0.5 : 0.5)));
			snprintf(name, sizeof(name), "leak_slope.%s.lo",
				 inf->name);
			dm_wl_sample(w, name, (double)(long long)(sl->lo +
				     (sl->lo < 0 ? -0.5 : 0.5)));
			snprintf(name, sizeof(name), "leak_slope.%s.hi",
				 inf->name);
			dm_wl_sample(w, name, (double)(long long)(sl->hi +
				     (sl->hi < 0 ? -0.5 : 0.5)));
		}
		if (!s->v[i].called)
			continue;
		called++;
		dm_leak_describe(i, &s->v[i], msg, sizeof(msg));
		/* at the last cycle: results drop cycle -1 (outside cycles) */
		dm_wl_violation(w, s->ls.n - 1, "leak", "%s", msg);
	}
	dm_wl_sample(w, "leaks_called", called);
}

static void check_kmemleak(struct dm_wl *w, struct state *s)
{
	int rc;

	if (s->kml)
		return;
	rc = dm_kmemleak_check(s->kml_first, sizeof(s->kml_first));
	if (rc < 0) {
		snprintf(s->kml_why, sizeof(s->kml_why),
			 "kmemleak: the final scan failed: %s", strerror(-rc));
		return;
	}
	s->kml_reports = rc;
	dm_wl_sample(w, "kmemleak_reports", rc);
	if (rc)
		dm_wl_violation(w, s->ls.n ? (int)s->ls.n - 1 : 0,
				"kmemleak",
				"%d unreferenced objects after the last cycle; the first: %s",
				rc, s->kml_first);
}

static int teardown(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);
	uint64_t freed;
	int rc;

	judge(w, s);
	if (s->ns) {
		dm_wl_destroy_ns(w, s->ns);
		s->ns = NULL;
	}
	/*
	 * After the destroy: whatever the namespace held is gone too.
	 * Before the control's leak is freed: kmemleak must find it.
	 */
	if (s->inv_ok)
		check_kmemleak(w, s);
	if (s->leak_bytes) {
		rc = dm_mod_leak_free(&freed);
		if (rc)
			dm_wl_violation(w, -1, "leak_control",
					"freeing what devmem_test.ko leaked: %s",
					strerror(-rc));
	}
	if (s->inv_ok)
		dm_inv_release(&s->inv);
	return 0;
}

static void report(struct dm_wl *w, FILE *out)
{
	struct state *s = dm_wl_priv(w);
	char msg[DM_MSG_LEN];
	int i;

	if (s->leak_bytes)
		fprintf(out, "  leak detection over %zu cycles (positive control: devmem_test.ko leaks %llu bytes of kmalloc() per cycle%s):\n",
			s->ls.n, s->leak_bytes,
			s->leak_kind == DEVMEM_TEST_LEAK_HIDDEN ?
			", unreferenced for kmemleak" : "");
	else
		fprintf(out, "  leak detection over %zu cycles:\n", s->ls.n);
	if (!s->judged) {
		fprintf(out, "    too few cycles to judge (at least 3)\n");
	} else {
		for (i = 0; i < DM_LEAK_NR; i++) {
			dm_leak_describe(i, &s->v[i], msg, sizeof(msg));
			fprintf(out, "    %s\n", msg);
		}
	}
	if (s->kml_reports >= 0)
		fprintf(out, "  kmemleak: %d unreferenced objects after the cycles\n",
			s->kml_reports);
	else
		fprintf(out, "  %s\n", s->kml_why);
	dm_leak_series_free(&s->ls);
}

const struct dm_workload dm_wl_soak = {
	.name = "soak",
	.summary = "many remove/add (or destroy/create) cycles per mode and memmap placement with leak detection (slab, free pages, memmap, percpu, vmalloc, page tables, iomem; kmemleak)",
	.invariants = "after every step: device and iomem entry present/absent, zone and node spans, nr_memmap_pages back to baseline, no WARN/BUG; after a destroy: iomem free, region space back; at the end: no counter's Theil-Sen slope a leak (interval excludes 0 and slope beyond its floor), no kmemleak report",
	.options = options,
	.metrics = metrics,
	.matrix = matrix,
	.setup = setup,
	.cycle = cycle,
	.teardown = teardown,
	.report = report,
	.priv_size = sizeof(struct state),
	.stress = true,
	.default_cycles = 1000,
	.default_warmup = 5,
};
