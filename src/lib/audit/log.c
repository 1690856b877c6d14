/* log.c: the audit log's entries as the leaves of its Merkle tree (log.h). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"

char *jpki_audit_entry_json(const struct jpki_audit_rec *a)
{
	json_t *j =
	    json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "seq",
	              (json_int_t)a->seq, "at", (json_int_t)a->at, "operator", a->operator_id,
	              "counter", a->counter, "case", (json_int_t)a->case_id, "resident",
	              (json_int_t)a->resident_id, "action", a->action, "decision", a->decision,
	              "rule", a->rule, "documents", a->documents, "detail", a->detail);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return s;
}

static int leaf_of(const struct jpki_audit_rec *a, jpki_merkle_hash out, struct jpki_err *err)
{
	char *s = jpki_audit_entry_json(a);
	if (!s) /* jansson refuses text that is not UTF-8 */
		return jpki_fail(err, JPKI_E_INVALID, "an audit entry that is not UTF-8 text");
	jpki_merkle_leaf(s, strlen(s), out);
	free(s);
	return 0;
}

/*
 * Leaf index idx and every subtree it completes: while the node is a right
 * child, it and its left sibling make their parent (RFC 9162's tree, built
 * left to right).
 */
static int extend(struct jpki_store *st, uint64_t idx, const jpki_merkle_hash leaf,
                  struct jpki_err *err)
{
	jpki_merkle_hash cur, left;
	unsigned level = 0;
	memcpy(cur, leaf, sizeof(cur));
	int rc = st->ops->audit_node_put(st, 0, idx, cur, err);
	while (rc == 0 && (idx & 1)) {
		if ((rc = st->ops->audit_node_get(st, level, idx - 1, left, err)) < 0)
			break;
		jpki_merkle_node(left, cur, cur);
		level++;
		idx >>= 1;
		rc = st->ops->audit_node_put(st, level, idx, cur, err);
	}
	return rc;
}

int jpki_audit_sync(struct jpki_store *st, uint64_t *size, struct jpki_err *err)
{
	uint64_t n = 0;
	int64_t last = 0;
	int rc = st->ops->audit_leaves(st, &n, err);
	if (rc == 0)
		rc = st->ops->audit_last(st, &last, err);
	if (rc == 0 && n > (uint64_t)last)
		rc = jpki_fail(err, JPKI_E_STORE,
		               "the audit log's tree has more leaves than entries");
	for (; rc == 0 && n < (uint64_t)last; n++) { /* seq n + 1 is leaf n */
		struct jpki_audit_rec a;
		jpki_merkle_hash leaf;
		if ((rc = st->ops->audit_get(st, (int64_t)n + 1, &a, err)) == 0 &&
		    (rc = leaf_of(&a, leaf, err)) == 0)
			rc = extend(st, n, leaf, err);
	}
	if (rc == 0 && size)
		*size = n;
	return rc;
}

int jpki_audit_append(struct jpki_store *st, struct jpki_audit_rec *a, struct jpki_err *err)
{
	uint64_t n = 0;
	jpki_merkle_hash leaf;
	int rc = jpki_audit_sync(st, &n, err);
	if (rc == 0)
		rc = st->ops->audit_append(st, a, err);
	if (rc == 0 && (uint64_t)a->seq != n + 1) /* seq 1, 2, 3, ... with no gap */
		rc = jpki_fail(err, JPKI_E_STORE, "audit entry %lld where %llu was due",
		               (long long)a->seq, (unsigned long long)(n + 1));
	if (rc == 0)
		rc = leaf_of(a, leaf, err);
	if (rc == 0)
		rc = extend(st, n, leaf, err);
	if (rc == 0)
		st->audit_appended = a->seq;
	return rc;
}

static int node(void *arg, unsigned level, uint64_t index, jpki_merkle_hash out,
                struct jpki_err *err)
{
	struct jpki_store *st = arg;
	return st->ops->audit_node_get(st, level, index, out, err);
}

int jpki_audit_root(struct jpki_store *st, uint64_t n, jpki_merkle_hash out, struct jpki_err *err)
{
	return jpki_merkle_root(node, st, n, out, err);
}

int jpki_audit_inclusion(struct jpki_store *st, uint64_t m, uint64_t n,
                         jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len,
                         struct jpki_err *err)
{
	return jpki_merkle_inclusion(node, st, m, n, proof, len, err);
}

int jpki_audit_consistency(struct jpki_store *st, uint64_t m, uint64_t n,
                           jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len,
                           struct jpki_err *err)
{
	return jpki_merkle_consistency(node, st, m, n, proof, len, err);
}
