// SPDX-License-Identifier: GPL-2.0
/*
 * The RCU case: sheaf_cache_free_rcu() and the reuse of its objects,
 * against kfree_rcu() of objects with an rcu_head and fresh
 * kmem_cache_alloc()s, per object. Each round allocates a batch, frees it
 * through RCU and waits for its barrier, so the next round reuses what
 * came back. What counts is the work done, the callbacks included; the
 * CPU's idle time while it waits for a grace period is taken off, since
 * under icount an idle wait moves the clock. The idle time is measured
 * here, at the cpu_idle tracepoint's entry and exit: the kernel's own
 * idle accounting is sampled by the tick on 7.3, too coarse for a round.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/tracepoint.h>
#include <trace/events/power.h>

#include "bench.h"

/*
 * Objects per round, in sheaves of the cache: as many as a barn takes
 * back at its default limit, so that the next round reuses them all.
 */
#define BENCH_RCU_SHEAVES	10

/* Each CPU's idle time so far, and when its current idle period began. */
static DEFINE_PER_CPU(u64, bench_idle_total);
static DEFINE_PER_CPU(u64, bench_idle_since);

static void bench_idle_probe(void *data, unsigned int state,
			     unsigned int cpu)
{
	u64 now = ktime_get_ns(), since = this_cpu_read(bench_idle_since);

	if (state != PWR_EVENT_EXIT) {
		this_cpu_write(bench_idle_since, now);
	} else if (since) {
		this_cpu_add(bench_idle_total, now - since);
		this_cpu_write(bench_idle_since, 0);
	}
}

/* This CPU's idle time in ns, which a running task sees complete. */
static u64 bench_idle_ns(void)
{
	return this_cpu_read(bench_idle_total);
}

/* Busy time since @t0 and @idle0. */
static u64 bench_busy_since(u64 t0, u64 idle0)
{
	u64 busy = ktime_get_ns() - t0, idle = bench_idle_ns() - idle0;

	return busy > idle ? busy - idle : 0;
}

/*
 * What waits for every kfree_rcu() so far: kvfree_rcu_barrier() where a
 * module may call it (6.12); from 6.18 the kfree_rcu() of a cache with
 * sheaves goes into the cache's own RCU sheaf, which call_rcu() sends, so
 * rcu_barrier() waits for all but one partly filled sheaf, carried from
 * round to round. 6.1 has neither: no figure there.
 */
#if defined(SHEAFCACHE_HAVE_KVFREE_RCU_BARRIER)
#define BENCH_KFREE_RCU		1
static void bench_kfree_rcu_barrier(void)
{
	kvfree_rcu_barrier();
}
#elif defined(SHEAFCACHE_HAVE_NATIVE_SHEAVES)
#define BENCH_KFREE_RCU		1
static void bench_kfree_rcu_barrier(void)
{
	rcu_barrier();
}
#else
#define BENCH_KFREE_RCU		0
static void bench_kfree_rcu_barrier(void)
{
}
#endif

/*
 * @p->iters rounds of @p->n objects: allocated, freed through RCU, and
 * waited for, by sheafcache (@sheaf) or by slab and kfree_rcu(). Inlined
 * into each side, so that neither pays an indirect call per object.
 */
static __always_inline u64 rcu_rounds(struct bench_size *bs,
				      const struct bench_params *p, bool sheaf)
{
	struct bench_rcu_obj *obj;
	unsigned long it;
	unsigned int i;
	u64 t0, idle0;

	migrate_disable();
	idle0 = bench_idle_ns();
	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		for (i = 0; i < p->n; i++) {
			bench_objs[i] = sheaf ?
				sheaf_cache_alloc(bs->sc, GFP_KERNEL) :
				kmem_cache_alloc(bs->base, GFP_KERNEL);
			if (unlikely(!bench_objs[i]))
				goto fail;
		}
		for (i = 0; i < p->n; i++) {
			obj = bench_objs[i];
			if (sheaf)
				sheaf_cache_free_rcu(bs->sc, obj);
			else
				kfree_rcu(obj, rcu);
		}
		if (sheaf)
			sheaf_cache_rcu_barrier(bs->sc);
		else
			bench_kfree_rcu_barrier();
	}
	t0 = bench_busy_since(t0, idle0);
	migrate_enable();
	return t0;
fail:
	while (i--) {
		if (sheaf)
			sheaf_cache_free(bs->sc, bench_objs[i]);
		else
			kmem_cache_free(bs->base, bench_objs[i]);
	}
	migrate_enable();
	return BENCH_FAIL;
}

static noinline u64 rcu_sheaf(struct bench_size *bs,
			      const struct bench_params *p)
{
	return rcu_rounds(bs, p, true);
}

static noinline u64 rcu_kfree(struct bench_size *bs,
			      const struct bench_params *p)
{
	return rcu_rounds(bs, p, false);
}

int case_rcu(struct bench_size *bs)
{
	static const struct bench_timed fns[] = {
		{ rcu_sheaf, "sheaf" }, { rcu_kfree, "kfree_rcu" },
	};
	unsigned int cap = sheaf_cache_capacity(bs->sc);
	struct bench_params p = {
		.n = min(BENCH_RCU_SHEAVES * cap, (unsigned int)BENCH_MAX_BATCH),
	};
	struct bench_line l = {
		.name = "rcu", .size = bs->size, .order = "-", .cpus = 1,
		.cap = cap,
	};

	int err;

	/* A barrier per round: fewer rounds than the other cases' loops. */
	p.iters = DIV_ROUND_UP(bench_iters(20000), 100 * p.n);
	l.n = p.n;
	l.used = p.n;
	/* Only while the case runs: the others pay nothing for the probe. */
	err = register_trace_cpu_idle(bench_idle_probe, NULL);
	if (err)
		return err;
	err = bench_run(&l, bs, fns, 1 + BENCH_KFREE_RCU, &p,
			(u64)p.iters * p.n);
	unregister_trace_cpu_idle(bench_idle_probe, NULL);
	tracepoint_synchronize_unregister();
	return err;
}
