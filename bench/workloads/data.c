// SPDX-License-Identifier: GPL-2.0
/*
 * data: data on device memory while namespaces come and go.
 *
 * Persistence (variants "devdax" and "fsdax"): one namespace, memmap in
 * RAM, gets a fio pattern (verify=crc32c, verify_state_save, do_verify=0;
 * devdax: the mmap engine on /dev/daxX.Y; fsdax: a file on ext4 mounted
 * with -o dax, in a private mount namespace).  Each cycle hot-removes and
 * hot-adds it (fsdax: unmount, disable, enable, mount) with the
 * ns-cycle invariants after each step; after the last cycle (and every
 * -O verify-every cycles) fio reads every block back (verify_only,
 * verify_state_load): bytes verified, bytes lost, blocks changed.  Any
 * block lost or changed is a violation.
 *
 * Load beside hotplug (variants "idle", "fio", "fio-hog"): namespace A
 * and B in the run's region, C in another pmem region (left out when
 * there is none), all devdax with the memmap in RAM.  Each cycle removes
 * and adds B, then C, timed, with the stress tracker's exact checks
 * (nr_memmap_pages, spans, iomem, kmsg) after every step.  "fio" runs
 * fio on A all along: random writes verified as they go (verify_backlog,
 * crc32c), first alone for -O fio-seconds, then during the cycles:
 * bandwidth and completion latency p50/p99 from fio's JSON, alone and
 * cycling, and 0 verify errors.  "fio-hog" adds a child holding
 * MemAvailable - -O hog-margin bytes (every page touched), so that the
 * memmap of each hot-add comes from a tight system.  The three variants'
 * add/remove latencies are printed side by side.
 *
 * Positive control: -O corrupt=1 flips 64 bytes of one block after the
 * write: the verify must count exactly one bad block (a violation).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devmem_data.h"
#include "devmem_stress.h"
#include "stats.h"
#include "workload.h"

enum kind { K_DEVDAX, K_FSDAX, K_IDLE, K_FIO, K_FIO_HOG, K_NR };

static const char *const kind_names[K_NR] = {
	"devdax", "fsdax", "idle", "fio", "fio-hog",
};

#define METRIC(n, u, b, h) \
	{ .name = n, .unit = u, .better = b, .help = h }

static const struct dm_wl_metric metrics[] = {
	METRIC("remove_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "hot-remove of the namespace holding the pattern"),
	METRIC("add_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "hot-add of the namespace holding the pattern"),
	METRIC("bytes_written", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "pattern bytes fio wrote before the cycles"),
	METRIC("bytes_cycled", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "pattern bytes x hot-remove/add cycles they went through"),
	METRIC("bytes_verified", DM_UNIT_BYTES, DM_BETTER_HIGHER,
	       "pattern bytes read back intact, per verify"),
	METRIC("bytes_lost", DM_UNIT_BYTES, DM_BETTER_LOWER,
	       "pattern bytes lost or changed, per verify (must be 0)"),
	METRIC("verify_errors", DM_UNIT_COUNT, DM_BETTER_LOWER,
	       "blocks whose crc32c, offset or header did not match"),
	METRIC("write_bw", DM_UNIT_BYTES_PER_SEC, DM_BETTER_HIGHER,
	       "fio writing the pattern"),
	METRIC("verify_bw", DM_UNIT_BYTES_PER_SEC, DM_BETTER_HIGHER,
	       "fio reading it back"),
	METRIC("remove_ns.b", DM_UNIT_NS, DM_BETTER_LOWER,
	       "hot-remove of B (A's region)"),
	METRIC("add_ns.b", DM_UNIT_NS, DM_BETTER_LOWER,
	       "hot-add of B (A's region)"),
	METRIC("remove_ns.c", DM_UNIT_NS, DM_BETTER_LOWER,
	       "hot-remove of C (the other region)"),
	METRIC("add_ns.c", DM_UNIT_NS, DM_BETTER_LOWER,
	       "hot-add of C (the other region)"),
	METRIC("fio.*_bw", DM_UNIT_BYTES_PER_SEC, DM_BETTER_HIGHER,
	       "fio on A: bandwidth, alone / during the cycles"),
	METRIC("fio.*_ns", DM_UNIT_NS, DM_BETTER_LOWER,
	       "fio on A: completion latency percentile"),
	METRIC("fio.verify_errors", DM_UNIT_COUNT, DM_BETTER_LOWER,
	       "fio on A: blocks that failed verification (must be 0)"),
	METRIC("fio.bytes_verified", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "fio on A: bytes read back and verified while it ran"),
	METRIC("hog_bytes", DM_UNIT_BYTES, DM_BETTER_NONE,
	       "anonymous memory the hog held and touched"),
	{ 0 },
};

static const struct dm_wl_option options[] = {
	{ "variants", DM_WL_OPT_STRING, "devdax,fsdax,idle,fio,fio-hog", 0, 0,
	  "comma list of devdax, fsdax (persistence) and idle, fio, fio-hog (load beside hotplug)" },
	{ "size", DM_WL_OPT_SIZE, "256M", 32 << 20, 1ll << 40,
	  "size of each namespace" },
	{ "data-size", DM_WL_OPT_SIZE, "0", 0, 1ll << 40,
	  "bytes of pattern, 0 = all the namespace holds" },
	{ "bs", DM_WL_OPT_SIZE, "2M", 4096, 1 << 30,
	  "fio block size (a power of two; devdax: >= the 2M alignment)" },
	{ "verify-every", DM_WL_OPT_INT, "0", 0, 1000000,
	  "verify the pattern every N cycles too (0: after the last only)" },
	{ "fio-seconds", DM_WL_OPT_INT, "10", 1, 86400,
	  "how long fio runs alone before the cycles (load variants)" },
	{ "fio-ramp", DM_WL_OPT_INT, "1", 0, 600,
	  "seconds fio runs on A past its first block before the cycles" },
	{ "hog-margin", DM_WL_OPT_SIZE, "256M", 16 << 20, 1ll << 40,
	  "MemAvailable the hog leaves free (fio-hog)" },
	{ "corrupt", DM_WL_OPT_BOOL, "0", 0, 0,
	  "positive control: flip bytes of one pattern block after the write" },
	{ "region-b", DM_WL_OPT_STRING, "", 0, 0,
	  "region for namespace C (default: any other pmem region)" },
	{ "allow-foreign", DM_WL_OPT_BOOL, "0", 0, 0,
	  "use free space in regions with namespaces the suite did not create" },
	{ 0 },
};

struct state {
	enum kind kind;
	unsigned long long bs;
	/* persistence */
	struct dm_ns *ns;
	struct dm_inv inv;
	bool inv_ok;
	struct dm_data d;
	bool d_ok;
	int verifies;
	unsigned long long cycled;
	double write_bw;
	/* load */
	struct dm_st st;
	bool st_ok;
	struct dm_ctx *ctx_c;
	struct dm_ns *lns[3];		/* A, B, C */
	int slot[3];
	struct dm_data da;
	bool da_ok;
	struct dm_fio fio;
	bool fio_on;
	struct dm_fio_out alone;
	uint64_t t_cycling;		/* fio's cycling window started */
	char fio_note[160];
	struct dm_hog hog;
	bool hog_lost;
	char note[DM_MSG_LEN];
};

