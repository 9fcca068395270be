// SPDX-License-Identifier: GPL-2.0
/*
 * The suite never touches a namespace it did not create.
 *
 * A namespace the suite did not create stands in for a user's: it is made
 * here directly through libndctl, named devmem-user-<pid> (the dangerous
 * case: it carries the suite's own prefix), as a raw pmem block device
 * holding 8 MiB of a seeded pattern.  Ownership is the record, not the
 * name: the library must refuse its region (unless told to allow it),
 * never take it for its own, leave it untouched when it cleans up its own
 * namespaces, refuse to disable one of its own once the record is gone,
 * lock a region against a second devmem process, and refuse to disable a
 * namespace that is mounted, open, mapped or onlined as System RAM.  After every test the
 * stand-in's uuid, size, name, state and bytes are checked, and it is
 * removed by its uuid.
 *
 * DEVMEM_ALLOW_FOREIGN=1 lets the stand-in go into a region that already
 * holds a user's namespace.  Needs root, libndctl and a labelled pmem
 * region with 768M free.
 */
#ifdef DEVMEM_NO_LIBNDCTL
#include "../kselftest.h"

int main(void)
{
	ksft_print_header();
	ksft_exit_skip("built without libndctl: install libndctl-dev and rebuild\n");
}
#else
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include <ndctl/libndctl.h>

#include "../kselftest_harness.h"

#include "devmem.h"

#define FOREIGN_SIZE	(256ull << 20)
#define PATTERN_SIZE	(8ull << 20)
#define CHUNK		(1ul << 20)

FIXTURE(foreign) {
	struct ndctl_ctx *nd;
	struct ndctl_namespace *ndns;	/* the stand-in */
	struct dm_ctx *ctx;		/* holds the region's lock */
	char region[32];
	char name[64];
	char blk[32];			/* its block device, pmemX */
	char uuid_s[40];
	uuid_t uuid;
	unsigned int seed;
};

static int env_on(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "1");
}

static struct ndctl_namespace *find_by_uuid(struct ndctl_ctx *nd,
					    const uuid_t uu)
{
	struct ndctl_namespace *ndns;
	struct ndctl_region *region;
	struct ndctl_bus *bus;
	uuid_t u;

	ndctl_bus_foreach(nd, bus)
		ndctl_region_foreach(bus, region)
			ndctl_namespace_foreach(region, ndns) {
				if (!ndctl_namespace_get_size(ndns))
					continue;
				ndctl_namespace_get_uuid(ndns, u);
				if (!memcmp(u, uu, sizeof(u)))
					return ndns;
			}
	return NULL;
}

/* A seeded pattern: xorshift32, one 32-bit word at a time. */
static void pattern(unsigned int *state, unsigned char *buf, size_t len)
{
	unsigned int x = *state;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		memcpy(buf + i, &x, 4);
	}
	*state = x;
}

/* Write (@write) or compare the pattern through /dev/@blk; 0 when equal. */
static int pattern_io(const char *blk, unsigned int seed, bool write,
		      char *why, size_t len)
{
	unsigned char *want, *got;
	unsigned int st = seed;
	char dev[64];
	size_t off;
	int fd, rc = 0;

	snprintf(dev, sizeof(dev), "/dev/%s", blk);
	fd = open(dev, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", dev, strerror(errno));
		return -errno;
	}
	want = malloc(CHUNK);
	got = malloc(CHUNK);
	if (!want || !got) {
		rc = -ENOMEM;
		goto out;
	}
	if (!write)
		ioctl(fd, BLKFLSBUF, 0);	/* read the device, not a cache */
	for (off = 0; off < PATTERN_SIZE && !rc; off += CHUNK) {
		pattern(&st, want, CHUNK);
		if (write) {
			if (pwrite(fd, want, CHUNK, off) != (ssize_t)CHUNK) {
				snprintf(why, len, "write %s: %s", dev,
					 strerror(errno));
				rc = -EIO;
			}
			continue;
		}
		if (pread(fd, got, CHUNK, off) != (ssize_t)CHUNK) {
			snprintf(why, len, "read %s: %s", dev, strerror(errno));
			rc = -EIO;
		} else if (memcmp(want, got, CHUNK)) {
			snprintf(why, len, "%s differs in the MiB at %zu",
				 dev, off);
			rc = -EILSEQ;
		}
	}
	if (write && !rc && fsync(fd)) {
		snprintf(why, len, "fsync %s: %s", dev, strerror(errno));
		rc = -EIO;
	}
out:
	free(want);
	free(got);
	close(fd);
	return rc;
}

