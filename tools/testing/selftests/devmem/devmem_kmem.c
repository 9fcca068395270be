// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_kmem: a devdax namespace of ours as System RAM (dax kmem) and
 * back, one memory block at a time.  See devmem_kmem.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>

#include "devmem_kmem.h"

#define MEM_DIR		"/sys/devices/system/memory"
#define AUTO_ONLINE	MEM_DIR "/auto_online_blocks"
#define MOM_PARAM	"/sys/module/memory_hotplug/parameters/memmap_on_memory"
#define DAX_DEVS	"/sys/bus/dax/devices"
#define KMEM_RES	"System RAM (kmem)"
#define PAGE_SZ		4096ull
#define STRUCT_PAGE	64ull
#define IOMEM_MAX	4096

struct dm_kmem {
	struct daxctl_ctx *dctx;
	struct daxctl_dev *dev;
	char devname[32];
	int node;
	uint64_t res_start, res_size;	/* the dax device's range */
	uint64_t ram_start, ram_end;	/* the block-aligned part */
	unsigned long long block_size;
	unsigned long first_block;
	int nr_blocks;
	bool ram;			/* bound to kmem */
	bool mom;			/* added with memmap_on_memory */
	enum dm_kmem_zone zone;		/* of the blocks online */
	struct dm_kmsg kmsg;
};

bool dm_kmem_memmap_on_memory_enabled(void)
{
	char v[16];

	if (dm_read_str(MOM_PARAM, v, sizeof(v)))
		return false;
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1' ||
	       !strcmp(v, "force");
}

int dm_kmem_supported(bool memmap_on_memory, char *why, size_t len)
{
	struct stat st;
	char v[32];

	if (stat(MEM_DIR "/block_size_bytes", &st)) {
		snprintf(why, len, "no %s/block_size_bytes: kernel without CONFIG_MEMORY_HOTPLUG",
			 MEM_DIR);
		return -EOPNOTSUPP;
	}
	if (dm_read_str(AUTO_ONLINE, v, sizeof(v))) {
		snprintf(why, len, "cannot read %s", AUTO_ONLINE);
		return -EOPNOTSUPP;
	}
	if (stat("/sys/bus/dax/drivers/kmem", &st)) {
		/* libdaxctl loads it on the first bind; modprobe kmem here */
		if (system("modprobe kmem >/dev/null 2>&1") ||
		    stat("/sys/bus/dax/drivers/kmem", &st)) {
			snprintf(why, len, "no dax kmem driver (CONFIG_DEV_DAX_KMEM; modprobe kmem failed)");
			return -EOPNOTSUPP;
		}
	}
	if (memmap_on_memory && !dm_kmem_memmap_on_memory_enabled()) {
		snprintf(why, len, "memory_hotplug.memmap_on_memory is off (%s): boot with memory_hotplug.memmap_on_memory=1",
			 access(MOM_PARAM, R_OK) ? "no parameter: CONFIG_MHP_MEMMAP_ON_MEMORY=n" :
						   "parameter N");
		return -EOPNOTSUPP;
	}
	return 0;
}

const char *dm_kmem_zone_name(enum dm_kmem_zone zone)
{
	return zone == DM_KMEM_MOVABLE ? "Movable" : "Normal";
}

const char *dm_kmem_devname(struct dm_kmem *k)
{
	return k->devname;
}

int dm_kmem_node(struct dm_kmem *k)
{
	return k->node;
}

int dm_kmem_nr_blocks(struct dm_kmem *k)
{
	return k->nr_blocks;
}

unsigned long long dm_kmem_block_size(struct dm_kmem *k)
{
	return k->block_size;
}

unsigned long dm_kmem_block_id(struct dm_kmem *k, int i)
{
	return k->first_block + i;
}

bool dm_kmem_is_ram(struct dm_kmem *k)
{
	return k->ram;
}

long long dm_kmem_block_memmap_pages(struct dm_kmem *k)
{
	return k->block_size / PAGE_SZ * STRUCT_PAGE / PAGE_SZ;
}

static struct daxctl_dev *find_dev(struct daxctl_ctx *dctx, const char *name)
{
	struct daxctl_region *region;
	struct daxctl_dev *dev;

	daxctl_region_foreach(dctx, region)
		daxctl_dev_foreach(region, dev)
			if (!strcmp(daxctl_dev_get_devname(dev), name))
				return dev;
	return NULL;
}

