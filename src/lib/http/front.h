/*
 * front.h: the front door of `jpki serve` (GET /, #12 item 6): what the
 * service is and where its parts are, on both listeners.
 */
#ifndef JPKI_HTTP_FRONT_H
#define JPKI_HTTP_FRONT_H

#include <microhttpd.h>

/*
 * The page; base the service's base URL (what certificates name), portal
 * the demo portal's URL or NULL when it does not run.
 */
enum MHD_Result jpki_front_page(struct MHD_Connection *conn, const char *base, const char *portal,
                                const char *counter);

#endif
