/*
 * p11.c: a PKCS#11 token's signature key (p11.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>

#include "card/card.h"
#include "cli.h"
#include "p11.h"

struct jpki_p11 {
	void *dl;
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	bool logged_in, open;
};

void p11_close(struct jpki_p11 *p)
{
	if (!p)
		return;
	if (p->logged_in)
		p->f->C_Logout(p->session);
	if (p->open)
		p->f->C_CloseSession(p->session);
	if (p->f)
		p->f->C_Finalize(NULL);
	if (p->dl)
		dlclose(p->dl);
	free(p);
}

static int p11_fail(const char *what, CK_RV rv)
{
	return cli_fail_msg("PKCS#11 %s: error 0x%08lx%s", what, (unsigned long)rv,
	                    rv == CKR_PIN_INCORRECT ? " (wrong password)"
	                    : rv == CKR_PIN_LOCKED  ? " (password blocked)"
	                                            : "");
}

static bool label_says(const CK_UTF8CHAR *label, size_t n, const char *what)
{
	char buf[65];
	memcpy(buf, label, n < 64 ? n : 64);
	buf[n < 64 ? n : 64] = 0;
	return strstr(buf, what) != NULL;
}

static int pick_slot(struct jpki_p11 *p, long index, CK_SLOT_ID *out)
{
	CK_SLOT_ID slots[32];
	CK_ULONG n = 32;
	CK_RV rv = p->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		return p11_fail("C_GetSlotList", rv);
	if (n == 0)
		return cli_fail_msg("PKCS#11: no token is present");
	if (index >= 0) {
		if ((CK_ULONG)index >= n)
			return cli_fail_msg(
			    "PKCS#11: --slot-index %ld: only %lu slots have a token", index,
			    (unsigned long)n);
		*out = slots[index];
		return 0;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (p->f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    label_says(ti.label, sizeof(ti.label), "Digital Signature")) {
			*out = slots[i];
			return 0;
		}
	}
	if (n == 1) {
		*out = slots[0];
		return 0;
	}
	return cli_fail_msg("PKCS#11: %lu tokens and none is labelled \"Digital Signature\": give "
	                    "--slot-index",
	                    (unsigned long)n);
}

static int login(struct jpki_p11 *p, const struct cli_secret *src)
{
	char pin[JPKI_PIN_MAX + 2];
	int rc = cli_secret_read(src, "signature password", pin, JPKI_PIN_MAX + 1);
	if (rc != 0)
		return rc;
	CK_RV rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return p11_fail("C_Login", rv);
	p->logged_in = true;
	return 0;
}

/* The objects of a class (and CKA_ID when id is given), at most cap. */
static CK_ULONG find(struct jpki_p11 *p, CK_OBJECT_CLASS cls, const uint8_t *id, CK_ULONG id_len,
                     CK_OBJECT_HANDLE *out, CK_ULONG cap)
{
	CK_ATTRIBUTE t[2] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, (void *)id, id_len}};
	CK_ULONG n = 0;
	if (p->f->C_FindObjectsInit(p->session, t, id ? 2 : 1) != CKR_OK)
		return 0;
	if (p->f->C_FindObjects(p->session, out, cap, &n) != CKR_OK)
		n = 0;
	p->f->C_FindObjectsFinal(p->session);
	return n;
}

static X509 *cert_of(struct jpki_p11 *p, CK_OBJECT_HANDLE h, uint8_t *id, CK_ULONG *id_len)
{
	uint8_t der[8192];
	CK_ATTRIBUTE t[2] = {{CKA_VALUE, der, sizeof(der)}, {CKA_ID, id, *id_len}};
	if (p->f->C_GetAttributeValue(p->session, h, t, 2) != CKR_OK ||
	    t[0].ulValueLen == CK_UNAVAILABLE_INFORMATION || t[0].ulValueLen > sizeof(der))
		return NULL;
	*id_len = t[1].ulValueLen;
	const uint8_t *q = der;
	return d2i_X509(NULL, &q, (long)t[0].ulValueLen);
}

/* The certificate with nonRepudiation and the private key of its CKA_ID. */
static int find_key(struct jpki_p11 *p, X509 **cert)
{
	CK_OBJECT_HANDLE certs[16], keys[2];
	CK_ULONG n = find(p, CKO_CERTIFICATE, NULL, 0, certs, 16);
	for (CK_ULONG i = 0; i < n; i++) {
		uint8_t id[64];
		CK_ULONG id_len = sizeof(id);
		X509 *x = cert_of(p, certs[i], id, &id_len);
		if (!x || !(X509_get_extension_flags(x) & EXFLAG_KUSAGE) ||
		    !(X509_get_key_usage(x) & KU_NON_REPUDIATION) || id_len > sizeof(id) ||
		    find(p, CKO_PRIVATE_KEY, id, id_len, keys, 2) != 1) {
			X509_free(x);
			continue;
		}
		p->key = keys[0];
		*cert = x;
		return 0;
	}
	return cli_fail_msg("PKCS#11: no certificate with nonRepudiation and its private key");
}

int p11_open(const char *module, long slot_index, const struct cli_secret *pin,
             struct jpki_p11 **ret, X509 **cert)
{
	struct jpki_p11 *p = calloc(1, sizeof(*p));
	CK_C_GetFunctionList get;
	CK_SLOT_ID slot;
	CK_RV rv;
	int rc;
	if (!p)
		return cli_fail_msg("out of memory");
	if (!(p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL))) {
		rc = cli_fail_msg("PKCS#11 module %s: %s", module, dlerror());
		goto fail;
	}
	*(void **)&get = dlsym(p->dl, "C_GetFunctionList");
	if (!get || get(&p->f) != CKR_OK) {
		p->f = NULL;
		rc = cli_fail_msg("%s is not a PKCS#11 module", module);
		goto fail;
	}
	if ((rv = p->f->C_Initialize(NULL)) != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		p->f = NULL;
		rc = p11_fail("C_Initialize", rv);
		goto fail;
	}
	if ((rc = pick_slot(p, slot_index, &slot)) != 0)
		goto fail;
	if ((rv = p->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &p->session)) !=
	    CKR_OK) {
		rc = p11_fail("C_OpenSession", rv);
		goto fail;
	}
	p->open = true;
	if ((rc = login(p, pin)) != 0 || (rc = find_key(p, cert)) != 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	p11_close(p);
	return rc;
}

int p11_sign_fn(void *arg, const uint8_t di[JPKI_DIGESTINFO_LEN], uint8_t *sig, size_t *sig_len,
                struct jpki_err *err)
{
	struct jpki_p11 *p = arg;
	CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
	CK_ULONG n = *sig_len;
	CK_RV rv = p->f->C_SignInit(p->session, &m, p->key);
	if (rv == CKR_OK)
		rv = p->f->C_Sign(p->session, (CK_BYTE *)di, JPKI_DIGESTINFO_LEN, sig, &n);
	if (rv != CKR_OK)
		return jpki_fail(err, JPKI_E_CARD, "PKCS#11 C_Sign: error 0x%08lx",
		                 (unsigned long)rv);
	*sig_len = n;
	return 0;
}
