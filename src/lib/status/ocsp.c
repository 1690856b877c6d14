/*
 * ocsp.c: answering OCSP requests (RFC 6960, RFC 5019 profile).
 *
 * A request goes through four steps, each of which may end it with an
 * error status (an OCSPResponse without responseBytes, RFC 6960 §4.2.1):
 *   parse    size cap, DER that uses every byte, 1..8 single requests for
 *            one CA, a known issuer and hash algorithm, a sane serial, at
 *            most one nonce of 1..32 octets (RFC 8954 §2.1);
 *   look up  the registry status of each serial, every time;
 *   reuse    for one single request without a nonce, a cached response
 *            stating exactly that status (ocsp_cache.h);
 *   sign     otherwise a new response, cached when it has no nonce.
 * The rules and why are in docs/ocsp.md.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "core/hex.h"
#include "core/ossl.h"
#include "ocsp.h"
#include "ocsp_cache.h"

JPKI_DEFINE_FREEP(OCSP_BASICRESP, OCSP_BASICRESP_free)
JPKI_DEFINE_FREEP(OCSP_RESPONSE, OCSP_RESPONSE_free)

#define ALGS 2 /* CertID hash algorithms accepted: [0] SHA-1, [1] SHA-256 */

struct issuer {
	unsigned char name[ALGS][EVP_MAX_MD_SIZE], key[ALGS][EVP_MAX_MD_SIZE];
	unsigned int len[ALGS];
};

struct jpki_ocsp {
	const struct jpki_ca *cas[2];
	struct issuer issuers[2];
	struct jpki_responder *responders[2]; /* current; read with __atomic_load_n */
	jpki_ocsp_lookup_fn lookup;
	void *lookup_arg;
	int64_t validity;
	struct ocsp_cache *cache;
	pthread_mutex_t roll_lock; /* guards the fields below */
	char passphrase[256];
	int64_t roll_retry[2];
	struct jpki_responder **retired;
	size_t nretired;
};

struct single {
	OCSP_CERTID *cid; /* borrowed from the request */
	bool serial_ok;   /* false: zero or negative, never issued */
	char serial[JPKI_SERIAL_HEX_MAX];
	int cert_status;
	int64_t revoked_at;
	int reason;         /* OCSP_REVOKED_STATUS_NOSTATUS (-1): no reasonCode */
	int64_t invalid_at; /* a hold made final: the invalidityDate (RFC 5280 §5.3.2), else 0 */
};

struct parsed {
	OCSP_REQUEST *req;
	enum jpki_kind ca;
	int n;
	struct single s[JPKI_OCSP_SINGLE_MAX];
	bool nonce;
};

/* ---- error responses ---- */

uint8_t *jpki_ocsp_error_response(enum jpki_ocsp_status status, size_t *len)
{
	/* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } (RFC 6960 §4.2.1) */
	const uint8_t der[5] = {0x30, 0x03, 0x0A, 0x01, (uint8_t)status};
	uint8_t *out = malloc(sizeof(der));
	if (out) {
		memcpy(out, der, sizeof(der));
		*len = sizeof(der);
	}
	return out;
}

/* ---- set-up ---- */

static int issuer_hashes(const struct jpki_ca *ca, struct issuer *is, struct jpki_err *err)
{
	const EVP_MD *mds[ALGS] = {EVP_sha1(), EVP_sha256()};
	for (int a = 0; a < ALGS; a++) {
		unsigned int nl = 0, kl = 0;
		if (X509_NAME_digest(X509_get_subject_name(ca->cert), mds[a], is->name[a], &nl) !=
		        1 ||
		    X509_pubkey_digest(ca->cert, mds[a], is->key[a], &kl) != 1 || nl != kl)
			return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot hash the %s CA",
			                      jpki_kind_name(ca->kind));
		is->len[a] = nl;
	}
	return 0;
}

