/*
 * proxy.c: the inquiry-and-answer form (照会書兼回答書) as a lifecycle, and
 * the renewal notices that enclose one.
 *
 * A proxy case: OPEN (visit 1, the proxy's photo ID checked) -> FORM_SENT
 * (the form made for mailing to the registered address) -> CHECKED (visit
 * 2: the sealed form, the proxy's ID, the card, the PINs the applicant
 * wrote) -> PARTIAL/DONE as at issuance; or EXPIRED, REFUSED, CANCELLED.
 * The form's code is REF-MAC: REF the registry's one-time reference, MAC
 * the first 8 characters (40 bits) of HMAC-SHA256 over what the form says
 * (reference, resident, kinds, purpose, expiry), in the unambiguous
 * alphabet of the reference, under a key derived from the issuer master key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "ca/validity.h"
#include "card/keys.h"
#include "case.h"
#include "proxy.h"

#define MAC_CHARS 8

static int form_mac(const uint8_t master[JPKI_CARD_KEY_LEN], const struct jpki_token_rec *t,
                    char out[MAC_CHARS + 1], struct jpki_err *err)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	static const uint8_t no_serial[JPKI_CHIP_SERIAL_LEN] = {0};
	uint8_t key[JPKI_CARD_KEY_LEN], mac[32];
	char msg[200];
	unsigned int n = 0;
	int rc = jpki_card_derive(master, no_serial, JPKI_KEY_FORM, key, err);
	if (rc < 0)
		return rc;
	int len = snprintf(msg, sizeof(msg), "jpki form v1|%s|%lld|%d|%d|%lld", t->ref,
	                   (long long)t->resident_id, t->kinds, (int)t->purpose,
	                   (long long)t->expires_at);
	bool ok =
	    HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)msg, (size_t)len, mac, &n) &&
	    n == sizeof(mac);
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot compute the form's code");
	for (int i = 0; i < MAC_CHARS; i++)
		out[i] = alphabet[mac[i] & 31];
	out[MAC_CHARS] = '\0';
	return 0;
}

static int form_code(const uint8_t master[JPKI_CARD_KEY_LEN], const struct jpki_token_rec *t,
                     char code[JPKI_FORM_CODE_MAX], struct jpki_err *err)
{
	char mac[MAC_CHARS + 1];
	int rc = form_mac(master, t, mac, err);
	if (rc == 0)
		snprintf(code, JPKI_FORM_CODE_MAX, "%s-%s", t->ref, mac);
	return rc;
}

static int kinds_of(const struct jpki_application *a)
{
	return (a->want_sign ? 1 : 0) | (a->want_auth ? 2 : 0);
}

/* Hours, record, E2 and the proxy's photo ID: what both visits check. */
static int proxy_checks(const struct jpki_counter_session *s, const struct jpki_application *a,
                        struct jpki_resident *res, char note[200], bool *ok, struct jpki_refusal *r,
                        struct jpki_err *err)
{
	int rc =
	    jpki_counter_visit_start(s, JPKI_PROC_PROXY, a->resident_id, res, note, ok, r, err);
	if (rc < 0 || !*ok)
		return rc;
	struct jpki_application as_proxy = *a;
	as_proxy.applicant = JPKI_APPLICANT_PROXY;
	*ok = jpki_rule_minor_or_ward(&as_proxy, res, jpki_jst_date(s->now), r) &&
	      jpki_rule_proxy_identity(a->docs, a->n_docs, r);
	return 0;
}

