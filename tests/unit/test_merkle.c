/*
 * test_merkle.c: the audit log's Merkle tree (src/lib/audit/merkle.c)
 * against RFC 9162's definitions: the roots of Certificate Transparency's
 * eight test leaves, an inclusion and a consistency proof computed from the
 * RFC's recursive definitions, then every proof of every tree up to 70
 * leaves verified, and each one changed (a hash, the index, a size, one
 * hash more or less) refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/merkle.h"

/* CT's test leaves (RFC 6962 test data). */
static const char *const leaves_hex[8] = {"",
                                          "00",
                                          "10",
                                          "2021",
                                          "3031",
                                          "40414243",
                                          "5051525354555657",
                                          "606162636465666768696a6b6c6d6e6f"};
static const char *const roots_hex[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

#define MAX_LEAVES 70
static jpki_merkle_hash leaf_hashes[MAX_LEAVES];
static unsigned reads;

/* A complete subtree from the leaf hashes, computed afresh (the reference). */
static int node(void *arg, unsigned level, uint64_t index, jpki_merkle_hash out,
                struct jpki_err *err)
{
	(void)arg, (void)err;
	reads++;
	if (level == 0) {
		memcpy(out, leaf_hashes[index], JPKI_MERKLE_HASH);
		return 0;
	}
	jpki_merkle_hash l, r;
	assert_int_equal(node(NULL, level - 1, index * 2, l, NULL), 0);
	assert_int_equal(node(NULL, level - 1, index * 2 + 1, r, NULL), 0);
	jpki_merkle_node(l, r, out);
	return 0;
}

static void from_hex(const char *hex, jpki_merkle_hash out)
{
	assert_int_equal(strlen(hex), 64);
	for (int i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void ct_leaves(void)
{
	for (int i = 0; i < 8; i++) {
		uint8_t d[16];
		size_t n = strlen(leaves_hex[i]) / 2;
		for (size_t j = 0; j < n; j++) {
			unsigned v;
			assert_int_equal(sscanf(leaves_hex[i] + 2 * j, "%2x", &v), 1);
			d[j] = (uint8_t)v;
		}
		jpki_merkle_leaf(d, n, leaf_hashes[i]);
	}
}

static void test_ct_roots(void **state)
{
	(void)state;
	jpki_merkle_hash root, want;
	struct jpki_err err;
	ct_leaves();
	for (int n = 1; n <= 8; n++) {
		assert_int_equal(jpki_merkle_root(node, NULL, (uint64_t)n, root, &err), 0);
		from_hex(roots_hex[n - 1], want);
		assert_memory_equal(root, want, 32);
	}
	assert_int_equal(jpki_merkle_root(node, NULL, 0, root, &err), 0);
	from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
	assert_memory_equal(root, want, 32); /* SHA-256 of nothing */
}

static void test_ct_proofs(void **state)
{
	(void)state;
	static const char *const path5[] = {
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
	static const char *const cons37[] = {
	    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"};
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], want;
	size_t len = 0;
	struct jpki_err err;
	ct_leaves();
	assert_int_equal(jpki_merkle_inclusion(node, NULL, 5, 8, proof, &len, &err), 0);
	assert_int_equal(len, 3);
	for (size_t i = 0; i < len; i++) {
		from_hex(path5[i], want);
		assert_memory_equal(proof[i], want, 32);
	}
	assert_int_equal(jpki_merkle_consistency(node, NULL, 3, 7, proof, &len, &err), 0);
	assert_int_equal(len, 4);
	for (size_t i = 0; i < len; i++) {
		from_hex(cons37[i], want);
		assert_memory_equal(proof[i], want, 32);
	}
	assert_int_equal(jpki_merkle_inclusion(node, NULL, 8, 8, proof, &len, &err),
	                 -JPKI_E_INVALID);
	assert_int_equal(jpki_merkle_consistency(node, NULL, 0, 8, proof, &len, &err),
	                 -JPKI_E_INVALID);
	assert_int_equal(jpki_merkle_consistency(node, NULL, 9, 8, proof, &len, &err),
	                 -JPKI_E_INVALID);
}

static void many_leaves(void)
{
	for (int i = 0; i < MAX_LEAVES; i++) {
		uint8_t d[4] = {'e', (uint8_t)i, (uint8_t)(i >> 8), 0};
		jpki_merkle_leaf(d, sizeof(d), leaf_hashes[i]);
	}
}

static void test_every_inclusion(void **state)
{
	(void)state;
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], root, other;
	size_t len;
	struct jpki_err err;
	many_leaves();
	for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
		assert_int_equal(jpki_merkle_root(node, NULL, n, root, &err), 0);
		for (uint64_t m = 0; m < n; m++) {
			const uint8_t *leaf = leaf_hashes[m];
			assert_int_equal(jpki_merkle_inclusion(node, NULL, m, n, proof, &len, &err),
			                 0);
			assert_true(jpki_merkle_verify_inclusion(m, n, leaf, proof, len, root));
			assert_false(jpki_merkle_verify_inclusion(
			    m, n, leaf_hashes[(m + 1) % MAX_LEAVES], proof, len, root));
			if (n > 1)
				assert_false(jpki_merkle_verify_inclusion((m + 1) % n, n, leaf,
				                                          proof, len, root));
			if (len > 0) {
				assert_false(
				    jpki_merkle_verify_inclusion(m, n, leaf, proof, len - 1, root));
				for (size_t i = 0; i < len; i++) {
					proof[i][i % 32] ^= 0x01;
					assert_false(jpki_merkle_verify_inclusion(m, n, leaf, proof,
					                                          len, root));
					proof[i][i % 32] ^= 0x01;
				}
			}
			memcpy(proof[len], root, 32);
			assert_false(
			    jpki_merkle_verify_inclusion(m, n, leaf, proof, len + 1, root));
			memcpy(other, root, 32);
			other[0] ^= 0x80;
			assert_false(jpki_merkle_verify_inclusion(m, n, leaf, proof, len, other));
		}
		assert_false(jpki_merkle_verify_inclusion(n, n, leaf_hashes[0], proof, 0, root));
	}
}

static void test_every_consistency(void **state)
{
	(void)state;
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], roots[MAX_LEAVES + 1];
	size_t len;
	struct jpki_err err;
	many_leaves();
	for (uint64_t n = 1; n <= MAX_LEAVES; n++)
		assert_int_equal(jpki_merkle_root(node, NULL, n, roots[n], &err), 0);
	for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
		for (uint64_t m = 1; m <= n; m++) {
			assert_int_equal(
			    jpki_merkle_consistency(node, NULL, m, n, proof, &len, &err), 0);
			assert_true(
			    jpki_merkle_verify_consistency(m, n, roots[m], roots[n], proof, len));
			if (m == n) {
				assert_int_equal(len, 0);
				continue;
			}
			/* a forked log: another tree of m leaves, or of n */
			if (m > 1)
				assert_false(jpki_merkle_verify_consistency(m, n, roots[m - 1],
				                                            roots[n], proof, len));
			if (n < MAX_LEAVES)
				assert_false(jpki_merkle_verify_consistency(
				    m, n, roots[m], roots[n + 1], proof, len));
			assert_false(jpki_merkle_verify_consistency(m, n, roots[m], roots[n], proof,
			                                            len - 1));
			memcpy(proof[len], roots[n], 32);
			assert_false(jpki_merkle_verify_consistency(m, n, roots[m], roots[n], proof,
			                                            len + 1));
			for (size_t i = 0; i < len; i++) {
				proof[i][31 - i % 32] ^= 0x04;
				assert_false(jpki_merkle_verify_consistency(m, n, roots[m],
				                                            roots[n], proof, len));
				proof[i][31 - i % 32] ^= 0x04;
			}
		}
		assert_false(jpki_merkle_verify_consistency(0, n, roots[1], roots[n], proof, 0));
		assert_false(
		    jpki_merkle_verify_consistency(n + 1, n, roots[1], roots[n], proof, 0));
	}
}

/* Each root and proof reads O(log^2 n) subtrees, not the leaves. */
static void test_reads_bounded(void **state)
{
	(void)state;
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], root;
	size_t len;
	struct jpki_err err;
	many_leaves();
	reads = 0;
	assert_int_equal(jpki_merkle_root(node, NULL, 64, root, &err), 0);
	assert_int_equal(reads,
	                 127); /* the reference computes the one subtree of 64 from its leaves */
	reads = 0;
	assert_int_equal(jpki_merkle_root(node, NULL, 69, root, &err), 0);
	assert_true(reads < 140);
	assert_int_equal(jpki_merkle_inclusion(node, NULL, 3, 69, proof, &len, &err), 0);
	assert_int_equal(len, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ct_roots),        cmocka_unit_test(test_ct_proofs),
	    cmocka_unit_test(test_every_inclusion), cmocka_unit_test(test_every_consistency),
	    cmocka_unit_test(test_reads_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
