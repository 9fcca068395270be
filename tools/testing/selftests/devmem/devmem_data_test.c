// SPDX-License-Identifier: GPL-2.0
/*
 * Data on device memory across hotplug, and fio load beside it.
 *
 * persist: a devdax namespace (fio's mmap engine on /dev/daxX.Y) or an
 * fsdax one (a file on ext4 mounted with -o dax) gets a crc32c pattern
 * from fio (verify_state_save, do_verify=0); the namespace is hot-removed
 * and hot-added DEVMEM_CYCLES times (fsdax: unmount, disable, enable,
 * mount) with the ns-cycle invariants after each step; fio then reads
 * every block back (verify_only, verify_state_load): no block may be
 * lost or changed.  The positive control flips bytes of one block before
 * the cycle and must see exactly that block fail.
 *
 * load: namespaces A and B in one region, C in another pmem region when
 * there is one, all devdax with the memmap in RAM; fio writes and
 * verifies random blocks of A all along while B and C are hot-removed
 * and hot-added DEVMEM_CYCLES times with the stress tracker's exact
 * checks (nr_memmap_pages, spans, iomem, kernel log) after every step;
 * fio must report 0 verify errors.  The "hog" variant holds MemAvailable
 * minus DEVMEM_DATA_HOG_MARGIN bytes (default 256M) in a child that
 * touched every page, so that each hot-add's memmap comes from a tight
 * system.
 *
 * Environment: DEVMEM_CYCLES (default 3), DEVMEM_DATA_SIZE (namespace
 * size, default 64M), DEVMEM_DATA_HOG_MARGIN, DEVMEM_DATA_FIO_RAMP
 * (seconds fio runs past its first block before the cycles, default
 * 1), DEVMEM_REGION,
 * DEVMEM_REGION_B, DEVMEM_ALLOW_FOREIGN=1, DEVMEM_NO_WAIT=1 (see
 * devmem_cycle_test.c).  Mounts live in a private mount namespace and fio
 * dies with the test, so an interrupted run leaves neither behind.
 *
 * SKIPs with the reason without root, libndctl, json-c, fio, mkfs.ext4,
 * ext4 with DAX, or a pmem region with room.
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
#include "devmem_data.h"
#include "devmem_stress.h"

#define SZ_2M	(2ul << 20)

static unsigned long long env_size(const char *name, unsigned long long def)
{
	const char *s = getenv(name);
	unsigned long long v;

	if (!s || !*s)
		return def;
	if (dm_parse_size(s, &v) || !v) {
		fprintf(stderr, "# %s=%s is not a size; using %llu\n", name, s,
			def);
		return def;
	}
	return v;
}

static unsigned int sel_flags(void)
{
	return (dm_env_int("DEVMEM_ALLOW_FOREIGN", 0, 0, 1) ?
		DM_SEL_ALLOW_FOREIGN : 0) |
	       (dm_env_int("DEVMEM_NO_WAIT", 0, 0, 1) ? DM_SEL_NO_WAIT : 0);
}

/* ---- persist ------------------------------------------------------------ */

FIXTURE(persist) {
	struct dm_ctx *ctx;
	struct dm_ns *ns;
	struct dm_inv inv;
	struct dm_data d;
	bool d_ok;
	int cycles;
};

FIXTURE_VARIANT(persist) {
	enum dm_mode mode;
};

FIXTURE_VARIANT_ADD(persist, devdax) {
	.mode = DM_MODE_DEVDAX,
};

FIXTURE_VARIANT_ADD(persist, fsdax) {
	.mode = DM_MODE_FSDAX,
};

static void persist_clean(FIXTURE_DATA(persist) *self)
{
	if (self->d_ok)
		dm_data_release(&self->d);
	self->d_ok = false;
	if (self->ns)
		dm_ns_destroy(self->ns);
	self->ns = NULL;
	dm_inv_release(&self->inv);
	dm_unref(self->ctx);
	self->ctx = NULL;
}

