/*
 * cmd_responder.c: `jpki responder export DIR`: the data folder of an OCSP
 * responder machine, which holds no CA key (docs/deployment.md).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "ca/ca.h"
#include "core/fsutil.h"
#include "jpki/date.h"
#include "status/responder.h"

static const char usage[] =
    "usage: jpki responder export DIR\n"
    "\n"
    "export  make DIR the data folder of an OCSP responder machine, for\n"
    "        `jpki serve --ocsp-only` there: each CA's certificate and the id of\n"
    "        its registry (ca/KIND/cert.pem, registry-id), and each CA's OCSP\n"
    "        responder certificate with its key (ocsp/KIND/), renewed first when\n"
    "        it is within 7 days of its end.  No CA key goes into DIR.\n"
    "        The responder keys are encrypted with the responder's own passphrase,\n"
    "        JPKI_RESPONDER_PASSPHRASE (or the file JPKI_RESPONDER_PASSPHRASE_FILE),\n"
    "        which must differ from the CA passphrase; the CA passphrase\n"
    "        (JPKI_CA_PASSPHRASE) unlocks the CA keys here, on the CA machine.\n"
    "        A responder certificate lives 30 days: export again (and restart the\n"
    "        responders) before the end this command prints.\n";

/* DIR may not be the data folder itself (realpath of both, when DIR exists). */
static bool same_folder(const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	return realpath(dir, a) && realpath(jpki_ctx_data_dir(cli_ctx()), b) && strcmp(a, b) == 0;
}

/* Copy <data>/ca/KIND/NAME to DIR's ca/KIND/NAME. */
static int copy_ca_file(const struct jpki_ctx *to, enum jpki_kind kind, const char *name,
                        struct jpki_err *err)
{
	char from[4096], dst[4096], dir[4096];
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;
	if ((rc = jpki_ca_path(cli_ctx(), kind, name, from, sizeof(from), err)) < 0 ||
	    (rc = jpki_ca_path(to, kind, name, dst, sizeof(dst), err)) < 0 ||
	    (rc = jpki_ca_path(to, kind, "", dir, sizeof(dir), err)) < 0 ||
	    (rc = jpki_mkdir_p(dir, err)) < 0 ||
	    (rc = jpki_read_file(from, 64 * 1024, &data, &len, err)) < 0)
		return rc;
	rc = jpki_write_file_atomic(dst, data, len, 0644, err);
	free(data);
	return rc;
}

/* DIR must not hold a CA key already (a responder's folder never does). */
static int refuse_ca_keys(const struct jpki_ctx *to, struct jpki_err *err)
{
	for (int k = 0; k < 2; k++) {
		char key[4096];
		int rc = jpki_ca_path(to, (enum jpki_kind)k, "key.pem", key, sizeof(key), err);
		if (rc < 0)
			return rc;
		if (jpki_path_exists(key))
			return jpki_fail(
			    err, JPKI_E_STATE,
			    "%s is a CA key: a responder's folder holds none (this looks "
			    "like a CA's data folder)",
			    key);
	}
	return 0;
}

static int export_one(const struct jpki_ctx *to, enum jpki_kind kind, const char *ca_pass,
                      const char *resp_pass, struct jpki_err *err)
{
	_cleanup_(jpki_ca_freep) struct jpki_ca *ca = NULL;
	_cleanup_(jpki_responder_freep) struct jpki_responder *r = NULL;
	int64_t now;
	int rc;
	if ((rc = jpki_ctx_now(cli_ctx(), &now, err)) < 0 ||
	    (rc = jpki_ca_load(cli_ctx(), kind, ca_pass, &ca, err)) < 0 ||
	    (rc = jpki_responder_ensure(ca, ca_pass, now, &r, err)) < 0 ||
	    (rc = copy_ca_file(to, kind, "cert.pem", err)) < 0 ||
	    (rc = copy_ca_file(to, kind, "registry-id", err)) < 0 ||
	    (rc = jpki_responder_save(to, r, resp_pass, err)) < 0)
		return rc;
	char end[26];
	jpki_time_format_jst(r->not_after, end);
	printf("%s: CA certificate, registry id and OCSP responder (valid until %s) in %s\n",
	       jpki_kind_name(kind), end, jpki_ctx_data_dir(to));
	return 0;
}

static int export_to(const char *dir)
{
	struct jpki_ctx *to = NULL;
	struct jpki_err err;
	char ca_pass[1024], resp_pass[1024];
	int rc = 0;
	if (same_folder(dir))
		return cli_fail_msg("responder export: %s is this data folder; name a new folder",
		                    dir);
	if (jpki_ctx_new(&to, &err) < 0 || jpki_ctx_set_data_dir(to, dir, &err) < 0 ||
	    refuse_ca_keys(to, &err) < 0 || cli_passphrase(ca_pass, sizeof(ca_pass), &err) < 0) {
		jpki_ctx_free(to);
		return cli_fail(&err);
	}
	if (cli_responder_passphrase(resp_pass, sizeof(resp_pass), &err) < 0) {
		OPENSSL_cleanse(ca_pass, sizeof(ca_pass));
		jpki_ctx_free(to);
		return cli_fail(&err);
	}
	if (strcmp(ca_pass, resp_pass) == 0)
		rc = cli_fail_msg(
		    "responder export: JPKI_RESPONDER_PASSPHRASE is the CA passphrase; "
		    "a responder machine must not hold that (choose another)");
	for (int k = 0; k < 2 && rc == 0; k++)
		if (export_one(to, (enum jpki_kind)k, ca_pass, resp_pass, &err) < 0)
			rc = cli_fail(&err);
	OPENSSL_cleanse(ca_pass, sizeof(ca_pass));
	OPENSSL_cleanse(resp_pass, sizeof(resp_pass));
	jpki_ctx_free(to);
	return rc;
}

static int export_cmd(int argc, char **argv)
{
	const struct cli_opt opts[] = {{NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, usage, "responder export", opts);
	if (rc >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error(usage, "responder export: one DIR, and nothing else");
	return export_to(argv[optind]);
}

int cmd_responder(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"export", export_cmd, "the data folder of an OCSP responder machine"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("responder", cmds, usage, argc, argv);
}
