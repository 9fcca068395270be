// SPDX-License-Identifier: GPL-2.0
/*
 * devmem: namespaces through libndctl, and snapshots of what the kernel
 * reports about device memory.  See devmem.h for the contract.
 *
 * A namespace is created the way ndctl's create-namespace does it (seed
 * namespace: uuid, alt_name, size, mode; then the dax or pfn seed: uuid,
 * memmap location, align, namespace; then enable).  Hot-remove and hot-add
 * are a single write of the personality device's name (daxX.Y for devdax,
 * pfnX.Y for fsdax) to its nd driver's unbind or bind file: that write
 * runs devm_memremap_pages() / its release and nothing else of ours, so it
 * is what gets timed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <ndctl/libndctl.h>
#include <linux/ndctl.h>

#include "devmem.h"
#include "devmem_module.h"

#define ND_DEVICES	"/sys/bus/nd/devices"
#define ND_DRIVERS	"/sys/bus/nd/drivers"

struct dm_ctx {
	struct ndctl_ctx *nd;
	struct ndctl_region *region;
	int lock_fd;			/* the region's lock, -1: none */
	int nr_ns;			/* dm_ns handles alive */
	bool enabled_region;		/* we enabled it: disable it again */
	struct dm_rec region_rec;	/* its record, while enabled_region */
	int nr_came_up;			/* namespaces that came up with it */
	char came_up[16][40];		/* (their uuids): they go down with it */
	char why[DM_MSG_LEN];		/* the reason of the last refusal */
};

struct dm_ns {
	struct dm_ctx *ctx;
	struct ndctl_namespace *ndns;
	struct ndctl_dax *dax;
	struct ndctl_pfn *pfn;
	struct dm_ns_config cfg;
	char name[32];			/* namespaceX.Y */
	char personality[32];		/* daxX.Y or pfnX.Y */
	char bind_path[PATH_MAX];
	char unbind_path[PATH_MAX];
	char uuid[40];
	uint64_t start, size;
	/* what the dax/pfn device maps: less info block and padding */
	uint64_t data_size;
};

/**
 * dm_parse_size() - parse "1G", "512M", "4K", "2097152" (binary units)
 */
int dm_parse_size(const char *s, unsigned long long *bytes)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	case 'T':
		v <<= 40;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -EINVAL;
	*bytes = v;
	return 0;
}

const char *dm_mode_name(enum dm_mode mode)
{
	return mode == DM_MODE_DEVDAX ? "devdax" : "fsdax";
}

const char *dm_map_name(enum dm_map map)
{
	return map == DM_MAP_MEM ? "mem" : "dev";
}

static void format_size(unsigned long long v, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i = -1;

	while (v >= 1024 && !(v % 1024) && i < 3) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", v);
	else
		snprintf(buf, len, "%llu%c", v, units[i]);
}

/**
 * dm_config_id() - a stable name for a configuration, e.g. devdax-mem-2M-1G
 */
int dm_config_id(const struct dm_ns_config *cfg, char *buf, size_t len)
{
	char align[24], size[24];

	if (cfg->align)
		format_size(cfg->align, align, sizeof(align));
	else
		snprintf(align, sizeof(align), "default");
	format_size(cfg->size, size, sizeof(size));
	if (snprintf(buf, len, "%s-%s-%s-%s", dm_mode_name(cfg->mode),
		     dm_map_name(cfg->map), align, size) >= (int)len)
		return -ENOSPC;
	return 0;
}

int dm_new(struct dm_ctx **ctx)
{
	struct dm_ctx *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->lock_fd = -1;
	rc = ndctl_new(&c->nd);
	if (rc) {
		free(c);
		return rc < 0 ? rc : -ENXIO;
	}
	*ctx = c;
	return 0;
}

void dm_unref(struct dm_ctx *ctx)
{
	if (!ctx)
		return;
	dm_release_region(ctx);
	ndctl_unref(ctx->nd);
	free(ctx);
}

const char *dm_why(struct dm_ctx *ctx)
{
	return ctx->why;
}

static void uuid_str(const uuid_t uu, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 uu[0], uu[1], uu[2], uu[3], uu[4], uu[5], uu[6], uu[7],
		 uu[8], uu[9], uu[10], uu[11], uu[12], uu[13], uu[14], uu[15]);
}

static void ndns_uuid(struct ndctl_namespace *ndns, char *buf, size_t len)
{
	uuid_t uu;

	ndctl_namespace_get_uuid(ndns, uu);
	uuid_str(uu, buf, len);
}

static const char *region_provider(struct ndctl_region *region)
{
	const char *p = ndctl_bus_get_provider(ndctl_region_get_bus(region));

	return p && *p ? p : "unknown";
}

/* Recorded as created by devmem (by any devmem process): its uuid alone. */
static bool ns_is_ours(struct ndctl_namespace *ndns)
{
	char uuid[40];

	ndns_uuid(ndns, uuid, sizeof(uuid));
	return !dm_rec_find(uuid, NULL);
}

/* A namespace with capacity that we did not create. */
static bool ns_is_foreign(struct ndctl_namespace *ndns)
{
	return ndctl_namespace_get_size(ndns) > 0 && !ns_is_ours(ndns);
}

static int region_foreign_count(struct ndctl_region *region, char *first,
				size_t len)
{
	struct ndctl_namespace *ndns;
	size_t used = 0;
	int n = 0;

	if (first && len)
		first[0] = '\0';
	ndctl_namespace_foreach(region, ndns) {
		if (!ns_is_foreign(ndns))
			continue;
		/* their names, as many as fit */
		if (first && used < len)
			used += snprintf(first + used, len - used, "%s%s",
					 n ? ", " : "",
					 ndctl_namespace_get_devname(ndns));
		n++;
	}
	return n;
}

/* Enabled namespaces with capacity in @region; the first in @first. */
static int region_active_count(struct ndctl_region *region, char *first,
			       size_t len)
{
	struct ndctl_namespace *ndns;
	int n = 0;

	ndctl_namespace_foreach(region, ndns) {
		if (!ndctl_namespace_get_size(ndns) ||
		    !ndctl_namespace_is_enabled(ndns))
			continue;
		if (!n++ && first)
			snprintf(first, len, "%s",
				 ndctl_namespace_get_devname(ndns));
	}
	return n;
}

static void region_record(struct ndctl_region *region, struct dm_rec *r)
{
	memset(r, 0, sizeof(*r));
	dm_rec_self(r);
	snprintf(r->kind, sizeof(r->kind), "region");
	snprintf(r->uuid, sizeof(r->uuid), "-");
	snprintf(r->name, sizeof(r->name), "-");
	snprintf(r->provider, sizeof(r->provider), "%s",
		 region_provider(region));
	snprintf(r->region, sizeof(r->region), "%s",
		 ndctl_region_get_devname(region));
}

