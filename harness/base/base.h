/* base.h — the bottom layer of the harness: what every other layer may use
 * and that knows nothing of runs, cells, claims or commands.
 *
 *   error.c     one-line errors and the CLI's exit statuses
 *   files.c     mkdir -p, atomic write-fsync-rename, $PATH lookup
 *   child.c     the monotonic clock; a child's fixed-size result sent
 *               through a pipe and read back under a deadline
 *   text.c      strict integers, comma lists, a figure as the report prints it
 *   json.c      the JSON writer; jsonread.c the reader
 *   stats.c     distributions over repetitions, least-squares fits
 *   hist.c      the latency histogram
 *   doc.c       the one writer of HTML and Markdown documents
 *
 * Dependencies point down: cli -> measure, analysis -> base. Nothing here
 * includes a header of another layer (the build refuses it: see
 * CB_LAYER_* in CMakeLists.txt).
 *
 * Errors: functions return 0 (or a count) or a negative errno.
 */
#ifndef CONCBENCH_BASE_H
#define CONCBENCH_BASE_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

/* ---- error.c ---- */

/* Exit statuses of the CLI. */
enum { H_EXIT_OK = 0, H_EXIT_FAILED = 1, H_EXIT_USAGE = 2 };

/* Returned by a function that has already told the user what went wrong
 * (one line on stderr): the caller only picks the exit status. Distinct
 * from every -errno. */
#define H_REPORTED (-4096)

/* Prints "concbench: <message>" as one line on stderr (usage errors and
 * failures alike; the caller picks the exit status). */
void h_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- files.c ---- */

/* mkdir -p: 0 when path is (now) a folder with its parents, else -errno
 * (-ENOTDIR when a part of it is a file). */
int h_mkdir_p(const char *path);

/* The first executable regular file named prog along $PATH (an empty entry
 * is the current folder; no PATH: /usr/local/bin:/usr/bin:/bin), into out:
 * 1, or 0 when there is none. */
int h_find_in_path(const char *prog, char *out, size_t len);

/* Writing DIR/NAME so that a reader sees the old file or the whole new one,
 * never a part: h_atomic_open gives a stream on a temporary file beside it
 * (NULL with errno set), h_atomic_commit flushes, fsyncs, closes and
 * renames it over DIR/NAME (0 or -errno; the temporary file is removed on
 * failure), h_atomic_abort drops it. */
struct h_atomic {
	char tmp[4200], path[4200];
	int fd;
};
FILE *h_atomic_open(struct h_atomic *a, const char *dir, const char *name);
int h_atomic_commit(struct h_atomic *a, FILE *f);
void h_atomic_abort(struct h_atomic *a, FILE *f);

/* ---- child.c ---- */

/* CLOCK_MONOTONIC in nanoseconds: the one clock the harness times with. */
uint64_t h_now_ns(void);

/* A child process's last act: writes all of buf to fd (the pipe to its
 * parent) and exits 0; exits 3 when the parent is gone. */
_Noreturn void h_child_send_exit(int fd, const void *buf, size_t len);

/* Reads up to len bytes from fd until len arrived, EOF, or deadline_ns
 * (h_now_ns) passed (then *timed_out is 1). Returns the bytes read, or
 * -errno when poll or read failed. */
long h_read_deadline(int fd, void *buf, size_t len, uint64_t deadline_ns, int *timed_out);

/* ---- text.c ---- */

/* Plain decimal with an optional '-' and optional '_' between digits
 * ("1_000_000"); the whole string must be consumed. 0, -EINVAL or -ERANGE. */
int h_parse_i64(const char *s, int64_t *out);

/* Splits "a,b,c" at commas. An empty string or an empty item ("a,,b",
 * ",", "a,") is -EINVAL. On success *out is a NULL-terminated array of
 * copies (free with h_strv_free) and the return value is the count. */
int h_split_list(const char *s, char ***out);
void h_strv_free(char **v);

/* A figure as the report prints it: 3 significant digits, never an
 * exponent, commas between thousands ("0.0186", "18.6", "1,863",
 * "123,457", "12,300,000"), a whole number as one ("3"). Returns buf. */
char *h_fmt_num(char *buf, size_t len, double v);

/* ---- json.c, jsonread.c ---- */

void h_json_str(FILE *f, const char *s); /* a quoted, escaped string; null for NULL */
void h_json_num(FILE *f, double v);      /* a number; null for NaN/inf */
/* Reads a JSON file's top-level string or number field `key` into out
 * (numbers as written); returns 0, or -ENOENT when absent. Good enough for
 * the flat objects the harness itself writes. */
int h_json_get(const char *line, const char *key, char *out, size_t outlen);

