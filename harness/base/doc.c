/* doc.c — the one writer of HTML and Markdown documents (the report, the
 * comparison): escaping text that comes from data files, a chart inlined as
 * a data: URI so a page is one file that needs neither the network nor its
 * neighbours, and a document whose every call writes both files (struct
 * h_doc in base.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
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

/* ---- the document: HTML and Markdown in one pass ---- */

int h_doc_open(struct h_doc *d, const char *dir, const char *name)
{
	char html[256], md[256];
	if (snprintf(html, sizeof html, "%s.html", name) >= (int)sizeof html ||
	    snprintf(md, sizeof md, "%s.md", name) >= (int)sizeof md)
		return -ENAMETOOLONG;
	d->dir = dir;
	d->h = h_atomic_open(&d->ah, dir, html);
	if (!d->h)
		return -errno;
	d->m = h_atomic_open(&d->am, dir, md);
	if (!d->m) {
		int e = errno;
		h_atomic_abort(&d->ah, d->h);
		d->h = NULL;
		return -e;
	}
	return 0;
}

int h_doc_close(struct h_doc *d)
{
	int err = h_atomic_commit(&d->ah, d->h);
	if (err)
		h_error("cannot write %s: %s", d->ah.path, strerror(-err));
	int e2 = h_atomic_commit(&d->am, d->m);
	if (e2)
		h_error("cannot write %s: %s", d->am.path, strerror(-e2));
	d->h = d->m = NULL;
	return err ? err : e2;
}

