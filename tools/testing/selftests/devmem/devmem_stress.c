// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_stress: a tracker of many device-memory ranges with exact
 * checks, a crew of threads that act at the same time, a second region.
 * See devmem_stress.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ndctl/libndctl.h>
#include <linux/ndctl.h>

#include "devmem_stress.h"

#define PAGE_4K		4096ull
#define IOMEM_MAX	4096
#define PRIVATE_RES	"devmem_test"

static __attribute__((format(printf, 4, 5)))
void st_violation(int *n, char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!(*n)++ && msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
}

static struct dm_st_hull *hull_of(struct dm_st_hull *h, int *nr, int node,
				  bool add)
{
	int i;

	for (i = 0; i < *nr; i++)
		if (h[i].node == node)
			return &h[i];
	if (!add || *nr == DM_MAX_NODES)
		return NULL;
	memset(&h[*nr], 0, sizeof(h[*nr]));
	h[*nr].node = node;
	return &h[(*nr)++];
}

static void hull_add(struct dm_st_hull *h, uint64_t s, uint64_t e)
{
	if (s >= e)
		return;
	if (h->start_pfn == h->end_pfn) {
		h->start_pfn = s;
		h->end_pfn = e;
		return;
	}
	if (s < h->start_pfn)
		h->start_pfn = s;
	if (e > h->end_pfn)
		h->end_pfn = e;
}

/**
 * dm_st_init() - take the baseline: no range of the caller is mapped
 * @checks: DM_CHECK_* to run in dm_st_check()
 */
int dm_st_init(struct dm_st *st, unsigned int checks)
{
	struct dm_spans *spans;
	int i, j, rc;

	memset(st, 0, sizeof(*st));
	st->kmsg.fd = -1;
	st->checks = checks;
	st->shrinks = dm_kernel_shrinks_device_span();
	st->exact = dm_mod_available();
	rc = dm_snapshot_take(&st->base);
	if (rc)
		return rc;
	if (st->exact) {
		spans = calloc(1, sizeof(*spans));
		if (!spans)
			return -ENOMEM;
		rc = dm_mod_spans(spans);
		for (i = 0; !rc && i < spans->nr_nodes &&
			    i < DM_MAX_NODES; i++) {
			const struct devmem_test_node *nd = &spans->nodes[i];

			for (j = 0; j < (int)nd->nr_zones; j++) {
				const struct devmem_test_zone *z = &nd->zones[j];
				struct dm_st_hull *h;

				if (strcmp(z->name, "Device"))
					continue;
				h = hull_of(st->base_hull, &st->nr_base,
					    nd->nid, true);
				if (h && z->spanned_pages)
					hull_add(h, z->start_pfn, z->start_pfn +
						 z->spanned_pages);
			}
		}
		free(spans);
		if (rc)
			return rc;
	}
	if (checks & DM_CHECK_KMSG)
		return dm_kmsg_open(&st->kmsg);
	return 0;
}

void dm_st_release(struct dm_st *st)
{
	dm_kmsg_close(&st->kmsg);
}

/*
 * What a namespace's dax or pfn device hands to memremap_pages(): the
 * whole namespace, info block included, less the tail the align does not
 * cover (nd_pfn_init(): end_trunc against max(align, 2 MiB)).
 */
void dm_st_ns_range(struct dm_ns *ns, uint64_t *start, uint64_t *end)
{
	const struct dm_ns_config *cfg = dm_ns_config(ns);
	uint64_t align = cfg->align > DM_ST_SUBSECTION ? cfg->align :
			 DM_ST_SUBSECTION;

	*start = dm_ns_start(ns);
	*end = (*start + dm_ns_size(ns)) / align * align;
}

static int free_slot(struct dm_st *st)
{
	int i;

	for (i = 0; i < DM_ST_MAX; i++)
		if (!st->r[i].used)
			return i;
	return -ENOSPC;
}

static void note_ever(struct dm_st *st, const struct dm_st_range *r)
{
	struct dm_st_hull *h = hull_of(st->ever, &st->nr_ever, r->node, true);

	if (h)
		hull_add(h, r->start / PAGE_4K, r->end / PAGE_4K);
}

int dm_st_add_ns(struct dm_st *st, struct dm_ns *ns)
{
	const struct dm_ns_config *cfg = dm_ns_config(ns);
	int i = free_slot(st);
	struct dm_st_range *r;

	if (i < 0)
		return i;
	r = &st->r[i];
	memset(r, 0, sizeof(*r));
	r->used = r->live = true;
	r->kind = DM_ST_NS;
	r->ns = ns;
	r->mode = cfg->mode;
	r->node = dm_ns_node(ns);
	snprintf(r->name, sizeof(r->name), "%s", dm_ns_name(ns));
	dm_st_ns_range(ns, &r->start, &r->end);
	r->memmap = -1;
	/* an unaligned start (a namespace before it) leaves it open */
	r->memmap_expected = cfg->align && r->start % cfg->align ? -1 :
		dm_expected_memmap_pages(cfg, (r->end - r->start) / PAGE_4K);
	note_ever(st, r);
	return i;
}

