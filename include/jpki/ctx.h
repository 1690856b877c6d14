/*
 * jpki/ctx.h: the context every call of the library runs in.
 *
 * What the library would otherwise take from the environment: the data
 * folder (CAs, registry, CRLs, responder and issuer keys), the URL prefix
 * written into certificates, the clock, where messages go.  The library
 * never reads the environment; front ends do and fill a context
 * (jpki_ctx_set_*).  A context is read-only once in use and may then be
 * shared by threads; the objects made with it borrow it and must not
 * outlive it.
 */
#ifndef JPKI_CTX_H
#define JPKI_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "jpki/api.h"
#include "jpki/error.h"

struct jpki_ctx;

/* Where a message of the library goes (level: "warning", "info"); may be called from any thread. */
typedef void (*jpki_log_fn)(void *arg, const char *level, const char *message);

/*
 * A new context (caller frees with jpki_ctx_free): data folder ./var, base
 * URL http://127.0.0.1:8080, the system clock, messages to nowhere.
 */
JPKI_API JPKI_MUST_CHECK int jpki_ctx_new(struct jpki_ctx **ret, struct jpki_err *err);
JPKI_API void jpki_ctx_free(struct jpki_ctx *ctx);

/* The data folder (copied; INVALID when empty or too long). */
JPKI_API JPKI_MUST_CHECK int jpki_ctx_set_data_dir(struct jpki_ctx *ctx, const char *path,
                                                   struct jpki_err *err);
/* The URL prefix of the service's CRLs, OCSP and CA certificates (http:// or https://). */
JPKI_API JPKI_MUST_CHECK int jpki_ctx_set_base_url(struct jpki_ctx *ctx, const char *url,
                                                   struct jpki_err *err);
/* The issuer master key file of the software cards (default <data>/card/issuer.key). */
JPKI_API JPKI_MUST_CHECK int jpki_ctx_set_issuer_key_file(struct jpki_ctx *ctx, const char *path,
                                                          struct jpki_err *err);
/*
 * The registry's database: "postgresql://..." (a libpq connection string,
 * docs/deployment.md) or "sqlite:PATH"; "" for the default, the data
 * folder's registry.sqlite (copied; INVALID when too long).
 */
JPKI_API JPKI_MUST_CHECK int jpki_ctx_set_store(struct jpki_ctx *ctx, const char *spec,
                                                struct jpki_err *err);
/* A fixed clock (seconds since the epoch), to replay a day and for tests. */
JPKI_API void jpki_ctx_set_now(struct jpki_ctx *ctx, int64_t now);
/* The system clock again (the default). */
JPKI_API void jpki_ctx_use_system_clock(struct jpki_ctx *ctx);
/* Where messages go (NULL: nowhere). */
JPKI_API void jpki_ctx_set_log(struct jpki_ctx *ctx, jpki_log_fn fn, void *arg);

/* The context's current instant. */
JPKI_API JPKI_MUST_CHECK int jpki_ctx_now(const struct jpki_ctx *ctx, int64_t *out,
                                          struct jpki_err *err);
/* Its settings (never NULL; the issuer key file "" when the default). */
JPKI_API const char *jpki_ctx_data_dir(const struct jpki_ctx *ctx);
JPKI_API const char *jpki_ctx_base_url(const struct jpki_ctx *ctx);
JPKI_API const char *jpki_ctx_issuer_key_file(const struct jpki_ctx *ctx);
JPKI_API const char *jpki_ctx_store(const struct jpki_ctx *ctx);
/* Send a message to the context's log (printf-style; nothing when no log is set). */
JPKI_API void jpki_ctx_log(const struct jpki_ctx *ctx, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
