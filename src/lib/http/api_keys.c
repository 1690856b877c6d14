/*
 * api_keys.c: security keys at the API (api_int.h; docs/api.md, "Security
 * keys"): the second factor of a log-in, and an operator registering their
 * own key.  The ceremonies are the library's (operator/webauthn.h); this
 * file makes the options a browser's navigator.credentials needs, keeps the
 * challenges (one per session and ceremony, 5 minutes, used once), and
 * decodes the browser's base64url fields.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "core/base64.h"
#include "operator/webauthn.h"

static struct jpki_webauthn_rp rp_of(const struct api_call *c)
{
	return (struct jpki_webauthn_rp){c->h->rp_id, c->h->origin};
}

static char *b64url(const uint8_t *p, size_t n)
{
	return jpki_base64url_encode(p, n);
}

struct keys {
	json_t *a;
	bool enabled_only, descriptors;
};

static int key_one(const struct jpki_credential_rec *k, void *arg)
{
	struct keys *l = arg;
	if (l->enabled_only && k->disabled_at)
		return 0;
	char *id = b64url(k->credential_id, k->credential_id_len);
	json_t *o = !id ? NULL
	            : l->descriptors
	                ? json_pack("{s:s, s:s}", "type", "public-key", "id", id)
	                : json_pack("{s:I, s:s, s:s, s:I, s:I, s:b, s:I}", "id", (json_int_t)k->id,
	                            "credentialId", id, "label", k->label, "createdAt",
	                            (json_int_t)k->created_at, "lastUsedAt",
	                            (json_int_t)k->last_used_at, "disabled", k->disabled_at != 0,
	                            "signCount", (json_int_t)k->sign_count);
	free(id);
	return o && json_array_append_new(l->a, o) == 0 ? 0 : -JPKI_E_NOMEM;
}

static int keys_json(struct api_call *c, const char *operator_id, bool descriptors, json_t **out)
{
	struct keys l = {json_array(), descriptors, descriptors};
	int rc =
	    l.a ? jpki_webauthn_keys(c->h->st, operator_id, key_one, &l, &c->err) : -JPKI_E_NOMEM;
	if (rc == -JPKI_E_NOMEM)
		rc = jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	if (rc < 0) {
		json_decref(l.a);
		return rc;
	}
	*out = l.a;
	return 0;
}

/* A new challenge of ceremony for this session, base64url. */
static int challenge(struct api_call *c, enum jpki_wa_ceremony ceremony, char out[44])
{
	uint8_t ch[JPKI_WEBAUTHN_CHALLENGE_LEN];
	int rc =
	    jpki_webauthn_challenge_issue(c->h->challenges, c->sid, ceremony, c->now, ch, &c->err);
	if (rc == 0)
		jpki_base64url_32(ch, out);
	return rc;
}

/*
 * The answer of a password log-in whose operator has a key: 202 with the
 * options of navigator.credentials.get (WebAuthn L2 §5.5), for the session
 * sid just opened, which waits for the key.
 */
int jpki_api_key_needed(struct api_call *c, const char *sid)
{
	char ch[44];
	json_t *allow = NULL;
	c->sid = sid;
	int rc = challenge(c, JPKI_WA_GET, ch);
	if (rc == 0)
		rc = keys_json(c, c->who.operator_id, true, &allow);
	if (rc < 0)
		return rc;
	c->status = 202;
	c->reply = json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:s, s:i}}", "next", "security-key",
	                     "csrf", c->who.csrf, "publicKey", "challenge", ch, "rpId", c->h->rp_id,
	                     "allowCredentials", allow, "userVerification", "discouraged",
	                     "timeout", JPKI_WEBAUTHN_CHALLENGE_SECONDS * 1000);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

/* Field name of the body as bytes (base64url); *out malloc'd. */
static int field_bytes(struct api_call *c, const char *name, uint8_t **out, size_t *len)
{
	const char *s = jpki_api_text(c->body, name);
	*out = NULL;
	*len = 0;
	if (!s)
		return 0;
	if (jpki_base64url_decode(s, strlen(s), out, len) < 0)
		return jpki_fail(&c->err, JPKI_E_INVALID, "field \"%s\": base64url is expected",
		                 name);
	return 0;
}

