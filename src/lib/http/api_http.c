/*
 * api_http.c: the API's front (api_http.h): routing, sessions, CSRF, the
 * checks every request passes before its handler, and answers that carry
 * their audit entry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api_http.h"
#include "api_int.h"
#include "audit/log.h"
#include "body.h"
#include "common.h"
#include "core/base64.h"
#include "counter/procedures.h"
#include "operator/operator.h"

#define PREFIX "/api/v1"
#define COOKIE                                                                                     \
	"__Host-jpki_counter" /* RFC 6265bis: Secure, Path=/, no Domain: only this origin sets it  \
	                       */
#define CSRF_HEADER "X-CSRF-Token"
#define SEGMENT_MAX 64

const char jpki_api_http_owner = 'a';

/* One request's state between the calls of libmicrohttpd. */
struct api_request {
	const void *owner; /* &jpki_api_http_owner, first (publish.c's completed() reads it) */
	struct jpki_http_body *body;
	const struct api_route *route;
	char param[SEGMENT_MAX + 1];
	bool answered; /* a response is queued */
};

bool jpki_api_http_route(const char *url)
{
	return strcmp(url, PREFIX) == 0 || strncmp(url, PREFIX "/", sizeof(PREFIX)) == 0;
}

/* ---- answers ---- */

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *type,
                                 const void *body, size_t len, const char *cookie,
                                 const char *allow)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	jpki_http_strict_headers(r, "default-src 'none'; frame-ancestors 'none'");
	if (cookie && *cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, json_t *o,
                                 const char *cookie, const char *allow)
{
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return MHD_NO;
	enum MHD_Result ret =
	    send_text(conn, status, "application/json", text, strlen(text), cookie, allow);
	free(text);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, enum jpki_code code, const char *why)
{
	return send_json(conn, (unsigned)jpki_code_http_status(code),
	                 json_pack("{s:s, s:s}", "error", why, "code", jpki_code_name(code)), NULL,
	                 NULL);
}

/* ---- routes ---- */

