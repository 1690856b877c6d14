#!/bin/bash
# t_init: `jpki init` creates two CAs shaped like the real JPKI CAs
# (docs/rules.md "Facts about the certificates", compared with tests/integration/data/*_ca_2023.pem), keeps
# their keys encrypted and private, and never overwrites them.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# copies of the public JPKI CA certificates of 2023 (tests/integration/data/)
REF=$(dirname "$0")/data

# -- the passphrase is required and checked before anything is created
run env -u JPKI_CA_PASSPHRASE -u JPKI_CA_PASSPHRASE_FILE "$JPKI" init
assert_refused "init without a passphrase"
assert_contains "$ERR" "JPKI_CA_PASSPHRASE" "the message names the missing variable"
run env JPKI_CA_PASSPHRASE=short "$JPKI" init
assert_refused "init with a 5-character passphrase"
assert_contains "$ERR" "12" "the message gives the minimum length"
assert_cmd "no key written without a usable passphrase" test ! -e "$JPKI_DATA/ca/sign/key.pem"

# -- first run creates, second run changes nothing
jp init
assert_rc 0 "first init"
assert_match "$OUT" '^sign CA created' "first init reports the sign CA created"
for kind in sign auth; do
	cp "$JPKI_DATA/ca/$kind/cert.pem" "$T_DIR/$kind.cert.before"
	cp "$JPKI_DATA/ca/$kind/key.pem" "$T_DIR/$kind.key.before"
done
jp init
assert_rc 0 "second init"
assert_match "$OUT" '^sign CA exists' "second init reports the sign CA exists"
assert_match "$OUT" '^auth CA exists' "second init reports the auth CA exists"
JPKI_NOW=2027-03-01T09:00:00+09:00 run "$JPKI" init
assert_rc 0 "third init on a later day"
for kind in sign auth; do
	for f in cert key; do
		if cmp -s "$T_DIR/$kind.$f.before" "$JPKI_DATA/ca/$kind/$f.pem"; then
			pass "$kind $f.pem byte-identical after re-running init"
		else
			fail "$kind $f.pem changed when init ran again"
		fi
	done
done

# -- a wrong passphrase is an error and overwrites nothing
run env JPKI_CA_PASSPHRASE=wrong-passphrase-0123 "$JPKI" init
assert_refused "init with the wrong passphrase"
assert_cmd "wrong passphrase left key.pem alone" cmp "$T_DIR/sign.key.before" "$JPKI_DATA/ca/sign/key.pem"
run env JPKI_CA_PASSPHRASE=wrong-passphrase-0123 "$JPKI" crl --kind sign --out "$T_DIR/x.crl"
assert_refused "crl with the wrong passphrase"

