#!/bin/sh
# e2e_server_alone.sh BINARY SOURCE_DIR — a server cell's core figures are
# the server's alone (issue 11: 2, 3). The load generator is forked from the
# cell's process, so the cell's wait4 counts it; the test makes the client
# touch 96 MiB (CONCBENCH_TEST_CLIENT_TOUCH_MIB, a hook in loadgen.c) and
# wants rss_peak_kib below that and client_rss_peak_kib above it; the
# client's rusage under client_*; client_cpu_util in [0, 1] with
# client_limited beside it; server_cpu_us_per_request the server's CPU in
# the window only: the server spins 300 ms once it listens, before its client starts
# (CONCBENCH_TEST_SERVER_BURN_MS, a hook in cell.c), which is in its
# whole-cell CPU time and must not be in the window's; client_cpu_us_per_request
# the client's CPU over the responses it handled; server_sock_kib and
# server_sockets the server's sockets (sock_diag on its port) while every
# connection is open: the 4 connections and the listener; and the summary
# rows of all of them. With --count-syscalls, the server's
# syscalls per request where the raw_syscalls tracepoint can be counted
# (epoll echo: about 5; 1 to 50 is plausible), else null with the reason.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

CONCBENCH_TEST_CLIENT_TOUCH_MIB=96 CONCBENCH_TEST_SERVER_BURN_MS=300 timeout 120 "$BIN" run --runtime epoll --workload echo \
	--set conns=4 --set seconds=1 --reps 1 --warmup 0 --count-syscalls --out "$T/r" \
	>"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$T/err"; die "run exited $rc, want 0"; }

cat >"$T/check.py" <<'PY'
import csv, json, sys
d = sys.argv[1]
cells = [json.loads(l) for l in open(d + "/results.jsonl")]
assert len(cells) == 1, len(cells)
c = cells[0]
m = c["metrics"]
assert c["ok"], c["error"]
touch = 96 * 1024
# The server's peak RSS is its own process's: the client's 96 MiB is not in it.
assert 0 < c["rss_peak_kib"] < touch, f'server rss_peak_kib {c["rss_peak_kib"]}'
assert c["client_rss_peak_kib"] >= touch, f'client_rss_peak_kib {c["client_rss_peak_kib"]}'
for k in ["client_cpu_user_ns", "client_cpu_sys_ns", "client_ctx_voluntary",
          "client_ctx_involuntary"]:
    assert isinstance(c[k], int) and c[k] >= 0, (k, c[k])
# The client touched 24,576 pages: its page faults are system time that the
# server's figure must not hold.
assert c["client_cpu_user_ns"] + c["client_cpu_sys_ns"] > 0
assert c["cpu_user_ns"] + c["cpu_sys_ns"] > 0
u = m["client_cpu_util"]
assert 0 <= u <= 1, u
assert m["client_limited"] == (1 if u > 0.8 else 0), (u, m["client_limited"])
# The server's own count of what it served (echo: messages), for the
# syscalls below.
req = m.get("requests_served") or m.get("messages") or m["requests"]
assert req > 0
# The window's server CPU (at least the responses it counted, times the
# figure per request) leaves out the 300 ms spent before accepting, which
# the cell's whole CPU time holds.
got = m["server_cpu_us_per_request"]
whole_us = (c["cpu_user_ns"] + c["cpu_sys_ns"]) / 1000
assert got > 0 and got * m["requests"] <= whole_us - 250000, (got, m["requests"], whole_us)
# The client's cost per response (issue 16.5): its whole CPU time over
# every response it handled, which are at least the window's requests.
cpr = m["client_cpu_us_per_request"]
most = (c["client_cpu_user_ns"] + c["client_cpu_sys_ns"]) / 1000 / m["requests"]
assert 0 < cpr <= most * 1.0001, (cpr, most)
# The server's own sockets' kernel memory while every connection is open
# (sock_diag): the 4 connections' server sides and the listener.
sk, n = m.get("server_sock_kib", "absent"), m.get("server_sockets", "absent")
assert isinstance(sk, (int, float)) and sk > 0, f"server_sock_kib {sk}"
assert n == 4 + 1, f"server_sockets {n}, want 4 connections and the listener"
# Loopback's dropped packets over the window (host-wide): a count.
assert m["net_backlog_drops"] >= 0 and c["metric_units"]["net_backlog_drops"] == "packets"
assert c["metric_units"]["server_sock_kib"] == "KiB"
# The server's syscalls (perf.c): counted, or null with a reason.
why, sc, spr = c["syscalls_why"], m["syscalls"], m["syscalls_per_request"]
if why is None:
    assert sc > 0 and 1 <= spr <= 50, (sc, spr)
    assert abs(spr - sc / req) <= 1e-6 * spr, (spr, sc, req)
    print(f"syscalls_per_request {spr:.2f}")
