// SPDX-License-Identifier: GPL-2.0
/*
 * devmem_data: a verified fio pattern on a namespace across hotplug, fio
 * load, a memory hog.  See devmem_data.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#ifndef DEVMEM_NO_JSONC
#include <json-c/json.h>
#endif

#include "devmem_data.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX		0x00200000
#endif

#define FIO_POLL_US		20000

/* ---- Children ----------------------------------------------------------- */

/*
 * fork and exec @argv in @dir with stdout to /dev/null and stderr to
 * @err (NULL: /dev/null); the child dies with its parent.
 */
static int spawn(char *const argv[], const char *dir, const char *err,
		 pid_t *pid)
{
	pid_t parent = getpid(), p;
	int fd;

	p = fork();
	if (p < 0)
		return -errno;
	if (!p) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		if (dir && chdir(dir))
			_exit(127);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (!err)
				dup2(fd, 2);
		}
		if (err) {
			fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd >= 0)
				dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	*pid = p;
	return 0;
}

/* Wait for @pid; a SIGINT is passed on once when the caller is stopped. */
static int reap(pid_t pid, bool *stopped)
{
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (dm_interrupted() && stopped && !*stopped) {
			kill(pid, SIGINT);
			*stopped = true;
		}
		usleep(FIO_POLL_US);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -WTERMSIG(status);
}

/* Run @argv to the end; its exit status (-signal), or -errno. */
static int run_cmd(char *const argv[], const char *dir, const char *err)
{
	pid_t pid;
	int rc;

	rc = spawn(argv, dir, err, &pid);
	if (rc)
		return rc;
	rc = reap(pid, NULL);
	return rc < 0 ? -EINTR : rc;
}

/* The first line of @path into @buf ("" if none). */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *nl;

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(buf, len, f)) {
		nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		if (buf[0])
			break;
	}
	fclose(f);
}

/* ---- fio ---------------------------------------------------------------- */

int dm_fio_available(char *why, size_t len)
{
	char *const argv[] = { "fio", "--enghelp=mmap", NULL };
	int rc;

#ifdef DEVMEM_NO_JSONC
	snprintf(why, len, "built without json-c (libjson-c-dev): fio's JSON cannot be read");
	return -EOPNOTSUPP;
#endif
	rc = run_cmd(argv, NULL, NULL);
	if (rc) {
		snprintf(why, len, "fio with the mmap engine is not available (fio --enghelp=mmap: %s)",
			 rc == 127 ? "not found" : "failed");
		return -EOPNOTSUPP;
	}
	return 0;
}

#define FIO_ARGS	24
#define FIO_ARG_LEN	(PATH_MAX + 32)

int dm_fio_start(const struct dm_fio_job *job, struct dm_fio *f)
{
	static const char *const kinds[] = { "write", "verify", "load" };
	char buf[FIO_ARGS][FIO_ARG_LEN];
	char *argv[FIO_ARGS + 1];
	int n = 0, i;

	memset(f, 0, sizeof(*f));
	f->pid = -1;
	if (!job->size || !job->bs || job->size % job->bs)
		return -EINVAL;
	snprintf(f->json, sizeof(f->json), "%s/%s-%s.json", job->dir,
		 job->name, kinds[job->kind]);
	snprintf(f->err, sizeof(f->err), "%s/%s-%s.err", job->dir, job->name,
		 kinds[job->kind]);
	unlink(f->json);
#define ARG(...) snprintf(buf[n++], FIO_ARG_LEN, __VA_ARGS__)
	ARG("fio");
	ARG("--name=%s", job->name);
	ARG("--filename=%s", job->filename);
	ARG("--ioengine=mmap");
	/*
	 * The job as a thread of fio's one process: a worker process of
	 * its own outlives a SIGKILLed devmem-bench (the death signal
	 * reaches fio's parent process only) and holds the namespace.
	 */
	ARG("--thread");
	ARG("--bs=%llu", job->bs);
	ARG("--size=%llu", job->size);
	ARG("--verify=crc32c");
	ARG("--output-format=json");
	ARG("--output=%s", f->json);
	switch (job->kind) {
	case DM_FIO_WRITE:
		ARG("--rw=write");
		ARG("--do_verify=0");
		ARG("--verify_state_save=1");
		break;
	case DM_FIO_VERIFY:
		ARG("--rw=write");
		ARG("--verify_only=1");
		ARG("--verify_state_load=1");
		ARG("--continue_on_error=verify");
		break;
	case DM_FIO_LOAD:
		ARG("--rw=randwrite");
		ARG("--verify_backlog=1");
		ARG("--continue_on_error=verify");
		ARG("--time_based=1");
		ARG("--runtime=%u", job->seconds ? job->seconds : 1000000);
		break;
	}
#undef ARG
	for (i = 0; i < n; i++)
		argv[i] = buf[i];
	argv[n] = NULL;
	return spawn(argv, job->dir, f->err, &f->pid);
}

