// SPDX-License-Identifier: GPL-2.0
/*
 * devmem: what the kernel reports about memory, read from procfs and
 * /dev/kmsg without libndctl: zone and vmstat snapshots, /proc/iomem,
 * kernel messages, and which kernel features are present.  Shared by the
 * namespace library (devmem.c) and the module tests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devmem.h"

uint64_t dm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Snapshots. */

static int read_vmstat(struct dm_snapshot *snap)
{
	char key[64];
	long long v;
	FILE *f;

	snap->nr_memmap_pages = -1;
	f = fopen("/proc/vmstat", "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, "nr_memmap_pages"))
			snap->nr_memmap_pages = v;
	fclose(f);
	return 0;
}

static int read_meminfo(struct dm_snapshot *snap)
{
	char line[256];
	long long v;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %lld kB", &v) == 1)
			snap->mem_total_kb = v;
		else if (sscanf(line, "MemFree: %lld kB", &v) == 1)
			snap->mem_free_kb = v;
	}
	fclose(f);
	return 0;
}

/*
 * /proc/zoneinfo prints "Node N, zone   Device" followed by "spanned" and
 * "present" lines; the Device zone never has a start_pfn line since it is
 * never populated.  Free pages are summed over every zone, with the
 * per-cpu lists' "count:" lines, so that a page moving between the buddy
 * allocator and a per-cpu list does not look like memory used or freed.
 */
static int read_zoneinfo(struct dm_snapshot *snap)
{
	struct dm_zone_device *cur = NULL;
	char line[256], zone[32];
	unsigned long long v;
	int node;
	FILE *f;

	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %llu", &v) == 1 ||
		    sscanf(line, " count: %llu", &v) == 1)
			snap->free_pages += v;
		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2) {
			cur = NULL;
			if (strcmp(zone, "Device") ||
			    snap->nr_device_zones >= DM_MAX_NODES)
				continue;
			cur = &snap->device[snap->nr_device_zones++];
			cur->node = node;
			continue;
		}
		if (!cur)
			continue;
		if (sscanf(line, " spanned %llu", &v) == 1)
			cur->spanned = v;
		else if (sscanf(line, " present %llu", &v) == 1)
			cur->present = v;
	}
	fclose(f);
	return 0;
}

int dm_snapshot_take(struct dm_snapshot *snap)
{
	int rc;

	memset(snap, 0, sizeof(*snap));
	rc = read_vmstat(snap);
	if (!rc)
		rc = read_meminfo(snap);
	if (!rc)
		rc = read_zoneinfo(snap);
	return rc;
}

const struct dm_zone_device *dm_snapshot_device_zone(
		const struct dm_snapshot *snap, int node)
{
	int i;

	for (i = 0; i < snap->nr_device_zones; i++)
		if (snap->device[i].node == node)
			return &snap->device[i];
	return NULL;
}

/* /proc/iomem */

int dm_iomem_read(struct dm_iomem_res *res, int max)
{
	char line[256];
	int n = 0;
	FILE *f;

	f = fopen("/proc/iomem", "re");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		int depth = 0, off = 0;
		char *name;

		while (line[depth] == ' ')
			depth++;
		if (sscanf(line + depth, "%llx-%llx : %n", &s, &e, &off) < 2 ||
		    !off)
			continue;
		name = line + depth + off;
		name[strcspn(name, "\n")] = '\0';
		res[n].start = s;
		res[n].end = e;
		res[n].depth = depth / 2;
		snprintf(res[n].name, sizeof(res[n].name), "%s", name);
		n++;
	}
	fclose(f);
	return n;
}

#define DM_IOMEM_MAX	4096

/**
 * dm_iomem_overlaps() - count nested resources inside [start, end)
 * @first: if not NULL, gets "name start-end" of the first one found
 *
 * Top-level resources and ancestors of the range (the region's
 * "Persistent Memory") do not count; whatever a namespace or dax device
 * requested inside the range does.
 */
