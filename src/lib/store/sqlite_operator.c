/*
 * sqlite_operator.c: the operators' table in the SQLite registry (schema 7,
 * operator_rec.h).  Log-ins are a few a minute: each call prepares its own
 * statement.
 */
#include <inttypes.h>
#include <string.h>

#include "sqlite_int.h"

const char jpki_sqlite_operator_schema[] =
    "CREATE TABLE operator ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 3),"
    " password_hash TEXT NOT NULL,"
    " failures INTEGER NOT NULL CHECK (failures >= 0), locked_until INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    " disabled_at INTEGER NOT NULL, last_login_at INTEGER NOT NULL);"
    "CREATE TRIGGER operator_no_delete BEFORE DELETE ON operator"
    " BEGIN SELECT RAISE(ABORT, 'operators are disabled, never deleted'); END;";

#define OP_COLS                                                                                    \
	"id, name, role, password_hash, failures, locked_until, created_at, created_by, "          \
	"disabled_at, last_login_at"

static int prepare(struct jpki_store *s, const char *sql, sqlite3_stmt **st, struct jpki_err *err)
{
	if (sqlite3_prepare_v2(jpki_sqlite_db(s), sql, -1, st, NULL) != SQLITE_OK)
		return jpki_sqlite_fail(jpki_sqlite_db(s), err,
		                        "cannot prepare an operator statement");
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int jpki_sqlite_operator_insert(struct jpki_store *s, const struct jpki_operator_rec *o,
                                struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    prepare(s, "INSERT INTO operator (" OP_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?)", &st, err);
	if (rc < 0)
		return rc;
	bind_text(st, 1, o->id);
	bind_text(st, 2, o->name);
	sqlite3_bind_int(st, 3, o->role);
	bind_text(st, 4, o->password_hash);
	sqlite3_bind_int(st, 5, o->failures);
	sqlite3_bind_int64(st, 6, o->locked_until);
	sqlite3_bind_int64(st, 7, o->created_at);
	bind_text(st, 8, o->created_by);
	sqlite3_bind_int64(st, 9, o->disabled_at);
	sqlite3_bind_int64(st, 10, o->last_login_at);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		rc = 0;
	else if (sqlite3_extended_errcode(jpki_sqlite_db(s)) == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = jpki_fail(err, JPKI_E_EXISTS, "operator %s exists", o->id);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot add an operator");
	sqlite3_finalize(st);
	return rc;
}

static int row(sqlite3_stmt *st, struct jpki_operator_rec *o, struct jpki_err *err)
{
	memset(o, 0, sizeof(*o));
	int64_t role = sqlite3_column_int64(st, 2), failures = sqlite3_column_int64(st, 4);
	if (jpki_sqlite_col_text(st, 0, o->id, sizeof(o->id)) < 0 ||
	    jpki_sqlite_col_text(st, 1, o->name, sizeof(o->name)) < 0 ||
	    jpki_sqlite_col_text(st, 3, o->password_hash, sizeof(o->password_hash)) < 0 ||
	    jpki_sqlite_col_text(st, 7, o->created_by, sizeof(o->created_by)) < 0 || role < 0 ||
	    role > 3 || failures < 0 || failures > 1000000)
		return jpki_fail(err, JPKI_E_STORE, "an operator row is damaged");
	o->role = (int)role;
	o->failures = (int)failures;
	o->locked_until = sqlite3_column_int64(st, 5);
	o->created_at = sqlite3_column_int64(st, 6);
	o->disabled_at = sqlite3_column_int64(st, 8);
	o->last_login_at = sqlite3_column_int64(st, 9);
	return 0;
}

int jpki_sqlite_operator_get(struct jpki_store *s, const char *id, struct jpki_operator_rec *out,
                             struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, "SELECT " OP_COLS " FROM operator WHERE id = ?", &st, err);
	if (rc < 0)
		return rc;
	bind_text(st, 1, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = row(st, out, err);
	else if (step == SQLITE_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no operator %s", id);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the operators");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_operator_each(struct jpki_store *s, jpki_operator_cb cb, void *arg,
                              struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, "SELECT " OP_COLS " FROM operator ORDER BY id", &st, err), step = 0;
	struct jpki_operator_rec o;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row(st, &o, err)) == 0)
			rc = cb(&o, arg);
	if (rc == 0 && step != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the operators");
	sqlite3_finalize(st);
	return rc;
}

/* What a log-in or an officer changes: the password's state, the lock, disabling. */
int jpki_sqlite_operator_update(struct jpki_store *s, const struct jpki_operator_rec *o,
                                struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s,
	                 "UPDATE operator SET password_hash = ?2, failures = ?3, locked_until = ?4,"
	                 " disabled_at = ?5, last_login_at = ?6 WHERE id = ?1",
	                 &st, err);
	if (rc < 0)
		return rc;
	bind_text(st, 1, o->id);
	bind_text(st, 2, o->password_hash);
	sqlite3_bind_int(st, 3, o->failures);
	sqlite3_bind_int64(st, 4, o->locked_until);
	sqlite3_bind_int64(st, 5, o->disabled_at);
	sqlite3_bind_int64(st, 6, o->last_login_at);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot update an operator");
	else if (sqlite3_changes(jpki_sqlite_db(s)) != 1)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no operator %s", o->id);
	sqlite3_finalize(st);
	return rc;
}

