/*
 * portal_http.c: the demo portal's routes (portal_http.h).
 *
 * Every answer carries the portal's security headers: a Content-Security-
 * Policy without inline script or style (its only outside connection the
 * holder's helper), nosniff, no framing, no referrer, no caching.  Every
 * POST must come from the portal's own origin (the Origin header, which a
 * page of another site cannot set) with a JSON body: together with the
 * SameSite=Strict cookie, no other site can make the browser act here.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "body.h"
#include "common.h"
#include "core/base64.h"
#include "core/fsutil.h"
#include "jpki/login.h"
#include "link/link.h"
#include "login/validate.h"
#include "portal/accounts.h"
#include "portal/filing.h"
#include "portal/pages.h"
#include "portal/sessions.h"
#include "portal_http.h"
#include "store/store.h"

#define BASE "/demo/portal"
#define COOKIE "jpki_portal"
#define CT_JSON "application/json"

const char jpki_portal_http_owner = 'p';

struct jpki_portal_http {
	const struct jpki_ctx *ctx;
	char *origin, *helper, *csp;
	char key[JPKI_LINK_KEY_LEN + 1]; /* the portal's access key to the linking service */
	struct jpki_link_http *link;
	struct jpki_ocsp *ocsp;
	struct jpki_portal_accounts *accounts;
	struct jpki_portal_sessions *sessions;
	struct jpki_login_nonces *nonces;
	struct jpki_login_validator *validator;
	pthread_mutex_t validate_lock; /* the validator's time is set per login */
	struct jpki_portal_signing signing;
	char *tsa_url;
};

bool jpki_portal_http_route(const char *url)
{
	return strcmp(url, BASE) == 0 || strncmp(url, BASE "/", sizeof(BASE)) == 0;
}

/* ---- answers ---- */

static enum MHD_Result send_bytes(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                  unsigned status, const char *type, const void *body, size_t len,
                                  const char *cookie)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	jpki_http_strict_headers(r, h->csp);
	if (cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                 unsigned status, json_t *o, const char *cookie)
{
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return MHD_NO;
	enum MHD_Result ret = send_bytes(h, conn, status, CT_JSON, text, strlen(text), cookie);
	free(text);
	return ret;
}

static enum MHD_Result send_error(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                  unsigned status, const char *why)
{
	return send_json(h, conn, status, json_pack("{s:s}", "error", why), NULL);
}

/* An error of the library as its HTTP status, with its message. */
static enum MHD_Result send_err(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                const struct jpki_err *err)
{
	return send_error(h, conn, (unsigned)jpki_code_http_status(err->code), err->msg);
}

static void session_cookie(const char *id, char out[160])
{
	snprintf(out, 160,
	         COOKIE "=%s; Path=" BASE "; Secure; HttpOnly; SameSite=Strict; Max-Age=%d", id,
	         JPKI_PORTAL_SESSION_IDLE);
}

static const char cookie_gone[] =
    COOKIE "=; Path=" BASE "; Secure; HttpOnly; SameSite=Strict; Max-Age=0";

static const char *session_of(struct MHD_Connection *conn)
{
	return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE);
}

static int now_of(struct jpki_portal_http *h, int64_t *now, struct jpki_err *err)
{
	return jpki_ctx_now(h->ctx, now, err);
}

/* ---- GET ---- */

static enum MHD_Result page(struct jpki_portal_http *h, struct MHD_Connection *conn)
{
	struct jpki_err err;
	struct jpki_portal_session_view v = {0};
	struct jpki_portal_account a;
	struct jpki_portal_filing fl[JPKI_PORTAL_LIST_MAX];
	size_t n = 0;
	int64_t now;
	char *html;
	if (now_of(h, &now, &err) < 0)
		return send_err(h, conn, &err);
	bool in =
	    jpki_portal_session_get(h->sessions, session_of(conn), now, &v, NULL) == 0 && v.account;
	if (in && (jpki_portal_account_get(h->accounts, v.account, &a, &err) < 0 ||
	           jpki_portal_filing_list(h->accounts, v.account, fl, &n, &err) < 0))
		return send_err(h, conn, &err);
	bool made = in && jpki_portal_session_take_new(h->sessions, session_of(conn), now);
	html = in ? jpki_portal_account_page(h->helper, &a, made, fl, n)
	          : jpki_portal_login_page(h->helper);
	if (!html)
		return MHD_NO;
	enum MHD_Result ret =
	    send_bytes(h, conn, MHD_HTTP_OK, "text/html; charset=utf-8", html, strlen(html), NULL);
	free(html);
	return ret;
}

