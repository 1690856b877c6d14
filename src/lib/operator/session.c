/*
 * session.c: operator sessions (session.h): a fixed array under one lock,
 * looked up by a constant-time comparison of the name.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/base64.h"
#include "session.h"

struct slot {
	bool used;
	char id[JPKI_OP_SESSION_ID_LEN + 1];
	struct jpki_op_session s;
};

struct jpki_op_sessions {
	pthread_mutex_t lock;
	size_t cap;
	struct slot *slots;
};

int jpki_op_sessions_new(size_t capacity, struct jpki_op_sessions **ret, struct jpki_err *err)
{
	struct jpki_op_sessions *s = calloc(1, sizeof(*s));
	if (!s || !capacity || !(s->slots = calloc(capacity, sizeof(*s->slots)))) {
		free(s);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	s->cap = capacity;
	pthread_mutex_init(&s->lock, NULL);
	*ret = s;
	return 0;
}

void jpki_op_sessions_free(struct jpki_op_sessions *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s->slots, s->cap * sizeof(*s->slots));
	free(s->slots);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* 32 random bytes as base64url without padding (43 characters). */
static int random_name(char out[JPKI_OP_SESSION_ID_LEN + 1], struct jpki_err *err)
{
	uint8_t raw[32];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return jpki_fail(err, JPKI_E_CRYPTO, "no random bytes");
	jpki_base64url_32(raw, out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

static bool ended(const struct slot *sl, int64_t now)
{
	int64_t life = sl->s.key_due ? JPKI_OP_SESSION_IDLE : JPKI_OP_SESSION_LIFETIME;
	return !sl->used || now - sl->s.started >= life || now < sl->s.started;
}

static void clear(struct slot *sl)
{
	OPENSSL_cleanse(sl, sizeof(*sl));
}

/* The slot named id (NULL: none); the caller holds the lock. */
static struct slot *find(struct jpki_op_sessions *s, const char *id)
{
	if (!id || strlen(id) != JPKI_OP_SESSION_ID_LEN)
		return NULL;
	struct slot *hit = NULL;
	for (size_t i = 0; i < s->cap; i++) /* every slot compared: the time says nothing */
		if (s->slots[i].used &&
		    CRYPTO_memcmp(s->slots[i].id, id, JPKI_OP_SESSION_ID_LEN) == 0)
			hit = &s->slots[i];
	return hit;
}

int jpki_op_session_open(struct jpki_op_sessions *s, const char *operator_id, enum jpki_role role,
                         const char *counter, bool key_due, int64_t now,
                         char id[JPKI_OP_SESSION_ID_LEN + 1], struct jpki_op_session *out,
                         struct jpki_err *err)
{
	struct slot fresh = {.used = true};
	int rc = random_name(fresh.id, err);
	if (rc == 0)
		rc = random_name(fresh.s.csrf, err);
	if (rc < 0)
		return rc;
	snprintf(fresh.s.operator_id, sizeof(fresh.s.operator_id), "%s", operator_id);
	snprintf(fresh.s.counter, sizeof(fresh.s.counter), "%s", counter);
	fresh.s.role = role;
	fresh.s.key_due = key_due;
	fresh.s.started = fresh.s.last_seen = now;
	pthread_mutex_lock(&s->lock);
	struct slot *take = NULL;
	for (size_t i = 0; i < s->cap; i++) {
		struct slot *sl = &s->slots[i];
		if (ended(sl, now)) {
			take = sl;
			break;
		}
		/* if no slot is free: a log-in still waiting for its key first, then the idlest */
		if (!take || (sl->s.key_due && !take->s.key_due) ||
		    (sl->s.key_due == take->s.key_due && sl->s.last_seen < take->s.last_seen))
			take = sl;
	}
	clear(take);
	*take = fresh;
	pthread_mutex_unlock(&s->lock);
	memcpy(id, fresh.id, sizeof(fresh.id));
	*out = fresh.s;
	clear(&fresh);
	return 0;
}

int jpki_op_session_get(struct jpki_op_sessions *s, const char *id, int64_t now,
                        struct jpki_op_session *out, struct jpki_err *err)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id);
	if (sl && ended(sl, now)) {
		clear(sl);
		sl = NULL;
	}
	if (!sl) {
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no session (log in)");
	} else {
		if (now - sl->s.last_seen >= JPKI_OP_SESSION_IDLE)
			sl->s.locked = true; /* counter practice: locked after 5 idle minutes */
		if (!sl->s.locked)
			sl->s.last_seen = now;
		*out = sl->s;
		if (sl->s.locked)
			rc = jpki_fail(err, JPKI_E_UNAUTHENTICATED,
			               "the session is locked after %d idle minutes: enter the "
			               "password again",
			               JPKI_OP_SESSION_IDLE / 60);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int jpki_op_session_unlock(struct jpki_op_sessions *s, const char *id, int64_t now,
                           struct jpki_err *err)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id);
	if (!sl || ended(sl, now)) {
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no session (log in)");
	} else {
		sl->s.locked = false;
		sl->s.last_seen = now;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void jpki_op_session_end(struct jpki_op_sessions *s, const char *id)
{
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id);
	if (sl)
		clear(sl);
	pthread_mutex_unlock(&s->lock);
}

void jpki_op_session_end_operator(struct jpki_op_sessions *s, const char *operator_id)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].used && strcmp(s->slots[i].s.operator_id, operator_id) == 0)
			clear(&s->slots[i]);
	pthread_mutex_unlock(&s->lock);
}
