// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache selftest, slab's promises: whatever sits behind the sheaves,
 * a caller gets what kmem_cache_alloc() and kmem_cache_free() would give
 * it: the base's ctor and flags, pfmemalloc reserves kept for those
 * allowed them, objects of the node asked for, memcg charges. The cases
 * of the alloc and free paths themselves are in selftest_paths.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "selftest.h"

/* ===== Slab's promises ================================================ */

/* A capacity of 1020 fills 8 KiB exactly: an order-1 sheaf, not order 2. */
int test_capacity_limit(void)
{
	struct sheaf_cache_args args = { .sheaf_capacity = 1021 };
	struct sheaf_cache *sc;
	int ret = 0;

	sc = sheaf_cache_create_with_base("sc_st_cap", OBJ_SIZE, 0, 0, NULL,
					  &args);
	if (!EXPECT(PTR_ERR(sc) == -EINVAL) && !IS_ERR(sc))
		sheaf_cache_destroy(sc);
	args.sheaf_capacity = SHEAF_CACHE_MAX_CAPACITY;
	sc = sheaf_cache_create_with_base("sc_st_cap", OBJ_SIZE, 0, 0, NULL,
					  &args);
	if (!EXPECT(!IS_ERR(sc)))
		return PTR_ERR(sc);
	EXPECT(ksize(per_cpu_ptr(sc->cpu, raw_smp_processor_id())->main) <= 8192);
	sheaf_cache_destroy(sc);
	return ret;
}

/* An owned base: its facts are known, and a contradiction is refused. */
int test_create_with_base_facts(void)
{
	struct sheaf_cache_args ctor = { .base_flags = SHEAF_CACHE_BASE_CTOR };
	struct sheaf_cache *sc;
	int ret = 0;

#define REJECT(flags, c, a)						\
	do {								\
		sc = sheaf_cache_create_with_base("sc_st_facts", OBJ_SIZE,\
						  0, flags, c, a);	\
		if (!EXPECT(PTR_ERR(sc) == -EINVAL) && !IS_ERR(sc))	\
			sheaf_cache_destroy(sc);			\
	} while (0)

	REJECT(0, NULL, &ctor);			/* a ctor it does not have */
	/* SLAB_ACCOUNT left out (it is 0 without memcg: nothing left out) */
	if (ST_HAVE_ACCOUNT)
		REJECT(SLAB_ACCOUNT, st_ctor, &ctor);
	REJECT(SLAB_PANIC, NULL, NULL);		/* not a flag it takes */
	sc = sheaf_cache_create_with_base("sc_st_facts", 0, 0, 0, NULL, NULL);
	EXPECT(PTR_ERR(sc) == -EINVAL);
#undef REJECT

	/* The facts it knows, and the same declared, are both fine. */
	sc = sheaf_cache_create_with_base("sc_st_facts", OBJ_SIZE, 0, 0,
					  st_ctor, &ctor);
	if (!EXPECT(!IS_ERR(sc)))
		return PTR_ERR(sc);
	EXPECT(!sc->gfp_zero && !sc->init_on_alloc && !sc->init_on_free &&
	       !sc->accounted && sc->owned);
	EXPECT(kmem_cache_size(sheaf_cache_base(sc)) == OBJ_SIZE);
	sheaf_cache_destroy(sc);
	return ret;
}

/* A constructed object is never zeroed: nothing had to be declared. */
int test_owned_ctor_not_zeroed(void)
{
	struct sheaf_cache *sc;
	u8 *obj, *again;
	int ret = 0;

	sc = sheaf_cache_create_with_base("sc_st_ctor", OBJ_SIZE, 0, 0,
					  st_ctor, NULL);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	/* One CPU, as in test_zeroing(). */
	migrate_disable();
	obj = sheaf_cache_alloc(sc, GFP_KERNEL);
	EXPECT(obj && !memchr_inv(obj, 0x5a, OBJ_SIZE));
	sheaf_cache_free(sc, obj);
	again = sheaf_cache_alloc(sc, GFP_KERNEL | __GFP_ZERO);
	EXPECT(again == obj && !memchr_inv(again, 0x5a, OBJ_SIZE));
	sheaf_cache_free(sc, again);
	migrate_enable();
	sheaf_cache_destroy(sc);
	return ret;
}