for kind in sign auth; do
	key=$JPKI_DATA/ca/$kind/key.pem cert=$JPKI_DATA/ca/$kind/cert.pem
	ref=$REF/${kind}_ca_2023.pem

	# -- the key: encrypted PKCS#8, mode 0600, opens only with the passphrase
	assert_eq "$(stat -c %a "$key")" 600 "$kind key.pem mode 0600"
	assert_eq "$(head -n 1 "$key")" "-----BEGIN ENCRYPTED PRIVATE KEY-----" \
		"$kind key.pem is encrypted PKCS#8"
	assert_cmd_fails "$kind key does not open without a passphrase" \
		openssl pkey -in "$key" -passin pass: -noout
	assert_cmd_fails "$kind key does not open with a wrong passphrase" \
		openssl pkey -in "$key" -passin pass:wrong-passphrase-0123 -noout
	assert_cmd "$kind key opens with the passphrase" \
		openssl pkey -in "$key" -passin env:JPKI_CA_PASSPHRASE -pubout -out "$T_DIR/$kind.keypub"
	openssl x509 -in "$cert" -noout -pubkey >"$T_DIR/$kind.certpub"
	assert_cmd "$kind key matches its certificate" cmp "$T_DIR/$kind.keypub" "$T_DIR/$kind.certpub"

	# -- the certificate, against the real 2023 CA
	assert_cmd "$kind CA is self-signed (openssl verify)" \
		openssl verify "${AT[@]}" -x509_strict -CAfile "$cert" "$cert"
	text=$(openssl x509 -in "$cert" -noout -text)
	assert_contains "$text" "Version: 3 (0x2)" "$kind CA is v3"
	assert_contains "$text" "Signature Algorithm: sha256WithRSAEncryption" "$kind CA sha256WithRSA"
	assert_contains "$text" "Public-Key: (2048 bit)" "$kind CA key RSA-2048"
	assert_contains "$text" "Exponent: 65537 (0x10001)" "$kind CA exponent 65537"
	assert_eq "$(name_shape "$cert" -subject)" "$(name_shape "$ref" -subject)" \
		"$kind subject fields and string types as the real CA (C PrintableString, rest UTF8String)"
	assert_eq "$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253)" \
		"$(openssl x509 -in "$cert" -noout -issuer -nameopt RFC2253 | sed 's/^issuer/subject/')" \
		"$kind subject = issuer"
	want_ou=$(openssl x509 -in "$ref" -noout -subject -nameopt multiline | sed -n 3,4p)
	got_ou=$(openssl x509 -in "$cert" -noout -subject -nameopt multiline | sed -n 3,4p)
	assert_eq "$got_ou" "$want_ou" "$kind C, O and first OU equal the real CA's"
	assert_eq "$(ext_headers "$cert")" "$(ext_headers "$ref")" \
		"$kind extensions and criticality as the real CA"
	assert_eq "$(openssl x509 -in "$cert" -noout -ext keyUsage | tail -n 1 | sed 's/^ *//')" \
		"Certificate Sign, CRL Sign" "$kind keyUsage keyCertSign + cRLSign"
	assert_eq "$(openssl x509 -in "$cert" -noout -ext basicConstraints | tail -n 1 | sed 's/^ *//')" \
		"CA:TRUE" "$kind basicConstraints CA:TRUE"
	# SAN and CRLDP: a directoryName of the same shape; the last OU names this software
	# instead of J-LIS, so values are compared up to it
	for ext in "X509v3 Subject Alternative Name" "X509v3 CRL Distribution Points"; do
		got=$(ext_asn1 "$cert" "$ext")
		want=$(ext_asn1 "$ref" "$ext")
		assert_contains "$got" "cont [ 4 ]" "$kind $ext holds a directoryName"
		assert_eq "$(printf '%s\n' "$got" | sed 's/ :.*//')" "$(printf '%s\n' "$want" | sed 's/ :.*//')" \
			"$kind $ext has the real CA's ASN.1 shape"
		assert_eq "$(printf '%s\n' "$got" | grep ' :' | head -n 6)" \
			"$(printf '%s\n' "$want" | grep ' :' | head -n 6)" "$kind $ext C, O, OU as the real CA"
	done
	ski=$(openssl x509 -in "$cert" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
	assert_match "$ski" '^([0-9A-F]{2}:){19}[0-9A-F]{2}$' "$kind subjectKeyIdentifier of 20 bytes"

	# -- validity: from now, 10 years, ending 23:59:59 JST = 14:59:59Z
	assert_eq "$(x509_field "$cert" -startdate)" "notBefore=Nov 26 01:00:00 2026 GMT" \
		"$kind notBefore is JPKI_NOW"
	assert_eq "$(x509_field "$cert" -enddate)" "notAfter=Nov 25 14:59:59 2036 GMT" \
		"$kind 10-year validity ending 14:59:59Z"
	assert_match "$(x509_field "$ref" -enddate)" '14:59:59 2033 GMT' "(the real $kind CA ends so too)"
done

# the two CAs are distinct
assert_cmd_fails "the auth CA does not verify under the sign CA" \
	openssl verify "${AT[@]}" -CAfile "$JPKI_DATA/ca/sign/cert.pem" "$JPKI_DATA/ca/auth/cert.pem"
# -- the environment is read by the program, checked before any command starts
JPKI_NOW=tomorrow run "$JPKI" resident list
assert_refused "an unparsable JPKI_NOW"
assert_contains "$ERR" "JPKI_NOW" "the refusal names JPKI_NOW"
JPKI_BASE_URL='ftp://example' run "$JPKI" cert list
assert_refused "a JPKI_BASE_URL that is no http(s) URL"
assert_contains "$ERR" "JPKI_BASE_URL" "the refusal names JPKI_BASE_URL"
JPKI_NOW='' run "$JPKI" cert list
assert_rc 0 "an empty JPKI_NOW is the system clock"
finish
