// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_fault: fault injection during hot-add (see devmem_fault.h).
 *
 * Two details of lib/fault-inject.c shape the setup.  fail-nth belongs to
 * the task, not to an injector: every injector whose stacktrace filter
 * lets an allocation through decrements it, so the injector not being
 * swept (and any other fail* directory) gets an empty require range and
 * never counts.  And the filter is checked before fail-nth is
 * decremented, so with the range set to one function's body N counts
 * only allocations made under that function.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devmem_fault.h"

#define DEBUGFS		"/sys/kernel/debug"
#define STATE_FILE	"fault-knobs"
#define CENSUS_NTH	(1u << 30)
#define PRINTK		"/proc/sys/kernel/printk"

static const char *const mode_dir[DM_FAULT_NR_MODES] = {
	[DM_FAULT_FAILSLAB] = "failslab",
	[DM_FAULT_PAGE_ALLOC] = "fail_page_alloc",
};

const char *dm_fault_mode_name(enum dm_fault_mode mode)
{
	return mode < DM_FAULT_NR_MODES ? mode_dir[mode] : "?";
}

int dm_fault_parse_mode(const char *s, enum dm_fault_mode *mode)
{
	int i;

	for (i = 0; i < DM_FAULT_NR_MODES; i++)
		if (!strcmp(s, mode_dir[i])) {
			*mode = i;
			return 0;
		}
	return -EINVAL;
}

const char *dm_fault_outcome_name(enum dm_fault_outcome o)
{
	switch (o) {
	case DM_FAULT_NOT_REACHED: return "not reached";
	case DM_FAULT_FAILED: return "failed";
	case DM_FAULT_ABSORBED: return "absorbed";
	case DM_FAULT_SWALLOWED: return "swallowed";
	}
	return "?";
}

/* ---- Small file helpers ------------------------------------------------ */

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

static int nth_path(char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	return 0;
}

int dm_fault_set_nth(unsigned int n)
{
	char path[64], val[16];

	nth_path(path, sizeof(path));
	snprintf(val, sizeof(val), "%u", n);
	return dm_write_str(path, val);
}

int dm_fault_get_nth(unsigned int *n)
{
	char path[64], val[32], *end;
	unsigned long v;
	int rc;

	nth_path(path, sizeof(path));
	rc = dm_read_str(path, val, sizeof(val));
	if (rc)
		return rc;
	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || v > UINT_MAX)
		return -EIO;
	*n = v;
	return 0;
}

/* ---- Where the function lies ------------------------------------------- */

/* [start, end) of @func's body: up to the next symbol's address. */
static int func_range(const char *func, uint64_t *start, uint64_t *end)
{
	unsigned long long a, s = 0, e = ULLONG_MAX;
	char line[512], name[256], type;
	bool found = false;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3)
			continue;
		if (!found && !strcmp(name, func) && !strchr(line, '[') &&
		    (type == 't' || type == 'T')) {
			s = a;
			found = true;
		}
	}
	if (!found) {
		fclose(f);
		return -ENOENT;
	}
	if (!s) {
		fclose(f);
		return -EACCES;		/* kptr_restrict hides addresses */
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *rest;

		a = strtoull(line, &rest, 16);
		if (rest != line && *rest == ' ' && a > s && a < e)
			e = a;
	}
	fclose(f);
	if (e == ULLONG_MAX)
		return -ENOENT;
	*start = s;
	*end = e;
	return 0;
}

