/*
 * fuzz_cms.c: jpki_verify over a CAdES signature from outside (jpki verify,
 * the library call): CMS SignedData, its attributes, the time-stamp token
 * inside it and the revocation values of SignedData.crls.
 *
 * The seeds (corpus/cms/) are a B-B, a B-T and a B-LT signature of DOC by a
 * card of the CA below, so the mutations reach every check.  Offline, at a
 * fixed time: nothing is fetched.  Checked for every input: a report always
 * comes, its indication is one of the three, and a TOTAL-PASSED one has a
 * signer and a best signature time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_trust.h"
#include "jpki/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jpki_verifier *v;
	struct jpki_err err;
	if (!v) {
		if (jpki_verifier_new(&v, &err) < 0 ||
		    jpki_verifier_trust(v, (const uint8_t *)trust, sizeof(trust) - 1, &err) < 0)
			abort();
		jpki_verifier_set_revocation(v, JPKI_REVOCATION_OFFLINE);
		jpki_verifier_set_time(v, 1795654800); /* 2026-11-26T10:00:00+09:00 */
	}
	struct jpki_report *r = NULL;
	/* half the inputs as detached signatures of doc, half as attached ones */
	bool detached = size > 0 && (data[size - 1] & 1) == 0;
	if (jpki_verify(v, data, size, detached ? (const uint8_t *)doc : NULL,
	                detached ? sizeof(doc) - 1 : 0, &r, &err) < 0)
		abort();
	enum jpki_indication ind = jpki_report_indication(r);
	if (ind != JPKI_TOTAL_PASSED && ind != JPKI_TOTAL_FAILED && ind != JPKI_INDETERMINATE)
		abort();
	bool proven;
	if (ind == JPKI_TOTAL_PASSED && (!jpki_report_signer(r, JPKI_SIGNER_SUBJECT)[0] ||
	                                 jpki_report_best_time(r, &proven) <= 0))
		abort();
	char *j = jpki_report_json(r), *t = jpki_report_text(r);
	if (!j || !t)
		abort();
	free(j);
	free(t);
	jpki_report_free(r);
	return 0;
}
