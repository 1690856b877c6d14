/*
 * test_login_cache.c: what the login validator remembers between tokens
 * (src/lib/login/cache.c, docs/login.md "Caches"), with a real
 * authentication CA, a real certificate and the real OCSP responder
 * answering in process (a fake registry whose status the test sets):
 *   - a good answer is reused while it is fresh, and not once it is more
 *     than 2 minutes old: then it is asked again with a new nonce, and with
 *     the responder down the token fails (STATUS_FAILED);
 *   - a revoked answer is never remembered, nor brings back the good one;
 *   - a revocation is seen once the last good answer is stale;
 *   - with the cache off every token asks;
 *   - a validator shared by several threads gives each the same verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "ca/issue.h"
#include "ca_fixture.h"
#include "jpki/login.h"
#include "login/validate.h"
#include "status/ocsp.h"
#include "status/responder.h"

#define T0 INT64_C(1775000000) /* 2026-03-31 */
#define ORIGIN "https://portal.example.jp"
#define NONCE "YSBub25jZSBvZiB0aGUgdGVzdCwgMzIgYnl0ZXMgLi4=" /* base64 of 32 bytes */

static struct {
	struct ca_fixture f;
	struct jpki_ocsp *o;
	struct jpki_issued auth;
	char token[4096], pss_token[4096];
	enum jpki_cert_status status; /* what the fake registry says */
	int64_t clock;                /* the responder's and the validator's time */
	bool down;                    /* the responder does not answer */
	int fetches;                  /* requests that reached it */
	uint8_t last_req[512];        /* the latest request, to see its nonce change */
	size_t last_len;
	bool repeated; /* a request came with the same bytes (nonce) as the previous one */
	pthread_mutex_t lock;
} g;

static int fake_lookup(void *arg, enum jpki_kind ca, const char *serial, struct jpki_cert_rec *out,
                       struct jpki_err *err)
{
	(void)arg, (void)ca;
	if (strcmp(serial, g.auth.rec.serial) != 0)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no %s", serial);
	memset(out, 0, sizeof(*out));
	snprintf(out->serial, sizeof(out->serial), "%s", serial);
	out->kind = JPKI_KIND_AUTH;
	out->status = g.status;
	out->revoked_at = g.status == JPKI_CERT_REVOKED ? T0 + 1 : 0;
	out->reason = JPKI_REASON_KEY_COMPROMISE;
	return 0;
}

/* The validator's OCSP transport: the responder in process, or down. */
static int send_in_process(void *arg, const char *url, const uint8_t *req, size_t len,
                           uint8_t **resp, size_t *resp_len, struct jpki_err *err)
{
	(void)arg, (void)url;
	pthread_mutex_lock(&g.lock);
	bool down = g.down;
	if (!down) {
		g.fetches++;
		g.repeated |= len == g.last_len && memcmp(req, g.last_req, len) == 0;
		g.last_len = len < sizeof(g.last_req) ? len : 0;
		memcpy(g.last_req, req, g.last_len);
	}
	pthread_mutex_unlock(&g.lock);
	if (down)
		return jpki_fail(err, JPKI_E_IO, "the responder is down");
	if (jpki_ocsp_respond(g.o, req, len, g.clock, resp, resp_len, NULL) < 0)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	return 0;
}

static char *b64(const uint8_t *p, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return out;
}

/*
 * RS256 or PS256 (a salt as long as the digest) over SHA-256(origin) ||
 * SHA-256(nonce) with the card's key (Web eID's signed data).
 */
static void make_token(char *out, size_t cap, bool pss)
{
	uint8_t data[64], sig[256];
	size_t sl = sizeof(sig);
	EVP_PKEY_CTX *pc = NULL;
	assert_int_equal(EVP_Digest(ORIGIN, strlen(ORIGIN), data, NULL, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_Digest(NONCE, strlen(NONCE), data + 32, NULL, EVP_sha256(), NULL), 1);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, &pc, EVP_sha256(), NULL, g.f.key), 1);
	if (pss) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST), 1);
	}
	assert_int_equal(EVP_DigestSign(md, sig, &sl, data, sizeof(data)), 1);
	EVP_MD_CTX_free(md);
	char *c = b64(g.auth.rec.der, g.auth.rec.der_len), *s = b64(sig, sl);
	snprintf(out, cap,
	         "{\"format\": \"web-eid:1.0\", \"unverifiedCertificate\": \"%s\", "
	         "\"algorithm\": \"%s\", \"signature\": \"%s\", \"appVersion\": \"test\"}",
	         c, pss ? "PS256" : "RS256", s);
	free(c), free(s);
}

