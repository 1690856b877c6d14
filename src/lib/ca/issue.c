/*
 * issue.c: from a request to a recorded certificate.
 *
 * Issuance is split into three steps so that bulk issuance can sign in
 * parallel while every decision is still taken under the registry's write
 * lock: plan (read the registry, apply the rules), sign (pure, any
 * thread), record (insert, supersede).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "core/hex.h"
#include "core/ossl.h"
#include "issue.h"
#include "profile.h"
#include "pubkey.h"

struct planned {
	struct jpki_cert_plan plan;
	const struct jpki_issue_req *req;
	EVP_PKEY *owned_key; /* parsed from req->key_bytes on the signing thread */
	struct jpki_resident resident;
	bool renewal;
	char supersede[JPKI_SERIAL_HEX_MAX];
};

void jpki_issued_clear(struct jpki_issued *out)
{
	if (!out)
		return;
	jpki_cert_rec_clear(&out->rec);
}

/* Rules E2, C4, N1, X1: everything decided before signing. */
static int plan_one(struct jpki_store *st, const struct jpki_issue_req *req, struct planned *pl,
                    enum jpki_validity_cap *cap, struct jpki_err *err)
{
	struct jpki_resident *r = &pl->resident;
	int rc = st->ops->resident_get(st, req->resident_id, r, err);
	if (rc < 0)
		return rc;
	if (r->status != JPKI_RESIDENT)
		return jpki_fail(err, JPKI_E_NOT_ELIGIBLE,
		                 "resident %lld is %s: only registered residents are issued "
		                 "certificates (rule E1)",
		                 (long long)r->id, jpki_residence_name(r->status));
	struct jpki_date today = jpki_jst_date(req->now);
	if (req->kind == JPKI_KIND_SIGN && jpki_age_on(r->birth, today) < 15)
		return jpki_fail(err, JPKI_E_NOT_ELIGIBLE,
		                 "rule E2: no signature certificate for a person under 15 "
		                 "(resident %lld is %d)",
		                 (long long)r->id, jpki_age_on(r->birth, today));
	if (req->kind == JPKI_KIND_SIGN && r->adult_ward)
		return jpki_fail(err, JPKI_E_NOT_ELIGIBLE,
		                 "rule E2: no signature certificate for an adult ward");

	struct jpki_validity_req v = {
	    .kind = req->kind,
	    .now = req->now,
	    .birth = r->birth,
	    .has_card_expiry = req->has_card_expiry,
	    .card_expiry = req->card_expiry,
	    .has_residence_end = r->has_residence_end,
	    .residence_end = r->residence_end,
	};
	struct jpki_cert_rec cur;
	pl->supersede[0] = '\0';
	rc = st->ops->cert_current(st, r->id, req->kind, req->now, &cur, err);
	if (rc == 0) {
		v.renewal = jpki_in_renewal_window(req->now, cur.not_after); /* rule N1 */
		memcpy(pl->supersede, cur.serial, sizeof(pl->supersede));    /* rule X1 */
	} else if (rc != -JPKI_E_NOT_FOUND) {
		return rc;
	}
	if (req->kind == JPKI_KIND_SIGN) {
		rc = st->ops->cert_current(st, r->id, JPKI_KIND_AUTH, req->now, &cur, err);
		if (rc == 0) {
			v.has_auth_cap = true;
			v.auth_not_after = cur.not_after;
		} else if (rc != -JPKI_E_NOT_FOUND) {
			return rc;
		}
	}
	jpki_err_clear(err);
	pl->renewal = v.renewal;
	pl->plan.kind = req->kind;
	pl->plan.resident = r;
	pl->plan.subject_key = req->subject_key;
	pl->req = req;
	pl->plan.not_before = req->now;
	if ((rc = jpki_validity_compute(&v, &pl->plan.not_after, cap, err)) < 0)
		return rc;
	return jpki_plan_randomize(&pl->plan, err);
}

