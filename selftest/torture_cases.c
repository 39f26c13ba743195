// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache torture test, the deterministic cases: one CPU, one cache,
 * each injected failure or memory shortage in turn (mode=faults and
 * mode=pressure), and what a kept cache must show after the shell's
 * drop_caches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "torture.h"

/* ===== mode=faults ==================================================== */

/* Whether the shell armed exactly this; other cases are skipped. */
static bool tt_armed(unsigned int slab, unsigned int sheaf)
{
	if (slab && !tt_failslab_ready)
		return false;
	return slab_pct == slab && sheaf_pct == sheaf;
}

/*
 * A cache for a case that wants failslab at @slab % and fail_sheaf_alloc
 * at @sheaf %, or a skip. Single-CPU cases: counters are exact with
 * migration disabled.
 */
static int tt_faults_open(struct tt_cache *c, unsigned int max_full,
			  unsigned int slab, unsigned int sheaf)
{
	int ret;

	if (!tt_armed(slab, sheaf))
		return sc_test_skip("not the faults the shell armed");
	ret = tt_open(c, CAP, max_full, MAX_FULL);

	if (!ret)
		migrate_disable();
	return ret;
}

static void tt_faults_close(struct tt_cache *c, long kept)
{
	tt_fail(false);
	migrate_enable();
	tt_close(c, kept);
}

/* Nothing cached and every base allocation failing: clean NULLs. */
int test_prefill_fails_cleanly(void)
{
	struct tt_cache c;
	int ret;

	ret = tt_faults_open(&c, MAX_FULL, 100, 0);
	if (ret)
		return ret;
	tt_fail(true);
	EXPECT(!sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 1));
	EXPECT(!sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, CAP));
	EXPECT(!sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 4 * CAP));
	EXPECT(!sheaf_cache_prefill_sheaf(c.sc, GFP_ATOMIC, 2));
	EXPECT(!sheaf_cache_alloc(c.sc, GFP_KERNEL));
	tt_fail(false);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_PREFILL_FAIL), 4);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_REFILL_FAIL), 5);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_ALLOC_SLOW), 1);
	EXPECT_EQ(sheaf_cache_cached_objects(c.sc), 0);
	tt_conserved(&c, 0);
	tt_faults_close(&c, 0);
	return 0;
}

/* A failed refill leaves the sheaf and its objects as they were. */
int test_refill_enomem_keeps_sheaf(void)
{
	struct sheaf *sheaf, *old;
	void *a, *b, *objs[CAP];
	struct tt_cache c;
	unsigned int i;
	int ret;

	ret = tt_faults_open(&c, MAX_FULL, 100, 0);
	if (ret)
		return ret;
	sheaf = sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, CAP);
	if (!EXPECT(sheaf && sheaf_cache_sheaf_size(sheaf) == CAP)) {
		sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, sheaf);
		tt_faults_close(&c, 0);
		return -EINVAL;
	}
	for (i = 0; i < CAP - 2; i++)
		objs[i] = sheaf_cache_alloc_from_sheaf(c.sc, 0, sheaf);
	old = sheaf;
	tt_fail(true);
	EXPECT(sheaf_cache_refill_sheaf(c.sc, GFP_KERNEL, &sheaf, CAP) ==
	       -ENOMEM);
	EXPECT(sheaf == old && sheaf_cache_sheaf_size(sheaf) == 2);
	/* Beyond the capacity a larger sheaf would replace it: fails too. */
	EXPECT(sheaf_cache_refill_sheaf(c.sc, GFP_KERNEL, &sheaf, 3 * CAP) ==
	       -ENOMEM);
	EXPECT(sheaf == old && sheaf_cache_sheaf_size(sheaf) == 2);
	/* Already enough: no allocation, so no failure. */
	EXPECT(!sheaf_cache_refill_sheaf(c.sc, GFP_KERNEL, &sheaf, 2));
	a = sheaf_cache_alloc_from_sheaf(c.sc, 0, sheaf);
	b = sheaf_cache_alloc_from_sheaf(c.sc, 0, sheaf);
	EXPECT(a && b && !sheaf_cache_alloc_from_sheaf(c.sc, 0, sheaf));
	EXPECT(sheaf_cache_refill_sheaf(c.sc, GFP_KERNEL, &sheaf, 1) ==
	       -ENOMEM);
	sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, sheaf);
	tt_fail(false);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_PREFILL_FAIL), 3);
	tt_conserved(&c, CAP);
	for (i = 0; i < CAP - 2; i++)
		sheaf_cache_free(c.sc, objs[i]);
	sheaf_cache_free(c.sc, a);
	sheaf_cache_free(c.sc, b);
	tt_faults_close(&c, 0);
	return 0;
}

