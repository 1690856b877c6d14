/*
 * api_admin.c: the API's routes of sessions, approvals, operators and the
 * audit log (api_int.h; docs/api.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "audit/log.h"
#include "core/base64.h"
#include "operator/approval.h"
#include "operator/operator.h"

#define LIST_MAX 100

static json_t *rights_json(enum jpki_role role)
{
	json_t *a = json_array();
	for (unsigned b = 1; a && b <= JPKI_RIGHT_AUDIT; b <<= 1)
		if (jpki_role_may(role, (enum jpki_right)b))
			json_array_append_new(a, json_string(jpki_right_name((enum jpki_right)b)));
	return a;
}

json_t *jpki_api_session_json(const struct jpki_op_session *s, int64_t now)
{
	int64_t idle = now - s->last_seen;
	return json_pack(
	    "{s:s, s:s, s:o, s:s, s:s, s:b, s:b, s:I, s:I}", "operator", s->operator_id, "role",
	    jpki_role_name(s->role), "rights", rights_json(s->role), "counter", s->counter, "csrf",
	    s->csrf, "locked", s->locked, "keyDue", s->key_due, "idleSeconds",
	    (json_int_t)JPKI_OP_SESSION_IDLE, "lockInSeconds",
	    (json_int_t)(s->locked || idle >= JPKI_OP_SESSION_IDLE ? 0
	                                                           : JPKI_OP_SESSION_IDLE - idle));
}

/* ---- sessions ---- */

static int login(struct api_call *c)
{
	struct jpki_operator_rec o;
	const char *id = jpki_api_text(c->body, "operator"),
	           *counter = jpki_api_text(c->body, "counter");
	if (!jpki_counter_site_find(&c->h->cfg, counter))
		return jpki_fail(&c->err, JPKI_E_INVALID, "unknown counter \"%s\"", counter);
	int rc = jpki_operator_login(c->h->st, id, jpki_api_text(c->body, "password"), c->now, &o,
	                             &c->err);
	char sid[JPKI_OP_SESSION_ID_LEN + 1];
	bool key = false;
	if (rc == 0)
		rc = jpki_webauthn_required(c->h->st, o.id, &key, &c->err);
	if (rc == 0)
		rc = jpki_op_session_open(c->h->sessions, o.id, (enum jpki_role)o.role, counter,
		                          key, c->now, sid, &c->who, &c->err);
	if (rc < 0)
		return rc;
	jpki_api_set_cookie(c, sid);
	if (key) /* the second factor: the session waits for the key */
		return jpki_api_key_needed(c, sid);
	c->status = 201;
	c->reply = jpki_api_session_json(&c->who, c->now);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

static int session_get(struct api_call *c)
{
	c->reply = jpki_api_session_json(&c->who, c->now);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

static int unlock(struct api_call *c)
{
	struct jpki_operator_rec o;
	int rc = jpki_operator_login(c->h->st, c->who.operator_id,
	                             jpki_api_text(c->body, "password"), c->now, &o, &c->err);
	if (rc == 0)
		rc = jpki_op_session_unlock(c->h->sessions, c->sid, c->now, &c->err);
	if (rc < 0)
		return rc;
	c->who.locked = false;
	c->who.last_seen = c->now;
	return session_get(c);
}

static int logout(struct api_call *c)
{
	struct jpki_store *st = c->h->st;
	/* the session ends whatever happens to its entry: a busy registry never keeps one open */
	jpki_op_session_end(c->h->sessions, c->sid);
	jpki_api_set_cookie(c, NULL);
	int rc = st->ops->begin(st, &c->err);
	if (rc == 0)
		rc = jpki_operator_audit(st, c->who.operator_id, "operator.logout", "done", "",
		                         c->now, &c->err);
	if (rc == 0)
		rc = st->ops->commit(st, &c->err);
	if (rc < 0) {
		st->ops->rollback(st);
		return rc;
	}
	c->reply = json_pack("{s:b}", "loggedOut", 1);
	return 0;
}

/* ---- approvals ---- */

static json_t *approval_json(const struct jpki_approval *a, int64_t now)
{
	const char *state = a->state == JPKI_APPROVAL_USED       ? "used"
	                    : a->state == JPKI_APPROVAL_APPROVED ? "approved"
	                    : a->expires_at <= now               ? "expired"
	                                                         : "open";
	return json_pack("{s:I, s:s, s:s, s:s, s:i, s:I, s:I, s:i, s:i, s:s}", "id",
	                 (json_int_t)a->id, "kind", jpki_approval_kind_name(a->kind), "requester",
	                 a->requester, "what", a->what, "version", a->version, "createdAt",
	                 (json_int_t)a->created_at, "expiresAt", (json_int_t)a->expires_at,
	                 "approvals", a->approvals, "needed", a->needed, "state", state);
}

static struct jpki_actor actor(const struct api_call *c)
{
	return (struct jpki_actor){.id = c->who.operator_id, .in_session = true};
}

static int approvals_list(struct api_call *c)
{
	struct jpki_approval *list = calloc(LIST_MAX, sizeof(*list));
	size_t n = 0;
	const char *open = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "open");
	if (!list)
		return jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	if (open && strcmp(open, "true") != 0 && strcmp(open, "false") != 0) {
		free(list);
		return jpki_fail(&c->err, JPKI_E_INVALID, "open=true or open=false");
	}
	int rc = jpki_approval_list(c->h->st, c->now, open && strcmp(open, "true") == 0, list,
	                            LIST_MAX, &n, &c->err);
	json_t *a = rc == 0 ? json_array() : NULL;
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, approval_json(&list[i], c->now));
	free(list);
	if (rc < 0)
		return rc;
	c->reply = json_pack("{s:o}", "approvals", a);
	return 0;
}

