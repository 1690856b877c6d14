/*
 * card_util.h: what the card tests share: APDUs written as hex, status
 * words checked by value, and a personalised card built through the
 * issuer commands themselves (issuer authentication included).
 * Header-only: every helper is static inline.
 */
#ifndef JPKI_TEST_CARD_UTIL_H
#define JPKI_TEST_CARD_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "card/card.h"
#include "card/keys.h"

static const uint8_t test_master[JPKI_CARD_KEY_LEN] = {0x42, 0x13, 0x37};
static const uint8_t test_serial[JPKI_CHIP_SERIAL_LEN] = {0x10, 0x20, 0x30, 0x40,
                                                          0x50, 0x60, 0x70, 0x80};

/* Hex (spaces ignored) to bytes; returns the length. */
static inline size_t hex_bytes(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; *hex; hex++) {
		if (*hex == ' ')
			continue;
		unsigned v = 0;
		assert_true(hex[1] && sscanf(hex, "%2x", &v) == 1 && n < cap);
		out[n++] = (uint8_t)v;
		hex++;
	}
	return n;
}

/* Send raw bytes; return SW; data into out/out_len when given. */
static inline uint16_t tx_raw(struct jpki_card *c, const uint8_t *cmd, size_t n, uint8_t *out,
                              size_t *out_len)
{
	uint8_t r[JPKI_RAPDU_MAX];
	size_t rl = jpki_card_process(c, cmd, n, r);
	assert_true(rl >= 2 && rl <= JPKI_RAPDU_MAX);
	if (out)
		memcpy(out, r, rl - 2);
	if (out_len)
		*out_len = rl - 2;
	return (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
}

static inline uint16_t tx(struct jpki_card *c, const char *hex, uint8_t *out, size_t *out_len)
{
	uint8_t cmd[300];
	size_t n = hex_bytes(hex, cmd, sizeof(cmd));
	return tx_raw(c, cmd, n, out, out_len);
}

#define SELECT_APP "00A4040C0A D392F000260100000001"

/* GET CHALLENGE, then the right (or a wrong) ISSUER AUTHENTICATE; returns its SW. */
static inline uint16_t issuer_login(struct jpki_card *c, const uint8_t master[JPKI_CARD_KEY_LEN])
{
	uint8_t chal[256], k[32], cmd[5 + 32] = {0x80, 0x82, 0x00, 0x00, 0x20};
	size_t n = 0;
	assert_int_equal(tx(c, "8084000010", chal, &n), 0x9000);
	assert_int_equal(n, JPKI_CHALLENGE_LEN);
	assert_int_equal(jpki_card_derive(master, c->serial, JPKI_KEY_ISSUER, k, NULL), 0);
	assert_int_equal(jpki_issuer_response(k, c->serial, chal, cmd + 5), 0);
	return tx_raw(c, cmd, sizeof(cmd), NULL, NULL);
}

/* Write bytes into the current EF with WRITE BINARY chunks. */
static inline void write_ef(struct jpki_card *c, const char *fid, const uint8_t *data, size_t len)
{
	char sel[32];
	snprintf(sel, sizeof(sel), "00A4020C02%s", fid);
	assert_int_equal(tx(c, sel, NULL, NULL), 0x9000);
	assert_int_equal(tx(c, "800E0000", NULL, NULL), 0x9000);
	for (size_t off = 0; off < len; off += 200) {
		size_t n = len - off > 200 ? 200 : len - off;
		uint8_t cmd[5 + 200] = {0x80, 0xD6, (uint8_t)(off >> 8), (uint8_t)off, (uint8_t)n};
		memcpy(cmd + 5, data + off, n);
		assert_int_equal(tx_raw(c, cmd, 5 + n, NULL, NULL), 0x9000);
	}
}

/* A fake DER object of `total` bytes: 30 82 LL LL then a counting pattern. */
static inline void fake_der(uint8_t *buf, size_t total, uint8_t seed)
{
	buf[0] = 0x30, buf[1] = 0x82;
	buf[2] = (uint8_t)((total - 4) >> 8), buf[3] = (uint8_t)(total - 4);
	for (size_t i = 4; i < total; i++)
		buf[i] = (uint8_t)(i * 7 + seed);
}

/*
 * A card personalised through its own issuer commands: card data, both keys,
 * PINs 1234 / ABC123, certificate files of 870 (000A), 935 (000B), 880 (0001)
 * and 875 (0002) bytes.  The volatile state is cleared at the end.
 */
static inline struct jpki_card *make_card(enum jpki_card_kind kind)
{
	struct jpki_card *c = NULL;
	assert_int_equal(jpki_card_new(test_master, test_serial, &c, NULL), 0);
	assert_int_equal(tx(c, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(issuer_login(c, test_master), 0x9000);
	char data[64];
	snprintf(data, sizeof(data), "80DA000011 %02X 07EB0B1B 313233343536373839303132", kind);
	assert_int_equal(tx(c, data, NULL, NULL), 0x9000);
	if (kind == JPKI_CARD_KIND_MYNUMBER) {
		assert_int_equal(tx(c, "80460017", NULL, NULL), 0x9000);
		assert_int_equal(tx(c, "8046001A", NULL, NULL), 0x9000);
		static const struct {
			const char *fid;
			size_t len;
		} files[] = {{"000A", 870}, {"000B", 935}, {"0001", 880}, {"0002", 875}};
		for (size_t i = 0; i < 4; i++) {
			uint8_t der[1024];
			fake_der(der, files[i].len, (uint8_t)i);
			write_ef(c, files[i].fid, der, files[i].len);
		}
	}
	assert_int_equal(tx(c, "80D8001804 31323334", NULL, NULL), 0x9000);
	assert_int_equal(tx(c, "80D8001B06 414243313233", NULL, NULL), 0x9000);
	jpki_card_power(c);
	return c;
}

#endif
