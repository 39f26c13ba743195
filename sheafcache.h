/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sheafcache - per-CPU sheaves and per-node barns in front of a kmem_cache,
 * with a guaranteed-allocation API.
 *
 * A sheaf_cache wraps a kmem_cache the caller owns. Objects are cached in
 * per-CPU arrays ("sheaves") so that the common alloc/free pair touches
 * neither the slab allocator nor any lock. A caller that must allocate in a
 * section that cannot sleep or fail prefills a sheaf beforehand and takes
 * objects from it inside the section.
 */
#ifndef _SHEAFCACHE_H
#define _SHEAFCACHE_H

#include <linux/gfp.h>
#include <linux/types.h>

struct kmem_cache;
struct sheaf_cache;
struct sheaf;

/*
 * The API's version, for clients to test with #if: raised whenever a
 * function, flag or counter is added. 1: this header, with the bulk
 * calls, sheafcache_upstream.h and the sysfs statistics. 2: the tuned
 * capacity (SHEAF_CACHE_FIXED_CAPACITY, max_bytes), reservations of
 * linked sheaves, SHEAF_CACHE_POISON and SHEAF_CACHE_BYPASS, and their
 * counters. 3: SC_CAPACITY_CONTENDED and SC_CAPACITY_OVERSIZE.
 * Independent of the module's version (modinfo), which also counts fixes.
 */
#define SHEAF_CACHE_API_VERSION		3

/* Longest cache name, without the terminating NUL. */
#define SHEAF_CACHE_NAME_MAX	31
/*
 * Largest sheaf_capacity accepted at creation: a sheaf of 1020 objects
 * and its 32-byte header fill 8 KiB, an order-1 allocation, which the
 * free path may still make without sleeping.
 */
#define SHEAF_CACHE_MAX_CAPACITY	1020
/* Largest barn limit accepted at creation. */
#define SHEAF_CACHE_MAX_BARN	1024
/* Largest sheaf that sheaf_cache_prefill_sheaf() makes. */
#define SHEAF_CACHE_MAX_PREFILL	1048576

/*
 * Facts about the base cache, in struct sheaf_cache_args.base_flags.
 * sheaf_cache_create_with_base() knows them and rejects a contradiction;
 * a base wrapped with sheaf_cache_create() must declare them, since
 * struct kmem_cache is private to mm/ and a module cannot read them.
 * Every flag of the API is defined here.
 */
/* The base has a constructor: objects are never zeroed. */
#define SHEAF_CACHE_BASE_CTOR		0x1U
/* The base is SLAB_TYPESAFE_BY_RCU: zeroed only for __GFP_ZERO. */
#define SHEAF_CACHE_BASE_TYPESAFE_RCU	0x2U
/* The base is SLAB_ACCOUNT: every allocation bypasses the sheaves. */
#define SHEAF_CACHE_BASE_ACCOUNT	0x4U
/* The base is SLAB_POISON: zeroed only for __GFP_ZERO, as slab does. */
#define SHEAF_CACHE_BASE_POISON		0x8U
#define SHEAF_CACHE_BASE_FLAGS	(SHEAF_CACHE_BASE_CTOR | \
				 SHEAF_CACHE_BASE_TYPESAFE_RCU | \
				 SHEAF_CACHE_BASE_ACCOUNT | \
				 SHEAF_CACHE_BASE_POISON)

/*
 * Flags of the cache itself, in struct sheaf_cache_args.flags.
 * SHEAF_CACHE_RCU_HEAD: the objects hold a struct rcu_head at
 * sheaf_cache_args.rcu_head_offset, which sheaf_cache_free_rcu() may use
 * when it has nowhere else to record an object (as kfree_rcu(ptr, field)
 * does); offset 0 is valid, so the flag says the field is set.
 */
#define SHEAF_CACHE_RCU_HEAD		0x1U
/*
 * SHEAF_CACHE_FIXED_CAPACITY: keep sheaf_capacity (or the default) for
 * good; otherwise the capacity tunes itself between sheaf_capacity and a
 * page of pointers, within max_bytes (README, "Capacity that tunes
 * itself").
 */
