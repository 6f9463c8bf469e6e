# bench/bench.mk - `make bench`: the benchmark of issue 7 (see bench/run.sh
# and docs/performance.md).  Included by the main Makefile:
#
#   include bench/bench.mk
#
# and usable on its own beside it: make -f Makefile -f bench/bench.mk bench
#
#   make bench                      full run: 1M, 10M, 300 municipalities
#   make bench BENCH_QUICK=1        smoke test: 100k rows, one run
#   make bench BENCH_RUNS=9         more runs per scenario
#   make bench-tools                only build the generator and the tools
#
# The data go to build/bench/ (never committed); generated once, again only
# when the generator or its arguments change.

ifndef KV_BENCH_MK
KV_BENCH_MK := 1

# Keep the including Makefile's default goal (`all`) whatever the position
# of the include.
KV_BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

BENCH_CC     ?= $(CC)
BENCH_CFLAGS := -std=c17 -Wall -Wextra -Werror -O2
BENCH_BIN    := build/bench/bin
BENCH_TOOLS  := $(BENCH_BIN)/gen $(BENCH_BIN)/rawcsv $(BENCH_BIN)/memchr_split $(BENCH_BIN)/timeit

.PHONY: bench bench-tools

bench: kvalrap bench-tools
	BENCH_NOBUILD=1 bash bench/run.sh

bench-tools: $(BENCH_TOOLS)

$(BENCH_BIN):
	mkdir -p $@

$(BENCH_BIN)/gen: bench/gen.c | $(BENCH_BIN)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_BIN)/rawcsv: bench/rawcsv.c | $(BENCH_BIN)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $< -lcsv

$(BENCH_BIN)/memchr_split: bench/memchr_split.c | $(BENCH_BIN)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_BIN)/timeit: bench/timeit.c | $(BENCH_BIN)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $<

.DEFAULT_GOAL := $(KV_BENCH_SAVED_GOAL)

endif
