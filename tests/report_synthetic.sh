#!/bin/sh
# report_synthetic.sh BINARY SOURCE_DIR — `concbench report` on results
# folders written by hand: one covering every claim (every section, the
# first page and the machine must be there, with the verdicts the figures
# imply), one holding almost nothing (every section must say which command
# would produce its data), one reported without gnuplot or lstopo in PATH,
# and the bad inputs (one line on stderr, exit status 2).
. "$(dirname "$0")/lib.sh"

# ---- a folder covering every claim ----
D=$T/full
mkdir "$D"

# r RUNTIME WORKLOAD PARAMS METRIC UNIT MEDIAN: one summary.csv row, 3 reps,
# min and max 3% either side.
r() {
	awk -v rt="$1" -v wl="$2" -v p="$3" -v m="$4" -v u="$5" -v v="$6" 'BEGIN {
		printf "%s,%s,%s,%s,%s,3,%g,%g,%g,0.02,0\n", rt, wl, p, m, u, v, v * 0.97, v * 1.03 }'
}
RT_T="stack_kib=0"
RT_P="workers=0"
RT_E="loops=1"
RT_C="stack_kib=64;guard=1"
{
	echo "runtime,workload,params,metric,unit,n,median,min,max,cov,noisy"
	# cpu (C1, C10): a single-core rate of 100 iterations per µs on 4 CPUs.
	for w in 1000 100000 1000000; do
		case $w in 1000) t=20 p=250 ;; 100000) t=90 p=360 ;; *) t=350 p=380 ;; esac
		r threads cpu "tasks=64;work=$w;$RT_T" iters_per_us iter/us $t
		r pool cpu "tasks=64;work=$w;$RT_P" iters_per_us iter/us $p
		r epoll cpu "tasks=64;work=$w;$RT_E" iters_per_us iter/us 100
		# A loop per CPU, on the pool's 4 CPUs: C1's equal-CPU comparison.
		r epoll cpu "tasks=64;work=$w;loops=4" iters_per_us iter/us 250
		r coro cpu "tasks=64;work=$w;$RT_C" iters_per_us iter/us 95
		r threads cpu "tasks=64;work=$w;$RT_T" wall_ns ns 1000000
	done
	# echo (C1, C4, C8, C12): threads fall to 40% of their peak at 1000.
	for c in 10 100 1000; do
		case $c in 10) t=100000 ;; 100) t=90000 ;; *) t=40000 ;; esac
		for x in "threads $RT_T $t" "epoll loops=1 112000" "epoll loops=4 200000" "coro $RT_C 110000"; do
			set -- $x
			P="port=0;conns=$c;requests=100;seconds=0;rate=0;msg_bytes=64;$2"
			r "$1" echo "$P" throughput_rps req/s "$3"
			r "$1" echo "$P" p99_us us 150
			r "$1" echo "$P" ctx_voluntary switches $((c * 300))
			r "$1" echo "$P" ctx_involuntary switches $((c * 10))
			r "$1" echo "$P" requests requests $((c * 100))
			r "$1" echo "$P" rss_peak_kib KiB $((2000 + c * 20))
			r "$1" echo "$P" errors requests 0
		done
	done
	# The pool: 2 workers, 2 connections against 10.
	r pool echo "port=0;conns=2;requests=100;seconds=0;rate=0;msg_bytes=64;workers=2" throughput_rps req/s 50000
	r pool echo "port=0;conns=2;requests=100;seconds=0;rate=0;msg_bytes=64;workers=2" p99_us us 100
	r pool echo "port=0;conns=10;requests=100;seconds=0;rate=0;msg_bytes=64;workers=2" throughput_rps req/s 50000
	r pool echo "port=0;conns=10;requests=100;seconds=0;rate=0;msg_bytes=64;workers=2" p99_us us 900
	# sleep (C2, C7): the pool waits in batches.
	for t in 1000 10000; do
		S="tasks=$t;ms=10;stack_touch=0"
		r threads sleep "$S;$RT_T" elapsed_ms ms $((12 + t / 1000))
		r threads sleep "$S;$RT_T" mem_user_kib_per_task KiB 10
		r threads sleep "$S;$RT_T" mem_kernel_kib_per_task KiB 12
		r epoll sleep "$S;$RT_E" elapsed_ms ms 11
		r epoll sleep "$S;$RT_E" mem_user_kib_per_task KiB 0.3
		r epoll sleep "$S;$RT_E" mem_kernel_kib_per_task KiB 0.01
		r coro sleep "$S;$RT_C" elapsed_ms ms 12
		r coro sleep "$S;$RT_C" mem_user_kib_per_task KiB 4.5
		r coro sleep "$S;$RT_C" mem_kernel_kib_per_task KiB 0.2
	done
	r pool sleep "tasks=1000;ms=10;stack_touch=0;$RT_P" elapsed_ms ms 2510
	# Within its 4 workers it overlaps; only this point is C2's for it.
	r pool sleep "tasks=4;ms=10;stack_touch=0;$RT_P" elapsed_ms ms 11
	# mixed (C3): light requests stall behind a 1000 µs step on one loop.
	M="port=0;conns=10;requests=1000;seconds=0;rate=0;heavy_every=100;heavy_us=1000;offload=0"
	r threads mixed "$M;$RT_T" light_p99_us us 100
	r pool mixed "$M;$RT_P" light_p99_us us 110
	r epoll mixed "$M;$RT_E" light_p99_us us 1200
	r coro mixed "$M;$RT_C" light_p99_us us 1300
	r threads mixed "$M;$RT_T" heavy_p99_us us 1100
	# C3 reads each runtime's excess over its own heavy_us=0 baseline.
	M0="port=0;conns=10;requests=1000;seconds=0;rate=0;heavy_every=100;heavy_us=0;offload=0"
	r threads mixed "$M0;$RT_T" light_p99_us us 90
	r pool mixed "$M0;$RT_P" light_p99_us us 100
	r epoll mixed "$M0;$RT_E" light_p99_us us 100
	r coro mixed "$M0;$RT_C" light_p99_us us 100
	# C15: the same points offloaded on epoll: 120 µs at heavy_us=1000
	# against 100 (1.2×), where inline it was 1200 (12×); the hand-off adds
	# 30 µs to a heavy request's p50 at heavy_us=0.
	M1="port=0;conns=10;requests=1000;seconds=0;rate=0;heavy_every=100;heavy_us=1000;offload=1"
	M10="port=0;conns=10;requests=1000;seconds=0;rate=0;heavy_every=100;heavy_us=0;offload=1"
	r epoll mixed "$M1;$RT_E" light_p99_us us 120
	r epoll mixed "$M10;$RT_E" light_p99_us us 100
	r epoll mixed "$M0;$RT_E" heavy_p50_us us 60
	r epoll mixed "$M10;$RT_E" heavy_p50_us us 90
	# pingpong and pipepingpong (C5, C6, C11, C12).
	for pl in same-core unpinned; do
		case $pl in same-core) a=1400 b=60 c=40 d=400 ;; *) a=2500 b=70 c=45 d=420 ;; esac
		r threads pingpong "rounds=100000;$RT_T;placement=$pl" ns_per_switch ns $a
		r epoll pingpong "rounds=100000;$RT_E;placement=$pl" ns_per_switch ns $b
		r coro pingpong "rounds=100000;$RT_C;placement=$pl" ns_per_switch ns $c
		r coro-ucontext pingpong "rounds=100000;$RT_C;placement=$pl" ns_per_switch ns $d
		r threads pipepingpong "rounds=100000;$RT_T;placement=$pl" ns_per_switch ns 2000
		r epoll pipepingpong "rounds=100000;$RT_E;placement=$pl" ns_per_switch ns 1500
	done
	# file (C9): the loop's timer is 5x threads' lateness, short of the
	# rule's 10x (no verdict "holds").
	F="file_mib=32;block_kib=4;tasks=8;cold=1;direct=1;timer_us=100"
	for x in "threads $RT_T 400 2000" "epoll $RT_E 200 10000"; do
		set -- $x
		r "$1" file "$F;$2" mib_per_s MiB/s "$3"
		r "$1" file "$F;$2" direct_used "" 1
		r "$1" file "$F;$2" timer_ticks ticks 4000
		r "$1" file "$F;$2" timer_late_p99_us us "$4"
		r "$1" file "$F;$2" timer_late_max_us us "$(($4 * 2))"
	done
	r threads file "file_mib=32;block_kib=4;tasks=8;cold=0;direct=0;timer_us=100;$RT_T" mib_per_s MiB/s 3000
	# C13: on skewed sizes the loops per CPU take 1.5x steal's makespan, on
	# even sizes the same; C14: uring 8 µs of server CPU a request, epoll 10;
	# C16: a thread 20 µs to create, an epoll task 0.3.
	for k in 0 2; do
		r steal cpu "tasks=256;work=50000;skew=$k;seed=1;workers=4" iters_per_us iter/us 100
		r epoll cpu "tasks=256;work=50000;skew=$k;seed=1;loops=4" iters_per_us iter/us $((100 - k * 17))
	done
	U="port=0;conns=1000;requests=100;seconds=0;rate=0;msg_bytes=64"
	r uring echo "$U;loops=1;sqpoll=0;fixed_files=0;defer_taskrun=0" server_cpu_us_per_request us 8
	r epoll echo "$U;loops=1" server_cpu_us_per_request us 10
	r threads sleep "tasks=10000;ms=10;stack_touch=0;$RT_T" create_ns_per_task ns 20000
	r epoll sleep "tasks=10000;ms=10;stack_touch=0;$RT_E" create_ns_per_task ns 300
	# The production libraries, faster than all five at their points: the
	# report sets them beside the models (reference lines), and the C1-C12
	# verdicts below stay what the five imply.
	for c in 10 100 1000; do
		r uv echo "port=0;conns=$c;requests=100;seconds=0;rate=0;msg_bytes=64" throughput_rps req/s 500000
	done
	for w in 1000 100000 1000000; do
		r omp cpu "tasks=64;work=$w;threads=0" iters_per_us iter/us 400
	done
	r uv sleep "tasks=1000;ms=10;stack_touch=0" elapsed_ms ms 10.5
	r uv sleep "tasks=1000;ms=10;stack_touch=0" mem_user_kib_per_task KiB 0.01
} >"$D/summary.csv"