#define SHEAF_CACHE_FIXED_CAPACITY	0x2U
/*
 * SHEAF_CACHE_POISON: objects in the sheaves are filled with a pattern,
 * checked before any caller can take them; a write after free is
 * reported and the object goes back to the base. Ignored for a base with
 * a constructor or SLAB_TYPESAFE_BY_RCU. The module parameter poison=1
 * sets it for every cache.
 */
#define SHEAF_CACHE_POISON		0x4U
/*
 * SHEAF_CACHE_BYPASS: every call goes straight to the base, so that
 * KASAN, kfence, kmemleak and slub_debug see each object. The module
 * parameter bypass=1 sets it for every cache.
 */
#define SHEAF_CACHE_BYPASS		0x8U
#define SHEAF_CACHE_FLAGS	(SHEAF_CACHE_RCU_HEAD | \
				 SHEAF_CACHE_FIXED_CAPACITY | \
				 SHEAF_CACHE_POISON | SHEAF_CACHE_BYPASS)

/**
 * struct sheaf_cache_args - optional parameters of sheaf_cache_create()
 * @sheaf_capacity: objects per sheaf; 0 chooses from the object size.
 *	Also the floor of a capacity that tunes itself: a reservation of
 *	this size always fits one sheaf.
 * @max_full_sheaves: per-node barn limit of full sheaves; 0 means 10, or
 *	30 for objects of 1 KiB up to a page on kernels whose caches have
 *	sheaves of their own (6.18 on).
 * @max_empty_sheaves: per-node barn limit of empty sheaves; 0 means 10.
 * @base_flags: SHEAF_CACHE_BASE_* facts about the base cache.
 * @flags: SHEAF_CACHE_* flags of the cache.
 * @rcu_head_offset: with SHEAF_CACHE_RCU_HEAD, the offset of a struct
 *	rcu_head in each object: pointer-aligned, the whole head inside the
 *	object.
 * @max_bytes: most bytes of objects the cache holds in its per-CPU
 *	sheaves and barns, prefilled sheaves out with callers not counted;
 *	0 for no cap beyond the limits above. Below two sheaves of the
 *	floor capacity per possible CPU it is -EINVAL.
 */
struct sheaf_cache_args {
	unsigned int sheaf_capacity;
	unsigned int max_full_sheaves;
	unsigned int max_empty_sheaves;
	unsigned int base_flags;
	unsigned int flags;
	unsigned int rcu_head_offset;
	unsigned long max_bytes;
};

