/* sql.c: the statement interface's helpers (sql.h) and the operations' tables. */
#include <string.h>

#include "sql.h"

int jpki_sql_col_text(struct jpki_sql_stmt *q, int col, char *dst, size_t cap)
{
	size_t n;
	const char *t = q->e->col_text(q, col, &n);
	if (!t || n >= cap)
		return -1;
	memcpy(dst, t, n);
	dst[n] = '\0';
	return strlen(dst) == n ? 0 : -1; /* no embedded NUL */
}

int jpki_sql_done(struct jpki_sql_stmt *q, const char *what, struct jpki_err *err)
{
	int rc = jpki_sql_step(q);
	if (rc == JPKI_SQL_ERROR)
		return jpki_sql_fail(q, err, what);
	jpki_sql_reset(q);
	return rc == JPKI_SQL_DONE
	           ? 0
	           : jpki_fail(err, JPKI_E_STORE, "%s: a row where none was due", what);
}

int jpki_sql_insert(struct jpki_sql_stmt *q, int64_t *out, const char *what, struct jpki_err *err)
{
	int rc = jpki_sql_step(q);
	if (rc == JPKI_SQL_ERROR)
		return jpki_sql_fail(q, err, what);
	if (rc == JPKI_SQL_ROW && out)
		*out = jpki_sql_col_i64(q, 0);
	bool inserted = rc == JPKI_SQL_ROW || jpki_sql_changes(q) > 0;
	while (rc == JPKI_SQL_ROW)
		rc = jpki_sql_step(q);
	if (rc == JPKI_SQL_ERROR)
		return jpki_sql_fail(q, err, what);
	jpki_sql_reset(q);
	return inserted ? 0 : jpki_fail(err, JPKI_E_EXISTS, "%s: it exists already", what);
}

int jpki_sql_one_i64(struct jpki_sql_stmt *q, int64_t *out, const char *what, struct jpki_err *err)
{
	int rc = jpki_sql_step(q);
	if (rc == JPKI_SQL_ERROR)
		return jpki_sql_fail(q, err, what);
	if (rc != JPKI_SQL_ROW || jpki_sql_col_null(q, 0)) {
		jpki_sql_reset(q);
		return jpki_fail(err, JPKI_E_STORE, "%s: no value", what);
	}
	*out = jpki_sql_col_i64(q, 0);
	/* a RETURNING statement is complete only once stepped to its end */
	while ((rc = jpki_sql_step(q)) == JPKI_SQL_ROW)
		;
	if (rc == JPKI_SQL_ERROR)
		return jpki_sql_fail(q, err, what);
	jpki_sql_reset(q);
	return 0;
}

/* ---- the operations' statements, by number ---- */

extern const struct jpki_sql_table jpki_reg_cert_sql, jpki_reg_counter_sql, jpki_reg_operator_sql,
    jpki_reg_credential_sql, jpki_reg_link_sql;

const char *jpki_sql_text(int id)
{
	const struct jpki_sql_table *const all[] = {&jpki_reg_cert_sql, &jpki_reg_counter_sql,
	                                            &jpki_reg_operator_sql,
	                                            &jpki_reg_credential_sql, &jpki_reg_link_sql};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (id >= all[i]->base && id < all[i]->base + all[i]->n)
			return all[i]->text[id - all[i]->base];
	return NULL;
}
