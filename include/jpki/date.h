/*
 * jpki/date.h: calendar dates and instants.
 *
 * Every validity rule of JPKI is stated in calendar days in Japan (JST,
 * UTC+9, no daylight saving), so dates are plain proleptic-Gregorian
 * (y, m, d) triples and instants are seconds since the Unix epoch (int64_t).
 *
 * The clock is the context's (jpki/ctx.h: the system clock, or a fixed
 * instant to replay a day; the jpki program takes it from JPKI_NOW).
 */
#ifndef JPKI_DATE_H
#define JPKI_DATE_H

#include "jpki/api.h"

#include <stdbool.h>
#include <stdint.h>

#include "jpki/error.h"

#define JPKI_JST_OFFSET (9 * 3600)

struct jpki_date {
	int y, m, d;
};

/* True when y-m-d names a real day between 1800-01-01 and 9999-12-31. */
JPKI_API bool jpki_date_valid(struct jpki_date d);
/* Days in month m of year y (1..12), 0 when m is out of range. */
JPKI_API int jpki_days_in_month(int y, int m);
JPKI_API bool jpki_is_leap(int y);
/* Days since 1970-01-01 (may be negative); d must be valid. */
JPKI_API int64_t jpki_date_to_days(struct jpki_date d);
JPKI_API struct jpki_date jpki_date_from_days(int64_t days);
/* <0, 0, >0 like strcmp. */
JPKI_API int jpki_date_cmp(struct jpki_date a, struct jpki_date b);
/* Add n months, clamping the day to the end of the target month. */
JPKI_API struct jpki_date jpki_date_add_months(struct jpki_date d, int n);

/* Strict YYYY-MM-DD; an impossible day (2023-02-29) is JPKI_E_BAD_DATE. */
JPKI_API int jpki_date_parse(const char *s, struct jpki_date *out, struct jpki_err *err);
/* Writes YYYY-MM-DD and a NUL into buf (at least 11 bytes). */
JPKI_API void jpki_date_format(struct jpki_date d, char buf[static 11]);

/* ISO 8601 instant YYYY-MM-DDTHH:MM:SS followed by Z or +HH:MM / -HH:MM. */
JPKI_API int jpki_time_parse(const char *s, int64_t *out, struct jpki_err *err);
/* Writes the instant in JST, e.g. 2026-11-26T10:00:00+09:00 (buf >= 26). */
JPKI_API void jpki_time_format_jst(int64_t t, char buf[static 26]);

/* The JST calendar day containing instant t. */
JPKI_API struct jpki_date jpki_jst_date(int64_t t);
/* The instant 23:59:59 JST of day d, i.e. 14:59:59Z. */
JPKI_API int64_t jpki_jst_end_of_day(struct jpki_date d);

#endif
