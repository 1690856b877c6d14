/*
 * pem.c: RFC 7468 text encoding through OpenSSL's PEM writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "ossl.h"
#include "pem.h"

int jpki_pem_encode(const char *label, const uint8_t *der, size_t len, char **ret,
                    struct jpki_err *err)
{
	_cleanup_(BIOp) BIO *b = BIO_new(BIO_s_mem());
	char *data;
	if (!b || PEM_write_bio(b, label, "", der, (long)len) <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot PEM-encode");
	long n = BIO_get_mem_data(b, &data);
	char *out = malloc((size_t)n + 1);
	if (!out)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*ret = out;
	return 0;
}
