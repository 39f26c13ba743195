// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache_bench - sheafcache side by side with the slab fast path, a
 * bare per-CPU array, mempool and bulk allocation, in one boot.
 *
 * Everything runs in module init. Each figure is the median of @reps
 * repetitions (the implementations of a case take turns within each
 * repetition, so that drift hits them alike), printed as one line:
 *
 *   sheafcache_bench: RESULT case=<case> size=<object size> impl=<impl>
 *	n=<n> used=<n> order=<lifo|shuffled|-> cpus=<n> cap=<n>
 *	ns=<median> min=<ns> max=<ns> reps=<n> [mops=<Mops/s>] [cached=<n>]
 *
 * where ns is per operation as the case defines it. scripts/bench.sh reads
 * these lines from the guest log and writes the report. Under qemu's
 * -icount shift=0 one guest nanosecond is one guest instruction.
 *
 * Progress is printed as KTAP, one result per case, so that "smoke=1"
 * (every case, tiny counts, one repetition) serves as a test under make
 * check. A failed case makes init fail.
 *
 * The caches stay until the module is removed, so that debugfs shows the
 * state the benchmarks left behind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mempool.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "sheafcache.h"
#include "selftest/sc_test.h"

SC_TEST_STATE;

static bool smoke;
module_param(smoke, bool, 0444);
MODULE_PARM_DESC(smoke, "run every case once with tiny counts (make check)");

static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions per figure, 5 to 15 (default 5)");

static unsigned int scale = 100;
module_param(scale, uint, 0444);
MODULE_PARM_DESC(scale, "iteration counts in percent of the defaults (default 100)");

static bool raw;
module_param(raw, bool, 0444);
MODULE_PARM_DESC(raw, "also print every repetition's figure");

static char *cases = "all";
module_param(cases, charp, 0444);
MODULE_PARM_DESC(cases, "comma-separated cases to run (default all)");

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

static const unsigned int bench_sizes[] = { 64, 256, 1024 };

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

static struct bench_size bench[ARRAY_SIZE(bench_sizes)];

/* Objects of the batch and guaranteed cases, and a shuffled free order. */
static void **bench_objs;
static unsigned int *bench_perm;
/* The lock a guaranteed allocation is made under, IRQs off. */
static DEFINE_SPINLOCK(bench_lock);
/* Whether the loaded core counts events (SHEAFCACHE_NO_STATS unset). */
static bool bench_core_stats;
/* What ktime_get_ns() itself adds to a timed stretch. */
static u64 bench_clock_cost;

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
static const char * const bench_impl_names[] = {
	"sheaf", "wrapped", "slab", "array", "array0", "mempool", "bulk",
	"slab32", "sheaf_bulk",
};

static_assert(ARRAY_SIZE(bench_impl_names) == IMPL_NR);

/*
 * Out of line, as an exported allocator is for its callers: the floor
 * includes the calls that the sheafcache API cannot avoid either.
 */
static noinline void *array_alloc(struct bench_size *bs, bool zero)
{
	struct bench_array *a;
	void *obj = NULL;

	preempt_disable();
	a = this_cpu_ptr(bs->arr);
	if (likely(a->nr))
		obj = a->objs[--a->nr];
	preempt_enable();
	if (zero && obj)
		memset(obj, 0, bs->size);
	return obj;
}

static noinline void array_free(struct bench_size *bs, void *obj)
{
	struct bench_array *a;

	preempt_disable();
	a = this_cpu_ptr(bs->arr);
	if (likely(a->nr < BENCH_ARRAY_CAP))
		a->objs[a->nr++] = obj;
	else
		kmem_cache_free(bs->base, obj);
	preempt_enable();
}

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
 */
struct bench_params {
	unsigned long iters;
	unsigned int n;
	unsigned int used;
	bool shuffled;
	struct sheaf_cache *sc;
};

/* A timed run: the ns it took for @p->iters iterations, or BENCH_FAIL. */
typedef u64 (*bench_fn)(struct bench_size *bs, const struct bench_params *p);

/* ===== a) alloc + free pair =========================================== */

/*
 * <kind>_<name>() runs <kind>_loop() for one implementation, out of line:
 * each loop is compiled for its implementation alone, as a caller's code
 * would be.
 */
#define BENCH_LOOP(kind, name, impl)					\
static noinline u64 kind##_##name(struct bench_size *bs,		\
				  const struct bench_params *p)		\
{									\
	return kind##_loop(bs, p, impl);				\
}

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

static __always_inline u64 pair_loop(struct bench_size *bs,
				     const struct bench_params *p,
				     enum bench_impl impl)
{
	return pair_iters(bs, p->iters, impl);
}

BENCH_LOOP(pair, sheaf, IMPL_SHEAF)
BENCH_LOOP(pair, wrapped, IMPL_WRAPPED)
BENCH_LOOP(pair, slab, IMPL_SLAB)
BENCH_LOOP(pair, array, IMPL_ARRAY)
BENCH_LOOP(pair, array0, IMPL_ARRAY0)
BENCH_LOOP(pair, slab32, IMPL_SLAB32)

/* ===== b) batches ===================================================== */

/* The bulk calls: sheafcache's (IMPL_SHEAF_BULK), or the base's own. */
static __always_inline int bench_alloc_bulk(struct bench_size *bs,
					    enum bench_impl impl,
					    unsigned int n, void **objs)
{
	if (impl == IMPL_SHEAF_BULK)
		return sheaf_cache_alloc_bulk(bs->sc, GFP_KERNEL, n, objs);
	return kmem_cache_alloc_bulk(bs->base, GFP_KERNEL, n, objs);
}

