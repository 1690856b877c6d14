#!/bin/bash
# t_counter_rules: every rule of the counter's procedures, one scenario each,
# with the clock set and card images driven in process (t_counter_card.sh
# runs the same procedures through pcscd and OpenSC).  Each refusal must exit
# 3, name its rule, be in the audit log and change no certificate; each
# success is judged by the registry (jpki cert show) and openssl.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"

init_ca
at 2026-12-02T10:00:00+09:00 # a Wednesday
RID=$(add_yamada)
CARD=$T_DIR/yamada.img
counter_card "$CARD" "$RID"
pins 1234 ABC123

# ---- W1: where and when ----
snapshot
at 2026-12-05T10:00:00+09:00 # Saturday
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule W1 "a Saturday"
assert_contains "$ERR" "Saturday" "W1: the refusal says why"
at 2026-12-02T16:30:00+09:00
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule W1 "16:30, the closing minute"
at 2026-12-02T08:29:59+09:00
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule W1 "08:29, before opening"
at 2026-11-23T10:00:00+09:00 # Labour Thanksgiving Day (a Monday)
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule W1 "a national holiday"
at 2026-09-22T10:00:00+09:00 # citizens' holiday between 敬老の日 and 秋分の日
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule W1 "the citizens' holiday of 2026-09-22"
at 2026-12-29T10:00:00+09:00
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule W1 "the year-end closure"
at 2026-12-02T10:00:00+09:00
jp counter issue --operator clerk1 --counter temporary --resident "$RID" --doc licence:L1 \
	"${PINS[@]}" "$CARD"
assert_rule W1 "a temporary window on a day it is not open"
jp counter issue --operator clerk1 --counter nowhere --resident "$RID" --doc licence:L1 \
	"${PINS[@]}" "$CARD"
assert_rc 1 "an unknown counter is an error"
# W1 with four eyes: an hours-override request of the clerk, approved by a supervisor, used once
OFFICER_PW=$(secret officer-one-password)
CLERK_PW=$(secret clerk-one-password)
CHIEF_PW=$(secret chief-two-password)
jp_ok "the first CA officer" operator add officer1 --name "認証局 一郎" --role ca-officer \
	--password-file "$OFFICER_PW"
jp_ok "the clerk" operator add clerk1 --name "窓口 花子" --role clerk --password-file "$CLERK_PW" \
	--by officer1 --by-password-file "$OFFICER_PW"
jp_ok "a supervisor" operator add chief2 --name "係長 次郎" --role supervisor \
	--password-file "$CHIEF_PW" --by officer1 --by-password-file "$OFFICER_PW"
request() { # KIND WHAT: the clerk asks; prints the request's number
	"$JPKI" approval request --kind "$1" --what "$2" --by clerk1 --by-password-file "$CLERK_PW" |
		sed -n 's/^request \([0-9]*\)$/\1/p'
}
at 2026-12-05T10:00:00+09:00
snapshot
counter card-face --resident "$RID" --doc licence:L1 --hours-approval 999 "$CARD"
assert_rule W1 "a Saturday with a request that does not exist"
HOURS=$(request hours-override "resident $RID: 土曜の臨時窓口")
[ -n "$HOURS" ] || die "no hours-override request"
counter card-face --resident "$RID" --doc licence:L1 --hours-approval "$HOURS" "$CARD"
assert_rule W1 "a Saturday with a request not yet approved"
jp approval approve "$HOURS" --by clerk1 --by-password-file "$CLERK_PW"
assert_rc 4 "the clerk cannot approve their own override"
jp_ok "the supervisor approves it" approval approve "$HOURS" --by chief2 --by-password-file "$CHIEF_PW"
jp counter card-face --operator clerk2 --counter city-hall --resident "$RID" --doc licence:L1 \
	--hours-approval "$HOURS" "$CARD"
assert_rule W1 "another clerk cannot use the clerk's approval"
counter card-face --resident "$RID" --doc licence:L1 --hours-approval "$HOURS" "$CARD"
assert_rc 0 "a Saturday with the supervisor's approved override"
jp audit
assert_contains "$OUT" "hours-override by chief2" "the override names the supervisor who approved it"
counter card-face --resident "$RID" --doc licence:L1 --hours-approval "$HOURS" "$CARD"
assert_rule W1 "the override is used once"

