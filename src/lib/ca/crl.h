/*
 * crl.h: full CRLs of a CA (RFC 5280 §5).
 *
 * A CRL lists every revoked certificate of the CA that has not yet expired,
 * with its revocation date and reason (reasonCode left out for
 * unspecified, §5.3.1), a monotonic cRLNumber and the CA's key identifier.
 */
#ifndef JPKI_CA_CRL_H
#define JPKI_CA_CRL_H

#include "ca.h"
#include "store/store.h"

#define JPKI_CRL_DEFAULT_VALIDITY (24 * 3600) /* nextUpdate = thisUpdate + 1 day */

/* Build and sign the CA's current CRL; *ret_der is malloc'd, caller frees. */
int jpki_crl_build(struct jpki_store *st, const struct jpki_ca *ca, int64_t now,
		   int64_t validity, uint8_t **ret_der, size_t *ret_len, struct jpki_err *err);

#endif