static __always_inline void bench_free_bulk(struct bench_size *bs,
					    enum bench_impl impl,
					    unsigned int n, void **objs)
{
	if (impl == IMPL_SHEAF_BULK)
		sheaf_cache_free_bulk(bs->sc, n, objs);
	else
		kmem_cache_free_bulk(bs->base, n, objs);
}

static __always_inline u64 batch_loop(struct bench_size *bs,
				      const struct bench_params *p,
				      enum bench_impl impl)
{
	unsigned int n = p->n, i;
	void **objs = bench_objs;
	unsigned long it;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		if (impl == IMPL_SHEAF_BULK || impl == IMPL_BULK) {
			if (unlikely(!bench_alloc_bulk(bs, impl, n, objs)))
				return BENCH_FAIL;
			bench_free_bulk(bs, impl, n, objs);
			continue;
		}
		for (i = 0; i < n; i++) {
			objs[i] = bench_alloc(bs, impl, GFP_KERNEL);
			if (unlikely(!objs[i])) {
				while (i--)
					bench_free(bs, impl, objs[i]);
				return BENCH_FAIL;
			}
		}
		if (p->shuffled) {
			for (i = 0; i < n; i++)
				bench_free(bs, impl, objs[bench_perm[i]]);
		} else {
			for (i = n; i--; )
				bench_free(bs, impl, objs[i]);
		}
	}
	return ktime_get_ns() - t0;
}

BENCH_LOOP(batch, sheaf, IMPL_SHEAF)
BENCH_LOOP(batch, slab, IMPL_SLAB)
BENCH_LOOP(batch, slab32, IMPL_SLAB32)

/* The capacity sweep: batches on a sheafcache of a chosen capacity. */
static noinline u64 batch_sweep(struct bench_size *bs,
				const struct bench_params *p)
{
	struct bench_size tmp = *bs;

	tmp.sc = p->sc;
	return batch_loop(&tmp, p, IMPL_SHEAF);
}

/* A fixed permutation of [0, n): the same shuffled order every boot. */
static void bench_shuffle(unsigned int n)
{
	u32 x = 2463534242U;
	unsigned int i, j;

	for (i = 0; i < n; i++)
		bench_perm[i] = i;
	for (i = n; i > 1; i--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		j = x % i;
		swap(bench_perm[i - 1], bench_perm[j]);
	}
}

/* ===== c) guaranteed allocation ======================================= */

/*
 * Reserve @p->n objects where sleeping is allowed, take @p->used of them
 * under a spinlock with IRQs off, give back the rest, then free the
 * objects taken, as their user would later.
 */
static noinline u64 guar_sheaf(struct bench_size *bs,
			       const struct bench_params *p)
{
	struct sheaf_cache *sc = bs->sc;
	unsigned int i, used = p->used;
	void **objs = bench_objs;
	unsigned long flags, it;
	struct sheaf *sheaf;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, p->n);
		if (unlikely(!sheaf))
			return BENCH_FAIL;
		spin_lock_irqsave(&bench_lock, flags);
		for (i = 0; i < used; i++)
			objs[i] = sheaf_cache_alloc_from_sheaf(sc, GFP_ATOMIC,
							       sheaf);
		spin_unlock_irqrestore(&bench_lock, flags);
		sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
		for (i = 0; i < used; i++) {
			if (unlikely(!objs[i]))
				return BENCH_FAIL;
			sheaf_cache_free(sc, objs[i]);
		}
	}
	return ktime_get_ns() - t0;
}

/*
 * What a caller without a guarantee does: allocate under the lock, with
 * GFP_ATOMIC, what it turns out to need.
 */
static __always_inline u64 guar_loop(struct bench_size *bs,
				     const struct bench_params *p,
				     enum bench_impl impl)
{
	unsigned int i, used = p->used;
	void **objs = bench_objs;
	unsigned long flags, it;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		spin_lock_irqsave(&bench_lock, flags);
		for (i = 0; i < used; i++)
			objs[i] = bench_alloc(bs, impl, GFP_ATOMIC);
		spin_unlock_irqrestore(&bench_lock, flags);
		for (i = 0; i < used; i++) {
			if (unlikely(!objs[i]))
				return BENCH_FAIL;
			bench_free(bs, impl, objs[i]);
		}
	}
	return ktime_get_ns() - t0;
}

/* A mempool reserves nothing per call: it allocates what it uses. */
BENCH_LOOP(guar, mempool, IMPL_MEMPOOL)

static noinline u64 guar_bulk(struct bench_size *bs,
			      const struct bench_params *p)
{
	unsigned int i, used = p->used;
	void **taken = bench_objs + BENCH_MAX_GUAR;
	void **objs = bench_objs;
	unsigned long flags, it;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		if (unlikely(!kmem_cache_alloc_bulk(bs->base, GFP_KERNEL, p->n,
						    objs)))
			return BENCH_FAIL;
		spin_lock_irqsave(&bench_lock, flags);
		for (i = 0; i < used; i++)
			taken[i] = objs[i];
		spin_unlock_irqrestore(&bench_lock, flags);
		if (used < p->n)
			kmem_cache_free_bulk(bs->base, p->n - used, objs + used);
		for (i = 0; i < used; i++)
			kmem_cache_free(bs->base, taken[i]);
	}
	return ktime_get_ns() - t0;
}

/* Not a guarantee: what the same allocations cost straight from slab. */
BENCH_LOOP(guar, slab, IMPL_SLAB)

/*
 * sheaf_cache_alloc_from_sheaf() alone, IRQs off as its callers have
 * them: only the pops are timed, the prefill and the return are not.
 */
