/*
 * sqlite_int.h: what the SQLite backend's files share (sqlite.c: the
 * connection, the CA's tables; sqlite_counter.c: the counter's tables).
 */
#ifndef JPKI_STORE_SQLITE_INT_H
#define JPKI_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store.h"

struct sqlite_counter; /* the counter's prepared statements */

/* The connection of an SQLite store, and the slot of its counter statements. */
sqlite3 *jpki_sqlite_db(struct jpki_store *s);
struct sqlite_counter *jpki_sqlite_counter(struct jpki_store *s);

/* EXISTS for a unique-key conflict, else STORE, naming what failed and SQLite's reason. */
int jpki_sqlite_fail(sqlite3 *db, struct jpki_err *err, const char *what);
/* Copy a text column into dst (cap bytes); -1 when NULL, too long or holding a NUL. */
int jpki_sqlite_col_text(sqlite3_stmt *st, int col, char *dst, size_t cap);

int jpki_sqlite_counter_prepare(sqlite3 *db, struct sqlite_counter **ret, struct jpki_err *err);
void jpki_sqlite_counter_free(struct sqlite_counter *c);

/* The counter's operations (store.h), for sqlite.c's table. */
int jpki_sqlite_case_insert(struct jpki_store *s, struct jpki_case_rec *c, struct jpki_err *err);
int jpki_sqlite_case_get(struct jpki_store *s, int64_t id, struct jpki_case_rec *out,
                         struct jpki_err *err);
int jpki_sqlite_case_move(struct jpki_store *s, const struct jpki_case_rec *c, int from,
                          struct jpki_err *err);
int jpki_sqlite_case_each(struct jpki_store *s, int64_t resident_id, jpki_case_cb cb, void *arg,
                          struct jpki_err *err);
int jpki_sqlite_audit_append(struct jpki_store *s, struct jpki_audit_rec *a, struct jpki_err *err);
int jpki_sqlite_audit_each(struct jpki_store *s, const struct jpki_audit_filter *f,
                           jpki_audit_cb cb, void *arg, struct jpki_err *err);
int jpki_sqlite_audit_get(struct jpki_store *s, int64_t seq, struct jpki_audit_rec *out,
                          struct jpki_err *err);
int jpki_sqlite_audit_last(struct jpki_store *s, int64_t *seq, struct jpki_err *err);
int jpki_sqlite_audit_leaves(struct jpki_store *s, uint64_t *n, struct jpki_err *err);
int jpki_sqlite_audit_node_put(struct jpki_store *s, unsigned level, uint64_t idx,
                               const uint8_t hash[32], struct jpki_err *err);
int jpki_sqlite_audit_node_get(struct jpki_store *s, unsigned level, uint64_t idx, uint8_t hash[32],
                               struct jpki_err *err);
extern const char jpki_sqlite_audit_tree_schema[];
extern const char jpki_sqlite_operator_schema[];
extern const char jpki_sqlite_approval_schema[];
int jpki_sqlite_approval_insert(struct jpki_store *s, struct jpki_approval_rec *r,
                                struct jpki_err *err);
int jpki_sqlite_approval_voter(struct jpki_store *s, int64_t id, int version, char out[33],
                               struct jpki_err *err);
int jpki_sqlite_approval_each(struct jpki_store *s,
                              int (*cb)(const struct jpki_approval_rec *r, void *arg), void *arg,
                              struct jpki_err *err);
int jpki_sqlite_approval_get(struct jpki_store *s, int64_t id, struct jpki_approval_rec *out,
                             struct jpki_err *err);
int jpki_sqlite_approval_update(struct jpki_store *s, const struct jpki_approval_rec *r,
                                struct jpki_err *err);
int jpki_sqlite_approval_vote(struct jpki_store *s, int64_t id, int version, const char *approver,
                              int64_t at, struct jpki_err *err);
int jpki_sqlite_approval_count(struct jpki_store *s, int64_t id, int version, int *n,
                               struct jpki_err *err);
int jpki_sqlite_operator_insert(struct jpki_store *s, const struct jpki_operator_rec *o,
                                struct jpki_err *err);
int jpki_sqlite_operator_get(struct jpki_store *s, const char *id, struct jpki_operator_rec *out,
                             struct jpki_err *err);
int jpki_sqlite_operator_each(struct jpki_store *s, jpki_operator_cb cb, void *arg,
                              struct jpki_err *err);
int jpki_sqlite_operator_update(struct jpki_store *s, const struct jpki_operator_rec *o,
                                struct jpki_err *err);
extern const char jpki_sqlite_credential_schema[];
int jpki_sqlite_credential_insert(struct jpki_store *s, struct jpki_credential_rec *c,
                                  struct jpki_err *err);
int jpki_sqlite_credential_find(struct jpki_store *s, const uint8_t *cred_id, size_t len,
                                struct jpki_credential_rec *out, struct jpki_err *err);
int jpki_sqlite_credential_get(struct jpki_store *s, int64_t id, struct jpki_credential_rec *out,
                               struct jpki_err *err);
int jpki_sqlite_credential_each(struct jpki_store *s, const char *operator_id,
                                jpki_credential_cb cb, void *arg, struct jpki_err *err);
int jpki_sqlite_credential_update(struct jpki_store *s, const struct jpki_credential_rec *c,
                                  struct jpki_err *err);
int jpki_sqlite_receipt_insert(struct jpki_store *s, struct jpki_receipt_rec *r,
                               struct jpki_err *err);
int jpki_sqlite_receipt_get(struct jpki_store *s, int64_t number, struct jpki_receipt_rec *out,
                            struct jpki_err *err);
int jpki_sqlite_receipt_void(struct jpki_store *s, int64_t number, int64_t at, const char *by,
                             const char *approved_by, struct jpki_err *err);
int jpki_sqlite_token_insert(struct jpki_store *s, const struct jpki_token_rec *t,
                             struct jpki_err *err);
int jpki_sqlite_token_get(struct jpki_store *s, const char *ref, struct jpki_token_rec *out,
                          struct jpki_err *err);
int jpki_sqlite_token_use(struct jpki_store *s, const char *ref, int64_t at, int64_t case_id,
                          struct jpki_err *err);
int jpki_sqlite_notice_insert(struct jpki_store *s, const char *serial, const char *month,
                              int64_t resident_id, const char *form_ref, int64_t at,
                              struct jpki_err *err);

int jpki_sqlite_counter_next(struct jpki_store *s, const char *name, int64_t *out,
                             struct jpki_err *err);

/* Migration 3: the counter's tables. */
extern const char jpki_sqlite_counter_schema[];

/* The linking service's operations (sqlite_link.c), for sqlite.c's table. */
int jpki_sqlite_rp_insert(struct jpki_store *s, const struct jpki_rp_rec *r, struct jpki_err *err);
int jpki_sqlite_rp_get(struct jpki_store *s, const char *id, struct jpki_rp_rec *out,
                       struct jpki_err *err);
int jpki_sqlite_rp_each(struct jpki_store *s, jpki_rp_cb cb, void *arg, struct jpki_err *err);
int jpki_sqlite_rp_disable(struct jpki_store *s, const char *id, int64_t at, struct jpki_err *err);
int jpki_sqlite_link_log_append(struct jpki_store *s, struct jpki_link_log_rec *l,
                                struct jpki_err *err);
int jpki_sqlite_link_log_each(struct jpki_store *s, jpki_link_log_cb cb, void *arg,
                              struct jpki_err *err);
/* Migration 5: the linking service's tables. */
extern const char jpki_sqlite_link_schema[];

#endif
