/*
 * sqlite_credential.c: the operators' FIDO2 security keys in the SQLite
 * registry (schema 9, operator_rec.h, operator/webauthn.h).  A credential id
 * is unique across all operators (WebAuthn L2 §7.1 step 22); keys are
 * disabled, never deleted.  Every row read back is checked field by field:
 * one that does not hold a key is a STORE error naming it, never a key.
 */
#include <inttypes.h>
#include <string.h>

#include "sqlite_int.h"

const char jpki_sqlite_credential_schema[] =
    "CREATE TABLE operator_credential ("
    " id INTEGER PRIMARY KEY,"
    " operator_id TEXT NOT NULL REFERENCES operator (id),"
    " credential_id BLOB NOT NULL UNIQUE"
    "  CHECK (length(credential_id) BETWEEN 1 AND 1023),"
    " public_key BLOB NOT NULL, alg INTEGER NOT NULL CHECK (alg IN (-7, -8)),"
    " sign_count INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),"
    " aaguid BLOB NOT NULL CHECK (length(aaguid) = 16),"
    " label TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " last_used_at INTEGER NOT NULL, disabled_at INTEGER NOT NULL);"
    "CREATE INDEX operator_credential_by_operator ON operator_credential (operator_id);"
    "CREATE TRIGGER operator_credential_no_delete BEFORE DELETE ON operator_credential"
    " BEGIN SELECT RAISE(ABORT, 'security keys are disabled, never deleted'); END;";

#define CRED_COLS                                                                                  \
	"id, operator_id, credential_id, public_key, alg, sign_count, aaguid, label, "             \
	"created_by, created_at, last_used_at, disabled_at"

static int prepare(struct jpki_store *s, const char *sql, sqlite3_stmt **st, struct jpki_err *err)
{
	if (sqlite3_prepare_v2(jpki_sqlite_db(s), sql, -1, st, NULL) != SQLITE_OK)
		return jpki_sqlite_fail(jpki_sqlite_db(s), err,
		                        "cannot prepare a security key statement");
	return 0;
}

int jpki_sqlite_credential_insert(struct jpki_store *s, struct jpki_credential_rec *c,
                                  struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s,
	                 "INSERT INTO operator_credential (operator_id, credential_id, public_key,"
	                 " alg, sign_count, aaguid, label, created_by, created_at, last_used_at,"
	                 " disabled_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	                 &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, c->operator_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, c->credential_id, (int)c->credential_id_len, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, c->public_key, (int)c->public_key_len, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, c->alg);
	sqlite3_bind_int64(st, 5, c->sign_count);
	sqlite3_bind_blob(st, 6, c->aaguid, sizeof(c->aaguid), SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, c->label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, c->created_by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 9, c->created_at);
	sqlite3_bind_int64(st, 10, c->last_used_at);
	sqlite3_bind_int64(st, 11, c->disabled_at);
	if (sqlite3_step(st) == SQLITE_DONE)
		c->id = sqlite3_last_insert_rowid(jpki_sqlite_db(s));
	else if (sqlite3_extended_errcode(jpki_sqlite_db(s)) == SQLITE_CONSTRAINT_UNIQUE)
		rc = jpki_fail(err, JPKI_E_EXISTS, "this security key is registered already");
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot record a security key");
	sqlite3_finalize(st);
	return rc;
}

/* A blob column of 1 to cap bytes (exactly cap when exact) into dst; false otherwise. */
static bool col_blob(sqlite3_stmt *st, int col, uint8_t *dst, size_t cap, bool exact, size_t *len)
{
	if (sqlite3_column_type(st, col) != SQLITE_BLOB)
		return false;
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	if (!p || n <= 0 || (size_t)n > cap || (exact && (size_t)n != cap))
		return false;
	memcpy(dst, p, (size_t)n);
	*len = (size_t)n;
	return true;
}

static bool col_instant(sqlite3_stmt *st, int col, int64_t *out)
{
	*out = sqlite3_column_int64(st, col);
	return sqlite3_column_type(st, col) == SQLITE_INTEGER && *out >= 0;
}

