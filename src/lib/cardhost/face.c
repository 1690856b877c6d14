/*
 * face.c: the card-face text application's attribute file, and reading and
 * writing it on a card.
 *
 * EF 0002 (docs/card-spec.md "The card-face text application"):
 *   FF 20 L  { DF 21 L header | DF 22 L name | DF 23 L address |
 *              DF 24 08 birth date YYYYMMDD | DF 25 01 sex (ISO 5218 digit) }
 * Two-byte tags (private class, tag numbers 32-37); lengths in DER's
 * definite form.  The header is our layout version, one byte 01.
 */
#include <stdio.h>
#include <string.h>

#include "ca/names.h"
#include "card/card.h"
#include "core/cursor.h"
#include "core/writer.h"
#include "face.h"
#include "host.h"

#define FACE_LAYOUT 0x01
static const char ideographic_space[] = "\xE3\x80\x80"; /* U+3000 */

void jpki_face_of_resident(const struct jpki_resident *r, struct jpki_card_face *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s%s%s", r->family, ideographic_space, r->given);
	snprintf(out->address, sizeof(out->address), "%s", r->address);
	out->birth = r->birth;
	out->sex = r->sex;
}

static void add(char *out, size_t cap, const char *what)
{
	size_t n = strlen(out);
	snprintf(out + n, cap - n, "%s%s", n ? ", " : "", what);
}

void jpki_face_diff(const struct jpki_card_face *card, const struct jpki_card_face *record,
                    char *out, size_t cap)
{
	out[0] = '\0';
	if (strcmp(card->name, record->name) != 0)
		add(out, cap, "name");
	if (strcmp(card->address, record->address) != 0)
		add(out, cap, "address");
	if (jpki_date_cmp(card->birth, record->birth) != 0)
		add(out, cap, "birth date");
	if (card->sex != record->sex)
		add(out, cap, "sex");
}

/* ISO 5218: 0 not known, 1 male, 2 female, 9 not applicable; the registry's 3 is "not known" */
static char sex_code(enum jpki_sex s)
{
	return s == JPKI_SEX_MALE ? '1' : s == JPKI_SEX_FEMALE ? '2' : '0';
}

static void put_field(struct jpki_wr *w, uint8_t tag, const void *v, size_t n)
{
	jpki_wr_u8(w, 0xDF);
	jpki_wr_der_header(w, tag, n);
	jpki_wr_put(w, v, n);
}

int jpki_face_encode(const struct jpki_card_face *f, uint8_t *buf, size_t cap, size_t *len,
                     struct jpki_err *err)
{
	uint8_t inner[JPKI_FACE_MAX];
	struct jpki_wr w = jpki_wr_make(inner, sizeof(inner));
	char birth[9], sex = sex_code(f->sex);
	uint8_t header = FACE_LAYOUT;
	if (!jpki_date_valid(f->birth) || f->birth.y > 9999)
		return jpki_fail(err, JPKI_E_INVALID, "card face: bad birth date");
	int rc = jpki_text_check("name", f->name, err);
	if (rc == 0)
		rc = jpki_text_check("address", f->address, err);
	if (rc < 0)
		return rc;
	snprintf(birth, sizeof(birth), "%04d%02d%02d", f->birth.y, f->birth.m, f->birth.d);
	put_field(&w, 0x21, &header, 1);
	put_field(&w, 0x22, f->name, strlen(f->name));
	put_field(&w, 0x23, f->address, strlen(f->address));
	put_field(&w, 0x24, birth, 8);
	put_field(&w, 0x25, &sex, 1);
	struct jpki_wr out = jpki_wr_make(buf, cap);
	jpki_wr_u8(&out, 0xFF);
	jpki_wr_der_header(&out, 0x20, jpki_wr_size(&w));
	jpki_wr_put(&out, jpki_wr_data(&w), jpki_wr_size(&w));
	if (w.failed || out.failed)
		return jpki_fail(err, JPKI_E_LIMIT, "the card face holds at most %d bytes",
		                 JPKI_FACE_MAX);
	*len = jpki_wr_size(&out);
	return 0;
}

/* One two-byte tag and its value; false when it is not `tag` or runs past the end. */
static bool take_field(struct jpki_cur *c, uint8_t first, uint8_t tag, const uint8_t **v, size_t *n)
{
	uint8_t t = 0;
	if (!jpki_cur_expect(c, first) || !jpki_cur_der_header(c, &t, n) || t != tag)
		return false;
	return jpki_cur_take(c, *n, v);
}

static bool copy_text(const uint8_t *v, size_t n, char *dst, size_t cap)
{
	if (n >= cap || memchr(v, 0, n))
		return false;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return true;
}

