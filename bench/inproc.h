/*
 * inproc.h: what the in-process benchmarks share (bench/verify_inproc.c,
 * bench/login_inproc.c): a whole file read in, and a monotonic clock.
 */
#ifndef JPKI_BENCH_INPROC_H
#define JPKI_BENCH_INPROC_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The bytes of path, malloc'd, their count in *len; NULL when it cannot be read. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else
		free(buf), buf = NULL;
	if (f)
		fclose(f);
	return buf;
}

/* Seconds on the monotonic clock. */
static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
