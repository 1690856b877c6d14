/*
 * test_card_image.c: the card image file (src/lib/card/image.c, keys.c):
 * sealing and unsealing, refusal of any changed byte and of another issuer
 * master key, the body decoder's negative cases, the master key file, the
 * lock, and durability: a retry-counter decrement is on disk when the card
 * answers, with no process exit needed, and no temporary file is left.
 */
#include "card_util.h"

#include <dirent.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "card/image.h"
#include "core/fsutil.h"
#include "tmpdir.h"
#include "test_ctx.h"

static char dir[PATH_MAX];
static struct jpki_card *proto; /* a personalised card, made once */

static int group_setup(void **state)
{
	if (!tmpdir_make(dir, "card-image") || setenv("JPKI_DATA", dir, 1) != 0)
		return -1;
	unsetenv("JPKI_ISSUER_KEY_FILE");
	proto = make_card(JPKI_CARD_KIND_MYNUMBER);
	return 0;
}

static int group_teardown(void **state)
{
	jpki_card_free(proto);
	return tmpdir_remove(dir);
}

static void seal(const struct jpki_card *c, uint8_t **img, size_t *len)
{
	struct jpki_err err;
	if (jpki_card_image_seal(c, img, len, &err) != 0)
		fail_msg("seal: %s", err.msg);
}

static void test_round_trip(void **state)
{
	uint8_t *img = NULL;
	size_t len = 0;
	struct jpki_card *back = NULL;
	struct jpki_err err;
	seal(proto, &img, &len);
	assert_memory_equal(img, "JPKICARD\x00\x01", 10);
	assert_memory_equal(img + 10, test_serial, 8);
	assert_int_equal(jpki_card_image_unseal(test_master, img, len, &back, &err), 0);
	assert_int_equal(back->kind, JPKI_CARD_KIND_MYNUMBER);
	assert_string_equal(back->number, "123456789012");
	assert_true(back->has_expiry);
	assert_int_equal(back->expiry.y, 2027);
	for (int i = 0; i < 2; i++) {
		assert_true(back->pin[i].set);
		assert_int_equal(back->pin[i].tries, proto->pin[i].tries);
		assert_memory_equal(back->pin[i].hash, proto->pin[i].hash, 32);
		assert_int_equal(EVP_PKEY_eq(back->key[i], proto->key[i]), 1);
	}
	for (int i = 0; i < JPKI_FILE_COUNT; i++) {
		assert_int_equal(back->file[i].len, proto->file[i].len);
		assert_memory_equal(back->file[i].data, proto->file[i].data, proto->file[i].len);
	}
	/* the volatile state is not in the image */
	assert_false(back->app_selected || back->issuer_auth || back->verified[0]);
	/* a fresh nonce per write: two seals differ */
	uint8_t *img2 = NULL;
	size_t len2 = 0;
	seal(proto, &img2, &len2);
	assert_int_equal(len, len2);
	assert_memory_not_equal(img + 18, img2 + 18, 12);
	/* nothing of the private key appears in clear */
	uint8_t *der = NULL;
	int n = i2d_PrivateKey(proto->key[0], &der);
	assert_true(n > 64);
	assert_null(memmem(img, len, der + n - 32, 32));
	OPENSSL_clear_free(der, (size_t)n);
	free(img2);
	jpki_card_free(back);
	free(img);
}

/* Any changed byte, a truncation, or another master key: refused. */
static void test_tamper(void **state)
{
	uint8_t *img = NULL, other[JPKI_CARD_KEY_LEN] = {0x42, 0x13, 0x38};
	size_t len = 0;
	struct jpki_card *back = NULL;
	struct jpki_err err;
	seal(proto, &img, &len);
	size_t offsets[] = {0, 9, 10, 17, 18, 29, 33, 34, 35, len / 2, len - 17, len - 1};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		img[offsets[i]] ^= 0x01;
		assert_int_not_equal(jpki_card_image_unseal(test_master, img, len, &back, &err), 0);
		assert_null(back);
		img[offsets[i]] ^= 0x01;
	}
	assert_int_not_equal(jpki_card_image_unseal(test_master, img, len - 1, &back, &err), 0);
	assert_int_not_equal(jpki_card_image_unseal(test_master, img, 20, &back, &err), 0);
	assert_int_not_equal(jpki_card_image_unseal(test_master, img, 0, &back, &err), 0);
	assert_int_equal(jpki_card_image_unseal(other, img, len, &back, &err), -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "does not authenticate"));
	assert_int_equal(jpki_card_image_unseal(test_master, img, len, &back, &err), 0);
	jpki_card_free(back);
	free(img);
}

