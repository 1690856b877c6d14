/*
 * config.h: a municipality's counter configuration (docs/counter.md
 * "Configuration"): its counters and their hours, closure days, the fee
 * table and how long forms and reservations stay valid.  Read from
 * <data>/counter.json when it exists, else the seed page's defaults.
 */
#ifndef JPKI_COUNTER_CONFIG_H
#define JPKI_COUNTER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/date.h"
#include "jpki/error.h"
#include "store/counter_rec.h"

#define JPKI_COUNTERS_MAX 32
#define JPKI_DAYS_MAX 128

enum jpki_counter_kind {
	JPKI_COUNTER_CITY_HALL,      /* 市民課 */
	JPKI_COUNTER_SERVICE_CENTRE, /* 市民サービスコーナー */
	JPKI_COUNTER_TEMPORARY,      /* temporary card window: listed days only */
};

struct jpki_counter_site {
	char id[JPKI_LABEL_MAX];
	char name[128];
	enum jpki_counter_kind kind;
	int open_minute, close_minute; /* JST minutes of the day: [open, close) */
	int n_days;                    /* temporary windows: their opening days */
	struct jpki_date days[JPKI_DAYS_MAX];
};

/* Rule F1 and counter practice: the cases a fee is decided by. */
enum jpki_fee_case {
	JPKI_FEE_FIRST,           /* first issuance */
	JPKI_FEE_RENEWAL,         /* renewal inside the window of rule N1 */
	JPKI_FEE_AFTER_EXPIRY,    /* new issuance after the certificate expired */
	JPKI_FEE_RECORD_CHANGE,   /* re-issuance after a change of the record (rule C5) */
	JPKI_FEE_LOST,            /* re-issuance after loss */
	JPKI_FEE_DAMAGED,         /* re-issuance after damage the holder caused */
	JPKI_FEE_DAMAGED_NOT_OWN, /* damage that is not the holder's fault */
	JPKI_FEE_OTHER,           /* any other second or later issuance */
	JPKI_FEE_COUNT
};

struct jpki_counter_config {
	int n_sites;
	struct jpki_counter_site site[JPKI_COUNTERS_MAX];
	int n_closures;
	struct jpki_date closures[JPKI_DAYS_MAX];
	bool year_end_closure;       /* 29 December - 3 January */
	int fee[JPKI_FEE_COUNT];     /* yen */
	int proxy_form_days;         /* validity of a form mailed after visit 1 */
	int kiosk_hours;             /* a reservation's validity */
	int kiosk_open, kiosk_close; /* JST minutes */
};

/* The defaults of the seed page and docs/counter.md. */
void jpki_counter_config_defaults(struct jpki_counter_config *c);
/*
 * Load <data>/counter.json over the defaults (every field optional, every
 * value checked; unknown keys refused, so a typo is not silently ignored).
 */
JPKI_MUST_CHECK int jpki_counter_config_load(const struct jpki_ctx *ctx,
                                             struct jpki_counter_config *out, struct jpki_err *err);
/* Parse a configuration document (JSON text) over the defaults. */
JPKI_MUST_CHECK int jpki_counter_config_parse(const char *json, size_t len,
                                              struct jpki_counter_config *out,
                                              struct jpki_err *err);
const struct jpki_counter_site *jpki_counter_site_find(const struct jpki_counter_config *c,
                                                       const char *id);
const char *jpki_fee_case_name(enum jpki_fee_case f);
/* An operator's or counter's id: 1-32 of A-Z a-z 0-9 . _ - */
bool jpki_label_ok(const char *s);

/*
 * Rule W1: is `site` open at instant t?  When not, why (into why, cap
 * bytes): "closed on Saturdays", "outside hours 08:30-16:30", ...
 */
bool jpki_counter_open_at(const struct jpki_counter_config *c, const struct jpki_counter_site *site,
                          int64_t t, char *why, size_t cap);

#endif
