/*
 * main.c: the jpki program, one binary with subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: jpki COMMAND [ARGS]\n"
    "\n"
    "jpki: Japan's Public Personal Authentication Service (公的個人認証サービス)\n"
    "\n"
    "commands:\n"
    "  init       create the signature CA and the authentication CA, the registry,\n"
    "             and the HTTPS certificate from a local TLS CA (idempotent)\n"
    "  resident   resident records and life events (move, rename, correct, death,\n"
    "             emigrate) with the revocations they cause\n"
    "  cert       issue (one or in bulk), revoke, list and show certificates\n"
    "  crl        generate a CA's full, partition or delta CRL now\n"
    "  serve      publish CA certificates, CRLs and OCSP over HTTP (and HTTPS)\n"
    "  tls        renew the HTTPS certificate of serve (from the local TLS CA)\n"
    "  card       the software My Number card: make, personalise, attach, use\n"
    "  registry   check, back up and restore the registry; a new one for existing CAs\n"
    "  store      move the registry to PostgreSQL (migrate --to), checked row for row\n"
    "  responder  export the data folder of an OCSP responder machine (no CA key)\n"
    "  counter    the municipal counter's procedures (issue, renew, loss, PIN reset, ...)\n"
    "  audit      list the counter's audit log\n"
    "  tsa        the RFC 3161 time-stamping authority: answer a request, its certificate\n"
    "  sign       sign a document with the card's signature key (CAdES B-B, B-T, B-LT)\n"
    "  verify     verify a signature years later and say who signed\n"
    "  login      log in with the card, bound to the site (Web eID tokens): both sides\n"
    "  rp         relying parties of the linking service: pseudonyms across renewals\n"
    "\n"
    "Run `jpki COMMAND --help` for a command's options.\n"
    "\n"
    "environment:\n"
    "  JPKI_DATA                data folder (default ./var)\n"
    "  JPKI_STORE               the registry on PostgreSQL: postgresql://USER@HOST/DB\n"
    "                           (default: the data folder's registry.sqlite)\n"

    "  JPKI_CA_PASSPHRASE       passphrase of the CA keys (at least 12 characters)\n"
    "  JPKI_CA_PASSPHRASE_FILE  or a file holding it\n"
    "  JPKI_RESPONDER_PASSPHRASE  (or ..._FILE) an OCSP responder machine's keys\n"
    "  JPKI_NOW                 the current time, e.g. 2026-11-26T10:00:00+09:00\n"
    "  JPKI_BASE_URL            URL prefix written into certificates\n"
    "                           (default http://127.0.0.1:8080)\n";

static const struct cli_command commands[] = {
    {"init", cmd_init, "create the CAs"},
    {"resident", cmd_resident, "resident records"},
    {"cert", cmd_cert, "certificates"},
    {"crl", cmd_crl, "CRLs"},
    {"serve", cmd_serve, "HTTP publication"},
    {"tls", cmd_tls, "the HTTPS certificate"},
    {"card", cmd_card, "the software card"},
    {"registry", cmd_registry, "the registry itself"},
    {"store", cmd_store, "the registry moved to another engine"},
    {"responder", cmd_responder, "the data folder of an OCSP responder machine"},
    {"counter", cmd_counter, "the counter's procedures"},
    {"audit", cmd_audit, "the audit log"},
    {"operator", cmd_operator, "the counter's operators and their roles"},
    {"approval", cmd_approval, "four-eyes requests and approvals"},
    {"tsa", cmd_tsa, "time-stamping"},
    {"sign", cmd_sign, "sign a document with the card (CAdES)"},
    {"verify", cmd_verify, "verify a signature and name the signer"},
    {"login", cmd_login, "log in with the authentication certificate (Web eID tokens)"},
    {"rp", cmd_rp, "relying parties of the linking service"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0)) {
		puts("jpki 0.1.0");
		return 0;
	}
	return cli_dispatch("jpki", commands, usage, argc, argv);
}
