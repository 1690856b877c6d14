/*
 * cmd_card.h: what the `jpki card` subcommands share (cmd_card.c for the
 * holder's and the bridge's commands, cmd_card_issuer.c for the issuer's).
 */
#ifndef JPKI_CMD_CARD_H
#define JPKI_CMD_CARD_H

#include "cardhost/host.h"
#include "cardhost/transport.h"
#include "cli.h"
#include "secret.h"

extern const char card_usage[];

/* Where the card is: an image file (in-process) or a PC/SC reader. */
struct card_target {
	const char *image;  /* positional IMAGE, or NULL */
	const char *reader; /* --reader substring, or NULL: first reader with a card */
};

/* Open the transport to the target; prints the error and returns 1 on failure. */
int card_open(const struct card_target *tg, struct jpki_transport **t);

/* "auth" or "sign" into a PIN id; -1 otherwise. */
int card_parse_kind(const char *s, enum jpki_pin_id *id);

/* The secrets a card command may take (secret.h), each from its own source. */
struct card_secrets {
	struct cli_secret pin, new_pin, auth_pin, sign_pin;
};

/*
 * Option codes of the secrets: for secret i (0 pin, 1 new-pin, 2 auth-pin,
 * 3 sign-pin), O_SECRET_BASE + 3i is --NAME VALUE (refused: on argv),
 * + 1 --NAME-fd N, + 2 --NAME-file F.  O_PIN etc. name a secret in the
 * lists of accepted options.
 */
enum {
	O_SECRET_BASE = 512,
	O_PIN = O_SECRET_BASE,
	O_NEW_PIN = O_SECRET_BASE + 3,
	O_AUTH_PIN = O_SECRET_BASE + 6,
	O_SIGN_PIN = O_SECRET_BASE + 9,
};
#define CARD_SECRET_OPTION(name, base)                                                             \
	{name, required_argument, NULL, (base)},                                                   \
	    {name "-fd", required_argument, NULL, (base) + 1},                                     \
	{                                                                                          \
		name "-file", required_argument, NULL, (base) + 2                                  \
	}
#define CARD_SECRET_OPTIONS                                                                        \
	CARD_SECRET_OPTION("pin", O_PIN), CARD_SECRET_OPTION("new-pin", O_NEW_PIN),                \
	    CARD_SECRET_OPTION("auth-pin", O_AUTH_PIN), CARD_SECRET_OPTION("sign-pin", O_SIGN_PIN)

/*
 * A secret's option c (with its argument) into sec: -1 when taken, else the
 * exit status of a usage error (--NAME VALUE on the command line, or an
 * option that is no secret's and that command's neither).
 */
int card_secret_option(int c, const char *arg, struct card_secrets *sec, const char *command);
/* Read a PIN from its source (secret.h); what names it at the prompt.  0 or the exit status. */
int card_get_pin(const struct cli_secret *src, const char *what, char buf[JPKI_PIN_MAX + 2]);

int card_cmd_new(int argc, char **argv);
int card_cmd_personalize(int argc, char **argv);
int card_cmd_pin_reset(int argc, char **argv);
int card_cmd_erase(int argc, char **argv);

#endif
