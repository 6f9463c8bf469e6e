#!/bin/bash
# bench/run.sh - kvalrap's benchmark (issue 7; issue 3 item 6).  `make bench`.
#
# Generates (once) deterministic data sets under build/bench/ with
# bench/gen, then times each scenario BENCH_RUNS times after a warm-up run
# and prints the median wall time (with min and max), the median CPU time
# (user + sys), rows/s and MB/s (from the median wall time), peak memory
# (largest resident set of the process tree, from wait4() as in
# /usr/bin/time -v) and how idle the machine was just before.  The data
# set's files are read into the page cache before every run (timeit -c):
#
#   cat FILE > /dev/null                 the disk/memory floor
#   memchr_split FILE                    a hand-written splitter: the CPU floor
#   rawcsv FILE                          libcsv alone, one thread: the ceiling
#   kvalrap read deviations FILE --summary   ingest of one export alone
#   kvalrap read deviations FILE         the same + canonical CSV written to
#                                        /dev/null
#   kvalrap run  (1M, 10M)               end to end, with per-stage medians
#                                        from --verbose
#   kvalrap run  (300 municipalities)    the batch
#   custom KPI                           rule file with one custom KPI
#                                        against one with none
#   paired ingest / libcsv raw (1M, 10M) libcsv and kvalrap's reading run
#                                        alternately; the median of the
#                                        ratios of each pair
#
# Environment:
#   BENCH_RUNS=5      timed runs per scenario (the median is reported)
#   BENCH_WARMUP=1    untimed runs first
#   BENCH_RUNS_BIG, BENCH_WARMUP_BIG   the same for the 10M set (default:
#                     BENCH_RUNS, and no warm-up: its files are in the
#                     page cache before each run anyway)
#   BENCH_QUICK=1     smoke test: 100k rows, 1M as the "10x" set, 30
#                     municipalities of 2,000 rows; 1 run, no warm-up
#   BENCH_SEED=1      the generator's seed
#   BENCH_DIR=build/bench   where data, outputs and results go
#   BENCH_NOBUILD=1   use ./kvalrap and the tools as they are
#   BENCH_SKIP="10m batch"  scenarios to leave out (1m 10m batch custom)
#   BENCH_PAIRS=N     pairs of the paired ratios (default: the runs)
#   BENCH_PERF=1      also `perf record -g` one end-to-end 1M run and print
#                     the top symbols
#   BENCH_WAIT_IDLE=N before each scenario wait up to N s for the machine to
#                     be >= 90 % idle for 3 s (for shared machines); the
#                     "idle" column shows how idle it was in any case
#   KVALRAP=./kvalrap the binary under test
#
# Results: stdout, and BENCH_DIR/results.txt (table) and results.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-5}
WARM=${BENCH_WARMUP:-1}
QUICK=${BENCH_QUICK:-0}
SEED=${BENCH_SEED:-1}
DIR=${BENCH_DIR:-build/bench}
KV=${KVALRAP:-./kvalrap}
SKIP=${BENCH_SKIP:-}
RUNS_BIG=${BENCH_RUNS_BIG:-$RUNS}
WARM_BIG=${BENCH_WARMUP_BIG:-0}
PERIOD=2026-10
MAKE=${MAKE:-make}

if [ "$QUICK" = 1 ]; then
    RUNS=${BENCH_RUNS_QUICK:-1}
    WARM=0 RUNS_BIG=$RUNS WARM_BIG=0
    BASE=q100k; BASE_ARGS="100000 20000 5000 1"
    BIG=q1m;    BIG_ARGS="1000000 200000 50000 1"
    BATCH=q30;  BATCH_ARGS="2000 400 100 30"
else
    BASE=1m;    BASE_ARGS="1000000 200000 50000 1"
    BIG=10m;    BIG_ARGS="10000000 2000000 500000 1"
    BATCH=m300; BATCH_ARGS="20000 4000 1000 300"
fi

skipped() { case " $SKIP " in *" $1 "*) return 0 ;; esac; return 1; }

# ------------------------------------------------------------------ build

