/*
 * test_webauthn.c: operators' security keys (src/lib/operator/webauthn.c,
 * webauthn_parse.c, core/cbor.c, store/sqlite_credential.c).
 *
 * A software authenticator written here with OpenSSL (a P-256 or Ed25519
 * key, authenticator data, a CBOR attestation object, signatures) answers
 * the ceremonies; each test changes one thing in its answer and expects
 * the one refusal the change calls for, with its audit entry.  The
 * registration rule, disabling, the policy, damaged rows and the challenge
 * table are tested too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <sqlite3.h>

#include "core/base64.h"
#include "operator/webauthn.h"
#include "test_ctx.h"
#include "tmpdir.h"

#define RP_ID "counter.city.example.jp"
#define ORIGIN "https://counter.city.example.jp"
#define PW_OFFICER "officer-pass-1234"
#define PW_CLERK1 "clerk1-pass-12345"
#define PW_CLERK2 "clerk2-pass-12345"
#define NOW 1800000000

static char g_dir[PATH_MAX];
static const struct jpki_webauthn_rp rp = {RP_ID, ORIGIN};

/* ---- a CBOR writer (RFC 8949 §3, shortest heads) ---- */

struct buf {
	uint8_t b[24000];
	size_t n;
};

static void put(struct buf *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void head(struct buf *w, int major, uint64_t arg)
{
	uint8_t h[9];
	size_t n = 1;
	if (arg < 24) {
		h[0] = (uint8_t)(major << 5 | arg);
	} else {
		int ai = arg <= 0xff ? 24 : arg <= 0xffff ? 25 : arg <= 0xffffffff ? 26 : 27;
		size_t len = (size_t)1 << (ai - 24);
		h[0] = (uint8_t)(major << 5 | ai);
		for (size_t i = 0; i < len; i++)
			h[1 + i] = (uint8_t)(arg >> (8 * (len - 1 - i)));
		n += len;
	}
	put(w, h, n);
}

static void cbor_int(struct buf *w, int64_t v)
{
	if (v >= 0)
		head(w, 0, (uint64_t)v);
	else
		head(w, 1, (uint64_t)(-1 - v));
}

static void cbor_bytes(struct buf *w, const void *p, size_t n)
{
	head(w, 2, n);
	put(w, p, n);
}

static void cbor_text(struct buf *w, const char *s)
{
	head(w, 3, strlen(s));
	put(w, s, strlen(s));
}

/* ---- the software authenticator ---- */

struct authn {
	EVP_PKEY *key;
	int alg;
	uint8_t cred_id[1100];
	size_t cred_id_len;
	uint32_t count;
};

static void authn_make(struct authn *a, int alg, uint8_t tag)
{
	memset(a, 0, sizeof(*a));
	a->alg = alg;
	a->key = alg == JPKI_COSE_EDDSA ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
	                                : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(a->key);
	a->cred_id_len = 32;
	for (size_t i = 0; i < a->cred_id_len; i++)
		a->cred_id[i] = (uint8_t)(tag + i * 13);
}

static void authn_free(struct authn *a)
{
	EVP_PKEY_free(a->key);
}

/* What to make wrong in an answer; zeros make it right. */
struct knobs {
	const char *type, *origin, *rp_id, *fmt, *extra_json;
	bool wrong_challenge, no_up, bad_sig, self_alg_wrong, x5c, no_at, at_in_assertion;
	bool keep_count;   /* assertion: the counter not moved */
	int64_t set_count; /* assertion: this counter (when nonzero) */
	int cose_alg;      /* registration: this alg in the COSE key (0: the key's) */
	bool off_curve;    /* registration: a point not on P-256 */
	size_t trailing_obj, trailing_ad;
	const uint8_t *user_handle;
	size_t user_handle_len;
};

static void cose_key(struct buf *w, const struct authn *a, const struct knobs *k)
{
	if (a->alg == JPKI_COSE_EDDSA) {
		uint8_t x[32];
		size_t n = sizeof(x);
		assert_int_equal(EVP_PKEY_get_raw_public_key(a->key, x, &n), 1);
		head(w, 5, 4);
		cbor_int(w, 1), cbor_int(w, 1);
		cbor_int(w, 3), cbor_int(w, k->cose_alg ? k->cose_alg : -8);
		cbor_int(w, -1), cbor_int(w, 6);
		cbor_int(w, -2), cbor_bytes(w, x, 32);
		return;
	}
	uint8_t pt[65];
	size_t n = 0;
	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(a->key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n),
	    1);
	assert_int_equal(n, 65);
	if (k->off_curve)
		pt[64] ^= 1;
	head(w, 5, 5);
	cbor_int(w, 1), cbor_int(w, 2);
	cbor_int(w, 3), cbor_int(w, k->cose_alg ? k->cose_alg : -7);
	cbor_int(w, -1), cbor_int(w, 1);
	cbor_int(w, -2), cbor_bytes(w, pt + 1, 32);
	cbor_int(w, -3), cbor_bytes(w, pt + 33, 32);
}