int jpki_ocsp_new(const struct jpki_ocsp_cfg *cfg, struct jpki_ocsp **ret, struct jpki_err *err)
{
	if (!cfg->cas[0] || !cfg->cas[1] || !cfg->responders[0] || !cfg->responders[1] ||
	    !cfg->lookup)
		return jpki_fail(err, JPKI_E_INVALID, "OCSP responder: CAs, responders, lookup");
	if (cfg->passphrase &&
	    strlen(cfg->passphrase) >= sizeof(((struct jpki_ocsp *)0)->passphrase))
		return jpki_fail(err, JPKI_E_PASSPHRASE, "passphrase too long");
	struct jpki_ocsp *o = calloc(1, sizeof(*o));
	if (!o)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	pthread_mutex_init(&o->roll_lock, NULL);
	o->lookup = cfg->lookup;
	o->lookup_arg = cfg->lookup_arg;
	o->validity = cfg->validity > 0 ? cfg->validity : JPKI_OCSP_DEFAULT_VALIDITY;
	o->cache = ocsp_cache_new(cfg->cache_max ? cfg->cache_max : JPKI_OCSP_DEFAULT_CACHE);
	if (cfg->passphrase)
		memcpy(o->passphrase, cfg->passphrase, strlen(cfg->passphrase) + 1);
	int rc = o->cache ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	for (int k = 0; k < 2 && rc == 0; k++) {
		o->cas[k] = cfg->cas[k];
		if (cfg->cas[k]->kind != (enum jpki_kind)k ||
		    cfg->responders[k]->kind != (enum jpki_kind)k)
			rc = jpki_fail(err, JPKI_E_INVALID, "CAs and responders go sign, auth");
		else
			rc = issuer_hashes(cfg->cas[k], &o->issuers[k], err);
	}
	if (rc < 0) {
		jpki_ocsp_free(o);
		return rc;
	}
	o->responders[0] = cfg->responders[0];
	o->responders[1] = cfg->responders[1];
	*ret = o;
	return 0;
}

void jpki_ocsp_free(struct jpki_ocsp *o)
{
	if (!o)
		return;
	ocsp_cache_free(o->cache);
	jpki_responder_free(o->responders[0]);
	jpki_responder_free(o->responders[1]);
	for (size_t i = 0; i < o->nretired; i++)
		jpki_responder_free(o->retired[i]);
	free(o->retired);
	OPENSSL_cleanse(o->passphrase, sizeof(o->passphrase));
	pthread_mutex_destroy(&o->roll_lock);
	free(o);
}

size_t jpki_ocsp_cache_count(struct jpki_ocsp *o)
{
	return ocsp_cache_count(o->cache);
}

const struct jpki_ctx *jpki_ocsp_ctx(const struct jpki_ocsp *o)
{
	return o->cas[0]->ctx;
}

/* ---- responders and their rollover ---- */

/* roll_lock held */
static int swap_locked(struct jpki_ocsp *o, enum jpki_kind kind, struct jpki_responder *r,
                       struct jpki_err *err)
{
	struct jpki_responder **grown = realloc(o->retired, (o->nretired + 1) * sizeof(*grown));
	if (!grown)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	o->retired = grown;
	/* readers may hold the old one: retire it, free it at jpki_ocsp_free */
	o->retired[o->nretired++] = __atomic_exchange_n(&o->responders[kind], r, __ATOMIC_ACQ_REL);
	return 0;
}

int jpki_ocsp_set_responder(struct jpki_ocsp *o, enum jpki_kind kind, struct jpki_responder *r,
                            struct jpki_err *err)
{
	if (!r || r->kind != kind)
		return jpki_fail(err, JPKI_E_INVALID, "a %s responder is needed",
		                 jpki_kind_name(kind));
	pthread_mutex_lock(&o->roll_lock);
	int rc = swap_locked(o, kind, r, err);
	pthread_mutex_unlock(&o->roll_lock);
	return rc;
}

