/*
 * procedures.c: revocation, suspension on loss, PIN reset, the kiosk path,
 * the card face and fee voids.  Each runs its checks first (a refusal is an
 * audited case and nothing else), then commits the registry change, the
 * case's moves and their audit entries in one transaction.  Where the card
 * is written (PIN reset, card face) the case is CHECKED or OPEN in the
 * registry before the card is touched and DONE after, so a card pulled
 * between leaves a case that says what is unfinished.
 */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "case.h"
#include "operator/approval.h"
#include "procedures.h"

/* Hours (W1), the record (E1) and the applicant's documents: the checks every counter visit has. */
static int visit_checks(const struct jpki_counter_session *s, enum jpki_procedure p,
                        const struct jpki_application *a, struct jpki_resident *res, char note[200],
                        bool *ok, struct jpki_refusal *r, struct jpki_err *err)
{
	*ok = false;
	int rc = jpki_counter_session_check(s, err);
	if (rc == 0)
		rc = jpki_counter_visit_start(s, p, a->resident_id, res, note, ok, r, err);
	if (rc < 0 || !*ok || p == JPKI_PROC_HOLD)
		return rc;
	if (p == JPKI_PROC_PIN_RESET)
		*ok = jpki_rule_second_document(a->docs, a->n_docs, r);
	else if (a->applicant == JPKI_APPLICANT_PROXY)
		*ok = jpki_rule_proxy_identity(a->docs, a->n_docs, r);
	else if (a->applicant == JPKI_APPLICANT_LEGAL_REP)
		*ok = jpki_rule_rep_identity(a->docs, a->n_docs, r);
	else
		*ok = jpki_rule_identity(a->docs, a->n_docs, r);
	return 0;
}

/* Insert c (OPEN), run fn inside the transaction, move c to DONE with detail; all or nothing. */
static int one_tx(const struct jpki_counter_session *s, struct jpki_case_rec *c, const char *docs,
                  int (*fn)(const struct jpki_counter_session *, void *, char *, size_t,
                            struct jpki_err *),
                  void *arg, struct jpki_err *err)
{
	char detail[600] = "";
	struct jpki_case_rec work = *c;
	int rc = s->st->ops->begin(s->st, err);
	if (rc == 0)
		rc = jpki_case_insert_tx(
		    s, &work, &(struct jpki_case_note){"taken", "done", "", docs, ""}, err);
	if (rc == 0)
		rc = fn(s, arg, detail, sizeof(detail), err);
	if (rc == 0) {
		snprintf(work.detail, sizeof(work.detail), "%s", detail);
		rc = jpki_case_move_tx(s, &work, JPKI_CASE_DONE,
		                       &(struct jpki_case_note){"done", "done", "", docs, detail},
		                       err);
	}
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	*c = work;
	return 0;
}

/* ---- revocation and holds ---- */

struct revoking {
	int64_t resident_id;
	bool kinds[2];
	enum jpki_reason reason;
	struct jpki_revoke_outcome *out;
};

static int revoke_current(const struct jpki_counter_session *s, void *arg, char *detail, size_t cap,
                          struct jpki_err *err)
{
	struct revoking *v = arg;
	for (int k = 0; k < 2; k++) {
		struct jpki_cert_rec cur;
		if (!v->kinds[k])
			continue;
		int rc = s->st->ops->cert_current(s->st, v->resident_id, (enum jpki_kind)k, s->now,
		                                  &cur, err);
		if (rc == -JPKI_E_NOT_FOUND)
			continue;
		if (rc == 0)
			rc = s->st->ops->cert_revoke(s->st, cur.serial, s->now, v->reason, err);
		if (rc < 0)
			return rc;
		snprintf(v->out->serial[v->out->n++], JPKI_SERIAL_HEX_MAX, "%s", cur.serial);
		size_t l = strlen(detail);
		snprintf(detail + l, cap - l, "%s%s %s %s", l ? "; " : "",
		         jpki_kind_name((enum jpki_kind)k), cur.serial,
		         jpki_reason_name(v->reason));
	}
	if (v->out->n == 0)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no valid certificate");
	return 0;
}

