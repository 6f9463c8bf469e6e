#!/bin/sh
# End-to-end tests: run the binary as cron and people do, and read back
# kpis.json, the workbook's cells and the PDF's text.
#   sh tests/e2e.sh ./kvalrap
set -u
BIN=${1:-./kvalrap}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check NAME COMMAND...: the command must succeed
    name=$1; shift
    if "$@" >/dev/null 2>&1; then ok; else bad "$name"; fi
}
expect_status() { # expect_status NAME STATUS COMMAND...
    name=$1; want=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$name: exit $got, wanted $want: $(head -c 300 "$T/err")"; fi
}
stderr_has() { # stderr_has NAME TEXT: the last command's stderr contains TEXT
    if grep -qF -- "$2" "$T/err"; then ok; else bad "$1: stderr lacks '$2': $(head -c 300 "$T/err")"; fi
}
json_get() { # json_get FILE KPI FIELD
    /usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
k = [k for k in d["kpis"] if k["id"] == sys.argv[2]][0]
print(json.dumps(k[sys.argv[3]], ensure_ascii=False))' "$@"
}
expect_eq() { # expect_eq NAME GOT WANT
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', wanted '$3'"; fi
}

cd "$ROOT"
E2E=tests/e2e/test.lua
OUT=$T/out1/e2e/2026-10

# ---- a run on the hand-made municipality: silent, four files, exact numbers
SOURCE_DATE_EPOCH=1793491200 "$BIN" run --period 2026-10 --out "$T/out1" "$E2E" >"$T/stdout" 2>"$T/stderr"
expect_eq "run exit status" "$?" 0
expect_eq "run is silent on stdout" "$(cat "$T/stdout")" ""
expect_eq "run is silent on stderr" "$(cat "$T/stderr")" ""
for f in kpis.json report.xlsx report.pdf rejects.csv; do
    check "output $f" test -s "$OUT/$f"
done
J=$OUT/kpis.json
expect_eq "deviations_reported" "$(json_get "$J" deviations_reported value)" 3
expect_eq "closed_on_time value" "$(json_get "$J" deviations_closed_on_time value)" 0.5
expect_eq "closed_on_time status" "$(json_get "$J" deviations_closed_on_time status)" '"yellow"'
expect_eq "open_overdue value" "$(json_get "$J" deviations_open_overdue value)" 3
expect_eq "open_overdue first item" "$(/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); k=[k for k in d["kpis"] if k["id"]=="deviations_open_overdue"][0]
i=k["items"][0]; print(i["id"], i["due"], i["days_overdue"])' "$J")" "5 2025-10-20 376"
expect_eq "root cause" "$(json_get "$J" root_cause_serious_injury numerator)/$(json_get "$J" root_cause_serious_injury denominator)" "0/1"
expect_eq "documents revised" "$(json_get "$J" documents_revised_within value)" 0.5
expect_eq "rejected_rows" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rejected_rows"])' "$J")" 2
expect_eq "rejects.csv" "$(cat "$OUT/rejects.csv")" "file,line,field,value,reason
tests/e2e/data/avvik.csv,5,reported,31.04.2026,not a valid date of the form dd.mm.yyyy
tests/e2e/data/avvik.csv,7,id,5,duplicate id: an earlier row of this file has it"

# ---- golden files: kpis.json and rejects.csv exactly as reviewed by hand
# (regenerate with: SOURCE_DATE_EPOCH=1793491200 kvalrap run --period 2026-10 --out X tests/e2e/test.lua)
for f in kpis.json rejects.csv; do
    if cmp -s "$OUT/$f" "tests/e2e/expected/$f"; then ok; else bad "golden $f differs: $(diff "tests/e2e/expected/$f" "$OUT/$f" | head -5)"; fi
done

# ---- the PDF: valid, fonts embedded, text exactly as in the input
check "qpdf --check" qpdf --check "$OUT/report.pdf"
pdftotext -layout "$OUT/report.pdf" "$T/pdf.txt" 2>/dev/null
for word in "Testfjord kommune" "Sámi giellaguovddáš" "Ŋuorra-Đavvi Šaldi" "Økonomi" "Avvik lukket innen frist" "Side 1 av"; do
    if grep -qF "$word" "$T/pdf.txt"; then ok; else bad "PDF text lacks '$word'"; fi
done
if pdffonts "$OUT/report.pdf" 2>/dev/null | awk 'NR > 2 && $(NF-4) != "yes" { bad = 1 } END { exit bad }'; then ok; else bad "a PDF font is not embedded"; fi

