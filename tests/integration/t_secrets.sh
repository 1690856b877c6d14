#!/bin/bash
# t_secrets: PINs and passwords never travel on the command line or into a log.
#  - every --NAME VALUE form of a secret is refused, with the reason;
#  - a secret read from a descriptor (--pin-fd), a file (--pin-file) or
#    standard input works, and while the command waits for it neither
#    /proc/PID/cmdline nor /proc/PID/environ holds it;
#  - nothing the commands print, nor the server's log, holds a PIN or the
#    CA passphrase (as text or as the hex of the APDU bytes).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
id=$(add_yamada) || die add
img=$T_DIR/card.img
jp_ok "card new" card new "$img"
AUTH=7391 SIGN=QX7Z4K2M LOG=$T_DIR/all-output
: >"$LOG"
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >>"$LOG"; }

# -- on the command line: refused, and said why
for opt in auth-pin sign-pin; do
	jp card personalize "$img" --resident "$id" "--$opt" 1234
	assert_rc 2 "personalize --$opt VALUE"
	assert_contains "$ERR" "visible to every user" "--$opt VALUE: the refusal says why"
done
jp card verify "$img" --kind auth --pin 1234
assert_rc 2 "verify --pin VALUE"
jp card change-pin "$img" --kind auth --pin-file "$(secret 1234)" --new-pin 4321
assert_rc 2 "change-pin --new-pin VALUE"
jp card pin-reset "$img" --kind auth --pin 1234
assert_rc 2 "pin-reset --pin VALUE"
jp card info "$img"
assert_contains "$OUT" "auth-pin: not set" "none of them touched the card"

# -- from descriptors and files
jp card personalize "$img" --resident "$id" --auth-pin-fd 3 --sign-pin-file "$(secret "$SIGN")" 3<<<"$AUTH"
assert_rc 0 "personalize with the PIN from a descriptor, the password from a file"
keep
jp card verify "$img" --kind auth --pin-fd 5 5<<<"$AUTH"
assert_rc 0 "verify with --pin-fd"
keep
printf '%s\n' "$AUTH" | "$JPKI" card verify "$img" --kind auth >"$T_DIR/o" 2>&1
assert_eq "$?" 0 "verify with the PIN on standard input"
cat "$T_DIR/o" >>"$LOG"
printf '%s\r\n' "$SIGN" >"$T_DIR/crlf.pass"
jp card verify "$img" --kind sign --pin-file "$T_DIR/crlf.pass"
assert_rc 0 "a password file with a Windows line end"
keep
jp card verify "$img" --kind auth --pin-file "$T_DIR/nonexistent"
assert_refused "a missing PIN file"
jp card verify "$img" --kind auth --pin-fd 7 7</dev/null
assert_refused "an empty descriptor"
assert_contains "$ERR" "missing" "it says the PIN is missing"
jp card verify "$img" --kind auth --pin-fd 99
assert_refused "a descriptor that is not open"
jp card verify "$img" --kind auth --pin-fd x
assert_rc 2 "--pin-fd wants a number"

# -- while a command waits for its PIN, /proc shows none of it
mkfifo "$T_DIR/pin.fifo"
printf 'signed text' >"$T_DIR/msg"
"$JPKI" card sign "$img" --kind auth --pin-fd 3 --in "$T_DIR/msg" --out "$T_DIR/sig" \
	3<>"$T_DIR/pin.fifo" >"$T_DIR/sign.out" 2>&1 &
signer=$!
sleep 0.5
if kill -0 "$signer" 2>/dev/null; then
	cmdline=$(tr '\0' ' ' </proc/$signer/cmdline)
	assert_contains "$cmdline" "--pin-fd 3" "the waiting signer's command line names the descriptor"
	assert_not_contains "$cmdline" "$AUTH" "and not the PIN"
	assert_not_contains "$(tr '\0' '\n' </proc/$signer/environ)" "$AUTH" "nor does its environment"
else
	fail "the signer did not wait for its PIN"
fi
printf '%s\n' "$AUTH" >"$T_DIR/pin.fifo"
wait "$signer"
assert_eq "$?" 0 "the signer went on once the PIN came"
cat "$T_DIR/sign.out" >>"$LOG"
openssl x509 -in <("$JPKI" card certs "$img" | sed -n '1,/END CERTIFICATE/p') -noout -pubkey >"$T_DIR/auth.pub"
assert_cmd "and its signature verifies" \
	openssl dgst -sha256 -verify "$T_DIR/auth.pub" -signature "$T_DIR/sig" "$T_DIR/msg"

# -- a wrong PIN: the error names no PIN
jp card verify "$img" --kind auth --pin-fd 3 3<<<"0000"
assert_refused "a wrong PIN"
keep
assert_not_contains "$OUT$ERR" "0000" "the refusal does not repeat the wrong PIN"

# -- the server: the CA passphrase from a file, not in its command line or log
printf '%s\n' "$JPKI_CA_PASSPHRASE" >"$T_DIR/pass"
chmod 600 "$T_DIR/pass"
pass=$JPKI_CA_PASSPHRASE
unset JPKI_CA_PASSPHRASE
export JPKI_CA_PASSPHRASE_FILE=$T_DIR/pass
server_start
assert_not_contains "$(tr '\0' ' ' </proc/$SERVER_PID/cmdline)" "$pass" "the server's command line holds no passphrase"
assert_not_contains "$(tr '\0' '\n' </proc/$SERVER_PID/environ)" "$pass" "nor its environment (a file was named)"
server_stop
cat "$T_DIR/serve.log" >>"$LOG"

# -- Ctrl-C at the PIN prompt leaves the terminal echoing again (a pseudo-terminal, python's pty)
if command -v python3 >/dev/null; then
	run timeout 30 python3 - "$JPKI" "$img" <<'PY'
import os, pty, sys, termios, time, signal
jpki, img = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(jpki, [jpki, "card", "verify", "--kind", "auth", img])
out = b""
deadline = time.time() + 10
while b"PIN" not in out and time.time() < deadline:
    try:
        out += os.read(fd, 1024)
    except OSError:
        break
time.sleep(0.2)
off = not termios.tcgetattr(fd)[3] & termios.ECHO
os.write(fd, b"\x03")  # the line discipline sends SIGINT
_, status = os.waitpid(pid, 0)
on = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
print("prompt" if b"PIN" in out else "no-prompt", "off" if off else "on-at-prompt",
      "sigint" if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT else "status=%d" % status,
      "restored" if on else "silent")
PY
	assert_eq "$OUT" "prompt off sigint restored" "Ctrl-C at the prompt: echo was off, the process dies of SIGINT, echo is back"
fi

# -- nothing printed holds a secret, as text or as APDU hex
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# the 4-digit PIN as a word of its own: inside a longer number (a port, a pid) it is not the PIN
if grep -qwF -- "$AUTH" "$LOG"; then fail "the authentication PIN appears in the output"; else
	pass "no output holds the authentication PIN"
fi
for s in "$SIGN" "$pass" "$(hex "$AUTH")" "$(hex "$SIGN")"; do
	if grep -qiF -- "$s" "$LOG"; then fail "a secret appears in the output: ${s:0:2}..."; else
		pass "no output holds the secret ${s:0:2}..."
	fi
done
finish
