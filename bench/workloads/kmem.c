// SPDX-License-Identifier: GPL-2.0
/*
 * kmem: a devdax namespace of ours handed to the page allocator as System
 * RAM (dax kmem) and back, every cycle, one memory block at a time.
 *
 * Per configuration (-O zones x -O memmap) one devdax namespace of
 * (blocks + 1) memory blocks is created (the devdax data offset costs the
 * first block).  Each cycle:
 *   1. reconfigure to System RAM: unbind device_dax, bind kmem through
 *      libdaxctl with auto_online_blocks "offline" for the bind (restored
 *      right after), memmap_on_memory per the configuration; every block
 *      offline, MemTotal and the zones unchanged, nr_memmap_pages up by
 *      the blocks' memmap, "System RAM (kmem)" in /proc/iomem;
 *   2. online every block to ZONE_MOVABLE (online_movable) or ZONE_NORMAL
 *      (online_kernel), each timed: valid_zones is that zone, MemTotal up
 *      by exactly the onlined pages (less the memmap with
 *      memmap_on_memory), the zone's present/managed up by exactly the
 *      blocks (present includes the memmap pages) and its span covering
 *      them, the other zone untouched;
 *   3. Movable only (-O touch=SIZE): a child fills SIZE of anonymous memory
 *      with a pattern; the Movable zone's free pages must drop (the pages
 *      sit in our blocks, the only Movable memory of the node);
 *   4. offline every block, each timed: offlining Movable must migrate the
 *      child's pages and succeed; the child then finds every word intact;
 *      MemTotal and both zones (present, managed, spanned, start_pfn)
 *      exactly back;
 *   5. reconfigure to devdax: unbind kmem (remove_memory), bind device_dax:
 *      the memory blocks gone, no kmem resource, /dev/daxX.Y back,
 *      nr_memmap_pages, MemTotal and the zones exactly as in devdax mode.
 * After every step the kernel log has no WARNING, BUG or Oops.  Only the
 * dax device of the namespace this run created is reconfigured and only
 * its own memory blocks are onlined or offlined.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmem_kmem.h"
#include "workload.h"

#define METRIC(n, u, b, h, i) \
	{ .name = n, .unit = u, .better = b, .help = h, .indent = i }

static const struct dm_wl_metric metrics[] = {
	METRIC("reconfigure_ram_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "devdax -> System RAM (device_dax unbind + kmem bind)", false),
	METRIC("kmem_bind_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "kmem bind: add_memory_driver_managed", true),
	METRIC("online_block_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "online one memory block", false),
	METRIC("offline_block_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "offline one memory block (with migration when touched)",
	       false),
	METRIC("reconfigure_devdax_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "System RAM -> devdax (kmem unbind + device_dax bind)", false),
	METRIC("kmem_unbind_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "kmem unbind: remove_memory", true),
	METRIC("touched_pages", DM_UNIT_PAGES, DM_BETTER_NONE,
	       "the toucher's pages that landed in our Movable blocks", false),
	METRIC("migrated_pages", DM_UNIT_PAGES, DM_BETTER_NONE,
	       "pages migrated by the offline (pgmigrate_success)", false),
	METRIC("blocks", DM_UNIT_COUNT, DM_BETTER_NONE,
	       "memory blocks of the namespace cycled", false),
	{ 0 },
};

static const struct dm_wl_option options[] = {
	{ "zones", DM_WL_OPT_STRING, "movable,normal", 0, 0,
	  "zones to online to: movable, normal (comma-separated)" },
	{ "memmap", DM_WL_OPT_STRING, "ram,block", 0, 0,
	  "memmap placement: ram, block (memmap_on_memory; needs memory_hotplug.memmap_on_memory=1)" },
	{ "blocks", DM_WL_OPT_INT, "2", 1, 64,
	  "memory blocks per namespace" },
	{ "touch", DM_WL_OPT_SIZE, "64M", 0, 1ll << 40,
	  "Movable: bytes a child holds in the blocks while they go offline (0: none)" },
	{ 0 },
};

struct state {
	struct dm_ns *ns;
	struct dm_kmem *k;
	struct dm_kmem_snap base;
	struct dm_kmem_toucher t;
	enum dm_kmem_zone zone;
	bool mom;
	unsigned long long touch;
	unsigned long long region_avail;
	long long touched, migrated;	/* last cycle, for the report */
	int offline_retries;
};

