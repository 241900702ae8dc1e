#!/bin/sh
# cli_bad_input.sh BINARY SOURCE_DIR — every kind of bad input gets exit
# status 2 and exactly one line on stderr that names the problem (and the
# valid choices, where there are choices), nothing on stdout, and never a
# hang; plus the help, version and list outputs.
. "$(dirname "$0")/lib.sh"
mkdir "$T/cwd" && cd "$T/cwd" || exit 1 # a default results/ would land here
# The registries, as `list` names them (other tests check `list` itself).
RTS="$(listed runtime | paste -sd, - | sed 's/,/, /g'), all"
WLS="$(listed workload | paste -sd, - | sed 's/,/, /g'), all"

# A run that passes every check except the one under test.
R="run --runtime threads --workload cpu --reps 1 --timeout 10"

# Commands and options.
usage "unknown command 'frobnicate' (choose from: run, serve, load, list, plot, report, compare, fleet, trace, help)" frobnicate
usage "missing command" 
usage "unknown option '--frob' for run (choose from: --runtime," $R --frob
usage "unexpected argument 'extra'" $R extra
usage "list takes no arguments" list extra
usage "run needs --runtime and --workload, or --suite (choose from: quick, standard)" run --runtime threads
usage "unknown suite 'huge' (choose from: quick, standard)" run --suite huge

# Runtimes and workloads.
usage "unknown runtime 'foo' (choose from: $RTS)" run --runtime foo --workload cpu
usage "unknown runtime 'foo' (choose from: $RTS)" run --runtime threads,foo --workload cpu
usage "unknown workload 'foo' (choose from: $WLS)" run --runtime threads --workload foo
usage "empty runtime in --runtime '' (choose from: $RTS)" run --runtime '' --workload cpu
usage "empty runtime in --runtime ',' (choose from: $RTS)" run --runtime , --workload cpu
usage "empty runtime in --runtime 'threads,' (choose from: $RTS)" run --runtime threads, --workload cpu
usage "empty workload in --workload '' (choose from: $WLS)" run --runtime threads --workload ''
usage "runtime 'pool' given twice" run --runtime pool,threads,pool --workload cpu

# Parameters.
usage "unknown parameter 'foo' (choose from: tasks, work" $R --set foo=1
usage "unknown parameter 'ms' (choose from: tasks, work" $R --set ms=1
usage "bad value 'abc' for tasks" $R --set tasks=abc
usage "bad value '1.5' for tasks" $R --set tasks=1.5
usage "bad value '0x10' for tasks" $R --set tasks=0x10
usage "bad value '5k' for tasks" $R --set tasks=5k
usage "bad value '99999999999999999999' for tasks: too large" $R --set tasks=99999999999999999999
usage "malformed --set 'tasks=': empty value" $R --set tasks=
usage "malformed --set '=5'" $R --set =5
usage "malformed --set 'tasks'" $R --set tasks
usage "malformed --set 'tasks=5,,6': empty value" $R --set tasks=5,,6
usage "malformed --set 'tasks=5,': empty value" $R --set tasks=5,
usage "tasks=0 is out of range for workload cpu (1..1000000)" $R --set tasks=0
usage "tasks=2000000 is out of range for workload cpu (1..1000000)" $R --set tasks=8,2000000
usage "parameter 'tasks' set twice" $R --set tasks=1 --set tasks=2

# The matrix is capped at 50000 cells (60 points × 1000 reps is over);
# 30 × 1000 passes every check and stops only at the output folder.
usage "the matrix has more than 50000 cells" $R --reps 1000 --set tasks="$(seq -s, 1 60)"
usage "cannot create output folder '/proc/concbench-test/r'" $R --reps 1000 \
	--set tasks="$(seq -s, 1 30)" --out /proc/concbench-test/r

# Numbers and CPUs.
usage "bad --reps '0' (a whole number from 1 to 1000)" $R --reps 0
usage "bad --reps 'abc' (a whole number from 1 to 1000)" $R --reps abc
usage "bad --reps '-1'" $R --reps -1
usage "bad --reps ''" $R --reps ''
usage "bad --timeout '0' (a whole number from 1 to 86400)" $R --timeout 0
usage "bad --timeout '1s'" $R --timeout 1s
usage "bad --cpus 'abc' (OS CPU indexes like 0, 0-1 or 0,2-3; allowed: " $R --cpus abc
usage "bad --cpus ''" $R --cpus ''
usage "bad --cpus '0-'" $R --cpus 0-
usage "bad --cpus '1-0'" $R --cpus 1-0
usage "bad --cpus '0,,1'" $R --cpus 0,,1
usage "bad --cpus '-1'" $R --cpus -1
usage "CPU 4095 in --cpus '0,4095' is not available (allowed: " $R --cpus 0,4095

