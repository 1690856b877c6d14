/*
 * rules.c: the counter's checks, each naming its rule (docs/rules.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ca/validity.h"
#include "card/card.h"
#include "rules.h"

static const struct {
	const char *type;
	enum jpki_doc_list list;
} doc_types[] = {
    /* counter practice (docs/counter.md): A list, one is enough */
    {"licence", JPKI_DOC_A},
    {"passport", JPKI_DOC_A},
    {"disability-handbook", JPKI_DOC_A},
    {"residence-card", JPKI_DOC_A},
    {"photo-id", JPKI_DOC_A}, /* other government photo ID */
    /* B list: two needed, or one A and one B */
    {"health-insurance", JPKI_DOC_B},
    {"pension-book", JPKI_DOC_B},
    {"employee-id", JPKI_DOC_B},
    {"student-id", JPKI_DOC_B},
    {"other-b", JPKI_DOC_B},
};

int jpki_id_doc_parse(const char *s, struct jpki_id_doc *out, struct jpki_err *err)
{
	const char *colon = strchr(s, ':');
	struct jpki_id_doc d;
	memset(&d, 0, sizeof(d));
	size_t tl = colon ? (size_t)(colon - s) : 0, nl = colon ? strlen(colon + 1) : 0;
	bool known = false;
	for (size_t i = 0; colon && i < sizeof(doc_types) / sizeof(doc_types[0]); i++)
		if (strlen(doc_types[i].type) == tl && strncmp(s, doc_types[i].type, tl) == 0) {
			snprintf(d.type, sizeof(d.type), "%s", doc_types[i].type);
			d.list = doc_types[i].list;
			known = true;
		}
	if (!known)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a document is TYPE:NUMBER, TYPE one of licence, passport, "
		                 "disability-handbook, residence-card, photo-id (A list), "
		                 "health-insurance, pension-book, employee-id, student-id, other-b "
		                 "(B list)");
	if (nl == 0 || nl >= sizeof(d.number))
		return jpki_fail(err, JPKI_E_INVALID, "a document number is 1-32 characters");
	for (size_t i = 0; i < nl; i++) {
		char c = colon[1 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      c == '-'))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "a document number is letters, digits and '-' only");
	}
	memcpy(d.number, colon + 1, nl);
	*out = d;
	return 0;
}

void jpki_docs_format(const struct jpki_id_doc *docs, int n, char *out, size_t cap)
{
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t l = strlen(out);
		snprintf(out + l, cap - l, "%s%s:%s", i ? ", " : "", docs[i].type, docs[i].number);
	}
}

static void count(const struct jpki_id_doc *docs, int n, int *a, int *b)
{
	*a = *b = 0;
	for (int i = 0; i < n; i++)
		(docs[i].list == JPKI_DOC_A ? (*a)++ : (*b)++);
}

bool jpki_refuse(struct jpki_refusal *r, const char *rule, const char *fmt, ...)
{
	va_list ap;
	r->rule = rule;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return false;
}

bool jpki_rule_identity(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r)
{
	int a, b;
	count(docs, n, &a, &b);
	if (a >= 1 || b >= 2)
		return true;
	return jpki_refuse(
	    r, "I1",
	    "identity not shown: one document of the A list (licence, passport, ...) or "
	    "two of the B list are needed (--doc); without them the inquiry-form path "
	    "applies");
}

bool jpki_rule_rep_identity(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r)
{
	int a, b;
	count(docs, n, &a, &b);
	if (a >= 2 || (a >= 1 && b >= 1))
		return true;
	return jpki_refuse(
	    r, "L1",
	    "a legal representative shows two documents of the A list, or one of the A "
	    "list and one of the B list");
}

bool jpki_rule_proxy_identity(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r)
{
	int a, b;
	count(docs, n, &a, &b);
	if (a >= 1)
		return true;
	return jpki_refuse(r, "D2", "a proxy without a government photo ID (A list) cannot act");
}

bool jpki_rule_second_document(const struct jpki_id_doc *docs, int n, struct jpki_refusal *r)
{
	if (n >= 1)
		return true;
	return jpki_refuse(r, "P2",
	                   "a PIN is reset with the card and one more identity document (--doc)");
}

