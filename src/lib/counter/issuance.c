/*
 * issuance.c: certificates onto a card at the counter.
 *
 * The steps of a real counter (counter practice, docs/counter.md): the
 * documents are checked and recorded, the terminal checks the residence
 * record and the card (rules E1-E4, C6), the case is CHECKED with its fee
 * decided (rule F1); then the card is written kind by kind, authentication
 * first (it caps the signature certificate, rule C4).  Each kind's
 * certificate, its rule-X1 supersession, the case's move and its audit
 * entry, and (with the last kind) the receipt are one transaction, committed
 * only once the card holds the certificate (personalize.c).  So a card
 * pulled or a process killed leaves the case CHECKED (nothing issued) or
 * PARTIAL (the authentication certificate issued and on the card), and
 * jpki_counter_resume() completes it; no certificate is valid without the
 * card holding its key, no fee is recorded without a certificate.
 */
#include <stdio.h>
#include <string.h>

#include "ca/validity.h"
#include "case.h"
#include "core/cursor.h"
#include "issuance.h"

int jpki_counter_check_card(const struct jpki_counter_session *s,
                            const struct jpki_counter_card *card, const struct jpki_resident *res,
                            bool *ok, struct jpki_refusal *r, struct jpki_err *err)
{
	struct jpki_card_info info;
	struct jpki_card_face face;
	struct jpki_err ferr;
	int rc = jpki_host_info(card->t, &info, err); /* D1: the card itself, in the reader */
	if (rc < 0)
		return rc;
	*ok = jpki_rule_card(&info, jpki_jst_date(s->now), r);
	if (!*ok)
		return 0;
	int face_rc = jpki_host_read_face(card->t, card->master, NULL, &face, &ferr);
	/* never written, or written wrong: rule E4; anything else is the reader's or card's fault
	 */
	if (face_rc < 0 && face_rc != -JPKI_E_NOT_FOUND && face_rc != -JPKI_E_INVALID)
		return jpki_fail(err, -face_rc, "%s", ferr.msg);
	*ok = jpki_rule_card_face(face_rc, &face, res, r);
	return 0;
}

/* Rule N1 for each kind asked; N3: the current PINs verify on the card. */
static int check_renewal(const struct jpki_counter_session *s, const struct jpki_application *a,
                         const struct jpki_counter_card *card, const struct jpki_counter_pins *pins,
                         bool *ok, struct jpki_refusal *r, struct jpki_err *err)
{
	for (int k = 0; k < 2; k++) {
		enum jpki_kind kind = (enum jpki_kind)k;
		if ((kind == JPKI_KIND_SIGN && !a->want_sign) ||
		    (kind == JPKI_KIND_AUTH && !a->want_auth))
			continue;
		struct jpki_cert_rec cur;
		int rc = s->st->ops->cert_current(s->st, a->resident_id, kind, s->now, &cur, err);
		if (rc == -JPKI_E_NOT_FOUND)
			return *ok = jpki_refuse(r, "N1",
			                         "no valid %s certificate to renew: this is a new "
			                         "issuance (jpki counter issue)",
			                         jpki_kind_name(kind)),
			       0;
		if (rc < 0)
			return rc;
		if (!jpki_in_renewal_window(s->now, cur.not_after)) {
			char d[11];
			jpki_date_format(jpki_jst_date(jpki_renewal_window_start(cur.not_after)),
			                 d);
			return *ok = jpki_refuse(r, "N1",
			                         "the %s certificate %s can be renewed from %s (3 "
			                         "months before its expiry)",
			                         jpki_kind_name(kind), cur.serial, d),
			       0;
		}
		const char *pin = kind == JPKI_KIND_AUTH ? pins->cur_auth : pins->cur_sign;
		int tries = 0;
		if (!pin)
			return *ok = jpki_refuse(r, "N3", "the holder enters the current %s PIN",
			                         jpki_kind_name(kind)),
			       0;
		rc = jpki_host_select_app(card->t, err);
		if (rc == 0)
			rc = jpki_host_verify(
			    card->t, kind == JPKI_KIND_AUTH ? JPKI_PIN_AUTH : JPKI_PIN_SIGN, pin,
			    &tries, err);
		if (rc == -JPKI_E_PIN)
			return *ok =
			           jpki_refuse(r, "N3",
			                       "wrong current %s PIN (%d tries left); a forgotten "
			                       "PIN is reset first (rule P2)",
			                       jpki_kind_name(kind), tries),
			       0;
		if (rc == -JPKI_E_PIN_BLOCKED)
			return *ok = jpki_refuse(
			           r, "N3", "the %s PIN is locked; it is reset first (rule P2)",
			           jpki_kind_name(kind)),
			       0;
		if (rc < 0)
			return rc;
	}
	*ok = true;
	return 0;
}

