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
 * The per-CPU section is upstream's local_trylock_t (compat.h has a copy
 * for kernels before 6.15): preempt_disable() plus a flag on !PREEMPT_RT,
 * not IRQ disabling, which costs the fast path far more; a per-CPU
 * spinlock_t under migrate_disable() on PREEMPT_RT, so that the barn locks
 * and slab calls inside it are legal there. An interrupt that lands inside
 * the section on the same CPU fails to enter it and uses the base cache
 * directly, so the sheaves are never touched re-entrantly.
 *
 * Slab's promises hold behind the sheaves: sheaves hold only objects of
 * their CPU's memory node, never objects from the memory reserves
 * (pfmemalloc) or charged to a memcg, and they are filled without the
 * reserves. See sheaf_cache_free() for how that stays cheap.
 *
 * Lock order: per-CPU section -> barn lock -> base cache internals.
 *
 * This file has the paths every allocation and free takes, and the barns;
 * prefill.c the prefilled sheaves; cache.c creation, draining and the
 * module; core.h what they share, the section and the counters first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/hashtable.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/oom.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "core.h"
#define CREATE_TRACE_POINTS
#include "trace.h"

#ifdef CONFIG_FAULT_INJECTION
/* Fails our own sheaf allocations: debugfs sheafcache/fail_sheaf_alloc. */
DECLARE_FAULT_ATTR(sc_fail_sheaf_alloc);

/* As should_failslab(): a __GFP_NOFAIL allocation is never failed. */
static bool sc_fail_sheaf(size_t size, gfp_t gfp)
{
	return !(gfp & __GFP_NOFAIL) && should_fail(&sc_fail_sheaf_alloc, size);
}
#else
static bool sc_fail_sheaf(size_t size, gfp_t gfp)
{
	return false;
}
#endif

/* check_frees, as a static key: no cost while it is off. */
DEFINE_STATIC_KEY_FALSE(sc_check_frees);
/* Counts the caches that poison (cache.c). */
DEFINE_STATIC_KEY_FALSE(sc_poison_on);

/* ===== Object facts: node, reserves, memcg ============================ */

/*
 * Sheaves hold only objects of their CPU's memory node. Testing that on
 * every free through the object's page costs more than the rest of the
 * free, so each CPU keeps the direct-map span of its memory node, when
 * that span holds no other node's memory, and an object inside it is
 * local without a look at its page. Slab objects always lie in the
 * direct map. Outside the span (or with no span) the page decides.
 */
struct sc_span {
	unsigned long start;
	unsigned long len;
};

static DEFINE_PER_CPU(struct sc_span, sc_local_span);
/* More than one possible node: a free can be remote. */
DEFINE_STATIC_KEY_FALSE(sc_numa);

static int sc_obj_nid(const void *obj)
{
	return page_to_nid(virt_to_page(obj));
}

/* Whether no other node's memory lies in [start, end) of node @nid. */
static bool sc_span_exclusive(int nid, unsigned long start, unsigned long end)
{
	int other;

	for_each_node_state(other, N_MEMORY)
		if (other != nid && node_start_pfn(other) < end &&
		    node_end_pfn(other) > start)
			return false;
	return true;
}

/* The direct-map span of @cpu's memory node, if it is that node's alone. */
static struct sc_span sc_span_of(unsigned int cpu)
{
	int nid = cpu_to_mem(cpu);
	unsigned long start = 0, end = 0;

	/* A possible CPU not yet present may have no node. */
	if (nid >= 0 && nid < nr_node_ids && node_state(nid, N_MEMORY)) {
		start = node_start_pfn(nid);
		end = node_end_pfn(nid);
		if (!sc_span_exclusive(nid, start, end))
			end = start;
	}
	return (struct sc_span){
		.start = (unsigned long)pfn_to_kaddr(start),
		.len = PFN_PHYS(end - start),
	};
}

void sc_spans_init(void)
{
	unsigned int cpu;

	if (num_possible_nodes() > 1)
		static_branch_enable(&sc_numa);
	for_each_possible_cpu(cpu) {
		struct sc_span *span = per_cpu_ptr(&sc_local_span, cpu);

		*span = sc_span_of(cpu);
	}
}

/*
 * Memory coming online may land inside a span: the spans are emptied
 * before its pages exist and set anew once they do. A reader in the
 * section may load a span's start before and its len after an update, so
 * a new len is published only after a grace period in which every reader
 * of the old start has left its section.
 */
static int sc_memory_event(struct notifier_block *nb, unsigned long action,
			   void *arg)
{
	unsigned int cpu;

	switch (action) {
	case MEM_GOING_ONLINE:
		for_each_possible_cpu(cpu)
			WRITE_ONCE(per_cpu_ptr(&sc_local_span, cpu)->len, 0);
		break;
	case MEM_ONLINE:
	case MEM_CANCEL_ONLINE:
		for_each_possible_cpu(cpu)
			WRITE_ONCE(per_cpu_ptr(&sc_local_span, cpu)->start,
				   sc_span_of(cpu).start);
		synchronize_rcu();
		for_each_possible_cpu(cpu)
			WRITE_ONCE(per_cpu_ptr(&sc_local_span, cpu)->len,
				   sc_span_of(cpu).len);
		break;
	}
	return NOTIFY_OK;
}

struct notifier_block sc_memory_nb = {
	.notifier_call = sc_memory_event,
};

/* In this CPU's local span: certainly an object of its memory node. */
static __always_inline bool sc_in_local_span(const void *obj)
{
	return (unsigned long)obj - this_cpu_read(sc_local_span.start) <
	       this_cpu_read(sc_local_span.len);
}

