#!/bin/sh
# cli_stale_cgroup.sh BINARY SOURCE_DIR — a run killed with SIGKILL leaves
# its cell's cgroup (concbench-PID-SEQ) behind; the next run removes every
# such directory whose PID is gone, and leaves a live process's alone.
# Skipped where no cgroup can be made (no memory controller of our own).
. "$(dirname "$0")/lib.sh"

# Where the harness makes its cells' cgroups: beside our own, in the v2
# hierarchy when it hands down the memory controller, else in v1's memory.
# mnt FSTYPE [OPTION]: "ROOT MOUNTPOINT" of the first such cgroup mount
# (mountinfo: the fields after " - " are fstype, source, super options).
mnt() {
	awk -v t="$1" -v o="$2" '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		if ($(i + 1) == t && (o == "" || ("," $(i + 3) ",") ~ ("," o ","))) { print $4, $5; exit }
	}' /proc/self/mountinfo
}
# where ROOT MOUNTPOINT SELF: our cgroup's directory.
where() {
	rel=$3
	[ "$1" = / ] || rel=${3#"$1"}
	echo "$2${rel%/}"
}
home=""
set -- $(mnt cgroup2)
self2=$(sed -n 's/^0:://p' /proc/self/cgroup)
if [ $# -eq 2 ] && grep -qw memory "$(where "$1" "$2" "$self2")/cgroup.subtree_control" 2>/dev/null; then
	home=$(where "$1" "$2" "$self2")
else
	set -- $(mnt cgroup memory)
	self1=$(awk -F: '("," $2 ",") ~ /,memory,/ { print $3; exit }' /proc/self/cgroup)
	[ $# -eq 2 ] && [ -n "$self1" ] && home=$(where "$1" "$2" "$self1")
fi
[ -n "$home" ] || skip "no memory cgroup hierarchy"

# A PID that existed and is gone, as a killed run's would be.
sh -c 'exit 0' &
dead=$!
wait "$dead"
kill -0 "$dead" 2>/dev/null && skip "PID $dead was reused at once"
stale="$home/concbench-$dead-7"
live="$home/concbench-$$-9"
mkdir "$stale" 2>/dev/null || skip "cannot make a cgroup in $home"
mkdir "$live" 2>/dev/null || { rmdir "$stale"; skip "cannot make a cgroup in $home"; }
cleanup() { rmdir "$stale" "$live" 2>/dev/null; }

"$BIN" run --runtime epoll --workload cpu --set tasks=2 --reps 1 --warmup 0 \
	--out "$T/r" >"$T/out" 2>"$T/err" || fail "the run failed"
[ -d "$stale" ] && fail "the stale cgroup $stale is still there"
[ -d "$live" ] || fail "the cgroup of a live process ($live) was removed"
finish "the stale cgroup was removed"
