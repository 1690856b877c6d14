/*
 * cmd_counter.h: what the `jpki counter` subcommands share (cmd_counter.c:
 * options, the session and the card; cmd_counter_cases.c: cases, receipts
 * and the audit log).
 */
#ifndef JPKI_CMD_COUNTER_H
#define JPKI_CMD_COUNTER_H

#include "cmd_card.h"
#include "counter/issuance.h"
#include "counter/procedures.h"

extern const char counter_usage[];

/* Options the subcommands take (a mask of C_* says which). */
struct cargs {
	const char *operator_id, *counter_id;
	int64_t hours_approval, approval; /* approved requests' numbers (W1; R1) */
	int64_t resident, case_id, receipt;
	struct jpki_application app;
	const char *applicant, *kinds, *authority, *reason, *reset, *reservation;
	const char *decision, *rule, *out, *out_dir, *form, *month;
	bool sealed;
	struct jpki_date since, until;
	bool has_since, has_until;
	bool same_household, delegation;
	struct card_target tg;
	struct card_secrets sec;
};

enum {
	C_SESSION = 1 << 0,   /* --operator --counter --hours-approval */
	C_RESIDENT = 1 << 1,  /* --resident */
	C_DOCS = 1 << 2,      /* --doc (repeatable) */
	C_APPLICANT = 1 << 3, /* --applicant --authority --same-household */
	C_KINDS = 1 << 4,     /* --kinds */
	C_REASON = 1 << 5,    /* --reason */
	C_CARD = 1 << 6,      /* --reader or IMAGE */
	C_RESET = 1 << 7,     /* --reset */
	C_DELEGATION = 1 << 8,
	C_RESERVATION = 1 << 9,
	C_APPROVAL = 1 << 10, /* --approval N */
	C_AUDIT = 1 << 11,    /* --case --decision --rule --since --until */
	C_OUT = 1 << 12,      /* --out FILE */
	C_FORM = 1 << 13,     /* --form CODE --sealed */
	C_MONTH = 1 << 14,    /* --month YYYY-MM --out-dir DIR */
};

/* Parse argv with the options of mask and the secrets of secrets (CARD_*); -1 to go on. */
int counter_parse(int argc, char **argv, unsigned mask, unsigned secrets, int operands,
                  struct cargs *a);

/* The registry, configuration and clock of a session; 0 or the exit status. */
struct counter_env {
	struct jpki_store *st;
	struct jpki_counter_config cfg;
	struct jpki_counter_session s;
	char override_by[33]; /* the supervisor who approved the hours-override (W1) */
};
int counter_env_open(const struct cargs *a, struct counter_env *e);
void counter_env_close(struct counter_env *e);

/* The exit status of a failed procedure: 3 for a refusal by a rule, 1 otherwise. */
int counter_fail(const struct jpki_err *err);

/* The card in the reader, with the issuer master key and (with_cas) both CAs. */
struct counter_card {
	struct jpki_counter_card c;
	uint8_t master[JPKI_CARD_KEY_LEN];
	struct jpki_ca *cas[2];
	struct jpki_transport *t;
};
int counter_card_open(const struct cargs *a, bool with_cas, struct counter_card *k);
void counter_card_close(struct counter_card *k);

/* The PINs a command read, wiped when it returns (_cleanup_(pins_wipe)). */
struct pins {
	char auth[JPKI_PIN_MAX + 2], sign[JPKI_PIN_MAX + 2], pin[JPKI_PIN_MAX + 2],
	    new_pin[JPKI_PIN_MAX + 2];
};
void pins_wipe(struct pins *p);
int read_pins(const struct cargs *a, bool auth, bool sign, struct pins *p);
void print_issue(const struct jpki_issue_outcome *o);

int counter_cmd_case(int argc, char **argv);
int counter_cmd_proxy(int argc, char **argv);
int counter_cmd_notices(int argc, char **argv);
int counter_cmd_receipt(int argc, char **argv);
int cmd_audit(int argc, char **argv);

#endif
