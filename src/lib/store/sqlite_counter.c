/*
 * sqlite_counter.c: the counter's tables in the SQLite backend (cases, the
 * audit log, receipts, one-time tokens, renewal notices).
 *
 * The audit log is append-only in the schema itself: triggers abort any
 * UPDATE or DELETE of audit_entry, so no program (ours or another) can edit
 * what was logged without rebuilding the table (which a later issue makes
 * evident with a signed Merkle tree).  Entries are kept at least 10 years
 * after the certificate's expiry (docs/counter.md); nothing here deletes.
 * Every row read back is checked before it reaches the counter.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

const char jpki_sqlite_counter_schema[] =
    "CREATE TABLE counter_case ("
    " id INTEGER PRIMARY KEY,"
    " procedure INTEGER NOT NULL CHECK (procedure BETWEEN 0 AND 31),"
    " state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 31),"
    " resident_id INTEGER NOT NULL," /* as asked for: a refusal may name no resident */
    " counter TEXT NOT NULL, operator TEXT NOT NULL,"
    " opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX counter_case_by_resident ON counter_case (resident_id);"
    "CREATE TABLE audit_entry ("
    " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
    " operator TEXT NOT NULL, counter TEXT NOT NULL,"
    " case_id INTEGER NOT NULL, resident_id INTEGER NOT NULL,"
    " action TEXT NOT NULL, decision TEXT NOT NULL, rule TEXT NOT NULL,"
    " documents TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX audit_by_resident ON audit_entry (resident_id);"
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE receipt ("
    " number INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES counter_case (id),"
    " resident_id INTEGER NOT NULL, amount INTEGER NOT NULL CHECK (amount >= 0),"
    " fee_case TEXT NOT NULL, issued_at INTEGER NOT NULL,"
    " voided_at INTEGER, voided_by TEXT, approved_by TEXT);"
    "CREATE TABLE counter_token ("
    " ref TEXT PRIMARY KEY, purpose INTEGER NOT NULL CHECK (purpose BETWEEN 1 AND 3),"
    " case_id INTEGER NOT NULL, resident_id INTEGER NOT NULL,"
    " cert_serial TEXT NOT NULL, kinds INTEGER NOT NULL CHECK (kinds BETWEEN 0 AND 3),"
    " issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " used_at INTEGER, used_case INTEGER);"
    "CREATE INDEX certificate_valid_by_expiry ON certificate (not_after) WHERE status = 0;"
    "CREATE TABLE service_counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE renewal_notice ("
    " cert_serial TEXT PRIMARY KEY, month TEXT NOT NULL, resident_id INTEGER NOT NULL,"
    " form_ref TEXT NOT NULL, sent_at INTEGER NOT NULL);";

/*
 * Schema 6: the audit log's Merkle tree (audit/log.h): the hash of every
 * complete subtree, leaves at level 0, written in the transaction of the
 * entry that completes it, append-only as the log itself.
 */
const char jpki_sqlite_audit_tree_schema[] =
    "CREATE TABLE audit_node ("
    " level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62), idx INTEGER NOT NULL CHECK (idx >= 0),"
    " hash BLOB NOT NULL CHECK (length(hash) = 32), PRIMARY KEY (level, idx)) WITHOUT ROWID;"
    "CREATE TRIGGER audit_node_no_update BEFORE UPDATE ON audit_node"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_node_no_delete BEFORE DELETE ON audit_node"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

enum cstmt {
	CS_CASE_INSERT,
	CS_CASE_GET,
	CS_CASE_MOVE,
	CS_CASE_EACH_ALL,
	CS_CASE_EACH_RES,
	CS_AUDIT_INSERT,
	CS_AUDIT_EACH,
	CS_AUDIT_GET,
	CS_AUDIT_LAST,
	CS_NODE_PUT,
	CS_NODE_GET,
	CS_NODE_LEAVES,
	CS_RECEIPT_INSERT,
	CS_RECEIPT_GET,
	CS_RECEIPT_VOID,
	CS_TOKEN_INSERT,
	CS_TOKEN_GET,
	CS_TOKEN_USE,
	CS_NOTICE_INSERT,
	CS_COUNTER_NEXT,
	CS_COUNT
};

