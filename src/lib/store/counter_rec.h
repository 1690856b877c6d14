/*
 * counter_rec.h: what the registry keeps for the counter (docs/counter.md):
 * cases and their states, the audit log, fee receipts, one-time tokens
 * (inquiry-and-answer forms, kiosk reservations) and renewal notices sent.
 * Plain structs with fixed-size text, checked when read back.
 */
#ifndef JPKI_STORE_COUNTER_REC_H
#define JPKI_STORE_COUNTER_REC_H

#include <stdbool.h>
#include <stdint.h>

#include "jpki/records.h"

#define JPKI_LABEL_MAX 33    /* operator and counter ids: 1-32 of [A-Za-z0-9._-] */
#define JPKI_DETAIL_MAX 1024 /* a case's or an audit entry's "key=value; ..." facts */
#define JPKI_DOCS_MAX 256    /* identity documents checked: "licence:123456, ..." */
#define JPKI_RULE_MAX 8
#define JPKI_ACTION_MAX 33
#define JPKI_TOKEN_REF_MAX 33

struct jpki_case_rec {
	int64_t id;
	int procedure; /* enum jpki_procedure (counter/case.h) */
	int state;     /* enum jpki_case_state */
	int64_t resident_id;
	char counter[JPKI_LABEL_MAX];
	char operator_id[JPKI_LABEL_MAX];
	int64_t opened_at, updated_at;
	char detail[JPKI_DETAIL_MAX];
};

struct jpki_audit_rec {
	int64_t seq; /* set by the registry: 1, 2, 3, ... with no gap */
	int64_t at;
	char operator_id[JPKI_LABEL_MAX];
	char counter[JPKI_LABEL_MAX];
	int64_t case_id;     /* 0: none */
	int64_t resident_id; /* 0: none */
	char action[JPKI_ACTION_MAX];
	char decision[16]; /* "done", "refused", "failed" */
	char rule[JPKI_RULE_MAX];
	char documents[JPKI_DOCS_MAX];
	char detail[JPKI_DETAIL_MAX];
};

/* Which audit entries to list; zero fields match everything. */
struct jpki_audit_filter {
	int64_t resident_id, case_id, since, until;
	const char *operator_id, *decision, *rule;
};

struct jpki_receipt_rec {
	int64_t number; /* set by the registry */
	int64_t case_id, resident_id;
	int amount; /* yen */
	char fee_case[JPKI_ACTION_MAX];
	int64_t issued_at;
	int64_t voided_at; /* 0: valid */
	char voided_by[JPKI_LABEL_MAX], approved_by[JPKI_LABEL_MAX];
};

enum jpki_token_purpose {
	JPKI_TOKEN_PROXY_FORM = 1,   /* inquiry-and-answer form after visit 1 (rule D2) */
	JPKI_TOKEN_RENEWAL_FORM = 2, /* the form enclosed with a renewal notice (rule N4) */
	JPKI_TOKEN_KIOSK = 3,        /* a kiosk PIN-reset reservation */
};

struct jpki_token_rec {
	char ref[JPKI_TOKEN_REF_MAX];
	enum jpki_token_purpose purpose;
	int64_t case_id; /* the case that asked for it (0: a renewal notice) */
	int64_t resident_id;
	char cert_serial[JPKI_SERIAL_HEX_MAX]; /* what it renews, or "" */
	int kinds;                             /* bit 0 signature, bit 1 authentication */
	int64_t issued_at, expires_at;
	int64_t used_at; /* 0: not used */
};

#endif
