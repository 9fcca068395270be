/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small C API over the devmem_test module (kernel/module/devmem_test.c,
 * interface in devmem_test_uapi.h): node and zone spans, ZONE_DEVICE
 * included, timed DEVICE_PRIVATE add/remove, and a controlled leak (the
 * positive control of the soak's leak detector).
 *
 * Actions return 0 or -errno; predicates return bool.
 */
#ifndef DEVMEM_MODULE_H
#define DEVMEM_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "devmem_test_uapi.h"

#define DM_MAX_NODES	64
#define DM_NID_ANY	(-1)

/* Every online node, as the module read it in one go. */
struct dm_spans {
	int nr_nodes;
	struct devmem_test_node nodes[DM_MAX_NODES];
};

/* A DEVICE_PRIVATE range mapped by dm_mod_private_add(). */
struct dm_private {
	uint64_t id;
	uint64_t start;		/* physical address */
	uint64_t size;		/* bytes */
	int nid;
	uint64_t add_ns;	/* memremap_pages() */
	uint64_t remove_ns;	/* memunmap_pages(), set by the remove */
};

bool dm_mod_available(void);
int dm_mod_open(void);
int dm_mod_info(struct devmem_test_info *info);
bool dm_mod_has_private(void);

int dm_mod_spans(struct dm_spans *spans);
int dm_mod_spans_text(struct dm_spans *spans);
const struct devmem_test_node *dm_spans_node(const struct dm_spans *spans,
					     int nid);
const struct devmem_test_zone *dm_spans_zone(const struct dm_spans *spans,
					     int nid, const char *name);

int dm_mod_private_add(int fd, uint64_t size, int nid, struct dm_private *p);
int dm_mod_private_remove(int fd, struct dm_private *p);
int dm_mod_private_cycle(uint64_t size, int nid, unsigned int cycles,
			 struct devmem_test_sample *results);

bool dm_mod_has_feature(uint64_t feature);
bool dm_mod_has_leak(void);
int dm_mod_leak(uint64_t bytes);
int dm_mod_leak_kind(uint64_t bytes, unsigned int kind,
		     struct devmem_test_leak *state);
int dm_mod_leak_held(struct devmem_test_leak *state);
int dm_mod_leak_free(uint64_t *freed);

#endif /* DEVMEM_MODULE_H */
