/*
 * api.c: the public calls of libjpki (include/jpki/), each a thin layer over
 * the library's modules: the registry (store/ with the CA binding),
 * issuance (ca/issue.h), OCSP (status/ocsp.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "ca/binding.h"
#include "ca/ca.h"
#include "ca/issue.h"
#include "ca/pubkey.h"
#include "core/ossl.h"
#include "jpki/jpki.h"
#include "resident/resident.h"
#include "status/ocsp.h"
#include "store/store.h"

const char *jpki_version(void)
{
	return JPKI_VERSION;
}

/* ---- CAs ---- */

int jpki_ca_open(const struct jpki_ctx *ctx, enum jpki_kind kind, const char *passphrase,
                 struct jpki_ca **ret, struct jpki_err *err)
{
	if (!ctx || !passphrase || (kind != JPKI_KIND_SIGN && kind != JPKI_KIND_AUTH))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "jpki_ca_open: a context, a kind and a "
		                 "passphrase are needed");
	int rc = jpki_ca_passphrase_check(passphrase, err);
	return rc < 0 ? rc : jpki_ca_load(ctx, kind, passphrase, ret, err);
}

void jpki_ca_close(struct jpki_ca *ca)
{
	jpki_ca_free(ca);
}

void jpki_ca_certificate(const struct jpki_ca *ca, const uint8_t **der, size_t *len)
{
	*der = ca->der.cert;
	*len = ca->der.cert_len;
}

/* ---- the registry ---- */

struct jpki_registry {
	struct jpki_store *st;
};

int jpki_registry_open(const struct jpki_ctx *ctx, struct jpki_registry **ret, struct jpki_err *err)
{
	struct jpki_registry *r = calloc(1, sizeof(*r));
	if (!r)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	int rc = jpki_store_open_default(ctx, &r->st, err);
	if (rc == 0)
		rc = jpki_binding_check(ctx, r->st, JPKI_BINDING_CHECK, NULL, err);
	if (rc < 0) {
		jpki_registry_close(r);
		return rc;
	}
	*ret = r;
	return 0;
}

void jpki_registry_close(struct jpki_registry *reg)
{
	if (!reg)
		return;
	jpki_store_close(reg->st);
	free(reg);
}

int jpki_registry_add_resident(struct jpki_registry *reg, struct jpki_resident *r,
                               struct jpki_err *err)
{
	return jpki_resident_add(reg->st, r, err);
}

int jpki_registry_resident(struct jpki_registry *reg, int64_t id, struct jpki_resident *out,
                           struct jpki_err *err)
{
	return reg->st->ops->resident_get(reg->st, id, out, err);
}

int jpki_registry_certificate(struct jpki_registry *reg, const char *serial_hex,
                              struct jpki_cert_rec *out, struct jpki_err *err)
{
	if (!serial_hex || !*serial_hex || strlen(serial_hex) > 40 ||
	    strspn(serial_hex, "0123456789ABCDEF") != strlen(serial_hex))
		return jpki_fail(err, JPKI_E_INVALID, "a serial is 1 to 40 upper-case hex digits");
	return reg->st->ops->cert_get(reg->st, serial_hex, true, out, err);
}

/* ---- issuance ---- */

