/*
 * token.c: a Web eID token's JSON read strictly in one pass (token.h).
 *
 * Strings are decoded into one buffer as long as the token: a string's
 * decoded bytes and its NUL never outnumber its source characters with their
 * two quotes, so the buffer cannot overflow, and the fields point into it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "login/token.h"

#define DEPTH_MAX 32   /* arrays and objects nested (jansson: 2048) */
#define MEMBERS_MAX 32 /* members of one object (a Web eID token has 5 to 8) */

struct reader {
	struct jpki_cur c;
	char *out; /* decoded strings */
	size_t used;
	int depth;
};

/* A string as decoded: where it starts in out, its length. */
struct span {
	size_t at, len;
};

enum kind { K_ABSENT, K_STRING, K_OTHER };

static bool value(struct reader *r, enum kind *kind, struct span *s);

/* RFC 8259 §2: space, tab, line feed, carriage return. */
static void blank(struct reader *r)
{
	uint8_t b;
	while (jpki_cur_peek(&r->c, &b) && (b == ' ' || b == '\t' || b == '\n' || b == '\r'))
		r->c.off++;
}

/* ASCII that stands for itself in a string: no control character, quote or backslash. */
static const bool plain[256] = {
    [0x20 ... 0x21] = true, [0x23 ... 0x5B] = true, [0x5D ... 0x7F] = true};

/* The run of plain bytes that starts here (the bulk of a token: its base64). */
static size_t plain_run(const struct jpki_cur *c)
{
	const uint8_t *p = c->base + c->off;
	size_t n = 0, left = jpki_cur_left(c);
	while (n < left && plain[p[n]])
		n++;
	return n;
}

static void put_utf8(struct reader *r, uint32_t cp)
{
	char *o = r->out + r->used;
	if (cp < 0x80) {
		o[0] = (char)cp, r->used += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3F)), r->used += 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F)), r->used += 3;
	} else {
		o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
		r->used += 4;
	}
}

/* Four hex digits of a \u escape. */
static bool hex4(struct reader *r, uint32_t *out)
{
	const uint8_t *p;
	if (!jpki_cur_take(&r->c, 4, &p))
		return false;
	*out = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t h = p[i];
		int v = h >= '0' && h <= '9'   ? h - '0'
		        : h >= 'a' && h <= 'f' ? h - 'a' + 10
		        : h >= 'A' && h <= 'F' ? h - 'A' + 10
		                               : -1;
		if (v < 0)
			return false;
		*out = *out << 4 | (uint32_t)v;
	}
	return true;
}

/* \uXXXX, a surrogate pair for a character outside the BMP (RFC 8259 §7); never U+0000. */
static bool unicode_escape(struct reader *r)
{
	uint32_t cp, lo;
	if (!hex4(r, &cp) || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
		return false;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (!jpki_cur_expect_str(&r->c, "\\u") || !hex4(r, &lo) || lo < 0xDC00 ||
		    lo > 0xDFFF)
			return false;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	put_utf8(r, cp);
	return true;
}

/* After a backslash. */
static bool escape(struct reader *r)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	uint8_t b;
	if (!jpki_cur_u8(&r->c, &b))
		return false;
	if (b == 'u')
		return unicode_escape(r);
	const char *k = b ? strchr(from, b) : NULL;
	if (!k)
		return false;
	r->out[r->used++] = to[k - from];
	return true;
}

/* One UTF-8 sequence of 2 to 4 bytes whose lead byte is b (RFC 3629 §4), copied out. */
static bool utf8_seq(struct reader *r, uint8_t b)
{
	uint8_t lo = 0x80, hi = 0xBF;
	int more;
	if (b >= 0xC2 && b <= 0xDF)
		more = 1;
	else if (b >= 0xE0 && b <= 0xEF)
		more = 2, lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
	else if (b >= 0xF0 && b <= 0xF4)
		more = 3, lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
	else
		return false;
	r->out[r->used++] = (char)b;
	for (int i = 0; i < more; i++, lo = 0x80, hi = 0xBF) {
		if (!jpki_cur_u8(&r->c, &b) || b < lo || b > hi)
			return false;
		r->out[r->used++] = (char)b;
	}
	return true;
}

/* A string (the opening quote read), decoded into out with its NUL. */
static bool string(struct reader *r, struct span *s)
{
	s->at = r->used;
	for (;;) {
		size_t n = plain_run(&r->c);
		const uint8_t *p;
		uint8_t b;
		if (n && jpki_cur_take(&r->c, n, &p)) {
			memcpy(r->out + r->used, p, n);
			r->used += n;
		}
		if (!jpki_cur_u8(&r->c, &b) || b < 0x20) /* the end, or a raw control character */
			return false;
		if (b == '"')
			break;
		if (b == '\\' ? !escape(r) : !utf8_seq(r, b))
			return false;
	}
	s->len = r->used - s->at;
	r->out[r->used++] = '\0';
	return true;
}

/* The digits that follow (at least one); their count in *n. */
static bool digits(struct reader *r, size_t *n)
{
	uint8_t b;
	*n = 0;
	while (jpki_cur_peek(&r->c, &b) && b >= '0' && b <= '9') {
		r->c.off++;
		(*n)++;
	}
	return *n > 0;
}

/*
 * RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, checked,
 * not converted; at most 18 digits before the fraction and 2 in the exponent.
 */
