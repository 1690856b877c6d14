/*
 * pg_int.h: what the PostgreSQL engine's files share (pg.c: the connection,
 * its migrations, transactions and own operations; sql_pg.c: the
 * statements; pg_schema.c: the tables).
 */
#ifndef JPKI_STORE_PG_INT_H
#define JPKI_STORE_PG_INT_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "sql.h"
#include "store.h"

/* One connection to the registry's database. */
struct pg_conn {
	PGconn *db;
	bool in_tx;     /* between begin and commit or rollback */
	bool read_only; /* a reader's connection (tune_reader) */
	void *stmts;    /* its prepared statements (sql_pg.c), prepared again on a new connection */
};

/*
 * A connection the server dropped (a restart, a failover to a promoted
 * standby) is made again between transactions: libpq's PQreset, the
 * session's settings, the statements prepared again.  -1 when the server
 * still cannot be reached (the caller's STORE error names it).
 */
int jpki_pg_reconnect(struct pg_conn *c);
/* The session's settings (pg.c), on a new connection.  0 or -1. */
int jpki_pg_session(struct pg_conn *c);
/* Prepare the table's statements again on c's new connection (sql_pg.c).  0 or -1. */
int jpki_pg_stmts_reprepare(void *stmts);

/*
 * Open a transaction holding the registry's writer lock (a transaction-level
 * advisory lock): writers take turns as SQLite's BEGIN IMMEDIATE makes
 * them, readers never wait.  -1 with the connection's error.
 */
int jpki_pg_lock_tx(struct pg_conn *c);

/* The statement engine (sql_pg.c): every statement of the operations, prepared. */
extern const struct jpki_sql_engine jpki_pg_engine;
int jpki_pg_stmts_prepare(struct pg_conn *c, void **ret, struct jpki_err *err);
void jpki_pg_stmts_free(void *stmts);

/* The migrations (pg_schema.c): entry i brings version i to i+1. */
extern const char *const jpki_pg_migrations[JPKI_SCHEMA_VERSION];

#endif