static void authdata(struct buf *w, const struct authn *a, bool attested, const struct knobs *k)
{
	uint8_t h[32];
	const char *id = k->rp_id ? k->rp_id : RP_ID;
	SHA256((const unsigned char *)id, strlen(id), h);
	put(w, h, 32);
	uint8_t flags = (k->no_up ? 0 : JPKI_WA_FLAG_UP) |
	                ((attested && !k->no_at) || k->at_in_assertion ? JPKI_WA_FLAG_AT : 0);
	put(w, &flags, 1);
	uint8_t c[4] = {(uint8_t)(a->count >> 24), (uint8_t)(a->count >> 16),
	                (uint8_t)(a->count >> 8), (uint8_t)a->count};
	put(w, c, 4);
	if (flags & JPKI_WA_FLAG_AT) {
		uint8_t aaguid[16] = {0xad, 0x01};
		put(w, aaguid, 16);
		uint8_t len[2] = {(uint8_t)(a->cred_id_len >> 8), (uint8_t)a->cred_id_len};
		put(w, len, 2);
		put(w, a->cred_id, a->cred_id_len);
		cose_key(w, a, k);
	}
	for (size_t i = 0; i < k->trailing_ad; i++)
		put(w, "\0", 1);
}

static size_t client_data(char *out, size_t cap, const char *type, const uint8_t challenge[32],
                          const struct knobs *k)
{
	uint8_t c[32];
	memcpy(c, challenge, 32);
	if (k->wrong_challenge)
		c[0] ^= 1;
	char b64[44];
	jpki_base64url_32(c, b64);
	int n = snprintf(out, cap, "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\"%s}",
	                 k->type ? k->type : type, b64, k->origin ? k->origin : ORIGIN,
	                 k->extra_json ? k->extra_json : "");
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* The signature over ad || SHA-256(cdata) (§6.3.3, §8.2), ES256 in DER or Ed25519. */
static size_t sign(EVP_PKEY *key, const struct buf *ad, const char *cdata, size_t cd_len,
                   uint8_t *sig, bool bad)
{
	struct buf *msg = calloc(1, sizeof(*msg));
	put(msg, ad->b, ad->n);
	SHA256((const unsigned char *)cdata, cd_len, msg->b + msg->n);
	msg->n += 32;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ed = EVP_PKEY_is_a(key, "ED25519");
	size_t n = 256;
	assert_int_equal(EVP_DigestSignInit(md, NULL, ed ? NULL : EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &n, msg->b, msg->n), 1);
	EVP_MD_CTX_free(md);
	free(msg);
	if (bad)
		sig[n / 2] ^= 0x40;
	return n;
}

/* An attestation certificate (§8.2.1) for key, self-signed. */
static size_t attestation_cert(EVP_PKEY *key, const char *ou, uint8_t *out)
{
	X509 *x = X509_new();
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"soft", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "CA:FALSE");
	X509_add_ext(x, bc, -1);
	X509_EXTENSION_free(bc);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	unsigned char *p = out;
	int len = i2d_X509(x, &p);
	X509_free(x);
	assert_true(len > 0);
	return (size_t)len;
}

struct answer {
	char cdata[2048];
	size_t cdata_len;
	struct buf obj, ad;
	uint8_t sig[256];
	size_t sig_len;
};

static struct answer *registration(const struct authn *a, const uint8_t challenge[32],
                                   const struct knobs *k)
{
	struct answer *r = calloc(1, sizeof(*r));
	r->cdata_len = client_data(r->cdata, sizeof(r->cdata), "webauthn.create", challenge, k);
	authdata(&r->ad, a, true, k);
	const char *fmt = k->fmt ? k->fmt : "none";
	head(&r->obj, 5, 3);
	cbor_text(&r->obj, "fmt");
	cbor_text(&r->obj, fmt);
	cbor_text(&r->obj, "attStmt");
	if (strcmp(fmt, "packed") == 0) {
		EVP_PKEY *att = k->x5c ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") : a->key;
		r->sig_len = sign(att, &r->ad, r->cdata, r->cdata_len, r->sig, k->bad_sig);
		head(&r->obj, 5, k->x5c ? 3 : 2);
		cbor_text(&r->obj, "alg");
		cbor_int(&r->obj, k->self_alg_wrong ? -257 : k->x5c ? -7 : a->alg);
		cbor_text(&r->obj, "sig");
		cbor_bytes(&r->obj, r->sig, r->sig_len);
		if (k->x5c) {
			uint8_t der[2048];
			size_t n = attestation_cert(att, "Authenticator Attestation", der);
			cbor_text(&r->obj, "x5c");
			head(&r->obj, 4, 1);
			cbor_bytes(&r->obj, der, n);
			EVP_PKEY_free(att);
		}
	} else {
		head(&r->obj, 5, 0);
	}
	cbor_text(&r->obj, "authData");
	cbor_bytes(&r->obj, r->ad.b, r->ad.n);
	for (size_t i = 0; i < k->trailing_obj; i++)
		put(&r->obj, "\0", 1);
	return r;
}

static struct answer *assertion(const struct authn *a, const uint8_t challenge[32],
                                const struct knobs *k)
{
	struct answer *r = calloc(1, sizeof(*r));
	r->cdata_len = client_data(r->cdata, sizeof(r->cdata), "webauthn.get", challenge, k);
	authdata(&r->ad, a, false, k);
	r->sig_len = sign(a->key, &r->ad, r->cdata, r->cdata_len, r->sig, k->bad_sig);
	return r;
}

/* ---- the registry with three operators ---- */

struct fix {
	char path[PATH_MAX + 32];
	struct jpki_store *st;
	struct authn a, b; /* two keys */
};

static int group_setup(void **state)
{
	(void)state;
	return tmpdir_make(g_dir, "webauthn") ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return tmpdir_remove(g_dir);
}

