/*
 * cmd_sign.c: `jpki sign`, a CAdES signature with the signature key of a
 * card (docs/relying-party.md): in one step with the card in a PC/SC
 * reader (or a card image, or any PKCS#11 module), or in two steps for a
 * web relying party (data-to-sign out, the signature value in, finalize);
 * and `--extend LT` of an existing B-T signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca/ca.h"
#include "cli.h"
#include "cmd_card.h"
#include "commands.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "p11.h"
#include "sig/cades.h"
#include "sig/xmldsig.h"

static const char sign_usage[] =
    "usage: jpki sign --in FILE --out SIG.p7s [--attached] [--level B|T|LT] [--format xml]\n"
    "                 [IMAGE | --reader NAME | --pkcs11 MODULE [--slot-index N]]\n"
    "                 [--pin-fd N | --pin-file F] [--tsa URL] [--trust CA.pem]\n"
    "       jpki sign --data-to-sign --cert SIGNER.pem --in FILE --prepared P.der\n"
    "                 --out TBS.bin [--attached | --format xml]\n"
    "       jpki sign --finalize P.der --signature-value SIG.bin --out SIG.p7s\n"
    "                 [--level B|T|LT] [--ca CA.pem] [--tsa URL] [--trust CA.pem]\n"
    "       jpki sign --extend LT --in SIG.p7s --out SIG-LT.p7s --ca CA.pem\n"
    "                 [--tsa URL] [--trust CA.pem]\n"
    "\n"
    "A CAdES signature (CMS SignedData, RFC 5652, with signing-certificate-v2) of\n"
    "FILE, detached unless --attached, at a baseline level of ETSI EN 319 122-1:\n"
    "  B   the signature alone (its time is only claimed)\n"
    "  T   plus a signature time-stamp from the TSA (default <base URL>/tsa): the\n"
    "      default, and what keeps a signature valid after a move revokes its\n"
    "      certificate\n"
    "  LT  plus the signer's CA certificate and its current OCSP response (or its\n"
    "      CRL partition and delta) for verification without the network\n"
    "--format xml: an XML filing signed the e-Government way instead: an enveloped\n"
    "XMLDSig Signature (one Reference URI=\"\" with the enveloped-signature transform,\n"
    "Canonical XML 1.0, SHA-256, RSA-SHA256, the certificate in KeyInfo) appended to\n"
    "the document element; --out is the signed XML.  It carries no time-stamp.\n"
    "The key is the signature key of the card in the first PC/SC reader holding\n"
    "one (--reader picks by name), of a card IMAGE, or of the PKCS#11 token of\n"
    "MODULE (opensc-pkcs11.so reads a real My Number card; the key is the one\n"
    "whose certificate has nonRepudiation).  The signature password (6-16 of A-Z\n"
    "0-9) comes from --pin-fd, --pin-file or a prompt, never the command line.\n"
    "\n"
    "Two steps: --data-to-sign writes the DigestInfo (51 bytes, DER) that the key\n"
    "signs with RSA PKCS#1 v1.5 (`pkcs11-tool -m RSA-PKCS`, `jpki card sign --raw`)\n"
    "and the prepared signature P.der; --finalize checks the signature value\n"
    "against the certificate and writes the signature.  --ca is the signer's CA\n"
    "certificate (from the card, EF 0002) for B-LT; --trust adds the CAs that the\n"
    "TSA's and the OCSP responder's answers must chain to (default: --ca, else the\n"
    "data folder's signature CA).\n";

struct sign_opts {
	struct card_target tg;
	struct card_secrets sec;
	const char *in, *out, *level_s, *tsa, *trust, *ca, *cert, *prepared, *finalize, *sigvalue,
	    *extend, *pkcs11;
	bool attached, data_to_sign, xml;
	const char *format;
	unsigned long slot_index;
	bool has_slot;
	enum jpki_cades_level level;
};

static void x509_stack_freep(STACK_OF(X509) * *s)
{
	sk_X509_pop_free(*s, X509_free);
}

static int parse_level(const char *s, enum jpki_cades_level *out)
{
	if (strcmp(s, "B") == 0 || strcmp(s, "B-B") == 0)
		*out = JPKI_LEVEL_B;
	else if (strcmp(s, "T") == 0 || strcmp(s, "B-T") == 0)
		*out = JPKI_LEVEL_T;
	else if (strcmp(s, "LT") == 0 || strcmp(s, "B-LT") == 0)
		*out = JPKI_LEVEL_LT;
	else
		return -1;
	return 0;
}

/* Certificates of a PEM file, appended to st. */
static int load_certs(const char *path, STACK_OF(X509) * st, struct jpki_err *err)
{
	_cleanup_(freep) uint8_t *buf = NULL;
	size_t len = 0;
	int rc = jpki_read_file(path, 1u << 20, &buf, &len, err), n = 0;
	if (rc < 0)
		return rc;
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(buf, (int)len);
	for (X509 *x; b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL; n++)
		if (!sk_X509_push(st, x)) {
			X509_free(x);
			return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		}
	ERR_clear_error();
	return n ? 0 : jpki_fail(err, JPKI_E_INVALID, "%s holds no PEM certificate", path);
}