static void block_path(struct dm_kmem *k, int i, const char *attr,
		       char *buf, size_t len)
{
	snprintf(buf, len, MEM_DIR "/memory%lu/%s", k->first_block + i, attr);
}

int dm_kmem_block_state(struct dm_kmem *k, int i, char *buf, size_t len)
{
	char path[PATH_MAX];
	int rc;

	block_path(k, i, "state", path, sizeof(path));
	rc = dm_read_str(path, buf, len);
	return rc == -ENOENT ? -ENOENT : rc;
}

/**
 * dm_kmem_open() - the device-dax device of our namespace @ns
 *
 * Refuses (-EPERM) a device whose range is not inside the namespace, and
 * (-ENOSPC) a namespace holding no whole memory block.
 */
int dm_kmem_open(struct dm_ns *ns, struct dm_kmem **kp, char *why,
		 size_t len)
{
	uint64_t ns_start = dm_ns_start(ns), ns_end = ns_start + dm_ns_size(ns);
	struct dm_kmem *k;
	char v[64];
	int rc;

	*kp = NULL;
	if (dm_ns_config(ns)->mode != DM_MODE_DEVDAX) {
		snprintf(why, len, "%s is not a devdax namespace", dm_ns_name(ns));
		return -EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->kmsg.fd = -1;
	rc = dm_ns_devname(ns, k->devname, sizeof(k->devname));
	if (rc) {
		snprintf(why, len, "%s has no dax device", dm_ns_name(ns));
		goto free_k;
	}
	rc = dm_read_str(MEM_DIR "/block_size_bytes", v, sizeof(v));
	if (rc) {
		snprintf(why, len, "reading %s/block_size_bytes: %s", MEM_DIR,
			 strerror(-rc));
		goto free_k;
	}
	k->block_size = strtoull(v, NULL, 16);
	if (!k->block_size) {
		rc = -EINVAL;
		snprintf(why, len, "block_size_bytes '%s'", v);
		goto free_k;
	}
	rc = daxctl_new(&k->dctx);
	if (rc) {
		snprintf(why, len, "libdaxctl context: %s", strerror(-rc));
		goto free_k;
	}
	k->dev = find_dev(k->dctx, k->devname);
	if (!k->dev) {
		rc = -ENODEV;
		snprintf(why, len, "libdaxctl does not see %s", k->devname);
		goto unref_dctx;
	}
	k->res_start = daxctl_dev_get_resource(k->dev);
	k->res_size = daxctl_dev_get_size(k->dev);
	if (!k->res_start || k->res_start == ULLONG_MAX || !k->res_size ||
	    k->res_start < ns_start || k->res_start + k->res_size > ns_end) {
		rc = -EPERM;
		snprintf(why, len, "%s (0x%llx, %llu bytes) is not inside our namespace %s (0x%llx-0x%llx): refusing to reconfigure it",
			 k->devname, (unsigned long long)k->res_start,
			 (unsigned long long)k->res_size, dm_ns_name(ns),
			 (unsigned long long)ns_start,
			 (unsigned long long)ns_end);
		goto unref_dctx;
	}
	if (daxctl_dev_is_enabled(k->dev) != 1 || dm_daxdev_in_use(k->devname,
						why, len)) {
		rc = -EBUSY;
		if (daxctl_dev_is_enabled(k->dev) != 1)
			snprintf(why, len, "%s is not enabled as devdax",
				 k->devname);
		goto unref_dctx;
	}
	k->ram_start = (k->res_start + k->block_size - 1) /
		       k->block_size * k->block_size;
	k->ram_end = (k->res_start + k->res_size) / k->block_size *
		     k->block_size;
	if (k->ram_end <= k->ram_start) {
		rc = -ENOSPC;
		snprintf(why, len, "%s (0x%llx, %llu bytes) holds no whole memory block of %llu bytes",
			 k->devname, (unsigned long long)k->res_start,
			 (unsigned long long)k->res_size, k->block_size);
		goto unref_dctx;
	}
	k->first_block = k->ram_start / k->block_size;
	k->nr_blocks = (k->ram_end - k->ram_start) / k->block_size;
	k->node = daxctl_dev_get_target_node(k->dev);
	if (k->node < 0)
		k->node = dm_ns_node(ns) < 0 ? 0 : dm_ns_node(ns);
	dm_kmsg_open(&k->kmsg);
	*kp = k;
	return 0;

unref_dctx:
	daxctl_unref(k->dctx);
free_k:
	free(k);
	return rc;
}

/*
 * The kernel's auto-online policy off for a bind; @saved gets the old,
 * recorded so that --cleanup puts it back after a SIGKILL.
 */
static int auto_online_off(char *saved, size_t len)
{
	return dm_knob_set("auto_online_blocks", "offline", saved, len);
}

static int auto_online_restore(const char *saved)
{
	return dm_knob_restore("auto_online_blocks", saved);
}

/* The driver @k's device is bound to ("" if none). */
static void bound_driver(struct dm_kmem *k, char *buf, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *d;
	ssize_t n;

	snprintf(path, sizeof(path), DAX_DEVS "/%s/driver", k->devname);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	link[n] = '\0';
	d = strrchr(link, '/');
	snprintf(buf, len, "%.31s", d ? d + 1 : link);
}

/*
 * Bind to @drv (kmem or device_dax) through libdaxctl; where that fails
 * because it cannot load a module (a kernel with the drivers built in and
 * no modules.builtin in the guest), through sysfs as libdaxctl would:
 * new_id (which may bind it already), then bind.
 */
static int dax_bind(struct dm_kmem *k, const char *drv)
{
	char path[PATH_MAX], now[32];
	int rc;

	rc = strcmp(drv, "kmem") ? daxctl_dev_enable_devdax(k->dev) :
				   daxctl_dev_enable_ram(k->dev);
	bound_driver(k, now, sizeof(now));
	if (!strcmp(now, drv))
		return 0;
	if (now[0])
		return rc ? rc : -EBUSY;
	snprintf(path, sizeof(path), "/sys/bus/dax/drivers/%s/new_id", drv);
	dm_write_str(path, k->devname);
	bound_driver(k, now, sizeof(now));
	if (!now[0]) {
		snprintf(path, sizeof(path), "/sys/bus/dax/drivers/%s/bind",
			 drv);
		rc = dm_write_str(path, k->devname);
		bound_driver(k, now, sizeof(now));
	}
	if (!strcmp(now, drv))
		return 0;
	return rc ? rc : -ENXIO;
}

static int set_memmap_on_memory(struct dm_kmem *k, bool on)
{
	char path[PATH_MAX], v[8];

	snprintf(path, sizeof(path), DAX_DEVS "/%s/memmap_on_memory",
		 k->devname);
	if (dm_read_str(path, v, sizeof(v)))
		return on ? -EOPNOTSUPP : 0;	/* before 6.8: no attribute */
	if (atoi(v) == on)
		return 0;
	return dm_write_str(path, on ? "1" : "0");
}

int dm_kmem_to_ram(struct dm_kmem *k, bool memmap_on_memory,
		   struct dm_kmem_snap *mid, uint64_t *unbind_ns,
		   uint64_t *bind_ns, char *why, size_t len)
{
	char saved[32], state[32];
	uint64_t t0;
	int rc, rrc, i;

	if (k->ram)
		return -EALREADY;
	rc = dm_daxdev_in_use(k->devname, why, len);
	if (rc)
		return rc;
	rc = auto_online_off(saved, sizeof(saved));
	if (rc) {
		snprintf(why, len, "setting %s to offline: %s", AUTO_ONLINE,
			 strerror(-rc));
		return rc;
	}
	t0 = dm_now_ns();
	rc = daxctl_dev_disable(k->dev);
	if (unbind_ns)
		*unbind_ns = dm_now_ns() - t0;
	if (rc) {
		snprintf(why, len, "unbinding %s from device_dax: %s",
			 k->devname, strerror(-rc));
		goto restore_auto;
	}
	if (mid)
		dm_kmem_snap_take(k->node, mid);
	rc = set_memmap_on_memory(k, memmap_on_memory);
	if (rc) {
		snprintf(why, len, "%s/%s/memmap_on_memory = %d: %s", DAX_DEVS,
			 k->devname, memmap_on_memory, strerror(-rc));
		goto rebind_devdax;
	}
	t0 = dm_now_ns();
	rc = dax_bind(k, "kmem");
	if (bind_ns)
		*bind_ns = dm_now_ns() - t0;
	if (rc) {
		snprintf(why, len, "binding %s to kmem: %s", k->devname,
			 strerror(-rc));
		goto rebind_devdax;
	}
	k->ram = true;
	k->mom = memmap_on_memory;
	rrc = auto_online_restore(saved);
	for (i = 0; i < k->nr_blocks; i++) {
		rc = dm_kmem_block_state(k, i, state, sizeof(state));
		if (rc || strcmp(state, "offline")) {
			snprintf(why, len, "after the kmem bind memory%lu is %s",
				 dm_kmem_block_id(k, i),
				 rc ? strerror(-rc) : state);
			return rc ? rc : -EPROTO;
		}
	}
	if (rrc) {
		snprintf(why, len, "restoring %s to %s: %s", AUTO_ONLINE,
			 saved, strerror(-rrc));
		return rrc;
	}
	return 0;

rebind_devdax:
	set_memmap_on_memory(k, false);
	dax_bind(k, "device_dax");
restore_auto:
	auto_online_restore(saved);
	return rc;
}

int dm_kmem_block_online(struct dm_kmem *k, int i, enum dm_kmem_zone zone,
			 uint64_t *elapsed_ns)
{
	char path[PATH_MAX];
	uint64_t t0;
	int rc;

	if (!k->ram || i < 0 || i >= k->nr_blocks)
		return -EINVAL;
	block_path(k, i, "state", path, sizeof(path));
	t0 = dm_now_ns();
	rc = dm_write_str(path, zone == DM_KMEM_MOVABLE ? "online_movable" :
							"online_kernel");
	if (elapsed_ns)
		*elapsed_ns = dm_now_ns() - t0;
	if (!rc)
		k->zone = zone;
	return rc;
}

static void offline_alarm(int sig)
{
	(void)sig;
}

/*
 * Write "offline" to @path, interrupted after @secs: offline_pages()
 * retries a migration that keeps failing until a signal is pending (any
 * signal: it backs off with -EINTR), so without a deadline the write can
 * hang for ever.
 */
static int offline_write(const char *path, unsigned int secs)
{
	struct sigaction sa = { .sa_handler = offline_alarm }, old;
	unsigned int left;
	int rc;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: the write returns */
	if (sigaction(SIGALRM, &sa, &old))
		return -errno;
	left = alarm(secs);
	rc = dm_write_str(path, "offline");
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (left)
		alarm(left);
	return rc;
}

int dm_kmem_block_offline(struct dm_kmem *k, int i, int tries,
			  uint64_t *elapsed_ns)
{
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	char path[PATH_MAX];
	uint64_t t0;
	int rc;

	if (!k->ram || i < 0 || i >= k->nr_blocks)
		return -EINVAL;
	block_path(k, i, "state", path, sizeof(path));
	do {
		t0 = dm_now_ns();
		rc = offline_write(path, tries > 1 ? DM_KMEM_RETRY_SECS :
					       DM_KMEM_OFFLINE_SECS);
		if (elapsed_ns)
			*elapsed_ns = dm_now_ns() - t0;
		if (rc != -EBUSY && rc != -EAGAIN && rc != -EINTR)
			break;
		/*
		 * An unmovable page in the block: reclaimable slab and the
		 * page cache may be what pins it, so drop them and retry.
		 */
		if (tries > 1)
			dm_write_str("/proc/sys/vm/drop_caches", "3");
		nanosleep(&pause, NULL);
	} while (--tries > 0);
	return rc;
}

static int offline_all(struct dm_kmem *k, char *why, size_t len)
{
	char state[32];
	int i, rc;

	for (i = 0; i < k->nr_blocks; i++) {
		if (dm_kmem_block_state(k, i, state, sizeof(state)) ||
		    !strcmp(state, "offline"))
			continue;
		rc = dm_kmem_block_offline(k, i, 20, NULL);
		if (rc) {
			snprintf(why, len, "offlining memory%lu: %s",
				 dm_kmem_block_id(k, i), strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int dm_kmem_to_devdax(struct dm_kmem *k, uint64_t *unbind_ns,
		      uint64_t *bind_ns, char *why, size_t len)
{
	struct stat st;
	char path[PATH_MAX];
	uint64_t t0;
	int rc, i;

	if (!k->ram)
		return -EALREADY;
	rc = offline_all(k, why, len);
	if (rc)
		return rc;
	t0 = dm_now_ns();
	rc = daxctl_dev_disable(k->dev);
	if (unbind_ns)
		*unbind_ns = dm_now_ns() - t0;
	if (rc) {
		snprintf(why, len, "unbinding %s from kmem: %s", k->devname,
			 strerror(-rc));
		return rc;
	}
	for (i = 0; i < k->nr_blocks; i++) {
		block_path(k, i, "state", path, sizeof(path));
		if (!stat(path, &st)) {
			snprintf(why, len, "memory%lu is still there after the kmem unbind (remove_memory failed: see dmesg)",
				 dm_kmem_block_id(k, i));
			return -EBUSY;
		}
	}
	k->ram = false;
	set_memmap_on_memory(k, false);
	t0 = dm_now_ns();
	rc = dax_bind(k, "device_dax");
	if (bind_ns)
		*bind_ns = dm_now_ns() - t0;
	if (rc) {
		snprintf(why, len, "binding %s to device_dax: %s", k->devname,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

int dm_kmem_close(struct dm_kmem *k, char *why, size_t len)
{
	int rc = 0;

	if (!k)
		return 0;
	if (k->ram)
		rc = dm_kmem_to_devdax(k, NULL, NULL, why, len);
	dm_kmsg_close(&k->kmsg);
	daxctl_unref(k->dctx);
	free(k);
	return rc;
}

/* ---- snapshots --------------------------------------------------------- */

static long long field(const char *line, const char *name)
{
	size_t n = strlen(name);

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, name, n) || (line[n] != ' ' && line[n] != ':'))
		return LLONG_MIN;
	line += n;
	while (*line == ' ' || *line == ':')
		line++;
	return strtoll(line, NULL, 10);
}

/* @line is "name value" or "name: value": store the value in @dst. */
static void set_field(const char *line, const char *name, long long *dst)
{
	long long v = field(line, name);

	if (v != LLONG_MIN)
		*dst = v;
}

static int read_zoneinfo(int node, struct dm_kmem_snap *s)
{
	struct dm_kmem_zinfo *z = NULL;
	char line[512], zname[32];
	FILE *f;
	int nid;

	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &nid, zname) == 2) {
			z = NULL;
			if (nid != node)
				continue;
			if (!strcmp(zname, "Normal"))
				z = &s->zone[DM_KMEM_NORMAL];
			else if (!strcmp(zname, "Movable"))
				z = &s->zone[DM_KMEM_MOVABLE];
			if (z) {
				memset(z, 0, sizeof(*z));
				z->found = true;
				z->start_pfn = -1;
			}
			continue;
		}
		if (!z)
			continue;
		set_field(line, "pages free", &z->free);
		set_field(line, "spanned", &z->spanned);
		set_field(line, "present", &z->present);
		set_field(line, "managed", &z->managed);
		set_field(line, "start_pfn", &z->start_pfn);
	}
	fclose(f);
	return 0;
}

int dm_kmem_snap_take(int node, struct dm_kmem_snap *s)
{
	char line[256];
	FILE *f;
	int rc;

	memset(s, 0, sizeof(*s));
	/* a node without memory is not in zoneinfo: its zones are empty */
	s->zone[DM_KMEM_NORMAL].start_pfn = -1;
	s->zone[DM_KMEM_MOVABLE].start_pfn = -1;
	s->nr_memmap_pages = -1;
	s->mem_total_kb = -1;
	rc = read_zoneinfo(node, s);
	if (rc)
		return rc;
	f = fopen("/proc/vmstat", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		set_field(line, "nr_memmap_pages", &s->nr_memmap_pages);
		set_field(line, "pgmigrate_success", &s->pgmigrate_success);
	}
	fclose(f);
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		set_field(line, "MemTotal", &s->mem_total_kb);
	fclose(f);
	return 0;
}

/* ---- checks ------------------------------------------------------------ */

struct checker {
	int bad;
	char *msg;
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->bad++) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->len, fmt, ap);
		va_end(ap);
	}
}

