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
 * state the benchmarks left behind. The cases on several CPUs are in
 * bench_smp.c; bench.h has what the two files share.
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
/* The burst case reads a cache's budget and runs its trim. */
#include "internal.h"
#include "selftest/sc_test.h"
#include "bench.h"

SC_TEST_STATE;

bool smoke;
module_param(smoke, bool, 0444);
MODULE_PARM_DESC(smoke, "run every case once with tiny counts (make check)");

unsigned int reps = 5;
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

const unsigned int bench_sizes[BENCH_NR_SIZES] = { 64, 256, 1024 };

struct bench_size bench[BENCH_NR_SIZES];

/* Objects of the batch and guaranteed cases, and a shuffled free order. */
void **bench_objs;
static unsigned int *bench_perm;
/* The lock a guaranteed allocation is made under, IRQs off. */
DEFINE_SPINLOCK(bench_lock);
/* Whether the loaded core counts events (SHEAFCACHE_NO_STATS unset). */
static bool bench_core_stats;
/* What ktime_get_ns() itself adds to a timed stretch. */
static u64 bench_clock_cost;

/* ===== Implementations ================================================ */

const char * const bench_impl_names[] = {
	"sheaf", "wrapped", "slab", "array", "array0", "mempool", "bulk",
	"slab32", "sheaf_bulk",
};

static_assert(ARRAY_SIZE(bench_impl_names) == IMPL_NR);

/*
 * Out of line, as an exported allocator is for its callers: the floor
 * includes the calls that the sheafcache API cannot avoid either.
 */
noinline void *array_alloc(struct bench_size *bs, bool zero)
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

noinline void array_free(struct bench_size *bs, void *obj)
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
static __always_inline int guar_once(struct sheaf_cache *sc,
				     const struct bench_params *p)
{
	unsigned int i, used = p->used;
	void **objs = bench_objs;
	struct sheaf *sheaf;
	unsigned long flags;

	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, p->n);
	if (unlikely(!sheaf))
		return -ENOMEM;
	spin_lock_irqsave(&bench_lock, flags);
	for (i = 0; i < used; i++)
		objs[i] = sheaf_cache_alloc_from_sheaf(sc, GFP_ATOMIC, sheaf);
	spin_unlock_irqrestore(&bench_lock, flags);
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	for (i = 0; i < used; i++) {
		if (unlikely(!objs[i]))
			return -ENOMEM;
		sheaf_cache_free(sc, objs[i]);
	}
	return 0;
}

static noinline u64 guar_sheaf(struct bench_size *bs,
			       const struct bench_params *p)
{
	unsigned long it;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++)
		if (guar_once(bs->sc, p))
			return BENCH_FAIL;
	return ktime_get_ns() - t0;
}

/*
 * guar_sheaf() from a cache that holds nothing: each reservation starts
 * after sheaf_cache_shrink(), which is not timed.
 */