static X509 *d2i_cert(const uint8_t *der, size_t len)
{
	const uint8_t *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* One certificate from a PEM file; prints and returns 1 on failure. */
static int load_ca(const char *path, X509 **out)
{
	struct jpki_err err;
	STACK_OF(X509) *st = sk_X509_new_null();
	int rc = st ? load_certs(path, st, &err) : jpki_fail(&err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0 && sk_X509_num(st) != 1)
		rc = jpki_fail(&err, JPKI_E_INVALID, "%s must hold one certificate", path);
	if (rc == 0)
		*out = sk_X509_shift(st);
	sk_X509_pop_free(st, X509_free);
	return rc < 0 ? cli_fail(&err) : 0;
}

/* ---- the key: a card through our host side ---- */

static int card_sign_fn(void *arg, const uint8_t di[JPKI_DIGESTINFO_LEN], uint8_t *sig,
                        size_t *sig_len, struct jpki_err *err)
{
	if (*sig_len < 256)
		return jpki_fail(err, JPKI_E_LIMIT, "no room for the signature");
	int rc = jpki_host_sign_raw(arg, JPKI_PIN_SIGN, di, JPKI_DIGESTINFO_LEN, sig, err);
	*sig_len = 256;
	return rc;
}

static int card_read_x509(struct jpki_transport *t, uint16_t fid, X509 **out, struct jpki_err *err)
{
	_cleanup_(freep) uint8_t *der = NULL;
	size_t len = 0;
	int rc = jpki_host_read_cert(t, fid, &der, &len, err);
	if (rc < 0)
		return rc;
	*out = d2i_cert(der, len);
	return *out ? 0 : jpki_fail(err, JPKI_E_CARD, "EF %04X holds no certificate", fid);
}

/* Unlock the signature key and read its certificate and CA. */
static int card_unlock(struct jpki_transport *t, const struct cli_secret *pin_src, X509 **cert,
                       X509 **ca)
{
	struct jpki_err err;
	char pin[JPKI_PIN_MAX + 2];
	int tries = -1, rc = card_get_pin(pin_src, "signature password", pin);
	if (rc != 0)
		return rc;
	rc = jpki_host_select_app(t, &err);
	if (rc == 0)
		rc = jpki_host_verify(t, JPKI_PIN_SIGN, pin, &tries, &err);
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rc == -JPKI_E_PIN && tries >= 0)
		return cli_fail_msg("wrong signature password: %d tries left", tries);
	if (rc == 0)
		rc = card_read_x509(t, JPKI_FID_SIGN_CERT, cert, &err);
	if (rc == 0)
		rc = card_read_x509(t, JPKI_FID_SIGN_CA, ca, &err);
	return rc < 0 ? cli_fail(&err) : 0;
}

/* ---- the steps ---- */

