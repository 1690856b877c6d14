/*
 * store.h: the storage interface of the registry.
 *
 * Domain code sees only these calls; a backend (SQLite today, PostgreSQL
 * for deployments that outgrow one machine) fills in the operations table.
 * The SQL a backend runs is kept portable: no SQLite-only functions in
 * queries, integers for instants (seconds since the epoch), text for dates.
 *
 * Transactions: begin/commit/rollback bracket every change that must be
 * atomic (issuing a certificate and superseding the old one, later the
 * life events of issue 4).  Calls outside a transaction run in their own.
 */
#ifndef JPKI_STORE_H
#define JPKI_STORE_H

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"
#include "jpki/records.h"
#include "counter_rec.h"
#include "link_rec.h"
#include "operator_rec.h"

struct jpki_store;
struct jpki_sql_engine;

typedef int (*jpki_resident_cb)(const struct jpki_resident *r, void *arg);
typedef int (*jpki_cert_cb)(const struct jpki_cert_rec *c, void *arg);
typedef int (*jpki_case_cb)(const struct jpki_case_rec *c, void *arg);
typedef int (*jpki_audit_cb)(const struct jpki_audit_rec *a, void *arg);
typedef int (*jpki_rp_cb)(const struct jpki_rp_rec *r, void *arg);
typedef int (*jpki_link_log_cb)(const struct jpki_link_log_rec *l, void *arg);
/* serial as raw big-endian bytes, for CRL building without hex round trips */
/* invalid_at: when a hold made final began (RFC 5280 §5.3.2 invalidityDate), else 0 */
typedef int (*jpki_revoked_cb)(const uint8_t *serial, size_t serial_len, int64_t revoked_at,
                               enum jpki_reason reason, int64_t invalid_at, void *arg);

struct jpki_store_ops {
	const char *name;
	void (*close)(struct jpki_store *s);
	int (*begin)(struct jpki_store *s, struct jpki_err *err);
	int (*commit)(struct jpki_store *s, struct jpki_err *err);
	void (*rollback)(struct jpki_store *s);

	int (*resident_insert)(struct jpki_store *s, struct jpki_resident *r, struct jpki_err *err);
	int (*resident_get)(struct jpki_store *s, int64_t id, struct jpki_resident *out,
	                    struct jpki_err *err);
	int (*resident_update)(struct jpki_store *s, const struct jpki_resident *r,
	                       struct jpki_err *err);
	int (*resident_each)(struct jpki_store *s, jpki_resident_cb cb, void *arg,
	                     struct jpki_err *err);
	/*
	 * Residents of family name `family`, and of given name `given` and birth
	 * date `birth` (YYYY-MM-DD) when not NULL, by id, at most `limit`.
	 */
	int (*resident_find)(struct jpki_store *s, const char *family, const char *given,
	                     const char *birth, int limit, jpki_resident_cb cb, void *arg,
	                     struct jpki_err *err);

	/* JPKI_E_EXISTS when the serial is already taken (by any certificate, ever). */
	int (*cert_insert)(struct jpki_store *s, struct jpki_cert_rec *c, struct jpki_err *err);
	int (*cert_get)(struct jpki_store *s, const char *serial, bool with_der,
	                struct jpki_cert_rec *out, struct jpki_err *err);
	/* The newest unrevoked certificate of kind still valid at `at`; JPKI_E_NOT_FOUND if none.
	 */
	int (*cert_current)(struct jpki_store *s, int64_t resident_id, enum jpki_kind kind,
	                    int64_t at, struct jpki_cert_rec *out, struct jpki_err *err);
	/* resident_id 0 = every certificate, in issue order. */
	int (*cert_each)(struct jpki_store *s, int64_t resident_id, jpki_cert_cb cb, void *arg,
	                 struct jpki_err *err);
	/* JPKI_E_STATE when already revoked, JPKI_E_NOT_FOUND when unknown. */
	int (*cert_revoke)(struct jpki_store *s, const char *serial, int64_t at,
	                   enum jpki_reason reason, struct jpki_err *err);
	/*
	 * The CRL writer's scan: revoked certificates of a CA not expired before
	 * `at`, of one CRL partition (partition -1: every partition), revoked at
	 * or after `since` (0: all).  Unordered.  Runs as an index-only scan of
	 * the partial covering index certificate_revoked, so its cost follows the
	 * rows it returns, not the size of the registry.
	 */
	int (*revoked_scan)(struct jpki_store *s, enum jpki_kind ca, int partition, int64_t since,
	                    int64_t at, jpki_revoked_cb cb, void *arg, struct jpki_err *err);
	/* Allocate the next CRL number of a CA (monotonic, RFC 5280 §5.2.3). */
	int (*crl_number_next)(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
	                       struct jpki_err *err);
	/* A value that changes whenever a certificate of the CA is revoked. */
	int (*revocation_version)(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
	                          struct jpki_err *err);
	/*
	 * Optional (NULL: nothing to do).  Make this connection a reader tuned for
	 * point lookups (the OCSP responder's connections, one per server thread):
	 * it refuses writes, and reads the file through a memory map.  Every
	 * statement still starts its own read and sees every commit made before it.
	 */
	int (*tune_reader)(struct jpki_store *s, struct jpki_err *err);

