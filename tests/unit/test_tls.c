/*
 * test_tls.c: the local TLS CA of `jpki serve`'s HTTPS (src/lib/tls/local_ca.h): which
 * --tls-name values are names and how they are kept, and the states of <data>/tls/ that
 * init and renew meet (made, kept, due, foreign, incomplete, a wrong passphrase).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "test_ctx.h"
#include "tls/local_ca.h"
#include "tmpdir.h"

#define PASS "unit-test-passphrase"
#define NOW ((int64_t)1796000000) /* 2026-12-01 */

static const struct {
	const char *in, *kept; /* kept NULL: refused */
} name_cases[] = {
    {"localhost", "localhost"},
    {"LocalHost", "localhost"},
    {"jpki.example.test", "jpki.example.test"},
    {"xn--zckzah.jp", "xn--zckzah.jp"},
    {"a-b.c", "a-b.c"},
    {"1x.example", "1x.example"},
    {"127.0.0.1", "127.0.0.1"},
    {"::1", "::1"},
    {"0:0:0:0:0:0:0:1", "::1"},
    {"2001:DB8::1", "2001:db8::1"},
    {"", NULL},
    {"bad_name", NULL},
    {"-x.example", NULL},
    {"x-.example", NULL},
    {"a..b", NULL},
    {".example", NULL},
    {"example.", NULL},
    {"*.example.test", NULL},
    {"host name", NULL},
    {"ポータル.jp", NULL},
    {"300.1.1.1", NULL},
    {"1.2.3", NULL},
    {"::1::", NULL},
    {"a,DNS:evil.example", NULL},
    {"a\nb", NULL},
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		struct jpki_tls_names n = {0};
		struct jpki_err err;
		int rc = jpki_tls_names_add(&n, name_cases[i].in, &err);
		if (!name_cases[i].kept) {
			if (rc != -JPKI_E_INVALID)
				fail_msg("'%s' accepted", name_cases[i].in);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", name_cases[i].in, err.msg);
		assert_int_equal(n.n, 1);
		assert_string_equal(n.name[0], name_cases[i].kept);
	}
}

static void test_names_limits(void **state)
{
	(void)state;
	struct jpki_tls_names n = {0};
	struct jpki_err err;
	char label[80];
	assert_int_equal(jpki_tls_names_add(&n, "localhost", &err), 0);
	assert_int_equal(jpki_tls_names_add(&n, "LOCALHOST", &err), -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "twice"));
	assert_int_equal(jpki_tls_names_add(&n, "::0001", &err), 0);
	assert_int_equal(jpki_tls_names_add(&n, "0::1", &err), -JPKI_E_INVALID); /* the same ::1 */
	for (int i = 2; i < JPKI_TLS_NAMES_MAX; i++) {
		snprintf(label, sizeof(label), "h%d.example", i);
		assert_int_equal(jpki_tls_names_add(&n, label, &err), 0);
	}
	assert_int_equal(jpki_tls_names_add(&n, "one.too.many", &err), -JPKI_E_LIMIT);
	/* a label of 63 is a name, 64 is not; 253 characters in all, not 254 */
	struct jpki_tls_names m = {0};
	memset(label, 'a', 63);
	snprintf(label + 63, sizeof(label) - 63, ".test");
	assert_int_equal(jpki_tls_names_add(&m, label, &err), 0);
	memset(label, 'a', 64);
	snprintf(label + 64, sizeof(label) - 64, ".test");
	assert_int_equal(jpki_tls_names_add(&m, label, &err), -JPKI_E_INVALID);
	char longname[300];
	size_t len = 0;
	for (int i = 0; i < 4; i++) { /* labels of 63, 63, 63 and 61: 253 characters */
		if (i)
			longname[len++] = '.';
		memset(longname + len, 'a' + i, i < 3 ? 63 : 61);
		len += i < 3 ? 63 : 61;
	}
	longname[len] = '\0';
	assert_int_equal(strlen(longname), 253);
	assert_int_equal(jpki_tls_names_add(&m, longname, &err), 0);
	longname[len - 1] = '.'; /* 254 characters: ...d.x */
	longname[len] = 'x';
	longname[len + 1] = '\0';
	assert_int_equal(jpki_tls_names_add(&m, longname, &err), -JPKI_E_INVALID);
	struct jpki_tls_names a = {0}, b = {0};
	jpki_tls_names_default(&a);
	assert_int_equal(jpki_tls_names_add(&b, "127.0.0.1", &err), 0);
	assert_int_equal(jpki_tls_names_add(&b, "localhost", &err), 0);
	assert_true(jpki_tls_names_same(&a, &b)); /* in any order */
	char text[64];
	jpki_tls_names_format(&a, text, sizeof(text));
	assert_string_equal(text, "localhost, 127.0.0.1");
}

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (!tmpdir_make(dir, "tls"))
		return -1;
	setenv("JPKI_DATA", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *b = NULL;
	struct jpki_err err;
	return jpki_read_file(path, 1 << 20, &b, len, &err) == 0 ? b : NULL;
}

static bool same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	uint8_t *x = slurp(a, &la), *y = slurp(b, &lb);
	bool same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

static void copy(const char *from, const char *to)
{
	struct jpki_err err;
	unlink(to);
	assert_int_equal(jpki_copy_file(from, to, 0600, &err), 0);
}