#define CASE_COLS                                                                                  \
	"id, procedure, state, resident_id, counter, operator, opened_at, updated_at, detail"
#define AUDIT_COLS                                                                                 \
	"seq, at, operator, counter, case_id, resident_id, action, decision, rule, documents, "    \
	"detail"
#define RECEIPT_COLS                                                                               \
	"number, case_id, resident_id, amount, fee_case, issued_at, voided_at, voided_by, "        \
	"approved_by"
#define TOKEN_COLS                                                                                 \
	"ref, purpose, case_id, resident_id, cert_serial, kinds, issued_at, expires_at, used_at"

static const char *const cstmt_sql[CS_COUNT] = {
    [CS_CASE_INSERT] = "INSERT INTO counter_case (procedure, state, resident_id, counter, "
                       "operator, opened_at, updated_at, detail) VALUES (?,?,?,?,?,?,?,?)",
    [CS_CASE_GET] = "SELECT " CASE_COLS " FROM counter_case WHERE id = ?",
    [CS_CASE_MOVE] = "UPDATE counter_case SET state = ?1, updated_at = ?2, detail = ?3 "
                     "WHERE id = ?4 AND state = ?5",
    [CS_CASE_EACH_ALL] = "SELECT " CASE_COLS " FROM counter_case ORDER BY id DESC",
    [CS_CASE_EACH_RES] = "SELECT " CASE_COLS " FROM counter_case WHERE resident_id = ? "
                         "ORDER BY id DESC",
    [CS_AUDIT_INSERT] = "INSERT INTO audit_entry (at, operator, counter, case_id, resident_id, "
                        "action, decision, rule, documents, detail) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?)",
    [CS_AUDIT_EACH] = "SELECT " AUDIT_COLS " FROM audit_entry WHERE "
                      "(?1 = 0 OR resident_id = ?1) AND (?2 = 0 OR case_id = ?2) AND "
                      "(?3 = 0 OR at >= ?3) AND (?4 = 0 OR at <= ?4) AND "
                      "(?5 IS NULL OR operator = ?5) AND (?6 IS NULL OR decision = ?6) AND "
                      "(?7 IS NULL OR rule = ?7) ORDER BY seq",
    [CS_AUDIT_GET] = "SELECT " AUDIT_COLS " FROM audit_entry WHERE seq = ?",
    [CS_AUDIT_LAST] = "SELECT coalesce(max(seq), 0) FROM audit_entry",
    [CS_NODE_PUT] = "INSERT INTO audit_node (level, idx, hash) VALUES (?,?,?)",
    [CS_NODE_GET] = "SELECT hash FROM audit_node WHERE level = ? AND idx = ?",
    [CS_NODE_LEAVES] = "SELECT coalesce(max(idx) + 1, 0) FROM audit_node WHERE level = 0",
    [CS_RECEIPT_INSERT] = "INSERT INTO receipt (case_id, resident_id, amount, fee_case, "
                          "issued_at) VALUES (?,?,?,?,?)",
    [CS_RECEIPT_GET] = "SELECT " RECEIPT_COLS " FROM receipt WHERE number = ?",
    [CS_RECEIPT_VOID] = "UPDATE receipt SET voided_at = ?1, voided_by = ?2, approved_by = ?3 "
                        "WHERE number = ?4 AND voided_at IS NULL",
    [CS_TOKEN_INSERT] = "INSERT INTO counter_token (ref, purpose, case_id, resident_id, "
                        "cert_serial, kinds, issued_at, expires_at) VALUES (?,?,?,?,?,?,?,?)",
    [CS_TOKEN_GET] = "SELECT " TOKEN_COLS " FROM counter_token WHERE ref = ?",
    [CS_TOKEN_USE] = "UPDATE counter_token SET used_at = ?1, used_case = ?2 "
                     "WHERE ref = ?3 AND used_at IS NULL",
    [CS_NOTICE_INSERT] = "INSERT INTO renewal_notice (cert_serial, month, resident_id, "
                         "form_ref, sent_at) VALUES (?,?,?,?,?)",
    [CS_COUNTER_NEXT] = "INSERT INTO service_counter (name, value) VALUES (?1, 1) "
                        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
};