static noinline u64 from_sheaf(struct bench_size *bs,
			       const struct bench_params *p)
{
	unsigned int i, n = sheaf_cache_capacity(bs->sc);
	void **objs = bench_objs;
	unsigned long flags, it;
	struct sheaf *sheaf;
	u64 t0, t, sum = 0;

	for (it = 0; it < p->iters; it++) {
		sheaf = sheaf_cache_prefill_sheaf(bs->sc, GFP_KERNEL, n);
		if (unlikely(!sheaf))
			return BENCH_FAIL;
		local_irq_save(flags);
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++)
			objs[i] = sheaf_cache_alloc_from_sheaf(bs->sc, GFP_ATOMIC,
							       sheaf);
		t = ktime_get_ns() - t0;
		sum += t > bench_clock_cost ? t - bench_clock_cost : 0;
		local_irq_restore(flags);
		sheaf_cache_return_sheaf(bs->sc, GFP_KERNEL, sheaf);
		for (i = 0; i < n; i++) {
			if (unlikely(!objs[i]))
				return BENCH_FAIL;
			sheaf_cache_free(bs->sc, objs[i]);
		}
	}
	return sum;
}

/* ===== Prefill of a capacity-sized sheaf ============================== */

/* One sheaf out at a time: it comes from the spare and goes back there. */
static noinline u64 prefill_spare(struct bench_size *bs,
				  const struct bench_params *p)
{
	unsigned int cap = sheaf_cache_capacity(bs->sc);
	struct sheaf *sheaf;
	unsigned long it;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		sheaf = sheaf_cache_prefill_sheaf(bs->sc, GFP_KERNEL, cap);
		if (unlikely(!sheaf))
			return BENCH_FAIL;
		sheaf_cache_return_sheaf(bs->sc, GFP_KERNEL, sheaf);
	}
	return ktime_get_ns() - t0;
}

/*
 * Two sheaves out at a time: the first takes the spare, so the second
 * comes full from the barn; the second returns as the spare, so the first
 * goes back to the barn. Less prefill_spare(), this is the barn's path.
 */
static noinline u64 prefill_nested(struct bench_size *bs,
				   const struct bench_params *p)
{
	unsigned int cap = sheaf_cache_capacity(bs->sc);
	struct sheaf *a, *b;
	unsigned long it;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		a = sheaf_cache_prefill_sheaf(bs->sc, GFP_KERNEL, cap);
		b = sheaf_cache_prefill_sheaf(bs->sc, GFP_KERNEL, cap);
		sheaf_cache_return_sheaf(bs->sc, GFP_KERNEL, b);
		sheaf_cache_return_sheaf(bs->sc, GFP_KERNEL, a);
		if (unlikely(!a || !b))
			return BENCH_FAIL;
	}
	return ktime_get_ns() - t0;
}

/* ===== Measuring and printing ========================================= */

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of @nr samples; sorts them. */
struct bench_stat {
	u64 med, min, max;
};

static struct bench_stat bench_summarize(u64 *v, unsigned int nr)
{
	struct bench_stat s;

	sort(v, nr, sizeof(*v), bench_cmp_u64, NULL);
	s.min = v[0];
	s.max = v[nr - 1];
	s.med = nr & 1 ? v[nr / 2] : (v[nr / 2 - 1] + v[nr / 2]) / 2;
	return s;
}

static void bench_calibrate_clock(void)
{
	u64 v[15];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		u64 t0 = ktime_get_ns();

		v[i] = ktime_get_ns() - t0;
	}
	bench_clock_cost = bench_summarize(v, ARRAY_SIZE(v)).med;
}

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

/* Times are kept in picoseconds per operation; printed in ns, 1 decimal. */
static char *bench_ns(char *buf, size_t len, u64 ps)
{
	snprintf(buf, len, "%llu.%llu", div_u64(ps, 1000),
		 div_u64(ps % 1000, 100));
	return buf;
}

static void bench_print(const struct bench_line *l, const struct bench_stat *s,
			const char *extra)
{
	char med[24], lo[24], hi[24];

	pr_info("RESULT case=%s size=%u impl=%s n=%u used=%u order=%s cpus=%u cap=%u ns=%s min=%s max=%s reps=%u%s\n",
		l->name, l->size, l->impl, l->n, l->used, l->order, l->cpus,
		l->cap, bench_ns(med, sizeof(med), s->med),
		bench_ns(lo, sizeof(lo), s->min),
		bench_ns(hi, sizeof(hi), s->max), reps, extra ?: "");
}

static unsigned long bench_iters(unsigned long base)
{
	if (smoke)
		return max(base / 200, 1UL);
	return max(base * scale / 100, 1UL);
}

/**
 * bench_run() - time implementations side by side and print their medians
 * @l: the line to print; @l->impl is set per implementation
 * @bs: the object size
 * @fns: a timed run per implementation
 * @impls: the implementations' names
 * @nr: number of implementations, at most 4
 * @p: what each run does
 * @ops: operations per run, to divide the time by
 *
 * Return: 0, or -ENOMEM when a run could not allocate.
 */
static int bench_run(struct bench_line *l, struct bench_size *bs,
		     const bench_fn *fns, const char * const *impls,
		     unsigned int nr, const struct bench_params *p, u64 ops)
{
	u64 ps[6][BENCH_MAX_REPS];
	struct bench_stat s;
	unsigned int r, i;
	u64 t;

	if (WARN_ON_ONCE(nr > ARRAY_SIZE(ps)))
		return -EINVAL;
	/* A warm-up run each, not counted: caches and sheaves settle. */
	for (i = 0; !smoke && i < nr; i++) {
		if (fns[i](bs, p) == BENCH_FAIL)
			return -ENOMEM;
		cond_resched();
	}
	for (r = 0; r < reps; r++) {
		for (i = 0; i < nr; i++) {
			t = fns[i](bs, p);
			if (t == BENCH_FAIL)
				return -ENOMEM;
			ps[i][r] = div64_u64(t * 1000, ops);
			cond_resched();
		}
	}
	for (i = 0; i < nr; i++) {
		l->impl = impls[i];
		for (r = 0; raw && r < reps; r++)
			pr_info("RAW case=%s size=%u impl=%s n=%u rep=%u ps=%llu\n",
				l->name, l->size, l->impl, l->n, r, ps[i][r]);
		s = bench_summarize(ps[i], reps);
		bench_print(l, &s, NULL);
	}
	return 0;
}

