/*
 * sql.h: the registry's statements, engine by engine.
 *
 * The registry's operations (reg_*.c) are written once, over this small
 * statement interface; each engine (sql_sqlite.c, sql_pg.c) runs them.  A
 * statement is named by a number and its text is portable SQL: numbered
 * parameters ?1 ?2 ... (or ? in order), integers for instants, text for
 * dates, INSERT ... RETURNING for new keys, CAST(? AS BIGINT) where only a
 * literal would give a parameter its type.  An engine prepares every
 * statement when it opens the registry and keeps them for the connection's
 * life.
 *
 * Values read back are only as good as the row: the operations check every
 * one (ranges, lengths, dates) before it reaches domain code.
 */
#ifndef JPKI_STORE_SQL_H
#define JPKI_STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct jpki_sql_stmt;

enum { JPKI_SQL_ROW = 1, JPKI_SQL_DONE = 0, JPKI_SQL_ERROR = -1 };
/* What a column holds in this row. */
enum jpki_sql_kind { JPKI_SQL_NULL, JPKI_SQL_INT, JPKI_SQL_TEXT, JPKI_SQL_BLOB, JPKI_SQL_OTHER };

/* The statements of one file of operations: numbers base .. base + n - 1. */
struct jpki_sql_table {
	int base, n;
	const char *const *text;
};

/* What an engine does with a statement (sql_sqlite.c, sql_pg.c). */
struct jpki_sql_engine {
	/* statement id, reset, with no parameter bound */
	struct jpki_sql_stmt *(*stmt)(struct jpki_store *s, int id);
	/* a statement of the caller's own (not in the tables), until finalize */
	struct jpki_sql_stmt *(*prepare)(struct jpki_store *s, const char *sql,
	                                 struct jpki_err *err);
	void (*finalize)(struct jpki_sql_stmt *q);
	void (*bind_i64)(struct jpki_sql_stmt *q, int i, int64_t v);
	void (*bind_text)(struct jpki_sql_stmt *q, int i, const char *v);           /* copied */
	void (*bind_blob)(struct jpki_sql_stmt *q, int i, const void *p, size_t n); /* copied */
	void (*bind_null)(struct jpki_sql_stmt *q, int i);
	/* JPKI_SQL_ROW, JPKI_SQL_DONE, or JPKI_SQL_ERROR (why: fail) */
	int (*step)(struct jpki_sql_stmt *q);
	int64_t (*col_i64)(struct jpki_sql_stmt *q, int col);
	bool (*col_null)(struct jpki_sql_stmt *q, int col);
	enum jpki_sql_kind (*col_kind)(struct jpki_sql_stmt *q, int col);
	/* the column's bytes (not NUL-terminated) and their count; NULL for SQL NULL */
	const char *(*col_text)(struct jpki_sql_stmt *q, int col, size_t *len);
	const uint8_t *(*col_blob)(struct jpki_sql_stmt *q, int col, size_t *len);
	/* rows changed by the statement's last step */
	int64_t (*changes)(struct jpki_sql_stmt *q);
	void (*reset)(struct jpki_sql_stmt *q);
	/* EXISTS for a unique-key conflict of q's last step, else STORE, naming what failed */
	int (*fail)(struct jpki_sql_stmt *q, struct jpki_err *err, const char *what);
};

/* Every engine's statement begins with this. */
struct jpki_sql_stmt {
	const struct jpki_sql_engine *e;
};

/* The text of statement id, from the operations' tables (reg.c); NULL when unknown. */
const char *jpki_sql_text(int id);

/* ---- what the operations call ---- */

static inline struct jpki_sql_stmt *jpki_q(struct jpki_store *s, int id)
{
	return s->sql->stmt(s, id);
}
static inline struct jpki_sql_stmt *jpki_sql_prepare(struct jpki_store *s, const char *sql,
                                                     struct jpki_err *err)
{
	return s->sql->prepare(s, sql, err);
}
static inline void jpki_sql_finalize(struct jpki_sql_stmt *q)
{
	if (q)
		q->e->finalize(q);
}
static inline void jpki_sql_bind_i64(struct jpki_sql_stmt *q, int i, int64_t v)
{
	q->e->bind_i64(q, i, v);
}
static inline void jpki_sql_bind_text(struct jpki_sql_stmt *q, int i, const char *v)
{
	q->e->bind_text(q, i, v);
}
static inline void jpki_sql_bind_blob(struct jpki_sql_stmt *q, int i, const void *p, size_t n)
{
	q->e->bind_blob(q, i, p, n);
}
static inline void jpki_sql_bind_null(struct jpki_sql_stmt *q, int i)
{
	q->e->bind_null(q, i);
}
static inline int jpki_sql_step(struct jpki_sql_stmt *q)
{
	return q->e->step(q);
}
static inline int64_t jpki_sql_col_i64(struct jpki_sql_stmt *q, int col)
{
	return q->e->col_i64(q, col);
}
static inline bool jpki_sql_col_null(struct jpki_sql_stmt *q, int col)
{
	return q->e->col_null(q, col);
}
static inline enum jpki_sql_kind jpki_sql_col_kind(struct jpki_sql_stmt *q, int col)
{
	return q->e->col_kind(q, col);
}
/* A text column's bytes in place (not NUL-terminated), valid until the next step; NULL for NULL. */
static inline const char *jpki_sql_col_bytes(struct jpki_sql_stmt *q, int col, size_t *len)
{
	return q->e->col_text(q, col, len);
}
static inline const uint8_t *jpki_sql_col_blob(struct jpki_sql_stmt *q, int col, size_t *len)
{
	return q->e->col_blob(q, col, len);
}
static inline int64_t jpki_sql_changes(struct jpki_sql_stmt *q)
{
	return q->e->changes(q);
}
static inline void jpki_sql_reset(struct jpki_sql_stmt *q)
{
	q->e->reset(q);
}
static inline int jpki_sql_fail(struct jpki_sql_stmt *q, struct jpki_err *err, const char *what)
{
	return q->e->fail(q, err, what);
}
/* Copy a text column into dst (cap bytes); -1 when NULL, too long or holding a NUL. */
int jpki_sql_col_text(struct jpki_sql_stmt *q, int col, char *dst, size_t cap);
/* Step q expecting no row, then reset it; 0, or fail(what). */
int jpki_sql_done(struct jpki_sql_stmt *q, const char *what, struct jpki_err *err);
/*
 * An INSERT ... ON CONFLICT DO NOTHING: EXISTS (what) when it inserted
 * nothing.  A conflict is an answer, not a failure: the transaction goes
 * on (on PostgreSQL a failed statement would end it).  With RETURNING, out
 * (may be NULL) gets the new key.
 */
int jpki_sql_insert(struct jpki_sql_stmt *q, int64_t *out, const char *what, struct jpki_err *err);
/* Step q expecting a row whose first column is an integer (RETURNING id, count(*)) into *out. */
int jpki_sql_one_i64(struct jpki_sql_stmt *q, int64_t *out, const char *what, struct jpki_err *err);

/* Statement numbers of each file of operations. */
enum {
	JPKI_SQL_CERT_BASE = 0,
	JPKI_SQL_COUNTER_BASE = 100,
	JPKI_SQL_OPERATOR_BASE = 200,
	JPKI_SQL_CREDENTIAL_BASE = 300,
	JPKI_SQL_LINK_BASE = 400,
	JPKI_SQL_MAX = 500
};

#endif
