/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the benchmark share: bench_main.c (the module, the
 * one-CPU cases, measuring and printing), bench_smp.c (the cases on
 * several CPUs) and bench_rcu.c (RCU-deferred frees).
 */
#ifndef _SHEAFCACHE_BENCH_H
#define _SHEAFCACHE_BENCH_H

#include <linux/mempool.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "sheafcache.h"

#define BENCH_MAX_REPS		15
#define BENCH_MAX_BATCH		1000
#define BENCH_MAX_GUAR		64
/* Objects in each CPU's bare array; pop and push keep the count. */
#define BENCH_ARRAY_FILL	8
#define BENCH_ARRAY_CAP		64
/* Slots of the cross-CPU ring; a power of two. */
#define BENCH_RING		256
/* A run that failed to allocate; never a real time. */
#define BENCH_FAIL		U64_MAX

#define BENCH_NR_SIZES		3

/*
 * The base caches must not be merged: SLUB would hand out one kmem_cache
 * for all caches of a size (kmalloc's included), which sheafcache can
 * wrap only once, and the slab figures would share their per-CPU slabs
 * with the rest of the kernel. 6.1 has no SLAB_NO_MERGE; SLAB_NOLEAKTRACE
 * is in its SLAB_NEVER_MERGE and does nothing without kmemleak, which
 * Debian's kernels do not have.
 */
#ifdef SLAB_NO_MERGE
#define BENCH_SLAB_FLAGS	SLAB_NO_MERGE
#else
#define BENCH_SLAB_FLAGS	SLAB_NOLEAKTRACE
#endif

/*
 * The objects' rcu_head, for kfree_rcu() and sheaf_cache_free_rcu(): at
 * the end of a 64-byte object, inside the larger ones.
 */
struct bench_rcu_obj {
	char data[48];
	struct rcu_head rcu;
};

/* The floor of the design: a per-CPU array and preempt_disable(). */
struct bench_array {
	unsigned int nr;
	void *objs[BENCH_ARRAY_CAP];
};

/**
 * struct bench_size - everything measured for one object size
 * @size: object size
 * @base: the base cache; slab, mempool and bulk use it directly
 * @sc: sheafcache with a base of its own (sheaf_cache_create_with_base()),
 *	default capacity
 * @wsc: sheafcache wrapping @base (sheaf_cache_create()), default capacity
 * @pool: slab mempool over @base
 * @arr: per-CPU bare arrays of objects from @base
 * @sweep_base: base cache for the capacity sweep
 * @base_name: name of @base
 * @sweep_name: name of @sweep_base
 * @sc_name: name of @sc, and of its base
 * @base32: where caches have sheaves of their own (6.18 on), a base whose
 *	sheaves hold 32 objects, as a module would ask for; else NULL
 * @base32_name: name of @base32
 */
struct bench_size {
	unsigned int size;
	struct kmem_cache *base;
	struct sheaf_cache *sc;
	struct sheaf_cache *wsc;
	mempool_t *pool;
	struct bench_array __percpu *arr;
	struct kmem_cache *sweep_base;
	char base_name[24];
	char sweep_name[24];
	char sc_name[24];	/* also its owned base's */
	struct kmem_cache *base32;
	char base32_name[24];
};

extern const unsigned int bench_sizes[BENCH_NR_SIZES];
extern struct bench_size bench[BENCH_NR_SIZES];
extern bool smoke;
extern unsigned int reps;

/* ===== Implementations ================================================ */

enum bench_impl {
	IMPL_SHEAF,
	IMPL_WRAPPED,
	IMPL_SLAB,
	IMPL_ARRAY,
	IMPL_ARRAY0,
	IMPL_MEMPOOL,
	IMPL_BULK,
	IMPL_SLAB32,
	IMPL_SHEAF_BULK,
	IMPL_NR
};

/* In the order of enum bench_impl. */

extern const char * const bench_impl_names[];

void *array_alloc(struct bench_size *bs, bool zero);
void array_free(struct bench_size *bs, void *obj);

