// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache misuse tests: programming errors a caller can make, each
 * loaded in a boot of its own (test=<name>) because each is expected to
 * warn exactly once (WARN_ON_ONCE, the kernel's convention). Every case
 * checks the documented outcome, then that nothing was lost or corrupted:
 * the cache still works and the base holds exactly the objects the test
 * still has.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sheafcache.h"
#include "sc_test.h"

static char *test = "";
module_param(test, charp, 0444);
MODULE_PARM_DESC(test, "the misuse to commit");

#define BASE_NAME	ST_ACCT_PREFIX "_misuse"
#define OBJ_SIZE	64

SC_TEST_STATE;

static struct kmem_cache *base;
static long base_objects;	/* the base's count before the test */
/* What the misuse left for test_nothing_lost() to check and destroy. */
static struct sheaf_cache *left[2];
static struct kmem_cache *left_base;

/* A cache over @b, left for test_nothing_lost() to check and destroy. */
static struct sheaf_cache *mk_cache(const char *name, struct kmem_cache *b)
{
	struct sheaf_cache_args args = { .sheaf_capacity = 8 };
	struct sheaf_cache *sc = sheaf_cache_create(name, b, &args);

	if (!IS_ERR(sc))
		left[!!left[0]] = sc;
	return sc;
}

/* The cache takes and gives back objects as before. */
static bool cache_works(struct sheaf_cache *sc)
{
	struct sheaf *sheaf;
	void *a, *b;
	bool ok;

	a = sheaf_cache_alloc(sc, GFP_KERNEL);
	b = sheaf_cache_alloc(sc, GFP_KERNEL);
	ok = a && b && a != b;
	sheaf_cache_free(sc, a);
	sheaf_cache_free(sc, b);
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 3);
	ok = ok && sheaf_cache_sheaf_size(sheaf) >= 3;
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	return ok;
}

/* Base holds what the test holds: @held objects. */
static bool nothing_lost(long held)
{
	long now = st_slab_objects(base, BASE_NAME);

	if (now < 0 || base_objects < 0)
		return true;	/* no exact count on this boot */
	if (now - base_objects == held)
		return true;
	pr_info("# base holds %ld objects, the test %ld\n",
		now - base_objects, held);
	return false;
}

/* The "misuse" cache, and a sheaf of 4 objects prefilled from it. */
static int mk_prefilled(struct sheaf_cache **sc, struct sheaf **sheaf)
{
	*sc = mk_cache("misuse", base);
	if (IS_ERR(*sc))
		return PTR_ERR(*sc);
	*sheaf = sheaf_cache_prefill_sheaf(*sc, GFP_KERNEL, 4);
	return *sheaf ? 0 : -ENOMEM;
}

/* A sheaf returned twice: the second return is refused. */
static int test_return_twice(void)
{
	struct sheaf_cache *sc;
	struct sheaf *sheaf;
	unsigned long cached;
	int ret;

	ret = mk_prefilled(&sc, &sheaf);
	if (ret)
		return ret;
	/* It becomes this CPU's spare: the memory stays valid to misuse. */
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	cached = sheaf_cache_cached_objects(sc);
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	EXPECT_EQ(sheaf_cache_cached_objects(sc), cached);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_RETURN_FAST), 1);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_RETURN_SLOW), 0);
	return 0;
}

/* A sheaf returned to another cache goes back to its own. */
static int test_return_wrong_cache(void)
{
	struct sheaf_cache *sc, *other;
	struct sheaf *sheaf;
	int ret;

	left_base = st_base("sc_misuse_other", OBJ_SIZE, 0, NULL);
	if (!left_base)
		return -ENOMEM;
	other = mk_cache("misuse_other", left_base);
	if (IS_ERR(other))
		return PTR_ERR(other);
	ret = mk_prefilled(&sc, &sheaf);
	if (ret)
		return ret;
	sheaf_cache_return_sheaf(other, GFP_KERNEL, sheaf);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_RETURN_FAST), 1);
	EXPECT_EQ(sheaf_cache_stat(other, SC_RETURN_FAST), 0);
	EXPECT_EQ(sheaf_cache_cached_objects(other), 0);
	EXPECT_EQ(sheaf_cache_cached_objects(sc), 8);
	return 0;
}

/*
 * Destroyed while a prefilled sheaf is out: the sheaf still hands out
 * what it holds, a refill is refused instead of using freed sheaves, and
 * its return gives the rest to the base.
 */
static int test_destroy_with_sheaf_out(void)
{
	struct sheaf_cache *sc = mk_cache("misuse", base);
	void *objs[3];
	struct sheaf *sheaf;
	unsigned int i;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 5);
	if (!sheaf)
		return -ENOMEM;
	sheaf_cache_destroy(sc);
	left[0] = NULL;
	/* A refill has no sheaves to use any more: refused, sheaf intact. */
	EXPECT_EQ(sheaf_cache_refill_sheaf(sc, GFP_KERNEL, &sheaf, 8), -EINVAL);
	EXPECT_EQ(sheaf_cache_refill_sheaf(sc, GFP_KERNEL, &sheaf, 100),
		  -EINVAL);
	EXPECT_GE(sheaf_cache_sheaf_size(sheaf), 5);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = sheaf_cache_alloc_from_sheaf(sc, 0, sheaf);
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	EXPECT(nothing_lost(ARRAY_SIZE(objs)));
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		EXPECT(objs[i]);
		kmem_cache_free(base, objs[i]);
	}
	return 0;
}

