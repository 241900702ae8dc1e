#!/bin/sh
# e2e_reserve.sh BINARY SOURCE_DIR — a cell that makes threads until the
# kernel refuses must leave the machine usable. In a pids cgroup of 600
# PIDs (a small machine: the same computation as kernel.pid_max's, and
# cheap), `run --runtime threads --workload sleep --set tasks=100000` runs
# while a second process in the same cgroup forks over and over:
#   - by default the cell stops at the reserve (a quarter of 600 kept),
#     every fork succeeds, and the record says limit pids.max,
#     "reserve": true, the tasks reached and where the wall is (limit_max
#     600, limit_at);
#   - with --no-reserve the cell runs into pids.max itself, the record
#     names it without "reserve", and the other process's forks fail with
#     EAGAIN meanwhile (what the reserve prevents).
# Needs root and a pids controller: cgroup v1's pids hierarchy, or v2's
# root handing pids down. Skipped otherwise.
. "$(dirname "$0")/lib.sh"
need python3 "to fork in a loop and read the JSON"
[ "$(id -u)" -eq 0 ] || skip "needs root to make a cgroup"

base=""
v1=$(awk '{ for (i = 7; i <= NF && $i != "-"; i++) ;
            if ($(i + 1) == "cgroup" && ("," $(i + 3) ",") ~ /,pids,/) { print $5; exit } }' \
	/proc/self/mountinfo)
v2=$(awk '{ for (i = 7; i <= NF && $i != "-"; i++) ;
            if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
if [ -n "$v1" ]; then
	base=$v1
elif [ -n "$v2" ] && grep -qw pids "$v2/cgroup.subtree_control" 2>/dev/null; then
	base=$v2
fi
[ -n "$base" ] || skip "no pids controller to make a cgroup with"
CG="$base/concbench-reserve-$$"
mkdir "$CG" 2>/dev/null || skip "cannot make a cgroup in $base"
cleanup() {
	[ -n "$FORKER" ] && kill "$FORKER" 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$CG" 2>/dev/null && break; sleep 0.3; done
}
echo 600 >"$CG/pids.max" || die "cannot set pids.max"

cat >"$T/forker.py" <<'PY'
import errno, os, sys, time
cg, ready, stop = sys.argv[1:4]
with open(cg + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
open(ready, "w").close()
# Batches of 1 to 8 children, each held (unreaped) until the batch is made,
# like a shell's pipelines, with a pause holding none between batches: the
# PIDs the forker happened to hold when the cell took the rest are all it
# has then, so a later, larger batch meets the wall.
ok = bad = n = 0
while not os.path.exists(stop):
    kids = []
    n += 1
    for _ in range(1 + n % 8):
        try:
            pid = os.fork()
        except OSError as e:
            if e.errno != errno.EAGAIN:
                raise
            bad += 1
            continue
        if pid == 0:
            os._exit(0)
        kids.append(pid)
        ok += 1
    for pid in kids:
        os.waitpid(pid, 0)
    time.sleep(0.01)
print(ok, bad)
PY

# run NAME [OPTION]: the threads cell in the cgroup while the forker forks
# beside it; leaves NAME.forks ("ok failed") and folder NAME.
run() {
	rm -f "$T/ready" "$T/stop"
	python3 "$T/forker.py" "$CG" "$T/ready" "$T/stop" >"$T/$1.forks" &
	FORKER=$!
	for i in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
	[ -e "$T/ready" ] || die "the forker did not start"
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
		"$BIN" run --runtime threads --workload sleep --set tasks=100000 --set ms=1000 \
		--reps 1 --warmup 0 --timeout 60 --out "$T/$1" $2 >"$T/out" 2>"$T/err"
	echo $? >"$T/$1.rc"
	touch "$T/stop"
	wait "$FORKER"
	FORKER=
}

cat >"$T/check.py" <<'PY'
import json, sys
d, want_reserve = sys.argv[1], sys.argv[2] == "1"
c = json.loads(open(d + "/results.jsonl").readline())
assert not c["ok"] and c["limit"] == "pids.max", (c["error"], c["limit"])
assert 0 < c["tasks_reached"] < 600, c["tasks_reached"]
if want_reserve:
    assert c.get("reserve") is True, c.get("reserve")
    assert c["limit_max"] == 600, c["limit_max"]
    # A quarter of 600 kept: the wall is 150 tasks past where the cell stopped.
    assert c["limit_at"] - c["tasks_reached"] >= 140, (c["limit_at"], c["tasks_reached"])
    assert c["tasks_reached"] <= 450, c["tasks_reached"]
else:
    assert "reserve" not in c, c.get("reserve")
    assert c["tasks_reached"] > 500, c["tasks_reached"]
PY

run reserved ""
[ "$(cat "$T/reserved.rc")" -eq 0 ] || fail "the run failed: $(cat "$T/err")"
python3 "$T/check.py" "$T/reserved" 1 || fail "the reserve is not recorded"
set -- $(cat "$T/reserved.forks")
[ "${1:-0}" -gt 0 ] || fail "the forker did not fork at all"
[ "${2:-1}" -eq 0 ] || fail "with the reserve, $2 of $(($1 + $2)) forks failed (EAGAIN)"
echo "reserve: $1 forks, ${2:-?} failed"

# The forker may hold its largest batch just when the cell takes the rest,
# and then never need more: a second try is a fresh draw.
for try in 1 2 3; do
	rm -rf "$T/unreserved"
	run unreserved --no-reserve
	set -- $(cat "$T/unreserved.forks")
	[ "${2:-0}" -gt 0 ] && break
done
[ "$(cat "$T/unreserved.rc")" -eq 0 ] || fail "the --no-reserve run failed: $(cat "$T/err")"
python3 "$T/check.py" "$T/unreserved" 0 || fail "--no-reserve did not reach pids.max"
[ "${2:-0}" -gt 0 ] || fail "with --no-reserve no fork failed: the test cannot see the harm"
echo "no reserve: $1 forks, ${2:-?} failed"
finish "the reserve kept the machine usable"
