/*
 * test_date.c: calendar dates, instants in JST and the settable clock
 * (include/jpki/date.h).  Every validity rule (rule C4, N1) is stated in
 * JST calendar days, so these are the foundations the other tests stand on.
 *
 * Reference instants are written as literal epoch seconds computed outside
 * jpki (e.g. `date -u -d 2024-01-01 +%s` = 1704067200), never with the
 * functions under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jpki/ctx.h"
#include "jpki/date.h"

#define T_2024_01_01 INT64_C(1704067200) /* 2024-01-01T00:00:00Z */
#define T_2000_01_01 INT64_C(946684800)  /* 2000-01-01T00:00:00Z */

static void assert_date(struct jpki_date got, int y, int m, int d)
{
	assert_int_equal(got.y, y);
	assert_int_equal(got.m, m);
	assert_int_equal(got.d, d);
}

/* ---- jpki_date_parse ---- */

static const struct {
	const char *in;
	int y, m, d; /* y == 0: must be refused */
} date_cases[] = {
    {"2024-02-29", 2024, 2, 29}, /* leap day of a leap year */
    {"2000-02-29", 2000, 2, 29}, /* divisible by 400: leap */
    {"1800-01-01", 1800, 1, 1},  /* first day accepted */
    {"9999-12-31", 9999, 12, 31}, {"1990-04-01", 1990, 4, 1},
    {"2023-02-29", 0, 0, 0},  /* impossible: 2023 is a common year */
    {"1900-02-29", 0, 0, 0},  /* divisible by 100, not 400: common */
    {"2024-13-01", 0, 0, 0},  /* month 13 */
    {"2024-00-10", 0, 0, 0},  /* month 0 */
    {"2024-04-31", 0, 0, 0},  /* April has 30 days */
    {"2024-01-00", 0, 0, 0},  /* day 0 */
    {"1799-12-31", 0, 0, 0},  /* before the supported range */
    {"2024-1-01", 0, 0, 0},   /* month must have two digits */
    {"2024-01-1", 0, 0, 0},   /* day must have two digits */
    {"24-01-01", 0, 0, 0},    /* year must have four digits */
    {"2024-01-01x", 0, 0, 0}, /* trailing garbage */
    {"2024-01-01 ", 0, 0, 0}, /* trailing space */
    {" 2024-01-01", 0, 0, 0}, /* leading space */
    {"2024/01/01", 0, 0, 0},      {"2024-01-01T00:00:00Z", 0, 0, 0}, /* an instant is not a date */
    {"+024-01-01", 0, 0, 0},      {"", 0, 0, 0},
};

static void test_date_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
		struct jpki_date out = {1, 2, 3};
		struct jpki_err err;
		jpki_err_clear(&err);
		int rc = jpki_date_parse(date_cases[i].in, &out, &err);
		if (date_cases[i].y) {
			if (rc != 0)
				fail_msg("'%s' refused: %s", date_cases[i].in, err.msg);
			assert_date(out, date_cases[i].y, date_cases[i].m, date_cases[i].d);
		} else {
			if (rc != -JPKI_E_BAD_DATE)
				fail_msg("'%s' gave %d, expected BAD_DATE", date_cases[i].in, rc);
			assert_int_equal(err.code, JPKI_E_BAD_DATE);
			assert_true(err.msg[0] != '\0');
			assert_date(out, 1, 2, 3); /* output untouched on failure */
		}
	}
}

static void test_date_parse_null(void **state)
{
	(void)state;
	struct jpki_date out = {1, 2, 3};
	struct jpki_err err;
	assert_int_equal(jpki_date_parse(NULL, &out, &err), -JPKI_E_BAD_DATE);
	assert_int_equal(err.code, JPKI_E_BAD_DATE);
	assert_date(out, 1, 2, 3);
	/* a NULL error context is allowed */
	assert_int_equal(jpki_date_parse("2023-02-29", &out, NULL), -JPKI_E_BAD_DATE);
}

static void test_date_format(void **state)
{
	(void)state;
	char buf[11];
	jpki_date_format((struct jpki_date){2024, 2, 9}, buf);
	assert_string_equal(buf, "2024-02-09");
	jpki_date_format((struct jpki_date){1800, 12, 31}, buf);
	assert_string_equal(buf, "1800-12-31");
}

/* ---- jpki_time_parse ---- */

