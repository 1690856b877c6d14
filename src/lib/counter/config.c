/*
 * config.c: the counter configuration, <data>/counter.json (jansson).
 *
 * Every key is optional and falls back to the seed page's default
 * (docs/counter.md "Configuration"); every value is checked, and an unknown
 * key is an error, so "closure" for "closures" never silently leaves a
 * counter open on a closure day.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "calendar.h"
#include "config.h"
#include "core/fsutil.h"

#define CONFIG_MAX (256 * 1024)

static const char *const fee_names[JPKI_FEE_COUNT] = {
    [JPKI_FEE_FIRST] = "first",
    [JPKI_FEE_RENEWAL] = "renewal",
    [JPKI_FEE_AFTER_EXPIRY] = "after-expiry",
    [JPKI_FEE_RECORD_CHANGE] = "record-change",
    [JPKI_FEE_LOST] = "lost",
    [JPKI_FEE_DAMAGED] = "damaged",
    [JPKI_FEE_DAMAGED_NOT_OWN] = "damaged-not-own",
    [JPKI_FEE_OTHER] = "other",
};

const char *jpki_fee_case_name(enum jpki_fee_case f)
{
	return (unsigned)f < JPKI_FEE_COUNT ? fee_names[f] : "?";
}

static void site(struct jpki_counter_config *c, const char *id, const char *name,
                 enum jpki_counter_kind kind, int open, int close)
{
	struct jpki_counter_site *s = &c->site[c->n_sites++];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->kind = kind;
	s->open_minute = open;
	s->close_minute = close;
}

void jpki_counter_config_defaults(struct jpki_counter_config *c)
{
	memset(c, 0, sizeof(*c));
	/* rule W1: 8:30-16:30 at city hall and the service centres; 9:00-16:00 temporary */
	site(c, "city-hall", "市民課（本庁舎1階）", JPKI_COUNTER_CITY_HALL, 510, 990);
	site(c, "service-centre", "市民サービスコーナー", JPKI_COUNTER_SERVICE_CENTRE, 510, 990);
	site(c, "temporary", "臨時窓口", JPKI_COUNTER_TEMPORARY, 540, 960);
	c->year_end_closure = true;
	/* rule F1 and counter practice: first, renewal and re-issues not the holder's doing free */
	c->fee[JPKI_FEE_LOST] = 200;
	c->fee[JPKI_FEE_DAMAGED] = 200;
	c->fee[JPKI_FEE_OTHER] = 200;
	c->proxy_form_days = 30;
	c->kiosk_hours = 24;
	c->kiosk_open = 390;   /* 6:30 */
	c->kiosk_close = 1380; /* 23:00 */
}

const struct jpki_counter_site *jpki_counter_site_find(const struct jpki_counter_config *c,
                                                       const char *id)
{
	for (int i = 0; i < c->n_sites; i++)
		if (strcmp(c->site[i].id, id) == 0)
			return &c->site[i];
	return NULL;
}

/* "HH:MM-HH:MM" into minutes, open before close. */
static int parse_hours(const char *s, int *open, int *close, struct jpki_err *err)
{
	int h1, m1, h2, m2;
	char tail;
	if (sscanf(s, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 < 0 || h1 > 24 ||
	    h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 ||
	    h1 * 60 + m1 >= h2 * 60 + m2 || h2 * 60 + m2 > 1440)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "counter.json: hours \"%s\" are not HH:MM-HH:MM, opening first",
		                 s);
	*open = h1 * 60 + m1;
	*close = h2 * 60 + m2;
	return 0;
}

bool jpki_label_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= JPKI_LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

static int only_keys(json_t *obj, const char *const *keys, const char *where, struct jpki_err *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		bool known = false;
		for (int i = 0; keys[i]; i++)
			known = known || strcmp(k, keys[i]) == 0;
		if (!known)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "counter.json: unknown key \"%s\" in %s", k, where);
	}
	return 0;
}

static int parse_days(json_t *arr, struct jpki_date *days, int *n, const char *where,
                      struct jpki_err *err)
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr) || json_array_size(arr) > JPKI_DAYS_MAX)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "counter.json: %s is a list of at most %d dates", where,
		                 JPKI_DAYS_MAX);
	*n = 0;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || jpki_date_parse(json_string_value(v), &days[i], err) < 0)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "counter.json: %s[%zu] is not a date YYYY-MM-DD", where,
			                 i);
		*n = (int)i + 1;
	}
	return 0;
}

