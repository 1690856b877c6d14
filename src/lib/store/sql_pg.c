/*
 * sql_pg.c: the statement engine over PostgreSQL's libpq (sql.h), for pg.c.
 *
 * Statements are prepared on the server once per connection, their ?N
 * parameters written as $N.  Values go as text, blobs as binary; results
 * come back as text (bytea as \x hex, decoded here).  A write outside a
 * transaction runs in one of its own that takes the registry's writer lock
 * first, as pg.c's begin does: writers never race for the next number.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pg_int.h"

#define PARAMS_MAX 16

struct pg_stmt {
	struct jpki_sql_stmt base;
	struct pg_conn *conn;
	int id, nparams; /* id: a table's statement, or JPKI_SQL_MAX + n for the caller's own */
	bool write;
	char *value[PARAMS_MAX];
	int len[PARAMS_MAX], format[PARAMS_MAX]; /* format 1: binary (a blob) */
	bool owned[PARAMS_MAX];                  /* value is a copy of ours */
	char num[PARAMS_MAX][24];
	PGresult *res;
	int row; /* the row the next step returns */
	int64_t changes;
	char sqlstate[6], error[300];
	uint8_t *blob; /* the last bytea column read */
	size_t blob_cap;
};

struct pg_stmts {
	struct pg_conn *conn;
	int made; /* the caller's own statements prepared so far (their names) */
	struct pg_stmt q[JPKI_SQL_MAX];
};

static struct pg_stmt *Q(struct jpki_sql_stmt *q)
{
	return (struct pg_stmt *)q;
}

static void clear_params(struct pg_stmt *q)
{
	for (int i = 0; i < PARAMS_MAX; i++) {
		if (q->owned[i])
			free(q->value[i]);
		q->value[i] = NULL;
		q->len[i] = q->format[i] = 0;
		q->owned[i] = false;
	}
}

static void drop_result(struct pg_stmt *q)
{
	PQclear(q->res);
	q->res = NULL;
	q->row = 0;
}

static struct jpki_sql_stmt *pg_stmt(struct jpki_store *s, int id)
{
	struct pg_stmt *q = &((struct pg_stmts *)s->sql_stmts)->q[id];
	drop_result(q);
	clear_params(q);
	q->changes = 0;
	q->sqlstate[0] = q->error[0] = '\0';
	return &q->base;
}

/* Parameter i (1-based) is v; owned: a copy to free. */
static void put(struct pg_stmt *q, int i, char *v, int len, int format, bool owned)
{
	if (i < 1 || i > PARAMS_MAX) {
		if (owned)
			free(v);
		return;
	}
	if (q->owned[i - 1])
		free(q->value[i - 1]);
	q->value[i - 1] = v;
	q->len[i - 1] = len;
	q->format[i - 1] = format;
	q->owned[i - 1] = owned;
}

static void pg_bind_i64(struct jpki_sql_stmt *q, int i, int64_t v)
{
	if (i < 1 || i > PARAMS_MAX)
		return;
	snprintf(Q(q)->num[i - 1], sizeof(Q(q)->num[0]), "%" PRId64, v);
	put(Q(q), i, Q(q)->num[i - 1], 0, 0, false);
}

static void pg_bind_text(struct jpki_sql_stmt *q, int i, const char *v)
{
	char *copy = v ? strdup(v) : NULL;
	put(Q(q), i, copy, 0, 0, copy != NULL);
}

static void pg_bind_blob(struct jpki_sql_stmt *q, int i, const void *p, size_t n)
{
	char *copy = malloc(n ? n : 1);
	if (copy && n)
		memcpy(copy, p, n);
	put(Q(q), i, copy, (int)n, 1, copy != NULL);
}

static void pg_bind_null(struct jpki_sql_stmt *q, int i)
{
	put(Q(q), i, NULL, 0, 0, false);
}

