/*
 * portal_http.h: the demo relying party of `jpki serve` (/demo/portal/,
 * docs/login.md "The demo portal"), on the HTTPS listener only.
 *
 *   GET  /demo/portal/                 the login page, or the account page
 *   GET  /demo/portal/app.js, style.css
 *   POST /demo/portal/challenge  {}    -> {"nonce"}: a challenge for this session
 *   POST /demo/portal/login      token -> {"account", "created"}: a web-eid:1.0 token
 *   POST /demo/portal/logout     {}
 *   GET  /demo/portal/account          -> the account and its filings, JSON
 *   POST /demo/portal/filing/prepare {"certificate", "document"} -> {"hash", "hashFunction"}
 *   POST /demo/portal/filing/finish  {"signature"} -> {"filing", "level", "indication", ...}
 *   GET  /demo/portal/filing/N.p7s     a filing's signature (its owner only)
 *
 * The portal is a relying party like any other: it validates logins with
 * the login validator (jpki/login.h) against its own origin, learns the
 * holder's pseudonym from the linking service (registered as "demo.portal"
 * with the right to ask the same-person question), and keeps its accounts in
 * a database of its own (<data>/demo-portal.sqlite).  It never sees a
 * personal fact.
 */
#ifndef JPKI_HTTP_PORTAL_HTTP_H
#define JPKI_HTTP_PORTAL_HTTP_H

#include <stdbool.h>

#include <microhttpd.h>

#include "ca/ca.h"
#include "jpki/api.h"
#include "status/ocsp.h"
#include "link_http.h"

#define JPKI_PORTAL_RP_ID "demo.portal"
#define JPKI_PORTAL_BODY_MAX (128u * 1024) /* a filing of 64 KiB in base64, and a certificate */
#define JPKI_PORTAL_HELPER_DEFAULT "http://127.0.0.1:24727"

struct jpki_portal_http_cfg {
	const char *origin; /* the portal's origin as browsers name it: https://host[:port] */
	const char *helper; /* the holder's local helper (http://127.0.0.1:PORT) */
	const struct jpki_ca *sign_ca, *auth_ca; /* borrowed */
	struct jpki_ocsp *ocsp;                  /* the server's responder, asked in process */
	struct jpki_link_http *link;             /* the linking service, asked in process */
};

struct jpki_portal_http;

extern const char jpki_portal_http_owner;

bool jpki_portal_http_route(const char *url);
/*
 * Start the portal: register it with the linking service on first use (its
 * access key kept in <data>/demo-portal.key, mode 0600), open its database.
 */
JPKI_MUST_CHECK int jpki_portal_http_new(const struct jpki_portal_http_cfg *cfg,
                                         struct jpki_portal_http **ret, struct jpki_err *err);
void jpki_portal_http_free(struct jpki_portal_http *h);
enum MHD_Result jpki_portal_http(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                 const char *url, const char *method, const char *upload,
                                 size_t *upload_size, void **con_cls);
void jpki_portal_http_completed(void *con_cls);

#endif
