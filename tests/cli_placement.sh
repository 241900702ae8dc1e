#!/bin/sh
# cli_placement.sh BINARY SOURCE_DIR — --placement is honoured, and read
# back: the threads runtime's pingpong at same-core must run both sides on
# the one CPU of its cpuset, at cross-core each side on its own CPU of two
# different cores (the workload samples sched_getcpu into ping_cpus and
# pong_cpus; the harness reports cpus_used). The kernel counters of those
# cells must be present and non-zero where they must be (task-clock, page
# faults, and 2 context switches per round trip for threads on one CPU); and
# the switch-count check must find threads' switches in the kernel and
# coroutines' not. A placement this machine's topology cannot offer is
# refused with exit status 2 and one line.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

# ---- what this machine cannot offer: refused before anything runs ----
# (from sysfs, independently of hwloc: a core with two threads is SMT; two
# package ids are two packages)
refused() { # refused PLACEMENT WHY-TEXT
	"$BIN" run --runtime threads --workload pingpong --placement "$1" --out "$T/no-$1" \
		>"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 2 ] || die "--placement $1: exit $rc, want 2 ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" -eq 1 ] || die "--placement $1: want one line, got: $(cat "$T/err")"
	grep -q "^concbench: cannot place $1: .*$2" "$T/err" || die "--placement $1: $(cat "$T/err")"
	[ ! -e "$T/no-$1" ] || die "--placement $1: made the output folder anyway"
}
smt=0
for f in /sys/devices/system/cpu/cpu[0-9]*/topology/thread_siblings_list; do
	[ -r "$f" ] && grep -q '[,-]' "$f" && smt=1
done
[ "$smt" -eq 0 ] && refused smt-sibling "hardware threads"
pkgs=$(cat /sys/devices/system/cpu/cpu[0-9]*/topology/physical_package_id 2>/dev/null | sort -u | wc -l)
[ "$pkgs" -eq 1 ] && refused cross-package "one package"
# Any placement on one CPU but same-core and unpinned has no pair.
"$BIN" run --runtime threads --workload pingpong --placement cross-core --cpus 0 \
	--out "$T/one" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "cannot place cross-core: CPUs 0 are all on one core" "$T/err" ||
	die "cross-core on --cpus 0: $(cat "$T/err")"

# ---- honoured and read back ----
ncpu=$(nproc)
PL=same-core,unpinned
[ "$ncpu" -ge 2 ] && PL=same-core,cross-core,unpinned
timeout 120 "$BIN" run --runtime threads,coro --workload pingpong --set rounds=3000 \
	--placement "$PL" --reps 1 --warmup 0 --out "$T/r" >"$T/out" 2>"$T/err" ||
	{ cat "$T/err"; die "run failed"; }

cat >"$T/check.py" <<'PY'
import json, sys
def cpus(mask):
    return {i for i in range(64) if int(mask) >> i & 1}
def listed(s):
    out = set()
    for part in s.split(","):
        lo, _, hi = part.partition("-")
        out |= set(range(int(lo), int(hi or lo) + 1))
    return out
