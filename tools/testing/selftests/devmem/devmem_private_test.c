// SPDX-License-Identifier: GPL-2.0
/*
 * Node and zone spans, ZONE_DEVICE included, and DEVICE_PRIVATE hot-add
 * and hot-remove, through the devmem_test module (kernel/module/).
 *
 * The module shows what no procfs or sysfs file does: each node's
 * node_start_pfn and node_spanned_pages and each zone's zone_start_pfn.
 * The spans tests check them against /proc/zoneinfo and against each
 * other.  The private tests add and remove MEMORY_DEVICE_PRIVATE ranges
 * (memremap_pages() through add_pages(), no linear map) and check the exact
 * spans after every add and every remove:
 *
 * - after an add, the node's Device zone covers the new range and every
 *   range still mapped, and lies inside the node's span;
 * - after a remove, the ranges still mapped stay covered, and no other zone
 *   and no present page count has moved;
 * - after the last remove, the Device zone and node span are back where
 *   they were before the first add.  Only kernels carrying
 *   shrink_device_zone_span() (the project's add-del-device-memory v2) do
 *   that; elsewhere the check reports XFAIL.
 *
 * The leak tests check the module's controlled leak (DEVMEM_TEST_LEAK),
 * the positive control of the soak's leak detector: leaking NR_LEAKS x
 * LEAK_BYTES must move the counters the soak watches by about that much,
 * and freeing it must give it back (the tolerances are at leak_tolerance()).
 *
 * Needs root and the module (insmod devmem_test.ko); the private tests
 * need CONFIG_DEVICE_PRIVATE, the leak tests a module of API version 2 (3
 * for the hidden variant).
 * Each missing piece SKIPs with its reason.
 *
 * The ranges come from request_free_mem_region(), at the top of the
 * physical address space: on kernels that never shrink the Device zone,
 * its span reaches up there until reboot.  Run this after the namespace
 * tests, or in its own boot.
 */

#include "../kselftest_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devmem.h"
#include "devmem_module.h"

#define SZ_2M		(2ull << 20)
#define SZ_128M		(128ull << 20)
#define SZ_1G		(1ull << 30)

#define NR_CYCLES	8
#define NR_LIVE		4

/* A pfn range [start, end). */
struct pfn_span {
	uint64_t start;
	uint64_t end;
};

static uint64_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static struct pfn_span zone_span(const struct devmem_test_zone *z)
{
	struct pfn_span s = { z->start_pfn, z->start_pfn + z->spanned_pages };

	return s;
}

static struct pfn_span node_span(const struct devmem_test_node *n)
{
	struct pfn_span s = { n->start_pfn, n->start_pfn + n->spanned_pages };

	return s;
}

static struct pfn_span private_span(const struct dm_private *p)
{
	struct pfn_span s = {
		p->start / page_size(),
		(p->start + p->size) / page_size(),
	};

	return s;
}

/* Does [a) contain [b)?  An empty [b) is contained anywhere. */
static bool span_contains(struct pfn_span a, struct pfn_span b)
{
	return b.start == b.end || (a.start <= b.start && b.end <= a.end);
}

/* Same span?  Two empty spans are the same wherever their start is. */
static bool span_equal(struct pfn_span a, struct pfn_span b)
{
	if (a.start == a.end || b.start == b.end)
		return a.start == a.end && b.start == b.end;
	return a.start == b.start && a.end == b.end;
}

/* The smallest span holding both. */
static struct pfn_span span_hull(struct pfn_span a, struct pfn_span b)
{
	if (a.start == a.end)
		return b;
	if (b.start == b.end)
		return a;
	if (b.start < a.start)
		a.start = b.start;
	if (b.end > a.end)
		a.end = b.end;
	return a;
}

/* Why the module cannot be used here, or NULL when it can. */
static const char *module_missing(void)
{
	if (geteuid() != 0)
		return "must be run as root";
	if (!dm_mod_available())
		return "devmem_test module not loaded (" DEVMEM_TEST_DEV
		       " missing): insmod devmem_test.ko from kernel/module";
	return NULL;
}

/* Why DEVICE_PRIVATE ranges cannot be added here, or NULL. */
static const char *private_missing(void)
{
	const char *why = module_missing();

	if (why)
		return why;
	if (!dm_mod_has_private())
		return "kernel built without CONFIG_DEVICE_PRIVATE: the module cannot add DEVICE_PRIVATE memory";
	return NULL;
}

