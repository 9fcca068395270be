// SPDX-License-Identifier: GPL-2.0
/*
 * devmem-kcidb: devmem-bench results and kselftest KTAP logs as KCIDB
 * report data (kcidb-io schema v5.3), or as LAVA test cases.
 *
 * One checkout per kernel (release, Debian version, patch series and
 * revision with its patchset hash, and the git tree/commit when given),
 * one build per checkout, configuration hash and architecture, and tests:
 *
 *	<prefix>.<workload>.<configuration>		PASS, FAIL (an invariant
 *							was violated) or SKIP
 *	<prefix>.<workload>.<configuration>.<metric>	DONE, with "number":
 *							the median, its unit
 *	<prefix>.kselftest.<binary>[.<test>]		PASS/FAIL/SKIP/ERROR
 *
 * Every path segment is lower case [a-z0-9_] ("devdax-mem-2M-256M" is
 * "devdax_mem_2m_256m"; a metric "phase.memremap_pages_ns" keeps its dot).
 * Ids are "<origin>:" and a sha256 of what identifies the object, so the
 * same input always gives the same ids (a re-submission updates, never
 * duplicates); a checkout's id depends only on the kernel, a test's on the
 * run (timestamp and environment) and its path.  The schema the output is
 * checked against is results/kcidb/kcidb-v5.3.schema.json.
 *
 * --lava prints the same tests as lava-test-case command lines (a
 * measurement with its unit for every metric) for a LAVA test shell.
 *
 * To use:
 *	devmem-kcidb -o kcidb.json run.json
 *	devmem-kcidb --ktap ktap.txt --commit <sha> --git-url URL run.json
 *	devmem-kcidb --lava --ktap ktap.txt run.json | sh
 *
 * Exit status: 0, 1 on unusable input (the message names the file), 2 on
 * bad usage.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "results.h"

#define EXIT_UNUSABLE	1
#define EXIT_USAGE	2

#define MAX_FRAGMENTS	32
#define MAX_KTAP	16
#define KTAP_LINE	4096
#define EXCERPT_MAX	16000	/* KCIDB's log_excerpt limit is 16384 */

