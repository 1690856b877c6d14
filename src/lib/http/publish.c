/*
 * publish.c: HTTP GET of CA certificates and CRLs.
 *
 * Every connection has a time-out and the server a connection limit, so a
 * client that connects and sends nothing cannot hold a worker.  Requests
 * other than GET/HEAD get 405, unknown paths 404, and any request body is
 * refused (413) before it is read.  /ocsp belongs to the OCSP responder
 * (http/ocsp_http.h), which takes POST bodies up to its own cap.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/pem.h>

#include "ca/crl.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "common.h"
#include "api_http.h"
#include "counter_http.h"
#include "crl_http.h"
#include "front.h"
#include "guard.h"
#include "ocsp_http.h"
#include "tsa_http.h"
#include "link_http.h"
#include "portal_http.h"
#include "verify_http.h"
#include "witness.h"
#include "publish.h"

struct ca_files {
	uint8_t *der;
	size_t der_len;
	char *pem;
	size_t pem_len;
};

struct jpki_publisher {
	struct MHD_Daemon *daemon;
	struct MHD_Daemon *tls_daemon;   /* NULL without --tls-listen */
	struct jpki_link_http *link;     /* the linking service, over HTTPS only (link_http.h) */
	struct jpki_portal_http *portal; /* the demo relying party, HTTPS only (portal_http.h) */
	struct jpki_api_http *api;       /* the counter's REST API, HTTPS only (api_http.h) */
	char portal_url[300];            /* its page, for the front door ("": none) */
	char counter_url[300];           /* the counter terminal's page ("": none) */
	struct jpki_store *store;
	struct jpki_ca *cas[2];
	struct ca_files files[2];
	struct jpki_crl_http *crl; /* the CRL routes and their cache (crl_http.h) */
	pthread_mutex_t lock;
	struct jpki_ocsp *ocsp;          /* the OCSP responder (status/ocsp.h) */
	struct jpki_ocsp_stores *stores; /* its registry connections, one per thread */
	struct jpki_guard *guard;        /* deadlines, strict requests, quiet logs (guard.h) */
	struct jpki_tsa_http *tsa;       /* the time-stamping authority (tsa_http.h) */
	struct jpki_verify_http *verify; /* signature verification (verify_http.h) */
	struct jpki_witness *witness;    /* the audit log's published checkpoints (witness.h) */
};

/*
 * libmicrohttpd's memory per connection: request line and headers, then the
 * response headers.  It zeroes its read buffer (half of this) at every request
 * of a keep-alive connection, so 64 KiB cost ~5% of an OCSP answer.  Bodies
 * (OCSP POSTs, up to JPKI_OCSP_REQ_MAX) are handed over piece by piece and do
 * not need to fit; a GET URL longer than ~8 KB (a DER request over ~5 KB; RFC
 * 5019 uses GET below 255 bytes) gets 414 from libmicrohttpd.
 */
#define CONN_MEMORY (16 * 1024)

/*
 * route()'s own per-request marks.  Every *con_cls a route sets points at a
 * pointer to its owner's tag (these, jpki_ocsp_http_owner, jpki_tsa_http_owner,
 * jpki_verify_http_owner),
 * so completed() knows whose state it frees.
 */
static const char route_owner = 'r';
static const void *headers_seen = &route_owner, *body_seen = &route_owner;

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

int jpki_publish_refresh(struct jpki_publisher *p, struct jpki_err *err)
{
	int64_t now;
	int rc = jpki_ctx_now(p->cas[0]->ctx, &now, err);
	return rc < 0 ? rc : jpki_crl_http_refresh(p->crl, now, err);
}

void jpki_publish_kick(struct jpki_publisher *p)
{
	if (p->crl) /* an OCSP-only server has none */
		jpki_crl_http_kick(p->crl);
}