FIXTURE_SETUP(foreign)
{
	struct ndctl_region *region = NULL, *r;
	struct ndctl_bus *bus;
	char why[DM_MSG_LEN];
	const char *blk;
	int rc;

	if (geteuid())
		SKIP(return, "must be run as root");
	dm_catch_signals();
	rc = dm_new(&self->ctx);
	if (rc)
		SKIP(return, "libndctl context: %s", strerror(-rc));
	/* The region the stand-in goes into; we hold its lock from here. */
	rc = dm_select_region(self->ctx, getenv("DEVMEM_REGION"),
			      3 * FOREIGN_SIZE,
			      (env_on("DEVMEM_ALLOW_FOREIGN") ?
			       DM_SEL_ALLOW_FOREIGN : 0) |
			      (env_on("DEVMEM_NO_WAIT") ? DM_SEL_NO_WAIT : 0),
			      why, sizeof(why));
	if (rc)
		SKIP(return, "%s", why);
	snprintf(self->region, sizeof(self->region), "%s",
		 dm_region_name(self->ctx));

	ASSERT_EQ(0, ndctl_new(&self->nd));
	ndctl_bus_foreach(self->nd, bus)
		ndctl_region_foreach(bus, r)
			if (!strcmp(ndctl_region_get_devname(r), self->region))
				region = r;
	ASSERT_NE(NULL, region);
	snprintf(self->name, sizeof(self->name), DM_TAG_PREFIX "user-%d",
		 getpid());
	ASSERT_EQ(sizeof(uuid_t), getrandom(self->uuid, sizeof(uuid_t), 0));
	self->uuid[6] = (self->uuid[6] & 0x0f) | 0x40;
	self->uuid[8] = (self->uuid[8] & 0x3f) | 0x80;
	self->ndns = ndctl_region_get_namespace_seed(region);
	ASSERT_NE(NULL, self->ndns);
	ASSERT_EQ(0, ndctl_namespace_set_uuid(self->ndns, self->uuid));
	ASSERT_EQ(0, ndctl_namespace_set_alt_name(self->ndns, self->name));
	ASSERT_EQ(0, ndctl_namespace_set_size(self->ndns, FOREIGN_SIZE));
	/* In use, as a user's would be: a raw pmem block device with data. */
	ndctl_namespace_set_enforce_mode(self->ndns, NDCTL_NS_MODE_RAW);
	ASSERT_LE(0, ndctl_namespace_enable(self->ndns));
	blk = ndctl_namespace_get_block_device(self->ndns);
	ASSERT_NE(NULL, blk);
	snprintf(self->blk, sizeof(self->blk), "%s", blk);
	self->seed = getpid() | 1;
	ASSERT_EQ(0, pattern_io(self->blk, self->seed, true, why,
				sizeof(why))) TH_LOG("%s", why);
	TH_LOG("stand-in user namespace %s '%s' (/dev/%s, 8 MiB of pattern) in %s",
	       ndctl_namespace_get_devname(self->ndns), self->name, self->blk,
	       self->region);
}

