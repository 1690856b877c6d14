/*
 * revinfo.h: what a signer embeds and a verifier checks about a
 * certificate's status and time: OCSP (RFC 6960), CRLs with their deltas
 * (RFC 5280 §5, §5.2.4), RFC 3161 time-stamps; and the HTTP that fetches
 * them (plain http: these objects are signed, RFC 5280 §8 and RFC 6960 §A.1).
 */
#ifndef JPKI_SIG_REVINFO_H
#define JPKI_SIG_REVINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "jpki/error.h"
#include "sig/certcache.h"

#define JPKI_FETCH_TIMEOUT 5       /* seconds per request (Web eID's OCSP time-out) */
#define JPKI_FETCH_MAX (64u << 20) /* bytes of an answer (a full CRL partition fits) */

/*
 * GET url (http only); *out malloc'd: one DER object, read whole.  NOT_FOUND for an HTTP
 * error, IO when unreachable.
 */
JPKI_MUST_CHECK int jpki_http_get(const char *url, size_t max, uint8_t **out, size_t *out_len,
                                  struct jpki_err *err);
/* POST body as content_type to url; the answer must be of type expect. */
JPKI_MUST_CHECK int jpki_http_post(const char *url, const char *content_type, const uint8_t *body,
                                   size_t len, const char *expect, size_t max, uint8_t **out,
                                   size_t *out_len, struct jpki_err *err);

/* The first http URL of a certificate's AIA OCSP entry, CRL DP or freshest CRL (NOT_FOUND). */
enum jpki_url_kind { JPKI_URL_OCSP, JPKI_URL_CRL, JPKI_URL_DELTA };
JPKI_MUST_CHECK int jpki_cert_url(X509 *cert, enum jpki_url_kind kind, char *out, size_t cap,
                                  struct jpki_err *err);

/* A certificate's status as one source says it. */
enum jpki_answer { JPKI_ANSWER_GOOD, JPKI_ANSWER_REVOKED, JPKI_ANSWER_UNKNOWN };
struct jpki_status_info {
	enum jpki_answer status;
	int reason;          /* CRLReason (RFC 5280 §5.3.1), -1 when none is given */
	int64_t revoked_at;  /* when revoked */
	int64_t invalid_at;  /* invalidityDate (RFC 5280 §5.3.2): key untrusted since; 0: none */
	int64_t this_update; /* OCSP thisUpdate / CRL thisUpdate */
	int64_t next_update; /* 0 when absent */
	int64_t produced_at; /* OCSP producedAt; the CRL's thisUpdate */
	char source[8];      /* "OCSP" or "CRL" */
	X509 *responder;     /* the OCSP signer (a reference; free with X509_free) */
};

/* An OCSP request for cert (SHA-1 CertID, RFC 5019) with a 32-byte nonce; *der malloc'd. */
JPKI_MUST_CHECK int jpki_ocsp_request(X509 *cert, X509 *issuer, uint8_t **der, size_t *len,
                                      struct jpki_err *err);
/*
 * Check an OCSPResponse for cert: successful, signed by issuer or by a
 * responder it delegated (id-kp-OCSPSigning) and trusted in store at the
 * time the response was produced, exactly one SingleResp, for this CertID,
 * and (when req is given) the request's nonce.  INVALID names the failure.
 */
JPKI_MUST_CHECK int jpki_ocsp_check(const uint8_t *resp, size_t len, const uint8_t *req,
                                    size_t req_len, X509 *cert, X509 *issuer,
                                    STACK_OF(X509) * trusted, struct jpki_cert_cache *cache,
                                    struct jpki_status_info *out, struct jpki_err *err);
/* How an OCSP request reaches a responder: HTTP POST to url, or in process. */
typedef int (*jpki_ocsp_send_fn)(void *arg, const char *url, const uint8_t *req, size_t len,
                                 uint8_t **resp, size_t *resp_len, struct jpki_err *err);