# ---- I1, P1, C1 before anything is written ----
at 2026-12-02T10:00:00+09:00
snapshot
counter issue --resident "$RID" "${PINS[@]}" "$CARD"
assert_rule I1 "no identity document"
counter issue --resident "$RID" --doc health-insurance:H1 "${PINS[@]}" "$CARD"
assert_rule I1 "one document of the B list"
counter issue --resident "$RID" --doc licence:L1 --auth-pin-file "$(secret 12345)" \
	--sign-pin-file "$(secret ABC123)" "$CARD"
assert_rule P1 "a 5-digit authentication PIN"
counter issue --resident "$RID" --doc licence:L1 --auth-pin-file "$(secret 1234)" \
	--sign-pin-file "$(secret ABCDEF)" "$CARD"
assert_rule P1 "a signature password without a digit"
jp counter issue --operator clerk1 --counter city-hall --resident "$RID" --doc licence:L1 \
	--auth-pin 1234 "$CARD"
assert_rc 2 "a PIN on the command line is refused before anything"
assert_contains "$ERR" "visible to every user" "and says why"

# ---- issuance in person: two B documents are enough; first issuance free (F1) ----
counter issue --resident "$RID" --doc health-insurance:H1 --doc pension-book:P9 "${PINS[@]}" "$CARD"
assert_rc 0 "issue in person with two B documents"
assert_contains "$OUT" "0 yen (first)" "F1: the first issuance is free"
AUTH1=$(printf '%s\n' "$OUT" | sed -n 's/^auth certificate \([0-9A-F]*\),.*/\1/p')
SIGN1=$(printf '%s\n' "$OUT" | sed -n 's/^sign certificate \([0-9A-F]*\),.*/\1/p')
[ -n "$AUTH1" ] && [ -n "$SIGN1" ] || die "no serials in: $OUT"
CASE1=$(printf '%s\n' "$OUT" | sed -n 's/^case \([0-9]*\) done.*/\1/p')
jp counter case show "$CASE1"
assert_contains "$OUT" "issue, done" "the case is done"
assert_contains "$OUT" "health-insurance:H1, pension-book:P9" "the documents are recorded"
mkdir -p "$T_DIR/c1"
jp card certs --out-dir "$T_DIR/c1" --sign-pin-file "$(secret ABC123)" "$CARD"
assert_cmd "openssl verifies the auth certificate on the card" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert auth)" "$T_DIR/c1/auth.pem"
assert_cmd "openssl verifies the sign certificate on the card" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert sign)" "$T_DIR/c1/sign.pem"
assert_eq "$(x509_field "$T_DIR/c1/auth.pem" -serial | sed 's/serial=//')" "$AUTH1" \
	"the card holds the certificate the case issued"
jp card verify --kind sign --pin-file "$(secret ABC123)" "$CARD"
assert_rc 0 "the new signature password verifies on the card (P1)"

# ---- X1 and F1: a second issuance supersedes and costs 200 yen after a loss ----
counter issue --resident "$RID" --doc passport:TK1 --reason lost "${PINS[@]}" "$CARD"
assert_rc 0 "a re-issue after loss"
assert_contains "$OUT" "200 yen (lost)" "F1: a re-issue after loss costs 200 yen"
assert_contains "$OUT" "revoked $AUTH1 (superseded, rule X1)" "X1: the old auth certificate"
jp cert show "$AUTH1"
assert_contains "$OUT" "reason: superseded" "X1: superseded in the registry"
counter issue --resident "$RID" --doc passport:TK1 --reason damaged-not-own "${PINS[@]}" "$CARD"
assert_contains "$OUT" "0 yen (damaged-not-own)" "F1: damage not the holder's fault is free"
RECEIPT=$(printf '%s\n' "$OUT" | sed -n 's/.*receipt \([0-9]*\):.*/\1/p')