static const struct {
	const char *in;
	int ok;
	int64_t want;
} time_cases[] = {
    {"2024-01-01T00:00:00Z", 1, T_2024_01_01},
    {"2024-01-01T09:00:00+09:00", 1, T_2024_01_01}, /* JST */
    {"2023-12-31T18:30:00-05:30", 1, T_2024_01_01}, /* behind UTC */
    {"2024-01-01T00:00:00-05:30", 1, T_2024_01_01 + 5 * 3600 + 1800},
    {"2024-01-01T00:00:00+00:00", 1, T_2024_01_01},
    {"2000-01-01T00:00:00Z", 1, T_2000_01_01},
    {"2024-01-01T23:59:59Z", 1, T_2024_01_01 + 86399},
    {"1969-12-31T23:59:59Z", 1, -1},     /* before the epoch */
    {"2024-01-01T00:00:00", 0, 0},       /* no offset */
    {"2024-01-01T00:00:00z", 0, 0},      /* lower-case z */
    {"2024-01-01 00:00:00Z", 0, 0},      /* space instead of T */
    {"2024-01-01T00:00Z", 0, 0},         /* no seconds */
    {"2024-01-01T24:00:00Z", 0, 0},      /* hour 24 */
    {"2024-01-01T00:60:00Z", 0, 0},      /* minute 60 */
    {"2024-01-01T00:00:60Z", 0, 0},      /* no leap seconds */
    {"2024-01-01T00:00:00+0900", 0, 0},  /* offset without colon */
    {"2024-01-01T00:00:00+9:00", 0, 0},  /* one-digit hour */
    {"2024-01-01T00:00:00+15:00", 0, 0}, /* offset out of range */
    {"2024-01-01T00:00:00+09:60", 0, 0},
    {"2024-01-01T00:00:00*09:00", 0, 0}, /* not a sign */
    {"2024-01-01T00:00:00Zjunk", 0, 0},  /* trailing garbage */
    {"2024-01-01T00:00:00+09:00 ", 0, 0},
    {"2023-02-29T00:00:00Z", 0, 0}, /* impossible day */
    {"2024-01-01", 0, 0},           /* a date is not an instant */
    {"", 0, 0},
};

static void test_time_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		int64_t out = 12345;
		struct jpki_err err;
		jpki_err_clear(&err);
		int rc = jpki_time_parse(time_cases[i].in, &out, &err);
		if (time_cases[i].ok) {
			if (rc != 0)
				fail_msg("'%s' refused: %s", time_cases[i].in, err.msg);
			assert_int_equal(out, time_cases[i].want);
		} else {
			if (rc != -JPKI_E_BAD_DATE)
				fail_msg("'%s' gave %d, expected BAD_DATE", time_cases[i].in, rc);
			assert_int_equal(err.code, JPKI_E_BAD_DATE);
			assert_int_equal(out, 12345);
		}
	}
	int64_t out;
	assert_int_equal(jpki_time_parse(NULL, &out, NULL), -JPKI_E_BAD_DATE);
}

static void test_time_format_jst(void **state)
{
	(void)state;
	char buf[26];
	jpki_time_format_jst(T_2024_01_01, buf);
	assert_string_equal(buf, "2024-01-01T09:00:00+09:00");
	jpki_time_format_jst(T_2024_01_01 - 1, buf);
	assert_string_equal(buf, "2024-01-01T08:59:59+09:00");
	jpki_time_format_jst(T_2024_01_01 + 15 * 3600, buf); /* 15:00Z is the next JST day */
	assert_string_equal(buf, "2024-01-02T00:00:00+09:00");
}

/* ---- day numbers ---- */

static void test_days_anchors(void **state)
{
	(void)state;
	assert_int_equal(jpki_date_to_days((struct jpki_date){1970, 1, 1}), 0);
	assert_int_equal(jpki_date_to_days((struct jpki_date){2000, 1, 1}), 10957);
	assert_int_equal(jpki_date_to_days((struct jpki_date){2024, 1, 1}), 19723);
	assert_int_equal(jpki_date_to_days((struct jpki_date){1969, 12, 31}), -1);
	assert_int_equal(jpki_date_to_days((struct jpki_date){1800, 1, 1}), -62091);
	assert_date(jpki_date_from_days(0), 1970, 1, 1);
	assert_date(jpki_date_from_days(-1), 1969, 12, 31);
	assert_date(jpki_date_from_days(11016), 2000, 2, 29);
}

