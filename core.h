/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the core's files share (core.c, prefill.c, cache.c): the per-CPU
 * section and the counters, inline because every fast path uses them,
 * and the helpers one file keeps for the others, as mm/slab.h does for
 * slub.c.
 */
#ifndef _SHEAFCACHE_CORE_H
#define _SHEAFCACHE_CORE_H

#include <linux/jump_label.h>
#include <linux/notifier.h>

#include "internal.h"

#define SC_DEFAULT_BARN_LIMIT	10

/* check_frees: no cost while it is off. */
DECLARE_STATIC_KEY_FALSE(sc_check_frees);
/* More than one possible node: a free can be remote (core.c). */
DECLARE_STATIC_KEY_FALSE(sc_numa);
/* Some cache poisons (SHEAF_CACHE_POISON): no cost while none does. */
DECLARE_STATIC_KEY_FALSE(sc_poison_on);
/* Borrowed sheaves are tracked (prefill.c): no cost until asked for. */
DECLARE_STATIC_KEY_FALSE(sc_track_sheaves);

/* ===== Statistics ===================================================== */

#ifdef SHEAFCACHE_NO_STATS
static __always_inline void sc_stat_add(struct sheaf_cache *sc,
					enum sheaf_cache_stat_item item,
					unsigned long n)
{
}
#else
/*
 * A this_cpu operation, which an interrupt on the same CPU cannot tear:
 * the same counter can be bumped inside the section and from an
 * interrupt outside it, with no lock.
 */
static __always_inline void sc_stat_add(struct sheaf_cache *sc,
					enum sheaf_cache_stat_item item,
					unsigned long n)
{
	this_cpu_add(sc->cpu->stat[item], n);
}
#endif

static __always_inline void sc_stat(struct sheaf_cache *sc,
				    enum sheaf_cache_stat_item item)
{
	sc_stat_add(sc, item, 1);
}

/*
 * For the counters only code inside the section bumps (alloc_fast,
 * free_fast): whoever holds the section is their one writer on the CPU,
 * so a plain increment through the sheaves it holds is enough.
 */
static __always_inline void sc_stat_cpu(struct sc_cpu *pcp,
					enum sheaf_cache_stat_item item)
{
#ifndef SHEAFCACHE_NO_STATS
	pcp->stat[item]++;
#endif
}

/* ===== The per-CPU section ============================================ */

/*
 * Enter this CPU's section and find its sheaves (@pcpp): false when the
 * code we interrupted on this CPU holds it (or, on PREEMPT_RT, in hard
 * IRQ and NMI context). A bool and an out parameter, as
 * sc_local_trylock().
 */
static __always_inline bool sc_enter(struct sheaf_cache *sc,
				     struct sc_cpu **pcpp)
{
	local_trylock_t *tl;

	if (unlikely(!sc_local_trylock(&sc->cpu->lock, &tl))) {
		sc_stat(sc, SC_REENTRANT);
		return false;
	}
	*pcpp = container_of(tl, struct sc_cpu, lock);
	return true;
}

static __always_inline void sc_exit(struct sc_cpu *pcp)
{
	sc_local_unlock(&pcp->lock);
}

/* ===== Object hygiene ================================================= */

/* Largest object zeroed with inline stores rather than memset(). */
#define SC_ZERO_INLINE_MAX	256

/*
 * Zero an object: all the core's zeroing is done here. For small objects
 * a call to memset() (a loop, on CPUs without fast short "rep stosb")
 * costs more than the stores themselves; sc->zero_inline says the size
 * is a multiple of 64 up to SC_ZERO_INLINE_MAX. @stores_only: the caller
 * knows it is, and so never calls memset(). Slab objects are at least
 * 8-byte aligned.
 */
static __always_inline void sc_zero(struct sheaf_cache *sc, void *obj,
				    bool stores_only)
{
	u64 *p = obj, *end = obj + sc->object_size;

	if (stores_only || sc->zero_inline) {
		/* Unrolled: a plain loop would become a memset() call again. */
		do {
			p[0] = 0;
			p[1] = 0;
			p[2] = 0;
			p[3] = 0;
			p[4] = 0;
			p[5] = 0;
			p[6] = 0;
			p[7] = 0;
			p += 8;
		} while (p < end);
	} else {
		memset(obj, 0, sc->object_size);
	}
}

/*
 * Lazy zeroing. Under init_on_alloc, and not init_on_free (which must zero
 * at free), a freed object goes into a sheaf as it is, its pointer tagged
 * "dirty" with bit 0 (slab objects are at least 8-byte aligned), and is
 * zeroed only when sheafcache hands it out. One that is flushed to the
 * base instead is not zeroed by us at all: slab zeroes it on its next
 * allocation, so no object is zeroed twice. Objects from the base are
 * clean (zeroed). Every reader of sheaf->objects[] strips the tag with
 * sc_obj_ptr(); a sheaf handed to a caller holds clean objects only
 * (sc_sheaf_clean()), so that alloc_from_sheaf() stays a plain pop.
 */