/* Has @pid not exited yet (it is not reaped here)? */
static bool alive(pid_t pid)
{
	siginfo_t si = { 0 };

	return pid > 0 &&
	       !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       !si.si_pid;
}

bool dm_fio_running(struct dm_fio *f)
{
	return alive(f->pid);
}

/* Has fio installed its SIGINT handler (so that SIGINT ends it cleanly)? */
static bool catches_sigint(pid_t pid)
{
	unsigned long long mask = 0;
	char path[64], line[128];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "SigCgt: %llx", &mask) == 1;
	fclose(f);
	return found && (mask & (1ull << (SIGINT - 1)));
}

int dm_fio_ready(struct dm_fio *f, unsigned int timeout_ms)
{
	unsigned int waited = 0;

	while (!catches_sigint(f->pid)) {
		if (!alive(f->pid))
			return -ESRCH;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(FIO_POLL_US);
		waited += FIO_POLL_US / 1000;
	}
	return 0;
}

void dm_fio_stop(struct dm_fio *f)
{
	dm_fio_ready(f, 60000);
	if (f->pid > 0 && !f->stopped) {
		kill(f->pid, SIGINT);
		f->stopped = true;
	}
}

void dm_fio_kill(struct dm_fio *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = -1;
	}
}

int dm_fio_wait(struct dm_fio *f, struct dm_fio_out *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (f->pid <= 0)
		return -ECHILD;
	out->status = reap(f->pid, &f->stopped);
	f->pid = -1;
	rc = dm_fio_parse(f->json, out);
	if (out->error || out->status || rc) {
		char line[DM_MSG_LEN / 2];

		first_line(f->err, line, sizeof(line));
		snprintf(out->msg, sizeof(out->msg),
			 "fio exit %d, error %d%s%s%s", out->status,
			 out->error, rc ? " (no JSON)" : "",
			 line[0] ? ": " : "", line);
	}
	return rc;
}

int dm_fio_run(const struct dm_fio_job *job, struct dm_fio_out *out)
{
	struct dm_fio f;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = dm_fio_start(job, &f);
	if (rc) {
		snprintf(out->msg, sizeof(out->msg), "starting fio: %s",
			 strerror(-rc));
		return rc;
	}
	return dm_fio_wait(&f, out);
}

