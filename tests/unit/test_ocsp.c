/*
 * test_ocsp.c: the OCSP responder without sockets (src/lib/status/ocsp.h,
 * responder.h) and the GET decoding of src/lib/http/ocsp_http.h.
 *
 * Real CAs in a temporary data folder; the registry is a fake lookup table,
 * so a status can change between two requests.  Requests are built and
 * responses judged with OpenSSL's own OCSP code (OCSP_basic_verify with
 * the CA as the only trust anchor, at the test's instant).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>

#include "core/fsutil.h"
#include "core/hex.h"
#include "http/ocsp_http.h"
#include "status/ocsp.h"
#include "status/responder.h"
#include "tmpdir.h"
#include "test_ctx.h"

#define PASS "unit-test passphrase 0123"
#define S_GOOD "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
#define S_REVOKED "1122334455667788990011223344556F"
#define S_UNSPEC "2122334455667788990011223344556F"
#define S_AUTH "3122334455667788990011223344556F"
#define S_MISSING "4122334455667788990011223344556F"
#define S_FLIP "5122334455667788990011223344556F"

struct fake {
	const char *serial;
	enum jpki_kind kind;
	enum jpki_cert_status status;
	int64_t revoked_at;
	enum jpki_reason reason;
};

static struct {
	char dir[PATH_MAX];
	struct jpki_ca *ca[2];
	X509_STORE *trust; /* both CAs, verification at t0 */
	struct jpki_ocsp *o;
	int64_t t0;
	struct fake recs[8];
	int nrecs;
	int fail_lookups;
} g;

static int fake_lookup(void *arg, enum jpki_kind ca, const char *serial, struct jpki_cert_rec *out,
                       struct jpki_err *err)
{
	(void)arg, (void)ca;
	if (g.fail_lookups)
		return jpki_fail(err, JPKI_E_STORE, "registry down");
	for (int i = 0; i < g.nrecs; i++) {
		if (strcmp(g.recs[i].serial, serial) != 0)
			continue;
		memset(out, 0, sizeof(*out));
		snprintf(out->serial, sizeof(out->serial), "%s", serial);
		out->kind = g.recs[i].kind;
		out->status = g.recs[i].status;
		out->revoked_at = g.recs[i].revoked_at;
		out->reason = g.recs[i].reason;
		return 0;
	}
	return jpki_fail(err, JPKI_E_NOT_FOUND, "no %s", serial);
}

static struct fake *rec(const char *serial)
{
	for (int i = 0; i < g.nrecs; i++)
		if (strcmp(g.recs[i].serial, serial) == 0)
			return &g.recs[i];
	return NULL;
}