/*
 * Whether a freed object may go into this CPU's sheaves, by its page. As
 * upstream's can_free_to_pcs(): an object of the CPU's memory node may;
 * so may any object freed on a CPU whose own node has no memory, since no
 * object is local there.
 */
static bool sc_obj_local(const void *obj)
{
	return sc_obj_nid(obj) == numa_mem_id() ||
	       !node_state(numa_node_id(), N_NORMAL_MEMORY);
}

/*
 * Whether a freed object may go into this CPU's sheaves: the span first,
 * then the page. On a single-node machine every object may, untested.
 */
bool sc_may_cache(const void *obj)
{
	return !static_branch_unlikely(&sc_numa) || sc_in_local_span(obj) ||
	       sc_obj_local(obj);
}

/* Slab marks a slab from the memory reserves PG_active on its folio. */
static bool sc_folio_pfmemalloc(struct folio *folio)
{
	return folio_test_active(folio);
}

/* The object of a folio came from the reserves: count it while it is out. */
static void sc_pfmemalloc_out(struct sheaf_cache *sc, long n)
{
	if (n && sc->owned)
		atomic_long_add(n, &sc->free_check);
}

/* gfp_pfmemalloc_allowed(), which mm/ does not export. */
static bool sc_pfmemalloc_allowed(gfp_t gfp)
{
	if (gfp & __GFP_NOMEMALLOC)
		return false;
	if (gfp & __GFP_MEMALLOC)
		return true;
	if (in_nmi() || (in_interrupt() && !in_serving_softirq()))
		return false;
	if (current->flags & PF_MEMALLOC)
		return true;
	return !in_interrupt() && tsk_is_oom_victim(current);
}

/* ===== Sheaves and the base cache ===================================== */

/*
 * Flags for our own sheaf arrays: the caller's reclaim rules, quietly,
 * never charged to the caller's memcg (they are the cache's).
 */
static gfp_t sc_aux_gfp(gfp_t gfp)
{
	return (gfp & ~(__GFP_ZERO | __GFP_ACCOUNT)) | __GFP_NOWARN;
}

struct sheaf *sc_sheaf_alloc(struct sheaf_cache *sc, gfp_t gfp,
			     unsigned int capacity)
{
	struct sheaf *sheaf;
	size_t size = struct_size(sheaf, objects, capacity);

	gfp = sc_aux_gfp(gfp);
	sheaf = sc_fail_sheaf(size, gfp) ? NULL : kvmalloc(size, gfp);
	if (!sheaf) {
		sc_stat(sc, SC_SHEAF_ALLOC_FAIL);
		return NULL;
	}
	sheaf->cache = NULL;
	sheaf->size = 0;
	sheaf->capacity = capacity;
	sheaf->held = 0;
	sheaf->borrow = 0;
	sheaf->flush = 0;
	sc_stat(sc, SC_SHEAF_ALLOC);
	return sheaf;
}

/*
 * A sheaf the cache will hold, of the capacity it makes now, if the byte
 * budget allows it; NULL otherwise, which the callers take as a failed
 * allocation: the base then serves them.
 */
struct sheaf *sc_sheaf_new(struct sheaf_cache *sc, gfp_t gfp)
{
	struct sheaf *sheaf = sc_sheaf_alloc(sc, gfp,
					     READ_ONCE(sc->next_capacity));

	if (sheaf && !sc_hold(sc, sheaf)) {
		sc_sheaf_free(sc, sheaf);
		return NULL;
	}
	return sheaf;
}

/* After a grace period: debugfs readers may still look at its size. */
void sc_sheaf_free(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	sc_unhold(sc, sheaf);
	sc_stat(sc, SC_SHEAF_FREE);
	kvfree_rcu(sheaf, rcu);
}

/*
 * Bulk calls from the base, which 6.1's kmem_cache_alloc_bulk() only
 * allows with IRQs on; with IRQs off, one object at a time. All or
 * nothing, like kmem_cache_alloc_bulk().
 */
int sc_kmem_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p)
{
	size_t i;

	if (!irqs_disabled())
		return kmem_cache_alloc_bulk(s, gfp, n, p) ? 0 : -ENOMEM;

	for (i = 0; i < n; i++) {
		p[i] = kmem_cache_alloc(s, gfp);
		if (!p[i]) {
			while (i--)
				kmem_cache_free(s, p[i]);
			return -ENOMEM;
		}
	}
	return 0;
}

void sc_kmem_free_bulk(struct kmem_cache *s, size_t n, void **p)
{
	size_t i;

	if (!irqs_disabled()) {
		kmem_cache_free_bulk(s, n, p);
		return;
	}
	for (i = 0; i < n; i++)
		kmem_cache_free(s, p[i]);
}

/*
 * Flags to fill a sheaf with, as upstream's refill: the caller's, never
 * the memory reserves, quietly; objects from the base are clean (zeroed)
 * under init_on_alloc (core.h), and cached objects are never charged.
 */
gfp_t sc_fill_gfp(struct sheaf_cache *sc, gfp_t gfp)
{
	gfp = (gfp & ~(__GFP_ZERO | __GFP_ACCOUNT)) | __GFP_NOMEMALLOC |
	      __GFP_NOWARN;
	return sc->init_on_alloc ? gfp | __GFP_ZERO : gfp;
}

/*
 * Fill @sheaf to its capacity from the base with @gfp; all or nothing.
 * The objects are clean: @sheaf must hold no dirty one (struct sheaf).
 */
