/*
 * profile.c: the signature certificate (署名用電子証明書) and the user
 * authentication certificate (利用者証明用電子証明書).
 *
 * Signature: subject C=JP, L=<prefecture>, L=<municipality>, CN=<id>; the
 * four basic facts as subjectAltName otherNames in the order seen on a real
 * certificate (.1 name, .4 birth, .3 sex, .5 address, .2 and .6 flags);
 * keyUsage digitalSignature + nonRepudiation and certificatePolicies, both
 * critical.  Authentication: subject C=JP, CN=<id> and nothing personal.
 * Both carry issuerAltName, cRLDistributionPoints and freshestCRL (the
 * certificate's CRL partition), authorityInfoAccess (OCSP, caIssuers),
 * authorityKeyIdentifier and subjectKeyIdentifier.
 *
 * The certificate is composed as DER directly (RFC 5280 §4.1) from pieces
 * prepared once per CA and the few that differ per certificate, then the
 * TBSCertificate is hashed and signed.  Going through OpenSSL's X509 object
 * costs about a fifth of the RSA signature again (encoders, extension
 * copies, re-encoding); the unit tests parse every field back with OpenSSL.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "core/der.h"
#include "core/hex.h"
#include "core/ossl.h"
#include "core/writer.h"
#include "names.h"
#include "profile.h"

#define OID_FACTS "1.2.392.200149.8.5.5."

static void put_tlv(struct jpki_wr *o, uint8_t tag, const void *data, size_t n)
{
	jpki_wr_der_header(o, tag, n);
	jpki_wr_put(o, data, n);
}

static size_t tlv_size(size_t len)
{
	return 1 + jpki_der_len_size(len) + len;
}

/* RelativeDistinguishedName with one attribute: SET { SEQ { OID 2.5.4.x, value } } */
static void put_rdn(struct jpki_wr *o, uint8_t attr, uint8_t string_tag, const char *v)
{
	size_t vlen = strlen(v);
	size_t atv = 5 + tlv_size(vlen);
	jpki_wr_der_header(o, 0x31, tlv_size(atv));
	jpki_wr_der_header(o, DER_SEQUENCE, atv);
	const uint8_t oid[] = {DER_OID, 3, 0x55, 0x04, attr};
	jpki_wr_put(o, oid, sizeof(oid));
	put_tlv(o, string_tag, v, vlen);
}

#define ATTR_CN 0x03
#define ATTR_C 0x06
#define ATTR_L 0x07
#define TAG_UTF8 0x0C
#define TAG_PRINTABLE 0x13

static int put_subject(struct jpki_wr *o, const struct jpki_cert_plan *p, struct jpki_err *err)
{
	uint8_t buf[1024];
	struct jpki_wr rdns = jpki_wr_make(buf, sizeof(buf));
	put_rdn(&rdns, ATTR_C, TAG_PRINTABLE, "JP");
	if (p->kind == JPKI_KIND_SIGN) {
		char pref[32], city[256];
		int rc = jpki_address_split(p->resident->address, pref, sizeof(pref), city,
		                            sizeof(city), err);
		if (rc < 0)
			return rc;
		put_rdn(&rdns, ATTR_L, TAG_UTF8, pref);
		put_rdn(&rdns, ATTR_L, TAG_UTF8, city);
	}
	put_rdn(&rdns, ATTR_CN, TAG_UTF8, p->cn);
	if (rdns.failed)
		return jpki_fail(err, JPKI_E_LIMIT, "subject name too long");
	put_tlv(o, DER_SEQUENCE, buf, rdns.len);
	return 0;
}

/* UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
static void put_time(struct jpki_wr *o, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t sod = t - days * 86400;
	struct jpki_date d = jpki_date_from_days(days);
	char s[32];
	if (d.y >= 1950 && d.y < 2050)
		snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", d.y % 100, d.m, d.d,
		         (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	else
		snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", d.y, d.m, d.d,
		         (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	put_tlv(o, d.y >= 1950 && d.y < 2050 ? 0x17 : 0x18, s, strlen(s));
}

/* An unsigned big-endian magnitude as a DER INTEGER. */
static void put_uint(struct jpki_wr *o, const uint8_t *mag, size_t n)
{
	while (n > 1 && mag[0] == 0)
		mag++, n--;
	bool pad = mag[0] & 0x80;
	jpki_wr_der_header(o, DER_INTEGER, n + pad);
	if (pad)
		jpki_wr_put(o, "", 1);
	jpki_wr_put(o, mag, n);
}

