// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache selftest: every branch of the alloc and free paths, the
 * guaranteed-allocation API, zeroing, exact statistics and destruction,
 * reported as KTAP in the kernel log (sc_test.h). Init fails when a case
 * fails, so insmod says so too. Deterministic and fast: concurrency is
 * the torture module's. Slab's promises are in selftest_promises.c.
 *
 * The single-CPU cases run with migration disabled: sheaves are per CPU,
 * and that is what makes their counters exact. They look inside the cache
 * (internal.h) where the public API cannot tell which branch ran.
 *
 * Exact object accounting reads /sys/kernel/slab/<base>/objects, which
 * counts exactly only for a cache with slub debugging on: boot with
 * slub_debug=FZP,sc_st_acct* (the test harness does), or those checks
 * report SKIP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
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

#include "core.h"
#include "selftest.h"
#include "sheafcache_upstream.h"

static bool quick;
module_param(quick, bool, 0444);
MODULE_PARM_DESC(quick, "run only a few cases, one per export (lifecycle)");

char *memcg_dir;
module_param(memcg_dir, charp, 0444);
MODULE_PARM_DESC(memcg_dir,
		 "cgroup2 directory of the loading task: run only the memcg case");

/* ===== Harness ======================================================== */

SC_TEST_STATE;

static unsigned int fx_seq;

void st_ctor(void *obj)
{
	memset(obj, 0x5a, OBJ_SIZE);
}

int fx_init_base(struct fx *fx, const char *base_name,
		 unsigned int size, const struct sheaf_cache_args *args,
			slab_flags_t flags, void (*ctor)(void *))
{
	snprintf(fx->name, sizeof(fx->name), "st%u", ++fx_seq);
	fx->base = st_base(base_name ?: fx->name, size, flags, ctor);
	if (!fx->base)
		return -ENOMEM;
	fx->sc = sheaf_cache_create(fx->name, fx->base, args);
	if (IS_ERR(fx->sc)) {
		kmem_cache_destroy(fx->base);
		return PTR_ERR(fx->sc);
	}
	return 0;
}

/*
 * A fixed capacity: the cases count what each path does at CAP. No trim
 * either: one that fired in a case slow enough (a debug kernel's) would
 * move sheaves under its counts.
 */
int fx_init(struct fx *fx, unsigned int max_full, unsigned int max_empty)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_full_sheaves = max_full,
		.max_empty_sheaves = max_empty,
		.flags = SHEAF_CACHE_FIXED_CAPACITY,
	};
	int ret = fx_init_base(fx, NULL, OBJ_SIZE, &args, 0, NULL);

	if (!ret)
		cancel_delayed_work_sync(&fx->sc->trim);
	return ret;
}

void fx_fini(struct fx *fx)
{
	sheaf_cache_destroy(fx->sc);
	kmem_cache_destroy(fx->base);
}

/* A case on a fresh fixture, pinned to one CPU. */
static int fx_run(int (*body)(struct fx *fx), unsigned int max_full,
		  unsigned int max_empty)
{
	struct fx fx;
	int ret;

	ret = fx_init(&fx, max_full, max_empty);
	if (ret)
		return ret;
	migrate_disable();
	ret = body(&fx);
	migrate_enable();
	fx_fini(&fx);
	return ret;
}

/* Defines test_<n>() on a fixture with barns of @full and @empty sheaves. */
#define FX_TEST(n, full, empty)						\
static int fx_##n(struct fx *fx);					\
static int test_##n(void)						\
{									\
	return fx_run(fx_##n, full, empty);				\
}									\
static int fx_##n(struct fx *fx)

static struct sc_cpu *fx_cpu(struct fx *fx)
{
	return this_cpu_ptr(fx->sc->cpu);
}

static unsigned int fx_main(struct fx *fx)
{
	return fx_cpu(fx)->main->size;
}

static int fx_spare(struct fx *fx)
{
	return fx_cpu(fx)->spare ? fx_cpu(fx)->spare->size : -1;
}

static struct sc_barn *fx_barn(struct fx *fx)
{
	return fx->sc->barns[numa_mem_id()];
}

/* Free @n objects taken from the base, not through the sheaves. */
static void fx_free_new(struct fx *fx, unsigned int n)
{
	while (n--)
		sheaf_cache_free(fx->sc, kmem_cache_alloc(fx->base, GFP_KERNEL));
}

/* ===== Creation ======================================================= */

static int test_create_rejects_bad_args(void)
{
	struct sheaf_cache_args args = {};
	struct kmem_cache *base;
	int ret = 0;

	base = st_base("sc_st_args", OBJ_SIZE, 0, NULL);
	if (!base)
		return -ENOMEM;

#define REJECT(name, b, a)						\
	do {								\
		struct sheaf_cache *__sc = sheaf_cache_create(name, b, a);\
		if (PTR_ERR(__sc) != -EINVAL) {				\
			pr_info("# line %d: got %ld\n", __LINE__,	\
				PTR_ERR(__sc));				\
			if (!IS_ERR(__sc))				\
				sheaf_cache_destroy(__sc);		\
			ret = -EINVAL;					\
		}							\
	} while (0)

	REJECT(NULL, base, NULL);
	REJECT("", base, NULL);
	REJECT("a_name_that_is_longer_than_31_chars", base, NULL);
	REJECT("a/b", base, NULL);
	REJECT("nobase", NULL, NULL);
	args.sheaf_capacity = SHEAF_CACHE_MAX_CAPACITY + 1;
	REJECT("cap", base, &args);
	args.sheaf_capacity = 0;
	args.max_full_sheaves = SHEAF_CACHE_MAX_BARN + 1;
	REJECT("full", base, &args);
	args.max_full_sheaves = 0;
	args.max_empty_sheaves = SHEAF_CACHE_MAX_BARN + 1;
	REJECT("empty", base, &args);
	args.max_empty_sheaves = 0;
	args.base_flags = 0x100;
	REJECT("flags", base, &args);
	args.base_flags = 0;
	/* No debugfs directory could be made for them. */
	REJECT(".", base, NULL);
	REJECT("..", base, NULL);
#undef REJECT

	kmem_cache_destroy(base);
	return ret;
}

static int test_create_rejects_duplicates(void)
{
	struct kmem_cache *a, *b;
	struct sheaf_cache *sc, *dup;
	int ret = -EINVAL;

	a = st_base("sc_st_dup_a", OBJ_SIZE, 0, NULL);
	b = st_base("sc_st_dup_b", OBJ_SIZE, 0, NULL);
	if (!a || !b)
		goto out;
	sc = sheaf_cache_create("dup", a, NULL);
	if (IS_ERR(sc))
		goto out;
	dup = sheaf_cache_create("dup2", a, NULL);
	if (PTR_ERR(dup) != -EEXIST)
		goto destroy;
	dup = sheaf_cache_create("dup", b, NULL);
	if (PTR_ERR(dup) != -EEXIST)
		goto destroy;
	/* An owned cache's name is taken as any other's. */
	dup = sheaf_cache_create_with_base("dup", OBJ_SIZE, 0, 0, NULL, NULL);
	if (PTR_ERR(dup) != -EEXIST)
		goto destroy;
	sheaf_cache_destroy(sc);
	sc = sheaf_cache_create_with_base("dup", OBJ_SIZE, 0, 0, NULL, NULL);
	if (IS_ERR(sc))
		goto out;
	dup = sheaf_cache_create_with_base("dup", OBJ_SIZE, 0, 0, NULL, NULL);
	if (PTR_ERR(dup) != -EEXIST)
		goto destroy;
	sheaf_cache_destroy(sc);
	/* Both the name and the base are free again. */
	sc = sheaf_cache_create("dup", a, NULL);
	if (IS_ERR(sc))
		goto out;
	ret = 0;
destroy:
	if (!IS_ERR_OR_NULL(dup))
		sheaf_cache_destroy(dup);
	sheaf_cache_destroy(sc);
out:
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	return ret;
}

static int test_default_capacity(void)
{
	static const unsigned int sizes[] = { 64, 256, 1024, PAGE_SIZE };
	static const unsigned int caps[] = { 60, 26, 12, 4 };
	struct sheaf_cache_args args = { .sheaf_capacity = 7 };
	unsigned int i;
	struct fx fx;
	int ret;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ret = fx_init_base(&fx, NULL, sizes[i], NULL, 0, NULL);
		if (ret)
			return ret;
		ret = sheaf_cache_capacity(fx.sc) == caps[i] ? 0 : -EINVAL;
		fx_fini(&fx);
		EXPECT(!ret);
	}
	ret = fx_init_base(&fx, NULL, OBJ_SIZE, &args, 0, NULL);
	if (ret)
		return ret;
	ret = sheaf_cache_capacity(fx.sc) == 7 ? 0 : -EINVAL;
	fx_fini(&fx);
	return ret;
}

