/*
 * certcache.c: certificates decoded once (certcache.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/cursor.h"
#include "sig/certcache.h"

struct cached_cert {
	uint8_t key[32]; /* SHA-256 of the DER */
	X509 *x;
};

/*
 * Two rings, each replaced in turn: the certificates every document shares
 * (CAs, TSAs, OCSP responders: those with basicConstraints CA or an extended
 * key usage) and the signers', so a stream of signers never evicts the CA.
 */
#define SHARED 16
struct jpki_cert_cache {
	struct cached_cert e[SHARED + JPKI_CERT_CACHE];
	size_t next_shared, next_leaf;
};

int jpki_cert_cache_new(struct jpki_cert_cache **ret, struct jpki_err *err)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
}

void jpki_cert_cache_free(struct jpki_cert_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SHARED + JPKI_CERT_CACHE; i++)
		X509_free(c->e[i].x);
	free(c);
}

static X509 *decode(const uint8_t *der, size_t len)
{
	const uint8_t *p = der;
	X509 *x = len < (1u << 20) ? d2i_X509(NULL, &p, (long)len) : NULL;
	if (x && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	if (!x)
		ERR_clear_error();
	return x;
}

X509 *jpki_cert_cache_get(struct jpki_cert_cache *c, const uint8_t *der, size_t len)
{
	uint8_t key[32];
	if (!c)
		return decode(der, len);
	if (EVP_Digest(der, len, key, NULL, EVP_sha256(), NULL) != 1)
		return NULL;
	for (size_t i = 0; i < SHARED + JPKI_CERT_CACHE; i++)
		if (c->e[i].x && memcmp(c->e[i].key, key, 32) == 0)
			return X509_up_ref(c->e[i].x) ? c->e[i].x : NULL;
	X509 *x = decode(der, len);
	if (!x || !X509_up_ref(x))
		return x;
	bool shared = X509_check_ca(x) > 0 || (X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	struct cached_cert *slot = shared ? &c->e[c->next_shared++ % SHARED]
	                                  : &c->e[SHARED + c->next_leaf++ % JPKI_CERT_CACHE];
	X509_free(slot->x);
	memcpy(slot->key, key, 32);
	slot->x = x;
	return x;
}

int jpki_cert_cache_list(struct jpki_cert_cache *c, const uint8_t *p, size_t len,
                         STACK_OF(X509) * out, struct jpki_err *err)
{
	struct jpki_cur cur = jpki_cur_make(p, len);
	while (!jpki_cur_done(&cur)) {
		size_t start = cur.off, n;
		uint8_t tag;
		if (!jpki_cur_der_header(&cur, &tag, &n) || n > jpki_cur_left(&cur))
			return jpki_fail(err, JPKI_E_INVALID, "a malformed certificate list");
		cur.off += n;
		if (tag != 0x30)
			continue; /* an attribute or other certificate: not ours to use */
		X509 *x = jpki_cert_cache_get(c, p + start, cur.off - start);
		if (!x)
			return jpki_fail(err, JPKI_E_INVALID, "a certificate that does not decode");
		if (!sk_X509_push(out, x)) {
			X509_free(x);
			return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		}
	}
	return 0;
}