struct sqlite_counter {
	sqlite3_stmt *st[CS_COUNT];
};

int jpki_sqlite_counter_prepare(sqlite3 *db, struct sqlite_counter **ret, struct jpki_err *err)
{
	struct sqlite_counter *c = calloc(1, sizeof(*c));
	if (!c)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	for (int i = 0; i < CS_COUNT; i++)
		if (sqlite3_prepare_v3(db, cstmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i],
		                       NULL) != SQLITE_OK) {
			int rc = jpki_sqlite_fail(db, err, "cannot prepare a counter statement");
			jpki_sqlite_counter_free(c);
			return rc;
		}
	*ret = c;
	return 0;
}

void jpki_sqlite_counter_free(struct sqlite_counter *c)
{
	if (!c)
		return;
	for (int i = 0; i < CS_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	free(c);
}

static sqlite3_stmt *cstmt(struct jpki_store *s, enum cstmt id)
{
	sqlite3_stmt *st = jpki_sqlite_counter(s)->st[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int step_done(struct jpki_store *s, sqlite3_stmt *st, const char *what, struct jpki_err *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : jpki_sqlite_fail(jpki_sqlite_db(s), err, what);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* ---- cases ---- */

static int row_to_case(sqlite3_stmt *st, struct jpki_case_rec *c, struct jpki_err *err)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	int64_t proc = sqlite3_column_int64(st, 1), state = sqlite3_column_int64(st, 2);
	if (proc < 0 || proc > 31 || state < 0 || state > 31 ||
	    jpki_sqlite_col_text(st, 4, c->counter, sizeof(c->counter)) < 0 ||
	    jpki_sqlite_col_text(st, 5, c->operator_id, sizeof(c->operator_id)) < 0 ||
	    jpki_sqlite_col_text(st, 8, c->detail, sizeof(c->detail)) < 0)
		return jpki_fail(err, JPKI_E_STORE, "case row %" PRId64 " is damaged", c->id);
	c->procedure = (int)proc;
	c->state = (int)state;
	c->resident_id = sqlite3_column_int64(st, 3);
	c->opened_at = sqlite3_column_int64(st, 6);
	c->updated_at = sqlite3_column_int64(st, 7);
	return 0;
}

int jpki_sqlite_case_insert(struct jpki_store *s, struct jpki_case_rec *c, struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_CASE_INSERT);
	sqlite3_bind_int(st, 1, c->procedure);
	sqlite3_bind_int(st, 2, c->state);
	sqlite3_bind_int64(st, 3, c->resident_id);
	bind_text(st, 4, c->counter);
	bind_text(st, 5, c->operator_id);
	sqlite3_bind_int64(st, 6, c->opened_at);
	sqlite3_bind_int64(st, 7, c->updated_at);
	bind_text(st, 8, c->detail);
	int rc = step_done(s, st, "cannot open a case", err);
	if (rc == 0)
		c->id = sqlite3_last_insert_rowid(jpki_sqlite_db(s));
	return rc;
}

int jpki_sqlite_case_get(struct jpki_store *s, int64_t id, struct jpki_case_rec *out,
                         struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_CASE_GET);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = row_to_case(st, out, err);
	else if (rc == SQLITE_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no case %" PRId64, id);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read a case");
	sqlite3_reset(st);
	return rc;
}

int jpki_sqlite_case_move(struct jpki_store *s, const struct jpki_case_rec *c, int from,
                          struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_CASE_MOVE);
	sqlite3_bind_int(st, 1, c->state);
	sqlite3_bind_int64(st, 2, c->updated_at);
	bind_text(st, 3, c->detail);
	sqlite3_bind_int64(st, 4, c->id);
	sqlite3_bind_int(st, 5, from);
	int rc = step_done(s, st, "cannot update a case", err);
	if (rc == 0 && sqlite3_changes(jpki_sqlite_db(s)) != 1)
		return jpki_fail(err, JPKI_E_STATE,
		                 "case %" PRId64 " is no longer in the state it was read in "
		                 "(another terminal moved it); read it again",
		                 c->id);
	return rc;
}

