// SPDX-License-Identifier: GPL-2.0
/*
 * A short soak: many hot-remove/hot-add cycles of one namespace with every
 * invariant checked after every step, and leak detection over the cycles
 * (devmem_leak.h).
 *
 * For a devdax namespace with its memmap in RAM and an fsdax one with its
 * memmap on the device (256 MiB each), disable and enable the namespace
 * DEVMEM_SOAK_CYCLES times (default 50).  After every step the library's
 * invariants must hold (device and /proc/iomem entry, zone and node spans,
 * nr_memmap_pages back to baseline, no WARNING/BUG in the kernel log).
 * After every cycle the leak counters are read (slab reclaimable and not,
 * free pages with the per-cpu lists, nr_memmap_pages, Percpu, VmallocUsed,
 * PageTables, /proc/iomem entries); at the end no counter's Theil-Sen
 * slope may be a leak (its 99% interval excludes zero and it is beyond
 * the counter's floor), and where the kernel has kmemleak a scan must
 * report nothing.
 *
 * leak_control is the detector's positive control: with devmem_test.ko
 * loaded (API 2), the module leaks 16 KiB of kmalloc() objects per cycle
 * and the soak must call a leak (SKIP without the module, and on a KASAN
 * kernel, whose slab counters are not judged).  kmemleak_control is the
 * kmemleak scan's: the module keeps 4 KiB per cycle where kmemleak finds
 * no reference (API 3) and the scan must report them (SKIP without
 * kmemleak).  Both run on the first variant only.
 *
 * Environment: DEVMEM_SOAK_CYCLES (default 50), DEVMEM_REGION,
 * DEVMEM_ALLOW_FOREIGN=1, DEVMEM_NO_WAIT=1, DEVMEM_STATE_DIR, as
 * devmem_cycle_test.c.  Needs root, libndctl and a labelled pmem region;
 * SKIPs with the reason otherwise.
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

#include "devmem.h"
#include "devmem_leak.h"
#include "devmem_module.h"

#define SZ_2M		(2ul << 20)
#define SZ_256M		(256ull << 20)
#define LEAK_PER_CYCLE	(16u << 10)

FIXTURE(soak) {
	struct dm_ctx *ctx;
	struct dm_ns *ns;
	struct dm_inv inv;
	struct dm_leak_series ls;
	unsigned long long region_avail;
	bool leaking;
	int cycles;
};

FIXTURE_VARIANT(soak) {
	enum dm_mode mode;
	enum dm_map map;
	bool control;		/* runs the positive control */
};

FIXTURE_VARIANT_ADD(soak, devdax_memmap_ram) {
	.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM, .control = true,
};

FIXTURE_VARIANT_ADD(soak, fsdax_memmap_dev) {
	.mode = DM_MODE_FSDAX, .map = DM_MAP_DEV,
};

FIXTURE_SETUP(soak)
{
	const struct dm_ns_config cfg = {
		.mode = variant->mode, .map = variant->map,
		.align = SZ_2M, .size = SZ_256M,
	};
	char why[DM_MSG_LEN], tag[64], id[40];
	int rc;

	self->inv.kmsg.fd = -1;
	dm_leak_series_init(&self->ls);
	self->cycles = dm_env_int("DEVMEM_SOAK_CYCLES", 50, 3, 1000000);
	if (geteuid())
		SKIP(return, "must be run as root");
	dm_catch_signals();
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"), cfg.size,
			      (dm_env_int("DEVMEM_ALLOW_FOREIGN", 0, 0, 1) ?
			       DM_SEL_ALLOW_FOREIGN : 0) |
			      (dm_env_int("DEVMEM_NO_WAIT", 0, 0, 1) ?
			       DM_SEL_NO_WAIT : 0), why, sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	self->region_avail = dm_region_available(self->ctx);
	ASSERT_EQ(0, dm_inv_init(&self->inv, self->ctx, DM_CHECK_ALL));
	ASSERT_EQ(0, dm_config_id(&cfg, id, sizeof(id)));
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "soak-%s-%d", id, getpid());
	rc = dm_ns_create(self->ctx, &cfg, tag, &self->ns);
	ASSERT_EQ(0, rc) TH_LOG("create %s in %s: %s %s", id,
				dm_region_name(self->ctx), strerror(-rc),
				dm_why(self->ctx));
}

FIXTURE_TEARDOWN(soak)
{
	uint64_t freed;
	int rc;

	if (self->leaking)
		EXPECT_EQ(0, dm_mod_leak_free(&freed));
	if (self->ns) {
		rc = dm_ns_destroy(self->ns);
		EXPECT_EQ(0, rc) TH_LOG("destroy: %s", dm_why(self->ctx));
		self->ns = NULL;
		EXPECT_EQ(self->region_avail, dm_region_available(self->ctx));
	}
	dm_leak_series_free(&self->ls);
	dm_inv_release(&self->inv);
	dm_unref(self->ctx);
}

/*
 * Cycle the namespace, checking every step, leaking @leak bytes per cycle
 * through devmem_test.ko, then judge the counters into @v.
 */