FIXTURE_SETUP(persist)
{
	struct dm_ns_config cfg = {
		.mode = variant->mode, .map = DM_MAP_MEM, .align = SZ_2M,
		.size = env_size("DEVMEM_DATA_SIZE", 64ull << 20),
	};
	char why[DM_MSG_LEN], tag[64];
	int rc;

	self->inv.kmsg.fd = -1;
	self->cycles = dm_env_int("DEVMEM_CYCLES", 3, 1, 100000);
	if (geteuid())
		SKIP(return, "must be run as root");
	dm_catch_signals();
	if (dm_fio_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (variant->mode == DM_MODE_FSDAX &&
	    (dm_data_fsdax_available(why, sizeof(why)) ||
	     dm_data_private_mounts(why, sizeof(why))))
		SKIP(return, "%s", why);
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"), cfg.size,
			      sel_flags(), why, sizeof(why));
	if (rc) {
		persist_clean(self);
		SKIP(return, "%s", why);
	}
	ASSERT_EQ(0, dm_inv_init(&self->inv, self->ctx, DM_CHECK_ALL));
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "data-%d", getpid());
	rc = dm_ns_create(self->ctx, &cfg, tag, &self->ns);
	ASSERT_EQ(0, rc) TH_LOG("create in %s: %s %s",
				dm_region_name(self->ctx), strerror(-rc),
				dm_why(self->ctx));
	rc = dm_inv_check_added(&self->inv, self->ns, why, sizeof(why));
	EXPECT_EQ(0, rc) TH_LOG("after create: %s", why);
	rc = dm_data_init(&self->d, self->ns, 0, SZ_2M);
	self->d_ok = true;
	if (rc == -EOPNOTSUPP || (rc && variant->mode == DM_MODE_FSDAX &&
				  !strncmp(self->d.why, "mount", 5))) {
		snprintf(why, sizeof(why), "%s", self->d.why);
		persist_clean(self);
		SKIP(return, "%s", why);
	}
	ASSERT_EQ(0, rc) TH_LOG("%s", self->d.why);
	TH_LOG("%s on %s (%s): %llu bytes of pattern in 2 MiB blocks",
	       self->d.target, dm_ns_name(self->ns), self->d.dev,
	       self->d.size);
}

FIXTURE_TEARDOWN(persist)
{
	if (self->d_ok)
		dm_data_release(&self->d);
	self->d_ok = false;
	if (self->ns)
		EXPECT_EQ(0, dm_ns_destroy(self->ns))
			TH_LOG("destroy: %s", dm_why(self->ctx));
	self->ns = NULL;
	dm_inv_release(&self->inv);
	dm_unref(self->ctx);
}

/* Remove and add @cycles times with the invariants after each step. */
static void cycle_data(struct __test_metadata *_metadata,
		       FIXTURE_DATA(persist) *self, int cycles)
{
	char msg[DM_MSG_LEN];
	int i;

	for (i = 0; i < cycles && !dm_interrupted(); i++) {
		ASSERT_EQ(0, dm_data_remove(&self->d, NULL))
			TH_LOG("cycle %d: %s", i, self->d.why);
		EXPECT_EQ(0, dm_inv_check_removed(&self->inv, self->ns, msg,
						  sizeof(msg)))
			TH_LOG("cycle %d remove: %s", i, msg);
		ASSERT_EQ(0, dm_data_add(&self->d, NULL))
			TH_LOG("cycle %d: %s", i, self->d.why);
		EXPECT_EQ(0, dm_inv_check_added(&self->inv, self->ns, msg,
						sizeof(msg)))
			TH_LOG("cycle %d add: %s", i, msg);
	}
}

TEST_F_TIMEOUT(persist, pattern_survives_cycles, 1800)
{
	struct dm_fio_out out;

	ASSERT_EQ(0, dm_data_write(&self->d, &out)) TH_LOG("%s", out.msg);
	cycle_data(_metadata, self, self->cycles);
	ASSERT_EQ(0, dm_data_verify(&self->d, &out)) TH_LOG("%s", out.msg);
	EXPECT_EQ(0, out.verify_errors)
		TH_LOG("%lld blocks changed after %d cycles: %s",
		       out.verify_errors, self->cycles, out.msg);
	EXPECT_EQ(0, out.error) TH_LOG("%s", out.msg);
	EXPECT_EQ(self->d.written, out.read_bytes);
	TH_LOG("%llu bytes written, %d cycles, %llu bytes read back, %lld bad blocks",
	       self->d.written, self->cycles, out.read_bytes,
	       out.verify_errors);
}

