/* unit_stats — the statistics on synthetic data whose answers are known:
 * median, min, max and coefficient of variation (and the noisy flag at
 * 10%), and the least-squares slope with its R², which must recover a
 * known memory-per-task slope from points with and without scatter. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

static void test_dist(void)
{
	struct h_dist d;

	/* Odd count, unsorted: median is the middle value. Mean 20, sample
	 * variance ((10)^2 + 0 + 10^2) / 2 = 100, sd 10: CoV 0.5, noisy. */
	double a[] = { 30, 10, 20 };
	h_dist_of(a, 3, &d);
	CHECK(d.n == 3 && d.median == 20 && d.min == 10 && d.max == 30 && d.mean == 20);
	CHECK(t_near(d.cov, 0.5, 1e-12));
	CHECK(h_dist_noisy(&d));

	/* Even count: the mean of the middle two. 100, 102, 104, 106: mean
	 * 103, sample sd sqrt(20/3) = 2.582, CoV 0.02507: not noisy. */
	double b[] = { 106, 100, 104, 102 };
	h_dist_of(b, 4, &d);
	CHECK(d.median == 103 && d.min == 100 && d.max == 106);
	CHECK(t_near(d.cov, sqrt(20.0 / 3) / 103, 1e-12));
	CHECK(!h_dist_noisy(&d));

	/* Either side of the 10% line. Two values 100±e have a sample sd of
	 * e·√2: CoV 0.1485 here (noisy), 0.09 below (not). */
	double c[] = { 100 - 10.5, 100 + 10.5 };
	h_dist_of(c, 2, &d);
	CHECK(t_near(d.cov, 10.5 * sqrt(2) / 100, 1e-12));
	CHECK(h_dist_noisy(&d));
	double e = 9.0 / sqrt(2); /* CoV 0.09 */
	double c2[] = { 100 - e, 100 + e };
	h_dist_of(c2, 2, &d);
	CHECK(t_near(d.cov, 0.09, 1e-12));
	CHECK(!h_dist_noisy(&d));

	/* Large values, small spread: the two-pass formula keeps it exact
	 * (a one-pass sum of squares would lose it entirely at 1e12). */
	double big[] = { 1e12 + 1, 1e12 + 2, 1e12 + 3 };
	h_dist_of(big, 3, &d);
	CHECK(t_near(d.cov, 1.0 / 1e12, 1e-15));

	/* One value: no spread to report. All zero: CoV 0. */
	double one[] = { 42 };
	h_dist_of(one, 1, &d);
	CHECK(d.median == 42 && isnan(d.cov) && !h_dist_noisy(&d));
	double zeros[] = { 0, 0, 0 };
	h_dist_of(zeros, 3, &d);
	CHECK(d.cov == 0 && !h_dist_noisy(&d));
	/* Mean zero with a spread: undefined, NaN, and not flagged. */
	double pm[] = { -1, 1 };
	h_dist_of(pm, 2, &d);
	CHECK(isnan(d.cov) && !h_dist_noisy(&d));
	/* None. */
	h_dist_of(NULL, 0, &d);
	CHECK(d.n == 0 && isnan(d.median));
}

