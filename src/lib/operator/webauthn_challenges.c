/*
 * webauthn_challenges.c: the one-time challenges of WebAuthn ceremonies
 * (webauthn.h), kept in memory for the HTTP layer: one per handle and
 * ceremony, 5 minutes, taken once (WebAuthn L2 §13.4.3: a challenge is
 * random, kept by the relying party, and good for one ceremony).  One mutex
 * guards the table; it is small and each call is a short scan.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "webauthn.h"

#define TABLE_SIZE 4096
#define HANDLE_MAX 64

struct entry {
	bool used;
	char handle[HANDLE_MAX + 1];
	enum jpki_wa_ceremony ceremony;
	uint8_t challenge[JPKI_WEBAUTHN_CHALLENGE_LEN];
	int64_t expires_at;
};

struct jpki_webauthn_challenges {
	pthread_mutex_t lock;
	struct entry e[TABLE_SIZE];
};

int jpki_webauthn_challenges_new(struct jpki_webauthn_challenges **ret, struct jpki_err *err)
{
	struct jpki_webauthn_challenges *t = calloc(1, sizeof(*t));
	if (!t)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return jpki_fail(err, JPKI_E_NOMEM, "cannot make a mutex");
	}
	*ret = t;
	return 0;
}

void jpki_webauthn_challenges_free(struct jpki_webauthn_challenges *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	OPENSSL_cleanse(t->e, sizeof(t->e));
	free(t);
}

static bool handle_ok(const char *h)
{
	size_t n = h ? strlen(h) : 0;
	if (n == 0 || n > HANDLE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (h[i] < 0x21 || h[i] > 0x7e)
			return false;
	return true;
}

static void clear(struct entry *e)
{
	OPENSSL_cleanse(e, sizeof(*e));
}

/* The entry of handle and ceremony, or NULL. */
static struct entry *find(struct jpki_webauthn_challenges *t, const char *handle,
                          enum jpki_wa_ceremony ceremony)
{
	for (size_t i = 0; i < TABLE_SIZE; i++)
		if (t->e[i].used && t->e[i].ceremony == ceremony &&
		    strcmp(t->e[i].handle, handle) == 0)
			return &t->e[i];
	return NULL;
}

/* handle's entry to reuse, else a free one (expired ones freed on the way), else NULL. */
static struct entry *slot(struct jpki_webauthn_challenges *t, const char *handle,
                          enum jpki_wa_ceremony ceremony, int64_t now)
{
	struct entry *e = find(t, handle, ceremony), *free_one = NULL;
	for (size_t i = 0; !e && i < TABLE_SIZE; i++) {
		if (t->e[i].used && t->e[i].expires_at <= now)
			clear(&t->e[i]);
		if (!t->e[i].used && !free_one)
			free_one = &t->e[i];
	}
	return e ? e : free_one;
}

int jpki_webauthn_challenge_issue(struct jpki_webauthn_challenges *t, const char *handle,
                                  enum jpki_wa_ceremony ceremony, int64_t now,
                                  uint8_t out[JPKI_WEBAUTHN_CHALLENGE_LEN], struct jpki_err *err)
{
	if (!t || !handle_ok(handle) || (ceremony != JPKI_WA_CREATE && ceremony != JPKI_WA_GET))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a challenge's handle is 1 to %d printable ASCII characters",
		                 HANDLE_MAX);
	uint8_t fresh[JPKI_WEBAUTHN_CHALLENGE_LEN];
	int rc = jpki_webauthn_challenge(fresh, err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&t->lock);
	struct entry *e = slot(t, handle, ceremony, now);
	if (e) {
		e->used = true;
		snprintf(e->handle, sizeof(e->handle), "%s", handle);
		e->ceremony = ceremony;
		memcpy(e->challenge, fresh, sizeof(fresh));
		e->expires_at = now + JPKI_WEBAUTHN_CHALLENGE_SECONDS;
	}
	pthread_mutex_unlock(&t->lock);
	if (!e)
		return jpki_fail(err, JPKI_E_LIMIT, "%d challenges outstanding: try again later",
		                 TABLE_SIZE);
	memcpy(out, fresh, sizeof(fresh));
	OPENSSL_cleanse(fresh, sizeof(fresh));
	return 0;
}

int jpki_webauthn_challenge_take(struct jpki_webauthn_challenges *t, const char *handle,
                                 enum jpki_wa_ceremony ceremony, int64_t now,
                                 uint8_t out[JPKI_WEBAUTHN_CHALLENGE_LEN], struct jpki_err *err)
{
	if (!t || !handle_ok(handle))
		return jpki_fail(err, JPKI_E_INVALID, "a challenge's handle");
	pthread_mutex_lock(&t->lock);
	struct entry *e = find(t, handle, ceremony);
	bool expired = e && e->expires_at <= now;
	if (e && !expired)
		memcpy(out, e->challenge, JPKI_WEBAUTHN_CHALLENGE_LEN);
	if (e)
		clear(e); /* once, whatever comes of it */
	pthread_mutex_unlock(&t->lock);
	if (!e)
		return jpki_fail(err, JPKI_E_NOT_FOUND,
		                 "no challenge outstanding for this session");
	if (expired)
		return jpki_fail(err, JPKI_E_STATE, "the challenge expired (%d minutes)",
		                 JPKI_WEBAUTHN_CHALLENGE_SECONDS / 60);
	return 0;
}