#define SC_OBJ_DIRTY	1UL

static __always_inline bool sc_obj_dirty(const void *obj)
{
	return (unsigned long)obj & SC_OBJ_DIRTY;
}

/* The object a sheaf slot holds, without its tag. */
static __always_inline void *sc_obj_ptr(void *obj)
{
	return (void *)((unsigned long)obj & ~SC_OBJ_DIRTY);
}

/* What a free puts into a sheaf: sc->dirty_tag is SC_OBJ_DIRTY or 0. */
static __always_inline void *sc_obj_tag(struct sheaf_cache *sc, void *obj)
{
	return (void *)((unsigned long)obj | sc->dirty_tag);
}

/*
 * slab_want_init_on_alloc() for an object of a sheaf handed to a caller,
 * which is clean: under init_on_alloc it is zeroed already (by the base,
 * or by sc_sheaf_clean()), so that alloc_from_sheaf() is a pop, even with
 * IRQs off; only __GFP_ZERO without init_on_alloc zeroes here.
 */
static __always_inline void sc_init_alloc(struct sheaf_cache *sc, void *obj,
					  gfp_t gfp)
{
	if (unlikely(gfp & __GFP_ZERO) && sc->gfp_zero && !sc->init_on_alloc)
		sc_zero(sc, obj, false);
}

/*
 * An object popped from this CPU's sheaves, made ready for its caller:
 * untagged and zeroed if dirty, else zeroed by sc_init_alloc()'s rule.
 * A dirty pointer is known to carry the tag, so it is subtracted rather
 * than masked: on gcc 12 that lays out one instruction shorter.
 */
void *sc_poison_out(struct sheaf_cache *sc, void *obj, gfp_t gfp);

static __always_inline void *sc_obj_out(struct sheaf_cache *sc, void *obj,
					gfp_t gfp)
{
	if (sc_obj_dirty(obj)) {
		obj = (void *)((unsigned long)obj - SC_OBJ_DIRTY);
		/* A poisoned object is a dirty one: checked, not just zeroed. */
		if (static_branch_unlikely(&sc_poison_on))
			return sc_poison_out(sc, obj, gfp);
		sc_zero(sc, obj, false);
	} else {
		sc_init_alloc(sc, obj, gfp);
	}
	return obj;
}

/* ===== Capacity (tune.c) ============================================== */

/*
 * Where this CPU's free paths call main full, after main changed, or the
 * cache's capacity did: the cache's capacity, within what main can hold.
 * Every store to main is followed by this, the section held.
 */
static inline void sc_cpu_fit(struct sheaf_cache *sc, struct sc_cpu *pcp)
{
	unsigned int capacity = pcp->main->capacity;

	pcp->capacity = min(READ_ONCE(sc->capacity), capacity);
}

/* A slow path ran: the trim does not take the cache for idle. */
static inline void sc_tune_busy(struct sheaf_cache *sc)
{
	if (!READ_ONCE(sc->busy))
		WRITE_ONCE(sc->busy, 1);
}

/*
 * Take a barn's lock, IRQs saved, counting the times CPUs waited for it:
 * the tuner's sign that the CPUs trade with the barn too often (tune.c).
 */
#ifndef CONFIG_PREEMPT_RT
static __always_inline void sc_barn_lock(struct sc_barn *barn,
					 unsigned long *flags)
	__acquires(&barn->lock)
{
	spin_lock_irqsave(&barn->lock, *flags);
	/* Others queued behind us: cheaper than a trylock first. */
	barn->contended += spin_is_contended(&barn->lock);
}
#else
/* PREEMPT_RT's spinlock_t tells no waiters: a failed trylock is a wait. */
static __always_inline void sc_barn_lock(struct sc_barn *barn,
					 unsigned long *flags)
	__acquires(&barn->lock)
{
	if (spin_trylock_irqsave(&barn->lock, *flags))
		return;
	spin_lock_irqsave(&barn->lock, *flags);
	barn->contended++;
}
#endif

/*
 * Poisoning (SHEAF_CACHE_POISON). An object is poisoned as it enters a
 * sheaf tagged dirty: a poison cache always uses the tag, so that every
 * place that zeroes and untags a dirty object (sc_obj_out(), prefill's
 * sc_sheaf_clean()) or flushes one checks it instead, before any caller
 * can take it. A byte of its own, not slab's POISON_FREE, so that a
 * report says whose poison was overwritten.
 */
