# tests/coverage.mk - line and branch coverage with gcov (included from the Makefile).
#
#   make coverage   build with --coverage -O0 into build/cov/, run the unit
#                   tests and tests/e2e.sh with that build, then print a table
#                   of line and branch coverage per file of src/ (gcov's own
#                   figures: "branches" are the branch outcomes taken at least
#                   once).  The goal of issue 8 is >= 90 % of the branches of
#                   src/ingest.c, src/date.c and src/rules.c; the table names
#                   them and build/cov/uncovered-*.txt lists their untaken
#                   branches line by line.  With gcovr installed, also an HTML
#                   report in build/cov/html/.
#
# The batch's children end with _exit(), which skips gcov's exit handler;
# the coverage build wraps _exit (tests/fault/gcov_flush.c) to dump first.
# A child dumps while main, cmd_run and batch_run_each are still on its
# stack, so gcov can derive a few negative arc counts in batch.c and main.c
# ("taken -2"); gcovr is told to skip those lines.

COV_BUILD   := build/cov
COV_OPT     := -O0 -g --coverage
COV_LDFLAGS := --coverage $(CURDIR)/$(COV_BUILD)/gcov_flush.o -Wl,--wrap=_exit
COV_TESTS   := $(patsubst tests/%.c,$(COV_BUILD)/%,$(wildcard tests/test_*.c))
# The modules the goal is about; the table shows every file of src/.
COV_FOCUS   ?= ingest date rules
# More test scripts to run with the coverage binary (each gets its path as
# $$1), e.g. COV_EXTRA="tests/fault/security.sh".
COV_EXTRA   ?=

.PHONY: coverage coverage-report

define COV_RUN
	@find $(COV_BUILD) -name '*.gcda' -delete
	@fail=0; for t in $(COV_TESTS); do $$t >$(COV_BUILD)/$$(basename $$t).log 2>&1 || { echo "coverage: $$t failed (see $(COV_BUILD)/$$(basename $$t).log)"; fail=1; }; done; \
	sh tests/e2e.sh $(COV_BUILD)/kvalrap >$(COV_BUILD)/e2e.log 2>&1 || { echo "coverage: tests/e2e.sh failed (see $(COV_BUILD)/e2e.log)"; fail=1; }; \
	tail -n 1 $(COV_BUILD)/e2e.log; \
	for x in $(COV_EXTRA); do sh $$x $(COV_BUILD)/kvalrap >$(COV_BUILD)/$$(basename $$x .sh).log 2>&1 || { echo "coverage: $$x failed"; fail=1; }; done; \
	[ $$fail -eq 0 ] || echo "coverage: some tests failed; the figures below are of what ran"
endef

define COV_REPORT
	@sh tests/fault/covreport.sh $(COV_BUILD) $(COV_FOCUS)
	@if command -v gcovr >/dev/null 2>&1; then \
	  mkdir -p $(COV_BUILD)/html; \
	  if gcovr -r . --object-directory $(COV_BUILD) --filter 'src/' --gcov-ignore-parse-errors \
	       --html-details $(COV_BUILD)/html/index.html >$(COV_BUILD)/gcovr.log 2>&1; then \
	    echo "coverage: HTML report in $(COV_BUILD)/html/index.html"; \
	  else echo "coverage: gcovr failed (see $(COV_BUILD)/gcovr.log); the table above is gcov's own"; fi; \
	fi
endef

# Build (fresh counters), run every test, print the table.  A failing test
# is reported but the figures are still made: they say what ran.
coverage: deps $(COV_BUILD)/gcov_flush.o
	$(MAKE) BUILD=$(COV_BUILD) OPT="$(COV_OPT)" LDFLAGS="$(COV_LDFLAGS)" $(COV_BUILD)/kvalrap $(COV_TESTS)
	$(COV_RUN)
	$(COV_REPORT)

# The table again, from the counters of the last run.
coverage-report:
	$(COV_REPORT)

$(COV_BUILD)/gcov_flush.o: tests/fault/gcov_flush.c
	@mkdir -p $(COV_BUILD)
	$(CC) -std=c17 -O0 -c -o $@ $<
