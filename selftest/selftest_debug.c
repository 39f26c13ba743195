// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache selftest, debugging that keeps caching: poisoned objects
 * checked before anyone can take them (SHEAF_CACHE_POISON), a bypass the
 * kernel's own debuggers see through (SHEAF_CACHE_BYPASS), and the
 * account of borrowed sheaves (debugfs "borrowed", sheaf_overdue).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "core.h"
#include "selftest.h"

/* A poison cache of its own, capacity CAP, pinned to this CPU's sheaves. */
static struct sheaf_cache *st_debug_cache(const char *name, unsigned int flags)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.flags = flags,
	};

	return sheaf_cache_create_with_base(name, OBJ_SIZE, 0, 0, NULL, &args);
}

/* Whether every byte of @obj holds the poison. */
static bool st_poisoned(const void *obj)
{
	return !memchr_inv(obj, SC_POISON_BYTE, OBJ_SIZE);
}

/*
 * A write after free into an object on main is caught on the next
 * allocation, at its exact offset; the object goes back to the base
 * (SLUB's count: the base still holds CAP, one of them the replacement)
 * and the caller gets another.
 */
int test_poison_write_after_free(void)
{
	struct sheaf_cache *sc;
	void *obj, *got;
	long before;

	sc = st_debug_cache(ST_ACCT_PREFIX "_poison", SHEAF_CACHE_POISON);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	migrate_disable();
	obj = sheaf_cache_alloc(sc, GFP_KERNEL);
	if (!EXPECT(obj))
		goto out;
	before = st_slab_objects(sc->base, ST_ACCT_PREFIX "_poison");
	sheaf_cache_free(sc, obj);
	EXPECT(st_poisoned(obj));
	((u8 *)obj)[13] = 0x42;		/* the bug: a write after free */
	got = sheaf_cache_alloc(sc, GFP_KERNEL | __GFP_ZERO);
	EXPECT(got && got != obj);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_POISON_FAIL), 1);
	EXPECT_EQ(READ_ONCE(sc->poison_offset), 13);
	/* Zeroed as asked (slub_debug's poisoning turns init_on_alloc off). */
	if (got)
		EXPECT(!memchr_inv(got, 0, OBJ_SIZE));
	if (before >= 0)
		EXPECT_EQ(st_slab_objects(sc->base, ST_ACCT_PREFIX "_poison"),
			  before);
	/* A good one passes unreported. */
	sheaf_cache_free(sc, got);
	obj = sheaf_cache_alloc(sc, GFP_KERNEL);
	EXPECT_EQ(obj, got);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_POISON_FAIL), 1);
	sheaf_cache_free(sc, obj);
out:
	migrate_enable();
	sheaf_cache_destroy(sc);
	return 0;
}

/*
 * A write into an object of a full sheaf in the barn is caught when the
 * barn is drained, and only that one.
 */
int test_poison_barn_drain(void)
{
	struct sheaf_cache *sc;
	void *objs[3 * CAP];
	unsigned int i;
	int ret = 0;

	sc = st_debug_cache("sc_st_poison_barn", SHEAF_CACHE_POISON);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = sheaf_cache_alloc(sc, GFP_KERNEL);
		if (!EXPECT(objs[i]))
			ret = -ENOMEM;
	}
	if (ret) {
		while (i--)
			sheaf_cache_free(sc, objs[i]);
		goto out;
	}
	/* Main fills, becomes the spare; the next main goes to the barn. */
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		sheaf_cache_free(sc, objs[i]);
	EXPECT_EQ(READ_ONCE(sc_local_barn(sc)->nr_full), 1);
	((u8 *)objs[CAP + 1])[40] = 0;	/* an object of the barn's sheaf */
	EXPECT_EQ(sheaf_cache_stat(sc, SC_POISON_FAIL), 0);
	sheaf_cache_shrink(sc);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_POISON_FAIL), 1);
	EXPECT_EQ(READ_ONCE(sc->poison_offset), 40);
