/*
 * cmd_serve.c: `jpki serve`, the publication server in the foreground.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "http/publish.h"

static const char usage[] =
    "usage: jpki serve [--listen ADDRESS:PORT] [--crl-validity SECONDS] [--threads N]\n"
    "                  [--ocsp-validity SECONDS] [--crl-refresh SECONDS]\n"
    "                  [--max-connections N] [--max-per-address N]\n"
    "                  [--request-timeout SECONDS]\n"
    "\n"
    "Serve over HTTP, until SIGINT or SIGTERM (default 127.0.0.1:8080):\n"
    "  /ca/sign.der  /ca/auth.der   CA certificates (DER; .pem also served)\n"
    "  /crl/sign.crl /crl/auth.crl  each CA's current full CRL (DER)\n"
    "  /crl/KIND/N.crl              partition N (0-1023) of a CA's CRL, as named in\n"
    "                               certificates; /crl/KIND/N-delta.crl its delta CRL\n"
    "  /ocsp/sign /ocsp/auth        OCSP (RFC 6960): POST, or GET /ocsp/KIND/BASE64\n"
    "  /health                      liveness\n"
    "CRLs are rebuilt after every revocation and at the latest halfway to their\n"
    "nextUpdate (thisUpdate + SECONDS, default 86400).  Every --crl-refresh SECONDS\n"
    "(1 to 86400, default 600) a background thread rebuilds the full CRLs that\n"
    "are stale (a revocation since, or halfway to nextUpdate) and writes them to\n"
    "<data>/crl/KIND.crl, and the cached partition CRLs that are due; SIGHUP\n"
    "asks for such a refresh now, full CRLs rebuilt whatever their age.\n"
    "OCSP responses are valid for --ocsp-validity SECONDS (default 3600); each\n"
    "CA's responder certificate is kept in <data>/ocsp/KIND/ and renewed a week\n"
    "before it expires.\n"
    "\n"
    "Clients: at most --max-connections at once (default 4096, bounded by the\n"
    "descriptor limit) and --max-per-address from one address (default 64;\n"
    "raise it behind a reverse proxy or a NAT that many clients share).  A\n"
    "request's headers must arrive within --request-timeout SECONDS (1 to 300,\n"
    "default 10) of the connection or of the previous request, and a silent\n"
    "connection is closed after 10 s.  Malformed framing (no Host in HTTP/1.1,\n"
    "two Content-Length headers, %00 in the path...) gets 400 and a close.\n"
    "The server's messages go to stderr, at most one line per 10 seconds.\n";

static int parse_listen(const char *s, char *addr, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	unsigned long p;
	if (!colon || (size_t)(colon - s) >= cap || colon == s ||
	    cli_parse_uint(colon + 1, 1, 65535, &p) < 0)
		return -1;
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"crl-validity", required_argument, NULL, 'v'},
	    {"threads", required_argument, NULL, 't'},
	    {"ocsp-validity", required_argument, NULL, 'o'},
	    {"crl-refresh", required_argument, NULL, 'r'},
	    {"max-connections", required_argument, NULL, 'c'},
	    {"max-per-address", required_argument, NULL, 'a'},
	    {"request-timeout", required_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	char addr[64] = "127.0.0.1";
	struct jpki_publish_cfg cfg = {.address = addr,
	                               .port = 8080,
	                               .crl_validity = 86400,
	                               .threads = 2,
	                               .ocsp_validity = 3600,
	                               .crl_refresh = 600};
	unsigned long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'l':
			if (parse_listen(optarg, addr, sizeof(addr), &cfg.port) < 0)
				return cli_usage_error(usage, "--listen wants ADDRESS:PORT");
			break;
		case 'v':
			if (cli_parse_uint(optarg, 60, 31L * 86400, &v) < 0)
				return cli_usage_error(usage, "--crl-validity: 60 to 2678400");
			cfg.crl_validity = (int64_t)v;
			break;
		case 'o':
			if (cli_parse_uint(optarg, 60, 7L * 86400, &v) < 0)
				return cli_usage_error(usage, "--ocsp-validity: 60 to 604800");
			cfg.ocsp_validity = (int64_t)v;
			break;
		case 'r':
			if (cli_parse_uint(optarg, 1, 86400, &v) < 0)
				return cli_usage_error(usage, "--crl-refresh: 1 to 86400");
			cfg.crl_refresh = (int64_t)v;
			break;
		case 'c':
			if (cli_parse_uint(optarg, 1, 1000000, &v) < 0)
				return cli_usage_error(usage, "--max-connections: 1 to 1000000");
			cfg.max_connections = (unsigned)v;
			break;
		case 'a':
			if (cli_parse_uint(optarg, 1, 1000000, &v) < 0)
				return cli_usage_error(usage, "--max-per-address: 1 to 1000000");
			cfg.max_per_address = (unsigned)v;
			break;
		case 'q':
			if (cli_parse_uint(optarg, 1, 300, &v) < 0)
				return cli_usage_error(usage, "--request-timeout: 1 to 300");
			cfg.request_timeout = (unsigned)v;
			break;
		case 't':
			if (cli_parse_uint(optarg, 1, 64, &v) < 0)
				return cli_usage_error(usage, "--threads: 1 to 64");
			cfg.threads = (unsigned)v;
			break;
		default:
			return cli_usage_error(usage, "serve: bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error(usage, "serve: unexpected argument '%s'", argv[optind]);

	/* block the signals before any thread starts, then wait for them here */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

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
	int rc = cli_passphrase(pass, sizeof(pass), &err);
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
	printf("jpki serving on http://%s:%u/ (Ctrl-C to stop)\n", addr, cfg.port);
	fflush(stdout);
	int sig = 0;
	while (sigwait(&stop, &sig) == 0 && sig == SIGHUP)
		jpki_publish_kick(pub); /* a CRL refresh now, on the refresh thread */
	jpki_publish_stop(pub);
	printf("jpki: stopped on %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}
