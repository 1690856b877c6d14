/*
 * jpki/records.h: the records the resident registry keeps.
 *
 * Plain C structs with fixed-size UTF-8 fields, so they can be copied,
 * compared and checked without allocation.  Sizes are bytes and leave room
 * for the longest value the rules allow (an address of 200 characters of up
 * to 4 bytes each, rule of jpki-certs.md .5.5).
 */
#ifndef JPKI_REGISTRY_H
#define JPKI_REGISTRY_H

#include "jpki/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/date.h"

#define JPKI_NAME_MAX 128    /* bytes of one name part, NUL included */
#define JPKI_ADDRESS_MAX 804 /* 200 characters x 4 bytes + NUL */
#define JPKI_ADDRESS_CHARS 200
#define JPKI_FLAGS_MAX 264 /* one '0'/'1' per character */

enum jpki_sex { JPKI_SEX_MALE = 1, JPKI_SEX_FEMALE = 2, JPKI_SEX_UNKNOWN = 3 };

enum jpki_residence { JPKI_RESIDENT = 0, JPKI_MOVED_OUT = 1, JPKI_DECEASED = 2 };

struct jpki_resident {
	int64_t id;
	char family[JPKI_NAME_MAX];
	char given[JPKI_NAME_MAX];
	char name_subst[JPKI_FLAGS_MAX]; /* '0'/'1' per character of the name; "" = none */
	char address[JPKI_ADDRESS_MAX];
	char address_subst[JPKI_FLAGS_MAX]; /* '0'/'1' per character of the address */
	struct jpki_date birth;
	enum jpki_sex sex;
	char former_surname[JPKI_NAME_MAX]; /* 旧氏, "" when none is registered */
	char alias[JPKI_NAME_MAX];          /* 通称, "" when none is registered */
	bool adult_ward;                    /* 成年被後見人, rule E2 */
	enum jpki_residence status;
	bool has_residence_end; /* foreign resident without permanent status */
	struct jpki_date residence_end;
};

enum jpki_kind { JPKI_KIND_SIGN = 0, JPKI_KIND_AUTH = 1 };

enum jpki_cert_status { JPKI_CERT_VALID = 0, JPKI_CERT_REVOKED = 1 };

/* RFC 5280 §5.3.1 CRLReason values used by JPKI (jpki-certs.md "Revocation"). */
enum jpki_reason {
	JPKI_REASON_UNSPECIFIED = 0,
	JPKI_REASON_KEY_COMPROMISE = 1,
	JPKI_REASON_CA_COMPROMISE = 2,
	JPKI_REASON_AFFILIATION_CHANGED = 3,
	JPKI_REASON_SUPERSEDED = 4,
	JPKI_REASON_CESSATION = 5,
	JPKI_REASON_HOLD = 6,
};

#define JPKI_SERIAL_HEX_MAX 41 /* up to 20 bytes in hex + NUL (RFC 5280 §4.1.2.2) */
#define JPKI_CN_MAX 65

/*
 * Partitioned CRLs: a certificate's partition is fixed at issuance from
 * random bits of its serial and named in its cRLDistributionPoints, so no
 * one CRL grows with the whole country (100M cards / 1024).
 */
#define JPKI_CRL_PARTITIONS 1024

struct jpki_cert_rec {
	int64_t id;
	char serial[JPKI_SERIAL_HEX_MAX]; /* upper-case hex, no leading zero bytes */
	enum jpki_kind kind;
	int64_t resident_id;
	int64_t not_before, not_after, issued_at;
	enum jpki_cert_status status;
	int64_t revoked_at;
	enum jpki_reason reason;
	/* a hold made final: when the hold began, the invalidityDate (RFC 5280 §5.3.2); else 0 */
	int64_t invalid_at;
	char subject_cn[JPKI_CN_MAX];
	bool renewal;
	int crl_partition; /* which partitioned CRL lists it (0..JPKI_CRL_PARTITIONS-1) */
	uint8_t *der;      /* owned; NULL unless asked for */
	size_t der_len;
};

JPKI_API void jpki_cert_rec_clear(struct jpki_cert_rec *c);

JPKI_API const char *jpki_kind_name(enum jpki_kind k);
JPKI_API int jpki_kind_parse(const char *s, enum jpki_kind *out, struct jpki_err *err);
JPKI_API const char *jpki_reason_name(enum jpki_reason r);
/* Parse an RFC 5280 reason name (keyCompromise, ...); INVALID when unknown. */
JPKI_API int jpki_reason_parse(const char *s, enum jpki_reason *out, struct jpki_err *err);
JPKI_API const char *jpki_residence_name(enum jpki_residence s);
JPKI_API int jpki_residence_parse(const char *s, enum jpki_residence *out, struct jpki_err *err);

#endif
