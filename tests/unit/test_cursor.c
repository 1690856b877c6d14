/*
 * test_cursor.c: the bounded cursor (src/lib/core/cursor.h) and serial hex
 * (src/lib/core/hex.h).  House style: every parser of outside bytes reads
 * through the cursor, which must never pass the end and must not move when
 * a read fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/base64.h"
#include "core/cursor.h"
#include "core/writer.h"
#include "core/hex.h"

static void test_u8_stops_at_end(void **state)
{
	(void)state;
	const uint8_t buf[2] = {'A', 'B'};
	struct jpki_cur c = jpki_cur_make(buf, sizeof(buf));
	uint8_t b = 0;
	assert_int_equal(jpki_cur_left(&c), 2);
	assert_true(jpki_cur_u8(&c, &b));
	assert_int_equal(b, 'A');
	assert_true(jpki_cur_peek(&c, &b));
	assert_int_equal(b, 'B');
	assert_int_equal(c.off, 1); /* peek does not consume */
	assert_true(jpki_cur_u8(&c, &b));
	assert_int_equal(b, 'B');
	assert_true(jpki_cur_done(&c));
	b = 0x55;
	assert_false(jpki_cur_u8(&c, &b));
	assert_false(jpki_cur_peek(&c, &b));
	assert_int_equal(b, 0x55); /* output untouched */
	assert_int_equal(c.off, 2);
	assert_int_equal(jpki_cur_left(&c), 0);
}

static void test_take(void **state)
{
	(void)state;
	const char *s = "hello";
	struct jpki_cur c = jpki_cur_make(s, 5);
	const uint8_t *p = NULL;
	assert_false(jpki_cur_take(&c, 6, &p)); /* more than there is */
	assert_null(p);
	assert_int_equal(c.off, 0);
	assert_false(jpki_cur_take(&c, SIZE_MAX, &p)); /* no overflow of off + n */
	assert_int_equal(c.off, 0);
	assert_true(jpki_cur_take(&c, 2, &p));
	assert_ptr_equal(p, (const uint8_t *)s);
	assert_int_equal(c.off, 2);
	assert_false(jpki_cur_take(&c, 4, &p));
	assert_int_equal(c.off, 2);
	assert_true(jpki_cur_take(&c, 3, &p));
	assert_ptr_equal(p, (const uint8_t *)s + 2);
	assert_true(jpki_cur_done(&c));
	assert_true(jpki_cur_take(&c, 0, &p)); /* zero bytes at the end is fine */
	assert_false(jpki_cur_take(&c, 1, &p));
	assert_int_equal(c.off, 5);
}

static void test_expect(void **state)
{
	(void)state;
	struct jpki_cur c = jpki_cur_make("-x", 2);
	assert_false(jpki_cur_expect(&c, 'x'));
	assert_int_equal(c.off, 0);
	assert_true(jpki_cur_expect(&c, '-'));
	assert_true(jpki_cur_expect(&c, 'x'));
	assert_false(jpki_cur_expect(&c, 'x')); /* at the end */
	assert_int_equal(c.off, 2);
}

static void test_null_buffer_is_empty(void **state)
{
	(void)state;
	struct jpki_cur c = jpki_cur_make(NULL, 100);
	uint8_t b;
	int v;
	assert_int_equal(c.len, 0);
	assert_true(jpki_cur_done(&c));
	assert_false(jpki_cur_u8(&c, &b));
	assert_false(jpki_cur_digits(&c, 1, &v));
}

static const struct {
	const char *in;
	unsigned ndigits;
	int ok, value;
	size_t off_after;
} digit_cases[] = {
    {"2024", 4, 1, 2024, 4},
    {"20245", 4, 1, 2024, 4},
    {"0007", 4, 1, 7, 4},
    {"123456789", 9, 1, 123456789, 9},
    {"1234567890", 10, 0, 0, 0}, /* more than 9 would overflow an int */
    {"12a4", 4, 0, 0, 0},        /* a non-digit inside: nothing consumed */
    {"a234", 4, 0, 0, 0},
    {"123a", 4, 0, 0, 0},
    {"-123", 4, 0, 0, 0},
    {"+123", 4, 0, 0, 0},
    {" 123", 4, 0, 0, 0},
    {"12", 4, 0, 0, 0}, /* too short */
    {"12", 0, 0, 0, 0}, /* zero digits asked */
    {"", 1, 0, 0, 0},
    {"1/", 2, 0, 0, 0}, /* '/' is just below '0' */
    {"1:", 2, 0, 0, 0}, /* ':' is just above '9' */
};

