#!/bin/bash
# t_counter_card_browser: the counter terminal's card procedures in a real
# browser with the software card in a real reader.  Debian's Chromium
# (tests/browser/counter_card.mjs) logs a clerk in at /counter/ and, through
# the REST API and the server's PC/SC host side (pcscd + vpcd + `jpki card
# attach`), writes the card face, has a proxy's two visits issue both
# certificates (the inquiry form downloaded as a PDF, judged by pdftotext; the
# form refused when used again, D4), issues them again in person with the PINs
# typed into the page (X1 supersedes) and resets the authentication PIN; a malformed signature
# password is refused, and so is a renewal years before the expiry (N1).  The server
# is restarted with its clock inside the renewal window and the page renews both
# certificates onto the same card (the PINs kept, no fee); OpenSC reads the new ones
# and signs with the kept PINs.  Then Debian's unmodified OpenSC reads the
# card and signs with the PINs the page set (the new authentication PIN, the
# signature password), openssl verifies the certificates and the signatures,
# and `openssl ocsp` says good; the card is reported lost in the browser and
# `openssl ocsp` says certificateHold at once.  The HTTPS certificate is the
# one `jpki init` made from its local TLS CA, trusted by curl through ca.pem.
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${JPKI_CARD_NS:-}" ]; then # before the private network namespace: npm needs the registry
	command -v npm >/dev/null 2>&1 || "$top/scripts/deps.sh" nodejs npm >&2
	if [ ! -d "$top/tests/browser/node_modules/playwright-core" ]; then
		(cd "$top/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund \
			>/dev/null) || { echo "FATAL: npm ci in tests/browser failed" >&2; exit 1; }
	fi
	[ -x /usr/bin/chromium ] || { echo "FATAL: /usr/bin/chromium is needed (apt-get install chromium)" >&2; exit 1; }
fi
# shellcheck source=card_lib.sh
. "$(dirname "$0")/card_lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"

at 2026-12-02T10:00:00+09:00
init_ca
pick_port
D=$T_DIR
RID=$(add_yamada) || die "resident"
PW=$(secret 'officer-one-password')
jp_ok "the first CA officer" operator add officer1 --name "認証局 一郎" --role ca-officer --password-file "$PW"
jp_ok "a clerk" operator add clerk1 --name "窓口 花子" --role clerk --password-file "$(secret clerk-one-password)" \
	--by officer1 --by-password-file "$PW"
IMG=$D/card.img
jp_ok "a blank card" card new "$IMG" --number 123456789012 --expiry 2040-11-27
TLS_PORT=$((PORT + 1))
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --no-portal) # the certificate jpki init made
server_start
pcscd_start
card_attach "$IMG"
assert_cmd "curl trusts the server through the local TLS CA of jpki init" \
	curl -fsS --max-time 5 --cacert "$JPKI_DATA/tls/ca.pem" -o /dev/null "https://localhost:$TLS_PORT/counter/"

ART=${JPKI_ARTEFACTS:-$top/build/artefacts}/counter-card-browser
rm -rf "$ART"
mkdir -p "$ART"
browse() { # PHASE
	local results=$D/browser.$1 rc
	: >"$results"
	(cd "$top/tests/browser" && BASE="https://localhost:$TLS_PORT" ARTEFACTS="$ART" RESULTS="$results" \
		RESIDENT="$RID" PHASE="$1" timeout 100 node counter_card.mjs) >"$ART/node.$1.log" 2>&1
	rc=$?
	while IFS=$'\t' read -r verdict what; do
		if [ "$verdict" = ok ]; then pass "$what"; else fail "$what"; fi
	done <"$results"
	assert_eq "$rc" 0 "the browser run ($1) ends well$( [ "$rc" = 0 ] || printf ': %s' "$(tail -5 "$ART/node.$1.log")")"
}
browse issue
run pdftotext -enc UTF-8 "$ART/proxy-form.pdf" -
assert_contains "$OUT" "照会書兼回答書" "the downloaded PDF is the inquiry-and-answer form"
assert_contains "$OUT" "$(cat "$ART/proxy-form.code")" "with the code the page gave"
assert_contains "$OUT" "山田 太郎 様" "addressed to the applicant"
jp audit
assert_match "$OUT" "issue.issued	done		sign certificate [0-9A-F]+ superseding [0-9A-F]+" \
	"the in-person issuance superseded the proxy's certificates (X1)"