/* With check_frees=1, an object that is no slab object is refused. */
static int test_foreign_object(void)
{
	struct sheaf_cache *sc = mk_cache("misuse", base);
	unsigned long cached;
	struct page *page;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	cached = sheaf_cache_cached_objects(sc);
	sheaf_cache_free(sc, page_address(page));
	EXPECT_EQ(sheaf_cache_cached_objects(sc), cached);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_FREE_FAST), 0);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_FREE_SLOW), 0);
	/* Still the caller's: nothing took it. */
	__free_page(page);
	return 0;
}

/* Allocating from no cache: NULL, nothing else. */
static int test_null_cache_alloc(void)
{
	EXPECT(!sheaf_cache_alloc(NULL, GFP_KERNEL));
	return 0;
}

/*
 * Freeing to no cache with @free: the object still goes back to its slab
 * cache, through RCU after a grace period, before the call returns.
 */
static int null_cache_free(void (*free)(struct sheaf_cache *sc, void *obj))
{
	struct sheaf_cache *sc = mk_cache("misuse", base);
	void *obj;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	obj = sheaf_cache_alloc(sc, GFP_KERNEL);
	if (!EXPECT(obj))
		return 0;
	free(NULL, obj);
	sheaf_cache_shrink(sc);
	EXPECT(nothing_lost(0));
	return 0;
}

static int test_null_cache_free(void)
{
	return null_cache_free(sheaf_cache_free);
}

static int test_null_cache_free_rcu(void)
{
	return null_cache_free(sheaf_cache_free_rcu);
}

/*
 * After every misuse: the caches it left still work, and once they are
 * destroyed the base holds nothing. A misuse that destroyed its cache
 * gets a new one, which must work too.
 */
static int test_nothing_lost(void)
{
	unsigned int i;

	if (!left[0] && IS_ERR(mk_cache("misuse", base)))
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(left) && left[i]; i++) {
		EXPECT(cache_works(left[i]));
		sheaf_cache_destroy(left[i]);
		left[i] = NULL;
	}
	kmem_cache_destroy(left_base);
	left_base = NULL;
	EXPECT(nothing_lost(0));
	return 0;
}

/* The use after free itself: out of line, so that KASAN's report names it. */
static noinline u8 misuse_read_freed(const u8 *obj)
{
	return READ_ONCE(obj[OBJ_SIZE / 2]);
}

/*
 * With bypass (scenario-kasan.sh loads the core with bypass=1), an object
 * freed through the cache is slab's at once, so a read after the free is
 * KASAN's to report: exactly one report, the case's only outcome. A
 * cached object would sit in a sheaf, unseen. Without KASAN the read is
 * harmless: the slab still holds the object.
 */
static int test_bypass_use_after_free(void)
{
	struct sheaf_cache *sc = mk_cache("misuse", base);
	u8 *obj;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	obj = sheaf_cache_alloc(sc, GFP_KERNEL);
	if (!EXPECT(obj))
		return -ENOMEM;
	sheaf_cache_free(sc, obj);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_BYPASS), 2);
	EXPECT_EQ(sheaf_cache_cached_objects(sc), 0);
	misuse_read_freed(obj);
	return 0;
}

static const struct sc_test_case misuses[] = {
	SC_TEST_CASE(return_twice),
	SC_TEST_CASE(return_wrong_cache),
	SC_TEST_CASE(destroy_with_sheaf_out),
	SC_TEST_CASE(foreign_object),
	SC_TEST_CASE(null_cache_alloc),
	SC_TEST_CASE(null_cache_free),
	SC_TEST_CASE(null_cache_free_rcu),
	SC_TEST_CASE(bypass_use_after_free),
};

static int __init misuse_init(void)
{
	struct sc_test_case run[2] = { {}, SC_TEST_CASE(nothing_lost) };
	unsigned int i, failed;

	for (i = 0; i < ARRAY_SIZE(misuses); i++)
		if (!strcmp(test, misuses[i].name))
			break;
	if (i == ARRAY_SIZE(misuses)) {
		pr_err("unknown test '%s'\n", test);
		return -EINVAL;
	}
	base = st_base(BASE_NAME, OBJ_SIZE, 0, NULL);
	if (!base)
		return -ENOMEM;
	base_objects = st_slab_objects(base, BASE_NAME);

	run[0] = misuses[i];
	failed = sc_test_run(run, ARRAY_SIZE(run), NULL);
	kmem_cache_destroy(base);
	return failed ? -EINVAL : 0;
}

static void __exit misuse_exit(void)
{
}

module_init(misuse_init);
module_exit(misuse_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sheafcache misuse tests, one per boot");
