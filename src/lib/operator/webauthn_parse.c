/*
 * webauthn_parse.c: clientDataJSON, authenticator data and attestation
 * objects read and checked (webauthn_parse.h).
 *
 * clientDataJSON is JSON (§5.8.1): jansson reads it (duplicate names
 * refused, \u0000 refused, UTF-8 checked) once its size is bounded; the
 * binary structures are read through the cursor and core/cbor.h.  Every
 * refusal says which field and why.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/base64.h"
#include "core/cbor.h"
#include "webauthn_parse.h"

#define MAP_MAX 16 /* pairs in a COSE key, an attStmt, an extensions map */

/* ---- clientDataJSON (§5.8.1) ---- */

static int client_data_fail(json_t *j, struct jpki_err *err, enum jpki_code code, const char *why)
{
	json_decref(j);
	return jpki_fail(err, code, "clientDataJSON: %s", why);
}

/* A member that is a string, or NULL. */
static const char *string_member(json_t *j, const char *name)
{
	json_t *v = json_object_get(j, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int jpki_wa_client_data_check(const uint8_t *json, size_t len, enum jpki_wa_ceremony ceremony,
                              const uint8_t challenge[32], const char *origin, struct jpki_err *err)
{
	if (!json || len == 0)
		return jpki_fail(err, JPKI_E_INVALID, "clientDataJSON: empty");
	if (len > JPKI_WA_CLIENT_DATA_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "clientDataJSON: over %d bytes",
		                 JPKI_WA_CLIENT_DATA_MAX);
	/* §7.1 steps 5-6, §7.2 steps 9-10: UTF-8 decoded and parsed as JSON */
	json_t *j = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j))
		return client_data_fail(j, err, JPKI_E_INVALID, "not a JSON object");
	const char *type = string_member(j, "type"), *chal = string_member(j, "challenge"),
	           *orig = string_member(j, "origin");
	if (!type || !chal || !orig)
		return client_data_fail(j, err, JPKI_E_INVALID,
		                        "type, challenge and origin must be strings");
	/* §7.1 step 7, §7.2 step 11 */
	const char *want = ceremony == JPKI_WA_CREATE ? "webauthn.create" : "webauthn.get";
	if (strcmp(type, want) != 0)
		return client_data_fail(j, err, JPKI_E_UNAUTHENTICATED,
		                        ceremony == JPKI_WA_CREATE ? "type is not webauthn.create"
		                                                   : "type is not webauthn.get");
	/* §7.1 step 8, §7.2 step 12: the base64url encoding of the challenge, exactly */
	char want_chal[44];
	jpki_base64url_32(challenge, want_chal);
	if (strlen(chal) != 43 || CRYPTO_memcmp(chal, want_chal, 43) != 0)
		return client_data_fail(j, err, JPKI_E_UNAUTHENTICATED,
		                        "the challenge is not the one given");
	/* §7.1 step 9, §7.2 step 13: the one origin of the counter, byte for byte */
	if (strcmp(orig, origin) != 0)
		return client_data_fail(j, err, JPKI_E_UNAUTHENTICATED, "the origin is not ours");
	/* §5.8.1 crossOrigin: the counter is never framed by another origin */
	json_t *cross = json_object_get(j, "crossOrigin");
	if (cross && !json_is_boolean(cross))
		return client_data_fail(j, err, JPKI_E_INVALID, "crossOrigin is not a boolean");
	if (json_is_true(cross))
		return client_data_fail(j, err, JPKI_E_UNAUTHENTICATED,
		                        "crossOrigin is true: the request came through a frame");
	/* §7.1 step 10, §7.2 step 14: no Token Binding on our connections */
	json_t *tb = json_object_get(j, "tokenBinding");
	const char *tb_status = tb ? string_member(tb, "status") : NULL;
	if (tb && !tb_status)
		return client_data_fail(j, err, JPKI_E_INVALID, "tokenBinding has no status");
	if (tb_status && strcmp(tb_status, "present") == 0)
		return client_data_fail(j, err, JPKI_E_UNAUTHENTICATED,
		                        "Token Binding is present but not used here");
	json_decref(j);
	return 0;
}

/* ---- COSE keys (RFC 8152 §13; WebAuthn §6.5.1.1) ---- */

struct cose_fields {
	int64_t kty, alg, crv;
	const uint8_t *x, *y;
	size_t x_len, y_len;
};

static bool seen_before(const int64_t *labels, size_t n, int64_t label)
{
	for (size_t i = 0; i < n; i++)
		if (labels[i] == label)
			return true;
	return false;
}

