/*
 * test_counter.c: the counter's pure parts as tables: the calendar (national
 * holidays, rule W1), the configuration (counter.json, every bad value
 * refused), the rules (E2 on every birthday edge, E3, C6, I1, L1, D2, P1,
 * P2), documents and the case state machine's whitelist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "counter/calendar.h"
#include "counter/config.h"
#include "counter/rules.h"

static struct jpki_date D(int y, int m, int d) {
	return (struct jpki_date){y, m, d};
}

static int64_t
jst(int y, int m, int d, int hh, int mm)
{
	return jpki_date_to_days(D(y, m, d)) * 86400 + hh * 3600 + mm * 60 - JPKI_JST_OFFSET;
}

static void test_holidays(void **state)
{
	/* 2026 and 2027 as the Cabinet Office lists them */
	static const struct jpki_date h[] = {
	    {2026, 1, 1},   {2026, 1, 12}, {2026, 2, 11},  {2026, 2, 23}, {2026, 3, 20},
	    {2026, 4, 29},  {2026, 5, 3},  {2026, 5, 4},   {2026, 5, 5},  {2026, 5, 6},
	    {2026, 7, 20},  {2026, 8, 11}, {2026, 9, 21},  {2026, 9, 22}, {2026, 9, 23},
	    {2026, 10, 12}, {2026, 11, 3}, {2026, 11, 23}, {2027, 1, 1},  {2027, 1, 11},
	    {2027, 2, 11},  {2027, 2, 23}, {2027, 3, 21},  {2027, 3, 22}, {2027, 4, 29},
	    {2027, 5, 3},   {2027, 5, 4},  {2027, 5, 5},   {2027, 7, 19}, {2027, 8, 11},
	    {2027, 9, 20},  {2027, 9, 23}, {2027, 10, 11}, {2027, 11, 3}, {2027, 11, 23},
	};
	int n = 0;
	for (int y = 2026; y <= 2027; y++)
		for (int64_t d = jpki_date_to_days(D(y, 1, 1));
		     d <= jpki_date_to_days(D(y, 12, 31)); d++)
			n += jpki_national_holiday(jpki_date_from_days(d));
	assert_int_equal(n, (int)(sizeof(h) / sizeof(h[0])));
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		if (!jpki_national_holiday(h[i]))
			fail_msg("%04d-%02d-%02d is a holiday", h[i].y, h[i].m, h[i].d);
	}
	assert_int_equal(jpki_weekday(D(2026, 12, 2)), 3); /* a Wednesday */
	assert_int_equal(jpki_weekday(D(1970, 1, 1)), 4);
	assert_int_equal(jpki_weekday(D(1969, 12, 31)), 3);
}

static void test_open_hours(void **state)
{
	struct jpki_counter_config c;
	char why[160];
	jpki_counter_config_defaults(&c);
	const struct jpki_counter_site *hall = jpki_counter_site_find(&c, "city-hall");
	const struct jpki_counter_site *temp = jpki_counter_site_find(&c, "temporary");
	assert_non_null(hall);
	assert_non_null(temp);
	assert_true(jpki_counter_open_at(&c, hall, jst(2026, 12, 2, 8, 30), why, sizeof(why)));
	assert_true(jpki_counter_open_at(&c, hall, jst(2026, 12, 2, 16, 29), why, sizeof(why)));
	assert_false(jpki_counter_open_at(&c, hall, jst(2026, 12, 2, 16, 30), why, sizeof(why)));
	assert_false(jpki_counter_open_at(&c, hall, jst(2026, 12, 2, 8, 29), why, sizeof(why)));
	assert_false(jpki_counter_open_at(&c, hall, jst(2026, 12, 6, 10, 0), why, sizeof(why)));
	assert_non_null(strstr(why, "Sunday"));
	assert_true(jpki_counter_open_at(&c, hall, jst(2027, 1, 4, 10, 0), why, sizeof(why)));
	assert_false(jpki_counter_open_at(&c, hall, jst(2027, 1, 3, 10, 0), why, sizeof(why)));
	assert_false(jpki_counter_open_at(&c, temp, jst(2026, 12, 2, 10, 0), why, sizeof(why)));
	static const char cfg[] = "{\"counters\": [{\"id\": \"pop-up\", \"kind\": \"temporary\","
	                          " \"days\": [\"2026-12-05\"]}], \"closures\": [\"2026-12-02\"]}";
	struct jpki_err err;
	assert_int_equal(jpki_counter_config_parse(cfg, strlen(cfg), &c, &err), 0);
	const struct jpki_counter_site *pop = jpki_counter_site_find(&c, "pop-up");
	assert_non_null(pop);
	assert_null(jpki_counter_site_find(&c, "city-hall"));
	/* a temporary window: its listed Saturday, 9:00-16:00 */
	assert_true(jpki_counter_open_at(&c, pop, jst(2026, 12, 5, 9, 0), why, sizeof(why)));
	assert_false(jpki_counter_open_at(&c, pop, jst(2026, 12, 5, 16, 0), why, sizeof(why)));
	assert_false(jpki_counter_open_at(&c, pop, jst(2026, 12, 5, 8, 59), why, sizeof(why)));
	/* 2026-12-05T00:00Z is 9:00 in Japan: the day is Japan's */
	assert_true(jpki_counter_open_at(&c, pop, jpki_date_to_days(D(2026, 12, 5)) * 86400, why,
	                                 sizeof(why)));
}

