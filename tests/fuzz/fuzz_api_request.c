/*
 * fuzz_api_request.c: the counter API's request bodies (src/lib/http/
 * api_json.c).  The first byte picks a route's schema; the rest is the body.
 * An accepted body must satisfy its schema as an independent walk sees it:
 * an object, only known fields, each of its type, the required ones there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct jpki_api_field *field(const struct jpki_api_schema *s, const char *k)
{
	for (const struct jpki_api_field *f = s->fields; f->name; f++)
		if (strcmp(f->name, k) == 0)
			return f;
	return NULL;
}

static void judge(const struct jpki_api_schema *s, json_t *o)
{
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		abort();
	json_object_foreach(o, k, v)
	{
		const struct jpki_api_field *f = field(s, k);
		if (!f)
			abort(); /* an unknown field got through */
		switch (f->type) {
		case JPKI_API_TEXT:
		case JPKI_API_SECRET:
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) > f->max)
				abort();
			break;
		case JPKI_API_DATE:
			if (!json_is_string(v) || json_string_length(v) != 10)
				abort();
			break;
		case JPKI_API_ID:
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				abort();
			break;
		case JPKI_API_BOOL:
			if (!json_is_boolean(v))
				abort();
			break;
		case JPKI_API_TEXTS:
			if (!json_is_array(v) || json_array_size(v) > f->max)
				abort();
			break;
		}
	}
	for (const struct jpki_api_field *f = s->fields; f->name; f++)
		if (f->required && !json_object_get(o, f->name))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	while (jpki_api_schemas[n].name)
		n++;
	if (size < 1)
		return 0;
	const struct jpki_api_schema *s = &jpki_api_schemas[data[0] % n];
	json_t *o = NULL;
	struct jpki_err err;
	if (jpki_api_parse(data + 1, size - 1, s, &o, &err) == 0) {
		judge(s, o);
		json_decref(o);
	} else if (o) {
		abort(); /* a refusal leaves nothing behind */
	}
	return 0;
}
