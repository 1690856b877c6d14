/* login_card.c: a login token signed on the card (login_card.h). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "card/card.h"
#include "core/base64.h"
#include "login_card.h"

char *login_token_json(const uint8_t *cert, size_t cert_len, const uint8_t sig[256])
{
	char *c = NULL, *s = NULL, *out = NULL;
	if ((c = jpki_base64_encode(cert, cert_len)) && (s = jpki_base64_encode(sig, 256))) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "format", "web-eid:1.0",
		                      "unverifiedCertificate", c, "algorithm", "RS256", "signature",
		                      s, "appVersion", "jpki " JPKI_VERSION);
		out = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
	}
	free(c), free(s);
	return out;
}

int login_card_token(struct jpki_transport *t, const char *pin, const char *origin,
                     const char *nonce, char **json, int *tries, struct jpki_err *err)
{
	uint8_t data[64], sig[256];
	unsigned int n = 32;
	uint8_t *cert = NULL;
	size_t cert_len = 0;
	int rc = 0;
	*tries = -1;
	*json = NULL;
	if (EVP_Digest(origin, strlen(origin), data, &n, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(nonce, strlen(nonce), data + 32, &n, EVP_sha256(), NULL) != 1)
		rc = jpki_fail(err, JPKI_E_CRYPTO, "SHA-256");
	if (rc == 0)
		rc = jpki_host_select_app(t, err);
	if (rc == 0)
		rc = jpki_host_verify(t, JPKI_PIN_AUTH, pin, tries, err);
	if (rc == 0)
		rc = jpki_host_read_cert(t, JPKI_FID_AUTH_CERT, &cert, &cert_len, err);
	if (rc == 0) /* RS256: SHA-256 over the 64 bytes, PKCS#1 v1.5 */
		rc = jpki_host_sign_sha256(t, JPKI_PIN_AUTH, data, sizeof(data), sig, err);
	if (rc == 0 && !(*json = login_token_json(cert, cert_len, sig)))
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	free(cert);
	return rc;
}
