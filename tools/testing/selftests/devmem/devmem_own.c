// SPDX-License-Identifier: GPL-2.0
/*
 * devmem: what the suite owns and what is in use (no libndctl here).
 *
 * Ownership records.  Every namespace the suite creates is recorded, before
 * it is given any capacity, in the state file DM_STATE_DIR/owned (or
 * $DEVMEM_STATE_DIR/owned): its uuid, region, alt_name and its creator's
 * identity (pid, the pid's start time from /proc/PID/stat and the boot id,
 * so that a reused pid or a reboot is not taken for the creator).  Regions
 * the suite had to enable are recorded too.  One line per record:
 *
 *   ns <uuid> <provider> <region> <pid> <start> <boot_id> <alt_name>
 *   region - <provider> <region> <pid> <start> <boot_id> -
 *   knob <saved value> - <knob> <pid> <start> <boot_id> -
 *
 * A knob record is a system setting the suite changed for a while (kmem's
 * auto_online_blocks), with the value to put back: written before the
 * change, removed after the restore, so that --cleanup after a SIGKILL
 * puts the value back (in the same boot; a reboot reset it already).
 *
 * The file is rewritten whole (temporary file, fsync, rename) under an
 * flock of the state directory.  It lives under /var/lib because
 * namespaces on pmem survive a reboot and so must their record.
 *
 * Region locks.  One file per region, DM_LOCK_DIR/<provider>-<region>
 * (falling back to <state dir>/lock), flocked exclusively for as long as a
 * suite process uses the region; it holds the holder's pid for messages.
 *
 * In use.  A device is in use when it (or a partition of it) is mounted,
 * held by another block device (holders/), claimed exclusively (a mount
 * in another mount namespace), open in any process (a stat of
 * every /proc/PID/fd/N) or mapped by any process (every /proc/PID/maps):
 * that scan costs one stat per open file and one read of every maps file
 * of every process, about 10-100 ms on a machine with a thousand processes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "devmem.h"

#define DM_STATE_DIR	"/var/lib/devmem"
#define DM_LOCK_DIR	"/run/devmem/lock"
#define DM_STATE_FILE	"owned"

const char *dm_state_dir(void)
{
	const char *d = getenv("DEVMEM_STATE_DIR");

	return d && *d ? d : DM_STATE_DIR;
}

/* mkdir -p, mode 0700 for what it creates. */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		if (*p == '/' && p[1] == '/')
			continue;
		{
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0700) && errno != EEXIST)
				return -errno;
			*p = c;
		}
		if (!*p)
			break;
	}
	return 0;
}

/* Characters allowed in a record field (no blanks, no '/'). */
bool dm_rec_field_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return false;
	return true;
}

/**
 * dm_read_str() - the first line of a (sysfs, procfs) file, without its
 * newline; at most @len - 1 bytes are read
 */
int dm_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		rc = -errno;
	close(fd);
	if (rc)
		return rc;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/** dm_write_str() - write @val to a (sysfs, procfs) file in one write */
int dm_write_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	return rc;
}
static int read_boot_id(char *buf, size_t len)
{
	return dm_read_str("/proc/sys/kernel/random/boot_id", buf, len);
}

/**
 * dm_pid_start() - a process's start time (clock ticks after boot)
 *
 * Field 22 of /proc/PID/stat.  Returns -ESRCH when there is no such
 * process.
 */
int dm_pid_start(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* comm may hold blanks and parentheses: fields follow the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	for (i = 3; i < 22; i++) {
		while (*p == ' ')
			p++;
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
	}
	if (sscanf(p, " %llu", start) != 1)
		return -EIO;
	return 0;
}

/* This process's identity as a record has it. */
int dm_rec_self(struct dm_rec *r)
{
	int rc;

	r->pid = getpid();
	rc = dm_pid_start(r->pid, &r->start);
	if (!rc)
		rc = read_boot_id(r->boot_id, sizeof(r->boot_id));
	return rc;
}

