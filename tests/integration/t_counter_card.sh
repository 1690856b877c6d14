#!/bin/bash
# t_counter_card: the counter's procedures with the card in a real PC/SC
# reader (pcscd + vpcd + `jpki card attach`), while `jpki serve` answers OCSP
# on the same data folder.  Each procedure ends with Debian's unmodified
# OpenSC reading the card and signing with the PINs the resident set, and
# `openssl ocsp` reporting the status the procedure caused, at once:
# issuance in person, loss (certificateHold), the hold lifted and a re-issue,
# PIN reset, renewal.  Then failure injection: the card pulled out of the
# reader at each step of an issuance; every time the registry, the card and
# the audit log agree, and `jpki counter case resume` completes the case.
# shellcheck source=card_lib.sh
. "$(dirname "$0")/card_lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"

READER=(--reader "Virtual PCD 00 00")
init_ca
at 2026-12-02T10:00:00+09:00
RID=$(add_yamada)
IMG=$T_DIR/card.img
jp_ok "card new" card new "$IMG" --number 123456789012 --expiry 2040-11-27
SERVE_ARGS=(--crl-refresh 1)
server_start
URL=http://127.0.0.1:$PORT
pcscd_start
card_attach "$IMG"

# ocsp_status KIND CERT.pem: STATUS is "good", "revoked" or what openssl said; OCSP all of it
ocsp_status() {
	run timeout 20 openssl ocsp -issuer "$(ca_cert "$1")" -cert "$2" -url "$URL/ocsp/$1" \
		-CAfile "$(ca_cert "$1")" -nonce -timeout 10 -validity_period 999999999
	OCSP=$OUT$ERR
	case $ERR in *"Response verify OK"*) ;; *)
		STATUS="unverified: $OCSP"
		return
		;;
	esac
	case $OUT in
	*"$2: good"*) STATUS=good ;;
	*"$2: revoked"*) STATUS=revoked ;;
	*) STATUS="unknown: $OCSP" ;;
	esac
}

# card_certs DIR: OpenSC reads the auth certificate, pkcs11-tool the sign one (password PIN)
opensc_certs() {
	mkdir -p "$1"
	run timeout 20 pkcs15-tool --read-certificate 01
	printf '%s\n' "$OUT" >"$1/auth.pem"
	run timeout 30 pkcs11-tool --module "$P11" --slot-index 1 --login --pin "$2" \
		--read-object --type cert --id 02 -o "$1/sign.der"
	openssl x509 -inform DER -in "$1/sign.der" -out "$1/sign.pem" 2>/dev/null
}

# opensc_signs AUTHPIN SIGNPIN DIR: pkcs11-tool signs with both keys, openssl verifies
opensc_signs() {
	printf 'a filing\n' >"$T_DIR/msg"
	local k dir=$3
	for k in "0 $1 01 auth" "1 $2 02 sign"; do
		set -- $k "$dir"
		run timeout 30 pkcs11-tool --module "$P11" --slot-index "$1" --login --pin "$2" --id "$3" \
			-s -m SHA256-RSA-PKCS -i "$T_DIR/msg" -o "$T_DIR/sig.$4"
		assert_rc 0 "OpenSC signs with the $4 key and its PIN"
		openssl x509 -in "$5/$4.pem" -noout -pubkey >"$T_DIR/$4.pub"
		assert_cmd "openssl verifies the $4 signature with the certificate on the card" \
			openssl dgst -sha256 -verify "$T_DIR/$4.pub" -signature "$T_DIR/sig.$4" "$T_DIR/msg"
	done
}

# ---- issuance in person ----
counter card-face --resident "$RID" --doc licence:L1 "${READER[@]}"
assert_rc 0 "the counter writes the card face through the reader"
pins 1234 ABC123
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "${READER[@]}"
assert_rc 0 "issuance in person through pcscd"
opensc_certs "$T_DIR/c1" ABC123
assert_cmd "OpenSC's auth certificate verifies under the auth CA" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert auth)" "$T_DIR/c1/auth.pem"
assert_cmd "OpenSC's sign certificate verifies under the sign CA" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert sign)" "$T_DIR/c1/sign.pem"
opensc_signs 1234 ABC123 "$T_DIR/c1"
ocsp_status auth "$T_DIR/c1/auth.pem"
	assert_eq "$STATUS" good "OCSP: the new auth certificate is good"