#ifdef DEVMEM_NO_JSONC
int dm_fio_parse(const char *path, struct dm_fio_out *out)
{
	return -EOPNOTSUPP;
}
#else
static json_object *jget(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static double jnum(json_object *o, const char *key, double def)
{
	json_object *v = jget(o, key);

	return v ? json_object_get_double(v) : def;
}

/* clat percentile @p ("%f", fio's key format) of @dir, ns; -1 if none. */
static double jpct(json_object *dir, const char *p)
{
	return jnum(jget(jget(dir, "clat_ns"), "percentile"), p, -1);
}

int dm_fio_parse(const char *path, struct dm_fio_out *out)
{
	json_object *doc, *jobs, *job, *rd, *wr;
	char *text = NULL, *start;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd, rc = -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *t = realloc(text, cap = (cap + 4096) * 2);

			if (!t) {
				rc = -ENOMEM;
				goto out_close;
			}
			text = t;
		}
		r = read(fd, text + n, cap - n - 1);
		if (r < 0) {
			rc = -errno;
			goto out_close;
		}
		if (!r)
			break;
		n += r;
	}
	text[n] = '\0';
	/* A signalled fio writes "fio: terminating ..." before the document. */
	start = text[0] == '{' ? text : strstr(text, "\n{");
	if (!start)
		goto out_close;
	doc = json_tokener_parse(start);
	if (!doc)
		goto out_close;
	jobs = jget(doc, "jobs");
	job = jobs && json_object_is_type(jobs, json_type_array) &&
	      json_object_array_length(jobs) ?
	      json_object_array_get_idx(jobs, 0) : NULL;
	if (job) {
		rd = jget(job, "read");
		wr = jget(job, "write");
		out->error = jnum(job, "error", 0);
		out->verify_errors = jnum(job, "total_err", 0);
		out->read_bytes = jnum(rd, "io_bytes", 0);
		out->write_bytes = jnum(wr, "io_bytes", 0);
		out->runtime_ms = jnum(job, "job_runtime", 0);
		/* verify reads have no runtime of their own (bw_bytes 0):
		 * both directions are bytes over the job's runtime
		 */
		if (out->runtime_ms > 0) {
			out->read_bw = out->read_bytes * 1e3 / out->runtime_ms;
			out->write_bw = out->write_bytes * 1e3 /
					out->runtime_ms;
		}
		out->read_p50 = jpct(rd, "50.000000");
		out->read_p99 = jpct(rd, "99.000000");
		out->write_p50 = jpct(wr, "50.000000");
		out->write_p99 = jpct(wr, "99.000000");
		/* A failed verify without continue_on_error counts too. */
		if (out->error == EILSEQ && !out->verify_errors)
			out->verify_errors = 1;
		rc = 0;
	}
	json_object_put(doc);
out_close:
	close(fd);
	free(text);
	return rc;
}
#endif

/* ---- Filesystems -------------------------------------------------------- */

int dm_data_private_mounts(char *why, size_t len)
{
	static bool done;

	if (done)
		return 0;
	if (unshare(CLONE_NEWNS)) {
		snprintf(why, len, "unshare(CLONE_NEWNS): %s", strerror(errno));
		return -errno;
	}
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(why, len, "making mounts private: %s",
			 strerror(errno));
		return -errno;
	}
	done = true;
	return 0;
}

static bool have_fs(const char *fs)
{
	char line[128], name[64];
	FILE *f = fopen("/proc/filesystems", "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "nodev %63s", name) != 1 &&
			sscanf(line, "%63s", name) == 1 && !strcmp(name, fs);
	fclose(f);
	return found;
}

int dm_data_fsdax_available(char *why, size_t len)
{
	char *const argv[] = { "mkfs.ext4", "-V", NULL };

	if (run_cmd(argv, NULL, NULL)) {
		snprintf(why, len, "mkfs.ext4 not found (e2fsprogs)");
		return -EOPNOTSUPP;
	}
	if (!have_fs("ext4")) {
		snprintf(why, len, "the kernel has no ext4 (modprobe ext4)");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int do_mount(struct dm_data *d)
{
	char blk[80];
	int rc;

	snprintf(blk, sizeof(blk), "/dev/%s", d->dev);
	rc = mount(blk, d->mnt, "ext4", 0, "dax=always");
	if (rc && errno == EINVAL)	/* before 5.8: plain "dax" */
		rc = mount(blk, d->mnt, "ext4", 0, "dax");
	if (rc) {
		rc = -errno;
		snprintf(d->why, sizeof(d->why), "mount %s -o dax: %s", blk,
			 strerror(-rc));
		return rc;
	}
	d->mounted = true;
	return 0;
}

static int do_umount(struct dm_data *d)
{
	if (!d->mounted)
		return 0;
	if (umount2(d->mnt, 0)) {
		int rc = -errno;

		snprintf(d->why, sizeof(d->why), "umount %s: %s", d->mnt,
			 strerror(-rc));
		return rc;
	}
	d->mounted = false;
	return 0;
}

/* Is @path accessed through DAX?  1 yes, 0 no, -errno. */
static int is_dax(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx))
		return -errno;
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return -EOPNOTSUPP;
	return !!(stx.stx_attributes & STATX_ATTR_DAX);
}

static int read_ull(const char *path, unsigned long long *v)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return -errno;
	rc = fscanf(f, "%llu", v) == 1 ? 0 : -EINVAL;
	fclose(f);
	return rc;
}

