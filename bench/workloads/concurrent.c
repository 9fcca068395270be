// SPDX-License-Identifier: GPL-2.0
/*
 * concurrent: namespaces on two regions hot-removed and hot-added at the
 * same time from two threads, and where the devmem_test module is loaded
 * DEVICE_PRIVATE ranges added and removed in a third: the 2019 zone-shrink
 * crash scenario (one namespace's memmap initialised outside the hotplug
 * lock while another's removal moves the zone span), run long.
 *
 * A cycle is two steps.  In a step every thread toggles its range (bound
 * -> unbind, unbound -> bind) after a start barrier, one of them delayed
 * by a seeded random fraction of the last step's latency so that the
 * operations overlap at varying phases; after an end barrier the system
 * is quiescent and the checks run exactly (devmem_stress.h): iomem and
 * devices, nr_memmap_pages = baseline + the live ranges' memmap, Device
 * zone span = the hull of the live ranges (of every range added, on a
 * kernel that never shrinks it), no WARN/BUG.  Variant in-phase: both
 * namespaces go down together and come up together; anti-phase: one comes
 * up while the other goes down.
 *
 * The run's region is thread A's; the workload selects and locks a second
 * region for thread B with its own libndctl context, and releases it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devmem_stress.h"
#include "workload.h"

#define ACT_A		0
#define ACT_B		1
#define ACT_PRIVATE	2

#define M(n, u, b, h) \
	{ .name = n, .unit = u, .better = b, .help = h }

static const struct dm_wl_metric metrics[] = {
	M("a.add_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "thread A's bind (region 1)"),
	M("a.remove_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "thread A's unbind"),
	M("b.add_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "thread B's bind (region 2)"),
	M("b.remove_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "thread B's unbind"),
	M("private.add_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "DEVICE_PRIVATE add (devmem_test ioctl)"),
	M("private.remove_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "DEVICE_PRIVATE remove"),
	M("cycle_wall_ns", DM_UNIT_NS, DM_BETTER_NONE,
	  "wall time of a cycle, checks included"),
	M("steps", DM_UNIT_COUNT, DM_BETTER_HIGHER,
	  "steps run (two per cycle)"),
	M("overlaps", DM_UNIT_COUNT, DM_BETTER_HIGHER,
	  "steps whose two namespace operations overlapped in time"),
	M("overlaps_private", DM_UNIT_COUNT, DM_BETTER_HIGHER,
	  "steps whose DEVICE_PRIVATE operation overlapped a namespace's"),
	M("stale_span_checks", DM_UNIT_COUNT, DM_BETTER_NONE,
	  "checks where the Device span kept removed ranges (kernel never shrinks it)"),
	{ 0 },
};

static const struct dm_wl_option options[] = {
	{ "phases", DM_WL_OPT_STRING, "in-phase,anti-phase", 0, 0,
	  "variants: in-phase (both down, both up), anti-phase (one up while the other goes down)" },
	{ "size", DM_WL_OPT_SIZE, "256M", 16 << 20, 1ll << 40,
	  "each namespace's size (a multiple of 16M)" },
	{ "mode", DM_WL_OPT_STRING, "devdax", 0, 0, "devdax or fsdax" },
	{ "map", DM_WL_OPT_STRING, "mem", 0, 0,
	  "where the memmap lives: mem or dev" },
	{ "align", DM_WL_OPT_SIZE, "2M", 4096, 1 << 30,
	  "devdax align: 4K, 2M or 1G" },
	{ "region-b", DM_WL_OPT_STRING, "", 0, 0,
	  "thread B's region (regionN); empty: any other labelled pmem region" },
	{ "allow-foreign", DM_WL_OPT_BOOL, "0", 0, 1,
	  "use region B's free space even if it holds namespaces the suite did not create" },
	{ "private", DM_WL_OPT_STRING, "auto", 0, 0,
	  "DEVICE_PRIVATE thread: auto (when devmem_test can), on (required), off" },
	{ "private-size", DM_WL_OPT_SIZE, "128M", 2 << 20, 64ll << 30,
	  "DEVICE_PRIVATE range size (a multiple of 2M)" },
	{ "seed", DM_WL_OPT_INT, "1", 0, 1ll << 62,
	  "seed of the delays between the threads" },
	{ "max-delay-us", DM_WL_OPT_INT, "0", 0, 10000000,
	  "largest delay of a thread's start; 0: the last step's latency of thread A" },
	{ "control", DM_WL_OPT_BOOL, "0", 0, 1,
	  "positive control: in cycle 0 unbind A behind the checks' back; they must report it" },
	{ 0 },
};


struct state {
	struct dm_ctx *ctx_b;
	struct dm_st st;
	bool st_ok;
	struct dm_st_actor act[3];
	int nact;
	struct dm_crew *crew;
	uint64_t rng;
	int steps, overlaps, overlaps_private;
	char private_note[DM_MSG_LEN];
};

static int parse_ns(struct dm_run *run, struct dm_ns_config *ns)
{
	const char *mode = dm_run_opt_str(run, "mode");
	const char *map = dm_run_opt_str(run, "map");

	memset(ns, 0, sizeof(*ns));
	if (!strcmp(mode, "devdax")) {
		ns->mode = DM_MODE_DEVDAX;
	} else if (!strcmp(mode, "fsdax")) {
		ns->mode = DM_MODE_FSDAX;
	} else {
		fprintf(stderr, "devmem-bench: concurrent: -O mode=%s: devdax or fsdax\n",
			mode);
		return -EINVAL;
	}
	if (!strcmp(map, "mem")) {
		ns->map = DM_MAP_MEM;
	} else if (!strcmp(map, "dev")) {
		ns->map = DM_MAP_DEV;
	} else {
		fprintf(stderr, "devmem-bench: concurrent: -O map=%s: mem or dev\n",
			map);
		return -EINVAL;
	}
	ns->size = dm_run_opt_int(run, "size");
	ns->align = ns->mode == DM_MODE_DEVDAX ?
		    (unsigned long)dm_run_opt_int(run, "align") : 2ul << 20;
	if (ns->align != 4096 && ns->align != 2ul << 20 &&
	    ns->align != 1ul << 30) {
		fprintf(stderr, "devmem-bench: concurrent: -O align: 4K, 2M or 1G\n");
		return -EINVAL;
	}
	if (ns->size % (16ull << 20) || ns->size % ns->align) {
		fprintf(stderr, "devmem-bench: concurrent: -O size must be a multiple of 16M and of the align\n");
		return -EINVAL;
	}
	if (dm_run_opt_int(run, "private-size") % (2 << 20)) {
		fprintf(stderr, "devmem-bench: concurrent: -O private-size must be a multiple of 2M\n");
		return -EINVAL;
	}
	return 0;
}

static unsigned int region_flags(struct dm_run *run)
{
	return dm_run_opt_int(run, "allow-foreign") ? DM_SEL_ALLOW_FOREIGN : 0;
}

static const char *region_b(struct dm_run *run)
{
	const char *s = dm_run_opt_str(run, "region-b");

	return s && *s ? s : NULL;
}

static int supported(struct dm_run *run, char *why, size_t len)
{
	struct dm_ns_config ns;
	struct dm_ctx *b;
	int rc;

	if (parse_ns(run, &ns))
		return -EINVAL;
	rc = dm_st_other_region(dm_run_ctx(run), region_b(run), ns.size,
				region_flags(run), &b, why, len);
	if (rc)
		return rc;
	dm_unref(b);
	return 0;
}

static int matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	const char *phases = dm_run_opt_str(run, "phases");
	struct dm_ns_config ns;
	char *copy, *tok, *save = NULL;
	int n = 0, rc = -EINVAL;

	if (parse_ns(run, &ns))
		return -EINVAL;
	copy = strdup(phases);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "in-phase") && strcmp(tok, "anti-phase")) {
			fprintf(stderr, "devmem-bench: concurrent: -O phases: '%s' is not in-phase or anti-phase\n",
				tok);
			goto out;
		}
		if (n == max)
			goto out;
		memset(&cfgs[n], 0, sizeof(cfgs[n]));
		snprintf(cfgs[n].variant, sizeof(cfgs[n].variant), "%s", tok);
		cfgs[n].has_ns = true;
		cfgs[n].ns = ns;
		cfgs[n].warmup = -1;
		cfgs[n].need = ns.size;
		cfgs[n].priv = !strcmp(tok, "anti-phase");
		n++;
	}
	if (!n)
		fprintf(stderr, "devmem-bench: concurrent: -O phases is empty\n");
	else
		rc = n;
out:
	free(copy);
	return rc;
}

/* ---- Setup and teardown ---------------------------------------------- */

