/*
 * cmd_serve.c: `jpki serve`, the publication server in the foreground.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "opts.h"
#include "commands.h"
#include "ca/ca.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "http/publish.h"
#include "tls/local_ca.h"

static const char usage[] =
    "usage: jpki serve [--listen ADDRESS:PORT] [--crl-validity SECONDS] [--threads N]\n"
    "                  [--ocsp-validity SECONDS] [--crl-refresh SECONDS]\n"
    "                  [--checkpoint-interval SECONDS]\n"
    "                  [--max-connections N] [--max-per-address N]\n"
    "                  [--request-timeout SECONDS]\n"
    "                  [--tls-listen ADDRESS:PORT [--tls-cert CHAIN.pem --tls-key KEY.pem]]\n"
    "                  [--portal-origin https://HOST[:PORT]] [--portal-helper URL]\n"
    "                  [--no-portal]\n"
    "       jpki serve --ocsp-only [--listen ADDRESS:PORT] [--threads N]\n"
    "                  [--ocsp-validity SECONDS] [--max-connections N]\n"
    "                  [--max-per-address N] [--request-timeout SECONDS]\n"
    "\n"
    "Serve over HTTP, until SIGINT or SIGTERM (default 127.0.0.1:8080):\n"
    "  /                            the front door: what this is, where its parts are\n"
    "  /ca/sign.der  /ca/auth.der   CA certificates (DER; .pem also served)\n"
    "  /crl/sign.crl /crl/auth.crl  each CA's current full CRL (DER)\n"
    "  /crl/KIND/N.crl              partition N (0-1023) of a CA's CRL, as named in\n"
    "                               certificates; /crl/KIND/N-delta.crl its delta CRL\n"
    "  /ocsp/sign /ocsp/auth        OCSP (RFC 6960): POST, or GET /ocsp/KIND/BASE64\n"
    "  /tsa                         time-stamping (RFC 3161): POST a timestamp-query\n"
    "  /audit/checkpoint            the audit log's newest signed checkpoint, made\n"
    "                               every --checkpoint-interval SECONDS (default 300)\n"
    "                               when the log grew; /audit/checkpoint.tsr its\n"
    "                               time-stamp token; kept in <data>/audit/checkpoints/\n"
    "  /health                      liveness\n"
    "Over HTTPS (--tls-listen) with the certificate `jpki init` made from its\n"
    "local TLS CA, <data>/tls/cert.pem and key.pem (trust <data>/tls/ca.pem;\n"
    "`jpki tls renew` renews it), or your own: --tls-cert (the chain, PEM) with\n"
    "--tls-key (its unencrypted PEM key).  A certificate within 30 days of its\n"
    "end is announced on stderr.  The plain listener stays, for the CRLs and OCSP\n"
    "(RFC 5019 §5: certificates name them with http:// URLs).  HTTPS serves every\n"
    "route above and, on HTTPS only, the linking service\n"
    "for registered relying parties (`jpki rp`, docs/login.md), HTTP Basic with\n"
    "the relying party's id and access key:\n"
    "  /link/pseudonym              POST {\"certificate\": base64 DER}\n"
    "  /link/same-person            POST {\"authentication\": ..., \"signature\": ...}\n"
    "the counter terminal for operators at /counter/ and its REST API at /api/v1\n"
    "(docs/counter-ui.md, docs/api.md; the OpenAPI document at\n"
    "/api/v1/openapi.json), whose pages and origin checks use --portal-origin,\n"
    "and the demo relying party (docs/login.md, \"The demo portal\"), unless\n"
    "--no-portal: /demo/portal/, a login with the card's authentication certificate\n"
    "through the holder's local helper (`jpki login helper`, default --portal-helper\n"
    "http://127.0.0.1:24727), an account per holder, filings signed with the card.\n"
    "--portal-origin is its origin as browsers name it (default\n"
    "https://localhost:PORT, PORT the --tls-listen one): logins are bound to it.\n"
    "CRLs are rebuilt after every revocation and at the latest halfway to their\n"
    "nextUpdate (thisUpdate + SECONDS, default 86400).  Every --crl-refresh SECONDS\n"
    "(1 to 86400, default 600) a background thread rebuilds the full CRLs that\n"
    "are stale (a revocation since, or halfway to nextUpdate) and writes them to\n"
    "<data>/crl/KIND.crl, and the cached partition CRLs that are due; SIGHUP\n"
    "asks for such a refresh now, full CRLs rebuilt whatever their age.\n"
    "OCSP responses are valid for --ocsp-validity SECONDS (default 3600); each\n"
    "CA's responder certificate is kept in <data>/ocsp/KIND/ and renewed a week\n"
    "before it expires.  The time-stamping authority's certificate is kept in\n"
    "<data>/tsa/sign/ and renewed 30 days before it expires (docs/tsa.md).\n"
    "\n"
    "Clients: at most --max-connections at once (default 4096, bounded by the\n"
    "descriptor limit) and --max-per-address from one address (default 64;\n"
    "raise it behind a reverse proxy or a NAT that many clients share).  A\n"
    "request's headers must arrive within --request-timeout SECONDS (1 to 300,\n"
    "default 10) of the connection or of the previous request, and a silent\n"
    "connection is closed after 10 s.  Malformed framing (no Host in HTTP/1.1,\n"
    "two Content-Length headers, %00 in the path...) gets 400 and a close.\n"
    "The server's messages go to stderr, at most one line per 10 seconds.\n"
    "\n"
    "--ocsp-only: an OCSP responder machine (docs/deployment.md) answers /ocsp,\n"
    "/ca and /health only, from a data folder that `jpki responder export` made\n"
    "on the CA machine: the CA certificates without their keys (a CA key in the\n"
    "folder is refused), and the responder keys, unlocked with\n"
    "JPKI_RESPONDER_PASSPHRASE (or ..._FILE), never renewed here.  JPKI_STORE may\n"
    "name a hot standby of the registry's PostgreSQL server: it is only read.\n";

struct listen_at {
	char addr[64];
	uint16_t port;
};

/* --listen ADDRESS:PORT (the address is checked when the server binds it). */
static int parse_listen(const char *s, void *dst, struct jpki_err *err)
{
	struct listen_at *l = dst;
	const char *colon = strrchr(s, ':');
	unsigned long p;
	if (!colon || (size_t)(colon - s) >= sizeof(l->addr) || colon == s ||
	    cli_parse_uint(colon + 1, 1, 65535, &p, NULL) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "ADDRESS:PORT, e.g. 127.0.0.1:8080");
	memcpy(l->addr, s, (size_t)(colon - s));
	l->addr[colon - s] = '\0';
	l->port = (uint16_t)p;
	return 0;
}

