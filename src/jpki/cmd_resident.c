/*
 * cmd_resident.c: `jpki resident add|show|list|update`.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "commands.h"
#include "resident/resident.h"

static const char usage[] =
    "usage: jpki resident add --family NAME --given NAME --birth YYYY-MM-DD --sex M|F|U\n"
    "                         --address ADDRESS [FIELDS]\n"
    "       jpki resident show ID\n"
    "       jpki resident list\n"
    "       jpki resident update ID [FIELDS]\n"
    "       jpki resident move ID --address ADDRESS [--address-flags FLAGS]\n"
    "       jpki resident rename ID [--family] [--given] [--name-flags] [--former-surname]\n"
    "                               [--alias]\n"
    "       jpki resident correct ID [FIELDS]\n"
    "       jpki resident death ID\n"
    "       jpki resident emigrate ID\n"
    "\n"
    "fields:\n"
    "  --family NAME           family name (氏), kanji, no spaces\n"
    "  --given NAME            given name (名)\n"
    "  --birth YYYY-MM-DD      date of birth\n"
    "  --sex M|F|U             male, female, not known\n"
    "  --address ADDRESS       from the prefecture on, no postcode, up to 200 characters\n"
    "  --name-flags 0101..     substitute-character flag per character of\n"
    "                          \"family<U+3000>given\" (default: none)\n"
    "  --address-flags 01..    substitute-character flag per character of the address\n"
    "  --former-surname NAME   registered former surname (旧氏); '' to clear\n"
    "  --alias NAME            registered alias (通称); '' to clear\n"
    "  --adult-ward yes|no     adult ward (成年被後見人), rule E2\n"
    "  --status STATUS         resident, moved-out or deceased (update only)\n"
    "  --residence-end DATE    end of a foreign resident's period of stay; 'none' to clear\n"
    "\n"
    "`add` prints the new resident's id.  The life events (`move`, `rename`,\n"
    "`correct`, `death`, `emigrate`, and `update` for any field) apply rule C5 in\n"
    "the same transaction as the change: a change of name (with former surname\n"
    "and alias), address, date of birth or sex revokes the current signature\n"
    "certificate (affiliationChanged) and keeps the authentication certificate;\n"
    "death and emigration revoke both (cessationOfOperation).  An event that\n"
    "changes nothing (applied twice) records and revokes nothing.\n";

enum {
	O_FAMILY = 256,
	O_GIVEN,
	O_BIRTH,
	O_SEX,
	O_ADDRESS,
	O_NAME_FLAGS,
	O_ADDRESS_FLAGS,
	O_FORMER,
	O_ALIAS,
	O_WARD,
	O_STATUS,
	O_REND
};

static int parse_sex(const char *v, void *dst, struct jpki_err *err)
{
	enum jpki_sex *sex = dst;
	if (strcmp(v, "M") == 0 || strcmp(v, "1") == 0)
		*sex = JPKI_SEX_MALE;
	else if (strcmp(v, "F") == 0 || strcmp(v, "2") == 0)
		*sex = JPKI_SEX_FEMALE;
	else if (strcmp(v, "U") == 0 || strcmp(v, "3") == 0)
		*sex = JPKI_SEX_UNKNOWN;
	else
		return jpki_fail(err, JPKI_E_INVALID, "M, F or U");
	return 0;
}

static int parse_ward(const char *v, void *dst, struct jpki_err *err)
{
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return jpki_fail(err, JPKI_E_INVALID, "yes or no");
	*(bool *)dst = strcmp(v, "yes") == 0;
	return 0;
}

static int parse_status(const char *v, void *dst, struct jpki_err *err)
{
	return jpki_residence_parse(v, dst, err);
}

/* A date, or "none" to clear it. */
static int parse_residence_end(const char *v, void *dst, struct jpki_err *err)
{
	struct jpki_resident *r = dst;
	if (strcmp(v, "none") == 0) {
		r->has_residence_end = false;
		return 0;
	}
	int rc = jpki_date_parse(v, &r->residence_end, err);
	r->has_residence_end = rc == 0;
	return rc;
}

