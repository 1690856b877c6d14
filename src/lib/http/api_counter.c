/*
 * api_counter.c: the API's routes of residents, cases and the counter's
 * card-less procedures (api_int.h; docs/api.md).  Each calls the counter
 * library as `jpki counter` does, with the operator and counter of the
 * session; every rule and every audit entry is the library's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "counter/procedures.h"
#include "counter/approved.h"
#include "counter/search.h"

#define CASES_MAX 100

/* ---- answers ---- */

static const char *sex_name(enum jpki_sex s)
{
	return s == JPKI_SEX_MALE ? "male" : s == JPKI_SEX_FEMALE ? "female" : "unknown";
}

static json_t *cert_json(const struct jpki_cert_rec *c)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s}", "serial", c->serial, "kind",
	                      jpki_kind_name(c->kind), "notBefore", (json_int_t)c->not_before,
	                      "notAfter", (json_int_t)c->not_after, "status",
	                      c->status == JPKI_CERT_REVOKED ? "revoked" : "valid");
	if (o && c->status == JPKI_CERT_REVOKED) {
		json_object_set_new(o, "revokedAt", json_integer(c->revoked_at));
		json_object_set_new(o, "reason", json_string(jpki_reason_name(c->reason)));
	}
	return o;
}

json_t *jpki_api_resident_json(const struct jpki_resident *r)
{
	char birth[11];
	jpki_date_format(r->birth, birth);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id, "family",
	                 r->family, "given", r->given, "birth", birth, "sex", sex_name(r->sex),
	                 "address", r->address, "status", jpki_residence_name(r->status));
}

json_t *jpki_api_case_json(const struct jpki_case_rec *c)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:s}", "id", (json_int_t)c->id,
	                 "procedure", jpki_procedure_name((enum jpki_procedure)c->procedure),
	                 "state", jpki_case_state_name((enum jpki_case_state)c->state), "resident",
	                 (json_int_t)c->resident_id, "counter", c->counter, "operator",
	                 c->operator_id, "openedAt", (json_int_t)c->opened_at, "updatedAt",
	                 (json_int_t)c->updated_at, "detail", c->detail);
}

static int cert_one(const struct jpki_cert_rec *c, void *arg)
{
	return json_array_append_new(arg, cert_json(c)) < 0 ? -JPKI_E_NOMEM : 0;
}

/* ---- residents ---- */

static int search(struct api_call *c)
{
	enum jpki_search_purpose purpose;
	struct jpki_counter_session s;
	struct jpki_resident_query q = {.id = jpki_api_id(c->body, "id"),
	                                .family = jpki_api_text(c->body, "family"),
	                                .given = jpki_api_text(c->body, "given")};
	const char *birth = jpki_api_text(c->body, "birth");
	if (!jpki_search_purpose_parse(jpki_api_text(c->body, "purpose"), &purpose))
		return jpki_fail(&c->err, JPKI_E_INVALID,
		                 "purpose (rule S1): application, loss, inquiry or correction");
	if (birth && jpki_date_parse(birth, &q.birth, &c->err) < 0)
		return -JPKI_E_INVALID;
	q.has_birth = birth != NULL;
	struct jpki_resident *found = calloc(JPKI_SEARCH_MAX, sizeof(*found));
	size_t n = 0;
	bool more = false;
	if (!found)
		return jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	jpki_api_counter_session(c, &s);
	int rc = jpki_resident_search(&s, purpose, &q, found, &n, &more, &c->err);
	json_t *list = rc == 0 ? json_array() : NULL;
	for (size_t i = 0; rc == 0 && list && i < n; i++) {
		json_t *r = jpki_api_resident_json(&found[i]), *certs = json_array();
		if (!r || !certs) {
			json_decref(r), json_decref(certs);
			rc = jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
			break;
		}
		rc = c->h->st->ops->cert_each(c->h->st, found[i].id, cert_one, certs, &c->err);
		json_object_set_new(r, "certificates", certs);
		json_array_append_new(list, r);
	}
	free(found);
	if (rc < 0) {
		json_decref(list);
		return rc == -JPKI_E_NOMEM ? jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory") : rc;
	}
	c->reply = json_pack("{s:o, s:b}", "residents", list, "more", more);
	return 0;
}

