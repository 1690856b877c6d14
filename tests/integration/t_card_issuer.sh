#!/bin/bash
# t_card_issuer: the personalisation commands fail without issuer
# authentication, sent raw through pcscd by opensc-tool; a wrong answer to
# the challenge is refused and a challenge answers once; the issuer's own
# commands fail with another issuer master key; a blank card attached to
# pcscd is personalised over PC/SC by jpki and then used by OpenSC.
# shellcheck source=card_lib.sh
. "$(dirname "$0")/card_lib.sh"

make_personalised_card
pcscd_start
card_attach "$IMG"

# -- every issuer command: 69 82 without issuer authentication
for c in "80D80018043535353535" "80D8001B06414243313234" "80460017" "8046001A" \
	"80DA0000060107EB010139" "80E40000" "80E40017" "800E0000"; do
	apdu "$SELECT_APP" 00A4020C02000A "$c"
	assert_eq "$(sw_of 3)" 6982 "issuer command $c without issuer authentication: 69 82"
done
apdu "$SELECT_APP" 00A4020C02000A 80D6000004DEADBEEF 00B0000004
assert_eq "$(sw_of 3)" 6982 "WRITE BINARY without issuer authentication: 69 82"
assert_contains "$OUT" "30 82" "the certificate is unchanged"
# a made-up answer to the challenge; the challenge is used up by that attempt
apdu "$SELECT_APP" 8084000010 \
	80820000200000000000000000000000000000000000000000000000000000000000000000 \
	80820000200000000000000000000000000000000000000000000000000000000000000000 \
	80D80018043535353535
assert_eq "$(sw_of 2)" 9000 "GET CHALLENGE"
assert_eq "$(sw_of 3):$(sw_of 4):$(sw_of 5)" "6300:6985:6982" \
	"wrong issuer answer 63 00, replay 69 85, still no access"
# probes of other drivers still see nothing
apdu 00CADF3005 00A4040007627601FF000000
assert_eq "$(sw_of 1):$(sw_of 2)" "6D00:6A82" "foreign probes: 6D 00, 6A 82"

# -- another issuer master key cannot authenticate
head -c 32 /dev/urandom >"$T_DIR/other.key"
JPKI_ISSUER_KEY_FILE=$T_DIR/other.key jp card pin-reset --reader 'PCD 00 00' --kind auth --pin-file "$(secret 1111)"
assert_refused "pin-reset with another issuer master key"
assert_contains "$ERR" "issuer authentication failed" "the reason is issuer authentication"
jp card verify --kind auth --pin-file "$(secret 1234)"
assert_rc 0 "the PIN is unchanged"
card_detach

# -- a blank card personalised over PC/SC, then used through OpenSC
jp_ok "card new" card new "$T_DIR/blank.img" --number 999900001111 --expiry 2034-01-31
card_attach "$T_DIR/blank.img"
run timeout 20 pkcs15-tool -D
assert_not_contains "$OUT" "X.509 Certificate" "a blank card shows no certificates"
jp card personalize --reader 'Virtual PCD 00 00' --resident "$RID" --auth-pin-file "$(secret 2468)" --sign-pin-file "$(secret XYZ789)"
assert_rc 0 "personalize over PC/SC"
assert_contains "$ERR" "revoked the previous certificate" "the first card's certificates are superseded (rule X1)"
run timeout 30 pkcs15-tool -D
assert_eq "$(printf '%s\n' "$OUT" | grep -c '^X.509 Certificate')" 4 "now 4 certificates"
printf 'x' >"$T_DIR/msg"
run timeout 30 pkcs11-tool --module "$P11" --slot-index 0 --login --pin 2468 --id 01 -s \
	-m SHA256-RSA-PKCS -i "$T_DIR/msg" -o "$T_DIR/sig"
assert_rc 0 "OpenSC signs with the key generated over PC/SC"
jp card certs
printf '%s\n' "$OUT" | openssl x509 -noout -pubkey >"$T_DIR/auth.pub" 2>/dev/null
assert_cmd "openssl verifies it with the card's certificate" \
	openssl dgst -sha256 -verify "$T_DIR/auth.pub" -signature "$T_DIR/sig" "$T_DIR/msg"
card_detach
pcscd_stop
finish
