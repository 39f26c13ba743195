// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache core: per-CPU sheaves and per-node barns in front of a
 * kmem_cache, and the guaranteed-allocation (prefilled sheaf) API.
 *
 * Each CPU has a main sheaf, which the fast paths pop from and push to,
 * and a spare. Each node has a barn of full and empty sheaves. When main
 * runs empty (or full) it is exchanged with the spare, then with the barn;
 * only then is the base cache touched, in batches.
 *
 * The per-CPU section is preempt_disable() plus a per-CPU busy flag, not
 * IRQ disabling: kernels before 6.15 have no local_trylock_t, and
 * local_irq_save() costs the fast path far more. An interrupt that lands
 * inside the section on the same CPU sees the flag and uses the base cache
 * directly, so the sheaves are never touched re-entrantly.
 *
 * Lock order: per-CPU section -> barn lock -> base cache internals.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "internal.h"

#define SC_DEFAULT_BARN_LIMIT	10

/* Every live cache, to refuse a second wrapper of a base or name. */
static LIST_HEAD(sc_caches);
static DEFINE_MUTEX(sc_caches_lock);
/* Caches destroyed while prefilled sheaves were out; freed at unload. */
static LIST_HEAD(sc_zombies);
/* Dynamic hotplug state whose teardown flushes a dead CPU's sheaves. */
static int sc_cpuhp_state;

#ifdef CONFIG_FAULT_INJECTION
/* Fails our own sheaf allocations: debugfs sheafcache/fail_sheaf_alloc. */
DECLARE_FAULT_ATTR(sc_fail_sheaf_alloc);

static bool sc_fail_sheaf(size_t size)
{
	return should_fail(&sc_fail_sheaf_alloc, size);
}
#else
static bool sc_fail_sheaf(size_t size)
{
	return false;
}
#endif

static bool debug_objects;
module_param(debug_objects, bool, 0444);
MODULE_PARM_DESC(debug_objects,
		 "check that freed objects are slab objects (slower)");
/* debug_objects, as a static key: free when off. */
static DEFINE_STATIC_KEY_FALSE(sc_debug_objects);

/* ===== Statistics ===================================================== */

#ifdef SHEAFCACHE_NO_STATS
static __always_inline void sc_stat_add(struct sheaf_cache *sc,
					enum sheaf_cache_stat_item item,
					unsigned long n)
{
}
#else
/*
 * One instruction on x86 and safe in any context, so the same counter
 * can be bumped inside the section and from an interrupt outside it.
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
 * For the fast-path counters, which only code inside the section bumps:
 * the section owns them, which saves reloading the per-CPU pointer.
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
 * Enter this CPU's section: false when the code we interrupted on this
 * CPU holds it. Only this CPU writes its flag and a CPU sees its own
 * stores in order, so compiler barriers are all the ordering needed. (A
 * bool and an out parameter, because a returned pointer would have to be
 * tested for NULL again on the fast path.)
 */
static __always_inline bool sc_enter(struct sheaf_cache *sc,
				     struct sc_cpu **pcpp)
{
	struct sc_cpu *pcp;

	preempt_disable();
	pcp = this_cpu_ptr(sc->cpu);
	if (unlikely(READ_ONCE(pcp->busy))) {
		preempt_enable();
		sc_stat(sc, SC_REENTRANT);
		return false;
	}
	WRITE_ONCE(pcp->busy, true);
	barrier();
	*pcpp = pcp;
	return true;
}

static __always_inline void sc_exit(struct sc_cpu *pcp)
{
	barrier();
	WRITE_ONCE(pcp->busy, false);
	preempt_enable();
}

/* ===== Object hygiene ================================================= */

/* Largest object zeroed with inline stores rather than memset(). */
#define SC_ZERO_INLINE_MAX	256

/*
 * Zero an object. For small objects a call to memset() (a loop, on CPUs
 * without fast short "rep stosb") costs more than the stores themselves;
 * sc->zero_inline says the size is a multiple of 64 up to
 * SC_ZERO_INLINE_MAX. Slab objects are at least 8-byte aligned.
 */
static __always_inline void sc_zero_stores(struct sheaf_cache *sc, void *obj)
{
	u64 *p = obj, *end = obj + sc->object_size;

	/* Eight stores a round: not a loop the compiler makes a memset(). */
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
}

static __always_inline void sc_zero(struct sheaf_cache *sc, void *obj)
{
	if (sc->zero_inline)
		sc_zero_stores(sc, obj);
	else
		memset(obj, 0, sc->object_size);
}

/*
 * slab_want_init_on_alloc(), with the facts fixed at creation. Under
 * init_on_alloc every object in a sheaf is zeroed already: sheaf_cache_free()
 * zeroes it on its way in and refills ask the base for zeroed objects, so
 * that alloc_from_sheaf() is a pop, even with IRQs off.
 */
static __always_inline void sc_init_alloc(struct sheaf_cache *sc, void *obj,
					  gfp_t gfp)
{
	if (unlikely(gfp & __GFP_ZERO) && sc->gfp_zero && !sc->init_on_alloc)
		sc_zero(sc, obj);
}

/* ===== Sheaves and the base cache ===================================== */

/* Flags for our own allocations: the caller's reclaim rules, quietly. */
static gfp_t sc_aux_gfp(gfp_t gfp)
{
	return (gfp & ~(__GFP_ZERO | __GFP_NOFAIL)) | __GFP_NOWARN;
}

