#!/bin/bash
# t_card_opensc: a card personalised by jpki, attached to pcscd through vpcd,
# judged by Debian's unmodified OpenSC: opensc-tool names the card jpki,
# pkcs15-tool lists 4 certificates and 2 PINs with their tries, pkcs11-tool
# signs with each key and openssl verifies the signatures with the
# certificates read back from the card; the signature certificate is
# unreadable until the signature password is verified.  jpki's own PC/SC
# host commands read the same card.
# shellcheck source=card_lib.sh
. "$(dirname "$0")/card_lib.sh"

make_personalised_card
pcscd_start
card_attach "$IMG"

# -- binding: the jpki driver, through the foreign probes
run timeout 20 opensc-tool -n
assert_eq "$(printf '%s\n' "$OUT" | tail -n 1)" "jpki" "opensc-tool -n names the card jpki"
run timeout 20 opensc-tool -a
assert_contains "$OUT" "3b:88:81:31:fe:45:4a:50:4b:49:53:4f:46:54:95" "the ATR OpenSC reads"

# -- pkcs15-tool -D: 4 certificates, 2 PINs with 3 and 5 tries
run timeout 30 pkcs15-tool -D
assert_rc 0 "pkcs15-tool -D"
D=$OUT
assert_eq "$(printf '%s\n' "$D" | grep -c '^X.509 Certificate')" 4 "pkcs15-tool: 4 certificates"
assert_eq "$(printf '%s\n' "$D" | grep -c '^PIN \[')" 2 "pkcs15-tool: 2 PINs"
assert_match "$D" 'PKCS#15 Card \[JPKI\]' "pkcs15-tool: token label JPKI"
for c in "User Authentication Certificate" "Digital Signature Certificate" \
	"User Authentication Certificate CA" "Digital Signature Certificate CA"; do
	assert_contains "$D" "X.509 Certificate [$c]" "pkcs15-tool lists '$c'"
done
tries=$(printf '%s\n' "$D" | sed -n 's/^[[:space:]]*Tries left[[:space:]]*: *//p' | tr '\n' ' ')
assert_eq "$tries" "3 5 " "pkcs15-tool: tries left 3 (auth PIN) and 5 (signature password)"
assert_eq "$(printf '%s\n' "$D" | grep -c 'ModLength      : 2048')" 2 "two RSA-2048 private keys"

# -- the signature certificate needs the signature password (69 82 before)
apdu "$SELECT_APP" 00A4020C020001 00B0000004
assert_eq "$(sw_of 3)" 6982 "READ BINARY of EF 0001 before the password: 69 82"
apdu "$SELECT_APP" 00A4020C02000A 00B0000004
assert_eq "$(sw_of 3)" 9000 "READ BINARY of EF 000A is free"
apdu "$SELECT_APP" 00A4020C02001B 0020008006414243313233 00A4020C020001 00B0000004 \
	00A4020C02001B 00200080
assert_eq "$(sw_of 3):$(sw_of 5)" "9000:9000" "after VERIFY of the password EF 0001 reads"
assert_eq "$(sw_of 7)" 63C5 "PIN status after a successful VERIFY is still 63 C5"
run timeout 20 pkcs15-tool --read-certificate 02
assert_rc 1 "pkcs15-tool cannot read the signature certificate without the password"

# -- certificates read back from the card by OpenSC
run timeout 20 pkcs15-tool --read-certificate 01
printf '%s\n' "$OUT" >"$T_DIR/auth.pem"
run timeout 20 pkcs15-tool --read-certificate 03
printf '%s\n' "$OUT" >"$T_DIR/auth-ca.pem"
run timeout 20 pkcs15-tool --read-certificate 04
printf '%s\n' "$OUT" >"$T_DIR/sign-ca.pem"
assert_cmd "openssl verifies the auth certificate read by OpenSC under the card's auth CA" \
	openssl verify "${AT[@]}" -CAfile "$T_DIR/auth-ca.pem" "$T_DIR/auth.pem"
