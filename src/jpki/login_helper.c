/*
 * login_helper.c: `jpki login helper`, the browser's local helper (the role
 * of the JPKI client software; docs/login.md, "The browser's helper").
 *
 * A loopback HTTP server (127.0.0.1 only) that a relying party's page calls
 * with fetch(): the origin it signs for is the browser's Origin header,
 * which no page script can set; the PINs are typed here (or read from
 * files), never in the page.  One request at a time, one card session each.
 *   GET  /status                      {"version", "card"}
 *   POST /authenticate {"nonce"}       the web-eid:1.0 token for the Origin
 *   POST /certificate  {}              {"certificate"}: the signature certificate
 *   POST /sign {"hash", "hashFunction": "SHA-256"}  {"signature", "algorithm": "RS256"}
 * Every request: Host must be the helper's own (DNS rebinding), Origin an
 * https origin (or one of --allow-origin); CORS answers name that origin only.
 * PINs from files ask nobody, so they need --allow-origin: without it any
 * https page the holder opens could have the card sign.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "card/card.h"
#include "cli.h"
#include "cmd_card.h"
#include "core/base64.h"
#include "core/ossl.h"
#include "jpki/login.h"
#include "login/validate.h"
#include "login_card.h"
#include "opts.h"

#define BODY_MAX 4096
#define ALLOW_MAX 16

static const char helper_usage[] =
    "usage: jpki login helper [--listen PORT] [IMAGE | --reader NAME]\n"
    "                         [--auth-pin-file F] [--sign-pin-file F]\n"
    "                         [--allow-origin ORIGIN]...\n"
    "\n"
    "The browser's helper (docs/login.md, \"The browser's helper\"): an HTTP server on\n"
    "127.0.0.1:PORT (default 24727) that relying parties' pages call to log in with\n"
    "the card and to sign with it, until SIGINT or SIGTERM:\n"
    "  GET  /status         the helper's version, and whether a card is there\n"
    "  POST /authenticate   {\"nonce\": 44 base64 characters}: a web-eid:1.0 token\n"
    "                       signed for the request's Origin (the authentication PIN)\n"
    "  POST /certificate    {}: the signature certificate (the signature password)\n"
    "  POST /sign           {\"hash\": base64 SHA-256, \"hashFunction\": \"SHA-256\"}:\n"
    "                       the RS256 signature of that hash (the signature password)\n"
    "The origin signed is the one the browser sends, never one the page names.  It\n"
    "must be https://host[:port], or one of --allow-origin (given: only those).  The\n"
    "Host header must be 127.0.0.1:PORT or localhost:PORT.  The PINs are asked on\n"
    "the terminal, naming the origin that asks, for every request; --auth-pin-file\n"
    "and --sign-pin-file read them from files instead (re-read each time), and then\n"
    "nobody is asked: they need --allow-origin (the helper refuses to start\n"
    "without), so that only the sites named can have the card sign.  The\n"
    "card: the first PC/SC reader holding one, --reader, or a card IMAGE; opened for\n"
    "each request.  One line per request goes to stderr, never a PIN.\n";

struct helper {
	unsigned long port;
	struct card_target tg;
	struct card_secrets sec;
	const char *allow[ALLOW_MAX];
	size_t n_allow;
};

struct request {
	char body[BODY_MAX + 1];
	size_t len;
	bool too_long;
	bool answered;  /* refused on the headers */
	char line[400]; /* for the log */
};

static int add_origin(const char *value, void *dst, struct jpki_err *err)
{
	struct helper *h = dst;
	if (!jpki_login_origin_ok(value))
		return jpki_fail(err, JPKI_E_INVALID, "'%s' is not an https://host[:port] origin",
		                 value);
	if (h->n_allow == ALLOW_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "at most %d origins", ALLOW_MAX);
	h->allow[h->n_allow++] = value;
	return 0;
}

/* ---- answers ---- */

/* The status of the last answer, for the request's log line (one server thread: no lock). */
static unsigned answered_status;

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *origin,
                                 const char *json)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Vary", "Origin");
	if (origin) /* CORS: this origin only, never "*" */
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	answered_status = status;
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, const char *origin,
                                 json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return MHD_NO;
	enum MHD_Result ret = send_text(conn, status, origin, text);
	free(text);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *origin,
                                  const char *why)
{
	return send_json(conn, status, origin, json_pack("{s:s}", "error", why));
}