/* Positive control: one flipped block must be the one bad block found. */
TEST_F_TIMEOUT(persist, detects_a_changed_block, 1800)
{
	struct dm_fio_out out;

	ASSERT_EQ(0, dm_data_write(&self->d, &out)) TH_LOG("%s", out.msg);
	ASSERT_EQ(0, dm_data_corrupt(&self->d, self->d.size / SZ_2M / 2));
	cycle_data(_metadata, self, 1);
	ASSERT_EQ(0, dm_data_verify(&self->d, &out)) TH_LOG("%s", out.msg);
	EXPECT_EQ(1, out.verify_errors) TH_LOG("%s", out.msg);
	EXPECT_EQ(EILSEQ, out.error);
}

/* ---- load --------------------------------------------------------------- */

FIXTURE(load) {
	struct dm_ctx *ctx, *ctx_c;
	struct dm_ns *ns[3];
	int slot[3];
	struct dm_st st;
	bool st_ok;
	struct dm_data a;
	bool a_ok;
	struct dm_fio fio;
	struct dm_hog hog;
	int cycles;
};

FIXTURE_VARIANT(load) {
	bool hog;
};

FIXTURE_VARIANT_ADD(load, fio) {
	.hog = false,
};

FIXTURE_VARIANT_ADD(load, fio_hog) {
	.hog = true,
};

static void load_clean(FIXTURE_DATA(load) *self)
{
	int i;

	dm_fio_kill(&self->fio);
	dm_hog_stop(&self->hog);
	if (self->a_ok)
		dm_data_release(&self->a);
	self->a_ok = false;
	for (i = 2; i >= 0; i--) {
		if (self->ns[i])
			dm_ns_destroy(self->ns[i]);
		self->ns[i] = NULL;
	}
	if (self->st_ok)
		dm_st_release(&self->st);
	self->st_ok = false;
	dm_unref(self->ctx_c);
	dm_unref(self->ctx);
	self->ctx = self->ctx_c = NULL;
}

FIXTURE_SETUP(load)
{
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM, .align = SZ_2M,
		.size = env_size("DEVMEM_DATA_SIZE", 64ull << 20),
	};
	struct dm_fio_job job = { 0 };
	char why[DM_MSG_LEN], tag[64];
	int rc, i;

	self->fio.pid = -1;
	self->hog.pid = -1;
	self->cycles = dm_env_int("DEVMEM_CYCLES", 3, 1, 100000);
	if (geteuid())
		SKIP(return, "must be run as root");
	dm_catch_signals();
	if (dm_fio_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"),
			      2 * cfg.size, sel_flags(), why, sizeof(why));
	if (rc) {
		load_clean(self);
		SKIP(return, "%s", why);
	}
	if (dm_st_other_region(self->ctx, getenv("DEVMEM_REGION_B"),
			       cfg.size, sel_flags(), &self->ctx_c, why,
			       sizeof(why)))
		TH_LOG("no namespace C: %s", why);
	ASSERT_EQ(0, dm_st_init(&self->st, DM_CHECK_ALL));
	self->st_ok = true;
	snprintf(tag, sizeof(tag), DM_TAG_PREFIX "data-%d", getpid());
	for (i = 0; i < 3; i++) {
		struct dm_ctx *ctx = i < 2 ? self->ctx : self->ctx_c;
		char msg[DM_MSG_LEN];

		self->slot[i] = -1;
		if (!ctx)
			continue;
		rc = dm_ns_create(ctx, &cfg, tag, &self->ns[i]);
		ASSERT_EQ(0, rc) TH_LOG("create %c in %s: %s %s", 'A' + i,
					dm_region_name(ctx), strerror(-rc),
					dm_why(ctx));
		self->slot[i] = dm_st_add_ns(&self->st, self->ns[i]);
		ASSERT_LE(0, self->slot[i]);
		ASSERT_EQ(0, dm_st_check(&self->st, msg, sizeof(msg)))
			TH_LOG("after creating %c: %s", 'A' + i, msg);
	}
	rc = dm_data_init(&self->a, self->ns[0], 0, SZ_2M);
	self->a_ok = true;
	ASSERT_EQ(0, rc) TH_LOG("%s", self->a.why);
	if (variant->hog) {
		rc = dm_hog_start(&self->hog,
				  env_size("DEVMEM_DATA_HOG_MARGIN",
					   256ull << 20), why, sizeof(why));
		ASSERT_EQ(0, rc) TH_LOG("%s", why);
		TH_LOG("hog: %llu MiB held", self->hog.bytes >> 20);
	}
	job.kind = DM_FIO_LOAD;
	job.name = "load";
	job.filename = self->a.target;
	job.dir = self->a.dir;
	job.size = self->a.size;
	job.bs = SZ_2M;
	ASSERT_EQ(0, dm_data_clear_headers(&self->a));
	ASSERT_EQ(0, dm_fio_start(&job, &self->fio));
	ASSERT_EQ(0, dm_fio_ready(&self->fio, 600000));
	/* the cycles start once fio has written a block */
	rc = dm_data_wait_io(&self->a, &self->fio, 600000);
	ASSERT_EQ(0, rc) TH_LOG("fio on A never wrote: %s", strerror(-rc));
	sleep(dm_env_int("DEVMEM_DATA_FIO_RAMP", 1, 0, 600));
}

