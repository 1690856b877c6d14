/*
 * cmd_audit_log.c: `jpki audit export|checkpoint|vkey|prove|consistency|verify`,
 * the audit log as a tamper-evident log (audit/log.h, docs/audit.md).  The
 * service's side reads the registry; `verify` is the outsider's side: it
 * reads only files and the verifier key, never the registry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit/log.h"
#include "audit/signer.h"
#include "ca/ca.h"
#include "sig/revinfo.h"
#include "cli.h"
#include "commands.h"
#include "core/base64.h"
#include "core/fsutil.h"
#include "core/ossl.h"
#include "opts.h"

#define FILE_MAX (1u << 30) /* an export of about 3 million entries */

static const char log_usage[] =
    "usage: jpki audit export [--out FILE]\n"
    "       jpki audit checkpoint [--out FILE [--timestamp] [--tsa URL]]\n"
    "       jpki audit vkey\n"
    "       jpki audit prove --seq N [--size S]\n"
    "       jpki audit consistency --from M [--to N]\n"
    "       jpki audit verify --vkey KEY --checkpoint FILE [--entries FILE]\n"
    "                         [--previous FILE [--consistency FILE]] [--inclusion FILE]\n"
    "\n"
    "The audit log is a Merkle tree (RFC 9162 hashing) whose checkpoints the service\n"
    "signs (C2SP signed notes, Ed25519; docs/audit.md).\n"
    "  export       every entry's canonical JSON, oldest first, one a line: the leaves\n"
    "  checkpoint   the tree brought up to date, its size and root signed; with\n"
    "               --timestamp, FILE.tsr is the TSA's RFC 3161 token over FILE (the\n"
    "               service's <base URL>/tsa, or --tsa URL; the token is checked\n"
    "               against the signature CA): proof of when the log had that root\n"
    "  vkey         the verifier key (NAME+ID+KEY): all an outsider needs\n"
    "  prove        entry N's inclusion proof in the tree of S entries (default: all)\n"
    "  consistency  the proof that the tree of M entries is a prefix of that of N\n"
    "  verify       an outsider's check, from files and KEY alone (KEY or a file\n"
    "               holding it): the checkpoint's signature; with --entries, that the\n"
    "               export has entries 1..size in order and their root is the\n"
    "               checkpoint's (an entry deleted, altered, reordered or cut off\n"
    "               fails); with --previous, that the log grew from that checkpoint\n"
    "               (a rollback or a fork fails), by the export or --consistency;\n"
    "               with --inclusion, that the entry of a prove bundle is in it.\n"
    "               Prints one 'ok ...' line per check; exit 1 on the first failure.\n";

/* ---- the service's side ---- */

static int print_entry(const struct jpki_audit_rec *a, void *arg)
{
	char *s = jpki_audit_entry_json(a);
	int rc = s && fprintf(arg, "%s\n", s) > 0 ? 0 : -JPKI_E_IO;
	free(s);
	return rc;
}

static int with_out(const char *out, char *text, struct jpki_err *err)
{
	int rc = out ? cli_write_out(out, text, strlen(text), 0644, err)
	             : (fputs(text, stdout) >= 0 ? 0 : jpki_fail(err, JPKI_E_IO, "stdout"));
	free(text);
	return rc;
}

