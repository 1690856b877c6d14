/*
 * test_crl.c: the CRL writer (src/lib/ca/crl.h), its registry scan
 * (store op revoked_scan) and the CRL URL parser of the server
 * (http/crl_http.h).
 *
 * Real CAs in this program's own data folder.  Partition assignment is
 * checked on issued certificates; CRL contents on revoked records inserted
 * with chosen serials and partitions, so every partition, instant and
 * reason is known.  Every CRL is parsed back with OpenSSL (d2i_X509_CRL
 * must consume every byte) and its signature checked with the CA's key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/crl.h"
#include "ca/issue.h"
#include "ca/profile.h"
#include "core/hex.h"
#include "http/crl_http.h"
#include "crl_util.h"
#include "ca_fixture.h"

#define BASE_URL "http://crl.test:8080"
#define T0 INT64_C(1775000000) /* 2026-03-31 */
#define YEAR (INT64_C(365) * 86400)

static struct ca_fixture g;

static int group_setup(void **state)
{
	(void)state;
	return ca_fixture_setup(&g, "crl", "2026-03-31T12:00:00+09:00", BASE_URL, T0);
}

static int group_teardown(void **state)
{
	(void)state;
	return ca_fixture_teardown(&g);
}

/* ---- helpers ---- */

/* A recorded certificate of partition `part` (serial laid out as issued), revoked unless at = 0. */
static void fake(enum jpki_kind kind, int part, int64_t not_after, int64_t at,
                 enum jpki_reason reason, char serial[JPKI_SERIAL_HEX_MAX])
{
	uint8_t s[JPKI_SERIAL_BYTES] = {0x40, 0x69, 0xCB, 0x00, 0x00};
	unsigned n = ++g.seq;
	s[3] = (uint8_t)(n >> 8), s[4] = (uint8_t)n;
	s[5] = (uint8_t)(part >> 8), s[6] = (uint8_t)part; /* bytes 5..6 pick the partition */
	for (int i = 7; i < JPKI_SERIAL_BYTES; i++)
		s[i] = (uint8_t)(n * 37 + (unsigned)i);
	assert_int_equal(jpki_crl_partition_of(s), part);
	struct jpki_cert_rec c;
	memset(&c, 0, sizeof(c));
	jpki_hex_encode(s, sizeof(s), c.serial);
	c.kind = kind;
	c.resident_id = g.resident;
	c.not_before = T0 - YEAR;
	c.not_after = not_after;
	c.issued_at = c.not_before;
	snprintf(c.subject_cn, sizeof(c.subject_cn), "FAKE%u", n);
	uint8_t der[] = {0x30, 0x00};
	c.der = der;
	c.der_len = sizeof(der);
	c.crl_partition = part;
	struct jpki_err err;
	if (g.st->ops->cert_insert(g.st, &c, &err) != 0)
		fail_msg("insert: %s", err.msg);
	if (at && g.st->ops->cert_revoke(g.st, c.serial, at, reason, &err) != 0)
		fail_msg("revoke: %s", err.msg);
	snprintf(serial, JPKI_SERIAL_HEX_MAX, "%s", c.serial);
}

static X509_CRL *build(enum jpki_kind kind, const struct jpki_crl_scope *sc, int64_t now,
                       struct jpki_crl *keep)
{
	struct jpki_crl c;
	struct jpki_err err;
	if (jpki_crl_build_scope(g.st, g.ca[kind], sc, now, 86400, &c, &err) != 0)
		fail_msg("crl: %s", err.msg);
	const unsigned char *p = c.der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)c.len);
	assert_non_null(crl);
	assert_ptr_equal(p, c.der + c.len); /* the DER is all of it */
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(g.ca[kind]->cert)), 1);
	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_int_equal(
	    X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(g.ca[kind]->cert)), 0);
	assert_true(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1) >= 0);
	if (keep)
		*keep = c;
	else
		jpki_crl_clear(&c);
	return crl;
}

static int entries(X509_CRL *crl)
{
	return sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
}

static int64_t ext_int(X509_CRL *crl, int nid)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, nid, NULL, NULL);
	int64_t v = -1;
	if (n)
		assert_int_equal(ASN1_INTEGER_get_int64(&v, n), 1);
	ASN1_INTEGER_free(n);
	return v;
}

