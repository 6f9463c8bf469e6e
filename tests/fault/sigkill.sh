#!/bin/sh
# SIGKILL at random moments: run the sample batch (every lua/*.lua, period
# 2026-10) again and again into one output folder and kill it with SIGKILL
# at a moment drawn from a fixed seed; after each kill every report in the
# folder must be whole and equal either the version that was there before
# or the complete new one.  Runs alternate between two SOURCE_DATE_EPOCHs,
# so the previous and the new version of each file differ, and both are
# known from two clean reference runs.  Most kills hit the whole process
# group (a crash, the OOM killer, a power cut); every fourth only the
# parent (its children finish on their own); every seventh one child
# process (the parent must name it and go on: status 70).  At the end a
# clean run must succeed and leave no temporary file.
#
#   sh tests/fault/sigkill.sh [BIN]        (KV_SIGKILL_RUNS=30, KV_SIGKILL_SEED=1)
set -u
BIN=${1:-./kvalrap}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RUNS=${KV_SIGKILL_RUNS:-30}
SEED=${KV_SIGKILL_SEED:-1}
T=$(mktemp -d "${TMPDIR:-/tmp}/kvsigkill.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
for tool in qpdf setsid sha256sum; do
    command -v $tool >/dev/null || { echo "sigkill: $tool is needed" >&2; exit 2; }
done
EPOCH_A=1793491200
EPOCH_B=1796169600
OUT=$T/out

batch() { # batch EPOCH DIR: a clean run
    SOURCE_DATE_EPOCH=$1 "$BIN" run --period 2026-10 --out "$2" -j 2 >"$T/clean.out" 2>&1
}
# Checksums of every report of a folder: "path sum" lines, sorted.
sums() { (cd "$1" && find . -type f ! -name '.*' | sort | xargs -r sha256sum | awk '{ print $2, $1 }'); }
whole() { # whole FILE: the report is complete and valid
    case $1 in
    *.pdf) qpdf --check "$1" >/dev/null 2>&1 ;;
    *.json) /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null ;;
    *.xlsx) /usr/bin/python3 -c 'import zipfile,sys; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$1" 2>/dev/null ;;
    *) test -f "$1" ;;
    esac
}

batch $EPOCH_A "$T/refA" || { echo "sigkill: the reference run failed: $(cat "$T/clean.out")" >&2; exit 1; }
batch $EPOCH_B "$T/refB" || { echo "sigkill: the reference run failed" >&2; exit 1; }
sums "$T/refA" >"$T/sumsA"
sums "$T/refB" >"$T/sumsB"
# Every reference report is whole, and the two epochs give different bytes.
for f in $(cut -d' ' -f1 "$T/sumsA"); do
    if whole "$T/refA/$f"; then ok; else bad "reference report $f is not whole"; fi
done
if cmp -s "$T/sumsA" "$T/sumsB"; then bad "the two epochs give the same bytes: the test could not tell old from new"; else ok; fi
nfiles=$(wc -l <"$T/sumsA")
cut -d' ' -f1 "$T/sumsA" >"$T/names"

# How long a whole batch takes, to spread the kills over it.
start=$(date +%s%N)
batch $EPOCH_B "$OUT" || { echo "sigkill: the first run failed" >&2; exit 1; }
ms=$((($(date +%s%N) - start) / 1000000))
cp "$T/sumsB" "$T/prev"
cmp -s "$T/prev" "$(sums "$OUT" >"$T/now" && echo "$T/now")" || bad "the first run's reports differ from the reference"
echo "sigkill: $nfiles reports; a batch takes $ms ms; $RUNS kills (seed $SEED)"