static int log_export(int argc, char **argv)
{
	const char *out = NULL;
	const struct cli_opt rows[] = {{"out", CLI_TEXT, &out, 0, 0, NULL, NULL},
	                               {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, log_usage, "audit export", rows);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jpki_audit_filter all = {0};
	if (!f)
		return cli_fail_msg("out of memory");
	if ((rc = cli_open_store(&st)) != 0) {
		fclose(f), free(buf);
		return rc;
	}
	rc = st->ops->audit_each(st, &all, print_entry, f, &err);
	if (fclose(f) != 0 && rc == 0)
		rc = jpki_fail(&err, JPKI_E_NOMEM, "out of memory");
	if (rc < 0) {
		free(buf);
		return cli_fail(&err);
	}
	return with_out(out, buf, &err) < 0 ? cli_fail(&err) : 0;
}

/* The TSA's token over the checkpoint note, written to OUT.tsr. */
static int timestamp(const char *note, const char *out, const char *tsa, struct jpki_err *err)
{
	char url[2048], path[4200];
	uint8_t hash[32], *tst = NULL;
	unsigned int hl = sizeof(hash);
	size_t len = 0;
	struct jpki_ca *ca = NULL;
	snprintf(url, sizeof(url), "%s", tsa ? tsa : jpki_ctx_base_url(cli_ctx()));
	if (!tsa)
		strncat(url, "/tsa", sizeof(url) - strlen(url) - 1);
	snprintf(path, sizeof(path), "%s.tsr", out);
	if (cli_load_ca(JPKI_KIND_SIGN, &ca) != 0)
		return jpki_fail(err, JPKI_E_STATE, "no signature CA to check the TSA's answer by");
	STACK_OF(X509) *trusted = sk_X509_new_null(); /* borrows the CA's certificate */
	int rc = trusted && sk_X509_push(trusted, ca->cert)
	             ? 0
	             : jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	if (rc == 0 && EVP_Digest(note, strlen(note), hash, &hl, EVP_sha256(), NULL) != 1)
		rc = jpki_fail(err, JPKI_E_CRYPTO, "SHA-256");
	if (rc == 0)
		rc = jpki_timestamp_fetch(url, hash, trusted, &tst, &len, err);
	if (rc == 0)
		rc = cli_write_out(path, tst, len, 0644, err);
	free(tst);
	sk_X509_free(trusted);
	jpki_ca_free(ca);
	return rc;
}

static int log_checkpoint(int argc, char **argv)
{
	const char *out = NULL, *tsa = NULL;
	bool stamp = false;
	const struct cli_opt rows[] = {{"out", CLI_TEXT, &out, 0, 0, NULL, NULL},
	                               {"timestamp", CLI_FLAG, &stamp, 0, 0, NULL, NULL},
	                               {"tsa", CLI_TEXT, &tsa, 0, 0, NULL, NULL},
	                               {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, log_usage, "audit checkpoint", rows);
	if (rc >= 0)
		return rc;
	if ((stamp || tsa) && !out)
		return cli_usage_error(log_usage, "audit checkpoint: --timestamp needs --out FILE");
	struct jpki_err err;
	struct jpki_audit_signer s;
	struct jpki_checkpoint c;
	char *note = NULL;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	if (jpki_audit_signer_open(cli_ctx(), &s, &err) < 0)
		return cli_fail(&err);
	rc = jpki_audit_checkpoint(st, &s, &c, &note, &err);
	jpki_audit_signer_close(&s);
	if (rc == 0 && (stamp || tsa) && (rc = timestamp(note, out, tsa, &err)) < 0)
		free(note);
	else if (rc == 0)
		rc = with_out(out, note, &err);
	return rc < 0 ? cli_fail(&err) : 0;
}

static int log_vkey(int argc, char **argv)
{
	const struct cli_opt rows[] = {{NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, log_usage, "audit vkey", rows);
	if (rc >= 0)
		return rc;
	struct jpki_err err;
	struct jpki_audit_signer s;
	if (jpki_audit_signer_open(cli_ctx(), &s, &err) < 0)
		return cli_fail(&err);
	printf("%s\n", s.vkey);
	jpki_audit_signer_close(&s);
	return 0;
}

static json_t *proof_json(const jpki_merkle_hash *proof, size_t len)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < len; i++) {
		char *b = jpki_base64_encode(proof[i], JPKI_MERKLE_HASH);
		if (!b || json_array_append_new(a, json_string(b)) < 0) {
			free(b);
			json_decref(a);
			return NULL;
		}
		free(b);
	}
	return a;
}

static int print_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s)
		return cli_fail_msg("out of memory");
	puts(s);
	free(s);
	return 0;
}

/* The tree's size now (brought up to date first). */
static int tree_size(struct jpki_store *st, uint64_t *n, struct jpki_err *err)
{
	int rc = st->ops->begin(st, err);
	if (rc == 0 && (rc = jpki_audit_sync(st, n, err)) == 0)
		rc = st->ops->commit(st, err);
	if (rc < 0)
		st->ops->rollback(st);
	return rc;
}

