/*
 * cmd_counter.c: `jpki counter`, the procedures a clerk's terminal runs
 * (docs/counter-guide.md).  Every rule lives in src/lib/counter/; this file
 * parses options, reads PINs from their sources (never argv), opens the
 * registry, the CAs and the card, and prints what was done.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "card/keys.h"
#include "cmd_counter.h"
#include "commands.h"

const char counter_usage[] =
    "usage: jpki counter PROCEDURE [OPTIONS] [IMAGE]\n"
    "\n"
    "The procedures of the municipal counter (docs/counter-guide.md), each a case\n"
    "with its audit entries.  A refusal names its rule and exits 3.\n"
    "\n"
    "procedures:\n"
    "  issue         issuance in person: documents, record, card, PINs, fee\n"
    "  renew         renewal in person from 3 months before expiry (N1-N3)\n"
    "  loss          a reported loss: both certificates on hold, at any hour\n"
    "  lift-hold     a hold resolved at the counter (revoked for good)\n"
    "  revoke        revocation at the holder's request (or a proxy's, with delegation)\n"
    "  pin-reset     reset or unlock a PIN with the card and a second document (P2)\n"
    "  kiosk-reserve a kiosk PIN-reset reservation, made with the card (K1)\n"
    "  kiosk-reset   one PIN reset at a kiosk, knowing the other PIN (K1)\n"
    "  card-face     rewrite the card face from the resident record (E4)\n"
    "  proxy request a proxy's first visit: the inquiry-and-answer form as a PDF\n"
    "                (--out FILE), for mailing to the registered address (D2)\n"
    "  proxy answer  the second visit: --form CODE --sealed, the proxy's photo ID\n"
    "                (--doc), the card and the PINs written on the form (D3, D4, X1)\n"
    "  notices       --month YYYY-MM --out-dir DIR: renewal notices of the\n"
    "                certificates expiring two months later, a CSV and a PDF each\n"
    "                with its enclosed form (N2, N4); a replayed month sends nothing\n"
    "  case          show, list, resume or cancel cases\n"
    "  receipt       show, print (pdf N --out FILE) or void a fee receipt (a void\n"
    "                needs a supervisor's approval of \"receipt N\": --approval)\n"
    "\n"
    "options (as each procedure needs them):\n"
    "  --operator ID        the clerk (required)\n"
    "  --counter ID         the counter (city-hall, service-centre, temporary, or\n"
    "                       those of counter.json; required)\n"
    "  --hours-approval N   outside office hours: an hours-override request about\n"
    "                       \"resident N\", asked for by --operator and approved by a\n"
    "                       supervisor (`jpki approval`), used once (W1)\n"
    "  --approval N         receipt void: an approved fee-void request about\n"
    "                       \"receipt N\", asked for by --operator, used once (R1)\n"
    "  --resident ID        the resident\n"
    "  --doc TYPE:NUMBER    an identity document checked (repeat; docs/counter.md):\n"
    "                       licence passport disability-handbook residence-card\n"
    "                       photo-id (A list); health-insurance pension-book\n"
    "                       employee-id student-id other-b (B list)\n"
    "  --applicant WHO      self (default), legal-rep or proxy\n"
    "  --authority KIND:DATE  a legal representative's proof: family-register or\n"
    "                       guardianship, and its issue date (within 3 months)\n"
    "  --same-household     the legal representative lives with the applicant\n"
    "  --kinds auth,sign    the certificates (default both; auth, sign)\n"
    "  --reason R           issue: lost, damaged, damaged-not-own (the fee);\n"
    "                       revoke, lift-hold: unspecified, keyCompromise\n"
    "  --delegation         revoke by proxy: the delegation covering it was shown\n"
    "  --reset auth|sign|both  pin-reset, kiosk-reserve: which PIN\n"
    "  --reservation REF    kiosk-reset\n"
    "  --reader NAME        the PC/SC reader (or an IMAGE file operand)\n"
    "PINs (never on the command line): --auth-pin-fd N | --auth-pin-file F,\n"
    "  --sign-pin-fd | --sign-pin-file, --pin-fd | --pin-file (the card-face PIN;\n"
    "  kiosk-reset: the PIN still known), --new-pin-fd | --new-pin-file\n"
    "  (kiosk-reset); without them, a prompt with echo off.\n";

/* ---- options ---- */