int jpki_face_decode(const uint8_t *buf, size_t len, struct jpki_card_face *out,
                     struct jpki_err *err)
{
	struct jpki_cur c = jpki_cur_make(buf, len), in;
	const uint8_t *v = NULL, *hv, *nv, *av, *bv, *sv;
	size_t n = 0, hn, nn, an, bn, sn;
	struct jpki_card_face f;
	memset(&f, 0, sizeof(f));
	if (!take_field(&c, 0xFF, 0x20, &v, &n))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "card face: not an attribute template (FF 20)");
	in = jpki_cur_make(v, n);
	if (!take_field(&in, 0xDF, 0x21, &hv, &hn) || !take_field(&in, 0xDF, 0x22, &nv, &nn) ||
	    !take_field(&in, 0xDF, 0x23, &av, &an) || !take_field(&in, 0xDF, 0x24, &bv, &bn) ||
	    !take_field(&in, 0xDF, 0x25, &sv, &sn) || !jpki_cur_done(&in))
		return jpki_fail(err, JPKI_E_INVALID,
		                 "card face: the fields DF 21-25 are malformed");
	if (hn != 1 || hv[0] != FACE_LAYOUT)
		return jpki_fail(err, JPKI_E_INVALID, "card face: unknown layout");
	if (!copy_text(nv, nn, f.name, sizeof(f.name)) ||
	    !copy_text(av, an, f.address, sizeof(f.address)) ||
	    jpki_text_check("card face name", f.name, err) < 0 ||
	    jpki_text_check("card face address", f.address, err) < 0)
		return jpki_fail(err, JPKI_E_INVALID, "card face: bad name or address");
	struct jpki_cur bc = jpki_cur_make(bv, bn);
	int y = 0, m = 0, d = 0;
	if (bn != 8 || !jpki_cur_digits(&bc, 4, &y) || !jpki_cur_digits(&bc, 2, &m) ||
	    !jpki_cur_digits(&bc, 2, &d))
		return jpki_fail(err, JPKI_E_INVALID, "card face: bad birth date");
	f.birth = (struct jpki_date){y, m, d};
	if (!jpki_date_valid(f.birth))
		return jpki_fail(err, JPKI_E_INVALID, "card face: bad birth date");
	if (sn != 1 || (sv[0] != '0' && sv[0] != '1' && sv[0] != '2' && sv[0] != '9'))
		return jpki_fail(err, JPKI_E_INVALID, "card face: bad sex code");
	f.sex = sv[0] == '1' ? JPKI_SEX_MALE : sv[0] == '2' ? JPKI_SEX_FEMALE : JPKI_SEX_UNKNOWN;
	*out = f;
	return 0;
}

int jpki_host_read_face(struct jpki_transport *t, const uint8_t master[JPKI_CARD_KEY_LEN],
                        const char *pin, struct jpki_card_face *out, struct jpki_err *err)
{
	uint8_t buf[JPKI_FACE_MAX + 8];
	size_t have = 0, got = 0, total = 0;
	int rc = pin ? jpki_host_select_aid(t, jpki_face_aid, err)
	             : jpki_host_issuer_auth_in(t, master, jpki_face_aid, err);
	if (rc == 0 && pin)
		rc = jpki_host_verify(t, JPKI_PIN_FACE, pin, NULL, err);
	if (rc == 0)
		rc = jpki_host_select_ef(t, JPKI_FID_FACE_ATTRS, err);
	if (rc == 0) /* FF 20 and up to 4 length bytes tell the whole size */
		rc = jpki_host_read_binary(t, 0, 6, buf, &have, err);
	if (rc == -JPKI_E_NOT_FOUND)
		return jpki_fail(err, JPKI_E_NOT_FOUND, "the card face was never written");
	if (rc < 0)
		return rc;
	struct jpki_cur c = jpki_cur_make(buf, have);
	uint8_t tag = 0;
	size_t n = 0;
	if (!jpki_cur_expect(&c, 0xFF) || !jpki_cur_der_header(&c, &tag, &n) || tag != 0x20 ||
	    n > JPKI_FACE_MAX)
		return jpki_fail(err, JPKI_E_INVALID,
		                 "card face: not an attribute template (FF 20)");
	total = c.off + n;
	while (have < total) {
		size_t want = total - have > 256 ? 256 : total - have;
		rc = jpki_host_read_binary(t, have, want, buf + have, &got, err);
		if (rc < 0)
			return rc;
		have += got;
	}
	return jpki_face_decode(buf, total, out, err);
}

int jpki_host_write_face(struct jpki_transport *t, const uint8_t master[JPKI_CARD_KEY_LEN],
                         const struct jpki_card_face *face, const char *pin, struct jpki_err *err)
{
	uint8_t buf[JPKI_FACE_MAX];
	size_t len = 0;
	int rc = jpki_face_encode(face, buf, sizeof(buf), &len, err);
	if (rc == 0)
		rc = jpki_host_issuer_auth_in(t, master, jpki_face_aid, err);
	if (rc == 0)
		rc = jpki_host_write_file(t, JPKI_FID_FACE_ATTRS, buf, len, err);
	if (rc == 0 && pin)
		rc = jpki_host_set_pin(t, JPKI_PIN_FACE, pin, err);
	return rc;
}