int sc_refill(struct sheaf_cache *sc, struct sheaf *sheaf, gfp_t gfp)
{
	unsigned int want = sheaf->capacity - sheaf->size;

	if (!want)
		return 0;
	if (sc_kmem_alloc_bulk(sc->base, gfp, want, &sheaf->objects[sheaf->size])) {
		sc_stat(sc, SC_REFILL_FAIL);
		return -ENOMEM;
	}
	sheaf->size += want;
	sc_stat_add(sc, SC_REFILL, want);
	trace_sheafcache_refill(sc, want);
	return 0;
}

/* Objects of @sheaf from pfmemalloc slabs, from index @from on. */
static long sc_count_pfmemalloc(struct sheaf *sheaf, unsigned int from)
{
	long n = 0;

	for (; from < sheaf->size; from++) {
		void *obj = sc_obj_ptr(sheaf->objects[from]);

		n += sc_folio_pfmemalloc(virt_to_folio(obj));
	}
	return n;
}

/*
 * Fill a sheaf a caller will take objects from, as upstream's prefill:
 * __GFP_NOFAIL passes through; without the reserves first, and with them
 * only where the caller may use them, marking the sheaf to be flushed on
 * return. An accounted fill charges the caller and is flushed likewise.
 */
int sc_fill_for_caller(struct sheaf_cache *sc, struct sheaf *sheaf, gfp_t gfp)
{
	unsigned int from = sheaf->size;
	gfp_t fill = sc_fill_gfp(sc, gfp);

	/* A bypass cache's objects are not charged: the base is not accounted. */
	if ((sc->accounted && !sc->bypass) || (gfp & __GFP_ACCOUNT)) {
		fill |= __GFP_ACCOUNT;
		sheaf->flush = 1;
	}
	if (!sc_refill(sc, sheaf, fill))
		return 0;
	if (!sc_pfmemalloc_allowed(gfp) || sc_refill(sc, sheaf, fill & ~__GFP_NOMEMALLOC))
		return -ENOMEM;
	sheaf->flush = 1;
	sc_pfmemalloc_out(sc, sc_count_pfmemalloc(sheaf, from));
	return 0;
}

/* ===== Poisoning ====================================================== */

/*
 * Whether the poison of @obj is intact; if not, reports the first byte
 * that differs, once: the object then goes back to the base, whose own
 * checks (slub_debug) see it, and is never seen here again.
 */
static noinline bool sc_poison_check(struct sheaf_cache *sc, void *obj)
{
	u8 *bad = memchr_inv(obj, SC_POISON_BYTE, sc->object_size);
	unsigned int off;

	if (likely(!bad))
		return true;
	off = bad - (u8 *)obj;
	WRITE_ONCE(sc->poison_offset, off);
	sc_stat(sc, SC_POISON_FAIL);
	pr_err("%s: object %p written after free: offset %u of %u holds %*ph\n",
	       sc->name, obj, off, sc->object_size,
	       (int)min(16U, sc->object_size - off), bad);
	return false;
}

/*
 * An untagged dirty object of a poison cache, checked before a caller
 * may take it, then zeroed by the rules a dirty object follows (core.h):
 * init_on_alloc, init_on_free (the poison wiped it instead), or
 * __GFP_ZERO. False when it was written to: the caller gives it to the
 * base, outside the per-CPU section.
 */
bool sc_poison_clean(struct sheaf_cache *sc, void *obj, gfp_t gfp)
{
	if (!sc_poison_check(sc, obj))
		return false;
	if (sc->init_on_alloc || sc->init_on_free ||
	    ((gfp & __GFP_ZERO) && sc->gfp_zero))
		sc_zero(sc, obj, false);
	return true;
}

/* The objects a flush, a drain or the shrinker give back, checked. */
static noinline void sc_poison_flush(struct sheaf_cache *sc,
				     struct sheaf *sheaf)
{
	unsigned int i;

	for (i = 0; i < sheaf->size; i++)
		if (sc_obj_dirty(sheaf->objects[i]))
			sc_poison_check(sc, sc_obj_ptr(sheaf->objects[i]));
}

/*
 * Give every object of @sheaf back to the base, untagged and not zeroed:
 * slab zeroes a dirty one on its next allocation (lazy zeroing, core.h).
 */
void sc_flush(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	unsigned int i;

	if (!sheaf->size)
		return;
	if (unlikely(sc->poison))
		sc_poison_flush(sc, sheaf);
	for (i = 0; i < sheaf->size; i++)
		sheaf->objects[i] = sc_obj_ptr(sheaf->objects[i]);
	if (unlikely(sheaf->flush))
		sc_pfmemalloc_out(sc, -sc_count_pfmemalloc(sheaf, 0));
	sc_kmem_free_bulk(sc->base, sheaf->size, sheaf->objects);
	sc_stat_add(sc, SC_FLUSH, sheaf->size);
	trace_sheafcache_flush(sc, sheaf->size);
	sheaf->size = 0;
	sheaf->flush = 0;
}

/* ===== Barns ========================================================== */

/* Unlink the first sheaf of the barn's full or empty list; NULL if none. */
static struct sheaf *barn_take(struct sc_barn *barn, bool full)
{
	struct list_head *list = full ? &barn->full : &barn->empty;
	struct sheaf *sheaf;

	lockdep_assert_held(&barn->lock);
	sheaf = list_first_entry_or_null(list, struct sheaf, barn_list);
	if (!sheaf)
		return NULL;
	list_del(&sheaf->barn_list);
	if (full) {
		barn->nr_full--;
		barn->full_objects -= sheaf->size;
		barn->low_full = min(barn->low_full, barn->nr_full);
	} else {
		barn->nr_empty--;
		barn->low_empty = min(barn->low_empty, barn->nr_empty);
	}
	return sheaf;
}