	/* The registry's facts about itself (binding.h): NOT_FOUND when key was never set. */
	int (*meta_get)(struct jpki_store *s, const char *key, char *buf, size_t cap,
	                struct jpki_err *err);
	int (*meta_set)(struct jpki_store *s, const char *key, const char *value,
	                struct jpki_err *err);
	/* The last CRL number allocated for a CA (0: none yet). */
	int (*crl_number_get)(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
	                      struct jpki_err *err);
	/* Raise a CA's CRL counter to at least `floor` (never lowers it). */
	int (*crl_number_floor)(struct jpki_store *s, enum jpki_kind ca, int64_t floor,
	                        struct jpki_err *err);
	/* The backend's own consistency check (SQLite: PRAGMA integrity_check). */
	int (*check)(struct jpki_store *s, struct jpki_err *err);
	/*
	 * A consistent copy of the whole registry into a new file at path (mode
	 * 0600; EXISTS if there is one), taken while other processes use it.
	 */
	int (*backup)(struct jpki_store *s, const char *path, struct jpki_err *err);
	/* Replace this registry's content with a copy made by backup, in place. */
	int (*restore)(struct jpki_store *s, const char *path, struct jpki_err *err);

	/*
	 * A certificate on hold (reason certificateHold) revoked for good with
	 * `reason` (RFC 5280 §5.3.1: a hold may become any other reason); STATE
	 * unless it is on hold.
	 */
	int (*cert_hold_resolve)(struct jpki_store *s, const char *serial, int64_t at,
	                         enum jpki_reason reason, struct jpki_err *err);
	/*
	 * The unrevoked certificates with notAfter in [from, to], unordered: the
	 * renewal notices' selection, an index range scan (partial index
	 * certificate_valid_by_expiry), not a scan of the whole registry.
	 */
	int (*cert_expiring)(struct jpki_store *s, int64_t from, int64_t to, jpki_cert_cb cb,
	                     void *arg, struct jpki_err *err);