FIXTURE_TEARDOWN(load)
{
	char msg[DM_MSG_LEN];
	int i;

	dm_fio_kill(&self->fio);
	dm_hog_stop(&self->hog);
	if (self->a_ok)
		dm_data_release(&self->a);
	self->a_ok = false;
	for (i = 2; i >= 0; i--) {
		if (!self->ns[i])
			continue;
		EXPECT_EQ(0, dm_ns_destroy(self->ns[i]))
			TH_LOG("destroy %c: %s", 'A' + i, dm_why(self->ctx));
		dm_st_gone(&self->st, self->slot[i]);
		self->ns[i] = NULL;
	}
	if (self->st_ok) {
		EXPECT_EQ(0, dm_st_check(&self->st, msg, sizeof(msg)))
			TH_LOG("after destroy: %s", msg);
		dm_st_release(&self->st);
	}
	dm_unref(self->ctx_c);
	dm_unref(self->ctx);
}

TEST_F_TIMEOUT(load, verified_io_beside_hotplug, 1800)
{
	struct dm_fio_out out;
	char msg[DM_MSG_LEN];
	int c, i, rc;

	for (c = 0; c < self->cycles && !dm_interrupted(); c++) {
		for (i = 1; i < 3; i++) {
			if (!self->ns[i])
				continue;
			rc = dm_ns_disable(self->ns[i], NULL);
			ASSERT_EQ(0, rc) TH_LOG("cycle %d remove %c: %s", c,
						'A' + i, strerror(-rc));
			dm_st_set_live(&self->st, self->slot[i], false);
			EXPECT_EQ(0, dm_st_check(&self->st, msg, sizeof(msg)))
				TH_LOG("cycle %d remove %c: %s", c, 'A' + i,
				       msg);
			rc = dm_ns_enable(self->ns[i], NULL);
			ASSERT_EQ(0, rc) TH_LOG("cycle %d add %c%s: %s", c,
						'A' + i, variant->hog ?
						" under the hog" : "",
						strerror(-rc));
			dm_st_set_live(&self->st, self->slot[i], true);
			EXPECT_EQ(0, dm_st_check(&self->st, msg, sizeof(msg)))
				TH_LOG("cycle %d add %c: %s", c, 'A' + i, msg);
		}
		ASSERT_TRUE(dm_fio_running(&self->fio))
			TH_LOG("fio on A exited during cycle %d", c);
	}
	dm_fio_stop(&self->fio);
	ASSERT_EQ(0, dm_fio_wait(&self->fio, &out)) TH_LOG("%s", out.msg);
	EXPECT_EQ(0, out.verify_errors) TH_LOG("%s", out.msg);
	EXPECT_NE(0, out.write_bytes) TH_LOG("fio wrote nothing");
	TH_LOG("fio on A: %llu bytes written, %llu verified, %lld errors, write p99 %.0f us, %d cycles of B%s",
	       out.write_bytes, out.read_bytes, out.verify_errors,
	       out.write_p99 / 1e3, self->cycles, self->ns[2] ? " and C" : "");
	if (variant->hog)
		EXPECT_TRUE(dm_hog_alive(&self->hog))
			TH_LOG("the hog was killed: the system was not tight");
}

TEST_HARNESS_MAIN
#endif