static void test_digits_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(digit_cases) / sizeof(digit_cases[0]); i++) {
		struct jpki_cur c = jpki_cur_make(digit_cases[i].in, strlen(digit_cases[i].in));
		int v = -42;
		bool ok = jpki_cur_digits(&c, digit_cases[i].ndigits, &v);
		if (ok != (bool)digit_cases[i].ok)
			fail_msg("case %zu '%s': ok=%d", i, digit_cases[i].in, ok);
		assert_int_equal(v, ok ? digit_cases[i].value : -42);
		assert_int_equal(c.off, digit_cases[i].off_after);
	}
}

static void test_digits_after_offset(void **state)
{
	(void)state;
	/* a failed read in the middle leaves the cursor where it was, not at 0 */
	struct jpki_cur c = jpki_cur_make("12-3x", 5);
	int v;
	assert_true(jpki_cur_digits(&c, 2, &v));
	assert_true(jpki_cur_expect(&c, '-'));
	assert_false(jpki_cur_digits(&c, 2, &v));
	assert_int_equal(c.off, 3);
	assert_true(jpki_cur_digits(&c, 1, &v));
	assert_int_equal(v, 3);
}

/* ---- hex ---- */

static const struct {
	const char *in;
	size_t cap;
	int ok;
	size_t len;
	uint8_t want[20];
} hex_cases[] = {
    {"0A", 20, 1, 1, {0x0A}},
    {"a", 20, 1, 1, {0x0A}}, /* odd length: a leading half byte */
    {"abc", 20, 1, 2, {0x0A, 0xBC}},
    {"DeadBeef", 20, 1, 4, {0xDE, 0xAD, 0xBE, 0xEF}}, /* either case */
    {"00ff", 20, 1, 2, {0x00, 0xFF}},
    {"0102030405060708090A0B0C0D0E0F1011121314", 20, 1, 20, {1,  2,  3,  4,  5,  6,  7,
                                                             8,  9,  10, 11, 12, 13, 14,
                                                             15, 16, 17, 18, 19, 20}},
    {"0102030405060708090A0B0C0D0E0F101112131415", 20, 0, 0, {0}}, /* 21 bytes */
    {"102030405060708090A0B0C0D0E0F101112131415", 20, 0, 0, {0}},  /* 41 digits */
    {"ABCDEF", 2, 0, 0, {0}},                                      /* over cap */
    {"ABCD", 2, 1, 2, {0xAB, 0xCD}},                               /* exactly cap */
    {"", 20, 0, 0, {0}},
    {"0G", 20, 0, 0, {0}},
    {"G", 20, 0, 0, {0}}, /* bad leading half byte */
    {"G12", 20, 0, 0, {0}},
    {"12 3", 20, 0, 0, {0}},
    {"0x12", 20, 0, 0, {0}},
    {"-1", 20, 0, 0, {0}},
    {"1g", 20, 0, 0, {0}},
};

static void test_serial_from_hex_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hex_cases) / sizeof(hex_cases[0]); i++) {
		uint8_t out[20];
		size_t len = 999;
		memset(out, 0xEE, sizeof(out));
		int rc = jpki_serial_from_hex(hex_cases[i].in, out, hex_cases[i].cap, &len);
		if (hex_cases[i].ok) {
			if (rc != 0)
				fail_msg("case %zu '%s' refused", i, hex_cases[i].in);
			assert_int_equal(len, hex_cases[i].len);
			assert_memory_equal(out, hex_cases[i].want, len);
			/* never writes past the result */
			for (size_t j = len; j < sizeof(out); j++)
				assert_int_equal(out[j], 0xEE);
		} else {
			if (rc != -1)
				fail_msg("case %zu '%s' accepted", i, hex_cases[i].in);
			assert_int_equal(len, 999);
		}
	}
	uint8_t out[4];
	size_t len = 7;
	assert_int_equal(jpki_serial_from_hex(NULL, out, sizeof(out), &len), -1);
	assert_int_equal(len, 7);
}

