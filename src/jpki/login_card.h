/*
 * login_card.h: the holder's side of a login on the card, shared by `jpki
 * login token`, `jpki login URL` and the browser's helper (`jpki login
 * helper`): a web-eid:1.0 token over SHA-256(origin) || SHA-256(nonce),
 * signed (RS256) with the authentication key after the 4-digit PIN
 * (docs/login.md).
 */
#ifndef JPKI_CLI_LOGIN_CARD_H
#define JPKI_CLI_LOGIN_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "cardhost/host.h"
#include "jpki/error.h"

/*
 * On the open card t: the PIN verified (a wrong one is PIN, *tries the
 * tries left, or -1 when unknown), the certificate read, the token made
 * (*json malloc'd).
 */
int login_card_token(struct jpki_transport *t, const char *pin, const char *origin,
                     const char *nonce, char **json, int *tries, struct jpki_err *err);

/* The token JSON of a certificate and its RS256 signature (Web eID's web-eid:1.0). */
char *login_token_json(const uint8_t *cert, size_t cert_len, const uint8_t sig[256]);

/* `jpki login URL ...` (cmd_login_url.c); argv[0] is the URL. */
int login_url(int argc, char **argv, const char *usage);
/* `jpki login helper ...` (login_helper.c). */
int login_helper(int argc, char **argv);

#endif