cat >"$D/fits.csv" <<'EOF'
runtime,workload,params,metric,unit,n,slope,intercept,r2
threads,sleep,ms=10;stack_touch=0;stack_kib=0,mem_slope_user_kib_per_task,KiB/task,6,9.5,100,0.999
threads,sleep,ms=10;stack_touch=0;stack_kib=0,mem_slope_kernel_kib_per_task,KiB/task,6,10.5,50,0.998
epoll,sleep,ms=10;stack_touch=0;loops=1,mem_slope_user_kib_per_task,KiB/task,6,0.25,80,0.97
epoll,sleep,ms=10;stack_touch=0;loops=1,mem_slope_kernel_kib_per_task,KiB/task,6,0.02,10,0.5
coro,sleep,ms=10;stack_touch=0;stack_kib=64;guard=1,mem_slope_user_kib_per_task,KiB/task,6,4.1,90,0.999
coro,sleep,ms=10;stack_touch=0;stack_kib=64;guard=1,mem_slope_kernel_kib_per_task,KiB/task,6,0.3,20,0.9
EOF

# The manifest, with text that must come out escaped.
cat >"$D/manifest.json" <<'EOF'
{"schema":"concbench-manifest/1","created":"2026-01-02T03:04:05Z",
 "command_line":["concbench","run","--suite","standard","--out","<dir>"],
 "git_commit":"0123456789ab","compiler":"GNU 12.2.0","cflags":" -O3 -DNDEBUG","build_type":"Release",
 "hostname":"synthetic",
 "cpu":{"model":"Synthetic CPU <script>alert(1)</script> & co","vendor":"Nobody","online":4},
 "topology":{"summary":"1 package, 4 cores, 4 PUs","packages":1,"numa_nodes":1,"l3_caches":1,
             "cores":4,"pus":4,"run_cpuset":"0-3","run_pus":4},
 "kernel":{"sysname":"Linux","release":"6.1.0-synthetic","version":"#1 SMP","machine":"x86_64"},
 "virtualization":{"virtual_machine":false,"hypervisor":null,"container":null},
 "limits":{"RLIMIT_NOFILE":{"soft":1024,"hard":524288},"RLIMIT_NPROC":{"soft":63000,"hard":63000},
           "threads_max":126000,"pid_max":4194304,"max_map_count":65530}}
