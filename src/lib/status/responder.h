/*
 * responder.h: the delegated OCSP responder of each CA (RFC 6960 §4.2.2.2).
 *
 * A CA does not sign OCSP responses with its own key: it certifies a
 * responder key for 30 days (extendedKeyUsage id-kp-OCSPSigning,
 * id-pkix-ocsp-nocheck) and the responder signs.  The certificate is
 * infrastructure, not a citizen's certificate: it is not recorded in the
 * registry's certificate table and never appears on a CRL (nocheck says
 * relying parties need not check it; its short life is its revocation).
 *
 * On disk, under <data>/ocsp/<sign|auth>/:
 *   cert.pem  the responder certificate
 *   key.pem   its private key, PKCS#8 encrypted with the CA passphrase, 0600
 *   *.old     the previous pair, kept at rollover
 */
#ifndef JPKI_STATUS_RESPONDER_H
#define JPKI_STATUS_RESPONDER_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jpki/api.h"
#include "ca/ca.h"
#include "jpki/error.h"

#define JPKI_RESPONDER_VALIDITY (30 * 86400) /* seconds */
#define JPKI_RESPONDER_ROLLOVER (7 * 86400)  /* renew when less than this is left */

/*
 * A service key a CA certifies for one purpose: the OCSP responder above,
 * and the time-stamping authority (tsa/tsa.h).  The same issuing, storing
 * and rollover serve both.
 */
struct jpki_service_profile {
	const char *dir;   /* under the data folder: <dir>/<CA kind>/ */
	const char *cn;    /* the subject's CN before the date */
	int eku_nid;       /* NID_OCSP_sign, NID_time_stamp */
	bool eku_critical; /* RFC 3161 §2.3: critical for a TSA */
	bool nocheck;      /* id-pkix-ocsp-nocheck (responders) */
	int64_t validity;  /* seconds, capped by the CA's own end */
	int64_t rollover;  /* renew when less than this is left */
};
extern const struct jpki_service_profile jpki_ocsp_profile;

struct jpki_responder {
	enum jpki_kind kind;
	X509 *cert;    /* owned */
	EVP_PKEY *key; /* owned */
	int64_t not_after;
	int64_t renew_at; /* not_after - JPKI_RESPONDER_ROLLOVER */
};

/*
 * Issue a new responder certificate and key for ca at `now` (no I/O).
 * *ret is new; caller frees with jpki_responder_free().
 */
JPKI_MUST_CHECK int jpki_responder_issue(const struct jpki_ca *ca, int64_t now,
                                         struct jpki_responder **ret, struct jpki_err *err);

/*
 * Load the responder of ca from the data folder; when it is missing, not
 * issued by ca, not yet valid or within JPKI_RESPONDER_ROLLOVER of its end,
 * issue a new one and store it (the previous pair kept as *.old).  A key
 * that does not decrypt with passphrase is an error (PASSPHRASE), never
 * replaced.  *ret is new; caller frees.
 */
JPKI_MUST_CHECK int jpki_responder_ensure(const struct jpki_ca *ca, const char *passphrase,
                                          int64_t now, struct jpki_responder **ret,
                                          struct jpki_err *err);

/* The same for any service profile. */
JPKI_MUST_CHECK int jpki_service_issue(const struct jpki_service_profile *pr,
                                       const struct jpki_ca *ca, int64_t now,
                                       struct jpki_responder **ret, struct jpki_err *err);
JPKI_MUST_CHECK int jpki_service_ensure(const struct jpki_service_profile *pr,
                                        const struct jpki_ca *ca, const char *passphrase,
                                        int64_t now, struct jpki_responder **ret,
                                        struct jpki_err *err);

/* Free; NULL is fine. */
void jpki_responder_free(struct jpki_responder *r);
static inline void jpki_responder_freep(struct jpki_responder **r)
{
	jpki_responder_free(*r);
}

/*
 * An OCSP responder machine's side (docs/deployment.md): load the pair that
 * `jpki responder export` left in ca's data folder, decrypted with the
 * responder's own passphrase, without renewing it (ca has no key there).
 * STATE when it is not ca's, not yet valid or ended.
 */
JPKI_MUST_CHECK int jpki_responder_load(const struct jpki_ca *ca, const char *passphrase,
                                        int64_t now, struct jpki_responder **ret,
                                        struct jpki_err *err);

/* Write r into ctx's data folder (<data>/ocsp/<kind>/), its key encrypted with passphrase. */
JPKI_MUST_CHECK int jpki_responder_save(const struct jpki_ctx *ctx, const struct jpki_responder *r,
                                        const char *passphrase, struct jpki_err *err);

#endif
