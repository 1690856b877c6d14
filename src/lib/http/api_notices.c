/*
 * api_notices.c: the renewal notices of a month from the API (rule N2).
 * POST /api/v1/notices runs a month as `jpki counter notices` does, in the
 * counter library, and keeps each notice's PDF in <data>/notices/<month>/
 * (written inside the run's transaction: a failure records no notice as
 * sent); GET /api/v1/notices/{resident}?month=M hands one back for printing.
 * docs/api.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api_int.h"
#include "core/base64.h"
#include "core/fsutil.h"
#include "counter/proxy.h"
#include "card/keys.h"

#define NOTICE_PDF_MAX (4u << 20)

/* A month as the path of its folder: exactly YYYY-MM (the library checks the date). */
static bool month_shape(const char *m)
{
	return m && strlen(m) == 7 && strspn(m, "0123456789") == 4 && m[4] == '-' &&
	       strspn(m + 5, "0123456789") == 2;
}

static int notices_dir(struct api_call *c, const char *month, char *dir, size_t cap)
{
	char name[32];
	if (!month_shape(month))
		return jpki_fail(&c->err, JPKI_E_INVALID, "month: YYYY-MM");
	snprintf(name, sizeof(name), "notices/%s", month);
	return jpki_data_path(c->h->ctx, dir, cap, name, &c->err);
}

struct notice_run {
	char dir[4096];
	json_t *list;
};

/* One notice: its PDF kept, its line in the answer (no form code: that is on the paper). */
static int kept(void *arg, const struct jpki_resident *r, const struct jpki_notice_cert *certs,
                int n, const char *code, int64_t form_expires, const uint8_t *pdf, size_t pdf_len,
                struct jpki_err *err)
{
	struct notice_run *run = arg;
	char path[4200], name[300];
	(void)code;
	snprintf(path, sizeof(path), "%s/notice-%" PRId64 ".pdf", run->dir, r->id);
	int rc = jpki_write_file_atomic(path, pdf, pdf_len, 0600, err);
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "%s %s", r->family, r->given);
	json_t *serials = json_array();
	for (int i = 0; serials && i < n; i++)
		json_array_append_new(serials,
		                      json_pack("{s:s, s:s, s:I}", "serial", certs[i].serial,
		                                "kind", jpki_kind_name(certs[i].kind), "notAfter",
		                                (json_int_t)certs[i].not_after));
	json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:I}", "resident", (json_int_t)r->id, "name",
	                      name, "address", r->address, "certificates", serials,
	                      "formValidUntil", (json_int_t)form_expires);
	if (!o || json_array_append_new(run->list, o) < 0)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	return 0;
}

static int notices_send(struct api_call *c)
{
	struct jpki_counter_session s;
	struct notice_run run = {.list = json_array()};
	uint8_t master[JPKI_CARD_KEY_LEN];
	const char *month = jpki_api_text(c->body, "month");
	int sent = 0, skipped = 0;
	int rc = run.list ? notices_dir(c, month, run.dir, sizeof(run.dir))
	                  : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = jpki_mkdir_p(run.dir, &c->err);
	if (rc == 0)
		rc = jpki_issuer_master_load(c->h->ctx, master, false, &c->err);
	if (rc == 0) {
		jpki_api_counter_session(c, &s);
		rc = jpki_counter_notices(&s, month, master, kept, NULL, &run, &sent, &skipped,
		                          &c->err);
		OPENSSL_cleanse(master, sizeof(master));
	}
	if (rc < 0) {
		json_decref(run.list);
		return rc;
	}
	c->reply = json_pack("{s:s, s:i, s:i, s:o}", "month", month, "sent", sent, "skipped",
	                     skipped, "notices", run.list);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

/* A notice sent earlier, for printing: {"resident", "month", "pdf" (base64)}. */
static int notice_get(struct api_call *c)
{
	const char *month = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "month");
	char dir[4096], path[4200];
	uint8_t *pdf = NULL;
	size_t len = 0;
	if (c->param_id <= 0)
		return jpki_fail(&c->err, JPKI_E_NOT_FOUND, "no resident %s", c->param);
	int rc = notices_dir(c, month, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/notice-%" PRId64 ".pdf", dir, c->param_id);
	if (!jpki_path_exists(path))
		return jpki_fail(&c->err, JPKI_E_NOT_FOUND,
		                 "no notice of month %s for resident %" PRId64, month, c->param_id);
	if ((rc = jpki_read_file(path, NOTICE_PDF_MAX, &pdf, &len, &c->err)) < 0)
		return rc;
	char *b64 = jpki_base64_encode(pdf, len);
	free(pdf);
	if (!b64)
		return jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
	c->reply = json_pack("{s:I, s:s, s:s}", "resident", (json_int_t)c->param_id, "month", month,
	                     "pdf", b64);
	free(b64);
	return c->reply ? 0 : jpki_fail(&c->err, JPKI_E_NOMEM, "out of memory");
}

#define R(r) (unsigned)(JPKI_RIGHT_##r)

const struct api_route jpki_api_notice_routes[] = {
    {"POST", "/api/v1/notices", API_SESSION, R(PROCEDURE), "notices", notices_send},
    {"GET", "/api/v1/notices/{id}", API_SESSION, R(PROCEDURE), NULL, notice_get},
    {NULL, NULL, 0, 0, NULL, NULL}};