static bool number(struct reader *r)
{
	uint8_t b;
	size_t n;
	jpki_cur_expect(&r->c, '-');
	if (!jpki_cur_peek(&r->c, &b) || !digits(r, &n) || n > 18 || (b == '0' && n > 1))
		return false;
	if (jpki_cur_expect(&r->c, '.') && !digits(r, &n))
		return false;
	if (!jpki_cur_expect(&r->c, 'e') && !jpki_cur_expect(&r->c, 'E'))
		return true;
	if (!jpki_cur_expect(&r->c, '+'))
		jpki_cur_expect(&r->c, '-');
	return digits(r, &n) && n <= 2;
}

/* Elements after '[': values, comma separated. */
static bool array(struct reader *r)
{
	enum kind k;
	struct span s;
	blank(r);
	if (jpki_cur_expect(&r->c, ']'))
		return true;
	do {
		if (!value(r, &k, &s))
			return false;
		blank(r);
	} while (jpki_cur_expect(&r->c, ','));
	return jpki_cur_expect(&r->c, ']');
}

/* A name not among the object's earlier ones (JSON_REJECT_DUPLICATES). */
static bool fresh_name(const struct reader *r, const struct span *names, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (names[i].len == names[n - 1].len &&
		    memcmp(r->out + names[i].at, r->out + names[n - 1].at, names[i].len) == 0)
			return false;
	return true;
}

/* The member values a caller wants, by name: NULL-terminated names, kinds and spans. */
struct wanted {
	const char *const *names;
	enum kind *kinds; /* K_ABSENT until seen */
	struct span *spans;
};

static void keep(const struct reader *r, const struct span *name, enum kind k, const struct span *s,
                 struct wanted *w)
{
	for (int i = 0; w && w->names[i]; i++)
		if (strlen(w->names[i]) == name->len &&
		    memcmp(w->names[i], r->out + name->at, name->len) == 0) {
			w->kinds[i] = k;
			w->spans[i] = *s;
		}
}

/* Members after '{': "name": value, comma separated; w's names kept (w may be NULL). */
static bool object(struct reader *r, struct wanted *w)
{
	struct span names[MEMBERS_MAX], s;
	size_t n = 0;
	enum kind k;
	blank(r);
	if (jpki_cur_expect(&r->c, '}'))
		return true;
	do {
		blank(r);
		if (n == MEMBERS_MAX || !jpki_cur_expect(&r->c, '"') || !string(r, &names[n++]) ||
		    !fresh_name(r, names, n))
			return false;
		blank(r);
		if (!jpki_cur_expect(&r->c, ':') || !value(r, &k, &s))
			return false;
		keep(r, &names[n - 1], k, &s, w);
		blank(r);
	} while (jpki_cur_expect(&r->c, ','));
	return jpki_cur_expect(&r->c, '}');
}

/* Any value, white space before it; a nested array or object one level deeper. */
static bool value(struct reader *r, enum kind *kind, struct span *s)
{
	uint8_t b;
	blank(r);
	*kind = K_OTHER;
	*s = (struct span){0, 0};
	if (!jpki_cur_peek(&r->c, &b))
		return false;
	if (jpki_cur_expect(&r->c, '"')) {
		*kind = K_STRING;
		return string(r, s);
	}
	if (b == '[' || b == '{') {
		if (r->depth == DEPTH_MAX)
			return false;
		r->depth++;
		r->c.off++;
		bool ok = b == '[' ? array(r) : object(r, NULL);
		r->depth--;
		return ok;
	}
	return jpki_cur_expect_str(&r->c, "null") || jpki_cur_expect_str(&r->c, "true") ||
	       jpki_cur_expect_str(&r->c, "false") || number(r);
}

void jpki_login_fields_clear(struct jpki_login_fields *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

/* The fields out of w: the four strings, and appVersion a string when present. */
static const char *fields(const struct reader *r, const enum kind *k, const struct span *s,
                          struct jpki_login_fields *out)
{
	for (int i = 0; i < 4; i++)
		if (k[i] != K_STRING)
			return "not a Web eID token (format, unverifiedCertificate, algorithm, "
			       "signature)";
	if (k[4] != K_ABSENT && k[4] != K_STRING)
		return "appVersion is not a string";
	const char **to[] = {&out->format, &out->cert, &out->alg, &out->sig, &out->app};
	for (int i = 0; i < 5; i++)
		*to[i] = k[i] == K_STRING ? r->out + s[i].at : NULL;
	out->cert_len = s[1].len, out->sig_len = s[3].len;
	return NULL;
}

const char *jpki_login_token_read(const char *text, size_t len, struct jpki_login_fields *out)
{
	static const char *const names[] = {
	    "format", "unverifiedCertificate", "algorithm", "signature", "appVersion", NULL};
	enum kind kinds[5] = {K_ABSENT, K_ABSENT, K_ABSENT, K_ABSENT, K_ABSENT};
	struct span spans[5] = {{0, 0}};
	struct wanted w = {names, kinds, spans};
	struct reader r = {jpki_cur_make(text, len), NULL, 0, 0};
	memset(out, 0, sizeof(*out));
	if (!(r.out = out->buf = malloc(len + 1)))
		return "out of memory";
	blank(&r);
	bool ok = jpki_cur_expect(&r.c, '{') && object(&r, &w);
	blank(&r);
	if (!ok || !jpki_cur_done(&r.c))
		return "not JSON (RFC 8259), or beyond its limits";
	return fields(&r, kinds, spans, out);
}