/**
 * enum sheaf_cache_stat_item - event counters, summed over CPUs
 * @SC_ALLOC_FAST: sheaf_cache_alloc() served from a per-CPU sheaf
 * @SC_ALLOC_SLOW: sheaf_cache_alloc() served by the base cache
 * @SC_FREE_FAST: sheaf_cache_free() kept the object in a per-CPU sheaf
 * @SC_FREE_SLOW: sheaf_cache_free() gave the object to the base cache
 * @SC_REENTRANT: a call found its CPU's sheaves in use by the code it
 *	interrupted and went straight to the base cache
 * @SC_SWAP: main and spare sheaves exchanged
 * @SC_REFILL: objects put into sheaves from the base cache
 * @SC_REFILL_FAIL: bulk refills the base cache could not satisfy
 * @SC_FLUSH: objects flushed from sheaves to the base cache
 * @SC_SHEAF_ALLOC: sheaves allocated
 * @SC_SHEAF_FREE: sheaves freed
 * @SC_BARN_GET: full sheaf taken from the barn for an empty main
 * @SC_BARN_GET_FAIL: no full sheaf in the barn when one was wanted
 * @SC_BARN_PUT: full sheaf put into the barn for an empty one
 * @SC_BARN_PUT_FAIL: barn could not take a full sheaf
 * @SC_PREFILL_FAST: prefill started from the spare sheaf
 * @SC_PREFILL_SLOW: prefill started from the barn or a new sheaf
 * @SC_PREFILL_OVERSIZE: prefill above capacity made an oversize sheaf
 * @SC_PREFILL_FAIL: prefill or refill failed
 * @SC_RETURN_FAST: returned sheaf became the CPU's spare
 * @SC_RETURN_SLOW: returned sheaf went to the barn or was freed
 * @SC_CPU_DEAD: sheaves flushed for a CPU that went offline
 * @SC_SHRINK: objects given back under memory pressure or on request
 * @SC_SHEAF_ALLOC_FAIL: sheaves that could not be allocated
 * @SC_FREE_REMOTE: frees of another node's object, given to the base
 * @SC_ALLOC_REMOTE: node-specific allocations the sheaves could not serve
 * @SC_ACCOUNT_BYPASS: accounted allocations and prefills, served by the
 *	base so that memcg charges the task that gets the objects
 * @SC_PFMEMALLOC: objects from the memory reserves given back to the base
 *	instead of being cached
 * @SC_ALLOC_BULK: objects sheaf_cache_alloc_bulk() handed out, also
 *	counted in @SC_ALLOC_FAST (from the sheaves) or @SC_ALLOC_SLOW
 * @SC_FREE_BULK: objects sheaf_cache_free_bulk() took back, also counted
 *	as frees
 * @SC_FREE_RCU: objects freed with sheaf_cache_free_rcu()
 * @SC_RCU_SHEAF: RCU sheaves sent through call_rcu()
 * @SC_RCU_SHEAF_PARTIAL: of those, sent partly filled: by the timeout,
 *	sheaf_cache_rcu_barrier(), CPU hotplug, the shrinker or destruction
 * @SC_RCU_SHEAF_BARN: RCU sheaves that joined the barn as full sheaves
 *	after their grace period
 * @SC_RCU_SHEAF_FLUSH: objects of RCU sheaves given back to the base
 *	after their grace period (partly filled sheaves, a full barn, or
 *	objects that must not be cached)
 * @SC_FREE_RCU_FALLBACK: sheaf_cache_free_rcu() calls that found no RCU
 *	sheaf and used the object's rcu_head or waited for a grace period
 * @SC_CAPACITY_GROW: capacity raised, for any reason: most sheaf
 *	exchanges went past the barn to the base, or the two below
 * @SC_CAPACITY_SHRINK: capacity lowered back to the floor: the cache was
 *	idle for a trim interval
 * @SC_CAPACITY_PRESSURE: capacity halved under memory pressure
 * @SC_TRIM: objects the working-set trim gave back to the base
 * @SC_BUDGET_DENY: sheaves not made or not kept for the byte budget
 * @SC_POISON_FAIL: poisoned objects found written to after their free,
 *	reported and given back to the base
 * @SC_BYPASS: calls that SHEAF_CACHE_BYPASS sent straight to the base
 * @SC_SHEAF_OVERDUE: prefilled sheaves warned about for being out longer
 *	than the sheaf_overdue module parameter allows
 * @SC_CAPACITY_CONTENDED: of @SC_CAPACITY_GROW, raises because the CPUs
 *	contended for a barn's lock
 * @SC_CAPACITY_OVERSIZE: of @SC_CAPACITY_GROW, raises because
 *	reservations kept being above the capacity
 * @SC_NR_STATS: number of counters
 */
enum sheaf_cache_stat_item {
	SC_ALLOC_FAST,
	SC_ALLOC_SLOW,
	SC_FREE_FAST,
	SC_FREE_SLOW,
	SC_REENTRANT,
	SC_SWAP,
	SC_REFILL,
	SC_REFILL_FAIL,
	SC_FLUSH,
	SC_SHEAF_ALLOC,
	SC_SHEAF_FREE,
	SC_BARN_GET,
	SC_BARN_GET_FAIL,
	SC_BARN_PUT,
	SC_BARN_PUT_FAIL,
	SC_PREFILL_FAST,
	SC_PREFILL_SLOW,
	SC_PREFILL_OVERSIZE,
	SC_PREFILL_FAIL,
	SC_RETURN_FAST,
	SC_RETURN_SLOW,
	SC_CPU_DEAD,
	SC_SHRINK,
	SC_SHEAF_ALLOC_FAIL,
	SC_FREE_REMOTE,
	SC_ALLOC_REMOTE,
	SC_ACCOUNT_BYPASS,
	SC_PFMEMALLOC,
	SC_ALLOC_BULK,
	SC_FREE_BULK,
	SC_FREE_RCU,
	SC_RCU_SHEAF,
	SC_RCU_SHEAF_PARTIAL,
	SC_RCU_SHEAF_BARN,
	SC_RCU_SHEAF_FLUSH,
	SC_FREE_RCU_FALLBACK,
	SC_CAPACITY_GROW,
	SC_CAPACITY_SHRINK,
	SC_CAPACITY_PRESSURE,
	SC_TRIM,
	SC_BUDGET_DENY,
	SC_POISON_FAIL,
	SC_BYPASS,
	SC_SHEAF_OVERDUE,
	SC_CAPACITY_CONTENDED,
	SC_CAPACITY_OVERSIZE,
	SC_NR_STATS
};

