/*
 * crl.h: the CRLs of a CA (RFC 5280 §5), written as DER in one pass.
 *
 * Three scopes (docs/crl.md):
 *   full       every revoked certificate of the CA, no issuingDistributionPoint;
 *   partition  the revoked certificates of one CRL partition (the one named
 *              in their cRLDistributionPoints), with a critical
 *              issuingDistributionPoint {fullName = that URL,
 *              onlyContainsUserCerts} and a freshestCRL pointing at the
 *              partition's delta;
 *   delta      of a partition: a critical deltaCRLIndicator naming the base
 *              CRL's number, the same issuingDistributionPoint, and the
 *              certificates revoked at or after the base's thisUpdate.
 * Every CRL lists only certificates that have not expired, gives each its
 * revocation date and reason (reasonCode left out for unspecified,
 * §5.3.1), and carries authorityKeyIdentifier and a cRLNumber drawn from
 * the CA's one counter, so numbers rise across all scopes of a CA
 * (§5.2.3 asks for a monotonically increasing number per scope; a counter
 * shared by all scopes satisfies that for each of them).
 *
 * Entries go from the registry scan straight into one buffer that keeps
 * room for the headers in front, so the peak memory is about the CRL's size.
 */
#ifndef JPKI_CA_CRL_H
#define JPKI_CA_CRL_H

#include "jpki/api.h"
#include "ca.h"
#include "store/store.h"

#define JPKI_CRL_DEFAULT_VALIDITY (24 * 3600)  /* full and partition bases: 1 day */
#define JPKI_CRL_DELTA_DEFAULT_VALIDITY (3600) /* deltas: 1 hour */
#define JPKI_CRL_MAX_BYTES ((size_t)2 << 30)   /* refuse to build a CRL over 2 GiB */

struct jpki_crl_scope {
	int partition;            /* -1: the whole CA (full CRL); else 0..JPKI_CRL_PARTITIONS-1 */
	bool delta;               /* a delta of that partition (partition >= 0) */
	int64_t base_number;      /* delta: the base CRL's cRLNumber */
	int64_t base_this_update; /* delta: list revocations at or after this instant */
};

/* A built CRL.  der points into mem; free with jpki_crl_clear. */
struct jpki_crl {
	uint8_t *mem; /* owned: an anonymous mapping of mem_len bytes (crl.c) */
	const uint8_t *der;
	size_t len;
	int64_t number, this_update, next_update;
	size_t mem_len;
};

/*
 * Build and sign a CRL of scope at `now`, valid `validity` seconds.  Draws
 * the next cRLNumber of the CA.  On success *out owns the DER; on failure
 * *out is left zeroed.
 */
JPKI_MUST_CHECK int jpki_crl_build_scope(struct jpki_store *st, const struct jpki_ca *ca,
                                         const struct jpki_crl_scope *scope, int64_t now,
                                         int64_t validity, struct jpki_crl *out,
                                         struct jpki_err *err);
/* Free what a jpki_crl owns and zero it; NULL or zeroed is fine. */
void jpki_crl_clear(struct jpki_crl *c);

/* The full CRL as a malloc'd DER buffer the caller frees (*ret_der NULL on failure). */
JPKI_MUST_CHECK int jpki_crl_build(struct jpki_store *st, const struct jpki_ca *ca, int64_t now,
                                   int64_t validity, uint8_t **ret_der, size_t *ret_len,
                                   struct jpki_err *err);

/*
 * Read back what a delta of `partition` needs from its base, a CRL of this
 * CA: the base's cRLNumber and thisUpdate.  Checks the CA's signature, that
 * it is no delta itself and that its issuingDistributionPoint is the one
 * this partition's CRLs carry.  0, or -JPKI_E_INVALID.
 */
JPKI_MUST_CHECK int jpki_crl_base_info(const struct jpki_ca *ca, int partition, const uint8_t *der,
                                       size_t len, int64_t *ret_number, int64_t *ret_this_update,
                                       struct jpki_err *err);

#endif
