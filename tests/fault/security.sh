#!/bin/sh
# The security review, as tests:
#   1. output paths cannot leave the output folder: hostile municipality ids
#      (also when a rule file tampers with the string library the id check
#      of lua/lib/kvalrap.lua uses), hostile periods, a planted symlink;
#   2. file permissions follow the umask; nothing is world-writable under a
#      sane umask (reports, folders, lock, log, history database);
#   3. no shell or program is ever started (source, imports, the sandbox);
#   4. nothing in the data becomes an Excel formula or hyperlink, a PDF
#      action or link, or a formula in rejects.csv (CSV injection).
#
#   sh tests/fault/security.sh [BIN]
set -u
BIN=${1:-./kvalrap}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
T=$(mktemp -d "${TMPDIR:-/tmp}/kvsecurity.XXXXXX")
trap '[ -n "${KV_KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { name=$1; shift; if "$@" >/dev/null 2>&1; then ok; else bad "$name"; fi; }
export SOURCE_DATE_EPOCH=1793491200
E2E=tests/e2e/test.lua

# A rule file like the end-to-end one, with its first lines replaced.
rule() { # rule FILE ID [LUA-BEFORE]
    {
        [ $# -ge 3 ] && printf '%s\n' "$3"
        sed "s|id = \"e2e\"|id = \"$2\"|" "$E2E"
    } >"$1"
}

# ------------------------------------------------------------------ 1. paths
R=$T/a/b/rules
mkdir -p "$R"
cp -r tests/e2e/data "$R/data"
long=$(printf 'x%.0s' $(seq 1 65))
i=0
for id in "../x" "../../escaped" "/tmp/abs" "a/b" ".." "." "" "Upper" "x y" "$long" "_benchmark" "-x" "x.y"; do
    i=$((i + 1))
    rule "$R/hostile$i.lua" "$id"
    "$BIN" run --period 2026-10 --out "$T/a/b/out" "$R/hostile$i.lua" >/dev/null 2>"$T/err"
    st=$?
    if [ "$st" -eq 78 ] && grep -q "'id' must be" "$T/err"; then ok; else bad "municipality id '$id': status $st: $(head -c 200 "$T/err")"; fi
done
check "hostile ids: nothing beside the output folder" test "$(ls -A "$T/a/b")" = "$(printf 'out\nrules')"
check "hostile ids: nothing above it" test "$(ls -A "$T/a")" = "b"
check "hostile ids: no report folder in the output folder" test "$(ls -A "$T/a/b/out")" = ".kvalrap.lock"

# The id check is Lua; a rule file shares the string library with it.
i=0
for tamper in 'string.match = function() return "ok" end' \
    'getmetatable("").__index = setmetatable({match = function() return "ok" end}, {__index = string})' \
    'string.find = function() return 1 end; string.match = function() return "ok" end'; do
    i=$((i + 1))
    rm -rf "$T/a/escaped" "$T/a/b/escaped"
    rule "$R/tamper$i.lua" "../../escaped" "$tamper"
    "$BIN" run --period 2026-10 --out "$T/a/b/out" "$R/tamper$i.lua" >/dev/null 2>"$T/err"
    st=$?
    if [ ! -e "$T/a/escaped" ] && [ ! -e "$T/a/b/escaped" ]; then ok; else
        bad "id check bypassed by a rule file that replaces string functions ($tamper): status $st, reports written to $(ls -d "$T"/a/escaped/* "$T"/a/b/escaped/* 2>/dev/null | head -n 1), outside the output folder"
    fi
    if [ "$st" -ne 0 ]; then ok; else bad "tampered id check ($tamper): status 0"; fi
done

# Periods come from the parser, which makes their ids; hostile ones are usage errors.
for p in "../x" "2026-10/../../x" "2026-10/" "/2026-10" "2026-1O" "2026-10 " "2026-100" "last-month/.."; do
    "$BIN" run --period "$p" --out "$T/p" "$E2E" >/dev/null 2>"$T/err"
    st=$?
    if [ "$st" -eq 64 ]; then ok; else bad "period '$p': status $st"; fi
done
check "hostile periods: no folder made" test ! -e "$T/p/e2e"
"$BIN" run --period 2026-10 --out "$T/m" -m "../x" --rules "$R" >/dev/null 2>&1
st=$?
if [ "$st" -eq 64 ]; then ok; else bad "-m ../x: status $st"; fi

# A symlink planted where a report goes is replaced, not followed.
mkdir -p "$T/sym/e2e/2026-10"
echo victim >"$T/victim"
ln -s "$T/victim" "$T/sym/e2e/2026-10/report.pdf"
ln -s "$T/victim" "$T/sym/e2e/2026-10/kpis.json"
"$BIN" run --period 2026-10 --out "$T/sym" "$E2E" >/dev/null 2>&1
check "symlinked report: the run succeeds" test -f "$T/sym/e2e/2026-10/report.pdf"
check "symlinked report: the target is untouched" test "$(cat "$T/victim")" = victim
check "symlinked report: now a regular file" test ! -L "$T/sym/e2e/2026-10/report.pdf"
check "symlinked kpis.json: now a regular file" test ! -L "$T/sym/e2e/2026-10/kpis.json"

# Two rule files with one municipality id would write one folder at once
# (each run's sweep removing the other's temporary files, the reports a mix
# of both): the batch must refuse them, naming both.
mkdir -p "$T/dup"
cp -r tests/e2e/data "$T/dup/data"
cp "$E2E" "$T/dup/a.lua"
sed 's/name = "Testfjord kommune"/name = "Other"/' "$E2E" >"$T/dup/b.lua"
"$BIN" run --period 2026-10 --out "$T/dup/out" --rules "$T/dup" -j 2 >/dev/null 2>"$T/err"
st=$?
if [ "$st" -ne 0 ] && grep -q "a.lua" "$T/err" && grep -q "b.lua" "$T/err"; then ok; else
    bad "duplicate municipality id in one batch: status $st, stderr: $(head -c 300 "$T/err" | tr '\n' '|')"
fi

# ------------------------------------------------------------------ 2. permissions
for um in 022 027 077 002; do
    d=$T/perm$um
    (umask $um && "$BIN" run --period 2026-10 --out "$d/out" --history "$d/history.sqlite" --log "$d/kvalrap.log" \
        --rules "$ROOT/lua" -j 2 >/dev/null 2>"$T/err")
    st=$?
    if [ "$st" -eq 0 ]; then ok; else bad "umask $um: status $st: $(head -c 200 "$T/err")"; fi
    # No permission bit the umask forbids, on any file or folder made.
    find "$d" -mindepth 1 | while read -r f; do
        m=$(stat -c %a "$f")
        if [ $((0$m & 0$um)) -ne 0 ]; then echo "$f $m"; fi
    done >"$T/perm-bad"
    if [ ! -s "$T/perm-bad" ]; then ok; else bad "umask $um not respected: $(head -n 3 "$T/perm-bad" | tr '\n' ' ')"; fi
    if [ "$um" != 002 ]; then
        w=$(find "$d" -mindepth 1 -perm -0002 | head -n 3)
        if [ -z "$w" ]; then ok; else bad "umask $um: world-writable: $w"; fi
    fi
    # Reports follow the umask like any file (not mkstemp's 0600).
    want=$(printf '%o' $((0666 & ~0$um)))
    got=$(stat -c %a "$d/out/troms/2026-10/report.pdf")
    if [ "$got" = "$want" ]; then ok; else bad "umask $um: report.pdf is $got, wanted $want"; fi
    got=$(stat -c %a "$d/out/troms/2026-10")
    want=$(printf '%o' $((0777 & ~0$um)))
    if [ "$got" = "$want" ]; then ok; else bad "umask $um: the report folder is $got, wanted $want"; fi
done

# ------------------------------------------------------------------ 3. no shell
hits=$(grep -nE '(^|[^a-z_])(system|popen|execl|execlp|execle|execv|execvp|execvpe|execve|fexecve|posix_spawnp?|wordexp)[[:space:]]*\(' src/*.c | grep -v '^\s*\*' || true)
if [ -z "$hits" ]; then ok; else bad "a call that starts a program or a shell: $hits"; fi
imports=$(nm -D --undefined-only "$BIN" 2>/dev/null | awk '{ print $NF }' | sed 's/@.*//' |
    grep -xE 'system|popen|execl|execlp|execle|execv|execvp|execvpe|execve|fexecve|posix_spawnp?|wordexp' || true)
if [ -z "$imports" ]; then ok; else bad "the binary imports $imports"; fi
mkdir -p "$T/sb"
cp -r tests/e2e/data "$T/sb/data"
for escape in 'os.execute("touch '"$T"'/pwned")' 'io.popen("touch '"$T"'/pwned")' '_G.os.execute("true")' '_ENV.io.open("/etc/passwd")' \
    'rawget(_G, "os").execute("true")' 'package.loadlib("libc.so.6", "system")' 'require("os")' \
    'getmetatable("").__index.dump(print)' 'load(string.char(27) .. "Lua")' 'coroutine.wrap(function() end)()' \
    'debug.sethook()' 'collectgarbage("stop")' 'dofile("/etc/passwd")' 'loadstring("return 1")' 'module("x")'; do
    printf 'municipality { id = "esc", name = "E", data_dir = "data" }\nlocal x = %s\n' "$escape" >"$T/sb/esc.lua"
    "$BIN" check --period 2026-10 "$T/sb/esc.lua" >/dev/null 2>"$T/err"
    st=$?
    if [ "$st" -eq 78 ]; then ok; else bad "sandbox: '$escape' gave status $st"; fi
done
check "sandbox: no file made by a rule file" test ! -e "$T/pwned"

# ------------------------------------------------------------------ 4. formulas, links, actions
H=$T/hostile
mkdir -p "$H"
cp -r tests/e2e/data "$H/data"
cat >>"$H/data/avvik.csv" <<'CSV'
7;"=cmd|' /C calc'!A0";07.10.2026;20.10.2026;;"@SUM(1+1)*cmd|' /C calc'!A0";Alvorlig;
8;"http://evil.example/x";08.10.2026;20.10.2026;;"javascript:alert(1)";;
9;"+1+2";09.10.2026;20.10.2026;;"-2+3";;
10;"mailto:a@evil.example";=1+2;20.10.2026;;HMS;;
11;"file:///etc/passwd";10.10.2026;@SUM(A1);;"	=TAB";;
12;"www.evil.example";11.10.2026;20.10.2026;;"\\evil\share";;
CSV
cp "$E2E" "$H/hostile.lua"
"$BIN" run --period 2026-10 --out "$H/out" "$H/hostile.lua" >/dev/null 2>"$T/err"
O=$H/out/e2e/2026-10
check "hostile data: the run wrote its reports" test -s "$O/report.xlsx"
# The workbook: the text is there, as text; no formula, no hyperlink.
mkdir -p "$H/x"
(cd "$H/x" && unzip -qo "$O/report.xlsx")
check "xlsx: the hostile text reached the workbook" grep -rqF "evil.example" "$H/x/xl"
if grep -rlE '<f[ >]' "$H/x/xl/worksheets" >/dev/null 2>&1; then bad "xlsx: a cell holds a formula: $(grep -rlE '<f[ >]' "$H/x/xl/worksheets" | head -n 2)"; else ok; fi
if grep -rqE '<hyperlink[ >]|relationships/hyperlink' "$H/x" 2>/dev/null; then bad "xlsx: the workbook has a hyperlink"; else ok; fi
/usr/bin/python3 - "$O/report.xlsx" >"$T/cells" 2>&1 <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value[:1] in "=+-@":
                print(ws.title, c.coordinate, c.data_type, repr(c.value))
            if c.hyperlink is not None:
                print(ws.title, c.coordinate, "HYPERLINK", c.hyperlink.target)
PY
if grep -qE '^[^ ]+( [^ ]+)* [A-Z]+[0-9]+ (f|HYPERLINK) ' "$T/cells"; then bad "xlsx: $(grep -m1 -E ' [A-Z]+[0-9]+ (f|HYPERLINK) ' "$T/cells")"; else ok; fi
check "xlsx: '=cmd|...' is a string cell" grep -qF " s \"=cmd|" "$T/cells"
check "xlsx: '@SUM(...)' is a string cell" grep -qF " s \"@SUM(1+1)" "$T/cells"
# The PDF: the text is there; no link, URI, launch, JavaScript or automatic action.
qpdf --qdf --object-streams=disable "$O/report.pdf" "$H/report.qdf" 2>/dev/null
check "pdf: qpdf can expand it" test -s "$H/report.qdf"
pdftotext "$O/report.pdf" "$H/report.txt" 2>/dev/null
check "pdf: the hostile text is in the PDF" grep -qF "evil.example" "$H/report.txt"
for key in /URI /Launch /JavaScript /JS /OpenAction /AA /GoToR /GoToE /SubmitForm /ImportData /Link /RichMedia /EmbeddedFile; do
    if grep -aq "$key[^A-Za-z]" "$H/report.qdf"; then bad "pdf: the report holds $key"; else ok; fi
done
# rejects.csv is opened in spreadsheets too: a value must not start a cell
# with = + - @ or a tab (CSV injection), whatever the export held.
/usr/bin/python3 - "$O/rejects.csv" >"$T/csvinj" <<'PY'
import csv, re, sys
for row in csv.reader(open(sys.argv[1], encoding="utf-8")):
    for cell in row:
        if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not re.fullmatch(r"-[0-9.,]*", cell)):
            print(repr(cell))
PY
check "rejects.csv: the hostile rows were rejected" grep -qF "=1+2" "$O/rejects.csv"
if [ ! -s "$T/csvinj" ]; then ok; else bad "rejects.csv: cells that a spreadsheet reads as a formula: $(tr '\n' ' ' <"$T/csvinj")"; fi

echo "security: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
