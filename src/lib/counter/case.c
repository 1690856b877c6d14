/*
 * case.c: the cases' state machine and their audit entries.
 *
 * The transitions are a whitelist (as a token lifecycle is in Dogtag's TPS):
 * a move that is not in the table is refused before anything is written,
 * and the registry moves a case only from the state it was read in
 * (case_move compares and sets), so two terminals cannot both advance it.
 * Each move is written with its audit entry in the caller's transaction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "audit/log.h"
#include "case.h"
#include "rules.h"

static const char *const proc_names[JPKI_PROC_COUNT] = {
    [JPKI_PROC_ISSUE] = "issue",         [JPKI_PROC_RENEW] = "renew",
    [JPKI_PROC_PROXY] = "proxy",         [JPKI_PROC_REVOKE] = "revoke",
    [JPKI_PROC_HOLD] = "hold",           [JPKI_PROC_LIFT] = "lift-hold",
    [JPKI_PROC_PIN_RESET] = "pin-reset", [JPKI_PROC_KIOSK_RESET] = "kiosk-reset",
    [JPKI_PROC_CARD_FACE] = "card-face", [JPKI_PROC_FEE_VOID] = "fee-void",
};

static const char *const state_names[JPKI_CASE_STATE_COUNT] = {
    [JPKI_CASE_OPEN] = "open",           [JPKI_CASE_CHECKED] = "checked",
    [JPKI_CASE_PARTIAL] = "partial",     [JPKI_CASE_DONE] = "done",
    [JPKI_CASE_REFUSED] = "refused",     [JPKI_CASE_CANCELLED] = "cancelled",
    [JPKI_CASE_FORM_SENT] = "form-sent", [JPKI_CASE_EXPIRED] = "expired",
};

const char *jpki_procedure_name(enum jpki_procedure p)
{
	return p > 0 && p < JPKI_PROC_COUNT ? proc_names[p] : "?";
}

const char *jpki_case_state_name(enum jpki_case_state s)
{
	return (unsigned)s < JPKI_CASE_STATE_COUNT ? state_names[s] : "?";
}

#define P(x) (1u << JPKI_PROC_##x)
#define ALL (~0u)
#define CARDS (P(ISSUE) | P(RENEW) | P(PROXY))
#define ONE_STEP (P(REVOKE) | P(HOLD) | P(LIFT) | P(CARD_FACE) | P(FEE_VOID))

static const struct {
	unsigned procs;
	enum jpki_case_state from, to;
} transitions[] = {
    {ALL, JPKI_CASE_OPEN, JPKI_CASE_REFUSED},
    {ALL, JPKI_CASE_OPEN, JPKI_CASE_CANCELLED},
    {CARDS | P(PIN_RESET), JPKI_CASE_OPEN, JPKI_CASE_CHECKED},
    {CARDS | P(PIN_RESET), JPKI_CASE_CHECKED, JPKI_CASE_REFUSED},
    {CARDS | P(PIN_RESET), JPKI_CASE_CHECKED, JPKI_CASE_CANCELLED},
    {CARDS, JPKI_CASE_CHECKED, JPKI_CASE_PARTIAL},
    {CARDS | P(PIN_RESET), JPKI_CASE_CHECKED, JPKI_CASE_DONE},
    {CARDS, JPKI_CASE_PARTIAL, JPKI_CASE_DONE},
    /* the signature certificate was not issued after all: the auth one stands */
    {CARDS, JPKI_CASE_PARTIAL, JPKI_CASE_CANCELLED},
    {P(PROXY), JPKI_CASE_OPEN, JPKI_CASE_FORM_SENT},
    {P(PROXY), JPKI_CASE_FORM_SENT, JPKI_CASE_CHECKED},
    {P(PROXY), JPKI_CASE_FORM_SENT, JPKI_CASE_REFUSED},
    {P(PROXY), JPKI_CASE_FORM_SENT, JPKI_CASE_CANCELLED},
    {P(PROXY), JPKI_CASE_FORM_SENT, JPKI_CASE_EXPIRED},
    {ONE_STEP | P(KIOSK_RESET), JPKI_CASE_OPEN, JPKI_CASE_DONE},
    {P(KIOSK_RESET), JPKI_CASE_OPEN, JPKI_CASE_EXPIRED},
};

