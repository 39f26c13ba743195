// SPDX-License-Identifier: GPL-2.0
/*
 * RCU-deferred frees, as upstream's kfree_rcu() does with its rcu_free
 * sheaf: sheaf_cache_free_rcu() batches objects into a per-CPU RCU sheaf;
 * a full one goes through one call_rcu(), and after the grace period it
 * joins the barn as a full sheaf, so that the objects are reused without
 * touching slab. A partly filled one is sent by a delayed work within
 * SC_RCU_FLUSH_DELAY, and by the barrier, hotplug, the shrinker and
 * destruction.
 *
 * When no sheaf can be had there is nowhere to record the object: a cache
 * whose objects hold an rcu_head links them on a list by it, which a work
 * frees a grace period after taking it; any other cache waits for a grace
 * period in place (the caller may sleep there, as for the headless
 * kvfree_rcu()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/jump_label.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "core.h"

/* Longest a partly filled RCU sheaf waits to be sent: about kfree_rcu()'s. */
#define SC_RCU_FLUSH_DELAY	HZ

/* ===== After the grace period ========================================= */

/*
 * A poison cache's objects are poisoned only now, after the grace period,
 * since readers may look at them until then; and tagged dirty, so that
 * they are checked before reuse (core.h).
 */
static noinline void sc_rcu_sheaf_poison(struct sheaf_cache *sc,
					 struct sheaf *sheaf)
{
	unsigned int i;

	for (i = 0; i < sheaf->size; i++) {
		sc_poison(sc, sheaf->objects[i]);
		sheaf->objects[i] = sc_obj_tag(sc, sheaf->objects[i]);
	}
}

/* Objects into the barn of their node as a full sheaf, or to the base. */
static void sc_rcu_sheaf_home(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	struct sc_barn *barn = sc_local_barn(sc);
	unsigned int i;

	if (!sheaf->flush && sheaf->size == sheaf->capacity) {
		barn = sc->barns[page_to_nid(virt_to_page(sheaf->objects[0]))];
		if (READ_ONCE(barn->nr_full) < sc->max_full) {
			/*
			 * Only now may nobody look at them any more. Zeroed
			 * here rather than tagged dirty: a sheaf that comes
			 * back through RCU is mostly reused, and zeroing the
			 * batch in one loop costs less than a tag each.
			 */
			if (sc->poison)
				sc_rcu_sheaf_poison(sc, sheaf);
			else if (sc->init_on_free || sc->dirty_tag)
				for (i = 0; i < sheaf->size; i++)
					sc_zero(sc, sheaf->objects[i], false);
			/*
			 * A lost race takes the barn one over: harmless. A
			 * sheaf of a retired capacity is taken by no barn.
			 */
			if (barn_put_full(sc, barn, sheaf, true)) {
				sc_stat(sc, SC_RCU_SHEAF_BARN);
				return;
			}
		}
	}
	/* Counted out of free_check already, when they were freed. */
	sheaf->flush = 0;
	sc_stat_add(sc, SC_RCU_SHEAF_FLUSH, sheaf->size);
	sc_flush(sc, sheaf);
	barn_put_empty(sc, barn, sheaf);
}

/*
 * After the grace period. The last sheaf in flight wakes the barrier;
 * the wakeup uses only the counter's address, so a destruction the
 * barrier lets go on may free the cache meanwhile.
 */
static void sc_rcu_sheaf_done(struct rcu_head *head)
{
	struct sheaf *sheaf = container_of(head, struct sheaf, rcu);
	struct sheaf_cache *sc = sheaf->cache;

	sheaf->cache = NULL;
	sc_rcu_sheaf_home(sc, sheaf);
	if (atomic_long_dec_and_test(&sc->rcu_in_flight))
		wake_up_var(&sc->rcu_in_flight);
}

/*
 * Send this CPU's RCU sheaf, section held. It is counted in flight before
 * it leaves the CPU, and leaves it only after call_rcu(): a barrier that
 * finds no sheaf on a CPU knows any sheaf sent from it is counted. The
 * callback cannot run before the section ends: a grace period waits for
 * it (preemption off, or RT's spinlock, which is an RCU reader).
 */
static void sc_rcu_send(struct sheaf_cache *sc, struct sc_cpu *pcp)
{
	struct sheaf *sheaf = pcp->rcu_free;

	sheaf->cache = sc;
	atomic_long_inc(&sc->rcu_in_flight);
	call_rcu(&sheaf->rcu, sc_rcu_sheaf_done);
	/* Pairs with sc_rcu_send_cpus(): the count is seen before the NULL. */
	smp_store_release(&pcp->rcu_free, NULL);
	sc_stat(sc, SC_RCU_SHEAF);
	if (sheaf->size < sheaf->capacity)
		sc_stat(sc, SC_RCU_SHEAF_PARTIAL);
}

