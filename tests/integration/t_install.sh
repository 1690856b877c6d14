#!/bin/bash
# t_install: `meson install` puts the program, libjpki, its headers and jpki.pc in
# place (into a staging folder, DESTDIR), and an outside C program built only with
# `pkg-config --cflags --libs jpki` against that installation uses the public API:
# it opens a CA and the registry the jpki program made, adds a resident, issues a
# certificate (which openssl verifies) and answers an OCSP request (which openssl
# ocsp judges good, then revoked after `jpki cert revoke`).  The library exports
# its public API only and pulls in neither libmicrohttpd nor pcsclite.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
unset JPKI_NOW # the outside program runs on the system clock: so does everything here
AT=()
BUILD=$(dirname "$JPKI")
[ -f "$BUILD/build.ninja" ] || die "no meson build beside $JPKI"
sanitized=false
grep -q '"name": "b_sanitize", "value": "none"' "$BUILD/meson-info/intro-buildoptions.json" ||
	sanitized=true
for tool in pkg-config cc; do command -v "$tool" >/dev/null || die "$tool is needed"; done
DEST=$T_DIR/dest
run meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet
assert_rc 0 "meson install into a staging folder"
pc=$(find "$DEST" -name jpki.pc | head -n 1)
lib=$(find "$DEST" -name 'libjpki.so.0' | head -n 1)
assert_cmd "jpki.pc is installed" test -n "$pc"
assert_cmd "libjpki.so.0 is installed" test -n "$lib"
assert_cmd "the umbrella header is installed" test -f "$(find "$DEST" -path '*/include/jpki/jpki.h' | head -n 1)"
assert_cmd "the program is installed" test -x "$(find "$DEST" -path '*/bin/jpki' | head -n 1)"
[ -n "$pc" ] && [ -n "$lib" ] || finish

deps=$(ldd "$lib")
assert_not_contains "$deps" "microhttpd" "libjpki does not pull in libmicrohttpd"
assert_not_contains "$deps" "pcsclite" "libjpki does not pull in pcsclite"
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v '^JPKI_0$')
assert_eq "$(printf '%s\n' "$exported" | grep -cv '^jpki_')" 0 "it exports jpki_ names only"
for internal in jpki_issue jpki_store_open jpki_crl_build_scope jpki_ocsp_respond jpki_fail_ossl; do
	assert_not_contains " $(printf '%s ' $exported)" " $internal " "internal $internal is not exported"
done
for public in jpki_ctx_new jpki_ca_open jpki_registry_open jpki_cert_issue jpki_ocsp_answer \
	jpki_verifier_new jpki_verify jpki_report_json jpki_report_signer; do
	assert_contains " $(printf '%s ' $exported)" " $public " "public $public is exported"
done

if $sanitized; then
	# a sanitizer build's library needs the sanitizer's runtime in every program that loads
	# it: the outside program is built and run by the normal build's run of this test
	note "sanitizer build: the outside program is left to the normal build"
	finish
fi
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$DEST
flags=$(pkg-config --cflags --libs jpki) || die "pkg-config jpki"
note "pkg-config --cflags --libs jpki: $flags"
# shellcheck disable=SC2086
run cc -std=c11 -Wall -Wextra -Werror -o "$T_DIR/outside" "$T_TOP/tests/install/outside.c" $flags
assert_rc 0 "the outside program builds against the installed library alone"
[ "$RC" -eq 0 ] || finish
export LD_LIBRARY_PATH=$(dirname "$lib")

init_ca
rsa_key k
run "$T_DIR/outside" issue "$JPKI_DATA" "$T_DIR/k.pub" "$T_DIR/cert.der"
assert_rc 0 "the outside program issues a certificate: $ERR"
assert_contains "$OUT" "libjpki 0.1.0" "it reports the library's version"
serial=$(printf '%s\n' "$OUT" | sed -n 's/^issued \([0-9A-F]*\) .*/\1/p')
openssl x509 -inform DER -in "$T_DIR/cert.der" -out "$T_DIR/cert.pem" 2>/dev/null
assert_cmd "openssl verifies its certificate under the auth CA" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert auth)" "$T_DIR/cert.pem"
jp cert show "$serial"
assert_contains "$OUT" "status: valid" "the jpki program sees the certificate in the registry"

ocsp_status() { # the outside program answers a request openssl made; openssl judges
	openssl ocsp -issuer "$(ca_cert auth)" -cert "$T_DIR/cert.pem" -reqout "$T_DIR/req.der" \
		-no_nonce >/dev/null 2>&1 || die "openssl ocsp -reqout"
	run "$T_DIR/outside" ocsp "$JPKI_DATA" "$T_DIR/req.der" "$T_DIR/resp.der"
	assert_rc 0 "the outside program answers OCSP ($1)"
	run openssl ocsp -respin "$T_DIR/resp.der" -issuer "$(ca_cert auth)" -cert "$T_DIR/cert.pem" \
		-CAfile "$(ca_cert auth)" "${AT[@]}"
	OUT="$OUT$ERR"
}
ocsp_status "good"
assert_contains "$OUT" "$T_DIR/cert.pem: good" "openssl ocsp: good"
assert_contains "$OUT" "Response verify OK" "the response verifies"
jp_ok "revoke" cert revoke --reason keyCompromise "$serial"
ocsp_status "revoked"
assert_contains "$OUT" "$T_DIR/cert.pem: revoked" "openssl ocsp: revoked after jpki cert revoke"

# the relying party's example (docs/relying-party.md): a filing signed with a card, verified
# by a program built against the installed library, online against a running jpki serve
# shellcheck disable=SC2086
run cc -std=c11 -Wall -Wextra -Werror -o "$T_DIR/verify_filing" "$T_TOP/examples/verify_filing.c" $flags
assert_rc 0 "examples/verify_filing.c builds against the installed library"
pick_port
RID=$(add_yamada) || die "resident"
jp_ok "card new" card new "$T_DIR/card.img" --number 123456789012 --expiry 2035-11-27
jp_ok "personalize" card personalize "$T_DIR/card.img" --resident "$RID" \
	--auth-pin-file "$(secret 1234)" --sign-pin-file "$(secret ABC123)"
server_start
printf 'a tax return\n' >"$T_DIR/filing"
jp_ok "sign" sign "$T_DIR/card.img" --in "$T_DIR/filing" --out "$T_DIR/filing.p7s" \
	--pin-file "$(secret ABC123)"
run "$T_DIR/verify_filing" "$(ca_cert sign)" "$T_DIR/filing.p7s" "$T_DIR/filing"
assert_rc 0 "the example verifies the filing"
assert_contains "$OUT" "TOTAL-PASSED" "and says TOTAL-PASSED"
assert_contains "$OUT" "signed by 山田　太郎, born 平成2年11月27日, of 東京都立川市泉町1156-9" \
	"and who signed"
assert_contains "$OUT" "(proven by a time-stamp)" "and when, proven"
printf 'another\n' >"$T_DIR/other"
run "$T_DIR/verify_filing" "$(ca_cert sign)" "$T_DIR/filing.p7s" "$T_DIR/other"
assert_rc 3 "the example refuses another document"
assert_contains "$OUT" "TOTAL-FAILED HASH_FAILURE" "with HASH_FAILURE"
finish
