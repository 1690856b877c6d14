/*
 * publish.h: the publication service (libmicrohttpd).
 *
 * Serves what certificates point at: each CA certificate (DER at the
 * caIssuers URL, PEM beside it) and each CA's current full CRL at its
 * cRLDistributionPoints URL.  CRLs are rebuilt when a revocation was
 * committed since the last one, and at the latest halfway to nextUpdate.
 * Answers OCSP under /ocsp (http/ocsp_http.h, status/ocsp.h).
 */
#ifndef JPKI_HTTP_PUBLISH_H
#define JPKI_HTTP_PUBLISH_H

#include <stdint.h>

#include "jpki/api.h"
#include "ca/ca.h"
#include "store/store.h"

struct jpki_publisher;

struct jpki_publish_cfg {
	const char *address; /* numeric IPv4, e.g. "127.0.0.1" */
	uint16_t port;
	int64_t crl_validity; /* seconds from thisUpdate to nextUpdate */
	unsigned threads;
	const char *passphrase;   /* CA passphrase: the OCSP responder keys (copied) */
	int64_t ocsp_validity;    /* OCSP thisUpdate to nextUpdate; 0 = 1 hour */
	int64_t crl_refresh;      /* seconds between scheduled CRL refreshes; 0 = 600 */
	unsigned max_connections; /* in total; 0 = 4096 (capped by the descriptor limit) */
	unsigned max_per_address; /* from one client address; 0 = 64 */
	unsigned request_timeout; /* seconds to send a request's headers (guard.h); 0 = 10 */
	/* HTTPS (libmicrohttpd with GnuTLS): every route, and the linking service only there */
	const char *tls_address; /* NULL: no HTTPS listener */
	uint16_t tls_port;
	const char *tls_cert_pem, *tls_key_pem; /* the server's chain and key, PEM text */
	/* the demo portal (portal_http.h), on the HTTPS listener */
	bool no_portal;
	const char *portal_origin; /* NULL: https://localhost:<tls_port> */
	const char *portal_helper; /* NULL: http://127.0.0.1:24727 */
	/* the audit log's checkpoints (witness.h): seconds between them; 0 = 300, < 0: none */
	int64_t checkpoint_interval;
	/* the counter's API and UI (api_http.h), on the HTTPS listener */
	const char *api_origin; /* NULL: https://localhost:<tls_port> */
	/*
	 * An OCSP responder machine (docs/deployment.md): only /ocsp, /ca and
	 * /health; the CAs without keys, the responders exported to the data
	 * folder and decrypted with `passphrase` (the responder's own), no
	 * CRLs, TSA, HTTPS or checkpoints; the store may be a hot standby.
	 */
	bool ocsp_only;
};

/*
 * Start serving.  Takes ownership of the store and both CAs (cas[0] sign,
 * cas[1] auth) on success; on failure they stay the caller's.
 */
JPKI_MUST_CHECK int jpki_publish_start(const struct jpki_publish_cfg *cfg, struct jpki_store *st,
                                       struct jpki_ca *cas[2], struct jpki_publisher **ret,
                                       struct jpki_err *err);
/* Rebuild both CRLs now (also done at start). */
JPKI_MUST_CHECK int jpki_publish_refresh(struct jpki_publisher *p, struct jpki_err *err);
/*
 * Ask the CRL refresh thread for a refresh now (SIGHUP): both full CRLs are
 * rebuilt and written to <data>/crl/, stale partition CRLs rebuilt.  Returns
 * at once; the refresh runs on that thread (crl_http.h).
 */
void jpki_publish_kick(struct jpki_publisher *p);
/* Stop serving and free everything; NULL is fine. */
void jpki_publish_stop(struct jpki_publisher *p);

#endif
