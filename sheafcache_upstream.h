/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Upstream's sheaf API by its own names, for modules, on every kernel.
 *
 * From 6.18 the kernel has kmem_cache_prefill_sheaf() and friends, but
 * exports none of them; before, they do not exist. Include this header
 * instead of calling them directly and the same code builds and links on
 * 6.1, 6.12 and 7.3: each name maps to sheafcache's export of the same
 * signature. A struct kmem_cache made by sheaf_cache_create_with_base(),
 * or wrapped by sheaf_cache_create(), is served by its sheaf cache; any
 * other cache by the slab allocator, as upstream serves a cache without
 * sheaves: a prefill still works, with the objects from the cache.
 *
 * Where upstream differs: alloc_from_sheaf() charges no memcg (a module
 * cannot), and runs no kfence or KASAN allocation hook; the object is
 * zeroed for __GFP_ZERO and init_on_alloc as sheafcache zeroes. The
 * mapping costs a hash lookup per prefill (under RCU) and a test of the
 * handle per alloc_from_sheaf().
 */
#ifndef _SHEAFCACHE_UPSTREAM_H
#define _SHEAFCACHE_UPSTREAM_H

#include <linux/slab.h>

#include "sheafcache.h"

struct slab_sheaf;

/**
 * sheafcache_kmem_cache_prefill_sheaf() - kmem_cache_prefill_sheaf()
 * @s: the cache
 * @gfp: allocation flags
 * @size: objects the sheaf must hold
 *
 * sheaf_cache_prefill_sheaf() on @s's sheaf cache; for a cache without
 * one, a sheaf of @size objects from kmem_cache_alloc_bulk().
 *
 * Context: as for kmem_cache_alloc() with @gfp.
 * Return: the sheaf, or NULL.
 */
struct slab_sheaf *
sheafcache_kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
				    unsigned int size);

/**
 * sheafcache_kmem_cache_refill_sheaf() - kmem_cache_refill_sheaf()
 * @s: the cache
 * @gfp: allocation flags
 * @sheafp: the sheaf, which may be replaced by a larger one
 * @size: objects it must hold
 *
 * Context: as for kmem_cache_alloc() with @gfp.
 * Return: 0, or -ENOMEM with *@sheafp as it was, or -EINVAL.
 */
int sheafcache_kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
				       struct slab_sheaf **sheafp,
				       unsigned int size);

/**
 * sheafcache_kmem_cache_return_sheaf() - kmem_cache_return_sheaf()
 * @s: the cache
 * @gfp: allocation flags, for refilling it into the barn
 * @sheaf: the sheaf
 *
 * Context: as for kmem_cache_alloc() with @gfp; not from NMI.
 */
void sheafcache_kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp,
					struct slab_sheaf *sheaf);

/**
 * sheafcache_kmem_cache_alloc_from_sheaf() - kmem_cache_alloc_from_sheaf()
 * @s: the cache
 * @gfp: only __GFP_ZERO is looked at
 * @sheaf: the sheaf
 *
 * Context: any context, wherever the caller holds the sheaf.
 * Return: an object, or NULL once the sheaf is empty.
 */
void *sheafcache_kmem_cache_alloc_from_sheaf(struct kmem_cache *s, gfp_t gfp,
					     struct slab_sheaf *sheaf);

/**
 * sheafcache_kmem_cache_sheaf_size() - kmem_cache_sheaf_size()
 * @sheaf: the sheaf
 *
 * Context: any context.
 * Return: the objects it holds.
 */
unsigned int sheafcache_kmem_cache_sheaf_size(struct slab_sheaf *sheaf);

/* 7.3's slab.h declares these names; from here on they are ours. */
#undef kmem_cache_prefill_sheaf
#undef kmem_cache_refill_sheaf
#undef kmem_cache_return_sheaf
#undef kmem_cache_alloc_from_sheaf
#undef kmem_cache_sheaf_size
#define kmem_cache_prefill_sheaf	sheafcache_kmem_cache_prefill_sheaf
#define kmem_cache_refill_sheaf		sheafcache_kmem_cache_refill_sheaf
#define kmem_cache_return_sheaf		sheafcache_kmem_cache_return_sheaf
#define kmem_cache_alloc_from_sheaf	sheafcache_kmem_cache_alloc_from_sheaf
#define kmem_cache_sheaf_size		sheafcache_kmem_cache_sheaf_size

#endif /* _SHEAFCACHE_UPSTREAM_H */
