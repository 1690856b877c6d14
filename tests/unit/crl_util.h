/*
 * crl_util.h: looking a serial up in a parsed CRL, for the unit tests.
 * Include after <cmocka.h>.
 */
#ifndef JPKI_TEST_CRL_UTIL_H
#define JPKI_TEST_CRL_UTIL_H

#include <openssl/bn.h>
#include <openssl/x509.h>

#include "core/hex.h"

/* The entry of the serial given in hex, or NULL when the CRL does not list it. */
static inline X509_REVOKED *crl_find_revoked(X509_CRL *crl, const char *hex)
{
	uint8_t bin[20];
	size_t len;
	assert_int_equal(jpki_serial_from_hex(hex, bin, sizeof(bin), &len), 0);
	BIGNUM *bn = BN_bin2bn(bin, (int)len, NULL);
	ASN1_INTEGER *sn = BN_to_ASN1_INTEGER(bn, NULL);
	X509_REVOKED *rev = NULL;
	int found = X509_CRL_get0_by_serial(crl, &rev, sn);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return found == 1 ? rev : NULL;
}

#endif
