/*
 * sessions.h: the demo portal's sessions, in memory.  A session is named by
 * a cookie of 32 random bytes (base64url); it is anonymous until a login,
 * which replaces it with a new one (a new name: no fixation) holding the
 * account and the authentication certificate the holder logged in with.
 * A signature being made (the two steps of "sign a filing") waits in the
 * session between its prepare and its finish, at most 5 minutes.  Sessions
 * end after 30 idle minutes (anonymous ones after 5, a challenge's
 * lifetime) or at logout.  When the table is full, a new session takes the
 * place of the anonymous one seen longest ago: strangers asking for
 * challenges never push out a logged-in holder (LIMIT when every slot holds
 * a live login).
 */
#ifndef JPKI_PORTAL_SESSIONS_H
#define JPKI_PORTAL_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/pem.h>
#include <openssl/cms.h>

#include "jpki/api.h"
#include "jpki/error.h"

#define JPKI_PORTAL_SESSION_ID_LEN 43      /* base64url of 32 bytes */
#define JPKI_PORTAL_SESSION_IDLE (30 * 60) /* seconds */
#define JPKI_PORTAL_ANON_IDLE (5 * 60)     /* seconds: not logged in */
#define JPKI_PORTAL_PENDING_LIFETIME (5 * 60)

struct jpki_portal_sessions;

struct jpki_portal_session_view {
	int64_t account;  /* 0: not logged in */
	bool account_new; /* this session's login made the account */
};

/* A table of at most capacity sessions. */
JPKI_MUST_CHECK int jpki_portal_sessions_new(size_t capacity, struct jpki_portal_sessions **ret,
                                             struct jpki_err *err);
void jpki_portal_sessions_free(struct jpki_portal_sessions *s);

/* A new anonymous session at now; id gets its name. */
JPKI_MUST_CHECK int jpki_portal_session_open(struct jpki_portal_sessions *s, int64_t now,
                                             char id[JPKI_PORTAL_SESSION_ID_LEN + 1],
                                             struct jpki_err *err);
/* The live session id (NULL, malformed, unknown or idle too long: NOT_FOUND), touched at now. */
JPKI_MUST_CHECK int jpki_portal_session_get(struct jpki_portal_sessions *s, const char *id,
                                            int64_t now, struct jpki_portal_session_view *out,
                                            struct jpki_err *err);
/* Whether the session's login made its account, said once: later calls say false. */
bool jpki_portal_session_take_new(struct jpki_portal_sessions *s, const char *id, int64_t now);
/*
 * Log session old_id in: it ends, and a new session new_id holds account
 * and a copy of the authentication certificate auth_der.
 */
JPKI_MUST_CHECK int jpki_portal_session_login(struct jpki_portal_sessions *s, const char *old_id,
                                              int64_t account, bool account_new,
                                              const uint8_t *auth_der, size_t auth_len, int64_t now,
                                              char new_id[JPKI_PORTAL_SESSION_ID_LEN + 1],
                                              struct jpki_err *err);
/* The authentication certificate of a logged-in session (*der malloc'd). */
JPKI_MUST_CHECK int jpki_portal_session_auth_cert(struct jpki_portal_sessions *s, const char *id,
                                                  int64_t now, uint8_t **der, size_t *len,
                                                  struct jpki_err *err);
/* End session id (unknown: nothing happens). */
void jpki_portal_session_end(struct jpki_portal_sessions *s, const char *id);

/* A signature being made: the prepared SignedData and its document (both taken). */
JPKI_MUST_CHECK int jpki_portal_session_put_pending(struct jpki_portal_sessions *s, const char *id,
                                                    int64_t now, CMS_ContentInfo *cms, uint8_t *doc,
                                                    size_t doc_len, struct jpki_err *err);
/* Take it out (once): NOT_FOUND when there is none, STATE when it waited too long. */
JPKI_MUST_CHECK int jpki_portal_session_take_pending(struct jpki_portal_sessions *s, const char *id,
                                                     int64_t now, CMS_ContentInfo **cms,
                                                     uint8_t **doc, size_t *doc_len,
                                                     struct jpki_err *err);

#endif
