/*
 * xmldsig.c: enveloped XML signatures made with a signature value from
 * elsewhere (xmldsig.h).
 *
 * libxmlsec1 fills in the signature: it digests the document and
 * canonicalises SignedInfo (XMLSEC_DSIG_FLAGS_STORE_SIGNATURE keeps the
 * canonical bytes), signing them with a throwaway RSA key of this process.
 * Those bytes are what the card signs; its value replaces the throwaway one.
 * The references and SignedInfo do not depend on the key, so the result is
 * what xmlsec1 --sign would have made with the card's key.
 */
/* libxmlsec1 1.2's OpenSSL headers name libcrypto's deprecated key types (RSA, DSA, EC_KEY):
 * this file and verify_xml.c see them; nothing here uses them */
#undef OPENSSL_NO_DEPRECATED
#undef OPENSSL_API_COMPAT
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmltree.h>

#include "core/base64.h"
#include "core/ossl.h"
#include "sig/xmldsig.h"
#include "sig/xmlsec_int.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_ok;
static EVP_PKEY *throwaway; /* signs SignedInfo only to have xmlsec canonicalise it */

/* libxml2 would print parse errors about outside input on stderr: they become our messages */
static void quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx, (void)fmt;
}

static void quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx, (void)e;
}

static void init(void)
{
	xmlInitParser();
	xmlThrDefSetGenericErrorFunc(NULL, quiet);
	xmlThrDefSetStructuredErrorFunc(NULL, quiet_structured);
	xmlSecErrorsDefaultCallbackEnableOutput(0); /* errors come back as our messages */
	init_ok = xmlSecInit() == 0 && xmlSecCheckVersion() == 1 &&
	          xmlSecCryptoAppInit(NULL) == 0 && xmlSecCryptoInit() == 0 &&
	          (throwaway = EVP_RSA_gen(2048)) != NULL;
}

int jpki_xmlsec_ready(struct jpki_err *err)
{
	pthread_once(&once, init);
	return init_ok ? 0 : jpki_fail(err, JPKI_E_CRYPTO, "libxmlsec1 does not initialise");
}

bool jpki_looks_like_xml(const uint8_t *p, size_t len)
{
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		p += 3, len -= 3;
	while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++, len--;
	return len > 0 && *p == '<' && !(len > 5 && memcmp(p, "-----", 5) == 0);
}

