/* search.c: resident searches with a purpose, audited (search.h, rule S1). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "case.h"
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