static int group_setup(void **state)
{
	(void)state;
	struct jpki_err err;
	bool created;
	if (!tmpdir_make(g.dir, "ocsp") || setenv("JPKI_DATA", g.dir, 1) != 0)
		return -1;
	g.t0 = 1711933200; /* 2024-04-01T10:00:00+09:00 */
	struct jpki_responder *rs[2] = {NULL, NULL};
	g.trust = X509_STORE_new();
	X509_VERIFY_PARAM *vp = X509_VERIFY_PARAM_new();
	if (!g.trust || !vp)
		return -1;
	X509_VERIFY_PARAM_set_time(vp, (time_t)g.t0);
	X509_STORE_set1_param(g.trust, vp);
	X509_VERIFY_PARAM_free(vp);
	for (int k = 0; k < 2; k++) {
		if (jpki_ca_init(test_ctx(), (enum jpki_kind)k, g.t0 - 86400, PASS, &created,
		                 &err) != 0 ||
		    jpki_ca_load(test_ctx(), (enum jpki_kind)k, PASS, &g.ca[k], &err) != 0 ||
		    jpki_responder_ensure(g.ca[k], PASS, g.t0, &rs[k], &err) != 0 ||
		    X509_STORE_add_cert(g.trust, g.ca[k]->cert) != 1) {
			print_error("setup: %s\n", err.msg);
			return -1;
		}
	}
	struct fake recs[] = {
	    {S_GOOD, JPKI_KIND_SIGN, JPKI_CERT_VALID, 0, 0},
	    {S_REVOKED, JPKI_KIND_SIGN, JPKI_CERT_REVOKED, 1711900000, JPKI_REASON_KEY_COMPROMISE},
	    {S_UNSPEC, JPKI_KIND_SIGN, JPKI_CERT_REVOKED, 1711900001, JPKI_REASON_UNSPECIFIED},
	    {S_AUTH, JPKI_KIND_AUTH, JPKI_CERT_VALID, 0, 0},
	    {S_FLIP, JPKI_KIND_SIGN, JPKI_CERT_VALID, 0, 0},
	};
	memcpy(g.recs, recs, sizeof(recs));
	g.nrecs = (int)(sizeof(recs) / sizeof(recs[0]));
	struct jpki_ocsp_cfg cfg = {.cas = {g.ca[0], g.ca[1]},
	                            .responders = {rs[0], rs[1]},
	                            .lookup = fake_lookup,
	                            .passphrase = PASS};
	if (jpki_ocsp_new(&cfg, &g.o, &err) != 0) {
		print_error("ocsp: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	jpki_ocsp_free(g.o);
	X509_STORE_free(g.trust);
	jpki_ca_free(g.ca[0]);
	jpki_ca_free(g.ca[1]);
	return tmpdir_remove(g.dir);
}

/* ---- building requests ---- */

static OCSP_CERTID *cert_id(const EVP_MD *md, X509 *issuer, const char *serial_hex)
{
	BIGNUM *bn = NULL;
	assert_true(BN_hex2bn(&bn, serial_hex) > 0);
	ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
	assert_non_null(ai);
	OCSP_CERTID *id = OCSP_cert_id_new(md, X509_get_subject_name(issuer),
	                                   X509_get0_pubkey_bitstr(issuer), ai);
	assert_non_null(id);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return id;
}

/* DER of a request for n serials of CA kind (NULL-terminated list), with a nonce or not. */
static uint8_t *make_req_md(const EVP_MD *md, X509 *issuer, const char *const *serials, bool nonce,
                            size_t *len, OCSP_REQUEST **keep)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	assert_non_null(req);
	for (int i = 0; serials[i]; i++)
		assert_non_null(OCSP_request_add0_id(req, cert_id(md, issuer, serials[i])));
	if (nonce)
		assert_int_equal(OCSP_request_add1_nonce(req, NULL, -1), 1);
	unsigned char *der = NULL;
	int n = i2d_OCSP_REQUEST(req, &der);
	assert_true(n > 0);
	uint8_t *copy = malloc((size_t)n);
	memcpy(copy, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	if (keep)
		*keep = req;
	else
		OCSP_REQUEST_free(req);
	return copy;
}

static uint8_t *make_req(enum jpki_kind k, const char *serial, bool nonce, size_t *len)
{
	const char *list[] = {serial, NULL};
	return make_req_md(EVP_sha1(), g.ca[k]->cert, list, nonce, len, NULL);
}

/* ---- judging responses ---- */

struct answer {
	uint8_t *der;
	size_t len;
	struct jpki_ocsp_meta meta;
	OCSP_RESPONSE *rsp;
	OCSP_BASICRESP *bs;
};

static void answer_free(struct answer *a)
{
	free(a->der);
	OCSP_BASICRESP_free(a->bs);
	OCSP_RESPONSE_free(a->rsp);
	memset(a, 0, sizeof(*a));
}

static struct answer ask(const uint8_t *req, size_t len, int64_t now)
{
	struct answer a;
	memset(&a, 0, sizeof(a));
	assert_int_equal(jpki_ocsp_respond(g.o, req, len, now, &a.der, &a.len, &a.meta), 0);
	const unsigned char *p = a.der;
	a.rsp = d2i_OCSP_RESPONSE(NULL, &p, (long)a.len);
	assert_non_null(a.rsp);
	assert_ptr_equal(p, a.der + a.len);
	assert_int_equal(OCSP_response_status(a.rsp), (int)a.meta.status);
	if (a.meta.status == JPKI_OCSP_SUCCESSFUL) {
		a.bs = OCSP_response_get1_basic(a.rsp);
		assert_non_null(a.bs);
		assert_int_equal(OCSP_basic_verify(a.bs, NULL, g.trust, 0), 1);
	} else {
		assert_int_equal(a.len, 5); /* no responseBytes */
	}
	return a;
}

/* Status of serial in a, with reason and times. */
static int status_of(const struct answer *a, enum jpki_kind k, const EVP_MD *md, const char *serial,
                     int *reason, int64_t *rev, int64_t *tu, int64_t *nu)
{
	OCSP_CERTID *id = cert_id(md, g.ca[k]->cert, serial);
	int st = -1, rs = -1;
	ASN1_GENERALIZEDTIME *rt = NULL, *t = NULL, *n = NULL;
	assert_int_equal(OCSP_resp_find_status(a->bs, id, &st, &rs, &rt, &t, &n), 1);
	OCSP_CERTID_free(id);
	struct tm tm;
	if (reason)
		*reason = rs;
	if (rev)
		*rev = rt && ASN1_TIME_to_tm(rt, &tm) == 1 ? (int64_t)timegm(&tm) : -1;
	if (tu && ASN1_TIME_to_tm(t, &tm) == 1)
		*tu = (int64_t)timegm(&tm);
	if (nu && n && ASN1_TIME_to_tm(n, &tm) == 1)
		*nu = (int64_t)timegm(&tm);
	return st;
}

/* ---- tests ---- */

static void test_good(void **state)
{
	(void)state;
	size_t len;
	uint8_t *req = make_req(JPKI_KIND_SIGN, S_GOOD, false, &len);
	struct answer a = ask(req, len, g.t0);
	int64_t tu = 0, nu = 0;
	assert_int_equal(a.meta.status, JPKI_OCSP_SUCCESSFUL);
	assert_int_equal(status_of(&a, JPKI_KIND_SIGN, EVP_sha1(), S_GOOD, NULL, NULL, &tu, &nu),
	                 V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(tu, g.t0);
	assert_int_equal(nu, g.t0 + JPKI_OCSP_DEFAULT_VALIDITY);
	assert_true(a.meta.cacheable);
	assert_int_equal(a.meta.this_update, g.t0);
	assert_int_equal(a.meta.next_update, g.t0 + JPKI_OCSP_DEFAULT_VALIDITY);
	assert_int_equal(strlen(a.meta.etag), 42);
	/* responderID byKey (RFC 5019 §2.2.3), the responder certificate included */
	const ASN1_OCTET_STRING *kid = NULL;
	const X509_NAME *name = NULL;
	assert_int_equal(OCSP_resp_get0_id(a.bs, &kid, &name), 1);
	assert_non_null(kid);
	assert_null(name);
	assert_int_equal(sk_X509_num(OCSP_resp_get0_certs(a.bs)), 1);
	assert_int_equal(OBJ_obj2nid(OCSP_resp_get0_tbs_sigalg(a.bs)->algorithm),
	                 NID_sha256WithRSAEncryption);
	answer_free(&a);
	free(req);
}

static void test_revoked(void **state)
{
	(void)state;
	size_t len;
	int reason;
	int64_t rev;
	uint8_t *req = make_req(JPKI_KIND_SIGN, S_REVOKED, false, &len);
	struct answer a = ask(req, len, g.t0);
	assert_int_equal(
	    status_of(&a, JPKI_KIND_SIGN, EVP_sha1(), S_REVOKED, &reason, &rev, NULL, NULL),
	    V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	assert_int_equal(rev, 1711900000);
	answer_free(&a);
	free(req);
	/* unspecified: the reason is left out */
	req = make_req(JPKI_KIND_SIGN, S_UNSPEC, false, &len);
	a = ask(req, len, g.t0);
	assert_int_equal(
	    status_of(&a, JPKI_KIND_SIGN, EVP_sha1(), S_UNSPEC, &reason, &rev, NULL, NULL),
	    V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, -1);
	assert_int_equal(rev, 1711900001);
	answer_free(&a);
	free(req);
}

static void test_unknown(void **state)
{
	(void)state;
	size_t len;
	const char *cases[][2] = {{S_MISSING, "not in the registry"},
	                          {S_AUTH, "an auth certificate asked of the sign CA"},
	                          {"00", "serial zero"}};
	for (size_t i = 0; i < 3; i++) {
		uint8_t *req = make_req(JPKI_KIND_SIGN, cases[i][0], false, &len);
		struct answer a = ask(req, len, g.t0);
		if (status_of(&a, JPKI_KIND_SIGN, EVP_sha1(), cases[i][0], NULL, NULL, NULL,
		              NULL) != V_OCSP_CERTSTATUS_UNKNOWN)
			fail_msg("%s: not unknown", cases[i][1]);
		answer_free(&a);
		free(req);
	}
	/* the auth certificate asked of the auth CA is good */
	uint8_t *req = make_req(JPKI_KIND_AUTH, S_AUTH, false, &len);
	struct answer a = ask(req, len, g.t0);
	assert_int_equal(status_of(&a, JPKI_KIND_AUTH, EVP_sha1(), S_AUTH, NULL, NULL, NULL, NULL),
	                 V_OCSP_CERTSTATUS_GOOD);
	answer_free(&a);
	free(req);
}

static void test_nonce(void **state)
{
	(void)state;
	size_t before = jpki_ocsp_cache_count(g.o);
	for (int i = 0; i < 2; i++) {
		size_t len;
		OCSP_REQUEST *oreq = NULL;
		const char *list[] = {S_GOOD, NULL};
		uint8_t *req = make_req_md(EVP_sha1(), g.ca[0]->cert, list, true, &len, &oreq);
		struct answer a = ask(req, len, g.t0 + 5);
		assert_int_equal(OCSP_check_nonce(oreq, a.bs), 1); /* echoed */
		assert_false(a.meta.cacheable);
		assert_false(a.meta.from_cache);
		assert_int_equal(a.meta.this_update, g.t0 + 5);
		answer_free(&a);
		OCSP_REQUEST_free(oreq);
		free(req);
	}
	assert_int_equal(jpki_ocsp_cache_count(g.o), before); /* never cached */
}

static void test_cache_hit(void **state)
{
	(void)state;
	size_t len;
	uint8_t *req = make_req(JPKI_KIND_AUTH, S_AUTH, false, &len);
	struct answer a = ask(req, len, g.t0 + 100);
	struct answer b = ask(req, len, g.t0 + 200);
	assert_true(b.meta.from_cache);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.der, b.der, a.len);
	assert_string_equal(a.meta.etag, b.meta.etag);
	assert_int_equal(b.meta.this_update, a.meta.this_update);
	/* fresh until nextUpdate - validity/2, then signed again */
	answer_free(&b);
	int64_t half = a.meta.this_update + JPKI_OCSP_DEFAULT_VALIDITY / 2;
	b = ask(req, len, half - 1);
	assert_true(b.meta.from_cache);
	answer_free(&b);
	b = ask(req, len, half);
	assert_false(b.meta.from_cache);
	assert_int_equal(b.meta.this_update, half);
	assert_int_equal(b.meta.next_update, half + JPKI_OCSP_DEFAULT_VALIDITY);
	answer_free(&a);
	answer_free(&b);
	free(req);
}

static void test_revocation_resigns(void **state)
{
	(void)state;
	size_t len;
	int reason;
	int64_t rev;
	uint8_t *req = make_req(JPKI_KIND_SIGN, S_FLIP, false, &len);
	struct answer a = ask(req, len, g.t0);
	assert_int_equal(status_of(&a, JPKI_KIND_SIGN, EVP_sha1(), S_FLIP, NULL, NULL, NULL, NULL),
	                 V_OCSP_CERTSTATUS_GOOD);
	answer_free(&a);
	a = ask(req, len, g.t0 + 1);
	assert_true(a.meta.from_cache);
	answer_free(&a);
	/* the registry commits a revocation: the very next answer says so */
	struct fake *f = rec(S_FLIP);
	f->status = JPKI_CERT_REVOKED;
	f->revoked_at = g.t0 + 2;
	f->reason = JPKI_REASON_AFFILIATION_CHANGED;
	a = ask(req, len, g.t0 + 2);
	assert_false(a.meta.from_cache);
	assert_int_equal(
	    status_of(&a, JPKI_KIND_SIGN, EVP_sha1(), S_FLIP, &reason, &rev, NULL, NULL),
	    V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_AFFILIATIONCHANGED);
	assert_int_equal(rev, g.t0 + 2);
	answer_free(&a);
	a = ask(req, len, g.t0 + 3); /* and that one is cached now */
	assert_true(a.meta.from_cache);
	assert_int_equal(status_of(&a, JPKI_KIND_SIGN, EVP_sha1(), S_FLIP, NULL, NULL, NULL, NULL),
	                 V_OCSP_CERTSTATUS_REVOKED);
	answer_free(&a);
	free(req);
}

static void test_sha256_certid(void **state)
{
	(void)state;
	size_t len;
	const char *list[] = {S_GOOD, NULL};
	uint8_t *req = make_req_md(EVP_sha256(), g.ca[0]->cert, list, false, &len, NULL);
	struct answer a = ask(req, len, g.t0);
	assert_int_equal(a.meta.status, JPKI_OCSP_SUCCESSFUL);
	/* the response names the certificate the way it was asked: SHA-256 */
	assert_int_equal(
	    status_of(&a, JPKI_KIND_SIGN, EVP_sha256(), S_GOOD, NULL, NULL, NULL, NULL),
	    V_OCSP_CERTSTATUS_GOOD);
	answer_free(&a);
	free(req);
}

static void test_multi(void **state)
{
	(void)state;
	size_t len, before = jpki_ocsp_cache_count(g.o);
	const char *list[] = {S_GOOD, S_REVOKED, S_MISSING, NULL};
	uint8_t *req = make_req_md(EVP_sha1(), g.ca[0]->cert, list, false, &len, NULL);
	struct answer a = ask(req, len, g.t0);
	assert_int_equal(status_of(&a, 0, EVP_sha1(), S_GOOD, NULL, NULL, NULL, NULL),
	                 V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(status_of(&a, 0, EVP_sha1(), S_REVOKED, NULL, NULL, NULL, NULL),
	                 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(status_of(&a, 0, EVP_sha1(), S_MISSING, NULL, NULL, NULL, NULL),
	                 V_OCSP_CERTSTATUS_UNKNOWN);
	assert_int_equal(jpki_ocsp_cache_count(g.o), before);
	answer_free(&a);
	free(req);
	/* eight is the limit */
	const char *eight[] = {S_GOOD, S_GOOD, S_GOOD, S_GOOD, S_GOOD,
	                       S_GOOD, S_GOOD, S_GOOD, NULL};
	req = make_req_md(EVP_sha1(), g.ca[0]->cert, eight, false, &len, NULL);
	a = ask(req, len, g.t0);
	assert_int_equal(a.meta.status, JPKI_OCSP_SUCCESSFUL);
	answer_free(&a);
	free(req);
}

static void expect_status(const uint8_t *req, size_t len, enum jpki_ocsp_status want,
                          const char *what)
{
	struct answer a = ask(req, len, g.t0);
	if (a.meta.status != want)
		fail_msg("%s: status %d, expected %d", what, a.meta.status, want);
	assert_false(a.meta.cacheable);
	answer_free(&a);
}

/* DER with one byte of the encoding of a valid request changed by f. */
static void test_malformed(void **state)
{
	(void)state;
	size_t len;
	uint8_t *req = make_req(JPKI_KIND_SIGN, S_GOOD, false, &len);
	static const uint8_t garbage[] = "GET / HTTP/1.1\r\n\r\n";
	expect_status(garbage, sizeof(garbage) - 1, JPKI_OCSP_MALFORMED, "text");
	expect_status(req, 0, JPKI_OCSP_MALFORMED, "empty");
	expect_status(NULL, 0, JPKI_OCSP_MALFORMED, "NULL");
	for (size_t cut = 1; cut < len; cut += 7)
		expect_status(req, len - cut, JPKI_OCSP_MALFORMED, "truncated");
	uint8_t *big = calloc(1, JPKI_OCSP_REQ_MAX + 2);
	memcpy(big, req, len);
	expect_status(big, len + 1, JPKI_OCSP_MALFORMED, "a trailing byte");
	expect_status(big, JPKI_OCSP_REQ_MAX + 1, JPKI_OCSP_MALFORMED, "over the size cap");
	/* a request of exactly the cap is parsed (and refused as trailing garbage) */
	expect_status(big, JPKI_OCSP_REQ_MAX, JPKI_OCSP_MALFORMED, "at the size cap");
	free(big);
	/* a huge length field */
	static const uint8_t huge[] = {0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x00};
	expect_status(huge, sizeof(huge), JPKI_OCSP_MALFORMED, "huge length");
	/* zero single requests */
	OCSP_REQUEST *empty = OCSP_REQUEST_new();
	unsigned char *der = NULL;
	int n = i2d_OCSP_REQUEST(empty, &der);
	assert_true(n > 0);
	expect_status(der, (size_t)n, JPKI_OCSP_MALFORMED, "zero requests");
	OPENSSL_free(der);
	OCSP_REQUEST_free(empty);
	free(req);
}

static void test_refused(void **state)
{
	(void)state;
	size_t len;
	uint8_t *req;
	const char *nine[] = {S_GOOD, S_GOOD, S_GOOD, S_GOOD, S_GOOD,
	                      S_GOOD, S_GOOD, S_GOOD, S_GOOD, NULL};
	req = make_req_md(EVP_sha1(), g.ca[0]->cert, nine, false, &len, NULL);
	expect_status(req, len, JPKI_OCSP_UNAUTHORIZED, "nine requests");
	free(req);
	/* mixed CAs in one request */
	OCSP_REQUEST *mixed = OCSP_REQUEST_new();
	assert_non_null(OCSP_request_add0_id(mixed, cert_id(EVP_sha1(), g.ca[0]->cert, S_GOOD)));
	assert_non_null(OCSP_request_add0_id(mixed, cert_id(EVP_sha1(), g.ca[1]->cert, S_AUTH)));
	unsigned char *der = NULL;
	int n = i2d_OCSP_REQUEST(mixed, &der);
	expect_status(der, (size_t)n, JPKI_OCSP_UNAUTHORIZED, "mixed CAs");
	OPENSSL_free(der);
	OCSP_REQUEST_free(mixed);
	/* an issuer that is not ours: a self-signed stranger */
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *stranger = X509_new();
	assert_non_null(k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(stranger), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"stranger", -1, -1, 0);
	assert_int_equal(X509_set_pubkey(stranger, k), 1);
	const char *one[] = {S_GOOD, NULL};
	req = make_req_md(EVP_sha1(), stranger, one, false, &len, NULL);
	expect_status(req, len, JPKI_OCSP_UNAUTHORIZED, "unknown issuer");
	free(req);
	X509_free(stranger);
	EVP_PKEY_free(k);
	/* a hash algorithm we do not accept */
	req = make_req_md(EVP_sha384(), g.ca[0]->cert, one, false, &len, NULL);
	expect_status(req, len, JPKI_OCSP_UNAUTHORIZED, "SHA-384 CertID");
	free(req);
	/* a serial of 21 octets (RFC 5280: at most 20) */
	req = make_req(JPKI_KIND_SIGN, "7F0102030405060708090A0B0C0D0E0F1011121314", false, &len);
	expect_status(req, len, JPKI_OCSP_MALFORMED, "21-octet serial");
	free(req);
	/* a nonce over 32 octets (RFC 8954) and two nonces */
	OCSP_REQUEST *nr = OCSP_REQUEST_new();
	assert_non_null(OCSP_request_add0_id(nr, cert_id(EVP_sha1(), g.ca[0]->cert, S_GOOD)));
	assert_int_equal(OCSP_request_add1_nonce(nr, NULL, 40), 1);
	der = NULL;
	n = i2d_OCSP_REQUEST(nr, &der);
	expect_status(der, (size_t)n, JPKI_OCSP_MALFORMED, "40-octet nonce");
	OPENSSL_free(der);
	OCSP_REQUEST_free(nr);
	nr = OCSP_REQUEST_new();
	assert_non_null(OCSP_request_add0_id(nr, cert_id(EVP_sha1(), g.ca[0]->cert, S_GOOD)));
	assert_int_equal(OCSP_request_add1_nonce(nr, NULL, 16), 1);
	X509_EXTENSION *dup = X509_EXTENSION_dup(OCSP_REQUEST_get_ext(nr, 0));
	assert_int_equal(OCSP_REQUEST_add_ext(nr, dup, -1), 1);
	X509_EXTENSION_free(dup);
	der = NULL;
	n = i2d_OCSP_REQUEST(nr, &der);
	expect_status(der, (size_t)n, JPKI_OCSP_MALFORMED, "two nonces");
	OPENSSL_free(der);
	OCSP_REQUEST_free(nr);
}

static void test_try_later(void **state)
{
	(void)state;
	size_t len;
	uint8_t *req = make_req(JPKI_KIND_SIGN, S_MISSING, false, &len);
	g.fail_lookups = 1;
	expect_status(req, len, JPKI_OCSP_TRY_LATER, "registry down");
	g.fail_lookups = 0;
	free(req);
}

static void test_error_responses(void **state)
{
	(void)state;
	enum jpki_ocsp_status all[] = {JPKI_OCSP_MALFORMED, JPKI_OCSP_INTERNAL_ERROR,
	                               JPKI_OCSP_TRY_LATER, JPKI_OCSP_UNAUTHORIZED};
	for (size_t i = 0; i < 4; i++) {
		size_t len;
		uint8_t *der = jpki_ocsp_error_response(all[i], &len);
		const unsigned char *p = der;
		OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
		assert_non_null(r);
		assert_int_equal(OCSP_response_status(r), (int)all[i]);
		assert_null(OCSP_response_get1_basic(r));
		ERR_clear_error();
		OCSP_RESPONSE_free(r);
		free(der);
	}
}

static bool has_eku_ocsp(X509 *x)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	bool ok = eku && sk_ASN1_OBJECT_num(eku) == 1 &&
	          OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_OCSP_sign;
	EXTENDED_KEY_USAGE_free(eku);
	return ok;
}

static void check_responder_cert(X509 *x, const struct jpki_ca *ca, int64_t at)
{
	assert_true(has_eku_ocsp(x));
	int crit = -1;
	assert_true(X509_get_ext_by_NID(x, NID_id_pkix_OCSP_noCheck, -1) >= 0);
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	assert_int_equal(crit, 1);
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 0), 1);
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 1), 0);
	ASN1_BIT_STRING_free(ku);
	assert_int_equal(X509_verify(x, X509_get0_pubkey(ca->cert)), 1);
	assert_int_equal(X509_check_issued(ca->cert, x), X509_V_OK);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(ASN1_STRING_length(X509_get0_serialNumber(x)), 16);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)at), 0);
	assert_int_equal(
	    ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)(at + JPKI_RESPONDER_VALIDITY)), 0);
	const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
	assert_non_null(akid);
	assert_int_equal(ASN1_OCTET_STRING_cmp(akid, X509_get0_subject_key_id(ca->cert)), 0);
	assert_non_null(X509_get0_subject_key_id(x));
	/* OpenSSL's own purpose check for an OCSP helper */
	assert_int_equal(X509_check_purpose(x, X509_PURPOSE_OCSP_HELPER, 0), 1);
}