static void remember_error(struct pg_stmt *q, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	snprintf(q->sqlstate, sizeof(q->sqlstate), "%s", state ? state : "");
	snprintf(q->error, sizeof(q->error), "%s", msg ? msg : PQerrorMessage(q->conn->db));
}

/* Run q on the server: all its rows at once. */
static int run(struct pg_stmt *q)
{
	char name[16];
	const char *values[PARAMS_MAX];
	int lengths[PARAMS_MAX], formats[PARAMS_MAX];
	for (int i = 0; i < q->nparams; i++) {
		values[i] = q->value[i];
		lengths[i] = q->len[i];
		formats[i] = q->format[i];
	}
	bool own_tx = q->write && !q->conn->in_tx;
	/* between transactions, a connection the server dropped is made again first */
	if (!q->conn->in_tx && PQstatus(q->conn->db) == CONNECTION_BAD &&
	    jpki_pg_reconnect(q->conn) < 0) {
		snprintf(q->error, sizeof(q->error), "the registry's database is unreachable: %s",
		         PQerrorMessage(q->conn->db));
		return JPKI_SQL_ERROR;
	}
	if (own_tx && jpki_pg_lock_tx(q->conn) < 0) {
		snprintf(q->error, sizeof(q->error), "%s", PQerrorMessage(q->conn->db));
		return JPKI_SQL_ERROR;
	}
	snprintf(name, sizeof(name), "q%d", q->id);
	q->res = PQexecPrepared(q->conn->db, name, q->nparams, values, lengths, formats, 0);
	/* a read outside a transaction that met a dropped connection is asked again, once */
	if (!q->write && !q->conn->in_tx && PQstatus(q->conn->db) == CONNECTION_BAD &&
	    jpki_pg_reconnect(q->conn) == 0) {
		PQclear(q->res);
		q->res = PQexecPrepared(q->conn->db, name, q->nparams, values, lengths, formats, 0);
	}
	ExecStatusType st = PQresultStatus(q->res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		remember_error(q, q->res);
	if (own_tx) {
		PGresult *end = PQexec(q->conn->db, ok ? "COMMIT" : "ROLLBACK");
		if (ok && PQresultStatus(end) != PGRES_COMMAND_OK) {
			remember_error(q, end);
			ok = false;
		}
		PQclear(end);
	}
	if (!ok)
		return JPKI_SQL_ERROR;
	const char *tuples = PQcmdTuples(q->res);
	q->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
	return JPKI_SQL_DONE;
}

static int pg_step(struct jpki_sql_stmt *qq)
{
	struct pg_stmt *q = Q(qq);
	if (!q->res && run(q) == JPKI_SQL_ERROR) {
		drop_result(q);
		return JPKI_SQL_ERROR;
	}
	if (q->row < PQntuples(q->res)) {
		q->row++;
		return JPKI_SQL_ROW;
	}
	return JPKI_SQL_DONE;
}

/* The current row: the one the last step returned. */
static int cur(const struct pg_stmt *q)
{
	return q->row - 1;
}

static bool in_row(const struct pg_stmt *q, int col)
{
	return q->res && q->row >= 1 && q->row <= PQntuples(q->res) && col >= 0 &&
	       col < PQnfields(q->res);
}

static bool pg_col_null(struct jpki_sql_stmt *qq, int col)
{
	struct pg_stmt *q = Q(qq);
	return !in_row(q, col) || PQgetisnull(q->res, cur(q), col);
}

/* NULL reads as 0, as in SQLite; a value that is not a whole integer as well. */
static int64_t pg_col_i64(struct jpki_sql_stmt *qq, int col)
{
	struct pg_stmt *q = Q(qq);
	if (pg_col_null(qq, col))
		return 0;
	const char *t = PQgetvalue(q->res, cur(q), col);
	char *end = NULL;
	long long v = strtoll(t, &end, 10);
	return end && end != t && *end == '\0' ? (int64_t)v : 0;
}

static enum jpki_sql_kind pg_col_kind(struct jpki_sql_stmt *qq, int col)
{
	struct pg_stmt *q = Q(qq);
	if (pg_col_null(qq, col))
		return JPKI_SQL_NULL;
	switch (PQftype(q->res, col)) {
	case 20: /* int8 */
	case 21: /* int2 */
	case 23: /* int4 */
		return JPKI_SQL_INT;
	case 17: /* bytea */
		return JPKI_SQL_BLOB;
	case 25:   /* text */
	case 1043: /* varchar */
		return JPKI_SQL_TEXT;
	default:
		return JPKI_SQL_OTHER;
	}
}

static const char *pg_col_text(struct jpki_sql_stmt *qq, int col, size_t *len)
{
	struct pg_stmt *q = Q(qq);
	*len = 0;
	if (pg_col_null(qq, col))
		return NULL;
	*len = (size_t)PQgetlength(q->res, cur(q), col);
	return PQgetvalue(q->res, cur(q), col);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A bytea column, sent by the server as \x and lower-case hex (bytea_output = hex). */
static const uint8_t *pg_col_blob(struct jpki_sql_stmt *qq, int col, size_t *len)
{
	struct pg_stmt *q = Q(qq);
	size_t n;
	const char *t = pg_col_text(qq, col, &n);
	*len = 0;
	if (!t || n < 2 || t[0] != '\\' || t[1] != 'x' || n % 2)
		return NULL;
	size_t out = (n - 2) / 2;
	if (out + 1 > q->blob_cap) {
		uint8_t *b = realloc(q->blob, out + 1);
		if (!b)
			return NULL;
		q->blob = b;
		q->blob_cap = out + 1;
	}
	for (size_t i = 0; i < out; i++) {
		int hi = hexval(t[2 + 2 * i]), lo = hexval(t[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			return NULL;
		q->blob[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = out;
	return q->blob;
}

static int64_t pg_changes(struct jpki_sql_stmt *q)
{
	return Q(q)->changes;
}

static void pg_reset(struct jpki_sql_stmt *q)
{
	drop_result(Q(q));
}

static int pg_fail(struct jpki_sql_stmt *qq, struct jpki_err *err, const char *what)
{
	struct pg_stmt *q = Q(qq);
	/* 23505 unique_violation (SQLSTATE, PostgreSQL appendix A) */
	if (strcmp(q->sqlstate, "23505") == 0)
		return jpki_fail(err, JPKI_E_EXISTS, "%s: %s", what, q->error);
	return jpki_fail(err, JPKI_E_STORE, "%s: %s", what, q->error);
}

static struct jpki_sql_stmt *pg_prepare(struct jpki_store *s, const char *sql,
                                        struct jpki_err *err);
static void pg_finalize(struct jpki_sql_stmt *qq);

const struct jpki_sql_engine jpki_pg_engine = {
    .stmt = pg_stmt,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_i64 = pg_bind_i64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_i64 = pg_col_i64,
    .col_null = pg_col_null,
    .col_kind = pg_col_kind,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .changes = pg_changes,
    .reset = pg_reset,
    .fail = pg_fail,
};

/*
 * The portable text as PostgreSQL's: ?N as $N, a bare ? as the next number;
 * *max the highest number, *used which ones appear.  Quoted literals are
 * copied as they are.
 */
static char *dollars(const char *sql, int *max, bool used[PARAMS_MAX + 1])
{
	size_t n = strlen(sql), cap = n * 3 + 1;
	char *out = malloc(cap), *o = out;
	int next = 1;
	bool quoted = false;
	*max = 0;
	if (!out)
		return NULL;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (quoted || *p != '?') {
			*o++ = *p;
			continue;
		}
		int k = 0;
		while (p[1] >= '0' && p[1] <= '9')
			k = k * 10 + (*++p - '0');
		if (k == 0)
			k = next;
		next = k + 1;
		if (k > PARAMS_MAX) {
			free(out);
			return NULL;
		}
		used[k] = true;
		if (k > *max)
			*max = k;
		o += snprintf(o, cap - (size_t)(o - out), "$%d", k); /* "?" becomes at most "$16" */
	}
	*o = '\0';
	return out;
}

static bool is_write(const char *sql)
{
	while (*sql == ' ')
		sql++;
	return strncmp(sql, "INSERT", 6) == 0 || strncmp(sql, "UPDATE", 6) == 0 ||
	       strncmp(sql, "DELETE", 6) == 0;
}

/* Prepare q (its id set) from the portable text on the server, as "q<id>". */
static int prepare_on_server(struct pg_stmt *q, const char *text, struct jpki_err *err)
{
	bool used[PARAMS_MAX + 1] = {false};
	Oid types[PARAMS_MAX];
	char name[16], *sql = dollars(text, &q->nparams, used);
	if (!sql)
		return jpki_fail(err, JPKI_E_STORE, "statement %d has too many parameters", q->id);
	/* a parameter the text never names still needs a type: any will do */
	for (int i = 0; i < q->nparams; i++)
		types[i] = used[i + 1] ? 0 : 20;
	q->write = is_write(sql);
	snprintf(name, sizeof(name), "q%d", q->id);
	PGresult *r = PQprepare(q->conn->db, name, sql, q->nparams, types);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK
	             ? 0
	             : jpki_fail(err, JPKI_E_STORE, "cannot prepare a registry statement (%d): %s",
	                         q->id, PQresultErrorMessage(r));
	PQclear(r);
	free(sql);
	return rc;
}

static struct jpki_sql_stmt *pg_prepare(struct jpki_store *s, const char *sql, struct jpki_err *err)
{
	struct pg_stmts *all = s->sql_stmts;
	struct pg_stmt *q = calloc(1, sizeof(*q));
	if (!q) {
		jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		return NULL;
	}
	q->base.e = &jpki_pg_engine;
	q->conn = all->conn;
	q->id = JPKI_SQL_MAX + all->made++;
	if (prepare_on_server(q, sql, err) < 0) {
		free(q);
		return NULL;
	}
	return &q->base;
}

static void pg_finalize(struct jpki_sql_stmt *qq)
{
	struct pg_stmt *q = Q(qq);
	char sql[40];
	snprintf(sql, sizeof(sql), "DEALLOCATE q%d", q->id);
	PQclear(PQexec(q->conn->db, sql));
	drop_result(q);
	clear_params(q);
	free(q->blob);
	free(q);
}

int jpki_pg_stmts_prepare(struct pg_conn *c, void **ret, struct jpki_err *err)
{
	struct pg_stmts *all = calloc(1, sizeof(*all));
	if (!all)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	int rc = 0;
	all->conn = c;
	for (int id = 0; rc == 0 && id < JPKI_SQL_MAX; id++) {
		struct pg_stmt *q = &all->q[id];
		const char *text = jpki_sql_text(id);
		q->base.e = &jpki_pg_engine;
		q->conn = c;
		q->id = id;
		if (text)
			rc = prepare_on_server(q, text, err);
	}
	if (rc < 0) {
		jpki_pg_stmts_free(all);
		return rc;
	}
	*ret = all;
	return 0;
}

int jpki_pg_stmts_reprepare(void *p)
{
	struct pg_stmts *all = p;
	if (!all)
		return -1;
	for (int id = 0; id < JPKI_SQL_MAX; id++) {
		const char *text = jpki_sql_text(id);
		if (text && prepare_on_server(&all->q[id], text, NULL) < 0)
			return -1;
	}
	return 0;
}

void jpki_pg_stmts_free(void *p)
{
	struct pg_stmts *all = p;
	for (int id = 0; all && id < JPKI_SQL_MAX; id++) {
		drop_result(&all->q[id]);
		clear_params(&all->q[id]);
		free(all->q[id].blob);
	}
	free(all);
}
