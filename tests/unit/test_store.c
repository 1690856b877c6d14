/*
 * test_store.c: the SQLite registry backend (src/lib/store/store.h).
 *
 * Each test opens a fresh registry file in this program's own temporary
 * folder.  Damage is done behind the store's back with sqlite3 directly, to
 * check the promise of sqlite.c: a damaged file gives JPKI_E_STORE, never a
 * wrong record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "tmpdir.h"
#include "test_ctx.h"

#define T0 INT64_C(1704067200) /* 2024-01-01T00:00:00Z */
#define DAY INT64_C(86400)

struct fix {
	char path[PATH_MAX + 32]; /* one registry file per test */
	struct jpki_store *st;
};

static char g_dir[PATH_MAX];

static int group_setup(void **state)
{
	(void)state;
	if (!tmpdir_make(g_dir, "store"))
		return -1;
	/* resident rows carry created_at from the clock: make it fixed */
	return setenv("JPKI_NOW", "2024-01-01T09:00:00+09:00", 1);
}

static int group_teardown(void **state)
{
	(void)state;
	return tmpdir_remove(g_dir);
}

static int setup(void **state)
{
	static int seq;
	struct fix *f = calloc(1, sizeof(*f));
	struct jpki_err err;
	if (!f)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/reg%d.sqlite", g_dir, ++seq);
	if (jpki_store_create(test_ctx(), f->path, &f->st, &err) != 0) {
		print_error("create: %s\n", err.msg);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	jpki_store_close(f->st);
	free(f);
	return 0;
}

/* Run SQL on the file directly (a second connection, as a damaged disk would). */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char copy[256];
		snprintf(copy, sizeof(copy), "%s", msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(db);
		fail_msg("%s: %s", sql, copy);
	}
	sqlite3_close(db);
}

static struct jpki_resident sample(void)
{
	struct jpki_resident r;
	memset(&r, 0, sizeof(r));
	snprintf(r.family, sizeof(r.family), "山田");
	snprintf(r.given, sizeof(r.given), "花子");
	snprintf(r.name_subst, sizeof(r.name_subst), "01000");
	snprintf(r.address, sizeof(r.address), "東京都立川市泉町1156-9");
	snprintf(r.address_subst, sizeof(r.address_subst), "00000000000010");
	r.birth = (struct jpki_date){1988, 2, 29};
	r.sex = JPKI_SEX_FEMALE;
	snprintf(r.former_surname, sizeof(r.former_surname), "佐藤");
	snprintf(r.alias, sizeof(r.alias), "Hanako");
	r.adult_ward = true;
	r.status = JPKI_RESIDENT;
	r.has_residence_end = true;
	r.residence_end = (struct jpki_date){2027, 3, 31};
	return r;
}

static void assert_resident_equal(const struct jpki_resident *a, const struct jpki_resident *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->family, b->family);
	assert_string_equal(a->given, b->given);
	assert_string_equal(a->name_subst, b->name_subst);
	assert_string_equal(a->address, b->address);
	assert_string_equal(a->address_subst, b->address_subst);
	assert_int_equal(jpki_date_cmp(a->birth, b->birth), 0);
	assert_int_equal(a->sex, b->sex);
	assert_string_equal(a->former_surname, b->former_surname);
	assert_string_equal(a->alias, b->alias);
	assert_int_equal(a->adult_ward, b->adult_ward);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->has_residence_end, b->has_residence_end);
	if (a->has_residence_end)
		assert_int_equal(jpki_date_cmp(a->residence_end, b->residence_end), 0);
}

static int64_t add_resident(struct jpki_store *st)
{
	struct jpki_resident r = sample();
	struct jpki_err err;
	assert_int_equal(st->ops->resident_insert(st, &r, &err), 0);
	assert_true(r.id > 0);
	return r.id;
}

static struct jpki_cert_rec cert(const char *serial, enum jpki_kind kind, int64_t resident,
                                 int64_t nb, int64_t na)
{
	static uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct jpki_cert_rec c;
	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	c.kind = kind;
	c.resident_id = resident;
	c.not_before = nb;
	c.not_after = na;
	c.issued_at = nb;
	snprintf(c.subject_cn, sizeof(c.subject_cn), "CN-%s", serial);
	c.der = der;
	c.der_len = sizeof(der);
	return c;
}

static void insert_cert(struct jpki_store *st, struct jpki_cert_rec c)
{
	struct jpki_err err;
	if (st->ops->cert_insert(st, &c, &err) != 0)
		fail_msg("insert %s: %s", c.serial, err.msg);
}

/* ---- schema ---- */

static void test_open_creates_schema_and_reopens(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	assert_string_equal(f->st->ops->name, "sqlite");
	int64_t id = add_resident(f->st);
	jpki_store_close(f->st);
	f->st = NULL;
	/* reopen twice: the migrations run once, the data stays */
	for (int i = 0; i < 2; i++) {
		struct jpki_store *st = NULL;
		assert_int_equal(jpki_store_open(test_ctx(), f->path, &st, &err), 0);
		struct jpki_resident r;
		assert_int_equal(st->ops->resident_get(st, id, &r, &err), 0);
		assert_string_equal(r.given, "花子");
		jpki_store_close(st);
	}
	/* the "sqlite:" prefix names the same file */
	char spec[PATH_MAX + 64];
	snprintf(spec, sizeof(spec), "sqlite:%s", f->path);
	assert_int_equal(jpki_store_open(test_ctx(), spec, &f->st, &err), 0);
	int64_t n;
	assert_int_equal(f->st->ops->crl_number_next(f->st, JPKI_KIND_SIGN, &n, &err), 0);
	assert_int_equal(n, 1);
}

