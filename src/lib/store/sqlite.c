/*
 * sqlite.c: the embedded registry backend.
 *
 * One SQLite file in WAL mode with synchronous=FULL: a committed issuance
 * survives a power cut, and readers (the publication server) never block
 * the writer.  Statements are prepared once per connection.  Every row read
 * back is checked (dates parse, enums are in range, text fits its field)
 * before it reaches domain code: a damaged file gives JPKI_E_STORE, never
 * a wrong certificate.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/hex.h"
#include "jpki/date.h"
#include "reg_int.h"
#include "sqlite_int.h"

/* Schema migrations; entry i brings version i to i+1.  Never edit a shipped one. */
static const char *const migrations[] = {
    "CREATE TABLE resident ("
    " id INTEGER PRIMARY KEY,"
    " family_name TEXT NOT NULL, given_name TEXT NOT NULL, name_subst TEXT NOT NULL,"
    " address TEXT NOT NULL, address_subst TEXT NOT NULL,"
    " birth_date TEXT NOT NULL, sex INTEGER NOT NULL CHECK (sex IN (1, 2, 3)),"
    " former_surname TEXT NOT NULL, alias TEXT NOT NULL,"
    " adult_ward INTEGER NOT NULL CHECK (adult_ward IN (0, 1)),"
    " status INTEGER NOT NULL CHECK (status IN (0, 1, 2)),"
    " residence_end TEXT,"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE certificate ("
    " id INTEGER PRIMARY KEY,"
    " serial TEXT NOT NULL UNIQUE,"
    " kind INTEGER NOT NULL CHECK (kind IN (0, 1)),"
    " resident_id INTEGER NOT NULL REFERENCES resident (id),"
    " not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, issued_at INTEGER NOT NULL,"
    " status INTEGER NOT NULL CHECK (status IN (0, 1)),"
    " revoked_at INTEGER, reason INTEGER,"
    " subject_cn TEXT NOT NULL, renewal INTEGER NOT NULL,"
    " der BLOB NOT NULL, crl_partition INTEGER NOT NULL);"
    "CREATE INDEX certificate_by_resident ON certificate (resident_id, kind);"
    /* revoked only (partial), covering what CRLs read: index-only scans per CA and partition
     * (status too: SQLite before 3.42 counts the partial index's own WHERE column as read) */
    "CREATE INDEX certificate_revoked ON certificate"
    " (kind, crl_partition, revoked_at, serial, reason, not_after, status) WHERE status = 1;"
    "CREATE TABLE ca_counter ("
    " kind INTEGER PRIMARY KEY, crl_number INTEGER NOT NULL,"
    " revocation_version INTEGER NOT NULL);"
    "INSERT INTO ca_counter (kind, crl_number, revocation_version) VALUES (0, 0, 0);"
    "INSERT INTO ca_counter (kind, crl_number, revocation_version) VALUES (1, 0, 0);",
    /* 2: what the registry knows of itself: its id and the CAs it belongs to (binding.h) */
    "CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 3: the counter's cases, audit log, receipts, forms and notices (sqlite_counter.c) */
    jpki_sqlite_counter_schema,
    /* 4: a hold made final keeps its date (invalidityDate); the CRLs' covering index with it */
    "ALTER TABLE certificate ADD COLUMN invalid_at INTEGER;"
    "DROP INDEX certificate_revoked;"
    "CREATE INDEX certificate_revoked ON certificate"
    " (kind, crl_partition, revoked_at, serial, reason, not_after, status, invalid_at)"
    " WHERE status = 1;",
    /* 5: the linking service's relying parties and access log (sqlite_link.c) */
    jpki_sqlite_link_schema,
    /* 6: the audit log's Merkle tree (sqlite_counter.c, audit/log.h) */
    jpki_sqlite_audit_tree_schema,
    /* 7: the counter's operators (sqlite_operator.c) */
    jpki_sqlite_operator_schema,
    /* 8: four-eyes requests and their approvals (sqlite_operator.c) */
    jpki_sqlite_approval_schema,
    /* 9: the operators' FIDO2 security keys (sqlite_credential.c) */
    jpki_sqlite_credential_schema,
};

struct sqlite_store {
	struct jpki_store base;
	sqlite3 *db;
};

static struct sqlite_store *S(struct jpki_store *s)
{
	return (struct sqlite_store *)s;
}

int jpki_sqlite_fail(sqlite3 *db, struct jpki_err *err, const char *what)
{
	int ext = sqlite3_extended_errcode(db);
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return jpki_fail(err, JPKI_E_EXISTS, "%s: %s", what, sqlite3_errmsg(db));
	return jpki_fail(err, JPKI_E_STORE, "%s: %s", what, sqlite3_errmsg(db));
}

static int db_fail(struct sqlite_store *ss, struct jpki_err *err, const char *what)
{
	return jpki_sqlite_fail(ss->db, err, what);
}

/* ---- operations ---- */

static void op_close(struct jpki_store *s)
{
	struct sqlite_store *ss = S(s);
	jpki_sqlite_stmts_free(s->sql_stmts);
	sqlite3_close(ss->db);
	free(ss);
}

/* BEGIN IMMEDIATE: the writer's lock at once, so transactions never deadlock on an upgrade. */
static int op_begin(struct jpki_store *s, struct jpki_err *err)
{
	if (sqlite3_exec(S(s)->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(S(s), err, "cannot begin a transaction");
	return 0;
}

static int op_commit(struct jpki_store *s, struct jpki_err *err)
{
	if (sqlite3_exec(S(s)->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(S(s), err, "cannot commit");
	return 0;
}

static void op_rollback(struct jpki_store *s)
{
	struct sqlite_store *ss = S(s);
	if (!sqlite3_get_autocommit(ss->db))
		(void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
	s->audit_appended = 0; /* what it appended is gone */
}

/* PRAGMA integrity_check: "ok", or the first of its complaints as STORE. */
static int op_check(struct jpki_store *s, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(ss->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot check the registry");
	int rc = sqlite3_step(st);
	const unsigned char *first = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (rc == SQLITE_ROW && first && strcmp((const char *)first, "ok") == 0)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = jpki_fail(err, JPKI_E_STORE, "the registry is damaged: %.200s",
		               first ? (const char *)first : "?");
	else
		rc = db_fail(ss, err, "cannot check the registry");
	sqlite3_finalize(st);
	return rc;
}

/*
 * VACUUM INTO: one read transaction, so the copy is a consistent snapshot
 * taken while other processes go on writing.  The file is made first, empty
 * and readable by its owner only (VACUUM INTO accepts an empty file), and
 * synced after: a backup that a crash can truncate is none.
 */
static int op_backup(struct jpki_store *s, const char *path, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jpki_fail(err, errno == EEXIST ? JPKI_E_EXISTS : JPKI_E_IO,
		                 "cannot create %s: %s", path, strerror(errno));
	close(fd); /* a new file: no SQLite connection of ours holds a lock on it */
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(ss->db, "VACUUM INTO ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_OK) {
		int e = db_fail(ss, err, "cannot back up the registry");
		unlink(path);
		return e;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
		int e = jpki_fail(err, JPKI_E_IO, "cannot sync %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return e;
	}
	close(fd);
	return 0;
}

/*
 * Restore: SQLite's online backup API copies every page of the backup file
 * into this registry under this connection's own locks, so no file is
 * replaced under another process's connection (which would corrupt it).
 */
static int op_restore(struct jpki_store *s, const char *path, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	sqlite3 *src = NULL;
	int rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		rc = jpki_fail(err, JPKI_E_IO, "cannot open %s: %s", path,
		               src ? sqlite3_errmsg(src) : "out of memory");
		sqlite3_close(src);
		return rc;
	}
	sqlite3_backup *b = sqlite3_backup_init(ss->db, "main", src, "main");
	if (!b) {
		rc = db_fail(ss, err, "cannot restore the registry");
		sqlite3_close(src);
		return rc;
	}
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	int fin = sqlite3_backup_finish(b);
	sqlite3_close(src);
	if (rc != SQLITE_DONE || fin != SQLITE_OK)
		return db_fail(ss, err, "cannot restore the registry");
	return 0;
}

/*
 * A lookup connection: query_only, and the file memory-mapped (SQLite caps the
 * size at its compile-time maximum, 2 GiB on Debian), so a lookup in a
 * registry of millions of rows costs no read() and no page copy.  mmap only
 * serves pages of the main file; pages newer in the WAL are still read from it.
 */
static int op_tune_reader(struct jpki_store *s, struct jpki_err *err)
{
	struct sqlite_store *ss = S(s);
	if (sqlite3_exec(ss->db, "PRAGMA query_only = 1; PRAGMA mmap_size = 68719476736;", NULL,
	                 NULL, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot configure a registry reader");
	return 0;
}

static const struct jpki_store_ops sqlite_ops = {.name = "sqlite",
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

static int schema_version(struct sqlite_store *ss, int *out, struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	*out = 0;
	if (sqlite3_prepare_v2(ss->db,
	                       "SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'",
	                       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(ss, err, "cannot read schema version");
	}
	int have = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!have)
		return 0;
	if (sqlite3_prepare_v2(ss->db, "SELECT version FROM schema_version", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(ss, err, "cannot read schema version");
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(struct sqlite_store *ss, struct jpki_err *err)
{
	int version, rc;
	if (sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot lock the registry");
	if ((rc = schema_version(ss, &version, err)) < 0)
		goto fail;
	if (version > JPKI_SCHEMA_VERSION) {
		rc = jpki_fail(err, JPKI_E_SCHEMA,
		               "registry schema version %d is newer than this program's (%d)",
		               version, JPKI_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0 && sqlite3_exec(ss->db,
	                                 "CREATE TABLE schema_version (version INTEGER NOT NULL);"
	                                 "INSERT INTO schema_version (version) VALUES (0);",
	                                 NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(ss, err, "cannot create schema");
		goto fail;
	}
	for (; version < JPKI_SCHEMA_VERSION; version++) {
		char bump[64];
		snprintf(bump, sizeof(bump), "UPDATE schema_version SET version = %d", version + 1);
		if (sqlite3_exec(ss->db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(ss->db, bump, NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_fail(ss, err, "cannot migrate the registry schema");
			goto fail;
		}
	}
	if (sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(ss, err, "cannot commit the schema");
	return 0;
fail:
	sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * A registry is made once, by jpki_store_sqlite_create, and only opened after:
 * a missing or empty file is refused, never silently a new registry.
 *
 * No descriptor of the registry file is ever opened and closed outside
 * SQLite while a connection of this process may be open: on Linux, closing
 * any descriptor of a file drops every POSIX lock the process holds on it,
 * SQLite's included, and another process would then checkpoint and delete
 * the WAL under our feet ("How To Corrupt An SQLite Database File", 2.2).
 * The one exception is the O_EXCL creation of a new file, before any
 * connection to it exists.
 */
static int has_schema(struct sqlite_store *ss, const char *path, struct jpki_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(ss->db,
	                            "SELECT count(*), count(CASE WHEN name = 'schema_version' "
	                            "THEN 1 END) FROM sqlite_master",
	                            -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int tables = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	int ours = rc == SQLITE_ROW ? sqlite3_column_int(st, 1) : 0;
	sqlite3_finalize(st);
	if (tables < 0)
		return jpki_fail(err, JPKI_E_STORE, "%s is not a registry: %s", path,
		                 sqlite3_errmsg(ss->db));
	if (tables == 0)
		return jpki_fail(
		    err, JPKI_E_STATE,
		    "the registry %s is empty; restore it from a backup (jpki registry "
		    "restore) or, knowing what is lost, make a new one (jpki registry "
		    "new); see docs/operations.md",
		    path);
	if (!ours)
		return jpki_fail(err, JPKI_E_STORE, "%s is an SQLite file but not a jpki registry",
		                 path);
	return 0;
}

static int open_file(const struct jpki_ctx *ctx, const char *path, bool create,
                     struct jpki_store **ret, struct jpki_err *err)
{
	_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == JPKI_SCHEMA_VERSION,
	               "one migration per schema version");
	struct sqlite_store *ss = calloc(1, sizeof(*ss));
	int rc;
	if (!ss)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	ss->base.ops = &sqlite_ops;
	ss->base.ctx = ctx;
	ss->base.sql = &jpki_sqlite_engine;
	if (sqlite3_open_v2(path, &ss->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = jpki_fail(err, JPKI_E_STORE, "cannot open registry %s: %s", path,
		               ss->db ? sqlite3_errmsg(ss->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(ss->db, 10000);
	if (!create && (rc = has_schema(ss, path, err)) < 0)
		goto fail;
	if (sqlite3_exec(ss->db,
	                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	                 "PRAGMA foreign_keys = ON;"
	                 /* 32 MiB of pages per connection, used as needed: the audit log's
	                    tree at 10M entries keeps its upper levels here (bench/api) */
	                 "PRAGMA cache_size = -32768;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(ss, err, "cannot configure the registry");
		goto fail;
	}
	if ((rc = migrate(ss, err)) < 0)
		goto fail;
	if ((rc = jpki_sqlite_stmts_prepare(ss->db, &ss->base.sql_stmts, err)) < 0)
		goto fail;
	*ret = &ss->base;
	return 0;
fail:
	op_close(&ss->base);
	return rc;
}

int jpki_store_sqlite_open(const struct jpki_ctx *ctx, const char *path, struct jpki_store **ret,
                           struct jpki_err *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return jpki_fail(err, errno == ENOENT ? JPKI_E_NOT_FOUND : JPKI_E_IO,
		                 "no registry at %s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return jpki_fail(err, JPKI_E_STORE, "the registry %s is not a regular file", path);
	return open_file(ctx, path, false, ret, err);
}

/* A leftover log holds commits of a registry that is gone: never start over it. */
static int no_leftover_log(const char *path, struct jpki_err *err)
{
	static const char *const suffixes[] = {"-wal", "-journal"};
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char side[4200];
		struct stat sb;
		snprintf(side, sizeof(side), "%s%s", path, suffixes[i]);
		if (lstat(side, &sb) == 0)
			return jpki_fail(err, JPKI_E_STATE,
			                 "%s exists without its registry: it may hold committed "
			                 "changes; restore the registry beside it, never delete it",
			                 side);
	}
	return 0;
}

int jpki_store_sqlite_create(const struct jpki_ctx *ctx, const char *path, struct jpki_store **ret,
                             struct jpki_err *err)
{
	struct stat sb;
	if (lstat(path, &sb) == 0)
		return jpki_fail(err, JPKI_E_EXISTS, "a registry file exists at %s", path);
	int rc = no_leftover_log(path, err);
	if (rc < 0)
		return rc;
	/* the registry holds personal data: its owner only (SQLite gives -wal and -shm the same
	 * mode) */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jpki_fail(err, errno == EEXIST ? JPKI_E_EXISTS : JPKI_E_IO,
		                 "cannot create the registry %s: %s", path, strerror(errno));
	close(fd); /* new, and no connection of ours to it yet: no lock to lose */
	if ((rc = open_file(ctx, path, true, ret, err)) < 0) { /* nothing of value in it yet */
		char side[4200];
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
		unlink(path);
	}
	return rc;
}
