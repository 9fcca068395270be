// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection during hot-add: every failed bind unwinds.
 *
 * With failslab or fail_page_alloc confined to memremap_pages() (the
 * stacktrace filter) and the calling thread's fail-nth, fail the N-th
 * allocation of one bind of a namespace of ours, for N = 1 ..
 * DEVMEM_FAULT_POINTS (default 20; the sweep ends earlier when a bind
 * makes fewer than N allocations).  After every injected failure:
 *   - the bind returned an error (or, where the kernel falls back, the
 *     device works; for devdax, where the dax bus drops the probe's error,
 *     the dax device has no driver and no memmap, and the namespace is
 *     disabled), and nothing is left: no device, no /proc/iomem
 *     entry in the range, the Device zone span as before, nr_memmap_pages
 *     at its baseline, Slab and free memory within DEVMEM_FAULT_TOL_KB
 *     (default 4096) of the start;
 *   - the kernel logged nothing but the injection's own report;
 *   - the next bind, without injection, succeeds with every invariant.
 * The fault-injection knobs are restored in the teardown (and at exit).
 * kmsg_classifier checks on recorded kernel messages that the log check
 * tells an injection's report from a WARNING or a stray stack.
 *
 * The namespaces are 128 MiB, one memory section: a failure in the second
 * section of a larger one hits x86 __add_pages() not taking back the
 * first, which the fault workload of devmem-bench reports.
 *
 * Environment: DEVMEM_FAULT_POINTS, DEVMEM_FAULT_TOL_KB,
 * DEVMEM_FAULT_REJECT (a function whose allocations are never failed;
 * "none": none, not even the fail_page_alloc variant's default),
 * and those of
 * devmem_cycle_test (DEVMEM_REGION, DEVMEM_ALLOW_FOREIGN, DEVMEM_NO_WAIT,
 * DEVMEM_STATE_DIR).  SKIPs with the reason on kernels without fault
 * injection (Debian's) and without a pmem region.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef DEVMEM_NO_LIBNDCTL
#include "../kselftest.h"

int main(void)
{
	ksft_print_header();
	ksft_exit_skip("built without libndctl: install libndctl-dev and rebuild\n");
}
#else
#include "../kselftest_harness.h"

#include "devmem.h"
#include "devmem_fault.h"

#define SZ_2M	(2ul << 20)
#define SZ_128M	(128ul << 20)

/* Recorded from a 6.12 guest: one failslab injection under verbose 2. */
static const char *const injection[] = {
	"FAULT_INJECTION: forcing a failure.\\x0aname failslab, interval 1, probability 0, space 0, times 1",
	"CPU: 0 UID: 0 PID: 97 Comm: devmem-bench Not tainted 6.12.117-devmem #1",
	"Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)",
	"Call Trace:",
	" <TASK>",
	" dump_stack_lvl+0x5d/0x80",
	" should_fail_ex+0x1a2/0x1d0",
	" should_failslab+0x4b/0x70",
	" ? sparse_index_alloc+0x2a/0x50",
	" __kmalloc_node_noprof+0x8c/0x3e0",
	" sparse_index_alloc+0x2a/0x50",
	" sparse_add_section+0x5e/0x360",
	" __add_pages+0x7d/0x120",
	" add_pages+0x1d/0x70",
	" memremap_pages+0x3c4/0x830",
	" devm_memremap_pages+0x23/0x70",
	" dev_dax_probe+0x10b/0x360",
	" </TASK>",
	NULL,
};

static const char *const page_failure[] = {
	"devmem-bench: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null)",
	"CPU: 1 UID: 0 PID: 97 Comm: devmem-bench Not tainted 6.12.117-devmem #1",
	"Call Trace:",
	" <TASK>",
	" dump_stack_lvl+0x5d/0x80",
	" warn_alloc+0x164/0x190",
	" </TASK>",
	"Mem-Info:",
	"active_anon:0 inactive_anon:2086 isolated_anon:0",
	NULL,
};

static void feed(struct dm_fault_log *log, const char *const *lines)
{
	for (; *lines; lines++)
		dm_fault_log_line(log, *lines);
}

/*
 * The log check: an injection's report and a failed allocation's warning
 * are expected (and name the call site), a WARNING or a stack of its own
 * is not.  Needs no kernel support: runs everywhere.
 */
TEST(kmsg_classifier)
{
	struct dm_fault_log log;

	dm_fault_log_init(&log, NULL);
	feed(&log, injection);
	feed(&log, page_failure);
	EXPECT_EQ(0, log.bad) TH_LOG("flagged: %s", log.first_bad);
	EXPECT_EQ(1, log.injections);
	EXPECT_EQ(1, log.alloc_failures);
	EXPECT_STREQ("sparse_index_alloc+0x2a<sparse_add_section+0x5e<__add_pages+0x7d<add_pages+0x1d<memremap_pages+0x3c4",
		     log.site);

	/* positive controls: each must be flagged */
	dm_fault_log_init(&log, NULL);
	dm_fault_log_line(&log, "WARNING: CPU: 0 PID: 97 at mm/memremap.c:160 pageunmap_range+0x40/0x1d0");
	EXPECT_EQ(1, log.bad);
	dm_fault_log_init(&log, NULL);
	feed(&log, injection);
	dm_fault_log_line(&log, "Call Trace:");
	EXPECT_EQ(1, log.bad) TH_LOG("a stack after the report's end");
	dm_fault_log_init(&log, NULL);
	dm_fault_log_line(&log, "BUG: unable to handle page fault for address: ffffea0004000000");
	EXPECT_EQ(1, log.bad);
}

FIXTURE(fault) {
	struct dm_ctx *ctx;
	struct dm_ns *ns;
	struct dm_inv inv;
	struct dm_fault fault;
	unsigned long long region_avail;
	int points;
};

FIXTURE_VARIANT(fault) {
	enum dm_fault_mode mode;
	enum dm_mode ns_mode;
	enum dm_map map;
	const char *reject;	/* never failed under it */
};

/* fsdax: nd_pmem's probe maps the memory, so the bind returns its error */
FIXTURE_VARIANT_ADD(fault, failslab_fsdax) {
	.mode = DM_FAULT_FAILSLAB, .ns_mode = DM_MODE_FSDAX, .map = DM_MAP_MEM,
};

/*
 * x86 alloc_low_page() returns NULL after boot when its GFP_ATOMIC
 * allocation fails and phys_pud_init()/phys_pmd_init() write through it:
 * the direct map's page tables are stepped over (DEVMEM_FAULT_REJECT=none
 * does not), see bench/workloads/fault.c.
 */
/*
 * devdax: the device_dax probe runs inside dax_pmem's device_add(), which
 * does not return its error: the bind succeeds with the dax device left
 * without a driver ("swallowed"), which must have no memmap either.
 */
FIXTURE_VARIANT_ADD(fault, fail_page_alloc_devdax) {
	.mode = DM_FAULT_PAGE_ALLOC, .ns_mode = DM_MODE_DEVDAX,
	.map = DM_MAP_MEM, .reject = "init_memory_mapping",
};

FIXTURE_SETUP(fault)
{
	const struct dm_ns_config cfg = {
		.mode = variant->ns_mode, .map = variant->map, .align = SZ_2M,
		.size = SZ_128M,
	};
	char why[DM_MSG_LEN], tag[64], id[40];
	const char *reject;
	int rc;

	self->inv.kmsg.fd = -1;
	self->points = dm_env_int("DEVMEM_FAULT_POINTS", 20, 1, 1000000);
	if (geteuid())
		SKIP(return, "must be run as root");
	rc = dm_fault_supported(variant->mode, why, sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	dm_catch_signals();
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"), cfg.size,
			      (dm_env_int("DEVMEM_ALLOW_FOREIGN", 0, 0, 1) ?
			       DM_SEL_ALLOW_FOREIGN : 0) |
			      (dm_env_int("DEVMEM_NO_WAIT", 0, 0, 1) ?
			       DM_SEL_NO_WAIT : 0), why, sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	self->region_avail = dm_region_available(self->ctx);
	/* the sweep reads kmsg itself: injections log stacks on purpose */
	ASSERT_EQ(0, dm_inv_init(&self->inv, self->ctx,
				 DM_CHECK_ALL & ~DM_CHECK_KMSG));
	ASSERT_EQ(0, dm_config_id(&cfg, id, sizeof(id)));
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "fault-%s-%d", id, getpid());
	rc = dm_ns_create(self->ctx, &cfg, tag, &self->ns);
	ASSERT_EQ(0, rc) TH_LOG("create %s in %s: %s %s", id,
				dm_region_name(self->ctx), strerror(-rc),
				dm_why(self->ctx));
	reject = getenv("DEVMEM_FAULT_REJECT");
	if (!reject)
		reject = variant->reject;
	else if (!strcmp(reject, "none"))
		reject = NULL;
	rc = dm_fault_arm(&self->fault, variant->mode, NULL, reject, why,
			  sizeof(why));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", dm_fault_mode_name(variant->mode),
				why);
	TH_LOG("%s on %s (%s): %s confined to %s [%#llx, %#llx)", id,
	       dm_ns_name(self->ns), dm_ns_personality(self->ns),
	       dm_fault_mode_name(variant->mode), self->fault.func,
	       (unsigned long long)self->fault.start,
	       (unsigned long long)self->fault.end);
}

FIXTURE_TEARDOWN(fault)
{
	int rc;

	EXPECT_EQ(0, dm_fault_restore(&self->fault));
	if (self->ns) {
		rc = dm_ns_destroy(self->ns);
		EXPECT_EQ(0, rc) TH_LOG("destroy: %s", dm_why(self->ctx));
		self->ns = NULL;
		EXPECT_EQ(self->region_avail, dm_region_available(self->ctx));
	}
	dm_inv_release(&self->inv);
	dm_unref(self->ctx);
}

static void log_violation(void *arg, unsigned int nth, const char *check,
			  const char *msg)
{
	fprintf(stderr, "# %s N=%u %s: %s\n", (const char *)arg, nth, check,
		msg);
}

/*
 * N = 1 .. DEVMEM_FAULT_POINTS: each injected failure unwinds completely
 * and the next bind succeeds.
 */
TEST_F_TIMEOUT(fault, failed_bind_unwinds, 3600)
{
	struct dm_fault_sweep sw = {
		.f = &self->fault, .ns = self->ns, .inv = &self->inv,
		.leak_tol_kb = dm_env_int("DEVMEM_FAULT_TOL_KB", 4096, 0,
				       1 << 30),
		.violation = log_violation,
		.arg = (void *)dm_fault_mode_name(variant->mode),
	};
	struct dm_fault_point p;
	bool complete = false;
	int n, rc, survived = 0;

	rc = dm_fault_sweep_begin(&sw);
	ASSERT_EQ(0, rc) TH_LOG("sweep begin: %s", strerror(-rc));
	TH_LOG("%u allocations under %s in one bind", sw.census,
	       self->fault.func);
	EXPECT_LT(0, (int)sw.census) TH_LOG("the stacktrace filter counts nothing");
	for (n = 1; n <= self->points && !dm_interrupted(); n++) {
		rc = dm_fault_sweep_point(&sw, n, &p);
		ASSERT_EQ(0, rc) TH_LOG("N=%d: %s", n, strerror(-rc));
		if (p.outcome == DM_FAULT_NOT_REACHED) {
			complete = true;
			break;
		}
		survived += !p.violations;
		TH_LOG("N=%d: %s (bind %s)%s%s", n,
		       dm_fault_outcome_name(p.outcome),
		       p.bind_rc ? strerror(-p.bind_rc) : "ok",
		       p.site[0] ? " at " : "", p.site);
	}
	EXPECT_EQ(0, dm_fault_sweep_end(&sw));
	TH_LOG("%d points injected (%d failed, %d absorbed, %d swallowed), %d survived, %d distinct sites; sweep %s",
	       sw.points, sw.failed, sw.absorbed, sw.swallowed, survived,
	       sw.nr_sites, complete ? "complete" : "cut at DEVMEM_FAULT_POINTS");
	EXPECT_LT(0, sw.points);
	EXPECT_EQ(0, sw.violations);
	if (sw.known && !sw.violations && !_metadata->exit_code)
		DM_XFAIL(, "%d report(s) of a %s", sw.known,
			 sw.known_reason);
	dm_fault_sweep_release(&sw);
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
