/*
 * ocsp_http.c: the HTTP side of the OCSP responder (ocsp_http.h).
 *
 * libmicrohttpd calls the access handler once with the headers, then once
 * per piece of body, then once more with none.  A POST is refused on the
 * first call when its headers already say it is wrong (method, path,
 * Content-Type, Content-Length over the cap): no body is read then.  A
 * body without a length (chunked) that grows past the cap closes the
 * connection.  The body is gathered in a buffer owned by *con_cls, freed by
 * jpki_ocsp_http_completed().  GET and HEAD are answered on the last call
 * too: libmicrohttpd closes the connection after a response queued before
 * the request was read to its end, and keep-alive is what makes GET fast.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common.h"
#include "core/cursor.h"
#include "core/hex.h"
#include "ocsp_http.h"

#define CT_REQUEST "application/ocsp-request"
#define CT_RESPONSE "application/ocsp-response"

struct post_state {
	const void *owner; /* first, as every route's *con_cls (publish.c): &jpki_ocsp_http_owner */
	uint8_t *buf;
	size_t len, cap;
	time_t started; /* the body must be in within POST_BODY_SECONDS */
};

#define POST_BODY_SECONDS 10

bool jpki_ocsp_http_route(const char *url)
{
	return strncmp(url, "/ocsp", 5) == 0 && (url[5] == '\0' || url[5] == '/');
}

const char jpki_ocsp_http_owner = 'o';

/* *con_cls of a GET or HEAD between its first and its last call */
static const void *get_pending = &jpki_ocsp_http_owner;

void jpki_ocsp_http_completed(void *con_cls)
{
	struct post_state *st = con_cls;
	if (!st || con_cls == &get_pending)
		return;
	free(st->buf);
	free(st);
}

/* ---- base64 of GET requests ---- */

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-' || c == ' ')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* The next character with one level of %XX undone; -1 at a bad escape or the end. */
static int next_char(struct jpki_cur *c)
{
	uint8_t ch, h, l;
	if (!jpki_cur_u8(c, &ch))
		return -1;
	if (ch != '%')
		return ch;
	if (!jpki_cur_u8(c, &h) || !jpki_cur_u8(c, &l) || jpki_hex_digit(h) < 0 ||
	    jpki_hex_digit(l) < 0)
		return -1;
	return jpki_hex_digit(h) * 16 + jpki_hex_digit(l);
}

int jpki_ocsp_http_decode(const char *s, uint8_t *out, size_t cap, size_t *ret_len)
{
	uint32_t acc = 0;
	size_t n = 0, pad = 0, sextets = 0;
	struct jpki_cur cur = jpki_cur_make(s, strlen(s));
	while (!jpki_cur_done(&cur)) {
		int c = next_char(&cur);
		if (c < 0)
			return -1;
		if (c == '=') { /* padding: only at the end */
			pad++;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || pad > 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		if (++sextets % 4 == 0) {
			if (n + 3 > cap)
				return -1;
			out[n++] = (uint8_t)(acc >> 16);
			out[n++] = (uint8_t)(acc >> 8);
			out[n++] = (uint8_t)acc;
			acc = 0;
		}
	}
	size_t rem = sextets % 4;
	if (rem == 1 || pad > 2 || (pad > 0 && (rem + pad) % 4 != 0))
		return -1;
	if (rem > 0) { /* 2 or 3 sextets: 1 or 2 bytes; the unused bits must be 0 */
		size_t bytes = rem - 1;
		acc <<= 6 * (4 - rem);
		if (n + bytes > cap || (acc & (bytes == 1 ? 0xFFFF : 0xFF)) != 0)
			return -1;
		out[n++] = (uint8_t)(acc >> 16);
		if (bytes == 2)
			out[n++] = (uint8_t)(acc >> 8);
	}
	*ret_len = n;
	return 0;
}

static time_t mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* ---- replies ---- */

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return status == MHD_HTTP_METHOD_NOT_ALLOWED
	           ? jpki_http_method_not_allowed(conn, "GET, HEAD, POST")
	           : jpki_http_text(conn, status, text);
}

