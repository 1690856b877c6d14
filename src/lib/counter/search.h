/*
 * search.h: resident searches at the counter (rule S1, docs/rules.md):
 * no search without a need.  Every search names its purpose from a fixed
 * list and is an audit entry (who, at which counter, why, by what fields,
 * which records it showed), refused ones too.
 */
#ifndef JPKI_COUNTER_SEARCH_H
#define JPKI_COUNTER_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "counter.h"

#define JPKI_SEARCH_MAX 20 /* records one search shows */

enum jpki_search_purpose {
	JPKI_PURPOSE_APPLICATION, /* an application at the counter */
	JPKI_PURPOSE_LOSS,        /* a reported loss or a revocation */
	JPKI_PURPOSE_INQUIRY,     /* the resident's own inquiry, in person */
	JPKI_PURPOSE_CORRECTION,  /* a record correction (with its approval) */
	JPKI_PURPOSE_COUNT
};

const char *jpki_search_purpose_name(enum jpki_search_purpose p);
bool jpki_search_purpose_parse(const char *s, enum jpki_search_purpose *out);

/* What is searched by: a record's id, or a family name (and given name, birth date). */
struct jpki_resident_query {
	int64_t id;         /* > 0: this record alone */
	const char *family; /* else required */
	const char *given;  /* NULL: any */
	bool has_birth;
	struct jpki_date birth;
};

/*
 * Search under rule S1 at s's counter by s's operator: out gets at most
 * JPKI_SEARCH_MAX records (*n of them, *more when there were more).  The
 * search and what it showed are one audit entry, committed.
 */
JPKI_MUST_CHECK int jpki_resident_search(const struct jpki_counter_session *s,
                                         enum jpki_search_purpose purpose,
                                         const struct jpki_resident_query *q,
                                         struct jpki_resident out[JPKI_SEARCH_MAX], size_t *n,
                                         bool *more, struct jpki_err *err);

#endif
