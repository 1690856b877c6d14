/*
 * test_pubkey.c: the subject public key handed in for issuance
 * (src/lib/ca/pubkey.h).  JPKI certifies RSA-2048 keys generated on the
 * card (docs/rules.md, rule C1); the four accepted encodings must give the
 * same key, and everything else must be refused with the right code.
 * Keys are generated here, once for the whole program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ca/pubkey.h"

struct blob {
	uint8_t *p;
	size_t n;
};

struct keys {
	EVP_PKEY *rsa2048, *rsa1024, *ec, *rsa_e3;
	struct blob spki_pem, spki_der, csr_pem, csr_der;
};

static void blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static struct blob from_bio(BIO *bio)
{
	char *data;
	long len = BIO_get_mem_data(bio, &data);
	struct blob b = {malloc((size_t)len), (size_t)len};
	assert_true(len > 0);
	assert_non_null(b.p);
	memcpy(b.p, data, (size_t)len);
	BIO_free(bio);
	return b;
}

static struct blob from_der(unsigned char *der, int len)
{
	assert_true(len > 0);
	struct blob b = {malloc((size_t)len), (size_t)len};
	assert_non_null(b.p);
	memcpy(b.p, der, (size_t)len);
	OPENSSL_free(der);
	return b;
}

static struct blob spki_der(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(k, &der); /* before from_der reads der */
	return from_der(der, len);
}

static struct blob spki_pem(EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PUBKEY(bio, k), 1);
	return from_bio(bio);
}

static X509_REQ *make_csr(EVP_PKEY *k)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	assert_non_null(req);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                                            (const unsigned char *)"test", -1, -1, 0),
	                 1);
	assert_int_equal(X509_REQ_set_subject_name(req, n), 1);
	X509_NAME_free(n);
	assert_int_equal(X509_REQ_set_pubkey(req, k), 1);
	assert_true(X509_REQ_sign(req, k, EVP_sha256()) > 0);
	return req;
}

static struct blob csr_der(EVP_PKEY *k)
{
	X509_REQ *req = make_csr(k);
	unsigned char *der = NULL;
	int len = i2d_X509_REQ(req, &der);
	struct blob b = from_der(der, len);
	X509_REQ_free(req);
	return b;
}

static struct blob csr_pem(EVP_PKEY *k)
{
	X509_REQ *req = make_csr(k);
	BIO *bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_X509_REQ(bio, req), 1);
	X509_REQ_free(req);
	return from_bio(bio);
}

static EVP_PKEY *rsa_with_exponent(unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *bn = BN_new();
	EVP_PKEY *k = NULL;
	assert_non_null(ctx);
	assert_int_equal(BN_set_word(bn, e), 1);
	assert_true(EVP_PKEY_keygen_init(ctx) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) > 0);
	assert_true(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn) > 0);
	assert_true(EVP_PKEY_keygen(ctx, &k) > 0);
	BN_free(bn);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static int setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));
	if (!k)
		return -1;
	k->rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->rsa_e3 = rsa_with_exponent(2048, 3);
	if (!k->rsa2048 || !k->rsa1024 || !k->ec || !k->rsa_e3)
		return -1;
	k->spki_pem = spki_pem(k->rsa2048);
	k->spki_der = spki_der(k->rsa2048);
	k->csr_pem = csr_pem(k->rsa2048);
	k->csr_der = csr_der(k->rsa2048);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct keys *k = *state;
	EVP_PKEY_free(k->rsa2048);
	EVP_PKEY_free(k->rsa1024);
	EVP_PKEY_free(k->ec);
	EVP_PKEY_free(k->rsa_e3);
	blob_free(&k->spki_pem);
	blob_free(&k->spki_der);
	blob_free(&k->csr_pem);
	blob_free(&k->csr_der);
	free(k);
	return 0;
}

/* Parse b; on success check the key is `want` and that no OpenSSL error is left queued. */
static int parse(const struct blob *b, EVP_PKEY *want, struct jpki_err *err)
{
	EVP_PKEY *got = NULL;
	jpki_err_clear(err);
	int rc = jpki_pubkey_parse(b->p, b->n, &got, err);
	if (rc == 0) {
		assert_non_null(got);
		assert_int_equal(EVP_PKEY_eq(got, want), 1);
		EVP_PKEY_free(got);
	} else {
		assert_null(got); /* nothing handed out on failure */
		assert_int_equal(err->code, -rc);
		assert_true(err->msg[0] != '\0');
	}
	assert_int_equal(ERR_peek_error(), 0);
	return rc;
}

static void test_accepts_four_encodings(void **state)
{
	struct keys *k = *state;
	const struct {
		const char *what;
		const struct blob *b;
	} ok[] = {
	    {"PEM SPKI", &k->spki_pem},
	    {"DER SPKI", &k->spki_der},
	    {"PEM CSR", &k->csr_pem},
	    {"DER CSR", &k->csr_der},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct jpki_err err;
		if (parse(ok[i].b, k->rsa2048, &err) != 0)
			fail_msg("%s refused: %s", ok[i].what, err.msg);
	}
}

