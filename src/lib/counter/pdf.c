/*
 * pdf.c: the printable documents, laid out with pango on a cairo PDF
 * surface (A4, 595 x 842 points).  Text is set in IPAexGothic (Debian's
 * fonts-ipaexfont-gothic); pango falls back to any font with the glyphs.
 * Only text the registry holds and fixed wording go on a page; no PIN ever
 * does: the form leaves boxes for the applicant to fill in by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "ca/validity.h"
#include "ca/validity.h"
#include "pdf.h"

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 56.0
#define DOC_MAX (4 * 1024 * 1024)

struct sink {
	uint8_t *p;
	size_t len, cap;
	bool failed;
};

static cairo_status_t sink_write(void *arg, const unsigned char *data, unsigned int n)
{
	struct sink *s = arg;
	if (s->failed || n > DOC_MAX - s->len) {
		s->failed = true;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		while (cap < s->len + n)
			cap *= 2;
		uint8_t *p = realloc(s->p, cap);
		if (!p) {
			s->failed = true;
			return CAIRO_STATUS_NO_MEMORY;
		}
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	return CAIRO_STATUS_SUCCESS;
}

struct page {
	cairo_surface_t *surface;
	cairo_t *cr;
	struct sink sink;
	double y;
};

static int page_open(struct page *pg, const char *title, struct jpki_err *err)
{
	memset(pg, 0, sizeof(*pg));
	pg->surface = cairo_pdf_surface_create_for_stream(sink_write, &pg->sink, PAGE_W, PAGE_H);
	if (cairo_surface_status(pg->surface) != CAIRO_STATUS_SUCCESS)
		return jpki_fail(err, JPKI_E_NOMEM, "cannot make a PDF surface");
	cairo_pdf_surface_set_metadata(pg->surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(pg->surface, CAIRO_PDF_METADATA_CREATOR, "jpki counter");
	pg->cr = cairo_create(pg->surface);
	pg->y = MARGIN;
	return 0;
}

/* One paragraph at the current line, wrapped to the margins; size in points. */
static void text(struct page *pg, const char *s, double size, bool bold)
{
	PangoLayout *l = pango_cairo_create_layout(pg->cr);
	PangoFontDescription *fd = pango_font_description_from_string("IPAexGothic");
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, s, -1);
	cairo_move_to(pg->cr, MARGIN, pg->y);
	pango_cairo_show_layout(pg->cr, l);
	int w = 0, h = 0;
	pango_layout_get_size(l, &w, &h);
	pg->y += (double)h / PANGO_SCALE + size * 0.5;
	pango_font_description_free(fd);
	g_object_unref(l);
}

/* A box to fill in by hand, with its label above. */
static void box(struct page *pg, const char *label, double height)
{
	text(pg, label, 10, false);
	cairo_set_line_width(pg->cr, 0.8);
	cairo_rectangle(pg->cr, MARGIN, pg->y, PAGE_W - 2 * MARGIN, height);
	cairo_stroke(pg->cr);
	pg->y += height + 8;
}

static void next_page(struct page *pg)
{
	cairo_show_page(pg->cr);
	pg->y = MARGIN;
}

static int page_close(struct page *pg, uint8_t **ret, size_t *len, struct jpki_err *err)
{
	cairo_show_page(pg->cr);
	cairo_destroy(pg->cr);
	cairo_surface_finish(pg->surface);
	cairo_status_t st = cairo_surface_status(pg->surface);
	cairo_surface_destroy(pg->surface);
	if (st != CAIRO_STATUS_SUCCESS || pg->sink.failed) {
		free(pg->sink.p);
		return jpki_fail(err, JPKI_E_IO, "cannot make the PDF: %s",
		                 cairo_status_to_string(st));
	}
	*ret = pg->sink.p;
	*len = pg->sink.len;
	return 0;
}

static void date_ja(int64_t t, char out[32])
{
	struct jpki_date d = jpki_jst_date(t);
	snprintf(out, 32, "%d年%d月%d日", d.y, d.m, d.d);
}

static const char *kinds_ja(int kinds)
{
	return kinds == 3   ? "署名用電子証明書・利用者証明用電子証明書"
	       : kinds == 1 ? "署名用電子証明書"
	                    : "利用者証明用電子証明書";
}

