#!/bin/bash
# t_http_guard: `jpki serve` against clients that break HTTP or hold it.
#  - strictness: HTTP/1.1 without Host, two Content-Length headers,
#    Content-Length with Transfer-Encoding, an unknown transfer coding, a
#    header name that is no token, %00 or another control in the path: 400
#    and the connection closed (nothing after the request is read as a
#    second one);
#  - slowloris from several loopback addresses (127.0.0.2-4), each
#    connection sending one header line a second, never finishing, 240 in all
#    against a total of 200 (the per-address cap keeps the rest free): each is
#    cut at the request deadline, the per-address cap refuses the excess, and
#    a client from 127.0.0.5 is served within a second all along;
#  - refused connections do not write a line each to stderr.
# Raw sockets from python3; every wait is bounded.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
pick_port
SERVE_ARGS=(--request-timeout 2 --max-per-address 16 --max-connections 200)
server_start

# raw REQUEST_BYTES_AS_PYTHON_LITERAL: send, read until close (5 s at most); status line into $OUT
raw() {
	run python3 - "$PORT" "$1" <<'PY'
import socket, sys, ast, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(ast.literal_eval(sys.argv[2]))
data = b""
closed = False
deadline = time.time() + 5
try:
    while time.time() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            closed = True
            break
        data += chunk
except socket.timeout:
    pass
lines = data.split(b"\r\n")
print(lines[0].decode("latin-1") if data else "(no answer)")
print("responses=%d closed=%s" % (data.count(b"HTTP/1."), closed))
PY
}

raw 'b"GET /health HTTP/1.1\r\n\r\n"'
assert_contains "$OUT" "HTTP/1.1 400" "HTTP/1.1 without Host: 400"
raw 'b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"'
assert_contains "$OUT" "HTTP/1.1 200" "with Host: 200 (the check can pass)"
raw 'b"GET /health HTTP/1.0\r\n\r\n"'
assert_contains "$OUT" " 200" "HTTP/1.0 needs no Host"
raw 'b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcdeGET /health HTTP/1.1\r\nHost: x\r\n\r\n"'
assert_contains "$OUT" "HTTP/1.1 400" "two Content-Length headers: 400"
assert_contains "$OUT" "responses=1 closed=True" "and the connection is closed, the rest never read as a request"
raw 'b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"'
assert_contains "$OUT" "HTTP/1.1 400" "a repeated Content-Length, even equal: 400"
raw 'b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"'
assert_contains "$OUT" "HTTP/1.1 400" "Content-Length and Transfer-Encoding: 400"
raw 'b"POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"'
assert_contains "$OUT" "HTTP/1.1 400" "a transfer coding other than chunked: 400"
raw 'b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad : y\r\n\r\n"'
assert_contains "$OUT" "HTTP/1.1 400" "a header name that is not a token: 400"
jp_ok "a CRL" crl --kind sign --partition 1
http GET /crl/sign/1.crl
assert_eq "$HTTP_CODE" 200 "GET /crl/sign/1.crl"
for path in /crl/sign/1.crl%00 /crl/sign/1.crl%00.txt /crl/sign.crl%00 /health%01 /health%7f /ca/sign.der%0a; do
	http GET "$path"
	assert_eq "$HTTP_CODE" 400 "GET $path"
done
http GET /crl/sign/1.cr%6c
assert_eq "$HTTP_CODE" 200 "an ordinary escape still decodes (%6c)"

# -- slowloris from three addresses, a fourth client served all along
python3 - "$PORT" "$T_DIR/loris" <<'PY' &
import socket, sys, time, threading
port, out = int(sys.argv[1]), sys.argv[2]
held, refused, cut = [], [0], [0]
lock = threading.Lock()
def attack(addr, n):
    for _ in range(n):
        try:
            s = socket.socket()
            s.bind((addr, 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /health HTTP/1.1\r\n")
            held.append((s, time.time()))
        except OSError:
            with lock:
                refused[0] += 1
threads = [threading.Thread(target=attack, args=("127.0.0.%d" % a, 80)) for a in (2, 3, 4)]
for t in threads: t.start()
for t in threads: t.join()
open(out + ".ready", "w").close()
lifetimes = []
end = time.time() + 8
while time.time() < end and held:
    for s, t0 in list(held):
        try:
            s.sendall(b"X-Trickle: 1\r\n")  # one header line a second: never complete
            s.settimeout(0.01)
            if s.recv(1) == b"":
                raise OSError
        except socket.timeout:
            continue
        except OSError:
            lifetimes.append(time.time() - t0)
            held.remove((s, t0))
    time.sleep(1)
with open(out, "w") as f:
    f.write("cut=%d alive=%d longest=%.1f\n" % (len(lifetimes), len(held),
            max(lifetimes) if lifetimes else 0))
PY
loris=$!
for _ in $(seq 1 100); do [ -e "$T_DIR/loris.ready" ] && break; sleep 0.1; done
[ -e "$T_DIR/loris.ready" ] || fail "the slowloris clients did not start"
slow=0
for i in $(seq 1 6); do
	code=$(curl -sS --interface 127.0.0.5 --max-time 1 -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$PORT/health" 2>&1)
	[ "$code" = 200 ] || slow=$((slow + 1))
	sleep 1
done
assert_eq "$slow" 0 "during the attack a client from 127.0.0.5 was served within 1 s, six times in six seconds"
wait "$loris"
res=$(cat "$T_DIR/loris" 2>/dev/null)
note "slowloris: $res"
assert_match "$res" "^cut=[1-9][0-9]* alive=0 " "every slow connection was cut"
longest=$(printf '%s\n' "$res" | sed -n 's/.*longest=\([0-9]*\).*/\1/p')
if [ -n "$longest" ] && [ "$longest" -le 5 ]; then pass "the slowest lived ${longest} s (deadline 2 s)"; else
	fail "a slow connection lived ${longest:-?} s with a 2 s deadline"
fi

# -- over the per-address cap: the excess is refused, the log stays short
python3 - "$PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
conns = []
for _ in range(300):
    try:
        s = socket.socket()
        s.bind(("127.0.0.6", 0))
        s.settimeout(1)
        s.connect(("127.0.0.1", port))
        conns.append(s)
    except OSError:
        pass
PY
http GET /health
assert_eq "$HTTP_CODE" 200 "served after 300 connections from one address"
lines=$(grep -c 'connection limit' "$T_DIR/serve.log")
if [ "$lines" -le 3 ]; then pass "refused connections wrote $lines lines to stderr (rate-limited)"; else
	fail "refused connections wrote $lines lines to stderr"
fi
server_stop
finish
