/*
 * reg_cert.c: the CA's tables (store.h) on any engine (sql.h): residents,
 * certificates, the CRLs' scan and counters, the registry's own facts.
 *
 * Keys are numbered 1, 2, 3 ... inside the writer's transaction (as SQLite
 * numbers a rowid), so both engines give the same numbers and none is lost
 * to a rollback.  Every row read back is checked (dates parse, enums are in
 * range, text fits its field) before it reaches domain code: a damaged row
 * gives JPKI_E_STORE, never a wrong certificate.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/date.h"
#include "reg_int.h"
#include "sql.h"

enum stmt_id {
	ST_RES_INSERT = JPKI_SQL_CERT_BASE,
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
	ST_RES_FIND,
	ST_COUNT
};

#define RES_COLS                                                                                   \
	"id, family_name, given_name, name_subst, address, address_subst, birth_date, sex, "       \
	"former_surname, alias, adult_ward, status, residence_end"
#define CERT_COLS                                                                                  \
	"id, serial, kind, resident_id, not_before, not_after, issued_at, status, "                \
	"revoked_at, reason, subject_cn, renewal, crl_partition, invalid_at"

#define AT(id) [(id)-JPKI_SQL_CERT_BASE]
static const char *const stmt_sql[ST_COUNT - JPKI_SQL_CERT_BASE] = {
    AT(ST_RES_INSERT) = "INSERT INTO resident (id, family_name, given_name, name_subst, address, "
                        "address_subst, birth_date, sex, former_surname, alias, adult_ward, "
                        "status, residence_end, created_at, updated_at) "
                        "VALUES ((SELECT coalesce(max(id), 0) + 1 FROM resident), "
                        "?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
    AT(ST_RES_GET) = "SELECT " RES_COLS " FROM resident WHERE id = ?",
    AT(ST_RES_UPDATE) = "UPDATE resident SET family_name=?, given_name=?, name_subst=?, "
                        "address=?, address_subst=?, birth_date=?, sex=?, former_surname=?, "
                        "alias=?, adult_ward=?, status=?, residence_end=?, updated_at=? "
                        "WHERE id=?",
    AT(ST_RES_EACH) = "SELECT " RES_COLS " FROM resident ORDER BY id",
    AT(ST_CERT_INSERT) = "INSERT INTO certificate (id, serial, kind, resident_id, not_before, "
                         "not_after, issued_at, status, subject_cn, renewal, der, crl_partition) "
                         "VALUES ((SELECT coalesce(max(id), 0) + 1 FROM certificate), "
                         "?,?,?,?,?,?,0,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id",
    AT(ST_CERT_GET) = "SELECT " CERT_COLS ", der FROM certificate WHERE serial = ?",
    /* without the DER (~1.3 KB, overflow pages): the OCSP responder's lookup */
    AT(ST_CERT_GET_NODER) = "SELECT " CERT_COLS " FROM certificate WHERE serial = ?",
    AT(ST_CERT_CURRENT) = "SELECT " CERT_COLS " FROM certificate WHERE resident_id = ? AND "
                          "kind = ? AND status = 0 AND not_after >= ? ORDER BY id DESC LIMIT 1",
    AT(ST_CERT_EACH_ALL) = "SELECT " CERT_COLS " FROM certificate ORDER BY id",
    AT(ST_CERT_EACH_RES) =
        "SELECT " CERT_COLS " FROM certificate WHERE resident_id = ? ORDER BY id",
    AT(ST_CERT_REVOKE) = "UPDATE certificate SET status = 1, revoked_at = ?, reason = ? "
                         "WHERE serial = ? AND status = 0",
    /* "status = 1" literally, so the planner may use the partial index (portable: no INDEXED BY) */
    AT(ST_REVOKED_SCAN_ALL) = "SELECT serial, revoked_at, reason, invalid_at FROM certificate "
                              "WHERE status = 1 AND kind = ?1 AND revoked_at >= ?3 "
                              "AND not_after >= ?4",
    AT(ST_REVOKED_SCAN_PART) = "SELECT serial, revoked_at, reason, invalid_at FROM certificate "
                               "WHERE status = 1 AND kind = ?1 AND crl_partition = ?2 "
                               "AND revoked_at >= ?3 AND not_after >= ?4",
    AT(ST_CRL_NEXT) = "UPDATE ca_counter SET crl_number = crl_number + 1 WHERE kind = ?",
    AT(ST_CRL_GET) = "SELECT crl_number FROM ca_counter WHERE kind = ?",
    AT(ST_REVVER_BUMP) = "UPDATE ca_counter SET revocation_version = revocation_version + 1 "
                         "WHERE kind = ?",
    AT(ST_REVVER_GET) = "SELECT revocation_version FROM ca_counter WHERE kind = ?",
    AT(ST_META_GET) = "SELECT value FROM registry_meta WHERE key = ?",
    AT(ST_META_SET) = "INSERT INTO registry_meta (key, value) VALUES (?1, ?2) "
                      "ON CONFLICT (key) DO UPDATE SET value = ?2",
    AT(ST_CRL_FLOOR) = "UPDATE ca_counter SET crl_number = ?2 WHERE kind = ?1 AND crl_number < ?2",
    /*
     * RFC 5280 §5.3.1: a hold becomes a final reason, dated now so delta CRLs carry it; the
     * hold's own date stays as the invalidityDate (§5.3.2), when the key was last trusted
     * (SQLite evaluates every SET expression with the row as it was)
     */
    AT(ST_HOLD_RESOLVE) = "UPDATE certificate SET reason = ?2, invalid_at = revoked_at, "
                          "revoked_at = ?3 "
                          "WHERE serial = ?1 AND status = 1 AND reason = 6",
    AT(ST_RES_FIND) = "SELECT " RES_COLS " FROM resident WHERE family_name = ?1"
                      " AND (CAST(?2 AS TEXT) IS NULL OR given_name = ?2)"
                      " AND (CAST(?3 AS TEXT) IS NULL OR birth_date = ?3) ORDER BY id LIMIT ?4",
    /* "status = 0" literally: the partial index certificate_valid_by_expiry (schema 3) */
    AT(ST_CERT_EXPIRING) = "SELECT " CERT_COLS " FROM certificate WHERE status = 0 AND "
                           "not_after >= ?1 AND not_after <= ?2",
};

