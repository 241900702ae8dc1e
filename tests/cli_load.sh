#!/bin/sh
# cli_load.sh BINARY SOURCE_DIR — `concbench load HOST:PORT` (issue 14.4):
# against a running `concbench serve` it prints throughput and latency,
# writes a results folder (runtime remote:HOST:PORT, the cell's metrics,
# the client's CPU per request, a summary) that report and compare accept;
# --json prints the cell's line on stdout; echo too; a port where nobody
# listens is one line and exit 1 at once; bad input is one line and exit 2.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"
SPID=
cleanup() {
	[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
}

usage "load needs HOST:PORT" load
usage "bad target 'nohost'" load nohost
usage "bad port in '127.0.0.1:0'" load 127.0.0.1:0
usage "bad port in '127.0.0.1:x'" load 127.0.0.1:x
usage "load takes one HOST:PORT" load 127.0.0.1:1 127.0.0.1:2
usage "unknown parameter 'loops'" load 127.0.0.1:1 --set loops=2
usage "unknown parameter 'port'" load 127.0.0.1:1 --set port=5
usage "no sweeps" load 127.0.0.1:1 --set conns=1,2
usage "out of range" load 127.0.0.1:1 --set conns=0
usage "not both 0" load 127.0.0.1:1 --set seconds=0
usage "load speaks http or echo" load 127.0.0.1:1 --workload mixed
usage "bad --reps" load 127.0.0.1:1 --reps 0
usage "bad --client-cpus '4095'" load 127.0.0.1:1 --client-cpus 4095
usage "unknown option" load 127.0.0.1:1 --nosuch
"$BIN" load --help >"$T/out" 2>&1 && grep -q '^usage: concbench load HOST:PORT' "$T/out" ||
	fail "load --help"

# Nobody listens on port 1: one line, exit 1, at once (no 15 s of retries).
t0=$(date +%s)
status 1 "cannot connect to 127.0.0.1:1: Connection refused" load 127.0.0.1:1 --out "$T/none"
[ $(($(date +%s) - t0)) -le 5 ] || fail "a refused load took more than 5 s"
[ -e "$T/none" ] && fail "a refused load made its folder"

# start WORKLOAD: a server of ours on a free port, PORT set.
start() {
	"$BIN" serve --runtime epoll --workload "$1" >"$T/sout" 2>"$T/serr" &
	SPID=$!
	i=0
	while [ $i -lt 100 ]; do
		PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$T/sout")
		[ -n "$PORT" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	die "serve $1 never said it listens"
}
stop() {
	kill -TERM "$SPID"
	wait "$SPID"
	SPID=
}

start http
timeout 60 "$BIN" load "127.0.0.1:$PORT" --set conns=50 --set seconds=1 --set warmup_ms=100 \
	--out "$T/l" >"$T/out" 2>"$T/err" || fail "load against serve: exit $?"
grep -q '^throughput [0-9][0-9]* req/s ([0-9]* requests in 1.00 s, 0 errors)$' "$T/out" ||
	fail "load prints no throughput"
grep -q '^latency us: p50 [0-9.]*  p90 [0-9.]*  p99 [0-9.]*' "$T/out" || fail "load prints no latency"
grep -q '^client: [0-9.]* us CPU per request' "$T/out" || fail "load prints no client cost"
[ "$(tail -n 1 "$T/out")" = "$T/l" ] || fail "load does not print its folder last"
python3 - "$T/l" "$PORT" <<'PY' || fail "the load's folder"
import csv, json, sys
d, port = sys.argv[1], sys.argv[2]
lines = [json.loads(l) for l in open(d + "/results.jsonl")]
assert len(lines) == 1, lines
c = lines[0]
assert c["runtime"] == "remote:127.0.0.1:" + port, c["runtime"]
assert c["workload"] == "http" and c["ok"], c
assert c["params"]["conns"] == 50 and c["params"]["seconds"] == 1, c["params"]
m = c["metrics"]
for k in ["throughput_rps", "p50_us", "p99_us", "p9999_us", "max_us", "client_cpu_us_per_request"]:
    assert m[k] > 0, (k, m)
assert m["errors"] == 0 and c["client_cpu_user_ns"] is not None
rows = {r["metric"] for r in csv.DictReader(open(d + "/summary.csv"))}
assert {"throughput_rps", "p99_us", "client_cpu_us_per_request"} <= rows, rows
assert "remote:127.0.0.1:" + port in json.load(open(d + "/manifest.json"))["peers"]
PY
timeout 60 "$BIN" report "$T/l" >"$T/out" 2>"$T/err" || fail "report does not accept the load's folder"
grep -q "remote:127.0.0.1:$PORT" "$T/l/report.md" || fail "the report does not name the remote server"

# --json: the cell's line alone on stdout, the text on stderr.
timeout 60 "$BIN" load "localhost:$PORT" --json --set conns=5 --set requests=50 --out "$T/j" \
	>"$T/out" 2>"$T/err" || fail "load --json: exit $?"
python3 - "$T/out" <<'PY' || fail "load --json is not one cell line"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
c = json.loads(lines[0])
assert c["ok"] and c["metrics"]["requests"] == 250 and c["params"]["seconds"] == 0, c
PY
grep -q '^throughput' "$T/err" || fail "load --json does not tell on stderr"
timeout 60 "$BIN" compare "$T/l" "$T/j" >"$T/out" 2>"$T/err" || fail "compare does not accept two load folders"
stop

start echo
timeout 60 "$BIN" load "127.0.0.1:$PORT" --workload echo --set msg_bytes=100 --set requests=20 \
	--reps 2 --out "$T/e" >"$T/out" 2>"$T/err" || fail "load echo: exit $?"
[ "$(grep -c '^rep [12]: throughput' "$T/out")" = 2 ] || fail "load echo: not two reps"
grep -q '"workload":"echo"' "$T/e/results.jsonl" || fail "load echo: no echo line"

# The server going away mid-load: the requests fail, the run says so in
# one line per rep and exits 1, with the folder written.
"$BIN" load "127.0.0.1:$PORT" --workload echo --set seconds=5 --set warmup_ms=0 --out "$T/gone" \
	>"$T/out" 2>"$T/err" &
LPID=$!
sleep 1
stop
wait "$LPID"
rc=$?
[ "$rc" = 1 ] || fail "load whose server went away: exit $rc, want 1"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q '^concbench: load on 127.0.0.1:[0-9]*, rep 1: ' "$T/err" ||
	fail "load whose server went away: not one line"
grep -q '"ok":false' "$T/gone/results.jsonl" || fail "load whose server went away: no failed line"
finish "ok: load measures any server and writes a folder report and compare read"