static int current_count(const struct jpki_counter_session *s, int64_t resident,
                         const bool kinds[2], int *n, struct jpki_err *err)
{
	*n = 0;
	for (int k = 0; k < 2; k++) {
		struct jpki_cert_rec cur;
		if (!kinds[k])
			continue;
		int rc =
		    s->st->ops->cert_current(s->st, resident, (enum jpki_kind)k, s->now, &cur, err);
		if (rc == 0)
			(*n)++;
		else if (rc != -JPKI_E_NOT_FOUND)
			return rc;
	}
	return 0;
}

int jpki_counter_hold(const struct jpki_counter_session *s, int64_t resident_id,
                      struct jpki_revoke_outcome *out, struct jpki_err *err)
{
	struct jpki_application a = {.resident_id = resident_id};
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	struct jpki_case_rec c;
	char note[200];
	bool ok;
	memset(out, 0, sizeof(*out));
	jpki_case_init(s, &c, JPKI_PROC_HOLD, resident_id);
	int rc = visit_checks(s, JPKI_PROC_HOLD, &a, &res, note, &ok, &r, err);
	if (rc < 0)
		return rc;
	int n = 0;
	bool both[2] = {true, true};
	if (ok && (rc = current_count(s, resident_id, both, &n, err)) < 0)
		return rc;
	if (ok && n == 0)
		ok =
		    jpki_refuse(&r, "H1", "%s", "the resident has no valid certificate to suspend");
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, "", err);
	struct revoking v = {resident_id, {true, true}, JPKI_REASON_HOLD, out};
	rc = one_tx(s, &c, "", revoke_current, &v, err);
	out->case_id = c.id;
	return rc;
}

struct lifting {
	const struct jpki_counter_session *s;
	enum jpki_reason reason;
	struct jpki_revoke_outcome *out;
	int found;
	char serials[2][JPKI_SERIAL_HEX_MAX];
};

static int find_held(const struct jpki_cert_rec *c, void *arg)
{
	struct lifting *l = arg;
	if (c->status == JPKI_CERT_REVOKED && c->reason == JPKI_REASON_HOLD &&
	    c->not_after >= l->s->now && l->found < 2)
		snprintf(l->serials[l->found++], JPKI_SERIAL_HEX_MAX, "%s", c->serial);
	return 0;
}

static int resolve_held(const struct jpki_counter_session *s, void *arg, char *detail, size_t cap,
                        struct jpki_err *err)
{
	struct lifting *l = arg;
	for (int i = 0; i < l->found; i++) {
		int rc =
		    s->st->ops->cert_hold_resolve(s->st, l->serials[i], s->now, l->reason, err);
		if (rc < 0)
			return rc;
		snprintf(l->out->serial[l->out->n++], JPKI_SERIAL_HEX_MAX, "%s", l->serials[i]);
		size_t n = strlen(detail);
		snprintf(detail + n, cap - n, "%s%s on hold -> %s", n ? "; " : "", l->serials[i],
		         jpki_reason_name(l->reason));
	}
	return 0;
}

