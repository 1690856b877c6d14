/*
 * cmd_cert_revoke.c: `jpki cert revoke`, by serial or by list.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "commands.h"
#include "core/cursor.h"
#include "core/fsutil.h"
#include "resident/revoke.h"

#define LIST_MAX (64u * 1024 * 1024)

static const char usage[] =
    "usage: jpki cert revoke --reason REASON SERIAL...\n"
    "       jpki cert revoke --reason REASON --list FILE\n"
    "\n"
    "Revoke certificates (docs/rules.md, rule C5 and the reasons), all in one transaction:\n"
    "an unknown serial changes nothing; one already revoked is left as it was.\n"
    "FILE has one hex serial per line (blank lines and # comments skipped), for\n"
    "mass revocation by CA officers.  REASON is one of\n"
    "  keyCompromise        loss or compromise of the card or key\n"
    "  cessationOfOperation the holder's request, no longer used\n"
    "  affiliationChanged   the record's contents changed\n"
    "  superseded           replaced by a new certificate\n"
    "  cACompromise         compromise of the CA\n"
    "  certificateHold      suspended (JPKI never releases a hold)\n"
    "  unspecified\n";

struct serials {
	char **v;
	size_t n, cap;
};

static int add_serial(struct serials *s, const char *text, size_t len)
{
	if (len == 0 || len > 40)
		return -1;
	char *u = malloc(len + 1);
	if (!u)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
			free(u);
			return -1;
		}
		u[i] = c;
	}
	u[len] = '\0';
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			free(u);
			return -1;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = u;
	return 0;
}

static void serials_free(struct serials *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int read_list(const char *path, struct serials *s)
{
	struct jpki_err err;
	uint8_t *data;
	size_t len;
	if (jpki_read_file(path, LIST_MAX, &data, &len, &err) < 0)
		return cli_fail(&err);
	struct jpki_cur c = jpki_cur_make(data, len);
	long lineno = 0;
	int rc = 0;
	while (!jpki_cur_done(&c) && rc == 0) {
		size_t start = c.off;
		uint8_t ch = 0;
		while (jpki_cur_u8(&c, &ch) && ch != '\n')
			;
		size_t end = c.off - (ch == '\n' ? 1 : 0);
		while (end > start && (data[end - 1] == '\r' || data[end - 1] == ' '))
			end--;
		lineno++;
		if (end == start || data[start] == '#')
			continue;
		if (add_serial(s, (const char *)data + start, end - start) < 0)
			rc = cli_usage_error(usage, "%s line %ld: not a hex serial", path, lineno);
	}
	free(data);
	return rc;
}

int cmd_cert_revoke(int argc, char **argv)
{
	enum jpki_reason reason = JPKI_REASON_UNSPECIFIED;
	bool have_reason = false;
	const char *list = NULL;
	const struct cli_opt opts[] = {
	    {"reason", CLI_CUSTOM, &reason, 0, 0, cli_opt_reason, &have_reason},
	    {"list", CLI_TEXT, &list, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, usage, "cert revoke", opts);
	if (prc >= 0)
		return prc;
	if (!have_reason)
		return cli_usage_error(usage, "cert revoke: --reason is required");
	if ((list != NULL) == (optind < argc))
		return cli_usage_error(usage, "cert revoke: give serials or --list, not both");
	struct serials s = {NULL, 0, 0};
	int rc = 0;
	if (list)
		rc = read_list(list, &s);
	for (int i = optind; i < argc && rc == 0; i++)
		if (add_serial(&s, argv[i], strlen(argv[i])) < 0)
			rc = cli_usage_error(usage, "'%s' is not a hex serial", argv[i]);
	if (rc == 0 && s.n == 0)
		rc = cli_usage_error(usage, "cert revoke: the list is empty");
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	struct jpki_err err;
	struct jpki_revoke_result res;
	int64_t now;
	if (rc == 0 && (rc = cli_open_store(&st)) == 0) {
		if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
		    jpki_revoke_serials(st, (const char *const *)s.v, s.n, reason, now, &res,
		                        &err) < 0)
			rc = cli_fail(&err);
		else
			printf("revoked %zu certificate(s) (%s); %zu already revoked\n",
			       res.revoked, jpki_reason_name(reason), res.already_revoked);
	}
	serials_free(&s);
	return rc;
}