enum h_jtype { H_JNULL, H_JBOOL, H_JNUM, H_JSTR };
/* Called for every scalar of a JSON text, with its path ("mem.rss_kib";
 * array items are numbered: "args.0"). str is the unescaped string, or the
 * number's or literal's text. Returns 0 to go on. */
typedef int (*h_json_cb)(void *ctx, const char *path, enum h_jtype type, const char *str);
/* 0, -EINVAL for malformed JSON, or the callback's non-zero return. */
int h_json_walk(const char *text, h_json_cb cb, void *ctx);
/* h_json_walk over the whole file at path: -errno when it cannot be opened,
 * -EINVAL when it is empty or malformed, else h_json_walk's return. */
int h_json_walk_file(const char *path, h_json_cb cb, void *ctx);

/* ---- the results folder's table format (written by measure, read by
 * analysis) ----
 *
 * summary.csv is long format, one row per runtime x workload x parameter
 * point x metric, so a chart can select the rows it needs:
 *   runtime,workload,params,metric,unit,n,median,min,max,cov,noisy
 * params is "k=v;k=v" in declaration order (workload's, then runtime's),
 * then placement=NAME when --placement chose it, or placement=shared (below).
 * Core metrics (wall_ns,
 * cpu_user_ns, ...), kernel counters and memory at peak appear as metrics
 * too. cov is the coefficient of variation over the reps (empty for fewer
 * than two); noisy is 1 when it exceeds 10%. Memory-per-task fits add rows
 * mem_slope_*_kib_per_task and mem_slope_*_r2 whose params leave out tasks. */
#define H_SUMMARY_HEADER H_SUMMARY_HEADER_V1 ",ci_lo,ci_hi"
/* The placement of a server cell that had every CPU of the run, its load
 * generator's included (a suite part's share_cpus, or --client-cpus over
 * the server's CPUs), on a run of two or more: in results.jsonl and as
 * placement=shared in summary.csv's params. Without it such a cell's rows
 * would pool with the same point run on the server's own CPUs (all but the
 * client's), whose summary key they share: C15 on two CPUs against C3 on
 * one. Runs before 2026-12-02 have no such label (their shared cells,
 * C13's echo, say "unpinned"). */
#define H_PLACEMENT_SHARED "shared"
/* summary.csv before the intervals (2026-11-30): still read, the
 * intervals unknown. */
#define H_SUMMARY_HEADER_V1 "runtime,workload,params,metric,unit,n,median,min,max,cov,noisy"

/* ---- stats.c ---- */

/* A result whose coefficient of variation exceeds this is flagged noisy. */
#define H_NOISY_COV 0.10

/* The distribution of one metric over repetitions. cov is the sample
 * standard deviation over |mean|: NaN for fewer than two values, or a
 * mean of zero with a spread. */
struct h_dist {
	int n;
	double median, min, max, mean, cov;
	double ci_lo, ci_hi; /* the median's 95% interval (h_boot_median_ci); NaN for n < 2 */
};
void h_dist_of(double *v, int n, struct h_dist *out); /* sorts v */
int h_dist_noisy(const struct h_dist *d);            /* cov > H_NOISY_COV */

/* Confidence intervals by the seeded percentile bootstrap (stats.c): the
 * same values give the same interval everywhere. */
#define H_BOOT_LEVEL 0.95
#define H_BOOT_RESAMPLES 2000
#define H_BOOT_SEED 0x636f6e6362656e63ull /* "concbenc" */
struct h_ci {
	double lo, hi; /* NaN: no interval (fewer than two values) */
};
/* The median's interval over n values (unchanged). -EINVAL for n < 2. */
int h_boot_median_ci(const double *v, int n, struct h_ci *ci);
/* The interval of median(a) / median(b), resampling both sides. -EINVAL
 * when a side has fewer than two values, -EDOM when most resamples of b
 * have a zero median. */
int h_boot_ratio_ci(const double *a, int na, const double *b, int nb, struct h_ci *ci);
/* The interval of median(a) - median(b), resampling both sides. -EINVAL
 * when a side has fewer than two values. */
int h_boot_diff_ci(const double *a, int na, const double *b, int nb, struct h_ci *ci);

/* y = intercept + slope*x by least squares, with R^2 (NaN when y does not
 * vary). -EINVAL when fewer than two points or a single x value. */
struct h_fit {
	int n;
	double slope, intercept, r2;
};
int h_linfit(const double *x, const double *y, int n, struct h_fit *out);

