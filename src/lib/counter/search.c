/* search.c: resident searches with a purpose, audited (search.h, rule S1). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "case.h"
#include "operator/approval.h"
#include "operator/operator.h"
#include "search.h"

static const char *const purposes[JPKI_PURPOSE_COUNT] = {
    [JPKI_PURPOSE_APPLICATION] = "application",
    [JPKI_PURPOSE_LOSS] = "loss",
    [JPKI_PURPOSE_INQUIRY] = "inquiry",
    [JPKI_PURPOSE_CORRECTION] = "correction",
};

const char *jpki_search_purpose_name(enum jpki_search_purpose p)
{
	return (unsigned)p < JPKI_PURPOSE_COUNT ? purposes[p] : "?";
}

bool jpki_search_purpose_parse(const char *s, enum jpki_search_purpose *out)
{
	for (int p = 0; s && p < JPKI_PURPOSE_COUNT; p++)
		if (strcmp(s, purposes[p]) == 0) {
			*out = (enum jpki_search_purpose)p;
			return true;
		}
	return false;
}

struct found {
	struct jpki_resident *out;
	size_t n;
	bool more;
};

static int take(const struct jpki_resident *r, void *arg)
{
	struct found *f = arg;
	if (f->n == JPKI_SEARCH_MAX) {
		f->more = true;
		return 1; /* stop */
	}
	f->out[f->n++] = *r;
	return 0;
}

static int query_check(const struct jpki_resident_query *q, struct jpki_err *err)
{
	if (q->id > 0)
		return q->family || q->given || q->has_birth
		           ? jpki_fail(err, JPKI_E_INVALID, "search by id, or by name: not both")
		           : 0;
	if (!q->family || !jpki_operator_text_ok(q->family, JPKI_NAME_MAX - 1))
		return jpki_fail(err, JPKI_E_INVALID, "a family name (or a record id) is needed");
	if (q->given && !jpki_operator_text_ok(q->given, JPKI_NAME_MAX - 1))
		return jpki_fail(err, JPKI_E_INVALID, "the given name is 1 to %d bytes of text",
		                 JPKI_NAME_MAX - 1);
	return 0;
}

static int find(const struct jpki_counter_session *s, const struct jpki_resident_query *q,
                struct found *f, struct jpki_err *err)
{
	if (q->id > 0) {
		int rc = s->st->ops->resident_get(s->st, q->id, &f->out[0], err);
		if (rc == -JPKI_E_NOT_FOUND)
			return 0;
		f->n = rc == 0;
		return rc;
	}
	char birth[11];
	if (q->has_birth)
		jpki_date_format(q->birth, birth);
	int rc = s->st->ops->resident_find(s->st, q->family, q->given, q->has_birth ? birth : NULL,
	                                   JPKI_SEARCH_MAX + 1, take, f, err);
	return rc > 0 ? 0 : rc;
}

/* "purpose=...; by=...; shown=1,2,3" (the records the search showed). */
static void describe(enum jpki_search_purpose p, const struct jpki_resident_query *q,
                     const struct found *f, char *detail, size_t cap)
{
	detail[0] = '\0';
	jpki_detail_add(detail, cap, "purpose", "%s", purposes[p]);
	jpki_detail_add(detail, cap, "by", "%s%s%s", q->id > 0 ? "id" : "family",
	                q->given ? ",given" : "", q->has_birth ? ",birth" : "");
	char shown[400] = "";
	size_t len = 0;
	for (size_t i = 0; i < f->n && len < sizeof(shown); i++)
		len += (size_t)snprintf(shown + len, sizeof(shown) - len, "%s%" PRId64,
		                        i ? "," : "", f->out[i].id);
	jpki_detail_add(detail, cap, "shown", "%s%s", f->n ? shown : "none",
	                f->more ? ",more" : "");
}

