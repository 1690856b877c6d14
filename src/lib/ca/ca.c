/*
 * ca.c: creating, storing and loading the signature CA and the
 * authentication CA.
 *
 * The CA certificates follow the structure of the real ones in
 * the real 2023 CA certificates (copies in tests/integration/data/) (RSA-2048,
 * sha256WithRSAEncryption, ten years ending 23:59:59 JST, keyUsage, Japanese directoryName
 * subjectAltName, basicConstraints, directoryName cRLDistributionPoints, subjectKeyIdentifier).
 * Where the real ones name the real operator (J-LIS), ours name this project
 * instead: see docs/profiles.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "ca.h"
#include "core/fsutil.h"
#include "core/ossl.h"

#define OPERATOR_EN "jpki open-source software, not J-LIS"
#define OPERATOR_JA "jpki オープンソースソフトウェア(地方公共団体情報システム機構ではない)"

static const char *const ou_en[2] = {"JPKI for digital signature", "JPKI for user authentication"};
static const char *const ou_ja[2] = {"公的個人認証サービス署名用",
                                     "公的個人認証サービス利用者証明用"};

int jpki_ca_path(const struct jpki_ctx *ctx, enum jpki_kind kind, const char *file, char *buf,
                 size_t cap, struct jpki_err *err)
{
	if (snprintf(buf, cap, "%s/ca/%s/%s", jpki_ctx_data_dir(ctx), jpki_kind_name(kind), file) >=
	    (int)cap)
		return jpki_fail(err, JPKI_E_INVALID, "data folder path too long");
	return 0;
}

int jpki_ca_passphrase_check(const char *pass, struct jpki_err *err)
{
	if (strlen(pass) < 12 || strlen(pass) != strspn(pass, "!\"#$%&'()*+,-./0123456789:;<=>?@"
	                                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
	                                                      "abcdefghijklmnopqrstuvwxyz{|}~ "))
		return jpki_fail(
		    err, JPKI_E_PASSPHRASE,
		    "the CA passphrase must be at least 12 printable ASCII characters");
	return 0;
}

int jpki_random_serial(uint8_t *out, size_t len, struct jpki_err *err)
{
	if (len < 8 || len > 20)
		return jpki_fail(err, JPKI_E_INVALID, "serial length %zu out of range", len);
	do {
		if (RAND_bytes(out, (int)len) != 1)
			return jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random bytes for a serial");
		out[0] &= 0x7F; /* positive (RFC 5280 §4.1.2.2) and exactly len bytes */
	} while (out[0] == 0);
	return 0;
}

