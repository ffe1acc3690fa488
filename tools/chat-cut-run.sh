#!/usr/bin/env bash
# The long link-cutting run of one-to-one chat (docs/BENCHMARKS.md): two
# client cores chat through a loopback TCP proxy that cuts their links to
# the server at random, CUTS times (default 1000); every message must end
# up on both sides exactly once, in one gapless sequence, and no model may
# show a message twice. The default test suite runs it with 15 cuts.
#
# Usage: tools/chat-cut-run.sh [CUTS] [BUILDDIR]
#   CUTS defaults to $XG_TEST_CUTS, else 1000. XG_TEST_CUT_EVERY_MS and
#   XG_TEST_SEND_PAUSE_MS (tests/core/test-chat.c) make the run push harder.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cuts=${1:-${XG_TEST_CUTS:-1000}}
build=${2:-$root/_build}

if [ ! -x "$build/tests/core/test-chat" ]; then
	meson setup "$build" "$root" >/dev/null
fi
ninja -C "$build" tests/core/test-chat server/xinge-server >/dev/null

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0
XG_TEST_CUTS=$cuts XG_SERVER_BINARY="$build/server/xinge-server" \
	"$build/tests/core/test-chat" -p /core/chat/link-cuts >"$log" 2>&1 || status=$?
grep -E '^(ok|not ok|Bail out|# .*links cut|# not delivered)' "$log" || tail -20 "$log"
if [ "$status" -ne 0 ]; then
	kept="${TMPDIR:-/tmp}/chat-cut-run-$(date +%Y%m%dT%H%M%S).log"
	cp "$log" "$kept"
	echo "chat-cut-run: the whole log is in $kept"
fi
echo "chat-cut-run: $cuts cuts in $(($(date +%s) - start)) s, exit status $status"
exit "$status"
