/* json.c — just enough JSON for the files the harness writes and reads back.
 * Not a general parser: h_json_get reads flat fields of objects we wrote. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

void h_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void h_json_num(FILE *f, double v)
{
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	/* Integers print exactly (counts, ns); others with ten significant
	 * digits, as summary.csv has them: a summary rebuilt from
	 * results.jsonl (--resume) must equal the one written from memory. */
	if (v == (double)(long long)v && fabs(v) < 9e15)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.10g", v);
}

int h_json_get(const char *line, const char *key, char *out, size_t outlen)
{
	char pat[96];
	if (snprintf(pat, sizeof pat, "\"%s\"", key) >= (int)sizeof pat)
		return -EINVAL;
	for (const char *p = strstr(line, pat); p; p = strstr(p + 1, pat)) {
		const char *v = p + strlen(pat);
		while (*v == ' ')
			v++;
		if (*v != ':')
			continue; /* the key text appeared as a value */
		v++;
		while (*v == ' ')
			v++;
		size_t n = 0;
		if (*v == '"') {
			for (v++; *v && *v != '"'; v++) {
				if (*v == '\\' && v[1])
					v++;
				if (n + 1 < outlen)
					out[n++] = *v;
			}
		} else {
			for (; *v && *v != ',' && *v != '}' && *v != ' '; v++)
				if (n + 1 < outlen)
					out[n++] = *v;
		}
		if (outlen)
			out[n] = '\0';
		return 0;
	}
	return -ENOENT;
}
