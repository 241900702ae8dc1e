/* claims.c — the claims of CLAIMS.md, one table: for each, what the report
 * says about it (report.c), the rule that judges it (verdict.c) and that
 * rule in words.
 *
 * A rule's thresholds are named constants (analysis.h): the rule compares
 * with them, and the words below print them through {name}, so a threshold
 * is written once. Keep the ids stable; the report shows them, and
 * README.md lists every claim's text (tests/unit_claims.c checks both).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"

const struct h_claim h_claims[H_NCLAIMS] = {
	{
	  .id = "C1",
	  .title = "Async for I/O, threads for CPU",
	  .text = "Async suits I/O-bound work; threads (parallelism across cores) suit CPU-bound "
	          "work.",
	  .question = "Which model gets more done when the work is computation, and which when it "
	              "is mostly waiting?",
	  .experiment = "cpu (a hash chain per task, no waiting) on every runtime and on epoll "
	                "with a loop per CPU (loops=2), compared at the largest work and equal "
	                "CPUs; echo (else http) at the largest connection count "
	                "threads and an async model both ran, or, without a server workload, "
	                "sleep at the largest task count (elapsed time and memory per task).",
	  .workloads = "cpu,echo,http,sleep",
	  .charts = "efficiency,conns_echo,sleep_tasks",
	  .refs = "",
	  .note = "",
	  .command = "concbench run --runtime all --workload cpu,echo --set loops=1,2 --set "
	             "work=1000,100000,1000000 --set conns=10,100,1000 --set requests=100",
	  .rule = h_rule_c1,
	  .words = "CPU side, at equal CPUs: the best cpu iterations per µs of threads or pool, "
	           "at the largest work, is at least {cpu}× that of an event loop per CPU (epoll "
	           "loops=N) with the same parallelism, on more than one CPU; rows at different "
	           "CPU counts are not compared (no data). Against one loop the ratio is the CPU "
	           "count: the CPU side is about parallelism, not async against threads. I/O "
	           "side: at the largest conns of echo (else http) that threads and an async "
	           "runtime share, threads' server CPU per request is at least {io}× the best "
	           "async's where the rows have it, else the best async throughput is at least "
	           "{io}× threads'; without echo or http, at the largest "
	           "sleep tasks, async waits within {sleep}× threads' elapsed time at less memory "
	           "per task. Both sides hold: holds; neither: does not hold; one: depends on the "
	           "kind of work.",
	  .thr = { { "cpu", H_C1_CPU_RATIO },
	           { "io", H_C1_IO_RATIO },
	           { "sleep", H_C1_SLEEP_RATIO } } },
	{
	  .id = "C2",
	  .title = "Concurrent waits overlap",
	  .text = "Running two waits concurrently takes as long as the longer one, not the sum.",
	  .question = "When many tasks each wait the same time at once, does the whole take about "
	              "one wait?",
	  .experiment = "sleep: `tasks` tasks each wait `ms` milliseconds, all at once, on every "
	                "runtime; the wall time (elapsed_ms) against the length of one wait.",
	  .workloads = "sleep",
	  .charts = "sleep_overlap,sleep_tasks",
	  .refs = "",
	  .note = "",
	  .command = "concbench run --runtime all --workload sleep --set tasks=2,100,1000 --set "
	             "ms=10,100",
	  .rule = h_rule_c2,
	  .words = "At each runtime's smallest sleep task count among those it can run at once "
	           "(a pool: at most its workers, as more is C12's cap; larger counts time thread "
	           "creation: C7), every wait ms must take at most {slack} × ms + {overhead} ms: "
	           "the waits overlapped. A runtime with no such point is left out, named. Every "
	           "runtime passes: holds; some: depends on the runtime (named, with the point it "
	           "misses); none: does not hold.",
	  .thr = { { "slack", H_C2_SLACK },
	           { "overhead", H_C2_OVERHEAD_MS } } },
	{
	  .id = "C3",
	  .title = "A heavy step stalls its executor",
	  .text = "A blocking or CPU-heavy call inside an async task stalls every other task on "
	          "that executor.",
	  .question = "When one request computes for a long time inside its step, how long do the "
	              "light requests behind it wait?",
	  .experiment = "mixed: an HTTP server where every `heavy_every`th request does "
	                "`heavy_us` µs of CPU work inline in its step; the client measures the "
	                "light requests' latency apart from the heavy ones.",
	  .workloads = "mixed",
	  .charts = "mixed",
	  .refs = "",
	  .note = "",
	  .command = "concbench run --runtime all --workload mixed --set heavy_us=0,2000,10000 "
	             "--set rate=1000",
	  .rule = h_rule_c3,
	  .words = "A runtime's excess is its light-request p99 at a heavy_us less its own at "
	           "heavy_us=0 (all else alike; open loop, Poisson arrivals). At the largest "
	           "heavy_us that threads and a single executor share: every single executor's "
	           "excess is at least {stall}× threads' and at least {heavy} of heavy_us, and "
	           "grows from the next smaller heavy_us: holds; failing that, on a server with one "
	           "CPU, where time slicing stalls threads too: depends on cores; every one under "
	           "{heavy} of heavy_us: does not hold; otherwise depends. No heavy_us=0 rows: "
	           "no data.",
	  .thr = { { "stall", H_C3_STALL },
	           { "heavy", H_C3_STALL_HEAVY, H_THR_WORD } } },
	{
	  .id = "C4",
	  .title = "Thread-per-connection and C10k",
	  .text = "Thread-per-connection does not scale to many connections (the C10k problem): "
	          "switching and memory cost grow with threads.",
	  .question = "As connections grow, does a thread per connection fall behind an event "
	              "loop in throughput, latency, context switches and memory?",
	  .experiment = "echo and http: `conns` connections, each served by its own task, swept; "
	                "the load generator's throughput and p99, context switches per request "
	                "and peak RSS per connection.",
	  .workloads = "echo,http",
	  .charts = "conns_echo,conns_http,latency_echo,latency_http,load_echo",
	  .refs = "",
	  .note = "The load generator runs on the last CPU of the run; the server gets the others.",
	  .command = "concbench run --runtime threads,epoll,coro --workload echo --set "
	             "conns=10,100,1000,5000 --set requests=100",
	  .rule = h_rule_c4,
	  .words = "On echo (else http) over a conns sweep: threads' throughput at the largest "
	           "conns is at most {drop}× their own peak or {drop}× the best async's there, or "
	           "a threads cell failed (a limit or timeout): holds; threads within {near}% of "
	           "the best async and of their own peak: does not hold; otherwise depends on the "
	           "connection count. Server context switches per request and RSS growth per "
	           "connection are shown beside it, not judged.",
	  .thr = { { "drop", H_C4_DROP },
	           { "near", 100 * H_C4_NEAR } } },
	{
	  .id = "C5",
	  .title = "The cost of a thread switch",
	  .text = "A thread context switch costs about 1.2–1.5 µs pinned and about 2.2 µs "
	          "unpinned (Bendersky, 2018).",
	  .question = "How long does one hand-over between two threads take on this machine, on "
	              "one core and across cores?",
	  .experiment = "pingpong: two tasks pass a token through runtime events (a round trip is "
	                "two switches), with both tasks on one core (same-core), on two cores "
	                "(cross-core), or where the scheduler puts them (unpinned).",
	  .workloads = "pingpong",
	  .charts = "switch",
	  .refs = "Eli Bendersky, \"Measuring context switching and memory overheads for Linux "
	          "threads\" (2018): about 1.2–1.5 µs per switch with both threads pinned to one "
	          "core, about 2.2 µs unpinned.",
	  .note = "",
	  .command = "concbench run --runtime threads --workload pingpong --placement "
	             "same-core,cross-core,unpinned",
	  .rule = h_rule_c5,
	  .words = "Threads' pingpong ns per switch: same-core within ×{band} of Bendersky's "
	           "{pinned_lo}–{pinned_hi} µs ({pinned_min}–{pinned_max} µs) and unpinned within "
	           "×{band} of {unpinned} µs ({unpinned_min}–{unpinned_max} µs): holds; one of "
	           "the two: depends on placement; neither: does not hold.",
	  .thr = { { "band", H_C5_BAND },
	           { "pinned_lo", H_C5_PINNED_LO_NS / 1e3 },
	           { "pinned_hi", H_C5_PINNED_HI_NS / 1e3 },
	           { "pinned_min", H_C5_PINNED_LO_NS / H_C5_BAND / 1e3 },
	           { "pinned_max", H_C5_PINNED_HI_NS * H_C5_BAND / 1e3 },
	           { "unpinned", H_C5_UNPINNED_NS / 1e3 },
	           { "unpinned_min", H_C5_UNPINNED_NS / H_C5_BAND / 1e3 },
	           { "unpinned_max", H_C5_UNPINNED_NS * H_C5_BAND / 1e3 } } },
	{
	  .id = "C6",
	  .title = "Async switches, and when I/O drives them",
	  .text = "Switching between async tasks is far cheaper than between threads (≈0.2 µs vs "
	          "≈1.7 µs, Blandy's context-switch study) — but when the switch is driven by I/O "
	          "readiness the two converge.",
	  .question = "How much cheaper is a switch between async tasks than between threads, and "
	              "does the gap survive when every switch waits on a pipe?",
	  .experiment = "pingpong (the token passes through runtime events) and pipepingpong "
	                "(through a pair of pipes: every switch is an fd wake-up) on threads, "
	                "epoll and coro, at one placement.",
	  .workloads = "pingpong,pipepingpong",
	  .charts = "switch,switch_pipes",
	  .refs = "Jim Blandy, context-switch (2021, Rust async against threads): about 0.2 µs "
	          "per switch between async tasks against 1.7 µs between threads; when readiness "
	          "of I/O drives the switch both come to about 1.7 µs. His async advantage also "
	          "vanished when pinned to one core.",
	  .note = "",
	  .command = "concbench run --runtime threads,epoll,coro --workload pingpong,pipepingpong "
	             "--placement same-core,unpinned",
	  .rule = h_rule_c6,
	  .words = "At one placement (same-core when measured, else unpinned): R_e = threads' ns "
	           "per switch over the best of epoll and coro on pingpong (events), R_p the same "
	           "on pipepingpong (pipes). R_e ≥ {events}, and R_p ≤ {pipes} and ≤ R_e / "
	           "{converge} (the two converge): holds; R_e < {events}: does not hold; "
	           "otherwise depends. Same-core first because it shows the switch alone; "
	           "Blandy's ≈0.2 vs ≈1.7 µs are unpinned figures from a multi-core machine, "
	           "where a virtual machine's cross-core wake-up would dominate threads' side.",
	  .thr = { { "events", H_C6_EVENTS_MIN },
	           { "pipes", H_C6_PIPES_MAX },
	           { "converge", H_C6_CONVERGE } } },
	{
	  .id = "C7",
	  .title = "Memory per task",
	  .text = "A thread costs far more memory than an async task (≈20 KiB incl. kernel vs a "
	          "few hundred bytes); a coroutine sits between, set by its stack.",
	  .question = "What does one waiting task cost in memory — user space and kernel — under "
	              "each model?",
	  .experiment = "sleep: every task alive and waiting at once, with `tasks` swept; memory "
	                "per task is the slope of user memory (RSS) and kernel memory (kernel "
	                "stack, page tables, slab) against the task count (fits.csv).",
	  .workloads = "sleep",
	  .charts = "memory,sleep_tasks",
	  .refs = "Jim Blandy, context-switch (2021): about 20 KiB per kernel thread (9.5 KiB "
	          "user, 10 KiB kernel) against a few hundred bytes per async task, as minimums.",
	  .note = "RSS does not show a thread's kernel stack; the kernel figure comes from the "
	          "cell's cgroup or /proc/meminfo (see README, How to read it).",
	  .command = "concbench run --runtime threads,epoll,coro --workload sleep --set "
	             "tasks=1000,5000,10000",
	  .rule = h_rule_c7,
	  .words = "Memory per waiting task on sleep, user + kernel: the fits.csv slopes over a "
	           "tasks sweep, else the per-task figure at the largest tasks. Threads ≥ "
	           "{thread} KiB, epoll ≤ {async} KiB and epoll < coro < threads: holds; threads "
	           "≤ {not}× epoll: does not hold; otherwise depends.",
	  .thr = { { "thread", H_C7_THREAD_MIN_KIB },
	           { "async", H_C7_EPOLL_MAX_KIB },
	           { "not", H_C7_NOT_RATIO } } },
	{
	  .id = "C8",
	  .title = "Thread-per-core",
	  .text = "Thread-per-core (one event loop per core) beats a single loop and beats "
	          "thread-per-connection.",
	  .question = "Does one event loop per core serve more than one loop, and more than a "
	              "thread per connection?",
	  .experiment = "echo (else http) on epoll with `loops` = 1 and more (one loop per core, "
	                "each with its own SO_REUSEPORT listener) and on threads, at the same "
	                "connection counts.",
	  .workloads = "echo,http",
	  .charts = "conns_echo,conns_http",
	  .refs = "",
	  .note = "By default the load generator takes the last CPU: on a 2-CPU machine the "
	          "server has one core, and thread-per-core has nothing to spread over.",
	  .command = "concbench run --runtime threads,epoll --workload echo --set loops=1,2 --set "
	             "conns=10,100,1000 --set requests=100",
	  .rule = h_rule_c8,
	  .words = "At the largest conns of echo (else http) with epoll loops ≥ 2, epoll loops=1 "
	           "and threads: loops=N at least {win}× both: holds; at most {lose}× both: does "
	           "not hold; otherwise depends. When the server had fewer than 2 CPUs (the load "
	           "generator takes another), no data: the loops shared one CPU.",
	  .thr = { { "win", H_C8_WIN },
	           { "lose", H_C8_LOSE, H_THR_ONE_DP } } },
	{
	  .id = "C9",
	  .title = "Files and the event loop",
	  .text = "Regular files have no readiness notification; an event loop must block or hand "
	          "file reads to threads (io_uring can do them asynchronously).",
	  .question = "What happens to an event loop whose tasks read a file that is not in "
	              "memory?",
	  .experiment = "file: `tasks` readers each read their share of a `file_mib` file in "
	                "`block_kib` reads; direct=1 makes each read a random whole block with "
	                "O_DIRECT, so every read waits for the device (no page cache, no "
	                "readahead), and cold=0 reads from memory. Beside the readers a timer "
	                "task sleeps to the next tick of a `timer_us` schedule again and again "
	                "and records how late each tick was served: on threads and the pool it "
	                "has a thread of its own, on a single executor it shares the thread that "
	                "blocks in read().",
	  .workloads = "file",
	  .charts = "file",
	  .refs = "",
	  .note = "epoll_ctl refuses a regular file with EPERM, so the loop (and coro's "
	          "scheduler) blocks in read(); io_uring, which could do these reads "
	          "asynchronously, is not measured by this suite. Throughput alone cannot show "
	          "the stall: contiguous reads overlap through readahead, and on a virtual "
	          "machine the host may serve the disk from its own cache. A tick the timer "
	          "slept through counts at its own lateness, so a stalled runtime is not "
	          "under-sampled. Where the folder refuses O_DIRECT (tmpfs) the run says "
	          "direct_used=0.",
	  .command = "concbench run --runtime all --workload file --set direct=1 --set "
	             "block_kib=4 --set timer_us=100",
	  .rule = h_rule_c9,
	  .words = "file with direct=1 at the most readers threads and a single executor both "
	           "ran: the timer's lateness (its p99 when both have {ticks} ticks, else the "
	           "latest tick) on the least late single executor at least {late}× threads' "
	           "and at least one timer period: holds; at most {not}× threads': does not "
	           "hold; otherwise, or when the filesystem refused O_DIRECT, depends.",
	  .thr = { { "late", H_C9_LATE },
	           { "not", H_C9_NOT },
	           { "ticks", H_C9_TICKS } } },
	{
	  .id = "C10",
	  .title = "A pool for computation",
	  .text = "For mostly-computation work a pool sized to the cores is what you want; "
	          "spawning a thread per small task wastes time.",
	  .question = "How small can a task be before a thread per task wastes most of the "
	              "machine, and does a pool sized to the cores do better?",
	  .experiment = "cpu: `tasks` tasks of `work` iterations each, work swept; efficiency is "
	                "iterations per µs over what that many CPUs would do at the best "
	                "single-core rate of the run.",
	  .workloads = "cpu",
	  .charts = "efficiency",
	  .refs = "",
	  .note = "",
	  .command = "concbench run --runtime threads,pool,epoll --workload cpu --set "
	             "work=100,1000,10000,100000,1000000",
	  .rule = h_rule_c10,
	  .words = "cpu efficiency (iterations per µs over what that many CPUs would do at the "
	           "best single-core rate) against work: the smallest work at which each of "
	           "threads and a pool sized to the cores reaches {eff}%. The pool reaches it at "
	           "a smaller work than threads (or threads never do) and runs at ≥ {pool_eff}% "
	           "at the largest work: holds; threads reach it at a work no larger than the "
	           "pool's: does not hold; otherwise depends.",
	  .thr = { { "eff", 100 * H_C10_EFF },
	           { "pool_eff", 100 * H_C10_POOL_EFF } } },
	{
	  .id = "C11",
	  .title = "Hand-written switch against swapcontext",
	  .text = "Stackful coroutine switches with a hand-written switch cost nanoseconds; "
	          "ucontext's swapcontext costs hundreds because it makes a syscall "
	          "(Boost.Context: 9 ns vs 547 ns).",
	  .question = "How much does glibc's swapcontext, which saves the signal mask with a "
	              "syscall, add to a coroutine switch?",
	  .experiment = "pingpong on coro (assembly switch) and coro-ucontext (swapcontext), same "
	                "scheduler, at one placement.",
	  .workloads = "pingpong",
	  .charts = "switch",
	  .refs = "Boost.Context performance documentation: 9 ns per switch for its fcontext "
	          "against 547 ns for ucontext.",
	  .note = "A coro switch here includes the scheduler's queue work, not only the register "
	          "swap.",
	  .command = "concbench run --runtime coro,coro-ucontext --workload pingpong --placement "
	             "same-core",
	  .rule = h_rule_c11,
	  .words = "pingpong ns per switch at one placement (same-core when measured): coro ≤ "
	           "{switch} ns and coro-ucontext ≥ {ratio}× coro: holds; coro-ucontext < {not}× "
	           "coro: does not hold; otherwise depends.",
	  .thr = { { "switch", H_C11_CORO_MAX_NS },
	           { "ratio", H_C11_RATIO },
	           { "not", H_C11_NOT_RATIO } } },
	{
	  .id = "C12",
	  .title = "A pool's cap and its deadlock",
	  .text = "A fixed pool whose workers block on I/O caps concurrency at the pool size; "
	          "tasks that wait on each other can deadlock it.",
	  .question = "What happens when a pool has fewer workers than connections, and when its "
	              "tasks wait on each other?",
	  .experiment = "echo (else http) on a pool with more connections than workers, against "
	                "connections within the workers; pingpong on a one-worker pool, where "
	                "both tasks need a worker at once (the pool detects it and fails the cell "
	                "rather than hang).",
	  .workloads = "echo,http,pingpong",
	  .charts = "conns_echo,switch",
	  .refs = "",
	  .note = "",
	  .command = "concbench run --runtime pool --workload echo,pingpong --set workers=1 --set "
	             "conns=1,8",
	  .rule = h_rule_c12,
	  .words = "(a) pool echo (else http) with conns above the workers (workers=0: one per "
	           "CPU of the cell): p99 at least {p99}× its p99 at conns within the workers, or "
	           "throughput no higher, or client errors, or connections that got no response in "
	           "the measured window (conns_starved), or the cell failed. (b) pingpong on a "
	           "one-worker pool ended as a failed cell with a deadlock limit (not a timeout). "
	           "Both: holds; neither: does not hold; one: depends.",
	  .thr = { { "p99", H_C12_P99_RATIO } } },
	{
	  .id = "C13",
	  .title = "Work stealing under uneven load",
	  .text = "Work stealing (Tokio's and Go's schedulers) keeps every core busy under uneven "
	          "load, where one loop per core leaves cores idle; on even load thread-per-core is "
	          "as fast or faster, without cross-core traffic.",
	  .question = "When some tasks are far longer than others, does a stealing scheduler finish "
	              "sooner than one loop per core, and does it cost anything when the load is "
	              "even?",
	  .experiment = "cpu with `skew`=0 (every task `work` iterations) and `skew` > 0 (sizes "
	                "from a seeded heavy-tailed distribution, the same total) on steal, on "
	                "epoll with a loop per CPU (loops=2, task i on loop i mod 2), on the pool "
	                "and on threads; the makespan is the total work over the measured rate "
	                "(first task start to last task end), and the idle share is the part of "
	                "the cell's CPU time (wall × CPUs) its threads did not run.",
	  .workloads = "cpu",
	  .charts = "skew_cpu",
	  .refs = "The Tokio scheduler write-up (2019): the work-stealing scheduler made Hyper's "
	          "benchmark 34% faster.",
	  .note = "cpu has no per-task latency, so no p99: the skewed echo and http loads the claim "
	          "also names are not measured by this suite.",
	  .command = "concbench run --runtime steal,epoll,pool,threads --workload cpu --set "
	             "loops=2 --set workers=2 --set tasks=256 --set work=50000 --set skew=0,2",
	  .rule = h_rule_c13,
	  .words = "cpu makespan at the same tasks, work and seed, at equal CPUs (steal's workers "
	           "and epoll's loops=N keep the same number of CPUs busy, at least 2): on skewed "
	           "sizes (the largest skew) the loops' makespan is at least {skew}× steal's, and "
	           "on even sizes (skew=0) at most {even}× steal's: holds; neither: does not hold; "
	           "one: depends on the load. The pool and threads are shown beside them, not "
	           "judged. Fewer than 2 CPUs: no data, there is nothing to balance.",
	  .thr = { { "skew", H_C13_SKEW_WIN },
	           { "even", H_C13_EVEN_NEAR } } },
	{
	  .id = "C14",
	  .title = "io_uring against epoll",
	  .text = "On current kernels io_uring serves network I/O with fewer syscalls than epoll "
	          "(multishot accept and receive, batched submission), and so with less CPU per "
	          "request.",
	  .question = "Does a server on io_uring spend less CPU per request than the same server "
	              "on epoll, and does it serve more?",
	  .experiment = "echo (else http) at the same connections on uring and on epoll with the "
	                "same number of loops: throughput, the server's CPU time per request "
	                "(user + system, the load generator's left out), and syscalls per request "
	                "where the run counted them.",
	  .workloads = "echo,http",
	  .charts = "conns_echo,conns_http",
	  .refs = "liburing's changelog and issues: multishot accept and receive, provided "
	          "buffers, batched submission, each to cut syscalls per request.",
	  .note = "Syscalls per request need a counter on the raw_syscalls:sys_enter tracepoint "
	          "(perf_event_open with tracefs mounted); this harness does not open one yet, so "
	          "the CPU per request stands for them.",
	  .command = "concbench run --runtime uring,epoll --workload echo --set conns=100 --set "
	             "requests=0 --set seconds=1",
	  .rule = h_rule_c14,
	  .words = "At the largest conns of echo (else http) where uring and epoll both ran with "
	           "the same loops: epoll's server CPU per request at least {win}× uring's: "
	           "holds; at most {lose}×: does not hold; between: depends. Throughput and p99 "
	           "are shown beside it, not judged (the load generator may be the limit). "
	           "No uring rows (io_uring unavailable: its cells are skipped): no data, with "
	           "the reason.",
	  .thr = { { "win", H_C14_CPU_WIN },
	           { "lose", H_C14_CPU_LOSE, H_THR_ONE_DP } } },
	{
	  .id = "C16",
	  .title = "The cost of creating a task",
	  .text = "Creating a thread costs tens of microseconds; creating an async task costs "
	          "well under one (Blandy: about 17 µs vs 0.3 µs).",
	  .question = "How long does it take each runtime to create one task, and does it grow "
	              "with the number of tasks?",
	  .experiment = "sleep: from run() starting until every task waits (create_ns_per_task: "
	                "that time over the tasks), on every runtime at two or more task counts.",
	  .workloads = "sleep",
	  .charts = "create",
	  .refs = "Jim Blandy, context-switch (2021): about 17 µs to create a thread against "
	          "about 0.3 µs for an async task.",
	  .note = "The figure includes what a task does until it waits (one timer armed), and "
	          "on a pool, tasks beyond its workers never all wait: no figure there.",
	  .command = "concbench run --runtime all --workload sleep --set tasks=100,1000 --set "
	             "ms=10",
	  .rule = h_rule_c16,
	  .words = "create_ns_per_task on sleep at the largest task count threads and an async "
	           "runtime share: threads at least {thread} µs per task and the cheapest async "
	           "runtime at most {async} µs: holds; threads no dearer than that async "
	           "runtime: does not hold; otherwise depends. Every runtime's figure at each "
	           "task count is shown.",
	  .thr = { { "thread", H_C16_THREAD_MIN_US },
	           { "async", H_C16_ASYNC_MAX_US } } },
};

const struct h_claim *h_claim_find(const char *id)
{
	for (size_t k = 0; k < H_NCLAIMS; k++)
		if (h_claims[k].id && !strcmp(h_claims[k].id, id))
			return &h_claims[k];
	return NULL;
}

char *h_fmt_threshold(char *buf, size_t len, double v, enum h_thr_form form)
{
	if (form == H_THR_ONE_DP)
		snprintf(buf, len, "%.1f", v);
	else if (form == H_THR_WORD && v == 0.5)
		snprintf(buf, len, "half");
	else if (form == H_THR_WORD)
		snprintf(buf, len, "%g%%", 100 * v);
	else /* as a parameter is written: "20", "1.3", never "1.30" */
		snprintf(buf, len, v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%g", v);
	return buf;
}

