/* witness.c: the published checkpoints of the audit log (witness.h). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "audit/signer.h"
#include "common.h"
#include "core/fsutil.h"
#include "sig/revinfo.h"
#include "store/store.h"
#include "witness.h"

struct jpki_witness {
	const struct jpki_ctx *ctx;
	const struct jpki_ca *ca;
	int64_t interval;
	struct jpki_audit_signer signer;
	pthread_t thread;
	pthread_mutex_t lock; /* the newest below, and the thread's stop */
	pthread_cond_t cond;
	bool stopping, running;
	uint64_t size; /* the newest checkpoint's tree size (0: none yet) */
	char *note;    /* the newest checkpoint */
	uint8_t *tst;  /* its token, or NULL when the TSA did not answer */
	size_t tst_len;
};

bool jpki_witness_route(const char *url)
{
	return strcmp(url, "/audit/checkpoint") == 0 || strcmp(url, "/audit/checkpoint.tsr") == 0;
}

/* The service's TSA's token over note (its SHA-256). */
static int stamp(struct jpki_witness *w, const char *note, uint8_t **tst, size_t *len,
                 struct jpki_err *err)
{
	char url[2048];
	uint8_t hash[32];
	unsigned int hl = sizeof(hash);
	snprintf(url, sizeof(url), "%s/tsa", jpki_ctx_base_url(w->ctx));
	STACK_OF(X509) *trusted = sk_X509_new_null(); /* borrows the CA's certificate */
	int rc = trusted && sk_X509_push(trusted, w->ca->cert)
	             ? 0
	             : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0 && EVP_Digest(note, strlen(note), hash, &hl, EVP_sha256(), NULL) != 1)
		rc = jpki_fail(err, JPKI_E_CRYPTO, "SHA-256");
	if (rc == 0)
		rc = jpki_timestamp_fetch(url, hash, trusted, tst, len, err);
	sk_X509_free(trusted);
	return rc;
}

/* Keep checkpoint size (and its token) in <data>/audit/checkpoints/. */
static int archive(struct jpki_witness *w, uint64_t size, const char *note, const uint8_t *tst,
                   size_t tst_len, struct jpki_err *err)
{
	char dir[4096], path[4200];
	snprintf(dir, sizeof(dir), "%s/audit/checkpoints", jpki_ctx_data_dir(w->ctx));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return jpki_fail(err, JPKI_E_IO, "cannot make %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%" PRIu64 ".txt", dir, size);
	int rc = jpki_write_file_atomic(path, note, strlen(note), 0644, err);
	if (rc == 0 && tst) {
		snprintf(path, sizeof(path), "%s/%" PRIu64 ".txt.tsr", dir, size);
		rc = jpki_write_file_atomic(path, tst, tst_len, 0644, err);
	}
	return rc;
}

/* One round: a checkpoint if the log grew, stamped, archived, published. */
static int round_once(struct jpki_witness *w, struct jpki_store *st, struct jpki_err *err)
{
	struct jpki_checkpoint cp;
	char *note = NULL;
	uint8_t *tst = NULL;
	size_t tst_len = 0;
	int rc = jpki_audit_checkpoint(st, &w->signer, &cp, &note, err);
	if (rc < 0 || cp.size == w->size || cp.size == 0) {
		free(note);
		return rc;
	}
	struct jpki_err terr;
	if (stamp(w, note, &tst, &tst_len, &terr) < 0) /* the checkpoint stands without it */
		jpki_ctx_log(w->ctx, "warning", "audit checkpoint %" PRIu64 ": no time-stamp: %s",
		             cp.size, terr.msg);
	rc = archive(w, cp.size, note, tst, tst_len, err);
	pthread_mutex_lock(&w->lock);
	free(w->note);
	free(w->tst);
	w->note = note, w->tst = tst, w->tst_len = tst_len;
	if (rc == 0) /* else archived at the next round */
		w->size = cp.size;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static void *witness_main(void *arg)
{
	struct jpki_witness *w = arg;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	pthread_mutex_lock(&w->lock);
	bool first = true;
	while (!w->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += first ? 1 : (time_t)w->interval; /* the first soon after start */
		first = false;
		while (!w->stopping &&
		       pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
			;
		if (w->stopping)
			break;
		pthread_mutex_unlock(&w->lock);
		int rc = st ? 0 : jpki_store_open_default(w->ctx, &st, &err);
		if (rc == 0)
			rc = round_once(w, st, &err);
		if (rc < 0) { /* the previous checkpoint stays published; try again next time */
			jpki_ctx_log(w->ctx, "warning", "audit checkpoint: %s", err.msg);
			jpki_store_close(st);
			st = NULL;
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	jpki_store_close(st);
	return NULL;
}

int jpki_witness_start(const struct jpki_ctx *ctx, const struct jpki_ca *sign_ca, int64_t interval,
                       struct jpki_witness **ret, struct jpki_err *err)
{
	if (interval < 1)
		return jpki_fail(err, JPKI_E_INVALID, "the checkpoint interval must be >= 1 s");
	struct jpki_witness *w = calloc(1, sizeof(*w));
	if (!w)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	w->ctx = ctx, w->ca = sign_ca, w->interval = interval;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	int rc = jpki_audit_signer_open(ctx, &w->signer, err);
	int e = rc == 0 ? pthread_create(&w->thread, NULL, witness_main, w) : 0;
	if (rc == 0 && e != 0)
		rc = jpki_fail(err, JPKI_E_IO, "cannot start the checkpoint thread: %s",
		               strerror(e));
	if (rc < 0) {
		jpki_witness_stop(w);
		return rc;
	}
	w->running = true;
	*ret = w;
	return 0;
}

void jpki_witness_stop(struct jpki_witness *w)
{
	if (!w)
		return;
	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	jpki_audit_signer_close(&w->signer);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->note);
	free(w->tst);
	free(w);
}

enum MHD_Result jpki_witness_http(struct jpki_witness *w, struct MHD_Connection *conn,
                                  const char *url)
{
	bool token = strcmp(url, "/audit/checkpoint.tsr") == 0;
	pthread_mutex_lock(&w->lock);
	const void *body = token ? (const void *)w->tst : (const void *)w->note;
	size_t len = token ? w->tst_len : w->note ? strlen(w->note) : 0;
	struct MHD_Response *r =
	    body ? MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY) : NULL;
	pthread_mutex_unlock(&w->lock);
	if (!body)
		return jpki_http_error(conn, JPKI_E_NOT_FOUND,
		                       token && w->note
		                           ? "the newest checkpoint has no time-stamp (the "
		                             "TSA did not answer)\n"
		                           : "no checkpoint yet\n");
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        token ? "application/octet-stream" : "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}
