/*
 * vpcd.h: the reader bridge, a card on pcscd's vpcd driver.
 *
 * vsmartcard's vpcd (a pcscd reader driver) listens on TCP 35963 (slot 0)
 * and 35964 (slot 1); the card is the client (docs/card-spec.md "A software card in a real PC/SC
 * stack software card").  jpki_vpcd_run() connects, retrying until pcscd is up, answers vpcd until
 * the connection ends, and connects again (pcscd restarted), until *stop becomes non-zero.
 */
#ifndef JPKI_CARD_VPCD_H
#define JPKI_CARD_VPCD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "jpki/api.h"
#include "card.h"

#define JPKI_VPCD_PORT 35963

/* Events worth a line in the bridge's log; msg is a complete sentence. */
typedef void (*jpki_vpcd_note_fn)(void *arg, const char *msg);

struct jpki_vpcd {
	const char *host; /* default 127.0.0.1 */
	uint16_t port;    /* 35963 + slot */
	volatile sig_atomic_t *stop;
	jpki_vpcd_note_fn note; /* may be NULL */
	void *note_arg;
	/*
	 * Failure injection: when not 0, the card is pulled from the reader
	 * (the connection closed, the bridge stopped) instead of answering
	 * C-APDU number pull_after + 1, as a card yanked out mid-procedure.
	 */
	unsigned long pull_after;
	/* The same, but the card stays in the reader and never answers (a hung card). */
	unsigned long stall_after;
	/* counters, for the log at exit */
	unsigned long connects, apdus;
	bool pulled;
};

/*
 * Run the bridge for card until *stop.  Returns 0 when stopped, a negative
 * code when the host cannot be resolved or a socket cannot be made.
 */
JPKI_MUST_CHECK int jpki_vpcd_run(struct jpki_vpcd *v, struct jpki_card *card,
                                  struct jpki_err *err);

/*
 * Answer vpcd's frames on a connected socket fd until it ends (0), *stop
 * (0) or an error (-1).  jpki_vpcd_run's inner loop; the fuzz target drives
 * it over a socket pair.
 */
int jpki_vpcd_serve(struct jpki_vpcd *v, struct jpki_card *card, int fd);

#endif
