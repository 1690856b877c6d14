/*
 * outside.c: a relying party's program, built only against the installed
 * library (`pkg-config --cflags --libs jpki`), using nothing but the public
 * API of jpki/jpki.h: no OpenSSL, no internal header.
 *
 *   outside issue DATA_DIR PUBKEY_FILE CERT_OUT   a resident, then an authentication
 *                                                  certificate for the key (DER out)
 *   outside ocsp DATA_DIR REQUEST_FILE RESP_OUT   the OCSP answer to a DER request
 *
 * The CA passphrase comes from JPKI_CA_PASSPHRASE (this program's choice).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpki/jpki.h>

static int die(const char *what, const struct jpki_err *err)
{
	fprintf(stderr, "outside: %s: %s (%s)\n", what, err->msg, jpki_code_name(err->code));
	return 1;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = f ? malloc(1 << 20) : NULL;
	*len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

static int spit(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(buf, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : 1;
}

static int issue(struct jpki_ctx *ctx, const char *pass, const char *keyfile, const char *out)
{
	struct jpki_err err;
	struct jpki_ca *ca = NULL;
	struct jpki_registry *reg = NULL;
	struct jpki_resident r;
	memset(&r, 0, sizeof(r));
	snprintf(r.family, sizeof(r.family), "%s", "外部");
	snprintf(r.given, sizeof(r.given), "%s", "花子");
	snprintf(r.address, sizeof(r.address), "%s", "東京都立川市泉町1156-9");
	r.sex = JPKI_SEX_FEMALE;
	r.status = JPKI_RESIDENT;
	if (jpki_date_parse("1985-04-01", &r.birth, &err) < 0)
		return die("date", &err);
	if (jpki_ca_open(ctx, JPKI_KIND_AUTH, pass, &ca, &err) < 0)
		return die("open the auth CA", &err);
	if (jpki_registry_open(ctx, &reg, &err) < 0)
		return die("open the registry", &err);
	if (jpki_registry_add_resident(reg, &r, &err) < 0)
		return die("add a resident", &err);
	size_t len;
	unsigned char *key = slurp(keyfile, &len);
	struct jpki_issue_params p = {.resident_id = r.id, .pubkey = key, .pubkey_len = len};
	struct jpki_issued_cert cert;
	if (!key || jpki_cert_issue(reg, ca, &p, &cert, &err) < 0)
		return die("issue", &err);
	printf("issued %s to resident %lld\n", cert.serial, (long long)r.id);
	struct jpki_cert_rec rec;
	if (jpki_registry_certificate(reg, cert.serial, &rec, &err) < 0 ||
	    rec.der_len != cert.der_len || memcmp(rec.der, cert.der, cert.der_len) != 0)
		return die("the registry holds what was issued", &err);
	int rc = spit(out, cert.der, cert.der_len);
	jpki_cert_rec_clear(&rec);
	jpki_issued_cert_clear(&cert);
	free(key);
	jpki_registry_close(reg);
	jpki_ca_close(ca);
	return rc;
}

static int ocsp(struct jpki_ctx *ctx, const char *pass, const char *reqfile, const char *out)
{
	struct jpki_err err;
	struct jpki_ca *sign = NULL, *auth = NULL;
	struct jpki_registry *reg = NULL;
	struct jpki_ocsp_responder *o = NULL;
	if (jpki_ca_open(ctx, JPKI_KIND_SIGN, pass, &sign, &err) < 0 ||
	    jpki_ca_open(ctx, JPKI_KIND_AUTH, pass, &auth, &err) < 0)
		return die("open the CAs", &err);
	if (jpki_registry_open(ctx, &reg, &err) < 0 ||
	    jpki_ocsp_responder_open(reg, sign, auth, pass, &o, &err) < 0)
		return die("open the responder", &err);
	size_t len, resp_len;
	unsigned char *req = slurp(reqfile, &len), *resp = NULL;
	if (!req || jpki_ocsp_answer(o, req, len, &resp, &resp_len, &err) < 0)
		return die("answer", &err);
	int rc = spit(out, resp, resp_len);
	free(resp);
	free(req);
	jpki_ocsp_responder_close(o);
	jpki_registry_close(reg);
	jpki_ca_close(auth);
	jpki_ca_close(sign);
	return rc;
}

int main(int argc, char **argv)
{
	struct jpki_err err;
	struct jpki_ctx *ctx = NULL;
	const char *pass = getenv("JPKI_CA_PASSPHRASE");
	if (argc != 5 || !pass) {
		fprintf(
		    stderr,
		    "usage: outside issue|ocsp DATA_DIR IN OUT (JPKI_CA_PASSPHRASE set; JPKI_STORE "
		    "for a registry elsewhere)\n");
		return 2;
	}
	const char *store = getenv("JPKI_STORE"); /* a registry on PostgreSQL, when set */
	if (jpki_ctx_new(&ctx, &err) < 0 || jpki_ctx_set_data_dir(ctx, argv[2], &err) < 0 ||
	    (store && jpki_ctx_set_store(ctx, store, &err) < 0))
		return die("context", &err);
	printf("libjpki %s\n", jpki_version());
	int rc = strcmp(argv[1], "issue") == 0  ? issue(ctx, pass, argv[3], argv[4])
	         : strcmp(argv[1], "ocsp") == 0 ? ocsp(ctx, pass, argv[3], argv[4])
	                                        : 2;
	jpki_ctx_free(ctx);
	return rc;
}
