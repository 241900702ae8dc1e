#!/bin/sh
# cli_resume.sh BINARY SOURCE_DIR — a run stopped by SIGINT keeps every
# finished cell, says "partial" in run.json and still writes its summary;
# `--resume DIR` then runs only the missing cells, and the result holds the
# same set of cells as an uninterrupted run of the same command. A second
# signal stops the running cell at once, and that cell is not recorded.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

# 3 runtimes × 1 point × (1 warm-up + 2 reps) = 9 cells of ~0.2 s.
ARGS="--runtime threads,epoll,coro --workload sleep --set tasks=4 --set ms=200 --reps 2"

# ---- the reference: uninterrupted ----
"$BIN" run $ARGS --out "$T/full" >/dev/null 2>"$T/err" || { cat "$T/err"; die "reference run failed"; }

# ---- interrupted after two cells ----
"$BIN" run $ARGS --out "$T/cut" >"$T/out" 2>"$T/err" &
pid=$!
i=0
while [ "$(cat "$T/cut/results.jsonl" 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -INT $pid
wait $pid
rc=$?
[ "$rc" -eq 1 ] || { cat "$T/err"; die "interrupted run exited $rc, want 1"; }
grep -q "stopping after the current cell" "$T/err" || die "no 'stopping' message: $(cat "$T/err")"
grep -q "interrupted: .* cells done; the run is partial (resume with: concbench run --resume $T/cut)" \
	"$T/err" || die "no 'partial' message: $(cat "$T/err")"
grep -q '"status": "partial"' "$T/cut/run.json" || die "run.json: $(cat "$T/cut/run.json")"
done_before=$(wc -l <"$T/cut/results.jsonl")
[ "$done_before" -ge 2 ] && [ "$done_before" -lt 9 ] || die "$done_before cells before the stop"
head -1 "$T/cut/summary.csv" | grep -q '^runtime,workload' || die "no summary.csv after the stop"

# ---- resumed ----
"$BIN" run --resume "$T/cut" >"$T/out" 2>"$T/err" || { cat "$T/err"; die "resume failed"; }
[ "$(cat "$T/out")" = "$T/cut" ] || die "resume printed '$(cat "$T/out")'"
grep -q "resuming $T/cut: .* cells done" "$T/err" || die "no 'resuming' line: $(cat "$T/err")"
grep -q '"status": "complete"' "$T/cut/run.json" || die "run.json after resume: $(cat "$T/cut/run.json")"
grep -q '"resumed": 1' "$T/cut/run.json" || die "run.json does not count the resume"
[ -s "$T/cut/manifest-resume-1.json" ] || die "no manifest for the resumed session"

cat >"$T/same.py" <<'PY'
import json, sys
def cells(path):
    out = []
    for l in open(path):
        c = json.loads(l)
        if c["warmup"]:
            continue
        assert c["ok"], c["error"]
        out.append((c["runtime"], c["workload"], json.dumps(c["params"], sort_keys=True),
                    c["placement"], c["rep"]))
    return out
full, cut = cells(sys.argv[1]), cells(sys.argv[2])
assert len(cut) == len(set(cut)), f"a cell twice after resume: {sorted(cut)}"
assert set(full) == set(cut), f"cells differ:\n  full {sorted(full)}\n  cut  {sorted(cut)}"
# Each point's summary has both reps, across the two sessions.
for f in (sys.argv[3], sys.argv[4]):
    rows = [l.split(",") for l in open(f).read().splitlines()[1:]]
    walls = [r for r in rows if r[3] == "wall_ns"]
    assert len(walls) == 3 and all(r[5] == "2" for r in walls), f"{f}: {walls}"
PY
python3 "$T/same.py" "$T/full/results.jsonl" "$T/cut/results.jsonl" "$T/full/summary.csv" \
	"$T/cut/summary.csv" || die "the resumed run is not the uninterrupted one"

# A complete run resumes to nothing more. (Its line count may exceed the
# uninterrupted run's: a point whose warm-up ran before the stop but not
# its rep 1 is warmed again before it.)
lines=$(wc -l <"$T/cut/results.jsonl")
"$BIN" run --resume "$T/cut" >/dev/null 2>"$T/err" || die "resuming a complete run failed"
[ "$(wc -l <"$T/cut/results.jsonl")" -eq "$lines" ] ||
	die "resuming a complete run ran cells again"

# ---- a second signal stops the running cell ----
"$BIN" run --runtime threads --workload sleep --set tasks=2 --set ms=5000 --reps 1 --warmup 0 \
	--out "$T/kill" >/dev/null 2>"$T/err" &
pid=$!
i=0
while [ ! -e "$T/kill/run.json" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.3
start=$(date +%s)
kill -INT $pid
sleep 0.2
kill -TERM $pid
wait $pid
rc=$?
took=$(($(date +%s) - start))
[ "$rc" -eq 1 ] || die "doubly interrupted run exited $rc, want 1"
[ "$took" -le 2 ] || die "the second signal took ${took} s to stop the cell"
[ ! -s "$T/kill/results.jsonl" ] || die "the killed cell was recorded: $(cat "$T/kill/results.jsonl")"
grep -q '"status": "partial"' "$T/kill/run.json" || die "killed run not partial"
echo "interrupt and resume passed"