int jpki_key_id(X509_PUBKEY *pub, uint8_t out[20], struct jpki_err *err)
{
	const unsigned char *bits;
	int len;
	if (X509_PUBKEY_get0_param(NULL, &bits, &len, NULL, pub) != 1 ||
	    EVP_Digest(bits, (size_t)len, out, NULL, EVP_sha1(), NULL) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot compute the key identifier");
	return 0;
}

static int name_add(X509_NAME *n, int nid, int type, const char *v)
{
	return X509_NAME_add_entry_by_NID(n, nid, type, (const unsigned char *)v, -1, -1, 0) == 1
	           ? 0
	           : -1;
}

static X509_NAME *ca_subject(enum jpki_kind kind)
{
	X509_NAME *n = X509_NAME_new();
	if (!n || name_add(n, NID_countryName, V_ASN1_PRINTABLESTRING, "JP") < 0 ||
	    name_add(n, NID_organizationName, V_ASN1_UTF8STRING, "JPKI") < 0 ||
	    name_add(n, NID_organizationalUnitName, V_ASN1_UTF8STRING, ou_en[kind]) < 0 ||
	    name_add(n, NID_organizationalUnitName, V_ASN1_UTF8STRING, OPERATOR_EN) < 0) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static X509_NAME *ca_japanese_name(enum jpki_kind kind)
{
	X509_NAME *n = X509_NAME_new();
	if (!n || name_add(n, NID_countryName, V_ASN1_PRINTABLESTRING, "JP") < 0 ||
	    name_add(n, NID_organizationName, V_ASN1_UTF8STRING, "公的個人認証サービス") < 0 ||
	    name_add(n, NID_organizationalUnitName, V_ASN1_UTF8STRING, ou_ja[kind]) < 0 ||
	    name_add(n, NID_organizationalUnitName, V_ASN1_UTF8STRING, OPERATOR_JA) < 0) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/* GENERAL_NAMES holding one directoryName (takes ownership of name). */
static GENERAL_NAMES *dirname_names(X509_NAME *name)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *g = GENERAL_NAME_new();
	if (!gens || !g || !name || sk_GENERAL_NAME_push(gens, g) == 0) {
		GENERAL_NAMES_free(gens);
		GENERAL_NAME_free(g);
		X509_NAME_free(name);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_DIRNAME, name);
	return gens;
}

static GENERAL_NAME *uri_name(const char *uri)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();
	if (!g || !s || ASN1_STRING_set(s, uri, -1) != 1) {
		GENERAL_NAME_free(g);
		ASN1_IA5STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_URI, s);
	return g;
}

/* cRLDistributionPoints with one fullName (takes ownership of gens). */
static X509_EXTENSION *crldp_ext(GENERAL_NAMES *gens)
{
	_cleanup_(CRL_DIST_POINTSp) CRL_DIST_POINTS *dps = CRL_DIST_POINTS_new();
	DIST_POINT *dp = DIST_POINT_new();
	DIST_POINT_NAME *dpn = DIST_POINT_NAME_new();
	if (!dps || !dp || !dpn || !gens || sk_DIST_POINT_push(dps, dp) == 0) {
		DIST_POINT_free(dp);
		DIST_POINT_NAME_free(dpn);
		GENERAL_NAMES_free(gens);
		return NULL;
	}
	dpn->type = 0;
	dpn->name.fullname = gens;
	dp->distpoint = dpn;
	return X509V3_EXT_i2d(NID_crl_distribution_points, 0, dps);
}

static int add_ext(X509 *x, X509_EXTENSION *ext)
{
	int ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int set_validity(X509 *x, int64_t nb, int64_t na)
{
	return ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) &&
	               ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na)
	           ? 0
	           : -1;
}

int jpki_set_serial(X509 *x, const uint8_t *serial, size_t len)
{
	_cleanup_(BIGNUMp) BIGNUM *bn = BN_bin2bn(serial, (int)len, NULL);
	return bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ? 0 : -1;
}

static int ca_extensions(X509 *x, enum jpki_kind kind)
{
	_cleanup_(ASN1_BIT_STRINGp) ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	_cleanup_(BASIC_CONSTRAINTSp) BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	_cleanup_(GENERAL_NAMESp) GENERAL_NAMES *san = dirname_names(ca_japanese_name(kind));
	_cleanup_(ASN1_OCTET_STRINGp) ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	uint8_t id[20];
	if (!ku || !bc || !san || !ski || jpki_key_id(X509_get_X509_PUBKEY(x), id, NULL) < 0 ||
	    ASN1_OCTET_STRING_set(ski, id, 20) != 1 || ASN1_BIT_STRING_set_bit(ku, 5, 1) != 1 ||
	    ASN1_BIT_STRING_set_bit(ku, 6, 1) != 1)
		return -1;
	bc->ca = 0xFF;
	/* order as on the real CA certificates */
	if (add_ext(x, X509V3_EXT_i2d(NID_key_usage, 1, ku)) < 0 ||
	    add_ext(x, X509V3_EXT_i2d(NID_subject_alt_name, 0, san)) < 0 ||
	    add_ext(x, X509V3_EXT_i2d(NID_basic_constraints, 1, bc)) < 0 ||
	    add_ext(x, crldp_ext(dirname_names(ca_subject(kind)))) < 0 ||
	    add_ext(x, X509V3_EXT_i2d(NID_subject_key_identifier, 0, ski)) < 0)
		return -1;
	return 0;
}

