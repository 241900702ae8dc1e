#!/bin/sh
# cli_min_ms.sh BINARY SOURCE_DIR — pingpong's min_ms: with min_ms=N the
# timed region lasts at least N ms (timed_ms >= N), in whole batches of
# `rounds` (rounds_run a multiple of rounds, more than one batch on a
# runtime as fast as coro), and the checksum is the first batch's: the
# same on every runtime and with min_ms=0, where exactly `rounds` run.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"

"$BIN" run --runtime coro,threads --workload pingpong --set rounds=1000 --set min_ms=0,30 \
	--reps 1 --warmup 0 --out "$T/r" >"$T/out" 2>"$T/err" || die "run failed: $(cat "$T/err")"

python3 - "$T/r" <<'PY' || fail "min_ms"
import json, sys
cells = [json.loads(l) for l in open(sys.argv[1] + '/results.jsonl')]
def need(ok, what):
    if not ok: sys.exit('FAIL: ' + what)
need(len(cells) == 4, 'cells: %d' % len(cells))
sums = set()
for c in cells:
    need(c['ok'], '%s failed: %r' % (c['runtime'], c.get('error')))
    m = {k: v['value'] if isinstance(v, dict) else v for k, v in c['metrics'].items()}
    ms, run, t = c['params']['min_ms'], m['rounds_run'], m['timed_ms']
    need(run % 1000 == 0, '%s min_ms=%d: rounds_run %r not whole batches' % (c['runtime'], ms, run))
    if ms == 0:
        need(run == 1000, '%s min_ms=0 ran %r rounds' % (c['runtime'], run))
    else:
        need(t >= ms, '%s min_ms=%d: timed_ms %r' % (c['runtime'], ms, t))
        if c['runtime'] == 'coro':
            need(run > 1000, 'coro min_ms=%d: one batch only (%r)' % (ms, run))
    sums.add(c['checksum'])
need(len(sums) == 1, 'checksums differ: %r' % sums)
PY

finish "pingpong min_ms: timed region, whole batches, the first batch's checksum"
