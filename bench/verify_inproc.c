/*
 * verify_inproc.c: documents verified per second in one process through
 * libjpki's public API (bench/verify builds and runs it).
 *
 *   verify_inproc TRUST.pem DOC online|offline SECONDS SIG...
 *
 * The signatures of DOC are verified in turn, round and round.  One
 * verifier, as a relying party keeps one: online, its OCSP answers are
 * cached (15 minutes), so after the first round a signature costs no round
 * trip; it keeps the certificates it decoded (the CA's, the TSA's, the
 * responder's, and the signers' while they fit: 64).  Every report must be
 * TOTAL-PASSED, or the run fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpki/jpki.h>

#include "inproc.h"

int main(int argc, char **argv)
{
	struct jpki_err err;
	struct jpki_verifier *v = NULL;
	size_t tl = 0, dl = 0;
	if (argc < 6)
		return fprintf(stderr,
		               "usage: verify_inproc TRUST DOC online|offline SECONDS SIG...\n"),
		       2;
	int nsig = argc - 5;
	unsigned char *trust = slurp(argv[1], &tl), *doc = slurp(argv[2], &dl);
	unsigned char **sigs = calloc((size_t)nsig, sizeof(*sigs));
	size_t *sl = calloc((size_t)nsig, sizeof(*sl));
	for (int i = 0; sigs && sl && i < nsig; i++)
		if (!(sigs[i] = slurp(argv[5 + i], &sl[i])))
			return fprintf(stderr, "cannot read %s\n", argv[5 + i]), 1;
	double seconds = atof(argv[4]);
	if (!trust || !doc || !sigs || jpki_verifier_new(&v, &err) < 0 ||
	    jpki_verifier_trust(v, trust, tl, &err) < 0)
		return fprintf(stderr, "setup failed\n"), 1;
	jpki_verifier_set_revocation(v, strcmp(argv[3], "online") == 0 ? JPKI_REVOCATION_ONLINE
	                                                               : JPKI_REVOCATION_OFFLINE);
	const char *now = getenv("VERIFY_AT");
	if (now)
		jpki_verifier_set_time(v, atoll(now));
	long n = 0;
	double t0 = now_s(), t = t0;
	while (t - t0 < seconds) {
		struct jpki_report *r = NULL;
		int k = (int)(n % nsig);
		if (jpki_verify(v, sigs[k], sl[k], doc, dl, &r, &err) < 0)
			return fprintf(stderr, "verify: %s\n", err.msg), 1;
		if (jpki_report_indication(r) != JPKI_TOTAL_PASSED) {
			char *text = jpki_report_text(r);
			fprintf(stderr, "not passed:\n%s", text ? text : "");
			return 1;
		}
		jpki_report_free(r);
		n++;
		if (n % 16 == 0)
			t = now_s();
	}
	t = now_s();
	printf("%.1f\n", (double)n / (t - t0));
	jpki_verifier_free(v);
	for (int i = 0; i < nsig; i++)
		free(sigs[i]);
	free(sigs), free(sl), free(trust), free(doc);
	return 0;
}
