/*
 * operator_rec.h: the counter's operators (#12 item 1; docs/operators.md):
 * who may log in to the clerk's terminal, under which role, and the state
 * of their password log-ins.
 */
#ifndef JPKI_STORE_OPERATOR_REC_H
#define JPKI_STORE_OPERATOR_REC_H

#include <stdint.h>

#define JPKI_OPERATOR_NAME_MAX 128
#define JPKI_PASSWORD_HASH_MAX 160 /* "scrypt$N$r$p$salt$hash" */

struct jpki_operator_rec {
	char id[33]; /* 1-32 of [A-Za-z0-9._-], as the counter's --operator */
	char name[JPKI_OPERATOR_NAME_MAX + 1];
	int role; /* enum jpki_role (operator/roles.h) */
	char password_hash[JPKI_PASSWORD_HASH_MAX + 1];
	int failures;         /* password failures since the last good log-in */
	int64_t locked_until; /* 0: not locked */
	int64_t created_at;
	char created_by[33]; /* "" for the first CA officer */
	int64_t disabled_at; /* 0: active */
	int64_t last_login_at;
};

typedef int (*jpki_operator_cb)(const struct jpki_operator_rec *o, void *arg);

/* A four-eyes request (operator/approval.h), as stored. */
struct jpki_approval_rec {
	int64_t id; /* set by the registry */
	int kind;
	char requester[33];
	char what[513];
	int version;
	int64_t created_at, expires_at;
	int state;
};

#endif
