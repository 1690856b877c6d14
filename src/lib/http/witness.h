/*
 * witness.h: checkpoints of the audit log published by `jpki serve`
 * (#12 item 3; docs/audit.md, "Published checkpoints").  A thread of the
 * server signs a checkpoint every interval when the log has grown, has the
 * service's TSA (RFC 3161, at <base URL>/tsa) time-stamp it, keeps each in
 * <data>/audit/checkpoints/<size>.txt with its token beside it (.tsr), and
 * serves the newest to anyone:
 *
 *   GET /audit/checkpoint       the signed note (text/plain)
 *   GET /audit/checkpoint.tsr   its time-stamp token (application/timestamp-reply's token)
 *
 * An outsider who fetches them now and then holds a trail the service
 * cannot rewrite: every later checkpoint must be consistent with each one
 * (`jpki audit verify --previous`, GET /api/v1/audit/consistency), and the
 * token says the tree had that root at that time.
 */
#ifndef JPKI_HTTP_WITNESS_H
#define JPKI_HTTP_WITNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "ca/ca.h"
#include "jpki/api.h"

struct jpki_witness;

/* Start the thread (interval seconds, >= 1); sign_ca (borrowed) judges the TSA's tokens. */
JPKI_MUST_CHECK int jpki_witness_start(const struct jpki_ctx *ctx, const struct jpki_ca *sign_ca,
                                       int64_t interval, struct jpki_witness **ret,
                                       struct jpki_err *err);
/* Stop and free; NULL is fine. */
void jpki_witness_stop(struct jpki_witness *w);
bool jpki_witness_route(const char *url);
enum MHD_Result jpki_witness_http(struct jpki_witness *w, struct MHD_Connection *conn,
                                  const char *url);

#endif