int jpki_counter_proxy_request(const struct jpki_counter_session *s,
                               const struct jpki_application *a,
                               const uint8_t master[JPKI_CARD_KEY_LEN], struct jpki_form_out *out,
                               struct jpki_err *err)
{
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	struct jpki_case_rec c;
	char note[200], docs[JPKI_DOCS_MAX];
	bool ok;
	memset(out, 0, sizeof(*out));
	int rc = jpki_counter_session_check(s, err);
	if (rc < 0)
		return rc;
	jpki_case_init(s, &c, JPKI_PROC_PROXY, a->resident_id);
	jpki_docs_format(a->docs, a->n_docs, docs, sizeof(docs));
	if ((rc = proxy_checks(s, a, &res, note, &ok, &r, err)) < 0)
		return rc;
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	struct jpki_token_rec t = {.purpose = JPKI_TOKEN_PROXY_FORM,
	                           .resident_id = a->resident_id,
	                           .kinds = kinds_of(a),
	                           .issued_at = s->now,
	                           .expires_at = s->now + (int64_t)s->cfg->proxy_form_days * 86400};
	jpki_random_ref(t.ref, "P-");
	if ((rc = form_code(master, &t, out->code, err)) < 0)
		return rc;
	struct jpki_form_print fp = {out->code, &res, t.kinds, t.issued_at, t.expires_at, false};
	if ((rc = jpki_pdf_form(s->cfg, &fp, &out->pdf, &out->pdf_len, err)) < 0)
		return rc;
	jpki_detail_add(c.detail, sizeof(c.detail), "kinds", "%s%s%s", a->want_auth ? "auth" : "",
	                a->want_auth && a->want_sign ? "," : "", a->want_sign ? "sign" : "");
	jpki_detail_add(c.detail, sizeof(c.detail), "applicant", "proxy");
	jpki_detail_add(c.detail, sizeof(c.detail), "form", "%s", t.ref);
	rc = s->st->ops->begin(s->st, err);
	if (rc == 0)
		rc = jpki_case_insert_tx(
		    s, &c, &(struct jpki_case_note){"requested", "done", "", docs, note}, err);
	if (rc == 0) {
		t.case_id = c.id;
		rc = s->st->ops->token_insert(s->st, &t, err);
	}
	if (rc == 0)
		rc = jpki_case_move_tx(
		    s, &c, JPKI_CASE_FORM_SENT,
		    &(struct jpki_case_note){"form sent", "done", "", docs, t.ref}, err);
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		free(out->pdf);
		out->pdf = NULL;
		return rc;
	}
	out->case_id = c.id;
	out->expires_at = t.expires_at;
	return 0;
}

/*
 * Rule D3, an unsealed form: its PINs may have been seen, so the form is
 * spent with the refusal, in one transaction (a proxy form's case is
 * refused; a renewal notice's form is marked used: the two-visit path
 * remains).
 */
static int refuse_and_use(const struct jpki_counter_session *s, struct jpki_case_rec *c,
                          const struct jpki_token_rec *t, const char *docs, struct jpki_err *err)
{
	static const char why[] = "the form is not sealed in its envelope: a new one is needed";
	struct jpki_case_note n = {"refused", "refused", "D3", docs, why};
	struct jpki_case_rec work = *c;
	int rc = s->st->ops->begin(s->st, err);
	if (rc == 0 && work.id == 0) {
		work.state = JPKI_CASE_REFUSED;
		rc = jpki_case_insert_tx(s, &work, &n, err);
	} else if (rc == 0) {
		rc = jpki_case_move_tx(s, &work, JPKI_CASE_REFUSED, &n, err);
	}
	if (rc == 0)
		rc = s->st->ops->token_use(s->st, t->ref, s->now, work.id, err);
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	*c = work;
	return jpki_fail(err, JPKI_E_REFUSED, "refused (rule D3): %s (case %lld)", why,
	                 (long long)c->id);
}