/*
 * Whether a barn keeps a sheaf of its capacity. Any CPU may take a sheaf
 * of any capacity (sc_cpu_fit()), so this only retires old ones: a full
 * sheaf smaller than the capacity now made is still of use until it is
 * emptied, and its empty shell is then freed; one larger than it goes
 * back to the base, as a shrinking cache wants.
 */
static bool sc_barn_keeps(struct sheaf_cache *sc, struct sheaf *sheaf,
			  bool full)
{
	unsigned int capacity = READ_ONCE(sc->next_capacity);

	return full ? sheaf->capacity <= capacity : sheaf->capacity == capacity;
}

/* Add @sheaf to the barn's full or empty list unless it holds @limit. */
static bool barn_add(struct sheaf_cache *sc, struct sc_barn *barn,
		     struct sheaf *sheaf, bool full, unsigned int limit)
{
	unsigned int *nr = full ? &barn->nr_full : &barn->nr_empty;

	lockdep_assert_held(&barn->lock);
	if (*nr >= limit || !sc_barn_keeps(sc, sheaf, full))
		return false;
	list_add(&sheaf->barn_list, full ? &barn->full : &barn->empty);
	(*nr)++;
	if (full)
		barn->full_objects += sheaf->size;
	return true;
}

struct sheaf *barn_get_empty(struct sc_barn *barn)
{
	struct sheaf *sheaf;
	unsigned long flags;

	if (!READ_ONCE(barn->nr_empty))
		return NULL;
	sc_barn_lock(barn, &flags);
	sheaf = barn_take(barn, false);
	spin_unlock_irqrestore(&barn->lock, flags);
	return sheaf;
}

/* Keep an empty sheaf in the barn, or free it when the barn has enough. */
void barn_put_empty(struct sheaf_cache *sc, struct sc_barn *barn,
		    struct sheaf *sheaf)
{
	unsigned long flags;
	bool kept;

	sc_barn_lock(barn, &flags);
	kept = barn_add(sc, barn, sheaf, false, READ_ONCE(sc->max_empty));
	spin_unlock_irqrestore(&barn->lock, flags);
	if (!kept)
		sc_sheaf_free(sc, sheaf);
}

/*
 * Store a full sheaf; false at the limit unless @force (lost races), and
 * for a sheaf of a retired capacity even then.
 */
bool barn_put_full(struct sheaf_cache *sc, struct sc_barn *barn,
		   struct sheaf *sheaf, bool force)
{
	unsigned long flags;
	bool ok;

	sc_barn_lock(barn, &flags);
	ok = barn_add(sc, barn, sheaf, true,
		      force ? UINT_MAX : READ_ONCE(sc->max_full));
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
	bool kept = false;

	if (!READ_ONCE(barn->nr_full))
		return NULL;
	sc_barn_lock(barn, &flags);
	full = barn_take(barn, true);
	if (full)
		kept = barn_add(sc, barn, empty, false, READ_ONCE(sc->max_empty));
	spin_unlock_irqrestore(&barn->lock, flags);
	if (full && !kept)
		sc_sheaf_free(sc, empty);
	return full;
}

/*
 * Move full sheaves from the barn to the empty list @chain, under one
 * hold of its lock, until they hold @want objects or the barn has none
 * left; the number of objects moved. The barn's list is cut, not taken
 * apart: a load or two per sheaf.
 */
unsigned int barn_take_full_chain(struct sc_barn *barn, struct list_head *chain,
				  unsigned int want)
{
	struct sheaf *sheaf, *last = NULL;
	unsigned int got = 0, n = 0;
	unsigned long flags;

	if (!READ_ONCE(barn->nr_full))
		return 0;
	sc_barn_lock(barn, &flags);
	list_for_each_entry(sheaf, &barn->full, barn_list) {
		got += sheaf->size;
		last = sheaf;
		n++;
		if (got >= want)
			break;
	}
	if (last) {
		list_cut_position(chain, &barn->full, &last->barn_list);
		barn->nr_full -= n;
		barn->full_objects -= got;
		barn->low_full = min(barn->low_full, barn->nr_full);
	}
	spin_unlock_irqrestore(&barn->lock, flags);
	return got;
}

/*
 * Put the full sheaves at the front of @chain back into the barn under
 * one hold of its lock, as many as its limit allows; the number put.
 * Those of a retired capacity, and those to be flushed, stay on @chain.
 */
unsigned int barn_put_full_chain(struct sheaf_cache *sc, struct sc_barn *barn,
				 struct list_head *chain)
{
	unsigned int n = 0, room, objects = 0;
	struct sheaf *sheaf, *last = NULL;
	unsigned long flags;
	LIST_HEAD(full);

	sc_barn_lock(barn, &flags);
	room = READ_ONCE(sc->max_full);
	room = room > barn->nr_full ? room - barn->nr_full : 0;
	list_for_each_entry(sheaf, chain, barn_list) {
		if (n == room || sheaf->size != sheaf->capacity ||
		    !sc_barn_keeps(sc, sheaf, true) || sheaf->flush)
			break;
		objects += sheaf->size;
		last = sheaf;
		n++;
	}
	if (last) {
		list_cut_position(&full, chain, &last->barn_list);
		list_splice(&full, &barn->full);
		barn->nr_full += n;
		barn->full_objects += objects;
	}
	spin_unlock_irqrestore(&barn->lock, flags);
	return n;
}

/* A full sheaf if there is one, else an empty one, else NULL. */
struct sheaf *barn_get_full_or_empty(struct sc_barn *barn)
{
	struct sheaf *sheaf;
	unsigned long flags;

