/*
 * profile.h: the two end-entity certificate profiles (docs/rules.md).
 *
 * Building a certificate is pure: the caller has already decided serial,
 * validity and identifier, so this code does no I/O and can run on several
 * threads at once (bulk issuance signs in parallel).
 */
#ifndef JPKI_CA_PROFILE_H
#define JPKI_CA_PROFILE_H

#include "jpki/api.h"
#include "ca.h"
#include "jpki/records.h"

#define JPKI_SERIAL_BYTES 16 /* 0x40, 32 bits of issue time, 88 random bits */

struct jpki_cert_plan {
	enum jpki_kind kind;
	const struct jpki_resident *resident; /* the four facts; read for sign only */
	EVP_PKEY *subject_key;                /* borrowed public key */
	uint8_t serial[JPKI_SERIAL_BYTES];
	char cn[JPKI_CN_MAX]; /* the opaque issuance identifier */
	int64_t not_before, not_after;
};

/* Build and sign; *ret is the certificate's DER (malloc'd, caller frees). */
JPKI_MUST_CHECK int jpki_profile_build(const struct jpki_ca *ca, const struct jpki_cert_plan *plan,
                                       uint8_t **ret, size_t *ret_len, struct jpki_err *err);

/* Free this thread's cached signing context (threads that end free theirs). */
void jpki_profile_thread_done(void);

/* The CRL partition a serial belongs to (0..JPKI_CRL_PARTITIONS-1). */
JPKI_MUST_CHECK int jpki_crl_partition_of(const uint8_t serial[JPKI_SERIAL_BYTES]);
/* URL of a partition's CRL (delta: its delta CRL) into buf; -1 when it does not fit. */
JPKI_MUST_CHECK int jpki_partition_url(const struct jpki_ca *ca, int partition, bool delta,
                                       char *buf, size_t cap);

/*
 * Fill the plan's serial (0x40, the issue time's 32 bits, 88 random bits;
 * not_before must be set) and identifier with fresh values.
 */
JPKI_MUST_CHECK int jpki_plan_randomize(struct jpki_cert_plan *plan, struct jpki_err *err);

/*
 * For the CRL writer, which composes DER the same way (crl.c):
 * the sha256WithRSAEncryption AlgorithmIdentifier (static storage);
 * a PKCS #1 v1.5 signature of SHA-256(data) by key into sig
 * (EVP_PKEY_get_size(key) bytes), through this thread's cached context;
 * a cRLDistributionPoints-shaped extension (id-ce ce: 31 CRLDP, 46
 * freshestCRL) with one URI, into buf (bytes written, 0 if it does not fit);
 * a UTCTime through 2049 / GeneralizedTime after (RFC 5280 §4.1.2.5).
 */
#define JPKI_TIME_DER_MAX 24
const uint8_t *jpki_sig_alg_der(size_t *len);
JPKI_MUST_CHECK int jpki_sign_sha256(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t *sig,
                                     size_t *sig_len, struct jpki_err *err);
size_t jpki_dp_ext_der(uint8_t ce, const char *uri, uint8_t *buf, size_t cap);
size_t jpki_time_der(int64_t t, uint8_t buf[JPKI_TIME_DER_MAX]);

#endif
