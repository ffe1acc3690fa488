#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/app/run-under-xvfb.sh: run a command in its own headless desktop.
#
# Usage: run-under-xvfb.sh COMMAND [ARGS...]
#
# Gives COMMAND a private Xvfb (screen 1280x800x24, or $XG_XVFB_SCREEN),
# a private D-Bus session (dbus-run-session) and private HOME and XDG
# folders, all removed again at the end; its exit status is COMMAND's.
# With XG_TEST_KEYRING=1 the bus also has a real gnome-keyring with an
# unlocked login keyring. The environment is set *before* the bus starts,
# because services the bus activates (the accessibility bus, portals, a
# keyring) inherit the bus daemon's environment, not the client's. Xvfb
# picks a free display itself (-displayfd), so parallel tests never race
# for one the way `xvfb-run -a` can.
set -eu

if [ $# -eq 0 ]; then
	sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xinge-xvfb-XXXXXX")
xvfb_pid=
cleanup() {
	if [ -n "$xvfb_pid" ]; then
		kill "$xvfb_pid" 2>/dev/null || true
		wait "$xvfb_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp"; } || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache"
mkdir -m 700 "$tmp/runtime"
export HOME="$tmp/home"
export XDG_RUNTIME_DIR="$tmp/runtime"
export XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_CACHE_HOME="$tmp/cache"
# GTK 4.8 knows "cairo" and "gl"; Xvfb has no GPU.
export GSK_RENDERER="${GSK_RENDERER:-cairo}"
export GDK_BACKEND=x11
export GSETTINGS_BACKEND="${GSETTINGS_BACKEND:-memory}"
# No portals in a test desktop: libadwaita reads the colour scheme itself,
# and the file chooser is GTK's own.
export ADW_DISABLE_PORTAL=1
export GTK_USE_PORTAL=0

Xvfb -displayfd 3 -screen 0 "${XG_XVFB_SCREEN:-1280x800x24}" -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
tries=0
while [ ! -s "$tmp/display" ]; do
	tries=$((tries + 1))
	if [ "$tries" -gt 200 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
		echo "run-under-xvfb: Xvfb did not start:" >&2
		cat "$tmp/xvfb.log" >&2
		exit 1
	fi
	sleep 0.05
done
DISPLAY=":$(cat "$tmp/display")"
export DISPLAY

# The test's bus activates only the accessibility bus: no portals (their
# document portal leaves a FUSE mount behind), no keyring unless asked
# for below, no dconf (GSettings uses its memory backend).
mkdir -p "$tmp/services"
if [ -e /usr/share/dbus-1/services/org.a11y.Bus.service ]; then
	cp /usr/share/dbus-1/services/org.a11y.Bus.service "$tmp/services/"
fi
cat >"$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=$tmp/runtime</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$tmp/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

status=0
if [ "${XG_TEST_KEYRING:-0}" = 1 ]; then
	# A real, unlocked login keyring on the private bus, ready before the
	# command starts (clients that come first race the daemon).
	for tool in gnome-keyring-daemon gdbus; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "run-under-xvfb: $tool not found (packages: gnome-keyring libglib2.0-bin)" >&2
			exit 77
		fi
	done
	dbus-run-session --config-file="$tmp/bus.conf" -- sh -c '
		set -e
		printf "%s" "xinge-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
		gdbus wait --session --timeout 10 org.freedesktop.secrets
		exec "$@"
	' run-under-xvfb "$@" || status=$?
else
	dbus-run-session --config-file="$tmp/bus.conf" -- "$@" || status=$?
fi
exit "$status"
