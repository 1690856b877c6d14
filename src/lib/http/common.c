/*
 * common.c: HTTP dates, text answers, conditional GET (common.h).
 */
#include <string.h>
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