int dm_fault_supported(enum dm_fault_mode mode, char *why, size_t len)
{
	char path[128];
	uint64_t s, e;
	int rc;

	nth_path(path, sizeof(path));
	if (!exists(path)) {
		snprintf(why, len, "this kernel has no fault injection (no /proc/<pid>/task/<tid>/fail-nth: CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAULT_INJECTION_STACKTRACE_FILTER; Debian's kernels lack them, make kernel builds them in)");
		return -EOPNOTSUPP;
	}
	if (geteuid()) {
		snprintf(why, len, "fault injection needs root (debugfs)");
		return -EACCES;
	}
	snprintf(path, sizeof(path), DEBUGFS "/%s", mode_dir[mode]);
	if (!exists(path)) {
		if (!exists(DEBUGFS "/tracing") && !exists(DEBUGFS "/bdi"))
			snprintf(why, len, "debugfs is not mounted on " DEBUGFS);
		else
			snprintf(why, len, "this kernel has no %s (CONFIG_%s and CONFIG_FAULT_INJECTION_DEBUG_FS)",
				 path, mode == DM_FAULT_FAILSLAB ? "FAILSLAB" :
				 "FAIL_PAGE_ALLOC");
		return -EOPNOTSUPP;
	}
	snprintf(path, sizeof(path), DEBUGFS "/%s/require-start",
		 mode_dir[mode]);
	if (!exists(path)) {
		snprintf(why, len, "this kernel's fault injection has no stacktrace filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER): failures cannot be confined to " DM_FAULT_FUNC);
		return -EOPNOTSUPP;
	}
	rc = func_range(DM_FAULT_FUNC, &s, &e);
	if (rc == -EACCES)
		snprintf(why, len, "/proc/kallsyms hides addresses (kptr_restrict)");
	else if (rc)
		snprintf(why, len, DM_FAULT_FUNC " not found in /proc/kallsyms: %s",
			 strerror(-rc));
	return rc;
}

/* ---- Knobs: save, set, restore ---------------------------------------- */

static struct dm_fault *armed[4];

static void restore_at_exit(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(armed); i++)
		if (armed[i])
			dm_fault_restore(armed[i]);
}

static void state_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/" STATE_FILE, dm_state_dir());
}

static int mkdir_parents(const char *dir)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0700) && errno != EEXIST)
				return -errno;
			*p = '/';
		} else {
			if (mkdir(buf, 0700) && errno != EEXIST)
				return -errno;
			return 0;
		}
	}
}

/* Write what arm() saved, so that the next run can undo a killed one. */
static int state_save(const struct dm_fault *f)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	struct dm_rec me;
	FILE *out;
	int i, rc;

	rc = mkdir_parents(dm_state_dir());
	if (rc)
		return rc;
	rc = dm_rec_self(&me);
	if (rc)
		return rc;
	state_path(path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = fopen(tmp, "we");
	if (!out)
		return -errno;
	fprintf(out, "owner %d %llu %s\n", me.pid, me.start, me.boot_id);
	for (i = 0; i < f->nr_knobs; i++)
		fprintf(out, "knob %s %s\n", f->knobs[i].path,
			f->knobs[i].saved);
	if (fflush(out) || fsync(fileno(out))) {
		rc = -errno;
		fclose(out);
		unlink(tmp);
		return rc;
	}
	fclose(out);
	return rename(tmp, path) ? -errno : 0;
}

/*
 * A state file left by a run that died: restore its knobs (same boot; a
 * reboot reset them) and remove it.  -EBUSY while its owner runs.
 */
static int state_recover(char *why, size_t len)
{
	char path[PATH_MAX], line[256], kpath[128], val[DM_FAULT_VAL_LEN];
	struct dm_rec owner = { 0 };
	char boot[40] = "";
	bool same_boot;
	FILE *in;
	int pid;

	state_path(path, sizeof(path));
	in = fopen(path, "re");
	if (!in)
		return errno == ENOENT ? 0 : -errno;
	if (!fgets(line, sizeof(line), in) ||
	    sscanf(line, "owner %d %llu %39s", &pid, &owner.start,
		   owner.boot_id) != 3) {
		fclose(in);
		snprintf(why, len, "%s: unreadable; remove it after checking %s/*",
			 path, DEBUGFS);
		return -EINVAL;
	}
	owner.pid = pid;
	if (dm_rec_alive(&owner) && !dm_rec_is_self(&owner)) {
		fclose(in);
		snprintf(why, len, "process %d is injecting faults (%s)", pid,
			 path);
		return -EBUSY;
	}
	{
		struct dm_rec me;

		if (!dm_rec_self(&me))
			snprintf(boot, sizeof(boot), "%s", me.boot_id);
	}
	same_boot = !strcmp(boot, owner.boot_id);
	while (fgets(line, sizeof(line), in))
		if (same_boot &&
		    sscanf(line, "knob %127s %39s", kpath, val) == 2 &&
		    (!strncmp(kpath, DEBUGFS "/", sizeof(DEBUGFS)) ||
		     !strcmp(kpath, PRINTK)))
			dm_write_str(kpath, val);
	fclose(in);
	if (same_boot)
		fprintf(stderr, "# devmem: restored the fault-injection knobs a killed run (pid %d) left set\n",
			pid);
	return unlink(path) ? -errno : 0;
}

