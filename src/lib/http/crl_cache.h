/*
 * crl_cache.h: the CRL cache behind the CRL routes (crl_http.h), shared by
 * its three files: crl_cache.c (the cache: build, keep, evict, refresh
 * what is due), crl_refresh.c (the refresh thread), crl_http.c (routes).
 *
 * Each cached CRL is a reference-counted blob: the cache holds one
 * reference and every answer in flight another, so libmicrohttpd sends the
 * bytes without a copy (a full CRL of a million entries is 49 MB) and a
 * rebuild or an eviction never pulls bytes from under a sending thread.
 * One lock guards the cache and the registry connection.
 */
#ifndef JPKI_HTTP_CRL_CACHE_H
#define JPKI_HTTP_CRL_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ca/crl.h"
#include "crl_http.h"

struct blob {
	struct jpki_crl crl;
	int refs;
	int64_t version;    /* the CA's revocation_version when built */
	int64_t rebuild_at; /* planned rebuild: halfway to nextUpdate */
	char etag[40];
};

struct slot {
	struct blob *base, *delta;
	uint64_t used; /* LRU stamp */
};

struct jpki_crl_http {
	struct jpki_crl_http_cfg cfg;
	struct jpki_store *st;
	struct jpki_ca *cas[2];
	pthread_mutex_t lock;
	pthread_mutex_t save_lock; /* writing <data>/crl/<kind>.crl; taken after `lock` */
	int64_t saved[2];          /* cRLNumber of the full CRL last written there */
	struct blob *full[2];
	struct slot slots[2][JPKI_CRL_PARTITIONS];
	unsigned cached;        /* slots with a base */
	size_t bytes;           /* bytes of cached partition CRLs */
	uint64_t clock;         /* LRU stamps */
	int64_t failure_logged; /* when a failed rebuild was last logged (at most every 10 s) */
	/* the refresh thread (jpki_crl_http_start_refresh) */
	pthread_t thread;
	bool running, stopping, kicked;
	pthread_mutex_t tlock;
	pthread_cond_t tcond;
	int64_t interval;
};

/* Drop a reference to a blob (the cache's or an answer's); the last frees it. */
void jpki_crl_blob_unref(void *blob);

/*
 * The CRL of a CA (part < 0: the full CRL; else that partition's base or
 * delta), rebuilt first when it is due, with a reference for the caller
 * (jpki_crl_blob_unref).  NULL when none is valid at now; a failed rebuild
 * is logged (at most every 10 s) and the previous CRL is handed out while it
 * is still within its nextUpdate.
 */
struct blob *jpki_crl_cache_take(struct jpki_crl_http *h, enum jpki_kind kind, int part, bool delta,
                                 int64_t now);
/* Cached partitions and their bytes, for tests. */
void jpki_crl_cache_usage(struct jpki_crl_http *h, unsigned *partitions, size_t *bytes);

#endif
