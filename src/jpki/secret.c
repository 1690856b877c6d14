/*
 * secret.c: reading PINs and passwords (secret.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "secret.h"

#define JPKI_SECRET_LINE_MAX 256 /* longer than any PIN or passphrase line */

int cli_secret_set_fd(struct cli_secret *s, const char *arg)
{
	unsigned long v;
	if (cli_parse_uint(arg, 0, 1023, &v, NULL) < 0)
		return -1;
	s->fd = (int)v;
	s->has_fd = true;
	return 0;
}

bool cli_secret_given(const struct cli_secret *s)
{
	return s->has_fd || s->file;
}

/*
 * One line from fd, a byte at a time (nothing after the line is consumed),
 * without its line end ("\n" or "\r\n").  A line of cap - 1 characters or
 * more is too long; it is read to its end and nothing of it kept.
 */
static int read_line(int fd, char *buf, size_t cap, bool *too_long)
{
	char line[JPKI_SECRET_LINE_MAX];
	size_t n = 0;
	bool over = false;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			OPENSSL_cleanse(line, sizeof(line));
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n < sizeof(line))
			line[n++] = c;
		else
			over = true;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	*too_long = over || n >= cap;
	if (*too_long)
		n = 0;
	memcpy(buf, line, n);
	buf[n] = '\0';
	OPENSSL_cleanse(line, sizeof(line));
	return (int)n;
}

/*
 * While echo is off, a signal that ends the program (Ctrl-C at the prompt)
 * must not leave the terminal silent: the handler puts the saved settings
 * back (tcsetattr is async-signal-safe) and dies of the signal as it would
 * have.
 */
static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_ENDING (sizeof(ending_signals) / sizeof(ending_signals[0]))
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;

static void restore_and_die(int sig)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_echo(int fd, const struct termios *saved, struct sigaction old[N_ENDING])
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_die;
	sigemptyset(&sa.sa_mask);
	tty_saved = *saved;
	tty_fd = fd;
	for (size_t i = 0; i < N_ENDING; i++)
		sigaction(ending_signals[i], &sa, &old[i]);
}

static void unguard_echo(const struct sigaction old[N_ENDING])
{
	for (size_t i = 0; i < N_ENDING; i++)
		sigaction(ending_signals[i], &old[i], NULL);
	tty_fd = -1;
}

/* The terminal, echo off for the line. */
static int read_tty(const char *prompt, char *buf, size_t cap, bool *too_long)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	struct termios old, quiet;
	struct sigaction handlers[N_ENDING];
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		guard_echo(fd, &old, handlers);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0 || write(fd, ": ", 2) < 0) {
		/* nothing to do: the read below still works */
	}
	int n = read_line(fd, buf, cap, too_long);
	int e = errno; /* the reason of a failed read, before the restoring calls below */
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		unguard_echo(handlers);
	}
	if (write(fd, "\n", 1) < 0) {
		/* the line end after a silent entry is cosmetic */
	}
	close(fd);
	errno = e;
	return n;
}

int cli_secret_read(const struct cli_secret *s, const char *prompt, char *buf, size_t cap)
{
	bool too_long = false;
	int n;
	const char *from;
	if (s->file) {
		int fd = open(s->file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_fail_msg("cannot open %s for the %s: %s", s->file, prompt,
			                    strerror(errno));
		n = read_line(fd, buf, cap, &too_long);
		close(fd);
		from = s->file;
	} else if (s->has_fd) {
		n = read_line(s->fd, buf, cap, &too_long);
		from = "its descriptor";
	} else if (isatty(STDIN_FILENO) && (n = read_tty(prompt, buf, cap, &too_long)) != -2) {
		from = "the terminal";
	} else {
		n = read_line(STDIN_FILENO, buf, cap, &too_long);
		from = "standard input";
	}
	if (n < 0) {
		OPENSSL_cleanse(buf, cap);
		return cli_fail_msg("cannot read the %s from %s: %s", prompt, from,
		                    strerror(errno));
	}
	if (too_long || n == 0) {
		OPENSSL_cleanse(buf, cap);
		fprintf(stderr, "jpki: the %s from %s is %s\n", prompt, from,
		        too_long ? "too long" : "missing (an empty line)");
		return EXIT_USAGE;
	}
	return 0;
}

int cli_secret_on_argv(const char *usage, const char *name)
{
	return cli_usage_error(usage,
	                       "--%s on the command line is visible to every user of this machine "
	                       "(ps, /proc): use --%s-fd N or --%s-file FILE, or type it at the "
	                       "prompt",
	                       name, name, name);
}
