/*
 * nonces.c: the relying party's challenges, bound to sessions and taken
 * once (jpki/login.h).  A small table, searched whole: a relying party has
 * as many open challenges as people on its login page in 5 minutes.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "jpki/login.h"

#define SESSION_MAX 128

struct open_nonce {
	char session[SESSION_MAX + 1];
	char nonce[JPKI_LOGIN_NONCE_LEN + 1];
	int64_t expires; /* 0: a free slot */
};

struct jpki_login_nonces {
	pthread_mutex_t lock; /* the relying party's server answers on several threads */
	int64_t lifetime;
	size_t cap;
	struct open_nonce *e;
};

int jpki_login_nonces_new(size_t capacity, int64_t lifetime, struct jpki_login_nonces **ret,
                          struct jpki_err *err)
{
	if (capacity == 0 || capacity > (1u << 20) || lifetime < 0 || lifetime > 3600)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a store of 1 to 1048576 challenges, "
		                 "living at most an hour");
	struct jpki_login_nonces *n = calloc(1, sizeof(*n));
	if (!n || !(n->e = calloc(capacity, sizeof(*n->e))) ||
	    pthread_mutex_init(&n->lock, NULL) != 0) {
		if (n)
			free(n->e);
		free(n);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	n->cap = capacity;
	n->lifetime = lifetime ? lifetime : JPKI_LOGIN_LIFETIME;
	*ret = n;
	return 0;
}

void jpki_login_nonces_free(struct jpki_login_nonces *n)
{
	if (!n)
		return;
	OPENSSL_cleanse(n->e, n->cap * sizeof(*n->e));
	free(n->e);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

static int check_session(const char *session, struct jpki_err *err)
{
	size_t len = session ? strlen(session) : 0;
	return len == 0 || len > SESSION_MAX
	           ? jpki_fail(err, JPKI_E_INVALID, "a session id of 1 to %d bytes", SESSION_MAX)
	           : 0;
}

/* The session's slot, else a free or expired one (*fresh), else NULL. */
static struct open_nonce *slot_for(struct jpki_login_nonces *n, const char *session, int64_t now,
                                   bool *fresh)
{
	struct open_nonce *spare = NULL;
	for (size_t i = 0; i < n->cap; i++) {
		struct open_nonce *o = &n->e[i];
		if (o->expires && strcmp(o->session, session) == 0) {
			*fresh = false;
			return o;
		}
		if (!spare && (!o->expires || o->expires <= now))
			spare = o;
	}
	*fresh = true;
	return spare;
}

int jpki_login_challenge(struct jpki_login_nonces *n, const char *session, int64_t now,
                         char out[JPKI_LOGIN_NONCE_LEN + 1], struct jpki_err *err)
{
	uint8_t raw[32];
	int rc = check_session(session, err);
	if (rc < 0)
		return rc;
	if (RAND_priv_bytes(raw, sizeof(raw)) != 1) /* a CSPRNG: libcrypto's DRBG */
		return jpki_fail(err, JPKI_E_CRYPTO, "no random bytes");
	pthread_mutex_lock(&n->lock);
	bool fresh;
	struct open_nonce *o = slot_for(n, session, now, &fresh);
	if (!o) {
		pthread_mutex_unlock(&n->lock);
		OPENSSL_cleanse(raw, sizeof(raw));
		return jpki_fail(err, JPKI_E_LIMIT, "too many open login challenges");
	}
	snprintf(o->session, sizeof(o->session), "%s", session);
	EVP_EncodeBlock((unsigned char *)o->nonce, raw, sizeof(raw));
	o->expires = now + n->lifetime;
	memcpy(out, o->nonce, sizeof(o->nonce));
	pthread_mutex_unlock(&n->lock);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int jpki_login_take(struct jpki_login_nonces *n, const char *session, int64_t now,
                    char out[JPKI_LOGIN_NONCE_LEN + 1], struct jpki_err *err)
{
	int rc = check_session(session, err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&n->lock);
	bool fresh;
	struct open_nonce *o = slot_for(n, session, now, &fresh);
	if (!o || fresh) {
		pthread_mutex_unlock(&n->lock);
		return jpki_fail(err, JPKI_E_NOT_FOUND, "no login challenge for this session");
	}
	bool expired = o->expires <= now;
	if (!expired)
		memcpy(out, o->nonce, sizeof(o->nonce));
	OPENSSL_cleanse(o, sizeof(*o)); /* taken, or gone with its time */
	pthread_mutex_unlock(&n->lock);
	return expired ? jpki_fail(err, JPKI_E_STATE, "the login challenge has expired") : 0;
}
