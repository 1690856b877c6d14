/*
 * fsutil.h: the few file operations jpki needs, each bounded and safe.
 *
 * Files from outside are read with a size cap; files jpki owns are written
 * atomically (temporary file, fsync, rename, fsync of the folder) so that a
 * crash leaves either the old or the new content, never half of one.
 */
#ifndef JPKI_CORE_FSUTIL_H
#define JPKI_CORE_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jpki/error.h"

/* Read at most cap bytes of path into a new malloc'd buffer (caller frees). */
int jpki_read_file(const char *path, size_t cap, uint8_t **ret_buf, size_t *ret_len,
		   struct jpki_err *err);
/* Replace path atomically with len bytes of buf, created with mode. */
int jpki_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
			   struct jpki_err *err);
/* Create path as a folder (mode 0700) if it does not exist. */
int jpki_mkdir_p(const char *path, struct jpki_err *err);
/* True when path exists. */
int jpki_path_exists(const char *path);
/* The data folder: $JPKI_DATA, default "./var". Never NULL. */
const char *jpki_data_dir(void);
/* snprintf into buf (size n) "<data dir>/<name>"; error when it does not fit. */
int jpki_data_path(char *buf, size_t n, const char *name, struct jpki_err *err);

#endif