static unsigned long long block_size(void)
{
	char v[32] = "";
	FILE *f;

	f = fopen("/sys/devices/system/memory/block_size_bytes", "re");
	if (!f)
		return 0;
	if (!fgets(v, sizeof(v), f))
		v[0] = '\0';
	fclose(f);
	return strtoull(v, NULL, 16);
}

static int supported(struct dm_run *run, char *why, size_t len)
{
	(void)run;
	return dm_kmem_supported(false, why, len);
}

/* @list has @word as a comma-separated item. */
static bool has_item(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ',') && (!p[n] || p[n] == ','))
			return true;
		p += n;
	}
	return false;
}

static bool only_items(const char *list, const char *const *words)
{
	char buf[128], *tok, *save;
	int i;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; words[i]; i++)
			if (!strcmp(tok, words[i]))
				break;
		if (!words[i])
			return false;
	}
	return true;
}

static int matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	static const char *const zone_words[] = { "movable", "normal", NULL };
	static const char *const map_words[] = { "ram", "block", NULL };
	const char *zones = dm_run_opt_str(run, "zones");
	const char *maps = dm_run_opt_str(run, "memmap");
	long long blocks = dm_run_opt_int(run, "blocks");
	unsigned long long bs = block_size();
	int z, m, n = 0;

	if (!only_items(zones, zone_words) || !*zones) {
		fprintf(stderr, "devmem-bench: kmem: -O zones=%s: not a list of movable, normal\n",
			zones);
		return -EINVAL;
	}
	if (!only_items(maps, map_words) || !*maps) {
		fprintf(stderr, "devmem-bench: kmem: -O memmap=%s: not a list of ram, block\n",
			maps);
		return -EINVAL;
	}
	if (!bs) {
		fprintf(stderr, "devmem-bench: kmem: no memory block size (kernel without memory hotplug?)\n");
		return -EINVAL;
	}
	for (z = 0; z < 2; z++) {
		if (!has_item(zones, zone_words[z]))
			continue;
		for (m = 0; m < 2; m++) {
			struct dm_wl_config *c;

			if (!has_item(maps, map_words[m]))
				continue;
			if (n == max)
				return -EINVAL;
			c = &cfgs[n++];
			memset(c, 0, sizeof(*c));
			snprintf(c->variant, sizeof(c->variant),
				 "%s-memmap-%s", zone_words[z], map_words[m]);
			c->has_ns = true;
			c->ns.mode = DM_MODE_DEVDAX;
			c->ns.map = DM_MAP_MEM;
			c->ns.align = 2ul << 20;
			c->ns.size = (blocks + 1) * bs;
			c->warmup = 0;
			c->priv = z * 2 + m;
			if (z && dm_kmem_normal_hangs(dm_region_name(dm_run_ctx(run))))
				snprintf(c->skipped, sizeof(c->skipped), "%s",
					 DM_KMEM_NORMAL_HANGS_WHY);
			else if (m && !dm_kmem_memmap_on_memory_enabled())
				snprintf(c->skipped, sizeof(c->skipped),
					 "memmap on the hot-added memory needs memory_hotplug.memmap_on_memory=1 on the kernel command line (vm/run.sh --append)");
		}
	}
	return n;
}

