/*
 * reg_int.h: the registry's operations written once over the statement
 * interface (reg_*.c, sql.h), for each engine's table of operations
 * (sqlite.c, pg.c): JPKI_REG_OPS fills in every operation they share.
 */
#ifndef JPKI_STORE_REG_INT_H
#define JPKI_STORE_REG_INT_H

#include "store.h"

int jpki_reg_resident_insert(struct jpki_store *s, struct jpki_resident *r, struct jpki_err *err);
int jpki_reg_resident_get(struct jpki_store *s, int64_t id, struct jpki_resident *out,
                          struct jpki_err *err);
int jpki_reg_resident_update(struct jpki_store *s, const struct jpki_resident *r,
                             struct jpki_err *err);
int jpki_reg_resident_each(struct jpki_store *s, jpki_resident_cb cb, void *arg,
                           struct jpki_err *err);
int jpki_reg_resident_find(struct jpki_store *s, const char *family, const char *given,
                           const char *birth, int limit, jpki_resident_cb cb, void *arg,
                           struct jpki_err *err);
int jpki_reg_cert_insert(struct jpki_store *s, struct jpki_cert_rec *c, struct jpki_err *err);
int jpki_reg_cert_get(struct jpki_store *s, const char *serial, bool with_der,
                      struct jpki_cert_rec *out, struct jpki_err *err);
int jpki_reg_cert_current(struct jpki_store *s, int64_t resident_id, enum jpki_kind kind,
                          int64_t at, struct jpki_cert_rec *out, struct jpki_err *err);
int jpki_reg_cert_each(struct jpki_store *s, int64_t resident_id, jpki_cert_cb cb, void *arg,
                       struct jpki_err *err);
int jpki_reg_cert_expiring(struct jpki_store *s, int64_t from, int64_t to, jpki_cert_cb cb,
                           void *arg, struct jpki_err *err);
int jpki_reg_cert_revoke(struct jpki_store *s, const char *serial, int64_t at,
                         enum jpki_reason reason, struct jpki_err *err);
int jpki_reg_cert_hold_resolve(struct jpki_store *s, const char *serial, int64_t at,
                               enum jpki_reason reason, struct jpki_err *err);
int jpki_reg_revoked_scan(struct jpki_store *s, enum jpki_kind ca, int partition, int64_t since,
                          int64_t at, jpki_revoked_cb cb, void *arg, struct jpki_err *err);
int jpki_reg_crl_number_next(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                             struct jpki_err *err);
int jpki_reg_crl_number_get(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                            struct jpki_err *err);
int jpki_reg_revocation_version(struct jpki_store *s, enum jpki_kind ca, int64_t *out,
                                struct jpki_err *err);
int jpki_reg_meta_get(struct jpki_store *s, const char *key, char *buf, size_t cap,
                      struct jpki_err *err);
int jpki_reg_meta_set(struct jpki_store *s, const char *key, const char *value,
                      struct jpki_err *err);
int jpki_reg_crl_number_floor(struct jpki_store *s, enum jpki_kind ca, int64_t floor,
                              struct jpki_err *err);
int jpki_reg_case_insert(struct jpki_store *s, struct jpki_case_rec *c, struct jpki_err *err);
int jpki_reg_case_get(struct jpki_store *s, int64_t id, struct jpki_case_rec *out,
                      struct jpki_err *err);
int jpki_reg_case_move(struct jpki_store *s, const struct jpki_case_rec *c, int from,
                       struct jpki_err *err);
int jpki_reg_case_each(struct jpki_store *s, int64_t resident_id, jpki_case_cb cb, void *arg,
                       struct jpki_err *err);
int jpki_reg_audit_append(struct jpki_store *s, struct jpki_audit_rec *a, struct jpki_err *err);
int jpki_reg_audit_each(struct jpki_store *s, const struct jpki_audit_filter *f, jpki_audit_cb cb,
                        void *arg, struct jpki_err *err);
int jpki_reg_audit_get(struct jpki_store *s, int64_t seq, struct jpki_audit_rec *out,
                       struct jpki_err *err);