static __always_inline void *bench_alloc(struct bench_size *bs,
					 enum bench_impl impl, gfp_t gfp)
{
	switch (impl) {
	case IMPL_SHEAF:
		return sheaf_cache_alloc(bs->sc, gfp);
	case IMPL_WRAPPED:
		return sheaf_cache_alloc(bs->wsc, gfp);
	case IMPL_ARRAY:
		return array_alloc(bs, false);
	case IMPL_ARRAY0:
		return array_alloc(bs, true);
	case IMPL_MEMPOOL:
		return mempool_alloc(bs->pool, gfp);
	case IMPL_SLAB32:
		return kmem_cache_alloc(bs->base32, gfp);
	default:
		return kmem_cache_alloc(bs->base, gfp);
	}
}

static __always_inline void bench_free(struct bench_size *bs,
				       enum bench_impl impl, void *obj)
{
	switch (impl) {
	case IMPL_SHEAF:
		sheaf_cache_free(bs->sc, obj);
		break;
	case IMPL_WRAPPED:
		sheaf_cache_free(bs->wsc, obj);
		break;
	case IMPL_ARRAY:
	case IMPL_ARRAY0:
		array_free(bs, obj);
		break;
	case IMPL_MEMPOOL:
		mempool_free(obj, bs->pool);
		break;
	case IMPL_SLAB32:
		kmem_cache_free(bs->base32, obj);
		break;
	default:
		kmem_cache_free(bs->base, obj);
	}
}

/**
 * struct bench_params - what one timed run does
 * @iters: iterations of the loop
 * @n: batch size, or objects guaranteed
 * @used: objects of a guarantee actually taken
 * @shuffled: free a batch in shuffled rather than LIFO order
 * @sc: the sheafcache to use instead of the size's own, or NULL
 * @native: a base with native sheaves (bench_native.c), or NULL
 */
struct bench_params {
	unsigned long iters;
	unsigned int n;
	unsigned int used;
	bool shuffled;
	struct sheaf_cache *sc;
	struct kmem_cache *native;
};

/* A timed run: the ns it took for @p->iters iterations, or BENCH_FAIL. */
typedef u64 (*bench_fn)(struct bench_size *bs, const struct bench_params *p);

/* A case's implementation: its timed run, and the name its lines carry. */
struct bench_timed {
	bench_fn fn;
	const char *impl;
};

static __always_inline u64 pair_iters(struct bench_size *bs,
				      unsigned long iters,
				      enum bench_impl impl)
{
	unsigned long i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		void *obj = bench_alloc(bs, impl, GFP_KERNEL);

		if (unlikely(!obj))
			return BENCH_FAIL;
		bench_free(bs, impl, obj);
	}
	return ktime_get_ns() - t0;
}

/* ===== Measuring and printing (bench_main.c) ========================= */

/* Median, min and max of @nr samples; sorts them. */
struct bench_stat {
	u64 med, min, max;
};

/**
 * struct bench_line - the fields of one RESULT line
 * @name: case name
 * @size: object size
 * @impl: implementation
 * @n: batch size, objects guaranteed, or 1
 * @used: objects of a guarantee taken, or @n
 * @order: "lifo", "shuffled" or "-"
 * @cpus: CPUs running the case
 * @cap: capacity of the sheafcache used
 */
struct bench_line {
	const char *name;
	unsigned int size;
	const char *impl;
	unsigned int n;
	unsigned int used;
	const char *order;
	unsigned int cpus;
	unsigned int cap;
};

extern void **bench_objs;
extern spinlock_t bench_lock;

struct bench_stat bench_summarize(u64 *v, unsigned int nr);
int bench_run(struct bench_line *l, struct bench_size *bs,
	      const struct bench_timed *t, unsigned int nr,
	      const struct bench_params *p, u64 ops);
void bench_print(const struct bench_line *l, const struct bench_stat *s,
		 const char *extra);
unsigned long bench_iters(unsigned long base);

/* ===== bench_smp.c ==================================================== */

int case_cross(struct bench_size *bs);
int case_scale(struct bench_size *bs);

/* ===== bench_native.c ================================================= */

bool bench_native_init(void);
struct kmem_cache *bench_native_create(unsigned int size, unsigned int n);
u64 bench_native_guar(struct bench_size *bs, const struct bench_params *p);

/* ===== bench_rcu.c ==================================================== */

int case_rcu(struct bench_size *bs);

#endif /* _SHEAFCACHE_BENCH_H */