static int make_ca_cert(enum jpki_kind kind, EVP_PKEY *key, int64_t now, X509 **ret,
                        struct jpki_err *err)
{
	_cleanup_(X509p) X509 *x = X509_new();
	_cleanup_(X509_NAMEp) X509_NAME *subject = ca_subject(kind);
	uint8_t serial[8];
	int rc;
	if ((rc = jpki_random_serial(serial, sizeof(serial), err)) < 0)
		return rc;
	/* ten years, ending 23:59:59 JST of the day before the tenth anniversary */
	struct jpki_date start = jpki_jst_date(now);
	struct jpki_date last = {start.y + 10, start.m, start.d};
	if (!jpki_date_valid(last))
		last.d = 28;
	int64_t not_after = jpki_jst_end_of_day(jpki_date_from_days(jpki_date_to_days(last) - 1));
	if (!x || !subject || X509_set_version(x, X509_VERSION_3) != 1 ||
	    jpki_set_serial(x, serial, sizeof(serial)) < 0 ||
	    X509_set_subject_name(x, subject) != 1 || X509_set_issuer_name(x, subject) != 1 ||
	    set_validity(x, now, not_after) < 0 || X509_set_pubkey(x, key) != 1 ||
	    ca_extensions(x, kind) < 0 || X509_sign(x, key, EVP_sha256()) <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot make the %s CA certificate",
		                      jpki_kind_name(kind));
	*ret = TAKE_PTR(x);
	return 0;
}

static int bio_to_file(BIO *b, const char *path, mode_t mode, struct jpki_err *err)
{
	char *data;
	long len = BIO_get_mem_data(b, &data);
	if (len <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode %s", path);
	return jpki_write_file_atomic(path, data, (size_t)len, mode, err);
}

static int generate_rsa2048(EVP_PKEY **ret, struct jpki_err *err)
{
	_cleanup_(EVP_PKEY_CTXp) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) <= 0 || EVP_PKEY_keygen(ctx, &key) <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot generate an RSA-2048 key");
	*ret = key;
	return 0;
}

int jpki_ca_init(const struct jpki_ctx *ctx, enum jpki_kind kind, int64_t now,
                 const char *passphrase, bool *created, struct jpki_err *err)
{
	char dir[4096], certp[4096], keyp[4096];
	int rc;
	*created = false;
	if ((rc = jpki_ca_path(ctx, kind, "", dir, sizeof(dir), err)) < 0 ||
	    (rc = jpki_ca_path(ctx, kind, "cert.pem", certp, sizeof(certp), err)) < 0 ||
	    (rc = jpki_ca_path(ctx, kind, "key.pem", keyp, sizeof(keyp), err)) < 0)
		return rc;
	bool have_cert = jpki_path_exists(certp), have_key = jpki_path_exists(keyp);
	if (have_cert && have_key) {
		/* idempotent: check the existing CA opens with this passphrase */
		_cleanup_(jpki_ca_freep) struct jpki_ca *ca = NULL;
		return jpki_ca_load(ctx, kind, passphrase, &ca, err);
	}
	if (have_cert || have_key)
		return jpki_fail(
		    err, JPKI_E_STATE,
		    "the %s CA in %s is incomplete (only one of cert.pem and key.pem); "
		    "restore it from backup, jpki never overwrites a CA",
		    jpki_kind_name(kind), dir);
	if ((rc = jpki_mkdir_p(dir, err)) < 0)
		return rc;
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	_cleanup_(X509p) X509 *cert = NULL;
	if ((rc = generate_rsa2048(&key, err)) < 0 ||
	    (rc = make_ca_cert(kind, key, now, &cert, err)) < 0)
		return rc;
	_cleanup_(BIOp) BIO *kb = BIO_new(BIO_s_mem());
	_cleanup_(BIOp) BIO *cb = BIO_new(BIO_s_mem());
	if (!kb || !cb ||
	    PEM_write_bio_PKCS8PrivateKey(kb, key, EVP_aes_256_cbc(), passphrase,
	                                  (int)strlen(passphrase), NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, cert) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the %s CA",
		                      jpki_kind_name(kind));
	/* key first: a crash in between leaves an "incomplete" CA, never a certificate without key
	 */
	if ((rc = bio_to_file(kb, keyp, 0600, err)) < 0 ||
	    (rc = bio_to_file(cb, certp, 0644, err)) < 0)
		return rc;
	*created = true;
	return 0;
}

int jpki_ca_load_cert(const struct jpki_ctx *ctx, enum jpki_kind kind, X509 **ret,
                      struct jpki_err *err)
{
	char path[4096];
	uint8_t *data;
	size_t len;
	int rc;
	if ((rc = jpki_ca_path(ctx, kind, "cert.pem", path, sizeof(path), err)) < 0)
		return rc;
	if ((rc = jpki_read_file(path, 64 * 1024, &data, &len, err)) < 0) {
		if (rc == -JPKI_E_NOT_FOUND)
			return jpki_fail(err, JPKI_E_NOT_FOUND,
			                 "no %s CA in %s: run `jpki init` first",
			                 jpki_kind_name(kind), jpki_ctx_data_dir(ctx));
		return rc;
	}
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(data, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	free(data);
	if (!x)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "%s is not a PEM certificate", path);
	*ret = x;
	return 0;
}

