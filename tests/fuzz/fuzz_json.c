/* fuzz_json — the harness's JSON readers (harness/base/jsonread.c's
 * h_json_walk, what --resume, report and compare read results.jsonl lines,
 * run.json and manifest.json with; and json.c's h_json_get), on any text.
 * Beyond memory errors (the sanitizers), each walk is checked:
 *  - it returns 0, -EINVAL, or the callback's non-zero return, at once;
 *  - every callback gets a NUL-terminated path under 256 bytes and a value
 *    of its type's form (a number strtod reads whole, true/false, null);
 *  - every string read, written back by h_json_str (json.c) and read
 *    again, is the same string: what the writer writes the reader reads. */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <string.h>

#include "harness/base/base.h"

#include "fuzz.h"

struct walk {
	long calls;
	long stop_at; /* the callback returns 7 at this call; -1: never */
	int stopped;
};

/* The one string of a walk over h_json_str's output. */
struct one {
	int calls;
	char str[4096];
};

static int one_cb(void *ctx, const char *path, enum h_jtype type, const char *str)
{
	struct one *o = ctx;
	FUZZ_CHECK(type == H_JSTR && path[0] == '\0', "a string read back as type %d at '%s'",
	           (int)type, path);
	o->calls++;
	snprintf(o->str, sizeof o->str, "%s", str);
	return 0;
}

static void round_trip(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	FUZZ_CHECK(f, "open_memstream");
	h_json_str(f, s);
	FUZZ_CHECK(fclose(f) == 0, "fclose");
	struct one o = { 0 };
	int rc = h_json_walk(text, one_cb, &o);
	FUZZ_CHECK(rc == 0 && o.calls == 1 && strcmp(o.str, s) == 0,
	           "string of %zu bytes written as %s read back as %d, %d calls, '%s'", strlen(s),
	           text, rc, o.calls, o.str);
	free(text);
}

static int walk_cb(void *ctx, const char *path, enum h_jtype type, const char *str)
{
	struct walk *w = ctx;
	FUZZ_CHECK(!w->stopped, "called again after returning non-zero");
	size_t plen = strlen(path);
	FUZZ_CHECK(plen < 256, "path of %zu bytes", plen);
	switch (type) {
	case H_JNULL:
		FUZZ_CHECK(strcmp(str, "null") == 0, "null as '%s'", str);
		break;
	case H_JBOOL:
		FUZZ_CHECK(strcmp(str, "true") == 0 || strcmp(str, "false") == 0, "bool as '%s'", str);
		break;
	case H_JNUM: {
		char *end;
		strtod(str, &end);
		FUZZ_CHECK(str[0] && *end == '\0', "number '%s'", str);
		break;
	}
	case H_JSTR:
		FUZZ_CHECK(strlen(str) < 4096, "string of %zu bytes", strlen(str));
		round_trip(str);
		break;
	default:
		FUZZ_CHECK(0, "type %d", (int)type);
	}
	if (w->calls++ == w->stop_at) {
		w->stopped = 1;
		return 7;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The readers take C strings: the input, NUL-terminated, in a buffer
	 * of exactly that size so ASan sees a read past the terminator. */
	char *text = malloc(size + 1);
	FUZZ_CHECK(text, "malloc");
	memcpy(text, data, size);
	text[size] = '\0';

	struct walk w = { 0, -1, 0 };
	int rc = h_json_walk(text, walk_cb, &w);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "walk returns %d", rc);
	/* Again, the callback stopping the walk halfway: its return comes
	 * back, and no further call is made. */
	if (w.calls > 0) {
		struct walk half = { 0, w.calls / 2, 0 };
		rc = h_json_walk(text, walk_cb, &half);
		FUZZ_CHECK(rc == 7 && half.calls == w.calls / 2 + 1,
		           "stopped at call %ld of %ld: returns %d after %ld calls", half.stop_at,
		           w.calls, rc, half.calls);
	}

	/* h_json_get: the keys the harness asks for, into room of 0, 1 and
	 * 16 bytes (heap, exact). */
	static const char *const keys[] = { "a", "name", "status" };
	static const size_t rooms[] = { 0, 1, 16 };
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		for (size_t i = 0; i < sizeof rooms / sizeof *rooms; i++) {
			char *out = malloc(rooms[i] ? rooms[i] : 1);
			FUZZ_CHECK(out, "malloc");
			int g = h_json_get(text, keys[k], out, rooms[i]);
			FUZZ_CHECK(g == 0 || g == -ENOENT, "h_json_get returns %d", g);
			if (g == 0 && rooms[i])
				FUZZ_CHECK(strlen(out) < rooms[i], "h_json_get overfilled");
			free(out);
		}
	}
	free(text);
	return 0;
}