static void ndns_uuid(struct ndctl_namespace *ndns, char *buf, size_t len);
static int ndns_in_use(struct ndctl_namespace *ndns, char *why, size_t len);

/* The namespaces that came up when we enabled the region. */
static void note_came_up(struct dm_ctx *ctx, struct ndctl_region *region)
{
	struct ndctl_namespace *ndns;

	ctx->nr_came_up = 0;
	ndctl_namespace_foreach(region, ndns) {
		if (!ndctl_namespace_get_size(ndns) ||
		    !ndctl_namespace_is_enabled(ndns))
			continue;
		if (ctx->nr_came_up == 16)
			break;
		ndns_uuid(ndns, ctx->came_up[ctx->nr_came_up],
			  sizeof(ctx->came_up[0]));
		ctx->nr_came_up++;
	}
}

/*
 * May the region we enabled be disabled again?  Not when a namespace was
 * enabled in it since (by anyone), or one that came up with it is in use
 * now (mounted, open, mapped, System RAM).  -EBUSY with the reason.
 */
static int region_blocker(struct dm_ctx *ctx, char *why, size_t len)
{
	struct ndctl_namespace *ndns;
	char uuid[40];
	int i, rc;

	ndctl_namespace_foreach(ctx->region, ndns) {
		if (!ndctl_namespace_get_size(ndns) ||
		    !ndctl_namespace_is_enabled(ndns))
			continue;
		ndns_uuid(ndns, uuid, sizeof(uuid));
		for (i = 0; i < ctx->nr_came_up; i++)
			if (!strcmp(uuid, ctx->came_up[i]))
				break;
		if (i == ctx->nr_came_up) {
			snprintf(why, len, "%s was enabled in it since",
				 ndctl_namespace_get_devname(ndns));
			return -EBUSY;
		}
		rc = ndns_in_use(ndns, why, len);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * With the region's lock held: can the suite use @region?  Enables it if
 * it must (recorded first, so that a killed run's cleanup disables it).
 */
static int check_region(struct dm_ctx *ctx, struct ndctl_region *region,
			unsigned long long need, unsigned int flags,
			char *why, size_t why_len)
{
	const char *dev = ndctl_region_get_devname(region);
	struct dm_rec rec;
	char first[160];
	int n, rc;

	if (!ndctl_region_is_enabled(region)) {
		region_record(region, &rec);
		rc = dm_rec_add(&rec);
		if (rc) {
			snprintf(why, why_len,
				 "%s is disabled and cannot be recorded in %s: %s",
				 dev, dm_state_dir(), strerror(-rc));
			return rc;
		}
		if (ndctl_region_enable(region)) {
			dm_rec_del(&rec);
			snprintf(why, why_len, "%s cannot be enabled", dev);
			return -ENODEV;
		}
		ctx->enabled_region = true;
		ctx->region_rec = rec;
		note_came_up(ctx, region);
	}
	n = region_foreign_count(region, first, sizeof(first));
	if (n && !(flags & DM_SEL_ALLOW_FOREIGN)) {
		snprintf(why, why_len,
			 "%s holds %d namespace%s the suite did not create (%s); set DEVMEM_ALLOW_FOREIGN=1 to use its free space anyway",
			 dev, n, n > 1 ? "s" : "", first);
		return -EBUSY;
	}
	if (ndctl_region_get_max_available_extent(region) < need) {
		snprintf(why, why_len,
			 "%s has %llu bytes free in one extent, %llu needed",
			 dev, ndctl_region_get_max_available_extent(region),
			 need);
		return -ENOSPC;
	}
	return 0;
}

static bool region_usable(struct ndctl_region *region, const char *name,
			  char *why, size_t why_len)
{
	const char *dev = ndctl_region_get_devname(region);

	if (name && strcmp(name, dev))
		return false;
	if (ndctl_region_get_type(region) != ND_DEVICE_REGION_PMEM ||
	    ndctl_region_get_nstype(region) != ND_DEVICE_NAMESPACE_PMEM) {
		snprintf(why, why_len, "%s is not a labelled pmem region",
			 dev);
		return false;
	}
	return true;
}

static struct ndctl_region *find_region(struct ndctl_ctx *nd,
					const char *provider,
					const char *name)
{
	struct ndctl_region *region;
	struct ndctl_bus *bus;

	ndctl_bus_foreach(nd, bus)
		ndctl_region_foreach(bus, region)
			if (!strcmp(ndctl_region_get_devname(region), name) &&
			    !strcmp(region_provider(region), provider))
				return region;
	return NULL;
}

/*
 * A fresh view of what other processes did (libndctl caches what it read
 * once): a new libndctl context, unless handles still point into the old.
 */
static int refresh(struct dm_ctx *ctx)
{
	struct ndctl_ctx *nd;

	if (ctx->nr_ns)
		return 0;
	if (ndctl_new(&nd))
		return -ENOMEM;
	ndctl_unref(ctx->nd);
	ctx->nd = nd;
	return 0;
}

/* Lock @region and check it; on success it is the context's region. */
static int take_region(struct dm_ctx *ctx, struct ndctl_region *region,
		       unsigned long long need, unsigned int flags, bool wait,
		       char *why, size_t why_len)
{
	char provider[64], dev[32];
	int fd, rc;

	snprintf(provider, sizeof(provider), "%s", region_provider(region));
	snprintf(dev, sizeof(dev), "%s", ndctl_region_get_devname(region));
	fd = dm_lock_region(provider, dev, wait, why, why_len);
	if (fd < 0)
		return fd;
	if (wait) {
		/* the holder changed the region while we waited */
		if (refresh(ctx)) {
			close(fd);
			return -ENOMEM;
		}
		region = find_region(ctx->nd, provider, dev);
		if (!region) {
			snprintf(why, why_len, "%s is gone", dev);
			close(fd);
			return -ENODEV;
		}
	}
	ctx->lock_fd = fd;
	ctx->region = region;
	rc = check_region(ctx, region, need, flags, why, why_len);
	if (rc)
		dm_release_region(ctx);
	return rc;
}

/**
 * dm_select_region() - pick the pmem region the suite works in, lock it
 * @name: a region name (regionN) or NULL for the first that fits
 * @need: bytes of contiguous free capacity required
 * @flags: DM_SEL_ALLOW_FOREIGN: accept a region holding namespaces we did
 *	not create; DM_SEL_NO_WAIT: refuse a region another devmem process
 *	holds rather than wait for it
 * @why: filled with the reason when no region is usable
 *
 * Only labelled pmem regions qualify.  The region stays locked against
 * other devmem processes until dm_release_region() or dm_unref(), which
 * also disable it again if it had to be enabled.  Leftovers of dead runs
 * are reported on stderr.  Returns 0, -ENODEV (no usable region), -EBUSY
 * (foreign namespaces, or locked with DM_SEL_NO_WAIT), -ENOSPC or -EINTR.
 */
int dm_select_region(struct dm_ctx *ctx, const char *name,
		     unsigned long long need, unsigned int flags,
		     char *why, size_t why_len)
{
	struct ndctl_region *region, *busy = NULL;
	struct ndctl_bus *bus;
	char busy_why[DM_MSG_LEN];
	int rc = -ENODEV;

	dm_release_region(ctx);
	if (refresh(ctx))
		return -ENOMEM;
	dm_report_leftovers(stderr, "# devmem: ");
	snprintf(why, why_len, name ? "region %s not found" :
		 "no pmem region with namespace labels", name);
	ndctl_bus_foreach(ctx->nd, bus) {
		ndctl_region_foreach(bus, region) {
			if (!region_usable(region, name, why, why_len))
				continue;
			rc = take_region(ctx, region, need, flags, false, why,
					 why_len);
			if (!rc) {
				why[0] = '\0';
				return 0;
			}
			if (rc == -EAGAIN && !busy) {
				busy = region;
				snprintf(busy_why, sizeof(busy_why), "%s", why);
			}
		}
	}
	if (!busy)
		return rc == -EAGAIN ? -EBUSY : rc;
	if (flags & DM_SEL_NO_WAIT) {
		snprintf(why, why_len, "%s", busy_why);
		return -EBUSY;
	}
	rc = take_region(ctx, busy, need, flags, true, why, why_len);
	if (!rc)
		why[0] = '\0';
	return rc;
}

/**
 * dm_release_region() - unlock the region, disable it if we enabled it
 *
 * A region the suite enabled is disabled again, and with it the
 * namespaces that came up when it was enabled, unless a namespace was
 * enabled in it since or one of them is in use now (then it says so on
 * stderr and leaves the region as it is).
 */
void dm_release_region(struct dm_ctx *ctx)
{
	char why[DM_MSG_LEN];

	if (ctx->enabled_region && ctx->region) {
		if (region_blocker(ctx, why, sizeof(why)))
			fprintf(stderr, "# devmem: leaving %s enabled (it was disabled): %s\n",
				ndctl_region_get_devname(ctx->region), why);
		else if (ndctl_region_disable_invalidate(ctx->region))
			fprintf(stderr, "# devmem: cannot disable %s again\n",
				ndctl_region_get_devname(ctx->region));
		dm_rec_del(&ctx->region_rec);
		ctx->enabled_region = false;
	}
	if (ctx->lock_fd >= 0) {
		/* a forked child may share the open file: unlock it too */
		flock(ctx->lock_fd, LOCK_UN);
		close(ctx->lock_fd);
	}
	ctx->lock_fd = -1;
	ctx->region = NULL;
}

const char *dm_region_name(struct dm_ctx *ctx)
{
	return ctx->region ? ndctl_region_get_devname(ctx->region) : "none";
}

int dm_region_node(struct dm_ctx *ctx)
{
	int node = ctx->region ? ndctl_region_get_numa_node(ctx->region) : 0;

	return node < 0 ? 0 : node;
}

unsigned long long dm_region_available(struct dm_ctx *ctx)
{
	return ctx->region ? ndctl_region_get_available_size(ctx->region) : 0;
}

unsigned long dm_region_align(struct dm_ctx *ctx)
{
	return ctx->region ? ndctl_region_get_align(ctx->region) : 0;
}

/*
 * Set the granularity new namespaces of the locked region are sized in
 * (the kernel defaults to 16 MiB; 2 MiB allows sub-section sizes).  The
 * caller restores the old value: the kernel keeps it until reboot.
 */
int dm_region_set_align(struct dm_ctx *ctx, unsigned long align)
{
	if (!ctx->region || ctx->lock_fd < 0)
		return -ENODEV;
	return ndctl_region_set_align(ctx->region, align);
}

/* The alignments the region's dax or pfn seed advertises. */
bool dm_region_supports_align(struct dm_ctx *ctx, enum dm_mode mode,
			      unsigned long align)
{
	struct ndctl_dax *dax;
	struct ndctl_pfn *pfn;
	int i, n;

	if (!ctx->region)
		return false;
	if (mode == DM_MODE_DEVDAX) {
		dax = ndctl_region_get_dax_seed(ctx->region);
		if (!dax)
			return false;
		n = ndctl_dax_get_num_alignments(dax);
		for (i = 0; i < n; i++)
			if (ndctl_dax_get_supported_alignment(dax, i) == align)
				return true;
		return false;
	}
	pfn = ndctl_region_get_pfn_seed(ctx->region);
	if (!pfn)
		return false;
	n = ndctl_pfn_get_num_alignments(pfn);
	for (i = 0; i < n; i++)
		if (ndctl_pfn_get_supported_alignment(pfn, i) == align)
			return true;
	return false;
}

static int new_uuid(uuid_t uu)
{
	if (getrandom(uu, sizeof(uuid_t), 0) != sizeof(uuid_t))
		return -errno;
	uu[6] = (uu[6] & 0x0f) | 0x40;	/* version 4 */
	uu[8] = (uu[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	return 0;
}

/* Read the name of the nd driver @dev is bound to. */
static int nd_driver_of(const char *dev, char *buf, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	char *slash;

	snprintf(path, sizeof(path), ND_DEVICES "/%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	slash = strrchr(link, '/');
	slash = slash ? slash + 1 : link;
	if (strlen(slash) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, slash);
	return 0;
}

static int setup_personality(struct dm_ns *ns)
{
	struct ndctl_region *region = ns->ctx->region;
	enum ndctl_pfn_loc loc;
	uuid_t uu;
	int rc;

	loc = ns->cfg.map == DM_MAP_MEM ? NDCTL_PFN_LOC_RAM : NDCTL_PFN_LOC_PMEM;
	rc = new_uuid(uu);
	if (rc)
		return rc;
	if (ns->cfg.mode == DM_MODE_DEVDAX) {
		ns->dax = ndctl_region_get_dax_seed(region);
		if (!ns->dax)
			return -ENODEV;
		rc = ndctl_dax_set_uuid(ns->dax, uu);
		if (!rc)
			rc = ndctl_dax_set_location(ns->dax, loc);
		if (!rc && ns->cfg.align)
			rc = ndctl_dax_set_align(ns->dax, ns->cfg.align);
		if (!rc)
			rc = ndctl_dax_set_namespace(ns->dax, ns->ndns);
		if (!rc)
			rc = ndctl_dax_enable(ns->dax);
		if (rc) {
			ndctl_dax_set_namespace(ns->dax, NULL);
			ns->dax = NULL;
			return rc;
		}
		snprintf(ns->personality, sizeof(ns->personality), "%s",
			 ndctl_dax_get_devname(ns->dax));
		return 0;
	}
	ns->pfn = ndctl_region_get_pfn_seed(region);
	if (!ns->pfn)
		return -ENODEV;
	rc = ndctl_pfn_set_uuid(ns->pfn, uu);
	if (!rc)
		rc = ndctl_pfn_set_location(ns->pfn, loc);
	if (!rc && ns->cfg.align)
		rc = ndctl_pfn_set_align(ns->pfn, ns->cfg.align);
	if (!rc)
		rc = ndctl_pfn_set_namespace(ns->pfn, ns->ndns);
	if (!rc)
		rc = ndctl_pfn_enable(ns->pfn);
	if (rc) {
		ndctl_pfn_set_namespace(ns->pfn, NULL);
		ns->pfn = NULL;
		return rc;
	}
	snprintf(ns->personality, sizeof(ns->personality), "%s",
		 ndctl_pfn_get_devname(ns->pfn));
	return 0;
}

/**
 * dm_ns_create() - create and enable (hot-add) a recorded namespace
 * @tag: the alt_name; must start with DM_TAG_PREFIX, be < 64 bytes of
 *	[A-Za-z0-9._:-].  For humans: ownership is the record, not the tag.
 *
 * The namespace is recorded (uuid, region, tag, this process) before it
 * is given any capacity; the record goes when it is destroyed.
 */
int dm_ns_create(struct dm_ctx *ctx, const struct dm_ns_config *cfg,
		 const char *tag, struct dm_ns **out)
{
	enum ndctl_namespace_mode mode;
	struct dm_rec rec;
	char driver[64];
	struct dm_ns *ns;
	uuid_t uu;
	int rc;

	if (!ctx->region)
		return -ENODEV;
	if (strncmp(tag, DM_TAG_PREFIX, strlen(DM_TAG_PREFIX)) ||
	    strlen(tag) >= 64 || !dm_rec_field_ok(tag))
		return -EINVAL;
	if (!cfg->size || cfg->size % ndctl_region_get_align(ctx->region))
		return -EINVAL;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->ctx = ctx;
	ns->cfg = *cfg;

	ns->ndns = ndctl_region_get_namespace_seed(ctx->region);
	if (!ns->ndns || ndctl_namespace_get_size(ns->ndns) ||
	    ndctl_namespace_is_enabled(ns->ndns)) {
		snprintf(ctx->why, sizeof(ctx->why),
			 "%s has no idle namespace seed",
			 ndctl_region_get_devname(ctx->region));
		rc = -EBUSY;
		goto err_free;
	}
	rc = new_uuid(uu);
	if (rc)
		goto err_free;
	uuid_str(uu, ns->uuid, sizeof(ns->uuid));
	memset(&rec, 0, sizeof(rec));
	rc = dm_rec_self(&rec);
	if (rc)
		goto err_free;
	snprintf(rec.kind, sizeof(rec.kind), "ns");
	snprintf(rec.uuid, sizeof(rec.uuid), "%s", ns->uuid);
	snprintf(rec.provider, sizeof(rec.provider), "%s",
		 region_provider(ctx->region));
	snprintf(rec.region, sizeof(rec.region), "%s",
		 ndctl_region_get_devname(ctx->region));
	snprintf(rec.name, sizeof(rec.name), "%s", tag);
	rc = dm_rec_add(&rec);
	if (rc) {
		snprintf(ctx->why, sizeof(ctx->why),
			 "cannot record the namespace in %s: %s",
			 dm_state_dir(), strerror(-rc));
		goto err_free;
	}
	rc = ndctl_namespace_set_uuid(ns->ndns, uu);
	if (rc)
		goto err_unrecord;
	rc = ndctl_namespace_set_alt_name(ns->ndns, tag);
	if (!rc)
		rc = ndctl_namespace_set_size(ns->ndns, cfg->size);
	if (rc)
		goto err_delete;
	mode = cfg->mode == DM_MODE_DEVDAX ? NDCTL_NS_MODE_DEVDAX :
					     NDCTL_NS_MODE_FSDAX;
	/* Older kernels lack enforce_mode; ndctl ignores this too. */
	ndctl_namespace_set_enforce_mode(ns->ndns, mode);

	rc = setup_personality(ns);
	if (rc)
		goto err_delete;

	snprintf(ns->name, sizeof(ns->name), "%s",
		 ndctl_namespace_get_devname(ns->ndns));
	ctx->nr_ns++;		/* dm_ns_put() from here on */
	ns->start = ndctl_namespace_get_resource(ns->ndns);
	ns->size = ndctl_namespace_get_size(ns->ndns);
	ns->data_size = ns->dax ? ndctl_dax_get_size(ns->dax) :
				  ndctl_pfn_get_size(ns->pfn);
	if (!ns->data_size || ns->data_size == ULLONG_MAX)
		ns->data_size = ns->size;
	rc = nd_driver_of(ns->personality, driver, sizeof(driver));
	if (rc)
		goto err_destroy;
	snprintf(ns->bind_path, sizeof(ns->bind_path),
		 ND_DRIVERS "/%s/bind", driver);
	snprintf(ns->unbind_path, sizeof(ns->unbind_path),
		 ND_DRIVERS "/%s/unbind", driver);
	*out = ns;
	return 0;

err_destroy:
	dm_ns_destroy(ns);
	return rc;
err_delete:
	ndctl_namespace_set_enforce_mode(ns->ndns, NDCTL_NS_MODE_RAW);
	ndctl_namespace_delete(ns->ndns);
err_unrecord:
	dm_rec_del(&rec);
err_free:
	free(ns);
	return rc;
}

/* Every block and dax device under nd device @nddev: is one in use? */
static int nddev_in_use(const char *nddev, char *why, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *de;
	unsigned int a, b;
	int rc = 0;
	char c;
	DIR *d;

	snprintf(dir, sizeof(dir), ND_DEVICES "/%s/block", nddev);
	d = opendir(dir);
	while (d && !rc && (de = readdir(d)))
		if (de->d_name[0] != '.')
			rc = dm_blockdev_in_use(de->d_name, why, len);
	if (d)
		closedir(d);
	snprintf(dir, sizeof(dir), ND_DEVICES "/%s", nddev);
	d = opendir(dir);
	while (d && !rc && (de = readdir(d)))
		if (sscanf(de->d_name, "dax%u.%u%c", &a, &b, &c) == 2)
			rc = dm_daxdev_in_use(de->d_name, why, len);
	if (d)
		closedir(d);
	return rc;
}

/*
 * Is the namespace (or its pfn, btt or dax personality) in use: mounted,
 * held, open, mapped, onlined as System RAM?  -EBUSY with the reason.
 */
static int ndns_in_use(struct ndctl_namespace *ndns, char *why, size_t len)
{
	struct ndctl_pfn *pfn = ndctl_namespace_get_pfn(ndns);
	struct ndctl_dax *dax = ndctl_namespace_get_dax(ndns);
	struct ndctl_btt *btt = ndctl_namespace_get_btt(ndns);
	int rc;

	rc = nddev_in_use(ndctl_namespace_get_devname(ndns), why, len);
	if (!rc && pfn)
		rc = nddev_in_use(ndctl_pfn_get_devname(pfn), why, len);
	if (!rc && dax)
		rc = nddev_in_use(ndctl_dax_get_devname(dax), why, len);
	if (!rc && btt)
		rc = nddev_in_use(ndctl_btt_get_devname(btt), why, len);
	return rc;
}

/*
 * Destroy one namespace the way ndctl destroy-namespace does, if and only
 * if its uuid is recorded and nothing uses it; then drop its record.
 */
static int destroy_ndns(struct ndctl_namespace *ndns, char *why, size_t len)
{
	const char *dev = ndctl_namespace_get_devname(ndns);
	struct dm_rec rec;
	char uuid[40];
	int rc;

	ndns_uuid(ndns, uuid, sizeof(uuid));
	if (dm_rec_find(uuid, &rec)) {
		snprintf(why, len, "%s (%s) was not created by devmem: no record in %s",
			 dev, uuid, dm_state_dir());
		return -EPERM;
	}
	rc = ndns_in_use(ndns, why, len);
	if (rc)
		return rc;
	/* libndctl's own check: exclusive open, system-ram */
	rc = ndctl_namespace_disable_safe(ndns);
	if (rc) {
		snprintf(why, len, "ndctl refuses to disable %s: %s", dev,
			 strerror(-rc));
		return rc;
	}
	ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_RAW);
	rc = ndctl_namespace_delete(ndns);
	if (rc) {
		snprintf(why, len, "deleting %s: %s", dev, strerror(-rc));
		return rc;
	}
	dm_rec_del(&rec);
	return 0;
}

/**
 * dm_ns_destroy() - hot-remove if enabled, then give the capacity back
 *
 * Frees @ns whatever happens.
 */
int dm_ns_destroy(struct dm_ns *ns)
{
	int rc;

	if (!ns)
		return 0;
	rc = destroy_ndns(ns->ndns, ns->ctx->why, sizeof(ns->ctx->why));
	dm_ns_put(ns);
	return rc;
}

/* Drop the handle only; the namespace itself is left as it is. */
void dm_ns_put(struct dm_ns *ns)
{
	if (ns && ns->name[0])
		ns->ctx->nr_ns--;
	free(ns);
}

static struct ndctl_namespace *find_ns(struct ndctl_ctx *nd,
				       const char *provider,
				       const char *region_name,
				       const char *uuid)
{
	struct ndctl_namespace *ndns;
	struct ndctl_region *region;
	struct ndctl_bus *bus;
	char u[40];

	ndctl_bus_foreach(nd, bus)
		ndctl_region_foreach(bus, region) {
			if (strcmp(region_provider(region), provider) ||
			    (region_name &&
			     strcmp(ndctl_region_get_devname(region),
				    region_name)))
				continue;
			ndctl_namespace_foreach(region, ndns) {
				if (!ndctl_namespace_get_size(ndns))
					continue;
				ndns_uuid(ndns, u, sizeof(u));
				if (!strcmp(u, uuid))
					return ndns;
			}
		}
	return NULL;
}

/*
 * Clean up one namespace record: destroy the namespace when its creator
 * is gone (or is this process, with @self_ok) and nothing holds it.
 * Returns 1 destroyed, 0 kept or gone, -errno failed; says which on @log.
 */
static int cleanup_ns(struct ndctl_ctx *nd, const struct dm_rec *r,
		      bool self_ok, bool take_lock, FILE *log)
{
	struct ndctl_namespace *ndns;
	char why[DM_MSG_LEN];
	int fd = -1, rc;
	pid_t holder;

	fprintf(log, "namespace %s '%s' in %s %s (pid %d): ", r->uuid,
		r->name, r->provider, r->region, (int)r->pid);
	if (dm_rec_alive(r) && !(self_ok && dm_rec_is_self(r))) {
		fprintf(log, "kept: its creator, pid %d, is running\n",
			(int)r->pid);
		return 0;
	}
	if (take_lock) {
		fd = dm_lock_region(r->provider, r->region, false, why,
				    sizeof(why));
		if (fd < 0) {
			holder = dm_region_lock_holder(r->provider, r->region);
			fprintf(log, "kept: %s is locked by devmem pid %d\n",
				r->region, (int)holder);
			return 0;
		}
	}
	ndns = find_ns(nd, r->provider, r->region, r->uuid);
	if (!ndns)	/* region renumbered after a reboot? */
		ndns = find_ns(nd, r->provider, NULL, r->uuid);
	if (!ndns) {
		rc = dm_rec_del(r);
		fprintf(log, "record dropped: no such namespace any more\n");
		goto out;
	}
	rc = destroy_ndns(ndns, why, sizeof(why));
	if (rc)
		fprintf(log, "FAILED, kept: %s\n", why);
	else
		fprintf(log, "destroyed\n");
	rc = rc ?: 1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/**
 * dm_destroy_owned() - destroy the recorded namespaces in the region that
 * no live process owns (this process's own included)
 *
 * For cleaning up after a run that was killed.  Returns the number
 * destroyed or the first -errno; says what it did on @log (may be NULL).
 */
int dm_destroy_owned(struct dm_ctx *ctx, FILE *log)
{
	struct dm_rec *v;
	int n, i, rc, done = 0, err = 0;
	FILE *null = NULL;

	if (!ctx->region)
		return -ENODEV;
	if (!log)
		log = null = fopen("/dev/null", "we");
	if (!log)
		return -errno;
	rc = dm_rec_load(&v, &n);
	if (rc)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "ns") ||
		    strcmp(v[i].provider, region_provider(ctx->region)) ||
		    strcmp(v[i].region, ndctl_region_get_devname(ctx->region)))
			continue;
		rc = cleanup_ns(ctx->nd, &v[i], true, false, log);
		if (rc > 0)
			done++;
		else if (rc < 0 && !err)
			err = rc;
	}
	free(v);
	rc = err ?: done;
out:
	if (null)
		fclose(null);
	return rc;
}

/*
 * A region left enabled by a dead run: disable it again when nothing in
 * it is enabled and no devmem process holds it.
 */
static int cleanup_region(struct ndctl_ctx *nd, const struct dm_rec *r,
			  FILE *log)
{
	struct ndctl_region *region;
	char why[DM_MSG_LEN], first[64];
	int fd, rc = 0;

	fprintf(log, "region %s %s enabled by pid %d: ", r->provider,
		r->region, (int)r->pid);
	if (dm_rec_alive(r)) {
		fprintf(log, "kept: its enabler, pid %d, is running\n",
			(int)r->pid);
		return 0;
	}
	fd = dm_lock_region(r->provider, r->region, false, why, sizeof(why));
	if (fd < 0) {
		fprintf(log, "kept: %s\n", why);
		return 0;
	}
	region = find_region(nd, r->provider, r->region);
	if (!region || !ndctl_region_is_enabled(region))
		fprintf(log, "already disabled\n");
	else if (region_active_count(region, first, sizeof(first)))
		fprintf(log, "left enabled: %s is enabled in it\n", first);
	else {
		rc = ndctl_region_disable_invalidate(region);
		if (rc)
			fprintf(log, "FAILED to disable it: %s\n",
				strerror(-rc));
		else
			fprintf(log, "disabled again\n");
	}
	if (!rc)
		dm_rec_del(r);
	close(fd);
	return rc;
}

/**
 * dm_cleanup() - clean up after dead runs, from the records
 *
 * Destroys exactly the recorded namespaces whose creator is not alive
 * and whose region no live devmem process has locked, disables the
 * regions such runs enabled, puts back the settings they changed
 * (dm_knob_cleanup()) and unmounts and removes their scratch directories
 * (dm_tmpdir_cleanup()).  One line per record on @log.  Returns the number
 * of failures (0: nothing failed) or -errno.
 */
int dm_cleanup(FILE *log)
{
	struct ndctl_ctx *nd;
	struct dm_rec *v;
	int n, i, rc, failed = 0;

	rc = dm_rec_load(&v, &n);
	if (rc) {
		fprintf(log, "cannot read the records in %s: %s\n",
			dm_state_dir(), strerror(-rc));
		return rc;
	}
	if (!n) {
		fprintf(log, "no devmem records in %s: nothing to clean up\n",
			dm_state_dir());
		free(v);
		return 0;
	}
	failed += dm_knob_cleanup(log);
	/* their mounts hold the namespaces */
	failed += dm_tmpdir_cleanup(log);
	rc = ndctl_new(&nd);
	if (rc) {
		free(v);
		fprintf(log, "libndctl: %s\n", strerror(rc < 0 ? -rc : ENXIO));
		return rc < 0 ? rc : -ENXIO;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].kind, "ns") &&
		    cleanup_ns(nd, &v[i], false, true, log) < 0)
			failed++;
	ndctl_invalidate(nd);
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].kind, "region") &&
		    cleanup_region(nd, &v[i], log) < 0)
			failed++;
	ndctl_unref(nd);
	free(v);
	return failed;
}

