/*
 * accounts.h: the demo portal's own database (<data>/demo-portal.sqlite),
 * kept apart from the registry as any relying party's would be: the
 * accounts, each named by the pseudonym the linking service gives this
 * portal for its holder, and the filings they signed.  The portal never
 * learns or stores a personal fact (rule C3).
 */
#ifndef JPKI_PORTAL_ACCOUNTS_H
#define JPKI_PORTAL_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"

#define JPKI_PORTAL_FILING_MAX (64u * 1024) /* bytes of a filing's text */
#define JPKI_PORTAL_LIST_MAX 20             /* filings an account page lists */

struct jpki_portal_accounts;

struct jpki_portal_account {
	int64_t id;
	int64_t created_at, last_login_at;
	int64_t logins;
	bool created; /* made by this login */
};

struct jpki_portal_filing {
	int64_t id, account, created_at;
	char indication[32], subindication[48];
};

/* Open (creating the file and its tables when missing) the database at path. */
JPKI_MUST_CHECK int jpki_portal_accounts_open(const char *path, struct jpki_portal_accounts **ret,
                                              struct jpki_err *err);
void jpki_portal_accounts_close(struct jpki_portal_accounts *a);

/* The account of pseudonym, made on its first login; the login counted at now. */
JPKI_MUST_CHECK int jpki_portal_account_login(struct jpki_portal_accounts *a, const char *pseudonym,
                                              int64_t now, struct jpki_portal_account *out,
                                              struct jpki_err *err);
/* An account by id (NOT_FOUND). */
JPKI_MUST_CHECK int jpki_portal_account_get(struct jpki_portal_accounts *a, int64_t id,
                                            struct jpki_portal_account *out, struct jpki_err *err);

/* Keep a signed filing of an account; *id its number. */
JPKI_MUST_CHECK int jpki_portal_filing_add(struct jpki_portal_accounts *a,
                                           const struct jpki_portal_filing *f, const char *text,
                                           size_t text_len, const uint8_t *cms, size_t cms_len,
                                           int64_t *id, struct jpki_err *err);
/* The signature of filing id, only when account owns it (NOT_FOUND otherwise); *cms malloc'd. */
JPKI_MUST_CHECK int jpki_portal_filing_cms(struct jpki_portal_accounts *a, int64_t account,
                                           int64_t id, uint8_t **cms, size_t *len,
                                           struct jpki_err *err);
/* The account's latest filings, newest first: *n of at most JPKI_PORTAL_LIST_MAX. */
JPKI_MUST_CHECK int jpki_portal_filing_list(struct jpki_portal_accounts *a, int64_t account,
                                            struct jpki_portal_filing out[JPKI_PORTAL_LIST_MAX],
                                            size_t *n, struct jpki_err *err);

#endif