static void check_kmsg(struct dm_kmem *k, struct checker *c)
{
	char first[256];

	if (k->kmsg.fd >= 0 && dm_kmsg_check(&k->kmsg, first,
					     sizeof(first)) > 0)
		fail(c, "dmesg: %s", first);
}

static void check_blocks(struct dm_kmem *k, struct checker *c,
			 const char *want, const char *zone)
{
	char state[32], path[PATH_MAX], zones[64];
	int i, rc;

	for (i = 0; i < k->nr_blocks; i++) {
		rc = dm_kmem_block_state(k, i, state, sizeof(state));
		if (!want) {
			if (rc != -ENOENT)
				fail(c, "memory%lu still exists (%s)",
				     dm_kmem_block_id(k, i),
				     rc ? strerror(-rc) : state);
			continue;
		}
		if (rc) {
			fail(c, "memory%lu: %s", dm_kmem_block_id(k, i),
			     strerror(-rc));
			continue;
		}
		if (strcmp(state, want))
			fail(c, "memory%lu is %s, not %s",
			     dm_kmem_block_id(k, i), state, want);
		if (!zone)
			continue;
		block_path(k, i, "valid_zones", path, sizeof(path));
		if (dm_read_str(path, zones, sizeof(zones)) ||
		    strcmp(zones, zone))
			fail(c, "memory%lu valid_zones '%s', not %s",
			     dm_kmem_block_id(k, i), zones, zone);
	}
}

