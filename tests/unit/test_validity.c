/*
 * test_validity.c: how long a certificate lives (src/lib/ca/validity.h),
 * rule C4 (5th birthday after the issue date, capped by the card), the caps
 * of docs/validity.md (auth certificate for signatures, residence
 * period), rule N1 (renewal inside 3 months: 6th birthday), and the two
 * open points decided in validity.h: a birthday ON the issue date is not
 * "after" it (発行の日後), and 29 February falls on 28 February in a common
 * year.  Every notAfter is 23:59:59 JST of its day (14:59:59Z).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ca/validity.h"

static int64_t instant(const char *s)
{
	int64_t t;
	struct jpki_err err;
	if (jpki_time_parse(s, &t, &err) != 0)
		fail_msg("bad instant in the table: %s", s);
	return t;
}

static struct jpki_date day(const char *s)
{
	struct jpki_date d;
	struct jpki_err err;
	if (jpki_date_parse(s, &d, &err) != 0)
		fail_msg("bad date in the table: %s", s);
	return d;
}

#define NOON_JST "T12:00:00+09:00"

struct vcase {
	const char *what;
	enum jpki_kind kind;
	const char *issue; /* instant */
	const char *birth; /* "2023-02-29" style; may be impossible on purpose */
	bool renewal;
	const char *card;      /* card expiry, NULL = none */
	const char *auth_end;  /* JST day the auth certificate ends, NULL = none */
	const char *residence; /* residence period end, NULL = none */
	const char *want;      /* JST day of notAfter, or NULL for an error */
	enum jpki_validity_cap cap;
	enum jpki_code code; /* expected error when want is NULL */
};

static const struct vcase cases[] = {
    /* rule C4: the 5th birthday strictly after the issue date */
    {"ordinary", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", false, NULL, NULL, NULL,
     "2029-03-10", JPKI_CAP_BIRTHDAY, 0},
    {"ordinary sign", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "1980-03-10", false, NULL, NULL, NULL,
     "2029-03-10", JPKI_CAP_BIRTHDAY, 0},
    {"birthday the day before", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-06-14", false, NULL,
     NULL, NULL, "2029-06-14", JPKI_CAP_BIRTHDAY, 0},
    /* 発行の日後: a birthday on the issue date does not count */
    {"birthday on the issue date", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-06-15", false, NULL,
     NULL, NULL, "2029-06-15", JPKI_CAP_BIRTHDAY, 0},
    {"birthday the day after", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-06-16", false, NULL,
     NULL, NULL, "2028-06-16", JPKI_CAP_BIRTHDAY, 0},
    /* the issue date is the JST day: 15:30Z on the 14th is already the 15th in Japan */
    {"issue day taken in JST", JPKI_KIND_AUTH, "2024-06-14T15:30:00Z", "1980-06-15", false, NULL,
     NULL, NULL, "2029-06-15", JPKI_CAP_BIRTHDAY, 0},
    {"14:59:59Z is still the 14th", JPKI_KIND_AUTH, "2024-06-14T14:59:59Z", "1980-06-15", false,
     NULL, NULL, NULL, "2028-06-15", JPKI_CAP_BIRTHDAY, 0},
    {"born on the issue date", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "2024-06-15", false, NULL,
     NULL, NULL, "2029-06-15", JPKI_CAP_BIRTHDAY, 0},
    /* 29 February: 28 February in a common year */
    {"29 Feb, 5th birthday in a common year", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1988-02-29",
     false, NULL, NULL, NULL, "2029-02-28", JPKI_CAP_BIRTHDAY, 0},
    {"29 Feb, 5th birthday in a leap year", JPKI_KIND_AUTH, "2023-06-15" NOON_JST, "1988-02-29",
     false, NULL, NULL, NULL, "2028-02-29", JPKI_CAP_BIRTHDAY, 0},
    {"29 Feb, issued on 28 Feb of a common year (its birthday)", JPKI_KIND_AUTH,
     "2023-02-28" NOON_JST, "1988-02-29", false, NULL, NULL, NULL, "2028-02-29", JPKI_CAP_BIRTHDAY,
     0},
    {"29 Feb, issued on 27 Feb of a common year", JPKI_KIND_AUTH, "2023-02-27" NOON_JST,
     "1988-02-29", false, NULL, NULL, NULL, "2027-02-28", JPKI_CAP_BIRTHDAY, 0},
    /* rule N1: renewal runs to the 6th birthday */
    {"renewal", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", true, NULL, NULL, NULL,
     "2030-03-10", JPKI_CAP_BIRTHDAY, 0},
    {"renewal, birthday on the issue date", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "1980-06-15",
     true, NULL, NULL, NULL, "2030-06-15", JPKI_CAP_BIRTHDAY, 0},
    /* rule C4: capped at the card's expiry */
    {"card expiry caps", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", false, "2027-01-31",
     NULL, NULL, "2027-01-31", JPKI_CAP_CARD, 0},
    {"card expiry later: no cap", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", false,
     "2034-01-31", NULL, NULL, "2029-03-10", JPKI_CAP_BIRTHDAY, 0},
    {"card expiring on the issue date still gives that day", JPKI_KIND_AUTH, "2024-06-15" NOON_JST,
     "1980-03-10", false, "2024-06-15", NULL, NULL, "2024-06-15", JPKI_CAP_CARD, 0},
    {"renewal still capped by the card", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "1980-03-10", true,
     "2029-12-31", NULL, NULL, "2029-12-31", JPKI_CAP_CARD, 0},
    /* the signature certificate ends no later than the auth certificate */
    {"sign capped by auth", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "1980-03-10", false, NULL,
     "2026-12-01", NULL, "2026-12-01", JPKI_CAP_AUTH, 0},
    {"auth not capped by auth", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", false, NULL,
     "2026-12-01", NULL, "2029-03-10", JPKI_CAP_BIRTHDAY, 0},
    /* foreign resident without permanent status */
    {"residence period caps", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", false, NULL,
     NULL, "2025-09-30", "2025-09-30", JPKI_CAP_RESIDENCE, 0},
    {"the earliest cap wins", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "1980-03-10", false,
     "2027-01-31", "2026-12-01", "2026-05-01", "2026-05-01", JPKI_CAP_RESIDENCE, 0},
    {"the earliest cap wins (auth)", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "1980-03-10", false,
     "2027-01-31", "2026-12-01", "2028-05-01", "2026-12-01", JPKI_CAP_AUTH, 0},
    /* a cap already in the past: nothing can be issued */
    {"card expired", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", false, "2024-06-14", NULL,
     NULL, NULL, 0, JPKI_E_NOT_ELIGIBLE},
    {"residence period over", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "1980-03-10", false, NULL,
     NULL, "2024-01-01", NULL, 0, JPKI_E_NOT_ELIGIBLE},
    {"auth certificate already expired", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "1980-03-10", false,
     NULL, "2024-06-14", NULL, NULL, 0, JPKI_E_NOT_ELIGIBLE},
    /* a birth date after the issue date */
    {"born the day after", JPKI_KIND_AUTH, "2024-06-15" NOON_JST, "2024-06-16", false, NULL, NULL,
     NULL, NULL, 0, JPKI_E_BAD_DATE},
    {"born years later", JPKI_KIND_SIGN, "2024-06-15" NOON_JST, "2030-01-01", false, NULL, NULL,
     NULL, NULL, 0, JPKI_E_BAD_DATE},
};

