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
	  .takeaway = "On computation a pool on every CPU did {pool}, one event loop per CPU {loopn} "
	          "and a single coroutine loop {coro}: the pool's lead over the single loop "
	          "({cpu_r}) is its CPU count. On {thr_io@conns} echo connections threads spent "
	          "{thr_io} of server CPU per request, epoll {ep_io} ({io_r} as much for "
	          "threads).",
	  .why = "Computation speeds up with CPUs whatever the model, so only equal CPUs compare "
	          "models; waiting costs each thread a kernel switch per wake-up, while one loop "
	          "collects every ready socket in one epoll_wait call.",
	  .caveat_vm = "",
	  .caveat_cpu = "The echo server had {server_cpus} CPU here (the load generator took the "
	          "other), so threads time-slice one CPU and the I/O side measures switching, not "
	          "parallelism.",
	  .sources = "bendersky-servers,kegel-c10k",
	  .agree = "Bendersky's servers series and Kegel's C10K page both favour an event loop for "
	          "many mostly idle connections; this run {agrees}: threads spent {io_r} the "
	          "server CPU per request of epoll.",
	  .predict = "On two CPUs, will a pool beat one event loop per CPU on pure computation, and "
	          "by how much?",
	  .figs = { { "pool", "pool", "cpu", "iters_per_us", "work=max" },
	            { "loopn", "epoll", "cpu", "iters_per_us", "work=max;loops=max" },
	            { "coro", "coro", "cpu", "iters_per_us", "work=max" },
	            { .name = "cpu_r", .op = '/', .a = "pool", .b = "coro" },
	            { "thr_io", "threads", "echo", "server_cpu_us_per_request", "conns=max;load_pct=min" },
	            { "ep_io", "epoll", "echo", "server_cpu_us_per_request", "conns=max;load_pct=min;loops=1" },
	            { .name = "io_r", .op = '/', .a = "thr_io", .b = "ep_io" } },
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
	  .command = "build/concbench run --runtime all --workload cpu,echo --set loops=1,2 --set "
	             "work=1000,100000,1000000 --set conns=10,100,1000 --set requests=100 --reps 3",
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
	  .takeaway = "{thr@tasks} threads each waiting {thr@ms:ms} took {thr} in all; {ep@tasks} "
	          "epoll tasks each waiting {ep@ms:ms} took {ep}: about one wait, not the sum.",
	  .why = "A waiting task holds no CPU: the kernel (for a thread) or the loop's timer "
	          "(for an async task) wakes each one when its time is up, so the waits run side "
	          "by side in every model.",
	  .caveat_vm = "",
	  .caveat_cpu = "",
	  .sources = "bendersky-servers",
	  .agree = "Bendersky's servers series shows concurrent waits overlapping in every model "
	          "it builds; this run {agrees}.",
	  .predict = "Will 1,000 tasks each sleeping 100 ms take closer to 100 ms or to 100 s, and "
	          "does the answer change for a pool of 2 workers?",
	  .figs = { { "thr", "threads", "sleep", "elapsed_ms", "tasks=min;ms=max" },
	            { "ep", "epoll", "sleep", "elapsed_ms", "tasks=min;ms=max" } },
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
	  .command = "build/concbench run --runtime all --workload sleep --set tasks=2,100,1000 --set "
	             "ms=10,100 --reps 3",
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
	  .takeaway = "With one request in {epH@heavy_every} computing for {epH@heavy_us:us}, the "
	          "light requests' p99 grew by {ex_ep} on epoll and by {ex_thr} on threads, each "
	          "over its own run without heavy requests.",
	  .why = "An event loop runs one step at a time, so every light request queued behind "
	          "the heavy step waits for it to end; the kernel preempts a thread after its "
	          "time slice, so other threads get a turn, if there is a CPU to give them.",
	  .caveat_vm = "",
	  .caveat_cpu = "The server had {server_cpus} CPU here: time slicing shares it, so threads feel "
	          "the heavy step too, only less.",
	  .sources = "tokio-scheduler",
	  .agree = "Tokio's scheduler write-up warns that a task which computes or blocks without "
	          "yielding holds its worker and delays every task queued on it; this run "
	          "{agrees}: {ex_ep} added on epoll.",
	  .predict = "If one request in 50 computes for 10 ms, what will the other requests' p99 be "
	          "on epoll, and on threads with one server CPU?",
	  .figs = { { "thr0", "threads", "mixed", "light_p99_us", "heavy_us=0;offload=0" },
	            { "thrH", "threads", "mixed", "light_p99_us", "heavy_us=max;offload=0" },
	            { "ep0", "epoll", "mixed", "light_p99_us", "heavy_us=0;offload=0" },
	            { "epH", "epoll", "mixed", "light_p99_us", "heavy_us=max;offload=0" },
	            { .name = "ex_thr", .op = '-', .a = "thrH", .b = "thr0" },
	            { .name = "ex_ep", .op = '-', .a = "epH", .b = "ep0" } },
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
	  .command = "build/concbench run --runtime all --workload mixed --set heavy_us=0,2000,10000 "
	             "--set rate=1000 --reps 3",
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
	  .takeaway = "Threads served {tmax} at {tmax@conns} connections against {t1} at {t1@conns}; "
	          "epoll served {emax} at {emax@conns}, so threads did {r} of epoll's throughput "
	          "there.",
	  .why = "A thread per connection pays a kernel switch per request and keeps a stack and "
	          "kernel memory per connection, so more connections mean more scheduling work; "
	          "one loop serves whichever sockets are ready in one pass.",
	  .caveat_vm = "On a virtual machine every wake-up of a sleeping CPU goes through the "
	          "hypervisor, which makes threads' switches dearer than on bare metal.",
	  .caveat_cpu = "The server had {server_cpus} CPU here, shared by all its threads.",
	  .sources = "kegel-c10k,bendersky-servers",
	  .agree = "Kegel's C10K page argues that a thread per client stops scaling in the "
	          "thousands of clients; this run {agrees}: at {tmax@conns} connections threads "
	          "kept {r} of epoll's throughput.",
	  .predict = "At 1,000 connections, will threads serve more or fewer requests per second "
	          "than at 10, and than epoll?",
	  .figs = { { "t1", "threads", "echo", "throughput_rps", "conns=min;load_pct=min" },
	            { "tmax", "threads", "echo", "throughput_rps", "conns=max;load_pct=min" },
	            { "emax", "epoll", "echo", "throughput_rps", "conns=max;load_pct=min;loops=1" },
	            { .name = "r", .op = '/', .a = "tmax", .b = "emax" } },
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
	  .command = "build/concbench run --runtime threads,epoll,coro --workload echo --set "
	             "conns=10,100,1000,5000 --set requests=100 --reps 3",
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
	  .takeaway = "A thread switch cost {same} with both threads on one core, {cross} across two "
	          "cores ({r} the same-core cost) and {unp} unpinned.",
	  .why = "Each switch is a futex wait and wake through the scheduler; across cores the "
	          "sleeping core must also be woken by an interrupt, and on a virtual machine the "
	          "hypervisor delivers it.",
	  .caveat_vm = "This is a virtual machine: a cross-core wake-up is an interrupt the hypervisor "
	          "delivers, so expect a laptop or bare-metal server to show a far smaller "
	          "cross-core and unpinned cost.",
	  .caveat_cpu = "",
	  .sources = "bendersky-2018",
	  .agree = "Bendersky measured 1.2–1.5 µs pinned and about 2.2 µs unpinned; this run "
	          "{agrees}: same-core is {vs_pin} his 1.5 µs, unpinned {vs_unp} his 2.2 µs.",
	  .predict = "Will a switch across two cores cost more or less than one on the same core, "
	          "and how many times?",
	  .figs = { { "same", "threads", "pingpong", "ns_per_switch", "placement=same-core" },
	            { "cross", "threads", "pingpong", "ns_per_switch", "placement=cross-core" },
	            { "unp", "threads", "pingpong", "ns_per_switch", "placement=unpinned" },
	            { .name = "r", .op = '/', .a = "cross", .b = "same" },
	            { .name = "vs_pin", .op = 'l', .a = "same", .lit = 1500 },
	            { .name = "vs_unp", .op = 'l', .a = "unp", .lit = 2200 } },
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
	  .command = "build/concbench run --runtime threads --workload pingpong --placement "
	             "same-core,cross-core,unpinned --reps 3",
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
	  .takeaway = "Over runtime events a thread switch cost {te} and an epoll task switch {ee} "
	          "({re} as much for threads); over pipes, where every switch waits for the "
	          "kernel to report a readable pipe, threads {tp} and epoll {ep} ({rp}).",
	  .why = "An async switch over an event is a function return and a queue push in user "
	          "space; a pipe wake-up goes through the kernel (write, epoll_wait, read) "
	          "whoever waits, so both models pay it.",
	  .caveat_vm = "",
	  .caveat_cpu = "",
	  .sources = "blandy-2021",
	  .agree = "Blandy found about 0.2 µs against 1.7 µs over events and the two converging "
	          "over pipes; this run {agrees}: the event ratio is {re} (his about 8.5) and the "
	          "pipe ratio {rp} (his about 1), both at same-core, where he saw the async "
	          "advantage shrink.",
	  .predict = "If the token passes through a pipe instead of a runtime event, how much of the "
	          "async advantage will survive?",
	  .figs = { { "te", "threads", "pingpong", "ns_per_switch", "placement=same-core" },
	            { "ee", "epoll", "pingpong", "ns_per_switch", "placement=same-core" },
	            { .name = "re", .op = '/', .a = "te", .b = "ee" },
	            { "tp", "threads", "pipepingpong", "ns_per_switch", "placement=same-core" },
	            { "ep", "epoll", "pipepingpong", "ns_per_switch", "placement=same-core" },
	            { .name = "rp", .op = '/', .a = "tp", .b = "ep" } },
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
	  .command = "build/concbench run --runtime threads,epoll,coro --workload pingpong,pipepingpong "
	             "--placement same-core,unpinned --reps 3",
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
	  .takeaway = "One waiting task cost {mt} as a thread, {mc} as a coroutine and {me} as an "
	          "epoll task, user and kernel memory together (C4's memory per connection is "
	          "user memory only, so it is smaller).",
	  .why = "A thread carries a kernel stack, a task struct and the touched pages of its "
	          "own stack; a coroutine its own smaller stack; an epoll task only the struct "
	          "that holds its state.",
	  .caveat_vm = "",
	  .caveat_cpu = "",
	  .sources = "blandy-2021",
	  .agree = "Blandy measured about 20 KiB per thread, kernel included, against a few "
	          "hundred bytes per async task; this run {agrees}: a thread here is {vs_t} his "
	          "figure.",
	  .predict = "How many MiB will 10,000 waiting threads take, and 10,000 epoll tasks?",
	  .figs = { { "mt", "threads", "sleep", "mem_per_task" },
	            { "mc", "coro", "sleep", "mem_per_task" },
	            { "me", "epoll", "sleep", "mem_per_task" },
	            { .name = "vs_t", .op = 'l', .a = "mt", .lit = 20 } },
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
	  .command = "build/concbench run --runtime threads,epoll,coro --workload sleep --set "
	             "tasks=1000,5000,10000 --reps 3",
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
	  .takeaway = "One loop per core served {eN} at {eN@conns} connections, one loop {e1} ({r1}) "
	          "and threads {t}.",
	  .why = "Loops that share nothing scale with cores, but only when there are cores to "
	          "spread over: the server here had {server_cpus}.",
	  .caveat_vm = "",
	  .caveat_cpu = "With one server CPU the loops take turns on it: this run cannot show "
	          "thread-per-core's gain; a machine with 3 or more CPUs can.",
	  .sources = "tokio-scheduler,kegel-c10k",
	  .agree = "Tokio's write-up finds one loop per core fast on even load and work stealing "
	          "better on uneven load; this run {agrees}, with {r1} from a second loop.",
	  .predict = "With one loop per core on a machine where the server has only one core, what "
	          "speed-up do you expect?",
	  .figs = { { "eN", "epoll", "echo", "throughput_rps", "loops=max;conns=max;load_pct=min" },
	            { "e1", "epoll", "echo", "throughput_rps", "loops=1;conns=@eN;load_pct=min" },
	            { "t", "threads", "echo", "throughput_rps", "conns=@eN;load_pct=min" },
	            { .name = "r1", .op = '/', .a = "eN", .b = "e1" } },
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
	  .command = "build/concbench run --runtime threads,epoll --workload echo --set loops=1,2 --set "
	             "conns=10,100,1000 --set requests=100 --reps 3",
	  .rule = h_rule_c8,
	  .words = "At the largest conns of echo (else http) with epoll loops ≥ 2, epoll loops=1 "
	           "and threads: loops=N at least {win}× both: holds; at most {lose}× both: does "
	           "not hold; otherwise depends. When the server had fewer than 2 CPUs (the load "
	           "generator takes another), no data: the loops shared one CPU.",
	  .thr = { { "win", H_C8_WIN },
	           { "lose", H_C8_LOSE, H_THR_ONE_DP } } },
	{
	  .id = "C9",
	  .takeaway = "While {el@tasks} readers waited on the disk, a timer due every "
	          "{el@timer_us:us} was {el} late (p99) on epoll and {tl} on threads ({r} as late "
	          "on epoll).",
	  .why = "epoll cannot wait on a regular file, so the loop's one thread blocks in read() "
	          "and nothing else on it runs; a thread per reader blocks only itself.",
	  .caveat_vm = "On a virtual machine the host may serve the disk from its own cache, so reads "
	          "(and stalls) are shorter than a real disk's.",
	  .caveat_cpu = "",
	  .sources = "kegel-c10k",
	  .agree = "Kegel's C10K page notes that readiness notification does not cover disk files; "
	          "this run {agrees}: the loop's timer was {r} as late as threads'.",
	  .predict = "While a reader waits on the disk, how late will a 100 µs timer on the same "
	          "event loop be?",
	  .figs = { { "tl", "threads", "file", "timer_late_p99_us", "direct=1;tasks=max" },
	            { "el", "epoll", "file", "timer_late_p99_us", "direct=1;tasks=max" },
	            { .name = "r", .op = '/', .a = "el", .b = "tl" } },
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
	  .command = "build/concbench run --runtime all --workload file --set direct=1 --set "
	             "block_kib=4 --set timer_us=100 --reps 3",
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
	  .takeaway = "With tasks of {psm@work} iterations a pool did {psm} and a thread per task "
	          "{tsm} ({rsm}); at {plg@work} iterations a task, {plg} against {tlg}.",
	  .why = "Creating and joining a thread costs tens of µs, which dwarfs a small task; a "
	          "pool's workers are made once and only take the next task from a queue.",
	  .caveat_vm = "",
	  .caveat_cpu = "",
	  .sources = "bendersky-servers",
	  .agree = "Bendersky's servers series recommends a pool over a thread per task once tasks "
	          "are short; this run {agrees}: {rsm} at the smallest task.",
	  .predict = "At what task size (iterations) will a thread per task reach half the machine's "
	          "speed?",
	  .figs = { { "tsm", "threads", "cpu", "iters_per_us", "work=min" },
	            { "psm", "pool", "cpu", "iters_per_us", "work=min" },
	            { .name = "rsm", .op = '/', .a = "psm", .b = "tsm" },
	            { "tlg", "threads", "cpu", "iters_per_us", "work=max" },
	            { "plg", "pool", "cpu", "iters_per_us", "work=max" } },
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
	  .command = "build/concbench run --runtime threads,pool,epoll --workload cpu --set "
	             "work=100,1000,10000,100000,1000000 --reps 3",
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
	  .takeaway = "A hand-written switch cost {c}, glibc's swapcontext {u} ({r} as much).",
	  .why = "swapcontext saves and restores the signal mask with a system call on every "
	          "switch; the assembly switch saves a few registers and jumps.",
	  .caveat_vm = "",
	  .caveat_cpu = "",
	  .sources = "boost-context",
	  .agree = "Boost.Context's documentation gives 9 ns against 547 ns; this run {agrees}: "
	          "coro is {vs_c} their 9 ns, swapcontext {vs_u} their 547 ns.",
	  .predict = "How many times slower than a hand-written switch is swapcontext?",
	  .figs = { { "c", "coro", "pingpong", "ns_per_switch", "placement=same-core" },
	            { "u", "coro-ucontext", "pingpong", "ns_per_switch", "placement=same-core" },
	            { .name = "r", .op = '/', .a = "u", .b = "c" },
	            { .name = "vs_c", .op = 'l', .a = "c", .lit = 9 },
	            { .name = "vs_u", .op = 'l', .a = "u", .lit = 547 } },
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
	  .command = "build/concbench run --runtime coro,coro-ucontext --workload pingpong --placement "
	             "same-core --reps 3",
	  .rule = h_rule_c11,
	  .words = "pingpong ns per switch at one placement (same-core when measured): coro ≤ "
	           "{switch} ns and coro-ucontext ≥ {ratio}× coro: holds; coro-ucontext < {not}× "
	           "coro: does not hold; otherwise depends.",
	  .thr = { { "switch", H_C11_CORO_MAX_NS },
	           { "ratio", H_C11_RATIO },
	           { "not", H_C11_NOT_RATIO } } },
	{
	  .id = "C12",
	  .takeaway = "With {pN@conns} connections on a pool of one worker per server CPU "
	          "({server_cpus} here), p99 went from {p1} at {p1@conns} connection to {pN}, and "
	          "{sN} got no answer in the window.",
	  .why = "A worker is held by one connection for as long as it stays open, so the others "
	          "wait for a free worker; two tasks that wait for each other on one worker never "
	          "both run: a deadlock.",
	  .caveat_vm = "",
	  .caveat_cpu = "",
	  .sources = "bendersky-servers,tokio-scheduler",
	  .agree = "Bendersky's servers series shows a fixed pool capping concurrent clients, and "
	          "Tokio keeps blocking work off its workers for this reason; this run {agrees}.",
	  .predict = "A pool of one worker per CPU serves 1,000 connections: how many of them get an "
	          "answer in one second?",
	  .figs = { { "p1", "pool", "echo", "p99_us", "conns=min;load_pct=min" },
	            { "pN", "pool", "echo", "p99_us", "conns=max;load_pct=min" },
	            { "sN", "pool", "echo", "conns_starved", "conns=max;load_pct=min" } },
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
	  .command = "build/concbench run --runtime pool --workload echo,pingpong --set workers=1 --set "
	             "conns=1,8 --reps 3",
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
	  .takeaway = "On skewed task sizes steal did {ss} of cpu work, one epoll loop per CPU "
	          "{es}; on even sizes steal {s0} and the loops {e0}.",
	  .why = "With one loop per CPU a task stays on the loop it was given, so the loop that "
	          "drew the long tasks works on while the other sits idle; an idle stealing worker "
	          "takes half of a busy one's queue. With even sizes there is nothing to take.",
	  .caveat_vm = "On a virtual machine a steal is a wake-up across CPUs, dearer than on "
	          "bare metal.",
	  .caveat_cpu = "",
	  .sources = "tokio-scheduler",
	  .agree = "Tokio's scheduler write-up credits work stealing for keeping every worker busy "
	          "under uneven load; this run {agrees}.",
	  .predict = "Half the CPU work lands on one of two loops: how much sooner does a "
	          "stealing scheduler finish?",
	  .figs = { { "ss", "steal", "cpu", "iters_per_us", "skew=max" },
	            { "es", "epoll", "cpu", "iters_per_us", "skew=max;loops=max" },
	            { "s0", "steal", "cpu", "iters_per_us", "skew=min" },
	            { "e0", "epoll", "cpu", "iters_per_us", "skew=min;loops=max" } },
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
	                "the cell's CPU time (wall × CPUs) its threads did not run. Skewed connections: "
	                "echo with `hot_pct`=10 of the connections sending `hot_x`=20 times the "
	                "requests of the others, the server on every CPU (its client sharing them), "
	                "on steal and epoll loops=2.",
	  .workloads = "cpu",
	  .charts = "skew_cpu",
	  .refs = "The Tokio scheduler write-up (2019): the work-stealing scheduler made Hyper's "
	          "benchmark 34% faster.",
	  .note = "cpu has no per-task latency, so no p99; the skewed connections (echo) give "
	          "the p99 and the fairness beside the throughput. http is not skewed in this "
	          "suite: its server does the same per request as echo's.",
	  .command = "build/concbench run --runtime steal,epoll,pool,threads --workload cpu --set "
	             "loops=2 --set workers=2 --set tasks=256 --set work=50000 --set skew=0,2 "
	             "--reps 3",
	  .rule = h_rule_c13,
	  .words = "cpu makespan at the same tasks, work and seed, at equal CPUs (steal's workers "
	           "and epoll's loops=N keep the same number of CPUs busy, at least 2): on skewed "
	           "sizes (the largest skew) the loops' makespan is at least {skew}× steal's, and "
	           "on even sizes (skew=0: every task the same) at most {even}× steal's: holds; neither: does not hold; "
	           "one: depends on the load. Where the run has skewed echo (hot_pct > 0) at equal "
	           "CPUs, the skewed side also needs steal's throughput at least {echo}× the "
	           "loops'. The pool and threads are shown beside them, not "
	           "judged. Fewer than 2 CPUs: no data, there is nothing to balance.",
	  .thr = { { "skew", H_C13_SKEW_WIN },
	           { "even", H_C13_EVEN_NEAR },
	           { "echo", H_C13_ECHO_KEEP } } },
	{
	  .id = "C14",
	  .takeaway = "At 100 echo connections the uring server set up by default spent {u} of "
	          "CPU per request, the epoll server {e}.",
	  .why = "epoll needs one system call to learn that a socket is ready and another to "
	          "read or write it; io_uring takes a batch of reads and writes in one call and "
	          "answers them in a shared ring, so fewer calls are made per request.",
	  .caveat_vm = "On a virtual machine a system call can cost several times more than on "
	          "bare metal, which widens the gap.",
	  .caveat_cpu = "",
	  .sources = "liburing,io-uring-setup",
	  .agree = "liburing's changelog credits multishot receive and batched submission with "
	          "fewer system calls per request; this run {agrees}.",
	  .predict = "Which spends less CPU per echo request at 100 connections: io_uring or epoll, "
	          "and by how much?",
	  /* seconds=max: the longest window at that point, the C14 part's in
	   * the standard suite, whose epoll row the verdict reads too (the
	   * connections part's shorter one would be another figure). */
	  .figs = { { "u", "uring", "echo", "server_cpu_us_per_request",
	              "conns=100;defer_taskrun=0;seconds=max" },
	            { "e", "epoll", "echo", "server_cpu_us_per_request",
	              "conns=100;loops=1;seconds=max" } },
	  .title = "io_uring against epoll",
	  .text = "On current kernels io_uring serves network I/O with fewer syscalls than epoll "
	          "(multishot accept and receive, batched submission), and so with less CPU per "
	          "request.",
	  .question = "Does a server on io_uring spend less CPU per request than the same server "
	              "on epoll, and does it serve more?",
	  .experiment = "echo (else http) at the same connections on uring and on epoll with the "
	                "same number of loops: throughput, the server's CPU time per request "
	                "(user + system, the load generator's left out), and syscalls per request "
	                "where the run counted them. uring runs twice: as set up by default and "
	                "with `defer_taskrun`=1.",
	  .workloads = "echo,http",
	  .charts = "conns_echo,conns_http",
	  .refs = "liburing's changelog and issues: multishot accept and receive, provided "
	          "buffers, batched submission, each to cut syscalls per request.",
	  .note = "Syscalls per request come from a counter on the raw_syscalls:sys_enter "
	          "tracepoint (perf_event_open, with tracefs mounted: the harness mounts none), "
	          "opened only with run --count-syscalls (the standard suite's C14 part) since it "
	          "slows every syscall; where it cannot be opened the CPU per request stands for "
	          "them. How the ring is set up matters as much as io_uring itself: by default the "
	          "kernel finishes a receive that found no data as task work at its next entry, "
	          "where on a busy socket it can spin on the socket's lock, while defer_taskrun=1 "
	          "sets IORING_SETUP_DEFER_TASKRUN (liburing's io_uring_setup(2) documents it, with "
	          "SINGLE_ISSUER) and that work waits until the server's thread asks for "
	          "completions, then runs there in one batch.",
	  .command = "build/concbench run --runtime uring,epoll --workload echo --set conns=100 "
	             "--set requests=0 --set seconds=2 --set defer_taskrun=0,1 --reps 3 "
	             "--order shuffle --count-syscalls",
	  .rule = h_rule_c14,
	  .words = "At the largest conns of echo (else http) where uring and epoll both ran with "
	           "the same loops, every uring configuration run there (its runtime parameters: "
	           "defer_taskrun, sqpoll, fixed_files) is shown, and the claim is judged on the "
	           "one with the least server CPU per request, named in the verdict with the "
	           "default's figure beside it when it is not the default: epoll's server CPU per "
	           "request at least {win}× that configuration's: holds; at most {lose}×: does not "
	           "hold; between: depends. Throughput, syscalls per request and p99 are shown "
	           "beside it, not judged (the load generator may be the limit). No uring rows "
	           "(io_uring unavailable: its cells are skipped): no data, with the reason.",
	  .thr = { { "win", H_C14_CPU_WIN },
	           { "lose", H_C14_CPU_LOSE, H_THR_ONE_DP } } },
	{
	  .id = "C15",
	  .takeaway = "At heavy_us={on@heavy_us} epoll's light requests waited {on} at the p99 with "
	          "the heavy step handed to the pool, {off} with it inline, against {b} with no "
	          "heavy work.",
	  .why = "Inline, the loop's one thread computes the heavy step and every other "
	          "connection waits for it; handed to the pool, the step runs on another thread "
	          "and the loop goes on serving. What the hand-off costs is a queue, a wake-up of a "
	          "pool thread and a wake-up of the loop when it is done.",
	  .caveat_vm = "",
	  .caveat_cpu = "The server had {server_cpus} CPU here beside its load generator: the "
	          "pool's thread and the loop share it, so the kernel time-slices them and the "
	          "offloaded step still takes the loop's CPU for a slice at a time (the cells "
	          "with the server on every CPU, where the run has them, are the ones judged).",
	  .sources = "tokio-spawn-blocking,libuv-threadpool",
	  .agree = "Tokio's spawn_blocking and libuv's uv_queue_work exist so that blocking or "
	          "heavy work does not hold up the executor's other tasks; this run {agrees}.",
	  .predict = "With a 10 ms step handed to a pool, how far does epoll's light-request p99 "
	          "stay from its p99 with no heavy work at all?",
	  .figs = { { "b", "epoll", "mixed", "light_p99_us", "heavy_us=0;offload=0;loops=1" },
	            { "on", "epoll", "mixed", "light_p99_us", "heavy_us=max;offload=1;loops=1" },
	            { "off", "epoll", "mixed", "light_p99_us", "heavy_us=max;offload=0;loops=1" } },
	  .title = "Offload: the cure for a blocked executor",
	  .text = "Handing blocking or heavy work to a separate pool (Tokio's spawn_blocking, "
	          "libuv's uv_queue_work) keeps the executor responsive — the cure for C3.",
	  .question = "When the heavy step goes to a pool of threads instead of running in the "
	              "step, do the light requests get their latency back, and what does the "
	              "hand-off cost?",
	  .experiment = "mixed, as C3 (open loop, the same heavy_us sweep), on the event loops "
	                "with `offload=1`: a /heavy request hands its work to the runtime's "
	                "blocking pool (RT_OFFLOAD: offload.c's threads, libuv's uv_queue_work on "
	                "uv) and is answered when it is done; the offload=0 cells are C3's. The "
	                "hand-off's cost is read at heavy_us=0, where the work is nothing. Then "
	                "both arms again with the server on every CPU, its client sharing them "
	                "(placement shared: run's --client-cpus naming every CPU), so the pool's "
	                "threads can run beside the loop.",
	  .workloads = "mixed",
	  .charts = "offload",
	  .refs = "",
	  .note = "The pool has `offload_threads` threads (4 by default, as libuv's "
	          "UV_THREADPOOL_SIZE). On a server with one CPU the pool's threads and the loop "
	          "share it, so the offloaded work still competes with the loop for the CPU; with "
	          "the server on every CPU the load generator shares them too, which a light "
	          "request's latency includes.",
	  .command = "build/concbench run --runtime epoll --workload mixed --set conns=20 --set "
	             "requests=0 --set seconds=2 --set rate=1000 --set heavy_every=50 --set "
	             "heavy_us=0,10000 --set offload=0,1 --reps 3",
	  .rule = h_rule_c15,
	  .words = "For each single executor with mixed rows both inline (offload=0) and "
	           "offloaded (offload=1), at the largest heavy_us > 0 both ran: each arm's "
	           "light-request p99 over its heavy_us=0 baseline. Offloaded at most {near}× "
	           "while inline more: holds; offloaded still over {near}×: does not hold; "
	           "inline within {near}× too: depends on the load (nothing to cure). The claim "
	           "is about a pool on other CPUs than the loop's, so it is judged on the cells "
	           "with the server on every CPU (placement shared, 2 or more; the baseline "
	           "heavy_us=0 inline) when the run has them; the cells with the server on one "
	           "CPU (the load generator on the other) stand beside as what time slicing "
	           "leaves. A run without the shared cells is judged on the others, and on a "
	           "server with one CPU, which the pool's thread shares with the loop: depends on "
	           "cores; the 2-CPU arm is then no data, with the reason. The hand-off's cost (a "
	           "heavy request's p50 at heavy_us=0, offload=1 less inline) and CPU per request "
	           "are shown, not judged.",
	  .thr = { { "near", H_C15_NEAR } } },
	{
	  .id = "C16",
	  .takeaway = "Creating a task cost {t} as a thread and {e} on epoll, at {t@tasks} tasks.",
	  .why = "A thread is a kernel object with its own stack mapped and a clone() system call "
	          "to make it; an async task is a small allocation the runtime links into its "
	          "queue, with no system call.",
	  .caveat_vm = "",
	  .caveat_cpu = "",
	  .sources = "blandy-2021",
	  .agree = "Blandy measured about 17 µs per thread against 0.3 µs per async task; this run "
	          "{agrees}.",
	  .predict = "How many async tasks can be created in the time one thread takes to start?",
	  .figs = { { "t", "threads", "sleep", "create_ns_per_task", "tasks=max" },
	            { "e", "epoll", "sleep", "create_ns_per_task", "tasks=max" } },
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
	  .command = "build/concbench run --runtime threads,epoll,coro,steal,uv --workload sleep "
	             "--set tasks=100,1000 --set ms=10 --reps 3",
	  .rule = h_rule_c16,
	  .words = "create_ns_per_task on sleep at the largest task count threads and an async "
	           "runtime share: threads at least {thread} µs per task and the cheapest async "
	           "runtime at most {async} µs: holds; threads no dearer than that async "
	           "runtime: does not hold; otherwise depends. Every runtime's figure at each "
	           "task count is shown.",
	  .thr = { { "thread", H_C16_THREAD_MIN_US },
	           { "async", H_C16_ASYNC_MAX_US } } },
};