/* RFC 5019 §6.2: caching headers of a successful response without a nonce */
static void caching_headers(struct MHD_Response *r, const struct jpki_ocsp_meta *m, int64_t now)
{
	char lm[64], exp[64], cc[128];
	int64_t age = m->next_update - now;
	jpki_http_date(m->this_update, lm);
	jpki_http_date(m->next_update, exp);
	snprintf(cc, sizeof(cc), "max-age=%lld, public, no-transform, must-revalidate",
	         (long long)(age > 0 ? age : 0));
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
	if (lm[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	if (exp[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_EXPIRES, exp);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, m->etag);
}

/* Answer der (taken, malloc'd) as an OCSP response. */
static enum MHD_Result reply_ocsp(struct MHD_Connection *conn, unsigned status, uint8_t *der,
                                  size_t len, const struct jpki_ocsp_meta *m, bool http_cache,
                                  int64_t now)
{
	bool cache = http_cache && m && m->cacheable && m->status == JPKI_OCSP_SUCCESSFUL;
	bool not_modified =
	    cache && jpki_http_not_modified(conn, m->etag, -1) /* RFC 5019: entity tags */;
	if (not_modified) {
		free(der);
		der = NULL;
		len = 0;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, der, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(der);
		return MHD_NO;
	}
	if (!not_modified)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_RESPONSE);
	if (cache)
		caching_headers(r, m, now);
	else
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret =
	    MHD_queue_response(conn, not_modified ? MHD_HTTP_NOT_MODIFIED : status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_status(struct MHD_Connection *conn, unsigned http,
                                    enum jpki_ocsp_status st)
{
	size_t len = 0;
	uint8_t *der = jpki_ocsp_error_response(st, &len);
	return der ? reply_ocsp(conn, http, der, len, NULL, false, 0) : MHD_NO;
}

static enum MHD_Result answer(struct jpki_ocsp *o, struct MHD_Connection *conn, const uint8_t *req,
                              size_t len, bool get, int64_t now)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	struct jpki_ocsp_meta m;
	if (jpki_ocsp_respond(o, req, len, now, &der, &der_len, &m) < 0) {
		/* no answer could be built, not even an error status (memory): close */
		jpki_ctx_log(jpki_ocsp_ctx(o), "warning",
		             "no memory to answer an OCSP request: connection closed");
		return MHD_NO;
	}
	return reply_ocsp(conn, MHD_HTTP_OK, der, der_len, &m, get, now);
}

/* ---- GET ---- */

static enum MHD_Result serve_get(struct jpki_ocsp *o, struct MHD_Connection *conn, const char *url,
                                 int64_t now)
{
	const char *rest = url + 5; /* after "/ocsp" */
	if (*rest == '/')
		rest++;
	if (strncmp(rest, "sign", 4) == 0 || strncmp(rest, "auth", 4) == 0) {
		if (rest[4] == '/' || rest[4] == '\0')
			rest += rest[4] ? 5 : 4;
	}
	uint8_t *req = malloc(JPKI_OCSP_REQ_MAX);
	size_t len = 0;
	if (!req)
		return MHD_NO;
	enum MHD_Result ret;
	if (jpki_ocsp_http_decode(rest, req, JPKI_OCSP_REQ_MAX, &len) < 0 || len == 0)
		ret = reply_status(conn, MHD_HTTP_OK, JPKI_OCSP_MALFORMED);
	else
		ret = answer(o, conn, req, len, true, now);
	free(req);
	return ret;
}

/* A GET must not carry a body: refused before it is read. */
static enum MHD_Result get_start(struct MHD_Connection *conn, void **con_cls)
{
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if ((cl && strcmp(cl, "0") != 0) ||
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return jpki_http_error(conn, JPKI_E_LIMIT, "no request body expected\n");
	*con_cls = &get_pending;
	return MHD_YES;
}

/* ---- POST ---- */

static bool post_path(const char *url)
{
	return strcmp(url, "/ocsp") == 0 || strcmp(url, "/ocsp/") == 0 ||
	       strcmp(url, "/ocsp/sign") == 0 || strcmp(url, "/ocsp/auth") == 0;
}

/* Content-Type absent or application/ocsp-request (parameters allowed). */
static bool post_type_ok(struct MHD_Connection *conn)
{
	const char *ct =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(CT_REQUEST);
	return !ct || (strncasecmp(ct, CT_REQUEST, n) == 0 &&
	               (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '));
}

/* Content-Length: -1 when absent, -2 when unreadable, else its value (capped). */
static long long content_length(struct MHD_Connection *conn)
{
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!cl)
		return -1;
	struct jpki_cur c = jpki_cur_make(cl, strlen(cl));
	uint64_t v;
	if (!jpki_cur_decimal(&c, JPKI_OCSP_REQ_MAX, &v) || !jpki_cur_done(&c))
		return -2; /* RFC 9110 §8.6: 1*DIGIT, nothing else */
	return (long long)v;
}

static enum MHD_Result post_start(struct MHD_Connection *conn, const char *url, void **con_cls)
{
	if (!post_path(url))
		return jpki_http_error(conn, JPKI_E_NOT_FOUND, "not found\n");
	if (!post_type_ok(conn))
		return reply_text(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		                  "Content-Type must be " CT_REQUEST "\n");
	long long cl = content_length(conn);
	if (cl == -2)
		return jpki_http_error(conn, JPKI_E_INVALID, "bad Content-Length\n");
	if (cl > JPKI_OCSP_REQ_MAX) /* refused before a byte of it is read */
		return reply_status(conn, MHD_HTTP_CONTENT_TOO_LARGE, JPKI_OCSP_MALFORMED);
	struct post_state *st = calloc(1, sizeof(*st));
	if (!st)
		return MHD_NO;
	st->owner = &jpki_ocsp_http_owner;
	st->cap = cl > 0 ? (size_t)cl : 1024;
	st->started = mono_seconds();
	if (!(st->buf = malloc(st->cap))) {
		free(st);
		return MHD_NO;
	}
	*con_cls = st;
	return MHD_YES;
}

static enum MHD_Result post_body(struct post_state *st, const char *upload, size_t *upload_size)
{
	size_t n = *upload_size;
	if (n > JPKI_OCSP_REQ_MAX - st->len)
		return MHD_NO; /* over the cap without a Content-Length: close */
	if (mono_seconds() - st->started > POST_BODY_SECONDS)
		return MHD_NO; /* a body trickled in byte by byte: close */
	if (st->len + n > st->cap) {
		size_t cap = st->cap;
		while (cap < st->len + n)
			cap *= 2;
		if (cap > JPKI_OCSP_REQ_MAX)
			cap = JPKI_OCSP_REQ_MAX;
		uint8_t *grown = realloc(st->buf, cap);
		if (!grown)
			return MHD_NO;
		st->buf = grown;
		st->cap = cap;
	}
	memcpy(st->buf + st->len, upload, n);
	st->len += n;
	*upload_size = 0;
	return MHD_YES;
}

enum MHD_Result jpki_ocsp_http(struct jpki_ocsp *o, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *upload, size_t *upload_size,
                               void **con_cls, int64_t now)
{
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	if (*con_cls == NULL) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
			return get_start(conn, con_cls);
		if (!post)
			return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD or POST\n");
		return post_start(conn, url, con_cls);
	}
	if (*con_cls == &get_pending)
		return *upload_size ? MHD_NO : serve_get(o, conn, url, now);
	struct post_state *st = *con_cls;
	if (*upload_size > 0)
		return post_body(st, upload, upload_size);
	return answer(o, conn, st->buf, st->len, false, now);
}

/* ---- one registry connection per server thread ---- */

struct jpki_ocsp_stores {
	const struct jpki_ctx *ctx; /* borrowed */
	char *spec;                 /* NULL: the data folder's registry */
	pthread_key_t key;
	pthread_mutex_t lock; /* guards all/n */
	struct jpki_store **all;
	size_t n;
};

int jpki_ocsp_stores_new(const struct jpki_ctx *ctx, const char *spec,
                         struct jpki_ocsp_stores **ret, struct jpki_err *err)
{
	struct jpki_ocsp_stores *s = calloc(1, sizeof(*s));
	if (!s || (spec && !(s->spec = strdup(spec)))) {
		free(s);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	if (pthread_key_create(&s->key, NULL) != 0) {
		free(s->spec);
		free(s);
		return jpki_fail(err, JPKI_E_NOMEM, "no thread-specific key left");
	}
	pthread_mutex_init(&s->lock, NULL);
	s->ctx = ctx;
	*ret = s;
	return 0;
}

void jpki_ocsp_stores_free(struct jpki_ocsp_stores *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		jpki_store_close(s->all[i]);
	free(s->all);
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->lock);
	free(s->spec);
	free(s);
}

static int thread_store(struct jpki_ocsp_stores *s, struct jpki_store **ret, struct jpki_err *err)
{
	struct jpki_store *st = pthread_getspecific(s->key);
	if (st) {
		*ret = st;
		return 0;
	}
	int rc = s->spec ? jpki_store_open(s->ctx, s->spec, &st, err)
	                 : jpki_store_open_default(s->ctx, &st, err);
	if (rc < 0)
		return rc;
	if (st->ops->tune_reader && (rc = st->ops->tune_reader(st, err)) < 0) {
		jpki_store_close(st);
		return rc;
	}
	pthread_mutex_lock(&s->lock);
	struct jpki_store **grown = realloc(s->all, (s->n + 1) * sizeof(*grown));
	if (grown) {
		s->all = grown;
		s->all[s->n++] = st;
	}
	pthread_mutex_unlock(&s->lock);
	if (!grown || pthread_setspecific(s->key, st) != 0) {
		if (!grown)
			jpki_store_close(st);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	*ret = st;
	return 0;
}

int jpki_ocsp_stores_lookup(void *arg, enum jpki_kind ca, const char *serial_hex,
                            struct jpki_cert_rec *out, struct jpki_err *err)
{
	struct jpki_store *st = NULL;
	int rc = thread_store(arg, &st, err);
	(void)ca; /* the caller compares the kind */
	return rc < 0 ? rc : st->ops->cert_get(st, serial_hex, false, out, err);
}