out:
	migrate_enable();
	sheaf_cache_destroy(sc);
	return ret;
}

/*
 * A corrupted object in the sheaf a prefill hands out is replaced there:
 * the caller gets the promised count, every object a good one.
 */
int test_poison_prefill_replaces(void)
{
	struct sheaf_cache *sc;
	void *objs[2 * CAP], *got;
	struct sheaf *sheaf;
	unsigned int i;
	int ret = 0;

	sc = st_debug_cache("sc_st_poison_prefill", SHEAF_CACHE_POISON);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = sheaf_cache_alloc(sc, GFP_KERNEL);
		if (!EXPECT(objs[i]))
			ret = -ENOMEM;
	}
	if (ret) {
		while (i--)
			sheaf_cache_free(sc, objs[i]);
		goto out;
	}
	/* The first CAP go into what becomes the spare, prefill's sheaf. */
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		sheaf_cache_free(sc, objs[i]);
	((u8 *)objs[1])[OBJ_SIZE - 1] = 0x11;
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, CAP);
	if (!EXPECT(sheaf))
		goto out;
	EXPECT_EQ(sheaf_cache_stat(sc, SC_PREFILL_FAST), 1);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_POISON_FAIL), 1);
	EXPECT_EQ(READ_ONCE(sc->poison_offset), OBJ_SIZE - 1);
	EXPECT_EQ(sheaf_cache_sheaf_size(sheaf), CAP);
	for (i = 0; i < CAP; i++) {
		got = sheaf_cache_alloc_from_sheaf(sc, GFP_KERNEL, sheaf);
		if (!EXPECT(got))
			break;
		EXPECT(got != objs[1]);
		if (want_init_on_alloc(0))
			EXPECT(!memchr_inv(got, 0, OBJ_SIZE));
		sheaf_cache_free(sc, got);
	}
	EXPECT(!sheaf_cache_alloc_from_sheaf(sc, GFP_KERNEL, sheaf));
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	EXPECT_EQ(sheaf_cache_stat(sc, SC_POISON_FAIL), 1);
out:
	migrate_enable();
	sheaf_cache_destroy(sc);
	return 0;
}

/*
 * With bypass, SLUB's own count of the base (exact with slub_debug)
 * follows every allocation and free one for one, prefilled sheaves too.
 */
int test_bypass_slab_count(void)
{
	const char *name = ST_ACCT_PREFIX "_bypass";
	struct sheaf_cache *sc;
	struct sheaf *sheaf;
	void *objs[CAP + 2];
	long base;
	int i;

	sc = st_debug_cache(name, SHEAF_CACHE_BYPASS);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	base = st_slab_objects(sc->base, name);
	if (base < 0) {
		sheaf_cache_destroy(sc);
		return sc_test_skip("no slub_debug on " ST_ACCT_PREFIX "*");
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = sheaf_cache_alloc(sc, GFP_KERNEL);
		EXPECT(objs[i]);
		EXPECT_EQ(st_slab_objects(sc->base, name), base + i + 1);
	}
	for (i = ARRAY_SIZE(objs) - 1; i >= 0; i--) {
		sheaf_cache_free(sc, objs[i]);
		EXPECT_EQ(st_slab_objects(sc->base, name), base + i);
	}
	EXPECT_EQ(sheaf_cache_stat(sc, SC_BYPASS), 2 * ARRAY_SIZE(objs));
	EXPECT_EQ(sheaf_cache_cached_objects(sc), 0);

	/* A prefill holds exactly its objects; the rest go back on return. */
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 3);
	if (EXPECT(sheaf)) {
		EXPECT_EQ(sheaf_cache_sheaf_size(sheaf), 3);
		EXPECT_EQ(st_slab_objects(sc->base, name), base + 3);
		objs[0] = sheaf_cache_alloc_from_sheaf(sc, GFP_KERNEL, sheaf);
		sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
		EXPECT_EQ(st_slab_objects(sc->base, name), base + 1);
		sheaf_cache_free(sc, objs[0]);
		EXPECT_EQ(st_slab_objects(sc->base, name), base);
	}
	/* Bulk calls too. */
	EXPECT_EQ(sheaf_cache_alloc_bulk(sc, GFP_KERNEL, CAP, objs), CAP);
	EXPECT_EQ(st_slab_objects(sc->base, name), base + CAP);
	sheaf_cache_free_bulk(sc, CAP, objs);
	EXPECT_EQ(st_slab_objects(sc->base, name), base);
	EXPECT_EQ(sheaf_cache_cached_objects(sc), 0);
	sheaf_cache_destroy(sc);
	return 0;
}

