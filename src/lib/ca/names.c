/*
 * names.c: UTF-8 checks, era-prefixed dates, the name and flag values of
 * the signature certificate, and addresses split at prefecture and
 * municipality.
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "names.h"

#define IDEOGRAPHIC_SPACE "\xE3\x80\x80" /* U+3000, between family and given name */

/* Decode one UTF-8 sequence (RFC 3629: shortest form, no surrogates, <= U+10FFFF). */
static int utf8_next(struct jpki_cur *c, unsigned long *cp)
{
	uint8_t b0, b;
	if (!jpki_cur_u8(c, &b0))
		return -1;
	int extra;
	unsigned long v, min;
	if (b0 < 0x80) {
		*cp = b0;
		return 0;
	} else if ((b0 & 0xE0) == 0xC0) {
		extra = 1, v = b0 & 0x1F, min = 0x80;
	} else if ((b0 & 0xF0) == 0xE0) {
		extra = 2, v = b0 & 0x0F, min = 0x800;
	} else if ((b0 & 0xF8) == 0xF0) {
		extra = 3, v = b0 & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	while (extra-- > 0) {
		if (!jpki_cur_u8(c, &b) || (b & 0xC0) != 0x80)
			return -1;
		v = v << 6 | (b & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return -1;
	*cp = v;
	return 0;
}

/*
 * Characters that change how the text around them is displayed (Unicode
 * UAX #9 explicit formatting: ALM, LRM, RLM, LRE..RLO, LRI..PDI) or break it
 * into lines: a name holding U+202E shows its characters backwards on every
 * screen and certificate viewer, a spoofing tool.
 */
static bool is_display_control(unsigned long cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

static bool is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

/* Characters of s, or -1 with what is wrong (a code point in *bad, or 0: not UTF-8). */
static long text_chars(const char *s, unsigned long *bad)
{
	struct jpki_cur c = jpki_cur_make(s, strlen(s));
	long n = 0;
	*bad = 0;
	while (!jpki_cur_done(&c)) {
		unsigned long cp;
		if (utf8_next(&c, &cp) < 0)
			return -1;
		if (is_control(cp) || is_display_control(cp)) {
			*bad = cp;
			return -1;
		}
		n++;
	}
	return n;
}

long jpki_utf8_chars(const char *s)
{
	unsigned long bad;
	return text_chars(s, &bad);
}

int jpki_text_check(const char *field, const char *s, struct jpki_err *err)
{
	unsigned long bad;
	if (text_chars(s, &bad) >= 0)
		return 0;
	if (bad == 0)
		return jpki_fail(err, JPKI_E_INVALID, "%s is not valid UTF-8 text", field);
	if (is_control(bad))
		return jpki_fail(err, JPKI_E_INVALID, "%s contains the control character U+%04lX",
		                 field, bad);
	return jpki_fail(err, JPKI_E_INVALID,
	                 "%s contains U+%04lX, a character that changes how text is displayed "
	                 "(bidirectional or line control): refused",
	                 field, bad);
}

int jpki_era_of(struct jpki_date d)
{
	static const struct {
		struct jpki_date start;
		int era;
	} eras[] = {
	    {{2019, 5, 1}, 5},   /* 令和 */
	    {{1989, 1, 8}, 4},   /* 平成 */
	    {{1926, 12, 25}, 3}, /* 昭和 */
	    {{1912, 7, 30}, 2},  /* 大正 */
	    {{1868, 10, 23}, 1}, /* 明治 */
	};
	for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++)
		if (jpki_date_cmp(d, eras[i].start) >= 0)
			return eras[i].era;
	return 0;
}

void jpki_birth_value(struct jpki_date d, char buf[static 10])
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%d%04d%02d%02d", jpki_era_of(d), d.y, d.m, d.d);
	memcpy(buf, tmp, 9);
	buf[9] = '\0';
}

static int append(char *dst, size_t cap, size_t *used, const char *s)
{
	size_t n = strlen(s);
	if (*used + n >= cap)
		return -1;
	memcpy(dst + *used, s, n + 1);
	*used += n;
	return 0;
}

static int append_zeros(char *dst, size_t cap, size_t *used, long n)
{
	for (long i = 0; i < n; i++)
		if (append(dst, cap, used, "0") < 0)
			return -1;
	return 0;
}

static int append_tagged(char *name, size_t cap, size_t *used, const char *tag, const char *v)
{
	if (!*v)
		return 0;
	if (append(name, cap, used, "［") < 0 || append(name, cap, used, tag) < 0 ||
	    append(name, cap, used, IDEOGRAPHIC_SPACE) < 0 || append(name, cap, used, v) < 0 ||
	    append(name, cap, used, "］") < 0)
		return -1;
	return 0;
}

int jpki_name_value(const struct jpki_resident *r, char *name, size_t name_cap, char *flags,
                    size_t flags_cap, struct jpki_err *err)
{
	size_t used = 0, fused = 0;
	name[0] = flags[0] = '\0';
	if (append(name, name_cap, &used, r->family) < 0 ||
	    append(name, name_cap, &used, IDEOGRAPHIC_SPACE) < 0 ||
	    append(name, name_cap, &used, r->given) < 0)
		return jpki_fail(err, JPKI_E_LIMIT, "name too long");
	long base_chars = jpki_utf8_chars(name);
	int rc = r->name_subst[0] ? append(flags, flags_cap, &fused, r->name_subst)
	                          : append_zeros(flags, flags_cap, &fused, base_chars);
	if (rc < 0 || append_tagged(name, name_cap, &used, "旧氏", r->former_surname) < 0 ||
	    append_tagged(name, name_cap, &used, "通称", r->alias) < 0)
		return jpki_fail(err, JPKI_E_LIMIT, "name too long");
	long total = jpki_utf8_chars(name);
	if (total < 0 || append_zeros(flags, flags_cap, &fused, total - base_chars) < 0)
		return jpki_fail(err, JPKI_E_LIMIT, "name too long");
	return 0;
}

int jpki_address_flags(const struct jpki_resident *r, char *flags, size_t cap, struct jpki_err *err)
{
	size_t used = 0;
	flags[0] = '\0';
	int rc = r->address_subst[0] ? append(flags, cap, &used, r->address_subst)
	                             : append_zeros(flags, cap, &used, jpki_utf8_chars(r->address));
	return rc < 0 ? jpki_fail(err, JPKI_E_LIMIT, "address too long") : 0;
}

static const char *const prefectures[47] = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
};

#define CP_SHI 0x5E02   /* 市 */
#define CP_KU 0x533A    /* 区 */
#define CP_MACHI 0x753A /* 町 */
#define CP_MURA 0x6751  /* 村 */
#define CP_GUN 0x90E1   /* 郡 */
#define SCAN_CHARS 40   /* a municipality name is far shorter */

struct scan {
	unsigned long cp[SCAN_CHARS];
	size_t end[SCAN_CHARS]; /* byte offset just after character i */
	int n;
};

static void scan_chars(const char *s, struct scan *sc)
{
	struct jpki_cur c = jpki_cur_make(s, strlen(s));
	sc->n = 0;
	while (sc->n < SCAN_CHARS && !jpki_cur_done(&c)) {
		if (utf8_next(&c, &sc->cp[sc->n]) < 0)
			return;
		sc->end[sc->n++] = c.off;
	}
}

static bool is_town(unsigned long cp)
{
	return cp == CP_MACHI || cp == CP_MURA;
}

/* A district (郡) name followed by its town or village: 虻田郡倶知安町, 余市郡余市町. */
static int district_end(const struct scan *sc)
{
	for (int g = 1; g < sc->n; g++) {
		if (sc->cp[g] != CP_GUN)
			continue;
		for (int i = g + 1; i < sc->n; i++) {
			if (is_town(sc->cp[i]))
				return i;
			/* a 市 not directly before the 町/村 means 郡 was part of a city's name */
			if (sc->cp[i] == CP_SHI && !(i + 1 < sc->n && is_town(sc->cp[i + 1])))
				return -1;
		}
		return -1;
	}
	return -1;
}

/*
 * Byte length of the municipality at the start of s, or 0 when none is
 * found.  In order: a district with its town or village; else the first
 * 市 or 区 (not as the first character: 市川市; a doubled 市 ends at the
 * second: 四日市市); else the first 町 or 村 (Tokyo's island towns).
 * Known limit: a city name that holds 郡 and a street address past it that
 * holds 町 without 市 between (rare) reads as a district.
 */
static size_t municipality_len(const char *s)
{
	struct scan sc;
	scan_chars(s, &sc);
	int end = district_end(&sc);
	for (int i = 1; end < 0 && i < sc.n; i++) {
		if (sc.cp[i] == CP_SHI || sc.cp[i] == CP_KU)
			end = sc.cp[i] == CP_SHI && i + 1 < sc.n && sc.cp[i + 1] == CP_SHI ? i + 1
			                                                                   : i;
	}
	for (int i = 1; end < 0 && i < sc.n; i++)
		if (is_town(sc.cp[i]))
			end = i;
	return end < 0 ? 0 : sc.end[end];
}

int jpki_address_split(const char *address, char *pref, size_t pref_cap, char *city,
                       size_t city_cap, struct jpki_err *err)
{
	for (size_t i = 0; i < 47; i++) {
		size_t n = strlen(prefectures[i]);
		if (strncmp(address, prefectures[i], n) != 0)
			continue;
		size_t m = municipality_len(address + n);
		if (m == 0)
			return jpki_fail(err, JPKI_E_INVALID,
			                 "address: no municipality (市/区/町/村) after %s",
			                 prefectures[i]);
		if (n >= pref_cap || m >= city_cap)
			return jpki_fail(err, JPKI_E_LIMIT, "address too long");
		memcpy(pref, address, n);
		pref[n] = '\0';
		memcpy(city, address + n, m);
		city[m] = '\0';
		return 0;
	}
	return jpki_fail(err, JPKI_E_INVALID, "address must start with a prefecture (e.g. 東京都)");
}

static int check_text(const char *field, const char *v, bool required, long max_chars,
                      struct jpki_err *err)
{
	int rc = jpki_text_check(field, v, err);
	if (rc < 0)
		return rc;
	long n = jpki_utf8_chars(v);
	if (required && n == 0)
		return jpki_fail(err, JPKI_E_INVALID, "%s is required", field);
	if (n > max_chars)
		return jpki_fail(err, JPKI_E_INVALID, "%s is longer than %ld characters", field,
		                 max_chars);
	if (strstr(v, " ") || strstr(v, IDEOGRAPHIC_SPACE))
		return jpki_fail(err, JPKI_E_INVALID, "%s must not contain spaces", field);
	return 0;
}

static int check_flags(const char *field, const char *flags, long chars, struct jpki_err *err)
{
	if (!flags[0])
		return 0;
	if ((long)strlen(flags) != chars || strspn(flags, "01") != strlen(flags))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "%s must be one 0 or 1 per character (%ld characters)", field,
		                 chars);
	return 0;
}