/* Medians of the load variants run so far, for the side-by-side table. */
static struct {
	bool done;
	double v[8];
} side[K_NR];

enum {
	S_ADD_B, S_RM_B, S_ADD_C, S_RM_C,
	S_BW_ALONE, S_BW_CYC, S_P99_ALONE, S_P99_CYC,
};

static const char *const side_metric[] = {
	"add_ns.b", "remove_ns.b", "add_ns.c", "remove_ns.c",
	"fio.alone.write_bw", "fio.cycling.write_bw",
	"fio.alone.write_clat_p99_ns", "fio.cycling.write_clat_p99_ns",
};

static unsigned int region_flags(struct dm_run *run)
{
	return dm_run_opt_int(run, "allow-foreign") ? DM_SEL_ALLOW_FOREIGN : 0;
}

static const char *region_b(struct dm_run *run)
{
	const char *s = dm_run_opt_str(run, "region-b");

	return s && *s ? s : NULL;
}

static int supported(struct dm_run *run __attribute__((unused)), char *why,
		     size_t len)
{
	return dm_fio_available(why, len);
}

static int matrix(struct dm_run *run, struct dm_wl_config *cfgs, int max)
{
	unsigned long long size = dm_run_opt_int(run, "size");
	unsigned long long bs = dm_run_opt_int(run, "bs");
	char *copy, *tok, *save = NULL, why[DM_MSG_LEN];
	int n = 0, k, rc = -EINVAL;

	if (bs & (bs - 1)) {
		fprintf(stderr, "devmem-bench: data: -O bs=%llu is not a power of two\n",
			bs);
		return -EINVAL;
	}
	copy = strdup(dm_run_opt_str(run, "variants"));
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < K_NR && strcmp(tok, kind_names[k]); k++)
			;
		if (k == K_NR) {
			fprintf(stderr, "devmem-bench: data: -O variants: '%s' is not one of devdax, fsdax, idle, fio, fio-hog\n",
				tok);
			goto out;
		}
		if (n == max)
			goto out;
		memset(&cfgs[n], 0, sizeof(cfgs[n]));
		snprintf(cfgs[n].variant, sizeof(cfgs[n].variant), "%s", tok);
		cfgs[n].has_ns = true;
		cfgs[n].ns.mode = k == K_FSDAX ? DM_MODE_FSDAX : DM_MODE_DEVDAX;
		cfgs[n].ns.map = DM_MAP_MEM;
		cfgs[n].ns.align = 2ul << 20;
		cfgs[n].ns.size = size;
		cfgs[n].warmup = 0;
		cfgs[n].need = k <= K_FSDAX ? size : 2 * size;
		cfgs[n].priv = k;
		if (k == K_FSDAX &&
		    dm_data_fsdax_available(why, sizeof(why)))
			snprintf(cfgs[n].skipped, sizeof(cfgs[n].skipped),
				 "%s", why);
		n++;
	}
	if (!n)
		fprintf(stderr, "devmem-bench: data: -O variants is empty\n");
	else
		rc = n;
