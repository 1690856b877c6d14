/*
 * test_names.c: the basic facts as the signature certificate writes them
 * (src/lib/ca/names.h, docs/rules.md "Facts about the certificates", OIDs
 * 1.2.392.200149.8.5.5.1-.6, rule C2) and the checks a resident record must
 * pass before it is stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ca/names.h"

#define U3000 "\xE3\x80\x80" /* ideographic space */

/* ---- UTF-8 ---- */

static const struct {
	const char *what, *s;
	long chars; /* -1: refused */
} utf8_cases[] = {
    {"empty", "", 0},
    {"ASCII", "abc", 3},
    {"kanji", "山田太郎", 4},
    {"kana and kanji", "東京都立川市泉町1156-9", 14},
    {"ideographic space", U3000, 1},
    {"4-byte character (U+20BB7)", "\xF0\xA0\xAE\xB7", 1},
    {"largest code point U+10FFFF", "\xF4\x8F\xBF\xBF", 1},
    {"no-break space U+00A0 (after C1)", "\xC2\xA0", 1},
    {"invalid byte 0xFF", "a\xFF", -1},
    {"invalid byte 0xF8", "\xF8\x88\x80\x80\x80", -1},
    {"lone continuation byte", "\x80", -1},
    {"truncated 3-byte sequence", "\xE5\xB1", -1},
    {"truncated at the end of a word", "山\xE7\x94", -1},
    {"continuation missing",
     "\xE5"
     "a"
     "\xB1",
     -1},
    {"overlong 2-byte '/'", "\xC0\xAF", -1},
    {"overlong 2-byte NUL", "\xC0\x80", -1},
    {"overlong 3-byte '/'", "\xE0\x80\xAF", -1},
    {"overlong 3-byte U+07FF", "\xE0\x9F\xBF", -1},
    {"overlong 4-byte '/'", "\xF0\x80\x80\xAF", -1},
    {"overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF", -1},
    {"surrogate U+D800", "\xED\xA0\x80", -1},
    {"surrogate U+DFFF", "\xED\xBF\xBF", -1},
    {"above U+10FFFF", "\xF4\x90\x80\x80", -1},
    {"tab (C0 control)", "a\tb", -1},
    {"newline", "山田\n", -1},
    {"DEL", "\x7F", -1},
    {"C1 control U+0085", "\xC2\x85", -1},
    {"C1 control U+009F", "\xC2\x9F", -1},
    {"right-to-left override U+202E",
     "ab\xE2\x80\xAE"
     "cd",
     -1},
    {"left-to-right embedding U+202A", "\xE2\x80\xAA", -1},
    {"pop directional formatting U+202C", "\xE2\x80\xAC", -1},
    {"right-to-left mark U+200F", "\xE2\x80\x8F", -1},
    {"left-to-right mark U+200E", "\xE2\x80\x8E", -1},
    {"right-to-left isolate U+2067", "\xE2\x81\xA7", -1},
    {"pop directional isolate U+2069", "\xE2\x81\xA9", -1},
    {"Arabic letter mark U+061C", "\xD8\x9C", -1},
    {"line separator U+2028", "\xE2\x80\xA8", -1},
    {"U+2065 (unassigned, not a control)", "\xE2\x81\xA5", 1},
    {"U+2010 hyphen (beside the controls)", "\xE2\x80\x90", 1},
};

/* Each refusal says what it refused: not UTF-8, a control, a display control. */
static void test_text_check_messages(void **state)
{
	(void)state;
	static const struct {
		const char *s, *want;
	} cases[] = {
	    {"山田", NULL},
	    {"a\xFF", "not valid UTF-8"},
	    {"山\x07田", "control character U+0007"},
	    {"\xC2\x85", "control character U+0085"},
	    {"山\xE2\x80\xAE田", "U+202E"},
	    {"\xE2\x81\xA6x", "U+2066"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jpki_err err;
		int rc = jpki_text_check("family name", cases[i].s, &err);
		if (!cases[i].want) {
			assert_int_equal(rc, 0);
			continue;
		}
		assert_int_equal(rc, -JPKI_E_INVALID);
		if (!strstr(err.msg, cases[i].want) || !strstr(err.msg, "family name"))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, cases[i].want);
		if (cases[i].want[0] == 'U' && strstr(err.msg, "UTF-8"))
			fail_msg("case %zu: a display control called invalid UTF-8: %s", i,
			         err.msg);
	}
}