static int log_prove(int argc, char **argv)
{
	int64_t seq = 0, size = 0;
	const struct cli_opt rows[] = {{"seq", CLI_ID, &seq, 0, 0, NULL, NULL},
	                               {"size", CLI_ID, &size, 0, 0, NULL, NULL},
	                               {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, log_usage, "audit prove", rows);
	if (rc >= 0)
		return rc;
	if (!seq)
		return cli_usage_error(log_usage, "audit prove: --seq N");
	struct jpki_err err;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	uint64_t n = 0;
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX];
	size_t len = 0;
	struct jpki_audit_rec a;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	if (tree_size(st, &n, &err) < 0 || st->ops->audit_get(st, seq, &a, &err) < 0)
		return cli_fail(&err);
	if (size && (uint64_t)size > n)
		return cli_fail_msg("audit prove: the log has %" PRIu64 " entries", n);
	if (size)
		n = (uint64_t)size;
	if (jpki_audit_inclusion(st, (uint64_t)seq - 1, n, proof, &len, &err) < 0)
		return cli_fail(&err);
	_cleanup_(freep) char *entry = jpki_audit_entry_json(&a);
	return print_json(json_pack("{s:I, s:I, s:s?, s:o?}", "size", (json_int_t)n, "seq",
	                            (json_int_t)seq, "entry", entry, "inclusion",
	                            proof_json(proof, len)));
}

static int log_consistency(int argc, char **argv)
{
	int64_t from = 0, to = 0;
	const struct cli_opt rows[] = {{"from", CLI_ID, &from, 0, 0, NULL, NULL},
	                               {"to", CLI_ID, &to, 0, 0, NULL, NULL},
	                               {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL}};
	int rc = cli_parse(argc, argv, log_usage, "audit consistency", rows);
	if (rc >= 0)
		return rc;
	if (!from)
		return cli_usage_error(log_usage, "audit consistency: --from M");
	struct jpki_err err;
	_cleanup_(jpki_store_closep) struct jpki_store *st = NULL;
	uint64_t n = 0;
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX];
	size_t len = 0;
	if ((rc = cli_open_store(&st)) != 0)
		return rc;
	if (tree_size(st, &n, &err) < 0)
		return cli_fail(&err);
	if ((to && (uint64_t)to > n) || (uint64_t)from > (to ? (uint64_t)to : n))
		return cli_fail_msg("audit consistency: the log has %" PRIu64 " entries", n);
	if (to)
		n = (uint64_t)to;
	if (jpki_audit_consistency(st, (uint64_t)from, n, proof, &len, &err) < 0)
		return cli_fail(&err);
	return print_json(json_pack("{s:I, s:I, s:o?}", "from", (json_int_t)from, "to",
	                            (json_int_t)n, "consistency", proof_json(proof, len)));
}

/* ---- the outsider's side: files and the verifier key only ---- */

struct verify_args {
	const char *vkey, *checkpoint, *entries, *previous, *consistency, *inclusion;
};

/* The verdict of a failed check, on standard output with the others; exit status 1. */
static int failed(const char *what, const char *detail)
{
	printf("FAILED: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	return 1;
}

/* KEY, or the first line of a file holding it. */
static int read_vkey(const char *arg, char out[600])
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (jpki_read_file(arg, 4096, &buf, &len, NULL) == 0) {
		size_t n = 0; /* the buffer has no NUL: bounded by len */
		while (n < len && buf[n] != '\r' && buf[n] != '\n')
			n++;
		snprintf(out, 600, "%.*s", (int)(n < 599 ? n : 599), (const char *)buf);
		free(buf);
	} else {
		snprintf(out, 600, "%s", arg);
	}
	return 0;
}

static int open_checkpoint(const char *path, const char *vkey, struct jpki_checkpoint *c,
                           struct jpki_err *err)
{
	_cleanup_(freep) uint8_t *buf = NULL;
	size_t len = 0;
	int rc = jpki_read_file(path, JPKI_CHECKPOINT_MAX + 1, &buf, &len, err);
	return rc < 0 ? rc : jpki_checkpoint_open((const char *)buf, len, vkey, c, err);
}

struct export
{
	uint64_t n;
	jpki_merkle_hash *leaves;
};

/* An export's lines as leaves, each checked to be entry n + 1 (no gap, no reordering). */
static int read_export(const char *path, struct export *x, char why[600])
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	struct jpki_err err;
	if (jpki_read_file(path, FILE_MAX, &buf, &len, &err) < 0) {
		snprintf(why, 600, "%s", err.msg);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < len;) {
		const uint8_t *eol = memchr(buf + i, '\n', len - i);
		size_t n = eol ? (size_t)(eol - (buf + i)) : len - i;
		json_t *j = json_loadb((const char *)buf + i, n, JSON_REJECT_DUPLICATES, NULL);
		json_int_t seq = j ? json_integer_value(json_object_get(j, "seq")) : 0;
		json_decref(j);
		if (!eol)
			snprintf(why, 600, "line %" PRIu64 " has no line end", x->n + 1), rc = -1;
		else if (seq != (json_int_t)x->n + 1)
			snprintf(why, 600,
			         "line %" PRIu64 " is entry %lld, not %" PRIu64
			         " (an entry missing, added or out of order)",
			         x->n + 1, (long long)seq, x->n + 1),
			    rc = -1;
		else if (x->n == cap &&
		         !(x->leaves = realloc(x->leaves, (cap = cap ? 2 * cap : 1024) *
		                                              sizeof(jpki_merkle_hash))))
			snprintf(why, 600, "out of memory"), rc = -1;
		else
			jpki_merkle_leaf(buf + i, n, x->leaves[x->n++]);
		i += n + 1;
	}
	free(buf);
	return rc;
}