struct opts {
	const char *output;
	const char *origin;
	const char *prefix;
	const char *tree_name;
	const char *git_url;
	const char *commit;
	const char *branch;
	const char *arch;
	const char *url_prefix;
	const char *config_name;
	const char *patchset_hash;
	const char *fragments[MAX_FRAGMENTS];
	int nr_fragments;
	const char *ktap[MAX_KTAP];
	int nr_ktap;
	int lava;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: devmem-kcidb [options] RESULTS.json...\n"
"\n"
"devmem-bench results (and kselftest KTAP logs) as KCIDB v5.3 JSON.\n"
"\n"
"  -o, --output FILE        write here (default: stdout)\n"
"  -k, --ktap FILE          a kselftest KTAP log of the first run (repeatable)\n"
"      --origin NAME        KCIDB origin, [a-z0-9_]+ (default: devmem)\n"
"      --prefix NAME        first test path segment (default: devmem)\n"
"      --tree-name NAME     checkout tree_name (e.g. mainline, debian)\n"
"      --git-url URL        checkout git_repository_url (https://...)\n"
"      --commit SHA1        checkout git_commit_hash (40 hex)\n"
"      --branch NAME        checkout git_repository_branch\n"
"      --patchset-hash HEX  checkout patchset_hash (sha256 over the patches'\n"
"                           sha256 lines) when the results carry none\n"
"      --arch ARCH          build architecture (default: x86_64)\n"
"      --config-name NAME   build config_name (default: debian for Debian\n"
"                           kernels, else devmem-guest)\n"
"      --config-fragment F  a config fragment the build merged (repeatable)\n"
"      --url-prefix URL     where the results and logs are published: adds\n"
"                           output_files / log_url (URL + file name)\n"
"      --lava               print lava-test-case command lines instead\n"
"  -h, --help               this text\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("devmem-kcidb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (--help for usage)\n", stderr);
	exit(EXIT_USAGE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_input(const char *fmt, ...)
{
	va_list ap;

	fputs("devmem-kcidb: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_UNUSABLE);
}

/* "<origin>:<tag>-<first 32 hex of sha256(text)>" into @buf. */
static void make_id(char *buf, size_t len, const char *origin,
		    const char *tag, const char *text)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[65];

	if (!EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL))
		die_input("sha256 failed");
	for (i = 0; i < 16 && i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[2 * i] = '\0';
	snprintf(buf, len, "%s:%s-%s", origin, tag, hex);
}

/* A growing string. */
struct sbuf {
	char *s;
	size_t len, alloc;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->alloc - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			die_input("formatting failed");
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		b->alloc = b->alloc * 2 + n + 64;
		b->s = realloc(b->s, b->alloc);
		if (!b->s)
			die_input("out of memory");
	}
}

/* Object member as a string, or NULL (missing, null, not a string). */
static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *jobj(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

static void add_str(json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

/* Copy member @key of @from into @to (not null: KCIDB has no nulls). */
static void copy_member(json_object *to, const char *tokey,
			json_object *from, const char *key)
{
	json_object *v;

	if (from && json_object_object_get_ex(from, key, &v) && v)
		json_object_object_add(to, tokey, json_object_get(v));
}

/*
 * Append @s to @b as path segments: lower case, [a-z0-9_], '.' kept as a
 * separator when @dots (empty segments dropped).
 */
static void path_add(struct sbuf *b, const char *s, int dots)
{
	int start = 1;

	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '.' && dots) {
			start = 1;
			continue;
		}
		if (start) {
			sb_add(b, ".");
			start = 0;
		}
		if (isalnum(c))
			sb_add(b, "%c", tolower(c));
		else
			sb_add(b, "_");
	}
}

/* Debian's package version from a uname -v: "... Debian 6.12.22-1 (...)". */
static char *debian_version(const char *version)
{
	const char *p = version ? strstr(version, "Debian ") : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += strlen("Debian ");
	n = strcspn(p, " ");
	return n ? strndup(p, n) : NULL;
}

/* KCIDB number for a median in @unit: SI base units where there are any. */
static json_object *kcidb_number(double median, enum dm_unit unit)
{
	json_object *n = json_object_new_object();
	const char *u = NULL, *prefix = NULL;
	double v = median;

	switch (unit) {
	case DM_UNIT_NS:
		v = median / 1e9; u = "s"; prefix = "metric"; break;
	case DM_UNIT_NS_PER_PAGE:
		v = median / 1e9; u = "s/page"; prefix = "metric"; break;
	case DM_UNIT_INSN:
		u = "insn"; prefix = "metric"; break;
	case DM_UNIT_INSN_PER_PAGE:
		u = "insn/page"; prefix = "metric"; break;
	case DM_UNIT_PAGES:
		u = "pages"; break;
	case DM_UNIT_BYTES:
		u = "B"; prefix = "binary"; break;
	case DM_UNIT_BYTES_PER_SEC:
		u = "B/s"; prefix = "binary"; break;
	case DM_UNIT_RATIO:
	case DM_UNIT_COUNT:
	default:
		break;
	}
	json_object_object_add(n, "value", dm_json_new_number(v));
	add_str(n, "unit", u);
	add_str(n, "prefix", prefix);
	return n;
}

/* The output document, and the ids already in it. */
struct doc {
	const struct opts *o;
	json_object *checkouts, *builds, *tests;
	struct sbuf lava;
};

static int array_has_id(json_object *arr, const char *id)
{
	size_t i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++) {
		const char *x = jstr(json_object_array_get_idx(arr, i), "id");

		if (x && !strcmp(x, id))
			return 1;
	}
	return 0;
}

/* One run's context: its build id and run key. */
struct run {
	const char *file;
	char build_id[160];
	char *key;		/* what makes this run this run */
	json_object *test_env;	/* KCIDB test.environment (shared) */
	const char *timestamp;
	int seq;		/* tests emitted so far (for unique ids) */
};

