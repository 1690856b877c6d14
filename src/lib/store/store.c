/*
 * store.c: choosing a backend from a registry spec.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "store.h"

int jpki_store_open(const char *spec, struct jpki_store **ret, struct jpki_err *err)
{
	if (!spec || !*spec)
		return jpki_fail(err, JPKI_E_INVALID, "empty registry name");
	if (strncmp(spec, "sqlite:", 7) == 0)
		return jpki_store_sqlite_open(spec + 7, ret, err);
	if (strncmp(spec, "postgresql:", 11) == 0 || strncmp(spec, "postgres:", 9) == 0)
		return jpki_fail(err, JPKI_E_INVALID,
				 "this build has no PostgreSQL backend yet; use sqlite:PATH");
	return jpki_store_sqlite_open(spec, ret, err);
}

int jpki_store_open_default(struct jpki_store **ret, struct jpki_err *err)
{
	char path[4096];
	int rc;
	if ((rc = jpki_mkdir_p(jpki_data_dir(), err)) < 0)
		return rc;
	if ((rc = jpki_data_path(path, sizeof(path), "registry.sqlite", err)) < 0)
		return rc;
	/* the registry holds personal data: create it readable by its owner only */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return jpki_fail(err, JPKI_E_IO, "cannot open %s: %s", path, strerror(errno));
	close(fd);
	return jpki_store_sqlite_open(path, ret, err);
}

void jpki_store_close(struct jpki_store *s)
{
	if (s)
		s->ops->close(s);
}
