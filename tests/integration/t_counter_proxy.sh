#!/bin/bash
# t_counter_proxy: a voluntary proxy's two visits (rules D2-D4, X1, E2), the
# renewal notices of a month (N2) with their enclosed forms and the proxy's
# one-visit renewal (N4), and the printable documents, judged by pdftotext.
# Forged, altered, replayed, unsealed and expired forms are refused by the
# system.  Card images are driven in process (t_counter_card.sh covers the
# reader).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"

command -v pdftotext >/dev/null || die "pdftotext is needed (apt-get install poppler-utils)"
init_ca
at 2026-12-02T10:00:00+09:00
RID=$(add_yamada)
CARD=$T_DIR/card.img
counter_card "$CARD" "$RID"
pins 1234 ABC123

# ---- visit 1 ----
snapshot
counter proxy request --resident "$RID" --doc health-insurance:X1 --out "$T_DIR/form.pdf"
assert_rule D2 "a proxy without a photo ID"
KID=$(add_resident --family 小林 --given 花 --birth 2015-01-01 --sex F --address 東京都立川市泉町3番)
counter proxy request --resident "$KID" --doc licence:PX --kinds auth --out "$T_DIR/kid.pdf"
assert_rule E2 "no voluntary proxy for a person under 15"
[ ! -e "$T_DIR/kid.pdf" ] && pass "no form printed for a refusal" || fail "a form was printed"
counter proxy request --resident "$RID" --doc licence:PX --out "$T_DIR/form.pdf"
assert_rc 0 "visit 1: the proxy asks, the form is made"
CASE=$(printf '%s\n' "$OUT" | sed -n 's/^case \([0-9]*\) form-sent.*/\1/p')
run pdftotext -enc UTF-8 "$T_DIR/form.pdf" -
TEXT=$OUT
assert_contains "$TEXT" "照会書兼回答書" "the PDF is the inquiry-and-answer form"
assert_contains "$TEXT" "山田 太郎 様" "addressed to the applicant"
assert_contains "$TEXT" "東京都立川市泉町1156-9" "at the registered address"
assert_contains "$TEXT" "有効期限 2027年1月1日" "with its expiry (30 days)"
CODE=$(printf '%s\n' "$TEXT" | sed -n 's/^照会番号 //p')
assert_match "$CODE" '^P-[A-Z2-9]{12}-[A-Z2-9]{8}$' "the form's code is printed"
jp counter case show "$CASE"
assert_contains "$OUT" "proxy, form-sent" "the case waits for the answer"

# ---- visit 2: refusals ----
at 2026-12-09T10:00:00+09:00
answer() { counter proxy answer --doc "${PROXY_DOC:-licence:PX}" "$@" "$CARD"; }
snapshot
answer --form "${CODE%-*}-AAAAAAAA" --sealed "${PINS[@]}"
assert_rule D4 "a forged code"
assert_contains "$ERR" "forged or altered" "says forged or altered"
# the same reference, another resident: an altered form (the MAC covers the resident)
ALT=$(printf '%s' "$CODE" | sed 's/.$/2/')
[ "$ALT" = "$CODE" ] && ALT=$(printf '%s' "$CODE" | sed 's/.$/3/')
answer --form "$ALT" --sealed "${PINS[@]}"
assert_rule D4 "an altered code"
answer --form "P-ABCDEFGHJKLM-ABCDEFGH" --sealed "${PINS[@]}"
assert_rule D4 "an unknown form"
answer --form "not a code" --sealed "${PINS[@]}"
assert_rule D4 "a malformed code"
PROXY_DOC=student-id:S answer --form "$CODE" --sealed "${PINS[@]}"
assert_rule D2 "the proxy's photo ID at visit 2"
jp counter case show "$CASE"
assert_contains "$OUT" "proxy, refused" "the form's case is refused (a new form is needed)"
answer --form "$CODE" --sealed "${PINS[@]}"
assert_rule D4 "the form of a refused case"
assert_contains "$ERR" "a new form must be requested" "says a new form is needed"
at 2026-12-02T10:00:00+09:00
counter proxy request --resident "$RID" --doc licence:PX --out "$T_DIR/form1b.pdf"
CODE1B=$(pdftotext -enc UTF-8 "$T_DIR/form1b.pdf" - | sed -n 's/^照会番号 //p')
at 2026-12-09T10:00:00+09:00
answer --form "$CODE1B" --sealed --auth-pin-file "$(secret 12)" --sign-pin-file "$(secret ABC123)"
assert_rule D4 "a defect: the PIN written is not 4 digits"
assert_contains "$ERR" "defect" "says it is a defect of the form"

