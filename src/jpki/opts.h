/*
 * opts.h: a command's options as a table, parsed in one place.
 *
 * Each row names a long option, what its value is and where it goes; the
 * parser builds getopt_long's table, checks every value (numbers in range,
 * ids, the typed parsers of the library through CLI_CUSTOM), answers
 * --help, and words every usage error the same way ("cert issue: --kind:
 * ...").  Operands are left in argv[optind..argc).
 */
#ifndef JPKI_OPTS_H
#define JPKI_OPTS_H

#include <getopt.h> /* optind: the operands */
#include <stdbool.h>
#include <stdint.h>

#include "jpki/error.h"

enum cli_opt_type {
	CLI_FLAG,   /* no value: *(bool *)dst = true */
	CLI_TEXT,   /* *(const char **)dst = the value */
	CLI_COPY,   /* the value copied into the char array dst of max bytes (NUL included) */
	CLI_UINT,   /* *(unsigned long *)dst, min..max */
	CLI_ID,     /* *(int64_t *)dst, a positive decimal id */
	CLI_CUSTOM, /* custom(value, dst, err): 0, or a negative code with the reason in err */
};

struct cli_opt {
	const char *name;
	enum cli_opt_type type;
	void *dst;
	unsigned long min, max; /* CLI_UINT */
	int (*custom)(const char *value, void *dst, struct jpki_err *err);
	bool *seen; /* set when the option is given; may be NULL */
};

/*
 * Parse argv against opts (a row with a NULL name ends them).  -1 to go on,
 * else the exit status: 0 after --help (the usage printed), 2 on a usage
 * error (the reason and the usage on stderr).
 */
int cli_parse(int argc, char **argv, const char *usage, const char *command,
              const struct cli_opt *opts);

/* CLI_CUSTOM parsers the commands share. */
int cli_opt_kind(const char *value, void *dst, struct jpki_err *err);   /* enum jpki_kind */
int cli_opt_reason(const char *value, void *dst, struct jpki_err *err); /* enum jpki_reason */
int cli_opt_date(const char *value, void *dst, struct jpki_err *err);   /* struct jpki_date */

#endif