# ---- the workbook: cells typed as the spec asks, formulas never
/usr/bin/python3 - "$OUT/report.xlsx" >"$T/xlsx.txt" 2>&1 <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                print(ws.title, c.coordinate, c.data_type, repr(c.value), c.number_format, sep="\t")
PY
expect_eq "openpyxl opens the workbook" "$?" 0
if grep -qP "\tf\t" "$T/xlsx.txt"; then bad "the workbook holds a formula"; else ok; fi
if grep -F "=HYPERLINK" "$T/xlsx.txt" | grep -qP "\ts\t"; then ok; else bad "formula-looking text not stored as a string"; fi
if grep -P "\tn\t0\.5\t" "$T/xlsx.txt" | grep -q "%"; then ok; else bad "the share 0.5 is not a number with a percent format"; fi
if grep -qF "Ŋuorra-Đavvi Šaldi" "$T/xlsx.txt"; then ok; else bad "the workbook lacks the Sámi unit name"; fi

# ---- reproducible: the same inputs and SOURCE_DATE_EPOCH give the same bytes, whatever the locale
LC_ALL=sv_SE.UTF-8 SOURCE_DATE_EPOCH=1793491200 "$BIN" run --period 2026-10 --out "$T/out2" "$E2E" 2>/dev/null
for f in kpis.json report.xlsx report.pdf rejects.csv; do
    check "byte-identical $f" cmp "$OUT/$f" "$T/out2/e2e/2026-10/$f"
done

# ---- the command line: usage errors, help, version
expect_status "no command" 64 "$BIN"
expect_status "unknown command" 64 "$BIN" frobnicate
stderr_has "unknown command" "unknown command 'frobnicate'"
expect_status "bad period" 64 "$BIN" run --period 2026-13 --out "$T/x" "$E2E"
stderr_has "bad period" "--period: '2026-13' is not a period"
expect_status "bad as-of" 64 "$BIN" run --period 2026-10 --as-of 2026-02-30 "$E2E"
expect_status "bad option" 64 "$BIN" run --frobnicate
expect_status "help" 0 "$BIN" --help
if grep -q "exit status" "$T/out"; then ok; else bad "--help lacks the exit statuses"; fi
expect_status "version" 0 "$BIN" --version
expect_status "unknown municipality" 64 "$BIN" run --period 2026-10 --rules tests/e2e -m nowhere

# ---- broken rule files and exports: the right status, file:line, others unharmed
mkdir -p "$T/rules"
cp -r tests/e2e/data "$T/rules/data"
sed 's/id = "e2e"/id = "good"/' "$E2E" >"$T/rules/good.lua"
printf 'municipality { id = "syntax", name = "S" \nkpi.deviations_reported {\n' >"$T/rules/syntax.lua"
sed -e 's/id = "e2e"/id = "typo"/' -e 's/kpi.deviations_reported {}/kpi.deviations_reportd {}/' "$E2E" >"$T/rules/typo.lua"
sed -e 's/id = "e2e"/id = "param"/' -e 's/years = 2/yeras = 2/' "$E2E" >"$T/rules/param.lua"
sed -e 's/id = "e2e"/id = "missing"/' -e 's/file = "doc.csv"/file = "nope.csv"/' "$E2E" >"$T/rules/missing.lua"
sed -e 's/id = "e2e"/id = "badcol"/' -e 's/id = "Nr"/id = "Number"/' "$E2E" >"$T/rules/badcol.lua"
printf 'municipality { id = "loop", name = "L", data_dir = "data" }\nx = 1\n' >"$T/rules/global.lua"
expect_status "batch with broken members" 65 "$BIN" run --period 2026-10 --out "$T/out3" --rules "$T/rules"
check "the good municipality still got its report" test -s "$T/out3/good/2026-10/report.pdf"
stderr_has "syntax error names file:line" "syntax.lua:2:"
stderr_has "misspelled KPI is suggested" "typo.lua:12: unknown KPI 'kpi.deviations_reportd' (did you mean 'deviations_reported'?)"
stderr_has "misspelled parameter is suggested" "param.lua:16: kpi.documents_revised_within: unknown parameter 'yeras' (did you mean 'years'?)"
stderr_has "missing export named" "data/nope.csv: cannot open: No such file or directory"
stderr_has "missing column named" "lacks the required column \"Number\" (field id)"
stderr_has "undeclared global" "global.lua:2: assignment to undeclared global 'x'"
expect_status "check a good file" 0 "$BIN" check --period 2026-10 "$T/rules/good.lua"
if grep -q "kpi deviations_closed_on_time" "$T/out"; then ok; else bad "check does not list the KPIs"; fi
expect_status "check a typo" 78 "$BIN" check "$T/rules/typo.lua"
expect_status "check a missing file" 66 "$BIN" check "$T/rules/nothere.lua"