static int group_setup(void **state)
{
	(void)state;
	struct jpki_err err;
	struct jpki_responder *rs[2] = {NULL, NULL};
	pthread_mutex_init(&g.lock, NULL);
	if (ca_fixture_setup(&g.f, "logincache", "2026-03-31T12:00:00+09:00", NULL, T0) != 0)
		return -1;
	for (int k = 0; k < 2; k++)
		if (jpki_responder_issue(g.f.ca[k], T0 - 3600, &rs[k], &err) != 0)
			return -1;
	struct jpki_ocsp_cfg cfg = {
	    .cas = {g.f.ca[0], g.f.ca[1]}, .responders = {rs[0], rs[1]}, .lookup = fake_lookup};
	struct jpki_issue_req req = {.kind = JPKI_KIND_AUTH,
	                             .resident_id = g.f.resident,
	                             .subject_key = g.f.key,
	                             .now = T0,
	                             .same_key_ok = true};
	if (jpki_ocsp_new(&cfg, &g.o, &err) != 0 ||
	    jpki_issue(g.f.st, g.f.ca[JPKI_KIND_AUTH], &req, &g.auth, &err) != 0) {
		print_error("setup: %s\n", err.msg);
		return -1;
	}
	make_token(g.token, sizeof(g.token), false);
	make_token(g.pss_token, sizeof(g.pss_token), true);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	jpki_ocsp_free(g.o);
	jpki_issued_clear(&g.auth);
	return ca_fixture_teardown(&g.f);
}

/* A fresh start for each test: the registry says good, the responder is up, no fetch yet. */
static int test_setup(void **state)
{
	(void)state;
	g.status = JPKI_CERT_VALID;
	g.down = false;
	g.fetches = 0;
	g.repeated = false;
	g.clock = T0 + 60;
	return 0;
}

static struct jpki_login_validator *validator(void)
{
	struct jpki_login_validator *v = NULL;
	struct jpki_err err;
	uint8_t secret[32] = {7};
	uint8_t *der = NULL;
	int len = i2d_X509(g.f.ca[JPKI_KIND_AUTH]->cert, &der);
	assert_true(len > 0);
	assert_int_equal(jpki_login_validator_new("rp", secret, sizeof(secret), &v, &err), 0);
	assert_int_equal(jpki_login_validator_trust(v, der, (size_t)len, &err), 0);
	OPENSSL_free(der);
	jpki_login_validator_set_ocsp_send(v, send_in_process, NULL);
	return v;
}

/* The verdict on the test's token at time `at` (the responder's clock too). */
static enum jpki_login_failure validate_at(struct jpki_login_validator *v, int64_t at)
{
	struct jpki_login_result r;
	struct jpki_err err;
	g.clock = at;
	jpki_login_validator_set_time(v, at);
	assert_int_equal(jpki_login_validate(v, g.token, strlen(g.token), ORIGIN, NONCE, &r, &err),
	                 0);
	if (r.failure != JPKI_LOGIN_OK)
		print_message("  (%s: %s)\n", jpki_login_failure_name(r.failure), r.reason);
	return r.failure;
}

static void test_good_reused_while_fresh(void **state)
{
	(void)state;
	struct jpki_login_validator *v = validator();
	int64_t t = T0 + 60;
	assert_int_equal(validate_at(v, t), JPKI_LOGIN_OK);
	assert_int_equal(g.fetches, 1);
	assert_int_equal(validate_at(v, t + 1), JPKI_LOGIN_OK);
	assert_int_equal(g.fetches, 1); /* the good answer remembered */
	g.down = true;
	assert_int_equal(validate_at(v, t + 120), JPKI_LOGIN_OK); /* 2 minutes old: still fresh */
	/* 3 minutes on, the answer is stale: asked again, and nobody answers */
	assert_int_equal(validate_at(v, t + 180), JPKI_LOGIN_STATUS_FAILED);
	g.down = false;
	assert_int_equal(validate_at(v, t + 181), JPKI_LOGIN_OK);
	assert_int_equal(g.fetches, 2);
	assert_false(g.repeated); /* a new nonce */
	/* the validator's time moved back: thisUpdate is ahead, within 15 minutes */
	assert_int_equal(validate_at(v, t + 150), JPKI_LOGIN_OK);
	assert_int_equal(g.fetches, 2);
	jpki_login_validator_free(v);
}

static void test_revoked_never_cached(void **state)
{
	(void)state;
	struct jpki_login_validator *v = validator();
	int64_t t = T0 + 60;
	g.status = JPKI_CERT_REVOKED;
	assert_int_equal(validate_at(v, t), JPKI_LOGIN_REVOKED);
	assert_int_equal(validate_at(v, t + 1), JPKI_LOGIN_REVOKED);
	assert_int_equal(g.fetches, 2); /* each asked */
	g.down = true;
	assert_int_equal(validate_at(v, t + 2), JPKI_LOGIN_STATUS_FAILED); /* never "good" */
	jpki_login_validator_free(v);
}