	/* ---- the counter (counter_rec.h) ---- */
	int (*case_insert)(struct jpki_store *s, struct jpki_case_rec *c, struct jpki_err *err);
	int (*case_get)(struct jpki_store *s, int64_t id, struct jpki_case_rec *out,
	                struct jpki_err *err);
	/* Move case c->id from state `from` to c->state with c's detail; STATE when not in `from`.
	 */
	int (*case_move)(struct jpki_store *s, const struct jpki_case_rec *c, int from,
	                 struct jpki_err *err);
	/* resident_id 0: every case, newest first. */
	int (*case_each)(struct jpki_store *s, int64_t resident_id, jpki_case_cb cb, void *arg,
	                 struct jpki_err *err);
	/* Append; a->seq set.  The table refuses updates and deletes (append-only). */
	int (*audit_append)(struct jpki_store *s, struct jpki_audit_rec *a, struct jpki_err *err);
	int (*audit_each)(struct jpki_store *s, const struct jpki_audit_filter *f, jpki_audit_cb cb,
	                  void *arg, struct jpki_err *err);
	/* entry seq (NOT_FOUND); the last seq (0: none) */
	int (*audit_get)(struct jpki_store *s, int64_t seq, struct jpki_audit_rec *out,
	                 struct jpki_err *err);
	int (*audit_last)(struct jpki_store *s, int64_t *seq, struct jpki_err *err);
	/* the audit log's Merkle tree (audit/log.h): leaves in it; its complete subtrees */
	int (*audit_leaves)(struct jpki_store *s, uint64_t *n, struct jpki_err *err);
	int (*audit_node_put)(struct jpki_store *s, unsigned level, uint64_t idx,
	                      const uint8_t hash[32], struct jpki_err *err);
	int (*audit_node_get)(struct jpki_store *s, unsigned level, uint64_t idx, uint8_t hash[32],
	                      struct jpki_err *err);
	int (*receipt_insert)(struct jpki_store *s, struct jpki_receipt_rec *r,
	                      struct jpki_err *err);
	int (*receipt_get)(struct jpki_store *s, int64_t number, struct jpki_receipt_rec *out,
	                   struct jpki_err *err);
	/* STATE when already voided. */
	int (*receipt_void)(struct jpki_store *s, int64_t number, int64_t at, const char *by,
	                    const char *approved_by, struct jpki_err *err);
	/* EXISTS when the reference is taken. */
	int (*token_insert)(struct jpki_store *s, const struct jpki_token_rec *t,
	                    struct jpki_err *err);
	int (*token_get)(struct jpki_store *s, const char *ref, struct jpki_token_rec *out,
	                 struct jpki_err *err);
	/* Mark used once; STATE when it was used already. */
	int (*token_use)(struct jpki_store *s, const char *ref, int64_t at, int64_t case_id,
	                 struct jpki_err *err);
	/*
	 * The next value of a named counter that only grows (1, 2, 3, ...; gaps
	 * when a caller's work fails): the time-stamp serial numbers.  Commits at
	 * once when called outside a transaction.
	 */
	int (*counter_next)(struct jpki_store *s, const char *name, int64_t *out,
	                    struct jpki_err *err);
	/* A renewal notice for a certificate: EXISTS when one was sent (a replayed run). */
	int (*notice_insert)(struct jpki_store *s, const char *serial, const char *month,
	                     int64_t resident_id, const char *form_ref, int64_t at,
	                     struct jpki_err *err);
	/* ---- the linking service (link_rec.h) ---- */
	/* EXISTS when the id is taken. */
	int (*rp_insert)(struct jpki_store *s, const struct jpki_rp_rec *r, struct jpki_err *err);
	int (*rp_get)(struct jpki_store *s, const char *id, struct jpki_rp_rec *out,
	              struct jpki_err *err);
	int (*rp_each)(struct jpki_store *s, jpki_rp_cb cb, void *arg, struct jpki_err *err);
	/* STATE when already disabled. */
	int (*rp_disable)(struct jpki_store *s, const char *id, int64_t at, struct jpki_err *err);
	/* Append; l->seq set.  The table refuses updates and deletes (append-only). */
	int (*link_log_append)(struct jpki_store *s, struct jpki_link_log_rec *l,
	                       struct jpki_err *err);
	int (*link_log_each)(struct jpki_store *s, jpki_link_log_cb cb, void *arg,
	                     struct jpki_err *err);
	/* ---- the counter's operators (operator_rec.h) ---- */
	/* EXISTS when the id is taken. */
	int (*operator_insert)(struct jpki_store *s, const struct jpki_operator_rec *o,
	                       struct jpki_err *err);
	int (*operator_get)(struct jpki_store *s, const char *id, struct jpki_operator_rec *out,
	                    struct jpki_err *err);
	int (*operator_each)(struct jpki_store *s, jpki_operator_cb cb, void *arg,
	                     struct jpki_err *err);
	/* The password's state, the lock and disabled_at of o->id. */
	int (*operator_update)(struct jpki_store *s, const struct jpki_operator_rec *o,
	                       struct jpki_err *err);
	/* four-eyes requests: a new one (r->id set), one, its what/version/state changed */
	int (*approval_insert)(struct jpki_store *s, struct jpki_approval_rec *r,
	                       struct jpki_err *err);
	int (*approval_get)(struct jpki_store *s, int64_t id, struct jpki_approval_rec *out,
	                    struct jpki_err *err);
	int (*approval_update)(struct jpki_store *s, const struct jpki_approval_rec *r,
	                       struct jpki_err *err);
	/* an approver's approval of a version: EXISTS when given already; how many a version has */
	int (*approval_vote)(struct jpki_store *s, int64_t id, int version, const char *approver,
	                     int64_t at, struct jpki_err *err);
	int (*approval_count)(struct jpki_store *s, int64_t id, int version, int *n,
	                      struct jpki_err *err);
	/* the first approver of a request's version into out (NOT_FOUND: none) */
	int (*approval_voter)(struct jpki_store *s, int64_t id, int version, char out[33],
	                      struct jpki_err *err);
	/* the requests, newest first (cb returns nonzero to stop) */
	int (*approval_each)(struct jpki_store *s,
	                     int (*cb)(const struct jpki_approval_rec *r, void *arg), void *arg,
	                     struct jpki_err *err);
	/*
	 * operators' security keys (schema 9): a new one (c->id set; EXISTS when the
	 * credential id is registered already, to anyone); one by its credential id
	 * or by its number (NOT_FOUND); an operator's, in number order; the sign
	 * counter, last use and disabled_at of c->id changed.  A row that does not
	 * read back as a key is STORE.
	 */
	int (*credential_insert)(struct jpki_store *s, struct jpki_credential_rec *c,
	                         struct jpki_err *err);
	int (*credential_find)(struct jpki_store *s, const uint8_t *cred_id, size_t len,
	                       struct jpki_credential_rec *out, struct jpki_err *err);
	int (*credential_get)(struct jpki_store *s, int64_t id, struct jpki_credential_rec *out,
	                      struct jpki_err *err);
	int (*credential_each)(struct jpki_store *s, const char *operator_id, jpki_credential_cb cb,
	                       void *arg, struct jpki_err *err);
	int (*credential_update)(struct jpki_store *s, const struct jpki_credential_rec *c,
	                         struct jpki_err *err);
};

