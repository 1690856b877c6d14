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
#include "opts.h"
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

int cli_parse_id(const char *s, int64_t *out, struct jpki_err *err)
{
	unsigned long v;
	if (cli_parse_uint(s, 1, (unsigned long)INT64_MAX, &v, NULL) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "a numeric id (a decimal number above 0)");
	*out = (int64_t)v;
	return 0;
}

int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out,
                   struct jpki_err *err)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
		return jpki_fail(err, JPKI_E_INVALID, "a decimal number from %lu to %lu", min, max);
	errno = 0;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return jpki_fail(err, JPKI_E_INVALID, "a decimal number from %lu to %lu", min, max);
	*out = v;
	return 0;
}

/* The library's messages: one line each on standard error. */
static void log_to_stderr(void *arg, const char *level, const char *message)
{
	(void)arg;
	fprintf(stderr, "jpki: %s: %s\n", level, message);
}

/*
 * The environment, read here and nowhere in the library: JPKI_DATA,
 * JPKI_BASE_URL, JPKI_NOW and JPKI_ISSUER_KEY_FILE fill the context of
 * this run.  A variable that is set but unusable ends the program (status
 * 1) with the reason, before any command starts.
 */
const struct jpki_ctx *cli_ctx(void)
{
	static struct jpki_ctx *ctx;
	if (ctx)
		return ctx;
	struct jpki_err err;
	const char *data = getenv("JPKI_DATA"), *url = getenv("JPKI_BASE_URL");
	const char *now = getenv("JPKI_NOW"), *issuer = getenv("JPKI_ISSUER_KEY_FILE");
	const char *store = getenv("JPKI_STORE");
	int rc = jpki_ctx_new(&ctx, &err);
	if (rc == 0 && data && *data)
		rc = jpki_ctx_set_data_dir(ctx, data, &err);
	if (rc == 0 && url && *url && (rc = jpki_ctx_set_base_url(ctx, url, &err)) < 0)
		jpki_fail(&err, err.code, "JPKI_BASE_URL: %s", err.msg);
	if (rc == 0 && issuer && *issuer)
		rc = jpki_ctx_set_issuer_key_file(ctx, issuer, &err);
	if (rc == 0 && store && *store && (rc = jpki_ctx_set_store(ctx, store, &err)) < 0)
		jpki_fail(&err, err.code, "JPKI_STORE: %s", err.msg);
	if (rc == 0 && now && *now) {
		int64_t t;
		if ((rc = jpki_time_parse(now, &t, &err)) < 0)
			jpki_fail(&err, JPKI_E_BAD_DATE, "JPKI_NOW: %s", err.msg);
		else
			jpki_ctx_set_now(ctx, t);
	}
	if (rc < 0) {
		cli_fail(&err);
		exit(1);
	}
	jpki_ctx_set_log(ctx, log_to_stderr, NULL);
	return ctx;
}

/* A passphrase from the environment: variable NAME, else the first line of file NAME_FILE. */
static int passphrase_from(const char *name, const char *unlocks, char *buf, size_t cap,
                           struct jpki_err *err)
{
	char file_var[64];
	snprintf(file_var, sizeof(file_var), "%s_FILE", name);
	const char *env = getenv(name);
	const char *file = getenv(file_var);
	if (env && *env) {
		if (strlen(env) >= cap)
			return jpki_fail(err, JPKI_E_PASSPHRASE, "%s is too long", name);
		memcpy(buf, env, strlen(env) + 1);
	} else if (file && *file) {
		uint8_t *data;
		size_t len;
		int rc = jpki_read_file(file, cap - 1, &data, &len, err);
		if (rc < 0)
			return jpki_fail(err, JPKI_E_PASSPHRASE, "passphrase file: %s", err->msg);
		while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
			len--;
		memcpy(buf, data, len);
		buf[len] = '\0';
		OPENSSL_cleanse(data, len);
		free(data);
	} else {
		return jpki_fail(err, JPKI_E_PASSPHRASE, "set %s or %s to unlock %s", name,
		                 file_var, unlocks);
	}
	int rc = jpki_ca_passphrase_check(buf, err);
	if (rc < 0)
		OPENSSL_cleanse(buf, cap);
	return rc;
}

/* The CA passphrase: JPKI_CA_PASSPHRASE, else the first line of JPKI_CA_PASSPHRASE_FILE. */
int cli_passphrase(char *buf, size_t cap, struct jpki_err *err)
{
	return passphrase_from("JPKI_CA_PASSPHRASE", "the CA keys", buf, cap, err);
}

int cli_responder_passphrase(char *buf, size_t cap, struct jpki_err *err)
{
	return passphrase_from("JPKI_RESPONDER_PASSPHRASE", "the exported OCSP responder keys", buf,
	                       cap, err);
}

int cli_open_store(struct jpki_store **st)
{
	struct jpki_err err;
	if (jpki_store_open_default(cli_ctx(), st, &err) < 0)
		return cli_fail(&err);
	if (jpki_binding_check(cli_ctx(), *st, JPKI_BINDING_CHECK, NULL, &err) < 0) {
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
	int rc = cli_passphrase(pass, sizeof(pass), &err);
	if (rc == 0)
		rc = jpki_ca_load(cli_ctx(), kind, pass, ca, &err);
	OPENSSL_cleanse(pass, sizeof(pass));
	return rc < 0 ? cli_fail(&err) : 0;
}

int cli_out_open(struct jpki_out *o, const char *path, mode_t mode, struct jpki_err *err)
{
	if (jpki_store_default_owns(cli_ctx(), path))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "%s is the registry (or its log): writing there would corrupt it",
		                 path);
	return jpki_out_open(o, path, mode, err);
}

int cli_write_out(const char *path, const void *buf, size_t len, mode_t mode, struct jpki_err *err)
{
	if (jpki_store_default_owns(cli_ctx(), path))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "%s is the registry (or its log): writing there would corrupt it",
		                 path);
	return jpki_write_out(path, buf, len, mode, err);
}

int cli_no_options(int argc, char **argv, const char *usage, int nargs, const char *what)
{
	static const struct cli_opt none[] = {{NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, usage, what, none);
	if (rc >= 0)
		return rc;
	if (argc - optind != nargs)
		return cli_usage_error(usage, "%s: %s", what,
		                       nargs ? "wrong number of arguments" : "takes no argument");
	return -1;
}

int cli_read_trust(const char *path, enum jpki_kind kind, uint8_t **buf, size_t *len,
                   struct jpki_err *err)
{
	char def[4096];
	if (!path) {
		int rc = jpki_ca_path(cli_ctx(), kind, "cert.pem", def, sizeof(def), err);
		if (rc < 0)
			return rc;
		path = def;
	}
	return jpki_read_file(path, 1u << 20, buf, len, err);
}
