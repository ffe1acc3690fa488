#!/usr/bin/env bash
# Set up everything, build, and run Xinge. For now that is a local xinge-server in
# the foreground with its embedded defaults (listen 127.0.0.1:7447, data in the
# per-user data dir); the desktop app will join it here and become the default.
#
# Usage: tools/run.sh [--server-only] [-- SERVER-ARGS...]
#   --server-only   run only the server (the default for now)
#   -- ARGS         pass ARGS to xinge-server, e.g. -- --listen 127.0.0.1:9000
#                   (`tools/run.sh -- --help` lists the server's flags)
# Stop it with Ctrl-C (or SIGTERM): the server logs everyone out and exits.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() {
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

server_args=()
while [ $# -gt 0 ]; do
	case "$1" in
		--server-only) shift ;;
		-h | --help)
			usage
			exit 0
			;;
		--)
			shift
			server_args=("$@")
			break
			;;
		*)
			echo "run.sh: unknown argument: $1" >&2
			echo "run.sh: to pass it to the server, put it after --: tools/run.sh -- $*" >&2
			exit 2
			;;
	esac
done

bash "$root/tools/install-deps.sh"

builddir=_build
echo "== run.sh: build $builddir"
if [ ! -f "$builddir/meson-private/coredata.dat" ]; then
	meson setup "$builddir"
fi
meson compile -C "$builddir"

server="$root/$builddir/server/xinge-server"
if [ ! -x "$server" ]; then
	echo "run.sh: $server was not built (no server main program yet, or configured with -Dserver=false?)" >&2
	exit 1
fi

# Where the server will keep its data and write mail, as far as its flags say.
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/xinge-server"
listen="127.0.0.1:7447"
config=""
transport="TLS; the certificate fingerprint is printed at start"
i=0
while [ "$i" -lt "${#server_args[@]}" ]; do
	arg=${server_args[$i]}
	next=${server_args[$((i + 1))]:-}
	case "$arg" in
		--data-dir) data_dir=$next ;;
		--data-dir=*) data_dir=${arg#--data-dir=} ;;
		--listen) listen=$next ;;
		--listen=*) listen=${arg#--listen=} ;;
		--config) config=$next ;;
		--config=*) config=${arg#--config=} ;;
		--insecure-plain) transport="plain TCP, development only" ;;
	esac
	i=$((i + 1))
done

echo
echo "Xinge server"
echo "  listening on: $listen ($transport)"
echo "  data:         $data_dir/"
echo "  outbox:       $data_dir/outbox/"
echo "Verification codes: each registration mail is written as a file to the outbox"
echo "above; the server's log names the file (never the code itself)."
if [ -n "$config" ]; then
	echo "(With --config $config: its [server]/[mail] settings may change the above.)"
fi
echo "Stop with Ctrl-C."
echo

# exec: Ctrl-C and SIGTERM go straight to the server.
exec "$server" "${server_args[@]}"