bool jpki_case_transition_ok(enum jpki_procedure p, enum jpki_case_state from,
                             enum jpki_case_state to)
{
	if (p <= 0 || p >= JPKI_PROC_COUNT)
		return false;
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if ((transitions[i].procs & (1u << p)) && transitions[i].from == from &&
		    transitions[i].to == to)
			return true;
	return false;
}

void jpki_case_init(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                    enum jpki_procedure p, int64_t resident_id)
{
	memset(c, 0, sizeof(*c));
	c->procedure = (int)p;
	c->state = JPKI_CASE_OPEN;
	c->resident_id = resident_id;
	snprintf(c->counter, sizeof(c->counter), "%s", s->counter_id);
	snprintf(c->operator_id, sizeof(c->operator_id), "%s", s->operator_id);
	c->opened_at = c->updated_at = s->now;
}

static int log_entry(const struct jpki_counter_session *s, const struct jpki_case_rec *c,
                     const struct jpki_case_note *n, struct jpki_err *err)
{
	struct jpki_audit_rec a;
	memset(&a, 0, sizeof(a));
	a.at = s->now;
	snprintf(a.operator_id, sizeof(a.operator_id), "%s", s->operator_id);
	snprintf(a.counter, sizeof(a.counter), "%s", s->counter_id);
	a.case_id = c->id;
	a.resident_id = c->resident_id;
	snprintf(a.action, sizeof(a.action), "%s.%s",
	         jpki_procedure_name((enum jpki_procedure)c->procedure), n->step);
	snprintf(a.decision, sizeof(a.decision), "%s", n->decision ? n->decision : "done");
	snprintf(a.rule, sizeof(a.rule), "%s", n->rule ? n->rule : "");
	snprintf(a.documents, sizeof(a.documents), "%s", n->documents ? n->documents : "");
	snprintf(a.detail, sizeof(a.detail), "%s", n->detail ? n->detail : "");
	return jpki_audit_append(s->st, &a, err); /* a leaf of the tree too */
}

int jpki_case_insert_tx(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                        const struct jpki_case_note *n, struct jpki_err *err)
{
	if (c->state != JPKI_CASE_OPEN && c->state != JPKI_CASE_REFUSED)
		return jpki_fail(err, JPKI_E_STATE, "a case starts open or refused");
	int rc = s->st->ops->case_insert(s->st, c, err);
	return rc < 0 ? rc : log_entry(s, c, n, err);
}

int jpki_case_move_tx(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                      enum jpki_case_state to, const struct jpki_case_note *n, struct jpki_err *err)
{
	enum jpki_case_state from = (enum jpki_case_state)c->state;
	if (!jpki_case_transition_ok((enum jpki_procedure)c->procedure, from, to))
		return jpki_fail(err, JPKI_E_STATE, "case %lld (%s) cannot go from %s to %s",
		                 (long long)c->id,
		                 jpki_procedure_name((enum jpki_procedure)c->procedure),
		                 jpki_case_state_name(from), jpki_case_state_name(to));
	struct jpki_case_rec next = *c;
	next.state = (int)to;
	next.updated_at = s->now;
	int rc = s->st->ops->case_move(s->st, &next, (int)from, err);
	if (rc == 0)
		rc = log_entry(s, &next, n, err);
	if (rc == 0)
		*c = next;
	return rc;
}

static int in_tx(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                 enum jpki_case_state to, bool insert, const struct jpki_case_note *n,
                 struct jpki_err *err)
{
	struct jpki_case_rec work = *c;
	int rc = s->st->ops->begin(s->st, err);
	if (rc < 0)
		return rc;
	rc = insert ? jpki_case_insert_tx(s, &work, n, err)
	            : jpki_case_move_tx(s, &work, to, n, err);
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	*c = work;
	return 0;
}

