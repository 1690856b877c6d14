/*
 * profile.c: the signature certificate (署名用電子証明書) and the user
 * authentication certificate (利用者証明用電子証明書).
 *
 * Signature: subject C=JP, L=<prefecture>, L=<municipality>, CN=<id>; the
 * four basic facts as subjectAltName otherNames in the order seen on a real
 * certificate (.1 name, .4 birth, .3 sex, .5 address, .2 and .6 flags);
 * keyUsage digitalSignature + nonRepudiation and certificatePolicies, both
 * critical.  Authentication: subject C=JP, CN=<id> and nothing personal.
 * Both carry issuerAltName, cRLDistributionPoints, authorityInfoAccess
 * (OCSP, caIssuers), authorityKeyIdentifier and subjectKeyIdentifier.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/hex.h"
#include "core/ossl.h"
#include "names.h"
#include "profile.h"

#define OID_FACTS "1.2.392.200149.8.5.5."

static int name_add(X509_NAME *n, int nid, int type, const char *v)
{
	return X509_NAME_add_entry_by_NID(n, nid, type, (const unsigned char *)v, -1, -1, 0) == 1
		       ? 0
		       : -1;
}

static X509_NAME *subject_name(const struct jpki_cert_plan *p, struct jpki_err *err)
{
	_cleanup_(X509_NAMEp) X509_NAME *n = X509_NAME_new();
	if (!n || name_add(n, NID_countryName, V_ASN1_PRINTABLESTRING, "JP") < 0)
		return NULL;
	if (p->kind == JPKI_KIND_SIGN) {
		char pref[32], city[256];
		if (jpki_address_split(p->resident->address, pref, sizeof(pref), city,
				       sizeof(city), err) < 0 ||
		    name_add(n, NID_localityName, V_ASN1_UTF8STRING, pref) < 0 ||
		    name_add(n, NID_localityName, V_ASN1_UTF8STRING, city) < 0)
			return NULL;
	}
	if (name_add(n, NID_commonName, V_ASN1_UTF8STRING, p->cn) < 0)
		return NULL;
	return TAKE_PTR(n);
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

static X509_EXTENSION *ski_ext(X509 *x)
{
	uint8_t id[20];
	_cleanup_(ASN1_OCTET_STRINGp) ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	if (!ski || jpki_key_id(X509_get_X509_PUBKEY(x), id, NULL) < 0 ||
	    ASN1_OCTET_STRING_set(ski, id, sizeof(id)) != 1)
		return NULL;
	return X509V3_EXT_i2d(NID_subject_key_identifier, 0, ski);
}

static int add_owned(X509 *x, X509_EXTENSION *ext)
{
	int ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int add_shared(X509 *x, X509_EXTENSION *ext)
{
	return X509_add_ext(x, ext, -1) == 1 ? 0 : -1; /* X509_add_ext copies */
}

int jpki_profile_build(const struct jpki_ca *ca, const struct jpki_cert_plan *p, X509 **ret,
		       struct jpki_err *err)
{
	_cleanup_(X509p) X509 *x = X509_new();
	_cleanup_(X509_NAMEp) X509_NAME *subject = NULL;
	if (!x)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (p->kind != ca->kind)
		return jpki_fail(err, JPKI_E_INVALID, "a %s certificate needs the %s CA",
				 jpki_kind_name(p->kind), jpki_kind_name(p->kind));
	if (!(subject = subject_name(p, err)))
		return err && err->code != JPKI_E_OK
			       ? -(int)err->code
			       : jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot build the subject");
	X509_EXTENSION *facts = NULL;
	if (p->kind == JPKI_KIND_SIGN && !(facts = facts_ext(p->resident, err)))
		return err && err->code != JPKI_E_OK
			       ? -(int)err->code
			       : jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the basic facts");
	bool ok = X509_set_version(x, X509_VERSION_3) == 1 &&
		  jpki_set_serial(x, p->serial, sizeof(p->serial)) == 0 &&
		  X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) == 1 &&
		  X509_set_subject_name(x, subject) == 1 &&
		  ASN1_TIME_set(X509_getm_notBefore(x), (time_t)p->not_before) &&
		  ASN1_TIME_set(X509_getm_notAfter(x), (time_t)p->not_after) &&
		  X509_set_pubkey(x, p->subject_key) == 1 &&
		  add_shared(x, ca->ext_key_usage) == 0 && add_shared(x, ca->ext_policy) == 0 &&
		  (!facts || add_owned(x, TAKE_PTR(facts)) == 0) &&
		  add_shared(x, ca->ext_issuer_alt) == 0 && add_shared(x, ca->ext_crldp) == 0 &&
		  add_shared(x, ca->ext_aia) == 0 && add_shared(x, ca->ext_akid) == 0 &&
		  add_owned(x, ski_ext(x)) == 0 && X509_sign(x, ca->key, EVP_sha256()) > 0;
	X509_EXTENSION_free(facts);
	if (!ok)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot build the %s certificate",
				      jpki_kind_name(p->kind));
	*ret = TAKE_PTR(x);
	return 0;
}

int jpki_plan_randomize(struct jpki_cert_plan *plan, struct jpki_err *err)
{
	uint8_t id[12];
	int rc = jpki_random_serial(plan->serial, sizeof(plan->serial), err);
	if (rc < 0)
		return rc;
	if (RAND_bytes(id, sizeof(id)) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random bytes for an identifier");
	jpki_hex_encode(id, sizeof(id), plan->cn);
	return 0;
}