/* A CA certificate: it does not change while the CA does, so caches may keep it a day. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             const void *body, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=86400");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result route(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **state)
{
	struct jpki_publisher *p = cls;
	if (*state == NULL) { /* the first call: the headers are in */
		const char *bad = jpki_guard_request(p->guard, conn, version);
		if (bad)
			return jpki_guard_refuse(conn, bad);
	}
	if (p->tsa && jpki_tsa_http_route(url)) /* POST, a body of its own */
		return jpki_tsa_http(p->tsa, conn, method, upload, upload_size, state);
	if (p->verify && jpki_verify_http_route(url)) /* POST, a body of its own */
		return jpki_verify_http(p->verify, conn, method, upload, upload_size, state);
	if (jpki_ocsp_http_route(url)) { /* GET and POST, bodies of its own */
		int64_t now;
		if (jpki_ctx_now(p->cas[0]->ctx, &now, NULL) < 0)
			return MHD_NO;
		return jpki_ocsp_http(p->ocsp, conn, url, method, upload, upload_size, state, now);
	}
	/*
	 * Refuse on the first call, with the headers only: libmicrohttpd accepts
	 * a response then (and does not read the body), but not while a body is
	 * being received, where queueing fails and the client gets an empty reply.
	 */
	if (*state == NULL) {
		*state = &headers_seen;
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return jpki_http_method_not_allowed(conn, "GET, HEAD");
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if ((cl && strcmp(cl, "0") != 0) ||
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                MHD_HTTP_HEADER_TRANSFER_ENCODING))
			return jpki_http_error(conn, JPKI_E_LIMIT, "no request body expected\n");
		return MHD_YES;
	}
	if (*upload_size != 0) { /* a body announced otherwise: discard, then refuse */
		*upload_size = 0;
		*state = &body_seen;
		return MHD_YES;
	}
	if (*state == &body_seen)
		return jpki_http_error(conn, JPKI_E_LIMIT, "no request body expected\n");
	if (p->crl && jpki_crl_http_route(url)) {
		int64_t now;
		if (jpki_ctx_now(p->cas[0]->ctx, &now, NULL) < 0)
			return MHD_NO;
		return jpki_crl_http(p->crl, conn, url, now);
	}
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
	}
	if (p->witness && jpki_witness_route(url))
		return jpki_witness_http(p->witness, conn, url);
	if (strcmp(url, "/health") == 0)
		return jpki_http_text(conn, MHD_HTTP_OK, "ok\n");
	if (strcmp(url, "/") == 0 && p->crl) /* an OCSP-only server has no front door */
		return jpki_front_page(conn, jpki_ctx_base_url(p->cas[0]->ctx),
		                       p->portal_url[0] ? p->portal_url : NULL,
		                       p->counter_url[0] ? p->counter_url : NULL);
	return jpki_http_error(conn, JPKI_E_NOT_FOUND, "not found\n");
}

/* The HTTPS listener: the linking service, the demo portal, then every route of the plain one. */
static enum MHD_Result route_tls(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **state)
{
	struct jpki_publisher *p = cls;
	bool link = jpki_link_http_route(url), portal = !link && jpki_portal_http_route(url);
	bool api = p->api && jpki_api_http_route(url);
	if (p->api && jpki_counter_http_route(url)) { /* the page of the API: no body */
		if (*state == NULL) {
			const char *bad = jpki_guard_request(p->guard, conn, version);
			if (bad)
				return jpki_guard_refuse(conn, bad);
			*state = &headers_seen;
			const char *cl = MHD_lookup_connection_value(
			    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
			if ((cl && strcmp(cl, "0") != 0) ||
			    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			                                MHD_HTTP_HEADER_TRANSFER_ENCODING))
				return jpki_http_error(conn, JPKI_E_LIMIT,
				                       "no request body expected\n");
			return MHD_YES;
		}
		return jpki_counter_http(conn, url, method);
	}
	if (!link && !portal && !api)
		return route(cls, conn, url, method, version, upload, upload_size, state);
	if (*state == NULL) {
		const char *bad = jpki_guard_request(p->guard, conn, version);
		if (bad)
			return jpki_guard_refuse(conn, bad);
	}
	if (portal)
		return jpki_portal_http(p->portal, conn, url, method, upload, upload_size, state);
	if (api)
		return jpki_api_http(p->api, conn, url, method, upload, upload_size, state);
	return jpki_link_http(p->link, conn, url, method, upload, upload_size, state);
}

static void completed(void *cls, struct MHD_Connection *conn, void **state,
                      enum MHD_RequestTerminationCode toe)
{
	struct jpki_publisher *p = cls;
	(void)toe;
	jpki_guard_completed(p->guard, conn);
	const void *owner = *state ? *(const void *const *)*state : NULL;
	if (owner == &jpki_tsa_http_owner)
		jpki_tsa_http_completed(*state);
	else if (owner == &jpki_ocsp_http_owner)
		jpki_ocsp_http_completed(*state);
	else if (owner == &jpki_verify_http_owner)
		jpki_verify_http_completed(*state);
	else if (owner == &jpki_link_http_owner)
		jpki_link_http_completed(*state);
	else if (owner == &jpki_portal_http_owner)
		jpki_portal_http_completed(*state);
	else if (owner == &jpki_api_http_owner)
		jpki_api_http_completed(*state);
	*state = NULL;
}

