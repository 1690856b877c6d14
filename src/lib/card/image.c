/*
 * image.c: the card image file (format in image.h and docs/card.md).
 *
 * Why AES-256-GCM under a key derived from the issuer master key: the image
 * holds two private keys and the PIN hashes; a copy of the file alone must
 * give neither, and a changed byte (a hand-edited retry counter) must make
 * the card refuse to load rather than run on forged state.  What this
 * cannot prevent, a copy of an older image put back (a rollback of the
 * retry counters), is said plainly in docs/card.md "Threat model".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/cursor.h"
#include "core/fsutil.h"
#include "core/writer.h"
#include "image.h"
#include "keys.h"

static const uint8_t magic[8] = {'J', 'P', 'K', 'I', 'C', 'A', 'R', 'D'};

enum {
	TAG_KIND = 0x01,
	TAG_NUMBER = 0x02,
	TAG_EXPIRY = 0x03,
	TAG_PIN = 0x10,  /* + pin id: tries (1) | hash (32) */
	TAG_KEY = 0x20,  /* + key id: PKCS#8 PrivateKeyInfo DER */
	TAG_FILE = 0x30, /* + file index: content */
};

/* ---- the card object -------------------------------------------------------- */

int jpki_card_new(const uint8_t master[JPKI_CARD_KEY_LEN],
                  const uint8_t serial[JPKI_CHIP_SERIAL_LEN], struct jpki_card **ret,
                  struct jpki_err *err)
{
	struct jpki_card *c = OPENSSL_zalloc(sizeof(*c));
	if (!c)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	memcpy(c->serial, serial, JPKI_CHIP_SERIAL_LEN);
	c->pin[JPKI_PIN_AUTH].max = JPKI_AUTH_PIN_TRIES;
	c->pin[JPKI_PIN_SIGN].max = JPKI_SIGN_PIN_TRIES;
	c->pin[JPKI_PIN_FACE].max = JPKI_FACE_PIN_TRIES;
	int rc = jpki_card_derive(master, serial, JPKI_KEY_IMAGE, c->k_image, err);
	if (rc == 0)
		rc = jpki_card_derive(master, serial, JPKI_KEY_PIN, c->k_pin, err);
	if (rc == 0)
		rc = jpki_card_derive(master, serial, JPKI_KEY_ISSUER, c->k_issuer, err);
	if (rc < 0) {
		jpki_card_free(c);
		return rc;
	}
	*ret = c;
	return 0;
}

void jpki_card_free(struct jpki_card *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++)
		EVP_PKEY_free(c->key[i]);
	for (int i = 0; i < JPKI_FILE_COUNT; i++)
		OPENSSL_clear_free(c->file[i].data, c->file[i].data ? JPKI_CARD_FILE_MAX : 0);
	OPENSSL_clear_free(c, sizeof(*c));
}

/* ---- body: tag (1) | length (2, big-endian) | value ------------------------- */

/* One record: tag, then the length of v1 and v2 together, then both (core/writer.h). */
static void put(struct jpki_wr *w, uint8_t tag, const void *v1, size_t n1, const void *v2,
                size_t n2)
{
	if (n1 + n2 > 0xFFFF) { /* a failed writer is thrown away whole */
		w->failed = true;
		return;
	}
	jpki_wr_u8(w, tag);
	jpki_wr_be16(w, (uint16_t)(n1 + n2));
	jpki_wr_put(w, v1, n1);
	jpki_wr_put(w, v2, n2);
}

static void put_key(struct jpki_wr *w, uint8_t tag, EVP_PKEY *key)
{
	uint8_t *der = NULL;
	int n = i2d_PrivateKey(key, &der);
	if (n <= 0) {
		ERR_clear_error();
		w->failed = true;
		return;
	}
	put(w, tag, der, (size_t)n, NULL, 0);
	OPENSSL_clear_free(der, (size_t)n);
}

