/* approval.c: four-eyes requests and their approvals (approval.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "approval.h"

static const struct {
	const char *name;
	int needed;              /* approvals of the current version */
	enum jpki_right ask, ok; /* the right to ask for it, the right to approve it */
} kinds[JPKI_APPROVAL_KIND_COUNT] = {
    [JPKI_APPROVAL_MASS_REVOCATION] = {"mass-revocation", 1, JPKI_RIGHT_REQUEST,
                                       JPKI_RIGHT_APPROVE},
    [JPKI_APPROVAL_CORRECTION] = {"correction", 1, JPKI_RIGHT_REQUEST, JPKI_RIGHT_APPROVE},
    [JPKI_APPROVAL_FEE_VOID] = {"fee-void", 1, JPKI_RIGHT_REQUEST, JPKI_RIGHT_APPROVE},
    [JPKI_APPROVAL_HOURS_OVERRIDE] = {"hours-override", 1, JPKI_RIGHT_REQUEST, JPKI_RIGHT_APPROVE},
    [JPKI_APPROVAL_CA_OPERATION] = {"ca-operation", 2, JPKI_RIGHT_CA_OPERATION,
                                    JPKI_RIGHT_CA_OPERATION},
};

const char *jpki_approval_kind_name(enum jpki_approval_kind k)
{
	return (unsigned)k < JPKI_APPROVAL_KIND_COUNT ? kinds[k].name : "?";
}

bool jpki_approval_kind_parse(const char *s, enum jpki_approval_kind *out)
{
	for (int k = 0; s && k < JPKI_APPROVAL_KIND_COUNT; k++)
		if (strcmp(s, kinds[k].name) == 0) {
			*out = (enum jpki_approval_kind)k;
			return true;
		}
	return false;
}

static bool what_ok(const char *what)
{
	return jpki_operator_text_ok(what, JPKI_APPROVAL_WHAT_MAX);
}

/* A refusal of action, logged, as code. */
static int refuse(struct jpki_store *st, const char *actor, const char *action, int64_t id,
                  const char *why, enum jpki_code code, int64_t now, struct jpki_err *err)
{
	char detail[300];
	snprintf(detail, sizeof(detail), "request=%" PRId64 "; %s", id, why);
	int rc = jpki_operator_audit(st, actor, action, "refused", detail, now, err);
	return rc < 0 ? rc : jpki_fail(err, code, "%s", why);
}

static int view(struct jpki_store *st, const struct jpki_approval_rec *r, int64_t now,
                struct jpki_approval *out, struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	out->id = r->id;
	out->kind = (enum jpki_approval_kind)r->kind;
	out->version = r->version;
	out->created_at = r->created_at;
	out->expires_at = r->expires_at;
	out->state = (enum jpki_approval_state)r->state;
	out->needed = (unsigned)r->kind < JPKI_APPROVAL_KIND_COUNT ? kinds[r->kind].needed : 0;
	snprintf(out->requester, sizeof(out->requester), "%s", r->requester);
	snprintf(out->what, sizeof(out->what), "%s", r->what);
	(void)now;
	return st->ops->approval_count(st, r->id, r->version, &out->approvals, err);
}

int jpki_approval_request(struct jpki_store *st, const struct jpki_actor *by,
                          enum jpki_approval_kind kind, const char *what, int64_t now, int64_t *id,
                          struct jpki_err *err)
{
	struct jpki_operator_rec o;
	if ((unsigned)kind >= JPKI_APPROVAL_KIND_COUNT || !what_ok(what) || !by)
		return jpki_fail(err, JPKI_E_INVALID, "a kind, and what is asked (1 to %d bytes)",
		                 JPKI_APPROVAL_WHAT_MAX);
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	rc = jpki_actor_check_tx(st, by, "approval.request", now, &o, err);
	if (rc == 0 && !jpki_role_may((enum jpki_role)o.role, kinds[kind].ask))
		rc = refuse(st, by->id, "approval.request", 0, "this role may not ask for it",
		            JPKI_E_DENIED, now, err);
	struct jpki_approval_rec r = {.kind = kind,
	                              .version = 1,
	                              .created_at = now,
	                              .expires_at = now + JPKI_APPROVAL_LIFETIME};
	snprintf(r.requester, sizeof(r.requester), "%s", by->id);
	snprintf(r.what, sizeof(r.what), "%s", what);
	if (rc == 0)
		rc = st->ops->approval_insert(st, &r, err);
	if (rc == 0) {
		char detail[600];
		snprintf(detail, sizeof(detail), "request=%" PRId64 "; kind=%s; what=%s", r.id,
		         kinds[kind].name, what);
		rc = jpki_operator_audit(st, by->id, "approval.request", "done", detail, now, err);
	}
	if (rc == 0)
		*id = r.id;
	return jpki_operator_end_tx(st, rc, err);
}