/**
 * dm_rec_alive() - is the creator of @r still running?
 *
 * Only the same process: same boot, same pid, same start time.
 */
bool dm_rec_alive(const struct dm_rec *r)
{
	unsigned long long start;
	char boot[40];

	if (read_boot_id(boot, sizeof(boot)) || strcmp(boot, r->boot_id))
		return false;
	return !dm_pid_start(r->pid, &start) && start == r->start;
}

bool dm_rec_is_self(const struct dm_rec *r)
{
	struct dm_rec me;

	return !dm_rec_self(&me) && me.pid == r->pid &&
	       me.start == r->start && !strcmp(me.boot_id, r->boot_id);
}

static int parse_line(const char *line, struct dm_rec *r)
{
	int pid;

	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%7s %39s %63s %31s %d %llu %39s %63s", r->kind,
		   r->uuid, r->provider, r->region, &pid, &r->start,
		   r->boot_id, r->name) != 8)
		return -EINVAL;
	if (strcmp(r->kind, "ns") && strcmp(r->kind, "region") &&
	    strcmp(r->kind, "knob") && strcmp(r->kind, "tmpdir"))
		return -EINVAL;
	r->pid = pid;
	return 0;
}

static int lock_state(int op)
{
	const char *dir = dm_state_dir();
	int fd, rc;

	rc = mkdir_p(dir);
	if (rc)
		return rc;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (flock(fd, op)) {
		if (errno == EINTR)
			continue;
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Read every record of the state file (locked by the caller). */
static int load(struct dm_rec **recs, int *nr)
{
	char path[PATH_MAX], line[512];
	struct dm_rec *v = NULL, *t, r;
	int n = 0, cap = 0;
	FILE *f;

	*recs = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "%s/" DM_STATE_FILE, dm_state_dir());
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || parse_line(line, &r))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			t = realloc(v, cap * sizeof(*v));
			if (!t) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			v = t;
		}
		v[n++] = r;
	}
	fclose(f);
	*recs = v;
	*nr = n;
	return 0;
}

/**
 * dm_file_replace() - write a file whole, atomically
 * @path: the file
 * @fill: writes the contents to the stream it is given; 0 or -errno
 *
 * A temporary file beside @path (mode 0600, never through a symlink),
 * filled, fsynced and renamed over @path: a reader or a crash sees the
 * old file or the new one, never a part.  Returns 0 or -errno.
 */
int dm_file_replace(const char *path, int (*fill)(FILE *f, void *arg),
		    void *arg)
{
	char tmp[PATH_MAX + 32];
	int fd, rc;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto out_unlink;
	}
	rc = fill(f, arg);
	if ((fflush(f) || fsync(fileno(f))) && !rc)
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
out_unlink:
	if (rc)
		unlink(tmp);
	return rc;
}

struct recs {
	const struct dm_rec *v;
	int n;
};

static int put_recs(FILE *f, void *arg)
{
	const struct recs *r = arg;
	int i;

	fprintf(f, "# devmem ownership records: what devmem created; devmem-bench --cleanup\n");
	for (i = 0; i < r->n; i++)
		fprintf(f, "%s %s %s %s %d %llu %s %s\n", r->v[i].kind,
			r->v[i].uuid, r->v[i].provider, r->v[i].region,
			(int)r->v[i].pid, r->v[i].start, r->v[i].boot_id,
			r->v[i].name);
	return ferror(f) ? -EIO : 0;
}

static int store(const struct dm_rec *v, int n)
{
	struct recs r = { .v = v, .n = n };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" DM_STATE_FILE, dm_state_dir());
	return dm_file_replace(path, put_recs, &r);
}

/**
 * dm_rec_load() - a copy of every record; free(*recs) after use
 */
int dm_rec_load(struct dm_rec **recs, int *nr)
{
	int lfd, rc;

	lfd = lock_state(LOCK_SH);
	if (lfd < 0)
		return lfd;
	rc = load(recs, nr);
	close(lfd);
	return rc;
}