int jpki_case_insert(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                     const struct jpki_case_note *n, struct jpki_err *err)
{
	return in_tx(s, c, JPKI_CASE_OPEN, true, n, err);
}

int jpki_case_move(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                   enum jpki_case_state to, const struct jpki_case_note *n, struct jpki_err *err)
{
	return in_tx(s, c, to, false, n, err);
}

int jpki_case_refuse(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                     const char *rule, const char *documents, struct jpki_err *err, const char *fmt,
                     ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	struct jpki_case_note n = {"refused", "refused", rule, documents, why};
	struct jpki_err also;
	int rc;
	if (c->id == 0) {
		c->state = JPKI_CASE_REFUSED;
		rc = jpki_case_insert(s, c, &n, &also);
	} else {
		rc = jpki_case_move(s, c, JPKI_CASE_REFUSED, &n, &also);
	}
	if (rc < 0) /* the refusal stands; say that it could not be logged */
		return jpki_fail(err, JPKI_E_REFUSED,
		                 "refused (rule %s): %s; and the refusal could not be "
		                 "recorded: %s",
		                 rule, why, also.msg);
	return jpki_fail(err, JPKI_E_REFUSED, "refused (rule %s): %s (case %lld)", rule, why,
	                 (long long)c->id);
}

int jpki_case_open_checked(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                           const char *docs, const char *note, struct jpki_err *err)
{
	struct jpki_case_rec work = *c;
	int rc = s->st->ops->begin(s->st, err);
	if (rc == 0)
		rc = jpki_case_insert_tx(
		    s, &work, &(struct jpki_case_note){"taken", "done", "", docs, ""}, err);
	if (rc == 0)
		rc = jpki_case_move_tx(s, &work, JPKI_CASE_CHECKED,
		                       &(struct jpki_case_note){"checked", "done", "", docs, note},
		                       err);
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	*c = work;
	return 0;
}

int jpki_case_refuse_by(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                        const struct jpki_refusal *r, const char *documents, struct jpki_err *err)
{
	return jpki_case_refuse(s, c, r->rule, documents, err, "%s", r->why);
}

int jpki_case_refuse_attempt(const struct jpki_counter_session *s, const struct jpki_case_rec *c,
                             const char *rule, struct jpki_err *err, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	struct jpki_case_note n = {"attempt", "refused", rule, "", why};
	struct jpki_err also;
	int rc = s->st->ops->begin(s->st, &also);
	if (rc == 0)
		rc = log_entry(s, c, &n, &also);
	if (rc == 0)
		rc = s->st->ops->commit(s->st, &also);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return jpki_fail(err, JPKI_E_REFUSED,
		                 "refused (rule %s): %s; and the refusal could not be recorded: %s",
		                 rule, why, also.msg);
	}
	return jpki_fail(err, JPKI_E_REFUSED, "refused (rule %s): %s (case %lld stays %s)", rule,
	                 why, (long long)c->id,
	                 jpki_case_state_name((enum jpki_case_state)c->state));
}

int jpki_counter_session_check(const struct jpki_counter_session *s, struct jpki_err *err)
{
	if (!jpki_label_ok(s->operator_id))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "an operator id is 1-32 of A-Z a-z 0-9 . _ - (--operator)");
	if (!s->counter_id || !jpki_counter_site_find(s->cfg, s->counter_id))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "unknown counter \"%s\" (--counter; the counters are listed in "
		                 "counter.json, by default city-hall, service-centre, temporary)",
		                 s->counter_id ? s->counter_id : "");
	if (s->override_by &&
	    (!jpki_label_ok(s->override_by) || strcmp(s->override_by, s->operator_id) == 0))
		return jpki_fail(
		    err, JPKI_E_INVALID,
		    "an override of the hours is a supervisor's, not the operator's own "
		    "(rule W1)");
	return 0;
}