int dm_st_add_private(struct dm_st *st, const struct dm_private *p)
{
	int i = free_slot(st);
	struct dm_st_range *r;

	if (i < 0)
		return i;
	r = &st->r[i];
	memset(r, 0, sizeof(*r));
	r->used = r->live = true;
	r->kind = DM_ST_PRIVATE;
	snprintf(r->name, sizeof(r->name), "private");
	r->memmap = -1;
	dm_st_readd_private(st, i, p);
	return i;
}

void dm_st_readd_private(struct dm_st *st, int slot,
			 const struct dm_private *p)
{
	struct dm_st_range *r = &st->r[slot];

	r->node = p->nid;
	r->start = p->start;
	r->end = p->start + p->size;
	r->live = true;
	/* no compound pages, no altmap: 64 struct pages per 4 KiB page */
	r->memmap_expected = (p->size / PAGE_4K + 63) / 64;
	note_ever(st, r);
}

void dm_st_set_live(struct dm_st *st, int slot, bool live)
{
	st->r[slot].live = live;
	if (live)
		note_ever(st, &st->r[slot]);
}

void dm_st_gone(struct dm_st *st, int slot)
{
	st->r[slot].live = false;
	st->r[slot].gone = true;
	st->r[slot].ns = NULL;
}

void dm_st_forget(struct dm_st *st, int slot)
{
	memset(&st->r[slot], 0, sizeof(st->r[slot]));
}

int dm_st_nr_live(const struct dm_st *st)
{
	int i, n = 0;

	for (i = 0; i < DM_ST_MAX; i++)
		n += st->r[i].used && st->r[i].live;
	return n;
}

/* Entries of @res (any depth) overlapping [start, end), ancestors aside. */
static int iomem_inside(const struct dm_iomem_res *res, int n,
			uint64_t start, uint64_t end, const char **first)
{
	int i, count = 0;

	for (i = 0; i < n; i++) {
		if (res[i].end < start || res[i].start >= end)
			continue;
		/* the region, System RAM around it, ... */
		if (res[i].start <= start && res[i].end >= end - 1 &&
		    (res[i].start < start || res[i].end > end - 1 ||
		     !res[i].depth))
			continue;
		if (!count++ && first)
			*first = res[i].name;
	}
	return count;
}

static bool iomem_named(const struct dm_iomem_res *res, int n,
			uint64_t start, uint64_t end, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(res[i].name, name) && res[i].start >= start &&
		    res[i].end <= end - 1)
			return true;
	return false;
}

static void check_device(struct dm_st_range *r,
			 const struct dm_iomem_res *res, int nres, int *n,
			 char *msg, size_t len)
{
	const char *first = NULL;
	char dev[64];

	if (r->kind == DM_ST_PRIVATE) {
		if (r->live && !iomem_named(res, nres, r->start, r->end,
					    PRIVATE_RES))
			st_violation(n, msg, len,
				     "private range %#llx-%#llx missing from /proc/iomem",
				     (unsigned long long)r->start,
				     (unsigned long long)r->end - 1);
		if (!r->live &&
		    iomem_inside(res, nres, r->start, r->end, &first))
			st_violation(n, msg, len,
				     "/proc/iomem still has %s in the removed private range %#llx-%#llx",
				     first, (unsigned long long)r->start,
				     (unsigned long long)r->end - 1);
		return;
	}
	if (r->live) {
		if (!dm_ns_is_enabled(r->ns))
			st_violation(n, msg, len, "%s (%s) is not bound",
				     r->name, dm_ns_personality(r->ns));
		if (dm_ns_devname(r->ns, dev, sizeof(dev)))
			st_violation(n, msg, len, "no dax/pmem device for %s",
				     r->name);
		else if (r->mode == DM_MODE_DEVDAX &&
			 !iomem_named(res, nres, r->start,
				      dm_ns_start(r->ns) + dm_ns_size(r->ns),
				      dev))
			st_violation(n, msg, len,
				     "%s of %s missing from /proc/iomem", dev,
				     r->name);
		if (!iomem_named(res, nres, dm_ns_start(r->ns),
				 dm_ns_start(r->ns) + dm_ns_size(r->ns),
				 r->name))
			st_violation(n, msg, len, "%s missing from /proc/iomem",
				     r->name);
		return;
	}
	if (r->ns && dm_ns_is_enabled(r->ns))
		st_violation(n, msg, len, "%s (%s) is still bound", r->name,
			     dm_ns_personality(r->ns));
	if (r->ns && !dm_ns_devname(r->ns, dev, sizeof(dev)))
		st_violation(n, msg, len, "%s of %s still present", dev,
			     r->name);
	if (iomem_inside(res, nres, r->start, r->end, &first))
		st_violation(n, msg, len,
			     "/proc/iomem still has %s inside %s %#llx-%#llx after its %s",
			     first, r->name, (unsigned long long)r->start,
			     (unsigned long long)r->end - 1,
			     r->gone ? "destroy" : "remove");
}

/*
 * nr_memmap_pages against the baseline plus every live range's share; a
 * range whose share is unknown gets the residue when it is the only one.
 */