/* One value of a COSE key by its label: 1 kty, 3 alg, -1 crv, -2 x, -3 y; others skipped. */
static bool cose_value(struct jpki_cur *c, int64_t label, struct cose_fields *f)
{
	switch (label) {
	case 1:
		return jpki_cbor_int(c, &f->kty);
	case 3:
		return jpki_cbor_int(c, &f->alg);
	case -1:
		return jpki_cbor_int(c, &f->crv);
	case -2:
		return jpki_cbor_bytes(c, &f->x, &f->x_len);
	case -3:
		return jpki_cbor_bytes(c, &f->y, &f->y_len);
	default:
		return jpki_cbor_skip(c, JPKI_CBOR_DEPTH);
	}
}

static int cose_fields_read(struct jpki_cur *c, struct cose_fields *f, struct jpki_err *err)
{
	uint64_t pairs;
	int64_t labels[MAP_MAX];
	memset(f, 0, sizeof(*f));
	if (!jpki_cbor_map(c, MAP_MAX, &pairs))
		return jpki_fail(err, JPKI_E_INVALID, "credential public key: not a COSE key map");
	for (uint64_t i = 0; i < pairs; i++) {
		if (!jpki_cbor_int(c, &labels[i]))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "credential public key: a label is not an integer");
		if (seen_before(labels, (size_t)i, labels[i]))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "credential public key: label %lld twice",
			                 (long long)labels[i]);
		if (!cose_value(c, labels[i], f))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "credential public key: label %lld malformed",
			                 (long long)labels[i]);
	}
	return 0;
}

/* §5.8.5 and RFC 8152 §13.1.1 (EC2, P-256) and RFC 8037 §2 (OKP, Ed25519). */
static int cose_key_read(struct jpki_cur *c, struct jpki_wa_cose_key *key, struct jpki_err *err)
{
	struct cose_fields f;
	int rc = cose_fields_read(c, &f, err);
	if (rc < 0)
		return rc;
	memset(key, 0, sizeof(*key));
	if (f.alg == JPKI_COSE_ES256) {
		if (f.kty != 2 || f.crv != 1 || f.x_len != 32 || f.y_len != 32)
			return jpki_fail(err, JPKI_E_BAD_KEY,
			                 "credential public key: ES256 needs kty 2 (EC2), crv 1 "
			                 "(P-256) and 32-byte x and y");
		memcpy(key->raw, f.x, 32);
		memcpy(key->raw + 32, f.y, 32);
		key->raw_len = 64;
	} else if (f.alg == JPKI_COSE_EDDSA) {
		if (f.kty != 1 || f.crv != 6 || f.x_len != 32 || f.y)
			return jpki_fail(err, JPKI_E_BAD_KEY,
			                 "credential public key: EdDSA needs kty 1 (OKP), crv 6 "
			                 "(Ed25519) and a 32-byte x");
		memcpy(key->raw, f.x, 32);
		key->raw_len = 32;
	} else {
		return jpki_fail(err, JPKI_E_BAD_KEY,
		                 "credential public key: algorithm %lld is not accepted (ES256 -7, "
		                 "EdDSA -8)",
		                 (long long)f.alg);
	}
	key->alg = (int)f.alg;
	return 0;
}

/* ---- authenticator extensions (§9, CTAP 2.1 §12) ---- */

static bool cbor_bool(struct jpki_cur *c, bool *out)
{
	size_t start = c->off;
	enum jpki_cbor_major m;
	uint64_t v;
	if (jpki_cbor_head(c, &m, &v) && m == JPKI_CBOR_SIMPLE && (v == 20 || v == 21)) {
		*out = v == 21; /* RFC 8949 §3.3: simple 20 false, 21 true */
		return true;
	}
	c->off = start;
	return false;
}

static bool cbor_positive(struct jpki_cur *c, int64_t *out)
{
	size_t start = c->off;
	if (jpki_cbor_int(c, out) && *out > 0 && *out < 256)
		return true;
	c->off = start;
	return false;
}

static bool extension_value(struct jpki_cur *c, struct jpki_wa_extensions *e)
{
	if (jpki_cbor_text_is(c, "hmac-secret"))
		return cbor_bool(c, &e->hmac_secret);
	if (jpki_cbor_text_is(c, "credBlob"))
		return cbor_bool(c, &e->cred_blob);
	if (jpki_cbor_text_is(c, "credProtect"))
		return cbor_positive(c, &e->cred_protect);
	if (jpki_cbor_text_is(c, "minPinLength"))
		return cbor_positive(c, &e->min_pin_length);
	const uint8_t *p;
	size_t n;
	return jpki_cbor_text(c, &p, &n) && jpki_cbor_skip(c, JPKI_CBOR_DEPTH);
}

