/*
 * store.c: choosing a backend from a registry spec.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "store.h"

typedef int (*backend_fn)(const struct jpki_ctx *ctx, const char *path, struct jpki_store **ret,
                          struct jpki_err *err);

bool jpki_store_spec_is_pg(const char *spec)
{
	return spec &&
	       (strncmp(spec, "postgresql:", 11) == 0 || strncmp(spec, "postgres:", 9) == 0);
}

/* "postgresql://..." (libpq's URI, given to it whole), "sqlite:PATH" or a path. */
static int by_spec(const struct jpki_ctx *ctx, const char *spec, backend_fn sqlite, backend_fn pg,
                   struct jpki_store **ret, struct jpki_err *err)
{
	if (!spec || !*spec)
		return jpki_fail(err, JPKI_E_INVALID, "empty registry name");
	if (jpki_store_spec_is_pg(spec))
		return pg(ctx, spec, ret, err);
	return sqlite(ctx, strncmp(spec, "sqlite:", 7) == 0 ? spec + 7 : spec, ret, err);
}

int jpki_store_open(const struct jpki_ctx *ctx, const char *spec, struct jpki_store **ret,
                    struct jpki_err *err)
{
	return by_spec(ctx, spec, jpki_store_sqlite_open, jpki_store_pg_open, ret, err);
}

int jpki_store_create(const struct jpki_ctx *ctx, const char *spec, struct jpki_store **ret,
                      struct jpki_err *err)
{
	return by_spec(ctx, spec, jpki_store_sqlite_create, jpki_store_pg_create, ret, err);
}

int jpki_store_default_path(const struct jpki_ctx *ctx, char *buf, size_t cap, struct jpki_err *err)
{
	return jpki_data_path(ctx, buf, cap, "registry.sqlite", err);
}

/* The ':' of a URI's "user:password@", and its '@'; false when it names no password there. */
static bool userinfo_password(const char *spec, const char **colon, const char **at)
{
	const char *scheme = strstr(spec, "://");
	if (!scheme)
		return false;
	const char *host = scheme + 3;
	*at = strchr(host, '@');
	const char *slash = strchr(host, '/');
	if (!*at || (slash && slash < *at))
		return false;
	*colon = memchr(host, ':', (size_t)(*at - host));
	return *colon != NULL;
}

bool jpki_store_spec_has_password(const char *spec)
{
	const char *colon, *at; /* "password=": a URI's parameter or a keyword=value string's */
	return spec && (userinfo_password(spec, &colon, &at) || strstr(spec, "password="));
}

int jpki_store_default_name(const struct jpki_ctx *ctx, char *buf, size_t cap, struct jpki_err *err)
{
	const char *spec = jpki_ctx_store(ctx), *colon, *at;
	if (!*spec)
		return jpki_store_default_path(ctx, buf, cap, err);
	if (userinfo_password(spec, &colon, &at)) /* user:password@: the password never shown */
		snprintf(buf, cap, "%.*s@%s", (int)(colon - spec), spec, at + 1);
	else
		snprintf(buf, cap, "%s", spec);
	char *query = strchr(buf, '?'); /* parameters may carry a password too */
	if (query)
		*query = '\0';
	return 0;
}

int jpki_store_open_default(const struct jpki_ctx *ctx, struct jpki_store **ret,
                            struct jpki_err *err)
{
	char path[4096];
	if (*jpki_ctx_store(ctx)) /* JPKI_STORE: a database elsewhere */
		return jpki_store_open(ctx, jpki_ctx_store(ctx), ret, err);
	int rc = jpki_store_default_path(ctx, path, sizeof(path), err);
	if (rc < 0)
		return rc;
	if ((rc = jpki_store_sqlite_open(ctx, path, ret, err)) == -JPKI_E_NOT_FOUND)
		return jpki_fail(err, JPKI_E_NOT_FOUND,
		                 "no registry at %s: run `jpki init` for a new data folder; if "
		                 "the CAs exist, restore the registry (jpki registry restore)",
		                 path);
	return rc;
}

int jpki_store_create_default(const struct jpki_ctx *ctx, struct jpki_store **ret,
                              struct jpki_err *err)
{
	char path[4096];
	int rc;
	if (*jpki_ctx_store(ctx))
		return jpki_store_create(ctx, jpki_ctx_store(ctx), ret, err);
	if ((rc = jpki_mkdir_p(jpki_ctx_data_dir(ctx), err)) < 0 ||
	    (rc = jpki_store_default_path(ctx, path, sizeof(path), err)) < 0)
		return rc;
	return jpki_store_sqlite_create(ctx, path, ret, err);
}

/* realpath of path's folder, then its last component: path need not exist. */
static bool resolve(const char *path, char *out, size_t cap)
{
	char copy[4096], dir[PATH_MAX];
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return false;
	char *slash = strrchr(copy, '/');
	const char *base = slash ? slash + 1 : copy;
	if (slash == copy)
		snprintf(dir, sizeof(dir), "/");
	else if (!realpath(slash ? (*slash = '\0', copy) : ".", dir))
		return false;
	return snprintf(out, cap, "%s/%s", strcmp(dir, "/") ? dir : "", base) < (int)cap;
}

bool jpki_store_default_owns(const struct jpki_ctx *ctx, const char *path)
{
	static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
	char reg[4096], target[PATH_MAX + 256], own[PATH_MAX + 256];
	struct stat a, b;
	if (jpki_store_default_path(ctx, reg, sizeof(reg), NULL) < 0)
		return false;
	if (stat(path, &a) == 0 && stat(reg, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return true; /* the registry under another name (a link) */
	if (!resolve(path, target, sizeof(target)))
		return false;
	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		char name[4200];
		snprintf(name, sizeof(name), "%s%s", reg, sides[i]);
		if (resolve(name, own, sizeof(own)) && strcmp(own, target) == 0)
			return true;
	}
	return false;
}

void jpki_store_close(struct jpki_store *s)
{
	if (s)
		s->ops->close(s);
}
