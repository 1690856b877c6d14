/*
 * verify_http.c: POST /verify (verify_http.h).
 *
 * Refused on the headers, before a body byte is read: another method (405),
 * another Content-Type (415), a Content-Length over JPKI_VERIFY_BODY_MAX
 * (413).  A body without a length that grows past the cap, or that takes
 * over 30 seconds, closes the connection.  A body that is not the JSON
 * object above, or whose base64 is bad, is 400 with the reason as JSON; a
 * signature that could be read at all is 200 with its report, whatever the
 * indication.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common.h"
#include "core/base64.h"
#include "jpki/verify.h"
#include "sig/report.h"
#include "verify_http.h"

#define CT_JSON "application/json"
#define BODY_SECONDS 30

const char jpki_verify_http_owner = 'v';

struct jpki_verify_http {
	const struct jpki_ca *ca;
	struct jpki_ocsp *ocsp;
	uint8_t *trust_pem;
	size_t trust_len;
};

struct verify_post {
	const void *owner; /* &jpki_verify_http_owner, first */
	uint8_t *buf;
	size_t len, cap;
	int64_t started;
};

bool jpki_verify_http_route(const char *url)
{
	return strcmp(url, "/verify") == 0;
}

int jpki_verify_http_new(const struct jpki_ca *ca, struct jpki_ocsp *ocsp,
                         struct jpki_verify_http **ret, struct jpki_err *err)
{
	struct jpki_verify_http *h = calloc(1, sizeof(*h));
	uint8_t *der = NULL;
	int n = h ? i2d_X509(ca->cert, &der) : -1;
	if (n <= 0 || !(h->trust_pem = malloc((size_t)n))) {
		OPENSSL_free(der);
		free(h);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	memcpy(h->trust_pem, der, (size_t)n);
	h->trust_len = (size_t)n;
	OPENSSL_free(der);
	h->ca = ca;
	h->ocsp = ocsp;
	*ret = h;
	return 0;
}

void jpki_verify_http_free(struct jpki_verify_http *h)
{
	if (!h)
		return;
	free(h->trust_pem);
	free(h);
}

void jpki_verify_http_completed(void *con_cls)
{
	struct verify_post *p = con_cls;
	if (p)
		free(p->buf);
	free(p);
}

static enum MHD_Result start(struct MHD_Connection *conn, const char *method, void **con_cls)
{
	enum MHD_Result refused;
	if (jpki_http_post_refused(conn, method, CT_JSON, JPKI_VERIFY_BODY_MAX, &refused))
		return refused;
	struct verify_post *p = calloc(1, sizeof(*p));
	if (!p)
		return MHD_NO;
	p->owner = &jpki_verify_http_owner;
	p->started = jpki_http_mono_seconds();
	*con_cls = p;
	return MHD_YES;
}

static bool append(struct verify_post *p, const char *data, size_t n)
{
	if (n > JPKI_VERIFY_BODY_MAX - p->len)
		return false;
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		while (cap < p->len + n)
			cap *= 2;
		uint8_t *grown = realloc(p->buf, cap);
		if (!grown)
			return false;
		p->buf = grown, p->cap = cap;
	}
	memcpy(p->buf + p->len, data, n);
	p->len += n;
	return true;
}

static enum MHD_Result json_reply(struct MHD_Connection *conn, unsigned status, char *body)
{
	if (!body)
		return MHD_NO;
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_JSON);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result bad_request(struct MHD_Connection *conn, const char *why)
{
	json_t *o = json_pack("{s:s}", "error", why);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return json_reply(conn, MHD_HTTP_BAD_REQUEST, s);
}

/* The server's own responder answers the verifier's OCSP requests (no HTTP to itself). */
static int ocsp_in_process(void *arg, const char *url, const uint8_t *req, size_t len,
                           uint8_t **resp, size_t *resp_len, struct jpki_err *err)
{
	struct jpki_verify_http *h = arg;
	int64_t now;
	(void)url;
	int rc = jpki_ctx_now(h->ca->ctx, &now, err);
	if (rc == 0 && jpki_ocsp_respond(h->ocsp, req, len, now, resp, resp_len, NULL) < 0)
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	return rc;
}

static enum MHD_Result run(struct jpki_verify_http *h, struct MHD_Connection *conn,
                           const uint8_t *sig, size_t sig_len, const uint8_t *doc, size_t doc_len)
{
	struct jpki_err err;
	struct jpki_verifier *v = NULL;
	struct jpki_report *r = NULL;
	int64_t now;
	int rc = jpki_verifier_new(&v, &err);
	if (rc == 0)
		rc = jpki_verifier_trust(v, h->trust_pem, h->trust_len, &err);
	if (rc == 0)
		rc = jpki_ctx_now(h->ca->ctx, &now, &err);
	if (rc == 0) {
		jpki_verifier_set_time(v, now);
		jpki_verifier_set_ocsp_send(v, ocsp_in_process, h);
		rc = jpki_verify(v, sig, sig_len, doc, doc_len, &r, &err);
	}
	jpki_verifier_free(v);
	if (rc < 0)
		return jpki_http_error(conn, err.code, "the verification could not run\n");
	char *body = jpki_report_json(r);
	jpki_report_free(r);
	return json_reply(conn, MHD_HTTP_OK, body);
}

const char *jpki_verify_body_parse(const uint8_t *body, size_t len, uint8_t **sig, size_t *sig_len,
                                   uint8_t **doc, size_t *doc_len)
{
	json_error_t je;
	json_t *req = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	const char *sig_b64 = NULL, *doc_b64 = NULL, *why = NULL;
	size_t sig_n = 0, doc_n = 0;
	*sig = *doc = NULL;
	*sig_len = *doc_len = 0;
	if (!req ||
	    json_unpack(req, "{s:s%, s?s%}", "signature", &sig_b64, &sig_n, "document", &doc_b64,
	                &doc_n) != 0 ||
	    json_object_size(req) != (doc_b64 ? 2u : 1u))
		why = "the body must be {\"signature\": base64, \"document\": base64 (when "
		      "detached)} "
		      "and nothing else";
	else if (jpki_base64_decode(sig_b64, sig_n, false, sig, sig_len) < 0 ||
	         (doc_b64 && jpki_base64_decode(doc_b64, doc_n, false, doc, doc_len) < 0))
		why = "signature and document must be padded base64";
	json_decref(req);
	if (why) {
		free(*sig), free(*doc);
		*sig = *doc = NULL;
	}
	return why;
}

static enum MHD_Result answer(struct jpki_verify_http *h, struct MHD_Connection *conn,
                              const struct verify_post *p)
{
	uint8_t *sig, *doc;
	size_t sig_len, doc_len;
	const char *why = jpki_verify_body_parse(p->buf, p->len, &sig, &sig_len, &doc, &doc_len);
	enum MHD_Result ret =
	    why ? bad_request(conn, why) : run(h, conn, sig, sig_len, doc, doc_len);
	free(sig);
	free(doc);
	return ret;
}

enum MHD_Result jpki_verify_http(struct jpki_verify_http *h, struct MHD_Connection *conn,
                                 const char *method, const char *upload, size_t *upload_size,
                                 void **con_cls)
{
	if (*con_cls == NULL)
		return start(conn, method, con_cls);
	struct verify_post *p = *con_cls;
	if (*upload_size > 0) {
		if (jpki_http_mono_seconds() - p->started > BODY_SECONDS ||
		    !append(p, upload, *upload_size))
			return MHD_NO; /* past the cap without a length, or trickled: close */
		*upload_size = 0;
		return MHD_YES;
	}
	return answer(h, conn, p);
}