static void test_schema_newer_refused(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	char sql[128];
	jpki_store_close(f->st);
	f->st = NULL;
	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d",
	         JPKI_SCHEMA_VERSION + 1);
	raw_sql(f->path, sql);
	assert_int_equal(jpki_store_open(test_ctx(), f->path, &st, &err), -JPKI_E_SCHEMA);
	assert_null(st);
	assert_int_equal(err.code, JPKI_E_SCHEMA);
	/* and the refusal changed nothing: still refused, version untouched */
	assert_int_equal(jpki_store_open(test_ctx(), f->path, &st, &err), -JPKI_E_SCHEMA);
}

/* A registry's name as shown, and the refusal of a password where it would be seen. */
static void test_spec_passwords(void **state)
{
	(void)state;
	struct jpki_ctx *ctx = NULL;
	struct jpki_err err;
	char shown[256];
	assert_int_equal(jpki_ctx_new(&ctx, &err), 0);
	assert_int_equal(
	    jpki_ctx_set_store(
	        ctx, "postgresql://jpki:s3cret@db.example:5432/reg?sslmode=verify-full&password=x",
	        &err),
	    0);
	assert_int_equal(jpki_store_default_name(ctx, shown, sizeof(shown), &err), 0);
	assert_string_equal(shown, "postgresql://jpki@db.example:5432/reg");
	assert_null(strstr(shown, "s3cret"));
	assert_int_equal(jpki_ctx_set_store(ctx, "postgresql://jpki@/reg?host=/tmp/x&port=5", &err),
	                 0);
	assert_int_equal(jpki_store_default_name(ctx, shown, sizeof(shown), &err), 0);
	assert_string_equal(shown, "postgresql://jpki@/reg");
	jpki_ctx_free(ctx);
	assert_true(jpki_store_spec_has_password("postgresql://jpki:s3cret@db/reg"));
	assert_true(jpki_store_spec_has_password("postgresql://jpki@db/reg?password=s3cret"));
	assert_true(jpki_store_spec_has_password("host=db user=jpki password=s3cret"));
	assert_false(jpki_store_spec_has_password("postgresql://jpki@db:5432/reg"));
	assert_false(
	    jpki_store_spec_has_password("postgresql://db/a:b@c")); /* '@' after the path */
	assert_false(jpki_store_spec_has_password(NULL));
}