/* The body decoder on damaged records (it reads outside bytes). */
static void test_body_negative(void **state)
{
	static const struct {
		const char *hex;
		int ok;
	} cases[] = {
	    {"", 1},
	    {"010001 01", 1},
	    {"010001 01 010001 01", 0}, /* twice */
	    {"010001 03", 0},           /* unknown kind */
	    {"010002 0101", 0},         /* wrong length */
	    {"0100", 0},                /* truncated header */
	    {"010005 01", 0},           /* truncated value */
	    {"7F0000", 0},              /* unknown tag */
	    {"FF0000", 0},              /* tag out of range */
	    {"020000", 0},              /* empty number */
	    {"020003 313200", 0},       /* NUL in number */
	    {"030004 07EB021D", 0},     /* 2027-02-29 */
	    {"030004 07EB0B1B", 1},
	    {"100021 04"
	     "00000000000000000000000000000000"
	     "00000000000000000000000000000000",
	     0}, /* 4 tries on a 3-try PIN */
	    {"100021 03"
	     "00000000000000000000000000000000"
	     "00000000000000000000000000000000",
	     1},
	    {"200003 300100", 0}, /* not a key */
	    {"300000", 0},        /* empty file */
	    {"350001 00", 0},     /* no sixth file */
	    {"130021 00"
	     "00000000000000000000000000000000"
	     "00000000000000000000000000000000",
	     0}, /* no fourth PIN */
	    {"120021 04"
	     "00000000000000000000000000000000"
	     "00000000000000000000000000000000",
	     0}, /* 4 tries on the 3-try card-face PIN */
	    {"120021 03"
	     "00000000000000000000000000000000"
	     "00000000000000000000000000000000",
	     1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[128];
		size_t n = hex_bytes(cases[i].hex, buf, sizeof(buf));
		struct jpki_card *c = NULL;
		struct jpki_err err;
		assert_int_equal(jpki_card_new(test_master, test_serial, &c, NULL), 0);
		int rc = jpki_card_body_decode(c, buf, n, &err);
		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu (%s): rc %d", i, cases[i].hex, rc);
		jpki_card_free(c);
	}
	/* a file of 4097 bytes */
	uint8_t *big = calloc(1, 3 + 4097);
	assert_non_null(big);
	big[0] = 0x30, big[1] = 0x10, big[2] = 0x01;
	struct jpki_card *c = NULL;
	assert_int_equal(jpki_card_new(test_master, test_serial, &c, NULL), 0);
	assert_int_not_equal(jpki_card_body_decode(c, big, 3 + 4097, NULL), 0);
	jpki_card_free(c);
	free(big);
}

static int count_tmp(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return n;
}

static void test_master_key_file(void **state)
{
	uint8_t k1[32], k2[32];
	char path[PATH_MAX + 32];
	struct stat st;
	struct jpki_err err;
	assert_int_equal(jpki_issuer_master_load(test_ctx(), k1, false, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_issuer_master_load(test_ctx(), k1, true, &err), 0);
	snprintf(path, sizeof(path), "%s/card/issuer.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(jpki_issuer_master_load(test_ctx(), k2, true, &err), 0);
	assert_memory_equal(k1, k2, 32); /* created once */
	/* JPKI_ISSUER_KEY_FILE: must exist and hold exactly 32 bytes */
	snprintf(path, sizeof(path), "%s/other.key", dir);
	setenv("JPKI_ISSUER_KEY_FILE", path, 1);
	assert_int_equal(jpki_issuer_master_load(test_ctx(), k2, true, &err), -JPKI_E_NOT_FOUND);
	assert_int_equal(jpki_write_file_atomic(path, "short", 5, 0600, &err), 0);
	assert_int_equal(jpki_issuer_master_load(test_ctx(), k2, false, &err), -JPKI_E_INVALID);
	uint8_t long_key[33] = {0};
	assert_int_equal(jpki_write_file_atomic(path, long_key, 33, 0600, &err), 0);
	assert_int_equal(jpki_issuer_master_load(test_ctx(), k2, false, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_write_file_atomic(path, long_key, 32, 0600, &err), 0);
	assert_int_equal(jpki_issuer_master_load(test_ctx(), k2, false, &err), 0);
	assert_memory_equal(k2, long_key, 32);
	unsetenv("JPKI_ISSUER_KEY_FILE");
	/* different labels, different cards: different keys */
	uint8_t a[32], b[32], s2[8] = {1};
	assert_int_equal(jpki_card_derive(k1, test_serial, JPKI_KEY_IMAGE, a, NULL), 0);
	assert_int_equal(jpki_card_derive(k1, test_serial, JPKI_KEY_ISSUER, b, NULL), 0);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(jpki_card_derive(k1, s2, JPKI_KEY_IMAGE, b, NULL), 0);
	assert_memory_not_equal(a, b, 32);
}

/* An image file: created, locked, and every answer's change on disk before the answer. */
static void test_image_file(void **state)
{
	char path[PATH_MAX + 32];
	uint8_t serial[8];
	struct jpki_card_file_handle *h = NULL, *h2 = NULL;
	struct jpki_err err;
	snprintf(path, sizeof(path), "%s/card.img", dir);
	assert_int_equal(jpki_card_image_create(test_ctx(), path, serial, &err), 0);
	assert_int_equal(jpki_card_image_create(test_ctx(), path, serial, &err), -JPKI_E_EXISTS);
	assert_int_equal(jpki_card_image_open(test_ctx(), path, &h, &err), 0);
	assert_memory_equal(h->card->serial, serial, 8);
	/* one process at a time */
	assert_int_equal(jpki_card_image_open(test_ctx(), path, &h2, &err), -JPKI_E_STATE);
	/* personalise the PIN through the commands, each committed */
	uint8_t master[32];
	assert_int_equal(jpki_issuer_master_load(test_ctx(), master, false, &err), 0);
	assert_int_equal(tx(h->card, SELECT_APP, NULL, NULL), 0x9000);
	assert_int_equal(issuer_login(h->card, test_master), 0x6300); /* wrong master */
	assert_int_equal(tx(h->card, "80D8001804 31323334", NULL, NULL), 0x6982);
	assert_int_equal(issuer_login(h->card, master), 0x9000);
	OPENSSL_cleanse(master, sizeof(master));
	assert_int_equal(tx(h->card, "80D8001804 31323334", NULL, NULL), 0x9000);
	assert_int_equal(tx(h->card, "00A4020C020018", NULL, NULL), 0x9000);
	assert_int_equal(tx(h->card, "0020008004 30303030", NULL, NULL), 0x63C2);
	/* read the file while the card is still open: the decrement is there */
	uint8_t *img = NULL;
	size_t len = 0;
	assert_int_equal(jpki_read_file(path, JPKI_IMAGE_MAX, &img, &len, &err), 0);
	assert_int_equal(jpki_issuer_master_load(test_ctx(), master, false, &err), 0);
	struct jpki_card *disk = NULL;
	assert_int_equal(jpki_card_image_unseal(master, img, len, &disk, &err), 0);
	OPENSSL_cleanse(master, sizeof(master));
	assert_int_equal(disk->pin[JPKI_PIN_AUTH].tries, 2);
	jpki_card_free(disk);
	free(img);
	assert_int_equal(count_tmp(), 0);
	jpki_card_image_close(h);
	/* reopened: still 2 tries, the lock is free again */
	assert_int_equal(jpki_card_image_open(test_ctx(), path, &h, &err), 0);
	assert_int_equal(h->card->pin[JPKI_PIN_AUTH].tries, 2);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	jpki_card_image_close(h);
	/* not an image */
	snprintf(path, sizeof(path), "%s/junk.img", dir);
	assert_int_equal(jpki_write_file_atomic(path, "JPKICARD", 8, 0600, &err), 0);
	assert_int_equal(jpki_card_image_open(test_ctx(), path, &h, &err), -JPKI_E_INVALID);
	snprintf(path, sizeof(path), "%s/missing.img", dir);
	assert_int_equal(jpki_card_image_open(test_ctx(), path, &h, &err), -JPKI_E_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_tamper),
	    cmocka_unit_test(test_body_negative), cmocka_unit_test(test_master_key_file),
	    cmocka_unit_test(test_image_file),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