static int opt_doc(const char *value, void *dst, struct jpki_err *err)
{
	struct jpki_application *app = dst;
	if (app->n_docs >= JPKI_DOCS_PER_CASE)
		return jpki_fail(err, JPKI_E_LIMIT, "at most %d documents", JPKI_DOCS_PER_CASE);
	int rc = jpki_id_doc_parse(value, &app->docs[app->n_docs], err);
	if (rc == 0)
		app->n_docs++;
	return rc;
}

static const struct {
	unsigned mask;
	struct cli_opt opt;
} all_rows[] = {
#define A(f) ((void *)offsetof(struct cargs, f))
    {C_SESSION, {"operator", CLI_TEXT, A(operator_id), 0, 0, NULL, NULL}},
    {C_SESSION, {"counter", CLI_TEXT, A(counter_id), 0, 0, NULL, NULL}},
    {C_SESSION, {"hours-approval", CLI_ID, A(hours_approval), 0, 0, NULL, NULL}},
    {C_RESIDENT, {"resident", CLI_ID, A(resident), 0, 0, NULL, NULL}},
    {C_DOCS, {"doc", CLI_CUSTOM, A(app), 0, 0, opt_doc, NULL}},
    {C_APPLICANT, {"applicant", CLI_TEXT, A(applicant), 0, 0, NULL, NULL}},
    {C_APPLICANT, {"authority", CLI_TEXT, A(authority), 0, 0, NULL, NULL}},
    {C_APPLICANT, {"same-household", CLI_FLAG, A(same_household), 0, 0, NULL, NULL}},
    {C_KINDS, {"kinds", CLI_TEXT, A(kinds), 0, 0, NULL, NULL}},
    {C_REASON, {"reason", CLI_TEXT, A(reason), 0, 0, NULL, NULL}},
    {C_CARD, {"reader", CLI_TEXT, A(tg.reader), 0, 0, NULL, NULL}},
    {C_RESET, {"reset", CLI_TEXT, A(reset), 0, 0, NULL, NULL}},
    {C_DELEGATION, {"delegation", CLI_FLAG, A(delegation), 0, 0, NULL, NULL}},
    {C_RESERVATION, {"reservation", CLI_TEXT, A(reservation), 0, 0, NULL, NULL}},
    {C_APPROVAL, {"approval", CLI_ID, A(approval), 0, 0, NULL, NULL}},
    {C_AUDIT, {"case", CLI_ID, A(case_id), 0, 0, NULL, NULL}},
    {C_AUDIT, {"decision", CLI_TEXT, A(decision), 0, 0, NULL, NULL}},
    {C_AUDIT, {"rule", CLI_TEXT, A(rule), 0, 0, NULL, NULL}},
    {C_AUDIT, {"since", CLI_CUSTOM, A(since), 0, 0, cli_opt_date, A(has_since)}},
    {C_AUDIT, {"until", CLI_CUSTOM, A(until), 0, 0, cli_opt_date, A(has_until)}},
    {C_OUT, {"out", CLI_TEXT, A(out), 0, 0, NULL, NULL}},
    {C_FORM, {"form", CLI_TEXT, A(form), 0, 0, NULL, NULL}},
    {C_FORM, {"sealed", CLI_FLAG, A(sealed), 0, 0, NULL, NULL}},
    {C_MONTH, {"month", CLI_TEXT, A(month), 0, 0, NULL, NULL}},
    {C_MONTH, {"out-dir", CLI_TEXT, A(out_dir), 0, 0, NULL, NULL}},
#undef A
};

/* Rows hold offsets into struct cargs; make them pointers into a. */
static struct cli_opt relocate(struct cli_opt o, struct cargs *a)
{
	o.dst = (char *)a + (size_t)o.dst;
	if (o.seen)
		o.seen = (bool *)((char *)a + (size_t)o.seen);
	return o;
}

static int parse_kinds(const char *s, struct jpki_application *app)
{
	app->want_auth = !s || strcmp(s, "auth") == 0 || strcmp(s, "auth,sign") == 0 ||
	                 strcmp(s, "sign,auth") == 0;
	app->want_sign = !s || strcmp(s, "sign") == 0 || strcmp(s, "auth,sign") == 0 ||
	                 strcmp(s, "sign,auth") == 0;
	return app->want_auth || app->want_sign ? 0 : -1;
}