/* ===== The alloc path, branch by branch =============================== */

/* Empty main, no spare, empty barn: a new sheaf is filled from the base. */
FX_TEST(alloc_refill, 1, 1)
{
	u64 sheaves = sheaf_cache_stat(fx->sc, SC_SHEAF_ALLOC);
	void *obj = sheaf_cache_alloc(fx->sc, GFP_KERNEL);

	EXPECT(obj);
	EXPECT_STAT(fx, SC_ALLOC_FAST, 1);
	EXPECT_STAT(fx, SC_ALLOC_SLOW, 0);
	EXPECT_STAT(fx, SC_BARN_GET_FAIL, 1);
	EXPECT_STAT(fx, SC_REFILL, CAP);
	EXPECT_STAT(fx, SC_SHEAF_ALLOC, sheaves + 1);
	EXPECT(fx_main(fx) == CAP - 1);
	/* The empty main went to the barn. */
	EXPECT(fx_barn(fx)->nr_empty == 1);
	EXPECT(sheaf_cache_cached_objects(fx->sc) == CAP - 1);
	sheaf_cache_free(fx->sc, obj);
	return 0;
}

/* Objects come from main, LIFO, without touching anything else. */
FX_TEST(alloc_fast, 1, 1)
{
	void *a, *b;

	fx_free_new(fx, 2);
	a = sheaf_cache_alloc(fx->sc, GFP_KERNEL);
	sheaf_cache_free(fx->sc, a);
	b = sheaf_cache_alloc(fx->sc, GFP_KERNEL);
	EXPECT(a == b);
	EXPECT_STAT(fx, SC_ALLOC_FAST, 2);
	EXPECT_STAT(fx, SC_FREE_FAST, 3);
	EXPECT_STAT(fx, SC_REFILL, 0);
	EXPECT_STAT(fx, SC_BARN_GET_FAIL, 0);
	EXPECT(fx_main(fx) == 1);
	sheaf_cache_free(fx->sc, b);
	return 0;
}

/* Empty main, spare with objects: they swap. */
FX_TEST(alloc_swap, 1, 1)
{
	void *objs[2];

	fx_free_new(fx, CAP + 1);	/* main full -> spare; main 1 */
	EXPECT(fx_main(fx) == 1 && fx_spare(fx) == CAP);
	objs[0] = sheaf_cache_alloc(fx->sc, GFP_KERNEL);
	objs[1] = sheaf_cache_alloc(fx->sc, GFP_KERNEL);
	EXPECT(objs[0] && objs[1]);
	EXPECT_STAT(fx, SC_SWAP, 1);
	EXPECT(fx_main(fx) == CAP - 1 && fx_spare(fx) == 0);
	EXPECT_STAT(fx, SC_REFILL, 0);
	sheaf_cache_free(fx->sc, objs[0]);
	sheaf_cache_free(fx->sc, objs[1]);
	return 0;
}

/* Empty main and spare, a full sheaf in the barn: exchanged. */
FX_TEST(alloc_barn_get, 1, 1)
{
	struct sc_barn *barn = fx_barn(fx);
	void *objs[2 * CAP + 1];
	unsigned int i;

	/* main full, spare full, then main goes to the barn: main 1 */
	fx_free_new(fx, 2 * CAP + 1);
	EXPECT(barn->nr_full == 1 && fx_main(fx) == 1 && fx_spare(fx) == CAP);
	EXPECT_STAT(fx, SC_BARN_PUT, 1);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = sheaf_cache_alloc(fx->sc, GFP_KERNEL);
	EXPECT_STAT(fx, SC_SWAP, 1);
	EXPECT_STAT(fx, SC_BARN_GET, 1);
	EXPECT_STAT(fx, SC_ALLOC_FAST, 2 * CAP + 1);
	EXPECT_STAT(fx, SC_REFILL, 0);
	EXPECT(barn->nr_full == 0 && fx_main(fx) == 0);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		sheaf_cache_free(fx->sc, objs[i]);
	return 0;
}

/* Nothing cached and IRQs off: no batch from the base, one object. */
FX_TEST(alloc_irqs_off, 1, 1)
{
	unsigned long flags;
	void *obj;

	local_irq_save(flags);
	obj = sheaf_cache_alloc(fx->sc, GFP_ATOMIC);
	local_irq_restore(flags);
	EXPECT(obj);
	EXPECT_STAT(fx, SC_ALLOC_SLOW, 1);
	EXPECT_STAT(fx, SC_ALLOC_FAST, 0);
	EXPECT_STAT(fx, SC_REFILL, 0);
	EXPECT(sheaf_cache_cached_objects(fx->sc) == 0);
	sheaf_cache_free(fx->sc, obj);
	return 0;
}

/* A call that finds the section busy takes the base path. */
FX_TEST(reentrant, 1, 1)
{
	local_trylock_t *tl;
	void *obj;

	fx_free_new(fx, 1);
	/* What an interrupt inside the section would see. */
	if (!EXPECT(sc_local_trylock(&fx->sc->cpu->lock, &tl)))
		return 0;
	obj = sheaf_cache_alloc(fx->sc, GFP_ATOMIC);
	sheaf_cache_free(fx->sc, obj);
	sc_local_unlock(tl);
	EXPECT(obj);
	EXPECT_STAT(fx, SC_REENTRANT, 2);
	EXPECT_STAT(fx, SC_ALLOC_SLOW, 1);
	EXPECT_STAT(fx, SC_FREE_SLOW, 1);
	EXPECT_STAT(fx, SC_ALLOC_FAST, 0);
	EXPECT(fx_main(fx) == 1);
	return 0;
}

/* ===== The free path, branch by branch ================================ */

/* Full main, no spare: main becomes the spare, an empty one main. */
FX_TEST(free_spare_slot, 1, 1)
{
	fx_free_new(fx, CAP + 1);
	EXPECT_STAT(fx, SC_FREE_FAST, CAP + 1);
	EXPECT(fx_main(fx) == 1 && fx_spare(fx) == CAP);
	EXPECT_STAT(fx, SC_SWAP, 0);
	EXPECT_STAT(fx, SC_BARN_PUT, 0);
	return 0;
}

