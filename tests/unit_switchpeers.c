/* unit_switchpeers — h_switch_peers (harness/measure/switchpeers.c), the raw
 * stack switch beside its peers: every row is a figure or says why not, the
 * Boost.Context row is there exactly when the build found the library, each
 * figure comes from a timed region of at least 100 ms, the caller's CPU
 * affinity comes back as it was, and a CPU the thread may not use is
 * refused. Speed is not judged. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <string.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

int main(void)
{
	cpu_set_t before, after;
	struct h_switch_peers sp;

	if (sched_getaffinity(0, sizeof before, &before))
		FAIL("sched_getaffinity");
	int cpu = -1;
	for (int i = CPU_SETSIZE - 1; i >= 0; i--)
		if (CPU_ISSET(i, &before))
			cpu = i; /* the lowest allowed */
	if (h_switch_peers(CPU_SETSIZE + 7, 100, &sp) != -EINVAL)
		FAIL("a CPU beyond the set was not refused");

	if (h_switch_peers(cpu, 0, &sp) != -EINVAL)
		FAIL("a region of 0 ms was not refused");
	int rc = h_switch_peers(cpu, 100, &sp);
	if (rc)
		FAIL("h_switch_peers: %s", strerror(-rc));
	if (sched_getaffinity(0, sizeof after, &after) || !CPU_EQUAL(&before, &after))
		FAIL("the caller's CPU affinity was not restored");
	if (sp.cpu != cpu)
		FAIL("ran on CPU %d, asked for %d", sp.cpu, cpu);

	for (int i = 0; i < H_NPEERS; i++) {
		const struct h_switch_peer *r = &sp.row[i];
		if (!r->name || !r->what || !*r->name || !*r->what)
			FAIL("row %d has no name", i);
		if (r->ns >= 0) {
			if (!isfinite(r->ns) || r->ns == 0 || r->why[0])
				FAIL("%s: %g ns, why \"%s\"", r->name, r->ns, r->why);
			/* The fastest region's switches at its rate: its length. */
			if ((double)r->switches * r->ns < 100e6 * 0.999)
				FAIL("%s: timed region %.1f ms, under 100", r->name,
				     (double)r->switches * r->ns / 1e6);
			printf("%-15s %8.2f ns per switch (%llu switches in the fastest region) — %s\n",
			       r->name, r->ns, (unsigned long long)r->switches, r->what);
		} else {
			if (!r->why[0])
				FAIL("%s: missing without a reason", r->name);
			printf("%-15s missing: %s\n", r->name, r->why);
		}
	}
#if defined(__x86_64__) || defined(__aarch64__)
	if (sp.row[H_PEER_ASM].ns < 0)
		FAIL("asm: missing on an architecture that has the switch");
#endif
	if (sp.row[H_PEER_UCONTEXT].ns < 0)
		FAIL("ucontext: missing");
#ifdef CB_HAVE_BOOST_CONTEXT
	if (sp.row[H_PEER_BOOST].ns < 0)
		FAIL("boost-fcontext: missing though the build found Boost.Context");
#else
	if (sp.row[H_PEER_BOOST].ns >= 0 || !strstr(sp.row[H_PEER_BOOST].why, "not installed"))
		FAIL("boost-fcontext: the build has no Boost.Context, the row says \"%s\"",
		     sp.row[H_PEER_BOOST].why);
#endif
	return 0;
}