/* Invariants every snapshot must satisfy, on every kernel. */
static void check_spans(struct __test_metadata *_metadata,
			const struct dm_spans *s)
{
	int i;

	ASSERT_GT(s->nr_nodes, 0);
	for (i = 0; i < s->nr_nodes; i++) {
		const struct devmem_test_node *n = &s->nodes[i];
		uint64_t present = 0, z;

		EXPECT_EQ(0ULL, n->flags & DEVMEM_TEST_NODE_UNSTABLE)
			TH_LOG("node %llu changed while read",
			       (unsigned long long)n->nid);
		ASSERT_GE((__u64)DEVMEM_TEST_MAX_ZONES, n->nr_zones);
		for (z = 0; z < n->nr_zones; z++) {
			const struct devmem_test_zone *zone = &n->zones[z];

			EXPECT_LE(zone->present_pages, zone->spanned_pages)
				TH_LOG("node %llu zone %s",
				       (unsigned long long)n->nid, zone->name);
			EXPECT_TRUE(span_contains(node_span(n),
						  zone_span(zone)))
				TH_LOG("node %llu [%llu, %llu) does not contain zone %s [%llu, %llu)",
				       (unsigned long long)n->nid,
				       (unsigned long long)node_span(n).start,
				       (unsigned long long)node_span(n).end,
				       zone->name,
				       (unsigned long long)zone_span(zone).start,
				       (unsigned long long)zone_span(zone).end);
			if (!strcmp(zone->name, "Device"))
				EXPECT_EQ(0ULL, zone->present_pages);
			present += zone->present_pages;
		}
		EXPECT_EQ(n->present_pages, present)
			TH_LOG("node %llu present pages are not its zones' sum",
			       (unsigned long long)n->nid);
	}
}

/*
 * Everything but the Device zones' spans (and the node spans that follow
 * them) is the same in @a and @b: a DEVICE_PRIVATE add or remove touches
 * nothing else.
 */
static void check_only_device_moved(struct __test_metadata *_metadata,
				    const struct dm_spans *a,
				    const struct dm_spans *b)
{
	int i;

	ASSERT_EQ(a->nr_nodes, b->nr_nodes);
	for (i = 0; i < a->nr_nodes; i++) {
		const struct devmem_test_node *na = &a->nodes[i];
		const struct devmem_test_node *nb = &b->nodes[i];
		uint64_t z;

		ASSERT_EQ(na->nid, nb->nid);
		EXPECT_EQ(na->present_pages, nb->present_pages);
		ASSERT_EQ(na->nr_zones, nb->nr_zones);
		for (z = 0; z < na->nr_zones; z++) {
			const struct devmem_test_zone *za = &na->zones[z];
			const struct devmem_test_zone *zb = &nb->zones[z];

			EXPECT_STREQ(za->name, zb->name);
			EXPECT_EQ(za->present_pages, zb->present_pages);
			if (!strcmp(za->name, "Device"))
				continue;
			EXPECT_TRUE(span_equal(zone_span(za), zone_span(zb)))
				TH_LOG("node %llu zone %s moved",
				       (unsigned long long)na->nid, za->name);
		}
	}
}

/* Read the spans and check the invariants; ASSERTs the read. */
static void read_spans(struct __test_metadata *_metadata, struct dm_spans *s)
{
	ASSERT_EQ(0, dm_mod_spans(s));
	check_spans(_metadata, s);
}

/* The Device zone of node @nid in @s; ASSERTs it exists. */
static const struct devmem_test_zone *
device_zone(struct __test_metadata *_metadata, const struct dm_spans *s,
	    int nid)
{
	const struct devmem_test_zone *z = dm_spans_zone(s, nid, "Device");

	ASSERT_NE(NULL, z);
	return z;
}

