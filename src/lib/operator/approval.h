/*
 * approval.h: four-eyes approvals (#12 item 2; docs/operators.md): what must
 * not rest on one person is asked for by one operator and approved by N
 * others of the right role before it may run.
 *   - the requester is never an approver;
 *   - an edit of the request cancels every approval given before it;
 *   - requests expire (24 hours), and approvals with them;
 *   - every request, approval, edit and refusal is an audit entry.
 */
#ifndef JPKI_OPERATOR_APPROVAL_H
#define JPKI_OPERATOR_APPROVAL_H

#include "operator/operator.h"

#define JPKI_APPROVAL_LIFETIME (24 * 3600)
#define JPKI_APPROVAL_WHAT_MAX 512

enum jpki_approval_kind {
	JPKI_APPROVAL_MASS_REVOCATION, /* 1 supervisor */
	JPKI_APPROVAL_CORRECTION,      /* a record corrected: 1 supervisor */
	JPKI_APPROVAL_FEE_VOID,        /* a fee voided or refunded: 1 supervisor */
	JPKI_APPROVAL_HOURS_OVERRIDE,  /* outside office hours: 1 supervisor */
	JPKI_APPROVAL_CA_OPERATION,    /* 2 CA officers */
	JPKI_APPROVAL_KIND_COUNT
};

enum jpki_approval_state { JPKI_APPROVAL_OPEN, JPKI_APPROVAL_APPROVED, JPKI_APPROVAL_USED };

struct jpki_approval {
	int64_t id;
	enum jpki_approval_kind kind;
	char requester[33];
	char what[JPKI_APPROVAL_WHAT_MAX + 1];
	int version; /* 1, then one more per edit */
	int64_t created_at, expires_at;
	int approvals, needed; /* of the current version */
	enum jpki_approval_state state;
};

const char *jpki_approval_kind_name(enum jpki_approval_kind k);
bool jpki_approval_kind_parse(const char *s, enum jpki_approval_kind *out);

/* Ask for what (1 to 512 bytes of text) of kind; *id its number. */
JPKI_MUST_CHECK int jpki_approval_request(struct jpki_store *st, const struct jpki_actor *by,
                                          enum jpki_approval_kind kind, const char *what,
                                          int64_t now, int64_t *id, struct jpki_err *err);
/* Approve request id: DENIED for the requester or a role without the right, STATE when expired. */
JPKI_MUST_CHECK int jpki_approval_approve(struct jpki_store *st, const struct jpki_actor *by,
                                          int64_t id, int64_t now, struct jpki_approval *out,
                                          struct jpki_err *err);
/* The requester changes what is asked: earlier approvals no longer count. */
JPKI_MUST_CHECK int jpki_approval_edit(struct jpki_store *st, const struct jpki_actor *by,
                                       int64_t id, const char *what, int64_t now,
                                       struct jpki_err *err);
/* The newest requests (at most cap; open ones only when open_only: not approved, not expired). */
JPKI_MUST_CHECK int jpki_approval_list(struct jpki_store *st, int64_t now, bool open_only,
                                       struct jpki_approval *out, size_t cap, size_t *n,
                                       struct jpki_err *err);
/*
 * Inside the caller's transaction: take approved request id for the
 * procedure it allowed, once.  It must be of kind, approved, not expired,
 * not used, asked for by operator_id (the one who now runs the procedure),
 * and be about subject: its text is subject, or begins with subject and
 * then ':' or ' ' ("receipt 12: paid twice").  It becomes used; approver
 * gets who approved it.  A refusal is DENIED or STATE with the reason (the
 * caller logs it as its procedure's refusal).
 */
JPKI_MUST_CHECK int jpki_approval_use_tx(struct jpki_store *st, int64_t id,
                                         enum jpki_approval_kind kind, const char *subject,
                                         const char *operator_id, int64_t now, char approver[33],
                                         struct jpki_err *err);
/* Request id as it stands at now. */
JPKI_MUST_CHECK int jpki_approval_get(struct jpki_store *st, int64_t id, int64_t now,
                                      struct jpki_approval *out, struct jpki_err *err);

#endif
