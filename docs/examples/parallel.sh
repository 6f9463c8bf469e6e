#!/bin/sh
# GNU parallel on one or several machines (-S host1,host2 with a shared
# output folder): N shards, then the merge.  Run from the repository root
# to try it on the samples.
set -eu
N=${N:-4}
OUT=${OUT:-out}
seq 1 "$N" | parallel --halt now,fail=1 kvalrap run --period 2026-10 --out "$OUT" --jobs 1 --shard {}/"$N"
kvalrap merge --period 2026-10 --out "$OUT"