int jpki_cert_issue(struct jpki_registry *reg, const struct jpki_ca *ca,
                    const struct jpki_issue_params *p, struct jpki_issued_cert *out,
                    struct jpki_err *err)
{
	_cleanup_(EVP_PKEYp) EVP_PKEY *key = NULL;
	int64_t now;
	int rc;
	if (!reg || !ca || !p || !p->pubkey)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "jpki_cert_issue: a registry, a CA and a key "
		                 "are needed");
	if ((rc = jpki_ctx_now(ca->ctx, &now, err)) < 0 ||
	    (rc = jpki_pubkey_parse(p->pubkey, p->pubkey_len, &key, err)) < 0)
		return rc;
	struct jpki_issue_req req = {.kind = ca->kind,
	                             .resident_id = p->resident_id,
	                             .subject_key = key,
	                             .has_card_expiry = p->has_card_expiry,
	                             .card_expiry = p->card_expiry,
	                             .now = now,
	                             .same_key_ok = p->replace_same_key};
	struct jpki_issued done;
	if ((rc = jpki_issue(reg->st, ca, &req, &done, err)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	memcpy(out->serial, done.rec.serial, sizeof(out->serial));
	memcpy(out->superseded, done.superseded, sizeof(out->superseded));
	out->not_before = done.rec.not_before;
	out->not_after = done.rec.not_after;
	out->der = done.rec.der; /* handed over */
	out->der_len = done.rec.der_len;
	return 0;
}

void jpki_issued_cert_clear(struct jpki_issued_cert *out)
{
	if (!out)
		return;
	free(out->der);
	memset(out, 0, sizeof(*out));
}

/* ---- OCSP ---- */

struct jpki_ocsp_responder {
	struct jpki_ocsp *ocsp;
	struct jpki_registry *reg;
	const struct jpki_ctx *ctx;
};

static int lookup(void *arg, enum jpki_kind ca, const char *serial_hex, struct jpki_cert_rec *out,
                  struct jpki_err *err)
{
	struct jpki_registry *reg = arg;
	(void)ca; /* the responder compares the kind */
	return reg->st->ops->cert_get(reg->st, serial_hex, false, out, err);
}

int jpki_ocsp_responder_open(struct jpki_registry *reg, const struct jpki_ca *sign_ca,
                             const struct jpki_ca *auth_ca, const char *passphrase,
                             struct jpki_ocsp_responder **ret, struct jpki_err *err)
{
	if (!reg || !sign_ca || !auth_ca || sign_ca->kind != JPKI_KIND_SIGN ||
	    auth_ca->kind != JPKI_KIND_AUTH || !passphrase)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "jpki_ocsp_responder_open: the registry, the "
		                 "sign CA, the auth CA and the passphrase");
	struct jpki_ocsp_responder *o = calloc(1, sizeof(*o));
	struct jpki_responder *rs[2] = {NULL, NULL};
	int64_t now;
	int rc = o ? jpki_ctx_now(sign_ca->ctx, &now, err)
	           : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = jpki_responder_ensure(sign_ca, passphrase, now, &rs[0], err);
	if (rc == 0)
		rc = jpki_responder_ensure(auth_ca, passphrase, now, &rs[1], err);
	if (rc == 0) {
		struct jpki_ocsp_cfg cfg = {.cas = {sign_ca, auth_ca},
		                            .responders = {rs[0], rs[1]},
		                            .lookup = lookup,
		                            .lookup_arg = reg,
		                            .passphrase = passphrase};
		rc = jpki_ocsp_new(&cfg, &o->ocsp, err);
	}
	if (rc < 0) {
		jpki_responder_free(rs[0]);
		jpki_responder_free(rs[1]);
		free(o);
		return rc;
	}
	o->reg = reg;
	o->ctx = sign_ca->ctx;
	*ret = o;
	return 0;
}

void jpki_ocsp_responder_close(struct jpki_ocsp_responder *o)
{
	if (!o)
		return;
	jpki_ocsp_free(o->ocsp);
	free(o);
}

int jpki_ocsp_answer(struct jpki_ocsp_responder *o, const uint8_t *req, size_t req_len,
                     uint8_t **resp, size_t *resp_len, struct jpki_err *err)
{
	int64_t now;
	struct jpki_ocsp_meta meta;
	int rc = jpki_ctx_now(o->ctx, &now, err);
	if (rc < 0)
		return rc;
	if (jpki_ocsp_respond(o->ocsp, req, req_len, now, resp, resp_len, &meta) < 0)
		return jpki_fail(err, JPKI_E_NOMEM, "no OCSP answer could be made");
	return 0;
}
