/*
 * reg_credential.c: the operators' FIDO2 security keys (schema 9,
 * operator_rec.h, operator/webauthn.h) on any engine (sql.h).  A credential
 * id is unique across all operators (WebAuthn L2 §7.1 step 22); keys are
 * disabled, never deleted.  Every row read back is checked field by field:
 * one that does not hold a key is a STORE error naming it, never a key.
 */
#include <inttypes.h>
#include <string.h>

#include "reg_int.h"
#include "sql.h"

#define CRED_COLS                                                                                  \
	"id, operator_id, credential_id, public_key, alg, sign_count, aaguid, label, "             \
	"created_by, created_at, last_used_at, disabled_at"

enum {
	Q_CREDENTIAL_INSERT = JPKI_SQL_CREDENTIAL_BASE,
	Q_CREDENTIAL_FIND,
	Q_CREDENTIAL_GET,
	Q_CREDENTIAL_EACH,
	Q_CREDENTIAL_UPDATE,
	Q_CREDENTIAL_END
};

#define AT(id) [(id)-JPKI_SQL_CREDENTIAL_BASE]
static const char *const q_credential_text[Q_CREDENTIAL_END - JPKI_SQL_CREDENTIAL_BASE] = {
    AT(Q_CREDENTIAL_INSERT) =
        "INSERT INTO operator_credential (id, operator_id, credential_id, public_key, alg,"
        " sign_count, aaguid, label, created_by, created_at, last_used_at, disabled_at)"
        " VALUES ((SELECT coalesce(max(id), 0) + 1 FROM operator_credential),"
        " ?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id",
    AT(Q_CREDENTIAL_FIND) = "SELECT " CRED_COLS " FROM operator_credential WHERE credential_id = ?",
    AT(Q_CREDENTIAL_GET) = "SELECT " CRED_COLS " FROM operator_credential WHERE id = ?",
    AT(Q_CREDENTIAL_EACH) =
        "SELECT " CRED_COLS " FROM operator_credential WHERE operator_id = ? ORDER BY id",
    AT(Q_CREDENTIAL_UPDATE) = ("UPDATE operator_credential SET sign_count = ?2,"
                               " last_used_at = ?3, disabled_at = ?4 WHERE id = ?1"),
};

const struct jpki_sql_table jpki_reg_credential_sql = {
    JPKI_SQL_CREDENTIAL_BASE, Q_CREDENTIAL_END - JPKI_SQL_CREDENTIAL_BASE, q_credential_text};

int jpki_reg_credential_insert(struct jpki_store *s, struct jpki_credential_rec *c,
                               struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_CREDENTIAL_INSERT);
	jpki_sql_bind_text(st, 1, c->operator_id);
	jpki_sql_bind_blob(st, 2, c->credential_id, c->credential_id_len);
	jpki_sql_bind_blob(st, 3, c->public_key, c->public_key_len);
	jpki_sql_bind_i64(st, 4, c->alg);
	jpki_sql_bind_i64(st, 5, c->sign_count);
	jpki_sql_bind_blob(st, 6, c->aaguid, sizeof(c->aaguid));
	jpki_sql_bind_text(st, 7, c->label);
	jpki_sql_bind_text(st, 8, c->created_by);
	jpki_sql_bind_i64(st, 9, c->created_at);
	jpki_sql_bind_i64(st, 10, c->last_used_at);
	jpki_sql_bind_i64(st, 11, c->disabled_at);
	int rc = jpki_sql_insert(st, &c->id, "cannot record a security key", err);
	if (rc == -JPKI_E_EXISTS)
		return jpki_fail(err, JPKI_E_EXISTS, "this security key is registered already");
	return rc;
}

/* A blob column of 1 to cap bytes (exactly cap when exact) into dst; false otherwise. */
static bool col_blob(struct jpki_sql_stmt *st, int col, uint8_t *dst, size_t cap, bool exact,
                     size_t *len)
{
	size_t n = 0;
	const uint8_t *p =
	    jpki_sql_col_kind(st, col) == JPKI_SQL_BLOB ? jpki_sql_col_blob(st, col, &n) : NULL;
	if (!p || n == 0 || n > cap || (exact && n != cap))
		return false;
	memcpy(dst, p, n);
	*len = n;
	return true;
}

