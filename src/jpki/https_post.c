/* https_post.c: JSON POSTs over HTTPS with libcurl (https_post.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "https_post.h"

struct https_session {
	CURL *curl;
	struct curl_slist *headers;
};

struct answer {
	char *buf;
	size_t len;
	bool too_long;
};

static size_t gather(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t got = size * n;
	if (got > JPKI_HTTPS_ANSWER_MAX - a->len) {
		a->too_long = true;
		return 0; /* libcurl stops: CURLE_WRITE_ERROR */
	}
	char *grown = realloc(a->buf, a->len + got + 1);
	if (!grown)
		return 0;
	memcpy(grown + a->len, p, got);
	a->buf = grown;
	a->len += got;
	a->buf[a->len] = '\0';
	return got;
}

int https_session_new(const char *origin, const char *cacert, struct https_session **ret,
                      struct jpki_err *err)
{
	struct https_session *s = calloc(1, sizeof(*s));
	char line[512];
	if (!s || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(s->curl = curl_easy_init())) {
		free(s);
		return jpki_fail(err, JPKI_E_NOMEM, "cannot start libcurl");
	}
	snprintf(line, sizeof(line), "Origin: %s", origin);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	if (h && !(s->headers = curl_slist_append(h, line)))
		curl_slist_free_all(h);
	if (!s->headers) {
		https_session_free(s);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->curl, CURLOPT_COOKIEFILE, ""); /* cookies in memory, this run only */
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "jpki login");
	if (cacert)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, cacert);
	*ret = s;
	return 0;
}

void https_session_free(struct https_session *s)
{
	if (!s)
		return;
	curl_slist_free_all(s->headers);
	curl_easy_cleanup(s->curl);
	free(s);
	curl_global_cleanup();
}

int https_post_json(struct https_session *s, const char *url, const char *body, long *status,
                    char **answer, struct jpki_err *err)
{
	struct answer a = {0};
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, gather);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &a);
	CURLcode rc = curl_easy_perform(s->curl);
	if (rc != CURLE_OK) {
		free(a.buf);
		return a.too_long
		           ? jpki_fail(err, JPKI_E_LIMIT, "%s: an answer over %u bytes", url,
		                       JPKI_HTTPS_ANSWER_MAX)
		           : jpki_fail(err, JPKI_E_IO, "%s: %s", url, curl_easy_strerror(rc));
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
	*answer = a.buf ? a.buf : strdup("");
	return *answer ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
}
