/* doc.c — the pieces of HTML and Markdown writing the report and compare
 * share: escaping text that comes from data files, and a chart inlined as a
 * data: URI so a page is one file that needs neither the network nor its
 * neighbours. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* Attributes are always written in double quotes, so a single quote (the
 * apostrophe of running text) needs no escape. */
void h_html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* '_' is left alone: inside a word (ns_per_switch) it is no emphasis, and
 * escaping it would make the file unreadable as text. A newline would end a
 * table row. */
void h_md_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*[]<>|#", *s))
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}

static void base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char b[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		fputc(b[v >> 18 & 63], f);
		fputc(b[v >> 12 & 63], f);
		fputc(i + 1 < n ? b[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? b[v & 63] : '=', f);
	}
}

int h_html_svg_img(FILE *f, const char *path, const char *cls, const char *alt)
{
	FILE *in = fopen(path, "re");
	if (!in)
		return -errno;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&buf, &cap, '\0', in);
	/* getdelim stops at a NUL; an SVG has none, and anything else is no SVG. */
	int more = n > 0 && fgetc(in) != EOF;
	fclose(in);
	if (n <= 0 || more || !strstr(buf, "<svg")) {
		free(buf);
		return -ENOENT;
	}
	fputs("<img", f);
	if (cls) {
		fputs(" class=\"", f);
		h_html_esc(f, cls);
		fputc('"', f);
	}
	fputs(" alt=\"", f);
	h_html_esc(f, alt);
	fputs("\" src=\"data:image/svg+xml;base64,", f);
	base64(f, (const unsigned char *)buf, (size_t)n);
	fputs("\">", f);
	free(buf);
	return 0;
}