out:
	free(copy);
	return rc;
}

/* ---- Persistence ------------------------------------------------------- */

static int verify(struct dm_wl *w, struct state *s, int c)
{
	struct dm_fio_out out;
	unsigned long long lost;
	int rc;

	rc = dm_data_verify(&s->d, &out);
	if (rc) {
		dm_wl_violation(w, c, "verify", "fio could not read the pattern back: %s",
				out.msg[0] ? out.msg : strerror(-rc));
		return rc;
	}
	s->verifies++;
	lost = out.verify_errors * s->bs;
	if (out.read_bytes < s->d.written)
		lost += s->d.written - out.read_bytes;
	dm_wl_sample(w, "verify_errors", out.verify_errors);
	dm_wl_sample(w, "bytes_lost", lost);
	dm_wl_sample(w, "bytes_verified",
		     lost < s->d.written ? s->d.written - lost : 0);
	dm_wl_sample(w, "verify_bw", out.read_bw);
	if (lost || (out.error && out.error != EILSEQ))
		dm_wl_violation(w, c, "data",
				"%lld of %llu blocks changed, %llu of %llu bytes lost or changed after %llu cycles (%s)",
				out.verify_errors, s->d.written / s->bs, lost,
				s->d.written, s->cycled / s->d.written,
				out.msg[0] ? out.msg : "fio error 0");
	return 0;
}

