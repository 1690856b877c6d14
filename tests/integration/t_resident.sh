#!/bin/bash
# t_resident: `jpki resident add|show|list|update` round trip, and bad input
# refused with a clear message and nothing recorded (checked through the CLI
# and, independently, with the database shell on the registry: sqlite3 or psql).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
DB=$JPKI_DATA/registry.sqlite
rows() { reg_sql 'SELECT count(*) FROM resident'; }

# -- add, show, list
id=$(add_yamada) || die "add the example resident"
assert_eq "$id" 1 "add prints the new id"
jp resident show "$id"
assert_rc 0 "show"
assert_contains "$OUT" "family: 山田" "show: family name"
assert_contains "$OUT" "given: 太郎" "show: given name"
assert_contains "$OUT" "birth: 1990-11-27" "show: birth date"
assert_contains "$OUT" "sex: M" "show: sex"
assert_contains "$OUT" "address: 東京都立川市泉町1156-9" "show: address"
assert_contains "$OUT" "status: resident" "show: status"
assert_eq "$(reg_sql "SELECT family_name||'|'||given_name||'|'||birth_date||'|'||sex||'|'||address FROM resident WHERE id=$id")" \
	"山田|太郎|1990-11-27|1|東京都立川市泉町1156-9" "the database shell (sqlite3 or psql) sees the same record"

id2=$(add_resident --family 佐藤 --given 花子 --birth 2012-04-01 --sex F \
	--address 大阪府大阪市北区中之島1-3-20 --former-surname 鈴木 --adult-ward no) ||
	die "add a second resident"
assert_eq "$id2" 2 "a second add gets the next id"
jp resident list
assert_rc 0 "list"
assert_eq "$(printf '%s\n' "$OUT" | grep -c .)" 2 "list shows two residents"
assert_match "$OUT" "^1	山田 太郎	1990-11-27	resident	東京都立川市泉町1156-9$" "list line of resident 1"
assert_match "$OUT" "^2	佐藤 花子	2012-04-01	resident	大阪府大阪市北区中之島1-3-20$" "list line of resident 2"
jp resident show "$id2"
assert_contains "$OUT" "former-surname: 鈴木" "show: former surname"

# -- update round trip
jp resident update "$id" --address 東京都立川市錦町1-1 --given 一郎
assert_rc 0 "update address and given name"
assert_contains "$OUT" "resident $id updated" "update reports the id"
jp resident show "$id"
assert_contains "$OUT" "address: 東京都立川市錦町1-1" "update: new address shown"
assert_contains "$OUT" "given: 一郎" "update: new given name shown"
assert_contains "$OUT" "birth: 1990-11-27" "update: untouched fields kept"
jp resident update "$id2" --former-surname ''
assert_rc 0 "clear the former surname"
jp resident show "$id2"
assert_not_contains "$OUT" "former-surname" "former surname cleared"
jp resident update "$id2" --residence-end 2030-03-31
assert_rc 0 "set a residence end"
jp resident show "$id2"
assert_contains "$OUT" "residence-end: 2030-03-31" "residence end shown"

# -- bad input: refused, clear message, nothing recorded
snapshot() { "$JPKI" resident list; reg_sql 'SELECT * FROM resident ORDER BY id'; }
before=$(snapshot)
base=(--family 田中 --given 一 --sex F --birth 2000-01-31 --address 北海道札幌市中央区北1条西2丁目)
bad() { # WHAT WORD ARGS...: add with ARGS must be refused with WORD in the message
	local what=$1 word=$2
	shift 2
	jp resident add "$@"
	assert_refused "$what"
	assert_contains "$ERR" "$word" "$what: message mentions $word"
}
without() { # drop one option (and its value) from base
	local skip=$1 i
	for ((i = 0; i < ${#base[@]}; i += 2)); do
		[ "${base[i]}" = "$skip" ] || printf '%s\0%s\0' "${base[i]}" "${base[i + 1]}"
	done
}
bad "impossible date 2023-02-30" "2023-02-30" "${base[@]}" --birth 2023-02-30
bad "29 February of a common year" "2023-02-29" "${base[@]}" --birth 2023-02-29
bad "date in another format" "YYYY-MM-DD" "${base[@]}" --birth 2000/01/31
bad "month 13" "2000-13-01" "${base[@]}" --birth 2000-13-01
bad "sex X" "sex" "${base[@]}" --sex X
bad "sex spelled out" "sex" "${base[@]}" --sex male
bad "address without prefecture" "prefecture" "${base[@]}" --address 立川市泉町1156-9
bad "address without municipality" "municipality" "${base[@]}" --address 東京都
bad "empty family name" "family" "${base[@]}" --family ''
bad "name with a space" "space" "${base[@]}" --given '一 二'
bad "flags of the wrong length" "flag" "${base[@]}" --name-flags 01
bad "adult ward maybe" "adult-ward" "${base[@]}" --adult-ward maybe
bad "status on add" "resident" "${base[@]}" --status deceased
bad "stray argument" "unexpected" "${base[@]}" extra
for opt in --family --given --birth --sex --address; do
	mapfile -d '' args < <(without "$opt")
	bad "missing $opt" "${opt#--}" "${args[@]}"
done
bad "birth in the future" "birth" "${base[@]}" --birth 2027-01-01
assert_eq "$(snapshot)" "$before" "no refused add left a record (resident list and the database shell)"
assert_eq "$(rows)" 2 "still two residents in the registry"

# -- show/update with bad ids
for badid in abc 0 -1 1x 99999999999999999999; do
	jp resident show "$badid"
	assert_rc 2 "show '$badid' is a usage error"
done
jp resident show 42
assert_refused "show of an unknown resident"
jp resident update 42 --sex F
assert_refused "update of an unknown resident"
jp resident update abc --sex F
assert_rc 2 "update of a non-numeric id"
jp resident update "$id"
assert_rc 2 "update without fields"
jp resident update "$id" --birth 2023-02-30
assert_refused "update to an impossible date"
jp resident update "$id" --birth 2026-11-27
assert_refused "update to a birth date in the future"
jp resident update "$id" --address 立川市錦町1-1
assert_refused "update to an address without prefecture"
jp resident update "$id" --status emigrated
assert_refused "update to an unknown status"
assert_eq "$(snapshot)" "$before" "no refused update changed a record"

# -- text that would display wrongly: bidirectional and line controls, control characters
rlo=$(printf '\u202e')
for pair in "given:太郎${rlo}" "family:$(printf '\u2067')山田" "address:東京都立川市泉町${rlo}9-6511" \
	"address:東京都立川市$(printf '\u200f')泉町1" "alias:$(printf '\u2028')x"; do
	field=${pair%%:*} value=${pair#*:}
	jp resident update "$id" "--$field" "$value"
	assert_refused "a $field with U+$(printf '%s' "$value" | iconv -f UTF-8 -t UTF-32BE | od -An -tx1 |
		tr -d ' \n' | grep -oE '0000(202e|2067|200f|2028)' | cut -c5- | tr a-f A-F)"
	assert_contains "$ERR" "changes how text is displayed" "the $field refusal names the reason"
	assert_not_contains "$ERR" "UTF-8" "not called invalid UTF-8"
done
jp resident update "$id" --given "$(printf '太\a郎')"
assert_refused "a name with a control character"
assert_contains "$ERR" "control character U+0007" "the refusal names the control character"
jp resident add --family "$(printf 'a\u202eb')" --given 花子 --birth 1990-01-01 --sex F --address 東京都立川市錦町1-1
assert_refused "a new resident with U+202E"
assert_eq "$(snapshot)" "$before" "no refused text changed a record"
finish