/* The logged-in session's account; 0 and an answer queued in *ret when there is none. */
static int64_t logged_in(struct jpki_portal_http *h, struct MHD_Connection *conn, int64_t *now,
                         enum MHD_Result *ret)
{
	struct jpki_err err;
	struct jpki_portal_session_view v = {0};
	if (now_of(h, now, &err) < 0) {
		*ret = send_err(h, conn, &err);
		return 0;
	}
	if (jpki_portal_session_get(h->sessions, session_of(conn), *now, &v, NULL) < 0 ||
	    !v.account) {
		*ret = send_error(h, conn, MHD_HTTP_UNAUTHORIZED, "not logged in");
		return 0;
	}
	return v.account;
}

static json_t *filing_json(const struct jpki_portal_filing *f)
{
	char url[64];
	snprintf(url, sizeof(url), BASE "/filing/%" PRId64 ".p7s", f->id);
	return json_pack("{s:I, s:I, s:s, s:s, s:s}", "filing", (json_int_t)f->id, "createdAt",
	                 (json_int_t)f->created_at, "indication", f->indication, "subIndication",
	                 f->subindication, "download", url);
}

static enum MHD_Result account(struct jpki_portal_http *h, struct MHD_Connection *conn)
{
	struct jpki_err err;
	struct jpki_portal_account a;
	struct jpki_portal_filing fl[JPKI_PORTAL_LIST_MAX];
	size_t n = 0;
	int64_t now;
	enum MHD_Result ret;
	int64_t id = logged_in(h, conn, &now, &ret);
	if (!id)
		return ret;
	if (jpki_portal_account_get(h->accounts, id, &a, &err) < 0 ||
	    jpki_portal_filing_list(h->accounts, id, fl, &n, &err) < 0)
		return send_err(h, conn, &err);
	char name[24];
	jpki_portal_account_name(a.id, name);
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list, filing_json(&fl[i]));
	return send_json(h, conn, MHD_HTTP_OK,
	                 json_pack("{s:s, s:I, s:I, s:o?}", "account", name, "createdAt",
	                           (json_int_t)a.created_at, "logins", (json_int_t)a.logins,
	                           "filings", list),
	                 NULL);
}