static int setup(void **state)
{
	static int seq;
	struct fix *f = calloc(1, sizeof(*f));
	struct jpki_err err;
	snprintf(f->path, sizeof(f->path), "%s/reg%d.sqlite", g_dir, ++seq);
	const struct jpki_actor off = {"officer1", PW_OFFICER, false};
	if (jpki_store_create(test_ctx(), f->path, &f->st, &err) != 0 ||
	    jpki_operator_add(f->st, NULL, "officer1", "Officer", JPKI_ROLE_CA_OFFICER, PW_OFFICER,
	                      NOW, &err) != 0 ||
	    jpki_operator_add(f->st, &off, "clerk1", "Clerk 1", JPKI_ROLE_CLERK, PW_CLERK1, NOW,
	                      &err) != 0 ||
	    jpki_operator_add(f->st, &off, "clerk2", "Clerk 2", JPKI_ROLE_CLERK, PW_CLERK2, NOW,
	                      &err) != 0) {
		print_error("setup: %s\n", err.msg);
		return -1;
	}
	authn_make(&f->a, JPKI_COSE_ES256, 1);
	authn_make(&f->b, JPKI_COSE_ES256, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	jpki_store_close(f->st);
	authn_free(&f->a);
	authn_free(&f->b);
	free(f);
	return 0;
}

static const char *pw_of(const char *id)
{
	return strcmp(id, "officer1") == 0 ? PW_OFFICER
	       : strcmp(id, "clerk1") == 0 ? PW_CLERK1
	                                   : PW_CLERK2;
}

/* Register a's key for op, on by's word, with the knobs. */
static int reg(struct fix *f, const char *by, const char *op, struct authn *a,
               const struct knobs *k, int64_t *key_id, struct jpki_err *err)
{
	uint8_t chal[32];
	assert_int_equal(jpki_webauthn_challenge(chal, err), 0);
	struct answer *r = registration(a, chal, k);
	const struct jpki_actor actor = {by, pw_of(by), false};
	const struct jpki_webauthn_attestation resp = {(const uint8_t *)r->cdata, r->obj.b,
	                                               r->cdata_len, r->obj.n};
	int rc = jpki_webauthn_register(f->st, &rp, &actor, op, "blue key", chal, &resp, NOW,
	                                key_id, err);
	free(r);
	return rc;
}

/* op logs in with a's key (its counter one up unless the knobs say otherwise). */
static int login(struct fix *f, const char *op, struct authn *a, const struct knobs *k,
                 struct jpki_err *err)
{
	uint8_t chal[32];
	assert_int_equal(jpki_webauthn_challenge(chal, err), 0);
	uint32_t saved = a->count;
	if (k->set_count)
		a->count = (uint32_t)k->set_count;
	else if (!k->keep_count)
		a->count++;
	struct answer *r = assertion(a, chal, k);
	const struct jpki_webauthn_assertion resp = {
	    .credential_id = a->cred_id,
	    .credential_id_len = a->cred_id_len,
	    .client_data_json = (const uint8_t *)r->cdata,
	    .client_data_len = r->cdata_len,
	    .authenticator_data = r->ad.b,
	    .authenticator_data_len = r->ad.n,
	    .signature = r->sig,
	    .signature_len = r->sig_len,
	    .user_handle = k->user_handle,
	    .user_handle_len = k->user_handle_len,
	};
	int rc = jpki_webauthn_assert(f->st, &rp, op, chal, &resp, NOW + 60, err);
	if (rc != 0)
		a->count = saved;
	free(r);
	return rc;
}

struct tally {
	int done, refused;
	char last[JPKI_DETAIL_MAX + 2 * JPKI_ACTION_MAX];
};

static int tally_one(const struct jpki_audit_rec *e, void *arg)
{
	struct tally *t = arg;
	if (strncmp(e->action, "webauthn.", 9) != 0)
		return 0;
	if (strcmp(e->decision, "done") == 0)
		t->done++;
	else
		t->refused++;
	snprintf(t->last, sizeof(t->last), "%s %s %s", e->action, e->decision, e->detail);
	return 0;
}

static struct tally audit_of(struct fix *f)
{
	struct tally t = {0};
	struct jpki_audit_filter filter = {0};
	struct jpki_err err;
	assert_int_equal(f->st->ops->audit_each(f->st, &filter, tally_one, &t, &err), 0);
	return t;
}

static const struct knobs right = {0};

/* ---- registration and assertion that work ---- */

static void test_good(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	int64_t id = 0;
	bool req = true;
	assert_int_equal(jpki_webauthn_required(f->st, "clerk1", &req, &err), 0);
	assert_false(req);
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, &id, &err), 0);
	assert_true(id > 0);
	assert_int_equal(jpki_webauthn_required(f->st, "clerk1", &req, &err), 0);
	assert_true(req);
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), 0);
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), 0);
	struct jpki_credential_rec c;
	assert_int_equal(f->st->ops->credential_get(f->st, id, &c, &err), 0);
	assert_int_equal(c.sign_count, 2);
	assert_int_equal(c.last_used_at, NOW + 60);
	assert_string_equal(c.operator_id, "clerk1");
	assert_string_equal(c.created_by, "clerk1");
	assert_string_equal(c.label, "blue key");
	assert_int_equal(c.alg, -7);
	assert_int_equal(c.aaguid[0], 0xad);
	/* the key as SubjectPublicKeyInfo: OpenSSL reads it back */
	const unsigned char *p = c.public_key;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)c.public_key_len);
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_eq(k, f->a.key), 1);
	EVP_PKEY_free(k);
	struct tally t = audit_of(f);
	assert_int_equal(t.done, 3);
	assert_int_equal(t.refused, 0);
	assert_non_null(
	    strstr(t.last, "webauthn.assert done operator=clerk1; key=1; sign count=2"));
}

