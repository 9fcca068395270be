/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devmem_data: data on device memory across hotplug - the mechanics the
 * `data` workload (devmem-bench) and devmem_data_test share.
 *
 * A pattern is written with fio (verify=crc32c, verify_state_save,
 * do_verify=0) to a devdax namespace (the mmap engine on /dev/daxX.Y) or
 * to a file on an ext4 filesystem mounted with -o dax on an fsdax
 * namespace; the namespace is hot-removed and hot-added any number of
 * times (fsdax: unmount, disable, enable, mount); the same job with
 * verify_only and verify_state_load then reads every block back and
 * counts the blocks whose checksum, offset or header changed
 * (continue_on_error=verify: every bad block, not just the first).
 * fio's result is its --output-format=json document, read with json-c;
 * a build without json-c (DEVMEM_NO_JSONC) has the rest and reports
 * -EOPNOTSUPP from dm_fio_available().
 *
 * fio runs as a child of the caller that dies with it (PR_SET_PDEATHSIG),
 * in a work directory of its own (verify state, JSON, stderr).  Mounts
 * are made in a private mount namespace (dm_data_private_mounts()), so a
 * process killed midway leaves no mount behind: the namespace, and with
 * it the filesystem, goes when its last process does.
 *
 * A memory hog (dm_hog) holds MemAvailable minus a margin in a child that
 * touched every page, so that memmap-in-RAM allocations of a hot-add come
 * from a tight system; the OOM killer takes it first (oom_score_adj 1000).
 *
 * Actions return 0 or -errno, with the reason in @why where they take one.
 */
#ifndef DEVMEM_DATA_H
#define DEVMEM_DATA_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "devmem.h"

/* ---- fio ---------------------------------------------------------------- */

enum dm_fio_kind {
	DM_FIO_WRITE,		/* write the pattern, save the verify state */
	DM_FIO_VERIFY,		/* read it back: verify_only, state load */
	DM_FIO_LOAD,		/* random writes verified as they go, until
				 * stopped or @seconds
				 */
};

struct dm_fio_job {
	enum dm_fio_kind kind;
	const char *name;		/* job name: the same for write/verify */
	const char *filename;		/* /dev/daxX.Y or a file */
	const char *dir;		/* fio's cwd: state, output */
	unsigned long long size;	/* bytes, a multiple of @bs */
	unsigned long long bs;		/* block size, bytes */
	unsigned int seconds;		/* LOAD: 0 = until dm_fio_stop() */
};

/* What one fio run reported (jobs[0] of its JSON). */
struct dm_fio_out {
	int status;			/* exit status, -signal if killed */
	int error;			/* jobs[0].error (84: verify failed) */
	long long verify_errors;	/* jobs[0].total_err */
	unsigned long long read_bytes, write_bytes;
	double read_bw, write_bw;	/* bytes/s */
	/* completion latency percentiles, ns; -1 when absent */
	double read_p50, read_p99, write_p50, write_p99;
	double runtime_ms;
	char msg[DM_MSG_LEN];		/* fio's first error line, or ours */
};

struct dm_fio {
	pid_t pid;
	char json[PATH_MAX];
	char err[PATH_MAX];
	bool stopped;
};

/* fio is there, runs and has the mmap engine; json-c is built in. */
int dm_fio_available(char *why, size_t len);
int dm_fio_start(const struct dm_fio_job *job, struct dm_fio *f);
bool dm_fio_running(struct dm_fio *f);
/*
 * Wait until fio has set itself up (its SIGINT handler is in: a SIGINT
 * before that would kill it without a result); 0, -ETIMEDOUT or -ESRCH.
 */
int dm_fio_ready(struct dm_fio *f, unsigned int timeout_ms);
/* Ask a running fio to finish (SIGINT: it still writes its JSON). */
void dm_fio_stop(struct dm_fio *f);
/* Wait for it and read its JSON; 0 when the JSON was read. */
int dm_fio_wait(struct dm_fio *f, struct dm_fio_out *out);
/* Kill it without reading anything (error paths). */
void dm_fio_kill(struct dm_fio *f);
int dm_fio_run(const struct dm_fio_job *job, struct dm_fio_out *out);
/* Parse a fio JSON document already on disk. */
int dm_fio_parse(const char *path, struct dm_fio_out *out);

/* ---- A namespace holding a pattern ------------------------------------ */

struct dm_data {
	struct dm_ns *ns;
	enum dm_mode mode;
	char dir[32];			/* work dir (mkdtemp), removed at end */
	char dev[32];			/* daxX.Y or pmemN */
	char mnt[48];			/* fsdax: mount point in @dir */
	char target[64];		/* what fio opens */
	bool mounted;
	unsigned long long size;	/* bytes of pattern */
	unsigned long long bs;
	unsigned long long written;	/* bytes the write run wrote */
	char why[DM_MSG_LEN];
};

/*
 * Put this process in a private mount namespace (once); mounts made
 * after it are seen by it and its children only, and vanish with them.
 */
int dm_data_private_mounts(char *why, size_t len);
/* mkfs.ext4 and a mount with -o dax work here (tools, kernel). */
int dm_data_fsdax_available(char *why, size_t len);

/*
 * Take @ns (created, enabled) for data: a work dir, for fsdax a fresh
 * ext4 mounted with -o dax (DAX checked on the data file with statx).
 * @size 0: as much as fits, else at most @size; @bs a power of two.
 */
int dm_data_init(struct dm_data *d, struct dm_ns *ns,
		 unsigned long long size, unsigned long long bs);
/* Unmount (fsdax) and remove the work dir; the namespace is the caller's. */
void dm_data_release(struct dm_data *d);
int dm_data_write(struct dm_data *d, struct dm_fio_out *out);
int dm_data_verify(struct dm_data *d, struct dm_fio_out *out);
/* Hot-remove (fsdax: unmount first) and hot-add (fsdax: mount after). */
int dm_data_remove(struct dm_data *d, uint64_t *elapsed_ns);
int dm_data_add(struct dm_data *d, uint64_t *elapsed_ns);
/*
 * Positive control: flip the bytes of the block at @block (data, not
 * the header) so that the next verify must count one bad block.
 */
int dm_data_corrupt(struct dm_data *d, unsigned long long block);

/*
 * For a LOAD job on @d: zero the start of every block before fio starts,
 * then wait until fio has written a block (its verify header is there);
 * 0, -ETIMEDOUT, -ESRCH (fio is gone) or -errno.
 */
int dm_data_clear_headers(struct dm_data *d);
int dm_data_wait_io(struct dm_data *d, struct dm_fio *f,
		    unsigned int timeout_ms);

/* ---- Memory hog --------------------------------------------------------- */

struct dm_hog {
	pid_t pid;
	unsigned long long bytes;	/* held and touched */
};

/* Hold MemAvailable - @margin bytes; returns once every page is touched. */
int dm_hog_start(struct dm_hog *h, unsigned long long margin, char *why,
		 size_t len);
bool dm_hog_alive(struct dm_hog *h);
void dm_hog_stop(struct dm_hog *h);

#endif /* DEVMEM_DATA_H */