ocsp_status sign "$T_DIR/c1/sign.pem"
	assert_eq "$STATUS" good "OCSP: the new sign certificate is good"

# ---- loss: on hold at once, at any hour ----
at 2026-12-06T02:00:00+09:00 # a Sunday night
counter loss --resident "$RID"
assert_rc 0 "a loss reported on a Sunday night"
for k in auth sign; do
	ocsp_status "$k" "$T_DIR/c1/$k.pem"
	assert_eq "$STATUS" revoked "OCSP: the $k certificate, at once"
	assert_contains "$OCSP" "Reason: certificateHold" "OCSP gives the reason certificateHold ($k)"
done
# the certificate's own partition CRL and its delta, fetched at once: the hold is listed
serial=$(x509_field "$T_DIR/c1/auth.pem" -serial | sed 's/serial=//')
dp=$(openssl x509 -in "$T_DIR/c1/auth.pem" -noout -ext crlDistributionPoints | sed -n 's/.*URI://p' | head -n 1)
path=${dp#*://*/}
for f in "$path" "${path%.crl}-delta.crl"; do
	run curl -fsS --max-time 10 -o "$T_DIR/part.crl" "$URL/$f"
	assert_rc 0 "GET /$f"
	run openssl crl -inform DER -in "$T_DIR/part.crl" -noout -text
	assert_contains "$OUT" "Serial Number: $serial" "$f lists the held certificate at once"
	assert_contains "$OUT" "Certificate Hold" "$f gives the reason certificateHold"
done

# ---- the hold lifted at the counter, and a re-issue (found again, PINs kept) ----
at 2026-12-07T10:00:00+09:00
counter lift-hold --resident "$RID" --doc licence:L1
assert_rc 0 "the hold is lifted at the counter"
ocsp_status auth "$T_DIR/c1/auth.pem"
	assert_eq "$STATUS" revoked "OCSP: revoked for good"
assert_not_contains "$OCSP" "certificateHold" "OCSP: the reason is no longer certificateHold"
counter issue --resident "$RID" --doc licence:L1 --reason lost "${PINS[@]}" "${READER[@]}"
assert_rc 0 "re-issue after the loss"
assert_contains "$OUT" "200 yen (lost)" "F1: 200 yen"
opensc_certs "$T_DIR/c2" ABC123
ocsp_status auth "$T_DIR/c2/auth.pem"
	assert_eq "$STATUS" good "OCSP: the re-issued certificate is good"
opensc_signs 1234 ABC123 "$T_DIR/c2"

# ---- PIN reset (P2): the new PIN works in OpenSC, the old one no more ----
counter pin-reset --resident "$RID" --doc pension-book:P1 --reset both \
	--auth-pin-file "$(secret 4321)" --sign-pin-file "$(secret XYZ789)" "${READER[@]}"
assert_rc 0 "PIN reset at the counter through the reader"
opensc_signs 4321 XYZ789 "$T_DIR/c2"
run timeout 30 pkcs11-tool --module "$P11" --slot-index 0 --login --pin 1234 --id 01 \
	-s -m SHA256-RSA-PKCS -i "$T_DIR/msg" -o "$T_DIR/sig.old"
assert_rc 1 "the old PIN no longer signs"
counter pin-reset --resident "$RID" --doc pension-book:P1 --reset auth \
	--auth-pin-file "$(secret 1234)" "${READER[@]}"
assert_rc 0 "the auth PIN reset again (its try spent by the old PIN is restored)"

# ---- renewal (N1-N3): the same PINs, new certificates, the old superseded ----
at 2031-09-01T10:00:00+09:00
counter renew --resident "$RID" --doc licence:L1 --auth-pin-file "$(secret 1234)" \
	--sign-pin-file "$(secret XYZ789)" "${READER[@]}"
assert_rc 0 "renewal through the reader"
assert_contains "$OUT" "0 yen (renewal)" "renewal is free"
opensc_certs "$T_DIR/c3" XYZ789
opensc_signs 1234 XYZ789 "$T_DIR/c3"
ocsp_status auth "$T_DIR/c2/auth.pem"
	assert_eq "$STATUS" revoked "OCSP: the renewed certificate is superseded"
assert_contains "$OCSP" "Reason: superseded" "OCSP: reason superseded"
ocsp_status auth "$T_DIR/c3/auth.pem"
	assert_eq "$STATUS" good "OCSP: the new one is good"
card_detach

# ---- failure injection: the card pulled at each step of an issuance ----
at 2026-12-08T10:00:00+09:00
R2=$(add_resident --family 鈴木 --given 次郎 --birth 1985-05-05 --sex M --address 東京都立川市泉町5番)
IMG2=$T_DIR/card2.img
jp_ok "card new" card new "$IMG2" --number 987654321098 --expiry 2040-01-01
counter card-face --resident "$R2" --doc licence:S1 "$IMG2"
# how many APDUs one issuance takes: a measuring run on a copy
cp "$IMG2" "$T_DIR/measure.img"
R3=$(add_resident --family 鈴木 --given 次郎 --birth 1985-05-05 --sex M --address 東京都立川市泉町5番)
counter card-face --resident "$R3" --doc licence:S1 "$T_DIR/measure.img"
card_attach "$T_DIR/measure.img"
counter issue --resident "$R3" --doc licence:S1 "${PINS[@]}" "${READER[@]}"
assert_rc 0 "the measuring issuance"
card_detach >/dev/null
TOTAL=$(sed -n 's/.*stopped after \([0-9]*\) APDUs.*/\1/p' "$T_DIR/attach.$ATTACH_RUNS.log")
[ -n "$TOTAL" ] && [ "$TOTAL" -gt 20 ] || die "no APDU count in the bridge's log"
note "one issuance takes $TOTAL APDUs"

# consistent: every valid certificate of R2 is on the card; at most one case of R2 unfinished
consistent() {
	local what=$1 serials
	mkdir -p "$T_DIR/now" && rm -f "$T_DIR/now"/*
	"$JPKI" card certs --out-dir "$T_DIR/now" --sign-pin-file "$(secret ABC123)" "$IMG2" >/dev/null 2>&1
	serials=$("$JPKI" cert list | awk -v r="$R2" '$3 == r && $5 == "valid" {print $1}')
	local s ok=1
	for s in $serials; do
		if ! grep -qs "$s" <(for f in "$T_DIR"/now/auth.pem "$T_DIR"/now/sign.pem; do
			[ -f "$f" ] && x509_field "$f" -serial; done | sed 's/serial=//'); then
			ok=0
			fail "$what: certificate $s is valid in the registry but not on the card"
		fi
	done
	[ "$ok" = 1 ] && pass "$what: every valid certificate is on the card"
	run reg_integrity
	assert_eq "$OUT" ok "$what: the registry's integrity check"
	# a receipt for every finished issuance and for nothing else (no fee without a certificate)
	run reg_sql \
		"SELECT count(*) FROM counter_case c WHERE c.resident_id = $R2 AND c.procedure = 1 AND
		 (c.state = 3) != ((SELECT count(*) FROM receipt r WHERE r.case_id = c.id) = 1)"
	assert_eq "$OUT" 0 "$what: one receipt for each finished case, none for the others"
	# the audit log agrees: an "issued" entry for each finished case, a "checked" for each begun
	run reg_sql \
		"SELECT (SELECT count(*) FROM counter_case WHERE resident_id = $R2 AND procedure = 1
		   AND state = 3) - (SELECT count(*) FROM audit_entry WHERE resident_id = $R2
		   AND action = 'issue.issued'),
		 (SELECT count(*) FROM counter_case WHERE resident_id = $R2 AND procedure = 1
		   AND state IN (1, 2, 3)) - (SELECT count(*) FROM audit_entry WHERE resident_id = $R2
		   AND action = 'issue.checked')"
	assert_eq "$OUT" "0|0" "$what: the audit log agrees with the cases"
	run reg_sql \
		"SELECT count(*) FROM counter_case WHERE resident_id = $R2 AND state IN (1, 2)"
	[ "$OUT" -le 1 ] && pass "$what: at most one case unfinished ($OUT)" || fail "$what: $OUT unfinished"
}

cert_lines() { "$JPKI" cert list | grep -c .; }
for frac in 1 2 3 4 5 6 7 8 9; do
	n=$((TOTAL * frac / 10))
	ATTACH_RUNS=$((ATTACH_RUNS + 1))
	card_wait absent || die "card still present"
	"$JPKI" card attach "$IMG2" --slot 0 --pull-after "$n" 2>"$T_DIR/attach.$ATTACH_RUNS.log" &
	ATTACH_PID=$!
	card_wait present || die "the card did not appear"
	counter issue --resident "$R2" --doc licence:S1 "${PINS[@]}" "${READER[@]}"
	rc=$RC err=$ERR
	wait "$ATTACH_PID" 2>/dev/null
	ATTACH_PID=
	if [ "$rc" -eq 0 ]; then
		fail "pulled after $n APDUs: the issuance succeeded"
		continue
	fi
	pass "pulled after $n of $TOTAL APDUs: the issuance fails (exit $rc)"
	consistent "pulled after $n"
	CASE=$(printf '%s\n' "$err" | sed -n 's/.*case resume \([0-9]*\).*/\1/p' | head -n 1)
	# vpcd keeps waiting for the answer the pulled card never gave: restart the
	# reader stack, as a clerk replugs the reader
	pcscd_stop
	pcscd_start
	card_attach "$IMG2"
	if [ -n "$CASE" ]; then
		jp counter case resume "$CASE" "${OPERATOR[@]}" "${PINS[@]}" "${READER[@]}"
		assert_rc 0 "case $CASE resumed after the pull at $n"
	else
		counter issue --resident "$R2" --doc licence:S1 "${PINS[@]}" "${READER[@]}"
		assert_rc 0 "nothing was recorded before the pull at $n: the issuance runs again"
	fi
	card_detach >/dev/null
	consistent "completed after the pull at $n"
	run timeout 20 "$JPKI" card verify --kind auth --pin-file "$(secret 1234)" "$IMG2"
	assert_rc 0 "the card takes the PIN set by the completed issuance"
done
# ---- the process killed (SIGKILL) at each step: the card hangs, the counter is killed ----
for frac in 2 4 5 7 9; do
	n=$((TOTAL * frac / 10))
	ATTACH_RUNS=$((ATTACH_RUNS + 1))
	card_wait absent || die "card still present"
	"$JPKI" card attach "$IMG2" --slot 0 --stall-after "$n" 2>"$T_DIR/attach.$ATTACH_RUNS.log" &
	ATTACH_PID=$!
	card_wait present || die "the card did not appear"
	"$JPKI" counter issue --resident "$R2" --doc licence:S1 "${PINS[@]}" "${READER[@]}" \
		"${OPERATOR[@]}" >"$T_DIR/killed.out" 2>&1 &
	victim=$!
	for i in $(seq 1 200); do
		grep -q "stalled" "$T_DIR/attach.$ATTACH_RUNS.log" && break
		sleep 0.05
	done
	kill -KILL "$victim" 2>/dev/null
	wait "$victim" 2>/dev/null
	kill -TERM "$ATTACH_PID"
	wait "$ATTACH_PID" 2>/dev/null
	ATTACH_PID=
	grep -q "stalled" "$T_DIR/attach.$ATTACH_RUNS.log" ||
		fail "the card did not stall at APDU $n: $(cat "$T_DIR/killed.out")"
	consistent "killed at APDU $n"
	pcscd_stop
	pcscd_start
	card_attach "$IMG2"
	CASE=$(reg_sql \
		"SELECT id FROM counter_case WHERE resident_id = $R2 AND state IN (1, 2)")
	if [ -n "$CASE" ]; then
		jp counter case resume "$CASE" "${OPERATOR[@]}" "${PINS[@]}" "${READER[@]}"
		assert_rc 0 "case $CASE resumed after the kill at $n"
	else
		counter issue --resident "$R2" --doc licence:S1 "${PINS[@]}" "${READER[@]}"
		assert_rc 0 "nothing was recorded before the kill at $n: the issuance runs again"
	fi
	card_detach >/dev/null
	consistent "completed after the kill at $n"
done
jp audit --resident "$R2"
assert_match "$OUT" 'issue\.issued	done' "the audit log records the completed issuances"
server_stop
pcscd_stop
finish
