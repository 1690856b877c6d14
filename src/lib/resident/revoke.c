/*
 * revoke.c: revoking certificates by serial, one transaction per list.
 */
#include <string.h>

#include "revoke.h"

static int revoke_one(struct jpki_store *st, const char *serial, enum jpki_reason reason,
                      int64_t now, struct jpki_revoke_result *res, struct jpki_err *err)
{
	int rc = st->ops->cert_revoke(st, serial, now, reason, err);
	if (rc == -JPKI_E_STATE) { /* already revoked: the list is idempotent */
		jpki_err_clear(err);
		res->already_revoked++;
		return 0;
	}
	if (rc == 0)
		res->revoked++;
	return rc;
}

int jpki_revoke_serials_tx(struct jpki_store *st, const char *const *serials, size_t n,
                           enum jpki_reason reason, int64_t now, struct jpki_revoke_result *res,
                           struct jpki_err *err)
{
	int rc = 0;
	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = revoke_one(st, serials[i], reason, now, res, err);
	return rc;
}

int jpki_revoke_serials(struct jpki_store *st, const char *const *serials, size_t n,
                        enum jpki_reason reason, int64_t now, struct jpki_revoke_result *res,
                        struct jpki_err *err)
{
	memset(res, 0, sizeof(*res));
	int rc = st->ops->begin(st, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = revoke_one(st, serials[i], reason, now, res, err);
	if (rc < 0 || (rc = st->ops->commit(st, err)) < 0) {
		st->ops->rollback(st);
		memset(res, 0, sizeof(*res));
		return rc;
	}
	return 0;
}