static int write_name(const char *path, const char *name,
		      uint64_t *elapsed_ns)
{
	size_t len = strlen(name);
	uint64_t t0, t1;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	t0 = dm_now_ns();
	n = write(fd, name, len);
	t1 = dm_now_ns();
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	if (elapsed_ns)
		*elapsed_ns = t1 - t0;
	return rc;
}

bool dm_ns_is_enabled(struct dm_ns *ns)
{
	char driver[64];

	return nd_driver_of(ns->personality, driver, sizeof(driver)) == 0;
}

/**
 * dm_ns_disable() - hot-remove: unbind the personality device
 * @elapsed_ns: if not NULL, the duration of the unbind write alone
 */
int dm_ns_disable(struct dm_ns *ns, uint64_t *elapsed_ns)
{
	char *why = ns->ctx->why;
	size_t len = sizeof(ns->ctx->why);
	int rc;

	if (dm_interrupted()) {
		snprintf(why, len, "interrupted by signal %d",
			 dm_interrupted());
		return -EINTR;
	}
	if (!dm_ns_is_enabled(ns))
		return -EALREADY;
	/* the record decides, even for our own handle */
	if (dm_rec_find(ns->uuid, NULL)) {
		snprintf(why, len, "%s (%s) has no record in %s: not ours",
			 ns->name, ns->uuid, dm_state_dir());
		return -EPERM;
	}
	rc = ndns_in_use(ns->ndns, why, len);
	if (rc)
		return rc;
	rc = write_name(ns->unbind_path, ns->personality, elapsed_ns);
	if (rc)
		return rc;
	return dm_ns_is_enabled(ns) ? -EBUSY : 0;
}