static void form_page(struct page *pg, const struct jpki_counter_config *cfg,
                      const struct jpki_form_print *f)
{
	char line[1400], until[32], issued[32];
	date_ja(f->expires_at, until);
	date_ja(f->issued_at, issued);
	text(pg, f->renewal ? "照会書兼回答書（有効期限通知書同封）" : "照会書兼回答書", 18, true);
	text(pg, "電子証明書の発行申請（代理人による申請）について", 12, false);
	snprintf(line, sizeof(line), "照会番号 %s", f->code);
	text(pg, line, 14, true);
	snprintf(line, sizeof(line), "発行日 %s　　有効期限 %s（期限を過ぎた照会書は使えません）",
	         issued, until);
	text(pg, line, 11, false);
	snprintf(line, sizeof(line), "%s %s 様\n%s", f->to->family, f->to->given, f->to->address);
	text(pg, line, 12, false);
	snprintf(line, sizeof(line),
	         "あなたの代理人から、%sの発行の申請がありました。"
	         "申請に間違いがなければ、下の回答欄をすべてご本人が記入し、"
	         "暗証番号を記入したうえで同封の封筒に入れて封をし、"
	         "代理人に持たせてください。封をしていないもの、期限を過ぎたもの、"
	         "記入に不備があるものは受け付けられません。",
	         kinds_ja(f->kinds));
	text(pg, line, 10.5, false);
	box(pg, "回答日・申請者（ご本人）の住所・氏名", 48);
	box(pg, "代理人の住所・氏名", 40);
	box(pg, "利用者証明用電子証明書の暗証番号（数字4桁）", 28);
	if (f->kinds & 1)
		box(pg, "署名用電子証明書の暗証番号（英大文字と数字を含む6〜16文字）", 28);
	const struct jpki_counter_site *site = cfg->n_sites ? &cfg->site[0] : NULL;
	snprintf(line, sizeof(line),
	         "受付：%s ほか　平日 %02d:%02d〜%02d:%02d（閉庁日を除く）。"
	         "代理人は本人確認書類（顔写真付きの官公署発行のもの）とご本人のマイナンバー"
	         "カードを持参してください。",
	         site ? site->name : "市民課", site ? site->open_minute / 60 : 8,
	         site ? site->open_minute % 60 : 30, site ? site->close_minute / 60 : 16,
	         site ? site->close_minute % 60 : 30);
	text(pg, line, 9.5, false);
}

int jpki_pdf_form(const struct jpki_counter_config *cfg, const struct jpki_form_print *f,
                  uint8_t **ret, size_t *len, struct jpki_err *err)
{
	struct page pg;
	int rc = page_open(&pg, "照会書兼回答書", err);
	if (rc < 0)
		return rc;
	form_page(&pg, cfg, f);
	return page_close(&pg, ret, len, err);
}

int jpki_pdf_notice(const struct jpki_counter_config *cfg, const struct jpki_notice_cert *certs,
                    int n, const struct jpki_form_print *f, uint8_t **ret, size_t *len,
                    struct jpki_err *err)
{
	struct page pg;
	char line[1400], d[32], from[32];
	int rc = page_open(&pg, "有効期限通知書", err);
	if (rc < 0)
		return rc;
	text(&pg, "電子証明書の有効期限通知書", 18, true);
	snprintf(line, sizeof(line), "%s %s 様\n%s", f->to->family, f->to->given, f->to->address);
	text(&pg, line, 12, false);
	text(&pg, "お持ちのマイナンバーカードの電子証明書の有効期限が近づいています。", 11, false);
	for (int i = 0; i < n; i++) {
		date_ja(certs[i].not_after, d);
		/* rule N1: the window the CA applies (ca/validity.c) */
		struct jpki_date open =
		    jpki_jst_date(jpki_renewal_window_start(certs[i].not_after));
		snprintf(from, sizeof(from), "%d年%d月%d日", open.y, open.m, open.d);
		snprintf(
		    line, sizeof(line), "%s（シリアル番号 %s）　有効期限 %s　更新の受付 %s から",
		    certs[i].kind == JPKI_KIND_SIGN ? "署名用電子証明書" : "利用者証明用電子証明書",
		    certs[i].serial, d, from);
		text(&pg, line, 10.5, false);
	}
	text(&pg,
	     "更新はマイナンバーカードと本通知書をお持ちのうえ、窓口でお手続きください。"
	     "更新の際には各暗証番号の入力が必要です。暗証番号を忘れた場合は、"
	     "本人確認書類をお持ちください（暗証番号の初期化）。"
	     "代理人が手続きする場合は、同封の照会書兼回答書に記入し、封をして代理人に"
	     "お渡しください。",
	     10.5, false);
	next_page(&pg);
	form_page(&pg, cfg, f);
	return page_close(&pg, ret, len, err);
}

int jpki_pdf_receipt(const struct jpki_receipt_rec *r, const struct jpki_resident *to,
                     uint8_t **ret, size_t *len, struct jpki_err *err)
{
	struct page pg;
	char line[600], d[32];
	int rc = page_open(&pg, "領収書", err);
	if (rc < 0)
		return rc;
	date_ja(r->issued_at, d);
	text(&pg, r->voided_at ? "領収書（取消済）" : "領収書", 18, true);
	snprintf(line, sizeof(line), "領収番号 %lld　　%s", (long long)r->number, d);
	text(&pg, line, 12, false);
	snprintf(line, sizeof(line), "%s %s 様", to->family, to->given);
	text(&pg, line, 12, false);
	snprintf(line, sizeof(line), "金額 %d 円（電子証明書発行手数料、区分 %s）", r->amount,
	         r->fee_case);
	text(&pg, line, 14, true);
	return page_close(&pg, ret, len, err);
}