# Leftovers of a killed run, planted by hand in every report folder: the
# next run removes them all (the benchmark's folder too).
for d in $(cd "$OUT" && find . -mindepth 2 -maxdepth 2 -type d); do
    for f in "$OUT/$d"/*; do : >"$OUT/$d/.$(basename "$f").kvtmpPLANTD"; done
done
planted=$(find "$OUT" -name '.*.kvtmp*' | wc -l)
batch $EPOCH_B "$OUT"
left=$(find "$OUT" -name '.*.kvtmp*' | sed "s|$OUT/||" | tr '\n' ' ')
if [ -z "$left" ]; then ok; else bad "planted temporary files not swept by the next run: $left"; fi
echo "sigkill: $planted temporary files planted, $(echo $left | wc -w) left after a clean run"

# A deterministic generator: the moment of each kill, 0 .. 1.2 x the batch.
rand=$SEED
next_rand() { rand=$(((rand * 1103515245 + 12345) % 2147483648)); }
killed=0 finished=0 tmps_seen=0
i=1
while [ "$i" -le "$RUNS" ]; do
    if [ $((i % 2)) -eq 1 ]; then epoch=$EPOCH_A new=$T/sumsA; else epoch=$EPOCH_B new=$T/sumsB; fi
    next_rand
    delay=$((rand % (ms * 12 / 10 + 1)))
    if [ $((i % 7)) -eq 0 ]; then how=child; elif [ $((i % 4)) -eq 0 ]; then how=parent; else how=group; fi
    SOURCE_DATE_EPOCH=$epoch setsid "$BIN" run --period 2026-10 --out "$OUT" -j 2 >"$T/run.out" 2>"$T/run.err" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    case $how in
    group) kill -KILL -"$pid" 2>/dev/null ;;
    parent) kill -KILL "$pid" 2>/dev/null ;;
    child)
        c=$(pgrep -P "$pid" | head -n 1)
        if [ -n "$c" ]; then kill -KILL "$c" 2>/dev/null; else how="child (none running)"; fi
        ;;
    esac
    wait "$pid" 2>/dev/null
    st=$?
    # Orphaned children of a killed parent finish on their own: wait for them.
    n=0
    while kill -0 -"$pid" 2>/dev/null && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
    case $st in
    137) killed=$((killed + 1)) ;;
    0) finished=$((finished + 1)) ;;
    70)
        if [ "$how" = child ] && grep -q "crashed (Killed)" "$T/run.err"; then ok; else
            bad "run $i ($how kill at $delay ms): status 70: $(head -c 300 "$T/run.err")"
        fi
        ;;
    *) bad "run $i ($how kill at $delay ms): status $st: $(head -c 300 "$T/run.err")" ;;
    esac
    # Every report whole, and either the one before or the complete new one.
    sums "$OUT" >"$T/now"
    for f in $(cut -d' ' -f1 "$T/sumsA"); do
        was=$(awk -v f="$f" '$1 == f { print $2 }' "$T/prev")
        want=$(awk -v f="$f" '$1 == f { print $2 }' "$new")
        got=$(awk -v f="$f" '$1 == f { print $2 }' "$T/now")
        if [ -z "$got" ]; then
            bad "run $i ($how kill at $delay ms): $f has disappeared"
        elif [ "$got" = "$was" ] || [ "$got" = "$want" ]; then
            ok
        elif whole "$OUT/$f"; then
            bad "run $i ($how kill at $delay ms): $f is whole but neither the previous nor the new version"
        else
            bad "run $i ($how kill at $delay ms): $f is BROKEN"
        fi
    done
    extra=$(cut -d' ' -f1 "$T/now" | grep -v -x -F -f "$T/names" | head -n 3)
    if [ -z "$extra" ]; then ok; else bad "run $i: unexpected files in the output folder: $extra"; fi
    t=$(find "$OUT" -name '.*.kvtmp*' | wc -l)
    tmps_seen=$((tmps_seen + t))
    cp "$T/now" "$T/prev"
    i=$((i + 1))
done

# The next run: succeeds, sweeps every temporary file, writes complete reports.
SOURCE_DATE_EPOCH=$EPOCH_A "$BIN" run --period 2026-10 --out "$OUT" -j 2 >"$T/run.out" 2>"$T/run.err"
st=$?
if [ "$st" -eq 0 ]; then ok; else bad "the run after the kills: status $st: $(head -c 300 "$T/run.err")"; fi
if [ -s "$T/run.out" ] || [ -s "$T/run.err" ]; then bad "the run after the kills was not silent: $(head -c 300 "$T/run.err")"; else ok; fi
left=$(find "$OUT" -name '.*.kvtmp*')
if [ -z "$left" ]; then ok; else bad "temporary files left after the next run: $left"; fi
sums "$OUT" >"$T/now"
if cmp -s "$T/now" "$T/sumsA"; then ok; else bad "the reports after the next run differ from the reference: $(diff "$T/sumsA" "$T/now" | head -n 4 | tr '\n' ' ')"; fi

echo "sigkill: $killed runs killed, $finished finished before the kill, $tmps_seen temporary files seen right after the kills"
echo "sigkill: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