if [ "${BENCH_NOBUILD:-0}" != 1 ]; then
    # kvalrap through the main Makefile; if work in progress breaks the
    # build, wait and retry a few times before giving up.
    tries=0
    until $MAKE -s -f Makefile -f bench/bench.mk kvalrap bench-tools; do
        tries=$((tries + 1))
        if [ $tries -ge ${BENCH_BUILD_TRIES:-5} ]; then
            echo "bench: the build fails; giving up" >&2
            exit 1
        fi
        echo "bench: the build fails; retrying in 60 s ($tries)" >&2
        sleep 60
    done
fi
T=build/bench/bin
for tool in gen rawcsv memchr_split timeit; do
    [ -x "$T/$tool" ] || { echo "bench: $T/$tool missing (make -f Makefile -f bench/bench.mk bench-tools)" >&2; exit 1; }
done
[ -x "$KV" ] || { echo "bench: $KV missing" >&2; exit 1; }
# Time a private copy: a rebuild of ./kvalrap during the run (say, by
# someone working on src/) must not change or remove the binary under test.
KV_NAME=$KV
[ "$KV" -ef "$T/kvalrap-under-test" ] || cp "$KV" "$T/kvalrap-under-test"
KV=$T/kvalrap-under-test

# ------------------------------------------------------------------ data

# gen_set NAME "DEV PROP DOC MUNI": generate DIR/NAME unless its manifest
# says it was made by this generator binary with these arguments.
gen_set() {
    name=$1 args=$2
    want="generator        bench/gen $DIR/$name $args $SEED"
    if [ -f "$DIR/$name/manifest.txt" ] && [ "$DIR/$name/manifest.txt" -nt "$T/gen" ] &&
       [ "$(head -n 1 "$DIR/$name/manifest.txt")" = "$want" ]; then
        return 0
    fi
    echo "bench: generating $DIR/$name ($args, seed $SEED)" >&2
    rm -rf "${DIR:?}/$name"
    # shellcheck disable=SC2086
    "$T/gen" "$DIR/$name" $args "$SEED" 2>/dev/null
}

# manifest_num SET KEY FIELD: a number from the manifest line starting with KEY
manifest_rows() { awk -v k="$2" '$1 == k { print $2; exit }' "$DIR/$1/manifest.txt"; }
manifest_bytes() { awk -v k="$2" '$1 == k { gsub(/[()]/, "", $4); print $4; exit }' "$DIR/$1/manifest.txt"; }

gen_set "$BASE" "$BASE_ARGS"
skipped 10m || gen_set "$BIG" "$BIG_ARGS"
skipped batch || gen_set "$BATCH" "$BATCH_ARGS"

# ------------------------------------------------------------------ measuring

OUT=$DIR/out
LOGS=$DIR/logs
mkdir -p "$OUT" "$LOGS"
RES=$DIR/results.tsv
printf 'scenario\trows\tbytes\tmedian_s\tmin_s\tmax_s\trss_kb\tuser_s\tsys_s\truns\tidle_before_pct\n' > "$RES"

# timed LABEL ERRPREFIX RUNS WARMUPS -- COMMAND...: timeit's one line of
# figures; the stderr of run i goes to ERRPREFIX.i.  The files under
# $CACHE (the data set being measured) are read into the page cache before
# each run: this machine's page cache lets go of them within a minute or
# two, and a run that reads part of its input from the virtual disk
# measures the disk.  On a failed run, says which and shows its stderr, and
# ends the benchmark.
CACHE=
timed() {
    label=$1 err=$2 runs=$3 warm=$4
    shift 5
    "$T/timeit" -n "$runs" -w "$warm" -e "$err" ${CACHE:+-c "$CACHE"} -- "$@" || {
        echo "bench: '$label' failed:" >&2
        cat "$err".* >&2 2>/dev/null || true
        exit 1
    }
}

