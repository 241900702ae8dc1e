#!/bin/sh
# e2e_run_plot.sh BINARY SOURCE_DIR — a tiny full matrix (every runtime ×
# every workload) end to end: exit status, manifest.json, every field of
# every results.jsonl line, equal checksums across runtimes, summary.csv,
# then `plot`. Also: a cell past --timeout is killed and recorded, and an
# existing non-empty --out is refused.
BIN=$1
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the JSON"; exit 77; }

die() {
	echo "FAIL: $*"
	exit 1
}

# ---- the tiny matrix: 5 runtimes × 3 workloads × 1 rep ----
timeout 120 "$BIN" run --runtime all --workload all --set tasks=4 --set work=2000 \
	--set ms=5 --set rounds=1000 --reps 1 --out "$T/r" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$T/err"; die "run exited $rc, want 0"; }
[ "$(cat "$T/out")" = "$T/r" ] || die "run printed '$(cat "$T/out")' on stdout, want the output folder"
[ "$(grep -c '^\[[0-9]*/15\] .*: ok ' "$T/err")" -eq 15 ] ||
	{ cat "$T/err"; die "want 15 progress lines '[i/15] ... : ok' on stderr"; }
[ -s "$T/r/manifest.json" ] || die "no manifest.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/r/manifest.json" ||
	die "manifest.json is not JSON"

python3 - "$T/r/results.jsonl" <<'EOF' || die "results.jsonl is wrong"
import json, re, sys
FIELDS = ["runtime", "workload", "params", "rep", "ok", "error", "checksum", "wall_ns",
          "cpu_user_ns", "cpu_sys_ns", "ctx_voluntary", "ctx_involuntary", "rss_peak_kib",
          "tasks_reached", "limit", "metrics"]
PARAMS = {"cpu": {"tasks": 4, "work": 2000}, "sleep": {"tasks": 4, "ms": 5},
          "pingpong": {"rounds": 1000}}
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 15, f"{len(lines)} lines, want 15"
cells = [json.loads(l) for l in lines]
seen, sums = set(), {}
for c in cells:
    where = f'{c.get("runtime")} {c.get("workload")}'
    assert list(c) == FIELDS, f"{where}: fields {list(c)}"
    assert c["ok"] is True and c["error"] is None, f'{where}: {c["error"]}'
    assert re.fullmatch(r"0x[0-9a-f]{16}", c["checksum"]), f"{where}: checksum {c['checksum']}"
    assert c["rep"] == 1
    for k in FIELDS[7:14]:
        assert isinstance(c[k], int) and c[k] >= 0, f"{where}: {k}={c[k]!r}"
    assert c["wall_ns"] > 0 and c["rss_peak_kib"] > 0
    assert c["cpu_user_ns"] + c["cpu_sys_ns"] > 0
    assert c["tasks_reached"] >= 1
    assert c["limit"] is None
    # The workload's parameters first, as set, then the runtime's.
    wp = PARAMS[c["workload"]]
    assert list(c["params"])[:len(wp)] == list(wp), f"{where}: params {c['params']}"
    for k, v in c["params"].items():
        assert isinstance(v, int), f"{where}: param {k}={v!r}"
        if k in wp:
            assert v == wp[k], f"{where}: {k}={v}, want {wp[k]}"
    assert isinstance(c["metrics"], dict) and c["metrics"], f"{where}: no metrics"
    for k, v in c["metrics"].items():
        assert isinstance(v, (int, float)), f"{where}: metric {k}={v!r}"
    seen.add((c["runtime"], c["workload"]))
    sums.setdefault(c["workload"], set()).add(c["checksum"])
rts = {"threads", "pool", "epoll", "coro", "coro-ucontext"}
assert seen == {(r, w) for r in rts for w in PARAMS}, f"cells: {sorted(seen)}"
for w, s in sums.items():
    assert len(s) == 1, f"{w}: checksums differ across runtimes: {s}"
EOF

python3 - "$T/r/summary.csv" <<'EOF' || die "summary.csv is wrong"
import sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0] == "runtime,workload,params,metric,unit,n,median,min,max", lines[0]
rows = [l.split(",") for l in lines[1:]]
assert all(len(r) == 9 for r in rows), "a row without 9 fields"
core = ["wall_ns", "cpu_user_ns", "cpu_sys_ns", "ctx_voluntary", "ctx_involuntary",
        "rss_peak_kib"]
for rt in ["threads", "pool", "epoll", "coro", "coro-ucontext"]:
    for wl in ["cpu", "sleep", "pingpong"]:
        mine = [r for r in rows if r[0] == rt and r[1] == wl]
        metrics = [r[3] for r in mine]
        assert metrics[:6] == core, f"{rt} {wl}: metrics {metrics}"
        assert len(metrics) > 6, f"{rt} {wl}: no workload metric"
        for r in mine:
            assert r[5] == "1", f"{rt} {wl} {r[3]}: n={r[5]}"
            lo, med, hi = float(r[7]), float(r[6]), float(r[8])
            assert lo == med == hi, f"{rt} {wl} {r[3]}: one rep, yet {lo} {med} {hi}"
        assert mine[0][4] == "ns" and mine[5][4] == "KiB"
        want = {"cpu": "tasks=4;work=2000", "sleep": "tasks=4;ms=5",
                "pingpong": "rounds=1000"}[wl]
        assert mine[0][2].startswith(want), f"{rt} {wl}: params {mine[0][2]}"
EOF

# ---- results are never overwritten ----
"$BIN" run --runtime threads --workload cpu --reps 1 --out "$T/r" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] || die "a run into the non-empty $T/r exited $rc, want 2"
grep -q "output folder '$T/r' is not empty" "$T/err" || die "no 'not empty' message"
[ "$(wc -l <"$T/r/results.jsonl")" -eq 15 ] || die "the refused run touched results.jsonl"

# ---- a cell past --timeout is killed and recorded ----
start=$(date +%s)
timeout 60 "$BIN" run --runtime threads --workload sleep --set tasks=2 --set ms=3000 \
	--timeout 1 --reps 1 --out "$T/slow" >"$T/out" 2>"$T/err"
rc=$?
took=$(($(date +%s) - start))
[ "$rc" -eq 1 ] || { cat "$T/err"; die "a timed-out run exited $rc, want 1"; }
[ "$took" -le 5 ] || die "a 1 s timeout took ${took} s"
grep -q '"ok":false,"error":"timeout","checksum":null' "$T/slow/results.jsonl" ||
	die "results.jsonl does not record the timeout: $(cat "$T/slow/results.jsonl")"
grep -q '^\[1/1\] threads sleep tasks=2 ms=3000 rep 1: FAILED: timeout$' "$T/err" ||
	die "no progress line for the timeout: $(cat "$T/err")"
[ "$(head -1 "$T/slow/summary.csv")" = "runtime,workload,params,metric,unit,n,median,min,max" ] ||
	die "a failed run still writes summary.csv"

# ---- plot ----
"$BIN" plot "$T/r" >"$T/out" 2>"$T/err" || { cat "$T/err"; die "plot exited $?"; }
ls "$T"/r/plots/*.svg >/dev/null 2>&1 || die "no plots/*.svg"
ls "$T"/r/plots/*.png >/dev/null 2>&1 || die "no plots/*.png"
for f in "$T"/r/plots/*.svg "$T"/r/plots/*.png; do
	[ -s "$f" ] || die "empty $f"
done

echo "e2e run+plot passed"