/*
 * alloc_from_sheaf() goes by the sheaf's own cache: a wrong cache
 * argument neither zeroes a constructed object nor crashes.
 */
int test_alloc_from_sheaf_own_cache(void)
{
	struct sheaf_cache *sc;
	struct sheaf *sheaf;
	u8 *obj;

	sc = sheaf_cache_create_with_base("sc_st_fromown", OBJ_SIZE, 0, 0,
					  st_ctor, NULL);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 2);
	if (EXPECT(sheaf)) {
		obj = sheaf_cache_alloc_from_sheaf(NULL, __GFP_ZERO, sheaf);
		EXPECT(obj && !memchr_inv(obj, 0x5a, OBJ_SIZE));
		sheaf_cache_free(sc, obj);
		sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	}
	sheaf_cache_destroy(sc);
	return 0;
}

/* A SLAB_ACCOUNT base: memcg charges whoever allocates, so nothing caches. */
int test_accounted_base_bypasses(void)
{
	struct sheaf_cache *sc;
	struct sheaf *sheaf;
	void *objs[8];
	unsigned int i;

	if (!ST_HAVE_ACCOUNT)
		return sc_test_skip("no memcg, SLAB_ACCOUNT is 0");
	sc = sheaf_cache_create_with_base("sc_st_acct_memcg", OBJ_SIZE, 0,
					  SLAB_ACCOUNT, NULL, NULL);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = sheaf_cache_alloc(sc, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		sheaf_cache_free(sc, objs[i]);
	EXPECT(sheaf_cache_cached_objects(sc) == 0);
	EXPECT(sheaf_cache_stat(sc, SC_ACCOUNT_BYPASS) == ARRAY_SIZE(objs));
	EXPECT(sheaf_cache_stat(sc, SC_FREE_SLOW) == ARRAY_SIZE(objs));
	/* A prefill charges the caller; its objects go back to the base. */
	sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, 3);
	EXPECT(sheaf && sheaf->flush);
	if (sheaf)
		sheaf_cache_free(sc, sheaf_cache_alloc_from_sheaf(sc, 0, sheaf));
	sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	EXPECT(sheaf_cache_cached_objects(sc) == 0);
	sheaf_cache_destroy(sc);
	return 0;
}

/*
 * A __GFP_ACCOUNT call on a cache that is not accounted bypasses the
 * sheaves, and its object, charged, goes back to the base when freed;
 * an object that was never charged is still cached.
 */
int test_gfp_account_bypasses(void)
{
	struct sheaf_cache *sc;
	void *charged, *plain;
	unsigned long cached;

	sc = sheaf_cache_create_with_base("sc_st_gfpacct", OBJ_SIZE, 0, 0,
					  NULL, NULL);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	plain = sheaf_cache_alloc(sc, GFP_KERNEL);
	charged = sheaf_cache_alloc(sc, GFP_KERNEL_ACCOUNT);
	EXPECT(plain && charged);
	EXPECT(sheaf_cache_stat(sc, SC_ACCOUNT_BYPASS) == 1);
	EXPECT(atomic_long_read(&sc->free_check) & SC_CHECK_ACCOUNT);
	cached = sheaf_cache_cached_objects(sc);
	sheaf_cache_free(sc, charged);
	/* Where memcg is off or the task's cgroup is the root: no charge. */
	if (mem_cgroup_disabled() || !sc_folio_has_objcgs(virt_to_folio(charged)))
		pr_info("# no objcg: charged object looked uncharged\n");
	else
		EXPECT(sheaf_cache_cached_objects(sc) == cached);
	sheaf_cache_free(sc, plain);
	sheaf_cache_destroy(sc);
	return 0;
}

/*
 * Objects from the memory reserves (a pfmemalloc slab) never reach an
 * ordinary caller through a sheaf. A pfmemalloc slab cannot be had on
 * demand in a guest, so one is made: PG_active on a slab's folio is
 * slab's pfmemalloc mark, and a PF_MEMALLOC task may allocate from it.
 */
