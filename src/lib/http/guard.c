/*
 * guard.c: request deadlines, strict requests, quiet logs (guard.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "core/cursor.h"
#include "core/hex.h"
#include "guard.h"

#define LOG_EVERY_SECONDS 10

struct conn_entry {
	struct conn_entry *prev, *next;
	int fd;
	int64_t deadline_ms; /* 0: headers are in, no deadline */
	bool bad_path;       /* this request's path decoded to a control character */
};

struct jpki_guard {
	const struct jpki_ctx *ctx; /* borrowed: where messages go */
	pthread_mutex_t lock;       /* the list, every entry's fields, the log counters */
	pthread_cond_t wake;
	pthread_t watchdog;
	bool running, stopping;
	struct conn_entry head; /* circular list of live connections */
	int64_t timeout_ms;
	uint64_t expired;
	/* logging */
	int64_t log_last_ms;
	unsigned long log_suppressed;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct conn_entry *entry_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* The watchdog: every 250 ms, shut down what missed its deadline (libmicrohttpd closes it). */
static void *watchdog_main(void *arg)
{
	struct jpki_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		int64_t now = now_ms();
		for (struct conn_entry *e = g->head.next; e != &g->head; e = e->next) {
			if (e->deadline_ms && now >= e->deadline_ms) {
				shutdown(e->fd,
				         SHUT_RDWR); /* still open: CLOSED takes this lock first */
				e->deadline_ms = 0;
				__atomic_add_fetch(&g->expired, 1, __ATOMIC_RELAXED);
			}
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int jpki_guard_new(const struct jpki_ctx *ctx, unsigned request_timeout, struct jpki_guard **ret,
                   struct jpki_err *err)
{
	struct jpki_guard *g = calloc(1, sizeof(*g));
	if (!g)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	g->ctx = ctx;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	g->head.next = g->head.prev = &g->head;
	g->timeout_ms = (int64_t)(request_timeout ? request_timeout : 10) * 1000;
	if (pthread_create(&g->watchdog, NULL, watchdog_main, g) != 0) {
		jpki_guard_free(g);
		return jpki_fail(err, JPKI_E_NOMEM, "cannot start the request watchdog");
	}
	g->running = true;
	*ret = g;
	return 0;
}

void jpki_guard_free(struct jpki_guard *g)
{
	if (!g)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stopping = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->watchdog, NULL);
	}
	while (g->head.next != &g->head) { /* none after MHD_stop_daemon; be safe */
		struct conn_entry *e = g->head.next;
		e->prev->next = e->next;
		e->next->prev = e->prev;
		free(e);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

void jpki_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
	struct jpki_guard *g = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn_entry *e = ci ? calloc(1, sizeof(*e)) : NULL;
		if (!e) { /* cannot guard it: do not serve it */
			if (ci)
				shutdown(ci->connect_fd, SHUT_RDWR);
			*socket_context = NULL;
			return;
		}
		e->fd = ci->connect_fd;
		pthread_mutex_lock(&g->lock);
		e->deadline_ms = now_ms() + g->timeout_ms;
		e->next = g->head.next;
		e->prev = &g->head;
		g->head.next->prev = e;
		g->head.next = e;
		pthread_mutex_unlock(&g->lock);
		*socket_context = e;
		return;
	}
	struct conn_entry *e = *socket_context; /* CLOSED: before libmicrohttpd closes the socket */
	if (!e)
		return;
	pthread_mutex_lock(&g->lock);
	e->prev->next = e->next;
	e->next->prev = e->prev;
	pthread_mutex_unlock(&g->lock);
	free(e);
	*socket_context = NULL;
}

size_t jpki_url_unescape(char *s, bool *control)
{
	/* the writer never passes the reader: a decoded escape is shorter than its text */
	struct jpki_cur c = jpki_cur_make(s, strlen(s));
	char *w = s;
	uint8_t ch;
	*control = false;
	while (jpki_cur_u8(&c, &ch)) {
		int hi, lo;
		if (ch == '%' && jpki_cur_left(&c) >= 2 &&
		    (hi = jpki_hex_digit(c.base[c.off])) >= 0 &&
		    (lo = jpki_hex_digit(c.base[c.off + 1])) >= 0) {
			c.off += 2;
			ch = (uint8_t)(hi * 16 + lo);
			*control |= ch < 0x20 || ch == 0x7F;
			*w++ =
			    (char)(ch ? ch : 0x7F); /* never a NUL that would cut the path short */
		} else { /* as libmicrohttpd: a '%' without two hex digits stays as it is */
			*control |= ch < 0x20 || ch == 0x7F;
			*w++ = (char)ch;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

size_t jpki_guard_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	struct jpki_guard *g = cls;
	bool control;
	size_t n = jpki_url_unescape(s, &control);
	struct conn_entry *e = control ? entry_of(conn) : NULL;
	if (e) {
		pthread_mutex_lock(&g->lock);
		e->bad_path = true;
		pthread_mutex_unlock(&g->lock);
	}
	return n;
}

/* libmicrohttpd's own format strings: trusted, but not literals here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void format_message(char *buf, size_t cap, const char *fmt, va_list ap)
{
	vsnprintf(buf, cap, fmt, ap);
}
#pragma GCC diagnostic pop

void jpki_guard_log(void *cls, const char *fmt, va_list ap)
{
	struct jpki_guard *g = cls;
	char msg[256];
	format_message(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	int64_t now = now_ms();
	pthread_mutex_lock(&g->lock);
	bool print = g->log_last_ms == 0 || now - g->log_last_ms >= LOG_EVERY_SECONDS * 1000;
	unsigned long suppressed = g->log_suppressed;
	if (print) {
		g->log_last_ms = now;
		g->log_suppressed = 0;
	} else {
		g->log_suppressed++;
	}
	pthread_mutex_unlock(&g->lock);
	if (!print)
		return;
	if (suppressed)
		jpki_ctx_log(g->ctx, "warning", "%s (and %lu more messages in the last %d s)", msg,
		             suppressed, LOG_EVERY_SECONDS);
	else
		jpki_ctx_log(g->ctx, "warning", "%s", msg);
}

/* ---- strict requests ---- */

struct framing {
	unsigned content_length, transfer_encoding;
	bool bad_coding, bad_name;
};

/* RFC 9110 §5.6.2: token = 1*tchar */
static bool is_token(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
		if (!alnum && !strchr(tchar, c))
			return false;
	}
	return true;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	struct framing *f = cls;
	(void)kind;
	if (!is_token(key))
		f->bad_name = true;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		f->content_length++;
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		if (!value || strcasecmp(value, "chunked") != 0)
			f->bad_coding = true;
	}
	return MHD_YES;
}

const char *jpki_guard_request(struct jpki_guard *g, struct MHD_Connection *conn,
                               const char *version)
{
	struct conn_entry *e = entry_of(conn);
	bool bad_path = false;
	if (e) {
		pthread_mutex_lock(&g->lock);
		e->deadline_ms = 0;
		bad_path = e->bad_path;
		pthread_mutex_unlock(&g->lock);
	}
	if (bad_path)
		return "a control character (such as %00) in the path";
	struct framing f = {0, 0, false, false};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &f);
	if (f.bad_name)
		return "a header name that is not a token";
	if (f.content_length > 1)
		return "more than one Content-Length";
	if (f.transfer_encoding > 1 || f.bad_coding)
		return "a transfer coding other than chunked";
	if (f.content_length && f.transfer_encoding)
		return "both Content-Length and Transfer-Encoding";
	if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
	    !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))
		return "no Host header"; /* libmicrohttpd's strict mode says so first */
	return NULL;
}

void jpki_guard_completed(struct jpki_guard *g, struct MHD_Connection *conn)
{
	struct conn_entry *e = entry_of(conn);
	if (!e)
		return;
	pthread_mutex_lock(&g->lock);
	e->deadline_ms = now_ms() + g->timeout_ms;
	e->bad_path = false;
	pthread_mutex_unlock(&g->lock);
}

enum MHD_Result jpki_guard_refuse(struct MHD_Connection *conn, const char *reason)
{
	char body[160];
	int n = snprintf(body, sizeof(body), "bad request: %s\n", reason);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret =
	    MHD_queue_response(conn, (unsigned)jpki_code_http_status(JPKI_E_INVALID), r);
	MHD_destroy_response(r);
	return ret;
}

uint64_t jpki_guard_expired(const struct jpki_guard *g)
{
	return __atomic_load_n(&g->expired, __ATOMIC_RELAXED);
}
