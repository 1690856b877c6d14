/* api_json.c: request bodies checked against their schemas (api_json.h). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api_json.h"
#include "jpki/date.h"
#include "operator/operator.h"

#define TEXTS_ITEM_MAX 64
#define ID_MAX ((json_int_t)9007199254740991) /* 2^53 - 1: exact in every JSON reader */

static const struct jpki_api_field login_fields[] = {
    {"operator", JPKI_API_TEXT, true, 32},
    {"password", JPKI_API_SECRET, true, JPKI_PASSWORD_MAX},
    {"counter", JPKI_API_TEXT, true, 32},
    {NULL, 0, false, 0}};
static const struct jpki_api_field unlock_fields[] = {
    {"password", JPKI_API_SECRET, true, JPKI_PASSWORD_MAX}, {NULL, 0, false, 0}};
static const struct jpki_api_field search_fields[] = {
    {"purpose", JPKI_API_TEXT, true, 16},  {"id", JPKI_API_ID, false, 0},
    {"family", JPKI_API_TEXT, false, 127}, {"given", JPKI_API_TEXT, false, 127},
    {"birth", JPKI_API_DATE, false, 0},    {NULL, 0, false, 0}};
static const struct jpki_api_field loss_fields[] = {{"resident", JPKI_API_ID, true, 0},
                                                    {NULL, 0, false, 0}};
static const struct jpki_api_field revoke_fields[] = {
    {"resident", JPKI_API_ID, true, 0},       {"documents", JPKI_API_TEXTS, true, 4},
    {"applicant", JPKI_API_TEXT, false, 16},  {"kinds", JPKI_API_TEXTS, false, 2},
    {"reason", JPKI_API_TEXT, false, 16},     {"delegation", JPKI_API_BOOL, false, 0},
    {"hoursApproval", JPKI_API_ID, false, 0}, {NULL, 0, false, 0}};
static const struct jpki_api_field lift_fields[] = {
    {"resident", JPKI_API_ID, true, 0},       {"documents", JPKI_API_TEXTS, true, 4},
    {"applicant", JPKI_API_TEXT, false, 16},  {"reason", JPKI_API_TEXT, false, 16},
    {"hoursApproval", JPKI_API_ID, false, 0}, {NULL, 0, false, 0}};
static const struct jpki_api_field request_fields[] = {
    {"kind", JPKI_API_TEXT, true, 32}, {"what", JPKI_API_TEXT, true, 512}, {NULL, 0, false, 0}};
static const struct jpki_api_field edit_fields[] = {{"what", JPKI_API_TEXT, true, 512},
                                                    {NULL, 0, false, 0}};
#define PIN_FIELDS                                                                                 \
	{"authPin", JPKI_API_SECRET, false, 16},                                                   \
	{                                                                                          \
		"signPin", JPKI_API_SECRET, false, 16                                              \
	}
static const struct jpki_api_field issue_fields[] = {{"resident", JPKI_API_ID, true, 0},
                                                     {"documents", JPKI_API_TEXTS, true, 4},
                                                     {"applicant", JPKI_API_TEXT, false, 16},
                                                     {"kinds", JPKI_API_TEXTS, false, 2},
                                                     {"reason", JPKI_API_TEXT, false, 16},
                                                     {"reader", JPKI_API_TEXT, false, 128},
                                                     PIN_FIELDS,
                                                     {"hoursApproval", JPKI_API_ID, false, 0},
                                                     {NULL, 0, false, 0}};
static const struct jpki_api_field renew_fields[] = {
    {"resident", JPKI_API_ID, true, 0},       {"documents", JPKI_API_TEXTS, true, 4},
    {"applicant", JPKI_API_TEXT, false, 16},  {"kinds", JPKI_API_TEXTS, false, 2},
    {"reader", JPKI_API_TEXT, false, 128},    PIN_FIELDS,
    {"hoursApproval", JPKI_API_ID, false, 0}, {NULL, 0, false, 0}};
static const struct jpki_api_field pin_reset_fields[] = {{"resident", JPKI_API_ID, true, 0},
                                                         {"documents", JPKI_API_TEXTS, true, 4},
                                                         {"reset", JPKI_API_TEXT, true, 4},
                                                         {"reader", JPKI_API_TEXT, false, 128},
                                                         PIN_FIELDS,
                                                         {"hoursApproval", JPKI_API_ID, false, 0},
                                                         {NULL, 0, false, 0}};
static const struct jpki_api_field face_fields[] = {
    {"resident", JPKI_API_ID, true, 0},       {"documents", JPKI_API_TEXTS, true, 4},
    {"reader", JPKI_API_TEXT, false, 128},    {"facePin", JPKI_API_SECRET, false, 16},
    {"hoursApproval", JPKI_API_ID, false, 0}, {NULL, 0, false, 0}};