/* ===== The cases ====================================================== */

static int case_pair(struct bench_size *bs)
{
	/* slab32 last: it is left out where there is no @bs->base32. */
	static const bench_fn fns[] = {
		pair_sheaf, pair_wrapped, pair_slab, pair_array, pair_array0,
		pair_slab32,
	};
	static const char * const names[] = {
		"sheaf", "wrapped", "slab", "array", "array0", "slab32",
	};
	struct bench_params p = { .iters = bench_iters(20000) };
	struct bench_line l = {
		.name = "pair", .size = bs->size, .n = 1, .used = 1,
		.order = "-", .cpus = 1, .cap = sheaf_cache_capacity(bs->sc),
	};

	return bench_run(&l, bs, fns, names, ARRAY_SIZE(fns) - !bs->base32, &p,
			 p.iters);
}

static int case_batch(struct bench_size *bs)
{
	static const unsigned int ns[] = { 1, 10, 100, 1000 };
	static const bench_fn fns[] = { batch_sheaf, batch_slab, batch_slab32 };
	static const char * const names[] = { "sheaf", "slab", "slab32" };
	struct bench_line l = {
		.name = "batch", .size = bs->size, .cpus = 1,
		.cap = sheaf_cache_capacity(bs->sc),
	};
	struct bench_params p = {};
	unsigned int i, o;
	int err;

	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		bench_shuffle(ns[i]);
		for (o = 0; o < 2; o++) {
			p.n = ns[i];
			p.shuffled = o;
			p.iters = DIV_ROUND_UP(bench_iters(20000), ns[i]);
			l.n = ns[i];
			l.used = ns[i];
			l.order = o ? "shuffled" : "lifo";
			err = bench_run(&l, bs, fns, names,
					ARRAY_SIZE(fns) - !bs->base32, &p,
					(u64)p.iters * p.n);
			if (err)
				return err;
		}
	}
	return 0;
}

BENCH_LOOP(batch, sheaf_bulk, IMPL_SHEAF_BULK)
BENCH_LOOP(batch, bulk, IMPL_BULK)

/* alloc_bulk + free_bulk of n objects, against the base's own bulk calls. */
static int case_bulk(struct bench_size *bs)
{
	static const unsigned int ns[] = { 16, 128 };
	static const bench_fn fns[] = { batch_sheaf_bulk, batch_bulk };
	static const char * const names[] = { "sheaf", "bulk" };
	struct bench_line l = {
		.name = "bulk", .size = bs->size, .order = "-", .cpus = 1,
		.cap = sheaf_cache_capacity(bs->sc),
	};
	struct bench_params p = {};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		p.n = ns[i];
		p.iters = DIV_ROUND_UP(bench_iters(20000), ns[i]);
		l.n = ns[i];
		l.used = ns[i];
		err = bench_run(&l, bs, fns, names, ARRAY_SIZE(fns), &p,
				(u64)p.iters * p.n);
		if (err)
			return err;
	}
	return 0;
}

static int case_guar(struct bench_size *bs)
{
	static const unsigned int ns[] = { 1, 4, 16, 32, 64 };
	static const bench_fn fns[] = {
		guar_sheaf, guar_mempool, guar_bulk, guar_slab,
	};
	static const char * const names[] = {
		"sheaf", "mempool", "bulk", "slab",
	};
	struct bench_line l = {
		.name = "guar", .size = bs->size, .order = "-", .cpus = 1,
		.cap = sheaf_cache_capacity(bs->sc),
	};
	struct bench_params p = {};
	unsigned int i, u;
	int err;

	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		/* Every object reserved is used; then only one of them. */
		for (u = 0; u < 2; u++) {
			if (u && ns[i] == 1)
				continue;
			p.n = ns[i];
			p.used = u ? 1 : ns[i];
			p.iters = DIV_ROUND_UP(bench_iters(8000), ns[i]);
			l.n = p.n;
			l.used = p.used;
			err = bench_run(&l, bs, fns, names, ARRAY_SIZE(fns),
					&p, p.iters);
			if (err)
				return err;
		}
	}
	return 0;
}

static int case_from(struct bench_size *bs)
{
	static const bench_fn fns[] = { from_sheaf };
	static const char * const names[] = { "sheaf" };
	struct bench_params p = { .iters = bench_iters(500) };
	struct bench_line l = {
		.name = "from", .size = bs->size, .order = "-", .cpus = 1,
		.cap = sheaf_cache_capacity(bs->sc),
	};

	l.n = l.cap;
	l.used = l.cap;
	return bench_run(&l, bs, fns, names, 1, &p, (u64)p.iters * l.cap);
}