static void test_weak_and_wrong_keys(void **state)
{
	struct keys *k = *state;
	const struct {
		const char *what;
		EVP_PKEY *key;
		struct blob (*enc)(EVP_PKEY *);
		enum jpki_code code;
	} bad[] = {
	    {"RSA-1024 DER SPKI", k->rsa1024, spki_der, JPKI_E_WEAK_KEY},
	    {"RSA-1024 PEM SPKI", k->rsa1024, spki_pem, JPKI_E_WEAK_KEY},
	    {"RSA-1024 DER CSR", k->rsa1024, csr_der, JPKI_E_WEAK_KEY},
	    {"EC P-256 DER SPKI", k->ec, spki_der, JPKI_E_BAD_KEY},
	    {"EC P-256 PEM SPKI", k->ec, spki_pem, JPKI_E_BAD_KEY},
	    {"EC P-256 PEM CSR", k->ec, csr_pem, JPKI_E_BAD_KEY},
	    {"RSA-2048 with e = 3", k->rsa_e3, spki_der, JPKI_E_BAD_KEY},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct blob b = bad[i].enc(bad[i].key);
		struct jpki_err err;
		int rc = parse(&b, bad[i].key, &err);
		if (rc != -(int)bad[i].code)
			fail_msg("%s: rc %d (%s), want -%d", bad[i].what, rc, err.msg, bad[i].code);
		blob_free(&b);
	}
}

/* A copy of src with `cut` bytes removed from the end and `extra` appended. */
static struct blob variant(const struct blob *src, size_t cut, const char *extra, size_t nextra)
{
	struct blob b = {malloc(src->n + nextra + 1), src->n - cut + nextra};
	assert_non_null(b.p);
	memcpy(b.p, src->p, src->n - cut);
	memcpy(b.p + src->n - cut, extra, nextra);
	return b;
}

static void test_malformed_inputs(void **state)
{
	struct keys *k = *state;
	struct blob cases[10];
	const char *what[10];
	size_t n = 0;
	what[n] = "garbage text";
	cases[n++] = variant(&(struct blob){(uint8_t *)"hello, world", 12}, 0, "", 0);
	what[n] = "truncated DER SPKI";
	cases[n++] = variant(&k->spki_der, 10, "", 0);
	what[n] = "DER SPKI with a trailing byte";
	cases[n++] = variant(&k->spki_der, 0, "\0", 1);
	what[n] = "truncated DER CSR";
	cases[n++] = variant(&k->csr_der, 1, "", 0);
	what[n] = "DER CSR with trailing bytes";
	cases[n++] = variant(&k->csr_der, 0, "\x05\x00", 2);
	what[n] = "PEM cut in the middle";
	cases[n++] = variant(&k->spki_pem, k->spki_pem.n / 2, "", 0);
	what[n] = "PEM header only";
	cases[n++] =
	    variant(&(struct blob){(uint8_t *)"-----BEGIN PUBLIC KEY-----\n", 27}, 0, "", 0);
	/* a CSR whose signature was corrupted: flip a bit in its last byte */
	what[n] = "CSR with a corrupted signature";
	cases[n] = variant(&k->csr_der, 0, "", 0);
	cases[n].p[cases[n].n - 1] ^= 0x01;
	n++;
	for (size_t i = 0; i < n; i++) {
		struct jpki_err err;
		int rc = parse(&cases[i], k->rsa2048, &err);
		if (rc != -JPKI_E_BAD_KEY)
			fail_msg("%s: rc %d, want BAD_KEY", what[i], rc);
		blob_free(&cases[i]);
	}
}

static void test_empty_and_oversized(void **state)
{
	struct keys *k = *state;
	EVP_PKEY *got = NULL;
	struct jpki_err err;
	uint8_t empty[1] = {0};
	assert_int_equal(jpki_pubkey_parse(empty, 0, &got, &err), -JPKI_E_BAD_KEY);
	assert_null(got);
	/* a valid PEM key buried in more than JPKI_PUBKEY_FILE_MAX bytes is refused */
	size_t big = JPKI_PUBKEY_FILE_MAX + 1;
	uint8_t *buf = malloc(big);
	assert_non_null(buf);
	memset(buf, '\n', big);
	memcpy(buf, k->spki_pem.p, k->spki_pem.n);
	assert_int_equal(jpki_pubkey_parse(buf, big, &got, &err), -JPKI_E_BAD_KEY);
	assert_null(got);
	/* ... but the same bytes within the limit are fine */
	assert_int_equal(jpki_pubkey_parse(buf, JPKI_PUBKEY_FILE_MAX, &got, &err), 0);
	EVP_PKEY_free(got);
	free(buf);
	/* a NULL error context is allowed */
	got = NULL;
	assert_int_equal(jpki_pubkey_parse((const uint8_t *)"junk", 4, &got, NULL),
	                 -JPKI_E_BAD_KEY);
	assert_null(got);
	assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts_four_encodings),
	    cmocka_unit_test(test_weak_and_wrong_keys),
	    cmocka_unit_test(test_malformed_inputs),
	    cmocka_unit_test(test_empty_and_oversized),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