int jpki_counter_lift_hold(const struct jpki_counter_session *s, const struct jpki_application *a,
                           enum jpki_reason reason, struct jpki_revoke_outcome *out,
                           struct jpki_err *err)
{
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	struct jpki_case_rec c;
	char note[200], docs[JPKI_DOCS_MAX];
	bool ok;
	memset(out, 0, sizeof(*out));
	if (reason != JPKI_REASON_UNSPECIFIED && reason != JPKI_REASON_KEY_COMPROMISE)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a hold resolves to unspecified or keyCompromise");
	jpki_case_init(s, &c, JPKI_PROC_LIFT, a->resident_id);
	jpki_docs_format(a->docs, a->n_docs, docs, sizeof(docs));
	int rc = visit_checks(s, JPKI_PROC_LIFT, a, &res, note, &ok, &r, err);
	if (rc < 0)
		return rc;
	struct lifting l = {s, reason, out, 0, {{0}}};
	if (ok && (rc = s->st->ops->cert_each(s->st, a->resident_id, find_held, &l, err)) < 0)
		return rc;
	if (ok && l.found == 0)
		ok = jpki_refuse(&r, "H1", "%s", "the resident has no certificate on hold");
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	rc = one_tx(s, &c, docs, resolve_held, &l, err);
	out->case_id = c.id;
	return rc;
}

int jpki_counter_revoke(const struct jpki_counter_session *s, const struct jpki_application *a,
                        enum jpki_reason reason, bool delegation, struct jpki_revoke_outcome *out,
                        struct jpki_err *err)
{
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	struct jpki_case_rec c;
	char note[200], docs[JPKI_DOCS_MAX];
	bool ok;
	memset(out, 0, sizeof(*out));
	if (reason != JPKI_REASON_UNSPECIFIED && reason != JPKI_REASON_KEY_COMPROMISE)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the holder revokes with reason unspecified or keyCompromise");
	jpki_case_init(s, &c, JPKI_PROC_REVOKE, a->resident_id);
	jpki_docs_format(a->docs, a->n_docs, docs, sizeof(docs));
	int rc = visit_checks(s, JPKI_PROC_REVOKE, a, &res, note, &ok, &r, err);
	if (rc < 0)
		return rc;
	if (ok && a->applicant == JPKI_APPLICANT_PROXY && !delegation)
		ok =
		    jpki_refuse(&r, "X1", "%s",
		                "a proxy revokes only with the applicant's delegation covering the "
		                "revocation (--delegation)");
	bool kinds[2] = {a->want_sign, a->want_auth};
	int n = 0;
	if (ok && (rc = current_count(s, a->resident_id, kinds, &n, err)) < 0)
		return rc;
	if (ok && n == 0)
		ok = jpki_refuse(&r, "C1", "%s", "no valid certificate of the kinds asked for");
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	struct revoking v = {a->resident_id, {a->want_sign, a->want_auth}, reason, out};
	rc = one_tx(s, &c, docs, revoke_current, &v, err);
	out->case_id = c.id;
	return rc;
}

/* ---- PINs ---- */

int jpki_counter_pin_reset(const struct jpki_counter_session *s, const struct jpki_application *a,
                           const struct jpki_counter_card *card,
                           const struct jpki_counter_pins *pins, int64_t *case_id,
                           struct jpki_err *err)
{
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	struct jpki_case_rec c;
	struct jpki_card_info info;
	char note[200], docs[JPKI_DOCS_MAX];
	bool ok;
	jpki_case_init(s, &c, JPKI_PROC_PIN_RESET, a->resident_id);
	jpki_docs_format(a->docs, a->n_docs, docs, sizeof(docs));
	int rc = visit_checks(s, JPKI_PROC_PIN_RESET, a, &res, note, &ok, &r, err);
	if (rc == 0 && ok)
		rc = jpki_counter_check_card(s, card, &res, &ok, &r, err);
	if (rc == 0 && ok)
		rc = jpki_host_info(card->t, &info, err);
	if (rc < 0)
		return rc;
	if (ok && !a->want_auth && !a->want_sign)
		ok = jpki_refuse(&r, "P2", "%s", "say which PIN is reset (--reset auth|sign|both)");
	if (ok && ((a->want_auth && !info.has_key[JPKI_PIN_AUTH]) ||
	           (a->want_sign && !info.has_key[JPKI_PIN_SIGN])))
		ok = jpki_refuse(&r, "C1", "%s",
		                 "the card holds no key of that kind: nothing to reset");
	if (ok)
		ok = jpki_rule_pins(a->want_auth, pins->auth, a->want_sign, pins->sign, &r);
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	snprintf(c.detail, sizeof(c.detail), "reset=%s%s%s", a->want_auth ? "auth" : "",
	         a->want_auth && a->want_sign ? "," : "", a->want_sign ? "sign" : "");
	if ((rc = jpki_case_open_checked(s, &c, docs, note, err)) < 0)
		return rc;
	*case_id = c.id;
	rc = jpki_host_issuer_auth(card->t, card->master, err);
	if (rc == 0 && a->want_auth)
		rc = jpki_host_set_pin(card->t, JPKI_PIN_AUTH, pins->auth, err);
	if (rc == 0 && a->want_sign)
		rc = jpki_host_set_pin(card->t, JPKI_PIN_SIGN, pins->sign, err);
	if (rc < 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "%.280s", err->msg);
		return jpki_fail(err, err->code,
		                 "%s; case %lld stays checked: run the reset again with the card",
		                 msg, (long long)c.id);
	}
	return jpki_case_move(s, &c, JPKI_CASE_DONE,
	                      &(struct jpki_case_note){"done", "done", "", docs, c.detail}, err);
}