static bool same(const struct dm_rec *a, const struct dm_rec *b)
{
	if (strcmp(a->kind, b->kind))
		return false;
	if (!strcmp(a->kind, "ns"))
		return !strcmp(a->uuid, b->uuid);
	return !strcmp(a->provider, b->provider) &&
	       !strcmp(a->region, b->region) && a->pid == b->pid &&
	       a->start == b->start && !strcmp(a->boot_id, b->boot_id);
}

/* Add (@add) or remove one record; -ENOENT when there is none to remove. */
static int update(const struct dm_rec *r, bool add)
{
	struct dm_rec *v, *t;
	int lfd, n, i, rc;

	if (!dm_rec_field_ok(r->kind) || !dm_rec_field_ok(r->uuid) ||
	    !dm_rec_field_ok(r->provider) || !dm_rec_field_ok(r->region) ||
	    !dm_rec_field_ok(r->boot_id) || !dm_rec_field_ok(r->name))
		return -EINVAL;
	lfd = lock_state(LOCK_EX);
	if (lfd < 0)
		return lfd;
	rc = load(&v, &n);
	if (rc)
		goto out_unlock;
	for (i = 0; i < n && !same(&v[i], r); i++)
		;
	if (add) {
		if (i == n) {
			t = realloc(v, (n + 1) * sizeof(*v));
			if (!t) {
				rc = -ENOMEM;
				goto out_free;
			}
			v = t;
			n++;
		}
		v[i] = *r;
	} else if (i == n) {
		rc = -ENOENT;
		goto out_free;
	} else {
		memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof(*v));
		n--;
	}
	rc = store(v, n);
out_free:
	free(v);
out_unlock:
	close(lfd);
	return rc;
}

int dm_rec_add(const struct dm_rec *r)
{
	return update(r, true);
}

int dm_rec_del(const struct dm_rec *r)
{
	return update(r, false);
}

/* The record of namespace @uuid; 0 when found, -ENOENT when not. */
int dm_rec_find(const char *uuid, struct dm_rec *out)
{
	struct dm_rec *v;
	int n, i, rc;

	rc = dm_rec_load(&v, &n);
	if (rc)
		return rc;
	rc = -ENOENT;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "ns") || strcmp(v[i].uuid, uuid))
			continue;
		if (out)
			*out = v[i];
		rc = 0;
		break;
	}
	free(v);
	return rc;
}

/**
 * dm_report_leftovers() - say which records belong to dead processes
 *
 * Prints one line per namespace or region left behind by a run that is
 * gone (killed, crashed, or before a reboot), each prefixed by @prefix,
 * and the command that cleans them up.  Returns how many.
 */
int dm_report_leftovers(FILE *out, const char *prefix)
{
	struct dm_rec *v;
	int n, i, dead = 0;

	if (dm_rec_load(&v, &n))
		return 0;
	for (i = 0; i < n; i++) {
		if (dm_rec_alive(&v[i]))
			continue;
		if (!dead++)
			fprintf(out, "%sleftovers of a devmem run that is gone (%s/%s):\n",
				prefix, dm_state_dir(), DM_STATE_FILE);
		if (!strcmp(v[i].kind, "ns"))
			fprintf(out, "%s  namespace %s '%s' in %s %s, created by pid %d\n",
				prefix, v[i].uuid, v[i].name, v[i].provider,
				v[i].region, (int)v[i].pid);
		else if (!strcmp(v[i].kind, "knob"))
			fprintf(out, "%s  %s changed by pid %d, to be restored to '%s'\n",
				prefix, v[i].region, (int)v[i].pid,
				v[i].uuid);
		else if (!strcmp(v[i].kind, "tmpdir"))
			fprintf(out, "%s  %s/%s (a filesystem may be mounted in it), made by pid %d\n",
				prefix, DM_TMPDIR_PARENT, v[i].provider,
				(int)v[i].pid);
		else
			fprintf(out, "%s  region %s %s, enabled by pid %d\n",
				prefix, v[i].provider, v[i].region,
				(int)v[i].pid);
	}
	if (dead)
		fprintf(out, "%sclean them up with: devmem-bench --cleanup\n",
			prefix);
	free(v);
	return dead;
}

