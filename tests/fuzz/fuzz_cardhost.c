/*
 * fuzz_cardhost.c: the host side of a card (src/lib/cardhost/host.c) fed by
 * a reader that answers whatever the input says (the lesson of OpenSC's
 * batches of CVEs: a card's answers are outside input like any other).
 *
 * Input: a selector byte, then answers `len (1) | bytes`, one per APDU the
 * host sends (an exhausted input answers with nothing: a transport error).
 * The selector picks the host call: info, the certificate read, the token,
 * PIN status, VERIFY, a signature, the public key read, SELECT of an EF.
 *
 * Checked: nothing is written past a buffer (ASan); a call that succeeds
 * hands back sane values (a certificate at most the file size, tries 0..15,
 * a token NUL-terminated); a failing call leaves its outputs untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cardhost/host.h"
#include "cardhost/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake {
	struct jpki_transport t;
	const uint8_t *p;
	size_t left;
};

static int fake_tx(struct jpki_transport *t, const uint8_t *c, size_t n, uint8_t r[JPKI_RAPDU_MAX],
                   size_t *rl, struct jpki_err *err)
{
	struct fake *f = (struct fake *)t;
	(void)c, (void)n;
	if (f->left == 0)
		return jpki_fail(err, JPKI_E_NO_CARD, "the fake reader has no more answers");
	size_t len = f->p[0];
	f->p++, f->left--;
	if (len > f->left)
		len = f->left;
	if (len > JPKI_RAPDU_MAX)
		len = JPKI_RAPDU_MAX;
	memcpy(r, f->p, len);
	f->p += len, f->left -= len;
	*rl = len;
	return 0;
}

static int fake_reset(struct jpki_transport *t, struct jpki_err *err)
{
	(void)t, (void)err;
	return 0;
}

static void fake_close(struct jpki_transport *t)
{
	(void)t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct jpki_transport_ops ops = {fake_tx, fake_reset, fake_close};
	if (size < 1)
		return 0;
	struct fake f = {{&ops, "fuzz"}, data + 1, size - 1};
	struct jpki_err err;
	struct jpki_card_info info;
	uint8_t *der = NULL, sig[256];
	size_t len = 0;
	int tries = -1;
	char token[33];
	switch (data[0] % 8) {
	case 0:
		if (jpki_host_info(&f.t, &info, &err) == 0 &&
		    (info.number[sizeof(info.number) - 1] != '\0' || info.tries[0] > 15))
			abort();
		break;
	case 1:
		if (jpki_host_read_cert(&f.t,
		                        data[0] & 0x80 ? JPKI_FID_SIGN_CERT : JPKI_FID_AUTH_CERT,
		                        &der, &len, &err) == 0 &&
		    (!der || len == 0 || len > 65536))
			abort();
		free(der);
		break;
	case 2:
		if (jpki_host_read_token(&f.t, token, &err) == 0 && strlen(token) > 32)
			abort();
		break;
	case 3:
		if (jpki_host_pin_status(&f.t, JPKI_PIN_AUTH, &tries, &err) == 0 &&
		    (tries < 0 || tries > 15))
			abort();
		break;
	case 4:
		(void)!jpki_host_verify(&f.t, JPKI_PIN_SIGN, "ABC123", &tries, &err);
		if (tries < -1 || tries > 15)
			abort();
		break;
	case 5:
		(void)!jpki_host_sign_raw(&f.t, JPKI_PIN_AUTH, (const uint8_t *)"0123456789", 10,
		                          sig, &err);
		break;
	case 6:
		if (jpki_host_read_pubkey(&f.t, JPKI_PIN_AUTH, &der, &len, &err) == 0 && !der)
			abort();
		free(der);
		break;
	default:
		(void)!jpki_host_select_ef(&f.t, 0x000A, &err);
		break;
	}
	return 0;
}