static void test_config_refused(void **state)
{
	static const char *const bad[] = {
	    "[]",
	    "{\"counter\": []}",
	    "{\"counters\": []}",
	    "{\"counters\": [{\"id\": \"a b\", \"kind\": \"city-hall\"}]}",
	    "{\"counters\": [{\"id\": \"a\", \"kind\": \"castle\"}]}",
	    "{\"counters\": [{\"id\": \"a\", \"kind\": \"city-hall\", \"hours\": "
	    "\"17:00-08:00\"}]}",
	    "{\"counters\": [{\"id\": \"a\", \"kind\": \"city-hall\", \"hours\": \"8:30\"}]}",
	    "{\"counters\": [{\"id\": \"a\", \"kind\": \"city-hall\", \"days\": "
	    "[\"2026-12-05\"]}]}",
	    "{\"counters\": [{\"id\": \"a\", \"kind\": \"city-hall\"}, {\"id\": \"a\", \"kind\": "
	    "\"city-hall\"}]}",
	    "{\"counters\": [{\"id\": \"a\", \"kind\": \"city-hall\", \"colour\": \"red\"}]}",
	    "{\"closures\": [\"2026-02-30\"]}",
	    "{\"closures\": \"2026-12-01\"}",
	    "{\"fees\": {\"first\": -1}}",
	    "{\"fees\": {\"gift\": 0}}",
	    "{\"fees\": {\"lost\": \"200\"}}",
	    "{\"proxy_form_days\": 0}",
	    "{\"kiosk_open\": \"23:00-06:30\"}",
	    "{\"year_end_closure\": 1}",
	    "{\"closures\": [], \"closures\": []}",
	    "{",
	};
	struct jpki_counter_config c;
	struct jpki_err err;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (jpki_counter_config_parse(bad[i], strlen(bad[i]), &c, &err) != -JPKI_E_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err.msg, "counter.json"));
	}
	static const char ok[] = "{\"fees\": {\"lost\": 300, \"damaged-not-own\": 0},"
	                         " \"proxy_form_days\": 45, \"year_end_closure\": false}";
	assert_int_equal(jpki_counter_config_parse(ok, strlen(ok), &c, &err), 0);
	assert_int_equal(c.fee[JPKI_FEE_LOST], 300);
	assert_int_equal(c.fee[JPKI_FEE_OTHER], 200);
	assert_int_equal(c.proxy_form_days, 45);
	assert_false(c.year_end_closure);
}

static struct jpki_resident born(struct jpki_date b, bool ward)
{
	struct jpki_resident r;
	memset(&r, 0, sizeof(r));
	r.id = 1;
	r.birth = b;
	r.adult_ward = ward;
	return r;
}