bool jpki_rule_registered(const struct jpki_resident *res, struct jpki_refusal *r)
{
	if (res->status == JPKI_RESIDENT)
		return true;
	return jpki_refuse(r, "E1", "resident %lld is not registered in this municipality (%s)",
	                   (long long)res->id, jpki_residence_name(res->status));
}

/* Rule L1: the legal representative's proof of authority, issued within 3 months. */
static bool authority_ok(const struct jpki_application *a, struct jpki_date today,
                         struct jpki_refusal *r)
{
	if (a->same_household)
		return true; /* the proof is waived */
	bool kind_ok = strcmp(a->authority, "family-register") == 0 ||
	               strcmp(a->authority, "guardianship") == 0;
	if (!kind_ok || !a->has_authority_date)
		return jpki_refuse(
		    r, "L1",
		    "the legal representative proves authority: a family register extract "
		    "or a guardianship certificate and its issue date (--authority "
		    "KIND:YYYY-MM-DD), or --same-household");
	struct jpki_date oldest = jpki_date_add_months(today, -3);
	if (jpki_date_cmp(a->authority_issued, oldest) < 0 ||
	    jpki_date_cmp(a->authority_issued, today) > 0) {
		char d[11];
		jpki_date_format(a->authority_issued, d);
		return jpki_refuse(r, "L1",
		                   "the proof of authority was issued on %s: within 3 months, "
		                   "please",
		                   d);
	}
	return true;
}

bool jpki_rule_minor_or_ward(const struct jpki_application *a, const struct jpki_resident *res,
                             struct jpki_date today, struct jpki_refusal *r)
{
	int age = jpki_age_on(res->birth, today);
	bool minor = age < 15, ward = res->adult_ward;
	if (!minor && !ward) {
		if (a->applicant != JPKI_APPLICANT_LEGAL_REP)
			return true;
		/* counter practice: at 15-17 the holder or the legal representative applies */
		if (age >= 18)
			return jpki_refuse(
			    r, "E2",
			    "an adult who is not a ward has no legal representative: the "
			    "holder applies, or a voluntary proxy with the form");
		return authority_ok(a, today, r);
	}
	const char *who = minor ? "a person under 15" : "an adult ward";
	if (a->want_sign)
		return jpki_refuse(r, "E2", "no signature certificate for %s (age %d)", who, age);
	if (a->applicant == JPKI_APPLICANT_PROXY)
		return jpki_refuse(r, "E2", "no application through a voluntary proxy for %s", who);
	if (a->applicant != JPKI_APPLICANT_LEGAL_REP)
		return jpki_refuse(
		    r, "E2", "for %s the legal representative applies (--applicant legal-rep)",
		    who);
	return authority_ok(a, today, r);
}

bool jpki_rule_card(const struct jpki_card_info *info, struct jpki_date today,
                    struct jpki_refusal *r)
{
	if (info->kind == JPKI_CARD_KIND_JUKI)
		return jpki_refuse(
		    r, "C6",
		    "certificates are no longer issued onto a basic-resident-register card "
		    "(since 2015-12-22); the resident needs an individual number card");
	if (info->kind != JPKI_CARD_KIND_MYNUMBER || !info->has_expiry)
		return jpki_refuse(
		    r, "E3",
		    "the resident has no individual number card: apply for the card first "
		    "(it takes 1 to 1.5 months and is never issued the same day)");
	if (jpki_date_cmp(info->expiry, today) < 0)
		return jpki_refuse(r, "E3",
		                   "the card expired: the resident applies for a new card first");
	return true;
}

bool jpki_rule_card_face(int face_rc, const struct jpki_card_face *card,
                         const struct jpki_resident *res, struct jpki_refusal *r)
{
	if (face_rc == -JPKI_E_NOT_FOUND)
		return jpki_refuse(r, "E4",
		                   "the card face holds nothing: update the card first "
		                   "(jpki counter card-face)");
	if (face_rc < 0)
		return jpki_refuse(r, "E4", "the card face cannot be read");
	struct jpki_card_face want;
	char diff[64];
	jpki_face_of_resident(res, &want);
	jpki_face_diff(card, &want, diff, sizeof(diff));
	if (!diff[0])
		return true;
	return jpki_refuse(r, "E4",
	                   "the card's %s differ from the resident record: update the card first "
	                   "(jpki counter card-face)",
	                   diff);
}