static int case_prefill(struct bench_size *bs)
{
	struct bench_params p = { .iters = bench_iters(5000) };
	struct bench_line l = {
		.name = "prefill", .size = bs->size, .order = "-", .cpus = 1,
		.cap = sheaf_cache_capacity(bs->sc),
	};
	u64 spare[BENCH_MAX_REPS], barn[BENCH_MAX_REPS];
	struct bench_stat s;
	unsigned int r;
	u64 t1, t2;

	l.n = l.cap;
	l.used = l.cap;
	/*
	 * Start from nothing, so that the barn holds exactly the one full
	 * sheaf that the warm-up run leaves there.
	 */
	sheaf_cache_shrink(bs->sc);
	if (prefill_nested(bs, &p) == BENCH_FAIL ||
	    prefill_spare(bs, &p) == BENCH_FAIL)
		return -ENOMEM;
	for (r = 0; r < reps; r++) {
		t1 = prefill_spare(bs, &p);
		t2 = prefill_nested(bs, &p);
		if (t1 == BENCH_FAIL || t2 == BENCH_FAIL)
			return -ENOMEM;
		spare[r] = div64_u64(t1 * 1000, p.iters);
		barn[r] = div64_u64(t2 * 1000, p.iters);
		barn[r] = barn[r] > spare[r] ? barn[r] - spare[r] : 0;
		cond_resched();
	}
	l.impl = "spare";
	s = bench_summarize(spare, reps);
	bench_print(&l, &s, NULL);
	l.impl = "barn";
	s = bench_summarize(barn, reps);
	bench_print(&l, &s, NULL);
	return 0;
}

/* ===== d), e) several CPUs ============================================ */

struct bench_ring {
	void *slot[BENCH_RING];
	unsigned long head ____cacheline_aligned;	/* producer's */
	unsigned long tail ____cacheline_aligned;	/* consumer's */
};

/**
 * struct bench_thread - one kthread of a multi-CPU run
 * @bs: the object size
 * @impl: the implementation
 * @iters: operations to do
 * @role: 0 alloc+free pairs; 1 produce into @ring; 2 consume from it
 * @ring: the cross-CPU ring
 * @arrived: start barrier shared by the threads of a run
 * @nr: number of threads of the run
 * @ns: time the thread took
 * @err: -ENOMEM when an allocation failed
 * @task: the kthread
 * @done: completed when the thread exits
 */
struct bench_thread {
	struct bench_size *bs;
	enum bench_impl impl;
	unsigned long iters;
	int role;
	struct bench_ring *ring;
	atomic_t *arrived;
	unsigned int nr;
	u64 ns;
	int err;
	struct task_struct *task;
	struct completion done;
};

/*
 * Spin without cpu_relax(): under TCG the PAUSE instruction leaves the
 * translated code and takes qemu's big lock, which slows the CPU we wait
 * for far more than the wait itself; the waits are short on hardware.
 */
#define bench_spin_until(cond)		\
	do {				\
		while (!(cond))		\
			barrier();	\
	} while (0)

/* One producer's slot: the object it allocated goes in the ring. */
static __always_inline void bench_produce(struct bench_thread *t,
					  unsigned long i)
{
	struct bench_ring *ring = t->ring;
	void *obj = bench_alloc(t->bs, t->impl, GFP_KERNEL);

	/* Keep going on failure: the consumer waits for iters. */
	if (unlikely(!obj))
		t->err = -ENOMEM;
	/* Pairs with the consumer's release: it is done with the slot. */
	bench_spin_until(i - smp_load_acquire(&ring->tail) < BENCH_RING);
	ring->slot[i % BENCH_RING] = obj;
	/* Publish the slot; pairs with the consumer's acquire. */
	smp_store_release(&ring->head, i + 1);
}

/* One consumer's slot: it frees what the producer put there. */
static __always_inline void bench_consume(struct bench_thread *t,
					  unsigned long i)
{
	struct bench_ring *ring = t->ring;
	void *obj;

	/* Pairs with the producer's release: the slot is written. */
	bench_spin_until(smp_load_acquire(&ring->head) != i);
	obj = ring->slot[i % BENCH_RING];
	if (obj)
		bench_free(t->bs, t->impl, obj);
	/* Hand the slot back; pairs with the producer's acquire. */
	smp_store_release(&ring->tail, i + 1);
}

/*
 * The producer's or the consumer's side of the ring, timed; inlined for
 * each, so that no indirect call is timed.
 */
static __always_inline u64 bench_ring_side(struct bench_thread *t,
					   bool produce)
{
	unsigned long i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < t->iters; i++) {
		if (produce)
			bench_produce(t, i);
		else
			bench_consume(t, i);
	}
	return ktime_get_ns() - t0;
}

static u64 bench_pairs(struct bench_thread *t)
{
	switch (t->impl) {
	case IMPL_SHEAF:
		return pair_iters(t->bs, t->iters, IMPL_SHEAF);
	case IMPL_ARRAY:
		return pair_iters(t->bs, t->iters, IMPL_ARRAY);
	default:
		return pair_iters(t->bs, t->iters, IMPL_SLAB);
	}
}

static int bench_thread_fn(void *arg)
{
	struct bench_thread *t = arg;

	/*
	 * Start together. cond_resched() lets the thread that is still
	 * waking the others run when it shares our CPU.
	 */
	atomic_inc(t->arrived);
	while (atomic_read(t->arrived) < t->nr)
		cond_resched();

	if (t->role == 1)
		t->ns = bench_ring_side(t, true);
	else if (t->role == 2)
		t->ns = bench_ring_side(t, false);
	else
		t->ns = bench_pairs(t);
	if (t->ns == BENCH_FAIL)
		t->err = -ENOMEM;
	kthread_complete_and_exit(&t->done, 0);
}

