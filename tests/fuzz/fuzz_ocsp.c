/*
 * fuzz_ocsp.c: OCSP request parsing and answering (status/ocsp.h) and the
 * GET path decoding of the HTTP side (http/ocsp_http.h).
 *
 * Every input is answered twice: as DER (a POST body) and, when it decodes,
 * as the base64 of a GET path.  Whatever the bytes, jpki_ocsp_respond must
 * return 0 with a DER OCSPResponse that OpenSSL parses, whose status is the
 * one in meta; a successful one must carry a basic response.
 *
 * The two CAs are fixed (test-only key and certificates below, made with
 * `openssl req -x509`, subjects OU=fuzz sign CA / OU=fuzz auth CA) so that
 * the seed corpus (made with `openssl ocsp -issuer ... -reqout`) names
 * them and reaches the signing path.  Each CA signs for itself here: the
 * delegated responder is not what is being fuzzed.  The registry is a
 * fake: the last hex digit of a serial picks good (0-4), revoked (5-9,
 * reason digit % 7) or unknown (A-F).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "http/ocsp_http.h"
#include "status/ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* test-only key: never used outside this fuzzer */
static const char key_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                              "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCQ7jt0lXyq1rVj\n"
                              "x/3Qsxt9Z5Aq2Am1f8IjyAma6lia8UAS8JkmEUj+Y0WkKLuoEOxQBTIJ9oUzvmPh\n"
                              "QHJS0S2pihY//ChOOVaWByQ6YAo3Phkpi7X7IFFVQULNH9WDNKWI7HYvXbEL/OCs\n"
                              "4N00VzbxHFFwZ7xp4zuohFu8tlQPyEMb7OJsxySjm4iIgdM+HC10m+ozGzdc9MBv\n"
                              "BUm5j1zPiytwpvTPoILX9YFLUDcPczFF+WjT3Uv4MBUG/glVVMSl7KltLQ2uhLq/\n"
                              "/Yent1x2aoXiCbUOn19L7tzboWqgZwSJxtmCYa82syqLIFw+SdsRMwTuF6dIMKeT\n"
                              "uvvUvTejAgMBAAECggEAC/tF+wtotQ7vDAK6nwhPm3x2VLRriQ+40xB0itQY4yZS\n"
                              "r74oSxdeu3klhr6/VNOhVbQ4QM6akH6K71JOoT4d0khSMpP8GQtwdxK8Ef9imNKP\n"
                              "bfnY35v6XVv5089v7Vrq3HkABEZwnpcXU/N7FhqntiMrMGnDD9XzVqkqlF1Wcb9y\n"
                              "v9t1Q36bjtOKdVZmxEWeNwTIM8kg3CGtSEa2kULSBCHqsL6YHK9II7p5ykZnwLSq\n"
                              "WkyqzuuFBobzZ6U/0Md1NkCLj21S71qniR2PYRZXiP0yufg3CvfJKPjQKjYfBPTF\n"
                              "pdmhd1EaNLQPIFQKMZc919yGmv7s7zeMZWRq7XOyUQKBgQDGkpuppAemGjj5N7B6\n"
                              "PNEm2mOJrokda6IoWdHPEAh9LQ9GfdF2pJ7soNFvyPFGigBCP2o55PsXFV9kZuaM\n"
                              "BTVJkVVBo/vb+KPPgNsLGI1qMkh6kKTm64HDbivxqx/qGtqIA2z7SlFcIiyy3y+5\n"
                              "S5z3YsxyTES/yi8TQ37+dAYbfQKBgQC62Db+DgXAnmgTGfedfFBLdnPCfMJEB7GY\n"
                              "FcSvfSQPmHhb5ID4M4oxzxFJIlmNPnW3+yvPypSHwpeFUPbpm8HU9qV+p/sfiNJS\n"
                              "7H13bPfVALhP9tGG1BMdAv7fVB5od8L7+cT3+QFqhnrB7iEXGw2vFlVB232rMdEG\n"
                              "VIr5+2HJnwKBgQCqd4+EWVlrodVJNSKePXl7tj1/I8N36z+hDkKMVIJFG5qidD6O\n"
                              "cJIyJ3jEUye126CPPqttmgJn9aQXqDLA/3OYfVhIaoM7er790uu4IdK82P/ZoDTA\n"
                              "PGsAn6K/650RNw5ldzNmoo0n3/qpb+ojUyMkSL+kW48lamdxTR9HR8k6bQKBgGnA\n"
                              "WJfAjgbwYU12ZAyxwKyFdY19mWJxzFWc9H6y4IcnL/Aqy8gvO6dnYIw5MeBcmrow\n"
                              "IiLwsNKKE8J0Cdw8uR91HkQqhVra0Nf4XCcM+NSJHMi9lOev/sVr3Z+/d5p/Nk/x\n"
                              "lUcYm3GUfcRnqDjwqfUQOd8VgPI1Nu5TSXmlizpXAoGBALJg7wOkYCvkwF/xrORP\n"
                              "g6lJ2BQl7uz9Zqp0rO1lJtB4C9bEU+jH2/211zzG1iYcP1ENqp3Hl3B3EHlEYgZy\n"
                              "SWYbvR3H0IsSqdCpA9zrgDrHAW2aSLrG+ubTuvXsL5JeQCZqOq2uqXvvDpHCBjmL\n"
                              "eifsEU8Zg78ya36v51vVwKMF\n"
                              "-----END PRIVATE KEY-----\n";