/* The Device zone of @nid and the node itself cover every range in @p. */
static void check_covers(struct __test_metadata *_metadata,
			 const struct dm_spans *s, int nid,
			 const struct dm_private *p, int nr)
{
	const struct devmem_test_zone *z = device_zone(_metadata, s, nid);
	const struct devmem_test_node *n = dm_spans_node(s, nid);
	int i;

	for (i = 0; i < nr; i++) {
		struct pfn_span r = private_span(&p[i]);

		EXPECT_TRUE(span_contains(zone_span(z), r))
			TH_LOG("Device zone [%llu, %llu) misses range %d [%llu, %llu)",
			       (unsigned long long)zone_span(z).start,
			       (unsigned long long)zone_span(z).end, i,
			       (unsigned long long)r.start,
			       (unsigned long long)r.end);
		EXPECT_TRUE(span_contains(node_span(n), r));
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int nr)
{
	qsort(v, nr, sizeof(*v), cmp_u64);
	return v[nr / 2];
}

/* spanned/present/start_pfn of (nid, zone) in /proc/zoneinfo; -errno. */
struct zoneinfo_zone {
	uint64_t spanned, present, start_pfn;
	bool has_start_pfn;
};

static int zoneinfo_read(int nid, const char *zone, struct zoneinfo_zone *zi)
{
	char line[256], name[32], key[32];
	bool in_zone = false, found = false;
	unsigned long long v;
	FILE *f;
	int n;

	memset(zi, 0, sizeof(*zi));
	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &n, name) == 2) {
			in_zone = n == nid && !strcmp(name, zone);
			found |= in_zone;
			continue;
		}
		if (!in_zone || sscanf(line, " %31s %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "spanned")) {
			zi->spanned = v;
		} else if (!strcmp(key, "present")) {
			zi->present = v;
		} else if (!strcmp(key, "start_pfn:")) {
			zi->start_pfn = v;
			zi->has_start_pfn = true;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* The module's spans hold, and agree with /proc/zoneinfo. */
TEST(spans_match_zoneinfo)
{
	const char *why = module_missing();
	struct dm_spans s;
	int i;

	if (why)
		SKIP(return, "%s", why);

	read_spans(_metadata, &s);
	for (i = 0; i < s.nr_nodes; i++) {
		const struct devmem_test_node *n = &s.nodes[i];
		uint64_t z;

		for (z = 0; z < n->nr_zones; z++) {
			const struct devmem_test_zone *zone = &n->zones[z];
			struct zoneinfo_zone zi;

			ASSERT_EQ(0, zoneinfo_read(n->nid, zone->name, &zi))
				TH_LOG("node %llu zone %s not in /proc/zoneinfo",
				       (unsigned long long)n->nid, zone->name);
			EXPECT_EQ(zi.spanned, zone->spanned_pages);
			EXPECT_EQ(zi.present, zone->present_pages);
			if (zi.has_start_pfn)
				EXPECT_EQ(zi.start_pfn, zone->start_pfn);
		}
	}
	EXPECT_NE(NULL, dm_spans_zone(&s, s.nodes[0].nid, "Device"))
		TH_LOG("no Device zone: kernel without CONFIG_ZONE_DEVICE?");
}

/* The debugfs text file says what the ioctl says. */
TEST(spans_text_matches_ioctl)
{
	const char *why = module_missing();
	struct dm_spans bin, text;
	int i, rc;

	if (why)
		SKIP(return, "%s", why);
	rc = dm_mod_spans_text(&text);
	if (rc == -ENOENT)
		SKIP(return, "%s missing: mount -t debugfs none /sys/kernel/debug",
		     DEVMEM_TEST_SPANS_FILE);
	ASSERT_EQ(0, rc);
	read_spans(_metadata, &bin);
	check_spans(_metadata, &text);

	ASSERT_EQ(bin.nr_nodes, text.nr_nodes);
	for (i = 0; i < bin.nr_nodes; i++) {
		const struct devmem_test_node *b = &bin.nodes[i];
		const struct devmem_test_node *t = &text.nodes[i];
		uint64_t z;

		EXPECT_EQ(b->nid, t->nid);
		EXPECT_EQ(b->start_pfn, t->start_pfn);
		EXPECT_EQ(b->spanned_pages, t->spanned_pages);
		EXPECT_EQ(b->present_pages, t->present_pages);
		ASSERT_EQ(b->nr_zones, t->nr_zones);
		for (z = 0; z < b->nr_zones; z++) {
			EXPECT_STREQ(b->zones[z].name, t->zones[z].name);
			EXPECT_EQ(b->zones[z].start_pfn, t->zones[z].start_pfn);
			EXPECT_EQ(b->zones[z].spanned_pages,
				  t->zones[z].spanned_pages);
			EXPECT_EQ(b->zones[z].present_pages,
				  t->zones[z].present_pages);
		}
	}
}

/* Without CONFIG_DEVICE_PRIVATE the module refuses cleanly. */
TEST(private_unsupported)
{
	const char *why = module_missing();
	struct devmem_test_sample sample;
	struct dm_private p;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	if (dm_mod_has_private())
		SKIP(return, "kernel has CONFIG_DEVICE_PRIVATE");

	fd = dm_mod_open();
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EOPNOTSUPP, dm_mod_private_add(fd, SZ_128M, DM_NID_ANY, &p));
	EXPECT_EQ(-EOPNOTSUPP, dm_mod_private_cycle(SZ_128M, DM_NID_ANY, 1,
						    &sample));
	close(fd);
}

/* Bad sizes, nodes and ids are refused before anything is mapped. */
TEST(private_bad_args)
{
	const char *why = private_missing();
	struct devmem_test_info info;
	struct dm_spans before, after;
	struct dm_private p = { .id = 1u << 31 };
	int fd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, dm_mod_info(&info));
	read_spans(_metadata, &before);

	fd = dm_mod_open();
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, dm_mod_private_add(fd, 0, DM_NID_ANY, &p));
	EXPECT_EQ(-EINVAL, dm_mod_private_add(fd, info.align / 2, DM_NID_ANY,
					      &p));
	EXPECT_EQ(-EINVAL, dm_mod_private_add(fd, info.max_size + info.align,
					      DM_NID_ANY, &p));
	EXPECT_EQ(-EINVAL, dm_mod_private_add(fd, info.align, 1 << 20, &p));
	EXPECT_EQ(-ENOENT, dm_mod_private_remove(fd, &p));
	EXPECT_EQ(-EINVAL, dm_mod_private_cycle(info.align, DM_NID_ANY, 0,
						NULL));
	close(fd);

	read_spans(_metadata, &after);
	check_only_device_moved(_metadata, &before, &after);
	EXPECT_TRUE(span_equal(
		zone_span(device_zone(_metadata, &before, before.nodes[0].nid)),
		zone_span(device_zone(_metadata, &after, before.nodes[0].nid))));
}

