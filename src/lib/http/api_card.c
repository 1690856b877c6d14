/*
 * api_card.c: the API's procedures that need the card (api_int.h;
 * docs/api.md): issuance and renewal in person, the PIN reset and the card
 * face, with the card in the terminal's reader reached through the server's
 * PC/SC host side (cardhost/transport.h).  The PINs travel in the body over
 * HTTPS, as the resident types them on the terminal; they are never logged,
 * never echoed, and wiped when the call ends.  Each call opens the reader,
 * loads the issuer master key and wipes it after, as `jpki counter` does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api_int.h"
#include "card/keys.h"
#include "cardhost/transport.h"
#include "counter/issuance.h"
#include "core/base64.h"
#include "counter/procedures.h"
#include "counter/proxy.h"

struct card_call {
	struct jpki_transport *t;
	uint8_t master[JPKI_CARD_KEY_LEN];
	struct jpki_counter_card card;
};

static int card_open(struct api_call *c, struct card_call *k)
{
	memset(k, 0, sizeof(*k));
	if (!c->h->cas[0] || !c->h->cas[1])
		return jpki_fail(&c->err, JPKI_E_STATE, "this server holds no CA keys");
	int rc = jpki_issuer_master_load(c->h->ctx, k->master, false, &c->err);
	if (rc == 0)
		rc = jpki_transport_pcsc_open(jpki_api_text(c->body, "reader"), &k->t, &c->err);
	k->card = (struct jpki_counter_card){k->t, k->master, c->h->cas};
	return rc;
}

static void card_close(struct card_call *k)
{
	jpki_transport_close(k->t);
	OPENSSL_cleanse(k->master, sizeof(k->master));
}

static json_t *issued_json(const struct jpki_issue_outcome *o)
{
	json_t *certs = json_array();
	for (int k = 0; certs && k < 2; k++) {
		const struct jpki_perso_cert *pc = &o->perso.cert[k];
		if (!pc->issued)
			continue;
		json_t *j =
		    json_pack("{s:s, s:s, s:I}", "kind", k == JPKI_PIN_AUTH ? "auth" : "sign",
		              "serial", pc->serial, "notAfter", (json_int_t)pc->not_after);
		if (j && pc->superseded[0])
			json_object_set_new(j, "superseded", json_string(pc->superseded));
		json_array_append_new(certs, j);
	}
	return json_pack("{s:I, s:s, s:I, s:i, s:s, s:o}", "case", (json_int_t)o->case_id, "state",
	                 jpki_case_state_name((enum jpki_case_state)o->c.state), "receipt",
	                 (json_int_t)o->receipt, "amount", o->amount, "fee",
	                 jpki_fee_case_name(o->fee), "certificates", certs);
}

static int fee_reason(struct api_call *c, struct jpki_application *a)
{
	const char *s = jpki_api_text(c->body, "reason");
	if (!s)
		return 0;
	for (int i = 0; i < JPKI_FEE_COUNT; i++)
		if (strcmp(s, jpki_fee_case_name((enum jpki_fee_case)i)) == 0 &&
		    (i == JPKI_FEE_LOST || i == JPKI_FEE_DAMAGED ||
		     i == JPKI_FEE_DAMAGED_NOT_OWN)) {
			a->reissue_reason = (enum jpki_fee_case)i;
			return 0;
		}
	return jpki_fail(&c->err, JPKI_E_INVALID, "reason: lost, damaged or damaged-not-own");
}

static int issue_like(struct api_call *c, enum jpki_procedure proc)
{
	struct jpki_application a;
	struct jpki_counter_session s;
	struct jpki_issue_outcome out;
	struct card_call k;
	const char *auth = jpki_api_text(c->body, "authPin"),
	           *sign = jpki_api_text(c->body, "signPin");
	int rc = jpki_api_application(c, &a);
	if (rc == 0)
		rc = fee_reason(c, &a);
	if (rc < 0)
		return rc;
	/* issuance: the new PINs; renewal: the current ones, kept (rule N3) */
	struct jpki_counter_pins pins = {auth, sign, NULL, NULL};
	if (proc == JPKI_PROC_RENEW)
		pins = (struct jpki_counter_pins){NULL, NULL, auth, sign};
	jpki_api_counter_session(c, &s);
	if ((rc = card_open(c, &k)) == 0)
		rc = jpki_counter_issue(&s, proc, &a, &k.card, &pins, &out, &c->err);
	card_close(&k);
	if (rc == 0)
		c->reply = issued_json(&out);
	return rc;
}

static int issue(struct api_call *c)
{
	return issue_like(c, JPKI_PROC_ISSUE);
}

static int renew(struct api_call *c)
{
	return issue_like(c, JPKI_PROC_RENEW);
}