static const char sign_pem[] = "-----BEGIN CERTIFICATE-----\n"
                               "MIIDNjCCAh6gAwIBAgIBATANBgkqhkiG9w0BAQsFADAzMQswCQYDVQQGEwJKUDEN\n"
                               "MAsGA1UECgwESlBLSTEVMBMGA1UECwwMZnV6eiBzaWduIENBMCAXDTI2MTEyODA3\n"
                               "MTAyM1oYDzIxMjYxMTA0MDcxMDIzWjAzMQswCQYDVQQGEwJKUDENMAsGA1UECgwE\n"
                               "SlBLSTEVMBMGA1UECwwMZnV6eiBzaWduIENBMIIBIjANBgkqhkiG9w0BAQEFAAOC\n"
                               "AQ8AMIIBCgKCAQEAkO47dJV8qta1Y8f90LMbfWeQKtgJtX/CI8gJmupYmvFAEvCZ\n"
                               "JhFI/mNFpCi7qBDsUAUyCfaFM75j4UByUtEtqYoWP/woTjlWlgckOmAKNz4ZKYu1\n"
                               "+yBRVUFCzR/VgzSliOx2L12xC/zgrODdNFc28RxRcGe8aeM7qIRbvLZUD8hDG+zi\n"
                               "bMcko5uIiIHTPhwtdJvqMxs3XPTAbwVJuY9cz4srcKb0z6CC1/WBS1A3D3MxRflo\n"
                               "091L+DAVBv4JVVTEpeypbS0NroS6v/2Hp7dcdmqF4gm1Dp9fS+7c26FqoGcEicbZ\n"
                               "gmGvNrMqiyBcPknbETME7henSDCnk7r71L03owIDAQABo1MwUTAdBgNVHQ4EFgQU\n"
                               "kYUoIsZiz/0JF0mHW+9gUx4ZQpcwHwYDVR0jBBgwFoAUkYUoIsZiz/0JF0mHW+9g\n"
                               "Ux4ZQpcwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEACJv1NtLn\n"
                               "8PgkpN7LyOCe4EdTP2JB8hEDOC+rtz65NR3nX7m/dhOLKxwcnGX3X1qVhvCEJR8U\n"
                               "ii5olQUFEk8Snpx9zF0H3Urcpw7v6CXB+6v0ELTjaIjrv6Sb8fRqdZilozWUNC3F\n"
                               "BaUJZJQ704rCNhjGlw3FMMZ4NpLX+wy1l5XibzWHtG5dn551Btlcfla0zjX5hPZ3\n"
                               "IiDiaRR4XQnBYLA+y21If5A5lh636vZq9AQ5rIzpo0wUCaOz+d4wGwV9biwQtPUo\n"
                               "3mSWRnBg3Hmb0HG+1Xygngogf9dMZje4+qNw/0vf3yp4B2dxt5wL8RHyPC43+Yg6\n"
                               "Tayh9IZjnuDxRg==\n"
                               "-----END CERTIFICATE-----\n";
static const char auth_pem[] = "-----BEGIN CERTIFICATE-----\n"
                               "MIIDNjCCAh6gAwIBAgIBATANBgkqhkiG9w0BAQsFADAzMQswCQYDVQQGEwJKUDEN\n"
                               "MAsGA1UECgwESlBLSTEVMBMGA1UECwwMZnV6eiBhdXRoIENBMCAXDTI2MTEyODA3\n"
                               "MTAyM1oYDzIxMjYxMTA0MDcxMDIzWjAzMQswCQYDVQQGEwJKUDENMAsGA1UECgwE\n"
                               "SlBLSTEVMBMGA1UECwwMZnV6eiBhdXRoIENBMIIBIjANBgkqhkiG9w0BAQEFAAOC\n"
                               "AQ8AMIIBCgKCAQEAkO47dJV8qta1Y8f90LMbfWeQKtgJtX/CI8gJmupYmvFAEvCZ\n"
                               "JhFI/mNFpCi7qBDsUAUyCfaFM75j4UByUtEtqYoWP/woTjlWlgckOmAKNz4ZKYu1\n"
                               "+yBRVUFCzR/VgzSliOx2L12xC/zgrODdNFc28RxRcGe8aeM7qIRbvLZUD8hDG+zi\n"
                               "bMcko5uIiIHTPhwtdJvqMxs3XPTAbwVJuY9cz4srcKb0z6CC1/WBS1A3D3MxRflo\n"
                               "091L+DAVBv4JVVTEpeypbS0NroS6v/2Hp7dcdmqF4gm1Dp9fS+7c26FqoGcEicbZ\n"
                               "gmGvNrMqiyBcPknbETME7henSDCnk7r71L03owIDAQABo1MwUTAdBgNVHQ4EFgQU\n"
                               "kYUoIsZiz/0JF0mHW+9gUx4ZQpcwHwYDVR0jBBgwFoAUkYUoIsZiz/0JF0mHW+9g\n"
                               "Ux4ZQpcwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAKBrVdwHp\n"
                               "g3gP/31sdJLA81wzZ8icCEkpapCfdgNEU+xoXSgZUvvfKpyNnuUTysd98FE0jRWE\n"
                               "mWwwrXOLnU9LVcDV9ao+iIUeyjY7CUdwr4ekMZQtZsPPm5kIivi70W+2iVNoJbpY\n"
                               "c23GJweKqWUKFfzlvpFSzh6mJ6y2irAwGpvzatDTaIS+UbH6BJ0i9pAYV7xWKjNH\n"
                               "chdkjq8q4K+hmimxzhUlZ+ny2ZB6qv5X1gW6y+0xajr49reH1ndKQa99Vi8iQsg2\n"
                               "ErJImhNQMJseejdMzUrK5L4vM9hLQgcIXo8B0JFE+40i9/u9ANuMp8hjZVuFajkN\n"
                               "k3s7rQwzF66Kxw==\n"
                               "-----END CERTIFICATE-----\n";