static void *st_pfmemalloc_object(struct kmem_cache *base, struct folio **fp,
				  void **anchor)
{
	unsigned int noreclaim;
	void *obj;

	*anchor = kmem_cache_alloc(base, GFP_KERNEL);
	if (!*anchor)
		return NULL;
	*fp = virt_to_folio(*anchor);
	folio_set_active(*fp);
	noreclaim = memalloc_noreclaim_save();
	obj = kmem_cache_alloc(base, GFP_ATOMIC);
	memalloc_noreclaim_restore(noreclaim);
	return obj;
}

int test_pfmemalloc_wrapped(void)
{
	struct folio *folio = NULL;
	unsigned long cached;
	void *anchor, *obj;
	struct fx fx;
	int ret;

	ret = fx_init(&fx, 1, 1);
	if (ret)
		return ret;
	migrate_disable();
	obj = st_pfmemalloc_object(fx.base, &folio, &anchor);
	if (EXPECT(obj && virt_to_folio(obj) == folio)) {
		cached = sheaf_cache_cached_objects(fx.sc);
		sheaf_cache_free(fx.sc, obj);
		EXPECT_STAT(&fx, SC_PFMEMALLOC, 1);
		EXPECT(sheaf_cache_cached_objects(fx.sc) == cached);
		obj = NULL;
	}
	migrate_enable();
	if (folio)
		folio_clear_active(folio);
	if (obj)
		kmem_cache_free(fx.base, obj);
	if (anchor)
		kmem_cache_free(fx.base, anchor);
	fx_fini(&fx);
	return 0;
}

/*
 * An owned base: the reserve object leaves through the base fallback (the
 * section held, as by an interrupted caller), is counted, and its free
 * goes back to the base; then the fast path needs no page test again.
 */
int test_pfmemalloc_owned(void)
{
	struct folio *folio = NULL;
	unsigned int noreclaim;
	local_trylock_t *tl;
	struct sheaf_cache *sc;
	void *anchor, *obj = NULL;
	unsigned long cached;

	sc = sheaf_cache_create_with_base("sc_st_pfmem", OBJ_SIZE, 0, 0, NULL,
					  NULL);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	migrate_disable();
	anchor = kmem_cache_alloc(sheaf_cache_base(sc), GFP_KERNEL);
	if (anchor) {
		folio = virt_to_folio(anchor);
		folio_set_active(folio);
		noreclaim = memalloc_noreclaim_save();
		if (sc_local_trylock(&sc->cpu->lock, &tl)) {
			obj = sheaf_cache_alloc(sc, GFP_ATOMIC);
			sc_local_unlock(tl);
		}
		memalloc_noreclaim_restore(noreclaim);
	}
	if (EXPECT(obj && virt_to_folio(obj) == folio)) {
		EXPECT((atomic_long_read(&sc->free_check) & ~SC_CHECK_ZERO) == 1);
		cached = sheaf_cache_cached_objects(sc);
		sheaf_cache_free(sc, obj);
		EXPECT(sheaf_cache_stat(sc, SC_PFMEMALLOC) == 1);
		EXPECT(sheaf_cache_cached_objects(sc) == cached);
		EXPECT((atomic_long_read(&sc->free_check) & ~SC_CHECK_ZERO) == 0);
		obj = NULL;
	}
	migrate_enable();
	if (folio)
		folio_clear_active(folio);
	if (obj)
		kmem_cache_free(sheaf_cache_base(sc), obj);
	if (anchor)
		kmem_cache_free(sheaf_cache_base(sc), anchor);
	sheaf_cache_destroy(sc);
	return 0;
}

/* ===== Over a base with sheaves of its own (6.18 on) ================== */

#define ST_NATIVE_BASE	"sc_st_native"
#define ST_NATIVE_OBJS	200

/*
 * The base's objects in use, from SLUB's count once kmem_cache_shrink()
 * has emptied its own sheaves and barns back into the slabs.
 */
static long st_native_objects(struct kmem_cache *base)
{
	kmem_cache_shrink(base);
	return st_slab_attr(ST_NATIVE_BASE, "objects");
}

/*
 * The base keeps its native sheaves (its name is not one the harness
 * boots slub_debug on): whatever sheafcache caches, hands out or gives
 * back, SLUB counts each object once, and nothing is lost.
 */
