/*
 * cmd_cert_bulk.c: `jpki cert bulk`, issuing from a list.
 *
 * The list is read whole (at most 256 MiB) and walked with the bounded
 * cursor; a line that does not parse is reported with its number and
 * skipped, the others are issued.  Public key files named more than once
 * are read once.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/issue.h"
#include "ca/pubkey.h"
#include "cli.h"
#include "opts.h"
#include "commands.h"
#include "core/cursor.h"
#include "core/fsutil.h"
#include "core/ossl.h"

#define LIST_MAX (256u * 1024 * 1024)
#define BATCH 4096
#define KEY_CACHE 256

static const char usage[] =
    "usage: jpki cert bulk --in FILE [--threads N] [--replace]\n"
    "\n"
    "Issue one certificate per line of FILE:\n"
    "  KIND RESIDENT_ID PUBKEY_FILE [CARD_EXPIRY]\n"
    "(fields separated by spaces or tabs; blank lines and lines starting with #\n"
    "are skipped).  Signing runs on N threads (default 2, at most 16); each\n"
    "batch is recorded in one transaction; public keys are parsed and checked on\n"
    "the signing threads.  Prints `ok LINE SERIAL` or\n"
    "`error LINE: reason` per request and a summary on standard error.  Exit\n"
    "status 1 when any request failed.  Re-running a list is safe: a request\n"
    "for the key of the resident's current certificate of that kind is an\n"
    "error that issues nothing (rule X1 would supersede it), unless --replace.\n";

/*
 * Key files named in the current batch, read once each.  Requests borrow the
 * bytes until the batch is flushed, so the cache is emptied only then (and a
 * full cache flushes the batch first).  Parsing happens on the signing
 * threads (jpki_issue_bulk), where it runs in parallel.
 */
struct key_cache {
	char *path[KEY_CACHE];
	uint8_t *bytes[KEY_CACHE];
	size_t len[KEY_CACHE];
	int n;
};