/*
 * The responder of kind, renewed first when it is due and a passphrase was
 * given.  One thread renews (RSA key generation, ~0.1 s); the others go on
 * with the current one, still valid for JPKI_RESPONDER_ROLLOVER.
 */
static const struct jpki_responder *responder_for(struct jpki_ocsp *o, enum jpki_kind kind,
                                                  int64_t now)
{
	struct jpki_responder *r = __atomic_load_n(&o->responders[kind], __ATOMIC_ACQUIRE);
	if (now < r->renew_at || !o->passphrase[0] || pthread_mutex_trylock(&o->roll_lock) != 0)
		return r;
	r = __atomic_load_n(&o->responders[kind], __ATOMIC_ACQUIRE);
	if (now >= r->renew_at && now >= o->roll_retry[kind]) {
		struct jpki_responder *fresh = NULL;
		struct jpki_err err;
		if (jpki_responder_ensure(o->cas[kind], o->passphrase, now, &fresh, &err) == 0 &&
		    swap_locked(o, kind, fresh, &err) == 0) {
			r = fresh;
		} else {
			jpki_responder_free(fresh);
			jpki_ctx_log(o->cas[kind]->ctx, "warning",
			             "cannot renew the %s CA's OCSP responder certificate (the "
			             "current one stays in use): %s; trying again in 60 s",
			             jpki_kind_name((enum jpki_kind)kind), err.msg);
		}
		o->roll_retry[kind] = now + 60; /* a failure is retried a minute later */
	}
	pthread_mutex_unlock(&o->roll_lock);
	return r;
}

/* ---- parsing ---- */

static int alg_index(const ASN1_OBJECT *md)
{
	switch (OBJ_obj2nid(md)) {
	case NID_sha1:
		return 0;
	case NID_sha256:
		return 1;
	default:
		return -1;
	}
}

static int issuer_of(const struct jpki_ocsp *o, int alg, const ASN1_OCTET_STRING *nh,
                     const ASN1_OCTET_STRING *kh)
{
	for (int k = 0; k < 2; k++) {
		const struct issuer *is = &o->issuers[k];
		size_t n = is->len[alg];
		if ((size_t)ASN1_STRING_length(nh) == n && (size_t)ASN1_STRING_length(kh) == n &&
		    memcmp(ASN1_STRING_get0_data(nh), is->name[alg], n) == 0 &&
		    memcmp(ASN1_STRING_get0_data(kh), is->key[alg], n) == 0)
			return k;
	}
	return -1;
}

/* The serial as the registry writes it: upper-case hex of the minimal bytes. */
static enum jpki_ocsp_status serial_of(const ASN1_INTEGER *serial, struct single *s)
{
	int len = ASN1_STRING_length(serial);
	const uint8_t *b = ASN1_STRING_get0_data(serial);
	if (len < 0 || len > 20) /* RFC 5280 §4.1.2.2 */
		return JPKI_OCSP_MALFORMED;
	while (len > 0 && b[0] == 0)
		b++, len--;
	s->serial_ok = len > 0 && ASN1_STRING_type(serial) == V_ASN1_INTEGER;
	if (s->serial_ok)
		jpki_hex_encode(b, (size_t)len, s->serial);
	return JPKI_OCSP_SUCCESSFUL;
}

static enum jpki_ocsp_status parse_single(const struct jpki_ocsp *o, OCSP_ONEREQ *one,
                                          struct single *s, int *ca)
{
	ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
	ASN1_OBJECT *md = NULL;
	ASN1_INTEGER *serial = NULL;
	s->cid = OCSP_onereq_get0_id(one);
	if (!s->cid || OCSP_id_get0_info(&nh, &md, &kh, &serial, s->cid) != 1 || !nh || !md ||
	    !kh || !serial)
		return JPKI_OCSP_MALFORMED;
	int alg = alg_index(md);
	if (alg < 0) /* MD5 and others: we cannot say which issuer is meant */
		return JPKI_OCSP_UNAUTHORIZED;
	if ((*ca = issuer_of(o, alg, nh, kh)) < 0) /* not our CA (RFC 5019 §2.2.3) */
		return JPKI_OCSP_UNAUTHORIZED;
	return serial_of(serial, s);
}

