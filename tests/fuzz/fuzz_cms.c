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
	struct jpki_verifier *v = fuzz_verifier();
	struct jpki_err err;
	struct jpki_report *r = NULL;
	/* half the inputs as detached signatures of doc, half as attached ones */
	bool detached = size > 0 && (data[size - 1] & 1) == 0;
	if (jpki_verify(v, data, size, detached ? (const uint8_t *)doc : NULL,
	                detached ? sizeof(doc) - 1 : 0, &r, &err) < 0)
		abort();
	fuzz_check_report(r);
	bool proven;
	if (jpki_report_indication(r) == JPKI_TOTAL_PASSED &&
	    (!jpki_report_signer(r, JPKI_SIGNER_SUBJECT)[0] ||
	     jpki_report_best_time(r, &proven) <= 0))
		abort();
	jpki_report_free(r);
	return 0;
}