/* Full main, spare with room: they swap. */
FX_TEST(free_swap, 1, 1)
{
	void *a, *b;

	fx_free_new(fx, CAP + 1);	/* main 1, spare CAP */
	a = sheaf_cache_alloc(fx->sc, GFP_KERNEL);	/* main 0 */
	fx_free_new(fx, CAP);		/* main CAP */
	/* spare is full too: the next free goes to the barn */
	sheaf_cache_free(fx->sc, a);
	EXPECT_STAT(fx, SC_BARN_PUT, 1);
	EXPECT_STAT(fx, SC_SWAP, 0);
	EXPECT(fx_main(fx) == 1);
	a = sheaf_cache_alloc(fx->sc, GFP_KERNEL);	/* main 0 */
	b = sheaf_cache_alloc(fx->sc, GFP_KERNEL);	/* swap: main CAP-1 */
	EXPECT_STAT(fx, SC_SWAP, 1);
	EXPECT(fx_spare(fx) == 0);
	fx_free_new(fx, 1);				/* main CAP */
	sheaf_cache_free(fx->sc, b);			/* spare has room: swap */
	EXPECT_STAT(fx, SC_SWAP, 2);
	EXPECT(fx_main(fx) == 1 && fx_spare(fx) == CAP);
	sheaf_cache_free(fx->sc, a);
	return 0;
}

/* Full main and spare, the barn at its limit: main is flushed. */
FX_TEST(free_flush, 1, 1)
{
	fx_free_new(fx, 3 * CAP);	/* spare CAP, barn 1 full, main CAP */
	EXPECT(fx_barn(fx)->nr_full == 1 && fx_main(fx) == CAP);
	EXPECT_STAT(fx, SC_FLUSH, 0);
	fx_free_new(fx, 1);
	EXPECT_STAT(fx, SC_BARN_PUT_FAIL, 1);
	EXPECT_STAT(fx, SC_FLUSH, CAP);
	EXPECT(fx_main(fx) == 1 && fx_spare(fx) == CAP);
	EXPECT_STAT(fx, SC_FREE_FAST, 3 * CAP + 1);
	EXPECT(sheaf_cache_cached_objects(fx->sc) == 2 * CAP + 1);
	return 0;
}

/* The same with IRQs off: no batch, the object goes to the base. */
FX_TEST(free_irqs_off, 1, 1)
{
	unsigned long flags;
	void *obj;

	fx_free_new(fx, 3 * CAP);
	obj = kmem_cache_alloc(fx->base, GFP_KERNEL);
	local_irq_save(flags);
	sheaf_cache_free(fx->sc, obj);
	local_irq_restore(flags);
	EXPECT_STAT(fx, SC_FREE_SLOW, 1);
	EXPECT_STAT(fx, SC_FLUSH, 0);
	EXPECT(fx_main(fx) == CAP);
	return 0;
}

/* ===== Zeroing ======================================================== */

static int test_zeroing(void)
{
	struct fx fx;
	u8 *obj, *again;
	int ret;

	ret = fx_init(&fx, 0, 0);
	if (ret)
		return ret;
	/*
	 * The freed object comes back from this CPU's sheaf only: a migration
	 * in between (likely under PREEMPT_RT) would hand out another one.
	 */
	migrate_disable();
	obj = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
	memset(obj, 0xaa, OBJ_SIZE);
	sheaf_cache_free(fx.sc, obj);
	again = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
	ret = -EINVAL;
	/* init_on_alloc (Debian's default) zeroes every object */
	if (again == obj &&
	    (!want_init_on_alloc(0) || !memchr_inv(again, 0, OBJ_SIZE))) {
		memset(again, 0xaa, OBJ_SIZE);
		sheaf_cache_free(fx.sc, again);
		again = sheaf_cache_alloc(fx.sc, GFP_KERNEL | __GFP_ZERO);
		if (again == obj && !memchr_inv(again, 0, OBJ_SIZE))
			ret = 0;
	}
	sheaf_cache_free(fx.sc, again);
	migrate_enable();
	fx_fini(&fx);
	return ret;
}

/* A constructed object is never zeroed: that would undo the ctor. */
static int test_ctor_not_zeroed(void)
{
	struct sheaf_cache_args args = { .base_flags = SHEAF_CACHE_BASE_CTOR };
	struct fx fx;
	u8 *obj, *again;
	int ret;

	ret = fx_init_base(&fx, NULL, OBJ_SIZE, &args, 0, st_ctor);
	if (ret)
		return ret;
	/* One CPU, as in test_zeroing(). */
	migrate_disable();
	obj = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
	ret = obj && !memchr_inv(obj, 0x5a, OBJ_SIZE) ? 0 : -EINVAL;
	sheaf_cache_free(fx.sc, obj);
	again = sheaf_cache_alloc(fx.sc, GFP_KERNEL | __GFP_ZERO);
	if (again != obj || memchr_inv(again, 0x5a, OBJ_SIZE))
		ret = -EINVAL;
	sheaf_cache_free(fx.sc, again);
	migrate_enable();
	fx_fini(&fx);
	return ret;
}

/* Type-stable objects: RCU readers may look, so only __GFP_ZERO zeroes. */
static int test_typesafe_rcu_zeroing(void)
{
	struct sheaf_cache_args args = {
		.base_flags = SHEAF_CACHE_BASE_TYPESAFE_RCU,
	};
	struct fx fx;
	u8 *obj, *again;
	int ret;

	ret = fx_init_base(&fx, NULL, OBJ_SIZE, &args, SLAB_TYPESAFE_BY_RCU,
			   NULL);
	if (ret)
		return ret;
	/* One CPU, as in test_zeroing(). */
	migrate_disable();
	ret = -EINVAL;
	obj = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
	memset(obj, 0x77, OBJ_SIZE);
	sheaf_cache_free(fx.sc, obj);
	/* Still type-stable while cached, whatever init_on_free says. */
	if (memchr_inv(obj, 0x77, OBJ_SIZE))
		goto out;
	again = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
	if (again != obj || memchr_inv(again, 0x77, OBJ_SIZE)) {
		sheaf_cache_free(fx.sc, again);
		goto out;
	}
	sheaf_cache_free(fx.sc, again);
	again = sheaf_cache_alloc(fx.sc, GFP_KERNEL | __GFP_ZERO);
	if (again == obj && !memchr_inv(again, 0, OBJ_SIZE))
		ret = 0;
	sheaf_cache_free(fx.sc, again);
out:
	migrate_enable();
	fx_fini(&fx);
	return ret;
}

/* ===== Lazy zeroing =================================================== */

/*
 * Under init_on_alloc a free leaves the object dirty, its pointer tagged
 * (core.h); every way an object leaves sheafcache must zero and untag it.
 * These cases fill a CPU's main, spare and barn with dirty objects, then
 * take them by one way. Objects of 64 bytes are zeroed with stores,
 * those of 1 KiB with memset().
 */
#define ST_LAZY_CACHED	(4 * CAP)	/* main + spare + a barn of 2 */

enum st_lazy_way { ST_LAZY_ALLOC, ST_LAZY_BULK, ST_LAZY_PREFILL,
		   ST_LAZY_UPSTREAM, ST_LAZY_CHAIN };

/* What the test expects of a handed-out object: zeroed, and untagged. */
static bool st_lazy_ok(void *obj, unsigned int size)
{
	if (!obj || sc_obj_dirty(obj))
		return false;
	return !want_init_on_alloc(0) || !memchr_inv(obj, 0, size);
}

/* Take every object of a prefilled @sheaf, with IRQs off; how many. */
static unsigned int st_lazy_take(struct fx *fx, struct sheaf *sheaf, void **p)
{
	unsigned int n = 0;
	unsigned long flags;

	local_irq_save(flags);
	while ((p[n] = sheaf_cache_alloc_from_sheaf(fx->sc, GFP_ATOMIC, sheaf)))
		n++;
	local_irq_restore(flags);
	return n;
}

/*
 * Prefilled sheaves from each source: the spare, a full sheaf of the
 * barn, and an oversize one that takes main's objects. All three are
 * held at once, so that each comes from where it should.
 */