/* Every rule before the card is written; *ok false with r filled when one refuses. */
static int check_all(const struct jpki_counter_session *s, enum jpki_procedure proc,
                     const struct jpki_application *a, const struct jpki_counter_card *card,
                     const struct jpki_counter_pins *pins, char note[200], bool *ok,
                     struct jpki_refusal *r, struct jpki_err *err)
{
	struct jpki_resident res;
	int rc = jpki_counter_visit_start(s, proc, a->resident_id, &res, note, ok, r, err);
	if (rc < 0 || !*ok)
		return rc;
	*ok = false;
	if (!a->want_auth && !a->want_sign)
		return jpki_refuse(r, "C1", "no certificate asked for"), 0;
	if (!jpki_rule_minor_or_ward(a, &res, jpki_jst_date(s->now), r))
		return 0;
	if (a->applicant == JPKI_APPLICANT_PROXY)
		return jpki_refuse(r, "D2",
		                   "a voluntary proxy applies with the inquiry-and-answer form "
		                   "(jpki counter proxy)"),
		       0;
	bool id_ok = a->applicant == JPKI_APPLICANT_LEGAL_REP
	                 ? jpki_rule_rep_identity(a->docs, a->n_docs, r)
	                 : jpki_rule_identity(a->docs, a->n_docs, r);
	if (!id_ok)
		return 0;
	if (!jpki_rule_pins(a->want_auth, pins->auth ? pins->auth : pins->cur_auth, a->want_sign,
	                    pins->sign ? pins->sign : pins->cur_sign, r)) {
		if (proc == JPKI_PROC_RENEW && !pins->auth && !pins->cur_auth)
			r->rule = "N3";
		return 0;
	}
	rc = jpki_counter_check_card(s, card, &res, ok, r, err);
	if (rc < 0 || !*ok)
		return rc;
	if (proc == JPKI_PROC_RENEW)
		return check_renewal(s, a, card, pins, ok, r, err);
	return 0;
}

struct hook {
	const struct jpki_counter_session *s;
	struct jpki_case_rec *c;
	bool want_sign;
	struct jpki_issue_outcome *out;
};

/* Inside each kind's transaction: the case moves, and the last kind records the fee. */
static int in_tx(void *arg, enum jpki_kind kind, const struct jpki_issued *done,
                 struct jpki_err *err)
{
	struct hook *h = arg;
	char detail[300];
	snprintf(detail, sizeof(detail), "%s certificate %s%s%s", jpki_kind_name(kind),
	         done->rec.serial, done->superseded[0] ? " superseding " : "", done->superseded);
	bool last = kind == JPKI_KIND_SIGN || !h->want_sign;
	struct jpki_case_note n = {last ? "issued" : "issued auth", "done", "", "", detail};
	if (!last)
		return jpki_case_move_tx(h->s, h->c, JPKI_CASE_PARTIAL, &n, err);
	struct jpki_receipt_rec rcpt = {.case_id = h->c->id,
	                                .resident_id = h->c->resident_id,
	                                .amount = h->out->amount,
	                                .issued_at = h->s->now};
	snprintf(rcpt.fee_case, sizeof(rcpt.fee_case), "%s", jpki_fee_case_name(h->out->fee));
	int rc = h->s->st->ops->receipt_insert(h->s->st, &rcpt, err);
	if (rc < 0)
		return rc;
	size_t l = strlen(detail);
	snprintf(detail + l, sizeof(detail) - l, "; receipt %lld, %d yen (%s)",
	         (long long)rcpt.number, rcpt.amount, rcpt.fee_case);
	rc = jpki_case_move_tx(h->s, h->c, JPKI_CASE_DONE, &n, err);
	if (rc == 0)
		h->out->receipt = rcpt.number;
	return rc;
}

