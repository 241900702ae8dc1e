/* hist.c — the log-linear histogram of hist.h. */
#include <math.h>
#include <string.h>

#include "base.h"

_Static_assert(H_HIST_MAX_BITS > 8 && H_HIST_MAX_BITS < 64, "bucket layout");

static int bucket_of(uint64_t v)
{
	if (v < 256)
		return (int)v;
	int msb = 63 - __builtin_clzll(v); /* >= 8 */
	int shift = msb - H_HIST_SUB_BITS;
	int top = (int)(v >> shift); /* 128..255: the leading 8 bits */
	return 256 + (msb - 8) * 128 + (top - 128);
}

static uint64_t bucket_low(int idx)
{
	if (idx < 256)
		return (uint64_t)idx;
	int j = idx - 256;
	int msb = 8 + j / 128;
	return (uint64_t)(128 + j % 128) << (msb - H_HIST_SUB_BITS);
}

static uint64_t bucket_width(int idx)
{
	if (idx < 256)
		return 1;
	return 1ull << ((idx - 256) / 128 + 8 - H_HIST_SUB_BITS);
}

uint64_t h_hist_lowest_equivalent(uint64_t v)
{
	return bucket_low(bucket_of(v > H_HIST_MAX ? H_HIST_MAX : v));
}

uint64_t h_hist_highest_equivalent(uint64_t v)
{
	int idx = bucket_of(v > H_HIST_MAX ? H_HIST_MAX : v);
	return bucket_low(idx) + bucket_width(idx) - 1;
}

void h_hist_init(struct h_hist *h)
{
	memset(h, 0, sizeof *h);
}

void h_hist_record(struct h_hist *h, uint64_t v)
{
	if (v > H_HIST_MAX) {
		v = H_HIST_MAX;
		h->clamped++;
	}
	h->counts[bucket_of(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += (double)v;
}

void h_hist_merge(struct h_hist *dst, const struct h_hist *src)
{
	if (src->count == 0)
		return;
	for (int i = 0; i < H_HIST_NBUCKETS; i++)
		dst->counts[i] += src->counts[i];
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
}

double h_hist_mean(const struct h_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}

/* The middle of a bucket, kept inside [min, max] so that the extreme
 * percentiles are exact. */
static uint64_t bucket_value(const struct h_hist *h, int idx)
{
	uint64_t v = bucket_low(idx) + bucket_width(idx) / 2;
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

uint64_t h_hist_value_at_percentile(const struct h_hist *h, double p)
{
	if (h->count == 0)
		return 0;
	if (!(p > 0.0)) /* NaN too */
		return h->min;
	if (p >= 100.0)
		return h->max;
	/* rank = ceil(p/100 * count), at least 1. The small epsilon keeps
	 * 99.9 % of 1000 at rank 999 despite 99.9/100 not being exact. */
	double r = p / 100.0 * (double)h->count;
	uint64_t rank = (uint64_t)r;
	if ((double)rank < r - 1e-9)
		rank++;
	if (rank < 1)
		rank = 1;
	uint64_t cum = 0;
	for (int i = 0; i < H_HIST_NBUCKETS; i++) {
		cum += h->counts[i];
		if (cum >= rank)
			return bucket_value(h, i);
	}
	return h->max; /* unreachable while counts sum to count */
}

uint64_t h_hist_count_at_or_above(const struct h_hist *h, uint64_t v)
{
	if (v > H_HIST_MAX)
		return 0;
	uint64_t n = 0;
	for (int i = bucket_of(v); i < H_HIST_NBUCKETS; i++)
		n += h->counts[i];
	return n;
}

void h_hist_iter_init(struct h_hist_iter *it, const struct h_hist *h)
{
	memset(it, 0, sizeof *it);
	it->h = h;
}

int h_hist_iter_next(struct h_hist_iter *it)
{
	const struct h_hist *h = it->h;
	while (it->idx < H_HIST_NBUCKETS) {
		int i = it->idx++;
		if (!h->counts[i])
			continue;
		it->cum += h->counts[i];
		it->count = h->counts[i];
		uint64_t hi = bucket_low(i) + bucket_width(i) - 1;
		it->value = hi > h->max ? h->max : hi;
		it->percentile = 100.0 * (double)it->cum / (double)h->count;
		return 1;
	}
	return 0;
}

uint64_t h_pct_min_samples(double p)
{
	if (p <= 0 || p >= 100)
		return 1;
	/* Rounded: 10 / (1 - 0.99) is 1000.0000000000009 in doubles. */
	return (uint64_t)llround(10.0 / (1.0 - p / 100.0));
}

int h_pct_named(double p, double samples)
{
	return samples >= (double)h_pct_min_samples(p);
}
