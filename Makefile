# kvalrap - build, test and demo.  See README.md.
#
#   make demo     install missing Debian packages, build, run samples/ -> out/
#   make test     build and run every test (also under ASan+UBSan)
#   make          build ./kvalrap

CC      ?= cc
PKGS    := lua5.4 xlsxwriter nettle jansson sqlite3 zlib
CSTD    := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -DKV_SYSCONFDIR='"$(SYSCONFDIR)"' -Iinclude -Ibuild $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lhpdf -lm -lpthread
BUILD   ?= build
SYSCONFDIR ?= /etc/kvalrap

# Debian packages: to build, to run, to test.
DEB_BUILD := build-essential pkg-config libcsv-dev liblua5.4-dev libxlsxwriter-dev \
             libhpdf-dev nettle-dev libjansson-dev libsqlite3-dev zlib1g-dev libcmocka-dev
DEB_RUN   := fonts-dejavu-core
DEB_TEST  := poppler-utils qpdf python3 python3-openpyxl valgrind man-db clang libclang-rt-14-dev time

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/embedded_data.o
EMBED    := $(sort $(wildcard reports/*.nb reports/*.sv reports/*.en lua/lib/*.lua))
TESTS    := $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/test_*.c))

.PHONY: all deps demo test test-unit test-e2e valgrind clean bench samples install uninstall

all: kvalrap

kvalrap: $(BUILD)/main.o $(BUILD)/libkvalrap.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/libkvalrap.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)
	$(CC) $(CFLAGS) -c -o $@ $<

# Regenerated on every make, replaced only when its content changes, so a
# file added to reports/ or lua/lib/ (or a hand-run embed.sh) is never missed.
$(BUILD)/embedded_data.c: FORCE | $(BUILD)
	@sh tools/embed.sh $@.new $(EMBED) && if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

FORCE:

$(BUILD)/embedded_data.o: $(BUILD)/embedded_data.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD):
	mkdir -p $@

# Install what is missing, and only that (needs root on a fresh machine).
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_RUN) $(DEB_TEST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Samples are committed; this regenerates them with the deterministic generator.
$(BUILD)/gensamples: tools/gensamples.c | $(BUILD)
	$(CC) $(CSTD) $(WARN) -O2 -o $@ $< -lm

samples: $(BUILD)/gensamples
	$(BUILD)/gensamples samples

demo: deps
	$(MAKE) kvalrap
	./kvalrap run --period 2026-10 --out out --verbose
	@echo "reports written under out/"

# ---------------------------------------------------------------- tests

$(BUILD)/test_%: tests/test_%.c tests/fixture.c $(BUILD)/libkvalrap.a tests/testutil.h tests/fixture.h
	$(CC) $(CFLAGS) -Itests -o $@ $< tests/fixture.c $(BUILD)/libkvalrap.a $(LDFLAGS) $(TEST_WRAP) $(LDLIBS) -lcmocka

# test_xlsx stands between the workbook writer and fwrite (a disk that
# keeps a wrong byte without an error).
$(BUILD)/test_xlsx: TEST_WRAP := -Wl,--wrap=fwrite

$(BUILD)/kvalrap: $(BUILD)/main.o $(BUILD)/libkvalrap.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# KV_CHECK_FIELDS: the reader checks every field it reads in place against
# libcsv's copy of it (src/ingest.c, on_field).
SAN_OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
           -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -DKV_CHECK_FIELDS

# The unit tests, the end-to-end tests, then both again under ASan+UBSan.
test: deps
	$(MAKE) test-unit test-e2e fuzz-regress
	sh tests/install.sh
	$(MAKE) valgrind
	$(MAKE) BUILD=build/asan OPT="$(SAN_OPT)" LDFLAGS="-fsanitize=address,undefined" test-unit
	$(MAKE) BUILD=build/asan OPT="$(SAN_OPT)" LDFLAGS="-fsanitize=address,undefined" build/asan/kvalrap
	ASAN_OPTIONS=detect_leaks=1 sh tests/e2e.sh build/asan/kvalrap
	ASAN_OPTIONS=detect_leaks=1 sh tests/examples.sh build/asan/kvalrap

test-unit: $(TESTS)
	@fail=0; for t in $(TESTS); do $$t || fail=1; done; exit $$fail

test-e2e: kvalrap
	sh tests/e2e.sh ./kvalrap
	sh tests/examples.sh ./kvalrap

# A full sample batch under valgrind's memcheck: no errors, no leaks.
valgrind: kvalrap
	rm -rf build/vg-out
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	  --error-exitcode=99 \
	  ./kvalrap run --period 2026-10 --out build/vg-out -j 1

# ---------------------------------------------------------------- install

PREFIX     ?= /usr/local
BINDIR     := $(PREFIX)/bin
MANDIR     := $(PREFIX)/share/man/man1
DOCDIR     := $(PREFIX)/share/doc/kvalrap

install: kvalrap
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)/rules
	install -m 0755 kvalrap $(DESTDIR)$(BINDIR)/kvalrap
	install -m 0644 docs/kvalrap.1 $(DESTDIR)$(MANDIR)/kvalrap.1
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/examples/* $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 lua/*.lua $(DESTDIR)$(DOCDIR)/rules/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kvalrap $(DESTDIR)$(MANDIR)/kvalrap.1
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build kvalrap out

# ---------------------------------------------------------------- more targets
# make fuzz / fuzz-regress (libFuzzer), make bench, make coverage,
# make fault / fault-sigkill / fault-disk / fault-security.
include fuzz/fuzz.mk
include bench/bench.mk
include tests/coverage.mk
include tests/fault/fault.mk