static void test_fit(void)
{
	struct h_fit f;

	/* Exact: 16 KiB per task over a 3000 KiB base, at the task counts of
	 * a real sweep. R² is 1. */
	double x[] = { 1000, 10000, 100000, 1000000 };
	double y[4];
	for (int i = 0; i < 4; i++)
		y[i] = 3000 + 16 * x[i];
	CHECK(h_linfit(x, y, 4, &f) == 0);
	CHECK(f.n == 4 && t_near(f.slope, 16, 1e-9) && t_near(f.intercept, 3000, 1e-3));
	CHECK(t_near(f.r2, 1, 1e-12));

	/* Reps with scatter: three points per task count, ±2% of the value
	 * in a fixed pattern whose mean is zero at each x, so the slope is
	 * still exactly 16 and R² is just below 1. */
	double xs[12], ys[12];
	const double dev[3] = { -0.02, 0, 0.02 };
	for (int i = 0; i < 12; i++) {
		xs[i] = x[i / 3];
		ys[i] = (3000 + 16 * xs[i]) * (1 + dev[i % 3]);
	}
	CHECK(h_linfit(xs, ys, 12, &f) == 0);
	CHECK(t_near(f.slope, 16, 1e-9));
	CHECK(f.r2 < 1 && f.r2 > 0.99);

	/* Known R²: (1,1) (2,3) (3,2): slope 0.5, intercept 1, SS_res 1.5,
	 * SS_tot 2, R² 0.25. */
	double x3[] = { 1, 2, 3 }, y3[] = { 1, 3, 2 };
	CHECK(h_linfit(x3, y3, 3, &f) == 0);
	CHECK(t_near(f.slope, 0.5, 1e-12) && t_near(f.intercept, 1, 1e-12) && t_near(f.r2, 0.25, 1e-12));

	/* Flat y: slope 0, R² undefined. */
	double yf[] = { 5, 5, 5 };
	CHECK(h_linfit(x3, yf, 3, &f) == 0);
	CHECK(f.slope == 0 && isnan(f.r2));

	/* Not enough to fit: one point, or one x value. */
	CHECK(h_linfit(x, y, 1, &f) == -EINVAL);
	double xsame[] = { 7, 7, 7 };
	CHECK(h_linfit(xsame, y3, 3, &f) == -EINVAL && isnan(f.slope));
}

/* The bootstrap: seeded (the same interval twice), within the values
 * seen, around the median, narrowing with more repetitions, and a ratio's
 * interval that holds the ratio of medians and excludes 1 only when the
 * two sides really differ. */
static void test_boot(void)
{
	struct h_ci a, b;
	double one[] = { 3 };
	CHECK(h_boot_median_ci(one, 1, &a) == -EINVAL && isnan(a.lo) && isnan(a.hi));
	double v[] = { 10, 11, 9, 10.5, 9.5, 30 };
	CHECK(h_boot_median_ci(v, 6, &a) == 0 && h_boot_median_ci(v, 6, &b) == 0);
	CHECK(a.lo == b.lo && a.hi == b.hi);
	CHECK(a.lo >= 9 && a.hi <= 30 && a.lo <= 10.25 && a.hi >= 10.25);
	/* One outlier of six cannot carry the median's upper end to itself. */
	CHECK(a.hi < 30);
	/* 40 values around 100 +- 10: an interval far narrower than the spread. */
	double many[40];
	for (int i = 0; i < 40; i++)
		many[i] = 100 + (i % 2 ? 1 : -1) * (i % 10);
	CHECK(h_boot_median_ci(many, 40, &a) == 0);
	CHECK(a.lo >= 95 && a.hi <= 105 && a.lo <= 100 && a.hi >= 100);

	double x[] = { 200, 210, 190, 205, 195 }, y[] = { 100, 105, 95, 102, 98 };
	CHECK(h_boot_ratio_ci(x, 5, y, 5, &a) == 0);
	CHECK(a.lo > 1.5 && a.hi < 2.5 && a.lo <= 2 && a.hi >= 2);
	/* Two samples of the same thing: the interval straddles 1. */
	double y2[] = { 101, 99, 104, 96, 100 };
	CHECK(h_boot_ratio_ci(y, 5, y2, 5, &a) == 0 && a.lo < 1 && a.hi > 1);
	double zero[] = { 0, 0, 0 };
	CHECK(h_boot_ratio_ci(x, 5, zero, 3, &a) == -EDOM);
	CHECK(h_boot_ratio_ci(x, 1, y, 5, &a) == -EINVAL);
}

/* U over every split of the pooled values into sides of na and nb: the
 * exact two-sided p by enumeration, an independent check of the counting. */
