/*
 * tmpdir.h: a private temporary folder per test program.
 *
 * Tests run in parallel (meson test --num-processes N), so each program
 * makes its own folder with mkdtemp(3) under $TMPDIR (default /tmp), points
 * JPKI_DATA at it when asked, and removes it with everything inside at the
 * end.  Header-only: every helper is static inline.
 */
#ifndef JPKI_TEST_TMPDIR_H
#define JPKI_TEST_TMPDIR_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline int tmpdir_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* Make a fresh folder into buf (PATH_MAX bytes); NULL on failure. */
static inline char *tmpdir_make(char buf[static PATH_MAX], const char *tag)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if (snprintf(buf, PATH_MAX, "%s/jpki-unit-%s-XXXXXX", base, tag) >= PATH_MAX)
		return NULL;
	return mkdtemp(buf);
}

/* Remove the folder and all it holds (depth first, symlinks not followed). */
static inline int tmpdir_remove(const char *path)
{
	return nftw(path, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