/* ---- cases ---- */

struct case_list {
	json_t *a;
	int left;
};

static int case_one(const struct jpki_case_rec *cr, void *arg)
{
	struct case_list *l = arg;
	if (l->left-- <= 0)
		return 1;
	return json_array_append_new(l->a, jpki_api_case_json(cr)) < 0 ? -JPKI_E_NOMEM : 0;
}

static int cases(struct api_call *c)
{
	int64_t resident = jpki_api_query_id(c->conn, "resident");
	if (resident <= 0)
		return jpki_fail(&c->err, JPKI_E_INVALID, "resident=ID is required");
	struct case_list l = {json_array(), CASES_MAX};
	int rc = l.a ? c->h->st->ops->case_each(c->h->st, resident, case_one, &l, &c->err)
	             : -JPKI_E_NOMEM;
	if (rc < 0) {
		json_decref(l.a);
		return rc == -JPKI_E_NOMEM ? jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory") : rc;
	}
	c->reply = json_pack("{s:o}", "cases", l.a);
	return 0;
}

static int case_get(struct api_call *c)
{
	struct jpki_case_rec cr;
	if (c->param_id <= 0)
		return jpki_fail(&c->err, JPKI_E_NOT_FOUND, "no case %s", c->param);
	int rc = c->h->st->ops->case_get(c->h->st, c->param_id, &cr, &c->err);
	if (rc == 0)
		c->reply = jpki_api_case_json(&cr);
	return rc;
}

/* ---- procedures ---- */

/* The application of a body: resident, documents, applicant, kinds. */
int jpki_api_application(struct api_call *c, struct jpki_application *a)
{
	memset(a, 0, sizeof(*a));
	a->resident_id = jpki_api_id(c->body, "resident");
	a->reissue_reason = JPKI_FEE_OTHER;
	a->want_auth = a->want_sign = true;
	json_t *docs = json_object_get(c->body, "documents"), *kinds;
	for (size_t i = 0; i < json_array_size(docs); i++) {
		int rc = jpki_id_doc_parse(json_string_value(json_array_get(docs, i)),
		                           &a->docs[a->n_docs], &c->err);
		if (rc < 0)
			return rc;
		a->n_docs++;
	}
	const char *who = jpki_api_text(c->body, "applicant");
	if (!who || strcmp(who, "self") == 0)
		a->applicant = JPKI_APPLICANT_SELF;
	else if (strcmp(who, "legal-rep") == 0)
		a->applicant = JPKI_APPLICANT_LEGAL_REP;
	else if (strcmp(who, "proxy") == 0)
		a->applicant = JPKI_APPLICANT_PROXY;
	else
		return jpki_fail(&c->err, JPKI_E_INVALID, "applicant: self, legal-rep or proxy");
	if ((kinds = json_object_get(c->body, "kinds"))) {
		a->want_auth = a->want_sign = false;
		for (size_t i = 0; i < json_array_size(kinds); i++) {
			const char *k = json_string_value(json_array_get(kinds, i));
			if (strcmp(k, "auth") == 0)
				a->want_auth = true;
			else if (strcmp(k, "sign") == 0)
				a->want_sign = true;
			else
				return jpki_fail(&c->err, JPKI_E_INVALID, "kinds: auth, sign");
		}
		if (!a->want_auth && !a->want_sign)
			return jpki_fail(&c->err, JPKI_E_INVALID, "kinds: auth, sign");
	}
	return 0;
}

static int reason_of(struct api_call *c, enum jpki_reason *out)
{
	const char *s = jpki_api_text(c->body, "reason");
	*out = JPKI_REASON_UNSPECIFIED;
	if (s && (jpki_reason_parse(s, out, NULL) < 0 ||
	          (*out != JPKI_REASON_UNSPECIFIED && *out != JPKI_REASON_KEY_COMPROMISE)))
		return jpki_fail(&c->err, JPKI_E_INVALID, "reason: unspecified or keyCompromise");
	return 0;
}

