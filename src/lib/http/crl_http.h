/*
 * crl_http.h: serving and caching the CAs' CRLs (docs/crl.md).
 *
 * Routes, for <kind> sign or auth:
 *   GET /crl/<kind>.crl           the full CRL
 *   GET /crl/<kind>/<p>.crl       partition p's base CRL (0 <= p < 1024, no
 *                                 leading zeros: the URL certificates name)
 *   GET /crl/<kind>/<p>-delta.crl partition p's delta against that base
 * Anything else under /crl/ is 404.
 *
 * Rebuilding: the full CRL when a revocation of the CA was committed since
 * it was built, or halfway to its nextUpdate (and it is saved to
 * <data>/crl/<kind>.crl); a partition base lazily on its first request and
 * again halfway to its nextUpdate, and only then, so deltas always refer to
 * the base clients hold; a delta when a revocation of the CA was committed
 * since it was built, when its base changed, or halfway to its nextUpdate.
 * Cached partitions are bounded in number and bytes; the least recently
 * requested go first.
 *
 * Answers carry Content-Type application/pkix-crl, Last-Modified
 * (thisUpdate), Expires (nextUpdate), ETag ("<cRLNumber in hex>") and
 * Cache-Control public with max-age up to the planned rebuild; a matching
 * If-None-Match, or failing that an If-Modified-Since not before thisUpdate,
 * gets 304.
 */
#ifndef JPKI_HTTP_CRL_HTTP_H
#define JPKI_HTTP_CRL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "jpki/api.h"
#include "ca/ca.h"
#include "store/store.h"

struct jpki_crl_http_cfg {
	int64_t validity;        /* full CRLs and partition bases; 0 = 1 day */
	int64_t delta_validity;  /* deltas; 0 = 1 hour */
	unsigned max_partitions; /* cached partitions (base + delta) over both CAs; 0 = 512 */
	size_t max_bytes;        /* cached partition CRL bytes; 0 = 256 MiB */
};

struct jpki_crl_http;

/*
 * The store and both CAs are borrowed and must outlive the cache; the
 * store is used only under the cache's own lock.  Caller frees.
 */
JPKI_MUST_CHECK int jpki_crl_http_new(const struct jpki_crl_http_cfg *cfg, struct jpki_store *st,
                                      struct jpki_ca *const cas[2], struct jpki_crl_http **ret,
                                      struct jpki_err *err);
/* Free the cache (answers still being sent keep their CRL alive); NULL is fine. */
void jpki_crl_http_free(struct jpki_crl_http *h);

/* True when url belongs to the CRL routes ("/crl/..."). */
bool jpki_crl_http_route(const char *url);
/* Answer a GET or HEAD of a CRL url at `now`. */
enum MHD_Result jpki_crl_http(struct jpki_crl_http *h, struct MHD_Connection *conn, const char *url,
                              int64_t now);

/* On demand: rebuild both full CRLs now and drop the cached partitions. */
JPKI_MUST_CHECK int jpki_crl_http_refresh(struct jpki_crl_http *h, int64_t now,
                                          struct jpki_err *err);

/*
 * The scheduled refresh, from the refresh thread with its own registry
 * connection `st`: rebuild each full CRL when a revocation of its CA was
 * committed since it was built or it is past its rebuild point (always when
 * `force`) and write it to <data>/crl/<kind>.crl; rebuild the cached
 * partition bases past their rebuild point, and the cached deltas whose CA
 * had a revocation since they were built (or past their rebuild point).
 * Builds run outside the cache lock; new CRLs are swapped in under it.
 * Returns the first error; the rest is still done.
 */
JPKI_MUST_CHECK int jpki_crl_http_refresh_due(struct jpki_crl_http *h, struct jpki_store *st,
                                              int64_t now, bool force, struct jpki_err *err);
/*
 * Start the refresh thread: jpki_crl_http_refresh_due every `interval`
 * seconds (>= 1), with a registry connection of its own
 * (jpki_store_open_default).  Stopped (promptly: it waits on a condition
 * variable) and joined by jpki_crl_http_stop_refresh or jpki_crl_http_free.
 */
JPKI_MUST_CHECK int jpki_crl_http_start_refresh(struct jpki_crl_http *h, int64_t interval,
                                                struct jpki_err *err);
/* Wake the refresh thread for a refresh now, full CRLs rebuilt whatever their age (SIGHUP). */
void jpki_crl_http_kick(struct jpki_crl_http *h);
/* Stop and join the refresh thread; a no-op when it is not running. */
void jpki_crl_http_stop_refresh(struct jpki_crl_http *h);

/*
 * Parse a CRL path: "/crl/<kind>.crl" (partition -1) or "/crl/<kind>/<p>[-delta].crl"
 * (p without leading zeros, as certificates name it); 0, or -JPKI_E_NOT_FOUND.
 */
JPKI_MUST_CHECK int jpki_crl_http_parse(const char *url, enum jpki_kind *kind, int *partition,
                                        bool *delta);

#endif