static int check(struct dm_wl *w, struct state *s, int c, const char *what)
{
	char msg[DM_MSG_LEN];
	int n = dm_st_check(&s->st, msg, sizeof(msg));

	return dm_wl_checked(w, c, what, n, msg);
}

static int create_ns(struct dm_wl *w, struct state *s, struct dm_ctx *ctx,
		     struct dm_st_actor *a, const char *name)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	char what[32];
	int rc;

	rc = dm_ns_create(ctx, &cfg->ns, dm_wl_tag(w), &a->ns);
	if (rc) {
		dm_wl_violation(w, -1, "create",
				"creating thread %s's namespace in %s: %s: %s",
				name, dm_region_name(ctx), strerror(-rc),
				dm_why(ctx));
		return rc;
	}
	a->name = name;
	a->live = true;
	a->slot = dm_st_add_ns(&s->st, a->ns);
	if (a->slot < 0)
		return a->slot;
	snprintf(what, sizeof(what), "after_create_%s", name);
	return check(w, s, -1, what);
}

static int setup_private(struct dm_wl *w, struct state *s)
{
	struct dm_run *run = dm_wl_run(w);
	const char *want = dm_run_opt_str(run, "private");
	struct dm_st_actor *a = &s->act[ACT_PRIVATE];
	int rc;

	if (!strcmp(want, "off")) {
		snprintf(s->private_note, sizeof(s->private_note),
			 "off (-O private=off)");
		return 0;
	}
	if (strcmp(want, "on") && strcmp(want, "auto")) {
		dm_wl_violation(w, -1, "options",
				"-O private=%s: auto, on or off", want);
		return -EINVAL;
	}
	if (!dm_mod_available() || !dm_mod_has_private()) {
		snprintf(s->private_note, sizeof(s->private_note),
			 "not run: %s",
			 !dm_mod_available() ?
			 "devmem_test.ko is not loaded (vm/run-bench.sh --module)" :
			 "the kernel lacks CONFIG_DEVICE_PRIVATE");
		if (!strcmp(want, "on")) {
			dm_wl_violation(w, -1, "private", "%s",
					s->private_note);
			return -EOPNOTSUPP;
		}
		return 0;
	}
	a->fd = dm_mod_open();
	if (a->fd < 0) {
		dm_wl_violation(w, -1, "private", "opening %s: %s",
				DEVMEM_TEST_DEV, strerror(-a->fd));
		return a->fd;
	}
	a->name = "private";
	a->size = dm_run_opt_int(run, "private-size");
	a->nid = dm_region_node(dm_wl_ctx(w));
	rc = dm_mod_private_add(a->fd, a->size, a->nid, &a->p);
	if (rc) {
		dm_wl_violation(w, -1, "private", "DEVICE_PRIVATE add: %s",
				strerror(-rc));
		close(a->fd);
		a->fd = -1;
		return rc;
	}
	a->live = true;
	a->slot = dm_st_add_private(&s->st, &a->p);
	if (a->slot < 0)
		return a->slot;
	s->nact = 3;
	snprintf(s->private_note, sizeof(s->private_note),
		 "%llu MiB on node %d at %#llx",
		 (unsigned long long)a->size >> 20, a->nid,
		 (unsigned long long)a->p.start);
	return check(w, s, -1, "after_private_add");
}

