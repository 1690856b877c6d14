#!/bin/bash
# t_outputs: what `--out` may write, and that the registry and the output
# go together.  An output that cannot be written is refused before anything
# is recorded; a regular file is replaced atomically; a character device, a
# FIFO, a symbolic link and standard output are written in place and never
# replaced by a regular file; the registry's own files are never an output;
# a write that fails after the record leaves a retry that issues nothing
# twice.  Judged by stat, cmp, openssl and the registry.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
init_ca
id=$(add_yamada) || die add
rsa_key k
rsa_key k2
issue() { jp cert issue --kind auth --resident "$id" --pubkey "$T_DIR/$1.pub" --out "$2" "${@:3}"; }
serials() { "$JPKI" cert list | cut -f1,4 | sort; }

# -- a path that cannot be written: refused first, nothing recorded
before=$(serials)
issue k /nonexistent/dir/x.pem
assert_refused "--out into a missing folder"
assert_eq "$(serials)" "$before" "nothing was recorded"
mkdir "$T_DIR/adir"
issue k "$T_DIR/adir"
assert_refused "--out a folder"
assert_cmd "the folder is still a folder" test -d "$T_DIR/adir"
assert_eq "$(serials)" "$before" "nothing was recorded"
ln -s "$T_DIR/nowhere/x" "$T_DIR/dangling"
issue k "$T_DIR/dangling"
assert_refused "--out a dangling link"
assert_eq "$(serials)" "$before" "nothing was recorded"
for f in registry.sqlite registry.sqlite-wal registry.sqlite-shm; do
	issue k "$JPKI_DATA/$f"
	assert_refused "--out the registry's $f"
done
issue k "$JPKI_DATA/../data/./registry.sqlite"
assert_refused "--out the registry by another path"
ln "$JPKI_DATA/registry.sqlite" "$T_DIR/hardlink" 2>/dev/null && {
	issue k "$T_DIR/hardlink"
	assert_refused "--out a hard link to the registry"
}
jp card new "$JPKI_DATA/registry.sqlite"
assert_refused "a card image over the registry"
jp card info "$JPKI_DATA/registry.sqlite-wal"
assert_refused "the registry's WAL as a card image"
assert_eq "$(serials)" "$before" "nothing was recorded by any of these"
assert_eq "$(reg_integrity)" ok "the registry is whole"
jp crl --kind sign --out /nonexistent/dir/x.crl
assert_refused "crl --out into a missing folder"
assert_cmd_fails "and drew no cRLNumber" test -e "$JPKI_DATA/ca/sign/crl-number"

# -- a regular file: replaced atomically, no temporary left behind
echo old >"$T_DIR/a.pem"
ino=$(stat -c %i "$T_DIR/a.pem")
issue k "$T_DIR/a.pem"
assert_rc 0 "--out an existing regular file"
assert_cmd "it holds the certificate" openssl x509 -in "$T_DIR/a.pem" -noout
assert_eq "$(stat -c %a "$T_DIR/a.pem")" 644 "mode 0644"
[ "$(stat -c %i "$T_DIR/a.pem")" != "$ino" ] && pass "replaced by a new file (rename)" || fail "written in place"
assert_eq "$(find "$T_DIR" -maxdepth 1 -name 'a.pem.tmp.*' | wc -l)" 0 "no temporary file left"

# -- a character device: written in place, still a device
if mknod "$T_DIR/null" c 1 3 2>/dev/null; then
	issue k2 "$T_DIR/null" --replace
	assert_rc 0 "--out a null device"
	assert_eq "$(stat -c %F "$T_DIR/null")" "character special file" "the device is still a device"
else
	note "mknod not permitted here: the device case is covered by /dev/full below"
fi
assert_eq "$(stat -c %F /dev/null)" "character special file" "/dev/null is untouched"

# -- a FIFO: written in place
mkfifo "$T_DIR/fifo"
cat "$T_DIR/fifo" >"$T_DIR/from-fifo" &
reader=$!
issue k "$T_DIR/fifo" --replace
assert_rc 0 "--out a FIFO"
wait "$reader"
assert_cmd "the FIFO carried the certificate" openssl x509 -in "$T_DIR/from-fifo" -noout
assert_eq "$(stat -c %F "$T_DIR/fifo")" "fifo" "the FIFO is still a FIFO"

# -- a symbolic link: the link stays, its target gets the certificate
echo old >"$T_DIR/target.pem"
ln -s "$T_DIR/target.pem" "$T_DIR/link.pem"
issue k2 "$T_DIR/link.pem" --replace
assert_rc 0 "--out a symbolic link"
assert_cmd "the link is still a link" test -L "$T_DIR/link.pem"
assert_cmd "its target holds the certificate" openssl x509 -in "$T_DIR/target.pem" -noout

# -- standard output, by "-" and by /dev/stdout
issue k - --replace
assert_rc 0 "--out -"
assert_contains "$OUT" "BEGIN CERTIFICATE" "the certificate on standard output"
issue k2 /dev/stdout --replace
assert_rc 0 "--out /dev/stdout"
assert_contains "$OUT" "BEGIN CERTIFICATE" "the certificate through /dev/stdout"
assert_cmd "/dev/stdout is still a link" test -L /dev/stdout

# -- the output fails after the record (a full device): exit 1, the serial said, a retry is refused
issue k /dev/full
assert_rc 1 "--out /dev/full fails"
assert_contains "$ERR" "the certificate is recorded; get it with \`jpki cert show" "it says the certificate is recorded"
got=$(printf '%s\n' "$ERR" | sed -n 's/.*jpki cert show \([0-9A-F]*\) --pem.*/\1/p')
jp cert show "$got" --pem
assert_rc 0 "the recorded certificate can be fetched"
assert_contains "$OUT" "status: valid" "and it is the current one"
current=$(serials)
issue k "$T_DIR/retry.pem"
assert_refused "the retry for the same key"
assert_eq "$(serials)" "$current" "the retry superseded nothing"
finish