static bool detail_has(const char *detail, const char *key, const char *value)
{
	char v[64];
	return jpki_detail_get(detail, key, v, sizeof(v)) && strstr(v, value) != NULL;
}

void jpki_counter_case_pins(const struct jpki_case_rec *c, bool *auth, bool *sign)
{
	*sign = detail_has(c->detail, "kinds", "sign");
	*auth = detail_has(c->detail, "kinds", "auth") && c->state != JPKI_CASE_PARTIAL;
}

int jpki_counter_write_card(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                            const struct jpki_counter_card *card,
                            const struct jpki_counter_pins *pins, struct jpki_issue_outcome *out,
                            struct jpki_err *err)
{
	char v[32];
	bool want_auth, want_sign;
	jpki_counter_case_pins(c, &want_auth, &want_sign);
	bool skip_auth = !want_auth;
	if (c->state != JPKI_CASE_CHECKED && c->state != JPKI_CASE_PARTIAL)
		return jpki_fail(err, JPKI_E_STATE, "case %lld is %s: nothing to write",
		                 (long long)c->id,
		                 jpki_case_state_name((enum jpki_case_state)c->state));
	out->fee = JPKI_FEE_OTHER;
	for (int f = 0; jpki_detail_get(c->detail, "fee", v, sizeof(v)) && f < JPKI_FEE_COUNT; f++)
		if (strcmp(v, jpki_fee_case_name((enum jpki_fee_case)f)) == 0)
			out->fee = (enum jpki_fee_case)f;
	out->amount = s->cfg->fee[out->fee];
	uint64_t amount = 0;
	struct jpki_cur cur = jpki_cur_make(v, 0);
	if (jpki_detail_get(c->detail, "amount", v, sizeof(v))) { /* decided when checked */
		cur = jpki_cur_make(v, strlen(v));
		if (!jpki_cur_decimal(&cur, 100000, &amount) || !jpki_cur_done(&cur) ||
		    amount > 100000)
			return jpki_fail(err, JPKI_E_STORE, "case %lld: a damaged fee amount",
			                 (long long)c->id);
		out->amount = (int)amount;
	}
	const char *auth_pin = pins->auth ? pins->auth : pins->cur_auth;
	const char *sign_pin = pins->sign ? pins->sign : pins->cur_sign;
	if ((!skip_auth && !auth_pin) || (want_sign && !sign_pin))
		return jpki_fail(err, JPKI_E_INVALID, "case %lld needs the %s PIN entered again",
		                 (long long)c->id,
		                 !skip_auth && !auth_pin ? "authentication" : "signature");
	struct hook h = {s, c, want_sign, out};
	struct jpki_perso_req req = {
	    .resident_id = c->resident_id,
	    .auth_pin = auth_pin,
	    .sign_pin = want_sign ? sign_pin : NULL,
	    .now = s->now,
	    .skip_auth = skip_auth,
	    .in_tx = in_tx,
	    .in_tx_arg = &h,
	};
	int rc =
	    jpki_card_personalize(card->t, card->master, s->st, card->cas, &req, &out->perso, err);
	struct jpki_err gerr;
	struct jpki_case_rec now;
	if (s->st->ops->case_get(s->st, c->id, &now, &gerr) == 0)
		*c = now; /* the registry's word on where the case stands */
	out->case_id = c->id;
	out->c = *c;
	if (rc == 0 && c->state != JPKI_CASE_DONE)
		rc = jpki_fail(err, JPKI_E_STATE, "the card was written but case %lld is %s",
		               (long long)c->id,
		               jpki_case_state_name((enum jpki_case_state)c->state));
	if (rc < 0) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		jpki_fail(err, err->code,
		          "%s; case %lld is %s: complete it with jpki counter case resume %lld",
		          msg, (long long)c->id,
		          jpki_case_state_name((enum jpki_case_state)c->state), (long long)c->id);
	}
	return rc;
}

