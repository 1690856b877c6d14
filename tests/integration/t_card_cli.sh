#!/bin/bash
# t_card_cli: the card commands on an image file, in process (no pcscd):
# --help and usage errors, personalisation and its refusals (rules C6, E2,
# P1), a damaged or foreign image refused, one process per image, and a
# signature that openssl verifies with the certificate read from the card.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
id=$(add_yamada) || die "add the example resident"
img=$T_DIR/card.img

for c in "" readers info certs pin-status verify change-pin sign bench attach new personalize \
	pin-reset erase; do
	# shellcheck disable=SC2086
	jp card $c --help
	assert_rc 0 "jpki card $c --help"
done
jp card
assert_rc 2 "jpki card without a command"
jp card frobnicate
assert_rc 2 "unknown card command"
jp card new
assert_rc 2 "card new without IMAGE"
jp card new "$img" --kind passport
assert_rc 2 "card new --kind must be mynumber or juki"
jp card info "$img" --reader x
assert_rc 2 "IMAGE and --reader together"

jp_ok "card new" card new "$img" --number 111122223333 --expiry 2033-03-31
assert_match "$OUT" '^[0-9A-F]{16}$' "card new prints the chip serial"
assert_eq "$(stat -c %a "$img")" 600 "the image is mode 0600"
assert_eq "$(stat -c %a "$JPKI_DATA/card/issuer.key")" 600 "the issuer master key is mode 0600"
assert_eq "$(stat -c %s "$JPKI_DATA/card/issuer.key")" 32 "the issuer master key has 32 bytes"
jp card new "$img"
assert_refused "card new over an existing image"
jp card info "$img"
assert_contains "$OUT" "card-expiry: 2033-03-31" "card data written"
assert_contains "$OUT" "auth-pin: not set" "a blank card has no PIN"

for bad in "123 ABC123" "1234 abc123" "1234 ABCDEF" "1234 1234567"; do
	jp card personalize "$img" --resident "$id" --auth-pin-file "$(secret "${bad% *}")" \
		--sign-pin-file "$(secret "${bad#* }")"
	assert_rc 2 "rule P1 refuses: $bad"
done
jp card personalize "$img" --resident "$id" --auth-pin-file "$(secret 1234)" --sign-pin-file "$(secret ABC123)"
assert_rc 0 "personalize"
jp card info "$img"
assert_contains "$OUT" "sign-pin: 5 tries left" "personalised: sign PIN set"
mkdir -p "$T_DIR/c"
jp card certs "$img" --out-dir "$T_DIR/c" --sign-pin-file "$(secret ABC123)"
assert_rc 0 "certs"
assert_cmd "the auth certificate verifies under the auth CA" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert auth)" "$T_DIR/c/auth.pem"
assert_eq "$(x509_field "$T_DIR/c/auth.pem" -enddate)" "notAfter=Nov 27 14:59:59 2030 GMT" \
	"validity: the 5th birthday (rule C4)"
printf 'hello' >"$T_DIR/msg"
jp card sign "$img" --kind auth --pin-file "$(secret 1234)" --in "$T_DIR/msg" --out "$T_DIR/sig"
assert_rc 0 "sign in process"
openssl x509 -in "$T_DIR/c/auth.pem" -noout -pubkey >"$T_DIR/auth.pub"
assert_cmd "openssl verifies the signature" \
	openssl dgst -sha256 -verify "$T_DIR/auth.pub" -signature "$T_DIR/sig" "$T_DIR/msg"
printf '1234\n' | "$JPKI" card verify "$img" --kind auth >/dev/null 2>&1
assert_eq "$?" 0 "the PIN from standard input"
jp card verify "$img" --kind sign --pin-file "$(secret ZZZ999)"
assert_refused "a wrong password"
assert_contains "$ERR" "4 tries left" "the error says how many tries are left"
jp card change-pin "$img" --kind auth --pin-file "$(secret 1234)" --new-pin-file "$(secret 4321)"
assert_rc 0 "change-pin"
jp card verify "$img" --kind auth --pin-file "$(secret 4321)"
assert_rc 0 "the new PIN verifies"

# -- rule C6: the old resident-register card
jp_ok "card new juki" card new "$T_DIR/juki.img" --kind juki
jp card info "$T_DIR/juki.img"
assert_contains "$OUT" "token: JPKIAPICCTOKEN" "the old card's token"
jp card personalize "$T_DIR/juki.img" --resident "$id" --auth-pin-file "$(secret 1234)" --sign-pin-file "$(secret ABC123)"
assert_refused "rule C6: no certificates onto a resident-register card"
assert_contains "$ERR" "C6" "the refusal cites rule C6"

# -- rule E2: a child gets the authentication certificate only
child=$(add_resident --family 山田 --given 花子 --birth 2016-04-01 --sex F \
	--address 東京都立川市泉町1156-9)
jp_ok "card new child" card new "$T_DIR/child.img"
jp card personalize "$T_DIR/child.img" --resident "$child" --auth-pin-file "$(secret 1234)" --sign-pin-file "$(secret ABC123)"
assert_refused "rule E2: no signature certificate under 15"
jp card personalize "$T_DIR/child.img" --resident "$child" --auth-pin-file "$(secret 1234)" --no-sign
assert_rc 0 "a child's card with the authentication certificate only"
jp card info "$T_DIR/child.img"
assert_contains "$OUT" "sign-key: no" "no signature key on the child's card"

# -- one process per image; damaged and foreign images are refused
"$JPKI" card attach "$img" --host 192.0.2.1 >/dev/null 2>&1 &
pid=$!
sleep 0.3
jp card info "$img"
assert_refused "an image in use by the bridge"
kill -TERM "$pid"
wait "$pid"
assert_eq "$?" 0 "the bridge waiting for vpcd stops on SIGTERM with exit 0"
cp "$img" "$T_DIR/bad.img"
printf '\x00' | dd of="$T_DIR/bad.img" bs=1 seek=100 conv=notrunc status=none
jp card info "$T_DIR/bad.img"
assert_refused "a changed byte in the image"
head -c 32 /dev/urandom >"$T_DIR/other.key"
JPKI_ISSUER_KEY_FILE=$T_DIR/other.key jp card info "$img"
assert_refused "an image under another issuer master key"
JPKI_ISSUER_KEY_FILE=$T_DIR/other.key jp card erase "$T_DIR/child.img"
assert_refused "erase under another issuer master key"

# -- erase (issuer)
jp card erase "$T_DIR/child.img"
assert_rc 0 "erase"
jp card info "$T_DIR/child.img"
assert_contains "$OUT" "auth-key: no" "erased: no key"
finish
