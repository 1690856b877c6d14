/*
 * fuzz_tsa.c: jpki_tsa_respond, the time-stamping authority's answer to a
 * request from outside (POST /tsa, jpki tsa respond).
 *
 * Set up once: a signature CA and its TSA in a temporary data folder, with a
 * registry for the serials.  Checked for every input: an answer always comes
 * (a rejection for what cannot be honoured, never an error of ours), it is
 * one whole DER TimeStampResp, and a granted one carries a token whose
 * serial is above every earlier one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>

#include <openssl/ts.h>

#include "ca/ca.h"
#include "jpki/ctx.h"
#include "tsa/tsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the CA, the store and the context live as long as the process, as the TSA needs */
static struct jpki_ctx *ctx;
static struct jpki_ca *ca;
static struct jpki_store *st;
static struct jpki_tsa *tsa;
static int64_t last_serial;
static char dir[] = "/tmp/jpki-fuzz-tsa.XXXXXX";

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void remove_dir(void)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void init(void)
{
	static const char pass[] = "fuzz-tsa passphrase";
	struct jpki_err err;
	bool created = false;
	const int64_t now = 1795654800; /* 2026-11-26T10:00:00+09:00 */
	if (!mkdtemp(dir) || atexit(remove_dir) != 0 || jpki_ctx_new(&ctx, &err) < 0 ||
	    jpki_ctx_set_data_dir(ctx, dir, &err) < 0)
		abort();
	jpki_ctx_set_now(ctx, now);
	if (jpki_ca_init(ctx, JPKI_KIND_SIGN, now - 86400, pass, &created, &err) < 0 ||
	    jpki_ca_load(ctx, JPKI_KIND_SIGN, pass, &ca, &err) < 0 ||
	    jpki_store_create_default(ctx, &st, &err) < 0 ||
	    jpki_tsa_open(ca, pass, now, st, &tsa, &err) < 0) {
		fprintf(stderr, "fuzz_tsa: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!tsa)
		init();
	if (size > JPKI_TSA_REQUEST_MAX)
		return 0;
	uint8_t *req = malloc(size ? size : 1); /* an exact-size copy: ASan sees a read past it */
	uint8_t *der = NULL;
	size_t len = 0;
	struct jpki_err err;
	if (!req)
		return 0;
	if (size)
		memcpy(req, data, size);
	if (jpki_tsa_respond(tsa, 1795654800, req, size, &der, &len, &err) != 0)
		abort(); /* outside bytes are answered, never an error of ours */
	free(req);
	const unsigned char *p = der;
	TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)len);
	if (!r || p != der + len)
		abort();
	TS_TST_INFO *info = TS_RESP_get_tst_info(r);
	long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r)));
	if ((status == TS_STATUS_GRANTED) != (info != NULL))
		abort();
	if (info) {
		int64_t s = 0;
		if (ASN1_INTEGER_get_int64(&s, TS_TST_INFO_get_serial(info)) != 1 ||
		    s <= last_serial)
			abort();
		last_serial = s;
	}
	TS_RESP_free(r);
	free(der);
	return 0;
}