static int ext_critical(X509_CRL *crl, int nid)
{
	int i = X509_CRL_get_ext_by_NID(crl, nid, -1);
	return i < 0 ? -1 : X509_EXTENSION_get_critical(X509_CRL_get_ext(crl, i));
}

/* The one URI of a CRLDP-shaped extension (cert or CRL). */
static void dp_uri(const DIST_POINT_NAME *dpn, char *out, size_t cap)
{
	assert_non_null(dpn);
	assert_int_equal(dpn->type, 0);
	assert_int_equal(sk_GENERAL_NAME_num(dpn->name.fullname), 1);
	const GENERAL_NAME *gn = sk_GENERAL_NAME_value(dpn->name.fullname, 0);
	assert_int_equal(gn->type, GEN_URI);
	snprintf(out, cap, "%.*s", ASN1_STRING_length(gn->d.uniformResourceIdentifier),
	         (const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier));
}

static void crldp_uri(STACK_OF(DIST_POINT) * dps, char *out, size_t cap)
{
	assert_non_null(dps);
	assert_int_equal(sk_DIST_POINT_num(dps), 1);
	dp_uri(sk_DIST_POINT_value(dps, 0)->distpoint, out, cap);
}

/* ---- tests ---- */

static void test_partition_of_table(void **state)
{
	(void)state;
	static const struct {
		uint8_t b5, b6;
		int want;
	} t[] = {{0x00, 0x00, 0},     {0x00, 0x01, 1},    {0x03, 0xFF, 1023}, {0x04, 0x00, 0},
	         {0x12, 0x34, 0x234}, {0xFF, 0xFF, 1023}, {0x80, 0x07, 7}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t s[JPKI_SERIAL_BYTES] = {0x40, 1, 2, 3, 4, t[i].b5, t[i].b6, 0xAA};
		assert_int_equal(jpki_crl_partition_of(s), t[i].want);
	}
}

/* Issued certificates: recorded partition = serial's partition = the URL in CRLDP/freshestCRL. */
static void test_partition_assignment(void **state)
{
	(void)state;
	for (int i = 0; i < 12; i++) {
		enum jpki_kind kind = (enum jpki_kind)(i % 2);
		/*
		 * a resident of its own each time: issuing again for one would supersede
		 * (rule X1), revoking real certificates in random partitions that the
		 * partition tests below count
		 */
		struct jpki_resident r;
		struct jpki_err rerr;
		assert_int_equal(g.st->ops->resident_get(g.st, g.resident, &r, &rerr), 0);
		assert_int_equal(g.st->ops->resident_insert(g.st, &r, &rerr), 0);
		struct jpki_issue_req req = {.kind = kind,
		                             .resident_id = r.id,
		                             .subject_key = g.key,
		                             .now = T0 + i,
		                             .same_key_ok = true};
		struct jpki_issued out;
		struct jpki_err err;
		if (jpki_issue(g.st, g.ca[kind], &req, &out, &err) != 0)
			fail_msg("issue: %s", err.msg);
		const unsigned char *p = out.rec.der;
		X509 *x = d2i_X509(NULL, &p, (long)out.rec.der_len);
		assert_non_null(x);
		uint8_t bin[20];
		size_t n;
		assert_int_equal(jpki_serial_from_hex(out.rec.serial, bin, sizeof(bin), &n), 0);
		assert_int_equal(n, JPKI_SERIAL_BYTES);
		assert_int_equal(out.rec.crl_partition, jpki_crl_partition_of(bin));
		struct jpki_cert_rec back;
		assert_int_equal(g.st->ops->cert_get(g.st, out.rec.serial, false, &back, &err), 0);
		assert_int_equal(back.crl_partition, out.rec.crl_partition);
		char got[600], want[600];
		STACK_OF(DIST_POINT) *dps =
		    X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
		crldp_uri(dps, got, sizeof(got));
		sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
		assert_int_equal(jpki_partition_url(g.ca[kind], out.rec.crl_partition, false, want,
		                                    sizeof(want)),
		                 0);
		assert_string_equal(got, want);
		snprintf(want, sizeof(want), BASE_URL "/crl/%s/%d.crl", jpki_kind_name(kind),
		         out.rec.crl_partition);
		assert_string_equal(got, want);
		dps = X509_get_ext_d2i(x, NID_freshest_crl, NULL, NULL);
		crldp_uri(dps, got, sizeof(got));
		sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
		snprintf(want, sizeof(want), BASE_URL "/crl/%s/%d-delta.crl", jpki_kind_name(kind),
		         out.rec.crl_partition);
		assert_string_equal(got, want);
		X509_free(x);
		jpki_issued_clear(&out);
	}
}