/* At most one nonce, 1..32 octets (RFC 8954 §2.1) inside its OCTET STRING. */
static enum jpki_ocsp_status parse_nonce(OCSP_REQUEST *req, bool *nonce)
{
	int i = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1);
	*nonce = i >= 0;
	if (i < 0)
		return JPKI_OCSP_SUCCESSFUL;
	if (OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, i) >= 0)
		return JPKI_OCSP_MALFORMED;
	X509_EXTENSION *ext = OCSP_REQUEST_get_ext(req, i);
	ASN1_OCTET_STRING *v = ext ? X509_EXTENSION_get_data(ext) : NULL;
	int len = v ? ASN1_STRING_length(v) : -1;
	return len >= 1 && len <= 34 ? JPKI_OCSP_SUCCESSFUL : JPKI_OCSP_MALFORMED;
}

static enum jpki_ocsp_status parse(const struct jpki_ocsp *o, const uint8_t *der, size_t len,
                                   struct parsed *p)
{
	if (!der || len == 0 || len > JPKI_OCSP_REQ_MAX)
		return JPKI_OCSP_MALFORMED;
	const unsigned char *q = der;
	p->req = d2i_OCSP_REQUEST(NULL, &q, (long)len);
	if (!p->req || q != der + len) /* every byte, no trailing garbage */
		return JPKI_OCSP_MALFORMED;
	int n = OCSP_request_onereq_count(p->req);
	if (n <= 0)
		return JPKI_OCSP_MALFORMED;
	if (n > JPKI_OCSP_SINGLE_MAX) /* a policy limit, not a syntax error */
		return JPKI_OCSP_UNAUTHORIZED;
	for (int i = 0; i < n; i++) {
		int ca = -1;
		enum jpki_ocsp_status st =
		    parse_single(o, OCSP_request_onereq_get0(p->req, i), &p->s[i], &ca);
		if (st != JPKI_OCSP_SUCCESSFUL)
			return st;
		if (i > 0 && ca != (int)p->ca) /* one responder key signs the whole response */
			return JPKI_OCSP_UNAUTHORIZED;
		p->ca = (enum jpki_kind)ca;
	}
	p->n = n;
	return parse_nonce(p->req, &p->nonce);
}

/* ---- registry ---- */

static enum jpki_ocsp_status look_up(struct jpki_ocsp *o, enum jpki_kind ca, struct single *s)
{
	s->cert_status = V_OCSP_CERTSTATUS_UNKNOWN;
	s->revoked_at = s->invalid_at = 0;
	s->reason = OCSP_REVOKED_STATUS_NOSTATUS;
	if (!s->serial_ok)
		return JPKI_OCSP_SUCCESSFUL;
	struct jpki_cert_rec rec;
	struct jpki_err err;
	memset(&rec, 0, sizeof(rec));
	int rc = o->lookup(o->lookup_arg, ca, s->serial, &rec, &err);
	jpki_cert_rec_clear(&rec);
	if (rc == -JPKI_E_NOT_FOUND || (rc == 0 && rec.kind != ca))
		return JPKI_OCSP_SUCCESSFUL; /* unknown */
	if (rc < 0)
		return JPKI_OCSP_TRY_LATER;
	if (rec.status == JPKI_CERT_VALID) {
		s->cert_status = V_OCSP_CERTSTATUS_GOOD;
	} else {
		s->cert_status = V_OCSP_CERTSTATUS_REVOKED;
		s->revoked_at = rec.revoked_at;
		s->invalid_at = rec.invalid_at;
		/* unspecified is said by leaving the reason out (RFC 5280 §5.3.1) */
		if (rec.reason != JPKI_REASON_UNSPECIFIED)
			s->reason = (int)rec.reason;
	}
	return JPKI_OCSP_SUCCESSFUL;
}

