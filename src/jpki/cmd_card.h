/*
 * cmd_card.h: what the `jpki card` subcommands share (cmd_card.c for the
 * holder's and the bridge's commands, cmd_card_issuer.c for the issuer's).
 */
#ifndef JPKI_CMD_CARD_H
#define JPKI_CMD_CARD_H

#include "card/host.h"
#include "card/transport.h"
#include "cli.h"

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

/* The PIN from --pin, else one line of standard input; 0 or prints and returns 2. */
int card_get_pin(const char *given, char buf[JPKI_PIN_MAX + 2]);

int card_cmd_new(int argc, char **argv);
int card_cmd_personalize(int argc, char **argv);
int card_cmd_pin_reset(int argc, char **argv);
int card_cmd_erase(int argc, char **argv);

#endif