/* The words the report uses that a second-year student may not know, each
 * defined once in plain words; the report links each one's first use. */
const struct h_gloss h_glossary[] = {
	{ "executor", "single executor", "single executor|single executors",
	  "one thread that runs many tasks' steps one after another (an event loop, a coroutine "
	  "scheduler); while one step runs, nothing else on that thread does." },
	{ "inline", "steps run inline", "steps run inline|inline",
	  "a task's computation runs on the executor's own thread between its waits, not "
	  "handed to another thread." },
	{ "park", "park", "park|parks|parked",
	  "to set a waiting task aside, holding no thread, until what it waits for is ready." },
	{ "futex", "futex", "futex|futexes",
	  "the Linux system call threads sleep on and are woken through (a fast user-space "
	  "mutex); each wake-up passes through the kernel's scheduler." },
	{ "switch", "context switch", "context switch|context switches|switch|switches",
	  "the CPU leaving one task for another; between threads the kernel saves one's "
	  "registers and picks the next, between coroutines the program does it itself." },
	{ "eventloop", "event loop", "event loop|event loops|loop|loops",
	  "one thread that asks the kernel which of many sockets are ready (epoll) and runs "
	  "the tasks waiting on them." },
	{ "coroutine", "coroutine", "coroutine|coroutines|coroutine loop",
	  "a task with a small stack of its own that a scheduler switches to and from in user "
	  "space, without the kernel." },
	{ "pu", "PU", "PU|PUs",
	  "processing unit: what the operating system counts as one CPU (a core, or one "
	  "hardware thread of it)." },
	{ "percentile", "p99 (percentile)", "p99|p50|p999|percentile",
	  "p99 is the latency 99 requests in 100 stay under: the slowest 1 in 100 takes longer. "
	  "p50 is the median." },
	{ "placement", "placement", "placement",
	  "where the two tasks of a switch test run: same-core (one CPU), cross-core (two) or "
	  "unpinned." },
	{ "unpinned", "unpinned", "unpinned",
	  "bound to no CPU: the kernel's scheduler places the thread and may move it." },
	{ "cov", "CoV", "CoV|coefficient of variation",
	  "coefficient of variation: the spread of the repetitions (standard deviation over "
	  "mean); over 10% a figure is marked noisy." },
	{ "metg", "METG", "METG|50% efficiency",
	  "minimum effective task granularity: the smallest task a model runs at 50% "
	  "efficiency (C10)." },
	{ "closed", "closed loop", "closed loop|closed-loop",
	  "each connection sends its next request only when the answer to the last one "
	  "arrived, so the server's speed sets the load." },
	{ "open", "open loop", "open loop|open-loop",
	  "requests leave on a schedule (random, Poisson arrivals at a set rate) whatever the "
	  "server does; latency counts from the planned send time." },
	{ "steady", "steady state", "steady state|steady-state",
	  "measured after every connection is up and a warm-up has passed, over a fixed "
	  "window." },
	{ "rss", "RSS", "RSS",
	  "resident set size: a process's pages in memory; it leaves out the kernel's memory "
	  "for it (a thread's kernel stack)." },
	{ "clientlimited", "client-limited", "client-limited",
	  "the load generator was over 80% busy, so the figure may be the client's limit, not "
	  "the server's." },
	{ "ci", "95% interval", "95% interval",
	  "the range that holds the true median with 95% confidence, from the repetitions "
	  "(bootstrap)." },
	{ "vm", "virtual machine", "virtual machine",
	  "an operating system running on a hypervisor that shares the real machine; "
	  "interrupts and wake-ups across CPUs pass through it." },
};
const int h_nglossary = sizeof h_glossary / sizeof h_glossary[0];