EOF

# results.jsonl: what the summary cannot hold — a failed cell (the pool's
# detected deadlock) and where the thread-per-core server ran.
{
	echo '{"runtime":"pool","workload":"pingpong","params":{"rounds":100000,"workers":1},"placement":"unpinned","cpus_bound":"0-3","rep":1,"warmup":false,"ok":false,"error":"Resource deadlock avoided","limit":"pool-deadlock","metrics":{}}'
	echo '{"runtime":"epoll","workload":"echo","params":{"port":0,"conns":1000,"requests":100,"seconds":0,"rate":0,"msg_bytes":64,"loops":4},"placement":"unpinned","cpus_bound":"0-2","client_cpus_bound":"3","rep":1,"warmup":false,"ok":true,"error":null,"limit":null,"metrics":{"throughput_rps":200000}}'
} >"$D/results.jsonl"

if command -v lstopo >/dev/null; then
	lstopo -i "pack:1 core:4 pu:1" --of xml "$D/topology.xml" 2>/dev/null || rm -f "$D/topology.xml"
fi

"$BIN" report "$D" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$T/err"; fail "report on the full folder exited $rc, want 0"; }
# No complaint on stderr (gnuplot's own warnings pass through plot): this is
# also how a sanitizer build's findings fail this test.
complaints() {
	grep -E "^concbench: |runtime error|Sanitizer" "$T/err" && fail "report $1: stderr above"
}
complaints "on the full folder"
grep -q "^wrote $D/report.html and $D/report.md\$" "$T/out" || fail "report did not say what it wrote"
H=$D/report.html
M=$D/report.md
[ -s "$H" ] && [ -s "$M" ] || die "no report.html or report.md"

