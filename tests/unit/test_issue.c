/*
 * test_issue.c: issuance end to end inside the library (src/lib/ca/issue.h,
 * profile.c, crl.h, resident/resident.h) with a real data folder: both CAs
 * created and loaded, residents registered, certificates issued, recorded,
 * superseded and revoked, and a CRL built.  Certificates and CRLs are
 * parsed back with OpenSSL, field by field, against docs/rules.md.
 *
 * The data folder is this program's own temporary folder (JPKI_DATA); the
 * clock is fixed with JPKI_NOW; the service URLs with JPKI_BASE_URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/crl.h"
#include "ca/issue.h"
#include "ca/profile.h"
#include "core/hex.h"
#include "core/ossl.h"
#include "resident/resident.h"
#include "crl_util.h"
#include "tmpdir.h"
#include "test_ctx.h"

#define BASE_URL "http://jpki.test:8080"
#define U3000 "\xE3\x80\x80"
#define OID_SIGN_POLICY "1.2.392.200149.8.5.1.1.20"
#define OID_AUTH_POLICY "1.2.392.200149.8.5.1.3.30"
#define OID_FACT "1.2.392.200149.8.5.5."

static struct {
	char dir[PATH_MAX];
	struct jpki_ca *ca[2];
	struct jpki_store *st;
	EVP_PKEY *key; /* a subject key (as if generated on a card) */
	int64_t t0;    /* 2024-04-01 10:00 JST */
} g;

static int64_t at(const char *s)
{
	int64_t t;
	struct jpki_err err;
	if (jpki_time_parse(s, &t, &err) != 0)
		fail_msg("bad instant %s", s);
	return t;
}

static int64_t end_of(int y, int m, int d)
{
	return jpki_jst_end_of_day((struct jpki_date){y, m, d});
}

static int group_setup(void **state)
{
	(void)state;
	struct jpki_err err;
	bool created = false;
	const char *pass = "unit-test passphrase 0123";
	if (!tmpdir_make(g.dir, "issue") || setenv("JPKI_DATA", g.dir, 1) != 0 ||
	    setenv("JPKI_CA_PASSPHRASE", pass, 1) != 0 ||
	    setenv("JPKI_BASE_URL", BASE_URL, 1) != 0 ||
	    setenv("JPKI_NOW", "2024-04-01T10:00:00+09:00", 1) != 0)
		return -1;
	g.t0 = at("2024-04-01T10:00:00+09:00");
	char phrase[256];
	snprintf(phrase, sizeof(phrase), "%s", pass);
	if (jpki_ca_passphrase_check(phrase, &err) != 0 ||
	    jpki_ca_passphrase_check("short", &err) != -JPKI_E_PASSPHRASE)
		return -1;
	for (int k = 0; k < 2; k++) {
		if (jpki_ca_init(test_ctx(), (enum jpki_kind)k, g.t0 - 86400, phrase, &created,
		                 &err) != 0 ||
		    !created) {
			print_error("init: %s\n", err.msg);
			return -1;
		}
		/* a second init keeps the CA (never overwrites) */
		if (jpki_ca_init(test_ctx(), (enum jpki_kind)k, g.t0, phrase, &created, &err) !=
		        0 ||
		    created)
			return -1;
		if (jpki_ca_load(test_ctx(), (enum jpki_kind)k, phrase, &g.ca[k], &err) != 0) {
			print_error("load: %s\n", err.msg);
			return -1;
		}
	}
	if (jpki_store_create_default(test_ctx(), &g.st, &err) != 0) {
		print_error("store: %s\n", err.msg);
		return -1;
	}
	g.key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return g.key ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	jpki_store_close(g.st);
	jpki_ca_free(g.ca[0]);
	jpki_ca_free(g.ca[1]);
	EVP_PKEY_free(g.key);
	return tmpdir_remove(g.dir);
}

/* ---- helpers ---- */

static struct jpki_resident person(const char *family, const char *given, const char *address,
                                   int y, int m, int d)
{
	struct jpki_resident r;
	memset(&r, 0, sizeof(r));
	snprintf(r.family, sizeof(r.family), "%s", family);
	snprintf(r.given, sizeof(r.given), "%s", given);
	snprintf(r.address, sizeof(r.address), "%s", address);
	r.birth = (struct jpki_date){y, m, d};
	r.sex = JPKI_SEX_MALE;
	r.status = JPKI_RESIDENT;
	return r;
}

static int64_t add(struct jpki_resident *r)
{
	struct jpki_err err;
	if (jpki_resident_add(g.st, r, &err) != 0)
		fail_msg("add resident: %s", err.msg);
	return r->id;
}

static int64_t add_adult(void)
{
	struct jpki_resident r = person("田中", "一郎", "東京都立川市泉町1156-9", 1980, 3, 10);
	return add(&r);
}

static int issue(enum jpki_kind kind, int64_t resident, int64_t now, struct jpki_issued *out,
                 struct jpki_err *err)
{
	/* one key for every test: replacing a certificate of the same key is asked for */
	struct jpki_issue_req req = {.kind = kind,
	                             .resident_id = resident,
	                             .subject_key = g.key,
	                             .now = now,
	                             .same_key_ok = true};
	jpki_err_clear(err);
	return jpki_issue(g.st, g.ca[kind], &req, out, err);
}

static void issue_ok(enum jpki_kind kind, int64_t resident, int64_t now, struct jpki_issued *out)
{
	struct jpki_err err;
	if (issue(kind, resident, now, out, &err) != 0)
		fail_msg("issue %s: %s", jpki_kind_name(kind), err.msg);
	assert_non_null(out->rec.der);
}

