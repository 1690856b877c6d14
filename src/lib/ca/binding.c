/*
 * binding.c: the registry and its CAs (binding.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "binding.h"
#include "ca/ca.h"
#include "core/fsutil.h"
#include "core/hex.h"
#include "core/ossl.h"

#define ID_FILE "registry-id"
#define FP_HEX 65

static int ca_fingerprint(const struct jpki_ctx *ctx, enum jpki_kind kind, char out[FP_HEX],
                          struct jpki_err *err)
{
	_cleanup_(X509p) X509 *x = NULL;
	unsigned char *der = NULL, md[32];
	int rc = jpki_ca_load_cert(ctx, kind, &x, err);
	if (rc < 0)
		return rc;
	int n = i2d_X509(x, &der);
	bool ok = n > 0 && EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL) == 1;
	OPENSSL_free(der);
	if (!ok)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "cannot fingerprint the %s CA",
		                      jpki_kind_name(kind));
	jpki_hex_encode(md, sizeof(md), out);
	return 0;
}

static void meta_key(enum jpki_kind kind, char key[32])
{
	snprintf(key, 32, "ca.%s.sha256", jpki_kind_name(kind));
}

int jpki_binding_ca_registry(const struct jpki_ctx *ctx, enum jpki_kind kind,
                             char id[JPKI_REGISTRY_ID_HEX], struct jpki_err *err)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len;
	int rc;
	if ((rc = jpki_ca_path(ctx, kind, ID_FILE, path, sizeof(path), err)) < 0 ||
	    (rc = jpki_read_file(path, 64, &buf, &len, err)) < 0)
		return rc;
	buf[len] = '\0'; /* jpki_read_file leaves room for one more byte */
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	bool ok = len == JPKI_REGISTRY_ID_HEX - 1 && strspn((char *)buf, "0123456789ABCDEF") == len;
	if (ok) {
		memcpy(id, buf, len);
		id[len] = '\0';
	}
	free(buf);
	return ok ? 0 : jpki_fail(err, JPKI_E_STATE, "%s is damaged", path);
}

static int write_ca_registry(const struct jpki_ctx *ctx, enum jpki_kind kind, const char *id,
                             struct jpki_err *err)
{
	char path[4096], line[JPKI_REGISTRY_ID_HEX + 1];
	int rc = jpki_ca_path(ctx, kind, ID_FILE, path, sizeof(path), err);
	if (rc < 0)
		return rc;
	snprintf(line, sizeof(line), "%s\n", id);
	return jpki_write_file_atomic(path, line, strlen(line), 0644, err);
}

/* A new id and both fingerprints, in one transaction. */
static int bind_registry(struct jpki_store *st, char fp[2][FP_HEX], char id[JPKI_REGISTRY_ID_HEX],
                         struct jpki_err *err)
{
	uint8_t raw[16];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return jpki_fail_ossl(err, JPKI_E_CRYPTO, "no random bytes for a registry id");
	jpki_hex_encode(raw, sizeof(raw), id);
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	for (int k = 0; k < 2 && rc == 0; k++) {
		char key[32];
		meta_key((enum jpki_kind)k, key);
		rc = st->ops->meta_set(st, key, fp[k], err);
	}
	if (rc == 0)
		rc = st->ops->meta_set(st, "registry_id", id, err);
	if (rc == 0)
		rc = st->ops->commit(st, err);
	if (rc < 0)
		st->ops->rollback(st);
	return rc;
}

/* The registry's side: its id and its CAs' fingerprints, which must be these. */
static int check_registry_side(const struct jpki_ctx *ctx, struct jpki_store *st,
                               enum jpki_binding_mode mode, char fp[2][FP_HEX],
                               char id[JPKI_REGISTRY_ID_HEX], struct jpki_err *err)
{
	int rc = st->ops->meta_get(st, "registry_id", id, JPKI_REGISTRY_ID_HEX, err);
	if (rc == -JPKI_E_NOT_FOUND && mode == JPKI_BINDING_CHECK)
		return jpki_fail(err, JPKI_E_STATE,
		                 "the registry is not bound to its CAs yet: run `jpki init`");
	if (rc == -JPKI_E_NOT_FOUND) {
		for (int k = 0; k < 2 && mode == JPKI_BINDING_COMPLETE; k++) {
			char other[JPKI_REGISTRY_ID_HEX];
			if (jpki_binding_ca_registry(ctx, (enum jpki_kind)k, other, NULL) == 0)
				return jpki_fail(err, JPKI_E_STATE,
				                 "the %s CA belongs to registry %s, and this "
				                 "registry has no id: restore registry %s "
				                 "(docs/operations.md)",
				                 jpki_kind_name((enum jpki_kind)k), other, other);
		}
		return bind_registry(st, fp, id, err);
	}
	if (rc < 0)
		return rc;
	for (int k = 0; k < 2; k++) {
		char key[32], have[FP_HEX];
		meta_key((enum jpki_kind)k, key);
		if ((rc = st->ops->meta_get(st, key, have, sizeof(have), err)) < 0)
			return rc;
		if (strcmp(have, fp[k]) != 0)
			return jpki_fail(err, JPKI_E_STATE,
			                 "registry %s belongs to another %s CA (SHA-256 %.16s..., "
			                 "this data folder's is %.16s...): refusing to use it",
			                 id, jpki_kind_name((enum jpki_kind)k), have, fp[k]);
	}
	return 0;
}

int jpki_binding_check(const struct jpki_ctx *ctx, struct jpki_store *st,
                       enum jpki_binding_mode mode, char id_out[JPKI_REGISTRY_ID_HEX],
                       struct jpki_err *err)
{
	char fp[2][FP_HEX], id[JPKI_REGISTRY_ID_HEX];
	int rc;
	for (int k = 0; k < 2; k++)
		if ((rc = ca_fingerprint(ctx, (enum jpki_kind)k, fp[k], err)) < 0)
			return rc;
	if ((rc = check_registry_side(ctx, st, mode, fp, id, err)) < 0)
		return rc;
	/* the CAs' side: each names this registry */
	for (int k = 0; k < 2; k++) {
		enum jpki_kind kind = (enum jpki_kind)k;
		char named[JPKI_REGISTRY_ID_HEX];
		rc = jpki_binding_ca_registry(ctx, kind, named, err);
		if (rc == 0 && strcmp(named, id) == 0)
			continue;
		if (rc < 0 && rc != -JPKI_E_NOT_FOUND)
			return rc;
		if (rc == 0 && mode != JPKI_BINDING_REBIND)
			return jpki_fail(err, JPKI_E_STATE,
			                 "the %s CA belongs to registry %s, not to this one (%s): "
			                 "restore registry %s (docs/operations.md)",
			                 jpki_kind_name(kind), named, id, named);
		if (rc < 0 && mode == JPKI_BINDING_CHECK)
			return jpki_fail(
			    err, JPKI_E_STATE,
			    "the %s CA does not name its registry yet: run `jpki init`",
			    jpki_kind_name(kind));
		jpki_err_clear(err);
		if ((rc = write_ca_registry(ctx, kind, id, err)) < 0)
			return rc;
	}
	if (id_out)
		memcpy(id_out, id, JPKI_REGISTRY_ID_HEX);
	return 0;
}