#define SC_POISON_BYTE	0x6d

static inline void sc_poison(struct sheaf_cache *sc, void *obj)
{
	memset(obj, SC_POISON_BYTE, sc->object_size);
}

bool sc_poison_clean(struct sheaf_cache *sc, void *obj, gfp_t gfp);

/* The barn of this CPU's memory node: the one its sheaves trade with. */
static inline struct sc_barn *sc_local_barn(struct sheaf_cache *sc)
{
	return sc->barns[numa_mem_id()];
}

/* core.c */
extern struct notifier_block sc_memory_nb;
void sc_spans_init(void);
bool sc_may_cache(const void *obj);
struct sheaf *sc_sheaf_alloc(struct sheaf_cache *sc, gfp_t gfp,
			     unsigned int capacity);
struct sheaf *sc_sheaf_new(struct sheaf_cache *sc, gfp_t gfp);
void sc_sheaf_free(struct sheaf_cache *sc, struct sheaf *sheaf);
void sc_sheaf_retire(struct sheaf_cache *sc, struct sheaf *sheaf);
gfp_t sc_fill_gfp(struct sheaf_cache *sc, gfp_t gfp);
int sc_refill(struct sheaf_cache *sc, struct sheaf *sheaf, gfp_t gfp);
int sc_fill_for_caller(struct sheaf_cache *sc, struct sheaf *sheaf, gfp_t gfp);
void sc_flush(struct sheaf_cache *sc, struct sheaf *sheaf);
bool barn_put_full(struct sheaf_cache *sc, struct sc_barn *barn,
		   struct sheaf *sheaf, bool force);
struct sheaf *barn_get_full_or_empty(struct sc_barn *barn);
unsigned int barn_take_full_chain(struct sc_barn *barn, struct list_head *chain,
				  unsigned int want);
unsigned int barn_put_full_chain(struct sheaf_cache *sc, struct sc_barn *barn,
				 struct list_head *chain);
unsigned long sc_drain_barn(struct sheaf_cache *sc, struct sc_barn *barn,
			    unsigned long nr);
struct sheaf *barn_get_empty(struct sc_barn *barn);
void barn_put_empty(struct sheaf_cache *sc, struct sc_barn *barn,
		    struct sheaf *sheaf);
bool sc_bad_object(struct sheaf_cache *sc, const void *obj);
bool sc_keep_out(struct sheaf_cache *sc, const void *obj);

/* cache.c */
unsigned long sc_drain_all(struct sheaf_cache *sc);
unsigned long sc_on_cpu(struct sheaf_cache *sc, int cpu,
			unsigned long (*fn)(struct sheaf_cache *sc,
					    struct sc_cpu *pcp));

/* prefill.c */
unsigned long sc_stash_flush(struct sheaf_cache *sc, struct sc_cpu *pcp);

/* tune.c */
extern struct mutex sc_tune_mutex;
int sc_resheave(struct sheaf_cache *sc, unsigned int capacity);
int sc_tune_check_args(const struct sheaf_cache_args *a, unsigned int size,
		       unsigned int capacity);
void sc_tune_init(struct sheaf_cache *sc, const struct sheaf_cache_args *a);
void sc_tune_start(struct sheaf_cache *sc);
void sc_tune_stop(struct sheaf_cache *sc);
bool sc_hold_budget(struct sheaf_cache *sc, struct sheaf *sheaf);
void sc_unhold_budget(struct sheaf_cache *sc, struct sheaf *sheaf);

/*
 * Count a sheaf the cache keeps against its byte budget: false when the
 * budget does not allow it, and the sheaf must go. Only with a budget.
 */
static inline bool sc_hold(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	return likely(!sc->max_held) || sc_hold_budget(sc, sheaf);
}

/* A sheaf freed, or handed to a caller: no longer counted. */
static inline void sc_unhold(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	if (unlikely(sc->max_held))
		sc_unhold_budget(sc, sheaf);
}

void sc_tune_exchange(struct sheaf_cache *sc, bool base);
void sc_tune_oversize(struct sheaf_cache *sc, unsigned int size);
void sc_tune_pressure(struct sheaf_cache *sc);
void sc_tune_stash_pressure(struct sheaf_cache *sc);
/* prefill.c */
void sc_borrowed_warn(struct sheaf_cache *sc, unsigned int secs);

/* rcu.c */
void sc_rcu_init(struct sheaf_cache *sc);
void sc_rcu_send_partial(struct sheaf_cache *sc, struct sc_cpu *pcp);
void sc_rcu_kick(struct sheaf_cache *sc);
void sc_rcu_destroy(struct sheaf_cache *sc);

#endif /* _SHEAFCACHE_CORE_H */
