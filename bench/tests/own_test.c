// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the ownership records, region locks and process identity
 * of the selftest library (tools/testing/selftests/devmem/devmem_own.c),
 * on the host, in a private state and lock directory: no pmem, no root
 * (tmpdir_cleanup mounts a tmpfs where it may).
 *
 * To use: make -C bench check  (or run the binary; -l lists the tests)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kselftest_harness.h>

#include "devmem.h"

FIXTURE(own) {
	char dir[64];
};

FIXTURE_SETUP(own)
{
	char lock[128];

	snprintf(self->dir, sizeof(self->dir), "/tmp/devmem-own-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(lock, sizeof(lock), "%s/locks", self->dir);
	setenv("DEVMEM_STATE_DIR", self->dir, 1);
	setenv("DEVMEM_LOCK_DIR", lock, 1);
}

FIXTURE_TEARDOWN(own)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	EXPECT_EQ(0, system(cmd));
}

static void ns_rec(struct dm_rec *r, const char *uuid, const char *name)
{
	memset(r, 0, sizeof(*r));
	dm_rec_self(r);
	snprintf(r->kind, sizeof(r->kind), "ns");
	snprintf(r->uuid, sizeof(r->uuid), "%s", uuid);
	snprintf(r->provider, sizeof(r->provider), "ACPI.NFIT");
	snprintf(r->region, sizeof(r->region), "region0");
	snprintf(r->name, sizeof(r->name), "%s", name);
}

#define U1 "11111111-2222-4333-8444-555555555555"
#define U2 "66666666-7777-4888-8999-aaaaaaaaaaaa"

/* Added, found by uuid alone, removed; the file is replaced, not edited. */
TEST_F(own, add_find_del)
{
	struct dm_rec a, b, got;
	char path[128], tmp[160];
	struct stat st;

	EXPECT_EQ(-ENOENT, dm_rec_find(U1, NULL));
	ns_rec(&a, U1, "devmem-bench-1");
	ns_rec(&b, U2, "devmem-bench-2");
	ASSERT_EQ(0, dm_rec_add(&a));
	ASSERT_EQ(0, dm_rec_add(&b));
	ASSERT_EQ(0, dm_rec_find(U1, &got));
	EXPECT_STREQ("devmem-bench-1", got.name);
	EXPECT_STREQ("region0", got.region);
	EXPECT_EQ(getpid(), got.pid);
	EXPECT_TRUE(dm_rec_is_self(&got));
	EXPECT_TRUE(dm_rec_alive(&got));
	/* the name decides nothing: another uuid with the same name */
	EXPECT_EQ(-ENOENT, dm_rec_find("00000000-0000-4000-8000-000000000000",
				       NULL));
	ASSERT_EQ(0, dm_rec_del(&a));
	EXPECT_EQ(-ENOENT, dm_rec_find(U1, NULL));
	EXPECT_EQ(0, dm_rec_find(U2, NULL));
	EXPECT_EQ(-ENOENT, dm_rec_del(&a));
	snprintf(path, sizeof(path), "%s/owned", self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, getpid());
	EXPECT_NE(0, access(tmp, F_OK));
}

/* A field with a blank or a slash would break the line format. */
TEST_F(own, bad_fields_refused)
{
	struct dm_rec r;

	ns_rec(&r, U1, "devmem-a b");
	EXPECT_EQ(-EINVAL, dm_rec_add(&r));
	ns_rec(&r, U1, "devmem-../x");
	EXPECT_EQ(-EINVAL, dm_rec_add(&r));
	ns_rec(&r, "", "devmem-x");
	EXPECT_EQ(-EINVAL, dm_rec_add(&r));
	EXPECT_EQ(-ENOENT, dm_rec_find(U1, NULL));
}

