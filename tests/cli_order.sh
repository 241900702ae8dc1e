#!/bin/sh
# cli_order.sh BINARY SOURCE_DIR — the order cells run in (issue 12, item 1).
# rounds (the default): rep 1 of every point, then rep 2 ..., each point's
# warm-up just before its rep 1; points: each point's reps back to back;
# shuffle:SEED: rounds whose runtimes come in a seeded order, the same for
# the same seed; run.json records the order (and seed). Bad --order: exit 2.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

run_order() { # OUT ORDER-ARGS...
	out=$1
	shift
	timeout 120 "$BIN" run --runtime epoll,coro,threads --workload cpu --set tasks=2 \
		--set work=100,200 --reps 3 "$@" --out "$T/$out" >"$T/out" 2>"$T/err" ||
		die "run $* failed: $(cat "$T/err")"
}
run_order rounds --warmup 1
run_order points --warmup 0 --order points
run_order s7 --warmup 0 --order shuffle:7
run_order s7b --warmup 0 --order shuffle:7

python3 - "$T" <<'PY' || fail "cells ran in the wrong order"
import json, sys
t = sys.argv[1]
def cells(d):
    return [json.loads(l) for l in open(f"{t}/{d}/results.jsonl")]
def key(c):
    return (c["runtime"], c["params"]["work"])
r = cells("rounds")
assert len(r) == 3 * 2 * 4, len(r)
# Round 1: every point's warm-up, then its rep 1; then rounds 2 and 3.
seq = [("w" if c["warmup"] else "r", c["rep"]) for c in r]
assert seq[:12] == [("w", 1), ("r", 1)] * 6, seq[:12]
assert [c["rep"] for c in r[12:]] == [2] * 6 + [3] * 6, seq
for i in range(0, 12, 2):
    assert key(r[i]) == key(r[i + 1])  # the warm-up warms its own point
assert [key(c) for c in r[12:18]] == [key(c) for c in r[1:12:2]]
assert json.load(open(f"{t}/rounds/run.json"))["order"] == "rounds"
p = cells("points")
assert [c["rep"] for c in p] == [1, 2, 3] * 6, [c["rep"] for c in p]
assert json.load(open(f"{t}/points/run.json"))["order"] == "points"
s, s2 = cells("s7"), cells("s7b")
assert [key(c) for c in s] == [key(c) for c in s2]  # seeded: the same order twice
rounds = [s[i:i + 6] for i in range(0, 18, 6)]
for k, rd in enumerate(rounds):
    assert all(c["rep"] == k + 1 for c in rd)
    assert sorted(key(c) for c in rd) == sorted(key(c) for c in r[1:12:2])
    rts = [c["runtime"] for c in rd[::2]]
    assert sorted(rts) == ["coro", "epoll", "threads"], rts
    # A runtime's points stay in the plan's order inside the round.
    assert all(rd[i]["runtime"] == rd[i + 1]["runtime"] for i in range(0, 6, 2))
orders = {tuple(c["runtime"] for c in rd[::2]) for rd in rounds}
assert orders != {("epoll", "coro", "threads")}, "seed 7 shuffled nothing"
j = json.load(open(f"{t}/s7/run.json"))
assert j["order"] == "shuffle" and j["order_seed"] == 7, j
PY

# Three reps a point: every median has its 95% interval (issue 12, item 2),
# inside the range and around the median, in summary.csv and summary.json.
python3 - "$T/rounds" <<'PY' || fail "summary intervals are wrong"
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/summary.csv")))
timed = [r for r in rows if r["metric"] == "wall_ns"]
assert len(timed) == 6, len(timed)
for r in timed:
    lo, hi = float(r["ci_lo"]), float(r["ci_hi"])
    mn, md, mx = float(r["min"]), float(r["median"]), float(r["max"])
    assert mn <= lo <= md <= hi <= mx, r
js = json.load(open(d + "/summary.json"))["rows"]
w = [r for r in js if r["metric"] == "wall_ns"]
assert all(r["ci_lo"] <= r["median"] <= r["ci_hi"] for r in w), w
PY

# A server point with a timed window (requests=0) warms itself in-cell
# (warmup_ms): no warm-up cell for it; a point with a fixed request count
# keeps its own (issue 11: 9, the standard suite's budget).
timeout 60 "$BIN" run --runtime epoll --workload echo --set conns=2 --set requests=0,20 \
	--set seconds=1 --set warmup_ms=50 --reps 1 --warmup 1 --out "$T/srv" >"$T/out" \
	2>"$T/err" || die "server run failed: $(cat "$T/err")"
python3 - "$T/srv" <<'PY' || fail "server warm-up cells wrong"
import json, sys
c = [json.loads(l) for l in open(sys.argv[1] + "/results.jsonl")]
got = sorted((x["params"]["requests"], x["warmup"]) for x in c)
assert got == [(0, False), (20, False), (20, True)], got
PY

timeout 30 "$BIN" run --runtime epoll --workload cpu --order sideways --out "$T/bad" \
	>"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] || fail "bad --order: exit $rc, want 2"
grep -q "bad --order 'sideways'" "$T/err" || fail "bad --order: not said"
[ -e "$T/bad" ] && fail "bad --order made a folder"
finish