static void test_formats(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	/* packed self attestation, then packed with an attestation certificate */
	struct knobs self = {.fmt = "packed"}, cert = {.fmt = "packed", .x5c = true};
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &self, NULL, &err), 0);
	assert_int_equal(reg(f, "officer1", "clerk2", &f->b, &cert, NULL, &err), 0);
	assert_int_equal(login(f, "clerk2", &f->b, &right, &err), 0);
	struct tally t = audit_of(f);
	assert_int_equal(t.done, 3);
	/* EdDSA (Ed25519) keys */
	struct authn ed;
	authn_make(&ed, JPKI_COSE_EDDSA, 3);
	assert_int_equal(reg(f, "officer1", "officer1", &ed, &self, NULL, &err), 0);
	assert_int_equal(login(f, "officer1", &ed, &right, &err), 0);
	authn_free(&ed);
	/* a bad self attestation, a self attestation of another alg */
	struct authn c;
	authn_make(&c, JPKI_COSE_ES256, 4);
	struct knobs bad = {.fmt = "packed", .bad_sig = true};
	assert_int_equal(reg(f, "officer1", "clerk1", &c, &bad, NULL, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	assert_non_null(strstr(err.msg, "self attestation does not verify"));
	struct knobs other = {.fmt = "packed", .self_alg_wrong = true};
	assert_int_equal(reg(f, "officer1", "clerk1", &c, &other, NULL, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	assert_non_null(strstr(err.msg, "alg -257"));
	struct knobs badcert = {.fmt = "packed", .x5c = true, .bad_sig = true};
	assert_int_equal(reg(f, "officer1", "clerk1", &c, &badcert, NULL, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	assert_non_null(strstr(err.msg, "attestation signature does not verify"));
	struct knobs tpm = {.fmt = "tpm"};
	assert_int_equal(reg(f, "officer1", "clerk1", &c, &tpm, NULL, &err), -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "not supported"));
	struct knobs upper = {.fmt = "None"}; /* §7.1 step 18: case-sensitive */
	assert_int_equal(reg(f, "officer1", "clerk1", &c, &upper, NULL, &err), -JPKI_E_INVALID);
	authn_free(&c);
	t = audit_of(f);
	assert_int_equal(t.refused, 5);
}

/* ---- registration refused ---- */

struct reg_case {
	const char *what;
	struct knobs k;
	int rc;
	const char *says;
};

static void test_register_refused(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	const struct reg_case cases[] = {
	    {"wrong type", {.type = "webauthn.get"}, -JPKI_E_UNAUTHENTICATED, "webauthn.create"},
	    {"wrong challenge", {.wrong_challenge = true}, -JPKI_E_UNAUTHENTICATED, "challenge"},
	    {"origin with a suffix",
	     {.origin = ORIGIN ".evil.example"},
	     -JPKI_E_UNAUTHENTICATED,
	     "origin"},
	    {"origin with a port", {.origin = ORIGIN ":8443"}, -JPKI_E_UNAUTHENTICATED, "origin"},
	    {"origin over http",
	     {.origin = "http://counter.city.example.jp"},
	     -JPKI_E_UNAUTHENTICATED,
	     "origin"},
	    {"crossOrigin true",
	     {.extra_json = ",\"crossOrigin\":true"},
	     -JPKI_E_UNAUTHENTICATED,
	     "crossOrigin"},
	    {"crossOrigin not a boolean",
	     {.extra_json = ",\"crossOrigin\":1"},
	     -JPKI_E_INVALID,
	     "crossOrigin"},
	    {"a type twice",
	     {.extra_json = ",\"type\":\"webauthn.create\""},
	     -JPKI_E_INVALID,
	     "JSON"},
	    {"token binding present",
	     {.extra_json = ",\"tokenBinding\":{\"status\":\"present\",\"id\":\"AA\"}"},
	     -JPKI_E_UNAUTHENTICATED,
	     "Token Binding"},
	    {"wrong rpIdHash", {.rp_id = "city.example.jp"}, -JPKI_E_UNAUTHENTICATED, "rpIdHash"},
	    {"UP missing", {.no_up = true}, -JPKI_E_UNAUTHENTICATED, "UP"},
	    {"no attested credential data", {.no_at = true}, -JPKI_E_INVALID, "AT"},
	    {"RS256", {.cose_alg = -257}, -JPKI_E_BAD_KEY, "-257"},
	    {"a point off the curve", {.off_curve = true}, -JPKI_E_BAD_KEY, "curve"},
	    {"bytes after the attestation object",
	     {.trailing_obj = 1},
	     -JPKI_E_INVALID,
	     "left over"},
	    {"bytes after the authenticator data",
	     {.trailing_ad = 3},
	     -JPKI_E_INVALID,
	     "left over"},
	};
	int refused = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = reg(f, "clerk1", "clerk1", &f->a, &cases[i].k, NULL, &err);
		if (rc != cases[i].rc || !strstr(err.msg, cases[i].says))
			fail_msg("%s: %d (%s)", cases[i].what, rc, err.msg);
		refused++;
	}
	/* an EdDSA key in an EC2 shape */
	struct authn ed;
	authn_make(&ed, JPKI_COSE_EDDSA, 9);
	struct knobs es = {.cose_alg = -7};
	assert_int_equal(reg(f, "clerk1", "clerk1", &ed, &es, NULL, &err), -JPKI_E_BAD_KEY);
	refused++;
	authn_free(&ed);
	/* a credential id of 1024 bytes (§5.1: at most 1023) */
	f->a.cred_id_len = 1024;
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "1024 bytes"));
	refused++;
	f->a.cred_id_len = 1023; /* the largest */
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), 0);
	/* every refusal is an audit entry, and nothing was kept of them */
	struct tally t = audit_of(f);
	assert_int_equal(t.refused, refused);
	assert_int_equal(t.done, 1);
	assert_non_null(strstr(t.last, "webauthn.register done operator=clerk1; key=1"));
}