/**
 * sheaf_cache_create_with_base() - a kmem_cache and per-CPU sheaves over it
 * @name: name of the cache and of its base (/sys/kernel/slab/@name); at
 *	most SHEAF_CACHE_NAME_MAX characters, not "." or "..", no '/'
 * @object_size: size of the objects
 * @align: alignment, as for kmem_cache_create()
 * @flags: SLAB_HWCACHE_ALIGN, SLAB_ACCOUNT, SLAB_TYPESAFE_BY_RCU,
 *	SLAB_RECLAIM_ACCOUNT and slab's debug flags
 * @ctor: constructor of the objects, or NULL
 * @args: optional parameters, or NULL for the defaults. Its @base_flags
 *	may be 0: the facts are known from @flags and @ctor; if given, they
 *	must be exactly those facts.
 *
 * The base is unmergeable and belongs to the sheaf_cache:
 * sheaf_cache_destroy() destroys it. This is the way to make a cache: it
 * knows the base's constructor and flags instead of trusting a
 * declaration. Objects freed to the cache must have been allocated from
 * it, not from sheaf_cache_base() directly.
 *
 * Context: process context; may sleep.
 * Return: the new cache, or an ERR_PTR(): -EINVAL for a bad @name, a zero
 * @object_size, @flags outside those above, base_flags that contradict
 * @flags and @ctor, or out-of-range @args; -EEXIST when @name is taken;
 * -ENOMEM.
 */
struct sheaf_cache *
sheaf_cache_create_with_base(const char *name, unsigned int object_size,
			     unsigned int align, slab_flags_t flags,
			     void (*ctor)(void *),
			     const struct sheaf_cache_args *args);

/**
 * sheaf_cache_create() - put per-CPU sheaves in front of an existing cache
 * @name: name of the cache, shown in debugfs; at most
 *	SHEAF_CACHE_NAME_MAX characters, not "." or "..", no '/'
 * @base: the kmem_cache to cache objects of; stays owned by the caller and
 *	must outlive the sheaf_cache
 * @args: optional parameters, or NULL for the defaults; @args->base_flags
 *	must declare the base's constructor and flags (SHEAF_CACHE_BASE_*)
 *
 * Prefer sheaf_cache_create_with_base(). A wrapped base's objects may also
 * come from kmem_cache_alloc() on it, so every free checks them (pfmemalloc,
 * node) on the page, which costs more than an owned base's free.
 *
 * Context: process context; may sleep.
 * Return: the new cache, or an ERR_PTR(): -EINVAL for a bad @name, a NULL
 * @base, or out-of-range @args; -EEXIST when @base is already wrapped or
 * @name is taken; -ENOMEM.
 */
struct sheaf_cache *sheaf_cache_create(const char *name,
				       struct kmem_cache *base,
				       const struct sheaf_cache_args *args);

/**
 * sheaf_cache_destroy() - give every cached object back and free the cache
 * @sc: the cache, or NULL (ignored)
 *
 * The caller must have stopped using @sc on every CPU. Afterwards the base
 * cache holds exactly the objects the caller still has; a base made by
 * sheaf_cache_create_with_base() is destroyed. A prefilled sheaf still out
 * is a caller bug: it warns once, the sheaf may still be returned later,
 * which gives its objects back to the base, and refilling it fails with
 * -EINVAL; an owned base then lives until the module is unloaded.
 *
 * Context: process context; may sleep.
 */