# ---- R1: a void needs a supervisor's approval of that receipt ----
snapshot
counter receipt void "$RECEIPT"
assert_rule R1 "a void without an approval"
VOID=$(request fee-void "receipt $RECEIPT: 二重に受領")
OTHER=$(request fee-void "receipt $((RECEIPT + 1)): 別の領収書")
counter receipt void "$RECEIPT" --approval "$VOID"
assert_rule R1 "a void before the supervisor approved it"
jp_ok "the supervisor approves it" approval approve "$VOID" --by chief2 --by-password-file "$CHIEF_PW"
jp_ok "and the other" approval approve "$OTHER" --by chief2 --by-password-file "$CHIEF_PW"
counter receipt void "$RECEIPT" --approval "$OTHER"
assert_rule R1 "an approval of another receipt"
counter receipt void "$RECEIPT" --approval "$VOID"
assert_rc 0 "a void approved by a supervisor"
jp counter receipt show "$RECEIPT"
assert_contains "$OUT" "voided by clerk1, approved by chief2" "the void is on the receipt"
counter receipt void "$RECEIPT" --approval "$VOID"
assert_rule R1 "a receipt voided twice"

# ---- E4: a move revokes the signature certificate (C5) and the card face is out of date ----
jp_ok "move" resident move "$RID" --address 東京都立川市錦町三丁目2番26号
snapshot
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule E4 "the card face still shows the old address"
assert_contains "$ERR" "address" "E4 names the field that differs"
counter card-face --resident "$RID" --doc licence:L1 "$CARD"
assert_rc 0 "the counter rewrites the card face"
counter issue --resident "$RID" --doc licence:L1 --kinds sign "${PINS[@]}" "$CARD"
assert_rc 0 "a new signature certificate after the move"
assert_contains "$OUT" "(record-change)" "F1: re-issue after a change of the record"
assert_contains "$OUT" "0 yen" "and it is free"

# ---- E1, E3, C6 ----
snapshot
counter issue --resident 999 --doc licence:L1 "${PINS[@]}" "$CARD"
assert_rule E1 "an unknown resident"
GONE=$(add_resident --family 転出 --given 次郎 --birth 1980-01-01 --sex M --address 東京都立川市泉町1番)
jp_ok "emigrate" resident emigrate "$GONE"
counter issue --resident "$GONE" --doc licence:L2 "${PINS[@]}" "$CARD"
assert_rule E1 "a resident who moved out"
R2=$(add_resident --family 佐藤 --given 一郎 --birth 1970-05-05 --sex M --address 東京都立川市泉町2番)
# (a card without card data, E3, is a case of the unit tests: `card new` always writes them)
JUKI=$T_DIR/juki.img
jp_ok "juki card" card new "$JUKI" --kind juki --number 333344445555 --expiry 2030-01-01
counter issue --resident "$R2" --doc licence:L3 "${PINS[@]}" "$JUKI"
assert_rule C6 "the old basic-resident-register card"
EXPIRED=$T_DIR/expired.img
jp_ok "expired card" card new "$EXPIRED" --number 444455556666 --expiry 2026-12-01
counter card-face --resident "$R2" --doc licence:L3 "$EXPIRED"
counter issue --resident "$R2" --doc licence:L3 "${PINS[@]}" "$EXPIRED"
assert_rule E3 "an expired card"

# ---- E2 and L1: the 15th birthday, the day before and the day of ----
KID=$(add_resident --family 小林 --given 花 --birth 2011-12-02 --sex F --address 東京都立川市泉町3番)
KIDCARD=$T_DIR/kid.img
at 2026-12-01T10:00:00+09:00
counter_card "$KIDCARD" "$KID" 555566667777
snapshot
counter issue --resident "$KID" --doc licence:K1 "${PINS[@]}" "$KIDCARD"
assert_rule E2 "the day before the 15th birthday: no signature certificate"
counter issue --resident "$KID" --doc licence:K1 --kinds auth "${PINS[@]}" "$KIDCARD"
assert_rule E2 "under 15: the holder does not apply alone"
counter issue --resident "$KID" --doc licence:K1 --kinds auth --applicant proxy "${PINS[@]}" "$KIDCARD"
assert_rule E2 "under 15: no voluntary proxy"
counter issue --resident "$KID" --doc licence:R1 --doc health-insurance:R2 --kinds auth \
	--applicant legal-rep "${PINS[@]}" "$KIDCARD"
assert_rule L1 "the legal representative without proof of authority"
counter issue --resident "$KID" --doc licence:R1 --doc health-insurance:R2 --kinds auth \
	--applicant legal-rep --authority family-register:2026-08-31 "${PINS[@]}" "$KIDCARD"