static int sign_one(const struct jpki_ca *ca, struct planned *pl, struct jpki_issued *out,
                    struct jpki_err *err)
{
	struct jpki_cert_rec *rec = &out->rec;
	int rc;
	if (!pl->plan.subject_key) { /* bulk: parsing keys is parallel work too */
		if (!pl->req || !pl->req->key_bytes)
			return jpki_fail(err, JPKI_E_INVALID, "no subject public key");
		if ((rc = jpki_pubkey_parse(pl->req->key_bytes, pl->req->key_len, &pl->owned_key,
		                            err)) < 0)
			return rc;
		pl->plan.subject_key = pl->owned_key;
	}
	rc = jpki_profile_build(ca, &pl->plan, &rec->der, &rec->der_len, err);
	if (rc < 0)
		return rc;
	rec->crl_partition = jpki_crl_partition_of(pl->plan.serial);
	jpki_hex_encode(pl->plan.serial, sizeof(pl->plan.serial), rec->serial);
	rec->kind = pl->plan.kind;
	rec->resident_id = pl->resident.id;
	rec->not_before = pl->plan.not_before;
	rec->not_after = pl->plan.not_after;
	rec->issued_at = pl->plan.not_before;
	rec->status = JPKI_CERT_VALID;
	rec->renewal = pl->renewal;
	memcpy(rec->subject_cn, pl->plan.cn, sizeof(rec->subject_cn));
	return 0;
}

/* The DER SubjectPublicKeyInfo of a certificate; NULL when it does not parse. */
static X509_PUBKEY *cert_spki(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	_cleanup_(X509p) X509 *x = d2i_X509(NULL, &p, (long)len);
	return x ? X509_PUBKEY_dup(X509_get_X509_PUBKEY(x)) : NULL;
}

/* Rule X1's guard: the certificate to supersede must not be for the same key. */
static int check_new_key(struct jpki_store *st, const struct planned *pl,
                         const struct jpki_issued *out, struct jpki_err *err)
{
	struct jpki_cert_rec old;
	int rc = st->ops->cert_get(st, pl->supersede, true, &old, err);
	if (rc < 0)
		return rc;
	X509_PUBKEY *a = cert_spki(old.der, old.der_len),
	            *b = cert_spki(out->rec.der, out->rec.der_len);
	bool same = a && b && X509_PUBKEY_eq(a, b) == 1;
	X509_PUBKEY_free(a);
	X509_PUBKEY_free(b);
	jpki_cert_rec_clear(&old);
	ERR_clear_error();
	if (same)
		return jpki_fail(err, JPKI_E_EXISTS,
		                 "resident %lld already has the current %s certificate %s for this "
		                 "public key; nothing issued (to replace it anyway, ask for a "
		                 "replacement: --replace)",
		                 (long long)pl->resident.id, jpki_kind_name(pl->plan.kind),
		                 pl->supersede);
	return 0;
}

/* Insert, retrying with a fresh serial on a collision (88 random bits within one second
 * of issue time), then rule X1. */
