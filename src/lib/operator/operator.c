/* operator.c: operators, their passwords and log-ins (operator.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "audit/log.h"
#include "core/base64.h"
#include "operator.h"

#define SCRYPT_LOG_N 15
#define SCRYPT_R 8
#define SCRYPT_P 1

/* A hash no password matches in practice, checked for unknown operators (equal timing). */
static const char dummy_hash[] =
    "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

bool jpki_operator_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '.' || id[i] == '_' ||
		      id[i] == '-'))
			return false;
	return true;
}

static int scrypt(const char *password, const uint8_t *salt, size_t salt_len, unsigned log_n,
                  unsigned r, unsigned p, uint8_t out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	uint64_t n = UINT64_C(1) << log_n;
	uint32_t rr = r, pp = p;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
	                                      strlen(password)),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp),
	    OSSL_PARAM_construct_end()};
	int ok = ctx && EVP_KDF_derive(ctx, out, 32, params) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? 0 : -1;
}

static bool password_ok(const char *pw)
{
	size_t n = pw ? strlen(pw) : 0;
	return n >= JPKI_PASSWORD_MIN && n <= JPKI_PASSWORD_MAX;
}

int jpki_password_hash(const char *password, char out[JPKI_PASSWORD_HASH_MAX + 1],
                       struct jpki_err *err)
{
	uint8_t salt[16], h[32];
	if (!password_ok(password))
		return jpki_fail(err, JPKI_E_INVALID, "a password is %d to %d characters",
		                 JPKI_PASSWORD_MIN, JPKI_PASSWORD_MAX);
	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    scrypt(password, salt, sizeof(salt), SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, h) < 0)
		return jpki_fail(err, JPKI_E_CRYPTO, "scrypt");
	char *s = jpki_base64_encode(salt, sizeof(salt)), *hh = jpki_base64_encode(h, sizeof(h));
	OPENSSL_cleanse(h, sizeof(h));
	int rc = s && hh ? 0 : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0)
		snprintf(out, JPKI_PASSWORD_HASH_MAX + 1, "scrypt$%d$%d$%d$%s$%s", SCRYPT_LOG_N,
		         SCRYPT_R, SCRYPT_P, s, hh);
	free(s), free(hh);
	return rc;
}

bool jpki_password_check(const char *password, const char *stored)
{
	unsigned log_n, r, p;
	char salt64[64], hash64[64];
	uint8_t *salt = NULL, *want = NULL, got[32];
	size_t salt_len = 0, want_len = 0;
	if (!password || strlen(password) > JPKI_PASSWORD_MAX ||
	    sscanf(stored, "scrypt$%u$%u$%u$%63[^$]$%63s", &log_n, &r, &p, salt64, hash64) != 5 ||
	    log_n < 10 || log_n > 20 || r < 1 || r > 32 || p < 1 || p > 4)
		return false;
	bool ok = jpki_base64_decode(salt64, strlen(salt64), false, &salt, &salt_len) == 0 &&
	          jpki_base64_decode(hash64, strlen(hash64), false, &want, &want_len) == 0 &&
	          want_len == 32 && scrypt(password, salt, salt_len, log_n, r, p, got) == 0 &&
	          CRYPTO_memcmp(got, want, 32) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	free(salt), free(want);
	return ok;
}

/* An audit entry of the operators' own: actor, action, decision, facts. */
int jpki_operator_audit(struct jpki_store *st, const char *actor, const char *action,
                        const char *decision, const char *detail, int64_t now, struct jpki_err *err)
{
	struct jpki_audit_rec a;
	memset(&a, 0, sizeof(a));
	a.at = now;
	snprintf(a.operator_id, sizeof(a.operator_id), "%s", actor);
	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.decision, sizeof(a.decision), "%s", decision);
	snprintf(a.detail, sizeof(a.detail), "%s", detail);
	return jpki_audit_append(st, &a, err);
}

/*
 * A password check inside the caller's transaction, its outcome written
 * (failures, the lock, the audit entry) whatever it is; the caller commits
 * either way.
 */