/* The token behind a code, checked: D4 for unknown, forged or used. */
static int form_lookup(const struct jpki_counter_session *s, const uint8_t *master,
                       const char *code, struct jpki_token_rec *t, bool *ok, struct jpki_refusal *r,
                       struct jpki_err *err)
{
	char ref[JPKI_TOKEN_REF_MAX], want[MAC_CHARS + 1];
	const char *dash = code ? strrchr(code, '-') : NULL;
	*ok = false;
	if (!dash || (size_t)(dash - code) >= sizeof(ref) || strlen(dash + 1) != MAC_CHARS) {
		jpki_refuse(r, "D4", "%s", "the form's code is not one this city prints");
		return 0;
	}
	memcpy(ref, code, (size_t)(dash - code));
	ref[dash - code] = '\0';
	int rc = s->st->ops->token_get(s->st, ref, t, err);
	if (rc == -JPKI_E_NOT_FOUND || (rc == 0 && t->purpose != JPKI_TOKEN_PROXY_FORM &&
	                                t->purpose != JPKI_TOKEN_RENEWAL_FORM)) {
		jpki_refuse(r, "D4", "%s", "no such form was sent by this city");
		return 0;
	}
	if (rc == 0)
		rc = form_mac(master, t, want, err);
	if (rc < 0)
		return rc;
	if (CRYPTO_memcmp(want, dash + 1, MAC_CHARS) != 0) {
		jpki_refuse(r, "D4", "%s",
		            "the form's code does not match what was sent: forged or altered");
		return 0;
	}
	if (t->used_at) {
		jpki_refuse(r, "D4", "%s", "this form was used already");
		return 0;
	}
	*ok = true;
	return 0;
}

/* Rule N4: renewal through the enclosed form, one visit: the certificates valid, in the window. */
static int renewal_ok(const struct jpki_counter_session *s, const struct jpki_token_rec *t,
                      bool *ok, struct jpki_refusal *r, struct jpki_err *err)
{
	*ok = true;
	for (int k = 0; k < 2; k++) {
		struct jpki_cert_rec cur;
		if (!(t->kinds & (k == JPKI_KIND_SIGN ? 1 : 2)))
			continue;
		int rc = s->st->ops->cert_current(s->st, t->resident_id, (enum jpki_kind)k, s->now,
		                                  &cur, err);
		if (rc == -JPKI_E_NOT_FOUND) {
			*ok = jpki_refuse(
			    r, "N4", "%s",
			    "the certificate is no longer valid: the two-visit path applies "
			    "(jpki counter proxy request)");
			return 0;
		}
		if (rc < 0)
			return rc;
		if (!jpki_in_renewal_window(s->now, cur.not_after)) {
			*ok =
			    jpki_refuse(r, "N1", "%s",
			                "the renewal window (3 months before expiry) is not open");
			return 0;
		}
	}
	return 0;
}