int jpki_sqlite_case_each(struct jpki_store *s, int64_t resident_id, jpki_case_cb cb, void *arg,
                          struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, resident_id ? CS_CASE_EACH_RES : CS_CASE_EACH_ALL);
	if (resident_id)
		sqlite3_bind_int64(st, 1, resident_id);
	int rc = 0, step;
	struct jpki_case_rec c;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row_to_case(st, &c, err)) == 0)
			rc = cb(&c, arg);
	if (rc == 0 && step != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot list cases");
	sqlite3_reset(st);
	return rc;
}

/* ---- the audit log ---- */

static int row_to_audit(sqlite3_stmt *st, struct jpki_audit_rec *a, struct jpki_err *err)
{
	memset(a, 0, sizeof(*a));
	a->seq = sqlite3_column_int64(st, 0);
	a->at = sqlite3_column_int64(st, 1);
	a->case_id = sqlite3_column_int64(st, 4);
	a->resident_id = sqlite3_column_int64(st, 5);
	if (jpki_sqlite_col_text(st, 2, a->operator_id, sizeof(a->operator_id)) < 0 ||
	    jpki_sqlite_col_text(st, 3, a->counter, sizeof(a->counter)) < 0 ||
	    jpki_sqlite_col_text(st, 6, a->action, sizeof(a->action)) < 0 ||
	    jpki_sqlite_col_text(st, 7, a->decision, sizeof(a->decision)) < 0 ||
	    jpki_sqlite_col_text(st, 8, a->rule, sizeof(a->rule)) < 0 ||
	    jpki_sqlite_col_text(st, 9, a->documents, sizeof(a->documents)) < 0 ||
	    jpki_sqlite_col_text(st, 10, a->detail, sizeof(a->detail)) < 0)
		return jpki_fail(err, JPKI_E_STORE, "audit entry %" PRId64 " is damaged", a->seq);
	return 0;
}

int jpki_sqlite_audit_append(struct jpki_store *s, struct jpki_audit_rec *a, struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_AUDIT_INSERT);
	sqlite3_bind_int64(st, 1, a->at);
	bind_text(st, 2, a->operator_id);
	bind_text(st, 3, a->counter);
	sqlite3_bind_int64(st, 4, a->case_id);
	sqlite3_bind_int64(st, 5, a->resident_id);
	bind_text(st, 6, a->action);
	bind_text(st, 7, a->decision);
	bind_text(st, 8, a->rule);
	bind_text(st, 9, a->documents);
	bind_text(st, 10, a->detail);
	int rc = step_done(s, st, "cannot append to the audit log", err);
	if (rc == 0)
		a->seq = sqlite3_last_insert_rowid(jpki_sqlite_db(s));
	return rc;
}

int jpki_sqlite_audit_each(struct jpki_store *s, const struct jpki_audit_filter *f,
                           jpki_audit_cb cb, void *arg, struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_AUDIT_EACH);
	sqlite3_bind_int64(st, 1, f->resident_id);
	sqlite3_bind_int64(st, 2, f->case_id);
	sqlite3_bind_int64(st, 3, f->since);
	sqlite3_bind_int64(st, 4, f->until);
	if (f->operator_id)
		bind_text(st, 5, f->operator_id);
	if (f->decision)
		bind_text(st, 6, f->decision);
	if (f->rule)
		bind_text(st, 7, f->rule);
	int rc = 0, step;
	struct jpki_audit_rec a;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row_to_audit(st, &a, err)) == 0)
			rc = cb(&a, arg);
	if (rc == 0 && step != SQLITE_DONE)
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the audit log");
	sqlite3_reset(st);
	return rc;
}

int jpki_sqlite_audit_get(struct jpki_store *s, int64_t seq, struct jpki_audit_rec *out,
                          struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_AUDIT_GET);
	sqlite3_bind_int64(st, 1, seq);
	int step = sqlite3_step(st), rc;
	if (step == SQLITE_ROW)
		rc = row_to_audit(st, out, err);
	else if (step == SQLITE_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no audit entry %" PRId64, seq);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the audit log");
	sqlite3_reset(st);
	return rc;
}

