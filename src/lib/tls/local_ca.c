/*
 * local_ca.c: the local TLS CA and the server certificates it issues (local_ca.h).
 *
 * Deliberately apart from src/lib/ca/: nothing here reads or touches a JPKI CA
 * key, and nothing the JPKI CAs issue is made here.  The profile is the one
 * the CA/Browser Forum's baseline requirements ask of a server certificate
 * that browsers accept (§7.1.2.7: serverAuth, the names in subjectAltName,
 * digitalSignature for an ECDSA key, at most 398 days), minus what a private
 * CA does not need (policies, revocation pointers: a leaked server key is
 * dealt with by renewing, a leaked CA key by distrusting ca.pem).
 *
 * Renewal writes in the order of status/responder.c, so a crash at any point
 * leaves a state `jpki tls renew` repairs:
 *   1. key.pem  -> key.pem.old
 *   2. cert.pem -> cert.pem.old
 *   3. new key.pem (atomic, 0600)   (a lone key.pem was never certified)
 *   4. new cert.pem (atomic, 0644)
 * The CA is made key first, then certificate, as ca/ca.c makes the JPKI CAs.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ca/ca.h" /* jpki_random_serial, jpki_set_serial: no CA key */
#include "core/fsutil.h"
#include "core/ossl.h"
#include "local_ca.h"

#define FILE_CAP (64 * 1024)
#define CHAIN_CAP (1024 * 1024)
#define BACKDATE 300 /* seconds: a client whose clock is a little behind still accepts it */

/* ---- names ---- */

bool jpki_tls_name_is_ip(const char *name)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/*
 * RFC 1123 §2.1 host names: LDH labels, 1-63 characters, no hyphen at either end; the last
 * label not all digits (RFC 3696 §2), so that 300.1.1.1, which is no IPv4 address, is no name
 * either.
 */
static bool host_name_ok(const char *s)
{
	size_t len = strlen(s), label = 0;
	if (len == 0 || len > 253 || s[len - 1] == '.')
		return false;
	const char *last = strrchr(s, '.');
	last = last ? last + 1 : s;
	if (strspn(last, "0123456789") == strlen(last))
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (label == 0 && c == '-')
			return false;
		label++;
	}
	return true;
}

int jpki_tls_names_add(struct jpki_tls_names *names, const char *name, struct jpki_err *err)
{
	char kept[JPKI_TLS_NAME_LEN];
	unsigned char ip[16];
	if (inet_pton(AF_INET, name, ip) == 1) {
		inet_ntop(AF_INET, ip, kept, sizeof(kept));
	} else if (inet_pton(AF_INET6, name, ip) == 1) {
		inet_ntop(AF_INET6, ip, kept, sizeof(kept));
	} else if (host_name_ok(name)) {
		size_t i = 0;
		for (; name[i]; i++)
			kept[i] = (char)tolower((unsigned char)name[i]);
		kept[i] = '\0';
	} else {
		return jpki_fail(err, JPKI_E_INVALID,
		                 "'%.260s' is neither a host name (letters, digits and hyphens in "
		                 "labels of at most 63; an IDN as xn--...) nor an IP address",
		                 name);
	}
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->name[i], kept) == 0)
			return jpki_fail(err, JPKI_E_INVALID, "the name %s is given twice", kept);
	if (names->n == JPKI_TLS_NAMES_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "at most %d names", JPKI_TLS_NAMES_MAX);
	memcpy(names->name[names->n++], kept, strlen(kept) + 1);
	return 0;
}

void jpki_tls_names_default(struct jpki_tls_names *names)
{
	names->n = 2;
	snprintf(names->name[0], sizeof(names->name[0]), "localhost");
	snprintf(names->name[1], sizeof(names->name[1]), "127.0.0.1");
}