static struct sheaf *sc_sheaf_alloc(struct sheaf_cache *sc, gfp_t gfp,
				    unsigned int capacity)
{
	struct sheaf *sheaf;
	size_t size = struct_size(sheaf, objects, capacity);

	sheaf = sc_fail_sheaf(size) ? NULL : kvmalloc(size, sc_aux_gfp(gfp));
	if (!sheaf) {
		sc_stat(sc, SC_SHEAF_ALLOC_FAIL);
		return NULL;
	}
	sheaf->cache = NULL;
	sheaf->size = 0;
	sheaf->capacity = capacity;
	sc_stat(sc, SC_SHEAF_ALLOC);
	return sheaf;
}

/* After a grace period: debugfs readers may still look at its size. */
static void sc_sheaf_free(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	sc_stat(sc, SC_SHEAF_FREE);
	kvfree_rcu(sheaf, rcu);
}

/*
 * Bulk calls from the base, which 6.1's kmem_cache_alloc_bulk() only
 * allows with IRQs on; with IRQs off, one object at a time. All or
 * nothing, like kmem_cache_alloc_bulk().
 */
static int sc_base_alloc_bulk(struct sheaf_cache *sc, gfp_t gfp,
			      unsigned int n, void **p)
{
	unsigned int i;

	if (!irqs_disabled())
		return kmem_cache_alloc_bulk(sc->base, gfp, n, p) ? 0 : -ENOMEM;

	for (i = 0; i < n; i++) {
		p[i] = kmem_cache_alloc(sc->base, gfp);
		if (!p[i]) {
			while (i--)
				kmem_cache_free(sc->base, p[i]);
			return -ENOMEM;
		}
	}
	return 0;
}

static void sc_base_free_bulk(struct sheaf_cache *sc, unsigned int n,
			      void **p)
{
	unsigned int i;

	if (!irqs_disabled()) {
		kmem_cache_free_bulk(sc->base, n, p);
		return;
	}
	for (i = 0; i < n; i++)
		kmem_cache_free(sc->base, p[i]);
}

/* Fill @sheaf to its capacity from the base; all or nothing. */
static int sc_refill(struct sheaf_cache *sc, struct sheaf *sheaf, gfp_t gfp)
{
	unsigned int want = sheaf->capacity - sheaf->size;

	if (!want)
		return 0;
	/* A cache is no reason to dip into the emergency reserves. */
	gfp = sc_aux_gfp(gfp) | __GFP_NOMEMALLOC;
	/* Sheaves hold zeroed objects (sc_init_alloc()). */
	if (sc->init_on_alloc)
		gfp |= __GFP_ZERO;
	if (sc_base_alloc_bulk(sc, gfp, want, &sheaf->objects[sheaf->size])) {
		sc_stat(sc, SC_REFILL_FAIL);
		return -ENOMEM;
	}
	sheaf->size += want;
	sc_stat_add(sc, SC_REFILL, want);
	return 0;
}

/* Give every object of @sheaf back to the base. */
static void sc_flush(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	if (!sheaf->size)
		return;
	sc_base_free_bulk(sc, sheaf->size, sheaf->objects);
	sc_stat_add(sc, SC_FLUSH, sheaf->size);
	sheaf->size = 0;
}

/* ===== Barns ========================================================== */

static struct sc_barn *sc_barn(struct sheaf_cache *sc)
{
	return sc->barns[numa_mem_id()];
}

static struct sheaf *barn_get_empty(struct sc_barn *barn)
{
	struct sheaf *sheaf;
	unsigned long flags;

	if (!READ_ONCE(barn->nr_empty))
		return NULL;
	spin_lock_irqsave(&barn->lock, flags);
	sheaf = list_first_entry_or_null(&barn->empty, struct sheaf, barn_list);
	if (sheaf) {
		list_del(&sheaf->barn_list);
		barn->nr_empty--;
	}
	spin_unlock_irqrestore(&barn->lock, flags);
	return sheaf;
}

/* Keep an empty sheaf in the barn, or free it when the barn has enough. */
static void barn_put_empty(struct sheaf_cache *sc, struct sc_barn *barn,
			   struct sheaf *sheaf)
{
	unsigned long flags;

	spin_lock_irqsave(&barn->lock, flags);
	if (barn->nr_empty < sc->max_empty) {
		list_add(&sheaf->barn_list, &barn->empty);
		barn->nr_empty++;
		sheaf = NULL;
	}
	spin_unlock_irqrestore(&barn->lock, flags);
	if (sheaf)
		sc_sheaf_free(sc, sheaf);
}

/* Store a full sheaf; false at the limit unless @force (lost races). */
static bool barn_put_full(struct sheaf_cache *sc, struct sc_barn *barn,
			  struct sheaf *sheaf, bool force)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&barn->lock, flags);
	ok = force || barn->nr_full < sc->max_full;
	if (ok) {
		list_add(&sheaf->barn_list, &barn->full);
		barn->nr_full++;
	}
	spin_unlock_irqrestore(&barn->lock, flags);
	return ok;
}

/* Exchange an empty sheaf for a full one; NULL when there is none. */
static struct sheaf *barn_replace_empty(struct sheaf_cache *sc,
					struct sc_barn *barn,
					struct sheaf *empty)
{
	struct sheaf *full;
	unsigned long flags;