static void check_memmap(struct dm_st *st, const struct dm_snapshot *s,
			 int *n, char *msg, size_t len)
{
	long long sum = 0, rise;
	int i, unknown = -1, nr_unknown = 0;

	if (s->nr_memmap_pages < 0)
		return;
	for (i = 0; i < DM_ST_MAX; i++) {
		struct dm_st_range *r = &st->r[i];

		if (!r->used || !r->live)
			continue;
		if (r->memmap < 0) {
			unknown = i;
			nr_unknown++;
			continue;
		}
		sum += r->memmap;
	}
	rise = s->nr_memmap_pages - st->base.nr_memmap_pages;
	if (nr_unknown == 1) {
		struct dm_st_range *r = &st->r[unknown];

		r->memmap = rise - sum;
		if (r->memmap <= 0)
			st_violation(n, msg, len,
				     "nr_memmap_pages: adding %s %#llx-%#llx accounted %lld pages",
				     r->name, (unsigned long long)r->start,
				     (unsigned long long)r->end - 1,
				     r->memmap);
		else if (r->memmap_expected >= 0 &&
			 r->memmap != r->memmap_expected)
			st_violation(n, msg, len,
				     "nr_memmap_pages: adding %s (%llu pages mapped) accounted %lld pages, expected %lld",
				     r->name, (unsigned long long)
				     (r->end - r->start) / PAGE_4K,
				     r->memmap, r->memmap_expected);
		return;
	}
	if (nr_unknown)
		return;		/* added together before being learned */
	if (rise != sum)
		st_violation(n, msg, len,
			     "nr_memmap_pages %lld: %+lld against the baseline, the %d live ranges account %lld",
			     s->nr_memmap_pages, rise, dm_st_nr_live(st), sum);
}

static uint64_t spanned_of(const struct dm_snapshot *s, int node,
			   uint64_t *present)
{
	const struct dm_zone_device *z = dm_snapshot_device_zone(s, node);

	*present = z ? z->present : 0;
	return z ? z->spanned : 0;
}

/* The Device zone of every node a range or the baseline touches. */
static void check_spans(struct dm_st *st, const struct dm_snapshot *s,
			int *n, char *msg, size_t len)
{
	struct dm_st_hull live[DM_MAX_NODES], *h, *b, *e;
	struct dm_spans *spans = NULL;
	int nr_live = 0, i, rc;
	bool stale = false;

	for (i = 0; i < st->nr_base; i++)
		*hull_of(live, &nr_live, st->base_hull[i].node, true) =
			st->base_hull[i];
	for (i = 0; i < st->nr_ever; i++)
		hull_of(live, &nr_live, st->ever[i].node, true);
	for (i = 0; i < DM_ST_MAX; i++) {
		struct dm_st_range *r = &st->r[i];

		if (!r->used || !r->live)
			continue;
		h = hull_of(live, &nr_live, r->node, true);
		if (h)
			hull_add(h, r->start / PAGE_4K, r->end / PAGE_4K);
	}
	if (st->exact) {
		spans = calloc(1, sizeof(*spans));
		rc = spans ? dm_mod_spans(spans) : -ENOMEM;
		if (rc) {
			st_violation(n, msg, len, "devmem_test spans: %s",
				     strerror(-rc));
			free(spans);
			spans = NULL;
		}
	}
	for (i = 0; i < nr_live; i++) {
		struct dm_st_hull want = live[i], ever = live[i];
		const struct devmem_test_zone *z;
		const struct devmem_test_node *nd;
		uint64_t spanned, present, zs, ze;
		int node = live[i].node;

		b = hull_of(st->base_hull, &st->nr_base, node, false);
		e = hull_of(st->ever, &st->nr_ever, node, false);
		if (b)
			hull_add(&ever, b->start_pfn, b->end_pfn);
		if (e)
			hull_add(&ever, e->start_pfn, e->end_pfn);
		if (!st->shrinks) {
			if (ever.start_pfn != want.start_pfn ||
			    ever.end_pfn != want.end_pfn)
				stale = true;
			want = ever;
		}
		spanned = spanned_of(s, node, &present);
		if (present)
			st_violation(n, msg, len,
				     "Device zone of node %d has %llu present pages",
				     node, (unsigned long long)present);
		if (!spans) {
			/* without the module: the page count; the baseline
			 * span's place is unknown, so only when it was empty
			 */
			uint64_t base = spanned_of(&st->base, node, &present);

			if (!base && spanned != want.end_pfn - want.start_pfn)
				st_violation(n, msg, len,
					     "Device zone of node %d spans %llu pages, the %s ranges %llu",
					     node, (unsigned long long)spanned,
					     st->shrinks ? "live" : "added",
					     (unsigned long long)
					     (want.end_pfn - want.start_pfn));
			else if (base && spanned < want.end_pfn - want.start_pfn)
				st_violation(n, msg, len,
					     "Device zone of node %d spans %llu pages, less than the ranges' hull %llu",
					     node, (unsigned long long)spanned,
					     (unsigned long long)
					     (want.end_pfn - want.start_pfn));
			continue;
		}
		nd = dm_spans_node(spans, node);
		z = dm_spans_zone(spans, node, "Device");
		if (!nd || !z) {
			if (want.end_pfn > want.start_pfn)
				st_violation(n, msg, len,
					     "devmem_test: no Device zone on node %d",
					     node);
			continue;
		}
		zs = z->spanned_pages ? z->start_pfn : 0;
		ze = z->spanned_pages ? z->start_pfn + z->spanned_pages : 0;
		if (want.end_pfn == want.start_pfn)
			want.start_pfn = want.end_pfn = 0;
		if (zs != want.start_pfn || ze != want.end_pfn)
			st_violation(n, msg, len,
				     "Device zone of node %d is [%#llx, %#llx), the %s ranges' hull [%#llx, %#llx)",
				     node, (unsigned long long)zs,
				     (unsigned long long)ze,
				     st->shrinks ? "live" : "added",
				     (unsigned long long)want.start_pfn,
				     (unsigned long long)want.end_pfn);
		if (ze > zs && (zs < nd->start_pfn ||
				ze > nd->start_pfn + nd->spanned_pages))
			st_violation(n, msg, len,
				     "Device zone [%#llx, %#llx) lies outside node %d [%#llx, %#llx)",
				     (unsigned long long)zs,
				     (unsigned long long)ze, node,
				     (unsigned long long)nd->start_pfn,
				     (unsigned long long)(nd->start_pfn +
							  nd->spanned_pages));
	}
	free(spans);
	st->stale_span = stale;
	st->stale_checks += stale;
}

