/*
 * facts.h: the four basic facts (基本4情報) a signature certificate carries
 * in its subjectAltName, decoded for a verification report (the encoding:
 * docs/profiles.md, "The signature certificate").
 */
#ifndef JPKI_SIG_FACTS_H
#define JPKI_SIG_FACTS_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "jpki/error.h"

struct jpki_facts {
	bool present;       /* false: no JPKI otherNames (an authentication certificate) */
	char name[768];     /* family U+3000 given, as registered */
	char former[256];   /* 旧氏, "" when none */
	char alias[256];    /* 通称, "" when none */
	char birth[11];     /* YYYY-MM-DD */
	char birth_era[64]; /* e.g. 昭和50年3月1日 */
	int sex;            /* 1 male, 2 female, 3 not known; 0 when absent */
	char address[1024];
};

/* The facts of cert; INVALID when its otherNames are malformed. */
JPKI_MUST_CHECK int jpki_facts_read(X509 *cert, struct jpki_facts *out, struct jpki_err *err);

/*
 * Make s (NUL-terminated, in a buffer of cap bytes) safe to print and to put
 * in JSON: a byte that does not start valid UTF-8 becomes U+FFFD, a control
 * character (C0, DEL, C1) '?'; cut at cap - 1 bytes, never mid-character.
 */
void jpki_text_clean(char *s, size_t cap);

/* "male", "female", "not known" or "" (for sex 1, 2, 3, other). */
const char *jpki_sex_name(int sex);

#endif
