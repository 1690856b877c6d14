/*
 * pages.c: the demo portal's two pages (pages.h).  Nothing the holder or
 * another site typed is ever put in a page; what is (the helper's URL, the
 * indications) is escaped all the same.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pages.h"

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void put_head(FILE *f, const char *helper, const char *title)
{
	fputs("<!doctype html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"jpki-helper\" content=\"",
	      f);
	put_escaped(f, helper);
	fprintf(f,
	        "\">\n<title>%s | jpki デモポータル</title>\n"
	        "<link rel=\"stylesheet\" href=\"/demo/portal/style.css\">\n"
	        "<link rel=\"icon\" href=\"/demo/portal/icon.svg\" type=\"image/svg+xml\">\n"
	        "<script src=\"/demo/portal/app.js\" defer></script>\n</head>\n<body>\n"
	        "<header><p>jpki デモポータル（公的個人認証サービスを使う民間サイトの例）</p>"
	        "</header>\n<main>\n",
	        title);
}

static void put_foot(FILE *f)
{
	fputs("</main>\n<footer><p>このサイトは jpki の試験用の利用者（依拠当事者）です。"
	      "受け取るのは、このサイト専用の識別子（仮名）だけで、氏名・住所・生年月日・"
	      "マイナンバーは受け取りません。</p></footer>\n</body>\n</html>\n",
	      f);
}

/* The page written to the memory stream f over *buf (set by fclose). */
static char *finish(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *jpki_portal_login_page(const char *helper)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	put_head(f, helper, "ログイン");
	fputs(
	    "<h1>ログイン</h1>\n"
	    "<p>マイナンバーカードの利用者証明用電子証明書でログインします。"
	    "カードをリーダーに置いて、下のボタンを押してください。</p>\n"
	    "<p>暗証番号（数字4桁）は、このページではなく、お使いの端末の jpki "
	    "ヘルパーに入力します。ヘルパーは、このサイトのアドレスを表示して確認を求めます。</p>\n"
	    "<p><button id=\"login\" type=\"button\">マイナンバーカードでログイン</button></p>\n"
	    "<p id=\"status\" role=\"status\" aria-live=\"polite\"></p>\n",
	    f);
	put_foot(f);
	return finish(f, &buf);
}

void jpki_portal_account_name(int64_t id, char out[24])
{
	snprintf(out, 24, "A-%06" PRId64, id);
}

static void put_time(FILE *f, int64_t t)
{
	time_t tt = (time_t)t + 9 * 3600; /* Japan Standard Time, UTC+9, no summer time */
	struct tm tm;
	char buf[64];
	if (gmtime_r(&tt, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M (JST)", &tm))
		fputs(buf, f);
}

static void put_filings(FILE *f, const struct jpki_portal_filing *fl, size_t n)
{
	fputs("<section aria-labelledby=\"filings-h\">\n<h2 id=\"filings-h\">提出した申請</h2>\n",
	      f);
	if (n == 0) {
		fputs("<p>まだありません。</p>\n</section>\n", f);
		return;
	}
	fputs("<table>\n<caption>新しい順（最大20件）</caption>\n<thead><tr><th "
	      "scope=\"col\">番号</th>"
	      "<th scope=\"col\">提出日時</th><th scope=\"col\">検証結果</th>"
	      "<th scope=\"col\">署名ファイル</th></tr></thead>\n<tbody>\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<tr><td>#%" PRId64 "</td><td>", fl[i].id);
		put_time(f, fl[i].created_at);
		fputs("</td><td>", f);
		put_escaped(f, fl[i].indication);
		if (fl[i].subindication[0]) {
			fputs(" / ", f);
			put_escaped(f, fl[i].subindication);
		}
		fprintf(f,
		        "</td><td><a href=\"/demo/portal/filing/%" PRId64 ".p7s\">申請 #%" PRId64
		        " の署名 (.p7s)</a></td></tr>\n",
		        fl[i].id, fl[i].id);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

static const char sign_form[] =
    "<section aria-labelledby=\"sign-h\">\n<h2 id=\"sign-h\">申請書に署名して提出する</h2>\n"
    "<p>署名用電子証明書で署名し、タイムスタンプを付けて提出します。暗証番号（英数字6〜16桁）は"
    "ヘルパーに入力します。このカードの持ち主以外の署名用電子証明書は受け付けません。</p>\n"
    "<label for=\"filing-text\">申請の内容</label>\n"
    "<textarea id=\"filing-text\" rows=\"6\" maxlength=\"65536\"></textarea>\n"
    "<p><button id=\"sign\" type=\"button\">署名して提出</button></p>\n"
    "<p id=\"filing-status\" role=\"status\" aria-live=\"polite\"></p>\n"
    "<div id=\"filing-result\" hidden>\n<p id=\"filing-summary\"></p>\n"
    "<p><a id=\"filing-download\" href=\"#\">署名ファイルをダウンロード (.p7s)</a></p>\n"
    "</div>\n</section>\n";

char *jpki_portal_account_page(const char *helper, const struct jpki_portal_account *a,
                               bool account_new, const struct jpki_portal_filing *fl, size_t n)
{
	char *buf = NULL, name[24];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	jpki_portal_account_name(a->id, name);
	put_head(f, helper, "アカウント");
	fputs("<h1>アカウント</h1>\n", f);
	if (account_new)
		fputs("<p id=\"account-new\" class=\"notice\">新しいアカウントを作成しました。"
		      "カードを更新しても、引っ越しても、同じカードの持ち主はこのアカウントに"
		      "ログインします。</p>\n",
		      f);
	fprintf(f, "<dl>\n<dt>アカウント番号</dt><dd id=\"account\">%s</dd>\n<dt>作成日時</dt><dd>",
	        name);
	put_time(f, a->created_at);
	fprintf(f, "</dd>\n<dt>ログイン回数</dt><dd id=\"logins\">%" PRId64 "</dd>\n</dl>\n",
	        a->logins);
	fputs(sign_form, f);
	put_filings(f, fl, n);
	fputs("<p><button id=\"logout\" type=\"button\">ログアウト</button></p>\n", f);
	put_foot(f);
	return finish(f, &buf);
}
