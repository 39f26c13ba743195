// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache's capacity that tunes itself, its byte budget and its
 * working-set trim.
 *
 * Capacity. A cache starts at its floor (the creator's sheaf_capacity,
 * or the default) and doubles, up to a page of pointers, when most of its
 * sheaf exchanges go past the barn to the base: its working set does not
 * fit what its CPUs and barns hold; and when its reservations keep being
 * larger than a sheaf. It goes back to the floor when it
 * has been idle for a trim interval, and halves under memory pressure.
 * A change is two stores; each CPU adopts it in its own slow paths
 * (sc_cpu_fit()), with sheaves of the old capacity retired as they come
 * back: flushed where shrinking, their objects moved to larger sheaves
 * where growing (sc_main_away()). SHEAF_CACHE_FIXED_CAPACITY turns this
 * off; root may still set the capacity in sysfs, which resheaves every
 * CPU at once (sc_resheave()).
 *
 * Budget. With sheaf_cache_args.max_bytes the cache counts the capacities
 * of the sheaves it holds (struct sheaf's held), and makes or keeps no
 * sheaf beyond the budget, so that the objects it holds never exceed it.
 * The ceiling is lowered so that two sheaves per possible CPU fit.
 *
 * Trim. A delayed work, not deferrable (an idle NO_HZ CPU is just the
 * case it is for), gives back every sc_trim_interval seconds what each
 * barn kept unused since the last time (its low-water marks, as UMA's
 * working-set estimate), and everything from a cache that made no sheaf
 * exchange at all in the interval.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "core.h"
#include "trace.h"

static unsigned int sc_trim_interval = 5;
module_param_named(trim_interval, sc_trim_interval, uint, 0444);
MODULE_PARM_DESC(trim_interval,
		 "seconds between working-set trims of each cache; 0: none");

/* One capacity change at a time: sc_resheave() is not reentrant. */
DEFINE_MUTEX(sc_tune_mutex);

/* Base trips that make the tuner look at what the barns served. */
#define SC_TUNE_WINDOW		8
/* Barn exchanges that make it look at how often their locks were held. */
#define SC_TUNE_BARN_WINDOW	64

/* The most pointers a one-page sheaf holds. */
#define SC_PAGE_CAPACITY \
	((PAGE_SIZE - offsetof(struct sheaf, objects)) / sizeof(void *))

static void sc_trim_work(struct work_struct *work);

/* ===== Arguments ====================================================== */

int sc_tune_check_args(const struct sheaf_cache_args *a, unsigned int size,
		       unsigned int capacity)
{
	u64 least = (u64)capacity * 2 * num_possible_cpus() * size;

	if (a->max_bytes && a->max_bytes < least)
		return -EINVAL;
	return 0;
}

void sc_tune_init(struct sheaf_cache *sc, const struct sheaf_cache_args *a)
{
	unsigned long most;

	sc->floor = sc->capacity;
	sc->fixed = a->flags & SHEAF_CACHE_FIXED_CAPACITY;
	sc->ceiling = max_t(unsigned int, sc->floor,
			    min_t(unsigned long, SC_PAGE_CAPACITY,
				  SHEAF_CACHE_MAX_CAPACITY));
	if (a->max_bytes) {
		sc->max_held = a->max_bytes / sc->object_size;
		most = sc->max_held / (2 * num_possible_cpus());
		sc->ceiling = max_t(unsigned long, sc->floor,
				    min_t(unsigned long, sc->ceiling, most));
	}
	spin_lock_init(&sc->tune_lock);
	/* Before the shrinker, which may queue it. */
	INIT_DELAYED_WORK(&sc->trim, sc_trim_work);
}

/* ===== Budget ========================================================= */

/*
 * Count @sheaf's capacity as held, if the budget allows: false when it
 * does not, and the sheaf must not be kept (sc_hold()).
 */
bool sc_hold_budget(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	if (sheaf->held)
		return true;
	if (atomic_long_add_return(sheaf->capacity, &sc->held) > sc->max_held) {
		atomic_long_sub(sheaf->capacity, &sc->held);
		sc_stat(sc, SC_BUDGET_DENY);
		return false;
	}
	sheaf->held = 1;
	return true;
}

/* A sheaf freed, or handed to a caller: no longer held. */
void sc_unhold_budget(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	if (!sheaf->held)
		return;
	sheaf->held = 0;
	atomic_long_sub(sheaf->capacity, &sc->held);
}

/* Held whatever the budget: empty sheaves that replace held ones. */
static void sc_hold_force(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	if (!sc->max_held || sheaf->held)
		return;
	atomic_long_add(sheaf->capacity, &sc->held);
	sheaf->held = 1;
}

/* ===== Tuning ========================================================= */

/* A new capacity, for the CPUs to adopt in their slow paths. */
static void sc_set_capacity_locked(struct sheaf_cache *sc,
				   unsigned int capacity)
{
	unsigned int old = sc->capacity;

	lockdep_assert_held(&sc->tune_lock);
	WRITE_ONCE(sc->next_capacity, capacity);
	WRITE_ONCE(sc->capacity, capacity);
	trace_sheafcache_capacity(sc, old, capacity);
}

/* Times the barns' locks were found held, over all nodes. */
static unsigned long sc_tune_contention(struct sheaf_cache *sc)
{
	unsigned long n = 0;
	int nid;

	for_each_node(nid)
		n += READ_ONCE(sc->barns[nid]->contended);
	return n;
}

/*
 * Double the capacity, up to the ceiling, with sc->tune_lock held; count
 * it, and in @reason (SC_NR_STATS: none) why.
 */
static void sc_tune_grow(struct sheaf_cache *sc,
			 enum sheaf_cache_stat_item reason)
{
	unsigned int capacity = min(sc->capacity * 2, sc->ceiling);

	if (capacity <= sc->capacity)
		return;
	sc_set_capacity_locked(sc, capacity);
	sc_stat(sc, SC_CAPACITY_GROW);
	if (reason != SC_NR_STATS)
		sc_stat(sc, reason);
}

/*
 * A slow path exchanged a sheaf with the barn (@base false) or, the barn
 * empty or full, with the base. The capacity doubles when the CPUs trade
 * past what they and the barn hold: every SC_TUNE_WINDOW base trips, if
 * they were at least a third of all exchanges; and when they contend for
 * the barn: every SC_TUNE_BARN_WINDOW exchanges, if a quarter of them
 * had others waiting for its lock. Larger sheaves make both rarer.
 */
void sc_tune_exchange(struct sheaf_cache *sc, bool base)
{
	unsigned int trips, served;
	unsigned long contended;

	sc_tune_busy(sc);
	if (sc->fixed)
		return;
	if (!base) {
		if (atomic_inc_return(&sc->tune_barn) % SC_TUNE_BARN_WINDOW ||
		    !spin_trylock(&sc->tune_lock))
			return;
		contended = sc_tune_contention(sc);
		if (contended - sc->tune_contended >= SC_TUNE_BARN_WINDOW / 4)
			sc_tune_grow(sc, SC_CAPACITY_CONTENDED);
		sc->tune_contended = contended;
		spin_unlock(&sc->tune_lock);
		return;
	}
	if (atomic_inc_return(&sc->tune_base) < SC_TUNE_WINDOW ||
	    !spin_trylock(&sc->tune_lock))
		return;
	trips = atomic_xchg(&sc->tune_base, 0);
	served = atomic_xchg(&sc->tune_barn, 0);
	if (trips * 2 >= served)
		sc_tune_grow(sc, SC_NR_STATS);
	sc->tune_contended = sc_tune_contention(sc);
	spin_unlock(&sc->tune_lock);
}

/*
 * A reservation of @size, above the capacity, linked sheaves from the
 * barn (sc_prefill_chain()). Its caller expects more than a sheaf holds,
 * which upstream's creators say with sheaf_capacity: every SC_TUNE_WINDOW
 * such reservations the capacity doubles while below the last one's size,
 * so that a sheaf comes to serve it whole, as a native cache created for
 * it would. The floor is untouched: the trim takes the cache back to it.
 */
void sc_tune_oversize(struct sheaf_cache *sc, unsigned int size)
{
	unsigned long flags;

	sc_tune_busy(sc);
	if (sc->fixed ||
	    atomic_inc_return(&sc->tune_oversize) % SC_TUNE_WINDOW ||
	    !spin_trylock_irqsave(&sc->tune_lock, flags))
		return;
	if (sc->capacity < size)
		sc_tune_grow(sc, SC_CAPACITY_OVERSIZE);
	spin_unlock_irqrestore(&sc->tune_lock, flags);
}

/* Memory pressure (the shrinker): half the capacity, down to the floor. */
void sc_tune_pressure(struct sheaf_cache *sc)
{
	unsigned long flags;
	unsigned int capacity;

	if (sc->fixed)
		return;
	spin_lock_irqsave(&sc->tune_lock, flags);
	capacity = max(sc->capacity / 2, sc->floor);
	if (capacity < sc->capacity) {
		sc_set_capacity_locked(sc, capacity);
		sc_stat(sc, SC_CAPACITY_PRESSURE);
	}
	spin_unlock_irqrestore(&sc->tune_lock, flags);
}

/* ===== Changing the capacity at once ================================== */

/*
 * Root's capacity (sysfs) and an idle cache's return to its floor apply
 * at once: the barns are emptied of their sheaves and every CPU is given
 * an empty main of the new capacity and no spare, on the CPU itself, in
 * its section. The CPUs' sheaves meanwhile may be of either capacity,
 * which sc_cpu_fit() allows; the barns take only the new one.
 */

/**
 * struct sc_resheave - one CPU's change of sheaves
 * @sc: the cache
 * @fresh: an empty sheaf of the new capacity; NULL once installed
 * @old: the CPU's main and spare it replaced, to be flushed and freed
 */
struct sc_resheave {
	struct sheaf_cache *sc;
	struct sheaf *fresh;
	struct sheaf *old[2];
};

/*
 * Give a CPU an empty main of the new capacity, if its own is not, and
 * no spare of another: the section held (work_on_cpu()), or the CPU
 * offline, its sheaves idle.
 */
static void sc_resheave_cpu(struct sc_resheave *r, struct sc_cpu *pcp)
{
	unsigned int capacity = r->sc->next_capacity;

	if (pcp->main->capacity != capacity) {
		r->old[0] = pcp->main;
		pcp->main = r->fresh;
		r->fresh = NULL;
	}
	if (pcp->spare && pcp->spare->capacity != capacity) {
		r->old[1] = pcp->spare;
		pcp->spare = NULL;
	}
	sc_cpu_fit(r->sc, pcp);
}

/* What the old sheaves held goes to the base, outside the section. */
static void sc_resheave_retire(struct sc_resheave *r)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(r->old); i++) {
		if (!r->old[i])
			continue;
		sc_sheaf_retire(r->sc, r->old[i]);
		r->old[i] = NULL;
	}
}

