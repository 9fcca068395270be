// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent hot-add and hot-remove: a namespace in each of two pmem
 * regions, each toggled (unbind when bound, bind when not) by its own
 * thread with its own libndctl context, at the same time, and where the
 * devmem_test module is loaded a DEVICE_PRIVATE range added and removed
 * by a third thread.  One thread starts late by a seeded random fraction
 * of the last latency, so the operations overlap at varying phases.
 * After every step, with nothing in flight, the kernel's bookkeeping must
 * equal the sum of the live ranges exactly (devmem_stress.h): devices and
 * /proc/iomem entries, nr_memmap_pages, the Device zone span (start and
 * end pfn with devmem_test), MemTotal, a clean kernel log.
 *
 * Variants: in_phase (both namespaces go down together, come up
 * together), anti_phase (one comes up while the other goes down: the
 * 2019 zone-shrink race).  Tests: the steps; the span after everything
 * is removed (a kernel that never shrinks ZONE_DEVICE spans: XFAIL); a
 * positive control (a namespace unbound behind the checks' back must be
 * reported).
 *
 * Environment: DEVMEM_STEPS (default 20), DEVMEM_SEED (1), DEVMEM_REGION
 * and DEVMEM_REGION_B (regionN for threads A and B), DEVMEM_SIZE (each
 * namespace, default 256M), DEVMEM_ALLOW_FOREIGN=1, DEVMEM_NO_WAIT=1.
 * Needs root, libndctl and two labelled pmem regions; SKIPs otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef DEVMEM_NO_LIBNDCTL
#include "../kselftest.h"

int main(void)
{
	ksft_print_header();
	ksft_exit_skip("built without libndctl: install libndctl-dev and rebuild\n");
}
#else
#include "../kselftest_harness.h"

#include "devmem_stress.h"

#define PRIVATE_SIZE	(128ull << 20)

static long long env_ll(const char *name, long long def, long long min,
			long long max)
{
	const char *s = getenv(name);
	unsigned long long u;
	char *end;
	long long v;

	if (!s || !*s)
		return def;
	v = strtoll(s, &end, 10);
	if (*end && !dm_parse_size(s, &u)) {
		v = u;
		end = "";
	}
	if (*end || v < min || v > max) {
		fprintf(stderr, "# %s=%s is not a number in %lld..%lld; using %lld\n",
			name, s, min, max, def);
		return def;
	}
	return v;
}

FIXTURE(concurrent) {
	struct dm_ctx *ctx_a, *ctx_b;
	struct dm_st st;
	bool st_ok;
	struct dm_st_actor act[3];
	int nact;
	struct dm_crew *crew;
	uint64_t rng;
	int steps;
};

FIXTURE_VARIANT(concurrent) {
	bool anti;
};

FIXTURE_VARIANT_ADD(concurrent, in_phase) {
	.anti = false,
};

FIXTURE_VARIANT_ADD(concurrent, anti_phase) {
	.anti = true,
};

static int check_st(struct dm_st *st, char *msg, size_t len)
{
	return dm_st_check(st, msg, len);
}

