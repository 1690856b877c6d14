/*
 * ocsp_cache.h (private to status/): pre-signed OCSP responses.
 *
 * Keyed by the DER of the request's CertID (issuer hashes, hash algorithm
 * and serial: a SHA-256 CertID gets a response naming it in SHA-256).  An
 * entry remembers the status it states, so a caller that has just read
 * the registry takes it only when that status is still the registry's.
 * Striped: each stripe has its own lock, hash table and share of the
 * capacity; a full stripe evicts its oldest entry (FIFO ring).
 */
#ifndef JPKI_STATUS_OCSP_CACHE_H
#define JPKI_STATUS_OCSP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define OCSP_CACHE_KEY_MAX 128

/* What a cached response says, and when it is due for replacement. */
struct ocsp_cached {
	int cert_status; /* V_OCSP_CERTSTATUS_* */
	int64_t revoked_at;
	int reason;
	const void *responder; /* the responder that signed it */
	int64_t this_update, next_update, produced_at;
	int64_t fresh_until; /* served until then: next_update - validity/2 */
	char etag[44];
};

struct ocsp_cache;

/* NULL on ENOMEM. */
struct ocsp_cache *ocsp_cache_new(size_t max_entries);
void ocsp_cache_free(struct ocsp_cache *c);

/*
 * When key has an entry stating the same status, revocation, reason and
 * responder as want and fresh at now: 1, with *der a new malloc'd copy and
 * *info its facts.  0 on a miss, -1 on ENOMEM.
 */
int ocsp_cache_get(struct ocsp_cache *c, const uint8_t *key, size_t key_len,
                   const struct ocsp_cached *want, int64_t now, uint8_t **der, size_t *der_len,
                   struct ocsp_cached *info);

/* Insert or replace (the bytes are copied).  0, or -1 on ENOMEM or a key too long. */
int ocsp_cache_put(struct ocsp_cache *c, const uint8_t *key, size_t key_len,
                   const struct ocsp_cached *info, const uint8_t *der, size_t der_len);

size_t ocsp_cache_count(struct ocsp_cache *c);

#endif
