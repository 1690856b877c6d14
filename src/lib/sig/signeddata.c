/*
 * signeddata.c: SignedData's fields as byte ranges, and SignedData.crls
 * extended (signeddata.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "core/writer.h"
#include "sig/signeddata.h"

/* 1.2.840.113549.1.7.2 id-signedData (RFC 5652 §5.1) */
static const uint8_t oid_signed_data[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                          0xF7, 0x0D, 0x01, 0x07, 0x02};
/* 1.3.6.1.5.5.7.16.2 id-ri-ocsp-response (RFC 5940 §4.1) */
static const uint8_t oid_ri_ocsp[] = {0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x02};

#define TAG_CERTS 0xA0 /* certificates [0] IMPLICIT */
#define TAG_CRLS 0xA1  /* crls [1] IMPLICIT; also RevocationInfoChoice other [1] */
#define TAG_SET 0x31

/* The next element: its tag, its whole bytes and a cursor over its value. */
static bool next_elem(struct jpki_cur *c, uint8_t *tag, struct jpki_elem *e, struct jpki_cur *val)
{
	size_t start = c->off, len;
	struct jpki_cur probe = *c;
	if (!jpki_cur_der_header(&probe, tag, &len) || len > jpki_cur_left(&probe))
		return false;
	*val = jpki_cur_make(probe.base + probe.off, len);
	probe.off += len;
	e->p = c->base + start;
	e->len = probe.off - start;
	*c = probe;
	return true;
}

static bool expect_elem(struct jpki_cur *c, uint8_t want, struct jpki_elem *e, struct jpki_cur *v)
{
	uint8_t tag;
	struct jpki_cur probe = *c;
	if (!next_elem(&probe, &tag, e, v) || tag != want)
		return false;
	*c = probe;
	return true;
}

int jpki_sd_split(const uint8_t *der, size_t len, struct jpki_signeddata *sd, struct jpki_err *err)
{
	struct jpki_cur all = jpki_cur_make(der, len), ci, v, sdc;
	struct jpki_elem e;
	memset(sd, 0, sizeof(*sd));
	if (!expect_elem(&all, 0x30, &e, &ci) || !jpki_cur_done(&all))
		return jpki_fail(err, JPKI_E_INVALID, "not a DER ContentInfo");
	if (!expect_elem(&ci, 0x06, &e, &v) || e.len != sizeof(oid_signed_data) ||
	    memcmp(e.p, oid_signed_data, e.len) != 0)
		return jpki_fail(err, JPKI_E_INVALID, "the ContentInfo is not a SignedData");
	if (!expect_elem(&ci, 0xA0, &e, &v) || !jpki_cur_done(&ci))
		return jpki_fail(err, JPKI_E_INVALID, "SignedData: no [0] content");
	if (!expect_elem(&v, 0x30, &e, &sdc) || !jpki_cur_done(&v))
		return jpki_fail(err, JPKI_E_INVALID, "SignedData: not a SEQUENCE");
	if (!expect_elem(&sdc, 0x02, &sd->version, &v) ||
	    !expect_elem(&sdc, TAG_SET, &sd->digest_algs, &v) ||
	    !expect_elem(&sdc, 0x30, &sd->encap, &v))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "SignedData: bad version, algorithms or content");
	sd->has_certs = expect_elem(&sdc, TAG_CERTS, &sd->certs, &v);
	sd->has_crls = expect_elem(&sdc, TAG_CRLS, &sd->crls, &v);
	if (!expect_elem(&sdc, TAG_SET, &sd->signer_infos, &v) || !jpki_cur_done(&sdc))
		return jpki_fail(err, JPKI_E_INVALID, "SignedData: bad signerInfos");
	return 0;
}

/* The value cursor of an element already checked by jpki_sd_split. */
static struct jpki_cur value_of(const struct jpki_elem *e)
{
	struct jpki_cur c = jpki_cur_make(e->p, e->len), v;
	struct jpki_elem w;
	uint8_t tag;
	if (!next_elem(&c, &tag, &w, &v))
		return jpki_cur_make(NULL, 0);
	return v;
}

