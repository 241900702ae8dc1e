#!/bin/sh
# e2e_peer_nginx.sh BINARY SOURCE_DIR — `run --peer nginx` (issue 14.3):
# each http point also runs nginx, measured by the same client, recorded as
# runtime peer:nginx (ok, metrics, nginx's own CPU per request) with
# nginx's version in the manifest, and nothing of nginx is left: no
# process, no prefix, after a run that ends well and after one killed with
# SIGKILL mid-cell. Without nginx a note and no failure (that part runs
# everywhere: CONCBENCH_NGINX names a missing nginx); an unknown peer is a
# usage error.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"
RPID=
cleanup() {
	[ -n "$RPID" ] && kill -KILL "$RPID" 2>/dev/null
}
# nginx's prefix is made in $TMPDIR: ours, so that only our nginx is looked for.
export TMPDIR="$T"

usage "unknown peer 'apache' (choose from: nginx)" run --runtime epoll --workload http --peer apache

# Nothing there, or a directory (searchable, so X_OK alone passed it).
for none in /nonexistent "$T"; do
	rm -rf "$T/none"
	CONCBENCH_NGINX=$none timeout 60 "$BIN" run --runtime epoll --workload http \
		--set conns=2 --set requests=10 --reps 1 --warmup 0 --peer nginx --out "$T/none" \
		>"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 0 ] || fail "--peer nginx without nginx ($none): exit $rc, want 0"
	grep -q '^concbench: note: --peer nginx: CONCBENCH_NGINX names no executable; the run goes on without it$' \
		"$T/err" || fail "--peer nginx without nginx ($none): no note"
	grep -q 'peer:nginx' "$T/none/results.jsonl" "$T/none/manifest.json" &&
		fail "--peer nginx without nginx ($none): a peer row or manifest entry"
done

NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
[ -n "$NGINX" ] || { finish "ok (nginx itself not installed: the rest skipped)"; exit 0; }
VERSION=$("$NGINX" -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p')

# ours_left: the nginx processes and prefixes of this test still there.
ours_left() {
	pgrep -f "$T/concbench-nginx" >/dev/null && echo "an nginx process"
	ls -d "$T"/concbench-nginx-* 2>/dev/null
}

timeout 120 "$BIN" run --runtime epoll --workload http,cpu --set conns=4 --set requests=200 \
	--set tasks=2 --set work=1000 --reps 1 --warmup 0 --peer nginx --out "$T/r" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] || fail "run --peer nginx: exit $rc"
python3 - "$T/r" "$VERSION" <<'PY' || fail "the peer:nginx row"
import json, sys
d, version = sys.argv[1], sys.argv[2]
cells = [json.loads(l) for l in open(d + "/results.jsonl")]
peer = [c for c in cells if c["runtime"] == "peer:nginx"]
# http only: nginx does not run the cpu workload.
assert len(peer) == 1 and peer[0]["workload"] == "http", [(c["runtime"], c["workload"]) for c in cells]
p = peer[0]
assert p["ok"], p["error"]
m = p["metrics"]
assert m["requests"] == 800 and m["errors"] == 0, m
for k in ["throughput_rps", "p99_us", "client_cpu_us_per_request", "server_cpu_us_per_request"]:
    assert m[k] > 0, (k, m)
# nginx's own CPU time, apart from the client's.
assert p["cpu_user_ns"] + p["cpu_sys_ns"] > 0 and p["client_cpu_user_ns"] is not None, p
assert p["cpus_bound"] == [c for c in cells if c["runtime"] == "epoll" and c["workload"] == "http"][0]["cpus_bound"]
assert json.load(open(d + "/manifest.json"))["peers"] == {"peer:nginx": version}
rows = open(d + "/summary.csv").read()
assert "peer:nginx,http," in rows
PY
left=$(ours_left)
[ -z "$left" ] || fail "left after the run: $left"
timeout 60 "$BIN" report "$T/r" >"$T/out" 2>"$T/err" || fail "report of a run with a peer: exit $?"
grep -q 'Reference: peer:nginx.\*\* At conns=4 the fastest hand-written model (epoll, ' "$T/r/report.md" ||
	fail "the report has no reference line"

# Killed mid-cell with SIGKILL: the keeper stops nginx and removes its
# prefix. (--timeout 2 cuts epoll's 20 s cell, which runs first.)
"$BIN" run --runtime epoll --workload http --set conns=2 --set requests=0 --set seconds=20 \
	--reps 1 --warmup 0 --timeout 2 --peer nginx --out "$T/k" >"$T/out" 2>"$T/err" &
RPID=$!
i=0
while [ $i -lt 300 ] && ! pgrep -f "$T/concbench-nginx" >/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
pgrep -f "$T/concbench-nginx" >/dev/null || fail "nginx never started"
kill -KILL "$RPID"
wait "$RPID" 2>/dev/null
RPID=
i=0
while [ $i -lt 50 ] && [ -n "$(ours_left)" ]; do
	sleep 0.1
	i=$((i + 1))
done
left=$(ours_left)
[ -z "$left" ] || fail "left 5 s after the run was killed: $left"
finish "ok: nginx ran beside epoll as peer:nginx $VERSION and left nothing behind"