FIXTURE_SETUP(concurrent)
{
	static const dm_crew_fn fns[3] = {
		dm_st_actor_op, dm_st_actor_op, dm_st_actor_op,
	};
	unsigned int flags = (env_ll("DEVMEM_ALLOW_FOREIGN", 0, 0, 1) ?
			      DM_SEL_ALLOW_FOREIGN : 0) |
			     (env_ll("DEVMEM_NO_WAIT", 0, 0, 1) ?
			      DM_SEL_NO_WAIT : 0);
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM, .align = 2ul << 20,
	};
	char why[DM_MSG_LEN], msg[DM_MSG_LEN], tag[64];
	struct dm_st_actor *p = &self->act[2];
	void *args[3];
	int i, rc;

	self->st.kmsg.fd = -1;
	p->fd = -1;
	cfg.size = env_ll("DEVMEM_SIZE", 256ll << 20, 16ll << 20, 1ll << 40);
	if (cfg.size % (16ull << 20))
		cfg.size = 256ull << 20;
	self->rng = env_ll("DEVMEM_SEED", 1, 0, 1ll << 62);
	if (geteuid())
		SKIP(return, "must be run as root");
	dm_catch_signals();
	rc = dm_new(&self->ctx_a);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx_a, getenv("DEVMEM_REGION"), cfg.size,
			      flags, why, sizeof(why));
	if (!rc)
		rc = dm_st_other_region(self->ctx_a, getenv("DEVMEM_REGION_B"),
					cfg.size, flags, &self->ctx_b, why,
					sizeof(why));
	if (rc) {
		/* a SKIP in a setup runs no teardown: restore here */
		dm_unref(self->ctx_a);
		self->ctx_a = NULL;
		SKIP(return, "%s", why);
	}
	ASSERT_EQ(0, dm_st_init(&self->st, DM_CHECK_ALL));
	self->st_ok = true;
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "concurrent-%d", getpid());
	for (i = 0; i < 2; i++) {
		struct dm_ctx *ctx = i ? self->ctx_b : self->ctx_a;
		struct dm_st_actor *a = &self->act[i];

		a->name = i ? "b" : "a";
		a->fd = -1;
		rc = dm_ns_create(ctx, &cfg, tag, &a->ns);
		ASSERT_EQ(0, rc) TH_LOG("create in %s: %s %s",
					dm_region_name(ctx), strerror(-rc),
					dm_why(ctx));
		a->live = true;
		a->slot = dm_st_add_ns(&self->st, a->ns);
		ASSERT_LE(0, a->slot);
		ASSERT_EQ(0, check_st(&self->st, msg, sizeof(msg)))
			TH_LOG("after creating %s: %s", a->name, msg);
		TH_LOG("thread %s: %s in %s at %#llx, %llu MiB", a->name,
		       dm_ns_name(a->ns), dm_region_name(ctx),
		       (unsigned long long)dm_ns_start(a->ns),
		       (unsigned long long)dm_ns_size(a->ns) >> 20);
	}
	self->nact = 2;
	if (dm_mod_available() && dm_mod_has_private()) {
		p->name = "private";
		p->fd = dm_mod_open();
		ASSERT_LE(0, p->fd);
		p->size = PRIVATE_SIZE;
		p->nid = dm_region_node(self->ctx_a);
		ASSERT_EQ(0, dm_mod_private_add(p->fd, p->size, p->nid,
						&p->p));
		p->live = true;
		p->slot = dm_st_add_private(&self->st, &p->p);
		ASSERT_LE(0, p->slot);
		ASSERT_EQ(0, check_st(&self->st, msg, sizeof(msg)))
			TH_LOG("after the DEVICE_PRIVATE add: %s", msg);
		self->nact = 3;
	} else {
		TH_LOG("running without the DEVICE_PRIVATE thread: %s",
		       dm_mod_available() ?
		       "the kernel lacks CONFIG_DEVICE_PRIVATE" :
		       "devmem_test.ko is not loaded");
	}
	TH_LOG("Device span: %s; exact spans %s",
	       self->st.shrinks ? "this kernel shrinks it" :
	       "this kernel never shrinks it",
	       self->st.exact ? "from devmem_test" :
	       "unknown (devmem_test not loaded): page counts only");
	if (variant->anti) {
		ASSERT_EQ(0, dm_st_actor_op(&self->act[1], -1))
			TH_LOG("%s", self->act[1].why);
		dm_st_actor_apply(&self->st, &self->act[1]);
		ASSERT_EQ(0, check_st(&self->st, msg, sizeof(msg)))
			TH_LOG("after removing b: %s", msg);
	}
	for (i = 0; i < self->nact; i++)
		args[i] = &self->act[i];
	ASSERT_EQ(0, dm_crew_start(&self->crew, self->nact, fns, args));
}

FIXTURE_TEARDOWN(concurrent)
{
	struct dm_st_actor *p = &self->act[2];
	char msg[DM_MSG_LEN];
	int i, rc;

	dm_crew_stop(self->crew);
	if (p->fd >= 0) {
		if (p->live) {
			EXPECT_EQ(0, dm_mod_private_remove(p->fd, &p->p));
			p->live = false;
			dm_st_actor_apply(&self->st, p);
		}
		close(p->fd);
	}
	for (i = 0; i < 2; i++) {
		struct dm_st_actor *a = &self->act[i];

		if (!a->ns)
			continue;
		rc = dm_ns_destroy(a->ns);
		EXPECT_EQ(0, rc) TH_LOG("destroy %s: %s", a->name,
					strerror(-rc));
		a->ns = NULL;
		if (!rc)
			dm_st_gone(&self->st, a->slot);
	}
	if (self->st_ok) {
		EXPECT_EQ(0, check_st(&self->st, msg, sizeof(msg)))
			TH_LOG("after the destroys: %s", msg);
		dm_st_release(&self->st);
	}
	dm_unref(self->ctx_b);
	dm_unref(self->ctx_a);
}

