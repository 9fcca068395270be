/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Interface of the devmem_test module (kernel/module/devmem_test.c), a
 * test-only module for the devmem selftests.  It shows what userspace
 * cannot see, the node and zone spans including ZONE_DEVICE, and it adds
 * and removes MEMORY_DEVICE_PRIVATE ranges with memremap_pages() and
 * memunmap_pages(), timing each call in the kernel.
 *
 * ioctls go to the misc device DEVMEM_TEST_DEV.  Ranges added with
 * DEVMEM_TEST_PRIVATE_ADD belong to the open file: closing it removes
 * whatever is still mapped.  The same spans are printed, one line per
 * zone, in the debugfs file DEVMEM_TEST_SPANS_FILE, eight columns:
 *
 *   nid zone start_pfn spanned present node_start_pfn node_spanned
 *   node_present
 *
 * for example "0 Device 0 0 0 0 524256 524126".  Numbers are decimal;
 * every zone of every online node is listed, empty ones included; lines
 * starting with '#' are comments.
 *
 * DEVMEM_TEST_LEAK is the positive control of the soak's leak detector:
 * it allocates memory and keeps it, as a leak on the hotplug path would.
 * The memory stays in the module (kmemleak sees it referenced, but for
 * DEVMEM_TEST_LEAK_HIDDEN, the kmemleak scan's positive control) until
 * DEVMEM_TEST_LEAK_FREE or rmmod, so the machine is never poisoned.
 *
 * Versions: 1 had INFO, SPANS and the PRIVATE ioctls; 2 adds LEAK and
 * LEAK_FREE (DEVMEM_TEST_F_LEAK); 3 adds DEVMEM_TEST_LEAK_HIDDEN
 * (DEVMEM_TEST_F_LEAK_HIDDEN).  No structure or number of an earlier
 * version changed: a version 1 module fails the new ioctls with ENOTTY,
 * a version 2 one the new kind with EINVAL.
 */
#ifndef _DEVMEM_TEST_UAPI_H
#define _DEVMEM_TEST_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DEVMEM_TEST_DEV		"/dev/devmem_test"
#define DEVMEM_TEST_SPANS_FILE	"/sys/kernel/debug/devmem_test/spans"

#define DEVMEM_TEST_API_VERSION	3
#define DEVMEM_TEST_NAME_LEN	16
#define DEVMEM_TEST_MAX_ZONES	8
/* For nid: the node of the calling CPU's memory. */
#define DEVMEM_TEST_NID_ANY	((__u64)-1)

/* devmem_test_info.features */
#define DEVMEM_TEST_F_DEVICE_PRIVATE	(1ULL << 0)
/* DEVMEM_TEST_LEAK and DEVMEM_TEST_LEAK_FREE exist (API version 2) */
#define DEVMEM_TEST_F_LEAK		(1ULL << 1)
/* DEVMEM_TEST_LEAK_HIDDEN exists (API version 3) */
#define DEVMEM_TEST_F_LEAK_HIDDEN	(1ULL << 2)

/**
 * struct devmem_test_info - what the module and the kernel support
 * @version:	(out) DEVMEM_TEST_API_VERSION
 * @features:	(out) DEVMEM_TEST_F_* bits; without
 *		DEVMEM_TEST_F_DEVICE_PRIVATE (CONFIG_DEVICE_PRIVATE=n) the
 *		PRIVATE ioctls fail with EOPNOTSUPP
 * @page_size:	(out) PAGE_SIZE in bytes
 * @align:	(out) a private range's size must be a non-zero multiple of
 *		this (the sparsemem subsection size, 2 MiB on x86_64)
 * @max_size:	(out) largest private range the module accepts, in bytes
 * @max_ranges:	(out) private ranges one open file may keep mapped
 * @max_cycles:	(out) largest devmem_test_cycle.cycles accepted
 * @max_zones:	(out) zones per node (MAX_NR_ZONES)
 */
struct devmem_test_info {
	__u64 version;
	__u64 features;
	__u64 page_size;
	__u64 align;
	__u64 max_size;
	__u64 max_ranges;
	__u64 max_cycles;
	__u64 max_zones;
};

/**
 * struct devmem_test_zone - one zone of a node
 * @name:		(out) zone name as in /proc/zoneinfo ("DMA32",
 *			"Normal", "Movable", "Device"), NUL-terminated
 * @idx:		(out) zone index within the node
 * @start_pfn:		(out) zone_start_pfn (stale when @spanned_pages is 0)
 * @spanned_pages:	(out) spanned_pages
 * @present_pages:	(out) present_pages
 */
struct devmem_test_zone {
	char name[DEVMEM_TEST_NAME_LEN];
	__u64 idx;
	__u64 start_pfn;
	__u64 spanned_pages;
	__u64 present_pages;
};

/* devmem_test_node.flags */
/* The fields changed while being read, even after retries. */
#define DEVMEM_TEST_NODE_UNSTABLE	(1ULL << 0)

/**
 * struct devmem_test_node - one online node and its zones
 * @nid:		(out) node id
 * @flags:		(out) DEVMEM_TEST_NODE_* bits
 * @start_pfn:		(out) node_start_pfn
 * @spanned_pages:	(out) node_spanned_pages
 * @present_pages:	(out) node_present_pages
 * @nr_zones:		(out) entries filled in @zones (MAX_NR_ZONES)
 * @zones:		(out) every zone of the node, empty ones included
 */
struct devmem_test_node {
	__u64 nid;
	__u64 flags;
	__u64 start_pfn;
	__u64 spanned_pages;
	__u64 present_pages;
	__u64 nr_zones;
	struct devmem_test_zone zones[DEVMEM_TEST_MAX_ZONES];
};

/**
 * struct devmem_test_spans - argument of DEVMEM_TEST_SPANS
 * @nodes:	(in) user pointer to an array of struct devmem_test_node
 * @max_nodes:	(in) entries in that array
 * @nr_nodes:	(out) online nodes; when more than @max_nodes, only the
 *		first @max_nodes were written: call again with a larger array
 */
struct devmem_test_spans {
	__u64 nodes;
	__u64 max_nodes;
	__u64 nr_nodes;
};

/**
 * struct devmem_test_private - argument of DEVMEM_TEST_PRIVATE_ADD/REMOVE
 * @size:	(in) ADD: bytes, a non-zero multiple of devmem_test_info.align
 * @nid:	(in) ADD: node, or DEVMEM_TEST_NID_ANY; (out) the node used
 * @id:		(out) ADD: handle of the new range; (in) REMOVE: which one
 * @start:	(out) physical address of the range (request_free_mem_region())
 * @ns:		(out) ADD: memremap_pages() time; REMOVE: memunmap_pages()
 *		time; nanoseconds (ktime_get_ns())
 */
struct devmem_test_private {
	__u64 size;
	__u64 nid;
	__u64 id;
	__u64 start;
	__u64 ns;
};

/**
 * struct devmem_test_sample - one add/remove cycle
 * @add_ns:	(out) memremap_pages() time in nanoseconds
 * @remove_ns:	(out) memunmap_pages() time in nanoseconds
 */
struct devmem_test_sample {
	__u64 add_ns;
	__u64 remove_ns;
};

/**
 * struct devmem_test_cycle - argument of DEVMEM_TEST_PRIVATE_CYCLE
 * @size:	(in) bytes, a non-zero multiple of devmem_test_info.align
 * @nid:	(in) node, or DEVMEM_TEST_NID_ANY; (out) the node used
 * @cycles:	(in) add/remove cycles to run, at most
 *		devmem_test_info.max_cycles
 * @samples:	(in) user pointer to @cycles struct devmem_test_sample
 * @start:	(out) physical address of the range, the same every cycle
 * @done:	(out) cycles completed and written to @samples
 */
struct devmem_test_cycle {
	__u64 size;
	__u64 nid;
	__u64 cycles;
	__u64 samples;
	__u64 start;
	__u64 done;
};

/* devmem_test_leak.kind: how the bytes are allocated */
/*
 * kmalloc() objects of DEVMEM_TEST_LEAK_OBJ bytes (the last one smaller,
 * at least 16): Slab/SUnreclaim and nr_slab_unreclaimable_B grow, and free
 * pages (MemFree plus the per-cpu lists) drop, by about @bytes each, in
 * steps of whole slabs.  Like a leaked mem_section_usage, memtype or
 * xarray node.
 */
#define DEVMEM_TEST_LEAK_SLAB	0
/*
 * Order-0 alloc_pages(), @bytes rounded up to whole pages: only free pages
 * drop; Slab, PageTables and the rest stay.  Like a leaked vmemmap or
 * page-table page.
 */
#define DEVMEM_TEST_LEAK_PAGES	1
/*
 * kmalloc() objects as SLAB, zeroed, but held where kmemleak finds no
 * reference to them: its scan reports each one older than its minimum
 * age (5 s) as an unreferenced object, which a real leak is.  The module
 * still frees them at LEAK_FREE or rmmod.
 */
#define DEVMEM_TEST_LEAK_HIDDEN	2
#define DEVMEM_TEST_LEAK_OBJ	1024

/**
 * struct devmem_test_leak - argument of DEVMEM_TEST_LEAK/LEAK_FREE
 * @bytes:	(in) LEAK: bytes to allocate and keep (0: allocate nothing,
 *		just report); (out) LEAK_FREE: bytes freed
 * @kind:	(in) LEAK: DEVMEM_TEST_LEAK_SLAB, _PAGES or _HIDDEN
 * @held_slab:	(out) bytes the module now holds in kmalloc() objects
 *		(hidden ones too)
 * @held_pages:	(out) bytes the module now holds in whole pages
 * @calls:	(out) LEAK calls that allocated something since the last
 *		LEAK_FREE (or the load)
 *
 * The module holds at most leak_max_mb (a parameter, default 256 MiB) in
 * all: beyond it LEAK fails with ENOSPC.  A LEAK that fails allocates
 * nothing.  Held bytes are the sizes the module allocated: @bytes, with a
 * last SLAB object of less than 16 bytes rounded up to 16, and PAGES
 * rounded up to whole pages; the allocator's own rounding (slab slack,
 * KASAN redzones) is not in them.
 */
struct devmem_test_leak {
	__u64 bytes;
	__u64 kind;
	__u64 held_slab;
	__u64 held_pages;
	__u64 calls;
};

#define DEVMEM_TEST_INFO \
	_IOWR('D', 0x00, struct devmem_test_info)
#define DEVMEM_TEST_SPANS \
	_IOWR('D', 0x01, struct devmem_test_spans)
#define DEVMEM_TEST_PRIVATE_ADD \
	_IOWR('D', 0x02, struct devmem_test_private)
#define DEVMEM_TEST_PRIVATE_REMOVE \
	_IOWR('D', 0x03, struct devmem_test_private)
#define DEVMEM_TEST_PRIVATE_CYCLE \
	_IOWR('D', 0x04, struct devmem_test_cycle)
#define DEVMEM_TEST_LEAK \
	_IOWR('D', 0x05, struct devmem_test_leak)
#define DEVMEM_TEST_LEAK_FREE \
	_IOWR('D', 0x06, struct devmem_test_leak)

#endif /* _DEVMEM_TEST_UAPI_H */
