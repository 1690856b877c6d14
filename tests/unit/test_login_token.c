/*
 * test_login_token.c: the Web eID token's JSON reader (src/lib/login/token.c)
 * against jansson (json_loadb with JSON_REJECT_DUPLICATES, json_unpack
 * "{s:s, s:s, s:s, s:s, s?s}", what the validator used before), the judge:
 *   - a table of tokens, good and bad (escapes, surrogates, UTF-8, numbers,
 *     nesting, duplicates, types, trailing bytes), each read by both: the
 *     verdicts and the fields must agree, except on the reader's own limits
 *     (depth, members, digits), where it is the stricter;
 *   - 20,000 seeded random mutations of a real-looking token (bytes
 *     changed, inserted, deleted): the reader never accepts what jansson
 *     refuses, and never reads other fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "login/token.h"

/* What jansson makes of a token: NULL when it refuses, else the five fields joined by '|'. */
static char *by_jansson(const char *text, size_t len)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	const char *f = NULL, *c = NULL, *a = NULL, *s = NULL, *v = NULL;
	char *out = NULL;
	if (j &&
	    json_unpack(j, "{s:s, s:s, s:s, s:s, s?s}", "format", &f, "unverifiedCertificate", &c,
	                "algorithm", &a, "signature", &s, "appVersion", &v) == 0 &&
	    asprintf(&out, "%s|%s|%s|%s|%s", f, c, a, s, v ? v : "(none)") < 0)
		out = NULL;
	json_decref(j);
	return out;
}

static char *by_reader(const char *text, size_t len)
{
	struct jpki_login_fields f;
	char *out = NULL;
	if (!jpki_login_token_read(text, len, &f) &&
	    asprintf(&out, "%s|%s|%s|%s|%s", f.format, f.cert, f.alg, f.sig,
	             f.app ? f.app : "(none)") < 0)
		out = NULL;
	if (out) { /* the lengths given are the strings' */
		assert_int_equal(strlen(f.cert), f.cert_len);
		assert_int_equal(strlen(f.sig), f.sig_len);
	}
	jpki_login_fields_clear(&f);
	return out;
}

#define BASE "\"format\":\"web-eid:1.0\",\"unverifiedCertificate\":\"MIIB\",\"algorithm\":\"RS256\""
#define GOOD "{" BASE ",\"signature\":\"c2ln\"}"

static const struct {
	const char *text;
	bool ok;       /* the reader accepts it */
	bool stricter; /* jansson accepts it, the reader's limits do not */
} cases[] = {
    {GOOD, true, false},
    {" \t\r\n" GOOD " \n", true, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"appVersion\":\"jpki 0.1\"}", true, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"appVersion\":null}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"appVersion\":1}", false, false},
    {"{" BASE ",\"signature\":null}", false, false},
    {"{" BASE ",\"signature\":7}", false, false},
    {"{" BASE "}", false, false},
    {"{\"\\u0066ormat\":\"web-eid:1.0\",\"unverifiedCertificate\":\"MI\\/B\",\"algorithm\":"
     "\"RS256\",\"signature\":\"\\\"\\\\\\b\\f\\n\\r\\t\"}",
     true, false},
    {"{" BASE ",\"signature\":\"\\u00e9\\u3042\\ud83d\\ude00 é あ 😀\"}", true, false},
    {"{" BASE ",\"signature\":\"\\u0000\"}", false, false},
    {"{" BASE ",\"signature\":\"\\ud83d\"}", false, false},
    {"{" BASE ",\"signature\":\"\\ude00\"}", false, false},
    {"{" BASE ",\"signature\":\"\\ud83dx\"}", false, false},
    {"{" BASE ",\"signature\":\"\\x\"}", false, false},
    {"{" BASE ",\"signature\":\"\\u12G4\"}", false, false},
    {"{" BASE ",\"signature\":\"a\tb\"}", false, false},
    {"{" BASE ",\"signature\":\"\xc0\xaf\"}", false, false},         /* overlong */
    {"{" BASE ",\"signature\":\"\xed\xa0\x80\"}", false, false},     /* a surrogate */
    {"{" BASE ",\"signature\":\"\xf4\x90\x80\x80\"}", false, false}, /* above U+10FFFF */
    {"{" BASE ",\"signature\":\"\xe3\x81\"}", false, false},         /* cut short */
    {"{" BASE ",\"signature\":\"\xff\"}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\"", false, false},
    {"{" BASE ",\"signature\":\"c2ln\"}}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\"} x", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",}", false, false},
    {"{" BASE ",,\"signature\":\"c2ln\"}", false, false},
    {"{" BASE ",\"signature\" \"c2ln\"}", false, false},
    {"{" BASE ",\"signature\":\"c2ln}", false, false},
    {"[" GOOD "]", false, false},
    {"", false, false},
    {"\xef\xbb\xbf" GOOD, false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"algorithm\":\"RS256\"}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":{\"a\":1,\"a\":2}}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":[1,-0,0.5,-1.5e+10,2E-3,true,false,null,\"s\","
     "[],{},[[{}]]]}",
     true, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":01}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":1.}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":.5}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":-}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":1e}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":+1}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":tru}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":nulll}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":[1,]}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":123456789012345678}", true, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":99999999999999999999}", false, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":1234567890123456789}", false, true},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":1e99}", true, false},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":1e100}", false, true},
    {"{" BASE ",\"signature\":\"c2ln\",\"x\":1e999}", false, false},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		char *j = by_jansson(t, strlen(t)), *r = by_reader(t, strlen(t));
		if ((r != NULL) != cases[i].ok || (j != NULL) != (cases[i].ok || cases[i].stricter))
			fail_msg("case %zu (%s): reader %s, jansson %s", i, t,
			         r ? "accepts" : "refuses", j ? "accepts" : "refuses");
		if (r)
			assert_string_equal(r, j);
		free(j), free(r);
	}
}