static int export_node(void *arg, unsigned level, uint64_t index, jpki_merkle_hash out,
                       struct jpki_err *err)
{
	const struct export *x = arg;
	if (level == 0) {
		memcpy(out, x->leaves[index], JPKI_MERKLE_HASH);
		return 0;
	}
	jpki_merkle_hash l, r;
	int rc = export_node(arg, level - 1, index * 2, l, err);
	if (rc == 0)
		rc = export_node(arg, level - 1, index * 2 + 1, r, err);
	if (rc == 0)
		jpki_merkle_node(l, r, out);
	return rc;
}

/* The hashes of a bundle's array field (at most the proof bound), base64 each. */
static int bundle_proof(json_t *j, const char *field, jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX],
                        size_t *len)
{
	json_t *a = json_object_get(j, field);
	size_t i;
	json_t *v;
	if (!json_is_array(a) || json_array_size(a) > JPKI_MERKLE_PROOF_MAX)
		return -1;
	json_array_foreach(a, i, v)
	{
		uint8_t *h = NULL;
		size_t hl = 0;
		const char *s = json_string_value(v);
		if (!s || jpki_base64_decode(s, strlen(s), false, &h, &hl) < 0 || hl != 32) {
			free(h);
			return -1;
		}
		memcpy(proof[i], h, 32);
		free(h);
	}
	*len = json_array_size(a);
	return 0;
}

static json_t *load_bundle(const char *path)
{
	_cleanup_(freep) uint8_t *buf = NULL;
	size_t len = 0;
	if (jpki_read_file(path, 64 * 1024, &buf, &len, NULL) < 0)
		return NULL;
	return json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
}

static int check_previous(const struct verify_args *va, const char *vkey,
                          const struct jpki_checkpoint *now, const struct export *x)
{
	struct jpki_err err;
	struct jpki_checkpoint old;
	if (open_checkpoint(va->previous, vkey, &old, &err) < 0)
		return failed("the previous checkpoint", err.msg);
	if (strcmp(old.origin, now->origin) != 0)
		return failed("the two checkpoints are of different logs", NULL);
	if (old.size > now->size)
		return failed("the log was rolled back: the previous checkpoint has more entries",
		              NULL);
	if (old.size == now->size) {
		if (memcmp(old.root, now->root, 32) != 0)
			return failed("the log forked: two roots for one size", NULL);
		printf("ok the log is the same as at the previous checkpoint\n");
		return 0;
	}
	bool ok = false;
	if (old.size == 0)
		ok = true; /* the empty tree is a prefix of every tree */
	else if (x) {
		jpki_merkle_hash r;
		ok = jpki_merkle_root(export_node, (void *)x, old.size, r, &err) == 0 &&
		     memcmp(r, old.root, 32) == 0;
	} else if (va->consistency) {
		json_t *j = load_bundle(va->consistency);
		jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX];
		size_t len = 0;
		ok = j && (uint64_t)json_integer_value(json_object_get(j, "from")) == old.size &&
		     (uint64_t)json_integer_value(json_object_get(j, "to")) == now->size &&
		     bundle_proof(j, "consistency", proof, &len) == 0 &&
		     jpki_merkle_verify_consistency(old.size, now->size, old.root, now->root,
		                                    (const jpki_merkle_hash *)proof, len);
		json_decref(j);
	} else {
		return failed("--previous needs --entries or --consistency", NULL);
	}
	if (!ok)
		return failed("the log forked or was rewritten: the previous checkpoint's tree "
		              "is not a prefix of this one",
		              NULL);
	printf("ok the log grew from %" PRIu64 " to %" PRIu64 " entries, the earlier ones kept\n",
	       old.size, now->size);
	return 0;
}