/* ---- signing ---- */

static bool add_single(OCSP_BASICRESP *bs, const struct single *s, ASN1_TIME *tu, ASN1_TIME *nu)
{
	_cleanup_(ASN1_TIMEp) ASN1_TIME *rt = NULL;
	if (s->cert_status == V_OCSP_CERTSTATUS_REVOKED &&
	    !(rt = ASN1_GENERALIZEDTIME_set(NULL, (time_t)s->revoked_at)))
		return false;
	OCSP_SINGLERESP *one =
	    OCSP_basic_add1_status(bs, s->cid, s->cert_status, s->reason, rt, tu, nu);
	if (!one || !s->invalid_at || s->invalid_at >= s->revoked_at)
		return one != NULL;
	/* RFC 6960 §4.4.7.2: the CRL entry extensions may be singleExtensions */
	_cleanup_(ASN1_TIMEp) ASN1_GENERALIZEDTIME *inv =
	    ASN1_GENERALIZEDTIME_set(NULL, (time_t)s->invalid_at);
	return inv && OCSP_SINGLERESP_add1_ext_i2d(one, NID_invalidity_date, inv, 0, 0) == 1;
}

static enum jpki_ocsp_status sign(struct jpki_ocsp *o, const struct parsed *p,
                                  const struct jpki_responder *r, int64_t now, uint8_t **out,
                                  size_t *out_len)
{
	_cleanup_(OCSP_BASICRESPp) OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	_cleanup_(ASN1_TIMEp) ASN1_TIME *tu = ASN1_GENERALIZEDTIME_set(NULL, (time_t)now);
	_cleanup_(ASN1_TIMEp) ASN1_TIME *nu =
	    ASN1_GENERALIZEDTIME_set(NULL, (time_t)(now + o->validity));
	if (!bs || !tu || !nu)
		return JPKI_OCSP_INTERNAL_ERROR;
	for (int i = 0; i < p->n; i++)
		if (!add_single(bs, &p->s[i], tu, nu))
			return JPKI_OCSP_INTERNAL_ERROR;
	if (p->nonce && OCSP_copy_nonce(bs, p->req) != 1) /* 1: copied */
		return JPKI_OCSP_INTERNAL_ERROR;
	/*
	 * producedAt is our clock (JPKI_NOW in tests), not OpenSSL's: set it on
	 * our own object, then sign with OCSP_NOTIME.  byKey: RFC 5019 §2.2.3.
	 */
	ASN1_GENERALIZEDTIME *pa = (ASN1_GENERALIZEDTIME *)OCSP_resp_get0_produced_at(bs);
	if (!pa || !ASN1_GENERALIZEDTIME_set(pa, (time_t)now) ||
	    OCSP_basic_sign(bs, r->cert, r->key, EVP_sha256(), NULL,
	                    OCSP_RESPID_KEY | OCSP_NOTIME) != 1)
		return JPKI_OCSP_INTERNAL_ERROR;
	_cleanup_(OCSP_RESPONSEp) OCSP_RESPONSE *rsp =
	    OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	unsigned char *der = NULL;
	int n = rsp ? i2d_OCSP_RESPONSE(rsp, &der) : -1;
	uint8_t *copy = n > 0 ? malloc((size_t)n) : NULL;
	if (copy)
		memcpy(copy, der, (size_t)n);
	OPENSSL_free(der);
	if (!copy)
		return JPKI_OCSP_INTERNAL_ERROR;
	*out = copy;
	*out_len = (size_t)n;
	return JPKI_OCSP_SUCCESSFUL;
}

