#!/bin/sh
# cli_reps_auto.sh BINARY SOURCE_DIR — run --reps auto (issue 12, item 3):
# every point runs at least 5 reps, then rounds go on only for points whose
# headline median's 95% interval is wider than --ci-target PCT of it, up to
# --reps-max; run.json records the rule and each point's reps. A loose target
# settles every point at 5, an unreachable one runs each to the cap. Bad
# values: exit 2, one line. About a second: two tiny sleep runs.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

# sleep: its elapsed_ms is the 5 ms wait, steady even on a loaded machine, so
# the loose target settles at 5 reps whatever else runs.
R="run --runtime threads,epoll --workload sleep --set tasks=2 --set ms=5 --warmup 0"
# shellcheck disable=SC2086
timeout 60 "$BIN" $R --reps auto --reps-max 7 --ci-target 100 --out "$T/loose" \
	>"$T/out" 2>"$T/err" || die "loose run failed: $(cat "$T/err")"
# shellcheck disable=SC2086
timeout 60 "$BIN" $R --reps auto --reps-max 6 --ci-target 0.000001 --out "$T/tight" \
	>"$T/out" 2>"$T/err" || die "tight run failed: $(cat "$T/err")"

python3 - "$T" <<'PY' || fail "--reps auto ran the wrong reps or recorded them wrongly"
import json, sys
t = sys.argv[1]
# loose: a point settles at its 5th rep unless a loaded machine made one rep
# twice its median (then a rep or two more); tight: never, so the cap.
for d, cap in (("loose", 7), ("tight", 6)):
    lines = [json.loads(l) for l in open(f"{t}/{d}/results.jsonl")]
    per = {}
    for c in lines:
        per[c["runtime"]] = per.get(c["runtime"], 0) + 1
    run = json.load(open(f"{t}/{d}/run.json"))
    assert run["status"] == "complete" and run["reps"] == "auto", run
    ra = run["reps_auto"]
    assert ra["reps_min"] == 5 and ra["reps_max"] == cap, ra
    pts = [(p["runtime"], p["reps"], p["settled"]) for p in ra["points"]]
    assert [(r, n) for r, n, _ in pts] == [("threads", per["threads"]), ("epoll", per["epoll"])], (pts, per)
    assert run["cells"] == run["cells_done"] == len(lines), run
    for r, n, settled in pts:
        if d == "tight":
            assert n == cap and not settled, pts
        else:
            assert 5 <= n <= cap and (settled or n == cap), pts
    if d == "loose":
        assert min(n for _, n, _ in pts) < cap, pts  # at least one stopped early
# rounds: rep k of both points before rep k + 1
tight = [json.loads(l) for l in open(f"{t}/tight/results.jsonl")]
assert [c["rep"] for c in tight] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], tight
PY

usage "bad --reps 'often' (a whole number from 1 to 1000)" $R --reps often
usage "--ci-target needs --reps auto" $R --ci-target 5
usage "--reps-max needs --reps auto" $R --reps 3 --reps-max 9
usage "bad --ci-target '0' (expected a percentage of the median, over 0 and at most 100)" \
	$R --reps auto --ci-target 0
usage "bad --ci-target '5%' (expected a percentage of the median, over 0 and at most 100)" \
	$R --reps auto --ci-target 5%
usage "bad --reps-max '4' (a whole number from 5 to 1000)" $R --reps auto --reps-max 4
finish
