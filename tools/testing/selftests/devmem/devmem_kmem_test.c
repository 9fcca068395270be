// SPDX-License-Identifier: GPL-2.0
/*
 * dax kmem: a devdax namespace of ours as System RAM and back.
 *
 * For ZONE_MOVABLE and ZONE_NORMAL, with the memmap in RAM and (where the
 * kernel was booted with memory_hotplug.memmap_on_memory=1) on the
 * hot-added memory itself: create a devdax namespace of two memory blocks
 * (plus one for the devdax data offset), then DEVMEM_CYCLES times
 * reconfigure it to System RAM (kmem; auto_online_blocks is "offline" for
 * the bind and restored after), online its blocks, offline them and
 * reconfigure it to devdax, checking after every step the memory block
 * states and valid_zones, MemTotal (up by exactly the onlined pages and
 * back), the zone's present, managed and span (exactly back), the other
 * zone untouched, nr_memmap_pages, the "System RAM (kmem)" resource and the
 * kernel log.  Offlining ZONE_MOVABLE while a child holds data in the
 * blocks must migrate it intact.  A positive control shows the offline
 * check catches a block left online.
 *
 * Only the dax device of the namespace this test created is reconfigured,
 * only its own memory blocks are onlined or offlined.
 *
 * Environment: DEVMEM_CYCLES (default 3), DEVMEM_REGION, DEVMEM_ALLOW_FOREIGN,
 * DEVMEM_NO_WAIT, DEVMEM_STATE_DIR as devmem_cycle_test.
 * Needs root, libndctl, libdaxctl, the kmem driver and a labelled pmem
 * region; SKIPs with the reason otherwise.
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
#include "devmem_kmem.h"

#define NR_BLOCKS	2
#define TOUCH_BYTES	(32ul << 20)

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

FIXTURE(kmem) {
	struct dm_ctx *ctx;
	struct dm_ns *ns;
	struct dm_kmem *k;
	struct dm_kmem_snap base;
	struct dm_kmem_toucher t;
	unsigned long long region_avail;
	int cycles;
	/* a ZONE_NORMAL block the kernel could not offline */
	bool stuck;
};

FIXTURE_VARIANT(kmem) {
	enum dm_kmem_zone zone;
	bool memmap_on_memory;
};

FIXTURE_VARIANT_ADD(kmem, movable) {
	.zone = DM_KMEM_MOVABLE, .memmap_on_memory = false,
};

FIXTURE_VARIANT_ADD(kmem, normal) {
	.zone = DM_KMEM_NORMAL, .memmap_on_memory = false,
};

FIXTURE_VARIANT_ADD(kmem, movable_memmap_on_memory) {
	.zone = DM_KMEM_MOVABLE, .memmap_on_memory = true,
};

FIXTURE_VARIANT_ADD(kmem, normal_memmap_on_memory) {
	.zone = DM_KMEM_NORMAL, .memmap_on_memory = true,
};

FIXTURE_SETUP(kmem)
{
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM, .align = 2ul << 20,
	};
	char why[DM_MSG_LEN], tag[64];
	int rc;

	self->t.pid = -1;
	self->t.go_fd = self->t.done_fd = -1;
	self->cycles = dm_env_int("DEVMEM_CYCLES", 3, 1, 100000);
	if (geteuid())
		SKIP(return, "must be run as root");
	rc = dm_kmem_supported(variant->memmap_on_memory, why, sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	cfg.size = (NR_BLOCKS + 1) * block_size();
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
	if (variant->zone == DM_KMEM_NORMAL &&
	    dm_kmem_normal_hangs(dm_region_name(self->ctx))) {
		dm_unref(self->ctx);
		self->ctx = NULL;
		SKIP(return, DM_KMEM_NORMAL_HANGS_WHY);
	}
	self->region_avail = dm_region_available(self->ctx);
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "kmem-%d", getpid());
	rc = dm_ns_create(self->ctx, &cfg, tag, &self->ns);
	ASSERT_EQ(0, rc) TH_LOG("create devdax %llu bytes in %s: %s %s",
				cfg.size, dm_region_name(self->ctx),
				strerror(-rc), dm_why(self->ctx));
	rc = dm_kmem_open(self->ns, &self->k, why, sizeof(why));
	ASSERT_EQ(0, rc) TH_LOG("%s", why);
	ASSERT_EQ(0, dm_kmem_snap_take(dm_kmem_node(self->k), &self->base));
	TH_LOG("%s in %s (%s): %d blocks of %llu MiB from memory%lu, node %d",
	       dm_kmem_devname(self->k), dm_region_name(self->ctx),
	       dm_region_device_type(dm_region_name(self->ctx), why,
				     sizeof(why)),
	       dm_kmem_nr_blocks(self->k), dm_kmem_block_size(self->k) >> 20,
	       dm_kmem_block_id(self->k, 0), dm_kmem_node(self->k));
}