/* A partition's CRL lists exactly its partition's revoked, unexpired certificates. */
static void test_partition_contents(void **state)
{
	(void)state;
	char in[4][JPKI_SERIAL_HEX_MAX], other[3][JPKI_SERIAL_HEX_MAX],
	    expired[JPKI_SERIAL_HEX_MAX], valid[JPKI_SERIAL_HEX_MAX], auth[JPKI_SERIAL_HEX_MAX];
	const int P = 700;
	for (int i = 0; i < 4; i++)
		fake(JPKI_KIND_SIGN, P, T0 + YEAR, T0 - 1000 + i, JPKI_REASON_KEY_COMPROMISE,
		     in[i]);
	fake(JPKI_KIND_SIGN, P - 1, T0 + YEAR, T0 - 50, JPKI_REASON_SUPERSEDED, other[0]);
	fake(JPKI_KIND_SIGN, P + 1, T0 + YEAR, T0 - 50, JPKI_REASON_SUPERSEDED, other[1]);
	fake(JPKI_KIND_SIGN, 0, T0 + YEAR, T0 - 50, JPKI_REASON_SUPERSEDED, other[2]);
	fake(JPKI_KIND_SIGN, P, T0 - 10, T0 - 5000, JPKI_REASON_SUPERSEDED, expired);
	fake(JPKI_KIND_SIGN, P, T0 + YEAR, 0, JPKI_REASON_UNSPECIFIED, valid);
	fake(JPKI_KIND_AUTH, P, T0 + YEAR, T0 - 50, JPKI_REASON_CESSATION, auth);

	struct jpki_crl_scope sc = {P, false, 0, 0};
	X509_CRL *crl = build(JPKI_KIND_SIGN, &sc, T0, NULL);
	assert_int_equal(entries(crl), 4);
	for (int i = 0; i < 4; i++)
		assert_non_null(crl_find_revoked(crl, in[i]));
	for (int i = 0; i < 3; i++)
		assert_null(crl_find_revoked(crl, other[i]));
	assert_null(crl_find_revoked(crl, expired)); /* expired certificates leave the CRL */
	assert_null(crl_find_revoked(crl, valid));
	assert_null(crl_find_revoked(crl, auth));
	/* IDP critical: fullName = the URL the certificates name, onlyContainsUserCerts */
	assert_int_equal(ext_critical(crl, NID_issuing_distribution_point), 1);
	ISSUING_DIST_POINT *idp =
	    X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, NULL, NULL);
	assert_non_null(idp);
	char got[600], want[600];
	dp_uri(idp->distpoint, got, sizeof(got));
	assert_int_equal(jpki_partition_url(g.ca[0], P, false, want, sizeof(want)), 0);
	assert_string_equal(got, want);
	assert_int_equal(idp->onlyuser, 0xFF);
	assert_int_equal(idp->onlyCA, 0);
	ISSUING_DIST_POINT_free(idp);
	/* freshestCRL non-critical, pointing at the delta */
	assert_int_equal(ext_critical(crl, NID_freshest_crl), 0);
	STACK_OF(DIST_POINT) *dps = X509_CRL_get_ext_d2i(crl, NID_freshest_crl, NULL, NULL);
	crldp_uri(dps, got, sizeof(got));
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	assert_int_equal(jpki_partition_url(g.ca[0], P, true, want, sizeof(want)), 0);
	assert_string_equal(got, want);
	assert_int_equal(ext_critical(crl, NID_delta_crl), -1);
	int64_t n1 = ext_int(crl, NID_crl_number);
	X509_CRL_free(crl);

	/* the full CRL has them all (both partitions), no IDP, and a higher number */
	sc.partition = -1;
	crl = build(JPKI_KIND_SIGN, &sc, T0, NULL);
	for (int i = 0; i < 4; i++)
		assert_non_null(crl_find_revoked(crl, in[i]));
	for (int i = 0; i < 3; i++)
		assert_non_null(crl_find_revoked(crl, other[i]));
	assert_null(crl_find_revoked(crl, expired));
	assert_null(crl_find_revoked(crl, auth));
	assert_int_equal(ext_critical(crl, NID_issuing_distribution_point), -1);
	assert_int_equal(ext_critical(crl, NID_freshest_crl), -1);
	assert_true(ext_int(crl, NID_crl_number) > n1);
	X509_CRL_free(crl);

	/* an empty partition: no revokedCertificates at all (RFC 5280 §5.1.2.6) */
	sc.partition = 1023;
	crl = build(JPKI_KIND_AUTH, &sc, T0, NULL);
	assert_null(X509_CRL_get_REVOKED(crl));
	X509_CRL_free(crl);
}