static int teardown(struct dm_wl *w);

static int do_setup(struct dm_wl *w)
{
	static const dm_crew_fn fns[3] = {
		dm_st_actor_op, dm_st_actor_op, dm_st_actor_op,
	};
	const struct dm_wl_config *cfg = dm_wl_config(w);
	struct state *s = dm_wl_priv(w);
	struct dm_run *run = dm_wl_run(w);
	void *args[3];
	char why[DM_MSG_LEN];
	int rc, i;

	s->act[ACT_PRIVATE].fd = -1;
	s->rng = dm_run_opt_int(run, "seed") ^ (cfg->priv * 0x51ed27ull);
	rc = dm_st_init(&s->st, DM_CHECK_ALL);
	if (rc)
		return rc;
	s->st_ok = true;
	rc = dm_st_other_region(dm_wl_ctx(w), region_b(run), cfg->ns.size,
				region_flags(run), &s->ctx_b, why, sizeof(why));
	if (rc) {
		dm_wl_violation(w, -1, "region_b", "%s", why);
		return rc;
	}
	s->nact = 2;
	rc = create_ns(w, s, dm_wl_ctx(w), &s->act[ACT_A], "a");
	if (!rc)
		rc = create_ns(w, s, s->ctx_b, &s->act[ACT_B], "b");
	if (!rc)
		rc = setup_private(w, s);
	if (rc)
		return rc;
	if (cfg->priv) {	/* anti-phase: B starts down */
		rc = dm_st_actor_op(&s->act[ACT_B], -1);
		if (rc) {
			dm_wl_violation(w, -1, "remove", "%s",
					s->act[ACT_B].why);
			return rc;
		}
		dm_st_set_live(&s->st, s->act[ACT_B].slot, false);
		rc = check(w, s, -1, "after_remove_b");
		if (rc)
			return rc;
	}
	for (i = 0; i < s->nact; i++)
		args[i] = &s->act[i];
	rc = dm_crew_start(&s->crew, s->nact, fns, args);
	if (rc)
		dm_wl_violation(w, -1, "threads", "starting %d threads: %s",
				s->nact, strerror(-rc));
	return rc;
}

