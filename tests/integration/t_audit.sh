#!/bin/bash
# t_audit: the audit log as a tamper-evident log (docs/audit.md).  Counter
# procedures write entries; `jpki audit checkpoint` signs the tree's root;
# `jpki audit verify`, with only the verifier key and files, accepts the
# export, an inclusion bundle and a consistency proof, and detects each
# tampering: an entry deleted, altered, reordered, cut off, added; the log
# rolled back or forked; another key.  `jpki serve` publishes checkpoints,
# time-stamped (openssl ts -verify), each consistent with the one before.
# An independent check in Python
# (hashlib and cryptography, RFC 9162 and C2SP written from their texts)
# agrees on the signature and the root.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=counter_lib.sh
. "$(dirname "$0")/counter_lib.sh"

init_ca
D=$T_DIR
at 2026-12-02T10:00:00+09:00 # a Wednesday
RID=$(add_yamada) || die "resident"
counter_card "$D/card.img" "$RID"
pins 1234 ABC123
refuse() { # N: N refused procedures, each an audit entry (a Saturday: rule W1)
	local i
	at 2026-12-05T10:00:00+09:00
	for i in $(seq 1 "$1"); do counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$D/card.img"; done
	at 2026-12-02T10:00:00+09:00
}
refuse 4
jp_ok "checkpoint 1" audit checkpoint --out "$D/c1"
jp audit vkey
VKEY=$OUT
assert_match "$VKEY" '^[^ +]+/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$' "a verifier key NAME+ID+KEY"
assert_eq "$(cat "$JPKI_DATA/audit/vkey")" "$VKEY" "kept beside the key"
assert_eq "$(stat -c %a "$JPKI_DATA/audit/key.pem")" 600 "the key is mode 0600"
N1=$(sed -n 2p "$D/c1")
[ "$N1" -ge 5 ] && pass "the checkpoint counts $N1 entries" || fail "checkpoint size $N1"
refuse 3
counter issue --resident "$RID" --doc licence:L1 "${PINS[@]}" "$D/card.img"
assert_rc 0 "a procedure that succeeds"
jp_ok "checkpoint 2" audit checkpoint --out "$D/c2"
jp_ok "export" audit export --out "$D/log.jsonl"
N2=$(sed -n 2p "$D/c2")
assert_eq "$(wc -l <"$D/log.jsonl")" "$N2" "the export has one line per entry"

verify() { jp audit verify --vkey "$VKEY" "$@"; }
verify --checkpoint "$D/c2" --entries "$D/log.jsonl" --previous "$D/c1"
assert_rc 0 "the outsider's check passes"
assert_contains "$OUT" "ok the export's $N2 entries are the checkpoint's, in order" "the export matches"
assert_contains "$OUT" "ok the log grew from $N1 to $N2 entries" "the log grew from checkpoint 1"
printf '%s\n' "$VKEY" >"$D/vkey"
verify --checkpoint "$D/c2" --entries "$D/log.jsonl"
assert_rc 0 "the key read from a file works too"
"$JPKI" audit consistency --from "$N1" >"$D/cons.json" || die "audit consistency"
verify --checkpoint "$D/c2" --previous "$D/c1" --consistency "$D/cons.json"
assert_rc 0 "a consistency proof from the service, checked without the entries"
"$JPKI" audit prove --seq 3 >"$D/incl.json" || die "audit prove"
verify --checkpoint "$D/c2" --inclusion "$D/incl.json"
assert_rc 0 "an inclusion proof"
assert_contains "$OUT" "ok entry 3 is in the log" "entry 3"

# each tampering, detected from the key and the files alone
tampered() { # WHAT EXPECT ARGS...: verify must fail saying EXPECT
	local what=$1 expect=$2
	shift 2
	verify "$@"
	assert_rc 1 "$what is detected"
	assert_contains "$OUT" "FAILED: $expect" "$what: says so"
}
sed 3d "$D/log.jsonl" >"$D/deleted"
tampered "an entry deleted" "the export: line 3 is entry 4" --checkpoint "$D/c2" --entries "$D/deleted"
sed '3s/"decision":"refused"/"decision":"done"/' "$D/log.jsonl" >"$D/altered"
cmp -s "$D/altered" "$D/log.jsonl" && die "the alteration changed nothing"
tampered "an entry altered" "an entry of the export was altered" --checkpoint "$D/c2" --entries "$D/altered"
{ sed -n 1,2p "$D/log.jsonl"; sed -n 4p "$D/log.jsonl"; sed -n 3p "$D/log.jsonl"; sed -n '5,$p' "$D/log.jsonl"; } >"$D/reordered"
tampered "two entries swapped" "the export: line 3 is entry 4" --checkpoint "$D/c2" --entries "$D/reordered"
sed '$d' "$D/log.jsonl" >"$D/truncated"
tampered "the export cut short" "the export was cut short" --checkpoint "$D/c2" --entries "$D/truncated"
{ cat "$D/log.jsonl"; tail -n 1 "$D/log.jsonl" | sed "s/\"seq\":$N2/\"seq\":$((N2 + 1))/"; } >"$D/added"
tampered "an entry added" "the export has entries the checkpoint lacks" --checkpoint "$D/c2" --entries "$D/added"
tampered "a rollback" "the log was rolled back" --checkpoint "$D/c1" --previous "$D/c2"
sed "2s/.*/$((N2 - 1))/" "$D/c2" >"$D/c2-size"
tampered "a checkpoint's size changed" "the checkpoint: the signature of" --checkpoint "$D/c2-size"
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); b["entry"]=b["entry"].replace("refused","done"); json.dump(b,open(sys.argv[2],"w"))' \
	"$D/incl.json" "$D/incl-bad.json"
