/*
 * crl_refresh.c: the refresh thread of the CRL cache (crl_http.h): every
 * interval, or at once when kicked (SIGHUP), jpki_crl_http_refresh_due with
 * a registry connection of its own.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "crl_cache.h"

static void *refresh_main(void *arg)
{
	struct jpki_crl_http *h = arg;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	pthread_mutex_lock(&h->tlock);
	while (!h->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)h->interval;
		while (!h->stopping && !h->kicked &&
		       pthread_cond_timedwait(&h->tcond, &h->tlock, &until) != ETIMEDOUT)
			;
		if (h->stopping)
			break;
		bool force = h->kicked;
		h->kicked = false;
		pthread_mutex_unlock(&h->tlock);
		int64_t now;
		int rc = st ? 0 : jpki_store_open_default(h->cas[0]->ctx, &st, &err);
		if (rc == 0 && (rc = jpki_ctx_now(h->cas[0]->ctx, &now, &err)) == 0)
			rc = jpki_crl_http_refresh_due(h, st, now, force, &err);
		if (rc < 0) { /* the previous CRLs stay served; try again next time */
			jpki_ctx_log(h->cas[0]->ctx, "warning", "CRL refresh: %s", err.msg);
			jpki_store_close(st); /* reopened next time */
			st = NULL;
		}
		pthread_mutex_lock(&h->tlock);
	}
	pthread_mutex_unlock(&h->tlock);
	jpki_store_close(st);
	return NULL;
}

int jpki_crl_http_start_refresh(struct jpki_crl_http *h, int64_t interval, struct jpki_err *err)
{
	if (interval < 1)
		return jpki_fail(err, JPKI_E_INVALID, "the CRL refresh interval must be >= 1 s");
	h->interval = interval;
	h->stopping = h->kicked = false;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&h->tcond);
	pthread_cond_init(&h->tcond, &ca);
	pthread_condattr_destroy(&ca);
	int e = pthread_create(&h->thread, NULL, refresh_main, h);
	if (e != 0)
		return jpki_fail(err, JPKI_E_IO, "cannot start the CRL refresh thread: %s",
		                 strerror(e));
	h->running = true;
	return 0;
}

void jpki_crl_http_kick(struct jpki_crl_http *h)
{
	pthread_mutex_lock(&h->tlock);
	h->kicked = true;
	pthread_cond_signal(&h->tcond);
	pthread_mutex_unlock(&h->tlock);
}

void jpki_crl_http_stop_refresh(struct jpki_crl_http *h)
{
	if (!h->running)
		return;
	pthread_mutex_lock(&h->tlock);
	__atomic_store_n(&h->stopping, true, __ATOMIC_RELEASE);
	pthread_cond_signal(&h->tcond);
	pthread_mutex_unlock(&h->tlock);
	pthread_join(h->thread, NULL);
	h->running = false;
}