/* Knobs: system settings changed for a while, restored after a SIGKILL */

static const struct {
	const char *name, *path;
} knobs[] = {
	{ "auto_online_blocks",
	  "/sys/devices/system/memory/auto_online_blocks" },
};

static const char *knob_path(const char *knob)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		if (!strcmp(knobs[i].name, knob))
			return knobs[i].path;
	return NULL;
}

static int knob_rec(const char *knob, const char *saved, struct dm_rec *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->kind, "knob");
	snprintf(r->uuid, sizeof(r->uuid), "%s", saved);
	strcpy(r->provider, "-");
	snprintf(r->region, sizeof(r->region), "%s", knob);
	strcpy(r->name, "-");
	return dm_rec_self(r);
}

/**
 * dm_knob_set() - change a system setting for a while, recorded
 * @knob: its name (auto_online_blocks)
 * @value: what to write
 * @saved: gets the value it had, for dm_knob_restore()
 *
 * Nothing is written or recorded when it holds @value already.  The
 * record goes first, so a SIGKILL at any point leaves --cleanup the value
 * to put back.  Returns 0 or -errno (-EINVAL: no such knob or a value the
 * record cannot hold).
 */
int dm_knob_set(const char *knob, const char *value, char *saved,
		size_t len)
{
	const char *path = knob_path(knob);
	struct dm_rec r;
	int rc;

	if (!path)
		return -EINVAL;
	rc = dm_read_str(path, saved, len);
	if (rc)
		return rc;
	if (!strcmp(saved, value))
		return 0;
	if (strlen(saved) >= sizeof(r.uuid) || !dm_rec_field_ok(saved))
		return -EINVAL;
	rc = knob_rec(knob, saved, &r);
	if (!rc)
		rc = dm_rec_add(&r);
	if (rc)
		return rc;
	rc = dm_write_str(path, value);
	if (rc)
		dm_rec_del(&r);
	return rc;
}

/**
 * dm_knob_restore() - put back what dm_knob_set() saved, drop its record
 */
int dm_knob_restore(const char *knob, const char *saved)
{
	const char *path = knob_path(knob);
	char now[64];
	struct dm_rec r;
	int rc = 0;

	if (!path)
		return -EINVAL;
	if (dm_read_str(path, now, sizeof(now)) || strcmp(now, saved))
		rc = dm_write_str(path, saved);
	if (!rc && !knob_rec(knob, saved, &r))
		dm_rec_del(&r);	/* -ENOENT: it held the value, no record */
	return rc;
}

/**
 * dm_knob_cleanup() - restore the knobs of runs that are gone
 *
 * A record of an earlier boot is dropped (the reboot reset the setting);
 * one of this boot whose creator is dead is written back.  One line per
 * record on @log.  Returns the number of failures.
 */
int dm_knob_cleanup(FILE *log)
{
	char boot[40] = "", now[64];
	struct dm_rec *v;
	const char *path;
	int n, i, rc, failed = 0;

	if (dm_rec_load(&v, &n))
		return 1;
	read_boot_id(boot, sizeof(boot));
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "knob") || dm_rec_alive(&v[i]))
			continue;
		path = knob_path(v[i].region);
		fprintf(log, "knob %s (pid %d): ", v[i].region,
			(int)v[i].pid);
		if (strcmp(v[i].boot_id, boot)) {
			fprintf(log, "set in an earlier boot, reset by the reboot; record dropped\n");
		} else if (!path) {
			fprintf(log, "unknown to this version; record left\n");
			failed++;
			continue;
		} else if (!dm_read_str(path, now, sizeof(now)) &&
			   !strcmp(now, v[i].uuid)) {
			fprintf(log, "already '%s'\n", now);
		} else {
			rc = dm_write_str(path, v[i].uuid);
			if (rc) {
				fprintf(log, "FAILED to write '%s' to %s: %s\n",
					v[i].uuid, path, strerror(-rc));
				failed++;
				continue;
			}
			fprintf(log, "restored to '%s'\n", v[i].uuid);
		}
		dm_rec_del(&v[i]);
	}
	free(v);
	return failed;
}

