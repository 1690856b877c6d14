/*
 * reg_operator.c: the counter's operators and four-eyes requests (store.h,
 * operator_rec.h) on any engine (sql.h).  Every row read back is checked.
 */
#include <inttypes.h>
#include <string.h>

#include "reg_int.h"
#include "sql.h"

#define OP_COLS                                                                                    \
	"id, name, role, password_hash, failures, locked_until, created_at, created_by, "          \
	"disabled_at, last_login_at"

#define APPROVAL_COLS "id, kind, requester, what, version, created_at, expires_at, state"

enum {
	Q_OPERATOR_INSERT = JPKI_SQL_OPERATOR_BASE,
	Q_OPERATOR_GET,
	Q_OPERATOR_EACH,
	Q_OPERATOR_UPDATE,
	Q_APPROVAL_INSERT,
	Q_APPROVAL_GET,
	Q_APPROVAL_EACH,
	Q_APPROVAL_UPDATE,
	Q_APPROVAL_VOTE,
	Q_APPROVAL_COUNT,
	Q_APPROVAL_VOTER,
	Q_OPERATOR_END
};

#define AT(id) [(id)-JPKI_SQL_OPERATOR_BASE]
static const char *const q_operator_text[Q_OPERATOR_END - JPKI_SQL_OPERATOR_BASE] = {
    AT(Q_OPERATOR_INSERT) =
        "INSERT INTO operator (" OP_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
    AT(Q_OPERATOR_GET) = "SELECT " OP_COLS " FROM operator WHERE id = ?",
    AT(Q_OPERATOR_EACH) = "SELECT " OP_COLS " FROM operator ORDER BY id",
    AT(Q_OPERATOR_UPDATE) =
        "UPDATE operator SET password_hash = ?2, failures = ?3, locked_until = ?4,"
        " disabled_at = ?5, last_login_at = ?6 WHERE id = ?1",
    AT(Q_APPROVAL_INSERT) =
        "INSERT INTO approval_request (id, kind, requester, what, version, created_at,"
        " expires_at, state) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM"
        " approval_request), ?,?,?,?,?,?,?) RETURNING id",
    AT(Q_APPROVAL_GET) = "SELECT " APPROVAL_COLS " FROM approval_request WHERE id = ?",
    AT(Q_APPROVAL_EACH) = "SELECT " APPROVAL_COLS " FROM approval_request ORDER BY id DESC",
    AT(Q_APPROVAL_UPDATE) =
        "UPDATE approval_request SET what = ?2, version = ?3, state = ?4 WHERE id = ?1",
    AT(Q_APPROVAL_VOTE) =
        "INSERT INTO approval (request_id, version, approver, at) VALUES (?,?,?,?) "
        "ON CONFLICT DO NOTHING",
    AT(Q_APPROVAL_COUNT) = "SELECT count(*) FROM approval WHERE request_id = ? AND version = ?",
    AT(Q_APPROVAL_VOTER) = "SELECT approver FROM approval WHERE request_id = ? AND version = ?"
                           " ORDER BY at, approver LIMIT 1",
};

const struct jpki_sql_table jpki_reg_operator_sql = {
    JPKI_SQL_OPERATOR_BASE, Q_OPERATOR_END - JPKI_SQL_OPERATOR_BASE, q_operator_text};

int jpki_reg_operator_insert(struct jpki_store *s, const struct jpki_operator_rec *o,
                             struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_OPERATOR_INSERT);
	int rc = 0;
	jpki_sql_bind_text(st, 1, o->id);
	jpki_sql_bind_text(st, 2, o->name);
	jpki_sql_bind_i64(st, 3, o->role);
	jpki_sql_bind_text(st, 4, o->password_hash);
	jpki_sql_bind_i64(st, 5, o->failures);
	jpki_sql_bind_i64(st, 6, o->locked_until);
	jpki_sql_bind_i64(st, 7, o->created_at);
	jpki_sql_bind_text(st, 8, o->created_by);
	jpki_sql_bind_i64(st, 9, o->disabled_at);
	jpki_sql_bind_i64(st, 10, o->last_login_at);
	if ((rc = jpki_sql_insert(st, NULL, "cannot add an operator", err)) == -JPKI_E_EXISTS)
		rc = jpki_fail(err, JPKI_E_EXISTS, "operator %s exists", o->id);
	jpki_sql_reset(st);
	return rc;
}

