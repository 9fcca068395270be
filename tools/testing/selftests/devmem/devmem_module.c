// SPDX-License-Identifier: GPL-2.0
/*
 * A small C API over the devmem_test module: see devmem_module.h.  The
 * module must be loaded (insmod devmem_test.ko); nothing here loads it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devmem_module.h"

/**
 * dm_mod_available() - is the devmem_test module loaded?
 *
 * True when its misc device exists.  Says nothing about permissions or
 * about DEVICE_PRIVATE support: see dm_mod_has_private().
 */
bool dm_mod_available(void)
{
	return access(DEVMEM_TEST_DEV, F_OK) == 0;
}

/**
 * dm_mod_open() - open the module's misc device
 *
 * Returns a file descriptor or -errno.  DEVICE_PRIVATE ranges added
 * through it are removed by the module when it is closed.
 */
int dm_mod_open(void)
{
	int fd = open(DEVMEM_TEST_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* ioctl on a fresh file descriptor; 0 or -errno. */
static int dm_mod_ioctl(unsigned long cmd, void *arg)
{
	int fd, rc = 0;

	fd = dm_mod_open();
	if (fd < 0)
		return fd;
	if (ioctl(fd, cmd, arg) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/**
 * dm_mod_info() - what the module and the running kernel support
 * @info: filled on success
 */
int dm_mod_info(struct devmem_test_info *info)
{
	memset(info, 0, sizeof(*info));
	return dm_mod_ioctl(DEVMEM_TEST_INFO, info);
}

/**
 * dm_mod_has_private() - can the module add DEVICE_PRIVATE ranges?
 *
 * False when the module is not loaded or the kernel lacks
 * CONFIG_DEVICE_PRIVATE.
 */
bool dm_mod_has_private(void)
{
	struct devmem_test_info info;

	if (dm_mod_info(&info))
		return false;
	return info.features & DEVMEM_TEST_F_DEVICE_PRIVATE;
}

/**
 * dm_mod_spans() - every online node's and zone's span, via the ioctl
 * @spans: filled on success
 *
 * Returns -E2BIG when there are more than DM_MAX_NODES online nodes.
 */
int dm_mod_spans(struct dm_spans *spans)
{
	struct devmem_test_spans args = {
		.nodes = (uintptr_t)spans->nodes,
		.max_nodes = DM_MAX_NODES,
	};
	int rc;

	memset(spans, 0, sizeof(*spans));
	rc = dm_mod_ioctl(DEVMEM_TEST_SPANS, &args);
	if (rc)
		return rc;
	if (args.nr_nodes > DM_MAX_NODES)
		return -E2BIG;
	spans->nr_nodes = args.nr_nodes;
	return 0;
}

/* The entry for @nid in @spans, appended when new; NULL when full. */
static struct devmem_test_node *dm_spans_get_node(struct dm_spans *spans,
						  int nid)
{
	struct devmem_test_node *n;

	n = (struct devmem_test_node *)dm_spans_node(spans, nid);
	if (n || spans->nr_nodes == DM_MAX_NODES)
		return n;
	n = &spans->nodes[spans->nr_nodes++];
	n->nid = nid;
	return n;
}

/**
 * dm_mod_spans_text() - the same spans, parsed from DEVMEM_TEST_SPANS_FILE
 * @spans: filled on success
 *
 * Lines are "nid zone start_pfn spanned present node_start_pfn
 * node_spanned node_present"; lines starting with '#' are comments.
 * Returns -EPROTO on a line that does not parse.
 */
int dm_mod_spans_text(struct dm_spans *spans)
{
	unsigned long long zs, zsp, zp, ns, nsp, np;
	struct devmem_test_node *n;
	struct devmem_test_zone *z;
	char line[256], name[DEVMEM_TEST_NAME_LEN];
	int nid, rc = 0;
	FILE *f;

	memset(spans, 0, sizeof(*spans));
	f = fopen(DEVMEM_TEST_SPANS_FILE, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%d %15s %llu %llu %llu %llu %llu %llu",
			   &nid, name, &zs, &zsp, &zp, &ns, &nsp, &np) != 8) {
			rc = -EPROTO;
			break;
		}
		n = dm_spans_get_node(spans, nid);
		if (!n) {
			rc = -E2BIG;
			break;
		}
		if (n->nr_zones == DEVMEM_TEST_MAX_ZONES) {
			rc = -EPROTO;
			break;
		}
		n->start_pfn = ns;
		n->spanned_pages = nsp;
		n->present_pages = np;
		z = &n->zones[n->nr_zones];
		snprintf(z->name, sizeof(z->name), "%s", name);
		z->idx = n->nr_zones++;
		z->start_pfn = zs;
		z->spanned_pages = zsp;
		z->present_pages = zp;
	}
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	return rc;
}

/**
 * dm_spans_node() - node @nid in @spans, or NULL
 */
const struct devmem_test_node *dm_spans_node(const struct dm_spans *spans,
					     int nid)
{
	int i;

	for (i = 0; i < spans->nr_nodes; i++)
		if (spans->nodes[i].nid == (uint64_t)nid)
			return &spans->nodes[i];
	return NULL;
}

/**
 * dm_spans_zone() - zone @name ("Device", "Normal", ...) of node @nid
 *
 * NULL when the node is not online or has no such zone.
 */
const struct devmem_test_zone *dm_spans_zone(const struct dm_spans *spans,
					     int nid, const char *name)
{
	const struct devmem_test_node *n = dm_spans_node(spans, nid);
	uint64_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n->nr_zones; i++)
		if (!strcmp(n->zones[i].name, name))
			return &n->zones[i];
	return NULL;
}

/**
 * dm_mod_private_add() - map a DEVICE_PRIVATE range with memremap_pages()
 * @fd: from dm_mod_open(); the range lives at most as long as it
 * @size: bytes, a multiple of devmem_test_info.align
 * @nid: node, or DM_NID_ANY
 * @p: filled on success: id, start, size, the node used, add_ns
 *
 * Returns 0, -EOPNOTSUPP without CONFIG_DEVICE_PRIVATE, or another -errno.
 */
int dm_mod_private_add(int fd, uint64_t size, int nid, struct dm_private *p)
{
	struct devmem_test_private args = {
		.size = size,
		.nid = nid < 0 ? DEVMEM_TEST_NID_ANY : (uint64_t)nid,
	};

	if (ioctl(fd, DEVMEM_TEST_PRIVATE_ADD, &args) < 0)
		return -errno;
	memset(p, 0, sizeof(*p));
	p->id = args.id;
	p->start = args.start;
	p->size = size;
	p->nid = args.nid;
	p->add_ns = args.ns;
	return 0;
}

/**
 * dm_mod_private_remove() - memunmap_pages() a range from dm_mod_private_add()
 * @fd: the descriptor the range was added through
 * @p: the range; its remove_ns is set on success
 */
int dm_mod_private_remove(int fd, struct dm_private *p)
{
	struct devmem_test_private args = { .id = p->id };

	if (ioctl(fd, DEVMEM_TEST_PRIVATE_REMOVE, &args) < 0)
		return -errno;
	p->remove_ns = args.ns;
	return 0;
}

/**
 * dm_mod_private_cycle() - @cycles DEVICE_PRIVATE add/remove cycles
 * @size: bytes, a multiple of devmem_test_info.align
 * @nid: node, or DM_NID_ANY
 * @cycles: how many, at most devmem_test_info.max_cycles
 * @results: @cycles entries, each cycle's memremap_pages() and
 *	memunmap_pages() time in ns
 *
 * The same physical range is added and removed each cycle, all in one
 * ioctl.  Returns 0 or -errno (-EOPNOTSUPP without CONFIG_DEVICE_PRIVATE).
 */
int dm_mod_private_cycle(uint64_t size, int nid, unsigned int cycles,
			 struct devmem_test_sample *results)
{
	struct devmem_test_cycle args = {
		.size = size,
		.nid = nid < 0 ? DEVMEM_TEST_NID_ANY : (uint64_t)nid,
		.cycles = cycles,
		.samples = (uintptr_t)results,
	};
	int rc;

	rc = dm_mod_ioctl(DEVMEM_TEST_PRIVATE_CYCLE, &args);
	if (!rc && args.done != cycles)
		rc = -EIO;
	return rc;
}

/**
 * dm_mod_has_feature() - does the loaded module report @feature?
 * @feature: a DEVMEM_TEST_F_* bit
 *
 * False when the module is not loaded or predates the feature.
 */
bool dm_mod_has_feature(uint64_t feature)
{
	struct devmem_test_info info;

	if (dm_mod_info(&info))
		return false;
	return (info.features & feature) == feature;
}

/**
 * dm_mod_has_leak() - does the loaded module have DEVMEM_TEST_LEAK?
 *
 * False when the module is not loaded or older than API version 2.
 */
bool dm_mod_has_leak(void)
{
	return dm_mod_has_feature(DEVMEM_TEST_F_LEAK);
}

/* A leak ioctl; a module without it (version 1) gives -EOPNOTSUPP. */
static int dm_mod_leak_ioctl(unsigned long cmd, struct devmem_test_leak *args)
{
	int rc = dm_mod_ioctl(cmd, args);

	return rc == -ENOTTY ? -EOPNOTSUPP : rc;
}

/**
 * dm_mod_leak_kind() - make the module allocate memory and keep it
 * @bytes: how much; 0 allocates nothing and just reports
 * @kind: DEVMEM_TEST_LEAK_SLAB (kmalloc() objects: Slab/SUnreclaim up,
 *	free pages down), DEVMEM_TEST_LEAK_PAGES (order-0 pages: free
 *	pages down only) or DEVMEM_TEST_LEAK_HIDDEN (as SLAB, but kmemleak
 *	reports them); devmem_test_uapi.h has the details
 * @state: if not NULL, what the module holds after the call
 *
 * The memory stays held until dm_mod_leak_free() or rmmod.  Returns 0,
 * -EOPNOTSUPP when the loaded module predates the request, -ENOSPC past
 * the module's leak_max_mb, -EINVAL for a bad @kind, -ENOMEM.
 */
int dm_mod_leak_kind(uint64_t bytes, unsigned int kind,
		     struct devmem_test_leak *state)
{
	struct devmem_test_leak args = { .bytes = bytes, .kind = kind };
	int rc;

	rc = dm_mod_leak_ioctl(DEVMEM_TEST_LEAK, &args);
	if (!rc && state)
		*state = args;
	return rc;
}

/**
 * dm_mod_leak() - leak @bytes in kmalloc() objects (DEVMEM_TEST_LEAK_SLAB)
 *
 * As dm_mod_leak_kind(): 0 or -errno (-EOPNOTSUPP: module too old).
 */
int dm_mod_leak(uint64_t bytes)
{
	return dm_mod_leak_kind(bytes, DEVMEM_TEST_LEAK_SLAB, NULL);
}

/**
 * dm_mod_leak_held() - what DEVMEM_TEST_LEAK holds now
 * @state: held_slab, held_pages and calls are set on success
 */
int dm_mod_leak_held(struct devmem_test_leak *state)
{
	return dm_mod_leak_kind(0, DEVMEM_TEST_LEAK_SLAB, state);
}

/**
 * dm_mod_leak_free() - free everything DEVMEM_TEST_LEAK holds
 * @freed: if not NULL, the bytes freed
 *
 * Returns 0 or -errno (-EOPNOTSUPP: module too old).
 */
int dm_mod_leak_free(uint64_t *freed)
{
	struct devmem_test_leak args = { 0 };
	int rc;

	rc = dm_mod_leak_ioctl(DEVMEM_TEST_LEAK_FREE, &args);
	if (!rc && freed)
		*freed = args.bytes;
	return rc;
}
