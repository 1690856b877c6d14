/*
 * link_rec.h: the linking service's rows (docs/login.md, "The linking
 * service"): the relying parties registered with it, and the log of every
 * access they make.
 */
#ifndef JPKI_STORE_LINK_REC_H
#define JPKI_STORE_LINK_REC_H

#include <stdbool.h>
#include <stdint.h>

#define JPKI_RP_ID_MAX 64 /* [a-z0-9.-], starting with a letter or digit */
#define JPKI_RP_NAME_MAX 128

struct jpki_rp_rec {
	char id[JPKI_RP_ID_MAX + 1];
	char name[JPKI_RP_NAME_MAX + 1];
	uint8_t key_hash[32];    /* SHA-256 of its access key; the key itself is never kept */
	bool may_link_signature; /* may ask whether a signature certificate is the holder's */
	int64_t created_at;
	int64_t disabled_at; /* 0: active */
};

struct jpki_link_log_rec {
	int64_t seq; /* set by the registry: 1, 2, 3, ... */
	int64_t at;
	char rp_id[JPKI_RP_ID_MAX + 1]; /* as presented ("-" when unreadable) */
	char action[32];                /* pseudonym, same-person */
	char outcome[32];               /* ok, unauthenticated, denied, not-found, invalid */
	char detail[256];               /* the serials asked about, never a personal fact */
};

#endif
