#!/bin/sh
# cli_compare.sh BINARY SOURCE_DIR — `concbench compare A B` on two synthetic
# results folders written here: the ratios and the beyond-noise flag in
# compare.csv (both ways: disjoint ranges count; overlapping ranges, a noisy
# row and a single rep do not), rows only in one run, the headline tables and
# escaping in compare.md and compare.html, a well-formed SVG and an 800 px PNG;
# the default output folder, a run against itself (every ratio 1), two runs
# with nothing in common (exit 0, a note), and every bad input: exit status 2
# (usage) or 1 (failed) with exactly one line on stderr.
. "$(dirname "$0")/lib.sh"
need python3 "to check the outputs"
need gnuplot "to draw the chart"

HEADER=runtime,workload,params,metric,unit,n,median,min,max,cov,noisy

# manifest DIR MODEL COMMIT VM: the fields compare shows, as run writes them.
manifest() {
	cat >"$1/manifest.json" <<EOF
{
  "schema": "concbench-manifest/1",
  "created": "2026-01-0${4}T10:00:00Z",
  "git_commit": "$3",
  "build_type": "Release",
  "hostname": "host$4",
  "cpu": { "model": "$2", "online": 2 },
  "topology": { "summary": "1 package, 2 cores, 2 PUs", "run_pus": 2 },
  "kernel": { "sysname": "Linux", "release": "6.1.0-test$4", "machine": "x86_64" },
  "virtualization": { "virtual_machine": $5, "hypervisor": "kvm" }
}
EOF
}

# ---- two runs: a and b ----
mkdir a b
# Each row of b against a, and what compare must make of it:
#   threads ns_per_switch  100 -> 50, ranges disjoint         ratio 0.5, counts: 2.00x faster
#   coro ns_per_switch      40 -> 41, ranges overlap           ratio 1.025, within noise
#   epoll mem_per_task_kib   2 -> 4,  ranges disjoint          ratio 2, counts: more memory
#   pool throughput_rps   1000 -> 2000, disjoint but a noisy   within noise (noisy)
#   threads iters_per_us   100 -> 200, one rep each            within noise (no spread)
#   threads ctx_voluntary   10 -> 20, disjoint, no better side 2.00x higher (not headline)
#   threads rss_peak_kib  3000 -> 1500, disjoint               2.00x less memory (not headline)
#   threads mixed light_p99_us, params with markup             escaped in HTML
#   coro file mib_per_s only in a; epoll echo p99_us only in b
cat >a/summary.csv <<EOF
$HEADER
threads,pingpong,rounds=1000;stack_kib=0,ns_per_switch,ns,3,100,95,105,0.05,0
threads,pingpong,rounds=1000;stack_kib=0,ctx_voluntary,switches,3,10,9,11,0.1,0
threads,pingpong,rounds=1000;stack_kib=0,rss_peak_kib,KiB,3,3000,2990,3010,0.01,0
coro,pingpong,rounds=1000;stack_kib=64,ns_per_switch,ns,3,40,38,42,0.05,0
epoll,sleep,tasks=100;ms=5;loops=1,mem_per_task_kib,KiB,3,2,1.9,2.1,0.05,0
pool,http,conns=4;workers=0,throughput_rps,req/s,3,1000,700,1100,0.2,1
threads,cpu,tasks=4;stack_kib=0,iters_per_us,iter/us,1,100,100,100,,0
threads,mixed,note=<i>&amp;x,light_p99_us,us,3,10,9,11,0.05,0
coro,file,file_mib=4;stack_kib=64,mib_per_s,MiB/s,3,900,880,920,0.02,0
EOF
cat >b/summary.csv <<EOF
$HEADER
threads,pingpong,rounds=1000;stack_kib=0,ns_per_switch,ns,3,50,48,52,0.04,0
threads,pingpong,rounds=1000;stack_kib=0,ctx_voluntary,switches,3,20,19,21,0.05,0
threads,pingpong,rounds=1000;stack_kib=0,rss_peak_kib,KiB,3,1500,1490,1510,0.01,0
coro,pingpong,rounds=1000;stack_kib=64,ns_per_switch,ns,3,41,39,43,0.05,0
epoll,sleep,tasks=100;ms=5;loops=1,mem_per_task_kib,KiB,3,4,3.9,4.1,0.02,0
pool,http,conns=4;workers=0,throughput_rps,req/s,3,2000,1990,2010,0.01,0
threads,cpu,tasks=4;stack_kib=0,iters_per_us,iter/us,1,200,200,200,,0
threads,mixed,note=<i>&amp;x,light_p99_us,us,3,10,9,11,0.05,0
epoll,echo,conns=4;loops=1,p99_us,us,3,80,75,85,0.05,0
EOF
manifest a "Model <A> & Co" aaaa1111 1 true
manifest b "Model B" bbbb2222 2 false

# ---- compare a b --out res ----
"$BIN" compare a b --out res >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || fail "compare a b: exit status $rc, want 0"
[ -s "$T/err" ] && fail "compare a b: wrote to stderr"
grep -q "^wrote res/compare.csv$" "$T/out" || fail "compare a b: no 'wrote res/compare.csv' on stdout"