int jpki_counter_issue(const struct jpki_counter_session *s, enum jpki_procedure proc,
                       const struct jpki_application *a, const struct jpki_counter_card *card,
                       const struct jpki_counter_pins *pins, struct jpki_issue_outcome *out,
                       struct jpki_err *err)
{
	struct jpki_case_rec c;
	struct jpki_refusal r = {0};
	char docs[JPKI_DOCS_MAX], note[200] = "";
	bool ok = false;
	memset(out, 0, sizeof(*out));
	int rc = jpki_counter_session_check(s, err);
	if (rc < 0)
		return rc;
	if (proc != JPKI_PROC_ISSUE && proc != JPKI_PROC_RENEW)
		return jpki_fail(err, JPKI_E_INVALID, "not an issuance procedure");
	jpki_case_init(s, &c, proc, a->resident_id);
	jpki_docs_format(a->docs, a->n_docs, docs, sizeof(docs));
	rc = check_all(s, proc, a, card, pins, note, &ok, &r, err);
	if (rc < 0)
		return rc;
	if (!ok) {
		if (strcmp(r.rule, "E1") == 0 && c.resident_id <= 0)
			c.resident_id = 0;
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	}
	enum jpki_fee_case fee;
	rc = jpki_fee_decide(s->st, a, proc == JPKI_PROC_RENEW, s->now, &fee, err);
	if (rc < 0)
		return rc;
	jpki_detail_add(c.detail, sizeof(c.detail), "kinds", "%s%s%s", a->want_auth ? "auth" : "",
	                a->want_auth && a->want_sign ? "," : "", a->want_sign ? "sign" : "");
	jpki_detail_add(c.detail, sizeof(c.detail), "applicant", "%s",
	                a->applicant == JPKI_APPLICANT_LEGAL_REP ? "legal-rep" : "self");
	jpki_detail_add(c.detail, sizeof(c.detail), "fee", "%s", jpki_fee_case_name(fee));
	jpki_detail_add(c.detail, sizeof(c.detail), "amount", "%d", s->cfg->fee[fee]);
	if (note[0])
		jpki_detail_add(c.detail, sizeof(c.detail), "override", "%s", s->override_by);
	if ((rc = jpki_case_open_checked(s, &c, docs, note, err)) < 0)
		return rc;
	return jpki_counter_write_card(s, &c, card, pins, out, err);
}

int jpki_counter_resume(const struct jpki_counter_session *s, int64_t case_id,
                        const struct jpki_counter_card *card, const struct jpki_counter_pins *pins,
                        struct jpki_issue_outcome *out, struct jpki_err *err)
{
	struct jpki_case_rec c;
	memset(out, 0, sizeof(*out));
	int rc = jpki_counter_session_check(s, err);
	if (rc == 0)
		rc = s->st->ops->case_get(s->st, case_id, &c, err);
	if (rc < 0)
		return rc;
	if (c.procedure != JPKI_PROC_ISSUE && c.procedure != JPKI_PROC_RENEW &&
	    c.procedure != JPKI_PROC_PROXY)
		return jpki_fail(err, JPKI_E_STATE, "case %lld (%s) has no card to write",
		                 (long long)case_id,
		                 jpki_procedure_name((enum jpki_procedure)c.procedure));
	char note[200];
	struct jpki_err herr;
	if (jpki_counter_hours_check(s, (enum jpki_procedure)c.procedure, note, sizeof(note),
	                             &herr) == -JPKI_E_REFUSED)
		return jpki_case_refuse_attempt(s, &c, "W1", err, "%.390s", herr.msg);
	/* the card in the reader now must be the resident's (rules C6, E3, E4 again) */
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	bool ok = false;
	rc = s->st->ops->resident_get(s->st, c.resident_id, &res, err);
	if (rc == 0)
		rc = jpki_counter_check_card(s, card, &res, &ok, &r, err);
	if (rc < 0)
		return rc;
	if (!ok) /* the case stays resumable with the right card */
		return jpki_case_refuse_attempt(s, &c, r.rule, err, "%s", r.why);
	return jpki_counter_write_card(s, &c, card, pins, out, err);
}