	sc_barn_lock(barn, &flags);
	sheaf = barn_take(barn, true) ?: barn_take(barn, false);
	spin_unlock_irqrestore(&barn->lock, flags);
	return sheaf;
}

/*
 * Give back the barn's sheaves, full ones first, until about @nr objects
 * were flushed; empty sheaves are freed as they are met. Returns the
 * number of objects flushed.
 */
unsigned long sc_drain_barn(struct sheaf_cache *sc, struct sc_barn *barn,
			    unsigned long nr)
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

/* Calls that bypass the sheaves or need the node of the object checked. */
#define SC_GFP_SPECIAL	(__GFP_ACCOUNT | __GFP_THISNODE)

static noinline void *sc_alloc_base(struct sheaf_cache *sc, gfp_t gfp,
				    int node)
{
	void *obj;

	sc_stat(sc, SC_ALLOC_SLOW);
	if (!sc->gfp_zero)
		gfp &= ~__GFP_ZERO;
	obj = kmem_cache_alloc_node(sc->base, gfp, node);
	/* The one way a reserve object of an owned base gets out. */
	if (obj && sc->owned && sc_folio_pfmemalloc(virt_to_folio(obj)))
		sc_pfmemalloc_out(sc, 1);
	return obj;
}

/*
 * sc_obj_out() of a dirty object while some cache poisons: checked if
 * this one does. One written to goes back to the base, and the caller
 * gets a fresh object from the base instead, taken first so that it is
 * not the damaged one again: we are outside the per-CPU section here
 * (sc_pop_held() left it), so both may be done.
 */
noinline void *sc_poison_out(struct sheaf_cache *sc, void *obj, gfp_t gfp)
{
	void *fresh;

	if (!sc->poison) {
		sc_zero(sc, obj, false);
		return obj;
	}
	if (sc_poison_clean(sc, obj, gfp))
		return obj;
	fresh = sc_alloc_base(sc, gfp, NUMA_NO_NODE);
	kmem_cache_free(sc->base, obj);
	return fresh;
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
		sheaf = sc_sheaf_new(sc, gfp);
	if (!sheaf)
		return NULL;
	if (!sc_refill(sc, sheaf, sc_fill_gfp(sc, gfp) & ~__GFP_NOFAIL))
		return sheaf;
	barn_put_empty(sc, barn, sheaf);
	return NULL;
}

/* Give back a sheaf that no barn took: its objects and itself. */
void sc_sheaf_retire(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	sc_flush(sc, sheaf);
	sc_sheaf_free(sc, sheaf);
}

/*
 * Install a full sheaf filled outside the section. Meanwhile we may have
 * been migrated or raced, so put it where it fits; main is not empty on
 * return. A sheaf of any capacity may be main (sc_cpu_fit()).
 */
static struct sc_cpu *sc_install_full(struct sheaf_cache *sc,
				      struct sc_cpu *pcp, struct sheaf *full)
{
	struct sc_barn *barn = sc_local_barn(sc);

	if (!pcp->main->size) {
		barn_put_empty(sc, barn, pcp->main);
		pcp->main = full;
		sc_cpu_fit(sc, pcp);
	} else if (!pcp->spare) {
		pcp->spare = full;
	} else if (!pcp->spare->size) {
		barn_put_empty(sc, barn, pcp->spare);
		pcp->spare = full;
	} else if (!barn_put_full(sc, barn, full, true)) {
		/* Main has objects: flushed here, as sc_free_slow() may. */
		sc_sheaf_retire(sc, full);
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
		sc_cpu_fit(sc, pcp);
		sc_stat(sc, SC_SWAP);
		return pcp;
	}

	barn = sc_local_barn(sc);
	full = barn_replace_empty(sc, barn, pcp->main);
	if (full) {
		pcp->main = full;
		sc_cpu_fit(sc, pcp);
		sc_stat(sc, SC_BARN_GET);
		sc_tune_exchange(sc, false);
		return pcp;
	}
	sc_stat(sc, SC_BARN_GET_FAIL);
	trace_sheafcache_barn_get_fail(sc, numa_mem_id());
	sc_tune_exchange(sc, true);

	/* A batch from the base takes long: not with IRQs off. */
	if (irqs_disabled()) {
		sc_exit(pcp);
		return NULL;
	}
	/*
	 * An empty spare is the sheaf to fill. The section is left for it:
	 * the fill may sleep, and on PREEMPT_RT nothing in the section may.
	 */
	swap(empty, pcp->spare);
	sc_exit(pcp);

	full = sc_get_filled(sc, barn, empty, gfp);
	if (!full)
		return NULL;

	if (unlikely(!sc_enter(sc, &pcp))) {
		if (!barn_put_full(sc, barn, full, true))
			sc_sheaf_retire(sc, full);
		return NULL;
	}
	return sc_install_full(sc, pcp, full);
}

/*
 * Take main's top object and leave the section: how every allocation
 * served by the sheaves ends.
 */
static __always_inline void *sc_pop_held(struct sheaf_cache *sc,
					 struct sc_cpu *pcp, gfp_t gfp)
{
	struct sheaf *main = pcp->main;
	void *obj = main->objects[--main->size];

	sc_stat_cpu(pcp, SC_ALLOC_FAST);
	sc_exit(pcp);
	return sc_obj_out(sc, obj, gfp);
}

/*
 * Main is empty: get objects into it, then pop. Apart from
 * sheaf_cache_alloc(), which comes here last, so that an allocation main
 * can serve pays for none of this.
 */
