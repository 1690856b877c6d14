/*
 * migrate.c: a registry copied to another engine, table by table, then
 * checked row for row (store.h: jpki_store_migrate; docs/deployment.md,
 * "Moving house").
 *
 * Both registries are at this program's schema version (opening migrates
 * the source; the destination is new).  Every table is read from the source
 * in key order and written to the destination in one transaction, in an
 * order that keeps its foreign keys whole; then both are read again in the
 * same order and compared value by value.  A difference is STORE and the
 * destination is left as the copy made it, for the operator to drop.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "store.h"

/* The tables of schema 9 and their columns, parents before children. */
static const struct table {
	const char *name, *cols, *key;
	int ncols;
} tables[] = {
    {"registry_meta", "key, value", "key", 2},
    {"ca_counter", "kind, crl_number, revocation_version", "kind", 3},
    {"resident",
     "id, family_name, given_name, name_subst, address, address_subst, birth_date, sex, "
     "former_surname, alias, adult_ward, status, residence_end, created_at, updated_at",
     "id", 15},
    {"certificate",
     "id, serial, kind, resident_id, not_before, not_after, issued_at, status, revoked_at, "
     "reason, subject_cn, renewal, der, crl_partition, invalid_at",
     "id", 15},
    {"counter_case",
     "id, procedure, state, resident_id, counter, operator, opened_at, updated_at, detail", "id",
     9},
    {"audit_entry",
     "seq, at, operator, counter, case_id, resident_id, action, decision, rule, documents, "
     "detail",
     "seq", 11},
    {"audit_node", "level, idx, hash", "level, idx", 3},
    {"receipt",
     "number, case_id, resident_id, amount, fee_case, issued_at, voided_at, voided_by, "
     "approved_by",
     "number", 9},
    {"counter_token",
     "ref, purpose, case_id, resident_id, cert_serial, kinds, issued_at, expires_at, used_at, "
     "used_case",
     "ref", 10},
    {"service_counter", "name, value", "name", 2},
    {"renewal_notice", "cert_serial, month, resident_id, form_ref, sent_at", "cert_serial", 5},
    {"relying_party", "id, name, key_hash, may_link_signature, created_at, disabled_at", "id", 6},
    {"link_access", "seq, at, rp_id, action, outcome, detail", "seq", 6},
    {"operator",
     "id, name, role, password_hash, failures, locked_until, created_at, created_by, "
     "disabled_at, last_login_at",
     "id", 10},
    {"approval_request", "id, kind, requester, what, version, created_at, expires_at, state", "id",
     8},
    {"approval", "request_id, version, approver, at", "request_id, version, approver", 4},
    {"operator_credential",
     "id, operator_id, credential_id, public_key, alg, sign_count, aaguid, label, created_by, "
     "created_at, last_used_at, disabled_at",
     "id", 12},
};
_Static_assert(JPKI_SCHEMA_VERSION == 9, "the migration's tables are schema 9's");

/* Column c of from's row bound as parameter c + 1 of to, as the kind it is. */
static void carry(struct jpki_sql_stmt *from, struct jpki_sql_stmt *to, int c)
{
	size_t n;
	const char *t;
	const uint8_t *b;
	switch (jpki_sql_col_kind(from, c)) {
	case JPKI_SQL_INT:
		jpki_sql_bind_i64(to, c + 1, jpki_sql_col_i64(from, c));
		break;
	case JPKI_SQL_BLOB:
		b = jpki_sql_col_blob(from, c, &n);
		jpki_sql_bind_blob(to, c + 1, b, n);
		break;
	case JPKI_SQL_TEXT:
	case JPKI_SQL_OTHER: /* SQLite's REAL: none in the schema; sent as its text */
		t = jpki_sql_col_bytes(from, c, &n);
		{
			char *copy = t ? strndup(t, n)
			               : NULL; /* NULL: out of memory, the compare finds it */
			jpki_sql_bind_text(to, c + 1, copy);
			free(copy);
		}
		break;
	case JPKI_SQL_NULL:
		jpki_sql_bind_null(to, c + 1);
		break;
	}
}

/* The same value in both rows (an integer, the same bytes, or both NULL). */
static bool same(struct jpki_sql_stmt *a, struct jpki_sql_stmt *b, int c)
{
	enum jpki_sql_kind ka = jpki_sql_col_kind(a, c), kb = jpki_sql_col_kind(b, c);
	size_t na, nb;
	if (ka == JPKI_SQL_NULL || kb == JPKI_SQL_NULL)
		return ka == kb;
	if (ka == JPKI_SQL_INT || kb == JPKI_SQL_INT)
		return ka == kb && jpki_sql_col_i64(a, c) == jpki_sql_col_i64(b, c);
	if (ka == JPKI_SQL_BLOB || kb == JPKI_SQL_BLOB) {
		const uint8_t *x = jpki_sql_col_blob(a, c, &na), *y = jpki_sql_col_blob(b, c, &nb);
		return ka == kb && na == nb && (na == 0 || (x && y && memcmp(x, y, na) == 0));
	}
	const char *x = jpki_sql_col_bytes(a, c, &na), *y = jpki_sql_col_bytes(b, c, &nb);
	return na == nb && (na == 0 || (x && y && memcmp(x, y, na) == 0));
}

