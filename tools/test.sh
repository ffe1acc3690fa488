#!/usr/bin/env bash
# Run every test: installs what is missing, builds, runs `meson test`, and closes
# with one line `tests: N passed, M failed` (`, K skipped` added when K > 0).
#
# Usage: tools/test.sh [--asan] [MESON-TEST-ARGS...]
#   --asan    build in _build-asan with AddressSanitizer + UBSan and test there
#             (default: build in _build)
#   anything else is passed to `meson test`, e.g. --suite server, -v, TESTNAME
#
# Exit status: 0 when at least one test ran and none failed; 1 otherwise.
# Environment: ASAN_OPTIONS / UBSAN_OPTIONS override the sanitizer defaults.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

asan=false
test_args=()
for arg in "$@"; do
	case "$arg" in
		--asan) asan=true ;;
		-h | --help)
			sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
			exit 0
			;;
		*) test_args+=("$arg") ;;
	esac
done

# A failure before any test could run: still close with the summary line.
fail_early() {
	echo "test.sh: $1" >&2
	echo "tests: 0 passed, 1 failed"
	exit 1
}

if ! bash "$root/tools/install-deps.sh"; then
	fail_early "installing dependencies failed (see above)"
fi

if $asan; then
	builddir=_build-asan
	setup_opts=('-Db_sanitize=address,undefined' -Db_lundef=false)
	# Leaks are errors. The GTK tests turn leak reports off for themselves
	# (tests/app/meson.build): GTK and fontconfig keep caches until exit.
	# intercept_tls_get_addr=0: up to GCC 13 and LLVM 16 the runtime's
	# __tls_get_addr interceptor takes a dynamic TLS block that happens to start
	# 16 bytes into a page for a glibc 2.19 header and reads garbage as its
	# bounds; LeakSanitizer's tracer then dies at exit ("Tracer caught signal
	# 11"), a failure with no leak in it. Our TLS is static, so nothing is lost.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1:intercept_tls_get_addr=0}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1}"
	# GLib < 2.76 has its own slice allocator, which hides errors from ASan.
	export G_SLICE=always-malloc
	# Sanitized code is 2-3x slower: give each test's timeout room.
	meson_test_defaults=(--timeout-multiplier 3)
else
	builddir=_build
	setup_opts=()
	meson_test_defaults=()
fi

echo "== test.sh: configure $builddir"
if [ -f "$builddir/meson-private/coredata.dat" ]; then
	setup_log=$(mktemp)
	if ! meson setup --reconfigure "$builddir" "${setup_opts[@]}" 2>&1 | tee "$setup_log"; then
		# Wipe only a build dir that an older/newer meson made; a broken
		# meson.build fails the same way afresh, and wiping it costs a full rebuild.
		if grep -q -- '--wipe' "$setup_log"; then
			rm -f "$setup_log"
			echo "test.sh: $builddir was made by another meson; configuring it afresh" >&2
			meson setup --wipe "$builddir" "${setup_opts[@]}" || fail_early "meson setup failed"
		else
			rm -f "$setup_log"
			fail_early "meson setup failed"
		fi
	fi
	rm -f "$setup_log"
else
	meson setup "$builddir" "${setup_opts[@]}" || fail_early "meson setup failed"
fi

echo "== test.sh: build $builddir"
meson compile -C "$builddir" || fail_early "build failed"

echo "== test.sh: test $builddir"
testlog="$builddir/meson-logs/testlog.json"
rm -f "$testlog"
meson test -C "$builddir" --print-errorlogs --num-processes 2 \
	"${meson_test_defaults[@]}" "${test_args[@]}" </dev/null
meson_status=$?

# Count results: one JSON object per line, field "result".
count_results() {
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 - "$1" <<-'EOF'
			import json, sys
			passed = failed = skipped = 0
			with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
			    for line in f:
			        line = line.strip()
			        if not line:
			            continue
			        result = json.loads(line).get("result")
			        if result in ("OK", "EXPECTEDFAIL"):
			            passed += 1
			        elif result == "SKIP":
			            skipped += 1
			        else:  # FAIL TIMEOUT ERROR UNEXPECTEDPASS INTERRUPT, or unknown
			            failed += 1
			print(passed, failed, skipped)
		EOF
	else
		awk '
			match($0, /"result": *"[A-Z]*"/) {
				r = substr($0, RSTART, RLENGTH); sub(/.*: *"/, "", r); sub(/"$/, "", r)
				if (r == "OK" || r == "EXPECTEDFAIL") p++
				else if (r == "SKIP") s++
				else f++
			}
			END { print p + 0, f + 0, s + 0 }' "$1"
	fi
}

passed=0 failed=0 skipped=0
if [ -f "$testlog" ]; then
	if counts=$(count_results "$testlog"); then
		read -r passed failed skipped <<<"$counts"
	else
		echo "test.sh: could not read $testlog" >&2
		failed=$((failed + 1))
	fi
fi

if [ "$meson_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	# meson test itself failed (bad arguments, interrupted, ...): that is a failure too.
	echo "test.sh: meson test exited with status $meson_status" >&2
	failed=1
fi

summary="tests: $passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then
	summary+=", $skipped skipped"
fi

if [ $((passed + failed)) -eq 0 ]; then
	echo "test.sh: no test ran" >&2
	echo "$summary"
	exit 1
fi
echo "$summary"
[ "$failed" -eq 0 ]
