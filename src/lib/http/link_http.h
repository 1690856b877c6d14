/*
 * link_http.h: the linking service over HTTPS (link/link.h, docs/login.md):
 *   POST /link/pseudonym    {"certificate": base64 DER}  -> {"pseudonym": ...}
 *   POST /link/same-person  {"authentication": base64 DER, "signature": base64 DER}
 *                           -> {"samePerson": true|false}
 * The relying party authenticates with HTTP Basic (RFC 7617): its id and
 * access key.  401 for a wrong one, 403 for a question it may not ask, 404
 * for a certificate this registry did not issue, 400 for a bad body.  Only
 * on the TLS listener: the key never travels in the clear.
 */
#ifndef JPKI_HTTP_LINK_HTTP_H
#define JPKI_HTTP_LINK_HTTP_H

#include <stdbool.h>

#include <microhttpd.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "store/store.h"

#define JPKI_LINK_BODY_MAX (64u * 1024)

struct jpki_link_http;

extern const char jpki_link_http_owner;

bool jpki_link_http_route(const char *url);
/* A registry connection of its own (ctx borrowed). */
JPKI_MUST_CHECK int jpki_link_http_new(const struct jpki_ctx *ctx, struct jpki_link_http **ret,
                                       struct jpki_err *err);
void jpki_link_http_free(struct jpki_link_http *h);
enum MHD_Result jpki_link_http(struct jpki_link_http *h, struct MHD_Connection *conn,
                               const char *url, const char *method, const char *upload,
                               size_t *upload_size, void **con_cls);
void jpki_link_http_completed(void *con_cls);

/* The same calls in process, serialised on the one connection (the demo portal). */
JPKI_MUST_CHECK int jpki_link_http_pseudonym(struct jpki_link_http *h, const char *rp_id,
                                             const char *key, const uint8_t *der, size_t len,
                                             char out[44], struct jpki_err *err);
JPKI_MUST_CHECK int jpki_link_http_same_person(struct jpki_link_http *h, const char *rp_id,
                                               const char *key, const uint8_t *auth,
                                               size_t auth_len, const uint8_t *sign,
                                               size_t sign_len, bool *same, struct jpki_err *err);

#endif