int jpki_reg_audit_last(struct jpki_store *s, int64_t *seq, struct jpki_err *err);
int jpki_reg_audit_leaves(struct jpki_store *s, uint64_t *n, struct jpki_err *err);
int jpki_reg_audit_node_put(struct jpki_store *s, unsigned level, uint64_t idx,
                            const uint8_t hash[32], struct jpki_err *err);
int jpki_reg_audit_node_get(struct jpki_store *s, unsigned level, uint64_t idx, uint8_t hash[32],
                            struct jpki_err *err);
int jpki_reg_approval_insert(struct jpki_store *s, struct jpki_approval_rec *r,
                             struct jpki_err *err);
int jpki_reg_approval_voter(struct jpki_store *s, int64_t id, int version, char out[33],
                            struct jpki_err *err);
int jpki_reg_approval_each(struct jpki_store *s,
                           int (*cb)(const struct jpki_approval_rec *r, void *arg), void *arg,
                           struct jpki_err *err);
int jpki_reg_approval_get(struct jpki_store *s, int64_t id, struct jpki_approval_rec *out,
                          struct jpki_err *err);
int jpki_reg_approval_update(struct jpki_store *s, const struct jpki_approval_rec *r,
                             struct jpki_err *err);
int jpki_reg_approval_vote(struct jpki_store *s, int64_t id, int version, const char *approver,
                           int64_t at, struct jpki_err *err);
int jpki_reg_approval_count(struct jpki_store *s, int64_t id, int version, int *n,
                            struct jpki_err *err);
int jpki_reg_operator_insert(struct jpki_store *s, const struct jpki_operator_rec *o,
                             struct jpki_err *err);
int jpki_reg_operator_get(struct jpki_store *s, const char *id, struct jpki_operator_rec *out,
                          struct jpki_err *err);
int jpki_reg_operator_each(struct jpki_store *s, jpki_operator_cb cb, void *arg,
                           struct jpki_err *err);
int jpki_reg_operator_update(struct jpki_store *s, const struct jpki_operator_rec *o,
                             struct jpki_err *err);
int jpki_reg_credential_insert(struct jpki_store *s, struct jpki_credential_rec *c,
                               struct jpki_err *err);
int jpki_reg_credential_find(struct jpki_store *s, const uint8_t *cred_id, size_t len,
                             struct jpki_credential_rec *out, struct jpki_err *err);
int jpki_reg_credential_get(struct jpki_store *s, int64_t id, struct jpki_credential_rec *out,
                            struct jpki_err *err);
int jpki_reg_credential_each(struct jpki_store *s, const char *operator_id, jpki_credential_cb cb,
                             void *arg, struct jpki_err *err);
int jpki_reg_credential_update(struct jpki_store *s, const struct jpki_credential_rec *c,
                               struct jpki_err *err);
int jpki_reg_receipt_insert(struct jpki_store *s, struct jpki_receipt_rec *r, struct jpki_err *err);
int jpki_reg_receipt_get(struct jpki_store *s, int64_t number, struct jpki_receipt_rec *out,
                         struct jpki_err *err);
int jpki_reg_receipt_void(struct jpki_store *s, int64_t number, int64_t at, const char *by,
                          const char *approved_by, struct jpki_err *err);
int jpki_reg_token_insert(struct jpki_store *s, const struct jpki_token_rec *t,
                          struct jpki_err *err);
int jpki_reg_token_get(struct jpki_store *s, const char *ref, struct jpki_token_rec *out,
                       struct jpki_err *err);
int jpki_reg_token_use(struct jpki_store *s, const char *ref, int64_t at, int64_t case_id,
                       struct jpki_err *err);
int jpki_reg_notice_insert(struct jpki_store *s, const char *serial, const char *month,
                           int64_t resident_id, const char *form_ref, int64_t at,
                           struct jpki_err *err);
int jpki_reg_counter_next(struct jpki_store *s, const char *name, int64_t *out,
                          struct jpki_err *err);