int jpki_sd_revocations(const struct jpki_signeddata *sd, jpki_rev_cb cb, void *arg,
                        struct jpki_err *err)
{
	if (!sd->has_crls)
		return 0;
	struct jpki_cur set = value_of(&sd->crls), v, inner;
	while (!jpki_cur_done(&set)) {
		struct jpki_elem e, oid, body;
		uint8_t tag;
		int rc = 0;
		if (!next_elem(&set, &tag, &e, &v))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "SignedData.crls: a malformed element");
		if (tag == 0x30) {
			rc = cb(JPKI_REV_CRL, e.p, e.len, arg);
		} else if (tag == TAG_CRLS) {
			if (!expect_elem(&v, 0x06, &oid, &inner) ||
			    !next_elem(&v, &tag, &body, &inner) || !jpki_cur_done(&v))
				return jpki_fail(
				    err, JPKI_E_INVALID,
				    "SignedData.crls: a malformed other revocation info");
			if (oid.len == sizeof(oid_ri_ocsp) &&
			    memcmp(oid.p, oid_ri_ocsp, oid.len) == 0)
				rc = cb(JPKI_REV_OCSP, body.p, body.len, arg);
		} else {
			return jpki_fail(err, JPKI_E_INVALID,
			                 "SignedData.crls: an element of tag %02X", tag);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- writing ---- */

struct piece {
	uint8_t *p;
	size_t len;
	bool owned;
};

/* X.690 §11.6: a SET OF's encodings in ascending order, as octet strings. */
static int piece_cmp(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static size_t tlv_size(size_t len)
{
	return 1 + jpki_der_len_size(len) + len;
}

/* An OtherRevocationInfoFormat holding one OCSP response. */
static int other_ocsp(const uint8_t *resp, size_t len, struct piece *out, struct jpki_err *err)
{
	size_t inner = sizeof(oid_ri_ocsp) + len, total = tlv_size(inner);
	uint8_t *buf = malloc(total);
	if (!buf)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	struct jpki_wr w = jpki_wr_make(buf, total);
	jpki_wr_der_header(&w, TAG_CRLS, inner);
	jpki_wr_put(&w, oid_ri_ocsp, sizeof(oid_ri_ocsp));
	jpki_wr_put(&w, resp, len);
	*out = (struct piece){buf, total, true};
	return 0;
}

/* The existing and added revocation choices, sorted; *n set. */
static int gather(const struct jpki_signeddata *sd, const struct jpki_sd_add *add,
                  struct piece **ret, size_t *n, bool *has_other, struct jpki_err *err)
{
	size_t cap = add->n_crl + add->n_ocsp + 1, k = 0;
	struct jpki_cur set = sd->has_crls ? value_of(&sd->crls) : jpki_cur_make(NULL, 0), v;
	for (struct jpki_cur probe = set; !jpki_cur_done(&probe); cap++) {
		struct jpki_elem e;
		uint8_t tag;
		if (!next_elem(&probe, &tag, &e, &v))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "SignedData.crls: a malformed element");
	}
	struct piece *ps = calloc(cap, sizeof(*ps));
	if (!ps)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	*has_other = add->n_ocsp > 0;
	while (!jpki_cur_done(&set)) {
		struct jpki_elem e;
		uint8_t tag;
		(void)next_elem(&set, &tag, &e, &v);
		*has_other |= tag != 0x30;
		ps[k++] = (struct piece){(uint8_t *)e.p, e.len, false};
	}
	for (size_t i = 0; i < add->n_crl; i++)
		ps[k++] = (struct piece){(uint8_t *)add->crl[i], add->crl_len[i], false};
	for (size_t i = 0; i < add->n_ocsp; i++) {
		int rc = other_ocsp(add->ocsp[i], add->ocsp_len[i], &ps[k], err);
		if (rc < 0) {
			for (size_t j = 0; j < k; j++)
				if (ps[j].owned)
					free(ps[j].p);
			free(ps);
			return rc;
		}
		k++;
	}
	qsort(ps, k, sizeof(*ps), piece_cmp);
	*ret = ps, *n = k;
	return 0;
}

int jpki_sd_rebuild(const struct jpki_signeddata *sd, const struct jpki_sd_add *add, uint8_t **out,
                    size_t *out_len, struct jpki_err *err)
{
	static const uint8_t version5[] = {0x02, 0x01, 0x05}; /* RFC 5652 §5.1 */
	struct piece *ps = NULL;
	size_t n = 0, crls = 0;
	bool other = false;
	int rc = gather(sd, add, &ps, &n, &other, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		crls += ps[i].len;
	size_t vlen = other ? sizeof(version5) : sd->version.len;
	size_t body = vlen + sd->digest_algs.len + sd->encap.len +
	              (sd->has_certs ? sd->certs.len : 0) + (n ? tlv_size(crls) : 0) +
	              sd->signer_infos.len;
	size_t explicit0 = tlv_size(body),
	       total = tlv_size(sizeof(oid_signed_data) + tlv_size(explicit0));
	uint8_t *buf = malloc(total);
	if (!buf) {
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		goto out;
	}
	struct jpki_wr w = jpki_wr_make(buf, total);
	jpki_wr_der_header(&w, 0x30, sizeof(oid_signed_data) + tlv_size(explicit0));
	jpki_wr_put(&w, oid_signed_data, sizeof(oid_signed_data));
	jpki_wr_der_header(&w, 0xA0, explicit0);
	jpki_wr_der_header(&w, 0x30, body);
	jpki_wr_put(&w, other ? version5 : sd->version.p, vlen);
	jpki_wr_put(&w, sd->digest_algs.p, sd->digest_algs.len);
	jpki_wr_put(&w, sd->encap.p, sd->encap.len);
	if (sd->has_certs)
		jpki_wr_put(&w, sd->certs.p, sd->certs.len);
	if (n) {
		jpki_wr_der_header(&w, TAG_CRLS, crls);
		for (size_t i = 0; i < n; i++)
			jpki_wr_put(&w, ps[i].p, ps[i].len);
	}
	jpki_wr_put(&w, sd->signer_infos.p, sd->signer_infos.len);
	if (w.failed || jpki_wr_size(&w) != total) {
		free(buf);
		rc = jpki_fail(err, JPKI_E_INVALID, "SignedData: re-encoding overflowed");
		goto out;
	}
	*out = buf, *out_len = total;
out:
	for (size_t i = 0; i < n; i++)
		if (ps[i].owned)
			free(ps[i].p);
	free(ps);
	return rc;
}

int jpki_sd_strip_certs(const uint8_t *der, size_t len, struct jpki_cert_cache *cache,
                        STACK_OF(X509) * certs, uint8_t **stripped, size_t *stripped_len,
                        struct jpki_err *err)
{
	struct jpki_signeddata sd;
	int rc = jpki_sd_split(der, len, &sd, err);
	if (rc < 0)
		return rc;
	if (sd.has_certs) {
		struct jpki_cur v = value_of(&sd.certs);
		rc = jpki_cert_cache_list(cache, v.base, v.len, certs, err);
		if (rc < 0)
			return rc;
	}
	sd.has_certs = false;
	static const struct jpki_sd_add none = {0};
	return jpki_sd_rebuild(&sd, &none, stripped, stripped_len, err);
}