# Every section, in both files.
for id in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	grep -q "<section class=\"claim\" id=\"c$id\">" "$H" || fail "report.html has no section C$id"
	grep -q "^## C$id · " "$M" || fail "report.md has no section C$id"
	grep -q "C$id: the measured figures" "$H" || fail "C$id has no figures table"
done
for f in "$H" "$M"; do
	grep -q "In two minutes" "$f" || fail "$f has no first page"
	grep -q "The claims, answered by this run" "$f" || fail "$f has no headline table"
	grep -q "Which model to pick, on this machine" "$f" || fail "$f has no model picks"
	grep -q "The machine" "$f" || fail "$f has no machine section"
	grep -q "1 package, 4 cores, 4 PUs" "$f" || fail "$f does not show the topology summary"
	grep -q "Bendersky" "$f" || fail "$f does not cite Bendersky"
	grep -q "Blandy" "$f" || fail "$f does not cite Blandy"
	grep -q "Boost.Context" "$f" || fail "$f does not cite Boost.Context"
	grep -q "A run that can:" "$f" && fail "$f asks for a run although every claim has data"
done

# The verdicts these figures imply, one per claim, from the headline table.
verdict() { # ID WORD
	grep -o "<a href=\"#c$1\">C$1</a></td><td>[^<]*</td><td><span class=\"[^\"]*\">[^<]*<" "$H" |
		sed 's/.*">//; s/<$//' | grep -qx "$2" ||
		fail "C$1: want verdict '$2', the headline says '$(grep -o "href=\"#c$1\">.*" "$H" | head -c 300)'"
}
verdict 1 holds
verdict 2 holds
verdict 3 holds
verdict 4 holds
verdict 5 holds
verdict 6 holds
verdict 7 holds
verdict 8 holds
verdict 9 depends
verdict 10 holds
verdict 11 holds
verdict 12 holds
verdict 13 holds
verdict 14 holds
verdict 15 holds
verdict 16 holds
grep -q "the hand-off adds 30 µs to a heavy request.s p50 on epoll" "$H" ||
	fail "C15 does not give the hand-off's cost"
grep -q "every runtime (4) waited out every point .*, each at a task count it runs at once" "$H" ||
	fail "C2 does not judge the pool within its workers"
grep -q "on 4 CPUs each, pool does 1.52× what epoll (loops=4) does" "$H" ||
	fail "C1 does not compare the pool with a loop per CPU at equal CPUs"
grep -q "pool-deadlock" "$H" || fail "C12 does not name the deadlock limit"
grep -qF "Reference: uv.** At conns=1000 the fastest hand-written model on one thread (epoll, 112,000 req/s) serves 22% of uv's throughput" "$M" ||
	fail "no reference line for uv"
grep -qF "Reference: omp.** At work=1000000 omp computes 400 iterations per µs, 1.05× pool's 380" "$M" ||
	fail "no reference line for omp"
grep -E "^\| (computation|a network server|very many tasks)" "$M" | grep -E "\b(uv|omp)\b" &&
	fail "a production library among the picks"

# Escaping: the manifest's markup is text, and nothing is fetched.
grep -q "<script" "$H" && fail "report.html holds a <script> (unescaped manifest text?)"
grep -q "Synthetic CPU &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" "$H" ||
	fail "the CPU model is not shown escaped"
grep -Eiq "src=\"(https?:|//)" "$H" && fail "report.html fetches something"
grep -Eiq "<link[^>]*stylesheet" "$H" && fail "report.html links a stylesheet"

