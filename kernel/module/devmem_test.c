// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_test: a test-only module for the devmem selftests.
 *
 * It shows what userspace cannot see, each online node's span and the span
 * of each of its zones, ZONE_DEVICE included, in the debugfs file
 * devmem_test/spans and through the DEVMEM_TEST_SPANS ioctl.  It also adds
 * and removes MEMORY_DEVICE_PRIVATE ranges with memremap_pages() and
 * memunmap_pages() on a request_free_mem_region() range: the add_pages()
 * path without a linear map, which NVDIMM namespaces never take.  Each call
 * is timed in the kernel with ktime_get_ns().
 *
 * DEVMEM_TEST_LEAK allocates memory and keeps it, a controlled leak for the
 * positive control of the soak's leak detector: kmalloc() objects (Slab
 * grows, free pages drop) or whole pages (free pages drop), referenced,
 * or kmalloc() objects kept where kmemleak cannot see them (the positive
 * control of the kmemleak scan).  The memory stays here until
 * DEVMEM_TEST_LEAK_FREE or rmmod.
 *
 * The interface is tools/testing/selftests/devmem/devmem_test_uapi.h; the
 * misc device is /dev/devmem_test.  Ranges belong to the file that added
 * them and are removed when it is closed, and an open file pins the module,
 * so no pgmap can outlive it.
 *
 * To use: insmod devmem_test.ko; cat /sys/kernel/debug/devmem_test/spans
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "devmem_test_uapi.h"

static unsigned int max_ranges = 64;
module_param(max_ranges, uint, 0644);
MODULE_PARM_DESC(max_ranges,
		 "DEVICE_PRIVATE ranges one open file may keep mapped (default: 64)");

static unsigned int max_cycles = 100000;
module_param(max_cycles, uint, 0644);
MODULE_PARM_DESC(max_cycles,
		 "Most add/remove cycles in one DEVMEM_TEST_PRIVATE_CYCLE call (default: 100000)");

static unsigned long max_size_mb = 65536;
module_param(max_size_mb, ulong, 0644);
MODULE_PARM_DESC(max_size_mb,
		 "Largest DEVICE_PRIVATE range in MiB; its memmap takes 1/64 of that in RAM (default: 65536)");

static unsigned long leak_max_mb = 256;
module_param(leak_max_mb, ulong, 0644);
MODULE_PARM_DESC(leak_max_mb,
		 "Most memory DEVMEM_TEST_LEAK may hold in all, in MiB (default: 256)");

/*
 * Locking.  Every writer of the spans read here (move_pfn_range_to_zone(),
 * remove_pfn_range_from_zone(), node hot-add) runs with mem_hotplug_lock
 * held for write; since 27cacaad16c5 ("mm,memory_hotplug: drop unneeded
 * locking", v5.14) none of them takes pgdat_resize_lock() or the zone span
 * seqlock.  get_online_mems() is therefore the lock that makes the spans
 * stable, but it is not exported to modules.  pgdat_resize_lock() can be
 * taken from a module, but it now guards deferred struct page init only and
 * excludes no span writer: taking it would disable interrupts and promise
 * nothing.  So:
 *
 * - devmem_test_lock serialises this module's own memremap_pages() and
 *   memunmap_pages() calls with its span reads: the spans a test reads
 *   between its own adds and removes are exact;
 * - against other writers (an NVDIMM namespace created meanwhile) a node is
 *   read again until two reads in a row agree, and reported with
 *   DEVMEM_TEST_NODE_UNSTABLE if they never do.
 *
 * devmem_test_lock also protects devmem_test_ranges and the per-file
 * counts.  It is never held while memremap_pages() waits for anything but
 * the hotplug locks, which never wait for it.
 */
static DEFINE_MUTEX(devmem_test_lock);

#define DEVMEM_TEST_READ_TRIES	8

/* State of one open file of the misc device. */
struct devmem_test_file {
	unsigned int nr_ranges;
};

static struct dentry *devmem_test_dir;

/* One snapshot of a node's and its zones' spans, without retrying. */
static void devmem_test_read_once(int nid, struct devmem_test_node *n)
{
	struct pglist_data *pgdat = NODE_DATA(nid);
	int i;

	memset(n, 0, sizeof(*n));
	n->nid = nid;
	n->start_pfn = READ_ONCE(pgdat->node_start_pfn);
	n->spanned_pages = READ_ONCE(pgdat->node_spanned_pages);
	n->present_pages = READ_ONCE(pgdat->node_present_pages);
	n->nr_zones = MAX_NR_ZONES;
	for (i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &pgdat->node_zones[i];
		struct devmem_test_zone *z = &n->zones[i];

		strscpy(z->name, zone->name ? zone->name : "?",
			sizeof(z->name));
		z->idx = i;
		z->start_pfn = READ_ONCE(zone->zone_start_pfn);
		z->spanned_pages = READ_ONCE(zone->spanned_pages);
		z->present_pages = READ_ONCE(zone->present_pages);
	}
}

