#!/usr/bin/env bash
# Install every Debian package Xinge needs to build, test, run and package, and
# generate the locales the app is translated into and tested in (zh_CN.UTF-8).
#
# Instant and offline when everything is already there: it asks dpkg what is
# installed and only calls apt-get (update once, then install) for what is missing.
# Runs as root directly, otherwise through sudo (needed only when installing).
#
# Usage: tools/install-deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is
set -euo pipefail

# The one list of packages. Keep it grouped; one comment per group.
packages=(
	# build: compiler, build system, code generation
	build-essential meson ninja-build pkg-config python3 libglib2.0-dev libglib2.0-bin
	# server: TLS, storage, password hashing, mail
	glib-networking libsodium-dev libsqlite3-dev sqlite3 libgnutls28-dev gnutls-bin
	libcurl4-gnutls-dev
	# tests: SMTP listener, fuzzing and sanitizers, headless X/D-Bus/keyring,
	# accessibility-driven UI tests, screenshots, CJK fonts and locales
	python3-aiosmtpd python3-gi clang-14 libclang-rt-14-dev
	gnome-keyring libsecret-tools dbus dbus-x11 xvfb xauth at-spi2-core
	python3-pyatspi gir1.2-atspi-2.0 gir1.2-gtk-4.0 gir1.2-adw-1 imagemagick x11-apps
	fonts-noto-cjk locales
	# app: GTK 4, libadwaita, keyring access, translations
	libgtk-4-dev libadwaita-1-dev libsecret-1-dev gettext
	# packaging: desktop file and AppStream validation, Flatpak manifest checks
	desktop-file-utils appstream flatpak-builder ca-certificates
)

check_only=false
case "${1:-}" in
	--check) check_only=true ;;
	-h | --help)
		sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	"") ;;
	*)
		echo "install-deps: unknown argument: $1 (try --help)" >&2
		exit 2
		;;
esac

# Print the packages of the list that are not fully installed, one per line.
missing_packages() {
	local installed
	# dpkg-query exits 1 when some names are unknown to it; those are missing too.
	installed=$(dpkg-query -W -f='${Package}\t${Status}\n' "${packages[@]}" 2>/dev/null |
		awk -F'\t' '$2 == "install ok installed" { print $1 }' || true)
	local p
	for p in "${packages[@]}"; do
		if ! grep -qxF -- "$p" <<<"$installed"; then
			echo "$p"
		fi
	done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: dpkg-query not found: this script needs Debian 12 (or a derivative)" >&2
	exit 1
fi

# The locales the UI tests and screenshots run in, and the one a Chinese user
# runs tools/run.sh in: without it setlocale () falls back to C and the app
# shows English whatever LANG says.
locales=(zh_CN.UTF-8)

missing_locales() {
	local available l
	available=$(locale -a 2>/dev/null | sed 's/\.utf-\{0,1\}8$/.UTF-8/I' || true)
	for l in "${locales[@]}"; do
		if ! grep -qixF -- "$l" <<<"$available"; then
			echo "$l"
		fi
	done
}

run_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "install-deps: not root and sudo is not installed; as root run: $*" >&2
		return 1
	fi
}

ensure_locales() {
	local missing l
	mapfile -t missing < <(missing_locales)
	if [ "${#missing[@]}" -eq 0 ]; then
		return 0
	fi
	echo "install-deps: missing locale(s): ${missing[*]}"
	if $check_only; then
		return 1
	fi
	for l in "${missing[@]}"; do
		run_as_root sed -i "s/^# *\(${l//./\\.} UTF-8\)/\1/" /etc/locale.gen
		if ! grep -q "^${l//./\\.} UTF-8" /etc/locale.gen; then
			echo "$l UTF-8" | run_as_root tee -a /etc/locale.gen >/dev/null
		fi
	done
	run_as_root locale-gen
	mapfile -t missing < <(missing_locales)
	if [ "${#missing[@]}" -ne 0 ]; then
		echo "install-deps: still missing after locale-gen: ${missing[*]}" >&2
		return 1
	fi
	echo "install-deps: generated ${locales[*]}"
}

mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages are installed"
	ensure_locales
	exit
fi

echo "install-deps: missing ${#missing[@]} package(s): ${missing[*]}"
if $check_only; then
	ensure_locales || true
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: not root and sudo is not installed; as root run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for a dpkg lock held by another apt (e.g. unattended-upgrades) instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=600)

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null

mapfile -t still_missing < <(missing_packages)
if [ "${#still_missing[@]}" -ne 0 ]; then
	echo "install-deps: still missing after apt-get install: ${still_missing[*]}" >&2
	exit 1
fi
echo "install-deps: installed ${missing[*]}"
ensure_locales