int dm_iomem_overlaps(uint64_t start, uint64_t end, char *first,
		      size_t first_len)
{
	struct dm_iomem_res *res;
	int i, n, count = 0;

	res = calloc(DM_IOMEM_MAX, sizeof(*res));
	if (!res)
		return -ENOMEM;
	n = dm_iomem_read(res, DM_IOMEM_MAX);
	for (i = 0; i < n; i++) {
		if (!res[i].depth || res[i].end < start || res[i].start >= end)
			continue;
		if (res[i].start <= start && res[i].end >= end - 1 &&
		    (res[i].start < start || res[i].end > end - 1))
			continue;
		if (!count++ && first)
			snprintf(first, first_len, "%s %llx-%llx", res[i].name,
				 (unsigned long long)res[i].start,
				 (unsigned long long)res[i].end);
	}
	free(res);
	return n < 0 ? n : count;
}

/* True if a resource called @name lies inside [start, end). */
bool dm_iomem_has(uint64_t start, uint64_t end, const char *name)
{
	struct dm_iomem_res *res;
	bool found = false;
	int i, n;

	res = calloc(DM_IOMEM_MAX, sizeof(*res));
	if (!res)
		return false;
	n = dm_iomem_read(res, DM_IOMEM_MAX);
	for (i = 0; i < n && !found; i++)
		found = !strcmp(res[i].name, name) && res[i].start >= start &&
			res[i].end <= end - 1;
	free(res);
	return found;
}

/* /dev/kmsg */

static const char *const bad_kmsg[] = {
	"WARNING:", "BUG:", "Oops", "Call Trace", "general protection fault",
	"Conflicting mapping in same section", "section already deactivated",
	"failed to free all reserved pages", "Misaligned __add_pages",
	"kernel BUG", NULL,
};

int dm_kmsg_open(struct dm_kmsg *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		int rc = -errno;

		close(k->fd);
		k->fd = -1;
		return rc;
	}
	return 0;
}

/**
 * dm_kmsg_check() - count kernel problems logged since the last call
 * @first_bad: gets the first offending message
 */
int dm_kmsg_check(struct dm_kmsg *k, char *first_bad, size_t len)
{
	char rec[8192];
	int bad = 0, i;
	ssize_t n;

	if (k->fd < 0)
		return -EBADF;
	for (;;) {
		char *msg;

		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten: skip ahead */
				continue;
			if (errno == EINTR)
				continue;
			break;
		}
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		for (i = 0; bad_kmsg[i]; i++) {
			if (!strstr(msg, bad_kmsg[i]))
				continue;
			if (!bad++ && first_bad)
				snprintf(first_bad, len, "%s", msg);
			break;
		}
	}
	return bad;
}

void dm_kmsg_close(struct dm_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

/**
 * dm_kernel_shrinks_device_span() - does this kernel shrink ZONE_DEVICE?
 *
 * Mainline never shrinks the Device zone or node span on removal (see
 * remove_pfn_range_from_zone()).  The add-del-device-memory series (v2)
 * carried in kernel/patches adds shrink_device_zone_span() to do it.
 */
bool dm_kernel_shrinks_device_span(void)
{
	static const char sym[] = "shrink_device_zone_span";
	char line[512], name[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %255s", name) != 1)
			continue;
		found = !strncmp(name, sym, sizeof(sym) - 1) &&
			(name[sizeof(sym) - 1] == '\0' ||
			 name[sizeof(sym) - 1] == '.');
	}
	fclose(f);
	return found;
}

/*
 * dm_kernel_has_kasan() - was the running kernel built with KASAN
 * (CONFIG_KASAN=y in /proc/config.gz)?  Its quarantine keeps freed objects
 * for a while, so Slab and free pages do not follow a free at once.
 */
bool dm_kernel_has_kasan(void)
{
	char line[256];
	bool kasan = false;
	FILE *p;

	if (access("/proc/config.gz", R_OK))
		return false;
	p = popen("zcat /proc/config.gz 2>/dev/null", "re");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p))
		if (!strcmp(line, "CONFIG_KASAN=y\n"))
			kasan = true;
	pclose(p);
	return kasan;
}

/*
 * dm_env_int() - a DEVMEM_* knob from the environment: @def when unset,
 * and, with a note on stderr, when not an integer in [@min, @max]
 */
int dm_env_int(const char *name, int def, int min, int max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "# %s=%s is not a number in %d..%d; using %d\n",
			name, s, min, max, def);
		return def;
	}
	return v;
}
