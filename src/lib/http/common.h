/*
 * common.h: what every route of `jpki serve` shares: HTTP dates, plain
 * text answers, and conditional GET (RFC 9110 §13.1) done one way.
 */
#ifndef JPKI_HTTP_COMMON_H
#define JPKI_HTTP_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "jpki/error.h"

/* t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); "" when it cannot be. */
void jpki_http_date(int64_t t, char buf[64]);
/* An IMF-fixdate (the only form we send) back to an instant; -1 when not one. */
int64_t jpki_http_parse_date(const char *s);
/*
 * Whether an If-None-Match value lists etag (a quoted entity tag): "*", or
 * one of its comma-separated tags equal to etag, weak ("W/") or not (the
 * weak comparison of RFC 9110 §8.8.3.2, what GET uses).
 */
bool jpki_http_etag_listed(const char *if_none_match, const char *etag);
/*
 * The request's validators say the client holds this version: If-None-Match
 * when present (it wins, §13.1.3), else If-Modified-Since not before
 * last_modified (last_modified < 0: If-Modified-Since is not looked at).
 */
bool jpki_http_not_modified(struct MHD_Connection *conn, const char *etag, int64_t last_modified);
/* A text/plain answer with the HTTP status of a jpki error code (jpki/error.h's column). */
enum MHD_Result jpki_http_error(struct MHD_Connection *conn, enum jpki_code code, const char *msg);
/* A text/plain answer. */
enum MHD_Result jpki_http_text(struct MHD_Connection *conn, unsigned status, const char *msg);
/* 405 with the Allow header the route needs (RFC 9110 §15.5.6). */
enum MHD_Result jpki_http_method_not_allowed(struct MHD_Connection *conn, const char *allow);

/*
 * The headers of every page and answer of the HTTPS front ends (the
 * portal, the counter page, the API): csp, nosniff, no framing, no
 * referrer, no caching, same-origin opener, HSTS.
 */
void jpki_http_strict_headers(struct MHD_Response *r, const char *csp);

/* Seconds on the monotonic clock: a request body's deadline. */
int64_t jpki_http_mono_seconds(void);
/*
 * The first call of a POST route that takes a body of type `type` and at
 * most max bytes, on the headers alone (before a body byte is read): true
 * with the refusal queued in *ret for another method (405), another
 * Content-Type (415), a bad Content-Length (400) or one over max (413);
 * false when the request goes on.
 */
bool jpki_http_post_refused(struct MHD_Connection *conn, const char *method, const char *type,
                            uint64_t max, enum MHD_Result *ret);

#endif
