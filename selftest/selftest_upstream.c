// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache selftest, upstream's sheaf API: a client written against
 * kmem_cache_prefill_sheaf() and friends, as the maple tree uses them
 * (prefill for the worst case, take under a lock, refill, return), built
 * and run unchanged on every kernel through sheafcache_upstream.h, over a
 * cache sheafcache serves and over one it does not.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/spinlock.h>

#include "sheafcache_upstream.h"
#include "selftest.h"

#define ST_UP_BASE	ST_ACCT_PREFIX "_upstream"
#define ST_UP_WORST	8

static DEFINE_SPINLOCK(st_up_lock);

/*
 * The client, in upstream's names only: reserve the worst case while it
 * may sleep, take what it needs with IRQs off under its lock, grow the
 * reserve, give it back, free its objects as any slab object.
 */
static int st_up_client(struct kmem_cache *s)
{
	void *objs[2 * ST_UP_WORST + 1];
	struct slab_sheaf *sheaf;
	unsigned long flags;
	unsigned int i, n = 0;

	sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, ST_UP_WORST);
	if (!EXPECT(sheaf))
		return -ENOMEM;
	EXPECT_GE(kmem_cache_sheaf_size(sheaf), ST_UP_WORST);

	spin_lock_irqsave(&st_up_lock, flags);
	for (i = 0; i < ST_UP_WORST; i++)
		objs[n++] = kmem_cache_alloc_from_sheaf(s, GFP_ATOMIC | __GFP_ZERO,
							sheaf);
	spin_unlock_irqrestore(&st_up_lock, flags);

	EXPECT_EQ(kmem_cache_refill_sheaf(s, GFP_KERNEL, &sheaf,
					  ST_UP_WORST + 1), 0);
	EXPECT_GE(kmem_cache_sheaf_size(sheaf), ST_UP_WORST + 1);
	while (n < ARRAY_SIZE(objs) &&
	       (objs[n] = kmem_cache_alloc_from_sheaf(s, 0, sheaf)))
		n++;
	/* It held at least what refill promised. */
	EXPECT_EQ(n, ARRAY_SIZE(objs));
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);

	for (i = 0; i < n; i++) {
		EXPECT(objs[i]);
		if (i < ST_UP_WORST)
			EXPECT(objs[i] && !memchr_inv(objs[i], 0, OBJ_SIZE));
		kmem_cache_free(s, objs[i]);
	}
	return 0;
}

/* Over a cache sheafcache serves: its sheaves, counted by it. */
int test_upstream_api_sheafcache(void)
{
	struct sheaf_cache *sc;
	int ret;

	sc = sheaf_cache_create_with_base("st_upstream", OBJ_SIZE, 0, 0, NULL,
					  NULL);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	ret = st_up_client(sheaf_cache_base(sc));
	EXPECT_GE(sheaf_cache_stat(sc, SC_PREFILL_FAST) +
		  sheaf_cache_stat(sc, SC_PREFILL_SLOW) +
		  sheaf_cache_stat(sc, SC_PREFILL_OVERSIZE), 1);
	EXPECT_GE(sheaf_cache_stat(sc, SC_RETURN_FAST) +
		  sheaf_cache_stat(sc, SC_RETURN_SLOW), 1);
	sheaf_cache_destroy(sc);
	return ret;
}

/*
 * Over a cache it does not serve: sheaves of the slab allocator's own
 * objects, and SLUB's count back where it was afterwards.
 */
int test_upstream_api_plain_cache(void)
{
	struct kmem_cache *s = st_base(ST_UP_BASE, OBJ_SIZE, 0, NULL);
	struct slab_sheaf *sheaf;
	long before, after;
	void *obj;
	int ret;

	if (!s)
		return -ENOMEM;
	before = st_slab_objects(s, ST_UP_BASE);
	ret = st_up_client(s);
	/* A sheaf of exactly what was asked: one, then NULL. */
	sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, 1);
	if (EXPECT(sheaf)) {
		obj = kmem_cache_alloc_from_sheaf(s, 0, sheaf);
		EXPECT(obj);
		EXPECT(!kmem_cache_alloc_from_sheaf(s, 0, sheaf));
		EXPECT_EQ(kmem_cache_sheaf_size(sheaf), 0);
		kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
		kmem_cache_free(s, obj);
	}
	after = st_slab_objects(s, ST_UP_BASE);
	if (before >= 0 && after >= 0)
		EXPECT_EQ(after, before);
	kmem_cache_destroy(s);
	return ret;
}
