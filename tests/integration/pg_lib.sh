# shellcheck shell=bash
#
# pg_lib.sh: a PostgreSQL server of the tests' own, on a loopback port, in a
# temporary folder (initdb, pg_ctl), stopped and removed at the end.  As
# root, the server runs as the postgres user (PostgreSQL refuses root).
# Clients reach it through its Unix socket in that folder, so the tests that
# run in a private network namespace (the card tests) reach it too.
#
#   pg_server_start DIR   start one (the cluster DIR holds, when a kept one is there); sets
#                         PG_BASE ("DIR PORT": where its socket is); PG_OPTS adds options
#   pg_server_stop DIR [keep]  stop it, and remove DIR unless keep
#   pg_standby_start DIR NAME  a streaming hot standby of the server at PG_BASE, made
#                         with pg_basebackup, named NAME to the primary (application_name,
#                         as synchronous_standby_names lists it); sets PG_BASE to it
#   pg_new_db NAME        a new database on it; prints its connection string
#   pg_drop_db NAME       drop it

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

pg_as() { # CMD...: as the server's owner
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_server_start() { # DIR
	local dir=$1 port i
	[ -x "$PG_BIN/initdb" ] || { echo "pg_lib: no PostgreSQL server (apt-get install postgresql)" >&2; return 1; }
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	[ -f "$dir/data/PG_VERSION" ] ||
		pg_as "$PG_BIN/initdb" -D "$dir/data" -U jpki --auth=trust -E UTF8 --locale=C.UTF-8 \
			>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
	for i in $(seq 1 20); do
		port=$((20000 + RANDOM % 20000))
		if pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o \
			"-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=200 ${PG_OPTS:-}" \
			start >/dev/null 2>&1; then
			chmod 755 "$dir"
			PG_BASE="$dir $port"
			export PG_BASE
			return 0
		fi
	done
	cat "$dir/server.log" >&2
	return 1
}

pg_standby_start() { # DIR NAME
	local dir=$1 name=$2 psock=${PG_BASE% *} pport=${PG_BASE#* } port i
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	pg_as "$PG_BIN/pg_basebackup" -h "$psock" -p "$pport" -U jpki -D "$dir/data" -X stream -R -c fast \
		>"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; return 1; }
	# -R wrote standby.signal and primary_conninfo; the name is ours to add
	printf "primary_conninfo = 'host=%s port=%s user=jpki application_name=%s'\n" \
		"$psock" "$pport" "$name" | pg_as tee -a "$dir/data/postgresql.auto.conf" >/dev/null
	for i in $(seq 1 20); do
		port=$((20000 + RANDOM % 20000))
		if pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o \
			"-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=200 -c hot_standby=on" \
			start >/dev/null 2>&1; then
			chmod 755 "$dir"
			PG_BASE="$dir $port"
			export PG_BASE
			return 0
		fi
	done
	cat "$dir/server.log" >&2
	return 1
}

pg_server_stop() { # DIR [keep]
	if [ -f "$1/data/postmaster.pid" ]; then # running (a second stop is no error, also under set -e)
		pg_as "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
	fi
	[ "${2:-}" = keep ] || rm -rf "$1"
}

pg_url() { # DB: its connection string (libpq's URI, through the socket)
	printf 'postgresql://jpki@/%s?host=%s&port=%s\n' "$1" "${PG_BASE% *}" "${PG_BASE#* }"
}

pg_new_db() { # NAME [TEMPLATE]
	psql "$(pg_url postgres)" -qAtc "CREATE DATABASE \"$1\"${2:+ TEMPLATE \"$2\"}" >/dev/null ||
		return 1
	pg_url "$1"
}

pg_drop_db() { # NAME
	psql "$(pg_url postgres)" -qAtc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1
}