/* The application's fields from the options that name them. */
static int fill_app(const char *cmd, struct cargs *a)
{
	struct jpki_application *app = &a->app;
	struct jpki_err err;
	app->resident_id = a->resident;
	app->reissue_reason = JPKI_FEE_OTHER;
	if (a->applicant && strcmp(a->applicant, "self") == 0)
		app->applicant = JPKI_APPLICANT_SELF;
	else if (a->applicant && strcmp(a->applicant, "legal-rep") == 0)
		app->applicant = JPKI_APPLICANT_LEGAL_REP;
	else if (a->applicant && strcmp(a->applicant, "proxy") == 0)
		app->applicant = JPKI_APPLICANT_PROXY;
	else if (a->applicant)
		return cli_usage_error(counter_usage,
		                       "counter %s: --applicant self, legal-rep or proxy", cmd);
	if (parse_kinds(a->kinds, app) < 0)
		return cli_usage_error(counter_usage, "counter %s: --kinds auth, sign or auth,sign",
		                       cmd);
	if (a->authority) {
		const char *colon = strchr(a->authority, ':');
		size_t kl = colon ? (size_t)(colon - a->authority) : 0;
		if (!colon || kl >= sizeof(app->authority) ||
		    jpki_date_parse(colon + 1, &app->authority_issued, &err) < 0)
			return cli_usage_error(
			    counter_usage,
			    "counter %s: --authority KIND:YYYY-MM-DD (family-register "
			    "or guardianship)",
			    cmd);
		memcpy(app->authority, a->authority, kl);
		app->authority[kl] = '\0';
		app->has_authority_date = true;
	}
	app->same_household = a->same_household;
	return -1;
}

int counter_parse(int argc, char **argv, unsigned mask, unsigned secrets, int operands,
                  struct cargs *a)
{
	struct cli_opt rows[sizeof(all_rows) / sizeof(all_rows[0]) + 12 + 1];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(all_rows) / sizeof(all_rows[0]); i++)
		if (all_rows[i].mask & mask)
			rows[n++] = relocate(all_rows[i].opt, a);
	n += card_secret_rows(&a->sec, secrets, rows + n, 12);
	rows[n] = (struct cli_opt){NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL};
	char command[64];
	snprintf(command, sizeof(command), "counter %s", argv[0]);
	int rc = cli_parse(argc, argv, counter_usage, command, rows);
	if (rc >= 0)
		return rc;
	if ((mask & C_CARD) && optind < argc && operands == 0)
		a->tg.image = argv[optind++];
	if (argc - optind != operands)
		return cli_usage_error(counter_usage, "%s: %s", command,
		                       optind < argc ? "unexpected argument" : "missing argument");
	if (a->tg.image && (jpki_store_default_owns(cli_ctx(), a->tg.image) || a->tg.reader))
		return cli_usage_error(
		    counter_usage, "%s: IMAGE is a card image (not the registry), or give --reader",
		    command);
	if ((mask & C_SESSION) && (!a->operator_id || !a->counter_id))
		return cli_usage_error(counter_usage, "%s: --operator ID and --counter ID",
		                       command);
	if ((mask & C_RESIDENT) && !a->resident)
		return cli_usage_error(counter_usage, "%s: --resident ID", command);
	return fill_app(argv[0], a);
}

int counter_fail(const struct jpki_err *err)
{
	cli_fail(err);
	return err->code == JPKI_E_REFUSED ? 3 : 1;
}

int counter_env_open(const struct cargs *a, struct counter_env *e)
{
	struct jpki_err err;
	memset(e, 0, sizeof(*e));
	if (jpki_counter_config_load(cli_ctx(), &e->cfg, &err) < 0)
		return cli_fail(&err);
	int rc = cli_open_store(&e->st);
	if (rc != 0)
		return rc;
	e->s = (struct jpki_counter_session){cli_ctx(),     e->st, &e->cfg, a->operator_id,
	                                     a->counter_id, NULL,  0};
	if (jpki_ctx_now(cli_ctx(), &e->s.now, &err) < 0) {
		counter_env_close(e);
		return cli_fail(&err);
	}
	if (a->hours_approval == 0)
		return 0;
	/* rule W1 with four eyes: the approval is used here, before the procedure */
	if (jpki_counter_hours_approval(&e->s, a->hours_approval, a->resident, e->override_by,
	                                &err) < 0) {
		counter_env_close(e);
		return counter_fail(&err);
	}
	e->s.override_by = e->override_by;
	return 0;
}

void counter_env_close(struct counter_env *e)
{
	jpki_store_close(e->st);
	e->st = NULL;
}

/* ---- the card at the counter ---- */

void counter_card_close(struct counter_card *k)
{
	jpki_transport_close(k->t);
	jpki_ca_free(k->cas[0]);
	jpki_ca_free(k->cas[1]);
	OPENSSL_cleanse(k->master, sizeof(k->master));
}