/* The card's authentication certificate is the resident's current one (the card is theirs). */
static int card_is_residents(const struct jpki_counter_session *s,
                             const struct jpki_counter_card *card, int64_t resident, bool *ok,
                             struct jpki_err *err)
{
	uint8_t *der = NULL;
	size_t len = 0;
	struct jpki_cert_rec cur = {0};
	*ok = false;
	int rc = s->st->ops->cert_current(s->st, resident, JPKI_KIND_AUTH, s->now, &cur, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return 0;
	if (rc == 0)
		rc = s->st->ops->cert_get(s->st, cur.serial, true, &cur, err);
	if (rc == 0)
		rc = jpki_host_select_app(card->t, err);
	if (rc == 0)
		rc = jpki_host_read_cert(card->t, JPKI_FID_AUTH_CERT, &der, &len, err);
	if (rc == -JPKI_E_NOT_FOUND) { /* no certificate on the card */
		jpki_cert_rec_clear(&cur);
		return 0;
	}
	if (rc == 0)
		*ok = len == cur.der_len && memcmp(der, cur.der, len) == 0;
	free(der);
	jpki_cert_rec_clear(&cur);
	return rc;
}

static struct jpki_counter_session kiosk_session(const struct jpki_counter_session *s)
{
	struct jpki_counter_session k = *s;
	k.counter_id = "kiosk"; /* not a counter: no rule W1, its own hours (rule K1) */
	k.override_by = NULL;
	return k;
}

int jpki_counter_kiosk_reserve(const struct jpki_counter_session *s0, int64_t resident_id,
                               enum jpki_kind reset, const struct jpki_counter_card *card,
                               char *ref, struct jpki_err *err)
{
	struct jpki_counter_session k = kiosk_session(s0), *s = &k;
	struct jpki_case_rec c;
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	bool ok = false;
	if (!jpki_label_ok(s->operator_id))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "an operator id is 1-32 of A-Z a-z 0-9 . _ -");
	jpki_case_init(s, &c, JPKI_PROC_KIOSK_RESET, resident_id);
	int rc = s->st->ops->resident_get(s->st, resident_id, &res, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_case_refuse(s, &c, "E1", "", err,
		                        "no such resident is registered here");
	if (rc == 0 && !jpki_rule_registered(&res, &r))
		return jpki_case_refuse_by(s, &c, &r, "", err);
	if (rc == 0)
		rc = card_is_residents(s, card, resident_id, &ok, err);
	if (rc < 0)
		return rc;
	if (!ok)
		return jpki_case_refuse(
		    s, &c, "K1", "", err,
		    "the card in the reader does not hold the resident's current "
		    "authentication certificate: the kiosk path needs a valid card");
	struct jpki_token_rec t = {.purpose = JPKI_TOKEN_KIOSK,
	                           .resident_id = resident_id,
	                           .kinds = reset == JPKI_KIND_SIGN ? 1 : 2,
	                           .issued_at = s->now,
	                           .expires_at = s->now + (int64_t)s->cfg->kiosk_hours * 3600};
	jpki_random_ref(t.ref, "K-");
	snprintf(c.detail, sizeof(c.detail), "reservation=%s; reset=%s", t.ref,
	         jpki_kind_name(reset));
	rc = s->st->ops->begin(s->st, err);
	if (rc == 0)
		rc = jpki_case_insert_tx(
		    s, &c, &(struct jpki_case_note){"reserved", "done", "", "", c.detail}, err);
	if (rc == 0) {
		t.case_id = c.id;
		rc = s->st->ops->token_insert(s->st, &t, err);
	}
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	snprintf(ref, JPKI_TOKEN_REF_MAX, "%s", t.ref);
	return 0;
}

static int use_token(const struct jpki_counter_session *s, void *arg, char *detail, size_t cap,
                     struct jpki_err *err)
{
	const struct jpki_token_rec *t = arg;
	snprintf(detail, cap, "reservation=%s; reset=%s", t->ref, t->kinds == 1 ? "sign" : "auth");
	return s->st->ops->token_use(s->st, t->ref, s->now, 0, err);
}

int jpki_counter_kiosk_reset(const struct jpki_counter_session *s0, const char *ref,
                             const struct jpki_counter_card *card, const char *known_pin,
                             const char *new_pin, int64_t *case_id, struct jpki_err *err)
{
	struct jpki_counter_session k = kiosk_session(s0), *s = &k;
	struct jpki_token_rec t;
	struct jpki_case_rec c;
	struct jpki_date day;
	int minute, tries = 0;
	bool ok = false;
	if (!jpki_label_ok(s->operator_id))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "an operator id is 1-32 of A-Z a-z 0-9 . _ -");
	int rc = s->st->ops->token_get(s->st, ref, &t, err);
	if (rc == -JPKI_E_NOT_FOUND || (rc == 0 && t.purpose != JPKI_TOKEN_KIOSK)) {
		jpki_case_init(s, &c, JPKI_PROC_KIOSK_RESET, 0);
		return jpki_case_refuse(s, &c, "K1", "", err, "no reservation %.40s", ref);
	}
	if (rc < 0)
		return rc;
	if ((rc = s->st->ops->case_get(s->st, t.case_id, &c, err)) < 0)
		return rc;
	if (c.state != JPKI_CASE_OPEN) /* cancelled, expired or done: the card is not touched */
		return jpki_case_refuse_attempt(
		    s, &c, "K1", err, "reservation %s is %s", ref,
		    jpki_case_state_name((enum jpki_case_state)c.state));
	enum jpki_pin_id reset = t.kinds == 1 ? JPKI_PIN_SIGN : JPKI_PIN_AUTH;
	enum jpki_pin_id keep = reset == JPKI_PIN_SIGN ? JPKI_PIN_AUTH : JPKI_PIN_SIGN;
	jpki_jst_split(s->now, &day, &minute);
	if (t.used_at)
		return jpki_case_refuse_attempt(s, &c, "K1", err, "reservation %s was used", ref);
	if (s->now > t.expires_at) {
		struct jpki_err also;
		if (jpki_case_move(s, &c, JPKI_CASE_EXPIRED,
		                   &(struct jpki_case_note){"expired", "refused", "K1", "", ""},
		                   &also) < 0 &&
		    also.code != JPKI_E_STATE)
			return jpki_fail(err, also.code, "%s", also.msg);
		return jpki_fail(err, JPKI_E_REFUSED,
		                 "refused (rule K1): the reservation ran out %d hours after it was "
		                 "made; make a new one",
		                 s->cfg->kiosk_hours);
	}
	if (minute < s->cfg->kiosk_open || minute >= s->cfg->kiosk_close)
		return jpki_fail(err, JPKI_E_REFUSED,
		                 "refused (rule K1): kiosks reset PINs from %02d:%02d to %02d:%02d",
		                 s->cfg->kiosk_open / 60, s->cfg->kiosk_open % 60,
		                 s->cfg->kiosk_close / 60, s->cfg->kiosk_close % 60);
	if (!new_pin || !jpki_pin_format_ok(reset, (const uint8_t *)new_pin, strlen(new_pin)))
		return jpki_fail(err, JPKI_E_REFUSED,
		                 "refused (rule P1): the new %s does not have "
		                 "the format of rule P1",
		                 reset == JPKI_PIN_AUTH ? "PIN" : "password");
	if ((rc = card_is_residents(s, card, t.resident_id, &ok, err)) < 0)
		return rc;
	if (!ok)
		return jpki_case_refuse_attempt(s, &c, "K1", err,
		                                "not the card of the reservation");
	rc = jpki_host_select_app(card->t, err);
	if (rc == 0)
		rc = jpki_host_verify(card->t, keep, known_pin, &tries, err);
	if (rc == -JPKI_E_PIN || rc == -JPKI_E_PIN_BLOCKED)
		return jpki_case_refuse_attempt(
		    s, &c, "K1", err,
		    "resetting one PIN needs the other one (%s); with both "
		    "forgotten only the counter can help (rule P2)",
		    rc == -JPKI_E_PIN ? "wrong" : "locked");
	if (rc == 0)
		rc = jpki_host_issuer_auth(card->t, card->master, err);
	if (rc == 0)
		rc = jpki_host_set_pin(card->t, reset, new_pin, err);
	if (rc < 0)
		return rc;
	/* the reservation is used, the case done, in one transaction */
	rc = s->st->ops->begin(s->st, err);
	if (rc == 0)
		rc = use_token(s, &t, c.detail, sizeof(c.detail), err);
	if (rc == 0)
		rc = jpki_case_move_tx(s, &c, JPKI_CASE_DONE,
		                       &(struct jpki_case_note){"done", "done", "", "", c.detail},
		                       err);
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	*case_id = c.id;
	return 0;
}

