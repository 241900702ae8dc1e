#!/bin/sh
# cli_clamp.sh BINARY SOURCE_DIR — a server cell whose conns RLIMIT_NOFILE
# cannot hold is measured with fewer connections: the run says so on
# stderr while it runs, and summary.csv carries the count reached
# (clamped_conns) beside the row that names the count asked for. With
# `ulimit -n 200` (soft and hard) the load generator keeps 80 fds back: 120.
. "$(dirname "$0")/lib.sh"

(ulimit -n 200 && exec "$BIN" run --runtime epoll --workload http --set conns=300 \
	--set requests=5 --reps 1 --warmup 0 --timeout 60 --out "$T/r") >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || die "exit status $rc: $(cat "$T/err")"
grep -q "note: http on epoll: conns=300 clamped to 120 by RLIMIT_NOFILE=200" "$T/err" ||
	fail "no note of the clamp on stderr: $(cat "$T/err")"
grep -q '^epoll,http,[^,]*conns=300;[^,]*,clamped_conns,conns,1,120,' "$T/r/summary.csv" ||
	fail "summary.csv has no clamped_conns of 120: $(grep conns "$T/r/summary.csv")"
grep -q '^epoll,http,[^,]*,conns_accepted,conns,1,120,' "$T/r/summary.csv" ||
	fail "summary.csv: the server did not accept 120: $(grep conns "$T/r/summary.csv")"
finish "cli_clamp: a clamped conns is noted and recorded"
