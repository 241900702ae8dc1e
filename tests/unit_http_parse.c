/* unit_http_parse — the HTTP/1.1 request parser and the canned responses of
 * workloads/net.c, with no socket and no runtime:
 *  - a complete request; the same request split at every byte (every prefix
 *    is "incomplete", the whole gives the same answer);
 *  - three pipelined requests taken one after the other;
 *  - malformed request lines and headers, bare CR, obs-fold, bad and
 *    conflicting Content-Length, binary input rejected before a newline;
 *  - heads over 8 KiB (E2BIG, also while still incomplete), and exactly 8 KiB;
 *  - Connection: close / keep-alive, HTTP/1.0, HEAD, a body, Transfer-Encoding,
 *    /heavy, bare-LF lines, empty lines before a request;
 *  - every response declares the Content-Length of the body it carries;
 *  - 200,000 random mutations of valid requests: the result is always one of
 *    the documented ones and a complete head lies within the buffer.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/net.h"

#include "tests/check.h"

static int parse(const char *s, struct wl_http_req *req)
{
	return wl_http_parse(s, strlen(s), req);
}

static void expect(const char *s, int want)
{
	struct wl_http_req req;
	int r = parse(s, &req);
	if (r != want)
		FAIL("parse(%.60s...): %d, want %d", s, r, want);
}

static void complete_and_split(void)
{
	const char *s = "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\n"
	                "Accept: text/plain,text/html;q=0.9\r\nConnection: keep-alive\r\n\r\n";
	struct wl_http_req req;
	size_t n = strlen(s);
	if (parse(s, &req) != 1 || req.head_len != n || !req.keep_alive || req.http10 ||
	    req.head || req.heavy || req.body_len)
		FAIL("complete request misparsed (head_len %zu of %zu)", req.head_len, n);
	/* Split anywhere: the prefix is incomplete, never an error. */
	for (size_t k = 0; k < n; k++) {
		int r = wl_http_parse(s, k, &req);
		if (r != 0)
			FAIL("prefix of %zu bytes: %d, want 0 (incomplete)", k, r);
	}
	/* Trailing bytes of a next request do not change the first. */
	char buf[512];
	snprintf(buf, sizeof buf, "%sGET / HT", s);
	if (parse(buf, &req) != 1 || req.head_len != n)
		FAIL("request followed by a partial one misparsed");
}

static void pipelined(void)
{
	const char *s = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	                "GET /heavy HTTP/1.1\r\nHost: x\r\n\r\n"
	                "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	size_t len = strlen(s), pos = 0;
	int n = 0, heavy = 0, closes = 0;
	struct wl_http_req req;
	while (pos < len) {
		int r = wl_http_parse(s + pos, len - pos, &req);
		if (r != 1)
			FAIL("pipelined request %d: %d", n + 1, r);
		pos += req.head_len;
		n++;
		heavy += req.heavy;
		closes += !req.keep_alive;
	}
	if (n != 3 || heavy != 1 || closes != 1 || pos != len)
		FAIL("pipelined: %d requests, %d heavy, %d close", n, heavy, closes);
	if (wl_http_parse(s + pos, 0, &req) != 0)
		FAIL("empty buffer is not incomplete");
}