cat >check_csv.py <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want_header = "runtime,workload,params,metric,unit,median1,median2,ratio,significant,ratio_lo,ratio_hi,p_value,run2"
assert open(sys.argv[1]).readline().strip() == want_header, "header"
got = {(r["runtime"], r["workload"], r["metric"]): r for r in rows}
def check(rt, wl, metric, ratio, sig):
    r = got.get((rt, wl, metric))
    assert r is not None, f"no row {rt} {wl} {metric}"
    assert abs(float(r["ratio"]) - ratio) < 1e-9, f"{rt} {wl} {metric}: ratio {r['ratio']}, want {ratio}"
    assert r["significant"] == str(sig), f"{rt} {wl} {metric}: significant {r['significant']}, want {sig}"
check("threads", "pingpong", "ns_per_switch", 0.5, 1)
check("coro", "pingpong", "ns_per_switch", 1.025, 0)
check("epoll", "sleep", "mem_per_task_kib", 2, 1)
check("pool", "http", "throughput_rps", 2, 0)
check("threads", "cpu", "iters_per_us", 2, 0)
check("threads", "pingpong", "ctx_voluntary", 2, 1)
check("threads", "mixed", "light_p99_us", 1, 0)
check("threads", "pingpong", "rss_peak_kib", 0.5, 1)
r = got[("threads", "pingpong", "ns_per_switch")]
assert (r["params"], r["unit"], r["median1"], r["median2"]) == ("rounds=1000;stack_kib=0", "ns", "100", "50"), r
assert len(rows) == 8, f"{len(rows)} rows, want the 8 in both runs"
PY
python3 check_csv.py res/compare.csv || fail "compare.csv"

# The documents: environments, headline tables with verdicts, the rest
# behind <details>, rows only in one run, escaping.
for doc in md html; do
	f=res/compare.$doc
	[ -s "$f" ] || { fail "no compare.$doc"; continue; }
	for want in "b compared with a" "aaaa1111" "bbbb2222" "6.1.0-test1" "virtual machine" \
		"metric (unit)" "ns_per_switch (ns)" "2.00× faster" "2.00× more memory" \
		"within noise (ranges overlap)" "within noise (noisy)" "within noise (no spread)" \
		"2.00× higher" "2.00× less memory" "only in a" "only in b" "<details>" "1 row only in a" \
		"1 row only in b" "## pingpong\|<h2>pingpong</h2>"; do
		grep -q -- "$want" "$f" || fail "compare.$doc does not say '$want'"
	done
done
grep -q "^| threads | rounds=1000;stack_kib=0 | ns_per_switch (ns) | 100 | 50 | 0.5 | \*\*2.00× faster\*\* |$" \
	res/compare.md || fail "compare.md: no headline row for threads ns_per_switch"
# In the pingpong section, ns_per_switch is a headline metric: in the table
# before the <details>; ctx_voluntary is not: behind it.
inside() {
	awk -v m="$1" '/<summary>pingpong/ { d = 1 } $0 ~ "^\\| threads .*\\| " m " " { print d + 0; exit }' res/compare.md
}
[ "$(inside ns_per_switch)" = 0 ] || fail "compare.md: ns_per_switch is not in the headline table"
[ "$(inside ctx_voluntary)" = 1 ] || fail "compare.md: ctx_voluntary is not behind <details>"
grep -q "Model &lt;A&gt; &amp; Co" res/compare.html || fail "compare.html: the CPU model is not escaped"
grep -q "note=&lt;i&gt;&amp;amp;x" res/compare.html || fail "compare.html: params are not escaped"
grep -q "<i>\|Model <A>" res/compare.html && fail "compare.html: unescaped text from the data"
grep -q "https\?://" res/compare.html && fail "compare.html: refers to the network"
grep -q 'src="data:image/svg+xml;base64,' res/compare.html || fail "compare.html: the chart is not embedded"
cat >check_html.py <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    void = {"meta", "img", "br"}
    def __init__(s):
        super().__init__()
        s.stack = []
    def handle_starttag(s, t, a):
        if t not in s.void:
            s.stack.append(t)
    def handle_endtag(s, t):
        assert s.stack and s.stack[-1] == t, f"</{t}> closes {s.stack[-1:]}"
        s.stack.pop()
p = P()
p.feed(open(sys.argv[1]).read())
assert not p.stack, f"unclosed {p.stack}"
PY
python3 check_html.py res/compare.html || fail "compare.html is not well nested"

# The chart.
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' res/compare.svg ||
	fail "compare.svg is not well-formed XML"
cat >check_png.py <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
w, h = struct.unpack(">II", d[16:24])
assert w == 800, f"width {w}, want 800"
PY
python3 check_png.py res/compare.png || fail "compare.png"
grep -q '^"a" "b" 6 6 "1 2 3"$' res/compare.dat || fail "compare.dat: want 6 headline bars of 6, named a and b, classes 1 2 3"
grep -q '^[0-9]* 0.5 1 "threads pingpong ns_per_switch"$' res/compare.dat ||
	fail "compare.dat: no better-class bar at 0.5 for threads ns_per_switch"