/* The OCSP responder: each CA's delegated responder (made or rolled over now), per-thread registry
 * connections. */
static int start_ocsp(struct jpki_publisher *p, const struct jpki_publish_cfg *cfg,
                      struct jpki_err *err)
{
	struct jpki_responder *rs[2] = {NULL, NULL};
	int64_t now;
	int rc;
	if ((rc = jpki_ctx_now(p->cas[0]->ctx, &now, err)) < 0 ||
	    (rc = jpki_ocsp_stores_new(p->cas[0]->ctx, NULL, &p->stores, err)) < 0)
		goto out;
	for (int k = 0; k < 2; k++)
		if ((rc = cfg->ocsp_only
		              ? jpki_responder_load(p->cas[k], cfg->passphrase, now, &rs[k], err)
		              : jpki_responder_ensure(p->cas[k], cfg->passphrase, now, &rs[k],
		                                      err)) < 0)
			goto out;
	struct jpki_ocsp_cfg oc = {.cas = {p->cas[0], p->cas[1]},
	                           .responders = {rs[0], rs[1]},
	                           .lookup = jpki_ocsp_stores_lookup,
	                           .lookup_arg = p->stores,
	                           .validity = cfg->ocsp_validity,
	                           /* without the CA key nothing renews a responder */
	                           .passphrase = cfg->ocsp_only ? NULL : cfg->passphrase};
	if ((rc = jpki_ocsp_new(&oc, &p->ocsp, err)) == 0)
		return 0;
out:
	jpki_responder_free(rs[0]);
	jpki_responder_free(rs[1]);
	return rc;
}

/* The TSA of the signature CA, with a registry connection of its own for the serials. */
static int start_tsa(struct jpki_publisher *p, const struct jpki_publish_cfg *cfg,
                     struct jpki_err *err)
{
	struct jpki_store *st = NULL;
	struct jpki_tsa *tsa = NULL;
	int64_t now;
	int rc = jpki_ctx_now(p->cas[0]->ctx, &now, err);
	if (rc == 0)
		rc = jpki_store_open_default(p->cas[0]->ctx, &st, err);
	if (rc == 0)
		rc = jpki_tsa_open(p->cas[0], cfg->passphrase, now, st, &tsa, err);
	if (rc == 0)
		rc = jpki_tsa_http_new(tsa, st, p->cas[0]->ctx, &p->tsa, err);
	if (rc < 0) {
		jpki_tsa_free(tsa);
		jpki_store_close(st);
	}
	return rc;
}

static void free_publisher(struct jpki_publisher *p, bool owns)
{
	jpki_tsa_http_free(p->tsa);
	jpki_verify_http_free(p->verify);
	jpki_portal_http_free(p->portal);
	jpki_api_http_free(p->api);
	jpki_link_http_free(p->link);
	jpki_ocsp_free(p->ocsp); /* the server's threads have stopped */
	jpki_ocsp_stores_free(p->stores);
	jpki_crl_http_free(p->crl);
	jpki_guard_free(p->guard);
	for (int k = 0; k < 2; k++) {
		free(p->files[k].der);
		free(p->files[k].pem);
		if (owns)
			jpki_ca_free(p->cas[k]);
	}
	if (owns)
		jpki_store_close(p->store);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/*
 * The total connection limit (libmicrohttpd splits it between the pool's
 * threads): what was asked (default 4096), and never more than the
 * descriptors this process may open, which it raises to the hard limit.
 */
static unsigned connection_limit(unsigned want)
{
	struct rlimit rl;
	if (!want)
		want = 4096;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		/* room for the registry connections, CRL files and the card host */
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + 128)
			want = rl.rlim_cur > 256 ? (unsigned)(rl.rlim_cur - 128) : 128;
	}
	return want;
}

