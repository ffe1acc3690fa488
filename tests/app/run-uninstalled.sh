#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/app/run-uninstalled.sh: the app as tools/run.sh starts it.
#
# Usage: run-uninstalled.sh XINGE CHECK-ACCESSIBLE [CHECKER-ARGS...]
#
# Starts XINGE (the binary in the build tree) in the language $XG_TEST_LANG
# as a desktop sets it (LANG only; LC_ALL and LANGUAGE unset), with
# XG_LOCALEDIR and GSETTINGS_SCHEMA_DIR as tools/run.sh exports them, and
# pointed at a server that is not there (the login window is what shows).
# Then runs CHECK-ACCESSIBLE on it with CHECKER-ARGS (e.g. --expect NAME)
# and exits with its status. Run it under run-under-xvfb.sh.
set -eu

if [ $# -lt 2 ]; then
	sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
xinge=$1
checker=$2
shift 2

unset LC_ALL LANGUAGE LC_MESSAGES
export LANG="${XG_TEST_LANG:?XG_TEST_LANG is not set}"
if ! locale -a 2>/dev/null | grep -qixF "$(echo "$LANG" | sed 's/UTF-8$/utf8/')"; then
	echo "run-uninstalled: the $LANG locale is missing (tools/install-deps.sh generates it)" >&2
	exit 1
fi

"$xinge" --server=127.0.0.1:9 >"$HOME/xinge.log" 2>&1 &
pid=$!
status=0
/usr/bin/python3 "$checker" "$pid" "$@" || status=$?
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
	echo "== the app's output:" >&2
	cat "$HOME/xinge.log" >&2
fi
exit "$status"
