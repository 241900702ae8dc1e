#!/bin/sh
# e2e_run_plot.sh BINARY SOURCE_DIR — a tiny full matrix (every runtime ×
# every workload) end to end: exit status, manifest.json, run.json, every
# field of every results.jsonl line (counters, memory, CPUs used), equal
# checksums across runtimes, summary.csv and summary.json, then `plot`.
# Also: a cell past --timeout is killed and recorded, and an existing
# non-empty --out is refused.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

# ---- the tiny matrix: every runtime × every workload × 1 rep ----
# No warm-up, so every cell is a rep (cli_resume.sh covers warm-ups).
RTS=$(listed runtime | paste -sd, -)
WLS=$(listed workload | paste -sd, -)
NCELLS=$(($(echo "$RTS" | tr , '\n' | wc -l) * $(echo "$WLS" | tr , '\n' | wc -l)))
timeout 240 "$BIN" run --runtime all --workload all --set tasks=4 --set work=2000 \
	--set ms=5 --set rounds=1000 --reps 1 --warmup 0 --out "$T/r" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$T/err"; die "run exited $rc, want 0"; }
[ "$(cat "$T/out")" = "$T/r" ] || die "run printed '$(cat "$T/out")' on stdout, want the output folder"
[ "$(grep -c "^\[[0-9]*/$NCELLS\] .*: ok " "$T/err")" -eq "$NCELLS" ] ||
	{ cat "$T/err"; die "want $NCELLS progress lines '[i/$NCELLS] ... : ok' on stderr"; }
[ -s "$T/r/manifest.json" ] || die "no manifest.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/r/manifest.json" ||
	die "manifest.json is not JSON"

cat >"$T/run.py" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert r["status"] == "complete", r["status"]
assert r["cells"] == n and r["cells_done"] == n and r["cells_failed"] == 0, r
assert r["args"][:3] == ["run", "--runtime", "all"], r["args"]
PY
python3 "$T/run.py" "$T/r/run.json" "$NCELLS" || die "run.json is wrong"

cat >"$T/results.py" <<'PY'
import json, re, sys
FIELDS = ["schema", "schema_version", "runtime", "workload", "params", "placement", "cpus_bound", "cpu_a", "cpu_b",
          "client_cpus_bound", "rep", "warmup", "ok", "error", "checksum", "wall_ns",
          "cpu_user_ns", "cpu_sys_ns", "ctx_voluntary", "ctx_involuntary", "rss_peak_kib",
          "tasks_reached", "limit", "metrics", "metric_units", "counters",
          "counters_unavailable", "counters_user_only", "syscalls_why", "threads_at_read", "mem",
          "create_ns_per_task", "steal_ms", "others_ms", "cpus_used", "switch_count_check",
          "client_cpus_used",
          "client_cpu_user_ns", "client_cpu_sys_ns", "client_ctx_voluntary",
          "client_ctx_involuntary", "client_rss_peak_kib"]
COUNTERS = ["task_clock", "context_switches", "cpu_migrations", "page_faults", "cycles",
            "instructions", "cache_misses"]
SET = {"tasks": 4, "work": 2000, "ms": 5, "rounds": 1000}
rts, wls = sys.argv[2].split(","), sys.argv[3].split(",")
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == len(rts) * len(wls), f"{len(lines)} lines, want {len(rts) * len(wls)}"
cells = [json.loads(l) for l in lines]
seen, sums = set(), {}
for c in cells:
    where = f'{c.get("runtime")} {c.get("workload")}'
    assert list(c) == FIELDS, f"{where}: fields {list(c)}"
    assert c["ok"] is True and c["error"] is None, f'{where}: {c["error"]}'
    assert re.fullmatch(r"0x[0-9a-f]{16}", c["checksum"]), f"{where}: checksum {c['checksum']}"
    assert c["rep"] == 1 and c["warmup"] is False
    assert c["placement"] == "unpinned" and c["cpu_a"] == -1 and c["cpu_b"] == -1
    for k in FIELDS[15:22]:
        assert isinstance(c[k], int) and c[k] >= 0, f"{where}: {k}={c[k]!r}"
    assert c["wall_ns"] > 0 and c["rss_peak_kib"] > 0
    assert c["cpu_user_ns"] + c["cpu_sys_ns"] > 0
    assert c["tasks_reached"] >= 1
    assert c["limit"] is None
    for k, v in c["params"].items():
        assert isinstance(v, int), f"{where}: param {k}={v!r}"
        if k in SET:
            assert v == SET[k], f"{where}: {k}={v}, want {SET[k]}"
    assert isinstance(c["metrics"], dict) and c["metrics"], f"{where}: no metrics"
    assert list(c["metric_units"]) == list(c["metrics"]), f"{where}: units"
    for k, v in c["metrics"].items():
        assert isinstance(v, (int, float)), f"{where}: metric {k}={v!r}"
    # Every counter: a number, or null with the reason.
    assert list(c["counters"]) == COUNTERS, f"{where}: counters {list(c['counters'])}"
    for k, v in c["counters"].items():
        if v is None:
            assert c["counters_unavailable"].get(k), f"{where}: {k} null without a reason"
        else:
            assert k not in c["counters_unavailable"] and v >= 0, f"{where}: {k}={v}"
    assert c["cpus_used"], f"{where}: no cpus_used"
    # sleep reports its peak: memory there, with where the kernel's came from.
    if c["workload"] == "sleep":
        m = c["mem"]
        assert m and m["rss_kib"] > 0 and m["method"], f"{where}: mem {m}"
        assert m["user_kib"] is not None and m["kernel_kib"] is not None, f"{where}: mem {m}"
        assert c["create_ns_per_task"] is None or c["create_ns_per_task"] > 0
        assert c["steal_ms"] is None or c["steal_ms"] >= 0, c["steal_ms"]
    if "ns_per_switch" in c["metrics"]:
        assert c["switch_count_check"], f"{where}: no switch_count_check"
    seen.add((c["runtime"], c["workload"]))
    sums.setdefault(c["workload"], set()).add(c["checksum"])