void sheaf_cache_destroy(struct sheaf_cache *sc);

/**
 * sheaf_cache_alloc() - allocate an object
 * @sc: the cache
 * @gfp: allocation flags, as for kmem_cache_alloc()
 *
 * Pops from this CPU's sheaf when it can, and otherwise refills a sheaf
 * from the base cache (never from the memory reserves) or falls back to
 * one object from it with @gfp. The object is zeroed for __GFP_ZERO, and
 * when init_on_alloc is on, following slab's own rules. __GFP_ACCOUNT
 * allocations, and all of a SLAB_ACCOUNT base's, come from the base, so
 * that memcg charges the caller. __GFP_THISNODE is honoured: the object is
 * from this CPU's memory node.
 *
 * Context: as for kmem_cache_alloc() with @gfp; not from NMI. On
 * PREEMPT_RT not from hard IRQ context or with IRQs disabled (slab's own
 * rule there); use sheaf_cache_alloc_from_sheaf() in such a section.
 * Return: the object, or NULL when the base cache could not allocate one.
 */
void *sheaf_cache_alloc(struct sheaf_cache *sc, gfp_t gfp);

/**
 * sheaf_cache_alloc_node() - allocate an object on a given node
 * @sc: the cache
 * @gfp: allocation flags, as for kmem_cache_alloc_node()
 * @node: the node, or NUMA_NO_NODE for any (then as sheaf_cache_alloc())
 *
 * Served from this CPU's sheaf only when @node is this CPU's memory node
 * and the object on top of the sheaf is from @node; otherwise by
 * kmem_cache_alloc_node() on the base, which treats @node as a preference
 * unless @gfp has __GFP_THISNODE.
 *
 * Context: as for sheaf_cache_alloc().
 * Return: the object, or NULL when the base cache could not allocate one.
 */
void *sheaf_cache_alloc_node(struct sheaf_cache *sc, gfp_t gfp, int node);

/**
 * sheaf_cache_alloc_bulk() - allocate several objects, all or none
 * @sc: the cache
 * @gfp: allocation flags, as for kmem_cache_alloc_bulk()
 * @size: how many objects; any number, far above the capacity too
 * @p: where to put them
 *
 * As kmem_cache_alloc_bulk(): served from this CPU's sheaves as far as
 * they and the barn go, with one bulk call to the base for the rest, and
 * by the same rules as sheaf_cache_alloc() (zeroing, memory reserves,
 * accounted and node-specific calls, which the base serves).
 *
 * Context: as for sheaf_cache_alloc().
 * Return: @size, or 0 when the base could not allocate the rest; then
 * none of the objects is the caller's.
 */
int sheaf_cache_alloc_bulk(struct sheaf_cache *sc, gfp_t gfp, size_t size,
			   void **p);

/**
 * sheaf_cache_free_bulk() - free several objects
 * @sc: the cache
 * @size: how many objects
 * @p: the objects, each from @sc
 *
 * As @size calls of sheaf_cache_free(), by its rules, in one call.
 *
 * Context: as for sheaf_cache_free().
 */
void sheaf_cache_free_bulk(struct sheaf_cache *sc, size_t size, void **p);

/**
 * sheaf_cache_free() - free an object
 * @sc: the cache the object came from
 * @obj: the object, or NULL (ignored)
 *
 * @obj must have been allocated from @sc, or, for a base wrapped with
 * sheaf_cache_create(), from the base. Objects of another node than this
 * CPU's memory node, from the memory reserves (pfmemalloc) or charged to a
 * memcg go back to the base; the others are kept in this CPU's sheaf.
 *
 * Context: any context in which kmem_cache_free() may be called, but not
 * NMI. On PREEMPT_RT not from hard IRQ context or with IRQs disabled.
 */
void sheaf_cache_free(struct sheaf_cache *sc, void *obj);

