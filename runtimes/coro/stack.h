/* stack.h — coroutine stacks carved from large mappings, reused LIFO.
 *
 * vm.max_map_count (65530 by default) caps the memory mappings of a
 * process, and a mapping per stack would cap coroutines there; a guard page
 * per stack costs two (the PROT_NONE page splits the mapping). So stacks are
 * carved from chunks of up to 256 slots, one mmap each (MAP_NORESERVE:
 * nothing is committed until touched; a sleeping coroutine touches one or
 * two pages), and guard pages are added only while a budget computed at
 * init lasts: half of what is left under vm.max_map_count, minus a headroom
 * of 8192 mappings for malloc, threads and the sanitizers. Past the budget
 * (or when mprotect fails with ENOMEM) stacks are handed out unguarded and
 * counted in `unguarded`: an overflow there corrupts the neighbouring stack
 * instead of faulting. With the defaults that is ~28k guarded stacks, then
 * unguarded ones up to memory: 1,000,000 stacks fit in ~4000 mappings.
 */
#ifndef CONCBENCH_CORO_STACK_H
#define CONCBENCH_CORO_STACK_H

#include <stddef.h>

struct rt_stack_pool {
	size_t page;
	size_t usable;       /* bytes of stack handed out */
	size_t slot;         /* usable plus the guard page, if any */
	size_t per_chunk;    /* slots per mapping */
	int guard;
	size_t guard_budget; /* guard pages we may still add */
	size_t guarded;      /* stacks carved with a guard page */
	size_t unguarded;    /* stacks carved without one though guard was asked */
	char **chunks;
	size_t nchunks, capchunks;
	char *next;          /* the current chunk's first uncarved slot */
	size_t left;         /* and how many remain */
	void *free;          /* returned stacks, linked through their top word */
};

/* stack_bytes is rounded up to whole pages. 0 or a negative errno. */
int rt_stack_pool_init(struct rt_stack_pool *p, size_t stack_bytes, int guard);
/* Unmaps every chunk: stacks still in use become invalid. */
void rt_stack_pool_fini(struct rt_stack_pool *p);
/* A stack [*lo, *lo + p->usable): 0, or -ENOMEM when memory or the
 * mapping count ran out (rt_stack_limit tells which). */
int rt_stack_get(struct rt_stack_pool *p, void **lo);
void rt_stack_put(struct rt_stack_pool *p, void *lo);
/* What stopped a failed rt_stack_get: "vm.max_map_count" or "memory". */
const char *rt_stack_limit(void);

#endif
