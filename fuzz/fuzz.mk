# fuzz/fuzz.mk - libFuzzer harnesses (clang, ASan + UBSan), included by the
# main Makefile (`include fuzz/fuzz.mk`) or used alone (`make -f fuzz/fuzz.mk`).
# See fuzz/README.md.
#
#   make fuzz               build every harness, fuzz each for FUZZ_SECONDS (60)
#                           on a copy of its corpus; non-zero exit on a finding
#   make -j2 fuzz           the same, two harnesses at a time
#   make fuzz-regress       run each harness once over its corpus and
#                           fuzz/regressions/<harness>/ (-runs=0): a quick test
#   make fuzz-build         only build build/fuzz/<harness>
#   make fuzz-clean         remove build/fuzz
#
# The project's sources and libcsv (fuzz/third_party/libcsv, compiled in so
# that it is instrumented) are compiled here with the fuzzing flags; nothing
# from build/libkvalrap.a is used.  jansson and iconv are the system's.
# Needs the Debian packages in FUZZ_DEB.

# Keep whatever default goal the including Makefile has.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_DEB       := clang libclang-rt-14-dev
FUZZ_CC        ?= $(shell command -v clang 2>/dev/null || command -v clang-14 2>/dev/null || echo clang)
FUZZ_SECONDS   ?= 60
FUZZ_OUT       ?= build/fuzz
FUZZ_HARNESSES := fuzz_ingest fuzz_date fuzz_kolada fuzz_number fuzz_benchmark
# Extra libFuzzer options for `make fuzz`, e.g. FUZZ_OPTS=-jobs=2.
FUZZ_OPTS      ?=

# Largest input each harness is fuzzed with (the corpus is replayed whole).
FUZZ_MAX_LEN_fuzz_ingest := 4096
FUZZ_MAX_LEN_fuzz_date   := 128
FUZZ_MAX_LEN_fuzz_kolada := 4096
FUZZ_MAX_LEN_fuzz_number := 256
FUZZ_MAX_LEN_fuzz_benchmark := 8192

# To fuzz past findings not yet fixed (fuzz/README.md), in a separate FUZZ_OUT:
#   FUZZ_DEFS=-DFUZZ_KNOWN_FINDINGS relaxes exactly the invariants they break;
#   FUZZ_SAN_EXTRA=-fno-sanitize=pointer-overflow,nonnull-attribute the UB check
#   that finding 2 trips on.
FUZZ_DEFS ?=
FUZZ_SAN_EXTRA ?=
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer $(FUZZ_SAN_EXTRA)
FUZZ_CFLAGS  := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g $(FUZZ_SAN) $(FUZZ_DEFS) \
                -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
                -fsanitize=fuzzer-no-link -Wall -Wextra -Wno-unused-parameter \
                -Ifuzz/third_party/libcsv -Iinclude $(shell pkg-config --cflags jansson nettle 2>/dev/null)
FUZZ_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer
FUZZ_LDLIBS  := $(shell pkg-config --libs jansson nettle 2>/dev/null || echo -ljansson -lnettle) -lm

# What the readers need, compiled with the flags above (no Lua; of the writers
# only json_writer.c, for fuzz_benchmark's json_write_benchmark).
# -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (libFuzzer's convention) turns on
# benchmark_fuzz_jansson_only() in src/benchmark.c.
FUZZ_PROJECT_SRC := src/ingest.c src/date.c src/table.c src/schema.c src/util.c src/reference.c \
                    src/benchmark.c src/json_writer.c src/model.c
FUZZ_OBJ := $(FUZZ_PROJECT_SRC:src/%.c=$(FUZZ_OUT)/obj/%.o) $(FUZZ_OUT)/obj/libcsv.o
FUZZ_BINS := $(FUZZ_HARNESSES:%=$(FUZZ_OUT)/%)

.PHONY: fuzz fuzz-build fuzz-regress fuzz-clean fuzz-check-cc $(FUZZ_HARNESSES:%=fuzz-run-%)

fuzz-check-cc:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	  echo "fuzz: $(FUZZ_CC) not found; install the Debian packages: $(FUZZ_DEB)" >&2; exit 1; }

fuzz-build: fuzz-check-cc $(FUZZ_BINS)

