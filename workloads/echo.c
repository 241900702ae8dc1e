/* echo — a TCP echo server on 127.0.0.1: an accept task spawns one task per
 * connection, which reads what arrives and writes it back until the peer
 * closes. The client (the harness's load generator) sends `msg_bytes` per
 * request and checks every byte that comes back; the server's step is
 * nothing but the two waits, so the figures are the runtime's I/O path.
 *
 * Under `concbench serve` a connection silent for idle_ms is shut down
 * (net.c's watchdog).
 *
 * A connection's buffer is min(msg_bytes + 1, 16 KiB): a larger message is
 * echoed in pieces as it arrives (the client reads while it writes). The
 * byte over a message is what a server's buffer larger than its messages
 * gives: a read of a whole message comes back short, which tells an event
 * loop the socket is empty, so its next read waits for readiness without a
 * recv that says EAGAIN (loop.h's rd_drained, nginx's rev->ready). With
 * exactly msg_bytes it could not know, and paid that recv on every request.
 *
 * Checksum: with `requests` > 0 every connection carries a fixed count of
 * msg_bytes messages each way (the load generator's requests + 1: its
 * first confirms the connection), so mix64(bytes echoed) + connections;
 * with `seconds` the byte count depends on speed, so mix64(connections).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define BUF_MAX 16384

static const struct cb_param echo_params[] = {
	{ "port", "", "TCP port on 127.0.0.1; 0 = any free one", 0, 0, 65535 },
	{ "conns", "conns", "connections the server accepts (each the client's), then it ends when they close; serve: the most open at once", 10, 1, 100000 },
	{ "requests", "requests", "messages per connection; 0 = run for `seconds`", 1000, 0, 1000000000 },
	{ "seconds", "s", "with requests=0: the measured window, after warmup_ms", 0, 0, 86400 },
	{ "rate", "req/s", "open loop: messages per second in total; 0 = closed loop", 0, 0, 100000000 },
	{ "msg_bytes", "bytes", "bytes per message", 64, 1, 1048576 },
	{ "warmup_ms", "ms", "with requests=0: load before the measured window, not counted", 500, 0, 3600000 },
	WL_HOT_PARAMS,
	/* Declared last, so it varies fastest in a sweep: the point's load_pct=0
	 * cells (its capacity) run before the fractions of it (run.c). */
	{ "load_pct", "%", "run only: open loop at this % of the capacity (the closed-loop throughput of the same point's load_pct=0 cells in this run); 0 = as rate says", 0, 0, 1000 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

struct echo_srv {
	struct wl_srv srv;
	int64_t requests, seconds, rate, msg_bytes, warmup_ms;
	int64_t hot[3]; /* hot_pct, hot_x, hot_seed: the client's skew */
	size_t bufcap;
	_Atomic uint64_t bytes; /* of every finished connection */
};

enum { ST_START, ST_READ, ST_WRITE };

struct echo_conn {
	struct wl_conn c;
	int state;
	size_t len, off;
	uint64_t bytes;
	char buf[]; /* bufcap bytes */
};

static void echo_conn_init(struct wl_conn *wc)
{
	struct echo_conn *c = (struct echo_conn *)wc;
	c->state = ST_START;
	c->len = c->off = 0;
	c->bytes = 0;
}

static void echo_fold(struct wl_conn *wc)
{
	struct echo_conn *c = (struct echo_conn *)wc;
	struct echo_srv *es = wc->srv->arg;
	atomic_fetch_add(&es->bytes, c->bytes);
}

/* The read deadline (serve) runs while a read waits: a client silent for
 * idle_ms is cut. */
static struct rt_op echo_step(struct rt_task *t, long res)
{
	struct echo_conn *c = t->arg;
	struct echo_srv *es = c->c.srv->arg;
	switch (c->state) {
	case ST_START:
		c->state = ST_READ;
		wl_conn_arm(&c->c);
		return rt_op_read(c->c.fd, c->buf, es->bufcap);
	case ST_READ:
		if (res <= 0) /* the peer closed (or reset): done */
			break;
		c->bytes += (uint64_t)res;
		c->len = (size_t)res;
		c->off = 0;
		c->state = ST_WRITE;
		wl_conn_disarm(&c->c);
		return rt_op_write(c->c.fd, c->buf, c->len);
	default: /* ST_WRITE */
		if (res < 0)
			break;
		c->off += (size_t)res;
		if (c->off < c->len)
			return rt_op_write(c->c.fd, c->buf + c->off, c->len - c->off);
		c->state = ST_READ;
		wl_conn_arm(&c->c);
		return rt_op_read(c->c.fd, c->buf, es->bufcap);
	}
	wl_srv_close(&c->c);
	return rt_op_done();
}

static int echo_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	if (p[2] == 0 && p[3] == 0)
		return -EINVAL; /* neither a message count nor a duration */
	struct echo_srv *es = calloc(1, sizeof *es);
	if (!es)
		return -ENOMEM;
	*state = es;
	es->requests = p[2];
	es->seconds = p[3];
	es->rate = p[4];
	es->msg_bytes = p[5];
	es->warmup_ms = p[6];
	memcpy(es->hot, p + 7, sizeof es->hot);
	int err = wl_hot_check(env, es->hot, es->requests, es->rate);
	if (err)
		return err;
	es->bufcap = es->msg_bytes < BUF_MAX ? (size_t)es->msg_bytes + 1 : BUF_MAX;
	es->srv.conn_size = sizeof(struct echo_conn) + es->bufcap;
	es->srv.init = echo_conn_init;
	es->srv.fold = echo_fold;
	es->srv.step = echo_step;
	es->srv.arg = es;
	return wl_srv_start(&es->srv, rt, (int)p[0], p[1], env, env->idle_ms);
}

static void echo_load(void *state, struct wl_load *out)
{
	struct echo_srv *es = state;
	*out = (struct wl_load){
		.proto = WL_PROTO_ECHO,
		.port = es->srv.port,
		.conns = (int)es->srv.conns,
		.requests = es->requests,
		.seconds = es->seconds,
		.msg_bytes = es->msg_bytes,
		.rate = es->rate,
		.heavy_every = 0,
		.warmup_ms = es->warmup_ms,
		.hot_pct = es->hot[0],
		.hot_x = es->hot[1],
		.hot_seed = es->hot[2],
	};
}

static void echo_finish(void *state, struct wl_report *rep)
{
	struct echo_srv *es = state;
	struct wl_srv *s = &es->srv;
	uint64_t bytes = atomic_load(&es->bytes), conns = (uint64_t)atomic_load(&s->finished);
	rep->checksum = es->requests > 0 ? wl_mix64(bytes) + conns : wl_mix64(conns);
	wl_srv_metrics(s, rep);
	wl_metric(rep, "bytes_echoed", "bytes", (double)bytes);
	wl_metric(rep, "messages", "messages", (double)(bytes / (uint64_t)es->msg_bytes));
	wl_srv_report_error(s, rep);
}

static void echo_teardown(void *state, struct rt *rt)
{
	(void)rt;
	struct echo_srv *es = state;
	wl_srv_fini(&es->srv);
	free(es);
}

static void echo_stop(void *state)
{
	struct echo_srv *es = state;
	wl_srv_stop(&es->srv);
}

const struct workload wl_echo = {
	.name = "echo",
	.desc = "TCP echo server: one task per connection reads and writes back",
	.params = echo_params,
	.setup = echo_setup,
	.load = echo_load,
	.stop = echo_stop,
	.finish = echo_finish,
	.teardown = echo_teardown,
};
