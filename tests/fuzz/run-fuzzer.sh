#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-fuzzer.sh [SECONDS]
#
# Builds the libFuzzer targets tests/fuzz/fuzz-decoder and fuzz-server with
# clang in their own build directory and fuzzes the protocol decoder and the
# server's receive path for SECONDS in all (default 30, half each),
# starting from copies of tests/fuzz/corpus/ and corpus-server/ (the seeds
# in git stay as they are). Exits non-zero if a fuzzer finds a crash, leak,
# timeout or sanitizer error; the input that triggered it is kept in
# BUILDDIR/fuzz-artifacts/ (named after its target) and replays with
#   BUILDDIR/tests/fuzz/fuzz-TARGET ARTIFACT
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

# Two targets share the time: fuzz-decoder (the protocol decoder) and
# fuzz-server (the server's receive path: TLS handshake and records, frames,
# dispatch, handlers, store). Warnings stay errors in the normal builds; a
# newer clang's new warning must not stop a fuzzing run.
options="-Dfuzzers=enabled -Dserver=true -Dapp=false -Dwerror=false -Dbuildtype=debugoptimized"
if [ -f "$builddir/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson configure "$builddir" $options >/dev/null
else
  # shellcheck disable=SC2086
  CC=$cc meson setup "$builddir" "$top" $options
fi
ninja -C "$builddir" tests/fuzz/fuzz-decoder tests/fuzz/fuzz-server

artifacts=$builddir/fuzz-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/xg-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# GSlice off, so ASan sees every GVariant allocation on its own.
export G_SLICE=always-malloc
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:intercept_tls_get_addr=0}"  # see tools/test.sh
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

half=$((seconds / 2))
[ "$half" -ge 1 ] || half=1
failed=0
for target in decoder server; do
  case $target in
    decoder) corpus=corpus; budget=$((seconds - half)); [ "$budget" -ge 1 ] || budget=1 ;;
    server) corpus=corpus-server; budget=$half ;;
  esac
  fuzzer=$builddir/tests/fuzz/fuzz-$target
  cp -R "$here/$corpus" "$work/$corpus"
  status=0
  # shellcheck disable=SC2086
  "$fuzzer" -max_len=65536 -max_total_time="$budget" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" ${XG_FUZZ_ARGS:-} \
    "$work/$corpus" >"$work/$target.log" 2>&1 || status=$?

  echo "== fuzz-$target, $budget s"
  grep -E '^(INFO: seed corpus|#[0-9]+ +DONE|Done [0-9]+ runs|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb))' \
    "$work/$target.log" || true
  echo "corpus: $(find "$here/$corpus" -type f | wc -l) seeds, $(find "$work/$corpus" -type f | wc -l) after fuzzing"
  if [ "$status" -ne 0 ]; then
    echo "--- fuzz-$target log (tail) ---"
    tail -n 60 "$work/$target.log"
    echo "FAILED: fuzz-$target exited with status $status; artifacts in $artifacts/" >&2
    failed=1
  fi
done

[ "$failed" -eq 0 ] || exit 1
echo "OK: no crash in $seconds seconds"
