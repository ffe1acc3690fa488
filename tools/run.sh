#!/usr/bin/env bash
# Set up everything, build, and run Xinge: a local xinge-server with its embedded
# defaults (listening on 127.0.0.1:7447, data in the per-user data dir) and the
# desktop app pointed at it.
#
# Usage: tools/run.sh [--profile NAME] [--server-only] [-- SERVER-ARGS...]
#   --profile NAME  open the app with its own profile (its own settings, cache and
#                   keyring entry), e.g. a second person on the same machine:
#                   run `tools/run.sh` in one terminal and
#                   `tools/run.sh --profile bob` in another
#   --server-only   run only the server, in the foreground
#   -- ARGS         pass ARGS to xinge-server, e.g. -- --listen 127.0.0.1:9000
#                   (`tools/run.sh --server-only -- --help` lists the server's flags)
# The server started here stops when its app window closes (or on Ctrl-C).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() {
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

server_args=()
profile=""
server_only=false
while [ $# -gt 0 ]; do
	case "$1" in
		--server-only) server_only=true; shift ;;
		--profile)
			[ $# -ge 2 ] || { echo "run.sh: --profile needs a name" >&2; exit 2; }
			profile=$2
			shift 2
			;;
		--profile=*) profile=${1#--profile=}; shift ;;
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
app="$root/$builddir/src/app/xinge"

# Where the server keeps its data and writes mail, as far as its flags say.
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/xinge-server"
listen="127.0.0.1:7447"
i=0
while [ "$i" -lt "${#server_args[@]}" ]; do
	arg=${server_args[$i]}
	next=${server_args[$((i + 1))]:-}
	case "$arg" in
		--data-dir) data_dir=$next ;;
		--data-dir=*) data_dir=${arg#--data-dir=} ;;
		--listen) listen=$next ;;
		--listen=*) listen=${arg#--listen=} ;;
	esac
	i=$((i + 1))
done

banner() {
	echo
	echo "Xinge server on $listen"
	echo "  data:   $data_dir/"
	echo "  outbox: $data_dir/outbox/"
	echo "Verification codes: each mail is written as a plain text file to the outbox"
	echo "above (open it in any editor, or cat it); the server's log names the file"
	echo "(never the code itself)."
	echo
}

if $server_only; then
	banner
	echo "Stop with Ctrl-C."
	exec "$server" "${server_args[@]}"
fi

# A server already listening there (another run.sh, say) is used as it is.
host=${listen%:*}
port=${listen##*:}
server_pid=""
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
	echo "== run.sh: a server is already listening on $listen; using it"
else
	log=$(mktemp "${TMPDIR:-/tmp}/xinge-server.XXXXXX.log")
	"$server" "${server_args[@]}" >"$log" 2>&1 &
	server_pid=$!
	trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT INT TERM
	for _ in $(seq 1 100); do
		grep -q '^listening: ' "$log" && break
		kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; echo "run.sh: the server did not start" >&2; exit 1; }
		sleep 0.1
	done
	banner
	sed -n 's/^certificate sha256: /  certificate SHA-256: /p' "$log"
	echo "  log:    $log"
	# Each new mail's file, as the server logs it (until the server stops).
	tail -n 0 -F --pid="$server_pid" "$log" 2>/dev/null |
		sed -un 's/^.*Mail for \(.*\) written to \(.*\)$/== run.sh: mail for \1: \2/p' &
fi

# The app runs from the build tree: its settings schema and its translations
# (po/LANG/LC_MESSAGES/xinge.mo) are there too, as `meson devenv` has them.
export GSETTINGS_SCHEMA_DIR="$root/$builddir/data"
export XG_LOCALEDIR="$root/$builddir/po"
app_args=("--server=$listen")
[ -n "$profile" ] && app_args+=("--profile=$profile")
echo "== run.sh: $app ${app_args[*]}"
"$app" "${app_args[@]}"