static int extensions_read(struct jpki_cur *c, struct jpki_wa_extensions *e, struct jpki_err *err)
{
	uint64_t pairs;
	const uint8_t *names[MAP_MAX];
	size_t lens[MAP_MAX];
	if (!jpki_cbor_map(c, MAP_MAX, &pairs))
		return jpki_fail(err, JPKI_E_INVALID, "authenticator data: extensions not a map");
	for (uint64_t i = 0; i < pairs; i++) {
		struct jpki_cur name = *c;
		if (!jpki_cbor_text(&name, &names[i], &lens[i]))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "authenticator data: an extension name is not text");
		for (uint64_t k = 0; k < i; k++)
			if (lens[k] == lens[i] && memcmp(names[k], names[i], lens[i]) == 0)
				return jpki_fail(err, JPKI_E_INVALID,
				                 "authenticator data: an extension twice");
		if (!extension_value(c, e))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "authenticator data: an extension malformed");
	}
	return 0;
}

/* ---- authenticator data (§6.1) ---- */

static bool u32be(struct jpki_cur *c, uint32_t *out)
{
	const uint8_t *p;
	if (!jpki_cur_take(c, 4, &p))
		return false;
	*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

/* §6.5.1: aaguid (16), credentialIdLength (2), credentialId, credentialPublicKey. */
static int attested_read(struct jpki_cur *c, struct jpki_wa_authdata *a, struct jpki_err *err)
{
	uint16_t id_len;
	if (!jpki_cur_take(c, 16, &a->aaguid) || !jpki_cur_u16be(c, &id_len))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "authenticator data: attested credential data truncated");
	if (id_len == 0 || id_len > JPKI_WA_CRED_ID_MAX)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "authenticator data: a credential id of %u bytes (1 to %d)",
		                 (unsigned)id_len, JPKI_WA_CRED_ID_MAX);
	if (!jpki_cur_take(c, id_len, &a->cred_id))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "authenticator data: credential id truncated");
	a->cred_id_len = id_len;
	a->attested = true;
	return cose_key_read(c, &a->key, err);
}

int jpki_wa_authdata_parse(const uint8_t *p, size_t n, bool attested, struct jpki_wa_authdata *out,
                           struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	if (n > JPKI_WA_AUTHDATA_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "authenticator data: over %d bytes",
		                 JPKI_WA_AUTHDATA_MAX);
	struct jpki_cur c = jpki_cur_make(p, n);
	if (!jpki_cur_take(&c, 32, &out->rp_id_hash) || !jpki_cur_u8(&c, &out->flags) ||
	    !u32be(&c, &out->sign_count))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "authenticator data: %zu bytes, under the 37 of rpIdHash, flags "
		                 "and signCount",
		                 n);
	bool at = out->flags & JPKI_WA_FLAG_AT;
	if (at != attested)
		return jpki_fail(err, JPKI_E_INVALID,
		                 attested ? "authenticator data: no attested credential data (AT)"
		                          : "authenticator data: attested credential data in an "
		                            "assertion");
	int rc = at ? attested_read(&c, out, err) : 0;
	if (rc == 0 && (out->flags & JPKI_WA_FLAG_ED))
		rc = extensions_read(&c, &out->ext, err);
	if (rc == 0 && !jpki_cur_done(&c))
		rc = jpki_fail(err, JPKI_E_INVALID, "authenticator data: %zu bytes left over",
		               jpki_cur_left(&c));
	return rc;
}

/* ---- the attestation object (§6.5.4) and its statements (§8.2, §8.7) ---- */