/* One integer of a one-row query. */
static int scalar(struct jpki_store *s, sqlite3_stmt *st, int64_t *out, struct jpki_err *err)
{
	int step = sqlite3_step(st);
	*out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return step == SQLITE_ROW
	           ? 0
	           : jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the audit log");
}

int jpki_sqlite_audit_last(struct jpki_store *s, int64_t *seq, struct jpki_err *err)
{
	return scalar(s, cstmt(s, CS_AUDIT_LAST), seq, err);
}

int jpki_sqlite_audit_leaves(struct jpki_store *s, uint64_t *n, struct jpki_err *err)
{
	int64_t v = 0;
	int rc = scalar(s, cstmt(s, CS_NODE_LEAVES), &v, err);
	*n = v > 0 ? (uint64_t)v : 0;
	return rc;
}

int jpki_sqlite_audit_node_put(struct jpki_store *s, unsigned level, uint64_t idx,
                               const uint8_t hash[32], struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_NODE_PUT);
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_TRANSIENT);
	return step_done(s, st, "cannot extend the audit log's tree", err);
}

int jpki_sqlite_audit_node_get(struct jpki_store *s, unsigned level, uint64_t idx, uint8_t hash[32],
                               struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_NODE_GET);
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	int step = sqlite3_step(st), rc = 0;
	if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
		memcpy(hash, sqlite3_column_blob(st, 0), 32);
	else if (step == SQLITE_ROW || step == SQLITE_DONE) /* a row damaged, or a gap */
		rc = jpki_fail(err, JPKI_E_STORE, "the audit log's tree lacks node %u/%" PRIu64,
		               level, idx);
	else
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read the audit log's tree");
	sqlite3_reset(st);
	return rc;
}

/* ---- receipts ---- */

int jpki_sqlite_receipt_insert(struct jpki_store *s, struct jpki_receipt_rec *r,
                               struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_RECEIPT_INSERT);
	sqlite3_bind_int64(st, 1, r->case_id);
	sqlite3_bind_int64(st, 2, r->resident_id);
	sqlite3_bind_int(st, 3, r->amount);
	bind_text(st, 4, r->fee_case);
	sqlite3_bind_int64(st, 5, r->issued_at);
	int rc = step_done(s, st, "cannot record a receipt", err);
	if (rc == 0)
		r->number = sqlite3_last_insert_rowid(jpki_sqlite_db(s));
	return rc;
}

int jpki_sqlite_receipt_get(struct jpki_store *s, int64_t number, struct jpki_receipt_rec *out,
                            struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_RECEIPT_GET);
	sqlite3_bind_int64(st, 1, number);
	int rc = sqlite3_step(st);
	memset(out, 0, sizeof(*out));
	if (rc == SQLITE_ROW) {
		out->number = sqlite3_column_int64(st, 0);
		out->case_id = sqlite3_column_int64(st, 1);
		out->resident_id = sqlite3_column_int64(st, 2);
		int64_t amount = sqlite3_column_int64(st, 3);
		out->issued_at = sqlite3_column_int64(st, 5);
		out->voided_at = sqlite3_column_int64(st, 6);
		bool voided = sqlite3_column_type(st, 6) != SQLITE_NULL;
		rc =
		    amount < 0 || amount > 1000000 ||
		            jpki_sqlite_col_text(st, 4, out->fee_case, sizeof(out->fee_case)) < 0 ||
		            (voided && (jpki_sqlite_col_text(st, 7, out->voided_by,
		                                             sizeof(out->voided_by)) < 0 ||
		                        jpki_sqlite_col_text(st, 8, out->approved_by,
		                                             sizeof(out->approved_by)) < 0))
		        ? jpki_fail(err, JPKI_E_STORE, "receipt %" PRId64 " is damaged", number)
		        : 0;
		out->amount = (int)amount;
	} else if (rc == SQLITE_DONE) {
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no receipt %" PRId64, number);
	} else {
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read a receipt");
	}
	sqlite3_reset(st);
	return rc;
}