else:
    assert isinstance(why, str) and why and sc is None and spr is None, (why, sc, spr)
    print(f"syscalls not counted: {why}")
rows = {r["metric"]: r for r in csv.DictReader(open(d + "/summary.csv"))}
for k in ["client_cpu_user_ns", "client_cpu_sys_ns", "client_ctx_voluntary",
          "client_ctx_involuntary", "client_rss_peak_kib", "client_cpu_util",
          "client_limited", "server_cpu_us_per_request", "client_cpu_us_per_request",
          "server_sock_kib", "server_sockets"]:
    assert k in rows, f"summary.csv has no {k} row"
assert float(rows["rss_peak_kib"]["median"]) < touch
PY
python3 "$T/check.py" "$T/r" || { cat "$T/err"; die "server figures include the client's, or its syscalls are wrong"; }

# --resume reads the client's figures back: the summary it rewrites has them.
cp "$T/r/summary.csv" "$T/summary.before"
rm "$T/r/summary.csv"
timeout 60 "$BIN" run --resume "$T/r" >"$T/out" 2>"$T/err" || die "--resume failed"
[ "$(grep client_ "$T/r/summary.csv")" = "$(grep client_ "$T/summary.before")" ] ||
	die "the summary rewritten by --resume lost or changed the client_* rows"

# A cell without a client has no client_* figures (null, no summary rows).
timeout 60 "$BIN" run --runtime epoll --workload cpu --set tasks=2 --set work=1000 --reps 1 \
	--warmup 0 --out "$T/c" >"$T/out" 2>"$T/err" || die "cpu run failed"
python3 - "$T/c" <<'PY' || die "a cpu cell has client figures"
import json, sys
c = json.loads(open(sys.argv[1] + "/results.jsonl").readline())
assert c["client_rss_peak_kib"] is None and c["client_cpu_user_ns"] is None, c
assert c["syscalls_why"] is None and "syscalls" not in c["metrics"], c
assert "client_" not in open(sys.argv[1] + "/summary.csv").read()
PY
# A connection whose close never reaches the server (a reset lost on
# loopback) must not hold the cell to its time limit: the client makes 2 of
# its 4 connections vanish silently (CONCBENCH_TEST_CLIENT_VANISH: TCP
# repair mode, root's), and the harness stops the server
# CONCBENCH_TEST_END_GRACE_MS after its client is done, counting what it
# found. Without the stop the cell runs into --timeout and fails.
CONCBENCH_TEST_CLIENT_VANISH=2 CONCBENCH_TEST_END_GRACE_MS=300 timeout 60 "$BIN" run \
	--runtime epoll --workload echo --set conns=4 --set requests=0 --set seconds=1 \
	--reps 1 --warmup 0 --timeout 15 --out "$T/v" >"$T/out" 2>"$T/err"
rc=$?
if grep -q 'test hook: TCP_REPAIR' "$T/err"; then
	echo "note: TCP repair mode refused here: the lost-close case not run"
else
	[ "$rc" -eq 0 ] || { cat "$T/err"; die "vanished connections: run exited $rc, want 0"; }
	python3 - "$T/v" <<'PY' || { cat "$T/err"; die "a server left with vanished connections was not stopped and counted"; }
import json, sys
c = json.loads(open(sys.argv[1] + "/results.jsonl").readline())
m = c["metrics"]
assert c["ok"], c["error"]
assert m.get("conns_reset_lost") == 2 and m.get("conns_close_unseen") == 0, m
PY
	grep -q 'the harness stopped it' "$T/err" || { cat "$T/err"; die "no note of the stop"; }
fi
echo "ok: the server's cpu, switches and peak RSS exclude the load generator's"