static int setup(struct dm_wl *w)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	struct dm_run *run = dm_wl_run(w);
	struct dm_ctx *ctx = dm_wl_ctx(w);
	struct state *s = dm_wl_priv(w);
	char why[DM_MSG_LEN];
	int rc;

	s->zone = cfg->priv / 2 ? DM_KMEM_NORMAL : DM_KMEM_MOVABLE;
	s->mom = cfg->priv % 2;
	s->touch = s->zone == DM_KMEM_MOVABLE ?
		   dm_run_opt_int(run, "touch") : 0;
	s->t.pid = -1;
	s->region_avail = dm_region_available(ctx);
	rc = dm_ns_create(ctx, &cfg->ns, dm_wl_tag(w), &s->ns);
	if (rc) {
		s->ns = NULL;
		dm_wl_violation(w, -1, "create", "creating the namespace in %s: %s: %s",
				dm_region_name(ctx), strerror(-rc),
				dm_why(ctx));
		return rc;
	}
	rc = dm_kmem_open(s->ns, &s->k, why, sizeof(why));
	if (rc) {
		dm_wl_violation(w, -1, "open", "%s", why);
		goto destroy_ns;
	}
	if (s->touch > (unsigned long long)dm_kmem_nr_blocks(s->k) *
		       dm_kmem_block_size(s->k) / 2) {
		dm_wl_violation(w, -1, "options",
				"-O touch=%llu: more than half of the %d blocks onlined",
				s->touch, dm_kmem_nr_blocks(s->k));
		rc = -EINVAL;
		goto close_k;
	}
	rc = dm_kmem_snap_take(dm_kmem_node(s->k), &s->base);
	if (rc) {
		dm_wl_violation(w, -1, "snapshot", "%s", strerror(-rc));
		goto close_k;
	}
	if (!dm_run_quiet(run))
		printf("  %s: %d memory blocks of %llu MiB (memory%lu..) on node %d, %s, memmap %s\n",
		       dm_kmem_devname(s->k), dm_kmem_nr_blocks(s->k),
		       dm_kmem_block_size(s->k) >> 20,
		       dm_kmem_block_id(s->k, 0), dm_kmem_node(s->k),
		       dm_kmem_zone_name(s->zone),
		       s->mom ? "on the block" : "in RAM");
	return 0;

close_k:
	dm_kmem_close(s->k, why, sizeof(why));
	s->k = NULL;
destroy_ns:
	dm_ns_destroy(s->ns);
	s->ns = NULL;
	return rc;
}

/* A failed step: say what, and stop the configuration. */
static int step_failed(struct dm_wl *w, int c, const char *step, int rc,
		       const char *why)
{
	dm_wl_violation(w, c, step, "%s: %s", strerror(-rc), why);
	return rc;
}

static void checked(struct dm_wl *w, int c, const char *check, int bad,
		    const char *msg)
{
	if (bad < 0)
		dm_wl_violation(w, c, check, "cannot read the state: %s",
				strerror(-bad));
	else if (bad)
		dm_wl_violation(w, c, check, "%d violations; the first: %s",
				bad, msg);
}