static void malformed(void)
{
	static const char *const bad[] = {
		"GARBAGE\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.12\r\n\r\n",
		"GET / http/1.1\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		" GET / HTTP/1.1\r\n\r\n",
		"GET /a b HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\x01" "b\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		/* Rejected before any newline: cannot be a request line. */
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		"GET\t/",
		"{\"json\": 1}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect(bad[i], -EINVAL);
	/* NUL inside a header value. */
	static const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	struct wl_http_req req;
	if (wl_http_parse(nul, sizeof nul - 1, &req) != -EINVAL)
		FAIL("NUL in a header value accepted");
	/* Agreeing duplicates are allowed. */
	expect("GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", 1);
	expect("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -ENOTSUP);
}

static void oversized(void)
{
	size_t cap = 3 * WL_HTTP_MAX_HEAD;
	char *buf = malloc(cap);
	if (!buf)
		FAIL("malloc");
	struct wl_http_req req;
	/* One header of 9000 bytes, complete. */
	int n = snprintf(buf, cap, "GET / HTTP/1.1\r\nX-Big: ");
	memset(buf + n, 'a', 9000);
	n += 9000;
	n += snprintf(buf + n, cap - (size_t)n, "\r\n\r\n");
	if (wl_http_parse(buf, (size_t)n, &req) != -E2BIG)
		FAIL("9000-byte header not E2BIG");
	/* Still incomplete, already past the limit: E2BIG without waiting. */
	if (wl_http_parse(buf, WL_HTTP_MAX_HEAD, &req) != -E2BIG)
		FAIL("incomplete head of WL_HTTP_MAX_HEAD bytes not E2BIG");
	if (wl_http_parse(buf, WL_HTTP_MAX_HEAD - 1, &req) != 0)
		FAIL("incomplete head under the limit not incomplete");
	/* A head of exactly WL_HTTP_MAX_HEAD bytes is accepted, one more is not. */
	for (int extra = 0; extra <= 1; extra++) {
		const char *pre = "GET / HTTP/1.1\r\nX-Fill: ";
		size_t p = strlen(pre), total = WL_HTTP_MAX_HEAD + (size_t)extra;
		memcpy(buf, pre, p);
		memset(buf + p, 'b', total - p - 4);
		memcpy(buf + total - 4, "\r\n\r\n", 4);
		int r = wl_http_parse(buf, total, &req);
		if (extra == 0 && (r != 1 || req.head_len != total))
			FAIL("head of exactly %d bytes: %d", WL_HTTP_MAX_HEAD, r);
		if (extra == 1 && r != -E2BIG)
			FAIL("head of %d bytes: %d, want E2BIG", WL_HTTP_MAX_HEAD + 1, r);
	}
	free(buf);
}

static void semantics(void)
{
	struct wl_http_req req;
	if (parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &req) != 1 || req.keep_alive)
		FAIL("Connection: close not seen");
	if (parse("GET / HTTP/1.1\r\nconnection: Upgrade, CLOSE\r\n\r\n", &req) != 1 || req.keep_alive)
		FAIL("Connection list with close not seen");
	if (parse("GET / HTTP/1.0\r\n\r\n", &req) != 1 || req.keep_alive || !req.http10)
		FAIL("HTTP/1.0 kept alive by default");
	if (parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req) != 1 || !req.keep_alive ||
	    !req.http10)
		FAIL("HTTP/1.0 keep-alive not seen");
	if (parse("HEAD / HTTP/1.1\r\n\r\n", &req) != 1 || !req.head)
		FAIL("HEAD not seen");
	if (parse("head / HTTP/1.1\r\n\r\n", &req) != 1 || req.head)
		FAIL("methods are case-sensitive");
	if (parse("POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", &req) != 1 ||
	    req.body_len != 11 || req.head_len != strlen("POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n"))
		FAIL("body length misparsed");
	if (parse("GET / HTTP/1.1\nHost: x\n\n", &req) != 1 || req.head_len != 24)
		FAIL("bare LF lines not accepted");
	if (parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n", &req) != 1 || req.head_len != 22)
		FAIL("empty lines before the request not skipped");
	expect("\r", 0);
	expect("\r\n", 0);
	static const struct { const char *target; int heavy; } t[] = {
		{ "/heavy", 1 }, { "/heavy?n=1", 1 }, { "/heavyx", 0 }, { "/heav", 0 }, { "/", 0 },
		{ "/x/heavy", 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		char buf[128];
		snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\n\r\n", t[i].target);
		if (parse(buf, &req) != 1 || req.heavy != t[i].heavy)
			FAIL("%s: heavy %d, want %d", t[i].target, req.heavy, t[i].heavy);
	}
}

/* The body a response carries matches its Content-Length (none for HEAD). */
static void check_response(const char *r, size_t n, int status, int has_body, int closes)
{
	char want[32];
	snprintf(want, sizeof want, "HTTP/1.1 %d ", status);
	if (n > WL_HTTP_RESP_MAX || strncmp(r, want, strlen(want)) != 0)
		FAIL("response status: %.*s", (int)n, r);
	const char *end = memmem(r, n, "\r\n\r\n", 4);
	const char *cl = memmem(r, n, "Content-Length: ", 16);
	if (!end || !cl)
		FAIL("response without head end or Content-Length");
	size_t body = n - (size_t)(end + 4 - r);
	size_t declared = strtoul(cl + 16, NULL, 10);
	if (has_body ? body != declared : body != 0)
		FAIL("response body %zu bytes, Content-Length %zu", body, declared);
	int says_close = memmem(r, (size_t)(end - r), "Connection: close", 17) != NULL;
	if (says_close != closes)
		FAIL("response Connection: close %d, want %d", says_close, closes);
}

static void responses(void)
{
	char out[WL_HTTP_RESP_MAX];
	struct wl_http_req req;
	parse("GET / HTTP/1.1\r\n\r\n", &req);
	size_t n = wl_http_response(out, 200, &req);
	static const char exact[] = "HTTP/1.1 200 OK\r\nServer: concbench\r\nContent-Type: text/plain\r\n"
	                            "Content-Length: 13\r\n\r\nHello, World!";
	if (n != sizeof exact - 1 || memcmp(out, exact, n) != 0)
		FAIL("200 response: %.*s", (int)n, out);
	check_response(out, n, 200, 1, 0);
	parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &req);
	n = wl_http_response(out, 200, &req);
	check_response(out, n, 200, 1, 1);
	parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req);
	n = wl_http_response(out, 200, &req);
	check_response(out, n, 200, 1, 0);
	if (!memmem(out, n, "Connection: keep-alive\r\n", 24))
		FAIL("HTTP/1.0 keep-alive answer does not say so");
	parse("HEAD / HTTP/1.1\r\n\r\n", &req);
	n = wl_http_response(out, 200, &req);
	check_response(out, n, 200, 0, 0);
	n = wl_http_response(out, 400, NULL);
	check_response(out, n, 400, 1, 1);
	n = wl_http_response(out, 501, NULL);
	check_response(out, n, 501, 1, 1);
}