static int persist_setup(struct dm_wl *w, struct state *s)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	struct dm_run *run = dm_wl_run(w);
	struct dm_ctx *ctx = dm_wl_ctx(w);
	char msg[DM_MSG_LEN];
	struct dm_fio_out out;
	int rc;

	if (s->kind == K_FSDAX) {
		rc = dm_data_private_mounts(msg, sizeof(msg));
		if (rc) {
			dm_wl_violation(w, -1, "mount_ns", "%s", msg);
			return rc;
		}
	}
	rc = dm_inv_init(&s->inv, ctx, DM_CHECK_ALL);
	if (rc)
		return rc;
	s->inv_ok = true;
	rc = dm_ns_create(ctx, &cfg->ns, dm_wl_tag(w), &s->ns);
	if (rc) {
		dm_wl_violation(w, -1, "create", "creating the namespace in %s: %s: %s",
				dm_region_name(ctx), strerror(-rc), dm_why(ctx));
		return rc;
	}
	if (dm_inv_check_added(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, -1, "after_create", "%s", msg);
	rc = dm_data_init(&s->d, s->ns, dm_run_opt_int(run, "data-size"),
			  s->bs);
	s->d_ok = true;
	if (rc) {
		dm_wl_violation(w, -1, "data_init", "%s", s->d.why);
		return rc;
	}
	rc = dm_data_write(&s->d, &out);
	if (rc) {
		dm_wl_violation(w, -1, "write", "writing the pattern to %s: %s",
				s->d.target, out.msg[0] ? out.msg : strerror(-rc));
		return rc;
	}
	if (dm_run_opt_int(run, "corrupt")) {
		rc = dm_data_corrupt(&s->d, s->d.size / s->bs / 2);
		if (rc) {
			dm_wl_violation(w, -1, "corrupt", "corrupting a block of %s: %s",
					s->d.target, strerror(-rc));
			return rc;
		}
		fprintf(stderr, "devmem-bench: data: -O corrupt: block %llu of %s flipped; the verify must find it\n",
			s->d.size / s->bs / 2, s->d.target);
	}
	snprintf(s->note, sizeof(s->note), "%s on %s (%s): %llu bytes written at %.1f MiB/s in %llu blocks of %llu",
		 s->d.target, dm_ns_name(s->ns), s->d.dev, s->d.written,
		 out.write_bw / (1 << 20), s->d.written / s->bs, s->bs);
	s->verifies = 0;
	/* setup is outside the cycles: sampled in the first one */
	s->write_bw = out.write_bw;
	return 0;
}

static int persist_cycle(struct dm_wl *w, struct state *s, int c)
{
	int every = dm_run_opt_int(dm_wl_run(w), "verify-every");
	int last = dm_wl_cycles(w) - 1;
	char msg[DM_MSG_LEN];
	uint64_t t;
	int rc;

	if (c == 0) {
		dm_wl_sample(w, "bytes_written", s->d.written);
		dm_wl_sample(w, "write_bw", s->write_bw);
	}
	rc = dm_data_remove(&s->d, &t);
	if (rc) {
		dm_wl_violation(w, c, "remove", "%s", s->d.why);
		return rc;
	}
	dm_wl_sample(w, "remove_ns", t);
	if (dm_inv_check_removed(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, c, "after_remove", "%s", msg);
	rc = dm_data_add(&s->d, &t);
	if (rc) {
		dm_wl_violation(w, c, "add", "%s", s->d.why);
		return rc;
	}
	dm_wl_sample(w, "add_ns", t);
	if (dm_inv_check_added(&s->inv, s->ns, msg, sizeof(msg)))
		dm_wl_violation(w, c, "after_add", "%s", msg);
	s->cycled += s->d.written;
	if (c >= 0 && (c == last || (every && (c + 1) % every == 0)))
		return verify(w, s, c);
	return 0;
}

static void persist_teardown(struct dm_wl *w, struct state *s)
{
	double cycled = s->cycled;

	if (s->d_ok)
		dm_data_release(&s->d);
	if (s->ns)
		dm_wl_destroy_ns(w, s->ns);
	if (s->inv_ok)
		dm_inv_release(&s->inv);
	if (s->cycled && dm_wl_result(w))
		dm_result_add_metric(dm_wl_result(w), "bytes_cycled",
				     DM_UNIT_BYTES, DM_BETTER_NONE, &cycled,
				     1);
}

/* ---- Load beside hotplug ---------------------------------------------- */

static const char *const ns_names[] = { "a", "b", "c" };

static int check(struct dm_wl *w, struct state *s, int c, const char *what)
{
	char msg[DM_MSG_LEN];
	int n = dm_st_check(&s->st, msg, sizeof(msg));

	return dm_wl_checked(w, c, what, n, msg);
}

static int create_ns(struct dm_wl *w, struct state *s, struct dm_ctx *ctx,
		     int i)
{
	const struct dm_wl_config *cfg = dm_wl_config(w);
	int rc;

	rc = dm_ns_create(ctx, &cfg->ns, dm_wl_tag(w), &s->lns[i]);
	if (rc) {
		dm_wl_violation(w, -1, "create", "creating namespace %s in %s: %s: %s",
				ns_names[i], dm_region_name(ctx),
				strerror(-rc), dm_why(ctx));
		return rc;
	}
	s->slot[i] = dm_st_add_ns(&s->st, s->lns[i]);
	if (s->slot[i] < 0)
		return s->slot[i];
	return check(w, s, -1, "after_create");
}

static void sample_fio(struct dm_wl *w, const char *phase,
		       const struct dm_fio_out *o)
{
	char name[64];

#define FIO_SAMPLE(what, v) do { \
	snprintf(name, sizeof(name), "fio.%s." what, phase); \
	if ((v) >= 0) \
		dm_wl_sample(w, name, (v)); \
} while (0)
	FIO_SAMPLE("write_bw", o->write_bw);
	FIO_SAMPLE("read_bw", o->read_bw);
	FIO_SAMPLE("write_clat_p50_ns", o->write_p50);
	FIO_SAMPLE("write_clat_p99_ns", o->write_p99);
	FIO_SAMPLE("read_clat_p50_ns", o->read_p50);
	FIO_SAMPLE("read_clat_p99_ns", o->read_p99);
#undef FIO_SAMPLE
	dm_wl_sample(w, "fio.verify_errors", o->verify_errors);
	dm_wl_sample(w, "fio.bytes_verified", o->read_bytes);
}

