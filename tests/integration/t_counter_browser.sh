#!/bin/bash
# t_counter_browser: the counter terminal (/counter/, docs/counter-ui.md) in a
# real browser.  Debian's Chromium (headless, driven by playwright-core from
# tests/browser/counter.mjs) logs a clerk in with the keyboard alone, searches
# with a purpose, reports a loss with the keyboard alone, revokes, asks for an
# approval, locks after 5 idle minutes and unlocks; a supervisor approves
# from the queue and reads the audit log; axe-core checks every screen (WCAG
# 2.1 AA) in Japanese and in English.  Then the registry and `openssl ocsp`
# judge what the clicks did, and `jpki audit verify` the log they wrote.
# Screenshots are kept in build/artefacts/counter-browser/.
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v npm >/dev/null 2>&1 || "$top/scripts/deps.sh" nodejs npm >&2
if [ ! -d "$top/tests/browser/node_modules/playwright-core" ]; then
	(cd "$top/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund \
		>/dev/null) || { echo "FATAL: npm ci in tests/browser failed" >&2; exit 1; }
fi
[ -x /usr/bin/chromium ] || { echo "FATAL: /usr/bin/chromium is needed (apt-get install chromium)" >&2; exit 1; }
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"

at 2026-12-02T10:00:00+09:00 # a Wednesday, in office hours
init_ca
pick_port
D=$T_DIR
YAMADA=$(resident_with_certs 山田 太郎 1990-11-27)
SATO=$(resident_with_certs 佐藤 次郎 1985-04-01)
PW=$(secret 'officer-one-password')
jp_ok "the first CA officer" operator add officer1 --name "認証局 一郎" --role ca-officer --password-file "$PW"
jp_ok "a clerk" operator add clerk1 --name "窓口 花子" --role clerk --password-file "$(secret clerk-one-password)" \
	--by officer1 --by-password-file "$PW"
jp_ok "a supervisor" operator add sup1 --name "係長 次郎" --role supervisor \
	--password-file "$(secret supervisor-password)" --by officer1 --by-password-file "$PW"

jp_ok "a card, and with it the issuer key the notices' forms need" card new "$D/blank.img" \
	--number 123456789012 --expiry 2040-11-27
# the renewal notices' month: two before yamada's certificates expire (rule N2)
jp_ok "yamada's certificates" cert list --resident "$YAMADA"
END=$(printf '%s\n' "$OUT" | awk -F'\t' '$2 == "sign" {print substr($5, 1, 7)}')
Y=${END%-*} M=$((10#${END#*-} - 2))
[ "$M" -ge 1 ] || { Y=$((Y - 1)); M=$((M + 12)); }
NOTICE_MONTH=$(printf '%04d-%02d' "$Y" "$M")
jp_ok "sato's certificates" cert list --resident "$SATO"
SATO_SERIALS=$(printf '%s\n' "$OUT" | cut -f1 | tr '\n' ' ')

TLS_PORT=$((PORT + 1))
SERVE_ARGS=(--tls-listen "127.0.0.1:$TLS_PORT" --no-portal)
server_start

ART=${JPKI_ARTEFACTS:-$top/build/artefacts}/counter-browser
rm -rf "$ART"
mkdir -p "$ART"
RESULTS=$D/browser.results
: >"$RESULTS"
(cd "$top/tests/browser" && BASE="https://localhost:$TLS_PORT" ARTEFACTS="$ART" RESULTS="$RESULTS" \
	YAMADA="$YAMADA" SATO="$SATO" NOTICE_MONTH="$NOTICE_MONTH" SATO_SERIALS="$SATO_SERIALS" \
	timeout 150 node counter.mjs) >"$D/node.log" 2>&1
NODE_RC=$?
while IFS=$'\t' read -r verdict what; do
	if [ "$verdict" = ok ]; then pass "$what"; else fail "$what"; fi
done <"$RESULTS"
assert_eq "$NODE_RC" 0 "the browser run ends well$( [ "$NODE_RC" = 0 ] || printf ': %s' "$(tail -5 "$D/node.log")")"
for s in 1-login 2-search 3-loss 4-locked 5-english 6-audit 7-notices 8-mass 9-operators; do
	[ -s "$ART/$s.png" ] && pass "screenshot $s.png kept" || fail "no screenshot $s.png"
done

# what the clicks did, judged outside the browser
URL=http://127.0.0.1:$PORT
ocsp_ask auth "$D/山田.auth.pem"
assert_contains "$OUT" "revoked" "openssl ocsp: yamada's authentication certificate is revoked"
assert_not_contains "$OUT" "certificateHold" "for good: the hold was resolved at the counter"
ocsp_ask sign "$D/佐藤.sign.pem"
assert_contains "$OUT" "revoked" "openssl ocsp: sato's signature certificate is revoked"
ocsp_ask auth "$D/佐藤.auth.pem"
assert_contains "$OUT" "Reason: keyCompromise" "and his authentication certificate by the approved list (M1)"
jp counter case list
assert_contains "$OUT" "hold, done; resident $YAMADA" "the registry holds the loss case, done"
assert_contains "$OUT" "lift-hold, done; resident $YAMADA" "and the hold resolved"
jp operator list
assert_contains "$OUT" "clerk3	clerk	active" "the registry holds the clerk the CA officer added"
jp audit
assert_contains "$OUT" "clerk1" "the audit log names the clerk"
assert_contains "$OUT" "approval.approve" "and the supervisor's approval"
assert_contains "$OUT" "notice.sent" "and the renewal notice sent from the page"
assert_contains "$OUT" "mass-revocation" "and the mass revocation"
[ -s "$JPKI_DATA/notices/$NOTICE_MONTH/notice-$YAMADA.pdf" ] && pass "the notice's PDF is kept in the data folder" ||
	fail "no notice PDF in $JPKI_DATA/notices/$NOTICE_MONTH"
run pdftotext "$ART/notice.pdf" -
assert_contains "$OUT" "有効期限通知書" "the PDF the page handed out is the notice (pdftotext)"
assert_contains "$OUT" "山田" "with the resident's name"
jp_ok "a checkpoint" audit checkpoint --out "$D/cp"
jp_ok "the export" audit export --out "$D/log.jsonl"
jp audit verify --vkey "$(cat "$JPKI_DATA/audit/vkey")" --checkpoint "$D/cp" --entries "$D/log.jsonl"
assert_rc 0 "jpki audit verify accepts the log the browser's clicks wrote"
server_stop
finish