tampered "an altered entry in an inclusion bundle" "the entry of the inclusion bundle" \
	--checkpoint "$D/c2" --inclusion "$D/incl-bad.json"
"$JPKI" audit consistency --from 2 >"$D/cons-wrong.json" || die "audit consistency"
tampered "a consistency proof for other sizes" "the log forked or was rewritten" \
	--checkpoint "$D/c2" --previous "$D/c1" --consistency "$D/cons-wrong.json"

# another key: a checkpoint it did not sign
mv "$JPKI_DATA/audit" "$D/audit.real"
jp_ok "a second key" audit vkey
OTHER=$OUT
rm -rf "$JPKI_DATA/audit"
mv "$D/audit.real" "$JPKI_DATA/audit"
jp audit verify --vkey "$OTHER" --checkpoint "$D/c2"
assert_rc 1 "a checkpoint checked against another key"
assert_contains "$OUT" "FAILED: the checkpoint: no signature of" "another key is refused"

# a fork: the registry copied, each copy logging its own entries, both signed by the one key
cp -a "$JPKI_DATA" "$D/fork"
MAIN_STORE=${JPKI_STORE:-}
FORK_STORE=$(reg_fork fork) || die "the fork's database"
refuse 1
jp_ok "checkpoint on the main line" audit checkpoint --out "$D/c3"
jp_ok "export of the main line" audit export --out "$D/log3.jsonl"
JPKI_DATA=$D/fork
[ -n "$FORK_STORE" ] && export JPKI_STORE=$FORK_STORE
at 2026-12-05T10:00:00+09:00
counter issue --resident "$RID" --doc passport:P9 "${PINS[@]}" "$D/card.img"
JPKI_DATA=$D/fork jp_ok "checkpoint on the fork" audit checkpoint --out "$D/c3-fork"
export JPKI_DATA=$T_DIR/data
[ -n "$FORK_STORE" ] && export JPKI_STORE=$MAIN_STORE
[ -d "$JPKI_DATA" ] || die "JPKI_DATA layout changed"
at 2026-12-02T10:00:00+09:00
assert_eq "$(sed -n 2p "$D/c3-fork")" "$(sed -n 2p "$D/c3")" "both lines have as many entries"
tampered "a fork (one size, two roots)" "the log forked: two roots for one size" \
	--checkpoint "$D/c3" --previous "$D/c3-fork"
tampered "the fork's checkpoint against the main line's entries" "an entry of the export was altered" \
	--checkpoint "$D/c3-fork" --entries "$D/log3.jsonl"

# rewriting history in the database itself (the triggers dropped): the checkpoint gives it away
if on_sqlite; then DROP="DROP TRIGGER audit_entry_no_update"; else
	DROP="ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update"
fi
reg_sql "$DROP; UPDATE audit_entry SET detail = detail || ' (rewritten)' WHERE seq = 2;" >/dev/null ||
	die "the rewrite in the database"
jp_ok "export after the rewrite" audit export --out "$D/rewritten.jsonl"
tampered "an entry rewritten in the database" "an entry of the export was altered" \
	--checkpoint "$D/c3" --entries "$D/rewritten.jsonl"

# an independent check: RFC 9162 and C2SP in Python
python3 - "$D/c3" "$D/log3.jsonl" "$VKEY" <<'PY' >"$D/peer.out" 2>&1
import base64, hashlib, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
note, lines, vkey = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read().split(b"\n")[:-1], sys.argv[3]
name, keyid, key = vkey.split("+", 2)
raw = base64.b64decode(key)
assert raw[0] == 1 and len(raw) == 33
assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == keyid
text, sigs = note.split(b"\n\n", 1)
text += b"\n"
origin, size, root = text.decode().split("\n")[:3]
for line in sigs.decode().splitlines():
    dash, n, sig = line.split(" ")
    assert dash == "\u2014"
    if n == name:
        s = base64.b64decode(sig)
        assert s[:4].hex() == keyid
        Ed25519PublicKey.from_public_bytes(raw[1:]).verify(s[4:], text)
        break