static int parse_site(json_t *o, struct jpki_counter_site *s, struct jpki_err *err)
{
	static const char *const keys[] = {"id", "name", "kind", "hours", "days", NULL};
	static const char *const kinds[] = {"city-hall", "service-centre", "temporary"};
	json_t *id = json_object_get(o, "id"), *name = json_object_get(o, "name"),
	       *kind = json_object_get(o, "kind"), *hours = json_object_get(o, "hours"),
	       *days = json_object_get(o, "days");
	int rc = json_is_object(o)
	             ? only_keys(o, keys, "a counter", err)
	             : jpki_fail(err, JPKI_E_INVALID, "counter.json: each counter is an object");
	if (rc < 0)
		return rc;
	memset(s, 0, sizeof(*s));
	if (!json_is_string(id) || !jpki_label_ok(json_string_value(id)))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "counter.json: a counter's id is 1-32 of A-Z a-z 0-9 . _ -");
	snprintf(s->id, sizeof(s->id), "%s", json_string_value(id));
	if (name && (!json_is_string(name) || strlen(json_string_value(name)) >= sizeof(s->name)))
		return jpki_fail(err, JPKI_E_INVALID, "counter.json: counter %s: bad name", s->id);
	snprintf(s->name, sizeof(s->name), "%s", name ? json_string_value(name) : s->id);
	s->kind = (enum jpki_counter_kind) - 1;
	for (int i = 0; kind && json_is_string(kind) && i < 3; i++)
		if (strcmp(json_string_value(kind), kinds[i]) == 0)
			s->kind = (enum jpki_counter_kind)i;
	if ((int)s->kind < 0)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "counter.json: counter %s: kind is city-hall, service-centre or "
		                 "temporary",
		                 s->id);
	const char *h = s->kind == JPKI_COUNTER_TEMPORARY ? "09:00-16:00" : "08:30-16:30";
	if (hours && !json_is_string(hours))
		return jpki_fail(err, JPKI_E_INVALID, "counter.json: counter %s: bad hours", s->id);
	rc = parse_hours(hours ? json_string_value(hours) : h, &s->open_minute, &s->close_minute,
	                 err);
	if (rc == 0 && days)
		rc = parse_days(days, s->days, &s->n_days, "a counter's days", err);
	if (rc == 0 && s->kind != JPKI_COUNTER_TEMPORARY && s->n_days)
		rc = jpki_fail(err, JPKI_E_INVALID,
		               "counter.json: counter %s: only a temporary window lists days",
		               s->id);
	return rc;
}

static int parse_fees(json_t *o, struct jpki_counter_config *c, struct jpki_err *err)
{
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		return jpki_fail(err, JPKI_E_INVALID, "counter.json: fees is an object");
	json_object_foreach(o, k, v)
	{
		int f = -1;
		for (int i = 0; i < JPKI_FEE_COUNT; i++)
			if (strcmp(k, fee_names[i]) == 0)
				f = i;
		if (f < 0 || !json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 100000)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "counter.json: fees.%s: a known fee case, 0 to 100000 yen",
			                 k);
		c->fee[f] = (int)json_integer_value(v);
	}
	return 0;
}

