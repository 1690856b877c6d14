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
#include "ca_fixture.h"

#define T0 INT64_C(1775000000) /* 2026-03-31 */

static struct ca_fixture g;

static int group_setup(void **state)
{
	(void)state;
	return ca_fixture_setup(&g, "crlcache", "2026-03-31T12:00:00+09:00", NULL, T0);
}

static int group_teardown(void **state)
{
	(void)state;
	return ca_fixture_teardown(&g);
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
