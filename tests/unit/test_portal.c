/*
 * test_portal.c: the demo portal's parts that need no server
 * (src/lib/portal/): sessions (named anew at login, idle ends, a pending
 * signature taken once and not after 5 minutes, the new-account notice said
 * once, strangers' anonymous sessions pushed out before a login is), and
 * the accounts database (one account per pseudonym, a filing only for its
 * owner, the newest first, bad input refused and nothing written).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portal/accounts.h"
#include "portal/sessions.h"
#include "tmpdir.h"

static const uint8_t der[3] = {0x30, 0x01, 0x00};

static void test_login_renames(void **state)
{
	(void)state;
	struct jpki_portal_sessions *s = NULL;
	struct jpki_portal_session_view v;
	struct jpki_err err;
	char anon[44], in[44];
	assert_int_equal(jpki_portal_sessions_new(8, &s, &err), 0);
	assert_int_equal(jpki_portal_session_open(s, 1000, anon, &err), 0);
	assert_int_equal(strlen(anon), 43);
	assert_int_equal(jpki_portal_session_get(s, anon, 1000, &v, &err), 0);
	assert_int_equal(v.account, 0);
	assert_int_equal(jpki_portal_session_login(s, anon, 7, true, der, 3, 1001, in, &err), 0);
	assert_string_not_equal(anon, in);
	assert_int_equal(jpki_portal_session_get(s, anon, 1001, &v, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_portal_session_get(s, in, 1001, &v, &err), 0);
	assert_int_equal(v.account, 7);
	assert_true(jpki_portal_session_take_new(s, in, 1001));
	assert_false(jpki_portal_session_take_new(s, in, 1002)); /* said once */
	uint8_t *got = NULL;
	size_t len = 0;
	assert_int_equal(jpki_portal_session_auth_cert(s, in, 1002, &got, &len, &err), 0);
	assert_memory_equal(got, der, 3);
	free(got);
	/* idle for 30 minutes: gone */
	assert_int_equal(jpki_portal_session_get(s, in, 1002 + 30 * 60, &v, &err),
	                 -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_portal_session_get(s, NULL, 1002, &v, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_portal_session_get(s, "short", 1002, &v, &err), -JPKI_E_NOT_FOUND);
	jpki_portal_sessions_free(s);
}