static int knob_save(struct dm_fault *f, const char *dir, const char *name)
{
	struct dm_fault_knob *k;
	int rc;

	if (f->nr_knobs == DM_FAULT_MAX_KNOBS)
		return -E2BIG;
	k = &f->knobs[f->nr_knobs];
	if (!dir)
		snprintf(k->path, sizeof(k->path), "%s", name);
	else if (snprintf(k->path, sizeof(k->path), DEBUGFS "/%s/%s", dir,
			  name) >= (int)sizeof(k->path))
		return -ENAMETOOLONG;
	rc = dm_read_str(k->path, k->saved, sizeof(k->saved));
	if (rc == -ENOENT)
		return 0;		/* this kernel has no such knob */
	if (rc)
		return rc;
	/* printk holds four levels: the first is the console's */
	k->saved[strcspn(k->saved, " \t")] = '\0';
	if (!k->saved[0])
		return -EINVAL;
	f->nr_knobs++;
	return 0;
}

static int knob_set(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), DEBUGFS "/%s/%s", dir, name);
	if (!exists(path))
		return 0;
	return dm_write_str(path, val);
}

/* The knobs of the injector being swept, in the order they are set. */
static const char *const active_knobs[] = {
	"probability", "interval", "space", "verbose",
	"verbose_ratelimit_interval_ms", "ignore-gfp-wait",
	"ignore-gfp-highmem", "min-order", "stacktrace-depth",
	"require-start", "require-end", "reject-start", "reject-end", NULL,
};

/* Other fail* directories: their fail-nth counting is switched off. */
static const char *const other_knobs[] = {
	"stacktrace-depth", "require-start", "require-end", NULL,
};

