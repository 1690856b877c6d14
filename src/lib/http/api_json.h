/*
 * api_json.h: the API's request bodies (docs/api.md), checked against a
 * schema of their own before any handler sees them: a JSON object (no
 * duplicate keys), only the fields the route knows, each of its type and
 * within its bounds, the required ones present.  A body that fails gets a
 * 400 naming the field and changes nothing.  Fuzzed (tests/fuzz/
 * fuzz_api_request.c).
 */
#ifndef JPKI_HTTP_API_JSON_H
#define JPKI_HTTP_API_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jpki/api.h"
#include "jpki/error.h"

#define JPKI_API_BODY_MAX (16 * 1024) /* bytes of a request body */

enum jpki_api_type {
	JPKI_API_TEXT,   /* a string of 1 to max bytes of UTF-8 text, no control characters */
	JPKI_API_ID,     /* an integer from 1 to 2^53 - 1 */
	JPKI_API_BOOL,   /* true or false */
	JPKI_API_TEXTS,  /* an array of 0 to max strings of at most 64 bytes of text */
	JPKI_API_DATE,   /* "YYYY-MM-DD", a real date */
	JPKI_API_SECRET, /* like TEXT, never logged nor echoed (passwords, PINs) */
};

struct jpki_api_field {
	const char *name;
	enum jpki_api_type type;
	bool required;
	size_t max; /* TEXT, SECRET: bytes; TEXTS: items */
};

/* A route's body: its fields, ended by a row with name NULL. */
struct jpki_api_schema {
	const char *name; /* for messages and the fuzz target */
	const struct jpki_api_field *fields;
};

/*
 * Parse and check body (len bytes) against schema: *out the object (a new
 * reference) on success; INVALID naming the first fault otherwise (LIMIT
 * for a body over JPKI_API_BODY_MAX).
 */
JPKI_MUST_CHECK int jpki_api_parse(const uint8_t *body, size_t len,
                                   const struct jpki_api_schema *schema, json_t **out,
                                   struct jpki_err *err);

/* The request schemas of the API's writes, ended by a row with name NULL (the fuzz target's). */
extern const struct jpki_api_schema jpki_api_schemas[];
const struct jpki_api_schema *jpki_api_schema_find(const char *name);

/* Overwrite the SECRET fields' values of a checked body o (before it is freed). */
void jpki_api_wipe(json_t *o, const struct jpki_api_schema *schema);
/*
 * From now on, every block jansson frees is wiped first: the copies its
 * parser and its strings make of a body (a password, a PIN) do not outlive
 * the call in freed memory.  Process-wide; called once by the API's start.
 */
void jpki_api_json_wipe_on_free(void);

/* Field accessors for a body that passed its schema (absent: NULL, 0, false). */
const char *jpki_api_text(const json_t *o, const char *name);
int64_t jpki_api_id(const json_t *o, const char *name);
bool jpki_api_bool(const json_t *o, const char *name);

#endif
