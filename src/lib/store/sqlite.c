/*
 * sqlite.c: the embedded registry backend.
 *
 * One SQLite file in WAL mode with synchronous=FULL: a committed issuance
 * survives a power cut, and readers (the publication server) never block
 * the writer.  Statements are prepared once per connection.  Every row read
 * back is checked (dates parse, enums are in range, text fits its field)
 * before it reaches domain code: a damaged file gives JPKI_E_STORE, never
 * a wrong certificate.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/hex.h"
#include "jpki/date.h"
#include "sqlite_int.h"

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_RES_INSERT,
	ST_RES_GET,
	ST_RES_UPDATE,
	ST_RES_EACH,
	ST_CERT_INSERT,
	ST_CERT_GET,
	ST_CERT_GET_NODER,
	ST_CERT_CURRENT,
	ST_CERT_EACH_ALL,
	ST_CERT_EACH_RES,
	ST_CERT_REVOKE,
	ST_REVOKED_SCAN_ALL,
	ST_REVOKED_SCAN_PART,
	ST_CRL_NEXT,
	ST_CRL_GET,
	ST_REVVER_BUMP,
	ST_REVVER_GET,
	ST_META_GET,
	ST_META_SET,
	ST_CRL_FLOOR,
	ST_HOLD_RESOLVE,
	ST_CERT_EXPIRING,
	ST_COUNT
};

#define RES_COLS                                                                                   \
	"id, family_name, given_name, name_subst, address, address_subst, birth_date, sex, "       \
	"former_surname, alias, adult_ward, status, residence_end"
#define CERT_COLS                                                                                  \
	"id, serial, kind, resident_id, not_before, not_after, issued_at, status, "                \
	"revoked_at, reason, subject_cn, renewal, crl_partition, invalid_at"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_RES_INSERT] = "INSERT INTO resident (family_name, given_name, name_subst, address, "
                      "address_subst, birth_date, sex, former_surname, alias, adult_ward, "
                      "status, residence_end, created_at, updated_at) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_RES_GET] = "SELECT " RES_COLS " FROM resident WHERE id = ?",
    [ST_RES_UPDATE] = "UPDATE resident SET family_name=?, given_name=?, name_subst=?, "
                      "address=?, address_subst=?, birth_date=?, sex=?, former_surname=?, "
                      "alias=?, adult_ward=?, status=?, residence_end=?, updated_at=? "
                      "WHERE id=?",
    [ST_RES_EACH] = "SELECT " RES_COLS " FROM resident ORDER BY id",
    [ST_CERT_INSERT] = "INSERT INTO certificate (serial, kind, resident_id, not_before, "
                       "not_after, issued_at, status, subject_cn, renewal, der, crl_partition) "
                       "VALUES (?,?,?,?,?,?,0,?,?,?,?)",
    [ST_CERT_GET] = "SELECT " CERT_COLS ", der FROM certificate WHERE serial = ?",
    /* without the DER (~1.3 KB, overflow pages): the OCSP responder's lookup */
    [ST_CERT_GET_NODER] = "SELECT " CERT_COLS " FROM certificate WHERE serial = ?",
    [ST_CERT_CURRENT] = "SELECT " CERT_COLS " FROM certificate WHERE resident_id = ? AND "
                        "kind = ? AND status = 0 AND not_after >= ? ORDER BY id DESC LIMIT 1",
    [ST_CERT_EACH_ALL] = "SELECT " CERT_COLS " FROM certificate ORDER BY id",
    [ST_CERT_EACH_RES] = "SELECT " CERT_COLS " FROM certificate WHERE resident_id = ? ORDER BY id",
    [ST_CERT_REVOKE] = "UPDATE certificate SET status = 1, revoked_at = ?, reason = ? "
                       "WHERE serial = ? AND status = 0",
    /* "status = 1" literally, so the planner may use the partial index (portable: no INDEXED BY) */
    [ST_REVOKED_SCAN_ALL] = "SELECT serial, revoked_at, reason, invalid_at FROM certificate "
                            "WHERE status = 1 AND kind = ?1 AND revoked_at >= ?3 "
                            "AND not_after >= ?4",
    [ST_REVOKED_SCAN_PART] = "SELECT serial, revoked_at, reason, invalid_at FROM certificate "
                             "WHERE status = 1 AND kind = ?1 AND crl_partition = ?2 "
                             "AND revoked_at >= ?3 AND not_after >= ?4",
    [ST_CRL_NEXT] = "UPDATE ca_counter SET crl_number = crl_number + 1 WHERE kind = ?",
    [ST_CRL_GET] = "SELECT crl_number FROM ca_counter WHERE kind = ?",
    [ST_REVVER_BUMP] = "UPDATE ca_counter SET revocation_version = revocation_version + 1 "
                       "WHERE kind = ?",
    [ST_REVVER_GET] = "SELECT revocation_version FROM ca_counter WHERE kind = ?",
    [ST_META_GET] = "SELECT value FROM registry_meta WHERE key = ?",
    [ST_META_SET] = "INSERT INTO registry_meta (key, value) VALUES (?1, ?2) "
                    "ON CONFLICT (key) DO UPDATE SET value = ?2",
    [ST_CRL_FLOOR] = "UPDATE ca_counter SET crl_number = ?2 WHERE kind = ?1 AND crl_number < ?2",
    /*
     * RFC 5280 §5.3.1: a hold becomes a final reason, dated now so delta CRLs carry it; the
     * hold's own date stays as the invalidityDate (§5.3.2), when the key was last trusted
     * (SQLite evaluates every SET expression with the row as it was)
     */
    [ST_HOLD_RESOLVE] = "UPDATE certificate SET reason = ?2, invalid_at = revoked_at, "
                        "revoked_at = ?3 "
                        "WHERE serial = ?1 AND status = 1 AND reason = 6",
    /* "status = 0" literally: the partial index certificate_valid_by_expiry (schema 3) */
    [ST_CERT_EXPIRING] = "SELECT " CERT_COLS " FROM certificate WHERE status = 0 AND "
                         "not_after >= ?1 AND not_after <= ?2",
};

