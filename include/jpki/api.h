/*
 * jpki/api.h: how libjpki marks what it exports.
 *
 * The shared library is built with -fvisibility=hidden and a version script
 * (src/lib/api/libjpki.map); only declarations marked JPKI_API are exported
 * and part of its ABI.
 */
#ifndef JPKI_API_H
#define JPKI_API_H

#if defined(__GNUC__)
#define JPKI_API __attribute__((visibility("default")))
#else
#define JPKI_API
#endif

/* A fallible call whose result must be looked at. */
#if defined(__GNUC__)
#define JPKI_MUST_CHECK __attribute__((warn_unused_result))
#else
#define JPKI_MUST_CHECK
#endif

#endif