static void test_init_and_renew(void **state)
{
	(void)state;
	const struct jpki_ctx *ctx = test_ctx();
	struct jpki_tls_status st;
	struct jpki_err err;
	struct stat sb;
	char saved[PATH_MAX + 32];
	assert_int_equal(jpki_tls_init(ctx, NOW, NULL, NULL, &st, &err), -JPKI_E_PASSPHRASE);
	assert_int_equal(jpki_tls_init(ctx, NOW, PASS, NULL, &st, &err), 0);
	assert_true(st.ca_created);
	assert_int_equal(st.outcome, JPKI_TLS_CREATED);
	assert_int_equal(st.names.n, 2);
	assert_true(st.not_after > NOW + 396 * 86400 && st.not_after < NOW + 397 * 86400);
	assert_int_equal(stat(st.paths.key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(st.paths.ca_key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(saved, sizeof(saved), "%s/saved.pem", dir);
	copy(st.paths.cert, saved);

	/* kept: again, for other names, on a later day */
	struct jpki_tls_names other = {0};
	assert_int_equal(jpki_tls_names_add(&other, "jpki.example.test", &err), 0);
	assert_int_equal(jpki_tls_init(ctx, NOW + 86400, PASS, &other, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_KEPT);
	assert_false(st.ca_created);
	assert_true(st.other_names);
	assert_true(same_file(saved, st.paths.cert));
	assert_int_equal(jpki_tls_init(ctx, NOW, "another-passphrase", NULL, &st, &err),
	                 -JPKI_E_PASSPHRASE);

	/* renew: not due, due by the window, by the names, by force */
	assert_int_equal(jpki_tls_renew(ctx, NOW, PASS, NULL, 30 * 86400, false, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_KEPT);
	assert_int_equal(
	    jpki_tls_renew(ctx, NOW + 370 * 86400, PASS, NULL, 30 * 86400, false, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_RENEWED);
	assert_true(same_file(saved, st.paths.cert_old));
	assert_false(same_file(saved, st.paths.cert));
	assert_int_equal(
	    jpki_tls_renew(ctx, NOW + 370 * 86400, PASS, &other, 30 * 86400, false, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_RENEWED);
	assert_int_equal(st.names.n, 1);
	assert_string_equal(st.names.name[0], "jpki.example.test");
	assert_int_equal(jpki_tls_renew(ctx, NOW + 370 * 86400, PASS, NULL, 0, true, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_RENEWED);
	assert_string_equal(st.names.name[0], "jpki.example.test"); /* its own names kept */

	/* the chain's end, as serve reads it */
	size_t len = 0;
	uint8_t *pem = slurp(st.paths.cert, &len);
	int64_t end = 0;
	assert_non_null(pem);
	assert_int_equal(jpki_tls_chain_not_after(pem, len, &end, &err), 0);
	assert_true(end == st.not_after);
	free(pem);
	assert_int_equal(jpki_tls_chain_not_after("no PEM here", 11, &end, &err), -JPKI_E_INVALID);

	/* a lone key: init refuses, renew repairs */
	assert_int_equal(unlink(st.paths.cert), 0);
	assert_int_equal(jpki_tls_init(ctx, NOW, PASS, NULL, &st, &err), -JPKI_E_STATE);
	assert_non_null(strstr(err.msg, "jpki tls renew"));
	assert_int_equal(jpki_tls_renew(ctx, NOW, PASS, NULL, 0, false, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_RENEWED);

	/* a foreign pair: another CA's certificate put in place; kept unless forced */
	char other_dir[PATH_MAX + 16];
	snprintf(other_dir, sizeof(other_dir), "%s/other", dir);
	setenv("JPKI_DATA", other_dir, 1);
	const struct jpki_ctx *ctx2 = test_ctx();
	struct jpki_tls_status st2;
	assert_int_equal(jpki_tls_init(ctx2, NOW, PASS, NULL, &st2, &err), 0);
	copy(st2.paths.cert, st.paths.cert);
	copy(st2.paths.key, st.paths.key);
	setenv("JPKI_DATA", dir, 1);
	ctx = test_ctx();
	assert_int_equal(jpki_tls_init(ctx, NOW, PASS, NULL, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_FOREIGN);
	assert_int_equal(jpki_tls_renew(ctx, NOW, PASS, NULL, 400 * 86400, false, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_FOREIGN);
	assert_true(same_file(st2.paths.cert, st.paths.cert));
	assert_int_equal(jpki_tls_renew(ctx, NOW, PASS, NULL, 0, true, &st, &err), 0);
	assert_int_equal(st.outcome, JPKI_TLS_RENEWED);
	assert_false(same_file(st2.paths.cert, st.paths.cert));

	/* half a CA is refused, by both */
	assert_int_equal(unlink(st.paths.ca_key), 0);
	assert_int_equal(jpki_tls_init(ctx, NOW, PASS, NULL, &st, &err), -JPKI_E_STATE);
	assert_non_null(strstr(err.msg, "incomplete"));
	assert_int_equal(jpki_tls_renew(ctx, NOW, PASS, NULL, 0, true, &st, &err), -JPKI_E_STATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_names_limits),
	    cmocka_unit_test_setup_teardown(test_init_and_renew, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
