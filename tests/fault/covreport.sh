#!/bin/sh
# The coverage table of tests/coverage.mk, from gcov alone (no gcovr needed):
# per file of src/, the lines run and the branch outcomes taken at least
# once; the focus modules are marked and their untaken branches are listed
# in BUILD/uncovered-MODULE.txt ("line: source (outcomes not taken)").
#
#   sh tests/fault/covreport.sh build/cov ingest date rules
set -u
B=${1:-build/cov}
shift
FOCUS=${*:-ingest date rules}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
case $B in /*) ;; *) B=$ROOT/$B ;; esac
if ! ls "$B"/*.gcda >/dev/null 2>&1; then
    echo "covreport: no counters in $B (run 'make coverage')" >&2
    exit 1
fi
G=$B/gcov
rm -rf "$G"
mkdir -p "$G"
ln -s "$ROOT/src" "$G/src"    # gcov finds the sources by the path they were compiled with
printf '%-18s %7s %8s %9s %10s\n' "file" "lines" "line %" "branches" "branch %"
tl=0 tlr=0 tb=0 tbt=0 below=0
for src in src/*.c; do
    m=$(basename "$src" .c)
    [ -f "$B/$m.gcno" ] || continue
    # gcov writes m.c.gcov into the current folder.
    out=$(cd "$G" && gcov -b -c -o "$B" "$ROOT/$src" 2>/dev/null |
        awk -v f="$src" '/^File / { on = index($0, f "'"'"'") > 0 } on && /^Lines executed/ { print "L", $0 } on && /^Taken at least once/ { print "B", $0 } on && /^No branches/ { print "B none" }')
    lines=$(printf '%s\n' "$out" | sed -n 's/^L Lines executed:\([0-9.]*\)% of \([0-9]*\).*/\1 \2/p' | head -n 1)
    br=$(printf '%s\n' "$out" | sed -n 's/^B Taken at least once:\([0-9.]*\)% of \([0-9]*\).*/\1 \2/p' | head -n 1)
    [ -n "$lines" ] || lines="0 0"
    [ -n "$br" ] || br="0 0"
    set -- $lines $br
    lp=$1 ln=$2 bp=$3 bn=$4
    mark=""
    for f in $FOCUS; do [ "$f" = "$m" ] && mark="*"; done
    printf '%-18s %7d %7.1f%% %9d %9.1f%%\n' "$src$mark" "$ln" "$lp" "$bn" "$bp"
    tl=$((tl + ln))
    tlr=$(awk -v a="$tlr" -v p="$lp" -v n="$ln" 'BEGIN { printf "%d", a + p * n / 100 + 0.5 }')
    tb=$((tb + bn))
    tbt=$(awk -v a="$tbt" -v p="$bp" -v n="$bn" 'BEGIN { printf "%d", a + p * n / 100 + 0.5 }')
    if [ -n "$mark" ]; then
        awk '
            /^ *[-#=0-9*]+: *[0-9]+:/ { split($0, a, ":"); line = a[2] + 0; text = substr($0, index(substr($0, index($0, ":") + 1), ":") + index($0, ":") + 1); sub(/^ +/, "", text) }
            /^branch/ { n[line]++; if ($0 ~ /never executed/ || $0 ~ /taken 0%/ || $0 ~ /taken 0( |$)/) { u[line]++; t[line] = text } }
            END { for (l in u) printf "%d: %s  (%d of %d not taken)\n", l, t[l], u[l], n[l] }' "$G/$m.c.gcov" |
            sort -n >"$B/uncovered-$m.txt"
        awk -v p="$bp" 'BEGIN { exit !(p < 90) }' && below=1
    fi
done
printf '%-18s %7d %7.1f%% %9d %9.1f%%\n' "total" "$tl" "$(awk -v a="$tlr" -v n="$tl" 'BEGIN { print n ? 100 * a / n : 0 }')" \
    "$tb" "$(awk -v a="$tbt" -v n="$tb" 'BEGIN { print n ? 100 * a / n : 0 }')"
echo "(* the modules with the 90 % branch goal of issue 8; their untaken branches: $(for f in $FOCUS; do printf '%s ' "${B#"$ROOT"/}/uncovered-$f.txt"; done))"
[ "$below" -eq 0 ] || echo "coverage: a focus module is below 90 % of its branches"
exit 0
