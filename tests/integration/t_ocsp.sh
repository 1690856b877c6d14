#!/bin/bash
# t_ocsp: the OCSP responder of `jpki serve`, judged by `openssl ocsp` and
# curl.  good before, revoked (reason affiliationChanged, the registry's
# time) right after a change of address, with and without a nonce; GET
# (RFC 5019) with caching headers and 304; wrong input gets an OCSP error
# status or an HTTP error, never a dead server; idle connections do not
# block it.  The server runs on the real clock (thisUpdate must be
# current for openssl); the registry's changes use JPKI_NOW as usual.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
pick_port
id=$(add_yamada) || die "add"
rsa_key k
jp_ok "issue sign" cert issue --kind sign --resident "$id" --pubkey "$T_DIR/k.pub" --out "$T_DIR/sign.pem"
jp_ok "issue auth" cert issue --kind auth --resident "$id" --pubkey "$T_DIR/k.pub" --out "$T_DIR/auth.pem"
saved_now=$JPKI_NOW
unset JPKI_NOW
server_start
export JPKI_NOW=$saved_now
URL=http://127.0.0.1:$PORT

# ocsp KIND [openssl ocsp options...]: ask about $T_DIR/KIND.pem; output in $OUT
ocsp() {
	local kind=$1
	shift
	run timeout 20 openssl ocsp -issuer "$(ca_cert "$kind")" -cert "$T_DIR/$kind.pem" \
		-url "$URL/ocsp/$kind" -CAfile "$(ca_cert "$kind")" -timeout 10 "$@"
	OUT="$OUT$ERR"
}

# -- the responder certificates
for kind in sign auth; do
	rc=$JPKI_DATA/ocsp/$kind/cert.pem
	assert_cmd "$kind responder certificate chains to its CA" \
		openssl verify -purpose ocsphelper -CAfile "$(ca_cert "$kind")" "$rc"
	assert_contains "$(openssl x509 -in "$rc" -noout -text)" "OCSP Signing" "$kind responder: EKU OCSPSigning"
	assert_contains "$(openssl x509 -in "$rc" -noout -text)" "OCSP No Check" "$kind responder: ocsp-nocheck"
	assert_eq "$(stat -c %a "$JPKI_DATA/ocsp/$kind/key.pem")" 600 "$kind responder key mode 0600"
	assert_contains "$(head -n 1 "$JPKI_DATA/ocsp/$kind/key.pem")" "ENCRYPTED" "$kind responder key encrypted"
done

# -- good, with a nonce (default) and without
for kind in sign auth; do
	ocsp "$kind"
	assert_contains "$OUT" "Response verify OK" "$kind: the response verifies under the CA"
	assert_contains "$OUT" "$T_DIR/$kind.pem: good" "$kind: good"
	assert_not_contains "$OUT" "WARNING" "$kind: nonce echoed, times valid"
	ocsp "$kind" -no_nonce
	assert_contains "$OUT" "$T_DIR/$kind.pem: good" "$kind: good without a nonce"
done
ocsp sign -no_nonce -respout "$T_DIR/good1.der"
ocsp sign -no_nonce -respout "$T_DIR/good2.der"
assert_cmd "without a nonce the pre-signed response is served again" cmp "$T_DIR/good1.der" "$T_DIR/good2.der"

# -- a change of address revokes the sign certificate: OCSP says so at once
jp resident update "$id" --address 東京都立川市錦町1-1
assert_rc 0 "change of address"
want_time=$(date -u -d "$JPKI_NOW" '+%b %e %H:%M:%S %Y GMT')
for nonce in -no_nonce -nonce; do
	ocsp sign "$nonce"
	assert_contains "$OUT" "Response verify OK" "revoked ($nonce): verifies"
	assert_contains "$OUT" "$T_DIR/sign.pem: revoked" "sign: revoked right after the change ($nonce)"
	assert_contains "$OUT" "Reason: affiliationChanged" "reason affiliationChanged ($nonce)"
	assert_contains "$OUT" "Revocation Time: $want_time" "revocation time is the registry's ($nonce)"
done
ocsp auth -no_nonce
assert_contains "$OUT" "$T_DIR/auth.pem: good" "auth survives a change of address"
# a certificate the registry does not know
ocsp_unknown=$(timeout 20 openssl ocsp -issuer "$(ca_cert sign)" -serial 0x7A1B2C3D4E5F60718293A4B5C6D7E8F9 \
	-url "$URL/ocsp/sign" -CAfile "$(ca_cert sign)" -no_nonce 2>&1)
assert_contains "$ocsp_unknown" ": unknown" "an unknown serial is unknown"

