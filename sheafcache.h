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

/* Longest cache name, without the terminating NUL. */
#define SHEAF_CACHE_NAME_MAX	31
/* Largest sheaf_capacity accepted by sheaf_cache_create(). */
#define SHEAF_CACHE_MAX_CAPACITY	1024
/* Largest barn limit accepted by sheaf_cache_create(). */
#define SHEAF_CACHE_MAX_BARN	1024

/*
 * Facts about the base cache the caller must declare: struct kmem_cache is
 * private to mm/, so a module cannot read a base's constructor or flags.
 */
/* The base has a constructor: objects are never zeroed. */
#define SHEAF_CACHE_BASE_CTOR		0x1U
/* The base is SLAB_TYPESAFE_BY_RCU: zeroed only for __GFP_ZERO. */
#define SHEAF_CACHE_BASE_TYPESAFE_RCU	0x2U
#define SHEAF_CACHE_BASE_FLAGS	(SHEAF_CACHE_BASE_CTOR | \
				 SHEAF_CACHE_BASE_TYPESAFE_RCU)

/**
 * struct sheaf_cache_args - optional parameters of sheaf_cache_create()
 * @sheaf_capacity: objects per sheaf; 0 chooses from the object size.
 * @max_full_sheaves: per-node barn limit of full sheaves; 0 means 10.
 * @max_empty_sheaves: per-node barn limit of empty sheaves; 0 means 10.
 * @base_flags: SHEAF_CACHE_BASE_* facts about the base cache.
 */
struct sheaf_cache_args {
	unsigned int sheaf_capacity;
	unsigned int max_full_sheaves;
	unsigned int max_empty_sheaves;
	unsigned int base_flags;
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
	SC_NR_STATS
};

/**
 * sheaf_cache_create() - put per-CPU sheaves in front of a kmem_cache
 * @name: name of the cache, shown in debugfs; at most
 *	SHEAF_CACHE_NAME_MAX characters
 * @base: the kmem_cache to cache objects of; stays owned by the caller and
 *	must outlive the sheaf_cache
 * @args: optional parameters, or NULL for the defaults
 *
 * Context: process context; may sleep.
 * Return: the new cache, or an ERR_PTR(): -EINVAL for a NULL, empty or
 * over-long @name, a NULL @base, or out-of-range @args; -EEXIST when @base
 * is already wrapped or @name is taken; -ENOMEM.
 */
struct sheaf_cache *sheaf_cache_create(const char *name,
				       struct kmem_cache *base,
				       const struct sheaf_cache_args *args);

/**
 * sheaf_cache_destroy() - give every cached object back and free the cache
 * @sc: the cache, or NULL (ignored)
 *
 * The caller must have stopped using @sc on every CPU. Afterwards the base
 * cache holds exactly the objects the caller still has. A prefilled sheaf
 * still out is a caller bug: it warns once, and the sheaf may still be
 * returned later, which gives its objects back to the base.
 *
 * Context: process context; may sleep.
 */
void sheaf_cache_destroy(struct sheaf_cache *sc);

/**
 * sheaf_cache_alloc() - allocate an object
 * @sc: the cache
 * @gfp: allocation flags, as for kmem_cache_alloc()
 *
 * Pops from this CPU's sheaf when it can, and otherwise refills from the
 * base cache or falls back to it. The object is zeroed for __GFP_ZERO, and
 * when init_on_alloc is on, following slab's own rules.
 *
 * Context: any context, as for kmem_cache_alloc() with @gfp.
 * Return: the object, or NULL when the base cache could not allocate one.
 */
void *sheaf_cache_alloc(struct sheaf_cache *sc, gfp_t gfp);

/**
 * sheaf_cache_free() - free an object
 * @sc: the cache the object came from
 * @obj: the object, or NULL (ignored)
 *
 * @obj must have been allocated from @sc (or from its base cache).
 *
 * Context: any context.
 */
void sheaf_cache_free(struct sheaf_cache *sc, void *obj);

/**
 * sheaf_cache_prefill_sheaf() - get a sheaf holding at least @size objects
 * @sc: the cache
 * @gfp: allocation flags for filling the sheaf
 * @size: number of objects wanted; above the cache's sheaf capacity an
 *	oversize sheaf is made for the purpose
 *
 * The objects of the sheaf can then be taken with
 * sheaf_cache_alloc_from_sheaf() where allocation could not otherwise be
 * guaranteed. Give the sheaf back with sheaf_cache_return_sheaf().
 *
 * Context: as for kmem_cache_alloc() with @gfp.
 * Return: the sheaf, or NULL when @size objects could not be had or @size
 * is 0.
 */
struct sheaf *sheaf_cache_prefill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
					unsigned int size);

/**
 * sheaf_cache_alloc_from_sheaf() - take an object from a prefilled sheaf
 * @sc: the cache the sheaf was prefilled from
 * @gfp: only __GFP_ZERO is looked at
 * @sheaf: the sheaf
 *
 * Never sleeps, takes no lock and never falls back to the base cache: it
 * succeeds exactly as many times as the sheaf holds objects.
 *
 * Context: any context, including IRQs off and spinlocks held.
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
 * Context: as for kmem_cache_alloc() with @gfp.
 * Return: 0 when *@sheafp holds at least @size objects (also when it did
 * already); -ENOMEM when they could not be had, with *@sheafp as it was;
 * -EINVAL for a NULL @sheafp or *@sheafp.
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
 * flushed to the base cache and freed (barn full, refill failed, oversize).
 * Returning a sheaf to another cache than it came from warns once and
 * returns it to its own cache.
 *
 * Context: as for kmem_cache_alloc() with @gfp.
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
 * Return: the sheaf capacity chosen at creation.
 */
unsigned int sheaf_cache_capacity(const struct sheaf_cache *sc);

#endif /* _SHEAFCACHE_H */