else:
    raise SystemExit("no signature")
def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while 2 * k < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()
leaves = [hashlib.sha256(b"\x00" + l).digest() for l in lines]
assert int(size) == len(leaves), (size, len(leaves))
assert base64.b64decode(root) == mth(leaves)
print("peer ok", size)
PY
assert_contains "$(cat "$D/peer.out")" "peer ok" "the Python peer agrees on the signature and the root"

# a checkpoint time-stamped by the service's TSA (jpki serve), judged by openssl ts
pick_port # a new base URL: the key keeps the name it was made with
server_start
jp_ok "a time-stamped checkpoint" audit checkpoint --out "$D/c4" --timestamp
assert_eq "$(head -n 1 "$D/c4")" "$(head -n 1 "$D/c1")" "the origin did not change with the base URL"
verify --checkpoint "$D/c4"
assert_rc 0 "it verifies under the same key"
assert_cmd "openssl ts -verify accepts the token over the checkpoint" \
	openssl ts -verify -data "$D/c4" -in "$D/c4.tsr" -token_in -CAfile "$(ca_cert sign)" "${AT[@]}"
assert_cmd_fails "and refuses it for another checkpoint" \
	openssl ts -verify -data "$D/c2" -in "$D/c4.tsr" -token_in -CAfile "$(ca_cert sign)" "${AT[@]}"
jp audit checkpoint --timestamp
assert_rc 2 "--timestamp needs --out"
server_stop

# the checkpoints jpki serve publishes (every second here), time-stamped by its TSA
pick_port
SERVE_ARGS=(--checkpoint-interval 1)
server_start
published() { # FILE MIN: the published checkpoint, once its tree has more than MIN entries
	local i
	for i in $(seq 1 100); do
		if curl -fsS --max-time 2 -o "$1" "http://127.0.0.1:$PORT/audit/checkpoint" 2>/dev/null &&
			[ "$(sed -n 2p "$1")" -gt "$2" ]; then
			curl -fsS --max-time 2 -o "$1.tsr" "http://127.0.0.1:$PORT/audit/checkpoint.tsr"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
published "$D/p1" 0 || fail "no checkpoint published within 10 s"
S1=$(sed -n 2p "$D/p1")
verify --checkpoint "$D/p1"
assert_rc 0 "the published checkpoint verifies with the key alone"
assert_cmd "openssl ts -verify accepts its time-stamp token" \
	openssl ts -verify -data "$D/p1" -in "$D/p1.tsr" -token_in -CAfile "$(ca_cert sign)" "${AT[@]}"
refuse 2
published "$D/p2" "$S1" || fail "no newer checkpoint after the log grew"
"$JPKI" audit consistency --from "$S1" >"$D/pcons.json" || die "audit consistency"
verify --checkpoint "$D/p2" --previous "$D/p1" --consistency "$D/pcons.json"
assert_rc 0 "the next one is consistent with it"
assert_contains "$OUT" "ok the log grew from $S1 to" "and says the log grew"
S2=$(sed -n 2p "$D/p2")
assert_cmd "each is kept in <data>/audit/checkpoints/" cmp "$D/p2" "$JPKI_DATA/audit/checkpoints/$S2.txt"
assert_cmd "with its token" cmp "$D/p2.tsr" "$JPKI_DATA/audit/checkpoints/$S2.txt.tsr"
server_stop

# bad input to verify changes nothing and says why
printf '%s' "$VKEY" >"$D/vkey-no-newline"
verify --checkpoint "$D/c2"
jp audit verify --vkey "$D/vkey-no-newline" --checkpoint "$D/c2"
assert_rc 0 "a key file without a line end"
jp audit verify --vkey "$VKEY" --checkpoint "$D/c2" --consistency "$D/cons.json"
assert_rc 2 "--consistency without --previous is a usage error"
mv "$JPKI_DATA/audit/key.pem" "$D/key.kept"
jp audit checkpoint
assert_rc 1 "the key gone but its vkey there: no new key made behind the vkey's back"
assert_contains "$ERR" "restore the checkpoint key" "says what to do"
mv "$D/key.kept" "$JPKI_DATA/audit/key.pem"
printf 'not a note' >"$D/junk"
verify --checkpoint "$D/junk"
assert_rc 1 "a checkpoint that is not a note"
jp audit verify --checkpoint "$D/c3"
assert_rc 2 "verify without --vkey"
jp audit prove --seq 99999
assert_rc 1 "a proof of an entry that does not exist"
finish
