#!/bin/sh
# make run: the service on its embedded default (SQLite and key files in a local data folder).
# First run: creates the data folder, a random CA passphrase file (mode 0600) unless
# JPKI_CA_PASSPHRASE or JPKI_CA_PASSPHRASE_FILE is set, both CAs and the registry.
set -eu
jpki=$1 data=$2 listen=$3
export JPKI_DATA="$data"
mkdir -p "$data"
chmod 700 "$data"
if [ -z "${JPKI_CA_PASSPHRASE:-}" ] && [ -z "${JPKI_CA_PASSPHRASE_FILE:-}" ]; then
	export JPKI_CA_PASSPHRASE_FILE="$data/ca-passphrase"
	if [ ! -f "$JPKI_CA_PASSPHRASE_FILE" ]; then
		umask 077
		openssl rand -hex 24 > "$JPKI_CA_PASSPHRASE_FILE"
		echo "made a CA passphrase in $JPKI_CA_PASSPHRASE_FILE (keep it, back it up)"
	fi
fi
"$jpki" init
exec "$jpki" serve --listen "$listen"