static struct jpki_ca cas[2];
static struct jpki_ocsp *responder;

static int fake_lookup(void *arg, enum jpki_kind ca, const char *serial, struct jpki_cert_rec *out,
                       struct jpki_err *err)
{
	(void)arg;
	size_t n = strlen(serial);
	char last = n ? serial[n - 1] : 'F';
	if (last >= 'A')
		return jpki_fail(err, JPKI_E_NOT_FOUND, "unknown");
	memset(out, 0, sizeof(*out));
	out->kind = ca;
	int d = last - '0';
	out->status = d < 5 ? JPKI_CERT_VALID : JPKI_CERT_REVOKED;
	out->revoked_at = 1700000000;
	out->reason = (enum jpki_reason)(d % 7);
	return 0;
}

static void *pem_read(const char *pem, bool key)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	void *v = !b    ? NULL
	          : key ? (void *)PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
	                : (void *)PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!v)
		abort();
	return v;
}

static struct jpki_responder *self_responder(enum jpki_kind k)
{
	struct jpki_responder *r = calloc(1, sizeof(*r));
	if (!r || X509_up_ref(cas[k].cert) != 1 || EVP_PKEY_up_ref(cas[k].key) != 1)
		abort();
	r->kind = k;
	r->cert = cas[k].cert;
	r->key = cas[k].key;
	r->not_after = r->renew_at = INT64_MAX; /* never rolled over */
	return r;
}

static void init(void)
{
	struct jpki_err err;
	EVP_PKEY *key = pem_read(key_pem, true);
	const char *certs[2] = {sign_pem, auth_pem};
	for (int k = 0; k < 2; k++) {
		cas[k].kind = (enum jpki_kind)k;
		cas[k].cert = pem_read(certs[k], false);
		cas[k].key = key;
	}
	struct jpki_ocsp_cfg cfg = {
	    .cas = {&cas[0], &cas[1]},
	    .responders = {self_responder(JPKI_KIND_SIGN), self_responder(JPKI_KIND_AUTH)},
	    .lookup = fake_lookup,
	    .cache_max = 1024};
	if (jpki_ocsp_new(&cfg, &responder, &err) != 0)
		abort();
}

static void check(const uint8_t *req, size_t len, int64_t now)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	struct jpki_ocsp_meta m;
	if (jpki_ocsp_respond(responder, req, len, now, &der, &der_len, &m) != 0)
		abort();
	const unsigned char *p = der;
	OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)der_len);
	if (!r || p != der + der_len || OCSP_response_status(r) != (int)m.status)
		abort();
	if (m.status == JPKI_OCSP_SUCCESSFUL) {
		OCSP_BASICRESP *bs = OCSP_response_get1_basic(r);
		if (!bs || m.next_update <= m.this_update || strlen(m.etag) != 42)
			abort();
		OCSP_BASICRESP_free(bs);
	}
	OCSP_RESPONSE_free(r);
	free(der);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!responder)
		init();
	/* an exact-size copy, so ASan sees any read past the end */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	check(buf, size, 1700000000 + (int64_t)(size % 4000));
	free(buf);
	/* the same bytes as a GET path */
	char *path = malloc(size + 1);
	uint8_t *req = malloc(JPKI_OCSP_REQ_MAX);
	size_t len = 0;
	if (path && req) {
		if (size)
			memcpy(path, data, size);
		path[size] = '\0';
		if (jpki_ocsp_http_decode(path, req, JPKI_OCSP_REQ_MAX, &len) == 0)
			check(req, len, 1700000000);
	}
	free(path);
	free(req);
	ERR_clear_error();
	return 0;
}
