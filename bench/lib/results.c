// SPDX-License-Identifier: GPL-2.0
/*
 * The devmem-bench results file, "devmem-bench/2" (and /1, read only).
 *
 * One validator (the from_json path) serves the reader and the writer: a
 * document is validated before it is written, so devmem-bench can never
 * write a file that devmem-compare refuses.  The reader assumes nothing
 * about its input: every field is type-checked, every number must be
 * finite, sizes are bounded, and an error names the file and JSON path.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"

/* Largest integer a double holds exactly; integer fields stay below it. */
#define DM_INT_MAX	9007199254740992.0	/* 2^53 */
#define DM_MAX_SOURCES	100000
#define DM_MAX_QEMU_ARGS	4096

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	bool integer;
	bool nonneg;
} units[DM_UNIT_NR] = {
	[DM_UNIT_NS]		= { "ns",	true,	true },
	[DM_UNIT_NS_PER_PAGE]	= { "ns/page",	false,	true },
	[DM_UNIT_PAGES]		= { "pages",	true,	false },
	[DM_UNIT_BYTES]		= { "bytes",	true,	false },
	[DM_UNIT_BYTES_PER_SEC]	= { "bytes/s",	false,	true },
	[DM_UNIT_RATIO]		= { "ratio",	false,	true },
	[DM_UNIT_COUNT]		= { "count",	true,	true },
	[DM_UNIT_INSN]		= { "insn",	true,	true },
	[DM_UNIT_INSN_PER_PAGE]	= { "insn/page", false,	true },
};

static const char *const better_names[DM_BETTER_NR] = {
	[DM_BETTER_LOWER]	= "lower",
	[DM_BETTER_HIGHER]	= "higher",
	[DM_BETTER_NONE]	= "none",
};

static const char *const accel_names[] = {
	"kvm", "tcg", DM_ACCEL_ICOUNT, "bare-metal",
};

bool dm_accel_counts_insn(const char *accel)
{
	return accel && strcmp(accel, DM_ACCEL_ICOUNT) == 0;
}

enum dm_unit dm_unit_for_accel(enum dm_unit unit, const char *accel)
{
	if (!dm_accel_counts_insn(accel))
		return unit;
	if (unit == DM_UNIT_NS)
		return DM_UNIT_INSN;
	if (unit == DM_UNIT_NS_PER_PAGE)
		return DM_UNIT_INSN_PER_PAGE;
	return unit;
}

bool dm_unit_is_duration(enum dm_unit unit)
{
	return unit == DM_UNIT_NS || unit == DM_UNIT_NS_PER_PAGE ||
	       unit == DM_UNIT_INSN || unit == DM_UNIT_INSN_PER_PAGE;
}

const char *dm_unit_name(enum dm_unit unit)
{
	return (unsigned int)unit < DM_UNIT_NR ? units[unit].name : "?";
}

