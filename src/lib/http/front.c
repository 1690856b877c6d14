/*
 * front.c: GET / (front.h).  One static page, in Japanese with the English
 * beside it, no script, no style sheet: nothing the strict policy below
 * would have to allow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static void link_row(FILE *f, const char *base, const char *path, const char *ja, const char *en)
{
	fputs("<li><a href=\"", f);
	put_escaped(f, base);
	fputs(path, f);
	fprintf(f, "\">%s</a> (%s): <code>", ja, en);
	put_escaped(f, base);
	fprintf(f, "%s</code></li>\n", path);
}

static void write_page(FILE *f, const char *base, const char *portal, const char *counter)
{
	fputs("<!doctype html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>jpki: 公的個人認証サービス</title>\n</head>\n<body>\n<main>\n"
	      "<h1>jpki: 公的個人認証サービス (JPKI)</h1>\n"
	      "<p>マイナンバーカードの署名用電子証明書と利用者証明用電子証明書を発行し、"
	      "失効情報を提供するサービスのオープンソース実装です。"
	      "<span lang=\"en\">An open-source implementation of Japan's Public Personal "
	      "Authentication Service: the CAs behind the two certificates of a My Number card, "
	      "their revocation, and the relying parties' side.</span></p>\n"
	      "<h2>認証局の証明書と失効情報 <span lang=\"en\">(CA certificates and revocation)"
	      "</span></h2>\n<ul>\n",
	      f);
	link_row(f, base, "/ca/sign.pem", "署名用認証局の証明書", "signature CA");
	link_row(f, base, "/ca/auth.pem", "利用者証明用認証局の証明書", "authentication CA");
	link_row(f, base, "/crl/sign.crl", "署名用の失効リスト", "signature CRL");
	link_row(f, base, "/crl/auth.crl", "利用者証明用の失効リスト", "authentication CRL");
	fputs("<li>OCSP レスポンダ <span lang=\"en\">(OCSP, RFC 6960: POST, or GET with the "
	      "request in base64)</span>: <code>",
	      f);
	put_escaped(f, base);
	fputs("/ocsp/sign</code>, <code>", f);
	put_escaped(f, base);
	fputs("/ocsp/auth</code></li>\n<li>タイムスタンプ <span lang=\"en\">(time-stamping, RFC "
	      "3161: POST a query)</span>: <code>",
	      f);
	put_escaped(f, base);
	fputs("/tsa</code></li>\n</ul>\n<h2>利用者と依拠当事者 <span lang=\"en\">(holders and "
	      "relying parties)</span></h2>\n<ul>\n",
	      f);
	if (portal) {
		fputs("<li><a href=\"", f);
		put_escaped(f, portal);
		fputs(
		    "\">デモポータル</a> <span lang=\"en\">(the demo portal: log in with the card, "
		    "sign a filing)</span></li>\n",
		    f);
	} else {
		fputs(
		    "<li>デモポータルは HTTPS の待ち受け (<code>--tls-listen</code>) で動きます "
		    "<span lang=\"en\">(the demo portal runs on the HTTPS listener)</span></li>\n",
		    f);
	}
	fputs("<li>署名の検証 <span lang=\"en\">(signature verification: POST /verify)</span>"
	      "</li>\n</ul>\n<h2>市区町村の窓口 <span lang=\"en\">(the municipal counter)</span>"
	      "</h2>\n<ul>\n",
	      f);
	if (counter) {
		fputs("<li><a href=\"", f);
		put_escaped(f, counter);
		fputs("\">窓口端末</a> <span lang=\"en\">(the counter terminal, for operators; its "
		      "REST API at /api/v1)</span></li>\n",
		      f);
	} else {
		fputs("<li>窓口端末は HTTPS の待ち受け (<code>--tls-listen</code>) で動きます "
		      "<span lang=\"en\">(the counter terminal runs on the HTTPS listener)</span>"
		      "</li>\n",
		      f);
	}
	fputs("</ul>\n"
	      "<h2>文書 <span lang=\"en\">(documentation)</span></h2>\n"
	      "<p>ソースの <code>README.md</code> と <code>docs/</code> (<code>design.md</code>, "
	      "<code>operations.md</code>, <code>login.md</code>, <code>audit.md</code> ...)。"
	      "<span lang=\"en\">See README.md and docs/ in the source.</span></p>\n"
	      "</main>\n</body>\n</html>\n",
	      f);
}

enum MHD_Result jpki_front_page(struct MHD_Connection *conn, const char *base, const char *portal,
                                const char *counter)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	write_page(f, base, portal, counter);
	if (fclose(f) != 0) {
		free(buf);
		return MHD_NO;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy",
	                        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
	                        "form-action 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}
