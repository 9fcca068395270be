// SPDX-License-Identifier: GPL-2.0
/*
 * The suite never touches a namespace it did not create.
 *
 * A namespace without the suite's tag stands in for a user's: it is made
 * here directly through libndctl with an alt_name outside DM_TAG_PREFIX,
 * in free space of a region that holds nothing foreign.  The library must
 * then refuse the region (unless told to allow it), must not destroy or
 * resize that namespace when cleaning up its own, and must refuse to
 * create a namespace whose tag is not its own.  The stand-in is removed at
 * the end by its exact name.
 *
 * Needs root, libndctl and a labelled pmem region with 512M free.
 */
#define _GNU_SOURCE
#ifdef DEVMEM_NO_LIBNDCTL
#include "../kselftest.h"

int main(void)
{
	ksft_print_header();
	ksft_exit_skip("built without libndctl: install libndctl-dev and rebuild\n");
}
#else
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <ndctl/libndctl.h>

#include "../kselftest_harness.h"

#include "devmem.h"

#define FOREIGN_SIZE	(256ull << 20)

FIXTURE(foreign) {
	struct ndctl_ctx *nd;
	struct ndctl_namespace *ndns;	/* the stand-in */
	struct dm_ctx *ctx;
	char region[32];
	char name[64];
	uuid_t uuid;
};

/* The stand-in, found again by its exact name. */
static struct ndctl_namespace *find_by_name(struct ndctl_ctx *nd,
					    const char *name)
{
	struct ndctl_namespace *ndns;
	struct ndctl_region *region;
	struct ndctl_bus *bus;

	ndctl_bus_foreach(nd, bus)
		ndctl_region_foreach(bus, region)
			ndctl_namespace_foreach(region, ndns)
				if (!strcmp(ndctl_namespace_get_alt_name(ndns),
					    name))
					return ndns;
	return NULL;
}

FIXTURE_SETUP(foreign)
{
	struct ndctl_region *region;
	char why[DM_MSG_LEN];
	int rc;

	if (geteuid())
		SKIP(return, "must be run as root");
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	/* A region free of foreign namespaces, where the stand-in goes. */
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"),
			      2 * FOREIGN_SIZE, false, why, sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	snprintf(self->region, sizeof(self->region), "%s",
		 dm_region_name(self->ctx));
	dm_unref(self->ctx);
	self->ctx = NULL;

	ASSERT_EQ(0, ndctl_new(&self->nd));
	region = NULL;
	{
		struct ndctl_region *r;
		struct ndctl_bus *bus;

		ndctl_bus_foreach(self->nd, bus)
			ndctl_region_foreach(bus, r)
				if (!strcmp(ndctl_region_get_devname(r),
					    self->region))
					region = r;
	}
	ASSERT_NE(NULL, region);
	snprintf(self->name, sizeof(self->name), "user-data-%d", getpid());
	ASSERT_EQ(sizeof(uuid_t), getrandom(self->uuid, sizeof(uuid_t), 0));
	self->uuid[6] = (self->uuid[6] & 0x0f) | 0x40;
	self->uuid[8] = (self->uuid[8] & 0x3f) | 0x80;
	self->ndns = ndctl_region_get_namespace_seed(region);
	ASSERT_NE(NULL, self->ndns);
	ASSERT_EQ(0, ndctl_namespace_set_uuid(self->ndns, self->uuid));
	ASSERT_EQ(0, ndctl_namespace_set_alt_name(self->ndns, self->name));
	ASSERT_EQ(0, ndctl_namespace_set_size(self->ndns, FOREIGN_SIZE));
	/* In use, as a user's would be: a raw pmem block device. */
	ndctl_namespace_set_enforce_mode(self->ndns, NDCTL_NS_MODE_RAW);
	ASSERT_LE(0, ndctl_namespace_enable(self->ndns));
	TH_LOG("stand-in user namespace %s '%s' in %s",
	       ndctl_namespace_get_devname(self->ndns), self->name,
	       self->region);
	ASSERT_EQ(0, dm_new(&self->ctx));
}

FIXTURE_TEARDOWN(foreign)
{
	struct ndctl_namespace *ndns;

	dm_unref(self->ctx);
	if (!self->nd)
		return;
	/* Only the namespace this test made, by its exact name. */
	ndns = self->ndns ? find_by_name(self->nd, self->name) : NULL;
	if (ndns) {
		ndctl_namespace_disable_invalidate(ndns);
		EXPECT_EQ(0, ndctl_namespace_delete(ndns));
	}
	ndctl_unref(self->nd);
}

/* The region holding it is refused, with a reason naming it. */
TEST_F(foreign, region_refused)
{
	char why[DM_MSG_LEN];

	EXPECT_EQ(-EBUSY, dm_select_region(self->ctx, self->region,
					   FOREIGN_SIZE, false, why,
					   sizeof(why)));
	TH_LOG("refused: %s", why);
	EXPECT_NE(NULL, strstr(why, "did not create"));
	EXPECT_NE(NULL, strstr(why,
			       ndctl_namespace_get_devname(self->ndns)));
	/* Allowed explicitly, its free space may be used. */
	EXPECT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      true, why, sizeof(why)));
}

/* Cleaning up the suite's namespaces leaves it exactly as it was. */
TEST_F(foreign, cleanup_leaves_it_alone)
{
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	struct ndctl_namespace *ndns;
	struct dm_ns *ns;
	char why[DM_MSG_LEN];
	uuid_t uu;

	ASSERT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      true, why, sizeof(why)));
	ASSERT_EQ(0, dm_ns_create(self->ctx, &cfg, DM_TAG_PREFIX "safety",
				  &ns));
	ASSERT_EQ(0, dm_ns_disable(ns, NULL));
	ASSERT_EQ(0, dm_ns_enable(ns, NULL));
	/* A crashed run's leftovers: destroy everything tagged. */
	EXPECT_EQ(1, dm_destroy_tagged(self->ctx));
	dm_ns_put(ns);	/* destroyed above, through the tag */

	ndctl_invalidate(self->nd);
	ndns = find_by_name(self->nd, self->name);
	ASSERT_NE(NULL, ndns);
	EXPECT_EQ(FOREIGN_SIZE, ndctl_namespace_get_size(ndns));
	EXPECT_TRUE(ndctl_namespace_is_enabled(ndns));
	ndctl_namespace_get_uuid(ndns, uu);
	EXPECT_EQ(0, memcmp(uu, self->uuid, sizeof(uu)));
}

/* The library only creates namespaces carrying its own tag. */
TEST_F(foreign, untagged_create_refused)
{
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	char why[DM_MSG_LEN];
	struct dm_ns *ns = NULL;

	ASSERT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      true, why, sizeof(why)));
	EXPECT_EQ(-EINVAL, dm_ns_create(self->ctx, &cfg, "user-data", &ns));
	EXPECT_EQ(NULL, ns);
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