static int64_t file_mode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)(st.st_mode & 0777) : -1;
}

static void test_responder(void **state)
{
	(void)state;
	struct jpki_err err;
	struct jpki_responder *r1 = NULL, *r2 = NULL, *r3 = NULL;
	char dir[PATH_MAX + 64], path[PATH_MAX + 128];
	snprintf(dir, sizeof(dir), "%s/ocsp/auth", g.dir);
	/* a fresh data folder has one from group_setup: loaded, not reissued */
	assert_int_equal(jpki_responder_ensure(g.ca[1], PASS, g.t0 + 60, &r1, &err), 0);
	check_responder_cert(r1->cert, g.ca[1], g.t0);
	char cn[128];
	X509_NAME_get_text_by_NID(X509_get_subject_name(r1->cert), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "OCSP responder 20240401");
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	assert_int_equal(file_mode(path), 0600);
	/* the wrong passphrase is refused and replaces nothing */
	assert_int_equal(
	    jpki_responder_ensure(g.ca[1], "wrong passphrase 12345", g.t0 + 60, &r2, &err),
	    -JPKI_E_PASSPHRASE);
	assert_int_equal(jpki_responder_ensure(g.ca[1], PASS, g.t0 + 120, &r2, &err), 0);
	assert_int_equal(
	    ASN1_INTEGER_cmp(X509_get0_serialNumber(r1->cert), X509_get0_serialNumber(r2->cert)),
	    0);
	/* within 7 days of the end: rolled over, the previous pair kept as *.old */
	int64_t later = g.t0 + JPKI_RESPONDER_VALIDITY - JPKI_RESPONDER_ROLLOVER;
	assert_int_equal(jpki_responder_ensure(g.ca[1], PASS, later, &r3, &err), 0);
	assert_int_not_equal(
	    ASN1_INTEGER_cmp(X509_get0_serialNumber(r1->cert), X509_get0_serialNumber(r3->cert)),
	    0);
	check_responder_cert(r3->cert, g.ca[1], later);
	snprintf(path, sizeof(path), "%s/key.pem.old", dir);
	assert_int_equal(file_mode(path), 0600);
	snprintf(path, sizeof(path), "%s/cert.pem.old", dir);
	assert_true(jpki_path_exists(path));
	jpki_responder_free(r1);
	jpki_responder_free(r2);
	jpki_responder_free(r3);
	/* a responder of the other CA is not taken for this one */
	assert_int_equal(jpki_responder_ensure(g.ca[1], PASS, later + 1, &r1, &err), 0);
	assert_int_equal(X509_check_issued(g.ca[1]->cert, r1->cert), X509_V_OK);
	assert_int_not_equal(X509_check_issued(g.ca[0]->cert, r1->cert), X509_V_OK);
	jpki_responder_free(r1);
}