static long sc_resheave_this_cpu(void *arg)
{
	struct sc_resheave *r = arg;
	local_trylock_t *tl = sc_local_lock(&r->sc->cpu->lock);

	/* A task: on !PREEMPT_RT nothing on this CPU can hold the section. */
	if (WARN_ON_ONCE(!tl))
		return -EBUSY;
	sc_resheave_cpu(r, container_of(tl, struct sc_cpu, lock));
	sc_local_unlock(tl);
	sc_resheave_retire(r);
	return 0;
}

/* Free what sc_resheave_alloc() made and no CPU took. */
static void sc_resheave_free(struct sheaf_cache *sc, struct sc_resheave *r)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (r[cpu].fresh)
			sc_sheaf_free(sc, r[cpu].fresh);
	kfree(r);
}

/*
 * A new main of @capacity for every CPU, made before anything changes,
 * so that a change cannot fail halfway for want of memory.
 */
static struct sc_resheave *sc_resheave_alloc(struct sheaf_cache *sc,
					     unsigned int capacity)
{
	struct sc_resheave *r;
	int cpu;

	r = kcalloc(nr_cpu_ids, sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	for_each_possible_cpu(cpu) {
		r[cpu].sc = sc;
		r[cpu].fresh = sc_sheaf_alloc(sc, GFP_KERNEL, capacity);
		if (!r[cpu].fresh) {
			sc_resheave_free(sc, r);
			return NULL;
		}
		sc_hold_force(sc, r[cpu].fresh);
	}
	return r;
}

/* Every CPU's sheaves to next_capacity; an offline CPU's are idle. */
static int sc_resheave_cpus(struct sheaf_cache *sc, struct sc_resheave *r)
{
	int cpu, err = 0;

	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		if (!cpu_online(cpu)) {
			sc_resheave_cpu(&r[cpu], per_cpu_ptr(sc->cpu, cpu));
			sc_resheave_retire(&r[cpu]);
		} else if (work_on_cpu(cpu, sc_resheave_this_cpu, &r[cpu])) {
			err = -EBUSY;
		}
	}
	cpus_read_unlock();
	return err;
}