/* POST to the URL (RFC 6960 §A.1): the default jpki_ocsp_send_fn. */
int jpki_ocsp_send_http(void *arg, const char *url, const uint8_t *req, size_t len, uint8_t **resp,
                        size_t *resp_len, struct jpki_err *err);
/*
 * Ask cert's responder (AIA) now, through send (NULL: HTTP): *resp the DER
 * response (malloc'd), checked, with its nonce.
 */
JPKI_MUST_CHECK int jpki_ocsp_fetch(X509 *cert, X509 *issuer, STACK_OF(X509) * trusted,
                                    jpki_ocsp_send_fn send, void *send_arg, uint8_t **resp,
                                    size_t *len, struct jpki_status_info *out,
                                    struct jpki_err *err);

/*
 * Check a CRL (and its delta, which may be NULL) for cert: signed by issuer,
 * issued by it, the delta based on this CRL or an earlier one, and the
 * certificate's status by their entries (a delta's removeFromCRL lifts it).
 */
JPKI_MUST_CHECK int jpki_crl_check(X509_CRL *crl, X509_CRL *delta, X509 *cert, X509 *issuer,
                                   struct jpki_status_info *out, struct jpki_err *err);
/* Fetch cert's CRL partition and its delta (*crl_der, *delta_der malloc'd; delta may be absent). */
JPKI_MUST_CHECK int jpki_crl_fetch(X509 *cert, X509 *issuer, uint8_t **crl_der, size_t *crl_len,
                                   uint8_t **delta_der, size_t *delta_len,
                                   struct jpki_status_info *out, struct jpki_err *err);

/* A DER CRL (INVALID when it is not one). */
JPKI_MUST_CHECK int jpki_crl_parse(const uint8_t *der, size_t len, X509_CRL **ret,
                                   struct jpki_err *err);

/*
 * Ask the TSA at url for a token over hash (SHA-256), with a nonce and our
 * request for its certificate; the reply is checked (granted, imprint,
 * nonce, signature by a TSA certified by one of trusted).  *tst malloc'd.
 */
JPKI_MUST_CHECK int jpki_timestamp_fetch(const char *url, const uint8_t hash[32],
                                         STACK_OF(X509) * trusted, uint8_t **tst, size_t *len,
                                         struct jpki_err *err);

/* What a signature time-stamp says, once checked. */
struct jpki_stamp_info {
	int64_t gen_time;
	char tsa[256];  /* the TSA certificate's subject */
	X509 *tsa_cert; /* a reference; free with X509_free */
};
/*
 * Check a TimeStampToken (DER) over hash: its signature, the signing
 * certificate v2 attribute, the TSA's certificate (id-kp-timeStamping,
 * critical) and its path to trusted at genTime.  INVALID names the failure;
 * HASH (a distinct message, "imprint") when it covers other bytes.
 */
JPKI_MUST_CHECK int jpki_timestamp_check(const uint8_t *tst, size_t len, const uint8_t hash[32],
                                         STACK_OF(X509) * trusted, struct jpki_cert_cache *cache,
                                         struct jpki_stamp_info *out, bool *imprint_ok,
                                         struct jpki_err *err);

/*
 * Trust anchors from outside: one DER certificate, or PEM with one or more
 * (every CA generation accepted), each a CA's, pushed onto out; at most 1 MiB.
 */
JPKI_MUST_CHECK int jpki_trust_read(const uint8_t *buf, size_t len, STACK_OF(X509) * out,
                                    struct jpki_err *err);

/* A store of the trusted certificates that checks paths at `when` (NULL: out of memory). */
X509_STORE *jpki_trust_store(STACK_OF(X509) * trusted, int64_t when);

/* ASN1_TIME to seconds since the epoch (false when unreadable). */
bool jpki_asn1_time_epoch(const ASN1_TIME *t, int64_t *out);

#endif
