/* commands.h: the subcommands of jpki, one file each. */
#ifndef JPKI_COMMANDS_H
#define JPKI_COMMANDS_H

#include <stdbool.h>

int cmd_init(int argc, char **argv);
int cmd_resident(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_cert_bulk(int argc, char **argv);
int cmd_cert_revoke(int argc, char **argv);
int cmd_crl(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_card(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_responder(int argc, char **argv);
int cmd_counter(int argc, char **argv);
int cmd_audit(int argc, char **argv);
/* jpki audit export|checkpoint|vkey|prove|consistency|verify (cmd_audit_log.c) */
int cmd_audit_log(int argc, char **argv);
bool cmd_audit_log_is(const char *name);
int cmd_tsa(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_rp(int argc, char **argv);
int cmd_operator(int argc, char **argv);
int cmd_operator_key(int argc, char **argv);
int cmd_approval(int argc, char **argv);
int cmd_tls(int argc, char **argv);

/* What `jpki init` shares with `jpki tls renew` (cmd_tls.c). */
struct jpki_err;
struct jpki_tls_status;
/* --tls-name NAME (repeatable): dst is a struct jpki_tls_names. */
int cli_opt_tls_name(const char *value, void *dst, struct jpki_err *err);
/* What was done with the HTTPS certificate, on stdout. */
void tls_report(const struct jpki_tls_status *st, bool renewing);

#endif
