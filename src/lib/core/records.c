/*
 * registry.c: names of the registry's enumerations, shared by every front end.
 */
#include <stdlib.h>
#include <string.h>

#include "jpki/records.h"

void jpki_cert_rec_clear(struct jpki_cert_rec *c)
{
	if (c) {
		free(c->der);
		c->der = NULL;
		c->der_len = 0;
	}
}

const char *jpki_kind_name(enum jpki_kind k)
{
	return k == JPKI_KIND_SIGN ? "sign" : "auth";
}

int jpki_kind_parse(const char *s, enum jpki_kind *out, struct jpki_err *err)
{
	if (s && strcmp(s, "sign") == 0)
		*out = JPKI_KIND_SIGN;
	else if (s && strcmp(s, "auth") == 0)
		*out = JPKI_KIND_AUTH;
	else
		return jpki_fail(err, JPKI_E_INVALID, "a certificate kind is sign or auth");
	return 0;
}

const char *jpki_reason_name(enum jpki_reason r)
{
	switch (r) {
	case JPKI_REASON_UNSPECIFIED:
		return "unspecified";
	case JPKI_REASON_KEY_COMPROMISE:
		return "keyCompromise";
	case JPKI_REASON_CA_COMPROMISE:
		return "cACompromise";
	case JPKI_REASON_AFFILIATION_CHANGED:
		return "affiliationChanged";
	case JPKI_REASON_SUPERSEDED:
		return "superseded";
	case JPKI_REASON_CESSATION:
		return "cessationOfOperation";
	case JPKI_REASON_HOLD:
		return "certificateHold";
	}
	return "unknown";
}

int jpki_reason_parse(const char *s, enum jpki_reason *out, struct jpki_err *err)
{
	static const enum jpki_reason all[] = {
	    JPKI_REASON_UNSPECIFIED,   JPKI_REASON_KEY_COMPROMISE,
	    JPKI_REASON_CA_COMPROMISE, JPKI_REASON_AFFILIATION_CHANGED,
	    JPKI_REASON_SUPERSEDED,    JPKI_REASON_CESSATION,
	    JPKI_REASON_HOLD,
	};
	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, jpki_reason_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return jpki_fail(err, JPKI_E_INVALID,
	                 "unknown revocation reason (keyCompromise, "
	                 "cessationOfOperation, affiliationChanged, ...)");
}

static const char *const residence_names[] = {"resident", "moved-out", "deceased"};

const char *jpki_residence_name(enum jpki_residence s)
{
	return (unsigned)s < 3 ? residence_names[s] : "unknown";
}

int jpki_residence_parse(const char *s, enum jpki_residence *out, struct jpki_err *err)
{
	for (unsigned i = 0; s && i < 3; i++) {
		if (strcmp(s, residence_names[i]) == 0) {
			*out = (enum jpki_residence)i;
			return 0;
		}
	}
	return jpki_fail(err, JPKI_E_INVALID,
	                 "a residence status is resident, moved-out or "
	                 "deceased");
}
