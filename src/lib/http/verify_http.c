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

#include "body.h"
#include "common.h"
#include "core/base64.h"
#include "jpki/verify.h"
#include "sig/report.h"
#include "verify_http.h"

#define CT_JSON "application/json"

const char jpki_verify_http_owner = 'v';

struct jpki_verify_http {
	const struct jpki_ca *ca;
	struct jpki_ocsp *ocsp;
	uint8_t *trust_pem;
	size_t trust_len;
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
	jpki_http_body_free(con_cls);
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
	return jpki_http_json_text(conn, MHD_HTTP_OK, body);
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
                              const struct jpki_http_body *b)
{
	uint8_t *sig, *doc;
	size_t sig_len, doc_len;
	const char *why = jpki_verify_body_parse(b->buf, b->len, &sig, &sig_len, &doc, &doc_len);
	enum MHD_Result ret = why ? jpki_http_json_error(conn, MHD_HTTP_BAD_REQUEST, why)
	                          : run(h, conn, sig, sig_len, doc, doc_len);
	free(sig);
	free(doc);
	return ret;
}

enum MHD_Result jpki_verify_http(struct jpki_verify_http *h, struct MHD_Connection *conn,
                                 const char *method, const char *upload, size_t *upload_size,
                                 void **con_cls)
{
	if (*con_cls == NULL)
		return jpki_http_body_start(conn, method, CT_JSON, JPKI_VERIFY_BODY_MAX,
		                            &jpki_verify_http_owner, con_cls);
	int in = jpki_http_body_feed(*con_cls, upload, upload_size);
	return in < 0 ? MHD_NO : in == 0 ? MHD_YES : answer(h, conn, *con_cls);
}
