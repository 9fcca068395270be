// SPDX-License-Identifier: GPL-2.0
/* The workload registry, from workloads.def (see bench/lib/workload.h). */
#include "workload.h"

#define DM_WORKLOAD(x) extern const struct dm_workload dm_wl_##x;
#include "workloads.def"
#undef DM_WORKLOAD

const struct dm_workload *const dm_workloads[] = {
#define DM_WORKLOAD(x) &dm_wl_##x,
#include "workloads.def"
#undef DM_WORKLOAD
};

const size_t dm_nr_workloads = ARRAY_SIZE(dm_workloads);
