#!/bin/sh
# e2e_calibration.sh BINARY SOURCE_DIR — a run measures its calibration
# (calib.c) before the first cell: manifest.json's "calibration" holds a
# pipe and a futex ping-pong at same-core and cross-core (ns per switch,
# positive, with its unit and round trips: the median of its regions, each
# region's figure, their range and an interval around the median), the
# clock's read cost and the raw stack switch beside its peers (asm,
# ucontext, Boost.Context); every results.jsonl line has steal_ms >= 0 (the
# VM's steal on the cell's CPUs) and others_ms >= 0 (other programs' CPU
# time there), summary.csv a row of each; the report gives the calibration
# with its regions and interval, sets each runtime's switch figure beside
# it at its placement, and says "no calibration in this run" for a manifest
# without one. CONCBENCH_COUNTERS=off leaves the counters null, saying why.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

places=same-core
[ "$(nproc)" -ge 2 ] && places=same-core,cross-core
CONCBENCH_COUNTERS=off "$BIN" run --runtime threads --workload pipepingpong,pingpong \
	--placement "$places" --set rounds=200 --reps 1 --warmup 0 --out "$T/r" \
	>"$T/out" 2>"$T/err" || die "run failed: $(cat "$T/err")"

python3 - "$T/r" "$places" <<'PY' || fail "manifest or results"
import json, sys
d, places = sys.argv[1], sys.argv[2].split(',')
m = json.load(open(d + '/manifest.json'))
c = m.get('calibration')
def need(ok, what):
    if not ok: sys.exit('FAIL: ' + what)
need(isinstance(c, dict), 'manifest has no calibration block')
need(c['timed_ms'] >= 1 and 1 <= c['region_ms'] <= c['timed_ms'], 'timed_ms, region_ms')
for kind in ('pipe', 'futex'):
    for p in places:
        e = c['%s_%s' % (kind, p.replace('-', '_'))]
        need(e['unit'] == 'ns' and e['what'], '%s %s: unit/what' % (kind, p))
        ns = e['ns_per_switch']
        # Positive and below a second: sane on any machine, however loaded.
        need(isinstance(ns, (int, float)) and 0 < ns < 1e9, '%s %s: ns_per_switch %r' % (kind, p, ns))
        need(e['round_trips'] >= 1 and e['timed_ms'] > 0, '%s %s: trips' % (kind, p))
        # The median of several regions, with its spread: every region's
        # figure, a range and an interval that hold the median.
        rs = e['region_ns_per_switch']
        need(e['regions'] >= 3 and e['regions'] % 2 == 1 and len(rs) == e['regions'] and
             all(0 < x < 1e9 for x in rs), '%s %s: regions %r' % (kind, p, rs))
        need(sorted(rs)[len(rs) // 2] == ns and e['min'] == min(rs) and e['max'] == max(rs),
             '%s %s: median/min/max of %r' % (kind, p, rs))
        need(e['min'] <= e['ci_lo'] <= ns <= e['ci_hi'] <= e['max'],
             '%s %s: interval %r..%r around %r' % (kind, p, e['ci_lo'], e['ci_hi'], ns))
        need(len(e['cpus']) == 2 and (p != 'same-core' or e['cpus'][0] == e['cpus'][1]),
             '%s %s: cpus %r' % (kind, p, e['cpus']))
k = c['clock_read']
need(k['unit'] == 'ns' and 0 < k['ns_per_call'] < 1e6 and k['calls'] > 0, 'clock_read %r' % k)
# The raw stack switch beside its peers: a figure or a reason, never neither;
# the hand-written one is there on the architectures that have it.
sw = c['stack_switch']
need(sw['timed_ms'] == c['timed_ms'], 'stack_switch timed_ms %r' % sw.get('timed_ms'))
for name in ('asm', 'ucontext', 'boost-fcontext'):
    e = sw[name]
    ns = e['ns_per_switch']
    need(e['what'] and ((isinstance(ns, float) and 0 < ns < 1e9 and e['switches'] > 0)
                        or (ns is None and e['why'])), 'stack_switch %s: %r' % (name, e))
import platform
if platform.machine() in ('x86_64', 'aarch64'):
    need(sw['asm']['ns_per_switch'] is not None, 'no asm switch figure on ' + platform.machine())
lines = [json.loads(l) for l in open(d + '/results.jsonl')]
need(len(lines) == 2 * len(places), 'cells: %d' % len(lines))
for r in lines:
    need(r['ok'], 'cell failed: %r' % r['error'])
    s = r.get('steal_ms')
    need(isinstance(s, (int, float)) and s >= 0, 'steal_ms %r' % s)
    o = r.get('others_ms')
    need(isinstance(o, (int, float)) and o >= 0, 'others_ms %r' % o)
    need(r['counters']['context_switches'] is None and
         'CONCBENCH_COUNTERS=off' in r['counters_unavailable']['context_switches'],
         'CONCBENCH_COUNTERS=off left counters on')
PY
for m in steal_ms others_ms; do
	grep -q ",$m," "$T/r/summary.csv" || fail "summary.csv has no $m row"
done

"$BIN" report "$T/r" >"$T/out" 2>"$T/err" || die "report failed: $(cat "$T/err")"
for w in pipepingpong pingpong; do
	kind=pipe
	[ $w = pingpong ] && kind=futex
	grep -q "^threads $w same-core: [0-9.]* µs, [0-9.]*× the $kind calibration\.$" \
		"$T/r/report.md" || fail "report: no threads $w same-core line beside the $kind calibration"
done
# The yardstick with its own spread: the median of its regions and their interval.
grep -q "^pipe calibration same-core: [0-9.]* µs per switch (median of 7 regions, 95% interval [0-9.]*–[0-9.]*)\.$" \
	"$T/r/report.md" || fail "report: no pipe calibration line with its regions and interval"
grep -q "threads pipepingpong same-core: .* the pipe calibration" "$T/r/report.html" ||
	fail "report.html: no calibration line"
# C11: the raw switches of the manifest, each a figure or its reason.
for p in asm ucontext boost-fcontext; do
	grep -qE "^$p, .*: ([0-9.,]+ ns per switch|missing: .+)\.$" "$T/r/report.md" ||
		fail "report: no C11 line for the $p switch"
done

# A run from before the calibration: the report still stands, and says so.
cp -r "$T/r" "$T/old"
sed -i 's/"calibration": {/"calibration_renamed": {/' "$T/old/manifest.json"
grep -q calibration_renamed "$T/old/manifest.json" || die "manifest.json: no calibration to rename"
"$BIN" report "$T/old" >"$T/out" 2>"$T/err" || die "report without calibration failed"
grep -q "No calibration in this run" "$T/old/report.md" || fail "no 'No calibration in this run'"
grep -q "the pipe calibration" "$T/old/report.md" && fail "calibration ratios without a calibration"
grep -q "has no stack-switch calibration" "$T/old/report.md" ||
	fail "C11 without a stack-switch calibration does not say so"

finish "calibration in the manifest, steal_ms in the results, the report beside it"