static int cycle(struct dm_wl *w, int c)
{
	struct state *s = dm_wl_priv(w);
	struct dm_kmem *k = s->k;
	char why[DM_MSG_LEN];
	struct dm_kmem_snap mid, a, b;
	uint64_t t_unbind, t_bind, t;
	int i, rc, nb = dm_kmem_nr_blocks(k);

	rc = dm_kmem_to_ram(k, s->mom, &mid, &t_unbind, &t_bind, why,
			    sizeof(why));
	if (rc)
		return step_failed(w, c, "reconfigure_ram", rc, why);
	dm_wl_sample(w, "reconfigure_ram_ns", t_unbind + t_bind);
	dm_wl_sample(w, "kmem_bind_ns", t_bind);
	checked(w, c, "after_reconfigure_ram",
		dm_kmem_check_ram(k, &s->base, &mid, why, sizeof(why)), why);

	for (i = 0; i < nb; i++) {
		rc = dm_kmem_block_online(k, i, s->zone, &t);
		if (rc) {
			snprintf(why, sizeof(why), "memory%lu to %s",
				 dm_kmem_block_id(k, i),
				 dm_kmem_zone_name(s->zone));
			return step_failed(w, c, "online", rc, why);
		}
		dm_wl_sample(w, "online_block_ns", t);
	}
	checked(w, c, "after_online",
		dm_kmem_check_online(k, &s->base, s->zone, why, sizeof(why)),
		why);

	if (s->touch) {
		dm_kmem_snap_take(dm_kmem_node(k), &b);
		rc = dm_kmem_toucher_start(&s->t, s->touch, dm_kmem_node(k));
		if (rc)
			return step_failed(w, c, "toucher", rc,
					   "starting the child");
		dm_kmem_snap_take(dm_kmem_node(k), &a);
		s->touched = b.zone[DM_KMEM_MOVABLE].free -
			     a.zone[DM_KMEM_MOVABLE].free;
		dm_wl_sample(w, "touched_pages", s->touched);
		/* Without pages in our blocks the offline migrates nothing */
		if (s->touched < (long long)(s->touch / 4096 / 2))
			dm_wl_violation(w, c, "touch",
					"only %lld of the toucher's %llu pages landed in the Movable blocks",
					s->touched, s->touch / 4096);
	}

	dm_kmem_snap_take(dm_kmem_node(k), &b);
	for (i = nb - 1; i >= 0; i--) {
		rc = dm_kmem_block_offline(k, i,
					   s->zone == DM_KMEM_NORMAL ? 20 : 1,
					   &t);
		if (rc) {
			dm_kmem_toucher_kill(&s->t);
			snprintf(why, sizeof(why), "memory%lu (%s)%s",
				 dm_kmem_block_id(k, i),
				 dm_kmem_zone_name(s->zone),
				 (rc == -EBUSY || rc == -EINTR) && s->zone == DM_KMEM_NORMAL ?
				 ": an unmovable page after 20 tries (the kernel does not promise to offline ZONE_NORMAL; a node with CPUs takes kernel allocations there)" : "");
			return step_failed(w, c, "offline", rc, why);
		}
		dm_wl_sample(w, "offline_block_ns", t);
	}
	dm_kmem_snap_take(dm_kmem_node(k), &a);
	if (s->touch) {
		s->migrated = a.pgmigrate_success - b.pgmigrate_success;
		dm_wl_sample(w, "migrated_pages", s->migrated);
		rc = dm_kmem_toucher_finish(&s->t, why, sizeof(why));
		if (rc)
			dm_wl_violation(w, c, "migrated_data", "%s", why);
	}
	checked(w, c, "after_offline",
		dm_kmem_check_offline(k, &s->base, why, sizeof(why)), why);

	rc = dm_kmem_to_devdax(k, &t_unbind, &t_bind, why, sizeof(why));
	if (rc)
		return step_failed(w, c, "reconfigure_devdax", rc, why);
	dm_wl_sample(w, "reconfigure_devdax_ns", t_unbind + t_bind);
	dm_wl_sample(w, "kmem_unbind_ns", t_unbind);
	checked(w, c, "after_reconfigure_devdax",
		dm_kmem_check_devdax(k, &s->base, why, sizeof(why)), why);
	return 0;
}

static int teardown(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);
	struct dm_ctx *ctx = dm_wl_ctx(w);
	char why[DM_MSG_LEN];
	int rc, ret = 0;

	dm_kmem_toucher_kill(&s->t);
	if (s->k)
		dm_wl_sample(w, "blocks", dm_kmem_nr_blocks(s->k));
	rc = dm_kmem_close(s->k, why, sizeof(why));
	s->k = NULL;
	if (rc) {
		/* never destroy a namespace that is still System RAM */
		dm_wl_violation(w, -1, "teardown",
				"returning to devdax: %s: %s; the namespace is left",
				strerror(-rc), why);
		return rc;
	}
	if (s->ns) {
		rc = dm_ns_destroy(s->ns);
		s->ns = NULL;
		if (rc) {
			dm_wl_violation(w, -1, "destroy", "%s: %s",
					strerror(-rc), dm_why(ctx));
			ret = rc;
		} else if (dm_region_available(ctx) != s->region_avail) {
			dm_wl_violation(w, -1, "after_destroy",
					"%s has %llu bytes free, %llu before",
					dm_region_name(ctx),
					dm_region_available(ctx),
					s->region_avail);
		}
	}
	return ret;
}

static void report(struct dm_wl *w, FILE *out)
{
	struct state *s = dm_wl_priv(w);

	if (s->touch)
		fprintf(out, "  toucher: %llu bytes; last cycle %lld pages in the Movable blocks, %lld migrated by the offline\n",
			s->touch, s->touched, s->migrated);
}

const struct dm_workload dm_wl_kmem = {
	.name = "kmem",
	.summary = "dax kmem: devdax -> System RAM, online per block to Movable/Normal, offline (migrating touched pages), back to devdax",
	.invariants = "block states and valid_zones; MemTotal up by exactly the onlined pages and back; Movable/Normal present, managed, span exact; nr_memmap_pages; kmem iomem resource; touched data intact across migration; no WARN",
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
	.default_cycles = 100,
	.default_warmup = 0,
};
