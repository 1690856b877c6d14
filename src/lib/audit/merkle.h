/*
 * merkle.h: the Merkle tree of the audit log, hashed as RFC 9162 §2.1
 * (Certificate Transparency 2.0) hashes it, SHA-256:
 *   a leaf:  SHA-256(0x00 || entry)
 *   a node:  SHA-256(0x01 || left || right)
 *   MTH(D[n]) of n > 1 entries splits at k, the largest power of 2 below n.
 * The tree is read through one callback, the hash of a complete subtree
 * (2^level leaves starting at leaf index * 2^level), so a store that keeps
 * those (a log of 10 million entries keeps about 20 million) answers every
 * root and proof in O(log² n) reads, whatever the size.
 */
#ifndef JPKI_AUDIT_MERKLE_H
#define JPKI_AUDIT_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"

#define JPKI_MERKLE_HASH 32
#define JPKI_MERKLE_PROOF_MAX 64 /* hashes in a proof of a tree below 2^63 leaves */

typedef uint8_t jpki_merkle_hash[JPKI_MERKLE_HASH];

/* The hash of the complete subtree of 2^level leaves from leaf index << level. */
typedef int (*jpki_merkle_node_fn)(void *arg, unsigned level, uint64_t index, jpki_merkle_hash out,
                                   struct jpki_err *err);

void jpki_merkle_leaf(const void *entry, size_t len, jpki_merkle_hash out);
void jpki_merkle_node(const jpki_merkle_hash left, const jpki_merkle_hash right,
                      jpki_merkle_hash out);

/* MTH(D[0:n]); of the empty tree, SHA-256 of nothing (RFC 9162 §2.1.1). */
JPKI_MUST_CHECK int jpki_merkle_root(jpki_merkle_node_fn fn, void *arg, uint64_t n,
                                     jpki_merkle_hash out, struct jpki_err *err);
/* PATH(m, D[n]), the inclusion proof of leaf m < n (§2.1.3.1); *len hashes. */
JPKI_MUST_CHECK int jpki_merkle_inclusion(jpki_merkle_node_fn fn, void *arg, uint64_t m, uint64_t n,
                                          jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX],
                                          size_t *len, struct jpki_err *err);
/* PROOF(m, D[n]), the consistency proof of the tree of m leaves in that of n, 0 < m <= n
 * (§2.1.4.1). */
JPKI_MUST_CHECK int jpki_merkle_consistency(jpki_merkle_node_fn fn, void *arg, uint64_t m,
                                            uint64_t n,
                                            jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX],
                                            size_t *len, struct jpki_err *err);

/* Whether proof shows leaf (its leaf hash) at index m of the tree of n leaves with root (§2.1.3.2).
 */
bool jpki_merkle_verify_inclusion(uint64_t m, uint64_t n, const jpki_merkle_hash leaf,
                                  const jpki_merkle_hash *proof, size_t len,
                                  const jpki_merkle_hash root);
/* Whether proof shows the tree of m leaves (root_m) is a prefix of that of n (root_n) (§2.1.4.2).
 */
bool jpki_merkle_verify_consistency(uint64_t m, uint64_t n, const jpki_merkle_hash root_m,
                                    const jpki_merkle_hash root_n, const jpki_merkle_hash *proof,
                                    size_t len);

#endif
