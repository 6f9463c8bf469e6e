#!/bin/sh
# Reproduce one fault-injection run of tests/fault/torture.sh and keep
# everything: the output folder, stderr, the shim's log (the stack of the
# injected fault and of any crash), the sanitizers' reports.
#
#   sh tests/fault/repro.sh alloc|io|eio N [DIR]      (default DIR: build/fault/repro)
#
# The output folder starts with the reports of a clean run, as in torture.sh;
# after the run the script says what changed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mode=${1:?alloc, io or eio}
n=${2:?N}
D=${3:-build/fault/repro}
BIN=${KV_BIN:-build/fault/kvalrap}
SHIM=$ROOT/build/fault/shim.so
ASAN_BASE="detect_leaks=1:leak_check_at_exit=0:verify_asan_link_order=0:handle_segv=0:handle_sigbus=0:handle_abort=0:fast_unwind_on_malloc=0"
rm -rf "$D"
mkdir -p "$D"
D=$(cd "$D" && pwd)
export SOURCE_DATE_EPOCH=1793491200
"$BIN" run --period 2026-10 --out "$D/good" -j 1 tests/e2e/test.lua || exit 1
cp -a "$D/good" "$D/out"
case $mode in
alloc) fault="KV_FAIL_ALLOC=$n" ;;
io) fault="KV_FAIL_IO=$n KV_FAIL_IO_ERRNO=ENOSPC" ;;
eio) fault="KV_FAIL_IO=$n KV_FAIL_IO_ERRNO=EIO" ;;
*) echo "repro: mode is alloc, io or eio" >&2; exit 64 ;;
esac
# shellcheck disable=SC2086
env $fault KV_FAULT_SERIAL=1 ASAN_OPTIONS="$ASAN_BASE:log_path=$D/asan" UBSAN_OPTIONS="print_stacktrace=1:log_path=$D/ubsan" \
    KV_FAULT_LOG="$D/log" KV_FAULT_REPORT="$D/count" LD_PRELOAD="$SHIM" \
    "$BIN" run --period 2026-10 --out "$D/out" -j 1 --timeout 60 tests/e2e/test.lua >"$D/stdout" 2>"$D/stderr"
echo "exit status $?"
echo "--- stderr"; cat "$D/stderr"
echo "--- fault log"; cat "$D/log" 2>/dev/null
for f in "$D"/asan.* "$D"/ubsan.*; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done
echo "--- reports"
for f in kpis.json rejects.csv report.xlsx report.pdf; do
    if cmp -s "$D/good/e2e/2026-10/$f" "$D/out/e2e/2026-10/$f"; then echo "$f unchanged"; else echo "$f CHANGED"; fi
done
find "$D/out" -name '.*.kvtmp*'