int test_native_sheaves_nothing_lost(void)
{
	long before, half = ST_NATIVE_OBJS / 2;
	struct sheaf_cache *sc = NULL;
	struct kmem_cache *base;
	unsigned long cached;
	void **objs;
	unsigned int i;
	int ret = -ENOMEM;

	base = st_base(ST_NATIVE_BASE, OBJ_SIZE, 0, NULL);
	objs = kcalloc(ST_NATIVE_OBJS, sizeof(*objs), GFP_KERNEL);
	if (!base || !objs)
		goto out;
	ret = sc_test_skip("the base has no sheaves of its own");
	if (st_slab_attr(ST_NATIVE_BASE, "sheaf_capacity") <= 0 ||
	    st_slab_attr(ST_NATIVE_BASE, "cpu_slabs") != 0)
		goto out;
	sc = sheaf_cache_create("st_native", base, NULL);
	ret = PTR_ERR_OR_ZERO(sc);
	if (ret)
		goto out;
	before = st_native_objects(base);
	for (i = 0; i < ST_NATIVE_OBJS; i++)
		objs[i] = sheaf_cache_alloc(sc, GFP_KERNEL);
	for (i = 0; i < half; i++)
		sheaf_cache_free(sc, objs[i]);
	/* What sheafcache holds is in use to SLUB; the rest is with us. */
	cached = sheaf_cache_cached_objects(sc);
	EXPECT_GT(cached, 0);
	EXPECT_EQ(st_native_objects(base) - before, half + (long)cached);
	/* Given back, through the base's own sheaves, to the slabs. */
	EXPECT_EQ(sheaf_cache_shrink(sc), cached);
	EXPECT_EQ(st_native_objects(base) - before, half);
	for (i = half; i < ST_NATIVE_OBJS; i++) {
		EXPECT(objs[i]);
		sheaf_cache_free(sc, objs[i]);
	}
	sheaf_cache_destroy(sc);
	sc = NULL;
	EXPECT_EQ(st_native_objects(base) - before, 0);
out:
	if (!IS_ERR_OR_NULL(sc))
		sheaf_cache_destroy(sc);
	kfree(objs);
	kmem_cache_destroy(base);
	return ret;
}

/* ===== NUMA =========================================================== */

#define ST_NUMA_OBJS	64

struct st_numa {
	struct sheaf_cache *sc;
	void *objs[ST_NUMA_OBJS];
	gfp_t gfp;
	int node;
};

static long st_numa_alloc(void *arg)
{
	struct st_numa *t = arg;
	unsigned int i;

	for (i = 0; i < ST_NUMA_OBJS; i++)
		t->objs[i] = sheaf_cache_alloc_node(t->sc, t->gfp, t->node);
	return 0;
}

static long st_numa_free(void *arg)
{
	struct st_numa *t = arg;
	unsigned int i;

	for (i = 0; i < ST_NUMA_OBJS; i++)
		sheaf_cache_free(t->sc, t->objs[i]);
	return 0;
}

/* Objects of t->objs not on @node; a missing object counts too. */
static unsigned int st_numa_off(struct st_numa *t, int node)
{
	unsigned int i, n = 0;

	for (i = 0; i < ST_NUMA_OBJS; i++)
		n += !t->objs[i] || page_to_nid(virt_to_page(t->objs[i])) != node;
	return n;
}

/* The first online CPU of @node, or nr_cpu_ids. */
static unsigned int st_node_cpu(int node)
{
	return cpumask_first_and(cpumask_of_node(node), cpu_online_mask);
}

/*
 * Objects of node 0 freed on a node-1 CPU go back to the base, so that
 * node 1's later allocations, with __GFP_THISNODE or without, are all of
 * node 1, as slab's are. Checked with each object's real node.
 */