static int revoked_reply(struct api_call *c, const struct jpki_revoke_outcome *o)
{
	json_t *serials = json_array();
	for (int i = 0; serials && i < o->n; i++)
		json_array_append_new(serials, json_string(o->serial[i]));
	c->reply = json_pack("{s:I, s:o}", "case", (json_int_t)o->case_id, "serials", serials);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

static int loss(struct api_call *c)
{
	struct jpki_counter_session s;
	struct jpki_revoke_outcome o;
	jpki_api_counter_session(c, &s);
	int rc = jpki_counter_hold(&s, jpki_api_id(c->body, "resident"), &o, &c->err);
	return rc < 0 ? rc : revoked_reply(c, &o);
}

/* Revocation at the holder's request, or a hold resolved (lift): the same body, two rules. */
static int revoke_like(struct api_call *c, bool lift)
{
	struct jpki_counter_session s;
	struct jpki_revoke_outcome o;
	struct jpki_application a;
	enum jpki_reason reason;
	int rc = jpki_api_application(c, &a);
	if (rc == 0)
		rc = reason_of(c, &reason);
	if (rc < 0)
		return rc;
	jpki_api_counter_session(c, &s);
	rc = lift ? jpki_counter_lift_hold(&s, &a, reason, &o, &c->err)
	          : jpki_counter_revoke(&s, &a, reason, jpki_api_bool(c->body, "delegation"), &o,
	                                &c->err);
	return rc < 0 ? rc : revoked_reply(c, &o);
}

static int revoke_on_request(struct api_call *c)
{
	return revoke_like(c, false);
}

static int lift_hold(struct api_call *c)
{
	return revoke_like(c, true);
}

static int fee_void(struct api_call *c)
{
	struct jpki_counter_session s;
	int64_t id = 0;
	jpki_api_counter_session(c, &s);
	int rc = jpki_counter_fee_void_approved(&s, jpki_api_id(c->body, "receipt"),
	                                        jpki_api_id(c->body, "approval"), &id, &c->err);
	if (rc == 0)
		c->reply = json_pack("{s:I, s:I}", "case", (json_int_t)id, "receipt",
		                     (json_int_t)jpki_api_id(c->body, "receipt"));
	return rc;
}

/* The serials of a body's list (borrowed from it); NULL when out of memory. */
static const char **serials_of(struct api_call *c, size_t *n)
{
	json_t *a = json_object_get(c->body, "serials");
	*n = json_array_size(a);
	const char **v = calloc(*n ? *n : 1, sizeof(*v));
	for (size_t i = 0; v && i < *n; i++)
		v[i] = json_string_value(json_array_get(a, i));
	return v;
}

static int list_digest(struct api_call *c)
{
	size_t n;
	char d[JPKI_LIST_DIGEST_LEN + 1], subject[40];
	const char **v = serials_of(c, &n);
	int rc = !v       ? jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory")
	         : n == 0 ? jpki_fail(&c->err, JPKI_E_INVALID, "a list of at least one serial")
	                  : jpki_serial_list_digest(v, n, d, &c->err);
	free(v);
	if (rc < 0)
		return rc;
	snprintf(subject, sizeof(subject), "list %s", d);
	c->reply = json_pack("{s:s, s:I}", "subject", subject, "count", (json_int_t)n);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

/* Rule M1: a list revoked at once with a supervisor's approval of that list. */
static int mass_revoke(struct api_call *c)
{
	struct jpki_counter_session s;
	struct jpki_revoke_result res;
	enum jpki_reason reason;
	size_t n;
	if (jpki_reason_parse(jpki_api_text(c->body, "reason"), &reason, NULL) < 0 ||
	    reason == JPKI_REASON_HOLD)
		return jpki_fail(&c->err, JPKI_E_INVALID,
		                 "reason: a revocation reason of RFC 5280 (not certificateHold)");
	const char **v = serials_of(c, &n);
	if (!v)
		return jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	jpki_api_counter_session(c, &s);
	int rc = jpki_counter_mass_revoke(&s, v, n, reason, jpki_api_id(c->body, "approval"), &res,
	                                  &c->err);
	free(v);
	if (rc < 0)
		return rc;
	c->reply = json_pack("{s:I, s:I}", "revoked", (json_int_t)res.revoked, "alreadyRevoked",
	                     (json_int_t)res.already_revoked);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

/* Rule A1: a record corrected with a supervisor's approval (the fields the body names). */
static int correct(struct api_call *c)
{
	struct jpki_counter_session s;
	struct jpki_resident next;
	struct jpki_revocations out;
	if (c->param_id <= 0)
		return jpki_fail(&c->err, JPKI_E_NOT_FOUND, "no resident %s", c->param);
	int rc = c->h->st->ops->resident_get(c->h->st, c->param_id, &next, &c->err);
	if (rc < 0)
		return rc;
	const char *v;
	if ((v = jpki_api_text(c->body, "family")))
		snprintf(next.family, sizeof(next.family), "%s", v);
	if ((v = jpki_api_text(c->body, "given")))
		snprintf(next.given, sizeof(next.given), "%s", v);
	if ((v = jpki_api_text(c->body, "address")))
		snprintf(next.address, sizeof(next.address), "%s", v);
	if ((v = jpki_api_text(c->body, "birth")) && jpki_date_parse(v, &next.birth, &c->err) < 0)
		return -JPKI_E_INVALID;
	if ((v = jpki_api_text(c->body, "sex")))
		next.sex = strcmp(v, "male") == 0      ? JPKI_SEX_MALE
		           : strcmp(v, "female") == 0  ? JPKI_SEX_FEMALE
		           : strcmp(v, "unknown") == 0 ? JPKI_SEX_UNKNOWN
		                                       : (enum jpki_sex)0;
	if (next.sex == (enum jpki_sex)0)
		return jpki_fail(&c->err, JPKI_E_INVALID, "sex: male, female or unknown");
	/* the substitution flags follow the characters: a corrected name or address has none */
	if (jpki_api_text(c->body, "family") || jpki_api_text(c->body, "given"))
		next.name_subst[0] = '\0';
	if (jpki_api_text(c->body, "address"))
		next.address_subst[0] = '\0';
	jpki_api_counter_session(c, &s);
	rc = jpki_resident_correct(&s, &next, jpki_api_id(c->body, "approval"), &out, &c->err);
	if (rc < 0)
		return rc;
	json_t *revoked = json_array();
	for (int i = 0; revoked && i < out.n; i++)
		json_array_append_new(revoked, json_string(out.item[i].serial));
	c->reply =
	    json_pack("{s:o, s:o}", "resident", jpki_api_resident_json(&next), "revoked", revoked);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

#define R(r) (unsigned)(JPKI_RIGHT_##r)

const struct api_route jpki_api_counter_routes[] = {
    {"POST", "/api/v1/residents/search", API_SESSION, R(SEARCH), "search", search},
    {"GET", "/api/v1/cases", API_SESSION, R(PROCEDURE) | R(AUDIT), NULL, cases},
    {"GET", "/api/v1/cases/{id}", API_SESSION, R(PROCEDURE) | R(AUDIT), NULL, case_get},
    {"POST", "/api/v1/procedures/loss", API_SESSION, R(PROCEDURE), "loss", loss},
    {"POST", "/api/v1/procedures/revoke", API_SESSION, R(PROCEDURE), "revoke", revoke_on_request},
    {"POST", "/api/v1/procedures/lift-hold", API_SESSION, R(PROCEDURE), "lift-hold", lift_hold},
    {"POST", "/api/v1/procedures/fee-void", API_SESSION, R(PROCEDURE), "fee-void", fee_void},
    {"POST", "/api/v1/procedures/mass-revocation/digest", API_SESSION, R(REQUEST) | R(APPROVE),
     "serial-list", list_digest},
    {"POST", "/api/v1/procedures/mass-revocation", API_SESSION, R(PROCEDURE), "mass-revocation",
     mass_revoke},
    {"POST", "/api/v1/residents/{id}/correct", API_SESSION, R(PROCEDURE), "correction", correct},
    {NULL, NULL, 0, 0, NULL, NULL}};