	if (!READ_ONCE(barn->nr_full))
		return NULL;
	spin_lock_irqsave(&barn->lock, flags);
	full = list_first_entry_or_null(&barn->full, struct sheaf, barn_list);
	if (full) {
		list_del(&full->barn_list);
		barn->nr_full--;
		if (barn->nr_empty < sc->max_empty) {
			list_add(&empty->barn_list, &barn->empty);
			barn->nr_empty++;
			empty = NULL;
		}
	}
	spin_unlock_irqrestore(&barn->lock, flags);
	if (full && empty)
		sc_sheaf_free(sc, empty);
	return full;
}

/* A full sheaf if there is one, else an empty one, else NULL. */
static struct sheaf *barn_get_full_or_empty(struct sc_barn *barn)
{
	struct sheaf *sheaf;
	unsigned long flags;

	spin_lock_irqsave(&barn->lock, flags);
	sheaf = list_first_entry_or_null(&barn->full, struct sheaf, barn_list);
	if (sheaf) {
		barn->nr_full--;
	} else {
		sheaf = list_first_entry_or_null(&barn->empty, struct sheaf,
						 barn_list);
		if (sheaf)
			barn->nr_empty--;
	}
	if (sheaf)
		list_del(&sheaf->barn_list);
	spin_unlock_irqrestore(&barn->lock, flags);
	return sheaf;
}

/*
 * Give back the barn's sheaves, full ones first, until about @nr objects
 * were flushed; empty sheaves are freed as they are met. Returns the
 * number of objects flushed.
 */
static unsigned long sc_drain_barn(struct sheaf_cache *sc,
				   struct sc_barn *barn, unsigned long nr)
{
	unsigned long flushed = 0;
	struct sheaf *sheaf;

	while (flushed < nr && (sheaf = barn_get_full_or_empty(barn))) {
		flushed += sheaf->size;
		sc_flush(sc, sheaf);
		sc_sheaf_free(sc, sheaf);
	}
	return flushed;
}

/* ===== Allocation ===================================================== */

static noinline void *sc_alloc_base(struct sheaf_cache *sc, gfp_t gfp)
{
	sc_stat(sc, SC_ALLOC_SLOW);
	if (!sc->gfp_zero)
		gfp &= ~__GFP_ZERO;
	return kmem_cache_alloc(sc->base, gfp);
}

/*
 * A sheaf filled to capacity: @sheaf if given (it is empty), else one
 * from the barn or a new one. NULL when the base could not fill it.
 */
static struct sheaf *sc_get_filled(struct sheaf_cache *sc,
				   struct sc_barn *barn, struct sheaf *sheaf,
				   gfp_t gfp)
{
	if (!sheaf)
		sheaf = barn_get_empty(barn);
	if (!sheaf)
		sheaf = sc_sheaf_alloc(sc, gfp, sc->capacity);
	if (!sheaf)
		return NULL;
	if (!sc_refill(sc, sheaf, gfp))
		return sheaf;
	barn_put_empty(sc, barn, sheaf);
	return NULL;
}

/*
 * Install a full sheaf filled outside the section. Meanwhile we may have
 * been migrated or raced, so put it where it fits; main is not empty on
 * return.
 */
static struct sc_cpu *sc_install_full(struct sheaf_cache *sc,
				      struct sc_cpu *pcp, struct sheaf *full)
{
	struct sc_barn *barn = sc_barn(sc);

	if (!pcp->main->size) {
		barn_put_empty(sc, barn, pcp->main);
		pcp->main = full;
	} else if (!pcp->spare) {
		pcp->spare = full;
	} else if (!pcp->spare->size) {
		barn_put_empty(sc, barn, pcp->spare);
		pcp->spare = full;
	} else {
		barn_put_full(sc, barn, full, true);
	}
	return pcp;
}

/*
 * Main is empty. Returns with the section held and objects in main, or
 * NULL with the section released: the caller then uses the base.
 */
static noinline struct sc_cpu *
sc_replace_empty_main(struct sheaf_cache *sc, struct sc_cpu *pcp, gfp_t gfp)
{
	struct sheaf *full, *empty = NULL;
	struct sc_barn *barn;

	if (pcp->spare && pcp->spare->size) {
		swap(pcp->main, pcp->spare);
		sc_stat(sc, SC_SWAP);
		return pcp;
	}

	barn = sc_barn(sc);
	full = barn_replace_empty(sc, barn, pcp->main);
	if (full) {
		pcp->main = full;
		sc_stat(sc, SC_BARN_GET);
		return pcp;
	}
	sc_stat(sc, SC_BARN_GET_FAIL);

	/* A batch from the base takes long: not with IRQs off. */
	if (irqs_disabled()) {
		sc_exit(pcp);
		return NULL;
	}
	/* An empty spare is the sheaf to fill; the section is left for it. */
	swap(empty, pcp->spare);
	sc_exit(pcp);

	full = sc_get_filled(sc, barn, empty, gfp);
	if (!full)
		return NULL;

	if (unlikely(!sc_enter(sc, &pcp))) {
		barn_put_full(sc, barn, full, true);
		return NULL;
	}
	return sc_install_full(sc, pcp, full);
}