/* Count "devmem_test" resources in /proc/iomem. */
static int iomem_count(const char *name)
{
	char line[256];
	int count = 0;
	FILE *f;

	f = fopen("/proc/iomem", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			count++;
	fclose(f);
	return count;
}

FIXTURE(private)
{
	int fd;
	int nid;
	bool shrinks;
	struct dm_spans base;
};

FIXTURE_VARIANT(private)
{
	uint64_t size;
};

FIXTURE_VARIANT_ADD(private, subsection_2m)
{
	.size = SZ_2M,
};

FIXTURE_VARIANT_ADD(private, section_128m)
{
	.size = SZ_128M,
};

FIXTURE_VARIANT_ADD(private, sections_1g)
{
	.size = SZ_1G,
};

FIXTURE_SETUP(private)
{
	const char *why = private_missing();
	struct devmem_test_info info;

	self->fd = -1;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, dm_mod_info(&info));
	if (variant->size > info.max_size)
		SKIP(return, "module max_size_mb is below %llu MiB",
		     (unsigned long long)(variant->size >> 20));
	ASSERT_EQ(0ULL, variant->size % info.align);

	read_spans(_metadata, &self->base);
	self->nid = self->base.nodes[0].nid;
	self->shrinks = dm_kernel_shrinks_device_span();
	self->fd = dm_mod_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(private)
{
	/* Closing removes whatever a failed test left mapped. */
	if (self->fd >= 0)
		close(self->fd);
}

/* Add and remove one range NR_CYCLES times, checking spans each time. */
TEST_F(private, add_remove_cycles)
{
	uint64_t add_ns[NR_CYCLES], remove_ns[NR_CYCLES];
	struct dm_spans prev, added, removed;
	struct dm_private p;
	int i;

	prev = self->base;
	for (i = 0; i < NR_CYCLES; i++) {
		const struct devmem_test_zone *zp, *za, *zr;

		ASSERT_EQ(0, dm_mod_private_add(self->fd, variant->size,
						self->nid, &p));
		ASSERT_EQ(self->nid, p.nid);
		read_spans(_metadata, &added);
		check_covers(_metadata, &added, self->nid, &p, 1);
		check_only_device_moved(_metadata, &prev, &added);
		zp = device_zone(_metadata, &prev, self->nid);
		za = device_zone(_metadata, &added, self->nid);
		/* An add only grows the span. */
		EXPECT_TRUE(span_contains(zone_span(za), zone_span(zp)));

		ASSERT_EQ(0, dm_mod_private_remove(self->fd, &p));
		read_spans(_metadata, &removed);
		check_only_device_moved(_metadata, &added, &removed);
		zr = device_zone(_metadata, &removed, self->nid);
		/* A remove never grows it. */
		EXPECT_TRUE(span_contains(zone_span(za), zone_span(zr)));
		if (self->shrinks)
			EXPECT_TRUE(span_equal(zone_span(zr), zone_span(zp)));

		add_ns[i] = p.add_ns;
		remove_ns[i] = p.remove_ns;
		prev = removed;
	}
	TH_LOG("%llu MiB at pfn %llu, %d cycles: memremap_pages %llu ns, memunmap_pages %llu ns (median)",
	       (unsigned long long)(variant->size >> 20),
	       (unsigned long long)private_span(&p).start, NR_CYCLES,
	       (unsigned long long)median(add_ns, NR_CYCLES),
	       (unsigned long long)median(remove_ns, NR_CYCLES));
}

/*
 * Keep NR_LIVE ranges mapped at once and remove them out of order: the
 * Device zone must cover every live range after each step, and a kernel
 * that shrinks must shrink exactly to the live ranges.
 */
TEST_F(private, live_ranges)
{
	static const int order[NR_LIVE] = { 1, 3, 0, 2 };
	struct dm_private p[NR_LIVE], live[NR_LIVE];
	struct pfn_span base_dev;
	struct dm_spans s, prev;
	int i, j, nr_live;

	base_dev = zone_span(device_zone(_metadata, &self->base, self->nid));
	prev = self->base;
	for (i = 0; i < NR_LIVE; i++) {
		ASSERT_EQ(0, dm_mod_private_add(self->fd, variant->size,
						self->nid, &p[i]));
		read_spans(_metadata, &s);
		check_covers(_metadata, &s, self->nid, p, i + 1);
		check_only_device_moved(_metadata, &prev, &s);
		prev = s;
	}
	EXPECT_EQ(NR_LIVE, iomem_count("devmem_test"));

	for (i = 0; i < NR_LIVE; i++) {
		struct pfn_span hull = base_dev, dev;

		ASSERT_EQ(0, dm_mod_private_remove(self->fd, &p[order[i]]));
		nr_live = 0;
		for (j = i + 1; j < NR_LIVE; j++)
			live[nr_live++] = p[order[j]];
		read_spans(_metadata, &s);
		check_covers(_metadata, &s, self->nid, live, nr_live);
		check_only_device_moved(_metadata, &prev, &s);
		prev = s;

		if (!self->shrinks)
			continue;
		for (j = 0; j < nr_live; j++)
			hull = span_hull(hull, private_span(&live[j]));
		dev = zone_span(device_zone(_metadata, &s, self->nid));
		EXPECT_TRUE(span_equal(hull, dev))
			TH_LOG("%d live: Device zone [%llu, %llu), expected [%llu, %llu)",
			       nr_live, (unsigned long long)dev.start,
			       (unsigned long long)dev.end,
			       (unsigned long long)hull.start,
			       (unsigned long long)hull.end);
	}
	EXPECT_EQ(0, iomem_count("devmem_test"));
}

/* Closing the file removes the ranges still mapped through it. */
TEST_F(private, close_removes_ranges)
{
	struct dm_private p;
	struct dm_spans s;
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, dm_mod_private_add(self->fd, variant->size,
						self->nid, &p));
	EXPECT_EQ(2, iomem_count("devmem_test"));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, iomem_count("devmem_test"));
	read_spans(_metadata, &s);
	check_only_device_moved(_metadata, &self->base, &s);
}