/*
 * Set the capacity of a live cache, and have every CPU and barn hold
 * sheaves of it alone; with sc_tune_mutex held. Objects of the sheaves
 * replaced go to the base.
 */
int sc_resheave(struct sheaf_cache *sc, unsigned int capacity)
{
	struct sc_resheave *r;
	unsigned long flags;
	int nid, err;

	lockdep_assert_held(&sc_tune_mutex);
	if (capacity == READ_ONCE(sc->capacity))
		return 0;
	r = sc_resheave_alloc(sc, capacity);
	if (!r)
		return -ENOMEM;
	spin_lock_irqsave(&sc->tune_lock, flags);
	sc_set_capacity_locked(sc, capacity);
	spin_unlock_irqrestore(&sc->tune_lock, flags);
	for_each_node(nid)
		sc_drain_barn(sc, sc->barns[nid], ULONG_MAX);
	err = sc_resheave_cpus(sc, r);
	sc_resheave_free(sc, r);
	return err;
}

/* ===== Working-set trim =============================================== */

/*
 * Give back the sheaves a barn kept unused since the last trim: as many
 * full and empty ones as its lists never went below, oldest first. The
 * objects flushed.
 */
static unsigned long sc_trim_barn(struct sheaf_cache *sc, struct sc_barn *barn)
{
	unsigned long flags, n = 0;
	struct sheaf *sheaf, *next;
	LIST_HEAD(spare);

	sc_barn_lock(barn, &flags);
	while (barn->low_full && barn->nr_full) {
		sheaf = list_last_entry(&barn->full, struct sheaf, barn_list);
		list_move(&sheaf->barn_list, &spare);
		barn->nr_full--;
		barn->full_objects -= sheaf->size;
		barn->low_full--;
	}
	while (barn->low_empty && barn->nr_empty) {
		sheaf = list_last_entry(&barn->empty, struct sheaf, barn_list);
		list_move(&sheaf->barn_list, &spare);
		barn->nr_empty--;
		barn->low_empty--;
	}
	barn->low_full = barn->nr_full;
	barn->low_empty = barn->nr_empty;
	spin_unlock_irqrestore(&barn->lock, flags);

	list_for_each_entry_safe(sheaf, next, &spare, barn_list) {
		list_del(&sheaf->barn_list);
		n += sheaf->size;
		sc_sheaf_retire(sc, sheaf);
	}
	return n;
}