/* The deepest and widest a token may be: 32 levels, 32 members; one more is refused. */
static void test_limits(void **state)
{
	(void)state;
	char t[2048];
	for (int depth = 32; depth <= 33; depth++) {
		int n = snprintf(t, sizeof(t), "{" BASE ",\"signature\":\"c2ln\",\"x\":");
		for (int i = 0; i < depth; i++)
			t[n++] = '[';
		for (int i = 0; i < depth; i++)
			t[n++] = ']';
		snprintf(t + n, sizeof(t) - (size_t)n, "}");
		char *r = by_reader(t, strlen(t)), *j = by_jansson(t, strlen(t));
		assert_true((r != NULL) == (depth == 32));
		assert_non_null(j);
		free(r), free(j);
	}
	for (int members = 32; members <= 33; members++) {
		int n = snprintf(t, sizeof(t), "{" BASE ",\"signature\":\"c2ln\"");
		for (int i = 4; i < members; i++)
			n += snprintf(t + n, sizeof(t) - (size_t)n, ",\"m%d\":%d", i, i);
		snprintf(t + n, sizeof(t) - (size_t)n, "}");
		char *r = by_reader(t, strlen(t)), *j = by_jansson(t, strlen(t));
		assert_true((r != NULL) == (members == 32));
		assert_non_null(j);
		free(r), free(j);
	}
}

static void test_mutations(void **state)
{
	(void)state;
	static const char seed[] =
	    "{\"format\": \"web-eid:1.0\", \"unverifiedCertificate\": \"MIIBszCCAVmgAwIBAgIU\\/ab+"
	    "=\", \"appVersion\": \"jpki \\u00e9 \xe3\x81\x82\", \"algorithm\": \"PS256\", "
	    "\"signature\": \"c2lnbmF0dXJl\", \"x\": [1, -2.5e3, true, null, {\"k\": \"v\"}]}";
	static const char alphabet[] = "{}[]\":,\\ u0123456789aeEfnlrst.-+/\xc3\xa9\xed\xf4\x01";
	char buf[sizeof(seed) + 8];
	unsigned agree = 0, accepted = 0;
	srand(11);
	for (int round = 0; round < 20000; round++) {
		size_t n = sizeof(seed) - 1;
		memcpy(buf, seed, n);
		for (int k = 0; k < 1 + rand() % 3; k++) {
			size_t at = (size_t)rand() % n;
			char c = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
			int op = rand() % 3;
			if (op == 0) {
				buf[at] = c;
			} else if (op == 1 && n + 1 < sizeof(buf)) {
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = c, n++;
			} else if (n > 1) {
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
			}
		}
		char *j = by_jansson(buf, n), *r = by_reader(buf, n);
		if (r && (!j || strcmp(r, j) != 0))
			fail_msg("the reader accepts what jansson refuses or reads otherwise: %.*s",
			         (int)n, buf);
		agree += (r == NULL) == (j == NULL);
		accepted += r != NULL;
		free(j), free(r);
	}
	/* the limits are out of these mutations' reach: both agree on every one */
	assert_int_equal(agree, 20000);
	assert_true(accepted > 100); /* and some are still tokens */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
