/*
 * https_post.h: the few HTTPS requests the holder's side of `jpki login URL`
 * makes (libcurl): JSON POSTs to one relying party, with its cookies kept
 * between them and the Origin a browser would send.  TLS is verified
 * (the system's CAs, or --cacert); no redirect is followed.
 */
#ifndef JPKI_CLI_HTTPS_POST_H
#define JPKI_CLI_HTTPS_POST_H

#include <stddef.h>

#include "jpki/error.h"

#define JPKI_HTTPS_ANSWER_MAX (64u * 1024) /* bytes of an answer we read */

struct https_session;

/* A session for origin (sent as Origin), trusting cacert (NULL: the system's CAs). */
int https_session_new(const char *origin, const char *cacert, struct https_session **ret,
                      struct jpki_err *err);
void https_session_free(struct https_session *s);
/*
 * POST body (JSON) to url: *status the HTTP status, *answer its body
 * (malloc'd, NUL-terminated).  An error return: no answer at all.
 */
int https_post_json(struct https_session *s, const char *url, const char *body, long *status,
                    char **answer, struct jpki_err *err);

#endif