/* Raw attestation objects: truncated, oversized, malformed CBOR. */
static void test_register_malformed(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	uint8_t chal[32];
	assert_int_equal(jpki_webauthn_challenge(chal, &err), 0);
	struct answer *good = registration(&f->a, chal, &right);
	const struct jpki_actor by = {"clerk1", PW_CLERK1, false};
	struct buf *w = calloc(1, sizeof(*w));
	/* every truncation of a good object */
	for (size_t n = 0; n < good->obj.n; n += 7) {
		const struct jpki_webauthn_attestation r = {(const uint8_t *)good->cdata,
		                                            good->obj.b, good->cdata_len, n};
		int rc = jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r, NOW,
		                                NULL, &err);
		if (rc != -JPKI_E_INVALID)
			fail_msg("truncated to %zu: %d %s", n, rc, err.msg);
	}
	/* over 16 KiB */
	memset(w->b, 0xa0, 17000);
	struct jpki_webauthn_attestation r = {(const uint8_t *)good->cdata, w->b, good->cdata_len,
	                                      17000};
	assert_int_equal(
	    jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r, NOW, NULL, &err),
	    -JPKI_E_LIMIT);
	/* an indefinite-length map; a map of 3 that is an array; a length beyond the end */
	const uint8_t indefinite[] = {0xbf, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e', 0xff};
	const uint8_t array[] = {0x83, 0x01, 0x02, 0x03};
	const uint8_t huge[] = {0xa3, 0x63, 'f',  'm',  't',  0x7b, 0xff,
	                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t *bad[] = {indefinite, array, huge};
	size_t lens[] = {sizeof(indefinite), sizeof(array), sizeof(huge)};
	for (size_t i = 0; i < 3; i++) {
		r.attestation_object = bad[i];
		r.attestation_object_len = lens[i];
		assert_int_equal(jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r,
		                                        NOW, NULL, &err),
		                 -JPKI_E_INVALID);
	}
	/* an authData that is text; a fourth member; a member twice */
	w->n = 0;
	head(w, 5, 3);
	cbor_text(w, "fmt"), cbor_text(w, "none");
	cbor_text(w, "attStmt"), head(w, 5, 0);
	cbor_text(w, "authData"), cbor_text(w, "abc");
	r.attestation_object = w->b;
	r.attestation_object_len = w->n;
	assert_int_equal(
	    jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r, NOW, NULL, &err),
	    -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "authData is not a byte string"));
	w->n = 0;
	head(w, 5, 3);
	cbor_text(w, "fmt"), cbor_text(w, "none");
	cbor_text(w, "fmt"), cbor_text(w, "none");
	cbor_text(w, "authData"), cbor_bytes(w, good->ad.b, good->ad.n);
	r.attestation_object_len = w->n;
	assert_int_equal(
	    jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r, NOW, NULL, &err),
	    -JPKI_E_INVALID);
	/* none with a statement that is not empty */
	w->n = 0;
	head(w, 5, 3);
	cbor_text(w, "fmt"), cbor_text(w, "none");
	cbor_text(w, "attStmt"), head(w, 5, 1), cbor_text(w, "x"), cbor_int(w, 1);
	cbor_text(w, "authData"), cbor_bytes(w, good->ad.b, good->ad.n);
	r.attestation_object_len = w->n;
	assert_int_equal(
	    jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r, NOW, NULL, &err),
	    -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "empty map"));
	/* clientDataJSON: not JSON, not an object, over 4 KiB, empty */
	r.attestation_object = good->obj.b;
	r.attestation_object_len = good->obj.n;
	const char *texts[] = {"{\"type\":", "[1,2]", "\"webauthn.create\""};
	for (size_t i = 0; i < 3; i++) {
		r.client_data_json = (const uint8_t *)texts[i];
		r.client_data_len = strlen(texts[i]);
		assert_int_equal(jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r,
		                                        NOW, NULL, &err),
		                 -JPKI_E_INVALID);
	}
	r.client_data_json = w->b;
	r.client_data_len = 5000;
	assert_int_equal(
	    jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r, NOW, NULL, &err),
	    -JPKI_E_LIMIT);
	r.client_data_len = 0;
	assert_int_equal(
	    jpki_webauthn_register(f->st, &rp, &by, "clerk1", NULL, chal, &r, NOW, NULL, &err),
	    -JPKI_E_INVALID);
	free(w);
	free(good);
	bool req = true;
	assert_int_equal(jpki_webauthn_required(f->st, "clerk1", &req, &err), 0);
	assert_false(req);
}

