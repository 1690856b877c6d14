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

#include <openssl/rand.h>

#include "fsutil.h"
#include "hex.h"

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

/*
 * What an output path is: absent or a regular file (written atomically: a
 * temporary file beside it, synced, renamed over it), "-", a character
 * device, a FIFO or a symbolic link to one of those or to a regular file
 * (written in place: nothing is ever renamed over a device, a FIFO or a
 * link: `--out /dev/null` as root once replaced the machine's /dev/null).
 * Anything else (a folder, a socket, a dangling link) is refused.
 */
int jpki_out_open(struct jpki_out *o, const char *path, mode_t mode, struct jpki_err *err)
{
	struct stat sb;
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (snprintf(o->path, sizeof(o->path), "%s", path) >= (int)sizeof(o->path))
		return jpki_fail(err, JPKI_E_INVALID, "path too long: %.64s...", path);
	if (strcmp(path, "-") == 0) {
		o->direct = true;
		o->fd = STDOUT_FILENO;
		o->borrowed = true;
		return 0;
	}
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if (!S_ISLNK(sb.st_mode) && !S_ISCHR(sb.st_mode) && !S_ISFIFO(sb.st_mode))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "%s is not a file (a folder or a socket?): not written",
			                 path);
		if (stat(path, &sb) != 0 ||
		    !(S_ISREG(sb.st_mode) || S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "%s links to nothing writable: not written", path);
		int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return jpki_fail(err, JPKI_E_IO, "cannot open %s: %s", path,
			                 strerror(errno));
		o->direct = true;
		o->fd = fd;
		return 0;
	}
	/* a new file of our own: a name nobody can have made for us (O_EXCL, random part) */
	for (int attempt = 0; attempt < 16; attempt++) {
		uint8_t r[8];
		char hex[17];
		if (RAND_bytes(r, sizeof(r)) != 1)
			return jpki_fail(err, JPKI_E_CRYPTO, "no random bytes for a file name");
		jpki_hex_encode(r, sizeof(r), hex);
		if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.%s", path, hex) >= (int)sizeof(o->tmp))
			return jpki_fail(err, JPKI_E_INVALID, "path too long: %.64s...", path);
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (o->fd >= 0 || errno != EEXIST)
			break;
	}
	if (o->fd < 0) {
		int e = errno;
		o->tmp[0] = '\0';
		return jpki_fail(err, JPKI_E_IO, "cannot create a file beside %s: %s", path,
		                 strerror(e));
	}
	return 0;
}

/* All of buf to fd; 0, or -1 with errno. */
static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int jpki_out_write(struct jpki_out *o, const void *buf, size_t len, struct jpki_err *err)
{
	if (write_all(o->fd, buf, len) < 0)
		return jpki_fail(err, JPKI_E_IO, "cannot write %s: %s", o->path, strerror(errno));
	return 0;
}

/*
 * The data must be on disk before the rename makes it the file: rename alone
 * is atomic for the name only, and after a crash the new name could point at
 * an empty or partial file.  fdatasync flushes the size and blocks with the
 * data; timestamps are not needed.
 */
int jpki_out_sync(struct jpki_out *o, struct jpki_err *err)
{
	if (o->direct || o->synced)
		return 0;
	if (fdatasync(o->fd) != 0)
		return jpki_fail(err, JPKI_E_IO, "cannot write %s: %s", o->path, strerror(errno));
	int rc = close(o->fd);
	o->fd = -1;
	if (rc != 0)
		return jpki_fail(err, JPKI_E_IO, "cannot write %s: %s", o->path, strerror(errno));
	o->synced = true;
	return 0;
}

int jpki_out_commit(struct jpki_out *o, struct jpki_err *err)
{
	int rc = jpki_out_sync(o, err);
	if (rc < 0) {
		jpki_out_abort(o);
		return rc;
	}
	if (o->direct) {
		if (!o->borrowed && o->fd >= 0 && close(o->fd) != 0) {
			o->fd = -1;
			return jpki_fail(err, JPKI_E_IO, "cannot write %s: %s", o->path,
			                 strerror(errno));
		}
		o->fd = -1;
		return 0;
	}
	if (rename(o->tmp, o->path) != 0) {
		int e = errno;
		jpki_out_abort(o);
		return jpki_fail(err, JPKI_E_IO, "cannot write %s: %s", o->path, strerror(e));
	}
	o->tmp[0] = '\0';
	/* durability of the new name; without it a crash leaves the old, complete file */
	(void)fsync_parent(o->path);
	return 0;
}

void jpki_out_abort(struct jpki_out *o)
{
	if (o->fd >= 0 && !o->borrowed)
		close(o->fd);
	o->fd = -1;
	if (!o->direct && o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

int jpki_write_out(const char *path, const void *buf, size_t len, mode_t mode, struct jpki_err *err)
{
	struct jpki_out o;
	int rc = jpki_out_open(&o, path, mode, err);
	if (rc == 0 && (rc = jpki_out_write(&o, buf, len, err)) == 0)
		return jpki_out_commit(&o, err);
	jpki_out_abort(&o);
	return rc;
}

int jpki_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                           struct jpki_err *err)
{
	struct stat sb;
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return jpki_fail(err, JPKI_E_INVALID, "%s is not a regular file: not replaced",
		                 path);
	return jpki_write_out(path, buf, len, mode, err);
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

int jpki_data_path(const struct jpki_ctx *ctx, char *buf, size_t n, const char *name,
                   struct jpki_err *err)
{
	if (snprintf(buf, n, "%s/%s", jpki_ctx_data_dir(ctx), name) >= (int)n)
		return jpki_fail(err, JPKI_E_INVALID, "data path too long for %s", name);
	return 0;
}

int jpki_copy_file(const char *from, const char *to, mode_t mode, struct jpki_err *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return jpki_fail(err, errno == ENOENT ? JPKI_E_NOT_FOUND : JPKI_E_IO,
		                 "cannot open %s: %s", from, strerror(errno));
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (out < 0) {
		int e = errno;
		close(in);
		return jpki_fail(err, JPKI_E_IO, "cannot create %s: %s", to, strerror(e));
	}
	char buf[64 * 1024];
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				rc = jpki_fail(err, JPKI_E_IO, "cannot read %s: %s", from,
				               strerror(errno));
			break;
		}
		if (write_all(out, buf, (size_t)n) < 0) {
			rc = jpki_fail(err, JPKI_E_IO, "cannot write %s: %s", to, strerror(errno));
			break;
		}
	}
	if (rc == 0 && fsync(out) != 0)
		rc = jpki_fail(err, JPKI_E_IO, "cannot sync %s: %s", to, strerror(errno));
	close(in);
	close(out);
	if (rc < 0)
		unlink(to);
	return rc;
}