static bool segment_ok(const char *s, size_t n)
{
	if (n == 0 || n > SEGMENT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* Whether url matches pattern; the segment "{id}" stands for, is copied to param. */
static bool path_match(const char *pattern, const char *url, char param[SEGMENT_MAX + 1])
{
	const char *hole = strstr(pattern, "{id}");
	if (!hole)
		return strcmp(pattern, url) == 0;
	size_t head = (size_t)(hole - pattern);
	const char *tail = hole + 4;
	size_t ul = strlen(url), tl = strlen(tail);
	if (ul < head + tl || strncmp(url, pattern, head) != 0 || strcmp(url + ul - tl, tail) != 0)
		return false;
	size_t n = ul - head - tl;
	if (!segment_ok(url + head, n))
		return false;
	memcpy(param, url + head, n);
	param[n] = '\0';
	return true;
}

static const struct api_route *const tables[] = {jpki_api_counter_routes, jpki_api_card_routes,
                                                 jpki_api_key_routes, jpki_api_notice_routes,
                                                 jpki_api_admin_routes};

/* The route of method and url; NULL with *allow the methods of the path when none. */
static const struct api_route *find_route(const char *method, const char *url,
                                          char param[SEGMENT_MAX + 1], char allow[64])
{
	allow[0] = '\0';
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct api_route *r = tables[t]; r->method; r++) {
			if (!path_match(r->path, url, param))
				continue;
			if (strcmp(r->method, method) == 0 ||
			    (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0))
				return r;
			size_t n = strlen(allow);
			snprintf(allow + n, 64 - n, "%s%s", n ? ", " : "", r->method);
		}
	return NULL;
}

int64_t jpki_api_query_id(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
	int64_t n = 0;
	if (!v)
		return 0;
	if (!*v || *v == '0' || strlen(v) > 15)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

/* ---- the checks before a handler ---- */

static bool type_json(struct MHD_Connection *conn)
{
	const char *t =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");
	return t && strncasecmp(t, "application/json", n) == 0 && (t[n] == '\0' || t[n] == ';');
}

/* An Origin header, when sent, names this service (no other site's page acts here). */
static bool origin_ok(struct jpki_api_http *h, struct MHD_Connection *conn)
{
	const char *o = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	return !o || strcmp(o, h->origin) == 0;
}

static bool has_body(struct MHD_Connection *conn)
{
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	return (cl && strcmp(cl, "0") != 0) ||
	       MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                   MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* The caller's session as the route needs it: 0, or an error in c->err. */
static int session_check(struct api_call *c, const struct api_route *r)
{
	if (r->access == API_PUBLIC)
		return 0;
	struct jpki_err e;
	int rc = jpki_op_session_get(c->h->sessions, c->sid, c->now, &c->who, &e);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_fail(&c->err, JPKI_E_UNAUTHENTICATED, "not logged in");
	if (rc < 0 && !(r->access == API_LOCKED && c->who.locked)) {
		c->err = e;
		return rc;
	}
	if (c->who.key_due && r->access != API_KEY_DUE && r->access != API_LOCKED)
		return jpki_fail(&c->err, JPKI_E_UNAUTHENTICATED,
		                 "the log-in is not finished: the security key is needed");
	if (r->access == API_SESSION && r->rights) {
		bool may = false;
		for (unsigned b = 1; b <= JPKI_RIGHT_AUDIT; b <<= 1)
			may = may ||
			      ((r->rights & b) && jpki_role_may(c->who.role, (enum jpki_right)b));
		if (!may)
			return jpki_fail(&c->err, JPKI_E_DENIED, "a %s may not do this",
			                 jpki_role_name(c->who.role));
	}
	return 0;
}

/* The operator is still enabled (a disabled one's sessions end at their next call). */
static int operator_live(struct api_call *c)
{
	struct jpki_operator_rec o;
	struct jpki_err e;
	int rc = c->h->st->ops->operator_get(c->h->st, c->who.operator_id, &o, &e);
	if (rc == 0 && !o.disabled_at)
		return 0;
	if (rc < 0 && rc != -JPKI_E_NOT_FOUND) {
		c->err = e;
		return rc;
	}
	jpki_op_session_end_operator(c->h->sessions, c->who.operator_id);
	return jpki_fail(&c->err, JPKI_E_UNAUTHENTICATED, "operator %s is disabled",
	                 c->who.operator_id);
}

/* A write of a session carries its CSRF token. */
static int csrf_check(struct api_call *c, const struct api_route *r)
{
	if (r->access == API_PUBLIC || strcmp(r->method, "GET") == 0)
		return 0;
	const char *t = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, CSRF_HEADER);
	if (t && strlen(t) == JPKI_OP_SESSION_ID_LEN &&
	    CRYPTO_memcmp(t, c->who.csrf, JPKI_OP_SESSION_ID_LEN) == 0)
		return 0;
	return jpki_fail(&c->err, JPKI_E_DENIED, "the " CSRF_HEADER " header is missing or wrong");
}

/* Rule W1 with four eyes: the hours-override a procedure's body names (counter library). */
static int hours_override(struct api_call *c)
{
	int64_t id = jpki_api_id(c->body, "hoursApproval");
	struct jpki_counter_session s;
	if (id <= 0)
		return 0;
	jpki_api_counter_session(c, &s);
	return jpki_counter_hours_approval(&s, id, jpki_api_id(c->body, "resident"), c->override_by,
	                                   &c->err);
}

/* ---- the audit entry of a write ---- */

static json_t *proof_json(const jpki_merkle_hash *proof, size_t len)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < len; i++) {
		char *b = jpki_base64_encode(proof[i], sizeof(proof[i]));
		if (!b || json_array_append_new(a, json_string(b)) < 0) {
			free(b);
			json_decref(a);
			return NULL;
		}
		free(b);
	}
	return a;
}

/*
 * Entry seq with a checkpoint signed now and its inclusion proof in that
 * checkpoint's tree: {"seq", "leafIndex", "treeSize", "entry", "checkpoint",
 * "inclusionProof"}.  NULL when it cannot be made (the write stands).
 */
static json_t *audit_json(struct jpki_api_http *h, int64_t seq)
{
	struct jpki_audit_rec a;
	struct jpki_checkpoint cp;
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX];
	size_t len = 0;
	char *note = NULL, *entry = NULL;
	json_t *o = NULL;
	if (h->st->ops->audit_get(h->st, seq, &a, NULL) < 0 || !(entry = jpki_audit_entry_json(&a)))
		return NULL;
	if (jpki_audit_checkpoint(h->st, &h->signer, &cp, &note, NULL) == 0 &&
	    cp.size >= (uint64_t)seq &&
	    jpki_audit_inclusion(h->st, (uint64_t)seq - 1, cp.size, proof, &len, NULL) == 0)
		o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:o}", "seq", (json_int_t)seq, "leafIndex",
		              (json_int_t)(seq - 1), "treeSize", (json_int_t)cp.size, "entry",
		              entry, "checkpoint", note, "inclusionProof", proof_json(proof, len));
	free(note);
	free(entry);
	return o;
}

/* ---- one call ---- */

