#!/bin/sh
# Fault injection, after curl's torture mode: run a small batch (the
# end-to-end municipality, tests/e2e/test.lua) once for every N (or a
# deterministic sample of N) with the Nth allocation failing, then with the
# Nth file operation failing (ENOSPC, and a sample with EIO), and check each
# run:
#   - the exit status is a documented one (batch.h; 71 is xmalloc's
#     out-of-memory exit), never a signal, a hang or a sanitizer's 1;
#   - stderr is empty on success, else exactly one "kvalrap: ..." line;
#   - AddressSanitizer, UBSan and LeakSanitizer (in the children too) report
#     nothing;
#   - the reports made by a clean run before are unchanged (a complete new
#     report is byte-identical: SOURCE_DATE_EPOCH is fixed);
#   - temporary files (.*.kvtmp*) a killed child may leave are gone after a
#     following clean run, which succeeds.
#
#   sh tests/fault/torture.sh [BIN] [SHIM]     (make fault builds both)
#
# Environment:
#   KV_TORTURE_FULL=1      every N (an hour or two on two cores)
#   KV_TORTURE_ALLOC=K     N sampled beyond the first 300 allocations (default 300)
#   KV_TORTURE_IO=K        the same for file operations (default 150)
#   KV_TORTURE_EIO=K       N tried with EIO instead of ENOSPC (default 50)
#   KV_TORTURE_JOBS=J      runs at once (default: the number of cores)
#   KV_FAULT_STRICT=1      count crashes inside third-party libraries (contained
#                          by the child process: status 70, reports intact) as
#                          failures too
#   KV_TORTURE_KEEP=DIR    where the logs of failed runs go (default build/fault/torture-logs)
set -u
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

