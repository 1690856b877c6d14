/*
 * crl.c: a CA's CRLs composed directly as DER (RFC 5280 §5.1).
 *
 * The registry scan (store op revoked_scan) hands each revoked certificate
 * to add_entry(), which appends its revokedCertificates entry to one
 * growing buffer.  The buffer starts with room for everything that comes
 * before the entries (the CertificateList and TBSCertList headers, version,
 * signature algorithm, issuer, thisUpdate, nextUpdate and the
 * revokedCertificates header), whose lengths are known only once the last
 * entry is in; they are written backwards into that room, crlExtensions and
 * the signature are appended, and the DER starts wherever the headers
 * ended.  Nothing is copied and nothing is held per entry, so building a
 * CRL costs about its own size in memory (OpenSSL's X509_CRL object costs
 * some 0.7 KB per entry) and one pass of SHA-256.
 *
 * Entries are in the index's order, not sorted by serial: RFC 5280 asks for
 * no order, and relying parties (OpenSSL included) sort or hash on load.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/der.h"
#include "core/ossl.h"
#include "core/writer.h"
#include "crl.h"
#include "crlnum.h"
#include "profile.h"

/*
 * One growable output buffer with a cap (JPKI_CRL_MAX_BYTES): a reserved
 * range of address space (PROT_NONE, so it commits nothing), made writable
 * as the CRL grows and trimmed to the pages used when done.  It never moves
 * and is never copied, starts on a 2 MiB boundary, and what lies past its
 * first 2 MiB may use transparent huge pages: a full CRL of a million
 * entries then costs some 20 page faults instead of 11,000 (the faults, each
 * zeroing a fresh page, were a quarter of the time of `jpki crl`), while a
 * partition CRL of ~50 KB stays on small pages.  The DER of a large CRL
 * starts page-aligned (the headers' room is sized for 4-byte lengths),
 * which lets jpki_write_file_atomic write it without the page cache.
 */
#define CBUF_HUGE ((size_t)2 << 20)

struct cbuf {
	uint8_t *p;
	size_t len, cap; /* cap: writable bytes, a multiple of the page size */
};