/* The PINs the applicant wrote: their format (D4); for a renewal they verify on the card. */
static int form_pins(const struct jpki_counter_session *s, const struct jpki_token_rec *t,
                     const struct jpki_counter_card *card, const struct jpki_counter_pins *pins,
                     bool *ok, struct jpki_refusal *r, struct jpki_err *err)
{
	struct jpki_refusal p1;
	bool sign = t->kinds & 1, auth = t->kinds & 2;
	*ok = jpki_rule_pins(auth, pins->auth, sign, pins->sign, &p1);
	if (!*ok) {
		jpki_refuse(r, "D4", "%s",
		            "a defect in the form: a PIN written does not follow rule P1");
		return 0;
	}
	if (t->purpose != JPKI_TOKEN_RENEWAL_FORM)
		return 0;
	for (int k = 0; k < 2; k++) {
		bool want = k == JPKI_PIN_AUTH ? auth : sign;
		if (!want)
			continue;
		int tries = 0;
		int rc = jpki_host_select_app(card->t, err);
		if (rc == 0)
			rc = jpki_host_verify(card->t, (enum jpki_pin_id)k,
			                      k == JPKI_PIN_AUTH ? pins->auth : pins->sign, &tries,
			                      err);
		if (rc == -JPKI_E_PIN || rc == -JPKI_E_PIN_BLOCKED) {
			*ok =
			    jpki_refuse(r, "D4", "%s",
			                "a PIN written on the form is wrong: the procedure stops");
			return 0;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* X1: a proxy supersedes a valid certificate only with the delegation. */
static int x1_ok(const struct jpki_counter_session *s, const struct jpki_token_rec *t,
                 bool delegation, bool *ok, struct jpki_refusal *r, struct jpki_err *err)
{
	*ok = true;
	for (int k = 0; k < 2 && !delegation; k++) {
		struct jpki_cert_rec cur;
		if (!(t->kinds & (k == JPKI_KIND_SIGN ? 1 : 2)))
			continue;
		int rc = s->st->ops->cert_current(s->st, t->resident_id, (enum jpki_kind)k, s->now,
		                                  &cur, err);
		if (rc == 0) {
			*ok = jpki_refuse(
			    r, "X1", "%s",
			    "a valid certificate of that kind exists: the proxy needs the "
			    "applicant's delegation covering its revocation");
			return 0;
		}
		if (rc != -JPKI_E_NOT_FOUND)
			return rc;
	}
	return 0;
}

int jpki_counter_proxy_answer(const struct jpki_counter_session *s,
                              const struct jpki_form_answer *f,
                              const struct jpki_application *proxy,
                              const struct jpki_counter_card *card,
                              const struct jpki_counter_pins *pins, struct jpki_issue_outcome *out,
                              struct jpki_err *err)
{
	struct jpki_token_rec t;
	struct jpki_case_rec c;
	struct jpki_resident res;
	struct jpki_refusal r = {0};
	char note[200], docs[JPKI_DOCS_MAX];
	bool ok = false;
	memset(out, 0, sizeof(*out));
	int rc = jpki_counter_session_check(s, err);
	if (rc < 0)
		return rc;
	jpki_docs_format(proxy->docs, proxy->n_docs, docs, sizeof(docs));
	jpki_case_init(s, &c, JPKI_PROC_PROXY, 0);
	if ((rc = form_lookup(s, card->master, f->code, &t, &ok, &r, err)) < 0)
		return rc;
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	c.resident_id = t.resident_id;
	if (t.purpose == JPKI_TOKEN_PROXY_FORM) {
		if ((rc = s->st->ops->case_get(s->st, t.case_id, &c, err)) < 0)
			return rc;
		if (c.state != JPKI_CASE_FORM_SENT)
			return jpki_case_refuse_attempt(
			    s, &c, "D4", err,
			    "the case of this form is %s: a new form must "
			    "be requested",
			    jpki_case_state_name((enum jpki_case_state)c.state));
	}
	if (!f->sealed)
		return refuse_and_use(s, &c, &t, docs, err);
	if (s->now > t.expires_at) {
		if (c.id) {
			struct jpki_err also;
			if (jpki_case_move(
			        s, &c, JPKI_CASE_EXPIRED,
			        &(struct jpki_case_note){"expired", "refused", "D3", docs, ""},
			        &also) < 0)
				return jpki_fail(err, also.code, "%s", also.msg);
			return jpki_fail(err, JPKI_E_REFUSED,
			                 "refused (rule D3): the form expired; a new one must be "
			                 "requested (case %lld expired)",
			                 (long long)c.id);
		}
		return jpki_case_refuse(s, &c, "D3", docs, err, "the form expired");
	}
	struct jpki_application a = *proxy;
	a.resident_id = t.resident_id;
	a.applicant = JPKI_APPLICANT_PROXY;
	a.want_sign = t.kinds & 1;
	a.want_auth = t.kinds & 2;
	if ((rc = proxy_checks(s, &a, &res, note, &ok, &r, err)) < 0)
		return rc;
	if (ok && t.purpose == JPKI_TOKEN_RENEWAL_FORM &&
	    (rc = renewal_ok(s, &t, &ok, &r, err)) < 0)
		return rc;
	if (ok && (rc = x1_ok(s, &t, f->delegation || t.purpose == JPKI_TOKEN_RENEWAL_FORM, &ok, &r,
	                      err)) < 0)
		return rc;
	if (ok && (rc = jpki_counter_check_card(s, card, &res, &ok, &r, err)) < 0)
		return rc;
	if (ok && (rc = form_pins(s, &t, card, pins, &ok, &r, err)) < 0)
		return rc;
	if (!ok && strcmp(r.rule, "W1") == 0 && c.id) /* the wrong hour: come back */
		return jpki_case_refuse_attempt(s, &c, "W1", err, "%s", r.why);
	if (!ok)
		return jpki_case_refuse_by(s, &c, &r, docs, err);
	enum jpki_fee_case fee;
	if ((rc = jpki_fee_decide(s->st, &a, t.purpose == JPKI_TOKEN_RENEWAL_FORM, s->now, &fee,
	                          err)) < 0)
		return rc;
	if (t.purpose == JPKI_TOKEN_RENEWAL_FORM) { /* a proxy form's case says it already */
		jpki_detail_add(c.detail, sizeof(c.detail), "kinds", "%s%s%s",
		                a.want_auth ? "auth" : "", a.want_auth && a.want_sign ? "," : "",
		                a.want_sign ? "sign" : "");
		jpki_detail_add(c.detail, sizeof(c.detail), "applicant", "proxy");
		jpki_detail_add(c.detail, sizeof(c.detail), "form", "%s", t.ref);
	}
	jpki_detail_add(c.detail, sizeof(c.detail), "fee", "%s", jpki_fee_case_name(fee));
	jpki_detail_add(c.detail, sizeof(c.detail), "amount", "%d", s->cfg->fee[fee]);
	/* the form is used up in the transaction that checks the case */
	rc = s->st->ops->begin(s->st, err);
	if (rc == 0 && c.id == 0)
		rc = jpki_case_insert_tx(
		    s, &c, &(struct jpki_case_note){"renewal form", "done", "", docs, t.ref}, err);
	if (rc == 0)
		rc = s->st->ops->token_use(s->st, t.ref, s->now, c.id, err);
	if (rc == 0)
		rc = jpki_case_move_tx(s, &c, JPKI_CASE_CHECKED,
		                       &(struct jpki_case_note){"answered", "done", "", docs, note},
		                       err);
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	return jpki_counter_write_card(s, &c, card, pins, out, err);
}

/* ---- renewal notices (rule N2) ---- */

struct due {
	int64_t lo, hi; /* the expiry month, JST */
	struct due_cert {
		int64_t resident_id;
		struct jpki_notice_cert c;
	} * v;
	size_t n, cap;
	int rc;
};

static int collect(const struct jpki_cert_rec *c, void *arg)
{
	struct due *d = arg;
	if (c->status != JPKI_CERT_VALID || c->not_after < d->lo || c->not_after > d->hi)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct due_cert *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return -JPKI_E_NOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].resident_id = c->resident_id;
	d->v[d->n].c.kind = c->kind;
	snprintf(d->v[d->n].c.serial, sizeof(d->v[d->n].c.serial), "%s", c->serial);
	d->v[d->n].c.not_after = c->not_after;
	d->n++;
	return 0;
}

static int by_resident(const void *a, const void *b)
{
	const struct due_cert *x = a, *y = b;
	return x->resident_id < y->resident_id ? -1 : x->resident_id > y->resident_id;
}

static int parse_month(const char *s, struct jpki_date *first, struct jpki_err *err)
{
	char buf[16];
	if (!s || strlen(s) != 7)
		return jpki_fail(err, JPKI_E_INVALID, "a month is YYYY-MM");
	snprintf(buf, sizeof(buf), "%s-01", s);
	if (jpki_date_parse(buf, first, err) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "a month is YYYY-MM");
	return 0;
}

/* The certificates of one resident: a notice with its form, unless already sent. */
static int notice_one(const struct jpki_counter_session *s, const uint8_t *master,
                      struct due_cert *group, size_t n, const char *month, jpki_notice_cb out,
                      void *arg, int *sent, int *skipped, struct jpki_err *err)
{
	struct jpki_resident res;
	struct jpki_notice_cert certs[2];
	int kept = 0, rc = s->st->ops->resident_get(s->st, group[0].resident_id, &res, err);
	if (rc < 0)
		return rc;
	/* counter practice: not to those gone, nor to foreign residents whose stay ends first */
	bool excluded = res.status != JPKI_RESIDENT;
	struct jpki_token_rec t = {.purpose = JPKI_TOKEN_RENEWAL_FORM,
	                           .resident_id = res.id,
	                           .issued_at = s->now,
	                           .expires_at = INT64_MAX};
	jpki_random_ref(t.ref, "N-");
	for (size_t i = 0; i < n && kept < 2; i++) {
		struct jpki_date end = jpki_jst_date(group[i].c.not_after);
		if (excluded ||
		    (res.has_residence_end && jpki_date_cmp(res.residence_end, end) < 0)) {
			(*skipped)++;
			continue;
		}
		rc = s->st->ops->notice_insert(s->st, group[i].c.serial, month, res.id, t.ref,
		                               s->now, err);
		if (rc == -JPKI_E_EXISTS) { /* sent by an earlier run: never twice */
			(*skipped)++;
			continue;
		}
		if (rc < 0)
			return rc;
		certs[kept++] = group[i].c;
		t.kinds |= group[i].c.kind == JPKI_KIND_SIGN ? 1 : 2;
		if (group[i].c.not_after < t.expires_at) /* rule N4: valid until the expiry */
			t.expires_at = group[i].c.not_after;
		snprintf(t.cert_serial, sizeof(t.cert_serial), "%s", group[i].c.serial);
	}
	if (kept == 0)
		return 0;
	char code[JPKI_FORM_CODE_MAX], detail[300];
	uint8_t *pdf = NULL;
	size_t pdf_len = 0;
	struct jpki_form_print fp = {code, &res, t.kinds, t.issued_at, t.expires_at, true};
	rc = s->st->ops->token_insert(s->st, &t, err);
	if (rc == 0)
		rc = form_code(master, &t, code, err);
	if (rc == 0)
		rc = jpki_pdf_notice(s->cfg, certs, kept, &fp, &pdf, &pdf_len, err);
	snprintf(detail, sizeof(detail), "month=%s; form=%s; %s%s%s", month, t.ref, certs[0].serial,
	         kept > 1 ? " " : "", kept > 1 ? certs[1].serial : "");
	if (rc == 0)
		rc =
		    jpki_audit_note_tx(s, 0, res.id, "notice.sent",
		                       &(struct jpki_case_note){"", "done", "N2", "", detail}, err);
	if (rc == 0)
		rc = out(arg, &res, certs, kept, code, t.expires_at, pdf, pdf_len, err);
	free(pdf);
	if (rc == 0)
		(*sent)++;
	return rc;
}

int jpki_counter_notices(const struct jpki_counter_session *s, const char *month,
                         const uint8_t master[JPKI_CARD_KEY_LEN], jpki_notice_cb out,
                         int (*done)(void *arg, struct jpki_err *err), void *arg, int *sent,
                         int *skipped, struct jpki_err *err)
{
	struct jpki_date first;
	*sent = *skipped = 0;
	int rc = jpki_counter_session_check(s, err);
	if (rc == 0)
		rc = parse_month(month, &first, err);
	if (rc < 0)
		return rc;
	/* rule N2: mailed about 2 months before expiry: the second month after this one */
	struct jpki_date from = jpki_date_add_months(first, 2);
	struct jpki_date to =
	    jpki_date_from_days(jpki_date_to_days(jpki_date_add_months(from, 1)) - 1);
	struct due d = {.lo = jpki_jst_end_of_day(from) - 86399, .hi = jpki_jst_end_of_day(to)};
	rc = s->st->ops->begin(s->st, err);
	if (rc == 0) {
		rc = s->st->ops->cert_expiring(s->st, d.lo, d.hi, collect, &d, err);
		if (rc == -JPKI_E_NOMEM)
			rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	if (rc == 0)
		qsort(d.v, d.n, sizeof(d.v[0]), by_resident);
	for (size_t i = 0; rc == 0 && i < d.n;) {
		size_t j = i;
		while (j < d.n && d.v[j].resident_id == d.v[i].resident_id)
			j++;
		rc = notice_one(s, master, d.v + i, j - i, month, out, arg, sent, skipped, err);
		i = j;
	}
	if (rc == 0 && done)
		rc = done(arg, err); /* the mailing list, written before the run commits */
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0)
		s->st->ops->rollback(s->st);
	free(d.v);
	return rc;
}