static int count_cb(const struct jpki_cert_rec *c, void *arg)
{
	(void)c;
	++*(long *)arg;
	return 0;
}

static long cert_count(int64_t resident)
{
	long n = 0;
	struct jpki_err err;
	assert_int_equal(g.st->ops->cert_each(g.st, resident, count_cb, &n, &err), 0);
	return n;
}

static struct jpki_cert_rec lookup(const char *serial)
{
	struct jpki_cert_rec c;
	struct jpki_err err;
	if (g.st->ops->cert_get(g.st, serial, false, &c, &err) != 0)
		fail_msg("cert %s: %s", serial, err.msg);
	return c;
}

static const char *entry_text(const X509_NAME *n, int i, int *nid)
{
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
	assert_non_null(e);
	*nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
	return (const char *)ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(e));
}

static void assert_critical(X509 *x, int nid, int critical)
{
	int i = X509_get_ext_by_NID(x, nid, -1);
	if (i < 0)
		fail_msg("extension %s missing", OBJ_nid2sn(nid));
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x, i)), critical);
	assert_int_equal(X509_get_ext_by_NID(x, nid, i), -1); /* only once */
}

static void assert_uri(const GENERAL_NAME *gn, const char *want)
{
	assert_int_equal(gn->type, GEN_URI);
	assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
	                    want);
}

/* Partition from the serial's random bytes 5 and 6 (profile.c). */
static int jpki_crl_partition_of_hex(const char *hex)
{
	uint8_t b[20];
	size_t n;
	assert_int_equal(jpki_serial_from_hex(hex, b, sizeof(b), &n), 0);
	assert_int_equal(n, JPKI_SERIAL_BYTES);
	assert_int_equal(b[0], 0x40);
	return (b[5] << 8 | b[6]) % JPKI_CRL_PARTITIONS;
}

/* The certificate as a relying party sees it: parsed back from the recorded DER. */
static X509 *parsed(const struct jpki_issued *out)
{
	const unsigned char *p = out->rec.der;
	assert_non_null(p);
	X509 *x = d2i_X509(NULL, &p, (long)out->rec.der_len);
	assert_non_null(x);
	assert_ptr_equal(p, out->rec.der + out->rec.der_len); /* no trailing bytes */
	return x;
}

