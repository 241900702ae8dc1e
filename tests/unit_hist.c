/* unit_hist — the log-linear histogram against exact sorted values: for known
 * distributions every reported percentile must lie within the promised
 * error bound of the exact order statistic (the value of rank
 * ceil(p/100 * n)). Also the edges: empty, one value, values past the
 * range, merging, the spectrum iterator. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/base.h"

#include "tests/check.h"

static double rng_unit(void) /* (0, 1] */
{
	return ((double)(t_rand() >> 11) + 1.0) / 9007199254740992.0;
}

static uint64_t exact_at(const uint64_t *sorted, size_t n, double p)
{
	if (p <= 0)
		return sorted[0];
	size_t rank = (size_t)ceil(p / 100.0 * (double)n - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static const double pcts[] = { 0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100 };

/* Records vals into a histogram and compares every percentile with the
 * exact one: within 1/256 (what the layout guarantees), so within the 1 %
 * the issue asks for. */
static void check_distribution(const char *name, uint64_t *vals, size_t n)
{
	static struct h_hist h;
	h_hist_init(&h);
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		h_hist_record(&h, vals[i]);
		sum += (double)vals[i];
	}
	qsort(vals, n, sizeof *vals, t_cmp_u64);
	CHECKF(h_hist_count(&h) == n, "%s: count %llu, want %zu", name,
	       (unsigned long long)h_hist_count(&h), n);
	CHECKF(h_hist_min(&h) == vals[0], "%s: min", name);
	CHECKF(h_hist_max(&h) == vals[n - 1], "%s: max", name);
	CHECKF(t_near(h_hist_mean(&h), sum / (double)n, 1e-6 * (sum / (double)n) + 1e-9),
	       "%s: mean %f, want %f", name, h_hist_mean(&h), sum / (double)n);
	double worst = 0;
	for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
		uint64_t e = exact_at(vals, n, pcts[i]);
		uint64_t got = h_hist_value_at_percentile(&h, pcts[i]);
		double diff = fabs((double)got - (double)e);
		CHECKF(diff * 256.0 <= (double)e, "%s: p%g = %llu, exact %llu (error %.3f %%)", name,
		       pcts[i], (unsigned long long)got, (unsigned long long)e,
		       e ? 100.0 * diff / (double)e : 100.0);
		CHECKF(diff <= 0.01 * (double)e, "%s: p%g beyond 1 %%", name, pcts[i]);
		if (e && diff / (double)e > worst)
			worst = diff / (double)e;
	}
	/* The count above a threshold is exact up to the threshold's bucket. */
	uint64_t thr = exact_at(vals, n, 90);
	size_t exact_above = 0;
	for (size_t i = 0; i < n; i++)
		exact_above += vals[i] >= h_hist_lowest_equivalent(thr);
	CHECKF(h_hist_count_at_or_above(&h, thr) == exact_above, "%s: count_at_or_above %llu, want %zu",
	       name, (unsigned long long)h_hist_count_at_or_above(&h, thr), exact_above);
	printf("%-12s n=%zu p50=%llu p99=%llu p99.9=%llu max=%llu worst error %.3f %%\n", name, n,
	       (unsigned long long)h_hist_value_at_percentile(&h, 50),
	       (unsigned long long)h_hist_value_at_percentile(&h, 99),
	       (unsigned long long)h_hist_value_at_percentile(&h, 99.9),
	       (unsigned long long)h_hist_max(&h), 100 * worst);
}

static void test_layout(void)
{
	/* Every value lies in its own bucket's range, and a bucket is never
	 * wider than 1/128 of its lowest value (exact below 256). */
	uint64_t probes[] = { 0, 1, 2, 127, 128, 255, 256, 257, 511, 512, 1000, 65535, 65536,
	                      1000000, 123456789, (1ull << 41) - 1, 1ull << 41, H_HIST_MAX };
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		uint64_t v = probes[i];
		uint64_t lo = h_hist_lowest_equivalent(v), hi = h_hist_highest_equivalent(v);
		CHECKF(lo <= v && v <= hi, "layout: %llu not in [%llu, %llu]", (unsigned long long)v,
		       (unsigned long long)lo, (unsigned long long)hi);
		if (v < 256)
			CHECKF(lo == v && hi == v, "layout: %llu is not exact", (unsigned long long)v);
		else
			CHECKF((hi - lo + 1) * 128 <= lo, "layout: bucket of %llu too wide",
			       (unsigned long long)v);
		if (v > 0 && v < H_HIST_MAX)
			CHECKF(h_hist_lowest_equivalent(hi + 1) == hi + 1, "layout: gap after %llu",
			       (unsigned long long)hi);
	}
	CHECKF(h_hist_highest_equivalent(H_HIST_MAX) == H_HIST_MAX, "layout: last bucket");
	for (int i = 0; i < 200000; i++) {
		uint64_t v = t_rand() >> (t_rand() % 64);
		if (v > H_HIST_MAX)
			v &= H_HIST_MAX;
		uint64_t lo = h_hist_lowest_equivalent(v), hi = h_hist_highest_equivalent(v);
		if (!(lo <= v && v <= hi)) {
			CHECKF(0, "layout: random %llu outside its bucket", (unsigned long long)v);
			break;
		}
	}
}

