/*
 * reg_link.c: the linking service's tables (link_rec.h, store.h) on any
 * engine (sql.h): the registered relying parties and the append-only log of
 * their accesses, numbered without gaps.
 */
#include <string.h>

#include "reg_int.h"
#include "sql.h"

#define RP_COLS "id, name, key_hash, may_link_signature, created_at, disabled_at"

enum {
	Q_RP_INSERT = JPKI_SQL_LINK_BASE,
	Q_RP_GET,
	Q_RP_EACH,
	Q_RP_DISABLE,
	Q_LOG_APPEND,
	Q_LOG_EACH,
	Q_LINK_END
};

#define AT(id) [(id)-JPKI_SQL_LINK_BASE]
static const char *const q_link_text[Q_LINK_END - JPKI_SQL_LINK_BASE] = {
    AT(Q_RP_INSERT) = "INSERT INTO relying_party (" RP_COLS ") VALUES (?, ?, ?, ?, ?, NULL) "
                      "ON CONFLICT DO NOTHING",
    AT(Q_RP_GET) = "SELECT " RP_COLS " FROM relying_party WHERE id = ?",
    AT(Q_RP_EACH) = "SELECT " RP_COLS " FROM relying_party ORDER BY id",
    AT(Q_RP_DISABLE) = "UPDATE relying_party SET disabled_at = ? WHERE id = ? AND "
                       "disabled_at IS NULL",
    AT(Q_LOG_APPEND) = "INSERT INTO link_access (seq, at, rp_id, action, outcome, detail) "
                       "VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM link_access), "
                       "?, ?, ?, ?, ?) RETURNING seq",
    AT(Q_LOG_EACH) = "SELECT seq, at, rp_id, action, outcome, detail FROM link_access "
                     "ORDER BY seq",
};

const struct jpki_sql_table jpki_reg_link_sql = {JPKI_SQL_LINK_BASE,
                                                 Q_LINK_END - JPKI_SQL_LINK_BASE, q_link_text};

int jpki_reg_rp_insert(struct jpki_store *s, const struct jpki_rp_rec *r, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_RP_INSERT);
	jpki_sql_bind_text(st, 1, r->id);
	jpki_sql_bind_text(st, 2, r->name);
	jpki_sql_bind_blob(st, 3, r->key_hash, sizeof(r->key_hash));
	jpki_sql_bind_i64(st, 4, r->may_link_signature ? 1 : 0);
	jpki_sql_bind_i64(st, 5, r->created_at);
	return jpki_sql_insert(st, NULL, "cannot register the relying party", err);
}

/* One row of RP_COLS; -1 when a value breaks what the table promises. */
static int read_rp(struct jpki_sql_stmt *st, struct jpki_rp_rec *out)
{
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	const uint8_t *hash = jpki_sql_col_blob(st, 2, &n);
	if (jpki_sql_col_text(st, 0, out->id, sizeof(out->id)) < 0 ||
	    jpki_sql_col_text(st, 1, out->name, sizeof(out->name)) < 0 || !hash ||
	    n != sizeof(out->key_hash))
		return -1;
	memcpy(out->key_hash, hash, sizeof(out->key_hash));
	out->may_link_signature = jpki_sql_col_i64(st, 3) == 1;
	out->created_at = jpki_sql_col_i64(st, 4);
	out->disabled_at = jpki_sql_col_i64(st, 5);
	return 0;
}

int jpki_reg_rp_get(struct jpki_store *s, const char *id, struct jpki_rp_rec *out,
                    struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_RP_GET);
	int rc = 0;
	jpki_sql_bind_text(st, 1, id);
	int step = jpki_sql_step(st);
	if (step == JPKI_SQL_DONE)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no relying party %s", id);
	else if (step != JPKI_SQL_ROW)
		rc = jpki_sql_fail(st, err, "cannot read a relying party");
	else if (read_rp(st, out) < 0)
		rc = jpki_fail(err, JPKI_E_STORE, "a malformed relying_party row");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_rp_each(struct jpki_store *s, jpki_rp_cb cb, void *arg, struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_RP_EACH);
	int rc = 0, step = JPKI_SQL_DONE;
	struct jpki_rp_rec r;
	while (rc == 0 && (step = jpki_sql_step(st)) == JPKI_SQL_ROW) {
		if (read_rp(st, &r) < 0)
			rc = jpki_fail(err, JPKI_E_STORE, "a malformed relying_party row");
		else
			rc = cb(&r, arg);
	}
	if (rc == 0 && step != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot list the relying parties");
	jpki_sql_reset(st);
	return rc;
}

int jpki_reg_rp_disable(struct jpki_store *s, const char *id, int64_t at, struct jpki_err *err)
{
	struct jpki_rp_rec r;
	int rc = jpki_reg_rp_get(s, id, &r, err);
	if (rc == 0 && r.disabled_at)
		rc = jpki_fail(err, JPKI_E_STATE, "relying party %s is already disabled", id);
	if (rc < 0)
		return rc;
	struct jpki_sql_stmt *st = jpki_q(s, Q_RP_DISABLE);
	jpki_sql_bind_i64(st, 1, at);
	jpki_sql_bind_text(st, 2, id);
	return jpki_sql_done(st, "cannot disable the relying party", err);
}

int jpki_reg_link_log_append(struct jpki_store *s, struct jpki_link_log_rec *l,
                             struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_LOG_APPEND);
	jpki_sql_bind_i64(st, 1, l->at);
	jpki_sql_bind_text(st, 2, l->rp_id);
	jpki_sql_bind_text(st, 3, l->action);
	jpki_sql_bind_text(st, 4, l->outcome);
	jpki_sql_bind_text(st, 5, l->detail);
	return jpki_sql_one_i64(st, &l->seq, "cannot append to the link access log", err);
}

int jpki_reg_link_log_each(struct jpki_store *s, jpki_link_log_cb cb, void *arg,
                           struct jpki_err *err)
{
	struct jpki_sql_stmt *st = jpki_q(s, Q_LOG_EACH);
	int rc = 0, step = JPKI_SQL_DONE;
	struct jpki_link_log_rec l;
	while (rc == 0 && (step = jpki_sql_step(st)) == JPKI_SQL_ROW) {
		memset(&l, 0, sizeof(l));
		l.seq = jpki_sql_col_i64(st, 0);
		l.at = jpki_sql_col_i64(st, 1);
		if (jpki_sql_col_text(st, 2, l.rp_id, sizeof(l.rp_id)) < 0 ||
		    jpki_sql_col_text(st, 3, l.action, sizeof(l.action)) < 0 ||
		    jpki_sql_col_text(st, 4, l.outcome, sizeof(l.outcome)) < 0 ||
		    jpki_sql_col_text(st, 5, l.detail, sizeof(l.detail)) < 0)
			rc = jpki_fail(err, JPKI_E_STORE, "a malformed link_access row");
		else
			rc = cb(&l, arg);
	}
	if (rc == 0 && step != JPKI_SQL_DONE)
		rc = jpki_sql_fail(st, err, "cannot read the link access log");
	jpki_sql_reset(st);
	return rc;
}
