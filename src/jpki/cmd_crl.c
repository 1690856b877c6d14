/*
 * cmd_crl.c: `jpki crl`, generating a CA's CRL on demand.
 */
#include <getopt.h>
#include <stdlib.h>

#include "ca/crl.h"
#include "cli.h"
#include "commands.h"
#include "core/fsutil.h"

static const char usage[] =
	"usage: jpki crl --kind sign|auth [--out FILE] [--validity SECONDS]\n"
	"\n"
	"Build and sign the CA's full CRL now (DER) with the next cRLNumber and\n"
	"write it to FILE (default <data>/crl/<kind>.crl).  nextUpdate is\n"
	"thisUpdate + SECONDS (default 86400).\n";

int cmd_crl(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"out", required_argument, NULL, 'o'},
		{"validity", required_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	enum jpki_kind kind = JPKI_KIND_SIGN;
	bool have_kind = false;
	const char *out = NULL;
	unsigned long validity = JPKI_CRL_DEFAULT_VALIDITY;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'k':
			if (jpki_kind_parse(optarg, &kind) < 0)
				return cli_usage_error(usage, "--kind must be sign or auth");
			have_kind = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'v':
			if (cli_parse_uint(optarg, 60, 31L * 86400, &validity) < 0)
				return cli_usage_error(usage, "--validity: 60 to 2678400 seconds");
			break;
		default:
			return cli_usage_error(usage, "crl: bad option");
		}
	}
	if (optind != argc || !have_kind)
		return cli_usage_error(usage, "crl: --kind is required");
	_cleanup_(jpki_ca_freep) struct jpki_ca *ca = NULL;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	int64_t now;
	uint8_t *der = NULL;
	size_t len;
	char path[4096];
	if (cli_load_ca(kind, &ca) != 0 || cli_open_store(&st) != 0)
		return 1;
	if (jpki_clock_now(&now, &err) < 0 ||
	    jpki_crl_build(st, ca, now, (int64_t)validity, &der, &len, &err) < 0)
		return cli_fail(&err);
	if (!out) {
		snprintf(path, sizeof(path), "%s/crl", jpki_data_dir());
		if (jpki_mkdir_p(path, &err) < 0) {
			free(der);
			return cli_fail(&err);
		}
		snprintf(path, sizeof(path), "%s/crl/%s.crl", jpki_data_dir(), jpki_kind_name(kind));
		out = path;
	}
	int rc = jpki_write_file_atomic(out, der, len, 0644, &err);
	free(der);
	if (rc < 0)
		return cli_fail(&err);
	printf("%s\n", out);
	return 0;
}
