/*
 * operator_rec.h: the counter's operators (#12 item 1; docs/operators.md):
 * who may log in to the clerk's terminal, under which role, and the state
 * of their password log-ins.
 */
#ifndef JPKI_STORE_OPERATOR_REC_H
#define JPKI_STORE_OPERATOR_REC_H

#include <stdint.h>

#define JPKI_OPERATOR_NAME_MAX 128
#define JPKI_PASSWORD_HASH_MAX 160 /* "scrypt$N$r$p$salt$hash" */

struct jpki_operator_rec {
	char id[33]; /* 1-32 of [A-Za-z0-9._-], as the counter's --operator */
	char name[JPKI_OPERATOR_NAME_MAX + 1];
	int role; /* enum jpki_role (operator/roles.h) */
	char password_hash[JPKI_PASSWORD_HASH_MAX + 1];
	int failures;         /* password failures since the last good log-in */
	int64_t locked_until; /* 0: not locked */
	int64_t created_at;
	char created_by[33]; /* "" for the first CA officer */
	int64_t disabled_at; /* 0: active */
	int64_t last_login_at;
};

typedef int (*jpki_operator_cb)(const struct jpki_operator_rec *o, void *arg);

/* A four-eyes request (operator/approval.h), as stored. */
struct jpki_approval_rec {
	int64_t id; /* set by the registry */
	int kind;
	char requester[33];
	char what[513];
	int version;
	int64_t created_at, expires_at;
	int state;
};

/*
 * An operator's FIDO2 security key (operator/webauthn.h), as stored (schema
 * 9): its WebAuthn credential id, public key and sign counter.  Keys are
 * disabled, never deleted.
 */
#define JPKI_CREDENTIAL_ID_MAX 1023 /* WebAuthn L2 §5.1 */
#define JPKI_CREDENTIAL_KEY_MAX 128 /* SubjectPublicKeyInfo DER: P-256 91, Ed25519 44 bytes */
#define JPKI_CREDENTIAL_LABEL_MAX 64

struct jpki_credential_rec {
	int64_t id; /* the key's number, set by the registry */
	char operator_id[33];
	uint8_t credential_id[JPKI_CREDENTIAL_ID_MAX];
	size_t credential_id_len;                    /* 1 to 1023 */
	uint8_t public_key[JPKI_CREDENTIAL_KEY_MAX]; /* SubjectPublicKeyInfo, DER (RFC 5280 §4.1) */
	size_t public_key_len;
	int alg;             /* COSE: -7 ES256, -8 EdDSA */
	uint32_t sign_count; /* the last one seen (WebAuthn L2 §6.1.1) */
	uint8_t aaguid[16];
	char label[JPKI_CREDENTIAL_LABEL_MAX + 1]; /* what the operator calls it; may be "" */
	char created_by[33]; /* the operator themself, or the CA officer who registered it */
	int64_t created_at, last_used_at, disabled_at; /* 0: never used; 0: enabled */
};

typedef int (*jpki_credential_cb)(const struct jpki_credential_rec *c, void *arg);

#endif