/* A card error: a wrong PIN with its tries, a blocked one, no card, or the card's refusal. */
static enum MHD_Result send_card_error(struct MHD_Connection *conn, const char *origin, int rc,
                                       int tries, const struct jpki_err *err)
{
	if (rc == -JPKI_E_PIN)
		return send_json(
		    conn, MHD_HTTP_FORBIDDEN, origin,
		    tries >= 0 ? json_pack("{s:s, s:i}", "error", "wrong PIN", "triesLeft", tries)
		               : json_pack("{s:s}", "error", "wrong PIN"));
	if (rc == -JPKI_E_PIN_BLOCKED)
		return send_error(conn, MHD_HTTP_FORBIDDEN, origin, "PIN blocked");
	if (rc == -JPKI_E_NO_CARD)
		return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, origin, "no card");
	return send_error(conn, (unsigned)jpki_code_http_status(err->code), origin, err->msg);
}

/* ---- the card ---- */

static int open_card(const struct helper *h, struct jpki_transport **t, struct jpki_err *err)
{
	int rc = h->tg.image ? jpki_transport_image_open(cli_ctx(), h->tg.image, t, err)
	                     : jpki_transport_pcsc_open(h->tg.reader, t, err);
	if (rc == 0 && (rc = jpki_host_select_app(*t, err)) < 0) {
		jpki_transport_close(*t);
		*t = NULL;
	}
	return rc;
}

/* The PIN of kind for a request of origin: from its file, or typed at the terminal. */
static int read_pin(const struct helper *h, enum jpki_pin_id kind, const char *origin,
                    const char *what, char pin[JPKI_PIN_MAX + 2], struct jpki_err *err)
{
	char prompt[512];
	snprintf(prompt, sizeof(prompt), "%s asks %s: %s", origin, what,
	         kind == JPKI_PIN_AUTH ? "authentication PIN (4 digits)"
	                               : "signature password (6-16 of A-Z 0-9)");
	const struct cli_secret *s = kind == JPKI_PIN_AUTH ? &h->sec.auth_pin : &h->sec.sign_pin;
	return cli_secret_read(s, prompt, pin, JPKI_PIN_MAX + 1) == 0
	           ? 0
	           : jpki_fail(err, JPKI_E_DENIED, "no PIN was given");
}

/* ---- the routes ---- */

/* A JSON object body with exactly the string fields named (n of them, at most 2). */
static json_t *fields(const struct request *rq, size_t n, const char *f1, const char **v1,
                      const char *f2, const char **v2)
{
	json_t *j = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, NULL);
	bool ok = j && json_is_object(j) && json_object_size(j) == n;
	if (ok && n == 1)
		ok = json_unpack(j, "{s:s}", f1, v1) == 0;
	else if (ok && n == 2)
		ok = json_unpack(j, "{s:s, s:s}", f1, v1, f2, v2) == 0;
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static bool nonce_ok(const char *n)
{
	return strlen(n) == JPKI_LOGIN_NONCE_LEN &&
	       strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
	           JPKI_LOGIN_NONCE_LEN;
}

static enum MHD_Result authenticate(const struct helper *h, struct MHD_Connection *conn,
                                    const char *origin, const struct request *rq)
{
	const char *nonce = NULL;
	json_t *j = fields(rq, 1, "nonce", &nonce, NULL, NULL);
	if (!j || !nonce_ok(nonce)) {
		json_decref(j);
		return send_error(conn, MHD_HTTP_BAD_REQUEST, origin,
		                  "the body must be {\"nonce\": 44 base64 characters}");
	}
	struct jpki_err err;
	char pin[JPKI_PIN_MAX + 2];
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	char *token = NULL;
	int tries = -1;
	int rc = read_pin(h, JPKI_PIN_AUTH, origin, "to log in with your card", pin, &err);
	if (rc == 0 && (rc = open_card(h, &t, &err)) == 0) /* rule C3: the browser's origin */
		rc = login_card_token(t, pin, origin, nonce, &token, &tries, &err);
	OPENSSL_cleanse(pin, sizeof(pin));
	json_decref(j);
	if (rc < 0)
		return send_card_error(conn, origin, rc, tries, &err);
	enum MHD_Result ret = send_text(conn, MHD_HTTP_OK, origin, token);
	free(token);
	return ret;
}

/* The card opened and its signature password verified. */
static int sign_session(const struct helper *h, const char *origin, const char *what,
                        struct jpki_transport **t, int *tries, struct jpki_err *err)
{
	char pin[JPKI_PIN_MAX + 2];
	int rc = read_pin(h, JPKI_PIN_SIGN, origin, what, pin, err);
	if (rc == 0 && (rc = open_card(h, t, err)) == 0)
		rc = jpki_host_verify(*t, JPKI_PIN_SIGN, pin, tries, err);
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}