/**
 * dm_st_check() - the kernel's bookkeeping against the ranges, exactly
 * @msg: gets the first violation
 *
 * Call it with nothing in flight.  Ranges marked gone are checked once
 * (nothing of theirs left) and then forgotten.  Returns the number of
 * violations or -errno when the state could not be read.
 */
int dm_st_check(struct dm_st *st, char *msg, size_t len)
{
	struct dm_iomem_res *res = NULL;
	struct dm_snapshot s;
	char bad[DM_MSG_LEN];
	int i, n = 0, nres = 0, rc;

	if (msg && len)
		msg[0] = '\0';
	rc = dm_snapshot_take(&s);
	if (rc)
		return rc;
	if (st->checks & DM_CHECK_DEVICE) {
		res = calloc(IOMEM_MAX, sizeof(*res));
		if (!res)
			return -ENOMEM;
		nres = dm_iomem_read(res, IOMEM_MAX);
		if (nres < 0) {
			free(res);
			return nres;
		}
	}
	for (i = 0; i < DM_ST_MAX; i++) {
		struct dm_st_range *r = &st->r[i];

		if (!r->used)
			continue;
		if (res)
			check_device(r, res, nres, &n, msg, len);
	}
	free(res);
	if (st->checks & DM_CHECK_MEMMAP)
		check_memmap(st, &s, &n, msg, len);
	if (st->checks & DM_CHECK_SPAN) {
		check_spans(st, &s, &n, msg, len);
		if (s.mem_total_kb != st->base.mem_total_kb)
			st_violation(&n, msg, len,
				     "MemTotal moved: %lld -> %lld kB",
				     st->base.mem_total_kb, s.mem_total_kb);
	}
	if (st->checks & DM_CHECK_KMSG) {
		rc = dm_kmsg_check(&st->kmsg, bad, sizeof(bad));
		if (rc > 0)
			st_violation(&n, msg, len, "kernel logged: %s", bad);
		else if (rc < 0)
			st_violation(&n, msg, len, "cannot read /dev/kmsg: %s",
				     strerror(-rc));
	}
	for (i = 0; i < DM_ST_MAX; i++)
		if (st->r[i].used && st->r[i].gone)
			dm_st_forget(st, i);
	return n;
}

/* ---- The crew -------------------------------------------------------------- */

struct crew_member {
	struct dm_crew *crew;
	dm_crew_fn fn;
	void *arg;
	uint64_t delay_ns;
	struct dm_crew_result res;
	pthread_t tid;
};

struct dm_crew {
	int n;
	int step;
	bool stop;
	pthread_barrier_t start, end;
	struct crew_member m[];
};

