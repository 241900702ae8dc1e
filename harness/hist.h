/* hist.h — a log-linear latency histogram (HdrHistogram's layout, simplified).
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
 * distribution.
 */
#ifndef CONCBENCH_HIST_H
#define CONCBENCH_HIST_H

#include <stdint.h>

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

#endif
