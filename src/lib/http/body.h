/*
 * body.h: a POST route's request body, gathered piece by piece under a cap
 * and a deadline (the JSON routes: /verify, /link/..., /demo/portal/...),
 * and a JSON answer.
 */
#ifndef JPKI_HTTP_BODY_H
#define JPKI_HTTP_BODY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#define JPKI_HTTP_BODY_SECONDS 30 /* a body that takes longer closes the connection */

struct jpki_http_body {
	const void *owner; /* the route's tag, first (publish.c's completed() reads it) */
	uint8_t *buf;
	size_t len, cap, max;
	int64_t started;
};

/*
 * The first call of the route: refuses on the headers (jpki_http_post_refused)
 * or sets *con_cls to a new body owned by `owner`.
 */
enum MHD_Result jpki_http_body_start(struct MHD_Connection *conn, const char *method,
                                     const char *type, size_t max, const void *owner,
                                     void **con_cls);
/*
 * A later call: 1 when the whole body is in (answer now), 0 when a piece was
 * taken (return MHD_YES), -1 when it is past the cap or the deadline (return
 * MHD_NO: the connection closes).
 */
int jpki_http_body_feed(struct jpki_http_body *b, const char *upload, size_t *upload_size);
void jpki_http_body_free(void *con_cls);

/* Answer with o as JSON (o's reference is taken), Cache-Control no-store. */
enum MHD_Result jpki_http_json(struct MHD_Connection *conn, unsigned status, json_t *o);
/* The same with JSON text already made (malloc'd; taken, NULL: fails). */
enum MHD_Result jpki_http_json_text(struct MHD_Connection *conn, unsigned status, char *body);
/* The same with one more header (name NULL: none). */
enum MHD_Result jpki_http_json_header(struct MHD_Connection *conn, unsigned status, char *body,
                                      const char *name, const char *value);
/* {"error": why} with status. */
enum MHD_Result jpki_http_json_error(struct MHD_Connection *conn, unsigned status, const char *why);

#endif