static noinline u64 guar_cold(struct bench_size *bs,
			      const struct bench_params *p)
{
	unsigned long it;
	u64 t0, sum = 0, t;

	for (it = 0; it < p->iters; it++) {
		sheaf_cache_shrink(bs->sc);
		t0 = ktime_get_ns();
		if (guar_once(bs->sc, p))
			return BENCH_FAIL;
		t = ktime_get_ns() - t0;
		sum += t > bench_clock_cost ? t - bench_clock_cost : 0;
	}
	return sum;
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

struct bench_stat bench_summarize(u64 *v, unsigned int nr)
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

/* Times are kept in picoseconds per operation; printed in ns, 1 decimal. */
static char *bench_ns(char *buf, size_t len, u64 ps)
{
	snprintf(buf, len, "%llu.%llu", div_u64(ps, 1000),
		 div_u64(ps % 1000, 100));
	return buf;
}

void bench_print(const struct bench_line *l, const struct bench_stat *s,
		 const char *extra)
{
	char med[24], lo[24], hi[24];

	pr_info("RESULT case=%s size=%u impl=%s n=%u used=%u order=%s cpus=%u cap=%u ns=%s min=%s max=%s reps=%u%s\n",
		l->name, l->size, l->impl, l->n, l->used, l->order, l->cpus,
		l->cap, bench_ns(med, sizeof(med), s->med),
		bench_ns(lo, sizeof(lo), s->min),
		bench_ns(hi, sizeof(hi), s->max), reps, extra ?: "");
}

unsigned long bench_iters(unsigned long base)
{
	if (smoke)
		return max(base / 200, 1UL);
	return max(base * scale / 100, 1UL);
}

/**
 * bench_run() - time implementations side by side and print their medians
 * @l: the line to print; @l->impl is set per implementation
 * @bs: the object size
 * @t: the implementations, each a timed run and a name
 * @nr: number of implementations, at most 6
 * @p: what each run does
 * @ops: operations per run, to divide the time by
 *
 * Return: 0, or -ENOMEM when a run could not allocate.
 */
int bench_run(struct bench_line *l, struct bench_size *bs,
	      const struct bench_timed *t, unsigned int nr,
	      const struct bench_params *p, u64 ops)
{
	u64 ps[6][BENCH_MAX_REPS];
	struct bench_stat s;
	unsigned int r, i;
	u64 ns;

	if (WARN_ON_ONCE(nr > ARRAY_SIZE(ps)))
		return -EINVAL;
	/* A warm-up run each, not counted: caches and sheaves settle. */
	for (i = 0; !smoke && i < nr; i++) {
		if (t[i].fn(bs, p) == BENCH_FAIL)
			return -ENOMEM;
		cond_resched();
	}
	for (r = 0; r < reps; r++) {
		for (i = 0; i < nr; i++) {
			ns = t[i].fn(bs, p);
			if (ns == BENCH_FAIL)
				return -ENOMEM;
			ps[i][r] = div64_u64(ns * 1000, ops);
			cond_resched();
		}
	}
	for (i = 0; i < nr; i++) {
		l->impl = t[i].impl;
		for (r = 0; raw && r < reps; r++)
			pr_info("RAW case=%s size=%u impl=%s n=%u rep=%u ps=%llu\n",
				l->name, l->size, l->impl, l->n, r, ps[i][r]);
		s = bench_summarize(ps[i], reps);
		bench_print(l, &s, NULL);
	}
	return 0;
}

/* ===== The cases ====================================================== */

/*
 * The pair on a cache of its own with SHEAF_CACHE_POISON, as "poison":
 * made for this run alone, since while any cache poisons, a static key
 * sends every cache's dirty objects out of line, and the other figures
 * are of the pair with poisoning off.
 */
static int pair_poison(struct bench_size *bs, struct bench_line *l,
		       const struct bench_params *p)
{
	static const struct bench_timed fns[] = { { pair_sheaf, "poison" } };
	struct sheaf_cache_args args = { .flags = SHEAF_CACHE_POISON };
	struct bench_size pbs = *bs;
	char name[24];
	int err;

	snprintf(name, sizeof(name), "bench-poison-%u", bs->size);
	pbs.sc = sheaf_cache_create_with_base(name, bs->size, 0, 0, NULL,
					      &args);
	if (IS_ERR(pbs.sc))
		return PTR_ERR(pbs.sc);
	l->cap = sheaf_cache_capacity(pbs.sc);
	err = bench_run(l, &pbs, fns, ARRAY_SIZE(fns), p, p->iters);
	sheaf_cache_destroy(pbs.sc);
	return err;
}

static int case_pair(struct bench_size *bs)
{
	/* slab32 last: it is left out where there is no @bs->base32. */
	static const struct bench_timed fns[] = {
		{ pair_sheaf, "sheaf" }, { pair_wrapped, "wrapped" },
		{ pair_slab, "slab" }, { pair_array, "array" },
		{ pair_array0, "array0" }, { pair_slab32, "slab32" },
	};
	struct bench_params p = { .iters = bench_iters(20000) };
	struct bench_line l = {
		.name = "pair", .size = bs->size, .n = 1, .used = 1,
		.order = "-", .cpus = 1, .cap = sheaf_cache_capacity(bs->sc),
	};

	int err;

	err = bench_run(&l, bs, fns, ARRAY_SIZE(fns) - !bs->base32, &p,
			p.iters);
	return err ?: pair_poison(bs, &l, &p);
}

static int case_batch(struct bench_size *bs)
{
	static const unsigned int ns[] = { 1, 10, 100, 1000 };
	static const struct bench_timed fns[] = {
		{ batch_sheaf, "sheaf" }, { batch_slab, "slab" },
		{ batch_slab32, "slab32" },
	};
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
			err = bench_run(&l, bs, fns, ARRAY_SIZE(fns) - !bs->base32, &p,
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
	static const struct bench_timed fns[] = {
		{ batch_sheaf_bulk, "sheaf" }, { batch_bulk, "bulk" },
	};
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
		err = bench_run(&l, bs, fns, ARRAY_SIZE(fns), &p,
				(u64)p.iters * p.n);
		if (err)
			return err;
	}
	return 0;
}

static int case_guar(struct bench_size *bs)
{
	static const unsigned int ns[] = { 1, 4, 16, 32, 64 };
	/* The cold one last, run apart: where one object of n is used. */
	static const struct bench_timed fns[] = {
		{ guar_sheaf, "sheaf" }, { guar_mempool, "mempool" },
		{ guar_bulk, "bulk" }, { guar_slab, "slab" },
		{ guar_cold, "sheaf_cold" },
	};
	static const struct bench_timed native[] = {
		{ bench_native_guar, "native" },
	};
	struct bench_line l = {
		.name = "guar", .size = bs->size, .order = "-", .cpus = 1,
		.cap = sheaf_cache_capacity(bs->sc),
	};
	struct bench_params p = {};
	unsigned int i, u;
	int err;

	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		p.native = bench_native_create(bs->size, ns[i]);
		/* Every object reserved is used; then only one of them. */
		for (u = 0; u < 2; u++) {
			if (u && ns[i] == 1)
				continue;
			p.n = ns[i];
			p.used = u ? 1 : ns[i];
			/*
			 * As many objects used whatever n: enough rounds for
			 * the sheaves to cycle, and the zeroing of what was
			 * freed to be paid where it is deferred to.
			 */
			p.iters = DIV_ROUND_UP(bench_iters(8000), p.used);
			l.n = p.n;
			l.used = p.used;
			err = bench_run(&l, bs, fns, ARRAY_SIZE(fns) - 1,
					&p, p.iters);
			if (!err && p.native)
				err = bench_run(&l, bs, native, 1, &p, p.iters);
			/* Apart: it empties the cache the others warmed. */
			p.iters = DIV_ROUND_UP(bench_iters(8000), p.n);
			if (!err && u)
				err = bench_run(&l, bs, &fns[ARRAY_SIZE(fns) - 1],
						1, &p, p.iters);
			if (err)
				break;
		}
		kmem_cache_destroy(p.native);
		if (err)
			return err;
	}
	return 0;
}

