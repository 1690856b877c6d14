/*
 * checkpoint.c: C2SP checkpoints in signed notes, Ed25519 (checkpoint.h).
 * Notes from outside are read with a cap and line by line: exactly the
 * three lines of a checkpoint (no extension lines), a blank line, then
 * signature lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "checkpoint.h"
#include "core/base64.h"
#include "core/hex.h"
#include "core/ossl.h"

#define ED25519_TYPE 0x01
#define SIG_PREFIX "\xe2\x80\x94 " /* an em dash and a space */

bool jpki_note_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > JPKI_NOTE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] > '~' || name[i] == '+')
			return false;
	return true;
}

/* The first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key). */
static int key_id(const char *name, const uint8_t pub[32], uint8_t id[4], struct jpki_err *err)
{
	uint8_t buf[JPKI_NOTE_NAME_MAX + 2 + 32], md[32];
	size_t n = strlen(name);
	unsigned int mdlen = sizeof(md);
	memcpy(buf, name, n);
	buf[n] = 0x0A;
	buf[n + 1] = ED25519_TYPE;
	memcpy(buf + n + 2, pub, 32);
	if (EVP_Digest(buf, n + 34, md, &mdlen, EVP_sha256(), NULL) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "SHA-256");
	memcpy(id, md, 4);
	return 0;
}

static int raw_public(EVP_PKEY *key, uint8_t pub[32], struct jpki_err *err)
{
	size_t len = 32;
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 || len != 32)
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY, "not an Ed25519 key");
	return 0;
}

static int body(const struct jpki_checkpoint *c, char out[JPKI_CHECKPOINT_MAX],
                struct jpki_err *err)
{
	char *root = jpki_base64_encode(c->root, JPKI_MERKLE_HASH);
	if (!root)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	int n =
	    snprintf(out, JPKI_CHECKPOINT_MAX, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, root);
	free(root);
	return n > 0 && n < JPKI_CHECKPOINT_MAX ? n : jpki_fail(err, JPKI_E_LIMIT, "too long");
}

int jpki_checkpoint_sign(const struct jpki_checkpoint *c, const char *name, EVP_PKEY *key,
                         char **note, struct jpki_err *err)
{
	char text[JPKI_CHECKPOINT_MAX];
	uint8_t pub[32], sig[4 + 64];
	size_t sig_len = 64;
	if (!jpki_note_name_ok(name) || !jpki_note_name_ok(c->origin))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a key name and an origin are 1 to %d printable "
		                 "characters, no space or '+'",
		                 JPKI_NOTE_NAME_MAX);
	int n = body(c, text, err);
	if (n < 0)
		return n;
	int rc = raw_public(key, pub, err);
	if (rc == 0)
		rc = key_id(name, pub, sig, err);
	_cleanup_(EVP_MD_CTXp) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (rc == 0 &&
	    (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	     EVP_DigestSign(ctx, sig + 4, &sig_len, (const uint8_t *)text, (size_t)n) != 1 ||
	     sig_len != 64))
		rc = jpki_fail_ossl(err, JPKI_E_CRYPTO, "Ed25519 signature");
	if (rc < 0)
		return rc;
	char *b64 = jpki_base64_encode(sig, sizeof(sig));
	size_t cap = (size_t)n + strlen(name) + (b64 ? strlen(b64) : 0) + 16;
	if (!b64 || !(*note = malloc(cap))) {
		free(b64);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	snprintf(*note, cap, "%s\n" SIG_PREFIX "%s %s\n", text, name, b64);
	free(b64);
	return 0;
}

int jpki_note_vkey(const char *name, EVP_PKEY *key, char **vkey, struct jpki_err *err)
{
	uint8_t pub[33], id[4];
	char hex[9];
	if (!jpki_note_name_ok(name))
		return jpki_fail(err, JPKI_E_INVALID, "a bad key name");
	pub[0] = ED25519_TYPE;
	int rc = raw_public(key, pub + 1, err);
	if (rc == 0)
		rc = key_id(name, pub + 1, id, err);
	if (rc < 0)
		return rc;
	jpki_hex_encode(id, 4, hex);
	for (char *p = hex; *p; p++) /* lower case, as note verifiers write it */
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	char *b64 = jpki_base64_encode(pub, sizeof(pub));
	size_t cap = strlen(name) + 9 + (b64 ? strlen(b64) : 0) + 3;
	if (!b64 || !(*vkey = malloc(cap))) {
		free(b64);
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	}
	snprintf(*vkey, cap, "%s+%s+%s", name, hex, b64);
	free(b64);
	return 0;
}

struct vkey {
	char name[JPKI_NOTE_NAME_MAX + 1];
	uint8_t id[4];
	uint8_t pub[32];
};

static int parse_vkey(const char *s, struct vkey *k, struct jpki_err *err)
{
	const char *p1 = strchr(s, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	uint8_t *raw = NULL, id[4];
	size_t raw_len = 0;
	if (!p1 || !p2 || (size_t)(p1 - s) > JPKI_NOTE_NAME_MAX || p2 - p1 != 9)
		return jpki_fail(err, JPKI_E_INVALID, "a verifier key is NAME+ID+KEY");
	memcpy(k->name, s, (size_t)(p1 - s));
	k->name[p1 - s] = '\0';
	for (int i = 0; i < 4; i++) {
		unsigned v;
		if (sscanf(p1 + 1 + 2 * i, "%2x", &v) != 1)
			return jpki_fail(err, JPKI_E_INVALID, "the verifier key's ID is not hex");
		k->id[i] = (uint8_t)v;
	}
	if (!jpki_note_name_ok(k->name) ||
	    jpki_base64_decode(p2 + 1, strlen(p2 + 1), false, &raw, &raw_len) < 0 ||
	    raw_len != 33 || raw[0] != ED25519_TYPE) {
		free(raw);
		return jpki_fail(err, JPKI_E_INVALID, "not an Ed25519 verifier key");
	}
	memcpy(k->pub, raw + 1, 32);
	free(raw);
	int rc = key_id(k->name, k->pub, id, err);
	if (rc == 0 && memcmp(id, k->id, 4) != 0)
		rc = jpki_fail(err, JPKI_E_INVALID, "the verifier key's ID does not match its key");
	return rc;
}

/* A decimal of no leading zeros, at most 2^63 - 1. */
static bool parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 19 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return v <= INT64_MAX;
}

