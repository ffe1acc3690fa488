#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# heaptrack-server.sh ARGS...: runs $HT_SERVER (an xinge-server binary) with
# heaptrack's preload library, writing $HT_OUT.gz (default /tmp/ht), and keeps
# the server's pid, so that a benchmark started with --server heaptrack-server.sh
# measures and stops the server itself (docs/BENCHMARKS.md).
set -eu
out=${HT_OUT:-/tmp/ht}
lib=${HT_LIB:-/usr/lib/heaptrack}
rm -f "$out.fifo"
mkfifo "$out.fifo"
"$lib/libexec/heaptrack_interpret" < "$out.fifo" | gzip > "$out.gz" &
LD_PRELOAD="$lib/libheaptrack_preload.so" DUMP_HEAPTRACK_OUTPUT="$out.fifo" exec "$HT_SERVER" "$@"
