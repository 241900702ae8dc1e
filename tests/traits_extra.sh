#!/bin/sh
# traits_extra.sh BINARY SOURCE_DIR — BINARY is concbench_extra: concbench
# with a sixth runtime, threads-alias (tests/extra_runtime.c), that the
# harness knows by no name, only by its traits (a thread per task, kernel
# switching). A tiny run of it beside coro on cpu and pingpong, then:
# summary.csv has its rows; its cpu efficiency divides by every CPU of the
# run (its parallelism) against coro's single-core rate; its pingpong
# cells' context switches are checked against the kernel model; `plot`
# draws its series; `report` puts it on the parallel side of C1 and the
# threads side of C5 and C10.
. "$(dirname "$0")/lib.sh"
need python3 "to read the outputs"
need gnuplot "to draw the charts"

"$BIN" list | grep -q '^runtime  *threads-alias ' || die "$BIN does not list threads-alias"

# ---- the run: 2 runtimes x (2 cpu points + 1 pingpong) x 2 reps ----
timeout 120 "$BIN" run --runtime threads-alias,coro --workload cpu,pingpong --set tasks=8 \
	--set work=20000,200000 --set rounds=2000 --reps 2 --warmup 0 --out "$T/r" \
	>"$T/out" 2>"$T/err" || die "run exited $?: $(cat "$T/err")"

# ---- summary.csv, efficiency, the switch check ----
cat >"$T/check.py" <<'PY'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/summary.csv")))
mine = [r for r in rows if r["runtime"] == "threads-alias"]
bad = []
for wl in ("cpu", "pingpong"):
    if not [r for r in mine if r["workload"] == wl]:
        bad.append(f"summary.csv: no threads-alias {wl} rows")

# Efficiency (plots/efficiency.dat, in %) is iters_per_us over parallelism
# x the best single-executor rate (coro's: coro states one CPU). A thread
# per task keeps every CPU of the run busy: parallelism = run_pus.
pus = json.load(open(d + "/manifest.json"))["topology"]["run_pus"]
iters = {(r["runtime"], r["params"].split("work=")[1].split(";")[0]): float(r["median"])
         for r in rows if r["workload"] == "cpu" and r["metric"] == "iters_per_us"}
best = max(v for (rt, _), v in iters.items() if rt == "coro")
eff, series = {}, None
for line in open(d + "/plots/efficiency.dat"):
    if line.startswith("work "):
        series = line.split('"')[1]
    elif line.strip() and not line.startswith("#"):
        eff[(series, line.split()[0])] = float(line.split()[1])
for work in ("20000", "200000"):
    e = eff.get(("threads-alias", work))
    if e is None:
        bad.append(f"efficiency.dat: no threads-alias point at work={work}")
        continue
    p = iters[("threads-alias", work)] / (e / 100 * best)
    if abs(p - pus) > 0.01:
        bad.append(f"efficiency at work={work}: parallelism {p:.3f}, want {pus} (run_pus)")

# The pingpong cells: a kernel model, two switches per round trip.
for line in open(d + "/results.jsonl"):
    c = json.loads(line)
    if c["runtime"] == "threads-alias" and c["workload"] == "pingpong":
        s = c["switch_count_check"] or ""
        if " expected ~4000 (kernel)," not in s:
            bad.append(f"pingpong rep {c['rep']}: switch_count_check {s!r}, want "
                       "'... expected ~4000 (kernel), ...'")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# ---- plot ----
"$BIN" plot "$T/r" >"$T/out" 2>"$T/err" || { fail "plot exited $?"; }
python3 "$T/check.py" "$T/r" || fail "the summary and chart data do not follow the traits"
for c in efficiency switch; do
	grep -q '"threads-alias"' "$T/r/plots/$c.dat" 2>/dev/null ||
		fail "plots/$c.dat has no threads-alias series"
	grep -q 'threads-alias' "$T/r/plots/$c.svg" 2>/dev/null ||
		fail "plots/$c.svg does not name threads-alias"
done

# ---- report: the claims' sides ----
"$BIN" report "$T/r" >"$T/out" 2>"$T/err" || { fail "report exited $?"; }
md=$T/r/report.md
# C1: threads-alias is the parallel side, coro the single executor.
# (Shown, not judged: the CPU count. C1 judges a loop per CPU at equal CPUs.)
grep -Eq '^\| threads-alias on [0-9]+ CPUs over coro on 1 \|' "$md" ||
	fail "C1 does not take threads-alias as the parallel side and coro as the single executor"
# C5: threads' switch cost, measured by threads-alias only.
grep -q '^| threads pingpong, unpinned: ns per switch |' "$md" ||
	fail "C5 does not take threads-alias's pingpong as threads'"
grep -q 'not enough data: threads pingpong not measured' "$md" &&
	fail "C5 says threads pingpong was not measured"

# C10: threads-alias's efficiency series against a pool's.
timeout 120 "$BIN" run --runtime threads-alias,pool,coro --workload cpu --set tasks=8 \
	--set work=20000,200000 --reps 1 --warmup 0 --out "$T/p" >"$T/out" 2>"$T/err" ||
	{ fail "the C10 run exited $?"; }
"$BIN" report "$T/p" >"$T/out" 2>"$T/err" || { fail "report exited $?"; }
for w in 20000 200000; do
	# The point names cpu's other parameters too (tasks=8;skew=0 (what it means);seed=1).
	grep -q "^| threads, cpu tasks=8[^|]* work=$w: efficiency |" "$T/p/report.md" ||
		fail "C10 has no threads efficiency at work=$w (threads-alias's)"
done

finish "the extra runtime is summarised, charted and judged by its traits"
