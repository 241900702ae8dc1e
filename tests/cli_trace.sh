#!/bin/sh
# cli_trace.sh BINARY SOURCE_DIR — `concbench trace` records what the
# runtime did, not what a chart was told:
#   - epoll and threads on pingpong (20 round trips) each write
#     trace/RUNTIME-pingpong.csv: two tasks, each stopping to wait exactly
#     20 times (the workload's rounds), a run before every stop, woken at
#     most once per wait (threads: every wait), time never going back on a
#     thread, one thread on epoll and two on threads; and each chart exists;
#   - bad input (a workload without a tiny size, an unknown runtime, an
#     empty --out) is one line and exit status 2.
#   - mixed on epoll is traced again with offload=1 (the cure, C15).
# About two seconds: five tiny cells and their gnuplot runs.
. "$(dirname "$0")/lib.sh"
need gnuplot "to draw the timelines"

OUT=$T/r
"$BIN" trace --runtime epoll,threads --workload pingpong --out "$OUT" >"$T/out" 2>"$T/err" ||
	die "trace exited $?: $(cat "$T/err")"

# check CSV THREADS WAKE: the checks above; WAKE "all" when every wait has
# its wake (a blocking runtime: the call returned), "some" otherwise.
check() {
	awk -F, -v threads="$2" -v wake="$3" -v rounds=20 '
	NR == 1 { if ($0 != "t_ns,thread,tid,cpu,task,event,op") { print "bad header: " $0; bad = 1 }; next }
	{
		if (($2 in last) && $1 + 0 < last[$2]) { print "time went back on thread " $2 " at line " NR; bad = 1 }
		last[$2] = $1 + 0; seen[$2] = 1; tasks[$5] = 1
		if ($6 == "run") runs[$5]++
		else if ($6 == "stop") { stops[$5]++; if ($7 == "wait") waits[$5]++ }
		else if ($6 == "wake") wakes[$5]++
		else { print "bad event " $6 " at line " NR; bad = 1 }
	}
	END {
		nt = 0; for (t in tasks) nt++
		nth = 0; for (t in seen) nth++
		if (nt != 2) { print nt " tasks, want 2"; bad = 1 }
		if (nth != threads) { print nth " threads, want " threads; bad = 1 }
		for (t in tasks) {
			if (waits[t] != rounds) { print "task " t ": " waits[t] + 0 " waits, want " rounds; bad = 1 }
			if (runs[t] != stops[t]) { print "task " t ": " runs[t] " runs, " stops[t] " stops"; bad = 1 }
			if (wakes[t] > waits[t] || (wake == "all" && wakes[t] != waits[t])) {
				print "task " t ": " wakes[t] + 0 " wakes for " waits[t] " waits"; bad = 1 }
			allwakes += wakes[t]
		}
		if (allwakes == 0) { print "no wake recorded"; bad = 1 }
		exit bad
	}' "$1" || fail "$1 is not the trace of a pingpong of 20 rounds"
}
check "$OUT/trace/epoll-pingpong.csv" 1 some
check "$OUT/trace/threads-pingpong.csv" 2 all
for rt in epoll threads; do
	[ -s "$OUT/plots/trace_${rt}_pingpong.svg" ] || fail "no trace_${rt}_pingpong.svg"
done

# The cure beside the stall (C15): mixed again with offload=1 where the
# runtime has an offload pool (epoll), not where it would run inline
# (threads); every heavy request (every third of 2 × 6) stops its task with
# an offload, and no light one does.
"$BIN" trace --runtime epoll,threads --workload mixed --out "$OUT" >"$T/out" 2>"$T/err" ||
	die "trace mixed exited $?: $(cat "$T/err")"
n=$(grep -c ',stop,offload$' "$OUT/trace/epoll-mixed_offload.csv" 2>/dev/null)
[ "$n" = 4 ] || fail "epoll-mixed_offload.csv: ${n:-no file,} offload stops, want 4"
grep -q ',stop,offload$' "$OUT/trace/epoll-mixed.csv" && fail "epoll-mixed.csv offloads with offload=0"
[ -e "$OUT/trace/threads-mixed_offload.csv" ] && fail "threads (no offload pool) got a mixed_offload trace"
[ -s "$OUT/plots/trace_epoll_mixed_offload.svg" ] || fail "no trace_epoll_mixed_offload.svg"

usage "no tiny size for workload 'cpu'" trace --workload cpu --out "$T/x"
usage "unknown runtime" trace --runtime nope --out "$T/x"
usage "empty --out" trace --out ""
finish "trace: epoll and threads pingpong timelines recorded and drawn, the offloaded mixed beside; bad input refused"
