#!/bin/sh
# e2e_wrk_load.sh BINARY SOURCE_DIR — `concbench load` and wrk measure the
# same server alike (issue 14.4): against one `concbench serve` (epoll,
# http), wrk -t1 -c20 and load with conns=20 for a second each; load's
# throughput must be within a factor of 3 of wrk's either way. A sanity
# check of the client (it verifies every response, wrk does not), not a
# timing assertion: the band is wide enough for a loaded machine.
# Skipped without wrk.
. "$(dirname "$0")/lib.sh"
need wrk "to compare the load generator with"
SPID=
cleanup() {
	[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
}
"$BIN" serve --runtime epoll --workload http >"$T/sout" 2>"$T/serr" &
SPID=$!
i=0
PORT=
while [ $i -lt 100 ] && [ -z "$PORT" ]; do
	sleep 0.1
	PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$T/sout")
	i=$((i + 1))
done
[ -n "$PORT" ] || die "serve never said it listens"

timeout 30 wrk -t1 -c20 -d1s "http://127.0.0.1:$PORT/" >"$T/wrk" 2>&1 || die "wrk failed: $(cat "$T/wrk")"
WRK=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)$/\1/p' "$T/wrk")
grep -q 'Non-2xx\|Socket errors' "$T/wrk" && die "wrk saw errors: $(cat "$T/wrk")"
timeout 60 "$BIN" load "127.0.0.1:$PORT" --set conns=20 --set seconds=1 --set warmup_ms=100 \
	--out "$T/l" >"$T/out" 2>"$T/err" || die "load failed: $(cat "$T/err")"
OURS=$(sed -n 's/^throughput \([0-9]*\) req\/s (.* 0 errors)$/\1/p' "$T/out")
kill -TERM "$SPID"
wait "$SPID"
SPID=
[ -n "$WRK" ] && [ -n "$OURS" ] || die "no figures: wrk '$WRK', load '$OURS'"
awk -v w="$WRK" -v o="$OURS" 'BEGIN { exit !(o > 0 && w > 0 && o * 3 >= w && w * 3 >= o) }' ||
	die "load measured $OURS req/s where wrk measured $WRK: more than 3x apart"
echo "ok: load $OURS req/s, wrk $WRK req/s on the same server"