static void test_utf8_chars(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		long n = jpki_utf8_chars(utf8_cases[i].s);
		if (n != utf8_cases[i].chars)
			fail_msg("%s: %ld, want %ld", utf8_cases[i].what, n, utf8_cases[i].chars);
	}
}

/* ---- eras (OID .5.5.4, EYYYYMMDD) ---- */

static const struct {
	struct jpki_date d;
	int era;
	const char *value;
} era_cases[] = {
    {{1868, 10, 22}, 0, "018681022"},                                   /* before 明治: unknown */
    {{1868, 10, 23}, 1, "118681023"},                                   /* 明治 */
    {{1912, 7, 29}, 1, "119120729"},  {{1912, 7, 30}, 2, "219120730"},  /* 大正 */
    {{1926, 12, 24}, 2, "219261224"}, {{1926, 12, 25}, 3, "319261225"}, /* 昭和 */
    {{1989, 1, 7}, 3, "319890107"},   {{1989, 1, 8}, 4, "419890108"},   /* 平成 */
    {{2019, 4, 30}, 4, "420190430"},  {{2019, 5, 1}, 5, "520190501"},   /* 令和 */
    {{2024, 2, 29}, 5, "520240229"},  {{1800, 1, 1}, 0, "018000101"},
};

static void test_era_and_birth_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(era_cases) / sizeof(era_cases[0]); i++) {
		struct jpki_date d = era_cases[i].d;
		char buf[10];
		if (jpki_era_of(d) != era_cases[i].era)
			fail_msg("%04d-%02d-%02d: era %d, want %d", d.y, d.m, d.d, jpki_era_of(d),
			         era_cases[i].era);
		memset(buf, 'x', sizeof(buf));
		jpki_birth_value(d, buf);
		assert_string_equal(buf, era_cases[i].value);
	}
}

/* ---- name value (OID .5.5.1) and flags (.5.5.2) ---- */

static struct jpki_resident base_resident(void)
{
	struct jpki_resident r;
	memset(&r, 0, sizeof(r));
	snprintf(r.family, sizeof(r.family), "山田");
	snprintf(r.given, sizeof(r.given), "太郎");
	snprintf(r.address, sizeof(r.address), "東京都立川市泉町1156-9");
	r.birth = (struct jpki_date){1980, 3, 10};
	r.sex = JPKI_SEX_MALE;
	r.status = JPKI_RESIDENT;
	return r;
}

static const struct {
	const char *what, *former, *alias, *subst;
	const char *name, *flags;
} name_cases[] = {
    {"plain", "", "", "", "山田" U3000 "太郎", "00000"},
    {"substitute flags kept", "", "", "01001", "山田" U3000 "太郎", "01001"},
    {"former surname", "佐藤", "", "", "山田" U3000 "太郎［旧氏" U3000 "佐藤］", "000000000000"},
    {"alias", "", "Smith", "", "山田" U3000 "太郎［通称" U3000 "Smith］", "000000000000000"},
    {"both, flags on the base only", "佐藤", "ヤマ", "10000",
     "山田" U3000 "太郎［旧氏" U3000 "佐藤］［通称" U3000 "ヤマ］",
     "10000"
     "0000000"
     "0000000"},
};

static void test_name_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		struct jpki_resident r = base_resident();
		snprintf(r.former_surname, sizeof(r.former_surname), "%s", name_cases[i].former);
		snprintf(r.alias, sizeof(r.alias), "%s", name_cases[i].alias);
		snprintf(r.name_subst, sizeof(r.name_subst), "%s", name_cases[i].subst);
		char name[512], flags[512];
		struct jpki_err err;
		if (jpki_name_value(&r, name, sizeof(name), flags, sizeof(flags), &err) != 0)
			fail_msg("%s: %s", name_cases[i].what, err.msg);
		assert_string_equal(name, name_cases[i].name);
		assert_string_equal(flags, name_cases[i].flags);
		/* one flag per character of the name value */
		assert_int_equal((long)strlen(flags), jpki_utf8_chars(name));
	}
}