static enum MHD_Result certificate(const struct helper *h, struct MHD_Connection *conn,
                                   const char *origin, const struct request *rq)
{
	json_t *j = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, NULL);
	bool ok = j && json_is_object(j) && json_object_size(j) == 0;
	json_decref(j);
	if (!ok)
		return send_error(conn, MHD_HTTP_BAD_REQUEST, origin, "the body must be {}");
	struct jpki_err err;
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	_cleanup_(freep) uint8_t *der = NULL;
	size_t len = 0;
	int tries = -1;
	/* the card shows the signature certificate only after its password (it names the holder) */
	int rc = sign_session(h, origin, "for your signature certificate", &t, &tries, &err);
	if (rc == 0)
		rc = jpki_host_read_cert(t, JPKI_FID_SIGN_CERT, &der, &len, &err);
	if (rc < 0)
		return send_card_error(conn, origin, rc, tries, &err);
	_cleanup_(freep) char *b64 = jpki_base64_encode(der, len);
	return b64 ? send_json(conn, MHD_HTTP_OK, origin, json_pack("{s:s}", "certificate", b64))
	           : MHD_NO;
}

/* The DER DigestInfo prefix of a SHA-256 hash (RFC 8017 §9.2, note 1). */
static const uint8_t sha256_prefix[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                          0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                          0x01, 0x05, 0x00, 0x04, 0x20};

static enum MHD_Result sign(const struct helper *h, struct MHD_Connection *conn, const char *origin,
                            const struct request *rq)
{
	const char *hash64 = NULL, *fn = NULL;
	_cleanup_(freep) uint8_t *hash = NULL;
	size_t hash_len = 0;
	json_t *j = fields(rq, 2, "hash", &hash64, "hashFunction", &fn);
	bool ok = j && strcmp(fn, "SHA-256") == 0 &&
	          jpki_base64_decode(hash64, strlen(hash64), false, &hash, &hash_len) == 0 &&
	          hash_len == 32;
	json_decref(j);
	if (!ok)
		return send_error(
		    conn, MHD_HTTP_BAD_REQUEST, origin,
		    "the body must be {\"hash\": base64 of 32 bytes, \"hashFunction\": "
		    "\"SHA-256\"}");
	struct jpki_err err;
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	uint8_t di[sizeof(sha256_prefix) + 32], sig[256];
	int tries = -1;
	memcpy(di, sha256_prefix, sizeof(sha256_prefix));
	memcpy(di + sizeof(sha256_prefix), hash, 32);
	int rc = sign_session(h, origin, "to sign with your card", &t, &tries, &err);
	if (rc == 0)
		rc = jpki_host_sign_raw(t, JPKI_PIN_SIGN, di, sizeof(di), sig, &err);
	if (rc < 0)
		return send_card_error(conn, origin, rc, tries, &err);
	_cleanup_(freep) char *b64 = jpki_base64_encode(sig, sizeof(sig));
	return b64 ? send_json(conn, MHD_HTTP_OK, origin,
	                       json_pack("{s:s, s:s}", "signature", b64, "algorithm", "RS256"))
	           : MHD_NO;
}

static enum MHD_Result status(const struct helper *h, struct MHD_Connection *conn,
                              const char *origin)
{
	struct jpki_err err;
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	bool card = open_card(h, &t, &err) == 0;
	return send_json(conn, MHD_HTTP_OK, origin,
	                 json_pack("{s:s, s:b}", "version", "jpki " JPKI_VERSION, "card", card));
}

/* ---- the server ---- */

/* The Host header names the helper itself: a page of a name rebound to 127.0.0.1 is refused. */
static bool host_ok(const struct helper *h, struct MHD_Connection *conn)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	char a[32], b[32];
	snprintf(a, sizeof(a), "127.0.0.1:%lu", h->port);
	snprintf(b, sizeof(b), "localhost:%lu", h->port);
	return host && (strcmp(host, a) == 0 || strcmp(host, b) == 0);
}

static bool origin_allowed(const struct helper *h, const char *origin)
{
	if (!origin)
		return false;
	if (h->n_allow == 0)
		return jpki_login_origin_ok(origin);
	for (size_t i = 0; i < h->n_allow; i++)
		if (strcmp(h->allow[i], origin) == 0)
			return true;
	return false;
}

/* A CORS preflight (Fetch standard, "CORS protocol"): this origin, these methods, no cookies. */
static enum MHD_Result preflight(struct MHD_Connection *conn, const char *origin)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
	MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST");
	MHD_add_response_header(r, "Access-Control-Allow-Headers", "Content-Type");
	MHD_add_response_header(r, "Access-Control-Max-Age", "600");
	MHD_add_response_header(r, "Vary", "Origin");
	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                "Access-Control-Request-Private-Network"))
		MHD_add_response_header(r, "Access-Control-Allow-Private-Network", "true");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, r);
	MHD_destroy_response(r);
	answered_status = MHD_HTTP_NO_CONTENT;
	return ret;
}

static bool is_post_route(const char *url)
{
	return strcmp(url, "/authenticate") == 0 || strcmp(url, "/certificate") == 0 ||
	       strcmp(url, "/sign") == 0;
}

