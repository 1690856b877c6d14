#!/bin/bash
# t_card_lockout: wrong PINs through OpenSC count down (3 auth, 5 sign); the
# 3rd wrong auth PIN locks it and OpenSC reports it locked; the lock
# survives detaching and re-attaching the card, a restart of pcscd (the
# bridge reconnects by itself), and a kill -9 of the bridge; the issuer
# unblocks it over PC/SC (rule P2).
# shellcheck source=card_lib.sh
. "$(dirname "$0")/card_lib.sh"

make_personalised_card
pcscd_start
card_attach "$IMG"

tries() { # the "Tries left" of pkcs15-tool --list-pins, as "auth sign"
	timeout 20 pkcs15-tool --list-pins 2>/dev/null |
		sed -n 's/^[[:space:]]*Tries left[[:space:]]*: *//p' | tr '\n' ' ' | sed 's/ $//'
}
login() { # SLOT PIN: a PKCS#11 login through OpenSC, stderr in $ERR
	run timeout 30 pkcs11-tool --module "$P11" --slot-index "$1" --login --pin "$2" -O
}

login 0 9999
assert_contains "$ERR" "CKR_PIN_INCORRECT" "wrong auth PIN 1: CKR_PIN_INCORRECT"
assert_eq "$(tries)" "2 5" "auth PIN: 2 tries left"
login 1 ZZZ999
assert_contains "$ERR" "CKR_PIN_INCORRECT" "wrong signature password: CKR_PIN_INCORRECT"
assert_eq "$(tries)" "2 4" "signature password: 4 tries left"
login 1 ABC123
assert_rc 0 "the right password resets its count"
assert_eq "$(tries)" "2 5" "signature password: 5 tries again"
login 0 9998
assert_eq "$(tries)" "1 5" "auth PIN: 1 try left"
login 0 9997
assert_match "$ERR" "CKR_PIN_(INCORRECT|LOCKED)" "the 3rd wrong auth PIN is refused"
assert_eq "$(tries)" "0 5" "auth PIN: 0 tries left"
login 0 1234
assert_contains "$ERR" "CKR_PIN_LOCKED" "OpenSC reports the auth PIN locked, even for the right PIN"
run timeout 30 pkcs11-tool --module "$P11" -L
assert_match "$OUT" "user PIN locked" "pkcs11-tool -L: user PIN locked"
apdu "$SELECT_APP" 00A4020C020018 00200080 002000800431323334
assert_eq "$(sw_of 3):$(sw_of 4)" "63C0:6983" "blocked: status 63 C0, VERIFY 69 83"

# -- the lock is in the image: detach, re-attach
card_detach
card_attach "$IMG"
login 0 1234
assert_contains "$ERR" "CKR_PIN_LOCKED" "still locked after detaching and re-attaching"

# -- restart pcscd: the bridge reconnects, the card is still locked
pcscd_stop
pcscd_start
card_wait present && pass "the bridge reconnects after pcscd restarts" ||
	fail "the card did not come back after the pcscd restart: $(cat "$T_DIR/attach.2.log")"
login 0 1234
assert_contains "$ERR" "CKR_PIN_LOCKED" "still locked after a pcscd restart"
n=$(grep -c 'card inserted' "$T_DIR/attach.2.log")
[ "$n" -ge 2 ] && pass "the bridge connected again ($n connections)" ||
	fail "the bridge logged $n connections, expected at least 2"

# -- kill -9 of the bridge right after a wrong signature password: the try is kept
login 1 ZZZ998
kill -KILL "$ATTACH_PID"
wait "$ATTACH_PID" 2>/dev/null
ATTACH_PID=
card_attach "$IMG"
assert_eq "$(tries)" "0 4" "a wrong password counted before kill -9 stays counted"
assert_eq "$(find "$T_DIR" -maxdepth 1 -name 'card.img.tmp.*' | wc -l)" 0 \
	"no half-written image left behind"

# -- the issuer unblocks the PIN over PC/SC (rule P2); the holder uses it again
jp card pin-reset --reader 'Virtual PCD 00 00' --kind auth --pin-file "$(secret 4321)"
assert_rc 0 "jpki card pin-reset over PC/SC"
assert_eq "$(tries)" "3 4" "auth PIN: 3 tries after the reset"
login 0 4321
assert_rc 0 "the new auth PIN logs in through OpenSC"
card_detach
pcscd_stop
finish