static int finish_opts(struct sign_opts *o, X509 *ca, STACK_OF(X509) * trusted,
                       struct jpki_sign_opts *so, char *tsa_buf, size_t cap)
{
	struct jpki_err err;
	if (o->trust && load_certs(o->trust, trusted, &err) < 0)
		return cli_fail(&err);
	if (ca && sk_X509_num(trusted) == 0 && (!X509_up_ref(ca) || !sk_X509_push(trusted, ca)))
		return cli_fail_msg("out of memory");
	char def[4096];
	if (sk_X509_num(trusted) == 0 &&
	    jpki_ca_path(cli_ctx(), JPKI_KIND_SIGN, "cert.pem", def, sizeof(def), &err) == 0 &&
	    access(def, R_OK) == 0 && load_certs(def, trusted, &err) < 0)
		return cli_fail(&err);
	if (!o->tsa)
		snprintf(tsa_buf, cap, "%s/tsa", jpki_ctx_base_url(cli_ctx()));
	so->attached = o->attached;
	so->level = o->level;
	so->tsa_url = o->tsa ? o->tsa : tsa_buf;
	so->trusted = trusted;
	so->issuer = ca;
	int64_t now;
	if (jpki_ctx_now(cli_ctx(), &now, &err) < 0)
		return cli_fail(&err);
	so->now = now;
	return 0;
}

static int write_sig(const char *path, const uint8_t *der, size_t len)
{
	struct jpki_err err;
	return cli_write_out(path, der, len, 0644, &err) < 0 ? cli_fail(&err) : 0;
}

/* CAdES at its level, or an enveloped XML signature. */
static int sign_content(const struct sign_opts *o, const uint8_t *content, size_t len, X509 *cert,
                        const struct jpki_sign_opts *so, jpki_sign_fn fn, void *arg, uint8_t **der,
                        size_t *der_len, struct jpki_err *err)
{
	return o->xml ? jpki_xml_sign(content, len, cert, fn, arg, der, der_len, err)
	              : jpki_cades_sign(content, len, cert, so, fn, arg, der, der_len, err);
}

static int sign_with_key(struct sign_opts *o)
{
	struct jpki_err err;
	_cleanup_(freep) uint8_t *content = NULL;
	_cleanup_(freep) uint8_t *der = NULL;
	size_t len = 0, der_len = 0;
	if (jpki_read_file(o->in, JPKI_SIG_CONTENT_MAX, &content, &len, &err) < 0)
		return cli_fail(&err);
	_cleanup_(X509p) X509 *cert = NULL;
	_cleanup_(X509p) X509 *ca = NULL;
	_cleanup_(x509_stack_freep) STACK_OF(X509) *trusted = sk_X509_new_null();
	struct jpki_sign_opts so;
	char tsa[600];
	int rc;
	if (o->pkcs11) {
		struct jpki_p11 *p = NULL;
		if ((rc = p11_open(o->pkcs11, o->has_slot ? (long)o->slot_index : -1, &o->sec.pin,
		                   &p, &cert)) != 0)
			return rc;
		if (o->ca && (rc = load_ca(o->ca, &ca)) != 0) {
			p11_close(p);
			return rc;
		}
		rc = finish_opts(o, ca, trusted, &so, tsa, sizeof(tsa));
		if (rc == 0 && sign_content(o, content, len, cert, &so, p11_sign_fn, p, &der,
		                            &der_len, &err) < 0)
			rc = cli_fail(&err);
		p11_close(p);
		return rc ? rc : write_sig(o->out, der, der_len);
	}
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	if ((rc = card_open(&o->tg, &t)) != 0 ||
	    (rc = card_unlock(t, &o->sec.pin, &cert, &ca)) != 0)
		return rc;
	if ((rc = finish_opts(o, ca, trusted, &so, tsa, sizeof(tsa))) != 0)
		return rc;
	if (sign_content(o, content, len, cert, &so, card_sign_fn, t, &der, &der_len, &err) < 0)
		return cli_fail(&err);
	return write_sig(o->out, der, der_len);
}

/* Step one of two: the DigestInfo to sign, and the prepared signature. */
static int data_to_sign(struct sign_opts *o)
{
	struct jpki_err err;
	_cleanup_(freep) uint8_t *content = NULL;
	size_t len = 0;
	_cleanup_(X509p) X509 *cert = NULL;
	int rc = load_ca(o->cert, &cert);
	if (rc != 0)
		return rc;
	if (jpki_read_file(o->in, JPKI_SIG_CONTENT_MAX, &content, &len, &err) < 0)
		return cli_fail(&err);
	int64_t now;
	_cleanup_(cms_content_info_freep) CMS_ContentInfo *cms = NULL;
	uint8_t di[JPKI_DIGESTINFO_LEN];
	_cleanup_(freep) uint8_t *der = NULL;
	size_t der_len = 0;
	if (o->xml) {
		if (jpki_xml_prepare(content, len, cert, &der, &der_len, di, &err) < 0)
			return cli_fail(&err);
	} else if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
	           jpki_cades_prepare(content, len, o->attached, cert, now, &cms, &err) < 0 ||
	           jpki_cades_tbs(cms, di, &err) < 0 ||
	           jpki_cades_encode(cms, NULL, NULL, &der, &der_len, &err) < 0)
		return cli_fail(&err);
	if ((rc = write_sig(o->prepared, der, der_len)) != 0)
		return rc;
	return write_sig(o->out, di, sizeof(di));
}