# measure LABEL ROWS BYTES WARMUPS -- COMMAND...: time it, record a row,
# leave the figures in M_MEDIAN, M_MIN, M_MAX, M_RSS.
measure() {
    label=$1 rows=$2 bytes=$3 warm=$4
    shift 5
    log=$LOGS/$(echo "$label" | tr -c 'A-Za-z0-9_.\n-' '_')
    rm -f "$log".err.*
    quiet
    line=$(timed "$label" "$log.err" "$RUNS" "$warm" -- "$@") || exit 1
    eval "$(echo "$line" | tr ' ' '\n' | sed -n 's/^\([a-z_]*\)=\(.*\)$/M_\1=\2/p')"
    M_RSS=$M_rss_kb M_MEDIAN=$M_median M_MIN=$M_min M_MAX=$M_max
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rows" "$bytes" "$M_median" "$M_min" "$M_max" \
        "$M_rss_kb" "$M_user" "$M_sys" "$M_runs" "$Q_IDLE" >> "$RES"
    awk -v l="$label" -v r="$rows" -v b="$bytes" -v m="$M_median" -v lo="$M_min" -v hi="$M_max" -v k="$M_rss_kb" \
        -v q="$Q_IDLE" -v cpu="$(awk -v u="$M_user" -v s="$M_sys" 'BEGIN { print u + s }')" 'BEGIN {
        printf "  %-44s %9.3f s  [%7.3f..%7.3f]  %8.3f s  %12s rows/s  %8s MB/s  %8.1f MB  %4s%%\n", l, m, lo, hi, cpu,
            (r > 0 ? sprintf("%.0f", r / m) : "-"), (b > 0 ? sprintf("%.1f", b / 1e6 / m) : "-"), k / 1024, q }'
}

# stages LABEL: the per-stage medians of the --verbose lines of LABEL's runs
# ("kvalrap: ID: STAGE SECONDS s, peak N MB"); a batch adds up each stage
# over its municipalities per run first.
stages() {
    log=$LOGS/$(echo "$1" | tr -c 'A-Za-z0-9_.\n-' '_')
    for f in "$log".err.*; do
        [ -f "$f" ] || continue
        awk -v run="$f" '
            $1 == "kvalrap:" && ($5 == "s" || $5 == "s,") && $4 ~ /^[0-9.]+$/ {
                if (!($3 in t)) order[++n] = $3
                t[$3] += $4
            }
            END { for (i = 1; i <= n; i++) printf "%d\t%s\t%s\n", i, order[i], t[order[i]] }' "$f"
    done | awk -F '\t' -v label="$1" -v res="$RES" '
        { if (!($2 in cnt)) { pos[$2] = $1; names[++n] = $2 } v[$2, ++cnt[$2]] = $3 }
        END {
            for (i = 1; i <= n; i++) {
                s = names[i]; c = cnt[s]
                for (a = 1; a <= c; a++) x[a] = v[s, a]
                for (a = 2; a <= c; a++) { y = x[a]; b = a - 1; while (b >= 1 && x[b] > y) { x[b + 1] = x[b]; b-- } x[b + 1] = y }
                med = c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
                printf "      stage %-14s %8.3f s (median of %d)\n", s, med, c
                printf "%s: stage %s\t\t\t%s\t\t\t\t\t\t%d\n", label, s, med, c >> res
            }
        }'
}

# stage_median LABEL STAGE: one stage's median, from results.tsv
stage_median() { awk -F '\t' -v k="$1: stage $2" '$1 == k { print $4; exit }' "$RES"; }
median_of() { awk -F '\t' -v k="$1" '$1 == k { print $4; exit }' "$RES"; }
cpu_of() { awk -F '\t' -v k="$1" '$1 == k { print $8 + $9; exit }' "$RES"; }
rss_of() { awk -F '\t' -v k="$1" '$1 == k { print $7; exit }' "$RES"; }

first() { for f in "$@"; do echo "$f"; return; done; }

# ------------------------------------------------------------------ scenarios

# idle_pct: how idle the machine was over the last second (all cores), %.
idle_pct() {
    read -r _ a1 b1 c1 d1 e1 f1 g1 h1 _ < /proc/stat
    sleep 1
    read -r _ a2 b2 c2 d2 e2 f2 g2 h2 _ < /proc/stat
    awk -v busy=$(((a2 + b2 + c2 + f2 + g2 + h2) - (a1 + b1 + c1 + f1 + g1 + h1))) \
        -v idle=$(((d2 + e2) - (d1 + e1))) 'BEGIN { printf "%.0f", (busy + idle) ? 100 * idle / (busy + idle) : 100 }'
}

