#!/bin/sh
# report_client_limited.sh BINARY SOURCE_DIR — where the best server
# throughput came from a client over 80% busy (client_limited), the "which
# model to pick" row for a network server ranks by the server's own CPU per
# request instead, and says why; without the flag it ranks by throughput.
. "$(dirname "$0")/lib.sh"

# r RUNTIME PARAMS METRIC UNIT MEDIAN: one echo summary.csv row, 3 reps.
r() {
	awk -v rt="$1" -v p="$2" -v m="$3" -v u="$4" -v v="$5" 'BEGIN {
		printf "%s,echo,%s,%s,%s,3,%g,%g,%g,0.01,0\n", rt, p, m, u, v, v * 0.99, v * 1.01 }'
}
P="port=0;conns=100;requests=100;seconds=0;rate=0;msg_bytes=64"
# epoll has the best throughput, but its client was the limit; threads
# spend less server CPU per request.
folder() { # DIR FLAG
	mkdir "$1"
	{
		echo "runtime,workload,params,metric,unit,n,median,min,max,cov,noisy"
		r epoll "$P;loops=1" throughput_rps req/s 100000
		r epoll "$P;loops=1" client_limited flag "$2"
		r epoll "$P;loops=1" server_cpu_us_per_request us 20
		r threads "$P;stack_kib=0" throughput_rps req/s 60000
		r threads "$P;stack_kib=0" client_limited flag 0
		r threads "$P;stack_kib=0" server_cpu_us_per_request us 8
	} >"$1/summary.csv"
	"$BIN" report "$1" >"$T/out" 2>"$T/err" || { cat "$T/err"; die "report on $1 failed"; }
	grep "a network server with many connections" "$1/report.md"
}
row=$(folder "$T/lim" 1)
case $row in
*"client-limited"*) ;;
*) fail "the pick does not say the throughput is client-limited: $row" ;;
esac
case $row in
*"| threads |"*) ;;
*) fail "the pick is not threads, the lower server CPU per request: $row" ;;
esac
row=$(folder "$T/free" 0)
case $row in
*"| epoll |"*) ;;
*) fail "without the flag the pick is not epoll, the higher throughput: $row" ;;
esac
case $row in
*"client-limited"*) fail "a pick says client-limited without the flag: $row" ;;
esac
finish "ok: a client-limited throughput ranks servers by their own CPU per request"