# ---- sandbox: no io, os, load; endless loops stopped
for escape in 'io.open("/etc/passwd")' 'os.execute("true")' 'load("return 1")()' 'require("os")' 'string.dump(print)' 'debug.getinfo(1)'; do
    printf 'municipality { id = "esc", name = "E", data_dir = "data" }\nlocal x = %s\n' "$escape" >"$T/rules/esc.lua"
    expect_status "sandbox blocks $escape" 78 "$BIN" check "$T/rules/esc.lua"
done

# ---- hostile rule files in one batch: each stopped within its limits, the others unharmed
H=$T/hostile
mkdir -p "$H"
cp -r tests/e2e/data "$H/data"
hostile() { # hostile NAME LUA-LINE
    sed "s/id = \"e2e\"/id = \"$1\"/" "$E2E" | head -n 10 >"$H/$1.lua"
    printf '%s\n' "$2" >>"$H/$1.lua"
}
hostile good 'kpi.deviations_reported {}'
hostile loop 'kpi.custom { id = "x", compute = function(d, p) while true do end end }'
hostile pcallloop 'kpi.custom { id = "x", compute = function(d, p) while true do pcall(function() while true do end end) end end }'
hostile backtrack 'kpi.custom { id = "x", compute = function(d, p) local s = string.rep("a", 40) .. "b"; s:find(string.rep("a*", 40) .. "c"); return 1 end }'
mkdir -p "$H/alone"
hostile membomb 'kpi.custom { id = "x", compute = function(d, p) local t = {} for i = 1, 1e10 do t[i] = string.rep("x", 1000000) .. i end end }'
mv "$H/membomb.lua" "$H/alone/"
hostile gcloop 'local t = setmetatable({}, {__gc = function() while true do end end}); t = nil; kpi.custom { id = "x", compute = function(d, p) local x = {} for i = 1, 1e6 do x[i] = {} end return 1 end }'
hostile errobj 'kpi.custom { id = "x", compute = function(d, p) error(setmetatable({}, {__tostring = function() while true do end end})) end }'
hostile badreturn 'kpi.custom { id = "x", kind = "share", compute = function(d, p) return 1 end }'
# The instruction limit out of reach: on a fast machine a billion Lua
# instructions take less than the 3 s of the time limit, and it is the time
# limit these loops must meet (the instruction limit has its unit test).
expect_status "hostile batch" 70 "$BIN" run --period 2026-10 --out "$H/out" --rules "$H" --timeout 3 --lua-memory 100 \
    --lua-instructions 1000000000000000
check "the good one still got its report" test -s "$H/out/good/2026-10/report.pdf"
stderr_has "endless loop stopped" "loop.lua:11: time limit exceeded (the rules were stopped)"
stderr_has "loop in pcall stopped" "pcallloop.lua:11: time limit exceeded (the rules were stopped)"
stderr_has "backtracking stopped by the process bound" "backtrack.lua: stopped after the time limit of 3 s"
stderr_has "finalizer loop stopped" "gcloop.lua: stopped after the time limit of 3 s"
stderr_has "error object not converted" "errobj.lua:11: kpi \"x\": compute raised an error that is a table, not a message"
stderr_has "share without denominator" "badreturn.lua:11: kpi \"x\" of kind \"share\": compute must return a numerator and a denominator"
for n in loop pcallloop backtrack gcloop errobj badreturn; do
    check "no report for $n" test ! -e "$H/out/$n/2026-10/report.pdf"
done

# A memory bomb alone, with time to spare: the memory budget must stop it.
cp -r tests/e2e/data "$H/alone/data"
expect_status "memory bomb" 78 "$BIN" run --period 2026-10 --out "$H/out" --timeout 60 --lua-memory 100 "$H/alone/membomb.lua"
stderr_has "memory bomb stopped" "membomb.lua: memory limit exceeded (the rules were stopped)"