/* The HTTPS certificate chain and key, as NUL-terminated PEM text (the key wiped at exit). */
static int read_pem_pair(const char *cert, const char *key, uint8_t **cert_pem, uint8_t **key_pem)
{
	struct jpki_err err;
	size_t cl = 0, kl = 0;
	if (jpki_read_file(cert, 1u << 20, cert_pem, &cl, &err) < 0 ||
	    jpki_read_file(key, 1u << 16, key_pem, &kl, &err) < 0)
		return cli_fail(&err);
	uint8_t *c = realloc(*cert_pem, cl + 1), *k = c ? realloc(*key_pem, kl + 1) : NULL;
	if (c)
		*cert_pem = c;
	if (!c || !k)
		return cli_fail_msg("out of memory");
	*key_pem = k;
	c[cl] = k[kl] = '\0';
	if (!strstr((char *)c, "-----BEGIN CERTIFICATE-----") ||
	    !strstr((char *)k, "PRIVATE KEY-----"))
		return cli_fail_msg(
		    "serve: %s and %s must be PEM files (a certificate chain, a key)", cert, key);
	if (strstr((char *)k, "ENCRYPTED PRIVATE KEY-----"))
		return cli_fail_msg(
		    "serve: the key %s is encrypted: the server needs it unencrypted", key);
	return 0;
}

/*
 * Without --tls-cert and --tls-key: the certificate `jpki init` made (tls/local_ca.h), whose
 * absence is named with its remedy.
 */
static int default_pair(char cert[4200], char key[4200])
{
	struct jpki_err err;
	struct jpki_tls_paths p;
	if (jpki_tls_paths(cli_ctx(), &p, &err) < 0)
		return cli_fail(&err);
	for (int i = 0; i < 2; i++) {
		const char *f = i ? p.key : p.cert;
		if (!jpki_path_exists(f))
			return cli_fail_msg(
			    "serve: --tls-listen without --tls-cert and --tls-key uses the HTTPS "
			    "certificate of the data folder, and %s is missing: run `jpki init` "
			    "(it makes one from a local TLS CA; `jpki tls renew` if the CA is "
			    "there), or give your own with --tls-cert and --tls-key",
			    f);
	}
	memcpy(cert, p.cert, sizeof(p.cert));
	memcpy(key, p.key, sizeof(p.key));
	return 0;
}

/* A certificate near its end or past it is said once at the start (the server serves it). */
static void warn_expiry(const char *path, const uint8_t *pem)
{
	int64_t end;
	time_t now = time(NULL); /* the clock TLS clients judge by, not JPKI_NOW */
	if (jpki_tls_chain_not_after(pem, strlen((const char *)pem), &end, NULL) < 0)
		return;
	char when[26];
	jpki_time_format_jst(end, when);
	if (end <= (int64_t)now)
		fprintf(stderr,
		        "jpki: warning: the HTTPS certificate %s ended on %s: clients refuse it "
		        "(`jpki tls renew`, then restart)\n",
		        path, when);
	else if (end - (int64_t)now < JPKI_TLS_RENEW_WITHIN_DEFAULT)
		fprintf(stderr,
		        "jpki: warning: the HTTPS certificate %s ends on %s (`jpki tls renew`, "
		        "then restart)\n",
		        path, when);
}

