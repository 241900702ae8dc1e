/* mixed — the http server where a request for /heavy does `heavy_us`
 * microseconds of CPU work inline in the step before it is answered: the
 * "blocking the executor" pitfall. On the event loop (and on coroutines
 * over it) that work stalls every other connection of the loop; on threads
 * only the connection that asked; on the pool, one worker of a few. The
 * client asks for /heavy every `heavy_every`th request and reports the
 * latency of light and heavy requests apart.
 *
 * The work is hash steps until the thread's CPU clock has advanced heavy_us
 * (wl_burn_cpu_us): real CPU work, the same amount on every runtime, never a
 * sleep. With offload=1 the step hands that work to the runtime's blocking
 * pool (RT_OFFLOAD, claim C15's cure) and answers when it is done: the
 * executor serves the other connections meanwhile. Everything else is
 * http.c; the checksum counts heavy requests too (see http.c), the same
 * with offload on or off. */
#include "net.h"

static const struct cb_param mixed_params[] = {
	{ "port", "", "TCP port on 127.0.0.1; 0 = any free one", 0, 0, 65535 },
	{ "conns", "conns", "connections the server accepts (each the client's), then it ends when they close; serve: the most open at once", 10, 1, 100000 },
	{ "requests", "requests", "requests per connection; 0 = run for `seconds`", 1000, 0, 1000000000 },
	{ "seconds", "s", "with requests=0: the measured window, after warmup_ms", 0, 0, 86400 },
	{ "rate", "req/s", "open loop: requests per second in total; 0 = closed loop", 0, 0, 100000000 },
	{ "heavy_every", "requests", "the client asks for /heavy every Nth request; 0 = never", 100, 0, 1000000000 },
	{ "heavy_us", "us", "CPU work of a /heavy request, done inline in the step", 1000, 0, 10000000 },
	{ "warmup_ms", "ms", "with requests=0: load before the measured window, not counted", 500, 0, 3600000 },
	{ "offload", "", "1: /heavy's work goes to the runtime's blocking pool (RT_OFFLOAD: spawn_blocking, uv_queue_work), 0: inline", 0, 0, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static int mixed_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	return wl_http_setup(state, rt, p, env, p[5], p[6], p[7], (int)p[8]);
}

const struct workload wl_mixed = {
	.name = "mixed",
	.desc = "http where every Nth request (/heavy) does heavy_us of CPU work in the step",
	.params = mixed_params,
	.setup = mixed_setup,
	.load = wl_http_load,
	.stop = wl_http_stop,
	.finish = wl_http_finish,
	.teardown = wl_http_teardown,
};