/**
 * dm_ns_enable() - hot-add: bind the personality device to its driver
 * @elapsed_ns: if not NULL, the duration of the bind write alone
 */
int dm_ns_enable(struct dm_ns *ns, uint64_t *elapsed_ns)
{
	int rc;

	if (dm_interrupted()) {
		snprintf(ns->ctx->why, sizeof(ns->ctx->why),
			 "interrupted by signal %d", dm_interrupted());
		return -EINTR;
	}
	if (dm_ns_is_enabled(ns))
		return -EALREADY;
	rc = write_name(ns->bind_path, ns->personality, elapsed_ns);
	if (rc)
		return rc;
	return dm_ns_is_enabled(ns) ? 0 : -ENXIO;
}

/**
 * dm_ns_devname() - the device userspace uses: daxX.Y or pmemX[.Y]
 *
 * Returns -ENODEV when the device is absent from sysfs or from /dev.
 */
int dm_ns_devname(struct dm_ns *ns, char *buf, size_t len)
{
	char dir[PATH_MAX], node[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int rc = -ENODEV;
	DIR *d;

	if (ns->cfg.mode == DM_MODE_DEVDAX)
		snprintf(dir, sizeof(dir), ND_DEVICES "/%s", ns->personality);
	else
		snprintf(dir, sizeof(dir), ND_DEVICES "/%s/block",
			 ns->personality);
	d = opendir(dir);
	if (!d)
		return -ENODEV;
	while ((de = readdir(d))) {
		unsigned int a, b;
		char c;

		if (de->d_name[0] == '.')
			continue;
		if (ns->cfg.mode == DM_MODE_DEVDAX &&
		    sscanf(de->d_name, "dax%u.%u%c", &a, &b, &c) != 2)
			continue;
		snprintf(node, sizeof(node), "/dev/%s", de->d_name);
		if (stat(node, &st))
			continue;
		snprintf(buf, len, "%s", de->d_name);
		rc = 0;
		break;
	}
	closedir(d);
	return rc;
}

uint64_t dm_ns_start(struct dm_ns *ns)
{
	return ns->start;
}

uint64_t dm_ns_size(struct dm_ns *ns)
{
	return ns->size;
}

const char *dm_ns_name(struct dm_ns *ns)
{
	return ns->name;
}

const char *dm_ns_uuid(struct dm_ns *ns)
{
	return ns->uuid;
}

/* Why the last action on @ns (or its context) was refused. */
const char *dm_ns_why(struct dm_ns *ns)
{
	return ns->ctx->why;
}

const char *dm_ns_personality(struct dm_ns *ns)
{
	return ns->personality;
}

int dm_ns_node(struct dm_ns *ns)
{
	return dm_region_node(ns->ctx);
}

const struct dm_ns_config *dm_ns_config(struct dm_ns *ns)
{
	return &ns->cfg;
}

/**
 * dm_expected_memmap_pages() - nr_memmap_pages an add should account
 * @nr_pages: pages of the namespace
 *
 * A struct page is 64 bytes, so a 4K memmap page describes 64 pages,
 * whether it sits in RAM or in the altmap (both are counted).  devdax
 * with 2M compound pages and the memmap in RAM keeps 2 unique vmemmap
 * pages per 2M (the rest reuse them), and per 1G.  Returns -1 where the
 * answer is not pinned down here (the default align).
 */
long long dm_expected_memmap_pages(const struct dm_ns_config *cfg,
				   unsigned long long nr_pages)
{
	if (cfg->mode == DM_MODE_FSDAX || cfg->map == DM_MAP_DEV ||
	    cfg->align == 4096)
		return (nr_pages + 63) / 64;
	if (cfg->align == 2ul << 20)
		return (nr_pages + 255) / 256;
	if (cfg->align == 1ul << 30)	/* 2 per 1G compound page */
		return 2 * ((nr_pages + 262143) / 262144);
	return -1;
}

/* Invariants */

int dm_inv_init(struct dm_inv *inv, struct dm_ctx *ctx, unsigned int checks)
{
	int rc;

	memset(inv, 0, sizeof(*inv));
	inv->kmsg.fd = -1;
	inv->checks = checks;
	inv->node = dm_region_node(ctx);
	inv->shrinks = dm_kernel_shrinks_device_span();
	inv->memmap_rise = -1;
	inv->memmap_expected = -1;
	inv->exact_spans = dm_mod_available();
	rc = dm_snapshot_take(&inv->base);
	if (rc)
		return rc;
	inv->last = inv->base;
	if (checks & DM_CHECK_KMSG)
		return dm_kmsg_open(&inv->kmsg);
	return 0;
}

void dm_inv_release(struct dm_inv *inv)
{
	dm_kmsg_close(&inv->kmsg);
}

/* Record a violation: count it, keep the first description. */
static __attribute__((format(printf, 4, 5)))
void violation(int *n, char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!(*n)++ && msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
}

static unsigned long long device_spanned(const struct dm_snapshot *s,
					 int node, unsigned long long *present)
{
	const struct dm_zone_device *z = dm_snapshot_device_zone(s, node);

	*present = z ? z->present : 0;
	return z ? z->spanned : 0;
}

/*
 * The exact Device zone span from the devmem_test module: it must lie
 * inside its node's span and, after an add, contain [start, end) pfns.
 * Returns the zone's [start, end) in @zs/@ze.
 */
static void check_exact_span(struct dm_inv *inv, uint64_t start_pfn,
			     uint64_t end_pfn, bool live, uint64_t *zs,
			     uint64_t *ze, int *n, char *msg, size_t len)
{
	const struct devmem_test_zone *z;
	const struct devmem_test_node *nd;
	struct dm_spans *spans;
	int rc;

	*zs = *ze = 0;
	spans = calloc(1, sizeof(*spans));
	if (!spans)
		return;
	rc = dm_mod_spans(spans);
	if (rc) {
		violation(n, msg, len, "devmem_test spans: %s", strerror(-rc));
		goto out;
	}
	nd = dm_spans_node(spans, inv->node);
	z = dm_spans_zone(spans, inv->node, "Device");
	if (!nd || !z) {
		violation(n, msg, len, "devmem_test: no Device zone on node %d",
			  inv->node);
		goto out;
	}
	if (!z->spanned_pages)
		goto out;
	*zs = z->start_pfn;
	*ze = z->start_pfn + z->spanned_pages;
	if (*zs < nd->start_pfn || *ze > nd->start_pfn + nd->spanned_pages)
		violation(n, msg, len,
			  "Device zone [%#llx, %#llx) lies outside node %d [%#llx, %#llx)",
			  (unsigned long long)*zs, (unsigned long long)*ze,
			  inv->node, (unsigned long long)nd->start_pfn,
			  (unsigned long long)(nd->start_pfn +
					       nd->spanned_pages));
	if (live && (*zs > start_pfn || *ze < end_pfn))
		violation(n, msg, len,
			  "Device zone [%#llx, %#llx) does not cover the namespace [%#llx, %#llx)",
			  (unsigned long long)*zs, (unsigned long long)*ze,
			  (unsigned long long)start_pfn,
			  (unsigned long long)end_pfn);
out:
	free(spans);
}

static void check_common(struct dm_inv *inv, const struct dm_snapshot *s,
			 int *n, char *msg, size_t len)
{
	char bad[DM_MSG_LEN];
	int rc;

	if ((inv->checks & DM_CHECK_SPAN) &&
	    s->mem_total_kb != inv->base.mem_total_kb)
		violation(n, msg, len, "MemTotal moved: %lld -> %lld kB",
			  inv->base.mem_total_kb, s->mem_total_kb);
	if (inv->checks & DM_CHECK_KMSG) {
		rc = dm_kmsg_check(&inv->kmsg, bad, sizeof(bad));
		if (rc > 0)
			violation(n, msg, len, "kernel logged: %s", bad);
		else if (rc < 0)
			violation(n, msg, len, "cannot read /dev/kmsg: %s",
				  strerror(-rc));
	}
}

/**
 * dm_inv_check_added() - after a hot-add (or the create)
 *
 * The personality is bound, its dax/pmem device exists, /proc/iomem has
 * the namespace (and the dax device) inside its range, the Device zone
 * spans at least the namespace and did not shrink, it has no present
 * pages, MemTotal did not move, nr_memmap_pages rose by the expected
 * vmemmap and by the same amount as on the first add, dmesg is clean.
 */
int dm_inv_check_added(struct dm_inv *inv, struct dm_ns *ns, char *msg,
		       size_t len)
{
	uint64_t start = ns->start, end = ns->start + ns->size;
	/* what is mapped: it moves with the offset in the region */
	unsigned long long spanned, present, pages = ns->data_size / 4096;
	struct dm_snapshot s;
	char dev[64];
	long long rise;
	int n = 0, rc;

	if (msg && len)
		msg[0] = '\0';
	rc = dm_snapshot_take(&s);
	if (rc)
		return rc;
	if (!dm_ns_is_enabled(ns))
		violation(&n, msg, len, "%s is not bound", ns->personality);
	if (inv->checks & DM_CHECK_DEVICE) {
		if (dm_ns_devname(ns, dev, sizeof(dev)))
			violation(&n, msg, len, "no dax/pmem device for %s",
				  ns->personality);
		else if (ns->cfg.mode == DM_MODE_DEVDAX &&
			 !dm_iomem_has(start, end, dev))
			violation(&n, msg, len, "%s missing from /proc/iomem",
				  dev);
		if (!dm_iomem_has(start, end, ns->name))
			violation(&n, msg, len, "%s missing from /proc/iomem",
				  ns->name);
	}
	if (inv->checks & DM_CHECK_SPAN) {
		spanned = device_spanned(&s, inv->node, &present);
		if (present)
			violation(&n, msg, len,
				  "Device zone of node %d has %llu present pages",
				  inv->node, present);
		if (spanned < pages)
			violation(&n, msg, len,
				  "Device zone of node %d spans %llu pages, the namespace alone %llu",
				  inv->node, spanned, pages);
		if (spanned < device_spanned(&inv->last, inv->node, &present))
			violation(&n, msg, len,
				  "Device zone shrank on an add: %llu -> %llu pages",
				  device_spanned(&inv->last, inv->node,
						 &present), spanned);
		inv->added_spanned = spanned;
		if (inv->exact_spans)
			check_exact_span(inv, start / 4096, end / 4096, true,
					 &inv->added_start_pfn,
					 &inv->added_end_pfn, &n, msg, len);
	}
	if ((inv->checks & DM_CHECK_MEMMAP) && s.nr_memmap_pages >= 0) {
		rise = s.nr_memmap_pages - inv->base.nr_memmap_pages;
		if (inv->memmap_rise < 0) {
			inv->memmap_rise = rise;
			/*
			 * The memmap covers the whole namespace when it
			 * starts aligned; when a namespace before it (a
			 * user's) leaves it unaligned, how much of the
			 * padding gets a memmap is not pinned down here:
			 * then only every add must match the first.
			 */
			inv->memmap_expected =
				ns->cfg.align && ns->start % ns->cfg.align ? -1 :
				dm_expected_memmap_pages(&ns->cfg,
							 ns->size / 4096);
			if (rise <= 0)
				violation(&n, msg, len,
					  "nr_memmap_pages did not rise on add (%lld)",
					  rise);
			else if (inv->memmap_expected >= 0 &&
				 rise != inv->memmap_expected)
				violation(&n, msg, len,
					  "nr_memmap_pages rose by %lld, expected %lld",
					  rise, inv->memmap_expected);
		} else if (rise != inv->memmap_rise) {
			violation(&n, msg, len,
				  "nr_memmap_pages rose by %lld, by %lld on the first add",
				  rise, inv->memmap_rise);
		}
	}
	check_common(inv, &s, &n, msg, len);
	inv->last = s;
	return n;
}

/**
 * dm_inv_check_removed() - after a hot-remove
 *
 * The personality is unbound, its device is gone, nothing is left in
 * /proc/iomem inside the namespace's range, the Device zone span did not
 * move (or only shrank, on a kernel that shrinks it), nr_memmap_pages is
 * exactly back at its baseline, MemTotal did not move, dmesg is clean.
 */
int dm_inv_check_removed(struct dm_inv *inv, struct dm_ns *ns, char *msg,
			 size_t len)
{
	uint64_t start = ns->start, end = ns->start + ns->size;
	unsigned long long spanned, present;
	char dev[64], first[128];
	struct dm_snapshot s;
	int n = 0, rc;

	if (msg && len)
		msg[0] = '\0';
	rc = dm_snapshot_take(&s);
	if (rc)
		return rc;
	if (dm_ns_is_enabled(ns))
		violation(&n, msg, len, "%s is still bound", ns->personality);
	if (inv->checks & DM_CHECK_DEVICE) {
		if (!dm_ns_devname(ns, dev, sizeof(dev)))
			violation(&n, msg, len, "%s still present", dev);
		rc = dm_iomem_overlaps(start, end, first, sizeof(first));
		if (rc > 0)
			violation(&n, msg, len, "/proc/iomem still has %s",
				  first);
	}
	if (inv->checks & DM_CHECK_SPAN) {
		spanned = device_spanned(&s, inv->node, &present);
		if (present)
			violation(&n, msg, len,
				  "Device zone of node %d has %llu present pages",
				  inv->node, present);
		if (inv->shrinks ? spanned > inv->added_spanned :
				   spanned != inv->added_spanned)
			violation(&n, msg, len,
				  "Device zone span %s on a remove: %llu -> %llu pages",
				  inv->shrinks ? "grew" : "moved",
				  inv->added_spanned, spanned);
		if (inv->exact_spans) {
			uint64_t zs, ze;

			check_exact_span(inv, 0, 0, false, &zs, &ze, &n, msg,
					 len);
			if (inv->shrinks ?
			    (ze > zs && (zs < inv->added_start_pfn ||
					 ze > inv->added_end_pfn)) :
			    (zs != inv->added_start_pfn ||
			     ze != inv->added_end_pfn))
				violation(&n, msg, len,
					  "Device zone [%#llx, %#llx) after a remove, [%#llx, %#llx) after the add",
					  (unsigned long long)zs,
					  (unsigned long long)ze,
					  (unsigned long long)inv->added_start_pfn,
					  (unsigned long long)inv->added_end_pfn);
		}
	}
	if ((inv->checks & DM_CHECK_MEMMAP) && s.nr_memmap_pages >= 0 &&
	    s.nr_memmap_pages != inv->base.nr_memmap_pages)
		violation(&n, msg, len,
			  "nr_memmap_pages %lld after remove, %lld before the add",
			  s.nr_memmap_pages, inv->base.nr_memmap_pages);
	check_common(inv, &s, &n, msg, len);
	inv->last = s;
	return n;
}
