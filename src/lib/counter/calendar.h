/*
 * calendar.h: when the counters are open (rule W1).
 *
 * Days and hours are Japan time.  A city hall or counter service centre is
 * open Monday to Friday except closure days; a temporary card window only
 * on its listed opening days.  Closure days are the national holidays (Act
 * on National Holidays, computed here), the year-end days 29 December to 3
 * January (municipal practice), and those the configuration lists.
 */
#ifndef JPKI_COUNTER_CALENDAR_H
#define JPKI_COUNTER_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "jpki/date.h"

/* 0 Sunday .. 6 Saturday. */
int jpki_weekday(struct jpki_date d);
/* A national holiday (including substitute and "citizens'" holidays), 2000-2099. */
bool jpki_national_holiday(struct jpki_date d);
/* The JST calendar day and the minute of that day (0..1439) of an instant. */
void jpki_jst_split(int64_t t, struct jpki_date *day, int *minute);

#endif
