/*
 * pg.c: the registry on PostgreSQL (docs/deployment.md), through libpq.
 *
 * The operations are the ones SQLite runs (reg_*.c over sql.h); what is
 * PostgreSQL's own is here: the connection (a libpq connection string,
 * "postgresql://..."), the migrations (pg_schema.c, numbered as SQLite's),
 * and the transactions.  A writer's transaction takes the registry's
 * advisory lock first (as SQLite's BEGIN IMMEDIATE takes the file's), so
 * writers on any number of machines take turns and never race for the next
 * number or the audit log's head; readers never wait for them (MVCC).
 * With writers in turn, no transaction fails to serialize, and none needs
 * a retry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pg_int.h"
#include "reg_int.h"

/* The registry's writer lock: one advisory lock number for every jpki writer. */
#define WRITER_LOCK "SELECT pg_advisory_xact_lock(7426891341)"

struct pg_store {
	struct jpki_store base;
	struct pg_conn c;
};

static struct pg_store *P(struct jpki_store *s)
{
	return (struct pg_store *)s;
}

/* Run sql (no rows wanted); STORE naming what and the server's reason otherwise. */
static int exec(struct pg_conn *c, const char *sql, const char *what, struct jpki_err *err)
{
	PGresult *r = PQexec(c->db, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
	             ? 0
	             : jpki_fail(err, JPKI_E_STORE, "%s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return rc;
}

int jpki_pg_lock_tx(struct pg_conn *c)
{
	PGresult *r = PQexec(c->db, "BEGIN ISOLATION LEVEL READ COMMITTED; " WRITER_LOCK);
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	if (!ok)
		PQclear(PQexec(c->db, "ROLLBACK"));
	return ok ? 0 : -1;
}

/* ---- the operations that are PostgreSQL's own ---- */

static void op_close(struct jpki_store *s)
{
	struct pg_store *ps = P(s);
	jpki_pg_stmts_free(s->sql_stmts);
	if (ps->c.db)
		PQfinish(ps->c.db);
	free(ps);
}

static int op_begin(struct jpki_store *s, struct jpki_err *err)
{
	struct pg_conn *c = &P(s)->c;
	if (c->in_tx)
		return jpki_fail(err, JPKI_E_STATE, "a transaction is open already");
	if (PQstatus(c->db) == CONNECTION_BAD && jpki_pg_reconnect(c) < 0)
		return jpki_fail(err, JPKI_E_STORE, "the registry's database is unreachable: %s",
		                 PQerrorMessage(c->db));
	if (jpki_pg_lock_tx(c) < 0)
		return jpki_fail(err, JPKI_E_STORE, "cannot begin a transaction: %s",
		                 PQerrorMessage(c->db));
	c->in_tx = true;
	return 0;
}

static int op_commit(struct jpki_store *s, struct jpki_err *err)
{
	struct pg_conn *c = &P(s)->c;
	c->in_tx = false;
	return exec(c, "COMMIT", "cannot commit", err);
}

static void op_rollback(struct jpki_store *s)
{
	struct pg_conn *c = &P(s)->c;
	if (c->in_tx || PQtransactionStatus(c->db) != PQTRANS_IDLE)
		PQclear(PQexec(c->db, "ROLLBACK"));
	c->in_tx = false;
	s->audit_appended = 0; /* what it appended is gone */
}

/* A reader's connection (the OCSP responder's): it refuses writes. */
static int op_tune_reader(struct jpki_store *s, struct jpki_err *err)
{
	P(s)->c.read_only = true;
	return exec(&P(s)->c, "SET default_transaction_read_only = on",
	            "cannot configure a registry reader", err);
}

/*
 * The server keeps its own pages whole (checksums, WAL); what is checked
 * here is what jpki relies on: every table of the schema answers, and the
 * audit log's numbers have no gap.
 */
static int op_check(struct jpki_store *s, struct jpki_err *err)
{
	PGresult *r = PQexec(P(s)->c.db, "SELECT (SELECT count(*) FROM audit_entry) = "
	                                 "(SELECT coalesce(max(seq), 0) FROM audit_entry), "
	                                 "(SELECT count(*) FROM certificate), "
	                                 "(SELECT version FROM schema_version)");
	int rc;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		rc = jpki_fail(err, JPKI_E_STORE, "the registry is damaged: %s",
		               PQresultErrorMessage(r));
	else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
		rc = jpki_fail(err, JPKI_E_STORE,
		               "the registry is damaged: the audit log has a gap");
	else
		rc = 0;
	PQclear(r);
	return rc;
}

static int op_backup(struct jpki_store *s, const char *path, struct jpki_err *err)
{
	(void)s, (void)path;
	return jpki_fail(err, JPKI_E_STATE,
	                 "a registry on PostgreSQL is backed up by the server's own tools: "
	                 "pg_dump, or pg_basebackup with WAL archiving (docs/deployment.md)");
}

static int op_restore(struct jpki_store *s, const char *path, struct jpki_err *err)
{
	(void)s, (void)path;
	return jpki_fail(err, JPKI_E_STATE,
	                 "a registry on PostgreSQL is restored with pg_restore or point-in-time "
	                 "recovery (docs/deployment.md)");
}

static const struct jpki_store_ops pg_ops = {.name = "postgresql",
                                             .close = op_close,
                                             .begin = op_begin,
                                             .commit = op_commit,
                                             .rollback = op_rollback,
                                             .tune_reader = op_tune_reader,
                                             .check = op_check,
                                             .backup = op_backup,
                                             .restore = op_restore,
                                             JPKI_REG_OPS};

/* ---- opening and migrating ---- */

/* The schema's version: 0 when the database holds no registry (no schema_version table). */
static int schema_version(struct pg_conn *c, int *out, struct jpki_err *err)
{
	PGresult *r = PQexec(c->db, "SELECT to_regclass('schema_version') IS NOT NULL");
	int have = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
	               ? strcmp(PQgetvalue(r, 0, 0), "t") == 0
	               : -1;
	PQclear(r);
	*out = 0;
	if (have < 0)
		return jpki_fail(err, JPKI_E_STORE, "cannot read schema version: %s",
		                 PQerrorMessage(c->db));
	if (!have)
		return 0;
	r = PQexec(c->db, "SELECT version FROM schema_version");
	char *end = NULL;
	long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
	             ? strtol(PQgetvalue(r, 0, 0), &end, 10)
	             : -1;
	int rc = v >= 0 && v <= 1000000 && end && *end == '\0'
	             ? (*out = (int)v, 0)
	             : jpki_fail(err, JPKI_E_STORE, "cannot read schema version: %s",
	                         PQresultErrorMessage(r));
	PQclear(r);
	return rc;
}

/* A hot standby (read-only, replaying the primary's WAL)? */
static bool in_recovery(struct pg_conn *c)
{
	PGresult *r = PQexec(c->db, "SELECT pg_is_in_recovery()");
	bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	           strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return yes;
}

/*
 * Bring the schema to this program's version, under the writer's lock.  A
 * registry already at it is opened without the lock: a hot standby (which
 * refuses the lock and every write) serves readers such as the OCSP responder.
 */
static int migrate(struct pg_conn *c, bool create, struct jpki_err *err)
{
	int version, rc;
	if (!create && schema_version(c, &version, err) == 0 && version == JPKI_SCHEMA_VERSION)
		return 0;
	jpki_err_clear(err);
	if (jpki_pg_lock_tx(c) < 0) {
		rc = jpki_fail(err, JPKI_E_STORE, "cannot lock the registry: %s",
		               PQerrorMessage(c->db));
		if (in_recovery(c))
			rc = jpki_fail(err, JPKI_E_SCHEMA,
			               "this server is a standby and its registry is not at this "
			               "program's schema (%d): run the new version on the primary "
			               "first",
			               JPKI_SCHEMA_VERSION);
		return rc;
	}
	if ((rc = schema_version(c, &version, err)) < 0)
		goto fail;
	if (create && version > 0) {
		rc = jpki_fail(err, JPKI_E_EXISTS, "the database holds a registry already");
		goto fail;
	}
	if (!create && version == 0) {
		rc = jpki_fail(err, JPKI_E_NOT_FOUND,
		               "the database holds no registry: run `jpki init` with JPKI_STORE "
		               "set to it");
		goto fail;
	}
	if (version > JPKI_SCHEMA_VERSION) {
		rc = jpki_fail(err, JPKI_E_SCHEMA,
		               "registry schema version %d is newer than this program's (%d)",
		               version, JPKI_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0 && (rc = exec(c,
	                               "CREATE TABLE schema_version (version BIGINT NOT NULL);"
	                               "INSERT INTO schema_version (version) VALUES (0);",
	                               "cannot create schema", err)) < 0)
		goto fail;
	for (; version < JPKI_SCHEMA_VERSION; version++) {
		char bump[64];
		snprintf(bump, sizeof(bump), "UPDATE schema_version SET version = %d", version + 1);
		if ((rc = exec(c, jpki_pg_migrations[version], "cannot migrate the registry schema",
		               err)) < 0 ||
		    (rc = exec(c, bump, "cannot migrate the registry schema", err)) < 0)
			goto fail;
	}
	return exec(c, "COMMIT", "cannot commit the schema", err);
fail:
	PQclear(PQexec(c->db, "ROLLBACK"));
	return rc;
}

int jpki_pg_session(struct pg_conn *c)
{
	/*
	 * remote_apply: a commit returns once every synchronous standby has
	 * applied it, so an OCSP responder reading such a standby never says
	 * "good" after a revocation was committed (docs/deployment.md).  With
	 * no synchronous standby it is a local flush, as "on" is.
	 */
	PGresult *r = PQexec(c->db, "SET client_min_messages = warning; SET bytea_output = hex;"
	                            "SET synchronous_commit = remote_apply;"
	                            "SET application_name = 'jpki'");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

int jpki_pg_reconnect(struct pg_conn *c)
{
	if (c->in_tx) /* the transaction died with the connection: its owner rolls back first */
		return -1;
	PQreset(c->db);
	if (PQstatus(c->db) != CONNECTION_OK || jpki_pg_session(c) < 0 ||
	    (c->read_only && exec(c, "SET default_transaction_read_only = on",
	                          "cannot configure a registry reader", NULL) < 0) ||
	    jpki_pg_stmts_reprepare(c->stmts) < 0)
		return -1;
	return 0;
}

static int open_db(const struct jpki_ctx *ctx, const char *conninfo, bool create,
                   struct jpki_store **ret, struct jpki_err *err)
{
	struct pg_store *ps = calloc(1, sizeof(*ps));
	int rc;
	if (!ps)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	ps->base.ops = &pg_ops;
	ps->base.ctx = ctx;
	ps->base.sql = &jpki_pg_engine;
	ps->c.db = PQconnectdb(conninfo);
	if (!ps->c.db || PQstatus(ps->c.db) != CONNECTION_OK) {
		/* libpq's message names the host and the reason, never the password */
		rc = jpki_fail(err, JPKI_E_STORE, "cannot connect to the registry's database: %s",
		               ps->c.db ? PQerrorMessage(ps->c.db) : "out of memory");
		goto fail;
	}
	if (jpki_pg_session(&ps->c) < 0) {
		rc = jpki_fail(err, JPKI_E_STORE, "cannot configure the connection: %s",
		               PQerrorMessage(ps->c.db));
		goto fail;
	}
	if ((rc = migrate(&ps->c, create, err)) < 0 ||
	    (rc = jpki_pg_stmts_prepare(&ps->c, &ps->base.sql_stmts, err)) < 0)
		goto fail;
	ps->c.stmts = ps->base.sql_stmts;
	*ret = &ps->base;
	return 0;
fail:
	op_close(&ps->base);
	return rc;
}

int jpki_store_pg_open(const struct jpki_ctx *ctx, const char *conninfo, struct jpki_store **ret,
                       struct jpki_err *err)
{
	return open_db(ctx, conninfo, false, ret, err);
}

int jpki_store_pg_create(const struct jpki_ctx *ctx, const char *conninfo, struct jpki_store **ret,
                         struct jpki_err *err)
{
	return open_db(ctx, conninfo, true, ret, err);
}
