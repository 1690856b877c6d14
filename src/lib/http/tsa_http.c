/*
 * tsa_http.c: POST /tsa (RFC 3161 §3.4).
 *
 * Refused on the headers, before a body byte is read: another method (405),
 * another Content-Type (415), a Content-Length over JPKI_TSA_REQUEST_MAX
 * (413).  A body without a length that grows past the cap, or that takes
 * over 10 seconds, closes the connection.  The request's bytes go to the
 * TSA as they are: a malformed one is answered 200 with a rejection
 * (RFC 3161 §2.4.2); our own failure (the registry, the signature) is 500.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tsa_http.h"

#define CT_QUERY "application/timestamp-query"
#define CT_REPLY "application/timestamp-reply"
#define BODY_SECONDS 10

const char jpki_tsa_http_owner = 't';

struct jpki_tsa_http {
	struct jpki_tsa *tsa;
	struct jpki_store *st;
	const struct jpki_ctx *ctx;
	pthread_mutex_t lock; /* one token at a time: the TSA's state and the serials */
};

struct tsa_post {
	const void *owner; /* &jpki_tsa_http_owner, first */
	uint8_t buf[JPKI_TSA_REQUEST_MAX];
	size_t len;
	int64_t started;
};

bool jpki_tsa_http_route(const char *url)
{
	return strcmp(url, "/tsa") == 0;
}

int jpki_tsa_http_new(struct jpki_tsa *tsa, struct jpki_store *st, const struct jpki_ctx *ctx,
                      struct jpki_tsa_http **ret, struct jpki_err *err)
{
	struct jpki_tsa_http *h = calloc(1, sizeof(*h));
	if (!h || pthread_mutex_init(&h->lock, NULL) != 0) {
		free(h);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	h->tsa = tsa;
	h->st = st;
	h->ctx = ctx;
	*ret = h;
	return 0;
}

void jpki_tsa_http_free(struct jpki_tsa_http *h)
{
	if (!h)
		return;
	jpki_tsa_free(h->tsa);
	jpki_store_close(h->st);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void jpki_tsa_http_completed(void *con_cls)
{
	free(con_cls);
}

static enum MHD_Result start(struct MHD_Connection *conn, const char *method, void **con_cls)
{
	enum MHD_Result refused;
	if (jpki_http_post_refused(conn, method, CT_QUERY, JPKI_TSA_REQUEST_MAX, &refused))
		return refused;
	struct tsa_post *p = calloc(1, sizeof(*p));
	if (!p)
		return MHD_NO;
	p->owner = &jpki_tsa_http_owner;
	p->started = jpki_http_mono_seconds();
	*con_cls = p;
	return MHD_YES;
}

static enum MHD_Result answer(struct jpki_tsa_http *h, struct MHD_Connection *conn,
                              const struct tsa_post *p)
{
	struct jpki_err err;
	int64_t now;
	uint8_t *der = NULL;
	size_t len = 0;
	pthread_mutex_lock(&h->lock);
	int rc = jpki_ctx_now(h->ctx, &now, &err);
	if (rc == 0)
		rc = jpki_tsa_respond(h->tsa, now, p->buf, p->len, &der, &len, &err);
	pthread_mutex_unlock(&h->lock);
	if (rc < 0)
		return jpki_http_error(conn, err.code, "the time-stamping authority failed\n");
	struct MHD_Response *r = MHD_create_response_from_buffer(len, der, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(der);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_REPLY);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result jpki_tsa_http(struct jpki_tsa_http *h, struct MHD_Connection *conn,
                              const char *method, const char *upload, size_t *upload_size,
                              void **con_cls)
{
	if (*con_cls == NULL)
		return start(conn, method, con_cls);
	struct tsa_post *p = *con_cls;
	if (*upload_size > 0) {
		size_t n = *upload_size;
		if (n > sizeof(p->buf) - p->len ||
		    jpki_http_mono_seconds() - p->started > BODY_SECONDS)
			return MHD_NO; /* past the cap without a length, or trickled: close */
		memcpy(p->buf + p->len, upload, n);
		p->len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	return answer(h, conn, p);
}