static void test_revocation_seen_once_stale(void **state)
{
	(void)state;
	struct jpki_login_validator *v = validator();
	int64_t t = T0 + 60;
	assert_int_equal(validate_at(v, t), JPKI_LOGIN_OK);
	g.status = JPKI_CERT_REVOKED;
	/* within the freshness the good answer stands, as Web eID's limits allow */
	assert_int_equal(validate_at(v, t + 60), JPKI_LOGIN_OK);
	assert_int_equal(validate_at(v, t + 121), JPKI_LOGIN_REVOKED);
	assert_int_equal(validate_at(v, t + 122), JPKI_LOGIN_REVOKED);
	assert_int_equal(g.fetches, 3);
	g.down = true;
	/* the good answer is forgotten, not brought back from before the revocation */
	assert_int_equal(validate_at(v, t + 60), JPKI_LOGIN_STATUS_FAILED);
	jpki_login_validator_free(v);
}

static void test_cache_off(void **state)
{
	(void)state;
	struct jpki_login_validator *v = validator();
	jpki_login_validator_set_cache(v, false);
	for (int i = 0; i < 3; i++)
		assert_int_equal(validate_at(v, T0 + 60 + i), JPKI_LOGIN_OK);
	assert_int_equal(g.fetches, 3);
	g.down = true;
	assert_int_equal(validate_at(v, T0 + 64), JPKI_LOGIN_STATUS_FAILED);
	jpki_login_validator_free(v);
}

static void test_other_checks_still_run(void **state)
{
	(void)state;
	struct jpki_login_validator *v = validator();
	struct jpki_login_result r;
	struct jpki_err err;
	assert_int_equal(validate_at(v, T0 + 60), JPKI_LOGIN_OK);
	/* the same certificate, remembered with its path and answer: another nonce fails */
	char other[] = "YW5vdGhlciBub25jZSwgYWxzbyAzMiBieXRlcyAuLi4=";
	assert_int_equal(jpki_login_validate(v, g.token, strlen(g.token), ORIGIN, other, &r, &err),
	                 0);
	assert_int_equal(r.failure, JPKI_LOGIN_SIGNATURE);
	/* PS256 by the same key; the RS256 signature named PS256 fails */
	const char *pss = g.pss_token;
	assert_int_equal(jpki_login_validate(v, pss, strlen(pss), ORIGIN, NONCE, &r, &err), 0);
	assert_int_equal(r.failure, JPKI_LOGIN_OK);
	char swapped[sizeof(g.token)];
	snprintf(swapped, sizeof(swapped), "%s", g.token);
	memcpy(strstr(swapped, "RS256"), "PS256", 5);
	assert_int_equal(jpki_login_validate(v, swapped, strlen(swapped), ORIGIN, NONCE, &r, &err),
	                 0);
	assert_int_equal(r.failure, JPKI_LOGIN_SIGNATURE);
	/* and so does a policy the relying party does not accept */
	assert_int_equal(jpki_login_validator_allow_policy(v, "1.2.392.200149.8.5.1.1.20", &err),
	                 0);
	assert_int_equal(validate_at(v, T0 + 61), JPKI_LOGIN_POLICY);
	jpki_login_validator_free(v);
	/* the certificate's end is judged at each token, not when it was remembered */
	v = validator();
	assert_int_equal(validate_at(v, T0 + 60), JPKI_LOGIN_OK);
	assert_int_equal(validate_at(v, g.auth.rec.not_after + 1), JPKI_LOGIN_CERT_VALIDITY);
	jpki_login_validator_free(v);
}

#define THREADS 4
#define ROUNDS 50

static void *validate_many(void *arg)
{
	struct jpki_login_validator *v = arg;
	long bad = 0;
	for (int i = 0; i < ROUNDS; i++) {
		struct jpki_login_result r;
		struct jpki_err err;
		if (jpki_login_validate(v, g.token, strlen(g.token), ORIGIN, NONCE, &r, &err) !=
		        0 ||
		    r.failure != JPKI_LOGIN_OK)
			bad++;
	}
	return (void *)bad;
}

static void test_shared_by_threads(void **state)
{
	(void)state;
	struct jpki_login_validator *v = validator();
	jpki_login_validator_set_time(v, T0 + 60);
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, validate_many, v), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad = NULL;
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_int_equal((long)bad, 0);
	}
	assert_true(g.fetches >= 1 && g.fetches <= THREADS); /* at most one each, racing */
	jpki_login_validator_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_good_reused_while_fresh, test_setup),
	    cmocka_unit_test_setup(test_revoked_never_cached, test_setup),
	    cmocka_unit_test_setup(test_revocation_seen_once_stale, test_setup),
	    cmocka_unit_test_setup(test_cache_off, test_setup),
	    cmocka_unit_test_setup(test_other_checks_still_run, test_setup),
	    cmocka_unit_test_setup(test_shared_by_threads, test_setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
