#!/bin/sh
# cli_suite_narrow.sh BINARY SOURCE_DIR — a suite narrowed by --runtime runs
# what is left of each part: a part's set for a runtime narrowed away (C13's
# workers=2 for steal, C14's defer_taskrun=0,1 for uring) is dropped, not
# refused, and doubles no cell of the runtime left (epoll). The C13 echo
# cell, its server sharing every CPU with the client, says placement shared.
. "$(dirname "$0")/lib.sh"
need python3 "to read the JSON"
[ "$(nproc)" -ge 2 ] || skip "one CPU: the shared placement needs two"

timeout 200 "$BIN" run --suite standard --runtime epoll --workload echo --set conns=2 \
	--set requests=0 --set seconds=1 --set warmup_ms=100 --set load_pct=0 --reps 1 \
	--out "$T/r" >"$T/out" 2>"$T/err" || die "narrowed suite: exit $?: $(cat "$T/err")"
python3 - "$T/r/results.jsonl" <<'PY' || die "narrowed suite: $(cat "$T/err")"
import json, sys
cells = [json.loads(l) for l in open(sys.argv[1])]
assert all(c["ok"] and c["runtime"] == "epoll" for c in cells), cells
hot = [c for c in cells if c["params"]["hot_pct"] > 0]
assert len(hot) == 1 and hot[0]["placement"] == "shared", [(c["params"], c["placement"]) for c in hot]
# C14's cell counts syscalls (syscalls_why is then not "not asked for"): once.
c14 = [c for c in cells if not (c["syscalls_why"] or "").startswith("not asked")]
assert len(c14) == 1, len(c14)
assert all(c["placement"] == "unpinned" for c in cells if c["params"]["hot_pct"] == 0)
PY
echo "ok: the narrowed suite ran $(wc -l <"$T/r/results.jsonl") cells"
