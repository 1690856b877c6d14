/*
 * verify_xml.c: what is particular to an enveloped XML signature
 * (xmldsig.h) before the shared judgement of its signer (verify.c):
 * exactly one Signature in the document; a SignedInfo of the profile (C14N
 * 1.0, RSA-SHA256, one Reference URI="" with the enveloped-signature
 * transform and SHA-256), so the signature covers the whole document and
 * nothing else; the signer's certificate from KeyInfo; the references and
 * the signature value checked by libxmlsec1 with that certificate's key,
 * with only those URIs and transforms enabled.
 */
/* libxmlsec1 1.2's OpenSSL headers name libcrypto's deprecated key types: see xmldsig.c */
#undef OPENSSL_NO_DEPRECATED
#undef OPENSSL_API_COMPAT
#include <string.h>

#include <libxml/tree.h>
#include <openssl/err.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/crypto.h>

#include "core/base64.h"
#include "core/ossl.h"
#include "sig/report.h"
#include "sig/xmldsig.h"
#include "sig/xmlsec_int.h"

#define ALG_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

static int count_signatures(xmlNodePtr n)
{
	int c = 0;
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		c += xmlSecCheckNodeName(n, xmlSecNodeSignature, xmlSecDSigNs) ? 1 : 0;
		c += count_signatures(n->children);
	}
	return c;
}

static bool algorithm_is(xmlNodePtr n, const char *want)
{
	xmlChar *a = n ? xmlGetProp(n, xmlSecAttrAlgorithm) : NULL;
	bool ok = a && strcmp((const char *)a, want) == 0;
	xmlFree(a);
	return ok;
}

