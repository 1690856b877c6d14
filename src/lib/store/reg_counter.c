/*
 * reg_counter.c: the counter's operations (store.h) on any engine (sql.h):
 * cases, the audit log and its tree, receipts, one-time tokens, renewal
 * notices and the service's counters.
 *
 * The audit log is append-only in the schema itself (each engine's triggers
 * abort an UPDATE or DELETE of audit_entry and audit_node); its entries are
 * numbered 1, 2, 3 ... without gaps (the next number is taken inside the
 * writer's transaction, never from a sequence that a rollback would skip).
 * Entries are kept at least 10 years after the certificate's expiry
 * (docs/counter.md); nothing here deletes.  Every row read back is checked
 * before it reaches the counter.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "reg_int.h"
#include "sql.h"

enum cstmt {
	CS_CASE_INSERT = JPKI_SQL_COUNTER_BASE,
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

#define AT(id) [(id)-JPKI_SQL_COUNTER_BASE]
static const char *const cstmt_sql[CS_COUNT - JPKI_SQL_COUNTER_BASE] = {
    AT(CS_CASE_INSERT) = "INSERT INTO counter_case (id, procedure, state, resident_id, counter, "
                         "operator, opened_at, updated_at, detail) VALUES ("
                         "(SELECT coalesce(max(id), 0) + 1 FROM counter_case), ?,?,?,?,?,?,?,?) "
                         "RETURNING id",
    AT(CS_CASE_GET) = "SELECT " CASE_COLS " FROM counter_case WHERE id = ?",
    AT(CS_CASE_MOVE) = "UPDATE counter_case SET state = ?1, updated_at = ?2, detail = ?3 "
                       "WHERE id = ?4 AND state = ?5",
    AT(CS_CASE_EACH_ALL) = "SELECT " CASE_COLS " FROM counter_case ORDER BY id DESC",
    AT(CS_CASE_EACH_RES) = "SELECT " CASE_COLS " FROM counter_case WHERE resident_id = ? "
                           "ORDER BY id DESC",
    AT(CS_AUDIT_INSERT) = "INSERT INTO audit_entry (seq, at, operator, counter, case_id, "
                          "resident_id, action, decision, rule, documents, detail) VALUES ("
                          "(SELECT coalesce(max(seq), 0) + 1 FROM audit_entry), "
                          "?,?,?,?,?,?,?,?,?,?) RETURNING seq",
    AT(CS_AUDIT_EACH) = "SELECT " AUDIT_COLS " FROM audit_entry WHERE "
                        "(CAST(?1 AS BIGINT) = 0 OR resident_id = ?1) AND "
                        "(CAST(?2 AS BIGINT) = 0 OR case_id = ?2) AND "
                        "(CAST(?3 AS BIGINT) = 0 OR at >= ?3) AND "
                        "(CAST(?4 AS BIGINT) = 0 OR at <= ?4) AND "
                        "(CAST(?5 AS TEXT) IS NULL OR operator = ?5) AND "
                        "(CAST(?6 AS TEXT) IS NULL OR decision = ?6) AND "
                        "(CAST(?7 AS TEXT) IS NULL OR rule = ?7) ORDER BY seq",
    AT(CS_AUDIT_GET) = "SELECT " AUDIT_COLS " FROM audit_entry WHERE seq = ?",
    AT(CS_AUDIT_LAST) = "SELECT coalesce(max(seq), 0) FROM audit_entry",
    AT(CS_NODE_PUT) = "INSERT INTO audit_node (level, idx, hash) VALUES (?,?,?)",
    AT(CS_NODE_GET) = "SELECT hash FROM audit_node WHERE level = ? AND idx = ?",
    AT(CS_NODE_LEAVES) = "SELECT coalesce(max(idx) + 1, 0) FROM audit_node WHERE level = 0",
    AT(CS_RECEIPT_INSERT) = "INSERT INTO receipt (number, case_id, resident_id, amount, fee_case, "
                            "issued_at) VALUES ((SELECT coalesce(max(number), 0) + 1 FROM "
                            "receipt), ?,?,?,?,?) RETURNING number",
    AT(CS_RECEIPT_GET) = "SELECT " RECEIPT_COLS " FROM receipt WHERE number = ?",
    AT(CS_RECEIPT_VOID) = "UPDATE receipt SET voided_at = ?1, voided_by = ?2, approved_by = ?3 "
                          "WHERE number = ?4 AND voided_at IS NULL",
    AT(CS_TOKEN_INSERT) = "INSERT INTO counter_token (ref, purpose, case_id, resident_id, "
                          "cert_serial, kinds, issued_at, expires_at) VALUES (?,?,?,?,?,?,?,?) ON "
                          "CONFLICT DO NOTHING",
    AT(CS_TOKEN_GET) = "SELECT " TOKEN_COLS " FROM counter_token WHERE ref = ?",
    AT(CS_TOKEN_USE) = "UPDATE counter_token SET used_at = ?1, used_case = ?2 "
                       "WHERE ref = ?3 AND used_at IS NULL",
    AT(CS_NOTICE_INSERT) = "INSERT INTO renewal_notice (cert_serial, month, resident_id, "
                           "form_ref, sent_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
    AT(CS_COUNTER_NEXT) =
        "INSERT INTO service_counter (name, value) VALUES (?1, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = service_counter.value + 1 RETURNING value",
};

const struct jpki_sql_table jpki_reg_counter_sql = {JPKI_SQL_COUNTER_BASE,
                                                    CS_COUNT - JPKI_SQL_COUNTER_BASE, cstmt_sql};

/* ---- cases ---- */