static int int_in(json_t *v, int lo, int hi, int *out, const char *what, struct jpki_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return jpki_fail(err, JPKI_E_INVALID, "counter.json: %s is a whole number %d-%d",
		                 what, lo, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

static int parse_root(json_t *root, struct jpki_counter_config *c, struct jpki_err *err)
{
	static const char *const keys[] = {
	    "counters",        "closures",    "year_end_closure", "fees",
	    "proxy_form_days", "kiosk_hours", "kiosk_open",       NULL};
	json_t *v;
	int rc = only_keys(root, keys, "the top level", err);
	if (rc == 0 && (v = json_object_get(root, "counters"))) {
		size_t i;
		json_t *s;
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > JPKI_COUNTERS_MAX)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "counter.json: counters is a list of 1 to %d counters",
			                 JPKI_COUNTERS_MAX);
		c->n_sites = 0;
		json_array_foreach(v, i, s)
		{
			if ((rc = parse_site(s, &c->site[i], err)) < 0)
				return rc;
			if (jpki_counter_site_find(c, c->site[i].id))
				return jpki_fail(err, JPKI_E_INVALID,
				                 "counter.json: counter id %s twice",
				                 c->site[i].id);
			c->n_sites = (int)i + 1;
		}
	}
	if (rc == 0 && (v = json_object_get(root, "closures")))
		rc = parse_days(v, c->closures, &c->n_closures, "closures", err);
	if (rc == 0 && (v = json_object_get(root, "year_end_closure"))) {
		if (!json_is_boolean(v))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "counter.json: year_end_closure is true or false");
		c->year_end_closure = json_is_true(v);
	}
	if (rc == 0 && (v = json_object_get(root, "fees")))
		rc = parse_fees(v, c, err);
	if (rc == 0 && (v = json_object_get(root, "proxy_form_days")))
		rc = int_in(v, 1, 365, &c->proxy_form_days, "proxy_form_days", err);
	if (rc == 0 && (v = json_object_get(root, "kiosk_hours")))
		rc = int_in(v, 1, 72, &c->kiosk_hours, "kiosk_hours", err);
	if (rc == 0 && (v = json_object_get(root, "kiosk_open")))
		rc =
		    json_is_string(v)
		        ? parse_hours(json_string_value(v), &c->kiosk_open, &c->kiosk_close, err)
		        : jpki_fail(err, JPKI_E_INVALID, "counter.json: kiosk_open is HH:MM-HH:MM");
	return rc;
}

int jpki_counter_config_parse(const char *json, size_t len, struct jpki_counter_config *out,
                              struct jpki_err *err)
{
	json_error_t je;
	struct jpki_counter_config c;
	jpki_counter_config_defaults(&c);
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return jpki_fail(err, JPKI_E_INVALID, "counter.json: line %d: %s", je.line,
		                 je.text);
	int rc = json_is_object(root)
	             ? parse_root(root, &c, err)
	             : jpki_fail(err, JPKI_E_INVALID, "counter.json: the document is an object");
	json_decref(root);
	if (rc == 0)
		*out = c;
	return rc;
}

int jpki_counter_config_load(const struct jpki_ctx *ctx, struct jpki_counter_config *out,
                             struct jpki_err *err)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = jpki_data_path(ctx, path, sizeof(path), "counter.json", err);
	if (rc < 0)
		return rc;
	rc = jpki_read_file(path, CONFIG_MAX, &buf, &len, err);
	if (rc == -JPKI_E_NOT_FOUND) {
		jpki_counter_config_defaults(out);
		return 0;
	}
	if (rc == 0)
		rc = jpki_counter_config_parse((const char *)buf, len, out, err);
	free(buf);
	return rc;
}

static bool closed_day(const struct jpki_counter_config *c, struct jpki_date d)
{
	if (jpki_national_holiday(d))
		return true;
	if (c->year_end_closure && ((d.m == 12 && d.d >= 29) || (d.m == 1 && d.d <= 3)))
		return true;
	for (int i = 0; i < c->n_closures; i++)
		if (jpki_date_cmp(c->closures[i], d) == 0)
			return true;
	return false;
}

bool jpki_counter_open_at(const struct jpki_counter_config *c, const struct jpki_counter_site *s,
                          int64_t t, char *why, size_t cap)
{
	static const char *const wd[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
	                                  "Thursday", "Friday", "Saturday"};
	struct jpki_date day;
	int minute, w;
	char ds[11];
	jpki_jst_split(t, &day, &minute);
	jpki_date_format(day, ds);
	w = jpki_weekday(day);
	if (s->kind == JPKI_COUNTER_TEMPORARY) {
		bool listed = false;
		for (int i = 0; i < s->n_days; i++)
			listed = listed || jpki_date_cmp(s->days[i], day) == 0;
		if (!listed) {
			snprintf(why, cap, "%s is not an opening day of the temporary window %s",
			         ds, s->id);
			return false;
		}
	} else if (w == 0 || w == 6) {
		snprintf(why, cap, "%s is a %s: counters open Monday to Friday", ds, wd[w]);
		return false;
	} else if (closed_day(c, day)) {
		snprintf(why, cap, "%s is a closure day", ds);
		return false;
	}
	if (minute < s->open_minute || minute >= s->close_minute) {
		snprintf(why, cap, "%02d:%02d is outside the hours of %s, %02d:%02d-%02d:%02d",
		         minute / 60, minute % 60, s->id, s->open_minute / 60, s->open_minute % 60,
		         s->close_minute / 60, s->close_minute % 60);
		return false;
	}
	return true;
}