/* Take every object of @sheaf with IRQs off; returns how many came. */
static unsigned int tt_empty_sheaf(struct sheaf_cache *sc,
				   struct sheaf *sheaf, void ***chain)
{
	unsigned int n = 0;
	unsigned long flags;
	void **obj;

	local_irq_save(flags);
	while ((obj = sheaf_cache_alloc_from_sheaf(sc, 0, sheaf))) {
		*obj = *chain;
		*chain = obj;
		n++;
	}
	local_irq_restore(flags);
	return n;
}

static void tt_free_chain(struct sheaf_cache *sc, void **chain)
{
	void **obj;

	while (chain) {
		obj = chain;
		chain = *obj;
		sheaf_cache_free(sc, obj);
	}
}

/* At 100% failure a prefilled sheaf still hands out all it holds. */
int test_prefilled_sheaf_survives(void)
{
	struct sheaf *regular, *oversize;
	unsigned int size1, size2;
	void **chain = NULL;
	struct tt_cache c;
	int ret;

	ret = tt_faults_open(&c, MAX_FULL, 100, 0);
	if (ret)
		return ret;
	regular = sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, CAP);
	oversize = sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 3 * CAP);
	if (!EXPECT(regular && oversize)) {
		sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, regular);
		sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, oversize);
		tt_faults_close(&c, 0);
		return -ENOMEM;
	}
	size1 = sheaf_cache_sheaf_size(regular);
	size2 = sheaf_cache_sheaf_size(oversize);
	tt_fail(true);
	/* The failures are on: a new sheaf cannot be filled. */
	EXPECT(!sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 1));
	EXPECT_EQ(tt_empty_sheaf(c.sc, regular, &chain), size1);
	EXPECT_EQ(tt_empty_sheaf(c.sc, oversize, &chain), size2);
	EXPECT(size1 >= CAP && size2 >= 3 * CAP);
	/* Nothing to refill them with on return: they are kept or freed. */
	sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, regular);
	sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, oversize);
	tt_fail(false);
	tt_conserved(&c, size1 + size2);
	tt_free_chain(c.sc, chain);
	tt_faults_close(&c, 0);
	return 0;
}

/*
 * The fast path serves what is cached whatever the base does; then it
 * falls back to the base, which fails too, and counts both.
 */
int test_fast_path_falls_back(void)
{
	void **chain = NULL, **obj;
	u64 fast, slow, fail;
	unsigned long cached;
	struct tt_cache c;
	unsigned int i;
	int ret;

	ret = tt_faults_open(&c, MAX_FULL, 100, 0);
	if (ret)
		return ret;
	EXPECT(!tt_fill(c.sc, (MAX_FULL + 2) * CAP));
	cached = sheaf_cache_cached_objects(c.sc);
	fast = sheaf_cache_stat(c.sc, SC_ALLOC_FAST);
	slow = sheaf_cache_stat(c.sc, SC_ALLOC_SLOW);
	tt_fail(true);
	for (i = 0; i < cached; i++) {
		obj = sheaf_cache_alloc(c.sc, GFP_KERNEL);
		if (!obj)
			break;
		*obj = chain;
		chain = obj;
	}
	EXPECT_EQ(i, cached);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_ALLOC_FAST) - fast, cached);
	fail = sheaf_cache_stat(c.sc, SC_REFILL_FAIL);
	EXPECT(!sheaf_cache_alloc(c.sc, GFP_KERNEL));
	tt_fail(false);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_ALLOC_SLOW) - slow, 1);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_REFILL_FAIL), fail + 1);
	EXPECT(cached);
	tt_conserved(&c, cached);
	tt_free_chain(c.sc, chain);
	tt_faults_close(&c, 0);
	return 0;
}