static struct jpki_date raw_date(const char *s)
{
	/* accepts impossible days on purpose (the function must refuse them) */
	struct jpki_date d = {0, 0, 0};
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		fail_msg("bad raw date %s", s);
	d.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	d.m = (s[5] - '0') * 10 + (s[6] - '0');
	d.d = (s[8] - '0') * 10 + (s[9] - '0');
	return d;
}

static void test_validity_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		struct jpki_validity_req req = {
		    .kind = c->kind,
		    .now = instant(c->issue),
		    .birth = raw_date(c->birth),
		    .renewal = c->renewal,
		};
		if (c->card) {
			req.has_card_expiry = true;
			req.card_expiry = day(c->card);
		}
		if (c->auth_end) {
			req.has_auth_cap = true;
			req.auth_not_after = jpki_jst_end_of_day(day(c->auth_end));
		}
		if (c->residence) {
			req.has_residence_end = true;
			req.residence_end = day(c->residence);
		}
		int64_t na = -7;
		enum jpki_validity_cap cap = (enum jpki_validity_cap)99;
		struct jpki_err err;
		jpki_err_clear(&err);
		int rc = jpki_validity_compute(&req, &na, &cap, &err);
		if (c->want) {
			if (rc != 0)
				fail_msg("%s: refused: %s", c->what, err.msg);
			int64_t want = jpki_jst_end_of_day(day(c->want));
			if (na != want) {
				struct jpki_date got = jpki_jst_date(na);
				fail_msg("%s: notAfter %04d-%02d-%02d (%lld), want %s", c->what,
				         got.y, got.m, got.d, (long long)na, c->want);
			}
			/* 23:59:59 JST is 14:59:59Z: seconds of the UTC day = 53999 */
			assert_int_equal(((na % 86400) + 86400) % 86400, 53999);
			if (cap != c->cap)
				fail_msg("%s: cap %d, want %d", c->what, cap, c->cap);
			assert_true(na > req.now);
		} else {
			if (rc != -(int)c->code)
				fail_msg("%s: rc %d, want -%d", c->what, rc, c->code);
			assert_int_equal(err.code, c->code);
			assert_int_equal(na, -7); /* output untouched */
		}
	}
}

