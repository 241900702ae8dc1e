/* main.c — the concbench binary; everything else lives in the harness
 * library so that tests can call it. */
#include "cli.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
	/* The charts' labels are UTF-8 (µs, °): gnuplot, run in a bare
	 * environment (a CI agent, cron: no locale at all), warns on every
	 * chart that it cannot convert them. Only where nothing chose a
	 * locale; C.UTF-8 is glibc's own, present on every Debian. */
	if (!getenv("LC_ALL") && !getenv("LC_CTYPE") && !getenv("LANG"))
		setenv("LC_CTYPE", "C.UTF-8", 0);
	return h_main(argc, argv);
}