# quiet: how idle the machine is before a scenario (Q_IDLE, %).  With
# BENCH_WAIT_IDLE=SECONDS, first wait (at most that long) until it has been
# at least 90 % idle for 3 seconds in a row, so that other work on a shared
# machine stays out of the figures.
quiet() {
    limit=${BENCH_WAIT_IDLE:-0} waited=0 calm=0
    Q_IDLE=$(idle_pct)
    while [ "$limit" -gt 0 ] && [ "$waited" -lt "$limit" ]; do
        if [ "$Q_IDLE" -ge 90 ]; then calm=$((calm + 1)); else calm=0; fi
        [ "$calm" -ge 3 ] && break
        Q_IDLE=$(idle_pct)
        waited=$((waited + 1))
    done
}

header() {
    cpu=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    echo "kvalrap benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine            $(nproc) cores, $cpu, $mem RAM, $(uname -sr)"
    echo "binary             $KV_NAME ($("$KV" --version 2>&1 | head -n 1)), sha256 $(sha256sum "$KV" | cut -c1-16)," \
         "commit $(GIT_OPTIONAL_LOCKS=0 git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree"
    echo "runs               $RUNS timed after $WARM warm-up (10M set: $RUNS_BIG after $WARM_BIG); seed $SEED;" \
         "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '  %-44s %11s  %-18s  %10s  %19s  %13s  %11s  %5s\n' "scenario" "median wall" "[min..max]" "cpu" "rows/s" "MB/s" "peak RSS" "idle"
}

# The single-file and end-to-end scenarios on one data set.
one_set() {
    set_name=$1 tag=$2
    data=$(first "$DIR/$set_name"/data/*)
    rules=$(first "$DIR/$set_name"/rules/*.lua)
    dev=$data/avvik.csv
    drows=$(manifest_rows "$set_name" deviations)
    dbytes=$(manifest_bytes "$set_name" deviations)
    all_rows=$((drows + $(manifest_rows "$set_name" proposals) + $(manifest_rows "$set_name" documents)))
    all_bytes=$((dbytes + $(manifest_bytes "$set_name" proposals) + $(manifest_bytes "$set_name" documents)))
    echo "  -- $tag: $(sed -n 's/^deviations *//p' "$DIR/$set_name/manifest.txt"); all three exports $all_rows rows, $all_bytes bytes"
    CACHE=$data                       # into the page cache before each run
    measure "$tag cat avvik.csv" "$drows" "$dbytes" "$WARM" -- cat "$dev"
    measure "$tag memchr_split avvik.csv" "$drows" "$dbytes" "$WARM" -- "$T/memchr_split" "$dev"
    measure "$tag libcsv raw avvik.csv" "$drows" "$dbytes" "$WARM" -- "$T/rawcsv" "$dev"
    measure "$tag kvalrap read --summary (ingest)" "$drows" "$dbytes" "$WARM" -- \
        "$KV" read deviations "$dev" --config "$rules" --summary
    measure "$tag kvalrap read deviations" "$drows" "$dbytes" "$WARM" -- \
        "$KV" read deviations "$dev" --config "$rules"
    measure "$tag libcsv raw, all 3 exports" "$all_rows" "$all_bytes" "$WARM" -- \
        "$T/rawcsv" "$dev" "$data/forbedringsforslag.csv" "$data/dokumenter.csv"
    rm -rf "${OUT:?}/$tag"
    measure "$tag kvalrap run (end to end)" "$all_rows" "$all_bytes" "$WARM" -- \
        "$KV" run --period "$PERIOD" --out "$OUT/$tag" --verbose "$rules"
    stages "$tag kvalrap run (end to end)"
    check_numbers "$set_name" "$(first "$OUT/$tag"/*/"$PERIOD"/kpis.json)"
    read_s=$(median_of "$tag kvalrap read deviations")
    one_s=$(median_of "$tag kvalrap read --summary (ingest)")
    one_cpu=$(cpu_of "$tag kvalrap read --summary (ingest)")
    raw_s=$(median_of "$tag libcsv raw avvik.csv")
    raw3_s=$(median_of "$tag libcsv raw, all 3 exports")
    ingest_s=$(stage_median "$tag kvalrap run (end to end)" ingest)
    read_cpu=$(cpu_of "$tag kvalrap read deviations")
    raw_cpu=$(cpu_of "$tag libcsv raw avvik.csv")
    awk -v r="$read_s" -v c="$raw_s" -v rc="$read_cpu" -v cc="$raw_cpu" -v i="${ingest_s:-}" -v c3="$raw3_s" \
        -v o="$one_s" -v oc="$one_cpu" -v rows="$all_rows" -v b="$all_bytes" 'BEGIN {
        printf "      ratio  ingest of avvik.csv (read --summary) / libcsv raw (same file): %.2f   (CPU time: %.2f)\n", o / c, oc / cc
        printf "      ratio  kvalrap read deviations / libcsv raw (same file):       %.2f   (CPU time: %.2f)\n", r / c, rc / cc
        if (i != "") {
            printf "      ratio  ingest stage of run / libcsv raw (the same 3 files):     %.2f", i / c3
            printf "   (ingest: %.0f rows/s, %.1f MB/s)\n", rows / i, b / 1e6 / i
        }
    }'
    pairs=${BENCH_PAIRS:-$RUNS}
    paired "$tag" "$pairs" "read --summary / libcsv raw (avvik.csv)" wall "$dev" -- \
        read deviations "$dev" --config "$rules" --summary
    paired "$tag" "$pairs" "ingest stage of check / libcsv raw (the 3 files)" ingest \
        "$dev" "$data/forbedringsforslag.csv" "$data/dokumenter.csv" -- \
        check --period "$PERIOD" --verbose "$rules"
}