static void check_iomem(struct dm_kmem *k, struct checker *c, bool want)
{
	struct dm_iomem_res *res;
	bool found = false, other = false;
	int i, n;

	res = calloc(IOMEM_MAX, sizeof(*res));
	if (!res) {
		fail(c, "iomem: out of memory");
		return;
	}
	n = dm_iomem_read(res, IOMEM_MAX);
	for (i = 0; i < n; i++) {
		if (strcmp(res[i].name, KMEM_RES) ||
		    res[i].end < k->res_start ||
		    res[i].start >= k->res_start + k->res_size)
			continue;
		if (res[i].start == k->ram_start &&
		    res[i].end == k->ram_end - 1)
			found = true;
		else
			other = true;
	}
	free(res);
	if (n <= 0)
		fail(c, "/proc/iomem unreadable (%d)", n);
	else if (want && (!found || other))
		fail(c, "/proc/iomem lacks " KMEM_RES " 0x%llx-0x%llx",
		     (unsigned long long)k->ram_start,
		     (unsigned long long)k->ram_end - 1);
	else if (!want && (found || other))
		fail(c, "/proc/iomem still has " KMEM_RES " in 0x%llx-0x%llx",
		     (unsigned long long)k->res_start,
		     (unsigned long long)(k->res_start + k->res_size - 1));
}