const struct jpki_sql_table jpki_reg_cert_sql = {JPKI_SQL_CERT_BASE, ST_COUNT - JPKI_SQL_CERT_BASE,
                                                 stmt_sql};

/* ---- rows <-> structs, with checks on the way in ---- */

static int col_text(struct jpki_sql_stmt *st, int col, char *dst, size_t cap)
{
	return jpki_sql_col_text(st, col, dst, cap);
}

static int col_date(struct jpki_sql_stmt *st, int col, struct jpki_date *out)
{
	char buf[16];
	if (col_text(st, col, buf, sizeof(buf)) < 0)
		return -1;
	return jpki_date_parse(buf, out, NULL);
}

static int row_to_resident(struct jpki_sql_stmt *st, struct jpki_resident *r, struct jpki_err *err)
{
	memset(r, 0, sizeof(*r));
	r->id = jpki_sql_col_i64(st, 0);
	int64_t sex = jpki_sql_col_i64(st, 7), ward = jpki_sql_col_i64(st, 10),
	        status = jpki_sql_col_i64(st, 11);
	bool ok = col_text(st, 1, r->family, sizeof(r->family)) == 0 &&
	          col_text(st, 2, r->given, sizeof(r->given)) == 0 &&
	          col_text(st, 3, r->name_subst, sizeof(r->name_subst)) == 0 &&
	          col_text(st, 4, r->address, sizeof(r->address)) == 0 &&
	          col_text(st, 5, r->address_subst, sizeof(r->address_subst)) == 0 &&
	          col_date(st, 6, &r->birth) == 0 && sex >= 1 && sex <= 3 &&
	          col_text(st, 8, r->former_surname, sizeof(r->former_surname)) == 0 &&
	          col_text(st, 9, r->alias, sizeof(r->alias)) == 0 && (ward == 0 || ward == 1) &&
	          status >= 0 && status <= 2;
	if (ok && !jpki_sql_col_null(st, 12)) {
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

static void bind_resident(struct jpki_sql_stmt *st, const struct jpki_resident *r, int64_t now)
{
	char birth[11], rend[11];
	jpki_date_format(r->birth, birth);
	jpki_sql_bind_text(st, 1, r->family);
	jpki_sql_bind_text(st, 2, r->given);
	jpki_sql_bind_text(st, 3, r->name_subst);
	jpki_sql_bind_text(st, 4, r->address);
	jpki_sql_bind_text(st, 5, r->address_subst);
	jpki_sql_bind_text(st, 6, birth);
	jpki_sql_bind_i64(st, 7, (int)r->sex);
	jpki_sql_bind_text(st, 8, r->former_surname);
	jpki_sql_bind_text(st, 9, r->alias);
	jpki_sql_bind_i64(st, 10, r->adult_ward ? 1 : 0);
	jpki_sql_bind_i64(st, 11, (int)r->status);
	if (r->has_residence_end) {
		jpki_date_format(r->residence_end, rend);
		jpki_sql_bind_text(st, 12, rend);
	} else {
		jpki_sql_bind_null(st, 12);
	}
	jpki_sql_bind_i64(st, 13, now);
}

static int row_to_cert(struct jpki_sql_stmt *st, bool with_der, struct jpki_cert_rec *c,
                       struct jpki_err *err)
{
	memset(c, 0, sizeof(*c));
	c->id = jpki_sql_col_i64(st, 0);
	int64_t kind = jpki_sql_col_i64(st, 2), status = jpki_sql_col_i64(st, 7),
	        reason = jpki_sql_col_i64(st, 9);
	bool ok = col_text(st, 1, c->serial, sizeof(c->serial)) == 0 && (kind == 0 || kind == 1) &&
	          (status == 0 || status == 1) && reason >= 0 && reason <= 10 &&
	          col_text(st, 10, c->subject_cn, sizeof(c->subject_cn)) == 0;
	if (!ok)
		return jpki_fail(err, JPKI_E_STORE, "certificate row %" PRId64 " is damaged",
		                 c->id);
	c->kind = (enum jpki_kind)kind;
	c->resident_id = jpki_sql_col_i64(st, 3);
	c->not_before = jpki_sql_col_i64(st, 4);
	c->not_after = jpki_sql_col_i64(st, 5);
	c->issued_at = jpki_sql_col_i64(st, 6);
	c->status = (enum jpki_cert_status)status;
	c->revoked_at = jpki_sql_col_i64(st, 8);
	c->reason = (enum jpki_reason)reason;
	c->renewal = jpki_sql_col_i64(st, 11) != 0;
	int64_t part = jpki_sql_col_i64(st, 12);
	if (part < 0 || part >= JPKI_CRL_PARTITIONS)
		return jpki_fail(err, JPKI_E_STORE, "certificate row %" PRId64 " is damaged",
		                 c->id);
	c->crl_partition = (int)part;
	c->invalid_at = jpki_sql_col_i64(st, 13); /* NULL reads as 0 */
	if (with_der) {
		size_t n = 0;
		const uint8_t *der = jpki_sql_col_blob(st, 14, &n);
		if (!der || n == 0)
			return jpki_fail(err, JPKI_E_STORE,
			                 "certificate row %" PRId64 " has no DER", c->id);
		c->der = malloc(n);
		if (!c->der)
			return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		memcpy(c->der, der, n);
		c->der_len = n;
	}
	return 0;
}

/* ---- operations ---- */

int jpki_reg_resident_insert(struct jpki_store *s, struct jpki_resident *r, struct jpki_err *err)
{
	int64_t now;
	int rc = jpki_ctx_now(s->ctx, &now, err);
	if (rc < 0)
		return rc;
	struct jpki_sql_stmt *st = jpki_q(s, ST_RES_INSERT);
	bind_resident(st, r, now);
	jpki_sql_bind_i64(st, 14, now);
	return jpki_sql_one_i64(st, &r->id, "cannot add resident", err);
}

int jpki_reg_resident_get(struct jpki_store *s, int64_t id, struct jpki_resident *out,
                          struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_RES_GET);
	jpki_sql_bind_i64(st, 1, id);
	int rc = jpki_sql_step(st);
	if (rc == JPKI_SQL_DONE)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no resident with id %" PRId64, id);
	if (rc != JPKI_SQL_ROW)
		return jpki_sql_fail(st, err, "cannot read resident");
	rc = row_to_resident(st, out, err);
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_resident_update(struct jpki_store *s, const struct jpki_resident *r,
                             struct jpki_err *err)
{
	int64_t now;
	int rc = jpki_ctx_now(s->ctx, &now, err);
	if (rc < 0)
		return rc;
	struct jpki_sql_stmt *st = jpki_q(s, ST_RES_UPDATE);
	bind_resident(st, r, now);
	jpki_sql_bind_i64(st, 14, r->id);
	if (jpki_sql_step(st) != JPKI_SQL_DONE)
		return jpki_sql_fail(st, err, "cannot update resident");
	if (jpki_sql_changes(st) != 1)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no resident with id %" PRId64, r->id);
	return 0;
}

int jpki_reg_resident_each(struct jpki_store *s, jpki_resident_cb cb, void *arg,
                           struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_RES_EACH);
	int rc;
	while ((rc = jpki_sql_step(st)) == JPKI_SQL_ROW) {
		struct jpki_resident r;
		int crc = row_to_resident(st, &r, err);
		if (crc == 0)
			crc = cb(&r, arg);
		if (crc != 0) {
			jpki_sql_reset(st);
			return crc;
		}
	}
	jpki_sql_reset(st);
	return rc == JPKI_SQL_DONE ? 0 : jpki_sql_fail(st, err, "cannot list residents");
}

int jpki_reg_resident_find(struct jpki_store *s, const char *family, const char *given,
                           const char *birth, int limit, jpki_resident_cb cb, void *arg,
                           struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_RES_FIND);
	jpki_sql_bind_text(st, 1, family);
	if (given)
		jpki_sql_bind_text(st, 2, given);
	if (birth)
		jpki_sql_bind_text(st, 3, birth);
	jpki_sql_bind_i64(st, 4, limit);
	int rc, crc = 0;
	while (crc == 0 && (rc = jpki_sql_step(st)) == JPKI_SQL_ROW) {
		struct jpki_resident r;
		crc = row_to_resident(st, &r, err);
		if (crc == 0)
			crc = cb(&r, arg);
	}
	if (crc == 0 && rc != JPKI_SQL_DONE)
		crc = jpki_sql_fail(st, err, "cannot search residents");
	jpki_sql_reset(st);
	return crc;
}

