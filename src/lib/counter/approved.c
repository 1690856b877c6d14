/* approved.c: corrections and mass revocations on a supervisor's approval (approved.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "approved.h"
#include "case.h"
#include "operator/approval.h"

/*
 * After a transaction that the approval refused (DENIED, rolled back): the
 * refusal as an entry of its own, committed, and REFUSED naming rule.
 */
static int refused_use(const struct jpki_counter_session *s, int64_t resident_id,
                       const char *action, const char *rule, const char *detail,
                       struct jpki_err *err)
{
	char why[sizeof(err->msg)];
	snprintf(why, sizeof(why), "%s", err->msg);
	int rc = s->st->ops->begin(s->st, err);
	if (rc == 0)
		rc = jpki_audit_note_tx(s, 0, resident_id, action,
		                        &(struct jpki_case_note){"", "refused", rule, "", detail},
		                        err);
	if (rc == 0 && (rc = s->st->ops->commit(s->st, err)) == 0)
		return jpki_fail(err, JPKI_E_REFUSED, "refused (rule %s): %s", rule, why);
	s->st->ops->rollback(s->st);
	return rc;
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
	char detail[64];
	snprintf(detail, sizeof(detail), "approval=%lld", (long long)approval);
	return refused_use(s, next->id, "resident.correct", "A1", detail, err);
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
	if (rc == 0 && reason == JPKI_REASON_HOLD) /* a hold is a loss report's, one resident's */
		rc = jpki_fail(err, JPKI_E_INVALID,
		               "a mass revocation's reason is a revocation reason of RFC 5280, "
		               "not certificateHold");
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
	char detail[80];
	snprintf(detail, sizeof(detail), "approval=%lld; list=%s", (long long)approval, digest);
	return refused_use(s, 0, "mass-revocation", "M1", detail, err);
}
