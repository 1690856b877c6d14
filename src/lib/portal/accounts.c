/*
 * accounts.c: the demo portal's database (accounts.h), SQLite in WAL mode,
 * one connection shared by the server's threads under a lock of its own.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "accounts.h"

struct jpki_portal_accounts {
	sqlite3 *db;
	pthread_mutex_t lock;
};

static const char schema[] =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
    "CREATE TABLE IF NOT EXISTS accounts ("
    " id INTEGER PRIMARY KEY,"
    " pseudonym TEXT NOT NULL UNIQUE CHECK (length(pseudonym) = 43),"
    " created_at INTEGER NOT NULL, last_login_at INTEGER NOT NULL,"
    " logins INTEGER NOT NULL CHECK (logins >= 1));"
    "CREATE TABLE IF NOT EXISTS filings ("
    " id INTEGER PRIMARY KEY,"
    " account INTEGER NOT NULL REFERENCES accounts(id),"
    " created_at INTEGER NOT NULL,"
    " text BLOB NOT NULL, cms BLOB NOT NULL,"
    " indication TEXT NOT NULL, subindication TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS filings_by_account ON filings(account, id);";

static int db_fail(struct jpki_portal_accounts *a, struct jpki_err *err, const char *what)
{
	return jpki_fail(err, JPKI_E_STORE, "the portal's database: %s: %s", what,
	                 sqlite3_errmsg(a->db));
}

int jpki_portal_accounts_open(const char *path, struct jpki_portal_accounts **ret,
                              struct jpki_err *err)
{
	struct jpki_portal_accounts *a = calloc(1, sizeof(*a));
	if (!a)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	pthread_mutex_init(&a->lock, NULL);
	int rc = sqlite3_open_v2(
	    path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(a->db, 10000);
		rc = sqlite3_exec(a->db, schema, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		rc = a->db ? db_fail(a, err, path) : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		jpki_portal_accounts_close(a);
		return rc;
	}
	*ret = a;
	return 0;
}

void jpki_portal_accounts_close(struct jpki_portal_accounts *a)
{
	if (!a)
		return;
	sqlite3_close(a->db);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static void finalizep(sqlite3_stmt **s)
{
	sqlite3_finalize(*s);
}
#define _stmt_ __attribute__((cleanup(finalizep))) sqlite3_stmt

static void read_account(sqlite3_stmt *s, struct jpki_portal_account *out)
{
	out->id = sqlite3_column_int64(s, 0);
	out->created_at = sqlite3_column_int64(s, 1);
	out->last_login_at = sqlite3_column_int64(s, 2);
	out->logins = sqlite3_column_int64(s, 3);
}

static int login_locked(struct jpki_portal_accounts *a, const char *pseudonym, int64_t now,
                        struct jpki_portal_account *out, struct jpki_err *err)
{
	_stmt_ *up = NULL, *sel = NULL;
	if (sqlite3_prepare_v2(a->db,
	                       "INSERT INTO accounts (pseudonym, created_at, last_login_at, logins)"
	                       " VALUES (?1, ?2, ?2, 1) ON CONFLICT (pseudonym) DO UPDATE SET"
	                       " last_login_at = ?2, logins = logins + 1",
	                       -1, &up, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
	                       "SELECT id, created_at, last_login_at, logins FROM accounts"
	                       " WHERE pseudonym = ?1",
	                       -1, &sel, NULL) != SQLITE_OK)
		return db_fail(a, err, "prepare");
	sqlite3_bind_text(up, 1, pseudonym, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 2, now);
	sqlite3_bind_text(sel, 1, pseudonym, -1, SQLITE_STATIC);
	if (sqlite3_step(up) != SQLITE_DONE || sqlite3_step(sel) != SQLITE_ROW)
		return db_fail(a, err, "an account's login");
	read_account(sel, out);
	out->created = out->logins == 1;
	return 0;
}

int jpki_portal_account_login(struct jpki_portal_accounts *a, const char *pseudonym, int64_t now,
                              struct jpki_portal_account *out, struct jpki_err *err)
{
	if (!pseudonym || strlen(pseudonym) != 43)
		return jpki_fail(err, JPKI_E_INVALID, "a pseudonym is 43 characters");
	pthread_mutex_lock(&a->lock);
	int rc = sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK
	             ? db_fail(a, err, "begin")
	             : login_locked(a, pseudonym, now, out, err);
	if (rc == 0 && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(a, err, "commit");
	if (rc < 0)
		(void)sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int jpki_portal_account_get(struct jpki_portal_accounts *a, int64_t id,
                            struct jpki_portal_account *out, struct jpki_err *err)
{
	pthread_mutex_lock(&a->lock);
	_stmt_ *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(a->db,
	                       "SELECT id, created_at, last_login_at, logins FROM accounts"
	                       " WHERE id = ?1",
	                       -1, &s, NULL) != SQLITE_OK)
		rc = db_fail(a, err, "prepare");
	else {
		sqlite3_bind_int64(s, 1, id);
		int step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			read_account(s, out);
			out->created = false;
		} else
			rc = step == SQLITE_DONE
			         ? jpki_fail(err, JPKI_E_NOT_FOUND, "no such account")
			         : db_fail(a, err, "an account");
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int jpki_portal_filing_add(struct jpki_portal_accounts *a, const struct jpki_portal_filing *f,
                           const char *text, size_t text_len, const uint8_t *cms, size_t cms_len,
                           int64_t *id, struct jpki_err *err)
{
	if (text_len > JPKI_PORTAL_FILING_MAX || cms_len == 0 || cms_len > INT32_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "a filing is at most %u bytes",
		                 JPKI_PORTAL_FILING_MAX);
	pthread_mutex_lock(&a->lock);
	_stmt_ *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(a->db,
	                       "INSERT INTO filings (account, created_at, text, cms, indication,"
	                       " subindication) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	                       -1, &s, NULL) != SQLITE_OK)
		rc = db_fail(a, err, "prepare");
	else {
		sqlite3_bind_int64(s, 1, f->account);
		sqlite3_bind_int64(s, 2, f->created_at);
		sqlite3_bind_blob(s, 3, text_len ? text : "", (int)text_len, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, cms, (int)cms_len, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, f->indication, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, f->subindication, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = db_fail(a, err, "a filing");
		else
			*id = sqlite3_last_insert_rowid(a->db);
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int jpki_portal_filing_cms(struct jpki_portal_accounts *a, int64_t account, int64_t id,
                           uint8_t **cms, size_t *len, struct jpki_err *err)
{
	pthread_mutex_lock(&a->lock);
	_stmt_ *s = NULL;
	int rc = 0;
	*cms = NULL;
	if (sqlite3_prepare_v2(a->db, "SELECT cms FROM filings WHERE id = ?1 AND account = ?2", -1,
	                       &s, NULL) != SQLITE_OK)
		rc = db_fail(a, err, "prepare");
	else {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, account);
		int step = sqlite3_step(s);
		int n = step == SQLITE_ROW ? sqlite3_column_bytes(s, 0) : 0;
		if (step == SQLITE_DONE)
			rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no such filing");
		else if (step != SQLITE_ROW)
			rc = db_fail(a, err, "a filing");
		else if (n <= 0 || !(*cms = malloc((size_t)n)))
			rc = jpki_fail(err, n <= 0 ? JPKI_E_STORE : JPKI_E_NOMEM,
			               "a filing's signature could not be read");
		else {
			memcpy(*cms, sqlite3_column_blob(s, 0), (size_t)n);
			*len = (size_t)n;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
	snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

int jpki_portal_filing_list(struct jpki_portal_accounts *a, int64_t account,
                            struct jpki_portal_filing out[JPKI_PORTAL_LIST_MAX], size_t *n,
                            struct jpki_err *err)
{
	pthread_mutex_lock(&a->lock);
	_stmt_ *s = NULL;
	int rc = 0, step = SQLITE_DONE;
	*n = 0;
	if (sqlite3_prepare_v2(a->db,
	                       "SELECT id, created_at, indication, subindication FROM filings"
	                       " WHERE account = ?1 ORDER BY id DESC LIMIT ?2",
	                       -1, &s, NULL) != SQLITE_OK)
		rc = db_fail(a, err, "prepare");
	else {
		sqlite3_bind_int64(s, 1, account);
		sqlite3_bind_int(s, 2, JPKI_PORTAL_LIST_MAX);
		while (*n < JPKI_PORTAL_LIST_MAX && (step = sqlite3_step(s)) == SQLITE_ROW) {
			struct jpki_portal_filing *f = &out[(*n)++];
			f->id = sqlite3_column_int64(s, 0);
			f->account = account;
			f->created_at = sqlite3_column_int64(s, 1);
			copy_text(f->indication, sizeof(f->indication), sqlite3_column_text(s, 2));
			copy_text(f->subindication, sizeof(f->subindication),
			          sqlite3_column_text(s, 3));
		}
		if (step != SQLITE_DONE && step != SQLITE_ROW)
			rc = db_fail(a, err, "the filings");
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}