int jpki_resident_search(const struct jpki_counter_session *s, enum jpki_search_purpose purpose,
                         const struct jpki_resident_query *q,
                         struct jpki_resident out[JPKI_SEARCH_MAX], size_t *n, bool *more,
                         struct jpki_err *err)
{
	struct found f = {out, 0, false};
	*n = 0;
	*more = false;
	int rc = jpki_counter_session_check(s, err);
	if (rc < 0)
		return rc;
	if ((unsigned)purpose >= JPKI_PURPOSE_COUNT)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a search needs its purpose (rule S1): application, loss, "
		                 "inquiry or correction");
	if ((rc = query_check(q, err)) < 0)
		return rc;
	char detail[JPKI_DETAIL_MAX];
	if ((rc = s->st->ops->begin(s->st, err)) < 0)
		return rc;
	rc = find(s, q, &f, err);
	if (rc == 0) {
		describe(purpose, q, &f, detail, sizeof(detail));
		rc =
		    jpki_audit_note_tx(s, 0, f.n == 1 ? f.out[0].id : 0, "resident.search",
		                       &(struct jpki_case_note){"", "done", "S1", "", detail}, err);
	}
	if (rc == 0)
		rc = s->st->ops->commit(s->st, err);
	if (rc < 0) {
		s->st->ops->rollback(s->st);
		return rc;
	}
	*n = f.n;
	*more = f.more;
	return 0;
}

/* "family,address" for the fields that differ between old and next. */
static void changed_fields(const struct jpki_resident *old, const struct jpki_resident *next,
                           char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
#define FIELD(cond, name)                                                                          \
	if ((cond) && n < cap)                                                                     \
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", name);
	FIELD(strcmp(old->family, next->family) != 0, "family")
	FIELD(strcmp(old->given, next->given) != 0, "given")
	FIELD(strcmp(old->address, next->address) != 0, "address")
	FIELD(jpki_date_cmp(old->birth, next->birth) != 0, "birth")
	FIELD(old->sex != next->sex, "sex")
#undef FIELD
	if (!n)
		snprintf(out, cap, "none");
}

static int correct_tx(const struct jpki_counter_session *s, const struct jpki_resident *next,
                      int64_t approval, struct jpki_revocations *out, struct jpki_err *err)
{
	struct jpki_resident old;
	char subject[40], approver[33], fields[80], detail[JPKI_DETAIL_MAX];
	snprintf(subject, sizeof(subject), "resident %lld", (long long)next->id);
	int rc = s->st->ops->resident_get(s->st, next->id, &old, err);
	if (rc == 0)
		rc = jpki_approval_use_tx(s->st, approval, JPKI_APPROVAL_CORRECTION, subject,
		                          s->operator_id, s->now, approver, err);
	if (rc == 0)
		rc = jpki_resident_change_tx(s->st, next, s->now, out, err);
	if (rc < 0)
		return rc;
	changed_fields(&old, next, fields, sizeof(fields));
	detail[0] = '\0';
	jpki_detail_add(detail, sizeof(detail), "approval", "%lld", (long long)approval);
	jpki_detail_add(detail, sizeof(detail), "approved by", "%s", approver);
	jpki_detail_add(detail, sizeof(detail), "fields", "%s", fields);
	for (int i = 0; i < out->n; i++)
		jpki_detail_add(detail, sizeof(detail), "revoked", "%s %s (%s)",
		                jpki_kind_name(out->item[i].kind), out->item[i].serial,
		                jpki_reason_name(out->item[i].reason));
	return jpki_audit_note_tx(s, 0, next->id, "resident.correct",
	                          &(struct jpki_case_note){"", "done", "A1", "", detail}, err);
}

