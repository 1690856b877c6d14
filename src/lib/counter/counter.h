/*
 * counter.h: the counter's procedures (docs/counter.md, docs/counter-guide.md).
 *
 * Every procedure of the seed page is a case with an explicit state machine
 * (case.c): a whitelist of transitions per procedure, and each transition
 * committed in one registry transaction together with the registry change
 * it causes and its audit entry, or not at all.  A refusal names its rule
 * (JPKI_E_REFUSED, "refused (rule E2): ..."), is itself audited, and changes
 * nothing else.  The clerk's web UI of a later issue calls exactly these
 * functions: no rule lives in a front end.
 */
#ifndef JPKI_COUNTER_COUNTER_H
#define JPKI_COUNTER_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

#include "ca/ca.h"
#include "cardhost/transport.h"
#include "config.h"
#include "store/store.h"

enum jpki_procedure {
	JPKI_PROC_ISSUE = 1,       /* issuance in person (rules E1-E4, D1, C6, X1, F1, P1, C1) */
	JPKI_PROC_RENEW = 2,       /* renewal in person (N1-N3) */
	JPKI_PROC_PROXY = 3,       /* issuance or renewal by a proxy, two visits (D2-D4, N4) */
	JPKI_PROC_REVOKE = 4,      /* revocation at the holder's request */
	JPKI_PROC_HOLD = 5,        /* suspension on a reported loss */
	JPKI_PROC_LIFT = 6,        /* a hold resolved at the counter (revoked for good) */
	JPKI_PROC_PIN_RESET = 7,   /* PIN reset and unlock at the counter (P2) */
	JPKI_PROC_KIOSK_RESET = 8, /* one PIN reset at a kiosk after a reservation */
	JPKI_PROC_CARD_FACE = 9,   /* the card face rewritten from the record (E4) */
	JPKI_PROC_FEE_VOID = 10,   /* a receipt voided or refunded, with a supervisor */
	JPKI_PROC_COUNT
};

enum jpki_case_state {
	JPKI_CASE_OPEN = 0,    /* taken: documents recorded */
	JPKI_CASE_CHECKED = 1, /* every rule checked; the card may be written */
	JPKI_CASE_PARTIAL =
	    2,              /* the authentication certificate is on the card, not yet the other */
	JPKI_CASE_DONE = 3, /* finished */
	JPKI_CASE_REFUSED = 4,   /* a rule refused it (final) */
	JPKI_CASE_CANCELLED = 5, /* withdrawn (final) */
	JPKI_CASE_FORM_SENT = 6, /* proxy: the inquiry-and-answer form is mailed */
	JPKI_CASE_EXPIRED = 7,   /* proxy or kiosk: the form or reservation ran out (final) */
	JPKI_CASE_STATE_COUNT
};

const char *jpki_procedure_name(enum jpki_procedure p);
const char *jpki_case_state_name(enum jpki_case_state s);
/* The whitelist (case.c): may a case of procedure p move from `from` to `to`? */
bool jpki_case_transition_ok(enum jpki_procedure p, enum jpki_case_state from,
                             enum jpki_case_state to);

/* Who asks (counter practice; rule E2 for the legal representative). */
enum jpki_applicant {
	JPKI_APPLICANT_SELF = 0,
	JPKI_APPLICANT_LEGAL_REP = 1, /* 法定代理人: parent or guardian */
	JPKI_APPLICANT_PROXY = 2,     /* 任意代理人: a voluntary proxy */
};

/* Identity documents (docs/counter.md "Identity documents"). */
#define JPKI_DOCS_PER_CASE 4
enum jpki_doc_list { JPKI_DOC_A, JPKI_DOC_B };
struct jpki_id_doc {
	char type[24];
	char number[33];
	enum jpki_doc_list list;
};

/* Parse "TYPE:NUMBER" (licence:123456789012); INVALID naming the known types. */
JPKI_MUST_CHECK int jpki_id_doc_parse(const char *s, struct jpki_id_doc *out, struct jpki_err *err);

/* The terminal a procedure runs at: who, where, when; and an override of hours. */
struct jpki_counter_session {
	const struct jpki_ctx *ctx;
	struct jpki_store *st;
	const struct jpki_counter_config *cfg;
	const char *operator_id;
	const char *counter_id;
	const char *override_by; /* a supervisor's id: outside hours allowed (rule W1), or NULL */
	int64_t now;
};

/* Check and fill in the session's site; INVALID for an unknown counter or operator id. */
JPKI_MUST_CHECK int jpki_counter_session_check(const struct jpki_counter_session *s,
                                               struct jpki_err *err);

/* What the clerk took at the counter for an application. */
struct jpki_application {
	int64_t resident_id;
	enum jpki_applicant applicant;
	int n_docs;
	struct jpki_id_doc docs[JPKI_DOCS_PER_CASE]; /* the applicant's own documents */
	bool want_sign, want_auth;
	/* rule E2: the legal representative's proof of authority */
	char authority[24]; /* "family-register" or "guardianship", "" */
	bool has_authority_date;
	struct jpki_date authority_issued;
	bool same_household;               /* waives the proof */
	enum jpki_fee_case reissue_reason; /* the clerk's word for a re-issue: lost, damaged, ... */
};

#endif
