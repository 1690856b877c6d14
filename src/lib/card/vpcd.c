/*
 * vpcd.c: the vpcd protocol, card side (docs/card-spec.md, vpcd).
 *
 * Framing both ways: a 2-byte big-endian length, then the payload.  A
 * payload of one byte is control: 00 power off, 01 power on, 02 reset (no
 * reply; each clears the card's security state), 04 get ATR (reply the
 * ATR).  Anything longer is a C-APDU, answered with the R-APDU, never with
 * an empty payload (vpcd would take it for a removed card).
 *
 * TCP_QUICKACK is set before every recv(): the kernel clears it, and
 * without it each exchange waits out a delayed ACK (about 40 ms).  The
 * socket is polled with a short time-out so a SIGTERM is seen promptly
 * without racing a blocking recv().
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cursor.h"
#include "vpcd.h"

#define POLL_MS 200

static void note(struct jpki_vpcd *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct jpki_vpcd *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!v->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->note(v->note_arg, msg);
}

static void nap(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL); /* a signal ends it early: the caller checks *stop */
}

static void quickack(int fd)
{
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/* Read exactly n bytes; 1 on success, 0 on end of stream or stop, -1 on error. */
static int recv_exact(struct jpki_vpcd *v, int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (*v->stop)
			return 0;
		struct pollfd p = {fd, POLLIN, 0};
		int pr = poll(&p, 1, POLL_MS);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -1;
		if (pr == 0)
			continue;
		quickack(fd);
		ssize_t r = recv(fd, buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

static int send_all(int fd, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_frame(int fd, const uint8_t *payload, size_t n)
{
	uint8_t frame[2 + JPKI_RAPDU_MAX + 64];
	if (n > sizeof(frame) - 2)
		return -1;
	frame[0] = (uint8_t)(n >> 8);
	frame[1] = (uint8_t)n;
	memcpy(frame + 2, payload, n);
	return send_all(fd, frame, 2 + n); /* one send: one segment */
}

/* Answer one payload; -1 ends the connection. */
static int answer(struct jpki_vpcd *v, struct jpki_card *card, int fd, const uint8_t *p, size_t n)
{
	struct jpki_cur cur = jpki_cur_make(p, n);
	uint8_t ctl;
	if (n == 1 && jpki_cur_u8(&cur, &ctl)) {
		size_t atr_len = 0;
		const uint8_t *atr;
		switch (ctl) {
		case 0x00: /* power off */
		case 0x01: /* power on */
		case 0x02: /* reset */
			jpki_card_power(card);
			return 0;
		case 0x04:
			atr = jpki_card_atr(&atr_len);
			return send_frame(fd, atr, atr_len);
		default:
			return 0; /* unknown control: nothing to say */
		}
	}
	uint8_t r[JPKI_RAPDU_MAX];
	if (v->pull_after && v->apdus >= v->pull_after) {
		v->pulled = true; /* the card leaves the reader: no answer, no change */
		*v->stop = 1;
		return -1;
	}
	if (v->stall_after && v->apdus >= v->stall_after) {
		note(v, "the card stalled before APDU %lu", v->apdus + 1);
		while (!*v->stop)
			nap(100);
		return -1;
	}
	size_t rlen = jpki_card_process(card, p, n, r);
	v->apdus++;
	if (rlen == 2 && r[0] == 0x65 && r[1] == 0x81)
		note(v, "the card could not save its state (answered 65 81)");
	return send_frame(fd, r, rlen);
}

int jpki_vpcd_serve(struct jpki_vpcd *v, struct jpki_card *card, int fd)
{
	static uint8_t buf[65536];
	for (;;) {
		uint8_t hdr[2];
		int r = recv_exact(v, fd, hdr, 2);
		if (r <= 0)
			return r;
		size_t n = (size_t)(hdr[0] << 8 | hdr[1]);
		if (n == 0)
			continue;
		r = recv_exact(v, fd, buf, n);
		if (r <= 0)
			return r;
		if (answer(v, card, fd, buf, n) < 0)
			return -1;
	}
}

static int connect_once(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int jpki_vpcd_run(struct jpki_vpcd *v, struct jpki_card *card, struct jpki_err *err)
{
	char port[8];
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", v->port);
	const char *host = v->host ? v->host : "127.0.0.1";
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai != 0)
		return jpki_fail(err, JPKI_E_INVALID, "cannot resolve %s: %s", host,
		                 gai_strerror(gai));
	bool waiting_said = false;
	unsigned backoff = 50;
	while (!*v->stop) {
		int fd = connect_once(ai);
		if (fd < 0) {
			if (!waiting_said)
				note(v, "waiting for vpcd on %s:%s (is pcscd running?)", host,
				     port);
			waiting_said = true;
			nap(backoff);
			backoff = backoff < 1000 ? backoff * 2 : 1000;
			continue;
		}
		v->connects++;
		waiting_said = false;
		backoff = 50;
		note(v, "card inserted into vpcd at %s:%s", host, port);
		jpki_card_power(card);
		int r = jpki_vpcd_serve(v, card, fd);
		close(fd);
		jpki_card_power(card); /* removed from the reader */
		if (!*v->stop)
			note(v, "vpcd closed the connection (%s); reconnecting",
			     r < 0 ? strerror(errno) : "end of stream");
	}
	freeaddrinfo(ai);
	return 0;
}
