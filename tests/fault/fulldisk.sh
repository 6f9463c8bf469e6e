#!/bin/sh
# A full disk, for real: a tiny tmpfs mounted in a private mount namespace
# (`unshare -rm`, a user namespace, so no root is needed; skipped with a
# message where the kernel or the container forbids it).
#
#  1. The output folder on a 1 MB tmpfs: good reports first, then the disk
#     filled to leave 0, 4 k, ... 512 k free, and a run each time: the status
#     is 0 (and the reports complete) or 73/74 with one line on stderr, the
#     previous reports stay byte for byte, no temporary file stays, and once
#     the space is back a clean run succeeds.
#  2. The history database on the full disk: status 74, one line, the
#     database still intact.
#  3. /tmp full (where libxlsxwriter keeps its temporary XML files) while the
#     output folder has room: the run must fail or write the same reports;
#     it must never put a damaged workbook in place of the good one.
#
#   sh tests/fault/fulldisk.sh [BIN]
set -u
BIN=${1:-./kvalrap}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$ROOT"

if [ -z "${KV_FULLDISK_INNER:-}" ]; then
    if ! command -v unshare >/dev/null; then
        echo "fulldisk: skipped: unshare(1) is not installed"
        exit 0
    fi
    if ! why=$(unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs /mnt' 2>&1); then
        echo "fulldisk: skipped: cannot mount a tmpfs in a user namespace here ($why)"
        exit 0
    fi
    KV_FULLDISK_INNER=1 exec unshare -rm sh "$SELF" "$BIN"
fi

# ------------------------------------------------------------------ inside the namespace
mkdir -p "$ROOT/build/fault"
W=$(mktemp -d "$ROOT/build/fault/fulldisk.XXXXXX")
trap 'umount "$W/disk" 2>/dev/null; rm -rf "$W"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
export SOURCE_DATE_EPOCH=1793491200
E2E=tests/e2e/test.lua
REP=e2e/2026-10

run() { # run OUT [options]: one municipality; status in $st, stderr in $W/err
    out=$1
    shift
    "$BIN" run --period 2026-10 --out "$out" -j 1 "$@" "$E2E" >"$W/stdout" 2>"$W/err"
    st=$?
}
one_line() { # one_line NAME: stderr is exactly one "kvalrap: ..." line
    if [ "$(wc -l <"$W/err")" -eq 1 ] && grep -q '^kvalrap: ' "$W/err"; then ok; else
        bad "$1: stderr is not one 'kvalrap: ...' line: $(head -c 400 "$W/err" | tr '\n' '|')"
    fi
}
same_reports() { # same_reports NAME DIR: the reports equal the good ones
    if (cd "$2" && sha256sum --quiet -c "$W/good.sums" >/dev/null 2>&1); then ok; else
        bad "$1: reports changed: $(cd "$2" && sha256sum -c "$W/good.sums" 2>/dev/null | grep -v ': OK' | tr '\n' ' ')"
    fi
}
no_tmp() { # no_tmp NAME DIR
    left=$(find "$2" -name '.*.kvtmp*' | head -n 3)
    if [ -z "$left" ]; then ok; else bad "$1: temporary files left: $left"; fi
}
fill() { # fill DISK FREE-BYTES: leave about FREE bytes free
    rm -f "$1/filler"
    avail=$(df -B1 --output=avail "$1" | tail -n 1 | tr -d ' ')
    size=$((avail - $2))
    [ "$size" -gt 0 ] && head -c "$size" /dev/zero >"$1/filler" 2>/dev/null
    sync
}

# ---- 1. the output folder on a full disk
mkdir -p "$W/disk"
mount -t tmpfs -o size=1m tmpfs "$W/disk"
run "$W/disk/out"
if [ "$st" -eq 0 ]; then ok; else bad "the first run on the tmpfs: status $st: $(cat "$W/err")"; fi
(cd "$W/disk/out" && sha256sum $REP/kpis.json $REP/rejects.csv $REP/report.xlsx $REP/report.pdf) >"$W/good.sums"
runs=0 failed_runs=0
for free in 0 1024 4096 8192 16384 32768 65536 131072 200000 262144 524288; do
    fill "$W/disk" $free
    run "$W/disk/out"
    runs=$((runs + 1))
    case $st in
    0) same_reports "free $free: status 0" "$W/disk/out" ;;
    73 | 74)
        failed_runs=$((failed_runs + 1))
        ok
        one_line "free $free"
        same_reports "free $free: status $st" "$W/disk/out"
        grep -q -i "space" "$W/err" && ok || bad "free $free: the message does not say the disk is full: $(cat "$W/err")"
        ;;
    *) bad "free $free: status $st: $(head -c 300 "$W/err")" ;;
    esac
    [ -s "$W/stdout" ] && bad "free $free: output on stdout"
    no_tmp "free $free: after the failed run" "$W/disk/out"
    rm -f "$W/disk/filler"
    run "$W/disk/out"
    if [ "$st" -eq 0 ]; then ok; else bad "free $free: the run with space back: status $st: $(cat "$W/err")"; fi
    no_tmp "free $free: after the next run" "$W/disk/out"
    same_reports "free $free: after the next run" "$W/disk/out"
done
echo "fulldisk: output folder on a full tmpfs: $runs runs, $failed_runs refused with 73/74"

# ---- 2. the history database on a full disk
run "$W/disk/out" --history "$W/disk/history.sqlite"
if [ "$st" -eq 0 ]; then ok; else bad "history: the first run: status $st: $(cat "$W/err")"; fi
cp "$W/disk/history.sqlite" "$W/history.before"
fill "$W/disk" 0
run "$W/disk/out" --history "$W/disk/history.sqlite" --period 2026-09
case $st in
73 | 74) ok; one_line "history on a full disk" ;;
0) bad "history on a full disk: status 0" ;;
*) bad "history on a full disk: status $st: $(head -c 300 "$W/err")" ;;
esac
rm -f "$W/disk/filler"
if /usr/bin/python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1]); r = c.execute("pragma integrity_check").fetchone()[0]; sys.exit(r != "ok")' "$W/disk/history.sqlite" 2>/dev/null; then ok; else
    bad "history database damaged after a full disk"
fi
run "$W/disk/out" --history "$W/disk/history.sqlite" --period 2026-09
if [ "$st" -eq 0 ]; then ok; else bad "history: the run with space back: status $st: $(cat "$W/err")"; fi
umount "$W/disk"

# ---- 3. /tmp full, the output folder not
mkdir -p "$W/out3"
run "$W/out3"
(cd "$W/out3" && sha256sum $REP/kpis.json $REP/rejects.csv $REP/report.xlsx $REP/report.pdf) >"$W/good.sums"
mount -t tmpfs -o size=64k tmpfs /tmp
fill /tmp 0
run "$W/out3"
case $st in
0) same_reports "/tmp full: status 0" "$W/out3" ;;
73 | 74) ok; one_line "/tmp full"; same_reports "/tmp full: status $st" "$W/out3" ;;
*) bad "/tmp full: status $st: $(head -c 300 "$W/err")" ;;
esac
if /usr/bin/python3 -c 'import openpyxl,sys; openpyxl.load_workbook(sys.argv[1])' "$W/out3/$REP/report.xlsx" >/dev/null 2>&1; then ok; else
    bad "/tmp full: report.xlsx no longer opens (status $st)"
fi
umount /tmp

echo "fulldisk: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
