/* counter_http.c: the counter terminal's files (counter_http.h). */
#include <string.h>

#include "common.h"
#include "counter_http.h"

#define BASE "/counter"

extern const unsigned char jpki_counter_index_html[], jpki_counter_app_js[],
    jpki_counter_style_css[];
extern const unsigned int jpki_counter_index_html_len, jpki_counter_app_js_len,
    jpki_counter_style_css_len;

/* No inline script or style, no other origin, no framing (issue #12 item 5). */
static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "connect-src 'self'; img-src 'self'; form-action 'self'; "
                          "frame-ancestors 'none'; base-uri 'none'";

bool jpki_counter_http_route(const char *url)
{
	return strcmp(url, BASE) == 0 || strncmp(url, BASE "/", sizeof(BASE)) == 0;
}

static enum MHD_Result send_file(struct MHD_Connection *conn, unsigned status, const char *type,
                                 const void *body, size_t len, const char *location)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	jpki_http_strict_headers(r, csp);
	if (location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result jpki_counter_http(struct MHD_Connection *conn, const char *url, const char *method)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return jpki_http_method_not_allowed(conn, "GET, HEAD");
	if (strcmp(url, BASE) == 0)
		return send_file(conn, MHD_HTTP_PERMANENT_REDIRECT, "text/plain", "", 0, BASE "/");
	if (strcmp(url, BASE "/") == 0)
		return send_file(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
		                 jpki_counter_index_html, jpki_counter_index_html_len, NULL);
	if (strcmp(url, BASE "/app.js") == 0)
		return send_file(conn, MHD_HTTP_OK, "text/javascript; charset=utf-8",
		                 jpki_counter_app_js, jpki_counter_app_js_len, NULL);
	if (strcmp(url, BASE "/style.css") == 0)
		return send_file(conn, MHD_HTTP_OK, "text/css; charset=utf-8",
		                 jpki_counter_style_css, jpki_counter_style_css_len, NULL);
	return send_file(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n", 10,
	                 NULL);
}