static int copy_table(struct jpki_store *src, struct jpki_store *dst, const struct table *t,
                      int64_t *rows, struct jpki_err *err)
{
	char sel[1024], ins[1024], marks[64] = "";
	for (int i = 0; i < t->ncols; i++)
		snprintf(marks + strlen(marks), sizeof(marks) - strlen(marks), "%s?", i ? "," : "");
	snprintf(sel, sizeof(sel), "SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->key);
	snprintf(ins, sizeof(ins), "INSERT INTO %s (%s) VALUES (%s)", t->name, t->cols, marks);
	struct jpki_sql_stmt *r = jpki_sql_prepare(src, sel, err), *w = NULL;
	int rc = r ? 0 : -JPKI_E_STORE, step = 0;
	if (rc == 0 && !(w = jpki_sql_prepare(dst, ins, err)))
		rc = -JPKI_E_STORE;
	*rows = 0;
	while (rc == 0 && (step = jpki_sql_step(r)) == JPKI_SQL_ROW) {
		jpki_sql_reset(w);
		for (int c = 0; c < t->ncols; c++)
			carry(r, w, c);
		if (jpki_sql_step(w) == JPKI_SQL_ERROR)
			rc = jpki_sql_fail(w, err, t->name);
		(*rows)++;
	}
	if (rc == 0 && step == JPKI_SQL_ERROR)
		rc = jpki_sql_fail(r, err, t->name);
	jpki_sql_finalize(r);
	jpki_sql_finalize(w);
	return rc;
}

/* Both sides again, in key order: the same rows, value by value. */
static int compare_table(struct jpki_store *src, struct jpki_store *dst, const struct table *t,
                         struct jpki_err *err)
{
	char sel[1024];
	snprintf(sel, sizeof(sel), "SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->key);
	struct jpki_sql_stmt *a = jpki_sql_prepare(src, sel, err), *b = NULL;
	int rc = a ? 0 : -JPKI_E_STORE;
	if (rc == 0 && !(b = jpki_sql_prepare(dst, sel, err)))
		rc = -JPKI_E_STORE;
	for (int64_t row = 1; rc == 0; row++) {
		int sa = jpki_sql_step(a), sb = jpki_sql_step(b);
		if (sa == JPKI_SQL_ERROR || sb == JPKI_SQL_ERROR)
			rc = jpki_sql_fail(sa == JPKI_SQL_ERROR ? a : b, err, t->name);
		else if (sa != sb)
			rc = jpki_fail(err, JPKI_E_STORE,
			               "%s: the copy has %s rows than the original", t->name,
			               sa == JPKI_SQL_ROW ? "fewer" : "more");
		else if (sa == JPKI_SQL_DONE)
			break;
		for (int c = 0; rc == 0 && c < t->ncols; c++)
			if (!same(a, b, c))
				rc =
				    jpki_fail(err, JPKI_E_STORE,
				              "%s: row %" PRId64 " differs in the copy (column %d)",
				              t->name, row, c + 1);
	}
	jpki_sql_finalize(a);
	jpki_sql_finalize(b);
	return rc;
}

/* dst holds no row yet but its new CA counters: a registry just made, or a move cut short. */
static int still_empty(struct jpki_store *dst, struct jpki_err *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[128];
		int64_t n = 0;
		if (strcmp(tables[i].name, "ca_counter") == 0)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i].name);
		struct jpki_sql_stmt *q = jpki_sql_prepare(dst, sql, err);
		rc = q ? jpki_sql_one_i64(q, &n, tables[i].name, err) : -JPKI_E_STORE;
		jpki_sql_finalize(q);
		if (rc == 0 && n > 0)
			rc = jpki_fail(err, JPKI_E_EXISTS,
			               "the database holds a registry already (%s has rows)",
			               tables[i].name);
	}
	return rc;
}

int jpki_store_migrate(struct jpki_store *src, struct jpki_store *dst, jpki_migrate_cb said,
                       void *arg, struct jpki_err *err)
{
	int64_t rows[sizeof(tables) / sizeof(tables[0])];
	int rc = dst->ops->begin(dst, err);
	if (rc == 0 && (rc = still_empty(dst, err)) < 0) {
		dst->ops->rollback(dst);
		return rc;
	}
	/* the new registry's own first rows (its CA counters) give way to the original's */
	struct jpki_sql_stmt *wipe =
	    rc == 0 ? jpki_sql_prepare(dst, "DELETE FROM ca_counter", err) : NULL;
	if (rc == 0 && !wipe)
		rc = -JPKI_E_STORE;
	if (rc == 0 && jpki_sql_step(wipe) == JPKI_SQL_ERROR)
		rc = jpki_sql_fail(wipe, err, "ca_counter");
	jpki_sql_finalize(wipe);
	for (size_t i = 0; rc == 0 && i < sizeof(tables) / sizeof(tables[0]); i++)
		rc = copy_table(src, dst, &tables[i], &rows[i], err);
	if (rc == 0)
		rc = dst->ops->commit(dst, err);
	else
		dst->ops->rollback(dst);
	for (size_t i = 0; rc == 0 && i < sizeof(tables) / sizeof(tables[0]); i++)
		if ((rc = compare_table(src, dst, &tables[i], err)) == 0 && said)
			said(arg, tables[i].name, rows[i]);
	return rc;
}
