#!/usr/bin/env bash
# The long fault run of chat (docs/BENCHMARKS.md): the server is killed
# with SIGKILL at random moments while messages stream between clients, and
# restarted, KILLS times (default 1000); every message that got
# MSG_SENT_ACK must be in the receiver's database exactly once, under its
# acknowledged sequence number, with no gap. The default test suite runs
# the same test with 10 kills.
#
# With --groups it runs the group version instead (tests/server/
# test-group-chat.c, /group-chat/sigkill): three members of one group, two
# of them writing each round; every acknowledged group message must reach
# every other member exactly once, gapless.
#
# Usage: tools/chat-kill-run.sh [--groups] [KILLS] [BUILDDIR]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
test_name=test-chat
test_path=/chat/sigkill
if [ "${1:-}" = "--groups" ]; then
	test_name=test-group-chat
	test_path=/group-chat/sigkill
	shift
fi
kills=${1:-1000}
build=${2:-$root/_build}

if [ ! -x "$build/tests/server/$test_name" ]; then
	meson setup "$build" "$root" >/dev/null
fi
ninja -C "$build" "tests/server/$test_name" server/xinge-server >/dev/null

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0
XG_TEST_KILLS=$kills XG_SERVER_BINARY="$build/server/xinge-server" \
	"$build/tests/server/$test_name" -p "$test_path" >"$log" 2>&1 || status=$?
grep -E '^(ok|not ok|Bail out|# .*kills)' "$log" || tail -20 "$log"
echo "chat-kill-run: $test_path, $kills kills in $(($(date +%s) - start)) s, exit status $status"
exit "$status"