/* The Mann-Whitney U test, two-sided: how likely samples as far apart as a
 * (na values) and b (nb) are if both come from one distribution. Exact (the
 * U distribution counted) without ties and with na + nb <= 60, else the
 * normal approximation with tie and continuity corrections. p in [0, 1]; 1
 * when every value is equal. 0, -EINVAL for an empty side, -ENOMEM. With
 * n values a side the smallest p is 2 / C(2n, n): 0.1 at 3, 0.029 at 4. */
int h_mann_whitney(const double *a, int na, const double *b, int nb, double *p);

/* ---- hist.c: a log-linear latency histogram (HdrHistogram's layout, simplified).
 *
 * Values are unsigned integers (the harness records nanoseconds). Values
 * below 256 each have their own bucket; above, every power-of-two range
 * [2^k, 2^(k+1)) is cut into 128 equal sub-buckets, so a bucket is never
 * wider than 1/128 of its lowest value. A query reports the middle of a
 * bucket: at most 1/256 (0.4 %) away from any value recorded in it, inside
 * the 1 % the harness promises.
 *
 * Constant memory: H_HIST_NBUCKETS 8-byte counters (36 KiB) cover 0 ns to
 * H_HIST_MAX (2^42 - 1 ns, 73 minutes). A larger value is recorded as
 * H_HIST_MAX and counted in `clamped`, never dropped. Recording is an index
 * computation (one clz) and an increment: no allocation, no branch on the
 * distribution. */

#define H_HIST_SUB_BITS 7 /* 128 sub-buckets per power of two */
#define H_HIST_MAX_BITS 42
#define H_HIST_MAX ((1ull << H_HIST_MAX_BITS) - 1)
/* 256 exact buckets for 0..255, then 128 per power of two from 2^8 to 2^41. */
#define H_HIST_NBUCKETS (256 + (H_HIST_MAX_BITS - 8) * 128)

struct h_hist {
	uint64_t count;   /* values recorded, clamped ones included */
	uint64_t clamped; /* values above H_HIST_MAX (recorded as H_HIST_MAX) */
	uint64_t min, max; /* exact, after clamping; 0 when empty */
	double sum;       /* for the mean; a double, since 10^9 values of an hour overflow 64 bits */
	uint64_t counts[H_HIST_NBUCKETS];
};

void h_hist_init(struct h_hist *h);
void h_hist_record(struct h_hist *h, uint64_t v);
/* Adds every value of src to dst. */
void h_hist_merge(struct h_hist *dst, const struct h_hist *src);

static inline uint64_t h_hist_count(const struct h_hist *h) { return h->count; }
static inline uint64_t h_hist_min(const struct h_hist *h) { return h->min; }
static inline uint64_t h_hist_max(const struct h_hist *h) { return h->max; }
double h_hist_mean(const struct h_hist *h); /* 0 when empty */

/* The value below or at which p percent of the values lie (p in [0, 100]):
 * the value of rank ceil(p/100 * count), within 1/256 of it, and never
 * outside [min, max]. 0 for an empty histogram; p <= 0 gives min, p >= 100
 * gives max. */
uint64_t h_hist_value_at_percentile(const struct h_hist *h, double p);
/* A percentile is named only with enough samples for it: 10 / (1 - q)
 * (p99: 1,000, p99.9: 10,000, p99.99: 100,000); below that the highest
 * value read at it is the maximum, or nearly, and is called so. p in
 * percent (99.9). */
uint64_t h_pct_min_samples(double p);
int h_pct_named(double p, double samples); /* 1: samples >= h_pct_min_samples(p) */

/* How many recorded values are >= v, counting v's whole bucket (so within
 * the bucket's width of exact). */
uint64_t h_hist_count_at_or_above(const struct h_hist *h, uint64_t v);

/* The lowest and highest value that land in v's bucket. */
uint64_t h_hist_lowest_equivalent(uint64_t v);
uint64_t h_hist_highest_equivalent(uint64_t v);

/* Walks the non-empty buckets from the lowest value up, for a percentile
 * spectrum: each step gives the bucket's highest value (clamped to max),
 * the values in it and the percentage of all values at or below it.
 *
 *     struct h_hist_iter it;
 *     h_hist_iter_init(&it, h);
 *     while (h_hist_iter_next(&it))
 *             printf("%llu %.4f\n", it.value, it.percentile);
 */
struct h_hist_iter {
	const struct h_hist *h;
	int idx;
	uint64_t cum;
	uint64_t value, count;
	double percentile;
};
void h_hist_iter_init(struct h_hist_iter *it, const struct h_hist *h);
int h_hist_iter_next(struct h_hist_iter *it); /* 1: a bucket, 0: done */

/* ---- doc.c: the one writer of HTML and Markdown documents ---- */