static int case_from(struct bench_size *bs)
{
	static const struct bench_timed fns[] = { { from_sheaf, "sheaf" } };
	struct bench_params p = { .iters = bench_iters(500) };
	struct bench_line l = {
		.name = "from", .size = bs->size, .order = "-", .cpus = 1,
		.cap = sheaf_cache_capacity(bs->sc),
	};

	l.n = l.cap;
	l.used = l.cap;
	return bench_run(&l, bs, fns, 1, &p, (u64)p.iters * l.cap);
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

/* ===== Capacity and memory ============================================ */

static int case_sweep(struct bench_size *bs)
{
	static const unsigned int caps[] = { 4, 12, 26, 60, 120 };
	static const unsigned int ns[] = { 100, 1000 };
	static const struct bench_timed fns[] = { { batch_sweep, "sheaf" } };
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
	args.flags = SHEAF_CACHE_FIXED_CAPACITY;
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
			err = bench_run(&l, bs, fns, 1, &p,
					(u64)p.iters * p.n);
			pr_info("MEM case=sweep size=%u cap=%u n=%u cached=%lu\n",
				bs->size, caps[c], ns[i],
				sheaf_cache_cached_objects(sc));
		}
		sheaf_cache_destroy(sc);
	}
	return err;
}

/* ===== Bursts ========================================================= */