static noinline void *sc_alloc_slow(struct sheaf_cache *sc,
				    struct sc_cpu *pcp, gfp_t gfp)
{
	if (unlikely(sc->accounted)) {
		/*
		 * A SLAB_ACCOUNT base (see sc_alloc_special()) or bypass:
		 * nothing is cached, so main is always empty and this is
		 * the one test either costs an allocation.
		 */
		sc_exit(pcp);
		sc_stat(sc, sc->bypass ? SC_BYPASS : SC_ACCOUNT_BYPASS);
		return sc_alloc_base(sc, gfp, NUMA_NO_NODE);
	}
	pcp = sc_replace_empty_main(sc, pcp, gfp);
	if (!pcp)
		return sc_alloc_base(sc, gfp, NUMA_NO_NODE);
	return sc_pop_held(sc, pcp, gfp);
}

/*
 * The top object of this CPU's main sheaf if it is of @node, as
 * upstream's alloc_from_pcs(): a refill or a migration between a free's
 * test and its push can bring a remote object, so the object is checked.
 */
static void *sc_alloc_local(struct sheaf_cache *sc, gfp_t gfp, int node)
{
	struct sc_cpu *pcp;
	struct sheaf *main;

	if (!sc_enter(sc, &pcp))
		return NULL;
	main = pcp->main;
	if (node == numa_mem_id() && main->size &&
	    sc_obj_nid(sc_obj_ptr(main->objects[main->size - 1])) == node)
		return sc_pop_held(sc, pcp, gfp);
	sc_exit(pcp);
	return NULL;
}

/*
 * Accounted calls go to the base, whose hooks charge the caller: a cached
 * object could not be charged to its next owner. Node-specific ones take
 * a local object or go to the base.
 */
static noinline void *sc_alloc_special(struct sheaf_cache *sc, gfp_t gfp,
				       int node)
{
	void *obj;

	if (sc->bypass) {
		sc_stat(sc, SC_BYPASS);
		return sc_alloc_base(sc, gfp, node);
	}
	if (gfp & __GFP_ACCOUNT) {
		sc_stat(sc, SC_ACCOUNT_BYPASS);
		/* Its free must look for the charge: sheaf_cache_free(). */
		if (!(atomic_long_read(&sc->free_check) & SC_CHECK_ACCOUNT))
			atomic_long_or(SC_CHECK_ACCOUNT, &sc->free_check);
		return sc_alloc_base(sc, gfp, node);
	}
	obj = sc_alloc_local(sc, gfp, node == NUMA_NO_NODE ? numa_mem_id() : node);
	if (obj)
		return obj;
	sc_stat(sc, SC_ALLOC_REMOTE);
	return sc_alloc_base(sc, gfp, node);
}

void *sheaf_cache_alloc(struct sheaf_cache *sc, gfp_t gfp)
{
	struct sc_cpu *pcp;

	if (WARN_ON_ONCE(!sc))
		return NULL;
	if (unlikely(gfp & SC_GFP_SPECIAL))
		return sc_alloc_special(sc, gfp, NUMA_NO_NODE);
	if (unlikely(!sc_enter(sc, &pcp)))
		return sc_alloc_base(sc, gfp, NUMA_NO_NODE);
	if (unlikely(!pcp->main->size))
		return sc_alloc_slow(sc, pcp, gfp);
	return sc_pop_held(sc, pcp, gfp);
}
EXPORT_SYMBOL_GPL(sheaf_cache_alloc);

void *sheaf_cache_alloc_node(struct sheaf_cache *sc, gfp_t gfp, int node)
{
	if (WARN_ON_ONCE(!sc))
		return NULL;
	if (node == NUMA_NO_NODE && !(gfp & SC_GFP_SPECIAL))
		return sheaf_cache_alloc(sc, gfp);
	return sc_alloc_special(sc, gfp, node);
}
EXPORT_SYMBOL_GPL(sheaf_cache_alloc_node);

/*
 * Take up to @n objects from this CPU's sheaves, as many as main holds
 * at a time, refilling main as sc_alloc_slow() does; how many it took.
 */
static size_t sc_alloc_bulk_sheaves(struct sheaf_cache *sc, gfp_t gfp,
				    size_t n, void **p)
{
	struct sc_cpu *pcp;
	struct sheaf *main;
	size_t done = 0, k;

	while (done < n && sc_enter(sc, &pcp)) {
		if (!pcp->main->size) {
			pcp = sc_replace_empty_main(sc, pcp, gfp);
			if (!pcp)
				break;
		}
		main = pcp->main;
		k = min_t(size_t, n - done, main->size);
		main->size -= k;
		memcpy(p + done, &main->objects[main->size], k * sizeof(*p));
		sc_exit(pcp);
		done += k;
	}
	sc_stat_add(sc, SC_ALLOC_FAST, done);
	return done;
}

/* The rest of a bulk allocation, from the base: all or nothing. */
static int sc_alloc_bulk_base(struct sheaf_cache *sc, gfp_t gfp, size_t n,
			      void **p)
{
	size_t i;

	if (!sc->gfp_zero)
		gfp &= ~__GFP_ZERO;
	if (sc_kmem_alloc_bulk(sc->base, gfp, n, p))
		return -ENOMEM;
	sc_stat_add(sc, SC_ALLOC_SLOW, n);
	/* As in sc_alloc_base(): count reserve objects of an owned base. */
	if (sc->owned)
		for (i = 0; i < n; i++)
			if (sc_folio_pfmemalloc(virt_to_folio(p[i])))
				sc_pfmemalloc_out(sc, 1);
	return 0;
}

/* Drop the NULLs of the first @n of @p; how many objects are left. */
static noinline size_t sc_bulk_compact(void **p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (p[i])
			p[k++] = p[i];
	return k;
}