int jpki_reg_cert_insert(struct jpki_store *s, struct jpki_cert_rec *c, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_CERT_INSERT);
	jpki_sql_bind_text(st, 1, c->serial);
	jpki_sql_bind_i64(st, 2, (int)c->kind);
	jpki_sql_bind_i64(st, 3, c->resident_id);
	jpki_sql_bind_i64(st, 4, c->not_before);
	jpki_sql_bind_i64(st, 5, c->not_after);
	jpki_sql_bind_i64(st, 6, c->issued_at);
	jpki_sql_bind_text(st, 7, c->subject_cn);
	jpki_sql_bind_i64(st, 8, c->renewal ? 1 : 0);
	jpki_sql_bind_blob(st, 9, c->der, c->der_len);
	jpki_sql_bind_i64(st, 10, c->crl_partition);
	return jpki_sql_insert(st, &c->id, "cannot record certificate", err);
}

int jpki_reg_cert_get(struct jpki_store *s, const char *serial, bool with_der,
                      struct jpki_cert_rec *out, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, with_der ? ST_CERT_GET : ST_CERT_GET_NODER);
	jpki_sql_bind_text(st, 1, serial);
	int rc = jpki_sql_step(st);
	if (rc == JPKI_SQL_DONE)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no certificate with serial %.40s", serial);
	if (rc != JPKI_SQL_ROW)
		return jpki_sql_fail(st, err, "cannot read certificate");
	rc = row_to_cert(st, with_der, out, err);
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_cert_current(struct jpki_store *s, int64_t resident_id, enum jpki_kind kind,
                          int64_t at, struct jpki_cert_rec *out, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_CERT_CURRENT);
	jpki_sql_bind_i64(st, 1, resident_id);
	jpki_sql_bind_i64(st, 2, (int)kind);
	jpki_sql_bind_i64(st, 3, at);
	int rc = jpki_sql_step(st);
	if (rc == JPKI_SQL_DONE) {
		jpki_sql_reset(st);
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no current %s certificate",
		                 jpki_kind_name(kind));
	}
	if (rc != JPKI_SQL_ROW)
		return jpki_sql_fail(st, err, "cannot read certificate");
	rc = row_to_cert(st, false, out, err);
	jpki_sql_reset(st);
	return rc;
}

