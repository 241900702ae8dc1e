#!/bin/sh
# cli_limits.sh BINARY SOURCE_DIR — a limit is a result: with RLIMIT_NPROC
# lowered for the run, the threads runtime cannot make all its sleep
# tasks, and the cell records how many it reached and that RLIMIT_NPROC
# stopped it (not a crash, not a bare errno); the manifest records the
# lowered limit; epoll, which needs no thread per task, still completes.
#
# RLIMIT_NPROC counts every thread of the user, and root is exempt from
# it: as root the run is made as `nobody` (setpriv), otherwise as
# ourselves, with the limit set to the threads the user has now plus 40.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

RUN=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || skip "root, and no setpriv to drop to nobody"
	id nobody >/dev/null 2>&1 || skip "root, and no user nobody"
	RUN="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	chmod 755 "$T"
	mkdir "$T/out" && chmod 777 "$T/out"
	# nobody must reach the binary, its folders included.
	$RUN test -x "$BIN" || skip "nobody cannot run $BIN"
	uid=$(id -u nobody)
else
	mkdir "$T/out"
	uid=$(id -u)
fi
# Threads the user has now (RLIMIT_NPROC counts them all).
have=$(ps -eLo ruid= | awk -v u="$uid" '$1 == u' | wc -l)
limit=$((have + 40))

command -v prlimit >/dev/null || skip "no prlimit (util-linux) to lower the limit"
$RUN prlimit --nproc="$limit:$limit" "$BIN" run --runtime threads,epoll --workload sleep \
	--set tasks=400 --set ms=50 --reps 1 --warmup 0 --timeout 30 --out "$T/out/r" \
	>"$T/stdout" 2>"$T/err"
rc=$?
# A limit is a result, not a failed run: exit 0, with a note naming it.
[ "$rc" -eq 0 ] || { cat "$T/err"; die "exit status $rc, want 0 (a limit is a result)"; }
grep -q "1 of 2 cells reached a limit" "$T/err" || die "no note of the limit: $(cat "$T/err")"
grep -q "threads sleep .*FAILED: .*(reached [0-9]* tasks, limit RLIMIT_NPROC)" "$T/err" ||
	die "no progress line naming RLIMIT_NPROC: $(cat "$T/err")"

cat >"$T/check.py" <<'PY'
import json, sys
cells = {c["runtime"]: c for c in map(json.loads, open(sys.argv[1] + "/results.jsonl"))}
limit = int(sys.argv[2])
t = cells["threads"]
assert not t["ok"] and t["limit"] == "RLIMIT_NPROC", (t["error"], t["limit"])
assert 0 < t["tasks_reached"] < 400, t["tasks_reached"]
assert t["tasks_reached"] <= limit, (t["tasks_reached"], limit)
e = cells["epoll"]
assert e["ok"] and e["tasks_reached"] == 400, e["error"]
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert m["limits"]["RLIMIT_NPROC"]["soft"] == limit, m["limits"]["RLIMIT_NPROC"]
PY
python3 "$T/check.py" "$T/out/r" "$limit" || die "the limit is not recorded"
echo "RLIMIT_NPROC=$limit recorded"
