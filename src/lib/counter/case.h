/*
 * case.h: cases, their transitions and their audit entries (inside the
 * counter module).
 */
#ifndef JPKI_COUNTER_CASE_H
#define JPKI_COUNTER_CASE_H

#include "counter.h"

/* What one transition logs (the session gives operator, counter and time). */
struct jpki_case_note {
	const char *step;      /* "checked", "issued auth", ... (action = procedure.step) */
	const char *decision;  /* "done" (default), "refused", "failed" */
	const char *rule;      /* the rule that refused, or "" */
	const char *documents; /* documents checked, or "" */
	const char *detail;    /* facts, or "" */
};

/* Inside a transaction already begun: insert the case c (state set) and log it. */
JPKI_MUST_CHECK int jpki_case_insert_tx(const struct jpki_counter_session *s,
                                        struct jpki_case_rec *c, const struct jpki_case_note *n,
                                        struct jpki_err *err);
/* Inside a transaction already begun: move c to `to` (whitelist checked) and log it. */
JPKI_MUST_CHECK int jpki_case_move_tx(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                                      enum jpki_case_state to, const struct jpki_case_note *n,
                                      struct jpki_err *err);
/* The same, each in its own transaction. */
JPKI_MUST_CHECK int jpki_case_insert(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                                     const struct jpki_case_note *n, struct jpki_err *err);
JPKI_MUST_CHECK int jpki_case_move(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                                   enum jpki_case_state to, const struct jpki_case_note *n,
                                   struct jpki_err *err);

/* Insert the new case c ("taken") and move it to CHECKED, in one transaction. */
JPKI_MUST_CHECK int jpki_case_open_checked(const struct jpki_counter_session *s,
                                           struct jpki_case_rec *c, const char *documents,
                                           const char *note, struct jpki_err *err);

/* A new case record of procedure p for a resident, at the session's counter and time. */
void jpki_case_init(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                    enum jpki_procedure p, int64_t resident_id);

/*
 * A rule refused the procedure: the case (c, or a new one when c->id is 0)
 * goes to REFUSED with its audit entry, in one transaction; returns
 * -JPKI_E_REFUSED with "refused (rule R): ..." in err.  Nothing else changes.
 */
int jpki_case_refuse(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                     const char *rule, const char *documents, struct jpki_err *err, const char *fmt,
                     ...) __attribute__((format(printf, 6, 7)));

struct jpki_refusal;
/* jpki_case_refuse with the rule and reason a check filled in (rules.h). */
int jpki_case_refuse_by(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                        const struct jpki_refusal *r, const char *documents, struct jpki_err *err);

/*
 * A refused attempt that may be tried again (a wrong PIN at a kiosk, the
 * wrong hour): logged as refused, the case left as it is.
 */
int jpki_case_refuse_attempt(const struct jpki_counter_session *s, const struct jpki_case_rec *c,
                             const char *rule, struct jpki_err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Rule W1: JPKI_E_REFUSED (not audited: the caller refuses) when the
 * session's counter is closed now, unless a supervisor overrides (noted in
 * note, cap bytes).  A loss suspension is always allowed.
 */
JPKI_MUST_CHECK int jpki_counter_hours_check(const struct jpki_counter_session *s,
                                             enum jpki_procedure p, char *note, size_t cap,
                                             struct jpki_err *err);

/* A new one-time reference: prefix and 12 characters of an unambiguous alphabet. */
void jpki_random_ref(char ref[JPKI_TOKEN_REF_MAX], const char *prefix);
/* Inside a transaction: an audit entry of its own (action as given), not a case's move. */
JPKI_MUST_CHECK int jpki_audit_note_tx(const struct jpki_counter_session *s, int64_t case_id,
                                       int64_t resident_id, const char *action,
                                       const struct jpki_case_note *n, struct jpki_err *err);

/*
 * The start of every counter visit: the hours (rule W1, a supervisor's
 * override noted in note, 200 bytes) and the residence record (rule E1,
 * read into res).  0 with *ok false and r filled when a rule refuses.
 */
JPKI_MUST_CHECK int jpki_counter_visit_start(const struct jpki_counter_session *s,
                                             enum jpki_procedure p, int64_t resident_id,
                                             struct jpki_resident *res, char note[200], bool *ok,
                                             struct jpki_refusal *r, struct jpki_err *err);

/* Append "key=value" to a case's detail ("; " between). */
void jpki_detail_add(char *detail, size_t cap, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Read "key=value" from a detail into out; false when absent. */
bool jpki_detail_get(const char *detail, const char *key, char *out, size_t cap);

#endif