FIXTURE_TEARDOWN(foreign)
{
	struct ndctl_namespace *ndns;
	char why[DM_MSG_LEN];
	uuid_t uu;

	dm_unref(self->ctx);
	if (!self->nd)
		return;
	ndctl_invalidate(self->nd);
	ndns = self->ndns ? find_by_uuid(self->nd, self->uuid) : NULL;
	if (self->ndns) {
		/* Exactly as it was made: metadata and bytes. */
		EXPECT_NE(NULL, ndns) TH_LOG("the stand-in %s is gone",
					     self->name);
	}
	if (ndns) {
		EXPECT_EQ(FOREIGN_SIZE, ndctl_namespace_get_size(ndns));
		EXPECT_STREQ(self->name, ndctl_namespace_get_alt_name(ndns));
		EXPECT_TRUE(ndctl_namespace_is_enabled(ndns));
		EXPECT_EQ(NDCTL_NS_MODE_RAW, ndctl_namespace_get_mode(ndns));
		ndctl_namespace_get_uuid(ndns, uu);
		EXPECT_EQ(0, memcmp(uu, self->uuid, sizeof(uu)));
		EXPECT_EQ(0, pattern_io(self->blk, self->seed, false, why,
					sizeof(why))) TH_LOG("%s", why);
		/* Only the namespace this test made, by its uuid. */
		EXPECT_EQ(0, ndctl_namespace_disable_safe(ndns));
		EXPECT_EQ(0, ndctl_namespace_delete(ndns));
		TH_LOG("stand-in intact, removed");
	}
	ndctl_unref(self->nd);
}

/*
 * The region holding it is refused, with a reason naming it, although
 * its name carries the suite's prefix; it has no record.
 */
TEST_F(foreign, region_refused)
{
	char why[DM_MSG_LEN], uuid[40];
	int i;

	for (i = 0; i < 16; i++)
		sprintf(uuid + 2 * i + (i >= 4) + (i >= 6) + (i >= 8) +
			(i >= 10), "%02x", self->uuid[i]);
	for (i = 8; i <= 23; i += 5)
		uuid[i] = '-';
	EXPECT_EQ(-ENOENT, dm_rec_find(uuid, NULL)) TH_LOG("%s", uuid);
	EXPECT_EQ(-EBUSY, dm_select_region(self->ctx, self->region,
					   FOREIGN_SIZE, 0, why,
					   sizeof(why)));
	TH_LOG("refused: %s", why);
	EXPECT_NE(NULL, strstr(why, "did not create"));
	EXPECT_NE(NULL, strstr(why,
			       ndctl_namespace_get_devname(self->ndns)));
	/* Allowed explicitly, its free space may be used. */
	EXPECT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      DM_SEL_ALLOW_FOREIGN, why, sizeof(why)));
}

/* Cleaning up the suite's namespaces leaves it exactly as it was. */
TEST_F(foreign, cleanup_leaves_it_alone)
{
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	char why[DM_MSG_LEN];
	struct dm_ns *ns;

	ASSERT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      DM_SEL_ALLOW_FOREIGN, why, sizeof(why)));
	ASSERT_EQ(0, dm_ns_create(self->ctx, &cfg, DM_TAG_PREFIX "safety",
				  &ns)) TH_LOG("%s", dm_why(self->ctx));
	ASSERT_EQ(0, dm_ns_disable(ns, NULL)) TH_LOG("%s", dm_why(self->ctx));
	ASSERT_EQ(0, dm_ns_enable(ns, NULL));
	/* A crashed run's leftovers: destroy what the records say is ours. */
	EXPECT_EQ(1, dm_destroy_owned(self->ctx, stderr));
	dm_ns_put(ns);	/* destroyed above, through its record */
	/* the teardown checks the stand-in */
}

