/* fuzz_http — the HTTP/1.1 request parser of workloads/net.c (what the http
 * and mixed workloads run on every byte a client sends), as http.c's
 * process() drives it: parse at the start of the unread bytes, take the
 * head and skip the body, parse again, until incomplete or an error. Beyond
 * memory errors (the sanitizers), every parse is checked against net.h's
 * contract:
 *  - the result is one of 1, 0, -EINVAL, -E2BIG, -ENOTSUP;
 *  - a complete head lies within the bytes given and WL_HTTP_MAX_HEAD, ends
 *    with '\n', and parsing exactly it gives the same request; one byte
 *    less is incomplete (a request split anywhere gives 0 until its last
 *    byte arrives);
 *  - a shorter prefix gives 0 or the same answer as the whole (net.h: "a
 *    request split anywhere across reads gives 0 until its last byte
 *    arrives and then the same answer as whole");
 *  - the response written for it fits in WL_HTTP_RESP_MAX bytes. */
#include <errno.h>
#include <string.h>

#include "workloads/net.h"

#include "fuzz.h"

static void respond(int status, const struct wl_http_req *req)
{
	/* Exactly the room net.h promises is enough, on the heap so ASan sees
	 * a write past it. */
	char *out = malloc(WL_HTTP_RESP_MAX);
	FUZZ_CHECK(out, "malloc");
	size_t n = wl_http_response(out, status, req);
	FUZZ_CHECK(n > 0 && n <= WL_HTTP_RESP_MAX, "response of %zu bytes", n);
	free(out);
}

/* One parse at buf[0, len) with its contract checked; returns the result
 * and fills *req. */
static int parse_checked(const char *buf, size_t len, struct wl_http_req *req)
{
	int r = wl_http_parse(buf, len, req);
	FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL || r == -E2BIG || r == -ENOTSUP,
	           "result %d", r);
	struct wl_http_req again;
	if (r == 1) {
		size_t h = req->head_len;
		FUZZ_CHECK(h > 0 && h <= len && h <= WL_HTTP_MAX_HEAD, "head_len %zu of %zu", h, len);
		FUZZ_CHECK(buf[h - 1] == '\n', "head does not end a line");
		FUZZ_CHECK(wl_http_parse(buf, h, &again) == 1 && memcmp(&again, req, sizeof again) == 0,
		           "the head alone (%zu bytes) parses differently", h);
		int p = wl_http_parse(buf, h - 1, &again);
		FUZZ_CHECK(p == 0, "the head less its last byte gives %d, not 0 (incomplete)", p);
		FUZZ_CHECK(req->keep_alive == 0 || req->keep_alive == 1, "keep_alive %d", req->keep_alive);
		respond(200, req);
	} else if (r < 0) {
		respond(r == -ENOTSUP ? 501 : 400, NULL);
	}
	/* A prefix: still incomplete, or already the whole's answer. Three
	 * cuts: the middle, one byte short, and just under the limit (where
	 * "incomplete" turns into E2BIG). */
	size_t cuts[3] = { len / 2, len ? len - 1 : 0, WL_HTTP_MAX_HEAD - 1 };
	for (int c = 0; c < 3; c++) {
		size_t k = cuts[c];
		if (k >= len)
			continue;
		int p = wl_http_parse(buf, k, &again);
		FUZZ_CHECK(p == 0 || p == r, "prefix of %zu bytes gives %d, the whole %zu gives %d", k,
		           p, len, r);
		if (p == 1)
			FUZZ_CHECK(memcmp(&again, req, sizeof again) == 0, "prefix parses differently");
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t pos = 0;
	/* Pipelined requests, as process() takes them; pos only grows (a
	 * complete head is at least one byte), so this ends. */
	while (pos < size) {
		struct wl_http_req req;
		int r = parse_checked(buf + pos, size - pos, &req);
		if (r != 1)
			break;
		pos += req.head_len;
		uint64_t body = req.body_len;
		pos = body < size - pos ? pos + (size_t)body : size;
	}
	if (size == 0) {
		struct wl_http_req req;
		FUZZ_CHECK(wl_http_parse(buf, 0, &req) == 0, "empty input is not incomplete");
	}
	return 0;
}