/**
 * sheaf_cache_free_rcu() - free an object after a grace period
 * @sc: the cache the object came from
 * @obj: the object, or NULL (ignored)
 *
 * As kfree_rcu(): @obj is freed once every RCU reader that may hold it
 * has left its read-side critical section, and never lost. Frees are
 * batched into a per-CPU RCU sheaf; a full one goes through one
 * call_rcu(), and after the grace period joins the barn as a full sheaf,
 * reused without touching slab. A partly filled one is sent within about
 * a second. Zeroing (init_on_alloc, init_on_free) happens after the grace
 * period, never at this call: readers may still look at the object.
 * Objects that sheaf_cache_free() would give to the base (another node's,
 * pfmemalloc, accounted) go to the base after the grace period.
 *
 * When no RCU sheaf can be had, there is nowhere to record @obj, and the
 * fallback decides the context, as for kvfree_rcu(): a cache created with
 * SHEAF_CACHE_RCU_HEAD queues the object by its rcu_head, so that this may
 * be called wherever sheaf_cache_free() may; a cache without one waits
 * for a grace period and frees, so that this may sleep on such a cache,
 * and calls might_sleep() every time.
 *
 * On PREEMPT_RT the RCU sheaves are used too (upstream's kfree_rcu()
 * bypasses its own there, since it may be called under a raw spinlock,
 * which sheafcache's calls never may be), with sheaf_cache_free()'s rules.
 *
 * Context: with SHEAF_CACHE_RCU_HEAD, as for sheaf_cache_free(); without,
 * process context, may sleep.
 */
void sheaf_cache_free_rcu(struct sheaf_cache *sc, void *obj);

/**
 * sheaf_cache_rcu_barrier() - wait for every sheaf_cache_free_rcu() so far
 * @sc: the cache
 *
 * Sends the partly filled RCU sheaves of every CPU and waits until every
 * object freed with sheaf_cache_free_rcu() before the call is back in the
 * cache or its base, as rcu_barrier() does for call_rcu().
 * sheaf_cache_destroy() does this itself.
 *
 * Context: process context; sleeps.
 */
void sheaf_cache_rcu_barrier(struct sheaf_cache *sc);

/**
 * sheaf_cache_prefill_sheaf() - get a sheaf holding at least @size objects
 * @sc: the cache
 * @gfp: allocation flags for filling the sheaf
 * @size: number of objects wanted; above the cache's sheaf capacity the
 *	sheaf is the first of several the cache holds, linked (its spare,
 *	its barn's full sheaves), with the base filling what they lack
 *
 * The objects of the sheaf can then be taken with
 * sheaf_cache_alloc_from_sheaf() where allocation could not otherwise be
 * guaranteed. Give the sheaf back with sheaf_cache_return_sheaf(). The
 * objects may be of any node (mostly this CPU's: sheaves hold local
 * objects, and slab fills them locally when it can).
 *
 * As upstream's kmem_cache_prefill_sheaf(): with __GFP_NOFAIL it does not
 * fail. It does not use the memory reserves unless the caller may
 * (__GFP_MEMALLOC, PF_MEMALLOC) and there is no other way; such a sheaf's
 * objects are given back to the base on return, never cached. With
 * __GFP_ACCOUNT, or for a SLAB_ACCOUNT base, the objects are charged to
 * the caller and given back to the base on return.
 *
 * Context: as for kmem_cache_alloc() with @gfp.
 * Return: the sheaf, or NULL when @size objects could not be had, or
 * @size is 0 or above SHEAF_CACHE_MAX_PREFILL.
 */
struct sheaf *sheaf_cache_prefill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
					unsigned int size);

/**
 * sheaf_cache_alloc_from_sheaf() - take an object from a prefilled sheaf
 * @sc: the cache the sheaf was prefilled from; unused, the sheaf knows
 * @gfp: only __GFP_ZERO is looked at
 * @sheaf: the sheaf
 *
 * Never sleeps, takes no lock and never falls back to the base cache: it
 * succeeds exactly as many times as the sheaf holds objects.
 *
 * Context: any context, including IRQs off, spinlocks held, hard IRQ and
 * NMI, on PREEMPT_RT too, wherever the caller holds the sheaf.
 * Return: an object, or NULL once the sheaf is empty.
 */
void *sheaf_cache_alloc_from_sheaf(struct sheaf_cache *sc, gfp_t gfp,
				   struct sheaf *sheaf);