/* The cache's own sheaf allocations fail: the base does the work. */
int test_sheaf_alloc_fails(void)
{
	void **chain = NULL, **obj;
	struct tt_cache c;
	unsigned int i;
	u64 sheaves;
	int ret;

	ret = tt_faults_open(&c, 1, 0, 100);
	if (ret)
		return ret;
	sheaves = sheaf_cache_stat(c.sc, SC_SHEAF_ALLOC);
	tt_fail(true);
	for (i = 0; i < 4 * CAP; i++) {
		obj = sheaf_cache_alloc(c.sc, GFP_KERNEL);
		if (!EXPECT(obj))
			break;
		*obj = chain;
		chain = obj;
	}
	/* No sheaf to fill: every object comes from the base. */
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_ALLOC_SLOW), 4 * CAP);
	/* Main fills, and with no sheaf to swap in it is flushed. */
	tt_free_chain(c.sc, chain);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_FREE_FAST), 4 * CAP);
	EXPECT(sheaf_cache_stat(c.sc, SC_FLUSH) >= 3 * CAP);
	EXPECT(!sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 1));
	EXPECT(!sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 2 * CAP));
	tt_fail(false);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_PREFILL_FAIL), 2);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_SHEAF_ALLOC), sheaves);
	tt_conserved(&c, 0);
	tt_faults_close(&c, 0);
	return 0;
}

/*
 * __GFP_NOFAIL passes through prefill and refill, as upstream's: they
 * succeed while every failable allocation fails, the sheaves' own ones
 * (fail_sheaf_alloc at 100%) or the base's (failslab at 100%), since
 * neither fault point fails a __GFP_NOFAIL request.
 */
int test_nofail_prefill_succeeds(void)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOFAIL;
	struct sheaf *regular = NULL, *oversize = NULL;
	struct tt_cache c;
	unsigned int fails;
	int ret;

	/* Whichever fails, the base or the sheaves, NOFAIL succeeds. */
	ret = tt_faults_open(&c, 1, slab_pct == 100 ? 100 : 0,
			     slab_pct == 100 ? 0 : 100);
	if (ret)
		return ret;
	tt_fail(true);
	/* Without __GFP_NOFAIL the same requests fail. */
	fails = !sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 1) +
		!sheaf_cache_prefill_sheaf(c.sc, GFP_KERNEL, 3 * CAP);
	regular = sheaf_cache_prefill_sheaf(c.sc, gfp, 1);
	oversize = sheaf_cache_prefill_sheaf(c.sc, gfp, 3 * CAP);
	EXPECT(regular && oversize);
	if (regular) {
		EXPECT_EQ(sheaf_cache_refill_sheaf(c.sc, gfp, &regular, 2 * CAP), 0);
		EXPECT(sheaf_cache_sheaf_size(regular) >= 2 * CAP);
	}
	tt_fail(false);
	EXPECT_EQ(fails, 2);
	EXPECT(!oversize || sheaf_cache_sheaf_size(oversize) >= 3 * CAP);
	sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, regular);
	sheaf_cache_return_sheaf(c.sc, GFP_KERNEL, oversize);
	tt_conserved(&c, 0);
	tt_faults_close(&c, 0);
	return 0;
}

/*
 * A bulk allocation the base cannot finish takes nothing: the objects it
 * had from the sheaves go back, and the cache holds what it held.
 */
