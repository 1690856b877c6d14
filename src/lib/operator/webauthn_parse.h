/*
 * webauthn_parse.h: the three things a browser hands over in a WebAuthn
 * ceremony, read and checked (WebAuthn Level 2, W3C Recommendation 2021):
 *   - clientDataJSON (§5.8.1), its type, challenge, origin and crossOrigin;
 *   - authenticator data (§6.1), with its attested credential data (§6.5.1)
 *     and the credential's COSE key (RFC 8152 §13, §7.1 of WebAuthn);
 *   - the attestation object (§6.5.4) with the "none" (§8.7) and "packed"
 *     (§8.2) statement formats.
 * The binary ones are read through the bounded cursor and the CBOR reader
 * (core/cbor.h); nothing is trusted beyond its length, and whatever is left
 * over after the last field is refused.  Pointers in the results borrow the
 * caller's buffers.  No I/O, no registry: unit-tested and fuzzed
 * (tests/fuzz/fuzz_webauthn.c).  webauthn.c checks what they say against
 * the registry and verifies the signatures with libfido2.
 */
#ifndef JPKI_OPERATOR_WEBAUTHN_PARSE_H
#define JPKI_OPERATOR_WEBAUTHN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"

#define JPKI_WA_CLIENT_DATA_MAX 4096  /* clientDataJSON: browsers send about 200 bytes */
#define JPKI_WA_ATTESTATION_MAX 16384 /* an attestation object, with its certificates */
#define JPKI_WA_AUTHDATA_MAX 4096     /* authenticator data, with a credential id of 1023 */
#define JPKI_WA_CRED_ID_MAX 1023      /* §5.1: a credential id is at most 1023 bytes */
#define JPKI_WA_SIG_MAX 512

/* §6.1 the flags of authenticator data */
#define JPKI_WA_FLAG_UP 0x01 /* user present */
#define JPKI_WA_FLAG_UV 0x04 /* user verified */
#define JPKI_WA_FLAG_AT 0x40 /* attested credential data included */
#define JPKI_WA_FLAG_ED 0x80 /* extension data included */

/* COSE algorithms (IANA COSE registry) that operators' keys may use. */
#define JPKI_COSE_ES256 (-7)
#define JPKI_COSE_EDDSA (-8)

enum jpki_wa_ceremony { JPKI_WA_CREATE, JPKI_WA_GET };

/* The authenticator extensions libfido2 reads too (its FIDO_EXT_* to set to match). */
struct jpki_wa_extensions {
	bool hmac_secret, cred_blob;
	int64_t cred_protect, min_pin_length; /* 0: absent */
};

struct jpki_wa_cose_key {
	int alg;         /* JPKI_COSE_ES256 or JPKI_COSE_EDDSA */
	uint8_t raw[64]; /* ES256: x || y (SEC 1 coordinates); EdDSA: the 32-byte key */
	size_t raw_len;  /* 64 or 32 */
};

struct jpki_wa_authdata {
	const uint8_t *rp_id_hash; /* 32 bytes */
	uint8_t flags;
	uint32_t sign_count;
	bool attested;         /* the AT flag: the three below are set */
	const uint8_t *aaguid; /* 16 bytes */
	const uint8_t *cred_id;
	size_t cred_id_len;
	struct jpki_wa_cose_key key;
	struct jpki_wa_extensions ext; /* with the ED flag */
};

enum jpki_wa_fmt { JPKI_WA_FMT_NONE, JPKI_WA_FMT_PACKED };

struct jpki_wa_attobj {
	enum jpki_wa_fmt fmt;
	const uint8_t *stmt; /* attStmt as encoded (for libfido2's fido_cred_set_attstmt) */
	size_t stmt_len;
	const uint8_t *auth_data;
	size_t auth_data_len;
	/* packed (§8.2): alg, sig, and the attestation certificate x5c[0] if any */
	int64_t alg;
	const uint8_t *sig, *x5c;
	size_t sig_len, x5c_len;
};

/*
 * §7.1 steps 5-10, §7.2 steps 9-14: clientDataJSON of the ceremony, for the
 * challenge (32 bytes) and the one origin accepted (compared exactly).
 * INVALID when it is not a client data object, LIMIT when larger than 4 KiB,
 * UNAUTHENTICATED when it is one but not of this ceremony (type, challenge,
 * origin, crossOrigin, tokenBinding).
 */
JPKI_MUST_CHECK int jpki_wa_client_data_check(const uint8_t *json, size_t len,
                                              enum jpki_wa_ceremony ceremony,
                                              const uint8_t challenge[32], const char *origin,
                                              struct jpki_err *err);
/*
 * Authenticator data (§6.1): with attested credential data when the AT flag
 * is set (required when `attested`, refused otherwise: an assertion carries
 * none), the extensions when ED is set, and nothing after them.  INVALID
 * when malformed, BAD_KEY for a key of another algorithm than ES256 or
 * EdDSA.
 */
JPKI_MUST_CHECK int jpki_wa_authdata_parse(const uint8_t *p, size_t n, bool attested,
                                           struct jpki_wa_authdata *out, struct jpki_err *err);
/*
 * The attestation object (§6.5.4): a map of fmt, attStmt and authData, and
 * nothing after it.  INVALID when malformed or of another format than none
 * and packed.
 */
JPKI_MUST_CHECK int jpki_wa_attobj_parse(const uint8_t *p, size_t n, struct jpki_wa_attobj *out,
                                         struct jpki_err *err);

#endif