/* ---- four-eyes requests (schema 8) ---- */

const char jpki_sqlite_approval_schema[] =
    "CREATE TABLE approval_request ("
    " id INTEGER PRIMARY KEY, kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),"
    " requester TEXT NOT NULL, what TEXT NOT NULL,"
    " version INTEGER NOT NULL CHECK (version >= 1),"
    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3));"
    "CREATE TABLE approval ("
    " request_id INTEGER NOT NULL REFERENCES approval_request (id),"
    " version INTEGER NOT NULL, approver TEXT NOT NULL, at INTEGER NOT NULL,"
    " PRIMARY KEY (request_id, version, approver));"
    "CREATE TRIGGER approval_no_update BEFORE UPDATE ON approval"
    " BEGIN SELECT RAISE(ABORT, 'approvals are never changed'); END;"
    "CREATE TRIGGER approval_no_delete BEFORE DELETE ON approval"
    " BEGIN SELECT RAISE(ABORT, 'approvals are never deleted'); END;";

int jpki_sqlite_approval_insert(struct jpki_store *s, struct jpki_approval_rec *r,
                                struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s,
	                 "INSERT INTO approval_request (kind, requester, what, version, created_at,"
	                 " expires_at, state) VALUES (?,?,?,?,?,?,?)",
	                 &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int(st, 1, r->kind);
	bind_text(st, 2, r->requester);
	bind_text(st, 3, r->what);
	sqlite3_bind_int(st, 4, r->version);
	sqlite3_bind_int64(st, 5, r->created_at);
	sqlite3_bind_int64(st, 6, r->expires_at);
	sqlite3_bind_int(st, 7, r->state);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot record a request");
	else
		r->id = sqlite3_last_insert_rowid(jpki_sqlite_db(s));
	sqlite3_finalize(st);
	return rc;
}

#define APPROVAL_COLS "id, kind, requester, what, version, created_at, expires_at, state"

static int approval_row(sqlite3_stmt *st, struct jpki_approval_rec *out, struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->kind = sqlite3_column_int(st, 1);
	out->version = sqlite3_column_int(st, 4);
	out->created_at = sqlite3_column_int64(st, 5);
	out->expires_at = sqlite3_column_int64(st, 6);
	out->state = sqlite3_column_int(st, 7);
	if (jpki_sqlite_col_text(st, 2, out->requester, sizeof(out->requester)) < 0 ||
	    jpki_sqlite_col_text(st, 3, out->what, sizeof(out->what)) < 0)
		return jpki_fail(err, JPKI_E_STORE, "request %" PRId64 " is damaged", out->id);
	return 0;
}

int jpki_sqlite_approval_get(struct jpki_store *s, int64_t id, struct jpki_approval_rec *out,
                             struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    prepare(s, "SELECT " APPROVAL_COLS " FROM approval_request WHERE id = ?", &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = approval_row(st, out, err);
	else if (step == SQLITE_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no request %" PRId64, id);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the requests");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_approval_each(struct jpki_store *s,
                              int (*cb)(const struct jpki_approval_rec *r, void *arg), void *arg,
                              struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    prepare(s, "SELECT " APPROVAL_COLS " FROM approval_request ORDER BY id DESC", &st, err);
	if (rc < 0)
		return rc;
	int step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct jpki_approval_rec r;
		rc = approval_row(st, &r, err);
		if (rc == 0)
			rc = cb(&r, arg);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the requests");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_approval_update(struct jpki_store *s, const struct jpki_approval_rec *r,
                                struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(
	    s, "UPDATE approval_request SET what = ?2, version = ?3, state = ?4 WHERE id = ?1", &st,
	    err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, r->id);
	bind_text(st, 2, r->what);
	sqlite3_bind_int(st, 3, r->version);
	sqlite3_bind_int(st, 4, r->state);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot update a request");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_approval_vote(struct jpki_store *s, int64_t id, int version, const char *approver,
                              int64_t at, struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    prepare(s, "INSERT INTO approval (request_id, version, approver, at) VALUES (?,?,?,?)",
	            &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, version);
	bind_text(st, 3, approver);
	sqlite3_bind_int64(st, 4, at);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else if (sqlite3_extended_errcode(jpki_sqlite_db(s)) == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = jpki_fail(err, JPKI_E_EXISTS, "%s has approved it already", approver);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot record an approval");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_approval_count(struct jpki_store *s, int64_t id, int version, int *n,
                               struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, "SELECT count(*) FROM approval WHERE request_id = ? AND version = ?",
	                 &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, version);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot count approvals");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_approval_voter(struct jpki_store *s, int64_t id, int version, char out[33],
                               struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s,
	                 "SELECT approver FROM approval WHERE request_id = ? AND version = ?"
	                 " ORDER BY at, approver LIMIT 1",
	                 &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, version);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = jpki_sqlite_col_text(st, 0, out, 33) < 0
		         ? jpki_fail(err, JPKI_E_STORE,
		                     "an approval of request %" PRId64 " is damaged", id)
		         : 0;
	else if (step == SQLITE_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "request %" PRId64 " has no approval", id);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the approvals");
	sqlite3_finalize(st);
	return rc;
}
