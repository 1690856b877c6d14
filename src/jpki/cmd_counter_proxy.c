/*
 * cmd_counter_proxy.c: `jpki counter proxy request|answer` (a voluntary
 * proxy's two visits) and `jpki counter notices` (the renewal notices of a
 * month), with their printable PDFs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_counter.h"
#include "card/keys.h"
#include "core/fsutil.h"
#include "counter/proxy.h"

static int proxy_request(int argc, char **argv)
{
	struct cargs a = {0};
	int prc =
	    counter_parse(argc, argv, C_SESSION | C_RESIDENT | C_DOCS | C_KINDS | C_OUT, 0, 0, &a);
	if (prc >= 0)
		return prc;
	if (!a.out)
		return cli_usage_error(counter_usage, "counter proxy request: --out FILE.pdf");
	a.app.applicant = JPKI_APPLICANT_PROXY;
	struct counter_env e;
	struct counter_card k = {0};
	struct jpki_form_out f;
	struct jpki_err err;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	if (jpki_issuer_master_load(cli_ctx(), k.master, false, &err) < 0) {
		rc = cli_fail(&err);
	} else if (jpki_counter_proxy_request(&e.s, &a.app, k.master, &f, &err) < 0) {
		rc = counter_fail(&err);
	} else {
		char until[26];
		jpki_time_format_jst(f.expires_at, until);
		if (cli_write_out(a.out, f.pdf, f.pdf_len, 0644, &err) < 0)
			rc = cli_fail(&err); /* the case stands: jpki counter case show says so */
		else
			printf("case %" PRId64
			       " form-sent; form %s, valid until %s, printed to %s\n",
			       f.case_id, f.code, until, a.out);
		free(f.pdf);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

static int proxy_answer(int argc, char **argv)
{
	struct cargs a = {0};
	int prc = counter_parse(argc, argv, C_SESSION | C_DOCS | C_FORM | C_DELEGATION | C_CARD,
	                        CARD_AUTH_PIN | CARD_SIGN_PIN, 0, &a);
	if (prc >= 0)
		return prc;
	if (!a.form)
		return cli_usage_error(counter_usage, "counter proxy answer: --form CODE");
	_cleanup_(pins_wipe) struct pins p;
	memset(&p, 0, sizeof(p));
	/* the PINs written on the form: the clerk reads them from it, never onto argv */
	int rc = read_pins(&a, true, cli_secret_given(&a.sec.sign_pin), &p);
	if (rc != 0)
		return rc;
	struct jpki_counter_pins pins = {p.auth, p.sign[0] ? p.sign : NULL, NULL, NULL};
	struct jpki_form_answer fa = {a.form, a.sealed, a.delegation};
	struct counter_env e;
	struct counter_card k;
	struct jpki_issue_outcome out;
	struct jpki_err err;
	if ((rc = counter_env_open(&a, &e)) != 0)
		return rc;
	if ((rc = counter_card_open(&a, true, &k)) == 0) {
		rc = jpki_counter_proxy_answer(&e.s, &fa, &a.app, &k.c, &pins, &out, &err) < 0
		         ? counter_fail(&err)
		         : 0;
		if (rc == 0)
			print_issue(&out);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

int counter_cmd_proxy(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"request", proxy_request, "visit 1: the form for mailing"},
	    {"answer", proxy_answer, "visit 2: the answered form and the card"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("counter proxy", cmds, counter_usage, argc, argv);
}

/* ---- notices ---- */

struct notice_run {
	const char *dir, *month;
	FILE *csv; /* a memory stream: the CSV is written whole before the run commits */
	char **buf;
	size_t *len;
};

/* A CSV field: quoted, inner quotes doubled (RFC 4180). */
static void csv_field(FILE *f, const char *s, bool last)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputs(last ? "\"\r\n" : "\",", f);
}

static int one_notice(void *arg, const struct jpki_resident *r,
                      const struct jpki_notice_cert *certs, int n, const char *code,
                      int64_t form_expires, const uint8_t *pdf, size_t pdf_len,
                      struct jpki_err *err)
{
	struct notice_run *run = arg;
	char path[4200], name[300], id[24], until[26];
	snprintf(path, sizeof(path), "%s/notice-%" PRId64 ".pdf", run->dir, r->id);
	int rc = cli_write_out(path, pdf, pdf_len, 0644, err);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "%" PRId64, r->id);
	snprintf(name, sizeof(name), "%s %s", r->family, r->given);
	jpki_time_format_jst(form_expires, until);
	for (int i = 0; i < n; i++) {
		char na[26];
		jpki_time_format_jst(certs[i].not_after, na);
		csv_field(run->csv, id, false);
		csv_field(run->csv, name, false);
		csv_field(run->csv, r->address, false);
		csv_field(run->csv, jpki_kind_name(certs[i].kind), false);
		csv_field(run->csv, certs[i].serial, false);
		csv_field(run->csv, na, false);
		csv_field(run->csv, code, false);
		csv_field(run->csv, until, true);
	}
	return 0;
}

static int notices_done(void *arg, struct jpki_err *err)
{
	struct notice_run *run = arg;
	char path[4200];
	if (fflush(run->csv) != 0)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/notices-%s.csv", run->dir, run->month);
	return cli_write_out(path, *run->buf, *run->len, 0644, err);
}

int counter_cmd_notices(int argc, char **argv)
{
	struct cargs a = {0};
	int prc = counter_parse(argc, argv, C_SESSION | C_MONTH, 0, 0, &a);
	if (prc >= 0)
		return prc;
	if (!a.month || !a.out_dir)
		return cli_usage_error(counter_usage,
		                       "counter notices: --month YYYY-MM --out-dir DIR");
	struct counter_env e;
	struct counter_card k = {0};
	struct jpki_err err;
	char *csv = NULL;
	size_t csv_len = 0;
	int sent = 0, skipped = 0;
	struct notice_run run = {a.out_dir, a.month, open_memstream(&csv, &csv_len), &csv,
	                         &csv_len};
	if (!run.csv)
		return cli_fail_msg("out of memory\n");
	fputs("resident,name,address,kind,serial,expires,form,form_valid_until\r\n", run.csv);
	int rc = jpki_mkdir_p(a.out_dir, &err) < 0 ? cli_fail(&err) : counter_env_open(&a, &e);
	if (rc != 0) {
		fclose(run.csv);
		free(csv);
		return rc;
	}
	if (jpki_issuer_master_load(cli_ctx(), k.master, false, &err) < 0)
		rc = cli_fail(&err);
	else if (jpki_counter_notices(&e.s, a.month, k.master, one_notice, notices_done, &run,
	                              &sent, &skipped, &err) < 0)
		rc = counter_fail(&err);
	fclose(run.csv);
	if (rc == 0)
		printf("%d notices sent, %d certificates skipped (sent before or excluded); "
		       "%s/notices-%s.csv\n",
		       sent, skipped, a.out_dir, a.month);
	free(csv);
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}
