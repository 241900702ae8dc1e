#!/bin/sh
# report_reference.sh BINARY SOURCE_DIR — the committed reference run,
# results/reference, reported again by this build: report.md must be the
# committed one, but for the line naming the folder. A change to the
# harness that changes what the report says about the same figures shows
# here; when it is meant, regenerate the reference report
# (build/concbench report results/reference) in the same commit.
. "$(dirname "$0")/lib.sh"

REF=$SRC/results/reference
[ -f "$REF/summary.csv" ] && [ -f "$REF/report.md" ] || skip "no results/reference"
cp -R "$REF" "$T/reference" || die "cannot copy $REF"
# The charts are the committed ones: no gnuplot needed, none redrawn.
touch "$T/reference/plots"/*
"$BIN" report "$T/reference" >"$T/out" 2>"$T/err" || fail "report exited $?"
# Line 3 names the folder reported ("concbench report of DIR, run started …").
sed '3s/^concbench report of [^,]*,/concbench report of DIR,/' "$REF/report.md" >"$T/want.md"
sed '3s/^concbench report of [^,]*,/concbench report of DIR,/' "$T/reference/report.md" >"$T/got.md"
if ! cmp -s "$T/want.md" "$T/got.md"; then
	diff "$T/want.md" "$T/got.md" | head -40
	fail "report.md of results/reference differs from the committed one"
fi
finish "results/reference/report.md reproduced"