/*
 * Main is empty: sheaf_cache_alloc() goes on here, out of line, so that
 * its fast path keeps nothing live across a call and saves no registers.
 */
static noinline void *sc_alloc_slow(struct sheaf_cache *sc,
				    struct sc_cpu *pcp, gfp_t gfp)
{
	struct sheaf *main;
	void *obj;

	pcp = sc_replace_empty_main(sc, pcp, gfp);
	if (!pcp)
		return sc_alloc_base(sc, gfp);
	main = pcp->main;
	obj = main->objects[--main->size];
	sc_stat_cpu(pcp, SC_ALLOC_FAST);
	sc_exit(pcp);

	sc_init_alloc(sc, obj, gfp);
	return obj;
}

void *sheaf_cache_alloc(struct sheaf_cache *sc, gfp_t gfp)
{
	struct sc_cpu *pcp;
	struct sheaf *main;
	void *obj;

	if (WARN_ON_ONCE(!sc))
		return NULL;
	if (unlikely(!sc_enter(sc, &pcp)))
		return sc_alloc_base(sc, gfp);

	main = pcp->main;
	if (unlikely(!main->size))
		return sc_alloc_slow(sc, pcp, gfp);
	obj = main->objects[--main->size];
	sc_stat_cpu(pcp, SC_ALLOC_FAST);
	sc_exit(pcp);

	sc_init_alloc(sc, obj, gfp);
	return obj;
}
EXPORT_SYMBOL_GPL(sheaf_cache_alloc);

/* ===== Freeing ======================================================== */

/*
 * Whether @obj can be a slab object at all. Which cache it belongs to is
 * private to mm/; SLUB's own hardened checks catch that when it flushes.
 */
static noinline bool sc_bad_object(struct sheaf_cache *sc, const void *obj)
{
	if (virt_addr_valid(obj) && folio_test_slab(virt_to_folio(obj)))
		return false;
	WARN_ONCE(1, "%s: freeing %p, which is not a slab object\n",
		  sc->name, obj);
	return true;
}

/* sheaf_cache_free() with no cache: SLUB's kfree() finds the object's. */
static noinline void sc_free_nocache(void *obj)
{
	WARN_ON_ONCE(1);
	kfree(obj);
}

static noinline void sc_free_base(struct sheaf_cache *sc, void *obj)
{
	sc_stat(sc, SC_FREE_SLOW);
	kmem_cache_free(sc->base, obj);
}

/*
 * Main is full. Returns with the section held and room in main, or NULL
 * with the section released: the caller then frees to the base.
 */
static noinline struct sc_cpu *
sc_replace_full_main(struct sheaf_cache *sc, struct sc_cpu *pcp)
{
	struct sc_barn *barn;
	struct sheaf *empty;

	if (pcp->spare && pcp->spare->size < sc->capacity) {
		swap(pcp->main, pcp->spare);
		sc_stat(sc, SC_SWAP);
		return pcp;
	}

	barn = sc_barn(sc);
	if (!pcp->spare || READ_ONCE(barn->nr_full) < sc->max_full) {
		empty = barn_get_empty(barn);
		if (!empty)
			empty = sc_sheaf_alloc(sc, GFP_NOWAIT, sc->capacity);
		if (empty && !pcp->spare) {
			/* No spare yet: the full main becomes it. */
			pcp->spare = pcp->main;
			pcp->main = empty;
			return pcp;
		}
		if (empty && barn_put_full(sc, barn, pcp->main, false)) {
			pcp->main = empty;
			sc_stat(sc, SC_BARN_PUT);
			return pcp;
		}
		if (empty)
			barn_put_empty(sc, barn, empty);
	}
	sc_stat(sc, SC_BARN_PUT_FAIL);

	/* The barn is full: give main's objects back in one batch. */
	if (irqs_disabled()) {
		sc_exit(pcp);
		return NULL;
	}
	sc_flush(sc, pcp->main);
	return pcp;
}

/* Main is full: sheaf_cache_free() goes on here, as sc_alloc_slow(). */
static noinline void sc_free_slow(struct sheaf_cache *sc, struct sc_cpu *pcp,
				  void *obj)
{
	struct sheaf *main;

	pcp = sc_replace_full_main(sc, pcp);
	if (!pcp) {
		sc_free_base(sc, obj);
		return;
	}
	main = pcp->main;
	main->objects[main->size++] = obj;
	sc_stat_cpu(pcp, SC_FREE_FAST);
	sc_exit(pcp);
}

/* Push @obj: every call here is a tail call, so no register is saved. */
static __always_inline void sc_free_push(struct sheaf_cache *sc, void *obj)
{
	struct sc_cpu *pcp;
	struct sheaf *main;

	if (unlikely(!sc_enter(sc, &pcp))) {
		sc_free_base(sc, obj);
		return;
	}
	main = pcp->main;
	if (unlikely(main->size == sc->capacity)) {
		sc_free_slow(sc, pcp, obj);
		return;
	}
	main->objects[main->size++] = obj;
	sc_stat_cpu(pcp, SC_FREE_FAST);
	sc_exit(pcp);
}

/* debug_objects, or zeroing with memset(): calls that need a frame. */
static noinline void sc_free_checked(struct sheaf_cache *sc, void *obj)
{
	if (static_branch_unlikely(&sc_debug_objects) && sc_bad_object(sc, obj))
		return;
	if (sc->init_on_free)
		sc_zero(sc, obj);
	sc_free_push(sc, obj);
}