static const struct jpki_api_field key_assertion_fields[] = {
    {"id", JPKI_API_TEXT, true, 1400},
    {"clientDataJSON", JPKI_API_TEXT, true, 4096},
    {"authenticatorData", JPKI_API_TEXT, true, 4096},
    {"signature", JPKI_API_TEXT, true, 1024},
    {"userHandle", JPKI_API_TEXT, false, 256},
    {NULL, 0, false, 0}};
static const struct jpki_api_field key_registration_fields[] = {
    {"clientDataJSON", JPKI_API_TEXT, true, 4096},
    {"attestationObject", JPKI_API_TEXT, true, 8192},
    {"password", JPKI_API_SECRET, true, JPKI_PASSWORD_MAX},
    {"label", JPKI_API_TEXT, false, 64},
    {NULL, 0, false, 0}};
static const struct jpki_api_field proxy_request_fields[] = {
    {"resident", JPKI_API_ID, true, 0},
    {"documents", JPKI_API_TEXTS, true, 4},
    {"kinds", JPKI_API_TEXTS, false, 2},
    {"hoursApproval", JPKI_API_ID, false, 0},
    {NULL, 0, false, 0}};
static const struct jpki_api_field proxy_answer_fields[] = {{"code", JPKI_API_TEXT, true, 48},
                                                            {"sealed", JPKI_API_BOOL, false, 0},
                                                            {"delegation", JPKI_API_BOOL, false, 0},
                                                            {"documents", JPKI_API_TEXTS, true, 4},
                                                            {"reader", JPKI_API_TEXT, false, 128},
                                                            PIN_FIELDS,
                                                            {NULL, 0, false, 0}};
static const struct jpki_api_field correction_fields[] = {{"approval", JPKI_API_ID, true, 0},
                                                          {"family", JPKI_API_TEXT, false, 127},
                                                          {"given", JPKI_API_TEXT, false, 127},
                                                          {"address", JPKI_API_TEXT, false, 800},
                                                          {"birth", JPKI_API_DATE, false, 0},
                                                          {"sex", JPKI_API_TEXT, false, 8},
                                                          {NULL, 0, false, 0}};
static const struct jpki_api_field list_fields[] = {{"serials", JPKI_API_TEXTS, true, 300},
                                                    {NULL, 0, false, 0}};
static const struct jpki_api_field mass_fields[] = {{"serials", JPKI_API_TEXTS, true, 300},
                                                    {"reason", JPKI_API_TEXT, true, 32},
                                                    {"approval", JPKI_API_ID, true, 0},
                                                    {NULL, 0, false, 0}};
static const struct jpki_api_field fee_void_fields[] = {
    {"receipt", JPKI_API_ID, true, 0}, {"approval", JPKI_API_ID, true, 0}, {NULL, 0, false, 0}};
static const struct jpki_api_field notices_fields[] = {{"month", JPKI_API_TEXT, true, 7},
                                                       {NULL, 0, false, 0}};
static const struct jpki_api_field empty_fields[] = {{NULL, 0, false, 0}};
static const struct jpki_api_field operator_fields[] = {
    {"id", JPKI_API_TEXT, true, 32},
    {"name", JPKI_API_TEXT, true, JPKI_OPERATOR_NAME_MAX},
    {"role", JPKI_API_TEXT, true, 16},
    {"password", JPKI_API_SECRET, true, JPKI_PASSWORD_MAX},
    {NULL, 0, false, 0}};

/* clang-format off */
const struct jpki_api_schema jpki_api_schemas[] = {
    {"login", login_fields},
    {"unlock", unlock_fields},
    {"search", search_fields},
    {"loss", loss_fields},
    {"revoke", revoke_fields},
    {"lift-hold", lift_fields},
    {"approval", request_fields},
    {"approval-edit", edit_fields},
    {"empty", empty_fields},
    {"operator", operator_fields},
    {"issue", issue_fields},
    {"renew", renew_fields},
    {"pin-reset", pin_reset_fields},
    {"card-face", face_fields},
    {"key-assertion", key_assertion_fields},
    {"key-registration", key_registration_fields},
    {"fee-void", fee_void_fields},
    {"correction", correction_fields},
    {"serial-list", list_fields},
    {"mass-revocation", mass_fields},
    {"proxy-request", proxy_request_fields},
    {"proxy-answer", proxy_answer_fields},
    {"notices", notices_fields},
    {NULL, NULL},
};
/* clang-format on */