static int approval_get(struct api_call *c)
{
	struct jpki_approval a;
	if (c->param_id <= 0)
		return jpki_fail(&c->err, JPKI_E_NOT_FOUND, "no request %s", c->param);
	int rc = jpki_approval_get(c->h->st, c->param_id, c->now, &a, &c->err);
	if (rc == 0)
		c->reply = approval_json(&a, c->now);
	return rc;
}

static int approval_new(struct api_call *c)
{
	enum jpki_approval_kind kind;
	struct jpki_actor by = actor(c);
	int64_t id = 0;
	if (!jpki_approval_kind_parse(jpki_api_text(c->body, "kind"), &kind))
		return jpki_fail(&c->err, JPKI_E_INVALID,
		                 "kind: mass-revocation, correction, fee-void, hours-override or "
		                 "ca-operation");
	int rc = jpki_approval_request(c->h->st, &by, kind, jpki_api_text(c->body, "what"), c->now,
	                               &id, &c->err);
	if (rc < 0)
		return rc;
	c->param_id = id;
	c->status = 201;
	return approval_get(c);
}

static int approval_approve(struct api_call *c)
{
	struct jpki_approval a;
	struct jpki_actor by = actor(c);
	if (c->param_id <= 0)
		return jpki_fail(&c->err, JPKI_E_NOT_FOUND, "no request %s", c->param);
	int rc = jpki_approval_approve(c->h->st, &by, c->param_id, c->now, &a, &c->err);
	if (rc == 0)
		c->reply = approval_json(&a, c->now);
	return rc;
}

static int approval_edit(struct api_call *c)
{
	struct jpki_actor by = actor(c);
	if (c->param_id <= 0)
		return jpki_fail(&c->err, JPKI_E_NOT_FOUND, "no request %s", c->param);
	int rc = jpki_approval_edit(c->h->st, &by, c->param_id, jpki_api_text(c->body, "what"),
	                            c->now, &c->err);
	return rc < 0 ? rc : approval_get(c);
}

/* ---- operators ---- */

static json_t *operator_json(const struct jpki_operator_rec *o, int64_t now)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:b, s:I}", "id", o->id, "name", o->name,
	                 "role", jpki_role_name((enum jpki_role)o->role), "createdAt",
	                 (json_int_t)o->created_at, "createdBy", o->created_by, "disabled",
	                 o->disabled_at != 0, "locked", o->locked_until > now, "lastLoginAt",
	                 (json_int_t)o->last_login_at);
}

struct op_list {
	json_t *a;
	int64_t now;
};

static int op_one(const struct jpki_operator_rec *o, void *arg)
{
	struct op_list *l = arg;
	return json_array_append_new(l->a, operator_json(o, l->now)) < 0 ? -JPKI_E_NOMEM : 0;
}