void jpki_tls_names_format(const struct jpki_tls_names *names, char *buf, size_t cap)
{
	size_t used = 0;
	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < names->n && used < cap; i++) {
		int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names->name[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

bool jpki_tls_names_same(const struct jpki_tls_names *a, const struct jpki_tls_names *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n && !found; j++)
			found = strcmp(a->name[i], b->name[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* ---- files ---- */

int jpki_tls_paths(const struct jpki_ctx *ctx, struct jpki_tls_paths *p, struct jpki_err *err)
{
	int rc = jpki_data_path(ctx, p->dir, sizeof(p->dir), "tls", err);
	if (rc < 0)
		return rc;
	snprintf(p->ca_cert, sizeof(p->ca_cert), "%s/ca.pem", p->dir);
	snprintf(p->ca_key, sizeof(p->ca_key), "%s/ca-key.pem", p->dir);
	snprintf(p->cert, sizeof(p->cert), "%s/cert.pem", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/key.pem", p->dir);
	snprintf(p->cert_old, sizeof(p->cert_old), "%s/cert.pem.old", p->dir);
	snprintf(p->key_old, sizeof(p->key_old), "%s/key.pem.old", p->dir);
	return 0;
}

static int read_cert(const char *path, X509 **ret, struct jpki_err *err)
{
	uint8_t *data;
	size_t len;
	int rc = jpki_read_file(path, CHAIN_CAP, &data, &len, err);
	if (rc < 0)
		return rc;
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(data, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	free(data);
	if (!x)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "%s holds no PEM certificate", path);
	*ret = x;
	return 0;
}

/* A PEM private key; passphrase NULL for an unencrypted one. */
static int read_key(const char *path, const char *passphrase, EVP_PKEY **ret, struct jpki_err *err)
{
	uint8_t *data;
	size_t len;
	int rc = jpki_read_file(path, FILE_CAP, &data, &len, err);
	if (rc < 0)
		return rc;
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(data, (int)len);
	/* "" for no passphrase: an encrypted key then fails instead of prompting */
	EVP_PKEY *k =
	    b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)(passphrase ? passphrase : ""))
	      : NULL;
	OPENSSL_cleanse(data, len);
	free(data);
	if (!k)
		return passphrase
		           ? jpki_fail_ossl(err, JPKI_E_PASSPHRASE,
		                            "cannot decrypt the local TLS CA key %s "
		                            "(wrong passphrase?)",
		                            path)
		           : jpki_fail_ossl(err, JPKI_E_INVALID,
		                            "%s is not an unencrypted PEM private key", path);
	*ret = k;
	return 0;
}

static int write_bio(BIO *b, const char *path, mode_t mode, struct jpki_err *err)
{
	char *data;
	long len = BIO_get_mem_data(b, &data);
	if (len <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode %s", path);
	return jpki_write_file_atomic(path, data, (size_t)len, mode, err);
}

static int move_aside(const char *from, const char *to, struct jpki_err *err)
{
	if (rename(from, to) != 0 && errno != ENOENT)
		return jpki_fail(err, JPKI_E_IO, "cannot rename %s: %s", from, strerror(errno));
	return 0;
}

/* ---- certificates ---- */

static int time_of(const ASN1_TIME *t, int64_t *ret)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*ret = (int64_t)timegm(&tm);
	return 0;
}

static int p256_key(EVP_PKEY **ret, struct jpki_err *err)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot generate a P-256 key");
	*ret = k;
	return 0;
}

/* An extension from OpenSSL's configuration syntax; values here are constants. */
static int add_conf_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
	int ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

static int set_dates(X509 *x, int64_t not_before, int64_t not_after)
{
	return ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) &&
	               ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after)
	           ? 0
	           : -1;
}

static int set_serial(X509 *x, struct jpki_err *err)
{
	uint8_t serial[16];
	int rc = jpki_random_serial(serial, sizeof(serial), err);
	if (rc == 0 && jpki_set_serial(x, serial, sizeof(serial)) < 0)
		rc = jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot set a serial number");
	return rc;
}

