/*
 * fuzz_counter_config.c: jpki_counter_config_parse, the parser of
 * counter.json.  An accepted configuration must hold what the checks
 * promise: counters with ids, hours opening before closing, fees in range.
 */
#include <stdint.h>
#include <string.h>

#include "counter/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpki_counter_config c;
	struct jpki_err err;
	if (jpki_counter_config_parse((const char *)data, size, &c, &err) != 0)
		return 0;
	if (c.n_sites < 1 || c.n_sites > JPKI_COUNTERS_MAX)
		__builtin_trap();
	for (int i = 0; i < c.n_sites; i++)
		if (!c.site[i].id[0] || c.site[i].open_minute >= c.site[i].close_minute ||
		    c.site[i].close_minute > 1440 || c.site[i].n_days > JPKI_DAYS_MAX)
			__builtin_trap();
	for (int f = 0; f < JPKI_FEE_COUNT; f++)
		if (c.fee[f] < 0 || c.fee[f] > 100000)
			__builtin_trap();
	return 0;
}