/* ---- the card face and fees ---- */

int jpki_counter_card_face(const struct jpki_counter_session *s, const struct jpki_application *a,
                           const struct jpki_counter_card *card, const char *face_pin,
                           int64_t *case_id, struct jpki_err *err)
{
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	struct jpki_case_rec c;
	struct jpki_card_info info;
	struct jpki_card_face face;
	char note[200], docs[JPKI_DOCS_MAX];
	bool ok;
	jpki_case_init(s, &c, JPKI_PROC_CARD_FACE, a->resident_id);
	jpki_docs_format(a->docs, a->n_docs, docs, sizeof(docs));
	int rc = visit_checks(s, JPKI_PROC_CARD_FACE, a, &res, note, &ok, &r, err);
	if (rc == 0 && ok)
		rc = jpki_host_info(card->t, &info, err);
	if (rc < 0)
		return rc;
	if (ok)
		ok = jpki_rule_card(&info, jpki_jst_date(s->now), &r);
	if (ok && face_pin &&
	    !jpki_pin_format_ok(JPKI_PIN_FACE, (const uint8_t *)face_pin, strlen(face_pin)))
		ok = jpki_refuse(&r, "P1", "%s", "the card-face PIN is exactly 4 digits");
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	snprintf(c.detail, sizeof(c.detail), "card=%s%s", info.number,
	         face_pin ? "; face PIN set" : "");
	/* taken in the registry first, the card written, then done */
	rc =
	    jpki_case_insert(s, &c, &(struct jpki_case_note){"taken", "done", "", docs, note}, err);
	if (rc < 0)
		return rc;
	*case_id = c.id;
	jpki_face_of_resident(&res, &face);
	rc = jpki_host_write_face(card->t, card->master, &face, face_pin, err);
	if (rc < 0)
		return rc;
	return jpki_case_move(s, &c, JPKI_CASE_DONE,
	                      &(struct jpki_case_note){"written", "done", "", docs, c.detail}, err);
}