static double mw_brute(const double *a, int na, const double *b, int nb)
{
	double all[16];
	int n = na + nb;
	for (int i = 0; i < na; i++)
		all[i] = a[i];
	for (int j = 0; j < nb; j++)
		all[na + j] = b[j];
	double mn = (double)na * nb, u0 = 0;
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			u0 += a[i] > b[j];
	double d0 = fabs(u0 - mn / 2);
	long hit = 0, total = 0;
	for (unsigned mask = 0; mask < 1u << n; mask++) {
		if (__builtin_popcount(mask) != na)
			continue;
		double u = 0;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				u += (mask >> i & 1) && !(mask >> j & 1) && all[i] > all[j];
		total++;
		hit += fabs(u - mn / 2) >= d0 - 1e-9;
	}
	return (double)hit / total;
}

/* Mann-Whitney: the textbook extremes (all of one side above the other:
 * 2/C(10,5) at five a side, 0.1 at three, which can never reach 5%), the
 * exact counting against enumeration, the normal approximation with ties,
 * identical samples, and bad input. */
static void test_mann_whitney(void)
{
	double p;
	double lo5[] = { 1, 2, 3, 4, 5 }, hi5[] = { 6, 7, 8, 9, 10 };
	CHECK(h_mann_whitney(lo5, 5, hi5, 5, &p) == 0 && t_near(p, 2.0 / 252, 1e-12));
	CHECK(h_mann_whitney(hi5, 5, lo5, 5, &p) == 0 && t_near(p, 2.0 / 252, 1e-12));
	CHECK(h_mann_whitney(lo5, 3, hi5, 3, &p) == 0 && t_near(p, 0.1, 1e-12));
	/* Interleaved: 1 3 5 7 against 2 4 6 8 9. */
	double a[] = { 1, 3, 5, 7 }, b[] = { 2, 4, 6, 8, 9 };
	CHECK(h_mann_whitney(a, 4, b, 5, &p) == 0 && t_near(p, mw_brute(a, 4, b, 5), 1e-12));
	double c[] = { 10.5, 3.25, 8, 12, 1, 7.5 }, d[] = { 2, 11, 9, 13, 14, 15, 4 };
	CHECK(h_mann_whitney(c, 6, d, 7, &p) == 0 && t_near(p, mw_brute(c, 6, d, 7), 1e-12));
	CHECK(p > 0.05 && p < 1);
	/* Ties: the normal approximation, still telling 1,1,2,2 from 5,5,6,6
	 * apart only weakly (4 a side), and identical samples not at all. */
	double t1[] = { 1, 1, 2, 2, 2, 1, 2, 1 }, t2[] = { 5, 5, 6, 6, 6, 5, 6, 5 };
	CHECK(h_mann_whitney(t1, 8, t2, 8, &p) == 0 && p < 0.01 && p > 0);
	CHECK(h_mann_whitney(t1, 8, t1, 8, &p) == 0 && p == 1);
	double same[] = { 4, 4, 4 };
	CHECK(h_mann_whitney(same, 3, same, 3, &p) == 0 && p == 1);
	/* Large samples shifted by a little against their spread. */
	double x[40], y[40];
	for (int i = 0; i < 40; i++) {
		x[i] = 100 + (i * 7 % 40);
		y[i] = 100 + (i * 11 % 40) + 0.5;
	}
	CHECK(h_mann_whitney(x, 40, y, 40, &p) == 0 && p > 0.5);
	for (int i = 0; i < 40; i++)
		y[i] += 30;
	CHECK(h_mann_whitney(x, 40, y, 40, &p) == 0 && p < 1e-6);
	CHECK(h_mann_whitney(x, 0, y, 4, &p) == -EINVAL && isnan(p));
}

int main(void)
{
	test_dist();
	test_fit();
	test_boot();
	test_mann_whitney();
	return t_exit_status();
}
