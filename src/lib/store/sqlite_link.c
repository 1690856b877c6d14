/*
 * sqlite_link.c: the linking service's tables in the SQLite registry
 * (link_rec.h, store.h): the registered relying parties and the
 * append-only log of their accesses.  A few calls per login, so each call
 * prepares its statement (no slot in the connection's statement table).
 */
#include <string.h>

#include "sqlite_int.h"

const char jpki_sqlite_link_schema[] =
    "CREATE TABLE relying_party ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " key_hash BLOB NOT NULL CHECK (length(key_hash) = 32),"
    " may_link_signature INTEGER NOT NULL CHECK (may_link_signature IN (0, 1)),"
    " created_at INTEGER NOT NULL, disabled_at INTEGER);"
    "CREATE TABLE link_access ("
    " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, rp_id TEXT NOT NULL,"
    " action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE TRIGGER link_access_no_update BEFORE UPDATE ON link_access"
    " BEGIN SELECT RAISE(ABORT, 'the link access log is append-only'); END;"
    "CREATE TRIGGER link_access_no_delete BEFORE DELETE ON link_access"
    " BEGIN SELECT RAISE(ABORT, 'the link access log is append-only'); END;";

#define RP_COLS "id, name, key_hash, may_link_signature, created_at, disabled_at"

static int prepare(struct jpki_store *s, const char *sql, sqlite3_stmt **st, struct jpki_err *err)
{
	if (sqlite3_prepare_v2(jpki_sqlite_db(s), sql, -1, st, NULL) != SQLITE_OK)
		return jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot prepare a link statement");
	return 0;
}

static int finish(struct jpki_store *s, sqlite3_stmt *st, const char *what, struct jpki_err *err)
{
	int rc =
	    sqlite3_step(st) == SQLITE_DONE ? 0 : jpki_sqlite_fail(jpki_sqlite_db(s), err, what);
	sqlite3_finalize(st);
	return rc;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

int jpki_sqlite_rp_insert(struct jpki_store *s, const struct jpki_rp_rec *r, struct jpki_err *err)
{
	sqlite3_stmt *st;
	int rc = prepare(s, "INSERT INTO relying_party (" RP_COLS ") VALUES (?, ?, ?, ?, ?, NULL)",
	                 &st, err);
	if (rc < 0)
		return rc;
	bind_text(st, 1, r->id);
	bind_text(st, 2, r->name);
	sqlite3_bind_blob(st, 3, r->key_hash, sizeof(r->key_hash), SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, r->may_link_signature ? 1 : 0);
	sqlite3_bind_int64(st, 5, r->created_at);
	return finish(s, st, "cannot register the relying party", err);
}

/* One row of RP_COLS; -1 when a value breaks what the table promises. */
static int read_rp(sqlite3_stmt *st, struct jpki_rp_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (jpki_sqlite_col_text(st, 0, out->id, sizeof(out->id)) < 0 ||
	    jpki_sqlite_col_text(st, 1, out->name, sizeof(out->name)) < 0 ||
	    sqlite3_column_bytes(st, 2) != (int)sizeof(out->key_hash))
		return -1;
	memcpy(out->key_hash, sqlite3_column_blob(st, 2), sizeof(out->key_hash));
	out->may_link_signature = sqlite3_column_int(st, 3) == 1;
	out->created_at = sqlite3_column_int64(st, 4);
	out->disabled_at = sqlite3_column_int64(st, 5);
	return 0;
}

int jpki_sqlite_rp_get(struct jpki_store *s, const char *id, struct jpki_rp_rec *out,
                       struct jpki_err *err)
{
	sqlite3_stmt *st;
	int rc = prepare(s, "SELECT " RP_COLS " FROM relying_party WHERE id = ?", &st, err);
	if (rc < 0)
		return rc;
	bind_text(st, 1, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no relying party %s", id);
	else if (step != SQLITE_ROW)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read a relying party");
	else if (read_rp(st, out) < 0)
		rc = jpki_fail(err, JPKI_E_STORE, "a malformed relying_party row");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_rp_each(struct jpki_store *s, jpki_rp_cb cb, void *arg, struct jpki_err *err)
{
	sqlite3_stmt *st;
	int rc = prepare(s, "SELECT " RP_COLS " FROM relying_party ORDER BY id", &st, err);
	int step = SQLITE_DONE;
	struct jpki_rp_rec r;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_rp(st, &r) < 0)
			rc = jpki_fail(err, JPKI_E_STORE, "a malformed relying_party row");
		else
			rc = cb(&r, arg);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot list the relying parties");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_rp_disable(struct jpki_store *s, const char *id, int64_t at, struct jpki_err *err)
{
	struct jpki_rp_rec r;
	sqlite3_stmt *st;
	int rc = jpki_sqlite_rp_get(s, id, &r, err);
	if (rc == 0 && r.disabled_at)
		rc = jpki_fail(err, JPKI_E_STATE, "relying party %s is already disabled", id);
	if (rc == 0)
		rc = prepare(s,
		             "UPDATE relying_party SET disabled_at = ? WHERE id = ? AND "
		             "disabled_at IS NULL",
		             &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, at);
	bind_text(st, 2, id);
	return finish(s, st, "cannot disable the relying party", err);
}

int jpki_sqlite_link_log_append(struct jpki_store *s, struct jpki_link_log_rec *l,
                                struct jpki_err *err)
{
	sqlite3_stmt *st;
	int rc = prepare(s,
	                 "INSERT INTO link_access (at, rp_id, action, outcome, detail) "
	                 "VALUES (?, ?, ?, ?, ?)",
	                 &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, l->at);
	bind_text(st, 2, l->rp_id);
	bind_text(st, 3, l->action);
	bind_text(st, 4, l->outcome);
	bind_text(st, 5, l->detail);
	rc = finish(s, st, "cannot append to the link access log", err);
	if (rc == 0)
		l->seq = sqlite3_last_insert_rowid(jpki_sqlite_db(s));
	return rc;
}

int jpki_sqlite_link_log_each(struct jpki_store *s, jpki_link_log_cb cb, void *arg,
                              struct jpki_err *err)
{
	sqlite3_stmt *st;
	int rc = prepare(s,
	                 "SELECT seq, at, rp_id, action, outcome, detail FROM link_access "
	                 "ORDER BY seq",
	                 &st, err);
	int step = SQLITE_DONE;
	struct jpki_link_log_rec l;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&l, 0, sizeof(l));
		l.seq = sqlite3_column_int64(st, 0);
		l.at = sqlite3_column_int64(st, 1);
		if (jpki_sqlite_col_text(st, 2, l.rp_id, sizeof(l.rp_id)) < 0 ||
		    jpki_sqlite_col_text(st, 3, l.action, sizeof(l.action)) < 0 ||
		    jpki_sqlite_col_text(st, 4, l.outcome, sizeof(l.outcome)) < 0 ||
		    jpki_sqlite_col_text(st, 5, l.detail, sizeof(l.detail)) < 0)
			rc = jpki_fail(err, JPKI_E_STORE, "a malformed link_access row");
		else
			rc = cb(&l, arg);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the link access log");
	sqlite3_finalize(st);
	return rc;
}
