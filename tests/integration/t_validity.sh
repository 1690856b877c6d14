#!/bin/bash
# t_validity: rule C4 (5th birthday after the issue date, capped by the card's
# expiry), the signature certificate capped by the authentication
# certificate, the residence period, rule X1 (reissue supersedes), rule N1
# (renewal inside 3 months runs to the 6th birthday).  JPKI_NOW sets the day.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
rsa_key k
KEY=$T_DIR/k.pub
n=0
# issue KIND RESIDENT [ARGS...]: issues, leaving the certificate in $CRT and the
# notAfter in $NA; a failure is a check failure
issue() {
	local kind=$1 who=$2
	shift 2
	n=$((n + 1))
	CRT=$T_DIR/c$n.pem
	jp cert issue --kind "$kind" --resident "$who" --pubkey "$KEY" --out "$CRT" --replace "$@"
	if [ "$RC" -ne 0 ]; then
		fail "issue $kind to $who $*: exit $RC: $ERR"
		NA=
		return 1
	fi
	NA=$(x509_field "$CRT" -enddate | sed 's/^notAfter=//')
	SERIAL=$(x509_field "$CRT" -serial | sed 's/^serial=//')
}
birth1127() { add_resident --family 山田 --given "$1" --birth 1990-11-27 --sex M --address 東京都立川市泉町1156-9; }

# -- C4: the 5th birthday after the issue date
a=$(birth1127 太郎) || die "add"
issue auth "$a"
assert_eq "$NA" "Nov 27 14:59:59 2030 GMT" "issued the day before the birthday: 5th birthday 2030-11-27"
b=$(birth1127 二郎) || die "add"
JPKI_NOW=2026-11-27T09:00:00+09:00 issue auth "$b"
assert_eq "$NA" "Nov 27 14:59:59 2031 GMT" "issued on the birthday: that birthday does not count (発行の日後)"
c=$(birth1127 三郎) || die "add"
JPKI_NOW=2026-11-26T20:00:00-05:00 issue auth "$c"
assert_eq "$NA" "Nov 27 14:59:59 2031 GMT" "the issue date is the day in Japan (20:00 -05:00 = next day JST)"
leap=$(add_resident --family 山田 --given 四郎 --birth 2000-02-29 --sex M --address 東京都立川市泉町1) || die "add"
issue auth "$leap"
assert_eq "$NA" "Feb 28 14:59:59 2031 GMT" "29 February birthday in a common year counts as 28 February"
JPKI_NOW=2027-03-01T09:00:00+09:00 issue auth "$leap"
assert_eq "$NA" "Feb 29 14:59:59 2032 GMT" "29 February birthday in a leap year"

# -- card-expiry cap
d=$(birth1127 五郎) || die "add"
issue auth "$d" --card-expiry 2028-03-31
assert_eq "$NA" "Mar 31 14:59:59 2028 GMT" "capped at the card's expiry, 23:59:59 JST"
issue auth "$d" --card-expiry 2035-01-01
assert_eq "$NA" "Nov 27 14:59:59 2030 GMT" "a later card expiry does not extend past the 5th birthday"
jp cert issue --kind auth --resident "$d" --pubkey "$KEY" --card-expiry 2026-11-25 --out "$T_DIR/x.pem"
assert_refused "a card that expired yesterday"

# -- the signature certificate is capped by the current authentication certificate
e=$(birth1127 六郎) || die "add"
issue auth "$e" --card-expiry 2029-01-15
auth_na=$NA
issue sign "$e"
assert_eq "$NA" "$auth_na" "sign capped at the authentication certificate's expiry"
issue sign "$e" --card-expiry 2028-06-30
assert_eq "$NA" "Jun 30 14:59:59 2028 GMT" "an earlier card expiry still wins over the auth cap"

# -- a foreign resident's period of stay caps both kinds
f=$(add_resident --family スミス --given ジョン --birth 1985-04-10 --sex M \
	--address 東京都新宿区西新宿2-8-1 --residence-end 2027-06-30) || die "add"
issue auth "$f"
assert_eq "$NA" "Jun 30 14:59:59 2027 GMT" "capped at the end of the period of stay"

# -- X1: a reissue revokes the previous certificate as superseded
g=$(birth1127 七郎) || die "add"
issue auth "$g"
first=$SERIAL
issue auth "$g"
second=$SERIAL
assert_contains "$ERR" "revoked the previous certificate $first (superseded, rule X1)" \
	"reissue reports the superseded certificate"
jp cert show "$first"
assert_contains "$OUT" "status: revoked" "the previous certificate is revoked"
assert_contains "$OUT" "reason: superseded" "with reason superseded"
assert_contains "$OUT" "revoked-at: 2026-11-26T10:00:00+09:00" "at the issue instant"
jp cert show "$second"
assert_contains "$OUT" "status: valid" "the new certificate is valid"
assert_eq "$(reg_sql "SELECT count(*) FROM certificate WHERE resident_id=$g AND status=0")" \
	1 "the database shell: one valid authentication certificate"
# a sign reissue does not touch the auth certificate
issue sign "$g"
issue sign "$g"
jp cert show "$second"
assert_contains "$OUT" "status: valid" "reissuing sign leaves auth alone"

# -- N1: renewal from 3 months before expiry (2030-11-27) runs to the 6th birthday
h=$(birth1127 八郎) || die "add"
i=$(birth1127 九郎) || die "add"
issue auth "$h"
issue auth "$i"
JPKI_NOW=2030-08-26T23:59:59+09:00 issue auth "$h"
assert_eq "$NA" "Nov 27 14:59:59 2034 GMT" "one second before the window: 5th birthday, no renewal"
assert_not_contains "$ERR" "(renewal)" "not reported as a renewal"
JPKI_NOW=2030-08-27T00:00:00+09:00 issue auth "$i"
assert_eq "$NA" "Nov 27 14:59:59 2035 GMT" "first instant of the window: 6th birthday after the issue date"
assert_contains "$ERR" "(renewal)" "reported as a renewal"
jp cert show "$SERIAL"
assert_contains "$OUT" "renewal: yes" "recorded as a renewal"
JPKI_NOW=2030-11-27T23:00:00+09:00 issue sign "$i"
assert_eq "$NA" "Nov 27 14:59:59 2035 GMT" "sign on the last day: capped by the renewed auth"
finish