# a fresh form; unsealed is refused
at 2026-12-02T10:00:00+09:00
counter proxy request --resident "$RID" --doc licence:PX --out "$T_DIR/form2.pdf"
CODE2=$(pdftotext -enc UTF-8 "$T_DIR/form2.pdf" - | sed -n 's/^照会番号 //p')
at 2026-12-09T10:00:00+09:00
answer --form "$CODE2" "${PINS[@]}"
assert_rule D3 "an unsealed form"
at 2026-12-02T10:00:00+09:00
counter proxy request --resident "$RID" --doc licence:PX --out "$T_DIR/form3.pdf"
CODE3=$(pdftotext -enc UTF-8 "$T_DIR/form3.pdf" - | sed -n 's/^照会番号 //p')
CASE3=$(printf '%s\n' "$OUT" | sed -n 's/^case \([0-9]*\) form-sent.*/\1/p')
at 2027-01-02T10:00:00+09:00 # 31 days later
answer --form "$CODE3" --sealed "${PINS[@]}"
assert_rc 3 "an expired form"
assert_contains "$ERR" "refused (rule D3)" "names rule D3"
jp counter case show "$CASE3"
assert_contains "$OUT" "proxy, expired" "the case expired"

# ---- visit 2: the answer ----
at 2026-12-02T10:00:00+09:00
counter proxy request --resident "$RID" --doc licence:PX --out "$T_DIR/form4.pdf"
CODE4=$(pdftotext -enc UTF-8 "$T_DIR/form4.pdf" - | sed -n 's/^照会番号 //p')
at 2026-12-09T10:00:00+09:00
answer --form "$CODE4" --sealed "${PINS[@]}"
assert_rc 0 "visit 2: the sealed form, the proxy's ID, the card: issued"
assert_contains "$OUT" "0 yen (first)" "F1: the first issuance is free, by proxy too"
jp card verify --kind sign --pin-file "$(secret ABC123)" "$CARD"
assert_rc 0 "the card holds the password the applicant wrote"
snapshot
answer --form "$CODE4" --sealed "${PINS[@]}"
assert_rule D4 "a replayed form (used already)"

# ---- X1: a second proxy issuance needs the delegation ----
at 2026-12-10T10:00:00+09:00
counter proxy request --resident "$RID" --doc licence:PX --kinds sign --out "$T_DIR/form5.pdf"
CODE5=$(pdftotext -enc UTF-8 "$T_DIR/form5.pdf" - | sed -n 's/^照会番号 //p')
at 2026-12-17T10:00:00+09:00
snapshot
answer --form "$CODE5" --sealed --sign-pin-file "$(secret ABC123)" --auth-pin-file "$(secret 1234)"
assert_rule X1 "superseding a valid certificate without the delegation"
counter proxy request --resident "$RID" --doc licence:PX --kinds sign --out "$T_DIR/form6.pdf"
CODE6=$(pdftotext -enc UTF-8 "$T_DIR/form6.pdf" - | sed -n 's/^照会番号 //p')
at 2026-12-24T10:00:00+09:00
answer --form "$CODE6" --sealed --delegation --sign-pin-file "$(secret XYZ789)" \
	--auth-pin-file "$(secret 1234)"
assert_rc 0 "with the delegation, the signature certificate is re-issued"
assert_match "$OUT" 'revoked [0-9A-F]+ \(superseded, rule X1\)' "and the old one superseded"

# ---- receipts print ----
RECEIPT=$(printf '%s\n' "$OUT" | sed -n 's/.*receipt \([0-9]*\):.*/\1/p')
jp counter receipt pdf "$RECEIPT" --out "$T_DIR/receipt.pdf"
assert_rc 0 "a receipt as PDF"
run pdftotext -enc UTF-8 "$T_DIR/receipt.pdf" -
assert_contains "$OUT" "領収書" "the receipt's title"
assert_contains "$OUT" "金額 200 円" "the receipt's amount (a second issuance: 200 yen)"

# ---- N2: renewal notices, idempotent; exclusions ----
MOVED=$(add_resident --family 転出 --given 一 --birth 1980-02-02 --sex M --address 東京都立川市泉町7番)
FOREIGN=$(add_resident --family SMITH --given JOHN --birth 1985-03-03 --sex M --address 東京都立川市泉町8番 \
	--residence-end 2031-11-01)
