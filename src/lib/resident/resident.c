/*
 * resident.c: resident records and the revocations their changes cause.
 */
#include <string.h>

#include "ca/names.h"
#include "resident.h"

/* Nobody is born after today (in Japan); `now` from the settable clock. */
static int check_birth_past(const struct jpki_resident *r, int64_t now, struct jpki_err *err)
{
	if (jpki_date_cmp(r->birth, jpki_jst_date(now)) > 0)
		return jpki_fail(err, JPKI_E_BAD_DATE, "the date of birth lies in the future");
	return 0;
}

int jpki_resident_add(struct jpki_store *st, struct jpki_resident *r, struct jpki_err *err)
{
	int64_t now;
	int rc = jpki_resident_check(r, err);
	if (rc < 0 || (rc = jpki_ctx_now(st->ctx, &now, err)) < 0 ||
	    (rc = check_birth_past(r, now, err)) < 0)
		return rc;
	if (r->status != JPKI_RESIDENT)
		return jpki_fail(err, JPKI_E_INVALID, "a new record must have status resident");
	return st->ops->resident_insert(st, r, err);
}

static bool facts_changed(const struct jpki_resident *a, const struct jpki_resident *b)
{
	return strcmp(a->family, b->family) || strcmp(a->given, b->given) ||
	       strcmp(a->name_subst, b->name_subst) ||
	       strcmp(a->former_surname, b->former_surname) || strcmp(a->alias, b->alias) ||
	       strcmp(a->address, b->address) || strcmp(a->address_subst, b->address_subst) ||
	       jpki_date_cmp(a->birth, b->birth) || a->sex != b->sex;
}

static bool same_record(const struct jpki_resident *a, const struct jpki_resident *b)
{
	return !facts_changed(a, b) && a->adult_ward == b->adult_ward && a->status == b->status &&
	       a->has_residence_end == b->has_residence_end &&
	       (!a->has_residence_end || jpki_date_cmp(a->residence_end, b->residence_end) == 0);
}

static int revoke_current(struct jpki_store *st, int64_t resident, enum jpki_kind kind,
                          enum jpki_reason reason, int64_t now, struct jpki_revocations *out,
                          struct jpki_err *err)
{
	struct jpki_cert_rec cur;
	int rc = st->ops->cert_current(st, resident, kind, now, &cur, err);
	if (rc == -JPKI_E_NOT_FOUND) {
		jpki_err_clear(err);
		return 0;
	}
	if (rc < 0 || (rc = st->ops->cert_revoke(st, cur.serial, now, reason, err)) < 0)
		return rc;
	out->item[out->n].kind = kind;
	out->item[out->n].reason = reason;
	memcpy(out->item[out->n].serial, cur.serial, sizeof(cur.serial));
	out->n++;
	return 0;
}

static int apply_change(struct jpki_store *st, const struct jpki_resident *next, int64_t now,
                        struct jpki_revocations *out, struct jpki_err *err)
{
	struct jpki_resident old;
	int rc = st->ops->resident_get(st, next->id, &old, err);
	if (rc < 0)
		return rc;
	if (same_record(&old, next))
		return 0; /* idempotent: the event was already applied */
	out->changed = true;
	if (old.status == JPKI_RESIDENT && next->status != JPKI_RESIDENT) {
		if ((rc = revoke_current(st, next->id, JPKI_KIND_SIGN, JPKI_REASON_CESSATION, now,
		                         out, err)) < 0 ||
		    (rc = revoke_current(st, next->id, JPKI_KIND_AUTH, JPKI_REASON_CESSATION, now,
		                         out, err)) < 0)
			return rc;
	} else if (facts_changed(&old, next)) { /* rule C5 */
		rc = revoke_current(st, next->id, JPKI_KIND_SIGN, JPKI_REASON_AFFILIATION_CHANGED,
		                    now, out, err);
	} else if (!old.adult_ward && next->adult_ward) { /* rule E2 */
		rc = revoke_current(st, next->id, JPKI_KIND_SIGN, JPKI_REASON_CESSATION, now, out,
		                    err);
	}
	if (rc < 0)
		return rc;
	return st->ops->resident_update(st, next, err);
}

int jpki_resident_change_tx(struct jpki_store *st, const struct jpki_resident *next, int64_t now,
                            struct jpki_revocations *out, struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = jpki_resident_check(next, err);
	if (rc == 0)
		rc = check_birth_past(next, now, err);
	return rc < 0 ? rc : apply_change(st, next, now, out, err);
}

int jpki_resident_change(struct jpki_store *st, const struct jpki_resident *next, int64_t now,
                         struct jpki_revocations *out, struct jpki_err *err)
{
	struct jpki_revocations local;
	if (!out)
		out = &local;
	memset(out, 0, sizeof(*out));
	int rc = jpki_resident_check(next, err);
	if (rc == 0)
		rc = check_birth_past(next, now, err);
	if (rc < 0 || (rc = st->ops->begin(st, err)) < 0)
		return rc;
	if ((rc = apply_change(st, next, now, out, err)) < 0 ||
	    (rc = st->ops->commit(st, err)) < 0) {
		st->ops->rollback(st);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return 0;
}
