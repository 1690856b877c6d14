/*
 * jpki/registry.h: the registry, the service's database of residents,
 * certificates and revocations.
 *
 * Opened from the context's data folder (<data>/registry.sqlite), it is
 * checked to belong to that folder's CAs first; a missing, empty or foreign
 * registry is refused.  A handle is one connection: use it from one thread
 * at a time (open one per thread).
 */
#ifndef JPKI_PUBLIC_REGISTRY_H
#define JPKI_PUBLIC_REGISTRY_H

#include "jpki/api.h"
#include "jpki/ctx.h"
#include "jpki/error.h"
#include "jpki/records.h"

struct jpki_registry;

/* ctx is borrowed and must outlive the handle.  Caller closes. */
JPKI_API JPKI_MUST_CHECK int jpki_registry_open(const struct jpki_ctx *ctx,
                                                struct jpki_registry **ret, struct jpki_err *err);
JPKI_API void jpki_registry_close(struct jpki_registry *reg);

/*
 * Record a new resident (checked: rules of names and addresses, no birth in
 * the future); r->id is set on success.
 */
JPKI_API JPKI_MUST_CHECK int jpki_registry_add_resident(struct jpki_registry *reg,
                                                        struct jpki_resident *r,
                                                        struct jpki_err *err);
/* A resident by id (NOT_FOUND when there is none). */
JPKI_API JPKI_MUST_CHECK int jpki_registry_resident(struct jpki_registry *reg, int64_t id,
                                                    struct jpki_resident *out,
                                                    struct jpki_err *err);
/*
 * A certificate by serial (upper-case hex), with its DER in out->der
 * (malloc'd: free with jpki_cert_rec_clear).
 */
JPKI_API JPKI_MUST_CHECK int jpki_registry_certificate(struct jpki_registry *reg,
                                                       const char *serial_hex,
                                                       struct jpki_cert_rec *out,
                                                       struct jpki_err *err);

#endif
