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
 * namespaces the suite did not create; they are never touched).
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

/* Report a known, documented kernel limitation instead of a failure. */
#define DM_XFAIL(statement, fmt, ...) do { \
	snprintf(_metadata->results->reason, \
		 sizeof(_metadata->results->reason), fmt, ##__VA_ARGS__); \
	TH_LOG("XFAIL: " fmt, ##__VA_ARGS__); \
	_metadata->exit_code = KSFT_XFAIL; \
	statement; \
} while (0)

static int env_int(const char *name, int def, int min, int max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	if (*end || v < min || v > max) {
		fprintf(stderr, "# %s=%s is not a number in %d..%d; using %d\n",
			name, s, min, max, def);
		return def;
	}
	return v;
}

FIXTURE(ns_cycle) {
	struct dm_ctx *ctx;
	struct dm_ns *ns;
	struct dm_kmsg kmsg;
	struct dm_snapshot base;	/* before the namespace existed */
	unsigned long long region_avail;
	unsigned long long ns_pages;
	int cycles;
	int node;
	bool shrinks;
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

	self->cycles = env_int("DEVMEM_CYCLES", 3, 1, 100000);
	if (geteuid())
		SKIP(return, "must be run as root");
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"),
			      variant->size,
			      env_int("DEVMEM_ALLOW_FOREIGN", 0, 0, 1), why,
			      sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	if (!dm_region_supports_align(self->ctx, variant->mode,
				      variant->align))
		SKIP(return, "%s: %s does not support align %lu",
		     dm_region_name(self->ctx), dm_mode_name(variant->mode),
		     variant->align);
	self->node = dm_region_node(self->ctx);
	self->shrinks = dm_kernel_shrinks_device_span();
	self->region_avail = dm_region_available(self->ctx);
	ASSERT_EQ(0, dm_kmsg_open(&self->kmsg));
	ASSERT_EQ(0, dm_snapshot_take(&self->base));

	ASSERT_EQ(0, dm_config_id(&cfg, id, sizeof(id)));
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "%s-%d", id, getpid());
	rc = dm_ns_create(self->ctx, &cfg, tag, &self->ns);
	ASSERT_EQ(0, rc) TH_LOG("create %s in %s: %s", id,
				dm_region_name(self->ctx), strerror(-rc));
	self->ns_pages = dm_ns_size(self->ns) / SZ_4K;
	TH_LOG("%s: %s (%s) at 0x%llx, %llu pages, node %d", id,
	       dm_ns_name(self->ns), dm_ns_personality(self->ns),
	       (unsigned long long)dm_ns_start(self->ns), self->ns_pages,
	       self->node);
}

FIXTURE_TEARDOWN(ns_cycle)
{
	if (self->ns) {
		EXPECT_EQ(0, dm_ns_destroy(self->ns));
		self->ns = NULL;
		/* The region is left as it was found. */
		EXPECT_EQ(self->region_avail, dm_region_available(self->ctx));
	}
	dm_kmsg_close(&self->kmsg);
	dm_unref(self->ctx);
}

static bool variant_is_devdax(FIXTURE_DATA(ns_cycle) *self)
{
	return dm_ns_config(self->ns)->mode == DM_MODE_DEVDAX;
}

static void check_kmsg(struct __test_metadata *_metadata,
		       FIXTURE_DATA(ns_cycle) *self, const char *when)
{
	char msg[DM_MSG_LEN] = "";

	EXPECT_EQ(0, dm_kmsg_check(&self->kmsg, msg, sizeof(msg)))
		TH_LOG("%s: kernel logged: %s", when, msg);
}

/*
 * The Device zone of the namespace's node spans at least the live range;
 * it never has present pages.  Returns the spanned pages.
 */
static unsigned long long check_span(struct __test_metadata *_metadata,
				     FIXTURE_DATA(ns_cycle) *self,
				     const struct dm_snapshot *s, bool live,
				     const char *when)
{
	const struct dm_zone_device *z = dm_snapshot_device_zone(s, self->node);

	if (!live && !z)
		return 0;
	ASSERT_NE(NULL, z) TH_LOG("%s: no Device zone for node %d",
				  when, self->node);
	EXPECT_EQ(0, z->present);
	if (live)
		EXPECT_GE(z->spanned, self->ns_pages)
			TH_LOG("%s: Device zone spans %llu pages, the namespace alone %llu",
			       when, z->spanned, self->ns_pages);
	return z->spanned;
}

/* After a hot-add: the namespace is visible everywhere it should be. */
static unsigned long long check_added(struct __test_metadata *_metadata,
				      FIXTURE_DATA(ns_cycle) *self,
				      unsigned long long prev_spanned,
				      const char *when)
{
	uint64_t start = dm_ns_start(self->ns);
	uint64_t end = start + dm_ns_size(self->ns);
	struct dm_snapshot s;
	unsigned long long spanned;
	char dev[64];

	ASSERT_TRUE(dm_ns_is_enabled(self->ns));
	EXPECT_EQ(0, dm_ns_devname(self->ns, dev, sizeof(dev)))
		TH_LOG("%s: no dax/pmem device for %s", when,
		       dm_ns_personality(self->ns));
	EXPECT_TRUE(dm_iomem_has(start, end, dm_ns_name(self->ns)))
		TH_LOG("%s: %s missing from /proc/iomem", when,
		       dm_ns_name(self->ns));
	if (variant_is_devdax(self))
		EXPECT_TRUE(dm_iomem_has(start, end, dev))
			TH_LOG("%s: %s missing from /proc/iomem", when, dev);
	ASSERT_EQ(0, dm_snapshot_take(&s));
	EXPECT_EQ(self->base.mem_total_kb, s.mem_total_kb);
	spanned = check_span(_metadata, self, &s, true, when);
	EXPECT_GE(spanned, prev_spanned)
		TH_LOG("%s: Device zone shrank on an add: %llu -> %llu",
		       when, prev_spanned, spanned);
	check_kmsg(_metadata, self, when);
	return spanned;
}