/* Reasons: RFC 5280 §5.3.1 codes; unspecified leaves reasonCode out; times read back. */
static void test_reasons(void **state)
{
	(void)state;
	static const enum jpki_reason rs[] = {
	    JPKI_REASON_UNSPECIFIED,   JPKI_REASON_KEY_COMPROMISE,
	    JPKI_REASON_CA_COMPROMISE, JPKI_REASON_AFFILIATION_CHANGED,
	    JPKI_REASON_SUPERSEDED,    JPKI_REASON_CESSATION,
	    JPKI_REASON_HOLD};
	char s[7][JPKI_SERIAL_HEX_MAX];
	const int P = 321;
	/* the last one's date is after 2049: GeneralizedTime */
	int64_t at[7] = {
	    T0 - 86400 * 3, T0 - 7201, T0 - 3600, T0 - 59, T0 - 1, T0, INT64_C(2556144000) + 3723};
	for (int i = 0; i < 7; i++)
		fake(JPKI_KIND_AUTH, P, INT64_C(2600000000), at[i], rs[i], s[i]);
	struct jpki_crl_scope sc = {P, false, 0, 0};
	X509_CRL *crl = build(JPKI_KIND_AUTH, &sc, INT64_C(2556144000) + 7200, NULL);
	assert_int_equal(entries(crl), 7);
	for (int i = 0; i < 7; i++) {
		X509_REVOKED *r = crl_find_revoked(crl, s[i]);
		assert_non_null(r);
		int crit = 0;
		ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
		if (rs[i] == JPKI_REASON_UNSPECIFIED) {
			assert_null(e);
			assert_int_equal(X509_REVOKED_get_ext_count(r), 0);
		} else {
			assert_non_null(e);
			assert_int_equal(ASN1_ENUMERATED_get(e), (long)rs[i]);
			assert_int_equal(crit, 0);
		}
		ASN1_ENUMERATED_free(e);
		const ASN1_TIME *t = X509_REVOKED_get0_revocationDate(r);
		assert_int_equal(ASN1_STRING_type(t),
		                 i == 6 ? V_ASN1_GENERALIZEDTIME : V_ASN1_UTCTIME);
		int day, sec;
		ASN1_TIME *want = ASN1_TIME_set(NULL, (time_t)at[i]);
		assert_int_equal(ASN1_TIME_diff(&day, &sec, want, t), 1);
		assert_int_equal(day, 0);
		assert_int_equal(sec, 0);
		ASN1_TIME_free(want);
	}
	X509_CRL_free(crl);
}

