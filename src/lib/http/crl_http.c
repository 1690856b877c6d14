/*
 * crl_http.c: the CRL routes of `jpki serve` (crl_http.h), over the cache of
 * crl_cache.c: the path, the conditional GET, the caching headers, and the
 * CRL's bytes handed to libmicrohttpd with a reference on them.
 */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "crl_cache.h"

bool jpki_crl_http_route(const char *url)
{
	return strncmp(url, "/crl/", 5) == 0;
}

int jpki_crl_http_parse(const char *url, enum jpki_kind *kind, int *partition, bool *delta)
{
	static const char *const names[2] = {"sign", "auth"};
	if (strncmp(url, "/crl/", 5) != 0)
		return -1;
	url += 5;
	for (int k = 0; k < 2; k++) {
		size_t n = strlen(names[k]);
		if (strncmp(url, names[k], n) != 0)
			continue;
		const char *r = url + n;
		*kind = (enum jpki_kind)k;
		*delta = false;
		*partition = -1;
		if (strcmp(r, ".crl") == 0)
			return 0;
		if (*r++ != '/' || *r < '0' || *r > '9' ||
		    (r[0] == '0' && r[1] >= '0' && r[1] <= '9'))
			return -1; /* digits, no leading zero: exactly as certificates name it */
		int p = 0;
		while (*r >= '0' && *r <= '9' && p < JPKI_CRL_PARTITIONS)
			p = p * 10 + (*r++ - '0');
		if (p >= JPKI_CRL_PARTITIONS)
			return -1;
		if (strcmp(r, "-delta.crl") == 0)
			*delta = true;
		else if (strcmp(r, ".crl") != 0)
			return -1;
		*partition = p;
		return 0;
	}
	return -1;
}

enum MHD_Result jpki_crl_http(struct jpki_crl_http *h, struct MHD_Connection *conn, const char *url,
                              int64_t now)
{
	enum jpki_kind kind;
	int part;
	bool delta;
	if (jpki_crl_http_parse(url, &kind, &part, &delta) < 0)
		return jpki_http_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
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