static void test_hex_encode(void **state)
{
	(void)state;
	char out[41];
	const uint8_t in[] = {0x00, 0x0F, 0xAB, 0x7F, 0x80, 0xFF};
	jpki_hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "000FAB7F80FF");
	jpki_hex_encode(in, 0, out);
	assert_string_equal(out, "");
	/* round trip through the parser */
	uint8_t back[20];
	size_t len;
	jpki_hex_encode(in, sizeof(in), out);
	assert_int_equal(jpki_serial_from_hex(out, back, sizeof(back), &len), 0);
	assert_int_equal(len, sizeof(in));
	assert_memory_equal(back, in, sizeof(in));
}

static void test_u16be(void **state)
{
	(void)state;
	static const uint8_t b[] = {0x63, 0xC2, 0x90};
	struct jpki_cur c = jpki_cur_make(b, sizeof(b));
	uint16_t v = 0;
	assert_true(jpki_cur_u16be(&c, &v));
	assert_int_equal(v, 0x63C2);
	assert_false(jpki_cur_u16be(&c, &v)); /* one byte left: unmoved */
	assert_int_equal(c.off, 2);
}

static void test_der_header(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		uint8_t b[8];
		size_t n;
		bool ok;
		size_t len, off;
	} cases[] = {
	    {"short form", {0x30, 0x05}, 2, true, 5, 2},
	    {"one length byte", {0x30, 0x81, 0xC8}, 3, true, 200, 3},
	    {"two length bytes", {0x30, 0x82, 0x05, 0x10}, 4, true, 0x510, 4},
	    {"four length bytes", {0x04, 0x84, 0, 1, 0, 0}, 6, true, 0x10000, 6},
	    {"indefinite length", {0x30, 0x80}, 2, false, 0, 0},
	    {"five length bytes", {0x30, 0x85, 1, 1, 1, 1, 1}, 7, false, 0, 0},
	    {"length bytes missing", {0x30, 0x82, 0x05}, 3, false, 0, 0},
	    {"no length", {0x30}, 1, false, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jpki_cur c = jpki_cur_make(cases[i].b, cases[i].n);
		uint8_t tag = 0;
		size_t len = 0;
		bool ok = jpki_cur_der_header(&c, &tag, &len);
		if (ok != cases[i].ok || (ok && (len != cases[i].len || c.off != cases[i].off)) ||
		    (!ok && c.off != 0))
			fail_msg("%s: ok %d len %zu off %zu", cases[i].what, ok, len, c.off);
	}
}

static void test_decimal(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok, done;
		uint64_t v;
	} cases[] = {
	    {"0", true, true, 0},
	    {"16384", true, true, 16384},
	    {"16385", true, true, 16385},
	    {"99999999999999999999999", true, true, 16385}, /* saturates: "too large" */
	    {"12x", true, false, 12},
	    {"", false, true, 0},
	    {"-1", false, false, 0},
	    {" 1", false, false, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jpki_cur c = jpki_cur_make(cases[i].s, strlen(cases[i].s));
		uint64_t v = 0;
		bool ok = jpki_cur_decimal(&c, 16384, &v);
		if (ok != cases[i].ok || (ok && v != cases[i].v) ||
		    jpki_cur_done(&c) != cases[i].done)
			fail_msg("'%s': ok %d value %llu", cases[i].s, ok, (unsigned long long)v);
	}
}

/* ---- the capped writer (core/writer.h) ---- */