void sheaf_cache_free(struct sheaf_cache *sc, void *obj)
{
	if (unlikely(!obj))
		return;
	if (unlikely(!sc)) {
		sc_free_nocache(obj);
		return;
	}
	if (static_branch_unlikely(&sc_debug_objects) ||
	    unlikely(sc->init_on_free && !sc->zero_inline)) {
		sc_free_checked(sc, obj);
		return;
	}
	if (sc->init_on_free)
		sc_zero_stores(sc, obj);
	sc_free_push(sc, obj);
}
EXPORT_SYMBOL_GPL(sheaf_cache_free);

/* ===== Prefilled sheaves ============================================== */

/* Hand a sheaf to a caller: it now belongs to @sc until returned. */
static struct sheaf *sc_sheaf_out(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	sheaf->cache = sc;
	this_cpu_inc(sc->cpu->sheaves_out);
	return sheaf;
}

/* Move up to @n objects from the top of @from to the top of @to. */
static void sc_move(struct sheaf *to, struct sheaf *from, unsigned int n)
{
	n = min3(n, from->size, to->capacity - to->size);
	from->size -= n;
	memcpy(&to->objects[to->size], &from->objects[from->size],
	       n * sizeof(void *));
	to->size += n;
}

/*
 * An oversize sheaf takes what this CPU's sheaves hold before the base
 * fills the rest: moving pointers costs far less than a bulk allocation
 * and the flush that would follow it, and sheaf_cache_return_sheaf() puts
 * what was not used back where it came from.
 */
static noinline struct sheaf *
sc_prefill_oversize(struct sheaf_cache *sc, gfp_t gfp, unsigned int size)
{
	struct sc_cpu *pcp;
	struct sheaf *sheaf;

	sc_stat(sc, SC_PREFILL_OVERSIZE);
	sheaf = sc_sheaf_alloc(sc, gfp, size);
	if (sheaf) {
		if (sc_enter(sc, &pcp)) {
			if (pcp->spare)
				sc_move(sheaf, pcp->spare, size);
			sc_move(sheaf, pcp->main, size);
			sc_exit(pcp);
		}
	}
	if (sheaf && sc_refill(sc, sheaf, gfp)) {
		sc_flush(sc, sheaf);
		sc_sheaf_free(sc, sheaf);
		sheaf = NULL;
	}
	if (!sheaf) {
		sc_stat(sc, SC_PREFILL_FAIL);
		return NULL;
	}
	return sc_sheaf_out(sc, sheaf);
}

struct sheaf *sheaf_cache_prefill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
					unsigned int size)
{
	struct sheaf *sheaf = NULL;
	struct sc_barn *barn;
	struct sc_cpu *pcp;

	if (WARN_ON_ONCE(!sc) || !size)
		return NULL;
	if (unlikely(size > sc->capacity))
		return sc_prefill_oversize(sc, gfp, size);

	if (sc_enter(sc, &pcp)) {
		swap(sheaf, pcp->spare);
		sc_exit(pcp);
	}

	barn = sc_barn(sc);
	if (sheaf) {
		sc_stat(sc, SC_PREFILL_FAST);
	} else {
		sc_stat(sc, SC_PREFILL_SLOW);
		sheaf = barn_get_full_or_empty(barn);
		sc_stat(sc, sheaf && sheaf->size ? SC_BARN_GET : SC_BARN_GET_FAIL);
		if (!sheaf)
			sheaf = sc_sheaf_alloc(sc, gfp, sc->capacity);
	}

	if (sheaf && sheaf->size < size && sc_refill(sc, sheaf, gfp)) {
		/* Memory is short: let the base have the few it held. */
		sc_flush(sc, sheaf);
		barn_put_empty(sc, barn, sheaf);
		sheaf = NULL;
	}
	if (!sheaf) {
		sc_stat(sc, SC_PREFILL_FAIL);
		return NULL;
	}
	return sc_sheaf_out(sc, sheaf);
}
EXPORT_SYMBOL_GPL(sheaf_cache_prefill_sheaf);

void *sheaf_cache_alloc_from_sheaf(struct sheaf_cache *sc, gfp_t gfp,
				   struct sheaf *sheaf)
{
	void *obj;

	if (WARN_ON_ONCE(!sheaf) || unlikely(!sheaf->size))
		return NULL;
	obj = sheaf->objects[--sheaf->size];
	sc_init_alloc(sc, obj, gfp);
	return obj;
}
EXPORT_SYMBOL_GPL(sheaf_cache_alloc_from_sheaf);

/* The CPU already has a spare: into the barn, refilled, or away. */
static noinline void sc_return_slow(struct sheaf_cache *sc, gfp_t gfp,
				    struct sheaf *sheaf)
{
	struct sc_barn *barn = sc_barn(sc);

	sc_stat(sc, SC_RETURN_SLOW);
	if (READ_ONCE(barn->nr_full) < sc->max_full &&
	    !sc_refill(sc, sheaf, gfp) &&
	    barn_put_full(sc, barn, sheaf, false)) {
		sc_stat(sc, SC_BARN_PUT);
		return;
	}
	sc_flush(sc, sheaf);
	sc_sheaf_free(sc, sheaf);
}

