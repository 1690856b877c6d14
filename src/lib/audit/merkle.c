/*
 * merkle.c: RFC 9162 §2.1 over complete subtrees read through a callback
 * (merkle.h).  The recursive definitions of the RFC are followed as
 * written; every range they split is [a, b) with a a multiple of the
 * largest power of 2 below b - a, so its left part is one stored subtree.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "merkle.h"

static void sha256_parts(const void *p1, size_t n1, const void *p2, size_t n2, const void *p3,
                         size_t n3, jpki_merkle_hash out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len = JPKI_MERKLE_HASH;
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, p1, n1) != 1 || (n2 && EVP_DigestUpdate(c, p2, n2) != 1) ||
	    (n3 && EVP_DigestUpdate(c, p3, n3) != 1) || EVP_DigestFinal_ex(c, out, &len) != 1)
		memset(out, 0, JPKI_MERKLE_HASH); /* only when libcrypto has no memory */
	EVP_MD_CTX_free(c);
}

void jpki_merkle_leaf(const void *entry, size_t len, jpki_merkle_hash out)
{
	static const uint8_t zero = 0x00;
	sha256_parts(&zero, 1, entry, len, NULL, 0, out);
}

void jpki_merkle_node(const jpki_merkle_hash left, const jpki_merkle_hash right,
                      jpki_merkle_hash out)
{
	static const uint8_t one = 0x01;
	sha256_parts(&one, 1, left, JPKI_MERKLE_HASH, right, JPKI_MERKLE_HASH, out);
}

/* The largest power of 2 below n (n > 1). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

static bool power_of_two(uint64_t n)
{
	return n && (n & (n - 1)) == 0;
}

/* MTH(D[a:b]), b > a. */
static int range(jpki_merkle_node_fn fn, void *arg, uint64_t a, uint64_t b, jpki_merkle_hash out,
                 struct jpki_err *err)
{
	uint64_t n = b - a;
	if (power_of_two(n) && a % n == 0) {
		unsigned level = 0;
		while ((UINT64_C(1) << level) < n)
			level++;
		return fn(arg, level, a >> level, out, err);
	}
	jpki_merkle_hash l, r;
	uint64_t k = split(n);
	int rc = range(fn, arg, a, a + k, l, err);
	if (rc == 0)
		rc = range(fn, arg, a + k, b, r, err);
	if (rc == 0)
		jpki_merkle_node(l, r, out);
	return rc;
}

int jpki_merkle_root(jpki_merkle_node_fn fn, void *arg, uint64_t n, jpki_merkle_hash out,
                     struct jpki_err *err)
{
	if (n == 0) {
		sha256_parts("", 0, NULL, 0, NULL, 0, out);
		return 0;
	}
	return range(fn, arg, 0, n, out, err);
}

static int push(jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len, struct jpki_err *err)
{
	return *len < JPKI_MERKLE_PROOF_MAX ? 0 : jpki_fail(err, JPKI_E_LIMIT, "a proof too long");
}

/* PATH(m - a, D[a:b]), appended to proof (deepest first). */
static int path(jpki_merkle_node_fn fn, void *arg, uint64_t m, uint64_t a, uint64_t b,
                jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len, struct jpki_err *err)
{
	if (b - a == 1)
		return 0;
	uint64_t k = split(b - a);
	int rc = m < a + k ? path(fn, arg, m, a, a + k, proof, len, err)
	                   : path(fn, arg, m, a + k, b, proof, len, err);
	if (rc == 0)
		rc = push(proof, len, err);
	if (rc == 0)
		rc = m < a + k ? range(fn, arg, a + k, b, proof[*len], err)
		               : range(fn, arg, a, a + k, proof[*len], err);
	if (rc == 0)
		(*len)++;
	return rc;
}

int jpki_merkle_inclusion(jpki_merkle_node_fn fn, void *arg, uint64_t m, uint64_t n,
                          jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len,
                          struct jpki_err *err)
{
	*len = 0;
	if (m >= n)
		return jpki_fail(err, JPKI_E_INVALID, "leaf %llu is not in a tree of %llu",
		                 (unsigned long long)m, (unsigned long long)n);
	return path(fn, arg, m, 0, n, proof, len, err);
}