static enum MHD_Result answer(struct api_call *c, const struct api_route *r, int rc,
                              int64_t appended)
{
	json_t *o = rc < 0 ? json_pack("{s:s, s:s}", "error", c->err.msg, "code",
	                               jpki_code_name(c->err.code))
	                   : c->reply;
	if (rc < 0)
		json_decref(c->reply);
	c->reply = NULL;
	if (!o && rc < 0) /* a message jansson refuses (not UTF-8): still a clear answer */
		o = json_pack("{s:s, s:s}", "error", jpki_code_name(c->err.code), "code",
		              jpki_code_name(c->err.code));
	if (!o)
		return MHD_NO;
	/* the entry of a write of a session; never to the anonymous (a log-in's refusal would
	   say whether the operator exists) */
	if (appended > 0 && strcmp(r->method, "GET") != 0 && r->access != API_PUBLIC) {
		json_t *a = audit_json(c->h, appended);
		if (a)
			json_object_set_new(o, "audit", a);
	}
	unsigned status = rc < 0 ? (unsigned)jpki_code_http_status(c->err.code) : c->status;
	return send_json(c->conn, status, o, c->cookie, NULL);
}

static enum MHD_Result run(struct jpki_api_http *h, struct MHD_Connection *conn,
                           struct api_request *q)
{
	struct api_call c = {.h = h, .conn = conn, .status = MHD_HTTP_OK};
	const struct api_route *r = q->route;
	c.sid = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE);
	c.param = q->param[0] ? q->param : NULL;
	c.param_id = c.param && strlen(c.param) <= 15 && c.param[0] != '0' &&
	                     strspn(c.param, "0123456789") == strlen(c.param)
	                 ? strtoll(c.param, NULL, 10)
	                 : 0;
	int rc = jpki_ctx_now(h->ctx, &c.now, &c.err);
	if (rc == 0)
		rc = session_check(&c, r);
	if (rc == 0)
		rc = csrf_check(&c, r);
	if (rc == 0 && r->schema) {
		const struct jpki_api_schema *s = jpki_api_schema_find(r->schema);
		const uint8_t *b = q->body && q->body->len ? q->body->buf : (const uint8_t *)"{}";
		size_t n = q->body && q->body->len ? q->body->len : 2;
		rc = s ? jpki_api_parse(b, n, s, &c.body, &c.err)
		       : jpki_fail(&c.err, JPKI_E_STATE, "no schema %s", r->schema);
	}
	if (rc < 0)
		return answer(&c, r, rc, 0);
	pthread_mutex_lock(&h->lock);
	h->st->audit_appended = 0;
	rc = r->access == API_PUBLIC ? 0 : operator_live(&c);
	if (rc == 0)
		rc = hours_override(&c);
	if (rc == 0)
		rc = r->run(&c);
	int64_t appended = h->st->audit_appended;
	enum MHD_Result ret = answer(&c, r, rc, appended);
	pthread_mutex_unlock(&h->lock);
	jpki_api_wipe(c.body, r->schema ? jpki_api_schema_find(r->schema) : NULL);
	json_decref(c.body);
	OPENSSL_cleanse(&c.who, sizeof(c.who));
	return ret;
}

static enum MHD_Result first_call(struct jpki_api_http *h, struct MHD_Connection *conn,
                                  const char *url, const char *method, void **con_cls)
{
	char param[SEGMENT_MAX + 1] = "", allow[64];
	const struct api_route *r = find_route(method, url, param, allow);
	if (!r && allow[0])
		return send_json(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		                 json_pack("{s:s, s:s}", "error", "method not allowed", "code",
		                           jpki_code_name(JPKI_E_INVALID)),
		                 NULL, allow);
	if (!r)
		return send_error(conn, JPKI_E_NOT_FOUND, "no such route");
	if (!origin_ok(h, conn))
		return send_error(conn, JPKI_E_DENIED, "a request from another origin");
	struct api_request *q = calloc(1, sizeof(*q));
	if (!q)
		return MHD_NO;
	q->owner = &jpki_api_http_owner;
	q->route = r;
	memcpy(q->param, param, sizeof(param));
	*con_cls = q;
	if (strcmp(r->method, "POST") != 0) { /* answered at the next call, as publish.c does */
		q->answered = has_body(conn);
		return q->answered ? send_error(conn, JPKI_E_LIMIT, "no request body expected")
		                   : MHD_YES;
	}
	q->answered = true;                     /* until the body is taken */
	if (has_body(conn) && !type_json(conn)) /* no body at all is {} */
		return send_json(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		                 json_pack("{s:s, s:s}", "error",
		                           "Content-Type must be application/json", "code",
		                           jpki_code_name(JPKI_E_INVALID)),
		                 NULL, NULL);
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strlen(cl) > 9)
		return send_error(conn, JPKI_E_LIMIT, "the request body is too large");
	if (cl && strtoul(cl, NULL, 10) > JPKI_API_BODY_MAX)
		return send_error(conn, JPKI_E_LIMIT, "the request body is too large");
	if (!(q->body = calloc(1, sizeof(*q->body))))
		return MHD_NO;
	q->answered = false;
	q->body->max = JPKI_API_BODY_MAX;
	q->body->started = jpki_http_mono_seconds();
	return MHD_YES;
}