#define BURST_RUN	200
#define BURST_PAIRS	20
#define BURST_OPS	(2 * BURST_RUN + 2 * BURST_PAIRS)
/* The adaptive cache's byte budget: what the figures stay within. */
#define BURST_BUDGET	SZ_512K

/*
 * A bursty workload on one CPU: runs of BURST_RUN allocations, then as
 * many frees, with BURST_PAIRS short pairs in between, on p->sc (or
 * slab's base for IMPL_SLAB).
 */
static __always_inline u64 burst_loop(struct bench_size *bs,
				      const struct bench_params *p,
				      enum bench_impl impl)
{
	struct bench_size tmp = *bs;
	void **objs = bench_objs;
	unsigned long it;
	unsigned int i;
	u64 t0;

	tmp.sc = p->sc;
	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		for (i = 0; i < BURST_RUN; i++) {
			objs[i] = bench_alloc(&tmp, impl, GFP_KERNEL);
			if (unlikely(!objs[i]))
				return BENCH_FAIL;
		}
		for (i = BURST_RUN; i--; )
			bench_free(&tmp, impl, objs[i]);
		for (i = 0; i < BURST_PAIRS; i++) {
			objs[0] = bench_alloc(&tmp, impl, GFP_KERNEL);
			if (unlikely(!objs[0]))
				return BENCH_FAIL;
			bench_free(&tmp, impl, objs[0]);
		}
	}
	return ktime_get_ns() - t0;
}

BENCH_LOOP(burst, sheaf, IMPL_SHEAF)
BENCH_LOOP(burst, slab, IMPL_SLAB)

/* Objects refilled from and flushed to the base so far. */
static u64 burst_traffic(struct sheaf_cache *sc)
{
	return sheaf_cache_stat(sc, SC_REFILL) + sheaf_cache_stat(sc, SC_FLUSH);
}

/* Run the cache's trim now, as its timer would, and wait for it. */
static void burst_trim(struct sheaf_cache *sc)
{
	mod_delayed_work(sc_unbound_wq, &sc->trim, 0);
	flush_delayed_work(&sc->trim);
}

/*
 * One cache of the burst case: its figure, the objects it moved through
 * the base per 1000 operations, what it holds after the bursts, after a
 * busy trim and after an idle one.
 */
static int burst_one(struct bench_size *bs, struct sheaf_cache *sc,
		     const char *impl, struct bench_params *p)
{
	const struct bench_timed fns[] = { { burst_sheaf, impl } };
	struct bench_line l = {
		.name = "burst", .size = bs->size, .order = "lifo", .cpus = 1,
		.n = BURST_RUN, .used = BURST_RUN,
	};
	unsigned long busy, held, counted;
	unsigned int capacity;
	u64 before, traffic;
	int err;

	p->sc = sc;
	/* A run to tune in, then the steady state's traffic is counted. */
	if (burst_sheaf(bs, p) == BENCH_FAIL)
		return -ENOMEM;
	before = burst_traffic(sc);
	err = bench_run(&l, bs, fns, 1, p, (u64)p->iters * BURST_OPS);
	if (err)
		return err;
	/* Before the trims: the idle one flushes everything. */
	traffic = burst_traffic(sc) - before;
	held = sheaf_cache_cached_objects(sc);
	capacity = sheaf_cache_capacity(sc);
	counted = atomic_long_read(&sc->held);
	burst_trim(sc);
	busy = sheaf_cache_cached_objects(sc);
	burst_trim(sc);
	pr_info("MEM case=burst size=%u impl=%s cap=%u traffic_per_kop=%llu ops=%llu budget=%lu budget_bytes=%lu held_bytes=%lu trimmed_busy_bytes=%lu trimmed_idle_bytes=%lu\n",
		bs->size, impl, capacity,
		div64_u64(traffic * 1000,
			  (u64)p->iters * BURST_OPS * (reps + !smoke)),
		(u64)p->iters * BURST_OPS * (reps + !smoke),
		sc->max_held * sc->object_size,
		counted * sc->object_size,
		held * bs->size, busy * bs->size,
		sheaf_cache_cached_objects(sc) * bs->size);
	return 0;
}