static size_t uint_size(const uint8_t *mag, size_t n)
{
	while (n > 1 && mag[0] == 0)
		mag++, n--;
	return tlv_size(n + (mag[0] & 0x80 ? 1 : 0));
}

/* SubjectPublicKeyInfo of an RSA key: {rsaEncryption, NULL}, BIT STRING {n, e}. */
static int put_spki(struct jpki_wr *o, EVP_PKEY *key, uint8_t ski[20], struct jpki_err *err)
{
	static const uint8_t alg[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
	                              0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};
	_cleanup_(BIGNUMp) BIGNUM *n = NULL;
	_cleanup_(BIGNUMp) BIGNUM *e = NULL;
	uint8_t nb[1024], eb[64];
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bn_param(key, "n", &n) != 1 ||
	    EVP_PKEY_get_bn_param(key, "e", &e) != 1 || BN_num_bytes(n) > (int)sizeof(nb) ||
	    BN_num_bytes(e) > (int)sizeof(eb))
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY,
		                      "the subject key is not a usable RSA key");
	size_t nl = (size_t)BN_bn2bin(n, nb), el = (size_t)BN_bn2bin(e, eb);
	size_t rsa = uint_size(nb, nl) + uint_size(eb, el);
	size_t bits = 1 + tlv_size(rsa);
	jpki_wr_der_header(o, DER_SEQUENCE, sizeof(alg) + tlv_size(bits));
	jpki_wr_put(o, alg, sizeof(alg));
	jpki_wr_der_header(o, DER_BIT_STRING, bits);
	size_t key_bits = o->len;
	jpki_wr_put(o, "", 1); /* no unused bits */
	jpki_wr_der_header(o, DER_SEQUENCE, rsa);
	put_uint(o, nb, nl);
	put_uint(o, eb, el);
	/* RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING value, less unused-bits
	 * octet */
	if (o->failed || EVP_Digest(o->p + key_bits + 1, o->len - key_bits - 1, ski, NULL,
	                            EVP_sha1(), NULL) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the subject key");
	return 0;
}

/* Extension ::= SEQ { OID, [BOOLEAN TRUE,] OCTET STRING { value } } with a 3-byte id-ce OID. */
static void put_ext_hdr(struct jpki_wr *o, uint8_t ce, size_t value_len)
{
	size_t inner = 5 + tlv_size(value_len);
	jpki_wr_der_header(o, DER_SEQUENCE, inner);
	const uint8_t oid[] = {DER_OID, 3, 0x55, 0x1D, ce};
	jpki_wr_put(o, oid, sizeof(oid));
	jpki_wr_der_header(o, DER_OCTET_STRING, value_len);
}

/*
 * cRLDistributionPoints / freshestCRL (id-ce 31 / 46), one point with one URI:
 * SEQ { SEQ { [0] { [0] { [6] uri } } } } (RFC 5280 §4.2.1.13).
 */
static size_t dp_value_size(size_t u)
{
	return tlv_size(tlv_size(tlv_size(tlv_size(tlv_size(u)))));
}

static void put_dp_ext(struct jpki_wr *o, uint8_t ce, const char *uri)
{
	size_t u = strlen(uri);
	size_t e86 = tlv_size(u), fullname = tlv_size(e86), dpname = tlv_size(fullname);
	put_ext_hdr(o, ce, dp_value_size(u));
	jpki_wr_der_header(o, DER_SEQUENCE, tlv_size(dpname));
	jpki_wr_der_header(o, DER_SEQUENCE, dpname);
	jpki_wr_der_header(o, 0xA0, fullname);
	jpki_wr_der_header(o, 0xA0, e86);
	put_tlv(o, 0x86, uri, u);
}

/* otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String } */
static int push_fact(GENERAL_NAMES *gens, int arc, const char *value)
{
	char oid[40];
	snprintf(oid, sizeof(oid), OID_FACTS "%d", arc);
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_TYPE *t = ASN1_TYPE_new();
	ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();
	GENERAL_NAME *g = GENERAL_NAME_new();
	if (!obj || !t || !s || !g || ASN1_STRING_set(s, value, -1) != 1)
		goto fail;
	ASN1_TYPE_set(t, V_ASN1_UTF8STRING, s);
	s = NULL;
	if (GENERAL_NAME_set0_othername(g, obj, t) != 1)
		goto fail;
	obj = NULL, t = NULL;
	if (sk_GENERAL_NAME_push(gens, g) == 0)
		goto fail;
	return 0;
fail:
	ASN1_OBJECT_free(obj);
	ASN1_TYPE_free(t);
	ASN1_UTF8STRING_free(s);
	GENERAL_NAME_free(g);
	return -1;
}