/* NR_CYCLES add/remove cycles in one call, timed in the kernel. */
TEST_F(private, cycle_ioctl)
{
	struct devmem_test_sample samples[NR_CYCLES];
	uint64_t add_ns[NR_CYCLES], remove_ns[NR_CYCLES];
	struct dm_spans s;
	int i;

	memset(samples, 0, sizeof(samples));
	ASSERT_EQ(0, dm_mod_private_cycle(variant->size, self->nid, NR_CYCLES,
					  samples));
	for (i = 0; i < NR_CYCLES; i++) {
		EXPECT_LT(0ULL, samples[i].add_ns);
		EXPECT_LT(0ULL, samples[i].remove_ns);
		add_ns[i] = samples[i].add_ns;
		remove_ns[i] = samples[i].remove_ns;
	}
	EXPECT_EQ(0, iomem_count("devmem_test"));
	read_spans(_metadata, &s);
	check_only_device_moved(_metadata, &self->base, &s);
	if (self->shrinks)
		EXPECT_TRUE(span_equal(
			zone_span(device_zone(_metadata, &s, self->nid)),
			zone_span(device_zone(_metadata, &self->base,
					      self->nid))));
	TH_LOG("%llu MiB, %d cycles in one call: memremap_pages %llu ns, memunmap_pages %llu ns (median)",
	       (unsigned long long)(variant->size >> 20), NR_CYCLES,
	       (unsigned long long)median(add_ns, NR_CYCLES),
	       (unsigned long long)median(remove_ns, NR_CYCLES));
}

