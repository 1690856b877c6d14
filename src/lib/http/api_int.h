/*
 * api_int.h: what the API's route files share (api_http.c, api_counter.c,
 * api_admin.c): one call's request and answer, and the route table's row.
 */
#ifndef JPKI_HTTP_API_INT_H
#define JPKI_HTTP_API_INT_H

#include <pthread.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api_json.h"
#include "audit/signer.h"
#include "counter/counter.h"
#include "operator/session.h"
#include "operator/webauthn.h"
#include "store/store.h"

struct jpki_api_http {
	const struct jpki_ctx *ctx;
	char *origin;
	struct jpki_store *st; /* one connection, used under lock */
	pthread_mutex_t lock;
	struct jpki_counter_config cfg;
	struct jpki_op_sessions *sessions;
	struct jpki_audit_signer signer;
	struct jpki_ca *cas[2]; /* borrowed from the server: the card procedures' issuers */
	char rp_id[256];        /* the WebAuthn RP ID: the origin's host */
	struct jpki_webauthn_challenges *challenges;
};

/* What a route needs of the caller. */
enum api_access {
	API_PUBLIC,  /* nobody logged in */
	API_LOCKED,  /* a session, locked or not (its state, unlock, logout) */
	API_SESSION, /* an unlocked session with one of the route's rights */
	API_KEY_DUE, /* a session waiting for the security key (the log-in's second step) */
};

struct api_call {
	struct jpki_api_http *h;
	struct MHD_Connection *conn;
	const char *sid; /* the session cookie (may be NULL) */
	struct jpki_op_session who;
	const char *param; /* the path's {id}, or NULL */
	int64_t param_id;  /* the same as a number, when it is one */
	json_t *body;      /* a write's checked body, or NULL */
	int64_t now;
	/* the answer */
	unsigned status;      /* 200 unless a handler says otherwise */
	json_t *reply;        /* the object answered (taken) */
	char cookie[200];     /* a Set-Cookie header, or "" */
	char override_by[33]; /* the supervisor whose approval lets this run out of hours (W1) */
	struct jpki_err err;  /* when the handler fails */
};

typedef int (*api_handler)(struct api_call *c);

struct api_route {
	const char *method, *path; /* "{id}" stands for one path segment */
	enum api_access access;
	unsigned rights;    /* any one of these (enum jpki_right); 0: any role */
	const char *schema; /* a write's body (api_json.c), or NULL */
	api_handler run;
};

/* The routes of each file. */
extern const struct api_route jpki_api_counter_routes[];
extern const struct api_route jpki_api_admin_routes[];
extern const struct api_route jpki_api_card_routes[];
extern const struct api_route jpki_api_key_routes[];
extern const struct api_route jpki_api_notice_routes[];

/* The session's state as the API answers it. */
json_t *jpki_api_session_json(const struct jpki_op_session *s, int64_t now);
/* A log-in's password was right and the operator has a key: answer 202 with its options. */
int jpki_api_key_needed(struct api_call *c, const char *sid);

/* The OpenAPI document (openapi.json, embedded at build time). */
extern const unsigned char jpki_openapi_json[];
extern const unsigned int jpki_openapi_json_len;

/* A query parameter as a positive integer: 0 when absent, -1 when not one. */
int64_t jpki_api_query_id(struct MHD_Connection *conn, const char *name);

/* Helpers for the answers of the route files. */
json_t *jpki_api_resident_json(const struct jpki_resident *r);
json_t *jpki_api_case_json(const struct jpki_case_rec *c);
/* Set (sid) or clear (NULL) the session cookie of the answer. */
void jpki_api_set_cookie(struct api_call *c, const char *sid);
/* The application of a procedure's body: resident, documents, applicant, kinds. */
int jpki_api_application(struct api_call *c, struct jpki_application *a);
/* A counter session for the caller at now (the operator and counter of the log-in). */
void jpki_api_counter_session(const struct api_call *c, struct jpki_counter_session *s);

#endif