/* Who may register a key for whom (docs/operators.md). */
static void test_register_rule(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	/* a clerk registers no key for another */
	assert_int_equal(reg(f, "clerk2", "clerk1", &f->a, &right, NULL, &err), -JPKI_E_DENIED);
	assert_non_null(strstr(err.msg, "a CA officer another's"));
	/* a wrong password */
	uint8_t chal[32];
	assert_int_equal(jpki_webauthn_challenge(chal, &err), 0);
	struct answer *r = registration(&f->a, chal, &right);
	const struct jpki_actor wrong = {"clerk1", "not-the-password", false};
	const struct jpki_webauthn_attestation resp = {(const uint8_t *)r->cdata, r->obj.b,
	                                               r->cdata_len, r->obj.n};
	assert_int_equal(jpki_webauthn_register(f->st, &rp, &wrong, "clerk1", NULL, chal, &resp,
	                                        NOW, NULL, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	free(r);
	/* the operator's first key, then a second one only through an officer */
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), 0);
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->b, &right, NULL, &err), -JPKI_E_DENIED);
	assert_non_null(strstr(err.msg, "registered by a CA officer"));
	/* the same credential again, for another operator: EXISTS (§7.1 step 22) */
	assert_int_equal(reg(f, "officer1", "clerk2", &f->a, &right, NULL, &err), -JPKI_E_EXISTS);
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), -JPKI_E_DENIED);
	assert_int_equal(reg(f, "officer1", "clerk1", &f->b, &right, NULL, &err), 0);
	/* no such operator; a disabled one */
	assert_int_equal(reg(f, "officer1", "ghost", &f->b, &right, NULL, &err), -JPKI_E_DENIED);
	const struct jpki_actor off = {"officer1", PW_OFFICER, false};
	assert_int_equal(jpki_operator_disable(f->st, &off, "clerk2", NOW, &err), 0);
	struct authn c;
	authn_make(&c, JPKI_COSE_ES256, 7);
	assert_int_equal(reg(f, "officer1", "clerk2", &c, &right, NULL, &err), -JPKI_E_STATE);
	authn_free(&c);
	/* arguments */
	const struct jpki_webauthn_rp norp = {NULL, ORIGIN};
	assert_int_equal(jpki_webauthn_register(f->st, &norp, &off, "clerk1", NULL, chal, &resp,
	                                        NOW, NULL, &err),
	                 -JPKI_E_INVALID);
	assert_int_equal(jpki_webauthn_register(f->st, &rp, &off, "clerk1", "a\tb", chal, &resp,
	                                        NOW, NULL, &err),
	                 -JPKI_E_INVALID);
	struct tally t = audit_of(f);
	assert_int_equal(t.done, 2);
	assert_int_equal(t.refused, 6); /* the wrong password is an operator.login entry */
}

/* ---- assertions refused ---- */

static void test_assert_refused(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), 0);
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), 0);
	const struct reg_case cases[] = {
	    {"wrong type", {.type = "webauthn.create"}, -JPKI_E_UNAUTHENTICATED, "webauthn.get"},
	    {"wrong challenge", {.wrong_challenge = true}, -JPKI_E_UNAUTHENTICATED, "challenge"},
	    {"origin with a suffix", {.origin = ORIGIN "x"}, -JPKI_E_UNAUTHENTICATED, "origin"},
	    {"origin with a port", {.origin = ORIGIN ":443"}, -JPKI_E_UNAUTHENTICATED, "origin"},
	    {"origin over http",
	     {.origin = "http://counter.city.example.jp"},
	     -JPKI_E_UNAUTHENTICATED,
	     "origin"},
	    {"wrong rpIdHash", {.rp_id = "example.jp"}, -JPKI_E_UNAUTHENTICATED, "rpIdHash"},
	    {"UP missing", {.no_up = true}, -JPKI_E_UNAUTHENTICATED, "UP"},
	    {"bad signature", {.bad_sig = true}, -JPKI_E_UNAUTHENTICATED, "signature"},
	    {"attested data in an assertion",
	     {.at_in_assertion = true},
	     -JPKI_E_INVALID,
	     "attested"},
	    {"bytes after the authenticator data",
	     {.trailing_ad = 1},
	     -JPKI_E_INVALID,
	     "left over"},
	    {"the counter equal", {.keep_count = true}, -JPKI_E_DENIED, "cloned"},
	    {"the counter lower", {.set_count = 0}, 0, ""}, /* replaced below */
	    {"another user handle",
	     {.user_handle = (const uint8_t *)"clerk2", .user_handle_len = 6},
	     -JPKI_E_UNAUTHENTICATED,
	     "user handle"},
	};
	int refused = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].rc == 0)
			continue;
		int rc = login(f, "clerk1", &f->a, &cases[i].k, &err);
		if (rc != cases[i].rc || !strstr(err.msg, cases[i].says))
			fail_msg("%s: %d (%s)", cases[i].what, rc, err.msg);
		refused++;
	}
	/* the counter lower than the stored one: f->a.count is 1 (stored); a clone says 0 */
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), 0); /* 2 */
	struct knobs lower = {.set_count = 1};
	assert_int_equal(login(f, "clerk1", &f->a, &lower, &err), -JPKI_E_DENIED);
	assert_non_null(strstr(err.msg, "from 2 to 1"));
	refused++;
	struct knobs same_handle = {.user_handle = (const uint8_t *)"clerk1", .user_handle_len = 6};
	assert_int_equal(login(f, "clerk1", &f->a, &same_handle, &err), 0);
	/* an unknown key; the key of another operator */
	struct authn other;
	authn_make(&other, JPKI_COSE_ES256, 77);
	assert_int_equal(login(f, "clerk1", &other, &right, &err), -JPKI_E_UNAUTHENTICATED);
	assert_non_null(strstr(err.msg, "unknown security key"));
	assert_int_equal(login(f, "clerk2", &f->a, &right, &err), -JPKI_E_UNAUTHENTICATED);
	assert_non_null(strstr(err.msg, "another operator's"));
	assert_int_equal(login(f, "ghost", &f->a, &right, &err), -JPKI_E_UNAUTHENTICATED);
	refused += 3;
	authn_free(&other);
	struct tally t = audit_of(f);
	assert_int_equal(t.refused, refused);
	assert_int_equal(t.done, 4);
	assert_non_null(strstr(t.last, "webauthn.assert refused operator=ghost"));
	/* a refused clone leaves the stored counter where it was */
	struct jpki_credential_rec c;
	assert_int_equal(f->st->ops->credential_get(f->st, 1, &c, &err), 0);
	assert_int_equal(c.sign_count, 3);
}

