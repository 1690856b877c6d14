/*
 * verify_http.h: POST /verify, signature verification for relying parties
 * (docs/relying-party.md, "Over HTTP").  The body is JSON,
 *   {"signature": "<base64 CMS>", "document": "<base64, when detached>"}
 * and the answer the report of jpki/verify.h as JSON.  The service trusts
 * its own signature CA and asks its own OCSP responder, in process.
 */
#ifndef JPKI_HTTP_VERIFY_HTTP_H
#define JPKI_HTTP_VERIFY_HTTP_H

#include <stdbool.h>

#include <microhttpd.h>

#include "ca/ca.h"
#include "jpki/api.h"
#include "status/ocsp.h"

#define JPKI_VERIFY_BODY_MAX (16u << 20) /* bytes of a request: base64 of signature and file */

struct jpki_verify_http;

/* Every *con_cls the route sets points at a pointer to this (publish.c). */
extern const char jpki_verify_http_owner;

bool jpki_verify_http_route(const char *url);
/* ca and ocsp are borrowed and outlive it. */
JPKI_MUST_CHECK int jpki_verify_http_new(const struct jpki_ca *ca, struct jpki_ocsp *ocsp,
                                         struct jpki_verify_http **ret, struct jpki_err *err);
void jpki_verify_http_free(struct jpki_verify_http *h);
enum MHD_Result jpki_verify_http(struct jpki_verify_http *h, struct MHD_Connection *conn,
                                 const char *method, const char *upload, size_t *upload_size,
                                 void **con_cls);
void jpki_verify_http_completed(void *con_cls);

/*
 * The body of POST /verify: {"signature": base64, "document": base64 (only
 * for a detached signature)} and nothing else, strict padded base64.  NULL
 * with *sig (and *doc, or NULL) malloc'd, or the reason it is refused.
 */
const char *jpki_verify_body_parse(const uint8_t *body, size_t len, uint8_t **sig, size_t *sig_len,
                                   uint8_t **doc, size_t *doc_len);

#endif
