/* http — a minimal HTTP/1.1 keep-alive server on 127.0.0.1, the way the
 * TechEmpower plaintext test asks: every request gets `200 OK` with the body
 * "Hello, World!" (text/plain, 13 bytes, no Date: responses are fixed
 * strings). Pipelining: every complete request in the buffer is answered, in
 * order, with one write. A body (Content-Length) is skipped and the request
 * answered; HEAD gets the head only; `Connection: close` (or HTTP/1.0 without
 * keep-alive) is answered then closed. A malformed request or a head over
 * 8 KiB gets 400 and the connection closed, Transfer-Encoding gets 501 and
 * closed; a peer that half-closes is closed at once.
 *
 * An error answer ends with a lingering close: shutdown(SHUT_WR), then read
 * and discard until the peer closes (at most 1 MiB). Closing with unread
 * request bytes would make the kernel send a reset, which can destroy the
 * 400 before the client reads it.
 *
 * Under `concbench serve` a connection that sends no complete request
 * within idle_ms, or lingers that long, is shut down (net.c's watchdog).
 *
 * mixed (mixed.c) is this server with heavy_us of CPU work inline in the
 * step for each request to /heavy.
 *
 * Checksum: with `requests` > 0 the client's count is exact (the load
 * generator's requests + 1 per connection: its first confirms it), so
 * mix64(requests answered 200 ^ heavy answered << 32) + connections; with
 * `seconds` the count depends on speed, so mix64(connections) only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"

/* IN_CAP > WL_HTTP_MAX_HEAD: after the complete requests are taken out, what
 * is left is a partial head of at most WL_HTTP_MAX_HEAD bytes, so a read
 * always has room. OUT_CAP holds 25 responses: more pipelined requests are
 * answered in several writes. About 12.6 KiB per connection, touched only as
 * far as the traffic goes. */
#define IN_CAP     (WL_HTTP_MAX_HEAD + 4096)
#define OUT_CAP    4096
#define LINGER_MAX (1u << 20)