static void test_pending_once(void **state)
{
	(void)state;
	struct jpki_portal_sessions *s = NULL;
	struct jpki_err err;
	char anon[44], in[44];
	CMS_ContentInfo *cms = NULL;
	uint8_t *doc = NULL;
	size_t len = 0;
	assert_int_equal(jpki_portal_sessions_new(4, &s, &err), 0);
	assert_int_equal(jpki_portal_session_open(s, 100, anon, &err), 0);
	/* not logged in: nothing may wait (and what was given is freed) */
	assert_int_equal(jpki_portal_session_put_pending(s, anon, 100, CMS_ContentInfo_new(),
	                                                 (uint8_t *)strdup("x"), 1, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	assert_int_equal(jpki_portal_session_login(s, anon, 1, false, der, 3, 100, in, &err), 0);
	assert_int_equal(jpki_portal_session_take_pending(s, in, 100, &cms, &doc, &len, &err),
	                 -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_portal_session_put_pending(s, in, 100, CMS_ContentInfo_new(),
	                                                 (uint8_t *)strdup("ab"), 2, &err),
	                 0);
	assert_int_equal(jpki_portal_session_take_pending(s, in, 101, &cms, &doc, &len, &err), 0);
	assert_int_equal(len, 2);
	CMS_ContentInfo_free(cms);
	free(doc);
	assert_int_equal(jpki_portal_session_take_pending(s, in, 102, &cms, &doc, &len, &err),
	                 -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_portal_session_put_pending(s, in, 200, CMS_ContentInfo_new(),
	                                                 (uint8_t *)strdup("ab"), 2, &err),
	                 0);
	assert_int_equal(
	    jpki_portal_session_take_pending(s, in, 200 + 5 * 60 + 1, &cms, &doc, &len, &err),
	    -JPKI_E_STATE);
	jpki_portal_session_end(s, in);
	assert_int_equal(jpki_portal_session_auth_cert(s, in, 600, &doc, &len, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	jpki_portal_sessions_free(s); /* frees what still waits */
}

static void test_strangers_never_push_out_a_login(void **state)
{
	(void)state;
	struct jpki_portal_sessions *s = NULL;
	struct jpki_portal_session_view v;
	struct jpki_err err;
	char a[44], b[44], in[44], x[44];
	assert_int_equal(jpki_portal_sessions_new(2, &s, &err), 0);
	assert_int_equal(jpki_portal_session_open(s, 10, a, &err), 0);
	assert_int_equal(jpki_portal_session_login(s, a, 3, false, der, 3, 10, in, &err), 0);
	for (int i = 0; i < 10; i++) /* a flood of anonymous sessions takes the one other slot */
		assert_int_equal(jpki_portal_session_open(s, 11 + i, b, &err), 0);
	assert_int_equal(jpki_portal_session_get(s, in, 30, &v, &err), 0);
	assert_int_equal(v.account, 3);
	assert_int_equal(jpki_portal_session_login(s, b, 4, false, der, 3, 31, x, &err), 0);
	/* every slot a live login: refused, not evicted */
	assert_int_equal(jpki_portal_session_open(s, 32, a, &err), -JPKI_E_LIMIT);
	/* anonymous sessions last as long as a challenge */
	jpki_portal_session_end(s, x);
	assert_int_equal(jpki_portal_session_open(s, 40, a, &err), 0);
	assert_int_equal(jpki_portal_session_get(s, a, 40 + 5 * 60, &v, &err), -JPKI_E_NOT_FOUND);
	jpki_portal_sessions_free(s);
}

static const char p1[] = "m-bRRgkytkIvgY_ibMGiknvpEC7d_GCvBluxCO2823U";
static const char p2[] = "n-bRRgkytkIvgY_ibMGiknvpEC7d_GCvBluxCO2823U";

static void test_accounts(void **state)
{
	(void)state;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct jpki_portal_accounts *a = NULL;
	struct jpki_portal_account acc, acc2;
	struct jpki_portal_filing f = {0}, list[JPKI_PORTAL_LIST_MAX];
	struct jpki_err err;
	int64_t id1 = 0, id2 = 0;
	size_t n = 0;
	assert_non_null(tmpdir_make(dir, "portal"));
	snprintf(path, sizeof(path), "%s/portal.sqlite", dir);
	assert_int_equal(jpki_portal_accounts_open(path, &a, &err), 0);
	assert_int_equal(jpki_portal_account_login(a, p1, 100, &acc, &err), 0);
	assert_true(acc.created);
	assert_int_equal(acc.id, 1);
	assert_int_equal(jpki_portal_account_login(a, p1, 200, &acc, &err), 0);
	assert_false(acc.created);
	assert_int_equal(acc.logins, 2);
	assert_int_equal(acc.last_login_at, 200);
	assert_int_equal(jpki_portal_account_login(a, p2, 300, &acc2, &err), 0);
	assert_int_equal(acc2.id, 2);
	assert_int_equal(jpki_portal_account_login(a, "short", 300, &acc2, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_portal_account_get(a, 99, &acc2, &err), -JPKI_E_NOT_FOUND);

	f.account = 1;
	f.created_at = 400;
	snprintf(f.indication, sizeof(f.indication), "TOTAL-PASSED");
	assert_int_equal(jpki_portal_filing_add(a, &f, "one", 3, der, 3, &id1, &err), 0);
	assert_int_equal(jpki_portal_filing_add(a, &f, "two", 3, der, 3, &id2, &err), 0);
	assert_int_equal(
	    jpki_portal_filing_add(a, &f, "x", JPKI_PORTAL_FILING_MAX + 1, der, 3, &id2, &err),
	    -JPKI_E_LIMIT);
	f.account = 99; /* no such account: the foreign key refuses */
	assert_true(jpki_portal_filing_add(a, &f, "x", 1, der, 3, &id2, &err) < 0);
	uint8_t *cms = NULL;
	size_t len = 0;
	assert_int_equal(jpki_portal_filing_cms(a, 1, id1, &cms, &len, &err), 0);
	assert_int_equal(len, 3);
	free(cms);
	assert_int_equal(jpki_portal_filing_cms(a, 2, id1, &cms, &len, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_portal_filing_list(a, 1, list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(list[0].id > list[1].id); /* newest first */
	assert_string_equal(list[0].indication, "TOTAL-PASSED");
	assert_int_equal(jpki_portal_filing_list(a, 2, list, &n, &err), 0);
	assert_int_equal(n, 0);
	jpki_portal_accounts_close(a);

	/* reopened: everything is still there */
	assert_int_equal(jpki_portal_accounts_open(path, &a, &err), 0);
	assert_int_equal(jpki_portal_account_login(a, p1, 500, &acc, &err), 0);
	assert_int_equal(acc.id, 1);
	assert_int_equal(acc.logins, 3);
	jpki_portal_accounts_close(a);
	snprintf(path, sizeof(path), "%s/missing/dir/portal.sqlite", dir);
	assert_true(jpki_portal_accounts_open(path, &a, &err) < 0);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_login_renames),
	    cmocka_unit_test(test_pending_once),
	    cmocka_unit_test(test_strangers_never_push_out_a_login),
	    cmocka_unit_test(test_accounts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
