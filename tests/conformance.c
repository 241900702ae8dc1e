/* conformance RUNTIME WORKLOAD [KEY=VALUE] — runs the workload on the runtime in this
 * process with small parameters and checks its checksum against a reference
 * computed here independently of any runtime, plus the sanity of its
 * metrics. KEY=VALUE sets one runtime parameter (epoll loops=2); with more
 * than one shard, cpu must give every shard tasks (C1 compares a loop per
 * CPU with the pool). `conformance --registry RTS WLS` checks that the CMake lists of
 * runtimes and workloads name exactly the registered ones.
 *
 * The server workloads (echo, http, mixed) need a client: a thread per
 * connection of the workload's load() description, with plain blocking
 * sockets, does exactly `requests` requests and checks every answer, then
 * closes, which ends the run. (tests/unit_servers.c covers bad input.) */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness/measure/measure.h"
#include "workloads/net.h"

#include "tests/check.h"

/* Reference checksums: the same arithmetic as the workloads, written out
 * sequentially, with no runtime involved. */
static uint64_t ref_cpu(int64_t tasks, int64_t work)
{
	uint64_t sum = 0;
	for (int64_t t = 0; t < tasks; t++) {
		uint64_t x = wl_mix64((uint64_t)t + 1);
		for (int64_t i = 0; i < work; i++)
			x = wl_mix64(x + (uint64_t)i);
		sum += x;
	}
	return sum;
}

static uint64_t ref_sleep(int64_t tasks)
{
	uint64_t sum = 0;
	for (int64_t t = 0; t < tasks; t++)
		sum += wl_mix64((uint64_t)t);
	return sum ^ (uint64_t)tasks;
}

static uint64_t ref_pingpong(int64_t rounds)
{
	uint64_t tok = 0x9e3779b97f4a7c15ull;
	for (int64_t r = 1; r <= rounds; r++) {
		tok = wl_mix64(tok + 1);               /* pong returns it */
		tok = wl_mix64(tok ^ (uint64_t)r);     /* ping receives it */
	}
	return tok ^ (uint64_t)rounds;
}

/* pipepingpong transforms its token exactly as pingpong does. */
#define ref_pipepingpong ref_pingpong

/* file: word i of the file is mix64(i + 1); the checksum is the sum of the
 * words plus the bytes read. */
static uint64_t ref_file(int64_t mib)
{
	uint64_t words = (uint64_t)mib << 17, sum = 0;
	for (uint64_t i = 0; i < words; i++)
		sum += wl_mix64(i + 1);
	return sum + ((uint64_t)mib << 20);
}

/* file direct=1: task i's k-th read is of block mix64(seed + (i << 32) + k)
 * mod the whole blocks, each task making its share of them in reads; the
 * same sum of words plus bytes, over those blocks. */
static uint64_t ref_file_direct(int64_t mib, int64_t block_kib, int64_t tasks)
{
	uint64_t bw = (uint64_t)block_kib * 128, nblk = ((uint64_t)mib << 20) / (bw * 8);
	uint64_t sum = 0, bytes = 0;
	for (uint64_t i = 0; i < (uint64_t)tasks; i++) {
		uint64_t n = nblk * (i + 1) / (uint64_t)tasks - nblk * i / (uint64_t)tasks;
		for (uint64_t k = 0; k < n; k++) {
			uint64_t b = wl_mix64(0x5eedf11eull + (i << 32) + k) % nblk;
			for (uint64_t w = 0; w < bw; w++)
				sum += wl_mix64(b * bw + w + 1);
			bytes += bw * 8;
		}
	}
	return sum + bytes;
}

/* The servers' checksums from what the client does (see echo.c, http.c). */
static uint64_t ref_echo(int64_t conns, int64_t requests, int64_t msg)
{
	return wl_mix64((uint64_t)(conns * requests * msg)) + (uint64_t)conns;
}

static uint64_t ref_http(int64_t conns, int64_t requests, int64_t heavy_every)
{
	uint64_t served = (uint64_t)(conns * requests);
	uint64_t heavy = heavy_every ? (uint64_t)(conns * (requests / heavy_every)) : 0;
	return wl_mix64(served ^ (heavy << 32)) + (uint64_t)conns;
}

