#!/bin/sh
# cli_cpuset.sh BINARY SOURCE_DIR — the harness stays inside the CPUs the
# user gave the process: under `taskset -c 0` every cell is bound to CPU 0
# and no thread is seen elsewhere (results.jsonl's cpus_bound, cpus_used),
# the manifest says run_cpuset 0 and where it came from ("affinity"), and
# --cpus, --client-cpus and serve's --cpus naming a CPU outside the
# affinity are refused with one line and exit 2.
. "$(dirname "$0")/lib.sh"
need taskset "to narrow the affinity"
need python3 "to read the JSON"
taskset -c 0 true 2>/dev/null || skip "taskset -c 0 is refused here"

taskset -c 0 "$BIN" run --runtime threads,pool,epoll --workload cpu,pingpong \
	--set rounds=2000 --reps 1 --warmup 0 --timeout 60 --out "$T/r" >"$T/out" 2>"$T/err" ||
	die "taskset -c 0 run: exit status $?: $(cat "$T/err")"
cat >"$T/check.py" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
assert m["topology"]["run_cpuset"] == "0", m["topology"]["run_cpuset"]
assert m["run_cpuset_source"] == "affinity", m["run_cpuset_source"]
n = 0
for line in open(d + "/results.jsonl"):
    c = json.loads(line)
    n += 1
    # A one-worker pool cannot run pingpong's two sides: a limit, not a fault.
    assert c["ok"] or c["limit"], (c["runtime"], c["workload"], c["error"])
    assert c["cpus_bound"] == "0", (c["runtime"], c["workload"], c["cpus_bound"])
    assert c["cpus_used"] == "0", (c["runtime"], c["workload"], c["cpus_used"])
assert n == 6, n
PY
python3 "$T/check.py" "$T/r" || fail "a cell ran outside CPU 0"

if [ "$(nproc --all 2>/dev/null || echo 1)" -ge 2 ]; then
	for args in "run --runtime threads --workload cpu --cpus 0-1 --out $T/x" \
	            "run --runtime epoll --workload echo --client-cpus 1 --out $T/y" \
	            "serve --runtime epoll --workload http --cpus 1"; do
		# shellcheck disable=SC2086
		timeout 30 taskset -c 0 "$BIN" $args >"$T/out" 2>"$T/err"
		rc=$?
		[ "$rc" -eq 2 ] || fail "taskset -c 0 concbench $args: exit status $rc, want 2"
		[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "allowed: 0" "$T/err" ||
			fail "taskset -c 0 concbench $args: not one line naming the allowed CPUs"
	done
	[ -e "$T/x" ] && fail "a refused --cpus still made its folder"
fi
finish "cells stayed on CPU 0"
