/*
 * crlnum.c: drawing cRLNumbers under the CA's lock (crlnum.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "ca.h"
#include "core/fsutil.h"
#include "crlnum.h"

#define NUMBER_FILE "crl-number"

int jpki_crl_number_last(const struct jpki_ctx *ctx, enum jpki_kind kind, int64_t *out,
                         struct jpki_err *err)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len;
	int rc;
	*out = 0;
	if ((rc = jpki_ca_path(ctx, kind, NUMBER_FILE, path, sizeof(path), err)) < 0)
		return rc;
	if ((rc = jpki_read_file(path, 32, &buf, &len, err)) == -JPKI_E_NOT_FOUND) {
		jpki_err_clear(err);
		return 0;
	}
	if (rc < 0)
		return rc;
	buf[len] = '\0'; /* jpki_read_file leaves room for one more byte */
	char *end;
	errno = 0;
	long long v = strtoll((char *)buf, &end, 10);
	bool ok = len > 0 && buf[0] >= '0' && buf[0] <= '9' && errno == 0 && v >= 0 &&
	          (*end == '\0' || (*end == '\n' && end[1] == '\0'));
	free(buf);
	if (!ok)
		return jpki_fail(err, JPKI_E_STATE, "%s is damaged (not a number)", path);
	*out = v;
	return 0;
}

static int write_last(const struct jpki_ctx *ctx, enum jpki_kind kind, int64_t n,
                      struct jpki_err *err)
{
	char path[4096], text[32];
	int rc = jpki_ca_path(ctx, kind, NUMBER_FILE, path, sizeof(path), err);
	if (rc < 0)
		return rc;
	int len = snprintf(text, sizeof(text), "%" PRId64 "\n", n);
	return jpki_write_file_atomic(path, text, (size_t)len, 0644, err);
}

/* An exclusive flock on the CA's folder: released when the descriptor is closed. */
static int lock_ca(const struct jpki_ctx *ctx, enum jpki_kind kind, int *ret_fd,
                   struct jpki_err *err)
{
	char dir[4096];
	int rc = jpki_ca_path(ctx, kind, "", dir, sizeof(dir), err);
	if (rc < 0)
		return rc;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jpki_fail(err, errno == ENOENT ? JPKI_E_NOT_FOUND : JPKI_E_IO,
		                 "cannot open the %s CA folder %s: %s", jpki_kind_name(kind), dir,
		                 strerror(errno));
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return jpki_fail(err, JPKI_E_IO, "cannot lock %s: %s", dir, strerror(e));
		}
	}
	*ret_fd = fd;
	return 0;
}

int jpki_crl_number_draw(const struct jpki_ctx *ctx, struct jpki_store *st, enum jpki_kind kind,
                         int64_t *out, struct jpki_err *err)
{
	int fd = -1;
	int64_t last = 0, n = 0;
	int rc = lock_ca(ctx, kind, &fd, err);
	if (rc < 0)
		return rc;
	/*
	 * Looked at before one is drawn: a refused registry must not move its
	 * counter, or enough refusals would walk an old copy past the check.  The
	 * flock makes the look and the draw one step for every process.
	 */
	int64_t cur = 0;
	if ((rc = jpki_crl_number_last(ctx, kind, &last, err)) == 0 &&
	    (rc = st->ops->crl_number_get(st, kind, &cur, err)) == 0) {
		if (cur + 1 <= last)
			rc = jpki_fail(err, JPKI_E_STATE,
			               "the registry's next cRLNumber of the %s CA, %" PRId64
			               ", is not above the last one the CA issued, %" PRId64
			               ": is this an old copy of the registry?  See \"Restoring "
			               "a backup\" in docs/operations.md",
			               jpki_kind_name(kind), cur + 1, last);
		else if ((rc = st->ops->crl_number_next(st, kind, &n, err)) == 0)
			rc = write_last(ctx, kind, n, err);
	}
	close(fd);
	if (rc == 0)
		*out = n;
	return rc;
}
