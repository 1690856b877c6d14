/*
 * validity.c: rule C4 and the "Validity" section of docs/rules.md.
 */
#include "validity.h"

struct jpki_date jpki_birthday_in_year(struct jpki_date birth, int year)
{
	struct jpki_date b = {year, birth.m, birth.d};
	if (b.m == 2 && b.d == 29 && !jpki_is_leap(year))
		b.d = 28; /* Civil Code art. 143(2): the last day of the month */
	return b;
}

struct jpki_date jpki_nth_birthday_after(struct jpki_date birth, struct jpki_date day, int n)
{
	int year = day.y;
	/* 発行の日後: a birthday on the issue date itself does not count */
	if (jpki_date_cmp(jpki_birthday_in_year(birth, year), day) <= 0)
		year++;
	return jpki_birthday_in_year(birth, year + n - 1);
}

int jpki_age_on(struct jpki_date birth, struct jpki_date day)
{
	int age = day.y - birth.y;
	if (jpki_date_cmp(jpki_birthday_in_year(birth, day.y), day) > 0)
		age--;
	return age;
}

int64_t jpki_renewal_window_start(int64_t not_after)
{
	/* rule N1: from 3 months before the expiry date, 00:00 JST (docs/validity.md) */
	struct jpki_date start = jpki_date_add_months(jpki_jst_date(not_after), -3);
	return jpki_jst_end_of_day(start) - 86399;
}

bool jpki_in_renewal_window(int64_t now, int64_t not_after)
{
	return now >= jpki_renewal_window_start(not_after) && now <= not_after;
}

static void cap_at(int64_t *na, enum jpki_validity_cap *which, int64_t bound,
                   enum jpki_validity_cap why)
{
	if (bound < *na) {
		*na = bound;
		*which = why;
	}
}

int jpki_validity_compute(const struct jpki_validity_req *req, int64_t *ret_not_after,
                          enum jpki_validity_cap *cap, struct jpki_err *err)
{
	struct jpki_date issue = jpki_jst_date(req->now);
	if (!jpki_date_valid(req->birth) || jpki_date_cmp(req->birth, issue) > 0)
		return jpki_fail(err, JPKI_E_BAD_DATE,
		                 "the date of birth lies after the issue date");
	/* rule C4; renewal inside the N1 window runs to the 6th birthday */
	int nth = req->renewal ? 6 : 5;
	int64_t na = jpki_jst_end_of_day(jpki_nth_birthday_after(req->birth, issue, nth));
	enum jpki_validity_cap which = JPKI_CAP_BIRTHDAY;
	if (req->has_card_expiry)
		cap_at(&na, &which, jpki_jst_end_of_day(req->card_expiry), JPKI_CAP_CARD);
	if (req->kind == JPKI_KIND_SIGN && req->has_auth_cap)
		cap_at(&na, &which, req->auth_not_after, JPKI_CAP_AUTH);
	if (req->has_residence_end)
		cap_at(&na, &which, jpki_jst_end_of_day(req->residence_end), JPKI_CAP_RESIDENCE);
	if (na <= req->now) {
		static const char *const what[] = {"birthday", "card has expired",
		                                   "authentication certificate has expired",
		                                   "residence period has ended"};
		return jpki_fail(err, JPKI_E_NOT_ELIGIBLE, "cannot issue: the %s", what[which]);
	}
	*ret_not_after = na;
	if (cap)
		*cap = which;
	return 0;
}