/* Schema migrations; entry i brings version i to i+1.  Never edit a shipped one. */
static const char *const migrations[] = {
    "CREATE TABLE resident ("
    " id INTEGER PRIMARY KEY,"
    " family_name TEXT NOT NULL, given_name TEXT NOT NULL, name_subst TEXT NOT NULL,"
    " address TEXT NOT NULL, address_subst TEXT NOT NULL,"
    " birth_date TEXT NOT NULL, sex INTEGER NOT NULL CHECK (sex IN (1, 2, 3)),"
    " former_surname TEXT NOT NULL, alias TEXT NOT NULL,"
    " adult_ward INTEGER NOT NULL CHECK (adult_ward IN (0, 1)),"
    " status INTEGER NOT NULL CHECK (status IN (0, 1, 2)),"
    " residence_end TEXT,"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE certificate ("
    " id INTEGER PRIMARY KEY,"
    " serial TEXT NOT NULL UNIQUE,"
    " kind INTEGER NOT NULL CHECK (kind IN (0, 1)),"
    " resident_id INTEGER NOT NULL REFERENCES resident (id),"
    " not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, issued_at INTEGER NOT NULL,"
    " status INTEGER NOT NULL CHECK (status IN (0, 1)),"
    " revoked_at INTEGER, reason INTEGER,"
    " subject_cn TEXT NOT NULL, renewal INTEGER NOT NULL,"
    " der BLOB NOT NULL, crl_partition INTEGER NOT NULL);"
    "CREATE INDEX certificate_by_resident ON certificate (resident_id, kind);"
    /* revoked only (partial), covering what CRLs read: index-only scans per CA and partition
     * (status too: SQLite before 3.42 counts the partial index's own WHERE column as read) */
    "CREATE INDEX certificate_revoked ON certificate"
    " (kind, crl_partition, revoked_at, serial, reason, not_after, status) WHERE status = 1;"
    "CREATE TABLE ca_counter ("
    " kind INTEGER PRIMARY KEY, crl_number INTEGER NOT NULL,"
    " revocation_version INTEGER NOT NULL);"
    "INSERT INTO ca_counter (kind, crl_number, revocation_version) VALUES (0, 0, 0);"
    "INSERT INTO ca_counter (kind, crl_number, revocation_version) VALUES (1, 0, 0);",
    /* 2: what the registry knows of itself: its id and the CAs it belongs to (binding.h) */
    "CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 3: the counter's cases, audit log, receipts, forms and notices (sqlite_counter.c) */
    jpki_sqlite_counter_schema,
    /* 4: a hold made final keeps its date (invalidityDate); the CRLs' covering index with it */
    "ALTER TABLE certificate ADD COLUMN invalid_at INTEGER;"
    "DROP INDEX certificate_revoked;"
    "CREATE INDEX certificate_revoked ON certificate"
    " (kind, crl_partition, revoked_at, serial, reason, not_after, status, invalid_at)"
    " WHERE status = 1;",
    /* 5: the linking service's relying parties and access log (sqlite_link.c) */
    jpki_sqlite_link_schema,
    /* 6: the audit log's Merkle tree (sqlite_counter.c, audit/log.h) */
    jpki_sqlite_audit_tree_schema,
    /* 7: the counter's operators (sqlite_operator.c) */
    jpki_sqlite_operator_schema,
    /* 8: four-eyes requests and their approvals (sqlite_operator.c) */
    jpki_sqlite_approval_schema,
    /* 9: the operators' FIDO2 security keys (sqlite_credential.c) */
    jpki_sqlite_credential_schema,
};

struct sqlite_store {
	struct jpki_store base;
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct sqlite_counter *counter;
};

static struct sqlite_store *S(struct jpki_store *s)
{
	return (struct sqlite_store *)s;
}

sqlite3 *jpki_sqlite_db(struct jpki_store *s)
{
	return S(s)->db;
}

struct sqlite_counter *jpki_sqlite_counter(struct jpki_store *s)
{
	return S(s)->counter;
}

int jpki_sqlite_fail(sqlite3 *db, struct jpki_err *err, const char *what)
{
	int ext = sqlite3_extended_errcode(db);
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return jpki_fail(err, JPKI_E_EXISTS, "%s: %s", what, sqlite3_errmsg(db));
	return jpki_fail(err, JPKI_E_STORE, "%s: %s", what, sqlite3_errmsg(db));
}

static int db_fail(struct sqlite_store *ss, struct jpki_err *err, const char *what)
{
	return jpki_sqlite_fail(ss->db, err, what);
}

static sqlite3_stmt *stmt(struct sqlite_store *ss, enum stmt_id id)
{
	sqlite3_stmt *st = ss->st[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int exec_simple(struct sqlite_store *ss, enum stmt_id id, struct jpki_err *err)
{
	sqlite3_stmt *st = stmt(ss, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(ss, err, stmt_sql[id]);
}

/* ---- rows <-> structs, with checks on the way in ---- */

int jpki_sqlite_col_text(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	if (!t || n < 0 || (size_t)n >= cap)
		return -1;
	memcpy(dst, t, (size_t)n);
	dst[n] = '\0';
	return strlen(dst) == (size_t)n ? 0 : -1; /* no embedded NUL */
}

static int col_text(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	return jpki_sqlite_col_text(st, col, dst, cap);
}

static int col_date(sqlite3_stmt *st, int col, struct jpki_date *out)
{
	char buf[16];
	if (col_text(st, col, buf, sizeof(buf)) < 0)
		return -1;
	return jpki_date_parse(buf, out, NULL);
}

static int row_to_resident(sqlite3_stmt *st, struct jpki_resident *r, struct jpki_err *err)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	int64_t sex = sqlite3_column_int64(st, 7), ward = sqlite3_column_int64(st, 10),
	        status = sqlite3_column_int64(st, 11);
	bool ok = col_text(st, 1, r->family, sizeof(r->family)) == 0 &&
	          col_text(st, 2, r->given, sizeof(r->given)) == 0 &&
	          col_text(st, 3, r->name_subst, sizeof(r->name_subst)) == 0 &&
	          col_text(st, 4, r->address, sizeof(r->address)) == 0 &&
	          col_text(st, 5, r->address_subst, sizeof(r->address_subst)) == 0 &&
	          col_date(st, 6, &r->birth) == 0 && sex >= 1 && sex <= 3 &&
	          col_text(st, 8, r->former_surname, sizeof(r->former_surname)) == 0 &&
	          col_text(st, 9, r->alias, sizeof(r->alias)) == 0 && (ward == 0 || ward == 1) &&
	          status >= 0 && status <= 2;
	if (ok && sqlite3_column_type(st, 12) != SQLITE_NULL) {
		r->has_residence_end = true;
		ok = col_date(st, 12, &r->residence_end) == 0;
	}
	if (!ok)
		return jpki_fail(err, JPKI_E_STORE, "resident row %" PRId64 " is damaged", r->id);
	r->sex = (enum jpki_sex)sex;
	r->adult_ward = ward == 1;
	r->status = (enum jpki_residence)status;
	return 0;
}

static void bind_resident(sqlite3_stmt *st, const struct jpki_resident *r, int64_t now)
{
	char birth[11], rend[11];
	jpki_date_format(r->birth, birth);
	sqlite3_bind_text(st, 1, r->family, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->given, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, r->name_subst, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, r->address, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, r->address_subst, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, birth, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, (int)r->sex);
	sqlite3_bind_text(st, 8, r->former_surname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, r->alias, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 10, r->adult_ward ? 1 : 0);
	sqlite3_bind_int(st, 11, (int)r->status);
	if (r->has_residence_end) {
		jpki_date_format(r->residence_end, rend);
		sqlite3_bind_text(st, 12, rend, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, 12);
	}
	sqlite3_bind_int64(st, 13, now);
}

static int row_to_cert(sqlite3_stmt *st, bool with_der, struct jpki_cert_rec *c,
                       struct jpki_err *err)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	int64_t kind = sqlite3_column_int64(st, 2), status = sqlite3_column_int64(st, 7),
	        reason = sqlite3_column_int64(st, 9);
	bool ok = col_text(st, 1, c->serial, sizeof(c->serial)) == 0 && (kind == 0 || kind == 1) &&
	          (status == 0 || status == 1) && reason >= 0 && reason <= 10 &&
	          col_text(st, 10, c->subject_cn, sizeof(c->subject_cn)) == 0;
	if (!ok)
		return jpki_fail(err, JPKI_E_STORE, "certificate row %" PRId64 " is damaged",
		                 c->id);
	c->kind = (enum jpki_kind)kind;
	c->resident_id = sqlite3_column_int64(st, 3);
	c->not_before = sqlite3_column_int64(st, 4);
	c->not_after = sqlite3_column_int64(st, 5);
	c->issued_at = sqlite3_column_int64(st, 6);
	c->status = (enum jpki_cert_status)status;
	c->revoked_at = sqlite3_column_int64(st, 8);
	c->reason = (enum jpki_reason)reason;
	c->renewal = sqlite3_column_int64(st, 11) != 0;
	int64_t part = sqlite3_column_int64(st, 12);
	if (part < 0 || part >= JPKI_CRL_PARTITIONS)
		return jpki_fail(err, JPKI_E_STORE, "certificate row %" PRId64 " is damaged",
		                 c->id);
	c->crl_partition = (int)part;
	c->invalid_at = sqlite3_column_int64(st, 13); /* NULL reads as 0 */
	if (with_der) {
		const void *der = sqlite3_column_blob(st, 14);
		int n = sqlite3_column_bytes(st, 14);
		if (!der || n <= 0)
			return jpki_fail(err, JPKI_E_STORE,
			                 "certificate row %" PRId64 " has no DER", c->id);
		c->der = malloc((size_t)n);
		if (!c->der)
			return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		memcpy(c->der, der, (size_t)n);
		c->der_len = (size_t)n;
	}
	return 0;
}

/* ---- operations ---- */

static void op_close(struct jpki_store *s)
{
	struct sqlite_store *ss = S(s);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(ss->st[i]);
	jpki_sqlite_counter_free(ss->counter);
	sqlite3_close(ss->db);
	free(ss);
}

static int op_begin(struct jpki_store *s, struct jpki_err *err)
{
	return exec_simple(S(s), ST_BEGIN, err);
}

static int op_commit(struct jpki_store *s, struct jpki_err *err)
{
	return exec_simple(S(s), ST_COMMIT, err);
}

static void op_rollback(struct jpki_store *s)
{
	struct sqlite_store *ss = S(s);
	if (!sqlite3_get_autocommit(ss->db))
		(void)exec_simple(ss, ST_ROLLBACK, NULL);
	s->audit_appended = 0; /* what it appended is gone */
}

static int op_resident_insert(struct jpki_store *s, struct jpki_resident *r, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	int64_t now;
	int rc = jpki_ctx_now(s->ctx, &now, err);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = stmt(ss, ST_RES_INSERT);
	bind_resident(st, r, now);
	sqlite3_bind_int64(st, 14, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(ss, err, "cannot add resident");
	r->id = sqlite3_last_insert_rowid(ss->db);
	return 0;
}

static int op_resident_get(struct jpki_store *s, int64_t id, struct jpki_resident *out,
                           struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_RES_GET);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no resident with id %" PRId64, id);
	if (rc != SQLITE_ROW)
		return db_fail(ss, err, "cannot read resident");
	rc = row_to_resident(st, out, err);
	sqlite3_reset(st);
	return rc;
}

static int op_resident_update(struct jpki_store *s, const struct jpki_resident *r,
                              struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	int64_t now;
	int rc = jpki_ctx_now(s->ctx, &now, err);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = stmt(ss, ST_RES_UPDATE);
	bind_resident(st, r, now);
	sqlite3_bind_int64(st, 14, r->id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(ss, err, "cannot update resident");
	if (sqlite3_changes(ss->db) != 1)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no resident with id %" PRId64, r->id);
	return 0;
}

static int op_resident_each(struct jpki_store *s, jpki_resident_cb cb, void *arg,
                            struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_RES_EACH);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct jpki_resident r;
		int crc = row_to_resident(st, &r, err);
		if (crc == 0)
			crc = cb(&r, arg);
		if (crc != 0) {
			sqlite3_reset(st);
			return crc;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(ss, err, "cannot list residents");
}

static int op_resident_find(struct jpki_store *s, const char *family, const char *given,
                            const char *birth, int limit, jpki_resident_cb cb, void *arg,
                            struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(ss->db,
	                       "SELECT " RES_COLS " FROM resident WHERE family_name = ?1"
	                       " AND (?2 IS NULL OR given_name = ?2)"
	                       " AND (?3 IS NULL OR birth_date = ?3) ORDER BY id LIMIT ?4",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot search residents");
	sqlite3_bind_text(st, 1, family, -1, SQLITE_TRANSIENT);
	if (given)
		sqlite3_bind_text(st, 2, given, -1, SQLITE_TRANSIENT);
	if (birth)
		sqlite3_bind_text(st, 3, birth, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, limit);
	int rc, crc = 0;
	while (crc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct jpki_resident r;
		crc = row_to_resident(st, &r, err);
		if (crc == 0)
			crc = cb(&r, arg);
	}
	if (crc == 0 && rc != SQLITE_DONE)
		crc = db_fail(ss, err, "cannot search residents");
	sqlite3_finalize(st);
	return crc;
}

static int op_cert_insert(struct jpki_store *s, struct jpki_cert_rec *c, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_CERT_INSERT);
	sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)c->kind);
	sqlite3_bind_int64(st, 3, c->resident_id);
	sqlite3_bind_int64(st, 4, c->not_before);
	sqlite3_bind_int64(st, 5, c->not_after);
	sqlite3_bind_int64(st, 6, c->issued_at);
	sqlite3_bind_text(st, 7, c->subject_cn, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, c->renewal ? 1 : 0);
	sqlite3_bind_blob(st, 9, c->der, (int)c->der_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, c->crl_partition);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(ss, err, "cannot record certificate");
	c->id = sqlite3_last_insert_rowid(ss->db);
	return 0;
}

static int op_cert_get(struct jpki_store *s, const char *serial, bool with_der,
                       struct jpki_cert_rec *out, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, with_der ? ST_CERT_GET : ST_CERT_GET_NODER);
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no certificate with serial %.40s", serial);
	if (rc != SQLITE_ROW)
		return db_fail(ss, err, "cannot read certificate");
	rc = row_to_cert(st, with_der, out, err);
	sqlite3_reset(st);
	return rc;
}

