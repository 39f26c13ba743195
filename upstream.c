// SPDX-License-Identifier: GPL-2.0
/*
 * Upstream's sheaf API (kmem_cache_prefill_sheaf() and friends) for
 * modules, by the names sheafcache_upstream.h maps them to.
 *
 * A cache sheafcache serves hands out its own sheaves. Any other cache
 * gets a sheaf of objects from kmem_cache_alloc_bulk(), as upstream does
 * for a cache without sheaves. The handle tells the two apart by its low
 * bit, so that alloc_from_sheaf() needs no lookup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"
#include "sheafcache_upstream.h"

/* A sheaf of a cache that sheafcache does not serve. */
struct sc_base_sheaf {
	unsigned int size;
	unsigned int capacity;
	void *objects[];
};

#define SC_BASE_SHEAF	1UL

static struct slab_sheaf *sc_handle(struct sheaf *sheaf)
{
	return (struct slab_sheaf *)sheaf;
}

static bool sc_is_base_sheaf(struct slab_sheaf *h)
{
	return (unsigned long)h & SC_BASE_SHEAF;
}

static struct sc_base_sheaf *sc_base_sheaf(struct slab_sheaf *h)
{
	return (struct sc_base_sheaf *)((unsigned long)h & ~SC_BASE_SHEAF);
}

static struct slab_sheaf *sc_base_handle(struct sc_base_sheaf *bs)
{
	return (struct slab_sheaf *)((unsigned long)bs | SC_BASE_SHEAF);
}

/* A base sheaf of @capacity holding @from's objects, if given. */
static struct sc_base_sheaf *sc_base_sheaf_alloc(struct kmem_cache *s,
						 gfp_t gfp,
						 unsigned int capacity,
						 struct sc_base_sheaf *from)
{
	unsigned int have = from ? from->size : 0;
	struct sc_base_sheaf *bs;

	bs = kmalloc(struct_size(bs, objects, capacity),
		     gfp & ~(__GFP_ZERO | __GFP_ACCOUNT));
	if (!bs)
		return NULL;
	bs->capacity = capacity;
	bs->size = have;
	if (have)
		memcpy(bs->objects, from->objects, have * sizeof(void *));
	if (capacity > have &&
	    sc_kmem_alloc_bulk(s, gfp, capacity - have, &bs->objects[have])) {
		kfree(bs);
		return NULL;
	}
	bs->size = capacity;
	return bs;
}

struct slab_sheaf *
sheafcache_kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
				    unsigned int size)
{
	struct sheaf_cache *sc = sc_find_base(s);
	struct sc_base_sheaf *bs;

	if (sc)
		return sc_handle(sheaf_cache_prefill_sheaf(sc, gfp, size));
	if (!size || size > SHEAF_CACHE_MAX_PREFILL)
		return NULL;
	bs = sc_base_sheaf_alloc(s, gfp, size, NULL);
	return bs ? sc_base_handle(bs) : NULL;
}
EXPORT_SYMBOL_GPL(sheafcache_kmem_cache_prefill_sheaf);

int sheafcache_kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
				       struct slab_sheaf **sheafp,
				       unsigned int size)
{
	struct sc_base_sheaf *bs, *bigger;
	struct sheaf *sheaf;
	int ret;

	if (!sheafp || !*sheafp)
		return -EINVAL;
	if (!sc_is_base_sheaf(*sheafp)) {
		sheaf = (struct sheaf *)*sheafp;
		ret = sheaf_cache_refill_sheaf(sheaf->cache, gfp, &sheaf, size);
		*sheafp = sc_handle(sheaf);
		return ret;
	}
	bs = sc_base_sheaf(*sheafp);
	if (bs->size >= size)
		return 0;
	if (size > SHEAF_CACHE_MAX_PREFILL)
		return -EINVAL;
	if (size <= bs->capacity) {
		if (sc_kmem_alloc_bulk(s, gfp, size - bs->size,
				       &bs->objects[bs->size]))
			return -ENOMEM;
		bs->size = size;
		return 0;
	}
	/* As upstream: a new sheaf of the size asked, holding the old's. */
	bigger = sc_base_sheaf_alloc(s, gfp, size, bs);
	if (!bigger)
		return -ENOMEM;
	kfree(bs);
	*sheafp = sc_base_handle(bigger);
	return 0;
}
EXPORT_SYMBOL_GPL(sheafcache_kmem_cache_refill_sheaf);

void sheafcache_kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp,
					struct slab_sheaf *sheaf)
{
	struct sc_base_sheaf *bs;
	struct sheaf *sc_sheaf;

	if (!sheaf)
		return;
	if (!sc_is_base_sheaf(sheaf)) {
		sc_sheaf = (struct sheaf *)sheaf;
		sheaf_cache_return_sheaf(sc_sheaf->cache, gfp, sc_sheaf);
		return;
	}
	bs = sc_base_sheaf(sheaf);
	if (bs->size)
		sc_kmem_free_bulk(s, bs->size, bs->objects);
	kfree(bs);
}
EXPORT_SYMBOL_GPL(sheafcache_kmem_cache_return_sheaf);

void *sheafcache_kmem_cache_alloc_from_sheaf(struct kmem_cache *s, gfp_t gfp,
					     struct slab_sheaf *sheaf)
{
	struct sc_base_sheaf *bs;
	void *obj;

	if (likely(!sc_is_base_sheaf(sheaf)))
		return sheaf_cache_alloc_from_sheaf(NULL, gfp,
						    (struct sheaf *)sheaf);
	bs = sc_base_sheaf(sheaf);
	if (!bs->size)
		return NULL;
	obj = bs->objects[--bs->size];
	/* init_on_alloc zeroed it when the sheaf was filled. */
	if (gfp & __GFP_ZERO)
		memset(obj, 0, kmem_cache_size(s));
	return obj;
}
EXPORT_SYMBOL_GPL(sheafcache_kmem_cache_alloc_from_sheaf);

unsigned int sheafcache_kmem_cache_sheaf_size(struct slab_sheaf *sheaf)
{
	if (!sc_is_base_sheaf(sheaf))
		return sheaf_cache_sheaf_size((struct sheaf *)sheaf);
	return sc_base_sheaf(sheaf)->size;
}
EXPORT_SYMBOL_GPL(sheafcache_kmem_cache_sheaf_size);