/* A delta lists the revocations at or after its base's thisUpdate, nothing older. */
static void test_delta(void **state)
{
	(void)state;
	const int P = 42;
	char old1[JPKI_SERIAL_HEX_MAX], old2[JPKI_SERIAL_HEX_MAX], new1[JPKI_SERIAL_HEX_MAX],
	    new2[JPKI_SERIAL_HEX_MAX], elsewhere[JPKI_SERIAL_HEX_MAX];
	fake(JPKI_KIND_SIGN, P, T0 + YEAR, T0 - 7200, JPKI_REASON_SUPERSEDED, old1);
	fake(JPKI_KIND_SIGN, P, T0 + YEAR, T0 - 1, JPKI_REASON_AFFILIATION_CHANGED, old2);
	struct jpki_crl_scope sc = {P, false, 0, 0};
	struct jpki_crl base;
	X509_CRL *b = build(JPKI_KIND_SIGN, &sc, T0, &base);
	assert_int_equal(entries(b), 2);
	fake(JPKI_KIND_SIGN, P, T0 + YEAR, T0 + 600, JPKI_REASON_AFFILIATION_CHANGED, new1);
	fake(JPKI_KIND_SIGN, P, T0 + YEAR, T0 + 1200, JPKI_REASON_UNSPECIFIED, new2);
	fake(JPKI_KIND_SIGN, P + 1, T0 + YEAR, T0 + 1200, JPKI_REASON_UNSPECIFIED, elsewhere);

	/* the CLI's path: number and thisUpdate read back from the base's DER */
	struct jpki_crl_scope ds = {P, true, 0, 0};
	struct jpki_err err;
	assert_int_equal(jpki_crl_base_info(g.ca[0], P, base.der, base.len, &ds.base_number,
	                                    &ds.base_this_update, &err),
	                 0);
	assert_int_equal(ds.base_number, base.number);
	assert_int_equal(ds.base_this_update, T0);
	X509_CRL *d = build(JPKI_KIND_SIGN, &ds, T0 + 1800, NULL);
	assert_int_equal(entries(d), 2);
	assert_non_null(crl_find_revoked(d, new1));
	assert_non_null(crl_find_revoked(d, new2));
	assert_null(crl_find_revoked(d, old1));
	assert_null(crl_find_revoked(d, old2));
	assert_null(crl_find_revoked(d, elsewhere));
	assert_int_equal(ext_critical(d, NID_delta_crl), 1);
	assert_int_equal(ext_int(d, NID_delta_crl), base.number);
	assert_true(ext_int(d, NID_crl_number) > base.number);
	assert_int_equal(ext_critical(d, NID_freshest_crl), -1); /* §5.2.6: not in deltas */
	/* the same IDP, byte for byte (what OpenSSL's check_delta_base compares) */
	int bi = X509_CRL_get_ext_by_NID(b, NID_issuing_distribution_point, -1);
	int di = X509_CRL_get_ext_by_NID(d, NID_issuing_distribution_point, -1);
	assert_true(bi >= 0 && di >= 0);
	assert_int_equal(ASN1_OCTET_STRING_cmp(X509_EXTENSION_get_data(X509_CRL_get_ext(b, bi)),
	                                       X509_EXTENSION_get_data(X509_CRL_get_ext(d, di))),
	                 0);
	assert_int_equal(ext_critical(d, NID_issuing_distribution_point), 1);
	X509_CRL_free(d);

	/* bases that do not qualify */
	struct jpki_crl other;
	X509_CRL_free(build(JPKI_KIND_SIGN, &ds, T0 + 1800, &other)); /* a delta */
	assert_int_equal(jpki_crl_base_info(g.ca[0], P, other.der, other.len, &ds.base_number,
	                                    &ds.base_this_update, &err),
	                 -JPKI_E_INVALID);
	jpki_crl_clear(&other);
	assert_int_equal(jpki_crl_base_info(g.ca[0], P + 1, base.der, base.len, &ds.base_number,
	                                    &ds.base_this_update, &err),
	                 -JPKI_E_INVALID); /* another partition's */
	assert_int_equal(jpki_crl_base_info(g.ca[1], P, base.der, base.len, &ds.base_number,
	                                    &ds.base_this_update, &err),
	                 -JPKI_E_INVALID); /* another CA's */
	assert_int_equal(jpki_crl_base_info(g.ca[0], P, base.der, base.len - 1, &ds.base_number,
	                                    &ds.base_this_update, &err),
	                 -JPKI_E_INVALID); /* truncated */
	jpki_crl_clear(&base);
	X509_CRL_free(b);
}