/* After a hot-remove: nothing of the namespace is left but its config. */
static unsigned long long check_removed(struct __test_metadata *_metadata,
					FIXTURE_DATA(ns_cycle) *self,
					unsigned long long added_spanned,
					const char *when)
{
	uint64_t start = dm_ns_start(self->ns);
	uint64_t end = start + dm_ns_size(self->ns);
	char first[128] = "", dev[64];
	struct dm_snapshot s;
	unsigned long long spanned;

	ASSERT_FALSE(dm_ns_is_enabled(self->ns));
	EXPECT_EQ(-ENODEV, dm_ns_devname(self->ns, dev, sizeof(dev)))
		TH_LOG("%s: %s still present", when, dev);
	EXPECT_EQ(0, dm_iomem_overlaps(start, end, first, sizeof(first)))
		TH_LOG("%s: /proc/iomem still has %s", when, first);
	ASSERT_EQ(0, dm_snapshot_take(&s));
	EXPECT_EQ(self->base.mem_total_kb, s.mem_total_kb);
	spanned = check_span(_metadata, self, &s, false, when);
	if (self->shrinks) {
		EXPECT_LE(spanned, added_spanned);
	} else {
		EXPECT_EQ(added_spanned, spanned)
			TH_LOG("%s: Device zone span moved on a remove on a kernel that never shrinks it",
			       when);
	}
	check_kmsg(_metadata, self, when);
	return spanned;
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
	const struct dm_zone_device *before, *added, *after;
	unsigned long long was, grown, now;
	struct dm_snapshot s;
	int rc;

	ASSERT_EQ(0, dm_snapshot_take(&s));
	added = dm_snapshot_device_zone(&s, self->node);
	grown = added ? added->spanned : 0;
	rc = dm_ns_disable(self->ns, NULL);
	ASSERT_EQ(0, rc) TH_LOG("remove: %s", strerror(-rc));
	ASSERT_EQ(0, dm_snapshot_take(&s));
	before = dm_snapshot_device_zone(&self->base, self->node);
	after = dm_snapshot_device_zone(&s, self->node);
	was = before ? before->spanned : 0;
	now = after ? after->spanned : 0;
	TH_LOG("Device zone of node %d: %llu pages before the add, %llu after the remove",
	       self->node, was, now);
	if (!self->shrinks && grown == was)
		SKIP(return, "the namespace lay inside the Device span left by earlier ranges (%llu pages): nothing to shrink on this kernel",
		     was);
	if (!self->shrinks && now != was)
		DM_XFAIL(return, "this kernel never shrinks the ZONE_DEVICE span (%llu -> %llu pages)",
			 was, now);
	EXPECT_EQ(was, now);
	check_kmsg(_metadata, self, "span after remove");
}

/* Hot-remove and hot-add the namespace; check after every step. */
TEST_F_TIMEOUT(ns_cycle, add_remove_cycles, 1800)
{
	unsigned long long added;
	char when[64];
	int i, rc;

	added = check_added(_metadata, self, 0, "after create");
	for (i = 0; i < self->cycles; i++) {
		snprintf(when, sizeof(when), "cycle %d remove", i);
		rc = dm_ns_disable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("%s: %s", when, strerror(-rc));
		check_removed(_metadata, self, added, when);

		snprintf(when, sizeof(when), "cycle %d add", i);
		rc = dm_ns_enable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("%s: %s", when, strerror(-rc));
		added = check_added(_metadata, self, 0, when);
	}
}

/*
 * nr_memmap_pages (6.11+) rises by the namespace's vmemmap on every add,
 * by the same amount each time, and returns exactly to its baseline on
 * every remove.
 */
TEST_F_TIMEOUT(ns_cycle, memmap_accounting, 1800)
{
	long long expected, rise = -1;
	struct dm_snapshot s;
	int i, rc;

	if (self->base.nr_memmap_pages < 0)
		SKIP(return, "kernel has no nr_memmap_pages in /proc/vmstat (added in 6.11)");
	expected = dm_expected_memmap_pages(dm_ns_config(self->ns),
					    self->ns_pages);
	for (i = 0; i <= self->cycles; i++) {
		ASSERT_EQ(0, dm_snapshot_take(&s));
		if (rise < 0) {
			rise = s.nr_memmap_pages - self->base.nr_memmap_pages;
			TH_LOG("add accounts %lld memmap pages (expected %lld)",
			       rise, expected);
			EXPECT_GT(rise, 0);
			if (expected >= 0)
				EXPECT_EQ(expected, rise);
		} else {
			EXPECT_EQ(self->base.nr_memmap_pages + rise,
				  s.nr_memmap_pages)
				TH_LOG("cycle %d: add accounted %lld pages, the first %lld",
				       i, s.nr_memmap_pages -
				       self->base.nr_memmap_pages, rise);
		}
		if (i == self->cycles)
			break;
		rc = dm_ns_disable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("cycle %d remove: %s", i,
					strerror(-rc));
		ASSERT_EQ(0, dm_snapshot_take(&s));
		EXPECT_EQ(self->base.nr_memmap_pages, s.nr_memmap_pages)
			TH_LOG("cycle %d: %lld memmap pages left after remove",
			       i, s.nr_memmap_pages -
			       self->base.nr_memmap_pages);
		rc = dm_ns_enable(self->ns, NULL);
		ASSERT_EQ(0, rc) TH_LOG("cycle %d add: %s", i, strerror(-rc));
	}
	check_kmsg(_metadata, self, "memmap cycles");
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