static X509_EXTENSION *facts_ext(const struct jpki_resident *r, struct jpki_err *err)
{
	char name[1024], name_flags[JPKI_FLAGS_MAX * 2], addr_flags[JPKI_FLAGS_MAX], birth[10];
	char sex[2] = {(char)('0' + r->sex), '\0'};
	_cleanup_(GENERAL_NAMESp) GENERAL_NAMES *gens = GENERAL_NAMES_new();
	if (!gens ||
	    jpki_name_value(r, name, sizeof(name), name_flags, sizeof(name_flags), err) < 0 ||
	    jpki_address_flags(r, addr_flags, sizeof(addr_flags), err) < 0)
		return NULL;
	jpki_birth_value(r->birth, birth);
	/* order seen on a real certificate: .1, .4, .3, .5, .2, .6 */
	if (push_fact(gens, 1, name) < 0 || push_fact(gens, 4, birth) < 0 ||
	    push_fact(gens, 3, sex) < 0 || push_fact(gens, 5, r->address) < 0 ||
	    push_fact(gens, 2, name_flags) < 0 || push_fact(gens, 6, addr_flags) < 0)
		return NULL;
	return X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
}

/* DER of the signature certificate's subjectAltName extension (malloc'd). */
static int san_der(const struct jpki_resident *r, uint8_t **ret, size_t *len, struct jpki_err *err)
{
	_cleanup_(X509_EXTENSIONp) X509_EXTENSION *ext = facts_ext(r, err);
	if (!ext)
		return err && err->code != JPKI_E_OK
		           ? -(int)err->code
		           : jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the basic facts");
	unsigned char *der = NULL;
	int n = i2d_X509_EXTENSION(ext, &der);
	if (n <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the basic facts");
	*ret = der;
	*len = (size_t)n;
	return 0;
}

int jpki_crl_partition_of(const uint8_t serial[JPKI_SERIAL_BYTES])
{
	return (serial[5] << 8 | serial[6]) % JPKI_CRL_PARTITIONS; /* random bytes */
}

int jpki_partition_url(const struct jpki_ca *ca, int partition, bool delta, char *buf, size_t cap)
{
	return snprintf(buf, cap, "%s/crl/%s/%d%s.crl", jpki_ctx_base_url(ca->ctx),
	                jpki_kind_name(ca->kind), partition, delta ? "-delta" : "") < (int)cap
	           ? 0
	           : -1;
}

/* sha256WithRSAEncryption AlgorithmIdentifier (RFC 4055 §5) */
static const uint8_t sig_alg[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                  0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};

/*
 * One signing context per thread and CA key: setting one up (algorithm
 * fetches under OpenSSL 3's locks) costs a third of the RSA operation.
 * The thread's context is freed when the thread ends, or by
 * jpki_profile_thread_done() on a thread that lives on.
 */
struct sign_slot {
	EVP_PKEY *key; /* borrowed: identifies the CA */
	EVP_PKEY_CTX *ctx;
};

static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

static void slot_free(void *p)
{
	struct sign_slot *slot = p;
	if (slot) {
		EVP_PKEY_CTX_free(slot->ctx);
		free(slot);
	}
}

static void slot_init(void)
{
	(void)pthread_key_create(&slot_key, slot_free);
}

void jpki_profile_thread_done(void)
{
	pthread_once(&slot_once, slot_init);
	slot_free(pthread_getspecific(slot_key));
	pthread_setspecific(slot_key, NULL);
}

static EVP_PKEY_CTX *signing_ctx(EVP_PKEY *key)
{
	pthread_once(&slot_once, slot_init);
	struct sign_slot *slot = pthread_getspecific(slot_key);
	if (slot && slot->key == key)
		return slot->ctx;
	if (!slot && !(slot = calloc(1, sizeof(*slot))))
		return NULL;
	EVP_PKEY_CTX_free(slot->ctx);
	slot->key = key;
	slot->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!slot->ctx || EVP_PKEY_sign_init(slot->ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(slot->ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(slot->ctx, EVP_sha256()) != 1) {
		slot_free(slot);
		pthread_setspecific(slot_key, NULL);
		return NULL;
	}
	pthread_setspecific(slot_key, slot);
	return slot->ctx;
}

/* PKCS #1 v1.5 signature of the SHA-256 of data, written to sig (EVP_PKEY_get_size bytes). */
static int sign_sha256(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t *sig,
                       size_t *sig_len, struct jpki_err *err)
{
	uint8_t md[32];
	EVP_PKEY_CTX *ctx = signing_ctx(key);
	if (!ctx || EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_PKEY_sign(ctx, sig, sig_len, md, sizeof(md)) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the CA could not sign");
	return 0;
}

struct tbs_parts {
	uint8_t subject[1100], spki[1200], validity[48], ski[40], crldp[600], freshest[600];
	size_t subject_len, spki_len, validity_len, ski_len, crldp_len, freshest_len;
	uint8_t *san;
	size_t san_len;
};

static int make_parts(const struct jpki_ca *ca, const struct jpki_cert_plan *p, struct tbs_parts *t,
                      struct jpki_err *err)
{
	struct jpki_wr o;
	uint8_t id[20];
	char url[600];
	int rc, part = jpki_crl_partition_of(p->serial);
	o = jpki_wr_make(t->subject, sizeof(t->subject));
	if ((rc = put_subject(&o, p, err)) < 0)
		return rc;
	t->subject_len = o.len;
	o = jpki_wr_make(t->spki, sizeof(t->spki));
	if ((rc = put_spki(&o, p->subject_key, id, err)) < 0)
		return rc;
	t->spki_len = o.len;
	o = jpki_wr_make(t->validity, sizeof(t->validity));
	uint8_t times[40];
	struct jpki_wr tm = jpki_wr_make(times, sizeof(times));
	put_time(&tm, p->not_before);
	put_time(&tm, p->not_after);
	put_tlv(&o, DER_SEQUENCE, times, tm.len);
	t->validity_len = o.len;
	o = jpki_wr_make(t->ski, sizeof(t->ski));
	put_ext_hdr(&o, 0x0E, tlv_size(20)); /* subjectKeyIdentifier */
	put_tlv(&o, DER_OCTET_STRING, id, 20);
	t->ski_len = o.len;
	if (jpki_partition_url(ca, part, false, url, sizeof(url)) < 0)
		return jpki_fail(err, JPKI_E_LIMIT, "the base URL is too long");
	o = jpki_wr_make(t->crldp, sizeof(t->crldp));
	put_dp_ext(&o, 0x1F, url);
	t->crldp_len = o.len;
	if (jpki_partition_url(ca, part, true, url, sizeof(url)) < 0) /* "-delta" is longer */
		return jpki_fail(err, JPKI_E_LIMIT, "the base URL is too long");
	o = jpki_wr_make(t->freshest, sizeof(t->freshest));
	put_dp_ext(&o, 0x2E, url);
	t->freshest_len = o.len;
	if (tm.failed || o.failed)
		return jpki_fail(err, JPKI_E_LIMIT, "certificate field too long");
	t->san = NULL;
	t->san_len = 0;
	if (p->kind == JPKI_KIND_SIGN)
		return san_der(p->resident, &t->san, &t->san_len, err);
	return 0;
}

int jpki_profile_build(const struct jpki_ca *ca, const struct jpki_cert_plan *p, uint8_t **ret,
                       size_t *ret_len, struct jpki_err *err)
{
	if (p->kind != ca->kind)
		return jpki_fail(err, JPKI_E_INVALID, "a %s certificate needs the %s CA",
		                 jpki_kind_name(p->kind), jpki_kind_name(p->kind));
	struct tbs_parts t;
	int rc = make_parts(ca, p, &t, err);
	if (rc < 0)
		return rc;
	const struct jpki_ca_der *d = &ca->der;
	/* extension order: keyUsage, policies, SAN, issuerAltName, CRLDP, freshestCRL, AIA, AKI,
	 * SKI */
	size_t exts = d->key_usage_len + d->policy_len + t.san_len + d->issuer_alt_len +
	              t.crldp_len + t.freshest_len + d->aia_len + d->akid_len + t.ski_len;
	uint8_t serial_tlv[24];
	struct jpki_wr so = jpki_wr_make(serial_tlv, sizeof(serial_tlv));
	put_uint(&so, p->serial, sizeof(p->serial));
	static const uint8_t version[] = {0xA0, 0x03, 0x02, 0x01, 0x02}; /* v3 */
	size_t tbs = sizeof(version) + so.len + sizeof(sig_alg) + d->issuer_len + t.validity_len +
	             t.subject_len + t.spki_len + tlv_size(tlv_size(exts));
	size_t sig_max = (size_t)EVP_PKEY_get_size(ca->key);
	size_t body = tlv_size(tbs) + sizeof(sig_alg) + tlv_size(1 + sig_max);
	size_t cap = tlv_size(body);
	struct jpki_wr o = jpki_wr_make(malloc(cap), cap);
	if (!o.p) {
		OPENSSL_free(t.san);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	jpki_wr_der_header(&o, DER_SEQUENCE, body);
	size_t tbs_at = o.len;
	jpki_wr_der_header(&o, DER_SEQUENCE, tbs);
	jpki_wr_put(&o, version, sizeof(version));
	jpki_wr_put(&o, serial_tlv, so.len);
	jpki_wr_put(&o, sig_alg, sizeof(sig_alg));
	jpki_wr_put(&o, d->issuer, d->issuer_len);
	jpki_wr_put(&o, t.validity, t.validity_len);
	jpki_wr_put(&o, t.subject, t.subject_len);
	jpki_wr_put(&o, t.spki, t.spki_len);
	jpki_wr_der_header(&o, 0xA3, tlv_size(exts));
	jpki_wr_der_header(&o, DER_SEQUENCE, exts);
	jpki_wr_put(&o, d->key_usage, d->key_usage_len);
	jpki_wr_put(&o, d->policy, d->policy_len);
	jpki_wr_put(&o, t.san, t.san_len);
	jpki_wr_put(&o, d->issuer_alt, d->issuer_alt_len);
	jpki_wr_put(&o, t.crldp, t.crldp_len);
	jpki_wr_put(&o, t.freshest, t.freshest_len);
	jpki_wr_put(&o, d->aia, d->aia_len);
	jpki_wr_put(&o, d->akid, d->akid_len);
	jpki_wr_put(&o, t.ski, t.ski_len);
	OPENSSL_free(t.san);
	size_t tbs_end = o.len;
	jpki_wr_put(&o, sig_alg, sizeof(sig_alg));
	jpki_wr_der_header(&o, DER_BIT_STRING, 1 + sig_max);
	jpki_wr_put(&o, "", 1);
	size_t sig_len = sig_max;
	if (o.failed || o.len + sig_max != cap ||
	    (rc = sign_sha256(ca->key, o.p + tbs_at, tbs_end - tbs_at, o.p + o.len, &sig_len,
	                      err)) < 0 ||
	    sig_len != sig_max) {
		free(o.p);
		return o.failed || rc == 0
		           ? jpki_fail(err, JPKI_E_CRYPTO, "certificate encoding went wrong")
		           : rc;
	}
	*ret = o.p;
	*ret_len = cap;
	return 0;
}

int jpki_plan_randomize(struct jpki_cert_plan *plan, struct jpki_err *err)
{
	uint8_t id[12];
	/* serial: 0x40, issue time (32 bits, so registry inserts stay near the index's end),
	 * then 88 random bits (CA/B Forum asks for at least 64) */
	uint32_t t = (uint32_t)plan->not_before;
	plan->serial[0] = 0x40;
	plan->serial[1] = (uint8_t)(t >> 24);
	plan->serial[2] = (uint8_t)(t >> 16);
	plan->serial[3] = (uint8_t)(t >> 8);
	plan->serial[4] = (uint8_t)t;
	if (RAND_bytes(plan->serial + 5, JPKI_SERIAL_BYTES - 5) != 1 ||
	    RAND_bytes(id, sizeof(id)) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random bytes for a serial");
	jpki_hex_encode(id, sizeof(id), plan->cn);
	return 0;
}

/* ---- shared with the CRL writer (crl.c) ---- */

const uint8_t *jpki_sig_alg_der(size_t *len)
{
	*len = sizeof(sig_alg);
	return sig_alg;
}

int jpki_sign_sha256(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t *sig, size_t *sig_len,
                     struct jpki_err *err)
{
	return sign_sha256(key, data, len, sig, sig_len, err);
}

size_t jpki_dp_ext_der(uint8_t ce, const char *uri, uint8_t *buf, size_t cap)
{
	struct jpki_wr o = jpki_wr_make(buf, cap);
	put_dp_ext(&o, ce, uri);
	return o.failed ? 0 : o.len;
}

size_t jpki_time_der(int64_t t, uint8_t buf[JPKI_TIME_DER_MAX])
{
	struct jpki_wr o = jpki_wr_make(buf, JPKI_TIME_DER_MAX);
	put_time(&o, t);
	return o.failed ? 0 : o.len;
}