static unsigned int st_lazy_prefill(struct fx *fx, void **p)
{
	struct sheaf *spare, *barn, *over;
	unsigned int n = 0;

	spare = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, CAP);
	EXPECT_STAT(fx, SC_PREFILL_FAST, 1);
	barn = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, CAP);
	EXPECT_STAT(fx, SC_BARN_GET, 1);
	over = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 2 * CAP);
	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 1);
	if (EXPECT(spare && barn && over)) {
		n += st_lazy_take(fx, spare, p + n);
		n += st_lazy_take(fx, barn, p + n);
		n += st_lazy_take(fx, over, p + n);
	}
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, spare);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, barn);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, over);
	return n;
}

/* Upstream's API over a cache sheafcache serves: its sheaves. */
static unsigned int st_lazy_upstream(struct fx *fx, void **p)
{
	struct slab_sheaf *sheaf;
	unsigned int n = 0;

	sheaf = sheafcache_kmem_cache_prefill_sheaf(fx->base, GFP_KERNEL, CAP);
	if (!EXPECT(sheaf))
		return 0;
	while ((p[n] = sheafcache_kmem_cache_alloc_from_sheaf(fx->base,
							      GFP_ATOMIC,
							      sheaf)))
		n++;
	sheafcache_kmem_cache_return_sheaf(fx->base, GFP_KERNEL, sheaf);
	return n;
}

/*
 * A reservation of 3 * CAP links the spare [d d d d] and the barn's full
 * sheaf [d d d d] to a sheaf from the base: every linked sheaf is cleaned
 * when it is handed out, not only the first. Given back empty, the two
 * cache sheaves join the barn's empty ones.
 */
static unsigned int st_lazy_chain(struct fx *fx, void **p)
{
	struct sheaf *sheaf;
	unsigned int n = 0;

	EXPECT_EQ(fx_spare(fx), CAP);
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 3 * CAP);
	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 1);
	EXPECT_STAT(fx, SC_BARN_GET, 1);
	EXPECT_STAT(fx, SC_REFILL, CAP);
	if (EXPECT(sheaf))
		n = st_lazy_take(fx, sheaf, p);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	EXPECT_EQ(fx_main(fx), 2);
	return n;
}

static int st_lazy_round(unsigned int size, enum st_lazy_way way)
{
	static const unsigned int want[] = {
		[ST_LAZY_ALLOC] = ST_LAZY_CACHED,
		[ST_LAZY_BULK] = ST_LAZY_CACHED,
		[ST_LAZY_PREFILL] = 4 * CAP,
		[ST_LAZY_UPSTREAM] = CAP,
		[ST_LAZY_CHAIN] = 3 * CAP,
	};
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_full_sheaves = 2,
		.max_empty_sheaves = 2,
	};
	/* Main [d d], the spare and a barn sheaf, for st_lazy_chain(). */
	unsigned int nfree = way == ST_LAZY_CHAIN ? 2 * CAP + 2 : ST_LAZY_CACHED;
	void *p[4 * CAP + 1], *dirty[ST_LAZY_CACHED];
	unsigned int i, n = 0, bad = 0;
	struct fx fx;
	int ret;

	ret = fx_init_base(&fx, NULL, size, &args, 0, NULL);
	if (ret)
		return ret;
	/* One CPU, as in test_zeroing(): its sheaves hold what it freed. */
	migrate_disable();
	for (i = 0; i < ST_LAZY_CACHED; i++) {
		dirty[i] = kmem_cache_alloc(fx.base, GFP_KERNEL);
		if (!EXPECT(dirty[i]))
			goto out;
		memset(dirty[i], 0xaa, size);
	}
	for (i = 0; i < nfree; i++)
		sheaf_cache_free(fx.sc, dirty[i]);
	EXPECT_EQ(sheaf_cache_cached_objects(fx.sc), nfree);
	/* Under Debian's default the objects are cached dirty: lazily. */
	if (want_init_on_alloc(0) && !want_init_on_free())
		EXPECT(sc_obj_dirty(fx_cpu(&fx)->main->objects[0]));

	switch (way) {
	case ST_LAZY_ALLOC:
		for (n = 0; n < ST_LAZY_CACHED; n++)
			p[n] = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
		EXPECT_STAT(&fx, SC_REFILL, 0);
		break;
	case ST_LAZY_BULK:
		n = sheaf_cache_alloc_bulk(fx.sc, GFP_KERNEL, ST_LAZY_CACHED, p);
		EXPECT_STAT(&fx, SC_REFILL, 0);
		break;
	case ST_LAZY_PREFILL:
		n = st_lazy_prefill(&fx, p);
		break;
	case ST_LAZY_UPSTREAM:
		n = st_lazy_upstream(&fx, p);
		break;
	case ST_LAZY_CHAIN:
		n = st_lazy_chain(&fx, p);
		break;
	}
	EXPECT_EQ(n, want[way]);
	for (i = 0; i < n; i++) {
		if (!st_lazy_ok(p[i], size))
			bad++;
		if (p[i])
			sheaf_cache_free(fx.sc, sc_obj_ptr(p[i]));
	}
	/* Every object handed out was zeroed and untagged. */
	EXPECT_EQ(bad, 0);
	while (nfree < ST_LAZY_CACHED)
		kmem_cache_free(fx.base, dirty[nfree++]);
out:
	migrate_enable();
	fx_fini(&fx);
	return 0;
}

/* The way @way at both sizes: stores (64 B) and memset() (1 KiB). */
static int st_lazy(enum st_lazy_way way)
{
	return st_lazy_round(OBJ_SIZE, way) ?: st_lazy_round(SZ_1K, way);
}

static int test_lazy_zero_alloc(void)
{
	return st_lazy(ST_LAZY_ALLOC);
}

static int test_lazy_zero_bulk(void)
{
	return st_lazy(ST_LAZY_BULK);
}

static int test_lazy_zero_prefill(void)
{
	return st_lazy(ST_LAZY_PREFILL);
}

static int test_lazy_zero_upstream(void)
{
	return st_lazy(ST_LAZY_UPSTREAM);
}

static int test_lazy_zero_chain(void)
{
	return st_lazy(ST_LAZY_CHAIN);
}

/* ===== Prefilled sheaves ============================================== */

/*
 * Prefill @size, then in a section that can neither sleep nor fail take
 * every object the sheaf holds (at least @size), and then get NULL.
 */
static int prefill_and_take(struct fx *fx, unsigned int size)
{
	/* stands for the caller's lock: a section that cannot sleep */
	static DEFINE_SPINLOCK(lock);
	unsigned int held, taken = 0, i;
	unsigned long flags;
	struct sheaf *sheaf;
	bool extra = false;
	void **objs;
	int ret = 0;

	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, size);
	if (!EXPECT(sheaf))
		return -ENOMEM;
	held = sheaf_cache_sheaf_size(sheaf);
	objs = kcalloc(held, sizeof(*objs), GFP_KERNEL);
	if (!objs || held < size) {
		sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
		kfree(objs);
		EXPECT(held >= size);
		return -ENOMEM;
	}

	spin_lock_irqsave(&lock, flags);
	while (taken < held) {
		objs[taken] = sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf);
		if (!objs[taken])
			break;
		taken++;
	}
	extra = sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf) ||
		sheaf_cache_alloc_from_sheaf(fx->sc, __GFP_ZERO, sheaf);
	spin_unlock_irqrestore(&lock, flags);

	if (taken != held || extra || sheaf_cache_sheaf_size(sheaf)) {
		pr_info("# size %u: held %u, took %u%s\n", size, held,
			taken, extra ? ", then more" : "");
		ret = -EINVAL;
	}
	/* All distinct: no object handed out twice. */
	for (i = 1; i < taken && !ret; i++)
		if (objs[i] == objs[i - 1])
			ret = -EINVAL;
	for (i = 0; i < taken; i++)
		sheaf_cache_free(fx->sc, objs[i]);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	kfree(objs);
	return ret;
}