static int load_key(const struct jpki_ctx *ctx, enum jpki_kind kind, const char *passphrase,
                    EVP_PKEY **ret, struct jpki_err *err)
{
	char path[4096];
	uint8_t *data;
	size_t len;
	int rc;
	if ((rc = jpki_ca_path(ctx, kind, "key.pem", path, sizeof(path), err)) < 0 ||
	    (rc = jpki_read_file(path, 64 * 1024, &data, &len, err)) < 0)
		return rc;
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(data, (int)len);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)passphrase) : NULL;
	OPENSSL_cleanse(data, len);
	free(data);
	if (!k)
		return jpki_fail_ossl(err, JPKI_E_PASSPHRASE,
		                      "cannot decrypt the %s CA key (wrong passphrase?)",
		                      jpki_kind_name(kind));
	*ret = k;
	return 0;
}

static int ext_der(X509_EXTENSION *ext, uint8_t **der, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_X509_EXTENSION(ext, &p);
	if (n <= 0)
		return -1;
	*der = p;
	*len = (size_t)n;
	return 0;
}

/* The DER pieces profile.c composes certificates from. */
static int prepare_der(struct jpki_ca *ca)
{
	struct jpki_ca_der *d = &ca->der;
	unsigned char *p = NULL;
	int n = i2d_X509_NAME(X509_get_subject_name(ca->cert), &p);
	if (n <= 0)
		return -1;
	d->issuer = p;
	d->issuer_len = (size_t)n;
	p = NULL;
	if ((n = i2d_X509(ca->cert, &p)) <= 0)
		return -1;
	d->cert = p;
	d->cert_len = (size_t)n;
	return ext_der(ca->ext_key_usage, &d->key_usage, &d->key_usage_len) < 0 ||
	               ext_der(ca->ext_policy, &d->policy, &d->policy_len) < 0 ||
	               ext_der(ca->ext_issuer_alt, &d->issuer_alt, &d->issuer_alt_len) < 0 ||
	               ext_der(ca->ext_aia, &d->aia, &d->aia_len) < 0 ||
	               ext_der(ca->ext_akid, &d->akid, &d->akid_len) < 0
	           ? -1
	           : 0;
}

