# shellcheck shell=bash
#
# counter_lib.sh: helpers of the counter tests (t_counter_*.sh), sourced after
# lib.sh or card_lib.sh.
#   at WHEN                      the clock of the next commands (JPKI_NOW)
#   counter ARGS...              jpki counter ARGS with this test's operator and counter
#   assert_rule RULE WHAT        the last run was refused by RULE: exit 3, the rule named on
#                                stderr, an audit entry naming it, and no certificate more
#   counter_card IMG RID         a blank individual number card whose face the counter wrote
#   pins AUTH SIGN               --auth-pin-file and --sign-pin-file options in $PINS
#   resident_with_certs FAMILY GIVEN BIRTH
#                                a resident with both certificates (of one RSA key), their
#                                PEM in $T_DIR/FAMILY.sign.pem and .auth.pem; prints the id

OPERATOR=(--operator clerk1 --counter city-hall)
at() {
	export JPKI_NOW=$1
	AT=(-attime "$(date -d "$JPKI_NOW" +%s)")
}
counter() { jp counter "$@" "${OPERATOR[@]}"; }

# the number of certificates and audit entries before a refusal, to compare after
snapshot() {
	SNAP_CERTS=$(cert_count)
	SNAP_AUDIT=$("$JPKI" audit | grep -c .)
}

assert_rule() {
	local rule=$1 what=$2 err=$ERR rc=$RC last
	if [ "$rc" -eq 3 ]; then pass "$what: exit 3"; else
		fail "$what: exit $rc, expected 3 (a refusal); stderr: $err; stdout: $OUT"
	fi
	assert_contains "$err" "refused (rule $rule)" "$what: names rule $rule"
	last=$("$JPKI" audit | tail -n 1)
	assert_contains "$last" "refused rule $rule" "$what: the refusal is in the audit log"
	if [ -n "${SNAP_CERTS:-}" ]; then
		assert_eq "$(cert_count)" "$SNAP_CERTS" "$what: no certificate issued or revoked"
	fi
}

counter_card() { # IMG RID [NUMBER [EXPIRY]]
	jp_ok "card new $1" card new "$1" --number "${3:-123456789012}" --expiry "${4:-2040-11-27}"
	counter card-face --resident "$2" --doc licence:L1 "$1"
	[ "$RC" -eq 0 ] || die "card-face for $2: $ERR"
}

pins() { PINS=(--auth-pin-file "$(secret "$1")" --sign-pin-file "$(secret "$2")"); }

resident_with_certs() { # FAMILY GIVEN BIRTH
	local id kind
	[ -f "$T_DIR/k.pub" ] || rsa_key k
	id=$(add_resident --family "$1" --given "$2" --birth "$3" --sex M --address 東京都立川市泉町1156-9) ||
		die "resident $1"
	for kind in sign auth; do
		jp_ok "issue $kind for $1" cert issue --kind "$kind" --resident "$id" --pubkey "$T_DIR/k.pub" \
			--out "$T_DIR/$1.$kind.pem"
	done
	printf '%s\n' "$id"
}