/* Apply options to r; `seen` collects which appeared (bit i: O_FAMILY + i). 0, 2, or -1 (help). */
static int parse_fields(int argc, char **argv, struct jpki_resident *r, unsigned *seen)
{
	bool given[O_REND - O_FAMILY + 1] = {false};
#define FIELD(name, buf, o)                                                                        \
	{                                                                                          \
		name, CLI_COPY, buf, 0, sizeof(buf), NULL, &given[(o)-O_FAMILY]                    \
	}
	const struct cli_opt opts[] = {
	    FIELD("family", r->family, O_FAMILY),
	    FIELD("given", r->given, O_GIVEN),
	    {"birth", CLI_CUSTOM, &r->birth, 0, 0, cli_opt_date, &given[O_BIRTH - O_FAMILY]},
	    {"sex", CLI_CUSTOM, &r->sex, 0, 0, parse_sex, &given[O_SEX - O_FAMILY]},
	    FIELD("address", r->address, O_ADDRESS),
	    FIELD("name-flags", r->name_subst, O_NAME_FLAGS),
	    FIELD("address-flags", r->address_subst, O_ADDRESS_FLAGS),
	    FIELD("former-surname", r->former_surname, O_FORMER),
	    FIELD("alias", r->alias, O_ALIAS),
	    {"adult-ward", CLI_CUSTOM, &r->adult_ward, 0, 0, parse_ward, &given[O_WARD - O_FAMILY]},
	    {"status", CLI_CUSTOM, &r->status, 0, 0, parse_status, &given[O_STATUS - O_FAMILY]},
	    {"residence-end", CLI_CUSTOM, r, 0, 0, parse_residence_end, &given[O_REND - O_FAMILY]},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
#undef FIELD
	int rc = cli_parse(argc, argv, usage, "resident", opts);
	if (rc >= 0)
		return rc == 0 ? -1 : rc;
	for (unsigned i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i])
			*seen |= 1u << i;
	return 0;
}

static int add(int argc, char **argv)
{
	struct jpki_resident r = {.sex = 0};
	unsigned seen = 0;
	optind = 1;
	int rc = parse_fields(argc, argv, &r, &seen);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind != argc)
		return cli_usage_error(usage, "resident add: unexpected argument '%s'",
		                       argv[optind]);
	static const char *const required[] = {"family", "given", "birth", "sex", "address"};
	for (int i = 0; i < 5; i++)
		if (!(seen & (1u << i)))
			return cli_usage_error(usage, "resident add: --%s is required",
			                       required[i]);
	if (seen & (1u << (O_STATUS - O_FAMILY)))
		return cli_usage_error(usage, "resident add: a new record is always a resident");
	struct jpki_store *st;
	struct jpki_err err;
	if (cli_open_store(&st) != 0)
		return 1;
	rc = jpki_resident_add(st, &r, &err);
	jpki_store_close(st);
	if (rc < 0)
		return cli_fail(&err);
	printf("%" PRId64 "\n", r.id);
	return 0;
}

static void print_resident(const struct jpki_resident *r)
{
	char birth[11], rend[11];
	jpki_date_format(r->birth, birth);
	printf("id: %" PRId64 "\n", r->id);
	printf("family: %s\ngiven: %s\n", r->family, r->given);
	if (r->name_subst[0])
		printf("name-flags: %s\n", r->name_subst);
	if (r->former_surname[0])
		printf("former-surname: %s\n", r->former_surname);
	if (r->alias[0])
		printf("alias: %s\n", r->alias);
	printf("birth: %s\nsex: %s\n", birth, r->sex == 1 ? "M" : r->sex == 2 ? "F" : "U");
	printf("address: %s\n", r->address);
	if (r->address_subst[0])
		printf("address-flags: %s\n", r->address_subst);
	printf("adult-ward: %s\nstatus: %s\n", r->adult_ward ? "yes" : "no",
	       jpki_residence_name(r->status));
	if (r->has_residence_end) {
		jpki_date_format(r->residence_end, rend);
		printf("residence-end: %s\n", rend);
	}
}

static int load_by_arg(int argc, char **argv, const char *cmd, struct jpki_store **st,
                       struct jpki_resident *r)
{
	int64_t id;
	struct jpki_err err;
	if (optind >= argc || cli_parse_id(argv[optind], &id, NULL) < 0)
		return cli_usage_error(usage, "resident %s: give the resident's numeric id", cmd);
	if (cli_open_store(st) != 0)
		return 1;
	if ((*st)->ops->resident_get(*st, id, r, &err) < 0) {
		jpki_store_close(*st);
		*st = NULL;
		return cli_fail(&err);
	}
	optind++;
	return 0;
}

static int show(int argc, char **argv)
{
	struct jpki_store *st = NULL;
	struct jpki_resident r;
	optind = 1;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	int rc = load_by_arg(argc, argv, "show", &st, &r);
	if (rc)
		return rc;
	if (optind != argc) {
		jpki_store_close(st);
		return cli_usage_error(usage, "resident show: one id only");
	}
	print_resident(&r);
	jpki_store_close(st);
	return 0;
}

