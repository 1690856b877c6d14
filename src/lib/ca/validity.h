/*
 * validity.h: how long a JPKI certificate lives (rule C4, docs/rules.md
 * "Validity").  Pure functions of dates: no clock, no registry, so every
 * case is a row in a unit-test table.
 *
 * Decisions on the open points (docs/validity.md):
 *  - "the 5th birthday after the issue date" counts birthdays strictly after
 *    the issue date (発行の日後): a birthday on the issue date is not one.
 *  - a 29 February birthday falls on 28 February in a common year (the last
 *    day of the month, as Civil Code art. 143(2) ends periods).
 *  - a certificate ends at 23:59:59 JST of its last day.
 */
#ifndef JPKI_CA_VALIDITY_H
#define JPKI_CA_VALIDITY_H

#include <stdbool.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/date.h"
#include "jpki/records.h"

struct jpki_validity_req {
	enum jpki_kind kind;
	int64_t now; /* the issue instant */
	struct jpki_date birth;
	bool renewal; /* renewed inside the window of rule N1: 6th birthday */
	bool has_card_expiry;
	struct jpki_date card_expiry;
	bool has_auth_cap; /* signature only: the current auth certificate's end */
	int64_t auth_not_after;
	bool has_residence_end; /* foreign resident without permanent status */
	struct jpki_date residence_end;
};

/* Which bound decided notAfter, for messages and `cert show`. */
enum jpki_validity_cap {
	JPKI_CAP_BIRTHDAY,
	JPKI_CAP_CARD,
	JPKI_CAP_AUTH,
	JPKI_CAP_RESIDENCE,
};

/* The birthday of someone born on `birth` in `year` (29 Feb -> 28 Feb in common years). */
struct jpki_date jpki_birthday_in_year(struct jpki_date birth, int year);
/* The n-th birthday strictly after `day` (n >= 1). */
struct jpki_date jpki_nth_birthday_after(struct jpki_date birth, struct jpki_date day, int n);
/* Completed years of age on `day`. */
JPKI_MUST_CHECK int jpki_age_on(struct jpki_date birth, struct jpki_date day);
/* Rule N1: the instant the renewal window of a certificate ending at not_after opens. */
int64_t jpki_renewal_window_start(int64_t not_after);
/* Rule N1: true when `now` is inside the 3 months before `not_after`. */
bool jpki_in_renewal_window(int64_t now, int64_t not_after);

/*
 * Compute notAfter for a request.  JPKI_E_NOT_ELIGIBLE when a cap has
 * already passed (card expired, residence period over), JPKI_E_BAD_DATE
 * when the birth date lies after the issue date.  cap may be NULL.
 */
JPKI_MUST_CHECK int jpki_validity_compute(const struct jpki_validity_req *req,
                                          int64_t *ret_not_after, enum jpki_validity_cap *cap,
                                          struct jpki_err *err);

#endif