# OpenSC on the card the browser wrote
mkdir -p "$D/c"
opensc_reads() { # SUFFIX: both certificates off the card into $D/c/KIND$SUFFIX.pem
	run timeout 20 pkcs15-tool --read-certificate 01
	printf '%s\n' "$OUT" >"$D/c/auth$1.pem"
	run timeout 30 pkcs11-tool --module "$P11" --slot-index 1 --login --pin ABC123 \
		--read-object --type cert --id 02 -o "$D/c/sign$1.der"
	openssl x509 -inform DER -in "$D/c/sign$1.der" -out "$D/c/sign$1.pem" 2>/dev/null
}
opensc_reads ""
for k in auth sign; do
	assert_cmd "OpenSC's $k certificate verifies under the $k CA" \
		openssl verify "${AT[@]}" -CAfile "$(ca_cert "$k")" "$D/c/$k.pem"
done
printf 'a filing\n' >"$D/msg"
opensc_signs() { # SUFFIX WHAT: each key signs with its PIN, judged by openssl on $D/c/KIND$SUFFIX.pem
	local k suffix=$1 what=$2
	for k in "0 5678 01 auth" "1 ABC123 02 sign"; do
		set -- $k
		run timeout 30 pkcs11-tool --module "$P11" --slot-index "$1" --login --pin "$2" --id "$3" \
			-s -m SHA256-RSA-PKCS -i "$D/msg" -o "$D/sig$suffix.$4"
		assert_rc 0 "OpenSC signs with the $what $4 key and its PIN"
		openssl x509 -in "$D/c/$4$suffix.pem" -noout -pubkey >"$D/$4$suffix.pub"
		assert_cmd "openssl verifies the $what $4 signature" \
			openssl dgst -sha256 -verify "$D/$4$suffix.pub" -signature "$D/sig$suffix.$4" "$D/msg"
	done
}
opensc_signs "" "issued"
run timeout 30 pkcs11-tool --module "$P11" --slot-index 0 --login --pin 1234 --id 01 \
	-s -m SHA256-RSA-PKCS -i "$D/msg" -o "$D/sig.old"
assert_cmd_fails "the old authentication PIN no longer works" test "$RC" -eq 0
URL=http://127.0.0.1:$PORT
ocsp_ask auth "$D/c/auth.pem"
assert_contains "$OUT" ": good" "openssl ocsp: the issued authentication certificate is good"

# renewal, inside its window (N1: from 3 months before the expiry of 2031-11-27)
server_stop
at 2031-09-16T10:00:00+09:00 # a Tuesday, in office hours
server_start
browse renew
opensc_reads 2
for k in auth sign; do
	old=$(openssl x509 -in "$D/c/$k.pem" -noout -serial 2>/dev/null)
	new=$(openssl x509 -in "$D/c/${k}2.pem" -noout -serial 2>/dev/null)
	[ -n "$new" ] && [ "$new" != "$old" ] && pass "OpenSC reads the renewed $k certificate ($new)" ||
		fail "the $k certificate on the card was not renewed: $old -> $new"
	assert_contains "$(cat "$ART/renewed.txt")" "${new#serial=}" "the page named the $k serial on the card"
	assert_cmd "the renewed $k certificate verifies under the $k CA" \
		openssl verify "${AT[@]}" -CAfile "$(ca_cert "$k")" "$D/c/${k}2.pem"
	before=$(date -d "$(openssl x509 -in "$D/c/$k.pem" -noout -enddate | cut -d= -f2)" +%s)
	after=$(date -d "$(openssl x509 -in "$D/c/${k}2.pem" -noout -enddate | cut -d= -f2)" +%s)
	[ "$after" -gt "$before" ] && pass "the renewed $k certificate runs longer" ||
		fail "the renewed $k certificate ends $after, not after $before"
done
opensc_signs 2 "renewed (the PIN kept)"
ocsp_ask auth "$D/c/auth2.pem"
assert_contains "$OUT" ": good" "openssl ocsp: the renewed authentication certificate is good"
ocsp_ask auth "$D/c/auth.pem"
assert_contains "$OUT" "Reason: superseded" "and the one it replaced is revoked as superseded (X1)"

browse loss
for k in auth sign; do
	ocsp_ask "$k" "$D/c/${k}2.pem"
	assert_contains "$OUT" "Reason: certificateHold" "openssl ocsp: the $k certificate is on hold at once"
done
jp audit
assert_contains "$OUT" "pin-reset.done" "the audit log holds the PIN reset"
server_stop
finish