static void test_open_bad_specs(void **state)
{
	(void)state;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	assert_int_equal(jpki_store_open(test_ctx(), "", &st, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_store_open(test_ctx(), NULL, &st, &err), -JPKI_E_INVALID);
	/* a PostgreSQL server that is not there: a clear STORE error, no store */
	assert_int_equal(jpki_store_open(test_ctx(), "postgresql://jpki@127.0.0.1:1/x", &st, &err),
	                 -JPKI_E_STORE);
	assert_non_null(strstr(err.msg, "cannot connect"));
	assert_null(st);
	char bad[PATH_MAX + 64];
	snprintf(bad, sizeof(bad), "%s/no/such/folder/reg.sqlite", g_dir);
	assert_int_equal(jpki_store_open(test_ctx(), bad, &st, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_store_create(test_ctx(), bad, &st, &err), -JPKI_E_IO);
	assert_null(st);
}

/* ---- a registry is made once: missing, empty or foreign files are refused ---- */

static void test_missing_is_not_new(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s.missing", f->path);
	assert_int_equal(jpki_store_open(test_ctx(), path, &st, &err), -JPKI_E_NOT_FOUND);
	assert_null(st);
	struct stat sb;
	assert_int_not_equal(stat(path, &sb), 0); /* and nothing was made */
}

static void test_empty_is_refused(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s.empty", f->path);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(jpki_store_open(test_ctx(), path, &st, &err), -JPKI_E_STATE);
	assert_non_null(strstr(err.msg, "empty"));
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0); /* refused without writing a byte */
	/* create never replaces a file, empty or not */
	assert_int_equal(jpki_store_create(test_ctx(), path, &st, &err), -JPKI_E_EXISTS);
	assert_int_equal(jpki_store_create(test_ctx(), f->path, &st, &err), -JPKI_E_EXISTS);
	/* an SQLite file that is not ours is not adopted */
	snprintf(path, sizeof(path), "%s.other", f->path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(jpki_store_open(test_ctx(), path, &st, &err), -JPKI_E_STORE);
	/* nor a file that is not SQLite at all */
	snprintf(path, sizeof(path), "%s.text", f->path);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("not a database, but long enough to have a header of sorts....................."
	      "...............................................................................",
	      fp);
	fclose(fp);
	assert_int_equal(jpki_store_open(test_ctx(), path, &st, &err), -JPKI_E_STORE);
	assert_null(st);
}

static void test_create_mode_and_leftover_log(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char wal[PATH_MAX + 64];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* a log without its registry: never start a new registry over it */
	char path[PATH_MAX + 64], log[PATH_MAX + 80];
	snprintf(path, sizeof(path), "%s.orphan", f->path);
	snprintf(log, sizeof(log), "%s-wal", path);
	FILE *fp = fopen(log, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(jpki_store_create(test_ctx(), path, &st, &err), -JPKI_E_STATE);
	assert_int_not_equal(stat(path, &sb), 0);
}

/* Whether another process would be refused a write lock on [start, start+len) of path. */
static bool locked_for_others(const char *path, off_t start, off_t len)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct flock fl = {
		    .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
		int fd = open(path, O_RDWR);
		_exit(fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? 0 : 1);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * The bug that corrupted the registry: opening the data folder's registry a
 * second time (the server does, once per thread) dropped the first
 * connection's POSIX locks, so another process took itself for the last
 * user and deleted the WAL.  After several opens and a close, another
 * process must still see the shared lock SQLite keeps on the database file
 * (SHARED_FIRST = PENDING_BYTE + 2, 510 bytes) and on the -shm DMS byte.
 */
static void test_second_open_keeps_locks(void **state)
{
	(void)state;
	struct jpki_store *one = NULL, *two = NULL, *three = NULL;
	struct jpki_err err;
	char data[PATH_MAX + 16], db[PATH_MAX + 64], shm[PATH_MAX + 80];
	snprintf(data, sizeof(data), "%s/locks", g_dir);
	setenv("JPKI_DATA", data, 1);
	assert_int_equal(jpki_store_create_default(test_ctx(), &one, &err), 0);
	assert_int_equal(jpki_store_open_default(test_ctx(), &two, &err), 0);
	assert_int_equal(jpki_store_open_default(test_ctx(), &three, &err), 0);
	jpki_store_close(three);
	snprintf(db, sizeof(db), "%s/registry.sqlite", data);
	snprintf(shm, sizeof(shm), "%s-shm", db);
	assert_true(locked_for_others(db, 0x40000002, 510));
	assert_true(locked_for_others(shm, 128, 1));
	jpki_store_close(two);
	assert_true(locked_for_others(db, 0x40000002, 510));
	jpki_store_close(one);
	assert_false(locked_for_others(db, 0x40000002, 510)); /* the check can fail */
	unsetenv("JPKI_DATA");
}

static void test_meta_and_floor(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	char buf[64];
	assert_int_equal(st->ops->meta_get(st, "registry_id", buf, sizeof(buf), &err),
	                 -JPKI_E_NOT_FOUND);
	assert_int_equal(st->ops->meta_set(st, "registry_id", "ABC", &err), 0);
	assert_int_equal(st->ops->meta_set(st, "registry_id", "DEF", &err), 0);
	assert_int_equal(st->ops->meta_get(st, "registry_id", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "DEF");
	assert_int_equal(st->ops->meta_get(st, "registry_id", buf, 3, &err), -JPKI_E_STORE);
	int64_t n;
	assert_int_equal(st->ops->crl_number_floor(st, JPKI_KIND_SIGN, 41, &err), 0);
	assert_int_equal(st->ops->crl_number_next(st, JPKI_KIND_SIGN, &n, &err), 0);
	assert_int_equal(n, 42);
	assert_int_equal(st->ops->crl_number_floor(st, JPKI_KIND_SIGN, 10, &err),
	                 0); /* never lower */
	assert_int_equal(st->ops->crl_number_next(st, JPKI_KIND_SIGN, &n, &err), 0);
	assert_int_equal(n, 43);
	assert_int_equal(st->ops->check(st, &err), 0);
}

static void test_backup_and_restore(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	char copy[PATH_MAX + 64];
	int64_t id = add_resident(st);
	snprintf(copy, sizeof(copy), "%s.backup", f->path);
	assert_int_equal(st->ops->backup(st, copy, &err), 0);
	struct stat sb;
	assert_int_equal(stat(copy, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(st->ops->backup(st, copy, &err), -JPKI_E_EXISTS); /* never replaced */
	int64_t later = add_resident(st);
	assert_int_equal(st->ops->restore(st, copy, &err), 0);
	struct jpki_resident r;
	assert_int_equal(st->ops->resident_get(st, id, &r, &err), 0);
	assert_int_equal(st->ops->resident_get(st, later, &r, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(st->ops->check(st, &err), 0);
	struct jpki_store *again = NULL;
	assert_int_equal(jpki_store_open(test_ctx(), f->path, &again, &err), 0);
	assert_int_equal(again->ops->resident_get(again, id, &r, &err), 0);
	jpki_store_close(again);
}

/* ---- residents ---- */

struct res_list {
	struct jpki_resident v[4];
	int n;
};

static int collect_resident(const struct jpki_resident *r, void *arg)
{
	struct res_list *l = arg;
	if (l->n < 4)
		l->v[l->n] = *r;
	l->n++;
	return 0;
}

static void test_resident_round_trip(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	struct jpki_resident a = sample(), got;
	assert_int_equal(st->ops->resident_insert(st, &a, &err), 0);
	assert_int_equal(st->ops->resident_get(st, a.id, &got, &err), 0);
	assert_resident_equal(&a, &got);

	/* every field changed, including clearing the optional ones */
	struct jpki_resident b = a;
	snprintf(b.family, sizeof(b.family), "佐藤");
	snprintf(b.given, sizeof(b.given), "一郎");
	b.name_subst[0] = '\0';
	snprintf(b.address, sizeof(b.address), "千葉県市川市八幡1-1-1");
	b.address_subst[0] = '\0';
	b.birth = (struct jpki_date){1975, 12, 31};
	b.sex = JPKI_SEX_UNKNOWN;
	b.former_surname[0] = '\0';
	b.alias[0] = '\0';
	b.adult_ward = false;
	b.status = JPKI_MOVED_OUT;
	b.has_residence_end = false;
	assert_int_equal(st->ops->resident_update(st, &b, &err), 0);
	assert_int_equal(st->ops->resident_get(st, a.id, &got, &err), 0);
	assert_resident_equal(&b, &got);

	/* a second resident; each lists both in id order */
	struct jpki_resident c = sample();
	c.status = JPKI_DECEASED;
	c.has_residence_end = false;
	assert_int_equal(st->ops->resident_insert(st, &c, &err), 0);
	assert_true(c.id > a.id);
	struct res_list seen = {.n = 0};
	assert_int_equal(st->ops->resident_each(st, collect_resident, &seen, &err), 0);
	assert_int_equal(seen.n, 2);
	assert_resident_equal(&seen.v[0], &b);
	assert_resident_equal(&seen.v[1], &c);
}

static void test_resident_unknown(void **state)
{
	struct fix *f = *state;
	struct jpki_resident r = sample(), got;
	struct jpki_err err;
	assert_int_equal(f->st->ops->resident_get(f->st, 424242, &got, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(err.code, JPKI_E_NOT_FOUND);
	r.id = 424242;
	assert_int_equal(f->st->ops->resident_update(f->st, &r, &err), -JPKI_E_NOT_FOUND);
}

/* A callback's non-zero return stops the walk and is passed back. */
static int stop_at_first(const struct jpki_resident *r, void *arg)
{
	(void)r;
	++*(int *)arg;
	return 7;
}

static void test_resident_each_stops(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	add_resident(f->st);
	add_resident(f->st);
	int calls = 0;
	assert_int_equal(f->st->ops->resident_each(f->st, stop_at_first, &calls, &err), 7);
	assert_int_equal(calls, 1);
}

/* Rows damaged behind the store's back are refused with JPKI_E_STORE. */
static const struct {
	const char *what, *sql;
} damage[] = {
    {"impossible birth date", "UPDATE resident SET birth_date = '2023-02-29'"},
    {"birth date not a date", "UPDATE resident SET birth_date = 'yesterday'"},
    {"sex out of range", "PRAGMA ignore_check_constraints = ON; UPDATE resident SET sex = 9"},
    {"status out of range", "PRAGMA ignore_check_constraints = ON; UPDATE resident SET status = 5"},
    {"adult_ward not 0/1",
     "PRAGMA ignore_check_constraints = ON; UPDATE resident SET adult_ward = 2"},
    {"impossible residence end", "UPDATE resident SET residence_end = '2026-04-31'"},
    {"family name too long for its field",
     "UPDATE resident SET family_name = printf('%.200c', 'x')"},
    {"embedded NUL in a name", "UPDATE resident SET given_name = CAST(x'41004200' AS TEXT)"},
};

static void test_damaged_rows(void **state)
{
	struct fix *f = *state;
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		struct jpki_err err;
		int64_t id = add_resident(f->st);
		raw_sql(f->path, damage[i].sql);
		struct jpki_resident got;
		int rc = f->st->ops->resident_get(f->st, id, &got, &err);
		if (rc != -JPKI_E_STORE)
			fail_msg("%s: rc %d, want STORE", damage[i].what, rc);
		assert_int_equal(err.code, JPKI_E_STORE);
		struct res_list l = {.n = 0};
		assert_int_equal(f->st->ops->resident_each(f->st, collect_resident, &l, &err),
		                 -JPKI_E_STORE);
		raw_sql(f->path, "DELETE FROM resident");
	}
}

/* ---- certificates ---- */

struct cert_list {
	char serial[16][JPKI_SERIAL_HEX_MAX];
	int n;
};

static int collect_cert(const struct jpki_cert_rec *c, void *arg)
{
	struct cert_list *l = arg;
	assert_null(c->der); /* listing never loads DER */
	if (l->n < 16)
		snprintf(l->serial[l->n], JPKI_SERIAL_HEX_MAX, "%s", c->serial);
	l->n++;
	return 0;
}

static void test_cert_insert_get(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t r = add_resident(st);
	struct jpki_cert_rec c = cert("0A1B", JPKI_KIND_SIGN, r, T0, T0 + 100 * DAY);
	c.renewal = true;
	assert_int_equal(st->ops->cert_insert(st, &c, &err), 0);
	assert_true(c.id > 0);

	struct jpki_cert_rec got;
	assert_int_equal(st->ops->cert_get(st, "0A1B", true, &got, &err), 0);
	assert_string_equal(got.serial, "0A1B");
	assert_int_equal(got.kind, JPKI_KIND_SIGN);
	assert_int_equal(got.resident_id, r);
	assert_int_equal(got.not_before, T0);
	assert_int_equal(got.not_after, T0 + 100 * DAY);
	assert_int_equal(got.issued_at, T0);
	assert_int_equal(got.status, JPKI_CERT_VALID);
	assert_string_equal(got.subject_cn, "CN-0A1B");
	assert_true(got.renewal);
	assert_int_equal(got.der_len, c.der_len);
	assert_memory_equal(got.der, c.der, c.der_len);
	jpki_cert_rec_clear(&got);
	assert_null(got.der);
	assert_int_equal(st->ops->cert_get(st, "0A1B", false, &got, &err), 0);
	assert_null(got.der);

	/* the same serial again, even for another kind: refused */
	struct jpki_cert_rec dup = cert("0A1B", JPKI_KIND_AUTH, r, T0, T0 + DAY);
	assert_int_equal(st->ops->cert_insert(st, &dup, &err), -JPKI_E_EXISTS);
	assert_int_equal(err.code, JPKI_E_EXISTS);
	/* a certificate for no resident: the foreign key refuses it */
	struct jpki_cert_rec orphan = cert("0C", JPKI_KIND_AUTH, r + 1000, T0, T0 + DAY);
	assert_int_equal(st->ops->cert_insert(st, &orphan, &err), -JPKI_E_STORE);
	assert_int_equal(st->ops->cert_get(st, "FFFF", false, &got, &err), -JPKI_E_NOT_FOUND);
}

static void test_cert_current(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t r = add_resident(st), other = add_resident(st);
	struct jpki_cert_rec got;
	int64_t now = T0 + 10 * DAY;
	assert_int_equal(st->ops->cert_current(st, r, JPKI_KIND_AUTH, now, &got, &err),
	                 -JPKI_E_NOT_FOUND);
	insert_cert(st, cert("01", JPKI_KIND_AUTH, r, T0, T0 + 100 * DAY)); /* older */
	insert_cert(st, cert("02", JPKI_KIND_AUTH, r, T0, T0 + 200 * DAY)); /* newest valid */
	insert_cert(st, cert("03", JPKI_KIND_AUTH, r, T0, T0 + 300 * DAY)); /* revoked below */
	insert_cert(st,
	            cert("04", JPKI_KIND_AUTH, r, T0 - 90 * DAY, T0 + DAY));    /* expired at now */
	insert_cert(st, cert("05", JPKI_KIND_SIGN, r, T0, T0 + 400 * DAY));     /* other kind */
	insert_cert(st, cert("06", JPKI_KIND_AUTH, other, T0, T0 + 500 * DAY)); /* other person */
	assert_int_equal(st->ops->cert_revoke(st, "03", now, JPKI_REASON_KEY_COMPROMISE, &err), 0);
	assert_int_equal(st->ops->cert_current(st, r, JPKI_KIND_AUTH, now, &got, &err), 0);
	assert_string_equal(got.serial, "02");
	assert_int_equal(st->ops->cert_current(st, r, JPKI_KIND_SIGN, now, &got, &err), 0);
	assert_string_equal(got.serial, "05");
	/* once 02 is revoked too, 01 is the current one; later all have expired */
	assert_int_equal(st->ops->cert_revoke(st, "02", now, JPKI_REASON_SUPERSEDED, &err), 0);
	assert_int_equal(st->ops->cert_current(st, r, JPKI_KIND_AUTH, now, &got, &err), 0);
	assert_string_equal(got.serial, "01");
	assert_int_equal(
	    st->ops->cert_current(st, r, JPKI_KIND_AUTH, T0 + 100 * DAY + 1, &got, &err),
	    -JPKI_E_NOT_FOUND);

	/* cert_each: all in issue order, or one resident's */
	struct cert_list all = {.n = 0}, mine = {.n = 0};
	assert_int_equal(st->ops->cert_each(st, 0, collect_cert, &all, &err), 0);
	assert_int_equal(all.n, 6);
	assert_string_equal(all.serial[0], "01");
	assert_string_equal(all.serial[5], "06");
	assert_int_equal(st->ops->cert_each(st, other, collect_cert, &mine, &err), 0);
	assert_int_equal(mine.n, 1);
	assert_string_equal(mine.serial[0], "06");
}

static void test_cert_revoke(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t r = add_resident(st);
	int64_t v0, v1, v2;
	insert_cert(st, cert("7F01", JPKI_KIND_SIGN, r, T0, T0 + 100 * DAY));
	assert_int_equal(st->ops->revocation_version(st, JPKI_KIND_SIGN, &v0, &err), 0);
	assert_int_equal(
	    st->ops->cert_revoke(st, "7F01", T0 + DAY, JPKI_REASON_AFFILIATION_CHANGED, &err), 0);
	struct jpki_cert_rec got;
	assert_int_equal(st->ops->cert_get(st, "7F01", false, &got, &err), 0);
	assert_int_equal(got.status, JPKI_CERT_REVOKED);
	assert_int_equal(got.revoked_at, T0 + DAY);
	assert_int_equal(got.reason, JPKI_REASON_AFFILIATION_CHANGED);
	assert_int_equal(st->ops->revocation_version(st, JPKI_KIND_SIGN, &v1, &err), 0);
	assert_true(v1 > v0);
	/* twice: refused, and the first revocation is kept as it was */
	assert_int_equal(
	    st->ops->cert_revoke(st, "7F01", T0 + 2 * DAY, JPKI_REASON_KEY_COMPROMISE, &err),
	    -JPKI_E_STATE);
	assert_int_equal(err.code, JPKI_E_STATE);
	assert_int_equal(st->ops->cert_get(st, "7F01", false, &got, &err), 0);
	assert_int_equal(got.revoked_at, T0 + DAY);
	assert_int_equal(got.reason, JPKI_REASON_AFFILIATION_CHANGED);
	assert_int_equal(st->ops->revocation_version(st, JPKI_KIND_SIGN, &v2, &err), 0);
	assert_int_equal(v2, v1);
	/* unknown serial */
	assert_int_equal(st->ops->cert_revoke(st, "7F02", T0, JPKI_REASON_UNSPECIFIED, &err),
	                 -JPKI_E_NOT_FOUND);
}

struct rev_list {
	char serial[8][JPKI_SERIAL_HEX_MAX];
	enum jpki_reason reason[8];
	int64_t at[8];
	int n;
};

static int collect_revoked(const uint8_t *serial, size_t len, int64_t at, enum jpki_reason reason,
                           int64_t invalid_at, void *arg)
{
	(void)invalid_at;
	struct rev_list *l = arg;
	assert_true(len >= 1 && len <= 20);
	if (l->n < 8) {
		for (size_t i = 0; i < len; i++)
			snprintf(l->serial[l->n] + 2 * i, 3, "%02X", serial[i]);
		l->reason[l->n] = reason;
		l->at[l->n] = at;
	}
	l->n++;
	return 0;
}

static void test_revoked_scan_all(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t r = add_resident(st);
	int64_t now = T0 + 50 * DAY;
	insert_cert(st, cert("11", JPKI_KIND_SIGN, r, T0, T0 + 100 * DAY)); /* revoked: listed */
	insert_cert(st, cert("12", JPKI_KIND_SIGN, r, T0, T0 + 100 * DAY)); /* valid: not */
	insert_cert(st, cert("13", JPKI_KIND_SIGN, r, T0, T0 + 10 * DAY));  /* revoked, expired */
	insert_cert(st, cert("14", JPKI_KIND_AUTH, r, T0, T0 + 100 * DAY)); /* other CA */
	insert_cert(st, cert("ABCDEF0123", JPKI_KIND_SIGN, r, T0, now)); /* expires now: listed */
	assert_int_equal(st->ops->cert_revoke(st, "11", T0 + DAY, JPKI_REASON_KEY_COMPROMISE, &err),
	                 0);
	assert_int_equal(st->ops->cert_revoke(st, "13", T0 + DAY, JPKI_REASON_SUPERSEDED, &err), 0);
	assert_int_equal(st->ops->cert_revoke(st, "14", T0 + DAY, JPKI_REASON_CESSATION, &err), 0);
	assert_int_equal(
	    st->ops->cert_revoke(st, "ABCDEF0123", T0 + 2 * DAY, JPKI_REASON_UNSPECIFIED, &err), 0);
	struct rev_list l = {.n = 0};
	assert_int_equal(
	    st->ops->revoked_scan(st, JPKI_KIND_SIGN, -1, 0, now, collect_revoked, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.serial[0], "11");
	assert_int_equal(l.reason[0], JPKI_REASON_KEY_COMPROMISE);
	assert_int_equal(l.at[0], T0 + DAY);
	assert_string_equal(l.serial[1], "ABCDEF0123");
	assert_int_equal(l.reason[1], JPKI_REASON_UNSPECIFIED);
	struct rev_list a = {.n = 0};
	assert_int_equal(
	    st->ops->revoked_scan(st, JPKI_KIND_AUTH, -1, 0, now, collect_revoked, &a, &err), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.serial[0], "14");
	assert_int_equal(a.reason[0], JPKI_REASON_CESSATION);
	/* a damaged serial in a revoked row is an error, not a wrong CRL entry */
	raw_sql(f->path, "UPDATE certificate SET serial = 'XYZ' WHERE serial = '14'");
	a.n = 0;
	assert_int_equal(
	    st->ops->revoked_scan(st, JPKI_KIND_AUTH, -1, 0, now, collect_revoked, &a, &err),
	    -JPKI_E_STORE);
}

static void test_crl_number_monotonic(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t prev = 0, n, auth;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(st->ops->crl_number_next(st, JPKI_KIND_SIGN, &n, &err), 0);
		assert_int_equal(n, prev + 1);
		prev = n;
	}
	/* each CA counts on its own */
	assert_int_equal(st->ops->crl_number_next(st, JPKI_KIND_AUTH, &auth, &err), 0);
	assert_int_equal(auth, 1);
	/* and the count survives a reopen */
	jpki_store_close(f->st);
	assert_int_equal(jpki_store_open(test_ctx(), f->path, &f->st, &err), 0);
	assert_int_equal(f->st->ops->crl_number_next(f->st, JPKI_KIND_SIGN, &n, &err), 0);
	assert_int_equal(n, 6);
}

static void test_rollback_undoes(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t keep = add_resident(st);
	insert_cert(st, cert("21", JPKI_KIND_AUTH, keep, T0, T0 + 100 * DAY));

	assert_int_equal(st->ops->begin(st, &err), 0);
	struct jpki_resident r = sample();
	assert_int_equal(st->ops->resident_insert(st, &r, &err), 0);
	insert_cert(st, cert("22", JPKI_KIND_AUTH, r.id, T0, T0 + 100 * DAY));
	assert_int_equal(st->ops->cert_revoke(st, "21", T0, JPKI_REASON_SUPERSEDED, &err), 0);
	st->ops->rollback(st);

	struct jpki_resident got;
	struct jpki_cert_rec c;
	assert_int_equal(st->ops->resident_get(st, r.id, &got, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(st->ops->cert_get(st, "22", false, &c, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(st->ops->cert_get(st, "21", false, &c, &err), 0);
	assert_int_equal(c.status, JPKI_CERT_VALID);
	/* rollback outside a transaction is harmless; commit makes changes stick */
	st->ops->rollback(st);
	assert_int_equal(st->ops->begin(st, &err), 0);
	assert_int_equal(st->ops->cert_revoke(st, "21", T0, JPKI_REASON_SUPERSEDED, &err), 0);
	assert_int_equal(st->ops->commit(st, &err), 0);
	assert_int_equal(st->ops->cert_get(st, "21", false, &c, &err), 0);
	assert_int_equal(c.status, JPKI_CERT_REVOKED);
	/* begin inside a transaction is an error, not a silent nesting */
	assert_int_equal(st->ops->begin(st, &err), 0);
	assert_int_equal(st->ops->begin(st, &err), -JPKI_E_STORE);
	st->ops->rollback(st);
}

/* ---- the counter's tables ---- */

static int count_audit(const struct jpki_audit_rec *a, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_counter_cases_and_audit(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t rid = add_resident(st);
	struct jpki_case_rec c = {
	    .procedure = 1, .state = 0, .resident_id = rid, .opened_at = T0, .updated_at = T0};
	snprintf(c.counter, sizeof(c.counter), "city-hall");
	snprintf(c.operator_id, sizeof(c.operator_id), "clerk1");
	snprintf(c.detail, sizeof(c.detail), "docs=licence:1");
	assert_int_equal(st->ops->case_insert(st, &c, &err), 0);
	assert_true(c.id > 0);
	/* compare-and-set: a move from a state the case is not in changes nothing */
	struct jpki_case_rec next = c;
	next.state = 2;
	next.updated_at = T0 + 5;
	assert_int_equal(st->ops->case_move(st, &next, 1, &err), -JPKI_E_STATE);
	assert_int_equal(st->ops->case_move(st, &next, 0, &err), 0);
	assert_int_equal(st->ops->case_move(st, &next, 0, &err), -JPKI_E_STATE);
	struct jpki_case_rec back;
	assert_int_equal(st->ops->case_get(st, c.id, &back, &err), 0);
	assert_int_equal(back.state, 2);
	assert_int_equal(back.updated_at, T0 + 5);
	assert_string_equal(back.operator_id, "clerk1");
	assert_int_equal(st->ops->case_get(st, c.id + 100, &back, &err), -JPKI_E_NOT_FOUND);
	/* the audit log: sequence numbers, filters, and no update or delete */
	struct jpki_audit_rec a = {.at = T0, .case_id = c.id, .resident_id = rid};
	snprintf(a.operator_id, sizeof(a.operator_id), "clerk1");
	snprintf(a.action, sizeof(a.action), "issue");
	snprintf(a.decision, sizeof(a.decision), "refused");
	snprintf(a.rule, sizeof(a.rule), "E4");
	assert_int_equal(st->ops->audit_append(st, &a, &err), 0);
	assert_int_equal(a.seq, 1);
	snprintf(a.decision, sizeof(a.decision), "done");
	a.rule[0] = '\0';
	assert_int_equal(st->ops->audit_append(st, &a, &err), 0);
	assert_int_equal(a.seq, 2);
	int n = 0;
	struct jpki_audit_filter all = {0}, refused = {.decision = "refused"},
	                         other = {.resident_id = rid + 1};
	assert_int_equal(st->ops->audit_each(st, &all, count_audit, &n, &err), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(st->ops->audit_each(st, &refused, count_audit, &n, &err), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(st->ops->audit_each(st, &other, count_audit, &n, &err), 0);
	assert_int_equal(n, 0);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_entry SET rule = ''", NULL, NULL, NULL),
	                     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_entry", NULL, NULL, NULL),
	                     SQLITE_OK);
	sqlite3_close(db);
	n = 0;
	assert_int_equal(st->ops->audit_each(st, &all, count_audit, &n, &err), 0);
	assert_int_equal(n, 2);
}

static void test_counter_receipts_tokens_notices(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t rid = add_resident(st);
	struct jpki_case_rec c = {.procedure = 1, .resident_id = rid, .opened_at = T0};
	snprintf(c.counter, sizeof(c.counter), "c");
	snprintf(c.operator_id, sizeof(c.operator_id), "o");
	assert_int_equal(st->ops->case_insert(st, &c, &err), 0);
	struct jpki_receipt_rec r = {
	    .case_id = c.id, .resident_id = rid, .amount = 200, .issued_at = T0};
	snprintf(r.fee_case, sizeof(r.fee_case), "reissue");
	assert_int_equal(st->ops->receipt_insert(st, &r, &err), 0);
	assert_int_equal(st->ops->receipt_void(st, r.number, T0 + 1, "clerk", "boss", &err), 0);
	assert_int_equal(st->ops->receipt_void(st, r.number, T0 + 2, "clerk", "boss", &err),
	                 -JPKI_E_STATE);
	struct jpki_receipt_rec rb;
	assert_int_equal(st->ops->receipt_get(st, r.number, &rb, &err), 0);
	assert_int_equal(rb.amount, 200);
	assert_int_equal(rb.voided_at, T0 + 1);
	assert_string_equal(rb.approved_by, "boss");
	struct jpki_token_rec t = {.purpose = JPKI_TOKEN_PROXY_FORM,
	                           .case_id = c.id,
	                           .resident_id = rid,
	                           .kinds = 3,
	                           .issued_at = T0,
	                           .expires_at = T0 + 30 * DAY};
	snprintf(t.ref, sizeof(t.ref), "ABCD-EFGH");
	assert_int_equal(st->ops->token_insert(st, &t, &err), 0);
	assert_int_equal(st->ops->token_insert(st, &t, &err), -JPKI_E_EXISTS);
	assert_int_equal(st->ops->token_use(st, "ABCD-EFGH", T0 + DAY, c.id, &err), 0);
	assert_int_equal(st->ops->token_use(st, "ABCD-EFGH", T0 + DAY, c.id, &err), -JPKI_E_STATE);
	struct jpki_token_rec tb;
	assert_int_equal(st->ops->token_get(st, "ABCD-EFGH", &tb, &err), 0);
	assert_int_equal(tb.used_at, T0 + DAY);
	assert_int_equal(tb.kinds, 3);
	assert_int_equal(st->ops->token_get(st, "NOPE", &tb, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(st->ops->notice_insert(st, "0A", "2027-01", rid, "R1", T0, &err), 0);
	assert_int_equal(st->ops->notice_insert(st, "0A", "2027-01", rid, "R1", T0, &err),
	                 -JPKI_E_EXISTS);
	/* named counters only grow, each on its own */
	int64_t v = 0;
	assert_int_equal(st->ops->counter_next(st, "tsa-sign", &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(st->ops->counter_next(st, "tsa-sign", &v, &err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(st->ops->counter_next(st, "other", &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(st->ops->begin(st, &err),
	                 0); /* a rolled-back draw is a gap, not a reuse */
	assert_int_equal(st->ops->counter_next(st, "tsa-sign", &v, &err), 0);
	st->ops->rollback(st);
	assert_int_equal(st->ops->counter_next(st, "tsa-sign", &v, &err), 0);
	assert_true(v >= 3);
}

static int count_cert(const struct jpki_cert_rec *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

/* The renewal notices' selection: unrevoked certificates ending in a range, by the index */
static void test_cert_expiring(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t rid = add_resident(st);
	insert_cert(st, cert("41", JPKI_KIND_AUTH, rid, T0, T0 + 100 * DAY));
	insert_cert(st, cert("42", JPKI_KIND_SIGN, rid, T0, T0 + 130 * DAY));
	insert_cert(st, cert("43", JPKI_KIND_SIGN, rid, T0, T0 + 120 * DAY));
	insert_cert(st, cert("44", JPKI_KIND_SIGN, rid, T0, T0 + 200 * DAY));
	assert_int_equal(st->ops->cert_revoke(st, "43", T0 + 1, JPKI_REASON_SUPERSEDED, &err), 0);
	int n = 0;
	assert_int_equal(
	    st->ops->cert_expiring(st, T0 + 100 * DAY, T0 + 130 * DAY, count_cert, &n, &err), 0);
	assert_int_equal(n, 2); /* 41 and 42, both ends included; 43 revoked, 44 later */
	n = 0;
	assert_int_equal(
	    st->ops->cert_expiring(st, T0 + 101 * DAY, T0 + 129 * DAY, count_cert, &n, &err), 0);
	assert_int_equal(n, 0);
	/* an index range, not a scan of the table */
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
	                       "EXPLAIN QUERY PLAN SELECT serial FROM certificate "
	                       "WHERE status = 0 AND not_after >= 1 AND not_after <= 2",
	                       -1, &q, NULL),
	    SQLITE_OK);
	bool indexed = false;
	while (sqlite3_step(q) == SQLITE_ROW)
		indexed = indexed || strstr((const char *)sqlite3_column_text(q, 3),
		                            "certificate_valid_by_expiry");
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_true(indexed);
}

/* A hold becomes a final reason once; a certificate not on hold is refused */
static void test_hold_resolve(void **state)
{
	struct fix *f = *state;
	struct jpki_store *st = f->st;
	struct jpki_err err;
	int64_t rid = add_resident(st);
	insert_cert(st, cert("31", JPKI_KIND_AUTH, rid, T0, T0 + 400 * DAY));
	insert_cert(st, cert("32", JPKI_KIND_AUTH, rid, T0, T0 + 400 * DAY));
	assert_int_equal(st->ops->cert_hold_resolve(st, "31", T0, JPKI_REASON_UNSPECIFIED, &err),
	                 -JPKI_E_STATE);
	assert_int_equal(st->ops->cert_revoke(st, "31", T0 + 10, JPKI_REASON_HOLD, &err), 0);
	assert_int_equal(st->ops->cert_revoke(st, "32", T0 + 10, JPKI_REASON_SUPERSEDED, &err), 0);
	int64_t v0 = 0, v1 = 0;
	assert_int_equal(st->ops->revocation_version(st, JPKI_KIND_AUTH, &v0, &err), 0);
	assert_int_equal(st->ops->cert_hold_resolve(st, "31", T0 + 99, JPKI_REASON_HOLD, &err),
	                 -JPKI_E_INVALID);
	assert_int_equal(
	    st->ops->cert_hold_resolve(st, "31", T0 + 99, JPKI_REASON_UNSPECIFIED, &err), 0);
	assert_int_equal(st->ops->revocation_version(st, JPKI_KIND_AUTH, &v1, &err), 0);
	assert_true(v1 > v0);
	struct jpki_cert_rec c;
	assert_int_equal(st->ops->cert_get(st, "31", false, &c, &err), 0);
	assert_int_equal(c.reason, JPKI_REASON_UNSPECIFIED);
	assert_int_equal(c.revoked_at, T0 + 99);
	assert_int_equal(
	    st->ops->cert_hold_resolve(st, "31", T0 + 99, JPKI_REASON_UNSPECIFIED, &err),
	    -JPKI_E_STATE);
	assert_int_equal(
	    st->ops->cert_hold_resolve(st, "32", T0 + 99, JPKI_REASON_UNSPECIFIED, &err),
	    -JPKI_E_STATE);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_open_creates_schema_and_reopens),
	    T(test_schema_newer_refused),
	    T(test_open_bad_specs),
	    T(test_spec_passwords),
	    T(test_missing_is_not_new),
	    T(test_empty_is_refused),
	    T(test_create_mode_and_leftover_log),
	    T(test_second_open_keeps_locks),
	    T(test_meta_and_floor),
	    T(test_backup_and_restore),
	    T(test_resident_round_trip),
	    T(test_resident_unknown),
	    T(test_resident_each_stops),
	    T(test_damaged_rows),
	    T(test_cert_insert_get),
	    T(test_cert_current),
	    T(test_cert_revoke),
	    T(test_revoked_scan_all),
	    T(test_crl_number_monotonic),
	    T(test_rollback_undoes),
	    T(test_counter_cases_and_audit),
	    T(test_counter_receipts_tokens_notices),
	    T(test_hold_resolve),
	    T(test_cert_expiring),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