/* Block the stop signals before any thread starts; they are waited for in wait_stop. */
static void block_signals(sigset_t *stop)
{
	sigemptyset(stop);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, stop, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void wait_stop(const sigset_t *stop, struct jpki_publisher *pub)
{
	int sig = 0;
	while (sigwait(stop, &sig) == 0 && sig == SIGHUP)
		jpki_publish_kick(pub); /* a CRL refresh now, on the refresh thread */
	jpki_publish_stop(pub);
	printf("jpki: stopped on %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/* A responder machine holds no CA key: one in its data folder stops it. */
static int refuse_ca_keys(void)
{
	for (int k = 0; k < 2; k++) {
		char key[4096];
		struct jpki_err err;
		if (jpki_ca_path(cli_ctx(), (enum jpki_kind)k, "key.pem", key, sizeof(key), &err) <
		    0)
			return cli_fail(&err);
		if (jpki_path_exists(key))
			return cli_fail_msg(
			    "serve --ocsp-only: %s is a CA key, and a responder machine "
			    "holds none: make its data folder with `jpki responder "
			    "export` (docs/deployment.md)",
			    key);
	}
	return 0;
}

static int serve_ocsp_only(struct jpki_publish_cfg *cfg)
{
	sigset_t stop;
	struct jpki_ca *cas[2] = {NULL, NULL};
	struct jpki_store *st = NULL;
	struct jpki_publisher *pub = NULL;
	struct jpki_err err;
	char pass[1024];
	int rc = refuse_ca_keys();
	if (rc != 0)
		return rc;
	block_signals(&stop);
	rc = jpki_ca_load_public(cli_ctx(), JPKI_KIND_SIGN, &cas[0], &err);
	if (rc == 0)
		rc = jpki_ca_load_public(cli_ctx(), JPKI_KIND_AUTH, &cas[1], &err);
	if (rc == 0 && cli_open_store(&st) != 0)
		rc = 1;
	else if (rc == 0)
		rc = cli_responder_passphrase(pass, sizeof(pass), &err);
	cfg->passphrase = pass;
	cfg->ocsp_only = true;
	if (rc == 0)
		rc = jpki_publish_start(cfg, st, cas, &pub, &err);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (rc != 0) {
		jpki_ca_free(cas[0]);
		jpki_ca_free(cas[1]);
		jpki_store_close(st);
		return rc < 0 ? cli_fail(&err) : rc;
	}
	printf("jpki OCSP responder on http://%s:%u/ocsp/ (Ctrl-C to stop)\n", cfg->address,
	       cfg->port);
	fflush(stdout);
	wait_stop(&stop, pub);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct listen_at at = {"127.0.0.1", 8080}, tls_at = {"", 0};
	const char *tls_cert = NULL, *tls_key = NULL, *portal_origin = NULL, *portal_helper = NULL;
	bool no_portal = false, ocsp_only = false;
	unsigned long crl_validity = 86400, ocsp_validity = 3600, crl_refresh = 600, threads = 2,
	              max_conns = 0, max_per = 0, req_timeout = 0, checkpoints = 300;
	const struct cli_opt opts[] = {
	    {"listen", CLI_CUSTOM, &at, 0, 0, parse_listen, NULL},
	    {"crl-validity", CLI_UINT, &crl_validity, 60, 31L * 86400, NULL, NULL},
	    {"threads", CLI_UINT, &threads, 1, 64, NULL, NULL},
	    {"ocsp-validity", CLI_UINT, &ocsp_validity, 60, 7L * 86400, NULL, NULL},
	    {"crl-refresh", CLI_UINT, &crl_refresh, 1, 86400, NULL, NULL},
	    {"checkpoint-interval", CLI_UINT, &checkpoints, 1, 86400, NULL, NULL},
	    {"max-connections", CLI_UINT, &max_conns, 1, 1000000, NULL, NULL},
	    {"max-per-address", CLI_UINT, &max_per, 1, 1000000, NULL, NULL},
	    {"request-timeout", CLI_UINT, &req_timeout, 1, 300, NULL, NULL},
	    {"tls-listen", CLI_CUSTOM, &tls_at, 0, 0, parse_listen, NULL},
	    {"tls-cert", CLI_TEXT, &tls_cert, 0, 0, NULL, NULL},
	    {"tls-key", CLI_TEXT, &tls_key, 0, 0, NULL, NULL},
	    {"portal-origin", CLI_TEXT, &portal_origin, 0, 0, NULL, NULL},
	    {"portal-helper", CLI_TEXT, &portal_helper, 0, 0, NULL, NULL},
	    {"no-portal", CLI_FLAG, &no_portal, 0, 0, NULL, NULL},
	    {"ocsp-only", CLI_FLAG, &ocsp_only, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc, prc = cli_parse(argc, argv, usage, "serve", opts);
	if (prc >= 0)
		return prc;
	struct jpki_publish_cfg cfg = {.address = at.addr,
	                               .port = at.port,
	                               .crl_validity = (int64_t)crl_validity,
	                               .threads = (unsigned)threads,
	                               .ocsp_validity = (int64_t)ocsp_validity,
	                               .crl_refresh = (int64_t)crl_refresh,
	                               .checkpoint_interval = (int64_t)checkpoints,
	                               .max_connections = (unsigned)max_conns,
	                               .max_per_address = (unsigned)max_per,
	                               .request_timeout = (unsigned)req_timeout};
	if (optind != argc)
		return cli_usage_error(usage, "serve: unexpected argument '%s'", argv[optind]);
	if (ocsp_only && (tls_at.port != 0 || tls_cert || tls_key || portal_origin ||
	                  portal_helper || no_portal))
		return cli_usage_error(usage, "serve: --ocsp-only serves plain HTTP, OCSP alone");
	if (ocsp_only)
		return serve_ocsp_only(&cfg);
	if ((tls_cert != NULL) != (tls_key != NULL))
		return cli_usage_error(usage, "serve: --tls-cert and --tls-key go together");
	if (tls_cert && tls_at.port == 0)
		return cli_usage_error(usage, "serve: --tls-cert and --tls-key need --tls-listen");
	char dflt_cert[4200], dflt_key[4200];
	if (tls_at.port != 0 && !tls_cert) {
		if ((rc = default_pair(dflt_cert, dflt_key)) != 0)
			return rc;
		tls_cert = dflt_cert;
		tls_key = dflt_key;
	}
	_cleanup_(freep) uint8_t *cert_pem = NULL;
	_cleanup_(freep) uint8_t *key_pem = NULL;
	if (tls_cert && (rc = read_pem_pair(tls_cert, tls_key, &cert_pem, &key_pem)) != 0)
		return rc;
	if (tls_cert) {
		warn_expiry(tls_cert, cert_pem);
		cfg.tls_address = tls_at.addr;
		cfg.tls_port = tls_at.port;
		cfg.tls_cert_pem = (const char *)cert_pem;
		cfg.tls_key_pem = (const char *)key_pem;
		cfg.no_portal = no_portal;
		cfg.portal_origin = portal_origin;
		cfg.api_origin = portal_origin; /* the counter's pages and API share it */
		cfg.portal_helper = portal_helper;
	}

	sigset_t stop;
	block_signals(&stop);

	struct jpki_ca *cas[2] = {NULL, NULL};
	struct jpki_store *st = NULL;
	struct jpki_publisher *pub = NULL;
	struct jpki_err err;
	if (cli_load_ca(JPKI_KIND_SIGN, &cas[0]) != 0 ||
	    cli_load_ca(JPKI_KIND_AUTH, &cas[1]) != 0 || cli_open_store(&st) != 0) {
		jpki_ca_free(cas[0]);
		jpki_ca_free(cas[1]);
		jpki_store_close(st);
		return 1;
	}
	char pass[1024];
	rc = cli_passphrase(pass, sizeof(pass), &err);
	cfg.passphrase = pass;
	if (rc == 0)
		rc = jpki_publish_start(&cfg, st, cas, &pub, &err);
	OPENSSL_cleanse(pass, sizeof(pass)); /* the responder keeps its own copy */
	if (rc < 0) {
		jpki_ca_free(cas[0]);
		jpki_ca_free(cas[1]);
		jpki_store_close(st);
		return cli_fail(&err);
	}
	printf("jpki serving on http://%s:%u/ (Ctrl-C to stop)\n", at.addr, cfg.port);
	if (cfg.tls_address)
		printf("jpki serving on https://%s:%u/ (the linking service too)\n", tls_at.addr,
		       cfg.tls_port);
	if (cfg.tls_address) {
		if (portal_origin)
			printf("jpki counter terminal on %s/counter/\n", portal_origin);
		else
			printf("jpki counter terminal on https://localhost:%u/counter/\n",
			       cfg.tls_port);
	}
	if (cfg.tls_address && !no_portal) {
		if (portal_origin)
			printf("jpki demo portal on %s/demo/portal/\n", portal_origin);
		else
			printf("jpki demo portal on https://localhost:%u/demo/portal/\n",
			       cfg.tls_port);
	}
	fflush(stdout);
	wait_stop(&stop, pub);
	return 0;
}