int jpki_resident_correct(const struct jpki_counter_session *s, const struct jpki_resident *next,
                          int64_t approval, struct jpki_revocations *out, struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = jpki_counter_session_check(s, err);
	if (rc < 0 || (rc = s->st->ops->begin(s->st, err)) < 0)
		return rc;
	rc = correct_tx(s, next, approval, out, err);
	if (rc == 0 && (rc = s->st->ops->commit(s->st, err)) == 0)
		return 0;
	s->st->ops->rollback(s->st);
	memset(out, 0, sizeof(*out));
	if (rc != -JPKI_E_DENIED)
		return rc;
	/* the approval does not allow it: the refusal is an entry of its own */
	char why[sizeof(err->msg)], detail[200];
	snprintf(why, sizeof(why), "%s", err->msg);
	snprintf(detail, sizeof(detail), "approval=%lld", (long long)approval);
	if ((rc = s->st->ops->begin(s->st, err)) == 0 &&
	    (rc = jpki_audit_note_tx(s, 0, next->id, "resident.correct",
	                             &(struct jpki_case_note){"", "refused", "A1", "", detail},
	                             err)) == 0 &&
	    (rc = s->st->ops->commit(s->st, err)) == 0)
		return jpki_fail(err, JPKI_E_REFUSED, "refused (rule A1): %s", why);
	s->st->ops->rollback(s->st);
	return rc;
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int jpki_serial_list_digest(const char *const *serials, size_t n,
                            char out[JPKI_LIST_DIGEST_LEN + 1], struct jpki_err *err)
{
	const char **sorted = n ? malloc(n * sizeof(*sorted)) : NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t h[32];
	unsigned int hl = sizeof(h);
	int ok = (sorted || !n) && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	if (ok && n) {
		memcpy(sorted, serials, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_text);
	}
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(md, sorted[i], strlen(sorted[i])) == 1 &&
		     EVP_DigestUpdate(md, "\n", 1) == 1;
	ok = ok && EVP_DigestFinal_ex(md, h, &hl) == 1;
	EVP_MD_CTX_free(md);
	free(sorted);
	if (!ok)
		return jpki_fail(err, JPKI_E_CRYPTO, "SHA-256");
	for (int i = 0; i < JPKI_LIST_DIGEST_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}

static int mass_tx(const struct jpki_counter_session *s, const char *const *serials, size_t n,
                   enum jpki_reason reason, int64_t approval, const char *digest,
                   struct jpki_revoke_result *res, struct jpki_err *err)
{
	char subject[40], approver[33], detail[JPKI_DETAIL_MAX];
	snprintf(subject, sizeof(subject), "list %s", digest);
	int rc = jpki_approval_use_tx(s->st, approval, JPKI_APPROVAL_MASS_REVOCATION, subject,
	                              s->operator_id, s->now, approver, err);
	if (rc == 0)
		rc = jpki_revoke_serials_tx(s->st, serials, n, reason, s->now, res, err);
	if (rc < 0)
		return rc;
	detail[0] = '\0';
	jpki_detail_add(detail, sizeof(detail), "approval", "%lld", (long long)approval);
	jpki_detail_add(detail, sizeof(detail), "approved by", "%s", approver);
	jpki_detail_add(detail, sizeof(detail), "list", "%s", digest);
	jpki_detail_add(detail, sizeof(detail), "reason", "%s", jpki_reason_name(reason));
	jpki_detail_add(detail, sizeof(detail), "revoked", "%zu", res->revoked);
	jpki_detail_add(detail, sizeof(detail), "already", "%zu", res->already_revoked);
	return jpki_audit_note_tx(s, 0, 0, "mass-revocation",
	                          &(struct jpki_case_note){"", "done", "M1", "", detail}, err);
}

int jpki_counter_mass_revoke(const struct jpki_counter_session *s, const char *const *serials,
                             size_t n, enum jpki_reason reason, int64_t approval,
                             struct jpki_revoke_result *res, struct jpki_err *err)
{
	char digest[JPKI_LIST_DIGEST_LEN + 1];
	memset(res, 0, sizeof(*res));
	int rc = jpki_counter_session_check(s, err);
	if (rc == 0 && n == 0)
		rc = jpki_fail(err, JPKI_E_INVALID, "a list of at least one serial");
	if (rc == 0)
		rc = jpki_serial_list_digest(serials, n, digest, err);
	if (rc < 0 || (rc = s->st->ops->begin(s->st, err)) < 0)
		return rc;
	rc = mass_tx(s, serials, n, reason, approval, digest, res, err);
	if (rc == 0 && (rc = s->st->ops->commit(s->st, err)) == 0)
		return 0;
	s->st->ops->rollback(s->st);
	memset(res, 0, sizeof(*res));
	if (rc != -JPKI_E_DENIED)
		return rc;
	char why[sizeof(err->msg)], detail[200];
	snprintf(why, sizeof(why), "%s", err->msg);
	snprintf(detail, sizeof(detail), "approval=%lld; list=%s", (long long)approval, digest);
	if ((rc = s->st->ops->begin(s->st, err)) == 0 &&
	    (rc = jpki_audit_note_tx(s, 0, 0, "mass-revocation",
	                             &(struct jpki_case_note){"", "refused", "M1", "", detail},
	                             err)) == 0 &&
	    (rc = s->st->ops->commit(s->st, err)) == 0)
		return jpki_fail(err, JPKI_E_REFUSED, "refused (rule M1): %s", why);
	s->st->ops->rollback(s->st);
	return rc;
}