static void check_zone_eq(struct checker *c, const struct dm_kmem_snap *now,
			  const struct dm_kmem_snap *base, int zi)
{
	const struct dm_kmem_zinfo *a = &now->zone[zi], *b = &base->zone[zi];
	const char *name = dm_kmem_zone_name(zi);

	if (a->present != b->present)
		fail(c, "zone %s present %lld, %lld before", name,
		     a->present, b->present);
	if (a->managed != b->managed)
		fail(c, "zone %s managed %lld, %lld before", name,
		     a->managed, b->managed);
	if (a->spanned != b->spanned || a->start_pfn != b->start_pfn)
		fail(c, "zone %s spans %lld pages from %lld, %lld from %lld before",
		     name, a->spanned, a->start_pfn, b->spanned, b->start_pfn);
}

static int snap(struct dm_kmem *k, struct dm_kmem_snap *s, struct checker *c)
{
	int rc = dm_kmem_snap_take(k->node, s);

	if (rc)
		snprintf(c->msg, c->len, "snapshot: %s", strerror(-rc));
	return rc;
}

int dm_kmem_check_ram(struct dm_kmem *k, const struct dm_kmem_snap *base,
		      const struct dm_kmem_snap *mid, char *msg, size_t len)
{
	struct checker c = { 0, msg, len };
	struct dm_kmem_snap s;
	long long want;
	int rc;

	rc = snap(k, &s, &c);
	if (rc)
		return rc;
	check_blocks(k, &c, "offline", NULL);
	check_iomem(k, &c, true);
	if (s.mem_total_kb != base->mem_total_kb)
		fail(&c, "MemTotal %lld kB with the blocks offline, %lld before",
		     s.mem_total_kb, base->mem_total_kb);
	check_zone_eq(&c, &s, base, DM_KMEM_NORMAL);
	check_zone_eq(&c, &s, base, DM_KMEM_MOVABLE);
	want = k->nr_blocks * dm_kmem_block_memmap_pages(k);
	if (mid && mid->nr_memmap_pages >= 0 &&
	    s.nr_memmap_pages - mid->nr_memmap_pages != want)
		fail(&c, "nr_memmap_pages rose by %lld on the kmem bind, not %lld (%d blocks)",
		     s.nr_memmap_pages - mid->nr_memmap_pages, want,
		     k->nr_blocks);
	check_kmsg(k, &c);
	return c.bad;
}