/*
 * Give back the stashes that no reservation took or left since the last
 * trim, or, for the shrinker (@all), every one; the objects flushed. A
 * stash of sheaves smaller than a grown capacity is never taken again.
 */
static unsigned long sc_trim_stashes(struct sheaf_cache *sc, bool all)
{
	unsigned long n = 0;
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);
		unsigned int used = READ_ONCE(pcp->stash_used);
		bool idle = used == pcp->trim_stash;

		pcp->trim_stash = used;
		if (READ_ONCE(pcp->nr_stash) && (all || idle))
			n += sc_on_cpu(sc, cpu, sc_stash_flush);
	}
	cpus_read_unlock();
	return n;
}

/*
 * An idle cache: back to its floor, every object given back. What the
 * capacity change does not flush, sheaf_cache_shrink()'s drain does.
 */
static unsigned long sc_trim_idle(struct sheaf_cache *sc)
{
	unsigned long n = sheaf_cache_cached_objects(sc);

	if (sc->capacity != sc->floor) {
		mutex_lock(&sc_tune_mutex);
		if (!sc_resheave(sc, sc->floor))
			sc_stat(sc, SC_CAPACITY_SHRINK);
		mutex_unlock(&sc_tune_mutex);
	}
	if (sheaf_cache_cached_objects(sc))
		sc_drain_all(sc);
	return n;
}