/* The profile parts both kinds share (docs/rules.md; profile.c's header). */
static void check_common(X509 *x, enum jpki_kind kind, const struct jpki_issued *out,
                         int64_t not_before, int64_t not_after)
{
	const struct jpki_ca *ca = g.ca[kind], *other = g.ca[!kind];
	const char *k = jpki_kind_name(kind);
	char want[256];

	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	/* serial: 16 bytes, positive, as recorded */
	BIGNUM *sn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	assert_non_null(sn);
	assert_false(BN_is_negative(sn));
	assert_int_equal(BN_num_bytes(sn), 16);
	uint8_t bin[16];
	char hex[33];
	assert_int_equal(BN_bn2bin(sn, bin), 16);
	BN_free(sn);
	jpki_hex_encode(bin, sizeof(bin), hex);
	assert_string_equal(hex, out->rec.serial);

	assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca->cert)),
	                 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)not_before), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)not_after), 0);
	assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(x), g.key), 1);

	/* keyUsage critical: digitalSignature (+ nonRepudiation for signatures) */
	assert_critical(x, NID_key_usage, 1);
	assert_int_equal(X509_get_key_usage(x), kind == JPKI_KIND_SIGN
	                                            ? (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)
	                                            : KU_DIGITAL_SIGNATURE);
	/* certificatePolicies critical with the JPKI policy OID */
	assert_critical(x, NID_certificate_policies, 1);
	CERTIFICATEPOLICIES *pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	assert_non_null(pol);
	assert_int_equal(sk_POLICYINFO_num(pol), 1);
	OBJ_obj2txt(want, sizeof(want), sk_POLICYINFO_value(pol, 0)->policyid, 1);
	assert_string_equal(want, kind == JPKI_KIND_SIGN ? OID_SIGN_POLICY : OID_AUTH_POLICY);
	CERTIFICATEPOLICIES_free(pol);

	/* issuerAltName: the CA's Japanese directoryName, as in the CA's own SAN */
	assert_critical(x, NID_issuer_alt_name, 0);
	GENERAL_NAMES *ian = X509_get_ext_d2i(x, NID_issuer_alt_name, NULL, NULL);
	GENERAL_NAMES *ca_san = X509_get_ext_d2i(ca->cert, NID_subject_alt_name, NULL, NULL);
	assert_non_null(ian);
	assert_non_null(ca_san);
	assert_int_equal(sk_GENERAL_NAME_num(ian), 1);
	assert_int_equal(sk_GENERAL_NAME_value(ian, 0)->type, GEN_DIRNAME);
	assert_int_equal(
	    GENERAL_NAME_cmp(sk_GENERAL_NAME_value(ian, 0), sk_GENERAL_NAME_value(ca_san, 0)), 0);
	int nid;
	const X509_NAME *dn = sk_GENERAL_NAME_value(ian, 0)->d.directoryName;
	assert_string_equal(entry_text(dn, 1, &nid), "公的個人認証サービス");
	assert_int_equal(nid, NID_organizationName);
	assert_string_equal(entry_text(dn, 2, &nid), kind == JPKI_KIND_SIGN
	                                                 ? "公的個人認証サービス署名用"
	                                                 : "公的個人認証サービス利用者証明用");
	GENERAL_NAMES_free(ian);
	GENERAL_NAMES_free(ca_san);

	/* cRLDistributionPoints and freshestCRL: the URLs of this certificate's CRL
	 * partition (fixed by random serial bits) and of its delta CRL */
	assert_int_equal(out->rec.crl_partition, jpki_crl_partition_of_hex(out->rec.serial));
	static const int dp_nid[2] = {NID_crl_distribution_points, NID_freshest_crl};
	for (int d = 0; d < 2; d++) {
		assert_critical(x, dp_nid[d], 0);
		CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, dp_nid[d], NULL, NULL);
		assert_non_null(dps);
		assert_int_equal(sk_DIST_POINT_num(dps), 1);
		DIST_POINT *dp = sk_DIST_POINT_value(dps, 0);
		assert_non_null(dp->distpoint);
		assert_int_equal(dp->distpoint->type, 0);
		assert_int_equal(sk_GENERAL_NAME_num(dp->distpoint->name.fullname), 1);
		snprintf(want, sizeof(want), BASE_URL "/crl/%s/%d%s.crl", k, out->rec.crl_partition,
		         d ? "-delta" : "");
		assert_uri(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0), want);
		CRL_DIST_POINTS_free(dps);
	}

	/* authorityInfoAccess: OCSP then caIssuers */
	assert_critical(x, NID_info_access, 0);
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	assert_non_null(aia);
	assert_int_equal(sk_ACCESS_DESCRIPTION_num(aia), 2);
	ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, 0);
	assert_int_equal(OBJ_obj2nid(ad->method), NID_ad_OCSP);
	snprintf(want, sizeof(want), BASE_URL "/ocsp/%s", k);
	assert_uri(ad->location, want);
	ad = sk_ACCESS_DESCRIPTION_value(aia, 1);
	assert_int_equal(OBJ_obj2nid(ad->method), NID_ad_ca_issuers);
	snprintf(want, sizeof(want), BASE_URL "/ca/%s.der", k);
	assert_uri(ad->location, want);
	AUTHORITY_INFO_ACCESS_free(aia);

	/* AKI = the CA's SKI; SKI = SHA-1 of the subject key (RFC 5280 §4.2.1.2) */
	assert_critical(x, NID_authority_key_identifier, 0);
	assert_critical(x, NID_subject_key_identifier, 0);
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(x);
	assert_non_null(aki);
	assert_int_equal(ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(ca->cert)), 0);
	const unsigned char *bits;
	int nbits;
	uint8_t sha1[20];
	assert_int_equal(X509_PUBKEY_get0_param(NULL, &bits, &nbits, NULL, X509_get_X509_PUBKEY(x)),
	                 1);
	assert_int_equal(EVP_Digest(bits, (size_t)nbits, sha1, NULL, EVP_sha1(), NULL), 1);
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
	assert_non_null(ski);
	assert_int_equal(ASN1_STRING_length(ski), 20);
	assert_memory_equal(ASN1_STRING_get0_data(ski), sha1, 20);
	/* no basicConstraints: an end entity */
	assert_int_equal(X509_get_ext_by_NID(x, NID_basic_constraints, -1), -1);
	assert_int_equal(X509_get_ext_count(x), kind == JPKI_KIND_SIGN ? 9 : 8); /* + freshestCRL */

	/* signed by its CA, and by nothing else */
	assert_int_equal(X509_verify(x, X509_get0_pubkey(ca->cert)), 1);
	assert_true(X509_verify(x, X509_get0_pubkey(other->cert)) <= 0);
	assert_int_equal(X509_check_issued(ca->cert, x), X509_V_OK);
	ERR_clear_error();

	/* what was recorded is this certificate */
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	assert_true(len > 0);
	assert_int_equal(out->rec.der_len, (size_t)len);
	assert_memory_equal(out->rec.der, der, (size_t)len);
	struct jpki_cert_rec stored;
	struct jpki_err err;
	assert_int_equal(g.st->ops->cert_get(g.st, out->rec.serial, true, &stored, &err), 0);
	assert_int_equal(stored.der_len, (size_t)len);
	assert_memory_equal(stored.der, der, (size_t)len);
	assert_int_equal(stored.kind, kind);
	assert_int_equal(stored.not_before, not_before);
	assert_int_equal(stored.not_after, not_after);
	assert_int_equal(stored.status, JPKI_CERT_VALID);
	assert_string_equal(stored.subject_cn, out->rec.subject_cn);
	jpki_cert_rec_clear(&stored);
	OPENSSL_free(der);
}

/* ---- the profiles ---- */