int jpki_card_body_encode(const struct jpki_card *c, uint8_t **ret, size_t *ret_len,
                          struct jpki_err *err)
{
	struct jpki_wr w = jpki_wr_make(OPENSSL_secure_zalloc(JPKI_IMAGE_MAX), JPKI_IMAGE_MAX);
	if (!w.p)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (c->kind != JPKI_CARD_KIND_NONE) {
		uint8_t k = (uint8_t)c->kind;
		put(&w, TAG_KIND, &k, 1, NULL, 0);
	}
	if (c->number[0])
		put(&w, TAG_NUMBER, c->number, strlen(c->number), NULL, 0);
	if (c->has_expiry) {
		uint8_t e[4] = {(uint8_t)(c->expiry.y >> 8), (uint8_t)c->expiry.y,
		                (uint8_t)c->expiry.m, (uint8_t)c->expiry.d};
		put(&w, TAG_EXPIRY, e, 4, NULL, 0);
	}
	for (int i = 0; i < JPKI_PIN_COUNT; i++)
		if (c->pin[i].set)
			put(&w, (uint8_t)(TAG_PIN + i), &c->pin[i].tries, 1, c->pin[i].hash, 32);
	for (int i = 0; i < 2; i++)
		if (c->key[i])
			put_key(&w, (uint8_t)(TAG_KEY + i), c->key[i]);
	for (int i = 0; i < JPKI_FILE_COUNT; i++)
		if (c->file[i].len)
			put(&w, (uint8_t)(TAG_FILE + i), c->file[i].data, c->file[i].len, NULL, 0);
	if (w.failed) {
		OPENSSL_secure_clear_free(w.p, w.cap);
		return jpki_fail(err, JPKI_E_LIMIT, "the card's state does not fit an image");
	}
	/* hand out an ordinary buffer of the exact size */
	uint8_t *out = OPENSSL_malloc(w.len ? w.len : 1);
	if (out)
		memcpy(out, w.p, w.len);
	OPENSSL_secure_clear_free(w.p, w.cap);
	if (!out)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	*ret = out;
	*ret_len = w.len;
	return 0;
}

static int decode_key(struct jpki_card *c, int id, const uint8_t *v, size_t n, struct jpki_err *err)
{
	const uint8_t *p = v;
	EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, (long)n);
	if (!key || p != v + n || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(key) != 2048) {
		EVP_PKEY_free(key);
		return jpki_fail_ossl(err, JPKI_E_INVALID, "card image: bad private key %d", id);
	}
	c->key[id] = key;
	return 0;
}

static int decode_one(struct jpki_card *c, uint8_t tag, const uint8_t *v, size_t n,
                      struct jpki_err *err)
{
	if (tag == TAG_KIND && n == 1 &&
	    (v[0] == JPKI_CARD_KIND_MYNUMBER || v[0] == JPKI_CARD_KIND_JUKI)) {
		c->kind = (enum jpki_card_kind)v[0];
		return 0;
	}
	if (tag == TAG_NUMBER && n >= 1 && n <= JPKI_CARD_NUMBER_MAX && !memchr(v, 0, n)) {
		memcpy(c->number, v, n);
		c->number[n] = '\0';
		return 0;
	}
	if (tag == TAG_EXPIRY && n == 4) {
		struct jpki_date d = {v[0] << 8 | v[1], v[2], v[3]};
		if (!jpki_date_valid(d))
			return jpki_fail(err, JPKI_E_INVALID, "card image: bad expiry");
		c->has_expiry = true;
		c->expiry = d;
		return 0;
	}
	if (tag >= TAG_PIN && tag < TAG_PIN + JPKI_PIN_COUNT && n == 33 &&
	    v[0] <= c->pin[tag - TAG_PIN].max) {
		struct jpki_card_pin *p = &c->pin[tag - TAG_PIN];
		p->set = true;
		p->tries = v[0];
		memcpy(p->hash, v + 1, 32);
		return 0;
	}
	if (tag == TAG_KEY || tag == TAG_KEY + 1)
		return decode_key(c, tag - TAG_KEY, v, n, err);
	if (tag >= TAG_FILE && tag < TAG_FILE + JPKI_FILE_COUNT && n >= 1 &&
	    n <= JPKI_CARD_FILE_MAX) {
		struct jpki_card_file *f = &c->file[tag - TAG_FILE];
		if (!(f->data = OPENSSL_zalloc(JPKI_CARD_FILE_MAX)))
			return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
		memcpy(f->data, v, n);
		f->len = n;
		return 0;
	}
	return jpki_fail(err, JPKI_E_INVALID, "card image: bad record %02X (%zu bytes)", tag, n);
}

