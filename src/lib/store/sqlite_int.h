/*
 * sqlite_int.h: what the SQLite engine's files share (sqlite.c: the
 * connection, its migrations and its own operations; sql_sqlite.c: the
 * statements; sqlite_schema.c: the tables).
 */
#ifndef JPKI_STORE_SQLITE_INT_H
#define JPKI_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "sql.h"
#include "store.h"

/* EXISTS for a unique-key conflict, else STORE, naming what failed and SQLite's reason. */
int jpki_sqlite_fail(sqlite3 *db, struct jpki_err *err, const char *what);

/* The statement engine (sql_sqlite.c): every statement of the operations, prepared. */
extern const struct jpki_sql_engine jpki_sqlite_engine;
int jpki_sqlite_stmts_prepare(sqlite3 *db, void **ret, struct jpki_err *err);
void jpki_sqlite_stmts_free(void *stmts);

/* The migrations' tables (sqlite_schema.c). */
extern const char jpki_sqlite_counter_schema[];    /* 3 */
extern const char jpki_sqlite_link_schema[];       /* 5 */
extern const char jpki_sqlite_audit_tree_schema[]; /* 6 */
extern const char jpki_sqlite_operator_schema[];   /* 7 */
extern const char jpki_sqlite_approval_schema[];   /* 8 */
extern const char jpki_sqlite_credential_schema[]; /* 9 */

#endif