static void test_validity_null_cap_and_bad_birth(void **state)
{
	(void)state;
	struct jpki_validity_req req = {
	    .kind = JPKI_KIND_AUTH, .now = instant("2024-06-15" NOON_JST), .birth = {1980, 3, 10}};
	int64_t na;
	assert_int_equal(jpki_validity_compute(&req, &na, NULL, NULL), 0); /* cap may be NULL */
	assert_int_equal(na, jpki_jst_end_of_day((struct jpki_date){2029, 3, 10}));
	/* an impossible birth date is refused, not rounded */
	req.birth = (struct jpki_date){1981, 2, 29};
	struct jpki_err err;
	assert_int_equal(jpki_validity_compute(&req, &na, NULL, &err), -JPKI_E_BAD_DATE);
	req.birth = (struct jpki_date){1980, 13, 1};
	assert_int_equal(jpki_validity_compute(&req, &na, NULL, &err), -JPKI_E_BAD_DATE);
}

static void test_birthday_helpers(void **state)
{
	(void)state;
	struct jpki_date feb29 = {2000, 2, 29};
	struct jpki_date b = jpki_birthday_in_year(feb29, 2023);
	assert_int_equal(jpki_date_cmp(b, (struct jpki_date){2023, 2, 28}), 0);
	b = jpki_birthday_in_year(feb29, 2024);
	assert_int_equal(jpki_date_cmp(b, (struct jpki_date){2024, 2, 29}), 0);
	/* n-th birthday strictly after a day */
	b = jpki_nth_birthday_after((struct jpki_date){1990, 7, 1}, (struct jpki_date){2024, 7, 1},
	                            1);
	assert_int_equal(jpki_date_cmp(b, (struct jpki_date){2025, 7, 1}), 0);
	b = jpki_nth_birthday_after((struct jpki_date){1990, 7, 2}, (struct jpki_date){2024, 7, 1},
	                            1);
	assert_int_equal(jpki_date_cmp(b, (struct jpki_date){2024, 7, 2}), 0);
}

/* rule E2 turns on the 15th birthday: age on the eve and on the day */
static const struct {
	const char *birth, *on;
	int age;
} age_cases[] = {
    {"2009-06-15", "2024-06-14", 14}, /* the eve of the 15th birthday */
    {"2009-06-15", "2024-06-15", 15}, /* the 15th birthday */
    {"2009-06-15", "2024-06-16", 15}, {"2009-06-15", "2009-06-15", 0},
    {"2009-06-15", "2025-01-01", 15}, {"2008-02-29", "2023-02-27", 14},
    {"2008-02-29", "2023-02-28", 15}, /* 29 Feb falls on 28 Feb in a common year */
    {"2008-02-29", "2024-02-28", 15}, /* in a leap year it is the 29th */
    {"2008-02-29", "2024-02-29", 16}, {"2008-02-29", "2024-03-01", 16},
    {"1950-12-31", "2024-12-30", 73}, {"1950-12-31", "2024-12-31", 74},
};

static void test_age_on(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(age_cases) / sizeof(age_cases[0]); i++) {
		int a = jpki_age_on(day(age_cases[i].birth), day(age_cases[i].on));
		if (a != age_cases[i].age)
			fail_msg("born %s, on %s: age %d, want %d", age_cases[i].birth,
			         age_cases[i].on, a, age_cases[i].age);
	}
}

/* rule N1: renewal from 3 months before the expiry day (00:00 JST) until expiry */
static void test_renewal_window(void **state)
{
	(void)state;
	int64_t na = jpki_jst_end_of_day((struct jpki_date){2029, 3, 10});
	int64_t start = instant("2028-12-10T00:00:00+09:00");
	assert_false(jpki_in_renewal_window(start - 1, na));
	assert_false(jpki_in_renewal_window(instant("2028-06-01T00:00:00+09:00"), na));
	assert_true(jpki_in_renewal_window(start, na));
	assert_true(jpki_in_renewal_window(start + 1, na));
	assert_true(jpki_in_renewal_window(instant("2029-01-15T10:00:00+09:00"), na));
	assert_true(jpki_in_renewal_window(na, na));      /* the last second */
	assert_false(jpki_in_renewal_window(na + 1, na)); /* after expiry */
	assert_false(jpki_in_renewal_window(na + 86400 * 30, na));

	/* 3 months before 31 May is 28 February (clamped) */
	na = jpki_jst_end_of_day((struct jpki_date){2029, 5, 31});
	start = instant("2029-02-28T00:00:00+09:00");
	assert_false(jpki_in_renewal_window(start - 1, na));
	assert_true(jpki_in_renewal_window(start, na));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_validity_table),
	    cmocka_unit_test(test_validity_null_cap_and_bad_birth),
	    cmocka_unit_test(test_birthday_helpers),
	    cmocka_unit_test(test_age_on),
	    cmocka_unit_test(test_renewal_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
