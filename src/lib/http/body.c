/* body.c: request bodies of the JSON routes, and JSON answers (body.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "body.h"
#include "common.h"

enum MHD_Result jpki_http_body_start(struct MHD_Connection *conn, const char *method,
                                     const char *type, size_t max, const void *owner,
                                     void **con_cls)
{
	enum MHD_Result refused;
	if (jpki_http_post_refused(conn, method, type, max, &refused))
		return refused;
	struct jpki_http_body *b = calloc(1, sizeof(*b));
	if (!b)
		return MHD_NO;
	b->owner = owner;
	b->max = max;
	b->started = jpki_http_mono_seconds();
	*con_cls = b;
	return MHD_YES;
}

static bool append(struct jpki_http_body *b, const char *data, size_t n)
{
	if (n > b->max - b->len)
		return false;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *grown =
		    malloc(cap); /* not realloc: the old block is wiped, not left behind */
		if (!grown)
			return false;
		if (b->buf) {
			memcpy(grown, b->buf, b->len);
			OPENSSL_cleanse(b->buf, b->cap);
			free(b->buf);
		}
		b->buf = grown, b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return true;
}

int jpki_http_body_feed(struct jpki_http_body *b, const char *upload, size_t *upload_size)
{
	if (*upload_size == 0)
		return 1;
	if (jpki_http_mono_seconds() - b->started > JPKI_HTTP_BODY_SECONDS ||
	    !append(b, upload, *upload_size))
		return -1; /* past the cap without a length, or trickled */
	*upload_size = 0;
	return 0;
}

void jpki_http_body_free(void *con_cls)
{
	struct jpki_http_body *b = con_cls;
	if (b && b->buf) /* a body may hold a password or PINs */
		OPENSSL_cleanse(b->buf, b->cap);
	if (b)
		free(b->buf);
	free(b);
}

enum MHD_Result jpki_http_json(struct MHD_Connection *conn, unsigned status, json_t *o)
{
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return jpki_http_json_text(conn, status, body);
}

enum MHD_Result jpki_http_json_text(struct MHD_Connection *conn, unsigned status, char *body)
{
	return jpki_http_json_header(conn, status, body, NULL, NULL);
}

enum MHD_Result jpki_http_json_header(struct MHD_Connection *conn, unsigned status, char *body,
                                      const char *name, const char *value)
{
	if (!body)
		return MHD_NO;
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (name)
		MHD_add_response_header(r, name, value);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result jpki_http_json_error(struct MHD_Connection *conn, unsigned status, const char *why)
{
	return jpki_http_json(conn, status, json_pack("{s:s}", "error", why));
}