FX_TEST(prefill_1, 1, 1)
{
	return prefill_and_take(fx, 1);
}

FX_TEST(prefill_cap_minus_1, 1, 1)
{
	return prefill_and_take(fx, CAP - 1);
}

FX_TEST(prefill_cap, 1, 1)
{
	int ret = prefill_and_take(fx, CAP);

	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 0);
	return ret;
}

FX_TEST(prefill_cap_plus_1, 1, 1)
{
	int ret = prefill_and_take(fx, CAP + 1);

	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 1);
	/* Two sheaves linked; both are kept on return, nothing flushed. */
	EXPECT_STAT(fx, SC_FLUSH, 0);
	EXPECT_STAT(fx, SC_SHEAF_FREE, 0);
	return ret;
}

/* Take every object of @sheaf, IRQs off, up to @max; how many. */
static unsigned int st_take_all(struct fx *fx, struct sheaf *sheaf,
				void **objs, unsigned int max)
{
	unsigned long flags;
	unsigned int n = 0;

	local_irq_save(flags);
	while (n < max &&
	       (objs[n] = sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf)))
		n++;
	local_irq_restore(flags);
	return n;
}

/*
 * A worst-case reservation from a warm barn: the spare and the barn's
 * four full sheaves, linked, with nothing from the base. Taking more than
 * the first sheaf holds moves the next one's objects in; all are this
 * node's, distinct, and on return every object not taken is still
 * cached, the full sheaves in the CPU's stash for the next one.
 */
FX_TEST(prefill_chain_barn, 4, 2)
{
	void *objs[CAP + 1];
	struct sheaf *sheaf;
	unsigned long flags;
	unsigned int i, n = 0;

	fx_free_new(fx, 5 * CAP + 1);	/* spare CAP, barn 4 full, main 1 */
	EXPECT(fx_barn(fx)->nr_full == 4);
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 4 * CAP + 1);
	if (!EXPECT(sheaf))
		return -ENOMEM;
	EXPECT_EQ(sheaf_cache_sheaf_size(sheaf), 5 * CAP);
	EXPECT_STAT(fx, SC_BARN_GET, 4);
	EXPECT_STAT(fx, SC_REFILL, 0);
	EXPECT(fx_barn(fx)->nr_full == 0);
	local_irq_save(flags);
	while (n < ARRAY_SIZE(objs) &&
	       (objs[n] = sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf)))
		n++;
	local_irq_restore(flags);
	EXPECT_EQ(n, CAP + 1);
	EXPECT_EQ(sheaf_cache_sheaf_size(sheaf), 4 * CAP - 1);
	for (i = 0; i < n; i++) {
		EXPECT(page_to_nid(virt_to_page(objs[i])) == numa_mem_id());
		EXPECT(i == 0 || objs[i] != objs[i - 1]);
	}
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	/* The three full ones stay with the CPU, for its next reservation. */
	EXPECT_EQ(fx_cpu(fx)->nr_stash, 3 * CAP);
	EXPECT_EQ(sheaf_cache_cached_objects(fx->sc), 4 * CAP);
	for (i = 0; i < n; i++)
		sheaf_cache_free(fx->sc, objs[i]);
	EXPECT_EQ(sheaf_cache_cached_objects(fx->sc), 5 * CAP + 1);
	/* Which the spare and the stash serve, without the barn. */
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 4 * CAP);
	EXPECT(sheaf && sheaf_cache_sheaf_size(sheaf) >= 4 * CAP);
	EXPECT_EQ(fx_cpu(fx)->nr_stash, 0);
	EXPECT_STAT(fx, SC_BARN_GET, 4);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	EXPECT_EQ(fx_cpu(fx)->nr_stash, 3 * CAP);
	EXPECT_STAT(fx, SC_FLUSH, 0);
	EXPECT_STAT(fx, SC_REFILL, 0);
	/* Shrinking gives the stash back too. */
	EXPECT_EQ(sheaf_cache_shrink(fx->sc), 5 * CAP + 1);
	EXPECT_EQ(fx_cpu(fx)->nr_stash, 0);
	EXPECT_EQ(sheaf_cache_cached_objects(fx->sc), 0);
	return 0;
}

FX_TEST(prefill_4cap, 1, 1)
{
	int ret = prefill_and_take(fx, 4 * CAP);

	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 1);
	return ret;
}

/*
 * A reservation used up, linked sheaf and all, then refilled beyond the
 * capacity in place: the new sheaves are linked beside the emptied one,
 * and every object the sheaf is said to hold can be taken.
 */
FX_TEST(refill_used_chain, 2, 2)
{
	void *objs[4 * CAP];
	struct sheaf *sheaf;
	unsigned int n, i;

	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 2 * CAP);
	if (!EXPECT(sheaf))
		return -ENOMEM;
	n = st_take_all(fx, sheaf, objs, ARRAY_SIZE(objs));
	EXPECT_EQ(n, 2 * CAP);
	for (i = 0; i < n; i++)
		sheaf_cache_free(fx->sc, objs[i]);
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, 3 * CAP));
	EXPECT(sheaf_cache_sheaf_size(sheaf) >= 3 * CAP);
	n = st_take_all(fx, sheaf, objs, ARRAY_SIZE(objs));
	EXPECT(n >= 3 * CAP);
	EXPECT_EQ(sheaf_cache_sheaf_size(sheaf), 0);
	for (i = 0; i < n; i++)
		sheaf_cache_free(fx->sc, objs[i]);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	return 0;
}

FX_TEST(prefill_bad_input, 1, 1)
{
	struct sheaf *sheaf;

	EXPECT(!sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 0));
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, NULL);
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 1);
	if (!EXPECT(sheaf))
		return -ENOMEM;
	while (sheaf_cache_sheaf_size(sheaf))
		sheaf_cache_free(fx->sc,
				 sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf));
	EXPECT(!sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf));
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	return 0;
}

/* The spare is the first choice for a prefill. */
FX_TEST(prefill_fast, 1, 1)
{
	struct sheaf *sheaf;

	fx_free_new(fx, CAP + 1);	/* spare CAP */
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, CAP);
	EXPECT(sheaf && sheaf_cache_sheaf_size(sheaf) == CAP);
	EXPECT_STAT(fx, SC_PREFILL_FAST, 1);
	EXPECT_STAT(fx, SC_REFILL, 0);
	EXPECT(fx_spare(fx) == -1);
	/* No spare now: the sheaf takes its place again. */
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	EXPECT_STAT(fx, SC_RETURN_FAST, 1);
	EXPECT(fx_spare(fx) == CAP);
	return 0;
}

/*
 * Main full: a returned sheaf with room becomes main, so that the free of
 * what was taken from it stays fast; a full one stays the spare.
 */
FX_TEST(return_to_main, 1, 1)
{
	struct sheaf *sheaf;
	unsigned int i;
	void *obj;

	fx_free_new(fx, 2 * CAP);	/* spare CAP, main CAP */
	for (i = 0; i < 2 * CAP; i++) {
		sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 1);
		if (!EXPECT(sheaf))
			return -ENOMEM;
		obj = sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf);
		sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
		EXPECT_EQ(fx_main(fx), CAP - 1);
		EXPECT_EQ(fx_spare(fx), CAP);
		sheaf_cache_free(fx->sc, obj);
	}
	EXPECT_STAT(fx, SC_SWAP, 2 * CAP);
	EXPECT_STAT(fx, SC_FREE_FAST, 4 * CAP);
	EXPECT_STAT(fx, SC_RETURN_FAST, 2 * CAP);
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, CAP);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	EXPECT_EQ(fx_main(fx), CAP);
	EXPECT_EQ(fx_spare(fx), CAP);
	EXPECT_STAT(fx, SC_SWAP, 2 * CAP);
	return 0;
}