/* /demo/portal/filing/N.p7s: N a decimal without leading zeros. */
static bool filing_number(const char *url, int64_t *id)
{
	const char *p = url + strlen(BASE "/filing/");
	int64_t v = 0;
	if (strncmp(url, BASE "/filing/", strlen(BASE "/filing/")) != 0 || *p < '1' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return strcmp(p, ".p7s") == 0;
}

static enum MHD_Result download(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                int64_t filing)
{
	struct jpki_err err;
	uint8_t *cms = NULL;
	size_t len = 0;
	int64_t now;
	enum MHD_Result ret;
	int64_t id = logged_in(h, conn, &now, &ret);
	if (!id)
		return ret;
	if (jpki_portal_filing_cms(h->accounts, id, filing, &cms, &len, &err) < 0)
		return send_err(h, conn, &err);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, cms, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(cms);
		return MHD_NO;
	}
	char disp[96];
	snprintf(disp, sizeof(disp), "attachment; filename=\"filing-%" PRId64 ".p7s\"", filing);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/pkcs7-signature");
	MHD_add_response_header(r, "Content-Disposition", disp);
	MHD_add_response_header(r, "Content-Security-Policy", h->csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result get(struct jpki_portal_http *h, struct MHD_Connection *conn, const char *url)
{
	int64_t filing;
	if (strcmp(url, BASE) == 0) {
		struct MHD_Response *r =
		    MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, BASE "/");
		enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_PERMANENT_REDIRECT, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (strcmp(url, BASE "/") == 0)
		return page(h, conn);
	if (strcmp(url, BASE "/app.js") == 0)
		return send_bytes(h, conn, MHD_HTTP_OK, "text/javascript; charset=utf-8",
		                  jpki_portal_app_js, strlen(jpki_portal_app_js), NULL);
	if (strcmp(url, BASE "/icon.svg") == 0)
		return send_bytes(h, conn, MHD_HTTP_OK, "image/svg+xml", jpki_portal_icon_svg,
		                  strlen(jpki_portal_icon_svg), NULL);
	if (strcmp(url, BASE "/style.css") == 0)
		return send_bytes(h, conn, MHD_HTTP_OK, "text/css; charset=utf-8",
		                  jpki_portal_style_css, strlen(jpki_portal_style_css), NULL);
	if (strcmp(url, BASE "/account") == 0)
		return account(h, conn);
	if (filing_number(url, &filing))
		return download(h, conn, filing);
	return send_error(h, conn, MHD_HTTP_NOT_FOUND, "not found");
}

/* ---- POST ---- */

static enum MHD_Result challenge(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                 int64_t now)
{
	struct jpki_err err;
	char id[JPKI_PORTAL_SESSION_ID_LEN + 1], cookie[160], nonce[JPKI_LOGIN_NONCE_LEN + 1];
	struct jpki_portal_session_view v;
	const char *sid = session_of(conn);
	bool made = false;
	if (jpki_portal_session_get(h->sessions, sid, now, &v, NULL) < 0) {
		if (jpki_portal_session_open(h->sessions, now, id, &err) < 0)
			return send_err(h, conn, &err);
		sid = id;
		made = true;
	}
	if (jpki_login_challenge(h->nonces, sid, now, nonce, &err) < 0)
		return send_err(h, conn, &err);
	if (made)
		session_cookie(id, cookie);
	return send_json(h, conn, MHD_HTTP_OK, json_pack("{s:s}", "nonce", nonce),
	                 made ? cookie : NULL);
}

/* The certificate of a token that validated (so its JSON is known good). */
static int token_certificate(const uint8_t *token, size_t len, uint8_t **der, size_t *der_len,
                             struct jpki_err *err)
{
	json_t *j = json_loadb((const char *)token, len, JSON_REJECT_DUPLICATES, NULL);
	const char *c = j ? json_string_value(json_object_get(j, "unverifiedCertificate")) : NULL;
	int rc = c && jpki_base64_decode(c, strlen(c), false, der, der_len) == 0
	             ? 0
	             : jpki_fail(err, JPKI_E_INVALID, "the token has no certificate");
	json_decref(j);
	return rc;
}

static int validate(struct jpki_portal_http *h, const char *sid, const uint8_t *token, size_t len,
                    int64_t now, struct jpki_login_result *res, struct jpki_err *err)
{
	char nonce[JPKI_LOGIN_NONCE_LEN + 1];
	int rc = jpki_login_take(h->nonces, sid, now, nonce, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED, "no challenge is open: ask for one");
	if (rc == -JPKI_E_STATE)
		return jpki_fail(err, JPKI_E_UNAUTHENTICATED, "the challenge expired: ask again");
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&h->validate_lock);
	jpki_login_validator_set_time(h->validator, now);
	rc =
	    jpki_login_validate(h->validator, (const char *)token, len, h->origin, nonce, res, err);
	pthread_mutex_unlock(&h->validate_lock);
	if (rc == 0 && res->failure != JPKI_LOGIN_OK) {
		jpki_ctx_log(h->ctx, "info", "demo portal: login refused: %s: %s",
		             jpki_login_failure_name(res->failure), res->reason);
		rc = jpki_fail(err, JPKI_E_UNAUTHENTICATED, "login refused: %s",
		               jpki_login_failure_name(res->failure));
	}
	return rc;
}

static enum MHD_Result login(struct jpki_portal_http *h, struct MHD_Connection *conn,
                             const struct jpki_http_body *b, int64_t now)
{
	struct jpki_err err;
	struct jpki_login_result res;
	struct jpki_portal_account a;
	char pseudonym[JPKI_LINK_PSEUDONYM_LEN + 1], id[JPKI_PORTAL_SESSION_ID_LEN + 1];
	char cookie[160], name[24];
	uint8_t *der = NULL;
	size_t der_len = 0;
	const char *sid = session_of(conn);
	int rc = sid ? validate(h, sid, b->buf, b->len, now, &res, &err)
	             : jpki_fail(&err, JPKI_E_UNAUTHENTICATED, "no session: ask for a challenge");
	if (rc == 0)
		rc = token_certificate(b->buf, b->len, &der, &der_len, &err);
	if (rc == 0) /* rule C3: a name for the holder that survives renewals, nothing personal */
		rc = jpki_link_http_pseudonym(h->link, JPKI_PORTAL_RP_ID, h->key, der, der_len,
		                              pseudonym, &err);
	if (rc == 0)
		rc = jpki_portal_account_login(h->accounts, pseudonym, now, &a, &err);
	if (rc == 0) /* a new session name at login: none chosen before it stays valid */
		rc = jpki_portal_session_login(h->sessions, sid, a.id, a.created, der, der_len, now,
		                               id, &err);
	free(der);
	if (rc < 0)
		return send_err(h, conn, &err);
	session_cookie(id, cookie);
	jpki_portal_account_name(a.id, name);
	jpki_ctx_log(h->ctx, "info", "demo portal: %s logged in%s", name,
	             a.created ? " (a new account)" : "");
	return send_json(h, conn, MHD_HTTP_OK,
	                 json_pack("{s:s, s:b}", "account", name, "created", a.created), cookie);
}

static enum MHD_Result logout(struct jpki_portal_http *h, struct MHD_Connection *conn)
{
	jpki_portal_session_end(h->sessions, session_of(conn));
	return send_json(h, conn, MHD_HTTP_OK, json_pack("{s:b}", "loggedOut", 1), cookie_gone);
}

/* The fields of a JSON object body, all strings, none other allowed. */
static json_t *body_fields(const struct jpki_http_body *b, const char *f1, const char **v1,
                           size_t *n1, const char *f2, const char **v2, size_t *n2)
{
	json_t *j = json_loadb((const char *)b->buf, b->len, JSON_REJECT_DUPLICATES, NULL);
	bool ok = j && json_is_object(j) && json_object_size(j) == (f2 ? 2u : 1u);
	ok = ok && (f2 ? json_unpack(j, "{s:s%, s:s%}", f1, v1, n1, f2, v2, n2)
	               : json_unpack(j, "{s:s%}", f1, v1, n1)) == 0;
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static enum MHD_Result prepare(struct jpki_portal_http *h, struct MHD_Connection *conn,
                               const struct jpki_http_body *b)
{
	struct jpki_err err;
	const char *c64, *d64;
	size_t c_n, d_n, cert_len = 0, doc_len = 0, auth_len = 0;
	uint8_t *cert = NULL, *doc = NULL, *auth = NULL, hash[32];
	int64_t now;
	enum MHD_Result ret;
	bool same = false;
	if (!logged_in(h, conn, &now, &ret))
		return ret;
	json_t *j = body_fields(b, "certificate", &c64, &c_n, "document", &d64, &d_n);
	if (!j)
		return send_error(h, conn, MHD_HTTP_BAD_REQUEST,
		                  "the body must be {\"certificate\": base64 DER, \"document\": "
		                  "base64} and nothing else");
	int rc = d_n == 0 ? jpki_fail(&err, JPKI_E_INVALID, "the filing is empty") : 0;
	if (rc == 0 && (jpki_base64_decode(c64, c_n, false, &cert, &cert_len) < 0 ||
	                jpki_base64_decode(d64, d_n, false, &doc, &doc_len) < 0))
		rc = jpki_fail(&err, JPKI_E_INVALID, "certificate and document must be base64");
	json_decref(j);
	if (rc == 0 && doc_len > JPKI_PORTAL_FILING_MAX)
		rc = jpki_fail(&err, JPKI_E_LIMIT, "a filing is at most %u bytes",
		               JPKI_PORTAL_FILING_MAX);
	if (rc == 0)
		rc = jpki_portal_session_auth_cert(h->sessions, session_of(conn), now, &auth,
		                                   &auth_len, &err);
	if (rc == 0) /* the linking service: is this signature certificate the holder's own? */
		rc = jpki_link_http_same_person(h->link, JPKI_PORTAL_RP_ID, h->key, auth, auth_len,
		                                cert, cert_len, &same, &err);
	if (rc == 0 && !same)
		rc = jpki_fail(&err, JPKI_E_DENIED,
		               "this signature certificate belongs to someone other than the "
		               "holder who logged in");
	CMS_ContentInfo *cms = NULL;
	if (rc == 0)
		rc = jpki_portal_filing_prepare(&h->signing, cert, cert_len, doc, doc_len, now,
		                                &cms, hash, &err);
	if (rc == 0) {
		rc = jpki_portal_session_put_pending(h->sessions, session_of(conn), now, cms, doc,
		                                     doc_len, &err);
		doc = NULL; /* taken */
	}
	free(cert), free(doc), free(auth);
	if (rc < 0)
		return send_err(h, conn, &err);
	char *h64 = jpki_base64_encode(hash, sizeof(hash));
	ret = h64 ? send_json(h, conn, MHD_HTTP_OK,
	                      json_pack("{s:s, s:s}", "hash", h64, "hashFunction", "SHA-256"), NULL)
	          : MHD_NO;
	free(h64);
	return ret;
}

static enum MHD_Result finish(struct jpki_portal_http *h, struct MHD_Connection *conn,
                              const struct jpki_http_body *b)
{
	struct jpki_err err;
	const char *s64;
	size_t s_n, sig_len = 0, doc_len = 0, der_len = 0;
	uint8_t *sig = NULL, *doc = NULL, *der = NULL;
	CMS_ContentInfo *cms = NULL;
	int64_t now;
	enum MHD_Result ret;
	struct jpki_portal_filing f = {0};
	if (!(f.account = logged_in(h, conn, &now, &ret)))
		return ret;
	json_t *j = body_fields(b, "signature", &s64, &s_n, NULL, NULL, NULL);
	if (!j)
		return send_error(h, conn, MHD_HTTP_BAD_REQUEST,
		                  "the body must be {\"signature\": base64} and nothing else");
	int rc = jpki_base64_decode(s64, s_n, false, &sig, &sig_len) == 0
	             ? 0
	             : jpki_fail(&err, JPKI_E_INVALID, "the signature must be base64");
	json_decref(j);
	if (rc == 0)
		rc = jpki_portal_session_take_pending(h->sessions, session_of(conn), now, &cms,
		                                      &doc, &doc_len, &err);
	if (rc == 0)
		rc = jpki_portal_filing_finish(&h->signing, cms, sig, sig_len, doc, doc_len, now,
		                               &der, &der_len, &f, &err);
	f.created_at = now;
	if (rc == 0)
		rc = jpki_portal_filing_add(h->accounts, &f, (const char *)doc, doc_len, der,
		                            der_len, &f.id, &err);
	CMS_ContentInfo_free(cms);
	free(sig), free(doc), free(der);
	if (rc < 0)
		return send_err(h, conn, &err);
	json_t *o = filing_json(&f);
	if (o)
		json_object_set_new(o, "level", json_string("B-LT"));
	return send_json(h, conn, MHD_HTTP_OK, o, NULL);
}

static enum MHD_Result post(struct jpki_portal_http *h, struct MHD_Connection *conn,
                            const char *url, const struct jpki_http_body *b)
{
	struct jpki_err err;
	int64_t now;
	if (now_of(h, &now, &err) < 0)
		return send_err(h, conn, &err);
	if (strcmp(url, BASE "/challenge") == 0)
		return challenge(h, conn, now);
	if (strcmp(url, BASE "/login") == 0)
		return login(h, conn, b, now);
	if (strcmp(url, BASE "/logout") == 0)
		return logout(h, conn);
	if (strcmp(url, BASE "/filing/prepare") == 0)
		return prepare(h, conn, b);
	return finish(h, conn, b);
}

static bool post_route(const char *url)
{
	static const char *const routes[] = {BASE "/challenge", BASE "/login", BASE "/logout",
	                                     BASE "/filing/prepare", BASE "/filing/finish"};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(url, routes[i]) == 0)
			return true;
	return false;
}

/* A POST must come from the portal's own pages (the browser sets Origin; a page cannot). */
static bool same_origin(struct jpki_portal_http *h, struct MHD_Connection *conn)
{
	const char *o = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	return o && strcmp(o, h->origin) == 0;
}

static bool has_body(struct MHD_Connection *conn)
{
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	return (cl && strcmp(cl, "0") != 0) ||
	       MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                   MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static const char first_call = 'f'; /* a GET answered on its headers */
static const void *const get_seen = &first_call;

enum MHD_Result jpki_portal_http(struct jpki_portal_http *h, struct MHD_Connection *conn,
                                 const char *url, const char *method, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
	if (!h) /* not running: its start said why */
		return jpki_http_json_error(
		    conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the demo portal is not running (see the server's log)");
	if (*con_cls == NULL) {
		bool is_post = post_route(url);
		if (!is_post) {
			*con_cls = (void *)&get_seen;
			if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
				return jpki_http_method_not_allowed(conn, "GET, HEAD");
			if (has_body(conn))
				return send_error(h, conn, 413, "no request body expected");
			return get(h, conn, url);
		}
		if (strcmp(method, "POST") == 0 && !same_origin(h, conn)) {
			*con_cls = (void *)&get_seen;
			return send_error(h, conn, MHD_HTTP_FORBIDDEN,
			                  "a request from another origin");
		}
		return jpki_http_body_start(conn, method, CT_JSON, JPKI_PORTAL_BODY_MAX,
		                            &jpki_portal_http_owner, con_cls);
	}
	if (*con_cls == (void *)&get_seen) { /* answered; a body announced anyway is dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	int in = jpki_http_body_feed(*con_cls, upload, upload_size);
	return in < 0 ? MHD_NO : in == 0 ? MHD_YES : post(h, conn, url, *con_cls);
}

void jpki_portal_http_completed(void *con_cls)
{
	jpki_http_body_free(con_cls);
}

/* ---- start ---- */

/* The server's own responder answers OCSP requests in process (no HTTP to itself). */
static int ocsp_in_process(void *arg, const char *url, const uint8_t *req, size_t len,
                           uint8_t **resp, size_t *resp_len, struct jpki_err *err)
{
	struct jpki_portal_http *h = arg;
	int64_t now;
	(void)url;
	int rc = jpki_ctx_now(h->ctx, &now, err);
	if (rc == 0 && jpki_ocsp_respond(h->ocsp, req, len, now, resp, resp_len, NULL) < 0)
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	return rc;
}

/*
 * The portal's access key to the linking service: read from key_path, or,
 * on the first start, the portal registered and its new key written there.
 */
static int access_key(struct jpki_portal_http *h, const char *key_path, struct jpki_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (jpki_read_file(key_path, 256, &buf, &len, NULL) == 0) {
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
		int rc = len == JPKI_LINK_KEY_LEN
		             ? 0
		             : jpki_fail(err, JPKI_E_INVALID, "%s is not an access key", key_path);
		if (rc == 0)
			memcpy(h->key, buf, len), h->key[len] = '\0';
		OPENSSL_cleanse(buf, len);
		free(buf);
		return rc;
	}
	struct jpki_store *st = NULL;
	int64_t now;
	int rc = jpki_ctx_now(h->ctx, &now, err);
	if (rc == 0)
		rc = jpki_store_open_default(h->ctx, &st, err);
	if (rc == 0)
		rc = jpki_link_rp_register(st, JPKI_PORTAL_RP_ID, "jpki デモポータル", true, now,
		                           h->key, err);
	jpki_store_close(st);
	if (rc == -JPKI_E_EXISTS)
		return jpki_fail(err, JPKI_E_STATE,
		                 "relying party %s is registered but its access key %s is missing: "
		                 "restore the file, or `jpki rp disable %s` and start with a new "
		                 "data folder",
		                 JPKI_PORTAL_RP_ID, key_path, JPKI_PORTAL_RP_ID);
	if (rc == 0) {
		char line[JPKI_LINK_KEY_LEN + 2];
		snprintf(line, sizeof(line), "%s\n", h->key);
		rc = jpki_write_file_atomic(key_path, line, strlen(line), 0600, err);
		OPENSSL_cleanse(line, sizeof(line));
	}
	return rc;
}

static int start_validator(struct jpki_portal_http *h, const struct jpki_ca *auth_ca,
                           struct jpki_err *err)
{
	uint8_t secret[32];
	unsigned char *der = NULL;
	int n = i2d_X509(auth_ca->cert, &der);
	if (n <= 0 || RAND_bytes(secret, sizeof(secret)) != 1) {
		OPENSSL_free(der);
		return jpki_fail(err, JPKI_E_CRYPTO, "cannot start the login validator");
	}
	int rc =
	    jpki_login_validator_new(JPKI_PORTAL_RP_ID, secret, sizeof(secret), &h->validator, err);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc == 0)
		rc = jpki_login_validator_trust(h->validator, der, (size_t)n, err);
	OPENSSL_free(der);
	if (rc == 0) { /* the responder is in process: every login asks it, so a revocation counts
		          at once */
		jpki_login_validator_set_ocsp_send(h->validator, ocsp_in_process, h);
		jpki_login_validator_set_cache(h->validator, false);
	}
	return rc;
}

static char *join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

/* An origin a browser would send: https://host[:port], the host of [a-z0-9.-]. */
static bool plain_origin(const char *o, const char *scheme)
{
	size_t sl = strlen(scheme);
	if (strncmp(o, scheme, sl) != 0 || !o[sl] || strlen(o) > 255)
		return false;
	for (const char *p = o + sl; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-' || *p == ':' || *p == '[' || *p == ']'))
			return false;
	return true;
}

static int paths(struct jpki_portal_http *h, const struct jpki_portal_http_cfg *cfg, char **db,
                 char **key, struct jpki_err *err)
{
	const char *data = jpki_ctx_data_dir(h->ctx);
	if (!plain_origin(cfg->origin, "https://"))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the portal's origin '%s' is not https://host[:port]",
		                 cfg->origin);
	if (!plain_origin(cfg->helper, "http://127.0.0.1:") &&
	    !plain_origin(cfg->helper, "http://localhost:"))
		return jpki_fail(
		    err, JPKI_E_INVALID,
		    "the helper '%s' is not http://127.0.0.1:PORT or http://localhost:PORT",
		    cfg->helper);
	h->origin = strdup(cfg->origin);
	h->helper = strdup(cfg->helper);
	h->csp = join("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
	              "connect-src 'self' ",
	              cfg->helper, "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	h->tsa_url = join(jpki_ctx_base_url(h->ctx), "/tsa", "");
	*db = join(data, "/demo-portal.sqlite", "");
	*key = join(data, "/demo-portal.key", "");
	if (!h->origin || !h->helper || !h->csp || !h->tsa_url || !*db || !*key)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	return 0;
}

int jpki_portal_http_new(const struct jpki_portal_http_cfg *cfg, struct jpki_portal_http **ret,
                         struct jpki_err *err)
{
	struct jpki_portal_http *h = calloc(1, sizeof(*h));
	char *db = NULL, *key = NULL;
	if (!h)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	pthread_mutex_init(&h->validate_lock, NULL);
	h->ctx = cfg->sign_ca->ctx;
	h->link = cfg->link;
	h->ocsp = cfg->ocsp;
	int rc = paths(h, cfg, &db, &key, err);
	if (rc == 0)
		rc = access_key(h, key, err);
	if (rc == 0)
		rc = jpki_portal_accounts_open(db, &h->accounts, err);
	if (rc == 0)
		rc = jpki_portal_sessions_new(4096, &h->sessions, err);
	if (rc == 0)
		rc = jpki_login_nonces_new(4096, 0, &h->nonces, err);
	if (rc == 0)
		rc = start_validator(h, cfg->auth_ca, err);
	h->signing = (struct jpki_portal_signing){.sign_ca = cfg->sign_ca->cert,
	                                          .tsa_url = h->tsa_url,
	                                          .ocsp_send = ocsp_in_process,
	                                          .ocsp_arg = h};
	free(db), free(key);
	if (rc < 0) {
		jpki_portal_http_free(h);
		return rc;
	}
	*ret = h;
	return 0;
}

void jpki_portal_http_free(struct jpki_portal_http *h)
{
	if (!h)
		return;
	jpki_login_validator_free(h->validator);
	jpki_login_nonces_free(h->nonces);
	jpki_portal_sessions_free(h->sessions);
	jpki_portal_accounts_close(h->accounts);
	OPENSSL_cleanse(h->key, sizeof(h->key));
	pthread_mutex_destroy(&h->validate_lock);
	free(h->origin), free(h->helper), free(h->csp), free(h->tsa_url);
	free(h);
}
