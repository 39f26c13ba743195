// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache_bench on several CPUs: objects allocated on one CPU and
 * freed on another, and the fast path's throughput on every CPU at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "bench.h"

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

int case_cross(struct bench_size *bs)
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

int case_scale(struct bench_size *bs)
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

