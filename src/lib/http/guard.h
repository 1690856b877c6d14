/*
 * guard.h: what keeps `jpki serve` answering while clients misbehave.
 *
 *  - A deadline for every request's headers (slowloris): libmicrohttpd's
 *    connection time-out counts inactivity only, so a client sending a byte
 *    every few seconds would hold its connection for ever.  The guard keeps
 *    a table of live connections (libmicrohttpd's connection notifications)
 *    and a watchdog thread that shuts down the socket of every connection
 *    whose headers are not complete `request_timeout` seconds after it was
 *    accepted or after its previous request ended.  Connections leave the
 *    table, under the same lock, before libmicrohttpd closes their socket,
 *    so the watchdog never touches a descriptor that was reused.
 *  - Strict requests (RFC 9112): an HTTP/1.1 request without Host is 400
 *    (libmicrohttpd's strict level 1), as are repeated Content-Length
 *    headers, Content-Length beside Transfer-Encoding, a transfer coding
 *    other than chunked, a header name that is not a token, and a path whose
 *    escapes decode to NUL or another control character.  Each of these
 *    answers closes the connection: what follows a request whose framing is
 *    in doubt is never read as the next request.
 *  - The server's own messages (refused connections among them) are counted
 *    and written to stderr at most once per 10 seconds, with the number
 *    left unprinted.
 */
#ifndef JPKI_HTTP_GUARD_H
#define JPKI_HTTP_GUARD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"

struct jpki_guard;

/* ctx (borrowed) says where the server's messages go. */
JPKI_MUST_CHECK int jpki_guard_new(const struct jpki_ctx *ctx, unsigned request_timeout,
                                   struct jpki_guard **ret, struct jpki_err *err);
/* Stop the watchdog and free; call after MHD_stop_daemon.  NULL is fine. */
void jpki_guard_free(struct jpki_guard *g);

/* For MHD_OPTION_NOTIFY_CONNECTION (cls: the guard). */
void jpki_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);
/*
 * Decode %XX escapes of s in place (a '%' without two hex digits stays as
 * it is) and return the new length; *control says whether the result holds
 * a control character (C0 or DEL, a decoded NUL included, which is written
 * as DEL so that it cannot cut the string short).
 */
size_t jpki_url_unescape(char *s, bool *control);
/* For MHD_OPTION_UNESCAPE_CALLBACK (cls: the guard): jpki_url_unescape, controls marked. */
size_t jpki_guard_unescape(void *cls, struct MHD_Connection *conn, char *s);
/* For MHD_OPTION_EXTERNAL_LOGGER (cls: the guard). */
void jpki_guard_log(void *cls, const char *fmt, va_list ap);

/*
 * At the first call of the access handler for a request (its headers are
 * in): stops the request's deadline and checks the request.  NULL when it
 * may be served, else the reason, to be answered with jpki_guard_refuse().
 */
const char *jpki_guard_request(struct jpki_guard *g, struct MHD_Connection *conn,
                               const char *version);
/* At the end of a request (MHD_OPTION_NOTIFY_COMPLETED): the next request's deadline starts. */
void jpki_guard_completed(struct jpki_guard *g, struct MHD_Connection *conn);
/* Answer 400 with the reason and close the connection. */
enum MHD_Result jpki_guard_refuse(struct MHD_Connection *conn, const char *reason);

/* Connections whose deadline passed and that were shut down, since start. */
uint64_t jpki_guard_expired(const struct jpki_guard *g);

#endif
