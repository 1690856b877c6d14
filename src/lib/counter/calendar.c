/*
 * calendar.c: weekdays and Japan's national holidays.
 *
 * The Act on National Holidays (国民の祝日に関する法律) as it stands since
 * 2020: fixed days, "Happy Monday" days (the n-th Monday of a month), the
 * equinox days, a substitute holiday (振替休日) on the first following
 * weekday when a holiday falls on a Sunday, and a citizens' holiday (国民の
 * 休日) on a weekday between two holidays.  The equinoxes use the usual
 * approximation for 1980-2099 (the official dates are announced a year
 * ahead by the National Astronomical Observatory; the two agree for
 * 2000-2099 as far as published).  The one-off days of 2019-2021 are not
 * modelled: the counter works on today and after.
 */
#include "calendar.h"

int jpki_weekday(struct jpki_date d)
{
	int64_t days = jpki_date_to_days(d); /* 1970-01-01 was a Thursday */
	int w = (int)((days % 7 + 7 + 4) % 7);
	return w;
}

static struct jpki_date nth_monday(int y, int m, int n)
{
	struct jpki_date first = {y, m, 1};
	int w = jpki_weekday(first);
	int day = 1 + (8 - w) % 7 + 7 * (n - 1);
	return (struct jpki_date){y, m, day};
}

static int equinox(int y, double base)
{
	return (int)(base + 0.242194 * (y - 1980) - (double)((y - 1980) / 4));
}

/* A holiday by the Act's list itself (no substitute or in-between days). */
static bool listed(struct jpki_date d)
{
	int y = d.y, m = d.m, day = d.d;
	static const struct {
		int m, d;
	} fixed[] = {{1, 1}, {2, 11}, {2, 23}, {4, 29}, {5, 3},
	             {5, 4}, {5, 5},  {8, 11}, {11, 3}, {11, 23}};
	for (unsigned i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i].m == m && fixed[i].d == day)
			return true;
	static const struct {
		int m, n;
	} mondays[] = {{1, 2}, {7, 3}, {9, 3}, {10, 2}}; /* 成人, 海の, 敬老, スポーツ */
	for (unsigned i = 0; i < sizeof(mondays) / sizeof(mondays[0]); i++)
		if (mondays[i].m == m && nth_monday(y, m, mondays[i].n).d == day)
			return true;
	if (m == 3 && day == equinox(y, 20.8431))
		return true;
	if (m == 9 && day == equinox(y, 23.2488))
		return true;
	return false;
}

static struct jpki_date shift(struct jpki_date d, int n)
{
	return jpki_date_from_days(jpki_date_to_days(d) + n);
}

bool jpki_national_holiday(struct jpki_date d)
{
	if (d.y < 2000 || d.y > 2099)
		return false;
	if (listed(d))
		return true;
	/* 振替休日: the first day after a run of holidays that began on a Sunday */
	if (jpki_weekday(d) != 0) {
		struct jpki_date p = shift(d, -1);
		while (listed(p)) {
			if (jpki_weekday(p) == 0)
				return true;
			p = shift(p, -1);
		}
	}
	/* 国民の休日: a day (not a Sunday) between two holidays */
	return jpki_weekday(d) != 0 && listed(shift(d, -1)) && listed(shift(d, 1));
}

void jpki_jst_split(int64_t t, struct jpki_date *day, int *minute)
{
	int64_t local = t + JPKI_JST_OFFSET;
	int64_t secs = ((local % 86400) + 86400) % 86400;
	*day = jpki_jst_date(t);
	*minute = (int)(secs / 60);
}