int sheaf_cache_alloc_bulk(struct sheaf_cache *sc, gfp_t gfp, size_t size,
			   void **p)
{
	size_t done = 0, i;

	if (WARN_ON_ONCE(!sc) || !size)
		return 0;
	/* The base serves what sheaf_cache_alloc() would give it. */
	if (sc->bypass) {
		sc_stat_add(sc, SC_BYPASS, size);
	} else if ((gfp & __GFP_ACCOUNT) || sc->accounted) {
		if (gfp & __GFP_ACCOUNT)
			atomic_long_or(SC_CHECK_ACCOUNT, &sc->free_check);
		sc_stat_add(sc, SC_ACCOUNT_BYPASS, size);
	} else if (gfp & __GFP_THISNODE) {
		sc_stat_add(sc, SC_ALLOC_REMOTE, size);
	} else {
		done = sc_alloc_bulk_sheaves(sc, gfp, size, p);
	}
	for (i = 0; i < done; i++)
		p[i] = sc_obj_out(sc, p[i], gfp);
	/* A poisoned object written to was replaced, or not: fill the gap. */
	if (static_branch_unlikely(&sc_poison_on) && sc->poison)
		done = sc_bulk_compact(p, done);
	if (done < size && sc_alloc_bulk_base(sc, gfp, size - done, p + done)) {
		sheaf_cache_free_bulk(sc, done, p);
		return 0;
	}
	sc_stat_add(sc, SC_ALLOC_BULK, size);
	return size;
}
EXPORT_SYMBOL_GPL(sheaf_cache_alloc_bulk);

/* ===== Freeing ======================================================== */

/*
 * Whether @obj can be a slab object at all. Which cache it belongs to is
 * private to mm/; SLUB's own hardened checks catch that when it flushes.
 */
noinline bool sc_bad_object(struct sheaf_cache *sc, const void *obj)
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

/* Put @obj on main, which has room, and leave the section. */
static __always_inline void sc_push_held(struct sheaf_cache *sc,
					 struct sc_cpu *pcp, void *obj)
{
	struct sheaf *main = pcp->main;

	main->objects[main->size++] = sc_obj_tag(sc, obj);
	sc_stat_cpu(pcp, SC_FREE_FAST);
	sc_exit(pcp);
}

/*
 * Make room in a full main with @empty: main goes to the barn as a full
 * sheaf; or, when the capacity grew past main's, its objects move to the
 * larger @empty (in order: dirty ones stay on top) and the old sheaf is
 * freed, so that a growing cache flushes nothing.
 */
static bool sc_main_away(struct sheaf_cache *sc, struct sc_barn *barn,
			 struct sc_cpu *pcp, struct sheaf *empty)
{
	struct sheaf *main = pcp->main;

	if (main->capacity < empty->capacity) {
		memcpy(empty->objects, main->objects,
		       main->size * sizeof(void *));
		empty->size = main->size;
		main->size = 0;
		pcp->main = empty;
		sc_sheaf_free(sc, main);
		return true;
	}
	if (!barn_put_full(sc, barn, main, false))
		return false;
	pcp->main = empty;
	sc_stat(sc, SC_BARN_PUT);
	return true;
}

/*
 * A free that is more than a push: an object outside this CPU's local
 * span, whose page then tells its node, or a full main. Room is made in
 * main by swapping in a spare that has some; else main goes to the barn
 * for an empty sheaf (with no spare yet, it becomes the spare instead);
 * else, the barn at its limit, main's objects go back to the base in one
 * batch. Apart from the fast path, as sc_alloc_slow() is.
 */
static noinline void sc_free_slow(struct sheaf_cache *sc, struct sc_cpu *pcp,
				  void *obj)
{
	struct sc_barn *barn = sc_local_barn(sc);
	struct sheaf *spare = pcp->spare;
	struct sheaf *empty = NULL;

	if (unlikely(!sc_may_cache(obj))) {
		sc_exit(pcp);
		sc_stat(sc, SC_FREE_REMOTE);
		sc_free_base(sc, obj);
		return;
	}
	/* Adopt the cache's capacity, as every slow path does. */
	sc_cpu_fit(sc, pcp);
	if (pcp->main->size < pcp->capacity)
		goto push;
	if (spare && spare->size < spare->capacity &&
	    spare->size < READ_ONCE(sc->capacity)) {
		swap(pcp->main, pcp->spare);
		sc_stat(sc, SC_SWAP);
		goto fit;
	}
	/* With a spare, main can only go to the barn, below its limit. */
	if (!spare || READ_ONCE(barn->nr_full) < READ_ONCE(sc->max_full)) {
		empty = barn_get_empty(barn);
		if (!empty)
			empty = sc_sheaf_new(sc, GFP_NOWAIT);
	}
	if (empty && !spare) {
		pcp->spare = pcp->main;
		pcp->main = empty;
	} else if (empty && sc_main_away(sc, barn, pcp, empty)) {
		sc_tune_exchange(sc, false);
	} else {
		if (empty)
			barn_put_empty(sc, barn, empty);
		sc_stat(sc, SC_BARN_PUT_FAIL);
		trace_sheafcache_barn_put_fail(sc, numa_mem_id());
		/* A trip to the base, unless main is being retired. */
		if (sc_barn_keeps(sc, pcp->main, true))
			sc_tune_exchange(sc, true);
		/* A batch to the base takes long: not with IRQs off. */
		if (irqs_disabled()) {
			sc_exit(pcp);
			sc_free_base(sc, obj);
			return;
		}
		sc_flush(sc, pcp->main);
	}
fit:
	sc_cpu_fit(sc, pcp);
push:
	sc_push_held(sc, pcp, obj);
}

