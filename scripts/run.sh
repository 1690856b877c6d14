#!/bin/sh
# make run: the service on its embedded default (SQLite and key files in a local data folder).
# First run: creates the data folder, a random CA passphrase file (mode 0600) unless
# JPKI_CA_PASSPHRASE or JPKI_CA_PASSPHRASE_FILE is set, both CAs and the registry, and (jpki
# init again) a local TLS CA with an HTTPS certificate for localhost and 127.0.0.1 (the linking
# service, the demo portal), renewed here when it is within 30 days of its end.
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
# HTTPS for the linking service and the demo portal: the certificate jpki init made in
# $data/tls/ from its local TLS CA (a real deployment may supply its own: docs/operations.md).
# A data folder of an older make run has a self-signed tls/cert.pem instead: it is kept.
tls=$data/tls
renew=$("$jpki" tls renew)
case $renew in *"certificate renewed"*) printf '%s\n' "$renew" ;; esac
tls_port=${tls_listen##*:}
if [ -f "$tls/ca.pem" ]; then
	echo "HTTPS: trust the local TLS CA $tls/ca.pem, e.g."
	echo "  curl --cacert $tls/ca.pem https://localhost:$tls_port/health"
	echo "  (a browser: import it as a certificate authority, or accept its warning once)"
else
	echo "HTTPS: $tls/cert.pem is not from a local TLS CA (an older make run made it self-signed):"
	echo "  curl --cacert $tls/cert.pem https://localhost:$tls_port/health; or"
	echo "  \`$jpki tls renew --force\` replaces it with one from a local TLS CA"
fi
exec "$jpki" serve --listen "$listen" --tls-listen "$tls_listen"