void sheaf_cache_return_sheaf(struct sheaf_cache *sc, gfp_t gfp,
			      struct sheaf *sheaf)
{
	struct sc_cpu *pcp;

	if (!sheaf)
		return;
	if (WARN_ON_ONCE(!sc || sheaf->cache != sc)) {
		/* Not out with a caller: returned twice, or not ours. */
		if (!sheaf->cache)
			return;
		sc = sheaf->cache;
	}
	sheaf->cache = NULL;
	this_cpu_dec(sc->cpu->sheaves_out);

	if (unlikely(sheaf->capacity != sc->capacity || READ_ONCE(sc->dead))) {
		sc_stat(sc, SC_RETURN_SLOW);
		/* An oversize sheaf: what is left fills this CPU's first. */
		if (!READ_ONCE(sc->dead) && sc_enter(sc, &pcp)) {
			sc_move(pcp->main, sheaf, sheaf->size);
			if (pcp->spare)
				sc_move(pcp->spare, sheaf, sheaf->size);
			sc_exit(pcp);
		}
		sc_flush(sc, sheaf);
		sc_sheaf_free(sc, sheaf);
		return;
	}

	if (sc_enter(sc, &pcp)) {
		if (!pcp->spare) {
			pcp->spare = sheaf;
			sheaf = NULL;
			sc_stat(sc, SC_RETURN_FAST);
		}
		sc_exit(pcp);
	}
	if (sheaf)
		sc_return_slow(sc, gfp, sheaf);
}
EXPORT_SYMBOL_GPL(sheaf_cache_return_sheaf);

int sheaf_cache_refill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
			     struct sheaf **sheafp, unsigned int size)
{
	struct sheaf *sheaf;

	if (!sheafp || !*sheafp)
		return -EINVAL;
	sheaf = *sheafp;
	if (WARN_ON_ONCE(!sc || sheaf->cache != sc))
		return -EINVAL;
	if (sheaf->size >= size)
		return 0;

	if (size <= sheaf->capacity) {
		if (!sc_refill(sc, sheaf, gfp))
			return 0;
		sc_stat(sc, SC_PREFILL_FAIL);
		return -ENOMEM;
	}

	/* Too small: a larger sheaf replaces it; rare, so keep it simple. */
	sheaf = sheaf_cache_prefill_sheaf(sc, gfp, size);
	if (!sheaf)
		return -ENOMEM;
	sheaf_cache_return_sheaf(sc, gfp, *sheafp);
	*sheafp = sheaf;
	return 0;
}
EXPORT_SYMBOL_GPL(sheaf_cache_refill_sheaf);

unsigned int sheaf_cache_sheaf_size(const struct sheaf *sheaf)
{
	return sheaf ? sheaf->size : 0;
}
EXPORT_SYMBOL_GPL(sheaf_cache_sheaf_size);

/* ===== Draining: hotplug, shrinking, destruction ====================== */

/*
 * Flush a CPU's sheaves; main stays (empty), the spare is freed. The
 * caller owns them: section held, CPU dead, or cache no longer in use.
 */
static unsigned long sc_drain_cpu(struct sheaf_cache *sc, struct sc_cpu *pcp)
{
	struct sheaf *spare = pcp->spare;
	unsigned long n = pcp->main->size;

	sc_flush(sc, pcp->main);
	if (spare) {
		pcp->spare = NULL;
		n += spare->size;
		sc_flush(sc, spare);
		sc_sheaf_free(sc, spare);
	}
	return n;
}

static int sc_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct sheaf_cache *sc = hlist_entry(node, struct sheaf_cache,
					     cpuhp_node);

	sc_drain_cpu(sc, per_cpu_ptr(sc->cpu, cpu));
	sc_stat(sc, SC_CPU_DEAD);
	return 0;
}

/* Runs on the CPU whose sheaves it drains (work_on_cpu()). */
static long sc_shrink_this_cpu(void *arg)
{
	struct sheaf_cache *sc = arg;
	struct sc_cpu *pcp;
	long n;

	/* Process context, so nothing on this CPU can hold the section. */
	if (WARN_ON_ONCE(!sc_enter(sc, &pcp)))
		return 0;
	n = sc_drain_cpu(sc, pcp);
	sc_exit(pcp);
	return n;
}

static unsigned long sc_drain_barns(struct sheaf_cache *sc, unsigned long nr)
{
	unsigned long n = 0;
	int nid;

	for_each_node(nid)
		n += sc_drain_barn(sc, sc->barns[nid], nr - n);
	return n;
}

unsigned long sheaf_cache_shrink(struct sheaf_cache *sc)
{
	unsigned long n = 0;
	int cpu;

	might_sleep();
	if (WARN_ON_ONCE(!sc))
		return 0;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		n += work_on_cpu(cpu, sc_shrink_this_cpu, sc);
	cpus_read_unlock();
	n += sc_drain_barns(sc, ULONG_MAX);
	sc_stat_add(sc, SC_SHRINK, n);
	return n;
}
EXPORT_SYMBOL_GPL(sheaf_cache_shrink);

/* Memory pressure: the barns go first; a CPU's two sheaves stay. */
static unsigned long sc_shrinker_count(struct shrinker *s,
				       struct shrink_control *ctl)
{
	struct sheaf_cache *sc = sc_shrinker_priv(s);
	unsigned long n = 0;
	int nid;