assert seen == {(r, w) for r in rts for w in wls}, f"cells: {sorted(seen)}"
for w, s in sums.items():
    assert len(s) == 1, f"{w}: checksums differ across runtimes: {s}"
PY
python3 "$T/results.py" "$T/r/results.jsonl" "$RTS" "$WLS" || die "results.jsonl is wrong"

cat >"$T/summary.py" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0] == "runtime,workload,params,metric,unit,n,median,min,max,cov,noisy,ci_lo,ci_hi", lines[0]
rows = [l.split(",") for l in lines[1:]]
assert all(len(r) == 13 for r in rows), "a row without 13 fields"
core = ["wall_ns", "cpu_user_ns", "cpu_sys_ns", "ctx_voluntary", "ctx_involuntary",
        "rss_peak_kib"]
for rt in sys.argv[2].split(","):
    for wl in sys.argv[3].split(","):
        mine = [r for r in rows if r[0] == rt and r[1] == wl]
        metrics = [r[3] for r in mine]
        assert metrics[:6] == core, f"{rt} {wl}: metrics {metrics}"
        assert len(metrics) > 6, f"{rt} {wl}: no workload metric"
        for r in mine:
            assert r[5] == "1", f"{rt} {wl} {r[3]}: n={r[5]}"
            lo, med, hi = float(r[7]), float(r[6]), float(r[8])
            assert lo == med == hi, f"{rt} {wl} {r[3]}: one rep, yet {lo} {med} {hi}"
            # One rep: no coefficient of variation, never noisy.
            assert r[9] == "" and r[10] == "0", f"{rt} {wl} {r[3]}: cov {r[9]} noisy {r[10]}"
            # ... and no interval: one value has no spread to resample.
            assert r[11] == "" and r[12] == "", f"{rt} {wl} {r[3]}: interval {r[11]} {r[12]}"
        assert mine[0][4] == "ns" and mine[5][4] == "KiB"
        want = {"cpu": "tasks=4;work=2000", "sleep": "tasks=4;ms=5",
                "pingpong": "rounds=1000"}.get(wl, "")
        assert mine[0][2].startswith(want), f"{rt} {wl}: params {mine[0][2]}"
PY
python3 "$T/summary.py" "$T/r/summary.csv" "$RTS" "$WLS" || die "summary.csv is wrong"
python3 -c 'import json,sys; s = json.load(open(sys.argv[1])); assert s["rows"]' \
	"$T/r/summary.json" || die "summary.json is not JSON with rows"
[ "$(head -1 "$T/r/fits.csv")" = "runtime,workload,params,metric,unit,n,slope,intercept,r2" ] ||
	die "no fits.csv header"

# ---- results are never overwritten ----
"$BIN" run --runtime threads --workload cpu --reps 1 --out "$T/r" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 2 ] || die "a run into the non-empty $T/r exited $rc, want 2"
grep -q "output folder '$T/r' is not empty" "$T/err" || die "no 'not empty' message"
[ "$(wc -l <"$T/r/results.jsonl")" -eq "$NCELLS" ] || die "the refused run touched results.jsonl"

# ---- a cell past --timeout is killed and recorded ----
start=$(date +%s)
timeout 60 "$BIN" run --runtime threads --workload sleep --set tasks=2 --set ms=3000 \
	--timeout 1 --reps 1 --warmup 0 --out "$T/slow" >"$T/out" 2>"$T/err"
rc=$?
took=$(($(date +%s) - start))
[ "$rc" -eq 1 ] || { cat "$T/err"; die "a timed-out run exited $rc, want 1"; }
[ "$took" -le 5 ] || die "a 1 s timeout took ${took} s"
grep -q '"ok":false,"error":"timeout","checksum":null' "$T/slow/results.jsonl" ||
	die "results.jsonl does not record the timeout: $(cat "$T/slow/results.jsonl")"
grep -q '^\[1/1\] threads sleep tasks=2 ms=3000 rep 1: FAILED: timeout$' "$T/err" ||
	die "no progress line for the timeout: $(cat "$T/err")"
[ "$(head -1 "$T/slow/summary.csv")" = "runtime,workload,params,metric,unit,n,median,min,max,cov,noisy,ci_lo,ci_hi" ] ||
	die "a failed run still writes summary.csv"

# ---- plot ----
"$BIN" plot "$T/r" >"$T/out" 2>"$T/err" || { cat "$T/err"; die "plot exited $?"; }
ls "$T"/r/plots/*.svg >/dev/null 2>&1 || die "no plots/*.svg"
ls "$T"/r/plots/*.png >/dev/null 2>&1 || die "no plots/*.png"
for f in "$T"/r/plots/*.svg "$T"/r/plots/*.png; do
	[ -s "$f" ] || die "empty $f"
done

echo "e2e run+plot passed"
