/*
 * api_http.h: the counter's REST API, /api/v1 (#12 item 4; docs/api.md),
 * on the HTTPS listener only, described by the OpenAPI 3.1 document it
 * serves at /api/v1/openapi.json.
 *
 * An operator logs in (POST /api/v1/session) and gets a session cookie
 * (Secure, HttpOnly, SameSite=Strict) and a CSRF token that every later
 * write sends back in the X-CSRF-Token header; a request with an Origin
 * header must come from the service's own origin.  Each route names the
 * rights it needs (operator/roles.h); the library checks them again where it
 * knows roles.  Every write answers with its audit entry: the entry, its
 * index, a checkpoint signed just after it and the inclusion proof of the
 * entry in that checkpoint's tree, which an outsider checks with the
 * service's verifier key alone.  The API holds no rule of the counter: it
 * calls the counter and operator libraries and says what it
 * answered.
 */
#ifndef JPKI_HTTP_API_HTTP_H
#define JPKI_HTTP_API_HTTP_H

#include <stdbool.h>

#include <microhttpd.h>

#include "jpki/api.h"
#include "ca/ca.h"
#include "jpki/ctx.h"

struct jpki_api_http_cfg {
	const struct jpki_ctx *ctx;
	const char *origin; /* the service's origin as browsers name it: https://host[:port] */
	struct jpki_ca
	    *cas[2]; /* the server's CAs (borrowed), for the card procedures; NULL: none */
};

struct jpki_api_http;

extern const char jpki_api_http_owner;

bool jpki_api_http_route(const char *url);
/* Open the API's registry connection, the counter's configuration and the checkpoint key. */
JPKI_MUST_CHECK int jpki_api_http_new(const struct jpki_api_http_cfg *cfg,
                                      struct jpki_api_http **ret, struct jpki_err *err);
void jpki_api_http_free(struct jpki_api_http *h);
enum MHD_Result jpki_api_http(struct jpki_api_http *h, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *upload, size_t *upload_size,
                              void **con_cls);
void jpki_api_http_completed(void *con_cls);

#endif
