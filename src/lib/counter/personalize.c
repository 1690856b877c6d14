/*
 * personalize.c: a card for a resident in one step (issuer side).
 *
 * Over any transport: check the card data (rule C6: nothing is issued onto
 * the old resident-register card), authenticate as the issuer, then for
 * each kind (authentication first: it caps the signature certificate, rule
 * C4) generate the key pair on the card, read its public key back, issue
 * the certificate with jpki_issue() (rules E2, C4, N1, X1), write it and
 * its CA certificate to the card, and set the PIN.  The card is written
 * inside the issuance's transaction (before_commit), so a certificate is
 * committed (and the previous one superseded, rule X1) only once the card
 * holds it: a card write that fails rolls the issuance back and no
 * certificate is left valid in the registry without a card holding its key.
 * When a kind fails after its key was generated, that kind is deleted from
 * the card again, so the card never holds a key without its certificate (a
 * retry generates a new key and issues again).  The registry's write lock is
 * held while the card is written: other writers wait (busy time-out 10 s).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ca/issue.h"
#include "ca/pubkey.h"
#include "core/ossl.h"
#include "cardhost/host.h"
#include "personalize.h"

static int write_ca(struct jpki_transport *t, uint16_t fid, X509 *cert, struct jpki_err *err)
{
	uint8_t *der = NULL;
	int n = i2d_X509(cert, &der);
	if (n <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot encode the CA certificate");
	int rc = jpki_host_write_file(t, fid, der, (size_t)n, err);
	OPENSSL_free(der);
	return rc;
}

struct card_write {
	struct jpki_transport *t;
	const struct jpki_ca *ca;
	enum jpki_pin_id id;
	const char *pin;
	const struct jpki_perso_req *req;
};

/* before_commit: the certificate, its CA's and the PIN onto the card. */
static int write_card(void *arg, const struct jpki_issued *done, struct jpki_err *err)
{
	const struct card_write *w = arg;
	uint16_t cert_fid = w->id == JPKI_PIN_AUTH ? JPKI_FID_AUTH_CERT : JPKI_FID_SIGN_CERT;
	uint16_t ca_fid = w->id == JPKI_PIN_AUTH ? JPKI_FID_AUTH_CA : JPKI_FID_SIGN_CA;
	int rc = jpki_host_write_file(w->t, cert_fid, done->rec.der, done->rec.der_len, err);
	if (rc == 0)
		rc = write_ca(w->t, ca_fid, w->ca->cert, err);
	if (rc == 0)
		rc = jpki_host_set_pin(w->t, w->id, w->pin, err);
	if (rc == 0 && w->req->in_tx)
		rc = w->req->in_tx(w->req->in_tx_arg,
		                   w->id == JPKI_PIN_AUTH ? JPKI_KIND_AUTH : JPKI_KIND_SIGN, done,
		                   err);
	return rc;
}

static int one_kind(struct jpki_transport *t, struct jpki_store *st, const struct jpki_ca *ca,
                    const struct jpki_perso_req *req, enum jpki_pin_id id, struct jpki_date expiry,
                    struct jpki_perso_cert *out, struct jpki_err *err)
{
	uint8_t *spki = NULL;
	size_t len = 0;
	_cleanup_(EVP_PKEYp) EVP_PKEY *pub = NULL;
	int rc = jpki_host_generate_key(t, id, &spki, &len, err);
	if (rc < 0)
		return rc;
	rc = jpki_pubkey_parse(spki, len, &pub, err);
	free(spki);
	struct jpki_issue_req ir = {
	    .kind = id == JPKI_PIN_AUTH ? JPKI_KIND_AUTH : JPKI_KIND_SIGN,
	    .resident_id = req->resident_id,
	    .has_card_expiry = true,
	    .card_expiry = expiry,
	    .now = req->now,
	};
	struct card_write w = {t, ca, id, id == JPKI_PIN_AUTH ? req->auth_pin : req->sign_pin, req};
	ir.subject_key = pub;
	ir.before_commit = write_card;
	ir.before_commit_arg = &w;
	struct jpki_issued done;
	memset(&done, 0, sizeof(done));
	if (rc == 0)
		rc = jpki_issue(st, ca, &ir, &done, err);
	if (rc == 0) {
		memcpy(out->serial, done.rec.serial, sizeof(out->serial));
		memcpy(out->superseded, done.superseded, sizeof(out->superseded));
		out->not_after = done.rec.not_after;
		out->issued = true;
	}
	jpki_issued_clear(&done);
	return rc;
}

int jpki_card_personalize(struct jpki_transport *t, const uint8_t master[JPKI_CARD_KEY_LEN],
                          struct jpki_store *st, struct jpki_ca *const cas[2],
                          const struct jpki_perso_req *req, struct jpki_perso_result *out,
                          struct jpki_err *err)
{
	struct jpki_card_info info;
	struct jpki_perso_result res;
	memset(&res, 0, sizeof(res));
	if (!req->skip_auth &&
	    (!req->auth_pin || !jpki_pin_format_ok(JPKI_PIN_AUTH, (const uint8_t *)req->auth_pin,
	                                           strlen(req->auth_pin))))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the authentication PIN is exactly 4 digits "
		                 "(rule P1)");
	if (req->sign_pin && !jpki_pin_format_ok(JPKI_PIN_SIGN, (const uint8_t *)req->sign_pin,
	                                         strlen(req->sign_pin)))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the signature password is 6 to 16 upper-case letters and digits, "
		                 "with both (rule P1)");
	int rc = jpki_host_info(t, &info, err);
	if (rc < 0)
		return rc;
	if (info.kind == JPKI_CARD_KIND_JUKI)
		return jpki_fail(err, JPKI_E_NOT_ELIGIBLE,
		                 "rule C6: certificates are no longer issued onto a "
		                 "basic-resident-register card (since 2015-12-22); the resident "
		                 "needs an individual number card");
	if (info.kind != JPKI_CARD_KIND_MYNUMBER || !info.has_expiry)
		return jpki_fail(err, JPKI_E_STATE,
		                 "the card has no card data yet (kind, number, "
		                 "expiry)");
	rc = jpki_host_issuer_auth(t, master, err);
	for (int k = 0; rc == 0 && k < 2; k++) {
		enum jpki_pin_id id = (enum jpki_pin_id)k;
		if (id == JPKI_PIN_SIGN && !req->sign_pin)
			break;
		if (id == JPKI_PIN_AUTH && req->skip_auth)
			continue;
		enum jpki_kind kind = id == JPKI_PIN_AUTH ? JPKI_KIND_AUTH : JPKI_KIND_SIGN;
		rc = one_kind(t, st, cas[kind], req, id, info.expiry, &res.cert[k], err);
		struct jpki_err also;
		if (rc < 0 && jpki_host_delete(t, false, id, &also) < 0) /* said, not swallowed */
			jpki_fail(err, err->code,
			          "%s; and the %s key could not be erased from the "
			          "card (%s): erase the card before its next use",
			          err->msg, jpki_kind_name(kind), also.msg);
	}
	if (rc < 0)
		return rc;
	*out = res;
	return 0;
}