$(FUZZ_PROJECT_SRC:src/%.c=$(FUZZ_OUT)/obj/%.o): $(FUZZ_OUT)/obj/%.o: src/%.c $(wildcard include/*.h) | $(FUZZ_OUT)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

# libcsv 3.0.3 as Debian ships it; -w: its C89 code is not ours to lint.
$(FUZZ_OUT)/obj/libcsv.o: fuzz/third_party/libcsv/libcsv.c fuzz/third_party/libcsv/csv.h | $(FUZZ_OUT)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -w -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_OUT)/%: fuzz/%.c fuzz/fuzz_common.h $(FUZZ_OBJ) | fuzz-check-cc $(FUZZ_OUT)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJ) $(FUZZ_LDFLAGS) $(FUZZ_LDLIBS)

$(FUZZ_OUT)/obj:
	mkdir -p $@

# One target per harness, so that `make -j2 fuzz` runs two at a time.  Each
# fuzzes a scratch copy of its corpus; what it finds lands in
# $(FUZZ_OUT)/artifacts/<harness>/ (copy it to fuzz/regressions/<harness>/).
fuzz: $(FUZZ_HARNESSES:%=fuzz-run-%)

$(FUZZ_HARNESSES:%=fuzz-run-%): fuzz-run-%: $(FUZZ_OUT)/%
	@rm -rf $(FUZZ_OUT)/work/$* && mkdir -p $(FUZZ_OUT)/work/$* $(FUZZ_OUT)/artifacts/$*
	@touch $(FUZZ_OUT)/work/$*.start
	@cp fuzz/corpus/$*/* $(FUZZ_OUT)/work/$*/
	@echo "fuzz: $* for $(FUZZ_SECONDS) s (log: $(FUZZ_OUT)/$*.log)"
	@$(FUZZ_OUT)/$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -max_len=$(FUZZ_MAX_LEN_$*) $(if $(wildcard fuzz/dict/$*.dict),-dict=fuzz/dict/$*.dict) \
	  -print_final_stats=1 -artifact_prefix=$(FUZZ_OUT)/artifacts/$*/ $(FUZZ_OPTS) \
	  $(FUZZ_OUT)/work/$* >$(FUZZ_OUT)/$*.log 2>&1; \
	rc=$$?; \
	grep -E '^#[0-9]+(:|[[:space:]]+DONE)' $(FUZZ_OUT)/$*.log | tail -1 | sed 's/^/fuzz: $* /'; \
	n=$$(find $(FUZZ_OUT)/artifacts/$* -type f -newer $(FUZZ_OUT)/work/$*.start | wc -l); \
	if [ $$rc -ne 0 ] || [ $$n -ne 0 ]; then \
	  echo "fuzz: $* FOUND A PROBLEM (exit $$rc, $$n inputs in $(FUZZ_OUT)/artifacts/$*/):" >&2; \
	  grep -E 'FUZZ INVARIANT|runtime error|ERROR: [A-Za-z]+Sanitizer' $(FUZZ_OUT)/$*.log \
	    | sed 's/==[0-9]*==//; s/0x[0-9a-f]*/0x../g' | sort | uniq -c | sort -rn | head -20 >&2; \
	  exit 1; \
	fi

# Every input of the corpus once (one process per harness), then every file
# of fuzz/regressions/<harness>/ once (one process each, so that every
# failing regression is named).  No fuzzing.
fuzz-regress: fuzz-build
	@fail=0; for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ_OUT)/artifacts/$$h; log=$(FUZZ_OUT)/$$h.regress.log; : >$$log; \
	  n=$$(find fuzz/corpus/$$h -type f | wc -l); bad=0; \
	  if ! $(FUZZ_OUT)/$$h -runs=0 -timeout=60 -artifact_prefix=$(FUZZ_OUT)/artifacts/$$h/ fuzz/corpus/$$h >>$$log 2>&1; then \
	    echo "fuzz-regress: $$h: FAILED on its corpus (log: $$log):" >&2; bad=1; \
	  fi; \
	  for f in $$(find fuzz/regressions/$$h -type f 2>/dev/null | sort); do \
	    n=$$((n + 1)); \
	    if ! $(FUZZ_OUT)/$$h -timeout=60 -artifact_prefix=$(FUZZ_OUT)/artifacts/$$h/ $$f >>$$log 2>&1; then \
	      echo "fuzz-regress: $$h: FAILED on $$f" >&2; bad=1; \
	    fi; \
	  done; \
	  if [ $$bad = 0 ]; then echo "fuzz-regress: $$h: $$n inputs, no finding"; else \
	    grep -E 'ERROR: |FUZZ INVARIANT|runtime error|SUMMARY|Running:' $$log | sed 's/^/    /' >&2; fail=1; fi; \
	done; exit $$fail

fuzz-clean:
	rm -rf $(FUZZ_OUT)

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
