#!/bin/bash
# t_sign: CAdES signatures made with the card (a card image, in process) and
# judged later by `jpki verify`, with `jpki serve` answering OCSP, CRLs and
# the TSA on the same data folder.  openssl cms -verify accepts every
# signature we make; a signature openssl makes verifies with us.  The
# decisive case: after a move revokes the certificate, the time-stamped
# signature stays valid and says when and why; the one without a time-stamp
# is REVOKED_NO_POE.  Every refusal (myna's advisories among them) has its
# own indication and exit status.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

init_ca
pick_port
RID=$(add_yamada) || die "resident"
IMG=$T_DIR/card.img
SPIN=$(secret ABC123) APIN=$(secret 1234)
jp_ok "card new" card new "$IMG" --number 123456789012 --expiry 2035-11-27
jp_ok "personalize" card personalize "$IMG" --resident "$RID" --auth-pin-file "$APIN" \
	--sign-pin-file "$SPIN"
server_start
D=$T_DIR
printf 'a tax return for 2026\n' >"$D/doc"
printf 'a tax return for 2027\n' >"$D/other"
SCA=$(ca_cert sign) ACA=$(ca_cert auth)
cat "$SCA" "$ACA" >"$D/both.pem"
cms_ok() { # SIG [CONTENT]: openssl cms -verify at JPKI_NOW
	openssl cms -verify -binary -inform DER -in "$1" ${2:+-content "$2"} -CAfile "$SCA" \
		-purpose any "${AT[@]}" -out "$D/cms.out" 2>/dev/null
}
field() { # JSON-FILE PATH...: a field of the first signature of a SiVa-shaped report
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["validationConclusion"]["signatures"][0]
for k in sys.argv[2:]:
    d = d[int(k)] if k.isdigit() else d[k]
print(d)' "$@"
}

# -- the three levels, detached and attached
for lvl in B T LT; do
	jp sign "$IMG" --in "$D/doc" --out "$D/$lvl.p7s" --level "$lvl" --pin-file "$SPIN"
	assert_rc 0 "jpki sign --level $lvl with the card"
	assert_cmd "openssl cms -verify accepts the B-$lvl signature" cms_ok "$D/$lvl.p7s" "$D/doc"
done
jp sign "$IMG" --in "$D/doc" --out "$D/att.p7s" --attached --pin-file "$SPIN"
assert_cmd "openssl cms -verify accepts the attached signature" cms_ok "$D/att.p7s"
assert_cmd "and gives back the document" cmp "$D/cms.out" "$D/doc"
jp sign --in "$D/doc" --out "$D/x.p7s" --level B --pin "ABC123"
assert_refused "a password on the command line"
assert_contains "$ERR" "visible to every user" "and says why"
printf 'WRONG1\n' >"$D/wrong.pin"
jp sign "$IMG" --in "$D/doc" --out "$D/x.p7s" --level B --pin-file "$D/wrong.pin"
assert_rc 1 "a wrong signature password"
assert_contains "$ERR" "4 tries left" "says the tries left"
[ -e "$D/x.p7s" ] && fail "a failed signing wrote a file" || pass "a failed signing writes nothing"

# the B-T signature's time-stamp token, judged by openssl ts, over our signature value
python3 - "$D/T.p7s" "$D/tst.der" "$D/sigvalue.bin" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
def tlv(i):  # tag, start of content, end
    n = data[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[j:j + k], "big")
        j += k
    return data[i], j, j + n
oid = bytes.fromhex("060b2a864886f70d010910020e")  # id-aa-signatureTimeStampToken
k = data.find(oid)
_, s, _ = tlv(k + len(oid))  # the attribute's SET
_, _, e = tlv(s)             # its one value, the token
open(sys.argv[2], "wb").write(data[s:e])
v = data.rfind(bytes.fromhex("04820100"), 0, k)  # the 256-byte signature value before [1]
assert data[v + 4 + 256] == 0xA1
open(sys.argv[3], "wb").write(data[v + 4:v + 4 + 256])
PY
assert_cmd "openssl ts -verify accepts the embedded token over our signature value" \
	openssl ts -verify -token_in -in "$D/tst.der" -data "$D/sigvalue.bin" -CAfile "$SCA" "${AT[@]}"
