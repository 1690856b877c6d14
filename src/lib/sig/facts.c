/*
 * facts.c: the four basic facts out of a signature certificate (facts.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ca/names.h"
#include "core/ossl.h"
#include "jpki/date.h"
#include "sig/facts.h"

#define OID_FACTS "1.2.392.200149.8.5.5." /* .1 name .3 sex .4 birth .5 address */

const char *jpki_sex_name(int sex)
{
	return sex == 1 ? "male" : sex == 2 ? "female" : sex == 3 ? "not known" : "";
}

/* The length of the valid UTF-8 character at p (RFC 3629), 0 when it is not one. */
static size_t utf8_char(const unsigned char *p, uint32_t *cp)
{
	size_t n = p[0] < 0x80             ? 1
	           : (p[0] & 0xE0) == 0xC0 ? 2
	           : (p[0] & 0xF0) == 0xE0 ? 3
	           : (p[0] & 0xF8) == 0xF0 ? 4
	                                   : 0;
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (n == 0)
		return 0;
	uint32_t c = n == 1 ? p[0] : p[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

void jpki_text_clean(char *s, size_t cap)
{
	char out[2048];
	size_t o = 0, room = cap < sizeof(out) ? cap : sizeof(out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = 0;
		size_t n = utf8_char(p, &cp);
		const char *put = (const char *)p;
		size_t put_len = n;
		if (n == 0)
			put = "\xEF\xBF\xBD", put_len = 3, n = 1; /* U+FFFD */
		else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			put = "?", put_len = 1;
		if (o + put_len + 1 > room)
			break;
		memcpy(out + o, put, put_len);
		o += put_len;
		p += n;
	}
	out[o] = 0;
	memcpy(s, out, o + 1);
}

/* The otherName arc of a JPKI fact (1-6), or 0. */
static int fact_arc(const ASN1_OBJECT *oid)
{
	char txt[64];
	size_t n = strlen(OID_FACTS);
	if (OBJ_obj2txt(txt, sizeof(txt), oid, 1) <= 0 || strncmp(txt, OID_FACTS, n) != 0 ||
	    strlen(txt) != n + 1 || txt[n] < '1' || txt[n] > '6')
		return 0;
	return txt[n] - '0';
}

/* Cut "［旧氏　X］" and "［通称　X］" off the name value (profiles.md). */
static void split_name(const char *v, struct jpki_facts *f)
{
	static const char former[] = "［旧氏　", alias[] = "［通称　", close[] = "］";
	const char *bracket = strstr(v, "［");
	size_t base = bracket ? (size_t)(bracket - v) : strlen(v);
	snprintf(f->name, sizeof(f->name), "%.*s", (int)base, v);
	const char *labels[2] = {former, alias};
	char *outs[2] = {f->former, f->alias};
	for (int i = 0; i < 2; i++) {
		const char *p = strstr(v, labels[i]), *end = p ? strstr(p, close) : NULL;
		if (p && end) {
			p += strlen(labels[i]);
			snprintf(outs[i], 256, "%.*s", (int)(end - p), p);
		}
	}
}

/* EYYYYMMDD (profiles.md): E must be the era of the date. */
static int read_birth(const char *v, struct jpki_facts *f, struct jpki_err *err)
{
	static const struct {
		const char *name;
		int first_year;
	} eras[] = {{"", 0},        {"明治", 1868}, {"大正", 1912},
	            {"昭和", 1926}, {"平成", 1989}, {"令和", 2019}};
	struct jpki_date d;
	if (strlen(v) != 9 || strspn(v, "0123456789") != 9 ||
	    sscanf(v + 1, "%4d%2d%2d", &d.y, &d.m, &d.d) != 3 || !jpki_date_valid(d) ||
	    jpki_era_of(d) != v[0] - '0')
		return jpki_fail(err, JPKI_E_INVALID, "the date of birth %.12s is malformed", v);
	jpki_date_format(d, f->birth);
	int era = v[0] - '0', year = d.y - eras[era].first_year + 1;
	if (era == 0)
		snprintf(f->birth_era, sizeof(f->birth_era), "%d年%d月%d日", d.y, d.m, d.d);
	else if (year == 1)
		snprintf(f->birth_era, sizeof(f->birth_era), "%s元年%d月%d日", eras[era].name, d.m,
		         d.d);
	else
		snprintf(f->birth_era, sizeof(f->birth_era), "%s%d年%d月%d日", eras[era].name, year,
		         d.m, d.d);
	return 0;
}

static int take_fact(int arc, const char *v, struct jpki_facts *f, struct jpki_err *err)
{
	switch (arc) {
	case 1:
		split_name(v, f);
		return 0;
	case 3:
		if (strlen(v) != 1 || v[0] < '1' || v[0] > '3')
			return jpki_fail(err, JPKI_E_INVALID, "the sex value %.8s is malformed", v);
		f->sex = v[0] - '0';
		return 0;
	case 4:
		return read_birth(v, f, err);
	case 5:
		snprintf(f->address, sizeof(f->address), "%s", v);
		return 0;
	default: /* the name and address flags: not facts of the person */
		return 0;
	}
}

static int read_facts(X509 *cert, struct jpki_facts *out, struct jpki_err *err)
{
	_cleanup_(GENERAL_NAMESp) GENERAL_NAMES *gns =
	    X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; i < sk_GENERAL_NAME_num(gns); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, i);
		if (gn->type != GEN_OTHERNAME)
			continue;
		int arc = fact_arc(gn->d.otherName->type_id);
		ASN1_TYPE *val = gn->d.otherName->value;
		if (!arc)
			continue;
		if (!val || val->type != V_ASN1_UTF8STRING)
			return jpki_fail(err, JPKI_E_INVALID, "fact %d is not a UTF8String", arc);
		const ASN1_STRING *s = val->value.utf8string;
		char v[1024];
		int n = ASN1_STRING_length(s);
		if (n < 0 || (size_t)n >= sizeof(v) ||
		    memchr(ASN1_STRING_get0_data(s), 0, (size_t)n))
			return jpki_fail(err, JPKI_E_INVALID, "fact %d is too long or holds NUL",
			                 arc);
		memcpy(v, ASN1_STRING_get0_data(s), (size_t)n);
		v[n] = 0;
		int rc = take_fact(arc, v, out, err);
		if (rc < 0)
			return rc;
		out->present = true;
	}
	return 0;
}

int jpki_facts_read(X509 *cert, struct jpki_facts *out, struct jpki_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = read_facts(cert, out, err);
	/* printed and sent as JSON even when malformed: from outside, so cleaned */
	char *fields[] = {out->name, out->former, out->alias, out->address};
	size_t caps[] = {sizeof(out->name), sizeof(out->former), sizeof(out->alias),
	                 sizeof(out->address)};
	for (size_t i = 0; i < 4; i++)
		jpki_text_clean(fields[i], caps[i]);
	return rc;
}