/* Every day from 1800-01-01 to 9999-12-31: valid, consecutive, and round trips. */
static void test_days_round_trip(void **state)
{
	(void)state;
	int64_t first = jpki_date_to_days((struct jpki_date){1800, 1, 1});
	int64_t last = jpki_date_to_days((struct jpki_date){9999, 12, 31});
	struct jpki_date prev = jpki_date_from_days(first - 1);
	assert_date(prev, 1799, 12, 31);
	for (int64_t z = first; z <= last; z++) {
		struct jpki_date d = jpki_date_from_days(z);
		if (!jpki_date_valid(d) || jpki_date_to_days(d) != z || jpki_date_cmp(prev, d) >= 0)
			fail_msg("day %lld -> %04d-%02d-%02d does not round trip", (long long)z,
			         d.y, d.m, d.d);
		/* consecutive: either the next day of the month or the 1st of the next */
		if (!(d.d == prev.d + 1 && d.m == prev.m && d.y == prev.y) && d.d != 1)
			fail_msg("day %lld skips after %04d-%02d-%02d", (long long)z, prev.y,
			         prev.m, prev.d);
		prev = d;
	}
	/* 8200 years of 365.2425 days */
	assert_int_equal(last - first + 1, 2994988);
}

static void test_date_cmp_and_leap(void **state)
{
	(void)state;
	struct jpki_date a = {2024, 2, 28}, b = {2024, 2, 29}, c = {2023, 12, 31};
	assert_true(jpki_date_cmp(a, b) < 0);
	assert_true(jpki_date_cmp(b, a) > 0);
	assert_true(jpki_date_cmp(c, a) < 0);
	assert_int_equal(jpki_date_cmp(a, a), 0);
	assert_true(jpki_is_leap(2024));
	assert_true(jpki_is_leap(2000));
	assert_false(jpki_is_leap(1900));
	assert_false(jpki_is_leap(2023));
	assert_int_equal(jpki_days_in_month(2024, 2), 29);
	assert_int_equal(jpki_days_in_month(2023, 2), 28);
	assert_int_equal(jpki_days_in_month(2023, 4), 30);
	assert_int_equal(jpki_days_in_month(2023, 0), 0);
	assert_int_equal(jpki_days_in_month(2023, 13), 0);
}

/* ---- JST days ---- */

static void test_jst_date_boundary(void **state)
{
	(void)state;
	/* 14:59:59Z is still 23:59:59 JST of the same day; 15:00:00Z is the next day */
	assert_date(jpki_jst_date(T_2024_01_01 + 14 * 3600 + 59 * 60 + 59), 2024, 1, 1);
	assert_date(jpki_jst_date(T_2024_01_01 + 15 * 3600), 2024, 1, 2);
	/* 00:00Z is already 09:00 JST; 15:00Z of the day before is 00:00 JST */
	assert_date(jpki_jst_date(T_2024_01_01), 2024, 1, 1);
	assert_date(jpki_jst_date(T_2024_01_01 - 9 * 3600), 2024, 1, 1);
	assert_date(jpki_jst_date(T_2024_01_01 - 9 * 3600 - 1), 2023, 12, 31);
	/* before the epoch */
	assert_date(jpki_jst_date(-9 * 3600 - 1), 1969, 12, 31);
	assert_date(jpki_jst_date(-9 * 3600), 1970, 1, 1);
}

static void test_jst_end_of_day(void **state)
{
	(void)state;
	/* 23:59:59 JST = 14:59:59Z */
	assert_int_equal(jpki_jst_end_of_day((struct jpki_date){2024, 1, 1}),
	                 T_2024_01_01 + 14 * 3600 + 59 * 60 + 59);
	assert_int_equal(jpki_jst_end_of_day((struct jpki_date){2000, 1, 1}), T_2000_01_01 + 53999);
	/* it is the last second of that JST day */
	struct jpki_date d = {2029, 2, 28};
	int64_t e = jpki_jst_end_of_day(d);
	assert_int_equal(jpki_date_cmp(jpki_jst_date(e), d), 0);
	assert_int_equal(jpki_date_cmp(jpki_jst_date(e + 1), (struct jpki_date){2029, 3, 1}), 0);
}

/* ---- months ---- */