static int st_write_file(const char *path, const char *val)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t len;

	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	len = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return len < 0 ? len : 0;
}

/*
 * What debugfs "borrowed" prints of the sheaves out, from the table it
 * prints (kernel_read() cannot read a seq_file in debugfs): the callers
 * of @sheaf's slot, as "%pS", and how many slots hold it.
 */
static unsigned int st_borrowed(struct sheaf_cache *sc, struct sheaf *sheaf,
				char *buf, size_t size)
{
	unsigned int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < SC_BORROW_SLOTS; i++) {
		struct sc_borrow *b = &sc->borrowed[i];

		if (READ_ONCE(b->sheaf) != sheaf)
			continue;
		n++;
		snprintf(buf, size, "%pS size=%u", (void *)b->caller,
			 sheaf->size);
	}
	return n;
}

#define ST_TRACK	"/sys/module/sheafcache/parameters/track_sheaves"

/* "borrowed" lists a sheaf out with its caller and size, until returned. */
int test_borrowed_lists(void)
{
	struct sheaf_cache *sc;
	struct sheaf *sheaf;
	char buf[KSYM_SYMBOL_LEN + 32], want[16];

	/* Off by default; once on, on until unload. */
	if (!EXPECT(!st_write_file(ST_TRACK, "1")))
		return -EIO;
	sc = st_debug_cache("sc_st_borrowed", 0);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 3);
	if (!EXPECT(sheaf)) {
		sheaf_cache_destroy(sc);
		return -ENOMEM;
	}
	snprintf(want, sizeof(want), "size=%u", sheaf_cache_sheaf_size(sheaf));
	EXPECT_EQ(st_borrowed(sc, sheaf, buf, sizeof(buf)), 1);
	/* The caller is prefill's: this function. */
	if (!EXPECT(strstr(buf, __func__)) ||
	    !EXPECT(strstr(buf, want)))
		pr_info("# borrowed: %s\n", buf);
	EXPECT(sheaf->borrow);
	EXPECT_EQ(atomic_read(&sc->borrow_untracked), 0);
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	EXPECT_EQ(st_borrowed(sc, sheaf, buf, sizeof(buf)), 0);
	EXPECT_EQ(atomic_read(&sc->borrow_untracked), 0);
	sheaf_cache_destroy(sc);
	return 0;
}

#define ST_OVERDUE	"/sys/module/sheafcache/parameters/sheaf_overdue"

/* A sheaf out longer than sheaf_overdue is warned about, and only once. */
int test_sheaf_overdue_once(void)
{
	struct sheaf_cache *sc;
	struct sheaf *sheaf;
	int err;

	sc = st_debug_cache("sc_st_overdue", 0);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	/* Before the prefill: it turns tracking on. */
	err = st_write_file(ST_OVERDUE, "1");
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 1);
	if (!EXPECT(sheaf)) {
		sheaf_cache_destroy(sc);
		return -ENOMEM;
	}
	if (!err) {
		/* The work looks once a second: twice past the limit. */
		msleep(3500);
		EXPECT_EQ(sheaf_cache_stat(sc, SC_SHEAF_OVERDUE), 1);
		msleep(2000);
		EXPECT_EQ(sheaf_cache_stat(sc, SC_SHEAF_OVERDUE), 1);
		EXPECT(!st_write_file(ST_OVERDUE, "0"));
	}
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	sheaf_cache_destroy(sc);
	return err;
}
