#!/bin/bash
# t_issue: the example resident gets a signature and an authentication
# certificate for one RSA-2048 key handed in as PEM, as DER and as a PKCS#10
# request.  openssl verifies each against its own CA and rejects it against
# the other; the contents follow docs/rules.md.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
id=$(add_yamada) || die "add the example resident"
SIGN_CA=$(ca_cert sign) AUTH_CA=$(ca_cert auth)

rsa_key k
openssl pkey -pubin -in "$T_DIR/k.pub" -outform DER -out "$T_DIR/k.der" || die "DER public key"
openssl req -new -key "$T_DIR/k.key" -subj "/CN=ignored by the CA" -out "$T_DIR/k.csr" ||
	die "CSR"
want_pub=$(cat "$T_DIR/k.pub")

other() { if [ "$1" = sign ]; then echo auth; else echo sign; fi; }

for form in pub der csr; do
	for kind in sign auth; do
		crt=$T_DIR/$kind-$form.pem
		jp cert issue --kind "$kind" --resident "$id" --pubkey "$T_DIR/k.$form" --out "$crt" --replace
		assert_rc 0 "issue $kind from $form"
		[ "$RC" -eq 0 ] || continue
		assert_match "$ERR" "^issued $kind certificate [0-9A-F]+ to resident $id, valid until 2030-11-27T23:59:59\\+09:00" \
			"issue $kind/$form reports serial and validity"
		assert_cmd "openssl verify accepts the $kind certificate ($form) under the $kind CA" \
			openssl verify "${AT[@]}" -x509_strict -CAfile "$(ca_cert "$kind")" "$crt"
		assert_cmd_fails "openssl verify rejects the $kind certificate ($form) under the $(other "$kind") CA" \
			openssl verify "${AT[@]}" -x509_strict -CAfile "$(ca_cert "$(other "$kind")")" "$crt"
		assert_eq "$(openssl x509 -in "$crt" -noout -pubkey)" "$want_pub" \
			"$kind certificate ($form) certifies the key handed in"
		assert_eq "$(x509_field "$crt" -enddate)" "notAfter=Nov 27 14:59:59 2030 GMT" \
			"$kind ($form) valid to the 5th birthday after issue, 23:59:59 JST (rule C4)"
		assert_eq "$(x509_field "$crt" -startdate)" "notBefore=Nov 26 01:00:00 2026 GMT" \
			"$kind ($form) valid from now"
		# the registry keeps the same certificate
		serial=$(x509_field "$crt" -serial | sed 's/^serial=//')
		jp cert show "$serial" --pem
		assert_rc 0 "cert show $serial"
		assert_contains "$OUT" "kind: $kind" "cert show: kind"
		assert_contains "$OUT" "status: valid" "cert show: status"
		assert_eq "$(printf '%s\n' "$OUT" | sed -n '/BEGIN CERTIFICATE/,$p')" "$(cat "$crt")" \
			"cert show --pem gives back the issued certificate"
	done
done

# -- the signature certificate in detail (from the PEM key)
crt=$T_DIR/sign-csr.pem
text=$(openssl x509 -in "$crt" -noout -text -nameopt utf8)
assert_contains "$text" "Signature Algorithm: sha256WithRSAEncryption" "sign: sha256WithRSA"
assert_eq "$(openssl x509 -in "$crt" -noout -ext keyUsage)" "X509v3 Key Usage: critical
    Digital Signature, Non Repudiation" "sign: keyUsage critical digitalSignature + nonRepudiation"
