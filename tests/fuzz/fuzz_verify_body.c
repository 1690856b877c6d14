/*
 * fuzz_verify_body.c: jpki_verify_body_parse, the JSON body of POST /verify
 * (jansson, then strict base64).
 *
 * Checked for every input: either a reason and no buffers, or a signature
 * of at least one byte (and a document only with its bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/verify_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *sig = (uint8_t *)1, *doc = (uint8_t *)1;
	size_t sig_len = 7, doc_len = 7;
	const char *why = jpki_verify_body_parse(data, size, &sig, &sig_len, &doc, &doc_len);
	if (why) {
		if (sig || doc || !why[0])
			abort();
		return 0;
	}
	if (!sig || sig_len == 0 || (!doc && doc_len != 0))
		abort();
	free(sig);
	free(doc);
	return 0;
}