bool jpki_rule_pins(bool want_auth, const char *auth_pin, bool want_sign, const char *sign_pin,
                    struct jpki_refusal *r)
{
	if (want_auth && (!auth_pin || !jpki_pin_format_ok(JPKI_PIN_AUTH, (const uint8_t *)auth_pin,
	                                                   strlen(auth_pin))))
		return jpki_refuse(r, "P1", "the authentication PIN is exactly 4 digits");
	if (want_sign && (!sign_pin || !jpki_pin_format_ok(JPKI_PIN_SIGN, (const uint8_t *)sign_pin,
	                                                   strlen(sign_pin))))
		return jpki_refuse(r, "P1",
		                   "the signature password is 6 to 16 upper-case letters and "
		                   "digits, with both");
	return true;
}

struct history {
	const struct jpki_application *a;
	int64_t now;
	int seen;          /* certificates of the kinds asked for */
	int valid;         /* still valid now */
	int64_t latest_id; /* the newest of them */
	enum jpki_cert_status latest_status;
	enum jpki_reason latest_reason;
};

static int look(const struct jpki_cert_rec *c, void *arg)
{
	struct history *h = arg;
	if ((c->kind == JPKI_KIND_SIGN && !h->a->want_sign) ||
	    (c->kind == JPKI_KIND_AUTH && !h->a->want_auth))
		return 0;
	h->seen++;
	if (c->status == JPKI_CERT_VALID && c->not_after >= h->now)
		h->valid++;
	if (c->id > h->latest_id) {
		h->latest_id = c->id;
		h->latest_status = c->status;
		h->latest_reason = c->reason;
	}
	return 0;
}

int jpki_fee_decide(struct jpki_store *st, const struct jpki_application *a, bool renewal,
                    int64_t now, enum jpki_fee_case *out, struct jpki_err *err)
{
	struct history h = {.a = a, .now = now};
	int rc = st->ops->cert_each(st, a->resident_id, look, &h, err);
	if (rc < 0)
		return rc;
	/* an issuance inside rule N1's window is a renewal whichever way it is asked for */
	for (int k = 0; k < 2 && !renewal; k++) {
		struct jpki_cert_rec cur;
		if ((k == JPKI_KIND_SIGN && !a->want_sign) ||
		    (k == JPKI_KIND_AUTH && !a->want_auth))
			continue;
		rc = st->ops->cert_current(st, a->resident_id, (enum jpki_kind)k, now, &cur, err);
		if (rc == 0)
			renewal = jpki_in_renewal_window(now, cur.not_after);
		else if (rc != -JPKI_E_NOT_FOUND)
			return rc;
	}
	if (h.seen == 0)
		*out = JPKI_FEE_FIRST;
	else if (renewal)
		*out = JPKI_FEE_RENEWAL;
	else if (a->reissue_reason == JPKI_FEE_LOST || a->reissue_reason == JPKI_FEE_DAMAGED ||
	         a->reissue_reason == JPKI_FEE_DAMAGED_NOT_OWN)
		*out = a->reissue_reason; /* the clerk's word on the loss or damage */
	else if (h.latest_status == JPKI_CERT_REVOKED &&
	         (h.latest_reason == JPKI_REASON_AFFILIATION_CHANGED ||
	          h.latest_reason == JPKI_REASON_CESSATION))
		*out = JPKI_FEE_RECORD_CHANGE;
	else if (h.latest_status == JPKI_CERT_REVOKED && h.latest_reason == JPKI_REASON_HOLD)
		*out = JPKI_FEE_LOST;
	else if (h.valid == 0 && h.latest_status == JPKI_CERT_VALID)
		*out = JPKI_FEE_AFTER_EXPIRY;
	else
		*out = JPKI_FEE_OTHER;
	return 0;
}
