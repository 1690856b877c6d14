/*
 * cmd_counter_cases.c: `jpki counter case`, `jpki counter receipt` and
 * `jpki audit`: the cases, the fee receipts and the audit log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_counter.h"
#include "commands.h"
#include "counter/case.h"
#include "counter/pdf.h"

static void print_case(const struct jpki_case_rec *c)
{
	char at[26], up[26];
	jpki_time_format_jst(c->opened_at, at);
	jpki_time_format_jst(c->updated_at, up);
	printf("case %" PRId64 ": %s, %s; resident %" PRId64
	       "; opened %s at %s by %s; updated %s\n",
	       c->id, jpki_procedure_name((enum jpki_procedure)c->procedure),
	       jpki_case_state_name((enum jpki_case_state)c->state), c->resident_id, at, c->counter,
	       c->operator_id, up);
	if (c->detail[0])
		printf("  %s\n", c->detail);
}

static int print_audit(const struct jpki_audit_rec *e, void *arg)
{
	char at[26];
	(void)arg;
	jpki_time_format_jst(e->at, at);
	printf("%" PRId64 "\t%s\t%s\t%s\tcase %" PRId64 "\tresident %" PRId64
	       "\t%s\t%s%s%s\t%s\t%s\n",
	       e->seq, at, e->operator_id, e->counter, e->case_id, e->resident_id, e->action,
	       e->decision, e->rule[0] ? " rule " : "", e->rule, e->documents, e->detail);
	return 0;
}

static int case_show(int argc, char **argv)
{
	struct cargs a = {0};
	int64_t id;
	struct jpki_err err;
	int prc = counter_parse(argc, argv, 0, 0, 1, &a);
	if (prc >= 0)
		return prc;
	if (cli_parse_id(argv[optind], &id, &err) < 0)
		return cli_usage_error(counter_usage, "counter case show: ID: %s", err.msg);
	struct counter_env e;
	struct jpki_case_rec c;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	struct jpki_audit_filter f = {.case_id = id};
	if (e.st->ops->case_get(e.st, id, &c, &err) < 0 ||
	    (print_case(&c), e.st->ops->audit_each(e.st, &f, print_audit, NULL, &err)) < 0)
		rc = cli_fail(&err);
	counter_env_close(&e);
	return rc;
}

static int print_case_cb(const struct jpki_case_rec *c, void *arg)
{
	(void)arg;
	print_case(c);
	return 0;
}

static int case_list(int argc, char **argv)
{
	struct cargs a = {0};
	int prc = counter_parse(argc, argv, 0, 0, 0, &a);
	if (prc >= 0)
		return prc;
	struct counter_env e;
	struct jpki_err err;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	if (e.st->ops->case_each(e.st, a.resident, print_case_cb, NULL, &err) < 0)
		rc = cli_fail(&err);
	counter_env_close(&e);
	return rc;
}

static int case_resume(int argc, char **argv)
{
	struct cargs a = {0};
	int64_t id;
	struct jpki_err err;
	int prc =
	    counter_parse(argc, argv, C_SESSION | C_CARD, CARD_AUTH_PIN | CARD_SIGN_PIN, 1, &a);
	if (prc >= 0)
		return prc;
	if (cli_parse_id(argv[optind], &id, &err) < 0)
		return cli_usage_error(counter_usage, "counter case resume: ID: %s", err.msg);
	struct counter_env e;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	struct jpki_case_rec c;
	if (e.st->ops->case_get(e.st, id, &c, &err) < 0) {
		counter_env_close(&e);
		return cli_fail(&err);
	}
	bool want_auth, want_sign;
	jpki_counter_case_pins(&c, &want_auth, &want_sign);
	_cleanup_(pins_wipe) struct pins p;
	memset(&p, 0, sizeof(p));
	struct counter_card k;
	struct jpki_issue_outcome out;
	rc = read_pins(&a, want_auth, want_sign, &p);
	if (rc != 0) {
		counter_env_close(&e);
		return rc;
	}
	if ((rc = counter_card_open(&a, true, &k)) == 0) {
		struct jpki_counter_pins pins = {p.auth[0] ? p.auth : NULL,
		                                 p.sign[0] ? p.sign : NULL, NULL, NULL};
		if (jpki_counter_resume(&e.s, id, &k.c, &pins, &out, &err) < 0)
			rc = counter_fail(&err);
		else
			print_issue(&out);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

static int case_cancel(int argc, char **argv)
{
	struct cargs a = {0};
	int64_t id;
	struct jpki_err err;
	int prc = counter_parse(argc, argv, C_SESSION, 0, 1, &a);
	if (prc >= 0)
		return prc;
	if (cli_parse_id(argv[optind], &id, &err) < 0)
		return cli_usage_error(counter_usage, "counter case cancel: ID: %s", err.msg);
	struct counter_env e;
	struct jpki_case_rec c;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	if (jpki_counter_session_check(&e.s, &err) < 0 ||
	    e.st->ops->case_get(e.st, id, &c, &err) < 0 ||
	    jpki_case_move(&e.s, &c, JPKI_CASE_CANCELLED,
	                   &(struct jpki_case_note){"cancelled", "done", "", "", ""}, &err) < 0)
		rc = cli_fail(&err);
	else
		printf("case %" PRId64 " cancelled\n", id);
	counter_env_close(&e);
	return rc;
}

int counter_cmd_case(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"show", case_show, "a case and its audit entries"},
	    {"list", case_list, "cases, newest first"},
	    {"resume", case_resume, "complete an interrupted issuance"},
	    {"cancel", case_cancel, "withdraw an unfinished case"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("counter case", cmds, counter_usage, argc, argv);
}

static int receipt_id(const char *cmd, const char *s, int64_t *id)
{
	struct jpki_err err;
	if (cli_parse_id(s, id, &err) < 0)
		return cli_usage_error(counter_usage, "counter receipt %s: NUMBER: %s", cmd,
		                       err.msg);
	return -1;
}

static int receipt_show(int argc, char **argv)
{
	struct cargs a = {0};
	int64_t id;
	struct jpki_err err;
	int prc = counter_parse(argc, argv, 0, 0, 1, &a);
	if (prc >= 0 || (prc = receipt_id("show", argv[optind], &id)) >= 0)
		return prc;
	struct counter_env e;
	struct jpki_receipt_rec r;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	if (e.st->ops->receipt_get(e.st, id, &r, &err) < 0) {
		rc = cli_fail(&err);
	} else {
		char at[26];
		jpki_time_format_jst(r.issued_at, at);
		printf("receipt %" PRId64 ": %d yen (%s), case %" PRId64 ", resident %" PRId64
		       ", %s%s%s%s%s\n",
		       r.number, r.amount, r.fee_case, r.case_id, r.resident_id, at,
		       r.voided_at ? "; voided by " : "", r.voided_by,
		       r.voided_at ? ", approved by " : "", r.approved_by);
	}
	counter_env_close(&e);
	return rc;
}

static int receipt_void(int argc, char **argv)
{
	struct cargs a = {0};
	int64_t id, case_id = 0;
	struct jpki_err err;
	int prc = counter_parse(argc, argv, C_SESSION | C_APPROVAL, 0, 1, &a);
	if (prc >= 0 || (prc = receipt_id("void", argv[optind], &id)) >= 0)
		return prc;
	struct counter_env e;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	if (jpki_counter_fee_void_approved(&e.s, id, a.approval, &case_id, &err) < 0)
		rc = counter_fail(&err);
	else
		printf("receipt %" PRId64 " voided; case %" PRId64 " done\n", id, case_id);
	counter_env_close(&e);
	return rc;
}

static int receipt_pdf(int argc, char **argv)
{
	struct cargs a = {0};
	int64_t id;
	struct jpki_err err;
	int prc = counter_parse(argc, argv, C_OUT, 0, 1, &a);
	if (prc >= 0 || (prc = receipt_id("pdf", argv[optind], &id)) >= 0)
		return prc;
	if (!a.out)
		return cli_usage_error(counter_usage, "counter receipt pdf: --out FILE.pdf");
	struct counter_env e;
	struct jpki_receipt_rec r;
	struct jpki_resident res;
	uint8_t *pdf = NULL;
	size_t len = 0;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	if (e.st->ops->receipt_get(e.st, id, &r, &err) < 0 ||
	    e.st->ops->resident_get(e.st, r.resident_id, &res, &err) < 0 ||
	    jpki_pdf_receipt(&r, &res, &pdf, &len, &err) < 0 ||
	    cli_write_out(a.out, pdf, len, 0644, &err) < 0)
		rc = cli_fail(&err);
	else
		printf("receipt %" PRId64 " printed to %s\n", id, a.out);
	free(pdf);
	counter_env_close(&e);
	return rc;
}

int counter_cmd_receipt(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"show", receipt_show, "a receipt"},
	    {"pdf", receipt_pdf, "print a receipt as PDF"},
	    {"void", receipt_void, "void or refund (with a supervisor)"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("counter receipt", cmds, counter_usage, argc, argv);
}

static const char audit_usage[] =
    "usage: jpki audit [--resident ID] [--case ID] [--operator ID] [--decision D]\n"
    "                  [--rule R] [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
    "\n"
    "List the counter's audit log, oldest first, one entry a line (tab-separated):\n"
    "sequence, time, operator, counter, case, resident, action, decision and rule,\n"
    "documents checked, facts.  The log is append-only; entries are kept at least\n"
    "10 years after the certificate's expiry (docs/counter.md).  It is a Merkle tree\n"
    "with signed checkpoints: jpki audit export|checkpoint|vkey|prove|consistency|\n"
    "verify (`jpki audit verify --help`, docs/audit.md).\n";

int cmd_audit(int argc, char **argv)
{
	if (argc >= 2 && cmd_audit_log_is(argv[1]))
		return cmd_audit_log(argc, argv);
	struct cargs a = {0};
	struct jpki_err err;
	const struct cli_opt rows[] = {
	    {"resident", CLI_ID, &a.resident, 0, 0, NULL, NULL},
	    {"case", CLI_ID, &a.case_id, 0, 0, NULL, NULL},
	    {"operator", CLI_TEXT, &a.operator_id, 0, 0, NULL, NULL},
	    {"decision", CLI_TEXT, &a.decision, 0, 0, NULL, NULL},
	    {"rule", CLI_TEXT, &a.rule, 0, 0, NULL, NULL},
	    {"since", CLI_CUSTOM, &a.since, 0, 0, cli_opt_date, &a.has_since},
	    {"until", CLI_CUSTOM, &a.until, 0, 0, cli_opt_date, &a.has_until},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, audit_usage, "audit", rows);
	if (prc >= 0)
		return prc;
	if (optind != argc)
		return cli_usage_error(audit_usage, "audit: unexpected argument '%s'",
		                       argv[optind]);
	struct jpki_audit_filter f = {
	    .resident_id = a.resident,
	    .case_id = a.case_id,
	    .since = a.has_since ? jpki_jst_end_of_day(a.since) - 86399 : 0,
	    .until = a.has_until ? jpki_jst_end_of_day(a.until) : 0,
	    .operator_id = a.operator_id,
	    .decision = a.decision,
	    .rule = a.rule,
	};
	struct jpki_store *st = NULL;
	int rc = cli_open_store(&st);
	if (rc != 0)
		return rc;
	if (st->ops->audit_each(st, &f, print_audit, NULL, &err) < 0)
		rc = cli_fail(&err);
	jpki_store_close(st);
	return rc;
}
