/*
 * ctx.c: the library's context (jpki/ctx.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jpki/ctx.h"

struct jpki_ctx {
	char data_dir[4096];
	char base_url[512];
	char issuer_key_file[4096];
	char store[2048];
	bool fixed_clock;
	int64_t now;
	jpki_log_fn log;
	void *log_arg;
};

static const struct jpki_ctx defaults = {
    .data_dir = "./var",
    .base_url = "http://127.0.0.1:8080",
};

int jpki_ctx_new(struct jpki_ctx **ret, struct jpki_err *err)
{
	struct jpki_ctx *c = malloc(sizeof(*c));
	if (!c)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	*c = defaults;
	*ret = c;
	return 0;
}

void jpki_ctx_free(struct jpki_ctx *ctx)
{
	free(ctx);
}

static int set_text(char *dst, size_t cap, const char *what, const char *v, struct jpki_err *err)
{
	if (!v || !*v || strlen(v) >= cap)
		return jpki_fail(err, JPKI_E_INVALID, "%s must be 1 to %zu bytes", what, cap - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int jpki_ctx_set_data_dir(struct jpki_ctx *ctx, const char *path, struct jpki_err *err)
{
	return set_text(ctx->data_dir, sizeof(ctx->data_dir), "the data folder", path, err);
}

int jpki_ctx_set_base_url(struct jpki_ctx *ctx, const char *url, struct jpki_err *err)
{
	if (url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the base URL must start with http:// or "
		                 "https://");
	if (url && strpbrk(url, " \t\r\n\"<>\\^`{|}"))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "the base URL holds a character a URL "
		                 "cannot");
	return set_text(ctx->base_url, sizeof(ctx->base_url), "the base URL", url, err);
}

int jpki_ctx_set_issuer_key_file(struct jpki_ctx *ctx, const char *path, struct jpki_err *err)
{
	return set_text(ctx->issuer_key_file, sizeof(ctx->issuer_key_file), "the issuer key file",
	                path, err);
}

void jpki_ctx_set_now(struct jpki_ctx *ctx, int64_t now)
{
	ctx->fixed_clock = true;
	ctx->now = now;
}

void jpki_ctx_use_system_clock(struct jpki_ctx *ctx)
{
	ctx->fixed_clock = false;
}

void jpki_ctx_set_log(struct jpki_ctx *ctx, jpki_log_fn fn, void *arg)
{
	ctx->log = fn;
	ctx->log_arg = arg;
}

int jpki_ctx_now(const struct jpki_ctx *ctx, int64_t *out, struct jpki_err *err)
{
	if (ctx && ctx->fixed_clock) {
		*out = ctx->now;
		return 0;
	}
	time_t t = time(NULL);
	if (t == (time_t)-1)
		return jpki_fail(err, JPKI_E_IO, "the system clock cannot be read");
	*out = (int64_t)t;
	return 0;
}

const char *jpki_ctx_data_dir(const struct jpki_ctx *ctx)
{
	return ctx ? ctx->data_dir : defaults.data_dir;
}

int jpki_ctx_set_store(struct jpki_ctx *ctx, const char *spec, struct jpki_err *err)
{
	if (!spec)
		spec = "";
	if (strlen(spec) >= sizeof(ctx->store))
		return jpki_fail(err, JPKI_E_INVALID, "the registry's name is too long");
	snprintf(ctx->store, sizeof(ctx->store), "%s", spec);
	return 0;
}

const char *jpki_ctx_store(const struct jpki_ctx *ctx)
{
	return ctx ? ctx->store : "";
}

const char *jpki_ctx_base_url(const struct jpki_ctx *ctx)
{
	return ctx ? ctx->base_url : defaults.base_url;
}

const char *jpki_ctx_issuer_key_file(const struct jpki_ctx *ctx)
{
	return ctx ? ctx->issuer_key_file : "";
}

void jpki_ctx_log(const struct jpki_ctx *ctx, const char *level, const char *fmt, ...)
{
	if (!ctx || !ctx->log)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_arg, level, msg);
}
