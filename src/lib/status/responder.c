/*
 * responder.c: issuing, storing and rolling over the delegated OCSP
 * responder certificate of each CA.
 *
 * The responder key is RSA-2048 like everything else in JPKI: relying
 * parties (the card middleware, browsers) expect RSA, and the live
 * signing rate only matters for nonce requests, since responses without a
 * nonce are pre-signed and cached (docs/ocsp.md, "Key").
 *
 * Rollover writes in an order that a crash at any point leaves a state the
 * next start repairs without losing a key that certified responses:
 *   1. key.pem  -> key.pem.old     (a lone cert.pem means: step 2 missing)
 *   2. cert.pem -> cert.pem.old
 *   3. new key.pem (atomic, 0600)  (a lone key.pem was never certified)
 *   4. new cert.pem (atomic)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/fsutil.h"
#include "core/ossl.h"
#include "jpki/date.h"
#include "responder.h"

#define FILE_CAP (64 * 1024)

const struct jpki_service_profile jpki_ocsp_profile = {
    .dir = "ocsp",
    .cn = "OCSP responder",
    .eku_nid = NID_OCSP_sign,
    .eku_critical = false,
    .nocheck = true,
    .validity = JPKI_RESPONDER_VALIDITY,
    .rollover = JPKI_RESPONDER_ROLLOVER,
};

struct paths {
	char dir[4096], cert[4200], key[4200], cert_old[4200], key_old[4200];
};

static int make_paths(const struct jpki_service_profile *pr, const struct jpki_ctx *ctx,
                      enum jpki_kind kind, struct paths *p, struct jpki_err *err)
{
	char name[64];
	snprintf(name, sizeof(name), "%s/%s", pr->dir, jpki_kind_name(kind));
	int rc = jpki_data_path(ctx, p->dir, sizeof(p->dir), name, err);
	if (rc < 0)
		return rc;
	snprintf(p->cert, sizeof(p->cert), "%s/cert.pem", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/key.pem", p->dir);
	snprintf(p->cert_old, sizeof(p->cert_old), "%s/cert.pem.old", p->dir);
	snprintf(p->key_old, sizeof(p->key_old), "%s/key.pem.old", p->dir);
	return 0;
}

void jpki_responder_free(struct jpki_responder *r)
{
	if (!r)
		return;
	X509_free(r->cert);
	EVP_PKEY_free(r->key);
	free(r);
}

static int asn1_to_epoch(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* Wrap cert and key (taken) into a responder. */
static int wrap(const struct jpki_service_profile *pr, enum jpki_kind kind, X509 **cert,
                EVP_PKEY **key, struct jpki_responder **ret, struct jpki_err *err)
{
	struct jpki_responder *r = calloc(1, sizeof(*r));
	if (!r)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	r->kind = kind;
	r->cert = TAKE_PTR(*cert);
	r->key = TAKE_PTR(*key);
	if (asn1_to_epoch(X509_get0_notAfter(r->cert), &r->not_after) < 0) {
		jpki_responder_free(r);
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "unreadable responder notAfter");
	}
	r->renew_at = r->not_after - pr->rollover;
	*ret = r;
	return 0;
}

static int name_add(X509_NAME *n, int nid, int type, const unsigned char *v, int len)
{
	return X509_NAME_add_entry_by_NID(n, nid, type, v, len, -1, 0) == 1 ? 0 : -1;
}