static const struct cb_param http_params[] = {
	{ "port", "", "TCP port on 127.0.0.1; 0 = any free one", 0, 0, 65535 },
	{ "conns", "conns", "connections the server accepts (each the client's), then it ends when they close; serve: the most open at once", 10, 1, 100000 },
	{ "requests", "requests", "requests per connection; 0 = run for `seconds`", 1000, 0, 1000000000 },
	{ "seconds", "s", "with requests=0: the measured window, after warmup_ms", 0, 0, 86400 },
	{ "rate", "req/s", "open loop: requests per second in total; 0 = closed loop", 0, 0, 100000000 },
	{ "warmup_ms", "ms", "with requests=0: load before the measured window, not counted", 500, 0, 3600000 },
	WL_HOT_PARAMS,
	/* Declared last, so it varies fastest in a sweep: the point's load_pct=0
	 * cells (its capacity) run before the fractions of it (run.c). */
	{ "load_pct", "%", "run only: open loop at this % of the capacity (the closed-loop throughput of the same point's load_pct=0 cells in this run); 0 = as rate says", 0, 0, 1000 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

enum { ST_START, ST_READ, ST_WRITE, ST_LINGER, ST_HEAVY };

struct http_srv {
	struct wl_srv srv;
	int64_t requests, seconds, rate, heavy_every, heavy_us, warmup_ms;
	int mixed;
	int offload; /* mixed: /heavy's work through RT_OFFLOAD, off the executor */
	int64_t hot[3]; /* http: hot_pct, hot_x, hot_seed, the client's skew (mixed: 0) */
	/* Of every finished connection. */
	_Atomic uint64_t served, heavy, bad;
};

struct http_conn {
	struct wl_conn c;
	int state;
	int closing;  /* after this write: the lingering close */
	size_t ilen, ipos, olen, opos;
	uint64_t skip;     /* body bytes still to discard */
	uint64_t lingered;
	uint64_t served, heavy, bad;
	uint64_t sink;     /* mixed: keeps the CPU work's result */
	struct rt_offload job;   /* mixed, offload=1: the /heavy work in flight */
	struct wl_http_req hreq; /* and the request it answers */
	char out[OUT_CAP];
	char in[IN_CAP];
};

static void http_conn_init(struct wl_conn *wc)
{
	struct http_conn *c = (struct http_conn *)wc;
	c->state = ST_START;
	c->closing = 0;
	c->ilen = c->ipos = c->olen = c->opos = 0;
	c->skip = c->lingered = 0;
	c->served = c->heavy = c->bad = c->sink = 0;
}

static void http_fold(struct wl_conn *wc)
{
	struct http_conn *c = (struct http_conn *)wc;
	struct http_srv *hs = wc->srv->arg;
	atomic_fetch_add(&hs->served, c->served);
	atomic_fetch_add(&hs->heavy, c->heavy);
	atomic_fetch_add(&hs->bad, c->bad);
}

static struct rt_op conn_end(struct http_conn *c)
{
	wl_srv_close(&c->c);
	return rt_op_done();
}

/* mixed's /heavy work, on the blocking pool with offload=1: the task waits
 * and touches nothing of c until it resumes. */
static long heavy_work(void *arg)
{
	struct http_conn *c = arg;
	struct http_srv *hs = c->c.srv->arg;
	c->sink += wl_burn_cpu_us(hs->heavy_us);
	return 0;
}

/* The answer to a request, counted. */
static void answer(struct http_conn *c, const struct wl_http_req *req)
{
	c->olen += wl_http_response(c->out + c->olen, 200, req);
	c->served++;
	if (!req->keep_alive)
		c->closing = 1;
}

/* Answers every complete request in the buffer (while the output has room),
 * then writes the answers or reads more. */
static struct rt_op process(struct http_conn *c)
{
	struct http_srv *hs = c->c.srv->arg;
	while (!c->closing) {
		size_t avail = c->ilen - c->ipos;
		if (c->skip) {
			size_t n = c->skip < avail ? (size_t)c->skip : avail;
			c->ipos += n;
			c->skip -= n;
			if (c->skip)
				break;
			avail -= n;
		}
		if (c->olen + WL_HTTP_RESP_MAX > OUT_CAP)
			break;
		struct wl_http_req req;
		int r = wl_http_parse(c->in + c->ipos, avail, &req);
		if (r == 0)
			break;
		if (r < 0) {
			c->olen += wl_http_response(c->out + c->olen, r == -ENOTSUP ? 501 : 400, NULL);
			c->bad++;
			c->closing = 1;
			break;
		}
		c->ipos += req.head_len;
		c->skip = req.body_len;
		if (hs->mixed && req.heavy) {
			c->heavy++;
			if (hs->offload) { /* the parse goes on from ipos after it */
				c->hreq = req;
				c->state = ST_HEAVY;
				c->job = (struct rt_offload){ .fn = heavy_work, .arg = c };
				return rt_op_offload(&c->job);
			}
			c->sink += wl_burn_cpu_us(hs->heavy_us);
		}
		answer(c, &req);
	}
	if (c->ipos) { /* keep only the unparsed tail */
		memmove(c->in, c->in + c->ipos, c->ilen - c->ipos);
		c->ilen -= c->ipos;
		c->ipos = 0;
	}
	/* The read deadline (serve) runs from the first read that waits for
	 * a request until the request is in: a partial head does not extend
	 * it, so a client that trickles a byte at a time is cut too. */
	if (c->olen) {
		c->state = ST_WRITE;
		c->opos = 0;
		wl_conn_disarm(&c->c);
		return rt_op_write(c->c.fd, c->out, c->olen);
	}
	c->state = ST_READ;
	wl_conn_arm(&c->c);
	return rt_op_read(c->c.fd, c->in + c->ilen, IN_CAP - c->ilen);
}

static struct rt_op http_step(struct rt_task *t, long res)
{
	struct http_conn *c = t->arg;
	switch (c->state) {
	case ST_START:
		c->state = ST_READ;
		wl_conn_arm(&c->c);
		return rt_op_read(c->c.fd, c->in, IN_CAP);
	case ST_READ:
		if (res <= 0) /* EOF (closed or half-closed) or an error */
			return conn_end(c);
		c->ilen += (size_t)res;
		return process(c);
	case ST_WRITE:
		if (res < 0)
			return conn_end(c);
		c->opos += (size_t)res;
		if (c->opos < c->olen)
			return rt_op_write(c->c.fd, c->out + c->opos, c->olen - c->opos);
		c->olen = c->opos = 0;
		if (c->closing) {
			shutdown(c->c.fd, SHUT_WR);
			c->state = ST_LINGER;
			wl_conn_rearm(&c->c); /* a peer that never closes is cut */
			return rt_op_read(c->c.fd, c->in, IN_CAP);
		}
		return process(c);
	case ST_HEAVY: /* the offloaded work is done (res < 0: it could not be handed off) */
		if (res < 0)
			return conn_end(c);
		answer(c, &c->hreq);
		return process(c);
	default: /* ST_LINGER */
		if (res <= 0 || (c->lingered += (uint64_t)res) >= LINGER_MAX)
			return conn_end(c);
		return rt_op_read(c->c.fd, c->in, IN_CAP);
	}
}

int wl_http_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env,
                  int64_t heavy_every, int64_t heavy_us, int64_t warmup_ms, int offload)
{
	if (p[2] == 0 && p[3] == 0)
		return -EINVAL; /* neither a request count nor a duration */
	struct http_srv *hs = calloc(1, sizeof *hs);
	if (!hs)
		return -ENOMEM;
	*state = hs;
	hs->requests = p[2];
	hs->seconds = p[3];
	hs->rate = p[4];
	hs->heavy_every = heavy_every;
	hs->heavy_us = heavy_us;
	hs->warmup_ms = warmup_ms;
	hs->mixed = heavy_us >= 0;
	hs->offload = offload;
	hs->srv.conn_size = sizeof(struct http_conn);
	hs->srv.init = http_conn_init;
	hs->srv.fold = http_fold;
	hs->srv.step = http_step;
	hs->srv.arg = hs;
	return wl_srv_start(&hs->srv, rt, (int)p[0], p[1], env, env->idle_ms);
}

void wl_http_load(void *state, struct wl_load *out)
{
	struct http_srv *hs = state;
	*out = (struct wl_load){
		.proto = WL_PROTO_HTTP,
		.port = hs->srv.port,
		.conns = (int)hs->srv.conns,
		.requests = hs->requests,
		.seconds = hs->seconds,
		.msg_bytes = 0,
		.rate = hs->rate,
		.heavy_every = hs->mixed ? hs->heavy_every : 0,
		.warmup_ms = hs->warmup_ms,
		/* Half a /heavy step: a light request queued behind one. */
		.late_us = hs->mixed ? hs->heavy_us / 2 : 0,
		.hot_pct = hs->hot[0],
		.hot_x = hs->hot[1],
		.hot_seed = hs->hot[2],
	};
}

void wl_http_finish(void *state, struct wl_report *rep)
{
	struct http_srv *hs = state;
	struct wl_srv *s = &hs->srv;
	uint64_t served = atomic_load(&hs->served), heavy = atomic_load(&hs->heavy);
	uint64_t bad = atomic_load(&hs->bad), conns = (uint64_t)atomic_load(&s->finished);
	if (hs->requests > 0)
		rep->checksum = wl_mix64(served ^ (heavy << 32)) + conns;
	else
		rep->checksum = wl_mix64(conns);
	wl_srv_metrics(s, rep);
	wl_metric(rep, "requests_served", "requests", (double)served);
	wl_metric(rep, "bad_requests", "requests", (double)bad);
	if (hs->mixed) {
		wl_metric(rep, "heavy_served", "requests", (double)heavy);
		wl_metric(rep, "light_served", "requests", (double)(served - heavy));
	}
	wl_srv_report_error(s, rep);
}

void wl_http_teardown(void *state, struct rt *rt)
{
	(void)rt;
	struct http_srv *hs = state;
	wl_srv_fini(&hs->srv);
	free(hs);
}

void wl_http_stop(void *state)
{
	struct http_srv *hs = state;
	wl_srv_stop(&hs->srv);
}

static int http_setup(void **state, struct rt *rt, const int64_t *p, const struct wl_env *env)
{
	int err = wl_hot_check(env, p + 6, p[2], p[4]);
	if (err)
		return err;
	err = wl_http_setup(state, rt, p, env, 0, -1, p[5], 0);
	if (!err) { /* the load is asked for after setup */
		struct http_srv *hs = *state;
		memcpy(hs->hot, p + 6, sizeof hs->hot);
	}
	return err;
}

const struct workload wl_http = {
	.name = "http",
	.desc = "HTTP/1.1 keep-alive server answering every GET with Hello, World! (pipelining allowed)",
	.params = http_params,
	.setup = http_setup,
	.load = wl_http_load,
	.stop = wl_http_stop,
	.finish = wl_http_finish,
	.teardown = wl_http_teardown,
};
