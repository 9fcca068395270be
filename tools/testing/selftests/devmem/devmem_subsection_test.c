// SPDX-License-Identifier: GPL-2.0
/*
 * Sub-section hot-add and hot-remove: namespaces smaller than and not
 * aligned to the 128 MiB memory section, several packed into one (the
 * case of ndctl's test/sub-section.sh), created, hot-removed and
 * hot-added in a seeded order and destroyed forward, in reverse,
 * interleaved (every other one destroyed and created again in the holes)
 * and in a seeded random order.  After every step the kernel's
 * bookkeeping must equal the sum of the live namespaces exactly
 * (devmem_stress.h): devices and /proc/iomem entries, nothing left inside
 * a removed or destroyed namespace, nr_memmap_pages = baseline + each
 * live namespace's memmap (checked against the expected vmemmap), the
 * Device zone span, MemTotal, a clean kernel log ("section already
 * deactivated", "Conflicting mapping in same section" included).
 *
 * Variants are the layouts: packed_16m (8 x 16 MiB, the region's default
 * granularity), steps_2m (7 namespaces of 16-22 MiB in 2 MiB steps in
 * one section, with the region's granularity set to 2 MiB and restored;
 * 16 MiB is the smallest pfn/dax namespace the kernel takes), odd_sizes
 * (8 sizes of 16-50 MiB across a section boundary).
 *
 * Environment: DEVMEM_CYCLES (default 4: one of each destroy order),
 * DEVMEM_SEED (1), DEVMEM_REGION, DEVMEM_ALLOW_FOREIGN=1,
 * DEVMEM_NO_WAIT=1.  Needs root, libndctl and a labelled pmem region;
 * SKIPs otherwise.
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

static long long env_ll(const char *name, long long def, long long min,
			long long max)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (!s || !*s)
		return def;
	v = strtoll(s, &end, 10);
	if (*end || v < min || v > max) {
		fprintf(stderr, "# %s=%s is not a number in %lld..%lld; using %lld\n",
			name, s, min, max, def);
		return def;
	}
	return v;
}

FIXTURE(subsection) {
	struct dm_ctx *ctx;
	struct dm_sub sub;
	bool ok;
	unsigned long long region_avail;
	unsigned long region_align;
	int violations;
	char first[DM_MSG_LEN];
	char first_check[32];
};

FIXTURE_VARIANT(subsection) {
	const char *layout;
};

FIXTURE_VARIANT_ADD(subsection, packed_16m) {
	.layout = "packed-16M",
};

FIXTURE_VARIANT_ADD(subsection, steps_2m) {
	.layout = "steps-2M",
};

FIXTURE_VARIANT_ADD(subsection, odd_sizes) {
	.layout = "odd-sizes",
};

static void on_violation(void *arg, int cycle, const char *check,
			 const char *msg)
{
	FIXTURE_DATA(subsection) *self = arg;

	if (!self->violations++) {
		snprintf(self->first, sizeof(self->first), "%s", msg);
		snprintf(self->first_check, sizeof(self->first_check), "%s",
			 check);
	}
	fprintf(stderr, "#  cycle %d %s: %s\n", cycle, check, msg);
}

FIXTURE_SETUP(subsection)
{
	const struct dm_sub_layout *lay = dm_sub_layout_find(variant->layout);
	unsigned int flags = (env_ll("DEVMEM_ALLOW_FOREIGN", 0, 0, 1) ?
			      DM_SEL_ALLOW_FOREIGN : 0) |
			     (env_ll("DEVMEM_NO_WAIT", 0, 0, 1) ?
			      DM_SEL_NO_WAIT : 0);
	struct dm_sub_hooks hooks = {
		.arg = self, .violation = on_violation,
	};
	char why[DM_MSG_LEN], tag[64];
	int rc;

	ASSERT_NE(NULL, lay);
	if (geteuid())
		SKIP(return, "must be run as root");
	dm_catch_signals();
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"),
			      dm_sub_layout_size(lay), flags, why,
			      sizeof(why));
	if (rc) {
		dm_unref(self->ctx);
		self->ctx = NULL;
		SKIP(return, "%s", why);
	}
	self->region_avail = dm_region_available(self->ctx);
	self->region_align = dm_region_align(self->ctx);
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "subsection-%d", getpid());
	rc = dm_sub_init(&self->sub, self->ctx, lay, tag,
			 env_ll("DEVMEM_SEED", 1, 0, 1ll << 62), &hooks, why,
			 sizeof(why));
	if (rc) {
		dm_unref(self->ctx);
		self->ctx = NULL;
		SKIP(return, "%s", why);
	}
	self->ok = true;
	TH_LOG("%s: %s in %s (align %lu -> %lu); Device span %s; exact spans %s",
	       lay->name, lay->about, dm_region_name(self->ctx),
	       self->region_align, dm_region_align(self->ctx),
	       self->sub.st.shrinks ? "shrinks on this kernel" :
	       "never shrinks on this kernel (the hull of every range added is expected)",
	       self->sub.st.exact ? "from devmem_test" :
	       "unknown (devmem_test not loaded): page counts only");
}

FIXTURE_TEARDOWN(subsection)
{
	if (self->ok) {
		dm_sub_release(&self->sub);
		/* the region is left as it was found */
		EXPECT_EQ(self->region_avail, dm_region_available(self->ctx));
		EXPECT_EQ(self->region_align, dm_region_align(self->ctx));
	}
	dm_unref(self->ctx);
}

/*
 * DEVMEM_CYCLES cycles: create all, remove and add each, destroy all in
 * the cycle's order; every step checked.
 */
TEST_F_TIMEOUT(subsection, cycles, 3600)
{
	int cycles = env_ll("DEVMEM_CYCLES", 4, 1, 1000000);
	int c, rc = 0;

	for (c = 0; c < cycles && !rc && !dm_interrupted(); c++)
		rc = dm_sub_cycle(&self->sub, c, false);
	EXPECT_EQ(0, rc) TH_LOG("cycle %d stopped: %s", c - 1,
				strerror(-rc));
	EXPECT_EQ(0, self->violations) TH_LOG("first: %s: %s",
					      self->first_check, self->first);
	TH_LOG("%d cycles, %d checked steps, up to %d namespaces in one section, memmap pages of the first: %lld",
	       c, self->sub.steps, self->sub.max_per_section,
	       self->sub.memmap[0]);
}

/*
 * Positive control: one namespace unbound behind the checks' back must be
 * reported; once it is bound again the cycle runs clean.
 */
TEST_F_TIMEOUT(subsection, detector_fires, 1800)
{
	ASSERT_EQ(0, dm_sub_cycle(&self->sub, 0, true));
	ASSERT_LE(1, self->violations);
	EXPECT_STREQ("control", self->first_check) TH_LOG("%s", self->first);
	EXPECT_EQ(1, self->violations) TH_LOG("the control left the checks disagreeing");
	TH_LOG("caught: %s", self->first);
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
