#!/bin/sh
# `make install DESTDIR=...`, then the man page and a run from the installed binary.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

make -s -C "$ROOT" install DESTDIR="$T/root" PREFIX=/usr >"$T/log" 2>&1 && ok || bad "make install: $(cat "$T/log")"
K=$T/root/usr/bin/kvalrap
[ -x "$K" ] && ok || bad "no installed binary"
"$K" --version | grep -q "^kvalrap " && ok || bad "installed --version"
MANWIDTH=80 man -l "$T/root/usr/share/man/man1/kvalrap.1" 2>/dev/null | grep -q "EXIT STATUS" && ok || bad "man page"
[ -f "$T/root/usr/share/doc/kvalrap/examples/kvalrap.timer" ] && ok || bad "systemd timer not installed"
# The installed binary needs nothing from the source tree but the rules and exports.
cp -r "$ROOT/lua" "$ROOT/samples" "$T/"
(cd "$T" && "$K" run --period 2026-10 --out "$T/out" -m troms) && ok || bad "run from the installed binary"
[ -s "$T/out/troms/2026-10/report.pdf" ] && ok || bad "installed run wrote no PDF"
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