/* No spare: the barn's full sheaf is taken. */
FX_TEST(prefill_barn, 2, 1)
{
	struct sheaf *sheaf;
	void *obj;

	fx_free_new(fx, 2 * CAP + 1);	/* spare CAP, barn 1 full, main 1 */
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, CAP);
	EXPECT(sheaf);
	EXPECT_STAT(fx, SC_PREFILL_FAST, 1);
	obj = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, CAP);
	EXPECT(obj);
	EXPECT_STAT(fx, SC_PREFILL_SLOW, 1);
	EXPECT_STAT(fx, SC_BARN_GET, 1);
	EXPECT_STAT(fx, SC_REFILL, 0);
	EXPECT(fx_barn(fx)->nr_full == 0);
	/* One becomes the spare, the other goes back to the barn. */
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, obj);
	EXPECT_STAT(fx, SC_RETURN_FAST, 1);
	EXPECT_STAT(fx, SC_RETURN_SLOW, 1);
	EXPECT_STAT(fx, SC_BARN_PUT, 2);
	EXPECT(fx_barn(fx)->nr_full == 1);
	return 0;
}

/* Empty barn, no spare: a new sheaf is filled. */
FX_TEST(prefill_new, 1, 1)
{
	struct sheaf *sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 2);

	EXPECT(sheaf);
	EXPECT_STAT(fx, SC_PREFILL_SLOW, 1);
	EXPECT_STAT(fx, SC_BARN_GET_FAIL, 1);
	EXPECT_STAT(fx, SC_REFILL, CAP);
	EXPECT(sheaf_cache_sheaf_size(sheaf) == CAP);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	return 0;
}

FX_TEST(refill, 1, 1)
{
	struct sheaf *sheaf, *old;
	void *a, *b;

	EXPECT(sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, NULL, 1) == -EINVAL);
	sheaf = NULL;
	EXPECT(sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, 1) ==
	       -EINVAL);

	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 2);
	if (!EXPECT(sheaf))
		return -ENOMEM;
	a = sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf);
	b = sheaf_cache_alloc_from_sheaf(fx->sc, 0, sheaf);
	old = sheaf;
	/* Already holds enough: nothing changes. */
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, CAP - 2));
	EXPECT(sheaf == old && sheaf_cache_sheaf_size(sheaf) == CAP - 2);
	/* Within capacity: filled in place. */
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, CAP));
	EXPECT(sheaf == old && sheaf_cache_sheaf_size(sheaf) == CAP);
	/* Beyond it: more sheaves are linked to it, in place. */
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, 4 * CAP));
	EXPECT(sheaf == old && sheaf_cache_sheaf_size(sheaf) >= 4 * CAP);
	EXPECT_STAT(fx, SC_RETURN_FAST, 0);
	/* And again. */
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, 5 * CAP));
	EXPECT(sheaf == old && sheaf_cache_sheaf_size(sheaf) >= 5 * CAP);
	/* A charged refill beyond it starts afresh: the cache's are not. */
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL | __GFP_ACCOUNT,
					 &sheaf, 6 * CAP));
	EXPECT(sheaf != old && sheaf_cache_sheaf_size(sheaf) >= 6 * CAP);
	EXPECT_STAT(fx, SC_ACCOUNT_BYPASS, 1);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	sheaf_cache_free(fx->sc, a);
	sheaf_cache_free(fx->sc, b);
	return 0;
}

/* Run the cache's trim now, as its timer would, and wait for it. */
static void fx_trim_now(struct fx *fx)
{
	mod_delayed_work(sc_unbound_wq, &fx->sc->trim, 0);
	flush_delayed_work(&fx->sc->trim);
}

/* A reservation above the capacity, none of it used: a stash is left. */
static void fx_stash(struct fx *fx)
{
	struct sheaf *sheaf;

	fx_free_new(fx, 5 * CAP + 1);
	sheaf = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 4 * CAP + 1);
	EXPECT(sheaf);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
}

/*
 * The trim's half of stash_trim: false when the shrinker gave something
 * back meanwhile (reclaim may call it at any time, and a debug kernel's
 * guest is short of memory), so that what the trim did says nothing.
 */
static bool fx_stash_trim_once(struct fx *fx, bool *kept, bool *gone)
{
	u64 shrunk = sheaf_cache_stat(fx->sc, SC_SHRINK), trimmed;
	unsigned int stash;

	fx_stash(fx);
	stash = fx_cpu(fx)->nr_stash;
	/* Left in this interval: kept. */
	fx_trim_now(fx);
	*kept = stash >= CAP && fx_cpu(fx)->nr_stash == stash;
	/* Busy (a prefill), but the stash left alone: given back. */
	trimmed = sheaf_cache_stat(fx->sc, SC_TRIM);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL,
				 sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 1));
	fx_trim_now(fx);
	*gone = !fx_cpu(fx)->nr_stash &&
		sheaf_cache_stat(fx->sc, SC_TRIM) >= trimmed + stash &&
		sheaf_cache_cached_objects(fx->sc);
	return sheaf_cache_stat(fx->sc, SC_SHRINK) == shrunk;
}

/*
 * A stash that no reservation took or left for a whole trim interval
 * goes back at the trim, the cache busy or not; one in use stays. The
 * shrinker counts the stashes and has the trim give them all back.
 */
FX_TEST(stash_trim, 4, 2)
{
	struct shrink_control ctl = {
		.gfp_mask = GFP_KERNEL, .nid = numa_mem_id(),
	};
	struct shrinker *s = fx->sc->shrinker;
	bool kept = false, gone = false;
	unsigned int tries, stash;

	for (tries = 0; tries < 5; tries++)
		if (fx_stash_trim_once(fx, &kept, &gone))
			break;
	if (tries == 5)
		return sc_test_skip("reclaim shrank the cache on every try");
	EXPECT(kept);
	EXPECT(gone);

	/* Memory pressure: counted, and given back though just left. */
	fx_stash(fx);
	stash = fx_cpu(fx)->nr_stash;
	EXPECT(!stash || s->count_objects(s, &ctl) >= stash);
	ctl.nr_to_scan = 1;
	s->scan_objects(s, &ctl);
	flush_delayed_work(&fx->sc->trim);
	EXPECT_EQ(fx_cpu(fx)->nr_stash, 0);
	return 0;
}

/* Spare taken, barn at its limit: the returned sheaf is flushed and freed. */
FX_TEST(return_flush, 1, 1)
{
	struct sheaf *s1, *s2;
	u64 freed;

	s1 = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 1);
	fx_free_new(fx, 3 * CAP);	/* spare CAP, barn 1 full (limit) */
	s2 = sheaf_cache_prefill_sheaf(fx->sc, GFP_KERNEL, 1);	/* spare */
	EXPECT(s1 && s2 && fx_barn(fx)->nr_full == 1);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, s2);	/* spare */
	freed = sheaf_cache_stat(fx->sc, SC_SHEAF_FREE);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, s1);
	EXPECT_STAT(fx, SC_RETURN_SLOW, 1);
	EXPECT_STAT(fx, SC_SHEAF_FREE, freed + 1);
	EXPECT_STAT(fx, SC_FLUSH, CAP);
	EXPECT(fx_barn(fx)->nr_full == 1);
	return 0;
}

/* ===== Statistics, shrinking, destruction ============================= */

