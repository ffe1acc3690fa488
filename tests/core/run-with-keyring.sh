#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-with-keyring.sh TEST [ARGS…]
#
# Runs TEST against a real gnome-keyring-daemon in a private D-Bus session,
# in a throwaway home, as docs/testing.md describes: the XDG folders point
# into a temporary folder *before* dbus-run-session (activated daemons
# inherit the bus daemon's environment), the login keyring is created and
# unlocked with a password on stdin, and the test starts only once
# org.freedesktop.secrets is on the bus. The temporary folder is removed
# afterwards. Exits 77 (meson's "skipped") when a tool is missing.

set -eu

for tool in dbus-run-session gnome-keyring-daemon gdbus secret-tool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "run-with-keyring.sh: $tool not found (packages: gnome-keyring libsecret-tools dbus dbus-x11)" >&2
    exit 77
  fi
done

if [ $# -lt 1 ]; then
  echo "usage: $0 TEST [ARGS…]" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-keyring.XXXXXX")
cleanup () {
  # The daemon leaves when its bus goes away; give it a moment to finish
  # writing before its folder goes.
  rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp"; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/runtime" "$tmp/data" "$tmp/config" "$tmp/cache"
chmod 700 "$tmp" "$tmp/runtime"

export HOME="$tmp"
export XDG_RUNTIME_DIR="$tmp/runtime"
export XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_CACHE_HOME="$tmp/cache"
# Nothing of the caller's own session may leak in.
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY
# Tells the test it runs against this throwaway keyring, not a real one.
export XG_TEST_PRIVATE_KEYRING="$tmp"

status=0
dbus-run-session -- sh -c '
  set -e
  printf "%s" "xinge-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  gdbus wait --session --timeout 10 org.freedesktop.secrets
  exec "$@"
' run-with-keyring "$@" || status=$?
exit "$status"