/* rule E2 on the birthday edges: the day before the 15th birthday and the day of it */
static void test_rule_e2_edges(void **state)
{
	static const struct {
		struct jpki_date birth, today;
		bool sign, ok;
	} rows[] = {
	    {{2011, 12, 2}, {2026, 12, 1}, true, false}, /* 14 */
	    {{2011, 12, 2}, {2026, 12, 2}, true, true},  /* 15 today */
	    {{2011, 12, 2}, {2026, 12, 1}, false, false},
	    {{2012, 2, 29}, {2027, 2, 27}, true, false}, /* 29 Feb: the birthday is 28 Feb */
	    {{2012, 2, 29}, {2027, 2, 28}, true, true},
	    {{2012, 2, 29}, {2028, 2, 28}, true, true},
	    {{1990, 1, 1}, {2026, 12, 1}, true, true},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct jpki_application a = {.want_sign = rows[i].sign, .want_auth = true};
		struct jpki_resident r = born(rows[i].birth, false);
		struct jpki_refusal ref = {0};
		bool ok = jpki_rule_minor_or_ward(&a, &r, rows[i].today, &ref);
		if (ok != rows[i].ok)
			fail_msg("row %zu: %s (%s)", i, ok ? "allowed" : "refused", ref.why);
		if (!ok)
			assert_string_equal(ref.rule, "E2");
	}
	/* the legal representative: proof within 3 months to the day */
	struct jpki_resident kid = born(D(2015, 6, 1), false), ward = born(D(1950, 1, 1), true);
	struct jpki_application a = {.want_auth = true, .applicant = JPKI_APPLICANT_LEGAL_REP};
	struct jpki_refusal ref;
	assert_false(jpki_rule_minor_or_ward(&a, &kid, D(2026, 12, 2), &ref));
	assert_string_equal(ref.rule, "L1");
	snprintf(a.authority, sizeof(a.authority), "family-register");
	a.has_authority_date = true;
	a.authority_issued = D(2026, 9, 2);
	assert_true(jpki_rule_minor_or_ward(&a, &kid, D(2026, 12, 2), &ref));
	a.authority_issued = D(2026, 9, 1);
	assert_false(jpki_rule_minor_or_ward(&a, &kid, D(2026, 12, 2), &ref));
	a.authority_issued = D(2026, 12, 3); /* issued tomorrow: not a real document */
	assert_false(jpki_rule_minor_or_ward(&a, &kid, D(2026, 12, 2), &ref));
	snprintf(a.authority, sizeof(a.authority), "letter");
	a.authority_issued = D(2026, 12, 1);
	assert_false(jpki_rule_minor_or_ward(&a, &ward, D(2026, 12, 2), &ref));
	a.same_household = true;
	assert_true(jpki_rule_minor_or_ward(&a, &ward, D(2026, 12, 2), &ref));
	a.applicant = JPKI_APPLICANT_PROXY;
	assert_false(jpki_rule_minor_or_ward(&a, &ward, D(2026, 12, 2), &ref));
	assert_string_equal(ref.rule, "E2");
}

static void test_rule_card(void **state)
{
	struct jpki_card_info info = {
	    .kind = JPKI_CARD_KIND_MYNUMBER, .has_expiry = true, .expiry = {2030, 1, 1}};
	struct jpki_refusal r;
	assert_true(jpki_rule_card(&info, D(2026, 12, 2), &r));
	assert_true(jpki_rule_card(&info, D(2030, 1, 1), &r));
	assert_false(jpki_rule_card(&info, D(2030, 1, 2), &r));
	assert_string_equal(r.rule, "E3");
	info.has_expiry = false;
	assert_false(jpki_rule_card(&info, D(2026, 12, 2), &r));
	assert_string_equal(r.rule, "E3");
	assert_non_null(strstr(r.why, "never issued the same day"));
	info.kind = JPKI_CARD_KIND_NONE;
	assert_false(jpki_rule_card(&info, D(2026, 12, 2), &r));
	assert_string_equal(r.rule, "E3");
	info.kind = JPKI_CARD_KIND_JUKI;
	info.has_expiry = true;
	assert_false(jpki_rule_card(&info, D(2026, 12, 2), &r));
	assert_string_equal(r.rule, "C6");
}

static void test_documents(void **state)
{
	struct jpki_id_doc d[4];
	struct jpki_err err;
	struct jpki_refusal r;
	static const char *const bad[] = {
	    "licence",       "licence:",    ":123",
	    "licence:12 3",  "driving:123", "licence:123456789012345678901234567890123",
	    "licence:１２３"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jpki_id_doc_parse(bad[i], &d[0], &err) != -JPKI_E_INVALID)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(jpki_id_doc_parse("licence:AB-12", &d[0], &err), 0);
	assert_int_equal(d[0].list, JPKI_DOC_A);
	assert_int_equal(jpki_id_doc_parse("pension-book:9", &d[1], &err), 0);
	assert_int_equal(jpki_id_doc_parse("student-id:7", &d[2], &err), 0);
	assert_int_equal(d[1].list, JPKI_DOC_B);
	assert_true(jpki_rule_identity(d, 1, &r));      /* one A */
	assert_false(jpki_rule_identity(d + 1, 1, &r)); /* one B */
	assert_string_equal(r.rule, "I1");
	assert_true(jpki_rule_identity(d + 1, 2, &r));  /* two B */
	assert_false(jpki_rule_rep_identity(d, 1, &r)); /* a representative: one A is not enough */
	assert_string_equal(r.rule, "L1");
	assert_true(jpki_rule_rep_identity(d, 2, &r));      /* A + B */
	assert_false(jpki_rule_rep_identity(d + 1, 2, &r)); /* B + B */
	assert_false(jpki_rule_proxy_identity(d + 1, 2, &r));
	assert_string_equal(r.rule, "D2");
	assert_true(jpki_rule_proxy_identity(d, 1, &r));
	assert_false(jpki_rule_second_document(d, 0, &r));
	assert_string_equal(r.rule, "P2");
	assert_true(jpki_rule_second_document(d + 1, 1, &r));
	char out[JPKI_DOCS_MAX];
	jpki_docs_format(d, 3, out, sizeof(out));
	assert_string_equal(out, "licence:AB-12, pension-book:9, student-id:7");
}