/* The first call, on the headers alone: refused, a preflight, GET /status, or a body to come. */
static enum MHD_Result headers(const struct helper *h, struct MHD_Connection *conn, const char *url,
                               const char *method, struct request *rq)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	snprintf(rq->line, sizeof(rq->line), "%.10s %.100s from %.260s", method, url,
	         origin ? origin : "(no Origin)");
	for (char *p = rq->line; *p; p++) /* a log line stays one printable line */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	answered_status = 0;
	rq->answered = true;
	if (!host_ok(h, conn))
		return send_error(conn, 421, NULL, "the Host header must name this helper");
	if (!origin_allowed(h, origin))
		return send_error(
		    conn, MHD_HTTP_FORBIDDEN, NULL,
		    origin ? "this origin may not use the helper"
		           : "no Origin header: only browsers' pages may use the helper");
	if (strcmp(method, "OPTIONS") == 0)
		return preflight(conn, origin);
	bool post = is_post_route(url);
	if (!post && strcmp(url, "/status") != 0)
		return send_error(conn, MHD_HTTP_NOT_FOUND, origin, "not found");
	if (strcmp(method, post ? "POST" : "GET") != 0)
		return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, origin,
		                  post ? "POST only" : "GET only");
	if (!post)
		return status(h, conn, origin);
	const char *ct =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct || strncmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';'))
		return send_error(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, origin,
		                  "Content-Type must be application/json");
	const char *cl =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoul(cl, NULL, 10) > BODY_MAX)
		return send_error(conn, 413, origin, "the body is over 4 KiB");
	rq->answered = false;
	return MHD_YES;
}

static enum MHD_Result route(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **state)
{
	const struct helper *h = cls;
	struct request *rq = *state;
	(void)version;
	if (!rq) {
		if (!(rq = calloc(1, sizeof(*rq))))
			return MHD_NO;
		*state = rq;
		return headers(h, conn, url, method, rq);
	}
	if (*upload_size) { /* a body piece: kept under the cap, or dropped after a refusal */
		if (!rq->answered && *upload_size <= BODY_MAX - rq->len) {
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
		} else if (!rq->answered)
			rq->too_long = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	rq->answered = true;
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	if (rq->too_long)
		return send_error(conn, 413, origin, "the body is over 4 KiB");
	if (strcmp(url, "/authenticate") == 0)
		return authenticate(h, conn, origin, rq);
	if (strcmp(url, "/certificate") == 0)
		return certificate(h, conn, origin, rq);
	return sign(h, conn, origin, rq);
}

/* One log line per request (method, path, origin, status), never a body: it may hold a hash. */
static void completed(void *cls, struct MHD_Connection *conn, void **state,
                      enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *state;
	(void)cls, (void)conn;
	if (rq)
		fprintf(stderr, "jpki login helper: %s -> %u%s\n", rq->line, answered_status,
		        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (closed)");
	free(rq);
	*state = NULL;
}

static struct MHD_Daemon *start(struct helper *h)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* the loopback only */
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	                        (uint16_t)h->port, NULL, NULL, route, h, MHD_OPTION_SOCK_ADDR,
	                        (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
	                        MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_END);
}

int login_helper(int argc, char **argv)
{
	struct helper h = {.port = 24727};
	const struct cli_opt own[] = {
	    {"listen", CLI_UINT, &h.port, 1, 65535, NULL, NULL},
	    {"allow-origin", CLI_CUSTOM, &h, 0, 0, add_origin, NULL},
	};
	int rc = card_parse_in("login", helper_usage, argc, argv, own, 2, &h.sec,
	                       CARD_AUTH_PIN | CARD_SIGN_PIN, true, &h.tg);
	if (rc >= 0)
		return rc;
	if (h.sec.auth_pin.has_fd || h.sec.sign_pin.has_fd)
		return cli_usage_error(helper_usage,
		                       "login helper: a PIN is read for every request: "
		                       "--auth-pin-file, --sign-pin-file or the prompt");
	/* a PIN from a file asks nobody: any https page the holder opens could have the card sign
	 */
	if ((h.sec.auth_pin.file || h.sec.sign_pin.file) && h.n_allow == 0)
		return cli_usage_error(helper_usage,
		                       "login helper: with --auth-pin-file or --sign-pin-file "
		                       "nobody is asked before the card signs, so any https site "
		                       "the browser opens could use it: name the sites that may "
		                       "with --allow-origin ORIGIN (repeatable)");
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d = start(&h);
	if (!d)
		return cli_fail_msg("cannot listen on 127.0.0.1:%lu (in use?)", h.port);
	printf("jpki login helper listening on http://127.0.0.1:%lu/ (Ctrl-C to stop)\n", h.port);
	fflush(stdout);
	int sig = 0;
	(void)sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}