	for_each_node(nid)
		n += READ_ONCE(sc->barns[nid]->nr_full) * sc->capacity +
		     READ_ONCE(sc->barns[nid]->nr_empty);
	return n ?: SHRINK_EMPTY;
}

static unsigned long sc_shrinker_scan(struct shrinker *s,
				      struct shrink_control *ctl)
{
	struct sheaf_cache *sc = sc_shrinker_priv(s);
	unsigned long n = sc_drain_barns(sc, ctl->nr_to_scan);

	sc_stat_add(sc, SC_SHRINK, n);
	return n ?: SHRINK_STOP;
}

/* ===== Creation and destruction ======================================= */

/* Objects per sheaf: upstream's choice, sheaves of 64 to 512 bytes. */
static unsigned int sc_default_capacity(unsigned int size)
{
	if (size >= PAGE_SIZE)
		return 4;
	if (size >= 1024)
		return 12;
	if (size >= 256)
		return 26;
	return 60;
}

static int sc_check_args(const char *name, struct kmem_cache *base,
			 const struct sheaf_cache_args *a)
{
	if (!name || !*name || strnlen(name, SHEAF_CACHE_NAME_MAX + 1) >
	    SHEAF_CACHE_NAME_MAX || strchr(name, '/') || !base)
		return -EINVAL;
	if (a->sheaf_capacity > SHEAF_CACHE_MAX_CAPACITY ||
	    a->max_full_sheaves > SHEAF_CACHE_MAX_BARN ||
	    a->max_empty_sheaves > SHEAF_CACHE_MAX_BARN ||
	    a->base_flags & ~SHEAF_CACHE_BASE_FLAGS)
		return -EINVAL;
	return 0;
}

static bool sc_exists(const char *name, struct kmem_cache *base)
{
	struct sheaf_cache *sc;

	lockdep_assert_held(&sc_caches_lock);
	list_for_each_entry(sc, &sc_caches, list)
		if (sc->base == base || !strcmp(sc->name, name))
			return true;
	return false;
}

/* Frees what sc_alloc_sheaves() made; sheaves must be empty. */
static void sc_free_sheaves(struct sheaf_cache *sc)
{
	int cpu, nid;

	for_each_possible_cpu(cpu)
		kvfree(per_cpu_ptr(sc->cpu, cpu)->main);
	for_each_node(nid)
		kfree(sc->barns[nid]);
	kfree(sc->barns);
	sc->barns = NULL;
}

static int sc_alloc_sheaves(struct sheaf_cache *sc)
{
	int cpu, nid;

	sc->barns = kcalloc(nr_node_ids, sizeof(*sc->barns), GFP_KERNEL);
	if (!sc->barns)
		return -ENOMEM;
	for_each_node(nid) {
		struct sc_barn *barn;

		barn = kzalloc_node(sizeof(*barn), GFP_KERNEL,
				    node_state(nid, N_MEMORY) ? nid : NUMA_NO_NODE);
		if (!barn)
			return -ENOMEM;
		spin_lock_init(&barn->lock);
		INIT_LIST_HEAD(&barn->full);
		INIT_LIST_HEAD(&barn->empty);
		sc->barns[nid] = barn;
	}
	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);

		pcp->main = sc_sheaf_alloc(sc, GFP_KERNEL, sc->capacity);
		if (!pcp->main)
			return -ENOMEM;
	}
	return 0;
}

static void sc_free(struct sheaf_cache *sc)
{
	if (sc->barns)
		sc_free_sheaves(sc);
	free_percpu(sc->cpu);
	kfree(sc);
}

static struct sheaf_cache *sc_alloc(const char *name, struct kmem_cache *base,
				    const struct sheaf_cache_args *a)
{
	unsigned int init_off = SHEAF_CACHE_BASE_CTOR |
				SHEAF_CACHE_BASE_TYPESAFE_RCU;
	struct sheaf_cache *sc;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return NULL;
	strscpy(sc->name, name, sizeof(sc->name));
	sc->base = base;
	sc->base_flags = a->base_flags;
	sc->object_size = kmem_cache_size(base);
	sc->capacity = a->sheaf_capacity ?:
		       sc_default_capacity(sc->object_size);
	sc->max_full = a->max_full_sheaves ?: SC_DEFAULT_BARN_LIMIT;
	sc->max_empty = a->max_empty_sheaves ?: SC_DEFAULT_BARN_LIMIT;
	/* slab_want_init_on_alloc() and slab_want_init_on_free() rules */
	sc->gfp_zero = !(a->base_flags & SHEAF_CACHE_BASE_CTOR);
	sc->init_on_alloc = want_init_on_alloc(0) && !(a->base_flags & init_off);
	sc->init_on_free = want_init_on_free() && !(a->base_flags & init_off);
	/* Zeroed on the way into a sheaf instead of out: sc_init_alloc(). */
	sc->init_on_free |= sc->init_on_alloc;
	sc->zero_inline = sc->object_size <= SC_ZERO_INLINE_MAX &&
			  !(sc->object_size % 64);

	sc->cpu = alloc_percpu(struct sc_cpu);
	if (!sc->cpu || sc_alloc_sheaves(sc)) {
		sc_free(sc);
		return NULL;
	}
	return sc;
}