FIXTURE_TEARDOWN(kmem)
{
	char why[DM_MSG_LEN];
	int rc;

	dm_kmem_toucher_kill(&self->t);
	rc = dm_kmem_close(self->k, why, sizeof(why));
	if (rc && self->stuck)
		TH_LOG("%s stays System RAM (a ZONE_NORMAL block holds an unmovable page): its namespace is left until a reboot",
		       dm_kmem_devname(self->k));
	else
		EXPECT_EQ(0, rc) TH_LOG("back to devdax: %s", why);
	self->k = NULL;
	if (self->ns && !rc) {
		rc = dm_ns_destroy(self->ns);
		EXPECT_EQ(0, rc) TH_LOG("destroy: %s", dm_why(self->ctx));
		EXPECT_EQ(self->region_avail, dm_region_available(self->ctx));
	}
	self->ns = NULL;
	dm_unref(self->ctx);
}

static void to_ram(struct __test_metadata *_metadata,
		   FIXTURE_DATA(kmem) *self, bool mom, int c)
{
	struct dm_kmem_snap mid;
	char why[DM_MSG_LEN];
	int rc;

	rc = dm_kmem_to_ram(self->k, mom, &mid, NULL, NULL, why, sizeof(why));
	ASSERT_EQ(0, rc) TH_LOG("cycle %d to System RAM: %s", c, why);
	EXPECT_EQ(0, dm_kmem_check_ram(self->k, &self->base, &mid, why,
				       sizeof(why)))
		TH_LOG("cycle %d as System RAM: %s", c, why);
}

static void online_all(struct __test_metadata *_metadata,
		       FIXTURE_DATA(kmem) *self, enum dm_kmem_zone zone, int c)
{
	char why[DM_MSG_LEN];
	int i, rc;

	for (i = 0; i < dm_kmem_nr_blocks(self->k); i++) {
		rc = dm_kmem_block_online(self->k, i, zone, NULL);
		ASSERT_EQ(0, rc) TH_LOG("cycle %d online memory%lu to %s: %s",
					c, dm_kmem_block_id(self->k, i),
					dm_kmem_zone_name(zone), strerror(-rc));
	}
	EXPECT_EQ(0, dm_kmem_check_online(self->k, &self->base, zone, why,
					  sizeof(why)))
		TH_LOG("cycle %d online: %s", c, why);
}

/*
 * False when a ZONE_NORMAL block could not be offlined: the kernel does
 * not promise that (unmovable allocations may land in it), the caller
 * reports it as an expected failure.
 */
static bool offline_all(struct __test_metadata *_metadata,
			FIXTURE_DATA(kmem) *self, enum dm_kmem_zone zone,
			int c)
{
	char why[DM_MSG_LEN];
	int i, rc;

	for (i = dm_kmem_nr_blocks(self->k) - 1; i >= 0; i--) {
		rc = dm_kmem_block_offline(self->k, i,
					   zone == DM_KMEM_NORMAL ? 20 : 1,
					   NULL);
		if ((rc == -EBUSY || rc == -EINTR) && zone == DM_KMEM_NORMAL) {
			self->stuck = true;
			TH_LOG("cycle %d: memory%lu (Normal) stays online: an unmovable page",
			       c, dm_kmem_block_id(self->k, i));
			return false;
		}
		ASSERT_EQ(0, rc) TH_LOG("cycle %d offline memory%lu (%s): %s",
					c, dm_kmem_block_id(self->k, i),
					dm_kmem_zone_name(zone), strerror(-rc));
	}
	EXPECT_EQ(0, dm_kmem_check_offline(self->k, &self->base, why,
					   sizeof(why)))
		TH_LOG("cycle %d offline: %s", c, why);
	return true;
}

#define STUCK_WHY "the kernel could not offline a ZONE_NORMAL block (unmovable allocations may use it; only ZONE_MOVABLE is offlinable by design)"

static void to_devdax(struct __test_metadata *_metadata,
		      FIXTURE_DATA(kmem) *self, int c)
{
	char why[DM_MSG_LEN];
	int rc;

	rc = dm_kmem_to_devdax(self->k, NULL, NULL, why, sizeof(why));
	ASSERT_EQ(0, rc) TH_LOG("cycle %d to devdax: %s", c, why);
	EXPECT_EQ(0, dm_kmem_check_devdax(self->k, &self->base, why,
					  sizeof(why)))
		TH_LOG("cycle %d back in devdax: %s", c, why);
}