assert_cmd "the card's auth CA is the jpki auth CA" \
	cmp <(openssl x509 -in "$T_DIR/auth-ca.pem" -outform DER) \
	<(openssl x509 -in "$(ca_cert auth)" -outform DER)
run timeout 20 pkcs11-tool --module "$P11" --slot-index 1 --login --pin ABC123 \
	--read-object --type cert --id 02 -o "$T_DIR/sign.der"
assert_rc 0 "pkcs11-tool reads the signature certificate after login"
openssl x509 -inform DER -in "$T_DIR/sign.der" -out "$T_DIR/sign.pem" 2>/dev/null
assert_cmd "openssl verifies the signature certificate read by OpenSC under the card's sign CA" \
	openssl verify "${AT[@]}" -CAfile "$T_DIR/sign-ca.pem" "$T_DIR/sign.pem"

# -- pkcs11-tool signs with each key; openssl verifies with the card's certificates
printf 'a tax return for 2026\n' >"$T_DIR/msg"
run timeout 30 pkcs11-tool --module "$P11" -L
assert_contains "$OUT" "JPKI (User Authentication PIN)" "PKCS#11 slot for the auth PIN"
assert_contains "$OUT" "JPKI (Digital Signature PIN)" "PKCS#11 slot for the signature PIN"
for k in "0 1234 01 auth" "1 ABC123 02 sign"; do
	set -- $k
	run timeout 30 pkcs11-tool --module "$P11" --slot-index "$1" --login --pin "$2" --id "$3" \
		-s -m SHA256-RSA-PKCS -i "$T_DIR/msg" -o "$T_DIR/sig.$4"
	assert_rc 0 "pkcs11-tool --login --sign with key $3"
	openssl x509 -in "$T_DIR/$4.pem" -noout -pubkey >"$T_DIR/$4.pub"
	assert_cmd "openssl verifies the $4 signature with the certificate from the card" \
		openssl dgst -sha256 -verify "$T_DIR/$4.pub" -signature "$T_DIR/sig.$4" "$T_DIR/msg"
done
assert_cmd_fails "the auth signature does not verify under the sign certificate" \
	openssl dgst -sha256 -verify "$T_DIR/sign.pub" -signature "$T_DIR/sig.auth" "$T_DIR/msg"

# -- jpki's own host side over PC/SC
jp card info
assert_rc 0 "jpki card info over PC/SC"
assert_contains "$OUT" "card: Virtual PCD 00 00" "info names the reader"
assert_contains "$OUT" "token: JPKIAPICCTOKEN2" "info: token"
assert_contains "$OUT" "card-number: 123456789012" "info: card number"
assert_contains "$OUT" "auth-pin: 3 tries left" "info: auth tries"
mkdir -p "$T_DIR/jpki"
jp card certs --out-dir "$T_DIR/jpki" --sign-pin-file "$(secret ABC123)"
assert_rc 0 "jpki card certs over PC/SC"
for f in auth auth-ca sign sign-ca; do
	assert_cmd "jpki reads the same $f certificate as OpenSC" cmp \
		<(openssl x509 -in "$T_DIR/jpki/$f.pem" -outform DER) \
		<(openssl x509 -in "$T_DIR/$f.pem" -outform DER)
done
jp card sign --kind sign --pin-file "$(secret ABC123)" --in "$T_DIR/msg" --out "$T_DIR/sig.jpki"
assert_rc 0 "jpki card sign over PC/SC"
assert_cmd "openssl verifies jpki's signature" \
	openssl dgst -sha256 -verify "$T_DIR/sign.pub" -signature "$T_DIR/sig.jpki" "$T_DIR/msg"
jp card pin-status
assert_eq "$OUT" "auth: 3 tries left
sign: 5 tries left" "pin-status over PC/SC"

card_detach
card_wait absent && pass "the card leaves the reader when detached" ||
	fail "the card is still in the reader after detach"
assert_contains "$(cat "$T_DIR/attach.1.log")" "card inserted into vpcd" "the bridge logged the insertion"
pcscd_stop
finish
