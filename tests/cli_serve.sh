#!/bin/sh
# cli_serve.sh BINARY SOURCE_DIR — `concbench serve`: on every runtime the
# http server prints its port, answers curl (one request, then two on one
# kept-alive connection), and on SIGTERM stops within seconds, with an idle
# client still connected, exits 0 and prints what it served; the echo
# server echoes; SIGINT stops it too; bad input is one line and exit 2.
# It runs until stopped: conns caps the connections open at once, and more
# connections than RLIMIT_NOFILE allows open are served one after another;
# an idle client is cut after idle_ms (a pool's one connection worker is
# freed for curl); a port another server holds is refused with loops=2 too.
# Needs curl (skipped without it); the idle client and echo use curl's
# telnet:// support.
. "$(dirname "$0")/lib.sh"
need curl "to be the client"
SPID=
cleanup() {
	[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
	exec 3>&- 2>/dev/null
}
TELNET=0
curl --version | grep -q '^Protocols:.*telnet' && TELNET=1

usage "unknown runtime 'nosuch'" serve --runtime nosuch --workload http
usage "unknown workload 'nosuch'" serve --runtime epoll --workload nosuch
usage "workload 'cpu' is not a server (choose from: echo, http, mixed)" serve --runtime epoll --workload cpu
usage "bad --port '70000'" serve --runtime epoll --workload http --port 70000
usage "bad --port 'x'" serve --runtime epoll --workload http --port x
usage "bad --port '-1'" serve --runtime epoll --workload http --port -1
usage "unknown parameter 'nosuch'" serve --runtime epoll --workload http --set nosuch=1
usage "out of range" serve --runtime epoll --workload http --set conns=0
usage "unexpected argument 'extra'" serve --runtime epoll --workload http extra
usage "serve needs --runtime" serve --runtime epoll
usage "option '--workload' needs a value" serve --runtime epoll --workload
usage "bad --cpus 'x'" serve --runtime epoll --workload http --cpus x
usage "may not use" serve --runtime epoll --workload http --cpus 4095

# start ARGS...: runs serve in the background and sets PORT from its first
# line; 1 when it never said it listens.
start() {
	"$BIN" serve "$@" >"$T/out" 2>"$T/err" &
	SPID=$!
	i=0
	while [ $i -lt 100 ]; do
		PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$T/out")
		[ -n "$PORT" ] && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	fail "serve $*: no 'listening on 127.0.0.1:PORT' line"
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=
	return 1
}

# reap: waits up to 5 s for the server to exit, and kills it when it does
# not (then reap's status is 1); rc is the server's exit status.
reap() {
	i=0
	while kill -0 "$SPID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	killed=0
	if kill -0 "$SPID" 2>/dev/null; then
		kill -KILL "$SPID"
		killed=1
	fi
	wait "$SPID" 2>/dev/null
	rc=$?
	SPID=
	return $killed
}

# stop SIGNAL WHAT: signals the server, which must exit 0 within 5 s.
stop() {
	kill -"$1" "$SPID"
	reap || { fail "$2: still running 5 s after SIG$1"; return 1; }
	[ "$rc" -eq 0 ] || { fail "$2: exit status $rc after SIG$1, want 0"; return 1; }
	grep -q "^stopped by SIG$1; served:" "$T/out" || { fail "$2: no 'stopped by SIG$1; served:' line"; return 1; }
	return 0
}

RUNTIMES=$(listed runtime)
[ -n "$RUNTIMES" ] || die "concbench list names no runtime"
for rt in $RUNTIMES; do
	# The pool serves one connection per worker beside the accept task's:
	# enough of them for the idle client and curl.
	extra=
	[ "$rt" = pool ] && extra="--set workers=4"
	start --runtime "$rt" --workload http $extra || continue
	body=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/")
	[ "$body" = "Hello, World!" ] || fail "$rt http: curl got '$body'"
	body=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/a" "http://127.0.0.1:$PORT/b")
	[ "$body" = "Hello, World!Hello, World!" ] || fail "$rt http: two requests got '$body'"
	if [ $TELNET = 1 ]; then
		# A client that stays connected and silent must not hold the
		# server up: the stop shuts its connection down.
		rm -f "$T/fifo"
		mkfifo "$T/fifo"
		curl -s --max-time 20 "telnet://127.0.0.1:$PORT" <"$T/fifo" >/dev/null 2>&1 &
		CPID=$!
		exec 3>"$T/fifo"
		sleep 0.3
	fi
	if stop TERM "$rt http"; then
		grep -q 'requests_served=3\( \|$\)' "$T/out" || fail "$rt http: served count is not 3"
	fi
	if [ $TELNET = 1 ]; then
		exec 3>&-
		wait "$CPID" 2>/dev/null
	fi

	if [ $TELNET = 1 ]; then
		start --runtime "$rt" --workload echo --set msg_bytes=5 $extra || continue
		got=$(printf 'ping\n' | curl -s --max-time 1 "telnet://127.0.0.1:$PORT")
		[ "$got" = "ping" ] || fail "$rt echo: got '$got'"
		stop INT "$rt echo" && { grep -q 'bytes_echoed=5\( \|$\)' "$T/out" || fail "$rt echo: not 5 bytes echoed"; }
	fi
done

# A server runs until stopped: conns caps the connections open at once,
# not those ever accepted; the third curl is served too, and the server
# goes on until the signal.
if start --runtime epoll --workload http --set conns=1; then
	for i in 1 2 3; do
		body=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/")
		[ "$body" = "Hello, World!" ] || fail "conns=1: curl $i got '$body'"
	done
	stop TERM "conns=1" && { grep -q 'conns_accepted=3 ' "$T/out" || fail "conns=1: $(cat "$T/out")"; }
fi

# Under RLIMIT_NOFILE=80 the server has room for 80 - 65 = 15 connections
# at once: 40 connections one after another (curl closes each) must all be
# served, since a closed connection's slot serves the next.
(ulimit -n 80 && exec "$BIN" serve --runtime epoll --workload http >"$T/out" 2>"$T/err") &
SPID=$!
i=0
PORT=
while [ -z "$PORT" ] && [ $i -lt 100 ] && kill -0 "$SPID" 2>/dev/null; do
	sleep 0.1
	PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$T/out")
	i=$((i + 1))
done
if [ -n "$PORT" ]; then
	grep -q 'at most 15 connections open at once' "$T/out" || fail "ulimit -n 80: $(cat "$T/out")"
	n=0
	for i in $(seq 40); do
		[ "$(curl -s --max-time 5 "http://127.0.0.1:$PORT/")" = "Hello, World!" ] && n=$((n + 1))
	done
	[ $n -eq 40 ] || fail "ulimit -n 80: $n of 40 connections served"
	stop TERM "ulimit -n 80" && { grep -q 'conns_accepted=40 ' "$T/out" || fail "ulimit -n 80: $(cat "$T/out")"; }
else
	fail "ulimit -n 80: no 'listening' line: $(cat "$T/err")"
	kill -KILL "$SPID" 2>/dev/null
	SPID=
fi

# The read deadline: on a pool with one worker for connections, a client
# that connects and says nothing holds it until idle_ms cuts it; then curl
# is served.
if [ $TELNET = 1 ] && start --runtime pool --set workers=2 --workload http --idle-ms 500; then
	grep -q 'a connection idle for 500 ms is closed' "$T/out" || fail "idle_ms: $(cat "$T/out")"
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	curl -s --max-time 20 "telnet://127.0.0.1:$PORT" <"$T/fifo" >/dev/null 2>&1 &
	CPID=$!
	exec 3>"$T/fifo"
	sleep 0.2
	body=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/")
	[ "$body" = "Hello, World!" ] || fail "idle_ms: curl behind an idle client got '$body'"
	stop TERM "idle_ms" && { grep -q 'conns_timed_out=1 ' "$T/out" || fail "idle_ms: $(cat "$T/out")"; }
	exec 3>&-
	wait "$CPID" 2>/dev/null
fi

# A port in use is a failure to listen, said in one line.
if start --runtime epoll --workload http; then
	timeout 10 "$BIN" serve --runtime epoll --workload http --port "$PORT" >"$T/out2" 2>"$T/err2"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$PORT" "$T/err2" ||
		fail "port in use: exit $rc, stderr: $(cat "$T/err2")"
	stop TERM "port in use"
fi

# With loops=2 the listeners share their port (SO_REUSEPORT), which would
# let a second server on the port take half the clients in silence: refused.
if start --runtime epoll --set loops=2 --workload http; then
	timeout 10 "$BIN" serve --runtime epoll --set loops=2 --workload http --port "$PORT" >"$T/out2" 2>"$T/err2"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$PORT: Address already in use" "$T/err2" ||
		fail "loops=2, port in use: exit $rc, stderr: $(cat "$T/err2")"
	stop TERM "loops=2 port in use"
fi

finish "cli_serve: ok"