static void test_name_value_too_long(void **state)
{
	(void)state;
	struct jpki_resident r = base_resident();
	char name[64], flags[64];
	struct jpki_err err;
	/* "山田　太郎" is 15 bytes: a 15-byte buffer has no room for the NUL */
	assert_int_equal(jpki_name_value(&r, name, 15, flags, sizeof(flags), &err), -JPKI_E_LIMIT);
	assert_int_equal(err.code, JPKI_E_LIMIT);
	assert_int_equal(jpki_name_value(&r, name, 16, flags, sizeof(flags), &err), 0);
	/* the flags buffer too */
	assert_int_equal(jpki_name_value(&r, name, sizeof(name), flags, 5, &err), -JPKI_E_LIMIT);
	assert_int_equal(jpki_name_value(&r, name, sizeof(name), flags, 6, &err), 0);
	/* the suffix must fit as well */
	snprintf(r.former_surname, sizeof(r.former_surname), "佐藤");
	assert_int_equal(jpki_name_value(&r, name, 30, flags, sizeof(flags), &err), -JPKI_E_LIMIT);
	assert_int_equal(jpki_name_value(&r, name, sizeof(name), flags, 12, &err), -JPKI_E_LIMIT);
	assert_int_equal(jpki_name_value(&r, name, sizeof(name), flags, 13, &err), 0);
}

static void test_address_flags(void **state)
{
	(void)state;
	struct jpki_resident r = base_resident();
	char flags[64];
	struct jpki_err err;
	assert_int_equal(jpki_address_flags(&r, flags, sizeof(flags), &err), 0);
	assert_string_equal(flags, "00000000000000"); /* 14 characters */
	snprintf(r.address_subst, sizeof(r.address_subst), "00000100000000");
	assert_int_equal(jpki_address_flags(&r, flags, sizeof(flags), &err), 0);
	assert_string_equal(flags, "00000100000000");
	assert_int_equal(jpki_address_flags(&r, flags, 10, &err), -JPKI_E_LIMIT);
}

/* ---- addresses: prefecture and municipality (the L= attributes) ---- */

static const struct {
	const char *address, *pref, *city; /* pref NULL: refused */
} addr_cases[] = {
    {"東京都立川市泉町1156-9", "東京都", "立川市"},
    {"北海道虻田郡倶知安町北1条東2丁目", "北海道", "虻田郡倶知安町"},
    {"神奈川県横浜市中区日本大通1", "神奈川県", "横浜市"},
    {"千葉県市川市八幡1-1-1", "千葉県", "市川市"},     /* a leading 市 is part of the name */
    {"三重県四日市市諏訪町1-5", "三重県", "四日市市"}, /* doubled 市 */
    {"広島県廿日市市下平良1-11-1", "広島県", "廿日市市"},
    {"東京都千代田区千代田1-1", "東京都", "千代田区"},
    {"東京都青ヶ島村無番地", "東京都", "青ヶ島村"},
    {"京都府京都市中京区寺町通御池上る", "京都府", "京都市"},
    {"和歌山県和歌山市七番丁23", "和歌山県", "和歌山市"},
    {"鹿児島県大島郡与論町茶花32-1", "鹿児島県", "大島郡与論町"},
    {"沖縄県島尻郡渡名喜村1917-3", "沖縄県", "島尻郡渡名喜村"},
    {"東京都町田市森野2-2-22", "東京都", "町田市"}, /* a leading 町 too */
    {"福島県郡山市朝日1-23-7", "福島県", "郡山市"}, /* a leading 郡 is part of the name */
    {"奈良県大和郡山市北郡山町248-4", "奈良県", "大和郡山市"},
    {"愛知県蒲郡市旭町17-1", "愛知県", "蒲郡市"},
    {"東京都東村山市本町1-2-3", "東京都", "東村山市"}, /* 村 inside a city's name */
    {"東京都羽村市緑ヶ丘5-2-1", "東京都", "羽村市"},
    {"新潟県十日町市千歳町3-3", "新潟県", "十日町市"}, /* 町 inside a city's name */
    {"長野県大町市大町3887", "長野県", "大町市"},
    {"新潟県村上市三之町1-1", "新潟県", "村上市"},
    {"石川県野々市市三納1-1", "石川県", "野々市市"},
    {"北海道余市郡余市町朝日町26", "北海道", "余市郡余市町"}, /* 市 inside a district */
    {"東京都新宿区市谷加賀町1-1", "東京都", "新宿区"},        /* 市 in the street part */
    {"東京都大島町元町1-1-14", "東京都", "大島町"},           /* an island town, no district */
    {"立川市泉町1156-9", NULL, NULL},                         /* no prefecture */
    {"東京立川市泉町", NULL, NULL},
    {"東京都", NULL, NULL}, /* no municipality */
    {"東京都泉1156-9", NULL, NULL},
    {"", NULL, NULL},
    {"Tokyo, Tachikawa", NULL, NULL},
};