/* The local CA: its own name (a random tag tells two installations apart in a trust store). */
static int make_ca(int64_t now, X509 **ret_cert, EVP_PKEY **ret_key, struct jpki_err *err)
{
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	_cleanup_(X509p) X509 *x = X509_new();
	_cleanup_(X509_NAMEp) X509_NAME *name = X509_NAME_new();
	uint8_t tag[4];
	char cn[64];
	int rc;
	if ((rc = p256_key(&key, err)) < 0)
		return rc;
	if (!x || !name || RAND_bytes(tag, sizeof(tag)) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot make the local TLS CA");
	snprintf(cn, sizeof(cn), "jpki local TLS CA %02x%02x%02x%02x", tag[0], tag[1], tag[2],
	         tag[3]);
	X509V3_CTX v3;
	if (X509_NAME_add_entry_by_NID(
	        name, NID_organizationName, MBSTRING_UTF8,
	        (const unsigned char *)"jpki (HTTPS of this installation only)", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	                               (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_version(x, X509_VERSION_3) != 1 || (rc = set_serial(x, err)) < 0 ||
	    X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1 ||
	    set_dates(x, now - BACKDATE, now - BACKDATE + JPKI_TLS_CA_VALIDITY) < 0 ||
	    X509_set_pubkey(x, key) != 1)
		return rc < 0 ? rc
		              : jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot make the local TLS CA");
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	/* a CA of server certificates only: no intermediate below it (pathlen 0) */
	if (add_conf_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0 ||
	    add_conf_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
	    add_conf_ext(x, &v3, NID_subject_key_identifier, "hash") < 0 ||
	    X509_sign(x, key, EVP_sha256()) <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot make the local TLS CA");
	*ret_cert = TAKE_PTR(x);
	*ret_key = TAKE_PTR(key);
	return 0;
}

static X509_EXTENSION *san_ext(const struct jpki_tls_names *names)
{
	_cleanup_(GENERAL_NAMESp) GENERAL_NAMES *gens = GENERAL_NAMES_new();
	if (!gens)
		return NULL;
	for (size_t i = 0; i < names->n; i++) {
		GENERAL_NAME *g = NULL;
		if (jpki_tls_name_is_ip(names->name[i])) {
			ASN1_OCTET_STRING *ip = a2i_IPADDRESS(names->name[i]);
			if (ip && (g = GENERAL_NAME_new()) != NULL)
				GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
			else
				ASN1_OCTET_STRING_free(ip);
		} else {
			ASN1_IA5STRING *s = ASN1_IA5STRING_new();
			if (s && ASN1_STRING_set(s, names->name[i], -1) == 1 &&
			    (g = GENERAL_NAME_new()) != NULL)
				GENERAL_NAME_set0_value(g, GEN_DNS, s);
			else
				ASN1_IA5STRING_free(s);
		}
		if (!g || sk_GENERAL_NAME_push(gens, g) <= 0) {
			GENERAL_NAME_free(g);
			return NULL;
		}
	}
	return X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
}

/* The names of a certificate's subjectAltName (dNSName and iPAddress entries). */
static void cert_names(X509 *x, struct jpki_tls_names *names)
{
	_cleanup_(GENERAL_NAMESp) GENERAL_NAMES *gens =
	    X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	names->n = 0;
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char text[JPKI_TLS_NAME_LEN];
		if (g->type == GEN_DNS && g->d.dNSName->length > 0 &&
		    g->d.dNSName->length < (int)sizeof(text)) {
			memcpy(text, g->d.dNSName->data, (size_t)g->d.dNSName->length);
			text[g->d.dNSName->length] = '\0';
		} else if (g->type == GEN_IPADD &&
		           (g->d.iPAddress->length == 4 || g->d.iPAddress->length == 16)) {
			inet_ntop(g->d.iPAddress->length == 4 ? AF_INET : AF_INET6,
			          g->d.iPAddress->data, text, sizeof(text));
		} else {
			continue;
		}
		if (jpki_tls_names_add(names, text, NULL) < 0) /* odd or repeated: not ours */
			continue;
	}
}

/* A server certificate for names from the local CA, with a new key. */
static int issue_server(X509 *ca, EVP_PKEY *ca_key, const struct jpki_tls_names *names, int64_t now,
                        X509 **ret_cert, EVP_PKEY **ret_key, struct jpki_err *err)
{
	int64_t ca_end, not_before = now - BACKDATE;
	int64_t not_after = not_before + JPKI_TLS_SERVER_VALIDITY - 1;
	int rc;
	if (names->n == 0)
		return jpki_fail(err, JPKI_E_INVALID, "a server certificate needs a name");
	if (time_of(X509_get0_notAfter(ca), &ca_end) < 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "the local TLS CA has no readable end");
	if (ca_end < now + JPKI_TLS_RENEW_WITHIN_DEFAULT)
		return jpki_fail(err, JPKI_E_STATE,
		                 "the local TLS CA ends within 30 days: move the tls folder of the "
		                 "data folder aside and run `jpki init` for a new one (and trust "
		                 "its ca.pem instead)");
	if (not_after > ca_end)
		not_after = ca_end;
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	_cleanup_(X509p) X509 *x = X509_new();
	_cleanup_(X509_NAMEp) X509_NAME *subject = X509_NAME_new();
	if ((rc = p256_key(&key, err)) < 0)
		return rc;
	/* the first host name as the CN, for the tools that still show it (RFC 6125 §6.4.4) */
	const char *cn = names->name[0];
	for (size_t i = 0; i < names->n; i++)
		if (!jpki_tls_name_is_ip(names->name[i])) {
			cn = names->name[i];
			break;
		}
	X509V3_CTX v3;
	if (!x || !subject ||
	    X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
	                               (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_version(x, X509_VERSION_3) != 1 || (rc = set_serial(x, err)) < 0 ||
	    X509_set_subject_name(x, subject) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    set_dates(x, not_before, not_after) < 0 || X509_set_pubkey(x, key) != 1)
		return rc < 0 ? rc
		              : jpki_fail_ossl(err, JPKI_E_CRYPTO,
		                               "cannot make the HTTPS server certificate");
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	X509_EXTENSION *san = san_ext(names);
	bool san_ok = san && X509_add_ext(x, san, -1) == 1;
	X509_EXTENSION_free(san);
	if (!san_ok || add_conf_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_conf_ext(x, &v3, NID_key_usage, "critical,digitalSignature") < 0 ||
	    add_conf_ext(x, &v3, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_conf_ext(x, &v3, NID_subject_key_identifier, "hash") < 0 ||
	    add_conf_ext(x, &v3, NID_authority_key_identifier, "keyid:always") < 0 ||
	    X509_sign(x, ca_key, EVP_sha256()) <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO,
		                      "cannot make the HTTPS server certificate");
	*ret_cert = TAKE_PTR(x);
	*ret_key = TAKE_PTR(key);
	return 0;
}

/* The CA's key first: a crash in between leaves a lone key, refused as incomplete. */
static int write_ca(const struct jpki_tls_paths *p, X509 *cert, EVP_PKEY *key,
                    const char *passphrase, struct jpki_err *err)
{
	_cleanup_(BIOp) BIO *kb = BIO_new(BIO_s_mem());
	_cleanup_(BIOp) BIO *cb = BIO_new(BIO_s_mem());
	if (!kb || !cb ||
	    PEM_write_bio_PKCS8PrivateKey(kb, key, EVP_aes_256_cbc(), passphrase,
	                                  (int)strlen(passphrase), NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, cert) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the local TLS CA");
	int rc = write_bio(kb, p->ca_key, 0600, err);
	return rc < 0 ? rc : write_bio(cb, p->ca_cert, 0644, err);
}

/* The server's pair: the key (unencrypted, its buffer wiped), then the chain with the CA. */
static int write_server(const struct jpki_tls_paths *p, X509 *cert, EVP_PKEY *key, X509 *ca,
                        struct jpki_err *err)
{
	_cleanup_(BIOp) BIO *kb = BIO_new(BIO_s_secmem());
	_cleanup_(BIOp) BIO *cb = BIO_new(BIO_s_mem());
	if (!kb || !cb || PEM_write_bio_PKCS8PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, cert) != 1 || PEM_write_bio_X509(cb, ca) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the HTTPS certificate");
	int rc = write_bio(kb, p->key, 0600, err);
	return rc < 0 ? rc : write_bio(cb, p->cert, 0644, err);
}

/* ---- the state of the folder ---- */

struct current {
	bool have_ca_cert, have_ca_key, have_cert, have_key;
	X509 *ca;
	EVP_PKEY *ca_key;
	X509 *cert;   /* cert.pem's first certificate, when it is the CA's and matches key.pem */
	bool foreign; /* cert.pem and key.pem are there but not such a pair */
};

static void current_free(struct current *c)
{
	X509_free(c->ca);
	EVP_PKEY_free(c->ca_key);
	X509_free(c->cert);
}

/* What <data>/tls/ holds; the CA opened with the passphrase when it is there. */
static int look(const struct jpki_tls_paths *p, const char *passphrase, struct current *c,
                struct jpki_err *err)
{
	int rc;
	c->have_ca_cert = jpki_path_exists(p->ca_cert);
	c->have_ca_key = jpki_path_exists(p->ca_key);
	c->have_cert = jpki_path_exists(p->cert);
	c->have_key = jpki_path_exists(p->key);
	if (c->have_ca_cert != c->have_ca_key)
		return jpki_fail(err, JPKI_E_STATE,
		                 "the local TLS CA in %s is incomplete (only one of ca.pem and "
		                 "ca-key.pem): restore it from a backup, or move the folder aside "
		                 "and run `jpki init` for a new CA",
		                 p->dir);
	if (c->have_ca_cert) {
		if ((rc = read_cert(p->ca_cert, &c->ca, err)) < 0 ||
		    (rc = read_key(p->ca_key, passphrase, &c->ca_key, err)) < 0)
			return rc;
		if (X509_check_private_key(c->ca, c->ca_key) != 1)
			return jpki_fail_ossl(err, JPKI_E_STATE,
			                      "the local TLS CA key %s does not match %s",
			                      p->ca_key, p->ca_cert);
	}
	if (!c->have_cert || !c->have_key)
		return 0;
	_cleanup_(X509p) X509 *cert = NULL;
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	c->foreign = true;
	if (read_cert(p->cert, &cert, NULL) == 0 && read_key(p->key, NULL, &key, NULL) == 0 &&
	    X509_check_private_key(cert, key) == 1 && c->ca &&
	    X509_check_issued(c->ca, cert) == X509_V_OK &&
	    X509_verify(cert, X509_get0_pubkey(c->ca)) == 1) {
		c->foreign = false;
		c->cert = TAKE_PTR(cert);
	}
	ERR_clear_error();
	return 0;
}

static int describe(X509 *cert, struct jpki_tls_status *st, struct jpki_err *err)
{
	cert_names(cert, &st->names);
	if (time_of(X509_get0_notAfter(cert), &st->not_after) < 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot read the certificate's end");
	return 0;
}

/* Make the CA where there is none (c->ca, c->ca_key set after). */
static int ensure_ca(const struct jpki_tls_paths *p, int64_t now, const char *passphrase,
                     struct current *c, struct jpki_tls_status *st, struct jpki_err *err)
{
	if (c->ca)
		return 0;
	int rc;
	if ((rc = jpki_mkdir_p(p->dir, err)) < 0 ||
	    (rc = make_ca(now, &c->ca, &c->ca_key, err)) < 0 ||
	    (rc = write_ca(p, c->ca, c->ca_key, passphrase, err)) < 0)
		return rc;
	st->ca_created = true;
	return 0;
}

/* A new pair replaces whatever is there (moved aside first: the file header's order). */
static int replace_server(const struct jpki_tls_paths *p, int64_t now,
                          const struct jpki_tls_names *names, struct current *c,
                          struct jpki_tls_status *st, struct jpki_err *err)
{
	_cleanup_(X509p) X509 *cert = NULL;
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	bool had = c->have_cert || c->have_key;
	int rc;
	if ((rc = issue_server(c->ca, c->ca_key, names, now, &cert, &key, err)) < 0)
		return rc;
	if (had && ((rc = move_aside(p->key, p->key_old, err)) < 0 ||
	            (rc = move_aside(p->cert, p->cert_old, err)) < 0))
		return rc;
	if ((rc = write_server(p, cert, key, c->ca, err)) < 0)
		return rc;
	st->outcome = had ? JPKI_TLS_RENEWED : JPKI_TLS_CREATED;
	return describe(cert, st, err);
}

static int check_passphrase(const char *passphrase, struct jpki_err *err)
{
	if (!passphrase || !*passphrase)
		return jpki_fail(err, JPKI_E_PASSPHRASE,
		                 "the local TLS CA key needs the passphrase");
	return 0;
}

int jpki_tls_init(const struct jpki_ctx *ctx, int64_t now, const char *passphrase,
                  const struct jpki_tls_names *names, struct jpki_tls_status *st,
                  struct jpki_err *err)
{
	struct jpki_tls_names dflt;
	struct current c = {0};
	int rc;
	memset(st, 0, sizeof(*st));
	if (!names) {
		jpki_tls_names_default(&dflt);
		names = &dflt;
	}
	if ((rc = check_passphrase(passphrase, err)) < 0 ||
	    (rc = jpki_tls_paths(ctx, &st->paths, err)) < 0 ||
	    (rc = look(&st->paths, passphrase, &c, err)) < 0)
		goto out;
	if (c.have_cert != c.have_key) {
		rc = jpki_fail(err, JPKI_E_STATE,
		               "only one of cert.pem and key.pem in %s: `jpki tls renew` makes a "
		               "new pair (the lone file is kept as *.old)",
		               st->paths.dir);
		goto out;
	}
	if (c.have_cert && c.foreign) { /* not the local CA's: kept, and no CA made beside it */
		st->outcome = JPKI_TLS_FOREIGN;
		goto out;
	}
	if (c.cert) {
		st->outcome = JPKI_TLS_KEPT;
		if ((rc = describe(c.cert, st, err)) == 0)
			st->other_names = !jpki_tls_names_same(&st->names, names);
		goto out;
	}
	if ((rc = ensure_ca(&st->paths, now, passphrase, &c, st, err)) == 0)
		rc = replace_server(&st->paths, now, names, &c, st, err);
out:
	current_free(&c);
	return rc;
}

int jpki_tls_renew(const struct jpki_ctx *ctx, int64_t now, const char *passphrase,
                   const struct jpki_tls_names *names, int64_t within, bool force,
                   struct jpki_tls_status *st, struct jpki_err *err)
{
	struct jpki_tls_names want;
	struct current c = {0};
	int rc;
	memset(st, 0, sizeof(*st));
	if ((rc = check_passphrase(passphrase, err)) < 0 ||
	    (rc = jpki_tls_paths(ctx, &st->paths, err)) < 0 ||
	    (rc = look(&st->paths, passphrase, &c, err)) < 0)
		goto out;
	if (c.have_cert && c.have_key && c.foreign && !force) {
		st->outcome = JPKI_TLS_FOREIGN;
		goto out;
	}
	if (names)
		want = *names;
	else if (c.cert)
		cert_names(c.cert, &want);
	else
		jpki_tls_names_default(&want);
	if (want.n == 0)
		jpki_tls_names_default(&want);
	if (c.cert && !force) {
		if ((rc = describe(c.cert, st, err)) < 0)
			goto out;
		if (st->not_after - now > within && jpki_tls_names_same(&st->names, &want)) {
			st->outcome = JPKI_TLS_KEPT;
			goto out;
		}
	}
	if ((rc = ensure_ca(&st->paths, now, passphrase, &c, st, err)) == 0)
		rc = replace_server(&st->paths, now, &want, &c, st, err);
out:
	current_free(&c);
	return rc;
}

int jpki_tls_chain_not_after(const void *pem, size_t len, int64_t *ret, struct jpki_err *err)
{
	if (len > INT32_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "the certificate file is too large");
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(pem, (int)len);
	_cleanup_(X509p) X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (!x || time_of(X509_get0_notAfter(x), ret) < 0)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "no PEM certificate in the chain");
	return 0;
}
