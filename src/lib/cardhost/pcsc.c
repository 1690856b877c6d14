/*
 * pcsc.c: the PC/SC transport (libpcsclite, the PC/SC Workgroup API).
 *
 * The card is held in a PC/SC transaction from open to close, so another
 * client (OpenSC, another jpki) cannot slip its own SELECT between ours,
 * and it is reset on disconnect, so a verified PIN never outlives the
 * command that verified it.  Responses are copied into a bounded buffer;
 * an answer that does not fit a short R-APDU is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "transport.h"

struct pcsc {
	struct jpki_transport t;
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto;
	bool in_tx;
};

static int pcsc_fail(struct jpki_err *err, LONG rv, const char *what)
{
	enum jpki_code code = JPKI_E_CARD;
	if (rv == SCARD_E_NO_SERVICE || rv == SCARD_E_NO_READERS_AVAILABLE ||
	    rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_NO_SMARTCARD ||
	    rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_READER_UNAVAILABLE ||
	    rv == SCARD_E_SERVICE_STOPPED)
		code = JPKI_E_NO_CARD;
	return jpki_fail(err, code, "%s: %s (0x%08lX)", what, pcsc_stringify_error(rv),
	                 (unsigned long)rv);
}

/* The multi-string of reader names (caller frees), or an error. */
static int list_readers(SCARDCONTEXT ctx, char **ret, DWORD *ret_len, struct jpki_err *err)
{
	DWORD len = 0;
	LONG rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail(err, rv, "cannot list the PC/SC readers");
	if (len < 2 || len > 65536)
		return jpki_fail(err, JPKI_E_NO_CARD, "no PC/SC reader");
	char *buf = calloc(1, len + 1);
	if (!buf)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	rv = SCardListReaders(ctx, NULL, buf, &len);
	if (rv != SCARD_S_SUCCESS) {
		free(buf);
		return pcsc_fail(err, rv, "cannot list the PC/SC readers");
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int context(SCARDCONTEXT *ctx, struct jpki_err *err)
{
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx);
	return rv == SCARD_S_SUCCESS ? 0 : pcsc_fail(err, rv, "cannot reach pcscd");
}

int jpki_pcsc_readers(jpki_reader_cb cb, void *arg, struct jpki_err *err)
{
	SCARDCONTEXT ctx;
	char *names = NULL;
	DWORD len = 0;
	int rc = context(&ctx, err);
	if (rc < 0)
		return rc;
	rc = list_readers(ctx, &names, &len, err);
	for (const char *r = names; rc == 0 && r && r < names + len && *r; r += strlen(r) + 1) {
		SCARD_READERSTATE st;
		memset(&st, 0, sizeof(st));
		st.szReader = r;
		st.dwCurrentState = SCARD_STATE_UNAWARE;
		LONG rv = SCardGetStatusChange(ctx, 0, &st, 1);
		bool present = rv == SCARD_S_SUCCESS && (st.dwEventState & SCARD_STATE_PRESENT);
		size_t atr_len = present && st.cbAtr <= MAX_ATR_SIZE ? st.cbAtr : 0;
		rc = cb(r, present, st.rgbAtr, atr_len, arg);
	}
	free(names);
	SCardReleaseContext(ctx);
	return rc;
}

static int pcsc_transmit(struct jpki_transport *t, const uint8_t *capdu, size_t clen,
                         uint8_t rapdu[JPKI_RAPDU_MAX], size_t *rlen, struct jpki_err *err)
{
	struct pcsc *p = (struct pcsc *)t;
	uint8_t buf[JPKI_RAPDU_MAX + 16];
	DWORD n = sizeof(buf);
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	LONG rv = SCardTransmit(p->card, pci, capdu, (DWORD)clen, NULL, buf, &n);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail(err, rv, "cannot talk to the card");
	if (n == 0) /* vpcd's word, and a reader's, for a card gone mid-command */
		return jpki_fail(err, JPKI_E_NO_CARD, "the card left the reader (no answer)");
	if (n < 2 || n > JPKI_RAPDU_MAX)
		return jpki_fail(err, JPKI_E_CARD, "the card's answer has %lu bytes",
		                 (unsigned long)n);
	memcpy(rapdu, buf, n);
	*rlen = n;
	return 0;
}

static int pcsc_reset(struct jpki_transport *t, struct jpki_err *err)
{
	struct pcsc *p = (struct pcsc *)t;
	if (p->in_tx)
		SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
	p->in_tx = false;
	LONG rv = SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                         SCARD_RESET_CARD, &p->proto);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail(err, rv, "cannot reset the card");
	rv = SCardBeginTransaction(p->card);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail(err, rv, "cannot lock the card");
	p->in_tx = true;
	return 0;
}

static void pcsc_close(struct jpki_transport *t)
{
	struct pcsc *p = (struct pcsc *)t;
	if (p->card) {
		if (p->in_tx)
			SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
		/* log out: no verified PIN outlives this program */
		SCardDisconnect(p->card, SCARD_RESET_CARD);
	}
	SCardReleaseContext(p->ctx);
	free(p);
}

static const struct jpki_transport_ops pcsc_ops = {pcsc_transmit, pcsc_reset, pcsc_close};

/* The first reader matching `want` (substring) that holds a card. */
static int pick_reader(struct pcsc *p, const char *want, struct jpki_err *err)
{
	char *names = NULL;
	DWORD len = 0;
	int rc = list_readers(p->ctx, &names, &len, err);
	bool matched = false;
	for (const char *r = names; rc == 0 && r < names + len && *r; r += strlen(r) + 1) {
		if (want && !strstr(r, want))
			continue;
		matched = true;
		SCARD_READERSTATE st;
		memset(&st, 0, sizeof(st));
		st.szReader = r;
		st.dwCurrentState = SCARD_STATE_UNAWARE;
		if (SCardGetStatusChange(p->ctx, 0, &st, 1) != SCARD_S_SUCCESS ||
		    !(st.dwEventState & SCARD_STATE_PRESENT))
			continue;
		snprintf(p->t.name, sizeof(p->t.name), "%s", r);
		free(names);
		return 0;
	}
	free(names);
	if (rc < 0)
		return rc;
	if (want && !matched)
		return jpki_fail(err, JPKI_E_NO_CARD, "no PC/SC reader named like '%s'", want);
	return jpki_fail(err, JPKI_E_NO_CARD, "no card in %s", want ? want : "any PC/SC reader");
}

int jpki_transport_pcsc_open(const char *reader, struct jpki_transport **ret, struct jpki_err *err)
{
	struct pcsc *p = calloc(1, sizeof(*p));
	if (!p)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	p->t.ops = &pcsc_ops;
	int rc = context(&p->ctx, err);
	if (rc < 0) {
		free(p);
		return rc;
	}
	rc = pick_reader(p, reader, err);
	if (rc == 0) {
		LONG rv = SCardConnect(p->ctx, p->t.name, SCARD_SHARE_SHARED,
		                       SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &p->proto);
		if (rv != SCARD_S_SUCCESS) {
			p->card = 0;
			rc = pcsc_fail(err, rv, "cannot connect to the card");
		} else if ((rv = SCardBeginTransaction(p->card)) != SCARD_S_SUCCESS) {
			rc = pcsc_fail(err, rv, "cannot lock the card");
		} else {
			p->in_tx = true;
		}
	}
	if (rc < 0) {
		pcsc_close(&p->t);
		return rc;
	}
	*ret = &p->t;
	return 0;
}
