/* stats.c — the few statistics the harness reports: the distribution of a
 * metric over repetitions (median, min, max, coefficient of variation) and
 * a least-squares line (memory per task as the slope over a sweep of task
 * counts). No registry, no I/O: tests/unit_stats.c checks them on
 * synthetic data. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "base.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void h_dist_of(double *v, int n, struct h_dist *d)
{
	d->n = n;
	d->median = d->min = d->max = d->mean = d->cov = d->ci_lo = d->ci_hi = NAN;
	if (n <= 0)
		return;
	struct h_ci ci;
	if (h_boot_median_ci(v, n, &ci) == 0) {
		d->ci_lo = ci.lo;
		d->ci_hi = ci.hi;
	}
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	d->min = v[0];
	d->max = v[n - 1];
	d->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += v[i];
	d->mean = sum / n;
	if (n < 2)
		return; /* one value has no spread to speak of */
	/* Two passes (mean, then squares about it): the one-pass formula
	 * cancels catastrophically for large values with a small spread,
	 * which is exactly what wall times in ns are. */
	double ss = 0;
	for (int i = 0; i < n; i++)
		ss += (v[i] - d->mean) * (v[i] - d->mean);
	double sd = sqrt(ss / (n - 1)); /* the sample standard deviation */
	if (d->mean != 0)
		d->cov = sd / fabs(d->mean);
	else if (sd == 0)
		d->cov = 0; /* all zero: no variation at all */
}

int h_dist_noisy(const struct h_dist *d)
{
	return isfinite(d->cov) && d->cov > H_NOISY_COV;
}