int jpki_xml_parse(const uint8_t *p, size_t len, xmlDocPtr *ret, struct jpki_err *err)
{
	int rc = jpki_xmlsec_ready(err);
	if (rc < 0)
		return rc;
	if (len > JPKI_XML_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "the XML has %zu bytes (at most %u)", len,
		                 JPKI_XML_MAX);
	xmlSetGenericErrorFunc(NULL, quiet); /* this thread's, if it read XML before init */
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	/* no network, no entity substitution, no DTD loading (XML_PARSE_NOENT, DTDLOAD unset) */
	xmlDocPtr doc = xmlReadMemory((const char *)p, (int)len, NULL, NULL,
	                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return jpki_fail(err, JPKI_E_INVALID, "not well-formed XML");
	if (doc->intSubset || doc->extSubset || !xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		return jpki_fail(err, JPKI_E_INVALID, "a DOCTYPE is not accepted in a filing");
	}
	*ret = doc;
	return 0;
}

int jpki_xml_dump(xmlDocPtr doc, uint8_t **out, size_t *out_len, struct jpki_err *err)
{
	xmlChar *mem = NULL;
	int n = 0;
	xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
	if (!mem || n <= 0 || !(*out = malloc((size_t)n))) {
		xmlFree(mem);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	memcpy(*out, mem, (size_t)n);
	*out_len = (size_t)n;
	xmlFree(mem);
	return 0;
}

xmlSecKeyPtr jpki_xmlsec_key(EVP_PKEY *pkey)
{
	if (!pkey || !EVP_PKEY_up_ref(pkey))
		return NULL;
	xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey);
	xmlSecKeyPtr key = data ? xmlSecKeyCreate() : NULL;
	if (!data)
		EVP_PKEY_free(pkey);
	if (key && xmlSecKeySetValue(key, data) == 0)
		return key;
	xmlSecKeyDataDestroy(data);
	xmlSecKeyDestroy(key);
	return NULL;
}

/*
 * Have xmlsec fill the Signature (digests, canonical SignedInfo) with the
 * throwaway key; out gets the DigestInfo of the canonical SignedInfo, and
 * *canon (when not NULL) a copy of those bytes.  KeyInfo is taken out
 * meanwhile, so xmlsec writes nothing of the throwaway key there.
 */
static int fill(xmlNodePtr sig, uint8_t di[JPKI_DIGESTINFO_LEN], uint8_t **canon, size_t *canon_len,
                struct jpki_err *err)
{
	xmlNodePtr ki = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
	if (ki)
		xmlUnlinkNode(ki);
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	int rc = 0;
	if (!ctx || !(ctx->signKey = jpki_xmlsec_key(throwaway))) {
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		goto out;
	}
	ctx->flags |= XMLSEC_DSIG_FLAGS_STORE_SIGNATURE;
	xmlSecBufferPtr pre;
	if (xmlSecDSigCtxSign(ctx, sig) < 0 || !(pre = xmlSecDSigCtxGetPreSignBuffer(ctx))) {
		rc = jpki_fail(err, JPKI_E_INVALID, "libxmlsec1 cannot build the signature");
		goto out;
	}
	const uint8_t *p = xmlSecBufferGetData(pre);
	size_t n = xmlSecBufferGetSize(pre);
	rc = jpki_digestinfo_sha256(p, n, di, err);
	if (rc == 0 && canon) {
		if (!(*canon = malloc(n ? n : 1)))
			rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		else
			memcpy(*canon, p, n), *canon_len = n;
	}
out:
	if (ki)
		xmlAddChild(sig, ki);
	xmlSecDSigCtxDestroy(ctx);
	ERR_clear_error();
	return rc;
}

/* The template (xmldsig.h) appended to the document element. */
static xmlNodePtr make_template(xmlDocPtr doc, X509 *signer)
{
	xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformInclC14NId,
	                                           xmlSecTransformRsaSha256Id, NULL);
	if (!sig || !xmlAddChild(xmlDocGetRootElement(doc), sig))
		return NULL;
	xmlNodePtr ref =
	    xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
	xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
	xmlNodePtr x509 = ki ? xmlSecTmplKeyInfoAddX509Data(ki) : NULL;
	xmlNodePtr cert = x509 ? xmlSecTmplX509DataAddCertificate(x509) : NULL;
	uint8_t *der = NULL;
	int n = i2d_X509(signer, &der);
	char *b64 = n > 0 ? jpki_base64_encode(der, (size_t)n) : NULL;
	OPENSSL_free(der);
	bool ok = ref && cert && b64 &&
	          xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) &&
	          xmlSecTmplReferenceAddTransform(ref, xmlSecTransformInclC14NId);
	if (ok)
		xmlNodeSetContent(cert, BAD_CAST b64);
	free(b64);
	return ok ? sig : NULL;
}

int jpki_xml_prepare(const uint8_t *xml, size_t len, X509 *signer, uint8_t **prepared,
                     size_t *prepared_len, uint8_t di[JPKI_DIGESTINFO_LEN], struct jpki_err *err)
{
	xmlDocPtr doc = NULL;
	int rc = jpki_xml_parse(xml, len, &doc, err);
	if (rc < 0)
		return rc;
	if (xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature, xmlSecDSigNs))
		rc = jpki_fail(err, JPKI_E_EXISTS, "the document is signed already");
	xmlNodePtr sig = rc == 0 ? make_template(doc, signer) : NULL;
	if (rc == 0 && !sig)
		rc = jpki_fail(err, JPKI_E_NOMEM, "the signature template");
	if (rc == 0)
		rc = fill(sig, di, NULL, NULL, err);
	if (rc == 0) {
		xmlNodePtr value = xmlSecFindChild(sig, xmlSecNodeSignatureValue, xmlSecDSigNs);
		xmlNodeSetContent(value, BAD_CAST ""); /* not the throwaway key's value */
		rc = jpki_xml_dump(doc, prepared, prepared_len, err);
	}
	xmlFreeDoc(doc);
	return rc;
}