# Out-of-range date arithmetic from a script: an error at its line, never
# undefined behaviour in the calendar code (fuzz/regressions/rules/).
for case in 1 2 3 4; do
    sed "s/^local CASE = 1/local CASE = $case/" fuzz/regressions/rules/date_arithmetic_out_of_range.lua \
        >fuzz/regressions/rules/.case.lua
    expect_status "date arithmetic out of range, case $case" 78 "$BIN" check --period 2026-10 fuzz/regressions/rules/.case.lua
    stderr_has "date arithmetic case $case names the line" ".case.lua:"
done
rm -f fuzz/regressions/rules/.case.lua

# ---- one run at a time; a killed run leaves no stale lock
mkdir -p "$T/lockout"
( flock -x 9; sleep 3 ) 9>"$T/lockout/.kvalrap.lock" &
sleep 0.5
expect_status "second start refused" 75 "$BIN" run --period 2026-10 --out "$T/lockout" "$E2E"
stderr_has "lock message" "another kvalrap run is writing to"
wait
expect_status "stale lock ignored" 0 "$BIN" run --period 2026-10 --out "$T/lockout" "$E2E"

# ---- kvalrap read: canonical CSV on stdout, the rest on stderr
expect_status "read" 0 "$BIN" read deviations tests/e2e/data/avvik.csv --config "$E2E"
expect_eq "read first row" "$(sed -n 2p "$T/out")" "1,Økonomi,2026-10-01,2026-10-15,2026-10-15,HMS,Alvorlig,true,,,"
stderr_has "read names the delimiter" "delimiter: semicolon"
stderr_has "read summary" "7 records, 5 accepted, 2 rejected"
expect_status "read --summary" 0 "$BIN" read deviations tests/e2e/data/avvik.csv --config "$E2E" --summary
expect_eq "read --summary writes no rows" "$(wc -c <"$T/out")" "0"
stderr_has "read --summary names the delimiter" "delimiter: semicolon"
stderr_has "read --summary lists a reject" "avvik.csv:5: reported: not a valid date"
stderr_has "read --summary summary" "7 records, 5 accepted, 2 rejected"
expect_status "read's option given to run" 64 "$BIN" run --period 2026-10 --out "$T/ro" --summary "$E2E"
stderr_has "read's option named" "--summary is an option of 'kvalrap read'"
expect_status "read's option given to check" 64 "$BIN" check --period 2026-10 --delimiter ";" "$E2E"
stderr_has "read's option named for check" "--delimiter is an option of 'kvalrap read'"
expect_status "read a missing file" 66 "$BIN" read deviations "$T/none.csv"
printf 'a,b\n1,2\n' >"$T/nocol.csv"
expect_status "read a refused file" 65 "$BIN" read deviations "$T/nocol.csv"

# ---- shards: N shards merged equal one unsharded run
export SOURCE_DATE_EPOCH=1793491200
"$BIN" run --period 2026-10 --out "$T/whole" 2>/dev/null
"$BIN" run --period 2026-10 --out "$T/shard1" --shard 1/2 2>/dev/null
"$BIN" run --period 2026-10 --out "$T/shard2" --shard 2/2 2>/dev/null
n1=$(ls "$T/shard1" | grep -v '^_' | wc -l); n2=$(ls "$T/shard2" | grep -v '^_' | wc -l)
expect_eq "the shards split the municipalities" "$((n1 + n2)):$([ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] && echo both)" "$(ls lua/*.lua | wc -l):both"
check "a shard writes no benchmark" test ! -e "$T/shard1/_benchmark"
expect_status "merge" 0 "$BIN" merge --period 2026-10 --out "$T/merged" "$T/shard1" "$T/shard2"
check "merged benchmark equals the whole run's" cmp "$T/whole/_benchmark/2026-10/benchmark.json" "$T/merged/_benchmark/2026-10/benchmark.json"
expect_status "merge with one municipality" 66 "$BIN" merge --period 2026-10 --out "$T/m1" "$T/out1"
expect_status "bad shard" 64 "$BIN" run --shard 3/2
unset SOURCE_DATE_EPOCH

