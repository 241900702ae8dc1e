# lib.sh — the start every shell test shares (POSIX sh: the tests run under
# dash). Each test is run as `sh SCRIPT BINARY SOURCE_DIR` and begins with
#   . "$(dirname "$0")/lib.sh"
# which gives it:
#   BIN, SRC     the two arguments, made absolute (the test runs in $T)
#   T            a fresh temporary folder, the working directory, removed
#                on exit (after cleanup, which a test may redefine to stop
#                what it started)
#   fails        the count fail adds to; finish reports it
# and the helpers below. $T/out and $T/err are where the helpers put a
# command's stdout and stderr.

BIN=$1
SRC=$2
case $BIN in
/*) ;;
*/*) BIN=$PWD/$BIN ;; # a bare name is looked up in $PATH
esac
case $SRC in
/*) ;;
*) SRC=$PWD/$SRC ;;
esac
T=$(mktemp -d) || exit 1
cleanup() { :; }
trap 'cleanup; rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
# Every run calibrates first (calib.c: about half a second at its default
# 100 ms a ping-pong); the tests run concbench a hundred times, so each
# ping-pong is timed for 2 ms here. A test of the default unsets it.
CONCBENCH_CALIB_MS=${CONCBENCH_CALIB_MS:-2}
export CONCBENCH_CALIB_MS

# skip WHY: the test cannot run here; ctest counts exit status 77 as skipped.
skip() {
	echo "SKIP: $*"
	exit 77
}

# need PROGRAM WHAT-FOR: skips the test when PROGRAM is not installed.
need() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 is needed $2"
}

# die MESSAGE: a failure after which nothing else is worth checking.
die() {
	echo "FAIL: $*"
	exit 1
}

# fail MESSAGE: counts a failure and goes on, showing the last command's
# output when there is any.
fail() {
	echo "FAIL: $*"
	for f in out err; do
		[ -s "$T/$f" ] && { echo "  $f:"; sed 's/^/    /' "$T/$f"; }
	done
	fails=$((fails + 1))
}

# finish MESSAGE: the end of a test that uses fail: exit 1 when anything
# failed, else MESSAGE.
finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed"
		exit 1
	fi
	echo "$*"
}

# status STATUS FIXED-TEXT ARGS...: concbench ARGS exits STATUS within 30 s
# with exactly one line on stderr, "concbench: ..." containing FIXED-TEXT,
# and (a usage error, status 2) nothing on stdout. With NOPATH set it runs
# with a PATH that finds nothing (no gnuplot, no lstopo).
status() {
	want_rc=$1 want=$2
	shift 2
	timeout 30 ${NOPATH:+env PATH=/nonexistent} "$BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		fail "concbench $*: exit status $rc, want $want_rc"
	elif [ "$(wc -l <"$T/err")" -ne 1 ]; then
		fail "concbench $*: $(wc -l <"$T/err") lines on stderr, want 1"
	elif ! grep -q '^concbench: ' "$T/err" || ! grep -qF -- "$want" "$T/err"; then
		fail "concbench $*: stderr does not say '$want'"
	elif [ "$want_rc" -eq 2 ] && [ -s "$T/out" ]; then
		fail "concbench $*: wrote to stdout"
	fi
}

# usage FIXED-TEXT ARGS...: a usage error, status 2 (see status).
usage() {
	status 2 "$@"
}

# listed KIND: the names `concbench list` gives for KIND (runtime,
# workload, suite), one a line.
listed() {
	"$BIN" list | awk -v k="$1" '$1 == k { print $2 }'
}