int h_linfit(const double *x, const double *y, int n, struct h_fit *f)
{
	f->n = n;
	f->slope = f->intercept = f->r2 = NAN;
	if (n < 2)
		return -EINVAL;
	double mx = 0, my = 0;
	for (int i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= n;
	my /= n;
	/* Centred sums, for the same reason as above: x spans 1e3..1e6 and
	 * the raw sum of squares would swamp the differences. */
	double sxx = 0, sxy = 0, syy = 0;
	for (int i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
		syy += (y[i] - my) * (y[i] - my);
	}
	if (sxx == 0)
		return -EINVAL; /* one x value: no slope */
	f->slope = sxy / sxx;
	f->intercept = my - f->slope * mx;
	/* R² = 1 - SS_res/SS_tot; for a least-squares line SS_res = syy -
	 * slope·sxy. Undefined (NaN) when y does not vary at all. */
	if (syy > 0) {
		double ssres = syy - f->slope * sxy;
		f->r2 = 1 - (ssres < 0 ? 0 : ssres) / syy;
	}
	return 0;
}

/* ---- bootstrap intervals ----
 *
 * The percentile bootstrap: resample the repetitions with replacement,
 * take the statistic of each resample, and read the interval off the
 * middle `level` of those statistics. It assumes nothing about the
 * distribution (latencies and wall times are skewed), and its seed is
 * fixed, so the same results give the same interval on any machine. With
 * n repetitions a median's interval can only fall on the values observed:
 * with 3 it is the whole range, which is the honest answer. */

/* splitmix64: small, seedable and good enough to pick indexes. */
static uint64_t boot_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The median of one resample of v (n values) into tmp. */
static double boot_median(const double *v, int n, double *tmp, uint64_t *s)
{
	for (int i = 0; i < n; i++)
		tmp[i] = v[boot_next(s) % (uint64_t)n];
	qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* The interval's ends from the sorted statistics: the level's middle. */
static void boot_ends(double *stat, int k, double level, struct h_ci *ci)
{
	qsort(stat, (size_t)k, sizeof *stat, cmp_double);
	double tail = (1 - level) / 2;
	int lo = (int)floor(tail * (k - 1)), hi = (int)ceil((1 - tail) * (k - 1));
	ci->lo = stat[lo];
	ci->hi = stat[hi];
}

int h_boot_median_ci(const double *v, int n, struct h_ci *ci)
{
	ci->lo = ci->hi = NAN;
	if (n < 2)
		return -EINVAL; /* one value has no spread to resample */
	double *tmp = malloc((size_t)n * sizeof *tmp),
	       *stat = malloc(H_BOOT_RESAMPLES * sizeof *stat);
	int rc = -ENOMEM;
	if (tmp && stat) {
		uint64_t s = H_BOOT_SEED;
		for (int k = 0; k < H_BOOT_RESAMPLES; k++)
			stat[k] = boot_median(v, n, tmp, &s);
		boot_ends(stat, H_BOOT_RESAMPLES, H_BOOT_LEVEL, ci);
		rc = 0;
	}
	free(tmp);
	free(stat);
	return rc;
}

/* The interval of median(a) op median(b) (ratio 1: a / b, else a - b). */
static int boot_pair_ci(const double *a, int na, const double *b, int nb, int ratio,
                        struct h_ci *ci)
{
	ci->lo = ci->hi = NAN;
	if (na < 2 || nb < 2)
		return -EINVAL;
	double *tmp = malloc((size_t)(na > nb ? na : nb) * sizeof *tmp),
	       *stat = malloc(H_BOOT_RESAMPLES * sizeof *stat);
	int rc = -ENOMEM, k = 0;
	if (tmp && stat) {
		uint64_t s = H_BOOT_SEED;
		/* Both sides resampled, independently: each is its own set of
		 * repetitions. A resample whose denominator is 0 has no ratio. */
		for (int i = 0; i < H_BOOT_RESAMPLES; i++) {
			double x = boot_median(a, na, tmp, &s), y = boot_median(b, nb, tmp, &s);
			double r = ratio ? (y != 0 ? x / y : NAN) : x - y;
			if (isfinite(r))
				stat[k++] = r;
		}
		rc = k < H_BOOT_RESAMPLES / 2 ? -EDOM : 0;
		if (rc == 0)
			boot_ends(stat, k, H_BOOT_LEVEL, ci);
	}
	free(tmp);
	free(stat);
	return rc;
}

int h_boot_ratio_ci(const double *a, int na, const double *b, int nb, struct h_ci *ci)
{
	return boot_pair_ci(a, na, b, nb, 1, ci);
}

int h_boot_diff_ci(const double *a, int na, const double *b, int nb, struct h_ci *ci)
{
	return boot_pair_ci(a, na, b, nb, 0, ci);
}

/* ---- the Mann-Whitney U test ----
 *
 * Rank-based, so it assumes no shape (latencies are skewed, a rep can be
 * an outlier) and a single wild repetition moves it by one rank only. */

/* The count of arrangements of m values of one side and n of the other
 * giving each U = 0..m*n: the coefficients of the Gaussian binomial
 * [m+n choose m]_q, built as prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i). Each
 * step leaves [n+i choose i]_q, whose coefficients are at most C(n+i, i):
 * exact in int64 for m + n <= 60. c has m*n + 1 slots. */
static void mw_counts(int m, int n, int64_t *c)
{
	int top = m * n;
	for (int k = 0; k <= top; k++)
		c[k] = k == 0;
	for (int i = 1; i <= m; i++) {
		for (int k = top; k >= n + i; k--) /* times (1 - q^(n+i)) */
			c[k] -= c[k - n - i];
		for (int k = i; k <= top; k++) /* over (1 - q^i) */
			c[k] += c[k - i];
	}
}

int h_mann_whitney(const double *a, int na, const double *b, int nb, double *p)
{
	*p = NAN;
	if (na < 1 || nb < 1)
		return -EINVAL;
	/* U counts the pairs where a wins, a tie half; ties also feed the
	 * variance's correction below, from the pooled sorted values. */
	double u = 0;
	int ties = 0;
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++) {
			u += a[i] > b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
			ties |= a[i] == b[j];
		}
	int n = na + nb;
	double *all = malloc((size_t)n * sizeof *all);
	if (!all)
		return -ENOMEM;
	for (int i = 0; i < na; i++)
		all[i] = a[i];
	for (int j = 0; j < nb; j++)
		all[na + j] = b[j];
	qsort(all, (size_t)n, sizeof *all, cmp_double);
	double tie_sum = 0;
	for (int i = 0; i < n;) {
		int e = i;
		while (e < n && all[e] == all[i])
			e++;
		double t = e - i;
		tie_sum += t * t * t - t;
		ties |= e - i > 1;
		i = e;
	}
	free(all);

	double mn = (double)na * nb, lo = u < mn - u ? u : mn - u;
	if (!ties && n <= 60) {
		int64_t *c = malloc(((size_t)na * (size_t)nb + 1) * sizeof *c);
		if (!c)
			return -ENOMEM;
		mw_counts(na, nb, c);
		double below = 0, total = 0;
		for (int k = 0; k <= na * nb; k++) {
			total += (double)c[k];
			if (k <= lo)
				below += (double)c[k];
		}
		free(c);
		*p = 2 * below / total;
	} else {
		double var = mn / 12 * ((n + 1) - tie_sum / ((double)n * (n - 1)));
		if (var <= 0) {
			*p = 1; /* every value equal: nothing tells the sides apart */
			return 0;
		}
		double z = (fabs(u - mn / 2) - 0.5) / sqrt(var);
		*p = z <= 0 ? 1 : erfc(z / sqrt(2));
	}
	if (*p > 1)
		*p = 1;
	return 0;
}
