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
		memcpy(pl->supersede, cur.serial, sizeof(pl->supersede));  /* rule X1 */
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

/* Insert, retrying with a fresh serial on the (2^-127-rare) collision, then rule X1. */
static int record_one(struct jpki_store *st, const struct jpki_ca *ca, struct planned *pl,
		      struct jpki_issued *out, struct jpki_err *err)
{
	int rc;
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
	    (rc = sign_one(ca, &pl, out, err)) < 0 || (rc = record_one(st, ca, &pl, out, err)) < 0 ||
	    (rc = st->ops->commit(st, err)) < 0) {
		st->ops->rollback(st);
		jpki_issued_clear(out);
		return rc;
	}
	return 0;
}

/* ---- bulk ---- */

#define BULK_CHUNK 512

struct bulk_job {
	struct jpki_ca *const *cas;
	struct planned *plans;
	struct jpki_issued *out;
	size_t n;
	unsigned stride, first;
};

static void *bulk_worker(void *arg)
{
	struct bulk_job *job = arg;
	for (size_t i = job->first; i < job->n; i += job->stride) {
		struct jpki_issued *o = &job->out[i];
		if (o->rc < 0)
			continue;
		o->rc = sign_one(job->cas[job->plans[i].plan.kind], &job->plans[i], o, &o->err);
		EVP_PKEY_free(job->plans[i].owned_key);
		job->plans[i].owned_key = NULL;
	}
	ERR_clear_error(); /* this thread's queue; nothing must outlive it */
	return NULL;
}

static void sign_parallel(const struct bulk_job *base, unsigned threads)
{
	pthread_t tid[16];
	bool started[16] = {false};
	struct bulk_job jobs[16];
	if (threads > 16)
		threads = 16;
	for (unsigned t = 0; t < threads; t++) {
		jobs[t] = *base;
		jobs[t].stride = threads;
		jobs[t].first = t;
	}
	for (unsigned t = 1; t < threads; t++)
		started[t] = pthread_create(&tid[t], NULL, bulk_worker, &jobs[t]) == 0;
	for (unsigned t = 0; t < threads; t++) /* ours, and any share a thread could not take */
		if (!started[t])
			bulk_worker(&jobs[t]);
	for (unsigned t = 1; t < threads; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
}

static bool duplicate_in_chunk(const struct jpki_issue_req *reqs, size_t i, size_t from)
{
	for (size_t j = from; j < i; j++)
		if (reqs[j].resident_id == reqs[i].resident_id && reqs[j].kind == reqs[i].kind)
			return true;
	return false;
}

static long bulk_chunk(struct jpki_store *st, struct jpki_ca *const cas[2],
		       const struct jpki_issue_req *reqs, size_t n, unsigned threads,
		       struct jpki_issued *out, struct planned *plans, struct jpki_err *err)
{
	long issued = 0;
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct jpki_issued *o = &out[i];
		memset(o, 0, sizeof(*o));
		memset(&plans[i], 0, sizeof(plans[i]));
		if (!cas[reqs[i].kind])
			o->rc = jpki_fail(&o->err, JPKI_E_INVALID, "no %s CA loaded",
					  jpki_kind_name(reqs[i].kind));
		else if (duplicate_in_chunk(reqs, i, 0))
			o->rc = jpki_fail(&o->err, JPKI_E_INVALID,
					  "resident %lld asks for two %s certificates in one batch",
					  (long long)reqs[i].resident_id,
					  jpki_kind_name(reqs[i].kind));
		else
			o->rc = plan_one(st, &reqs[i], &plans[i], &o->cap, &o->err);
	}
	struct bulk_job job = {cas, plans, out, n, 1, 0};
	sign_parallel(&job, threads ? threads : 1);
	for (size_t i = 0; i < n; i++) {
		struct jpki_issued *o = &out[i];
		if (o->rc < 0)
			continue;
		o->rc = record_one(st, cas[plans[i].plan.kind], &plans[i], o, &o->err);
		if (o->rc == -JPKI_E_STORE) {
			*err = o->err;
			st->ops->rollback(st);
			return -JPKI_E_STORE;
		}
		if (o->rc == 0)
			issued++;
	}
	if ((rc = st->ops->commit(st, err)) < 0) {
		st->ops->rollback(st);
		return rc;
	}
	return issued;
}

long jpki_issue_bulk(struct jpki_store *st, struct jpki_ca *const cas[2],
		     const struct jpki_issue_req *reqs, size_t n, unsigned threads,
		     struct jpki_issued *out, struct jpki_err *err)
{
	struct planned *plans = calloc(BULK_CHUNK, sizeof(*plans));
	long total = 0;
	if (!plans)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	for (size_t at = 0; at < n; at += BULK_CHUNK) {
		size_t m = n - at < BULK_CHUNK ? n - at : BULK_CHUNK;
		long got = bulk_chunk(st, cas, reqs + at, m, threads, out + at, plans, err);
		if (got < 0) {
			free(plans);
			return got;
		}
		total += got;
	}
	free(plans);
	return total;
}