/* SUBPROOF(m - a, D[a:b], whole), appended to proof. */
static int subproof(jpki_merkle_node_fn fn, void *arg, uint64_t m, uint64_t a, uint64_t b,
                    bool whole, jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len,
                    struct jpki_err *err)
{
	int rc;
	if (m == b) {
		if (whole)
			return 0;
		if ((rc = push(proof, len, err)) == 0 &&
		    (rc = range(fn, arg, a, b, proof[*len], err)) == 0)
			(*len)++;
		return rc;
	}
	uint64_t k = split(b - a);
	rc = m <= a + k ? subproof(fn, arg, m, a, a + k, whole, proof, len, err)
	                : subproof(fn, arg, m, a + k, b, false, proof, len, err);
	if (rc == 0)
		rc = push(proof, len, err);
	if (rc == 0)
		rc = m <= a + k ? range(fn, arg, a + k, b, proof[*len], err)
		                : range(fn, arg, a, a + k, proof[*len], err);
	if (rc == 0)
		(*len)++;
	return rc;
}

int jpki_merkle_consistency(jpki_merkle_node_fn fn, void *arg, uint64_t m, uint64_t n,
                            jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], size_t *len,
                            struct jpki_err *err)
{
	*len = 0;
	if (m == 0 || m > n)
		return jpki_fail(err, JPKI_E_INVALID, "no consistency proof of %llu in %llu",
		                 (unsigned long long)m, (unsigned long long)n);
	return subproof(fn, arg, m, 0, n, true, proof, len, err);
}

static bool same(const jpki_merkle_hash a, const jpki_merkle_hash b)
{
	return CRYPTO_memcmp(a, b, JPKI_MERKLE_HASH) == 0;
}

bool jpki_merkle_verify_inclusion(uint64_t m, uint64_t n, const jpki_merkle_hash leaf,
                                  const jpki_merkle_hash *proof, size_t len,
                                  const jpki_merkle_hash root)
{
	if (m >= n)
		return false;
	uint64_t fn = m, sn = n - 1;
	jpki_merkle_hash r;
	memcpy(r, leaf, JPKI_MERKLE_HASH);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			jpki_merkle_node(proof[i], r, r);
			while (!(fn & 1) && fn != 0)
				fn >>= 1, sn >>= 1;
		} else {
			jpki_merkle_node(r, proof[i], r);
		}
		fn >>= 1, sn >>= 1;
	}
	return sn == 0 && same(r, root);
}

bool jpki_merkle_verify_consistency(uint64_t m, uint64_t n, const jpki_merkle_hash root_m,
                                    const jpki_merkle_hash root_n, const jpki_merkle_hash *proof,
                                    size_t len)
{
	if (m == 0 || m > n)
		return false;
	if (m == n) /* the same tree: no proof, the same root */
		return len == 0 && same(root_m, root_n);
	if (len == 0)
		return false;
	size_t i = 0;
	jpki_merkle_hash fr, sr;
	if (power_of_two(m)) { /* the RFC's step 2: root_m is the path's first value */
		memcpy(fr, root_m, JPKI_MERKLE_HASH);
	} else {
		memcpy(fr, proof[0], JPKI_MERKLE_HASH);
		i = 1;
	}
	memcpy(sr, fr, JPKI_MERKLE_HASH);
	uint64_t fn = m - 1, sn = n - 1;
	while (fn & 1)
		fn >>= 1, sn >>= 1;
	for (; i < len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			jpki_merkle_node(proof[i], fr, fr);
			jpki_merkle_node(proof[i], sr, sr);
			while (!(fn & 1) && fn != 0)
				fn >>= 1, sn >>= 1;
		} else {
			jpki_merkle_node(sr, proof[i], sr);
		}
		fn >>= 1, sn >>= 1;
	}
	return sn == 0 && same(fr, root_m) && same(sr, root_n);
}