/* C=JP, O=JPKI, OU=<the CA's first OU>, CN=<service> YYYYMMDD (JST) */
static X509_NAME *subject(const struct jpki_service_profile *pr, const struct jpki_ca *ca,
                          int64_t now)
{
	const X509_NAME *ca_name = X509_get_subject_name(ca->cert);
	int i = X509_NAME_get_index_by_NID(ca_name, NID_organizationalUnitName, -1);
	const ASN1_STRING *ou =
	    i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(ca_name, i)) : NULL;
	struct jpki_date d = jpki_jst_date(now);
	char cn[64];
	snprintf(cn, sizeof(cn), "%s %04d%02d%02d", pr->cn, d.y, d.m, d.d);
	_cleanup_(X509_NAMEp) X509_NAME *n = X509_NAME_new();
	if (!n || !ou ||
	    name_add(n, NID_countryName, V_ASN1_PRINTABLESTRING, (const unsigned char *)"JP", -1) <
	        0 ||
	    name_add(n, NID_organizationName, V_ASN1_UTF8STRING, (const unsigned char *)"JPKI",
	             -1) < 0 ||
	    name_add(n, NID_organizationalUnitName, V_ASN1_UTF8STRING, ASN1_STRING_get0_data(ou),
	             ASN1_STRING_length(ou)) < 0 ||
	    name_add(n, NID_commonName, V_ASN1_UTF8STRING, (const unsigned char *)cn, -1) < 0)
		return NULL;
	return TAKE_PTR(n);
}

static int add_owned(X509 *x, X509_EXTENSION *ext)
{
	int ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static X509_EXTENSION *key_usage_ext(void)
{
	_cleanup_(ASN1_BIT_STRINGp) ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	if (!ku || ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1) /* digitalSignature */
		return NULL;
	return X509V3_EXT_i2d(NID_key_usage, 1, ku);
}

static X509_EXTENSION *eku_ext(const struct jpki_service_profile *pr)
{
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	ASN1_OBJECT *obj = OBJ_nid2obj(pr->eku_nid); /* static object, free is a no-op */
	X509_EXTENSION *ext = NULL;
	if (eku && obj && sk_ASN1_OBJECT_push(eku, obj) > 0)
		ext = X509V3_EXT_i2d(NID_ext_key_usage, pr->eku_critical ? 1 : 0, eku);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return ext;
}

/* id-pkix-ocsp-nocheck, extnValue NULL (RFC 6960 §4.2.2.2.1) */
static X509_EXTENSION *nocheck_ext(void)
{
	static const unsigned char null_der[2] = {0x05, 0x00};
	_cleanup_(ASN1_OCTET_STRINGp) ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	if (!v || ASN1_OCTET_STRING_set(v, null_der, sizeof(null_der)) != 1)
		return NULL;
	return X509_EXTENSION_create_by_NID(NULL, NID_id_pkix_OCSP_noCheck, 0, v);
}

static X509_EXTENSION *ski_ext(X509 *x)
{
	uint8_t id[20];
	_cleanup_(ASN1_OCTET_STRINGp) ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	if (!ski || jpki_key_id(X509_get_X509_PUBKEY(x), id, NULL) < 0 ||
	    ASN1_OCTET_STRING_set(ski, id, sizeof(id)) != 1)
		return NULL;
	return X509V3_EXT_i2d(NID_subject_key_identifier, 0, ski);
}

int jpki_responder_issue(const struct jpki_ca *ca, int64_t now, struct jpki_responder **ret,
                         struct jpki_err *err)
{
	return jpki_service_issue(&jpki_ocsp_profile, ca, now, ret, err);
}

int jpki_service_issue(const struct jpki_service_profile *pr, const struct jpki_ca *ca, int64_t now,
                       struct jpki_responder **ret, struct jpki_err *err)
{
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	_cleanup_(X509p) X509 *x = X509_new();
	_cleanup_(X509_NAMEp) X509_NAME *name = subject(pr, ca, now);
	int64_t end = now + pr->validity, ca_end = 0;
	if (asn1_to_epoch(X509_get0_notAfter(ca->cert), &ca_end) == 0 && ca_end < end)
		end = ca_end; /* never beyond the CA that certifies it */
	uint8_t serial[16];
	int rc;
	if (!key || !x || !name)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot make a %s key", pr->cn);
	if ((rc = jpki_random_serial(serial, sizeof(serial), err)) < 0)
		return rc;
	bool ok = X509_set_version(x, X509_VERSION_3) == 1 &&
	          jpki_set_serial(x, serial, sizeof(serial)) == 0 &&
	          X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) == 1 &&
	          X509_set_subject_name(x, name) == 1 &&
	          ASN1_TIME_set(X509_getm_notBefore(x), (time_t)now) &&
	          ASN1_TIME_set(X509_getm_notAfter(x), (time_t)end) &&
	          X509_set_pubkey(x, key) == 1 && add_owned(x, key_usage_ext()) == 0 &&
	          add_owned(x, eku_ext(pr)) == 0 &&
	          (!pr->nocheck || add_owned(x, nocheck_ext()) == 0) &&
	          X509_add_ext(x, ca->ext_akid, -1) == 1 && add_owned(x, ski_ext(x)) == 0 &&
	          X509_sign(x, ca->key, EVP_sha256()) > 0;
	if (!ok)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot issue the %s %s",
		                      jpki_kind_name(ca->kind), pr->cn);
	return wrap(pr, ca->kind, &x, &key, ret, err);
}

