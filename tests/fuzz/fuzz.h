/* fuzz.h — what the fuzz targets share. Each target (fuzz_<name>.c) defines
 * LLVMFuzzerTestOneInput and is built twice: by clang with libFuzzer
 * (tests/fuzz/libfuzzer.sh, which generates inputs), and by the project's
 * compiler with replay.c as main (the CTest fuzz_<name>_replay tests, which
 * feed it the committed corpus in tests/fuzz/corpus/<name>/). A target
 * reports a broken invariant with FUZZ_CHECK, which aborts: libFuzzer saves
 * the input as a crash, the replay test fails. */
#ifndef CONCBENCH_FUZZ_H
#define CONCBENCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                         \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                 \
			fputc('\n', stderr);                                          \
			abort();                                                      \
		}                                                                     \
	} while (0)

#endif