/* fio's result on A: its figures, and a violation for any bad block. */
static void fio_result(struct dm_wl *w, int c, const char *phase, int rc,
		       const struct dm_fio_out *o)
{
	if (rc) {
		dm_wl_violation(w, c, "fio", "fio %s on %s: no result: %s",
				phase, "A", o->msg[0] ? o->msg : strerror(-rc));
		return;
	}
	sample_fio(w, phase, o);
	if (!o->write_bytes)
		dm_wl_violation(w, c, "fio_idle",
				"fio %s on A wrote nothing in %.0f ms",
				phase, o->runtime_ms);
	if (o->verify_errors || (o->error && o->error != EINTR))
		dm_wl_violation(w, c, "fio_verify",
				"fio %s on A: %lld blocks failed verification (%s)",
				phase, o->verify_errors, o->msg);
}

static int load_setup(struct dm_wl *w, struct state *s)
{
	struct dm_run *run = dm_wl_run(w);
	unsigned long long need = dm_wl_config(w)->ns.size;
	struct dm_fio_job job = { 0 };
	struct dm_fio_out out;
	char why[DM_MSG_LEN];
	int rc, i;

	s->hog.pid = -1;
	s->fio.pid = -1;
	s->slot[0] = s->slot[1] = s->slot[2] = -1;
	rc = dm_st_init(&s->st, DM_CHECK_ALL);
	if (rc)
		return rc;
	s->st_ok = true;
	rc = dm_st_other_region(dm_wl_ctx(w), region_b(run), need,
				region_flags(run), &s->ctx_c, why, sizeof(why));
	if (rc)
		snprintf(s->note, sizeof(s->note),
			 "no namespace C: %.400s", why);
	for (i = 0; i < 3; i++) {
		if (i == 2 && !s->ctx_c)
			break;
		rc = create_ns(w, s, i < 2 ? dm_wl_ctx(w) : s->ctx_c, i);
		if (rc)
			return rc;
	}
	if (s->kind == K_IDLE)
		return 0;

	rc = dm_data_init(&s->da, s->lns[0], dm_run_opt_int(run, "data-size"),
			  s->bs);
	s->da_ok = true;
	if (rc) {
		dm_wl_violation(w, -1, "data_init", "%s", s->da.why);
		return rc;
	}
	if (s->kind == K_FIO_HOG) {
		rc = dm_hog_start(&s->hog, dm_run_opt_int(run, "hog-margin"),
				  why, sizeof(why));
		if (rc) {
			dm_wl_violation(w, -1, "hog", "%s", why);
			return rc;
		}
	}
	job.kind = DM_FIO_LOAD;
	job.name = "load";
	job.filename = s->da.target;
	job.dir = s->da.dir;
	job.size = s->da.size;
	job.bs = s->bs;
	job.seconds = dm_run_opt_int(run, "fio-seconds");
	rc = dm_fio_run(&job, &out);
	if (rc || out.status) {
		dm_wl_violation(w, -1, "fio", "fio alone on %s: %s",
				s->da.target, out.msg);
		return rc ? rc : -EIO;
	}
	/* setup is outside the cycles: sampled in the first one */
	s->alone = out;
	job.seconds = 0;
	rc = dm_data_clear_headers(&s->da);
	if (rc) {
		dm_wl_violation(w, -1, "fio", "clearing %s: %s",
				s->da.target, strerror(-rc));
		return rc;
	}
	rc = dm_fio_start(&job, &s->fio);
	if (rc) {
		dm_wl_violation(w, -1, "fio", "starting fio on %s: %s",
				s->da.target, strerror(-rc));
		return rc;
	}
	s->fio_on = true;
	rc = dm_fio_ready(&s->fio, 60000);
	if (rc) {
		dm_wl_violation(w, -1, "fio", "fio on %s did not start: %s",
				s->da.target, strerror(-rc));
		return rc;
	}
	rc = dm_data_wait_io(&s->da, &s->fio, 600000);
	if (rc) {
		dm_wl_violation(w, -1, "fio", "fio on %s never wrote: %s",
				s->da.target, strerror(-rc));
		return rc;
	}
	sleep(dm_run_opt_int(run, "fio-ramp"));
	s->t_cycling = dm_now_ns();
	return 0;
}