static int check_inclusion(const char *path, const struct jpki_checkpoint *c)
{
	json_t *j = load_bundle(path);
	jpki_merkle_hash proof[JPKI_MERKLE_PROOF_MAX], leaf;
	size_t len = 0;
	const char *entry = j ? json_string_value(json_object_get(j, "entry")) : NULL;
	json_int_t seq = j ? json_integer_value(json_object_get(j, "seq")) : 0;
	bool ok = entry && seq > 0 &&
	          (uint64_t)json_integer_value(json_object_get(j, "size")) == c->size &&
	          bundle_proof(j, "inclusion", proof, &len) == 0;
	if (ok) {
		jpki_merkle_leaf(entry, strlen(entry), leaf);
		ok = jpki_merkle_verify_inclusion((uint64_t)seq - 1, c->size, leaf,
		                                  (const jpki_merkle_hash *)proof, len, c->root);
	}
	json_decref(j);
	if (!ok)
		return failed("the entry of the inclusion bundle is not in the checkpoint's tree",
		              NULL);
	printf("ok entry %lld is in the log\n", (long long)seq);
	return 0;
}

static int log_verify(int argc, char **argv)
{
	struct verify_args va = {0};
	const struct cli_opt rows[] = {
	    {"vkey", CLI_TEXT, &va.vkey, 0, 0, NULL, NULL},
	    {"checkpoint", CLI_TEXT, &va.checkpoint, 0, 0, NULL, NULL},
	    {"entries", CLI_TEXT, &va.entries, 0, 0, NULL, NULL},
	    {"previous", CLI_TEXT, &va.previous, 0, 0, NULL, NULL},
	    {"consistency", CLI_TEXT, &va.consistency, 0, 0, NULL, NULL},
	    {"inclusion", CLI_TEXT, &va.inclusion, 0, 0, NULL, NULL},
	    {NULL, CLI_FLAG, NULL, 0, 0, NULL, NULL},
	};
	int rc = cli_parse(argc, argv, log_usage, "audit verify", rows);
	if (rc >= 0)
		return rc;
	if (!va.vkey || !va.checkpoint || optind != argc)
		return cli_usage_error(log_usage, "audit verify: --vkey and --checkpoint");
	if (va.consistency && !va.previous)
		return cli_usage_error(log_usage,
		                       "audit verify: --consistency goes with --previous");
	char vkey[600], why[600];
	struct jpki_err err;
	struct jpki_checkpoint c;
	struct export x = {0};
	read_vkey(va.vkey, vkey);
	if (open_checkpoint(va.checkpoint, vkey, &c, &err) < 0)
		return failed("the checkpoint", err.msg);
	printf("ok the checkpoint of %" PRIu64 " entries is signed by %s\n", c.size, c.origin);
	if (va.entries) {
		jpki_merkle_hash r;
		if (read_export(va.entries, &x, why) < 0)
			rc = failed("the export", why);
		else if (x.n != c.size)
			rc = failed(x.n < c.size ? "the export was cut short: fewer entries than "
			                           "the checkpoint's"
			                         : "the export has entries the checkpoint lacks",
			            NULL);
		else if (jpki_merkle_root(export_node, &x, x.n, r, &err) < 0 ||
		         memcmp(r, c.root, 32) != 0)
			rc = failed("an entry of the export was altered, deleted or replaced: "
			            "its root is not the checkpoint's",
			            NULL);
		else
			printf("ok the export's %" PRIu64
			       " entries are the checkpoint's, in order\n",
			       x.n);
	}
	if (rc <= 0 && va.previous)
		rc = check_previous(&va, vkey, &c, va.entries ? &x : NULL);
	if (rc <= 0 && va.inclusion)
		rc = check_inclusion(va.inclusion, &c);
	free(x.leaves);
	return rc > 0 ? 1 : 0;
}

int cmd_audit_log(int argc, char **argv)
{
	static const struct cli_command cmds[] = {
	    {"export", log_export, "every entry's canonical JSON, one a line"},
	    {"checkpoint", log_checkpoint, "a signed checkpoint of the log"},
	    {"vkey", log_vkey, "the verifier key"},
	    {"prove", log_prove, "an entry's inclusion proof"},
	    {"consistency", log_consistency, "a consistency proof"},
	    {"verify", log_verify, "an outsider's check"},
	    {NULL, NULL, NULL},
	};
	return cli_dispatch("audit", cmds, log_usage, argc, argv);
}

bool cmd_audit_log_is(const char *name)
{
	static const char *const names[] = {"export", "checkpoint",  "vkey",
	                                    "prove",  "consistency", "verify"};
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}
