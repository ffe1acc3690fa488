#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-fuzzer.sh [SECONDS]
#
# Builds the libFuzzer target tests/fuzz/fuzz-decoder with clang in its own
# build directory and fuzzes the protocol decoder for SECONDS (default 30),
# starting from a copy of tests/fuzz/corpus/ (the seeds in git stay as they
# are). Exits non-zero if the fuzzer finds a crash, leak, timeout or
# sanitizer error; the input that triggered it is kept in
# BUILDDIR/fuzz-artifacts/ and replays with
#   BUILDDIR/tests/fuzz/fuzz-decoder ARTIFACT
#
# Environment: CC (default clang-14), XG_FUZZ_BUILDDIR (default build-fuzz
# at the top of the tree), XG_FUZZ_ARGS (extra libFuzzer flags, e.g. -jobs=4).
set -eu

seconds=${1:-30}
case $seconds in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${XG_FUZZ_BUILDDIR:-$top/build-fuzz}
cc=${CC:-clang-14}

# The fuzzer only needs the protocol library. Warnings stay errors in the
# normal builds; a newer clang's new warning must not stop a fuzzing run.
options="-Dfuzzers=enabled -Dserver=false -Dwerror=false -Dbuildtype=debugoptimized"
if [ -f "$builddir/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson configure "$builddir" $options >/dev/null
else
  # shellcheck disable=SC2086
  CC=$cc meson setup "$builddir" "$top" $options
fi
ninja -C "$builddir" tests/fuzz/fuzz-decoder

fuzzer=$builddir/tests/fuzz/fuzz-decoder
artifacts=$builddir/fuzz-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/xg-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp -R "$here/corpus" "$work/corpus"

# GSlice off, so ASan sees every GVariant allocation on its own.
export G_SLICE=always-malloc
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
# shellcheck disable=SC2086
"$fuzzer" -max_len=65536 -max_total_time="$seconds" -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" ${XG_FUZZ_ARGS:-} \
  "$work/corpus" >"$work/log" 2>&1 || status=$?

grep -E '^(INFO: seed corpus|#[0-9]+ +DONE|Done [0-9]+ runs|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb))' \
  "$work/log" || true
echo "corpus: $(find "$here/corpus" -type f | wc -l) seeds, $(find "$work/corpus" -type f | wc -l) after fuzzing"

if [ "$status" -ne 0 ]; then
  echo "--- fuzzer log (tail) ---"
  tail -n 60 "$work/log"
  echo "FAILED: the fuzzer exited with status $status; artifacts in $artifacts/" >&2
  exit 1
fi
echo "OK: no crash in $seconds seconds"
