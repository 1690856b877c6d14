/*
 * pages.h: the demo portal's pages, rendered on the server in Japanese,
 * and its two assets (the script and the style sheet), kept in the binary.
 * No page carries inline script or style, so the Content-Security-Policy
 * can forbid both.
 */
#ifndef JPKI_PORTAL_PAGES_H
#define JPKI_PORTAL_PAGES_H

#include <stddef.h>

#include "accounts.h"

extern const char jpki_portal_app_js[];
extern const char jpki_portal_style_css[];
extern const char jpki_portal_icon_svg[];

/* The login page; helper is the local helper's URL (malloc'd, NULL: out of memory). */
char *jpki_portal_login_page(const char *helper);
/* The account page of a, with its latest filings (n of them); account_new: just made. */
char *jpki_portal_account_page(const char *helper, const struct jpki_portal_account *a,
                               bool account_new, const struct jpki_portal_filing *f, size_t n);
/* An account's number as shown ("A-000001"). */
void jpki_portal_account_name(int64_t id, char out[24]);

#endif
