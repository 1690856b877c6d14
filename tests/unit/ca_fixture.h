/*
 * ca_fixture.h: a data folder for unit tests that need both CAs, a
 * registry, one adult resident and one RSA key: made in a temporary
 * folder of the test program's own (JPKI_DATA), at a fixed clock (JPKI_NOW).
 */
#ifndef JPKI_TEST_CA_FIXTURE_H
#define JPKI_TEST_CA_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ca/ca.h"
#include "ca/profile.h"
#include "store/store.h"
#include "test_ctx.h"
#include "tmpdir.h"

struct ca_fixture {
	char dir[PATH_MAX];
	struct jpki_ca *ca[2];
	struct jpki_store *st;
	EVP_PKEY *key;
	int64_t resident;
	unsigned seq; /* the test's own counter */
};

/*
 * name: the temporary folder's; now: JPKI_NOW; base_url: JPKI_BASE_URL (NULL: the
 * default); the CAs are made a day before `t0`.
 */
static inline int ca_fixture_setup(struct ca_fixture *f, const char *name, const char *now,
                                   const char *base_url, int64_t t0)
{
	struct jpki_err err;
	bool created;
	const char *pass = "unit-test passphrase fixture";
	if (!tmpdir_make(f->dir, name) || setenv("JPKI_DATA", f->dir, 1) != 0 ||
	    setenv("JPKI_NOW", now, 1) != 0 ||
	    (base_url && setenv("JPKI_BASE_URL", base_url, 1) != 0))
		return -1;
	for (int k = 0; k < 2; k++)
		if (jpki_ca_init(test_ctx(), (enum jpki_kind)k, t0 - 86400, pass, &created, &err) !=
		        0 ||
		    jpki_ca_load(test_ctx(), (enum jpki_kind)k, pass, &f->ca[k], &err) != 0)
			return -1;
	if (jpki_store_create_default(test_ctx(), &f->st, &err) != 0)
		return -1;
	struct jpki_resident r;
	memset(&r, 0, sizeof(r));
	snprintf(r.family, sizeof(r.family), "試験");
	snprintf(r.given, sizeof(r.given), "太郎");
	snprintf(r.address, sizeof(r.address), "東京都立川市泉町1156-9");
	r.birth = (struct jpki_date){1980, 1, 2};
	r.sex = JPKI_SEX_MALE;
	if (f->st->ops->resident_insert(f->st, &r, &err) != 0)
		return -1;
	f->resident = r.id;
	f->key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return f->key ? 0 : -1;
}

static inline int ca_fixture_teardown(struct ca_fixture *f)
{
	jpki_store_close(f->st);
	jpki_ca_free(f->ca[0]);
	jpki_ca_free(f->ca[1]);
	EVP_PKEY_free(f->key);
	jpki_profile_thread_done();
	return tmpdir_remove(f->dir);
}

#endif
