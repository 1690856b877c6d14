/*
 * test_ctx.h: the context of a unit test, from the environment the test
 * set (JPKI_DATA, JPKI_NOW, JPKI_BASE_URL, JPKI_ISSUER_KEY_FILE), as the jpki program fills its
 * own.  Made anew when a variable changed since the last call.
 */
#ifndef JPKI_TEST_CTX_H
#define JPKI_TEST_CTX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/ctx.h"
#include "jpki/date.h"

static inline const struct jpki_ctx *test_ctx(void)
{
	static struct jpki_ctx *ctx;
	static char seen[4][4096];
	const char *v[4] = {getenv("JPKI_DATA"), getenv("JPKI_NOW"), getenv("JPKI_BASE_URL"),
	                    getenv("JPKI_ISSUER_KEY_FILE")};
	bool same = ctx != NULL;
	for (int i = 0; i < 4; i++)
		same = same && strcmp(seen[i], v[i] ? v[i] : "") == 0;
	if (same)
		return ctx;
	struct jpki_err err;
	struct jpki_ctx *c = NULL;
	int64_t t;
	if (jpki_ctx_new(&c, &err) < 0 ||
	    (v[0] && *v[0] && jpki_ctx_set_data_dir(c, v[0], &err) < 0) ||
	    (v[2] && *v[2] && jpki_ctx_set_base_url(c, v[2], &err) < 0) ||
	    (v[3] && *v[3] && jpki_ctx_set_issuer_key_file(c, v[3], &err) < 0) ||
	    (v[1] && *v[1] && jpki_time_parse(v[1], &t, &err) < 0)) {
		fprintf(stderr, "test context: %s\n", err.msg);
		abort();
	}
	if (v[1] && *v[1])
		jpki_ctx_set_now(c, t);
	for (int i = 0; i < 4; i++)
		snprintf(seen[i], sizeof(seen[i]), "%s", v[i] ? v[i] : "");
	/* the old ones are kept (reachable, not leaked): objects made with them may still borrow
	 * them */
	static struct jpki_ctx *made[64];
	static unsigned n_made;
	if (n_made < sizeof(made) / sizeof(made[0]))
		made[n_made++] = c;
	ctx = c;
	return ctx;
}

#endif