const struct jpki_api_schema *jpki_api_schema_find(const char *name)
{
	for (const struct jpki_api_schema *s = jpki_api_schemas; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static const struct jpki_api_field *field_of(const struct jpki_api_schema *s, const char *key)
{
	for (const struct jpki_api_field *f = s->fields; f->name; f++)
		if (strcmp(f->name, key) == 0)
			return f;
	return NULL;
}

/* A field name short and plain enough to be said back: 1 to 40 of [A-Za-z0-9_-]. */
static bool name_printable(const char *k)
{
	size_t n = strlen(k);
	return n >= 1 && n <= 40 &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789_-") == n;
}

static bool text_ok(const json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) == strlen(json_string_value(v)) &&
	       jpki_operator_text_ok(json_string_value(v), max);
}

/* The value v of field f: 0, or INVALID saying what f must be. */
static int value_check(const struct jpki_api_field *f, const json_t *v, struct jpki_err *err)
{
	struct jpki_date d;
	switch (f->type) {
	case JPKI_API_TEXT:
	case JPKI_API_SECRET:
		if (text_ok(v, f->max))
			return 0;
		return jpki_fail(err, JPKI_E_INVALID,
		                 "field \"%s\": a string of 1 to %zu bytes of text is expected",
		                 f->name, f->max);
	case JPKI_API_ID:
		if (json_is_integer(v) && json_integer_value(v) >= 1 &&
		    json_integer_value(v) <= ID_MAX)
			return 0;
		return jpki_fail(err, JPKI_E_INVALID,
		                 "field \"%s\": a positive integer is expected", f->name);
	case JPKI_API_BOOL:
		if (json_is_boolean(v))
			return 0;
		return jpki_fail(err, JPKI_E_INVALID, "field \"%s\": true or false is expected",
		                 f->name);
	case JPKI_API_DATE:
		if (text_ok(v, 10) && strlen(json_string_value(v)) == 10 &&
		    jpki_date_parse(json_string_value(v), &d, NULL) == 0)
			return 0;
		return jpki_fail(err, JPKI_E_INVALID, "field \"%s\": a date YYYY-MM-DD is expected",
		                 f->name);
	case JPKI_API_TEXTS: {
		bool ok = json_is_array(v) && json_array_size(v) <= f->max;
		for (size_t i = 0; ok && i < json_array_size(v); i++)
			ok = text_ok(json_array_get(v, i), TEXTS_ITEM_MAX);
		if (ok)
			return 0;
		return jpki_fail(err, JPKI_E_INVALID,
		                 "field \"%s\": an array of at most %zu strings is expected",
		                 f->name, f->max);
	}
	}
	return jpki_fail(err, JPKI_E_INVALID, "field \"%s\"", f->name);
}

int jpki_api_parse(const uint8_t *body, size_t len, const struct jpki_api_schema *schema,
                   json_t **out, struct jpki_err *err)
{
	json_error_t je;
	*out = NULL;
	if (len > JPKI_API_BODY_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "a request body is at most %d bytes",
		                 JPKI_API_BODY_MAX);
	json_t *o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) /* the position only: jansson's text may quote the body (a password) */
		return jpki_fail(err, JPKI_E_INVALID, "the body is not JSON (at byte %d)",
		                 je.position);
	int rc =
	    json_is_object(o) ? 0 : jpki_fail(err, JPKI_E_INVALID, "the body is a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		const struct jpki_api_field *f = rc == 0 ? field_of(schema, key) : NULL;
		if (rc == 0 && !f)
			rc = name_printable(key)
			         ? jpki_fail(err, JPKI_E_INVALID, "unknown field \"%s\"", key)
			         : jpki_fail(err, JPKI_E_INVALID, "an unknown field");
		if (rc == 0)
			rc = value_check(f, v, err);
	}
	for (const struct jpki_api_field *f = schema->fields; rc == 0 && f->name; f++)
		if (f->required && !json_object_get(o, f->name))
			rc = jpki_fail(err, JPKI_E_INVALID, "field \"%s\" is required", f->name);
	if (rc < 0) {
		jpki_api_wipe(o, schema);
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

void jpki_api_wipe(json_t *o, const struct jpki_api_schema *schema)
{
	for (const struct jpki_api_field *f = schema && o ? schema->fields : NULL; f && f->name;
	     f++) {
		json_t *v = json_object_get(o, f->name);
		if (f->type == JPKI_API_SECRET && json_is_string(v))
			OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
	}
}

const char *jpki_api_text(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

int64_t jpki_api_id(const json_t *o, const char *name)
{
	return (int64_t)json_integer_value(json_object_get(o, name));
}

bool jpki_api_bool(const json_t *o, const char *name)
{
	return json_is_true(json_object_get(o, name));
}

static void wiping_free(void *p)
{
	if (p)
		OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

void jpki_api_json_wipe_on_free(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}
