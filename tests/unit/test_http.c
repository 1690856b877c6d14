/*
 * test_http.c: the HTTP pieces every route shares (src/lib/http/common.h):
 * entity-tag lists of If-None-Match and IMF-fixdates.  The CRL and OCSP
 * routes once matched tags two different ways (one by substring, so
 * "\"abcd\"" matched the tag "\"abc\""); now both ask this one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/common.h"

static void test_etag_lists(void **state)
{
	(void)state;
	static const struct {
		const char *inm;
		bool want;
	} cases[] = {
	    {"\"abc\"", true},
	    {"W/\"abc\"", true},
	    {"*", true},
	    {"\"x\", \"abc\"", true},
	    {"\"x\",W/\"abc\" ,\"y\"", true},
	    {"\t\"abc\"\t", true},
	    {"\"abcd\"", false}, /* a longer tag is another tag */
	    {"\"ab\"", false},
	    {"abc", false}, /* unquoted: not the tag */
	    {"\"x\", \"y\"", false},
	    {"", false},
	    {",,,", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (jpki_http_etag_listed(cases[i].inm, "\"abc\"") != cases[i].want)
			fail_msg("If-None-Match %s: want %d", cases[i].inm, cases[i].want);
	assert_false(jpki_http_etag_listed(NULL, "\"abc\""));
	assert_false(jpki_http_etag_listed("*", "")); /* no tag of our own: never "not modified" */
}

static void test_dates(void **state)
{
	(void)state;
	char buf[64];
	jpki_http_date(784111777, buf);
	assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_int_equal(jpki_http_parse_date(buf), 784111777);
	assert_int_equal(jpki_http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT junk"), -1);
	assert_int_equal(jpki_http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT"), -1);
	assert_int_equal(jpki_http_parse_date(""), -1);
	assert_int_equal(jpki_http_parse_date(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_etag_lists),
	    cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
