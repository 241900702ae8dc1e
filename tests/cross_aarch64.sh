#!/bin/sh
# cross_aarch64.sh BINARY SOURCE_DIR — the coro runtime's aarch64 switch
# (runtimes/coro/switch_aarch64.S), which no x86-64 build compiles:
# unit_switch built for aarch64 with the cross compiler and run under
# qemu-user (its callee-saved registers, FPCR, deep stacks, backtraces).
# Correctness only: qemu's timing says nothing of a real core. Skipped
# (77) without gcc-aarch64-linux-gnu and qemu-user, which `concbench test`
# does not install (some 50 MB for one test); on an aarch64 machine
# unit_switch itself runs this code natively.
. "$(dirname "$0")/lib.sh"

need aarch64-linux-gnu-gcc "to build unit_switch for aarch64 (Debian: gcc-aarch64-linux-gnu)"
need qemu-aarch64 "to run it (Debian: qemu-user)"
# Static, so qemu needs no aarch64 libraries; what unit_switch links of the
# tests' helpers (testlib.c) pulls in files.c, net.c and util.c, of which
# --gc-sections keeps only what is called.
aarch64-linux-gnu-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$SRC" \
	-ffunction-sections -fdata-sections -Wl,--gc-sections -static -o "$T/unit_switch" \
	"$SRC/tests/unit_switch.c" "$SRC/tests/testlib.c" "$SRC/harness/base/files.c" \
	"$SRC/workloads/net.c" "$SRC/workloads/util.c" "$SRC/runtimes/coro/stack.c" \
	"$SRC/runtimes/coro/switch_aarch64.S" -lm >"$T/out" 2>"$T/err" ||
	die "the aarch64 build of unit_switch failed: $(grep -m1 -i error "$T/err")"
# qemu-aarch64 runs nothing but an aarch64 binary, so this also checks the build.
qemu-aarch64 "$T/unit_switch" >"$T/out" 2>"$T/err" || fail "unit_switch for aarch64 under qemu exited $?"
# The lines that say the assembly switch ran and kept what it must.
grep -q "^asm: .* round trips, all [0-9]* callee-saved registers kept, locals and FP mode kept" "$T/out" ||
	fail "no line saying the aarch64 switch kept every callee-saved register"
grep -q "^asm: .* backtraces from inside the switch, all whole" "$T/out" ||
	fail "no line saying backtraces through the aarch64 switch stay whole"
[ "$fails" -eq 0 ] && sed 's/^/  /' "$T/out"
finish "unit_switch built for aarch64 passes under qemu-user"
