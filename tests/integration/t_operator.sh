#!/bin/bash
# t_operator: the counter's operators (docs/operators.md): the first CA
# officer on an empty registry, operators added only by a CA officer who
# logs in for it, password log-ins with the lockout after 5 wrong ones,
# disabling, passwords never on the command line nor in the registry in the
# clear, and every step (refusals too) in the audit log, which still
# verifies from its public key.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

init_ca
D=$T_DIR
PW_OFFICER=$(secret 'officer-pass-1234')
PW_CLERK=$(secret 'clerk-pass-123456')
PW_WRONG=$(secret 'not-the-password')
PW_SHORT=$(secret 'short')

jp operator add clerk1 --name "窓口 一郎" --role clerk --password-file "$PW_CLERK"
assert_rc 4 "the first operator must be a CA officer"
jp_ok "the first CA officer" operator add officer1 --name "認証局 花子" --role ca-officer \
	--password-file "$PW_OFFICER"
jp operator add clerk1 --name "窓口 一郎" --role clerk --password-file "$PW_CLERK"
assert_rc 4 "later operators need --by"
jp_ok "a clerk added by the officer" operator add clerk1 --name "窓口 一郎" --role clerk \
	--password-file "$PW_CLERK" --by officer1 --by-password-file "$PW_OFFICER"
jp operator add clerk2 --name x --role clerk --password-file "$PW_CLERK" --by officer1 \
	--by-password-file "$PW_WRONG"
assert_rc 4 "the officer's wrong password"
jp operator add clerk2 --name x --role clerk --password-file "$PW_CLERK" --by clerk1 \
	--by-password-file "$PW_CLERK"
assert_rc 4 "a clerk may not add operators"
assert_contains "$ERR" "only a CA officer" "says why"
jp operator add clerk1 --name x --role clerk --password-file "$PW_CLERK" --by officer1 \
	--by-password-file "$PW_OFFICER"
assert_rc 1 "an id taken"
jp operator add 'bad id' --name x --role clerk --password-file "$PW_CLERK" --by officer1 \
	--by-password-file "$PW_OFFICER"
assert_rc 1 "a malformed id"
jp operator add clerk3 --name x --role boss --password-file "$PW_CLERK"
assert_rc 2 "an unknown role"
jp operator add clerk3 --name x --role clerk --password-file "$PW_SHORT" --by officer1 \
	--by-password-file "$PW_OFFICER"
assert_rc 1 "a password under 12 characters"
jp operator add clerk3 --name x --role clerk --password clerk-pass-123456
assert_refused "a password on the command line"
jp operator roles
assert_contains "$OUT" "clerk	search, procedure, request" "the roles table"
assert_contains "$OUT" "auditor	audit" "an auditor only reads the audit log"

jp operator login clerk1 --password-file "$PW_CLERK"
assert_rc 0 "a good password"
assert_contains "$OUT" "ok clerk1 clerk" "says who and what role"
jp operator login nobody --password-file "$PW_CLERK"
assert_rc 4 "an unknown operator"
for i in 1 2 3 4 5; do jp operator login clerk1 --password-file "$PW_WRONG"; done
assert_rc 4 "the fifth wrong password"
jp operator login clerk1 --password-file "$PW_CLERK"
assert_rc 4 "then even the right one: locked"
assert_contains "$ERR" "locked" "says it is locked"
jp operator list
assert_contains "$OUT" "clerk1	clerk	locked" "the list shows the lock"
JPKI_NOW=$(date -u -d "@$(($(date -d "$JPKI_NOW" +%s) + 16 * 60))" +%Y-%m-%dT%H:%M:%SZ) \
	"$JPKI" operator login clerk1 --password-file "$PW_CLERK" >/dev/null 2>&1
assert_eq "$?" 0 "16 minutes later the right password works again"

jp operator disable clerk1 --by clerk1 --by-password-file "$PW_CLERK"
assert_rc 4 "a clerk disables no one"
jp operator disable officer1 --by officer1 --by-password-file "$PW_OFFICER"
assert_rc 4 "an officer does not disable themself"
jp_ok "the officer disables the clerk" operator disable clerk1 --by officer1 \
	--by-password-file "$PW_OFFICER"
jp operator login clerk1 --password-file "$PW_CLERK"
assert_rc 4 "a disabled operator cannot log in"

# four-eyes approvals
PW_SUP=$(secret 'supervisor-pass-1')
PW_OFF2=$(secret 'officer2-pass-123')
PW_C2=$(secret 'clerk2-pass-12345')
add() { jp_ok "add $1 ($2)" operator add "$1" --name "$1" --role "$2" --password-file "$3" \
	--by officer1 --by-password-file "$PW_OFFICER"; }