# ---- the installation's configuration file: `kvalrap run` alone does the nightly job
mkdir -p "$T/inst/exports"
cp tests/e2e/data/* "$T/inst/exports/"
cat >"$T/inst/kvalrap.conf" <<CONF
-- an installation: one municipality, its exports elsewhere
out = "reports"
period = "2026-10"
jobs = 1
timeout = 60
log = "kvalrap.log"
municipalities = {
  { rules = "$ROOT/tests/e2e/test.lua", data_dir = "exports" },
}
CONF
expect_status "configured run" 0 env KVALRAP_CONFIG="$T/inst/kvalrap.conf" "$BIN" run
check "configured run wrote its report" test -s "$T/inst/reports/e2e/2026-10/report.pdf"
if grep -q "$T/inst/exports/avvik.csv" "$T/inst/reports/e2e/2026-10/kpis.json"; then ok; else bad "data_dir of the configuration not used"; fi
if grep -q "end 2026-10 status 0" "$T/inst/kvalrap.log"; then ok; else bad "no log line: $(cat "$T/inst/kvalrap.log")"; fi
expect_status "command line wins over the configuration" 0 "$BIN" run --config "$T/inst/kvalrap.conf" --period 2026-09
check "period from the command line" test -s "$T/inst/reports/e2e/2026-09/kpis.json"
printf 'out = "x"\nperoid = "2026-10"\n' >"$T/inst/bad.conf"
expect_status "unknown setting" 78 "$BIN" run --config "$T/inst/bad.conf"
stderr_has "unknown setting named" "bad.conf: unknown setting 'peroid'"
expect_status "missing configuration" 66 "$BIN" run --config "$T/inst/none.conf"

# ---- history: what earlier runs reported feeds the trend, marked as such
"$BIN" run --period 2026-09 --out "$T/hist" --history "$T/hist.db" "$E2E"
"$BIN" run --period 2026-10 --out "$T/hist" --history "$T/hist.db" "$E2E"
expect_eq "history point marked" "$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); k = [k for k in d["kpis"] if k["id"] == "deviations_reported"][0]
print([p.get("source", "computed") for p in k["series"]][-2:], k.get("trend_sources", {}).get("previous"))' "$T/hist/e2e/2026-10/kpis.json")" "['history', 'computed'] history"
expect_status "history export" 0 "$BIN" history --history "$T/hist.db" --kpi deviations_reported
expect_eq "history rows" "$(cut -d, -f2,3,6,7 "$T/out" | tail -n 2 | tr '\n' ' ')" "e2e,2026-09,deviations_reported,1 e2e,2026-10,deviations_reported,3 "
expect_status "history without a database" 64 "$BIN" history
expect_status "history of a missing file" 66 "$BIN" history --history "$T/none.db"

# ---- SIGTERM: the run stops with 143, the reports already there stay whole
cp -r "$T/whole" "$T/term"
sum_before=$(cd "$T/term" && find . -name '*.pdf' -o -name '*.xlsx' -o -name '*.json' | sort | xargs sha256sum | sha256sum)
"$BIN" run --period 2026-10 --out "$T/term" -j 1 2>"$T/err" &
pid=$!
sleep 0.15
kill -TERM $pid
wait $pid
st=$?
if [ "$st" -eq 143 ] || [ "$st" -eq 0 ]; then ok; else bad "SIGTERM exit status $st"; fi
leftovers=$(find "$T/term" -name '*.kvtmp*' | wc -l)
expect_eq "no temporary files after SIGTERM" "$leftovers" 0
for f in $(cd "$T/term" && find . -name 'report.pdf'); do
    check "PDF whole after SIGTERM: $f" qpdf --check "$T/term/$f"
done

# ---- parallel ingest: files cut into many small chunks (through quoted
# fields, duplicates across chunks, rejects in every chunk) read exactly as
# one sequential pass
export SOURCE_DATE_EPOCH=1793491200
KVALRAP_INGEST_THREADS=1 "$BIN" run --period 2026-10 --out "$T/seq" 2>/dev/null
KVALRAP_INGEST_THREADS=8 KVALRAP_INGEST_CHUNK=300 "$BIN" run --period 2026-10 --out "$T/par" 2>/dev/null
for f in $(cd "$T/seq" && find . -name kpis.json -o -name rejects.csv); do
    check "parallel ingest equals sequential: $f" cmp "$T/seq/$f" "$T/par/$f"
done
unset SOURCE_DATE_EPOCH

# ---- the samples: every municipality gets its four files
if [ -d samples ] && ls lua/*.lua >/dev/null 2>&1; then
    expect_status "sample batch" 0 "$BIN" run --period 2026-10 --out "$T/samples"
    for rules in lua/*.lua; do
        id=$(sed -n 's/.*id *= *"\([a-z0-9_-]*\)".*/\1/p' "$rules" | head -n 1)
        for f in kpis.json report.xlsx report.pdf rejects.csv; do
            check "sample $id $f" test -s "$T/samples/$id/2026-10/$f"
        done
    done
fi

echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