static int resolve(struct dm_data *d)
{
	int rc = dm_ns_devname(d->ns, d->dev, sizeof(d->dev));

	if (rc) {
		snprintf(d->why, sizeof(d->why), "%s: no device node: %s",
			 dm_ns_name(d->ns), strerror(-rc));
		return rc;
	}
	if (d->mode == DM_MODE_DEVDAX)
		snprintf(d->target, sizeof(d->target), "/dev/%s", d->dev);
	else
		snprintf(d->target, sizeof(d->target), "%s/data", d->mnt);
	return 0;
}

static int init_fsdax(struct dm_data *d, unsigned long long *avail)
{
	char blk[80], err[64], line[DM_MSG_LEN / 2];
	char *const argv[] = { "mkfs.ext4", "-q", "-F", "-b", "4096", blk, NULL };
	char probe[64];
	struct statvfs vfs;
	int rc, fd;

	snprintf(blk, sizeof(blk), "/dev/%s", d->dev);
	snprintf(err, sizeof(err), "%s/mkfs.err", d->dir);
	rc = run_cmd(argv, d->dir, err);
	if (rc) {
		first_line(err, line, sizeof(line));
		snprintf(d->why, sizeof(d->why), "mkfs.ext4 %s: exit %d: %s",
			 blk, rc, line);
		return -EIO;
	}
	snprintf(d->mnt, sizeof(d->mnt), "%s/mnt", d->dir);
	if (mkdir(d->mnt, 0700)) {
		rc = -errno;
		snprintf(d->why, sizeof(d->why), "mkdir %s: %s", d->mnt,
			 strerror(-rc));
		return rc;
	}
	rc = do_mount(d);
	if (rc)
		return rc;
	snprintf(probe, sizeof(probe), "%s/probe", d->mnt);
	fd = open(probe, O_CREAT | O_WRONLY, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(d->why, sizeof(d->why), "create %s: %s", probe,
			 strerror(-rc));
		return rc;
	}
	close(fd);
	rc = is_dax(probe);
	unlink(probe);
	if (rc != 1) {
		snprintf(d->why, sizeof(d->why),
			 "%s mounted with -o dax but a file on it is not DAX%s",
			 blk, rc == -EOPNOTSUPP ?
			 " (statx reports no DAX attribute)" : "");
		return -EOPNOTSUPP;
	}
	if (statvfs(d->mnt, &vfs)) {
		rc = -errno;
		snprintf(d->why, sizeof(d->why), "statvfs %s: %s", d->mnt,
			 strerror(-rc));
		return rc;
	}
	/* leave an eighth for the file's metadata */
	*avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	*avail -= *avail / 8;
	return 0;
}

