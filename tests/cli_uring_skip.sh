#!/bin/sh
# cli_uring_skip.sh BINARY SOURCE_DIR — where io_uring is unavailable the
# uring runtime's cells are recorded as skipped with the reason, not as
# failures: the run still succeeds, results.jsonl marks the cell
# "skipped": true with the reason as its error, the other runtime's cell
# is unaffected, and summary and report accept the run. CB_URING_DISABLE=1
# simulates the kernel's refusal (runtimes/uring/uring.c).
. "$(dirname "$0")/lib.sh"

CB_URING_DISABLE=1 "$BIN" run --runtime uring,epoll --workload cpu --set tasks=2 \
	--set work=1000 --reps 1 --warmup 0 --timeout 60 --out "$T/r" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || fail "a run whose uring cell is skipped: exit status $rc, want 0"
line=$(grep '"runtime":"uring"' "$T/r/results.jsonl")
case $line in
*'"ok":false'*'"skipped":true'*) ;;
*) fail "the uring cell is not recorded as skipped: $line" ;;
esac
case $line in
*'"error":"skipped: io_uring is unavailable: CB_URING_DISABLE=1'*) ;;
*) fail "the skipped cell does not say why: $line" ;;
esac
grep '"runtime":"epoll"' "$T/r/results.jsonl" | grep -q '"ok":true' ||
	fail "the epoll cell beside it did not succeed"
grep -q "cells skipped" "$T/err" || fail "the run does not say a cell was skipped"
grep -qi "failed" "$T/err" && fail "the run calls the skipped cell failed"
grep -q '^epoll,cpu,' "$T/r/summary.csv" || fail "summary.csv lacks the epoll cell"
grep -q '^uring,' "$T/r/summary.csv" && fail "summary.csv summarises the skipped cell"
"$BIN" report "$T/r" >"$T/out" 2>"$T/err" || fail "report of a run with a skipped cell failed"
grep -q "io_uring is unavailable" "$T/r/report.md" 2>/dev/null ||
	grep -q "io_uring is unavailable" "$T/r/report.html" ||
	fail "the report does not show why the uring cell was skipped"
# serve cannot skip: it fails, saying why.
CB_URING_DISABLE=1 timeout 20 "$BIN" serve --runtime uring --workload http --port 0 \
	>"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || fail "serve on an unavailable uring: exit status $rc, want 1"
grep -q "runtime uring: io_uring is unavailable: CB_URING_DISABLE=1" "$T/err" ||
	fail "serve on an unavailable uring does not say why"
finish "a skipped uring cell is recorded with its reason; the run succeeds"