static int row_to_case(struct jpki_sql_stmt *st, struct jpki_case_rec *c, struct jpki_err *err)
{
	memset(c, 0, sizeof(*c));
	c->id = jpki_sql_col_i64(st, 0);
	int64_t proc = jpki_sql_col_i64(st, 1), state = jpki_sql_col_i64(st, 2);
	if (proc < 0 || proc > 31 || state < 0 || state > 31 ||
	    jpki_sql_col_text(st, 4, c->counter, sizeof(c->counter)) < 0 ||
	    jpki_sql_col_text(st, 5, c->operator_id, sizeof(c->operator_id)) < 0 ||
	    jpki_sql_col_text(st, 8, c->detail, sizeof(c->detail)) < 0)
		return jpki_fail(err, JPKI_E_STORE, "case row %" PRId64 " is damaged", c->id);
	c->procedure = (int)proc;
	c->state = (int)state;
	c->resident_id = jpki_sql_col_i64(st, 3);
	c->opened_at = jpki_sql_col_i64(st, 6);
	c->updated_at = jpki_sql_col_i64(st, 7);
	return 0;
}

int jpki_reg_case_insert(struct jpki_store *s, struct jpki_case_rec *c, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_CASE_INSERT);
	jpki_sql_bind_i64(st, 1, c->procedure);
	jpki_sql_bind_i64(st, 2, c->state);
	jpki_sql_bind_i64(st, 3, c->resident_id);
	jpki_sql_bind_text(st, 4, c->counter);
	jpki_sql_bind_text(st, 5, c->operator_id);
	jpki_sql_bind_i64(st, 6, c->opened_at);
	jpki_sql_bind_i64(st, 7, c->updated_at);
	jpki_sql_bind_text(st, 8, c->detail);
	return jpki_sql_one_i64(st, &c->id, "cannot open a case", err);
}

int jpki_reg_case_get(struct jpki_store *s, int64_t id, struct jpki_case_rec *out,
                      struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_CASE_GET);
	jpki_sql_bind_i64(st, 1, id);
	int rc = jpki_sql_step(st);
	if (rc == JPKI_SQL_ROW)
		rc = row_to_case(st, out, err);
	else if (rc == JPKI_SQL_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no case %" PRId64, id);
	else
		rc = jpki_sql_fail(st, err, "cannot read a case");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_case_move(struct jpki_store *s, const struct jpki_case_rec *c, int from,
                       struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_CASE_MOVE);
	jpki_sql_bind_i64(st, 1, c->state);
	jpki_sql_bind_i64(st, 2, c->updated_at);
	jpki_sql_bind_text(st, 3, c->detail);
	jpki_sql_bind_i64(st, 4, c->id);
	jpki_sql_bind_i64(st, 5, from);
	int rc = jpki_sql_done(st, "cannot update a case", err);
	if (rc == 0 && jpki_sql_changes(st) != 1)
		return jpki_fail(err, JPKI_E_STATE,
		                 "case %" PRId64 " is no longer in the state it was read in "
		                 "(another terminal moved it); read it again",
		                 c->id);
	return rc;
}