assert_rule L1 "a family register extract older than 3 months"
counter issue --resident "$KID" --doc licence:R1 --kinds auth --applicant legal-rep \
	--authority family-register:2026-09-01 "${PINS[@]}" "$KIDCARD"
assert_rule L1 "the legal representative with one document only"
counter issue --resident "$KID" --doc licence:R1 --doc health-insurance:R2 --kinds auth \
	--applicant legal-rep --authority family-register:2026-09-01 "${PINS[@]}" "$KIDCARD"
assert_rc 0 "the legal representative with a 3-month-old extract: authentication only"
at 2026-12-02T10:00:00+09:00
counter issue --resident "$KID" --doc licence:K1 --kinds sign "${PINS[@]}" "$KIDCARD"
assert_rc 0 "on the 15th birthday the holder applies for a signature certificate"
WARD=$(add_resident --family 後見 --given 三郎 --birth 1950-01-01 --sex M --address 東京都立川市泉町4番 \
	--adult-ward yes)
WARDCARD=$T_DIR/ward.img
counter_card "$WARDCARD" "$WARD" 666677778888
snapshot
counter issue --resident "$WARD" --doc licence:W1 --doc passport:W2 --applicant legal-rep \
	--same-household "${PINS[@]}" "$WARDCARD"
assert_rule E2 "an adult ward: no signature certificate"
counter issue --resident "$WARD" --doc licence:W1 --doc passport:W2 --kinds auth \
	--applicant legal-rep --same-household "${PINS[@]}" "$WARDCARD"
assert_rc 0 "an adult ward's guardian in the same household: no proof needed"

# ---- N1, N3: renewal ----
at 2030-12-02T10:00:00+09:00 # the auth certificate runs to 2031-11-27 (birthday)
snapshot
counter renew --resident "$RID" --doc licence:L1 --kinds auth --auth-pin-file "$(secret 1234)" "$CARD"
assert_rule N1 "renewal a year before expiry"
assert_contains "$ERR" "can be renewed from" "N1 says from when"
at 2031-09-03T10:00:00+09:00 # inside the 3 months before 2031-11-27
counter renew --resident "$RID" --doc licence:L1 --kinds auth --auth-pin-file "$(secret 9999)" "$CARD"
assert_rule N3 "renewal with a wrong current PIN"
counter renew --resident "$RID" --doc licence:L1 --kinds auth --auth-pin-file "$(secret 1234)" "$CARD"
assert_rc 0 "renewal inside the window, with the current PIN"
assert_contains "$OUT" "0 yen (renewal)" "F1: renewal is free"
assert_match "$OUT" 'valid until 2036-11-27' "N1: the renewed certificate runs to the 6th birthday"

# F1: a new signature certificate asked for inside its renewal window is a free renewal
counter issue --resident "$RID" --doc licence:L1 --kinds sign "${PINS[@]}" "$CARD"
assert_rc 0 "issue inside the renewal window"
assert_contains "$OUT" "0 yen (renewal)" "F1: inside the N1 window an issuance is a free renewal"

# ---- E2/L1: a legal representative only for minors and wards ----
snapshot
counter issue --resident "$RID" --doc licence:R1 --doc passport:R2 --applicant legal-rep \
	--same-household "${PINS[@]}" "$CARD"
assert_rule E2 "an adult who is not a ward has no legal representative"
TEEN=$(add_resident --family 高校 --given 生 --birth 2015-03-03 --sex F --address 東京都立川市泉町9番)
at 2031-09-03T10:00:00+09:00
counter_card "$T_DIR/teen.img" "$TEEN" 121212121212
counter issue --resident "$TEEN" --doc licence:R1 --doc passport:R2 --applicant legal-rep \
	"${PINS[@]}" "$T_DIR/teen.img"
assert_rule L1 "at 16 a legal representative still proves authority"
counter issue --resident "$TEEN" --doc licence:T1 "${PINS[@]}" "$T_DIR/teen.img"
assert_rc 0 "at 16 the holder applies alone, for both"