/*
 * Whether any CPU's main changed, or a CPU took a prefilled sheaf, since
 * the last trim: the fast paths and prefill mark nothing, so a cache
 * used only through them looks at its CPUs.
 */
static bool sc_trim_cpus_busy(struct sheaf_cache *sc)
{
	bool busy = false;
	int cpu;

	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);
		struct sheaf *main = READ_ONCE(pcp->main);
		unsigned long seen = (unsigned long)main + READ_ONCE(main->size) +
				     READ_ONCE(pcp->sheaves_taken);

		if (seen != pcp->trim_seen)
			busy = true;
		pcp->trim_seen = seen;
	}
	rcu_read_unlock();
	return busy;
}

static void sc_trim_work(struct work_struct *work)
{
	struct sheaf_cache *sc = container_of(to_delayed_work(work),
					      struct sheaf_cache, trim);
	/* An idle cache's drain takes the stashes the shrinker asked for. */
	bool pressure = xchg(&sc->stash_pressure, 0);
	unsigned long n = 0, shrunk;
	bool busy;
	int nid;

	/* Both looked at: each starts the next interval afresh. */
	busy = xchg(&sc->busy, 0);
	busy |= sc_trim_cpus_busy(sc);
	if (!busy) {
		n = sc_trim_idle(sc);
	} else {
		for_each_node(nid)
			n += sc_trim_barn(sc, sc->barns[nid]);
		shrunk = sc_trim_stashes(sc, pressure);
		/* For the shrinker: counted as its own. */
		if (pressure)
			sc_stat_add(sc, SC_SHRINK, shrunk);
		else
			n += shrunk;
	}
	if (n) {
		sc_stat_add(sc, SC_TRIM, n);
		trace_sheafcache_trim(sc, n);
	}
	/* Also run at once, by the shrinker: then not again without one. */
	if (sc_trim_interval)
		queue_delayed_work(sc_unbound_wq, &sc->trim,
				   sc_trim_interval * HZ);
}

/*
 * The shrinker's ask for the CPUs' stashes, which only their own CPUs
 * may touch: the trim gives them back now, in a task (work_on_cpu()).
 */
void sc_tune_stash_pressure(struct sheaf_cache *sc)
{
	WRITE_ONCE(sc->stash_pressure, 1);
	mod_delayed_work(sc_unbound_wq, &sc->trim, 0);
}

void sc_tune_start(struct sheaf_cache *sc)
{
	if (sc_trim_interval)
		queue_delayed_work(sc_unbound_wq, &sc->trim,
				   sc_trim_interval * HZ);
}

void sc_tune_stop(struct sheaf_cache *sc)
{
	cancel_delayed_work_sync(&sc->trim);
}
