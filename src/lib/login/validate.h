/*
 * validate.h: the login validator's internal hooks (jpki/login.h has the
 * rest).
 */
#ifndef JPKI_LOGIN_VALIDATE_H
#define JPKI_LOGIN_VALIDATE_H

#include "jpki/login.h"
#include "sig/revinfo.h"

/*
 * How the validator's OCSP requests reach the responder (NULL, the default:
 * HTTP POST to the certificate's AIA URL): in process for `jpki serve` and the
 * tests.  Set before the validator is shared.
 */
void jpki_login_validator_set_ocsp_send(struct jpki_login_validator *v, jpki_ocsp_send_fn send,
                                        void *arg);

/*
 * An origin as a browser sends it (RFC 6454 §6.1): https://host[:port], the
 * host of RFC 1123 labels in lower-case ASCII (an IDN in Punycode), no path.
 * The validator's own check, shared with the browser's helper.
 */
bool jpki_login_origin_ok(const char *origin);

#endif
