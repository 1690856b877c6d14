/*
 * ocsp_http.h: OCSP over HTTP (RFC 6960 Appendix A, RFC 5019 §5) for the
 * libmicrohttpd server of `jpki serve`.
 *
 * Routes (the kind segment is optional: the CertID names the CA):
 *   POST /ocsp, /ocsp/sign, /ocsp/auth     body: DER OCSPRequest
 *   GET  /ocsp/<sign|auth>/<base64>, /ocsp/<base64>
 * The base64 may be percent-encoded or not, URL-safe or not, padded or not.
 *
 * Answers are application/ocsp-response with HTTP 200 for every OCSP
 * status; HTTP errors only for what is not OCSP: 404 unknown path, 405
 * method, 413 body over JPKI_OCSP_REQ_MAX, 415 wrong Content-Type.
 * A successful GET answer without a nonce carries RFC 5019 §6 caching
 * headers (max-age to nextUpdate, Last-Modified, Expires, ETag) and a
 * matching If-None-Match gets 304.
 */
#ifndef JPKI_HTTP_OCSP_HTTP_H
#define JPKI_HTTP_OCSP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "jpki/api.h"
#include "status/ocsp.h"
#include "store/store.h"

/* True when url belongs to the OCSP responder ("/ocsp" or "/ocsp/..."). */
bool jpki_ocsp_http_route(const char *url);

/*
 * The access handler for an OCSP url: call it for every invocation of the
 * server's access handler whose url jpki_ocsp_http_route() accepts, with
 * the same arguments and the current instant.  It keeps its per-request
 * state in *con_cls; the server's MHD_OPTION_NOTIFY_COMPLETED callback
 * must pass that to jpki_ocsp_http_completed().
 */
enum MHD_Result jpki_ocsp_http(struct jpki_ocsp *o, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *upload, size_t *upload_size,
                               void **con_cls, int64_t now);

/* Free the per-request state an OCSP request left in con_cls; NULL is fine. */
void jpki_ocsp_http_completed(void *con_cls);
/* Every *con_cls the OCSP route sets points at a pointer to this (publish.c tells routes apart). */
extern const char jpki_ocsp_http_owner;

/*
 * Decode the request part of a GET path (after "/ocsp/" and the optional
 * kind segment): base64 or base64url, '%XX' escapes, missing '=' padding
 * and ' ' for '+' (a '+' some proxy decoded) all accepted.  At most cap
 * bytes out.  0, or -1 on anything else.
 */
JPKI_MUST_CHECK int jpki_ocsp_http_decode(const char *s, uint8_t *out, size_t cap, size_t *ret_len);

/*
 * Registry connections for the lookup callback, one per server thread,
 * opened lazily (pthread key).  spec as for jpki_store_open(ctx, ); NULL means
 * the data folder's registry.  Free only after the server's threads have
 * stopped (MHD_stop_daemon): it closes every connection it opened.
 */
struct jpki_ocsp_stores;
JPKI_MUST_CHECK int jpki_ocsp_stores_new(const struct jpki_ctx *ctx, const char *spec,
                                         struct jpki_ocsp_stores **ret, struct jpki_err *err);
void jpki_ocsp_stores_free(struct jpki_ocsp_stores *s);
/* A jpki_ocsp_lookup_fn; arg is a struct jpki_ocsp_stores *. */
JPKI_MUST_CHECK int jpki_ocsp_stores_lookup(void *arg, enum jpki_kind ca, const char *serial_hex,
                                            struct jpki_cert_rec *out, struct jpki_err *err);

#endif
