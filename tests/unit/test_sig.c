/*
 * test_sig.c: the parts of src/lib/sig/ that read outside bytes without a
 * peer to judge them: the four facts out of a certificate (eras, former
 * surname and alias, refusals), text cleaning for reports, the SignedData
 * split and re-encoding with revocation values (DER order, version 5), and
 * the two-step CAdES path with a software key (prepare, tbs, finish, a
 * wrong value refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "core/ossl.h"
#include "sig/cades.h"
#include "sig/facts.h"
#include "sig/signeddata.h"

/* A self-signed certificate with these JPKI otherNames (name, sex, birth, address). */
static X509 *cert_with(const char *name, const char *sex, const char *birth, const char *addr,
                       EVP_PKEY **key_out)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	assert_non_null(key);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"t", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	const char *vals[4] = {name, sex, birth, addr};
	const char *arcs[4] = {"1", "3", "4", "5"};
	GENERAL_NAMES *gns = sk_GENERAL_NAME_new_null();
	for (int i = 0; i < 4; i++) {
		char oid[64];
		snprintf(oid, sizeof(oid), "1.2.392.200149.8.5.5.%s", arcs[i]);
		ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
		ASN1_TYPE *t = ASN1_TYPE_new();
		GENERAL_NAME *gn = GENERAL_NAME_new();
		assert_true(ASN1_STRING_set(u, vals[i], (int)strlen(vals[i])));
		ASN1_TYPE_set(t, V_ASN1_UTF8STRING, u);
		assert_true(GENERAL_NAME_set0_othername(gn, OBJ_txt2obj(oid, 1), t));
		sk_GENERAL_NAME_push(gns, gn);
	}
	assert_true(X509_add1_ext_i2d(x, NID_subject_alt_name, gns, 0, X509V3_ADD_DEFAULT));
	GENERAL_NAMES_free(gns);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	if (key_out)
		*key_out = key;
	else
		EVP_PKEY_free(key);
	return x;
}

static void test_facts_decoded(void **state)
{
	(void)state;
	struct jpki_facts f;
	struct jpki_err err;
	X509 *x = cert_with("山田　花子［旧氏　佐藤］［通称　ハナ］", "2", "319750301",
	                    "東京都立川市泉町1156-9", NULL);
	assert_int_equal(jpki_facts_read(x, &f, &err), 0);
	assert_true(f.present);
	assert_string_equal(f.name, "山田　花子");
	assert_string_equal(f.former, "佐藤");
	assert_string_equal(f.alias, "ハナ");
	assert_string_equal(f.birth, "1975-03-01");
	assert_string_equal(f.birth_era, "昭和50年3月1日");
	assert_int_equal(f.sex, 2);
	assert_string_equal(jpki_sex_name(f.sex), "female");
	assert_string_equal(f.address, "東京都立川市泉町1156-9");
	X509_free(x);
}