/*
 * devdax -> System RAM -> online -> offline -> devdax, every invariant
 * after every step, DEVMEM_CYCLES times.
 */
TEST_F_TIMEOUT(kmem, cycles, 1800)
{
	int c;

	for (c = 0; c < self->cycles; c++) {
		to_ram(_metadata, self, variant->memmap_on_memory, c);
		online_all(_metadata, self, variant->zone, c);
		if (!offline_all(_metadata, self, variant->zone, c))
			DM_XFAIL(return, "cycle %d: " STUCK_WHY, c);
		to_devdax(_metadata, self, c);
	}
}

/*
 * Offlining ZONE_MOVABLE blocks that hold a process's pages migrates them:
 * the offline succeeds and the data is intact.  The pages must have landed
 * in the blocks (the node's only Movable memory) for this to mean anything.
 */
TEST_F_TIMEOUT(kmem, offline_migrates_data, 1800)
{
	struct dm_kmem_snap b, a;
	char why[DM_MSG_LEN];
	long long in_blocks;

	if (variant->zone != DM_KMEM_MOVABLE)
		SKIP(return, "ZONE_NORMAL offline may meet unmovable pages: not asserted");
	to_ram(_metadata, self, variant->memmap_on_memory, 0);
	online_all(_metadata, self, variant->zone, 0);
	ASSERT_EQ(0, dm_kmem_snap_take(dm_kmem_node(self->k), &b));
	ASSERT_EQ(0, dm_kmem_toucher_start(&self->t, TOUCH_BYTES,
					   dm_kmem_node(self->k)));
	ASSERT_EQ(0, dm_kmem_snap_take(dm_kmem_node(self->k), &a));
	in_blocks = b.zone[DM_KMEM_MOVABLE].free - a.zone[DM_KMEM_MOVABLE].free;
	TH_LOG("%lld of the toucher's %lu pages landed in the Movable blocks",
	       in_blocks, TOUCH_BYTES / 4096);
	ASSERT_GE(in_blocks, (long long)(TOUCH_BYTES / 4096 / 2));
	b = a;
	ASSERT_TRUE(offline_all(_metadata, self, variant->zone, 0));
	ASSERT_EQ(0, dm_kmem_snap_take(dm_kmem_node(self->k), &a));
	TH_LOG("the offline migrated %lld pages",
	       a.pgmigrate_success - b.pgmigrate_success);
	/* the free-page drop also counts the kernel's own allocations */
	EXPECT_GE(a.pgmigrate_success - b.pgmigrate_success, in_blocks / 2);
	EXPECT_EQ(0, dm_kmem_toucher_finish(&self->t, why, sizeof(why)))
		TH_LOG("%s", why);
	to_devdax(_metadata, self, 0);
}

/*
 * Positive control: with one block left online the offline check must
 * fail (block state, MemTotal, zone pages); once it is offline too, the
 * same check passes (A/A).
 */
TEST_F_TIMEOUT(kmem, offline_check_catches_online_block, 1800)
{
	char why[DM_MSG_LEN];
	int rc;

	if (variant->memmap_on_memory)
		SKIP(return, "the control runs once per zone (memmap in RAM)");
	to_ram(_metadata, self, false, 0);
	rc = dm_kmem_block_online(self->k, 0, variant->zone, NULL);
	ASSERT_EQ(0, rc) TH_LOG("online: %s", strerror(-rc));
	rc = dm_kmem_check_offline(self->k, &self->base, why, sizeof(why));
	EXPECT_GE(rc, 2) TH_LOG("the check missed a block left online");
	TH_LOG("with memory%lu online the check reports %d: %s",
	       dm_kmem_block_id(self->k, 0), rc, why);
	rc = dm_kmem_block_offline(self->k, 0,
				   variant->zone == DM_KMEM_NORMAL ? 20 : 1, NULL);
	if ((rc == -EBUSY || rc == -EINTR) &&
	    variant->zone == DM_KMEM_NORMAL) {
		self->stuck = true;
		DM_XFAIL(return, STUCK_WHY);
	}
	ASSERT_EQ(0, rc) TH_LOG("offline: %s", strerror(-rc));
	EXPECT_EQ(0, dm_kmem_check_offline(self->k, &self->base, why,
					   sizeof(why)))
		TH_LOG("A/A: %s", why);
	to_devdax(_metadata, self, 0);
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