assert_eq "$(openssl x509 -in "$crt" -noout -ext certificatePolicies | sed 's/^ *//')" "X509v3 Certificate Policies: critical
Policy: 1.2.392.200149.8.5.1.1.20" "sign: certificatePolicies critical 1.2.392.200149.8.5.1.1.20"
san=$(openssl x509 -in "$crt" -noout -ext subjectAltName | tail -n 1 | sed 's/^ *//')
want_san="othername: 1.2.392.200149.8.5.5.1::山田　太郎, othername: 1.2.392.200149.8.5.5.4::419901127, othername: 1.2.392.200149.8.5.5.3::1, othername: 1.2.392.200149.8.5.5.5::東京都立川市泉町1156-9, othername: 1.2.392.200149.8.5.5.2::00000, othername: 1.2.392.200149.8.5.5.6::00000000000000"
assert_eq "$san" "$want_san" "sign: the six otherNames in the real order (.1 .4 .3 .5 .2 .6)"
assert_contains "$san" "山田　太郎" "sign: name joined by a full-width space (U+3000)"
assert_contains "$san" "::419901127" "sign: era-prefixed birth date (4 = 平成)"
# each otherName value is [0] EXPLICIT UTF8String
asn=$(ext_asn1 "$crt" "X509v3 Subject Alternative Name")
assert_eq "$(printf '%s\n' "$asn" | grep -c 'prim: UTF8STRING')" 6 "sign: six UTF8String values"
assert_eq "$(printf '%s\n' "$asn" | grep -c 'prim: OBJECT')" 6 "sign: six type-ids"
assert_eq "$(name_shape "$crt" -subject | tr '\n' ';')" \
	"countryName = PRINTABLESTRING;localityName = UTF8STRING;localityName = UTF8STRING;commonName = UTF8STRING;" \
	"sign: subject C, L, L, CN"
subj=$(openssl x509 -in "$crt" -noout -subject -nameopt utf8,sep_comma_plus_space)
assert_contains "$subj" "L=東京都, L=立川市, CN=" "sign: subject localities are prefecture and municipality"
assert_eq "$(name_shape "$crt" -issuer)" "$(name_shape "$SIGN_CA" -subject)" "sign: issuer is the sign CA"
hdrs=$(ext_headers "$crt")
for e in "X509v3 Issuer Alternative Name" "X509v3 CRL Distribution Points" \
	"Authority Information Access" "X509v3 Authority Key Identifier" "X509v3 Subject Key Identifier"; do
	assert_contains "$hdrs" "$e" "sign: has $e"
done
assert_not_contains "$hdrs" "Basic Constraints: critical
CA:TRUE" "sign: not a CA"

# -- the authentication certificate: no personal facts
crt=$T_DIR/auth-pub.pem
text=$(openssl x509 -in "$crt" -noout -text -nameopt utf8)
hdrs=$(ext_headers "$crt")
assert_not_contains "$hdrs" "Subject Alternative Name" "auth: no subjectAltName"
assert_eq "$(name_shape "$crt" -subject | tr '\n' ';')" \
	"countryName = PRINTABLESTRING;commonName = UTF8STRING;" "auth: subject only C and CN"
for fact in 山田 太郎 立川 東京 1990 19901127; do
	assert_not_contains "$text" "$fact" "auth: '$fact' appears nowhere"
done
assert_eq "$(openssl x509 -in "$crt" -noout -ext keyUsage)" "X509v3 Key Usage: critical
    Digital Signature" "auth: keyUsage critical digitalSignature only"
assert_eq "$(name_shape "$crt" -issuer)" "$(name_shape "$AUTH_CA" -subject)" "auth: issuer is the auth CA"

# -- the same key again, without --replace: refused, nothing superseded (a retry is safe)
jp cert issue --kind auth --resident "$id" --pubkey "$T_DIR/k.pub" --out "$T_DIR/again.pem"
assert_refused "a second auth certificate for the same key"
assert_contains "$ERR" "already has the current auth certificate" "the refusal names the current certificate"
assert_cmd_fails "and wrote no file" test -e "$T_DIR/again.pem"

# -- without --out the certificate goes to standard output
jp cert issue --kind auth --resident "$id" --pubkey "$T_DIR/k.pub" --replace
assert_rc 0 "issue to standard output"
printf '%s\n' "$OUT" >"$T_DIR/stdout.pem"
assert_cmd "the certificate on standard output verifies" \
	openssl verify "${AT[@]}" -CAfile "$AUTH_CA" "$T_DIR/stdout.pem"

# -- X1: every reissue superseded the previous one; one valid of each kind remains
jp cert list --resident "$id"
assert_eq "$(printf '%s\n' "$OUT" | awk -F'\t' '$4 == "valid"' | wc -l)" 2 \
	"one valid certificate of each kind"
assert_eq "$(printf '%s\n' "$OUT" | awk -F'\t' '$4 == "superseded"' | wc -l)" 5 \
	"the five earlier certificates are superseded (rule X1)"
finish