static int row(struct jpki_sql_stmt *st, struct jpki_operator_rec *o, struct jpki_err *err)
{
	memset(o, 0, sizeof(*o));
	int64_t role = jpki_sql_col_i64(st, 2), failures = jpki_sql_col_i64(st, 4);
	if (jpki_sql_col_text(st, 0, o->id, sizeof(o->id)) < 0 ||
	    jpki_sql_col_text(st, 1, o->name, sizeof(o->name)) < 0 ||
	    jpki_sql_col_text(st, 3, o->password_hash, sizeof(o->password_hash)) < 0 ||
	    jpki_sql_col_text(st, 7, o->created_by, sizeof(o->created_by)) < 0 || role < 0 ||
	    role > 3 || failures < 0 || failures > 1000000)
		return jpki_fail(err, JPKI_E_STORE, "an operator row is damaged");
	o->role = (int)role;
	o->failures = (int)failures;
	o->locked_until = jpki_sql_col_i64(st, 5);
	o->created_at = jpki_sql_col_i64(st, 6);
	o->disabled_at = jpki_sql_col_i64(st, 8);
	o->last_login_at = jpki_sql_col_i64(st, 9);
	return 0;
}

int jpki_reg_operator_get(struct jpki_store *s, const char *id, struct jpki_operator_rec *out,
                          struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_OPERATOR_GET);
	int rc = 0;
	jpki_sql_bind_text(st, 1, id);
	int step = jpki_sql_step(st);
	if (step == JPKI_SQL_ROW)
		rc = row(st, out, err);
	else if (step == JPKI_SQL_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no operator %s", id);
	else
		rc = jpki_sql_fail(st, err, "cannot read the operators");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_operator_each(struct jpki_store *s, jpki_operator_cb cb, void *arg,
                           struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_OPERATOR_EACH);
	int rc = 0, step = 0;
	struct jpki_operator_rec o;
	while (rc == 0 && (step = jpki_sql_step(st)) == JPKI_SQL_ROW)
		if ((rc = row(st, &o, err)) == 0)
			rc = cb(&o, arg);
	if (rc == 0 && step != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot read the operators");
	jpki_sql_reset(st);
	return rc;
}

/* What a log-in or an officer changes: the password's state, the lock, disabling. */
int jpki_reg_operator_update(struct jpki_store *s, const struct jpki_operator_rec *o,
                             struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_OPERATOR_UPDATE);
	int rc = 0;
	jpki_sql_bind_text(st, 1, o->id);
	jpki_sql_bind_text(st, 2, o->password_hash);
	jpki_sql_bind_i64(st, 3, o->failures);
	jpki_sql_bind_i64(st, 4, o->locked_until);
	jpki_sql_bind_i64(st, 5, o->disabled_at);
	jpki_sql_bind_i64(st, 6, o->last_login_at);
	if (jpki_sql_step(st) != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot update an operator");
	else if (jpki_sql_changes(st) != 1)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no operator %s", o->id);
	jpki_sql_reset(st);
	return rc;
}

/* ---- four-eyes requests (schema 8) ---- */

int jpki_reg_approval_insert(struct jpki_store *s, struct jpki_approval_rec *r,
                             struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_APPROVAL_INSERT);
	jpki_sql_bind_i64(st, 1, r->kind);
	jpki_sql_bind_text(st, 2, r->requester);
	jpki_sql_bind_text(st, 3, r->what);
	jpki_sql_bind_i64(st, 4, r->version);
	jpki_sql_bind_i64(st, 5, r->created_at);
	jpki_sql_bind_i64(st, 6, r->expires_at);
	jpki_sql_bind_i64(st, 7, r->state);
	return jpki_sql_one_i64(st, &r->id, "cannot record a request", err);
}