/* The record decides: without it, our own namespace is not ours. */
TEST_F(foreign, record_decides)
{
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	char why[DM_MSG_LEN];
	struct dm_rec rec;
	struct dm_ns *ns;

	ASSERT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      DM_SEL_ALLOW_FOREIGN, why, sizeof(why)));
	ASSERT_EQ(0, dm_ns_create(self->ctx, &cfg, DM_TAG_PREFIX "record",
				  &ns)) TH_LOG("%s", dm_why(self->ctx));
	ASSERT_EQ(0, dm_rec_find(dm_ns_uuid(ns), &rec));
	EXPECT_TRUE(dm_rec_is_self(&rec));
	EXPECT_STREQ(self->region, rec.region);
	ASSERT_EQ(0, dm_rec_del(&rec));
	/* Tag and handle are still ours, the record is not there. */
	EXPECT_EQ(-EPERM, dm_ns_disable(ns, NULL));
	TH_LOG("refused: %s", dm_why(self->ctx));
	EXPECT_NE(NULL, strstr(dm_why(self->ctx), "no record"));
	EXPECT_EQ(0, dm_destroy_owned(self->ctx, stderr));
	EXPECT_TRUE(dm_ns_is_enabled(ns));
	EXPECT_EQ(-EBUSY, dm_select_region(self->ctx, self->region,
					   FOREIGN_SIZE, 0, why,
					   sizeof(why)));
	EXPECT_NE(NULL, strstr(why, dm_ns_name(ns))) TH_LOG("%s", why);
	/* Recorded again, it is ours again. */
	ASSERT_EQ(0, dm_rec_add(&rec));
	ASSERT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      DM_SEL_ALLOW_FOREIGN, why, sizeof(why)));
	EXPECT_EQ(0, dm_ns_disable(ns, NULL)) TH_LOG("%s", dm_why(self->ctx));
	EXPECT_EQ(0, dm_ns_destroy(ns)) TH_LOG("%s", dm_why(self->ctx));
	EXPECT_EQ(-ENOENT, dm_rec_find(rec.uuid, NULL));
}

/* The library only creates namespaces carrying its own tag. */
TEST_F(foreign, untagged_create_refused)
{
	struct dm_ns_config cfg = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	char why[DM_MSG_LEN];
	struct dm_ns *ns = NULL;

	ASSERT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      DM_SEL_ALLOW_FOREIGN, why, sizeof(why)));
	EXPECT_EQ(-EINVAL, dm_ns_create(self->ctx, &cfg, "user-data", &ns));
	EXPECT_EQ(-EINVAL, dm_ns_create(self->ctx, &cfg, DM_TAG_PREFIX "a b",
					&ns));
	EXPECT_EQ(NULL, ns);
}

/* Try the region from a second process; its exit status says how it went. */
static pid_t second_process(const char *region, unsigned int flags)
{
	char why[DM_MSG_LEN];
	struct dm_ctx *ctx;
	pid_t pid;
	int rc;

	pid = fork();
	if (pid)
		return pid;
	if (dm_new(&ctx))
		_exit(10);
	rc = dm_select_region(ctx, region, FOREIGN_SIZE,
			      flags | DM_SEL_ALLOW_FOREIGN, why, sizeof(why));
	fprintf(stderr, "# second process: %s\n", rc ? why : "got the region");
	if (rc == -EBUSY && strstr(why, "in use by another devmem process"))
		_exit(1);
	_exit(rc ? 11 : 0);
}

/* A second devmem process on the region refuses (no-wait) or waits. */
TEST_F(foreign, region_locked)
{
	int status;
	pid_t pid;

	pid = second_process(self->region, DM_SEL_NO_WAIT);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(1, WEXITSTATUS(status));

	pid = second_process(self->region, 0);
	sleep(2);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG))
		TH_LOG("the second process did not wait for the lock");
	dm_release_region(self->ctx);	/* it may go on now */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Try to make a filesystem on /dev/@blk and mount it; 0 when mounted. */
static int try_mount(const char *blk, const char *dir)
{
	static const char *const fs[][2] = {
		{ "mke2fs -F", "ext2" }, { "mkfs.ext4 -q -F", "ext4" },
		{ "mkfs.minix", "minix" }, { "mkfs.vfat", "vfat" },
	};
	char cmd[256], dev[80];
	size_t i;

	snprintf(dev, sizeof(dev), "/dev/%s", blk);
	for (i = 0; i < ARRAY_SIZE(fs); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", fs[i][0],
			 dev);
		if (system(cmd))
			continue;
		if (!mount(dev, dir, fs[i][1], 0, NULL))
			return 0;
	}
	return -ENODEV;
}