/*
 * After the last removal the Device zone and the node span are what they
 * were before the first add.  Only kernels that shrink the ZONE_DEVICE
 * span (shrink_device_zone_span() in /proc/kallsyms) can pass; on the
 * others this is an expected failure.
 */
TEST_F(private, span_returns_to_baseline)
{
	const struct devmem_test_node *nb, *ne;
	struct pfn_span zb, ze, grown;
	struct dm_private p[2];
	struct dm_spans s;
	int i;

	grown = zone_span(device_zone(_metadata, &self->base, self->nid));
	for (i = 0; i < NR_CYCLES; i++) {
		ASSERT_EQ(0, dm_mod_private_add(self->fd, variant->size,
						self->nid, &p[0]));
		ASSERT_EQ(0, dm_mod_private_add(self->fd, variant->size,
						self->nid, &p[1]));
		read_spans(_metadata, &s);
		grown = zone_span(device_zone(_metadata, &s, self->nid));
		ASSERT_EQ(0, dm_mod_private_remove(self->fd, &p[1]));
		ASSERT_EQ(0, dm_mod_private_remove(self->fd, &p[0]));
	}
	read_spans(_metadata, &s);
	check_only_device_moved(_metadata, &self->base, &s);

	zb = zone_span(device_zone(_metadata, &self->base, self->nid));
	ze = zone_span(device_zone(_metadata, &s, self->nid));
	nb = dm_spans_node(&self->base, self->nid);
	ne = dm_spans_node(&s, self->nid);
	TH_LOG("node %d Device zone: before [%llu, %llu), added up to [%llu, %llu), after [%llu, %llu); node [%llu, %llu) -> [%llu, %llu)",
	       self->nid, (unsigned long long)zb.start,
	       (unsigned long long)zb.end, (unsigned long long)grown.start,
	       (unsigned long long)grown.end, (unsigned long long)ze.start,
	       (unsigned long long)ze.end,
	       (unsigned long long)node_span(nb).start,
	       (unsigned long long)node_span(nb).end,
	       (unsigned long long)node_span(ne).start,
	       (unsigned long long)node_span(ne).end);

	if (!self->shrinks) {
		/* Keep a real failure above a FAIL. */
		if (_metadata->exit_code == KSFT_PASS)
			DM_XFAIL(return, "this kernel never shrinks the ZONE_DEVICE span");
		return;
	}
	EXPECT_TRUE(span_equal(zb, ze));
	EXPECT_TRUE(span_equal(node_span(nb), node_span(ne)));
}

/* 256 x 16 KiB = 4 MiB: the soak's per-cycle leak, leaked many times. */
#define LEAK_BYTES	(16ull << 10)
#define NR_LEAKS	256

/* Why the controlled leak cannot be used here, or NULL. */
static const char *leak_missing(void)
{
	const char *why = module_missing();

	if (why)
		return why;
	if (!dm_mod_has_leak())
		return "the loaded devmem_test module predates DEVMEM_TEST_LEAK (API version 2): rebuild it";
	return NULL;
}

/* What a leak on the hotplug path moves, in bytes. */
struct leak_counters {
	long long slab;		/* SUnreclaim */
	long long free;		/* free pages, per-cpu lists included */
};

