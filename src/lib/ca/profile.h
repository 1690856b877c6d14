/*
 * profile.h: the two end-entity certificate profiles (jpki-certs.md).
 *
 * Building a certificate is pure: the caller has already decided serial,
 * validity and identifier, so this code does no I/O and can run on several
 * threads at once (bulk issuance signs in parallel).
 */
#ifndef JPKI_CA_PROFILE_H
#define JPKI_CA_PROFILE_H

#include "ca.h"
#include "jpki/registry.h"

#define JPKI_SERIAL_BYTES 16 /* 127 random bits */

struct jpki_cert_plan {
	enum jpki_kind kind;
	const struct jpki_resident *resident; /* the four facts; read for sign only */
	EVP_PKEY *subject_key;                /* borrowed public key */
	uint8_t serial[JPKI_SERIAL_BYTES];
	char cn[JPKI_CN_MAX]; /* the opaque issuance identifier */
	int64_t not_before, not_after;
};

/* Build and sign; *ret is a new certificate the caller frees. */
int jpki_profile_build(const struct jpki_ca *ca, const struct jpki_cert_plan *plan, X509 **ret,
		       struct jpki_err *err);

/* Fill the plan's serial and identifier with fresh random values. */
int jpki_plan_randomize(struct jpki_cert_plan *plan, struct jpki_err *err);

#endif