grep -q 'b / a' res/compare.svg || fail "compare.svg: the axis does not say 'b / a'"

# ---- the default output folder: B/compare-<name of A> ----
"$BIN" compare a b >"$T/out" 2>"$T/err" || fail "compare a b (default --out) failed"
[ -s b/compare-a/compare.csv ] || fail "no b/compare-a/compare.csv"

# ---- a run against itself: every ratio 1, nothing beyond noise ----
"$BIN" compare a a --out self >"$T/out" 2>"$T/err" || fail "compare a a failed"
python3 - self/compare.csv <<'PY' || fail "compare a a: want every ratio 1 and significant 0"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 9, len(rows)
assert all(r["ratio"] == "1" and r["significant"] == "0" for r in rows), rows
PY
grep -q "1:a compared with 2:a\|2:a compared with 1:a" self/compare.md || fail "compare a a: the runs are not told apart"

# ---- nothing in common: files written, one note, exit 0, no chart ----
mkdir c
printf '%s\nthreads,sleep,tasks=1,elapsed_ms,ms,3,5,5,5,0,0\n' "$HEADER" >c/summary.csv
cp res/compare.svg res/compare.png c/ 2>/dev/null
"$BIN" compare a c --out c >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || fail "compare a c (nothing in common): exit status $rc, want 0"
[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^concbench: note: .*no rows in common" "$T/err" ||
	fail "compare a c: want one note 'no rows in common' on stderr"
[ "$(wc -l <c/compare.csv)" -eq 1 ] || fail "compare a c: compare.csv should hold only its header"
[ -e c/compare.svg ] || [ -e c/compare.png ] && fail "compare a c: a stale chart was left"
grep -q "no row in common" c/compare.md || fail "compare a c: compare.md does not say so"
grep -q "9 rows only in a" c/compare.html || fail "compare a c: compare.html does not list a's rows"

# ---- one headline row in common: a chart of one bar ----
# gnuplot 5.4 died of SIGSEGV drawing it (a labels plot whose one point was
# undefined: the side of 1 with no bar), failing the comparison. Both sides.
mkdir one1 one2 one3
printf '%s\nepoll,cpu,tasks=4,iters_per_us,iter/us,2,266,265,267,0.01,0\n' "$HEADER" >one1/summary.csv
printf '%s\nepoll,cpu,tasks=4,iters_per_us,iter/us,2,277,276,278,0.01,0\n' "$HEADER" >one2/summary.csv
printf '%s\nepoll,cpu,tasks=4,iters_per_us,iter/us,2,200,199,201,0.01,0\n' "$HEADER" >one3/summary.csv
for pair in "one1 one2" "one1 one3"; do
	# shellcheck disable=SC2086
	"$BIN" compare $pair --out "one-${pair#* }" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "compare $pair (one headline row): exit status $rc, want 0"
	python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "one-${pair#* }/compare.svg" ||
		fail "compare $pair: no well-formed compare.svg"
	[ -s "one-${pair#* }/compare.png" ] || fail "compare $pair: no compare.png"
done

# ---- bad input: exit status and exactly one line on stderr ----
mkdir empty bad
printf 'runtime,workload\n' >bad/summary.csv
: >afile
status 2 "compare needs two results folders or more" compare
status 2 "compare needs two results folders or more" compare a
status 2 "compare takes at most 8 results folders (got 'a' too)" compare a a a a a a a a a
status 2 "no results folder 'nowhere'" compare a nowhere
status 2 "no results folder 'afile'" compare afile b
status 2 "no summary.csv in 'empty'" compare empty b
status 2 "unknown option '--frob' for compare" compare --frob a b
status 2 "option '--out' needs a folder" compare a b --out
status 2 "option '--out' needs a folder" compare a b --out ''
# A summary.csv that is not ours is bad input for every command that reads
# one: exit status 2 and the reader's one line, the same for plot and report.
status 2 "bad/summary.csv: the header is not" compare a bad --out x
status 2 "bad/summary.csv: the header is not" compare bad a --out x
status 2 "bad/summary.csv: the header is not" plot bad
status 2 "bad/summary.csv: the header is not" report bad
status 1 "cannot create the output folder 'afile/x'" compare a b --out afile/x
# Without gnuplot the tables are still written, and the run says why it failed.
NOPATH=1
status 1 "gnuplot not found" compare a b --out nogp
NOPATH=
[ -s nogp/compare.html ] && [ -s nogp/compare.csv ] || fail "without gnuplot: no tables written"
grep -q "No chart" nogp/compare.md || fail "without gnuplot: compare.md does not say there is no chart"

"$BIN" compare --help >"$T/out" 2>"$T/err" && grep -q "^usage: concbench compare DIR1 DIR2" "$T/out" ||
	fail "compare --help: no usage on stdout"
"$BIN" --help | grep -q "^  compare " || fail "concbench --help does not list compare"

finish "ok"
