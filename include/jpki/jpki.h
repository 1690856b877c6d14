/*
 * jpki/jpki.h: the public API of libjpki, in one header.
 *
 *   jpki/ctx.h       the context: data folder, base URL, clock, log
 *   jpki/error.h     the error currency (codes, HTTP status, status words)
 *   jpki/date.h      calendar dates and instants in Japan
 *   jpki/records.h   residents and certificate records, their enumerations
 *   jpki/ca.h        a CA of the service
 *   jpki/registry.h  the registry
 *   jpki/issue.h     issuing certificates
 *   jpki/ocsp.h      answering OCSP requests
 *   jpki/verify.h    verifying signatures and saying who signed
 *   jpki/login.h     logging in with the authentication certificate (Web eID tokens)
 *
 * Link with `pkg-config --cflags --libs jpki`.  Handles are opaque; bytes
 * go in and out as DER or PEM; every function says who owns what.
 */
#ifndef JPKI_JPKI_H
#define JPKI_JPKI_H

#include "jpki/api.h"
#include "jpki/ca.h"
#include "jpki/ctx.h"
#include "jpki/date.h"
#include "jpki/error.h"
#include "jpki/issue.h"
#include "jpki/login.h"
#include "jpki/ocsp.h"
#include "jpki/records.h"
#include "jpki/registry.h"
#include "jpki/verify.h"

/* The library's version, e.g. "0.1.0". */
JPKI_API const char *jpki_version(void);

#endif