# once_s LOG -- COMMAND...: one run (no warm-up), its stderr to LOG.0; prints
# its wall time.
once_s() {
    log=$1
    shift 2
    line=$(timed "$*" "$log" 1 0 -- "$@") || exit 1
    echo "$line" | tr ' ' '\n' | sed -n 's/^median=//p'
}

# paired TAG PAIRS LABEL KIND RAW_FILES... -- KVALRAP_ARGS...: libcsv raw
# and kvalrap's reading, run alternately (raw first in odd pairs, kvalrap
# first in even ones), so that each ratio compares two runs seconds apart
# on the same state of the machine.  The medians above come from runs
# minutes apart, and on a shared machine whose speed drifts by a third
# within minutes (docs/performance.md) their ratio measures the drift as
# much as the code.  KIND "wall": kvalrap's wall time; "ingest": the ingest
# stage of its --verbose lines.  Prints the median of the per-pair ratios
# and their range.
paired() {
    tag=$1 pairs=$2 label=$3 kind=$4
    shift 4
    raw=()
    while [ "$1" != "--" ]; do raw+=("$1"); shift; done
    shift
    log=$LOGS/$(echo "$tag paired $label" | tr -c 'A-Za-z0-9_.\n-' '_')
    quiet
    ratios=""
    for i in $(seq "$pairs"); do
        if [ $((i % 2)) = 1 ]; then
            r=$(once_s "$log.raw" -- "$T/rawcsv" "${raw[@]}")
            k=$(once_s "$log.kv" -- "$KV" "$@")
        else
            k=$(once_s "$log.kv" -- "$KV" "$@")
            r=$(once_s "$log.raw" -- "$T/rawcsv" "${raw[@]}")
        fi
        if [ "$kind" = ingest ]; then
            k=$(awk '$1 == "kvalrap:" && $3 == "ingest" { print $4; exit }' "$log.kv.0")
        fi
        ratios="$ratios $(awk -v k="$k" -v r="$r" 'BEGIN { printf "%.4f", k / r }')"
    done
    echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk -v l="$label" -v n="$pairs" -v res="$RES" -v tag="$tag" '
        { x[++c] = $1 }
        END {
            med = c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
            printf "      paired %-58s %.2f  [%.2f..%.2f] over %d alternating pairs\n", l ":", med, x[1], x[c], n
            printf "%s: paired %s\t\t\t%s\t%s\t%s\t\t\t\t%d\n", tag, l, med, x[1], x[c], n >> res
        }'
}