/*
 * Scratch directories: /tmp/devmem-<what>.XXXXXX, the fio state and, for
 * fsdax, the mount point mnt/ of the suite's own namespace (the data
 * workload mounts it in a private mount namespace, which goes with the
 * process; a mount made in this one is unmounted here).  Recorded (kind
 * "tmpdir", its name in the provider field) so that --cleanup can
 * unmount and remove what a killed run left; it removes nothing but the
 * files right in it and mnt/, and only under a name of that pattern.
 */

static int tmpdir_rec(const char *name, struct dm_rec *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->kind, "tmpdir");
	strcpy(r->uuid, "-");
	snprintf(r->provider, sizeof(r->provider), "%s", name);
	strcpy(r->region, "-");
	strcpy(r->name, "-");
	return dm_rec_self(r);
}

/**
 * dm_tmpdir_make() - make and record a scratch directory
 * @what: a word for its name (/tmp/devmem-@what.XXXXXX)
 * @dir: gets its path
 *
 * Returns 0 or -errno; nothing is left behind on an error.
 */
int dm_tmpdir_make(const char *what, char *dir, size_t len)
{
	struct dm_rec r;
	int rc;

	if (snprintf(dir, len, DM_TMPDIR_PARENT "/devmem-%s.XXXXXX", what) >=
	    (int)len || !dm_rec_field_ok(what))
		return -EINVAL;
	if (!mkdtemp(dir))
		return -errno;
	rc = tmpdir_rec(strrchr(dir, '/') + 1, &r);
	if (!rc)
		rc = dm_rec_add(&r);
	if (rc)
		rmdir(dir);
	return rc;
}

/* Empty @dir: the files right in it and its empty mnt/; then remove it. */
static int tmpdir_empty(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		if (unlink(path) && errno == EISDIR &&
		    !strcmp(de->d_name, "mnt"))
			rmdir(path);
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		rc = -errno;
	return rc;
}

/**
 * dm_tmpdir_remove() - remove a dm_tmpdir_make() directory (its mount
 * unmounted by the caller) and drop its record; a directory that cannot
 * be removed keeps it, for --cleanup
 */
int dm_tmpdir_remove(const char *dir)
{
	const char *name = strrchr(dir, '/');
	struct dm_rec r;
	int rc;

	if (!name || strncmp(name + 1, "devmem-", 7))
		return -EINVAL;
	rc = tmpdir_empty(dir);
	if (!rc && !tmpdir_rec(name + 1, &r))
		dm_rec_del(&r);
	return rc;
}

/* Is a filesystem mounted on @path (in this mount namespace)? */
static bool mounted_on(const char *path)
{
	char line[1024], mnt[PATH_MAX];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
			!strcmp(mnt, path);
	fclose(f);
	return found;
}

/**
 * dm_tmpdir_cleanup() - unmount and remove the scratch directories of
 * runs that are gone
 *
 * One line per record on @log.  A mount still busy after 5 s (a process
 * of the user's working in it) is left, with its record.  Returns the
 * number of failures.
 */
