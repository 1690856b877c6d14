#!/bin/bash
# t_portal_browser: the demo portal in a real browser, with the software card
# in a real reader.  Debian's Chromium (headless, driven by playwright-core
# from tests/browser/) opens https://localhost:PORT/demo/portal/, logs in with
# the card in pcscd + vpcd through `jpki login helper` (the PINs in files the
# helper reads, as a holder would type them into it), sees the account page,
# signs a filing and downloads it; axe-core checks each screen (WCAG 2.1 AA).
# Then `openssl cms -verify` judges the downloaded signature, and the card's
# own certificate says it signed.  Screenshots are kept in
# build/artefacts/portal-browser/.
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

pick_port
make_personalised_card
D=$T_DIR
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/tls.key" -out "$D/tls.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null ||
	die "TLS certificate"
TLS_PORT=$((PORT + 1))
HELPER_PORT=24727
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$D/tls.pem" --tls-key "$D/tls.key")
server_start
pcscd_start
card_attach "$IMG"

"$JPKI" login helper --listen "$HELPER_PORT" --auth-pin-file "$(secret 1234)" \
	--sign-pin-file "$(secret ABC123)" --allow-origin "https://localhost:$TLS_PORT" \
	>"$D/helper.out" 2>"$D/helper.log" &
HELPER_PID=$!
trap 'kill -KILL $HELPER_PID 2>/dev/null; card_cleanup; t_cleanup' EXIT
for _ in $(seq 1 100); do
	grep -q listening "$D/helper.out" 2>/dev/null && break
	kill -0 "$HELPER_PID" 2>/dev/null || die "the helper exited: $(cat "$D/helper.log")"
	sleep 0.1
done
grep -q listening "$D/helper.out" || die "the helper is not listening after 10 s"

ART=${JPKI_ARTEFACTS:-$top/build/artefacts}/portal-browser
rm -rf "$ART"
mkdir -p "$ART"
RESULTS=$D/browser.results
: >"$RESULTS"
(cd "$top/tests/browser" && PORTAL="https://localhost:$TLS_PORT" ARTEFACTS="$ART" RESULTS="$RESULTS" \
	timeout 100 node portal.mjs) >"$D/node.log" 2>&1
NODE_RC=$?
while IFS=$'\t' read -r verdict what; do
	if [ "$verdict" = ok ]; then pass "$what"; else fail "$what"; fi
done <"$RESULTS"
assert_eq "$NODE_RC" 0 "the browser run ends well$( [ "$NODE_RC" = 0 ] || printf ': %s' "$(tail -5 "$D/node.log")")"
for s in 0-front 1-login 2-account 3-signed 4-logged-out; do
	[ -s "$ART/$s.png" ] && pass "screenshot $s.png kept" || fail "no screenshot $s.png"
done

# the download, judged by openssl against the card's own certificate
printf '転入届\n新住所: 東京都千代田区千代田1-1\n' >"$D/filing.txt"
assert_cmd "openssl cms -verify accepts the downloaded filing" \
	openssl cms -verify -binary -inform DER -in "$ART/filing.p7s" -content "$D/filing.txt" \
	-CAfile "$(ca_cert sign)" -purpose any -out /dev/null
mkdir -p "$D/certs"
jp_ok "the card's signature certificate" card certs --reader "Virtual PCD" --out-dir "$D/certs" \
	--sign-pin-file "$(secret ABC123)"
openssl cms -verify -binary -inform DER -in "$ART/filing.p7s" -content "$D/filing.txt" \
	-CAfile "$(ca_cert sign)" -purpose any -out /dev/null -signer "$D/signer.pem" 2>/dev/null
assert_eq "$(openssl x509 -in "$D/signer.pem" -noout -fingerprint -sha256)" \
	"$(openssl x509 -in "$D/certs/sign.pem" -noout -fingerprint -sha256)" "signed by the card's key"
assert_not_contains "$(cat "$D/helper.log")" "1234" "the helper's log holds no PIN"
assert_not_contains "$(cat "$D/helper.log")" "ABC123" "nor the signature password"
assert_contains "$(cat "$D/helper.log")" "https://localhost:$TLS_PORT" "the helper logged the browser's origin"
finish