int jpki_counter_hours_check(const struct jpki_counter_session *s, enum jpki_procedure p,
                             char *note, size_t cap, struct jpki_err *err)
{
	char why[160];
	if (note && cap)
		note[0] = '\0';
	if (p == JPKI_PROC_HOLD) /* counter practice: a loss suspension at any hour */
		return 0;
	const struct jpki_counter_site *site = jpki_counter_site_find(s->cfg, s->counter_id);
	if (!site)
		return jpki_fail(err, JPKI_E_INVALID, "unknown counter %s", s->counter_id);
	if (jpki_counter_open_at(s->cfg, site, s->now, why, sizeof(why)))
		return 0;
	if (s->override_by) {
		if (note)
			snprintf(note, cap, "outside hours (%s), overridden by supervisor %s", why,
			         s->override_by);
		return 0;
	}
	return jpki_fail(err, JPKI_E_REFUSED, "%s", why);
}

void jpki_detail_add(char *detail, size_t cap, const char *key, const char *fmt, ...)
{
	size_t n = strlen(detail);
	if (n + 1 >= cap)
		return;
	int k = snprintf(detail + n, cap - n, "%s%s=", n ? "; " : "", key);
	if (k < 0 || (size_t)k >= cap - n) {
		detail[n] = '\0';
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail + n + k, cap - n - k, fmt, ap);
	va_end(ap);
}

bool jpki_detail_get(const char *detail, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *p = detail; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1, *end = strstr(v, "; ");
			size_t n = end ? (size_t)(end - v) : strlen(v);
			if (n >= cap)
				return false;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p = strstr(p, "; ");
		if (p)
			p += 2;
	}
	return false;
}

void jpki_random_ref(char ref[JPKI_TOKEN_REF_MAX], const char *prefix)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; /* no 0/O, 1/I */
	uint8_t rnd[12];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd)); /* then the registry refuses the duplicate */
	size_t n = (size_t)snprintf(ref, JPKI_TOKEN_REF_MAX, "%s", prefix);
	for (size_t i = 0; i < sizeof(rnd) && n + 1 < JPKI_TOKEN_REF_MAX; i++)
		ref[n++] = alphabet[rnd[i] & 31];
	ref[n] = '\0';
}

int jpki_audit_note_tx(const struct jpki_counter_session *s, int64_t case_id, int64_t resident_id,
                       const char *action, const struct jpki_case_note *n, struct jpki_err *err)
{
	struct jpki_case_rec c;
	memset(&c, 0, sizeof(c));
	c.id = case_id;
	c.resident_id = resident_id;
	c.procedure = 0;
	struct jpki_audit_rec a;
	memset(&a, 0, sizeof(a));
	a.at = s->now;
	snprintf(a.operator_id, sizeof(a.operator_id), "%s", s->operator_id);
	snprintf(a.counter, sizeof(a.counter), "%s", s->counter_id);
	a.case_id = case_id;
	a.resident_id = resident_id;
	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.decision, sizeof(a.decision), "%s", n->decision ? n->decision : "done");
	snprintf(a.rule, sizeof(a.rule), "%s", n->rule ? n->rule : "");
	snprintf(a.documents, sizeof(a.documents), "%s", n->documents ? n->documents : "");
	snprintf(a.detail, sizeof(a.detail), "%s", n->detail ? n->detail : "");
	return jpki_audit_append(s->st, &a, err); /* a leaf of the tree too */
}

int jpki_counter_visit_start(const struct jpki_counter_session *s, enum jpki_procedure p,
                             int64_t resident_id, struct jpki_resident *res, char note[200],
                             bool *ok, struct jpki_refusal *r, struct jpki_err *err)
{
	struct jpki_err herr;
	*ok = false;
	int rc = jpki_counter_hours_check(s, p, note, 200, &herr);
	if (rc == -JPKI_E_REFUSED)
		return jpki_refuse(r, "W1", "%.390s", herr.msg), 0;
	if (rc < 0)
		return jpki_fail(err, herr.code, "%s", herr.msg);
	rc = s->st->ops->resident_get(s->st, resident_id, res, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_refuse(r, "E1", "no resident %lld is registered here",
		                   (long long)resident_id),
		       0;
	if (rc == 0)
		*ok = jpki_rule_registered(res, r);
	return rc;
}
