/*
 * fuzz_xml.c: jpki_verify over an XML signature from outside (jpki verify,
 * POST /verify): libxml2's parser with our options, the profile checks of
 * SignedInfo, KeyInfo's certificates, and libxmlsec1's verification.
 *
 * Seeds (corpus/xml/): enveloped signatures by a card of fuzz_trust.h's CA.
 * Offline, at a fixed time.  Checked for every input: a report always comes
 * with one of the three indications, and JSON and text render.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_trust.h"
#include "jpki/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpki_verifier *v = fuzz_verifier();
	struct jpki_err err;
	/* always as XML: the first byte decides the format, so start every input with '<' */
	uint8_t *buf = malloc(size + 1);
	if (!buf)
		abort();
	buf[0] = '<';
	for (size_t i = 0; i < size; i++)
		buf[i + 1] = data[i];
	struct jpki_report *r = NULL;
	if (jpki_verify(v, buf, size + 1, NULL, 0, &r, &err) < 0)
		abort();
	fuzz_check_report(r);
	jpki_report_free(r);
	free(buf);
	return 0;
}