/*
 * Zero @obj (init_on_free) and put it into this CPU's sheaves, tagged
 * dirty under lazy zeroing (core.h), or give it to the base when the
 * section is taken. The node is tested inside
 * the section, where the CPU cannot change under the test; on a
 * single-node machine it is patched out. @checked: called by
 * sc_free_checked(). Only there is an object zeroed: sc_alloc() sends
 * every init_on_free cache there (SC_CHECK_ZERO), so that the common
 * free tests nothing for it and calls nothing before its push.
 */
static __always_inline void sc_free_push(struct sheaf_cache *sc, void *obj,
					 bool checked)
{
	struct sc_cpu *pcp;

	if (checked && sc->init_on_free && !sc->poison)
		sc_zero(sc, obj, false);
	if (unlikely(!sc_enter(sc, &pcp))) {
		sc_free_base(sc, obj);
		return;
	}
	if ((static_branch_unlikely(&sc_numa) && !sc_in_local_span(obj)) ||
	    unlikely(pcp->main->size >= pcp->capacity)) {
		sc_free_slow(sc, pcp, obj);
		return;
	}
	sc_push_held(sc, pcp, obj);
}

/*
 * Whether an object must go back to the base rather than into a sheaf,
 * by its folio: from the memory reserves (an owned base counted it on
 * the way out), charged to a memcg, or of a cache that caches nothing.
 */
bool sc_keep_out(struct sheaf_cache *sc, const void *obj)
{
	struct folio *folio = virt_to_folio(obj);

	if (unlikely(sc_folio_pfmemalloc(folio))) {
		sc_pfmemalloc_out(sc, -1);
		sc_stat(sc, SC_PFMEMALLOC);
		return true;
	}
	if (sc->accounted) {
		if (sc->bypass)
			sc_stat(sc, SC_BYPASS);
		return true;
	}
	return (atomic_long_read(&sc->free_check) & SC_CHECK_ACCOUNT) &&
	       sc_folio_has_objcgs(folio);
}

/*
 * Frees that look at the object before caching it: check_frees, a
 * wrapped base (any of its objects may come from the reserves),
 * pfmemalloc or accounted objects out; and those that zero it
 * (init_on_free), which need no look at the page for that.
 */
static noinline void sc_free_checked(struct sheaf_cache *sc, void *obj)
{
	if (static_branch_unlikely(&sc_check_frees) && sc_bad_object(sc, obj))
		return;
	if ((atomic_long_read(&sc->free_check) & ~SC_CHECK_ZERO) &&
	    sc_keep_out(sc, obj)) {
		sc_free_base(sc, obj);
		return;
	}
	/* Poisoned before the section; wasted if it goes to the base. */
	if (sc->poison)
		sc_poison(sc, obj);
	sc_free_push(sc, obj, true);
}

/*
 * The fast path tests one word for everything that needs the object's
 * page: objects from the reserves can only reach an owned base's callers
 * through sc_alloc_base() or a prefill allowed the reserves, both of which
 * count them in free_check, so while none is out no free needs the test.
 */
void sheaf_cache_free(struct sheaf_cache *sc, void *obj)
{
	if (unlikely(!obj))
		return;
	if (unlikely(!sc)) {
		sc_free_nocache(obj);
		return;
	}
	if (static_branch_unlikely(&sc_check_frees) ||
	    unlikely(atomic_long_read(&sc->free_check))) {
		sc_free_checked(sc, obj);
		return;
	}
	sc_free_push(sc, obj, false);
}
EXPORT_SYMBOL_GPL(sheaf_cache_free);

/*
 * Push as many of @p's objects as main has room for, in one section, by
 * the common free's rules (no page to look at; zeroed for init_on_free);
 * stops at the first object outside this CPU's span. How many it took.
 */
static size_t sc_free_bulk_push(struct sheaf_cache *sc, size_t size, void **p)
{
	struct sc_cpu *pcp;
	struct sheaf *main;
	size_t i = 0, pushed;

	if (!sc_enter(sc, &pcp))
		return 0;
	main = pcp->main;
	pushed = main->size;
	for (; i < size && main->size < pcp->capacity; i++) {
		if (unlikely(!p[i]))
			continue;
		if (static_branch_unlikely(&sc_numa) && !sc_in_local_span(p[i]))
			break;
		if (sc->init_on_free)
			sc_zero(sc, p[i], false);
		main->objects[main->size++] = sc_obj_tag(sc, p[i]);
	}
	pushed = main->size - pushed;
	sc_exit(pcp);
	sc_stat_add(sc, SC_FREE_FAST, pushed);
	return i;
}

void sheaf_cache_free_bulk(struct sheaf_cache *sc, size_t size, void **p)
{
	bool checked;
	size_t i = 0;

	if (!sc) {
		for (; i < size; i++)
			sheaf_cache_free(NULL, p[i]);
		return;
	}
	/* Zeroing alone does not need one free at a time. */
	checked = static_branch_unlikely(&sc_check_frees) ||
		  (atomic_long_read(&sc->free_check) & ~SC_CHECK_ZERO);
	while (i < size) {
		if (!checked)
			i += sc_free_bulk_push(sc, size - i, p + i);
		/* A full main, another node's object, or checks: one free. */
		if (i < size)
			sheaf_cache_free(sc, p[i++]);
	}
	sc_stat_add(sc, SC_FREE_BULK, size);
}
EXPORT_SYMBOL_GPL(sheaf_cache_free_bulk);

