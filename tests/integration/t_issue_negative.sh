#!/bin/bash
# t_issue_negative: what `jpki cert issue` must refuse (unusable keys, unknown
# residents, rule E2, rule E1), each with a clear message, and with nothing
# recorded afterwards.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
adult=$(add_yamada) || die "add adult"
# JPKI_NOW is 2026-11-26: born 2011-11-27 is 14 today, born 2011-11-26 turns 15 today
minor=$(add_resident --family 山田 --given 次郎 --birth 2011-11-27 --sex M \
	--address 東京都立川市泉町1156-9) || die "add minor"
fifteen=$(add_resident --family 山田 --given 三郎 --birth 2011-11-26 --sex M \
	--address 東京都立川市泉町1156-9) || die "add 15-year-old"
ward=$(add_resident --family 鈴木 --given 一 --birth 1950-01-01 --sex U \
	--address 神奈川県横浜市中区日本大通1 --adult-ward yes) || die "add adult ward"
gone=$(add_resident --family 高橋 --given 二 --birth 1980-05-05 --sex F \
	--address 福岡県福岡市中央区天神1-8-1) || die "add resident to move out"
jp_ok "move out" resident update "$gone" --status moved-out

rsa_key good
rsa_key weak 1024
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 \
	2>/dev/null | openssl pkey -pubout -out "$T_DIR/e3.pub" || die "e=3 key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out "$T_DIR/ec.pub" || die "EC key"
openssl genpkey -algorithm ED25519 2>/dev/null | openssl pkey -pubout -out "$T_DIR/ed.pub" ||
	die "Ed25519 key"
head -c 3000 /dev/urandom >"$T_DIR/garbage.bin"
printf 'this is not a key\n' >"$T_DIR/garbage.txt"
: >"$T_DIR/empty"
printf -- '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' >"$T_DIR/badpem.pub"
# a PKCS#10 request whose self-signature is broken (last byte of the signature flipped)
openssl req -new -key "$T_DIR/good.key" -subj /CN=x -outform DER -out "$T_DIR/req.der" ||
	die "CSR"
python3 - "$T_DIR/req.der" "$T_DIR/badsig.der" <<'PY' || die "tamper CSR"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 0x01
open(sys.argv[2], "wb").write(b)
PY
# trailing bytes after a DER key
cat "$T_DIR/req.der" >"$T_DIR/trailing.der"
printf 'x' >>"$T_DIR/trailing.der"

before=$(cert_count)
assert_eq "$before" 0 "no certificates yet"
nothing_new() { assert_eq "$(cert_count)" "$before" "$1: jpki cert list shows nothing new"; }

refuse() { # WHAT WORD ARGS...
	local what=$1 word=$2
	shift 2
	jp cert issue "$@" --out "$T_DIR/out.pem"
	assert_refused "$what"
	assert_contains "$ERR" "$word" "$what: message says '$word'"
	assert_cmd "$what: no certificate written" test ! -e "$T_DIR/out.pem"
	rm -f "$T_DIR/out.pem"
	nothing_new "$what"
}

for kind in sign auth; do
	refuse "$kind: RSA-1024 key" "2048" --kind $kind --resident "$adult" --pubkey "$T_DIR/weak.pub"
	refuse "$kind: RSA key with e=3" "exponent" --kind $kind --resident "$adult" --pubkey "$T_DIR/e3.pub"
	refuse "$kind: EC P-256 key" "RSA" --kind $kind --resident "$adult" --pubkey "$T_DIR/ec.pub"
	refuse "$kind: Ed25519 key" "RSA" --kind $kind --resident "$adult" --pubkey "$T_DIR/ed.pub"
	refuse "$kind: random bytes" "not a public key" --kind $kind --resident "$adult" --pubkey "$T_DIR/garbage.bin"
	refuse "$kind: text file" "not a public key" --kind $kind --resident "$adult" --pubkey "$T_DIR/garbage.txt"
	refuse "$kind: empty file" "not a public key" --kind $kind --resident "$adult" --pubkey "$T_DIR/empty"
	refuse "$kind: PEM with a broken body" "not a public key" --kind $kind --resident "$adult" --pubkey "$T_DIR/badpem.pub"
	refuse "$kind: request with a broken self-signature" "signature" --kind $kind --resident "$adult" --pubkey "$T_DIR/badsig.der"
	refuse "$kind: DER with trailing bytes" "not a public key" --kind $kind --resident "$adult" --pubkey "$T_DIR/trailing.der"
	refuse "$kind: missing key file" "$T_DIR/nonexistent.pub" --kind $kind --resident "$adult" --pubkey "$T_DIR/nonexistent.pub"
	refuse "$kind: directory as key file" "$T_DIR" --kind $kind --resident "$adult" --pubkey "$T_DIR"
	refuse "$kind: unknown resident" "99" --kind $kind --resident 99 --pubkey "$T_DIR/good.pub"
	refuse "$kind: moved-out resident (rule E1)" "moved-out" --kind $kind --resident "$gone" --pubkey "$T_DIR/good.pub"
	refuse "$kind: card expired yesterday" "card" --kind $kind --resident "$adult" --pubkey "$T_DIR/good.pub" --card-expiry 2026-11-25
done
refuse "non-numeric resident" "numeric" --kind sign --resident abc --pubkey "$T_DIR/good.pub"
refuse "unknown kind" "sign or auth" --kind both --resident "$adult" --pubkey "$T_DIR/good.pub"
refuse "impossible card expiry" "2027-02-30" --kind auth --resident "$adult" --pubkey "$T_DIR/good.pub" --card-expiry 2027-02-30
refuse "missing --pubkey" "required" --kind auth --resident "$adult"
refuse "14-year-old: no signature certificate (rule E2)" "E2" --kind sign --resident "$minor" --pubkey "$T_DIR/good.pub"
refuse "adult ward: no signature certificate (rule E2)" "E2" --kind sign --resident "$ward" --pubkey "$T_DIR/good.pub"

# what is allowed
jp cert issue --kind auth --resident "$minor" --pubkey "$T_DIR/good.pub" --out "$T_DIR/minor-auth.pem"
assert_rc 0 "authentication certificate for the 14-year-old (rule E2)"
assert_cmd "it verifies" openssl verify "${AT[@]}" -CAfile "$(ca_cert auth)" "$T_DIR/minor-auth.pem"
jp cert issue --kind auth --resident "$ward" --pubkey "$T_DIR/good.pub" --out "$T_DIR/ward-auth.pem"
assert_rc 0 "authentication certificate for the adult ward (rule E2)"
jp cert issue --kind sign --resident "$fifteen" --pubkey "$T_DIR/good.pub" --out "$T_DIR/15-sign.pem"
assert_rc 0 "signature certificate on the 15th birthday"
assert_eq "$(cert_count)" 3 "exactly the three allowed certificates are recorded"
assert_eq "$(reg_sql 'SELECT count(*) FROM certificate')" 3 \
	"the database agrees (sqlite3 or psql): three certificates"
finish
