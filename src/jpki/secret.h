/*
 * secret.h: PINs and passwords, never on the command line.
 *
 * A command line is readable by every user of the machine (ps, /proc/PID/
 * cmdline) and lands in shell histories, so a secret comes from one of:
 *   --NAME-fd N      one line read from file descriptor N (a pipe, a here-string)
 *   --NAME-file F    the first line of file F
 *   (neither)        a prompt on the terminal with echo off; without a
 *                    terminal, one line of standard input
 * The buffer is the caller's; wipe it with OPENSSL_cleanse after use.
 */
#ifndef JPKI_SECRET_H
#define JPKI_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialised: neither given (a prompt, or standard input). */
struct cli_secret {
	bool has_fd;
	int fd;
	const char *file;
};

/* --NAME-fd's value: a descriptor number 0..1023.  0, or -1 when it is not one. */
int cli_secret_set_fd(struct cli_secret *s, const char *arg);
/* True when --NAME-fd or --NAME-file was given. */
bool cli_secret_given(const struct cli_secret *s);
/*
 * Read the secret into buf (at most cap - 1 characters, NUL-terminated, no
 * line end).  prompt is shown on the terminal only.  0, or prints why and
 * returns 2 (nothing read, an empty line, too long) or 1 (an I/O error).
 */
int cli_secret_read(const struct cli_secret *s, const char *prompt, char *buf, size_t cap);
/* The refusal of --NAME VALUE on the command line: prints and returns 2. */
int cli_secret_on_argv(const char *usage, const char *name);

#endif
