/*
 * audit_inproc.c: appends to the audit log per second, with its Merkle tree
 * (audit/log.h: the entry, its leaf and the subtrees it completes) and
 * without (the entry alone, the peer in the same run), on an empty log and
 * after it has grown to SIZE entries; and the cost of a checkpoint's root
 * and of an inclusion proof at that size.  Built by meson (bench_audit: it
 * uses the registry's internal API), run by bench/audit.
 *
 *   bench_audit DIR SIZE BATCH    prints "key value" lines
 *   bench_audit fill REGISTRY SIZE BATCH
 *                                 appends SIZE entries (with the tree) to an
 *                                 existing registry: bench/api's full log
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "inproc.h"
#include "jpki/ctx.h"
#include "store/store.h"

static struct jpki_audit_rec entry(int64_t i)
{
	struct jpki_audit_rec a;
	memset(&a, 0, sizeof(a));
	a.at = 1796173200 + i;
	snprintf(a.operator_id, sizeof(a.operator_id), "clerk%" PRId64, i % 7);
	snprintf(a.counter, sizeof(a.counter), "city-hall");
	a.case_id = i;
	a.resident_id = 1 + i % 1000;
	snprintf(a.action, sizeof(a.action), "revoke.done");
	snprintf(a.decision, sizeof(a.decision), "done");
	snprintf(a.detail, sizeof(a.detail), "reason=keyCompromise; serial=%016" PRIx64,
	         (uint64_t)i);
	return a;
}

/* n appends in transactions of batch, with the tree or without; appends per second. */
static double appends(struct jpki_store *st, int64_t *next, int64_t n, int64_t batch, bool tree)
{
	struct jpki_err err;
	double t0 = now_s();
	for (int64_t done = 0; done < n;) {
		if (st->ops->begin(st, &err) < 0)
			goto fail;
		for (int64_t k = 0; k < batch && done < n; k++, done++) {
			struct jpki_audit_rec a = entry((*next)++);
			if ((tree ? jpki_audit_append(st, &a, &err)
			          : st->ops->audit_append(st, &a, &err)) < 0)
				goto fail;
		}
		if (st->ops->commit(st, &err) < 0)
			goto fail;
	}
	return (double)n / (now_s() - t0);
fail:
	fprintf(stderr, "bench_audit: %s\n", err.msg);
	exit(1);
}

/* A registry of its own in dir/name. */
static struct jpki_store *fresh(const struct jpki_ctx *ctx, const char *dir, const char *name)
{
	char path[4096];
	struct jpki_err err;
	struct jpki_store *st = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (jpki_store_sqlite_create(ctx, path, &st, &err) < 0) {
		fprintf(stderr, "bench_audit: %s\n", err.msg);
		exit(1);
	}
	return st;
}

/* SIZE entries appended to the registry at path, with their tree. */
static int fill(const char *path, int64_t size, int64_t batch)
{
	struct jpki_ctx *ctx = NULL;
	struct jpki_store *st = NULL;
	struct jpki_err err;
	int64_t last = 0;
	if (jpki_ctx_new(&ctx, &err) < 0 || jpki_store_sqlite_open(ctx, path, &st, &err) < 0 ||
	    st->ops->audit_last(st, &last, &err) < 0) {
		fprintf(stderr, "bench_audit fill: %s\n", err.msg);
		return 1;
	}
	int64_t next = last + 1;
	printf("fill_per_s %.0f\n", appends(st, &next, size, batch, true));
	jpki_store_close(st);
	jpki_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], atoll(argv[3]), atoll(argv[4]));
	if (argc != 4) {
		fprintf(stderr, "usage: bench_audit DIR SIZE BATCH\n");
		return 2;
	}
	int64_t size = atoll(argv[2]), batch = atoll(argv[3]), sample = 20000;
	struct jpki_ctx *ctx = NULL;
	struct jpki_err err;
	if (size < sample || batch < 1 || jpki_ctx_new(&ctx, &err) < 0 ||
	    jpki_ctx_set_data_dir(ctx, argv[1], &err) < 0)
		return 2;
	struct jpki_store *with = fresh(ctx, argv[1], "tree.sqlite");
	struct jpki_store *plain = fresh(ctx, argv[1], "plain.sqlite");
	int64_t nt = 1, np = 1;
	printf("empty_tree %.0f\n", appends(with, &nt, sample, batch, true));
	printf("empty_plain %.0f\n", appends(plain, &np, sample, batch, false));
	double grow = appends(with, &nt, size - 2 * sample, batch, true);
	(void)appends(plain, &np, size - 2 * sample, batch, false);
	printf("grow_tree %.0f\n", grow);
	printf("full_tree %.0f\n", appends(with, &nt, sample, batch, true));
	printf("full_plain %.0f\n", appends(plain, &np, sample, batch, false));
	printf("size %" PRId64 "\n", nt - 1);
	/* a checkpoint's root and an inclusion proof at that size, read from the store */
	jpki_merkle_hash root, proof[JPKI_MERKLE_PROOF_MAX];
	size_t len = 0;
	int reps = 2000;
	double t0 = now_s();
	for (int i = 0; i < reps; i++)
		if (jpki_audit_root(with, (uint64_t)(nt - 1 - i), root, &err) < 0)
			return 1;
	printf("roots_per_s %.0f\n", reps / (now_s() - t0));
	t0 = now_s();
	for (int i = 0; i < reps; i++)
		if (jpki_audit_inclusion(with, (uint64_t)(i * 7919) % (uint64_t)(nt - 1),
		                         (uint64_t)(nt - 1), proof, &len, &err) < 0)
			return 1;
	printf("proofs_per_s %.0f\n", reps / (now_s() - t0));
	printf("proof_len %zu\n", len);
	jpki_store_close(with);
	jpki_store_close(plain);
	jpki_ctx_free(ctx);
	return 0;
}
