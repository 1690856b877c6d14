#!/bin/bash
# t_bulk: `jpki cert bulk --in LIST` issues the good lines of a ~50-line list,
# reports each bad line with its number, records only what it issued, and
# exits 1 when any line failed (0 when none did).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
rsa_key k1
rsa_key k2
rsa_key weak 1024
ids=()
for i in $(seq 1 40); do
	ids+=("$(add_resident --family 山田 --given "太郎$i" --birth 1980-01-15 --sex M \
		--address "東京都立川市泉町$i")") || die "add resident $i"
done
minor=$(add_resident --family 山田 --given 小 --birth 2015-05-05 --sex F --address 東京都立川市泉町1) ||
	die "add minor"

list=$T_DIR/list
declare -A want_bad # line number -> word expected in the message
line=0
put() { line=$((line + 1)); printf '%s\n' "$1" >>"$list"; }
bad() { put "$1"; want_bad[$line]=$2; }
put "# kind resident key [card-expiry]"
for i in $(seq 1 40); do
	k=$T_DIR/k$((i % 2 + 1)).pub
	if [ "$i" -le 8 ]; then put "auth	${ids[i - 1]}	$k	2029-12-31"; else put "auth ${ids[i - 1]} $k"; fi
	case $i in
	5) bad "sign $minor $k" "E2" ;;
	10) put "" ;;
	12) bad "both ${ids[0]} $k" "KIND" ;;
	15) bad "auth abc $k" "RESIDENT_ID" ;;
	20) bad "auth 9999 $k" "9999" ;;
	22) bad "auth ${ids[1]} $T_DIR/missing.pub" "missing.pub" ;;
	25) bad "auth ${ids[2]} $k 2027-02-30" "2027-02-30" ;;
	28) bad "auth ${ids[3]} $k 2029-12-31 extra" "too many" ;;
	30) bad "auth $minor $T_DIR/weak.pub" "2048" ;; # (the minor: no other auth in the batch)
	33) bad "auth ${ids[5]}" "PUBKEY_FILE" ;;
	esac
done
for i in 1 2 3; do put "sign ${ids[i - 1]} $T_DIR/k1.pub"; done
bad "auth ${ids[6]} $T_DIR/k2.pub" "two auth" # a second auth for the same resident in one batch
nbad=${#want_bad[@]}
ngood=43
note "list of $line lines: $ngood good, $nbad bad"

jp cert bulk --in "$list" --threads 3
assert_rc 1 "bulk with bad lines exits 1"
BULK=$OUT
got_ok=$(printf '%s\n' "$BULK" | grep -c '^ok ')
got_err=$(printf '%s\n' "$BULK" | grep -c '^error ')
assert_eq "$got_ok" "$ngood" "every good line issued"
assert_eq "$got_err" "$nbad" "every bad line reported"
for n in "${!want_bad[@]}"; do
	msg=$(printf '%s\n' "$BULK" | grep "^error $n: ")
	if [ -z "$msg" ]; then fail "line $n ($(sed -n "${n}p" "$list")) not reported as an error"; continue; fi
	assert_contains "$msg" "${want_bad[$n]}" "line $n reported: $msg"
done
assert_match "$ERR" "^issued $ngood certificates, $nbad failed" "summary on standard error"

# what was issued is recorded, and nothing else
assert_eq "$(cert_count)" "$ngood" "jpki cert list shows exactly the issued certificates"
assert_eq "$(reg_sql 'SELECT count(*) FROM certificate')" "$ngood" \
	"the database agrees (sqlite3 or psql)"
assert_eq "$(reg_sql "SELECT count(*) FROM certificate WHERE resident_id=$minor")" \
	0 "nothing for the minor's refused sign line"
listing=$("$JPKI" cert list)
missing=0
while read -r _ n serial; do
	case $listing in *"$serial"*) ;; *) missing=$((missing + 1)) ;; esac
done < <(printf '%s\n' "$BULK" | grep '^ok ')
assert_eq "$missing" 0 "every reported serial is in jpki cert list"

# spot checks with openssl
first=$(printf '%s\n' "$BULK" | awk '$1 == "ok" && $2 == 2 {print $3}')
"$JPKI" cert show "$first" --pem | sed -n '/BEGIN/,$p' >"$T_DIR/first.pem"
assert_cmd "a bulk auth certificate verifies under the auth CA" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert auth)" "$T_DIR/first.pem"
assert_eq "$(x509_field "$T_DIR/first.pem" -enddate)" "notAfter=Dec 31 14:59:59 2029 GMT" \
	"its card expiry was applied"
signed=$(printf '%s\n' "$BULK" | grep '^ok ' | tail -n 2 | head -n 1 | awk '{print $3}')
"$JPKI" cert show "$signed" --pem | sed -n '/BEGIN/,$p' >"$T_DIR/signed.pem"
assert_cmd "a bulk sign certificate verifies under the sign CA" \
	openssl verify "${AT[@]}" -CAfile "$(ca_cert sign)" "$T_DIR/signed.pem"
assert_eq "$(x509_field "$T_DIR/signed.pem" -enddate)" "notAfter=Jan 15 14:59:59 2031 GMT" \
	"sign certificate: 5th birthday after issue"

# re-running a list for the same keys issues nothing and supersedes nothing
printf 'auth %s %s\nauth %s %s\n' "${ids[9]}" "$T_DIR/k1.pub" "${ids[10]}" "$T_DIR/k2.pub" >"$T_DIR/good"
before=$(cert_count)
jp cert bulk --in "$T_DIR/good"
assert_rc 1 "a re-run for the current keys reports errors"
assert_eq "$(printf '%s\n' "$OUT" | grep -c 'already has the current auth certificate')" 2 \
	"each line says the resident already has it"
assert_eq "$(cert_count)" "$before" "nothing was issued"
assert_eq "$("$JPKI" cert list --resident "${ids[9]}" | awk -F'\t' '$4 == "superseded"' | wc -l)" 0 \
	"nothing was superseded"

# an all-good list with --replace exits 0; reissue supersedes (rule X1)
jp cert bulk --in "$T_DIR/good" --replace
assert_rc 0 "bulk of good lines exits 0"
assert_eq "$(printf '%s\n' "$OUT" | grep -c '^ok ')" 2 "both issued"
assert_eq "$("$JPKI" cert list --resident "${ids[9]}" | awk -F'\t' '$4 == "superseded"' | wc -l)" 1 \
	"the earlier certificate is superseded"

jp cert bulk
assert_rc 2 "bulk without --in"
jp cert bulk --in "$T_DIR/nonexistent"
assert_refused "bulk of a missing list"
jp cert bulk --in "$T_DIR/good" --threads 0
assert_rc 2 "bulk --threads 0"
finish