/*
 * Bursts on a cache that tunes itself within BURST_BUDGET, and on one of
 * the fixed default capacity, both over the sweep's base, beside slab.
 */
static int case_burst(struct bench_size *bs)
{
	static const struct bench_timed slab[] = { { burst_slab, "slab" } };
	struct bench_params p = {
		.iters = DIV_ROUND_UP(bench_iters(20000), BURST_OPS),
	};
	struct bench_line l = {
		.name = "burst", .size = bs->size, .order = "lifo", .cpus = 1,
		.n = BURST_RUN, .used = BURST_RUN,
	};
	struct sheaf_cache_args args = { .max_bytes = BURST_BUDGET };
	struct sheaf_cache *sc;
	char name[24];
	int err;

	snprintf(name, sizeof(name), "bench-burst-%u", bs->size);
	sc = sheaf_cache_create(name, bs->sweep_base, &args);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	err = burst_one(bs, sc, "sheaf", &p);
	sheaf_cache_destroy(sc);
	if (err)
		return err;

	args = (struct sheaf_cache_args){ .flags = SHEAF_CACHE_FIXED_CAPACITY };
	sc = sheaf_cache_create(name, bs->sweep_base, &args);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	err = burst_one(bs, sc, "fixed", &p);
	sheaf_cache_destroy(sc);
	if (err)
		return err;
	l.cap = 0;
	p.sc = NULL;
	return bench_run(&l, bs, slab, 1, &p, (u64)p.iters * BURST_OPS);
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
BENCH_CASE(rcu, 1)
BENCH_CASE(guar, 1)
BENCH_CASE(from, 1)
BENCH_CASE(prefill, 1)
BENCH_CASE(cross, 2)
BENCH_CASE(scale, 1)
BENCH_CASE(sweep, 1)
BENCH_CASE(burst, 1)
BENCH_CASE(mem, 1)

static const struct sc_test_case bench_cases[] = {
	SC_TEST_CASE(pair),
	SC_TEST_CASE(batch),
	SC_TEST_CASE(bulk),
	SC_TEST_CASE(rcu),
	SC_TEST_CASE(guar),
	SC_TEST_CASE(from),
	SC_TEST_CASE(prefill),
	SC_TEST_CASE(cross),
	SC_TEST_CASE(scale),
	SC_TEST_CASE(sweep),
	SC_TEST_CASE(burst),
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
	const struct sheaf_cache_args rcu_args = {
		.flags = SHEAF_CACHE_RCU_HEAD,
		.rcu_head_offset = offsetof(struct bench_rcu_obj, rcu),
	};
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
					      &rcu_args);
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

	pr_info("META kernel=%s cpus=%u nodes=%u smoke=%d reps=%u scale=%u core=%s init_on_alloc=%d init_on_free=%d hz=%d clock_ns=%llu native=%d\n",
		init_utsname()->release, num_online_cpus(),
		num_online_nodes(), smoke, reps, scale,
		bench_core_stats ? "stats" : "nostats",
		want_init_on_alloc(GFP_KERNEL), want_init_on_free(), HZ,
		bench_clock_cost, bench_native_init());

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