static void lava_case(struct doc *d, const char *path, const char *status,
		      const struct dm_metric *m)
{
	const char *res = "pass";

	if (!strcmp(status, "FAIL"))
		res = "fail";
	else if (!strcmp(status, "SKIP"))
		res = "skip";
	else if (!strcmp(status, "ERROR"))
		res = "unknown";
	sb_add(&d->lava, "lava-test-case %s --result %s", path, res);
	if (m)
		sb_add(&d->lava, " --measurement %.15g --units %s",
		       m->summary.median, dm_unit_name(m->unit));
	sb_add(&d->lava, "\n");
}

static json_object *new_test(struct doc *d, struct run *r, const char *path,
			     const char *status)
{
	json_object *t = json_object_new_object();
	struct sbuf key = { 0 };
	char id[160];

	sb_add(&key, "%s\n%s\n%s\n%d", r->build_id, r->key, path, r->seq++);
	make_id(id, sizeof(id), d->o->origin, "test", key.s);
	free(key.s);
	add_str(t, "id", id);
	add_str(t, "origin", d->o->origin);
	add_str(t, "build_id", r->build_id);
	add_str(t, "path", path);
	add_str(t, "status", status);
	if (r->timestamp)
		add_str(t, "start_time", r->timestamp);
	json_object_object_add(t, "environment", json_object_get(r->test_env));
	json_object_array_add(d->tests, t);
	return t;
}

static void add_file_url(struct doc *d, json_object *t, const char *field,
			 const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	struct sbuf url = { 0 };

	if (!d->o->url_prefix)
		return;
	sb_add(&url, "%s%s%s", d->o->url_prefix,
	       d->o->url_prefix[strlen(d->o->url_prefix) - 1] == '/' ? "" : "/",
	       base);
	if (!strcmp(field, "log_url")) {
		add_str(t, "log_url", url.s);
	} else {
		json_object *files = json_object_new_array();
		json_object *f = json_object_new_object();

		add_str(f, "name", base);
		add_str(f, "url", url.s);
		json_object_array_add(files, f);
		json_object_object_add(t, field, files);
	}
	free(url.s);
}

/* Checkout and build of a run's kernel; fills r->build_id. */
static void add_checkout_build(struct doc *d, const struct dm_results *res,
			       struct run *r)
{
	const struct opts *o = d->o;
	json_object *env = res->environment, *k = jobj(env, "kernel");
	const char *release = jstr(k, "release"), *series = jstr(k, "series");
	const char *revision = jstr(k, "revision");
	const char *phash = jstr(k, "patchset_hash");
	const char *chash = jstr(k, "config_hash");
	char *deb = debian_version(jstr(k, "version"));
	char co_id[160];
	struct sbuf key = { 0 }, comment = { 0 };
	json_object *co, *b, *misc;
	int i;

	if (!release)
		die_input("%s: environment.kernel.release is missing", r->file);
	if (phash && !strncmp(phash, "sha256:", 7))
		phash += 7;
	if (!phash)
		phash = o->patchset_hash;
	sb_add(&key, "release=%s\ndebian=%s\nseries=%s\nrevision=%s\n"
	       "patchset=%s\ngit=%s\ncommit=%s\n", release, deb ? deb : "",
	       series ? series : "", revision ? revision : "",
	       phash ? phash : "", o->git_url ? o->git_url : "",
	       o->commit ? o->commit : "");
	make_id(co_id, sizeof(co_id), o->origin, "checkout", key.s);

	if (!array_has_id(d->checkouts, co_id)) {
		co = json_object_new_object();
		add_str(co, "id", co_id);
		add_str(co, "origin", o->origin);
		add_str(co, "tree_name", o->tree_name ? o->tree_name :
			deb ? "debian" : NULL);
		add_str(co, "git_repository_url", o->git_url);
		add_str(co, "git_commit_hash", o->commit);
		add_str(co, "git_repository_branch", o->branch);
		add_str(co, "git_commit_name", release);
		if (phash)
			add_str(co, "patchset_hash", phash);
		else if (!series)
			add_str(co, "patchset_hash", "");
		if (deb)
			sb_add(&comment, "Debian linux-image %s (%s)", deb,
			       release);
		else if (series)
			sb_add(&comment, "%s, series %s %s", release, series,
			       revision ? revision : "");
		else
			sb_add(&comment, "%s", release);
		add_str(co, "comment", comment.s);
		json_object_object_add(co, "valid",
				       json_object_new_boolean(1));
		misc = json_object_new_object();
		copy_member(misc, "kernel_name", k, "name");
		copy_member(misc, "release", k, "release");
		copy_member(misc, "uname_version", k, "version");
		copy_member(misc, "series", k, "series");
		copy_member(misc, "revision", k, "revision");
		add_str(misc, "debian_version", deb);
		json_object_object_add(co, "misc", misc);
		json_object_array_add(d->checkouts, co);
	}