static const struct {
	struct jpki_date from;
	int n;
	struct jpki_date want;
} month_cases[] = {
    {{2027, 5, 31}, -3, {2027, 2, 28}}, /* clamped to the end of a common February */
    {{2028, 5, 31}, -3, {2028, 2, 29}}, /* leap February */
    {{2024, 1, 31}, 1, {2024, 2, 29}},   {{2024, 3, 31}, 1, {2024, 4, 30}},
    {{2024, 2, 29}, 12, {2025, 2, 28}},  {{2024, 2, 29}, 48, {2028, 2, 29}},
    {{2023, 12, 15}, 1, {2024, 1, 15}}, /* across a year end */
    {{2024, 1, 15}, -1, {2023, 12, 15}}, {{2024, 3, 10}, -15, {2022, 12, 10}},
    {{2024, 3, 10}, 0, {2024, 3, 10}},
};

static void test_add_months(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(month_cases) / sizeof(month_cases[0]); i++) {
		struct jpki_date got = jpki_date_add_months(month_cases[i].from, month_cases[i].n);
		if (jpki_date_cmp(got, month_cases[i].want) != 0)
			fail_msg("case %zu: got %04d-%02d-%02d", i, got.y, got.m, got.d);
	}
}

/* ---- the context's clock (jpki/ctx.h); JPKI_NOW is the program's, t_init tests it ---- */

static void test_clock_fixed(void **state)
{
	(void)state;
	int64_t now = 0, t = 0;
	struct jpki_err err;
	struct jpki_ctx *ctx = NULL;
	assert_int_equal(jpki_ctx_new(&ctx, &err), 0);
	assert_int_equal(jpki_time_parse("2023-12-31T18:30:00-05:30", &t, &err), 0);
	jpki_ctx_set_now(ctx, t);
	assert_int_equal(jpki_ctx_now(ctx, &now, &err), 0);
	assert_int_equal(now, T_2024_01_01);
	jpki_ctx_free(ctx);
}

static void test_clock_bad(void **state)
{
	(void)state;
	/* what JPKI_NOW may not be: the parser refuses it, so the program refuses it */
	static const char *const bad[] = {"tomorrow", "2024-01-01", "2023-02-29T00:00:00Z",
	                                  "2024-01-01T00:00:00"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t now = 777;
		struct jpki_err err;
		assert_int_equal(jpki_time_parse(bad[i], &now, &err), -JPKI_E_BAD_DATE);
		assert_int_equal(now, 777);
	}
}

static void test_clock_system(void **state)
{
	(void)state;
	int64_t now = 0;
	struct jpki_err err;
	struct jpki_ctx *ctx = NULL;
	assert_int_equal(jpki_ctx_new(&ctx, &err), 0);
	/* the default and after use_system_clock: certainly after this test was written */
	assert_int_equal(jpki_ctx_now(ctx, &now, NULL), 0);
	assert_true(now > T_2024_01_01);
	jpki_ctx_set_now(ctx, 5);
	jpki_ctx_use_system_clock(ctx);
	assert_int_equal(jpki_ctx_now(ctx, &now, NULL), 0);
	assert_true(now > T_2024_01_01);
	assert_int_equal(jpki_ctx_now(NULL, &now, NULL), 0); /* no context: the system clock */
	assert_true(now > T_2024_01_01);
	/* settings are checked */
	assert_int_equal(jpki_ctx_set_data_dir(ctx, "", &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_ctx_set_base_url(ctx, "ftp://x", &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_ctx_set_base_url(ctx, "http://a b", &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_ctx_set_base_url(ctx, "https://pki.example.jp", &err), 0);
	assert_string_equal(jpki_ctx_base_url(ctx), "https://pki.example.jp");
	assert_string_equal(jpki_ctx_data_dir(ctx), "./var");
	jpki_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_parse_table),  cmocka_unit_test(test_date_parse_null),
	    cmocka_unit_test(test_date_format),       cmocka_unit_test(test_time_parse_table),
	    cmocka_unit_test(test_time_format_jst),   cmocka_unit_test(test_days_anchors),
	    cmocka_unit_test(test_days_round_trip),   cmocka_unit_test(test_date_cmp_and_leap),
	    cmocka_unit_test(test_jst_date_boundary), cmocka_unit_test(test_jst_end_of_day),
	    cmocka_unit_test(test_add_months),        cmocka_unit_test(test_clock_fixed),
	    cmocka_unit_test(test_clock_bad),         cmocka_unit_test(test_clock_system),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