int test_numa_remote_free(void)
{
	unsigned int cpu0 = st_node_cpu(0), cpu1 = st_node_cpu(1);
	struct st_numa *t;
	u64 remote;

	if (num_online_nodes() < 2 || cpu0 >= nr_cpu_ids || cpu1 >= nr_cpu_ids)
		return sc_test_skip("needs two nodes with CPUs");
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->sc = sheaf_cache_create_with_base("sc_st_acct_numa", OBJ_SIZE, 0, 0,
					     NULL, NULL);
	if (IS_ERR(t->sc)) {
		kfree(t);
		return -ENOMEM;
	}
	t->gfp = GFP_KERNEL;
	t->node = NUMA_NO_NODE;
	work_on_cpu(cpu0, st_numa_alloc, t);
	EXPECT(st_numa_off(t, 0) == 0);
	remote = sheaf_cache_stat(t->sc, SC_FREE_REMOTE);
	work_on_cpu(cpu1, st_numa_free, t);
	EXPECT(sheaf_cache_stat(t->sc, SC_FREE_REMOTE) - remote == ST_NUMA_OBJS);

	t->gfp = GFP_KERNEL | __GFP_THISNODE;
	work_on_cpu(cpu1, st_numa_alloc, t);
	EXPECT(st_numa_off(t, 1) == 0);
	work_on_cpu(cpu1, st_numa_free, t);
	t->gfp = GFP_KERNEL;
	work_on_cpu(cpu1, st_numa_alloc, t);
	EXPECT(st_numa_off(t, 1) == 0);
	work_on_cpu(cpu1, st_numa_free, t);

	/* An explicit node is served by that node, wherever the caller is. */
	t->gfp = GFP_KERNEL | __GFP_THISNODE;
	t->node = 0;
	remote = sheaf_cache_stat(t->sc, SC_ALLOC_REMOTE);
	work_on_cpu(cpu1, st_numa_alloc, t);
	EXPECT(st_numa_off(t, 0) == 0);
	EXPECT(sheaf_cache_stat(t->sc, SC_ALLOC_REMOTE) - remote == ST_NUMA_OBJS);
	work_on_cpu(cpu0, st_numa_free, t);

	sheaf_cache_destroy(t->sc);
	kfree(t);
	return 0;
}

/*
 * The shrinker is NUMA-aware: it counts the objects (not the empty
 * sheaves) of the node under pressure, and a scan of one object there
 * gives back one sheaf of that node and nothing of the other.
 */
int test_shrinker_per_node(void)
{
	unsigned int cpu0 = st_node_cpu(0), cpu1 = st_node_cpu(1);
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP, .max_full_sheaves = 4,
		.max_empty_sheaves = 4,
	};
	struct shrink_control ctl = { .gfp_mask = GFP_KERNEL };
	struct st_fill f = { .n = 4 * CAP };
	struct shrinker *s;

	if (num_online_nodes() < 2 || cpu0 >= nr_cpu_ids || cpu1 >= nr_cpu_ids)
		return sc_test_skip("needs two nodes with CPUs");
	f.sc = sheaf_cache_create_with_base("sc_st_shrinknode", OBJ_SIZE, 0, 0,
					    NULL, &args);
	if (IS_ERR(f.sc))
		return PTR_ERR(f.sc);
	s = f.sc->shrinker;
	/* Main and spare full, then two full sheaves in each node's barn. */
	work_on_cpu(cpu0, st_fill_cpu, &f);
	work_on_cpu(cpu1, st_fill_cpu, &f);
	EXPECT(f.sc->barns[0]->nr_full == 2 && f.sc->barns[1]->nr_full == 2);
	ctl.nid = 0;
	EXPECT(s->count_objects(s, &ctl) == 2 * CAP);
	ctl.nr_to_scan = 1;
	EXPECT(s->scan_objects(s, &ctl) == CAP);
	EXPECT(f.sc->barns[0]->nr_full == 1 && f.sc->barns[1]->nr_full == 2);
	ctl.nid = 1;
	EXPECT(s->count_objects(s, &ctl) == 2 * CAP);
	sheaf_cache_destroy(f.sc);
	return 0;
}

/* ===== memcg ========================================================== */

/* slab_unreclaimable of memcg_dir's memory.stat, in bytes; -1 on error. */
static long st_memcg_slab(void)
{
	char path[128], *buf, *p;
	long n = -1;
	struct file *f;
	loff_t pos = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/memory.stat", memcg_dir);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return -1;
	buf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	len = buf ? kernel_read(f, buf, PAGE_SIZE - 1, &pos) : -ENOMEM;
	filp_close(f, NULL);
	p = len > 0 ? strstr(buf, "\nslab_unreclaimable ") : NULL;
	if (p && sscanf(p + 1, "slab_unreclaimable %ld", &n) != 1)
		n = -1;
	kfree(buf);
	return n;
}