void h_doc_abort(struct h_doc *d)
{
	h_atomic_abort(&d->ah, d->h);
	h_atomic_abort(&d->am, d->m);
	d->h = d->m = NULL;
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* The formatted text as var, or return: out of memory, the piece is left
 * out rather than the whole document. */
#define FMT(var, fmt)                 \
	va_list ap;                       \
	va_start(ap, fmt);                \
	char *var = vfmt(fmt, ap);        \
	va_end(ap);                       \
	if (!var)                         \
		return

void h_doc_heading(struct h_doc *d, int level, const char *id, const char *fmt, ...)
{
	FMT(s, fmt);
	fprintf(d->h, "<h%d%s%s%s>", level, id ? " id=\"" : "", id ? id : "", id ? "\"" : "");
	h_html_esc(d->h, s);
	fprintf(d->h, "</h%d>\n", level);
	fprintf(d->m, "\n%.*s ", level, "######");
	h_md_esc(d->m, s);
	fputs("\n\n", d->m);
	free(s);
}

void h_doc_p(struct h_doc *d, const char *cls)
{
	fprintf(d->h, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
}

void h_doc_end_p(struct h_doc *d)
{
	fputs("</p>\n", d->h);
	fputs("\n\n", d->m);
}

static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The earliest use in s of a term not yet linked: its index, and where the
 * form starts and how long it is. -1 for none. A form right after or
 * before '=' is a parameter (placement=same-core), not prose. */
static int first_term(const struct h_doc *d, const char *s, const char **at, size_t *len)
{
	int best = -1;
	*at = NULL;
	*len = 0;
	for (int t = 0; t < d->nterms && t < (int)sizeof d->linked; t++) {
		if (d->linked[t])
			continue;
		for (const char *f = d->terms[t].forms; *f;) {
			size_t n = strcspn(f, "|");
			for (const char *p = s; *p; p++) {
				if (strncmp(p, f, n))
					continue;
				char before = p > s ? p[-1] : ' ', after = p[n];
				if (word_char(before) || word_char(after) || before == '=' || after == '=')
					continue;
				if (best < 0 || p < *at || (p == *at && n > *len))
					best = t, *at = p, *len = n;
				break;
			}
			f += n + (f[n] == '|');
		}
	}
	return best;
}

/* Running text: escaped for each file, its terms' first uses linked. */
static void put_text(struct h_doc *d, const char *s)
{
	const char *at;
	size_t n;
	int t;
	while (!d->no_links && d->terms && (t = first_term(d, s, &at, &n)) >= 0) {
		char *pre = strndup(s, (size_t)(at - s)), *form = strndup(at, n);
		if (!pre || !form) {
			free(pre);
			free(form);
			break;
		}
		h_html_esc(d->h, pre);
		h_md_esc(d->m, pre);
		fprintf(d->h, "<a class=\"g\" href=\"#g-%s\">", d->terms[t].id);
		h_html_esc(d->h, form);
		fputs("</a>", d->h);
		fputc('[', d->m);
		h_md_esc(d->m, form);
		fprintf(d->m, "](#g-%s)", d->terms[t].id);
		d->linked[t] = 1;
		free(pre);
		free(form);
		s = at + n;
	}
	h_html_esc(d->h, s);
	h_md_esc(d->m, s);
}

void h_doc_text(struct h_doc *d, const char *fmt, ...)
{
	FMT(s, fmt);
	put_text(d, s);
	free(s);
}

void h_doc_link(struct h_doc *d, const char *href, const char *fmt, ...)
{
	FMT(s, fmt);
	fputs("<a href=\"", d->h);
	h_html_esc(d->h, href);
	fputs("\">", d->h);
	h_html_esc(d->h, s);
	fputs("</a>", d->h);
	fputc('[', d->m);
	h_md_esc(d->m, s);
	fprintf(d->m, "](%s)", href);
	free(s);
}

void h_doc_anchor(struct h_doc *d, const char *id)
{
	fprintf(d->h, "<span id=\"%s\"></span>", id);
	fprintf(d->m, "<a id=\"%s\"></a>", id);
}

void h_doc_strong(struct h_doc *d, const char *fmt, ...)
{
	FMT(s, fmt);
	/* Markdown's ** must close against a non-space: "**Verdict:** " */
	size_t n = strlen(s);
	int trail = n && s[n - 1] == ' ';
	if (trail)
		s[n - 1] = '\0';
	fputs("<strong>", d->h);
	h_html_esc(d->h, s);
	fputs("</strong>", d->h);
	fputs("**", d->m);
	h_md_esc(d->m, s);
	fputs("**", d->m);
	if (trail) {
		fputc(' ', d->h);
		fputc(' ', d->m);
	}
	free(s);
}

void h_doc_code(struct h_doc *d, const char *s)
{
	fputs("<code>", d->h);
	h_html_esc(d->h, s);
	fputs("</code>", d->h);
	fprintf(d->m, "`%s`", s); /* literal inside a code span */
}

void h_doc_rich(struct h_doc *d, const char *s)
{
	for (int code = 0; *s; code = !code) {
		size_t n = strcspn(s, "`");
		char piece[1024];
		snprintf(piece, sizeof piece, "%.*s", (int)n, s);
		if (code)
			h_doc_code(d, piece);
		else
			h_doc_text(d, "%s", piece);
		s += n + (s[n] == '`');
	}
}

void h_doc_table(struct h_doc *d, const char *cls, int n, const char *const *head,
                 const char *align)
{
	fprintf(d->h, "%s<table%s%s%s>\n<thead><tr>", d->scroll ? "<div class=\"scroll\">" : "",
	        cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	if (d->scroll)
		fputc('\n', d->m);
	for (int i = 0; i < n; i++) {
		fputs(align && align[i] == 'r' ? "<th class=\"n\">" : "<th>", d->h);
		h_html_esc(d->h, head[i]);
		fputs("</th>", d->h);
		fputs("| ", d->m);
		h_md_esc(d->m, head[i]);
		fputc(' ', d->m);
	}
	fputs("</tr></thead>\n<tbody>\n", d->h);
	fputs("|\n|", d->m);
	for (int i = 0; i < n; i++)
		fputs(align && align[i] == 'r' ? "---:|" : "---|", d->m);
	fputc('\n', d->m);
}

void h_doc_row(struct h_doc *d, int n, const struct h_doc_cell *c)
{
	fputs("<tr>", d->h);
	for (int i = 0; i < n; i++) {
		const char *t = c[i].text ? c[i].text : "";
		if (c[i].cls)
			fprintf(d->h, "<td class=\"%s\">", c[i].cls);
		else
			fputs("<td>", d->h);
		if (c[i].badge)
			fprintf(d->h, "<span class=\"%s\">", c[i].badge);
		fputs("| ", d->m);
		if (c[i].strong)
			fputs("**", d->m);
		if (c[i].href) {
			fprintf(d->h, "<a href=\"%s\">", c[i].href);
			h_html_esc(d->h, t);
			fputs("</a>", d->h);
			h_md_esc(d->m, t);
		} else
			put_text(d, t);
		if (c[i].badge)
			fputs("</span>", d->h);
		fputs("</td>", d->h);
		if (c[i].strong)
			fputs("**", d->m);
		fputc(' ', d->m);
	}
	fputs("</tr>\n", d->h);
	fputs("|\n", d->m);
}

void h_doc_end_table(struct h_doc *d)
{
	fputs(d->scroll ? "</tbody></table></div>\n" : "</tbody></table>\n", d->h);
	fputc('\n', d->m);
}

int h_doc_image(struct h_doc *d, const char *rel_svg, const char *rel_md, const char *alt)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", d->dir, rel_svg);
	/* Written to memory first: a missing image must leave no <figure>. */
	char *img = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&img, &len);
	if (!mem)
		return -ENOMEM;
	int rc = h_html_svg_img(mem, path, NULL, alt);
	if (fclose(mem) != 0 && !rc)
		rc = -ENOMEM;
	if (rc) {
		free(img);
		return -ENOENT;
	}
	fputs("<figure>", d->h);
	fwrite(img, 1, len, d->h);
	free(img);
	fputs("<figcaption>", d->h);
	h_html_esc(d->h, alt);
	fputs("</figcaption></figure>\n", d->h);
	fputs("![", d->m);
	h_md_esc(d->m, alt);
	fprintf(d->m, "](%s)\n\n", rel_md);
	return 0;
}

/* Markdown needs a blank line after <summary> for a table inside to
 * render, and one before </details> to end it. */
void h_doc_details(struct h_doc *d, const char *summary)
{
	fputs("<details><summary>", d->h);
	h_html_esc(d->h, summary);
	fputs("</summary>\n", d->h);
	fputs("<details><summary>", d->m);
	h_html_esc(d->m, summary);
	fputs("</summary>\n\n", d->m);
}

void h_doc_end_details(struct h_doc *d)
{
	fputs("</details>\n", d->h);
	fputs("\n</details>\n\n", d->m);
}