static const struct h_threshold *thr_find(const struct h_claim *c, const char *name, size_t n)
{
	for (int i = 0; i < H_CLAIM_THR_MAX && c->thr[i].name; i++)
		if (strlen(c->thr[i].name) == n && !strncmp(c->thr[i].name, name, n))
			return &c->thr[i];
	return NULL;
}

/* Appends n bytes of s to buf, which holds *used of len. */
static int put(char *buf, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used + n >= len)
		return -ENOSPC;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
	return 0;
}

int h_claim_words(const struct h_claim *c, char *buf, size_t len)
{
	size_t used = 0;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (const char *p = c->words ? c->words : ""; *p;) {
		const char *open = strchr(p, '{');
		if (put(buf, len, &used, p, open ? (size_t)(open - p) : strlen(p)))
			return -ENOSPC;
		if (!open)
			break;
		const char *close = strchr(open, '}');
		if (!close)
			return -EINVAL;
		const struct h_threshold *t = thr_find(c, open + 1, (size_t)(close - open - 1));
		if (!t)
			return -EINVAL;
		char v[32];
		h_fmt_threshold(v, sizeof v, t->value, t->form);
		if (put(buf, len, &used, v, strlen(v)))
			return -ENOSPC;
		p = close + 1;
	}
	return 0;
}
