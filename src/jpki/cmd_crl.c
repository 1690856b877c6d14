/*
 * cmd_crl.c: `jpki crl`, generating one of a CA's CRLs on demand.
 */
#include <stdlib.h>

#include "ca/crl.h"
#include "cli.h"
#include "opts.h"
#include "commands.h"
#include "core/fsutil.h"

static const char usage[] =
    "usage: jpki crl --kind sign|auth [--partition N [--delta [--base FILE]]]\n"
    "                [--out FILE] [--validity SECONDS]\n"
    "\n"
    "Build and sign one of the CA's CRLs now (DER) with the CA's next cRLNumber\n"
    "and write it to FILE.\n"
    "\n"
    "  (default)        the full CRL: every revoked, unexpired certificate of the CA;\n"
    "                   default FILE <data>/crl/<kind>.crl\n"
    "  --partition N    the CRL of partition N (0-1023), the one certificates of that\n"
    "                   partition name in cRLDistributionPoints; it carries\n"
    "                   issuingDistributionPoint and freshestCRL;\n"
    "                   default FILE <data>/crl/<kind>/N.crl\n"
    "  --delta          the delta CRL of partition N: the revocations since the base\n"
    "                   CRL of that partition was issued (deltaCRLIndicator = its\n"
    "                   number); default FILE <data>/crl/<kind>/N-delta.crl\n"
    "  --base FILE      the base CRL for --delta (default <data>/crl/<kind>/N.crl)\n"
    "  --validity S     nextUpdate = thisUpdate + S seconds (60 to 2678400; default\n"
    "                   86400, for --delta 3600)\n";

/* --base: read and check the base CRL of the partition */
static int read_base(const struct jpki_ca *ca, int part, const char *path,
                     struct jpki_crl_scope *sc, struct jpki_err *err)
{
	uint8_t *der = NULL;
	size_t len;
	int rc = jpki_read_file(path, JPKI_CRL_MAX_BYTES, &der, &len, err);
	if (rc == 0)
		rc = jpki_crl_base_info(ca, part, der, len, &sc->base_number, &sc->base_this_update,
		                        err);
	free(der);
	return rc;
}

int cmd_crl(int argc, char **argv)
{
	enum jpki_kind kind = JPKI_KIND_SIGN;
	bool have_kind = false, have_validity = false, have_part = false;
	const char *out = NULL, *base = NULL;
	unsigned long validity = JPKI_CRL_DEFAULT_VALIDITY, part = 0;
	struct jpki_crl_scope sc = {-1, false, 0, 0};
	const struct cli_opt opts[] = {
	    {"kind", CLI_CUSTOM, &kind, 0, 0, cli_opt_kind, &have_kind},
	    {"out", CLI_TEXT, &out, 0, 0, NULL, NULL},
	    {"validity", CLI_UINT, &validity, 60, 31L * 86400, NULL, &have_validity},
	    {"partition", CLI_UINT, &part, 0, JPKI_CRL_PARTITIONS - 1, NULL, &have_part},
	    {"delta", CLI_FLAG, &sc.delta, 0, 0, NULL, NULL},
	    {"base", CLI_TEXT, &base, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, usage, "crl", opts);
	if (prc >= 0)
		return prc;
	if (have_part)
		sc.partition = (int)part;
	if (optind != argc || !have_kind)
		return cli_usage_error(usage, "crl: --kind is required");
	if (sc.delta && sc.partition < 0)
		return cli_usage_error(usage, "crl: --delta needs --partition");
	if (base && !sc.delta)
		return cli_usage_error(usage, "crl: --base goes with --delta");
	if (sc.delta && !have_validity)
		validity = JPKI_CRL_DELTA_DEFAULT_VALIDITY;
	_cleanup_(jpki_ca_freep) struct jpki_ca *ca = NULL;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	struct jpki_crl crl = {0};
	int64_t now;
	char dir[4096], path[4200], base_path[4200];
	if (cli_load_ca(kind, &ca) != 0 || cli_open_store(&st) != 0)
		return 1;
	if (sc.partition < 0)
		snprintf(dir, sizeof(dir), "%s/crl", jpki_ctx_data_dir(cli_ctx()));
	else
		snprintf(dir, sizeof(dir), "%s/crl/%s", jpki_ctx_data_dir(cli_ctx()),
		         jpki_kind_name(kind));
	if (sc.delta && !base) {
		snprintf(base_path, sizeof(base_path), "%s/%d.crl", dir, sc.partition);
		base = base_path;
	}
	if (!out) {
		if (jpki_mkdir_p(dir, &err) < 0)
			return cli_fail(&err);
		if (sc.partition < 0)
			snprintf(path, sizeof(path), "%s/%s.crl", dir, jpki_kind_name(kind));
		else
			snprintf(path, sizeof(path), "%s/%d%s.crl", dir, sc.partition,
			         sc.delta ? "-delta" : "");
		out = path;
	}
	struct jpki_out o; /* a bad --out fails before a cRLNumber is drawn */
	if ((sc.delta && read_base(ca, sc.partition, base, &sc, &err) < 0) ||
	    jpki_ctx_now(cli_ctx(), &now, &err) < 0 || cli_out_open(&o, out, 0644, &err) < 0)
		return cli_fail(&err);
	int rc = jpki_crl_build_scope(st, ca, &sc, now, (int64_t)validity, &crl, &err);
	if (rc == 0 && (rc = jpki_out_write(&o, crl.der, crl.len, &err)) == 0)
		rc = jpki_out_commit(&o, &err);
	if (rc < 0)
		jpki_out_abort(&o);
	jpki_crl_clear(&crl);
	if (rc < 0)
		return cli_fail(&err);
	printf("%s\n", out);
	return 0;
}