struct approved_void {
	int64_t receipt, approval;
};

static int void_approved(const struct jpki_counter_session *s, void *arg, char *detail, size_t cap,
                         struct jpki_err *err)
{
	const struct approved_void *v = arg;
	char subject[40], approver[33];
	snprintf(subject, sizeof(subject), "receipt %lld", (long long)v->receipt);
	int rc = jpki_approval_use_tx(s->st, v->approval, JPKI_APPROVAL_FEE_VOID, subject,
	                              s->operator_id, s->now, approver, err);
	if (rc < 0)
		return rc;
	snprintf(detail, cap, "receipt=%lld; approval=%lld; approved by %s", (long long)v->receipt,
	         (long long)v->approval, approver);
	return s->st->ops->receipt_void(s->st, v->receipt, s->now, s->operator_id, approver, err);
}

int jpki_counter_fee_void_approved(const struct jpki_counter_session *s, int64_t receipt,
                                   int64_t approval, int64_t *case_id, struct jpki_err *err)
{
	struct jpki_receipt_rec rec;
	struct jpki_case_rec c;
	int rc = jpki_counter_session_check(s, err);
	if (rc == 0)
		rc = s->st->ops->receipt_get(s->st, receipt, &rec, err);
	if (rc < 0)
		return rc;
	jpki_case_init(s, &c, JPKI_PROC_FEE_VOID, rec.resident_id);
	if (rec.voided_at)
		return jpki_case_refuse(s, &c, "R1", "", err, "receipt %lld was voided already",
		                        (long long)receipt);
	struct approved_void v = {receipt, approval};
	rc = one_tx(s, &c, "", void_approved, &v, err);
	if (rc == -JPKI_E_DENIED) { /* the approval does not allow it: an audited refusal */
		char why[sizeof(err->msg)];
		snprintf(why, sizeof(why), "%s", err->msg);
		c.id = 0;
		return jpki_case_refuse(s, &c, "R1", "", err, "%s", why);
	}
	*case_id = c.id;
	return rc;
}

