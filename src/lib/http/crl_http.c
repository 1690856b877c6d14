/*
 * crl_http.c: the CRL routes of `jpki serve` (crl_http.h), over the cache of
 * crl_cache.c: the path, the conditional GET, the caching headers, and the
 * CRL's bytes handed to libmicrohttpd with a reference on them.
 */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "core/cursor.h"
#include "crl_cache.h"

bool jpki_crl_http_route(const char *url)
{
	return strncmp(url, "/crl/", 5) == 0;
}

int jpki_crl_http_parse(const char *url, enum jpki_kind *kind, int *partition, bool *delta)
{
	struct jpki_cur c = jpki_cur_make(url, strlen(url));
	uint8_t d0, d1;
	uint64_t p;
	if (!jpki_cur_expect_str(&c, "/crl/"))
		return -JPKI_E_NOT_FOUND;
	if (jpki_cur_expect_str(&c, "sign"))
		*kind = JPKI_KIND_SIGN;
	else if (jpki_cur_expect_str(&c, "auth"))
		*kind = JPKI_KIND_AUTH;
	else
		return -JPKI_E_NOT_FOUND;
	*delta = false;
	*partition = -1;
	if (jpki_cur_expect_str(&c, ".crl"))
		return jpki_cur_done(&c) ? 0 : -JPKI_E_NOT_FOUND;
	if (!jpki_cur_expect(&c, '/') || !jpki_cur_peek(&c, &d0) ||
	    (d0 == '0' && c.off + 1 < c.len && (d1 = c.base[c.off + 1]) >= '0' && d1 <= '9'))
		return -JPKI_E_NOT_FOUND; /* digits, no leading zero: exactly as certificates name
		                             it */
	if (!jpki_cur_decimal(&c, JPKI_CRL_PARTITIONS - 1, &p) || p >= JPKI_CRL_PARTITIONS)
		return -JPKI_E_NOT_FOUND;
	if (jpki_cur_expect_str(&c, "-delta.crl"))
		*delta = true;
	else if (!jpki_cur_expect_str(&c, ".crl"))
		return -JPKI_E_NOT_FOUND;
	if (!jpki_cur_done(&c))
		return -JPKI_E_NOT_FOUND;
	*partition = (int)p;
	return 0;
}

enum MHD_Result jpki_crl_http(struct jpki_crl_http *h, struct MHD_Connection *conn, const char *url,
                              int64_t now)
{
	enum jpki_kind kind;
	int part;
	bool delta;
	if (jpki_crl_http_parse(url, &kind, &part, &delta) < 0)
		return jpki_http_error(conn, JPKI_E_NOT_FOUND, "not found\n");
	struct blob *b = jpki_crl_cache_take(h, kind, part, delta, now);
	if (!b)
		return jpki_http_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "CRL not available\n");

	char lm[64], exp[64], cc[64], etag[sizeof(b->etag)];
	memcpy(etag, b->etag, sizeof(etag));
	jpki_http_date(b->crl.this_update, lm);
	jpki_http_date(b->crl.next_update, exp);
	int64_t until = b->rebuild_at < b->crl.next_update ? b->rebuild_at : b->crl.next_update;
	snprintf(cc, sizeof(cc), "public, max-age=%lld",
	         (long long)(until > now ? until - now : 0));
	bool fresh = jpki_http_not_modified(conn, etag, b->crl.this_update);
	struct MHD_Response *r;
	unsigned status = MHD_HTTP_OK;
	if (fresh) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_MODIFIED;
		jpki_crl_blob_unref(b);
	} else {
		r = MHD_create_response_from_buffer_with_free_callback_cls(
		    b->crl.len, (void *)b->crl.der, jpki_crl_blob_unref, b);
		if (!r)
			jpki_crl_blob_unref(b);
	}
	if (!r)
		return MHD_NO;
	if (!fresh)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/pkix-crl");
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	MHD_add_response_header(r, MHD_HTTP_HEADER_EXPIRES, exp);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}
