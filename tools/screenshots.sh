#!/usr/bin/env bash
# Render every window of the app into PNG files, in English and in Chinese.
#
# Usage: tools/screenshots.sh [OUTDIR]
#   OUTDIR    where the pictures go (default: data/screenshots)
# Environment: XG_BUILDDIR, the build directory to use (default: _build).
#
# It builds the app, the server and tests/app/xinge-screenshots, then runs
# the latter under tests/app/run-under-xvfb.sh once per language: a real
# server, real accounts, the real windows, each rendered by GTK itself.
# Files: <window>-en.png and <window>-zh_CN.png for login, login-error,
# forgot-password, registration, contacts-empty, add-friend, friend-requests,
# decline-dialog, main, friend-page, chat, new-group, join-group, group-chat,
# group-page, group-requests, profile, change-password,
# delete-account, preferences, shortcuts, about, forced-logout,
# reconnecting, reconnecting-dark and identity-changed; login.png,
# registration.png, main.png, chat.png, add-friend.png and friend-requests.png
# (English) are the ones the AppStream metainfo shows.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

case "${1:-}" in
	-h | --help)
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
esac

outdir=$(realpath -m "${1:-data/screenshots}")
builddir=${XG_BUILDDIR:-_build}

# Also generates the zh_CN.UTF-8 locale CJK text needs (with fonts-noto-cjk).
bash "$root/tools/install-deps.sh"

echo "== screenshots.sh: build $builddir"
if [ ! -f "$builddir/meson-private/coredata.dat" ]; then
	meson setup "$builddir"
fi
meson compile -C "$builddir"

mkdir -p "$outdir"
export XG_SERVER_BINARY="$root/$builddir/server/xinge-server"
export GSETTINGS_SCHEMA_DIR="$root/$builddir/data"
# The translations as built (po/LANG/LC_MESSAGES/xinge.mo), as tools/run.sh has them.
export XG_LOCALEDIR="$root/$builddir/po"
# Tall enough for the whole profile window.
export XG_XVFB_SCREEN=1280x1400x24
# "Remember me" is on, as for a new user: give it a real (private) keyring.
export XG_TEST_KEYRING=1

shoot() {
	local suffix=$1 locale=$2 language=$3
	echo "== screenshots.sh: $suffix"
	LC_ALL=$locale LANG=$locale LANGUAGE=$language \
		"$root/tests/app/run-under-xvfb.sh" \
		"$root/$builddir/tests/app/xinge-screenshots" "$outdir" "$suffix"
}

shoot en C.UTF-8 en
shoot zh_CN zh_CN.UTF-8 zh_CN

for name in login registration main chat add-friend friend-requests; do
	cp "$outdir/$name-en.png" "$outdir/$name.png"
done
echo "== screenshots.sh: done, pictures in $outdir"