static void wait_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull,
	};

	while (ns && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *crew_thread(void *p)
{
	struct crew_member *m = p;
	struct dm_crew *crew = m->crew;

	for (;;) {
		pthread_barrier_wait(&crew->start);
		if (crew->stop)
			return NULL;
		wait_ns(m->delay_ns);
		m->res.t0 = dm_now_ns();
		m->res.rc = m->fn(m->arg, crew->step);
		m->res.t1 = dm_now_ns();
		pthread_barrier_wait(&crew->end);
	}
}

/**
 * dm_crew_start() - @n threads, each running @fns[i](@args[i], step) once
 * per dm_crew_step()
 */
int dm_crew_start(struct dm_crew **out, int n, const dm_crew_fn *fns,
		  void *const *args)
{
	struct dm_crew *crew;
	int i, rc;

	if (n < 1)
		return -EINVAL;
	crew = calloc(1, sizeof(*crew) + n * sizeof(crew->m[0]));
	if (!crew)
		return -ENOMEM;
	crew->n = n;
	rc = pthread_barrier_init(&crew->start, NULL, n + 1);
	if (rc)
		goto err_free;
	rc = pthread_barrier_init(&crew->end, NULL, n + 1);
	if (rc)
		goto err_start;
	for (i = 0; i < n; i++) {
		crew->m[i].crew = crew;
		crew->m[i].fn = fns[i];
		crew->m[i].arg = args[i];
		rc = pthread_create(&crew->m[i].tid, NULL, crew_thread,
				    &crew->m[i]);
		if (rc)
			goto err_threads;
	}
	*out = crew;
	return 0;

err_threads:
	/* the threads started wait at the start barrier: not reachable
	 * with fewer than n + 1 parties, so cancel them
	 */
	while (i-- > 0) {
		pthread_cancel(crew->m[i].tid);
		pthread_join(crew->m[i].tid, NULL);
	}
	pthread_barrier_destroy(&crew->end);
err_start:
	pthread_barrier_destroy(&crew->start);
err_free:
	free(crew);
	return -rc;
}

int dm_crew_step(struct dm_crew *crew, int step, const uint64_t *delay_ns,
		 struct dm_crew_result *res)
{
	int i;

	crew->step = step;
	for (i = 0; i < crew->n; i++)
		crew->m[i].delay_ns = delay_ns ? delay_ns[i] : 0;
	pthread_barrier_wait(&crew->start);
	pthread_barrier_wait(&crew->end);
	for (i = 0; res && i < crew->n; i++)
		res[i] = crew->m[i].res;
	return 0;
}

void dm_crew_stop(struct dm_crew *crew)
{
	int i;

	if (!crew)
		return;
	crew->stop = true;
	pthread_barrier_wait(&crew->start);
	for (i = 0; i < crew->n; i++)
		pthread_join(crew->m[i].tid, NULL);
	pthread_barrier_destroy(&crew->start);
	pthread_barrier_destroy(&crew->end);
	free(crew);
}

bool dm_crew_overlap(const struct dm_crew_result *a,
		     const struct dm_crew_result *b)
{
	return a->t0 < b->t1 && b->t0 < a->t1;
}

/* ---- Actors ---------------------------------------------------------------- */

int dm_st_actor_op(void *actor, int step)
{
	struct dm_st_actor *a = actor;
	uint64_t t0 = dm_now_ns();
	int rc;

	(void)step;
	a->why[0] = '\0';
	a->was_add = !a->live;
	if (a->ns) {
		rc = a->live ? dm_ns_disable(a->ns, &a->lat) :
			       dm_ns_enable(a->ns, &a->lat);
		if (rc)
			snprintf(a->why, sizeof(a->why), "%s %s: %s%s%s",
				 a->live ? "unbind" : "bind",
				 dm_ns_personality(a->ns), strerror(-rc),
				 dm_ns_why(a->ns)[0] ? ": " : "",
				 dm_ns_why(a->ns));
	} else {
		rc = a->live ? dm_mod_private_remove(a->fd, &a->p) :
			       dm_mod_private_add(a->fd, a->size, a->nid,
						  &a->p);
		a->lat = dm_now_ns() - t0;
		if (rc)
			snprintf(a->why, sizeof(a->why),
				 "DEVICE_PRIVATE %s: %s",
				 a->live ? "remove" : "add", strerror(-rc));
	}
	if (!rc)
		a->live = !a->live;
	return rc;
}

void dm_st_actor_apply(struct dm_st *st, struct dm_st_actor *a)
{
	if (!a->ns && a->live)
		dm_st_readd_private(st, a->slot, &a->p);
	else
		dm_st_set_live(st, a->slot, a->live);
}

/* ---- Sub-section layouts ----------------------------------------------------- */

#define SZ_4K		4096ul
#define SZ_2M		(2ul << 20)
#define MIB		(1ull << 20)

#define DAX(a, m)	{ DM_MODE_DEVDAX, DM_MAP_MEM, a, (m) * MIB }
#define DAXDEV(a, m)	{ DM_MODE_DEVDAX, DM_MAP_DEV, a, (m) * MIB }
#define FS(m)		{ DM_MODE_FSDAX, DM_MAP_MEM, SZ_2M, (m) * MIB }
#define FSDEV(m)	{ DM_MODE_FSDAX, DM_MAP_DEV, SZ_2M, (m) * MIB }

/*
 * What the kernel and libndctl accept (Debian 6.12, measured): a pfn or
 * dax personality needs a namespace of 16 MiB at least (claim.c:
 * "too small to host", -ENXIO; ndctl create-namespace refuses less too);
 * namespaces start 2 MiB aligned (memremap_compat_align()) and are sized
 * in the region's align, 16 MiB by default and 2 MiB once set so; the
 * data starts at the next 2 MiB (or align) boundary past the 8 KiB info
 * block, and past the altmap with map=dev.
 */
const struct dm_sub_layout dm_sub_layouts[] = {
	{ "packed-16M", "8 x 16 MiB (ndctl's sub-section.sh size), one section",
	  0, 8, { DAX(SZ_2M, 16), DAX(SZ_2M, 16), FS(16), DAX(SZ_4K, 16),
		  FSDEV(16), DAX(SZ_2M, 16), DAXDEV(SZ_2M, 16), FS(16) } },
	{ "steps-2M",
	  "7 namespaces of 16-22 MiB in 2 MiB steps (region align 2 MiB), 126 MiB: one section, boundaries off the 16 MiB grid",
	  SZ_2M, 7, { DAX(SZ_2M, 18), FS(16), FSDEV(20), DAX(SZ_4K, 22),
		      DAXDEV(SZ_2M, 16), FS(18), DAX(SZ_2M, 16) } },
	{ "odd-sizes",
	  "8 sizes of 16-50 MiB in 2 MiB steps (region align 2 MiB), 242 MiB: across a section boundary",
	  SZ_2M, 8, { DAX(SZ_2M, 18), FS(34), DAX(SZ_4K, 26), FSDEV(46),
		      DAXDEV(SZ_2M, 22), DAX(SZ_2M, 30), FS(16),
		      FSDEV(50) } },
};
const int dm_sub_nr_layouts = ARRAY_SIZE(dm_sub_layouts);

const char *const dm_sub_orders[4] = {
	"forward", "reverse", "interleaved", "random",
};

const struct dm_sub_layout *dm_sub_layout_find(const char *name)
{
	int i;

	for (i = 0; i < dm_sub_nr_layouts; i++)
		if (!strcmp(dm_sub_layouts[i].name, name))
			return &dm_sub_layouts[i];
	return NULL;
}

unsigned long long dm_sub_layout_size(const struct dm_sub_layout *l)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < l->nr; i++)
		sum += l->ns[i].size;
	return sum;
}

