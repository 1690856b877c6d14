/*
 * sessions.c: the demo portal's session table (sessions.h): a fixed array
 * under one lock, looked up by a constant-time comparison of the name.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/base64.h"
#include "sessions.h"

struct pending {
	CMS_ContentInfo *cms;
	uint8_t *doc;
	size_t doc_len;
	int64_t at;
};

struct slot {
	bool used;
	char id[JPKI_PORTAL_SESSION_ID_LEN + 1];
	int64_t last_seen;
	struct jpki_portal_session_view view;
	uint8_t *auth_der;
	size_t auth_len;
	struct pending pending;
};

struct jpki_portal_sessions {
	pthread_mutex_t lock;
	size_t cap;
	struct slot *slots;
};

static void drop_pending(struct pending *p)
{
	CMS_ContentInfo_free(p->cms);
	free(p->doc);
	memset(p, 0, sizeof(*p));
}

static void clear_slot(struct slot *sl)
{
	drop_pending(&sl->pending);
	free(sl->auth_der);
	OPENSSL_cleanse(sl, sizeof(*sl));
}

int jpki_portal_sessions_new(size_t capacity, struct jpki_portal_sessions **ret,
                             struct jpki_err *err)
{
	struct jpki_portal_sessions *s = calloc(1, sizeof(*s));
	if (!s || !capacity || !(s->slots = calloc(capacity, sizeof(*s->slots)))) {
		free(s);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	s->cap = capacity;
	pthread_mutex_init(&s->lock, NULL);
	*ret = s;
	return 0;
}

void jpki_portal_sessions_free(struct jpki_portal_sessions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		clear_slot(&s->slots[i]);
	free(s->slots);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* A logged-in session lives 30 idle minutes, an anonymous one as long as a challenge. */
static bool live(const struct slot *sl, int64_t now)
{
	int64_t idle = sl->view.account ? JPKI_PORTAL_SESSION_IDLE : JPKI_PORTAL_ANON_IDLE;
	return sl->used && now - sl->last_seen < idle && now >= sl->last_seen;
}

/* The live slot named id, under the lock; a dead one found on the way is cleared. */
static struct slot *find(struct jpki_portal_sessions *s, const char *id, int64_t now)
{
	if (!id || strlen(id) != JPKI_PORTAL_SESSION_ID_LEN)
		return NULL;
	for (size_t i = 0; i < s->cap; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->used || CRYPTO_memcmp(sl->id, id, JPKI_PORTAL_SESSION_ID_LEN) != 0)
			continue;
		if (live(sl, now)) {
			sl->last_seen = now;
			return sl;
		}
		clear_slot(sl);
		return NULL;
	}
	return NULL;
}

/*
 * A slot for a new session: a free or idle one, else the anonymous one
 * seen longest ago (strangers asking for challenges never push out a
 * logged-in session); LIMIT when every slot holds a live login.
 */
static struct slot *free_slot(struct jpki_portal_sessions *s, int64_t now)
{
	struct slot *oldest = NULL;
	for (size_t i = 0; i < s->cap; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->used || !live(sl, now))
			return sl;
		if (!sl->view.account && (!oldest || sl->last_seen < oldest->last_seen))
			oldest = sl;
	}
	return oldest;
}

/* A slot named anew (free_slot); LIMIT when there is none. */
static int fresh(struct jpki_portal_sessions *s, int64_t now, struct slot **ret,
                 struct jpki_err *err)
{
	uint8_t r[32];
	struct slot *sl = free_slot(s, now);
	if (sl) {
		clear_slot(sl);
		if (RAND_bytes(r, sizeof(r)) != 1)
			return jpki_fail(err, JPKI_E_CRYPTO, "no random bytes for a session");
		jpki_base64url_32(r, sl->id);
		sl->used = true;
		sl->last_seen = now;
		*ret = sl;
		return 0;
	}
	return jpki_fail(err, JPKI_E_LIMIT, "too many sessions; try again later");
}

int jpki_portal_session_open(struct jpki_portal_sessions *s, int64_t now,
                             char id[JPKI_PORTAL_SESSION_ID_LEN + 1], struct jpki_err *err)
{
	struct slot *sl = NULL;
	pthread_mutex_lock(&s->lock);
	int rc = fresh(s, now, &sl, err);
	if (rc == 0)
		memcpy(id, sl->id, sizeof(sl->id));
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int jpki_portal_session_get(struct jpki_portal_sessions *s, const char *id, int64_t now,
                            struct jpki_portal_session_view *out, struct jpki_err *err)
{
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id, now);
	if (sl)
		*out = sl->view;
	pthread_mutex_unlock(&s->lock);
	return sl ? 0 : jpki_fail(err, JPKI_E_NOT_FOUND, "no such session");
}

