/*
 * fetch.c: HTTP GET and POST for signed objects (revinfo.h), through
 * libcrypto's HTTP client: bounded in size and in time.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/httperr.h>

#include "core/ossl.h"
#include "sig/revinfo.h"

struct url_parts {
	char *host, *port, *path, *query;
};

static void url_parts_free(struct url_parts *u)
{
	OPENSSL_free(u->host), OPENSSL_free(u->port), OPENSSL_free(u->path), OPENSSL_free(u->query);
}

static int split_url(const char *url, struct url_parts *u, struct jpki_err *err)
{
	int ssl = 0;
	memset(u, 0, sizeof(*u));
	if (!url || strlen(url) > 2048 || strncmp(url, "http://", 7) != 0)
		return jpki_fail(err, JPKI_E_INVALID, "not an http:// URL: %.80s", url ? url : "");
	if (!OSSL_HTTP_parse_url(url, &ssl, NULL, &u->host, &u->port, NULL, &u->path, &u->query,
	                         NULL) ||
	    ssl)
		return jpki_fail_ossl(err, JPKI_E_INVALID, "bad URL %.80s", url);
	return 0;
}

/* The answer's bytes, at most max of them. */
static int drain(BIO *b, size_t max, uint8_t **out, size_t *out_len, struct jpki_err *err)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	for (;;) {
		if (n == cap) {
			uint8_t *grown =
			    cap < max ? realloc(buf, cap * 2 > max ? max + 1 : cap * 2) : NULL;
			if (!grown) {
				free(buf);
				return jpki_fail(err, JPKI_E_LIMIT, "the answer exceeds %zu bytes",
				                 max);
			}
			buf = grown, cap = cap * 2 > max ? max + 1 : cap * 2;
		}
		int r = BIO_read(b, buf + n, (int)(cap - n));
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			return jpki_fail(err, JPKI_E_LIMIT, "the answer exceeds %zu bytes", max);
		}
	}
	*out = buf, *out_len = n;
	return 0;
}

static int transfer(const char *url, const char *content_type, const uint8_t *body, size_t len,
                    const char *expect, size_t max, uint8_t **out, size_t *out_len,
                    struct jpki_err *err)
{
	struct url_parts u;
	int rc = split_url(url, &u, err);
	if (rc < 0)
		return rc;
	char path[2200];
	snprintf(path, sizeof(path), "%s%s%s", u.path, u.query ? "?" : "", u.query ? u.query : "");
	_cleanup_(BIOp) BIO *req = body ? BIO_new_mem_buf(body, (int)len) : NULL;
	if (body && !req) {
		url_parts_free(&u);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	/*
	 * No proxy: these are the service's own URLs, and the answers are signed.  Every answer
	 * is one DER object (expect_asn1): libcrypto then reads it whole into memory, bounded by
	 * max, before handing it over; streamed, a body still in flight read as empty.
	 */
	BIO *resp =
	    OSSL_HTTP_transfer(NULL, u.host, u.port, path, 0, "", NULL, NULL, NULL, NULL, NULL, 0,
	                       NULL, content_type, req, expect, 1, max, JPKI_FETCH_TIMEOUT, 0);
	url_parts_free(&u);
	if (!resp) {
		unsigned long e = ERR_peek_last_error();
		int code =
		    ERR_GET_LIB(e) == ERR_LIB_HTTP && ERR_GET_REASON(e) == HTTP_R_RECEIVED_ERROR
		        ? JPKI_E_NOT_FOUND
		        : JPKI_E_IO;
		return jpki_fail_ossl(err, (enum jpki_code)code, "%s %.200s", body ? "POST" : "GET",
		                      url);
	}
	rc = drain(resp, max, out, out_len, err);
	BIO_free_all(resp);
	return rc;
}

int jpki_http_get(const char *url, size_t max, uint8_t **out, size_t *out_len, struct jpki_err *err)
{
	return transfer(url, NULL, NULL, 0, NULL, max, out, out_len, err);
}

int jpki_http_post(const char *url, const char *content_type, const uint8_t *body, size_t len,
                   const char *expect, size_t max, uint8_t **out, size_t *out_len,
                   struct jpki_err *err)
{
	if (len > INT32_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "the request is too large");
	return transfer(url, content_type, body, len, expect, max, out, out_len, err);
}