int dm_data_init(struct dm_data *d, struct dm_ns *ns,
		 unsigned long long size, unsigned long long bs)
{
	unsigned long long avail = 0;
	char path[128];
	int rc;

	memset(d, 0, sizeof(*d));
	d->ns = ns;
	d->mode = dm_ns_config(ns)->mode;
	d->bs = bs;
	if (!bs || (bs & (bs - 1))) {
		snprintf(d->why, sizeof(d->why), "block size %llu is not a power of two",
			 bs);
		return -EINVAL;
	}
	/* recorded: --cleanup unmounts and removes it after a SIGKILL */
	rc = dm_tmpdir_make("data", d->dir, sizeof(d->dir));
	if (rc) {
		snprintf(d->why, sizeof(d->why), "mkdtemp %s: %s", d->dir,
			 strerror(-rc));
		d->dir[0] = '\0';
		return rc;
	}
	rc = resolve(d);
	if (rc)
		return rc;
	if (d->mode == DM_MODE_DEVDAX) {
		snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size",
			 d->dev);
		rc = read_ull(path, &avail);
		if (rc) {
			snprintf(d->why, sizeof(d->why), "%s: %s", path,
				 strerror(-rc));
			return rc;
		}
	} else {
		rc = init_fsdax(d, &avail);
		if (rc)
			return rc;
		rc = resolve(d);
		if (rc)
			return rc;
	}
	d->size = size && size < avail ? size : avail;
	d->size -= d->size % bs;
	if (!d->size) {
		snprintf(d->why, sizeof(d->why), "%s: %llu bytes usable, less than one %llu byte block",
			 d->dev, avail, bs);
		return -ENOSPC;
	}
	return 0;
}

void dm_data_release(struct dm_data *d)
{
	/* still mounted: the record stays, for --cleanup */
	if (do_umount(d) || !d->dir[0])
		return;
	dm_tmpdir_remove(d->dir);
	d->dir[0] = '\0';
}

static void job_of(struct dm_data *d, enum dm_fio_kind kind,
		   struct dm_fio_job *job)
{
	memset(job, 0, sizeof(*job));
	job->kind = kind;
	job->name = "pattern";
	job->filename = d->target;
	job->dir = d->dir;
	job->size = d->size;
	job->bs = d->bs;
}

int dm_data_write(struct dm_data *d, struct dm_fio_out *out)
{
	struct dm_fio_job job;
	int rc;

	job_of(d, DM_FIO_WRITE, &job);
	rc = dm_fio_run(&job, out);
	if (!rc && (out->status || out->error))
		rc = -EIO;
	if (!rc && out->write_bytes != d->size) {
		snprintf(out->msg, sizeof(out->msg),
			 "fio wrote %llu bytes of %llu", out->write_bytes,
			 d->size);
		rc = -EIO;
	}
	if (!rc && d->mode == DM_MODE_FSDAX && is_dax(d->target) != 1) {
		snprintf(out->msg, sizeof(out->msg), "%s is not DAX",
			 d->target);
		rc = -EOPNOTSUPP;
	}
	d->written = rc ? 0 : out->write_bytes;
	return rc;
}

/* 0 when fio read the pattern back (bad blocks are in @out), or -errno. */
int dm_data_verify(struct dm_data *d, struct dm_fio_out *out)
{
	struct dm_fio_job job;

	job_of(d, DM_FIO_VERIFY, &job);
	return dm_fio_run(&job, out);
}

int dm_data_remove(struct dm_data *d, uint64_t *elapsed_ns)
{
	int rc = do_umount(d);

	if (rc)
		return rc;
	rc = dm_ns_disable(d->ns, elapsed_ns);
	if (rc)
		snprintf(d->why, sizeof(d->why), "disable %s: %s%s%s",
			 dm_ns_name(d->ns), strerror(-rc),
			 rc == -EBUSY ? ": " : "",
			 rc == -EBUSY ? dm_ns_why(d->ns) : "");
	return rc;
}

int dm_data_add(struct dm_data *d, uint64_t *elapsed_ns)
{
	int rc = dm_ns_enable(d->ns, elapsed_ns);

	if (rc) {
		snprintf(d->why, sizeof(d->why), "enable %s: %s",
			 dm_ns_name(d->ns), strerror(-rc));
		return rc;
	}
	rc = resolve(d);
	if (!rc && d->mode == DM_MODE_FSDAX) {
		rc = do_mount(d);
		if (!rc)
			rc = resolve(d);
	}
	return rc;
}