	free(key.s);
	key = (struct sbuf){ 0 };
	sb_add(&key, "%s\nconfig=%s\narch=%s\n", co_id, chash ? chash : "",
	       o->arch);
	make_id(r->build_id, sizeof(r->build_id), o->origin, "build", key.s);
	if (!array_has_id(d->builds, r->build_id)) {
		b = json_object_new_object();
		add_str(b, "id", r->build_id);
		add_str(b, "origin", o->origin);
		add_str(b, "checkout_id", co_id);
		add_str(b, "architecture", o->arch);
		add_str(b, "config_name", o->config_name ? o->config_name :
			deb ? "debian" : "devmem-guest");
		/* It booted and ran: the build is good. */
		add_str(b, "status", "PASS");
		misc = json_object_new_object();
		add_str(misc, "config_hash", chash);
		if (o->nr_fragments) {
			json_object *fr = json_object_new_array();

			for (i = 0; i < o->nr_fragments; i++)
				json_object_array_add(fr,
					json_object_new_string(o->fragments[i]));
			json_object_object_add(misc, "config_fragments", fr);
		}
		json_object_object_add(b, "misc", misc);
		json_object_array_add(d->builds, b);
	}
	free(key.s);
	free(comment.s);
	free(deb);
}

/* KCIDB test.environment of a run: accel, icount shift, QEMU, machine. */
static json_object *test_environment(const struct dm_results *res)
{
	json_object *env = res->environment, *e = json_object_new_object();
	json_object *misc = json_object_new_object(), *q = jobj(env, "qemu");
	json_object *cpu = jobj(env, "cpu");
	const char *accel = jstr(env, "accel"), *qv = jstr(q, "version");
	struct sbuf c = { 0 };
	json_object *shift;

	sb_add(&c, "%s%s%s", qv ? "QEMU " : "bare metal", qv ? qv : "",
	       accel ? " " : "");
	if (accel)
		sb_add(&c, "%s", accel);
	if (json_object_object_get_ex(env, "icount_shift", &shift) && shift)
		sb_add(&c, " shift=%d", json_object_get_int(shift));
	add_str(e, "comment", c.s);
	free(c.s);
	copy_member(misc, "accel", env, "accel");
	copy_member(misc, "icount_shift", env, "icount_shift");
	add_str(misc, "qemu_version", qv);
	copy_member(misc, "cpu_model", cpu, "model");
	copy_member(misc, "cpu_count", cpu, "count");
	copy_member(misc, "memory_bytes", env, "memory_bytes");
	copy_member(misc, "tracing", env, "tracing");
	copy_member(misc, "ndctl_version", env, "ndctl_version");
	if (res->suite_version)
		add_str(misc, "suite_version", res->suite_version);
	json_object_object_add(e, "misc", misc);
	return e;
}

static void add_results(struct doc *d, const struct dm_results *res,
			struct run *r)
{
	size_t i, j;

