#!/bin/sh
# cli_folders.sh BINARY SOURCE_DIR — a results folder no mishap can corrupt:
#   - a resume after a crash that cut results.jsonl's last line mid-JSON (or
#     left a last line that is not a results line) removes that line, says
#     so in one line, and the folder reads back whole;
#   - one writer at a time: a resume of a folder a run is still writing is
#     refused (one line, exit status 2), and the lock dies with its process;
#   - a resume whose run.json plans none of results.jsonl's cells is refused
#     (one line, exit status 2) and leaves the folder as it was;
#   - `run ... 2>&1 | head -1`: the stream gone, the run still finishes its
#     files (run.json "complete") and exits 0.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

TINY="--runtime epoll --workload cpu --set tasks=4 --set work=1000 --reps 2 --warmup 0"
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
}

# whole DIR CELLS: every line of DIR/results.jsonl is a JSON object, with
# CELLS ok reps and no cell twice.
cat >"$T/whole.py" <<'PY'
import json, sys
cells = []
for n, l in enumerate(open(sys.argv[1] + "/results.jsonl"), 1):
    assert l.endswith("\n"), f"line {n} has no newline"
    c = json.loads(l)
    assert isinstance(c, dict), f"line {n} is not an object"
    assert c["ok"], c["error"]
    cells.append((c["runtime"], json.dumps(c["params"], sort_keys=True), c["rep"], c["warmup"]))
assert len(cells) == len(set(cells)), f"a cell twice: {cells}"
want = int(sys.argv[2])
assert len(cells) == want, f"{len(cells)} cells, want {want}"
PY
whole() {
	python3 "$T/whole.py" "$1" "$2"
}

# ---- 1. a cut last line ----
# shellcheck disable=SC2086
"$BIN" run $TINY --out cut >/dev/null 2>"$T/err" || die "run failed: $(cat "$T/err")"
# A crash mid-write leaves the start of a line without its newline: keep
# the first line and 40 bytes of the second.
python3 - cut/results.jsonl <<'PY' || die "cannot cut results.jsonl"
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
open(p, "wb").write(lines[0] + b"\n" + lines[1][:40])
PY
"$BIN" run --resume cut >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || fail "resume after a cut line: exit status $rc, want 0"
[ "$(grep -c 'cut short' "$T/err")" -eq 1 ] && grep -q "^concbench: .*cut/results.jsonl" "$T/err" ||
	fail "resume after a cut line: no one line saying the last line was cut"
whole cut 2 || fail "resume after a cut line: results.jsonl is not whole"
grep -q '"status": "complete"' cut/run.json || fail "resume after a cut line: run.json not complete"

# A last line that is whole but not a results line goes too.
echo '{"runtime":"epoll", "workl' >>cut/results.jsonl
"$BIN" run --resume cut >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || fail "resume after a broken last line: exit status $rc, want 0"
[ "$(grep -c 'not a results line' "$T/err")" -eq 1 ] ||
	fail "resume after a broken last line: no one line saying it was removed"
whole cut 2 || fail "resume after a broken last line: results.jsonl is not whole"

# ---- 2. one writer at a time ----
# A run of slow cells (3 × 0.6 s), a resume of it while it runs.
"$BIN" run --runtime threads --workload sleep --set tasks=2 --set ms=600 --reps 3 --warmup 0 \
	--out busy >/dev/null 2>"$T/busy.err" &
pid=$!
pids="$pids $pid"
i=0
while [ ! -s busy/run.json ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -s busy/run.json ] || die "the slow run did not start: $(cat "$T/busy.err")"
status 2 "is being written by another concbench (pid $pid)" run --resume busy
# A second new run into it is refused too (the folder is not empty).
# shellcheck disable=SC2086
status 2 "output folder 'busy' is not empty" run $TINY --out busy
# The lock dies with its process, however it dies.
kill -KILL $pid
wait $pid 2>/dev/null
"$BIN" run --resume busy >"$T/out" 2>"$T/err" || fail "resume after the writer was killed: $(cat "$T/err")"
grep -q '"status": "complete"' busy/run.json || fail "busy: run.json not complete after the resume"
whole busy 3 || fail "busy: results.jsonl is not whole"

# ---- 3. a run.json from another plan ----
# shellcheck disable=SC2086
"$BIN" run $TINY --out mine >/dev/null 2>&1 || die "run mine failed"
# shellcheck disable=SC2086
"$BIN" run --runtime epoll --workload cpu --set tasks=8 --set work=1000 --reps 2 --warmup 0 \
	--out other >/dev/null 2>&1 || die "run other failed"
cp other/run.json mine/run.json
cp mine/results.jsonl "$T/mine.before"
status 2 "none of the 2 lines of mine/results.jsonl belongs to the plan" run --resume mine
cmp -s mine/results.jsonl "$T/mine.before" || fail "the refused resume changed results.jsonl"

# ---- 5. the output stream gone ----
# Four cells of 0.2 s: head is gone after the first line, long before the
# last cell. The exit status of concbench itself, not of head.
{
	"$BIN" run --runtime threads --workload sleep --set tasks=2 --set ms=200 --reps 4 \
		--warmup 0 --out piped 2>&1
	echo $? >"$T/piped.rc"
} | head -1 >"$T/piped.out"
rc=$(cat "$T/piped.rc")
[ "$rc" -eq 0 ] || fail "run 2>&1 | head -1: exit status $rc, want 0 (141: killed by SIGPIPE)"
[ "$(wc -l <"$T/piped.out")" -eq 1 ] || fail "run 2>&1 | head -1: head got no line"
grep -q '"status": "complete"' piped/run.json || fail "run 2>&1 | head -1: run.json: $(cat piped/run.json)"
whole piped 4 || fail "run 2>&1 | head -1: results.jsonl is not whole"
[ -s piped/summary.csv ] || fail "run 2>&1 | head -1: no summary.csv"

finish "results folders passed"