void h_html_esc(FILE *f, const char *s); /* & < > " as entities */
void h_md_esc(FILE *f, const char *s);   /* Markdown markup characters; newlines as spaces */
/* <img [class] alt src="data:image/svg+xml;base64,..."> of the SVG at path: 0,
 * -errno when unreadable, -ENOENT when it is not an SVG. */
int h_html_svg_img(FILE *f, const char *path, const char *cls, const char *alt);

/* A document written as DIR/NAME.html and DIR/NAME.md in one pass: every
 * h_doc_* call writes both, so the two can never say different things.
 * Text given to them is escaped for each (fmt: printf's). What only one of
 * the two shows (the page's head and style, an HTML-only fold) the caller
 * writes to h or m itself. */
struct h_doc {
	FILE *h, *m;     /* the HTML and the Markdown being written */
	const char *dir; /* where they go; h_doc_image's paths are under it */
	/* Set by the caller: tables sit in a <div class="scroll"> (the page's
	 * style lets a wide one scroll sideways instead of widening the page)
	 * and, in the Markdown, after one more blank line. */
	int scroll;
	struct h_atomic ah, am;
	/* Set by the caller, optional: a glossary. The first time running text
	 * (h_doc_text, a table cell without href) uses one of a term's forms,
	 * the form is linked to #g-ID, so a reader meets every term with its
	 * definition one click away. no_links suspends it (the glossary's own
	 * entries). */
	const struct h_doc_term *terms;
	int nterms, no_links;
	unsigned char linked[64]; /* per term: already linked */
};

/* A glossary term for struct h_doc: id (anchor "g-ID") and the forms that
 * count as a use of it, '|'-separated, each matched whole-word and
 * case-sensitively ("futex|futexes"). */
struct h_doc_term {
	const char *id, *forms;
};

/* Opens both files, through h_atomic_open: a reader sees the old files or
 * the whole new ones. Sets h, m and dir, leaves scroll alone. 0, or -errno
 * with nothing open and nothing said. */
int h_doc_open(struct h_doc *d, const char *dir, const char *name);
/* Commits the HTML, then the Markdown (both are tried). 0, or the first
 * -errno after one line on stderr for each file not written. */
int h_doc_close(struct h_doc *d);
void h_doc_abort(struct h_doc *d); /* drops both; the old files stay */

/* <hN [id]> in HTML, N #s in Markdown. id: NULL for none. */
void h_doc_heading(struct h_doc *d, int level, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A paragraph, built from the pieces below between h_doc_p and h_doc_end_p.
 * cls: the <p>'s class, NULL none. */
void h_doc_p(struct h_doc *d, const char *cls);
void h_doc_end_p(struct h_doc *d);
void h_doc_text(struct h_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <strong>, **; a trailing space goes after the markup ("Verdict: "). */
void h_doc_strong(struct h_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void h_doc_code(struct h_doc *d, const char *s); /* <code>, a `span` */
/* The writer's own prose, never data: each `name` in it is a code span. */
void h_doc_rich(struct h_doc *d, const char *s);
/* A link: <a href>, [text](href). href is the writer's own (not escaped
 * for Markdown), text is escaped. */
void h_doc_link(struct h_doc *d, const char *href, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An anchor a link can point at: <span id>, <a id> in Markdown. */
void h_doc_anchor(struct h_doc *d, const char *id);

/* A table cell; zero fields are what a plain cell has. */
struct h_doc_cell {
	const char *text;  /* NULL: empty */
	const char *cls;   /* the <td>'s class, NULL none */
	const char *badge; /* the class of a <span> around the text, NULL none */
	const char *href;  /* a link in the HTML ("#c1"), plain text in Markdown */
	int strong;        /* bold in the Markdown (the HTML shows it by cls or badge) */
};
/* A table of n columns headed by head[]. cls: the <table>'s class, NULL
 * none. align: NULL, or a letter per column, 'l' or 'r': a right-aligned
 * column is ---: in the Markdown and its HTML header has class "n" (its
 * cells say their own class). */
void h_doc_table(struct h_doc *d, const char *cls, int n, const char *const *head,
                 const char *align);
void h_doc_row(struct h_doc *d, int n, const struct h_doc_cell *c);
void h_doc_end_table(struct h_doc *d);

/* The SVG at DIR/rel_svg inline in the HTML as a <figure> captioned alt,
 * rel_md linked from the Markdown. 0, or -ENOENT (or -ENOMEM) with nothing
 * written when there is no such image. */
int h_doc_image(struct h_doc *d, const char *rel_svg, const char *rel_md, const char *alt);

/* A fold, <details><summary>: GitHub renders it in Markdown too, and a
 * text reader sees a plain line. */
void h_doc_details(struct h_doc *d, const char *summary);
void h_doc_end_details(struct h_doc *d);

#endif