static struct MHD_Daemon *start_daemon(struct jpki_publisher *p, const struct jpki_publish_cfg *cfg,
                                       const struct sockaddr_in *sa, bool tls)
{
	unsigned limit = connection_limit(cfg->max_connections);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	return MHD_start_daemon(
	    flags | (tls ? MHD_USE_TLS : 0), ntohs(sa->sin_port), NULL, NULL,
	    tls ? route_tls : route, p, MHD_OPTION_EXTERNAL_LOGGER, jpki_guard_log,
	    p->guard, /* first: all */
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)(cfg->threads ? cfg->threads : 2), MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)10, MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)(cfg->max_per_address ? cfg->max_per_address : 64),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
	    completed, p, MHD_OPTION_NOTIFY_CONNECTION, jpki_guard_notify, p->guard,
	    MHD_OPTION_UNESCAPE_CALLBACK, jpki_guard_unescape, p->guard,
	    MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, cfg->tls_key_pem,
	    MHD_OPTION_HTTPS_MEM_CERT, cfg->tls_cert_pem, MHD_OPTION_END);
}

/* The demo portal, at https://localhost:<tls_port> unless configured otherwise. */
static int start_portal(struct jpki_publisher *p, const struct jpki_publish_cfg *cfg,
                        struct jpki_err *err)
{
	char origin[64];
	snprintf(origin, sizeof(origin), "https://localhost:%u", (unsigned)cfg->tls_port);
	struct jpki_portal_http_cfg pc = {
	    .origin = cfg->portal_origin ? cfg->portal_origin : origin,
	    .helper = cfg->portal_helper ? cfg->portal_helper : JPKI_PORTAL_HELPER_DEFAULT,
	    .sign_ca = p->cas[0],
	    .auth_ca = p->cas[1],
	    .ocsp = p->ocsp,
	    .link = p->link};
	int rc = jpki_portal_http_new(&pc, &p->portal, err);
	if (rc == 0)
		snprintf(p->portal_url, sizeof(p->portal_url), "%s/demo/portal/", pc.origin);
	if (rc < 0 && err) {
		char why[sizeof(err->msg)];
		snprintf(why, sizeof(why), "%s", err->msg);
		rc = jpki_fail(err, err->code, "the demo portal: %.400s (or --no-portal)", why);
	}
	return rc;
}

/* The HTTPS listener and what it alone offers: the linking service, the demo portal. */
static int start_tls(struct jpki_publisher *p, const struct jpki_publish_cfg *cfg,
                     struct jpki_err *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->tls_port)};
	if (inet_pton(AF_INET, cfg->tls_address, &sa.sin_addr) != 1)
		return jpki_fail(err, JPKI_E_INVALID, "'%s' is not an IPv4 address",
		                 cfg->tls_address);
	if (!cfg->tls_cert_pem || !cfg->tls_key_pem)
		return jpki_fail(err, JPKI_E_INVALID, "HTTPS needs a certificate and its key");
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return jpki_fail(err, JPKI_E_STATE, "this libmicrohttpd has no TLS");
	char origin[64];
	snprintf(origin, sizeof(origin), "https://localhost:%u", (unsigned)cfg->tls_port);
	struct jpki_api_http_cfg ac = {.ctx = p->cas[1]->ctx,
	                               .origin = cfg->api_origin ? cfg->api_origin : origin,
	                               .cas = {p->cas[0], p->cas[1]}};
	int rc = jpki_link_http_new(p->cas[1]->ctx, &p->link, err);
	if (rc == 0)
		rc = jpki_api_http_new(&ac, &p->api, err);
	if (rc == 0)
		snprintf(p->counter_url, sizeof(p->counter_url), "%s/counter/", ac.origin);
	if (rc == 0 && !cfg->no_portal)
		rc = start_portal(p, cfg, err);
	if (rc < 0)
		return rc;
	if (!(p->tls_daemon = start_daemon(p, cfg, &sa, true)))
		return jpki_fail(err, JPKI_E_IO,
		                 "cannot listen for HTTPS on %s:%u (port in use, or a bad "
		                 "certificate or key?)",
		                 cfg->tls_address, cfg->tls_port);
	return 0;
}

