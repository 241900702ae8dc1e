#!/bin/sh
# cli_file_tmp.sh BINARY SOURCE_DIR — the file workload's temporary file
# never outlives its cell: a cell killed with SIGKILL while it writes a
# 256 MiB file in a private $TMPDIR leaves that folder empty; and a $TMPDIR
# where no file can be made fails the cell with a message naming it.
. "$(dirname "$0")/lib.sh"

mkdir "$T/tmp"
TMPDIR=$T/tmp timeout 120 "$BIN" run --runtime threads --workload file --set file_mib=256 \
	--reps 1 --warmup 0 --timeout 100 --out "$T/r" >"$T/out" 2>"$T/err" &
run=$!
cleanup() { kill "$run" 2>/dev/null; }

# The cell is the process with an fd on a file in $T/tmp (named or not:
# /proc shows "$T/tmp/#inode (deleted)" for an O_TMPFILE file).
fd=""
i=0
while [ -z "$fd" ] && [ $i -lt 600 ] && kill -0 "$run" 2>/dev/null; do
	fd=$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$T/tmp/*" 2>/dev/null | head -n 1)
	[ -n "$fd" ] || sleep 0.05
	i=$((i + 1))
done
[ -n "$fd" ] || die "no process ever opened a file in \$TMPDIR $T/tmp"
pid=${fd#/proc/}
pid=${pid%%/*}
size=$(stat -L -c %s "$fd" 2>/dev/null)
kill -KILL "$pid"
echo "killed the cell (pid $pid) with its file at ${size:-?} of $((256 << 20)) bytes"
wait "$run"
rc=$?
[ "$rc" -eq 1 ] || fail "run with its cell killed: exit status $rc, want 1"
left=$(ls -A "$T/tmp")
[ -z "$left" ] || fail "the killed cell left in \$TMPDIR: $left"

# named DIR: the run just made ($rc, $T/err), a file cell with TMPDIR=DIR,
# failed and said so naming DIR.
named() {
	[ "$rc" -eq 1 ] || fail "TMPDIR=$1: exit status $rc, want 1"
	grep -qF "FAILED: workload setup: cannot create a temporary file in $1: " "$T/err" ||
		fail "TMPDIR=$1: the failure does not name the folder"
}
cell="run --runtime epoll --workload file --set file_mib=1 --reps 1 --warmup 0"
TMPDIR=$T/missing timeout 60 "$BIN" $cell --out "$T/r1" >"$T/out" 2>"$T/err"
rc=$?
named "$T/missing"
# A folder nobody may write: as root, where permissions do not bind, a
# read-only tmpfs in a mount namespace of its own.
mkdir "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
	chmod 500 "$T/ro"
	TMPDIR=$T/ro timeout 60 "$BIN" $cell --out "$T/r2" >"$T/out" 2>"$T/err"
	rc=$?
	named "$T/ro"
elif unshare -m mount -t tmpfs -o ro none "$T/ro" 2>/dev/null; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 60 unshare -m sh -c 'mount -t tmpfs -o ro none "$1" && shift && exec "$@"' sh \
		"$T/ro" env TMPDIR="$T/ro" "$BIN" $cell --out "$T/r2" >"$T/out" 2>"$T/err"
	rc=$?
	named "$T/ro"
else
	echo "root, and no mount namespace for a read-only folder: that case is not tried"
fi
finish "a killed cell left nothing in \$TMPDIR; a missing or read-only \$TMPDIR is named"