int dm_data_corrupt(struct dm_data *d, unsigned long long block)
{
	unsigned long long off = block * d->bs;
	unsigned char *p;
	size_t i;
	int fd, rc = 0;

	if (off >= d->size)
		return -EINVAL;
	fd = open(d->target, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* all of it, as fio maps it (devdax wants aligned mappings) */
	p = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto out;
	}
	for (i = off + d->bs / 2; i < off + d->bs / 2 + 64; i++)
		p[i] ^= 0xff;
	/* device-dax has no fsync: its stores reach the memory directly */
	if (d->mode == DM_MODE_FSDAX && msync(p, d->size, MS_SYNC))
		rc = -errno;
	munmap(p, d->size);
out:
	close(fd);
	return rc;
}

/* fio's verify header starts every block: magic 0xacca, little endian */
#define FIO_HDR_MAGIC0	0xca
#define FIO_HDR_MAGIC1	0xac

static int map_all(struct dm_data *d, unsigned char **p)
{
	int fd = open(d->target, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*p = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return *p == MAP_FAILED ? -errno : 0;
}

int dm_data_clear_headers(struct dm_data *d)
{
	unsigned long long off;
	unsigned char *p;
	int rc = map_all(d, &p);

	if (rc)
		return rc;
	for (off = 0; off < d->size; off += d->bs)
		memset(p + off, 0, 8);
	munmap(p, d->size);
	return 0;
}

int dm_data_wait_io(struct dm_data *d, struct dm_fio *f,
		    unsigned int timeout_ms)
{
	unsigned int waited = 0;
	unsigned long long off;
	unsigned char *p;
	int rc = map_all(d, &p);

	if (rc)
		return rc;
	for (rc = -ETIMEDOUT; waited < timeout_ms; waited += FIO_POLL_US / 1000) {
		for (off = 0; off < d->size; off += d->bs)
			if (__atomic_load_n(&p[off], __ATOMIC_RELAXED) ==
			    FIO_HDR_MAGIC0 &&
			    __atomic_load_n(&p[off + 1], __ATOMIC_RELAXED) ==
			    FIO_HDR_MAGIC1)
				break;
		if (off < d->size) {
			rc = 0;
			break;
		}
		if (!alive(f->pid)) {
			rc = -ESRCH;
			break;
		}
		usleep(FIO_POLL_US);
	}
	munmap(p, d->size);
	return rc;
}

/* ---- Memory hog ---------------------------------------------------------- */

static long long mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long kb = -1;
	char line[128];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static void hog_child(int wfd, unsigned long long bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long i;
	char *p;
	int fd;

	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1000", 4) != 4)
			_exit(1);
		close(fd);
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	for (i = 0; i < bytes; i += page)
		p[i] = 1;
	if (write(wfd, "1", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

int dm_hog_start(struct dm_hog *h, unsigned long long margin, char *why,
		 size_t len)
{
	long long avail = mem_available();
	pid_t parent = getpid();
	int pfd[2];
	ssize_t r;
	char c;

	h->pid = -1;
	h->bytes = 0;
	if (avail < 0) {
		snprintf(why, len, "no MemAvailable in /proc/meminfo");
		return -ENOENT;
	}
	if ((unsigned long long)avail <= margin) {
		snprintf(why, len, "MemAvailable %lld bytes is not above the margin %llu",
			 avail, margin);
		return -ENOMEM;
	}
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	h->pid = fork();
	if (h->pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!h->pid) {
		close(pfd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		signal(SIGINT, SIG_IGN);
		hog_child(pfd[1], avail - margin);
	}
	close(pfd[1]);
	do
		r = read(pfd[0], &c, 1);
	while (r < 0 && errno == EINTR);
	close(pfd[0]);
	if (r != 1) {
		snprintf(why, len, "the hog died before holding %llu bytes (OOM?)",
			 avail - margin);
		dm_hog_stop(h);
		return -ENOMEM;
	}
	h->bytes = avail - margin;
	return 0;
}

bool dm_hog_alive(struct dm_hog *h)
{
	return alive(h->pid);
}

void dm_hog_stop(struct dm_hog *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	h->pid = -1;
}