static int op_cert_current(struct jpki_store *s, int64_t resident_id, enum jpki_kind kind,
                           int64_t at, struct jpki_cert_rec *out, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_CERT_CURRENT);
	sqlite3_bind_int64(st, 1, resident_id);
	sqlite3_bind_int(st, 2, (int)kind);
	sqlite3_bind_int64(st, 3, at);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no current %s certificate",
		                 jpki_kind_name(kind));
	}
	if (rc != SQLITE_ROW)
		return db_fail(ss, err, "cannot read certificate");
	rc = row_to_cert(st, false, out, err);
	sqlite3_reset(st);
	return rc;
}

static int each_row(struct sqlite_store *ss, sqlite3_stmt *st, jpki_cert_cb cb, void *arg,
                    struct jpki_err *err);

static int op_cert_each(struct jpki_store *s, int64_t resident_id, jpki_cert_cb cb, void *arg,
                        struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, resident_id ? ST_CERT_EACH_RES : ST_CERT_EACH_ALL);
	if (resident_id)
		sqlite3_bind_int64(st, 1, resident_id);
	return each_row(ss, st, cb, arg, err);
}

static int op_cert_expiring(struct jpki_store *s, int64_t from, int64_t to, jpki_cert_cb cb,
                            void *arg, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_CERT_EXPIRING);
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	return each_row(ss, st, cb, arg, err);
}

