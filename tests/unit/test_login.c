/*
 * test_login.c: the relying party's challenge store (src/lib/login/nonces.c):
 * 44 base64 characters from 32 random bytes, bound to a session, taken once,
 * gone after its lifetime, a newer challenge replacing the session's older
 * one, a full store refusing rather than evicting a live challenge; and the
 * validator's refusals that need no responder (size, origin, nonce, format).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jpki/login.h"

static void test_take_once(void **state)
{
	(void)state;
	struct jpki_login_nonces *n = NULL;
	struct jpki_err err;
	char a[JPKI_LOGIN_NONCE_LEN + 1], b[JPKI_LOGIN_NONCE_LEN + 1],
	    got[JPKI_LOGIN_NONCE_LEN + 1];
	assert_int_equal(jpki_login_nonces_new(4, 0, &n, &err), 0);
	assert_int_equal(jpki_login_challenge(n, "s1", 1000, a, &err), 0);
	assert_int_equal(strlen(a), 44);
	assert_int_equal(a[43], '=');
	assert_int_equal(jpki_login_challenge(n, "s2", 1000, b, &err), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(jpki_login_take(n, "s1", 1001, got, &err), 0);
	assert_string_equal(got, a);
	assert_int_equal(jpki_login_take(n, "s1", 1001, got, &err), -JPKI_E_NOT_FOUND); /* once */
	assert_int_equal(jpki_login_take(n, "s3", 1001, got, &err), -JPKI_E_NOT_FOUND);
	/* the session's later challenge replaces the earlier one */
	assert_int_equal(jpki_login_challenge(n, "s2", 1002, a, &err), 0);
	assert_int_equal(jpki_login_take(n, "s2", 1003, got, &err), 0);
	assert_string_equal(got, a);
	jpki_login_nonces_free(n);
}

static void test_expiry_and_capacity(void **state)
{
	(void)state;
	struct jpki_login_nonces *n = NULL;
	struct jpki_err err;
	char a[JPKI_LOGIN_NONCE_LEN + 1];
	assert_int_equal(jpki_login_nonces_new(2, 300, &n, &err), 0);
	assert_int_equal(jpki_login_challenge(n, "x", 0, a, &err), 0);
	assert_int_equal(jpki_login_take(n, "x", 300, a, &err), -JPKI_E_STATE); /* 5 minutes on */
	assert_int_equal(jpki_login_take(n, "x", 300, a, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_login_challenge(n, "p", 0, a, &err), 0);
	assert_int_equal(jpki_login_challenge(n, "q", 0, a, &err), 0);
	assert_int_equal(jpki_login_challenge(n, "r", 10, a, &err), -JPKI_E_LIMIT); /* both live */
	assert_int_equal(jpki_login_challenge(n, "r", 400, a, &err),
	                 0); /* an expired one is reused */
	assert_int_equal(jpki_login_challenge(n, "", 0, a, &err), -JPKI_E_INVALID);
	char big[200];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(jpki_login_challenge(n, big, 0, a, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_login_nonces_new(0, 0, &n, &err), -JPKI_E_INVALID);
	jpki_login_nonces_free(n);
}

static void test_validator_refusals(void **state)
{
	(void)state;
	static const char ca[] = "-----BEGIN CERTIFICATE-----\n";
	struct jpki_login_validator *v = NULL;
	struct jpki_login_result r;
	struct jpki_err err;
	uint8_t secret[32] = {1};
	char nonce[45];
	memset(nonce, 'A', 43), nonce[43] = '=', nonce[44] = 0;
	assert_int_equal(jpki_login_validator_new("rp", secret, 16, &v, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_login_validator_new("rp", secret, 32, &v, &err), 0);
	assert_int_equal(jpki_login_validator_trust(v, (const uint8_t *)ca, sizeof(ca) - 1, &err),
	                 -JPKI_E_INVALID);
	char token[200];
	memset(token, ' ', sizeof(token));
	/* no trust anchor yet: validation cannot run */
	assert_int_equal(
	    jpki_login_validate(v, token, sizeof(token), "https://a.jp", nonce, &r, &err),
	    -JPKI_E_STATE);
	assert_int_equal(jpki_login_validator_allow_policy(v, "not an oid", &err), -JPKI_E_INVALID);
	jpki_login_validator_free(v);
	assert_string_equal(jpki_login_failure_name(JPKI_LOGIN_REVOKED), "REVOKED");
	assert_string_equal(jpki_login_failure_name((enum jpki_login_failure)99), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_take_once),
	    cmocka_unit_test(test_expiry_and_capacity),
	    cmocka_unit_test(test_validator_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