static void test_eras(void **state)
{
	(void)state;
	static const struct {
		const char *value, *era;
	} cases[] = {
	    {"520190501", "令和元年5月1日"},
	    {"419890108", "平成元年1月8日"},
	    {"419890107", NULL /* 昭和64年: the era digit is wrong */},
	    {"319890107", "昭和64年1月7日"},
	    {"219120730", "大正元年7月30日"},
	    {"118681023", "明治元年10月23日"},
	    {"018681022", "1868年10月22日"},
	    {"320260230", NULL /* no 30 February */},
	    {"3197503011", NULL},
	    {"x19750301", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jpki_facts f;
		struct jpki_err err;
		X509 *x = cert_with("名　前", "1", cases[i].value, "住所", NULL);
		int rc = jpki_facts_read(x, &f, &err);
		if (cases[i].era) {
			assert_int_equal(rc, 0);
			assert_string_equal(f.birth_era, cases[i].era);
		} else {
			assert_int_equal(rc, -JPKI_E_INVALID);
			assert_non_null(strstr(err.msg, "date of birth"));
		}
		X509_free(x);
	}
}

static void test_sex_refused(void **state)
{
	(void)state;
	struct jpki_facts f;
	struct jpki_err err;
	X509 *x = cert_with("名　前", "9", "319750301", "住所", NULL);
	assert_int_equal(jpki_facts_read(x, &f, &err), -JPKI_E_INVALID);
	X509_free(x);
}

static void test_text_clean(void **state)
{
	(void)state;
	char a[64] = "ok \x1b[31mred\x7f";
	jpki_text_clean(a, sizeof(a));
	assert_string_equal(a, "ok ?[31mred?");
	char b[64] = "\xe6\x9d\xb1\xff\xe4\xba"; /* 東, a stray byte, a cut character */
	jpki_text_clean(b, sizeof(b));
	assert_string_equal(b, "\xe6\x9d\xb1\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	char c[64] = "\xc2\x85"
	             "x\xed\xa0\x80"; /* C1 NEL; a surrogate */
	jpki_text_clean(c, sizeof(c));
	assert_string_equal(c, "?x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	char d[5] = "\xe6\x9d\xb1\xe6"; /* cut to 4 bytes: no half character */
	jpki_text_clean(d, sizeof(d));
	assert_string_equal(d, "\xe6\x9d\xb1");
}

static int rsa_sign(void *arg, const uint8_t di[JPKI_DIGESTINFO_LEN], uint8_t *sig, size_t *len,
                    struct jpki_err *err)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(arg, NULL);
	int ok = c && EVP_PKEY_sign_init(c) == 1 &&
	         EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
	         EVP_PKEY_sign(c, sig, len, di, JPKI_DIGESTINFO_LEN) == 1;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : jpki_fail(err, JPKI_E_CRYPTO, "sign");
}

static int count_kinds(enum jpki_rev_kind kind, const uint8_t *der, size_t len, void *arg)
{
	(void)der, (void)len;
	*(int *)arg += kind == JPKI_REV_CRL ? 100 : 1;
	return 0;
}

static void test_two_steps(void **state)
{
	(void)state;
	EVP_PKEY *key = NULL, *other = EVP_RSA_gen(2048);
	X509 *x = cert_with("名　前", "1", "319750301", "住所", &key);
	static const uint8_t doc[] = "a filing";
	CMS_ContentInfo *cms = NULL;
	struct jpki_err err;
	uint8_t di[JPKI_DIGESTINFO_LEN], sig[512], bad[512];
	size_t n = sizeof(sig), bn = sizeof(bad);
	assert_int_equal(jpki_cades_prepare(doc, sizeof(doc) - 1, false, x, 1795654800, &cms, &err),
	                 0);
	assert_int_equal(jpki_cades_tbs(cms, di, &err), 0);
	assert_int_equal(rsa_sign(other, di, bad, &bn, &err), 0);
	assert_int_equal(jpki_cades_finish(cms, bad, bn, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_cades_finish(cms, bad, 0, &err), -JPKI_E_INVALID);
	assert_int_equal(rsa_sign(key, di, sig, &n, &err), 0);
	assert_int_equal(jpki_cades_finish(cms, sig, n, &err), 0);
	/* libcrypto itself accepts the result, read back (signature over the signed attributes) */
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	CMS_ContentInfo *read = NULL;
	CMS_SignerInfo *si;
	assert_int_equal(jpki_cades_encode(cms, NULL, NULL, &plain, &plain_len, &err), 0);
	assert_int_equal(jpki_cades_parse(plain, plain_len, &read, &err), 0);
	assert_int_equal(jpki_cades_signer(read, &si, &err), 0);
	CMS_SignerInfo_set1_signer_cert(si, x);
	assert_int_equal(CMS_SignerInfo_verify(si), 1);
	CMS_ContentInfo_free(read);
	free(plain);

	/* B-LT's values: two OCSP-like blobs and a CRL-like one, in DER order, version 5 */
	static const uint8_t ocsp_b[] = {0x30, 0x03, 0x0A, 0x01, 0x02};
	static const uint8_t ocsp_a[] = {0x30, 0x03, 0x0A, 0x01, 0x01};
	static const uint8_t crl[] = {0x30, 0x00};
	struct jpki_revocation_values rv = {
	    .ocsp = {{ocsp_b, sizeof(ocsp_b)}, {ocsp_a, sizeof(ocsp_a)}},
	    .n_ocsp = 2,
	    .crl = {{crl, sizeof(crl)}},
	    .n_crl = 1};
	uint8_t *der = NULL;
	size_t len = 0;
	assert_int_equal(jpki_cades_encode(cms, NULL, &rv, &der, &len, &err), 0);
	struct jpki_signeddata sd;
	assert_int_equal(jpki_sd_split(der, len, &sd, &err), 0);
	assert_true(sd.has_crls);
	assert_memory_equal(sd.version.p, "\x02\x01\x05", 3);
	/* the crls SET: the CRL (tag 30) sorts before the two others (A1), a before b */
	const uint8_t *p = sd.crls.p + 2;
	assert_int_equal(p[0], 0x30);
	assert_int_equal(p[2], 0xA1);
	assert_non_null(memmem(p, sd.crls.len, ocsp_a, sizeof(ocsp_a)));
	assert_true(memmem(p, sd.crls.len, ocsp_a, sizeof(ocsp_a)) <
	            memmem(p, sd.crls.len, ocsp_b, sizeof(ocsp_b)));
	/* the walk finds them again: the CRL, then the two responses (real ones: t_sign.sh) */
	int kinds = 0;
	assert_int_equal(jpki_sd_revocations(&sd, count_kinds, &kinds, &err), 0);
	assert_int_equal(kinds, 100 + 1 + 1);
	free(der);
	CMS_ContentInfo_free(cms);
	X509_free(x);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static void test_split_refuses(void **state)
{
	(void)state;
	struct jpki_signeddata sd;
	struct jpki_err err;
	static const uint8_t junk[] = {0x30, 0x05, 0x06, 0x03, 0x2A, 0x03, 0x04};
	static const uint8_t trailing[] = {0x30, 0x00, 0x00};
	static const uint8_t longlen[] = {0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF};
	assert_int_equal(jpki_sd_split(junk, sizeof(junk), &sd, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_sd_split(trailing, sizeof(trailing), &sd, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_sd_split(longlen, sizeof(longlen), &sd, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_sd_split(NULL, 0, &sd, &err), -JPKI_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_facts_decoded), cmocka_unit_test(test_eras),
	    cmocka_unit_test(test_sex_refused),   cmocka_unit_test(test_text_clean),
	    cmocka_unit_test(test_two_steps),     cmocka_unit_test(test_split_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
