/*
 * date.c: proleptic-Gregorian calendar arithmetic and the settable clock.
 *
 * Day numbers use the usual era decomposition (400-year cycles of 146097
 * days, years starting in March so the leap day is last), which keeps the
 * conversion exact for any date we accept without tables or libc time zones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jpki/date.h"
#include "cursor.h"

bool jpki_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int jpki_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && jpki_is_leap(y) ? 29 : days[m - 1];
}

bool jpki_date_valid(struct jpki_date d)
{
	return d.y >= 1800 && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
	       d.d <= jpki_days_in_month(d.y, d.m);
}

int64_t jpki_date_to_days(struct jpki_date d)
{
	int64_t y = d.y - (d.m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d.m + 9) % 12; /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d.d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct jpki_date jpki_date_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct jpki_date r;
	r.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	r.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	r.y = (int)(yoe + era * 400 + (r.m <= 2));
	return r;
}

int jpki_date_cmp(struct jpki_date a, struct jpki_date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

struct jpki_date jpki_date_add_months(struct jpki_date d, int n)
{
	int idx = d.y * 12 + (d.m - 1) + n;
	struct jpki_date r = {idx / 12, idx % 12 + 1, d.d};
	int last = jpki_days_in_month(r.y, r.m);
	if (r.d > last)
		r.d = last;
	return r;
}

static bool parse_ymd(struct jpki_cur *c, struct jpki_date *d)
{
	return jpki_cur_digits(c, 4, &d->y) && jpki_cur_expect(c, '-') &&
	       jpki_cur_digits(c, 2, &d->m) && jpki_cur_expect(c, '-') &&
	       jpki_cur_digits(c, 2, &d->d);
}

int jpki_date_parse(const char *s, struct jpki_date *out, struct jpki_err *err)
{
	struct jpki_date d;
	if (!s)
		return jpki_fail(err, JPKI_E_BAD_DATE, "missing date");
	struct jpki_cur c = jpki_cur_make(s, strnlen(s, 64));
	if (!parse_ymd(&c, &d) || !jpki_cur_done(&c))
		return jpki_fail(err, JPKI_E_BAD_DATE,
		                 "'%.40s' is not a date of the form YYYY-MM-DD", s);
	if (!jpki_date_valid(d))
		return jpki_fail(err, JPKI_E_BAD_DATE, "%.40s is not a day of the calendar", s);
	*out = d;
	return 0;
}

void jpki_date_format(struct jpki_date d, char buf[static 11])
{
	char tmp[48];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", d.y, d.m, d.d);
	memcpy(buf, tmp, 10);
	buf[10] = '\0';
}

int jpki_time_parse(const char *s, int64_t *out, struct jpki_err *err)
{
	struct jpki_date d;
	int hh, mi, ss, oh = 0, om = 0, sign = 0;
	uint8_t z;
	if (!s)
		return jpki_fail(err, JPKI_E_BAD_DATE, "missing time");
	struct jpki_cur c = jpki_cur_make(s, strnlen(s, 64));
	bool ok = parse_ymd(&c, &d) && jpki_cur_expect(&c, 'T') && jpki_cur_digits(&c, 2, &hh) &&
	          jpki_cur_expect(&c, ':') && jpki_cur_digits(&c, 2, &mi) &&
	          jpki_cur_expect(&c, ':') && jpki_cur_digits(&c, 2, &ss) && jpki_cur_u8(&c, &z);
	if (ok && z != 'Z') {
		sign = z == '+' ? 1 : z == '-' ? -1 : 0;
		ok = sign != 0 && jpki_cur_digits(&c, 2, &oh) && jpki_cur_expect(&c, ':') &&
		     jpki_cur_digits(&c, 2, &om);
	}
	if (!ok || !jpki_cur_done(&c))
		return jpki_fail(err, JPKI_E_BAD_DATE,
		                 "'%.40s' is not a time like 2026-11-26T10:00:00+09:00", s);
	if (!jpki_date_valid(d) || hh > 23 || mi > 59 || ss > 59 || oh > 14 || om > 59)
		return jpki_fail(err, JPKI_E_BAD_DATE, "%.40s is not a valid instant", s);
	int64_t t = jpki_date_to_days(d) * 86400 + hh * 3600 + mi * 60 + ss;
	t -= sign * (oh * 3600 + om * 60);
	/* the offset can push the day in Japan out of the range every date obeys */
	if (!jpki_date_valid(jpki_jst_date(t)))
		return jpki_fail(err, JPKI_E_BAD_DATE,
		                 "%.40s falls outside the years 1800 to 9999 in Japan", s);
	*out = t;
	return 0;
}

struct jpki_date jpki_jst_date(int64_t t)
{
	int64_t local = t + JPKI_JST_OFFSET;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	return jpki_date_from_days(days);
}

void jpki_time_format_jst(int64_t t, char buf[static 26])
{
	struct jpki_date d = jpki_jst_date(t);
	int64_t local = t + JPKI_JST_OFFSET;
	int64_t sod = local - jpki_date_to_days(d) * 86400;
	char tmp[96];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d+09:00", d.y, d.m, d.d,
	         (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	memcpy(buf, tmp, 25);
	buf[25] = '\0';
}

int64_t jpki_jst_end_of_day(struct jpki_date d)
{
	return jpki_date_to_days(d) * 86400 + 86399 - JPKI_JST_OFFSET;
}