for r in "$MOVED" "$FOREIGN"; do
	at 2026-12-02T10:00:00+09:00
	counter_card "$T_DIR/c$r.img" "$r" "99990000$r"
	counter issue --resident "$r" --doc licence:Z "${PINS[@]}" "$T_DIR/c$r.img"
	[ "$RC" -eq 0 ] || die "issue for $r: $ERR"
done
jp_ok "emigrate" resident emigrate "$MOVED"
R4=$(add_resident --family 佐藤 --given 花 --birth 1990-11-27 --sex F --address 東京都立川市泉町10番)
at 2026-12-02T10:00:00+09:00
counter_card "$T_DIR/r4.img" "$R4" 343434343434
counter issue --resident "$R4" --doc licence:Z "${PINS[@]}" "$T_DIR/r4.img"
[ "$RC" -eq 0 ] || die "issue for $R4: $ERR"
# Yamada's certificates run to 2031-11-27 (5th birthday); the notices go out in September
at 2031-09-15T10:00:00+09:00
counter notices --month 2031-09 --out-dir "$T_DIR/n"
assert_rc 0 "the notices of September 2031"
assert_contains "$OUT" "2 notices sent" "two notices: Yamada's and Sato's"
CSV=$(cat "$T_DIR/n/notices-2031-09.csv")
assert_eq "$(printf '%s\n' "$CSV" | grep -c '"auth"\|"sign"')" 4 "four certificates in the CSV"
assert_not_contains "$CSV" "転出" "no notice to a resident who moved out"
assert_not_contains "$CSV" "SMITH" "no notice to a foreign resident whose stay ends first"
run pdftotext -enc UTF-8 "$T_DIR/n/notice-$RID.pdf" -
NOTICE=$OUT
assert_contains "$NOTICE" "電子証明書の有効期限通知書" "the notice's title"
assert_contains "$NOTICE" "有効期限 2031年11月27日" "the expiry date"
assert_contains "$NOTICE" "2031年8月27日 から" "N1: renewable from 3 months before the expiry day"
assert_contains "$NOTICE" "照会書兼回答書（有効期限通知書同封）" "the form is enclosed (page 2)"
NCODE=$(printf '%s\n' "$NOTICE" | sed -n 's/^照会番号 //p')
assert_match "$NCODE" '^N-' "the enclosed form's code"
counter notices --month 2031-09 --out-dir "$T_DIR/n2"
assert_contains "$OUT" "0 notices sent" "a replayed month sends no duplicate"
assert_eq "$(grep -c . "$T_DIR/n2/notices-2031-09.csv")" 1 "the replay's CSV has its header only"
[ ! -e "$T_DIR/n2/notice-$RID.pdf" ] && pass "no second PDF" || fail "a second notice was printed"

# ---- N4: the proxy renews with the enclosed form in one visit ----
at 2031-10-01T10:00:00+09:00
answer --form "$NCODE" --sealed --auth-pin-file "$(secret 9999)" --sign-pin-file "$(secret XYZ789)"
assert_rc 3 "a wrong PIN written on the renewal form"
assert_contains "$ERR" "refused (rule D4)" "D4: a wrong PIN stops the procedure"
answer --form "$NCODE" --sealed --auth-pin-file "$(secret 1234)" --sign-pin-file "$(secret XYZ789)"
assert_rc 0 "N4: the proxy renews in one visit with the enclosed form"
assert_contains "$OUT" "0 yen (renewal)" "renewal is free"
answer --form "$NCODE" --sealed --auth-pin-file "$(secret 1234)" --sign-pin-file "$(secret XYZ789)"
assert_rc 3 "the enclosed form is used once"
# D3: an unsealed renewal form is spent with its refusal
R4CODE=$(pdftotext -enc UTF-8 "$T_DIR/n/notice-$R4.pdf" - | sed -n 's/^照会番号 //p')
counter proxy answer --doc licence:PX --form "$R4CODE" "${PINS[@]}" "$T_DIR/r4.img"
assert_rc 3 "an unsealed renewal form"
assert_contains "$ERR" "refused (rule D3)" "D3"
counter proxy answer --doc licence:PX --form "$R4CODE" --sealed "${PINS[@]}" "$T_DIR/r4.img"
assert_rc 3 "the same form, now said to be sealed, is refused: it was spent"
assert_contains "$ERR" "used already" "D4: used"
jp audit --rule N2
assert_contains "$OUT" "notice.sent" "the notice run is in the audit log"
jp registry check
assert_rc 0 "the registry passes its check"
finish