static int each_row(struct jpki_sql_stmt *st, jpki_cert_cb cb, void *arg, struct jpki_err *err);

int jpki_reg_cert_each(struct jpki_store *s, int64_t resident_id, jpki_cert_cb cb, void *arg,
                       struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, resident_id ? ST_CERT_EACH_RES : ST_CERT_EACH_ALL);
	if (resident_id)
		jpki_sql_bind_i64(st, 1, resident_id);
	return each_row(st, cb, arg, err);
}

int jpki_reg_cert_expiring(struct jpki_store *s, int64_t from, int64_t to, jpki_cert_cb cb,
                           void *arg, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_CERT_EXPIRING);
	jpki_sql_bind_i64(st, 1, from);
	jpki_sql_bind_i64(st, 2, to);
	return each_row(st, cb, arg, err);
}

static int each_row(struct jpki_sql_stmt *st, jpki_cert_cb cb, void *arg, struct jpki_err *err)
{
	int rc;
	while ((rc = jpki_sql_step(st)) == JPKI_SQL_ROW) {
		struct jpki_cert_rec c;
		int crc = row_to_cert(st, false, &c, err);
		if (crc == 0)
			crc = cb(&c, arg);
		if (crc != 0) {
			jpki_sql_reset(st);
			return crc;
		}
	}
	jpki_sql_reset(st);
	return rc == JPKI_SQL_DONE ? 0 : jpki_sql_fail(st, err, "cannot list certificates");
}

