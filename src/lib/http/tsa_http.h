/*
 * tsa_http.h: the time-stamping authority over HTTP (RFC 3161 §3.4):
 * POST /tsa with Content-Type application/timestamp-query, answered with
 * application/timestamp-reply.  One TSA, its signing serialised (a token
 * costs one RSA signature), its own registry connection for the serials.
 */
#ifndef JPKI_HTTP_TSA_HTTP_H
#define JPKI_HTTP_TSA_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "jpki/api.h"
#include "tsa/tsa.h"

struct jpki_tsa_http;

/* Every *con_cls the TSA route sets points at a pointer to this (publish.c). */
extern const char jpki_tsa_http_owner;

bool jpki_tsa_http_route(const char *url);
/* Takes tsa and st (its serials' registry connection) on success. */
JPKI_MUST_CHECK int jpki_tsa_http_new(struct jpki_tsa *tsa, struct jpki_store *st,
                                      const struct jpki_ctx *ctx, struct jpki_tsa_http **ret,
                                      struct jpki_err *err);
void jpki_tsa_http_free(struct jpki_tsa_http *h);
/* The access handler's part for /tsa (the same calling convention as libmicrohttpd's). */
enum MHD_Result jpki_tsa_http(struct jpki_tsa_http *h, struct MHD_Connection *conn,
                              const char *method, const char *upload, size_t *upload_size,
                              void **con_cls);
void jpki_tsa_http_completed(void *con_cls);

#endif