static bool col_instant(struct jpki_sql_stmt *st, int col, int64_t *out)
{
	*out = jpki_sql_col_i64(st, col);
	return jpki_sql_col_kind(st, col) == JPKI_SQL_INT && *out >= 0;
}

static int row(struct jpki_sql_stmt *st, struct jpki_credential_rec *c, struct jpki_err *err)
{
	memset(c, 0, sizeof(*c));
	size_t aaguid_len;
	c->id = jpki_sql_col_i64(st, 0);
	int64_t alg = jpki_sql_col_i64(st, 4), count = jpki_sql_col_i64(st, 5);
	bool ok =
	    jpki_sql_col_text(st, 1, c->operator_id, sizeof(c->operator_id)) == 0 &&
	    col_blob(st, 2, c->credential_id, sizeof(c->credential_id), false,
	             &c->credential_id_len) &&
	    col_blob(st, 3, c->public_key, sizeof(c->public_key), false, &c->public_key_len) &&
	    (alg == -7 || alg == -8) && jpki_sql_col_kind(st, 5) == JPKI_SQL_INT && count >= 0 &&
	    count <= UINT32_MAX &&
	    col_blob(st, 6, c->aaguid, sizeof(c->aaguid), true, &aaguid_len) &&
	    jpki_sql_col_text(st, 7, c->label, sizeof(c->label)) == 0 &&
	    jpki_sql_col_text(st, 8, c->created_by, sizeof(c->created_by)) == 0 &&
	    col_instant(st, 9, &c->created_at) && col_instant(st, 10, &c->last_used_at) &&
	    col_instant(st, 11, &c->disabled_at);
	if (!ok)
		return jpki_fail(err, JPKI_E_STORE, "security key %" PRId64 " is damaged", c->id);
	c->alg = (int)alg;
	c->sign_count = (uint32_t)count;
	return 0;
}

/* The one row of st, NOT_FOUND (what) when there is none. */
static int one(struct jpki_sql_stmt *st, struct jpki_credential_rec *out, const char *what,
               struct jpki_err *err)
{
	int step = jpki_sql_step(st), rc;
	if (step == JPKI_SQL_ROW)
		rc = row(st, out, err);
	else if (step == JPKI_SQL_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "%s", what);
	else
		rc = jpki_sql_fail(st, err, "cannot read the security keys");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_credential_find(struct jpki_store *s, const uint8_t *cred_id, size_t len,
                             struct jpki_credential_rec *out, struct jpki_err *err)
{
	if (!cred_id || len == 0 || len > JPKI_CREDENTIAL_ID_MAX)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no such security key");
	struct jpki_sql_stmt *st = jpki_q(s, Q_CREDENTIAL_FIND);
	jpki_sql_bind_blob(st, 1, cred_id, len);
	return one(st, out, "no such security key", err);
}

int jpki_reg_credential_get(struct jpki_store *s, int64_t id, struct jpki_credential_rec *out,
                            struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_CREDENTIAL_GET);
	jpki_sql_bind_i64(st, 1, id);
	return one(st, out, "no such security key", err);
}

int jpki_reg_credential_each(struct jpki_store *s, const char *operator_id, jpki_credential_cb cb,
                             void *arg, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_CREDENTIAL_EACH);
	struct jpki_credential_rec c;
	int rc = 0, step = 0;
	jpki_sql_bind_text(st, 1, operator_id);
	while (rc == 0 && (step = jpki_sql_step(st)) == JPKI_SQL_ROW)
		if ((rc = row(st, &c, err)) == 0)
			rc = cb(&c, arg);
	if (rc == 0 && step != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot read the security keys");
	jpki_sql_reset(st);
	return rc;
}

/* What a use or an officer changes: the sign counter, the last use, disabling. */
int jpki_reg_credential_update(struct jpki_store *s, const struct jpki_credential_rec *c,
                               struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_CREDENTIAL_UPDATE);
	jpki_sql_bind_i64(st, 1, c->id);
	jpki_sql_bind_i64(st, 2, c->sign_count);
	jpki_sql_bind_i64(st, 3, c->last_used_at);
	jpki_sql_bind_i64(st, 4, c->disabled_at);
	int rc = jpki_sql_done(st, "cannot update a security key", err);
	if (rc == 0 && jpki_sql_changes(st) != 1)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no security key %" PRId64, c->id);
	return rc;
}
