/*
 * test_api.c: the parts of the counter API that need no server: operator
 * sessions (operator/session.c: locked after 5 idle minutes until unlocked,
 * ended after 10 hours, at log-out and with the operator, the idlest pushed
 * out when full, names compared whole) and request bodies (http/api_json.c:
 * each fault named, nothing returned for a refused body).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/api_json.h"
#include "operator/session.h"

#define T0 1796173200 /* 2026-12-02 10:00 JST */

static struct jpki_op_sessions *table(size_t cap)
{
	struct jpki_op_sessions *s = NULL;
	assert_int_equal(jpki_op_sessions_new(cap, &s, NULL), 0);
	return s;
}

static void open_one(struct jpki_op_sessions *s, const char *who, int64_t at,
                     char id[JPKI_OP_SESSION_ID_LEN + 1])
{
	struct jpki_op_session v;
	assert_int_equal(
	    jpki_op_session_open(s, who, JPKI_ROLE_CLERK, "city-hall", false, at, id, &v, NULL), 0);
	assert_string_equal(v.operator_id, who);
	assert_int_equal(strlen(v.csrf), JPKI_OP_SESSION_ID_LEN);
	assert_string_not_equal(v.csrf, id);
}

static void test_idle_lock(void **state)
{
	(void)state;
	struct jpki_op_sessions *s = table(4);
	struct jpki_op_session v;
	struct jpki_err err;
	char id[JPKI_OP_SESSION_ID_LEN + 1];
	open_one(s, "clerk1", T0, id);
	assert_int_equal(jpki_op_session_get(s, id, T0 + 299, &v, &err), 0); /* touched */
	assert_false(v.locked);
	assert_int_equal(jpki_op_session_get(s, id, T0 + 299 + 299, &v, &err), 0);
	/* 5 minutes without a call: locked, and it stays locked */
	assert_int_equal(jpki_op_session_get(s, id, T0 + 598 + 300, &v, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	assert_true(v.locked);
	assert_non_null(strstr(err.msg, "locked"));
	assert_int_equal(jpki_op_session_get(s, id, T0 + 900, &v, &err), -JPKI_E_UNAUTHENTICATED);
	assert_int_equal(jpki_op_session_unlock(s, id, T0 + 901, &err), 0);
	assert_int_equal(jpki_op_session_get(s, id, T0 + 902, &v, &err), 0);
	assert_false(v.locked);
	jpki_op_sessions_free(s);
}

static void test_lifetime_and_end(void **state)
{
	(void)state;
	struct jpki_op_sessions *s = table(4);
	struct jpki_op_session v;
	struct jpki_err err;
	char a[JPKI_OP_SESSION_ID_LEN + 1], b[JPKI_OP_SESSION_ID_LEN + 1];
	open_one(s, "clerk1", T0, a);
	open_one(s, "clerk2", T0, b);
	for (int64_t t = T0 + 200; t < T0 + JPKI_OP_SESSION_LIFETIME; t += 200)
		assert_int_equal(jpki_op_session_get(s, a, t, &v, &err), 0);
	assert_int_equal(jpki_op_session_get(s, a, T0 + JPKI_OP_SESSION_LIFETIME, &v, &err),
	                 -JPKI_E_NOT_FOUND); /* a working day, then log in again */
	assert_int_equal(jpki_op_session_unlock(s, a, T0 + JPKI_OP_SESSION_LIFETIME, &err),
	                 -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_op_session_get(s, b, T0 + 10, &v, &err), 0);
	jpki_op_session_end(s, b);
	assert_int_equal(jpki_op_session_get(s, b, T0 + 11, &v, &err), -JPKI_E_NOT_FOUND);
	open_one(s, "clerk3", T0, a);
	open_one(s, "clerk3", T0, b);
	jpki_op_session_end_operator(s, "clerk3"); /* disabled: every session of theirs */
	assert_int_equal(jpki_op_session_get(s, a, T0 + 1, &v, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_op_session_get(s, b, T0 + 1, &v, &err), -JPKI_E_NOT_FOUND);
	jpki_op_sessions_free(s);
}

static void test_names(void **state)
{
	(void)state;
	struct jpki_op_sessions *s = table(2);
	struct jpki_op_session v;
	struct jpki_err err;
	char a[JPKI_OP_SESSION_ID_LEN + 1], b[JPKI_OP_SESSION_ID_LEN + 1],
	    c[JPKI_OP_SESSION_ID_LEN + 1];
	open_one(s, "clerk1", T0, a);
	char wrong[JPKI_OP_SESSION_ID_LEN + 2];
	memcpy(wrong, a, sizeof(a));
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	assert_int_equal(jpki_op_session_get(s, wrong, T0, &v, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_op_session_get(s, NULL, T0, &v, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_op_session_get(s, "", T0, &v, &err), -JPKI_E_NOT_FOUND);
	memcpy(wrong, a, sizeof(a));
	wrong[JPKI_OP_SESSION_ID_LEN - 1] = '\0'; /* a prefix is not the name */
	assert_int_equal(jpki_op_session_get(s, wrong, T0, &v, &err), -JPKI_E_NOT_FOUND);
	memcpy(wrong, a, JPKI_OP_SESSION_ID_LEN);
	wrong[JPKI_OP_SESSION_ID_LEN] = 'x';
	wrong[JPKI_OP_SESSION_ID_LEN + 1] = '\0';
	assert_int_equal(jpki_op_session_get(s, wrong, T0, &v, &err), -JPKI_E_NOT_FOUND);
	/* full: the session idle longest gives way */
	open_one(s, "clerk2", T0 + 5, b);
	assert_int_equal(jpki_op_session_get(s, b, T0 + 10, &v, &err), 0);
	open_one(s, "clerk3", T0 + 20, c);
	assert_int_equal(jpki_op_session_get(s, a, T0 + 21, &v, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_op_session_get(s, b, T0 + 21, &v, &err), 0);
	assert_int_equal(jpki_op_session_get(s, c, T0 + 21, &v, &err), 0);
	jpki_op_sessions_free(s);
}

static int parse(const char *schema, const char *body, const char *want)
{
	json_t *o = (json_t *)1;
	struct jpki_err err = {0};
	int rc = jpki_api_parse((const uint8_t *)body, strlen(body), jpki_api_schema_find(schema),
	                        &o, &err);
	if (rc < 0) {
		assert_null(o);
		if (want)
			assert_non_null(strstr(err.msg, want));
	} else {
		assert_non_null(o);
		json_decref(o);
	}
	return rc;
}

static void test_bodies(void **state)
{
	(void)state;
	assert_int_equal(parse("loss", "{\"resident\": 12}", NULL), 0);
	assert_int_equal(parse("loss", "{}", "\"resident\" is required"), -JPKI_E_INVALID);
	assert_int_equal(parse("loss", "{\"resident\": 0}", "positive integer"), -JPKI_E_INVALID);
	assert_int_equal(parse("loss", "{\"resident\": 9007199254740992}", "positive integer"),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("loss", "{\"resident\": 9007199254740991}", NULL), 0);
	assert_int_equal(parse("loss", "{\"resident\": \"12\"}", "positive integer"),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("loss", "{\"resident\": 1, \"x\": 1}", "unknown field \"x\""),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("loss", "{\"resident\": 1, \"resident\": 2}", "not JSON"),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("loss", "[1]", "a JSON object"), -JPKI_E_INVALID);
	/* a name not said back (it could be cut inside a character, or be anything at all) */
	assert_int_equal(parse("loss",
	                       "{\"resident\": 1, \"\u3042\u3042\u3042\u3042\u3042\u3042\u3042"
	                       "\u3042\u3042\u3042\u3042\u3042\u3042\u3042\": 1}",
	                       "an unknown field"),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("login", "{\"password\": \"Secret-pw\t\"}", "at byte"),
	                 -JPKI_E_INVALID); /* the body is not said back */
	assert_int_equal(parse("loss", "{\"resident\": 1", "not JSON"), -JPKI_E_INVALID);
	assert_int_equal(
	    parse("search", "{\"purpose\": \"inquiry\", \"birth\": \"1990-02-30\"}", "YYYY-MM-DD"),
	    -JPKI_E_INVALID);
	assert_int_equal(
	    parse("search", "{\"purpose\": \"inquiry\", \"birth\": \"1990-02-28\"}", NULL), 0);
	assert_int_equal(parse("search", "{\"purpose\": \"a\\u0001b\"}", "text"), -JPKI_E_INVALID);
	assert_int_equal(parse("search", "{\"purpose\": \"a\\u0000b\"}", "not JSON"),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("search", "{\"purpose\": \"\"}", "1 to 16 bytes"), -JPKI_E_INVALID);
	assert_int_equal(
	    parse("revoke", "{\"resident\": 1, \"documents\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}",
	          "at most 4"),
	    -JPKI_E_INVALID);
	assert_int_equal(parse("revoke", "{\"resident\": 1, \"documents\": [1]}", "at most 4"),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("revoke", "{\"resident\": 1, \"documents\": [], \"delegation\": 1}",
	                       "true or false"),
	                 -JPKI_E_INVALID);
	assert_int_equal(parse("empty", "{}", NULL), 0);
	assert_int_equal(parse("empty", "{\"a\": 1}", "unknown field"), -JPKI_E_INVALID);
	char big[JPKI_API_BODY_MAX + 32];
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{', big[sizeof(big) - 2] = '}', big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse("empty", big, "at most"), -JPKI_E_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_idle_lock),
	    cmocka_unit_test(test_lifetime_and_end),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
