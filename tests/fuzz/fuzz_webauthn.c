/*
 * fuzz_webauthn.c: the readers of what a browser hands over in a WebAuthn
 * ceremony (src/lib/operator/webauthn_parse.c, core/cbor.c).  The first
 * byte picks the reader: 0 clientDataJSON (of either ceremony), 1 an
 * attestation object and then its authenticator data, 2 authenticator data
 * with attested credential data, 3 without (an assertion's).  What a reader
 * accepts must lie within the input: the borrowed pointers are read through.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cbor.h"
#include "operator/webauthn_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sink ^= p[i];
}

static void authdata(const uint8_t *p, size_t n, bool attested)
{
	struct jpki_wa_authdata ad;
	struct jpki_err err;
	if (jpki_wa_authdata_parse(p, n, attested, &ad, &err) < 0)
		return;
	touch(ad.rp_id_hash, 32);
	if (!ad.attested)
		return;
	touch(ad.aaguid, 16);
	touch(ad.cred_id, ad.cred_id_len);
	if (ad.cred_id_len == 0 || ad.cred_id_len > JPKI_WA_CRED_ID_MAX ||
	    (ad.key.raw_len != 64 && ad.key.raw_len != 32))
		abort();
}

static void attobj(const uint8_t *p, size_t n)
{
	struct jpki_wa_attobj ao;
	struct jpki_err err;
	if (jpki_wa_attobj_parse(p, n, &ao, &err) < 0)
		return;
	touch(ao.stmt, ao.stmt_len);
	touch(ao.sig, ao.sig_len);
	touch(ao.x5c, ao.x5c_len);
	authdata(ao.auth_data, ao.auth_data_len, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t challenge[32] = {1, 2, 3};
	struct jpki_err err;
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	struct jpki_cur c = jpki_cur_make(p, n);
	switch (data[0] & 3) {
	case 0:
		if (jpki_wa_client_data_check(p, n, data[0] & 4 ? JPKI_WA_GET : JPKI_WA_CREATE,
		                              challenge, "https://counter.example.jp", &err) == 0)
			sink ^= 1;
		break;
	case 1:
		attobj(p, n);
		break;
	default:
		authdata(p, n, (data[0] & 3) == 2);
		break;
	}
	(void)jpki_cbor_skip(&c, JPKI_CBOR_DEPTH);
	if (c.off > n)
		abort();
	return 0;
}