static void test_rule_pins(void **state)
{
	struct jpki_refusal r;
	assert_true(jpki_rule_pins(true, "0000", true, "A1B2C3", &r));
	assert_true(jpki_rule_pins(false, NULL, true, "ABCDEFGHIJKLMNO1", &r));
	assert_true(jpki_rule_pins(true, "9999", false, NULL, &r));
	assert_false(jpki_rule_pins(true, NULL, false, NULL, &r));
	assert_false(jpki_rule_pins(true, "123", false, NULL, &r));
	assert_false(jpki_rule_pins(true, "12a4", false, NULL, &r));
	assert_false(jpki_rule_pins(true, "1234", true, "ABCDEF", &r));
	assert_false(jpki_rule_pins(true, "1234", true, "123456", &r));
	assert_false(jpki_rule_pins(true, "1234", true, "abc123", &r));
	assert_false(jpki_rule_pins(true, "1234", true, "A1234", &r));
	assert_false(jpki_rule_pins(true, "1234", true, "ABCDEFGHIJKLMNOP1", &r));
	assert_string_equal(r.rule, "P1");
}

static void test_transitions(void **state)
{
	assert_true(jpki_case_transition_ok(JPKI_PROC_ISSUE, JPKI_CASE_OPEN, JPKI_CASE_CHECKED));
	assert_true(jpki_case_transition_ok(JPKI_PROC_ISSUE, JPKI_CASE_CHECKED, JPKI_CASE_PARTIAL));
	assert_true(jpki_case_transition_ok(JPKI_PROC_ISSUE, JPKI_CASE_PARTIAL, JPKI_CASE_DONE));
	assert_false(jpki_case_transition_ok(JPKI_PROC_ISSUE, JPKI_CASE_OPEN, JPKI_CASE_DONE));
	assert_false(jpki_case_transition_ok(JPKI_PROC_ISSUE, JPKI_CASE_DONE, JPKI_CASE_OPEN));
	assert_false(jpki_case_transition_ok(JPKI_PROC_ISSUE, JPKI_CASE_REFUSED, JPKI_CASE_DONE));
	assert_false(jpki_case_transition_ok(JPKI_PROC_ISSUE, JPKI_CASE_OPEN, JPKI_CASE_FORM_SENT));
	assert_true(jpki_case_transition_ok(JPKI_PROC_PROXY, JPKI_CASE_OPEN, JPKI_CASE_FORM_SENT));
	assert_true(
	    jpki_case_transition_ok(JPKI_PROC_PROXY, JPKI_CASE_FORM_SENT, JPKI_CASE_EXPIRED));
	assert_true(jpki_case_transition_ok(JPKI_PROC_HOLD, JPKI_CASE_OPEN, JPKI_CASE_DONE));
	assert_false(jpki_case_transition_ok(JPKI_PROC_HOLD, JPKI_CASE_OPEN, JPKI_CASE_CHECKED));
	assert_false(
	    jpki_case_transition_ok((enum jpki_procedure)0, JPKI_CASE_OPEN, JPKI_CASE_REFUSED));
	assert_false(jpki_case_transition_ok(JPKI_PROC_COUNT, JPKI_CASE_OPEN, JPKI_CASE_REFUSED));
	/* no final state has a way out */
	enum jpki_case_state finals[] = {JPKI_CASE_DONE, JPKI_CASE_REFUSED, JPKI_CASE_CANCELLED,
	                                 JPKI_CASE_EXPIRED};
	for (int p = 1; p < JPKI_PROC_COUNT; p++)
		for (size_t f = 0; f < 4; f++)
			for (int to = 0; to < JPKI_CASE_STATE_COUNT; to++)
				assert_false(jpki_case_transition_ok(
				    (enum jpki_procedure)p, finals[f], (enum jpki_case_state)to));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_holidays),       cmocka_unit_test(test_open_hours),
	    cmocka_unit_test(test_config_refused), cmocka_unit_test(test_rule_e2_edges),
	    cmocka_unit_test(test_rule_card),      cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_rule_pins),      cmocka_unit_test(test_transitions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
