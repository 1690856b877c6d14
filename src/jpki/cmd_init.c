/*
 * cmd_init.c: `jpki init`, creating the data folder, both CAs and the registry.
 */
#include <getopt.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "core/fsutil.h"

static const char usage[] =
	"usage: jpki init\n"
	"\n"
	"Create the data folder ($JPKI_DATA, default ./var), the signature CA, the\n"
	"authentication CA and the resident registry.  Running it again changes\n"
	"nothing: an existing CA is checked (it must open with the passphrase) and\n"
	"never overwritten.  The CA keys are encrypted with JPKI_CA_PASSPHRASE\n"
	"(or the file named by JPKI_CA_PASSPHRASE_FILE).\n";

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		return cli_usage_error(usage, "init: bad option");
	}
	if (optind != argc)
		return cli_usage_error(usage, "init: unexpected argument '%s'", argv[optind]);

	struct jpki_err err;
	char pass[1024];
	int64_t now;
	if (jpki_clock_now(&now, &err) < 0 || jpki_mkdir_p(jpki_data_dir(), &err) < 0 ||
	    jpki_ca_passphrase(pass, sizeof(pass), &err) < 0)
		return cli_fail(&err);
	for (int k = 0; k < 2; k++) {
		bool created;
		if (jpki_ca_init((enum jpki_kind)k, now, pass, &created, &err) < 0) {
			OPENSSL_cleanse(pass, sizeof(pass));
			return cli_fail(&err);
		}
		char path[4096];
		jpki_ca_path((enum jpki_kind)k, "cert.pem", path, sizeof(path), NULL);
		printf("%s CA %s: %s\n", jpki_kind_name((enum jpki_kind)k),
		       created ? "created" : "exists", path);
	}
	OPENSSL_cleanse(pass, sizeof(pass));
	struct jpki_store *st;
	if (cli_open_store(&st) != 0)
		return 1;
	jpki_store_close(st);
	printf("registry: %s/registry.sqlite\n", jpki_data_dir());
	return 0;
}
