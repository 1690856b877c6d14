/*
 * fuzz_card_body.c: the decoder of a card image's body (src/lib/card/image.c).
 *
 * The body sits behind AES-GCM, so only the issuer can forge one; it is
 * still parsed as outside bytes, through the bounded cursor, and this
 * target holds it to that.  A body that decodes must encode back to a body
 * that decodes to the same encoding (a round trip).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "card/card.h"
#include "card/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t master[JPKI_CARD_KEY_LEN] = {9, 8, 7};
static const uint8_t serial[JPKI_CHIP_SERIAL_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpki_card *a = NULL, *b = NULL;
	uint8_t *e1 = NULL, *e2 = NULL;
	size_t n1 = 0, n2 = 0;
	if (jpki_card_new(master, serial, &a, NULL) < 0 ||
	    jpki_card_new(master, serial, &b, NULL) < 0)
		abort();
	if (jpki_card_body_decode(a, data, size, NULL) == 0) {
		if (jpki_card_body_encode(a, &e1, &n1, NULL) < 0 ||
		    jpki_card_body_decode(b, e1, n1, NULL) < 0 ||
		    jpki_card_body_encode(b, &e2, &n2, NULL) < 0 || n1 != n2 ||
		    memcmp(e1, e2, n1) != 0)
			abort();
	}
	OPENSSL_clear_free(e1, n1);
	OPENSSL_clear_free(e2, n2);
	jpki_card_free(a);
	jpki_card_free(b);
	return 0;
}
