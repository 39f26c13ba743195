/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces that differ between the kernels sheafcache
 * supports (6.1, 6.12 and 7.3), each behind one small helper. Kbuild detects
 * them in the target kernel's headers (SHEAFCACHE_HAVE_*) rather than
 * comparing version numbers, which distributions' backports make unreliable.
 */
#ifndef _SHEAFCACHE_COMPAT_H
#define _SHEAFCACHE_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/local_lock.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

/* The system workqueues, per-CPU and unbound, by 7.3's names if it has them. */
#ifdef SHEAFCACHE_HAVE_SYSTEM_DFL_WQ
#define sc_percpu_wq	system_percpu_wq
#define sc_unbound_wq	system_dfl_wq
#else
#define sc_percpu_wq	system_wq
#define sc_unbound_wq	system_unbound_wq
#endif

#ifdef SHEAFCACHE_HAVE_SHRINKER_ALLOC

static inline struct shrinker *
sc_shrinker_create(const char *name, void *priv,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct shrinker *s = shrinker_alloc(SHRINKER_NUMA_AWARE,
					    "sheafcache-%s", name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->private_data = priv;
	shrinker_register(s);
	return s;
}

static inline void *sc_shrinker_priv(struct shrinker *s)
{
	return s->private_data;
}

static inline void sc_shrinker_destroy(struct shrinker *s)
{
	shrinker_free(s);
}

#else /* before 6.7: caller-allocated shrinkers, no private data */

struct sc_shrinker_box {
	struct shrinker shrinker;
	void *priv;
};

static inline struct shrinker *
sc_shrinker_create(const char *name, void *priv,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct sc_shrinker_box *box = kzalloc(sizeof(*box), GFP_KERNEL);

	if (!box)
		return NULL;
	box->shrinker.count_objects = count;
	box->shrinker.scan_objects = scan;
	box->shrinker.seeks = DEFAULT_SEEKS;
	box->shrinker.flags = SHRINKER_NUMA_AWARE;
	box->priv = priv;
	if (register_shrinker(&box->shrinker, "sheafcache-%s", name)) {
		kfree(box);
		return NULL;
	}
	return &box->shrinker;
}

static inline void *sc_shrinker_priv(struct shrinker *s)
{
	return container_of(s, struct sc_shrinker_box, shrinker)->priv;
}

static inline void sc_shrinker_destroy(struct shrinker *s)
{
	unregister_shrinker(s);
	kfree(container_of(s, struct sc_shrinker_box, shrinker));
}

#endif

/*
 * The per-CPU section: upstream's local_trylock_t, which 6.15 brought. A
 * nested caller on the same CPU (an interrupt) fails to take it instead
 * of deadlocking. On !PREEMPT_RT it is preempt_disable() and a flag; on
 * PREEMPT_RT a per-CPU spinlock_t under migrate_disable(), so that the
 * sleeping locks taken inside are legal, refused in NMI and hard IRQ
 * context. Kernels that have the type (SHEAFCACHE_HAVE_LOCAL_TRYLOCK) use
 * their own; before, this copy has its names and layout.
 *
 * sc_local_trylock() and sc_local_unlock() are local_trylock() and
 * local_unlock() that hand over this CPU's lock, from which the caller
 * finds the rest of its per-CPU data: this CPU's copy is looked up once a
 * section, where the kernel's macros look it up at each step (about ten
 * instructions of every alloc+free pair). Success is the bool, the lock
 * an out parameter: a returned lock pointer would be one more thing for
 * every caller to test.
 */
#ifndef SHEAFCACHE_HAVE_LOCAL_TRYLOCK
#ifndef CONFIG_PREEMPT_RT
struct sc_local_trylock {
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
	struct task_struct *owner;
#endif
	u8 acquired;
};

#define local_trylock_t	struct sc_local_trylock

/* Its head is a local_lock_t, as upstream's: lockdep sees one. */
static inline void local_trylock_init(local_trylock_t *lock)
{
	local_lock_init((local_lock_t *)lock);
	lock->acquired = 0;
}
#else
#define local_trylock_t	spinlock_t

static inline void local_trylock_init(local_trylock_t *lock)
{
	spin_lock_init(lock);
}
#endif
#endif /* !SHEAFCACHE_HAVE_LOCAL_TRYLOCK */

#ifndef CONFIG_PREEMPT_RT

#ifdef CONFIG_DEBUG_LOCK_ALLOC
/* A trylock to lockdep: it never waits, so it is never in a deadlock. */
static inline void sc_trylock_acquire(local_trylock_t *tl)
{
	local_lock_t *l = (local_lock_t *)tl;

	lock_map_acquire_try(&l->dep_map);
	DEBUG_LOCKS_WARN_ON(l->owner);
	l->owner = current;
}
#else
static inline void sc_trylock_acquire(local_trylock_t *tl) { }
#endif

static __always_inline bool sc_local_trylock(local_trylock_t __percpu *lock,
					     local_trylock_t **tlp)
{
	local_trylock_t *tl;

	preempt_disable();
	tl = this_cpu_ptr(lock);
	if (READ_ONCE(tl->acquired)) {
		preempt_enable();
		return false;
	}
	WRITE_ONCE(tl->acquired, 1);
	sc_trylock_acquire(tl);
	*tlp = tl;
	return true;
}

static __always_inline void sc_local_unlock(local_trylock_t *tl)
{
	local_lock_release((local_lock_t *)tl);
	WRITE_ONCE(tl->acquired, 0);
	preempt_enable();
}

/*
 * The section from a task that may wait: on !PREEMPT_RT nothing on this
 * CPU can hold it while a task runs, so the trylock cannot fail.
 */
static inline local_trylock_t *sc_local_lock(local_trylock_t __percpu *lock)
{
	local_trylock_t *tl;

	return sc_local_trylock(lock, &tl) ? tl : NULL;
}

#else /* CONFIG_PREEMPT_RT */

static __always_inline bool sc_local_trylock(local_trylock_t __percpu *lock,
					     local_trylock_t **tlp)
{
	local_trylock_t *tl;

	if (in_nmi() | in_hardirq())
		return false;
	migrate_disable();
	tl = this_cpu_ptr(lock);
	if (spin_trylock(tl)) {
		*tlp = tl;
		return true;
	}
	migrate_enable();
	return false;
}

static __always_inline void sc_local_unlock(local_trylock_t *tl)
{
	spin_unlock(tl);
	migrate_enable();
}

/* On PREEMPT_RT a preempted task may hold the section: wait for it. */
static inline local_trylock_t *sc_local_lock(local_trylock_t __percpu *lock)
{
	local_trylock_t *tl;

	might_sleep();
	migrate_disable();
	tl = this_cpu_ptr(lock);
	spin_lock(tl);
	return tl;
}

#endif /* CONFIG_PREEMPT_RT */

/*
 * Whether a slab folio carries per-object cgroup data, which slab sets up
 * when an object of it is allocated with accounting: 6.1 names the bit
 * MEMCG_DATA_OBJCGS, 6.12 MEMCG_DATA_OBJEXTS.
 */
static inline bool sc_folio_has_objcgs(struct folio *folio)
{
#if defined(CONFIG_MEMCG) && defined(SHEAFCACHE_HAVE_MEMCG_OBJEXTS)
	unsigned long v = READ_ONCE(folio->memcg_data);

	/* The bit alone, without a vector, marks a failed vector allocation. */
	return (v & MEMCG_DATA_OBJEXTS) && (v & ~OBJEXTS_FLAGS_MASK);
#elif defined(CONFIG_MEMCG)
	return READ_ONCE(folio->memcg_data) & MEMCG_DATA_OBJCGS;
#else
	return false;
#endif
}

/*
 * An unmergeable base: SLAB_NO_MERGE from 6.5; before, a usercopy region
 * (slab never merges a cache that has one).
 */
static inline struct kmem_cache *
sc_kmem_cache_create(const char *name, unsigned int size, unsigned int align,
		     slab_flags_t flags, void (*ctor)(void *))
{
#ifdef SLAB_NO_MERGE
	return kmem_cache_create(name, size, align, flags | SLAB_NO_MERGE, ctor);
#else
	return kmem_cache_create_usercopy(name, size, align, flags, 0, size,
					  ctor);
#endif
}

/* hrtimer_init() became hrtimer_setup(), which sets the function, in 6.13. */
static inline void
sc_hrtimer_setup(struct hrtimer *timer,
		 enum hrtimer_restart (*fn)(struct hrtimer *),
		 clockid_t clock, enum hrtimer_mode mode)
{
#ifdef SHEAFCACHE_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

#endif /* _SHEAFCACHE_COMPAT_H */