static size_t page_size(void)
{
	static size_t ps;
	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);
		ps = v > 0 ? (size_t)v : 4096;
	}
	return ps;
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static int cbuf_open(struct cbuf *b, struct jpki_err *err)
{
	size_t res = JPKI_CRL_MAX_BYTES + CBUF_HUGE;
	uint8_t *m = mmap(NULL, res, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return jpki_fail(err, JPKI_E_NOMEM, "cannot reserve memory for the CRL");
	uint8_t *a = (uint8_t *)round_up((uintptr_t)m, CBUF_HUGE);
	if (a > m)
		munmap(m, (size_t)(a - m));
	if (a + JPKI_CRL_MAX_BYTES < m + res)
		munmap(a + JPKI_CRL_MAX_BYTES, (size_t)(m + res - (a + JPKI_CRL_MAX_BYTES)));
#ifdef MADV_HUGEPAGE
	(void)madvise(a + CBUF_HUGE, JPKI_CRL_MAX_BYTES - CBUF_HUGE, MADV_HUGEPAGE);
#endif
	b->p = a;
	b->len = b->cap = 0;
	return 0;
}

static void cbuf_close(struct cbuf *b)
{
	if (b->p)
		munmap(b->p, JPKI_CRL_MAX_BYTES);
	b->p = NULL;
}

/* Give back the reserved pages past the last one used; returns the mapping's length. */
static size_t cbuf_trim(struct cbuf *b)
{
	size_t keep = round_up(b->len ? b->len : 1, page_size());
	if (keep < JPKI_CRL_MAX_BYTES)
		munmap(b->p + keep, JPKI_CRL_MAX_BYTES - keep);
	return keep;
}

static int cbuf_reserve(struct cbuf *b, size_t n, struct jpki_err *err)
{
	if (n <= b->cap - b->len)
		return 0;
	if (n > JPKI_CRL_MAX_BYTES - b->len)
		return jpki_fail(err, JPKI_E_LIMIT, "the CRL would exceed %zu bytes",
		                 JPKI_CRL_MAX_BYTES);
	size_t cap = b->cap * 2;
	if (cap < b->len + n)
		cap = b->len + n;
	cap = round_up(cap, cap >= CBUF_HUGE ? CBUF_HUGE : page_size());
	if (cap > JPKI_CRL_MAX_BYTES)
		cap = JPKI_CRL_MAX_BYTES;
	if (mprotect(b->p + b->cap, cap - b->cap, PROT_READ | PROT_WRITE) != 0)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory for the CRL");
	b->cap = cap;
	return 0;
}

static size_t hdr_size(size_t len)
{
	return 1 + jpki_der_len_size(len);
}

static size_t tlv_size(size_t len)
{
	return hdr_size(len) + len;
}

/* A positive integer as a minimal DER INTEGER into out (room for 10 bytes). */
static size_t int_der(int64_t v, uint8_t out[10])
{
	uint8_t mag[9];
	size_t n = 0;
	uint64_t u = (uint64_t)v;
	do {
		mag[8 - n++] = (uint8_t)u;
		u >>= 8;
	} while (u);
	bool pad = mag[9 - n] & 0x80;
	out[0] = DER_INTEGER;
	out[1] = (uint8_t)(n + pad);
	if (pad)
		out[2] = 0;
	memcpy(out + 2 + pad, mag + 9 - n, n);
	return 2 + pad + n;
}

/*
 * Entry times: the calendar part is worked out once per day (through
 * profile.c's encoder, UTCTime through 2049, GeneralizedTime after) and
 * only the time of day per entry.
 */
struct day_cache {
	int64_t day;
	uint8_t prefix[12]; /* tag, length, YYMMDD or YYYYMMDD */
	size_t prefix_len;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static size_t entry_time(struct day_cache *dc, int64_t t, uint8_t *out)
{
	int64_t day = floor_div(t, 86400), sod = t - day * 86400;
	if (day != dc->day || dc->prefix_len == 0) {
		uint8_t full[JPKI_TIME_DER_MAX];
		size_t n = jpki_time_der(t, full);
		dc->day = day;
		dc->prefix_len = n - 7; /* HHMMSSZ */
		memcpy(dc->prefix, full, dc->prefix_len);
	}
	memcpy(out, dc->prefix, dc->prefix_len);
	uint8_t *o = out + dc->prefix_len;
	int h = (int)(sod / 3600), m = (int)(sod / 60 % 60), s = (int)(sod % 60);
	o[0] = (uint8_t)('0' + h / 10), o[1] = (uint8_t)('0' + h % 10);
	o[2] = (uint8_t)('0' + m / 10), o[3] = (uint8_t)('0' + m % 10);
	o[4] = (uint8_t)('0' + s / 10), o[5] = (uint8_t)('0' + s % 10);
	o[6] = 'Z';
	return dc->prefix_len + 7;
}

struct fill {
	struct cbuf *b;
	struct day_cache days;
	size_t count;
	struct jpki_err *err;
};

/* Extension { id-ce-invalidityDate, OCTET STRING { GeneralizedTime } } (§5.3.2): 26 bytes. */
static size_t invalidity_ext(int64_t t, uint8_t *o)
{
	static const uint8_t head[] = {0x30, 0x18, 0x06, 0x03, 0x55, 0x1D,
	                               0x18, 0x04, 0x11, 0x18, 0x0F};
	struct tm tm;
	time_t tt = (time_t)t;
	char z[16];
	if (!gmtime_r(&tt, &tm) || strftime(z, sizeof(z), "%Y%m%d%H%M%SZ", &tm) != 15)
		return 0;
	memcpy(o, head, sizeof(head));
	memcpy(o + sizeof(head), z, 15);
	return sizeof(head) + 15;
}

/*
 * revokedCertificates entry: SEQ { INTEGER serial, Time revocationDate,
 * [SEQ { [SEQ { id-ce-cRLReasons, OCTET STRING { ENUMERATED } }],
 *        [SEQ { id-ce-invalidityDate, OCTET STRING { GeneralizedTime } }] }] }.
 */
static int add_entry(const uint8_t *serial, size_t n, int64_t at, enum jpki_reason reason,
                     int64_t invalid_at, void *arg)
{
	struct fill *f = arg;
	int rc;
	while (n > 1 && serial[0] == 0)
		serial++, n--;
	if (n == 0 || n > 20)
		return jpki_fail(f->err, JPKI_E_STORE, "revoked row with a damaged serial");
	if ((rc = cbuf_reserve(f->b, 2 + 2 + 21 + JPKI_TIME_DER_MAX + 2 + 12 + 26, f->err)) < 0)
		return rc;
	uint8_t *e = f->b->p + f->b->len, *o = e + 2;
	bool pad = serial[0] & 0x80;
	*o++ = DER_INTEGER;
	*o++ = (uint8_t)(n + pad);
	if (pad)
		*o++ = 0;
	memcpy(o, serial, n);
	o += n;
	o += entry_time(&f->days, at, o);
	uint8_t *exts = o + 2, *x = exts;
	if (reason != JPKI_REASON_UNSPECIFIED) { /* RFC 5280 §5.3.1: omit for unspecified */
		static const uint8_t ext[] = {0x30, 0x0A, 0x06, 0x03, 0x55, 0x1D,
		                              0x15, 0x04, 0x03, 0x0A, 0x01};
		memcpy(x, ext, sizeof(ext));
		x += sizeof(ext);
		*x++ = (uint8_t)reason;
	}
	if (invalid_at > 0 && invalid_at < at)
		x += invalidity_ext(invalid_at, x);
	if (x > exts) {
		o[0] = DER_SEQUENCE, o[1] = (uint8_t)(x - exts); /* < 128 */
		o = x;
	}
	e[0] = DER_SEQUENCE;
	e[1] = (uint8_t)(o - e - 2); /* < 128 */
	f->b->len += (size_t)(o - e);
	f->count++;
	return 0;
}

/* Extension ::= SEQ { OID id-ce-<ce>, [BOOLEAN TRUE], OCTET STRING { value } } */
static size_t put_ext(uint8_t *out, size_t cap, uint8_t ce, bool critical, const uint8_t *v,
                      size_t vlen)
{
	size_t inner = 5 + (critical ? 3 : 0) + tlv_size(vlen);
	if (tlv_size(inner) > cap)
		return 0;
	size_t k = jpki_der_put_header(out, DER_SEQUENCE, inner);
	const uint8_t oid[] = {DER_OID, 3, 0x55, 0x1D, ce};
	memcpy(out + k, oid, sizeof(oid));
	k += sizeof(oid);
	if (critical) {
		out[k++] = 0x01, out[k++] = 0x01, out[k++] = 0xFF;
	}
	k += jpki_der_put_header(out + k, DER_OCTET_STRING, vlen);
	memcpy(out + k, v, vlen);
	return k + vlen;
}

/*
 * issuingDistributionPoint value (RFC 5280 §5.2.5): SEQ { distributionPoint
 * [0] { fullName [0] { uniformResourceIdentifier [6] url } },
 * onlyContainsUserCerts [1] TRUE }.
 */
static size_t idp_value(const char *url, uint8_t *out, size_t cap)
{
	size_t u = strlen(url), e86 = tlv_size(u), full = tlv_size(e86), dp = tlv_size(full);
	size_t seq = dp + 3;
	if (tlv_size(seq) > cap)
		return 0;
	size_t k = jpki_der_put_header(out, DER_SEQUENCE, seq);
	k += jpki_der_put_header(out + k, 0xA0, full);
	k += jpki_der_put_header(out + k, 0xA0, e86);
	k += jpki_der_put_header(out + k, 0x86, u);
	memcpy(out + k, url, u);
	k += u;
	out[k++] = 0x81, out[k++] = 0x01, out[k++] = 0xFF;
	return k;
}

#define EXTS_MAX 2048

/* crlExtensions of a scope into out; bytes written, 0 on overflow. */
static size_t crl_exts(const struct jpki_ca *ca, const struct jpki_crl_scope *sc, int64_t number,
                       uint8_t *out, size_t cap)
{
	uint8_t v[700];
	char url[600];
	size_t k = 0, n;
	if (ca->der.akid_len > cap)
		return 0;
	memcpy(out, ca->der.akid, ca->der.akid_len); /* authorityKeyIdentifier §5.2.1 */
	k = ca->der.akid_len;
	n = int_der(number, v); /* cRLNumber §5.2.3 */
	if (!(n = put_ext(out + k, cap - k, 0x14, false, v, n)))
		return 0;
	k += n;
	if (sc->partition < 0)
		return k;
	if (sc->delta) { /* deltaCRLIndicator §5.2.4, critical */
		n = int_der(sc->base_number, v);
		if (!(n = put_ext(out + k, cap - k, 0x1B, true, v, n)))
			return 0;
		k += n;
	}
	/* issuingDistributionPoint §5.2.5, critical; the same for a base and its delta */
	if (jpki_partition_url(ca, sc->partition, false, url, sizeof(url)) < 0 ||
	    !(n = idp_value(url, v, sizeof(v))) ||
	    !(n = put_ext(out + k, cap - k, 0x1C, true, v, n)))
		return 0;
	k += n;
	if (!sc->delta) { /* freshestCRL §5.2.6, non-critical, only in bases */
		if (jpki_partition_url(ca, sc->partition, true, url, sizeof(url)) < 0 ||
		    !(n = jpki_dp_ext_der(0x2E, url, out + k, cap - k)))
			return 0;
		k += n;
	}
	return k;
}

void jpki_crl_clear(struct jpki_crl *c)
{
	if (!c)
		return;
	if (c->mem)
		munmap(c->mem, c->mem_len);
	memset(c, 0, sizeof(*c));
}

int jpki_crl_build_scope(struct jpki_store *st, const struct jpki_ca *ca,
                         const struct jpki_crl_scope *sc, int64_t now, int64_t validity,
                         struct jpki_crl *out, struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	if (validity <= 0)
		return jpki_fail(err, JPKI_E_INVALID, "CRL validity must be positive");
	if (sc->partition < -1 || sc->partition >= JPKI_CRL_PARTITIONS)
		return jpki_fail(err, JPKI_E_INVALID, "no CRL partition %d (0 to %d)",
		                 sc->partition, JPKI_CRL_PARTITIONS - 1);
	if (sc->delta && (sc->partition < 0 || sc->base_number <= 0 || sc->base_this_update > now))
		return jpki_fail(err, JPKI_E_INVALID, "a delta CRL needs a partition and its base");
	size_t alg_len, sig_max = (size_t)EVP_PKEY_get_size(ca->key);
	const uint8_t *alg = jpki_sig_alg_der(&alg_len);
	uint8_t t1[JPKI_TIME_DER_MAX], t2[JPKI_TIME_DER_MAX], exts[EXTS_MAX];
	size_t t1_len = jpki_time_der(now, t1), t2_len = jpki_time_der(now + validity, t2);
	static const uint8_t version[] = {DER_INTEGER, 0x01, 0x01}; /* v2 */
	const size_t head = 6 + 6 + sizeof(version) + alg_len + ca->der.issuer_len + t1_len +
	                    t2_len + 6; /* the most the headers take: lengths fit 4 bytes */
	int64_t number;
	int rc;
	if ((rc = jpki_crl_number_draw(ca->ctx, st, ca->kind, &number, err)) <
	    0) /* never backwards */
		return rc;
	size_t exts_len = crl_exts(ca, sc, number, exts, sizeof(exts));
	if (!exts_len)
		return jpki_fail(err, JPKI_E_LIMIT, "JPKI_BASE_URL is too long for a CRL");

	struct cbuf b = {NULL, 0, 0};
	if ((rc = cbuf_open(&b, err)) < 0)
		return rc;
	if ((rc = cbuf_reserve(&b, head + 64 * 1024, err)) < 0) {
		cbuf_close(&b);
		return rc;
	}
	b.len = head;
	struct fill f = {&b, {0, {0}, 0}, 0, err};
	rc = st->ops->revoked_scan(st, ca->kind, sc->partition,
	                           sc->delta ? sc->base_this_update : 0, now, add_entry, &f, err);
	if (rc == 0)
		rc =
		    cbuf_reserve(&b, tlv_size(tlv_size(exts_len)) + alg_len + 6 + 1 + sig_max, err);
	if (rc < 0) {
		cbuf_close(&b);
		return rc;
	}
	size_t entries = b.len - head;
	/* the reserve above made room for the rest: the writer checks it all the same */
	struct jpki_wr w = {b.p, head, b.len, b.cap, false};
	/* crlExtensions [0] EXPLICIT Extensions */
	jpki_wr_der_header(&w, 0xA0, tlv_size(exts_len));
	jpki_wr_der_header(&w, DER_SEQUENCE, exts_len);
	jpki_wr_put(&w, exts, exts_len);
	size_t tbs_end = w.len;
	/* now the headers, backwards from the first entry */
	if (entries) /* §5.1.2.6: absent when nothing is revoked */
		jpki_wr_prepend_der_header(&w, DER_SEQUENCE, entries);
	jpki_wr_prepend(&w, t2, t2_len);
	jpki_wr_prepend(&w, t1, t1_len);
	jpki_wr_prepend(&w, ca->der.issuer, ca->der.issuer_len);
	jpki_wr_prepend(&w, alg, alg_len);
	jpki_wr_prepend(&w, version, sizeof(version));
	jpki_wr_prepend_der_header(&w, DER_SEQUENCE, tbs_end - w.start);
	size_t tbs_at = w.start;
	jpki_wr_prepend_der_header(&w, DER_SEQUENCE,
	                           (tbs_end - tbs_at) + alg_len + tlv_size(1 + sig_max));
	jpki_wr_put(&w, alg, alg_len);
	jpki_wr_der_header(&w, DER_BIT_STRING, 1 + sig_max);
	jpki_wr_u8(&w, 0); /* no unused bits */
	size_t sig_len = sig_max;
	if (w.failed || sig_max > w.cap - w.len)
		rc = jpki_fail(err, JPKI_E_LIMIT, "the CRL's headers do not fit their room");
	else if ((rc = jpki_sign_sha256(ca->key, w.p + tbs_at, tbs_end - tbs_at, w.p + w.len,
	                                &sig_len, err)) == 0 &&
	         sig_len != sig_max)
		rc = jpki_fail(err, JPKI_E_CRYPTO, "unexpected signature length");
	if (rc < 0) {
		cbuf_close(&b);
		return rc;
	}
	b.len = w.len + sig_len;
	size_t pos = w.start;
	out->mem_len = cbuf_trim(&b);
	out->mem = b.p;
	out->der = b.p + pos;
	out->len = b.len - pos;
	out->number = number;
	out->this_update = now;
	out->next_update = now + validity;
	return 0;
}

int jpki_crl_build(struct jpki_store *st, const struct jpki_ca *ca, int64_t now, int64_t validity,
                   uint8_t **ret_der, size_t *ret_len, struct jpki_err *err)
{
	static const struct jpki_crl_scope full = {-1, false, 0, 0};
	struct jpki_crl c;
	*ret_der = NULL;
	int rc = jpki_crl_build_scope(st, ca, &full, now, validity, &c, err);
	if (rc < 0)
		return rc;
	*ret_der = malloc(c.len ? c.len : 1); /* the caller owns a plain buffer */
	if (*ret_der)
		memcpy(*ret_der, c.der, c.len);
	*ret_len = c.len;
	jpki_crl_clear(&c);
	return *ret_der ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory for the CRL");
}

int jpki_crl_base_info(const struct jpki_ca *ca, int partition, const uint8_t *der, size_t len,
                       int64_t *ret_number, int64_t *ret_this_update, struct jpki_err *err)
{
	const unsigned char *p = der;
	_cleanup_(X509_CRLp) X509_CRL *crl =
	    len <= JPKI_CRL_MAX_BYTES ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
	if (!crl || p != der + len)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "the base is not a DER CRL");
	EVP_PKEY *pub = X509_get0_pubkey(ca->cert);
	if (!pub || X509_CRL_verify(crl, pub) != 1)
		return jpki_fail_ossl(err, JPKI_E_INVALID,
		                      "the base CRL is not signed by the %s CA",
		                      jpki_kind_name(ca->kind));
	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0)
		return jpki_fail(err, JPKI_E_INVALID, "the base CRL is itself a delta");
	uint8_t v[700];
	char url[600];
	size_t vn;
	int i = X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1);
	const ASN1_OCTET_STRING *idp =
	    i >= 0 ? X509_EXTENSION_get_data(X509_CRL_get_ext(crl, i)) : NULL;
	if (partition < 0 || jpki_partition_url(ca, partition, false, url, sizeof(url)) < 0 ||
	    !(vn = idp_value(url, v, sizeof(v))) || !idp || (size_t)ASN1_STRING_length(idp) != vn ||
	    memcmp(ASN1_STRING_get0_data(idp), v, vn) != 0)
		return jpki_fail(err, JPKI_E_INVALID, "the base CRL is not of partition %d",
		                 partition);
	_cleanup_(ASN1_INTEGERp) ASN1_INTEGER *num =
	    X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	int64_t n;
	struct tm tm;
	if (!num || ASN1_INTEGER_get_int64(&n, num) != 1 || n <= 0 ||
	    ASN1_TIME_to_tm(X509_CRL_get0_lastUpdate(crl), &tm) != 1)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "the base CRL has no usable cRLNumber");
	*ret_number = n;
	*ret_this_update = (int64_t)timegm(&tm);
	return 0;
}