struct sheaf_cache *sheaf_cache_create(const char *name,
				       struct kmem_cache *base,
				       const struct sheaf_cache_args *args)
{
	struct sheaf_cache_args a = {};
	struct sheaf_cache *sc;
	int err;

	if (args)
		a = *args;
	err = sc_check_args(name, base, &a);
	if (err)
		return ERR_PTR(err);

	mutex_lock(&sc_caches_lock);
	err = -EEXIST;
	if (sc_exists(name, base))
		goto unlock;
	err = -ENOMEM;
	sc = sc_alloc(name, base, &a);
	if (!sc)
		goto unlock;
	err = cpuhp_state_add_instance_nocalls(sc_cpuhp_state, &sc->cpuhp_node);
	if (err)
		goto free;
	err = -ENOMEM;
	sc->shrinker = sc_shrinker_create(sc->name, sc, sc_shrinker_count,
					  sc_shrinker_scan);
	if (!sc->shrinker)
		goto remove_cpuhp;
	list_add(&sc->list, &sc_caches);
	mutex_unlock(&sc_caches_lock);

	sc_debugfs_add(sc);
	return sc;

remove_cpuhp:
	cpuhp_state_remove_instance_nocalls(sc_cpuhp_state, &sc->cpuhp_node);
free:
	sc_free(sc);
unlock:
	mutex_unlock(&sc_caches_lock);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(sheaf_cache_create);

static long sc_sheaves_out(struct sheaf_cache *sc)
{
	long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(sc->cpu, cpu)->sheaves_out;
	return n;
}

void sheaf_cache_destroy(struct sheaf_cache *sc)
{
	int cpu;

	if (!sc)
		return;
	might_sleep();
	sc_debugfs_remove(sc);
	sc_shrinker_destroy(sc->shrinker);
	cpuhp_state_remove_instance_nocalls(sc_cpuhp_state, &sc->cpuhp_node);

	for_each_possible_cpu(cpu)
		sc_drain_cpu(sc, per_cpu_ptr(sc->cpu, cpu));
	sc_drain_barns(sc, ULONG_MAX);

	mutex_lock(&sc_caches_lock);
	list_del(&sc->list);
	if (WARN_ON_ONCE(sc_sheaves_out(sc))) {
		/*
		 * A prefilled sheaf is still out. Keep what its return needs
		 * (counters, base) until unload; it then goes to the base.
		 */
		sc_free_sheaves(sc);
		WRITE_ONCE(sc->dead, true);
		list_add(&sc->list, &sc_zombies);
		sc = NULL;
	}
	mutex_unlock(&sc_caches_lock);
	if (sc)
		sc_free(sc);
}
EXPORT_SYMBOL_GPL(sheaf_cache_destroy);

/* ===== Introspection ================================================== */

u64 sheaf_cache_stat(struct sheaf_cache *sc, enum sheaf_cache_stat_item item)
{
	u64 n = 0;
	int cpu;

	if (WARN_ON_ONCE(!sc || (unsigned int)item >= SC_NR_STATS))
		return 0;
	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(sc->cpu, cpu)->stat[item]);
	return n;
}
EXPORT_SYMBOL_GPL(sheaf_cache_stat);

/* Objects in a sheaf another CPU may be swapping; RCU keeps it around. */
static unsigned int sc_peek(struct sheaf **slot)
{
	struct sheaf *sheaf = READ_ONCE(*slot);

	return sheaf ? READ_ONCE(sheaf->size) : 0;
}

unsigned long sheaf_cache_cached_objects(struct sheaf_cache *sc)
{
	unsigned long n = 0;
	int cpu, nid;

	if (WARN_ON_ONCE(!sc))
		return 0;
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);

		n += sc_peek(&pcp->main) + sc_peek(&pcp->spare);
	}
	rcu_read_unlock();
	/* Sheaves in a barn's full list are full. */
	for_each_node(nid)
		n += (unsigned long)READ_ONCE(sc->barns[nid]->nr_full) *
		     sc->capacity;
	return n;
}
EXPORT_SYMBOL_GPL(sheaf_cache_cached_objects);

unsigned int sheaf_cache_capacity(const struct sheaf_cache *sc)
{
	return sc ? sc->capacity : 0;
}
EXPORT_SYMBOL_GPL(sheaf_cache_capacity);

/* ===== Module ========================================================= */

static int __init sheafcache_init(void)
{
	int ret;

	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "sheafcache:dead",
				      NULL, sc_cpu_dead);
	if (ret < 0)
		return ret;
	sc_cpuhp_state = ret;
	if (debug_objects)
		static_branch_enable(&sc_debug_objects);
	sc_debugfs_init();
	return 0;
}

static void __exit sheafcache_exit(void)
{
	struct sheaf_cache *sc, *tmp;

	/* Clients hold references to us, so only misuse leaves caches. */
	WARN_ON(!list_empty(&sc_caches));
	list_for_each_entry_safe(sc, tmp, &sc_zombies, list)
		sc_free(sc);
	sc_debugfs_exit();
	cpuhp_remove_multi_state(sc_cpuhp_state);
	/* Sheaves freed with kvfree_rcu() must be gone before we are. */
	rcu_barrier();
}

module_init(sheafcache_init);
module_exit(sheafcache_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-CPU sheaves and guaranteed allocation over kmem_cache");
