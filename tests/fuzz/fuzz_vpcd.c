/*
 * fuzz_vpcd.c: the vpcd framing of the card side (src/lib/card/vpcd.c):
 * 2-byte big-endian lengths, then controls (1 byte) or C-APDUs, from a
 * reader driver the card does not control.
 *
 * The input goes down one end of a socket pair, as vpcd would send it, and
 * jpki_vpcd_serve answers on the other end until the input ends; a thread
 * drains the answers and checks their framing: each a 2-byte length then
 * that many bytes (2 to 258, or an ATR of at most 33).  GENERATE KEY PAIR
 * on a blank card is slow, not wrong: inputs are capped at 4 KiB.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "card/card.h"
#include "card/vpcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t master[JPKI_CARD_KEY_LEN] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
static const uint8_t serial[JPKI_CHIP_SERIAL_LEN] = {0xF0, 0x22, 0, 0, 0, 0, 0, 7};

struct drain {
	int fd;
	const uint8_t *data;
	size_t size;
};

static int read_exact(int fd, uint8_t *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Write the input, then read and check every answer until the card side closes. */
static void *feed_and_drain(void *arg)
{
	struct drain *d = arg;
	for (size_t off = 0; off < d->size;) {
		ssize_t w = write(d->fd, d->data + off, d->size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(d->fd, SHUT_WR);
	for (;;) {
		uint8_t hdr[2], buf[65536];
		if (read_exact(d->fd, hdr, 2) < 0)
			break;
		size_t n = (size_t)(hdr[0] << 8 | hdr[1]);
		if (n < 2 || n > JPKI_RAPDU_MAX || read_exact(d->fd, buf, n) < 0)
			abort(); /* the card never frames a wrong answer */
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	struct jpki_card *card = NULL;
	if (jpki_card_new(master, serial, &card, NULL) < 0)
		abort();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		abort();
	struct drain d = {sv[0], data, size};
	pthread_t tid;
	if (pthread_create(&tid, NULL, feed_and_drain, &d) != 0)
		abort();
	volatile sig_atomic_t stop = 0;
	struct jpki_vpcd v = {.stop = &stop};
	(void)jpki_vpcd_serve(&v, card, sv[1]);
	close(sv[1]); /* the reader sees the card go */
	pthread_join(tid, NULL);
	close(sv[0]);
	jpki_card_free(card);
	return 0;
}