int dm_tmpdir_cleanup(FILE *log)
{
	char dir[PATH_MAX], mnt[PATH_MAX + 4];
	struct dm_rec *v;
	int n, i, tries, rc, failed = 0;
	bool was_mounted;

	if (dm_rec_load(&v, &n))
		return 1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "tmpdir") || dm_rec_alive(&v[i]))
			continue;
		fprintf(log, "directory " DM_TMPDIR_PARENT "/%s (pid %d): ",
			v[i].provider, (int)v[i].pid);
		if (strncmp(v[i].provider, "devmem-", 7)) {
			fprintf(log, "not a devmem-* name; record left\n");
			failed++;
			continue;
		}
		snprintf(dir, sizeof(dir), DM_TMPDIR_PARENT "/%s",
			 v[i].provider);
		snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
		was_mounted = mounted_on(mnt);
		for (rc = 0, tries = 0; mounted_on(mnt) && tries < 50; tries++) {
			rc = umount2(mnt, 0) ? -errno : 0;
			if (rc != -EBUSY)
				break;
			usleep(100000);	/* its fio may still be exiting */
		}
		if (rc || mounted_on(mnt)) {
			fprintf(log, "FAILED to unmount %s: %s\n", mnt,
				strerror(rc ? -rc : EBUSY));
			failed++;
			continue;
		}
		if (was_mounted)
			fprintf(log, "unmounted %s, ", mnt);
		rc = tmpdir_empty(dir);
		if (rc) {
			fprintf(log, "FAILED to remove it: %s\n", strerror(-rc));
			failed++;
			continue;
		}
		fprintf(log, "removed\n");
		dm_rec_del(&v[i]);
	}
	free(v);
	return failed;
}

/* Region locks */

static void lock_name(const char *provider, const char *region, char *buf,
		      size_t len)
{
	char *p;

	snprintf(buf, len, "%s-%s", provider, region);
	for (p = buf; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			*p = '_';
}

static int open_lock(const char *provider, const char *region, char *path,
		     size_t len)
{
	char name[128], dir[PATH_MAX - 160];
	int fd;

	lock_name(provider, region, name, sizeof(name));
	snprintf(dir, sizeof(dir), "%s", getenv("DEVMEM_LOCK_DIR") ?
		 getenv("DEVMEM_LOCK_DIR") : DM_LOCK_DIR);
	if (mkdir_p(dir))
		snprintf(dir, sizeof(dir), "%s/lock", dm_state_dir());
	if (mkdir_p(dir))
		return -errno;
	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd < 0 ? -errno : fd;
}

static pid_t lock_holder_pid(int fd)
{
	char buf[32];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return atoi(buf);
}

/**
 * dm_lock_region() - take the region's lock for this process
 * @wait: wait for a holder to finish (saying so on stderr), else -EBUSY
 *
 * Returns the lock's file descriptor (close it to release) or -errno
 * (-EAGAIN: held by another process and !@wait), with the reason in @why.
 */
int dm_lock_region(const char *provider, const char *region, bool wait,
		   char *why, size_t len)
{
	char path[PATH_MAX], buf[32];
	pid_t holder;
	int fd, rc;

	fd = open_lock(provider, region, path, sizeof(path));
	if (fd < 0) {
		snprintf(why, len, "cannot open the lock of %s: %s", region,
			 strerror(-fd));
		return fd;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		goto locked;
	if (errno != EWOULDBLOCK) {
		rc = -errno;
		snprintf(why, len, "locking %s: %s", path, strerror(-rc));
		goto err_close;
	}
	holder = lock_holder_pid(fd);
	if (!wait) {
		snprintf(why, len,
			 "%s is in use by another devmem process (pid %d, lock %s)",
			 region, (int)holder, path);
		rc = -EAGAIN;
		goto err_close;
	}
	fprintf(stderr, "# devmem: waiting for %s: in use by devmem pid %d (lock %s)\n",
		region, (int)holder, path);
	if (flock(fd, LOCK_EX)) {
		rc = -errno;
		snprintf(why, len, "waiting for %s: %s", region,
			 rc == -EINTR ? "interrupted" : strerror(-rc));
		goto err_close;
	}
locked:
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	/* The lock holds whether or not the pid is written: only the
	 * "waiting for" message of another process would lack it.
	 */
	if (ftruncate(fd, 0) || pwrite(fd, buf, strlen(buf), 0) < 0)
		fprintf(stderr, "# devmem: %s: cannot write our pid: %s\n",
			path, strerror(errno));
	return fd;
err_close:
	close(fd);
	return rc;
}

/**
 * dm_region_lock_holder() - pid of a live process holding the lock, or 0
 */
pid_t dm_region_lock_holder(const char *provider, const char *region)
{
	char path[PATH_MAX];
	pid_t holder = 0;
	int fd;

	fd = open_lock(provider, region, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB))
		holder = lock_holder_pid(fd) ?: -1;
	close(fd);
	return holder;
}

/* Signals */

/* set by the handler, read by the cycles: what sig_atomic_t is for */
static volatile sig_atomic_t dm_signal;

static void on_signal(int sig)
{
	dm_signal = sig;
}

/**
 * dm_catch_signals() - turn SIGINT, SIGTERM, SIGHUP, SIGPIPE into a flag
 *
 * The cycles stop (dm_ns_enable/disable return -EINTR, a lock wait is
 * interrupted) so that the caller unwinds through its normal clean-up:
 * namespaces destroyed, records removed, lock released, region restored.
 * No SA_RESTART: a blocking wait returns.
 */
void dm_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa = { .sa_handler = on_signal };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

int dm_interrupted(void)
{
	return dm_signal;
}

/* In use */

#define DM_MAX_DEVS	16

struct devset {
	int n;
	dev_t rdev[DM_MAX_DEVS];	/* the device and its partitions */
	dev_t node_dev[DM_MAX_DEVS];	/* the /dev node's inode, for maps */
	ino_t node_ino[DM_MAX_DEVS];
	char name[DM_MAX_DEVS][40];
};

static int read_devt(const char *path, dev_t *d)
{
	unsigned int ma, mi;
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%u:%u", &ma, &mi) == 2;
	fclose(f);
	if (!ok)
		return -EIO;
	*d = makedev(ma, mi);
	return 0;
}

static void devset_add(struct devset *s, const char *name, dev_t d)
{
	char node[PATH_MAX];
	struct stat st;

	if (s->n == DM_MAX_DEVS)
		return;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	s->rdev[s->n] = d;
	snprintf(node, sizeof(node), "/dev/%s", name);
	if (!stat(node, &st) && st.st_rdev == d) {
		s->node_dev[s->n] = st.st_dev;
		s->node_ino[s->n] = st.st_ino;
	}
	s->n++;
}

static int check_holders(const char *blk, char *why, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int rc = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/block/%s/holders", blk);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(why, len, "/dev/%s is held by %s", blk, de->d_name);
		rc = -EBUSY;
		break;
	}
	closedir(d);
	return rc;
}

