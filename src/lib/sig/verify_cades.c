/*
 * verify_cades.c: what is particular to a CAdES signature (RFC 5652, ETSI
 * EN 319 122-1) before the shared judgement of its signer (verify.c):
 * exactly one signer, found by its identifier among the certificates and
 * bound by signing-certificate-v2; the message digest over the content;
 * the signature over the signed attributes; the signature time-stamp; and
 * the revocation values B-LT embeds.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "core/der.h"
#include "core/ossl.h"
#include "sig/cades.h"
#include "sig/report.h"
#include "sig/signeddata.h"

/* 2.16.840.1.101.3.4.2.1 sha256, the default hashAlgorithm of ESSCertIDv2 (RFC 5035) */
static const uint8_t oid_sha256[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x01};

/* A PEM "CMS" or "PKCS7" block's DER (*out malloc'd). */
static int pem_to_der(const uint8_t *pem, size_t len, uint8_t **out, size_t *out_len)
{
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(pem, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long n = 0;
	int ok = b && PEM_read_bio(b, &name, &header, &data, &n) == 1 &&
	         (strcmp(name, "CMS") == 0 || strcmp(name, "PKCS7") == 0) && n > 0 &&
	         (*out = malloc((size_t)n)) != NULL;
	if (ok)
		memcpy(*out, data, (size_t)n), *out_len = (size_t)n;
	OPENSSL_free(name), OPENSSL_free(header), OPENSSL_free(data);
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* The signer's certificate by its SignerIdentifier (RFC 5652 §5.3), or NULL. */
static X509 *find_signer(CMS_SignerInfo *si, STACK_OF(X509) * certs)
{
	for (int i = 0; i < sk_X509_num(certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
			return sk_X509_value(certs, i);
	return NULL;
}

/*
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, ... }
 * ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET
 * STRING, issuerSerial OPTIONAL }: the first names the signer (RFC 5035 §3).
 */
static bool ess_names(const ASN1_STRING *v, X509 *cert)
{
	struct jpki_cur c = jpki_cur_make(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
	struct jpki_cur scv2, ids, id, alg, hash;
	if (!jpki_der_read(&c, DER_SEQUENCE, &scv2) || !jpki_der_read(&scv2, DER_SEQUENCE, &ids) ||
	    !jpki_der_read(&ids, DER_SEQUENCE, &id))
		return false;
	uint8_t tag;
	if (jpki_cur_peek(&id, &tag) && tag == DER_SEQUENCE) {
		struct jpki_cur oid;
		if (!jpki_der_read(&id, DER_SEQUENCE, &alg) ||
		    jpki_cur_left(&alg) < sizeof(oid_sha256) ||
		    memcmp(alg.base + alg.off, oid_sha256, sizeof(oid_sha256)) != 0 ||
		    !jpki_der_read(&alg, DER_OID, &oid))
			return false; /* only SHA-256 */
	}
	if (!jpki_der_read(&id, DER_OCTET_STRING, &hash) || jpki_cur_left(&hash) != 32)
		return false;
	uint8_t md[32];
	unsigned int n = 32;
	return X509_digest(cert, EVP_sha256(), md, &n) == 1 &&
	       memcmp(md, hash.base + hash.off, 32) == 0;
}

static bool check_binding(CMS_SignerInfo *si, X509 *cert, struct jpki_report *r)
{
	ASN1_STRING *v = CMS_signed_get0_data_by_OBJ(
	    si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE);
	if (!v) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
		                   "no signing-certificate-v2 attribute (CAdES needs one)");
		return false;
	}
	if (!ess_names(v, cert)) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND",
		                   "the signing-certificate-v2 attribute names another certificate "
		                   "than the signer identifier");
		return false;
	}
	return true;
}

static bool check_algorithms(CMS_SignerInfo *si, struct jpki_report *r)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	int d = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
	int s = sig ? OBJ_obj2nid(sig->algorithm) : NID_undef;
	if (d != NID_sha256 || (s != NID_rsaEncryption && s != NID_sha256WithRSAEncryption)) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
		                   "algorithms %s with %s: only SHA-256 with RSA is accepted",
		                   OBJ_nid2sn(d), OBJ_nid2sn(s));
		return false;
	}
	return true;
}