struct jpki_store {
	const struct jpki_store_ops *ops;
	/*
	 * The seq of the last audit entry appended on this connection (0: none;
	 * a rollback clears it), for answers that cite their entry.
	 */
	int64_t audit_appended;
	const struct jpki_ctx
	    *ctx; /* borrowed: the clock of created_at/updated_at (NULL: system) */
	const struct jpki_sql_engine *sql; /* the engine the operations (reg_*.c) run on */
	void *sql_stmts;                   /* its prepared statements (the engine's own) */
};

/*
 * Open the existing registry named by spec: "postgresql://..." (a libpq
 * connection string: pg.c), "sqlite:PATH" or a plain path (SQLite).  A missing registry is
 * NOT_FOUND and an empty one STATE: neither is ever silently a new registry.  An older schema is
 * migrated.  Caller closes with jpki_store_close().
 */
JPKI_MUST_CHECK int jpki_store_open(const struct jpki_ctx *ctx, const char *spec,
                                    struct jpki_store **ret, struct jpki_err *err);
/*
 * Make a new, empty registry at spec (EXISTS when there is one) readable by
 * its owner only, and open it.  Call it only while no connection of this
 * process to that file is open (sqlite.c says why).
 */
JPKI_MUST_CHECK int jpki_store_create(const struct jpki_ctx *ctx, const char *spec,
                                      struct jpki_store **ret, struct jpki_err *err);
/*
 * The context's registry: the one JPKI_STORE names (jpki_ctx_store), else
 * the data folder's <data>/registry.sqlite: open it, or create it.
 */
JPKI_MUST_CHECK int jpki_store_open_default(const struct jpki_ctx *ctx, struct jpki_store **ret,
                                            struct jpki_err *err);
JPKI_MUST_CHECK int jpki_store_create_default(const struct jpki_ctx *ctx, struct jpki_store **ret,
                                              struct jpki_err *err);
/*
 * The context's registry as it may be shown: JPKI_STORE without a password
 * ("postgresql://user@host/db"), else the data folder's file.
 */
JPKI_MUST_CHECK int jpki_store_default_name(const struct jpki_ctx *ctx, char *buf, size_t cap,
                                            struct jpki_err *err);
/* The path of the data folder's registry into buf. */
JPKI_MUST_CHECK int jpki_store_default_path(const struct jpki_ctx *ctx, char *buf, size_t cap,
                                            struct jpki_err *err);
/*
 * True when path is the data folder's registry file or one of its -wal,
 * -shm or -journal files (by name or by link): writing there corrupts it.
 */
bool jpki_store_default_owns(const struct jpki_ctx *ctx, const char *path);
void jpki_store_close(struct jpki_store *s);
static inline void jpki_store_closep(struct jpki_store **s)
{
	jpki_store_close(*s);
}

JPKI_MUST_CHECK int jpki_store_pg_open(const struct jpki_ctx *ctx, const char *conninfo,
                                       struct jpki_store **ret, struct jpki_err *err);
JPKI_MUST_CHECK int jpki_store_pg_create(const struct jpki_ctx *ctx, const char *conninfo,
                                         struct jpki_store **ret, struct jpki_err *err);
/* True when spec carries a password ("user:password@", "password=..."). */
bool jpki_store_spec_has_password(const char *spec);
/* True for a PostgreSQL registry's name ("postgresql://..."). */
bool jpki_store_spec_is_pg(const char *spec);
JPKI_MUST_CHECK int jpki_store_sqlite_open(const struct jpki_ctx *ctx, const char *path,
                                           struct jpki_store **ret, struct jpki_err *err);
JPKI_MUST_CHECK int jpki_store_sqlite_create(const struct jpki_ctx *ctx, const char *path,
                                             struct jpki_store **ret, struct jpki_err *err);

/*
 * Copy registry src into dst, a new registry (jpki_store_create) on any
 * engine, or one a move cut short left empty (EXISTS when dst holds any row
 * but its new CA counters): every table, in one transaction of dst, then both read again and
 * compared row for row, value by value (STORE naming the table and row on a
 * difference).  said (may be NULL) hears each table checked and its rows.
 */
typedef void (*jpki_migrate_cb)(void *arg, const char *table, int64_t rows);
JPKI_MUST_CHECK int jpki_store_migrate(struct jpki_store *src, struct jpki_store *dst,
                                       jpki_migrate_cb said, void *arg, struct jpki_err *err);

/* Current schema version written by this program. */
#define JPKI_SCHEMA_VERSION 9

#endif
