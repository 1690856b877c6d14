/*
 * fsutil.h: the few file operations jpki needs, each bounded and safe.
 *
 * Files from outside are read with a size cap; files jpki owns are written
 * atomically (temporary file, fsync, rename, fsync of the folder) so that a
 * crash leaves either the old or the new content, never half of one.
 */
#ifndef JPKI_CORE_FSUTIL_H
#define JPKI_CORE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"

/* Read at most cap bytes of path into a new malloc'd buffer (caller frees). */
JPKI_MUST_CHECK int jpki_read_file(const char *path, size_t cap, uint8_t **ret_buf, size_t *ret_len,
                                   struct jpki_err *err);
/*
 * Replace path atomically with len bytes of buf, created with mode: for the
 * files jpki owns.  A path that exists and is not a regular file is refused.
 */
JPKI_MUST_CHECK int jpki_write_file_atomic(const char *path, const void *buf, size_t len,
                                           mode_t mode, struct jpki_err *err);

/*
 * An output the user named (--out): atomic over a regular file or a new
 * one; written in place to "-" (standard output), a character device, a
 * FIFO or through a symbolic link; never a rename over anything but a
 * regular file.  Open before changing anything, so a bad path fails first;
 * write; sync (the data is on disk, the name not yet switched); commit (the
 * rename); or abort (nothing left behind).
 */
struct jpki_out {
	int fd;
	bool direct;   /* written in place: no temporary file, no rename */
	bool borrowed; /* fd is standard output: never closed here */
	bool synced;
	char path[4096];
	char tmp[4200]; /* the temporary file beside path, while there is one */
};
JPKI_MUST_CHECK int jpki_out_open(struct jpki_out *o, const char *path, mode_t mode,
                                  struct jpki_err *err);
JPKI_MUST_CHECK int jpki_out_write(struct jpki_out *o, const void *buf, size_t len,
                                   struct jpki_err *err);
JPKI_MUST_CHECK int jpki_out_sync(struct jpki_out *o, struct jpki_err *err);
JPKI_MUST_CHECK int jpki_out_commit(struct jpki_out *o, struct jpki_err *err);
void jpki_out_abort(struct jpki_out *o);
/* open, write, commit: a whole --out in one call. */
JPKI_MUST_CHECK int jpki_write_out(const char *path, const void *buf, size_t len, mode_t mode,
                                   struct jpki_err *err);
/* Copy from into a new file `to` (EXISTS-safe: never replaces), synced. */
JPKI_MUST_CHECK int jpki_copy_file(const char *from, const char *to, mode_t mode,
                                   struct jpki_err *err);
/* Create path as a folder (mode 0700) if it does not exist. */
JPKI_MUST_CHECK int jpki_mkdir_p(const char *path, struct jpki_err *err);
/* True when path exists. */
JPKI_MUST_CHECK int jpki_path_exists(const char *path);
/* snprintf into buf (size n) "<the context's data folder>/<name>"; error when it does not fit. */
JPKI_MUST_CHECK int jpki_data_path(const struct jpki_ctx *ctx, char *buf, size_t n,
                                   const char *name, struct jpki_err *err);

#endif
