/* text.c — the small text helpers every layer uses: strict integers, comma
 * lists, and a figure formatted the way the report prints it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

int h_parse_i64(const char *s, int64_t *out)
{
	/* Underscores may group digits ("1_000_000"); they are dropped after
	 * checking each sits between two digits, then strtoll sees plain
	 * decimal. 24 digits is past any int64, so longer input is -ERANGE. */
	char buf[32];
	size_t n = 0;
	const char *p = s;
	if (!s)
		return -EINVAL;
	if (*p == '-')
		buf[n++] = *p++;
	if (*p < '0' || *p > '9')
		return -EINVAL; /* empty, "+5", " 5", "-", "_5" */
	for (; *p; p++) {
		if (*p == '_') {
			if (p[1] < '0' || p[1] > '9')
				return -EINVAL; /* "5_", "5__0" */
			continue;
		}
		if (*p < '0' || *p > '9')
			return -EINVAL; /* "5k", "0x10", "5 " */
		if (n + 1 >= sizeof buf)
			return -ERANGE;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	errno = 0;
	char *end;
	long long v = strtoll(buf, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

void h_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int h_split_list(const char *s, char ***out)
{
	int n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	char **v = calloc((size_t)n + 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	const char *start = s;
	for (int i = 0; i < n; i++) {
		const char *end = strchr(start, ',');
		size_t len = end ? (size_t)(end - start) : strlen(start);
		if (len == 0) {
			h_strv_free(v);
			return -EINVAL;
		}
		v[i] = strndup(start, len);
		if (!v[i]) {
			h_strv_free(v);
			return -ENOMEM;
		}
		start = end ? end + 1 : start + len;
	}
	*out = v;
	return n;
}

/* Commas between thousands in the digits before any '.' of buf (a reader
 * counts "648,386" at a glance, "648386" digit by digit). */
static void group_thousands(char *buf, size_t len)
{
	char *digits = buf + (buf[0] == '-');
	size_t n = strspn(digits, "0123456789");
	size_t commas = n > 3 ? (n - 1) / 3 : 0, total = strlen(buf);
	if (!commas || total + commas >= len)
		return; /* short buffer: ungrouped rather than cut */
	memmove(digits + n + commas, digits + n, total - (size_t)(digits - buf) - n + 1);
	char *src = digits + n, *dst = digits + n + commas;
	for (size_t k = 0; k < n; k++) {
		*--dst = *--src;
		if (k % 3 == 2 && k + 1 < n)
			*--dst = ',';
	}
}

char *h_fmt_num(char *buf, size_t len, double v)
{
	double a = fabs(v);
	if (!isfinite(v))
		snprintf(buf, len, "n/a");
	else if (a >= 1e7) /* 3 significant digits, written out: 12,300,000 */
		{
		double unit = pow(10, floor(log10(a)) - 2);
		snprintf(buf, len, "%.0f", round(v / unit) * unit);
	}
	else if (v == floor(v) || a >= 100 || v == 0)
		snprintf(buf, len, "%.0f", v); /* counts, CPUs, whole ns */
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3g", v);
	if (isfinite(v))
		group_thousands(buf, len);
	return buf;
}