/*
 * Read node @nid into @n until two reads in a row agree; @tmp is scratch.
 * Called with devmem_test_lock held.
 */
static void devmem_test_read_node(int nid, struct devmem_test_node *n,
				  struct devmem_test_node *tmp)
{
	int try;

	BUILD_BUG_ON(MAX_NR_ZONES > DEVMEM_TEST_MAX_ZONES);
	lockdep_assert_held(&devmem_test_lock);

	devmem_test_read_once(nid, n);
	for (try = 0; try < DEVMEM_TEST_READ_TRIES; try++) {
		devmem_test_read_once(nid, tmp);
		if (!memcmp(n, tmp, sizeof(*n)))
			return;
		memcpy(n, tmp, sizeof(*n));
	}
	n->flags |= DEVMEM_TEST_NODE_UNSTABLE;
}

static int devmem_test_spans_show(struct seq_file *m, void *v)
{
	struct devmem_test_node *n;
	int nid, i;

	n = kmalloc_array(2, sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;

	seq_puts(m, "# nid zone start_pfn spanned present node_start_pfn node_spanned node_present\n");
	mutex_lock(&devmem_test_lock);
	for_each_online_node(nid) {
		devmem_test_read_node(nid, &n[0], &n[1]);
		if (n[0].flags & DEVMEM_TEST_NODE_UNSTABLE)
			seq_printf(m, "# node %d unstable: changed while read\n",
				   nid);
		for (i = 0; i < n[0].nr_zones; i++) {
			const struct devmem_test_zone *z = &n[0].zones[i];

			seq_printf(m, "%d %s %llu %llu %llu %llu %llu %llu\n",
				   nid, z->name, z->start_pfn,
				   z->spanned_pages, z->present_pages,
				   n[0].start_pfn, n[0].spanned_pages,
				   n[0].present_pages);
		}
	}
	mutex_unlock(&devmem_test_lock);
	kfree(n);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(devmem_test_spans);

static long devmem_test_spans(void __user *uarg)
{
	struct devmem_test_node __user *unodes;
	struct devmem_test_spans args;
	struct devmem_test_node *n;
	u64 count = 0;
	long ret = 0;
	int nid;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	unodes = u64_to_user_ptr(args.nodes);

	n = kmalloc_array(2, sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;

	/* One lock hold, so that all nodes come from the same moment. */
	mutex_lock(&devmem_test_lock);
	for_each_online_node(nid) {
		if (count < args.max_nodes) {
			devmem_test_read_node(nid, &n[0], &n[1]);
			if (copy_to_user(&unodes[count], &n[0], sizeof(n[0]))) {
				ret = -EFAULT;
				break;
			}
		}
		count++;
	}
	mutex_unlock(&devmem_test_lock);
	kfree(n);
	if (ret)
		return ret;

	args.nr_nodes = count;
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

/*
 * The controlled leak.  A kmalloc() object is kept through the list_head
 * at its start (so it is at least that big), a page through its lru; both
 * stay referenced, so kmemleak does not report them.  A HIDDEN object is
 * zeroed and chained through its first word, which holds the next one's
 * address complemented, as does the head: no word kmemleak scans points
 * into it, so kmemleak reports it as a leak, and yet it is freed here.
 * The lists and counters are under devmem_test_leak_lock, which is held
 * across the allocations so that leak_max_mb holds.
 */
static DEFINE_MUTEX(devmem_test_leak_lock);
static LIST_HEAD(devmem_test_leak_objs);
static LIST_HEAD(devmem_test_leak_pages);
static unsigned long devmem_test_leak_hidden;	/* ~first, or 0 */
static u64 devmem_test_leak_slab;
static u64 devmem_test_leak_page_bytes;
static u64 devmem_test_leak_calls;

#define DEVMEM_TEST_LEAK_MIN	sizeof(struct list_head)

/* A hidden chain: the complemented address of its first object, or 0. */
static void *devmem_test_unhide(unsigned long link)
{
	return link ? (void *)~link : NULL;
}

static unsigned long devmem_test_hide(void *obj)
{
	return obj ? ~(unsigned long)obj : 0;
}

/* Free what @objs, @pages and the hidden chain @hidden hold. */
static void devmem_test_leak_release(struct list_head *objs,
				     struct list_head *pages,
				     unsigned long hidden)
{
	struct list_head *pos, *next;
	struct page *page, *tmp;
	unsigned long *obj;

	while ((obj = devmem_test_unhide(hidden))) {
		hidden = *obj;
		kfree(obj);
	}

	list_for_each_safe(pos, next, objs) {
		list_del(pos);
		kfree(pos);
	}
	list_for_each_entry_safe(page, tmp, pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/* @bytes as the module allocates them for @kind. */
static u64 devmem_test_leak_size(u64 bytes, u64 kind)
{
	u64 tail = bytes % DEVMEM_TEST_LEAK_OBJ;

	if (kind == DEVMEM_TEST_LEAK_PAGES)
		return round_up(bytes, PAGE_SIZE);
	if (tail && tail < DEVMEM_TEST_LEAK_MIN)
		bytes += DEVMEM_TEST_LEAK_MIN - tail;
	return bytes;
}

/*
 * Allocate @size bytes of @kind onto @objs, @pages or the hidden chain
 * *@hidden; on failure the caller releases what was allocated.
 */
static int devmem_test_leak_alloc(u64 size, u64 kind, struct list_head *objs,
				  struct list_head *pages,
				  unsigned long *hidden)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;

	while (size) {
		u64 chunk;

		if (kind == DEVMEM_TEST_LEAK_HIDDEN) {
			unsigned long *obj;

			chunk = min_t(u64, size, DEVMEM_TEST_LEAK_OBJ);
			obj = kzalloc(chunk, gfp);
			if (!obj)
				return -ENOMEM;
			*obj = *hidden;
			*hidden = devmem_test_hide(obj);
		} else if (kind == DEVMEM_TEST_LEAK_PAGES) {
			struct page *page = alloc_page(gfp);

			if (!page)
				return -ENOMEM;
			list_add_tail(&page->lru, pages);
			chunk = PAGE_SIZE;
		} else {
			struct list_head *obj;

			chunk = min_t(u64, size, DEVMEM_TEST_LEAK_OBJ);
			obj = kmalloc(chunk, gfp);
			if (!obj)
				return -ENOMEM;
			list_add_tail(obj, objs);
		}
		size -= chunk;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* What the module holds now, into @args; under devmem_test_leak_lock. */
static void devmem_test_leak_report(struct devmem_test_leak *args)
{
	lockdep_assert_held(&devmem_test_leak_lock);
	args->held_slab = devmem_test_leak_slab;
	args->held_pages = devmem_test_leak_page_bytes;
	args->calls = devmem_test_leak_calls;
}

static long devmem_test_leak(void __user *uarg)
{
	u64 limit = (u64)READ_ONCE(leak_max_mb) << 20;
	struct devmem_test_leak args;
	unsigned long hidden = 0, *last;
	LIST_HEAD(objs);
	LIST_HEAD(pages);
	u64 size;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.kind != DEVMEM_TEST_LEAK_SLAB &&
	    args.kind != DEVMEM_TEST_LEAK_PAGES &&
	    args.kind != DEVMEM_TEST_LEAK_HIDDEN)
		return -EINVAL;
	if (args.bytes > limit)
		return -ENOSPC;
	size = devmem_test_leak_size(args.bytes, args.kind);

	mutex_lock(&devmem_test_leak_lock);
	if (devmem_test_leak_slab + devmem_test_leak_page_bytes + size >
	    limit) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	ret = devmem_test_leak_alloc(size, args.kind, &objs, &pages, &hidden);
	if (ret)
		goto out_release;
	list_splice_tail(&objs, &devmem_test_leak_objs);
	list_splice_tail(&pages, &devmem_test_leak_pages);
	if (hidden) {
		/* the new chain's last object links to the old chain */
		for (last = devmem_test_unhide(hidden); *last;
		     last = devmem_test_unhide(*last))
			;
		*last = devmem_test_leak_hidden;
		devmem_test_leak_hidden = hidden;
	}
	if (args.kind == DEVMEM_TEST_LEAK_PAGES)
		devmem_test_leak_page_bytes += size;
	else
		devmem_test_leak_slab += size;
	if (size)
		devmem_test_leak_calls++;
	devmem_test_leak_report(&args);
	mutex_unlock(&devmem_test_leak_lock);

	/* On -EFAULT the memory stays held, as the next call reports. */
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;

out_release:
	devmem_test_leak_release(&objs, &pages, hidden);
out_unlock:
	mutex_unlock(&devmem_test_leak_lock);
	return ret;
}

/* Free everything DEVMEM_TEST_LEAK holds; @args gets the bytes freed. */
static void devmem_test_leak_free_all(struct devmem_test_leak *args)
{
	unsigned long hidden;
	LIST_HEAD(objs);
	LIST_HEAD(pages);

	mutex_lock(&devmem_test_leak_lock);
	list_splice_init(&devmem_test_leak_objs, &objs);
	list_splice_init(&devmem_test_leak_pages, &pages);
	hidden = devmem_test_leak_hidden;
	devmem_test_leak_hidden = 0;
	args->bytes = devmem_test_leak_slab + devmem_test_leak_page_bytes;
	devmem_test_leak_slab = 0;
	devmem_test_leak_page_bytes = 0;
	devmem_test_leak_calls = 0;
	devmem_test_leak_report(args);
	mutex_unlock(&devmem_test_leak_lock);
	devmem_test_leak_release(&objs, &pages, hidden);
}

static long devmem_test_leak_free(void __user *uarg)
{
	struct devmem_test_leak args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	devmem_test_leak_free_all(&args);
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)

/* One DEVICE_PRIVATE range: its address space and, while mapped, pgmap. */
struct devmem_test_range {
	struct dev_pagemap pgmap;
	struct resource *res;
	struct devmem_test_file *file;
	u64 size;
	int nid;
};

/* Mapped ranges of all open files, by id; under devmem_test_lock. */
static DEFINE_XARRAY_ALLOC1(devmem_test_ranges);

/* Identifies this module's pages to migrate_vma and hmm_range_fault. */
static char devmem_test_owner;

/*
 * No page of a range is ever handed out (nothing migrates to this "device"),
 * so no page can be freed back and no CPU can fault on one.  The two methods
 * exist because memremap_pages() refuses DEVICE_PRIVATE without them.
 */
static void devmem_test_page_free(struct page *page)
{
	WARN_ON_ONCE(1);
}

static vm_fault_t devmem_test_migrate_to_ram(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops devmem_test_pgmap_ops = {
	.page_free	= devmem_test_page_free,
	.migrate_to_ram	= devmem_test_migrate_to_ram,
};

/* Check a size and node from userspace; resolve DEVMEM_TEST_NID_ANY. */
static int devmem_test_check_range(u64 size, u64 *nid)
{
	if (!size || !IS_ALIGNED(size, SUBSECTION_SIZE) ||
	    size > (u64)max_size_mb << 20)
		return -EINVAL;
	if (*nid == DEVMEM_TEST_NID_ANY)
		*nid = numa_mem_id();
	else if (*nid >= MAX_NUMNODES || !node_online(*nid))
		return -EINVAL;
	return 0;
}

/* Reserve free physical address space for a range, nothing mapped yet. */
static struct devmem_test_range *devmem_test_range_alloc(u64 size, int nid)
{
	struct devmem_test_range *r;
	struct resource *res;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);

	res = request_free_mem_region(&iomem_resource, size, KBUILD_MODNAME);
	if (IS_ERR_OR_NULL(res)) {
		kfree(r);
		return res ? ERR_CAST(res) : ERR_PTR(-ENOMEM);
	}
	r->res = res;
	r->size = size;
	r->nid = nid;
	return r;
}

static void devmem_test_range_free(struct devmem_test_range *r)
{
	release_mem_region(r->res->start, resource_size(r->res));
	kfree(r);
}

/* memremap_pages() on @r; its duration in ns goes to @ns. */
static int devmem_test_range_map(struct devmem_test_range *r, u64 *ns)
{
	void *addr;
	u64 t0;

	lockdep_assert_held(&devmem_test_lock);

	/* A fresh pgmap every time: memremap_pages() expects one. */
	memset(&r->pgmap, 0, sizeof(r->pgmap));
	r->pgmap.type = MEMORY_DEVICE_PRIVATE;
	r->pgmap.range.start = r->res->start;
	r->pgmap.range.end = r->res->start + r->size - 1;
	r->pgmap.nr_range = 1;
	r->pgmap.ops = &devmem_test_pgmap_ops;
	r->pgmap.owner = &devmem_test_owner;

	t0 = ktime_get_ns();
	addr = memremap_pages(&r->pgmap, r->nid);
	*ns = ktime_get_ns() - t0;
	if (IS_ERR(addr))
		return PTR_ERR(addr);
	return 0;
}

/* memunmap_pages() on a mapped @r; returns its duration in ns. */
static u64 devmem_test_range_unmap(struct devmem_test_range *r)
{
	u64 t0;

	lockdep_assert_held(&devmem_test_lock);

	t0 = ktime_get_ns();
	memunmap_pages(&r->pgmap);
	return ktime_get_ns() - t0;
}

static long devmem_test_private_add(struct devmem_test_file *f,
				    void __user *uarg)
{
	struct devmem_test_private args;
	struct devmem_test_range *r;
	u32 id;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	ret = devmem_test_check_range(args.size, &args.nid);
	if (ret)
		return ret;

	mutex_lock(&devmem_test_lock);
	if (f->nr_ranges >= max_ranges) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	r = devmem_test_range_alloc(args.size, args.nid);
	if (IS_ERR(r)) {
		ret = PTR_ERR(r);
		goto out_unlock;
	}
	r->file = f;
	ret = devmem_test_range_map(r, &args.ns);
	if (ret)
		goto out_free_range;
	ret = xa_alloc(&devmem_test_ranges, &id, r, xa_limit_32b, GFP_KERNEL);
	if (ret)
		goto out_unmap;
	f->nr_ranges++;
	mutex_unlock(&devmem_test_lock);

	args.id = id;
	args.start = r->res->start;
	/* On -EFAULT the range stays mapped until the file is closed. */
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;

out_unmap:
	devmem_test_range_unmap(r);
out_free_range:
	devmem_test_range_free(r);
out_unlock:
	mutex_unlock(&devmem_test_lock);
	return ret;
}

static long devmem_test_private_remove(struct devmem_test_file *f,
				       void __user *uarg)
{
	struct devmem_test_private args;
	struct devmem_test_range *r;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.id > U32_MAX)
		return -ENOENT;

	mutex_lock(&devmem_test_lock);
	r = xa_load(&devmem_test_ranges, args.id);
	if (!r || r->file != f) {
		mutex_unlock(&devmem_test_lock);
		return -ENOENT;
	}
	xa_erase(&devmem_test_ranges, args.id);
	f->nr_ranges--;
	args.ns = devmem_test_range_unmap(r);
	args.start = r->res->start;
	args.size = r->size;
	args.nid = r->nid;
	devmem_test_range_free(r);
	mutex_unlock(&devmem_test_lock);

	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

static long devmem_test_private_cycle(void __user *uarg)
{
	struct devmem_test_sample __user *usamples;
	struct devmem_test_cycle args;
	struct devmem_test_range *r;
	long ret = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	ret = devmem_test_check_range(args.size, &args.nid);
	if (ret)
		return ret;
	if (!args.cycles || args.cycles > max_cycles)
		return -EINVAL;
	usamples = u64_to_user_ptr(args.samples);

	/* The address space is kept for all cycles: the same range each time. */
	r = devmem_test_range_alloc(args.size, args.nid);
	if (IS_ERR(r))
		return PTR_ERR(r);
	args.start = r->res->start;
	args.done = 0;

	while (args.done < args.cycles) {
		struct devmem_test_sample s = { };

		mutex_lock(&devmem_test_lock);
		ret = devmem_test_range_map(r, &s.add_ns);
		if (!ret)
			s.remove_ns = devmem_test_range_unmap(r);
		mutex_unlock(&devmem_test_lock);
		if (ret)
			break;

		if (copy_to_user(&usamples[args.done], &s, sizeof(s))) {
			ret = -EFAULT;
			break;
		}
		args.done++;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	devmem_test_range_free(r);

	if (copy_to_user(uarg, &args, sizeof(args)) && !ret)
		ret = -EFAULT;
	return ret;
}

/* Remove the ranges @f still has mapped; all of them when @f is NULL. */
static void devmem_test_remove_all(struct devmem_test_file *f)
{
	struct devmem_test_range *r;
	unsigned long id;

	mutex_lock(&devmem_test_lock);
	xa_for_each(&devmem_test_ranges, id, r) {
		if (f && r->file != f)
			continue;
		/* At module exit (@f NULL) there should be none left. */
		WARN_ON_ONCE(!f);
		xa_erase(&devmem_test_ranges, id);
		if (f)
			f->nr_ranges--;
		devmem_test_range_unmap(r);
		devmem_test_range_free(r);
	}
	mutex_unlock(&devmem_test_lock);
}

#define DEVMEM_TEST_FEATURES	\
	(DEVMEM_TEST_F_DEVICE_PRIVATE | DEVMEM_TEST_F_LEAK | \
	 DEVMEM_TEST_F_LEAK_HIDDEN)

#else /* !CONFIG_DEVICE_PRIVATE */

/*
 * Never call memremap_pages() with MEMORY_DEVICE_PRIVATE here: it would
 * WARN (tainting the kernel) before failing.
 */
static long devmem_test_private_add(struct devmem_test_file *f,
				    void __user *uarg)
{
	return -EOPNOTSUPP;
}

static long devmem_test_private_remove(struct devmem_test_file *f,
				       void __user *uarg)
{
	return -EOPNOTSUPP;
}

static long devmem_test_private_cycle(void __user *uarg)
{
	return -EOPNOTSUPP;
}

static void devmem_test_remove_all(struct devmem_test_file *f)
{
}

#define DEVMEM_TEST_FEATURES	(DEVMEM_TEST_F_LEAK | DEVMEM_TEST_F_LEAK_HIDDEN)

#endif /* CONFIG_DEVICE_PRIVATE */

static long devmem_test_info(void __user *uarg)
{
	struct devmem_test_info info = {
		.version	= DEVMEM_TEST_API_VERSION,
		.features	= DEVMEM_TEST_FEATURES,
		.page_size	= PAGE_SIZE,
		.align		= SUBSECTION_SIZE,
		.max_size	= (u64)READ_ONCE(max_size_mb) << 20,
		.max_ranges	= READ_ONCE(max_ranges),
		.max_cycles	= READ_ONCE(max_cycles),
		.max_zones	= MAX_NR_ZONES,
	};

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long devmem_test_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct devmem_test_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DEVMEM_TEST_INFO:
		return devmem_test_info(uarg);
	case DEVMEM_TEST_SPANS:
		return devmem_test_spans(uarg);
	case DEVMEM_TEST_PRIVATE_ADD:
		return devmem_test_private_add(f, uarg);
	case DEVMEM_TEST_PRIVATE_REMOVE:
		return devmem_test_private_remove(f, uarg);
	case DEVMEM_TEST_PRIVATE_CYCLE:
		return devmem_test_private_cycle(uarg);
	case DEVMEM_TEST_LEAK:
		return devmem_test_leak(uarg);
	case DEVMEM_TEST_LEAK_FREE:
		return devmem_test_leak_free(uarg);
	default:
		return -ENOTTY;
	}
}

static int devmem_test_open(struct inode *inode, struct file *file)
{
	struct devmem_test_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	file->private_data = f;
	return 0;
}

static int devmem_test_release(struct inode *inode, struct file *file)
{
	struct devmem_test_file *f = file->private_data;

	devmem_test_remove_all(f);
	kfree(f);
	return 0;
}

static const struct file_operations devmem_test_fops = {
	.owner		= THIS_MODULE,
	.open		= devmem_test_open,
	.release	= devmem_test_release,
	.unlocked_ioctl	= devmem_test_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice devmem_test_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KBUILD_MODNAME,
	.fops	= &devmem_test_fops,
	.mode	= 0600,
};

static int __init devmem_test_init(void)
{
	int ret;

	ret = misc_register(&devmem_test_misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", KBUILD_MODNAME, ret);
		return ret;
	}
	devmem_test_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("spans", 0400, devmem_test_dir, NULL,
			    &devmem_test_spans_fops);
	pr_info("loaded%s\n",
		DEVMEM_TEST_FEATURES & DEVMEM_TEST_F_DEVICE_PRIVATE ?
		", DEVICE_PRIVATE" : ", no DEVICE_PRIVATE in this kernel");
	return 0;
}

static void __exit devmem_test_exit(void)
{
	struct devmem_test_leak freed = { };

	debugfs_remove_recursive(devmem_test_dir);
	misc_deregister(&devmem_test_misc);
	/*
	 * Each range belongs to an open file and an open file pins the
	 * module, so none can be left; but a pgmap must never outlive its ops.
	 */
	devmem_test_remove_all(NULL);
	devmem_test_leak_free_all(&freed);
	if (freed.bytes)
		pr_info("freed %llu bytes still held by DEVMEM_TEST_LEAK\n",
			freed.bytes);
}

module_init(devmem_test_init);
module_exit(devmem_test_exit);
MODULE_DESCRIPTION("devmem selftest helper: node/zone spans, DEVICE_PRIVATE memremap_pages() timing, a controlled leak");
MODULE_LICENSE("GPL");