/* A known sequence; every counter must come out exactly. */
FX_TEST(stats_exact, 1, 1)
{
	void *objs[3 * CAP];
	unsigned int i, round;

	for (round = 0; round < 100; round++) {
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			objs[i] = sheaf_cache_alloc(fx->sc, GFP_KERNEL);
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			sheaf_cache_free(fx->sc, objs[i]);
	}
	EXPECT_STAT(fx, SC_ALLOC_FAST, 100 * 3 * CAP);
	EXPECT_STAT(fx, SC_FREE_FAST, 100 * 3 * CAP);
	EXPECT_STAT(fx, SC_ALLOC_SLOW, 0);
	EXPECT_STAT(fx, SC_FREE_SLOW, 0);
	/* Only the first round reaches the base: after it, all is cached. */
	EXPECT_STAT(fx, SC_REFILL, 3 * CAP);
	EXPECT_STAT(fx, SC_BARN_GET_FAIL, 3);
	EXPECT_STAT(fx, SC_FLUSH, 0);
	EXPECT(sheaf_cache_cached_objects(fx->sc) == 3 * CAP);
	return 0;
}

FX_TEST(shrink, 2, 2)
{
	void *obj;

	fx_free_new(fx, 3 * CAP);
	EXPECT(sheaf_cache_cached_objects(fx->sc) == 3 * CAP);
	EXPECT(sheaf_cache_shrink(fx->sc) == 3 * CAP);
	EXPECT(sheaf_cache_cached_objects(fx->sc) == 0);
	EXPECT_STAT(fx, SC_SHRINK, 3 * CAP);
	EXPECT_STAT(fx, SC_FLUSH, 3 * CAP);
	/* Still works. */
	obj = sheaf_cache_alloc(fx->sc, GFP_KERNEL);
	EXPECT(obj);
	sheaf_cache_free(fx->sc, obj);
	return 0;
}

/*
 * After destroy the base holds exactly what the caller kept, counted by
 * SLUB itself.
 */
static int test_destroy_returns_everything(void)
{
	void *kept[5], **chain = NULL, **obj;
	struct sheaf *sheaf;
	long before, after;
	unsigned int i;
	struct fx fx;
	int ret;

	ret = fx_init_base(&fx, "sc_st_acct_destroy", OBJ_SIZE, NULL, 0, NULL);
	if (ret)
		return ret;
	before = st_slab_objects(fx.base, "sc_st_acct_destroy");
	/* 200 objects, chained through their first word */
	for (i = 0; i < 200; i++) {
		obj = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
		*obj = chain;
		chain = obj;
	}
	for (i = 0; i < ARRAY_SIZE(kept); i++)
		kept[i] = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
	while (chain) {
		obj = chain;
		chain = *obj;
		sheaf_cache_free(fx.sc, obj);
	}
	sheaf = sheaf_cache_prefill_sheaf(fx.sc, GFP_KERNEL, 100);
	sheaf_cache_return_sheaf(fx.sc, GFP_KERNEL, sheaf);
	sheaf = sheaf_cache_prefill_sheaf(fx.sc, GFP_KERNEL, 10);
	sheaf_cache_return_sheaf(fx.sc, GFP_KERNEL, sheaf);

	sheaf_cache_destroy(fx.sc);
	after = st_slab_objects(fx.base, "sc_st_acct_destroy");
	for (i = 0; i < ARRAY_SIZE(kept); i++)
		kmem_cache_free(fx.base, kept[i]);
	kmem_cache_destroy(fx.base);

	if (before < 0 || after < 0) {
		pr_info("# no exact slab count: boot with slub_debug=FZP,sc_st_acct*\n");
		return sc_test_skip("no exact slab count: boot with slub_debug=FZP,sc_st_acct*");
	}
	if (after - before != ARRAY_SIZE(kept)) {
		pr_info("# base holds %ld objects, caller kept %zu\n",
			after - before, ARRAY_SIZE(kept));
		return -EINVAL;
	}
	return 0;
}

/* ===== Bulk =========================================================== */

#define ST_BULK_BASE	ST_ACCT_PREFIX "_bulk"

/* No two of @p's @n objects are the same, and none is NULL. */
static bool st_distinct(void **p, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (!p[i])
			return false;
		for (j = 0; j < i; j++)
			if (p[i] == p[j])
				return false;
	}
	return true;
}

/*
 * A bulk allocation of @n and its free, twice: from an empty cache, then
 * from what the first round left cached. All of them, each once, counted
 * by SLUB exactly (where it can count) and by the counters.
 */
static int st_bulk_rounds(unsigned int n, gfp_t gfp)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_full_sheaves = 1,
		.max_empty_sheaves = 1,
	};
	unsigned int i, round;
	long before, now;
	struct fx fx;
	void **p;
	int ret;

	p = kcalloc(n, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = fx_init_base(&fx, ST_BULK_BASE, OBJ_SIZE, &args, 0, NULL);
	if (ret)
		goto out;
	before = st_slab_objects(fx.base, ST_BULK_BASE);
	migrate_disable();
	for (round = 0; round < 2; round++) {
		if (!EXPECT_EQ(sheaf_cache_alloc_bulk(fx.sc, gfp, n, p), n))
			break;
		EXPECT(st_distinct(p, n));
		for (i = 0; i < n; i++) {
			if (gfp & __GFP_ZERO)
				EXPECT(!memchr_inv(p[i], 0, OBJ_SIZE));
			memset(p[i], 0xa5, OBJ_SIZE);
		}
		now = st_slab_objects(fx.base, ST_BULK_BASE);
		if (before >= 0 && now >= 0)
			EXPECT_EQ(now - before,
				  n + (long)sheaf_cache_cached_objects(fx.sc));
		sheaf_cache_free_bulk(fx.sc, n, p);
	}
	migrate_enable();
	EXPECT_STAT(&fx, SC_ALLOC_BULK, 2 * n);
	EXPECT_STAT(&fx, SC_FREE_BULK, 2 * n);
	EXPECT_EQ(sheaf_cache_stat(fx.sc, SC_ALLOC_FAST) +
		  sheaf_cache_stat(fx.sc, SC_ALLOC_SLOW), 2 * n);
	EXPECT_EQ(sheaf_cache_stat(fx.sc, SC_FREE_FAST) +
		  sheaf_cache_stat(fx.sc, SC_FREE_SLOW), 2 * n);
	/* The second round's objects came from the sheaves, as far as they held. */
	EXPECT_GE(sheaf_cache_stat(fx.sc, SC_ALLOC_FAST), min(n, 3U * CAP));
	sheaf_cache_destroy(fx.sc);
	now = st_slab_objects(fx.base, ST_BULK_BASE);
	if (before >= 0 && now >= 0)
		EXPECT_EQ(now, before);
	kmem_cache_destroy(fx.base);
out:
	kfree(p);
	return ret;
}

/* The sizes around a sheaf's capacity, and far above it. */
static int test_bulk_sizes(void)
{
	static const unsigned int sizes[] = { 1, CAP - 1, CAP, CAP + 1,
					      10 * CAP };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(sizes) && !ret; i++)
		ret = st_bulk_rounds(sizes[i], GFP_KERNEL);
	return ret;
}

static int test_bulk_zeroed(void)
{
	return st_bulk_rounds(3 * CAP + 1, GFP_KERNEL | __GFP_ZERO);
}

/* With IRQs off: what the sheaves hold, then the base one at a time. */
FX_TEST(bulk_irqs_off, 1, 1)
{
	void *p[3 * CAP];
	unsigned long flags;
	int n;

	fx_free_new(fx, CAP);
	local_irq_save(flags);
	n = sheaf_cache_alloc_bulk(fx->sc, GFP_ATOMIC, ARRAY_SIZE(p), p);
	if (n)
		sheaf_cache_free_bulk(fx->sc, n, p);
	local_irq_restore(flags);
	EXPECT_EQ(n, ARRAY_SIZE(p));
	EXPECT(n && st_distinct(p, n));
	EXPECT_STAT(fx, SC_ALLOC_FAST, CAP);
	EXPECT_STAT(fx, SC_ALLOC_SLOW, 2 * CAP);
	EXPECT_STAT(fx, SC_REFILL, 0);
	return 0;
}