static __attribute__((format(printf, 4, 5)))
void sub_violation(struct dm_sub *s, int c, const char *check,
		   const char *fmt, ...)
{
	char msg[DM_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->violations++;
	s->hooks.violation(s->hooks.arg, c, check, msg);
}

static void sub_sample(struct dm_sub *s, const char *metric, double v)
{
	if (s->hooks.sample)
		s->hooks.sample(s->hooks.arg, metric, v);
}

static int sub_check(struct dm_sub *s, int c, const char *what,
		     const char *name)
{
	char msg[DM_MSG_LEN];
	int n = dm_st_check(&s->st, msg, sizeof(msg));

	s->steps++;
	if (n < 0) {
		sub_violation(s, c, what, "cannot read the kernel's state: %s",
			      strerror(-n));
		return n;
	}
	if (n)
		sub_violation(s, c, what, "%s: %s%s", name, msg,
			      n > 1 ? " (and more)" : "");
	return 0;
}

int dm_sub_init(struct dm_sub *s, struct dm_ctx *ctx,
		const struct dm_sub_layout *lay, const char *tag,
		uint64_t seed, const struct dm_sub_hooks *hooks, char *why,
		size_t len)
{
	unsigned long align;
	int i, rc;

	memset(s, 0, sizeof(*s));
	s->st.kmsg.fd = -1;
	s->ctx = ctx;
	s->lay = lay;
	if (snprintf(s->tag, sizeof(s->tag), "%s", tag) >= (int)sizeof(s->tag)) {
		snprintf(why, len, "tag %s is too long", tag);
		return -EINVAL;
	}
	s->hooks = *hooks;
	s->rng = seed;
	for (i = 0; i < DM_SUB_MAX_NS; i++)
		s->memmap[i] = -1;
	for (i = 0; i < lay->nr; i++)
		if (!dm_region_supports_align(ctx, lay->ns[i].mode,
					      lay->ns[i].align)) {
			snprintf(why, len, "%s does not support align %lu for %s",
				 dm_region_name(ctx), lay->ns[i].align,
				 dm_mode_name(lay->ns[i].mode));
			return -EOPNOTSUPP;
		}
	if (dm_region_available(ctx) < dm_sub_layout_size(lay)) {
		snprintf(why, len, "%s has %llu bytes free, the layout needs %llu",
			 dm_region_name(ctx), dm_region_available(ctx),
			 dm_sub_layout_size(lay));
		return -ENOSPC;
	}
	align = dm_region_align(ctx);
	if (lay->region_align && align != lay->region_align) {
		rc = dm_region_set_align(ctx, lay->region_align);
		if (rc) {
			snprintf(why, len, "setting %s align to %lu: %s",
				 dm_region_name(ctx), lay->region_align,
				 strerror(-rc));
			return rc;
		}
		s->old_align = align;
	}
	rc = dm_st_init(&s->st, DM_CHECK_ALL);
	if (rc) {
		snprintf(why, len, "baseline: %s", strerror(-rc));
		dm_sub_release(s);
		return rc;
	}
	s->st_ok = true;
	return 0;
}

static int sub_create(struct dm_sub *s, int c, int li)
{
	const struct dm_ns_config *cfg = &s->lay->ns[li];
	struct dm_sub_ent *e = &s->e[s->nr];
	uint64_t t0 = dm_now_ns();
	int rc;

	rc = dm_ns_create(s->ctx, cfg, s->tag, &e->ns);
	if (rc) {
		sub_violation(s, c, "create",
			      "creating %s %s %llu MiB (#%d of %s) in %s: %s: %s",
			      dm_mode_name(cfg->mode), dm_map_name(cfg->map),
			      cfg->size / MIB, li, s->lay->name,
			      dm_region_name(s->ctx), strerror(-rc),
			      dm_why(s->ctx));
		return rc;
	}
	sub_sample(s, "create_ns", dm_now_ns() - t0);
	e->li = li;
	e->slot = dm_st_add_ns(&s->st, e->ns);
	if (e->slot < 0) {
		sub_violation(s, c, "create", "tracker full");
		dm_ns_destroy(e->ns);
		return e->slot;
	}
	s->nr++;
	rc = sub_check(s, c, "after_create", dm_ns_name(e->ns));
	if (s->memmap[li] < 0 && s->st.r[e->slot].memmap > 0) {
		s->memmap[li] = s->st.r[e->slot].memmap;
		sub_sample(s, "ns_memmap_pages", s->memmap[li]);
	}
	return rc;
}

static int sub_destroy(struct dm_sub *s, int c, int k)
{
	struct dm_sub_ent *e = &s->e[k];
	uint64_t t0 = dm_now_ns();
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "%s", dm_ns_name(e->ns));
	rc = dm_ns_destroy(e->ns);
	e->ns = NULL;
	if (rc) {
		sub_violation(s, c, "destroy", "destroying %s: %s: %s", name,
			      strerror(-rc), dm_why(s->ctx));
		dm_st_forget(&s->st, e->slot);
	} else {
		sub_sample(s, "destroy_ns", dm_now_ns() - t0);
		dm_st_gone(&s->st, e->slot);
	}
	s->e[k] = s->e[--s->nr];
	if (rc)
		return rc;
	return sub_check(s, c, "after_destroy", name);
}