/* The responder renews its own certificate when it is due (passphrase given). */
static void test_rollover_in_service(void **state)
{
	(void)state;
	size_t len;
	uint8_t *req = make_req(JPKI_KIND_SIGN, S_GOOD, false, &len);
	struct answer a = ask(req, len, g.t0 + 10);
	X509 *old = X509_dup(sk_X509_value(OCSP_resp_get0_certs(a.bs), 0));
	answer_free(&a);
	int64_t later = g.t0 + JPKI_RESPONDER_VALIDITY - JPKI_RESPONDER_ROLLOVER + 10;
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(g.trust), (time_t)later);
	a = ask(req, len, later);
	X509 *now = sk_X509_value(OCSP_resp_get0_certs(a.bs), 0);
	assert_int_not_equal(X509_cmp(old, now), 0);
	check_responder_cert(now, g.ca[0], later);
	answer_free(&a);
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(g.trust), (time_t)g.t0);
	X509_free(old);
	free(req);
}

struct worker {
	uint8_t *req;
	size_t len;
	int64_t now;
	int good;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 200; i++) {
		uint8_t *der = NULL;
		size_t n;
		struct jpki_ocsp_meta m;
		if (jpki_ocsp_respond(g.o, w->req, w->len, w->now, &der, &n, &m) == 0 &&
		    m.status == JPKI_OCSP_SUCCESSFUL)
			w->good++;
		free(der);
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct worker w[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.now = g.t0 + 7, .good = 0};
		w[i].req = make_req(i % 2 ? JPKI_KIND_AUTH : JPKI_KIND_SIGN,
		                    i % 2 ? S_AUTH : S_GOOD, i == 3, &w[i].len);
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].good, 200);
		free(w[i].req);
	}
}