int dm_kmem_check_online(struct dm_kmem *k, const struct dm_kmem_snap *base,
			 enum dm_kmem_zone zone, char *msg, size_t len)
{
	struct checker c = { 0, msg, len };
	long long bpages = k->block_size / PAGE_SZ;
	long long vm = k->mom ? dm_kmem_block_memmap_pages(k) : 0;
	long long first = k->ram_start / PAGE_SZ, end = k->ram_end / PAGE_SZ;
	const struct dm_kmem_zinfo *z, *b;
	struct dm_kmem_snap s;
	long long want;
	int rc;

	rc = snap(k, &s, &c);
	if (rc)
		return rc;
	check_blocks(k, &c, "online", dm_kmem_zone_name(zone));
	want = base->mem_total_kb + k->nr_blocks * (bpages - vm) * 4;
	if (s.mem_total_kb != want)
		fail(&c, "MemTotal %lld kB online, not %lld (+%d blocks of %lld pages, %lld of them memmap)",
		     s.mem_total_kb, want, k->nr_blocks, bpages, vm);
	z = &s.zone[zone];
	b = &base->zone[zone];
	if (z->present != b->present + k->nr_blocks * bpages)
		fail(&c, "zone %s present %lld, not %lld + %lld",
		     dm_kmem_zone_name(zone), z->present, b->present,
		     k->nr_blocks * bpages);
	if (z->managed != b->managed + k->nr_blocks * (bpages - vm))
		fail(&c, "zone %s managed %lld, not %lld + %lld",
		     dm_kmem_zone_name(zone), z->managed, b->managed,
		     k->nr_blocks * (bpages - vm));
	if (z->start_pfn < 0 || z->start_pfn > first ||
	    z->start_pfn + z->spanned < end)
		fail(&c, "zone %s spans %lld pages from pfn %lld: not all of 0x%llx-0x%llx",
		     dm_kmem_zone_name(zone), z->spanned, z->start_pfn,
		     first, end);
	check_zone_eq(&c, &s, base, zone == DM_KMEM_MOVABLE ?
		      DM_KMEM_NORMAL : DM_KMEM_MOVABLE);
	check_kmsg(k, &c);
	return c.bad;
}