static int each_row(struct sqlite_store *ss, sqlite3_stmt *st, jpki_cert_cb cb, void *arg,
                    struct jpki_err *err)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct jpki_cert_rec c;
		int crc = row_to_cert(st, false, &c, err);
		if (crc == 0)
			crc = cb(&c, arg);
		if (crc != 0) {
			sqlite3_reset(st);
			return crc;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(ss, err, "cannot list certificates");
}

static int op_cert_revoke(struct jpki_store *s, const char *serial, int64_t at,
                          enum jpki_reason reason, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	struct jpki_cert_rec c;
	int rc = op_cert_get(s, serial, false, &c, err);
	if (rc < 0)
		return rc;
	if (c.status == JPKI_CERT_REVOKED)
		return jpki_fail(err, JPKI_E_STATE, "certificate %s is already revoked", serial);
	sqlite3_stmt *st = stmt(ss, ST_CERT_REVOKE);
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int(st, 2, (int)reason);
	sqlite3_bind_text(st, 3, serial, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(ss, err, "cannot revoke certificate");
	st = stmt(ss, ST_REVVER_BUMP);
	sqlite3_bind_int(st, 1, (int)c.kind);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(ss, err, "cannot revoke certificate");
	return 0;
}

static int op_cert_hold_resolve(struct jpki_store *s, const char *serial, int64_t at,
                                enum jpki_reason reason, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	struct jpki_cert_rec c;
	int rc = op_cert_get(s, serial, false, &c, err);
	if (rc < 0)
		return rc;
	if (c.status != JPKI_CERT_REVOKED || c.reason != JPKI_REASON_HOLD)
		return jpki_fail(err, JPKI_E_STATE, "certificate %s is not on hold", serial);
	if (reason == JPKI_REASON_HOLD)
		return jpki_fail(err, JPKI_E_INVALID, "a hold resolves to another reason");
	sqlite3_stmt *st = stmt(ss, ST_HOLD_RESOLVE);
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)reason);
	sqlite3_bind_int64(st, 3, at);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(ss->db) != 1)
		return db_fail(ss, err, "cannot revoke the held certificate");
	st = stmt(ss, ST_REVVER_BUMP);
	sqlite3_bind_int(st, 1, (int)c.kind);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(ss, err, "cannot revoke the held certificate");
	return 0;
}