static int read_pem(const char *path, uint8_t **data, size_t *len, struct jpki_err *err)
{
	return jpki_read_file(path, FILE_CAP, data, len, err);
}

/* Load the pair; JPKI_E_CRYPTO for an unreadable certificate, PASSPHRASE for the key. */
static int load_pair(const struct paths *p, const char *passphrase, X509 **cert, EVP_PKEY **key,
                     struct jpki_err *err)
{
	uint8_t *data;
	size_t len;
	int rc;
	if ((rc = read_pem(p->cert, &data, &len, err)) < 0)
		return rc;
	_cleanup_(BIOp) BIO *cb = BIO_new_mem_buf(data, (int)len);
	*cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	free(data);
	if (!*cert)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "%s is not a PEM certificate", p->cert);
	if ((rc = read_pem(p->key, &data, &len, err)) < 0)
		return rc;
	_cleanup_(BIOp) BIO *kb = BIO_new_mem_buf(data, (int)len);
	*key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, (void *)passphrase) : NULL;
	OPENSSL_cleanse(data, len);
	free(data);
	if (!*key)
		return jpki_fail_ossl(err, JPKI_E_PASSPHRASE,
		                      "cannot decrypt %s (wrong passphrase?); it is not replaced",
		                      p->key);
	return 0;
}

/* Still the right responder for ca at now, with more than the rollover margin left? */
static bool usable(const struct jpki_service_profile *pr, const struct jpki_ca *ca, X509 *cert,
                   EVP_PKEY *key, int64_t now)
{
	EVP_PKEY *ca_pub = X509_get0_pubkey(ca->cert);
	bool ok = ca_pub && X509_check_private_key(cert, key) == 1 &&
	          X509_check_issued(ca->cert, cert) == X509_V_OK &&
	          X509_verify(cert, ca_pub) == 1 &&
	          ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), (time_t)now) <= 0 &&
	          ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), (time_t)(now + pr->rollover)) > 0;
	ERR_clear_error();
	return ok;
}

static int move_aside(const char *from, const char *to, struct jpki_err *err)
{
	if (rename(from, to) != 0 && errno != ENOENT)
		return jpki_fail(err, JPKI_E_IO, "cannot rename %s: %s", from, strerror(errno));
	return 0;
}

