#!/bin/bash
# t_crl_partition: partitioned and delta CRLs served by `jpki serve`.  A
# certificate names its partition's CRL and delta in cRLDistributionPoints /
# freshestCRL; both download, `openssl crl -verify` accepts them, and
# `openssl verify -crl_check` (with -use_deltas for a base issued before the
# revocation plus the delta issued after) gives the same verdicts as the
# registry.  Also: caching headers, ETag/If-None-Match and If-Modified-Since
# -> 304, 404 for partitions that do not exist, `jpki crl --partition/--delta`.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
pick_port # certificates issued from here on name this server
SIGN_CA=$(ca_cert sign)
rsa_key k
uri_of() { openssl x509 -in "$1" -noout -ext "$2" | sed -n 's/^ *URI://p'; }
iss() { jp_ok "issue $1 $2" cert issue --kind "$1" --resident "$2" --pubkey "$T_DIR/k.pub" --out "$3"; }

id=$(add_yamada) || die "add"
other=$(add_resident --family 佐藤 --given 花子 --birth 1970-03-03 --sex F \
	--address 大阪府大阪市北区中之島1-3-20) || die "add"
iss sign "$id" "$T_DIR/s1.pem"
iss sign "$other" "$T_DIR/s2.pem"

dp=$(uri_of "$T_DIR/s1.pem" crlDistributionPoints)
fresh=$(uri_of "$T_DIR/s1.pem" freshestCRL)
assert_match "$dp" "^http://127\.0\.0\.1:$PORT/crl/sign/(0|[1-9][0-9]*)\.crl$" "CRLDP names a sign partition"
assert_eq "$fresh" "${dp%.crl}-delta.crl" "freshestCRL names the partition's delta"
path=${dp#http://127.0.0.1:$PORT}
dpath=${fresh#http://127.0.0.1:$PORT}

server_start
# -- the base, before any revocation
http GET "$path" "$T_DIR/base0.crl"
assert_eq "$HTTP_CODE" 200 "GET $path"
run openssl crl -inform DER -in "$T_DIR/base0.crl" -CAfile "$SIGN_CA" -verify -noout
assert_contains "$OUT$ERR" "verify OK" "openssl crl -verify accepts the partition base"
text=$(openssl crl -inform DER -in "$T_DIR/base0.crl" -noout -text)
assert_contains "$text" "X509v3 Issuing Distribution Point: critical" "base: IDP critical"
assert_contains "$text" "URI:$dp" "base: IDP names the certificate's CRLDP URL"
assert_contains "$text" "Only User Certificates" "base: onlyContainsUserCerts"
assert_contains "$text" "X509v3 Freshest CRL" "base: freshestCRL"
assert_contains "$text" "No Revoked Certificates" "base: nothing revoked yet"

# -- caching headers, ETag and 304
hdrs=$(curl -sS --max-time 5 -D - -o /dev/null "http://127.0.0.1:$PORT$path")
assert_match "$hdrs" "^Content-Type: application/pkix-crl" "Content-Type application/pkix-crl"
assert_match "$hdrs" "^Last-Modified: " "Last-Modified"
assert_match "$hdrs" "^Expires: " "Expires"
assert_match "$hdrs" '^Cache-Control: public, max-age=[0-9]+' "Cache-Control public, max-age"
etag=$(printf '%s\n' "$hdrs" | sed -n 's/^ETag: *//Ip' | tr -d '\r')
lm=$(printf '%s\n' "$hdrs" | sed -n 's/^Last-Modified: *//Ip' | tr -d '\r')
assert_match "$etag" '^"[0-9a-f]+"$' "ETag is the quoted cRLNumber"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "http://127.0.0.1:$PORT$path")
assert_eq "$code" 304 "If-None-Match with the ETag -> 304"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H 'If-None-Match: "ffffff"' "http://127.0.0.1:$PORT$path")
assert_eq "$code" 200 "another ETag -> 200"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "http://127.0.0.1:$PORT$path")
assert_eq "$code" 304 "If-Modified-Since thisUpdate -> 304"
for p in /crl/sign/1024.crl /crl/sign/01.crl /crl/sign/-1.crl /crl/sign/x.crl /crl/other/1.crl /crl/sign/1-delta.der; do
	http GET "$p"
	assert_eq "$HTTP_CODE" 404 "GET $p -> 404"
done