/*
 * The scan's serial decoder: upper-case hex as written by cert_insert, even
 * length, 1..20 bytes; anything else is a damaged row.  A lookup table,
 * because a million rows go through here per full CRL.
 */
static int scan_hex(const unsigned char *h, int n, uint8_t *out, size_t *ret_len)
{
	static int8_t val[256];
	static bool ready;
	if (!ready) { /* benign race: every thread writes the same values */
		memset(val, -1, sizeof(val));
		for (int i = 0; i < 10; i++)
			val['0' + i] = (int8_t)i;
		for (int i = 0; i < 6; i++)
			val['A' + i] = (int8_t)(10 + i);
		__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	}
	if (!h || n <= 0 || n % 2 || n > 40)
		return -1;
	for (int i = 0; i < n; i += 2) {
		int hi = val[h[i]], lo = val[h[i + 1]];
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*ret_len = (size_t)n / 2;
	return 0;
}

static int op_revoked_scan(struct jpki_store *s, enum jpki_kind ca, int partition, int64_t since,
                           int64_t at, jpki_revoked_cb cb, void *arg, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	if (partition < -1 || partition >= JPKI_CRL_PARTITIONS)
		return jpki_fail(err, JPKI_E_INVALID, "no CRL partition %d", partition);
	sqlite3_stmt *st = stmt(ss, partition < 0 ? ST_REVOKED_SCAN_ALL : ST_REVOKED_SCAN_PART);
	sqlite3_bind_int(st, 1, (int)ca);
	if (partition >= 0)
		sqlite3_bind_int(st, 2, partition);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int64(st, 4, at);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t bin[20];
		size_t n;
		const unsigned char *hex = sqlite3_column_text(st, 0);
		int64_t reason = sqlite3_column_int64(st, 2);
		if (scan_hex(hex, sqlite3_column_bytes(st, 0), bin, &n) < 0 || reason < 0 ||
		    reason > 10) {
			sqlite3_reset(st);
			return jpki_fail(err, JPKI_E_STORE, "revoked row with a damaged serial");
		}
		int crc = cb(bin, n, sqlite3_column_int64(st, 1), (enum jpki_reason)reason,
		             sqlite3_column_int64(st, 3), arg);
		if (crc != 0) {
			sqlite3_reset(st);
			return crc;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(ss, err, "cannot list revoked certificates");
}

static int read_counter(struct sqlite_store *ss, enum stmt_id id, enum jpki_kind ca, int64_t *out,
                        struct jpki_err *err)
{
	sqlite3_stmt *st = stmt(ss, id);
	sqlite3_bind_int(st, 1, (int)ca);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(ss, err, "cannot read CA counter");
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

static int op_crl_number_next(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                              struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	int rc = op_begin(s, err);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = stmt(ss, ST_CRL_NEXT);
	sqlite3_bind_int(st, 1, (int)ca);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(ss, err, "cannot allocate a CRL number");
		op_rollback(s);
		return rc;
	}
	if ((rc = read_counter(ss, ST_CRL_GET, ca, out, err)) < 0 || (rc = op_commit(s, err)) < 0)
		op_rollback(s);
	return rc;
}

static int op_crl_number_get(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                             struct jpki_err *err)
{
	return read_counter(S(s), ST_CRL_GET, ca, out, err);
}

static int op_revocation_version(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                                 struct jpki_err *err)
{
	return read_counter(S(s), ST_REVVER_GET, ca, out, err);
}

static int op_meta_get(struct jpki_store *s, const char *key, char *buf, size_t cap,
                       struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_META_GET);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return jpki_fail(err, JPKI_E_NOT_FOUND, "the registry has no %s", key);
	}
	if (rc != SQLITE_ROW)
		return db_fail(ss, err, "cannot read the registry's own facts");
	rc = col_text(st, 0, buf, cap);
	sqlite3_reset(st);
	return rc == 0 ? 0 : jpki_fail(err, JPKI_E_STORE, "the registry's %s is damaged", key);
}