static int write_pair(const struct paths *p, const struct jpki_responder *r, const char *passphrase,
                      struct jpki_err *err)
{
	_cleanup_(BIOp) BIO *kb = BIO_new(BIO_s_mem());
	_cleanup_(BIOp) BIO *cb = BIO_new(BIO_s_mem());
	char *kd, *cd;
	if (!kb || !cb ||
	    PEM_write_bio_PKCS8PrivateKey(kb, r->key, EVP_aes_256_cbc(), passphrase,
	                                  (int)strlen(passphrase), NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, r->cert) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the OCSP responder");
	long kl = BIO_get_mem_data(kb, &kd), cl = BIO_get_mem_data(cb, &cd);
	if (kl <= 0 || cl <= 0)
		return jpki_fail(err, JPKI_E_CRYPTO, "cannot encode the OCSP responder");
	int rc = jpki_write_file_atomic(p->key, kd, (size_t)kl, 0600, err);
	return rc < 0 ? rc : jpki_write_file_atomic(p->cert, cd, (size_t)cl, 0644, err);
}

int jpki_responder_ensure(const struct jpki_ca *ca, const char *passphrase, int64_t now,
                          struct jpki_responder **ret, struct jpki_err *err)
{
	return jpki_service_ensure(&jpki_ocsp_profile, ca, passphrase, now, ret, err);
}

int jpki_service_ensure(const struct jpki_service_profile *pr, const struct jpki_ca *ca,
                        const char *passphrase, int64_t now, struct jpki_responder **ret,
                        struct jpki_err *err)
{
	struct paths p;
	int rc;
	if (!passphrase || !*passphrase)
		return jpki_fail(err, JPKI_E_PASSPHRASE, "the responder key needs the passphrase");
	if ((rc = make_paths(pr, ca->ctx, ca->kind, &p, err)) < 0 ||
	    (rc = jpki_mkdir_p(p.dir, err)) < 0)
		return rc;
	bool have_cert = jpki_path_exists(p.cert), have_key = jpki_path_exists(p.key);
	if (have_cert && have_key) {
		_cleanup_(X509p) X509 *cert = NULL;
		_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
		rc = load_pair(&p, passphrase, &cert, &key, err);
		if (rc == -JPKI_E_PASSPHRASE || rc == -JPKI_E_IO)
			return rc;
		if (rc == 0 && usable(pr, ca, cert, key, now))
			return wrap(pr, ca->kind, &cert, &key, ret, err);
	}
	/* roll over: the order of the file header comment */
	if (have_cert && ((rc = move_aside(p.key, p.key_old, err)) < 0 ||
	                  (rc = move_aside(p.cert, p.cert_old, err)) < 0))
		return rc;
	_cleanup_(jpki_responder_freep) struct jpki_responder *r = NULL;
	if ((rc = jpki_service_issue(pr, ca, now, &r, err)) < 0 ||
	    (rc = write_pair(&p, r, passphrase, err)) < 0)
		return rc;
	*ret = TAKE_PTR(r);
	return 0;
}

int jpki_responder_load(const struct jpki_ca *ca, const char *passphrase, int64_t now,
                        struct jpki_responder **ret, struct jpki_err *err)
{
	const struct jpki_service_profile *pr = &jpki_ocsp_profile;
	struct paths p;
	int rc;
	if (!passphrase || !*passphrase)
		return jpki_fail(err, JPKI_E_PASSPHRASE, "the responder key needs its passphrase");
	if ((rc = make_paths(pr, ca->ctx, ca->kind, &p, err)) < 0)
		return rc;
	_cleanup_(X509p) X509 *cert = NULL;
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	if ((rc = load_pair(&p, passphrase, &cert, &key, err)) < 0)
		return rc;
	/* usable() with no margin: a responder machine cannot renew, only stop */
	struct jpki_service_profile until_end = *pr;
	until_end.rollover = 0;
	if (!usable(&until_end, ca, cert, key, now))
		return jpki_fail(err, JPKI_E_STATE,
		                 "%s is not a valid OCSP responder of the %s CA now (another CA's, "
		                 "not yet valid, or ended): export a fresh one from the CA "
		                 "(`jpki responder export`)",
		                 p.cert, jpki_kind_name(ca->kind));
	return wrap(pr, ca->kind, &cert, &key, ret, err);
}

int jpki_responder_save(const struct jpki_ctx *ctx, const struct jpki_responder *r,
                        const char *passphrase, struct jpki_err *err)
{
	struct paths p;
	int rc;
	if (!passphrase || !*passphrase)
		return jpki_fail(err, JPKI_E_PASSPHRASE, "the responder key needs a passphrase");
	if ((rc = make_paths(&jpki_ocsp_profile, ctx, r->kind, &p, err)) < 0 ||
	    (rc = jpki_mkdir_p(p.dir, err)) < 0)
		return rc;
	return write_pair(&p, r, passphrase, err);
}