static int meminfo_kb(const char *key, long long *kb)
{
	char line[256], name[64];
	long long v;
	FILE *f;
	int rc = -ENOENT;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", name, &v) == 2 &&
		    !strcmp(name, key)) {
			*kb = v;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

static void read_counters(struct __test_metadata *_metadata,
			  struct leak_counters *c)
{
	struct dm_snapshot snap;
	long long kb = 0;
	int fd;

	/*
	 * Fold the per-cpu vmstat differences into the global counters
	 * first (root only; without it the counters lag by up to the
	 * per-cpu thresholds, which the tolerance covers).
	 */
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0)
			TH_LOG("stat_refresh: %s", strerror(errno));
		close(fd);
	}
	memset(&snap, 0, sizeof(snap));
	ASSERT_EQ(0, dm_snapshot_take(&snap));
	ASSERT_EQ(0, meminfo_kb("SUnreclaim:", &kb));
	c->slab = kb << 10;
	c->free = snap.free_pages * (long long)page_size();
}

/*
 * How far a counter may be off what the leak explains: a quarter of the
 * leak, 1 MiB for 4 MiB.  It covers what moves besides the leak in an idle
 * guest (tens of KiB between two reads), slab rounding (the objects fill
 * whole slabs; SLUB keeps a few empty ones per CPU after the free, 32 KiB
 * each for kmalloc-1k) and what lags (RCU-freed objects).  A leak that
 * did nothing, or a free that freed nothing, is off by the whole leak.
 * The upper bound on Slab growth is twice the leak plus this: KASAN
 * redzones and kmemleak's metadata make debug kernels use more.
 */
static long long leak_tolerance(long long leaked)
{
	return leaked / 4;
}

FIXTURE(leak)
{
	struct leak_counters base;
};

FIXTURE_VARIANT(leak)
{
	unsigned int kind;
	bool moves_slab;
};

FIXTURE_VARIANT_ADD(leak, slab)
{
	.kind = DEVMEM_TEST_LEAK_SLAB,
	.moves_slab = true,
};

FIXTURE_VARIANT_ADD(leak, pages)
{
	.kind = DEVMEM_TEST_LEAK_PAGES,
	.moves_slab = false,
};

/* Slab objects with no reference kmemleak can see (API 3). */
FIXTURE_VARIANT_ADD(leak, hidden)
{
	.kind = DEVMEM_TEST_LEAK_HIDDEN,
	.moves_slab = true,
};

FIXTURE_SETUP(leak)
{
	const char *why = leak_missing();
	struct devmem_test_leak held;

	if (why)
		SKIP(return, "%s", why);
	if (dm_kernel_has_kasan())
		SKIP(return, "KASAN: its quarantine keeps freed objects, so Slab and free pages follow neither the leak nor its free");
	if (variant->kind == DEVMEM_TEST_LEAK_HIDDEN &&
	    !dm_mod_has_feature(DEVMEM_TEST_F_LEAK_HIDDEN))
		SKIP(return, "the loaded devmem_test module predates DEVMEM_TEST_LEAK_HIDDEN (API version 3): rebuild it");
	ASSERT_EQ(0, dm_mod_leak_held(&held));
	if (held.held_slab || held.held_pages)
		SKIP(return, "the module already holds %llu bytes leaked by someone else",
		     (unsigned long long)(held.held_slab + held.held_pages));
	read_counters(_metadata, &self->base);
}

FIXTURE_TEARDOWN(leak)
{
	if (dm_mod_has_leak())
		dm_mod_leak_free(NULL);
}

/*
 * NR_LEAKS x LEAK_BYTES held: free pages drop by about that much (and
 * Slab grows by it for kmalloc() objects, stays for pages); freeing gives
 * it back.
 */