/* The element children of parent, in order, with the name expected; NULL past the end. */
static xmlNodePtr next_element(xmlNodePtr n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

/* Transforms: enveloped-signature, then optionally C14N 1.0; nothing else. */
static bool transforms_ok(xmlNodePtr ts)
{
	xmlNodePtr t = next_element(ts ? ts->children : NULL);
	if (!t || !xmlSecCheckNodeName(t, xmlSecNodeTransform, xmlSecDSigNs) ||
	    !algorithm_is(t, ALG_ENVELOPED))
		return false;
	t = next_element(t->next);
	if (t && (!xmlSecCheckNodeName(t, xmlSecNodeTransform, xmlSecDSigNs) ||
	          !algorithm_is(t, ALG_C14N)))
		return false;
	return !next_element(t ? t->next : NULL);
}

/* SignedInfo as the profile has it; a reason for the report, or NULL. */
static const char *profile_failure(xmlNodePtr sig, bool *crypto)
{
	*crypto = false;
	xmlNodePtr si = next_element(sig->children);
	if (!si || !xmlSecCheckNodeName(si, xmlSecNodeSignedInfo, xmlSecDSigNs))
		return "no SignedInfo";
	xmlNodePtr c14n = next_element(si->children);
	xmlNodePtr method = c14n ? next_element(c14n->next) : NULL;
	xmlNodePtr ref = method ? next_element(method->next) : NULL;
	if (!ref || !xmlSecCheckNodeName(ref, xmlSecNodeReference, xmlSecDSigNs))
		return "SignedInfo is not CanonicalizationMethod, SignatureMethod, Reference";
	*crypto = true;
	if (!algorithm_is(c14n, ALG_C14N) || !algorithm_is(method, ALG_RSA_SHA256))
		return "only Canonical XML 1.0 and RSA-SHA256 are accepted";
	*crypto = false;
	if (next_element(ref->next))
		return "more than one Reference: the signature must cover the whole document, once";
	xmlChar *uri = xmlGetProp(ref, xmlSecAttrURI);
	bool whole = uri && uri[0] == 0;
	xmlFree(uri);
	if (!whole)
		return "the Reference is not URI=\"\": the signature must cover the whole document";
	xmlNodePtr ts = next_element(ref->children);
	xmlNodePtr dm = ts ? next_element(ts->next) : NULL;
	if (!ts || !xmlSecCheckNodeName(ts, xmlSecNodeTransforms, xmlSecDSigNs) ||
	    !transforms_ok(ts))
		return "the Reference's transforms are not enveloped-signature (then C14N 1.0)";
	*crypto = true;
	if (!dm || !algorithm_is(dm, ALG_SHA256))
		return "only SHA-256 digests are accepted";
	*crypto = false;
	return NULL;
}

/* Any comment in the tree: Canonical XML 1.0 drops them, so their text is never signed. */
static bool has_comment(xmlNodePtr n)
{
	for (; n; n = n->next)
		if (n->type == XML_COMMENT_NODE || has_comment(n->children))
			return true;
	return false;
}

/* Elements under parent, each named one of names (NULL-terminated), at least one. */
static bool children_only(xmlNodePtr parent, const xmlChar *const *names)
{
	int n = 0;
	for (xmlNodePtr c = next_element(parent->children); c; c = next_element(c->next), n++) {
		bool known = false;
		for (const xmlChar *const *k = names; *k && !known; k++)
			known = xmlSecCheckNodeName(c, *k, xmlSecDSigNs);
		if (!known)
			return false;
	}
	return n > 0;
}

/*
 * What URI="" with the enveloped-signature transform leaves unsigned is the
 * Signature element itself, so it may hold nothing a reader could take for
 * the filing: SignedInfo, SignatureValue and KeyInfo/X509Data/X509Certificate
 * only, as the last element of the document element; and no comments
 * anywhere.  A reason, or NULL.
 */
static const char *unsigned_content(xmlDocPtr doc, xmlNodePtr sig)
{
	static const xmlChar *const top[] = {xmlSecNodeSignedInfo, xmlSecNodeSignatureValue,
	                                     xmlSecNodeKeyInfo, NULL};
	static const xmlChar *const ki[] = {xmlSecNodeX509Data, NULL};
	static const xmlChar *const x509[] = {xmlSecNodeX509Certificate, NULL};
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlNodePtr k = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
	xmlNodePtr x = k ? xmlSecFindChild(k, xmlSecNodeX509Data, xmlSecDSigNs) : NULL;
	if (sig->parent != root || next_element(sig->next))
		return "the Signature must be the last element of the document element";
	if (!children_only(sig, top) || !k || !children_only(k, ki) || !x ||
	    !children_only(x, x509))
		return "the Signature may hold only SignedInfo, SignatureValue and "
		       "KeyInfo/X509Data/X509Certificate (anything else there is unsigned)";
	if (has_comment(doc->children))
		return "the document holds comments, which Canonical XML 1.0 leaves unsigned";
	return NULL;
}

/* The certificates of KeyInfo/X509Data, in order, onto certs. */
static void keyinfo_certs(xmlNodePtr sig, struct jpki_cert_cache *cache, STACK_OF(X509) * certs)
{
	xmlNodePtr ki = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
	xmlNodePtr x509 = ki ? xmlSecFindChild(ki, xmlSecNodeX509Data, xmlSecDSigNs) : NULL;
	for (xmlNodePtr n = x509 ? x509->children : NULL; n; n = n->next) {
		if (!xmlSecCheckNodeName(n, xmlSecNodeX509Certificate, xmlSecDSigNs))
			continue;
		xmlChar *text = xmlNodeGetContent(n);
		uint8_t *der = NULL;
		size_t len = 0;
		X509 *x = text && jpki_base64_decode((const char *)text, strlen((const char *)text),
		                                     true, &der, &len) == 0
		              ? jpki_cert_cache_get(cache, der, len)
		              : NULL;
		if (x && !sk_X509_push(certs, x))
			X509_free(x);
		free(der);
		xmlFree(text);
	}
}

/* The signer: the one certificate of KeyInfo that is not a CA's. */
static X509 *find_signer(STACK_OF(X509) * certs)
{
	X509 *found = NULL;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		if (X509_check_ca(x) == 0) {
			if (found)
				return NULL;
			found = x;
		}
	}
	return found;
}