#define ST_MEMCG_OBJS	2048
#define ST_MEMCG_SIZE	512

/*
 * Whether the loading task's cgroup was charged about @n objects between
 * @before and now. memcg batches charges and statistics per CPU (a page's
 * worth of bytes per CPU, flushed by a threshold), so the tolerance is a
 * tenth of the total plus 64 KiB either way.
 */
static bool st_memcg_charged(long before, unsigned long n, const char *what)
{
	long want = n * ST_MEMCG_SIZE, got = st_memcg_slab() - before;
	long slack = want / 10 + SZ_64K;

	pr_info("# %s: %ld bytes charged, %ld expected\n", what, got, want);
	return got >= want - slack && got <= want + slack;
}

/*
 * Accounted allocations are charged to the task that makes them, through
 * the sheaves' API as through slab's: a SLAB_ACCOUNT base's objects, a
 * prefill of it, and __GFP_ACCOUNT calls on a cache that is not
 * accounted; that cache's plain allocations are not charged.
 */
int test_memcg_charges_allocator(void)
{
	struct sheaf_cache *acct, *plain;
	struct sheaf *sheaf;
	void **objs;
	long before;
	unsigned int i;
	int ret = -ENOMEM;

	if (!memcg_dir || st_memcg_slab() < 0)
		return sc_test_skip("no cgroup to read");
	objs = kvcalloc(ST_MEMCG_OBJS, sizeof(*objs), GFP_KERNEL);
	acct = sheaf_cache_create_with_base("sc_st_memcg_acct", ST_MEMCG_SIZE,
					    0, SLAB_ACCOUNT, NULL, NULL);
	plain = sheaf_cache_create_with_base("sc_st_memcg_plain", ST_MEMCG_SIZE,
					     0, 0, NULL, NULL);
	if (!objs || IS_ERR(acct) || IS_ERR(plain))
		goto out;
	ret = 0;

	before = st_memcg_slab();
	for (i = 0; i < ST_MEMCG_OBJS; i++)
		objs[i] = sheaf_cache_alloc(acct, GFP_KERNEL);
	EXPECT(st_memcg_charged(before, ST_MEMCG_OBJS, "SLAB_ACCOUNT"));
	for (i = 0; i < ST_MEMCG_OBJS; i++)
		sheaf_cache_free(acct, objs[i]);
	EXPECT(st_memcg_charged(before, 0, "SLAB_ACCOUNT freed"));

	sheaf = sheaf_cache_prefill_sheaf(acct, GFP_KERNEL, ST_MEMCG_OBJS);
	EXPECT(sheaf && st_memcg_charged(before, ST_MEMCG_OBJS, "prefill"));
	sheaf_cache_return_sheaf(acct, GFP_KERNEL, sheaf);
	EXPECT(st_memcg_charged(before, 0, "prefill returned"));

	for (i = 0; i < ST_MEMCG_OBJS; i++)
		objs[i] = sheaf_cache_alloc(plain, GFP_KERNEL);
	EXPECT(st_memcg_charged(before, 0, "not accounted"));
	for (i = 0; i < ST_MEMCG_OBJS; i++)
		sheaf_cache_free(plain, objs[i]);
	sheaf_cache_shrink(plain);

	for (i = 0; i < ST_MEMCG_OBJS; i++)
		objs[i] = sheaf_cache_alloc(plain, GFP_KERNEL_ACCOUNT);
	EXPECT(st_memcg_charged(before, ST_MEMCG_OBJS, "__GFP_ACCOUNT"));
	for (i = 0; i < ST_MEMCG_OBJS; i++)
		sheaf_cache_free(plain, objs[i]);
	/* Charged objects are never cached: they went back to the base. */
	EXPECT(sheaf_cache_cached_objects(plain) == 0);
	EXPECT(st_memcg_charged(before, 0, "__GFP_ACCOUNT freed"));
out:
	if (!IS_ERR_OR_NULL(plain))
		sheaf_cache_destroy(plain);
	if (!IS_ERR_OR_NULL(acct))
		sheaf_cache_destroy(acct);
	kvfree(objs);
	return ret;
}