int jpki_reg_rp_insert(struct jpki_store *s, const struct jpki_rp_rec *r, struct jpki_err *err);
int jpki_reg_rp_get(struct jpki_store *s, const char *id, struct jpki_rp_rec *out,
                    struct jpki_err *err);
int jpki_reg_rp_each(struct jpki_store *s, jpki_rp_cb cb, void *arg, struct jpki_err *err);
int jpki_reg_rp_disable(struct jpki_store *s, const char *id, int64_t at, struct jpki_err *err);
int jpki_reg_link_log_append(struct jpki_store *s, struct jpki_link_log_rec *l,
                             struct jpki_err *err);
int jpki_reg_link_log_each(struct jpki_store *s, jpki_link_log_cb cb, void *arg,
                           struct jpki_err *err);

#define JPKI_REG_OPS                                                                               \
	.resident_insert = jpki_reg_resident_insert, .resident_get = jpki_reg_resident_get,        \
	.resident_update = jpki_reg_resident_update, .resident_each = jpki_reg_resident_each,      \
	.resident_find = jpki_reg_resident_find, .cert_insert = jpki_reg_cert_insert,              \
	.cert_get = jpki_reg_cert_get, .cert_current = jpki_reg_cert_current,                      \
	.cert_each = jpki_reg_cert_each, .cert_expiring = jpki_reg_cert_expiring,                  \
	.cert_revoke = jpki_reg_cert_revoke, .cert_hold_resolve = jpki_reg_cert_hold_resolve,      \
	.revoked_scan = jpki_reg_revoked_scan, .crl_number_next = jpki_reg_crl_number_next,        \
	.crl_number_get = jpki_reg_crl_number_get,                                                 \
	.revocation_version = jpki_reg_revocation_version, .meta_get = jpki_reg_meta_get,          \
	.meta_set = jpki_reg_meta_set, .crl_number_floor = jpki_reg_crl_number_floor,              \
	.case_insert = jpki_reg_case_insert, .case_get = jpki_reg_case_get,                        \
	.case_move = jpki_reg_case_move, .case_each = jpki_reg_case_each,                          \
	.audit_append = jpki_reg_audit_append, .audit_each = jpki_reg_audit_each,                  \
	.audit_get = jpki_reg_audit_get, .audit_last = jpki_reg_audit_last,                        \
	.audit_leaves = jpki_reg_audit_leaves, .audit_node_put = jpki_reg_audit_node_put,          \
	.audit_node_get = jpki_reg_audit_node_get, .approval_insert = jpki_reg_approval_insert,    \
	.approval_voter = jpki_reg_approval_voter, .approval_each = jpki_reg_approval_each,        \
	.approval_get = jpki_reg_approval_get, .approval_update = jpki_reg_approval_update,        \
	.approval_vote = jpki_reg_approval_vote, .approval_count = jpki_reg_approval_count,        \
	.operator_insert = jpki_reg_operator_insert, .operator_get = jpki_reg_operator_get,        \
	.operator_each = jpki_reg_operator_each, .operator_update = jpki_reg_operator_update,      \
	.credential_insert = jpki_reg_credential_insert,                                           \
	.credential_find = jpki_reg_credential_find, .credential_get = jpki_reg_credential_get,    \
	.credential_each = jpki_reg_credential_each,                                               \
	.credential_update = jpki_reg_credential_update,                                           \
	.receipt_insert = jpki_reg_receipt_insert, .receipt_get = jpki_reg_receipt_get,            \
	.receipt_void = jpki_reg_receipt_void, .token_insert = jpki_reg_token_insert,              \
	.token_get = jpki_reg_token_get, .token_use = jpki_reg_token_use,                          \
	.notice_insert = jpki_reg_notice_insert, .counter_next = jpki_reg_counter_next,            \
	.rp_insert = jpki_reg_rp_insert, .rp_get = jpki_reg_rp_get, .rp_each = jpki_reg_rp_each,   \
	.rp_disable = jpki_reg_rp_disable, .link_log_append = jpki_reg_link_log_append,            \
	.link_log_each = jpki_reg_link_log_each,

#endif
