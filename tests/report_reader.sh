#!/bin/sh
# report_reader.sh BINARY SOURCE_DIR — reads report.md as a student would,
# for a small real run and for results/reference (reported again into a
# temporary copy, never into results/reference): every glossary term is
# defined, and linked at its first use outside the glossary; no parameter
# shows as a bare default zero (workers=0 with nothing saying what it
# means); no figure of six or more digits lacks its thousands separators;
# every claim section has a takeaway, a command to try and its sources.
. "$(dirname "$0")/lib.sh"

# read_report MD WHAT: the checks, on one report.md.
read_report() {
	md=$1
	what=$2
	[ -s "$md" ] || fail "$what: no report.md"
	# Prose only: code spans (commands, parameter lists a reader types)
	# and link targets are not what a reader reads as figures or words.
	sed 's/`[^`]*`//g; s/](\([^)]*\))/]/g' "$md" >"$T/prose"

	# The glossary: "<a id="g-ID"></a>**TERM**: meaning", each defined.
	grep -o '^<a id="g-[a-z]*"></a>\*\*[^*]*\*\*: ..*' "$md" |
		sed 's/^<a id="g-\([a-z]*\)"><\/a>\*\*\([^*]*\)\*\*: .*/\1	\2/' >"$T/gloss"
	[ "$(wc -l <"$T/gloss")" -ge 12 ] || fail "$what: a glossary of $(wc -l <"$T/gloss") terms, want 12 or more"
	for t in "single executor" "steps run inline" "park" "futex" "PU" "p99" "placement" \
		"unpinned" "CoV" "METG" "closed loop" "open loop" "steady state"; do
		cut -f2 "$T/gloss" | sed 's/ (.*//' | grep -qxF "$t" || fail "$what: the glossary lacks '$t'"
	done
	# Each term's first use outside the glossary: on a line at or after
	# its first link to #g-ID (the link is the first use).
	while IFS='	' read -r id term; do
		word=${term% (*}
		first_link=$(grep -n "(#g-$id)" "$md" | head -1 | cut -d: -f1)
		first_use=$(awk -v w="$word" '
			/^<a id="g-/ { next }
			{
				s = $0
				while ((i = index(s, w)) > 0) {
					b = i > 1 ? substr(s, i - 1, 1) : " "
					a = substr(s, i + length(w), 1)
					if (b !~ /[A-Za-z0-9_=]/ && (a !~ /[A-Za-z0-9_=]/ || a == "s" || a == "e")) {
						print NR; exit
					}
					s = substr(s, i + length(w))
				}
			}' "$T/prose")
		[ -n "$first_use" ] || continue # defined, never used: nothing to link
		[ -n "$first_link" ] && [ "$first_link" -le "$first_use" ] ||
			fail "$what: '$word' is first used on line $first_use, not linked to its definition before (#g-$id: line ${first_link:-none})"
	done <"$T/gloss"

	# No bare default zero: a zero with a meaning shows it, "(…)" or ":".
	if grep -nE '(workers|stack_kib|requests|rate|port|load_pct|skew|stack_touch|seconds) ?= ?0([^0-9.(:]|$)' "$T/prose" |
		grep -vE '= ?0 \(' | head -3 | grep .; then
		fail "$what: a parameter printed as a bare default zero (above)"
	fi

	# Figures of six or more digits carry separators (parameter values,
	# key=value as typed on a command line, are left alone).
	if sed 's/[A-Za-z_]*=[0-9][0-9]*//g; s/[a-z_]* = [0-9][0-9, ]*//g; s/[0-9a-f]\{12\}//g' "$T/prose" |
		grep -nE '(^|[^0-9,.])[0-9]{6,}' | head -3 | grep .; then
		fail "$what: a figure of six or more digits without thousands separators (above)"
	fi
	# One unit convention: µs, never "us" after a number.
	grep -nE '[0-9] us\b|\| us \|' "$T/prose" | head -3 | grep . &&
		fail "$what: \"us\" where µs is meant (above)"

	# Every claim section: a takeaway, a command to try, its sources.
	awk '/^## C[0-9]+ · / { if (id) print id, t, c, s; id = $2; t = c = s = 0 }
		/^\*\*Takeaway\*\* / { t = 1 }
		/^\*\*Try it\.\*\* .*`build\/concbench run [^`]*`/ { c = 1 }
		/^\*\*Sources\.\*\* \[/ { s = 1 }
		/^## The machine/ { if (id) print id, t, c, s; id = "" }
		END { if (id) print id, t, c, s }' "$md" >"$T/sections"
	[ "$(wc -l <"$T/sections")" -eq 16 ] || fail "$what: $(wc -l <"$T/sections") claim sections, want 16"
	while read -r id t c s; do
		[ "$t" = 1 ] || fail "$what: $id has no takeaway"
		[ "$c" = 1 ] || fail "$what: $id has no build/concbench run command to try"
		[ "$s" = 1 ] || fail "$what: $id links no source"
	done <"$T/sections"
	# Page one's claims table answers with each claim's takeaway, the
	# sentence its section opens with (glossary links aside), not the
	# rule's reason.
	sed 's/\[\([^]]*\)\](#[^)]*)/\1/g' "$md" >"$T/plain"
	sed -n 's/^\*\*Takeaway\*\* \*\*[^*]*\*\* //p' "$T/plain" >"$T/takes"
	[ "$(wc -l <"$T/takes")" -eq 16 ] || fail "$what: $(wc -l <"$T/takes") takeaways, want 16"
	while IFS= read -r t; do
		grep -q '^| C[0-9]* | .* | \*\*[a-z ]*\*\* | ' "$T/plain" || fail "$what: no claims table on page one"
		grep -qF "** | $t |" "$T/plain" || fail "$what: page one's claims table lacks the takeaway: $t"
	done <"$T/takes"
	# A takeaway is computed, or says what is missing; never a template.
	grep -n '^\*\*Takeaway\*\*.*[{}]' "$md" | head -3 | grep . && fail "$what: an unfilled takeaway (above)"
	return 0
}

# ---- a small real run: threads, a pool and epoll on three workloads ----
"$BIN" run --runtime threads,pool,epoll --workload pingpong,sleep,echo --set rounds=2000 \
	--set tasks=2,20 --set ms=5 --set conns=2 --set requests=200 --reps 1 --warmup 0 \
	--out "$T/run" >"$T/run.out" 2>&1 || { tail -5 "$T/run.out"; fail "the small run failed"; }
# No charts needed to read the text: report without gnuplot (faster).
PATH=/nonexistent "$BIN" report "$T/run" >/dev/null 2>"$T/err" || { cat "$T/err"; fail "report of the small run failed"; }
read_report "$T/run/report.md" "the small run"
# A lecturer's export: one self-contained page per claim.
PATH=/nonexistent "$BIN" report "$T/run" --slides >/dev/null 2>"$T/err" || { cat "$T/err"; fail "report --slides failed"; }
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	f=$T/run/slides/c$i.html
	[ -s "$f" ] || { fail "no slides/c$i.html"; continue; }
	grep -q '<p class="takeaway"><span class="v v-' "$f" || fail "slides/c$i.html has no takeaway beside a verdict"
	grep -Eiq '(src|href)="(https?:|//)' "$f" && fail "slides/c$i.html fetches something"
done

# ---- results/reference, reported again into a copy ----
REF=$SRC/results/reference
if [ -f "$REF/summary.csv" ]; then
	cp -R "$REF" "$T/reference" || die "cannot copy $REF"
	touch "$T/reference/plots"/* 2>/dev/null
	PATH=/nonexistent "$BIN" report "$T/reference" >/dev/null 2>"$T/err" ||
		{ cat "$T/err"; fail "report of results/reference failed"; }
	read_report "$T/reference/report.md" "results/reference"
	# The picks at an ordinary program's scale beside the largest, and
	# memory scaled up from the measured slopes.
	grep -q "^| a network server with tens of connections | " "$T/reference/report.md" ||
		fail "results/reference: no pick at tens of connections"
	grep -q '^\*\*10,000 waiting tasks\*\* .*MiB as threads' "$T/reference/report.md" ||
		fail "results/reference: memory not scaled to 10,000 waiting tasks"
	# The memory chart's caption says a point (total ÷ tasks) is not the slope.
	grep -q 'Chart memory: .*(total ÷ tasks).*the slope' "$T/reference/report.md" ||
		fail "results/reference: the memory chart's caption does not tell a point from the slope"
	# Slides of a run with charts: one chart each (the report's own here,
	# without gnuplot), across the slide, then the one-line reason.
	PATH=/nonexistent "$BIN" report "$T/reference" --slides >/dev/null 2>"$T/err" ||
		{ cat "$T/err"; fail "report --slides of results/reference failed"; }
	for i in 1 3 4 7; do
		f=$T/reference/slides/c$i.html
		[ "$(grep -c '<img ' "$f")" -eq 1 ] || fail "slides/c$i.html: not one chart"
		grep -q '^img{display:block;width:100%\|[{}]img{display:block;width:100%' "$f" ||
			fail "slides/c$i.html: the chart does not span the slide"
		grep -q '<p class="why"><b>Why.</b> [A-Z]' "$f" || fail "slides/c$i.html: no one-line reason"
	done
fi
finish "the reports read as a reader would"