static void test_cache_bound(void **state)
{
	(void)state;
	struct jpki_err err;
	struct jpki_responder *rs[2] = {NULL, NULL};
	struct jpki_ocsp *small = NULL;
	for (int k = 0; k < 2; k++)
		assert_int_equal(jpki_responder_ensure(g.ca[k], PASS, g.t0, &rs[k], &err), 0);
	struct jpki_ocsp_cfg cfg = {.cas = {g.ca[0], g.ca[1]},
	                            .responders = {rs[0], rs[1]},
	                            .lookup = fake_lookup,
	                            .cache_max = 64,
	                            .validity = 600};
	assert_int_equal(jpki_ocsp_new(&cfg, &small, &err), 0);
	for (int i = 0; i < 400; i++) {
		char serial[33];
		uint8_t b[16];
		assert_int_equal(RAND_bytes(b, sizeof(b)), 1);
		b[0] = 0x11;
		jpki_hex_encode(b, sizeof(b), serial);
		size_t len, n;
		uint8_t *req = make_req(JPKI_KIND_SIGN, serial, false, &len), *der = NULL;
		struct jpki_ocsp_meta m;
		assert_int_equal(jpki_ocsp_respond(small, req, len, g.t0, &der, &n, &m), 0);
		assert_int_equal(m.status, JPKI_OCSP_SUCCESSFUL);
		assert_int_equal(m.next_update, g.t0 + 600);
		free(der);
		free(req);
	}
	/* 64 stripes of 64/64 + 1 = 2 entries each at most */
	assert_true(jpki_ocsp_cache_count(small) <= 128);
	jpki_ocsp_free(small);
}

