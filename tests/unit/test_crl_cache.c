/*
 * test_crl_cache.c: the CRL cache of `jpki serve` (src/lib/http/crl_cache.h):
 * a CRL is built once and then served from the cache; the least recently
 * requested partition goes first when the cap is reached, while an answer
 * still holding its bytes keeps them (reference counts, checked under ASan);
 * a revocation makes the full CRL stale and the next request rebuilds it with
 * a higher cRLNumber; jpki_crl_http_refresh drops the cached partitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ca/ca.h"
#include "ca/issue.h"
#include "ca/profile.h"
#include "http/crl_cache.h"
#include "tmpdir.h"
#include "test_ctx.h"

#define T0 INT64_C(1775000000) /* 2026-03-31 */

static struct {
	char dir[PATH_MAX];
	struct jpki_ca *ca[2];
	struct jpki_store *st;
	EVP_PKEY *key;
	int64_t resident;
} g;

static int group_setup(void **state)
{
	(void)state;
	struct jpki_err err;
	bool created;
	const char *pass = "unit-test passphrase crl cache";
	if (!tmpdir_make(g.dir, "crlcache") || setenv("JPKI_DATA", g.dir, 1) != 0 ||
	    setenv("JPKI_NOW", "2026-03-31T12:00:00+09:00", 1) != 0)
		return -1;
	for (int k = 0; k < 2; k++)
		if (jpki_ca_init(test_ctx(), (enum jpki_kind)k, T0 - 86400, pass, &created, &err) !=
		        0 ||
		    jpki_ca_load(test_ctx(), (enum jpki_kind)k, pass, &g.ca[k], &err) != 0)
			return -1;
	if (jpki_store_create_default(test_ctx(), &g.st, &err) != 0)
		return -1;
	struct jpki_resident r;
	memset(&r, 0, sizeof(r));
	snprintf(r.family, sizeof(r.family), "試験");
	snprintf(r.given, sizeof(r.given), "花子");
	snprintf(r.address, sizeof(r.address), "東京都立川市泉町1156-9");
	r.birth = (struct jpki_date){1980, 1, 2};
	r.sex = JPKI_SEX_FEMALE;
	if (g.st->ops->resident_insert(g.st, &r, &err) != 0)
		return -1;
	g.resident = r.id;
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
	jpki_profile_thread_done();
	return tmpdir_remove(g.dir);
}

static struct jpki_crl_http *cache(unsigned max_partitions)
{
	struct jpki_crl_http_cfg cfg = {.max_partitions = max_partitions};
	struct jpki_crl_http *h = NULL;
	struct jpki_err err;
	if (jpki_crl_http_new(&cfg, g.st, g.ca, &h, &err) != 0)
		fail_msg("new: %s", err.msg);
	return h;
}

static void test_built_once_then_cached(void **state)
{
	(void)state;
	struct jpki_crl_http *h = cache(0);
	struct blob *a = jpki_crl_cache_take(h, JPKI_KIND_SIGN, 5, false, T0);
	struct blob *b = jpki_crl_cache_take(h, JPKI_KIND_SIGN, 5, false, T0 + 1);
	assert_non_null(a);
	assert_ptr_equal(a, b);       /* the same bytes, not a rebuild */
	assert_int_equal(a->refs, 3); /* the cache's and two answers' */
	unsigned parts;
	size_t bytes;
	jpki_crl_cache_usage(h, &parts, &bytes);
	assert_int_equal(parts, 1);
	assert_int_equal(bytes, a->crl.len);
	struct blob *d = jpki_crl_cache_take(h, JPKI_KIND_SIGN, 5, true, T0 + 1);
	assert_non_null(d);
	assert_true(d->crl.number > a->crl.number); /* the delta is newer than its base */
	jpki_crl_blob_unref(a);
	jpki_crl_blob_unref(b);
	jpki_crl_blob_unref(d);
	jpki_crl_http_free(h);
}

static void test_eviction_keeps_bytes_in_flight(void **state)
{
	(void)state;
	struct jpki_crl_http *h = cache(2);
	struct blob *first = jpki_crl_cache_take(h, JPKI_KIND_AUTH, 1, false, T0);
	assert_non_null(first);
	for (int p = 2; p <= 4; p++) {
		struct blob *b = jpki_crl_cache_take(h, JPKI_KIND_AUTH, p, false, T0 + p);
		assert_non_null(b);
		jpki_crl_blob_unref(b);
	}
	unsigned parts;
	size_t bytes;
	jpki_crl_cache_usage(h, &parts, &bytes);
	assert_int_equal(parts, 2); /* the cap */
	/* partition 1 was evicted (least recently requested), yet our answer's bytes live */
	assert_int_equal(first->refs, 1);
	assert_int_equal(first->crl.der[0], 0x30);
	assert_true(first->crl.len > 100);
	/* asked again: built anew */
	struct blob *again = jpki_crl_cache_take(h, JPKI_KIND_AUTH, 1, false, T0 + 9);
	assert_non_null(again);
	assert_ptr_not_equal(again, first);
	assert_true(again->crl.number > first->crl.number);
	jpki_crl_blob_unref(first);
	jpki_crl_blob_unref(again);
	jpki_crl_http_free(h);
}

static void test_revocation_rebuilds_full(void **state)
{
	(void)state;
	struct jpki_err err;
	struct jpki_crl_http *h = cache(0);
	struct blob *before = jpki_crl_cache_take(h, JPKI_KIND_SIGN, -1, false, T0);
	assert_non_null(before);
	struct jpki_issue_req req = {.kind = JPKI_KIND_SIGN,
	                             .resident_id = g.resident,
	                             .subject_key = g.key,
	                             .now = T0,
	                             .same_key_ok = true};
	struct jpki_issued out;
	assert_int_equal(jpki_issue(g.st, g.ca[JPKI_KIND_SIGN], &req, &out, &err), 0);
	assert_int_equal(
	    g.st->ops->cert_revoke(g.st, out.rec.serial, T0 + 5, JPKI_REASON_KEY_COMPROMISE, &err),
	    0);
	struct blob *after = jpki_crl_cache_take(h, JPKI_KIND_SIGN, -1, false, T0 + 6);
	assert_non_null(after);
	assert_ptr_not_equal(after, before);
	assert_true(after->crl.number > before->crl.number);
	assert_true(after->crl.len > before->crl.len); /* one more entry */
	/* nothing revoked since: the cached full CRL is served again */
	struct blob *same = jpki_crl_cache_take(h, JPKI_KIND_SIGN, -1, false, T0 + 7);
	assert_ptr_equal(same, after);
	/* an on-demand refresh drops the cached partitions */
	struct blob *part = jpki_crl_cache_take(h, JPKI_KIND_SIGN, 9, false, T0 + 8);
	unsigned parts;
	size_t bytes;
	jpki_crl_cache_usage(h, &parts, &bytes);
	assert_int_equal(parts, 1);
	assert_int_equal(jpki_crl_http_refresh(h, T0 + 9, &err), 0);
	jpki_crl_cache_usage(h, &parts, &bytes);
	assert_int_equal(parts, 0);
	assert_int_equal(bytes, 0);
	jpki_issued_clear(&out);
	jpki_crl_blob_unref(before);
	jpki_crl_blob_unref(after);
	jpki_crl_blob_unref(same);
	jpki_crl_blob_unref(part);
	jpki_crl_http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_built_once_then_cached),
	    cmocka_unit_test(test_eviction_keeps_bytes_in_flight),
	    cmocka_unit_test(test_revocation_rebuilds_full),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