static void fuzz(void)
{
	static const char *const seeds[] = {
		"GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
		"POST /heavy HTTP/1.0\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
		"HEAD / HTTP/1.1\nA: b\n\n",
	};
	char buf[256];
	for (int i = 0; i < 200000; i++) {
		const char *s = seeds[i % 3];
		size_t n = strlen(s);
		memcpy(buf, s, n);
		int muts = 1 + (int)(t_rand() % 4);
		for (int m = 0; m < muts; m++) {
			size_t at = t_rand() % n;
			switch (t_rand() % 3) {
			case 0: buf[at] = (char)t_rand(); break;
			case 1: if (n < sizeof buf) { memmove(buf + at + 1, buf + at, n - at); buf[at] = (char)t_rand(); n++; } break;
			default: if (n > 1) { memmove(buf + at, buf + at + 1, n - at - 1); n--; } break;
			}
		}
		size_t len = t_rand() % (n + 1);
		struct wl_http_req req;
		int r = wl_http_parse(buf, len, &req);
		if (r != 1 && r != 0 && r != -EINVAL && r != -E2BIG && r != -ENOTSUP)
			FAIL("fuzz: result %d", r);
		if (r == 1 && (req.head_len == 0 || req.head_len > len))
			FAIL("fuzz: head_len %zu of %zu", req.head_len, len);
	}
}

int main(void)
{
	complete_and_split();
	pipelined();
	malformed();
	oversized();
	semantics();
	responses();
	fuzz();
	printf("unit_http_parse: ok\n");
	return 0;
}