	for (i = 0; i < res->nr_results; i++) {
		const struct dm_result *x = res->results[i];
		const char *wl = x->workload ? x->workload : DM_DEFAULT_WORKLOAD;
		const char *id = x->id;
		size_t wlen = strlen(wl);
		struct sbuf p = { 0 };
		const char *status;
		json_object *t, *misc;

		/* "soak.devdax-mem-2M-256M": the workload is not repeated. */
		if (!strncmp(id, wl, wlen) && id[wlen] == '.')
			id += wlen + 1;
		sb_add(&p, "%s", d->o->prefix);
		path_add(&p, wl, 0);
		path_add(&p, id, 0);
		status = x->skipped ? "SKIP" : x->nr_violations ? "FAIL" :
			 "PASS";
		if (d->o->lava) {
			lava_case(d, p.s, status, NULL);
		} else {
			t = new_test(d, r, p.s, status);
			misc = json_object_new_object();
			add_str(misc, "config_id", x->id);
			json_object_object_add(misc, "config",
					       json_object_get(x->config));
			add_str(misc, "skipped", x->skipped);
			json_object_object_add(misc, "violations",
				json_object_new_int64(x->nr_violations));
			json_object_object_add(t, "misc", misc);
			if (x->nr_violations) {
				struct sbuf ex = { 0 };

				for (j = 0; j < x->nr_violations &&
					    ex.len < EXCERPT_MAX - 600; j++)
					sb_add(&ex, "cycle %lld: %.40s: %.500s\n",
					       (long long)x->violations[j].cycle,
					       x->violations[j].check,
					       x->violations[j].detail);
				add_str(t, "log_excerpt", ex.s);
				free(ex.s);
			}
			add_file_url(d, t, "output_files", r->file);
		}
		for (j = 0; j < x->nr_metrics; j++) {
			const struct dm_metric *m = &x->metrics[j];
			size_t plen = p.len;

			/* No samples (a configuration that did not run): */
			int none = !m->summary.n || !isfinite(m->summary.median);

			path_add(&p, m->name, 1);
			if (d->o->lava) {
				lava_case(d, p.s, none ? "SKIP" : "DONE",
					  none ? NULL : m);
			} else {
				t = new_test(d, r, p.s, none ? "SKIP" : "DONE");
				if (!none)
					json_object_object_add(t, "number",
						kcidb_number(m->summary.median,
							     m->unit));
				misc = json_object_new_object();
				add_str(misc, "stat", "median");
				add_str(misc, "unit", dm_unit_name(m->unit));
				add_str(misc, "better",
					dm_better_name(m->better));
				json_object_object_add(misc, "samples",
					json_object_new_int64(m->summary.n));
				json_object_object_add(misc, "min",
					dm_json_new_number(m->summary.min));
				json_object_object_add(misc, "max",
					dm_json_new_number(m->summary.max));
				json_object_object_add(misc, "p90",
					dm_json_new_number(m->summary.p90));
				if (isfinite(m->summary.cv))
					json_object_object_add(misc, "cv",
						dm_json_new_number(m->summary.cv));
				json_object_object_add(t, "misc", misc);
			}
			p.len = plen;
			p.s[plen] = '\0';
		}
		free(p.s);
	}
}

/* The KTAP status of one result line. */
static const char *ktap_status(int ok, const char *directive)
{
	char low[64];
	size_t i;

	for (i = 0; directive && directive[i] && i < sizeof(low) - 1; i++)
		low[i] = tolower((unsigned char)directive[i]);
	low[i] = '\0';
	if (!strncmp(low, "skip", 4))
		return "SKIP";
	if (!ok && !strncmp(low, "timeout", 7))
		return "ERROR";
	if (ok && (!strncmp(low, "xpass", 5) || !strncmp(low, "todo", 4)))
		return "FAIL";
	return ok ? "PASS" : "FAIL";
}

/*
 * A kselftest KTAP log (run_kselftest.sh output): each leading "# " is a
 * level; "selftests: <dir>: <binary>" names the binary whose nested
 * results follow, up to the next such line (so a log where the runner's
 * own "ok N selftests: ..." line landed before its binary's results still
 * names them right); "[not ]ok N desc [# directive]" is a result.
 */