static int approval_row(struct jpki_sql_stmt *st, struct jpki_approval_rec *out,
                        struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	out->id = jpki_sql_col_i64(st, 0);
	out->kind = jpki_sql_col_i64(st, 1);
	out->version = jpki_sql_col_i64(st, 4);
	out->created_at = jpki_sql_col_i64(st, 5);
	out->expires_at = jpki_sql_col_i64(st, 6);
	out->state = jpki_sql_col_i64(st, 7);
	if (jpki_sql_col_text(st, 2, out->requester, sizeof(out->requester)) < 0 ||
	    jpki_sql_col_text(st, 3, out->what, sizeof(out->what)) < 0)
		return jpki_fail(err, JPKI_E_STORE, "request %" PRId64 " is damaged", out->id);
	return 0;
}

int jpki_reg_approval_get(struct jpki_store *s, int64_t id, struct jpki_approval_rec *out,
                          struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_APPROVAL_GET);
	int rc = 0;
	jpki_sql_bind_i64(st, 1, id);
	int step = jpki_sql_step(st);
	if (step == JPKI_SQL_ROW)
		rc = approval_row(st, out, err);
	else if (step == JPKI_SQL_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no request %" PRId64, id);
	else
		rc = jpki_sql_fail(st, err, "cannot read the requests");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_approval_each(struct jpki_store *s,
                           int (*cb)(const struct jpki_approval_rec *r, void *arg), void *arg,
                           struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_APPROVAL_EACH);
	int rc = 0;
	int step;
	while (rc == 0 && (step = jpki_sql_step(st)) == JPKI_SQL_ROW) {
		struct jpki_approval_rec r;
		rc = approval_row(st, &r, err);
		if (rc == 0)
			rc = cb(&r, arg);
	}
	if (rc == 0 && step != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot read the requests");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_approval_update(struct jpki_store *s, const struct jpki_approval_rec *r,
                             struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_APPROVAL_UPDATE);
	int rc = 0;
	jpki_sql_bind_i64(st, 1, r->id);
	jpki_sql_bind_text(st, 2, r->what);
	jpki_sql_bind_i64(st, 3, r->version);
	jpki_sql_bind_i64(st, 4, r->state);
	if (jpki_sql_step(st) != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot update a request");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_approval_vote(struct jpki_store *s, int64_t id, int version, const char *approver,
                           int64_t at, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_APPROVAL_VOTE);
	int rc = 0;
	jpki_sql_bind_i64(st, 1, id);
	jpki_sql_bind_i64(st, 2, version);
	jpki_sql_bind_text(st, 3, approver);
	jpki_sql_bind_i64(st, 4, at);
	if ((rc = jpki_sql_insert(st, NULL, "cannot record an approval", err)) == -JPKI_E_EXISTS)
		rc = jpki_fail(err, JPKI_E_EXISTS, "%s has approved it already", approver);
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_approval_count(struct jpki_store *s, int64_t id, int version, int *n,
                            struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_APPROVAL_COUNT);
	int rc = 0;
	jpki_sql_bind_i64(st, 1, id);
	jpki_sql_bind_i64(st, 2, version);
	int64_t v = 0;
	rc = jpki_sql_one_i64(st, &v, "cannot count approvals", err);
	*n = (int)v;
	return rc;
}

int jpki_reg_approval_voter(struct jpki_store *s, int64_t id, int version, char out[33],
                            struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_APPROVAL_VOTER);
	int rc = 0;
	jpki_sql_bind_i64(st, 1, id);
	jpki_sql_bind_i64(st, 2, version);
	int step = jpki_sql_step(st);
	if (step == JPKI_SQL_ROW)
		rc = jpki_sql_col_text(st, 0, out, 33) < 0
		         ? jpki_fail(err, JPKI_E_STORE,
		                     "an approval of request %" PRId64 " is damaged", id)
		         : 0;
	else if (step == JPKI_SQL_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "request %" PRId64 " has no approval", id);
	else
		rc = jpki_sql_fail(st, err, "cannot read the approvals");
	jpki_sql_reset(st);
	return rc;
}
