#!/bin/sh
# report_c13_c16.sh BINARY SOURCE_DIR — the report's sections for C13 (work
# stealing on skewed load), C14 (io_uring against epoll) and C16 (task
# creation), from two real short runs: each section is there, with a
# computed verdict where its run has the cells, and "no data" with the
# command that would answer it where it has none. About 5 s: ten tiny cells.
. "$(dirname "$0")/lib.sh"

# verdict DIR ID: the section's verdict line of DIR/report.md.
verdict() {
	awk -v id="$2" '$0 ~ "^## " id " " { s = 1; next } s && /^\*\*Verdict:\*\*/ { print; exit }' \
		"$1/report.md"
}
# The report without gnuplot or lstopo: the sections, not the charts, are tested.
report() {
	env PATH=/nonexistent "$BIN" report "$1" >"$T/out" 2>"$T/err" || die "report on $1 failed"
}
computed() { # LINE: a verdict other than no data
	case $1 in
	*"**holds**"* | *"**does not hold**"* | *"**depends**"*) return 0 ;;
	esac
	return 1
}

# C13: cpu even and skewed on a stealing scheduler and a loop per CPU.
"$BIN" run --runtime steal,epoll --workload cpu --set tasks=16 --set work=2000 \
	--set skew=0,2 --set loops=2 --set workers=2 --reps 1 --warmup 0 --out "$T/a" \
	>"$T/out" 2>"$T/err" || die "the cpu run failed"
report "$T/a"
v=$(verdict "$T/a" C13)
if computed "$v"; then :
elif [ "$(nproc)" -lt 2 ] && echo "$v" | grep -q "one CPU"; then :
else fail "C13 has no computed verdict from a skewed cpu run: '$v'"
fi
# The other two have no cells here: no data, and the command that answers.
for id in C14 C16; do
	v=$(verdict "$T/a" $id)
	case $v in
	*"**no data**"*) ;;
	*) fail "$id without its cells is not no data: '$v'" ;;
	esac
done
grep -q 'A run that can: `build/concbench run --runtime uring,epoll --workload echo' "$T/a/report.md" ||
	fail "C14's no-data section does not give its command"

# C14 and C16: echo on uring and epoll, sleep on threads, epoll and uring.
"$BIN" run --runtime threads,epoll,uring --workload sleep,echo --set tasks=16 --set ms=1 \
	--set conns=2 --set requests=20 --reps 1 --warmup 0 --out "$T/b" \
	>"$T/out" 2>"$T/err" || die "the sleep and echo run failed"
report "$T/b"
v=$(verdict "$T/b" C16)
computed "$v" || fail "C16 has no computed verdict from sleep on threads and epoll: '$v'"
v=$(verdict "$T/b" C14)
# Where io_uring is off its cells are skipped: no data, saying so.
if grep -q '"runtime":"uring".*"skipped":true' "$T/b/results.jsonl"; then
	case $v in
	*"**no data**"*skipped*) ;;
	*) fail "C14 with uring skipped does not say so: '$v'" ;;
	esac
else
	computed "$v" || fail "C14 has no computed verdict from echo on uring and epoll: '$v'"
fi
v=$(verdict "$T/b" C13)
case $v in
*"**no data**"*) ;;
*) fail "C13 without cpu cells is not no data: '$v'" ;;
esac
for d in a b; do for id in C13 C14 C16; do echo "$d $id: $(verdict "$T/$d" $id)"; done; done
finish "ok: C13, C14 and C16 sections computed from real cells, no data without them"
