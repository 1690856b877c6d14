/*
 * log.h: the audit log as a tamper-evident log (#12; docs/audit.md).
 *
 * Every entry (store/counter_rec.h) is a leaf of a Merkle tree (merkle.h):
 * the leaf's data is the entry's canonical JSON (jpki_audit_entry_json: its
 * fields, keys sorted, no spaces), what `jpki audit export` prints one per
 * line, so an outsider recomputes every leaf from the export alone.  The
 * store keeps the hash of each complete subtree, written in the transaction
 * of the entry that completes it; entries logged before the tree existed
 * (registries made before schema 6) are added in order on the next append
 * or checkpoint.
 */
#ifndef JPKI_AUDIT_LOG_H
#define JPKI_AUDIT_LOG_H

#include <stdint.h>

#include "audit/merkle.h"
#include "store/store.h"

/* The leaf data of entry a (malloc'd; NULL: out of memory). */
char *jpki_audit_entry_json(const struct jpki_audit_rec *a);

/*
 * Append entry a (its seq set) and its leaf, inside the caller's
 * transaction: the one way procedures log (counter/case.c).
 */
JPKI_MUST_CHECK int jpki_audit_append(struct jpki_store *st, struct jpki_audit_rec *a,
                                      struct jpki_err *err);
/* Bring the tree up to the last entry (inside a write transaction); *size its leaves. */
JPKI_MUST_CHECK int jpki_audit_sync(struct jpki_store *st, uint64_t *size, struct jpki_err *err);

/* The root of the first n leaves, and the proofs, read from the store. */
JPKI_MUST_CHECK int jpki_audit_root(struct jpki_store *st, uint64_t n, jpki_merkle_hash out,
                                    struct jpki_err *err);
JPKI_MUST_CHECK int jpki_audit_inclusion(struct jpki_store *st, uint64_t m, uint64_t n,
                                         jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len,
                                         struct jpki_err *err);
JPKI_MUST_CHECK int jpki_audit_consistency(struct jpki_store *st, uint64_t m, uint64_t n,
                                           jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX],
                                           size_t *len, struct jpki_err *err);

#endif