static int list_injectors(char names[][32], int max)
{
	struct dirent *de;
	char path[300];
	int n = 0;
	DIR *d;

	d = opendir(DEBUGFS);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		if (strncmp(de->d_name, "fail", 4) ||
		    strlen(de->d_name) >= 32)
			continue;
		snprintf(path, sizeof(path), DEBUGFS "/%s/require-end",
			 de->d_name);
		if (exists(path))
			snprintf(names[n++], 32, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

/**
 * dm_fault_arm() - make fail-nth count only @mode's allocations under
 * @func (NULL: memremap_pages) and nothing else
 * @reject: if not NULL or "", allocations under this function do not
 *	count either (a known crash site the sweep should step over)
 */
int dm_fault_arm(struct dm_fault *f, enum dm_fault_mode mode,
		 const char *func, const char *reject, char *why, size_t len)
{
	const char *dir = mode_dir[mode];
	char inj[16][32], val[32];
	int i, j, n, rc;
	size_t slot;

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	snprintf(f->func, sizeof(f->func), "%s", func ? func : DM_FAULT_FUNC);
	rc = dm_fault_supported(mode, why, len);
	if (rc)
		return rc;
	rc = func_range(f->func, &f->start, &f->end);
	if (rc) {
		snprintf(why, len, "%s: no address in /proc/kallsyms: %s",
			 f->func, strerror(-rc));
		return rc;
	}
	if (reject && *reject) {
		snprintf(f->reject, sizeof(f->reject), "%s", reject);
		rc = func_range(f->reject, &f->reject_start, &f->reject_end);
		if (rc) {
			snprintf(why, len, "%s: no address in /proc/kallsyms: %s",
				 f->reject, strerror(-rc));
			return rc;
		}
	}
	for (slot = 0; slot < ARRAY_SIZE(armed) && armed[slot]; slot++)
		;
	if (slot == ARRAY_SIZE(armed)) {
		snprintf(why, len, "too many armed injectors in one process");
		return -EBUSY;
	}
	rc = state_recover(why, len);
	if (rc)
		return rc;
	n = list_injectors(inj, ARRAY_SIZE(inj));
	if (n < 0) {
		snprintf(why, len, "%s: %s", DEBUGFS, strerror(-n));
		return n;
	}
	for (i = 0; active_knobs[i] && !rc; i++)
		rc = knob_save(f, dir, active_knobs[i]);
	for (j = 0; j < n && !rc; j++)
		if (strcmp(inj[j], dir))
			for (i = 0; other_knobs[i] && !rc; i++)
				rc = knob_save(f, inj[j], other_knobs[i]);
	if (!rc)
		rc = knob_save(f, NULL, PRINTK);
	if (rc) {
		snprintf(why, len, "reading the fault-injection knobs: %s",
			 strerror(-rc));
		return rc;
	}
	rc = state_save(f);
	if (rc) {
		snprintf(why, len, "recording the knobs in %s: %s",
			 dm_state_dir(), strerror(-rc));
		return rc;
	}
	armed[slot] = f;
	f->armed = true;
	{
		static bool registered;

		if (!registered && !atexit(restore_at_exit))
			registered = true;
	}
	/* Nothing but fail-nth injects: probability 0. */
	rc = knob_set(dir, "probability", "0");
	rc = rc ?: knob_set(dir, "interval", "1");
	rc = rc ?: knob_set(dir, "space", "0");
	/* 2: the message and its stack, which names the call site */
	rc = rc ?: knob_set(dir, "verbose", "2");
	rc = rc ?: knob_set(dir, "verbose_ratelimit_interval_ms", "0");
	/* GFP_KERNEL allocations are what hot-add makes */
	rc = rc ?: knob_set(dir, "ignore-gfp-wait", "N");
	rc = rc ?: knob_set(dir, "ignore-gfp-highmem", "N");
	/* order-0 page-table pages too */
	rc = rc ?: knob_set(dir, "min-order", "0");
	rc = rc ?: knob_set(dir, "stacktrace-depth", "32");
	/* allocations under @reject never count (0, 0: none) */
	snprintf(val, sizeof(val), "0x%llx",
		 (unsigned long long)f->reject_end);
	rc = rc ?: knob_set(dir, "reject-end", val);
	snprintf(val, sizeof(val), "0x%llx",
		 (unsigned long long)f->reject_start);
	rc = rc ?: knob_set(dir, "reject-start", val);
	/* end first: the range is never reversed on the way */
	snprintf(val, sizeof(val), "0x%llx", (unsigned long long)f->end);
	rc = rc ?: knob_set(dir, "require-end", val);
	snprintf(val, sizeof(val), "0x%llx", (unsigned long long)f->start);
	rc = rc ?: knob_set(dir, "require-start", val);
	/* The others: an empty range, no stack walk, never count. */
	for (j = 0; j < n && !rc; j++) {
		if (!strcmp(inj[j], dir))
			continue;
		rc = knob_set(inj[j], "require-start", "0");
		rc = rc ?: knob_set(inj[j], "require-end", "0");
		rc = rc ?: knob_set(inj[j], "stacktrace-depth", "0");
	}
	/*
	 * The reports (KERN_WARNING and KERN_DEFAULT) stay in the log, where
	 * the sweep reads them, and off the console, where a runner would
	 * take their stacks for a kernel problem; an Oops or BUG still shows.
	 */
	if (!rc && f->nr_knobs &&
	    !strcmp(f->knobs[f->nr_knobs - 1].path, PRINTK) &&
	    atoi(f->knobs[f->nr_knobs - 1].saved) > 4)
		rc = dm_write_str(PRINTK, "4");
	if (rc) {
		snprintf(why, len, "setting the %s knobs: %s", dir,
			 strerror(-rc));
		dm_fault_restore(f);
	}
	return rc;
}

/**
 * dm_fault_restore() - put back every knob dm_fault_arm() changed
 *
 * Idempotent; the calling thread's fail-nth is cleared too.
 */
int dm_fault_restore(struct dm_fault *f)
{
	char path[PATH_MAX];
	int i, rc, ret = 0;
	size_t slot;

	if (!f->armed)
		return 0;
	dm_fault_set_nth(0);
	/* reverse order: require-start goes back before require-end */
	for (i = f->nr_knobs - 1; i >= 0; i--) {
		rc = dm_write_str(f->knobs[i].path, f->knobs[i].saved);
		if (rc && !ret) {
			fprintf(stderr, "# devmem: restoring %s to %s: %s\n",
				f->knobs[i].path, f->knobs[i].saved,
				strerror(-rc));
			ret = rc;
		}
	}
	for (slot = 0; slot < ARRAY_SIZE(armed); slot++)
		if (armed[slot] == f)
			armed[slot] = NULL;
	f->armed = false;
	if (!ret) {
		state_path(path, sizeof(path));
		unlink(path);
	}
	return ret;
}

/* ---- What the kernel logged -------------------------------------------- */

static const char *const bad_msgs[] = {
	"WARNING:", "BUG:", "Oops", "general protection fault", "kernel BUG",
	"Conflicting mapping in same section", "section already deactivated",
	"failed to free all reserved pages", "Misaligned __add_pages",
	"refcount_t:", "list_add corruption", "list_del corruption",
	"Bad page", "use-after-free", "double-free", "UBSAN:",
	"memory leak", NULL,
};

/* Frames of the injectors and allocators: not the call site. */
static const char *const alloc_frames[] = {
	"dump_stack", "should_fail", "__should_fail", "fail_dump",
	"kmem_cache_alloc", "__kmem_cache_alloc", "__kmalloc", "kmalloc",
	"kzalloc", "__kvmalloc", "kvmalloc", "slab_alloc", "__slab_alloc",
	"___slab_alloc", "new_slab", "allocate_slab", "alloc_slab_page",
	"slab_pre_alloc_hook", "__alloc_pages", "alloc_pages",
	"__alloc_frozen_pages", "prepare_alloc_pages", "__folio_alloc",
	"folio_alloc", "__get_free_pages", "get_zeroed_page",
	"alloc_pages_mpol", "__alloc_pages_node", "alloc_pages_node",
	"___kmalloc_large", "__kmalloc_large", "kmalloc_large",
	"__kmalloc_cache", "kmalloc_trace", NULL,
};

void dm_fault_log_init(struct dm_fault_log *log, const char *func)
{
	memset(log, 0, sizeof(*log));
	log->func = func ? func : DM_FAULT_FUNC;
}

static bool is_alloc_frame(const char *fn)
{
	int i;

	for (i = 0; alloc_frames[i]; i++)
		if (!strncmp(fn, alloc_frames[i], strlen(alloc_frames[i])))
			return true;
	return false;
}

static void log_bad(struct dm_fault_log *log, const char *msg)
{
	if (!log->bad++)
		snprintf(log->first_bad, sizeof(log->first_bad), "%s", msg);
}

/* " func+0x1f/0x80" or " ? func+0x1f/0x80 [mod]": one frame. */
static void log_frame(struct dm_fault_log *log, const char *msg)
{
	char fn[128];
	size_t n, flen;

	while (*msg == ' ')
		msg++;
	if (!strncmp(msg, "? ", 2))
		return;			/* unreliable: not in the chain */
	if (sscanf(msg, "%127[^/ ]", fn) != 1)
		return;
	flen = strcspn(fn, "+");
	if (!strncmp(fn, "should_fail", 11)) {
		log->past_fail = true;
		log->chain[0] = '\0';
		return;
	}
	if (!log->past_fail || log->site_done)
		return;
	if (!log->chain[0] && is_alloc_frame(fn))
		return;
	n = strlen(log->chain);
	snprintf(log->chain + n, sizeof(log->chain) - n, "%s%s",
		 n ? "<" : "", fn);
	if (flen == strlen(log->func) && !strncmp(fn, log->func, flen)) {
		log->site_done = true;
		if (log->dump == 1 && !log->site[0])
			snprintf(log->site, sizeof(log->site), "%s",
				 log->chain);
	}
}

void dm_fault_log_line(struct dm_fault_log *log, const char *msg)
{
	int i;

	if (strstr(msg, "FAULT_INJECTION: forcing a failure")) {
		log->injections++;
		log->dump = 1;
		log->in_trace = log->past_fail = log->site_done = false;
		log->chain[0] = '\0';
		return;
	}
	if (strstr(msg, "page allocation failure") ||
	    strstr(msg, "alloc failure: order:")) {
		/* warn_alloc() of an allocation we failed ("vmemmap alloc
		 * failure" for a vmemmap block)
		 */
		log->alloc_failures++;
		log->dump = 1;
		log->in_trace = log->past_fail = false;
		log->site_done = true;	/* the site came with the injection */
		return;
	}
	for (i = 0; bad_msgs[i]; i++)
		if (strstr(msg, bad_msgs[i])) {
			log_bad(log, msg);
			log->dump = 2;
			return;
		}
	if (strstr(msg, "Call Trace")) {
		if (!log->dump)
			log_bad(log, msg);
		log->in_trace = true;
		return;
	}
	if (strstr(msg, "</TASK>")) {
		log->in_trace = false;
		log->dump = 0;
		return;
	}
	if (log->in_trace && log->dump == 1)
		log_frame(log, msg);
}

/**
 * dm_fault_log_read() - feed the kmsg records since the cursor to @log
 *
 * Returns @log->bad.
 */
int dm_fault_log_read(struct dm_kmsg *k, struct dm_fault_log *log)
{
	char rec[8192];
	ssize_t n;

	if (k->fd < 0)
		return -EBADF;
	for (;;) {
		char *msg;

		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue;
			break;
		}
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		dm_fault_log_line(log, msg);
	}
	return log->bad;
}

/* ---- Memory ------------------------------------------------------------- */

int dm_fault_mem(long long *slab_kb, long long *free_kb)
{
	struct dm_snapshot snap;
	char line[256];
	long long v;
	FILE *f;
	int rc;

	rc = dm_snapshot_take(&snap);
	if (rc)
		return rc;
	*free_kb = snap.free_pages * 4;
	*slab_kb = -1;
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &v) == 1)
			*slab_kb = v;
	fclose(f);
	return *slab_kb < 0 ? -ENOENT : 0;
}