int jpki_resident_check(const struct jpki_resident *r, struct jpki_err *err)
{
	int rc;
	if ((rc = check_text("family name", r->family, true, 30, err)) < 0 ||
	    (rc = check_text("given name", r->given, true, 30, err)) < 0 ||
	    (rc = check_text("former surname", r->former_surname, false, 30, err)) < 0 ||
	    (rc = check_text("alias", r->alias, false, 30, err)) < 0)
		return rc;
	if ((rc = jpki_text_check("address", r->address, err)) < 0)
		return rc;
	long addr = jpki_utf8_chars(r->address);
	if (addr <= 0 || addr > JPKI_ADDRESS_CHARS)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "address must be 1 to %d characters of valid UTF-8",
		                 JPKI_ADDRESS_CHARS);
	char pref[32], city[256];
	if ((rc = jpki_address_split(r->address, pref, sizeof(pref), city, sizeof(city), err)) < 0)
		return rc;
	long name_chars = jpki_utf8_chars(r->family) + 1 + jpki_utf8_chars(r->given);
	if ((rc = check_flags("name substitute flags", r->name_subst, name_chars, err)) < 0 ||
	    (rc = check_flags("address substitute flags", r->address_subst, addr, err)) < 0)
		return rc;
	if (!jpki_date_valid(r->birth))
		return jpki_fail(err, JPKI_E_BAD_DATE, "date of birth is not a calendar day");
	if (r->sex < JPKI_SEX_MALE || r->sex > JPKI_SEX_UNKNOWN)
		return jpki_fail(err, JPKI_E_INVALID, "sex must be M, F or U");
	if ((unsigned)r->status > JPKI_DECEASED)
		return jpki_fail(err, JPKI_E_INVALID, "unknown residence status");
	if (r->has_residence_end && !jpki_date_valid(r->residence_end))
		return jpki_fail(err, JPKI_E_BAD_DATE,
		                 "residence period end is not a calendar day");
	return 0;
}