int jpki_reg_case_each(struct jpki_store *s, int64_t resident_id, jpki_case_cb cb, void *arg,
                       struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, resident_id ? CS_CASE_EACH_RES : CS_CASE_EACH_ALL);
	if (resident_id)
		jpki_sql_bind_i64(st, 1, resident_id);
	int rc = 0, step;
	struct jpki_case_rec c;
	while (rc == 0 && (step = jpki_sql_step(st)) == JPKI_SQL_ROW)
		if ((rc = row_to_case(st, &c, err)) == 0)
			rc = cb(&c, arg);
	if (rc == 0 && step != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot list cases");
	jpki_sql_reset(st);
	return rc;
}

/* ---- the audit log ---- */

static int row_to_audit(struct jpki_sql_stmt *st, struct jpki_audit_rec *a, struct jpki_err *err)
{
	memset(a, 0, sizeof(*a));
	a->seq = jpki_sql_col_i64(st, 0);
	a->at = jpki_sql_col_i64(st, 1);
	a->case_id = jpki_sql_col_i64(st, 4);
	a->resident_id = jpki_sql_col_i64(st, 5);
	if (jpki_sql_col_text(st, 2, a->operator_id, sizeof(a->operator_id)) < 0 ||
	    jpki_sql_col_text(st, 3, a->counter, sizeof(a->counter)) < 0 ||
	    jpki_sql_col_text(st, 6, a->action, sizeof(a->action)) < 0 ||
	    jpki_sql_col_text(st, 7, a->decision, sizeof(a->decision)) < 0 ||
	    jpki_sql_col_text(st, 8, a->rule, sizeof(a->rule)) < 0 ||
	    jpki_sql_col_text(st, 9, a->documents, sizeof(a->documents)) < 0 ||
	    jpki_sql_col_text(st, 10, a->detail, sizeof(a->detail)) < 0)
		return jpki_fail(err, JPKI_E_STORE, "audit entry %" PRId64 " is damaged", a->seq);
	return 0;
}

int jpki_reg_audit_append(struct jpki_store *s, struct jpki_audit_rec *a, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_AUDIT_INSERT);
	jpki_sql_bind_i64(st, 1, a->at);
	jpki_sql_bind_text(st, 2, a->operator_id);
	jpki_sql_bind_text(st, 3, a->counter);
	jpki_sql_bind_i64(st, 4, a->case_id);
	jpki_sql_bind_i64(st, 5, a->resident_id);
	jpki_sql_bind_text(st, 6, a->action);
	jpki_sql_bind_text(st, 7, a->decision);
	jpki_sql_bind_text(st, 8, a->rule);
	jpki_sql_bind_text(st, 9, a->documents);
	jpki_sql_bind_text(st, 10, a->detail);
	return jpki_sql_one_i64(st, &a->seq, "cannot append to the audit log", err);
}

int jpki_reg_audit_each(struct jpki_store *s, const struct jpki_audit_filter *f, jpki_audit_cb cb,
                        void *arg, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_AUDIT_EACH);
	jpki_sql_bind_i64(st, 1, f->resident_id);
	jpki_sql_bind_i64(st, 2, f->case_id);
	jpki_sql_bind_i64(st, 3, f->since);
	jpki_sql_bind_i64(st, 4, f->until);
	if (f->operator_id)
		jpki_sql_bind_text(st, 5, f->operator_id);
	if (f->decision)
		jpki_sql_bind_text(st, 6, f->decision);
	if (f->rule)
		jpki_sql_bind_text(st, 7, f->rule);
	int rc = 0, step;
	struct jpki_audit_rec a;
	while (rc == 0 && (step = jpki_sql_step(st)) == JPKI_SQL_ROW)
		if ((rc = row_to_audit(st, &a, err)) == 0)
			rc = cb(&a, arg);
	if (rc == 0 && step != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot read the audit log");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_audit_get(struct jpki_store *s, int64_t seq, struct jpki_audit_rec *out,
                       struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_AUDIT_GET);
	jpki_sql_bind_i64(st, 1, seq);
	int step = jpki_sql_step(st), rc;
	if (step == JPKI_SQL_ROW)
		rc = row_to_audit(st, out, err);
	else if (step == JPKI_SQL_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no audit entry %" PRId64, seq);
	else
		rc = jpki_sql_fail(st, err, "cannot read the audit log");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_audit_last(struct jpki_store *s, int64_t *seq, struct jpki_err *err)
{
	return jpki_sql_one_i64(jpki_q(s, CS_AUDIT_LAST), seq, "cannot read the audit log", err);
}

int jpki_reg_audit_leaves(struct jpki_store *s, uint64_t *n, struct jpki_err *err)
{
	int64_t v = 0;
	int rc = jpki_sql_one_i64(jpki_q(s, CS_NODE_LEAVES), &v, "cannot read the audit log", err);
	*n = v > 0 ? (uint64_t)v : 0;
	return rc;
}

int jpki_reg_audit_node_put(struct jpki_store *s, unsigned level, uint64_t idx,
                            const uint8_t hash[32], struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_NODE_PUT);
	jpki_sql_bind_i64(st, 1, (int)level);
	jpki_sql_bind_i64(st, 2, (int64_t)idx);
	jpki_sql_bind_blob(st, 3, hash, (size_t)(32));
	return jpki_sql_done(st, "cannot extend the audit log's tree", err);
}