static int list_one(const struct jpki_resident *r, void *arg)
{
	char birth[11];
	jpki_date_format(r->birth, birth);
	printf("%" PRId64 "\t%s %s\t%s\t%s\t%s\n", r->id, r->family, r->given, birth,
	       jpki_residence_name(r->status), r->address);
	return 0;
}

static int list(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 1)
		return cli_usage_error(usage, "resident list takes no arguments");
	struct jpki_store *st;
	struct jpki_err err;
	if (cli_open_store(&st) != 0)
		return 1;
	int rc = st->ops->resident_each(st, list_one, NULL, &err);
	jpki_store_close(st);
	return rc < 0 ? cli_fail(&err) : 0;
}

#define F(o) (1u << ((o)-O_FAMILY))
#define ALL_FIELDS 0xFFFFFFFFu

/*
 * One life event: `jpki resident EVENT ID [FIELDS]`.  Only the fields the
 * event may change are accepted; `status`, when not 0, is what the event
 * sets.  The change and the revocations it causes commit together; an event
 * that changes nothing (applied twice) records and revokes nothing.
 */
static int apply_event(int argc, char **argv, const char *event, unsigned allowed, bool set_status,
                       enum jpki_residence status)
{
	struct jpki_store *st = NULL;
	struct jpki_resident r;
	struct jpki_err err;
	unsigned seen = 0;
	int64_t now;
	optind = 1;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	/* the id comes first: jpki resident EVENT ID --field value ... */
	int rc = load_by_arg(argc, argv, event, &st, &r);
	if (rc)
		return rc;
	optind = 1;
	rc = parse_fields(argc - 1, argv + 1, &r, &seen);
	if (rc == 0 && optind != argc - 1)
		rc = cli_usage_error(usage, "resident %s: unexpected argument '%s'", event,
		                     argv[optind + 1]);
	else if (rc == 0 && (seen & ~allowed))
		rc = cli_usage_error(usage, "resident %s: that field is not part of this event",
		                     event);
	else if (rc == 0 && !set_status && seen == 0)
		rc = cli_usage_error(usage, "resident %s: give the fields that change", event);
	if (rc) {
		jpki_store_close(st);
		return rc < 0 ? 0 : rc;
	}
	if (set_status)
		r.status = status;
	struct jpki_revocations rev;
	if (jpki_ctx_now(cli_ctx(), &now, &err) < 0 ||
	    jpki_resident_change(st, &r, now, &rev, &err) < 0) {
		jpki_store_close(st);
		return cli_fail(&err);
	}
	jpki_store_close(st);
	for (int i = 0; i < rev.n; i++)
		printf("revoked %s certificate %s (%s)\n", jpki_kind_name(rev.item[i].kind),
		       rev.item[i].serial, jpki_reason_name(rev.item[i].reason));
	if (rev.changed)
		printf("%s: resident %" PRId64 " updated\n", event, r.id);
	else
		printf("%s: resident %" PRId64 " unchanged (nothing to do)\n", event, r.id);
	return 0;
}

static int update(int argc, char **argv)
{
	return apply_event(argc, argv, "update", ALL_FIELDS, false, JPKI_RESIDENT);
}

static int move(int argc, char **argv)
{
	return apply_event(argc, argv, "move", F(O_ADDRESS) | F(O_ADDRESS_FLAGS), false,
	                   JPKI_RESIDENT);
}

static int rename_(int argc, char **argv)
{
	return apply_event(argc, argv, "rename",
	                   F(O_FAMILY) | F(O_GIVEN) | F(O_NAME_FLAGS) | F(O_FORMER) | F(O_ALIAS),
	                   false, JPKI_RESIDENT);
}

static int correct(int argc, char **argv)
{
	return apply_event(argc, argv, "correct", ALL_FIELDS & ~F(O_STATUS), false, JPKI_RESIDENT);
}

static int death(int argc, char **argv)
{
	return apply_event(argc, argv, "death", 0, true, JPKI_DECEASED);
}

static int emigrate(int argc, char **argv)
{
	return apply_event(argc, argv, "emigrate", 0, true, JPKI_MOVED_OUT);
}

int cmd_resident(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"add", add, "add a resident"},
	    {"show", show, "show a resident"},
	    {"list", list, "list residents"},
	    {"update", update, "change a resident"},
	    {"move", move, "a move of house"},
	    {"rename", rename_, "a change of name"},
	    {"correct", correct, "a correction of the record"},
	    {"death", death, "a death"},
	    {"emigrate", emigrate, "a move abroad"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("resident", cmds, usage, argc, argv);
}