/* ---- the client of the server workloads ---------------------------------- */

struct client {
	const struct wl_load *l;
	int id;
};

static void *client_conn(void *arg)
{
	const struct client *c = arg;
	const struct wl_load *l = c->l;
	int fd = t_dial(l->port, 20);
	size_t cap = l->proto == WL_PROTO_ECHO ? (size_t)l->msg_bytes : 256;
	char *out = malloc(cap), *in = malloc(cap), want[WL_HTTP_RESP_MAX];
	if (!out || !in)
		FAIL("malloc");
	for (int64_t r = 0; r < l->requests; r++) {
		size_t n, wn;
		if (l->proto == WL_PROTO_ECHO) {
			n = wn = cap;
			for (size_t i = 0; i < n; i++)
				out[i] = (char)wl_mix64((uint64_t)c->id << 40 ^ (uint64_t)r << 20 ^ i);
		} else {
			int heavy = l->heavy_every && (r + 1) % l->heavy_every == 0;
			n = (size_t)snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n",
			                     heavy ? "/heavy" : "/plaintext");
			struct wl_http_req req;
			if (wl_http_parse(out, n, &req) != 1)
				FAIL("client request does not parse");
			wn = wl_http_response(want, 200, &req);
		}
		t_send(fd, out, n);
		t_recv(fd, in, wn);
		if (memcmp(in, l->proto == WL_PROTO_ECHO ? out : want, wn) != 0)
			FAIL("client %d: answer %lld differs", c->id, (long long)r);
	}
	close(fd);
	free(out);
	free(in);
	return NULL;
}

static void *client_main(void *arg)
{
	const struct wl_load *l = arg;
	pthread_t tid[64];
	struct client c[64];
	if (l->conns > 64)
		FAIL("conformance client: at most 64 connections");
	for (int i = 0; i < l->conns; i++) {
		c[i] = (struct client){ l, i };
		if (pthread_create(&tid[i], NULL, client_conn, &c[i]))
			FAIL("pthread_create");
	}
	for (int i = 0; i < l->conns; i++)
		pthread_join(tid[i], NULL);
	return NULL;
}

/* Spawns by shard: the runtime's spawn, counting t->shard % shards. */
static const struct runtime *real_rt;
static int nshards;
static uint64_t per_shard[64];

static int counting_spawn(struct rt *rt, struct rt_task *t)
{
	if (nshards > 0)
		per_shard[(t->shard > 0 ? t->shard : 0) % nshards]++;
	return real_rt->spawn(rt, t);
}