static void test_profiles(void **state)
{
	(void)state;
	struct jpki_resident r = person("山田", "太郎", "東京都立川市泉町1156-9", 1980, 3, 10);
	snprintf(r.former_surname, sizeof(r.former_surname), "佐藤");
	snprintf(r.address_subst, sizeof(r.address_subst), "00000010000000");
	int64_t id = add(&r);
	struct jpki_issued auth, sign;
	int nid;

	/* authentication: subject C=JP, CN only; no personal facts at all (rule C3) */
	issue_ok(JPKI_KIND_AUTH, id, g.t0, &auth);
	assert_int_equal(auth.cap, JPKI_CAP_BIRTHDAY);
	X509 *ax = parsed(&auth);
	check_common(ax, JPKI_KIND_AUTH, &auth, g.t0, end_of(2029, 3, 10));
	const X509_NAME *s = X509_get_subject_name(ax);
	assert_int_equal(X509_NAME_entry_count(s), 2);
	assert_string_equal(entry_text(s, 0, &nid), "JP");
	assert_int_equal(nid, NID_countryName);
	assert_string_equal(entry_text(s, 1, &nid), auth.rec.subject_cn);
	assert_int_equal(nid, NID_commonName);
	assert_int_equal(strlen(auth.rec.subject_cn), 24); /* opaque: 12 random bytes in hex */
	assert_int_equal(X509_get_ext_by_NID(ax, NID_subject_alt_name, -1), -1);
	X509_free(ax);

	/* signature: C=JP, L=<prefecture>, L=<municipality>, CN (docs/rules.md) */
	issue_ok(JPKI_KIND_SIGN, id, g.t0, &sign);
	X509 *sx = parsed(&sign);
	check_common(sx, JPKI_KIND_SIGN, &sign, g.t0, end_of(2029, 3, 10));
	s = X509_get_subject_name(sx);
	assert_int_equal(X509_NAME_entry_count(s), 4);
	assert_string_equal(entry_text(s, 0, &nid), "JP");
	assert_int_equal(nid, NID_countryName);
	assert_string_equal(entry_text(s, 1, &nid), "東京都");
	assert_int_equal(nid, NID_localityName);
	assert_string_equal(entry_text(s, 2, &nid), "立川市");
	assert_int_equal(nid, NID_localityName);
	assert_string_equal(entry_text(s, 3, &nid), sign.rec.subject_cn);
	assert_int_equal(nid, NID_commonName);
	assert_string_not_equal(sign.rec.subject_cn, auth.rec.subject_cn);

	/* the four basic facts as otherNames, in the order .1, .4, .3, .5, .2, .6 (rule C2) */
	static const struct {
		int arc;
		const char *value;
	} facts[6] = {
	    {1, "山田" U3000 "太郎［旧氏" U3000 "佐藤］"},
	    {4, "319800310"}, /* 昭和, 1980-03-10 */
	    {3, "1"},
	    {5, "東京都立川市泉町1156-9"},
	    {2, "000000000000"},
	    {6, "00000010000000"},
	};
	assert_critical(sx, NID_subject_alt_name, 0);
	GENERAL_NAMES *san = X509_get_ext_d2i(sx, NID_subject_alt_name, NULL, NULL);
	assert_non_null(san);
	assert_int_equal(sk_GENERAL_NAME_num(san), 6);
	for (int i = 0; i < 6; i++) {
		ASN1_OBJECT *oid;
		ASN1_TYPE *value;
		char txt[64], want[64];
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(san, i);
		assert_int_equal(GENERAL_NAME_get0_otherName(gn, &oid, &value), 1);
		OBJ_obj2txt(txt, sizeof(txt), oid, 1);
		snprintf(want, sizeof(want), OID_FACT "%d", facts[i].arc);
		assert_string_equal(txt, want);
		assert_int_equal(value->type, V_ASN1_UTF8STRING); /* [0] EXPLICIT UTF8String */
		assert_int_equal(ASN1_STRING_length(value->value.utf8string),
		                 (int)strlen(facts[i].value));
		assert_memory_equal(ASN1_STRING_get0_data(value->value.utf8string), facts[i].value,
		                    strlen(facts[i].value));
	}
	GENERAL_NAMES_free(san);
	X509_free(sx);
	jpki_issued_clear(&auth);
	jpki_issued_clear(&sign);
}

/* Rule C4 caps in issuance: the card, and the auth certificate for signatures. */
static void test_validity_caps(void **state)
{
	(void)state;
	int64_t id = add_adult();
	struct jpki_issued auth, sign;
	struct jpki_err err;
	struct jpki_issue_req req = {.kind = JPKI_KIND_AUTH,
	                             .resident_id = id,
	                             .subject_key = g.key,
	                             .has_card_expiry = true,
	                             .card_expiry = {2027, 6, 30},
	                             .now = g.t0};
	assert_int_equal(jpki_issue(g.st, g.ca[JPKI_KIND_AUTH], &req, &auth, &err), 0);
	assert_int_equal(auth.cap, JPKI_CAP_CARD);
	assert_int_equal(auth.rec.not_after, end_of(2027, 6, 30));
	/* no card given now, but the signature certificate stops with the auth one */
	issue_ok(JPKI_KIND_SIGN, id, g.t0, &sign);
	assert_int_equal(sign.cap, JPKI_CAP_AUTH);
	assert_int_equal(sign.rec.not_after, end_of(2027, 6, 30));
	X509 *sx = parsed(&sign);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(sx), (time_t)end_of(2027, 6, 30)),
	                 0);
	X509_free(sx);
	jpki_issued_clear(&auth);
	jpki_issued_clear(&sign);
	/* the wrong CA for the kind is refused */
	req.kind = JPKI_KIND_SIGN;
	assert_int_equal(jpki_issue(g.st, g.ca[JPKI_KIND_AUTH], &req, &auth, &err),
	                 -JPKI_E_INVALID);
	assert_null(auth.rec.der);
}

/* ---- refusals record nothing ---- */