/* packed (§8.2): {alg: int, sig: bytes, ? x5c: [+ bytes]} */
static int packed_read(struct jpki_cur *c, struct jpki_wa_attobj *a, struct jpki_err *err)
{
	uint64_t pairs, certs;
	bool alg = false, sig = false, x5c = false;
	if (!jpki_cbor_map(c, MAP_MAX, &pairs))
		return jpki_fail(err, JPKI_E_INVALID, "attStmt: not a map");
	for (uint64_t i = 0; i < pairs; i++) {
		bool ok;
		if (!alg && jpki_cbor_text_is(c, "alg")) {
			ok = alg = jpki_cbor_int(c, &a->alg);
		} else if (!sig && jpki_cbor_text_is(c, "sig")) {
			ok = sig = jpki_cbor_bytes(c, &a->sig, &a->sig_len);
		} else if (!x5c && jpki_cbor_text_is(c, "x5c")) {
			ok = x5c = jpki_cbor_array(c, 8, &certs) && certs > 0;
			for (uint64_t k = 0; ok && k < certs; k++) {
				const uint8_t *der;
				size_t len;
				ok = jpki_cbor_bytes(c, &der, &len);
				if (ok && k == 0)
					a->x5c = der, a->x5c_len = len;
			}
		} else {
			return jpki_fail(err, JPKI_E_INVALID,
			                 "attStmt (packed): a member other than alg, sig and x5c, "
			                 "or one twice");
		}
		if (!ok)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "attStmt (packed): a member malformed");
	}
	if (!alg || !sig)
		return jpki_fail(err, JPKI_E_INVALID, "attStmt (packed): no alg or no sig");
	if (a->sig_len == 0 || a->sig_len > JPKI_WA_SIG_MAX)
		return jpki_fail(err, JPKI_E_INVALID, "attStmt (packed): a signature of %zu bytes",
		                 a->sig_len);
	return 0;
}

/* §8.7: none's statement is the empty map. */
static int none_read(struct jpki_cur *c, struct jpki_err *err)
{
	uint64_t pairs;
	if (!jpki_cbor_map(c, 0, &pairs))
		return jpki_fail(err, JPKI_E_INVALID, "attStmt (none): not the empty map");
	return 0;
}

/* §7.1 step 18: the format, matched case-sensitively. */
static int fmt_read(struct jpki_cur *c, enum jpki_wa_fmt *fmt, struct jpki_err *err)
{
	const uint8_t *p;
	size_t n;
	if (jpki_cbor_text_is(c, "none"))
		*fmt = JPKI_WA_FMT_NONE;
	else if (jpki_cbor_text_is(c, "packed"))
		*fmt = JPKI_WA_FMT_PACKED;
	else if (jpki_cbor_text(c, &p, &n))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "attestation format not supported (none and packed are)");
	else
		return jpki_fail(err, JPKI_E_INVALID, "attestation object: fmt is not text");
	return 0;
}

int jpki_wa_attobj_parse(const uint8_t *p, size_t n, struct jpki_wa_attobj *out,
                         struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	if (n > JPKI_WA_ATTESTATION_MAX)
		return jpki_fail(err, JPKI_E_LIMIT, "attestation object: over %d bytes",
		                 JPKI_WA_ATTESTATION_MAX);
	/* §7.1 step 12: CBOR decoded; the statement read once the format is known */
	struct jpki_cur c = jpki_cur_make(p, n), stmt = {0};
	uint64_t pairs;
	bool fmt = false, att = false, auth = false;
	if (!jpki_cbor_map(&c, 3, &pairs) || pairs != 3)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "attestation object: not a map of fmt, attStmt and authData");
	int rc = 0;
	for (uint64_t i = 0; rc == 0 && i < pairs; i++) {
		if (!fmt && jpki_cbor_text_is(&c, "fmt")) {
			fmt = true;
			rc = fmt_read(&c, &out->fmt, err);
		} else if (!att && jpki_cbor_text_is(&c, "attStmt")) {
			att = true;
			stmt = c;
			if (!jpki_cbor_skip(&c, JPKI_CBOR_DEPTH))
				rc = jpki_fail(err, JPKI_E_INVALID,
				               "attestation object: attStmt malformed");
			stmt.len = c.off; /* the statement's bytes, and no more */
			out->stmt = p + stmt.off;
			out->stmt_len = c.off - stmt.off;
		} else if (!auth && jpki_cbor_text_is(&c, "authData")) {
			auth = jpki_cbor_bytes(&c, &out->auth_data, &out->auth_data_len);
			if (!auth)
				rc = jpki_fail(err, JPKI_E_INVALID,
				               "attestation object: authData is not a byte string");
		} else {
			rc = jpki_fail(err, JPKI_E_INVALID,
			               "attestation object: a member other than fmt, attStmt and "
			               "authData, or one twice");
		}
	}
	if (rc < 0)
		return rc;
	if (!jpki_cur_done(&c))
		return jpki_fail(err, JPKI_E_INVALID, "attestation object: %zu bytes left over",
		                 jpki_cur_left(&c));
	rc = out->fmt == JPKI_WA_FMT_NONE ? none_read(&stmt, err) : packed_read(&stmt, out, err);
	if (rc == 0 && !jpki_cur_done(&stmt))
		rc = jpki_fail(err, JPKI_E_INVALID, "attStmt: bytes left over");
	return rc;
}