static void soak(struct __test_metadata *_metadata, FIXTURE_DATA(soak) *self,
		 unsigned int leak, unsigned int kind,
		 struct dm_leak_verdict *v)
{
	struct dm_leak_sample smp;
	char msg[DM_MSG_LEN];
	int i, rc;

	EXPECT_EQ(0, dm_inv_check_added(&self->inv, self->ns, msg,
					sizeof(msg)))
		TH_LOG("after create: %s", msg);
	for (i = 0; i < self->cycles && !dm_interrupted(); i++) {
		rc = dm_ns_disable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("cycle %d remove: %s: %s", i,
					strerror(-rc), dm_ns_why(self->ns));
		ASSERT_EQ(0, dm_inv_check_removed(&self->inv, self->ns, msg,
						  sizeof(msg)))
			TH_LOG("cycle %d remove: %s", i, msg);
		rc = dm_ns_enable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("cycle %d add: %s", i, strerror(-rc));
		ASSERT_EQ(0, dm_inv_check_added(&self->inv, self->ns, msg,
						sizeof(msg)))
			TH_LOG("cycle %d add: %s", i, msg);
		if (leak) {
			self->leaking = true;
			ASSERT_EQ(0, dm_mod_leak_kind(leak, kind, NULL));
		}
		ASSERT_EQ(0, dm_leak_sample_take(&smp));
		ASSERT_EQ(0, dm_leak_series_add(&self->ls, &smp));
	}
	ASSERT_EQ(self->cycles, i) TH_LOG("interrupted");
	ASSERT_EQ(0, dm_leak_judge(&self->ls, v));
	for (i = 0; i < DM_LEAK_NR; i++) {
		dm_leak_describe(i, &v[i], msg, sizeof(msg));
		TH_LOG("%s", msg);
	}
}

/* No counter trends like a leak; kmemleak (if any) reports nothing. */
TEST_F_TIMEOUT(soak, no_leak, 3600)
{
	struct dm_leak_verdict v[DM_LEAK_NR];
	char why[DM_MSG_LEN], first[DM_MSG_LEN];
	int i, kml, n;

	kml = dm_kmemleak_begin(why, sizeof(why));
	TH_LOG("%s", why);
	soak(_metadata, self, 0, DEVMEM_TEST_LEAK_SLAB, v);
	for (i = 0; i < DM_LEAK_NR; i++)
		EXPECT_FALSE(v[i].called)
			TH_LOG("leak called: %s", dm_leak_info(i)->name);
	if (!kml) {
		n = dm_kmemleak_check(first, sizeof(first));
		EXPECT_EQ(0, n) TH_LOG("kmemleak: %s", n < 0 ?
				       strerror(-n) : first);
	}
}

/* The positive control: a 16 KiB per cycle leak is called. */
TEST_F_TIMEOUT(soak, leak_control, 3600)
{
	struct dm_leak_verdict v[DM_LEAK_NR];

	if (!variant->control)
		SKIP(return, "the positive control runs on the first variant");
	if (!dm_mod_has_leak())
		SKIP(return, "devmem_test.ko with DEVMEM_TEST_LEAK (API 2) is not loaded");
	if (self->ls.unjudged & (1u << DM_LEAK_SUNRECLAIM))
		SKIP(return, "KASAN: the slab and free-page slopes are not judged (kmemleak_control stands in)");
	soak(_metadata, self, LEAK_PER_CYCLE, DEVMEM_TEST_LEAK_SLAB, v);
	EXPECT_TRUE(v[DM_LEAK_SUNRECLAIM].called || v[DM_LEAK_FREE].called)
		TH_LOG("a %u bytes per cycle leak was not called", LEAK_PER_CYCLE);
}

/*
 * kmemleak's positive control: 4 KiB of kmalloc() objects a cycle, held
 * where its scan finds no reference, are reported, from devmem_test.  Not
 * every one: kmemleak is conservative, and a stale copy of an address (in
 * a task's stack, say) counts as a reference; 52 and 73 of 80 were
 * reported in the runs made on the debug kernel.  The wait puts every
 * object past kmemleak's minimum age of 5 s.
 */
TEST_F_TIMEOUT(soak, kmemleak_control, 3600)
{
	char why[DM_MSG_LEN], first[DM_MSG_LEN];
	struct dm_leak_verdict v[DM_LEAK_NR];
	int n;

	if (!variant->control)
		SKIP(return, "the positive control runs on the first variant");
	if (dm_kmemleak_begin(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (!dm_mod_has_feature(DEVMEM_TEST_F_LEAK_HIDDEN))
		SKIP(return, "devmem_test.ko with DEVMEM_TEST_LEAK_HIDDEN (API 3) is not loaded");
	soak(_metadata, self, 4096, DEVMEM_TEST_LEAK_HIDDEN, v);
	sleep(6);
	n = dm_kmemleak_check(first, sizeof(first));
	TH_LOG("kmemleak: %d unreferenced objects after %d cycles leaking 4 x 1 KiB", n,
	       self->cycles);
	EXPECT_GE(n, 1);
	EXPECT_NE(NULL, strstr(first, "devmem_test")) TH_LOG("the first report: %s", first);
}

TEST_HARNESS_MAIN
#endif