/*
 * Never pull out what is in use, even our own: a mounted, an open and a
 * mapped namespace are refused with the reason; released, they go.
 */
TEST_F(foreign, in_use_refused)
{
	struct dm_ns_config fsdax = {
		.mode = DM_MODE_FSDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	struct dm_ns_config devdax = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	char why[DM_MSG_LEN], dev[64], path[96];
	char dir[] = "/tmp/devmem-mnt.XXXXXX";
	struct dm_ns *ns;
	void *p;
	int fd;

	ASSERT_EQ(0, dm_select_region(self->ctx, self->region,
				      2 * FOREIGN_SIZE, DM_SEL_ALLOW_FOREIGN,
				      why, sizeof(why)));
	ASSERT_EQ(0, dm_ns_create(self->ctx, &fsdax, DM_TAG_PREFIX "busy",
				  &ns)) TH_LOG("%s", dm_why(self->ctx));
	ASSERT_EQ(0, dm_ns_devname(ns, dev, sizeof(dev)));
	snprintf(path, sizeof(path), "/dev/%s", dev);

	/* open */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, dm_ns_disable(ns, NULL));
	TH_LOG("open: refused: %s", dm_why(self->ctx));
	EXPECT_NE(NULL, strstr(dm_why(self->ctx), "is open in pid"));
	close(fd);

	/* claimed: what a mount in another mount namespace looks like */
	fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, dm_ns_disable(ns, NULL));
	TH_LOG("claimed: refused: %s", dm_why(self->ctx));
	EXPECT_NE(NULL, strstr(dm_why(self->ctx), "claimed exclusively"));
	close(fd);

	/* mounted, where the guest can make a filesystem */
	ASSERT_NE(NULL, mkdtemp(dir));
	if (!try_mount(dev, dir)) {
		EXPECT_EQ(-EBUSY, dm_ns_disable(ns, NULL));
		TH_LOG("mounted: refused: %s", dm_why(self->ctx));
		EXPECT_NE(NULL, strstr(dm_why(self->ctx), "is mounted on"));
		EXPECT_EQ(0, umount(dir));
	} else {
		TH_LOG("no mkfs/filesystem here: the mounted case is not tried");
	}
	rmdir(dir);
	/* released: it goes */
	EXPECT_EQ(0, dm_ns_disable(ns, NULL)) TH_LOG("%s", dm_why(self->ctx));
	EXPECT_EQ(0, dm_ns_destroy(ns)) TH_LOG("%s", dm_why(self->ctx));

	/* mapped, with its file closed */
	ASSERT_EQ(0, dm_ns_create(self->ctx, &devdax, DM_TAG_PREFIX "busy",
				  &ns)) TH_LOG("%s", dm_why(self->ctx));
	ASSERT_EQ(0, dm_ns_devname(ns, dev, sizeof(dev)));
	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, 2ul << 20, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EBUSY, dm_ns_disable(ns, NULL));
	TH_LOG("mapped: refused: %s", dm_why(self->ctx));
	EXPECT_NE(NULL, strstr(dm_why(self->ctx), "is mapped by pid"));
	munmap(p, 2ul << 20);
	EXPECT_EQ(0, dm_ns_destroy(ns)) TH_LOG("%s", dm_why(self->ctx));
}