int jpki_reg_cert_revoke(struct jpki_store *s, const char *serial, int64_t at,
                         enum jpki_reason reason, struct jpki_err *err)
{
	struct jpki_cert_rec c;
	int rc = jpki_reg_cert_get(s, serial, false, &c, err);
	if (rc < 0)
		return rc;
	if (c.status == JPKI_CERT_REVOKED)
		return jpki_fail(err, JPKI_E_STATE, "certificate %s is already revoked", serial);
	struct jpki_sql_stmt *st = jpki_q(s, ST_CERT_REVOKE);
	jpki_sql_bind_i64(st, 1, at);
	jpki_sql_bind_i64(st, 2, (int)reason);
	jpki_sql_bind_text(st, 3, serial);
	if (jpki_sql_step(st) != JPKI_SQL_DONE)
		return jpki_sql_fail(st, err, "cannot revoke certificate");
	st = jpki_q(s, ST_REVVER_BUMP);
	jpki_sql_bind_i64(st, 1, (int)c.kind);
	if (jpki_sql_step(st) != JPKI_SQL_DONE)
		return jpki_sql_fail(st, err, "cannot revoke certificate");
	return 0;
}

int jpki_reg_cert_hold_resolve(struct jpki_store *s, const char *serial, int64_t at,
                               enum jpki_reason reason, struct jpki_err *err)
{
	struct jpki_cert_rec c;
	int rc = jpki_reg_cert_get(s, serial, false, &c, err);
	if (rc < 0)
		return rc;
	if (c.status != JPKI_CERT_REVOKED || c.reason != JPKI_REASON_HOLD)
		return jpki_fail(err, JPKI_E_STATE, "certificate %s is not on hold", serial);
	if (reason == JPKI_REASON_HOLD)
		return jpki_fail(err, JPKI_E_INVALID, "a hold resolves to another reason");
	struct jpki_sql_stmt *st = jpki_q(s, ST_HOLD_RESOLVE);
	jpki_sql_bind_text(st, 1, serial);
	jpki_sql_bind_i64(st, 2, (int)reason);
	jpki_sql_bind_i64(st, 3, at);
	if (jpki_sql_step(st) != JPKI_SQL_DONE || jpki_sql_changes(st) != 1)
		return jpki_sql_fail(st, err, "cannot revoke the held certificate");
	st = jpki_q(s, ST_REVVER_BUMP);
	jpki_sql_bind_i64(st, 1, (int)c.kind);
	if (jpki_sql_step(st) != JPKI_SQL_DONE)
		return jpki_sql_fail(st, err, "cannot revoke the held certificate");
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

int jpki_reg_revoked_scan(struct jpki_store *s, enum jpki_kind ca, int partition, int64_t since,
                          int64_t at, jpki_revoked_cb cb, void *arg, struct jpki_err *err)
{
	if (partition < -1 || partition >= JPKI_CRL_PARTITIONS)
		return jpki_fail(err, JPKI_E_INVALID, "no CRL partition %d", partition);
	struct jpki_sql_stmt *st =
	    jpki_q(s, partition < 0 ? ST_REVOKED_SCAN_ALL : ST_REVOKED_SCAN_PART);
	jpki_sql_bind_i64(st, 1, (int)ca);
	if (partition >= 0)
		jpki_sql_bind_i64(st, 2, partition);
	jpki_sql_bind_i64(st, 3, since);
	jpki_sql_bind_i64(st, 4, at);
	int rc;
	while ((rc = jpki_sql_step(st)) == JPKI_SQL_ROW) {
		uint8_t bin[20];
		size_t n;
		size_t hex_len = 0;
		const char *hex = jpki_sql_col_bytes(st, 0, &hex_len);
		int64_t reason = jpki_sql_col_i64(st, 2);
		if (scan_hex((const unsigned char *)hex, (int)(hex_len > 64 ? 64 : hex_len), bin,
		             &n) < 0 ||
		    reason < 0 || reason > 10) {
			jpki_sql_reset(st);
			return jpki_fail(err, JPKI_E_STORE, "revoked row with a damaged serial");
		}
		int crc = cb(bin, n, jpki_sql_col_i64(st, 1), (enum jpki_reason)reason,
		             jpki_sql_col_i64(st, 3), arg);
		if (crc != 0) {
			jpki_sql_reset(st);
			return crc;
		}
	}
	jpki_sql_reset(st);
	return rc == JPKI_SQL_DONE ? 0 : jpki_sql_fail(st, err, "cannot list revoked certificates");
}

static int read_counter(struct jpki_store *s, enum stmt_id id, enum jpki_kind ca, int64_t *out,
                        struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, id);
	jpki_sql_bind_i64(st, 1, (int)ca);
	int rc = jpki_sql_step(st);
	if (rc != JPKI_SQL_ROW) {
		jpki_sql_reset(st);
		return jpki_sql_fail(st, err, "cannot read CA counter");
	}
	*out = jpki_sql_col_i64(st, 0);
	jpki_sql_reset(st);
	return 0;
}