static int prepare_extensions(struct jpki_ca *ca, struct jpki_err *err)
{
	const char *base = jpki_ctx_base_url(ca->ctx), *k = jpki_kind_name(ca->kind);
	snprintf(ca->ocsp_url, sizeof(ca->ocsp_url), "%s/ocsp/%s", base, k);
	snprintf(ca->ca_url, sizeof(ca->ca_url), "%s/ca/%s.der", base, k);

	_cleanup_(ASN1_BIT_STRINGp) ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	_cleanup_(CERTIFICATEPOLICIESp) CERTIFICATEPOLICIES *pol = CERTIFICATEPOLICIES_new();
	_cleanup_(GENERAL_NAMESp) GENERAL_NAMES *ian = dirname_names(ca_japanese_name(ca->kind));
	_cleanup_(AUTHORITY_INFO_ACCESSp) AUTHORITY_INFO_ACCESS *aia = AUTHORITY_INFO_ACCESS_new();
	_cleanup_(AUTHORITY_KEYIDp) AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	POLICYINFO *pi = POLICYINFO_new();
	ACCESS_DESCRIPTION *ocsp = ACCESS_DESCRIPTION_new(), *issuers = ACCESS_DESCRIPTION_new();
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca->cert);
	bool ok = ku && pol && ian && aia && akid && pi && ocsp && issuers && ski;
	/* keyUsage: digitalSignature, plus nonRepudiation for signatures (docs/rules.md) */
	ok = ok && ASN1_BIT_STRING_set_bit(ku, 0, 1) == 1 &&
	     (ca->kind == JPKI_KIND_AUTH || ASN1_BIT_STRING_set_bit(ku, 1, 1) == 1);
	/* policy OIDs: .1.1.20 signature, .1.3.30 authentication */
	ok = ok &&
	     (pi->policyid = OBJ_txt2obj(ca->kind == JPKI_KIND_SIGN ? "1.2.392.200149.8.5.1.1.20"
	                                                            : "1.2.392.200149.8.5.1.3.30",
	                                 1)) != NULL;
	ok = ok && sk_POLICYINFO_push(pol, pi) > 0;
	if (!ok)
		POLICYINFO_free(pi);
	if (ok) {
		ocsp->method = OBJ_nid2obj(NID_ad_OCSP);
		GENERAL_NAME_free(ocsp->location);
		ocsp->location = uri_name(ca->ocsp_url);
		issuers->method = OBJ_nid2obj(NID_ad_ca_issuers);
		GENERAL_NAME_free(issuers->location);
		issuers->location = uri_name(ca->ca_url);
		ok = ocsp->location && issuers->location;
	}
	ok = ok && sk_ACCESS_DESCRIPTION_push(aia, ocsp) > 0;
	if (!ok)
		ACCESS_DESCRIPTION_free(ocsp);
	ok = ok && sk_ACCESS_DESCRIPTION_push(aia, issuers) > 0;
	if (!ok)
		ACCESS_DESCRIPTION_free(issuers);
	ok = ok && (akid->keyid = ASN1_OCTET_STRING_dup(ski)) != NULL;
	if (ok) {
		ca->ext_key_usage = X509V3_EXT_i2d(NID_key_usage, 1, ku);
		ca->ext_policy = X509V3_EXT_i2d(NID_certificate_policies, 1, pol);
		ca->ext_issuer_alt = X509V3_EXT_i2d(NID_issuer_alt_name, 0, ian);
		ca->ext_aia = X509V3_EXT_i2d(NID_info_access, 0, aia);
		ca->ext_akid = X509V3_EXT_i2d(NID_authority_key_identifier, 0, akid);
	}
	if (!ok || !ca->ext_key_usage || !ca->ext_policy || !ca->ext_issuer_alt || !ca->ext_aia ||
	    !ca->ext_akid || prepare_der(ca) < 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot prepare the %s CA's extensions",
		                      k);
	return 0;
}

int jpki_ca_load(const struct jpki_ctx *ctx, enum jpki_kind kind, const char *passphrase,
                 struct jpki_ca **ret, struct jpki_err *err)
{
	_cleanup_(jpki_ca_freep) struct jpki_ca *ca = calloc(1, sizeof(*ca));
	int rc;
	if (!ca)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	ca->ctx = ctx;
	ca->kind = kind;
	if ((rc = jpki_ca_load_cert(ctx, kind, &ca->cert, err)) < 0 ||
	    (rc = load_key(ctx, kind, passphrase, &ca->key, err)) < 0)
		return rc;
	if (X509_check_private_key(ca->cert, ca->key) != 1)
		return jpki_fail_ossl(err, JPKI_E_STATE,
		                      "the %s CA key does not match its certificate",
		                      jpki_kind_name(kind));
	if ((rc = prepare_extensions(ca, err)) < 0)
		return rc;
	*ret = TAKE_PTR(ca);
	return 0;
}

int jpki_ca_load_public(const struct jpki_ctx *ctx, enum jpki_kind kind, struct jpki_ca **ret,
                        struct jpki_err *err)
{
	_cleanup_(jpki_ca_freep) struct jpki_ca *ca = calloc(1, sizeof(*ca));
	int rc;
	if (!ca)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	ca->ctx = ctx;
	ca->kind = kind;
	if ((rc = jpki_ca_load_cert(ctx, kind, &ca->cert, err)) < 0 ||
	    (rc = prepare_extensions(ca, err)) < 0)
		return rc;
	*ret = TAKE_PTR(ca);
	return 0;
}

void jpki_ca_free(struct jpki_ca *ca)
{
	if (!ca)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	X509_EXTENSION_free(ca->ext_key_usage);
	X509_EXTENSION_free(ca->ext_policy);
	X509_EXTENSION_free(ca->ext_issuer_alt);
	X509_EXTENSION_free(ca->ext_aia);
	X509_EXTENSION_free(ca->ext_akid);
	OPENSSL_free(ca->der.cert);
	OPENSSL_free(ca->der.issuer);
	OPENSSL_free(ca->der.key_usage);
	OPENSSL_free(ca->der.policy);
	OPENSSL_free(ca->der.issuer_alt);
	OPENSSL_free(ca->der.aia);
	OPENSSL_free(ca->der.akid);
	free(ca);
}