# check_numbers SET KPIS_JSON: the KPIs agree with what the generator says
# it wrote (open overdue deviations, documents not revised, rejected rows).
check_numbers() {
    command -v python3 > /dev/null || return 0
    python3 - "$DIR/$1/manifest.txt" "$2" <<'PY' || true
import json, re, sys
m = open(sys.argv[1], encoding="utf-8").read()
want = {
    "open overdue": int(re.search(r"overdue on 2026-10-31: (\d+)", m).group(1)),
    "documents not revised": int(re.search(r"(\d+) of them not revised", m).group(1)),
    "live documents": int(re.search(r"(\d+) not archived", m).group(1)),
    "rejected rows": int(re.search(r"(\d+) with an impossible date", m).group(1)),
}
k = json.load(open(sys.argv[2], encoding="utf-8"))
by = {x["id"]: x for x in k["kpis"]}
got = {
    "open overdue": by.get("deviations_open_overdue", {}).get("value"),
    "documents not revised": len(by.get("documents_revised_within", {}).get("items") or []),
    "live documents": by.get("documents_revised_within", {}).get("denominator"),
    "rejected rows": k.get("rejected_rows"),
}
bad = [f"{n}: {got[n]} (the generator wrote {want[n]})" for n in want if got[n] != want[n]]
print("      check  kpis.json against the generator's manifest: " + ("MISMATCH " + "; ".join(bad) if bad else
      "%d open overdue, %d of %d documents not revised, %d rejected rows: as generated" %
      (got["open overdue"], got["documents not revised"], got["live documents"], got["rejected rows"])))
PY
}