/* The content: attached, or the detached file; a given file must equal an attached one. */
static bool signed_content(CMS_ContentInfo *cms, const uint8_t *doc, size_t doc_len,
                           const uint8_t **p, size_t *n, struct jpki_report *r)
{
	ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
	if (pos && *pos) {
		*p = ASN1_STRING_get0_data(*pos), *n = (size_t)ASN1_STRING_length(*pos);
		if (doc && (doc_len != *n || memcmp(doc, *p, *n) != 0)) {
			jpki_report_decide(
			    r, JPKI_TOTAL_FAILED, "HASH_FAILURE",
			    "the file given differs from the content the signature holds");
			return false;
		}
		return true;
	}
	if (!doc) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "SIGNED_DATA_NOT_FOUND",
		                   "the signature is detached: give the signed file too");
		return false;
	}
	*p = doc, *n = doc_len;
	return true;
}

static bool check_digest(CMS_ContentInfo *cms, CMS_SignerInfo *si, const uint8_t *doc,
                         size_t doc_len, struct jpki_report *r)
{
	const uint8_t *p = NULL;
	size_t n = 0;
	if (!signed_content(cms, doc, doc_len, &p, &n, r))
		return false;
	const ASN1_OBJECT *type =
	    CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT);
	ASN1_OCTET_STRING *md = CMS_signed_get0_data_by_OBJ(
	    si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (!type || OBJ_cmp(type, CMS_get0_eContentType(cms)) != 0 || !md) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
		                   "the content-type or message-digest attribute is missing or "
		                   "does not match (RFC 5652 §11)");
		return false;
	}
	uint8_t h[32];
	unsigned int hl = 0;
	if (EVP_Digest(p, n, h, &hl, EVP_sha256(), NULL) != 1 || ASN1_STRING_length(md) != 32 ||
	    memcmp(ASN1_STRING_get0_data(md), h, 32) != 0) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "HASH_FAILURE",
		                   "the signed document has changed: its digest differs from the "
		                   "signed message digest");
		return false;
	}
	snprintf(r->scope, sizeof(r->scope), "FULL");
	return true;
}

static void claimed_time(CMS_SignerInfo *si, struct jpki_report *r)
{
	ASN1_TIME *t = NULL;
	int i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *a = i >= 0 ? CMS_signed_get_attr(si, i) : NULL;
	ASN1_TYPE *v = a ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	if (v && (v->type == V_ASN1_UTCTIME || v->type == V_ASN1_GENERALIZEDTIME))
		t = v->value.utctime;
	r->has_claimed = t && jpki_asn1_time_epoch(t, &r->claimed_time);
}

/* B-T: the signature time-stamp, which proves the signature existed at its genTime. */
static bool check_timestamp(struct jpki_verifier *v, CMS_SignerInfo *si, struct jpki_report *r)
{
	int n = 0;
	for (int i = -1;
	     (i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, i)) >= 0;)
		n++;
	if (n == 0) {
		jpki_report_warn(
		    r, "no signature time-stamp: the signing time is claimed, not proven");
		return true;
	}
	int i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
	X509_ATTRIBUTE *a = CMS_unsigned_get_attr(si, i);
	ASN1_TYPE *t = X509_ATTRIBUTE_count(a) == 1 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	uint8_t hash[32];
	struct jpki_err err;
	struct jpki_stamp_info st;
	bool imprint_ok = true;
	if (!t || t->type != V_ASN1_SEQUENCE) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
		                   "the signature time-stamp attribute is malformed");
		return false;
	}
	if (jpki_cades_sigvalue_hash(si, hash, &err) < 0 ||
	    jpki_timestamp_check(ASN1_STRING_get0_data(t->value.sequence),
	                         (size_t)ASN1_STRING_length(t->value.sequence), hash, v->trusted,
	                         v->certs, &st, &imprint_ok, &err) < 0) {
		if (!imprint_ok) {
			jpki_report_decide(
			    r, JPKI_TOTAL_FAILED, "HASH_FAILURE",
			    "the signature time-stamp covers another signature value");
			return false;
		}
		/* EN 319 102-1: a time-stamp that does not verify proves nothing; go on without it
		 */
		jpki_report_warn(r,
		                 "the signature time-stamp does not verify, so the signing time is "
		                 "unproven: %s",
		                 err.msg);
		return true;
	}
	if (n > 1)
		jpki_report_warn(r, "%d signature time-stamps: the first is used", n);
	r->time_proven = true;
	r->best_time = st.gen_time;
	snprintf(r->tsa, sizeof(r->tsa), "%s", st.tsa);
	jpki_text_clean(r->tsa, sizeof(r->tsa));
	jpki_report_add_cert(r, "TIMESTAMP", st.tsa_cert);
	X509_free(st.tsa_cert);
	if (r->has_claimed && r->claimed_time > st.gen_time + 15 * 60)
		jpki_report_warn(r, "the claimed signing time is after the time-stamp");
	return true;
}