static int operators_list(struct api_call *c)
{
	struct op_list l = {json_array(), c->now};
	int rc = l.a ? c->h->st->ops->operator_each(c->h->st, op_one, &l, &c->err) : -JPKI_E_NOMEM;
	if (rc < 0) {
		json_decref(l.a);
		return rc == -JPKI_E_NOMEM ? jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory") : rc;
	}
	c->reply = json_pack("{s:o}", "operators", l.a);
	return 0;
}

static int operator_new(struct api_call *c)
{
	enum jpki_role role;
	struct jpki_actor by = actor(c);
	struct jpki_operator_rec o;
	if (!jpki_role_parse(jpki_api_text(c->body, "role"), &role))
		return jpki_fail(&c->err, JPKI_E_INVALID,
		                 "role: clerk, supervisor, ca-officer or auditor");
	const char *id = jpki_api_text(c->body, "id");
	int rc = jpki_operator_add(c->h->st, &by, id, jpki_api_text(c->body, "name"), role,
	                           jpki_api_text(c->body, "password"), c->now, &c->err);
	if (rc == 0)
		rc = c->h->st->ops->operator_get(c->h->st, id, &o, &c->err);
	if (rc < 0)
		return rc;
	c->status = 201;
	c->reply = operator_json(&o, c->now);
	return 0;
}

static int operator_disable(struct api_call *c)
{
	struct jpki_actor by = actor(c);
	struct jpki_operator_rec o;
	int rc = jpki_operator_disable(c->h->st, &by, c->param, c->now, &c->err);
	if (rc == 0)
		rc = c->h->st->ops->operator_get(c->h->st, c->param, &o, &c->err);
	if (rc < 0)
		return rc;
	jpki_op_session_end_operator(c->h->sessions, c->param);
	c->reply = operator_json(&o, c->now);
	return 0;
}

/* ---- the audit log ---- */

static int audit_entries(struct api_call *c)
{
	int64_t from = jpki_api_query_id(c->conn, "from"),
	        count = jpki_api_query_id(c->conn, "count");
	if (from < 0 || count < 0 || count > LIST_MAX)
		return jpki_fail(&c->err, JPKI_E_INVALID, "from=SEQ and count=1..%d", LIST_MAX);
	json_t *a = json_array();
	int rc = a ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	for (int64_t seq = from ? from : 1, end = seq + (count ? count : LIST_MAX);
	     rc == 0 && seq < end; seq++) {
		struct jpki_audit_rec e;
		rc = c->h->st->ops->audit_get(c->h->st, seq, &e, &c->err);
		if (rc == -JPKI_E_NOT_FOUND) { /* the end of the log */
			rc = 0;
			break;
		}
		char *text = rc == 0 ? jpki_audit_entry_json(&e) : NULL;
		json_t *o = text ? json_loads(text, 0, NULL) : NULL;
		free(text);
		if (rc == 0 && (!o || json_array_append_new(a, o) < 0))
			rc = jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	}
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	c->reply = json_pack("{s:o}", "entries", a);
	return 0;
}

static int audit_checkpoint(struct api_call *c)
{
	struct jpki_checkpoint cp;
	char *note = NULL;
	int rc = jpki_audit_checkpoint(c->h->st, &c->h->signer, &cp, &note, &c->err);
	if (rc < 0)
		return rc;
	c->reply = json_pack("{s:s, s:I, s:s}", "checkpoint", note, "treeSize", (json_int_t)cp.size,
	                     "vkey", c->h->signer.vkey);
	free(note);
	return 0;
}

static json_t *hashes_json(const jpki_merkle_hash *h, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		char *b = jpki_base64_encode(h[i], 32);
		json_array_append_new(a, json_string(b ? b : ""));
		free(b);
	}
	return a;
}

/* The size asked (size=N) or the tree's now; INVALID beyond it. */
static int tree_size(struct api_call *c, uint64_t *n)
{
	uint64_t leaves = 0;
	int64_t want = jpki_api_query_id(c->conn, "size");
	int rc = c->h->st->ops->audit_leaves(c->h->st, &leaves, &c->err);
	if (rc < 0)
		return rc;
	if (want < 0 || (uint64_t)want > leaves)
		return jpki_fail(&c->err, JPKI_E_INVALID, "size=1..%" PRIu64, leaves);
	*n = want ? (uint64_t)want : leaves;
	return 0;
}