int jpki_counter_hours_approval(const struct jpki_counter_session *s, int64_t approval,
                                int64_t resident_id, char override_by[33], struct jpki_err *err)
{
	char subject[40], detail[160];
	snprintf(subject, sizeof(subject), "resident %lld", (long long)resident_id);
	override_by[0] = '\0';
	int rc = s->st->ops->begin(s->st, err);
	if (rc < 0)
		return rc;
	rc = jpki_approval_use_tx(s->st, approval, JPKI_APPROVAL_HOURS_OVERRIDE, subject,
	                          s->operator_id, s->now, override_by, err);
	bool refused = rc == -JPKI_E_DENIED;
	char why[sizeof(err->msg)];
	snprintf(why, sizeof(why), "%s", refused ? err->msg : "");
	if (refused || rc == 0) {
		snprintf(detail, sizeof(detail), "request=%lld; hours-override%s%s",
		         (long long)approval, refused ? "" : " by ", refused ? "" : override_by);
		rc = jpki_audit_note_tx(
		    s, 0, resident_id, "approval.use",
		    &(struct jpki_case_note){"", refused ? "refused" : "done", "W1", "", detail},
		    err);
	}
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0 || refused) {
		if (rc < 0)
			s->st->ops->rollback(s->st);
		override_by[0] = '\0';
	}
	return rc < 0    ? rc
	       : refused ? jpki_fail(err, JPKI_E_REFUSED, "refused (rule W1): %s", why)
	                 : 0;
}
