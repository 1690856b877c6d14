/*
 * report.h: the verification report (jpki/verify.h) as the verifier fills
 * it, and the verifier's own state.
 */
#ifndef JPKI_SIG_REPORT_H
#define JPKI_SIG_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "jpki/verify.h"
#include "sig/certcache.h"
#include "sig/facts.h"
#include "sig/revinfo.h"

#define JPKI_REPORT_MSGS 8
#define JPKI_REPORT_CERTS 6
#define JPKI_OCSP_CACHE 1024              /* 4-way set-associative, by the certificate's hash */
#define JPKI_OCSP_CACHE_SECONDS (15 * 60) /* Web eID's thisUpdate limit */

struct jpki_report_cert {
	char role[16]; /* SIGNING, CA, REVOCATION, TIMESTAMP */
	char subject[256];
	char serial[80];
	int64_t not_before, not_after;
};

struct jpki_report {
	char format[16]; /* CAdES, XMLDSig */
	char level[32];  /* CAdES_BASELINE_B, _T, _LT; XMLDSIG */
	bool decided;
	enum jpki_indication ind;
	char sub[48];
	int64_t validation_time;
	bool has_claimed;
	int64_t claimed_time;
	bool time_proven;
	int64_t best_time;
	char tsa[256];
	bool rev_checked;
	struct jpki_status_info rev;
	char rev_from[16]; /* online, embedded */
	char subject[256];
	struct jpki_facts facts;
	struct jpki_report_cert certs[JPKI_REPORT_CERTS];
	size_t n_certs;
	char errors[JPKI_REPORT_MSGS][256];
	size_t n_errors;
	char warnings[JPKI_REPORT_MSGS][256];
	size_t n_warnings;
	char scope[16]; /* FULL (attached or the detached file given) */
};

struct ocsp_cached {
	uint8_t key[32]; /* SHA-256 of the certificate */
	int64_t fetched;
	struct jpki_status_info info;
};

struct jpki_verifier {
	STACK_OF(X509) * trusted;
	enum jpki_revocation_mode mode;
	int64_t now;
	struct ocsp_cached cache[JPKI_OCSP_CACHE];
	struct jpki_cert_cache *certs; /* the certificates of earlier documents (certcache.h) */
	jpki_ocsp_send_fn send;        /* NULL: HTTP to the certificate's responder */
	void *send_arg;
};

/* Ask OCSP through send (the server's own responder, in process) instead of HTTP. */
void jpki_verifier_set_ocsp_send(struct jpki_verifier *v, jpki_ocsp_send_fn send, void *arg);

/* The first decision stands: later failures only add errors. */
void jpki_report_decide(struct jpki_report *r, enum jpki_indication ind, const char *sub,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void jpki_report_warn(struct jpki_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void jpki_report_add_cert(struct jpki_report *r, const char *role, X509 *x);
int64_t jpki_verifier_now(const struct jpki_verifier *v);
/* The signer's certificate in the report, its subject and facts (cleaned: facts.h). */
void jpki_report_describe_signer(struct jpki_report *r, X509 *signer);

/* CAdES (verify_cades.c) and XML signatures (verify_xml.c) into r. */
void jpki_verify_cades_into(struct jpki_verifier *v, const uint8_t *sig, size_t sig_len,
                            const uint8_t *doc, size_t doc_len, struct jpki_report *r);
void jpki_verify_xml_into(struct jpki_verifier *v, const uint8_t *xml, size_t len,
                          const uint8_t *doc, struct jpki_report *r);

/*
 * What every format shares once the signer's certificate and the signing
 * time are known: the path to a trust anchor at that time, the key usage
 * and policy of a signature certificate, and the revocation status with
 * its judgement (verify.c).  embedded: the signature's own certificates;
 * rv_cb walks its revocation values (may be NULL).
 */
struct jpki_embedded {
	STACK_OF(X509) * certs;
	const uint8_t *ocsp[4];
	size_t ocsp_len[4], n_ocsp;
	const uint8_t *crl[4];
	size_t crl_len[4], n_crl;
};
void jpki_judge_signer(struct jpki_verifier *v, X509 *signer, const struct jpki_embedded *emb,
                       struct jpki_report *r);

#endif