static void add_ktap(struct doc *d, struct run *r, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[KTAP_LINE], binary[KTAP_LINE] = "";
	int nresults = 0, lineno = 0;

	if (!f)
		die_input("%s: cannot open the KTAP log: %s", file,
			  strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *desc, *dir;
		int depth = 0, ok;
		struct sbuf p = { 0 };
		const char *status;

		lineno++;
		s[strcspn(s, "\r\n")] = '\0';
		if (strlen(s) >= sizeof(line) - 1)
			die_input("%s:%d: line too long", file, lineno);
		while (!strncmp(s, "# ", 2) || !strcmp(s, "#")) {
			s += s[1] ? 2 : 1;
			depth++;
		}
		if (!strncmp(s, "selftests: ", 11)) {
			char *b = strrchr(s, ':');

			snprintf(binary, sizeof(binary), "%s",
				 b ? b + 1 + strspn(b + 1, " ") : s);
			continue;
		}
		if (!strncmp(s, "ok ", 3))
			ok = 1, s += 3;
		else if (!strncmp(s, "not ok ", 7))
			ok = 0, s += 7;
		else
			continue;
		s += strspn(s, "0123456789");
		desc = s + strspn(s, " -");
		dir = strstr(desc, " #");
		if (dir) {
			*dir = '\0';
			dir += 2;
			dir += strspn(dir, " ");
		}
		status = ktap_status(ok, dir);
		sb_add(&p, "%s.kselftest", d->o->prefix);
		if (depth == 0) {
			/* "selftests: devmem: devmem_cycle_test" */
			char *b = strrchr(desc, ':');

			path_add(&p, b ? b + 1 + strspn(b + 1, " ") : desc, 0);
		} else {
			if (binary[0])
				path_add(&p, binary, 0);
			path_add(&p, desc, 1);
		}
		nresults++;
		if (d->o->lava) {
			lava_case(d, p.s, status, NULL);
		} else {
			json_object *t = new_test(d, r, p.s, status);
			json_object *misc = json_object_new_object();

			add_str(misc, "ktap_line", line);
			add_str(misc, "directive", dir);
			json_object_object_add(t, "misc", misc);
			add_file_url(d, t, "log_url", file);
		}
		free(p.s);
	}
	if (ferror(f))
		die_input("%s: read error", file);
	fclose(f);
	if (!nresults)
		die_input("%s: no KTAP results (no \"ok\"/\"not ok\" line): not a kselftest log",
			  file);
}

