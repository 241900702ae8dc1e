/* stack.c — coroutine stacks carved from large mappings. See stack.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stack.h"
#include "switch.h"

#define CHUNK_SLOTS 256
#define CHUNK_MAX_BYTES ((size_t)1 << 30) /* fewer slots per chunk for huge stacks */
#define MAP_HEADROOM 8192

static long read_long(const char *path, long dflt)
{
	FILE *f = fopen(path, "r");
	long v;
	if (!f)
		return dflt;
	if (fscanf(f, "%ld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/* One line of /proc/self/maps per mapping: O(mappings), so only at init and
 * after a failure. */
static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;
	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

const char *rt_stack_limit(void)
{
	long max = read_long("/proc/sys/vm/max_map_count", 65530);
	long used = count_maps();
	return used >= 0 && used + 64 >= max ? "vm.max_map_count" : "memory";
}

int rt_stack_pool_init(struct rt_stack_pool *p, size_t stack_bytes, int guard)
{
	*p = (struct rt_stack_pool){ 0 };
	p->page = (size_t)sysconf(_SC_PAGESIZE);
	p->usable = (stack_bytes + p->page - 1) / p->page * p->page;
	if (!p->usable)
		return -EINVAL;
	p->guard = guard;
	p->slot = p->usable + (guard ? p->page : 0);
	p->per_chunk = CHUNK_MAX_BYTES / p->slot;
	if (p->per_chunk > CHUNK_SLOTS)
		p->per_chunk = CHUNK_SLOTS;
	if (!p->per_chunk)
		p->per_chunk = 1;
	if (guard) {
		long max = read_long("/proc/sys/vm/max_map_count", 65530);
		long used = count_maps();
		long budget = used < 0 ? 0 : (max - used - MAP_HEADROOM) / 2;
		p->guard_budget = budget > 0 ? (size_t)budget : 0;
	}
	return 0;
}

void rt_stack_pool_fini(struct rt_stack_pool *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		rt_fiber_stack_unmap(p->chunks[i], p->slot * p->per_chunk);
	free(p->chunks);
	*p = (struct rt_stack_pool){ 0 };
}

static int chunk_new(struct rt_stack_pool *p)
{
	if (p->nchunks == p->capchunks) {
		size_t cap = p->capchunks ? p->capchunks * 2 : 16;
		char **v = realloc(p->chunks, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->chunks = v;
		p->capchunks = cap;
	}
	size_t len = p->slot * p->per_chunk;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	/* With transparent huge pages set to "always", touching one stack page
	 * could fault in 2 MiB. */
	madvise(m, len, MADV_NOHUGEPAGE);
	p->chunks[p->nchunks++] = m;
	p->next = m;
	p->left = p->per_chunk;
	return 0;
}

static inline void **top_word(const struct rt_stack_pool *p, void *lo)
{
	return (void **)((char *)lo + p->usable - sizeof(void *));
}

int rt_stack_get(struct rt_stack_pool *p, void **lo)
{
	/* LIFO: the most recently freed stack has its top pages still resident
	 * and cached, and the pool's RSS stays at the peak in use. */
	if (p->free) {
		*lo = p->free;
		p->free = *top_word(p, *lo);
		return 0;
	}
	if (!p->left) {
		int err = chunk_new(p);
		if (err)
			return err;
	}
	char *slot = p->next;
	p->next += p->slot;
	p->left--;
	if (p->guard) {
		if (p->guard_budget && mprotect(slot, p->page, PROT_NONE) == 0) {
			p->guard_budget--;
			p->guarded++;
		} else {
			p->guard_budget = 0; /* ENOMEM: the mapping count ran out */
			p->unguarded++;
		}
		slot += p->page;
	}
	*lo = slot;
	return 0;
}

void rt_stack_put(struct rt_stack_pool *p, void *lo)
{
	rt_fiber_stack_clean(lo, p->usable);
	*top_word(p, lo) = p->free;
	p->free = lo;
}
