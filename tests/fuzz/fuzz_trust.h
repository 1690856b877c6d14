/*
 * fuzz_trust.h: the signature CA the seed signatures of fuzz_cms and
 * fuzz_xml chain to (a data folder made once for the seeds), and the
 * document the detached seeds sign.
 */
#ifndef JPKI_FUZZ_TRUST_H
#define JPKI_FUZZ_TRUST_H

#include <stdlib.h>

#include "jpki/verify.h"

static const char doc[] = "a tax filing for 2026\n";
static const char trust[] = "-----BEGIN CERTIFICATE-----\n"
                            "MIIFGTCCBAGgAwIBAgIIYCpILAjJlC4wDQYJKoZIhvcNAQELBQAwcDELMAkGA1UE\n"
                            "BhMCSlAxDTALBgNVBAoMBEpQS0kxIzAhBgNVBAsMGkpQS0kgZm9yIGRpZ2l0YWwg\n"
                            "c2lnbmF0dXJlMS0wKwYDVQQLDCRqcGtpIG9wZW4tc291cmNlIHNvZnR3YXJlLCBu\n"
                            "b3QgSi1MSVMwHhcNMjYxMTI2MDEwMDAwWhcNMzYxMTI1MTQ1OTU5WjBwMQswCQYD\n"
                            "VQQGEwJKUDENMAsGA1UECgwESlBLSTEjMCEGA1UECwwaSlBLSSBmb3IgZGlnaXRh\n"
                            "bCBzaWduYXR1cmUxLTArBgNVBAsMJGpwa2kgb3Blbi1zb3VyY2Ugc29mdHdhcmUs\n"
                            "IG5vdCBKLUxJUzCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAK5fFC4a\n"
                            "fsJqYbAQ+QdgY34y2YuvDO2R+TnsFWPsv+QFDygYdxWeVETh6a7G64MZBIyP/8eh\n"
                            "YuUqE9i0JXSsEo0ncepZ5l/hfI4bDoPF5/KjEqGYrAhPPlTBCyUlj7fiVXC5OSrA\n"
                            "oFI3gInLoh4b43qMvnHNeL5RTiCmT5gWEkBueFTsd4bSy2hNMUwu/Ljm6XKgsnkd\n"
                            "pLW2vTiFDtDQha/R4FWf5TXjQK7Kxov9Bb/O+yLA4V5rjZDBCGaILkxIgSjsaZcV\n"
                            "2wHcWmPwZ+A2r8rrgMBZpIDMSgzPTaB43G/TmkfhSWio6BPOdAlxdtMjZrGT/8BN\n"
                            "IHIvCBxmpqsenSECAwEAAaOCAbUwggGxMA4GA1UdDwEB/wQEAwIBBjCB6AYDVR0R\n"
                            "BIHgMIHdpIHaMIHXMQswCQYDVQQGEwJKUDEnMCUGA1UECgwe5YWs55qE5YCL5Lq6\n"
                            "6KqN6Ki844K144O844OT44K5MTAwLgYDVQQLDCflhaznmoTlgIvkurroqo3oqLzj\n"
                            "grXjg7zjg5PjgrnnvbLlkI3nlKgxbTBrBgNVBAsMZGpwa2kg44Kq44O844OX44Oz\n"
                            "44K944O844K544K944OV44OI44Km44Kn44KiKOWcsOaWueWFrOWFseWbo+S9k+aD\n"
                            "heWgseOCt+OCueODhuODoOapn+ani+OBp+OBr+OBquOBhCkwDwYDVR0TAQH/BAUw\n"
                            "AwEB/zCBgwYDVR0fBHwwejB4oHagdKRyMHAxCzAJBgNVBAYTAkpQMQ0wCwYDVQQK\n"
                            "DARKUEtJMSMwIQYDVQQLDBpKUEtJIGZvciBkaWdpdGFsIHNpZ25hdHVyZTEtMCsG\n"
                            "A1UECwwkanBraSBvcGVuLXNvdXJjZSBzb2Z0d2FyZSwgbm90IEotTElTMB0GA1Ud\n"
                            "DgQWBBTlBeZgMgm+Uk6G8IASNzFZ8mpZBzANBgkqhkiG9w0BAQsFAAOCAQEAXKZN\n"
                            "A6noGdy36ue8m10mZtc1zWuOpf3FMBxUO3IBplLTcSoE6IHRFYEzSBMbOmeZBf5c\n"
                            "muDLTtuokTqglgZNV6hPMU4y9FVX21zBdJ5eCSDjrH8uhm5d3M5vRQ7F9JXPMGly\n"
                            "4jvg951/c9ACms+1lsqRVFTu7CFIMV5z1535N5RInCTV9vg40VseZQgN1EPdYCkg\n"
                            "QTGhHDKI0rbVzm4gnptiDeR7TjVYrAbhMlCVFP/SUo2jtsy/6vM7Qfs7efy86hcY\n"
                            "JCgMe9/QfDgwRSDsP+GwYcYc++A7mhb4dAFaGLqmxV6GUTo+VWHVWaSfPfbIUqHu\n"
                            "G1DBYb/vggdoDOGQjQ==\n"
                            "-----END CERTIFICATE-----\n";

/* One offline verifier at the seeds' time, trusting the CA above (made on first use). */
static inline struct jpki_verifier *fuzz_verifier(void)
{
	static struct jpki_verifier *v;
	struct jpki_err err;
	if (!v) {
		if (jpki_verifier_new(&v, &err) < 0 ||
		    jpki_verifier_trust(v, (const uint8_t *)trust, sizeof(trust) - 1, &err) < 0)
			abort();
		jpki_verifier_set_revocation(v, JPKI_REVOCATION_OFFLINE);
		jpki_verifier_set_time(v, 1795654800); /* 2026-11-26T10:00:00+09:00 */
	}
	return v;
}

/* Every report renders as JSON and text, with one of the three indications. */
static inline void fuzz_check_report(struct jpki_report *r)
{
	enum jpki_indication ind = jpki_report_indication(r);
	if (ind != JPKI_TOTAL_PASSED && ind != JPKI_TOTAL_FAILED && ind != JPKI_INDETERMINATE)
		abort();
	char *j = jpki_report_json(r), *t = jpki_report_text(r);
	if (!j || !t)
		abort();
	free(j);
	free(t);
}

#endif
