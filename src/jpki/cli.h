/*
 * cli.h: what every jpki subcommand shares: reporting, strict argument
 * parsing, and opening the registry and CAs of the data folder.
 *
 * Exit status: 0 success, 1 the operation failed (message on stderr),
 * 2 the command line was wrong (usage on stderr).
 */
#ifndef JPKI_CLI_H
#define JPKI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ca/ca.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "jpki/error.h"
#include "store/store.h"

#define EXIT_USAGE 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Print "jpki: error: <message>" and return 1. */
int cli_fail(const struct jpki_err *err);
/* Print "jpki: error: <formatted message>" and return 1. */
int cli_fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage error and the usage text; return 2. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run the subcommand of `cmds` named argv[1]; the family name is for messages. */
int cli_dispatch(const char *family, const struct cli_command *cmds, const char *usage, int argc,
                 char **argv);

/* Strict decimal id > 0: 0, or INVALID with the reason in err (may be NULL). */
int cli_parse_id(const char *s, int64_t *out, struct jpki_err *err);
/* Strict unsigned integer in [min, max]: 0, or INVALID with the reason in err (may be NULL). */
int cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out,
                   struct jpki_err *err);

/*
 * A command with only --help and nargs operands: -1 to go on (operands from
 * argv[optind]), else the exit status (0 after --help, 2 on a usage error).
 */
int cli_no_options(int argc, char **argv, const char *usage, int nargs, const char *what);

/* The context of this run, filled from the environment once (exits 1 on a bad variable). */
const struct jpki_ctx *cli_ctx(void);
/* The CA passphrase from JPKI_CA_PASSPHRASE or JPKI_CA_PASSPHRASE_FILE, checked. */
int cli_passphrase(char *buf, size_t cap, struct jpki_err *err);
/* An OCSP responder machine's own passphrase (JPKI_RESPONDER_PASSPHRASE or ..._FILE), checked. */
int cli_responder_passphrase(char *buf, size_t cap, struct jpki_err *err);

/*
 * Open the registry of the data folder and check that it belongs to the data
 * folder's CAs (ca/binding.h); prints and returns 1 on failure.
 */
int cli_open_store(struct jpki_store **st);
/* Load one or both CAs with the passphrase from the environment. */
int cli_load_ca(enum jpki_kind kind, struct jpki_ca **ca);

/*
 * The trust anchors a verifier reads: the file at path (--trust), else the
 * data folder's CA certificate of kind.  *buf malloc'd (at most 1 MiB).
 */
int cli_read_trust(const char *path, enum jpki_kind kind, uint8_t **buf, size_t *len,
                   struct jpki_err *err);

/*
 * An --out the user named (core/fsutil.h jpki_out), refused when it is the
 * registry or one of its files.  cli_write_out: open, write, commit.
 */
int cli_out_open(struct jpki_out *o, const char *path, mode_t mode, struct jpki_err *err);
int cli_write_out(const char *path, const void *buf, size_t len, mode_t mode, struct jpki_err *err);

#endif
