/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devmem-bench results file ("schema": "devmem-bench/2"; /1 files
 * still read), written and read with json-c.  results/SCHEMA.md documents
 * every field.
 *
 * Writing (devmem-bench):
 *
 *	struct dm_results *res;
 *	struct dm_result *r;
 *
 *	dm_results_new(&res);
 *	dm_results_set_tool(res, "devmem-bench", DEVMEM_VERSION);
 *	dm_results_set_env(res, &env);
 *	dm_results_set_param_int(res, "warmup", 3);
 *	dm_results_set_param_int(res, "cycles", 30);
 *	dm_results_set_param_string(res, "driver", "sysfs");
 *	dm_results_add_result(res, &cfg, &r);
 *	dm_result_config_set_int(r, "threads", 2);	(any workload's keys)
 *	dm_result_add_metric_int(r, "add_ns", DM_UNIT_NS, DM_BETTER_LOWER,
 *				 add_ns, cycles);
 *	dm_result_add_violation(r, 7, "zone_span", "spanned 262144 != ...");
 *	rc = dm_results_write(res, "out.json", err, sizeof(err));
 *	dm_results_free(res);
 *
 * Reading (devmem-compare, the dashboard): dm_results_load() validates the
 * whole file and fills the same structures, which are then read directly
 * (treat them as read-only; change them only through the functions here).
 *
 * Actions return 0 or -errno.  Functions taking @err/@errlen also write a
 * one-line message there, naming the file and the JSON path at fault,
 * e.g. "run.json: results[2].metrics.add_ns.samples[4]: not a number".
 */
#ifndef DEVMEM_RESULTS_H
#define DEVMEM_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "stats.h"

#define DM_SCHEMA		"devmem-bench/2"
#define DM_SCHEMA_PREFIX	"devmem-bench/"
#define DM_SCHEMA_MAJOR		2
/* The oldest major the reader accepts: /1 reads as workload "ns-cycle". */
#define DM_SCHEMA_MIN_MAJOR	1
/* The workload of a configuration that names none (schema /1, the writer). */
#define DM_DEFAULT_WORKLOAD	"ns-cycle"

/* Limits the reader enforces so hostile files cannot exhaust memory. */
#define DM_MAX_FILE_BYTES	(64UL << 20)
#define DM_MAX_DEPTH		32
#define DM_MAX_SAMPLES		1000000
#define DM_MAX_RESULTS		10000
#define DM_MAX_METRICS		1000
#define DM_MAX_VIOLATIONS	100000
#define DM_MAX_NAME		128	/* ids, metric names, config keys */
#define DM_MAX_CONFIG_KEYS	64	/* keys of one result's config */
#define DM_MAX_CONFIG_STRING	1024	/* bytes of a config string value */

/* A good size for @err buffers. */
#define DM_ERR_LEN		512

enum dm_unit {
	DM_UNIT_NS,		/* integer nanoseconds */
	DM_UNIT_NS_PER_PAGE,	/* nanoseconds per 4 KiB page (real) */
	DM_UNIT_PAGES,		/* integer pages (may be a signed delta) */
	DM_UNIT_BYTES,		/* integer bytes (may be a signed delta) */
	DM_UNIT_BYTES_PER_SEC,	/* bytes per second (real) */
	DM_UNIT_RATIO,		/* dimensionless, >= 0 */
	DM_UNIT_COUNT,		/* integer events, >= 0 */
	/*
	 * Under QEMU icount (environment.accel "tcg-icount", shift 0) the
	 * guest clock advances 1 ns per executed instruction: durations
	 * are instruction counts.  The writer passes DM_UNIT_NS and
	 * DM_UNIT_NS_PER_PAGE as everywhere; the file says "insn" and
	 * "insn/page" (dm_unit_for_accel()), and that is what readers get.
	 */
	DM_UNIT_INSN,		/* integer guest instructions */
	DM_UNIT_INSN_PER_PAGE,	/* instructions per 4 KiB page (real) */
	DM_UNIT_NR,
};

enum dm_better {
	DM_BETTER_LOWER,
	DM_BETTER_HIGHER,
	DM_BETTER_NONE,		/* informational: a change is neither */
	DM_BETTER_NR,
};

/* The accelerators a result may name; "tcg-icount" counts instructions. */
#define DM_ACCEL_ICOUNT		"tcg-icount"
/* The only icount shift accepted: 2^0 ns of guest time per instruction. */
#define DM_ICOUNT_SHIFT		0

/* True for an accel whose durations are instruction counts. */
bool dm_accel_counts_insn(const char *accel);
/* @unit as stored for a run under @accel: ns -> insn under icount. */
enum dm_unit dm_unit_for_accel(enum dm_unit unit, const char *accel);
/* True for ns, ns/page, insn and insn/page: a cost, scaled by 1000. */
bool dm_unit_is_duration(enum dm_unit unit);

const char *dm_unit_name(enum dm_unit unit);
/* Returns 0 or -EINVAL for an unknown name. */
int dm_unit_parse(const char *name, enum dm_unit *unit);
bool dm_unit_is_integer(enum dm_unit unit);
/*
 * How to show values of @unit near @ref to people: divide by @div and
 * append @suffix ("ms", "MiB/s", "pages"; "" for ratios and counts).
 * ns scale by 1000 up to s, insn by 1000 up to Ginsn, bytes by 1024 up to
 * TiB.
 */
struct dm_scale {
	double div;
	const char *suffix;
};

struct dm_scale dm_unit_scale(enum dm_unit unit, double ref);
const char *dm_better_name(enum dm_better better);
int dm_better_parse(const char *name, enum dm_better *better);

/* One metric of one configuration: raw samples and their summary. */
struct dm_metric {
	char *name;
	enum dm_unit unit;
	enum dm_better better;
	double *samples;
	size_t n;
	struct dm_summary summary;
};

struct dm_violation {
	int64_t cycle;
	int64_t round;		/* which merged round; 0 in a single run */
	char *check;
	char *detail;
};

/* One configuration of the matrix. */
struct dm_result {
	char *id;
	/* config.workload; DM_DEFAULT_WORKLOAD for a /1 file */
	char *workload;
	json_object *config;	/* owned */
	char *skipped;		/* NULL, or why it did not run */
	struct dm_metric *metrics;
	size_t nr_metrics;
	size_t alloc_metrics;
	struct dm_violation *violations;
	size_t nr_violations;
	size_t alloc_violations;
};

struct dm_results {
	char *name;		/* file it was loaded from, for messages */
	char *tool;
	char *suite_version;
	char *timestamp;	/* ISO-8601 UTC, "2024-11-25T03:50:09Z" */
	json_object *environment;	/* owned */
	json_object *parameters;	/* owned */
	struct dm_result **results;
	size_t nr_results;
	size_t alloc_results;
	int64_t rounds;		/* runs merged into this one; 1 normally */
	json_object *sources;	/* owned; array of strings or NULL */
};

/* What devmem-bench knows about where it ran (NULL = JSON null). */
struct dm_env {
	const char *kernel_release;	/* uname -r */
	const char *kernel_version;	/* uname -v */
	const char *config_hash;	/* "sha256:<64 hex>" of the .config */
	const char *cmdline;		/* /proc/cmdline */
	const char *kernel_name;	/* the suite's name, "debian-6.12" */
	const char *series;		/* patch series, or NULL */
	const char *revision;		/* its revision, or NULL */
	const char *patchset_hash;	/* "sha256:..." of the patches, or NULL */
	/* "kvm", "tcg", "tcg-icount" or "bare-metal" */
	const char *accel;
	int icount_shift;		/* tcg-icount only; must be 0 */
	const char *cpu_model;
	unsigned int cpu_count;
	uint64_t memory_bytes;		/* RAM given to the machine, not MemTotal */
	const char *qemu_version;	/* NULL on bare metal: "qemu": null */
	const char *const *qemu_args;
	size_t nr_qemu_args;
	const char *ndctl_version;	/* NULL if unknown */
	const char *tracing;		/* "function_graph", "kprobe", "none" */
};

/* Identity and layout of one configuration. */
struct dm_config {
	const char *id;			/* NULL: dm_config_make_id() */
	const char *workload;		/* NULL: "ns-cycle" */
	/* NULL, or the workload's own name for the configuration */
	const char *variant;
	/* NULL for a workload without one namespace configuration */
	const char *mode;		/* "devdax", "fsdax" */
	const char *map;		/* memmap in "mem" (RAM) or "dev" */
	uint64_t align_bytes;
	uint64_t size_bytes;
	const char *driver;		/* "sysfs" (in-process), "ndctl-cli" */
};

/*
 * The id of a configuration.  Workload "ns-cycle" (or NULL):
 * "<mode>-<map>-<align>-<size>" with sizes as 4K/2M/1G/256M..., plus
 * "-<driver>" unless the driver is "sysfs": "devdax-mem-2M-1G" (the ids of
 * /1 files, so stored histories stay comparable).  Any other workload:
 * "<workload>.<variant>" if it has a variant, else "<workload>.<ns id>" if
 * it has a mode, else "<workload>".  Only [A-Za-z0-9._-].
 * Returns 0, -EINVAL, -ENAMETOOLONG.
 */
int dm_config_make_id(const struct dm_config *cfg, char *buf, size_t len);

/* Document life cycle; the timestamp defaults to the time of creation. */
int dm_results_new(struct dm_results **res);
void dm_results_free(struct dm_results *res);
int dm_results_set_tool(struct dm_results *res, const char *tool,
			const char *suite_version);
int dm_results_set_timestamp(struct dm_results *res, time_t when);
int dm_results_set_env(struct dm_results *res, const struct dm_env *env);
int dm_results_set_param_int(struct dm_results *res, const char *key,
			     int64_t value);
int dm_results_set_param_string(struct dm_results *res, const char *key,
				const char *value);
/* Borrowed objects, for extra fields (json_object_object_add on them). */
json_object *dm_results_get_env(struct dm_results *res);
json_object *dm_results_get_params(struct dm_results *res);

/* Adds a configuration; *@out stays valid until dm_results_free(). */
int dm_results_add_result(struct dm_results *res,
			  const struct dm_config *cfg, struct dm_result **out);
json_object *dm_result_get_config(struct dm_result *r);
/*
 * Add a scalar to a result's config after dm_results_add_result(): keys
 * [A-Za-z0-9._-] (at most DM_MAX_NAME), not already there; strings up to
 * DM_MAX_CONFIG_STRING bytes, integers within +/-2^53.  Returns 0,
 * -EINVAL, -EEXIST, -E2BIG (more than DM_MAX_CONFIG_KEYS), -ENOMEM.
 */
int dm_result_config_set_int(struct dm_result *r, const char *key, int64_t v);
int dm_result_config_set_string(struct dm_result *r, const char *key,
				const char *v);
int dm_result_config_set_bool(struct dm_result *r, const char *key, bool v);
int dm_result_set_skipped(struct dm_result *r, const char *reason);

/*
 * Add a metric; the samples are copied and summarised with stats.c.
 * Integer units (ns, pages, bytes, count) require integral values.
 * Returns 0, -EINVAL (bad name, unit, non-finite or out-of-range value),
 * -EEXIST (name already used in @r), -E2BIG, -ENOMEM.
 */
int dm_result_add_metric(struct dm_result *r, const char *name,
			 enum dm_unit unit, enum dm_better better,
			 const double *samples, size_t n);
int dm_result_add_metric_int(struct dm_result *r, const char *name,
			     enum dm_unit unit, enum dm_better better,
			     const int64_t *samples, size_t n);
int dm_result_add_violation(struct dm_result *r, int64_t cycle,
			    const char *check, const char *detail);

/* Build the JSON tree (validated as a reader would); caller puts it. */
int dm_results_to_json(const struct dm_results *res, json_object **out,
		       char *err, size_t errlen);
/*
 * Validate, then write atomically: a temporary file in the same folder,
 * fsync, rename over @path.  Returns 0, -EINVAL (invalid document), or
 * the -errno of the failing call.
 */
int dm_results_write(const struct dm_results *res, const char *path,
		     char *err, size_t errlen);

/*
 * Read and validate a results file.  Never crashes on malformed input:
 * returns -EINVAL (bad content), -EFBIG (over DM_MAX_FILE_BYTES),
 * -ENOMEM, or the -errno of open/read, with a message in @err.
 */
int dm_results_load(const char *path, struct dm_results **res,
		    char *err, size_t errlen);
/* The same from a buffer; @name is used in messages. */
int dm_results_parse(const char *buf, size_t len, const char *name,
		     struct dm_results **res, char *err, size_t errlen);
/* The same from a parsed tree (not consumed). */
int dm_results_from_json(json_object *root, const char *name,
			 struct dm_results **res, char *err, size_t errlen);

/*
 * A JSON number in the shortest form that reads back as @d (integral
 * values as integers), or NULL, i.e. JSON null, if @d is not finite.
 */
json_object *dm_json_new_number(double d);

struct dm_result *dm_results_find(const struct dm_results *res,
				  const char *id);
struct dm_metric *dm_result_find_metric(const struct dm_result *r,
					const char *name);

/* Fields compared by dm_results_env_diff(). */
enum dm_env_scope {
	/*
	 * accel, icount_shift, cpu.model, cpu.count, memory_bytes,
	 * tracing, qemu.version
	 */
	DM_ENV_MACHINE,
	/* the above plus the kernel identity: rounds of one side */
	DM_ENV_MACHINE_AND_KERNEL,
};

/*
 * Number of differing fields (0: same environment); @msg gets one line
 * per field: "environment.accel: \"tcg\" in a.json, \"kvm\" in b.json".
 */
int dm_results_env_diff(const struct dm_results *a,
			const struct dm_results *b, enum dm_env_scope scope,
			char *msg, size_t len);

/*
 * Merge rounds of the same kernel and machine into one document: the
 * samples of each configuration and metric are concatenated in input
 * order, summaries recomputed, violations kept with their round.
 * Returns 0, -EINVAL (different environments, configurations or units;
 * the message says which), -ENOMEM.
 */
int dm_results_merge(struct dm_results *const *in, size_t n,
		     struct dm_results **out, char *err, size_t errlen);

/*
 * The same, requiring only the fields of @scope to be equal:
 * DM_ENV_MACHINE pools runs of different kernel builds on one machine
 * (a nightly history); the result carries the first run's environment.
 */
int dm_results_merge_scope(struct dm_results *const *in, size_t n,
			   enum dm_env_scope scope, struct dm_results **out,
			   char *err, size_t errlen);

#endif /* DEVMEM_RESULTS_H */