/*
 * Send a partly filled RCU sheaf: the owner holds the section, or the CPU
 * is dead, or the cache is no longer used. An empty one is kept.
 */
void sc_rcu_send_partial(struct sheaf_cache *sc, struct sc_cpu *pcp)
{
	if (pcp->rcu_free && pcp->rcu_free->size)
		sc_rcu_send(sc, pcp);
}

/* ===== Freeing ======================================================== */

/*
 * An empty sheaf for this CPU's RCU sheaf, section held: an empty spare,
 * the barn's, or a new one, made outside the section. False with the
 * section left; *@pcpp may be another CPU's after a new sheaf.
 */
static bool sc_rcu_get_sheaf(struct sheaf_cache *sc, struct sc_cpu **pcpp)
{
	struct sc_cpu *pcp = *pcpp;
	struct sheaf *sheaf;

	if (pcp->spare && !pcp->spare->size) {
		sheaf = pcp->spare;
		pcp->spare = NULL;
	} else {
		sheaf = barn_get_empty(sc_local_barn(sc));
	}
	if (sheaf) {
		WRITE_ONCE(pcp->rcu_free, sheaf);
		return true;
	}
	sc_exit(pcp);
	sheaf = sc_sheaf_new(sc, GFP_NOWAIT);
	if (!sheaf)
		return false;
	if (!sc_enter(sc, pcpp)) {
		sc_sheaf_free(sc, sheaf);
		return false;
	}
	pcp = *pcpp;
	/* An interrupt may have set one up meanwhile. */
	if (pcp->rcu_free)
		sc_sheaf_free(sc, sheaf);
	else
		WRITE_ONCE(pcp->rcu_free, sheaf);
	return true;
}

/*
 * Put @obj into this CPU's RCU sheaf, sending it when full; @keep_out:
 * the object must go to the base after the grace period. False when no
 * sheaf could be had.
 */
static bool sc_rcu_push(struct sheaf_cache *sc, void *obj, bool keep_out)
{
	struct sc_cpu *pcp;
	struct sheaf *sheaf;
	bool started;

	if (!sc_enter(sc, &pcp))
		return false;
	if (unlikely(!pcp->rcu_free) && !sc_rcu_get_sheaf(sc, &pcp))
		return false;
	sheaf = pcp->rcu_free;
	if (keep_out ||
	    (static_branch_unlikely(&sc_numa) && !sc_may_cache(obj)))
		sheaf->flush = 1;
	started = !sheaf->size;
	sheaf->objects[sheaf->size++] = obj;
	if (sheaf->size == sheaf->capacity) {
		sc_rcu_send(sc, pcp);
		started = false;
	}
	sc_exit(pcp);
	/* The first object of a sheaf starts its clock. */
	if (started && !delayed_work_pending(&sc->rcu_flush))
		queue_delayed_work(sc_percpu_wq, &sc->rcu_flush, SC_RCU_FLUSH_DELAY);
	return true;
}

/* Nowhere to record @obj but in itself: see the comment at the top. */
static void sc_rcu_fallback(struct sheaf_cache *sc, void *obj)
{
	sc_stat(sc, SC_FREE_RCU_FALLBACK);
	if (sc->rcu_head) {
		if (llist_add(obj + sc->rcu_head_offset, &sc->rcu_waiting))
			queue_work(sc_percpu_wq, &sc->rcu_fallback);
		return;
	}
	synchronize_rcu();
	kmem_cache_free(sc->base, obj);
}

/* Without a cache there is no rcu_head offset: a grace period in place. */
static noinline void sc_free_rcu_nocache(void *obj)
{
	WARN_ON_ONCE(1);
	might_sleep();
	synchronize_rcu();
	kfree(obj);
}

void sheaf_cache_free_rcu(struct sheaf_cache *sc, void *obj)
{
	bool keep_out = false;

	if (unlikely(!obj))
		return;
	if (unlikely(!sc)) {
		sc_free_rcu_nocache(obj);
		return;
	}
	if (!sc->rcu_head)
		might_sleep();
	sc_stat(sc, SC_FREE_RCU);
	if (static_branch_unlikely(&sc_check_frees) && sc_bad_object(sc, obj))
		return;
	if (atomic_long_read(&sc->free_check))
		keep_out = sc_keep_out(sc, obj);
	if (!sc_rcu_push(sc, obj, keep_out))
		sc_rcu_fallback(sc, obj);
}
EXPORT_SYMBOL_GPL(sheaf_cache_free_rcu);