/* The front end calls no teardown after a failed setup: undo it here. */
static int setup(struct dm_wl *w)
{
	int rc = do_setup(w);

	if (rc)
		teardown(w);
	return rc;
}

static void count(struct dm_wl *w, const char *metric, int v)
{
	dm_wl_sample(w, metric, v);
}

static int teardown(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);
	struct dm_st_actor *p = &s->act[ACT_PRIVATE];
	int i, rc;

	dm_crew_stop(s->crew);
	s->crew = NULL;
	if (p->fd >= 0) {
		if (p->live) {
			rc = dm_mod_private_remove(p->fd, &p->p);
			if (rc)
				dm_wl_violation(w, -1, "private",
						"DEVICE_PRIVATE remove: %s",
						strerror(-rc));
			else
				dm_st_set_live(&s->st, p->slot, false);
		}
		close(p->fd);
		p->fd = -1;
	}
	for (i = ACT_A; i <= ACT_B; i++) {
		struct dm_st_actor *a = &s->act[i];
		struct dm_ctx *ctx = i == ACT_A ? dm_wl_ctx(w) : s->ctx_b;

		if (!a->ns)
			continue;
		rc = dm_ns_destroy(a->ns);
		a->ns = NULL;
		if (rc)
			dm_wl_violation(w, -1, "destroy",
					"destroying thread %s's namespace: %s: %s",
					a->name, strerror(-rc), dm_why(ctx));
		else
			dm_st_gone(&s->st, a->slot);
	}
	if (s->st_ok) {
		check(w, s, -1, "after_destroy");
		count(w, "stale_span_checks", s->st.stale_checks);
		dm_st_release(&s->st);
	}
	dm_unref(s->ctx_b);
	s->ctx_b = NULL;
	count(w, "steps", s->steps);
	count(w, "overlaps", s->overlaps);
	if (s->nact == 3)
		count(w, "overlaps_private", s->overlaps_private);
	return 0;
}

/* ---- A cycle ------------------------------------------------------------ */

/*
 * Positive control: A goes down without the tracker being told.  Its
 * iomem entries, memmap and (on a shrinking kernel) span are then not
 * what the checks expect: they must say so.
 */
static int control(struct dm_wl *w, struct state *s, int c)
{
	struct dm_st_actor *a = &s->act[ACT_A];
	char msg[DM_MSG_LEN];
	int n, rc;

	if (!a->live && dm_st_actor_op(a, -1))
		return -EIO;
	dm_st_set_live(&s->st, a->slot, true);
	n = dm_st_check(&s->st, msg, sizeof(msg));
	if (n)		/* the tracker and the kernel agree again first */
		return check(w, s, c, "control_setup");
	rc = dm_st_actor_op(a, -1);
	if (rc) {
		dm_wl_violation(w, c, "control", "%s", a->why);
		return rc;
	}
	n = dm_st_check(&s->st, msg, sizeof(msg));
	if (n > 0)
		dm_wl_violation(w, c, "control",
				"positive control caught (%d): %s", n, msg);
	else
		dm_wl_violation(w, c, "control_missed",
				"the checks did not notice %s unbound behind their back",
				dm_ns_name(a->ns));
	rc = dm_st_actor_op(a, -1);		/* up again, as the tracker thinks */
	if (rc) {
		dm_wl_violation(w, c, "control", "%s", a->why);
		return rc;
	}
	return check(w, s, c, "control_restore");
}

