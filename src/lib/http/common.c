/*
 * common.c: HTTP dates, text answers, conditional GET (common.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common.h"
#include "core/cursor.h"

void jpki_http_date(int64_t t, char buf[64])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(buf, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		buf[0] = '\0';
}

int64_t jpki_http_parse_date(const char *s)
{
	struct tm tm = {0};
	const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
	return end && *end == '\0' ? (int64_t)timegm(&tm) : -1;
}

static bool is_separator(uint8_t b)
{
	return b == ' ' || b == ',' || b == '\t';
}

bool jpki_http_etag_listed(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	if (!inm || n == 0)
		return false;
	struct jpki_cur c = jpki_cur_make(inm, strlen(inm));
	while (!jpki_cur_done(&c)) {
		uint8_t b;
		while (jpki_cur_peek(&c, &b) && is_separator(b))
			c.off++;
		if (jpki_cur_expect(&c, '*'))
			return true;
		size_t at = c.off;
		if (jpki_cur_expect(&c, 'W') && !jpki_cur_expect(&c, '/'))
			c.off = at;
		size_t from = c.off;
		while (jpki_cur_peek(&c, &b) && !is_separator(b))
			c.off++;
		if (c.off - from == n && memcmp(c.base + from, etag, n) == 0)
			return true;
	}
	return false;
}

bool jpki_http_not_modified(struct MHD_Connection *conn, const char *etag, int64_t last_modified)
{
	const char *inm =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm)
		return jpki_http_etag_listed(inm, etag);
	if (last_modified < 0)
		return false;
	const char *ims =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	int64_t since = ims ? jpki_http_parse_date(ims) : -1;
	return since >= 0 && since >= last_modified;
}

static enum MHD_Result text_with(struct MHD_Connection *conn, unsigned status, const char *msg,
                                 const char *allow)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result jpki_http_text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	return text_with(conn, status, msg, NULL);
}

enum MHD_Result jpki_http_error(struct MHD_Connection *conn, enum jpki_code code, const char *msg)
{
	return text_with(conn, (unsigned)jpki_code_http_status(code), msg, NULL);
}

enum MHD_Result jpki_http_method_not_allowed(struct MHD_Connection *conn, const char *allow)
{
	return text_with(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", allow);
}

int64_t jpki_http_mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static bool type_is(struct MHD_Connection *conn, const char *type)
{
	const char *ct =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(type);
	return ct && strncasecmp(ct, type, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

bool jpki_http_post_refused(struct MHD_Connection *conn, const char *method, const char *type,
                            uint64_t max, enum MHD_Result *ret)
{
	char msg[128];
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
		*ret = jpki_http_method_not_allowed(conn, "POST");
		return true;
	}
	if (!type_is(conn, type)) {
		snprintf(msg, sizeof(msg), "Content-Type must be %s\n", type);
		*ret = jpki_http_text(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, msg);
		return true;
	}
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!cl)
		return false;
	struct jpki_cur c = jpki_cur_make(cl, strlen(cl));
	uint64_t v;
	if (!jpki_cur_decimal(&c, max, &v) || !jpki_cur_done(&c)) {
		*ret = jpki_http_error(conn, JPKI_E_INVALID, "bad Content-Length\n");
		return true;
	}
	if (v > max) { /* refused before a byte of it is read */
		*ret = jpki_http_error(conn, JPKI_E_LIMIT, "the request is too large\n");
		return true;
	}
	return false;
}

void jpki_http_strict_headers(struct MHD_Response *r, const char *csp)
{
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}