static int collect_rev(enum jpki_rev_kind kind, const uint8_t *der, size_t len, void *arg)
{
	struct jpki_embedded *e = arg;
	if (kind == JPKI_REV_OCSP && e->n_ocsp < 4)
		e->ocsp[e->n_ocsp] = der, e->ocsp_len[e->n_ocsp++] = len;
	else if (kind == JPKI_REV_CRL && e->n_crl < 4)
		e->crl[e->n_crl] = der, e->crl_len[e->n_crl++] = len;
	return 0;
}

static void set_level(const struct jpki_embedded *e, struct jpki_report *r)
{
	const char *lvl = !r->time_proven                                         ? "B"
	                  : e->n_ocsp + e->n_crl > 0 && sk_X509_num(e->certs) > 1 ? "LT"
	                                                                          : "T";
	snprintf(r->level, sizeof(r->level), "CAdES_BASELINE_%s", lvl);
}

/* certs: the signature's certificates (taken), read apart from cms (certcache.h) */
static void verify_parsed(struct jpki_verifier *v, CMS_ContentInfo *cms, STACK_OF(X509) * certs,
                          const uint8_t *der, size_t der_len, const uint8_t *doc, size_t doc_len,
                          struct jpki_report *r)
{
	struct jpki_err err;
	struct jpki_signeddata sd;
	CMS_SignerInfo *si;
	struct jpki_embedded emb = {.certs = certs};
	if (jpki_sd_split(der, der_len, &sd, &err) < 0 || jpki_cades_signer(cms, &si, &err) < 0) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE", "%s", err.msg);
		goto out;
	}
	X509 *signer = find_signer(si, emb.certs);
	if (!signer) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND",
		                   "the signature does not hold the certificate its signer "
		                   "identifier names");
		goto out;
	}
	jpki_report_describe_signer(r, signer);
	if (!check_algorithms(si, r) || !check_binding(si, signer, r) ||
	    !check_digest(cms, si, doc, doc_len, r))
		goto out;
	CMS_SignerInfo_set1_signer_cert(si, signer);
	if (CMS_SignerInfo_verify(si) != 1) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "SIG_CRYPTO_FAILURE",
		                   "the signature value does not verify with the signer's key");
		goto out;
	}
	claimed_time(si, r);
	if (!check_timestamp(v, si, r))
		goto out;
	if (jpki_sd_revocations(&sd, collect_rev, &emb, &err) < 0) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE", "%s", err.msg);
		goto out;
	}
	set_level(&emb, r);
	jpki_judge_signer(v, signer, &emb, r);
out:
	sk_X509_pop_free(emb.certs, X509_free);
}

void jpki_verify_cades_into(struct jpki_verifier *v, const uint8_t *sig, size_t sig_len,
                            const uint8_t *doc, size_t doc_len, struct jpki_report *r)
{
	struct jpki_err err = {JPKI_E_NOMEM, "out of memory"};
	_cleanup_(cms_content_info_freep) CMS_ContentInfo *cms = NULL;
	snprintf(r->format, sizeof(r->format), "CAdES");
	snprintf(r->level, sizeof(r->level), "CAdES_BASELINE_B");
	if (doc && doc_len > JPKI_SIG_CONTENT_MAX) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "SIGNED_DATA_NOT_FOUND",
		                   "the document is over %u bytes", JPKI_SIG_CONTENT_MAX);
		return;
	}
	_cleanup_(freep) uint8_t *pem_der = NULL;
	const uint8_t *der = sig;
	size_t der_len = sig_len;
	if (sig_len > JPKI_SIG_DOC_MAX) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
		                   "the signature is over %u bytes", JPKI_SIG_DOC_MAX);
		return;
	}
	if (sig_len > 11 && memcmp(sig, "-----BEGIN ", 11) == 0) {
		if (pem_to_der(sig, sig_len, &pem_der, &der_len) < 0) {
			jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
			                   "not a PEM CMS signature");
			return;
		}
		der = pem_der;
	}
	STACK_OF(X509) *certs = sk_X509_new_null();
	_cleanup_(freep) uint8_t *stripped = NULL;
	size_t stripped_len = 0;
	if (!certs || der_len > JPKI_SIG_DOC_MAX ||
	    jpki_sd_strip_certs(der, der_len, v->certs, certs, &stripped, &stripped_len, &err) <
	        0 ||
	    jpki_cades_parse(stripped, stripped_len, &cms, &err) < 0) {
		sk_X509_pop_free(certs, X509_free);
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE", "%s",
		                   der_len > JPKI_SIG_DOC_MAX ? "the signature is over 4 MiB"
		                                              : err.msg);
		return;
	}
	verify_parsed(v, cms, certs, der, der_len, doc, doc_len, r);
}
