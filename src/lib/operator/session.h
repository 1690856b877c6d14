/*
 * session.h: the counter terminal's operator sessions (#12 item 1; docs/
 * operators.md "Sessions"), in memory, for the API and the web UI.
 *
 * A session begins with a log-in the caller has checked (a password, and
 * the operator's security key when one is enrolled) and names the operator,
 * their role and the counter they sit at.  It is named by 32 random bytes
 * (base64url) sent as an HttpOnly cookie, and carries a second random value,
 * the CSRF token, that the page sends back in a header with every write.
 *   - After 5 idle minutes it locks (counter practice: the screen locks
 *     after at most 5 minutes idle): every call is refused until the same
 *     operator enters the password again.
 *   - After 10 hours it ends, whatever happened (a working day).
 *   - Logging out ends it.  Disabling the operator ends it at the next call
 *     (the caller reads the account again on every call).
 */
#ifndef JPKI_OPERATOR_SESSION_H
#define JPKI_OPERATOR_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"
#include "operator/roles.h"

#define JPKI_OP_SESSION_ID_LEN 43            /* base64url of 32 bytes */
#define JPKI_OP_SESSION_IDLE (5 * 60)        /* seconds idle before it locks */
#define JPKI_OP_SESSION_LIFETIME (10 * 3600) /* seconds before it ends */

struct jpki_op_sessions;

struct jpki_op_session {
	char operator_id[33];
	enum jpki_role role;
	char counter[33];
	char csrf[JPKI_OP_SESSION_ID_LEN + 1];
	int64_t started, last_seen;
	bool locked;
	bool key_due; /* the password was right; the security key is still to come */
};

JPKI_MUST_CHECK int jpki_op_sessions_new(size_t capacity, struct jpki_op_sessions **ret,
                                         struct jpki_err *err);
void jpki_op_sessions_free(struct jpki_op_sessions *s);

/*
 * A new session for operator (role) at counter, at now; id gets its name.
 * With key_due, it does nothing but wait for the security key (at most 5
 * minutes, the challenge's life), and the caller opens a new session, under
 * a new name, once the key's assertion verified.  When every slot is live,
 * the session idle longest is ended for it.
 */
JPKI_MUST_CHECK int jpki_op_session_open(struct jpki_op_sessions *s, const char *operator_id,
                                         enum jpki_role role, const char *counter, bool key_due,
                                         int64_t now, char id[JPKI_OP_SESSION_ID_LEN + 1],
                                         struct jpki_op_session *out, struct jpki_err *err);
/*
 * Session id at now, touched: NOT_FOUND when unknown, malformed or ended
 * (10 hours), UNAUTHENTICATED (out filled, out->locked) when it is locked
 * or has just locked after 5 idle minutes.
 */
JPKI_MUST_CHECK int jpki_op_session_get(struct jpki_op_sessions *s, const char *id, int64_t now,
                                        struct jpki_op_session *out, struct jpki_err *err);
/* Unlock session id at now (the caller checked the operator's password again). */
JPKI_MUST_CHECK int jpki_op_session_unlock(struct jpki_op_sessions *s, const char *id, int64_t now,
                                           struct jpki_err *err);
/* End session id (unknown: nothing happens). */
void jpki_op_session_end(struct jpki_op_sessions *s, const char *id);
/* End every session of operator_id (disabled). */
void jpki_op_session_end_operator(struct jpki_op_sessions *s, const char *operator_id);

#endif