int jpki_operator_authenticate_tx(struct jpki_store *st, const char *id, const char *password,
                                  int64_t now, struct jpki_operator_rec *o, struct jpki_err *err)
{
	char detail[128];
	struct jpki_err e2;
	bool known = jpki_operator_id_ok(id) && st->ops->operator_get(st, id, o, &e2) == 0;
	/* the password is always checked, so the time taken says nothing of the account */
	bool good = jpki_password_check(password, known ? o->password_hash : dummy_hash);
	if (!known) {
		int rc =
		    jpki_operator_audit(st, jpki_operator_id_ok(id) ? id : "?", "operator.login",
		                        "refused", "unknown operator", now, err);
		return rc < 0
		           ? rc
		           : jpki_fail(err, JPKI_E_UNAUTHENTICATED, "wrong operator or password");
	}
	if (o->disabled_at) {
		int rc =
		    jpki_operator_audit(st, id, "operator.login", "refused", "disabled", now, err);
		return rc < 0 ? rc : jpki_fail(err, JPKI_E_STATE, "operator %s is disabled", id);
	}
	if (o->locked_until > now) {
		snprintf(detail, sizeof(detail), "locked until %" PRId64, o->locked_until);
		int rc = jpki_operator_audit(st, id, "operator.login", "refused", detail, now, err);
		return rc < 0 ? rc
		              : jpki_fail(err, JPKI_E_STATE,
		                          "operator %s is locked for %" PRId64
		                          " more seconds after %d "
		                          "wrong passwords",
		                          id, o->locked_until - now, JPKI_LOCKOUT_FAILURES);
	}
	o->failures = good ? 0 : o->failures + 1;
	o->locked_until = o->failures >= JPKI_LOCKOUT_FAILURES ? now + JPKI_LOCKOUT_SECONDS : 0;
	if (o->locked_until)
		o->failures = 0; /* a fresh count after the lock */
	if (good)
		o->last_login_at = now;
	snprintf(detail, sizeof(detail), "%s",
	         good              ? "password"
	         : o->locked_until ? "wrong password; locked"
	                           : "wrong password");
	int rc = st->ops->operator_update(st, o, err);
	if (rc == 0)
		rc = jpki_operator_audit(st, id, "operator.login", good ? "done" : "refused",
		                         detail, now, err);
	if (rc == 0 && !good)
		rc = jpki_fail(err, JPKI_E_UNAUTHENTICATED, "wrong operator or password");
	return rc;
}

int jpki_actor_check_tx(struct jpki_store *st, const struct jpki_actor *by, const char *action,
                        int64_t now, struct jpki_operator_rec *o, struct jpki_err *err)
{
	if (!by->in_session)
		return jpki_operator_authenticate_tx(st, by->id, by->password, now, o, err);
	int rc = jpki_operator_id_ok(by->id) ? st->ops->operator_get(st, by->id, o, err)
	                                     : -JPKI_E_NOT_FOUND;
	if (rc < 0 && rc != -JPKI_E_NOT_FOUND)
		return rc;
	const char *why = rc == -JPKI_E_NOT_FOUND ? "unknown operator"
	                  : o->disabled_at        ? "disabled"
	                  : o->locked_until > now ? "locked"
	                                          : NULL;
	if (!why)
		return 0;
	rc = jpki_operator_audit(st, jpki_operator_id_ok(by->id) ? by->id : "?", action, "refused",
	                         why, now, err);
	return rc < 0 ? rc
	              : jpki_fail(err, JPKI_E_UNAUTHENTICATED, "operator %s: %s",
	                          jpki_operator_id_ok(by->id) ? by->id : "?", why);
}

/*
 * End the transaction of an operation that returned rc: committed when it
 * succeeded or was refused after logging its refusal (UNAUTHENTICATED,
 * STATE, DENIED, EXISTS), rolled back on any other error.  Returns rc, or
 * the commit's error.
 */
int jpki_operator_end_tx(struct jpki_store *st, int rc, struct jpki_err *err)
{
	bool logged = rc == 0 || rc == -JPKI_E_UNAUTHENTICATED || rc == -JPKI_E_STATE ||
	              rc == -JPKI_E_DENIED || rc == -JPKI_E_EXISTS;
	if (!logged) {
		st->ops->rollback(st);
		return rc;
	}
	struct jpki_err keep = *err;
	int crc = st->ops->commit(st, err);
	if (crc < 0) {
		st->ops->rollback(st);
		return crc;
	}
	*err = keep;
	return rc;
}

int jpki_operator_login(struct jpki_store *st, const char *id, const char *password, int64_t now,
                        struct jpki_operator_rec *out, struct jpki_err *err)
{
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	return jpki_operator_end_tx(
	    st, jpki_operator_authenticate_tx(st, id, password, now, out, err), err);
}

static int count_one(const struct jpki_operator_rec *o, void *arg)
{
	(void)o;
	++*(int *)arg;
	return 0;
}

/* The actor authenticated and a CA officer; a refusal logged as action. */
static int officer(struct jpki_store *st, const struct jpki_actor *by, const char *action,
                   int64_t now, struct jpki_err *err)
{
	struct jpki_operator_rec o;
	int rc = jpki_actor_check_tx(st, by, action, now, &o, err);
	if (rc == 0 && !jpki_role_may((enum jpki_role)o.role, JPKI_RIGHT_OPERATORS)) {
		rc = jpki_operator_audit(st, by->id, action, "refused", "not a CA officer", now,
		                         err);
		if (rc == 0)
			rc = jpki_fail(err, JPKI_E_DENIED,
			               "%s is a %s: only a CA officer manages operators", by->id,
			               jpki_role_name((enum jpki_role)o.role));
	}
	return rc;
}