static int record_one(struct jpki_store *st, const struct jpki_ca *ca, struct planned *pl,
                      struct jpki_issued *out, struct jpki_err *err)
{
	int rc;
	if (pl->supersede[0] && !(pl->req && pl->req->same_key_ok) &&
	    (rc = check_new_key(st, pl, out, err)) < 0)
		return rc;
	for (int attempt = 0;; attempt++) {
		rc = st->ops->cert_insert(st, &out->rec, err);
		if (rc != -JPKI_E_EXISTS || attempt == 3)
			break;
		jpki_issued_clear(out);
		if ((rc = jpki_plan_randomize(&pl->plan, err)) < 0 ||
		    (rc = sign_one(ca, pl, out, err)) < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (pl->supersede[0]) {
		rc = st->ops->cert_revoke(st, pl->supersede, pl->plan.not_before,
		                          JPKI_REASON_SUPERSEDED, err);
		if (rc < 0)
			return rc;
		memcpy(out->superseded, pl->supersede, sizeof(out->superseded));
	}
	return 0;
}

int jpki_issue(struct jpki_store *st, const struct jpki_ca *ca, const struct jpki_issue_req *req,
               struct jpki_issued *out, struct jpki_err *err)
{
	struct planned pl;
	memset(&pl, 0, sizeof(pl));
	memset(out, 0, sizeof(*out));
	if (!ca || ca->kind != req->kind)
		return jpki_fail(err, JPKI_E_INVALID, "wrong CA for a %s certificate",
		                 jpki_kind_name(req->kind));
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	if ((rc = plan_one(st, req, &pl, &out->cap, err)) < 0 ||
	    (rc = sign_one(ca, &pl, out, err)) < 0 ||
	    (rc = record_one(st, ca, &pl, out, err)) < 0 ||
	    (req->before_commit &&
	     (rc = req->before_commit(req->before_commit_arg, out, err)) < 0) ||
	    (rc = st->ops->commit(st, err)) < 0) {
		st->ops->rollback(st);
		jpki_issued_clear(out);
		return rc;
	}
	return 0;
}

/* ---- bulk ---- */

#define BULK_CHUNK 4096 /* one transaction (one WAL fsync) per 4096 certificates */

/*
 * A chunk is a pipeline: this thread plans request after request (reading
 * the registry under the write lock) and records each signed certificate
 * in order, while `threads` workers sign whatever is planned.  So the
 * registry work overlaps the RSA work instead of leaving cores idle.
 */
struct pipeline {
	struct jpki_ca *const *cas;
	struct planned *plans;
	struct jpki_issued *out;
	bool *is_signed;
	size_t n, planned, next;
	pthread_mutex_t lock;
	pthread_cond_t more_planned, more_signed;
};

static void *bulk_worker(void *arg)
{
	struct pipeline *pl = arg;
	pthread_mutex_lock(&pl->lock);
	for (;;) {
		while (pl->next >= pl->planned && pl->planned < pl->n)
			pthread_cond_wait(&pl->more_planned, &pl->lock);
		if (pl->next >= pl->n)
			break;
		size_t i = pl->next++;
		pthread_mutex_unlock(&pl->lock);
		struct jpki_issued *o = &pl->out[i];
		struct planned *p = &pl->plans[i];
		if (o->rc == 0)
			o->rc = sign_one(pl->cas[p->plan.kind], p, o, &o->err);
		EVP_PKEY_free(p->owned_key);
		p->owned_key = NULL;
		pthread_mutex_lock(&pl->lock);
		pl->is_signed[i] = true;
		pthread_cond_broadcast(&pl->more_signed);
	}
	pthread_mutex_unlock(&pl->lock);
	ERR_clear_error(); /* this thread's queue; nothing must outlive it */
	jpki_profile_thread_done();
	return NULL;
}

static void publish_planned(struct pipeline *pl, size_t planned)
{
	pthread_mutex_lock(&pl->lock);
	pl->planned = planned;
	pthread_cond_broadcast(&pl->more_planned);
	pthread_mutex_unlock(&pl->lock);
}

static void wait_signed(struct pipeline *pl, size_t i)
{
	pthread_mutex_lock(&pl->lock);
	while (!pl->is_signed[i])
		pthread_cond_wait(&pl->more_signed, &pl->lock);
	pthread_mutex_unlock(&pl->lock);
}

/* (resident, kind) pairs already asked for in this chunk: open addressing. */
#define SEEN_SLOTS (2 * BULK_CHUNK)

static bool seen_before(int64_t *seen, const struct jpki_issue_req *r)
{
	int64_t key = r->resident_id * 2 + (int64_t)r->kind + 1; /* never 0 */
	size_t h = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15u >> 40) % SEEN_SLOTS;
	while (seen[h] != 0) {
		if (seen[h] == key)
			return true;
		h = (h + 1) % SEEN_SLOTS;
	}
	seen[h] = key;
	return false;
}

static void plan_request(struct jpki_store *st, struct jpki_ca *const cas[2],
                         const struct jpki_issue_req *req, int64_t *seen, struct planned *p,
                         struct jpki_issued *o)
{
	memset(o, 0, sizeof(*o));
	memset(p, 0, sizeof(*p));
	if (!cas[req->kind])
		o->rc = jpki_fail(&o->err, JPKI_E_INVALID, "no %s CA loaded",
		                  jpki_kind_name(req->kind));
	else if (seen_before(seen, req))
		o->rc = jpki_fail(&o->err, JPKI_E_INVALID,
		                  "resident %lld asks for two %s certificates in one batch",
		                  (long long)req->resident_id, jpki_kind_name(req->kind));
	else
		o->rc = plan_one(st, req, p, &o->cap, &o->err);
}

static long record_all(struct jpki_store *st, struct pipeline *pl, struct jpki_err *err)
{
	long issued = 0;
	for (size_t i = 0; i < pl->n; i++) {
		wait_signed(pl, i);
		struct jpki_issued *o = &pl->out[i];
		if (o->rc < 0)
			continue;
		o->rc = record_one(st, pl->cas[pl->plans[i].plan.kind], &pl->plans[i], o, &o->err);
		if (o->rc == -JPKI_E_STORE) {
			*err = o->err;
			return -JPKI_E_STORE;
		}
		if (o->rc == 0)
			issued++;
	}
	return issued;
}

struct chunk_mem {
	struct planned *plans;
	bool *is_signed;
	int64_t *seen;
};

static long bulk_chunk(struct jpki_store *st, struct jpki_ca *const cas[2],
                       const struct jpki_issue_req *reqs, size_t n, unsigned threads,
                       struct jpki_issued *out, struct chunk_mem *mem, struct jpki_err *err)
{
	struct pipeline pl = {
	    .cas = cas, .plans = mem->plans, .out = out, .is_signed = mem->is_signed, .n = n};
	pthread_t tid[16];
	unsigned started = 0;
	memset(mem->is_signed, 0, n * sizeof(bool));
	memset(mem->seen, 0, SEEN_SLOTS * sizeof(int64_t));
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.more_planned, NULL);
	pthread_cond_init(&pl.more_signed, NULL);
	for (unsigned t = 0; t < threads && t < 16; t++)
		if (pthread_create(&tid[started], NULL, bulk_worker, &pl) == 0)
			started++;
	for (size_t i = 0; i < n; i++) {
		plan_request(st, cas, &reqs[i], mem->seen, &mem->plans[i], &out[i]);
		if (started > 0 && (i % 8 == 7 || i + 1 == n))
			publish_planned(&pl, i + 1);
	}
	if (started == 0) { /* no thread could start: sign here */
		publish_planned(&pl, n);
		bulk_worker(&pl);
	}
	long issued = record_all(st, &pl, err);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_cond_destroy(&pl.more_signed);
	pthread_cond_destroy(&pl.more_planned);
	pthread_mutex_destroy(&pl.lock);
	for (size_t i = 0; i < n; i++) { /* keys of requests never signed (a store failure) */
		EVP_PKEY_free(mem->plans[i].owned_key);
		mem->plans[i].owned_key = NULL;
	}
	if (issued < 0 || (rc = st->ops->commit(st, err)) < 0) {
		st->ops->rollback(st);
		return issued < 0 ? issued : rc;
	}
	return issued;
}

long jpki_issue_bulk(struct jpki_store *st, struct jpki_ca *const cas[2],
                     const struct jpki_issue_req *reqs, size_t n, unsigned threads,
                     struct jpki_issued *out, struct jpki_err *err)
{
	struct chunk_mem mem = {calloc(BULK_CHUNK, sizeof(struct planned)),
	                        calloc(BULK_CHUNK, sizeof(bool)),
	                        calloc(SEEN_SLOTS, sizeof(int64_t))};
	long total = 0;
	if (!mem.plans || !mem.is_signed || !mem.seen)
		total = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	for (size_t at = 0; total >= 0 && at < n; at += BULK_CHUNK) {
		size_t m = n - at < BULK_CHUNK ? n - at : BULK_CHUNK;
		long got =
		    bulk_chunk(st, cas, reqs + at, m, threads ? threads : 1, out + at, &mem, err);
		total = got < 0 ? got : total + got;
	}
	free(mem.plans);
	free(mem.is_signed);
	free(mem.seen);
	return total;
}
