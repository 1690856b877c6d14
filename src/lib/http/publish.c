/*
 * publish.c: HTTP GET of CA certificates and CRLs.
 *
 * Every connection has a time-out and the server a connection limit, so a
 * client that connects and sends nothing cannot hold a worker.  Requests
 * other than GET/HEAD get 405, unknown paths 404, and any request body is
 * refused (413) before it is read.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/pem.h>

#include "ca/crl.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "publish.h"

struct crl_cache {
	uint8_t *der;
	size_t len;
	int64_t this_update, next_update;
	int64_t revocation_version;
};

struct ca_files {
	uint8_t *der;
	size_t der_len;
	char *pem;
	size_t pem_len;
};

struct jpki_publisher {
	struct MHD_Daemon *daemon;
	struct jpki_store *store;
	struct jpki_ca *cas[2];
	struct ca_files files[2];
	struct crl_cache crl[2];
	int64_t crl_validity;
	pthread_mutex_t lock; /* guards crl[] and the store connection */
};

static int encode_ca(struct jpki_ca *ca, struct ca_files *f, struct jpki_err *err)
{
	unsigned char *der = NULL;
	int n = i2d_X509(ca->cert, &der);
	_cleanup_(BIOp) BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	if (n <= 0 || !b || PEM_write_bio_X509(b, ca->cert) != 1) {
		OPENSSL_free(der);
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode a CA certificate");
	}
	long m = BIO_get_mem_data(b, &pem);
	f->der = malloc((size_t)n);
	f->pem = malloc((size_t)m);
	if (!f->der || !f->pem) {
		OPENSSL_free(der);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	memcpy(f->der, der, (size_t)n);
	memcpy(f->pem, pem, (size_t)m);
	f->der_len = (size_t)n;
	f->pem_len = (size_t)m;
	OPENSSL_free(der);
	return 0;
}

static int save_crl(enum jpki_kind kind, const uint8_t *der, size_t len, struct jpki_err *err)
{
	char dir[4096], path[4200];
	int rc;
	if ((rc = jpki_data_path(dir, sizeof(dir), "crl", err)) < 0 ||
	    (rc = jpki_mkdir_p(dir, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s.crl", dir, jpki_kind_name(kind));
	return jpki_write_file_atomic(path, der, len, 0644, err);
}

/* Rebuild the CRL of kind when stale; lock held. */
static int refresh_locked(struct jpki_publisher *p, enum jpki_kind kind, bool force,
			  struct jpki_err *err)
{
	struct crl_cache *c = &p->crl[kind];
	int64_t now, version;
	int rc;
	if ((rc = jpki_clock_now(&now, err)) < 0 ||
	    (rc = p->store->ops->revocation_version(p->store, kind, &version, err)) < 0)
		return rc;
	bool stale = force || !c->der || version != c->revocation_version ||
		     now >= c->this_update + (c->next_update - c->this_update) / 2 ||
		     now < c->this_update;
	if (!stale)
		return 0;
	uint8_t *der;
	size_t len;
	if ((rc = jpki_crl_build(p->store, p->cas[kind], now, p->crl_validity, &der, &len, err)) <
	    0)
		return rc;
	free(c->der);
	c->der = der;
	c->len = len;
	c->this_update = now;
	c->next_update = now + p->crl_validity;
	c->revocation_version = version;
	return save_crl(kind, der, len, err);
}

int jpki_publish_refresh(struct jpki_publisher *p, struct jpki_err *err)
{
	int rc = 0;
	pthread_mutex_lock(&p->lock);
	for (int k = 0; k < 2 && rc == 0; k++)
		rc = refresh_locked(p, (enum jpki_kind)k, true, err);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static void http_date(int64_t t, char buf[64])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     const void *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return reply(conn, status, "text/plain; charset=utf-8", text, strlen(text));
}

static enum MHD_Result serve_crl(struct jpki_publisher *p, struct MHD_Connection *conn,
				 enum jpki_kind kind)
{
	struct jpki_err err;
	pthread_mutex_lock(&p->lock);
	int rc = refresh_locked(p, kind, false, &err);
	struct crl_cache *c = &p->crl[kind];
	if (rc < 0 && !c->der) {
		pthread_mutex_unlock(&p->lock);
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "CRL not available\n");
	}
	/* a failed refresh serves the previous CRL, still within its nextUpdate */
	struct MHD_Response *r =
		MHD_create_response_from_buffer(c->len, c->der, MHD_RESPMEM_MUST_COPY);
	char lm[64], exp[64], cc[64];
	int64_t now;
	if (jpki_clock_now(&now, NULL) < 0)
		now = c->this_update;
	http_date(c->this_update, lm);
	http_date(c->next_update, exp);
	int64_t max_age = (c->this_update + (c->next_update - c->this_update) / 2) - now;
	snprintf(cc, sizeof(cc), "public, max-age=%lld", (long long)(max_age > 0 ? max_age : 0));
	pthread_mutex_unlock(&p->lock);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/pkix-crl");
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	MHD_add_response_header(r, MHD_HTTP_HEADER_EXPIRES, exp);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * /crl/<kind>/<n>.crl, n < JPKI_CRL_PARTITIONS: until partition CRLs are
 * built, the CA's complete CRL answers there (a CRL without an
 * issuingDistributionPoint covers every certificate, RFC 5280 §5.2.5).
 */
static int atoi_bounded(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool is_partition_url(const char *url, const char *kind)
{
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "/crl/%s/", kind);
	size_t n = strlen(prefix);
	if (strncmp(url, prefix, n) != 0)
		return false;
	const char *num = url + n;
	size_t digits = strspn(num, "0123456789");
	if (digits == 0 || digits > 4 || strcmp(num + digits, ".crl") != 0 ||
	    (digits > 1 && num[0] == '0'))
		return false;
	return atoi_bounded(num, digits) < JPKI_CRL_PARTITIONS;
}

static enum MHD_Result route(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_size, void **state)
{
	struct jpki_publisher *p = cls;
	static int headers_seen, body_seen;
	/*
	 * Refuse on the first call, with the headers only: libmicrohttpd accepts
	 * a response then (and does not read the body), but not while a body is
	 * being received, where queueing fails and the client gets an empty reply.
	 */
	if (*state == NULL) {
		*state = &headers_seen;
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if ((cl && strcmp(cl, "0") != 0) ||
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_TRANSFER_ENCODING))
			return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE,
					  "no request body expected\n");
		return MHD_YES;
	}
	if (*upload_size != 0) { /* a body announced otherwise: discard, then refuse */
		*upload_size = 0;
		*state = &body_seen;
		return MHD_YES;
	}
	if (*state == &body_seen)
		return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "no request body expected\n");
	static const char *const names[2] = {"sign", "auth"};
	for (int k = 0; k < 2; k++) {
		char path[64];
		snprintf(path, sizeof(path), "/ca/%s.der", names[k]);
		if (strcmp(url, path) == 0)
			return reply(conn, MHD_HTTP_OK, "application/pkix-cert", p->files[k].der,
				     p->files[k].der_len);
		snprintf(path, sizeof(path), "/ca/%s.pem", names[k]);
		if (strcmp(url, path) == 0)
			return reply(conn, MHD_HTTP_OK, "application/x-pem-file", p->files[k].pem,
				     p->files[k].pem_len);
		snprintf(path, sizeof(path), "/crl/%s.crl", names[k]);
		if (strcmp(url, path) == 0 || is_partition_url(url, names[k]))
			return serve_crl(p, conn, (enum jpki_kind)k);
	}
	if (strcmp(url, "/health") == 0)
		return reply_text(conn, MHD_HTTP_OK, "ok\n");
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

static void free_publisher(struct jpki_publisher *p, bool owns)
{
	for (int k = 0; k < 2; k++) {
		free(p->files[k].der);
		free(p->files[k].pem);
		free(p->crl[k].der);
		if (owns)
			jpki_ca_free(p->cas[k]);
	}
	if (owns)
		jpki_store_close(p->store);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int jpki_publish_start(const struct jpki_publish_cfg *cfg, struct jpki_store *st,
		       struct jpki_ca *cas[2], struct jpki_publisher **ret, struct jpki_err *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->port)};
	if (inet_pton(AF_INET, cfg->address, &sa.sin_addr) != 1)
		return jpki_fail(err, JPKI_E_INVALID, "'%s' is not an IPv4 address", cfg->address);
	struct jpki_publisher *p = calloc(1, sizeof(*p));
	if (!p)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	pthread_mutex_init(&p->lock, NULL);
	p->store = st;
	p->cas[0] = cas[0];
	p->cas[1] = cas[1];
	p->crl_validity = cfg->crl_validity > 0 ? cfg->crl_validity : JPKI_CRL_DEFAULT_VALIDITY;
	int rc;
	if ((rc = encode_ca(cas[0], &p->files[0], err)) < 0 ||
	    (rc = encode_ca(cas[1], &p->files[1], err)) < 0 ||
	    (rc = jpki_publish_refresh(p, err)) < 0) {
		free_publisher(p, false);
		return rc;
	}
	p->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, cfg->port, NULL,
		NULL, route, p, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads ? cfg->threads : 2),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)1024, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)512,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_END);
	if (!p->daemon) {
		free_publisher(p, false);
		return jpki_fail(err, JPKI_E_IO, "cannot listen on %s:%u (port in use?)",
				 cfg->address, cfg->port);
	}
	*ret = p;
	return 0;
}

void jpki_publish_stop(struct jpki_publisher *p)
{
	if (!p)
		return;
	MHD_stop_daemon(p->daemon);
	free_publisher(p, true);
}