int test_bulk_fails_cleanly(void)
{
	void *p[10 * CAP];
	unsigned long cached;
	struct tt_cache c;
	int ret;

	ret = tt_faults_open(&c, MAX_FULL, 100, 0);
	if (ret)
		return ret;
	EXPECT(!tt_fill(c.sc, 2 * CAP));
	cached = sheaf_cache_cached_objects(c.sc);
	EXPECT_GE(cached, CAP);
	tt_fail(true);
	EXPECT_EQ(sheaf_cache_alloc_bulk(c.sc, GFP_KERNEL, ARRAY_SIZE(p), p), 0);
	tt_fail(false);
	EXPECT_EQ(sheaf_cache_cached_objects(c.sc), cached);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_ALLOC_BULK), 0);
	/* And with the base working again, all of them. */
	EXPECT_EQ(sheaf_cache_alloc_bulk(c.sc, GFP_KERNEL, ARRAY_SIZE(p), p),
		  ARRAY_SIZE(p));
	tt_conserved(&c, ARRAY_SIZE(p));
	sheaf_cache_free_bulk(c.sc, ARRAY_SIZE(p), p);
	tt_conserved(&c, 0);
	tt_faults_close(&c, 0);
	return 0;
}

/* The caller's lock for test_free_rcu_falls_back()'s atomic section. */
static DEFINE_SPINLOCK(tt_caller_lock);

/*
 * With no RCU sheaf to be had (fail_sheaf_alloc; a fresh cache has no
 * empty sheaf to spare, and the object comes from the base, so that no
 * allocation leaves one), sheaf_cache_free_rcu() falls back: by the
 * object's rcu_head from atomic context (the torture caches have one),
 * and, on a cache without one, by waiting for a grace period in process
 * context, which frees the object before it returns.
 */
int test_free_rcu_falls_back(void)
{
	struct sheaf_cache_args args = { .sheaf_capacity = CAP };
	unsigned long flags;
	struct tt_cache c;
	void *obj;
	int ret;

	ret = tt_faults_open(&c, 1, 0, 100);
	if (ret)
		return ret;
	obj = kmem_cache_alloc(tt_base, GFP_KERNEL);
	tt_fail(true);
	spin_lock_irqsave(&tt_caller_lock, flags);
	sheaf_cache_free_rcu(c.sc, obj);
	spin_unlock_irqrestore(&tt_caller_lock, flags);
	tt_fail(false);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_FREE_RCU_FALLBACK), 1);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_RCU_SHEAF), 0);
	sheaf_cache_rcu_barrier(c.sc);
	tt_conserved(&c, 0);
	tt_faults_close(&c, 0);

	c.before = tt_slab_objects();
	c.sc = sheaf_cache_create("torture_nohead", tt_base, &args);
	if (IS_ERR(c.sc))
		return PTR_ERR(c.sc);
	migrate_disable();
	obj = kmem_cache_alloc(tt_base, GFP_KERNEL);
	tt_fail(true);
	sheaf_cache_free_rcu(c.sc, obj);
	tt_fail(false);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_FREE_RCU_FALLBACK), 1);
	/* Freed already: no barrier. */
	tt_conserved(&c, 0);
	tt_faults_close(&c, 0);
	return 0;
}

/* ===== mode=pressure ================================================== */

/* Barn sheaves enough that reclaim's shrinker scan reaches them. */
#define PRESSURE_FULL	400

/*
 * Take free pages until reclaim has run the cache's shrinker, or none
 * comes: __GFP_NORETRY reclaims a little and then fails rather than call
 * the OOM killer.
 */
static unsigned long tt_squeeze(struct sheaf_cache *sc,
				struct list_head *pages)
{
	u64 shrunk = sheaf_cache_stat(sc, SC_SHRINK);
	unsigned long n = 0, max = totalram_pages();
	struct page *page;