assert_cmd_fails "and not over another value" \
	openssl ts -verify -token_in -in "$D/tst.der" -data "$D/doc" -CAfile "$SCA" "${AT[@]}"

jp verify "$D/B.p7s" "$D/doc"
assert_rc 0 "B-B verifies (the certificate is good now)"
assert_contains "$OUT" "unproven: the validation time" "B-B: the time is unproven"
assert_contains "$OUT" "warning: no signature time-stamp" "and warns of it"
jp verify "$D/T.p7s" "$D/doc"
assert_rc 0 "B-T verifies"
assert_contains "$OUT" "format: CAdES_BASELINE_T" "the level is B-T"
assert_contains "$OUT" "proven by a time-stamp" "the time is proven by the time-stamp"
assert_contains "$OUT" "revocation: good by OCSP (online)" "OCSP online says good"
jp verify "$D/LT.p7s" "$D/doc" --offline --json
assert_rc 0 "B-LT verifies offline"
printf '%s\n' "$OUT" >"$D/lt.json"
assert_eq "$(field "$D/lt.json" signatureFormat)" CAdES_BASELINE_LT "JSON: signatureFormat"
assert_eq "$(field "$D/lt.json" indication)" TOTAL-PASSED "JSON: indication"
assert_eq "$(field "$D/lt.json" revocation from)" embedded "JSON: revocation from the signature"
assert_eq "$(field "$D/lt.json" signedBy name)" "山田　太郎" "JSON: the signer's name"
assert_eq "$(field "$D/lt.json" signedBy dateOfBirth)" 1990-11-27 "JSON: date of birth"
assert_eq "$(field "$D/lt.json" signedBy dateOfBirthJapanese)" "平成2年11月27日" "JSON: with its era"
assert_eq "$(field "$D/lt.json" signedBy sex)" male "JSON: sex"
assert_eq "$(field "$D/lt.json" signedBy address)" "東京都立川市泉町1156-9" "JSON: address"
assert_eq "$(python3 -c 'import json,sys; print(" ".join(c["type"] for c in json.load(open(sys.argv[1]))["validationConclusion"]["signatures"][0]["certificates"]))' "$D/lt.json")" \
	"SIGNING TIMESTAMP CA REVOCATION" "JSON: the certificates with their roles"
jp verify "$D/att.p7s"
assert_rc 0 "the attached signature verifies without the file"

# -- POST /verify: the same verification for relying parties over HTTP
post_verify() { # SIG [DOC]: the JSON request to /verify; status in HTTP_CODE, report in $D/pv.json
	printf '{"signature":"%s"%s}' "$(base64 -w0 "$1")" \
		"${2:+,\"document\":\"$(base64 -w0 "$2")\"}" >"$D/pv.req"
	HTTP_CODE=$(curl -sS --max-time 20 -H 'Content-Type: application/json' \
		--data-binary @"$D/pv.req" -o "$D/pv.json" -w '%{http_code}' \
		"http://127.0.0.1:$PORT/verify" 2>&1)
}
post_verify "$D/T.p7s" "$D/doc"
assert_eq "$HTTP_CODE" 200 "POST /verify answers"
assert_eq "$(field "$D/pv.json" indication)" TOTAL-PASSED "POST /verify: TOTAL-PASSED"
assert_eq "$(field "$D/pv.json" signedBy name)" "山田　太郎" "POST /verify: the signer"
assert_eq "$(field "$D/pv.json" revocation source)" OCSP "POST /verify: by the service's own OCSP"
post_verify "$D/att.p7s"
assert_eq "$(field "$D/pv.json" indication)" TOTAL-PASSED "POST /verify: an attached signature"
post_verify "$D/T.p7s" "$D/other"
assert_eq "$(field "$D/pv.json" subIndication)" HASH_FAILURE "POST /verify: another document"
for body in '{"signature":"@@@"}' '{"signature":"QUJD"' '{"document":"QUJD"}' \
	'{"signature":"QUJD","extra":1}' '[]'; do
	printf '%s' "$body" >"$D/pv.req"
	HTTP_CODE=$(curl -sS --max-time 10 -H 'Content-Type: application/json' --data-binary @"$D/pv.req" \
		-o "$D/pv.json" -w '%{http_code}' "http://127.0.0.1:$PORT/verify")
	assert_eq "$HTTP_CODE" 400 "POST /verify refuses $body"
