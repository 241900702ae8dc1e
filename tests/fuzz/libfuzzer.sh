#!/bin/sh
# libfuzzer.sh TARGET SOURCE_DIR [SECONDS] — builds fuzz_TARGET.c with clang's
# libFuzzer (ASan + UBSan) and runs it for SECONDS (default 5) from a copy of
# the committed corpus, tests/fuzz/corpus/TARGET (the copy grows; the
# committed one is never written). Exit 77, skipped, when clang or its
# fuzzer runtime is missing: the replay tests (fuzz_TARGET_replay) still run
# the corpus under the project's compiler. A crash, leak or broken invariant
# fails the test with libFuzzer's report; the input is kept in
# $CB_FUZZ_ARTIFACTS (default: printed as hex here, since $T is removed).
. "$(dirname "$0")/../lib.sh"
name=$BIN
secs=${3:-5}
CLANG=${CLANG:-clang}
need "$CLANG" "to build the libFuzzer targets"

# The sources each target links: the code under test and no more, so clang
# builds it in a couple of seconds without the rest of the project.
case $name in
http) srcs="workloads/net.c workloads/util.c" ;;
json) srcs="harness/base/jsonread.c harness/base/json.c" ;;
*) die "unknown fuzz target '$name'" ;;
esac

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
# shellcheck disable=SC2086 # the lists are meant to split
if ! (cd "$SRC" && "$CLANG" $flags -Wall -Wextra -Werror -I. tests/fuzz/fuzz_"$name".c $srcs \
	-lm -o "$T/fuzz_$name") >build.log 2>&1; then
	# A trivial fuzzer tells a missing fuzzer runtime (Debian's clang ships
	# it in libclang-rt-*-dev), a skip, from our code not building, a failure.
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >probe.c
	"$CLANG" $flags probe.c -o probe >probe.log 2>&1 || { cat probe.log; skip "$CLANG cannot link a libFuzzer target"; }
	cat build.log
	die "clang cannot build fuzz_$name"
fi

mkdir corpus artifacts
cp "$SRC/tests/fuzz/corpus/$name"/* corpus/ || die "no corpus in tests/fuzz/corpus/$name"
# Bounded by time and by runs (so a very fast machine still stops), one
# process, no forking: a test must not take the machine. -max_len above
# WL_HTTP_MAX_HEAD, so heads past the limit can be generated. A smaller
# quarantine than ASan's 256 MiB: two of these may run beside other tests.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:quarantine_size_mb=32 \
	./fuzz_"$name" -max_total_time="$secs" -runs=5000000 -max_len=9000 -timeout=10 \
	-rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix=artifacts/ corpus >fuzz.log 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	grep -m 60 -E 'ERROR|FUZZ_CHECK|SUMMARY|#[0-9]+ 0x|runtime error|Test unit written' fuzz.log
	for a in artifacts/*; do
		[ -f "$a" ] || continue
		if [ -n "${CB_FUZZ_ARTIFACTS-}" ]; then
			mkdir -p "$CB_FUZZ_ARTIFACTS" && cp "$a" "$CB_FUZZ_ARTIFACTS/"
			echo "input kept in $CB_FUZZ_ARTIFACTS/$(basename "$a")"
		else
			echo "input ($(basename "$a")), hex:"
			od -An -tx1 -v "$a" | head -n 40
		fi
	done
	die "fuzz_$name: libFuzzer found a failure (exit status $rc)"
fi
echo "fuzz_$name: $(grep -o 'stat::number_of_executed_units: [0-9]*' fuzz.log | cut -d' ' -f2) inputs in ${secs} s, no failure"