static int check_mounts(const struct devset *s, char *why, size_t len)
{
	char line[4096], mnt[1024];
	unsigned int ma, mi;
	FILE *f;
	int i, rc = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d %*d %u:%u %*s %1023s", &ma, &mi,
			   mnt) != 3)
			continue;
		for (i = 0; i < s->n; i++) {
			if (s->rdev[i] != makedev(ma, mi))
				continue;
			snprintf(why, len, "/dev/%s is mounted on %s",
				 s->name[i], mnt);
			rc = -EBUSY;
			break;
		}
	}
	fclose(f);
	return rc;
}

static void comm_of(const char *pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/* Open (a /proc/PID/fd entry) or mapped (/proc/PID/maps) by any process. */
static int check_procs(const struct devset *s, mode_t type, char *why,
		       size_t len)
{
	char path[PATH_MAX], line[1024], comm[32];
	struct dirent *p, *e;
	unsigned int ma, mi;
	unsigned long ino;
	struct stat st;
	DIR *proc, *fds;
	int i, rc = 0;
	FILE *f;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!rc && (p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && !rc && (e = readdir(fds))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, e->d_name);
			if (stat(path, &st) || (st.st_mode & S_IFMT) != type)
				continue;
			for (i = 0; i < s->n; i++) {
				if (st.st_rdev != s->rdev[i])
					continue;
				comm_of(p->d_name, comm, sizeof(comm));
				snprintf(why, len,
					 "/dev/%s is open in pid %s (%s)",
					 s->name[i], p->d_name, comm);
				rc = -EBUSY;
				break;
			}
		}
		if (fds)
			closedir(fds);
		if (rc)
			break;
		snprintf(path, sizeof(path), "/proc/%s/maps", p->d_name);
		f = fopen(path, "re");
		while (f && !rc && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%*s %*s %*s %x:%x %lu", &ma, &mi,
				   &ino) != 3 || !ino)
				continue;
			for (i = 0; i < s->n; i++) {
				if (!s->node_ino[i] ||
				    s->node_ino[i] != ino ||
				    s->node_dev[i] != makedev(ma, mi))
					continue;
				comm_of(p->d_name, comm, sizeof(comm));
				snprintf(why, len,
					 "/dev/%s is mapped by pid %s (%s)",
					 s->name[i], p->d_name, comm);
				rc = -EBUSY;
				break;
			}
		}
		if (f)
			fclose(f);
	}
	closedir(proc);
	return rc;
}

