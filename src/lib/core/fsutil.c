/*
 * fsutil.c: bounded reads and atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

int jpki_read_file(const char *path, size_t cap, uint8_t **ret_buf, size_t *ret_len,
		   struct jpki_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jpki_fail(err, errno == ENOENT ? JPKI_E_NOT_FOUND : JPKI_E_IO,
				 "cannot open %s: %s", path, strerror(errno));
	uint8_t *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory reading %s", path);
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, cap + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return jpki_fail(err, JPKI_E_IO, "cannot read %s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > cap) {
			free(buf);
			close(fd);
			return jpki_fail(err, JPKI_E_LIMIT, "%s is larger than %zu bytes", path,
					 cap);
		}
	}
	close(fd);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static int fsync_parent(const char *path)
{
	char copy[4096];
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -1;
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	int rc = fsync(dfd);
	close(dfd);
	return rc;
}

int jpki_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
			   struct jpki_err *err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return jpki_fail(err, JPKI_E_INVALID, "path too long: %s", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return jpki_fail(err, JPKI_E_IO, "cannot create %s: %s", tmp, strerror(errno));
	const uint8_t *p = buf;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		p += n;
		left -= (size_t)n;
	}
	/*
	 * The data must be on disk before the rename makes it the file: rename
	 * alone is atomic for the name only, and after a crash the new name
	 * could point at an empty or partial file (ext4's auto_da_alloc makes
	 * that unlikely, other file systems and mount options do not).
	 * fdatasync: the size and blocks are flushed with the data; timestamps
	 * are not needed.  The directory is synced after the rename for
	 * durability; without it a crash leaves the old, complete file.
	 */
	if (fdatasync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	(void)fsync_parent(path);
	return 0;
fail: {
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return jpki_fail(err, JPKI_E_IO, "cannot write %s: %s", path, strerror(e));
}
}

int jpki_mkdir_p(const char *path, struct jpki_err *err)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return jpki_fail(err, JPKI_E_INVALID, "path too long: %s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return jpki_fail(err, JPKI_E_IO, "cannot create %s: %s", buf,
					 strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return jpki_fail(err, JPKI_E_IO, "cannot create %s: %s", buf, strerror(errno));
	return 0;
}

int jpki_path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

const char *jpki_data_dir(void)
{
	const char *d = getenv("JPKI_DATA");
	return d && *d ? d : "./var";
}

int jpki_data_path(char *buf, size_t n, const char *name, struct jpki_err *err)
{
	if (snprintf(buf, n, "%s/%s", jpki_data_dir(), name) >= (int)n)
		return jpki_fail(err, JPKI_E_INVALID, "data path too long for %s", name);
	return 0;
}