static int write_str(const char *path, const char *v)
{
	FILE *f = fopen(path, "we");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(v, f) < 0 ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

#define AUTO_ONLINE	"/sys/devices/system/memory/auto_online_blocks"

/*
 * A devdax namespace whose memory is handed to the kmem driver (System
 * RAM, left offline here so that it can be given back) is not disabled.
 */
TEST_F(foreign, system_ram_refused)
{
	struct dm_ns_config devdax = {
		.mode = DM_MODE_DEVDAX, .map = DM_MAP_MEM,
		.align = 2ul << 20, .size = FOREIGN_SIZE,
	};
	char why[DM_MSG_LEN], dev[64], cmd[160], policy[64] = "";
	struct dm_ns *ns;
	int rc;

	ASSERT_EQ(0, dm_select_region(self->ctx, self->region, FOREIGN_SIZE,
				      DM_SEL_ALLOW_FOREIGN, why, sizeof(why)));
	ASSERT_EQ(0, dm_ns_create(self->ctx, &devdax, DM_TAG_PREFIX "kmem",
				  &ns)) TH_LOG("%s", dm_why(self->ctx));
	ASSERT_EQ(0, dm_ns_devname(ns, dev, sizeof(dev)));
	/* daxctl refuses while the kernel would online it at once */
	ASSERT_EQ(0, dm_knob_set("auto_online_blocks", "offline", policy,
				 sizeof(policy)));
	snprintf(cmd, sizeof(cmd),
		 "daxctl reconfigure-device --no-online --mode=system-ram %s >/dev/null 2>&1",
		 dev);
	rc = system(cmd);
	if (rc) {
		dm_knob_restore("auto_online_blocks", policy);
		EXPECT_EQ(0, dm_ns_destroy(ns)) TH_LOG("%s", dm_why(self->ctx));
		SKIP(return, "daxctl cannot hand %s to kmem here (%d)", dev,
		     rc);
	}
	EXPECT_EQ(-EBUSY, dm_ns_disable(ns, NULL));
	TH_LOG("system-ram: refused: %s", dm_why(self->ctx));
	EXPECT_NE(NULL, strstr(dm_why(self->ctx), "System RAM"));
	snprintf(cmd, sizeof(cmd),
		 "daxctl reconfigure-device --mode=devdax %s >/dev/null 2>&1",
		 dev);
	EXPECT_EQ(0, system(cmd));
	EXPECT_EQ(0, dm_knob_restore("auto_online_blocks", policy));
	EXPECT_EQ(0, dm_ns_destroy(ns)) TH_LOG("%s", dm_why(self->ctx));
}

static int knob_records(const char *knob, pid_t pid)
{
	struct dm_rec *v;
	int n, i, found = 0;

	if (dm_rec_load(&v, &n))
		return -1;
	for (i = 0; i < n; i++)
		found += !strcmp(v[i].kind, "knob") &&
			 !strcmp(v[i].region, knob) && v[i].pid == pid;
	free(v);
	return found;
}

static void read_knob(char *buf, size_t len)
{
	FILE *f = fopen(AUTO_ONLINE, "re");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * A setting the suite changed for a while (kmem's auto_online_blocks) is
 * put back by the cleanup when its run was SIGKILLed in between: the
 * record written before the change names the value to restore.
 */
TEST(knob_restored_after_sigkill)
{
	char before[64], killed[64], after[64], saved[64];
	const char *other;
	int status;
	pid_t pid;

	read_knob(before, sizeof(before));
	if (!before[0])
		SKIP(return, "no %s (memory hotplug off)", AUTO_ONLINE);
	other = strcmp(before, "offline") ? "offline" : "online_movable";
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (dm_knob_set("auto_online_blocks", other, saved,
				sizeof(saved)))
			_exit(2);
		raise(SIGKILL);
		_exit(3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("the child did not change the knob (status %#x)",
		       status);
	read_knob(killed, sizeof(killed));
	EXPECT_STREQ(other, killed);
	EXPECT_EQ(1, knob_records("auto_online_blocks", pid));
	/* what devmem-bench --cleanup runs */
	EXPECT_EQ(0, dm_knob_cleanup(stderr));
	read_knob(after, sizeof(after));
	EXPECT_STREQ(before, after);
	EXPECT_EQ(0, knob_records("auto_online_blocks", pid));
	if (strcmp(before, after))
		write_str(AUTO_ONLINE, before);
}

TEST_HARNESS_MAIN
#endif /* DEVMEM_NO_LIBNDCTL */