/* Run @nr threads, the i-th on the i-th online CPU, and wait for them. */
static int bench_threads(struct bench_thread *th, unsigned int nr)
{
	atomic_t arrived = ATOMIC_INIT(0);
	unsigned int i = 0;
	int cpu, err = 0;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (i == nr)
			break;
		th[i].arrived = &arrived;
		th[i].nr = nr;
		th[i].err = 0;
		init_completion(&th[i].done);
		th[i].task = kthread_create(bench_thread_fn, &th[i],
					    "scbench/%d", cpu);
		if (IS_ERR(th[i].task)) {
			err = PTR_ERR(th[i].task);
			break;
		}
		kthread_bind(th[i].task, cpu);
		i++;
	}
	if (i < nr) {
		/* Never woken, so their function never runs. */
		while (i--)
			kthread_stop(th[i].task);
		cpus_read_unlock();
		return err ?: -ENODEV;
	}
	for (i = 0; i < nr; i++)
		wake_up_process(th[i].task);
	for (i = 0; i < nr; i++)
		wait_for_completion(&th[i].done);
	cpus_read_unlock();
	for (i = 0; !err && i < nr; i++)
		err = th[i].err;
	return err;
}

static int case_cross(struct bench_size *bs)
{
	static const enum bench_impl impls[] = { IMPL_SHEAF, IMPL_SLAB };
	struct bench_line l = {
		.name = "cross", .size = bs->size, .n = 1, .used = 1,
		.order = "-", .cpus = 2, .cap = sheaf_cache_capacity(bs->sc),
	};
	u64 ps[ARRAY_SIZE(impls)][BENCH_MAX_REPS];
	unsigned long iters = bench_iters(20000);
	struct bench_thread th[2] = {};
	struct bench_ring *ring;
	struct bench_stat s;
	unsigned int r, i;
	int err = 0;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	for (r = 0; r < reps + !smoke && !err; r++) {
		for (i = 0; i < ARRAY_SIZE(impls) && !err; i++) {
			memset(ring, 0, sizeof(*ring));
			th[0] = (struct bench_thread){ .bs = bs, .impl = impls[i],
				.iters = iters, .role = 1, .ring = ring };
			th[1] = th[0];
			th[1].role = 2;
			err = bench_threads(th, 2);
			/* The first round is a warm-up. */
			if (!err && (smoke || r))
				ps[i][r - !smoke] = div64_u64(max(th[0].ns, th[1].ns) * 1000,
							      iters);
			cond_resched();
		}
	}
	kfree(ring);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(impls); i++) {
		l.impl = bench_impl_names[impls[i]];
		s = bench_summarize(ps[i], reps);
		bench_print(&l, &s, NULL);
	}
	return 0;
}

static int case_scale(struct bench_size *bs)
{
	static const enum bench_impl impls[] = {
		IMPL_SHEAF, IMPL_SLAB, IMPL_ARRAY,
	};
	u64 mops[ARRAY_SIZE(impls)][BENCH_MAX_REPS];
	u64 ps[ARRAY_SIZE(impls)][BENCH_MAX_REPS];
	unsigned int ncpus = min(num_online_cpus(), 64U);
	unsigned long iters = bench_iters(20000);
	struct bench_line l = {
		.name = "scale", .size = bs->size, .n = 1, .used = 1,
		.order = "-", .cap = sheaf_cache_capacity(bs->sc),
	};
	struct bench_thread *th;
	struct bench_stat s, m;
	unsigned int k, r, i, j;
	char extra[32];
	int err = 0;

	th = kcalloc(ncpus, sizeof(*th), GFP_KERNEL);
	if (!th)
		return -ENOMEM;
	for (k = 1; k <= ncpus && !err; k++) {
		for (r = 0; r < reps + !smoke && !err; r++) {
			for (i = 0; i < ARRAY_SIZE(impls) && !err; i++) {
				u64 sum = 0, tput = 0;

				for (j = 0; j < k; j++)
					th[j] = (struct bench_thread){
						.bs = bs, .impl = impls[i],
						.iters = iters };
				err = bench_threads(th, k);
				cond_resched();
				if (err || (!smoke && !r))
					continue;
				/* Throughput in ops per us, scaled by 1000. */
				for (j = 0; j < k; j++) {
					sum += th[j].ns;
					tput += div64_u64((u64)iters * 1000000,
							  max(th[j].ns, 1ULL));
				}
				ps[i][r - !smoke] = div64_u64(sum * 1000,
							      (u64)iters * k);
				mops[i][r - !smoke] = tput;
			}
		}
		for (i = 0; !err && i < ARRAY_SIZE(impls); i++) {
			l.impl = bench_impl_names[impls[i]];
			l.cpus = k;
			s = bench_summarize(ps[i], reps);
			m = bench_summarize(mops[i], reps);
			snprintf(extra, sizeof(extra), " mops=%llu.%03llu",
				 div_u64(m.med, 1000), m.med % 1000);
			bench_print(&l, &s, extra);
		}
	}
	kfree(th);
	return err;
}

/* ===== Capacity and memory ============================================ */

static int case_sweep(struct bench_size *bs)
{
	static const unsigned int caps[] = { 4, 12, 26, 60, 120 };
	static const unsigned int ns[] = { 100, 1000 };
	static const bench_fn fns[] = { batch_sweep };
	static const char * const names[] = { "sheaf" };
	struct sheaf_cache_args args = {};
	struct bench_params p = {};
	struct bench_line l = {
		.name = "sweep", .size = bs->size, .order = "lifo", .cpus = 1,
	};
	struct sheaf_cache *sc;
	unsigned int c, i;
	char name[24];
	int err = 0;

	snprintf(name, sizeof(name), "bench-sweep-%u", bs->size);
	for (c = 0; c < ARRAY_SIZE(caps) && !err; c++) {
		args.sheaf_capacity = caps[c];
		sc = sheaf_cache_create(name, bs->sweep_base, &args);
		if (IS_ERR(sc))
			return PTR_ERR(sc);
		for (i = 0; i < ARRAY_SIZE(ns) && !err; i++) {
			p.n = ns[i];
			p.sc = sc;
			p.iters = DIV_ROUND_UP(bench_iters(20000), ns[i]);
			l.n = ns[i];
			l.used = ns[i];
			l.cap = caps[c];
			err = bench_run(&l, bs, fns, names, 1, &p,
					(u64)p.iters * p.n);
			pr_info("MEM case=sweep size=%u cap=%u n=%u cached=%lu\n",
				bs->size, caps[c], ns[i],
				sheaf_cache_cached_objects(sc));
		}
		sheaf_cache_destroy(sc);
	}
	return err;
}