/* Authenticators without a counter (always 0) pass; once it is nonzero it must grow. */
static void test_counter_zero(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), 0);
	struct knobs zero = {.keep_count = true};
	assert_int_equal(login(f, "clerk1", &f->a, &zero, &err), 0);
	assert_int_equal(login(f, "clerk1", &f->a, &zero, &err), 0);
	struct knobs big = {.set_count = 0xfffffff0};
	assert_int_equal(login(f, "clerk1", &f->a, &big, &err), 0);
	assert_int_equal(login(f, "clerk1", &f->a, &zero, &err), -JPKI_E_DENIED);
	f->a.count = 0;
	assert_int_equal(login(f, "clerk1", &f->a, &zero, &err), -JPKI_E_DENIED);
	assert_non_null(strstr(err.msg, "to 0"));
}

/* ---- disabling and the policy ---- */

static void test_disable(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	int64_t k1 = 0, k2 = 0;
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, &k1, &err), 0);
	assert_int_equal(reg(f, "officer1", "officer1", &f->b, &right, &k2, &err), 0);
	const struct jpki_actor clerk = {"clerk1", PW_CLERK1, false},
	                        off = {"officer1", PW_OFFICER, false},
	                        badpw = {"officer1", "wrong-password-x", false};
	assert_int_equal(jpki_webauthn_disable(f->st, &clerk, k1, NOW, &err), -JPKI_E_DENIED);
	assert_int_equal(jpki_webauthn_disable(f->st, &badpw, k1, NOW, &err),
	                 -JPKI_E_UNAUTHENTICATED);
	assert_int_equal(jpki_webauthn_disable(f->st, &off, k2, NOW, &err), -JPKI_E_DENIED);
	assert_non_null(strstr(err.msg, "own key"));
	assert_int_equal(jpki_webauthn_disable(f->st, &off, 99, NOW, &err), -JPKI_E_DENIED);
	assert_int_equal(jpki_webauthn_disable(f->st, &off, 0, NOW, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_webauthn_disable(f->st, &off, k1, NOW, &err), 0);
	assert_int_equal(jpki_webauthn_disable(f->st, &off, k1, NOW, &err), -JPKI_E_DENIED);
	assert_non_null(strstr(err.msg, "disabled already"));
	/* the disabled key logs no one in, and no longer makes a key required */
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), -JPKI_E_STATE);
	assert_non_null(strstr(err.msg, "disabled"));
	bool req = true;
	assert_int_equal(jpki_webauthn_required(f->st, "clerk1", &req, &err), 0);
	assert_false(req);
	assert_int_equal(jpki_webauthn_required(f->st, "officer1", &req, &err), 0);
	assert_true(req);
	assert_int_equal(jpki_webauthn_required(f->st, "ghost", &req, &err), 0);
	assert_false(req);
	/* the operator may register a first key again; the old one is kept, disabled */
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), -JPKI_E_EXISTS);
	struct authn c;
	authn_make(&c, JPKI_COSE_ES256, 8);
	assert_int_equal(reg(f, "clerk1", "clerk1", &c, &right, NULL, &err), 0);
	/* a disabled operator's key */
	assert_int_equal(jpki_operator_disable(f->st, &off, "clerk1", NOW, &err), 0);
	assert_int_equal(login(f, "clerk1", &c, &right, &err), -JPKI_E_STATE);
	authn_free(&c);
	/* keys are never deleted */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM operator_credential", NULL, NULL, NULL),
	                     SQLITE_OK);
	sqlite3_close(db);
	struct tally t = audit_of(f);
	assert_non_null(strstr(t.last, "webauthn.assert refused"));
}

/* ---- damaged rows ---- */

static void damage(struct fix *f, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static void test_damaged_rows(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), 0);
	/* a public key that is not SubjectPublicKeyInfo */
	damage(f, "UPDATE operator_credential SET public_key = x'3003020100'");
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), -JPKI_E_STORE);
	assert_non_null(strstr(err.msg, "damaged"));
	/* an Ed25519 key where ES256 is said */
	damage(f, "UPDATE operator_credential SET public_key = "
	          "x'302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a"
	          "68f707511a'");
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), -JPKI_E_STORE);
	/* fields out of their range (the CHECK constraints put aside) */
	const char *bad[] = {
	    "UPDATE operator_credential SET aaguid = x'00'",
	    "UPDATE operator_credential SET sign_count = -1",
	    "UPDATE operator_credential SET alg = -257",
	    "UPDATE operator_credential SET credential_id = 'text'",
	    "UPDATE operator_credential SET last_used_at = 'soon'",
	    "UPDATE operator_credential SET label = x'410042'",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char sql[512];
		snprintf(sql, sizeof(sql), "PRAGMA ignore_check_constraints = 1; %s", bad[i]);
		damage(f, sql);
		struct jpki_credential_rec c;
		int rc = f->st->ops->credential_get(f->st, 1, &c, &err);
		if (rc != -JPKI_E_STORE)
			fail_msg("%s: %d", bad[i], rc);
		bool req;
		assert_int_equal(jpki_webauthn_required(f->st, "clerk1", &req, &err),
		                 -JPKI_E_STORE);
	}
}

