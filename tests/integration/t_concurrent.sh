#!/bin/bash
# t_concurrent: two processes issuing for the same resident at once, N times in
# all, on whichever engine holds the registry: 1,000 on PostgreSQL (run.sh
# --pg), 200 on SQLite, 100 under ASan (several times slower).  Each process alternates two keys of its own, so every
# issuance is one the rules allow and supersedes the current certificate
# (rule X1).  While they run, a third process reads the registry again and
# again: it never sees two current certificates of one kind for the
# resident.  At the end every issuance that said it succeeded is in the
# registry, no other is, all but the last are superseded, and no process
# failed for a reason other than a rule (no "locked", no serialization
# failure): writers took turns.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# run.sh timeout: 300
N=200
on_sqlite || N=1000
[ -n "${ASAN_OPTIONS:-}" ] && N=100
init_ca
R=$(add_yamada) || die "resident"
for k in a1 a2 b1 b2; do rsa_key "$k"; done

worker() { # WHO COUNT
	local i k
	for i in $(seq 1 "$2"); do
		k=$1$((i % 2 + 1))
		if "$JPKI" cert issue --kind auth --resident "$R" --pubkey "$T_DIR/$k.pub" \
			--out "$T_DIR/$1.pem" >/dev/null 2>>"$T_DIR/$1.err"; then
			x509_field "$T_DIR/$1.pem" -serial | sed 's/^serial=//' >>"$T_DIR/$1.ok"
		else
			echo "$i" >>"$T_DIR/$1.refused"
		fi
	done
}

current() { "$JPKI" cert list --resident "$R" | awk -F'\t' '$2 == "auth" && $4 == "valid"' | grep -c .; }

: >"$T_DIR/a.ok" >"$T_DIR/b.ok"
worker a $((N / 2)) &
A=$!
worker b $((N / 2)) &
B=$!
max=0 reads=0
while kill -0 "$A" 2>/dev/null || kill -0 "$B" 2>/dev/null; do
	n=$(current)
	reads=$((reads + 1))
	[ "$n" -gt "$max" ] && max=$n
	sleep 0.05 # leave the writers the machine's two cores
done
wait "$A" "$B"
note "$reads reads of the registry while the two wrote"
[ "$reads" -ge 5 ] && pass "the registry was read $reads times while the processes wrote" ||
	fail "only $reads reads while the processes wrote"
assert_eq "$max" 1 "no read ever saw two current authentication certificates"
assert_eq "$(current)" 1 "one current authentication certificate at the end"

ok=$(cat "$T_DIR/a.ok" "$T_DIR/b.ok" | grep -c .)
refused=$(cat "$T_DIR"/*.refused 2>/dev/null | grep -c .)
assert_eq "$((ok + refused))" "$N" "every one of the $N issuances answered"
assert_eq "$refused" 0 "none was refused: each was one the rules allow"
errors=$(cat "$T_DIR/a.err" "$T_DIR/b.err" 2>/dev/null)
assert_not_contains "$errors" "locked" "no process met a locked registry"
assert_not_contains "$errors" "serializ" "no process met a serialization failure"
jp_ok "the certificates" cert list --resident "$R"
LIST=$OUT
printf '%s\n' "$LIST" | awk -F'\t' '$2 == "auth" {print $1}' | sort >"$T_DIR/registry.serials"
cat "$T_DIR/a.ok" "$T_DIR/b.ok" | sort >"$T_DIR/said.serials"
assert_cmd "the registry holds exactly the certificates the processes said they issued" \
	cmp -s "$T_DIR/registry.serials" "$T_DIR/said.serials"
assert_eq "$(printf '%s\n' "$LIST" | awk -F'\t' '$2 == "auth" && $4 == "superseded"' | grep -c .)" \
	"$((ok - 1))" "all but the last are superseded (X1)"
assert_eq "$(printf '%s\n' "$LIST" | cut -f1 | sort | uniq -d | grep -c .)" 0 "no serial twice"
jp registry check
assert_rc 0 "the registry passes its check"
finish