static int cycle_one(struct dm_wl *w, struct state *s, int c, int i)
{
	char metric[32];
	struct dm_ns *ns = s->lns[i];
	uint64_t t;
	int rc;

	rc = dm_ns_disable(ns, &t);
	if (rc) {
		dm_wl_violation(w, c, "remove", "unbind %s (%s): %s: %s",
				ns_names[i], dm_ns_name(ns), strerror(-rc),
				dm_ns_why(ns));
		return rc;
	}
	snprintf(metric, sizeof(metric), "remove_ns.%s", ns_names[i]);
	dm_wl_sample(w, metric, t);
	dm_st_set_live(&s->st, s->slot[i], false);
	rc = check(w, s, c, "after_remove");
	if (rc)
		return rc;
	rc = dm_ns_enable(ns, &t);
	if (rc) {
		dm_wl_violation(w, c, "add", "bind %s (%s)%s: %s",
				ns_names[i], dm_ns_name(ns),
				s->kind == K_FIO_HOG ? " under the hog" : "",
				strerror(-rc));
		return rc;
	}
	snprintf(metric, sizeof(metric), "add_ns.%s", ns_names[i]);
	dm_wl_sample(w, metric, t);
	dm_st_set_live(&s->st, s->slot[i], true);
	return check(w, s, c, "after_add");
}

static void stop_fio(struct dm_wl *w, struct state *s, int c)
{
	struct dm_fio_out out;
	int rc;

	if (!s->fio_on)
		return;
	dm_fio_stop(&s->fio);
	rc = dm_fio_wait(&s->fio, &out);
	s->fio_on = false;
	fio_result(w, c, "cycling", rc, &out);
	snprintf(s->fio_note, sizeof(s->fio_note),
		 "fio on A (%s): %.1f s alone, %.1f s beside the cycles (%.1f s ramp before them)",
		 s->da.target, s->alone.runtime_ms / 1e3,
		 (dm_now_ns() - s->t_cycling) / 1e9,
		 (double)dm_run_opt_int(dm_wl_run(w), "fio-ramp"));
}

static int load_cycle(struct dm_wl *w, struct state *s, int c)
{
	int rc, i;

	if (c == 0 && s->kind != K_IDLE) {
		fio_result(w, c, "alone", 0, &s->alone);
		if (s->hog.bytes)
			dm_wl_sample(w, "hog_bytes", s->hog.bytes);
	}
	for (i = 1; i < 3; i++) {
		if (!s->lns[i])
			continue;
		rc = cycle_one(w, s, c, i);
		if (rc)
			return rc;
	}
	if (s->fio_on && !dm_fio_running(&s->fio)) {
		dm_wl_violation(w, c, "fio", "fio on A exited during the cycles");
		stop_fio(w, s, c);
		return -EIO;
	}
	if (s->hog.pid > 0 && !s->hog_lost && !dm_hog_alive(&s->hog)) {
		s->hog_lost = true;
		fprintf(stderr, "devmem-bench: data: the hog is gone at cycle %d (OOM-killed?); the system is no longer tight\n",
			c);
	}
	if (c == dm_wl_cycles(w) - 1)
		stop_fio(w, s, c);
	return 0;
}

