# shellcheck shell=bash disable=SC2034
#
# card_lib.sh: the real PC/SC stack for the card tests (t_card_*.sh).
#
# A card test sources this file instead of lib.sh.  It re-runs itself in
# private mount and network namespaces (unshare --mount --net), brings up
# its own loopback, and mounts a private tmpfs on /run/pcscd, so its pcscd
# never meets the machine's and card tests can run side by side.  Then it
# sources lib.sh (data folder, assertions) and offers:
#   pcscd_start / pcscd_stop     Debian's pcscd in the foreground, with vpcd
#   card_attach IMAGE / card_detach   `jpki card attach` on vpcd slot 0
#   card_wait present|absent     until pcscd sees the card (bounded)
#   apdu HEX...                  opensc-tool -s, one reader session
# Every wait is bounded; every process is killed at exit.  The vpcd port is
# never probed with a connection (that freezes the reader): readiness is read
# from /proc/net/tcp.

if [ -z "${JPKI_CARD_NS:-}" ]; then
	for tool in unshare pcscd opensc-tool pkcs15-tool pkcs11-tool ip; do
		command -v "$tool" >/dev/null 2>&1 ||
			{ echo "FATAL: $tool is needed (apt-get install pcscd vsmartcard-vpcd opensc)" >&2; exit 1; }
	done
	[ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
		{ echo "FATAL: vsmartcard-vpcd is not installed" >&2; exit 1; }
	export JPKI_CARD_NS=1
	exec unshare --mount --net --propagation private bash "$0" "$@"
fi

ip link set lo up || { echo "FATAL: cannot bring up lo in the namespace" >&2; exit 1; }
mkdir -p /run/pcscd && mount -t tmpfs -o mode=0755 tmpfs /run/pcscd ||
	{ echo "FATAL: cannot mount a private /run/pcscd" >&2; exit 1; }

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export HOME=$T_DIR/home # OpenSC's cache, if any, stays in the test folder
mkdir -p "$HOME"
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
[ -f "$P11" ] || P11=$(find /usr/lib -name opensc-pkcs11.so 2>/dev/null | head -n 1)
PCSCD_PID= ATTACH_PID=
PCSCD_RUNS=0 ATTACH_RUNS=0

card_cleanup() {
	local p
	for p in $ATTACH_PID $PCSCD_PID; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ATTACH_PID= PCSCD_PID=
}
trap 'card_cleanup; t_cleanup' EXIT

vpcd_listening() { grep -q ':8C7B 00000000:0000 0A' /proc/net/tcp 2>/dev/null; }

pcscd_start() {
	rm -f /run/pcscd/* # a killed pcscd leaves stale files
	PCSCD_RUNS=$((PCSCD_RUNS + 1))
	pcscd --foreground --debug --apdu >"$T_DIR/pcscd.$PCSCD_RUNS.log" 2>&1 &
	PCSCD_PID=$!
	local i
	for i in $(seq 1 100); do
		if vpcd_listening && [ -S /run/pcscd/pcscd.comm ]; then return 0; fi
		kill -0 "$PCSCD_PID" 2>/dev/null || die "pcscd exited: $(tail -5 "$T_DIR/pcscd.$PCSCD_RUNS.log")"
		sleep 0.1
	done
	die "pcscd/vpcd not listening after 10 s"
}

pcscd_stop() {
	[ -n "$PCSCD_PID" ] || return 0
	kill -TERM "$PCSCD_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$PCSCD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$PCSCD_PID" 2>/dev/null
	wait "$PCSCD_PID" 2>/dev/null
	PCSCD_PID=
}

# card_wait present|absent: until `jpki card readers` agrees (at most 10 s)
card_wait() {
	local want=card i out
	[ "$1" = absent ] && want=empty
	for i in $(seq 1 100); do
		out=$("$JPKI" card readers 2>/dev/null | grep 'Virtual PCD 00 00' || true)
		case $out in *"	$want	"*) return 0 ;; esac
		sleep 0.1
	done
	return 1
}

card_attach() {
	# pcscd notices a vanished card within its 400 ms poll: wait for that first
	card_wait absent || die "a card is still in the reader before attaching"
	ATTACH_RUNS=$((ATTACH_RUNS + 1))
	"$JPKI" card attach "$1" --slot 0 2>"$T_DIR/attach.$ATTACH_RUNS.log" &
	ATTACH_PID=$!
	card_wait present || die "the card did not appear in the reader: $(cat "$T_DIR/attach.$ATTACH_RUNS.log"); readers: $("$JPKI" card readers 2>&1); pcscd: $(tail -n 5 "$T_DIR/pcscd.$PCSCD_RUNS.log")"
}

# card_detach: SIGTERM; the bridge must exit 0 within 10 s.
card_detach() {
	[ -n "$ATTACH_PID" ] || return 0
	kill -TERM "$ATTACH_PID"
	local i rc=0
	for i in $(seq 1 100); do
		kill -0 "$ATTACH_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$ATTACH_PID" 2>/dev/null; then
		kill -KILL "$ATTACH_PID"
		wait "$ATTACH_PID" 2>/dev/null
		ATTACH_PID=
		fail "jpki card attach still running 10 s after SIGTERM"
		return 1
	fi
	wait "$ATTACH_PID" || rc=$?
	ATTACH_PID=
	if [ "$rc" -eq 0 ]; then pass "SIGTERM detaches the card, exit 0"; else
		fail "jpki card attach exited $rc: $(cat "$T_DIR/attach.$ATTACH_RUNS.log")"
	fi
}

# apdu HEX...: send APDUs in one opensc-tool session; output in $OUT
apdu() {
	local args=() a
	for a in "$@"; do args+=(-s "$a"); done
	run timeout 20 opensc-tool -r 0 "${args[@]}"
}

# sw_of N: the status word of the N-th APDU of the last `apdu` (1-based), e.g. 9000
sw_of() {
	printf '%s\n' "$OUT" | grep -E '^Received \(SW1=0x' | sed -n "${1}p" |
		sed -E 's/.*SW1=0x(..), SW2=0x(..).*/\1\2/' | tr 'a-f' 'A-F'
}

# A personalised card image for the example resident: $IMG, PINs 1234 / ABC123.
make_personalised_card() {
	init_ca
	RID=$(add_yamada) || die "add the example resident"
	IMG=$T_DIR/card.img
	jp_ok "card new" card new "$IMG" --number 123456789012 --expiry 2035-11-27
	jp_ok "card personalize" card personalize "$IMG" --resident "$RID" --auth-pin-file "$(secret 1234)" \
		--sign-pin-file "$(secret ABC123)"
}

SELECT_APP=00A4040C0AD392F000260100000001