# -- GET (RFC 5019 §5), caching headers, 304
openssl ocsp -issuer "$(ca_cert auth)" -cert "$T_DIR/auth.pem" -no_nonce -reqout "$T_DIR/req.der" 2>/dev/null
b64=$(base64 -w0 "$T_DIR/req.der")
enc=$(printf '%s' "$b64" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
for path in "/ocsp/auth/$enc" "/ocsp/auth/$b64" "/ocsp/$enc"; do
	code=$(curl -sS --max-time 10 -D "$T_DIR/h" -o "$T_DIR/get.der" -w '%{http_code}' "$URL$path")
	assert_eq "$code" 200 "GET ${path:0:20}..."
	run openssl ocsp -respin "$T_DIR/get.der" -resp_text -noverify
	assert_contains "$OUT" "Cert Status: good" "GET ${path:0:20}...: good"
done
hdr=$(tr -d '\r' <"$T_DIR/h")
assert_match "$hdr" '^Content-Type: application/ocsp-response$' "GET: content type"
assert_match "$hdr" '^Cache-Control: max-age=[0-9]+, public, no-transform, must-revalidate$' "GET: Cache-Control"
assert_match "$hdr" '^Last-Modified: ' "GET: Last-Modified"
assert_match "$hdr" '^Expires: ' "GET: Expires"
etag=$(printf '%s\n' "$hdr" | sed -n 's/^ETag: //p')
assert_match "$etag" '^"[0-9A-F]{40}"$' "GET: ETag"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/ocsp/auth/$enc")
assert_eq "$code" 304 "If-None-Match with the ETag gets 304"
code=$(curl -sS --max-time 10 --head -o /dev/null -w '%{http_code}' "$URL/ocsp/auth/$enc")
assert_eq "$code" 200 "HEAD of a GET request"
run curl -sSv --max-time 10 -o /dev/null -o /dev/null "$URL/ocsp/auth/$enc" "$URL/ocsp/auth/$enc"
assert_contains "$ERR" "Re-using existing connection" "GET keeps the connection alive"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X GET --data-binary x "$URL/ocsp/auth/$enc")
assert_eq "$code" 413 "GET with a body: 413"

# -- refused input: OCSP error statuses, HTTP errors, and the server lives on
post() { # BODY-FILE [curl options]: status into $code, body into $T_DIR/post.der
	local f=$1
	shift
	code=$(curl -sS --max-time 10 -o "$T_DIR/post.der" -w '%{http_code}' \
		-H 'Content-Type: application/ocsp-request' --data-binary "@$f" "$@" "$URL/ocsp/sign")
}
printf 'this is not DER' >"$T_DIR/garbage"
post "$T_DIR/garbage"
assert_eq "$code" 200 "garbage POST: HTTP 200"
run openssl ocsp -respin "$T_DIR/post.der" -resp_text
assert_contains "$OUT$ERR" "malformedrequest" "garbage POST: malformedRequest (openssl -respin parses it)"
head -c 40 "$T_DIR/req.der" >"$T_DIR/trunc"
post "$T_DIR/trunc"
run openssl ocsp -respin "$T_DIR/post.der" -resp_text
assert_contains "$OUT$ERR" "malformedrequest" "truncated POST: malformedRequest"
head -c 20000 /dev/zero >"$T_DIR/big"
post "$T_DIR/big"
assert_eq "$code" 413 "a 20000-byte POST: 413"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
	--data-binary "@$T_DIR/req.der" "$URL/ocsp/sign")
assert_eq "$code" 415 "POST with the wrong Content-Type: 415"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X PUT "$URL/ocsp/sign")
assert_eq "$code" 405 "PUT: 405"
code=$(curl -sS --max-time 10 -o "$T_DIR/g" -w '%{http_code}' "$URL/ocsp/sign/%%%")
run openssl ocsp -respin "$T_DIR/g" -resp_text
assert_contains "$OUT$ERR" "malformedrequest" "GET of bad base64: malformedRequest"
openssl ocsp -issuer "$JPKI_DATA/ocsp/sign/cert.pem" -serial 0x01 -no_nonce -reqout "$T_DIR/stranger.der" 2>/dev/null
post "$T_DIR/stranger.der"
run openssl ocsp -respin "$T_DIR/post.der" -resp_text
assert_contains "$OUT$ERR" "unauthorized" "a CA that is not ours: unauthorized"

# -- idle and half-closed connections do not block the responder
python3 - "$PORT" "$T_DIR/idle.ready" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(20):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if i % 3 == 1:
        s.sendall(b"POST /ocsp/sign HTTP/1.1\r\nHost: x\r\nContent-Length: 83\r\n\r\n0\x82")  # half a body
    elif i % 3 == 2:
        s.sendall(b"POST /ocsp/sign HTTP/1.1\r\nHost: x\r\nContent-Length: 83\r\n\r\n0")
        s.shutdown(socket.SHUT_WR)  # closes half-way
    held.append(s)
open(sys.argv[2], "w").close()
time.sleep(8)
PY
idle_pid=$!
for _ in $(seq 1 50); do [ -e "$T_DIR/idle.ready" ] && break; sleep 0.1; done
[ -e "$T_DIR/idle.ready" ] || fail "the idle clients did not connect"
exec 3<>"/dev/tcp/127.0.0.1/$PORT" # connects, sends nothing
start=$(date +%s%N)
ocsp auth
ms=$((($(date +%s%N) - start) / 1000000))
assert_contains "$OUT" "$T_DIR/auth.pem: good" "answers with 21 idle or half-closed connections open"
if [ "$ms" -lt 3000 ]; then pass "answered in ${ms} ms"; else fail "took ${ms} ms with idle clients"; fi
exec 3>&-
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null
ocsp sign -no_nonce
assert_contains "$OUT" "$T_DIR/sign.pem: revoked" "still answering afterwards"

server_stop
finish