/* An OCSP responder machine: the CA certificates and the responder, nothing else. */
static int start_ocsp_only(struct jpki_publisher *p, const struct jpki_publish_cfg *cfg,
                           const struct sockaddr_in *sa, struct jpki_err *err)
{
	int rc;
	if ((rc = jpki_guard_new(p->cas[0]->ctx, cfg->request_timeout, &p->guard, err)) < 0 ||
	    (rc = encode_ca(p->cas[0], &p->files[0], err)) < 0 ||
	    (rc = encode_ca(p->cas[1], &p->files[1], err)) < 0 ||
	    (rc = start_ocsp(p, cfg, err)) < 0)
		return rc;
	if (cfg->tls_address)
		return jpki_fail(err, JPKI_E_INVALID, "an OCSP-only server has no HTTPS listener");
	if (!(p->daemon = start_daemon(p, cfg, sa, false)))
		return jpki_fail(err, JPKI_E_IO, "cannot listen on %s:%u (port in use?)",
		                 cfg->address, cfg->port);
	return 0;
}

int jpki_publish_start(const struct jpki_publish_cfg *cfg, struct jpki_store *st,
                       struct jpki_ca *cas[2], struct jpki_publisher **ret, struct jpki_err *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(cfg->port)};
	if (inet_pton(AF_INET, cfg->address, &sa.sin_addr) != 1)
		return jpki_fail(err, JPKI_E_INVALID, "'%s' is not an IPv4 address", cfg->address);
	struct jpki_publisher *p = calloc(1, sizeof(*p));
	int rc;
	if (!p)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	pthread_mutex_init(&p->lock, NULL);
	p->store = st;
	p->cas[0] = cas[0];
	p->cas[1] = cas[1];
	if (cfg->ocsp_only) {
		if ((rc = start_ocsp_only(p, cfg, &sa, err)) < 0) {
			free_publisher(p, false);
			return rc;
		}
		*ret = p;
		return 0;
	}
	struct jpki_crl_http_cfg ccfg = {.validity = cfg->crl_validity};
	if ((rc = jpki_guard_new(cas[0]->ctx, cfg->request_timeout, &p->guard, err)) < 0 ||
	    (rc = jpki_crl_http_new(&ccfg, st, cas, &p->crl, err)) < 0 ||
	    (rc = encode_ca(cas[0], &p->files[0], err)) < 0 ||
	    (rc = encode_ca(cas[1], &p->files[1], err)) < 0 ||
	    (rc = jpki_publish_refresh(p, err)) < 0 || (rc = start_ocsp(p, cfg, err)) < 0 ||
	    (rc = start_tsa(p, cfg, err)) < 0 ||
	    (rc = jpki_verify_http_new(cas[0], p->ocsp, &p->verify, err)) < 0) {
		free_publisher(p, false);
		return rc;
	}
	/* HTTPS first: once the plain listener answers /health, every listener does */
	if (cfg->tls_address && (rc = start_tls(p, cfg, err)) < 0) {
		if (p->tls_daemon)
			MHD_stop_daemon(p->tls_daemon);
		free_publisher(p, false);
		return rc;
	}
	if (!(p->daemon = start_daemon(p, cfg, &sa, false))) {
		if (p->tls_daemon)
			MHD_stop_daemon(p->tls_daemon);
		free_publisher(p, false);
		return jpki_fail(err, JPKI_E_IO, "cannot listen on %s:%u (port in use?)",
		                 cfg->address, cfg->port);
	}
	if ((rc = jpki_crl_http_start_refresh(p->crl, cfg->crl_refresh > 0 ? cfg->crl_refresh : 600,
	                                      err)) < 0) {
		if (p->tls_daemon)
			MHD_stop_daemon(p->tls_daemon);
		MHD_stop_daemon(p->daemon);
		free_publisher(p, false);
		return rc;
	}
	if (cfg->checkpoint_interval >= 0 &&
	    (rc = jpki_witness_start(cas[0]->ctx, cas[0],
	                             cfg->checkpoint_interval ? cfg->checkpoint_interval : 300,
	                             &p->witness, err)) < 0) {
		jpki_crl_http_stop_refresh(p->crl);
		if (p->tls_daemon)
			MHD_stop_daemon(p->tls_daemon);
		MHD_stop_daemon(p->daemon);
		free_publisher(p, false);
		return rc;
	}
	*ret = p;
	return 0;
}

void jpki_publish_stop(struct jpki_publisher *p)
{
	if (!p)
		return;
	jpki_witness_stop(p->witness); /* it asks this server's TSA: before the daemons stop */
	if (p->crl)
		jpki_crl_http_stop_refresh(p->crl); /* joined before the server stops */
	if (p->tls_daemon)
		MHD_stop_daemon(p->tls_daemon);
	MHD_stop_daemon(p->daemon);
	free_publisher(p, true);
}