/* ===== CPU hotplug ==================================================== */

/* Free @f->n new objects on this CPU: they fill its sheaves, then the barn. */
long st_fill_cpu(void *arg)
{
	struct st_fill *f = arg;
	struct kmem_cache *base = sheaf_cache_base(f->sc);
	unsigned int i;

	for (i = 0; i < f->n; i++)
		sheaf_cache_free(f->sc, kmem_cache_alloc_node(base, GFP_KERNEL,
							      numa_mem_id()));
	return 0;
}

/* A CPU that goes offline gives its sheaves back. */
static int test_cpu_dead_flushes(void)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);
	unsigned long cached;
	struct st_fill f;
	struct fx fx;
	int ret;

	if (num_online_cpus() < 2 || !cpu)
		return sc_test_skip("needs two online CPUs");
	ret = fx_init(&fx, 0, 0);
	if (ret)
		return ret;
	f.sc = fx.sc;
	f.n = 3 * CAP;
	work_on_cpu(cpu, st_fill_cpu, &f);

	cached = sheaf_cache_cached_objects(fx.sc);
	ret = remove_cpu(cpu);
	if (ret) {
		fx_fini(&fx);
		return sc_test_skip("the CPU cannot go offline");
	}
	EXPECT_STAT(&fx, SC_CPU_DEAD, 1);
	EXPECT_EQ(per_cpu_ptr(fx.sc->cpu, cpu)->main->size, 0);
	EXPECT(!per_cpu_ptr(fx.sc->cpu, cpu)->spare);
	EXPECT_EQ(sheaf_cache_cached_objects(fx.sc), cached - 2 * CAP);
	EXPECT(!add_cpu(cpu));
	fx_fini(&fx);
	return 0;
}

/* ===== Runner ========================================================= */

/*
 * Flags of a case: run in quick mode too; only with memcg_dir=; IRQs off,
 * which PREEMPT_RT does not allow slab (and so sheafcache) to run with.
 */
#define ST_QUICK	BIT(0)
#define ST_MEMCG	BIT(1)
#define ST_IRQS_OFF	BIT(2)

static const struct sc_test_case st_cases[] = {
	SC_TEST_CASE_ATTR(create_rejects_bad_args, ST_QUICK),
	SC_TEST_CASE(create_rejects_duplicates),
	SC_TEST_CASE(default_capacity),
	SC_TEST_CASE_ATTR(alloc_refill, ST_QUICK),
	SC_TEST_CASE(alloc_fast),
	SC_TEST_CASE(alloc_swap),
	SC_TEST_CASE(alloc_barn_get),
	SC_TEST_CASE_ATTR(alloc_irqs_off, ST_IRQS_OFF),
	SC_TEST_CASE(reentrant),
	SC_TEST_CASE(free_spare_slot),
	SC_TEST_CASE(free_swap),
	SC_TEST_CASE_ATTR(free_flush, ST_QUICK),
	SC_TEST_CASE_ATTR(free_irqs_off, ST_IRQS_OFF),
	SC_TEST_CASE(zeroing),
	SC_TEST_CASE(ctor_not_zeroed),
	SC_TEST_CASE(typesafe_rcu_zeroing),
	SC_TEST_CASE(lazy_zero_alloc),
	SC_TEST_CASE(lazy_zero_bulk),
	SC_TEST_CASE(lazy_zero_prefill),
	SC_TEST_CASE(lazy_zero_upstream),
	SC_TEST_CASE(lazy_zero_chain),
	SC_TEST_CASE(prefill_1),
	SC_TEST_CASE(prefill_cap_minus_1),
	SC_TEST_CASE(prefill_cap),
	SC_TEST_CASE_ATTR(prefill_cap_plus_1, ST_QUICK),
	SC_TEST_CASE(prefill_4cap),
	SC_TEST_CASE(prefill_chain_barn),
	SC_TEST_CASE(stash_trim),
	SC_TEST_CASE(refill_used_chain),
	SC_TEST_CASE(prefill_bad_input),
	SC_TEST_CASE(prefill_fast),
	SC_TEST_CASE(return_to_main),
	SC_TEST_CASE(prefill_barn),
	SC_TEST_CASE(prefill_new),
	SC_TEST_CASE_ATTR(refill, ST_QUICK),
	SC_TEST_CASE_ATTR(return_flush, ST_QUICK),
	SC_TEST_CASE(stats_exact),
	SC_TEST_CASE_ATTR(shrink, ST_QUICK),
	SC_TEST_CASE_ATTR(destroy_returns_everything, ST_QUICK),
	SC_TEST_CASE(cpu_dead_flushes),
	SC_TEST_CASE(capacity_limit),
	SC_TEST_CASE_ATTR(create_with_base_facts, ST_QUICK),
	SC_TEST_CASE(owned_ctor_not_zeroed),
	SC_TEST_CASE(alloc_from_sheaf_own_cache),
	SC_TEST_CASE(accounted_base_bypasses),
	SC_TEST_CASE(gfp_account_bypasses),
	SC_TEST_CASE(pfmemalloc_wrapped),
	SC_TEST_CASE(pfmemalloc_owned),
	SC_TEST_CASE(bulk_sizes),
	SC_TEST_CASE(bulk_zeroed),
	SC_TEST_CASE_ATTR(bulk_irqs_off, ST_IRQS_OFF),
	SC_TEST_CASE(native_sheaves_nothing_lost),
	SC_TEST_CASE(upstream_api_sheafcache),
	SC_TEST_CASE(upstream_api_plain_cache),
	SC_TEST_CASE(numa_remote_free),
	SC_TEST_CASE(shrinker_per_node),
	SC_TEST_CASE_ATTR(rcu_head_args, ST_QUICK),
	SC_TEST_CASE(rcu_no_reuse_before_gp),
	SC_TEST_CASE_ATTR(rcu_barrier_accounting, ST_QUICK),
	SC_TEST_CASE(rcu_partial_sent),
	SC_TEST_CASE(rcu_shrink_sends),
	SC_TEST_CASE(rcu_destroy_pending),
	SC_TEST_CASE(rcu_cpu_offline),
	SC_TEST_CASE(rcu_fallback_atomic),
	SC_TEST_CASE(tune_grows_and_trims),
	SC_TEST_CASE(tune_fixed_stays),
	SC_TEST_CASE(tune_oversize_grows),
	SC_TEST_CASE(tune_budget_kept),
	SC_TEST_CASE(tune_budget_args),
	SC_TEST_CASE_ATTR(poison_write_after_free, ST_QUICK),
	SC_TEST_CASE(poison_barn_drain),
	SC_TEST_CASE(poison_prefill_replaces),
	SC_TEST_CASE(bypass_slab_count),
	SC_TEST_CASE(borrowed_lists),
	SC_TEST_CASE(sheaf_overdue_once),
	SC_TEST_CASE_ATTR(memcg_charges_allocator, ST_MEMCG),
};

/* memcg_dir= runs the memcg case alone; quick=1 one case per export. */
static int st_filter(const struct sc_test_case *c)
{
	if (!!memcg_dir != !!(c->attr & ST_MEMCG))
		return SC_TEST_OMIT;
	if (quick && !(c->attr & ST_QUICK))
		return sc_test_skip("quick");
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && (c->attr & ST_IRQS_OFF))
		return sc_test_skip("IRQs off on PREEMPT_RT");
	return 0;
}

static int __init selftest_init(void)
{
	return sc_test_run(st_cases, ARRAY_SIZE(st_cases), st_filter) ?
	       -EINVAL : 0;
}

static void __exit selftest_exit(void)
{
}

module_init(selftest_init);
module_exit(selftest_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sheafcache selftest");