bool jpki_portal_session_take_new(struct jpki_portal_sessions *s, const char *id, int64_t now)
{
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id, now);
	bool made = sl && sl->view.account_new;
	if (sl)
		sl->view.account_new = false;
	pthread_mutex_unlock(&s->lock);
	return made;
}

int jpki_portal_session_login(struct jpki_portal_sessions *s, const char *old_id, int64_t account,
                              bool account_new, const uint8_t *auth_der, size_t auth_len,
                              int64_t now, char new_id[JPKI_PORTAL_SESSION_ID_LEN + 1],
                              struct jpki_err *err)
{
	uint8_t *copy = malloc(auth_len ? auth_len : 1);
	if (!copy)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	memcpy(copy, auth_der, auth_len);
	pthread_mutex_lock(&s->lock);
	struct slot *old = find(s, old_id, now);
	if (old)
		clear_slot(old);
	struct slot *sl = NULL;
	int rc = fresh(s, now, &sl, err);
	if (rc == 0) {
		sl->view.account = account;
		sl->view.account_new = account_new;
		sl->auth_der = copy;
		sl->auth_len = auth_len;
		memcpy(new_id, sl->id, sizeof(sl->id));
	}
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		free(copy);
	return rc;
}

int jpki_portal_session_auth_cert(struct jpki_portal_sessions *s, const char *id, int64_t now,
                                  uint8_t **der, size_t *len, struct jpki_err *err)
{
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id, now);
	int rc = 0;
	*der = NULL;
	if (!sl || !sl->view.account)
		rc = jpki_fail(err, JPKI_E_UNAUTHENTICATED, "not logged in");
	else if (!(*der = malloc(sl->auth_len)))
		rc = jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	else {
		memcpy(*der, sl->auth_der, sl->auth_len);
		*len = sl->auth_len;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void jpki_portal_session_end(struct jpki_portal_sessions *s, const char *id)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; id && strlen(id) == JPKI_PORTAL_SESSION_ID_LEN && i < s->cap; i++)
		if (s->slots[i].used &&
		    CRYPTO_memcmp(s->slots[i].id, id, JPKI_PORTAL_SESSION_ID_LEN) == 0)
			clear_slot(&s->slots[i]);
	pthread_mutex_unlock(&s->lock);
}

int jpki_portal_session_put_pending(struct jpki_portal_sessions *s, const char *id, int64_t now,
                                    CMS_ContentInfo *cms, uint8_t *doc, size_t doc_len,
                                    struct jpki_err *err)
{
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id, now);
	if (sl && sl->view.account) {
		drop_pending(&sl->pending); /* a second prepare replaces the first */
		sl->pending =
		    (struct pending){.cms = cms, .doc = doc, .doc_len = doc_len, .at = now};
	}
	pthread_mutex_unlock(&s->lock);
	if (sl && sl->view.account)
		return 0;
	CMS_ContentInfo_free(cms);
	free(doc);
	return jpki_fail(err, JPKI_E_UNAUTHENTICATED, "not logged in");
}

int jpki_portal_session_take_pending(struct jpki_portal_sessions *s, const char *id, int64_t now,
                                     CMS_ContentInfo **cms, uint8_t **doc, size_t *doc_len,
                                     struct jpki_err *err)
{
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id, now);
	int rc = 0;
	if (!sl || !sl->view.account)
		rc = jpki_fail(err, JPKI_E_UNAUTHENTICATED, "not logged in");
	else if (!sl->pending.cms)
		rc = jpki_fail(err, JPKI_E_NOT_FOUND, "no signature is being made");
	else if (now - sl->pending.at > JPKI_PORTAL_PENDING_LIFETIME) {
		drop_pending(&sl->pending);
		rc = jpki_fail(err, JPKI_E_STATE, "the signature waited too long; start again");
	} else {
		*cms = sl->pending.cms;
		*doc = sl->pending.doc;
		*doc_len = sl->pending.doc_len;
		memset(&sl->pending, 0, sizeof(sl->pending));
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}