TEST_F(leak, moves_counters)
{
	const long long leaked = NR_LEAKS * LEAK_BYTES;
	const long long tol = leak_tolerance(leaked);
	struct devmem_test_leak held;
	struct leak_counters c;
	long long dslab, dfree;
	uint64_t freed;
	int i;

	for (i = 0; i < NR_LEAKS; i++)
		ASSERT_EQ(0, dm_mod_leak_kind(LEAK_BYTES, variant->kind,
					      &held));
	EXPECT_EQ((uint64_t)NR_LEAKS, held.calls);
	if (variant->moves_slab) {
		EXPECT_EQ((uint64_t)leaked, held.held_slab);
		EXPECT_EQ(0ULL, held.held_pages);
	} else {
		EXPECT_EQ(0ULL, held.held_slab);
		EXPECT_EQ((uint64_t)leaked, held.held_pages);
	}

	read_counters(_metadata, &c);
	dslab = c.slab - self->base.slab;
	dfree = self->base.free - c.free;
	TH_LOG("%d x %llu KiB held: SUnreclaim %+lld KiB, free pages %+lld KiB",
	       NR_LEAKS, LEAK_BYTES >> 10, dslab >> 10, -dfree >> 10);
	EXPECT_GE(dfree, leaked - tol);
	EXPECT_LE(dfree, 2 * leaked + tol);
	if (variant->moves_slab) {
		EXPECT_GE(dslab, leaked - tol);
		EXPECT_LE(dslab, 2 * leaked + tol);
	} else {
		EXPECT_LE(llabs(dslab), tol);
	}

	ASSERT_EQ(0, dm_mod_leak_free(&freed));
	EXPECT_EQ((uint64_t)leaked, freed);
	ASSERT_EQ(0, dm_mod_leak_held(&held));
	EXPECT_EQ(0ULL, held.held_slab + held.held_pages);
	EXPECT_EQ(0ULL, held.calls);

	read_counters(_metadata, &c);
	dslab = c.slab - self->base.slab;
	dfree = self->base.free - c.free;
	TH_LOG("freed: SUnreclaim %+lld KiB, free pages %+lld KiB from the start",
	       dslab >> 10, -dfree >> 10);
	EXPECT_LE(llabs(dslab), tol);
	EXPECT_LE(llabs(dfree), tol);
}

/*
 * The A/A side: NR_LEAKS calls that leak nothing leave the counters
 * within the tolerance, so the moves above are the leak's.
 */
TEST_F(leak, zero_bytes_moves_nothing)
{
	const long long tol = leak_tolerance(NR_LEAKS * LEAK_BYTES);
	struct devmem_test_leak held;
	struct leak_counters c;
	int i;

	for (i = 0; i < NR_LEAKS; i++)
		ASSERT_EQ(0, dm_mod_leak_kind(0, variant->kind, &held));
	EXPECT_EQ(0ULL, held.held_slab + held.held_pages);
	EXPECT_EQ(0ULL, held.calls);
	read_counters(_metadata, &c);
	TH_LOG("%d empty calls: SUnreclaim %+lld KiB, free pages %+lld KiB",
	       NR_LEAKS, (c.slab - self->base.slab) >> 10,
	       (c.free - self->base.free) >> 10);
	EXPECT_LE(llabs(c.slab - self->base.slab), tol);
	EXPECT_LE(llabs(c.free - self->base.free), tol);
}

/* A bad kind or a size past leak_max_mb allocates nothing. */
TEST(leak_bad_args)
{
	const char *why = leak_missing();
	struct devmem_test_leak held;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, dm_mod_leak_held(&held));
	if (held.held_slab || held.held_pages)
		SKIP(return, "the module already holds leaked memory");
	EXPECT_EQ(-EINVAL, dm_mod_leak_kind(LEAK_BYTES, 3, NULL));
	EXPECT_EQ(-ENOSPC, dm_mod_leak(1ull << 62));
	/* Zero bytes allocates nothing and counts no call. */
	EXPECT_EQ(0, dm_mod_leak_kind(0, DEVMEM_TEST_LEAK_PAGES, NULL));
	ASSERT_EQ(0, dm_mod_leak_held(&held));
	EXPECT_EQ(0ULL, held.held_slab + held.held_pages);
	/* An odd size: the last object is rounded up to 16 bytes. */
	ASSERT_EQ(0, dm_mod_leak_kind(1024 + 1, DEVMEM_TEST_LEAK_SLAB, &held));
	EXPECT_EQ(1024ULL + 16, held.held_slab);
	ASSERT_EQ(0, dm_mod_leak_kind(1, DEVMEM_TEST_LEAK_PAGES, &held));
	EXPECT_EQ(page_size(), held.held_pages);
	EXPECT_EQ(2ULL, held.calls);
	EXPECT_EQ(0, dm_mod_leak_free(NULL));
	ASSERT_EQ(0, dm_mod_leak_held(&held));
	EXPECT_EQ(0ULL, held.held_slab + held.held_pages);
}

TEST_HARNESS_MAIN
