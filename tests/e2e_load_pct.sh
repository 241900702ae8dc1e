#!/bin/sh
# e2e_load_pct.sh BINARY SOURCE_DIR — the open loop at shares of a capacity
# measured in the same run (issue 11, item 4). load_pct=0 cells measure the
# point's closed-loop throughput; a load_pct=50 cell of the same point runs
# an open loop at half their median (offered_rps, beside capacity_rps), and
# the load chart draws it while the connection chart leaves it out. A plan
# that cannot work is refused before any cell runs (exit 2).
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

timeout 120 "$BIN" run --runtime epoll --workload echo --set conns=4 --set requests=0 --set seconds=1 \
	--set warmup_ms=100 --set load_pct=0,50 --reps 2 --warmup 0 --out "$T/r" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$T/err"; die "run exited $rc, want 0"; }

cat >"$T/check.py" <<'PY'
import json, statistics, sys
d = sys.argv[1]
cells = [json.loads(l) for l in open(d + "/results.jsonl")]
assert len(cells) == 4, len(cells)
for c in cells:
    assert c["ok"], c["error"]
cap = [c for c in cells if c["params"]["load_pct"] == 0]
share = [c for c in cells if c["params"]["load_pct"] == 50]
assert len(cap) == 2 and len(share) == 2
# In every round the capacity cell runs before its share (load_pct varies
# fastest), closed loop.
assert cells.index(cap[0]) < cells.index(share[0])
for c in cap:
    assert "offered_rps" not in c["metrics"] and c["metrics"]["throughput_rps"] > 0
for c in share:
    m = c["metrics"]
    # The capacity: the median over the capacity cells done before it.
    before = [b["metrics"]["throughput_rps"] for b in cap if cells.index(b) < cells.index(c)]
    want = statistics.median(before)
    assert c["params"]["rate"] == 0  # as planned: the rate is the harness's
    assert abs(m["capacity_rps"] - want) <= 1e-6 * want, (m["capacity_rps"], want)
    assert abs(m["offered_rps"] - want / 2) <= 1, (m["offered_rps"], want / 2)
    # An open loop at half the capacity: the client sent about what it was
    # told (a generous band: a loaded machine may fall behind).
    assert 0.2 * m["offered_rps"] <= m["throughput_rps"] <= 1.2 * m["offered_rps"], m
    assert m["arrival_seed"] > 0
PY
python3 "$T/check.py" "$T/r" || { cat "$T/err"; die "load_pct cells are wrong"; }

timeout 60 "$BIN" plot "$T/r" >"$T/out" 2>"$T/err" || die "plot failed"
[ -s "$T/r/plots/load_echo.svg" ] || fail "no load_echo chart"
# One block, one point (the share), its capacity in the legend.
[ "$(grep -c '^throughput_rps "epoll (capacity' "$T/r/plots/load_echo.dat")" = 1 ] ||
	fail "load_echo.dat has not one epoll block"
[ "$(grep -c '^[0-9]' "$T/r/plots/load_echo.dat")" = 1 ] || fail "load_echo.dat has not one point"
grep -q 'load_pct=50' "$T/r/plots/conns_echo.dat" && fail "conns_echo draws the open-loop share"

# Plans that cannot work: refused up front, one line, exit 2.
expect_refused() { # WHAT ARGS...
	what=$1
	shift
	timeout 30 "$BIN" run --runtime epoll --workload echo --reps 1 --out "$T/bad" "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "$what: exit $rc, want 2"
	grep -q "$what" "$T/err" || fail "$what: not said ($(cat "$T/err"))"
	[ -e "$T/bad" ] && fail "$what: a folder was made"
	rm -rf "$T/bad"
}
expect_refused "add 0 to the list" --set requests=0 --set seconds=1 --set load_pct=50
expect_refused "leave rate at 0" --set requests=0 --set seconds=1 --set load_pct=0,50 --set rate=100
expect_refused "needs a timed window" --set load_pct=0,50
finish