int jpki_reg_audit_node_get(struct jpki_store *s, unsigned level, uint64_t idx, uint8_t hash[32],
                            struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_NODE_GET);
	jpki_sql_bind_i64(st, 1, (int)level);
	jpki_sql_bind_i64(st, 2, (int64_t)idx);
	int step = jpki_sql_step(st), rc = 0;
	size_t n = 0;
	const uint8_t *h = step == JPKI_SQL_ROW ? jpki_sql_col_blob(st, 0, &n) : NULL;
	if (h && n == 32)
		memcpy(hash, h, 32);
	else if (step == JPKI_SQL_ROW || step == JPKI_SQL_DONE) /* a row damaged, or a gap */
		rc = jpki_fail(err, JPKI_E_STORE, "the audit log's tree lacks node %u/%" PRIu64,
		               level, idx);
	else
		rc = jpki_sql_fail(st, err, "cannot read the audit log's tree");
	jpki_sql_reset(st);
	return rc;
}

/* ---- receipts ---- */

int jpki_reg_receipt_insert(struct jpki_store *s, struct jpki_receipt_rec *r, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_RECEIPT_INSERT);
	jpki_sql_bind_i64(st, 1, r->case_id);
	jpki_sql_bind_i64(st, 2, r->resident_id);
	jpki_sql_bind_i64(st, 3, r->amount);
	jpki_sql_bind_text(st, 4, r->fee_case);
	jpki_sql_bind_i64(st, 5, r->issued_at);
	return jpki_sql_one_i64(st, &r->number, "cannot record a receipt", err);
}

int jpki_reg_receipt_get(struct jpki_store *s, int64_t number, struct jpki_receipt_rec *out,
                         struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_RECEIPT_GET);
	jpki_sql_bind_i64(st, 1, number);
	int rc = jpki_sql_step(st);
	memset(out, 0, sizeof(*out));
	if (rc == JPKI_SQL_ROW) {
		out->number = jpki_sql_col_i64(st, 0);
		out->case_id = jpki_sql_col_i64(st, 1);
		out->resident_id = jpki_sql_col_i64(st, 2);
		int64_t amount = jpki_sql_col_i64(st, 3);
		out->issued_at = jpki_sql_col_i64(st, 5);
		out->voided_at = jpki_sql_col_i64(st, 6);
		bool voided = !jpki_sql_col_null(st, 6);
		rc = amount < 0 || amount > 1000000 ||
		             jpki_sql_col_text(st, 4, out->fee_case, sizeof(out->fee_case)) < 0 ||
		             (voided && (jpki_sql_col_text(st, 7, out->voided_by,
		                                           sizeof(out->voided_by)) < 0 ||
		                         jpki_sql_col_text(st, 8, out->approved_by,
		                                           sizeof(out->approved_by)) < 0))
		         ? jpki_fail(err, JPKI_E_STORE, "receipt %" PRId64 " is damaged", number)
		         : 0;
		out->amount = (int)amount;
	} else if (rc == JPKI_SQL_DONE) {
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no receipt %" PRId64, number);
	} else {
		rc = jpki_sql_fail(st, err, "cannot read a receipt");
	}
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_receipt_void(struct jpki_store *s, int64_t number, int64_t at, const char *by,
                          const char *approved_by, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_RECEIPT_VOID);
	jpki_sql_bind_i64(st, 1, at);
	jpki_sql_bind_text(st, 2, by);
	jpki_sql_bind_text(st, 3, approved_by);
	jpki_sql_bind_i64(st, 4, number);
	int rc = jpki_sql_done(st, "cannot void a receipt", err);
	if (rc == 0 && jpki_sql_changes(st) != 1)
		return jpki_fail(err, JPKI_E_STATE,
		                 "receipt %" PRId64 " is unknown or already voided", number);
	return rc;
}