/*
 * What the default capacity keeps cached on this CPU: after one pair
 * (main refilled), after a burst of 1000, and after all the cases.
 */
/*
 * What the base's own per-CPU sheaves and barns hold (from 6.18): the
 * objects SLUB counts in use, less those sheafcache holds, with none
 * handed out. -1 where the base has no sheaves of its own, or the count
 * includes the free objects of per-CPU slabs.
 */
static long bench_native_cached(struct bench_size *bs)
{
	const char *name = bs->sc_name;
	long objects;

	if (st_slab_attr(name, "sheaf_capacity") <= 0 ||
	    st_slab_attr(name, "cpu_slabs") != 0)
		return -1;
	objects = st_slab_attr(name, "objects");
	return objects < 0 ? -1 : objects - sheaf_cache_cached_objects(bs->sc);
}

static int case_mem(struct bench_size *bs)
{
	struct sheaf_cache *sc = bs->sc;
	unsigned long before = sheaf_cache_cached_objects(sc), pair, burst;
	long nbefore = bench_native_cached(bs), npair, nburst;
	unsigned int i;
	void *obj;

	sheaf_cache_shrink(sc);
	obj = sheaf_cache_alloc(sc, GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	sheaf_cache_free(sc, obj);
	pair = sheaf_cache_cached_objects(sc);
	npair = bench_native_cached(bs);
	for (i = 0; i < BENCH_MAX_BATCH; i++) {
		bench_objs[i] = sheaf_cache_alloc(sc, GFP_KERNEL);
		if (!bench_objs[i])
			break;
	}
	while (i--)
		sheaf_cache_free(sc, bench_objs[i]);
	burst = sheaf_cache_cached_objects(sc);
	nburst = bench_native_cached(bs);
	pr_info("MEM case=mem size=%u cap=%u cpus=%u nodes=%u after_cases=%lu after_pair=%lu after_burst=%lu native_cap=%ld native_after_cases=%ld native_after_pair=%ld native_after_burst=%ld\n",
		bs->size, sheaf_cache_capacity(sc), num_online_cpus(),
		num_online_nodes(), before, pair, burst,
		st_slab_attr(bs->sc_name, "sheaf_capacity"),
		nbefore, npair, nburst);
	return 0;
}

/* ===== Setup and the module =========================================== */

/*
 * Runs @run at every size. A TIME line gives the case's wall time, so
 * that the report can say where a make bench spends it.
 */
static int bench_each_size(int (*run)(struct bench_size *bs),
			   unsigned int min_cpus)
{
	u64 t0 = ktime_get_ns();
	unsigned int s;
	int ret = 0;

	if (num_online_cpus() < min_cpus)
		return sc_test_skip("needs more online CPUs");
	for (s = 0; s < ARRAY_SIZE(bench) && !ret; s++)
		ret = run(&bench[s]);
	pr_info("TIME case=%s ms=%llu\n", sc_test.current_case->name,
		div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	if (ret)
		pr_info("# error %d at size %u\n", ret, bench[s - 1].size);
	return ret;
}

/* test_<n>(): case_<n>() at every size, on at least @cpus online CPUs. */
#define BENCH_CASE(n, cpus)						\
static int test_##n(void)						\
{									\
	return bench_each_size(case_##n, cpus);				\
}

BENCH_CASE(pair, 1)
BENCH_CASE(batch, 1)
BENCH_CASE(bulk, 1)
BENCH_CASE(guar, 1)
BENCH_CASE(from, 1)
BENCH_CASE(prefill, 1)
BENCH_CASE(cross, 2)
BENCH_CASE(scale, 1)
BENCH_CASE(sweep, 1)
BENCH_CASE(mem, 1)

static const struct sc_test_case bench_cases[] = {
	SC_TEST_CASE(pair),
	SC_TEST_CASE(batch),
	SC_TEST_CASE(bulk),
	SC_TEST_CASE(guar),
	SC_TEST_CASE(from),
	SC_TEST_CASE(prefill),
	SC_TEST_CASE(cross),
	SC_TEST_CASE(scale),
	SC_TEST_CASE(sweep),
	SC_TEST_CASE(mem),
};

/* cases= names the cases to run; the others are left out. */
static int bench_filter(const struct sc_test_case *c)
{
	size_t len = strlen(c->name);
	const char *s = cases;

	if (!strcmp(cases, "all"))
		return 0;
	while ((s = strstr(s, c->name))) {
		if ((s == cases || s[-1] == ',') &&
		    (s[len] == ',' || s[len] == '\0'))
			return 0;
		s += len;
	}
	return SC_TEST_OMIT;
}

static void bench_array_destroy(struct bench_size *bs)
{
	int cpu;

	if (!bs->arr)
		return;
	for_each_possible_cpu(cpu) {
		struct bench_array *a = per_cpu_ptr(bs->arr, cpu);

		while (a->nr)
			kmem_cache_free(bs->base, a->objs[--a->nr]);
	}
	free_percpu(bs->arr);
	bs->arr = NULL;
}

/* Whatever of @bs was set up; a second call finds nothing to do. */
static void bench_size_destroy(struct bench_size *bs)
{
	sheaf_cache_destroy(bs->sc);
	sheaf_cache_destroy(bs->wsc);
	mempool_destroy(bs->pool);
	bench_array_destroy(bs);
	kmem_cache_destroy(bs->base);
	kmem_cache_destroy(bs->sweep_base);
	kmem_cache_destroy(bs->base32);
	memset(bs, 0, sizeof(*bs));
}

/* The native base with 32-object sheaves, where caches have sheaves. */
static int bench_base32_init(struct bench_size *bs)
{
#ifdef SHEAFCACHE_HAVE_NATIVE_SHEAVES
	struct kmem_cache_args args = { .sheaf_capacity = 32 };

	snprintf(bs->base32_name, sizeof(bs->base32_name), "scbench32-%u",
		 bs->size);
	bs->base32 = kmem_cache_create(bs->base32_name, bs->size, &args,
				       BENCH_SLAB_FLAGS);
	if (!bs->base32)
		return -ENOMEM;
#endif
	return 0;
}

static int bench_size_init(struct bench_size *bs, unsigned int size)
{
	char name[SHEAF_CACHE_NAME_MAX + 1];
	unsigned int i;
	int cpu;

	bs->size = size;
	snprintf(bs->base_name, sizeof(bs->base_name), "scbench-%u", size);
	snprintf(bs->sweep_name, sizeof(bs->sweep_name), "scbench-sweep-%u",
		 size);
	bs->base = kmem_cache_create(bs->base_name, size, 0, BENCH_SLAB_FLAGS,
				     NULL);
	bs->sweep_base = kmem_cache_create(bs->sweep_name, size, 0,
					   BENCH_SLAB_FLAGS, NULL);
	if (!bs->base || !bs->sweep_base)
		return -ENOMEM;
	/* The cache a client makes, and one over a base it wraps. */
	snprintf(bs->sc_name, sizeof(bs->sc_name), "bench-%u", size);
	bs->sc = sheaf_cache_create_with_base(bs->sc_name, size, 0, 0, NULL,
					      NULL);
	if (IS_ERR(bs->sc)) {
		int err = PTR_ERR(bs->sc);

		bs->sc = NULL;
		return err;
	}
	snprintf(name, sizeof(name), "bench-wrapped-%u", size);
	bs->wsc = sheaf_cache_create(name, bs->base, NULL);
	if (IS_ERR(bs->wsc)) {
		int err = PTR_ERR(bs->wsc);

		bs->wsc = NULL;
		return err;
	}
	if (bench_base32_init(bs))
		return -ENOMEM;
	bs->pool = mempool_create_slab_pool(BENCH_MAX_GUAR, bs->base);
	bs->arr = alloc_percpu(struct bench_array);
	if (!bs->pool || !bs->arr)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct bench_array *a = per_cpu_ptr(bs->arr, cpu);

		for (i = 0; i < BENCH_ARRAY_FILL; i++) {
			a->objs[i] = kmem_cache_alloc(bs->base, GFP_KERNEL);
			if (!a->objs[i])
				return -ENOMEM;
			a->nr++;
		}
	}
	return 0;
}

static void bench_teardown(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench); i++)
		bench_size_destroy(&bench[i]);
	kfree(bench_objs);
	bench_objs = NULL;
	kfree(bench_perm);
	bench_perm = NULL;
}