/* ---- The sweep ---------------------------------------------------------- */

static void sweep_violation(struct dm_fault_sweep *s, struct dm_fault_point *p,
			    const char *check, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Kernel bugs this sweep found that the kernels the suite runs (6.12) still
 * have.  A matching report is counted in s->known, not s->violations, and
 * passed on with the check DM_FAULT_KNOWN_CHECK and the reason first, so a
 * test can call it an expected failure while any other report stays one.
 */
static const struct {
	const char *check;
	const char *needle;	/* in the message */
	const char *reason;
} known_bugs[] = {
	{ "kmsg", " add_pages+",
	  "known kernel bug: x86 add_pages() WARN_ON_ONCE()s any error of __add_pages(), an injected -ENOMEM included (arch/x86/mm/init_64.c)" },
};

const char *dm_fault_known_bug(const char *check, const char *msg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_bugs); i++)
		if (!strcmp(check, known_bugs[i].check) &&
		    strstr(msg, known_bugs[i].needle))
			return known_bugs[i].reason;
	return NULL;
}

static void sweep_violation(struct dm_fault_sweep *s, struct dm_fault_point *p,
			    const char *check, const char *fmt, ...)
{
	char msg[DM_MSG_LEN], known_msg[DM_MSG_LEN + 256];
	const char *known;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	known = dm_fault_known_bug(check, msg);
	if (known) {
		s->known++;
		snprintf(s->known_reason, sizeof(s->known_reason), "%s",
			 known);
		snprintf(known_msg, sizeof(known_msg), "%s: %s", known, msg);
		if (s->violation)
			s->violation(s->arg, p ? p->nth : 0,
				     DM_FAULT_KNOWN_CHECK, known_msg);
		return;
	}
	s->violations++;
	if (p)
		p->violations++;
	if (s->violation)
		s->violation(s->arg, p ? p->nth : 0, check, msg);
}

