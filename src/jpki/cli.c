/*
 * cli.c: shared front-end helpers.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "ca/binding.h"

int cli_fail(const struct jpki_err *err)
{
	fprintf(stderr, "jpki: error: %s\n",
	        err && err->msg[0] ? err->msg : jpki_code_message(err ? err->code : JPKI_E_IO));
	return 1;
}

int cli_fail_msg(const char *fmt, ...)
{
	va_list ap;
	fputs("jpki: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs("jpki: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", usage);
	return EXIT_USAGE;
}

int cli_dispatch(const char *family, const struct cli_command *cmds, const char *usage, int argc,
                 char **argv)
{
	if (argc < 2)
		return cli_usage_error(usage, "%s: which command?", family);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	for (const struct cli_command *c = cmds; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	return cli_usage_error(usage, "%s: unknown command '%s'", family, argv[1]);
}

int cli_parse_id(const char *s, int64_t *out)
{
	unsigned long v;
	if (cli_parse_uint(s, 1, (unsigned long)INT64_MAX, &v) < 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
		return -1;
	errno = 0;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_open_store(struct jpki_store **st)
{
	struct jpki_err err;
	if (jpki_store_open_default(st, &err) < 0)
		return cli_fail(&err);
	if (jpki_binding_check(*st, JPKI_BINDING_CHECK, NULL, &err) < 0) {
		jpki_store_close(*st);
		*st = NULL;
		return cli_fail(&err);
	}
	return 0;
}

int cli_load_ca(enum jpki_kind kind, struct jpki_ca **ca)
{
	struct jpki_err err;
	char pass[1024];
	int rc = jpki_ca_passphrase(pass, sizeof(pass), &err);
	if (rc == 0)
		rc = jpki_ca_load(kind, pass, ca, &err);
	OPENSSL_cleanse(pass, sizeof(pass));
	return rc < 0 ? cli_fail(&err) : 0;
}

int cli_out_open(struct jpki_out *o, const char *path, mode_t mode, struct jpki_err *err)
{
	if (jpki_store_default_owns(path))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "%s is the registry (or its log): writing there would corrupt it",
		                 path);
	return jpki_out_open(o, path, mode, err);
}

int cli_write_out(const char *path, const void *buf, size_t len, mode_t mode, struct jpki_err *err)
{
	if (jpki_store_default_owns(path))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "%s is the registry (or its log): writing there would corrupt it",
		                 path);
	return jpki_write_out(path, buf, len, mode, err);
}

int cli_no_options(int argc, char **argv, const char *usage, int nargs, const char *what)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		return cli_usage_error(usage, "%s: bad option", what);
	}
	if (argc - optind != nargs)
		return cli_usage_error(usage, "%s: %s", what,
		                       nargs ? "wrong number of arguments" : "takes no argument");
	return -1;
}