int counter_card_open(const struct cargs *a, bool with_cas, struct counter_card *k)
{
	struct jpki_err err;
	memset(k, 0, sizeof(*k));
	if (jpki_issuer_master_load(cli_ctx(), k->master, false, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	for (int i = 0; with_cas && rc == 0 && i < 2; i++)
		rc = cli_load_ca((enum jpki_kind)i, &k->cas[i]);
	if (rc == 0)
		rc = card_open(&a->tg, &k->t);
	k->c = (struct jpki_counter_card){k->t, k->master, k->cas};
	return rc;
}

void pins_wipe(struct pins *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
}

int read_pins(const struct cargs *a, bool auth, bool sign, struct pins *p)
{
	int rc =
	    auth ? card_get_pin(&a->sec.auth_pin, "authentication PIN (4 digits)", p->auth) : 0;
	if (rc == 0 && sign)
		rc = card_get_pin(&a->sec.sign_pin, "signature password (6-16 A-Z 0-9)", p->sign);
	return rc;
}

void print_issue(const struct jpki_issue_outcome *o)
{
	for (int k = 0; k < 2; k++) {
		const struct jpki_perso_cert *c = &o->perso.cert[k];
		if (!c->issued)
			continue;
		char na[26];
		jpki_time_format_jst(c->not_after, na);
		printf("%s certificate %s, valid until %s\n", k == JPKI_PIN_AUTH ? "auth" : "sign",
		       c->serial, na);
		if (c->superseded[0])
			printf("revoked %s (superseded, rule X1)\n", c->superseded);
	}
	printf("case %" PRId64 " %s; receipt %" PRId64 ": %d yen (%s)\n", o->case_id,
	       jpki_case_state_name((enum jpki_case_state)o->c.state), o->receipt, o->amount,
	       jpki_fee_case_name(o->fee));
}

static int issue_like(int argc, char **argv, enum jpki_procedure proc)
{
	struct cargs a = {0};
	int prc = counter_parse(
	    argc, argv, C_SESSION | C_RESIDENT | C_DOCS | C_APPLICANT | C_KINDS | C_REASON | C_CARD,
	    CARD_AUTH_PIN | CARD_SIGN_PIN, 0, &a);
	if (prc >= 0)
		return prc;
	if (a.reason) {
		enum jpki_fee_case f = JPKI_FEE_COUNT;
		for (int i = 0; i < JPKI_FEE_COUNT; i++)
			if (strcmp(a.reason, jpki_fee_case_name((enum jpki_fee_case)i)) == 0)
				f = (enum jpki_fee_case)i;
		if (f != JPKI_FEE_LOST && f != JPKI_FEE_DAMAGED && f != JPKI_FEE_DAMAGED_NOT_OWN)
			return cli_usage_error(
			    counter_usage, "counter %s: --reason lost, damaged or damaged-not-own",
			    argv[0]);
		a.app.reissue_reason = f;
	}
	_cleanup_(pins_wipe) struct pins p;
	memset(&p, 0, sizeof(p));
	int rc = read_pins(&a, a.app.want_auth || proc == JPKI_PROC_RENEW, a.app.want_sign, &p);
	if (rc != 0)
		return rc;
	struct jpki_counter_pins pins = {p.auth[0] ? p.auth : NULL, p.sign[0] ? p.sign : NULL, NULL,
	                                 NULL};
	if (proc == JPKI_PROC_RENEW) /* the holder enters the current PINs, kept (rule N3) */
		pins = (struct jpki_counter_pins){NULL, NULL, pins.auth, pins.sign};
	struct counter_env e;
	struct counter_card k;
	struct jpki_issue_outcome out;
	struct jpki_err err;
	if ((rc = counter_env_open(&a, &e)) != 0)
		return rc;
	if ((rc = counter_card_open(&a, true, &k)) == 0) {
		rc = jpki_counter_issue(&e.s, proc, &a.app, &k.c, &pins, &out, &err) < 0
		         ? counter_fail(&err)
		         : 0;
		if (rc == 0)
			print_issue(&out);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

static int cmd_issue(int argc, char **argv)
{
	return issue_like(argc, argv, JPKI_PROC_ISSUE);
}

static int cmd_renew(int argc, char **argv)
{
	return issue_like(argc, argv, JPKI_PROC_RENEW);
}

static void print_revoked(const struct jpki_revoke_outcome *o, const char *what)
{
	for (int i = 0; i < o->n; i++)
		printf("%s %s\n", what, o->serial[i]);
	printf("case %" PRId64 " done\n", o->case_id);
}

static int cmd_loss(int argc, char **argv)
{
	struct cargs a = {0};
	int prc = counter_parse(argc, argv, C_SESSION | C_RESIDENT, 0, 0, &a);
	if (prc >= 0)
		return prc;
	struct counter_env e;
	struct jpki_revoke_outcome out;
	struct jpki_err err;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	rc = jpki_counter_hold(&e.s, a.resident, &out, &err) < 0 ? counter_fail(&err) : 0;
	if (rc == 0)
		print_revoked(&out, "on hold (certificateHold):");
	counter_env_close(&e);
	return rc;
}

static int reason_arg(const char *cmd, const char *s, enum jpki_reason *out)
{
	struct jpki_err err;
	*out = JPKI_REASON_UNSPECIFIED;
	if (s && (jpki_reason_parse(s, out, &err) < 0 ||
	          (*out != JPKI_REASON_UNSPECIFIED && *out != JPKI_REASON_KEY_COMPROMISE)))
		return cli_usage_error(counter_usage,
		                       "counter %s: --reason unspecified or "
		                       "keyCompromise",
		                       cmd);
	return -1;
}

static int revoke_like(int argc, char **argv, bool lift)
{
	struct cargs a = {0};
	unsigned mask = C_SESSION | C_RESIDENT | C_DOCS | C_REASON | C_APPLICANT;
	int prc = counter_parse(argc, argv, lift ? mask : mask | C_KINDS | C_DELEGATION, 0, 0, &a);
	enum jpki_reason reason;
	if (prc >= 0 || (prc = reason_arg(argv[0], a.reason, &reason)) >= 0)
		return prc;
	struct counter_env e;
	struct jpki_revoke_outcome out;
	struct jpki_err err;
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	rc = (lift ? jpki_counter_lift_hold(&e.s, &a.app, reason, &out, &err)
	           : jpki_counter_revoke(&e.s, &a.app, reason, a.delegation, &out, &err)) < 0
	         ? counter_fail(&err)
	         : 0;
	if (rc == 0)
		print_revoked(&out, lift ? "revoked (hold resolved):" : "revoked:");
	counter_env_close(&e);
	return rc;
}

static int cmd_lift(int argc, char **argv)
{
	return revoke_like(argc, argv, true);
}

static int cmd_revoke(int argc, char **argv)
{
	return revoke_like(argc, argv, false);
}

static int reset_arg(const char *cmd, const char *s, bool both_ok, struct jpki_application *app)
{
	app->want_auth = s && (strcmp(s, "auth") == 0 || (both_ok && strcmp(s, "both") == 0));
	app->want_sign = s && (strcmp(s, "sign") == 0 || (both_ok && strcmp(s, "both") == 0));
	if (!app->want_auth && !app->want_sign)
		return cli_usage_error(counter_usage, "counter %s: --reset auth, sign%s", cmd,
		                       both_ok ? " or both" : "");
	return -1;
}

static int cmd_pin_reset(int argc, char **argv)
{
	struct cargs a = {0};
	int prc = counter_parse(argc, argv, C_SESSION | C_RESIDENT | C_DOCS | C_RESET | C_CARD,
	                        CARD_AUTH_PIN | CARD_SIGN_PIN, 0, &a);
	if (prc >= 0 || (prc = reset_arg(argv[0], a.reset, true, &a.app)) >= 0)
		return prc;
	_cleanup_(pins_wipe) struct pins p;
	memset(&p, 0, sizeof(p));
	int rc = read_pins(&a, a.app.want_auth, a.app.want_sign, &p);
	if (rc != 0)
		return rc;
	struct jpki_counter_pins pins = {p.auth, p.sign, NULL, NULL};
	struct counter_env e;
	struct counter_card k;
	struct jpki_err err;
	int64_t id = 0;
	if ((rc = counter_env_open(&a, &e)) != 0)
		return rc;
	if ((rc = counter_card_open(&a, false, &k)) == 0) {
		rc = jpki_counter_pin_reset(&e.s, &a.app, &k.c, &pins, &id, &err) < 0
		         ? counter_fail(&err)
		         : 0;
		if (rc == 0)
			printf("PIN reset (rule P2); case %" PRId64 " done\n", id);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

static int cmd_kiosk_reserve(int argc, char **argv)
{
	struct cargs a = {0};
	int prc = counter_parse(argc, argv, C_SESSION | C_RESIDENT | C_RESET | C_CARD, 0, 0, &a);
	if (prc >= 0 || (prc = reset_arg(argv[0], a.reset, false, &a.app)) >= 0)
		return prc;
	struct counter_env e;
	struct counter_card k;
	struct jpki_err err;
	char ref[JPKI_TOKEN_REF_MAX];
	int rc = counter_env_open(&a, &e);
	if (rc != 0)
		return rc;
	if ((rc = counter_card_open(&a, false, &k)) == 0) {
		rc = jpki_counter_kiosk_reserve(&e.s, a.resident,
		                                a.app.want_sign ? JPKI_KIND_SIGN : JPKI_KIND_AUTH,
		                                &k.c, ref, &err) < 0
		         ? counter_fail(&err)
		         : 0;
		if (rc == 0)
			printf("%s\n", ref);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

static int cmd_kiosk_reset(int argc, char **argv)
{
	struct cargs a = {0};
	int prc = counter_parse(argc, argv, C_SESSION | C_RESERVATION | C_CARD,
	                        CARD_PIN | CARD_NEW_PIN, 0, &a);
	if (prc >= 0)
		return prc;
	if (!a.reservation)
		return cli_usage_error(counter_usage, "counter kiosk-reset: --reservation REF");
	_cleanup_(pins_wipe) struct pins p;
	memset(&p, 0, sizeof(p));
	int rc = card_get_pin(&a.sec.pin, "the PIN you still know", p.pin);
	if (rc == 0)
		rc = card_get_pin(&a.sec.new_pin, "the new PIN", p.new_pin);
	if (rc != 0)
		return rc;
	struct counter_env e;
	struct counter_card k;
	struct jpki_err err;
	int64_t id = 0;
	if ((rc = counter_env_open(&a, &e)) != 0)
		return rc;
	if ((rc = counter_card_open(&a, false, &k)) == 0) {
		rc = jpki_counter_kiosk_reset(&e.s, a.reservation, &k.c, p.pin, p.new_pin, &id,
		                              &err) < 0
		         ? counter_fail(&err)
		         : 0;
		if (rc == 0)
			printf("PIN reset at the kiosk; case %" PRId64 " done\n", id);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

static int cmd_card_face(int argc, char **argv)
{
	struct cargs a = {0};
	int prc =
	    counter_parse(argc, argv, C_SESSION | C_RESIDENT | C_DOCS | C_CARD, CARD_PIN, 0, &a);
	if (prc >= 0)
		return prc;
	_cleanup_(pins_wipe) struct pins p;
	memset(&p, 0, sizeof(p));
	int rc =
	    cli_secret_given(&a.sec.pin) ? card_get_pin(&a.sec.pin, "card-face PIN", p.pin) : 0;
	if (rc != 0)
		return rc;
	struct counter_env e;
	struct counter_card k;
	struct jpki_err err;
	int64_t id = 0;
	if ((rc = counter_env_open(&a, &e)) != 0)
		return rc;
	if ((rc = counter_card_open(&a, false, &k)) == 0) {
		rc = jpki_counter_card_face(&e.s, &a.app, &k.c, p.pin[0] ? p.pin : NULL, &id,
		                            &err) < 0
		         ? counter_fail(&err)
		         : 0;
		if (rc == 0)
			printf("card face written from the record; case %" PRId64 " done\n", id);
	}
	counter_card_close(&k);
	counter_env_close(&e);
	return rc;
}

int cmd_counter(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"issue", cmd_issue, "issuance in person"},
	    {"renew", cmd_renew, "renewal in person"},
	    {"loss", cmd_loss, "suspension on loss"},
	    {"lift-hold", cmd_lift, "resolve a hold"},
	    {"revoke", cmd_revoke, "revocation at the holder's request"},
	    {"pin-reset", cmd_pin_reset, "PIN reset (P2)"},
	    {"kiosk-reserve", cmd_kiosk_reserve, "kiosk reservation"},
	    {"kiosk-reset", cmd_kiosk_reset, "kiosk PIN reset"},
	    {"card-face", cmd_card_face, "rewrite the card face"},
	    {"proxy", counter_cmd_proxy, "a proxy's two visits"},
	    {"notices", counter_cmd_notices, "renewal notices of a month"},
	    {"case", counter_cmd_case, "cases"},
	    {"receipt", counter_cmd_receipt, "receipts"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("counter", cmds, counter_usage, argc, argv);
}