/* A registry of schema 8 (before security keys) is migrated to 9 when opened. */
static void test_migration(void **state)
{
	struct fix *f = *state;
	struct jpki_err err;
	jpki_store_close(f->st);
	f->st = NULL;
	damage(f, "DROP TABLE operator_credential; UPDATE schema_version SET version = 8");
	assert_int_equal(jpki_store_open(test_ctx(), f->path, &f->st, &err), 0);
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 9);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(reg(f, "clerk1", "clerk1", &f->a, &right, NULL, &err), 0);
	assert_int_equal(login(f, "clerk1", &f->a, &right, &err), 0);
}

/* ---- the challenge table ---- */

struct racer {
	struct jpki_webauthn_challenges *t;
	int id, ok;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	char h[16];
	snprintf(h, sizeof(h), "session-%d", r->id);
	for (int i = 0; i < 500; i++) {
		uint8_t a[32], b[32];
		struct jpki_err err;
		if (jpki_webauthn_challenge_issue(r->t, h, JPKI_WA_GET, NOW, a, &err) == 0 &&
		    jpki_webauthn_challenge_take(r->t, h, JPKI_WA_GET, NOW, b, &err) == 0 &&
		    memcmp(a, b, 32) == 0)
			r->ok++;
	}
	return NULL;
}

static void test_challenges(void **state)
{
	(void)state;
	struct jpki_webauthn_challenges *t = NULL;
	struct jpki_err err;
	uint8_t a[32], b[32], c[32];
	assert_int_equal(jpki_webauthn_challenges_new(&t, &err), 0);
	assert_int_equal(jpki_webauthn_challenge_issue(t, "s1", JPKI_WA_CREATE, NOW, a, &err), 0);
	assert_int_equal(jpki_webauthn_challenge_take(t, "s1", JPKI_WA_GET, NOW, b, &err),
	                 -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_webauthn_challenge_take(t, "s2", JPKI_WA_CREATE, NOW, b, &err),
	                 -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_webauthn_challenge_take(t, "s1", JPKI_WA_CREATE, NOW + 299, b, &err),
	                 0);
	assert_memory_equal(a, b, 32);
	/* once */
	assert_int_equal(jpki_webauthn_challenge_take(t, "s1", JPKI_WA_CREATE, NOW, b, &err),
	                 -JPKI_E_NOT_FOUND);
	/* 5 minutes */
	assert_int_equal(jpki_webauthn_challenge_issue(t, "s1", JPKI_WA_GET, NOW, a, &err), 0);
	assert_int_equal(jpki_webauthn_challenge_take(t, "s1", JPKI_WA_GET, NOW + 300, b, &err),
	                 -JPKI_E_STATE);
	assert_int_equal(jpki_webauthn_challenge_take(t, "s1", JPKI_WA_GET, NOW, b, &err),
	                 -JPKI_E_NOT_FOUND);
	/* a new one replaces the old; they differ */
	assert_int_equal(jpki_webauthn_challenge_issue(t, "s1", JPKI_WA_GET, NOW, a, &err), 0);
	assert_int_equal(jpki_webauthn_challenge_issue(t, "s1", JPKI_WA_GET, NOW, c, &err), 0);
	assert_memory_not_equal(a, c, 32);
	assert_int_equal(jpki_webauthn_challenge_take(t, "s1", JPKI_WA_GET, NOW, b, &err), 0);
	assert_memory_equal(b, c, 32);
	/* handles */
	assert_int_equal(jpki_webauthn_challenge_issue(t, "", JPKI_WA_GET, NOW, a, &err),
	                 -JPKI_E_INVALID);
	assert_int_equal(jpki_webauthn_challenge_issue(t, "a b", JPKI_WA_GET, NOW, a, &err),
	                 -JPKI_E_INVALID);
	char longh[70];
	memset(longh, 'h', 65), longh[65] = '\0';
	assert_int_equal(jpki_webauthn_challenge_issue(t, longh, JPKI_WA_GET, NOW, a, &err),
	                 -JPKI_E_INVALID);
	/* full: 4096 outstanding, then LIMIT; expired ones make room */
	char h[32];
	for (int i = 0; i < 4096; i++) {
		snprintf(h, sizeof(h), "h%d", i);
		assert_int_equal(jpki_webauthn_challenge_issue(t, h, JPKI_WA_GET, NOW, a, &err), 0);
	}
	assert_int_equal(jpki_webauthn_challenge_issue(t, "one-more", JPKI_WA_GET, NOW, a, &err),
	                 -JPKI_E_LIMIT);
	assert_int_equal(
	    jpki_webauthn_challenge_issue(t, "one-more", JPKI_WA_GET, NOW + 301, a, &err), 0);
	jpki_webauthn_challenges_free(t);
	/* threads */
	assert_int_equal(jpki_webauthn_challenges_new(&t, &err), 0);
	pthread_t th[4];
	struct racer r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){t, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].ok, 500);
	}
	jpki_webauthn_challenges_free(t);
	jpki_webauthn_challenges_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_register_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_register_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_register_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_assert_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counter_zero, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
	    cmocka_unit_test(test_challenges),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
