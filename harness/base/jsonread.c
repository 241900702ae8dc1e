/* jsonread.c — a small recursive-descent reader for the JSON the harness
 * writes (results.jsonl lines, run.json), so that --resume can read back
 * finished cells. Not a general library: no \u escapes beyond Latin-1
 * (we never write them above 0x1f), nesting at most 8 deep, paths up to
 * 256 bytes, strings up to 4 KiB. It reports every scalar with its dotted
 * path and never allocates. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define MAX_DEPTH 8

struct reader {
	const char *p;
	h_json_cb cb;
	void *ctx;
	char path[256];
	char str[4096];
	int depth;
};

static void skip_ws(struct reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

/* A string into r->str. */
static int string(struct reader *r)
{
	if (*r->p != '"')
		return -EINVAL;
	r->p++;
	size_t n = 0;
	for (;;) {
		unsigned char c = (unsigned char)*r->p++;
		if (c == '\0')
			return -EINVAL;
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*r->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				char hex[5] = { 0 };
				for (int i = 0; i < 4; i++) {
					if (!r->p[i])
						return -EINVAL;
					hex[i] = r->p[i];
				}
				char *end;
				unsigned long v = strtoul(hex, &end, 16);
				if (*end || v > 0xff)
					return -EINVAL;
				r->p += 4;
				c = (unsigned char)v;
				break;
			}
			default:
				return -EINVAL;
			}
		}
		if (n + 1 >= sizeof r->str)
			return -EINVAL;
		r->str[n++] = (char)c;
	}
	r->str[n] = '\0';
	return 0;
}

static int value(struct reader *r);

/* Appends ".key" (or "key" at the top) to the path; returns the old length
 * to restore. */
static int push(struct reader *r, const char *key, size_t *old)
{
	*old = strlen(r->path);
	int w = snprintf(r->path + *old, sizeof r->path - *old, "%s%s", *old ? "." : "", key);
	return w < 0 || (size_t)w >= sizeof r->path - *old ? -EINVAL : 0;
}

static int container(struct reader *r, char close)
{
	if (++r->depth > MAX_DEPTH)
		return -EINVAL;
	r->p++;
	skip_ws(r);
	int rc = 0;
	if (*r->p == close) {
		r->p++;
		r->depth--;
		return 0;
	}
	for (long i = 0;; i++) {
		char key[sizeof r->str];
		skip_ws(r);
		if (close == '}') {
			if ((rc = string(r)) < 0)
				return rc;
			snprintf(key, sizeof key, "%s", r->str);
			skip_ws(r);
			if (*r->p++ != ':')
				return -EINVAL;
		} else {
			snprintf(key, sizeof key, "%ld", i);
		}
		size_t old;
		if ((rc = push(r, key, &old)) < 0)
			return rc;
		rc = value(r);
		r->path[old] = '\0';
		if (rc)
			return rc;
		skip_ws(r);
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p++ != close)
			return -EINVAL;
		r->depth--;
		return 0;
	}
}

static int value(struct reader *r)
{
	skip_ws(r);
	char c = *r->p;
	if (c == '{')
		return container(r, '}');
	if (c == '[')
		return container(r, ']');
	if (c == '"') {
		int rc = string(r);
		return rc < 0 ? rc : r->cb(r->ctx, r->path, H_JSTR, r->str);
	}
	static const struct {
		const char *word;
		enum h_jtype type;
	} lits[] = { { "null", H_JNULL }, { "true", H_JBOOL }, { "false", H_JBOOL } };
	for (size_t i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		size_t n = strlen(lits[i].word);
		if (strncmp(r->p, lits[i].word, n) == 0) {
			r->p += n;
			return r->cb(r->ctx, r->path, lits[i].type, lits[i].word);
		}
	}
	/* A number: kept as text, so a 64-bit integer is not rounded through
	 * a double on the way. */
	size_t n = strspn(r->p, "-+.eE0123456789");
	if (n == 0 || n >= sizeof r->str)
		return -EINVAL;
	memcpy(r->str, r->p, n);
	r->str[n] = '\0';
	char *end;
	strtod(r->str, &end);
	if (*end)
		return -EINVAL;
	r->p += n;
	return r->cb(r->ctx, r->path, H_JNUM, r->str);
}

int h_json_walk(const char *text, h_json_cb cb, void *ctx)
{
	struct reader r;
	memset(&r, 0, sizeof r);
	r.p = text;
	r.cb = cb;
	r.ctx = ctx;
	int rc = value(&r);
	if (rc)
		return rc;
	skip_ws(&r);
	return *r.p ? -EINVAL : 0;
}

int h_json_walk_file(const char *path, h_json_cb cb, void *ctx)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	int rc = n > 0 ? h_json_walk(text, cb, ctx) : -EINVAL;
	free(text);
	return rc;
}
