/*
 * opts.c: table-driven option parsing (opts.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

#define MAX_OPTS 32

static int value_into(const struct cli_opt *o, const char *arg, struct jpki_err *err)
{
	unsigned long v;
	switch (o->type) {
	case CLI_FLAG:
		*(bool *)o->dst = true;
		return 0;
	case CLI_TEXT:
		*(const char **)o->dst = arg;
		return 0;
	case CLI_COPY:
		if (strlen(arg) >= o->max)
			return jpki_fail(err, JPKI_E_INVALID, "too long (at most %lu bytes)",
			                 o->max - 1);
		memcpy(o->dst, arg, strlen(arg) + 1);
		return 0;
	case CLI_UINT:
		if (cli_parse_uint(arg, o->min, o->max, &v, err) < 0)
			return -JPKI_E_INVALID;
		*(unsigned long *)o->dst = v;
		return 0;
	case CLI_ID:
		return cli_parse_id(arg, (int64_t *)o->dst, err);
	case CLI_CUSTOM:
		return o->custom(arg, o->dst, err);
	}
	return jpki_fail(err, JPKI_E_INVALID, "an option of an unknown type");
}

int cli_parse(int argc, char **argv, const char *usage, const char *command,
              const struct cli_opt *opts)
{
	struct option table[MAX_OPTS + 2];
	size_t n = 0;
	for (; opts[n].name && n < MAX_OPTS; n++)
		table[n] = (struct option){
		    opts[n].name, opts[n].type == CLI_FLAG ? no_argument : required_argument, NULL,
		    256 + (int)n};
	table[n] = (struct option){"help", no_argument, NULL, 'h'};
	table[n + 1] = (struct option){NULL, 0, NULL, 0};
	int c;
	optind = 1;
	opterr = 0; /* the error below says it, with the command's name */
	while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (c < 256 || c >= 256 + (int)n)
			return cli_usage_error(usage, "%s: unknown option or a missing value (%s)",
			                       command, argv[optind - 1]);
		const struct cli_opt *o = &opts[c - 256];
		struct jpki_err err;
		if (value_into(o, optarg, &err) < 0)
			return cli_usage_error(usage, "%s: --%s: %s", command, o->name, err.msg);
		if (o->seen)
			*o->seen = true;
	}
	return -1;
}

int cli_opt_kind(const char *value, void *dst, struct jpki_err *err)
{
	return jpki_kind_parse(value, dst, err);
}

int cli_opt_reason(const char *value, void *dst, struct jpki_err *err)
{
	return jpki_reason_parse(value, dst, err);
}

int cli_opt_date(const char *value, void *dst, struct jpki_err *err)
{
	return jpki_date_parse(value, dst, err);
}