add sup1 supervisor "$PW_SUP"
add officer2 ca-officer "$PW_OFF2"
add clerk2 clerk "$PW_C2"
request() { jp approval request --kind "$1" --what "$2" --by "$3" --by-password-file "$4"; }
approve() { jp approval approve "$1" --by "$2" --by-password-file "$3"; }
request fee-void "receipt 12: paid twice" clerk2 "$PW_C2"
assert_rc 0 "a clerk asks for a fee void"
R1=$(printf '%s\n' "$OUT" | awk '/^request/ {print $2}')
approve "$R1" clerk2 "$PW_C2"
assert_rc 4 "the requester cannot approve their own request"
assert_contains "$ERR" "the requester cannot approve" "says why"
approve "$R1" officer2 "$PW_OFF2"
assert_rc 4 "a CA officer does not approve counter requests"
jp approval edit "$R1" --what "receipt 12: paid twice (500 yen)" --by sup1 --by-password-file "$PW_SUP"
assert_rc 4 "only the requester edits"
approve "$R1" sup1 "$PW_SUP"
assert_rc 0 "a supervisor approves"
assert_contains "$OUT" "1 of 1 approvals, approved" "one supervisor is enough"
approve "$R1" sup1 "$PW_SUP"
assert_rc 4 "an approved request takes no more"
request ca-operation "roll over the signature CA" officer2 "$PW_OFF2"
R2=$(printf '%s\n' "$OUT" | awk '/^request/ {print $2}')
request ca-operation "x" sup1 "$PW_SUP"
assert_rc 4 "a supervisor may not ask for a CA operation"
approve "$R2" officer1 "$PW_OFFICER"
assert_contains "$OUT" "1 of 2 approvals, open" "a CA operation needs two officers"
jp approval edit "$R2" --what "roll over the signature CA, generation 2" --by officer2 \
	--by-password-file "$PW_OFF2"
assert_rc 0 "the requester edits the request"
jp approval show "$R2"
assert_contains "$OUT" "version 2, 0 of 2 approvals, open" "the edit cancelled the earlier approval"
approve "$R2" officer1 "$PW_OFFICER"
assert_contains "$OUT" "1 of 2 approvals, open" "approved again for the new version"
approve "$R2" officer1 "$PW_OFFICER"
assert_rc 4 "the same officer twice counts once"
approve "$R2" sup1 "$PW_SUP"
assert_rc 4 "a supervisor does not approve CA operations"
# four eyes are two people: no votes from accounts of the requester's making or made later
request ca-operation "make a new OCSP responder key" officer1 "$PW_OFFICER"
R4=$(printf '%s\n' "$OUT" | awk '/^request/ {print $2}')
approve "$R4" officer2 "$PW_OFF2"
assert_rc 4 "an officer the requester added does not approve their request"
assert_contains "$ERR" "the requester added" "says why"
PW_OFF3=$(secret 'officer3-pass-123')
LATER=$(date -u -d "@$(($(date -d "$JPKI_NOW" +%s) + 60))" +%Y-%m-%dT%H:%M:%SZ)
JPKI_NOW=$LATER jp_ok "a third officer, added by the second a minute later" operator add officer3 --name officer3 \
	--role ca-officer --password-file "$PW_OFF3" --by officer2 --by-password-file "$PW_OFF2"
JPKI_NOW=$LATER approve "$R4" officer3 "$PW_OFF3"
assert_rc 4 "an officer added after the request does not approve it"
assert_contains "$ERR" "added after the request" "says why"
request correction "resident 1: name spelt wrong" clerk2 "$PW_C2"
R3=$(printf '%s\n' "$OUT" | awk '/^request/ {print $2}')
JPKI_NOW=$(date -u -d "@$(($(date -d "$JPKI_NOW" +%s) + 25 * 3600))" +%Y-%m-%dT%H:%M:%SZ) \
	"$JPKI" approval approve "$R3" --by sup1 --by-password-file "$PW_SUP" >"$D/late" 2>&1
assert_eq "$?" 4 "a request 25 hours old has expired"
approve 999 sup1 "$PW_SUP"
assert_rc 4 "an unknown request"
request boss-thing x clerk2 "$PW_C2"
assert_rc 2 "an unknown kind"
jp approval request --kind fee-void --what "$(printf 'a\tb')" --by clerk2 --by-password-file "$PW_C2"
assert_rc 1 "control characters in what is asked"
jp approval request --kind fee-void --what "$(printf 'fix \xff')" --by clerk2 --by-password-file "$PW_C2"
assert_rc 1 "what is asked must be UTF-8 text"
assert_contains "$ERR" "1 to 512 bytes" "says what it must be"
jp operator disable ghost --by officer1 --by-password-file "$PW_OFFICER"
assert_rc 4 "disabling an operator who does not exist"
assert_contains "$("$JPKI" audit --operator officer1)" "operator=ghost; no such operator" "is a logged refusal"
jp audit --operator clerk2
assert_contains "$OUT" "approval.approve	refused" "the refused self-approval is in the audit log"

# no password in the clear, every step audited, the log still verifies
assert_not_contains "$(reg_dump)" "clerk-pass-123456" \
	"no password in the registry"
assert_match "$(reg_sql "SELECT password_hash FROM operator WHERE id = 'clerk1'")" \
	'^scrypt\$15\$8\$1\$' "an scrypt hash"
jp audit
assert_contains "$OUT" "operator.login" "log-ins are audit entries"
assert_contains "$OUT" "wrong password; locked" "the lock is in the log"
assert_not_contains "$OUT" "pass-1234" "no password in the audit log"
jp_ok "checkpoint" audit checkpoint --out "$D/cp"
jp_ok "export" audit export --out "$D/log"
jp audit verify --vkey "$JPKI_DATA/audit/vkey" --checkpoint "$D/cp" --entries "$D/log"
assert_rc 0 "the audit log verifies"
reg_sql "DELETE FROM operator WHERE id = 'clerk1'" 2>/dev/null
assert_eq "$(reg_sql "SELECT count(*) FROM operator")" 6 \
	"operators are never deleted (the table refuses)"
finish
