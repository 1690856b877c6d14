/*
 * sql_sqlite.c: the statement engine over SQLite (sql.h), for sqlite.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sql.h"
#include "sqlite_int.h"

struct sq_stmt {
	struct jpki_sql_stmt base;
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t changes;
};

struct sqlite_stmts {
	sqlite3 *db;
	struct sq_stmt q[JPKI_SQL_MAX];
};

static struct sq_stmt *Q(struct jpki_sql_stmt *q)
{
	return (struct sq_stmt *)q;
}

static struct jpki_sql_stmt *sq_stmt(struct jpki_store *s, int id)
{
	struct sq_stmt *q = &((struct sqlite_stmts *)s->sql_stmts)->q[id];
	sqlite3_reset(q->st);
	sqlite3_clear_bindings(q->st);
	q->changes = 0;
	return &q->base;
}

static struct jpki_sql_stmt *sq_prepare(struct jpki_store *s, const char *sql, struct jpki_err *err)
{
	struct sqlite_stmts *all = s->sql_stmts;
	struct sq_stmt *q = calloc(1, sizeof(*q));
	if (!q) {
		jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		return NULL;
	}
	q->base.e = &jpki_sqlite_engine;
	q->db = all->db;
	if (sqlite3_prepare_v2(all->db, sql, -1, &q->st, NULL) != SQLITE_OK) {
		jpki_sqlite_fail(all->db, err, "cannot prepare a statement");
		free(q);
		return NULL;
	}
	return &q->base;
}

static void sq_finalize(struct jpki_sql_stmt *q)
{
	sqlite3_finalize(Q(q)->st);
	free(q);
}

static void sq_bind_i64(struct jpki_sql_stmt *q, int i, int64_t v)
{
	sqlite3_bind_int64(Q(q)->st, i, v);
}

static void sq_bind_text(struct jpki_sql_stmt *q, int i, const char *v)
{
	sqlite3_bind_text(Q(q)->st, i, v, -1, SQLITE_TRANSIENT);
}

static void sq_bind_blob(struct jpki_sql_stmt *q, int i, const void *p, size_t n)
{
	sqlite3_bind_blob(Q(q)->st, i, p, (int)n, SQLITE_TRANSIENT);
}

static void sq_bind_null(struct jpki_sql_stmt *q, int i)
{
	sqlite3_bind_null(Q(q)->st, i);
}

static int sq_step(struct jpki_sql_stmt *q)
{
	int rc = sqlite3_step(Q(q)->st);
	if (rc == SQLITE_DONE)
		Q(q)->changes = sqlite3_changes(Q(q)->db);
	return rc == SQLITE_ROW ? JPKI_SQL_ROW : rc == SQLITE_DONE ? JPKI_SQL_DONE : JPKI_SQL_ERROR;
}

static int64_t sq_col_i64(struct jpki_sql_stmt *q, int col)
{
	return sqlite3_column_int64(Q(q)->st, col);
}

static bool sq_col_null(struct jpki_sql_stmt *q, int col)
{
	return sqlite3_column_type(Q(q)->st, col) == SQLITE_NULL;
}

static enum jpki_sql_kind sq_col_kind(struct jpki_sql_stmt *q, int col)
{
	switch (sqlite3_column_type(Q(q)->st, col)) {
	case SQLITE_NULL:
		return JPKI_SQL_NULL;
	case SQLITE_INTEGER:
		return JPKI_SQL_INT;
	case SQLITE_TEXT:
		return JPKI_SQL_TEXT;
	case SQLITE_BLOB:
		return JPKI_SQL_BLOB;
	default:
		return JPKI_SQL_OTHER;
	}
}

static const char *sq_col_text(struct jpki_sql_stmt *q, int col, size_t *len)
{
	const unsigned char *t = sqlite3_column_text(Q(q)->st, col);
	int n = sqlite3_column_bytes(Q(q)->st, col);
	*len = t && n > 0 ? (size_t)n : 0;
	return (const char *)t;
}

static const uint8_t *sq_col_blob(struct jpki_sql_stmt *q, int col, size_t *len)
{
	const void *b = sqlite3_column_blob(Q(q)->st, col);
	int n = sqlite3_column_bytes(Q(q)->st, col);
	*len = b && n > 0 ? (size_t)n : 0;
	return b;
}

static int64_t sq_changes(struct jpki_sql_stmt *q)
{
	return Q(q)->changes;
}

static void sq_reset(struct jpki_sql_stmt *q)
{
	sqlite3_reset(Q(q)->st);
}

static int sq_fail(struct jpki_sql_stmt *q, struct jpki_err *err, const char *what)
{
	return jpki_sqlite_fail(Q(q)->db, err, what);
}

const struct jpki_sql_engine jpki_sqlite_engine = {
    .stmt = sq_stmt,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_i64 = sq_bind_i64,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_i64 = sq_col_i64,
    .col_null = sq_col_null,
    .col_kind = sq_col_kind,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .reset = sq_reset,
    .fail = sq_fail,
};

int jpki_sqlite_stmts_prepare(sqlite3 *db, void **ret, struct jpki_err *err)
{
	struct sqlite_stmts *all = calloc(1, sizeof(*all));
	if (!all)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	all->db = db;
	for (int id = 0; id < JPKI_SQL_MAX; id++) {
		const char *text = jpki_sql_text(id);
		all->q[id].base.e = &jpki_sqlite_engine;
		all->q[id].db = db;
		if (text && sqlite3_prepare_v3(db, text, -1, SQLITE_PREPARE_PERSISTENT,
		                               &all->q[id].st, NULL) != SQLITE_OK) {
			int rc = jpki_sqlite_fail(db, err, "cannot prepare a registry statement");
			jpki_sqlite_stmts_free(all);
			return rc;
		}
	}
	*ret = all;
	return 0;
}

void jpki_sqlite_stmts_free(void *p)
{
	struct sqlite_stmts *all = p;
	for (int id = 0; all && id < JPKI_SQL_MAX; id++)
		sqlite3_finalize(all->q[id].st);
	free(all);
}