static void test_edges(void)
{
	static struct h_hist h, h2;

	h_hist_init(&h);
	CHECKF(h_hist_count(&h) == 0 && h_hist_min(&h) == 0 && h_hist_max(&h) == 0, "empty");
	CHECKF(h_hist_mean(&h) == 0.0, "empty mean");
	CHECKF(h_hist_value_at_percentile(&h, 50) == 0 && h_hist_value_at_percentile(&h, 100) == 0,
	       "empty percentiles");
	struct h_hist_iter it;
	h_hist_iter_init(&it, &h);
	CHECKF(!h_hist_iter_next(&it), "empty iterator");

	/* One value: every percentile is that value exactly. */
	h_hist_record(&h, 987654321);
	for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
		CHECKF(h_hist_value_at_percentile(&h, pcts[i]) == 987654321, "single: p%g", pcts[i]);
	CHECKF(h_hist_min(&h) == 987654321 && h_hist_max(&h) == 987654321, "single min/max");

	/* Past the range: clamped, counted, never lost. */
	h_hist_init(&h);
	h_hist_record(&h, 5);
	h_hist_record(&h, UINT64_MAX);
	h_hist_record(&h, H_HIST_MAX + 1);
	CHECKF(h_hist_count(&h) == 3 && h.clamped == 2, "clamp: count %llu clamped %llu",
	       (unsigned long long)h.count, (unsigned long long)h.clamped);
	CHECKF(h_hist_max(&h) == H_HIST_MAX, "clamp: max");
	CHECKF(h_hist_value_at_percentile(&h, 99) >= H_HIST_MAX - H_HIST_MAX / 256, "clamp: p99");
	CHECKF(h_hist_value_at_percentile(&h, 100) == H_HIST_MAX, "clamp: p100");
	CHECKF(h_hist_value_at_percentile(&h, 10) == 5, "clamp: p10");
	CHECKF(h_hist_count_at_or_above(&h, UINT64_MAX) == 0, "count above the range");
	CHECKF(h_hist_count_at_or_above(&h, H_HIST_MAX) == 2, "count at the top");

	/* Merging two halves equals recording everything in one. */
	h_hist_init(&h);
	h_hist_init(&h2);
	static struct h_hist all;
	h_hist_init(&all);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = 1000 + t_rand() % 5000000;
		h_hist_record(i % 2 ? &h : &h2, v);
		h_hist_record(&all, v);
	}
	h_hist_record(&h2, UINT64_MAX);
	h_hist_record(&all, UINT64_MAX);
	static struct h_hist empty;
	h_hist_init(&empty);
	h_hist_merge(&h, &empty);
	h_hist_merge(&h, &h2);
	CHECKF(memcmp(h.counts, all.counts, sizeof h.counts) == 0, "merge: counts");
	CHECKF(h.count == all.count && h.min == all.min && h.max == all.max &&
	       h.clamped == all.clamped, "merge: summary");
	h_hist_init(&h2);
	h_hist_merge(&h2, &all); /* into an empty one: min must come from src */
	CHECKF(h2.min == all.min, "merge into empty: min %llu, want %llu",
	       (unsigned long long)h2.min, (unsigned long long)all.min);

	/* The spectrum: ascending values, cumulative counts, ends at 100 %. */
	h_hist_iter_init(&it, &all);
	uint64_t prev = 0, total = 0;
	double last = 0;
	int steps = 0;
	while (h_hist_iter_next(&it)) {
		CHECKF(it.value >= prev, "iterator: values not ascending");
		CHECKF(it.percentile >= last, "iterator: percentiles not ascending");
		prev = it.value;
		last = it.percentile;
		total += it.count;
		steps++;
	}
	CHECKF(total == all.count, "iterator: counts sum to %llu, want %llu",
	       (unsigned long long)total, (unsigned long long)all.count);
	CHECKF(t_near(last, 100.0, 1e-9), "iterator: ends at %f %%", last);
	CHECKF(prev == all.max, "iterator: last value is the max");
	CHECKF(steps > 100, "iterator: only %d buckets", steps);
}

int main(void)
{
	test_layout();
	test_edges();

	size_t n = 1000000;
	uint64_t *v = malloc(n * sizeof *v);
	if (!v)
		return 1;

	for (size_t i = 0; i < n; i++)
		v[i] = 1 + t_rand() % 1000000;
	check_distribution("uniform", v, n);

	for (size_t i = 0; i < n; i++) /* mean 100 us, in ns */
		v[i] = (uint64_t)(-log(rng_unit()) * 100000.0);
	check_distribution("exponential", v, n);

	for (size_t i = 0; i < n; i++) /* 1 ns .. 1 s, log-uniform: every octave */
		v[i] = (uint64_t)pow(10.0, 9.0 * rng_unit());
	check_distribution("log-uniform", v, n);

	for (size_t i = 0; i < 1000; i++)
		v[i] = 123457;
	check_distribution("constant", v, 1000);

	free(v);
	if (!failures)
		puts("unit_hist: ok");
	return t_exit_status();
}
