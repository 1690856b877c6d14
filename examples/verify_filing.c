/*
 * verify_filing.c: how a relying party (a tax office, say) checks a filing
 * signed with a My Number card, years later, with libjpki.
 *
 *   cc -o verify_filing verify_filing.c $(pkg-config --cflags --libs jpki)
 *   ./verify_filing sign-ca.pem filing.xml.p7s filing.xml
 *
 * It trusts the signature CA certificates in the first file (every
 * generation it accepts), asks the certificate's OCSP responder (or its CRL
 * partition) about revocation, and prints the verdict and who signed.
 * docs/relying-party.md walks through it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jpki/jpki.h>

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct jpki_err err;
	struct jpki_verifier *v = NULL;
	struct jpki_report *r = NULL;
	size_t trust_len = 0, sig_len = 0, doc_len = 0;
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s CA.pem SIGNATURE [DOCUMENT]\n", argv[0]);
		return 2;
	}
	unsigned char *trust = slurp(argv[1], &trust_len), *sig = slurp(argv[2], &sig_len);
	unsigned char *doc = argc == 4 ? slurp(argv[3], &doc_len) : NULL;
	if (!trust || !sig || (argc == 4 && !doc)) {
		fprintf(stderr, "cannot read the files\n");
		return 1;
	}
	if (jpki_verifier_new(&v, &err) < 0 || jpki_verifier_trust(v, trust, trust_len, &err) < 0 ||
	    jpki_verify(v, sig, sig_len, doc, doc_len, &r, &err) < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	bool proven;
	long long when = (long long)jpki_report_best_time(r, &proven);
	printf("%s %s\n", jpki_indication_name(jpki_report_indication(r)),
	       jpki_report_subindication(r));
	printf("signed by %s, born %s, of %s\n", jpki_report_signer(r, JPKI_SIGNER_NAME),
	       jpki_report_signer(r, JPKI_SIGNER_BIRTH_ERA),
	       jpki_report_signer(r, JPKI_SIGNER_ADDRESS));
	printf("at %lld (%s)\n", when, proven ? "proven by a time-stamp" : "not proven");
	int64_t revoked_at;
	int reason;
	if (jpki_report_revoked(r, &revoked_at, &reason))
		printf("the certificate was revoked at %lld (reason %d)\n", (long long)revoked_at,
		       reason);
	int ok = jpki_report_indication(r) == JPKI_TOTAL_PASSED;
	jpki_report_free(r);
	jpki_verifier_free(v);
	free(trust), free(sig), free(doc);
	return ok ? 0 : 3;
}
