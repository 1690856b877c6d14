#!/bin/sh
# make run: the service on its embedded default (SQLite and key files in a local data folder).
# First run: creates the data folder, a random CA passphrase file (mode 0600) unless
# JPKI_CA_PASSPHRASE or JPKI_CA_PASSPHRASE_FILE is set, both CAs and the registry, and a
# self-signed HTTPS certificate for localhost (the linking service, the demo portal).
set -eu
jpki=$1 data=$2 listen=$3 tls_listen=${4:-127.0.0.1:8443}
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
# HTTPS for the linking service and the demo portal: a self-signed certificate for
# localhost, made once (a real deployment supplies its own: docs/operations.md)
tls=$data/tls
if [ ! -f "$tls/key.pem" ]; then
	mkdir -p "$tls"
	(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls/key.pem" \
		-out "$tls/cert.pem" -days 825 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null)
	echo "made a self-signed HTTPS certificate for localhost in $tls/cert.pem"
fi
exec "$jpki" serve --listen "$listen" --tls-listen "$tls_listen" --tls-cert "$tls/cert.pem" \
	--tls-key "$tls/key.pem"