int jpki_card_body_decode(struct jpki_card *c, const uint8_t *buf, size_t len, struct jpki_err *err)
{
	struct jpki_cur cur = jpki_cur_make(buf, len);
	uint64_t seen = 0;
	while (!jpki_cur_done(&cur)) {
		uint8_t tag, hi, lo;
		const uint8_t *v;
		if (!jpki_cur_u8(&cur, &tag) || !jpki_cur_u8(&cur, &hi) ||
		    !jpki_cur_u8(&cur, &lo) || !jpki_cur_take(&cur, (size_t)(hi << 8 | lo), &v))
			return jpki_fail(err, JPKI_E_INVALID, "card image: truncated record");
		if (tag >= 64 || (seen & (1ull << tag)))
			return jpki_fail(err, JPKI_E_INVALID,
			                 "card image: record %02X twice or "
			                 "unknown",
			                 tag);
		seen |= 1ull << tag;
		int rc = decode_one(c, tag, v, (size_t)(hi << 8 | lo), err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- sealing ------------------------------------------------------------------- */

static void put_header(uint8_t h[JPKI_IMAGE_HEADER_LEN], const uint8_t *serial,
                       const uint8_t nonce[12], size_t body_len)
{
	memcpy(h, magic, 8);
	h[8] = 0;
	h[9] = JPKI_IMAGE_VERSION;
	memcpy(h + 10, serial, JPKI_CHIP_SERIAL_LEN);
	memcpy(h + 18, nonce, 12);
	h[30] = (uint8_t)(body_len >> 24);
	h[31] = (uint8_t)(body_len >> 16);
	h[32] = (uint8_t)(body_len >> 8);
	h[33] = (uint8_t)body_len;
}

/* AES-256-GCM one shot; enc selects the direction; tag is read or written. */
static bool gcm(int enc, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
                size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;
	bool ok = ctx && EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), key, nonce, enc, NULL) == 1 &&
	          EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
	          (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1) &&
	          (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1) &&
	          EVP_CipherFinal_ex(ctx, out + (len ? n : 0), &fin) == 1 &&
	          (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int jpki_card_image_seal(const struct jpki_card *c, uint8_t **ret, size_t *ret_len,
                         struct jpki_err *err)
{
	uint8_t *body = NULL, nonce[12];
	size_t body_len = 0;
	int rc = jpki_card_body_encode(c, &body, &body_len, err);
	if (rc < 0)
		return rc;
	size_t total = JPKI_IMAGE_HEADER_LEN + body_len + JPKI_IMAGE_TAG_LEN;
	uint8_t *img = malloc(total);
	/* a fresh random nonce per write: 2^-48 collision risk after 2^24 writes of one card */
	if (!img || RAND_bytes(nonce, sizeof(nonce)) != 1) {
		free(img);
		OPENSSL_clear_free(body, body_len);
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot seal the card image");
	}
	put_header(img, c->serial, nonce, body_len);
	bool ok = gcm(1, c->k_image, nonce, img, JPKI_IMAGE_HEADER_LEN, body, body_len,
	              img + JPKI_IMAGE_HEADER_LEN, img + JPKI_IMAGE_HEADER_LEN + body_len);
	OPENSSL_clear_free(body, body_len);
	if (!ok) {
		free(img);
		return jpki_fail(err, JPKI_E_CRYPTO, "cannot encrypt the card image");
	}
	*ret = img;
	*ret_len = total;
	return 0;
}

int jpki_card_image_unseal(const uint8_t master[JPKI_CARD_KEY_LEN], const uint8_t *buf, size_t len,
                           struct jpki_card **ret, struct jpki_err *err)
{
	struct jpki_cur cur = jpki_cur_make(buf, len);
	const uint8_t *m, *serial, *nonce, *ct, *tag;
	uint8_t vh = 0, vl = 0, l[4];
	if (!jpki_cur_take(&cur, 8, &m) || memcmp(m, magic, 8) != 0)
		return jpki_fail(err, JPKI_E_INVALID, "not a jpki card image");
	if (!jpki_cur_u8(&cur, &vh) || !jpki_cur_u8(&cur, &vl) ||
	    (vh << 8 | vl) != JPKI_IMAGE_VERSION)
		return jpki_fail(err, JPKI_E_INVALID, "card image version %d is not supported",
		                 vh << 8 | vl);
	if (!jpki_cur_take(&cur, JPKI_CHIP_SERIAL_LEN, &serial) || !jpki_cur_take(&cur, 12, &nonce))
		return jpki_fail(err, JPKI_E_INVALID, "card image: truncated header");
	for (int i = 0; i < 4; i++)
		if (!jpki_cur_u8(&cur, &l[i]))
			return jpki_fail(err, JPKI_E_INVALID, "card image: truncated header");
	size_t body_len = (size_t)l[0] << 24 | (size_t)l[1] << 16 | (size_t)l[2] << 8 | l[3];
	if (body_len > JPKI_IMAGE_MAX || !jpki_cur_take(&cur, body_len, &ct) ||
	    !jpki_cur_take(&cur, JPKI_IMAGE_TAG_LEN, &tag) || !jpki_cur_done(&cur))
		return jpki_fail(err, JPKI_E_INVALID, "card image: wrong length");
	struct jpki_card *c = NULL;
	int rc = jpki_card_new(master, serial, &c, err);
	if (rc < 0)
		return rc;
	uint8_t *body = OPENSSL_malloc(body_len ? body_len : 1), tagc[16];
	memcpy(tagc, tag, 16);
	if (!body ||
	    !gcm(0, c->k_image, nonce, buf, JPKI_IMAGE_HEADER_LEN, ct, body_len, body, tagc)) {
		OPENSSL_free(body);
		jpki_card_free(c);
		return jpki_fail(err, JPKI_E_INVALID,
		                 "card image does not authenticate: damaged, or sealed under "
		                 "another issuer master key");
	}
	rc = jpki_card_body_decode(c, body, body_len, err);
	OPENSSL_clear_free(body, body_len);
	if (rc < 0) {
		jpki_card_free(c);
		return rc;
	}
	*ret = c;
	return 0;
}

/* ---- files ------------------------------------------------------------------------ */

static int commit_file(const struct jpki_card *c, void *arg)
{
	struct jpki_card_file_handle *h = arg;
	uint8_t *img = NULL;
	size_t len = 0;
	int rc = jpki_card_image_seal(c, &img, &len, &h->commit_err);
	if (rc == 0)
		rc = jpki_write_file_atomic(h->path, img, len, 0600, &h->commit_err);
	free(img);
	return rc;
}

static int lock_image(const char *path, int *ret_fd, struct jpki_err *err)
{
	char lock[4096 + 8];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return jpki_fail(err, JPKI_E_IO, "cannot open %s: %s", lock, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		return jpki_fail(err, e == EWOULDBLOCK ? JPKI_E_STATE : JPKI_E_IO,
		                 "card image %s is in use by another process (%s)", path,
		                 strerror(e));
	}
	*ret_fd = fd;
	return 0;
}

int jpki_card_image_create(const struct jpki_ctx *ctx, const char *path,
                           uint8_t ret_serial[JPKI_CHIP_SERIAL_LEN], struct jpki_err *err)
{
	uint8_t master[JPKI_CARD_KEY_LEN], serial[JPKI_CHIP_SERIAL_LEN];
	struct jpki_card_file_handle h = {.lock_fd = -1};
	if (strlen(path) >= sizeof(h.path))
		return jpki_fail(err, JPKI_E_INVALID, "path too long: %s", path);
	if (jpki_path_exists(path))
		return jpki_fail(err, JPKI_E_EXISTS, "%s exists already", path);
	int rc = jpki_issuer_master_load(ctx, master, true, err);
	if (rc < 0)
		return rc;
	if (RAND_bytes(serial, sizeof(serial)) != 1) {
		OPENSSL_cleanse(master, sizeof(master));
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random chip serial");
	}
	rc = jpki_card_new(master, serial, &h.card, err);
	OPENSSL_cleanse(master, sizeof(master));
	if (rc == 0)
		rc = lock_image(path, &h.lock_fd, err);
	memcpy(h.path, path, strlen(path) + 1);
	if (rc == 0 && commit_file(h.card, &h) < 0)
		rc = jpki_fail(err, h.commit_err.code, "%s", h.commit_err.msg);
	if (rc == 0)
		memcpy(ret_serial, serial, sizeof(serial));
	if (h.lock_fd >= 0)
		close(h.lock_fd);
	jpki_card_free(h.card);
	return rc;
}

int jpki_card_image_open(const struct jpki_ctx *ctx, const char *path,
                         struct jpki_card_file_handle **ret, struct jpki_err *err)
{
	uint8_t master[JPKI_CARD_KEY_LEN], *buf = NULL;
	size_t len = 0;
	if (strlen(path) >= sizeof(((struct jpki_card_file_handle *)0)->path))
		return jpki_fail(err, JPKI_E_INVALID, "path too long: %s", path);
	struct jpki_card_file_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	h->lock_fd = -1;
	memcpy(h->path, path, strlen(path) + 1);
	int rc = lock_image(path, &h->lock_fd, err);
	if (rc == 0)
		rc = jpki_read_file(path, JPKI_IMAGE_MAX * 2, &buf, &len, err);
	if (rc == 0)
		rc = jpki_issuer_master_load(ctx, master, false, err);
	if (rc == 0) {
		rc = jpki_card_image_unseal(master, buf, len, &h->card, err);
		OPENSSL_cleanse(master, sizeof(master));
	}
	free(buf);
	if (rc < 0) {
		jpki_card_image_close(h);
		return rc;
	}
	h->card->commit = commit_file;
	h->card->commit_arg = h;
	*ret = h;
	return 0;
}

void jpki_card_image_close(struct jpki_card_file_handle *h)
{
	if (!h)
		return;
	jpki_card_free(h->card);
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	free(h);
}