/**
 * sheaf_cache_refill_sheaf() - make a prefilled sheaf hold at least @size
 * @sc: the cache
 * @gfp: allocation flags for filling the sheaf
 * @sheafp: the sheaf; may be replaced by a larger one
 * @size: number of objects wanted
 *
 * @gfp is treated as by sheaf_cache_prefill_sheaf(): with __GFP_NOFAIL it
 * does not fail.
 *
 * Context: as for kmem_cache_alloc() with @gfp.
 * Return: 0 when *@sheafp holds at least @size objects (also when it did
 * already); -ENOMEM when they could not be had, with *@sheafp as it was;
 * -EINVAL for a NULL @sheafp or *@sheafp, a sheaf of another cache, or a
 * cache already destroyed.
 */
int sheaf_cache_refill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
			     struct sheaf **sheafp, unsigned int size);

/**
 * sheaf_cache_return_sheaf() - give back a prefilled sheaf
 * @sc: the cache the sheaf was prefilled from
 * @gfp: allocation flags for refilling the sheaf into the barn
 * @sheaf: the sheaf, or NULL (ignored)
 *
 * The sheaf becomes this CPU's spare, or is refilled into the barn, or is
 * flushed to the base cache and freed (barn full, refill failed). The
 * sheaves linked to it for a reservation above the capacity go back to
 * the barn, full ones as they are; the objects taken from them are
 * replaced from those left.
 * Returning a sheaf to another cache than it came from warns once and
 * returns it to its own cache.
 *
 * Context: as for kmem_cache_alloc() with @gfp; not from NMI.
 */
void sheaf_cache_return_sheaf(struct sheaf_cache *sc, gfp_t gfp,
			      struct sheaf *sheaf);

/**
 * sheaf_cache_sheaf_size() - number of objects a prefilled sheaf holds
 * @sheaf: the sheaf
 *
 * Context: any context.
 * Return: the number of objects sheaf_cache_alloc_from_sheaf() will hand out.
 */
unsigned int sheaf_cache_sheaf_size(const struct sheaf *sheaf);

/**
 * sheaf_cache_shrink() - give every cached object back to the base cache
 * @sc: the cache
 *
 * Flushes every CPU's sheaves and the barns. The cache stays usable.
 *
 * Context: process context; may sleep.
 * Return: the number of objects given back.
 */
unsigned long sheaf_cache_shrink(struct sheaf_cache *sc);

/**
 * sheaf_cache_stat() - read an event counter
 * @sc: the cache
 * @item: the counter
 *
 * Sums the per-CPU counters. Exact while no other CPU uses the cache.
 *
 * Context: any context.
 * Return: the counter's value, or 0 for an unknown @item.
 */
u64 sheaf_cache_stat(struct sheaf_cache *sc, enum sheaf_cache_stat_item item);

/**
 * sheaf_cache_cached_objects() - objects held in sheaves and barns
 * @sc: the cache
 *
 * Prefilled sheaves that are out are not counted.
 *
 * Context: any context.
 * Return: the number of objects the cache holds for reuse; exact while no
 * other CPU uses the cache.
 */
unsigned long sheaf_cache_cached_objects(struct sheaf_cache *sc);

/**
 * sheaf_cache_capacity() - objects per regular sheaf
 * @sc: the cache
 *
 * Context: any context.
 * Return: the capacity sheaves are made with now: the one chosen at
 * creation, as it tuned itself since (unless SHEAF_CACHE_FIXED_CAPACITY),
 * or the one root set in /sys/kernel/sheafcache/<name>/capacity; never
 * below the sheaf_capacity asked for at creation.
 */
unsigned int sheaf_cache_capacity(const struct sheaf_cache *sc);

/**
 * sheaf_cache_base() - the kmem_cache behind a sheaf_cache
 * @sc: the cache
 *
 * For sheaf_cache_create_with_base() caches, the base it made, e.g. for
 * kmem_cache_size(); its objects are still to be allocated through @sc.
 *
 * Context: any context.
 * Return: the base cache, or NULL for a NULL @sc.
 */
struct kmem_cache *sheaf_cache_base(const struct sheaf_cache *sc);

#endif /* _SHEAFCACHE_H */
