/* signer.c: the checkpoint key and the checkpoints it signs (signer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "audit/log.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "signer.h"

#define KEY_MAX (16u * 1024)

static int key_name(const struct jpki_ctx *ctx, char out[JPKI_NOTE_NAME_MAX + 1],
                    struct jpki_err *err)
{
	const char *url = jpki_ctx_base_url(ctx), *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	if (snprintf(out, JPKI_NOTE_NAME_MAX + 1, "%.*s/audit", (int)n, p) > JPKI_NOTE_NAME_MAX ||
	    !jpki_note_name_ok(out))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the base URL '%s' makes no key name (printable, no space or '+', "
		                 "at most %d characters)",
		                 url, JPKI_NOTE_NAME_MAX);
	return 0;
}

static int read_key(const char *path, EVP_PKEY **key, struct jpki_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = jpki_read_file(path, KEY_MAX, &buf, &len, err);
	if (rc < 0)
		return rc;
	_cleanup_(BIOp) BIO *b = BIO_new_mem_buf(buf, (int)len);
	*key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (!*key || EVP_PKEY_get_id(*key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return jpki_fail_ossl(err, JPKI_E_BAD_KEY, "%s is not an Ed25519 private key",
		                      path);
	}
	return 0;
}

static int make_key(const char *path, EVP_PKEY **key, struct jpki_err *err)
{
	char *pem = NULL;
	long len;
	_cleanup_(BIOp) BIO *b = BIO_new(BIO_s_mem());
	if (!(*key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) || !b ||
	    PEM_write_bio_PrivateKey(b, *key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (len = BIO_get_mem_data(b, &pem)) <= 0)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot make the checkpoint key");
	return jpki_write_file_atomic(path, pem, (size_t)len, 0600, err);
}

/* The key name in a vkey file ("NAME+ID+KEY"). */
static int name_of_vkey(const char *vpath, char out[JPKI_NOTE_NAME_MAX + 1], struct jpki_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = jpki_read_file(vpath, 1024, &buf, &len, err);
	if (rc < 0)
		return rc;
	size_t n = 0;
	while (n < len && buf[n] != '+')
		n++;
	if (n == len || n > JPKI_NOTE_NAME_MAX)
		rc = jpki_fail(err, JPKI_E_STORE, "%s is not a verifier key", vpath);
	else {
		memcpy(out, buf, n);
		out[n] = '\0';
		if (!jpki_note_name_ok(out))
			rc = jpki_fail(err, JPKI_E_STORE, "%s is not a verifier key", vpath);
	}
	free(buf);
	return rc;
}

int jpki_audit_signer_open(const struct jpki_ctx *ctx, struct jpki_audit_signer *s,
                           struct jpki_err *err)
{
	char dir[4096], path[4200], vpath[4200];
	memset(s, 0, sizeof(*s));
	snprintf(dir, sizeof(dir), "%s/audit", jpki_ctx_data_dir(ctx));
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	snprintf(vpath, sizeof(vpath), "%s/vkey", dir);
	struct stat sb;
	int rc = jpki_mkdir_p(dir, err);
	bool no_key = rc == 0 && stat(path, &sb) != 0 && errno == ENOENT;
	bool no_vkey = rc == 0 && stat(vpath, &sb) != 0 && errno == ENOENT;
	bool fresh = no_key && no_vkey; /* one without the other: never silently replaced */
	if (rc == 0 && no_key != no_vkey)
		rc = jpki_fail(
		    err, JPKI_E_STATE,
		    "%s without %s: restore the checkpoint key from its backup (a new key "
		    "would make the old checkpoints unverifiable with the published vkey)",
		    no_key ? vpath : path, no_key ? path : vpath);
	if (rc == 0) /* the name the key was made with, whatever the base URL is now */
		rc = fresh ? key_name(ctx, s->name, err) : name_of_vkey(vpath, s->name, err);
	if (rc == 0)
		rc = fresh ? make_key(path, &s->key, err) : read_key(path, &s->key, err);
	if (rc == 0)
		rc = jpki_note_vkey(s->name, s->key, &s->vkey, err);
	if (rc == 0 && fresh) {
		char line[512];
		snprintf(line, sizeof(line), "%s\n", s->vkey);
		rc = jpki_write_file_atomic(vpath, line, strlen(line), 0644, err);
	}
	if (rc < 0)
		jpki_audit_signer_close(s);
	return rc;
}

void jpki_audit_signer_close(struct jpki_audit_signer *s)
{
	EVP_PKEY_free(s->key);
	free(s->vkey);
	memset(s, 0, sizeof(*s));
}

int jpki_audit_checkpoint(struct jpki_store *st, const struct jpki_audit_signer *s,
                          struct jpki_checkpoint *c, char **note, struct jpki_err *err)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->origin, sizeof(c->origin), "%s", s->name);
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	if ((rc = jpki_audit_sync(st, &c->size, err)) == 0 &&
	    (rc = jpki_audit_root(st, c->size, c->root, err)) == 0)
		rc = st->ops->commit(st, err);
	if (rc < 0) {
		st->ops->rollback(st);
		return rc;
	}
	return jpki_checkpoint_sign(c, s->name, s->key, note, err);
}
