#!/bin/sh
# The example rule files of lua/examples/: each must pass `kvalrap check`,
# run for 2026-10 on the sample data, and produce a kpis.json that holds
# every KPI the check listed and every custom KPI id the file declares.
#   sh tests/examples.sh [./kvalrap]
set -u
BIN=${1:-./kvalrap}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$ROOT" || exit 1
unset KVALRAP_CONFIG        # an installation's settings must not change the examples

pass=0
fail=0

# The ids of the file's kpi.custom { ... } blocks: the first `id = "..."`
# at or after each `kpi.custom {`, comments left out.
custom_ids() {
    awk '
        block { if (index($0, "]]")) block = 0; next }
        /^[ \t]*--\[(=*)\[/ { if (!index($0, "]]")) block = 1; next }
        /^[ \t]*--/ { next }
        /kpi\.custom[ \t]*\{/ { want = 1 }
        want && match($0, /(^|[^A-Za-z0-9_.])id[ \t]*=[ \t]*"[a-z][a-z0-9_]*"/) {
            s = substr($0, RSTART, RLENGTH)
            sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
            print s
            want = 0
        }
    ' "$1"
}

# The KPI ids that `kvalrap check` lists ("  kpi ID  title").
checked_ids() {
    awk '$1 == "kpi" { print $2 }' "$1"
}

# The KPI ids in a kpis.json, one a line.
json_ids() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json, sys
for k in json.load(open(sys.argv[1]))["kpis"]:
    print(k["id"])' "$1"
    else
        sed -n 's/^      "id": "\([^"]*\)",$/\1/p' "$1"
    fi
}

# The municipality id, which names the output folder, from the first line
# of `kvalrap check`: "FILE: NAME (ID), N datasets, ...".
municipality_id() {
    sed -n '1s/.*(\([a-z0-9_-]*\)), [0-9]* datasets.*/\1/p' "$1"
}

for rules in lua/examples/*.lua; do
    [ -f "$rules" ] || continue
    name=$(basename "$rules" .lua)
    problems=""
    if ! "$BIN" check --period 2026-10 "$rules" >"$T/$name.check" 2>"$T/$name.check.err"; then
        problems="$problems; check failed: $(head -c 300 "$T/$name.check.err")"
    fi
    out="$T/out-$name"
    if ! "$BIN" run --period 2026-10 --out "$out" "$rules" >"$T/$name.run" 2>"$T/$name.run.err"; then
        problems="$problems; run failed: $(head -c 300 "$T/$name.run.err")"
    elif [ -s "$T/$name.run" ] || [ -s "$T/$name.run.err" ]; then
        problems="$problems; run was not silent: $(cat "$T/$name.run" "$T/$name.run.err" | head -c 300)"
    fi
    mid=$(municipality_id "$T/$name.check")
    json="$out/$mid/2026-10/kpis.json"
    if [ -z "$problems" ]; then
        for f in kpis.json report.xlsx report.pdf rejects.csv; do
            [ -s "$out/$mid/2026-10/$f" ] || problems="$problems; $f missing"
        done
    fi
    if [ -z "$problems" ]; then
        json_ids "$json" >"$T/$name.ids" 2>"$T/$name.ids.err" || problems="$problems; kpis.json unreadable"
        { custom_ids "$rules"; checked_ids "$T/$name.check"; } | sort -u >"$T/$name.want"
        [ -s "$T/$name.want" ] || problems="$problems; no KPI ids found to check"
        while read -r id; do
            grep -qx -- "$id" "$T/$name.ids" || problems="$problems; kpis.json lacks KPI '$id'"
        done <"$T/$name.want"
    fi
    if [ -z "$problems" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $rules${problems}" >&2
    fi
done

echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
