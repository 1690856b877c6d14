/*
 * cache.c: the login validator's memory of certificates, paths and good
 * OCSP answers (cache.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "login/cache.h"

#define WAYS 4
#define SETS (JPKI_LOGIN_CACHE / WAYS)

struct entry {
	uint8_t key[32]; /* SHA-256 of the certificate's DER */
	X509 *cert;      /* NULL: the slot is empty */
	struct jpki_login_seen seen;
	int64_t bad_update; /* thisUpdate of the latest revoked or unknown answer */
	uint64_t used;      /* the cache's tick at the last use: the lowest of a set goes first */
};

struct jpki_login_cache {
	pthread_mutex_t lock;
	uint64_t tick;
	struct entry e[JPKI_LOGIN_CACHE];
};

int jpki_login_cache_new(struct jpki_login_cache **ret, struct jpki_err *err)
{
	struct jpki_login_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return jpki_fail(err, JPKI_E_NOMEM, "no mutex for the login cache");
	}
	*ret = c;
	return 0;
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *jpki_login_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md ? sha256_md : EVP_sha256();
}

static void entry_clear(struct entry *e)
{
	X509_free(e->cert);
	X509_free(e->seen.issuer);
	memset(e, 0, sizeof(*e));
}

void jpki_login_cache_free(struct jpki_login_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < JPKI_LOGIN_CACHE; i++)
		entry_clear(&c->e[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Exactly one DER certificate (trailing bytes refused), its public key decoded with it. */
static X509 *decode(const uint8_t *der, size_t len)
{
	const uint8_t *p = der;
	X509 *x = len < (1u << 20) ? d2i_X509(NULL, &p, (long)len) : NULL;
	if (x && (p != der + len || !X509_get0_pubkey(x))) {
		X509_free(x);
		x = NULL;
	}
	if (!x)
		ERR_clear_error();
	return x;
}

static struct entry *set_of(struct jpki_login_cache *c, const uint8_t key[32])
{
	return &c->e[(((size_t)key[0] << 8 | key[1]) % SETS) * WAYS];
}

/* key's entry (under the lock), or NULL. */
static struct entry *find(struct jpki_login_cache *c, const uint8_t key[32])
{
	struct entry *set = set_of(c, key);
	for (int w = 0; w < WAYS; w++)
		if (set[w].cert && memcmp(set[w].key, key, 32) == 0) {
			set[w].used = ++c->tick;
			return &set[w];
		}
	return NULL;
}

/* The empty or least recently used slot of key's set (under the lock). */
static struct entry *victim(struct jpki_login_cache *c, const uint8_t key[32])
{
	struct entry *set = set_of(c, key), *v = &set[0];
	for (int w = 0; w < WAYS && v->cert; w++)
		if (!set[w].cert || set[w].used < v->used)
			v = &set[w];
	return v;
}

/* A copy of e's certificate and what is remembered with it, each with its own reference. */
static X509 *copy_out(const struct entry *e, struct jpki_login_seen *seen)
{
	*seen = e->seen;
	if (seen->issuer && !X509_up_ref(seen->issuer))
		seen->issuer = NULL;
	return X509_up_ref(e->cert) ? e->cert : NULL;
}

/* Remember x (its reference taken) for key, unless another thread did first: that one is used. */
static X509 *remember(struct jpki_login_cache *c, const uint8_t key[32], X509 *x,
                      struct jpki_login_seen *seen)
{
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	if (e) {
		X509 *had = copy_out(e, seen);
		pthread_mutex_unlock(&c->lock);
		X509_free(x);
		return had;
	}
	if (!X509_up_ref(x)) {
		pthread_mutex_unlock(&c->lock);
		return x;
	}
	e = victim(c, key);
	entry_clear(e);
	memcpy(e->key, key, 32);
	e->cert = x;
	e->used = ++c->tick;
	pthread_mutex_unlock(&c->lock);
	return x;
}

X509 *jpki_login_cache_get(struct jpki_login_cache *c, const uint8_t *der, size_t len,
                           uint8_t key[32], struct jpki_login_seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	if (EVP_Digest(der, len, key, NULL, jpki_login_sha256(), NULL) != 1)
		return NULL;
	if (!c)
		return decode(der, len);
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	X509 *x = e ? copy_out(e, seen) : NULL;
	pthread_mutex_unlock(&c->lock);
	if (e)
		return x;
	x = decode(der, len); /* outside the lock: this is the 0.1 ms */
	return x ? remember(c, key, x, seen) : NULL;
}

void jpki_login_cache_put_path(struct jpki_login_cache *c, const uint8_t key[32], X509 *issuer,
                               int64_t from, int64_t until)
{
	if (!c || !X509_up_ref(issuer))
		return;
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	X509 *old = e ? e->seen.issuer : issuer;
	if (e) {
		e->seen.issuer = issuer;
		e->seen.path_from = from;
		e->seen.path_until = until;
	}
	pthread_mutex_unlock(&c->lock);
	X509_free(old); /* evicted meanwhile: nothing to remember it in */
}

void jpki_login_cache_put_good(struct jpki_login_cache *c, const uint8_t key[32],
                               int64_t this_update, int64_t next_update)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	/*
	 * Only an answer newer than any other thread's: a good one fetched before a
	 * revoked one, and stored after it, must not bring "good" back.
	 */
	if (e && this_update >= e->seen.this_update && this_update > e->bad_update) {
		e->seen.this_update = this_update;
		e->seen.next_update = next_update;
	}
	pthread_mutex_unlock(&c->lock);
}

void jpki_login_cache_put_pseudonym(struct jpki_login_cache *c, const uint8_t key[32],
                                    const char *pseudonym)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	if (e)
		snprintf(e->seen.pseudonym, sizeof(e->seen.pseudonym), "%s", pseudonym);
	pthread_mutex_unlock(&c->lock);
}

void jpki_login_cache_drop_status(struct jpki_login_cache *c, const uint8_t key[32],
                                  int64_t this_update)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	if (e) {
		e->seen.this_update = e->seen.next_update = 0;
		if (this_update > e->bad_update)
			e->bad_update = this_update;
	}
	pthread_mutex_unlock(&c->lock);
}