static void test_http_decode(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int rc;
		const char *out; /* hex */
	} cases[] = {
	    {"MAo=", 0, "300A"},   {"MAo", 0, "300A"},    {"MAo%3D", 0, "300A"},
	    {"MAo%3d", 0, "300A"}, {"+/+/", 0, "FBFFBF"}, {"%2B%2F%2b%2f", 0, "FBFFBF"},
	    {"-_-_", 0, "FBFFBF"}, {" /+/", 0, "FBFFBF"}, /* a '+' some proxy turned into ' ' */
	    {"", 0, ""},           {"MA==", 0, "30"},     {"MA", 0, "30"},
	    {"M", -1, NULL},       {"MB==", -1, NULL}, /* unused bits set */
	    {"MA=A", -1, NULL},                        /* '=' inside */
	    {"MA===", -1, NULL},                       /* too much padding */
	    {"MA*=", -1, NULL},    {"MA%", -1, NULL},     {"MA%4", -1, NULL},
	    {"MA%zz", -1, NULL},   {"MAo\n", -1, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[16];
		char hex[40];
		size_t n = 99;
		int rc = jpki_ocsp_http_decode(cases[i].in, out, sizeof(out), &n);
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d", cases[i].in, rc);
		if (rc == 0) {
			jpki_hex_encode(out, n, hex);
			if (strcmp(hex, cases[i].out) != 0)
				fail_msg("'%s': %s, expected %s", cases[i].in, hex, cases[i].out);
		}
	}
	/* the output cap holds */
	uint8_t small[3];
	size_t n;
	assert_int_equal(jpki_ocsp_http_decode("AAAA", small, 3, &n), 0);
	assert_int_equal(jpki_ocsp_http_decode("AAAAAA", small, 3, &n), -1);
	assert_int_equal(jpki_ocsp_http_decode("AAAAAAAA", small, 3, &n), -1);
	assert_true(jpki_ocsp_http_route("/ocsp"));
	assert_true(jpki_ocsp_http_route("/ocsp/sign"));
	assert_false(jpki_ocsp_http_route("/ocspx"));
	assert_false(jpki_ocsp_http_route("/crl/sign.crl"));
}