int jpki_sqlite_receipt_void(struct jpki_store *s, int64_t number, int64_t at, const char *by,
                             const char *approved_by, struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_RECEIPT_VOID);
	sqlite3_bind_int64(st, 1, at);
	bind_text(st, 2, by);
	bind_text(st, 3, approved_by);
	sqlite3_bind_int64(st, 4, number);
	int rc = step_done(s, st, "cannot void a receipt", err);
	if (rc == 0 && sqlite3_changes(jpki_sqlite_db(s)) != 1)
		return jpki_fail(err, JPKI_E_STATE,
		                 "receipt %" PRId64 " is unknown or already voided", number);
	return rc;
}

/* ---- one-time tokens and notices ---- */

int jpki_sqlite_token_insert(struct jpki_store *s, const struct jpki_token_rec *t,
                             struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_TOKEN_INSERT);
	bind_text(st, 1, t->ref);
	sqlite3_bind_int(st, 2, (int)t->purpose);
	sqlite3_bind_int64(st, 3, t->case_id);
	sqlite3_bind_int64(st, 4, t->resident_id);
	bind_text(st, 5, t->cert_serial);
	sqlite3_bind_int(st, 6, t->kinds);
	sqlite3_bind_int64(st, 7, t->issued_at);
	sqlite3_bind_int64(st, 8, t->expires_at);
	return step_done(s, st, "cannot record a form", err);
}

int jpki_sqlite_token_get(struct jpki_store *s, const char *ref, struct jpki_token_rec *out,
                          struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_TOKEN_GET);
	bind_text(st, 1, ref);
	int rc = sqlite3_step(st);
	memset(out, 0, sizeof(*out));
	if (rc == SQLITE_ROW) {
		int64_t purpose = sqlite3_column_int64(st, 1), kinds = sqlite3_column_int64(st, 5);
		out->case_id = sqlite3_column_int64(st, 2);
		out->resident_id = sqlite3_column_int64(st, 3);
		out->issued_at = sqlite3_column_int64(st, 6);
		out->expires_at = sqlite3_column_int64(st, 7);
		out->used_at = sqlite3_column_int64(st, 8);
		out->purpose = (enum jpki_token_purpose)purpose;
		out->kinds = (int)kinds;
		rc = purpose < 1 || purpose > 3 || kinds < 0 || kinds > 3 ||
		             jpki_sqlite_col_text(st, 0, out->ref, sizeof(out->ref)) < 0 ||
		             jpki_sqlite_col_text(st, 4, out->cert_serial,
		                                  sizeof(out->cert_serial)) < 0
		         ? jpki_fail(err, JPKI_E_STORE, "form row %s is damaged", ref)
		         : 0;
	} else if (rc == SQLITE_DONE) {
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no form or reservation %s", ref);
	} else {
		rc = jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot read a form");
	}
	sqlite3_reset(st);
	return rc;
}

int jpki_sqlite_token_use(struct jpki_store *s, const char *ref, int64_t at, int64_t case_id,
                          struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_TOKEN_USE);
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int64(st, 2, case_id);
	bind_text(st, 3, ref);
	int rc = step_done(s, st, "cannot use a form", err);
	if (rc == 0 && sqlite3_changes(jpki_sqlite_db(s)) != 1)
		return jpki_fail(err, JPKI_E_STATE, "form %s was used already", ref);
	return rc;
}

int jpki_sqlite_notice_insert(struct jpki_store *s, const char *serial, const char *month,
                              int64_t resident_id, const char *form_ref, int64_t at,
                              struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_NOTICE_INSERT);
	bind_text(st, 1, serial);
	bind_text(st, 2, month);
	sqlite3_bind_int64(st, 3, resident_id);
	bind_text(st, 4, form_ref);
	sqlite3_bind_int64(st, 5, at);
	return step_done(s, st, "cannot record a renewal notice", err);
}

int jpki_sqlite_counter_next(struct jpki_store *s, const char *name, int64_t *out,
                             struct jpki_err *err)
{
	sqlite3_stmt *st = cstmt(s, CS_COUNTER_NEXT);
	bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int done = rc == SQLITE_ROW ? sqlite3_step(st) : rc;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW || done != SQLITE_DONE)
		return jpki_sqlite_fail(jpki_sqlite_db(s), err, "cannot draw from a counter");
	if (v < 1)
		return jpki_fail(err, JPKI_E_STORE, "counter %s is damaged", name);
	*out = v;
	return 0;
}