custom_kpi() {
    set_name=$1 tag=$2
    none=$(first "$DIR/$set_name"/variants/*-none.lua)
    custom=$(first "$DIR/$set_name"/variants/*-custom.lua)
    all_rows=$(($(manifest_rows "$set_name" deviations) + $(manifest_rows "$set_name" proposals) + $(manifest_rows "$set_name" documents)))
    echo "  -- $tag: one custom KPI (serious_children_closed_on_time) against none"
    CACHE=$DIR/$set_name/data
    measure "$tag rules with no KPI" "$all_rows" 0 "$WARM" -- \
        "$KV" run --period "$PERIOD" --out "$OUT/$tag-none" --verbose "$none"
    stages "$tag rules with no KPI"
    measure "$tag rules with one custom KPI" "$all_rows" 0 "$WARM" -- \
        "$KV" run --period "$PERIOD" --out "$OUT/$tag-custom" --verbose "$custom"
    stages "$tag rules with one custom KPI"
    a=$(stage_median "$tag rules with no KPI" rules)
    b=$(stage_median "$tag rules with one custom KPI" rules)
    awk -v a="${a:-}" -v b="${b:-}" -v ea="$(median_of "$tag rules with no KPI")" \
        -v eb="$(median_of "$tag rules with one custom KPI")" 'BEGIN {
        if (a != "" && b != "")
            printf "      custom KPI cost (rules stage, incl. 14 trend evaluations and 2 breakdowns): %.1f ms\n", (b - a) * 1000
        printf "      custom KPI cost (end to end, incl. its share of the writers):            %.1f ms\n", (eb - ea) * 1000
    }'
    printf '%s: custom KPI cost\t\t\t%s\t\t\t\t\t\t\n' "$tag" \
        "$(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { print b - a }')" >> "$RES"
}

batch() {
    set_name=$1 tag=$2
    n=$(awk '$1 == "municipalities" { print $2 }' "$DIR/$set_name/manifest.txt")
    rows=$(($(manifest_rows "$set_name" deviations) + $(manifest_rows "$set_name" proposals) + $(manifest_rows "$set_name" documents)))
    bytes=$(($(manifest_bytes "$set_name" deviations) + $(manifest_bytes "$set_name" proposals) + $(manifest_bytes "$set_name" documents)))
    echo "  -- $tag: $n municipalities, $rows rows, $bytes bytes in all"
    CACHE=$DIR/$set_name/data         # into the page cache before each run
    rm -rf "${OUT:?}/$tag"
    measure "$tag kvalrap run, batch of $n" "$rows" "$bytes" "$WARM" -- \
        "$KV" run --period "$PERIOD" --rules "$DIR/$set_name/rules" --out "$OUT/$tag" --verbose
    echo "      (stages: the sum over the $n municipalities, i.e. time in the workers, not wall time)"
    stages "$tag kvalrap run, batch of $n"
    # The batch ends with the benchmark of the municipalities side by side,
    # built from their kpis.json; the same step alone:
    measure "$tag kvalrap merge (benchmark step)" 0 0 "$WARM" -- \
        "$KV" merge --period "$PERIOD" --out "$OUT/$tag-merge" "$OUT/$tag"
}

gnu_time_check() {
    set_name=$1 tag=$2
    rules=$(first "$DIR/$set_name"/rules/*.lua)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$KV" run --period "$PERIOD" --out "$OUT/$tag-time" "$rules" 2> "$LOGS/gnu-time.txt" || true
        awk -F ': ' '/Elapsed \(wall clock\)/ { w = $2 } /Maximum resident set size/ { m = $2 }
            END { printf "  -- cross-check, /usr/bin/time -v of one %s run: wall %s, maximum resident set %.1f MB\n", tag, w, m / 1024 }' \
            tag="$tag" "$LOGS/gnu-time.txt"
    fi
}

verdict() {
    echo
    echo "targets (issue 7)"
    e1=$(median_of "$BASE kvalrap run (end to end)") m1=$(rss_of "$BASE kvalrap run (end to end)")
    e10=$(median_of "$BIG kvalrap run (end to end)" || true) m10=$(rss_of "$BIG kvalrap run (end to end)" || true)
    eb=$(awk -F '\t' -v p="$BATCH kvalrap run, batch" 'index($1, p) == 1 { print $4; exit }' "$RES")
    cu=$(awk -F '\t' -v k="$BASE: custom KPI cost" '$1 == k { print $4; exit }' "$RES")
    [ -n "$e1" ] || { echo "  (the 1M end-to-end scenario was skipped)"; return 0; }
    awk -v base="$BASE" -v big="$BIG" -v batch="$BATCH" -v q="$QUICK" -v e1="$e1" -v m1="$m1" -v e10="${e10:-}" -v m10="${m10:-}" -v eb="${eb:-}" -v cu="${cu:-}" '
        function ok(c) { return c ? "met" : "NOT met" }
        BEGIN {
            if (q == 1) print "  (quick run: smaller data; the targets are for the full sets, shown for the record)"
            printf "  1. end to end %-8s  %.3f s (<= 1.0 s: %s), %.1f MB (<= 100 MB: %s)\n", base ":", e1, ok(e1 <= 1.0), m1 / 1024, ok(m1 / 1024 <= 100)
            if (e10 != "")
                printf "  2. scale %-13s  %.3f s = %.2f x the %s time (<= 10.5: %s), %.1f MB (<= 1 GB: %s)\n", big ":", e10, e10 / e1, base, ok(e10 / e1 <= 10.5), m10 / 1024, ok(m10 / 1024 <= 1024)
            if (eb != "")
                printf "  2. batch %-13s  %.3f s (<= 30 s: %s)\n", batch ":", eb, ok(eb <= 30)
            if (cu != "")
                printf "  3. custom KPI:           %.1f ms (<= 20 ms: %s)\n", cu * 1000, ok(cu * 1000 <= 20)
        }'
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

perf_profile() {
    set_name=$1 tag=$2
    rules=$(first "$DIR/$set_name"/rules/*.lua)
    command -v perf > /dev/null || { echo "  (perf not installed)"; return 0; }
    perf record -q -g -o "$DIR/perf.data" -- "$KV" run --period "$PERIOD" --out "$OUT/$tag-perf" "$rules" 2>/dev/null
    echo
    echo "perf: top symbols (self time) of one $tag end-to-end run; perf report -i $DIR/perf.data for more"
    # Into a file first: `head` closing the pipe early would end perf with
    # SIGPIPE, and with pipefail the whole benchmark with status 141.
    perf report -i "$DIR/perf.data" --no-children --stdio -g none --sort dso,symbol > "$DIR/perf.txt" 2>/dev/null
    grep -E '^ +[0-9.]+%' "$DIR/perf.txt" | sed 's/[ -]*$//' | sed -n '1,30p'  || true
}

main() {
    header
    if ! skipped 1m; then
        one_set "$BASE" "$BASE"
        gnu_time_check "$BASE" "$BASE"
    fi
    skipped custom || custom_kpi "$BASE" "$BASE"
    skipped 10m || RUNS=$RUNS_BIG WARM=$WARM_BIG one_set "$BIG" "$BIG"
    skipped batch || batch "$BATCH" "$BATCH"
    verdict
    [ "${BENCH_PERF:-0}" != 1 ] || perf_profile "$BASE" "$BASE"
    echo
    echo "results: $DIR/results.txt, $DIR/results.tsv; logs: $LOGS/"
}

main 2>&1 | tee "$DIR/results.txt"