static bool etag_of(const uint8_t *der, size_t len, char etag[44])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(der, len, md, &n, EVP_sha1(), NULL) != 1 || n != 20)
		return false;
	etag[0] = '"';
	jpki_hex_encode(md, n, etag + 1);
	etag[41] = '"';
	etag[42] = '\0';
	return true;
}

/* ---- answering ---- */

/* The cache key: the CertID as DER (n <= OCSP_CACHE_KEY_MAX), or 0 when it does not fit. */
static size_t cache_key(OCSP_CERTID *cid, uint8_t key[OCSP_CACHE_KEY_MAX])
{
	int n = i2d_OCSP_CERTID(cid, NULL);
	unsigned char *w = key;
	if (n <= 0 || n > OCSP_CACHE_KEY_MAX || i2d_OCSP_CERTID(cid, &w) != n)
		return 0;
	return (size_t)n;
}

static enum jpki_ocsp_status answer(struct jpki_ocsp *o, const struct parsed *p, int64_t now,
                                    uint8_t **out, size_t *out_len, struct jpki_ocsp_meta *m)
{
	const struct jpki_responder *r = responder_for(o, p->ca, now);
	const struct single *s = &p->s[0];
	struct ocsp_cached info = {.cert_status = s->cert_status,
	                           .revoked_at = s->revoked_at,
	                           .reason = s->reason,
	                           .responder = r};
	uint8_t key[OCSP_CACHE_KEY_MAX];
	size_t key_len = !p->nonce && p->n == 1 ? cache_key(s->cid, key) : 0;
	if (key_len > 0) {
		int hit = ocsp_cache_get(o->cache, key, key_len, &info, now, out, out_len, &info);
		if (hit < 0)
			return JPKI_OCSP_INTERNAL_ERROR;
		m->from_cache = hit == 1;
	}
	if (!m->from_cache) {
		enum jpki_ocsp_status st = sign(o, p, r, now, out, out_len);
		if (st != JPKI_OCSP_SUCCESSFUL)
			return st;
		info.this_update = info.produced_at = now;
		info.next_update = now + o->validity;
		info.fresh_until = info.next_update - o->validity / 2;
		if (!etag_of(*out, *out_len, info.etag)) {
			free(*out);
			return JPKI_OCSP_INTERNAL_ERROR;
		}
		if (key_len > 0) /* a failed insert only costs a later signature */
			(void)ocsp_cache_put(o->cache, key, key_len, &info, *out, *out_len);
	}
	m->cacheable = !p->nonce;
	m->this_update = info.this_update;
	m->next_update = info.next_update;
	m->produced_at = info.produced_at;
	memcpy(m->etag, info.etag, sizeof(m->etag));
	return JPKI_OCSP_SUCCESSFUL;
}

int jpki_ocsp_respond(struct jpki_ocsp *o, const uint8_t *req, size_t len, int64_t now,
                      uint8_t **resp, size_t *resp_len, struct jpki_ocsp_meta *meta)
{
	struct jpki_ocsp_meta m;
	struct parsed p;
	memset(&m, 0, sizeof(m));
	memset(&p, 0, sizeof(p));
	enum jpki_ocsp_status st = parse(o, req, len, &p);
	for (int i = 0; i < p.n && st == JPKI_OCSP_SUCCESSFUL; i++)
		st = look_up(o, p.ca, &p.s[i]);
	if (st == JPKI_OCSP_SUCCESSFUL)
		st = answer(o, &p, now, resp, resp_len, &m);
	OCSP_REQUEST_free(p.req);
	ERR_clear_error(); /* refused input leaves nothing queued for the next request */
	if (st != JPKI_OCSP_SUCCESSFUL) {
		memset(&m, 0, sizeof(m));
		if (!(*resp = jpki_ocsp_error_response(st, resp_len)))
			return -JPKI_E_NOMEM;
	}
	m.status = st;
	if (meta)
		*meta = m;
	return 0;
}
