/*
 * test_checkpoint.c: signed checkpoints (src/lib/audit/checkpoint.c): made
 * and opened with an Ed25519 key, the verifier key's form, and each way a
 * note from outside can be wrong refused: the text changed, another key or
 * name, a bad key ID, no signature, extension lines, sizes and roots that
 * are not what the format says, a NUL, over the cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "audit/checkpoint.h"

static EVP_PKEY *ed25519(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	return k;
}

static struct jpki_checkpoint sample(void)
{
	struct jpki_checkpoint c = {.size = 10000000};
	snprintf(c.origin, sizeof(c.origin), "jpki.example/audit");
	for (int i = 0; i < 32; i++)
		c.root[i] = (uint8_t)(i * 7);
	return c;
}

static void test_round_trip(void **state)
{
	(void)state;
	EVP_PKEY *k = ed25519();
	struct jpki_checkpoint c = sample(), got;
	struct jpki_err err;
	char *note = NULL, *vkey = NULL;
	assert_int_equal(jpki_checkpoint_sign(&c, "jpki.example/audit", k, &note, &err), 0);
	assert_int_equal(jpki_note_vkey("jpki.example/audit", k, &vkey, &err), 0);
	assert_non_null(strstr(note, "jpki.example/audit\n10000000\n"));
	assert_non_null(strstr(note, "\n\n\xe2\x80\x94 jpki.example/audit "));
	assert_int_equal(strncmp(vkey, "jpki.example/audit+", 19), 0);
	assert_int_equal(jpki_checkpoint_open(note, strlen(note), vkey, &got, &err), 0);
	assert_string_equal(got.origin, c.origin);
	assert_int_equal(got.size, c.size);
	assert_memory_equal(got.root, c.root, 32);

	/* the text changed: the size, the root, the origin */
	char *t = strdup(note);
	t[strlen(c.origin) + 1] = '2';
	assert_int_equal(jpki_checkpoint_open(t, strlen(t), vkey, &got, &err), -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "does not verify"));
	free(t);

	/* another key of the same name: its ID differs, so no line of it */
	EVP_PKEY *k2 = ed25519();
	char *vkey2 = NULL;
	assert_int_equal(jpki_note_vkey("jpki.example/audit", k2, &vkey2, &err), 0);
	assert_int_equal(jpki_checkpoint_open(note, strlen(note), vkey2, &got, &err),
	                 -JPKI_E_INVALID);
	assert_non_null(strstr(err.msg, "no signature"));
	/* a verifier key whose ID does not match its key */
	char *bad = strdup(vkey);
	char *plus = strchr(bad, '+');
	plus[1] = plus[1] == 'a' ? 'b' : 'a';
	assert_int_equal(jpki_checkpoint_open(note, strlen(note), bad, &got, &err),
	                 -JPKI_E_INVALID);
	free(bad);
	assert_int_equal(jpki_checkpoint_open(note, strlen(note), "nonsense", &got, &err),
	                 -JPKI_E_INVALID);
	/* another name */
	char *vkey3 = NULL;
	assert_int_equal(jpki_note_vkey("other", k, &vkey3, &err), 0);
	assert_int_equal(jpki_checkpoint_open(note, strlen(note), vkey3, &got, &err),
	                 -JPKI_E_INVALID);
	/* the note cut short: no signature line, no blank line */
	size_t body = (size_t)(strstr(note, "\n\n") - note) + 2;
	assert_int_equal(jpki_checkpoint_open(note, body, vkey, &got, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_checkpoint_open(note, body - 1, vkey, &got, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_checkpoint_open(note, strlen(note) - 1, vkey, &got, &err),
	                 -JPKI_E_INVALID);
	/* a NUL inside */
	t = strdup(note);
	t[3] = '\0';
	assert_int_equal(jpki_checkpoint_open(t, strlen(note), vkey, &got, &err), -JPKI_E_INVALID);
	free(t);
	free(note), free(vkey), free(vkey2), free(vkey3);
	EVP_PKEY_free(k), EVP_PKEY_free(k2);
}

/* Notes made by hand (unsigned: the text is refused before any signature is looked at). */
static void test_malformed(void **state)
{
	(void)state;
	EVP_PKEY *k = ed25519();
	char *vkey = NULL;
	struct jpki_checkpoint got;
	struct jpki_err err;
	assert_int_equal(jpki_note_vkey("o", k, &vkey, &err), 0);
	static const char root[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	static const struct {
		const char *note, *why; /* the note (its root: %s), the refusal it must get */
	} bad[] = {
	    {"o\n010\n%s\n\n\xe2\x80\x94 o AAAA\n", "size"},                  /* a leading zero */
	    {"o\n-1\n%s\n\n\xe2\x80\x94 o AAAA\n", "size"},                   /* a sign */
	    {"o\n99999999999999999999\n%s\n\n\xe2\x80\x94 o AAAA\n", "size"}, /* too big */
	    {"o\n1\n%s\next\n\n\xe2\x80\x94 o AAAA\n", "three lines"},  /* an extension line */
	    {"o\n1\nAAAA\n\n\xe2\x80\x94 o AAAA%s\n", "root"},          /* a root of 3 bytes */
	    {"\n1\n%s\n\n\xe2\x80\x94 o AAAA\n", "origin"},             /* no origin */
	    {"o o\n1\n%s\n\n\xe2\x80\x94 o AAAA\n", "origin"},          /* a space in it */
	    {"o\n1\n%s\n\n- o AAAA\n", "signature line"},               /* not an em dash */
	    {"o\n1\n%s\n\n\xe2\x80\x94 oAAAA\n", "signature line"},     /* no space */
	    {"o\n1\n%s\n\n\xe2\x80\x94 o AAAA\n", "no signature of o"}, /* a signature too short */
	};
	char buf[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* the templates above, each one %s */
		snprintf(buf, sizeof(buf), bad[i].note, root);
#pragma GCC diagnostic pop
		assert_int_equal(jpki_checkpoint_open(buf, strlen(buf), vkey, &got, &err),
		                 -JPKI_E_INVALID);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("note %zu: '%s', wanted '%s'", i, err.msg, bad[i].why);
	}
	char big[JPKI_CHECKPOINT_MAX + 2];
	memset(big, 'a', sizeof(big));
	assert_int_equal(jpki_checkpoint_open(big, sizeof(big), vkey, &got, &err), -JPKI_E_INVALID);
	struct jpki_checkpoint c = sample();
	char *note = NULL;
	assert_int_equal(jpki_checkpoint_sign(&c, "has space", k, &note, &err), -JPKI_E_INVALID);
	assert_int_equal(jpki_checkpoint_sign(&c, "a+b", k, &note, &err), -JPKI_E_INVALID);
	free(vkey);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
