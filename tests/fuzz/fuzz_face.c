/*
 * fuzz_face.c: jpki_face_decode, the parser of the card-face attribute file
 * (EF 0002 of the card-face text application) that a card hands the
 * counter.  An accepted file must encode back to bytes that decode to the
 * same facts.
 */
#include <stdint.h>
#include <string.h>

#include "cardhost/face.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpki_card_face f, back;
	struct jpki_err err;
	uint8_t buf[JPKI_FACE_MAX];
	size_t len = 0;
	if (jpki_face_decode(data, size, &f, &err) != 0)
		return 0;
	if (jpki_face_encode(&f, buf, sizeof(buf), &len, &err) != 0)
		return 0; /* a name or address past the encoder's room: refused, not truncated */
	if (jpki_face_decode(buf, len, &back, &err) != 0 || strcmp(back.name, f.name) != 0 ||
	    strcmp(back.address, f.address) != 0 || jpki_date_cmp(back.birth, f.birth) != 0 ||
	    back.sex != f.sex)
		__builtin_trap();
	return 0;
}