/* The literature the claims are set against, cited by name, linked. */
const struct h_source h_sources[] = {
	{ "bendersky-2018", "Eli Bendersky, Measuring context switching and memory overheads "
	                    "for Linux threads (2018)",
	  "https://eli.thegreenplace.net/2018/"
	  "measuring-context-switching-and-memory-overheads-for-linux-threads/" },
	{ "bendersky-servers", "Eli Bendersky, Concurrent servers (a series, 2017–2018)",
	  "https://eli.thegreenplace.net/2017/concurrent-servers-part-1-introduction/" },
	{ "blandy-2021", "Jim Blandy, context-switch (2021)",
	  "https://github.com/jimblandy/context-switch" },
	{ "kegel-c10k", "Dan Kegel, The C10K problem", "http://www.kegel.com/c10k.html" },
	{ "tokio-scheduler", "Carl Lerche, Making the Tokio scheduler 10x faster (2019)",
	  "https://tokio.rs/blog/2019-10-scheduler" },
	{ "boost-context", "Boost.Context documentation, Performance",
	  "https://www.boost.org/doc/libs/release/libs/context/doc/html/context/performance.html" },
	{ "tokio-spawn-blocking", "Tokio documentation, tokio::task::spawn_blocking",
	  "https://docs.rs/tokio/latest/tokio/task/fn.spawn_blocking.html" },
	{ "libuv-threadpool", "libuv documentation, Thread pool work scheduling",
	  "https://docs.libuv.org/en/v1.x/threadpool.html" },
	{ "liburing", "Jens Axboe, liburing: changelog and issues (multishot, provided buffers)",
	  "https://github.com/axboe/liburing" },
	{ "io-uring-setup", "liburing, io_uring_setup(2): IORING_SETUP_DEFER_TASKRUN",
	  "https://github.com/axboe/liburing/blob/master/man/io_uring_setup.2" },
	{ NULL, NULL, NULL },
};