static int in_list(const char *csv, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = csv; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static int check_registry(const char *rts, const char *wls)
{
	int nrt = 0, nwl = 0;
	for (const struct runtime *const *r = rt_registry; *r; r++, nrt++)
		if (!in_list(rts, (*r)->name))
			FAIL("runtime %s is registered but tests/CMakeLists.txt does not test it", (*r)->name);
	for (const struct workload *const *w = wl_registry; *w; w++, nwl++) {
		if (!in_list(wls, (*w)->name))
			FAIL("workload %s is registered but tests/CMakeLists.txt does not test it", (*w)->name);
		/* serve calls stop() on every server it runs. */
		if ((*w)->load && !(*w)->stop)
			FAIL("workload %s is a server (load) without stop", (*w)->name);
	}
	int listed_rt = 1, listed_wl = 1;
	for (const char *p = rts; (p = strchr(p, ',')); p++)
		listed_rt++;
	for (const char *p = wls; (p = strchr(p, ',')); p++)
		listed_wl++;
	if (listed_rt != nrt || listed_wl != nwl)
		FAIL("CMake lists %d runtimes and %d workloads, the registries %d and %d",
		     listed_rt, listed_wl, nrt, nwl);
	printf("registry: %d runtimes, %d workloads\n", nrt, nwl);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--registry") == 0)
		return check_registry(argv[2], argv[3]);
	if (argc != 3 && argc != 4)
		FAIL("usage: conformance RUNTIME WORKLOAD [KEY=VALUE] | RUNTIME file direct | "
		     "--registry RTS WLS");
	/* A third argument "direct" runs file with direct=1; any other is
	 * KEY=VALUE of a runtime parameter. */
	int direct = argc == 4 && strcmp(argv[2], "file") == 0 && strcmp(argv[3], "direct") == 0;
	const struct runtime *rto = rt_find(argv[1]);
	const struct workload *wl = wl_find(argv[2]);
	if (!rto || !wl)
		FAIL("unknown runtime or workload");

	int cpus[CPU_SETSIZE], ncpus = t_allowed_cpus(cpus, CPU_SETSIZE);
	char rt_why[160] = "";
	struct rt_env env = { .ncpus = ncpus, .cpus = cpus, .why = rt_why, .why_len = sizeof rt_why };

	int64_t rp[32], wp[32];
	t_param_defaults(rto->params, rp);
	t_param_defaults(wl->params, wp);
	/* KEY=VALUE: a runtime's parameter, else the workload's (set below,
	 * after the workload's own test values). */
	char wkey[64] = "";
	int64_t wval = 0;
	if (argc == 4 && !direct) {
		const char *eq = strchr(argv[3], '=');
		if (!eq)
			FAIL("%s: not KEY=VALUE", argv[3]);
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)(eq - argv[3]), argv[3]);
		int rtkey = 0;
		for (const struct cb_param *p = rto->params; p->name; p++)
			rtkey |= strcmp(p->name, key) == 0;
		if (rtkey) {
			t_param_set(rto->params, rp, key, strtoll(eq + 1, NULL, 10));
		} else {
			snprintf(wkey, sizeof wkey, "%s", key);
			wval = strtoll(eq + 1, NULL, 10);
		}
	}
	/* A runtime whose fixed threads block in their tasks' waits (pool,
	 * omp) runs at most that many tasks at once: its traits say so. */
	int capped = rto->cpus == RT_CPUS_PARAM && rto->switches == RT_SWITCH_KERNEL;
	uint64_t want;
	if (strcmp(wl->name, "cpu") == 0) {
		t_param_set(wl->params, wp, "tasks", 16);
		t_param_set(wl->params, wp, "work", 5000);
		want = ref_cpu(16, 5000);
	} else if (strcmp(wl->name, "sleep") == 0) {
		/* Long enough that starting 200 threads (slow under ASan) ends
		 * before the first wakes; the pool runs two at a time, so it gets
		 * a short sleep to keep the test quick. */
		t_param_set(wl->params, wp, "tasks", 200);
		t_param_set(wl->params, wp, "ms", capped ? 10 : 300);
		want = ref_sleep(200);
	} else if (strcmp(wl->name, "pingpong") == 0) {
		t_param_set(wl->params, wp, "rounds", 20000);
		want = ref_pingpong(20000);
	} else if (strcmp(wl->name, "pipepingpong") == 0) {
		t_param_set(wl->params, wp, "rounds", 20000);
		want = ref_pipepingpong(20000);
	} else if (strcmp(wl->name, "file") == 0) {
		t_param_set(wl->params, wp, "file_mib", 4);
		t_param_set(wl->params, wp, "block_kib", 64);
		t_param_set(wl->params, wp, "tasks", 8);
		want = ref_file(4);
		if (direct) {
			t_param_set(wl->params, wp, "block_kib", 16);
			t_param_set(wl->params, wp, "direct", 1);
			want = ref_file_direct(4, 16, 8);
		}
	} else if (strcmp(wl->name, "echo") == 0) {
		t_param_set(wl->params, wp, "conns", 4);
		t_param_set(wl->params, wp, "requests", 200);
		t_param_set(wl->params, wp, "msg_bytes", 100);
		want = ref_echo(4, 200, 100);
	} else if (strcmp(wl->name, "http") == 0) {
		t_param_set(wl->params, wp, "conns", 4);
		t_param_set(wl->params, wp, "requests", 200);
		want = ref_http(4, 200, 0);
	} else if (strcmp(wl->name, "mixed") == 0) {
		t_param_set(wl->params, wp, "conns", 4);
		t_param_set(wl->params, wp, "requests", 200);
		t_param_set(wl->params, wp, "heavy_every", 10);
		t_param_set(wl->params, wp, "heavy_us", 200);
		want = ref_http(4, 200, 10);
	} else {
		FAIL("no reference for workload %s: add one here", wl->name);
	}
	if (wkey[0]) /* same work, so the same reference (mixed or file offload=1) */
		t_param_set(wl->params, wp, wkey, wval);
	/* pipepingpong needs both sides running at once: a pool of one worker
	 * (one CPU) refuses it in setup, which is the documented answer. */
	if (strcmp(wl->name, "pipepingpong") == 0 && capped && ncpus < 2) {
		printf("%s with one worker cannot run pipepingpong: skipped\n", rto->name);
		return 77;
	}

	struct rt *rt;
	int err = rto->create(&rt, &env, rp);
	if (err == RT_UNAVAILABLE && rt_why[0]) {
		printf("%s: %s: skipped\n", rto->name, rt_why);
		return 77;
	}
	if (err)
		FAIL("%s: create: %s", rto->name, strerror(-err));
	/* Count the workload's spawns by shard through a copy of the ops. */
	static struct runtime counted;
	counted = *rto;
	counted.spawn = counting_spawn;
	real_rt = rto;
	nshards = rt->shards > 1 && rt->shards <= 64 ? rt->shards : 0;
	rt->ops = &counted;
	void *st = NULL;
	char why[160] = "";
	struct wl_env wenv = { .cpu_a = -1, .cpu_b = -1, .why = why, .why_len = sizeof why };
	err = wl->setup(&st, rt, wp, &wenv);
	if (err)
		FAIL("%s/%s: setup: %s", rto->name, wl->name, why[0] ? why : strerror(-err));
	struct wl_load load;
	pthread_t client;
	if (wl->load) {
		wl->load(st, &load);
		if (load.conns != wp[1] || load.requests != wp[2] || load.port <= 0)
			FAIL("%s: load() conns %d requests %lld port %d", wl->name, load.conns,
			     (long long)load.requests, load.port);
		if (pthread_create(&client, NULL, client_main, &load))
			FAIL("pthread_create");
	}
	uint64_t t0 = wl_now_ns();
	err = rto->run(rt);
	uint64_t wall = wl_now_ns() - t0;
	if (wl->load)
		pthread_join(client, NULL);
	if (err)
		FAIL("%s/%s: run: %s", rto->name, wl->name, strerror(-err));
	struct wl_report rep;
	memset(&rep, 0, sizeof rep);
	wl->finish(st, &rep);
	struct rt_stats stats;
	memset(&stats, 0, sizeof stats);
	rto->stats(rt, &stats);
	wl->teardown(st, rt);
	rto->destroy(rt);

	if (rep.error[0])
		FAIL("workload error: %s", rep.error);
	if (rep.checksum != want)
		FAIL("%s/%s: checksum 0x%016llx, reference 0x%016llx", rto->name, wl->name,
		     (unsigned long long)rep.checksum, (unsigned long long)want);
	if (stats.completed != stats.spawned || stats.spawned == 0)
		FAIL("stats: spawned %llu completed %llu", (unsigned long long)stats.spawned,
		     (unsigned long long)stats.completed);

	if (strcmp(wl->name, "cpu") == 0) {
		if (stats.spawned != 16)
			FAIL("cpu spawned %llu tasks, want 16", (unsigned long long)stats.spawned);
		if (!(t_metric(&rep, "iters_per_us") > 0))
			FAIL("iters_per_us not positive");
		/* Task i on shard i: every loop gets its share. */
		if (argc == 4 && nshards < 2)
			FAIL("%s: %s gave one shard", rto->name, argv[3]);
		for (int i = 0; i < nshards; i++)
			if (per_shard[i] != 16 / (uint64_t)nshards + (i < 16 % nshards))
				FAIL("cpu: loop %d of %d got %llu tasks of 16", i, nshards,
				     (unsigned long long)per_shard[i]);
	} else if (strcmp(wl->name, "sleep") == 0) {
		double el = t_metric(&rep, "elapsed_ms");
		if (el < (double)wp[1])
			FAIL("slept %.1f ms, less than the %lld ms asked", el, (long long)wp[1]);
		/* Every task waits at once, except on the pool, whose model caps
		 * concurrency at its workers (one per CPU by default). */
		double peak = t_metric(&rep, "peak_waiting");
		if (capped ? !(peak >= 1 && peak <= ncpus) : peak != 200)
			FAIL("peak_waiting %.0f: want %s", peak, capped ? "at most the workers" : "all 200");
		if (!capped) {
			double m = t_metric(&rep, "mem_per_task_kib");
			if (!(m >= 0 && m < 100000))
				FAIL("mem_per_task_kib %.3f not sane", m);
		}
	} else if (strcmp(wl->name, "pingpong") == 0 || strcmp(wl->name, "pipepingpong") == 0) {
		double ns = t_metric(&rep, "ns_per_switch");
		if (!(ns > 0 && ns * 2 * 18000 <= (double)wall))
			FAIL("ns_per_switch %.1f not within the run's wall time", ns);
	} else if (strcmp(wl->name, "file") == 0) {
		double mibs = t_metric(&rep, "mib_per_s"), reads = t_metric(&rep, "reads");
		double pct = t_metric(&rep, "cached_pct");
		if (!(mibs > 0) || reads < 4 * 16 || !(pct >= -1 && pct <= 100))
			FAIL("file: mib_per_s %.1f, reads %.0f, cached_pct %.1f", mibs, reads, pct);
		if (direct && !(t_metric(&rep, "direct_used") == 0 || t_metric(&rep, "direct_used") == 1))
			FAIL("file: direct_used %g", t_metric(&rep, "direct_used"));
		/* The readers and the timer, which a pool of one worker goes without. */
		int timer = t_find_metric(&rep, "timer_ticks") != NULL;
		if (!timer && !(capped && ncpus < 2))
			FAIL("file: no timer figures");
		if (stats.spawned != 8u + (unsigned)timer)
			FAIL("file spawned %llu tasks, want %d", (unsigned long long)stats.spawned,
			     8 + timer);
		double ticks = timer ? t_metric(&rep, "timer_ticks") : 0;
		if (ticks > 0 && !(t_metric(&rep, "timer_late_p99_us") >= 0 &&
		                   t_metric(&rep, "timer_late_max_us") >=
		                           t_metric(&rep, "timer_late_p99_us") &&
		                   t_metric(&rep, "timer_late_mean_us") >= 0))
			FAIL("file: timer lateness p99 %g max %g mean %g us",
			     t_metric(&rep, "timer_late_p99_us"), t_metric(&rep, "timer_late_max_us"),
			     t_metric(&rep, "timer_late_mean_us"));
	} else {
		/* The servers: an accept task plus one task per connection. */
		if (t_metric(&rep, "conns_accepted") != 4 || stats.spawned != 5)
			FAIL("%s: %.0f connections accepted, %llu tasks", wl->name,
			     t_metric(&rep, "conns_accepted"), (unsigned long long)stats.spawned);
		if (strcmp(wl->name, "echo") == 0) {
			if (t_metric(&rep, "bytes_echoed") != 4 * 200 * 100)
				FAIL("bytes_echoed %.0f", t_metric(&rep, "bytes_echoed"));
		} else {
			if (t_metric(&rep, "requests_served") != 800 ||
			    t_metric(&rep, "bad_requests") != 0)
				FAIL("requests_served %.0f", t_metric(&rep, "requests_served"));
			if (strcmp(wl->name, "mixed") == 0 &&
			    (t_metric(&rep, "heavy_served") != 80 ||
			     t_metric(&rep, "light_served") != 720))
				FAIL("heavy_served %.0f", t_metric(&rep, "heavy_served"));
		}
	}
	printf("%s/%s%s: checksum 0x%016llx ok, %llu tasks, %.1f ms\n", rto->name, wl->name,
	       direct ? " direct=1" : "", (unsigned long long)rep.checksum,
	       (unsigned long long)stats.spawned, wall / 1e6);
	for (int i = 0; i < rep.nmetrics; i++)
		printf("  %s = %g %s\n", rep.metrics[i].name, rep.metrics[i].value, rep.metrics[i].unit);
	return 0;
}