/* libxmlsec1 checks the reference and the signature with the signer's key only. */
static void check_with_xmlsec(xmlNodePtr sig, X509 *signer, struct jpki_report *r)
{
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	if (!ctx || !(ctx->signKey = jpki_xmlsec_key(X509_get0_pubkey(signer)))) {
		xmlSecDSigCtxDestroy(ctx);
		jpki_report_decide(r, JPKI_INDETERMINATE, "TRY_LATER", "out of memory");
		return;
	}
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
	ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
	xmlSecTransformId ref_ok[] = {xmlSecTransformEnvelopedId, xmlSecTransformInclC14NId,
	                              xmlSecTransformSha256Id};
	xmlSecTransformId sig_ok[] = {xmlSecTransformInclC14NId, xmlSecTransformRsaSha256Id};
	for (size_t i = 0; i < 3; i++)
		xmlSecDSigCtxEnableReferenceTransform(ctx, ref_ok[i]);
	for (size_t i = 0; i < 2; i++)
		xmlSecDSigCtxEnableSignatureTransform(ctx, sig_ok[i]);
	if (xmlSecDSigCtxVerify(ctx, sig) < 0) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
		                   "libxmlsec1 cannot process the signature");
	} else if (ctx->status != xmlSecDSigStatusSucceeded) {
		bool refs_ok = true;
		for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&ctx->signedInfoReferences); i++) {
			xmlSecDSigReferenceCtxPtr ref =
			    xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
			refs_ok &= ref && ref->status == xmlSecDSigStatusSucceeded;
		}
		if (!refs_ok)
			jpki_report_decide(
			    r, JPKI_TOTAL_FAILED, "HASH_FAILURE",
			    "the signed document has changed: its digest differs from the "
			    "signed DigestValue");
		else
			jpki_report_decide(
			    r, JPKI_TOTAL_FAILED, "SIG_CRYPTO_FAILURE",
			    "the signature value does not verify with the signer's key");
	}
	xmlSecDSigCtxDestroy(ctx);
	ERR_clear_error();
}

static void verify_doc(struct jpki_verifier *v, xmlDocPtr doc, struct jpki_report *r)
{
	int n = count_signatures(xmlDocGetRootElement(doc));
	xmlNodePtr sig =
	    xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature, xmlSecDSigNs);
	if (n != 1 || !sig) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
		                   "%d XML signatures: exactly one is verified", n);
		return;
	}
	bool crypto = false;
	const char *why = unsigned_content(doc, sig);
	if (!why)
		why = profile_failure(sig, &crypto);
	if (why) {
		jpki_report_decide(r, crypto ? JPKI_INDETERMINATE : JPKI_TOTAL_FAILED,
		                   crypto ? "CRYPTO_CONSTRAINTS_FAILURE_NO_POE" : "FORMAT_FAILURE",
		                   "%s", why);
		return;
	}
	struct jpki_embedded emb = {.certs = sk_X509_new_null()};
	if (emb.certs)
		keyinfo_certs(sig, v->certs, emb.certs);
	X509 *signer = emb.certs ? find_signer(emb.certs) : NULL;
	if (!signer) {
		jpki_report_decide(r, JPKI_INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND",
		                   "KeyInfo does not hold exactly one signer's certificate");
	} else {
		jpki_report_describe_signer(r, signer);
		snprintf(r->scope, sizeof(r->scope), "FULL");
		check_with_xmlsec(sig, signer, r);
		jpki_report_warn(
		    r, "no signature time-stamp: the signing time is claimed, not proven");
		if (!r->decided)
			jpki_judge_signer(v, signer, &emb, r);
	}
	sk_X509_pop_free(emb.certs, X509_free);
}

void jpki_verify_xml_into(struct jpki_verifier *v, const uint8_t *xml, size_t len,
                          const uint8_t *doc, struct jpki_report *r)
{
	struct jpki_err err;
	xmlDocPtr d = NULL;
	snprintf(r->format, sizeof(r->format), "XMLDSig");
	snprintf(r->level, sizeof(r->level), "XMLDSIG");
	if (doc) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE",
		                   "an enveloped XML signature is verified alone: give no file");
		return;
	}
	if (jpki_xml_parse(xml, len, &d, &err) < 0) {
		jpki_report_decide(r, JPKI_TOTAL_FAILED, "FORMAT_FAILURE", "%s", err.msg);
		return;
	}
	verify_doc(v, d, r);
	xmlFreeDoc(d);
}