static int pin_reset(struct api_call *c)
{
	struct jpki_application a;
	struct jpki_counter_session s;
	struct card_call k;
	int64_t id = 0;
	const char *which = jpki_api_text(c->body, "reset");
	int rc = jpki_api_application(c, &a);
	if (rc < 0)
		return rc;
	a.want_auth = strcmp(which, "auth") == 0 || strcmp(which, "both") == 0;
	a.want_sign = strcmp(which, "sign") == 0 || strcmp(which, "both") == 0;
	if (!a.want_auth && !a.want_sign)
		return jpki_fail(&c->err, JPKI_E_INVALID, "reset: auth, sign or both");
	struct jpki_counter_pins pins = {jpki_api_text(c->body, "authPin"),
	                                 jpki_api_text(c->body, "signPin"), NULL, NULL};
	jpki_api_counter_session(c, &s);
	if ((rc = card_open(c, &k)) == 0)
		rc = jpki_counter_pin_reset(&s, &a, &k.card, &pins, &id, &c->err);
	card_close(&k);
	if (rc == 0)
		c->reply = json_pack("{s:I, s:s}", "case", (json_int_t)id, "reset", which);
	return rc;
}

static int card_face(struct api_call *c)
{
	struct jpki_application a;
	struct jpki_counter_session s;
	struct card_call k;
	int64_t id = 0;
	int rc = jpki_api_application(c, &a);
	if (rc < 0)
		return rc;
	jpki_api_counter_session(c, &s);
	if ((rc = card_open(c, &k)) == 0)
		rc = jpki_counter_card_face(&s, &a, &k.card, jpki_api_text(c->body, "facePin"), &id,
		                            &c->err);
	card_close(&k);
	if (rc == 0)
		c->reply = json_pack("{s:I}", "case", (json_int_t)id);
	return rc;
}

/* Visit 1 of a proxy (D2): the inquiry-and-answer form, as a PDF for mailing. */
static int proxy_request(struct api_call *c)
{
	struct jpki_application a;
	struct jpki_counter_session s;
	struct jpki_form_out f = {0};
	uint8_t master[JPKI_CARD_KEY_LEN];
	int rc = jpki_api_application(c, &a);
	if (rc < 0)
		return rc;
	a.applicant = JPKI_APPLICANT_PROXY;
	jpki_api_counter_session(c, &s);
	if ((rc = jpki_issuer_master_load(c->h->ctx, master, false, &c->err)) == 0)
		rc = jpki_counter_proxy_request(&s, &a, master, &f, &c->err);
	OPENSSL_cleanse(master, sizeof(master));
	if (rc < 0)
		return rc;
	char *pdf = jpki_base64_encode(f.pdf, f.pdf_len);
	free(f.pdf);
	if (!pdf) /* the case stands (form-sent): GET /api/v1/cases says so */
		return jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	c->status = 201;
	c->reply = json_pack("{s:I, s:s, s:I, s:s}", "case", (json_int_t)f.case_id, "code", f.code,
	                     "expiresAt", (json_int_t)f.expires_at, "form", pdf);
	free(pdf);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

/* Visit 2 (D3, D4, X1): the answered form, the proxy's photo ID, the card, the PINs written. */
static int proxy_answer(struct api_call *c)
{
	struct jpki_application a;
	struct jpki_counter_session s;
	struct jpki_issue_outcome out;
	struct card_call k;
	int rc = jpki_api_application(c, &a);
	if (rc < 0)
		return rc;
	a.applicant = JPKI_APPLICANT_PROXY;
	struct jpki_form_answer fa = {jpki_api_text(c->body, "code"),
	                              jpki_api_bool(c->body, "sealed"),
	                              jpki_api_bool(c->body, "delegation")};
	struct jpki_counter_pins pins = {jpki_api_text(c->body, "authPin"),
	                                 jpki_api_text(c->body, "signPin"), NULL, NULL};
	jpki_api_counter_session(c, &s);
	if ((rc = card_open(c, &k)) == 0)
		rc = jpki_counter_proxy_answer(&s, &fa, &a, &k.card, &pins, &out, &c->err);
	card_close(&k);
	if (rc == 0)
		c->reply = issued_json(&out);
	return rc;
}

#define R(r) (unsigned)(JPKI_RIGHT_##r)

const struct api_route jpki_api_card_routes[] = {
    {"POST", "/api/v1/procedures/issue", API_SESSION, R(PROCEDURE), "issue", issue},
    {"POST", "/api/v1/procedures/renew", API_SESSION, R(PROCEDURE), "renew", renew},
    {"POST", "/api/v1/procedures/pin-reset", API_SESSION, R(PROCEDURE), "pin-reset", pin_reset},
    {"POST", "/api/v1/procedures/card-face", API_SESSION, R(PROCEDURE), "card-face", card_face},
    {"POST", "/api/v1/procedures/proxy-request", API_SESSION, R(PROCEDURE), "proxy-request",
     proxy_request},
    {"POST", "/api/v1/procedures/proxy-answer", API_SESSION, R(PROCEDURE), "proxy-answer",
     proxy_answer},
    {NULL, NULL, 0, 0, NULL, NULL}};