int jpki_reg_crl_number_next(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                             struct jpki_err *err)
{
	int rc = s->ops->begin(s, err);
	if (rc < 0)
		return rc;
	struct jpki_sql_stmt *st = jpki_q(s, ST_CRL_NEXT);
	jpki_sql_bind_i64(st, 1, (int)ca);
	if (jpki_sql_step(st) != JPKI_SQL_DONE) {
		rc = jpki_sql_fail(st, err, "cannot allocate a CRL number");
		s->ops->rollback(s);
		return rc;
	}
	if ((rc = read_counter(s, ST_CRL_GET, ca, out, err)) < 0 ||
	    (rc = s->ops->commit(s, err)) < 0)
		s->ops->rollback(s);
	return rc;
}

int jpki_reg_crl_number_get(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                            struct jpki_err *err)
{
	return read_counter(s, ST_CRL_GET, ca, out, err);
}

int jpki_reg_revocation_version(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                                struct jpki_err *err)
{
	return read_counter(s, ST_REVVER_GET, ca, out, err);
}

int jpki_reg_meta_get(struct jpki_store *s, const char *key, char *buf, size_t cap,
                      struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_META_GET);
	jpki_sql_bind_text(st, 1, key);
	int rc = jpki_sql_step(st);
	if (rc == JPKI_SQL_DONE) {
		jpki_sql_reset(st);
		return jpki_fail(err, JPKI_E_NOT_FOUND, "the registry has no %s", key);
	}
	if (rc != JPKI_SQL_ROW)
		return jpki_sql_fail(st, err, "cannot read the registry's own facts");
	rc = col_text(st, 0, buf, cap);
	jpki_sql_reset(st);
	return rc == 0 ? 0 : jpki_fail(err, JPKI_E_STORE, "the registry's %s is damaged", key);
}

int jpki_reg_meta_set(struct jpki_store *s, const char *key, const char *value,
                      struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_META_SET);
	jpki_sql_bind_text(st, 1, key);
	jpki_sql_bind_text(st, 2, value);
	int rc = jpki_sql_step(st);
	jpki_sql_reset(st);
	return rc == JPKI_SQL_DONE
	           ? 0
	           : jpki_sql_fail(st, err, "cannot record the registry's own facts");
}

int jpki_reg_crl_number_floor(struct jpki_store *s, enum jpki_kind ca, int64_t floor,
                              struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, ST_CRL_FLOOR);
	jpki_sql_bind_i64(st, 1, (int)ca);
	jpki_sql_bind_i64(st, 2, floor);
	int rc = jpki_sql_step(st);
	jpki_sql_reset(st);
	return rc == JPKI_SQL_DONE ? 0 : jpki_sql_fail(st, err, "cannot raise the CRL number");
}