done
assert_contains "$(cat "$D/pv.json")" '"error"' "with the reason as JSON"
http GET /verify
assert_eq "$HTTP_CODE" 405 "GET /verify is 405"
HTTP_CODE=$(curl -sS --max-time 10 -H 'Content-Type: text/plain' --data-binary x -o /dev/null \
	-w '%{http_code}' "http://127.0.0.1:$PORT/verify")
assert_eq "$HTTP_CODE" 415 "another Content-Type is 415"
HTTP_CODE=$(curl -sS --max-time 10 -H 'Content-Type: application/json' -H 'Content-Length: 99999999' \
	--data-binary x -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/verify")
assert_eq "$HTTP_CODE" 413 "a body over 16 MiB is refused on its length"

# -- two steps: data-to-sign out, a raw signature by the card, finalize
mkdir -p "$D/certs"
jp_ok "card certs" card certs "$IMG" --out-dir "$D/certs" --sign-pin-file "$SPIN"
jp sign --data-to-sign --cert "$D/certs/sign.pem" --in "$D/doc" --prepared "$D/p.der" \
	--out "$D/tbs.bin"
assert_rc 0 "sign --data-to-sign"
assert_eq "$(stat -c %s "$D/tbs.bin")" 51 "the data to sign is a 51-byte DigestInfo"
jp card sign "$IMG" --kind sign --raw --in "$D/tbs.bin" --out "$D/sv.bin" --pin-file "$SPIN"
assert_rc 0 "the card signs the DigestInfo as given"
jp sign --finalize "$D/p.der" --signature-value "$D/sv.bin" --out "$D/two.p7s" --level T
assert_rc 0 "sign --finalize at B-T"
assert_cmd "openssl cms -verify accepts the two-step signature" cms_ok "$D/two.p7s" "$D/doc"
jp verify "$D/two.p7s" "$D/doc"
assert_rc 0 "the two-step signature verifies"
jp card sign "$IMG" --kind auth --raw --in "$D/tbs.bin" --out "$D/av.bin" --pin-file "$APIN"
jp sign --finalize "$D/p.der" --signature-value "$D/av.bin" --out "$D/bad.p7s"
assert_rc 1 "finalize refuses a value the signer's key did not make"
assert_contains "$ERR" "does not verify with the signer's key" "and says why"

# -- refusals, each with its own indication
verdict() { # WANT-RC WANT-TEXT WHAT ARGS...: jpki verify ARGS
	local want=$1 text=$2 what=$3
	shift 3
	jp verify "$@"
	assert_rc "$want" "$what"
	assert_contains "$OUT" "$text" "$what: $text"
}
verdict 4 "TOTAL-FAILED / HASH_FAILURE" "another document" "$D/T.p7s" "$D/other"
{ cat "$D/doc"; printf 'appended after signing\n'; } >"$D/longer"
verdict 4 "TOTAL-FAILED / HASH_FAILURE" "bytes appended to the file (myna GHSA-g258: all of it is covered)" \
	"$D/T.p7s" "$D/longer"
cp "$D/B.p7s" "$D/flip.p7s"
printf '\x00' | dd of="$D/flip.p7s" bs=1 seek=$(($(stat -c %s "$D/B.p7s") - 1)) conv=notrunc 2>/dev/null
verdict 4 "TOTAL-FAILED / SIG_CRYPTO_FAILURE" "a changed signature value" "$D/flip.p7s" "$D/doc"
printf 'not a signature' >"$D/junk"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "bytes that are not CMS" "$D/junk" "$D/doc"
verdict 6 "INDETERMINATE / SIGNED_DATA_NOT_FOUND" "a detached signature without its file" "$D/T.p7s"
verdict 6 "INDETERMINATE / OUT_OF_BOUNDS_NO_POE" "expired, nothing proves it older (myna)" \
	"$D/B.p7s" "$D/doc" --at 2032-01-01T00:00:00+09:00
jp sign --data-to-sign --cert "$D/certs/auth.pem" --in "$D/doc" --prepared "$D/pa.der" --out "$D/tbsa.bin"
jp card sign "$IMG" --kind auth --raw --in "$D/tbsa.bin" --out "$D/ava.bin" --pin-file "$APIN"
jp sign --finalize "$D/pa.der" --signature-value "$D/ava.bin" --out "$D/auth.p7s" --level B
assert_rc 0 "a CMS signature by the authentication key can be made"
verdict 4 "TOTAL-FAILED / SIG_CONSTRAINTS_FAILURE" "the authentication key (no nonRepudiation, myna)" \
	"$D/auth.p7s" "$D/doc" --trust "$D/both.pem"
assert_contains "$OUT" "no nonRepudiation" "names the key usage"

# other signers: keys in files, certificates from the CA, signatures by openssl
R2=$(add_resident --family 佐藤 --given 花子 --birth 1985-04-01 --sex F --address 大阪府大阪市北区梅田1-1)
R3=$(add_resident --family 鈴木 --given 一郎 --birth 1970-01-15 --sex M --address 北海道札幌市中央区北1条西2)
rsa_key k2 && rsa_key k3 && rsa_key k4
jp_ok "cert for k2" cert issue --kind sign --resident "$R2" --pubkey "$D/k2.pub" --out "$D/k2.pem"
jp_ok "cert for k3" cert issue --kind sign --resident "$R3" --pubkey "$D/k3.pub" --out "$D/k3.pem"
osign() { openssl cms -sign -binary -md sha256 -in "$D/doc" -outform DER "$@" 2>/dev/null; }
osign -cades -signer "$D/k2.pem" -inkey "$D/k2.key" -out "$D/os.p7s" || die "openssl cms -sign"
verdict 0 "TOTAL-PASSED" "a CAdES signature made by openssl verifies" "$D/os.p7s" "$D/doc"
assert_contains "$OUT" "name: 佐藤　花子" "and names its signer"
assert_contains "$OUT" "sex: female" "with her sex"
osign -cades -signer "$D/k2.pem" -inkey "$D/k2.key" -signer "$D/k3.pem" -inkey "$D/k3.key" \
	-out "$D/two-signers.p7s"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "two signers: none is taken unchecked (myna GHSA-g258)" \
	"$D/two-signers.p7s" "$D/doc"
osign -signer "$D/k2.pem" -inkey "$D/k2.key" -out "$D/noess.p7s"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "no signing-certificate-v2" "$D/noess.p7s" "$D/doc"
osign -cades -signer "$D/k2.pem" -inkey "$D/k2.key" -nocerts -certfile "$D/k3.pem" -out "$D/swap.p7s"
verdict 6 "INDETERMINATE / NO_SIGNING_CERTIFICATE_FOUND" \
	"the signer identifier names a certificate that is not there (myna)" "$D/swap.p7s" "$D/doc"
assert_not_contains "$OUT" "鈴木" "the other certificate is not taken for the signer"
osign -cades -signer "$D/k2.pem" -inkey "$D/k2.key" -certfile "$D/k3.pem" -out "$D/two-certs.p7s"
verdict 0 "name: 佐藤　花子" "with two certificates the identifier picks the signer" \
	"$D/two-certs.p7s" "$D/doc"
printf 'keyUsage=critical,digitalSignature,nonRepudiation\ncertificatePolicies=critical,1.2.392.200149.8.5.1.1.20\n' >"$D/leaf.ext"
openssl req -new -key "$D/k4.key" -subj /CN=forged -out "$D/k4.csr" 2>/dev/null &&
	openssl x509 -req -in "$D/k4.csr" -CA "$D/k2.pem" -CAkey "$D/k2.key" -set_serial 7 -days 3650 \
		-extfile "$D/leaf.ext" -out "$D/k4.pem" 2>/dev/null || die "a certificate under a leaf"
osign -cades -signer "$D/k4.pem" -inkey "$D/k4.key" -certfile "$D/k2.pem" -out "$D/forged.p7s"
jp verify "$D/forged.p7s" "$D/doc" --at "$(date -d '+1 day' +%Y-%m-%dT%H:%M:%S%:z)"
assert_rc 6 "a certificate issued by a signature certificate (not a CA, myna)"
assert_match "$OUT" "INDETERMINATE / (CHAIN_CONSTRAINTS_FAILURE|NO_CERTIFICATE_CHAIN_FOUND)" \
	"refused for the path"

# -- XML filings: enveloped XMLDSig, judged by xmlsec1
cat >"$D/filing.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<申告書 xmlns="urn:example:etax"><氏名>山田 太郎</氏名><所得>5000000</所得></申告書>
XML
jp sign "$IMG" --format xml --in "$D/filing.xml" --out "$D/filing.signed.xml" --pin-file "$SPIN"
assert_rc 0 "jpki sign --format xml with the card"
xml_ok() { xmlsec1 --verify --trusted-pem "$SCA" --enabled-reference-uris empty "$@" >/dev/null 2>&1; }
assert_cmd "xmlsec1 --verify accepts it" xml_ok "$D/filing.signed.xml"
verdict 0 "format: XMLDSIG" "jpki verify accepts it" "$D/filing.signed.xml"
assert_contains "$OUT" "name: 山田　太郎" "and names the signer"
jp sign "$IMG" --format xml --in "$D/filing.xml" --out "$D/x.xml" --level T --pin-file "$SPIN"
assert_rc 2 "an XML signature has no level T (no XAdES)"
post_verify "$D/filing.signed.xml"
assert_eq "$(field "$D/pv.json" signatureFormat)" XMLDSIG "POST /verify takes an XML signature"
sed 's|5000000|5000001|' "$D/filing.signed.xml" >"$D/x-changed.xml"
verdict 4 "TOTAL-FAILED / HASH_FAILURE" "XML: the document changed" "$D/x-changed.xml"
assert_cmd_fails "and xmlsec1 refuses it too" xml_ok "$D/x-changed.xml"
python3 - "$D/filing.signed.xml" "$D/x-sigval.xml" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<SignatureValue>([^<]*)</SignatureValue>", t)
v = m.group(1)
v = ("B" if v[0] == "A" else "A") + v[1:]
open(sys.argv[2], "w", encoding="utf-8").write(t[:m.start(1)] + v + t[m.end(1):])
PY
verdict 4 "TOTAL-FAILED / SIG_CRYPTO_FAILURE" "XML: a changed signature value" "$D/x-sigval.xml"
sed 's|<Reference URI="">|<Reference URI="#part">|' "$D/filing.signed.xml" >"$D/x-part.xml"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: a reference to a part only (wrapping)" "$D/x-part.xml"
assert_contains "$OUT" "whole document" "says the whole document must be covered"
python3 - "$D/filing.signed.xml" "$D/x-two.xml" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
sig = re.search(r"<Signature .*</Signature>", t, re.S).group(0)
open(sys.argv[2], "w", encoding="utf-8").write(t.replace("</申告書>", sig + "</申告書>"))
PY
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: two signatures" "$D/x-two.xml"
sed 's|</KeyInfo>|</KeyInfo><Object><所得>1</所得></Object>|' "$D/filing.signed.xml" >"$D/x-object.xml"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: an Object inside the Signature (unsigned content)" \
	"$D/x-object.xml"
assert_cmd "(which xmlsec1 itself accepts)" xml_ok "$D/x-object.xml"
sed 's|<X509Certificate>|<X509SubjectName>CN=someone else</X509SubjectName><X509Certificate>|' \
	"$D/filing.signed.xml" >"$D/x-keyinfo.xml"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: more than the certificate in KeyInfo" "$D/x-keyinfo.xml"
sed 's|<所得>5000000</所得>|<所得>5<!--x-->000000</所得>|' "$D/filing.signed.xml" >"$D/x-comment.xml"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: a comment (Canonical XML drops it: unsigned)" \
	"$D/x-comment.xml"
sed 's|</Signature>|</Signature><追記>1</追記>|' "$D/filing.signed.xml" >"$D/x-after.xml"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: an element after the Signature" "$D/x-after.xml"
{ printf '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'; sed 1d "$D/filing.signed.xml"; } >"$D/x-dtd.xml"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: a DOCTYPE (entities) is refused" "$D/x-dtd.xml"
sed 's|xmlenc#sha256|xmldsig#sha1|; s|2001/04/xmlenc#sha1|2000/09/xmldsig#sha1|' "$D/filing.signed.xml" >"$D/x-sha1.xml"
verdict 6 "INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE" "XML: SHA-1 digests" "$D/x-sha1.xml"
verdict 4 "TOTAL-FAILED / FORMAT_FAILURE" "XML: a file given with an enveloped signature" \
	"$D/filing.signed.xml" "$D/doc"
# a signature xmlsec1 makes (a key in a file, its JPKI certificate) verifies with us
jp_ok "k2 template" sign --data-to-sign --format xml --cert "$D/k2.pem" --in "$D/filing.xml" \
	--prepared "$D/k2-template.xml" --out "$D/k2.tbs"
sed 's|<X509Certificate>[^<]*</X509Certificate>||' "$D/k2-template.xml" >"$D/k2-empty.xml"
run xmlsec1 --sign --privkey-pem "$D/k2.key,$D/k2.pem" --trusted-pem "$SCA" \
	--output "$D/k2-signed.xml" "$D/k2-empty.xml"
assert_rc 0 "xmlsec1 --sign with a key and its JPKI certificate"
verdict 0 "name: 佐藤　花子" "jpki verify accepts xmlsec1's signature" "$D/k2-signed.xml"
jp sign --data-to-sign --format xml --cert "$D/certs/auth.pem" --in "$D/filing.xml" \
	--prepared "$D/xa.xml" --out "$D/xa.tbs"
jp card sign "$IMG" --kind auth --raw --in "$D/xa.tbs" --out "$D/xa.bin" --pin-file "$APIN"
jp_ok "finalize auth XML" sign --finalize "$D/xa.xml" --signature-value "$D/xa.bin" --out "$D/xa-signed.xml"
verdict 4 "TOTAL-FAILED / SIG_CONSTRAINTS_FAILURE" "XML by the authentication key" \
	"$D/xa-signed.xml" --trust "$D/both.pem"

# -- a foreign CA, and two generations trusted at once
OTHER=$T_DIR/gen2
OTHER_STORE=$(second_store gen2) || die "a second registry"
JPKI_DATA=$OTHER JPKI_STORE=$OTHER_STORE JPKI_BASE_URL=http://127.0.0.1:$PORT jp_ok "a second CA" init
verdict 6 "INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND" "a foreign CA" "$D/LT.p7s" "$D/doc" \
	--offline --trust "$OTHER/ca/sign/cert.pem"
cat "$OTHER/ca/sign/cert.pem" "$SCA" >"$D/gens.pem"
verdict 0 "TOTAL-PASSED" "the older generation verifies with two generations trusted" \
	"$D/LT.p7s" "$D/doc" --offline --trust "$D/gens.pem"
jp verify "$D/T.p7s" "$D/doc" --offline
assert_rc 6 "offline, a B-T signature has no revocation data"
assert_contains "$OUT" "embeds no revocation information" "and says so"

# -- extend to LT later: the embedded OCSP's age against the time-stamp (SiVa's policy)
restart_at() { server_stop >/dev/null; export JPKI_NOW=$1; server_start; }
restart_at 2026-11-26T10:30:00+09:00
jp sign --extend LT --in "$D/T.p7s" --out "$D/T-LT.p7s" --ca "$SCA"
assert_rc 0 "extend B-T to B-LT half an hour later"
verdict 0 "warning: the embedded OCSP response was produced 1800 s after the time-stamp" \
	"LT 30 minutes after the time-stamp: valid, with a warning" "$D/T-LT.p7s" "$D/doc" --offline
# embedded CRLs the signer chose: one issued before the time-stamp proves nothing; another
# partition's says nothing of this certificate (cms_add_crl.py puts them in SignedData.crls)
url_of() { openssl x509 -in "$D/certs/sign.pem" -noout -ext "$1" 2>/dev/null | grep -o 'http://[^ ]*' | head -n 1; }
crl_url=$(url_of crlDistributionPoints)
curl -fsS --max-time 10 -o "$D/early.crl" "$crl_url" || fail "fetch the partition CRL"
part=${crl_url##*/} part=${part%.crl}
curl -fsS --max-time 10 -o "$D/other-part.crl" "${crl_url%/*}/$(((part + 1) % 1024)).crl" ||
	fail "fetch another partition's CRL"
restart_at 2026-11-26T11:00:00+09:00
jp sign "$IMG" --in "$D/doc" --out "$D/T11.p7s" --level T --pin-file "$SPIN"
assert_rc 0 "a B-T signature an hour later"
python3 "$(dirname "$0")/cms_add_crl.py" "$D/T11.p7s" "$D/T11-early.p7s" "$D/early.crl"
verdict 6 "INDETERMINATE / TRY_LATER" "an embedded CRL issued before the time-stamp" \
	"$D/T11-early.p7s" "$D/doc" --offline
assert_contains "$OUT" "proves nothing about the time of signing" "and says why"
curl -fsS --max-time 10 -o "$D/now.crl" "$crl_url" || fail "fetch the CRL again"
python3 "$(dirname "$0")/cms_add_crl.py" "$D/T11.p7s" "$D/T11-now.p7s" "$D/now.crl"
verdict 0 "revocation: good by CRL (embedded)" "the partition's CRL issued with the time-stamp serves" \
	"$D/T11-now.p7s" "$D/doc" --offline
python3 "$(dirname "$0")/cms_add_crl.py" "$D/T11.p7s" "$D/T11-other.p7s" "$D/other-part.crl"
verdict 6 "INDETERMINATE / TRY_LATER" "another partition's CRL says nothing of this certificate" \
	"$D/T11-other.p7s" "$D/doc" --offline
python3 "$(dirname "$0")/cms_add_crl.py" "$D/T11.p7s" "$D/T11-both.p7s" "$D/early.crl" "$D/now.crl"
verdict 0 "revocation: good by CRL (embedded)" "of two embedded CRLs the newest is taken" \
	"$D/T11-both.p7s" "$D/doc" --offline
restart_at 2026-11-28T10:00:00+09:00
jp sign --extend LT --in "$D/T.p7s" --out "$D/T-LT2.p7s" --ca "$SCA"
verdict 4 "TOTAL-FAILED / SIG_CONSTRAINTS_FAILURE" "LT two days after the time-stamp" \
	"$D/T-LT2.p7s" "$D/doc" --offline
assert_contains "$OUT" "more than 24 hours" "names the 24-hour rule"
# -- a lost card: held at 09:00, a signature time-stamped at 09:30, the hold made final at 10:00;
#    the key was untrusted from the hold on (invalidityDate), so the signature is not valid
OP=(--operator clerk1 --counter city-hall)
restart_at 2026-11-30T09:00:00+09:00
jp_ok "loss" counter loss "${OP[@]}" --resident "$R3"
restart_at 2026-11-30T09:30:00+09:00
jp_ok "k3 prepare" sign --data-to-sign --cert "$D/k3.pem" --in "$D/doc" --prepared "$D/p3.der" --out "$D/tbs3.bin"
openssl pkeyutl -sign -inkey "$D/k3.key" -pkeyopt rsa_padding_mode:pkcs1 -in "$D/tbs3.bin" \
	-out "$D/v3.bin" || die "pkeyutl"
jp_ok "k3 finalize" sign --finalize "$D/p3.der" --signature-value "$D/v3.bin" --level T --out "$D/held.p7s"
verdict 6 "INDETERMINATE / TRY_LATER" "signed while on hold" "$D/held.p7s" "$D/doc"
restart_at 2026-11-30T10:00:00+09:00
jp_ok "lift-hold" counter lift-hold "${OP[@]}" --resident "$R3" --doc licence:L1
verdict 5 "TOTAL-FAILED / REVOKED" "the hold made final: the signature made during the hold" \
	"$D/held.p7s" "$D/doc"
assert_contains "$OUT" "2026-11-30T00:00:00Z (its invalidityDate)" "judged by the hold's date"
jp verify "$D/held.p7s" "$D/doc" --json
printf '%s\n' "$OUT" >"$D/held.json"
assert_eq "$(field "$D/held.json" revocation invalidityDate)" 2026-11-30T00:00:00Z "JSON: invalidityDate"
k3_crl=$(openssl x509 -in "$D/k3.pem" -noout -ext crlDistributionPoints 2>/dev/null | grep -o 'http://[^ ]*')
run sh -c "curl -fsS --max-time 10 '$k3_crl' | openssl crl -inform DER -noout -text"
assert_contains "$OUT" "Invalidity Date" "the partition CRL carries the invalidityDate (openssl crl)"
assert_contains "$OUT" "Nov 30 00:00:00 2026 GMT" "with the hold's date"
jp sign --extend LT --in "$D/B.p7s" --out "$D/x.p7s" --ca "$SCA" --tsa "http://127.0.0.1:1/tsa"
assert_rc 1 "extending needs the TSA when there is no time-stamp yet"

# -- the move: the certificate is revoked (affiliationChanged, rule C5)
restart_at 2027-01-10T10:00:00+09:00
jp_ok "move" resident move "$RID" --address 東京都新宿区西新宿2-8-1
restart_at 2027-01-10T11:00:00+09:00
verdict 0 "TOTAL-PASSED" "time-stamped before the move: still valid" "$D/T.p7s" "$D/doc"
assert_contains "$OUT" "revocation: revoked by OCSP (online) on 2027-01-10T01:00:00Z, reason affiliationChanged" \
	"with the revocation date and reason"
assert_contains "$OUT" "after the signature, which the time-stamp proves to be older" "and why it stands"
verdict 5 "INDETERMINATE / REVOKED_NO_POE" "no time-stamp after the move" "$D/B.p7s" "$D/doc"
verdict 5 "INDETERMINATE / REVOKED_NO_POE" "an XML signature after the move" "$D/filing.signed.xml"
post_verify "$D/T.p7s" "$D/doc"
assert_eq "$(field "$D/pv.json" indication):$(field "$D/pv.json" revocation reason)" \
	"TOTAL-PASSED:affiliationChanged" "POST /verify after the move: valid, revoked later"
post_verify "$D/B.p7s" "$D/doc"
assert_eq "$(field "$D/pv.json" subIndication)" REVOKED_NO_POE "POST /verify: B-B after the move"
verdict 0 "TOTAL-PASSED" "B-LT offline: good when it was made" "$D/LT.p7s" "$D/doc" --offline
# OCSP down, the CRLs still published: a plain web server with the partition CRL and its delta
crls_only "$D/certs/sign.pem"
verdict 0 "revocation: revoked by CRL (online)" "OCSP down: the CRL partition and its delta decide" \
	"$D/T.p7s" "$D/doc"
assert_contains "$OUT" "warning: OCSP:" "and the report says OCSP did not answer"
verdict 5 "INDETERMINATE / REVOKED_NO_POE" "by the CRL too, B-B after the move" "$D/B.p7s" "$D/doc"
www_stop
server_start
jp sign "$IMG" --in "$D/doc" --out "$D/late.p7s" --level T --pin-file "$SPIN"
assert_rc 0 "the card still signs with the revoked certificate"
verdict 5 "TOTAL-FAILED / REVOKED" "time-stamped after the revocation" "$D/late.p7s" "$D/doc"
server_stop >/dev/null
verdict 6 "INDETERMINATE / TRY_LATER" "nobody answers OCSP or CRLs" "$D/T.p7s" "$D/doc"
finish