/* ===== Works and the barrier ========================================== */

/*
 * The rcu_head fallback's objects: those linked before the grace period
 * started are freed after it; later ones wait for the next round.
 */
static void sc_rcu_fallback_work(struct work_struct *work)
{
	struct sheaf_cache *sc = container_of(work, struct sheaf_cache,
					      rcu_fallback);
	struct llist_node *node, *next;

	while ((node = llist_del_all(&sc->rcu_waiting))) {
		synchronize_rcu();
		llist_for_each_safe(node, next, node)
			kmem_cache_free(sc->base,
					(void *)node - sc->rcu_head_offset);
	}
}

/* Runs on the CPU whose RCU sheaf it sends (work_on_cpu()). */
static long sc_rcu_send_this_cpu(void *arg)
{
	struct sheaf_cache *sc = arg;
	local_trylock_t *tl = sc_local_lock(&sc->cpu->lock);

	/* A task: on !PREEMPT_RT nothing on this CPU can hold the section. */
	if (WARN_ON_ONCE(!tl))
		return 0;
	sc_rcu_send_partial(sc, container_of(tl, struct sc_cpu, lock));
	sc_local_unlock(tl);
	return 0;
}

/*
 * Send the partly filled RCU sheaves of the online CPUs: this CPU's
 * directly, another's on it, where one is seen (sc_rcu_send()).
 */
static void sc_rcu_send_cpus(struct sheaf_cache *sc)
{
	struct sc_cpu *pcp;
	int cpu;

	if (sc_enter(sc, &pcp)) {
		sc_rcu_send_partial(sc, pcp);
		sc_exit(pcp);
	}
	cpus_read_lock();
	for_each_online_cpu(cpu)
		/* Pairs with sc_rcu_send(): NULL means the sheaf is counted. */
		if (smp_load_acquire(&per_cpu_ptr(sc->cpu, cpu)->rcu_free))
			work_on_cpu(cpu, sc_rcu_send_this_cpu, sc);
	cpus_read_unlock();
}

static void sc_rcu_flush_work(struct work_struct *work)
{
	struct sheaf_cache *sc = container_of(to_delayed_work(work),
					      struct sheaf_cache, rcu_flush);

	sc_rcu_send_cpus(sc);
}

/* Every sheaf sent so far is home, and the fallback's objects freed. */
static void sc_rcu_wait(struct sheaf_cache *sc)
{
	wait_var_event(&sc->rcu_in_flight,
		       !atomic_long_read(&sc->rcu_in_flight));
	/* The fallback work drains its list until it finds it empty. */
	flush_work(&sc->rcu_fallback);
}

/* The shrinker: partly filled RCU sheaves now rather than later. */
void sc_rcu_kick(struct sheaf_cache *sc)
{
	mod_delayed_work(sc_percpu_wq, &sc->rcu_flush, 0);
}

void sheaf_cache_rcu_barrier(struct sheaf_cache *sc)
{
	might_sleep();
	if (WARN_ON_ONCE(!sc))
		return;
	sc_rcu_send_cpus(sc);
	sc_rcu_wait(sc);
}
EXPORT_SYMBOL_GPL(sheaf_cache_rcu_barrier);

void sc_rcu_init(struct sheaf_cache *sc)
{
	INIT_DELAYED_WORK(&sc->rcu_flush, sc_rcu_flush_work);
	INIT_WORK(&sc->rcu_fallback, sc_rcu_fallback_work);
	init_llist_head(&sc->rcu_waiting);
}

/*
 * Destruction: nobody frees any more. Send every CPU's RCU sheaf (online
 * or not: a dead CPU's was sent at its teardown) and wait for them all.
 */
void sc_rcu_destroy(struct sheaf_cache *sc)
{
	int cpu;

	cancel_delayed_work_sync(&sc->rcu_flush);
	for_each_possible_cpu(cpu)
		sc_rcu_send_partial(sc, per_cpu_ptr(sc->cpu, cpu));
	sc_rcu_wait(sc);
	/* Empty RCU sheaves are left; they go with the others. */
	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);

		if (pcp->rcu_free) {
			sc_sheaf_free(sc, pcp->rcu_free);
			pcp->rcu_free = NULL;
		}
	}
}