static void test_address_split(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		char pref[32] = "x", city[256] = "y";
		struct jpki_err err;
		jpki_err_clear(&err);
		int rc = jpki_address_split(addr_cases[i].address, pref, sizeof(pref), city,
		                            sizeof(city), &err);
		if (addr_cases[i].pref) {
			if (rc != 0)
				fail_msg("'%s' refused: %s", addr_cases[i].address, err.msg);
			assert_string_equal(pref, addr_cases[i].pref);
			assert_string_equal(city, addr_cases[i].city);
		} else {
			if (rc != -JPKI_E_INVALID)
				fail_msg("'%s' gave %d (%s / %s)", addr_cases[i].address, rc, pref,
				         city);
			assert_int_equal(err.code, JPKI_E_INVALID);
		}
	}
}

static void test_address_split_small_buffers(void **state)
{
	(void)state;
	char pref[32], city[256];
	struct jpki_err err;
	/* 東京都 is 9 bytes; 立川市 is 9 bytes: both need one more for the NUL */
	assert_int_equal(jpki_address_split("東京都立川市泉町", pref, 9, city, sizeof(city), &err),
	                 -JPKI_E_LIMIT);
	assert_int_equal(jpki_address_split("東京都立川市泉町", pref, sizeof(pref), city, 9, &err),
	                 -JPKI_E_LIMIT);
	assert_int_equal(jpki_address_split("東京都立川市泉町", pref, 10, city, 10, &err), 0);
	assert_string_equal(pref, "東京都");
	assert_string_equal(city, "立川市");
}

/* ---- resident checks ---- */

enum field {
	F_NONE,
	F_FAMILY,
	F_GIVEN,
	F_FORMER,
	F_ALIAS,
	F_ADDRESS,
	F_NAME_SUBST,
	F_ADDR_SUBST,
	F_SEX,
	F_BIRTH,
	F_STATUS,
	F_RES_END
};

static const struct {
	const char *what;
	enum field f;
	const char *text;
	int num;
	enum jpki_code code; /* JPKI_E_OK: accepted */
} check_cases[] = {
    {"the base record", F_NONE, NULL, 0, JPKI_E_OK},
    {"empty family name", F_FAMILY, "", 0, JPKI_E_INVALID},
    {"empty given name", F_GIVEN, "", 0, JPKI_E_INVALID},
    {"ASCII space in a name", F_GIVEN, "太 郎", 0, JPKI_E_INVALID},
    {"ideographic space in a name", F_FAMILY, "山" U3000 "田", 0, JPKI_E_INVALID},
    {"space in a former surname", F_FORMER, "佐 藤", 0, JPKI_E_INVALID},
    {"invalid UTF-8 alias", F_ALIAS, "\xC0\xAF", 0, JPKI_E_INVALID},
    {"control character in a name", F_FAMILY, "山\x01田", 0, JPKI_E_INVALID},
    {"RLO in a given name", F_GIVEN,
     "\xE2\x80\xAE"
     "郎太",
     0, JPKI_E_INVALID},
    {"RLI in an alias", F_ALIAS,
     "\xE2\x81\xA7"
     "x",
     0, JPKI_E_INVALID},
    {"RLO in an address", F_ADDRESS,
     "東京都立川市\xE2\x80\xAE"
     "1-1",
     0, JPKI_E_INVALID},
    {"LRM in an address", F_ADDRESS,
     "東京都立川市\xE2\x80\x8E"
     "1-1",
     0, JPKI_E_INVALID},
    {"31-character family name", F_FAMILY, NULL, 31, JPKI_E_INVALID},
    {"30-character family name", F_FAMILY, NULL, 30, JPKI_E_OK},
    {"name flags one short", F_NAME_SUBST, "0000", 0, JPKI_E_INVALID},
    {"name flags one long", F_NAME_SUBST, "000000", 0, JPKI_E_INVALID},
    {"name flags not 0/1", F_NAME_SUBST, "00200", 0, JPKI_E_INVALID},
    {"name flags right", F_NAME_SUBST, "00100", 0, JPKI_E_OK},
    {"address flags wrong length", F_ADDR_SUBST, "0", 0, JPKI_E_INVALID},
    {"address flags right", F_ADDR_SUBST, "00000000000001", 0, JPKI_E_OK},
    {"empty address", F_ADDRESS, "", 0, JPKI_E_INVALID},
    {"address without prefecture", F_ADDRESS, "立川市泉町1156-9", 0, JPKI_E_INVALID},
    {"address with invalid UTF-8", F_ADDRESS, "東京都立川市\xFF", 0, JPKI_E_INVALID},
    {"sex 0", F_SEX, NULL, 0, JPKI_E_INVALID},
    {"sex 4", F_SEX, NULL, 4, JPKI_E_INVALID},
    {"sex 3 (not known)", F_SEX, NULL, 3, JPKI_E_OK},
    {"impossible birth date", F_BIRTH, NULL, 0, JPKI_E_BAD_DATE},
    {"status out of range", F_STATUS, NULL, 3, JPKI_E_INVALID},
    {"status deceased", F_STATUS, NULL, JPKI_DECEASED, JPKI_E_OK},
    {"impossible residence end", F_RES_END, NULL, 0, JPKI_E_BAD_DATE},
    {"residence end", F_RES_END, NULL, 1, JPKI_E_OK},
};