static int load_cms(const char *path, CMS_ContentInfo **cms)
{
	struct jpki_err err;
	_cleanup_(freep) uint8_t *buf = NULL;
	size_t len = 0;
	if (jpki_read_file(path, JPKI_SIG_DOC_MAX, &buf, &len, &err) < 0 ||
	    jpki_cades_parse(buf, len, cms, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* Step two for XML: the value checked with the KeyInfo certificate and put in. */
static int finalize_xml(struct sign_opts *o, const uint8_t *prepared, size_t len)
{
	struct jpki_err err;
	_cleanup_(freep) uint8_t *value = NULL;
	_cleanup_(freep) uint8_t *out = NULL;
	size_t value_len = 0, out_len = 0;
	if (jpki_read_file(o->sigvalue, 1024, &value, &value_len, &err) < 0 ||
	    jpki_xml_finish(prepared, len, value, value_len, &out, &out_len, &err) < 0)
		return cli_fail(&err);
	return write_sig(o->out, out, out_len);
}

/* Step two: the signature value checked and put in, then the level. */
static int finalize(struct sign_opts *o, bool extend)
{
	struct jpki_err err;
	_cleanup_(cms_content_info_freep) CMS_ContentInfo *cms = NULL;
	_cleanup_(freep) uint8_t *value = NULL;
	_cleanup_(freep) uint8_t *der = NULL;
	size_t value_len = 0, der_len = 0;
	_cleanup_(X509p) X509 *ca = NULL;
	_cleanup_(x509_stack_freep) STACK_OF(X509) *trusted = sk_X509_new_null();
	struct jpki_sign_opts so;
	char tsa[600];
	int rc;
	if (!extend) {
		_cleanup_(freep) uint8_t *buf = NULL;
		size_t len = 0;
		if (jpki_read_file(o->finalize, JPKI_XML_MAX, &buf, &len, &err) < 0)
			return cli_fail(&err);
		if (jpki_looks_like_xml(buf, len))
			return finalize_xml(o, buf, len);
	}
	rc = load_cms(extend ? o->in : o->finalize, &cms);
	if (rc == 0 && o->ca)
		rc = load_ca(o->ca, &ca);
	if (rc != 0)
		return rc;
	if (!extend && jpki_read_file(o->sigvalue, 1024, &value, &value_len, &err) < 0)
		return cli_fail(&err);
	if (!extend && jpki_cades_finish(cms, value, value_len, &err) < 0)
		return cli_fail(&err);
	if (extend) {
		CMS_SignerInfo *si;
		if (jpki_cades_signer(cms, &si, &err) < 0)
			return cli_fail(&err);
		if (ASN1_STRING_length(CMS_SignerInfo_get0_signature(si)) <= 0)
			return cli_fail_msg("%s has no signature value yet: --finalize it", o->in);
	}
	if ((rc = finish_opts(o, ca, trusted, &so, tsa, sizeof(tsa))) != 0)
		return rc;
	if (jpki_cades_raise(cms, &so, &der, &der_len, &err) < 0)
		return cli_fail(&err);
	return write_sig(o->out, der, der_len);
}

static int check_modes(struct sign_opts *o, int argc, char **argv)
{
	int modes = o->data_to_sign + !!o->finalize + !!o->extend;
	if (modes > 1)
		return cli_usage_error(sign_usage, "sign: --data-to-sign, --finalize and --extend "
		                                   "do not go together");
	if (!o->out)
		return cli_usage_error(sign_usage, "sign: --out is required");
	if (o->level_s && parse_level(o->level_s, &o->level) < 0)
		return cli_usage_error(sign_usage, "sign: --level: B, T or LT");
	if (o->format && strcmp(o->format, "xml") != 0 && strcmp(o->format, "cades") != 0)
		return cli_usage_error(sign_usage, "sign: --format: cades or xml");
	o->xml = o->format && strcmp(o->format, "xml") == 0;
	if (o->xml && ((o->level_s && o->level != JPKI_LEVEL_B) || o->attached || o->extend))
		return cli_usage_error(sign_usage,
		                       "sign --format xml: an enveloped XMLDSig signature "
		                       "(level B; no --attached, --level T/LT or --extend)");
	if (o->extend && (parse_level(o->extend, &o->level) < 0 || o->level != JPKI_LEVEL_LT))
		return cli_usage_error(sign_usage, "sign: --extend: only LT");
	if (o->extend && (!o->in || !o->ca))
		return cli_usage_error(sign_usage, "sign --extend: --in SIG and --ca CA.pem");
	if (o->data_to_sign && (!o->cert || !o->in || !o->prepared))
		return cli_usage_error(sign_usage,
		                       "sign --data-to-sign: --cert, --in, --prepared and --out");
	if (o->finalize && !o->sigvalue)
		return cli_usage_error(sign_usage, "sign --finalize: --signature-value");
	if (!modes && !o->in)
		return cli_usage_error(sign_usage, "sign: --in FILE is required");
	if (o->level == JPKI_LEVEL_LT && o->finalize && !o->ca)
		return cli_usage_error(sign_usage, "sign --finalize --level LT: --ca CA.pem");
	if (optind < argc && !modes && !o->pkcs11)
		o->tg.image = argv[optind++];
	if (optind != argc)
		return cli_usage_error(sign_usage, "sign: unexpected argument '%s'", argv[optind]);
	if (o->pkcs11 && (o->tg.reader || o->tg.image))
		return cli_usage_error(sign_usage, "sign: --pkcs11 or a card, not both");
	if (o->tg.image && o->tg.reader)
		return cli_usage_error(sign_usage, "sign: IMAGE or --reader, not both");
	return -1;
}

int cmd_sign(int argc, char **argv)
{
	struct sign_opts o = {.level = JPKI_LEVEL_T};
	struct cli_opt rows[32] = {
	    {"in", CLI_TEXT, &o.in, 0, 0, NULL, NULL},
	    {"out", CLI_TEXT, &o.out, 0, 0, NULL, NULL},
	    {"attached", CLI_FLAG, &o.attached, 0, 0, NULL, NULL},
	    {"level", CLI_TEXT, &o.level_s, 0, 0, NULL, NULL},
	    {"tsa", CLI_TEXT, &o.tsa, 0, 0, NULL, NULL},
	    {"trust", CLI_TEXT, &o.trust, 0, 0, NULL, NULL},
	    {"ca", CLI_TEXT, &o.ca, 0, 0, NULL, NULL},
	    {"cert", CLI_TEXT, &o.cert, 0, 0, NULL, NULL},
	    {"prepared", CLI_TEXT, &o.prepared, 0, 0, NULL, NULL},
	    {"data-to-sign", CLI_FLAG, &o.data_to_sign, 0, 0, NULL, NULL},
	    {"finalize", CLI_TEXT, &o.finalize, 0, 0, NULL, NULL},
	    {"signature-value", CLI_TEXT, &o.sigvalue, 0, 0, NULL, NULL},
	    {"extend", CLI_TEXT, &o.extend, 0, 0, NULL, NULL},
	    {"pkcs11", CLI_TEXT, &o.pkcs11, 0, 0, NULL, NULL},
	    {"format", CLI_TEXT, &o.format, 0, 0, NULL, NULL},
	    {"slot-index", CLI_UINT, &o.slot_index, 0, 255, NULL, &o.has_slot},
	    {"reader", CLI_TEXT, &o.tg.reader, 0, 0, NULL, NULL},
	};
	size_t n = 17;
	n += card_secret_rows(&o.sec, CARD_PIN, rows + n, sizeof(rows) / sizeof(rows[0]) - 1 - n);
	rows[n] = (struct cli_opt){NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL};
	int rc = cli_parse(argc, argv, sign_usage, "sign", rows);
	if (rc >= 0 || (rc = check_modes(&o, argc, argv)) >= 0)
		return rc;
	if (o.data_to_sign)
		return data_to_sign(&o);
	if (o.finalize || o.extend)
		return finalize(&o, o.extend != NULL);
	return sign_with_key(&o);
}