/* ---- one-time tokens and notices ---- */

int jpki_reg_token_insert(struct jpki_store *s, const struct jpki_token_rec *t,
                          struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_TOKEN_INSERT);
	jpki_sql_bind_text(st, 1, t->ref);
	jpki_sql_bind_i64(st, 2, (int)t->purpose);
	jpki_sql_bind_i64(st, 3, t->case_id);
	jpki_sql_bind_i64(st, 4, t->resident_id);
	jpki_sql_bind_text(st, 5, t->cert_serial);
	jpki_sql_bind_i64(st, 6, t->kinds);
	jpki_sql_bind_i64(st, 7, t->issued_at);
	jpki_sql_bind_i64(st, 8, t->expires_at);
	return jpki_sql_insert(st, NULL, "cannot record a form", err);
}

int jpki_reg_token_get(struct jpki_store *s, const char *ref, struct jpki_token_rec *out,
                       struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_TOKEN_GET);
	jpki_sql_bind_text(st, 1, ref);
	int rc = jpki_sql_step(st);
	memset(out, 0, sizeof(*out));
	if (rc == JPKI_SQL_ROW) {
		int64_t purpose = jpki_sql_col_i64(st, 1), kinds = jpki_sql_col_i64(st, 5);
		out->case_id = jpki_sql_col_i64(st, 2);
		out->resident_id = jpki_sql_col_i64(st, 3);
		out->issued_at = jpki_sql_col_i64(st, 6);
		out->expires_at = jpki_sql_col_i64(st, 7);
		out->used_at = jpki_sql_col_i64(st, 8);
		out->purpose = (enum jpki_token_purpose)purpose;
		out->kinds = (int)kinds;
		rc =
		    purpose < 1 || purpose > 3 || kinds < 0 || kinds > 3 ||
		            jpki_sql_col_text(st, 0, out->ref, sizeof(out->ref)) < 0 ||
		            jpki_sql_col_text(st, 4, out->cert_serial, sizeof(out->cert_serial)) < 0
		        ? jpki_fail(err, JPKI_E_STORE, "form row %s is damaged", ref)
		        : 0;
	} else if (rc == JPKI_SQL_DONE) {
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no form or reservation %s", ref);
	} else {
		rc = jpki_sql_fail(st, err, "cannot read a form");
	}
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_token_use(struct jpki_store *s, const char *ref, int64_t at, int64_t case_id,
                       struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_TOKEN_USE);
	jpki_sql_bind_i64(st, 1, at);
	jpki_sql_bind_i64(st, 2, case_id);
	jpki_sql_bind_text(st, 3, ref);
	int rc = jpki_sql_done(st, "cannot use a form", err);
	if (rc == 0 && jpki_sql_changes(st) != 1)
		return jpki_fail(err, JPKI_E_STATE, "form %s was used already", ref);
	return rc;
}

int jpki_reg_notice_insert(struct jpki_store *s, const char *serial, const char *month,
                           int64_t resident_id, const char *form_ref, int64_t at,
                           struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_NOTICE_INSERT);
	jpki_sql_bind_text(st, 1, serial);
	jpki_sql_bind_text(st, 2, month);
	jpki_sql_bind_i64(st, 3, resident_id);
	jpki_sql_bind_text(st, 4, form_ref);
	jpki_sql_bind_i64(st, 5, at);
	return jpki_sql_insert(st, NULL, "cannot record a renewal notice", err);
}

int jpki_reg_counter_next(struct jpki_store *s, const char *name, int64_t *out,
                          struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, CS_COUNTER_NEXT);
	jpki_sql_bind_text(st, 1, name);
	int64_t v = 0;
	int rc = jpki_sql_one_i64(st, &v, "cannot draw from a counter", err);
	if (rc < 0)
		return rc;
	if (v < 1)
		return jpki_fail(err, JPKI_E_STORE, "counter %s is damaged", name);
	*out = v;
	return 0;
}