/* Is the device userspace uses bound to its driver (devdax: device_dax)? */
static bool dev_bound(struct dm_ns *ns)
{
	char dev[64], path[160];

	if (dm_ns_config(ns)->mode != DM_MODE_DEVDAX)
		return dm_ns_is_enabled(ns);
	if (dm_ns_devname(ns, dev, sizeof(dev)))
		return false;
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/driver", dev);
	return exists(path);
}

static void check_added(struct dm_fault_sweep *s, struct dm_fault_point *p,
			const char *check)
{
	char msg[DM_MSG_LEN];
	int rc;

	rc = dm_inv_check_added(s->inv, s->ns, msg, sizeof(msg));
	if (rc > 0)
		sweep_violation(s, p, check, "%s", msg);
	else if (rc < 0)
		sweep_violation(s, p, check, "reading the kernel's state: %s",
				strerror(-rc));
}

static void check_removed(struct dm_fault_sweep *s, struct dm_fault_point *p,
			  const char *check)
{
	char msg[DM_MSG_LEN];
	int rc;

	rc = dm_inv_check_removed(s->inv, s->ns, msg, sizeof(msg));
	if (rc > 0)
		sweep_violation(s, p, check, "%s", msg);
	else if (rc < 0)
		sweep_violation(s, p, check, "reading the kernel's state: %s",
				strerror(-rc));
}