static int sub_toggle(struct dm_sub *s, int c, int k, bool up)
{
	struct dm_sub_ent *e = &s->e[k];
	uint64_t t;
	int rc;

	rc = up ? dm_ns_enable(e->ns, &t) : dm_ns_disable(e->ns, &t);
	if (rc) {
		sub_violation(s, c, up ? "add" : "remove", "%s %s: %s: %s",
			      up ? "bind" : "unbind",
			      dm_ns_personality(e->ns), strerror(-rc),
			      dm_ns_why(e->ns));
		return rc;
	}
	sub_sample(s, up ? "add_ns" : "remove_ns", t);
	dm_st_set_live(&s->st, e->slot, up);
	return sub_check(s, c, up ? "after_add" : "after_remove",
			 dm_ns_name(e->ns));
}

static int by_start(const void *a, const void *b)
{
	uint64_t x = dm_ns_start(((const struct dm_sub_ent *)a)->ns);
	uint64_t y = dm_ns_start(((const struct dm_sub_ent *)b)->ns);

	return x < y ? -1 : x > y;
}

static void sub_sort(struct dm_sub *s)
{
	qsort(s->e, s->nr, sizeof(s->e[0]), by_start);
}

/* The most namespaces sharing one section. */
static void note_sections(struct dm_sub *s)
{
	int i, j, same;

	for (i = 0; i < s->nr; i++) {
		uint64_t sec = dm_ns_start(s->e[i].ns) / DM_ST_SECTION;

		for (j = 0, same = 0; j < s->nr; j++) {
			uint64_t a = dm_ns_start(s->e[j].ns);
			uint64_t b = a + dm_ns_size(s->e[j].ns) - 1;

			same += a / DM_ST_SECTION <= sec &&
				b / DM_ST_SECTION >= sec;
		}
		if (same > s->max_per_section)
			s->max_per_section = same;
	}
}

/* Destroy everything in the order @kind; s->e is sorted by start. */
static int sub_destroy_all(struct dm_sub *s, int c, int kind)
{
	int perm[DM_SUB_MAX_NS], lis[DM_SUB_MAX_NS], i, nl = 0, rc = 0;

	switch (kind) {
	case 0:		/* forward */
		while (!rc && s->nr) {
			rc = sub_destroy(s, c, 0);
			sub_sort(s);
		}
		return rc;
	case 1:		/* reverse */
		while (!rc && s->nr)
			rc = sub_destroy(s, c, s->nr - 1);
		return rc;
	case 2:		/* every other one, created again, then the rest */
		for (i = s->nr - 1; !rc && i >= 0; i -= 2) {
			lis[nl++] = s->e[i].li;
			rc = sub_destroy(s, c, i);
			sub_sort(s);
		}
		for (i = 0; !rc && i < nl; i++)
			rc = sub_create(s, c, lis[i]);
		if (rc)
			return rc;
		sub_sort(s);
		note_sections(s);
		for (i = 0; !rc && s->nr; i++) {	/* both ends */
			rc = sub_destroy(s, c, i % 2 ? s->nr - 1 : 0);
			sub_sort(s);
		}
		return rc;
	default:	/* random */
		while (!rc && s->nr) {
			dm_st_shuffle(&s->rng, perm, s->nr);
			rc = sub_destroy(s, c, perm[0]);
		}
		return rc;
	}
}