# ------------------------------------------------------------------ one run
if [ "${1:-}" = --one ]; then
    mode=$2 n=$3
    d=$T/run/$mode-$n
    rm -rf "$d"
    mkdir -p "$d"
    cp -a "$T/good" "$d/out"
    case $mode in
    alloc) fault="KV_FAIL_ALLOC=$n" ;;
    io) fault="KV_FAIL_IO=$n KV_FAIL_IO_ERRNO=ENOSPC" ;;
    eio) fault="KV_FAIL_IO=$n KV_FAIL_IO_ERRNO=EIO" ;;
    esac
    # shellcheck disable=SC2086
    timeout -s KILL 120 env $fault KV_FAULT_SERIAL=1 SOURCE_DATE_EPOCH=1793491200 \
        ASAN_OPTIONS="$ASAN_BASE:log_path=$d/asan" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$d/ubsan" \
        KV_FAULT_LOG="$d/log" KV_FAULT_REPORT="$d/count" LD_PRELOAD="$SHIM" \
        "$BIN" run --period 2026-10 --out "$d/out" -j 1 --timeout 60 tests/e2e/test.lua >"$d/stdout" 2>"$d/stderr"
    st=$?
    class=pass
    why=""
    fail() { class=fail; why="${why:+$why; }$*"; }

    case $st in
    0 | 64 | 65 | 66 | 70 | 71 | 73 | 74 | 75 | 78) ;;
    137) fail "hang: killed after 120 s" ;;
    *) fail "undocumented exit status $st" ;;
    esac
    [ -s "$d/stdout" ] && fail "output on stdout"
    lines=$(wc -l <"$d/stderr")
    if [ "$st" -eq 0 ]; then
        [ -s "$d/stderr" ] && fail "status 0 but stderr: $(head -c 200 "$d/stderr")"
    else
        if [ "$lines" -ne 1 ] || ! grep -q '^kvalrap: [^[:cntrl:]]*[^[:space:]]$' "$d/stderr" ||
            LC_ALL=C grep -q '[[:cntrl:]]' "$d/stderr"; then
            fail "stderr is not one 'kvalrap: ...' line: $(head -c 300 "$d/stderr" | tr '\n' '|')"
        fi
    fi
    if ls "$d"/asan.* "$d"/ubsan.* >/dev/null 2>&1; then
        if grep -q "LeakSanitizer" "$d"/asan.* 2>/dev/null && ! grep -q "ERROR: AddressSanitizer" "$d"/asan.* 2>/dev/null; then
            fail "leak: $(grep -m1 SUMMARY "$d"/asan.* | sed 's/.*SUMMARY: //')"
        else
            fail "sanitizer: $(cat "$d"/asan.* "$d"/ubsan.* 2>/dev/null | grep -m1 -E 'ERROR|runtime error' | cut -c1-200)"
        fi
    fi
    if grep -q '^CRASH' "$d/log" 2>/dev/null; then
        # The first frame below the signal that is not libc's own.
        # (Frame #0 is the signal trampoline; libc's and the sanitizers'
        # own frames, such as a strcmp interceptor, are skipped too.)
        frame=$(sed -n '/^CRASH/,$p' "$d/log" | grep '^    #' | sed 1d |
            grep -v -E 'libc\.so|sysdeps/|/string/|libio/|stdlib/|libsanitizer|libasan|libubsan|<null> \(/lib/x86_64-linux-gnu/libc' |
            sed -n 1p | sed 's/^ *#[0-9]* //')
        case $frame in
        *src/* | *kvalrap*) fail "crash in kvalrap: $frame" ;;
        *)
            lib=$(printf '%s' "$frame" | sed -n 's|.*/\(lib[a-z0-9_-]*\)[.].*|\1|p')
            if [ -n "${KV_FAULT_STRICT:-}" ]; then
                fail "crash in ${lib:-a library}: $frame"
            elif [ "$class" = pass ]; then
                class="contained:${lib:-unknown}"
                why="crash in ${lib:-a library} ($frame), contained by the child process"
            fi
            ;;
        esac
    fi
    reached=1
    case $mode in
    alloc) grep -q '^alloc_failed 1' "$d/count" 2>/dev/null || reached=0 ;;
    *) grep -q '^io_failed 1' "$d/count" 2>/dev/null || reached=0 ;;
    esac
    # A crash or xmalloc's exit in a child: the count file is written by
    # the parent, which sees the child's fault through the shared page.
    [ "$reached" -eq 0 ] && grep -q '^FAIL ' "$d/log" 2>/dev/null && reached=1

    # The reports: unchanged (or, which is the same bytes, whole and new).
    (cd "$d/out" && find . -type f ! -name '.*.kvtmp*' | sort) >"$d/files"
    cmp -s "$d/files" "$T/good.files" || fail "the output folder's files changed: $(diff "$T/good.files" "$d/files" | grep '^[<>]' | tr '\n' ' ')"
    if ! (cd "$d/out" && sha256sum --quiet -c "$T/good.sums" >/dev/null 2>&1); then
        for f in $(cd "$d/out" && sha256sum -c "$T/good.sums" 2>/dev/null | sed -n 's/: FAILED.*//p'); do
            p=$d/out/$f
            case $f in
            *.pdf) if qpdf --check "$p" >/dev/null 2>&1; then v="valid"; else v="BROKEN"; fi ;;
            *.json) if /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$p" 2>/dev/null; then v="valid"; else v="BROKEN"; fi ;;
            *.xlsx) if /usr/bin/python3 -c 'import zipfile,sys; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$p" 2>/dev/null; then v="valid"; else v="BROKEN"; fi ;;
            *) v="" ;;
            esac
            fail "report changed: $f ${v:+($v)}"
        done
    fi
    # Temporary files: a child ended by xmalloc's exit may leave one; the
    # next clean run must sweep it and succeed.
    tmps=$(find "$d/out" -name '.*.kvtmp*' | wc -l)
    if [ "$tmps" -gt 0 ]; then
        why="${why:+$why; }$tmps temporary file(s) left, swept by the next run"
        SOURCE_DATE_EPOCH=1793491200 ASAN_OPTIONS="detect_leaks=0:log_path=$d/clean-asan" \
            "$BIN" run --period 2026-10 --out "$d/out" -j 1 tests/e2e/test.lua >/dev/null 2>"$d/clean-stderr"
        cst=$?
        [ "$cst" -eq 0 ] || fail "the clean run after it failed with $cst: $(head -c 200 "$d/clean-stderr")"
        left=$(find "$d/out" -name '.*.kvtmp*' | wc -l)
        [ "$left" -eq 0 ] || fail "$left temporary file(s) left after a clean run"
        (cd "$d/out" && sha256sum --quiet -c "$T/good.sums" >/dev/null 2>&1) || fail "reports differ after the clean run"
    fi
    [ "$reached" -eq 0 ] && [ "$class" = pass ] && class=unreached
    # The message, with the run's own folder and temporary names taken out.
    msg=$(head -n 1 "$d/stderr" | sed -e "s|$d/out/||g" -e 's|\.kvtmp[A-Za-z0-9]*|.kvtmpXXXXXX|g' | cut -c1-220)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$n" "$st" "$class" "$why" "$msg"
    if [ "$class" = pass ] || [ "$class" = unreached ]; then
        rm -rf "$d"
    else
        mkdir -p "$KEEP/$mode-$n"
        cp "$d/stderr" "$d/log" "$d"/asan.* "$d"/ubsan.* "$KEEP/$mode-$n/" 2>/dev/null
        rm -rf "$d"
    fi
    exit 0