static void test_writer_caps(void **state)
{
	(void)state;
	uint8_t buf[8];
	memset(buf, 0xEE, sizeof(buf));
	struct jpki_wr w = jpki_wr_make(buf, 6);
	jpki_wr_put(&w, "abcd", 4);
	jpki_wr_be16(&w, 0x0102);
	assert_false(w.failed);
	assert_int_equal(jpki_wr_size(&w), 6);
	jpki_wr_u8(&w, 0x33); /* one past the cap: failed, nothing written */
	assert_true(w.failed);
	assert_int_equal(w.len, 6);
	assert_int_equal(buf[6], 0xEE);
	jpki_wr_put(&w, "x", 1); /* and it stays failed */
	assert_int_equal(w.len, 6);
	assert_memory_equal(buf, "abcd\x01\x02", 6);
}

static void test_writer_prepend(void **state)
{
	(void)state;
	uint8_t buf[16];
	struct jpki_wr w = jpki_wr_make_head(buf, sizeof(buf), 4);
	jpki_wr_put(&w, "\x05\x06", 2);
	jpki_wr_prepend_der_header(&w, 0x30, 2); /* 30 02: the SEQUENCE around them */
	jpki_wr_prepend(&w, "\x01", 1);
	assert_false(w.failed);
	assert_int_equal(jpki_wr_size(&w), 5);
	assert_memory_equal(jpki_wr_data(&w), "\x01\x30\x02\x05\x06", 5);
	jpki_wr_prepend(&w, "\x07\x08", 2); /* one byte of head left: refused whole */
	assert_true(w.failed);
	assert_int_equal(w.start, 1);
	struct jpki_wr bad = jpki_wr_make_head(buf, 4, 5); /* a head past the cap */
	assert_true(bad.failed);
}

static void test_base64_strict(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ws;
		int rc;
		const char *out;
	} cases[] = {
	    {"YQ==", false, 0, "a"},   {"YWI=", false, 0, "ab"},     {"YWJj", false, 0, "abc"},
	    {"YW Jj", true, 0, "abc"}, {"YW\r\nJj", true, 0, "abc"}, {"YW Jj", false, -1, NULL},
	    {"YWJ", false, -1, NULL},  {"Y===", false, -1, NULL},    {"YQ==YQ==", false, -1, NULL},
	    {"Y=Q=", false, -1, NULL}, {"YW-j", false, -1, NULL},    {"", false, -1, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *out = NULL;
		size_t n = 0;
		int rc =
		    jpki_base64_decode(cases[i].in, strlen(cases[i].in), cases[i].ws, &out, &n);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0) {
			assert_int_equal(n, strlen(cases[i].out));
			assert_memory_equal(out, cases[i].out, n);
		}
		free(out);
	}
	char *e = jpki_base64_encode((const uint8_t *)"abc", 3);
	assert_string_equal(e, "YWJj");
	free(e);
}

/* Every length from 1 to 300 bytes, every byte value: encoded by libcrypto, decoded back. */
static void test_base64_round_trip(void **state)
{
	(void)state;
	uint8_t in[300];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 167 + 13);
	for (size_t n = 1; n <= sizeof(in); n++) {
		char *e = jpki_base64_encode(in, n);
		uint8_t *out = NULL;
		size_t len = 0;
		assert_non_null(e);
		assert_int_equal(jpki_base64_decode(e, strlen(e), false, &out, &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(out, in, n);
		free(out);
		free(e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_strict),
	    cmocka_unit_test(test_base64_round_trip),
	    cmocka_unit_test(test_u8_stops_at_end),
	    cmocka_unit_test(test_u16be),
	    cmocka_unit_test(test_der_header),
	    cmocka_unit_test(test_decimal),
	    cmocka_unit_test(test_writer_caps),
	    cmocka_unit_test(test_writer_prepend),
	    cmocka_unit_test(test_take),
	    cmocka_unit_test(test_expect),
	    cmocka_unit_test(test_null_buffer_is_empty),
	    cmocka_unit_test(test_digits_table),
	    cmocka_unit_test(test_digits_after_offset),
	    cmocka_unit_test(test_serial_from_hex_table),
	    cmocka_unit_test(test_hex_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