static int row(sqlite3_stmt *st, struct jpki_credential_rec *c, struct jpki_err *err)
{
	memset(c, 0, sizeof(*c));
	size_t aaguid_len;
	c->id = sqlite3_column_int64(st, 0);
	int64_t alg = sqlite3_column_int64(st, 4), count = sqlite3_column_int64(st, 5);
	bool ok =
	    jpki_sqlite_col_text(st, 1, c->operator_id, sizeof(c->operator_id)) == 0 &&
	    col_blob(st, 2, c->credential_id, sizeof(c->credential_id), false,
	             &c->credential_id_len) &&
	    col_blob(st, 3, c->public_key, sizeof(c->public_key), false, &c->public_key_len) &&
	    (alg == -7 || alg == -8) && sqlite3_column_type(st, 5) == SQLITE_INTEGER &&
	    count >= 0 && count <= UINT32_MAX &&
	    col_blob(st, 6, c->aaguid, sizeof(c->aaguid), true, &aaguid_len) &&
	    jpki_sqlite_col_text(st, 7, c->label, sizeof(c->label)) == 0 &&
	    jpki_sqlite_col_text(st, 8, c->created_by, sizeof(c->created_by)) == 0 &&
	    col_instant(st, 9, &c->created_at) && col_instant(st, 10, &c->last_used_at) &&
	    col_instant(st, 11, &c->disabled_at);
	if (!ok)
		return jpki_fail(err, JPKI_E_STORE, "security key %" PRId64 " is damaged", c->id);
	c->alg = (int)alg;
	c->sign_count = (uint32_t)count;
	return 0;
}

/* The one row of st, NOT_FOUND (what) when there is none. */
static int one(struct jpki_store *s, sqlite3_stmt *st, struct jpki_credential_rec *out,
               const char *what, struct jpki_err *err)
{
	int step = sqlite3_step(st), rc;
	if (step == SQLITE_ROW)
		rc = row(st, out, err);
	else if (step == SQLITE_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "%s", what);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the security keys");
	sqlite3_finalize(st);
	return rc;
}

int jpki_sqlite_credential_find(struct jpki_store *s, const uint8_t *cred_id, size_t len,
                                struct jpki_credential_rec *out, struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	if (!cred_id || len == 0 || len > JPKI_CREDENTIAL_ID_MAX)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no such security key");
	int rc = prepare(s, "SELECT " CRED_COLS " FROM operator_credential WHERE credential_id = ?",
	                 &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_blob(st, 1, cred_id, (int)len, SQLITE_TRANSIENT);
	return one(s, st, out, "no such security key", err);
}

int jpki_sqlite_credential_get(struct jpki_store *s, int64_t id, struct jpki_credential_rec *out,
                               struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, "SELECT " CRED_COLS " FROM operator_credential WHERE id = ?", &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	return one(s, st, out, "no such security key", err);
}

int jpki_sqlite_credential_each(struct jpki_store *s, const char *operator_id,
                                jpki_credential_cb cb, void *arg, struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s,
	                 "SELECT " CRED_COLS
	                 " FROM operator_credential WHERE operator_id = ? ORDER BY id",
	                 &st, err),
	    step = 0;
	struct jpki_credential_rec c;
	if (rc == 0)
		sqlite3_bind_text(st, 1, operator_id, -1, SQLITE_TRANSIENT);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row(st, &c, err)) == 0)
			rc = cb(&c, arg);
	if (rc == 0 && step != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the security keys");
	sqlite3_finalize(st);
	return rc;
}

/* What a use or an officer changes: the sign counter, the last use, disabling. */
int jpki_sqlite_credential_update(struct jpki_store *s, const struct jpki_credential_rec *c,
                                  struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s,
	                 "UPDATE operator_credential SET sign_count = ?2, last_used_at = ?3,"
	                 " disabled_at = ?4 WHERE id = ?1",
	                 &st, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, c->sign_count);
	sqlite3_bind_int64(st, 3, c->last_used_at);
	sqlite3_bind_int64(st, 4, c->disabled_at);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot update a security key");
	else if (sqlite3_changes(jpki_sqlite_db(s)) != 1)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no security key %" PRId64, c->id);
	sqlite3_finalize(st);
	return rc;
}
