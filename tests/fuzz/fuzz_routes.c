/*
 * fuzz_routes.c: what `jpki serve` does with a request's path before any
 * registry or key is touched: the unescaping (http/guard.c), the choice of
 * route (CRL, OCSP), the CRL partition parser and the OCSP GET decoder.
 *
 * Checked: a parsed CRL path names a kind and the full CRL or a partition in
 * range, and prints back to the same path; an OCSP GET decodes to at most the cap; the
 * unescaper never grows the path.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/crl_http.h"
#include "http/guard.h"
#include "http/ocsp_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	size_t before = strlen(url);
	bool control;
	if (jpki_url_unescape(url, &control) > before)
		abort();
	enum jpki_kind kind;
	int part = -2;
	bool delta;
	if (jpki_crl_http_route(url) && jpki_crl_http_parse(url, &kind, &part, &delta) == 0) {
		char again[64];
		if (part < -1 || part >= JPKI_CRL_PARTITIONS || (part < 0 && delta) ||
		    (kind != JPKI_KIND_SIGN && kind != JPKI_KIND_AUTH))
			abort();
		if (part < 0) /* the full CRL */
			snprintf(again, sizeof(again), "/crl/%s.crl", jpki_kind_name(kind));
		else
			snprintf(again, sizeof(again), "/crl/%s/%d%s.crl", jpki_kind_name(kind),
			         part, delta ? "-delta" : "");
		if (strcmp(again, url) != 0)
			abort();
	}
	if (jpki_ocsp_http_route(url)) {
		static uint8_t out[JPKI_OCSP_REQ_MAX];
		size_t len = 0;
		if (jpki_ocsp_http_decode(url + 5, out, sizeof(out), &len) == 0 &&
		    len > sizeof(out))
			abort();
	}
	free(url);
	return 0;
}
