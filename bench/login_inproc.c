/*
 * login_inproc.c: Web eID tokens validated per second in one process
 * through libjpki's public API (bench/login builds and runs it).
 *
 *   login_inproc TRUST.pem TOKEN.json ORIGIN NONCE warm|cold SECONDS THREADS
 *
 * The same token is validated again and again against the relying party's
 * origin and nonce (the nonce store's single use is the relying party's
 * business, not the validator's), by THREADS threads sharing one validator,
 * as a relying party's server would.  warm: the validator's caches on (the
 * certificate decoded once, its path remembered, the OCSP answer reused while
 * it is fresh: 2 minutes); cold: off, so every token is decoded, its path
 * built and its status asked of the responder with a new nonce.  Every
 * verdict must be OK, or the run fails.  Prints tokens per second.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpki/jpki.h>
#include <jpki/login.h>

#include "inproc.h"

struct run {
	struct jpki_login_validator *v;
	const char *token, *origin, *nonce;
	size_t token_len;
	double seconds;
	long done;
	int failed; /* 0, or 1 with the first refusal printed */
};

/* One thread's share: validate until the time is up (the clock read every 16 tokens). */
static void *validate_loop(void *arg)
{
	struct run *r = arg;
	double t0 = now_s(), t = t0;
	while (t - t0 < r->seconds) {
		struct jpki_login_result res;
		struct jpki_err err;
		if (jpki_login_validate(r->v, r->token, r->token_len, r->origin, r->nonce, &res,
		                        &err) < 0) {
			fprintf(stderr, "validate: %s\n", err.msg);
			r->failed = 1;
			return NULL;
		}
		if (res.failure != JPKI_LOGIN_OK) {
			fprintf(stderr, "refused: %s %s\n", jpki_login_failure_name(res.failure),
			        res.reason);
			r->failed = 1;
			return NULL;
		}
		if (++r->done % 16 == 0)
			t = now_s();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct jpki_err err;
	struct jpki_login_validator *v = NULL;
	static const unsigned char secret[32] = "bench/login: the RP's secret...";
	size_t trust_len = 0, token_len = 0;
	if (argc != 8)
		return fprintf(stderr, "usage: login_inproc TRUST TOKEN ORIGIN NONCE warm|cold "
		                       "SECONDS THREADS\n"),
		       2;
	unsigned char *trust = slurp(argv[1], &trust_len), *token = slurp(argv[2], &token_len);
	int threads = (int)strtol(argv[7], NULL, 10);
	if (!trust || !token || threads < 1 || threads > 64 ||
	    jpki_login_validator_new("bench", secret, sizeof(secret), &v, &err) < 0 ||
	    jpki_login_validator_trust(v, trust, trust_len, &err) < 0)
		return fprintf(stderr, "setup failed\n"), 1;
	while (token_len > 0 && (token[token_len - 1] == '\n' || token[token_len - 1] == '\r'))
		token_len--;
	jpki_login_validator_set_cache(v, strcmp(argv[5], "warm") == 0);
	struct run *runs = calloc((size_t)threads, sizeof(*runs));
	pthread_t *th = calloc((size_t)threads, sizeof(*th));
	if (!runs || !th)
		return fprintf(stderr, "out of memory\n"), 1;
	double t0 = now_s();
	for (int i = 0; i < threads; i++) {
		runs[i] = (struct run){v,         (const char *)token,   argv[3], argv[4],
		                       token_len, strtod(argv[6], NULL), 0,       0};
		if (pthread_create(&th[i], NULL, validate_loop, &runs[i]) != 0)
			return fprintf(stderr, "no thread\n"), 1;
	}
	long done = 0;
	int failed = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		done += runs[i].done;
		failed |= runs[i].failed;
	}
	double t = now_s();
	if (failed)
		return 1;
	printf("%.1f\n", (double)done / (t - t0));
	jpki_login_validator_free(v);
	free(runs), free(th), free(trust), free(token);
	return 0;
}