/* Whether the core counts events: one pair must show up in its stats. */
static bool bench_detect_stats(struct sheaf_cache *sc)
{
	u64 before = sheaf_cache_stat(sc, SC_ALLOC_FAST) +
		     sheaf_cache_stat(sc, SC_ALLOC_SLOW);
	void *obj = sheaf_cache_alloc(sc, GFP_KERNEL);

	sheaf_cache_free(sc, obj);
	return sheaf_cache_stat(sc, SC_ALLOC_FAST) +
	       sheaf_cache_stat(sc, SC_ALLOC_SLOW) != before;
}

static int __init sheafcache_bench_init(void)
{
	unsigned int s;
	int err = 0;

	if (smoke)
		reps = 1;
	else
		reps = clamp(reps, 5U, (unsigned int)BENCH_MAX_REPS);
	scale = max(scale, 1U);

	bench_objs = kcalloc(BENCH_MAX_BATCH, sizeof(*bench_objs), GFP_KERNEL);
	bench_perm = kcalloc(BENCH_MAX_BATCH, sizeof(*bench_perm), GFP_KERNEL);
	if (!bench_objs || !bench_perm) {
		err = -ENOMEM;
		goto out;
	}
	for (s = 0; s < ARRAY_SIZE(bench); s++) {
		err = bench_size_init(&bench[s], bench_sizes[s]);
		if (err) {
			pr_err("setup for size %u failed: %d\n",
			       bench_sizes[s], err);
			goto out;
		}
	}
	bench_core_stats = bench_detect_stats(bench[0].sc);
	bench_calibrate_clock();

	pr_info("META kernel=%s cpus=%u nodes=%u smoke=%d reps=%u scale=%u core=%s init_on_alloc=%d init_on_free=%d hz=%d clock_ns=%llu\n",
		init_utsname()->release, num_online_cpus(),
		num_online_nodes(), smoke, reps, scale,
		bench_core_stats ? "stats" : "nostats",
		want_init_on_alloc(GFP_KERNEL), want_init_on_free(), HZ,
		bench_clock_cost);

	if (sc_test_run(bench_cases, ARRAY_SIZE(bench_cases), bench_filter))
		err = -EINVAL;
out:
	if (err)
		bench_teardown();
	return err;
}

static void __exit sheafcache_bench_exit(void)
{
	bench_teardown();
}

module_init(sheafcache_bench_init);
module_exit(sheafcache_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sheafcache benchmarks: against slab, mempool and bulk allocation");