static void test_resident_check_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		struct jpki_resident r = base_resident();
		const char *t = check_cases[i].text;
		switch (check_cases[i].f) {
		case F_NONE:
			break;
		case F_FAMILY:
			snprintf(r.family, sizeof(r.family), "%s", t ? t : "");
			for (int k = 0; !t && k < check_cases[i].num; k++) { /* num x "あ" */
				size_t u = strlen(r.family);
				snprintf(r.family + u, sizeof(r.family) - u, "あ");
			}
			break;
		case F_GIVEN:
			snprintf(r.given, sizeof(r.given), "%s", t);
			break;
		case F_FORMER:
			snprintf(r.former_surname, sizeof(r.former_surname), "%s", t);
			break;
		case F_ALIAS:
			snprintf(r.alias, sizeof(r.alias), "%s", t);
			break;
		case F_ADDRESS:
			snprintf(r.address, sizeof(r.address), "%s", t);
			break;
		case F_NAME_SUBST:
			snprintf(r.name_subst, sizeof(r.name_subst), "%s", t);
			break;
		case F_ADDR_SUBST:
			snprintf(r.address_subst, sizeof(r.address_subst), "%s", t);
			break;
		case F_SEX:
			r.sex = (enum jpki_sex)check_cases[i].num;
			break;
		case F_BIRTH:
			r.birth = (struct jpki_date){2023, 2, 29};
			break;
		case F_STATUS:
			r.status = (enum jpki_residence)check_cases[i].num;
			break;
		case F_RES_END:
			r.has_residence_end = true;
			r.residence_end = check_cases[i].num ? (struct jpki_date){2026, 3, 31}
			                                     : (struct jpki_date){2026, 4, 31};
			break;
		}
		struct jpki_err err;
		jpki_err_clear(&err);
		int rc = jpki_resident_check(&r, &err);
		if (rc != -(int)check_cases[i].code)
			fail_msg("%s: rc %d (%s), want -%d", check_cases[i].what, rc, err.msg,
			         check_cases[i].code);
		if (rc)
			assert_int_equal(err.code, check_cases[i].code);
	}
}

/* An address of exactly 200 characters is accepted, 201 refused (OID .5.5.5). */
static void test_resident_check_address_length(void **state)
{
	(void)state;
	struct jpki_resident r = base_resident();
	struct jpki_err err;
	size_t used = (size_t)snprintf(r.address, sizeof(r.address), "東京都立川市"); /* 6 chars */
	for (int i = 6; i < JPKI_ADDRESS_CHARS; i++)
		used += (size_t)snprintf(r.address + used, sizeof(r.address) - used, "あ");
	assert_int_equal(jpki_utf8_chars(r.address), 200);
	assert_int_equal(jpki_resident_check(&r, &err), 0);
	snprintf(r.address + used, sizeof(r.address) - used, "1");
	assert_int_equal(jpki_utf8_chars(r.address), 201);
	assert_int_equal(jpki_resident_check(&r, &err), -JPKI_E_INVALID);
	assert_int_equal(err.code, JPKI_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_chars),
	    cmocka_unit_test(test_text_check_messages),
	    cmocka_unit_test(test_era_and_birth_value),
	    cmocka_unit_test(test_name_value),
	    cmocka_unit_test(test_name_value_too_long),
	    cmocka_unit_test(test_address_flags),
	    cmocka_unit_test(test_address_split),
	    cmocka_unit_test(test_address_split_small_buffers),
	    cmocka_unit_test(test_resident_check_table),
	    cmocka_unit_test(test_resident_check_address_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