/* The first KeyInfo/X509Data/X509Certificate of sig. */
static X509 *keyinfo_cert(xmlNodePtr sig)
{
	xmlNodePtr ki = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
	xmlNodePtr x509 = ki ? xmlSecFindChild(ki, xmlSecNodeX509Data, xmlSecDSigNs) : NULL;
	xmlNodePtr node =
	    x509 ? xmlSecFindChild(x509, xmlSecNodeX509Certificate, xmlSecDSigNs) : NULL;
	xmlChar *text = node ? xmlNodeGetContent(node) : NULL;
	uint8_t *der = NULL;
	size_t n = 0;
	X509 *x = NULL;
	if (text && jpki_base64_decode((const char *)text, strlen((const char *)text), true, &der,
	                               &n) == 0) {
		const uint8_t *p = der;
		x = d2i_X509(NULL, &p, (long)n);
		if (x && p != der + n)
			X509_free(x), x = NULL;
	}
	free(der);
	xmlFree(text);
	ERR_clear_error();
	return x;
}

int jpki_xml_finish(const uint8_t *prepared, size_t len, const uint8_t *sigval, size_t sig_len,
                    uint8_t **out, size_t *out_len, struct jpki_err *err)
{
	xmlDocPtr doc = NULL;
	uint8_t di[JPKI_DIGESTINFO_LEN];
	_cleanup_(freep) uint8_t *canon = NULL;
	size_t canon_len = 0;
	int rc = jpki_xml_parse(prepared, len, &doc, err);
	if (rc < 0)
		return rc;
	xmlNodePtr sig =
	    xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature, xmlSecDSigNs);
	_cleanup_(X509p) X509 *signer = sig ? keyinfo_cert(sig) : NULL;
	if (!signer)
		rc = jpki_fail(err, JPKI_E_INVALID,
		               "not a prepared XML signature (no KeyInfo certificate)");
	if (rc == 0)
		rc = fill(sig, di, &canon, &canon_len, err);
	_cleanup_(EVP_MD_CTXp) EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (rc == 0 &&
	    (!md ||
	     EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(signer)) != 1 ||
	     sig_len == 0 || sig_len > 1024 ||
	     EVP_DigestVerify(md, sigval, sig_len, canon, canon_len) != 1)) {
		ERR_clear_error();
		rc = jpki_fail(err, JPKI_E_INVALID,
		               "the signature value does not verify with the signer's key");
	}
	char *b64 = rc == 0 ? jpki_base64_encode(sigval, sig_len) : NULL;
	if (rc == 0 && !b64)
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0) {
		xmlNodeSetContent(xmlSecFindChild(sig, xmlSecNodeSignatureValue, xmlSecDSigNs),
		                  BAD_CAST b64);
		rc = jpki_xml_dump(doc, out, out_len, err);
	}
	free(b64);
	xmlFreeDoc(doc);
	return rc;
}

int jpki_xml_sign(const uint8_t *xml, size_t len, X509 *signer, jpki_sign_fn fn, void *arg,
                  uint8_t **out, size_t *out_len, struct jpki_err *err)
{
	_cleanup_(freep) uint8_t *prepared = NULL;
	size_t prepared_len = 0, sig_len = 1024;
	uint8_t di[JPKI_DIGESTINFO_LEN], sig[1024];
	int rc = jpki_xml_prepare(xml, len, signer, &prepared, &prepared_len, di, err);
	if (rc == 0)
		rc = fn(arg, di, sig, &sig_len, err);
	if (rc == 0)
		rc = jpki_xml_finish(prepared, prepared_len, sig, sig_len, out, out_len, err);
	return rc;
}