int dm_kmem_check_offline(struct dm_kmem *k, const struct dm_kmem_snap *base,
			  char *msg, size_t len)
{
	struct checker c = { 0, msg, len };
	struct dm_kmem_snap s;
	int rc;

	rc = snap(k, &s, &c);
	if (rc)
		return rc;
	check_blocks(k, &c, "offline", NULL);
	if (s.mem_total_kb != base->mem_total_kb)
		fail(&c, "MemTotal %lld kB offline, %lld before",
		     s.mem_total_kb, base->mem_total_kb);
	check_zone_eq(&c, &s, base, DM_KMEM_NORMAL);
	check_zone_eq(&c, &s, base, DM_KMEM_MOVABLE);
	check_kmsg(k, &c);
	return c.bad;
}

int dm_kmem_check_devdax(struct dm_kmem *k, const struct dm_kmem_snap *base,
			 char *msg, size_t len)
{
	struct checker c = { 0, msg, len };
	char path[PATH_MAX];
	struct dm_kmem_snap s;
	struct stat st;
	int rc;

	rc = snap(k, &s, &c);
	if (rc)
		return rc;
	check_blocks(k, &c, NULL, NULL);
	check_iomem(k, &c, false);
	snprintf(path, sizeof(path), "/dev/%s", k->devname);
	if (stat(path, &st))
		fail(&c, "%s is missing after the devdax bind", path);
	if (s.mem_total_kb != base->mem_total_kb)
		fail(&c, "MemTotal %lld kB, %lld before", s.mem_total_kb,
		     base->mem_total_kb);
	check_zone_eq(&c, &s, base, DM_KMEM_NORMAL);
	check_zone_eq(&c, &s, base, DM_KMEM_MOVABLE);
	if (s.nr_memmap_pages != base->nr_memmap_pages)
		fail(&c, "nr_memmap_pages %lld back in devdax mode, %lld before",
		     s.nr_memmap_pages, base->nr_memmap_pages);
	check_kmsg(k, &c);
	return c.bad;
}

/* ---- the toucher ------------------------------------------------------- */

static uint64_t pattern(size_t word)
{
	return (word + 1) * 0x9e3779b97f4a7c15ull;
}