fi

# ------------------------------------------------------------------ the figures
# summarize RESULTS SECONDS: the table, the messages, the failures by kind.
summarize() {
    R=$1 secs=$2
    awk -F '\t' -v secs="$secs" '
        { runs[$1]++; st[$1 " " $3]++ }
        $4 == "pass" || $4 == "unreached" || $4 ~ /^contained/ { ok[$1]++ }
        $4 == "unreached" { unr[$1]++ }
        $4 ~ /^contained/ { cont[$1]++ }
        $4 == "fail" { bad[$1]++ }
        END {
            printf "%-6s %6s %6s %6s %9s %10s  %s\n", "mode", "runs", "passed", "failed", "contained", "unreached", "exit statuses"
            split("alloc io eio", modes, " ")
            for (i = 1; i <= 3; i++) {
                m = modes[i]; s = ""
                for (k in st) { split(k, a, " "); if (a[1] == m) s = s " " a[2] "x" st[k] }
                printf "%-6s %6d %6d %6d %9d %10d %s\n", m, runs[m], ok[m], bad[m], cont[m], unr[m], s
            }
            printf "(%d s)\n", secs
        }' "$R"
    echo "what the failing runs said (status, runs, message with its numbers as #):"
    awk -F '\t' '$3 != 0 { m = $6; gsub(/[0-9]+/, "#", m); print $3 "\t" m }' "$R" | sort | uniq -c | sort -k2,2n -k1,1rn |
        awk '{ printf "  %s\n", $0 }' | head -40
    if awk -F '\t' '$4 ~ /^contained/ { f = 1 } END { exit !f }' "$R"; then
        echo "crashes inside third-party libraries after a failed allocation, contained by the child (status 70, reports intact):"
        awk -F '\t' '$4 ~ /^contained/ { w = $5; sub(/, contained.*/, "", w); print w }' "$R" | sort | uniq -c | sort -rn | head -10
    fi
    if awk -F '\t' '$4 == "fail" { f = 1 } END { exit !f }' "$R"; then
        echo "failures by kind (runs, kind, the first N; logs in $KEEP/<mode>-<N>/, rerun one with tests/fault/repro.sh MODE N):"
        awk -F '\t' '$4 == "fail" {
            n = split($5, parts, "; ")
            for (i = 1; i <= n; i++) {
                k = parts[i]
                if (k ~ /temporary file\(s\) left, swept/) continue
                sub(/: \[ERROR\].*/, ": [ERROR] ... (a library writes to stderr)", k)
                sub(/^status 0 but stderr: \[ERROR\].*/, "status 0 but stderr: [ERROR] ... (a library writes to stderr)", k)
                sub(/^stderr is not one .kvalrap: \.\.\.. line: [^[].*/, "stderr is not one kvalrap: line", k)
                gsub(/\/[^ ]*\/(out|run)\/[^ ]*/, "PATH", k)
                gsub(/\+0x[0-9a-f]+/, "", k)
                gsub(/:[0-9]+/, "", k)
                key = $1 " | " k
                if (!(key in c)) first[key] = $2
                c[key]++
            }
        }
        END { for (k in c) printf "  %5d  %s  (N=%s)\n", c[k], k, first[k] }' "$R" | sort -k2,2 -k1,1rn
    fi
    passed=$(awk -F '\t' '$4 != "fail"' "$R" | wc -l)
    failed=$(awk -F '\t' '$4 == "fail"' "$R" | wc -l)
    echo "fault: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
if [ "${1:-}" = --summary ]; then
    KEEP=${KV_TORTURE_KEEP:-$ROOT/build/fault/torture-logs}
    summarize "$2" "${3:-0}"
    exit
fi

# ------------------------------------------------------------------ the driver
BIN=${1:-build/fault/kvalrap}
SHIM=${2:-build/fault/shim.so}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
case $SHIM in /*) ;; *) SHIM=$ROOT/$SHIM ;; esac
for f in "$BIN" "$SHIM"; do
    [ -f "$f" ] || { echo "torture: $f missing; run 'make fault' (it builds build/fault/kvalrap and shim.so)" >&2; exit 2; }
done
for tool in qpdf sha256sum timeout xargs; do
    command -v $tool >/dev/null || { echo "torture: $tool is needed" >&2; exit 2; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/kvtorture.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
KEEP=${KV_TORTURE_KEEP:-$ROOT/build/fault/torture-logs}
rm -rf "$KEEP"
mkdir -p "$KEEP"
JOBS=${KV_TORTURE_JOBS:-$(nproc 2>/dev/null || echo 2)}
# minizip (inside libxlsxwriter) leaks 97 bytes when writing a local header
# fails, and libharu a memory stream when saving fails for want of memory:
# third-party, contained, suppressed (for these runs only: every other
# leak check of `make test` counts them).
printf 'leak:zipOpenNewFileInZip4_64\nleak:HPDF_GetMem\n' >"${TMPDIR:-/tmp}/kvalrap-fault-lsan.supp"
export LSAN_OPTIONS="suppressions=${TMPDIR:-/tmp}/kvalrap-fault-lsan.supp"
ASAN_BASE="detect_leaks=1:leak_check_at_exit=0:verify_asan_link_order=0:handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:handle_sigill=0"
export T BIN SHIM KEEP ASAN_BASE

# The good reports, made by a clean run of the same binary, counted.
KV_FAULT_SERIAL=1 SOURCE_DATE_EPOCH=1793491200 ASAN_OPTIONS="$ASAN_BASE:log_path=$T/good-asan" KV_FAULT_REPORT="$T/count" \
    KV_FAULT_LOG="$T/good-log" LD_PRELOAD="$SHIM" \
    "$BIN" run --period 2026-10 --out "$T/good" -j 1 --timeout 60 tests/e2e/test.lua >"$T/good-out" 2>&1
st=$?
if [ "$st" -ne 0 ] || [ -s "$T/good-out" ] || ls "$T"/good-asan.* >/dev/null 2>&1; then
    echo "torture: the clean run failed (status $st):" >&2
    cat "$T/good-out" "$T"/good-asan.* 2>/dev/null | head -40 >&2
    exit 1
fi
qpdf --check "$T/good/e2e/2026-10/report.pdf" >/dev/null || { echo "torture: the clean run's PDF is broken" >&2; exit 1; }
(cd "$T/good" && find . -type f ! -name '.kvalrap.lock' ! -name '.kvalrap-owner' | sort | xargs sha256sum) >"$T/good.sums"
(cd "$T/good" && find . -type f ! -name '.*.kvtmp*' | sort) >"$T/good.files"
allocs=$(sed -n 's/^allocs //p' "$T/count")
ios=$(sed -n 's/^io //p' "$T/count")
echo "torture: the batch makes $allocs allocations and $ios file operations"

# The N to try: all of the first 300, then K evenly spaced up to the last.
sample() { # sample TOTAL K
    awk -v t="$1" -v k="$2" -v full="${KV_TORTURE_FULL:-}" 'BEGIN {
        head = (full != "" || t <= 300) ? t : 300
        for (n = 1; n <= head; n++) print n
        if (head < t) {
            step = (t - head) / k; if (step < 1) step = 1
            for (x = head + step; x < t + 0.5; x += step) { n = int(x + 0.5); if (n > last) print n; last = n }
            if (last < t) print t
        }
    }'
}
# EIO: K of the file operations, spread over the whole run.
sample_sparse() { awk -v t="$1" -v k="$2" 'BEGIN { step = t / k; if (step < 1) step = 1; for (x = step; x < t + 0.5; x += step) { n = int(x); if (n > last) print n; last = n } }'; }

{
    sample "$allocs" "${KV_TORTURE_ALLOC:-300}" | sed 's/^/alloc /'
    sample "$ios" "${KV_TORTURE_IO:-150}" | sed 's/^/io /'
    sample_sparse "$ios" "${KV_TORTURE_EIO:-50}" | sed 's/^/eio /'
} >"$T/plan"
total=$(wc -l <"$T/plan")
echo "torture: $total runs, $JOBS at a time"
start=$(date +%s)
xargs -P "$JOBS" -n 2 sh "$SELF" --one <"$T/plan" >"$T/results"
secs=$(($(date +%s) - start))

sort -t "$(printf '\t')" -k1,1 -k2,2n "$T/results" >"$KEEP/results.txt"
summarize "$KEEP/results.txt" "$secs"
