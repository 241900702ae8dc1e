/* error.c — how the harness tells the user something went wrong. */
#include <stdarg.h>
#include <stdio.h>

#include "base.h"

void h_error(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("concbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