static void *stores_lookup(void *arg)
{
	struct jpki_cert_rec r;
	struct jpki_err err;
	memset(&r, 0, sizeof(r));
	intptr_t rc = jpki_ocsp_stores_lookup(arg, JPKI_KIND_SIGN, S_MISSING, &r, &err);
	return (void *)rc;
}

/* One registry connection per thread, opened on first use, all closed at free. */
static void test_stores(void **state)
{
	(void)state;
	struct jpki_ocsp_stores *st = NULL;
	struct jpki_err err;
	assert_int_equal(jpki_ocsp_stores_new(test_ctx(), NULL, &st, &err), 0);
	assert_ptr_equal(stores_lookup(st), (void *)(intptr_t)-JPKI_E_NOT_FOUND);
	assert_ptr_equal(stores_lookup(st), (void *)(intptr_t)-JPKI_E_NOT_FOUND);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stores_lookup, st), 0);
	for (int i = 0; i < 3; i++) {
		void *rc = NULL;
		assert_int_equal(pthread_join(t[i], &rc), 0);
		assert_ptr_equal(rc, (void *)(intptr_t)-JPKI_E_NOT_FOUND);
	}
	jpki_ocsp_stores_free(st);
	/* a registry that cannot be opened is an error of the lookup, not a crash */
	assert_int_equal(
	    jpki_ocsp_stores_new(test_ctx(), "/nonexistent/dir/registry.sqlite", &st, &err), 0);
	assert_true((intptr_t)stores_lookup(st) < 0);
	jpki_ocsp_stores_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),          cmocka_unit_test(test_revoked),
	    cmocka_unit_test(test_unknown),       cmocka_unit_test(test_nonce),
	    cmocka_unit_test(test_cache_hit),     cmocka_unit_test(test_revocation_resigns),
	    cmocka_unit_test(test_sha256_certid), cmocka_unit_test(test_multi),
	    cmocka_unit_test(test_malformed),     cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_try_later),     cmocka_unit_test(test_error_responses),
	    cmocka_unit_test(test_threads),       cmocka_unit_test(test_cache_bound),
	    cmocka_unit_test(test_http_decode),   cmocka_unit_test(test_stores),
	    cmocka_unit_test(test_responder),     cmocka_unit_test(test_rollover_in_service),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