/* A malformed line is skipped, the others still count. */
TEST_F(own, malformed_lines_skipped)
{
	char path[128];
	struct dm_rec r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/owned", self->dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "garbage\nns too few fields\n");
	fprintf(f, "ns " U2 " ACPI.NFIT region1 1 2 boot devmem-x\n");
	fclose(f);
	ASSERT_EQ(0, dm_rec_find(U2, &r));
	EXPECT_STREQ("region1", r.region);
	EXPECT_EQ(1, r.pid);
	ns_rec(&r, U1, "devmem-y");
	ASSERT_EQ(0, dm_rec_add(&r));
	EXPECT_EQ(0, dm_rec_find(U2, NULL));
}

/*
 * Alive means the same process: pid, start time and boot.  A dead pid, a
 * reused pid (other start time) and another boot are not alive.
 */
TEST_F(own, creator_identity)
{
	unsigned long long start;
	struct dm_rec r;
	pid_t pid;
	int st;

	ns_rec(&r, U1, "devmem-x");
	EXPECT_TRUE(dm_rec_alive(&r));
	r.start++;
	EXPECT_FALSE(dm_rec_alive(&r));		/* pid reused */
	r.start--;
	r.boot_id[0] = r.boot_id[0] == '0' ? '1' : '0';
	EXPECT_FALSE(dm_rec_alive(&r));		/* another boot */

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ns_rec(&r, U1, "devmem-x");
	r.pid = pid;
	EXPECT_EQ(-ESRCH, dm_pid_start(pid, &start));
	EXPECT_FALSE(dm_rec_alive(&r));		/* dead */
	/* comm with blanks and parentheses does not shift the fields */
	ASSERT_EQ(0, dm_pid_start(getpid(), &start));
	EXPECT_EQ(r.start, start);
}

/* dm_report_leftovers() into @buf; its count, or -1 if @buf cannot take it. */
static int leftovers(char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len - 1, "w");
	int n;

	if (!f)
		return -1;
	n = dm_report_leftovers(f, "# ");
	fclose(f);
	return n;
}

/* Leftovers: records of dead processes are named with the command. */
TEST_F(own, leftovers_reported)
{
	char buf[2048] = "";
	struct dm_rec r;

	ns_rec(&r, U1, "devmem-alive");
	ASSERT_EQ(0, dm_rec_add(&r));
	EXPECT_EQ(0, leftovers(buf, sizeof(buf)));
	EXPECT_STREQ("", buf);

	ns_rec(&r, U2, "devmem-dead");
	r.start++;
	ASSERT_EQ(0, dm_rec_add(&r));
	EXPECT_EQ(1, leftovers(buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, U2));
	EXPECT_EQ(NULL, strstr(buf, U1));
	EXPECT_NE(NULL, strstr(buf, "devmem-bench --cleanup"));
}

/*
 * Scratch directories: a dead run's is unmounted (a tmpfs where the data
 * workload mounts its ext4, when we may mount) and removed by the
 * cleanup; a live one is left; a record naming anything but a devmem-*
 * directory is refused, and nothing is removed.
 */
