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
	d->median = d->min = d->max = d->mean = d->cov = NAN;
	if (n <= 0)
		return;
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
