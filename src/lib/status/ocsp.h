/*
 * ocsp.h: the OCSP responder logic (RFC 6960, profile of RFC 5019), with
 * no sockets: DER request in, DER response out.
 *
 * One struct jpki_ocsp answers for both CAs.  It knows each CA's issuer
 * name and key hashes (SHA-1 and SHA-256 CertIDs), each CA's delegated
 * responder (status/responder.h), asks a caller's lookup function for the
 * registry status of a serial, and keeps pre-signed responses to requests
 * without a nonce in a striped cache.  Every request, cached or not, reads
 * the current status first, and a cached response is used only when it
 * states that same status: a certificate revoked in the registry is never
 * answered "good" afterwards (docs/ocsp.md, "Cache correctness").
 *
 * Thread-safe: jpki_ocsp_respond may run on any number of threads at once.
 */
#ifndef JPKI_STATUS_OCSP_H
#define JPKI_STATUS_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "ca/ca.h"
#include "jpki/error.h"
#include "jpki/records.h"
#include "responder.h"

#define JPKI_OCSP_REQ_MAX (16 * 1024)   /* bytes of a DER request */
#define JPKI_OCSP_SINGLE_MAX 8          /* single requests in one request */
#define JPKI_OCSP_DEFAULT_VALIDITY 3600 /* thisUpdate to nextUpdate, seconds */
#define JPKI_OCSP_DEFAULT_CACHE 200000  /* cached responses */

/* OCSPResponseStatus (RFC 6960 §4.2.1) */
enum jpki_ocsp_status {
	JPKI_OCSP_SUCCESSFUL = 0,
	JPKI_OCSP_MALFORMED = 1,
	JPKI_OCSP_INTERNAL_ERROR = 2,
	JPKI_OCSP_TRY_LATER = 3,
	JPKI_OCSP_UNAUTHORIZED = 6,
};

/*
 * Status of one serial of CA `ca` ("0123AB", upper-case hex, no leading
 * zero byte).  Returns 0 and fills *out, -JPKI_E_NOT_FOUND when the
 * registry has no such serial, another negative code on failure (the
 * responder answers tryLater).  Called on the responder's threads.
 */
typedef int (*jpki_ocsp_lookup_fn)(void *arg, enum jpki_kind ca, const char *serial_hex,
                                   struct jpki_cert_rec *out, struct jpki_err *err);

struct jpki_ocsp_cfg {
	const struct jpki_ca *cas[2];         /* borrowed, [0] sign [1] auth; outlive o */
	struct jpki_responder *responders[2]; /* taken on success */
	jpki_ocsp_lookup_fn lookup;
	void *lookup_arg;
	int64_t validity; /* seconds; 0 = JPKI_OCSP_DEFAULT_VALIDITY */
	size_t cache_max; /* entries; 0 = JPKI_OCSP_DEFAULT_CACHE */
	/*
	 * The CA passphrase, copied: with it the responder renews a responder
	 * certificate that comes within JPKI_RESPONDER_ROLLOVER of its end by
	 * itself (jpki_responder_ensure).  NULL: no automatic rollover.
	 */
	const char *passphrase;
};

/* What the HTTP layer needs to know about a response. */
struct jpki_ocsp_meta {
	enum jpki_ocsp_status status;
	bool cacheable;  /* successful and no nonce: HTTP caches may keep it */
	bool from_cache; /* served from the response cache */
	int64_t this_update, next_update, produced_at; /* 0 unless successful */
	char etag[44]; /* "\"<hex SHA-1 of the response>\"", "" unless successful */
};

struct jpki_ocsp;

/* Make a responder.  *ret is new; caller frees with jpki_ocsp_free(). */
JPKI_MUST_CHECK int jpki_ocsp_new(const struct jpki_ocsp_cfg *cfg, struct jpki_ocsp **ret,
                                  struct jpki_err *err);
/* Free; NULL is fine.  No jpki_ocsp_respond may be running. */
void jpki_ocsp_free(struct jpki_ocsp *o);

/*
 * Answer the DER request req (len bytes, outside input) at instant now.
 * Returns 0 with *resp a new malloc'd DER OCSPResponse (caller frees with
 * free()), whatever the request: a refused request gets an OCSPResponse
 * with the error status and no responseBytes.  Returns -JPKI_E_NOMEM only
 * when not even that could be allocated.  meta may be NULL.
 */
JPKI_MUST_CHECK int jpki_ocsp_respond(struct jpki_ocsp *o, const uint8_t *req, size_t len,
                                      int64_t now, uint8_t **resp, size_t *resp_len,
                                      struct jpki_ocsp_meta *meta);

/* The DER OCSPResponse of an error status, a new malloc'd copy (NULL on ENOMEM). */
uint8_t *jpki_ocsp_error_response(enum jpki_ocsp_status status, size_t *len);

/*
 * Replace the responder of kind (taken), e.g. after an outside rollover;
 * the previous one stays allocated until jpki_ocsp_free (responses being
 * signed may still use it).  Cached responses of that CA are re-signed.
 */
JPKI_MUST_CHECK int jpki_ocsp_set_responder(struct jpki_ocsp *o, enum jpki_kind kind,
                                            struct jpki_responder *r, struct jpki_err *err);

/* Cached responses now (for tests and monitoring). */
size_t jpki_ocsp_cache_count(struct jpki_ocsp *o);

/* The context of the responder's CAs (where its messages go). */
const struct jpki_ctx *jpki_ocsp_ctx(const struct jpki_ocsp *o);

#endif
