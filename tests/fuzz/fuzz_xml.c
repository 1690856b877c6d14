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
	static struct jpki_verifier *v;
	struct jpki_err err;
	(void)doc;
	if (!v) {
		if (jpki_verifier_new(&v, &err) < 0 ||
		    jpki_verifier_trust(v, (const uint8_t *)trust, sizeof(trust) - 1, &err) < 0)
			abort();
		jpki_verifier_set_revocation(v, JPKI_REVOCATION_OFFLINE);
		jpki_verifier_set_time(v, 1795654800); /* 2026-11-26T10:00:00+09:00 */
	}
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
	enum jpki_indication ind = jpki_report_indication(r);
	if (ind != JPKI_TOTAL_PASSED && ind != JPKI_TOTAL_FAILED && ind != JPKI_INDETERMINATE)
		abort();
	char *j = jpki_report_json(r), *t = jpki_report_text(r);
	if (!j || !t)
		abort();
	free(j);
	free(t);
	jpki_report_free(r);
	free(buf);
	return 0;
}
