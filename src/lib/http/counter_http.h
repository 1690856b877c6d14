/*
 * counter_http.h: the counter terminal's page (/counter/, docs/counter-ui.md),
 * on the HTTPS listener: its HTML, script and style sheet, built into the
 * binary (src/lib/http/counter_ui/).  Everything it does goes through the
 * REST API (api_http.h).
 */
#ifndef JPKI_HTTP_COUNTER_HTTP_H
#define JPKI_HTTP_COUNTER_HTTP_H

#include <stdbool.h>

#include <microhttpd.h>

bool jpki_counter_http_route(const char *url);
/* Answer a request of the page (GET and HEAD only; no body). */
enum MHD_Result jpki_counter_http(struct MHD_Connection *conn, const char *url, const char *method);

#endif
