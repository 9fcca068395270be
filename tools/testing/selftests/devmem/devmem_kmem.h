/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem_kmem: a devdax namespace of ours handed to the page allocator as
 * System RAM (dax kmem) and back, one memory block at a time.
 *
 * dm_kmem_open() takes the device-dax device of a namespace the caller
 * created (dm_ns_create(): recorded as ours) and refuses any other: the
 * device must lie inside that namespace's range.  dm_kmem_to_ram() unbinds
 * device_dax and binds kmem through libdaxctl with the kernel's
 * auto-online policy switched to "offline" for the bind and restored right
 * after (daxctl refuses while the policy onlines, and onlining is ours to
 * do per block and per zone); dm_kmem_block_online()/_offline() write the
 * state of one memory block of that device, never of any other;
 * dm_kmem_to_devdax() unbinds kmem (remove_memory) and binds device_dax
 * again.  dm_kmem_close() puts everything back: blocks offline, the device
 * in devdax mode, the auto-online policy as found.
 *
 * The checks compare snapshots of MemTotal, nr_memmap_pages and the
 * Normal/Movable zones of the device's node (spanned, present, managed,
 * start_pfn) against what the step must have done, and return the number
 * of violations with the first described in @msg (-errno: unreadable).
 *
 * A toucher is a child process that holds anonymous memory filled with a
 * pattern while its blocks go offline: offlining ZONE_MOVABLE must migrate
 * the pages and the child must find its data intact.
 */
#ifndef __DEVMEM_KMEM_H__
#define __DEVMEM_KMEM_H__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "devmem.h"

enum dm_kmem_zone {
	DM_KMEM_MOVABLE,	/* online_movable */
	DM_KMEM_NORMAL,		/* online_kernel */
};

struct dm_kmem_zinfo {
	bool found;
	long long spanned, present, managed, free;
	long long start_pfn;	/* -1: not printed (empty zone) */
};

struct dm_kmem_snap {
	long long mem_total_kb;
	long long nr_memmap_pages;	/* -1: no counter (before 6.11) */
	long long pgmigrate_success;
	struct dm_kmem_zinfo zone[2];	/* by enum dm_kmem_zone */
};

struct dm_kmem;

/*
 * 0 if dax kmem can be driven here, else -EOPNOTSUPP (or -errno) with the
 * reason: memory hotplug, the kmem driver, the auto-online knob; with
 * @memmap_on_memory also the kernel's memory_hotplug.memmap_on_memory.
 */
int dm_kmem_supported(bool memmap_on_memory, char *why, size_t len);
/* memory_hotplug.memmap_on_memory is on (Y or force). */
bool dm_kmem_memmap_on_memory_enabled(void);

int dm_kmem_open(struct dm_ns *ns, struct dm_kmem **kp, char *why,
		 size_t len);
/* Back to devdax with everything offline; frees @k. */
int dm_kmem_close(struct dm_kmem *k, char *why, size_t len);

const char *dm_kmem_devname(struct dm_kmem *k);
int dm_kmem_node(struct dm_kmem *k);
int dm_kmem_nr_blocks(struct dm_kmem *k);
unsigned long long dm_kmem_block_size(struct dm_kmem *k);
/* memory block number (memoryN) of our i-th block */
unsigned long dm_kmem_block_id(struct dm_kmem *k, int i);
bool dm_kmem_is_ram(struct dm_kmem *k);
/* struct pages of one block, and those in the block with memmap_on_memory */
long long dm_kmem_block_memmap_pages(struct dm_kmem *k);

/*
 * devdax -> System RAM (blocks offline).  @mid, if given, is the snapshot
 * taken with the device unbound (its devdax memmap gone, kmem not yet
 * bound); @unbind_ns and @bind_ns time the two halves.
 */
int dm_kmem_to_ram(struct dm_kmem *k, bool memmap_on_memory,
		   struct dm_kmem_snap *mid, uint64_t *unbind_ns,
		   uint64_t *bind_ns, char *why, size_t len);
int dm_kmem_to_devdax(struct dm_kmem *k, uint64_t *unbind_ns,
		      uint64_t *bind_ns, char *why, size_t len);
int dm_kmem_block_online(struct dm_kmem *k, int i, enum dm_kmem_zone zone,
			 uint64_t *elapsed_ns);
/*
 * -EBUSY (or -EINTR) after @tries attempts 100 ms apart; between attempts
 * the caches are dropped (vm.drop_caches = 3), since reclaimable slab can
 * pin a ZONE_NORMAL block.  One attempt is interrupted (SIGALRM) after
 * DM_KMEM_OFFLINE_SECS, each of several after DM_KMEM_RETRY_SECS: the
 * kernel retries a failing migration until a signal arrives.
 */
#define DM_KMEM_OFFLINE_SECS	600
#define DM_KMEM_RETRY_SECS	10
int dm_kmem_block_offline(struct dm_kmem *k, int i, int tries,
			  uint64_t *elapsed_ns);
/* "online", "offline", ... or -ENOENT when the block is gone */
int dm_kmem_block_state(struct dm_kmem *k, int i, char *buf, size_t len);

int dm_kmem_snap_take(int node, struct dm_kmem_snap *s);
const char *dm_kmem_zone_name(enum dm_kmem_zone zone);

/*
 * The invariants after each step, against @base (devdax mode, before
 * dm_kmem_to_ram()) and for the RAM state against @mid.
 */
int dm_kmem_check_ram(struct dm_kmem *k, const struct dm_kmem_snap *base,
		      const struct dm_kmem_snap *mid, char *msg, size_t len);
int dm_kmem_check_online(struct dm_kmem *k, const struct dm_kmem_snap *base,
			 enum dm_kmem_zone zone, char *msg, size_t len);
int dm_kmem_check_offline(struct dm_kmem *k, const struct dm_kmem_snap *base,
			  char *msg, size_t len);
int dm_kmem_check_devdax(struct dm_kmem *k, const struct dm_kmem_snap *base,
			 char *msg, size_t len);

struct dm_kmem_toucher {
	pid_t pid;
	int go_fd;		/* parent -> child: verify now */
	int done_fd;		/* child -> parent: ready, then the verdict */
	size_t bytes;
};

/*
 * Fork a child holding @bytes of touched anonymous memory allocated on
 * @node only (MPOL_BIND; -1: no policy).
 */
int dm_kmem_toucher_start(struct dm_kmem_toucher *t, size_t bytes, int node);
/* Let it verify and exit: 0 if every byte was intact, else -EIO. */
int dm_kmem_toucher_finish(struct dm_kmem_toucher *t, char *msg, size_t len);
void dm_kmem_toucher_kill(struct dm_kmem_toucher *t);

/*
 * The device type behind region @region (regionN), from its nvdimm bus's
 * provider: "nvdimm" (ACPI.NFIT), "cxl-pmem" (CXL), "e820" (legacy pmem),
 * else the provider's name; "unknown" if unreadable.
 */
const char *dm_region_device_type(const char *region, char *buf, size_t len);

/*
 * ZONE_NORMAL on @region would hang the machine: QEMU's emulated CXL
 * memory (served by MMIO callbacks) froze a 7.2 TCG guest once kernel
 * objects (slab) landed in it.  True for a cxl-pmem region under QEMU.
 */
bool dm_kmem_normal_hangs(const char *region);
#define DM_KMEM_NORMAL_HANGS_WHY \
	"ZONE_NORMAL on QEMU-emulated CXL memory: kernel objects landing in the MMIO-served window froze the TCG guest (QEMU 7.2); real CXL memory is not skipped"

#endif /* __DEVMEM_KMEM_H__ */