static int op_meta_set(struct jpki_store *s, const char *key, const char *value,
                       struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_META_SET);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(ss, err, "cannot record the registry's own facts");
}

static int op_crl_number_floor(struct jpki_store *s, enum jpki_kind ca, int64_t floor,
                               struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = stmt(ss, ST_CRL_FLOOR);
	sqlite3_bind_int(st, 1, (int)ca);
	sqlite3_bind_int64(st, 2, floor);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(ss, err, "cannot raise the CRL number");
}

/* PRAGMA integrity_check: "ok", or the first of its complaints as STORE. */
static int op_check(struct jpki_store *s, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(ss->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot check the registry");
	int rc = sqlite3_step(st);
	const unsigned char *first = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (rc == SQLITE_ROW && first && strcmp((const char *)first, "ok") == 0)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = jpki_fail(err, JPKI_E_STORE, "the registry is damaged: %.200s",
		               first ? (const char *)first : "?");
	else
		rc = db_fail(ss, err, "cannot check the registry");
	sqlite3_finalize(st);
	return rc;
}

/*
 * VACUUM INTO: one read transaction, so the copy is a consistent snapshot
 * taken while other processes go on writing.  The file is made first, empty
 * and readable by its owner only (VACUUM INTO accepts an empty file), and
 * synced after: a backup that a crash can truncate is none.
 */
static int op_backup(struct jpki_store *s, const char *path, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jpki_fail(err, errno == EEXIST ? JPKI_E_EXISTS : JPKI_E_IO,
		                 "cannot create %s: %s", path, strerror(errno));
	close(fd); /* a new file: no SQLite connection of ours holds a lock on it */
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(ss->db, "VACUUM INTO ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_OK) {
		int e = db_fail(ss, err, "cannot back up the registry");
		unlink(path);
		return e;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
		int e = jpki_fail(err, JPKI_E_IO, "cannot sync %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return e;
	}
	close(fd);
	return 0;
}

/*
 * Restore: SQLite's online backup API copies every page of the backup file
 * into this registry under this connection's own locks, so no file is
 * replaced under another process's connection (which would corrupt it).
 */
static int op_restore(struct jpki_store *s, const char *path, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3 *src = NULL;
	int rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		rc = jpki_fail(err, JPKI_E_IO, "cannot open %s: %s", path,
		               src ? sqlite3_errmsg(src) : "out of memory");
		sqlite3_close(src);
		return rc;
	}
	sqlite3_backup *b = sqlite3_backup_init(ss->db, "main", src, "main");
	if (!b) {
		rc = db_fail(ss, err, "cannot restore the registry");
		sqlite3_close(src);
		return rc;
	}
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	int fin = sqlite3_backup_finish(b);
	sqlite3_close(src);
	if (rc != SQLITE_DONE || fin != SQLITE_OK)
		return db_fail(ss, err, "cannot restore the registry");
	return 0;
}

/*
 * A lookup connection: query_only, and the file memory-mapped (SQLite caps the
 * size at its compile-time maximum, 2 GiB on Debian), so a lookup in a
 * registry of millions of rows costs no read() and no page copy.  mmap only
 * serves pages of the main file; pages newer in the WAL are still read from it.
 */
static int op_tune_reader(struct jpki_store *s, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	if (sqlite3_exec(ss->db, "PRAGMA query_only = 1; PRAGMA mmap_size = 68719476736;", NULL,
	                 NULL, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot configure a registry reader");
	return 0;
}

static const struct jpki_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = op_close,
    .begin = op_begin,
    .commit = op_commit,
    .rollback = op_rollback,
    .resident_insert = op_resident_insert,
    .resident_get = op_resident_get,
    .resident_update = op_resident_update,
    .resident_each = op_resident_each,
    .resident_find = op_resident_find,
    .cert_insert = op_cert_insert,
    .cert_get = op_cert_get,
    .cert_current = op_cert_current,
    .cert_each = op_cert_each,
    .cert_revoke = op_cert_revoke,
    .revoked_scan = op_revoked_scan,
    .crl_number_next = op_crl_number_next,
    .revocation_version = op_revocation_version,
    .tune_reader = op_tune_reader,
    .meta_get = op_meta_get,
    .meta_set = op_meta_set,
    .crl_number_floor = op_crl_number_floor,
    .crl_number_get = op_crl_number_get,
    .check = op_check,
    .backup = op_backup,
    .restore = op_restore,
    .cert_hold_resolve = op_cert_hold_resolve,
    .cert_expiring = op_cert_expiring,
    .case_insert = jpki_sqlite_case_insert,
    .case_get = jpki_sqlite_case_get,
    .case_move = jpki_sqlite_case_move,
    .case_each = jpki_sqlite_case_each,
    .audit_append = jpki_sqlite_audit_append,
    .audit_each = jpki_sqlite_audit_each,
    .audit_get = jpki_sqlite_audit_get,
    .audit_last = jpki_sqlite_audit_last,
    .audit_leaves = jpki_sqlite_audit_leaves,
    .audit_node_put = jpki_sqlite_audit_node_put,
    .audit_node_get = jpki_sqlite_audit_node_get,
    .receipt_insert = jpki_sqlite_receipt_insert,
    .receipt_get = jpki_sqlite_receipt_get,
    .receipt_void = jpki_sqlite_receipt_void,
    .token_insert = jpki_sqlite_token_insert,
    .token_get = jpki_sqlite_token_get,
    .token_use = jpki_sqlite_token_use,
    .notice_insert = jpki_sqlite_notice_insert,
    .counter_next = jpki_sqlite_counter_next,
    .operator_insert = jpki_sqlite_operator_insert,
    .operator_get = jpki_sqlite_operator_get,
    .operator_each = jpki_sqlite_operator_each,
    .operator_update = jpki_sqlite_operator_update,
    .approval_insert = jpki_sqlite_approval_insert,
    .approval_get = jpki_sqlite_approval_get,
    .approval_each = jpki_sqlite_approval_each,
    .approval_voter = jpki_sqlite_approval_voter,
    .approval_update = jpki_sqlite_approval_update,
    .approval_vote = jpki_sqlite_approval_vote,
    .approval_count = jpki_sqlite_approval_count,
    .credential_insert = jpki_sqlite_credential_insert,
    .credential_find = jpki_sqlite_credential_find,
    .credential_get = jpki_sqlite_credential_get,
    .credential_each = jpki_sqlite_credential_each,
    .credential_update = jpki_sqlite_credential_update,
    .rp_insert = jpki_sqlite_rp_insert,
    .rp_get = jpki_sqlite_rp_get,
    .rp_each = jpki_sqlite_rp_each,
    .rp_disable = jpki_sqlite_rp_disable,
    .link_log_append = jpki_sqlite_link_log_append,
    .link_log_each = jpki_sqlite_link_log_each,
};

/* ---- opening and migrating ---- */

static int schema_version(struct sqlite_store *ss, int *out, struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	*out = 0;
	if (sqlite3_prepare_v2(ss->db,
	                       "SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'",
	                       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(ss, err, "cannot read schema version");
	}
	int have = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!have)
		return 0;
	if (sqlite3_prepare_v2(ss->db, "SELECT version FROM schema_version", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(ss, err, "cannot read schema version");
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(struct sqlite_store *ss, struct jpki_err *err)
{
	int version, rc;
	if (sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot lock the registry");
	if ((rc = schema_version(ss, &version, err)) < 0)
		goto fail;
	if (version > JPKI_SCHEMA_VERSION) {
		rc = jpki_fail(err, JPKI_E_SCHEMA,
		               "registry schema version %d is newer than this program's (%d)",
		               version, JPKI_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0 && sqlite3_exec(ss->db,
	                                 "CREATE TABLE schema_version (version INTEGER NOT NULL);"
	                                 "INSERT INTO schema_version (version) VALUES (0);",
	                                 NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(ss, err, "cannot create schema");
		goto fail;
	}
	for (; version < JPKI_SCHEMA_VERSION; version++) {
		char bump[64];
		snprintf(bump, sizeof(bump), "UPDATE schema_version SET version = %d", version + 1);
		if (sqlite3_exec(ss->db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(ss->db, bump, NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_fail(ss, err, "cannot migrate the registry schema");
			goto fail;
		}
	}
	if (sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot commit the schema");
	return 0;
fail:
	sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * A registry is made once, by jpki_store_sqlite_create, and only opened after:
 * a missing or empty file is refused, never silently a new registry.
 *
 * No descriptor of the registry file is ever opened and closed outside
 * SQLite while a connection of this process may be open: on Linux, closing
 * any descriptor of a file drops every POSIX lock the process holds on it,
 * SQLite's included, and another process would then checkpoint and delete
 * the WAL under our feet ("How To Corrupt An SQLite Database File", 2.2).
 * The one exception is the O_EXCL creation of a new file, before any
 * connection to it exists.
 */
static int has_schema(struct sqlite_store *ss, const char *path, struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(ss->db,
	                            "SELECT count(*), count(CASE WHEN name = 'schema_version' "
	                            "THEN 1 END) FROM sqlite_master",
	                            -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int tables = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	int ours = rc == SQLITE_ROW ? sqlite3_column_int(st, 1) : 0;
	sqlite3_finalize(st);
	if (tables < 0)
		return jpki_fail(err, JPKI_E_STORE, "%s is not a registry: %s", path,
		                 sqlite3_errmsg(ss->db));
	if (tables == 0)
		return jpki_fail(
		    err, JPKI_E_STATE,
		    "the registry %s is empty; restore it from a backup (jpki registry "
		    "restore) or, knowing what is lost, make a new one (jpki registry "
		    "new); see docs/operations.md",
		    path);
	if (!ours)
		return jpki_fail(err, JPKI_E_STORE, "%s is an SQLite file but not a jpki registry",
		                 path);
	return 0;
}

static int open_file(const struct jpki_ctx *ctx, const char *path, bool create,
                     struct jpki_store **ret, struct jpki_err *err)
{
	_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == JPKI_SCHEMA_VERSION,
	               "one migration per schema version");
	struct sqlite_store *ss = calloc(1, sizeof(*ss));
	int rc;
	if (!ss)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	ss->base.ops = &sqlite_ops;
	ss->base.ctx = ctx;
	if (sqlite3_open_v2(path, &ss->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = jpki_fail(err, JPKI_E_STORE, "cannot open registry %s: %s", path,
		               ss->db ? sqlite3_errmsg(ss->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(ss->db, 10000);
	if (!create && (rc = has_schema(ss, path, err)) < 0)
		goto fail;
	if (sqlite3_exec(ss->db,
	                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	                 "PRAGMA foreign_keys = ON;"
	                 /* 32 MiB of pages per connection, used as needed: the audit log's
	                    tree at 10M entries keeps its upper levels here (bench/api) */
	                 "PRAGMA cache_size = -32768;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(ss, err, "cannot configure the registry");
		goto fail;
	}
	if ((rc = migrate(ss, err)) < 0)
		goto fail;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(ss->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &ss->st[i], NULL) != SQLITE_OK) {
			rc = db_fail(ss, err, "cannot prepare a registry statement");
			goto fail;
		}
	}
	if ((rc = jpki_sqlite_counter_prepare(ss->db, &ss->counter, err)) < 0)
		goto fail;
	*ret = &ss->base;
	return 0;
fail:
	op_close(&ss->base);
	return rc;
}

int jpki_store_sqlite_open(const struct jpki_ctx *ctx, const char *path, struct jpki_store **ret,
                           struct jpki_err *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return jpki_fail(err, errno == ENOENT ? JPKI_E_NOT_FOUND : JPKI_E_IO,
		                 "no registry at %s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return jpki_fail(err, JPKI_E_STORE, "the registry %s is not a regular file", path);
	return open_file(ctx, path, false, ret, err);
}

/* A leftover log holds commits of a registry that is gone: never start over it. */
static int no_leftover_log(const char *path, struct jpki_err *err)
{
	static const char *const suffixes[] = {"-wal", "-journal"};
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char side[4200];
		struct stat sb;
		snprintf(side, sizeof(side), "%s%s", path, suffixes[i]);
		if (lstat(side, &sb) == 0)
			return jpki_fail(err, JPKI_E_STATE,
			                 "%s exists without its registry: it may hold committed "
			                 "changes; restore the registry beside it, never delete it",
			                 side);
	}
	return 0;
}

int jpki_store_sqlite_create(const struct jpki_ctx *ctx, const char *path, struct jpki_store **ret,
                             struct jpki_err *err)
{
	struct stat sb;
	if (lstat(path, &sb) == 0)
		return jpki_fail(err, JPKI_E_EXISTS, "a registry file exists at %s", path);
	int rc = no_leftover_log(path, err);
	if (rc < 0)
		return rc;
	/* the registry holds personal data: its owner only (SQLite gives -wal and -shm the same
	 * mode) */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jpki_fail(err, errno == EEXIST ? JPKI_E_EXISTS : JPKI_E_IO,
		                 "cannot create the registry %s: %s", path, strerror(errno));
	close(fd); /* new, and no connection of ours to it yet: no lock to lose */
	if ((rc = open_file(ctx, path, true, ret, err)) < 0) { /* nothing of value in it yet */
		char side[4200];
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
		unlink(path);
	}
	return rc;
}