enum MHD_Result jpki_api_http(struct jpki_api_http *h, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *upload, size_t *upload_size,
                              void **con_cls)
{
	if (*con_cls == NULL)
		return first_call(h, conn, url, method, con_cls);
	struct api_request *q = *con_cls;
	if (q->answered) /* a refusal queued on the first call */
		return MHD_YES;
	if (!q->body) { /* GET, DELETE: the headers were all */
		q->answered = true;
		return run(h, conn, q);
	}
	int fed = jpki_http_body_feed(q->body, upload, upload_size);
	if (fed < 0)
		return MHD_NO; /* past the cap or the deadline: the connection closes */
	if (fed == 0)
		return MHD_YES;
	return run(h, conn, q);
}

void jpki_api_http_completed(void *con_cls)
{
	struct api_request *q = con_cls;
	if (!q)
		return;
	if (q->body) {
		if (q->body->buf)
			OPENSSL_cleanse(q->body->buf, q->body->len); /* passwords */
		jpki_http_body_free(q->body);
	}
	free(q);
}

/* ---- life ---- */

/* The host of "https://host[:port]": the RP ID of the operators' security keys (WebAuthn §5.1.3).
 */
static int rp_id_of(const char *origin, char *out, size_t cap, struct jpki_err *err)
{
	const char *h = strncmp(origin, "https://", 8) == 0 ? origin + 8 : NULL;
	size_t n = h ? strcspn(h, ":/") : 0;
	if (!h || n == 0 || n >= cap || (h[n] && h[n] != ':'))
		return jpki_fail(err, JPKI_E_INVALID, "the origin '%s' is not https://host[:port]",
		                 origin);
	memcpy(out, h, n);
	out[n] = '\0';
	return 0;
}

int jpki_api_http_new(const struct jpki_api_http_cfg *cfg, struct jpki_api_http **ret,
                      struct jpki_err *err)
{
	struct jpki_api_http *h = calloc(1, sizeof(*h));
	if (!h)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	jpki_api_json_wipe_on_free(); /* the bodies hold passwords and PINs */
	pthread_mutex_init(&h->lock, NULL);
	h->ctx = cfg->ctx;
	h->cas[0] = cfg->cas[0];
	h->cas[1] = cfg->cas[1];
	h->origin = strdup(cfg->origin);
	int rc = h->origin ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = jpki_counter_config_load(cfg->ctx, &h->cfg, err);
	if (rc == 0)
		rc = jpki_store_open_default(cfg->ctx, &h->st, err);
	if (rc == 0)
		rc = jpki_op_sessions_new(1024, &h->sessions, err);
	if (rc == 0)
		rc = jpki_audit_signer_open(cfg->ctx, &h->signer, err);
	if (rc == 0)
		rc = jpki_webauthn_challenges_new(&h->challenges, err);
	if (rc == 0)
		rc = rp_id_of(h->origin, h->rp_id, sizeof(h->rp_id), err);
	if (rc < 0) {
		jpki_api_http_free(h);
		return rc;
	}
	*ret = h;
	return 0;
}

void jpki_api_http_free(struct jpki_api_http *h)
{
	if (!h)
		return;
	jpki_audit_signer_close(&h->signer);
	jpki_webauthn_challenges_free(h->challenges);
	jpki_op_sessions_free(h->sessions);
	jpki_store_close(h->st);
	pthread_mutex_destroy(&h->lock);
	free(h->origin);
	free(h);
}

/* ---- shared by the route files ---- */

void jpki_api_counter_session(const struct api_call *c, struct jpki_counter_session *s)
{
	*s =
	    (struct jpki_counter_session){c->h->ctx,      c->h->st,
	                                  &c->h->cfg,     c->who.operator_id,
	                                  c->who.counter, c->override_by[0] ? c->override_by : NULL,
	                                  c->now};
}

void jpki_api_set_cookie(struct api_call *c, const char *sid)
{
	if (sid)
		snprintf(c->cookie, sizeof(c->cookie),
		         COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict", sid);
	else
		snprintf(c->cookie, sizeof(c->cookie),
		         COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
}