/* One step: every thread toggles its range at once; then the checks. */
static void run_step(struct __test_metadata *_metadata,
		     FIXTURE_DATA(concurrent) *self, int k, int *overlaps)
{
	struct dm_crew_result res[3];
	uint64_t delay[3] = { 0 };
	char msg[DM_MSG_LEN];
	int i, late;

	late = dm_st_rand(&self->rng) % self->nact;
	delay[late] = self->act[0].lat ?
		      dm_st_rand(&self->rng) % (self->act[0].lat + 1) : 0;
	ASSERT_EQ(0, dm_crew_step(self->crew, k, delay, res));
	for (i = 0; i < self->nact; i++) {
		ASSERT_EQ(0, res[i].rc) TH_LOG("step %d thread %s: %s", k,
					       self->act[i].name,
					       self->act[i].why);
		dm_st_actor_apply(&self->st, &self->act[i]);
	}
	*overlaps += dm_crew_overlap(&res[0], &res[1]);
	EXPECT_EQ(0, check_st(&self->st, msg, sizeof(msg)))
		TH_LOG("step %d: %s", k, msg);
}

/*
 * After every range is removed, the Device zone span is what it was at
 * the start: the hull of what is still mapped.  A kernel that never
 * shrinks ZONE_DEVICE spans keeps the hull of everything added: XFAIL.
 * It runs first, so that on a fresh boot its ranges are what grows the
 * span; later ones that lie inside what earlier ones left SKIP there.
 */
TEST_F_TIMEOUT(concurrent, span_after_all_removed, 1800)
{
	char msg[DM_MSG_LEN];
	int i, overlaps = 0;

	run_step(_metadata, self, 0, &overlaps);
	run_step(_metadata, self, 1, &overlaps);
	for (i = 0; i < self->nact; i++) {
		struct dm_st_actor *a = &self->act[i];

		if (!a->live)
			continue;
		ASSERT_EQ(0, dm_st_actor_op(a, -1)) TH_LOG("%s", a->why);
		dm_st_actor_apply(&self->st, a);
	}
	EXPECT_EQ(0, check_st(&self->st, msg, sizeof(msg))) TH_LOG("%s", msg);
	if (self->st.stale_span)
		DM_XFAIL(return, "this kernel never shrinks the ZONE_DEVICE span: it keeps the hull of every range added");
	if (!self->st.shrinks)
		SKIP(return, "the ranges lay inside the Device span earlier ranges left: nothing to shrink on this kernel");
}

/* DEVMEM_STEPS steps, all invariants after each. */
TEST_F_TIMEOUT(concurrent, steps, 3600)
{
	int steps = env_ll("DEVMEM_STEPS", 20, 2, 1000000);
	int k, overlaps = 0;

	for (k = 0; k < steps && !dm_interrupted(); k++)
		run_step(_metadata, self, k, &overlaps);
	TH_LOG("%d steps, the namespace threads overlapped in %d, %d threads",
	       k, overlaps, self->nact);
}

/*
 * Positive control: thread A's namespace unbound without the tracker
 * knowing must be reported (iomem, memmap); bound again, all agree.
 */
TEST_F_TIMEOUT(concurrent, detector_fires, 600)
{
	struct dm_st_actor *a = &self->act[0];
	char msg[DM_MSG_LEN];
	int n;

	ASSERT_TRUE(a->live);
	ASSERT_EQ(0, dm_ns_disable(a->ns, NULL));
	n = check_st(&self->st, msg, sizeof(msg));
	EXPECT_LT(0, n) TH_LOG("a namespace unbound behind the checks' back went unnoticed");
	TH_LOG("caught: %s", msg);
	ASSERT_EQ(0, dm_ns_enable(a->ns, NULL));
	EXPECT_EQ(0, check_st(&self->st, msg, sizeof(msg))) TH_LOG("%s", msg);
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