static int step(struct dm_wl *w, struct state *s, int c, int k)
{
	struct dm_run *run = dm_wl_run(w);
	struct dm_crew_result res[3];
	uint64_t delay[3] = { 0 }, max;
	char metric[32], what[32];
	int i, late, rc = 0;

	max = dm_run_opt_int(run, "max-delay-us") * 1000ull;
	if (!max)
		max = s->act[ACT_A].lat;
	/* one thread, drawn from the seed, starts late by up to max */
	late = dm_st_rand(&s->rng) % s->nact;
	delay[late] = max ? dm_st_rand(&s->rng) % (max + 1) : 0;
	rc = dm_crew_step(s->crew, 2 * c + k, delay, res);
	if (rc)
		return rc;
	s->steps++;
	for (i = 0; i < s->nact; i++) {
		struct dm_st_actor *a = &s->act[i];

		if (res[i].rc) {
			dm_wl_violation(w, c, a->was_add ? "add" : "remove",
					"thread %s: %s", a->name, a->why);
			rc = res[i].rc;
			continue;
		}
		snprintf(metric, sizeof(metric), "%s.%s_ns", a->name,
			 a->was_add ? "add" : "remove");
		dm_wl_sample(w, metric, a->lat);
		dm_st_actor_apply(&s->st, a);
	}
	if (dm_crew_overlap(&res[ACT_A], &res[ACT_B]))
		s->overlaps++;
	if (s->nact == 3 &&
	    (dm_crew_overlap(&res[ACT_PRIVATE], &res[ACT_A]) ||
	     dm_crew_overlap(&res[ACT_PRIVATE], &res[ACT_B])))
		s->overlaps_private++;
	snprintf(what, sizeof(what), "after_step_%d", k);
	if (check(w, s, c, what))
		return -EIO;
	return rc;
}

static int cycle(struct dm_wl *w, int c)
{
	struct state *s = dm_wl_priv(w);
	uint64_t t0 = dm_now_ns();
	int rc;

	rc = step(w, s, c, 0);
	if (!rc)
		rc = step(w, s, c, 1);
	if (!rc && c == 0 && dm_run_opt_int(dm_wl_run(w), "control"))
		rc = control(w, s, c);
	if (!rc)
		dm_wl_sample(w, "cycle_wall_ns", dm_now_ns() - t0);
	return rc;
}

static void report(struct dm_wl *w, FILE *out)
{
	struct state *s = dm_wl_priv(w);

	fprintf(out, "  steps %d, the two namespaces' operations overlapped in %d (%.0f%%)\n",
		s->steps, s->overlaps,
		s->steps ? 100.0 * s->overlaps / s->steps : 0.0);
	fprintf(out, "  DEVICE_PRIVATE thread: %s", s->private_note);
	if (s->nact == 3)
		fprintf(out, "; overlapped a namespace's operation in %d steps",
			s->overlaps_private);
	fputc('\n', out);
	fprintf(out, "  Device span: %s\n", s->st.shrinks ?
		"this kernel shrinks it: checked against the live ranges' hull" :
		s->st.stale_checks ?
		"this kernel never shrinks it: checked against the hull of every range added" :
		"checked against the hull of every range added");
}

const struct dm_workload dm_wl_concurrent = {
	.name = "concurrent",
	.summary = "namespaces on two regions (and DEVICE_PRIVATE) added and removed at once from parallel threads",
	.invariants = "after every step, quiescent: devices and iomem entries of exactly the live ranges, nr_memmap_pages = baseline + their memmap, Device zone span = their hull (start and end pfn with devmem_test), no WARN/BUG",
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
	.default_cycles = 1000,
	.default_warmup = 0,
};