# -- revoke s1: the address change (affiliationChanged)
jp_ok "address change" resident update "$id" --address 東京都立川市錦町1-1
assert_contains "$OUT" "revoked sign certificate" "the address change revoked s1"
http GET "$dpath" "$T_DIR/delta.crl"
assert_eq "$HTTP_CODE" 200 "GET $dpath"
run openssl crl -inform DER -in "$T_DIR/delta.crl" -CAfile "$SIGN_CA" -verify -noout
assert_contains "$OUT$ERR" "verify OK" "openssl crl -verify accepts the delta"
dtext=$(openssl crl -inform DER -in "$T_DIR/delta.crl" -noout -text)
assert_contains "$dtext" "X509v3 Delta CRL Indicator: critical" "delta: deltaCRLIndicator critical"
assert_contains "$dtext" "$(x509_field "$T_DIR/s1.pem" -serial | sed 's/^serial=//')" "delta lists s1"
assert_contains "$dtext" "Affiliation Changed" "delta: reason affiliationChanged"
http GET "$path" "$T_DIR/base0b.crl"
assert_cmd "the base stays the same until its planned rebuild" cmp -s "$T_DIR/base0.crl" "$T_DIR/base0b.crl"

openssl crl -inform DER -in "$T_DIR/base0.crl" -out "$T_DIR/base0.pem"
openssl crl -inform DER -in "$T_DIR/delta.crl" -out "$T_DIR/delta.pem"
cat "$T_DIR/base0.pem" "$T_DIR/delta.pem" >"$T_DIR/both.pem"
run openssl verify "${AT[@]}" -crl_check -use_deltas -CAfile "$SIGN_CA" -CRLfile "$T_DIR/both.pem" "$T_DIR/s1.pem"
assert_contains "$OUT$ERR" "certificate revoked" "-use_deltas: old base + new delta rejects s1"
run openssl verify "${AT[@]}" -crl_check -CAfile "$SIGN_CA" -CRLfile "$T_DIR/base0.pem" "$T_DIR/s1.pem"
assert_rc 0 "the old base alone still accepts s1 (why deltas exist)"

# -- a new base after the revocation (a restarted server builds it afresh)
server_stop
server_start
http GET "$path" "$T_DIR/base1.crl"
assert_eq "$HTTP_CODE" 200 "GET $path from the restarted server"
run openssl crl -inform DER -in "$T_DIR/base1.crl" -CAfile "$SIGN_CA" -verify -noout
assert_contains "$OUT$ERR" "verify OK" "openssl crl -verify accepts the new base"
openssl crl -inform DER -in "$T_DIR/base1.crl" -out "$T_DIR/base1.pem"
run openssl verify "${AT[@]}" -crl_check -CAfile "$SIGN_CA" -CRLfile "$T_DIR/base1.pem" "$T_DIR/s1.pem"
assert_contains "$OUT$ERR" "certificate revoked" "-crl_check with the partition CRL rejects s1"
iss sign "$id" "$T_DIR/s3.pem"
for c in s2 s3; do
	cdp=$(uri_of "$T_DIR/$c.pem" crlDistributionPoints)
	curl -fsS --max-time 5 -o "$T_DIR/$c.crl" "$cdp" || fail "GET $cdp"
	openssl crl -inform DER -in "$T_DIR/$c.crl" -out "$T_DIR/$c.crl.pem"
	assert_cmd "-crl_check with its own partition CRL accepts unrevoked $c" \
		openssl verify "${AT[@]}" -crl_check -CAfile "$SIGN_CA" -CRLfile "$T_DIR/$c.crl.pem" "$T_DIR/$c.pem"
done
http GET /crl/sign.crl "$T_DIR/full.crl"
assert_eq "$HTTP_CODE" 200 "the full CRL is still served"
openssl crl -inform DER -in "$T_DIR/full.crl" -out "$T_DIR/full.pem"
run openssl verify "${AT[@]}" -crl_check -CAfile "$SIGN_CA" -CRLfile "$T_DIR/full.pem" "$T_DIR/s1.pem"
assert_contains "$OUT$ERR" "certificate revoked" "the full CRL (no IDP) rejects s1 too"
server_stop

# -- the same on demand from the CLI
part=${path##*/}
part=${part%.crl}
jp crl --kind sign --partition "$part"
assert_rc 0 "jpki crl --partition $part"
assert_eq "$OUT" "$JPKI_DATA/crl/sign/$part.crl" "default path <data>/crl/sign/N.crl"
jp crl --kind sign --partition "$part" --delta
assert_rc 0 "jpki crl --partition $part --delta (base: the file just written)"
run openssl crl -inform DER -in "$JPKI_DATA/crl/sign/$part-delta.crl" -CAfile "$SIGN_CA" -verify -noout
assert_contains "$OUT$ERR" "verify OK" "CLI delta verifies"
jp crl --kind sign --partition "$part" --delta --base "$T_DIR/delta.crl"
assert_refused "a delta as the base of a delta"
jp crl --kind sign --delta
assert_rc 2 "--delta without --partition"
jp crl --kind sign --partition 1024
assert_rc 2 "--partition 1024"
finish