TEST_F(own, tmpdir_cleanup)
{
	char dir[128] = "", mine[128], path[160], buf[2048] = "";
	char victim[] = "/tmp/own-victim.XXXXXX", vfile[64];
	struct dm_rec bad;
	struct stat st;
	int fds[2], status, mounted = 0;
	pid_t pid;
	FILE *f;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (dm_tmpdir_make("owntest", dir, sizeof(dir)))
			_exit(1);
		snprintf(path, sizeof(path), "%s/state", dir);
		f = fopen(path, "w");
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "%s/mnt", dir);
		if (mkdir(path, 0700))
			_exit(1);
		mounted = !mount("devmem-test", path, "tmpfs", 0, "size=1M");
		if (mounted) {
			snprintf(path, sizeof(path), "%s/mnt/file", dir);
			f = fopen(path, "w");
			if (f)
				fclose(f);
		}
		dprintf(fds[1], "%d %s", mounted, dir);
		_exit(0);	/* killed, as it were: nothing removed */
	}
	close(fds[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	f = fdopen(fds[0], "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%d %127s", &mounted, dir));
	fclose(f);
	ASSERT_EQ(0, strncmp(dir, "/tmp/devmem-owntest.", 20));
	ASSERT_EQ(0, stat(dir, &st));

	ASSERT_EQ(0, dm_tmpdir_make("owntest", mine, sizeof(mine)));
	/* a forged record: a directory not named devmem-* is not the suite's */
	ASSERT_NE(NULL, mkdtemp(victim));
	snprintf(vfile, sizeof(vfile), "%s/keep", victim);
	f = fopen(vfile, "w");
	ASSERT_NE(NULL, f);
	fclose(f);
	memset(&bad, 0, sizeof(bad));
	ASSERT_EQ(0, dm_rec_self(&bad));
	strcpy(bad.kind, "tmpdir");
	strcpy(bad.uuid, "-");
	strcpy(bad.provider, victim + 5);
	strcpy(bad.region, "-");
	strcpy(bad.name, "-");
	bad.start++;
	ASSERT_EQ(0, dm_rec_add(&bad));

	EXPECT_EQ(2, leftovers(buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, dir));

	f = fmemopen(buf, sizeof(buf) - 1, "w");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(1, dm_tmpdir_cleanup(f));	/* the victim refused */
	fclose(f);
	TH_LOG("cleanup: %s", buf);
	EXPECT_NE(NULL, strstr(buf, "not a devmem-* name"));
	EXPECT_EQ(-1, stat(dir, &st));
	EXPECT_EQ(ENOENT, errno);
	if (mounted)
		EXPECT_NE(NULL, strstr(buf, "unmounted"));
	EXPECT_EQ(0, stat(vfile, &st));
	unlink(vfile);
	rmdir(victim);
	EXPECT_EQ(0, stat(mine, &st));		/* alive: left */

	EXPECT_EQ(0, dm_tmpdir_remove(mine));
	EXPECT_EQ(-1, stat(mine, &st));
	EXPECT_EQ(-EINVAL, dm_tmpdir_remove(victim));
	ASSERT_EQ(0, dm_rec_del(&bad));
	EXPECT_EQ(0, leftovers(buf, sizeof(buf)));	/* nothing left */
}

/*
 * One process per region: a second one refuses (no wait) naming the
 * holder, or waits until the holder lets go.
 */
TEST_F(own, region_lock)
{
	int fd, ready[2], release[2], st;
	char why[512], want[32], c;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(release));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		close(release[1]);
		fd = dm_lock_region("ACPI.NFIT", "region0", false, why,
				    sizeof(why));
		if (fd < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		/* hold it until the parent closes its end */
		if (read(release[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(pid, dm_region_lock_holder("ACPI.NFIT", "region0"));
	EXPECT_EQ(-EAGAIN, dm_lock_region("ACPI.NFIT", "region0", false, why,
					  sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "in use by another devmem process"));
	snprintf(want, sizeof(want), "pid %d", pid);
	EXPECT_NE(NULL, strstr(why, want)) TH_LOG("%s", why);
	/* another region is free */
	fd = dm_lock_region("ACPI.NFIT", "region1", false, why, sizeof(why));
	EXPECT_LE(0, fd);
	close(fd);
	/* the holder goes: a waiter gets it */
	close(release[1]);
	fd = dm_lock_region("ACPI.NFIT", "region0", true, why, sizeof(why));
	EXPECT_LE(0, fd) TH_LOG("%s", why);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	EXPECT_EQ(getpid(), dm_region_lock_holder("ACPI.NFIT", "region0"));
	close(fd);
	EXPECT_EQ(0, dm_region_lock_holder("ACPI.NFIT", "region0"));
	close(ready[0]);
}

TEST_HARNESS_MAIN
