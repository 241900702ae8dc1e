/* unit_perf — the kernel counters count what they must, and only while
 * enabled: with the process on one CPU, two threads created after opening
 * pass a byte back and forth through pipes N times (each hand-over puts
 * one to sleep: at least 2N context switches, counted through inherit
 * from threads that have exited), the main thread spins for 50 ms of CPU
 * and touches 1000 new pages (task-clock at least 50 ms, at least 1000
 * page faults). Work done after disabling adds nothing. A counter the
 * machine lacks must be null with a reason. Skips (77) when
 * perf_event_open offers no software counter at all. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness/measure/measure.h"

#include "tests/check.h"

#define ROUNDS 2000

static int ab[2], ba[2];

static void *pinger(void *arg)
{
	(void)arg;
	char c = 0;
	for (int i = 0; i < ROUNDS; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			break;
	return NULL;
}

static void *ponger(void *arg)
{
	(void)arg;
	char c;
	for (int i = 0; i < ROUNDS; i++)
		if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
			break;
	return NULL;
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void spin(double ns)
{
	double end = cpu_ns() + ns;
	volatile unsigned long x = 0;
	while (cpu_ns() < end)
		x++;
}

static void touch_pages(int n)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)n * (size_t)page, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	for (int i = 0; i < n; i++)
		p[(size_t)i * (size_t)page] = 1;
	munmap(p, (size_t)n * (size_t)page);
}

int main(void)
{
	/* One CPU: every hand-over is a sleep and a switch, never a spin
	 * that happens to find the byte already there. */
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
	CHECK(pipe(ab) == 0 && pipe(ba) == 0);

	struct h_perf p;
	h_perf_open(&p);
	double v[H_NCTR];
	char why[H_NCTR][H_WHY_LEN];
	if (p.fd[H_CTR_TASK_CLOCK] < 0 && p.fd[H_CTR_CONTEXT_SWITCHES] < 0) {
		h_perf_read(&p, v, why);
		fprintf(stderr, "unit_perf: no software counters: %s: skip\n", why[H_CTR_TASK_CLOCK]);
		CHECK(why[H_CTR_TASK_CLOCK][0] != '\0');
		return failures ? 1 : 77;
	}

	/* Opened disabled: nothing counts yet. */
	spin(20e6);
	h_perf_read(&p, v, why);
	for (int i = 0; i < H_NCTR; i++)
		CHECK(isnan(v[i]) || v[i] == 0);

	h_perf_enable(&p);
	double c0 = cpu_ns();
	pthread_t a, b;
	CHECK(pthread_create(&b, NULL, ponger, NULL) == 0);
	CHECK(pthread_create(&a, NULL, pinger, NULL) == 0);
	CHECK(pthread_join(a, NULL) == 0 && pthread_join(b, NULL) == 0);
	spin(50e6);
	touch_pages(1000);
	double used = cpu_ns() - c0;
	h_perf_disable(&p);

	h_perf_read(&p, v, why);
	for (int i = 0; i < H_NCTR; i++) {
		/* Every counter is a value or null with a reason, never both. */
		CHECK(isnan(v[i]) == (why[i][0] != '\0'));
		if (isnan(v[i]))
			fprintf(stderr, "unit_perf: %s: %s\n", h_hm[i].name, why[i]);
		else
			fprintf(stderr, "unit_perf: %s = %.0f%s\n", h_hm[i].name, v[i],
			        p.user_only[i] ? " (user space only)" : "");
	}
	if (!isnan(v[H_CTR_TASK_CLOCK])) {
		/* At least the spin; at most all the CPU time the process
		 * used meanwhile (threads included), with 10% slack for the
		 * clocks' different granularity. */
		CHECK(v[H_CTR_TASK_CLOCK] >= 50e6);
		CHECK(v[H_CTR_TASK_CLOCK] <= used * 1.1 + 1e6);
	}
	if (!isnan(v[H_CTR_CONTEXT_SWITCHES]))
		CHECK(v[H_CTR_CONTEXT_SWITCHES] >= 2 * ROUNDS);
	if (!isnan(v[H_CTR_PAGE_FAULTS]))
		CHECK(v[H_CTR_PAGE_FAULTS] >= 1000);
	CHECK(!isnan(v[H_CTR_CPU_MIGRATIONS]) || why[H_CTR_CPU_MIGRATIONS][0]);

	/* Disabled: more work adds nothing. */
	double before[H_NCTR];
	memcpy(before, v, sizeof v);
	spin(20e6);
	touch_pages(100);
	h_perf_read(&p, v, why);
	for (int i = 0; i < H_NCTR; i++)
		CHECK(isnan(v[i]) ? isnan(before[i]) : v[i] == before[i]);

	h_perf_close(&p);
	for (int i = 0; i < H_NCTR; i++)
		CHECK(p.fd[i] == -1);
	return t_exit_status();
}