/* The three lines of a checkpoint's text (text ends with its newline). */
static int parse_body(const char *text, size_t len, struct jpki_checkpoint *c, struct jpki_err *err)
{
	const char *l1 = memchr(text, '\n', len);
	const char *l2 = l1 ? memchr(l1 + 1, '\n', len - (size_t)(l1 + 1 - text)) : NULL;
	const char *l3 = l2 ? memchr(l2 + 1, '\n', len - (size_t)(l2 + 1 - text)) : NULL;
	uint8_t *root = NULL;
	size_t root_len = 0;
	if (!l3 || l3 + 1 != text + len)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a checkpoint is three lines: origin, size, root");
	size_t ol = (size_t)(l1 - text);
	if (ol == 0 || ol > JPKI_NOTE_NAME_MAX)
		return jpki_fail(err, JPKI_E_INVALID, "the checkpoint's origin is 1 to %d bytes",
		                 JPKI_NOTE_NAME_MAX);
	memcpy(c->origin, text, ol);
	c->origin[ol] = '\0';
	if (!jpki_note_name_ok(c->origin))
		return jpki_fail(err, JPKI_E_INVALID, "the checkpoint's origin is not printable");
	if (!parse_size(l1 + 1, (size_t)(l2 - l1 - 1), &c->size))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the checkpoint's size is not a decimal number");
	if (jpki_base64_decode(l2 + 1, (size_t)(l3 - l2 - 1), false, &root, &root_len) < 0 ||
	    root_len != JPKI_MERKLE_HASH) {
		free(root);
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the checkpoint's root is not 32 bytes of base64");
	}
	memcpy(c->root, root, JPKI_MERKLE_HASH);
	free(root);
	return 0;
}

static bool verify_ed25519(const uint8_t pub[32], const uint8_t sig[64], const char *text,
                           size_t len)
{
	_cleanup_(EVP_PKEYp) EVP_PKEY *k =
	    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	_cleanup_(EVP_MD_CTXp) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	          EVP_DigestVerify(ctx, sig, 64, (const uint8_t *)text, len) == 1;
	ERR_clear_error();
	return ok;
}

/* Whether one of the signature lines in [p, end) is a good signature of k over text. */
static int find_signature(const char *p, const char *end, const struct vkey *k, const char *text,
                          size_t text_len, struct jpki_err *err)
{
	size_t nl = strlen(k->name), pl = strlen(SIG_PREFIX);
	int lines = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol || (size_t)(eol - p) < pl || memcmp(p, SIG_PREFIX, pl) != 0)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "a signature line is '— NAME SIGNATURE'");
		const char *name = p + pl, *sp = memchr(name, ' ', (size_t)(eol - name));
		if (!sp)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "a signature line is '— NAME SIGNATURE'");
		lines++;
		uint8_t *sig = NULL;
		size_t sig_len = 0;
		if ((size_t)(sp - name) == nl && memcmp(name, k->name, nl) == 0 &&
		    jpki_base64_decode(sp + 1, (size_t)(eol - sp - 1), false, &sig, &sig_len) ==
		        0 &&
		    sig_len == 68 && memcmp(sig, k->id, 4) == 0) {
			bool ok = verify_ed25519(k->pub, sig + 4, text, text_len);
			free(sig);
			return ok ? 0
			          : jpki_fail(err, JPKI_E_INVALID,
			                      "the signature of %s does not verify", k->name);
		}
		free(sig);
		p = eol + 1;
	}
	return jpki_fail(err, JPKI_E_INVALID,
	                 lines ? "no signature of %s on the checkpoint"
	                       : "the checkpoint is not signed",
	                 k->name);
}

int jpki_checkpoint_open(const char *note, size_t len, const char *vkey,
                         struct jpki_checkpoint *out, struct jpki_err *err)
{
	struct vkey k;
	int rc = parse_vkey(vkey, &k, err);
	if (rc < 0)
		return rc;
	if (len > JPKI_CHECKPOINT_MAX || memchr(note, '\0', len))
		return jpki_fail(err, JPKI_E_INVALID, "a checkpoint is at most %d bytes of text",
		                 JPKI_CHECKPOINT_MAX);
	const char *blank = NULL;
	for (size_t i = 0; i + 1 < len && !blank; i++)
		if (note[i] == '\n' && note[i + 1] == '\n')
			blank = note + i;
	if (!blank || note[len - 1] != '\n')
		return jpki_fail(err, JPKI_E_INVALID,
		                 "a signed note is text, a blank line, signatures");
	size_t text_len = (size_t)(blank - note) + 1;
	struct jpki_checkpoint c;
	if ((rc = parse_body(note, text_len, &c, err)) < 0 ||
	    (rc = find_signature(blank + 2, note + len, &k, note, text_len, err)) < 0)
		return rc;
	*out = c;
	return 0;
}