cells = [json.loads(l) for l in open(sys.argv[1])]
want = set(sys.argv[2].split(","))
seen = set()
perf_ok = True
for c in cells:
    where = f'{c["runtime"]} {c["placement"]}'
    assert c["ok"], f'{where}: {c["error"]}'
    m, p = c["metrics"], c["placement"]
    ping, pong, used = cpus(m["ping_cpus"]), cpus(m["pong_cpus"]), listed(c["cpus_used"])
    bound = listed(c["cpus_bound"])
    seen.add(p)
    if p == "same-core":
        a = c["cpu_a"]
        assert a == c["cpu_b"] and bound == {a}, f"{where}: cpus {c['cpus_bound']} {a} {c['cpu_b']}"
        assert ping == pong == {a}, f"{where}: ping ran on {ping}, pong on {pong}, want {a}"
        assert used == {a}, f"{where}: cpus_used {used}"
    elif p == "cross-core":
        a, b = c["cpu_a"], c["cpu_b"]
        assert a != b and bound == {a, b}, f"{where}: {a} {b} {bound}"
        # threads binds each task's thread: each side on its own CPU.
        if c["runtime"] == "threads":
            assert ping == {a} and pong == {b}, f"{where}: ping on {ping}, pong on {pong}"
        assert used <= {a, b}, f"{where}: cpus_used {used}"
    else:
        assert c["cpu_a"] == -1 and c["cpu_b"] == -1
        assert ping | pong <= bound and used <= bound, f"{where}: {ping} {pong} {used}"
    k, why = c["counters"], c["counters_unavailable"]
    if k["task_clock"] is None:
        # No perf here: every null has a reason; the rest cannot be judged.
        assert all(why.get(n) for n, v in k.items() if v is None), f"{where}: {why}"
        perf_ok = False
        continue
    assert k["task_clock"] > 0 and k["page_faults"] > 0, f"{where}: {k}"
    if k["context_switches"] is None:
        # perf_event_paranoid >= 2 without root: user-space counters only.
        assert why.get("context_switches", "").startswith("not permitted"), f"{where}: {why}"
        assert c["switch_count_check"].startswith("unchecked"), c["switch_count_check"]
        perf_ok = False
        continue
    assert k["cpu_migrations"] is not None, f"{where}: {k}"
    if c["runtime"] == "threads":
        # A round trip is two switches on threads. On one CPU each side
        # must sleep for the other to run: at least that many. Across
        # CPUs a wake-up may find the token already back and not sleep,
        # so only most of them are certain.
        if p == "same-core":
            assert k["context_switches"] >= 2 * 3000, f"{where}: {k['context_switches']}"
            assert c["switch_count_check"].startswith("ok: expected ~6000 (kernel)"), \
                f'{where}: {c["switch_count_check"]}'
        else:
            assert k["context_switches"] >= 3000, f"{where}: {k['context_switches']}"
    else:
        assert c["switch_count_check"].startswith("ok: expected ~0 (user)"), \
            f'{where}: {c["switch_count_check"]}'
assert seen == want, f"placements {seen}, want {want}"
sys.exit(0 if perf_ok else 3)
PY
python3 "$T/check.py" "$T/r/results.jsonl" "$PL"
rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || die "results.jsonl does not show the placement honoured"

# The summary names the placement among the params, one group each.
for p in $(echo "$PL" | tr , ' '); do
	grep -q "^threads,pingpong,rounds=3000;min_ms=0;stack_kib=0;placement=$p,ns_per_switch," "$T/r/summary.csv" ||
		die "summary.csv has no ns_per_switch row for placement=$p"
done

# A server on every CPU of the run, its load generator's too (--client-cpus
# over them, as a suite part's share_cpus does), is placement "shared" in
# results.jsonl and in the summary's params: its rows must not pool with
# the same point run on CPUs of the server's own, which stays "unpinned"
# and unnamed. On one CPU nothing else was possible: no label.
if [ "$ncpu" -ge 2 ]; then
	two=$(python3 -c 'import os; print(",".join(map(str, sorted(os.sched_getaffinity(0))[:2])))')
	for mode in shared own; do
		extra=""
		[ "$mode" = shared ] && extra="--client-cpus $two"
		# shellcheck disable=SC2086
		timeout 120 "$BIN" run --runtime epoll --workload echo --set conns=2 --set requests=200 \
			--cpus "$two" $extra --reps 1 --out "$T/s-$mode" >"$T/out" 2>"$T/err" ||
			{ cat "$T/err"; die "echo ($mode) failed"; }
		want=unpinned
		[ "$mode" = shared ] && want=shared
		grep -q "\"placement\":\"$want\"" "$T/s-$mode/results.jsonl" ||
			die "echo ($mode): results.jsonl's placement is not $want"
		if [ "$mode" = shared ]; then
			grep -q '^epoll,echo,[^,]*;placement=shared,throughput_rps,' "$T/s-$mode/summary.csv" ||
				die "echo (shared): summary.csv's params do not say placement=shared"
		else
			! grep -q 'placement=' "$T/s-$mode/summary.csv" ||
				die "echo on the server's own CPUs names a placement in summary.csv"
		fi
	done
fi
[ "$rc" -eq 3 ] && skip "placement honoured, but perf counts no context switches here"
echo "placement honoured: $PL"