/* The open request id, or a logged refusal: unknown, expired, approved already. */
static int open_request(struct jpki_store *st, const char *actor, const char *action, int64_t id,
                        int64_t now, struct jpki_approval_rec *r, struct jpki_err *err)
{
	int rc = st->ops->approval_get(st, id, r, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return refuse(st, actor, action, id, "no such request", JPKI_E_STATE, now, err);
	if (rc == 0 && r->expires_at <= now)
		return refuse(st, actor, action, id, "the request has expired", JPKI_E_STATE, now,
		              err);
	if (rc == 0 && r->state != JPKI_APPROVAL_OPEN)
		return refuse(st, actor, action, id, "the request is approved already",
		              JPKI_E_STATE, now, err);
	return rc;
}

static int approve_tx(struct jpki_store *st, const struct jpki_actor *by, int64_t id, int64_t now,
                      struct jpki_approval *out, struct jpki_err *err)
{
	struct jpki_operator_rec o;
	struct jpki_approval_rec r;
	int rc = jpki_actor_check_tx(st, by, "approval.approve", now, &o, err);
	if (rc == 0)
		rc = open_request(st, by->id, "approval.approve", id, now, &r, err);
	if (rc < 0)
		return rc;
	if ((unsigned)r.kind >= JPKI_APPROVAL_KIND_COUNT)
		return jpki_fail(err, JPKI_E_STORE, "request %" PRId64 " is damaged", id);
	if (strcmp(r.requester, by->id) == 0) /* four eyes: never the requester's own */
		return refuse(st, by->id, "approval.approve", id, "the requester cannot approve",
		              JPKI_E_DENIED, now, err);
	if (!jpki_role_may((enum jpki_role)o.role, kinds[r.kind].ok))
		return refuse(st, by->id, "approval.approve", id, "this role may not approve it",
		              JPKI_E_DENIED, now, err);
	/* nor an account of the requester's making, nor one made after the request */
	if (strcmp(o.created_by, r.requester) == 0)
		return refuse(st, by->id, "approval.approve", id,
		              "an operator the requester added cannot approve their request",
		              JPKI_E_DENIED, now, err);
	if (o.created_at > r.created_at)
		return refuse(st, by->id, "approval.approve", id,
		              "an operator added after the request cannot approve it",
		              JPKI_E_DENIED, now, err);
	rc = st->ops->approval_vote(st, id, r.version, by->id, now, err);
	if (rc == -JPKI_E_EXISTS)
		return refuse(st, by->id, "approval.approve", id,
		              "approved by this operator already", JPKI_E_DENIED, now, err);
	if (rc == 0)
		rc = view(st, &r, now, out, err);
	if (rc == 0 && out->approvals >= out->needed) {
		r.state = JPKI_APPROVAL_APPROVED;
		out->state = JPKI_APPROVAL_APPROVED;
		rc = st->ops->approval_update(st, &r, err);
	}
	if (rc == 0) {
		char detail[200];
		snprintf(detail, sizeof(detail), "request=%" PRId64 "; version=%d; %d of %d%s", id,
		         r.version, out->approvals, out->needed,
		         out->state == JPKI_APPROVAL_APPROVED ? "; approved" : "");
		rc = jpki_operator_audit(st, by->id, "approval.approve", "done", detail, now, err);
	}
	return rc;
}

int jpki_approval_approve(struct jpki_store *st, const struct jpki_actor *by, int64_t id,
                          int64_t now, struct jpki_approval *out, struct jpki_err *err)
{
	if (!by)
		return jpki_fail(err, JPKI_E_INVALID, "who approves");
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	return jpki_operator_end_tx(st, approve_tx(st, by, id, now, out, err), err);
}

static int edit_tx(struct jpki_store *st, const struct jpki_actor *by, int64_t id, const char *what,
                   int64_t now, struct jpki_err *err)
{
	struct jpki_operator_rec o;
	struct jpki_approval_rec r;
	int rc = jpki_actor_check_tx(st, by, "approval.edit", now, &o, err);
	if (rc == 0)
		rc = open_request(st, by->id, "approval.edit", id, now, &r, err);
	if (rc < 0)
		return rc;
	if (strcmp(r.requester, by->id) != 0)
		return refuse(st, by->id, "approval.edit", id, "only the requester edits a request",
		              JPKI_E_DENIED, now, err);
	snprintf(r.what, sizeof(r.what), "%s", what);
	r.version++; /* the approvals of earlier versions no longer count */
	rc = st->ops->approval_update(st, &r, err);
	if (rc == 0) {
		char detail[600];
		snprintf(detail, sizeof(detail), "request=%" PRId64 "; version=%d; what=%s", id,
		         r.version, what);
		rc = jpki_operator_audit(st, by->id, "approval.edit", "done", detail, now, err);
	}
	return rc;
}

int jpki_approval_edit(struct jpki_store *st, const struct jpki_actor *by, int64_t id,
                       const char *what, int64_t now, struct jpki_err *err)
{
	if (!by || !what_ok(what))
		return jpki_fail(err, JPKI_E_INVALID, "what is asked: 1 to %d bytes of text",
		                 JPKI_APPROVAL_WHAT_MAX);
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	return jpki_operator_end_tx(st, edit_tx(st, by, id, what, now, err), err);
}

int jpki_approval_get(struct jpki_store *st, int64_t id, int64_t now, struct jpki_approval *out,
                      struct jpki_err *err)
{
	struct jpki_approval_rec r;
	int rc = st->ops->approval_get(st, id, &r, err);
	return rc < 0 ? rc : view(st, &r, now, out, err);
}

struct listing {
	struct jpki_store *st;
	int64_t now;
	bool open_only;
	struct jpki_approval *out;
	size_t cap, n;
	struct jpki_err *err;
};

static int list_one(const struct jpki_approval_rec *r, void *arg)
{
	struct listing *l = arg;
	if (l->n == l->cap)
		return 1; /* enough */
	if (l->open_only && (r->state != JPKI_APPROVAL_OPEN || r->expires_at <= l->now))
		return 0;
	int rc = view(l->st, r, l->now, &l->out[l->n], l->err);
	if (rc == 0)
		l->n++;
	return rc;
}

int jpki_approval_list(struct jpki_store *st, int64_t now, bool open_only,
                       struct jpki_approval *out, size_t cap, size_t *n, struct jpki_err *err)
{
	struct listing l = {st, now, open_only, out, cap, 0, err};
	int rc = st->ops->approval_each(st, list_one, &l, err);
	*n = l.n;
	return rc > 0 ? 0 : rc;
}

static bool about(const char *what, const char *subject)
{
	size_t n = strlen(subject);
	return strncmp(what, subject, n) == 0 &&
	       (what[n] == '\0' || what[n] == ':' || what[n] == ' ');
}

int jpki_approval_use_tx(struct jpki_store *st, int64_t id, enum jpki_approval_kind kind,
                         const char *subject, const char *operator_id, int64_t now,
                         char approver[33], struct jpki_err *err)
{
	struct jpki_approval_rec r;
	int rc = st->ops->approval_get(st, id, &r, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_fail(err, JPKI_E_DENIED, "no approval request %" PRId64, id);
	if (rc < 0)
		return rc;
	const char *why = r.kind != (int)kind                 ? "the approval is of another kind"
	                  : r.state == JPKI_APPROVAL_USED     ? "the approval was used already"
	                  : r.state != JPKI_APPROVAL_APPROVED ? "the request is not approved yet"
	                  : r.expires_at <= now               ? "the approval has expired"
	                  : strcmp(r.requester, operator_id)
	                      ? "the approval was asked for by another"
	                  : !about(r.what, subject) ? "the approval is about something else"
	                                            : NULL;
	if (why)
		return jpki_fail(err, JPKI_E_DENIED, "%s (request %" PRId64 ")", why, id);
	if ((rc = st->ops->approval_voter(st, id, r.version, approver, err)) < 0)
		return rc;
	r.state = JPKI_APPROVAL_USED;
	return st->ops->approval_update(st, &r, err);
}