# Placements: an unknown name, an empty item, twice; one this machine's
# topology cannot offer is checked in cli_placement.sh.
PL='same-core, cross-core, unpinned, smt-sibling, same-l3, cross-l3, cross-package'
usage "unknown placement 'diagonal' (choose from: $PL)" $R --placement diagonal
usage "unknown placement 'diagonal' (choose from: $PL)" $R --placement same-core,diagonal
usage "empty placement in --placement 'same-core,' (choose from: $PL)" $R --placement same-core,
usage "empty placement in --placement ''" $R --placement ''
usage "placement 'unpinned' given twice in --placement" $R --placement unpinned,unpinned
usage "bad --warmup '-1' (a whole number from 0 to 100)" $R --warmup -1
usage "bad --warmup '101' (a whole number from 0 to 100)" $R --warmup 101
usage "bad --client-cpus 'x'" run --runtime epoll --workload echo --client-cpus x
usage "bad --client-cpus '4095'" run --runtime epoll --workload echo --client-cpus 4095

# --resume: a folder with a plan, and no other option but --timeout.
usage "cannot resume '$T/none': no such results folder" run --resume "$T/none"
mkdir "$T/noplan"
usage "cannot resume '$T/noplan': no run.json in it" run --resume "$T/noplan"
mkdir "$T/badplan" && echo '{"args": 5}' >"$T/badplan/run.json"
usage "cannot resume '$T/badplan': $T/badplan/run.json has no readable plan" run --resume "$T/badplan"
usage "--resume takes no other options but --timeout" run --resume "$T/noplan" --reps 2
usage "option '--resume' needs a value" run --resume

# A missing option argument.
usage "option '--reps' needs a value" $R --reps
usage "option '--runtime' needs a value" run --runtime --workload cpu
usage "option '--set' needs a value" $R --set

# Output folders: unwritable, under a regular file, not empty.
usage "cannot create output folder '/proc/concbench-test/r'" $R --out /proc/concbench-test/r
: >"$T/file"
usage "cannot create output folder '$T/file/r': Not a directory" $R --out "$T/file/r"
usage "cannot use '$T/file' as the output folder: it exists and is not a folder" $R --out "$T/file"
mkdir "$T/full" && : >"$T/full/results.jsonl"
usage "output folder '$T/full' is not empty" $R --out "$T/full"
usage "empty --out" $R --out ''

# plot.
usage "plot needs a results folder" plot
usage "no results folder '$T/none'" plot "$T/none"
mkdir "$T/empty"
usage "no summary.csv in '$T/empty'" plot "$T/empty"

# Nothing above may have created a results folder.
[ -e results ] && fail "a bad command line created ./results"

# Help, version, list: exit 0, on stdout.
for args in --help -h help "help run" "run --help"; do
	# shellcheck disable=SC2086
	if ! "$BIN" $args >"$T/out" 2>"$T/err" || ! grep -q '^usage: concbench' "$T/out" ||
		[ -s "$T/err" ]; then
		fail "concbench $args: want exit 0 and usage on stdout"
	fi
done
for opt in '--timeout SEC' '--placement LIST' '--resume DIR' '--warmup N' '--client-cpus LIST'; do
	grep -q -- "$opt" "$T/out" || fail "run --help does not list $opt"
done
if ! "$BIN" --version >"$T/out" 2>"$T/err" || ! grep -q '^concbench [0-9].*commit ' "$T/out"; then
	fail "concbench --version: want exit 0 and 'concbench N (commit ...)'"
fi
if ! "$BIN" list >"$T/out" 2>"$T/err"; then
	fail "concbench list: exit status not 0"
fi
for rt in threads pool epoll coro coro-ucontext steal coro-steal; do
	grep -q "^runtime  *$rt " "$T/out" || fail "list does not list runtime $rt"
done
for rt in steal coro-steal; do
	grep -q "^runtime  *$rt .*workers=0 \[0\.\.256 threads\]" "$T/out" ||
		fail "list does not show $rt's workers parameter"
done
for wl in cpu sleep pingpong; do
	grep -q "^workload  *$wl " "$T/out" || fail "list does not list workload $wl"
done
grep -q '^workload  *cpu .*tasks=64 \[1\.\.1000000 tasks\]' "$T/out" ||
	fail "list does not show cpu's tasks default and range"
nrt=$(echo "$RTS" | tr , '\n' | grep -vc ' all$')
nwl=$(echo "$WLS" | tr , '\n' | grep -vc ' all$')
# One line per runtime, workload and suite, and an indented one per suite part.
nsuite=$(grep -c '^suite ' "$T/out")
[ "$nsuite" -ge 2 ] || fail "list: want the quick and standard suites, got $nsuite suite lines"
grep -q '^suite  *standard ' "$T/out" || fail "list does not list the standard suite"
grep -q '^   .*--runtime .* --workload ' "$T/out" || fail "list does not show the suites' parts"
[ "$(grep -c '^[a-z]' "$T/out")" -eq $((nrt + nwl + nsuite)) ] ||
	fail "list: want $((nrt + nwl + nsuite)) unindented lines, got $(grep -c '^[a-z]' "$T/out")"

finish "all CLI checks passed"