static int disable(struct dm_fault_sweep *s, struct dm_fault_point *p,
		   const char *check)
{
	int rc = dm_ns_disable(s->ns, NULL);

	if (rc) {
		sweep_violation(s, p, check, "unbind %s: %s: %s",
				dm_ns_personality(s->ns), strerror(-rc),
				dm_ns_why(s->ns));
		return rc;
	}
	check_removed(s, p, check);
	return 0;
}

/* A normal bind (fail-nth 0) must succeed and hold the invariants. */
static int rebind(struct dm_fault_sweep *s, struct dm_fault_point *p)
{
	int rc = dm_ns_enable(s->ns, NULL);

	if (rc) {
		sweep_violation(s, p, "rebind",
				"the bind after the injected failure failed: %s",
				strerror(-rc));
		return rc;
	}
	check_added(s, p, "after_rebind");
	return disable(s, p, "after_rebind_unbind");
}

static void check_kmsg(struct dm_fault_sweep *s, struct dm_fault_point *p,
		       struct dm_fault_log *log)
{
	dm_fault_log_read(&s->kmsg, log);
	if (log->bad) {
		sweep_violation(s, p, "kmsg", "kernel logged: %s",
				log->first_bad);
		log->bad = 0;
	}
}

/* Nothing held after a point: Slab and free memory near the start. */
static void check_leak(struct dm_fault_sweep *s, struct dm_fault_point *p)
{
	long long slab, free;

	if (dm_fault_mem(&slab, &free))
		return;
	if (p) {
		p->slab_delta_kb = slab - s->base_slab_kb;
		p->free_delta_kb = free - s->base_free_kb;
	}
	if (slab - s->base_slab_kb > s->leak_tol_kb ||
	    s->base_free_kb - free > s->leak_tol_kb) {
		sweep_violation(s, p, "leak",
				"Slab %+lld kB, free memory %+lld kB since the sweep began (tolerance %lld kB)",
				slab - s->base_slab_kb, free - s->base_free_kb,
				s->leak_tol_kb);
		/* report the next leak, not this one again */
		s->base_slab_kb = slab;
		s->base_free_kb = free;
	}
}

static void add_site(struct dm_fault_sweep *s, const char *site)
{
	int i;

	if (!site[0])
		return;
	for (i = 0; i < s->nr_sites; i++)
		if (!strcmp(s->sites[i], site))
			return;
	if (s->nr_sites == s->alloc_sites) {
		int na = s->alloc_sites ? 2 * s->alloc_sites : 32;
		char **v = realloc(s->sites, na * sizeof(*v));

		if (!v)
			return;
		s->sites = v;
		s->alloc_sites = na;
	}
	s->sites[s->nr_sites] = strdup(site);
	if (s->sites[s->nr_sites])
		s->nr_sites++;
}

/**
 * dm_fault_sweep_begin() - the namespace (enabled) is disabled, a bind
 * with fail-nth armed but out of reach counts its allocations, and the
 * memory baseline is taken with the namespace disabled
 */
int dm_fault_sweep_begin(struct dm_fault_sweep *s)
{
	struct dm_fault_log log;
	unsigned int left = 0;
	int rc, bind_rc;

	s->kmsg.fd = -1;
	s->points = s->failed = s->absorbed = s->swallowed = 0;
	s->violations = 0;
	rc = dm_kmsg_open(&s->kmsg);
	if (rc)
		return rc;
	if (dm_ns_is_enabled(s->ns)) {
		rc = disable(s, NULL, "sweep_begin");
		if (rc)
			return rc;
	}
	/* The census: fail-nth armed, never reached. */
	rc = dm_fault_set_nth(CENSUS_NTH);
	if (rc)
		return rc;
	bind_rc = dm_ns_enable(s->ns, NULL);
	rc = dm_fault_get_nth(&left);
	dm_fault_set_nth(0);
	if (rc)
		return rc;
	if (bind_rc) {
		sweep_violation(s, NULL, "census",
				"bind with fail-nth out of reach: %s",
				strerror(-bind_rc));
		return bind_rc;
	}
	s->census = left && left <= CENSUS_NTH ? CENSUS_NTH - left : 0;
	if (!left)
		sweep_violation(s, NULL, "census",
				"more than %u allocations counted in one bind",
				CENSUS_NTH);
	check_added(s, NULL, "census");
	dm_fault_log_init(&log, s->f->func);
	check_kmsg(s, NULL, &log);
	rc = disable(s, NULL, "census_unbind");
	if (rc)
		return rc;
	return dm_fault_mem(&s->base_slab_kb, &s->base_free_kb);
}