/*
 * What this mount namespace cannot see: a mount in another one, or another
 * exclusive holder, makes the kernel refuse an exclusive open.
 */
static int check_claimed(const char *blk, char *why, size_t len)
{
	char node[80];
	int fd;

	snprintf(node, sizeof(node), "/dev/%s", blk);
	fd = open(node, O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EBUSY)
		return 0;
	snprintf(why, len,
		 "/dev/%s is claimed exclusively (mounted in another mount namespace, or held)",
		 blk);
	return -EBUSY;
}

/**
 * dm_blockdev_in_use() - is block device @blk (pmemX, pmemXs) in use?
 *
 * Mounted (itself or a partition), held by another block device, claimed
 * exclusively (an exclusive open fails: a mount in another mount
 * namespace), open or mapped by any process.  Returns 0, or -EBUSY with
 * the reason in @why.
 */
int dm_blockdev_in_use(const char *blk, char *why, size_t len)
{
	char path[PATH_MAX / 2];
	struct devset s = { 0 };
	struct dirent *de;
	dev_t d;
	DIR *dir;
	int rc;

	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", blk);
	if (read_devt(path, &d))
		return 0;	/* no such block device: nothing to hold */
	devset_add(&s, blk, d);
	rc = check_holders(blk, why, len);
	snprintf(path, sizeof(path), "/sys/class/block/%s", blk);
	dir = opendir(path);
	while (!rc && dir && (de = readdir(dir))) {
		char part[PATH_MAX];

		if (strncmp(de->d_name, blk, strlen(blk)) ||
		    strlen(de->d_name) > 64)
			continue;
		snprintf(part, sizeof(part), "%s/%s/partition", path,
			 de->d_name);
		if (access(part, F_OK))
			continue;
		snprintf(part, sizeof(part), "%s/%s/dev", path, de->d_name);
		if (!read_devt(part, &d))
			devset_add(&s, de->d_name, d);
		rc = check_holders(de->d_name, why, len);
	}
	if (dir)
		closedir(dir);
	if (!rc)
		rc = check_mounts(&s, why, len);
	if (!rc)
		rc = check_claimed(blk, why, len);
	if (!rc)
		rc = check_procs(&s, S_IFBLK, why, len);
	return rc;
}

/**
 * dm_daxdev_in_use() - is device-dax @dax (daxX.Y) in use?
 *
 * Onlined as System RAM (bound to kmem), open or mapped by any process.
 */
int dm_daxdev_in_use(const char *dax, char *why, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct devset s = { 0 };
	const char *drv;
	ssize_t n;
	dev_t d;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/driver", dax);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		drv = strrchr(link, '/');
		drv = drv ? drv + 1 : link;
		if (!strcmp(drv, "kmem")) {
			snprintf(why, len,
				 "%s is onlined as System RAM (kmem driver)",
				 dax);
			return -EBUSY;
		}
	}
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/dev", dax);
	if (read_devt(path, &d)) {
		snprintf(path, sizeof(path), "/sys/class/dax/%s/dev", dax);
		if (read_devt(path, &d))
			return 0;
	}
	devset_add(&s, dax, d);
	return check_procs(&s, S_IFCHR, why, len);
}