# ---- P2: PIN reset with the card and a second document ----
snapshot
counter pin-reset --resident "$RID" --reset sign --sign-pin-file "$(secret NEW999)" "$CARD"
assert_rule P2 "a PIN reset without a second document"
for i in 1 2 3 4 5; do jp card verify --kind sign --pin-file "$(secret WRONG1)" "$CARD"; done
jp card verify --kind sign --pin-file "$(secret ABC123)" "$CARD"
assert_contains "$ERR$OUT" "blocked" "the signature password is locked after 5 wrong tries"
counter pin-reset --resident "$RID" --doc health-insurance:H1 --reset sign \
	--sign-pin-file "$(secret NEW999)" "$CARD"
assert_rc 0 "the counter unlocks and resets the signature password"
jp card verify --kind sign --pin-file "$(secret NEW999)" "$CARD"
assert_rc 0 "the new password verifies"
jp audit --rule P2
assert_not_contains "$(jp audit; printf '%s' "$OUT")" "NEW999" "no PIN in the audit log"

# ---- K1: the kiosk ----
at 2031-09-10T20:00:00+09:00
jp counter kiosk-reserve --operator app --counter kiosk --resident "$RID" --reset sign "$CARD"
assert_rc 0 "a kiosk reservation with the card"
REF=$OUT
at 2031-09-11T23:30:00+09:00
jp counter kiosk-reset --operator kiosk1 --counter kiosk --reservation "$REF" \
	--pin-file "$(secret 1234)" --new-pin-file "$(secret KIOSK1)" "$CARD"
assert_rc 3 "K1: kiosks do not reset PINs at 23:30"
at 2031-09-11T21:00:01+09:00
jp counter kiosk-reset --operator kiosk1 --counter kiosk --reservation "$REF" \
	--pin-file "$(secret 1234)" --new-pin-file "$(secret KIOSK1)" "$CARD"
assert_rc 3 "K1: a reservation lasts 24 hours"
at 2031-09-10T21:00:00+09:00
jp counter kiosk-reserve --operator app --counter kiosk --resident "$RID" --reset sign "$CARD"
REF=$OUT
jp counter kiosk-reset --operator kiosk1 --counter kiosk --reservation "$REF" \
	--pin-file "$(secret 9999)" --new-pin-file "$(secret KIOSK1)" "$CARD"
assert_rc 3 "K1: the other PIN forgotten too: only the counter can help"
jp counter kiosk-reset --operator kiosk1 --counter kiosk --reservation "$REF" \
	--pin-file "$(secret 1234)" --new-pin-file "$(secret KIOSK1)" "$CARD"
assert_rc 0 "K1: one PIN reset at the kiosk knowing the other"
jp card verify --kind sign --pin-file "$(secret KIOSK1)" "$CARD"
assert_rc 0 "the kiosk's new password verifies"
jp counter kiosk-reset --operator kiosk1 --counter kiosk --reservation "$REF" \
	--pin-file "$(secret 1234)" --new-pin-file "$(secret KIOSK2)" "$CARD"
assert_rc 3 "K1: a reservation is used once"
jp counter kiosk-reserve --operator app --counter kiosk --resident "$RID" --reset sign "$CARD"
REF2=$OUT
KCASE=$(reg_sql "SELECT case_id FROM counter_token WHERE ref = '$REF2'")
jp counter case cancel "$KCASE" --operator app --counter city-hall
assert_rc 0 "a reservation cancelled"
jp counter kiosk-reset --operator kiosk1 --counter kiosk --reservation "$REF2" \
	--pin-file "$(secret 1234)" --new-pin-file "$(secret KIOSK3)" "$CARD"
assert_rc 3 "K1: a cancelled reservation is refused"
jp card verify --kind sign --pin-file "$(secret KIOSK1)" "$CARD"
assert_rc 0 "and the card's password is unchanged"

# ---- H1: loss at any hour, hold lifted only at the counter ----
at 2031-09-14T03:00:00+09:00 # a Sunday night
counter loss --resident "$RID"
assert_rc 0 "a reported loss on a Sunday at 3:00"
HELD=$(printf '%s\n' "$OUT" | sed -n 's/^on hold (certificateHold): //p')
assert_eq "$(printf '%s\n' "$HELD" | grep -c .)" 2 "both certificates on hold"
for s in $HELD; do
	jp cert show "$s"
	assert_contains "$OUT" "reason: certificateHold" "$s is on hold in the registry"
