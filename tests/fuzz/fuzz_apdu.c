/*
 * fuzz_apdu.c: the card's APDU processor (src/lib/card/apdu.c, perso.c).
 *
 * One personalised card is built once (keys, PINs 1234 / ABC123, card
 * data, certificate files) and kept as its image body; every input starts
 * from a fresh card decoded from that body, so runs do not influence each
 * other.  Input: a flags byte, then records `len (1) | payload`: a
 * payload of one byte is a vpcd control (power/reset), anything longer a
 * C-APDU.  Flags: bit 0 selects the application first, bit 1 grants issuer
 * authentication (the HMAC cannot be guessed, the commands behind it
 * should still be explored), bit 2 makes every third commit fail (the
 * rollback paths).  GENERATE KEY PAIR is skipped: RSA key generation
 * would drown every other path in time.
 *
 * Checked after every APDU: the answer has 2..258 bytes; a PIN marked
 * verified has its full tries; tries never exceed the maximum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "card/card.h"
#include "card/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t master[JPKI_CARD_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t serial[JPKI_CHIP_SERIAL_LEN] = {0xC0, 0xFF, 0xEE, 0, 0, 0, 0, 1};
static uint8_t *body;
static size_t body_len;
static unsigned commits;

static int flaky_commit(const struct jpki_card *c, void *arg)
{
	(void)c;
	return *(const int *)arg && ++commits % 3 == 0 ? -1 : 0;
}

static void apdu(struct jpki_card *c, const char *hex)
{
	uint8_t buf[300], out[JPKI_RAPDU_MAX];
	size_t n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v = 0;
		if (hex[0] == ' ')
			hex--;
		else if (sscanf(hex, "%2x", &v) == 1)
			buf[n++] = (uint8_t)v;
	}
	jpki_card_process(c, buf, n, out);
}

static int build_once(void)
{
	struct jpki_card *c = NULL;
	if (jpki_card_new(master, serial, &c, NULL) < 0)
		return -1;
	c->kind = JPKI_CARD_KIND_MYNUMBER;
	c->has_expiry = true;
	c->expiry = (struct jpki_date){2035, 11, 27};
	memcpy(c->number, "123456789012", 12);
	for (int i = 0; i < 2; i++)
		if (!(c->key[i] = EVP_RSA_gen(2048)))
			return -1;
	for (int i = 0; i < JPKI_FILE_COUNT; i++) {
		c->file[i].data = OPENSSL_zalloc(JPKI_CARD_FILE_MAX);
		if (!c->file[i].data)
			return -1;
		c->file[i].data[0] = 0x30, c->file[i].data[1] = 0x82;
		c->file[i].data[2] = 0x01, c->file[i].data[3] = 0x2C;
		c->file[i].len = 300;
	}
	c->issuer_auth = true;
	c->app_selected = true;
	apdu(c, "80D8001804 31323334");
	apdu(c, "80D8001B06 414243313233");
	int rc = jpki_card_body_encode(c, &body, &body_len, NULL);
	jpki_card_free(c);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!body && build_once() < 0)
		abort();
	if (size < 1)
		return 0;
	struct jpki_card *c = NULL;
	if (jpki_card_new(master, serial, &c, NULL) < 0 ||
	    jpki_card_body_decode(c, body, body_len, NULL) < 0)
		abort();
	int flaky = data[0] & 4;
	c->commit = flaky_commit;
	c->commit_arg = &flaky;
	if (data[0] & 1)
		apdu(c, "00A4040C0A D392F000260100000001");
	if (data[0] & 2)
		c->issuer_auth = true;
	size_t off = 1;
	while (off < size) {
		size_t n = data[off++];
		if (n > size - off)
			n = size - off;
		/* an exact-size copy, so a sanitizer sees reads past the end */
		uint8_t *cmd = malloc(n ? n : 1), out[JPKI_RAPDU_MAX];
		if (!cmd)
			abort();
		memcpy(cmd, data + off, n);
		off += n;
		if (n == 1 && cmd[0] <= 2) {
			jpki_card_power(c);
		} else if (!(n >= 2 && cmd[0] == 0x80 && cmd[1] == 0x46)) {
			size_t r = jpki_card_process(c, cmd, n, out);
			if (r < 2 || r > JPKI_RAPDU_MAX)
				abort();
		}
		free(cmd);
		for (int i = 0; i < 2; i++)
			if (c->pin[i].tries > c->pin[i].max ||
			    (c->verified[i] && c->pin[i].tries != c->pin[i].max))
				abort();
	}
	jpki_card_free(c);
	return 0;
}