static int assertion(struct api_call *c)
{
	uint8_t ch[JPKI_WEBAUTHN_CHALLENGE_LEN];
	uint8_t *id = NULL, *cd = NULL, *ad = NULL, *sig = NULL, *uh = NULL;
	size_t id_n, cd_n, ad_n, sig_n, uh_n;
	if (!c->who.key_due)
		return jpki_fail(&c->err, JPKI_E_STATE, "no log-in is waiting for a security key");
	int rc = jpki_webauthn_challenge_take(c->h->challenges, c->sid, JPKI_WA_GET, c->now, ch,
	                                      &c->err);
	if (rc == 0 && (rc = field_bytes(c, "id", &id, &id_n)) == 0 &&
	    (rc = field_bytes(c, "clientDataJSON", &cd, &cd_n)) == 0 &&
	    (rc = field_bytes(c, "authenticatorData", &ad, &ad_n)) == 0 &&
	    (rc = field_bytes(c, "signature", &sig, &sig_n)) == 0)
		rc = field_bytes(c, "userHandle", &uh, &uh_n);
	if (rc == 0) {
		struct jpki_webauthn_assertion a = {id,   cd,   ad,    sig, id_n,
		                                    cd_n, ad_n, sig_n, uh,  uh_n};
		struct jpki_webauthn_rp rp = rp_of(c);
		rc = jpki_webauthn_assert(c->h->st, &rp, c->who.operator_id, ch, &a, c->now,
		                          &c->err);
	}
	free(id), free(cd), free(ad), free(sig), free(uh);
	if (rc < 0)
		return rc;
	/* both factors: the waiting session ends, a new one (a new name) begins */
	char sid[JPKI_OP_SESSION_ID_LEN + 1];
	struct jpki_op_session was = c->who;
	jpki_op_session_end(c->h->sessions, c->sid);
	rc = jpki_op_session_open(c->h->sessions, was.operator_id, was.role, was.counter, false,
	                          c->now, sid, &c->who, &c->err);
	if (rc < 0)
		return rc;
	jpki_api_set_cookie(c, sid);
	c->status = 201;
	c->reply = jpki_api_session_json(&c->who, c->now);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

static int key_options(struct api_call *c)
{
	char ch[44];
	json_t *exclude = NULL;
	int rc = challenge(c, JPKI_WA_CREATE, ch);
	if (rc == 0)
		rc = keys_json(c, c->who.operator_id, true, &exclude);
	char *user = rc == 0
	                 ? b64url((const uint8_t *)c->who.operator_id, strlen(c->who.operator_id))
	                 : NULL;
	if (rc == 0 && !user)
		rc = jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	if (rc < 0) {
		json_decref(exclude);
		return rc;
	}
	c->reply = json_pack(
	    "{s:{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:i}, {s:s, s:i}], s:o, s:s, "
	    "s:{s:s, s:s}, s:i}}",
	    "publicKey", "challenge", ch, "rp", "id", c->h->rp_id, "name", "jpki counter", "user",
	    "id", user, "name", c->who.operator_id, "displayName", c->who.operator_id,
	    "pubKeyCredParams", "type", "public-key", "alg", -7, "type", "public-key", "alg", -8,
	    "excludeCredentials", exclude, "attestation", "none", "authenticatorSelection",
	    "residentKey", "discouraged", "userVerification", "discouraged", "timeout",
	    JPKI_WEBAUTHN_CHALLENGE_SECONDS * 1000);
	free(user);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

static int key_register(struct api_call *c)
{
	uint8_t ch[JPKI_WEBAUTHN_CHALLENGE_LEN];
	uint8_t *cd = NULL, *ao = NULL;
	size_t cd_n, ao_n;
	int64_t key = 0;
	int rc = jpki_webauthn_challenge_take(c->h->challenges, c->sid, JPKI_WA_CREATE, c->now, ch,
	                                      &c->err);
	if (rc == 0 && (rc = field_bytes(c, "clientDataJSON", &cd, &cd_n)) == 0)
		rc = field_bytes(c, "attestationObject", &ao, &ao_n);
	if (rc == 0) {
		struct jpki_webauthn_attestation a = {cd, ao, cd_n, ao_n};
		struct jpki_webauthn_rp rp = rp_of(c);
		/* the password again: a terminal left open does not get a key added */
		struct jpki_actor by = {c->who.operator_id, jpki_api_text(c->body, "password"),
		                        false};
		const char *label = jpki_api_text(c->body, "label");
		rc = jpki_webauthn_register(c->h->st, &rp, &by, c->who.operator_id,
		                            label ? label : "", ch, &a, c->now, &key, &c->err);
	}
	free(cd), free(ao);
	if (rc < 0)
		return rc;
	c->status = 201;
	c->reply = json_pack("{s:I}", "key", (json_int_t)key);
	return 0;
}

static int keys_list(struct api_call *c)
{
	json_t *a = NULL;
	int rc = keys_json(c, c->who.operator_id, false, &a);
	if (rc == 0)
		c->reply = json_pack("{s:o}", "keys", a);
	return rc;
}

const struct api_route jpki_api_key_routes[] = {
    {"POST", "/api/v1/session/key", API_KEY_DUE, 0, "key-assertion", assertion},
    {"GET", "/api/v1/session/keys", API_SESSION, 0, NULL, keys_list},
    {"POST", "/api/v1/session/keys/options", API_SESSION, 0, "empty", key_options},
    {"POST", "/api/v1/session/keys", API_SESSION, 0, "key-registration", key_register},
    {NULL, NULL, 0, 0, NULL, NULL}};