static int add_tx(struct jpki_store *st, const struct jpki_actor *by, const char *id,
                  const char *name, enum jpki_role role, const char *password, int64_t now,
                  struct jpki_err *err)
{
	int n = 0;
	int rc = st->ops->operator_each(st, count_one, &n, err);
	if (rc < 0)
		return rc;
	const char *why = n == 0 && (by || role != JPKI_ROLE_CA_OFFICER)
	                      ? "the first operator is a CA officer, added without --by"
	                  : n > 0 && !by ? "a CA officer adds operators (--by)"
	                                 : NULL;
	if (why) { /* a refusal, logged under the name given (not authenticated) */
		char detail[160];
		snprintf(detail, sizeof(detail), "operator=%s; %s", id, why);
		rc = jpki_operator_audit(st, by && jpki_operator_id_ok(by->id) ? by->id : id,
		                         "operator.add", "refused", detail, now, err);
		return rc < 0 ? rc : jpki_fail(err, JPKI_E_DENIED, "%s", why);
	}
	if (by && (rc = officer(st, by, "operator.add", now, err)) < 0)
		return rc;
	struct jpki_operator_rec o = {.role = role, .created_at = now};
	snprintf(o.id, sizeof(o.id), "%s", id);
	snprintf(o.name, sizeof(o.name), "%s", name);
	snprintf(o.created_by, sizeof(o.created_by), "%s", by ? by->id : "");
	if ((rc = jpki_password_hash(password, o.password_hash, err)) < 0 ||
	    (rc = st->ops->operator_insert(st, &o, err)) < 0)
		return rc;
	char detail[200];
	snprintf(detail, sizeof(detail), "operator=%s; role=%s", id, jpki_role_name(role));
	return jpki_operator_audit(st, by ? by->id : id, "operator.add", "done", detail, now, err);
}

/* The length of the UTF-8 sequence at p (RFC 3629: shortest form, no surrogates), 0 if none. */
static size_t utf8_char(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = p[0] >= 0xC2 && p[0] <= 0xDF   ? 2
	           : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
	           : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
	                                          : 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F) ||
	    (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F))
		return 0;
	return n;
}

bool jpki_operator_text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_char((const unsigned char *)s + i);
		if (k == 0 || (k == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)))
			return false;
		i += k;
	}
	return true;
}

static bool name_ok(const char *name)
{
	return jpki_operator_text_ok(name, JPKI_OPERATOR_NAME_MAX);
}

int jpki_operator_add(struct jpki_store *st, const struct jpki_actor *by, const char *id,
                      const char *name, enum jpki_role role, const char *password, int64_t now,
                      struct jpki_err *err)
{
	if (!jpki_operator_id_ok(id))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "an operator id is 1 to 32 of A-Z a-z 0-9 . _ -");
	if (!name_ok(name))
		return jpki_fail(err, JPKI_E_INVALID, "a name is 1 to %d bytes of text",
		                 JPKI_OPERATOR_NAME_MAX);
	if ((unsigned)role >= JPKI_ROLE_COUNT)
		return jpki_fail(err, JPKI_E_INVALID, "no such role");
	if (!password_ok(password))
		return jpki_fail(err, JPKI_E_INVALID, "a password is %d to %d characters",
		                 JPKI_PASSWORD_MIN, JPKI_PASSWORD_MAX);
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	rc = add_tx(st, by, id, name, role, password, now, err);
	if (rc == -JPKI_E_EXISTS && /* the refusal logged, the rest of the transaction kept */
	    jpki_operator_audit(st, by ? by->id : id, "operator.add", "refused", "id taken", now,
	                        NULL) < 0)
		rc = jpki_fail(err, JPKI_E_STORE, "cannot log the refusal");
	return jpki_operator_end_tx(st, rc, err);
}

int jpki_operator_disable(struct jpki_store *st, const struct jpki_actor *by, const char *id,
                          int64_t now, struct jpki_err *err)
{
	struct jpki_operator_rec o;
	if (!by || !jpki_operator_id_ok(id))
		return jpki_fail(err, JPKI_E_INVALID, "disable ID --by OFFICER");
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	rc = officer(st, by, "operator.disable", now, err);
	const char *why = NULL;
	if (rc == 0 && strcmp(by->id, id) == 0)
		why = "an officer does not disable themself";
	else if (rc == 0 && (rc = st->ops->operator_get(st, id, &o, err)) == -JPKI_E_NOT_FOUND)
		why = "no such operator";
	else if (rc == 0 && o.disabled_at)
		why = "already disabled";
	if (why) { /* a refusal, logged */
		char detail[128];
		snprintf(detail, sizeof(detail), "operator=%s; %s", id, why);
		rc = jpki_operator_audit(st, by->id, "operator.disable", "refused", detail, now,
		                         err);
		if (rc == 0)
			rc = jpki_fail(err, JPKI_E_DENIED, "%s", why);
	} else if (rc == 0) {
		o.disabled_at = now;
		rc = st->ops->operator_update(st, &o, err);
	}
	if (rc == 0 && !why) {
		char detail[64];
		snprintf(detail, sizeof(detail), "operator=%s", id);
		rc = jpki_operator_audit(st, by->id, "operator.disable", "done", detail, now, err);
	}
	return jpki_operator_end_tx(st, rc, err);
}
