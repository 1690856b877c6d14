/*
 * cmd_card.h: what the `jpki card` subcommands share (cmd_card.c for the
 * holder's and the bridge's commands, cmd_card_issuer.c for the issuer's).
 */
#ifndef JPKI_CMD_CARD_H
#define JPKI_CMD_CARD_H

#include "cardhost/host.h"
#include "cardhost/transport.h"
#include "cli.h"
#include "opts.h"
#include "secret.h"

extern const char card_usage[];

/* Where the card is: an image file (in-process) or a PC/SC reader. */
struct card_target {
	const char *image;  /* positional IMAGE, or NULL */
	const char *reader; /* --reader substring, or NULL: first reader with a card */
};

/* Open the transport to the target; prints the error and returns 1 on failure. */
int card_open(const struct card_target *tg, struct jpki_transport **t);

/* "auth" or "sign" into the enum jpki_pin_id at dst; INVALID otherwise (an option-table parser). */
int card_parse_kind(const char *s, void *dst, struct jpki_err *err);

/* The secrets a card command may take (secret.h), each from its own source. */
struct card_secrets {
	struct cli_secret pin, new_pin, auth_pin, sign_pin;
};

/* The secrets a command accepts (a mask for card_parse). */
enum { CARD_PIN = 1, CARD_NEW_PIN = 2, CARD_AUTH_PIN = 4, CARD_SIGN_PIN = 8 };

/*
 * Parse a card command: --reader, the command's own options (n_own rows, at
 * most 8), the secrets it accepts, then the IMAGE operand (when image_ok)
 * and what may not go with it.  -1 to go on, else the exit status.
 */
int card_parse(int argc, char **argv, const struct cli_opt *own, size_t n_own,
               struct card_secrets *sec, unsigned secrets, bool image_ok, struct card_target *tg);
/* The same for a command of another family ("login token"), with its own usage text. */
int card_parse_in(const char *family, const char *usage, int argc, char **argv,
                  const struct cli_opt *own, size_t n_own, struct card_secrets *sec,
                  unsigned secrets, bool image_ok, struct card_target *tg);
/*
 * Option-table rows for the secrets into rows (at most cap; 12 for all): the
 * -fd and -file forms of the accepted ones, and --NAME VALUE refused.
 */
size_t card_secret_rows(struct card_secrets *sec, unsigned accepted, struct cli_opt *rows,
                        size_t cap);
/* Read a PIN from its source (secret.h); what names it at the prompt.  0 or the exit status. */
int card_get_pin(const struct cli_secret *src, const char *what, char buf[JPKI_PIN_MAX + 2]);

int card_cmd_new(int argc, char **argv);
int card_cmd_personalize(int argc, char **argv);
int card_cmd_pin_reset(int argc, char **argv);
int card_cmd_erase(int argc, char **argv);

#endif