static int cached_key(struct key_cache *kc, const char *path, struct jpki_issue_req *req,
                      struct jpki_err *err)
{
	for (int i = 0; i < kc->n; i++) {
		if (strcmp(kc->path[i], path) == 0) {
			req->key_bytes = kc->bytes[i];
			req->key_len = kc->len[i];
			return 0;
		}
	}
	if (kc->n == KEY_CACHE)
		return jpki_fail(err, JPKI_E_LIMIT, "key cache full"); /* caller flushes first */
	int rc =
	    jpki_read_file(path, JPKI_PUBKEY_FILE_MAX, &kc->bytes[kc->n], &kc->len[kc->n], err);
	if (rc < 0)
		return rc;
	if (!(kc->path[kc->n] = strdup(path))) {
		free(kc->bytes[kc->n]);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	req->key_bytes = kc->bytes[kc->n];
	req->key_len = kc->len[kc->n];
	kc->n++;
	return 0;
}

static void key_cache_clear(struct key_cache *kc)
{
	for (int i = 0; i < kc->n; i++) {
		free(kc->path[i]);
		free(kc->bytes[i]);
	}
	kc->n = 0;
}

/* Next whitespace-separated field of a line into buf; false when none. */
static bool next_field(struct jpki_cur *line, char *buf, size_t cap)
{
	uint8_t b;
	while (jpki_cur_peek(line, &b) && (b == ' ' || b == '\t'))
		line->off++;
	size_t n = 0;
	while (jpki_cur_peek(line, &b) && b != ' ' && b != '\t') {
		if (n + 1 >= cap)
			return false;
		buf[n++] = (char)b;
		line->off++;
	}
	buf[n] = '\0';
	return n > 0;
}

static int parse_line(struct jpki_cur *line, struct key_cache *kc, int64_t now, bool replace,
                      struct jpki_issue_req *req, struct jpki_err *err)
{
	char kind[16], id[32], path[4096], expiry[32];
	memset(req, 0, sizeof(*req));
	req->now = now;
	req->same_key_ok = replace;
	if (!next_field(line, kind, sizeof(kind)) || jpki_kind_parse(kind, &req->kind, NULL) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "KIND must be sign or auth");
	if (!next_field(line, id, sizeof(id)) || cli_parse_id(id, &req->resident_id, NULL) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "RESIDENT_ID must be a positive number");
	if (!next_field(line, path, sizeof(path)))
		return jpki_fail(err, JPKI_E_INVALID, "PUBKEY_FILE is missing");
	if (next_field(line, expiry, sizeof(expiry))) {
		int rc = jpki_date_parse(expiry, &req->card_expiry, err);
		if (rc < 0)
			return rc;
		req->has_card_expiry = true;
	}
	if (!jpki_cur_done(line))
		return jpki_fail(err, JPKI_E_INVALID, "too many fields");
	return cached_key(kc, path, req, err);
}

struct batch {
	struct jpki_issue_req req[BATCH];
	struct jpki_issued out[BATCH];
	long line[BATCH];
	size_t n;
};

static long flush(struct jpki_store *st, struct jpki_ca *cas[2], struct batch *b,
                  struct key_cache *kc, unsigned threads, long *failed, struct jpki_err *err)
{
	long got = jpki_issue_bulk(st, cas, b->req, b->n, threads, b->out, err);
	for (size_t i = 0; got >= 0 && i < b->n; i++) {
		if (b->out[i].rc == 0)
			printf("ok %ld %s\n", b->line[i], b->out[i].rec.serial);
		else {
			printf("error %ld: %s\n", b->line[i], b->out[i].err.msg);
			(*failed)++;
		}
	}
	for (size_t i = 0; got >= 0 && i < b->n; i++)
		jpki_issued_clear(&b->out[i]);
	b->n = 0;
	key_cache_clear(kc);
	return got;
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *in, unsigned threads, bool replace)
{
	struct jpki_err err;
	uint8_t *data;
	size_t len;
	int64_t now;
	if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
	    jpki_read_file(in, LIST_MAX, &data, &len, &err) < 0)
		return cli_fail(&err);
	struct jpki_ca *cas[2] = {NULL, NULL};
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct batch *b = calloc(1, sizeof(*b));
	struct key_cache kc = {.n = 0};
	long issued = 0, failed = 0, lineno = 0;
	int rc = 1;
	if (!b || cli_load_ca(JPKI_KIND_SIGN, &cas[0]) != 0 ||
	    cli_load_ca(JPKI_KIND_AUTH, &cas[1]) != 0 || cli_open_store(&st) != 0)
		goto out;
	double t0 = seconds();
	struct jpki_cur all = jpki_cur_make(data, len);
	while (!jpki_cur_done(&all)) {
		size_t start = all.off;
		uint8_t ch;
		while (jpki_cur_u8(&all, &ch) && ch != '\n')
			;
		size_t end = all.off - (ch == '\n' && all.off > start ? 1 : 0);
		struct jpki_cur line = jpki_cur_make(data + start, end - start);
		lineno++;
		if (line.len == 0 || data[start] == '#')
			continue;
		if (kc.n == KEY_CACHE) { /* keep every borrowed key alive until its batch is done */
			long got = flush(st, cas, b, &kc, threads, &failed, &err);
			if (got < 0) {
				cli_fail(&err);
				goto out;
			}
			issued += got;
		}
		if (parse_line(&line, &kc, now, replace, &b->req[b->n], &err) < 0) {
			printf("error %ld: %s\n", lineno, err.msg);
			failed++;
			continue;
		}
		b->line[b->n++] = lineno;
		if (b->n == BATCH) {
			long got = flush(st, cas, b, &kc, threads, &failed, &err);
			if (got < 0) {
				cli_fail(&err);
				goto out;
			}
			issued += got;
		}
	}
	long got = b->n ? flush(st, cas, b, &kc, threads, &failed, &err) : 0;
	if (got < 0) {
		cli_fail(&err);
		goto out;
	}
	issued += got;
	double dt = seconds() - t0;
	fprintf(stderr, "issued %ld certificates, %ld failed, in %.3f s (%.1f certificates/s)\n",
	        issued, failed, dt, dt > 0 ? (double)issued / dt : 0.0);
	rc = failed ? 1 : 0;
out:
	key_cache_clear(&kc);
	jpki_ca_free(cas[0]);
	jpki_ca_free(cas[1]);
	free(b);
	free(data);
	return rc;
}

int cmd_cert_bulk(int argc, char **argv)
{
	const char *in = NULL;
	unsigned long threads = 2;
	bool replace = false;
	const struct cli_opt opts[] = {
	    {"in", CLI_TEXT, &in, 0, 0, NULL, NULL},
	    {"threads", CLI_UINT, &threads, 1, 16, NULL, NULL},
	    {"replace", CLI_FLAG, &replace, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, usage, "cert bulk", opts);
	if (prc >= 0)
		return prc;
	if (optind != argc || !in)
		return cli_usage_error(usage, "cert bulk: --in FILE is required");
	return run(in, (unsigned)threads, replace);
}