#define DM_MPOL_BIND	2

static int toucher_child(size_t bytes, int node, int go, int done)
{
	size_t i, n = bytes / sizeof(uint64_t), bad = 0;
	unsigned long mask[DM_MAX_NODES / (8 * sizeof(long)) + 1] = { 0 };
	uint64_t *p;
	char ch;

	/* the blocks' node only: a CPU-less node (CXL) gets no local pages */
	if (node >= 0 && node < DM_MAX_NODES) {
		mask[node / (8 * sizeof(long))] |= 1ul << (node % (8 * sizeof(long)));
		if (syscall(SYS_set_mempolicy, DM_MPOL_BIND, mask,
			    8 * sizeof(mask)))
			return 3;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	for (i = 0; i < n; i++)
		p[i] = pattern(i);
	ch = 'R';
	if (write(done, &ch, 1) != 1)
		return 2;
	if (read(go, &ch, 1) != 1)
		return 2;
	for (i = 0; i < n; i++)
		bad += p[i] != pattern(i);
	ch = bad ? 'X' : 'O';
	if (write(done, &ch, 1) != 1)
		return 2;
	return bad ? 1 : 0;
}

int dm_kmem_toucher_start(struct dm_kmem_toucher *t, size_t bytes, int node)
{
	int go[2], done[2], rc;
	char ch;

	t->pid = -1;
	t->go_fd = t->done_fd = -1;
	t->bytes = bytes;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(done, O_CLOEXEC)) {
		rc = -errno;
		goto close_go;
	}
	t->pid = fork();
	if (t->pid < 0) {
		rc = -errno;
		goto close_done;
	}
	if (!t->pid) {
		close(go[1]);
		close(done[0]);
		_exit(toucher_child(bytes, node, go[0], done[1]));
	}
	close(go[0]);
	close(done[1]);
	t->go_fd = go[1];
	t->done_fd = done[0];
	if (read(t->done_fd, &ch, 1) != 1 || ch != 'R') {
		dm_kmem_toucher_kill(t);
		return -EIO;
	}
	return 0;

close_done:
	close(done[0]);
	close(done[1]);
close_go:
	close(go[0]);
	close(go[1]);
	return rc;
}

int dm_kmem_toucher_finish(struct dm_kmem_toucher *t, char *msg, size_t len)
{
	char ch = 'G';
	int status = 0, rc = 0;

	if (t->pid <= 0)
		return -ECHILD;
	if (write(t->go_fd, &ch, 1) != 1 || read(t->done_fd, &ch, 1) != 1)
		ch = '?';
	waitpid(t->pid, &status, 0);
	if (ch != 'O' || !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(msg, len, "the toucher's %zu bytes %s (verdict '%c', status 0x%x)",
			 t->bytes, ch == 'X' ? "changed across the offline" :
			 "could not be verified", ch, status);
		rc = -EIO;
	}
	t->pid = -1;
	close(t->go_fd);
	close(t->done_fd);
	t->go_fd = t->done_fd = -1;
	return rc;
}

void dm_kmem_toucher_kill(struct dm_kmem_toucher *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = -1;
	if (t->go_fd >= 0)
		close(t->go_fd);
	if (t->done_fd >= 0)
		close(t->done_fd);
	t->go_fd = t->done_fd = -1;
}

bool dm_kmem_normal_hangs(const char *region)
{
	char type[32], vendor[64];

	if (strcmp(dm_region_device_type(region, type, sizeof(type)),
		   "cxl-pmem"))
		return false;
	if (dm_read_str("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor)))
		return false;
	return !strcmp(vendor, "QEMU");
}

const char *dm_region_device_type(const char *region, char *buf, size_t len)
{
	char path[PATH_MAX + 16], real[PATH_MAX], prov[64];
	char *slash;

	snprintf(buf, len, "unknown");
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s", region);
	if (!realpath(path, real))
		return buf;
	slash = strrchr(real, '/');
	if (!slash)
		return buf;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/provider", real);
	if (dm_read_str(path, prov, sizeof(prov)))
		return buf;
	if (!strcmp(prov, "ACPI.NFIT"))
		snprintf(buf, len, "nvdimm");
	else if (!strcmp(prov, "CXL"))
		snprintf(buf, len, "cxl-pmem");
	else if (!strcmp(prov, "e820"))
		snprintf(buf, len, "e820");
	else
		snprintf(buf, len, "%s", prov);
	return buf;
}