	while (n < max) {
		if (!(n & 63)) {
			if (sheaf_cache_stat(sc, SC_SHRINK) != shrunk)
				break;
			cond_resched();
		}
		page = alloc_page(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
		if (!page)
			break;
		list_add(&page->lru, pages);
		n++;
	}
	return n;
}

static void tt_release_pages(struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/* kswapd may still be shrinking: wait until it leaves the cache be. */
static void tt_settle(struct sheaf_cache *sc)
{
	unsigned int i;
	u64 last;

	for (i = 0; i < 50; i++) {
		last = sheaf_cache_stat(sc, SC_SHRINK);
		msleep(100);
		if (sheaf_cache_stat(sc, SC_SHRINK) == last)
			break;
	}
}

/* Memory runs short: reclaim takes the barns' objects, nothing else. */
int test_shrinker_under_pressure(void)
{
	unsigned long before, after, pages;
	struct tt_cache c;
	LIST_HEAD(list);
	u64 shrunk;
	int ret;

	ret = tt_open(&c, 0, PRESSURE_FULL, 1);
	if (ret)
		return ret;
	migrate_disable();
	ret = tt_fill(c.sc, (PRESSURE_FULL + 2) * sheaf_cache_capacity(c.sc));
	migrate_enable();
	before = sheaf_cache_cached_objects(c.sc);
	EXPECT(!ret && tt_barn_objects(c.sc));

	pages = tt_squeeze(c.sc, &list);
	tt_release_pages(&list);
	tt_settle(c.sc);
	after = sheaf_cache_cached_objects(c.sc);
	shrunk = sheaf_cache_stat(c.sc, SC_SHRINK);
	pr_info("# pressure: took %lu of %lu pages; cached %lu -> %lu, the shrinker gave back %llu\n",
		pages, totalram_pages(), before, after, shrunk);
	EXPECT(shrunk);
	EXPECT(after < before);
	EXPECT_EQ(before - after, shrunk);
	tt_conserved(&c, 0);
	tt_works(c.sc);
	tt_close(&c, 0);
	return 0;
}

/* sheaf_cache_shrink() gives back every cached object, and says so. */
int test_shrink_returns_everything(void)
{
	unsigned long cached;
	struct tt_cache c;
	int ret;

	ret = tt_open(&c, CAP, MAX_FULL, MAX_FULL);
	if (ret)
		return ret;
	migrate_disable();
	ret = tt_fill(c.sc, (MAX_FULL + 2) * CAP);
	migrate_enable();
	EXPECT(!ret);
	cached = sheaf_cache_cached_objects(c.sc);
	EXPECT(cached);
	EXPECT_EQ(sheaf_cache_shrink(c.sc), cached);
	EXPECT_EQ(sheaf_cache_cached_objects(c.sc), 0);
	EXPECT_EQ(sheaf_cache_stat(c.sc, SC_SHRINK), cached);
	tt_conserved(&c, 0);
	tt_works(c.sc);
	tt_conserved(&c, 0);
	tt_close(&c, 0);
	return 0;
}

/* keep=1: a filled cache stays for the shell's drop_caches. */
struct tt_cache tt_kept;
static unsigned long tt_kept_cached, tt_kept_barn;

int test_kept_for_drop_caches(void)
{
	int ret;

	if (!keep)
		return sc_test_skip("keep=0");
	ret = tt_open_named(&tt_kept, TT_KEPT, CAP, 100, 2);
	if (ret)
		return ret;
	migrate_disable();
	ret = tt_fill(tt_kept.sc, 102 * CAP);
	migrate_enable();
	tt_kept_cached = sheaf_cache_cached_objects(tt_kept.sc);
	tt_kept_barn = tt_barn_objects(tt_kept.sc);
	pr_info("# %s: %lu objects cached, %lu of them in barns\n", TT_KEPT,
		tt_kept_cached, tt_kept_barn);
	EXPECT(!ret && tt_kept_barn);
	return 0;
}

/* At unload: the shell's drop_caches ran the shrinker over the barns. */
int test_drop_caches_emptied_barns(void)
{
	u64 shrunk = sheaf_cache_stat(tt_kept.sc, SC_SHRINK);
	unsigned long cached = sheaf_cache_cached_objects(tt_kept.sc);

	pr_info("# %s: cached %lu -> %lu, the shrinker gave back %llu\n",
		TT_KEPT, tt_kept_cached, cached, shrunk);
	EXPECT_EQ(tt_barn_objects(tt_kept.sc), 0);
	EXPECT(shrunk >= tt_kept_barn);
	EXPECT_EQ(tt_kept_cached - cached, shrunk);
	return 0;
}

int test_kept_cache_works(void)
{
	tt_works(tt_kept.sc);
	return 0;
}

int test_kept_cache_accounting(void)
{
	tt_conserved(&tt_kept, 0);
	tt_close(&tt_kept, 0);
	return 0;
}

