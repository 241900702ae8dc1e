#!/bin/sh
# cli_fleet.sh BINARY SOURCE_DIR — `concbench fleet HOSTS-FILE [run options]`
# (issue 15.3) with two "hosts" that are this machine: GNU parallel's
# --sshloginfile names, for each, an ssh command of the test's own
# ($T/fakessh, which runs the command here instead of logging in; two ":"
# lines would be one host to parallel). Each host's folder comes back into
# results/fleet-<date>/hostA and hostB, and one comparison covers both.
# Without parallel: one line and exit 2. Skipped (77) without parallel,
# which CI's fresh machine does not install (parallel's start-up alone
# takes seconds). About 10 s.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

echo 'hostA' >"$T/one"
NOPATH=1 usage "fleet needs GNU parallel" fleet "$T/one" --runtime epoll --workload cpu
need parallel "to run a fleet"
need base64 "to bring the folders back"
usage "lists no host" fleet /dev/null --runtime epoll --workload cpu
printf 'u@hostA\nv@hostA\n' >"$T/dup"
usage "two hosts named hostA" fleet "$T/dup" --runtime epoll --workload cpu
usage "no --out" fleet "$T/one" --runtime epoll --workload cpu --out x

cat >"$T/fakessh" <<'SH'
#!/bin/sh
# ssh's stand-in: drops ssh's options and the host, runs the command here.
while [ $# -gt 0 ]; do
	case $1 in
	-o | -p | -l | -i | -F) shift 2 ;;
	-*) shift ;;
	*) break ;;
	esac
done
shift
[ "$1" = -- ] && shift
exec sh -c "$*"
SH
chmod +x "$T/fakessh"
printf '%s hostA\n%s hostB\n' "$T/fakessh" "$T/fakessh" >"$T/hosts"
mkdir "$T/tmp" && export TMPDIR="$T/tmp" # where each host's run writes first
timeout 120 "$BIN" fleet "$T/hosts" --runtime epoll --workload cpu --set tasks=2 --reps 2 \
	--warmup 0 >"$T/out" 2>"$T/err" || fail "fleet: exit $?"
D=$(tail -n 1 "$T/out")
case $D in results/fleet-*) ;; *) fail "fleet: no folder named on stdout" ;; esac
python3 - "$D" <<'PY' || fail "fleet: not two hosts' folders and one comparison"
import csv, json, os, sys
d = sys.argv[1]
for h in ("hostA", "hostB"):
    lines = [json.loads(l) for l in open(os.path.join(d, h, "results.jsonl"))]
    assert len(lines) == 2 and all(c["ok"] for c in lines), (h, lines)
    assert json.load(open(os.path.join(d, h, "manifest.json")))["hostname"]
rows = list(csv.DictReader(open(os.path.join(d, "compare", "compare.csv"))))
assert rows and rows[0]["run2"] == "hostB", rows[:1]
PY
ls "$T"/tmp/concbench-fleet.* >/dev/null 2>&1 && fail "fleet: a host's temporary folder left"
finish "ok: two hosts' runs brought back and compared"