static void load_teardown(struct dm_wl *w, struct state *s)
{
	const double *v;
	int rc, i;
	size_t n;

	stop_fio(w, s, -1);
	dm_hog_stop(&s->hog);
	if (s->da_ok)
		dm_data_release(&s->da);
	for (i = 2; i >= 0; i--) {
		if (!s->lns[i])
			continue;
		rc = dm_ns_destroy(s->lns[i]);
		if (rc)
			dm_wl_violation(w, -1, "destroy", "destroying namespace %s: %s",
					ns_names[i], strerror(-rc));
		else if (s->slot[i] >= 0)
			dm_st_gone(&s->st, s->slot[i]);
	}
	if (s->st_ok) {
		check(w, s, -1, "after_destroy");
		dm_st_release(&s->st);
	}
	dm_unref(s->ctx_c);
	side[s->kind].done = true;
	for (i = 0; i < (int)ARRAY_SIZE(side_metric); i++) {
		v = dm_wl_series(w, side_metric[i], &n);
		side[s->kind].v[i] = v && n ? dm_stats_median(v, n) : -1;
	}
}

/* ---- The workload --------------------------------------------------------- */

static int setup(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);

	s->kind = dm_wl_config(w)->priv;
	s->bs = dm_run_opt_int(dm_wl_run(w), "bs");
	s->hog.pid = -1;
	s->fio.pid = -1;
	return s->kind <= K_FSDAX ? persist_setup(w, s) : load_setup(w, s);
}

static int cycle(struct dm_wl *w, int c)
{
	struct state *s = dm_wl_priv(w);

	return s->kind <= K_FSDAX ? persist_cycle(w, s, c) :
				    load_cycle(w, s, c);
}

static int teardown(struct dm_wl *w)
{
	struct state *s = dm_wl_priv(w);

	if (s->kind <= K_FSDAX)
		persist_teardown(w, s);
	else
		load_teardown(w, s);
	return 0;
}

static void print_ms(FILE *out, double ns)
{
	if (ns < 0)
		fprintf(out, " %10s", "-");
	else
		fprintf(out, " %10.2f", ns / 1e6);
}

static void report(struct dm_wl *w, FILE *out)
{
	struct state *s = dm_wl_priv(w);
	int k, i;

	if (s->note[0])
		fprintf(out, "  %s\n", s->note);
	if (s->fio_note[0])
		fprintf(out, "  %s\n", s->fio_note);
	if (s->kind <= K_FSDAX) {
		if (s->verifies)
			fprintf(out, "  pattern: %llu bytes through %llu cycles, verified %d time(s)\n",
				s->d.written, s->d.written ?
				s->cycled / s->d.written : 0, s->verifies);
		return;
	}
	if (s->hog.bytes)
		fprintf(out, "  hog: %.0f MiB held (MemAvailable - %lld MiB)%s\n",
			s->hog.bytes / 1048576.0,
			dm_run_opt_int(dm_wl_run(w), "hog-margin") >> 20,
			s->hog_lost ? ", lost during the run" : "");
	fprintf(out, "  side by side (medians):   add B ms  remove B ms   add C ms  remove C ms  fio MiB/s alone cycling  p99 us alone cycling\n");
	for (k = K_IDLE; k < K_NR; k++) {
		if (!side[k].done)
			continue;
		fprintf(out, "  %-24s", kind_names[k]);
		for (i = S_ADD_B; i <= S_RM_C; i++)
			print_ms(out, side[k].v[i]);
		for (i = S_BW_ALONE; i <= S_BW_CYC; i++)
			fprintf(out, " %8.1f", side[k].v[i] < 0 ? 0 :
				side[k].v[i] / (1 << 20));
		for (i = S_P99_ALONE; i <= S_P99_CYC; i++)
			fprintf(out, " %8.0f", side[k].v[i] < 0 ? 0 :
				side[k].v[i] / 1e3);
		fputc('\n', out);
	}
}

const struct dm_workload dm_wl_data = {
	.name = "data",
	.summary = "a fio pattern (crc32c) survives hot-remove/add of its devdax and fsdax namespace; fio load and a memory hog beside other namespaces' hotplug",
	.invariants = "0 bytes lost or changed (fio verify_only), 0 fio verify errors under load, ns-cycle invariants after every step, exact stress tracker checks with three namespaces",
	.options = options,
	.metrics = metrics,
	.supported = supported,
	.matrix = matrix,
	.setup = setup,
	.cycle = cycle,
	.teardown = teardown,
	.report = report,
	.priv_size = sizeof(struct state),
	.stress = true,
	.default_cycles = 10,
	.default_warmup = 0,
};
