// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache misuse tests: programming errors a caller can make, each
 * loaded in a boot of its own (test=<name>) because each is expected to
 * warn exactly once (WARN_ON_ONCE, the kernel's convention). Every case
 * checks the documented outcome, then that nothing was lost or corrupted:
 * the cache still works and the base holds exactly the objects the test
 * still has. KTAP, like the selftest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sheafcache.h"
#include "st_util.h"

static char *test = "";
module_param(test, charp, 0444);
MODULE_PARM_DESC(test, "the misuse to commit");

#define BASE_NAME	ST_ACCT_PREFIX "_misuse"
#define OBJ_SIZE	64

static struct kmem_cache *base;
static long base_objects;	/* the base's count before the test */
static unsigned int failures;

static struct sheaf_cache *mk_cache(const char *name)
{
	struct sheaf_cache_args args = { .sheaf_capacity = 8 };

	return sheaf_cache_create(name, base, &args);
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
	pr_info("    # base holds %ld objects, the test %ld\n",
		now - base_objects, held);
	return false;
}

static void result(unsigned int nr, bool ok, const char *what)
{
	failures += !ok;
	pr_info("%sok %u %s_%s\n", ok ? "" : "not ", nr, test, what);
}

/* Every case ends so: the cache still works, and nothing was lost. */
static void finish(struct sheaf_cache *sc)
{
	bool ok = cache_works(sc);

	sheaf_cache_destroy(sc);
	result(2, ok && nothing_lost(0), "nothing_lost");
}

/* A sheaf returned twice: the second return is refused. */
static int misuse_return_twice(void)
{
	struct sheaf_cache *sc = mk_cache("misuse");
	struct sheaf *sheaf;
	unsigned long cached;
	bool ok;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 4);
	/* It becomes this CPU's spare: the memory stays valid to misuse. */
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	cached = sheaf_cache_cached_objects(sc);
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	ok = sheaf && sheaf_cache_cached_objects(sc) == cached &&
	     sheaf_cache_stat(sc, SC_RETURN_FAST) == 1 &&
	     sheaf_cache_stat(sc, SC_RETURN_SLOW) == 0;
	result(1, ok, "refused");
	finish(sc);
	return 0;
}

/* A sheaf returned to another cache goes back to its own. */
static int misuse_return_wrong_cache(void)
{
	struct sheaf_cache *sc, *other;
	struct kmem_cache *other_base;
	struct sheaf *sheaf;
	bool ok;

	other_base = st_base("sc_misuse_other", OBJ_SIZE, 0, NULL);
	if (!other_base)
		return -ENOMEM;
	sc = mk_cache("misuse");
	other = sheaf_cache_create("misuse_other", other_base, NULL);
	if (IS_ERR(sc) || IS_ERR(other))
		return -ENOMEM;
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 4);
	sheaf_cache_return_sheaf(other, GFP_KERNEL, sheaf);
	ok = sheaf && sheaf_cache_stat(sc, SC_RETURN_FAST) == 1 &&
	     sheaf_cache_stat(other, SC_RETURN_FAST) == 0 &&
	     sheaf_cache_cached_objects(other) == 0 &&
	     sheaf_cache_cached_objects(sc) == 8;
	result(1, ok, "returned_to_owner");
	ok = cache_works(sc) && cache_works(other);
	sheaf_cache_destroy(other);
	sheaf_cache_destroy(sc);
	kmem_cache_destroy(other_base);
	ok = ok && nothing_lost(0);
	result(2, ok, "nothing_lost");
	return 0;
}

/*
 * Destroyed while a prefilled sheaf is out: the sheaf still hands out
 * what it holds, a refill is refused instead of using freed sheaves, and
 * its return gives the rest to the base.
 */
static int misuse_destroy_with_sheaf_out(void)
{
	struct sheaf_cache *sc = mk_cache("misuse");
	void *objs[3];
	struct sheaf *sheaf;
	unsigned int i;
	bool ok;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 5);
	if (!sheaf)
		return -ENOMEM;
	sheaf_cache_destroy(sc);
	/* A refill has no sheaves to use any more: refused, sheaf intact. */
	ok = sheaf_cache_refill_sheaf(sc, GFP_KERNEL, &sheaf, 8) == -EINVAL &&
	     sheaf_cache_refill_sheaf(sc, GFP_KERNEL, &sheaf, 100) == -EINVAL &&
	     sheaf_cache_sheaf_size(sheaf) >= 5;
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = sheaf_cache_alloc_from_sheaf(sc, 0, sheaf);
		ok = ok && objs[i];
	}
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	ok = ok && nothing_lost(ARRAY_SIZE(objs));
	result(1, ok, "sheaf_still_usable");
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(base, objs[i]);
	sc = mk_cache("misuse");
	ok = !IS_ERR(sc) && cache_works(sc);
	if (!IS_ERR(sc))
		sheaf_cache_destroy(sc);
	ok = ok && nothing_lost(0);
	result(2, ok, "nothing_lost");
	return 0;
}

/* With debug_objects=1, an object that is no slab object is refused. */
static int misuse_foreign_object(void)
{
	struct sheaf_cache *sc = mk_cache("misuse");
	unsigned long cached;
	struct page *page;
	bool ok;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	cached = sheaf_cache_cached_objects(sc);
	sheaf_cache_free(sc, page_address(page));
	ok = sheaf_cache_cached_objects(sc) == cached &&
	     !sheaf_cache_stat(sc, SC_FREE_FAST) &&
	     !sheaf_cache_stat(sc, SC_FREE_SLOW);
	/* Still the caller's: nothing took it. */
	__free_page(page);
	result(1, ok, "refused");
	finish(sc);
	return 0;
}

/* Allocating from no cache: NULL, nothing else. */
static int misuse_null_cache_alloc(void)
{
	struct sheaf_cache *sc = mk_cache("misuse");
	bool ok;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	ok = !sheaf_cache_alloc(NULL, GFP_KERNEL);
	result(1, ok, "null");
	finish(sc);
	return 0;
}

/* Freeing to no cache: the object still goes back to its slab cache. */
static int misuse_null_cache_free(void)
{
	struct sheaf_cache *sc = mk_cache("misuse");
	void *obj;
	bool ok;

	if (IS_ERR(sc))
		return PTR_ERR(sc);
	obj = sheaf_cache_alloc(sc, GFP_KERNEL);
	sheaf_cache_free(NULL, obj);
	sheaf_cache_shrink(sc);
	ok = obj && nothing_lost(0);
	result(1, ok, "freed_to_base");
	finish(sc);
	return 0;
}

struct misuse {
	const char *name;
	int (*fn)(void);
};

static const struct misuse misuses[] = {
	{ "return_twice", misuse_return_twice },
	{ "return_wrong_cache", misuse_return_wrong_cache },
	{ "destroy_with_sheaf_out", misuse_destroy_with_sheaf_out },
	{ "foreign_object", misuse_foreign_object },
	{ "null_cache_alloc", misuse_null_cache_alloc },
	{ "null_cache_free", misuse_null_cache_free },
};

static int __init misuse_init(void)
{
	unsigned int i;
	int ret;

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

	pr_info("KTAP version 1\n");
	pr_info("1..2\n");
	ret = misuses[i].fn();
	if (ret)
		pr_info("# %s: setup failed: %d\n", test, ret);
	kmem_cache_destroy(base);
	return ret ?: failures ? -EINVAL : 0;
}

static void __exit misuse_exit(void)
{
}

module_init(misuse_init);
module_exit(misuse_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sheafcache misuse tests, one per boot");
