/*
 * local_ca.h: the HTTPS server certificate of `jpki serve`, from a local TLS CA of its own.
 *
 * `jpki init` makes, under <data>/tls/, a small CA that certifies nothing but
 * this installation's HTTPS server, and one server certificate for the names
 * the operator gives (default localhost and 127.0.0.1).  It is not one of the
 * JPKI CAs, and the JPKI CA keys never sign for it: a browser told to trust
 * the local CA trusts a web server, never a My Number certificate, and the
 * JPKI CAs certify residents only (docs/operations.md, "HTTPS").
 *
 *   ca.pem       the local TLS CA's self-signed certificate (0644): what a
 *                browser or `curl --cacert` is told to trust
 *   ca-key.pem   its key, PKCS#8 encrypted with the CA passphrase (0600): a
 *                client that trusts ca.pem trusts whatever it signs, for any name
 *   cert.pem     the server certificate, then ca.pem: the chain served
 *   key.pem      the server's key, unencrypted PKCS#8 (0600): the server reads
 *                it without a passphrase
 *   cert.pem.old, key.pem.old   the pair a renewal replaced
 *
 * ECDSA P-256 keys, ecdsa-with-SHA256.  The CA is valid for 10 years; a server
 * certificate for 397 days (never past the CA's end), with serverAuth and its
 * names as subjectAltName dNSName or iPAddress entries (RFC 6125 §6.4).  The
 * dates are the caller's `now`: the jpki program passes the machine's clock,
 * not JPKI_NOW, because TLS clients judge them against the real time.
 */
#ifndef JPKI_TLS_LOCAL_CA_H
#define JPKI_TLS_LOCAL_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"

#define JPKI_TLS_NAMES_MAX 16
#define JPKI_TLS_NAME_LEN 254                        /* a DNS name: 253 characters, NUL */
#define JPKI_TLS_SERVER_VALIDITY (397 * 86400)       /* seconds, notBefore to notAfter */
#define JPKI_TLS_RENEW_WITHIN_DEFAULT (30 * 86400)   /* `jpki tls renew`'s default window */
#define JPKI_TLS_CA_VALIDITY ((int64_t)3652 * 86400) /* about 10 years */

/* The names a server certificate is for, in the order given. */
struct jpki_tls_names {
	size_t n;
	char name[JPKI_TLS_NAMES_MAX][JPKI_TLS_NAME_LEN];
};

/*
 * Add a name: a host name (labels of ASCII letters, digits and hyphens, 1 to 63
 * characters, not beginning or ending with a hyphen; an IDN in its xn-- form;
 * kept lower-case), or an IPv4 or IPv6 literal (kept in its canonical form,
 * an iPAddress entry).  0, or INVALID (the reason names the name) or LIMIT;
 * a name given twice is INVALID.
 */
JPKI_MUST_CHECK int jpki_tls_names_add(struct jpki_tls_names *names, const char *name,
                                       struct jpki_err *err);
/* The default names: localhost and 127.0.0.1. */
void jpki_tls_names_default(struct jpki_tls_names *names);
/* True when name (as kept by jpki_tls_names_add) is an IP literal. */
bool jpki_tls_name_is_ip(const char *name);
/* The same names, in any order. */
bool jpki_tls_names_same(const struct jpki_tls_names *a, const struct jpki_tls_names *b);
/* "localhost, 127.0.0.1" into buf (truncated to cap). */
void jpki_tls_names_format(const struct jpki_tls_names *names, char *buf, size_t cap);

/* Where the files are: <data>/tls/ (see the top of this file). */
struct jpki_tls_paths {
	char dir[4096], ca_cert[4200], ca_key[4200], cert[4200], key[4200], cert_old[4200],
	    key_old[4200];
};
JPKI_MUST_CHECK int jpki_tls_paths(const struct jpki_ctx *ctx, struct jpki_tls_paths *p,
                                   struct jpki_err *err);

enum jpki_tls_outcome {
	JPKI_TLS_CREATED, /* a server certificate was made where there was none */
	JPKI_TLS_RENEWED, /* a new one replaced the previous (kept as *.old) */
	JPKI_TLS_KEPT,    /* the local CA's certificate in place is kept */
	JPKI_TLS_FOREIGN, /* cert.pem and key.pem not issued by the local CA (an older
	                     `make run`'s self-signed one, or the operator's): kept */
};

struct jpki_tls_status {
	enum jpki_tls_outcome outcome;
	bool ca_created;             /* the local CA was made by this call */
	int64_t not_after;           /* the server certificate's (not for FOREIGN) */
	struct jpki_tls_names names; /* and its names (not for FOREIGN) */
	bool other_names;            /* init: KEPT, but for other names than those asked */
	struct jpki_tls_paths paths;
};

/*
 * `jpki init`'s part: make the local CA when there is none, and a server
 * certificate for names (NULL: the default ones) when there is none.  What
 * exists is kept, whatever the names: the CA is checked (its key must open
 * with passphrase, else PASSPHRASE); a pair of cert.pem and key.pem that is
 * not the local CA's certificate with its key (or that has no local CA beside
 * it) is FOREIGN and kept as it is, and no CA is made for it.  A lone file
 * (one of ca.pem and ca-key.pem, or one of cert.pem and key.pem) is STATE,
 * with the remedy.  *st filled on success.
 */
JPKI_MUST_CHECK int jpki_tls_init(const struct jpki_ctx *ctx, int64_t now, const char *passphrase,
                                  const struct jpki_tls_names *names, struct jpki_tls_status *st,
                                  struct jpki_err *err);

/*
 * `jpki tls renew`: a new server key and certificate from the local CA (made
 * first if there is none) when the current one is due: missing or incomplete,
 * ending within `within` seconds of now, for other names than names (NULL:
 * the current certificate's, or the default ones), or always with force.  A
 * FOREIGN pair is replaced only with force.  The previous pair is kept as
 * cert.pem.old and key.pem.old.  *st says what was done.
 */
JPKI_MUST_CHECK int jpki_tls_renew(const struct jpki_ctx *ctx, int64_t now, const char *passphrase,
                                   const struct jpki_tls_names *names, int64_t within, bool force,
                                   struct jpki_tls_status *st, struct jpki_err *err);

/*
 * The notAfter of the first certificate in a PEM chain (len bytes; NUL not
 * needed).  0, or INVALID when there is no PEM certificate in it.
 */
JPKI_MUST_CHECK int jpki_tls_chain_not_after(const void *pem, size_t len, int64_t *ret,
                                             struct jpki_err *err);

#endif