const struct h_source *h_source_find(const char *id)
{
	for (const struct h_source *s = h_sources; s->id; s++)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

/* What a parameter's special value means, where its digits would mislead
 * ("workers=0" reads as no workers). */
const struct h_param_meaning h_param_meanings[] = {
	{ "workers", "0", "one worker per CPU the cell had: {cpus} here, 1 when pinned to one core" },
	{ "stack_kib", "0", "glibc's default stack, {stack} reserved (RLIMIT_STACK; only touched "
	                    "pages take memory)" },
	{ "requests", "0", "closed loop for {seconds} s after a {warmup_ms} ms warm-up" },
	{ "rate", "0", "no set rate: closed loop" },
	{ "port", "0", "a free port the kernel picks" },
	{ "load_pct", "0", "the closed loop's own capacity" },
	{ "skew", "0", "every task the same size" },
	{ "stack_touch", "0", "stacks left untouched" },
	{ "seconds", "0", "until the requests are done" },
	{ "heavy_us", "0", "no heavy requests (the baseline)" },
	{ "guard", "1", "a guard page under each stack" },
	{ "guard", "0", "no guard page" },
	{ "cold", "0", "from the page cache" },
	{ "cold", "1", "page cache dropped first" },
	{ "direct", "0", "through the page cache" },
	{ "direct", "1", "O_DIRECT: every read reaches the device" },
	{ "loops", "1", "one loop" },
	{ NULL, NULL, NULL },
};

const struct h_claim *h_claim_find(const char *id)
{
	for (size_t k = 0; k < H_NCLAIMS; k++)
		if (h_claims[k].id && !strcmp(h_claims[k].id, id))
			return &h_claims[k];
	return NULL;
}

int h_claims_runtime(const char *runtime)
{
	static const char *const five[] = { "threads", "pool", "epoll", "coro", "coro-ucontext" };
	for (size_t i = 0; i < sizeof five / sizeof five[0]; i++)
		if (!strcmp(runtime, five[i]))
			return 1;
	return 0;
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
