/*
 * p11.h: the signature key of a token behind any PKCS#11 module (OpenSC's
 * opensc-pkcs11.so for a real My Number card), for `jpki sign`.
 *
 * The module is loaded with dlopen.  The slot is --slot-index, else the one
 * whose token label says "Digital Signature" (OpenSC's JPKI slot for the
 * signature password), else the only one: never a guess that could spend a
 * try of the wrong PIN.  The key is the private key with the CKA_ID of the
 * certificate whose key usage has nonRepudiation.
 */
#ifndef JPKI_CLI_P11_H
#define JPKI_CLI_P11_H

#include <openssl/x509.h>

#include "sig/cades.h"
#include "secret.h"

struct jpki_p11;

/* Load, pick the slot, log in with the password from pin; 0 or the exit status (printed). */
int p11_open(const char *module, long slot_index, const struct cli_secret *pin,
             struct jpki_p11 **ret, X509 **cert);
/* C_Sign with CKM_RSA_PKCS over the DigestInfo (a jpki_sign_fn). */
int p11_sign_fn(void *arg, const uint8_t di[JPKI_DIGESTINFO_LEN], uint8_t *sig, size_t *sig_len,
                struct jpki_err *err);
void p11_close(struct jpki_p11 *p);

#endif
