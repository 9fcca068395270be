// SPDX-License-Identifier: GPL-2.0
/*
 * Namespace hot-add / hot-remove cycles and the kernel's bookkeeping.
 *
 * For each namespace configuration (devdax with 4K, 2M and 1G alignment,
 * fsdax with the memmap in RAM and on the device), create a tagged
 * namespace in a pmem region, then disable (hot-remove: memunmap_pages)
 * and enable (hot-add: memremap_pages) it DEVMEM_CYCLES times.  After every
 * add and every remove check that
 *   - the namespace's range appears in / disappears from /proc/iomem,
 *   - the dax or pmem device appears / disappears,
 *   - the Device zone's spanned pages cover the live range, never go below
 *     that, and do not move on a remove unless the kernel shrinks spans,
 *   - MemTotal does not move (ZONE_DEVICE pages are never present),
 *   - nr_memmap_pages rises by the expected vmemmap on add and returns
 *     exactly to its baseline on remove (a separate test, since 6.1 lacks
 *     the counter and must report it skipped),
 *   - the kernel logged no WARNING, BUG, Oops or "Call Trace".
 * The namespace is destroyed at the end and the region left as found.
 *
 * Environment: DEVMEM_CYCLES (default 3), DEVMEM_REGION (regionN),
 * DEVMEM_ALLOW_FOREIGN=1 (use the free space of a region that holds
 * namespaces the suite did not create; they are never touched),
 * DEVMEM_NO_WAIT=1 (SKIP rather than wait when another devmem process
 * holds the region), DEVMEM_STATE_DIR (ownership records, default
 * /var/lib/devmem).  SIGINT, SIGTERM, SIGHUP and SIGPIPE stop the cycles
 * and the teardown destroys the namespace and restores the region.
 *
 * Needs root, libndctl and a labelled pmem region (real, or QEMU's
 * -device nvdimm with label-size); SKIPs with the reason otherwise.
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

#define SZ_4K	(4096ul)
#define SZ_2M	(2ul << 20)
#define SZ_1G	(1ul << 30)

FIXTURE(ns_cycle) {
	struct dm_ctx *ctx;
	struct dm_ns *ns;
	struct dm_inv inv;	/* baseline taken before the create */
	unsigned long long region_avail;
	int cycles;
};

FIXTURE_VARIANT(ns_cycle) {
	enum dm_mode mode;
	enum dm_map map;
	unsigned long align;
	unsigned long long size;
};

FIXTURE_VARIANT_ADD(ns_cycle, devdax_4k) {
	.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM, .align = SZ_4K, .size = SZ_1G,
};

FIXTURE_VARIANT_ADD(ns_cycle, devdax_2m) {
	.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM, .align = SZ_2M, .size = SZ_1G,
};

FIXTURE_VARIANT_ADD(ns_cycle, devdax_2m_memmap_dev) {
	.mode = DM_MODE_DEVDAX, .map = DM_MAP_DEV, .align = SZ_2M, .size = SZ_1G,
};

/* 1G alignment puts the data at +1G: a 2G namespace has 1G of it. */
FIXTURE_VARIANT_ADD(ns_cycle, devdax_1g) {
	.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM, .align = SZ_1G,
	.size = 2 * SZ_1G,
};

FIXTURE_VARIANT_ADD(ns_cycle, fsdax_memmap_ram) {
	.mode = DM_MODE_FSDAX, .map = DM_MAP_MEM, .align = SZ_2M, .size = SZ_1G,
};

FIXTURE_VARIANT_ADD(ns_cycle, fsdax_memmap_dev) {
	.mode = DM_MODE_FSDAX, .map = DM_MAP_DEV, .align = SZ_2M, .size = SZ_1G,
};

FIXTURE_SETUP(ns_cycle)
{
	const struct dm_ns_config cfg = {
		.mode = variant->mode, .map = variant->map,
		.align = variant->align, .size = variant->size,
	};
	char why[DM_MSG_LEN], tag[64], id[40];
	int rc;

	self->inv.kmsg.fd = -1;
	self->cycles = dm_env_int("DEVMEM_CYCLES", 3, 1, 100000);
	if (geteuid())
		SKIP(return, "must be run as root");
	dm_catch_signals();
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"),
			      variant->size,
			      (dm_env_int("DEVMEM_ALLOW_FOREIGN", 0, 0, 1) ?
			       DM_SEL_ALLOW_FOREIGN : 0) |
			      (dm_env_int("DEVMEM_NO_WAIT", 0, 0, 1) ?
			       DM_SEL_NO_WAIT : 0), why, sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	if (!dm_region_supports_align(self->ctx, variant->mode,
				      variant->align)) {
		/* a SKIP in a setup runs no teardown: restore here */
		snprintf(why, sizeof(why), "%s", dm_region_name(self->ctx));
		dm_unref(self->ctx);
		self->ctx = NULL;
		SKIP(return, "%s: %s does not support align %lu",
		     why, dm_mode_name(variant->mode), variant->align);
	}
	self->region_avail = dm_region_available(self->ctx);
	ASSERT_EQ(0, dm_inv_init(&self->inv, self->ctx, DM_CHECK_ALL));

	ASSERT_EQ(0, dm_config_id(&cfg, id, sizeof(id)));
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "%s-%d", id, getpid());
	rc = dm_ns_create(self->ctx, &cfg, tag, &self->ns);
	ASSERT_EQ(0, rc) TH_LOG("create %s in %s: %s %s", id,
				dm_region_name(self->ctx), strerror(-rc),
				dm_why(self->ctx));
	TH_LOG("%s: %s (%s) at 0x%llx, %llu bytes, node %d; exact spans %s",
	       id, dm_ns_name(self->ns), dm_ns_personality(self->ns),
	       (unsigned long long)dm_ns_start(self->ns),
	       (unsigned long long)dm_ns_size(self->ns), self->inv.node,
	       self->inv.exact_spans ? "from devmem_test" :
				       "unknown (devmem_test not loaded)");
}