/* Unbind one namespace without telling the tracker: it must notice. */
static int sub_control(struct dm_sub *s, int c)
{
	struct dm_sub_ent *e = &s->e[0];
	char msg[DM_MSG_LEN];
	int n, rc;

	rc = dm_ns_disable(e->ns, NULL);
	if (rc) {
		sub_violation(s, c, "control", "unbind %s: %s",
			      dm_ns_name(e->ns), strerror(-rc));
		return rc;
	}
	n = dm_st_check(&s->st, msg, sizeof(msg));
	if (n > 0)
		sub_violation(s, c, "control",
			      "positive control caught (%d): %s", n, msg);
	else
		sub_violation(s, c, "control_missed",
			      "the checks did not notice %s unbound behind their back",
			      dm_ns_name(e->ns));
	rc = dm_ns_enable(e->ns, NULL);
	if (rc) {
		sub_violation(s, c, "control", "bind %s: %s",
			      dm_ns_name(e->ns), strerror(-rc));
		return rc;
	}
	return sub_check(s, c, "control_restore", dm_ns_name(e->ns));
}

int dm_sub_cycle(struct dm_sub *s, int c, bool control)
{
	int perm[DM_SUB_MAX_NS], i, rc = 0, nl = s->lay->nr;
	int kind = (c < 0 ? -c : c) % 4;

	/* creation order: forward, reversed every other round of 4 */
	for (i = 0; !rc && i < nl; i++)
		rc = sub_create(s, c, ((c < 0 ? -c : c) / 4) % 2 ?
				nl - 1 - i : i);
	if (rc)
		return rc;
	sub_sort(s);
	note_sections(s);
	if (control) {
		rc = sub_control(s, c);
		if (rc)
			return rc;
	}
	dm_st_shuffle(&s->rng, perm, s->nr);
	for (i = 0; !rc && i < s->nr; i++)
		rc = sub_toggle(s, c, perm[i], false);
	dm_st_shuffle(&s->rng, perm, s->nr);
	for (i = 0; !rc && i < s->nr; i++)
		rc = sub_toggle(s, c, perm[i], true);
	if (!rc)
		rc = sub_destroy_all(s, c, kind);
	return rc;
}

void dm_sub_release(struct dm_sub *s)
{
	int rc;

	while (s->nr)
		sub_destroy(s, -1, s->nr - 1);
	if (s->old_align) {
		rc = dm_region_set_align(s->ctx, s->old_align);
		if (rc)
			sub_violation(s, -1, "region_align",
				      "restoring %s align %lu: %s",
				      dm_region_name(s->ctx), s->old_align,
				      strerror(-rc));
		s->old_align = 0;
	}
	if (s->st_ok)
		dm_st_release(&s->st);
	s->st_ok = false;
}

/* ---- A second region -------------------------------------------------------- */

int dm_st_other_region(struct dm_ctx *first, const char *name,
		       unsigned long long need, unsigned int flags,
		       struct dm_ctx **out, char *why, size_t len)
{
	char names[16][32], w[DM_MSG_LEN];
	struct ndctl_region *region;
	struct ndctl_bus *bus;
	struct ndctl_ctx *nd;
	struct dm_ctx *ctx;
	int i, nr = 0, rc;

	*out = NULL;
	if (ndctl_new(&nd)) {
		snprintf(why, len, "libndctl context: out of memory");
		return -ENOMEM;
	}
	ndctl_bus_foreach(nd, bus)
		ndctl_region_foreach(bus, region) {
			const char *dev = ndctl_region_get_devname(region);

			if (nr == 16 ||
			    ndctl_region_get_nstype(region) !=
			    ND_DEVICE_NAMESPACE_PMEM ||
			    !strcmp(dev, dm_region_name(first)) ||
			    (name && strcmp(dev, name)))
				continue;
			snprintf(names[nr++], sizeof(names[0]), "%s", dev);
		}
	ndctl_unref(nd);
	if (!nr) {
		if (name)
			snprintf(why, len, "region %s not found (or it is the first region, %s)",
				 name, dm_region_name(first));
		else
			snprintf(why, len, "only one labelled pmem region (%s): two are needed",
				 dm_region_name(first));
		return -ENODEV;
	}
	rc = -ENODEV;
	for (i = 0; i < nr; i++) {
		rc = dm_new(&ctx);
		if (rc) {
			snprintf(why, len, "libndctl context: %s",
				 strerror(-rc));
			return rc;
		}
		rc = dm_select_region(ctx, names[i], need,
				      flags | DM_SEL_NO_WAIT, w, sizeof(w));
		if (!rc) {
			*out = ctx;
			return 0;
		}
		dm_unref(ctx);
		snprintf(why, len, "second region: %s", w);
	}
	return rc;
}

/* ---- Randomness -------------------------------------------------------------- */

uint64_t dm_st_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void dm_st_shuffle(uint64_t *state, int *v, int n)
{
	int i, j, t;

	for (i = 0; i < n; i++)
		v[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = dm_st_rand(state) % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}