done
snapshot
counter lift-hold --resident "$RID" --doc licence:L1
assert_rule W1 "a hold is not lifted on a Sunday"
at 2031-09-16T10:00:00+09:00
counter lift-hold --resident "$RID" --doc licence:L1
assert_rc 0 "the hold is lifted at the counter"
for s in $HELD; do
	jp cert show "$s"
	assert_contains "$OUT" "reason: unspecified" "$s revoked for good"
done
counter lift-hold --resident "$RID" --doc licence:L1
assert_rule H1 "nothing left on hold"

# ---- X1: revocation by a proxy needs the delegation ----
counter issue --resident "$RID" --doc licence:L1 --reason lost "${PINS[@]}" "$CARD"
assert_rc 0 "re-issue after the loss"
assert_contains "$OUT" "200 yen (lost)" "F1: after a loss, 200 yen"
snapshot
counter revoke --resident "$RID" --doc licence:PX --applicant proxy --kinds sign
assert_rule X1 "a proxy's revocation without the delegation"
counter revoke --resident "$RID" --doc health-insurance:PX --applicant proxy --delegation --kinds sign
assert_rule D2 "a proxy without a photo ID"
counter revoke --resident "$RID" --doc licence:PX --applicant proxy --delegation --kinds sign
assert_rc 0 "a proxy revokes with the delegation"

# ---- M1: a list revoked at once only on the strength of an approved request about it ----
jp_ok "the resident's certificates" cert list --resident "$RID"
LIST=$T_DIR/mass.txt
printf '%s\n' "$OUT" | cut -f1 >"$LIST"
VALID=$(printf '%s\n' "$OUT" | awk -F'\t' '$4 == "valid" {print $1}')
[ -n "$VALID" ] || die "no valid certificate left to revoke by list"
snapshot
jp cert revoke --reason keyCompromise --list "$LIST"
assert_rc 2 "a list without an approval is refused before anything"
assert_contains "$ERR" "rule M1" "it names rule M1"
jp cert revoke --reason keyCompromise $(head -n 2 "$LIST")
assert_rc 2 "so are two serials on the command line"
jp_ok "the list's subject" cert revoke --digest --list "$LIST"
SUBJECT=${OUT% (*}
tac "$LIST" >"$T_DIR/mass-reversed.txt"
jp cert revoke --digest --list "$T_DIR/mass-reversed.txt"
assert_eq "${OUT% (*}" "$SUBJECT" "the subject does not depend on the list's order"
MASS=$(request mass-revocation "$SUBJECT: カードの鍵の漏えい")
mass() { jp cert revoke --reason "${1:-keyCompromise}" --list "${2:-$LIST}" --approval "$MASS" "${OPERATOR[@]}"; }
mass
assert_rule M1 "the list before its approval"
jp_ok "the supervisor approves the list" approval approve "$MASS" --by chief2 --by-password-file "$CHIEF_PW"
head -n 1 "$LIST" >"$T_DIR/mass-one.txt"
mass keyCompromise "$T_DIR/mass-one.txt"
assert_rule M1 "the approval covers that list only"
mass certificateHold
assert_rc 1 "a hold is not a mass revocation's reason"
mass
assert_rc 0 "the approved list is revoked at once"
assert_contains "$OUT" "revoked $(printf '%s\n' "$VALID" | grep -c .) certificate(s) (keyCompromise)" \
	"the valid ones are revoked, the others said to be so already"
for s in $VALID; do
	jp cert show "$s"
	assert_contains "$OUT" "reason: keyCompromise" "$s revoked by the list"
done
jp audit
assert_contains "$OUT" "approved by=chief2" "the entry names the supervisor who approved it"
mass
assert_rule M1 "the approval is used once"

# ---- the audit log: every procedure and refusal, append-only ----
jp audit --decision refused
assert_match "$OUT" 'refused rule E2' "the audit log lists refusals by rule"
jp audit --resident "$KID"
assert_contains "$OUT" "issue.issued" "the audit log lists a resident's procedures"
assert_not_contains "$OUT" "resident $RID	" "and no other resident's"
run reg_sql "DELETE FROM audit_entry"
assert_contains "$ERR" "append-only" "the audit log refuses deletes"
run reg_sql "UPDATE audit_entry SET rule = ''"
assert_contains "$ERR" "append-only" "the audit log refuses updates"
jp registry check
assert_rc 0 "the registry passes its check after every procedure"
finish
