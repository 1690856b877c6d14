/*
 * cmd_login_url.c: `jpki login URL`, the holder's side of a login from the
 * command line, as a browser and the helper would do it together: ask the
 * relying party at URL for a challenge (POST URL/challenge), sign it on the
 * card for URL's origin (never an origin the relying party names), post the
 * token (POST URL/login) in the same session, and print the answer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "core/ossl.h"
#include "cmd_card.h"
#include "https_post.h"
#include "jpki/login.h"
#include "login_card.h"

/* The origin of an https URL (RFC 6454 §4): scheme, host in lower case, the port unless 443. */
static int url_origin(const char *url, char out[300], struct jpki_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = 0;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		rc = jpki_fail(err, JPKI_E_INVALID, "'%s' is not a URL", url);
	else if (strcmp(scheme, "https") != 0)
		rc = jpki_fail(err, JPKI_E_INVALID, "'%s' is not an https URL", url);
	else {
		(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
		for (char *p = host; *p; p++) {
			if ((unsigned char)*p >= 0x80)
				rc = jpki_fail(
				    err, JPKI_E_INVALID,
				    "'%s': write an IDN host in Punycode (xn--...), as the "
				    "browser sends it",
				    url);
			*p = (char)tolower((unsigned char)*p);
		}
		if (rc == 0 && snprintf(out, 300, "https://%s%s%s", host,
		                        port && strcmp(port, "443") ? ":" : "",
		                        port && strcmp(port, "443") ? port : "") >= 300)
			rc = jpki_fail(err, JPKI_E_INVALID, "'%s': the host is too long", url);
	}
	curl_free(scheme), curl_free(host), curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* The relying party's answer: 0 for 2xx, else its {"error"} as the failure. */
static int answered(const char *what, long status, const char *body, struct jpki_err *err)
{
	if (status >= 200 && status < 300)
		return 0;
	json_t *j = json_loads(body, 0, NULL);
	const char *why = j ? json_string_value(json_object_get(j, "error")) : NULL;
	int rc = jpki_fail(err, status == 401 || status == 403 ? JPKI_E_UNAUTHENTICATED : JPKI_E_IO,
	                   "%s: HTTP %ld: %.300s", what, status, why ? why : body);
	json_decref(j);
	return rc;
}

static int challenge(struct https_session *s, const char *base,
                     char nonce[JPKI_LOGIN_NONCE_LEN + 1], struct jpki_err *err)
{
	char url[2100], *body = NULL;
	long status = 0;
	snprintf(url, sizeof(url), "%s/challenge", base);
	int rc = https_post_json(s, url, "{}", &status, &body, err);
	if (rc == 0)
		rc = answered(url, status, body, err);
	json_t *j = rc == 0 ? json_loads(body, 0, NULL) : NULL;
	const char *n = j ? json_string_value(json_object_get(j, "nonce")) : NULL;
	if (rc == 0 && (!n || strlen(n) != JPKI_LOGIN_NONCE_LEN))
		rc = jpki_fail(err, JPKI_E_INVALID, "%s: the answer has no nonce of 44 characters",
		               url);
	if (rc == 0)
		memcpy(nonce, n, JPKI_LOGIN_NONCE_LEN + 1);
	json_decref(j);
	free(body);
	return rc;
}

/* The token for origin and nonce, signed on the card of tg after the PIN. */
static int sign_on_card(const struct card_target *tg, const struct cli_secret *pin_src,
                        const char *origin, const char *nonce, char **token, struct jpki_err *err)
{
	char pin[JPKI_PIN_MAX + 2], prompt[400];
	_cleanup_(jpki_transport_closep) struct jpki_transport *t = NULL;
	int tries = -1;
	snprintf(prompt, sizeof(prompt), "log in to %.300s: PIN (4 digits)", origin);
	if (card_open(tg, &t) != 0 || card_get_pin(pin_src, prompt, pin) != 0)
		return jpki_fail(err, JPKI_E_NO_CARD, "no card, or no PIN");
	int rc = login_card_token(t, pin, origin, nonce, token, &tries, err);
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rc == -JPKI_E_PIN && tries >= 0)
		rc = jpki_fail(err, JPKI_E_PIN, "wrong PIN: %d tries left", tries);
	return rc;
}

int login_url(int argc, char **argv, const char *usage)
{
	const char *url = argv[0], *cacert = NULL;
	struct card_target tg = {0};
	struct card_secrets sec = {0};
	const struct cli_opt own[] = {{"cacert", CLI_TEXT, &cacert, 0, 0, NULL, NULL}};
	int rc = card_parse_in("login", usage, argc, argv, own, 1, &sec, CARD_PIN, true, &tg);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	char origin[300], base[2048], nonce[JPKI_LOGIN_NONCE_LEN + 1], login[2100];
	if (strlen(url) >= sizeof(base))
		return cli_usage_error(usage, "login: the URL is too long");
	snprintf(base, sizeof(base), "%s", url);
	while (strlen(base) > 8 && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	if (url_origin(base, origin, &err) < 0)
		return cli_usage_error(usage, "login: %s", err.msg);
	struct https_session *s = NULL;
	char *token = NULL, *body = NULL;
	long status = 0;
	rc = https_session_new(origin, cacert, &s, &err);
	if (rc == 0)
		rc = challenge(s, base, nonce, &err);
	if (rc == 0) /* rule C3: the origin from the URL the holder asked for */
		rc = sign_on_card(&tg, &sec.pin, origin, nonce, &token, &err);
	snprintf(login, sizeof(login), "%s/login", base);
	if (rc == 0)
		rc = https_post_json(s, login, token, &status, &body, &err);
	if (rc == 0)
		rc = answered(login, status, body, &err);
	https_session_free(s);
	free(token);
	if (rc == 0)
		printf("%s\n", body);
	free(body);
	if (rc == -JPKI_E_UNAUTHENTICATED) {
		fprintf(stderr, "jpki: login refused: %s\n", err.msg);
		return 4;
	}
	return rc < 0 ? cli_fail(&err) : 0;
}