/* KCIDB's origin and architecture pattern, also our path segments. */
static int is_name(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

	return *s && strspn(s, ok) == strlen(s);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_ORIGIN = 256, O_PREFIX, O_TREE, O_GIT, O_COMMIT, O_BRANCH,
	       O_ARCH, O_URL, O_CFGNAME, O_FRAG, O_LAVA, O_PHASH };
	static const struct option longopts[] = {
		{ "output",		required_argument, NULL, 'o' },
		{ "ktap",		required_argument, NULL, 'k' },
		{ "origin",		required_argument, NULL, O_ORIGIN },
		{ "prefix",		required_argument, NULL, O_PREFIX },
		{ "tree-name",		required_argument, NULL, O_TREE },
		{ "git-url",		required_argument, NULL, O_GIT },
		{ "commit",		required_argument, NULL, O_COMMIT },
		{ "branch",		required_argument, NULL, O_BRANCH },
		{ "arch",		required_argument, NULL, O_ARCH },
		{ "url-prefix",		required_argument, NULL, O_URL },
		{ "config-name",	required_argument, NULL, O_CFGNAME },
		{ "config-fragment",	required_argument, NULL, O_FRAG },
		{ "lava",		no_argument,	   NULL, O_LAVA },
		{ "patchset-hash",	required_argument, NULL, O_PHASH },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *p;
	int c;

	o->origin = "devmem";
	o->prefix = "devmem";
	o->arch = "x86_64";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'k':
			if (o->nr_ktap == MAX_KTAP)
				die_usage("at most %d --ktap", MAX_KTAP);
			o->ktap[o->nr_ktap++] = optarg;
			break;
		case O_ORIGIN:
			o->origin = optarg;
			break;
		case O_PREFIX:
			o->prefix = optarg;
			break;
		case O_TREE:
			o->tree_name = optarg;
			break;
		case O_GIT:
			o->git_url = optarg;
			break;
		case O_COMMIT:
			o->commit = optarg;
			break;
		case O_BRANCH:
			o->branch = optarg;
			break;
		case O_ARCH:
			o->arch = optarg;
			break;
		case O_URL:
			o->url_prefix = optarg;
			break;
		case O_CFGNAME:
			o->config_name = optarg;
			break;
		case O_FRAG:
			if (o->nr_fragments == MAX_FRAGMENTS)
				die_usage("at most %d --config-fragment",
					  MAX_FRAGMENTS);
			o->fragments[o->nr_fragments++] = optarg;
			break;
		case O_LAVA:
			o->lava = 1;
			break;
		case O_PHASH:
			o->patchset_hash = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
		default:
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die_usage("no results file given");
	if (!is_name(o->origin))
		die_usage("--origin '%s' is not [a-z0-9_]+", o->origin);
	if (!is_name(o->prefix))
		die_usage("--prefix '%s' is not [a-z0-9_]+", o->prefix);
	if (!is_name(o->arch))
		die_usage("--arch '%s' is not [a-z0-9_]+", o->arch);
	if (o->commit && (strlen(o->commit) != 40 ||
			  strspn(o->commit, "0123456789abcdef") != 40))
		die_usage("--commit '%s' is not a full sha1 (40 lower-case hex)",
			  o->commit);
	if (o->patchset_hash && (strlen(o->patchset_hash) != 64 ||
				 strspn(o->patchset_hash,
					"0123456789abcdef") != 64))
		die_usage("--patchset-hash '%s' is not a sha256 (64 lower-case hex)",
			  o->patchset_hash);
	if (o->git_url && strncmp(o->git_url, "https://", 8))
		die_usage("--git-url '%s' is not an https:// URL", o->git_url);
	p = o->url_prefix;
	if (p && !*p)
		die_usage("--url-prefix is empty");
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct doc d = { .o = &o };
	json_object *root, *ver;
	char err[DM_ERR_LEN];
	const char *text;
	FILE *out = stdout;
	int i, k, rc;

	parse_args(argc, argv, &o);
	d.checkouts = json_object_new_array();
	d.builds = json_object_new_array();
	d.tests = json_object_new_array();

	for (i = optind; i < argc; i++) {
		struct dm_results *res = NULL;
		struct run r = { .file = argv[i] };
		struct sbuf key = { 0 };

		rc = dm_results_load(argv[i], &res, err, sizeof(err));
		if (rc)
			die_input("%s: not a usable devmem-bench results file: %s",
				  argv[i], err);
		r.timestamp = res->timestamp;
		sb_add(&key, "%s\n%s\n%s\n%s\n", res->timestamp ? res->timestamp : "",
		       res->tool ? res->tool : "",
		       res->suite_version ? res->suite_version : "",
		       json_object_to_json_string_ext(res->environment,
						      JSON_C_TO_STRING_PLAIN));
		r.key = key.s;
		add_checkout_build(&d, res, &r);
		r.test_env = test_environment(res);
		/* The KTAP logs belong to the first run. */
		if (i == optind)
			for (k = 0; k < o.nr_ktap; k++)
				add_ktap(&d, &r, o.ktap[k]);
		add_results(&d, res, &r);
		json_object_put(r.test_env);
		free(r.key);
		dm_results_free(res);
	}

	if (o.output) {
		out = fopen(o.output, "w");
		if (!out)
			die_input("%s: cannot write: %s", o.output,
				  strerror(errno));
	}
	if (o.lava) {
		fputs(d.lava.s ? d.lava.s : "", out);
	} else {
		root = json_object_new_object();
		ver = json_object_new_object();
		json_object_object_add(ver, "major", json_object_new_int(5));
		json_object_object_add(ver, "minor", json_object_new_int(3));
		json_object_object_add(root, "version", ver);
		json_object_object_add(root, "checkouts", d.checkouts);
		json_object_object_add(root, "builds", d.builds);
		json_object_object_add(root, "tests", d.tests);
		text = json_object_to_json_string_ext(root,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				JSON_C_TO_STRING_NOSLASHESCAPE);
		fprintf(out, "%s\n", text);
		json_object_put(root);
	}
	if (fflush(out) || (out != stdout && fclose(out)))
		die_input("%s: write error", o.output ? o.output : "stdout");
	free(d.lava.s);
	return 0;
}