/**
 * dm_fault_sweep_point() - fail the @nth allocation under the function in
 * one bind of the (disabled) namespace and check the outcome
 *
 * Returns 0 (see @p->outcome, @p->violations) with the namespace disabled,
 * or -errno when the sweep cannot go on.
 */
int dm_fault_sweep_point(struct dm_fault_sweep *s, unsigned int nth,
			 struct dm_fault_point *p)
{
	struct dm_fault_log log;
	int rc;

	memset(p, 0, sizeof(*p));
	p->nth = nth;
	dm_fault_log_init(&log, s->f->func);
	check_kmsg(s, NULL, &log);	/* whatever came in between */
	dm_fault_log_init(&log, s->f->func);

	rc = dm_fault_set_nth(nth);
	if (rc)
		return rc;
	p->bind_rc = dm_ns_enable(s->ns, &p->bind_ns);
	rc = dm_fault_get_nth(&p->left);
	dm_fault_set_nth(0);
	if (rc)
		return rc;
	if (p->bind_rc == -EINTR && dm_interrupted())
		return -EINTR;
	check_kmsg(s, p, &log);
	snprintf(p->site, sizeof(p->site), "%s", log.site);

	if (p->left) {
		p->outcome = DM_FAULT_NOT_REACHED;
		if (p->bind_rc) {
			sweep_violation(s, p, "bind",
					"the bind failed (%s) but no fault was injected (fail-nth %u left)",
					strerror(-p->bind_rc), p->left);
			return 0;
		}
		check_added(s, p, "after_bind");
		rc = disable(s, p, "after_bind_unbind");
		goto out;
	}
	s->points++;
	add_site(s, p->site);
	if (p->bind_rc) {
		p->outcome = DM_FAULT_FAILED;
		s->failed++;
		/* the unwind: no device, no iomem, spans, memmap baseline */
		check_removed(s, p, "unwind");
		check_leak(s, p);
		rc = rebind(s, p);
	} else if (dev_bound(s->ns)) {
		/* the kernel recovered (e.g. vmemmap fell back to base pages) */
		p->outcome = DM_FAULT_ABSORBED;
		s->absorbed++;
		check_added(s, p, "after_absorbed");
		rc = disable(s, p, "after_absorbed_unbind");
	} else {
		/*
		 * The probe that failed was not the one the bind ran: devdax's
		 * dax_pmem creates the dax device, whose device_dax probe
		 * (and memremap_pages) runs inside device_add(), which does
		 * not return probe errors.  The device is left without a
		 * driver; it must have no memmap.
		 */
		struct dm_snapshot snap;

		p->outcome = DM_FAULT_SWALLOWED;
		s->swallowed++;
		if (!dm_snapshot_take(&snap) && snap.nr_memmap_pages >= 0 &&
		    snap.nr_memmap_pages != s->inv->base.nr_memmap_pages)
			sweep_violation(s, p, "swallowed_unwind",
					"the bind reported success, its device has no driver, and nr_memmap_pages is %lld (baseline %lld)",
					snap.nr_memmap_pages,
					s->inv->base.nr_memmap_pages);
		rc = disable(s, p, "after_swallowed_unbind");
		rc = rc ?: rebind(s, p);
	}
out:
	if (rc)
		return rc;
	dm_fault_log_init(&log, s->f->func);
	check_kmsg(s, p, &log);
	if (p->outcome != DM_FAULT_FAILED)
		check_leak(s, p);
	return 0;
}

/* The namespace is enabled again, as the sweep found it. */
int dm_fault_sweep_end(struct dm_fault_sweep *s)
{
	struct dm_fault_log log;
	int rc;

	check_leak(s, NULL);
	rc = dm_ns_enable(s->ns, NULL);
	if (rc) {
		sweep_violation(s, NULL, "sweep_end", "bind: %s",
				strerror(-rc));
		return rc;
	}
	check_added(s, NULL, "sweep_end");
	dm_fault_log_init(&log, s->f->func);
	check_kmsg(s, NULL, &log);
	return 0;
}

void dm_fault_sweep_release(struct dm_fault_sweep *s)
{
	int i;

	for (i = 0; i < s->nr_sites; i++)
		free(s->sites[i]);
	free(s->sites);
	s->sites = NULL;
	s->nr_sites = s->alloc_sites = 0;
	dm_kmsg_close(&s->kmsg);
}
