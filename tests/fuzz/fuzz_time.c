/*
 * fuzz_time.c: jpki_date_parse and jpki_time_parse, the parsers of dates
 * from the command line, bulk lists and JPKI_NOW.
 *
 * Both take a NUL-terminated string, so the input is copied into one.  An
 * accepted value must survive a round trip through the formatter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	struct jpki_err err;
	struct jpki_date d;
	if (jpki_date_parse(s, &d, &err) == 0) {
		char buf[11];
		struct jpki_date again;
		if (!jpki_date_valid(d))
			abort();
		jpki_date_format(d, buf);
		if (jpki_date_parse(buf, &again, &err) != 0 || jpki_date_cmp(d, again) != 0 ||
		    strcmp(buf, s) != 0) /* the accepted form is exactly YYYY-MM-DD */
			abort();
	}

	int64_t t;
	if (jpki_time_parse(s, &t, &err) == 0) {
		char buf[26];
		int64_t again;
		jpki_time_format_jst(t, buf);
		if (jpki_time_parse(buf, &again, &err) != 0 || again != t)
			abort();
	}
	free(s);
	return 0;
}
