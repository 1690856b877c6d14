/*
 * cmd_cert_revoke.c: `jpki cert revoke`: one serial, or a list on the
 * strength of an approved mass-revocation request (rule M1).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "commands.h"
#include "core/cursor.h"
#include "core/fsutil.h"
#include "counter/approved.h"
#include "cmd_counter.h"
#include "counter/config.h"
#include "resident/revoke.h"

#define LIST_MAX (64u * 1024 * 1024)

static const char usage[] =
    "usage: jpki cert revoke --reason REASON SERIAL\n"
    "       jpki cert revoke --digest (SERIAL... | --list FILE)\n"
    "       jpki cert revoke --reason REASON (SERIAL... | --list FILE) --approval N\n"
    "                        --operator ID --counter ID\n"
    "\n"
    "Revoke certificates (docs/rules.md, rule C5 and the reasons), all in one transaction:\n"
    "an unknown serial changes nothing; one already revoked is left as it was.\n"
    "FILE has one hex serial per line (blank lines and # comments skipped).\n"
    "More than one serial, or a list, is a mass revocation (rule M1): --digest\n"
    "prints the list's subject (\"list D\", whatever the order) and changes nothing;\n"
    "the operator asks for it (`jpki approval request --kind mass-revocation --what\n"
    "\"list D: why\"`), a supervisor approves, and the same operator revokes the list\n"
    "with --approval N (used once; the revocation and the use are one transaction and\n"
    "one audit entry).  REASON is one of\n"
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

struct revoke_args {
	enum jpki_reason reason;
	bool have_reason, digest;
	const char *list, *operator_id, *counter_id;
	int64_t approval;
};

static int print_digest(const struct serials *s)
{
	struct jpki_err err;
	char d[JPKI_LIST_DIGEST_LEN + 1];
	if (jpki_serial_list_digest((const char *const *)s->v, s->n, d, &err) < 0)
		return cli_fail(&err);
	printf("list %s (%zu serials)\n", d, s->n);
	return 0;
}

/* One serial: the revocation of one certificate. */
static int revoke_one(struct jpki_store *st, const struct revoke_args *a, const char *serial)
{
	struct jpki_err err;
	struct jpki_revoke_result res;
	int64_t now;
	if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
	    jpki_revoke_serials(st, &serial, 1, a->reason, now, &res, &err) < 0)
		return cli_fail(&err);
	printf("revoked %zu certificate(s) (%s); %zu already revoked\n", res.revoked,
	       jpki_reason_name(a->reason), res.already_revoked);
	return 0;
}

/* Rule M1: the list, on the strength of the operator's approved request about it. */
static int revoke_list(struct jpki_store *st, const struct revoke_args *a, const struct serials *s)
{
	struct jpki_err err;
	struct jpki_counter_config cfg;
	struct jpki_revoke_result res;
	if (a->approval == 0 || !a->operator_id || !a->counter_id)
		return cli_usage_error(
		    usage, "cert revoke: more than one serial is a mass revocation (rule "
		           "M1): --approval N --operator ID --counter ID (see --digest)");
	struct jpki_counter_session cs = {cli_ctx(),     st,   &cfg, a->operator_id,
	                                  a->counter_id, NULL, 0};
	if (jpki_counter_config_load(cli_ctx(), &cfg, &err) < 0 ||
	    jpki_ctx_now(cli_ctx(), &cs.now, &err) < 0)
		return cli_fail(&err);
	if (jpki_counter_mass_revoke(&cs, (const char *const *)s->v, s->n, a->reason, a->approval,
	                             &res, &err) < 0)
		return counter_fail(&err);
	printf("revoked %zu certificate(s) (%s); %zu already revoked\n", res.revoked,
	       jpki_reason_name(a->reason), res.already_revoked);
	return 0;
}

int cmd_cert_revoke(int argc, char **argv)
{
	struct revoke_args a = {.reason = JPKI_REASON_UNSPECIFIED};
	const struct cli_opt opts[] = {
	    {"reason", CLI_CUSTOM, &a.reason, 0, 0, cli_opt_reason, &a.have_reason},
	    {"list", CLI_TEXT, &a.list, 0, 0, NULL, NULL},
	    {"digest", CLI_FLAG, &a.digest, 0, 0, NULL, NULL},
	    {"approval", CLI_ID, &a.approval, 0, 0, NULL, NULL},
	    {"operator", CLI_TEXT, &a.operator_id, 0, 0, NULL, NULL},
	    {"counter", CLI_TEXT, &a.counter_id, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int prc = cli_parse(argc, argv, usage, "cert revoke", opts);
	if (prc >= 0)
		return prc;
	if (!a.have_reason && !a.digest)
		return cli_usage_error(usage, "cert revoke: --reason is required");
	if ((a.list != NULL) == (optind < argc))
		return cli_usage_error(usage, "cert revoke: give serials or --list, not both");
	struct serials s = {NULL, 0, 0};
	int rc = 0;
	if (a.list)
		rc = read_list(a.list, &s);
	for (int i = optind; i < argc && rc == 0; i++)
		if (add_serial(&s, argv[i], strlen(argv[i])) < 0)
			rc = cli_usage_error(usage, "'%s' is not a hex serial", argv[i]);
	if (rc == 0 && s.n == 0)
		rc = cli_usage_error(usage, "cert revoke: the list is empty");
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if (rc == 0 && a.digest)
		rc = print_digest(&s);
	else if (rc == 0 && (rc = cli_open_store(&st)) == 0)
		rc = s.n == 1 && !a.list && a.approval == 0 ? revoke_one(st, &a, s.v[0])
		                                            : revoke_list(st, &a, &s);
	serials_free(&s);
	return rc;
}