# Charts: inline when gnuplot drew them, else a sentence saying why.
if command -v gnuplot >/dev/null; then
	[ -s "$D/plots/switch.svg" ] || fail "report did not draw the charts first"
	grep -q 'src="data:image/svg+xml;base64,' "$H" || fail "no chart inlined"
	grep -q '](plots/switch.png)' "$M" || fail "report.md does not link plots/switch.png"
	# Every inlined image decodes to a well-formed SVG: a browser shows a
	# broken data: image silently, so only decoding it tells.
	if command -v python3 >/dev/null; then
		python3 - "$H" <<'PY' || fail "an inlined chart is not a well-formed SVG"
import base64, re, sys, xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
uris = re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', html)
assert len(uris) >= 5, "only %d inlined images" % len(uris)
for i, u in enumerate(uris):
    root = ET.fromstring(base64.b64decode(u, validate=True))
    assert root.tag.endswith("svg"), "image %d: root <%s>" % (i, root.tag)
PY
	fi
fi
if [ -s "$D/topology.xml" ]; then
	grep -q "drawn by hwloc's lstopo from the run's topology.xml" "$H" ||
		fail "the machine section does not draw topology.xml"
	grep -q 'alt="Topology drawn by lstopo" src="data:image/svg+xml;base64,' "$H" ||
		fail "no topology drawing inlined"
fi

# ---- a folder holding almost nothing ----
S=$T/sparse
mkdir "$S"
{
	echo "runtime,workload,params,metric,unit,n,median,min,max,cov,noisy"
	r threads cpu "tasks=64;work=1000;$RT_T" iters_per_us iter/us 100
} >"$S/summary.csv"
"$BIN" report "$S" >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "report on the sparse folder failed"; }
complaints "on the sparse folder"
for f in "$S/report.html" "$S/report.md"; do
	n=$(grep -c "A run that can:" "$f")
	[ "$n" -eq 16 ] || fail "$f: $n sections say which run would produce their data, want 16"
	grep -q "no manifest.json" "$f" || fail "$f does not say the manifest is missing"
done
# Each section names its own command.
for want in "--workload pingpong --placement same-core,cross-core,unpinned" \
	"--workload echo --set conns=10,100,1000,5000" "--workload mixed --set heavy_us" "--set offload=0,1" \
	"--workload sleep --set tasks=1000,5000,10000" "--workload file --set direct=1" \
	"--runtime coro,coro-ucontext --workload pingpong" "--runtime pool --workload echo,pingpong"; do
	grep -qF -- "$want" "$S/report.md" || fail "the sparse report does not suggest '... $want ...'"
done

# ---- no gnuplot, no lstopo: the report still comes, and says why ----
N=$T/nogp
mkdir "$N"
cp "$D/summary.csv" "$D/manifest.json" "$N/"
PATH=/nonexistent "$BIN" report "$N" >"$T/out" 2>"$T/err" ||
	{ cat "$T/err"; fail "report without gnuplot failed"; }
complaints "without gnuplot"
grep -q "gnuplot is not installed" "$N/report.html" || fail "no note that gnuplot is missing"
grep -q "lstopo is not installed" "$N/report.html" || fail "no note that lstopo is missing"
grep -q "C4: the measured figures" "$N/report.html" || fail "tables missing without gnuplot"

# ---- bad input: one line on stderr, exit 2 ----
mkdir "$T/empty"
usage "report needs a results folder" report
usage "no results folder '$T/nope'" report "$T/nope"
usage "no summary.csv in '$T/empty'" report "$T/empty"
usage "report takes one results folder" report "$D" "$S"
mkdir "$T/isdir"
cp "$S/summary.csv" "$T/isdir/"
mkdir "$T/isdir/report.html"
usage "exists and is not a file" report "$T/isdir"
echo "not,a,summary" >"$T/empty/summary.csv"
usage "summary.csv" report "$T/empty"
if [ "$(id -u)" -ne 0 ]; then # root writes anywhere
	mkdir "$T/ro"
	cp "$S/summary.csv" "$T/ro/"
	chmod 555 "$T/ro"
	usage "cannot write the report in '$T/ro'" report "$T/ro"
	chmod 755 "$T/ro"
fi
"$BIN" report --help >"$T/out" 2>&1 && grep -q "usage: concbench report DIR" "$T/out" ||
	fail "report --help"
"$BIN" --help | grep -q "report DIR" || fail "concbench --help does not list report"

finish "report_synthetic: ok"