static void test_invalid_scopes(void **state)
{
	(void)state;
	static const struct jpki_crl_scope bad[] = {{-2, false, 0, 0},
	                                            {JPKI_CRL_PARTITIONS, false, 0, 0},
	                                            {-1, true, 5, T0 - 10},
	                                            {3, true, 0, T0 - 10},
	                                            {3, true, 5, T0 + 10}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jpki_crl c = {(uint8_t *)"x", NULL, 9, 0, 0, 0, 0};
		struct jpki_err err;
		assert_int_equal(jpki_crl_build_scope(g.st, g.ca[0], &bad[i], T0, 86400, &c, &err),
		                 -JPKI_E_INVALID);
		assert_null(c.mem);
	}
	struct jpki_crl c;
	struct jpki_err err;
	struct jpki_crl_scope ok = {1, false, 0, 0};
	assert_int_equal(jpki_crl_build_scope(g.st, g.ca[0], &ok, T0, 0, &c, &err),
	                 -JPKI_E_INVALID);
	struct jpki_err e2;
	assert_int_equal(
	    g.st->ops->revoked_scan(g.st, JPKI_KIND_SIGN, 1024, 0, T0, NULL, NULL, &e2),
	    -JPKI_E_INVALID);
}

/* revoked_scan runs on the covering partial index, without touching the table. */
static void test_index_only_scan(void **state)
{
	(void)state;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/registry.sqlite", g.dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	/* the statements of sqlite.c (ST_REVOKED_SCAN_PART / _ALL) */
	static const char *const q[] = {
	    "EXPLAIN QUERY PLAN SELECT serial, revoked_at, reason FROM certificate "
	    "WHERE status = 1 AND kind = ?1 AND crl_partition = ?2 AND revoked_at >= ?3 "
	    "AND not_after >= ?4",
	    "EXPLAIN QUERY PLAN SELECT serial, revoked_at, reason FROM certificate "
	    "WHERE status = 1 AND kind = ?1 AND revoked_at >= ?3 AND not_after >= ?4"};
	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &st, NULL), SQLITE_OK);
		char plan[1024] = "";
		while (sqlite3_step(st) == SQLITE_ROW) {
			size_t n = strlen(plan);
			snprintf(plan + n, sizeof(plan) - n, "%s;",
			         (const char *)sqlite3_column_text(st, 3));
		}
		sqlite3_finalize(st);
		if (!strstr(plan, "COVERING INDEX certificate_revoked"))
			fail_msg("plan %zu is not index-only: %s", i, plan);
		if (i == 0 && !strstr(plan, "crl_partition=?"))
			fail_msg("plan does not seek the partition: %s", plan);
	}
	sqlite3_close(db);
}

static void test_url_parse(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		int rc, kind, part;
		bool delta;
	} t[] = {
	    {"/crl/sign.crl", 0, 0, -1, false},
	    {"/crl/auth.crl", 0, 1, -1, false},
	    {"/crl/sign/0.crl", 0, 0, 0, false},
	    {"/crl/auth/1023.crl", 0, 1, 1023, false},
	    {"/crl/sign/17-delta.crl", 0, 0, 17, true},
	    {"/crl/auth/0-delta.crl", 0, 1, 0, true},
	    {"/crl/sign/1024.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/99999999999999999999.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/017.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/-1.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/1.der", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/1-delta.crl.bak", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/1.crl/", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/other/1.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign.der", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/signs.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/1-delta", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/ocsp", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/00.crl", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign/0", -JPKI_E_NOT_FOUND, 0, 0, false},
	    {"/crl/sign.crlx", -JPKI_E_NOT_FOUND, 0, 0, false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum jpki_kind k = JPKI_KIND_SIGN;
		int p = -7;
		bool d = false;
		int rc = jpki_crl_http_parse(t[i].url, &k, &p, &d);
		if (rc != t[i].rc)
			fail_msg("%s: rc %d", t[i].url, rc);
		if (rc == 0 && ((int)k != t[i].kind || p != t[i].part || d != t[i].delta))
			fail_msg("%s: kind %d part %d delta %d", t[i].url, (int)k, p, (int)d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partition_of_table),
	    cmocka_unit_test(test_partition_assignment),
	    cmocka_unit_test(test_partition_contents),
	    cmocka_unit_test(test_reasons),
	    cmocka_unit_test(test_delta),
	    cmocka_unit_test(test_invalid_scopes),
	    cmocka_unit_test(test_index_only_scan),
	    cmocka_unit_test(test_url_parse),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