FIXTURE_TEARDOWN(ns_cycle)
{
	int rc;

	if (self->ns) {
		rc = dm_ns_destroy(self->ns);
		EXPECT_EQ(0, rc) TH_LOG("destroy: %s", dm_why(self->ctx));
		self->ns = NULL;
		/* The region is left as it was found. */
		EXPECT_EQ(self->region_avail, dm_region_available(self->ctx));
	}
	dm_inv_release(&self->inv);
	dm_unref(self->ctx);
}

/* Hot-remove and hot-add @cycles times, checking @checks after each. */
static void run_cycles(struct __test_metadata *_metadata,
		       FIXTURE_DATA(ns_cycle) *self, unsigned int checks)
{
	char msg[DM_MSG_LEN];
	int i, rc;

	self->inv.checks = checks;
	EXPECT_EQ(0, dm_inv_check_added(&self->inv, self->ns, msg,
					sizeof(msg)))
		TH_LOG("after create: %s", msg);
	for (i = 0; i < self->cycles; i++) {
		rc = dm_ns_disable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("cycle %d remove: %s: %s", i,
					strerror(-rc), dm_why(self->ctx));
		EXPECT_EQ(0, dm_inv_check_removed(&self->inv, self->ns, msg,
						  sizeof(msg)))
			TH_LOG("cycle %d remove: %s", i, msg);

		rc = dm_ns_enable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("cycle %d add: %s: %s", i,
					strerror(-rc), dm_why(self->ctx));
		EXPECT_EQ(0, dm_inv_check_added(&self->inv, self->ns, msg,
						sizeof(msg)))
			TH_LOG("cycle %d add: %s", i, msg);
	}
}

/*
 * After the namespace's range is removed, the Device zone span returns to
 * what it was before the namespace was added.  Mainline never shrinks the
 * ZONE_DEVICE span (remove_pfn_range_from_zone() returns early for it), so
 * there this is an expected failure; a kernel that claims to shrink it
 * (shrink_device_zone_span, kernel/patches/add-del-device-memory v2) must
 * pass.  It runs first so that, on a fresh boot, the first variant's
 * namespace is what grows the span; later variants that lie inside the
 * span earlier ones left are inconclusive on such a kernel and SKIP.
 */
TEST_F_TIMEOUT(ns_cycle, span_returns_after_remove, 1800)
{
	const struct dm_zone_device *z;
	unsigned long long was, grown, now;
	struct dm_snapshot s;
	int node = self->inv.node, rc;

	z = dm_snapshot_device_zone(&self->inv.base, node);
	was = z ? z->spanned : 0;
	ASSERT_EQ(0, dm_snapshot_take(&s));
	z = dm_snapshot_device_zone(&s, node);
	grown = z ? z->spanned : 0;
	rc = dm_ns_disable(self->ns, NULL);
	ASSERT_EQ(0, rc) TH_LOG("remove: %s: %s", strerror(-rc),
				dm_why(self->ctx));
	ASSERT_EQ(0, dm_snapshot_take(&s));
	z = dm_snapshot_device_zone(&s, node);
	now = z ? z->spanned : 0;
	TH_LOG("Device zone of node %d: %llu pages before the add, %llu after it, %llu after the remove",
	       node, was, grown, now);
	if (!self->inv.shrinks && grown == was)
		SKIP(return, "the namespace lay inside the Device span left by earlier ranges (%llu pages): nothing to shrink on this kernel",
		     was);
	if (!self->inv.shrinks && now != was)
		DM_XFAIL(return, "this kernel never shrinks the ZONE_DEVICE span (%llu -> %llu pages)",
			 was, now);
	EXPECT_EQ(was, now);
}

/*
 * Hot-remove and hot-add the namespace; after every step: its device and
 * /proc/iomem entries, the Device zone span, MemTotal and dmesg.
 */
TEST_F_TIMEOUT(ns_cycle, add_remove_cycles, 1800)
{
	run_cycles(_metadata, self, DM_CHECK_ALL & ~DM_CHECK_MEMMAP);
}

/*
 * nr_memmap_pages (6.11+) rises by the namespace's vmemmap on every add,
 * by the same amount each time, and returns exactly to its baseline on
 * every remove.
 */
TEST_F_TIMEOUT(ns_cycle, memmap_accounting, 1800)
{
	if (self->inv.base.nr_memmap_pages < 0)
		SKIP(return, "kernel has no nr_memmap_pages in /proc/vmstat (added in 6.11)");
	run_cycles(_metadata, self, DM_CHECK_MEMMAP | DM_CHECK_KMSG);
	TH_LOG("an add accounts %lld memmap pages (expected %lld)",
	       self->inv.memmap_rise, self->inv.memmap_expected);
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
