/*
 * report.c: reading a verification report, and the report as JSON (the
 * fields of SiVa's validationConclusion) and as text (jpki/verify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/ocsp.h>

#include "sig/report.h"

void jpki_report_free(struct jpki_report *r)
{
	if (!r)
		return;
	X509_free(r->rev.responder);
	free(r);
}

enum jpki_indication jpki_report_indication(const struct jpki_report *r)
{
	return r->ind;
}

const char *jpki_indication_name(enum jpki_indication i)
{
	return i == JPKI_TOTAL_PASSED   ? "TOTAL-PASSED"
	       : i == JPKI_TOTAL_FAILED ? "TOTAL-FAILED"
	                                : "INDETERMINATE";
}

const char *jpki_report_subindication(const struct jpki_report *r)
{
	return r->ind == JPKI_TOTAL_PASSED ? "" : r->sub;
}

int64_t jpki_report_best_time(const struct jpki_report *r, bool *proven)
{
	if (proven)
		*proven = r->time_proven;
	return r->best_time;
}

bool jpki_report_revoked(const struct jpki_report *r, int64_t *when, int *reason)
{
	bool revoked = r->rev_checked && r->rev.status == JPKI_ANSWER_REVOKED;
	if (revoked && when)
		*when = r->rev.revoked_at;
	if (revoked && reason)
		*reason = r->rev.reason;
	return revoked;
}

const char *jpki_report_signer(const struct jpki_report *r, enum jpki_signer_field f)
{
	switch (f) {
	case JPKI_SIGNER_SUBJECT:
		return r->subject;
	case JPKI_SIGNER_NAME:
		return r->facts.name;
	case JPKI_SIGNER_FORMER_SURNAME:
		return r->facts.former;
	case JPKI_SIGNER_ALIAS:
		return r->facts.alias;
	case JPKI_SIGNER_BIRTH:
		return r->facts.birth;
	case JPKI_SIGNER_BIRTH_ERA:
		return r->facts.birth_era;
	case JPKI_SIGNER_SEX:
		return jpki_sex_name(r->facts.sex);
	case JPKI_SIGNER_ADDRESS:
		return r->facts.address;
	}
	return "";
}

static void iso(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *time_or_null(bool has, int64_t t)
{
	char buf[32];
	if (!has)
		return json_null();
	iso(t, buf);
	return json_string(buf);
}

static json_t *messages(const char (*m)[256], size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s}", "content", m[i]));
	return a;
}

static json_t *signer_json(const struct jpki_report *r)
{
	const struct jpki_facts *f = &r->facts;
	if (!f->present)
		return json_pack("{s:s}", "subject", r->subject);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "subject", r->subject, "name",
	                      f->name, "dateOfBirth", f->birth, "dateOfBirthJapanese", f->birth_era,
	                      "sex", jpki_sex_name(f->sex), "address", f->address);
	if (f->former[0])
		json_object_set_new(o, "formerSurname", json_string(f->former));
	if (f->alias[0])
		json_object_set_new(o, "alias", json_string(f->alias));
	return o;
}

static json_t *certs_json(const struct jpki_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->n_certs; i++) {
		const struct jpki_report_cert *c = &r->certs[i];
		char nb[32], na[32];
		iso(c->not_before, nb), iso(c->not_after, na);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", c->role,
		                                   "subject", c->subject, "serialNumber", c->serial,
		                                   "notBefore", nb, "notAfter", na));
	}
	return a;
}

static json_t *revocation_json(const struct jpki_report *r)
{
	const struct jpki_status_info *s = &r->rev;
	if (!r->rev_checked)
		return json_null();
	static const char *names[] = {"good", "revoked", "unknown"};
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:o}", "status", names[s->status], "source", s->source,
	              "from", r->rev_from, "producedAt", time_or_null(true, s->produced_at));
	if (s->status == JPKI_ANSWER_REVOKED) {
		json_object_set_new(o, "revocationTime", time_or_null(true, s->revoked_at));
		if (s->invalid_at > 0 && s->invalid_at < s->revoked_at)
			json_object_set_new(o, "invalidityDate", time_or_null(true, s->invalid_at));
		json_object_set_new(
		    o, "reason",
		    json_string(s->reason < 0 ? "unspecified" : OCSP_crl_reason_str(s->reason)));
	}
	return o;
}

char *jpki_report_json(const struct jpki_report *r)
{
	char vt[32];
	iso(r->validation_time, vt);
	json_t *sig = json_pack(
	    "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "signatureFormat", r->level,
	    "signatureLevel", r->level, "indication", jpki_indication_name(r->ind), "subIndication",
	    jpki_report_subindication(r), "claimedSigningTime",
	    time_or_null(r->has_claimed, r->claimed_time), "info",
	    json_pack("{s:o, s:b, s:o}", "bestSignatureTime", time_or_null(true, r->best_time),
	              "bestSignatureTimeProven", r->time_proven, "timestampCreationTime",
	              time_or_null(r->time_proven, r->best_time)),
	    "signedBy", signer_json(r), "certificates", certs_json(r), "revocation",
	    revocation_json(r), "errors", messages(r->errors, r->n_errors), "warnings",
	    messages(r->warnings, r->n_warnings));
	if (!sig)
		return NULL;
	if (r->rev_checked && r->rev.source[0] && strcmp(r->rev.source, "OCSP") == 0)
		json_object_set_new(json_object_get(sig, "info"), "ocspResponseCreationTime",
		                    time_or_null(true, r->rev.produced_at));
	json_t *doc = json_pack("{s:{s:s, s:i, s:i, s:[o]}}", "validationConclusion",
	                        "validationTime", vt, "signaturesCount", 1, "validSignaturesCount",
	                        r->ind == JPKI_TOTAL_PASSED ? 1 : 0, "signatures", sig);
	char *out = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return out;
}

char *jpki_report_text(const struct jpki_report *r)
{
	char *buf = NULL, t[32];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "indication: %s%s%s\nformat: %s\n", jpki_indication_name(r->ind),
	        r->ind == JPKI_TOTAL_PASSED ? "" : " / ", jpki_report_subindication(r), r->level);
	iso(r->best_time, t);
	fprintf(f, "best signature time: %s (%s)\n", t,
	        r->time_proven ? "proven by a time-stamp" : "unproven: the validation time");
	if (r->has_claimed)
		iso(r->claimed_time, t), fprintf(f, "claimed signing time: %s (unproven)\n", t);
	if (r->tsa[0])
		fprintf(f, "time-stamped by: %s\n", r->tsa);
	if (r->subject[0])
		fprintf(f, "signer: %s\n", r->subject);
	if (r->facts.present) {
		fprintf(f, "  name: %s\n", r->facts.name);
		if (r->facts.former[0])
			fprintf(f, "  former surname: %s\n", r->facts.former);
		if (r->facts.alias[0])
			fprintf(f, "  alias: %s\n", r->facts.alias);
		fprintf(f, "  date of birth: %s (%s)\n  sex: %s\n  address: %s\n", r->facts.birth,
		        r->facts.birth_era, jpki_sex_name(r->facts.sex), r->facts.address);
	}
	if (r->rev_checked) {
		fprintf(f, "revocation: %s by %s (%s)",
		        r->rev.status == JPKI_ANSWER_GOOD      ? "good"
		        : r->rev.status == JPKI_ANSWER_REVOKED ? "revoked"
		                                               : "unknown",
		        r->rev.source, r->rev_from);
		if (r->rev.status == JPKI_ANSWER_REVOKED) {
			iso(r->rev.revoked_at, t);
			fprintf(f, " on %s, reason %s", t,
			        r->rev.reason < 0 ? "unspecified"
			                          : OCSP_crl_reason_str(r->rev.reason));
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->n_errors; i++)
		fprintf(f, "error: %s\n", r->errors[i]);
	for (size_t i = 0; i < r->n_warnings; i++)
		fprintf(f, "warning: %s\n", r->warnings[i]);
	fclose(f);
	return buf;
}