static void test_refusals(void **state)
{
	(void)state;
	struct jpki_issued out;
	struct jpki_err err;
	long before = cert_count(0);

	/* rule E2: under 15 (the eve of the 15th birthday): no signature certificate */
	struct jpki_resident child = person("鈴木", "花", "東京都立川市泉町1", 2009, 4, 2);
	int64_t c = add(&child);
	assert_int_equal(issue(JPKI_KIND_SIGN, c, g.t0, &out, &err), -JPKI_E_NOT_ELIGIBLE);
	assert_int_equal(err.code, JPKI_E_NOT_ELIGIBLE);
	assert_null(out.rec.der);
	assert_int_equal(cert_count(0), before);
	/* ... the authentication certificate is allowed (applied for by the legal representative)
	 */
	issue_ok(JPKI_KIND_AUTH, c, g.t0, &out);
	jpki_issued_clear(&out);
	before++;
	/* ... and on the 15th birthday the signature certificate is allowed */
	issue_ok(JPKI_KIND_SIGN, c, at("2024-04-02T00:00:00+09:00"), &out);
	jpki_issued_clear(&out);
	before++;

	/* rule E2: an adult ward: no signature certificate */
	struct jpki_resident ward = person("高橋", "次郎", "東京都立川市泉町2", 1950, 1, 1);
	ward.adult_ward = true;
	int64_t w = add(&ward);
	assert_int_equal(issue(JPKI_KIND_SIGN, w, g.t0, &out, &err), -JPKI_E_NOT_ELIGIBLE);
	assert_null(out.rec.der);
	assert_int_equal(cert_count(0), before);
	assert_int_equal(cert_count(w), 0);

	/* an unknown resident */
	assert_int_equal(issue(JPKI_KIND_AUTH, 987654321, g.t0, &out, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(cert_count(0), before);

	/* a resident who moved out (rule E1) */
	struct jpki_resident gone = person("伊藤", "三郎", "東京都立川市泉町3", 1970, 5, 5);
	int64_t m = add(&gone);
	gone.status = JPKI_MOVED_OUT;
	assert_int_equal(jpki_resident_change(g.st, &gone, g.t0, NULL, &err), 0);
	assert_int_equal(issue(JPKI_KIND_AUTH, m, g.t0, &out, &err), -JPKI_E_NOT_ELIGIBLE);
	assert_int_equal(issue(JPKI_KIND_SIGN, m, g.t0, &out, &err), -JPKI_E_NOT_ELIGIBLE);
	assert_int_equal(cert_count(0), before);

	/* a card already expired */
	int64_t a = add_adult();
	struct jpki_issue_req req = {.kind = JPKI_KIND_AUTH,
	                             .resident_id = a,
	                             .subject_key = g.key,
	                             .has_card_expiry = true,
	                             .card_expiry = {2024, 3, 31},
	                             .now = g.t0};
	assert_int_equal(jpki_issue(g.st, g.ca[JPKI_KIND_AUTH], &req, &out, &err),
	                 -JPKI_E_NOT_ELIGIBLE);
	assert_int_equal(cert_count(0), before);
}

/* ---- rule X1 and rule N1 ---- */

static void test_reissue_supersedes(void **state)
{
	(void)state;
	int64_t id = add_adult();
	struct jpki_issued first, second;
	issue_ok(JPKI_KIND_AUTH, id, g.t0, &first);
	assert_string_equal(first.superseded, "");
	int64_t later = at("2025-01-10T11:00:00+09:00"); /* far from expiry: not a renewal */
	issue_ok(JPKI_KIND_AUTH, id, later, &second);
	assert_string_equal(second.superseded, first.rec.serial);
	assert_false(second.rec.renewal);
	assert_int_equal(second.rec.not_after,
	                 end_of(2029, 3, 10)); /* 5th birthday after 2025-01-10 */
	struct jpki_cert_rec old = lookup(first.rec.serial);
	assert_int_equal(old.status, JPKI_CERT_REVOKED);
	assert_int_equal(old.reason, JPKI_REASON_SUPERSEDED);
	assert_int_equal(old.revoked_at, later);
	struct jpki_cert_rec cur;
	struct jpki_err err;
	assert_int_equal(g.st->ops->cert_current(g.st, id, JPKI_KIND_AUTH, later, &cur, &err), 0);
	assert_string_equal(cur.serial, second.rec.serial);
	assert_int_equal(cert_count(id), 2);
	jpki_issued_clear(&first);
	jpki_issued_clear(&second);
}

/* A retry for the same key is refused and changes nothing; a new key supersedes. */
static void test_same_key_refused(void **state)
{
	(void)state;
	int64_t id = add_adult();
	struct jpki_issued first, again;
	struct jpki_err err;
	issue_ok(JPKI_KIND_AUTH, id, g.t0, &first);
	struct jpki_issue_req req = {
	    .kind = JPKI_KIND_AUTH, .resident_id = id, .subject_key = g.key, .now = g.t0 + 60};
	assert_int_equal(jpki_issue(g.st, g.ca[JPKI_KIND_AUTH], &req, &again, &err),
	                 -JPKI_E_EXISTS);
	assert_non_null(strstr(err.msg, first.rec.serial));
	assert_int_equal(cert_count(id), 1);
	assert_int_equal(lookup(first.rec.serial).status, JPKI_CERT_VALID);
	_cleanup_(EVP_PKEYp) EVP_PKEY *other = EVP_RSA_gen(2048);
	assert_non_null(other);
	req.subject_key = other;
	assert_int_equal(jpki_issue(g.st, g.ca[JPKI_KIND_AUTH], &req, &again, &err), 0);
	assert_string_equal(again.superseded, first.rec.serial);
	assert_int_equal(cert_count(id), 2);
	jpki_issued_clear(&first);
	jpki_issued_clear(&again);
}

/* before_commit runs inside the transaction: its failure records nothing. */
static int failing_delivery(void *arg, const struct jpki_issued *out, struct jpki_err *err)
{
	(void)arg;
	assert_non_null(out->rec.der);
	return jpki_fail(err, JPKI_E_IO, "disk full (test)");
}

static void test_before_commit_failure_rolls_back(void **state)
{
	(void)state;
	int64_t id = add_adult();
	struct jpki_issued first, second;
	struct jpki_err err;
	issue_ok(JPKI_KIND_AUTH, id, g.t0, &first);
	_cleanup_(EVP_PKEYp) EVP_PKEY *other = EVP_RSA_gen(2048);
	struct jpki_issue_req req = {.kind = JPKI_KIND_AUTH,
	                             .resident_id = id,
	                             .subject_key = other,
	                             .now = g.t0 + 60,
	                             .before_commit = failing_delivery};
	assert_int_equal(jpki_issue(g.st, g.ca[JPKI_KIND_AUTH], &req, &second, &err), -JPKI_E_IO);
	assert_int_equal(cert_count(id), 1);                                /* nothing recorded */
	assert_int_equal(lookup(first.rec.serial).status, JPKI_CERT_VALID); /* nor superseded */
	jpki_issued_clear(&first);
}

static void test_renewal(void **state)
{
	(void)state;
	int64_t id = add_adult(); /* born 1980-03-10: first certificate to 2029-03-10 */
	struct jpki_issued first, renewed;
	issue_ok(JPKI_KIND_AUTH, id, g.t0, &first);
	assert_int_equal(first.rec.not_after, end_of(2029, 3, 10));
	assert_false(first.rec.renewal);
	/* rule N1: inside the 3 months before expiry: to the 6th birthday */
	int64_t now = at("2029-01-15T10:00:00+09:00");
	issue_ok(JPKI_KIND_AUTH, id, now, &renewed);
	assert_true(renewed.rec.renewal);
	assert_int_equal(renewed.rec.not_after, end_of(2034, 3, 10));
	assert_string_equal(renewed.superseded, first.rec.serial);
	struct jpki_cert_rec stored = lookup(renewed.rec.serial);
	assert_true(stored.renewal);
	assert_int_equal(lookup(first.rec.serial).reason, JPKI_REASON_SUPERSEDED);
	jpki_issued_clear(&first);
	jpki_issued_clear(&renewed);

	/* the day before the window opens it is an ordinary reissue (5th birthday) */
	int64_t id2 = add_adult();
	issue_ok(JPKI_KIND_AUTH, id2, g.t0, &first);
	issue_ok(JPKI_KIND_AUTH, id2, at("2028-12-09T23:59:59+09:00"), &renewed);
	assert_false(renewed.rec.renewal);
	assert_int_equal(renewed.rec.not_after, end_of(2033, 3, 10));
	jpki_issued_clear(&first);
	jpki_issued_clear(&renewed);
}

/* ---- bulk issuance: serials stay unique ---- */

static int cmp_serial(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define BULK 300

static void test_bulk_unique_serials(void **state)
{
	(void)state;
	struct jpki_err err;
	long before = cert_count(0);
	size_t n = BULK + 2;
	struct jpki_issue_req *reqs = calloc(n, sizeof(*reqs));
	struct jpki_issued *out = calloc(n, sizeof(*out));
	const char **serials = calloc(BULK, sizeof(*serials));
	assert_non_null(reqs);
	assert_non_null(out);
	assert_non_null(serials);
	assert_int_equal(g.st->ops->begin(g.st, &err), 0); /* one commit for all residents */
	for (size_t i = 0; i < BULK; i++) {
		struct jpki_resident r = person("村上", "春樹", "東京都立川市泉町1156-9", 1990,
		                                (int)(i % 12) + 1, (int)(i % 28) + 1);
		reqs[i] = (struct jpki_issue_req){.kind = JPKI_KIND_AUTH,
		                                  .resident_id = add(&r),
		                                  .subject_key = g.key,
		                                  .now = g.t0};
	}
	struct jpki_resident child = person("村上", "夏", "東京都立川市泉町1", 2015, 1, 1);
	int64_t c = add(&child);
	assert_int_equal(g.st->ops->commit(g.st, &err), 0);
	/* two bad requests in the batch: a duplicate and a rule E2 refusal */
	reqs[BULK] = reqs[0];
	reqs[BULK + 1] = (struct jpki_issue_req){
	    .kind = JPKI_KIND_SIGN, .resident_id = c, .subject_key = g.key, .now = g.t0};
	struct jpki_ca *const cas[2] = {g.ca[0], g.ca[1]};

	long got = jpki_issue_bulk(g.st, cas, reqs, n, 2, out, &err);
	assert_int_equal(got, BULK);
	for (size_t i = 0; i < BULK; i++) {
		if (out[i].rc != 0)
			fail_msg("request %zu: %s", i, out[i].err.msg);
		assert_non_null(out[i].rec.der);
		assert_int_equal(out[i].rec.resident_id, reqs[i].resident_id);
		serials[i] = out[i].rec.serial;
	}
	assert_int_equal(out[BULK].rc, -JPKI_E_INVALID);
	assert_int_equal(out[BULK + 1].rc, -JPKI_E_NOT_ELIGIBLE);
	assert_null(out[BULK + 1].rec.der);
	/* all distinct, all recorded, all verifying */
	qsort(serials, BULK, sizeof(*serials), cmp_serial);
	for (size_t i = 1; i < BULK; i++)
		if (strcmp(serials[i - 1], serials[i]) == 0)
			fail_msg("serial %s issued twice", serials[i]);
	assert_int_equal(cert_count(0), before + BULK);
	for (size_t i = 0; i < BULK; i++) {
		struct jpki_cert_rec rec = lookup(out[i].rec.serial);
		assert_int_equal(rec.resident_id, reqs[i].resident_id);
		const unsigned char *p = out[i].rec.der;
		X509 *x = d2i_X509(NULL, &p, (long)out[i].rec.der_len);
		assert_non_null(x);
		assert_true(p == out[i].rec.der + out[i].rec.der_len);
		assert_int_equal(X509_verify(x, X509_get0_pubkey(g.ca[1]->cert)), 1);
		X509_free(x);
	}
	for (size_t i = 0; i < n; i++)
		jpki_issued_clear(&out[i]);
	free(serials);
	free(out);
	free(reqs);
}

/* ---- life events revoke (rule C5, docs/rules.md, rule C5 and the revocation reasons) ---- */

static void test_resident_change(void **state)
{
	(void)state;
	struct jpki_err err;
	struct jpki_revocations rev;
	struct jpki_resident r = person("中村", "四郎", "東京都立川市泉町1156-9", 1985, 8, 20);
	int64_t id = add(&r);
	struct jpki_issued auth, sign;
	issue_ok(JPKI_KIND_AUTH, id, g.t0, &auth);
	issue_ok(JPKI_KIND_SIGN, id, g.t0, &sign);

	/* a move of house: the signature certificate goes, the auth certificate stays */
	int64_t t1 = at("2024-05-01T10:00:00+09:00");
	snprintf(r.address, sizeof(r.address), "千葉県市川市八幡1-1-1");
	assert_int_equal(jpki_resident_change(g.st, &r, t1, &rev, &err), 0);
	assert_int_equal(rev.n, 1);
	assert_int_equal(rev.item[0].kind, JPKI_KIND_SIGN);
	assert_int_equal(rev.item[0].reason, JPKI_REASON_AFFILIATION_CHANGED);
	assert_string_equal(rev.item[0].serial, sign.rec.serial);
	struct jpki_cert_rec c = lookup(sign.rec.serial);
	assert_int_equal(c.status, JPKI_CERT_REVOKED);
	assert_int_equal(c.reason, JPKI_REASON_AFFILIATION_CHANGED);
	assert_int_equal(c.revoked_at, t1);
	assert_int_equal(lookup(auth.rec.serial).status, JPKI_CERT_VALID);
	struct jpki_resident stored;
	assert_int_equal(g.st->ops->resident_get(g.st, id, &stored, &err), 0);
	assert_string_equal(stored.address, "千葉県市川市八幡1-1-1");

	/* a change that touches no basic fact revokes nothing */
	r.has_residence_end = true;
	r.residence_end = (struct jpki_date){2030, 1, 1};
	assert_int_equal(jpki_resident_change(g.st, &r, t1, &rev, &err), 0);
	assert_int_equal(rev.n, 0);

	/* death: the auth certificate goes too */
	r.status = JPKI_DECEASED;
	assert_int_equal(jpki_resident_change(g.st, &r, t1 + 60, &rev, &err), 0);
	assert_int_equal(rev.n, 1);
	assert_int_equal(rev.item[0].kind, JPKI_KIND_AUTH);
	assert_int_equal(rev.item[0].reason, JPKI_REASON_CESSATION);
	assert_int_equal(lookup(auth.rec.serial).status, JPKI_CERT_REVOKED);
	jpki_issued_clear(&auth);
	jpki_issued_clear(&sign);

	/* death with both valid revokes both */
	struct jpki_resident q = person("小林", "五郎", "東京都立川市泉町5", 1960, 2, 29);
	int64_t qid = add(&q);
	issue_ok(JPKI_KIND_AUTH, qid, g.t0, &auth);
	issue_ok(JPKI_KIND_SIGN, qid, g.t0, &sign);
	q.status = JPKI_DECEASED;
	assert_int_equal(jpki_resident_change(g.st, &q, t1, &rev, &err), 0);
	assert_int_equal(rev.n, 2);
	assert_int_equal(lookup(auth.rec.serial).reason, JPKI_REASON_CESSATION);
	assert_int_equal(lookup(sign.rec.serial).reason, JPKI_REASON_CESSATION);
	jpki_issued_clear(&auth);
	jpki_issued_clear(&sign);

	/* an invalid change is refused and changes nothing */
	struct jpki_resident bad = q;
	bad.status = JPKI_RESIDENT;
	bad.sex = (enum jpki_sex)7;
	assert_int_equal(jpki_resident_change(g.st, &bad, t1, &rev, &err), -JPKI_E_INVALID);
	assert_int_equal(g.st->ops->resident_get(g.st, qid, &stored, &err), 0);
	assert_int_equal(stored.status, JPKI_DECEASED);
}

/* ---- CRL ---- */

struct expect_rev {
	char serial[JPKI_SERIAL_HEX_MAX];
	int reason; /* -1: no reasonCode extension (unspecified) */
	int64_t at;
};

static int count_revoked_sign(const struct jpki_cert_rec *c, void *arg)
{
	struct {
		long n;
		int64_t now;
	} *a = arg;
	if (c->kind == JPKI_KIND_SIGN && c->status == JPKI_CERT_REVOKED && c->not_after >= a->now)
		a->n++;
	return 0;
}

static X509_CRL *build_crl(enum jpki_kind kind, int64_t now)
{
	uint8_t *der = NULL;
	size_t len = 0;
	struct jpki_err err;
	if (jpki_crl_build(g.st, g.ca[kind], now, JPKI_CRL_DEFAULT_VALIDITY, &der, &len, &err) != 0)
		fail_msg("crl: %s", err.msg);
	const unsigned char *p = der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	assert_non_null(crl);
	assert_ptr_equal(p, der + len); /* nothing after the CRL */
	free(der);
	return crl;
}

static long crl_number(X509_CRL *crl)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	assert_non_null(n);
	long v = ASN1_INTEGER_get(n);
	ASN1_INTEGER_free(n);
	return v;
}

static void test_crl(void **state)
{
	(void)state;
	struct jpki_err err;
	int64_t now = at("2024-06-01T10:00:00+09:00");
	struct expect_rev want[3];
	struct jpki_issued keep, a, s[3];

	/* three revoked signature certificates with different reasons, one valid one */
	for (int i = 0; i < 3; i++) {
		int64_t id = add_adult();
		issue_ok(JPKI_KIND_SIGN, id, g.t0, &s[i]);
		snprintf(want[i].serial, sizeof(want[i].serial), "%s", s[i].rec.serial);
	}
	issue_ok(JPKI_KIND_SIGN, add_adult(), g.t0, &keep);
	int64_t aid = add_adult();
	issue_ok(JPKI_KIND_AUTH, aid, g.t0, &a);
	const enum jpki_reason reasons[3] = {JPKI_REASON_KEY_COMPROMISE, JPKI_REASON_UNSPECIFIED,
	                                     JPKI_REASON_HOLD};
	for (int i = 0; i < 3; i++) {
		want[i].at = g.t0 + 3600 * (i + 1);
		want[i].reason = reasons[i] == JPKI_REASON_UNSPECIFIED ? -1 : (int)reasons[i];
		assert_int_equal(
		    g.st->ops->cert_revoke(g.st, want[i].serial, want[i].at, reasons[i], &err), 0);
	}
	assert_int_equal(
	    g.st->ops->cert_revoke(g.st, a.rec.serial, g.t0, JPKI_REASON_KEY_COMPROMISE, &err), 0);

	X509_CRL *crl = build_crl(JPKI_KIND_SIGN, now);
	const struct jpki_ca *ca = g.ca[JPKI_KIND_SIGN];
	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca->cert)),
	                 0);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(ca->cert)), 1);
	assert_true(X509_CRL_verify(crl, X509_get0_pubkey(g.ca[JPKI_KIND_AUTH]->cert)) <= 0);
	ERR_clear_error();
	assert_int_equal(X509_CRL_get_signature_nid(crl), NID_sha256WithRSAEncryption);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl), (time_t)now), 0);
	assert_non_null(X509_CRL_get0_nextUpdate(crl));
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl),
	                                      (time_t)(now + JPKI_CRL_DEFAULT_VALIDITY)),
	                 0);
	/* AKI = the CA's SKI */
	AUTHORITY_KEYID *akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);
	assert_non_null(akid);
	assert_int_equal(ASN1_OCTET_STRING_cmp(akid->keyid, X509_get0_subject_key_id(ca->cert)), 0);
	AUTHORITY_KEYID_free(akid);

	/* exactly the revoked, unexpired signature certificates of the registry */
	struct {
		long n;
		int64_t now;
	} expect = {0, now};
	assert_int_equal(g.st->ops->cert_each(g.st, 0, count_revoked_sign, &expect, &err), 0);
	assert_true(expect.n >= 3);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), expect.n);
	for (int i = 0; i < 3; i++) {
		X509_REVOKED *rev = crl_find_revoked(crl, want[i].serial);
		if (!rev)
			fail_msg("serial %s missing from the CRL", want[i].serial);
		assert_int_equal(
		    ASN1_TIME_cmp_time_t(X509_REVOKED_get0_revocationDate(rev), (time_t)want[i].at),
		    0);
		int crit = 0;
		ASN1_ENUMERATED *code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
		if (want[i].reason < 0) {
			assert_null(code); /* RFC 5280 §5.3.1: unspecified is left out */
		} else {
			assert_non_null(code);
			assert_int_equal(ASN1_ENUMERATED_get(code), want[i].reason);
			assert_int_equal(crit, 0);
		}
		ASN1_ENUMERATED_free(code);
	}
	assert_null(crl_find_revoked(crl, keep.rec.serial)); /* valid: not listed */
	assert_null(crl_find_revoked(crl, a.rec.serial));    /* another CA's: not listed */
	long n1 = crl_number(crl);
	X509_CRL_free(crl);

	/* the auth CA's CRL lists the auth certificate; numbers go up per CA */
	crl = build_crl(JPKI_KIND_AUTH, now);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(g.ca[JPKI_KIND_AUTH]->cert)), 1);
	assert_non_null(crl_find_revoked(crl, a.rec.serial));
	assert_null(crl_find_revoked(crl, want[0].serial));
	X509_CRL_free(crl);
	crl = build_crl(JPKI_KIND_SIGN, now + 60);
	assert_true(crl_number(crl) > n1);
	X509_CRL_free(crl);

	/* after the revoked certificates expire they leave the CRL */
	crl = build_crl(JPKI_KIND_SIGN, end_of(2029, 3, 10) + 1);
	for (int i = 0; i < 3; i++)
		assert_null(crl_find_revoked(crl, want[i].serial));
	X509_CRL_free(crl);

	uint8_t *der = NULL;
	size_t len;
	assert_int_equal(jpki_crl_build(g.st, ca, now, 0, &der, &len, &err), -JPKI_E_INVALID);
	assert_null(der);
	for (int i = 0; i < 3; i++)
		jpki_issued_clear(&s[i]);
	jpki_issued_clear(&keep);
	jpki_issued_clear(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profiles),
	    cmocka_unit_test(test_validity_caps),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_reissue_supersedes),
	    cmocka_unit_test(test_same_key_refused),
	    cmocka_unit_test(test_before_commit_failure_rolls_back),
	    cmocka_unit_test(test_renewal),
	    cmocka_unit_test(test_bulk_unique_serials),
	    cmocka_unit_test(test_resident_change),
	    cmocka_unit_test(test_crl),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
