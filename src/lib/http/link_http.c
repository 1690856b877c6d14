/*
 * link_http.c: POST /link/pseudonym and /link/same-person (link_http.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "body.h"
#include "common.h"
#include "core/base64.h"
#include "link/link.h"
#include "link_http.h"

const char jpki_link_http_owner = 'l';

struct jpki_link_http {
	const struct jpki_ctx *ctx;
	struct jpki_store *store; /* one connection, used under lock */
	pthread_mutex_t lock;
};

bool jpki_link_http_route(const char *url)
{
	return strncmp(url, "/link/", 6) == 0;
}

int jpki_link_http_new(const struct jpki_ctx *ctx, struct jpki_link_http **ret,
                       struct jpki_err *err)
{
	struct jpki_link_http *h = calloc(1, sizeof(*h));
	if (!h)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	int rc = jpki_store_open_default(ctx, &h->store, err);
	if (rc < 0) {
		free(h);
		return rc;
	}
	h->ctx = ctx;
	pthread_mutex_init(&h->lock, NULL);
	*ret = h;
	return 0;
}

void jpki_link_http_free(struct jpki_link_http *h)
{
	if (!h)
		return;
	jpki_store_close(h->store);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void jpki_link_http_completed(void *con_cls)
{
	jpki_http_body_free(con_cls);
}

int jpki_link_http_pseudonym(struct jpki_link_http *h, const char *rp_id, const char *key,
                             const uint8_t *der, size_t len, char out[44], struct jpki_err *err)
{
	int64_t now;
	int rc = jpki_ctx_now(h->ctx, &now, err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&h->lock);
	rc = jpki_link_pseudonym(h->store, rp_id, key, der, len, now, out, err);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int jpki_link_http_same_person(struct jpki_link_http *h, const char *rp_id, const char *key,
                               const uint8_t *auth, size_t auth_len, const uint8_t *sign,
                               size_t sign_len, bool *same, struct jpki_err *err)
{
	int64_t now;
	int rc = jpki_ctx_now(h->ctx, &now, err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&h->lock);
	rc = jpki_link_same_person(h->store, rp_id, key, auth, auth_len, sign, sign_len, now, same,
	                           err);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* A member of the body that must be base64 DER; *der malloc'd. */
static bool member_der(json_t *body, const char *name, uint8_t **der, size_t *len)
{
	json_t *v = json_object_get(body, name);
	return json_is_string(v) && jpki_base64_decode(json_string_value(v), json_string_length(v),
	                                               false, der, len) == 0;
}

static enum MHD_Result refused(struct MHD_Connection *conn, const struct jpki_err *err)
{
	json_t *o = json_pack("{s:s}", "error", err->msg);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	bool unauthenticated = err->code == JPKI_E_UNAUTHENTICATED; /* RFC 7617 §2 */
	return jpki_http_json_header(conn, (unsigned)jpki_code_http_status(err->code), body,
	                             unauthenticated ? MHD_HTTP_HEADER_WWW_AUTHENTICATE : NULL,
	                             "Basic realm=\"jpki link\", charset=\"UTF-8\"");
}

static enum MHD_Result answer(struct jpki_link_http *h, struct MHD_Connection *conn,
                              const char *url, const struct jpki_http_body *b)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(conn, &pass);
	json_t *body = json_loadb((const char *)b->buf, b->len, JSON_REJECT_DUPLICATES, NULL);
	uint8_t *a = NULL, *s = NULL;
	size_t al = 0, sl = 0;
	bool pseudonym = strcmp(url, "/link/pseudonym") == 0;
	struct jpki_err err = {0};
	enum MHD_Result ret;
	int rc;
	if (!pseudonym && strcmp(url, "/link/same-person") != 0)
		ret = jpki_http_json_error(conn, MHD_HTTP_NOT_FOUND, "no such link call");
	else if (!json_is_object(body) ||
	         (pseudonym
	              ? json_object_size(body) != 1 || !member_der(body, "certificate", &a, &al)
	              : json_object_size(body) != 2 ||
	                    !member_der(body, "authentication", &a, &al) ||
	                    !member_der(body, "signature", &s, &sl)))
		ret = jpki_http_json_error(conn, MHD_HTTP_BAD_REQUEST,
		                           pseudonym
		                               ? "the body must be {\"certificate\": base64 DER}"
		                               : "the body must be {\"authentication\": base64 "
		                                 "DER, \"signature\": base64 DER}");
	else if (pseudonym) {
		char p[44];
		rc =
		    jpki_link_http_pseudonym(h, user ? user : "", pass ? pass : "", a, al, p, &err);
		ret = rc < 0
		          ? refused(conn, &err)
		          : jpki_http_json(conn, MHD_HTTP_OK, json_pack("{s:s}", "pseudonym", p));
	} else {
		bool same = false;
		rc = jpki_link_http_same_person(h, user ? user : "", pass ? pass : "", a, al, s, sl,
		                                &same, &err);
		ret = rc < 0 ? refused(conn, &err)
		             : jpki_http_json(conn, MHD_HTTP_OK,
		                              json_pack("{s:b}", "samePerson", same));
	}
	if (pass)
		OPENSSL_cleanse(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	json_decref(body);
	free(a);
	free(s);
	return ret;
}

enum MHD_Result jpki_link_http(struct jpki_link_http *h, struct MHD_Connection *conn,
                               const char *url, const char *method, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	if (*con_cls == NULL)
		return jpki_http_body_start(conn, method, "application/json", JPKI_LINK_BODY_MAX,
		                            &jpki_link_http_owner, con_cls);
	int in = jpki_http_body_feed(*con_cls, upload, upload_size);
	return in < 0 ? MHD_NO : in == 0 ? MHD_YES : answer(h, conn, url, *con_cls);
}
