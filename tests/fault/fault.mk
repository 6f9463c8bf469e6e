# tests/fault/fault.mk - fault injection, SIGKILL and full-disk tests.
# Included from the Makefile:
#
#   make fault          allocation and I/O torture of a small batch (a few minutes)
#   make fault-full     the same for every N (an hour or two)
#   make fault-sigkill  ~30 SIGKILLs at random moments of the sample batch
#   make fault-disk     a full disk (a tiny tmpfs in a user namespace)
#   make fault-security the security review's tests (paths, permissions,
#                       no shell, no formulas/links/actions)
#   make fault-all      all of them but fault-full
#
# The kvalrap they test is built with ASan+UBSan into build/fault/, with an
# LD_PRELOAD shim (tests/fault/shim.c) that fails the Nth allocation or file
# operation on request.

FAULT_BUILD := build/fault
# The flags of `make test`'s sanitizer build (SAN_OPT), when the Makefile has them.
FAULT_OPT    = $(if $(SAN_OPT),$(SAN_OPT),-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3)

.PHONY: fault fault-full fault-sigkill fault-disk fault-security fault-all fault-build

# Objects are rebuilt when the flags change (make does not see flags).
fault-build: $(FAULT_BUILD)/shim.so
	@echo '$(FAULT_OPT)' | cmp -s - $(FAULT_BUILD)/.flags || { rm -f $(FAULT_BUILD)/*.o $(FAULT_BUILD)/libkvalrap.a $(FAULT_BUILD)/kvalrap; echo '$(FAULT_OPT)' >$(FAULT_BUILD)/.flags; }
	$(MAKE) BUILD=$(FAULT_BUILD) OPT="$(FAULT_OPT)" LDFLAGS="-fsanitize=address,undefined" $(FAULT_BUILD)/kvalrap

$(FAULT_BUILD)/shim.so: tests/fault/shim.c
	@mkdir -p $(FAULT_BUILD)
	$(CC) -std=gnu17 -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer -shared -fPIC -o $@ $< -ldl

fault: fault-build
	sh tests/fault/torture.sh $(FAULT_BUILD)/kvalrap $(FAULT_BUILD)/shim.so

fault-full: fault-build
	KV_TORTURE_FULL=1 sh tests/fault/torture.sh $(FAULT_BUILD)/kvalrap $(FAULT_BUILD)/shim.so

fault-sigkill: kvalrap
	sh tests/fault/sigkill.sh ./kvalrap

fault-disk: kvalrap
	sh tests/fault/fulldisk.sh ./kvalrap

fault-security: kvalrap
	sh tests/fault/security.sh ./kvalrap

fault-all: fault fault-sigkill fault-disk fault-security
