/*
 * keys.c: the issuer master key file and HKDF derivations of card keys.
 *
 * The master key is the root of every card's confidentiality: whoever holds
 * it and a card image holds that card's private keys (docs/card.md
 * "Threat model").  It is created once with the CSPRNG and never printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "core/fsutil.h"
#include "keys.h"

static const char *const labels[] = {
    [JPKI_KEY_IMAGE] = "jpki card image key v1",
    [JPKI_KEY_PIN] = "jpki card pin key v1",
    [JPKI_KEY_ISSUER] = "jpki card issuer key v1",
    [JPKI_KEY_FORM] = "jpki counter form key v1",
};

/* The context's issuer key file, or <data>/card/issuer.key. */
static bool own_file(const struct jpki_ctx *ctx)
{
	return jpki_ctx_issuer_key_file(ctx)[0] != '\0';
}

static int master_path(const struct jpki_ctx *ctx, char *buf, size_t n, struct jpki_err *err)
{
	if (own_file(ctx)) {
		const char *f = jpki_ctx_issuer_key_file(ctx);
		if (strlen(f) >= n)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "the issuer key file name is too long");
		memcpy(buf, f, strlen(f) + 1);
		return 0;
	}
	return jpki_data_path(ctx, buf, n, "card/issuer.key", err);
}

static int master_create(const struct jpki_ctx *ctx, const char *path,
                         uint8_t out[JPKI_CARD_KEY_LEN], struct jpki_err *err)
{
	char dir[4096];
	int rc = jpki_data_path(ctx, dir, sizeof(dir), "card", err);
	if (rc == 0 && !own_file(ctx))
		rc = jpki_mkdir_p(dir, err);
	if (rc < 0)
		return rc;
	if (RAND_priv_bytes(out, JPKI_CARD_KEY_LEN) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot make an issuer master key");
	return jpki_write_file_atomic(path, out, JPKI_CARD_KEY_LEN, 0600, err);
}

int jpki_issuer_master_load(const struct jpki_ctx *ctx, uint8_t out[JPKI_CARD_KEY_LEN], bool create,
                            struct jpki_err *err)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = master_path(ctx, path, sizeof(path), err);
	if (rc < 0)
		return rc;
	rc = jpki_read_file(path, JPKI_CARD_KEY_LEN, &buf, &len, err);
	if (rc == -JPKI_E_NOT_FOUND && create && !own_file(ctx))
		return master_create(ctx, path, out, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_fail(err, JPKI_E_NOT_FOUND,
		                 "no issuer master key at %s (set JPKI_ISSUER_KEY_FILE, or run "
		                 "`jpki card new` once to create one)",
		                 path);
	if (rc == -JPKI_E_LIMIT || (rc == 0 && len != JPKI_CARD_KEY_LEN)) {
		OPENSSL_clear_free(buf, JPKI_CARD_KEY_LEN + 1);
		return jpki_fail(err, JPKI_E_INVALID, "%s must hold exactly %d bytes", path,
		                 JPKI_CARD_KEY_LEN);
	}
	if (rc < 0)
		return rc;
	memcpy(out, buf, JPKI_CARD_KEY_LEN);
	OPENSSL_clear_free(buf, JPKI_CARD_KEY_LEN + 1);
	return 0;
}

int jpki_card_derive(const uint8_t master[JPKI_CARD_KEY_LEN],
                     const uint8_t serial[JPKI_CHIP_SERIAL_LEN], enum jpki_card_key_use use,
                     uint8_t out[JPKI_CARD_KEY_LEN], struct jpki_err *err)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	if (!ctx)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "HKDF is not available");
	const char *label = labels[use];
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master,
	                                      JPKI_CARD_KEY_LEN),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)serial,
	                                      JPKI_CHIP_SERIAL_LEN),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)label, strlen(label)),
	    OSSL_PARAM_construct_end(),
	};
	int ok = EVP_KDF_derive(ctx, out, JPKI_CARD_KEY_LEN, params) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? 0 : jpki_fail_ossl(err, JPKI_E_CRYPTO, "HKDF failed");
}

int jpki_hmac2(const uint8_t key[JPKI_CARD_KEY_LEN], const uint8_t *a, size_t alen,
               const uint8_t *b, size_t blen, uint8_t out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	if (!ctx)
		return -1;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	size_t n = 0;
	int ok = EVP_MAC_init(ctx, key, JPKI_CARD_KEY_LEN, params) == 1 &&
	         EVP_MAC_update(ctx, a, alen) == 1 && EVP_MAC_update(ctx, b, blen) == 1 &&
	         EVP_MAC_final(ctx, out, &n, 32) == 1 && n == 32;
	EVP_MAC_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : -1;
}

int jpki_issuer_response(const uint8_t k_issuer[JPKI_CARD_KEY_LEN],
                         const uint8_t serial[JPKI_CHIP_SERIAL_LEN],
                         const uint8_t challenge[JPKI_CHALLENGE_LEN], uint8_t out[32])
{
	/* bind the answer to this card and this purpose, not just the nonce */
	uint8_t msg[16 + JPKI_CHIP_SERIAL_LEN + JPKI_CHALLENGE_LEN];
	memcpy(msg, "jpki issuer auth", 16);
	memcpy(msg + 16, serial, JPKI_CHIP_SERIAL_LEN);
	memcpy(msg + 16 + JPKI_CHIP_SERIAL_LEN, challenge, JPKI_CHALLENGE_LEN);
	return jpki_hmac2(k_issuer, msg, sizeof(msg), NULL, 0, out);
}