int dm_unit_parse(const char *name, enum dm_unit *unit)
{
	int i;

	for (i = 0; i < DM_UNIT_NR; i++) {
		if (strcmp(name, units[i].name) == 0) {
			*unit = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool dm_unit_is_integer(enum dm_unit unit)
{
	return (unsigned int)unit < DM_UNIT_NR && units[unit].integer;
}

struct dm_scale dm_unit_scale(enum dm_unit unit, double ref)
{
	static const char *const ns[] = { "ns", "us", "ms", "s" };
	static const char *const nspp[] = { "ns/page", "us/page", "ms/page",
					    "s/page" };
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static const char *const bps[] = { "B/s", "KiB/s", "MiB/s", "GiB/s",
					   "TiB/s" };
	static const char *const insn[] = { "insn", "kinsn", "Minsn",
					    "Ginsn" };
	static const char *const insnpp[] = { "insn/page", "kinsn/page",
					      "Minsn/page", "Ginsn/page" };
	struct dm_scale sc = { 1.0, "" };
	double a = isfinite(ref) ? fabs(ref) : 0.0;
	int i = 0;

	switch (unit) {
	case DM_UNIT_NS:
	case DM_UNIT_NS_PER_PAGE:
		while (i < 3 && a >= 1000.0 * sc.div) {
			sc.div *= 1000.0;
			i++;
		}
		sc.suffix = unit == DM_UNIT_NS ? ns[i] : nspp[i];
		break;
	case DM_UNIT_INSN:
	case DM_UNIT_INSN_PER_PAGE:
		while (i < 3 && a >= 1000.0 * sc.div) {
			sc.div *= 1000.0;
			i++;
		}
		sc.suffix = unit == DM_UNIT_INSN ? insn[i] : insnpp[i];
		break;
	case DM_UNIT_BYTES:
	case DM_UNIT_BYTES_PER_SEC:
		while (i < 4 && a >= 1024.0 * sc.div) {
			sc.div *= 1024.0;
			i++;
		}
		sc.suffix = unit == DM_UNIT_BYTES ? bytes[i] : bps[i];
		break;
	case DM_UNIT_PAGES:
		sc.suffix = "pages";
		break;
	default:
		break;
	}
	return sc;
}

const char *dm_better_name(enum dm_better better)
{
	return (unsigned int)better < DM_BETTER_NR ? better_names[better] : "?";
}

int dm_better_parse(const char *name, enum dm_better *better)
{
	int i;

	for (i = 0; i < DM_BETTER_NR; i++) {
		if (strcmp(name, better_names[i]) == 0) {
			*better = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* printf into @err (if any); returns @rc so callers can return it. */
static int __attribute__((format(printf, 4, 5)))
seterr(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/*
 * Copy at most @max characters of untrusted @s into @buf, replacing
 * anything that is not printable ASCII, for use in messages.
 */
static const char *sanitize(const char *s, size_t max, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; s[i] && o + 4 < len; i++) {
		if (i == max) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	}
	buf[o] = '\0';
	return buf;
}

/* Ids and metric names: [A-Za-z0-9_.-/]+, starting with a letter/digit. */
static bool valid_name(const char *s)
{
	size_t i;

	if (!s || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; s[i]; i++) {
		unsigned char c = s[i];

		if (i >= DM_MAX_NAME)
			return false;
		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

/* Why @v cannot be a sample of @unit, or NULL if it can. */
static const char *bad_sample(enum dm_unit unit, double v)
{
	if (!isfinite(v))
		return "not a finite number";
	if (units[unit].integer && (v != floor(v) || fabs(v) > DM_INT_MAX))
		return "not an integer in range (unit is integral)";
	if (units[unit].nonneg && v < 0.0)
		return "negative (unit cannot be)";
	return NULL;
}

/* "4K", "2M", "1G", "1536M": the largest binary unit dividing @v. */
static void size_suffix(uint64_t v, char *buf, size_t len)
{
	static const char sfx[] = "KMGTPE";
	int i = -1;

	while (v && (v & 1023) == 0 && i < 5) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)v, sfx[i]);
}

/* The id of a configuration whose workload is "ns-cycle". */
static int ns_id(const struct dm_config *cfg, char *buf, size_t len)
{
	char align[32], size[32];
	int n;

	if (!cfg->mode || !cfg->map || !cfg->driver)
		return -EINVAL;
	size_suffix(cfg->align_bytes, align, sizeof(align));
	size_suffix(cfg->size_bytes, size, sizeof(size));
	if (strcmp(cfg->driver, "sysfs") == 0)
		n = snprintf(buf, len, "%s-%s-%s-%s", cfg->mode, cfg->map,
			     align, size);
	else
		n = snprintf(buf, len, "%s-%s-%s-%s-%s", cfg->mode, cfg->map,
			     align, size, cfg->driver);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return valid_name(buf) ? 0 : -EINVAL;
}

static bool is_ns_cycle(const char *workload)
{
	return !workload || strcmp(workload, DM_DEFAULT_WORKLOAD) == 0;
}

int dm_config_make_id(const struct dm_config *cfg, char *buf, size_t len)
{
	char ns[DM_MAX_NAME + 1];
	int n, rc;

	if (is_ns_cycle(cfg->workload))
		return ns_id(cfg, buf, len);
	if (!valid_name(cfg->workload))
		return -EINVAL;
	if (cfg->variant) {
		n = snprintf(buf, len, "%s.%s", cfg->workload, cfg->variant);
	} else if (cfg->mode) {
		rc = ns_id(cfg, ns, sizeof(ns));
		if (rc)
			return rc;
		n = snprintf(buf, len, "%s.%s", cfg->workload, ns);
	} else {
		n = snprintf(buf, len, "%s", cfg->workload);
	}
	if (n < 0 || (size_t)n >= len || n > DM_MAX_NAME)
		return -ENAMETOOLONG;
	return valid_name(buf) ? 0 : -EINVAL;
}

static int format_timestamp(time_t when, char **out)
{
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&when, &tm))
		return -EINVAL;
	if (!strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -EINVAL;
	free(*out);
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

int dm_results_new(struct dm_results **out)
{
	struct dm_results *res;

	*out = NULL;
	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	res->rounds = 1;
	res->tool = strdup("devmem-bench");
	res->suite_version = strdup("unknown");
	res->parameters = json_object_new_object();
	if (!res->tool || !res->suite_version || !res->parameters ||
	    format_timestamp(time(NULL), &res->timestamp)) {
		dm_results_free(res);
		return -ENOMEM;
	}
	*out = res;
	return 0;
}

static void metric_release(struct dm_metric *m)
{
	free(m->name);
	free(m->samples);
}

static void result_free(struct dm_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_metrics; i++)
		metric_release(&r->metrics[i]);
	for (i = 0; i < r->nr_violations; i++) {
		free(r->violations[i].check);
		free(r->violations[i].detail);
	}
	free(r->metrics);
	free(r->violations);
	json_object_put(r->config);
	free(r->skipped);
	free(r->workload);
	free(r->id);
	free(r);
}

void dm_results_free(struct dm_results *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->nr_results; i++)
		result_free(res->results[i]);
	free(res->results);
	json_object_put(res->environment);
	json_object_put(res->parameters);
	json_object_put(res->sources);
	free(res->timestamp);
	free(res->suite_version);
	free(res->tool);
	free(res->name);
	free(res);
}

/* Replace *@dst by a copy of @src. */
static int set_string(char **dst, const char *src)
{
	char *s;

	if (!src)
		return -EINVAL;
	s = strdup(src);
	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

int dm_results_set_tool(struct dm_results *res, const char *tool,
			const char *suite_version)
{
	int rc;

	rc = set_string(&res->tool, tool);
	if (rc)
		return rc;
	return set_string(&res->suite_version, suite_version);
}

int dm_results_set_timestamp(struct dm_results *res, time_t when)
{
	return format_timestamp(when, &res->timestamp);
}

/* Add @key: @s (or null) to @obj; returns 0 or -ENOMEM. */
static int add_string(json_object *obj, const char *key, const char *s)
{
	json_object *v = NULL;

	if (s) {
		v = json_object_new_string(s);
		if (!v)
			return -ENOMEM;
	}
	if (json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int add_int(json_object *obj, const char *key, int64_t i)
{
	json_object *v = json_object_new_int64(i);

	if (!v || json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Add a JSON object/array @v under @key, consuming @v. */
static int add_owned(json_object *obj, const char *key, json_object *v)
{
	if (!v || json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Append string @s to array @arr; returns 0 or -ENOMEM. */
static int add_array_string(json_object *arr, const char *s)
{
	json_object *v = json_object_new_string(s);

	if (!v || json_object_array_add(arr, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static bool accel_known(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(accel_names); i++)
		if (strcmp(s, accel_names[i]) == 0)
			return true;
	return false;
}

int dm_results_set_env(struct dm_results *res, const struct dm_env *env)
{
	json_object *root, *kernel, *cpu, *qemu, *args;
	size_t i;

	if (!env->kernel_release || !env->kernel_version || !env->cmdline ||
	    !env->kernel_name || !env->accel || !accel_known(env->accel) ||
	    !env->cpu_model || !env->cpu_count || !env->memory_bytes ||
	    !env->tracing)
		return -EINVAL;
	if (dm_accel_counts_insn(env->accel) &&
	    env->icount_shift != DM_ICOUNT_SHIFT)
		return -EINVAL;

	/* Each part goes into its parent first, then gets filled. */
	root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	kernel = json_object_new_object();
	if (add_owned(root, "kernel", kernel) ||
	    add_string(kernel, "release", env->kernel_release) ||
	    add_string(kernel, "version", env->kernel_version) ||
	    add_string(kernel, "config_hash", env->config_hash) ||
	    add_string(kernel, "cmdline", env->cmdline) ||
	    add_string(kernel, "name", env->kernel_name) ||
	    add_string(kernel, "series", env->series) ||
	    add_string(kernel, "revision", env->revision) ||
	    add_string(kernel, "patchset_hash", env->patchset_hash) ||
	    add_string(root, "accel", env->accel))
		goto out_put_root;
	if (dm_accel_counts_insn(env->accel) &&
	    add_int(root, "icount_shift", env->icount_shift))
		goto out_put_root;
	cpu = json_object_new_object();
	if (add_owned(root, "cpu", cpu) ||
	    add_string(cpu, "model", env->cpu_model) ||
	    add_int(cpu, "count", env->cpu_count) ||
	    add_int(root, "memory_bytes", (int64_t)env->memory_bytes))
		goto out_put_root;
	if (env->qemu_version) {
		qemu = json_object_new_object();
		if (add_owned(root, "qemu", qemu) ||
		    add_string(qemu, "version", env->qemu_version))
			goto out_put_root;
		args = json_object_new_array();
		if (add_owned(qemu, "args", args))
			goto out_put_root;
		for (i = 0; i < env->nr_qemu_args; i++)
			if (!env->qemu_args[i] ||
			    add_array_string(args, env->qemu_args[i]))
				goto out_put_root;
	} else if (add_string(root, "qemu", NULL)) {
		goto out_put_root;
	}
	if (add_string(root, "ndctl_version", env->ndctl_version) ||
	    add_string(root, "tracing", env->tracing))
		goto out_put_root;

	json_object_put(res->environment);
	res->environment = root;
	return 0;

out_put_root:
	json_object_put(root);
	return -ENOMEM;
}

int dm_results_set_param_int(struct dm_results *res, const char *key,
			     int64_t value)
{
	return add_int(res->parameters, key, value);
}

int dm_results_set_param_string(struct dm_results *res, const char *key,
				const char *value)
{
	return add_string(res->parameters, key, value);
}

json_object *dm_results_get_env(struct dm_results *res)
{
	if (!res->environment)
		res->environment = json_object_new_object();
	return res->environment;
}

json_object *dm_results_get_params(struct dm_results *res)
{
	return res->parameters;
}

/* Grow an array of @size-byte elements to hold one more. */
static int grow(void **arr, size_t *alloc, size_t nr, size_t size)
{
	size_t want;
	void *p;

	if (nr < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 8;
	p = realloc(*arr, want * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*alloc = want;
	return 0;
}

static int results_append(struct dm_results *res, struct dm_result *r)
{
	int rc;

	rc = grow((void **)&res->results, &res->alloc_results,
		  res->nr_results, sizeof(*res->results));
	if (rc)
		return rc;
	res->results[res->nr_results++] = r;
	return 0;
}

int dm_results_add_result(struct dm_results *res,
			  const struct dm_config *cfg, struct dm_result **out)
{
	char id[DM_MAX_NAME + 1];
	struct dm_result *r;
	int rc;

	*out = NULL;
	/* ns-cycle needs its namespace; any other workload has it or not. */
	if ((is_ns_cycle(cfg->workload) || cfg->mode) &&
	    (!cfg->mode || !cfg->map || !cfg->driver || !cfg->size_bytes))
		return -EINVAL;
	if (cfg->workload && !valid_name(cfg->workload))
		return -EINVAL;
	if (cfg->variant && (strlen(cfg->variant) > DM_MAX_CONFIG_STRING ||
			     !*cfg->variant))
		return -EINVAL;
	if (cfg->id) {
		if (!valid_name(cfg->id))
			return -EINVAL;
		snprintf(id, sizeof(id), "%s", cfg->id);
	} else {
		rc = dm_config_make_id(cfg, id, sizeof(id));
		if (rc)
			return rc;
	}
	if (dm_results_find(res, id))
		return -EEXIST;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = -ENOMEM;
	r->id = strdup(id);
	r->workload = strdup(cfg->workload ? cfg->workload :
			     DM_DEFAULT_WORKLOAD);
	r->config = json_object_new_object();
	if (!r->id || !r->workload || !r->config)
		goto out_free_result;
	if (add_string(r->config, "workload", r->workload) ||
	    (cfg->variant && add_string(r->config, "variant", cfg->variant)))
		goto out_free_result;
	if (cfg->mode &&
	    (add_string(r->config, "mode", cfg->mode) ||
	     add_string(r->config, "map", cfg->map) ||
	     add_int(r->config, "align_bytes", (int64_t)cfg->align_bytes) ||
	     add_int(r->config, "size_bytes", (int64_t)cfg->size_bytes) ||
	     add_string(r->config, "driver", cfg->driver)))
		goto out_free_result;
	rc = results_append(res, r);
	if (rc)
		goto out_free_result;
	*out = r;
	return 0;

out_free_result:
	result_free(r);
	return rc;
}

json_object *dm_result_get_config(struct dm_result *r)
{
	return r->config;
}

/* Add @key: @v (consumed) to @r's config, checking the key. */
static int config_set(struct dm_result *r, const char *key, json_object *v)
{
	int rc = 0;

	if (!v)
		return -ENOMEM;
	if (!valid_name(key))
		rc = -EINVAL;
	else if (json_object_object_get_ex(r->config, key, NULL))
		rc = -EEXIST;
	else if (json_object_object_length(r->config) >= DM_MAX_CONFIG_KEYS)
		rc = -E2BIG;
	if (rc) {
		json_object_put(v);
		return rc;
	}
	return add_owned(r->config, key, v);
}

int dm_result_config_set_int(struct dm_result *r, const char *key, int64_t v)
{
	if (v > (int64_t)DM_INT_MAX || v < -(int64_t)DM_INT_MAX)
		return -EINVAL;
	return config_set(r, key, json_object_new_int64(v));
}

int dm_result_config_set_string(struct dm_result *r, const char *key,
				const char *v)
{
	if (!v || strlen(v) > DM_MAX_CONFIG_STRING)
		return -EINVAL;
	return config_set(r, key, json_object_new_string(v));
}

int dm_result_config_set_bool(struct dm_result *r, const char *key, bool v)
{
	return config_set(r, key, json_object_new_boolean(v));
}

int dm_result_set_skipped(struct dm_result *r, const char *reason)
{
	return set_string(&r->skipped, reason);
}

/* Take ownership of @samples (malloc'ed, validated) as metric @name. */
static int metric_adopt(struct dm_result *r, const char *name,
			enum dm_unit unit, enum dm_better better,
			double *samples, size_t n)
{
	struct dm_metric *m;
	int rc;

	rc = grow((void **)&r->metrics, &r->alloc_metrics, r->nr_metrics,
		  sizeof(*r->metrics));
	if (rc)
		return rc;
	m = &r->metrics[r->nr_metrics];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (!m->name)
		return -ENOMEM;
	rc = dm_stats_summarize(samples, n, &m->summary);
	if (rc) {
		free(m->name);
		return rc;
	}
	m->unit = unit;
	m->better = better;
	m->samples = samples;
	m->n = n;
	r->nr_metrics++;
	return 0;
}

/* Checks shared by both add_metric flavours. */
static int metric_check(struct dm_result *r, const char *name,
			enum dm_unit unit, enum dm_better better, size_t n)
{
	if (!valid_name(name) || (unsigned int)unit >= DM_UNIT_NR ||
	    (unsigned int)better >= DM_BETTER_NR)
		return -EINVAL;
	if (n > DM_MAX_SAMPLES || r->nr_metrics >= DM_MAX_METRICS)
		return -E2BIG;
	if (dm_result_find_metric(r, name))
		return -EEXIST;
	return 0;
}

int dm_result_add_metric(struct dm_result *r, const char *name,
			 enum dm_unit unit, enum dm_better better,
			 const double *samples, size_t n)
{
	double *copy;
	size_t i;
	int rc;

	rc = metric_check(r, name, unit, better, n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		if (bad_sample(unit, samples[i]))
			return -EINVAL;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	if (n)
		memcpy(copy, samples, n * sizeof(*copy));
	rc = metric_adopt(r, name, unit, better, copy, n);
	if (rc)
		free(copy);
	return rc;
}

int dm_result_add_metric_int(struct dm_result *r, const char *name,
			     enum dm_unit unit, enum dm_better better,
			     const int64_t *samples, size_t n)
{
	double *copy;
	size_t i;
	int rc;

	rc = metric_check(r, name, unit, better, n);
	if (rc)
		return rc;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		copy[i] = (double)samples[i];
		if (bad_sample(unit, copy[i])) {
			free(copy);
			return -EINVAL;
		}
	}
	rc = metric_adopt(r, name, unit, better, copy, n);
	if (rc)
		free(copy);
	return rc;
}

/* Append a violation; strings are copied. */
static int violation_add(struct dm_result *r, int64_t cycle, int64_t round,
			 const char *check, const char *detail)
{
	struct dm_violation *v;
	int rc;

	if (!check || !detail || cycle < -1 || round < 0)
		return -EINVAL;
	if (r->nr_violations >= DM_MAX_VIOLATIONS)
		return -E2BIG;
	rc = grow((void **)&r->violations, &r->alloc_violations,
		  r->nr_violations, sizeof(*r->violations));
	if (rc)
		return rc;
	v = &r->violations[r->nr_violations];
	v->cycle = cycle;
	v->round = round;
	v->check = strdup(check);
	v->detail = strdup(detail);
	if (!v->check || !v->detail) {
		free(v->check);
		free(v->detail);
		return -ENOMEM;
	}
	r->nr_violations++;
	return 0;
}

int dm_result_add_violation(struct dm_result *r, int64_t cycle,
			    const char *check, const char *detail)
{
	return violation_add(r, cycle, 0, check, detail);
}

struct dm_result *dm_results_find(const struct dm_results *res,
				  const char *id)
{
	size_t i;

	for (i = 0; i < res->nr_results; i++)
		if (strcmp(res->results[i]->id, id) == 0)
			return res->results[i];
	return NULL;
}

struct dm_metric *dm_result_find_metric(const struct dm_result *r,
					const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_metrics; i++)
		if (strcmp(r->metrics[i].name, name) == 0)
			return &r->metrics[i];
	return NULL;
}

/*
 * A JSON number for @d in its shortest round-trip form (so 0.1 is written
 * "0.1", not "0.10000000000000001"), or NULL (JSON null) if not finite.
 */
json_object *dm_json_new_number(double d)
{
	char buf[40];
	int prec;

	if (!isfinite(d))
		return NULL;
	if (d == floor(d) && fabs(d) <= DM_INT_MAX)
		return json_object_new_int64((int64_t)d);
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, d);
	/*
	 * An integral value beyond 2^53 prints without a point or exponent
	 * (5.4e16 as "54066432191853304"); json-c would read it back as an
	 * integer, which the reader refuses.  Keep it a real number.
	 */
	if (!strpbrk(buf, ".eE"))
		strcat(buf, ".0");
	return json_object_new_double_s(d, buf);
}

static int add_number(json_object *obj, const char *key, double d)
{
	json_object *v = dm_json_new_number(d);

	if (!v && isfinite(d))
		return -ENOMEM;
	if (json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static json_object *summary_to_json(const struct dm_summary *s)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (add_int(o, "n", (int64_t)s->n) ||
	    add_number(o, "min", s->min) ||
	    add_number(o, "max", s->max) ||
	    add_number(o, "median", s->median) ||
	    add_number(o, "p90", s->p90) ||
	    add_number(o, "p99", s->p99) ||
	    add_number(o, "mean", s->mean) ||
	    add_number(o, "stddev", s->stddev) ||
	    add_number(o, "cv", s->cv)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *metric_to_json(const struct dm_metric *m,
				   const char *accel)
{
	json_object *o, *samples;
	size_t i;

	o = json_object_new_object();
	samples = json_object_new_array_ext((int)(m->n ? m->n : 1));
	if (!o || !samples)
		goto out_put;
	for (i = 0; i < m->n; i++) {
		json_object *v = dm_json_new_number(m->samples[i]);

		if (!v || json_object_array_add(samples, v)) {
			json_object_put(v);
			goto out_put;
		}
	}
	if (add_string(o, "unit",
		       dm_unit_name(dm_unit_for_accel(m->unit, accel))) ||
	    add_string(o, "better", dm_better_name(m->better)))
		goto out_put;
	if (add_owned(o, "samples", samples)) {
		samples = NULL;
		goto out_put;
	}
	if (add_owned(o, "summary", summary_to_json(&m->summary)))
		goto out_put_object;
	return o;

out_put:
	json_object_put(samples);
out_put_object:
	json_object_put(o);
	return NULL;
}

static json_object *result_to_json(const struct dm_result *r,
				   const char *accel)
{
	json_object *o, *metrics, *viol;
	size_t i;

	o = json_object_new_object();
	if (!o)
		return NULL;
	if (add_string(o, "id", r->id) ||
	    add_owned(o, "config", json_object_get(r->config)))
		goto out_put;
	if (r->skipped && add_string(o, "skipped", r->skipped))
		goto out_put;

	metrics = json_object_new_object();
	if (add_owned(o, "metrics", metrics))
		goto out_put;
	for (i = 0; i < r->nr_metrics; i++)
		if (add_owned(metrics, r->metrics[i].name,
			      metric_to_json(&r->metrics[i], accel)))
			goto out_put;

	viol = json_object_new_array();
	if (add_owned(o, "invariant_violations", viol))
		goto out_put;
	for (i = 0; i < r->nr_violations; i++) {
		const struct dm_violation *v = &r->violations[i];
		json_object *vo = json_object_new_object();

		if (!vo)
			goto out_put;
		if (json_object_array_add(viol, vo)) {
			json_object_put(vo);
			goto out_put;
		}
		if (add_int(vo, "cycle", v->cycle) ||
		    (v->round && add_int(vo, "round", v->round)) ||
		    add_string(vo, "check", v->check) ||
		    add_string(vo, "detail", v->detail))
			goto out_put;
	}
	return o;

out_put:
	json_object_put(o);
	return NULL;
}

/* Build the tree without validating it. */
static int build_json(const struct dm_results *res, json_object **out)
{
	json_object *root, *arr, *o;
	const char *accel = NULL;
	size_t i;

	*out = NULL;
	if (res->environment &&
	    json_object_object_get_ex(res->environment, "accel", &o))
		accel = json_object_get_string(o);
	root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	if (add_string(root, "schema", DM_SCHEMA) ||
	    add_string(root, "tool", res->tool) ||
	    add_string(root, "suite_version", res->suite_version) ||
	    add_string(root, "timestamp", res->timestamp))
		goto out_put_root;
	if (res->environment &&
	    add_owned(root, "environment", json_object_get(res->environment)))
		goto out_put_root;
	if (res->parameters &&
	    add_owned(root, "parameters", json_object_get(res->parameters)))
		goto out_put_root;
	if (res->rounds != 1 && add_int(root, "rounds", res->rounds))
		goto out_put_root;
	if (res->sources &&
	    add_owned(root, "sources", json_object_get(res->sources)))
		goto out_put_root;

	arr = json_object_new_array_ext((int)(res->nr_results + 1));
	if (add_owned(root, "results", arr))
		goto out_put_root;
	for (i = 0; i < res->nr_results; i++) {
		json_object *r = result_to_json(res->results[i], accel);

		if (!r || json_object_array_add(arr, r)) {
			json_object_put(r);
			goto out_put_root;
		}
	}
	*out = root;
	return 0;

out_put_root:
	json_object_put(root);
	return -ENOMEM;
}

/* Build and validate; messages name the document @name. */
static int to_json_named(const struct dm_results *res, const char *name,
			 json_object **out, char *err, size_t errlen)
{
	struct dm_results *check;
	json_object *root;
	int rc;

	*out = NULL;
	rc = build_json(res, &root);
	if (rc)
		return seterr(rc, err, errlen, "%s: out of memory", name);
	rc = dm_results_from_json(root, name, &check, err, errlen);
	if (rc) {
		json_object_put(root);
		return rc;
	}
	dm_results_free(check);
	*out = root;
	return 0;
}

int dm_results_to_json(const struct dm_results *res, json_object **out,
		       char *err, size_t errlen)
{
	return to_json_named(res, res->name ? res->name : "<document>", out,
			     err, errlen);
}

/*
 * Validation.  The context carries the file name and the JSON path of the
 * value being checked, so every message can say where the problem is.
 */
struct vctx {
	const char *name;
	char *err;
	size_t errlen;
	char path[384];
	size_t plen;
	bool insn;		/* environment.accel counts instructions */
	int major;		/* the file's schema: 1 or 2 */
};

static int __attribute__((format(printf, 2, 3)))
verr(struct vctx *v, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v->plen)
		return seterr(-EINVAL, v->err, v->errlen, "%s: %s: %s",
			      v->name, v->path, msg);
	return seterr(-EINVAL, v->err, v->errlen, "%s: %s", v->name, msg);
}

/* Append ".key" (sanitised, truncated) to the path; returns the old length. */
static size_t vpush_key(struct vctx *v, const char *key)
{
	size_t old = v->plen;
	char clean[72];

	sanitize(key, 64, clean, sizeof(clean));
	snprintf(v->path + v->plen, sizeof(v->path) - v->plen, "%s%s",
		 v->plen ? "." : "", clean);
	v->plen = strlen(v->path);
	return old;
}

static size_t vpush_index(struct vctx *v, size_t i)
{
	size_t old = v->plen;

	snprintf(v->path + v->plen, sizeof(v->path) - v->plen, "[%zu]", i);
	v->plen = strlen(v->path);
	return old;
}

static void vpop(struct vctx *v, size_t old)
{
	v->plen = old;
	v->path[old] = '\0';
}

static const char *type_name(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "?";
}

/* A finite number; integers beyond 2^53 are refused (json-c clamps them). */
static int vnumber(struct vctx *v, json_object *o, double *out)
{
	double d;

	if (json_object_is_type(o, json_type_int)) {
		int64_t i = json_object_get_int64(o);

		if (i > (int64_t)DM_INT_MAX || i < -(int64_t)DM_INT_MAX)
			return verr(v, "integer out of range (|x| > 2^53)");
		*out = (double)i;
		return 0;
	}
	if (!json_object_is_type(o, json_type_double))
		return verr(v, "not a number (found %s)", type_name(o));
	d = json_object_get_double(o);
	if (!isfinite(d))
		return verr(v, "not a finite number");
	*out = d;
	return 0;
}

static int vint(struct vctx *v, json_object *o, int64_t min, int64_t max,
		int64_t *out)
{
	double d;
	int rc;

	rc = vnumber(v, o, &d);
	if (rc)
		return rc;
	if (d != floor(d))
		return verr(v, "not an integer");
	if (d < (double)min || d > (double)max)
		return verr(v, "%.17g out of range [%lld, %lld]", d,
			    (long long)min, (long long)max);
	*out = (int64_t)d;
	return 0;
}

/* A string without NUL bytes; NULL in *@out for JSON null if @nullable. */
static int vstring(struct vctx *v, json_object *o, bool nullable,
		   const char **out)
{
	const char *s;

	if (!o && nullable) {
		*out = NULL;
		return 0;
	}
	if (!json_object_is_type(o, json_type_string))
		return verr(v, "not a string (found %s)%s", type_name(o),
			    nullable ? "; expected a string or null" : "");
	s = json_object_get_string(o);
	if (strlen(s) != (size_t)json_object_get_string_len(o))
		return verr(v, "string contains a NUL character");
	*out = s;
	return 0;
}

/* Look up @key in object @obj; a missing required key is an error. */
static int vget(struct vctx *v, json_object *obj, const char *key,
		bool required, json_object **out, bool *present)
{
	bool found = json_object_object_get_ex(obj, key, out);

	if (present)
		*present = found;
	if (!found) {
		*out = NULL;
		if (required)
			return verr(v, "missing required field \"%s\"", key);
	}
	return 0;
}

static int vobject(struct vctx *v, json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return verr(v, "not an object (found %s)", type_name(o));
	return 0;
}

static int varray(struct vctx *v, json_object *o, size_t max, size_t *len)
{
	if (!json_object_is_type(o, json_type_array))
		return verr(v, "not an array (found %s)", type_name(o));
	*len = json_object_array_length(o);
	if (*len > max)
		return verr(v, "%zu elements, more than the limit of %zu",
			    *len, max);
	return 0;
}

/* Field kinds for table-driven object checks. */
enum vkind {
	V_STRING,
	V_STRING_OR_NULL,
	V_INT_POS,	/* 1 .. 2^53 */
	V_INT_NONNEG,	/* 0 .. 2^53 */
	V_OBJECT,
};

struct vfield {
	const char *key;
	enum vkind kind;
	bool required;
};

static int vfield_check(struct vctx *v, json_object *o, const struct vfield *f)
{
	const char *s;
	int64_t i;

	switch (f->kind) {
	case V_STRING:
		return vstring(v, o, false, &s);
	case V_STRING_OR_NULL:
		return vstring(v, o, true, &s);
	case V_INT_POS:
		return vint(v, o, 1, (int64_t)DM_INT_MAX, &i);
	case V_INT_NONNEG:
		return vint(v, o, 0, (int64_t)DM_INT_MAX, &i);
	case V_OBJECT:
		return vobject(v, o);
	}
	return verr(v, "internal error: unknown field kind");
}

static int vfields(struct vctx *v, json_object *obj, const struct vfield *f,
		   size_t nr)
{
	size_t i, old;
	bool present;
	json_object *o;
	int rc;

	for (i = 0; i < nr; i++) {
		rc = vget(v, obj, f[i].key, f[i].required, &o, &present);
		if (rc)
			return rc;
		if (!present)
			continue;
		old = vpush_key(v, f[i].key);
		rc = vfield_check(v, o, &f[i]);
		if (rc)
			return rc;
		vpop(v, old);
	}
	return 0;
}

static int vconfig_hash(struct vctx *v, json_object *kernel)
{
	json_object *o;
	const char *s;
	size_t old, i;
	int rc;

	json_object_object_get_ex(kernel, "config_hash", &o);
	old = vpush_key(v, "config_hash");
	rc = vstring(v, o, true, &s);
	if (rc)
		return rc;
	if (s) {
		if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
			return verr(v, "expected \"sha256:\" and 64 hex digits");
		for (i = 7; s[i]; i++)
			if (!isxdigit((unsigned char)s[i]))
				return verr(v, "expected \"sha256:\" and 64 hex digits");
	}
	vpop(v, old);
	return 0;
}

static int validate_env(struct vctx *v, json_object *env)
{
	static const struct vfield top[] = {
		{ "kernel", V_OBJECT, true },
		{ "accel", V_STRING, true },
		{ "cpu", V_OBJECT, true },
		{ "memory_bytes", V_INT_POS, true },
		{ "ndctl_version", V_STRING_OR_NULL, true },
		{ "tracing", V_STRING, true },
	};
	static const struct vfield kernel[] = {
		{ "release", V_STRING, true },
		{ "version", V_STRING, true },
		{ "config_hash", V_STRING_OR_NULL, true },
		{ "cmdline", V_STRING, true },
		{ "name", V_STRING, true },
		{ "series", V_STRING_OR_NULL, true },
		{ "revision", V_STRING_OR_NULL, true },
		{ "patchset_hash", V_STRING_OR_NULL, false },
	};
	static const struct vfield cpu[] = {
		{ "model", V_STRING, true },
		{ "count", V_INT_POS, true },
	};
	static const struct vfield qemu[] = {
		{ "version", V_STRING, true },
	};
	json_object *o, *args;
	size_t old, old2, n, i;
	const char *s;
	int rc;

	rc = vobject(v, env);
	if (!rc)
		rc = vfields(v, env, top, ARRAY_SIZE(top));
	if (rc)
		return rc;

	json_object_object_get_ex(env, "kernel", &o);
	old = vpush_key(v, "kernel");
	rc = vfields(v, o, kernel, ARRAY_SIZE(kernel));
	if (!rc)
		rc = vconfig_hash(v, o);
	if (rc)
		return rc;
	vpop(v, old);

	json_object_object_get_ex(env, "accel", &o);
	if (!accel_known(json_object_get_string(o))) {
		old = vpush_key(v, "accel");
		return verr(v, "unknown accel (expected kvm, tcg, tcg-icount or bare-metal)");
	}
	v->insn = dm_accel_counts_insn(json_object_get_string(o));
	rc = vget(v, env, "icount_shift", v->insn, &o, NULL);
	if (rc)
		return rc;
	old = vpush_key(v, "icount_shift");
	if (!v->insn && o)
		return verr(v, "only a tcg-icount run has an icount shift");
	if (v->insn) {
		int64_t shift;

		rc = vint(v, o, 0, 10, &shift);
		if (rc)
			return rc;
		if (shift != DM_ICOUNT_SHIFT)
			return verr(v, "shift %lld is not supported: only shift 0 (1 ns of guest time per instruction) gives instruction counts",
				    (long long)shift);
	}
	vpop(v, old);

	json_object_object_get_ex(env, "cpu", &o);
	old = vpush_key(v, "cpu");
	rc = vfields(v, o, cpu, ARRAY_SIZE(cpu));
	if (rc)
		return rc;
	vpop(v, old);

	rc = vget(v, env, "qemu", true, &o, NULL);
	if (rc)
		return rc;
	if (o) {
		old = vpush_key(v, "qemu");
		rc = vobject(v, o);
		if (!rc)
			rc = vfields(v, o, qemu, ARRAY_SIZE(qemu));
		if (!rc)
			rc = vget(v, o, "args", true, &args, NULL);
		if (rc)
			return rc;
		old2 = vpush_key(v, "args");
		rc = varray(v, args, DM_MAX_QEMU_ARGS, &n);
		if (rc)
			return rc;
		for (i = 0; i < n; i++) {
			size_t old3 = vpush_index(v, i);

			rc = vstring(v, json_object_array_get_idx(args, i),
				     false, &s);
			if (rc)
				return rc;
			vpop(v, old3);
		}
		vpop(v, old2);
		vpop(v, old);
	}
	return 0;
}

static int validate_params(struct vctx *v, json_object *params)
{
	static const struct vfield f[] = {
		{ "warmup", V_INT_NONNEG, true },
		{ "cycles", V_INT_POS, true },
		{ "driver", V_STRING, false },
	};
	int rc;

	rc = vobject(v, params);
	if (rc)
		return rc;
	return vfields(v, params, f, ARRAY_SIZE(f));
}

/* Compare a stored summary value with the one recomputed from samples. */
static int vsummary_value(struct vctx *v, json_object *summary,
			  const char *key, double want)
{
	json_object *o;
	size_t old;
	double got;
	int rc;

	rc = vget(v, summary, key, true, &o, NULL);
	if (rc)
		return rc;
	old = vpush_key(v, key);
	if (!o) {
		if (!isnan(want))
			return verr(v, "null, but the samples give %.17g", want);
		vpop(v, old);
		return 0;
	}
	rc = vnumber(v, o, &got);
	if (rc)
		return rc;
	if (isnan(want))
		return verr(v, "must be null: undefined for these samples");
	if (fabs(got - want) > 1e-9 * fmax(fabs(got), fabs(want)) + 1e-12)
		return verr(v, "%.17g does not match the samples (%.17g)",
			    got, want);
	vpop(v, old);
	return 0;
}

static int validate_summary(struct vctx *v, json_object *o,
			    const struct dm_summary *s)
{
	int64_t n;
	json_object *no;
	size_t old;
	int rc;

	rc = vobject(v, o);
	if (!rc)
		rc = vget(v, o, "n", true, &no, NULL);
	if (rc)
		return rc;
	old = vpush_key(v, "n");
	rc = vint(v, no, 0, DM_MAX_SAMPLES, &n);
	if (rc)
		return rc;
	if ((size_t)n != s->n)
		return verr(v, "%lld, but there are %zu samples",
			    (long long)n, s->n);
	vpop(v, old);

	rc = vsummary_value(v, o, "min", s->min);
	if (!rc)
		rc = vsummary_value(v, o, "max", s->max);
	if (!rc)
		rc = vsummary_value(v, o, "median", s->median);
	if (!rc)
		rc = vsummary_value(v, o, "p90", s->p90);
	if (!rc)
		rc = vsummary_value(v, o, "p99", s->p99);
	if (!rc)
		rc = vsummary_value(v, o, "mean", s->mean);
	if (!rc)
		rc = vsummary_value(v, o, "stddev", s->stddev);
	if (!rc)
		rc = vsummary_value(v, o, "cv", s->cv);
	return rc;
}

static int validate_metric(struct vctx *v, json_object *o, const char *name,
			   struct dm_result *r)
{
	enum dm_better better;
	json_object *uo, *bo, *so, *sumo;
	enum dm_unit unit;
	const char *s, *why;
	size_t old, n, i;
	double *samples;
	int rc;

	rc = vobject(v, o);
	if (!rc)
		rc = vget(v, o, "unit", true, &uo, NULL);
	if (!rc)
		rc = vget(v, o, "better", true, &bo, NULL);
	if (!rc)
		rc = vget(v, o, "samples", true, &so, NULL);
	if (!rc)
		rc = vget(v, o, "summary", true, &sumo, NULL);
	if (rc)
		return rc;

	old = vpush_key(v, "unit");
	rc = vstring(v, uo, false, &s);
	if (rc)
		return rc;
	if (dm_unit_parse(s, &unit))
		return verr(v, "unknown unit (known: ns, ns/page, pages, bytes, bytes/s, ratio, count, insn, insn/page)");
	if (v->insn && (unit == DM_UNIT_NS || unit == DM_UNIT_NS_PER_PAGE))
		return verr(v, "\"%s\" in a tcg-icount run: its durations are instruction counts (insn, insn/page)",
			    s);
	if (!v->insn &&
	    (unit == DM_UNIT_INSN || unit == DM_UNIT_INSN_PER_PAGE))
		return verr(v, "\"%s\" outside a tcg-icount run (environment.accel)",
			    s);
	vpop(v, old);

	old = vpush_key(v, "better");
	rc = vstring(v, bo, false, &s);
	if (rc)
		return rc;
	if (dm_better_parse(s, &better))
		return verr(v, "unknown direction (expected lower, higher or none)");
	vpop(v, old);

	old = vpush_key(v, "samples");
	rc = varray(v, so, DM_MAX_SAMPLES, &n);
	if (rc)
		return rc;
	samples = malloc((n ? n : 1) * sizeof(*samples));
	if (!samples)
		return seterr(-ENOMEM, v->err, v->errlen, "%s: out of memory",
			      v->name);
	for (i = 0; i < n; i++) {
		size_t old2 = vpush_index(v, i);

		rc = vnumber(v, json_object_array_get_idx(so, i), &samples[i]);
		why = rc ? NULL : bad_sample(unit, samples[i]);
		if (why)
			rc = verr(v, "%.17g is %s", samples[i], why);
		if (rc) {
			free(samples);
			return rc;
		}
		vpop(v, old2);
	}
	vpop(v, old);

	rc = metric_adopt(r, name, unit, better, samples, n);
	if (rc) {
		free(samples);
		return seterr(rc, v->err, v->errlen, "%s: out of memory",
			      v->name);
	}

	old = vpush_key(v, "summary");
	rc = validate_summary(v, sumo, &r->metrics[r->nr_metrics - 1].summary);
	if (rc)
		return rc;
	vpop(v, old);
	return 0;
}

static int validate_violation(struct vctx *v, json_object *o,
			      struct dm_result *r)
{
	json_object *co, *ko, *dobj, *ro;
	const char *check, *detail;
	int64_t cycle, round = 0;
	size_t old;
	bool has_round;
	int rc;

	rc = vobject(v, o);
	if (!rc)
		rc = vget(v, o, "cycle", true, &co, NULL);
	if (!rc)
		rc = vget(v, o, "check", true, &ko, NULL);
	if (!rc)
		rc = vget(v, o, "detail", true, &dobj, NULL);
	if (!rc)
		rc = vget(v, o, "round", false, &ro, &has_round);
	if (rc)
		return rc;

	old = vpush_key(v, "cycle");
	rc = vint(v, co, -1, (int64_t)DM_INT_MAX, &cycle);
	if (rc)
		return rc;
	vpop(v, old);
	if (has_round) {
		old = vpush_key(v, "round");
		rc = vint(v, ro, 0, (int64_t)DM_INT_MAX, &round);
		if (rc)
			return rc;
		vpop(v, old);
	}
	old = vpush_key(v, "check");
	rc = vstring(v, ko, false, &check);
	if (rc)
		return rc;
	vpop(v, old);
	old = vpush_key(v, "detail");
	rc = vstring(v, dobj, false, &detail);
	if (rc)
		return rc;
	vpop(v, old);

	rc = violation_add(r, cycle, round, check, detail);
	if (rc)
		return seterr(rc, v->err, v->errlen, "%s: out of memory",
			      v->name);
	return 0;
}

/*
 * A config value of /2: a string (no NUL, at most DM_MAX_CONFIG_STRING
 * bytes), an integer within +/-2^53 or a boolean.
 */
static int vscalar(struct vctx *v, json_object *o)
{
	const char *s;
	double d;
	int rc;

	switch (json_object_get_type(o)) {
	case json_type_boolean:
		return 0;
	case json_type_string:
		rc = vstring(v, o, false, &s);
		if (!rc && strlen(s) > DM_MAX_CONFIG_STRING)
			return verr(v, "string longer than %d bytes",
				    DM_MAX_CONFIG_STRING);
		return rc;
	case json_type_int:
	case json_type_double:
		rc = vnumber(v, o, &d);
		if (!rc && d != floor(d))
			return verr(v, "%.17g is not an integer (config values are strings, integers or booleans)",
				    d);
		return rc;
	default:
		return verr(v, "not a scalar (found %s; config values are strings, integers or booleans)",
			    type_name(o));
	}
}

/*
 * A result's config.  /1: the namespace fields of ns-cycle, read as
 * workload "ns-cycle".  /2: a "workload" name; the namespace fields are
 * required for ns-cycle, and any key of any workload holds a scalar.
 * *@workload points into @o (or is DM_DEFAULT_WORKLOAD).
 */
static int validate_config(struct vctx *v, json_object *o,
			   const char **workload)
{
	static const struct vfield ns[] = {
		{ "mode", V_STRING, true },
		{ "map", V_STRING, true },
		{ "align_bytes", V_INT_NONNEG, true },
		{ "size_bytes", V_INT_POS, true },
		{ "driver", V_STRING, true },
	};
	struct vfield opt[ARRAY_SIZE(ns)];
	json_object *wo;
	size_t i, old;
	int rc;

	rc = vobject(v, o);
	if (rc)
		return rc;
	*workload = DM_DEFAULT_WORKLOAD;
	if (v->major == 1) {
		if (json_object_object_get_ex(o, "workload", NULL)) {
			old = vpush_key(v, "workload");
			return verr(v, "a devmem-bench/2 field in a devmem-bench/1 file");
		}
		return vfields(v, o, ns, ARRAY_SIZE(ns));
	}
	rc = vget(v, o, "workload", true, &wo, NULL);
	if (rc)
		return rc;
	old = vpush_key(v, "workload");
	rc = vstring(v, wo, false, workload);
	if (rc)
		return rc;
	if (!valid_name(*workload))
		return verr(v, "not a valid workload name ([A-Za-z0-9_.-], at most %d characters)",
			    DM_MAX_NAME);
	vpop(v, old);
	if (json_object_object_length(o) > DM_MAX_CONFIG_KEYS)
		return verr(v, "more than %d keys", DM_MAX_CONFIG_KEYS);
	{
		json_object_object_foreach(o, key, val) {
			old = vpush_key(v, key);
			if (!valid_name(key))
				return verr(v, "not a valid config key ([A-Za-z0-9_.-], at most %d characters)",
					    DM_MAX_NAME);
			rc = vscalar(v, val);
			if (rc)
				return rc;
			vpop(v, old);
		}
	}
	/* The namespace fields: required for ns-cycle, typed for all. */
	memcpy(opt, ns, sizeof(ns));
	for (i = 0; i < ARRAY_SIZE(opt); i++)
		opt[i].required = is_ns_cycle(*workload);
	return vfields(v, o, opt, ARRAY_SIZE(opt));
}

static int validate_result(struct vctx *v, json_object *o,
			   struct dm_results *res)
{
	json_object *io, *co, *mo, *vo, *sko;
	const char *id, *skipped, *workload;
	struct dm_result *r;
	size_t old, n, i;
	bool has_skipped;
	int rc;

	rc = vobject(v, o);
	if (!rc)
		rc = vget(v, o, "id", true, &io, NULL);
	if (!rc)
		rc = vget(v, o, "config", true, &co, NULL);
	if (!rc)
		rc = vget(v, o, "metrics", true, &mo, NULL);
	if (!rc)
		rc = vget(v, o, "invariant_violations", true, &vo, NULL);
	if (!rc)
		rc = vget(v, o, "skipped", false, &sko, &has_skipped);
	if (rc)
		return rc;

	old = vpush_key(v, "id");
	rc = vstring(v, io, false, &id);
	if (rc)
		return rc;
	if (!valid_name(id))
		return verr(v, "not a valid id ([A-Za-z0-9_.-], at most %d characters)",
			    DM_MAX_NAME);
	if (dm_results_find(res, id))
		return verr(v, "duplicate id \"%s\"", id);
	vpop(v, old);

	old = vpush_key(v, "config");
	rc = validate_config(v, co, &workload);
	if (rc)
		return rc;
	vpop(v, old);

	skipped = NULL;
	if (has_skipped) {
		old = vpush_key(v, "skipped");
		rc = vstring(v, sko, true, &skipped);
		if (rc)
			return rc;
		vpop(v, old);
	}

	r = calloc(1, sizeof(*r));
	if (!r)
		return seterr(-ENOMEM, v->err, v->errlen, "%s: out of memory",
			      v->name);
	r->id = strdup(id);
	r->workload = strdup(workload);
	if (v->major == 1) {
		/* One shape in memory: /1 configs name their workload too. */
		r->config = NULL;
		if (json_object_deep_copy(co, &r->config, NULL) ||
		    add_string(r->config, "workload", DM_DEFAULT_WORKLOAD)) {
			json_object_put(r->config);
			r->config = NULL;
		}
	} else {
		r->config = json_object_get(co);
	}
	if (skipped)
		r->skipped = strdup(skipped);
	if (!r->id || !r->workload || !r->config ||
	    (skipped && !r->skipped) || results_append(res, r)) {
		result_free(r);
		return seterr(-ENOMEM, v->err, v->errlen, "%s: out of memory",
			      v->name);
	}

	old = vpush_key(v, "metrics");
	rc = vobject(v, mo);
	if (rc)
		return rc;
	if (json_object_object_length(mo) > DM_MAX_METRICS)
		return verr(v, "more than %d metrics", DM_MAX_METRICS);
	{
		json_object_object_foreach(mo, key, val) {
			size_t old2 = vpush_key(v, key);

			if (!valid_name(key))
				return verr(v, "not a valid metric name ([A-Za-z0-9_.-], at most %d characters)",
					    DM_MAX_NAME);
			rc = validate_metric(v, val, key, r);
			if (rc)
				return rc;
			vpop(v, old2);
		}
	}
	vpop(v, old);

	old = vpush_key(v, "invariant_violations");
	rc = varray(v, vo, DM_MAX_VIOLATIONS, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		size_t old2 = vpush_index(v, i);

		rc = validate_violation(v, json_object_array_get_idx(vo, i), r);
		if (rc)
			return rc;
		vpop(v, old2);
	}
	vpop(v, old);
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" with plausible field values. */
static bool valid_timestamp(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	int mon, day, h, m, sec;
	size_t i;

	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return false;
	}
	if (sscanf(s + 5, "%2d-%2dT%2d:%2d:%2d", &mon, &day, &h, &m, &sec) != 5)
		return false;
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && h < 24 &&
	       m < 60 && sec <= 60;
}

/* The schema string: "devmem-bench/<major>", and a major we read. */
static int validate_schema(struct vctx *v, json_object *root)
{
	json_object *o;
	char clean[72];
	const char *s;
	size_t old;
	int rc;

	rc = vget(v, root, "schema", true, &o, NULL);
	if (rc)
		return verr(v, "no \"schema\" field: not a devmem-bench results file");
	old = vpush_key(v, "schema");
	rc = vstring(v, o, false, &s);
	if (rc)
		return rc;
	sanitize(s, 64, clean, sizeof(clean));
	if (strncmp(s, DM_SCHEMA_PREFIX, strlen(DM_SCHEMA_PREFIX)) != 0)
		return verr(v, "\"%s\" is not a devmem-bench results schema",
			    clean);
	if (!strcmp(s, DM_SCHEMA_PREFIX "1"))
		v->major = 1;
	else if (!strcmp(s, DM_SCHEMA))
		v->major = DM_SCHEMA_MAJOR;
	else
		return verr(v, "unsupported schema version \"%s\" (this reader understands %s1 and %s)",
			    clean, DM_SCHEMA_PREFIX, DM_SCHEMA);
	vpop(v, old);
	return 0;
}

static int from_json(struct vctx *v, json_object *root,
		     struct dm_results *res)
{
	static const struct vfield top[] = {
		{ "tool", V_STRING, true },
		{ "suite_version", V_STRING, true },
		{ "timestamp", V_STRING, true },
		{ "environment", V_OBJECT, true },
		{ "parameters", V_OBJECT, true },
	};
	json_object *o, *arr;
	size_t old, n, i;
	bool present;
	int rc;

	if (!json_object_is_type(root, json_type_object))
		return verr(v, "the top level is %s, not an object", type_name(root));
	rc = validate_schema(v, root);
	if (!rc)
		rc = vfields(v, root, top, ARRAY_SIZE(top));
	if (rc)
		return rc;

	json_object_object_get_ex(root, "tool", &o);
	rc = set_string(&res->tool, json_object_get_string(o));
	json_object_object_get_ex(root, "suite_version", &o);
	if (!rc)
		rc = set_string(&res->suite_version, json_object_get_string(o));
	json_object_object_get_ex(root, "timestamp", &o);
	if (!valid_timestamp(json_object_get_string(o))) {
		old = vpush_key(v, "timestamp");
		return verr(v, "not an ISO-8601 UTC time like 2024-11-25T03:50:09Z");
	}
	if (!rc)
		rc = set_string(&res->timestamp, json_object_get_string(o));
	if (rc)
		return seterr(rc, v->err, v->errlen, "%s: out of memory",
			      v->name);

	json_object_object_get_ex(root, "environment", &o);
	old = vpush_key(v, "environment");
	rc = validate_env(v, o);
	if (rc)
		return rc;
	vpop(v, old);
	json_object_put(res->environment);
	res->environment = json_object_get(o);

	json_object_object_get_ex(root, "parameters", &o);
	old = vpush_key(v, "parameters");
	rc = validate_params(v, o);
	if (rc)
		return rc;
	vpop(v, old);
	json_object_put(res->parameters);
	res->parameters = json_object_get(o);

	rc = vget(v, root, "rounds", false, &o, &present);
	if (present) {
		old = vpush_key(v, "rounds");
		rc = vint(v, o, 1, 1000000, &res->rounds);
		if (rc)
			return rc;
		vpop(v, old);
	}
	rc = vget(v, root, "sources", false, &o, &present);
	if (present) {
		old = vpush_key(v, "sources");
		rc = varray(v, o, DM_MAX_SOURCES, &n);
		if (rc)
			return rc;
		for (i = 0; i < n; i++) {
			size_t old2 = vpush_index(v, i);
			const char *s;

			rc = vstring(v, json_object_array_get_idx(o, i), false,
				     &s);
			if (rc)
				return rc;
			vpop(v, old2);
		}
		vpop(v, old);
		res->sources = json_object_get(o);
	}

	rc = vget(v, root, "results", true, &arr, NULL);
	if (rc)
		return rc;
	old = vpush_key(v, "results");
	rc = varray(v, arr, DM_MAX_RESULTS, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		size_t old2 = vpush_index(v, i);

		rc = validate_result(v, json_object_array_get_idx(arr, i), res);
		if (rc)
			return rc;
		vpop(v, old2);
	}
	vpop(v, old);
	return 0;
}

int dm_results_from_json(json_object *root, const char *name,
			 struct dm_results **out, char *err, size_t errlen)
{
	struct vctx v = { .name = name, .err = err, .errlen = errlen };
	struct dm_results *res;
	int rc;

	*out = NULL;
	res = calloc(1, sizeof(*res));
	if (!res)
		return seterr(-ENOMEM, err, errlen, "%s: out of memory", name);
	res->rounds = 1;
	res->name = strdup(name);
	if (!res->name) {
		free(res);
		return seterr(-ENOMEM, err, errlen, "%s: out of memory", name);
	}
	rc = from_json(&v, root, res);
	if (rc) {
		dm_results_free(res);
		return rc;
	}
	*out = res;
	return 0;
}

/* 1-based line and column of byte @off in @buf. */
static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int dm_results_parse(const char *buf, size_t len, const char *name,
		     struct dm_results **out, char *err, size_t errlen)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	size_t end, line, col;
	const char *nul;
	json_object *root;
	int rc;

	*out = NULL;
	if (len == 0)
		return seterr(-EINVAL, err, errlen, "%s: empty file", name);
	if (len > DM_MAX_FILE_BYTES)
		return seterr(-EFBIG, err, errlen, "%s: larger than %lu bytes",
			      name, DM_MAX_FILE_BYTES);
	nul = memchr(buf, '\0', len);
	if (nul) {
		line_col(buf, (size_t)(nul - buf), &line, &col);
		return seterr(-EINVAL, err, errlen,
			      "%s: line %zu column %zu: NUL byte in the file",
			      name, line, col);
	}

	tok = json_tokener_new_ex(DM_MAX_DEPTH);
	if (!tok)
		return seterr(-ENOMEM, err, errlen, "%s: out of memory", name);
	/* Trailing data is checked below, for a clearer message. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_ALLOW_TRAILING_CHARS);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (jerr == json_tokener_continue || !root) {
		json_object_put(root);
		if (jerr == json_tokener_continue ||
		    jerr == json_tokener_error_parse_eof)
			return seterr(-EINVAL, err, errlen,
				      "%s: unexpected end of file (truncated?)",
				      name);
		line_col(buf, end < len ? end : len, &line, &col);
		if (jerr == json_tokener_error_depth)
			return seterr(-EINVAL, err, errlen,
				      "%s: line %zu column %zu: nested deeper than %d levels",
				      name, line, col, DM_MAX_DEPTH);
		return seterr(-EINVAL, err, errlen,
			      "%s: line %zu column %zu: invalid JSON: %s", name,
			      line, col, json_tokener_error_desc(jerr));
	}
	for (; end < len; end++) {
		if (!isspace((unsigned char)buf[end])) {
			json_object_put(root);
			line_col(buf, end, &line, &col);
			return seterr(-EINVAL, err, errlen,
				      "%s: line %zu column %zu: trailing data after the JSON document",
				      name, line, col);
		}
	}

	rc = dm_results_from_json(root, name, out, err, errlen);
	json_object_put(root);
	return rc;
}

int dm_results_load(const char *path, struct dm_results **out,
		    char *err, size_t errlen)
{
	size_t len = 0, alloc = 0;
	char *buf = NULL;
	struct stat st;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return seterr(rc, err, errlen, "%s: cannot open: %s", path,
			      strerror(-rc));
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = seterr(-EISDIR, err, errlen, "%s: is a directory", path);
		goto out_close;
	}
	for (;;) {
		ssize_t got;

		if (len == alloc) {
			size_t want = alloc ? alloc * 2 : 65536;
			char *p;

			/* Read at most one byte more than the limit. */
			if (want > DM_MAX_FILE_BYTES + 1)
				want = DM_MAX_FILE_BYTES + 1;
			if (len > DM_MAX_FILE_BYTES) {
				rc = seterr(-EFBIG, err, errlen,
					    "%s: larger than %lu bytes", path,
					    DM_MAX_FILE_BYTES);
				goto out_free;
			}
			p = realloc(buf, want);
			if (!p) {
				rc = seterr(-ENOMEM, err, errlen,
					    "%s: out of memory", path);
				goto out_free;
			}
			buf = p;
			alloc = want;
		}
		got = read(fd, buf + len, alloc - len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			seterr(rc, err, errlen, "%s: read: %s", path,
			       strerror(-rc));
			goto out_free;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	rc = dm_results_parse(buf ? buf : "", len, path, out, err, errlen);

out_free:
	free(buf);
out_close:
	close(fd);
	return rc;
}

/* Write all of @buf to @fd; returns 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the folder holding @path so the rename is durable. */
static void sync_parent(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int dm_results_write(const struct dm_results *res, const char *path,
		     char *err, size_t errlen)
{
	char *tmp, *dir_copy, *base_copy;
	json_object *root;
	const char *text;
	size_t len;
	int fd, rc;

	rc = to_json_named(res, path, &root, err, errlen);
	if (rc)
		return rc;
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		rc = seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
		goto out_put_root;
	}

	dir_copy = strdup(path);
	base_copy = strdup(path);
	tmp = malloc(2 * strlen(path) + 16);
	if (!dir_copy || !base_copy || !tmp) {
		free(dir_copy);
		free(base_copy);
		free(tmp);
		rc = seterr(-ENOMEM, err, errlen, "%s: out of memory", path);
		goto out_put_root;
	}
	/* The temporary lives next to @path so rename() is atomic. */
	sprintf(tmp, "%s/.%s.XXXXXX", dirname(dir_copy), basename(base_copy));
	free(dir_copy);
	free(base_copy);

	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		seterr(rc, err, errlen, "%s: cannot create a temporary file: %s",
		       path, strerror(-rc));
		goto out_free_tmp;
	}
	len = strlen(text);
	rc = write_all(fd, text, len);
	if (!rc)
		rc = write_all(fd, "\n", 1);
	if (!rc && fchmod(fd, 0644))
		rc = -errno;
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (rc) {
		seterr(rc, err, errlen, "%s: write: %s", tmp, strerror(-rc));
		goto out_unlink_tmp;
	}
	if (rename(tmp, path)) {
		rc = -errno;
		seterr(rc, err, errlen, "%s: rename from %s: %s", path, tmp,
		       strerror(-rc));
		goto out_unlink_tmp;
	}
	sync_parent(path);
	free(tmp);
	json_object_put(root);
	return 0;

out_unlink_tmp:
	unlink(tmp);
out_free_tmp:
	free(tmp);
out_put_root:
	json_object_put(root);
	return rc;
}

/* Value at a dotted @path below @root, or NULL (missing or null). */
static json_object *jpath(json_object *root, const char *path)
{
	char key[64];
	const char *dot;
	json_object *o = root;

	while (o && *path) {
		size_t n;

		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

/* Short printable rendering of a JSON value for messages. */
static const char *jshow(json_object *o, char *buf, size_t len)
{
	const char *s = json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE);

	return sanitize(s ? s : "?", 60, buf, len);
}

int dm_results_env_diff(const struct dm_results *a,
			const struct dm_results *b, enum dm_env_scope scope,
			char *msg, size_t len)
{
	static const char *const machine[] = {
		"accel", "icount_shift", "cpu.model", "cpu.count",
		"memory_bytes", "tracing", "qemu.version",
	};
	static const char *const kernel[] = {
		"kernel.release", "kernel.version", "kernel.config_hash",
		"kernel.cmdline", "kernel.name", "kernel.series",
		"kernel.revision", "kernel.patchset_hash",
	};
	size_t i, used = 0, nr_fields;
	const char *field;
	int diffs = 0;

	if (msg && len)
		msg[0] = '\0';
	nr_fields = ARRAY_SIZE(machine);
	if (scope == DM_ENV_MACHINE_AND_KERNEL)
		nr_fields += ARRAY_SIZE(kernel);
	for (i = 0; i < nr_fields; i++) {
		json_object *va, *vb;
		char sa[72], sb[72];
		int n;

		field = i < ARRAY_SIZE(machine) ? machine[i] :
			kernel[i - ARRAY_SIZE(machine)];
		va = jpath(a->environment, field);
		vb = jpath(b->environment, field);
		if (json_object_equal(va, vb))
			continue;
		diffs++;
		if (!msg || used >= len)
			continue;
		n = snprintf(msg + used, len - used,
			     "environment.%s: %s in %s, %s in %s\n", field,
			     jshow(va, sa, sizeof(sa)),
			     a->name ? a->name : "(unnamed)",
			     jshow(vb, sb, sizeof(sb)),
			     b->name ? b->name : "(unnamed)");
		if (n > 0)
			used += (size_t)n;
	}
	return diffs;
}

/* Append the samples of @m to the metric of the same name in @r. */
static int merge_metric(struct dm_result *r, const struct dm_metric *m,
			char *err, size_t errlen, const char *name)
{
	struct dm_metric *dst = dm_result_find_metric(r, m->name);
	double *samples;

	if (!dst) {
		samples = malloc((m->n ? m->n : 1) * sizeof(*samples));
		if (!samples)
			return seterr(-ENOMEM, err, errlen, "out of memory");
		memcpy(samples, m->samples, m->n * sizeof(*samples));
		if (metric_adopt(r, m->name, m->unit, m->better, samples,
				 m->n)) {
			free(samples);
			return seterr(-ENOMEM, err, errlen, "out of memory");
		}
		return 0;
	}
	if (dst->unit != m->unit || dst->better != m->better)
		return seterr(-EINVAL, err, errlen,
			      "%s: results[id=%s].metrics.%s: unit/better (%s, %s) differ from an earlier round (%s, %s)",
			      name, r->id, m->name, dm_unit_name(m->unit),
			      dm_better_name(m->better),
			      dm_unit_name(dst->unit),
			      dm_better_name(dst->better));
	if (dst->n + m->n > DM_MAX_SAMPLES)
		return seterr(-E2BIG, err, errlen,
			      "%s: results[id=%s].metrics.%s: more than %d samples merged",
			      name, r->id, m->name, DM_MAX_SAMPLES);
	samples = realloc(dst->samples, (dst->n + m->n + 1) * sizeof(*samples));
	if (!samples)
		return seterr(-ENOMEM, err, errlen, "out of memory");
	memcpy(samples + dst->n, m->samples, m->n * sizeof(*samples));
	dst->samples = samples;
	dst->n += m->n;
	if (dm_stats_summarize(dst->samples, dst->n, &dst->summary))
		return seterr(-ENOMEM, err, errlen, "out of memory");
	return 0;
}

/* Merge configuration @src (from round offset @round) into @out. */
static int merge_result(struct dm_results *out, const struct dm_result *src,
			int64_t round, const char *name, char *err,
			size_t errlen)
{
	struct dm_result *dst = dm_results_find(out, src->id);
	size_t i;
	int rc;

	if (!dst) {
		dst = calloc(1, sizeof(*dst));
		if (!dst)
			return seterr(-ENOMEM, err, errlen, "out of memory");
		dst->id = strdup(src->id);
		dst->workload = strdup(src->workload);
		dst->config = json_object_get(src->config);
		if (src->skipped)
			dst->skipped = strdup(src->skipped);
		if (!dst->id || !dst->workload ||
		    (src->skipped && !dst->skipped) ||
		    results_append(out, dst)) {
			result_free(dst);
			return seterr(-ENOMEM, err, errlen, "out of memory");
		}
	} else {
		if (!json_object_equal(dst->config, src->config))
			return seterr(-EINVAL, err, errlen,
				      "%s: results[id=%s].config differs from an earlier round",
				      name, src->id);
		/* Measured in any round: it is not skipped. */
		if (!src->skipped && dst->skipped) {
			free(dst->skipped);
			dst->skipped = NULL;
		}
	}
	for (i = 0; i < src->nr_metrics; i++) {
		rc = merge_metric(dst, &src->metrics[i], err, errlen, name);
		if (rc)
			return rc;
	}
	for (i = 0; i < src->nr_violations; i++) {
		const struct dm_violation *v = &src->violations[i];

		rc = violation_add(dst, v->cycle, round + v->round, v->check,
				   v->detail);
		if (rc)
			return seterr(rc, err, errlen, "%s: too many violations",
				      name);
	}
	return 0;
}

/* Record where round @in came from in @out->sources. */
static int add_sources(struct dm_results *out, const struct dm_results *in)
{
	char buf[512];
	size_t i, n;

	if (in->sources) {
		n = json_object_array_length(in->sources);
		for (i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(in->sources, i);

			if (json_object_array_add(out->sources,
						  json_object_get(s))) {
				json_object_put(s);
				return -ENOMEM;
			}
		}
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s@%s", in->name ? in->name : "?",
		 in->timestamp);
	return add_array_string(out->sources, buf);
}

int dm_results_merge(struct dm_results *const *in, size_t n,
		     struct dm_results **outp, char *err, size_t errlen)
{
	return dm_results_merge_scope(in, n, DM_ENV_MACHINE_AND_KERNEL, outp,
				      err, errlen);
}

int dm_results_merge_scope(struct dm_results *const *in, size_t n,
			   enum dm_env_scope scope, struct dm_results **outp,
			   char *err, size_t errlen)
{
	struct dm_results *out;
	char diff[1024];
	int64_t round = 0;
	size_t i, j;
	int rc;

	*outp = NULL;
	if (n == 0)
		return seterr(-EINVAL, err, errlen, "nothing to merge");
	for (i = 1; i < n; i++) {
		if (dm_results_env_diff(in[0], in[i], scope, diff,
					sizeof(diff)))
			return seterr(-EINVAL, err, errlen,
				      "cannot merge runs of different environments:\n%s",
				      diff);
	}

	rc = dm_results_new(&out);
	if (rc)
		return seterr(rc, err, errlen, "out of memory");
	rc = -ENOMEM;
	json_object_put(out->parameters);
	out->parameters = NULL;
	if (set_string(&out->tool, in[0]->tool) ||
	    set_string(&out->suite_version, in[0]->suite_version) ||
	    set_string(&out->timestamp, in[0]->timestamp) ||
	    json_object_deep_copy(in[0]->environment, &out->environment,
				  NULL) ||
	    json_object_deep_copy(in[0]->parameters, &out->parameters, NULL))
		goto out_free;
	out->sources = json_object_new_array();
	if (!out->sources)
		goto out_free;

	for (i = 0; i < n; i++) {
		const char *name = in[i]->name ? in[i]->name : "?";

		if (add_sources(out, in[i]))
			goto out_free;
		for (j = 0; j < in[i]->nr_results; j++) {
			rc = merge_result(out, in[i]->results[j], round, name,
					  err, errlen);
			if (rc)
				goto out_free_msg;
		}
		round += in[i]->rounds;
	}
	out->rounds = round;
	*outp = out;
	return 0;

out_free:
	seterr(rc, err, errlen, "out of memory");
out_free_msg:
	dm_results_free(out);
	return rc;
}