static int audit_proof(struct api_call *c)
{
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX];
	size_t len = 0;
	uint64_t n = 0;
	struct jpki_audit_rec e;
	int64_t seq = jpki_api_query_id(c->conn, "seq");
	int rc = tree_size(c, &n);
	if (rc < 0)
		return rc;
	if (seq <= 0 || (uint64_t)seq > n)
		return jpki_fail(&c->err, JPKI_E_INVALID, "seq=1..%" PRIu64, n);
	if ((rc = jpki_audit_inclusion(c->h->st, (uint64_t)seq - 1, n, proof, &len, &c->err)) < 0 ||
	    (rc = c->h->st->ops->audit_get(c->h->st, seq, &e, &c->err)) < 0)
		return rc;
	char *text = jpki_audit_entry_json(&e);
	if (!text)
		return jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	c->reply = json_pack("{s:I, s:I, s:I, s:s, s:o}", "seq", (json_int_t)seq, "leafIndex",
	                     (json_int_t)(seq - 1), "treeSize", (json_int_t)n, "entry", text,
	                     "inclusionProof", hashes_json(proof, len));
	free(text);
	return 0;
}

static int audit_consistency(struct api_call *c)
{
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX];
	size_t len = 0;
	uint64_t n = 0;
	int64_t from = jpki_api_query_id(c->conn, "from");
	int rc = tree_size(c, &n);
	if (rc < 0)
		return rc;
	if (from <= 0 || (uint64_t)from > n)
		return jpki_fail(&c->err, JPKI_E_INVALID, "from=1..%" PRIu64, n);
	if ((rc = jpki_audit_consistency(c->h->st, (uint64_t)from, n, proof, &len, &c->err)) < 0)
		return rc;
	c->reply = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "treeSize", (json_int_t)n,
	                     "consistencyProof", hashes_json(proof, len));
	return 0;
}

static int openapi(struct api_call *c)
{
	c->reply = json_loadb((const char *)jpki_openapi_json, jpki_openapi_json_len, 0, NULL);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_STATE, "the OpenAPI document is damaged");
}

#define R(r) (unsigned)(JPKI_RIGHT_##r)

const struct api_route jpki_api_admin_routes[] = {
    {"GET", "/api/v1/openapi.json", API_PUBLIC, 0, NULL, openapi},
    {"POST", "/api/v1/session", API_PUBLIC, 0, "login", login},
    {"GET", "/api/v1/session", API_LOCKED, 0, NULL, session_get},
    {"POST", "/api/v1/session/unlock", API_LOCKED, 0, "unlock", unlock},
    {"DELETE", "/api/v1/session", API_LOCKED, 0, NULL, logout},
    {"GET", "/api/v1/approvals", API_SESSION, R(REQUEST) | R(APPROVE) | R(CA_OPERATION), NULL,
     approvals_list},
    {"POST", "/api/v1/approvals", API_SESSION, R(REQUEST) | R(CA_OPERATION), "approval",
     approval_new},
    {"GET", "/api/v1/approvals/{id}", API_SESSION, R(REQUEST) | R(APPROVE) | R(CA_OPERATION), NULL,
     approval_get},
    {"POST", "/api/v1/approvals/{id}/approve", API_SESSION, R(APPROVE) | R(CA_OPERATION), "empty",
     approval_approve},
    {"POST", "/api/v1/approvals/{id}/edit", API_SESSION, R(REQUEST) | R(CA_OPERATION),
     "approval-edit", approval_edit},
    {"GET", "/api/v1/operators", API_SESSION, R(OPERATORS), NULL, operators_list},
    {"POST", "/api/v1/operators", API_SESSION, R(OPERATORS), "operator", operator_new},
    {"POST", "/api/v1/operators/{id}/disable", API_SESSION, R(OPERATORS), "empty",
     operator_disable},
    {"GET", "/api/v1/audit/entries", API_SESSION, R(AUDIT), NULL, audit_entries},
    {"GET", "/api/v1/audit/checkpoint", API_SESSION, R(AUDIT), NULL, audit_checkpoint},
    {"GET", "/api/v1/audit/proof", API_SESSION, R(AUDIT), NULL, audit_proof},
    {"GET", "/api/v1/audit/consistency", API_SESSION, R(AUDIT), NULL, audit_consistency},
    {NULL, NULL, 0, 0, NULL, NULL}};
