// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache selftest: every branch of the alloc and free paths, the
 * guaranteed-allocation API, zeroing, exact statistics, destruction and a
 * concurrent stress, reported as KTAP in the kernel log. Init fails when a
 * case fails, so insmod says so too.
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

#include "internal.h"
#include "st_util.h"

static unsigned int stress_ms = 2000;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "duration of the concurrent stress, in ms");

static bool quick;
module_param(quick, bool, 0444);
MODULE_PARM_DESC(quick, "run only a few cases, one per export (lifecycle)");

static char *memcg_dir;
module_param(memcg_dir, charp, 0444);
MODULE_PARM_DESC(memcg_dir,
		 "cgroup2 directory of the loading task: run only the memcg case");

static u64 seed;
module_param(seed, ullong, 0444);
MODULE_PARM_DESC(seed, "random seed for the stress (0: random)");

#define OBJ_SIZE	64
#define CAP		4

/* ===== Harness ======================================================== */

/*
 * A failed expectation is logged and marks the case failed; the case goes
 * on unless it checks the result (where going on would crash).
 */
static bool st_failed;

static bool st_check(bool ok, const char *func, int line, const char *what)
{
	if (!ok) {
		pr_info("    # %s:%d: expected %s\n", func, line, what);
		st_failed = true;
	}
	return ok;
}

#define EXPECT(cond)	st_check(!!(cond), __func__, __LINE__, #cond)

struct fx;
static bool st_check_stat(struct fx *fx, enum sheaf_cache_stat_item item,
			  u64 want, const char *func, int line,
			  const char *name);

#define EXPECT_STAT(fx, item, want) \
	st_check_stat(fx, item, want, __func__, __LINE__, #item)

/* A base cache and a sheaf_cache over it. */
struct fx {
	struct kmem_cache *base;
	struct sheaf_cache *sc;
	char name[SHEAF_CACHE_NAME_MAX + 1];
};

static unsigned int fx_seq;

static void st_ctor(void *obj)
{
	memset(obj, 0x5a, OBJ_SIZE);
}

static int fx_init_base(struct fx *fx, const char *base_name,
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

static int fx_init(struct fx *fx, unsigned int max_full,
		   unsigned int max_empty)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_full_sheaves = max_full,
		.max_empty_sheaves = max_empty,
	};

	return fx_init_base(fx, NULL, OBJ_SIZE, &args, 0, NULL);
}

static void fx_fini(struct fx *fx)
{
	sheaf_cache_destroy(fx->sc);
	kmem_cache_destroy(fx->base);
}

static bool st_check_stat(struct fx *fx, enum sheaf_cache_stat_item item,
			  u64 want, const char *func, int line,
			  const char *name)
{
	u64 got = sheaf_cache_stat(fx->sc, item);

	if (got != want) {
		pr_info("    # %s:%d: %s is %llu, expected %llu\n", func, line,
			name, got, want);
		st_failed = true;
	}
	return got == want;
}

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
			pr_info("    # line %d: got %ld\n", __LINE__,	\
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
static int case_alloc_refill(struct fx *fx)
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
static int case_alloc_fast(struct fx *fx)
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
static int case_alloc_swap(struct fx *fx)
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
static int case_alloc_barn_get(struct fx *fx)
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
static int case_alloc_irqs_off(struct fx *fx)
{
	unsigned long flags;
	void *obj;

	/* On PREEMPT_RT, slab and so sheafcache may not run with IRQs off. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return 1;
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
static int case_reentrant(struct fx *fx)
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
static int case_free_spare_slot(struct fx *fx)
{
	fx_free_new(fx, CAP + 1);
	EXPECT_STAT(fx, SC_FREE_FAST, CAP + 1);
	EXPECT(fx_main(fx) == 1 && fx_spare(fx) == CAP);
	EXPECT_STAT(fx, SC_SWAP, 0);
	EXPECT_STAT(fx, SC_BARN_PUT, 0);
	return 0;
}

/* Full main, spare with room: they swap. */
static int case_free_swap(struct fx *fx)
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
static int case_free_flush(struct fx *fx)
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
static int case_free_irqs_off(struct fx *fx)
{
	unsigned long flags;
	void *obj;

	/* On PREEMPT_RT, slab and so sheafcache may not run with IRQs off. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return 1;
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

static bool all_bytes(const void *p, u8 c, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++ != c)
			return false;
	return true;
}

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
	    (!want_init_on_alloc(0) || all_bytes(again, 0, OBJ_SIZE))) {
		memset(again, 0xaa, OBJ_SIZE);
		sheaf_cache_free(fx.sc, again);
		again = sheaf_cache_alloc(fx.sc, GFP_KERNEL | __GFP_ZERO);
		if (again == obj && all_bytes(again, 0, OBJ_SIZE))
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
	ret = obj && all_bytes(obj, 0x5a, OBJ_SIZE) ? 0 : -EINVAL;
	sheaf_cache_free(fx.sc, obj);
	again = sheaf_cache_alloc(fx.sc, GFP_KERNEL | __GFP_ZERO);
	if (again != obj || !all_bytes(again, 0x5a, OBJ_SIZE))
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
	if (!all_bytes(obj, 0x77, OBJ_SIZE))
		goto out;
	again = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
	if (again != obj || !all_bytes(again, 0x77, OBJ_SIZE)) {
		sheaf_cache_free(fx.sc, again);
		goto out;
	}
	sheaf_cache_free(fx.sc, again);
	again = sheaf_cache_alloc(fx.sc, GFP_KERNEL | __GFP_ZERO);
	if (again == obj && all_bytes(again, 0, OBJ_SIZE))
		ret = 0;
	sheaf_cache_free(fx.sc, again);
out:
	migrate_enable();
	fx_fini(&fx);
	return ret;
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
		pr_info("    # size %u: held %u, took %u%s\n", size, held,
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

static int case_prefill_1(struct fx *fx)
{
	return prefill_and_take(fx, 1);
}

static int case_prefill_cap_minus_1(struct fx *fx)
{
	return prefill_and_take(fx, CAP - 1);
}

static int case_prefill_cap(struct fx *fx)
{
	int ret = prefill_and_take(fx, CAP);

	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 0);
	return ret;
}

static int case_prefill_cap_plus_1(struct fx *fx)
{
	int ret = prefill_and_take(fx, CAP + 1);

	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 1);
	/* An oversize sheaf is flushed and freed on return. */
	EXPECT_STAT(fx, SC_FLUSH, 0);
	EXPECT_STAT(fx, SC_SHEAF_FREE, 1);
	return ret;
}

static int case_prefill_4cap(struct fx *fx)
{
	int ret = prefill_and_take(fx, 4 * CAP);

	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 1);
	return ret;
}

static int case_prefill_bad_input(struct fx *fx)
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
static int case_prefill_fast(struct fx *fx)
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

/* No spare: the barn's full sheaf is taken. */
static int case_prefill_barn(struct fx *fx)
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
static int case_prefill_new(struct fx *fx)
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

static int case_refill(struct fx *fx)
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
	/* Beyond it: replaced by an oversize sheaf, the old one returned. */
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, 4 * CAP));
	EXPECT(sheaf != old && sheaf_cache_sheaf_size(sheaf) >= 4 * CAP);
	EXPECT_STAT(fx, SC_PREFILL_OVERSIZE, 1);
	EXPECT_STAT(fx, SC_RETURN_FAST, 1);
	/* An oversize one grows by replacement too. */
	old = sheaf;
	EXPECT(!sheaf_cache_refill_sheaf(fx->sc, GFP_KERNEL, &sheaf, 5 * CAP));
	EXPECT(sheaf != old && sheaf_cache_sheaf_size(sheaf) >= 5 * CAP);
	sheaf_cache_return_sheaf(fx->sc, GFP_KERNEL, sheaf);
	sheaf_cache_free(fx->sc, a);
	sheaf_cache_free(fx->sc, b);
	return 0;
}

/* Spare taken, barn at its limit: the returned sheaf is flushed and freed. */
static int case_return_flush(struct fx *fx)
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
static int case_stats_exact(struct fx *fx)
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

static int case_shrink(struct fx *fx)
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
		pr_info("    # no exact slab count: boot with slub_debug=FZP,sc_st_acct*\n");
		return 1;	/* skip */
	}
	if (after - before != ARRAY_SIZE(kept)) {
		pr_info("    # base holds %ld objects, caller kept %zu\n",
			after - before, ARRAY_SIZE(kept));
		return -EINVAL;
	}
	return 0;
}

/* ===== CPU hotplug ==================================================== */

struct on_cpu {
	struct fx *fx;
	struct completion done;
};

static int free_on_cpu_fn(void *arg)
{
	struct on_cpu *oc = arg;

	fx_free_new(oc->fx, 3 * CAP);
	complete(&oc->done);
	return 0;
}

/* A CPU that goes offline gives its sheaves back. */
static int test_cpu_dead_flushes(void)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);
	struct on_cpu oc;
	struct task_struct *t;
	unsigned long cached;
	struct fx fx;
	int ret;

	if (num_online_cpus() < 2 || !cpu)
		return 1;	/* skip */
	ret = fx_init(&fx, 0, 0);
	if (ret)
		return ret;
	oc.fx = &fx;
	init_completion(&oc.done);
	t = kthread_create(free_on_cpu_fn, &oc, "sc_st_cpu%u", cpu);
	if (IS_ERR(t)) {
		fx_fini(&fx);
		return PTR_ERR(t);
	}
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&oc.done);

	cached = sheaf_cache_cached_objects(fx.sc);
	ret = remove_cpu(cpu);
	if (ret) {
		pr_info("    # cpu%u cannot go offline (%d)\n", cpu, ret);
		fx_fini(&fx);
		return 1;	/* skip */
	}
	ret = 0;
	if (sheaf_cache_stat(fx.sc, SC_CPU_DEAD) != 1 ||
	    per_cpu_ptr(fx.sc->cpu, cpu)->main->size ||
	    per_cpu_ptr(fx.sc->cpu, cpu)->spare ||
	    sheaf_cache_cached_objects(fx.sc) != cached - 2 * CAP) {
		pr_info("    # cached %lu -> %lu\n", cached,
			sheaf_cache_cached_objects(fx.sc));
		ret = -EINVAL;
	}
	if (add_cpu(cpu))
		ret = -EIO;
	fx_fini(&fx);
	return ret;
}

/* ===== Concurrent stress ============================================== */

/*
 * Every CPU allocates, frees, prefills and hands objects to its
 * neighbour. Each object carries its owner's tag while held; a tag found
 * changed means one object was handed to two owners.
 */
#define STRESS_HELD	128

struct tag {
	u32 owner;
	u32 seq;
	u64 check;
};

struct stress_ring {
	spinlock_t lock;	/* protects n and objs */
	unsigned int n;
	void *objs[STRESS_HELD];
};

struct stress_thread {
	struct fx *fx;
	struct stress_ring *rings;
	unsigned int id, nr;
	struct rnd_state rnd;
	void *held[STRESS_HELD];
	unsigned int nheld;
	u32 seq;
	unsigned long ops, errors;
	spinlock_t lock;	/* stands for a caller's lock */
	struct completion done;
};

static void tag_set(struct stress_thread *t, void *obj)
{
	struct tag *tag = obj;

	tag->owner = t->id;
	tag->seq = ++t->seq;
	tag->check = (u64)(unsigned long)obj ^ ((u64)t->id << 32 | tag->seq);
}

static bool tag_ok(void *obj, u32 owner)
{
	struct tag *tag = obj;

	return tag->owner == owner &&
	       tag->check == ((u64)(unsigned long)obj ^
			      ((u64)owner << 32 | tag->seq));
}

static void stress_hold(struct stress_thread *t, void *obj)
{
	if (!obj)
		return;
	tag_set(t, obj);
	if (t->nheld < STRESS_HELD)
		t->held[t->nheld++] = obj;
	else
		sheaf_cache_free(t->fx->sc, obj);
}

static void *stress_take(struct stress_thread *t)
{
	unsigned int i = prandom_u32_state(&t->rnd) % t->nheld;
	void *obj = t->held[i];

	t->held[i] = t->held[--t->nheld];
	if (!tag_ok(obj, t->id))
		t->errors++;
	return obj;
}

static void stress_pass(struct stress_thread *t)
{
	struct stress_ring *ring = &t->rings[(t->id + 1) % t->nr];
	void *obj = stress_take(t);

	spin_lock(&ring->lock);
	if (ring->n < STRESS_HELD) {
		ring->objs[ring->n++] = obj;
		obj = NULL;
	}
	spin_unlock(&ring->lock);
	if (obj)
		sheaf_cache_free(t->fx->sc, obj);
}

static void stress_receive(struct stress_thread *t)
{
	struct stress_ring *ring = &t->rings[t->id];
	u32 sender = (t->id + t->nr - 1) % t->nr;
	unsigned int i;
	void *obj;

	for (i = 0; ; i++) {
		spin_lock(&ring->lock);
		obj = ring->n ? ring->objs[--ring->n] : NULL;
		spin_unlock(&ring->lock);
		if (!obj)
			break;
		if (!tag_ok(obj, sender))
			t->errors++;
		/* Cross-CPU free half the time, keep the rest. */
		if (i & 1)
			sheaf_cache_free(t->fx->sc, obj);
		else
			stress_hold(t, obj);
	}
}

static void stress_prefill(struct stress_thread *t)
{
	unsigned int n = 1 + prandom_u32_state(&t->rnd) % (3 * CAP);
	unsigned long flags;
	struct sheaf *sheaf;
	unsigned int i;

	sheaf = sheaf_cache_prefill_sheaf(t->fx->sc, GFP_KERNEL, n);
	if (!sheaf) {
		t->errors++;
		return;
	}
	/* IRQs off; on PREEMPT_RT a sleeping lock, where slab may be called. */
	spin_lock_irqsave(&t->lock, flags);
	for (i = 0; i < n; i++) {
		void *obj = sheaf_cache_alloc_from_sheaf(t->fx->sc, 0, sheaf);

		if (!obj) {
			t->errors++;
			break;
		}
		tag_set(t, obj);
		if (t->nheld < STRESS_HELD)
			t->held[t->nheld++] = obj;
		else
			sheaf_cache_free(t->fx->sc, obj);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	sheaf_cache_return_sheaf(t->fx->sc, GFP_KERNEL, sheaf);
}

static int stress_fn(void *arg)
{
	struct stress_thread *t = arg;
	unsigned long end = jiffies + msecs_to_jiffies(stress_ms);

	while (time_before(jiffies, end)) {
		unsigned int op = prandom_u32_state(&t->rnd) % 100;

		if (op < 45)
			stress_hold(t, sheaf_cache_alloc(t->fx->sc, GFP_KERNEL));
		else if (op < 80 && t->nheld)
			sheaf_cache_free(t->fx->sc, stress_take(t));
		else if (op < 88 && t->nheld)
			stress_pass(t);
		else if (op < 95)
			stress_receive(t);
		else
			stress_prefill(t);
		t->ops++;
		if (!(t->ops & 255))
			cond_resched();
	}
	while (t->nheld)
		sheaf_cache_free(t->fx->sc, stress_take(t));
	complete(&t->done);
	return 0;
}

static int test_concurrent_stress(void)
{
	struct stress_thread *threads;
	struct stress_ring *rings;
	unsigned long ops = 0, errors = 0;
	unsigned int nr = num_online_cpus(), started = 0, i;
	long before, after;
	struct fx fx;
	int cpu, ret;

	ret = fx_init_base(&fx, "sc_st_acct_stress", OBJ_SIZE,
			   &(struct sheaf_cache_args){ .sheaf_capacity = CAP,
						       .max_full_sheaves = 2,
						       .max_empty_sheaves = 2 },
			   0, NULL);
	if (ret)
		return ret;
	threads = kcalloc(nr, sizeof(*threads), GFP_KERNEL);
	rings = kcalloc(nr, sizeof(*rings), GFP_KERNEL);
	if (!threads || !rings) {
		ret = -ENOMEM;
		goto out;
	}
	if (!seed)
		seed = get_random_u32();
	pr_info("    # stress: %u threads, %u ms, seed %llu\n", nr, stress_ms,
		seed);
	before = st_slab_objects(fx.base, "sc_st_acct_stress");

	/* Every ring is ready before the first thread may pass to it. */
	for (i = 0; i < nr; i++)
		spin_lock_init(&rings[i].lock);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct stress_thread *t = &threads[started];
		struct task_struct *task;

		if (started == nr)
			break;
		t->fx = &fx;
		t->rings = rings;
		t->id = started;
		t->nr = nr;
		spin_lock_init(&t->lock);
		prandom_seed_state(&t->rnd, seed + started);
		init_completion(&t->done);
		task = kthread_create(stress_fn, t, "sc_stress/%d", cpu);
		if (IS_ERR(task))
			break;
		kthread_bind(task, cpu);
		wake_up_process(task);
		started++;
	}
	cpus_read_unlock();
	for (i = 0; i < started; i++) {
		wait_for_completion(&threads[i].done);
		ops += threads[i].ops;
		errors += threads[i].errors;
	}
	/* Objects left in the rings were passed but never received. */
	for (i = 0; i < nr; i++)
		while (rings[i].n)
			sheaf_cache_free(fx.sc, rings[i].objs[--rings[i].n]);

	pr_info("    # stress: %lu ops, %lu owner errors, %llu reentrant\n",
		ops, errors, sheaf_cache_stat(fx.sc, SC_REENTRANT));
	ret = errors ? -EINVAL : 0;
	sheaf_cache_destroy(fx.sc);
	fx.sc = NULL;
	after = st_slab_objects(fx.base, "sc_st_acct_stress");
	if (before >= 0 && after >= 0 && after != before) {
		pr_info("    # %ld objects unaccounted for\n", after - before);
		ret = -EINVAL;
	}
out:
	kfree(threads);
	kfree(rings);
	fx_fini(&fx);
	return ret;
}

/* ===== Slab's promises ================================================ */

/* A capacity of 1020 fills 8 KiB exactly: an order-1 sheaf, not order 2. */
static int test_capacity_limit(void)
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
static int test_create_with_base_facts(void)
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
static int test_owned_ctor_not_zeroed(void)
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
	EXPECT(obj && all_bytes(obj, 0x5a, OBJ_SIZE));
	sheaf_cache_free(sc, obj);
	again = sheaf_cache_alloc(sc, GFP_KERNEL | __GFP_ZERO);
	EXPECT(again == obj && all_bytes(again, 0x5a, OBJ_SIZE));
	sheaf_cache_free(sc, again);
	migrate_enable();
	sheaf_cache_destroy(sc);
	return ret;
}

/*
 * alloc_from_sheaf() goes by the sheaf's own cache: a wrong cache
 * argument neither zeroes a constructed object nor crashes.
 */
static int test_alloc_from_sheaf_own_cache(void)
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
		EXPECT(obj && all_bytes(obj, 0x5a, OBJ_SIZE));
		sheaf_cache_free(sc, obj);
		sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	}
	sheaf_cache_destroy(sc);
	return 0;
}

/* A SLAB_ACCOUNT base: memcg charges whoever allocates, so nothing caches. */
static int test_accounted_base_bypasses(void)
{
	struct sheaf_cache *sc;
	struct sheaf *sheaf;
	void *objs[8];
	unsigned int i;

	if (!ST_HAVE_ACCOUNT)
		return 1;	/* skip: no memcg, SLAB_ACCOUNT is 0 */
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
static int test_gfp_account_bypasses(void)
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
		pr_info("    # no objcg: charged object looked uncharged\n");
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

static int test_pfmemalloc_wrapped(void)
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
static int test_pfmemalloc_owned(void)
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
		EXPECT(atomic_long_read(&sc->free_check) == 1);
		cached = sheaf_cache_cached_objects(sc);
		sheaf_cache_free(sc, obj);
		EXPECT(sheaf_cache_stat(sc, SC_PFMEMALLOC) == 1);
		EXPECT(sheaf_cache_cached_objects(sc) == cached);
		EXPECT(atomic_long_read(&sc->free_check) == 0);
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
static int test_numa_remote_free(void)
{
	unsigned int cpu0 = st_node_cpu(0), cpu1 = st_node_cpu(1);
	struct st_numa *t;
	u64 remote;

	if (num_online_nodes() < 2 || cpu0 >= nr_cpu_ids || cpu1 >= nr_cpu_ids)
		return 1;	/* skip: needs two nodes with CPUs */
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

struct st_fill {
	struct sheaf_cache *sc;
	unsigned int n;
};

/* Free @n new objects of this CPU's node: they fill the sheaves, then the barn. */
static long st_fill_barn(void *arg)
{
	struct st_fill *f = arg;
	struct kmem_cache *base = sheaf_cache_base(f->sc);
	unsigned int i;

	for (i = 0; i < f->n; i++)
		sheaf_cache_free(f->sc, kmem_cache_alloc_node(base, GFP_KERNEL,
							      numa_mem_id()));
	return 0;
}

/*
 * The shrinker is NUMA-aware: it counts the objects (not the empty
 * sheaves) of the node under pressure, and a scan of one object there
 * gives back one sheaf of that node and nothing of the other.
 */
static int test_shrinker_per_node(void)
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
		return 1;	/* skip: needs two nodes with CPUs */
	f.sc = sheaf_cache_create_with_base("sc_st_shrinknode", OBJ_SIZE, 0, 0,
					    NULL, &args);
	if (IS_ERR(f.sc))
		return PTR_ERR(f.sc);
	s = f.sc->shrinker;
	/* Main and spare full, then two full sheaves in each node's barn. */
	work_on_cpu(cpu0, st_fill_barn, &f);
	work_on_cpu(cpu1, st_fill_barn, &f);
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

	pr_info("    # %s: %ld bytes charged, %ld expected\n", what, got, want);
	return got >= want - slack && got <= want + slack;
}

/*
 * Accounted allocations are charged to the task that makes them, through
 * the sheaves' API as through slab's: a SLAB_ACCOUNT base's objects, a
 * prefill of it, and __GFP_ACCOUNT calls on a cache that is not
 * accounted; that cache's plain allocations are not charged.
 */
static int test_memcg_charges_allocator(void)
{
	struct sheaf_cache *acct, *plain;
	struct sheaf *sheaf;
	void **objs;
	long before;
	unsigned int i;
	int ret = -ENOMEM;

	if (!memcg_dir || st_memcg_slab() < 0)
		return 1;	/* skip: no cgroup to read */
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

/* ===== Runner ========================================================= */

struct st_case {
	const char *name;
	/* A fresh fixture, pinned to one CPU. */
	int (*fx_fn)(struct fx *fx);
	/* Or a case that sets itself up. */
	int (*fn)(void);
	unsigned int max_full, max_empty;
	bool quick;
	bool memcg;
};

#define FX_CASE(n, full, empty)	{ #n, case_##n, NULL, full, empty }
#define CASE(n)			{ #n, NULL, test_##n }
/* Run in quick mode too: between them they call every export. */
#define QUICK_CASE(n)		{ #n, NULL, test_##n, .quick = true }
#define QUICK_FX_CASE(n, full, empty) \
	{ #n, case_##n, NULL, full, empty, .quick = true }

static const struct st_case st_cases[] = {
	QUICK_CASE(create_rejects_bad_args),
	CASE(create_rejects_duplicates),
	CASE(default_capacity),
	QUICK_FX_CASE(alloc_refill, 1, 1),
	FX_CASE(alloc_fast, 1, 1),
	FX_CASE(alloc_swap, 1, 1),
	FX_CASE(alloc_barn_get, 1, 1),
	FX_CASE(alloc_irqs_off, 1, 1),
	FX_CASE(reentrant, 1, 1),
	FX_CASE(free_spare_slot, 1, 1),
	FX_CASE(free_swap, 1, 1),
	QUICK_FX_CASE(free_flush, 1, 1),
	FX_CASE(free_irqs_off, 1, 1),
	CASE(zeroing),
	CASE(ctor_not_zeroed),
	CASE(typesafe_rcu_zeroing),
	FX_CASE(prefill_1, 1, 1),
	FX_CASE(prefill_cap_minus_1, 1, 1),
	FX_CASE(prefill_cap, 1, 1),
	QUICK_FX_CASE(prefill_cap_plus_1, 1, 1),
	FX_CASE(prefill_4cap, 1, 1),
	FX_CASE(prefill_bad_input, 1, 1),
	FX_CASE(prefill_fast, 1, 1),
	FX_CASE(prefill_barn, 2, 1),
	FX_CASE(prefill_new, 1, 1),
	QUICK_FX_CASE(refill, 1, 1),
	QUICK_FX_CASE(return_flush, 1, 1),
	FX_CASE(stats_exact, 1, 1),
	QUICK_FX_CASE(shrink, 2, 2),
	QUICK_CASE(destroy_returns_everything),
	CASE(cpu_dead_flushes),
	CASE(capacity_limit),
	QUICK_CASE(create_with_base_facts),
	CASE(owned_ctor_not_zeroed),
	CASE(alloc_from_sheaf_own_cache),
	CASE(accounted_base_bypasses),
	CASE(gfp_account_bypasses),
	CASE(pfmemalloc_wrapped),
	CASE(pfmemalloc_owned),
	CASE(numa_remote_free),
	CASE(shrinker_per_node),
	CASE(concurrent_stress),
	{ "memcg_charges_allocator", NULL, test_memcg_charges_allocator,
	  .memcg = true },
};

static int run_case(const struct st_case *c)
{
	struct fx fx;
	int ret;

	st_failed = false;
	if ((quick && !c->quick) || !!memcg_dir != c->memcg)
		return 1;	/* skip */
	if (c->fn) {
		ret = c->fn();
	} else {
		ret = fx_init(&fx, c->max_full, c->max_empty);
		if (ret)
			return ret;
		migrate_disable();
		ret = c->fx_fn(&fx);
		migrate_enable();
		fx_fini(&fx);
	}
	return st_failed ? -EINVAL : ret;
}

static int __init selftest_init(void)
{
	unsigned int i, failed = 0;

	pr_info("KTAP version 1\n");
	pr_info("1..%zu\n", ARRAY_SIZE(st_cases));
	for (i = 0; i < ARRAY_SIZE(st_cases); i++) {
		int ret = run_case(&st_cases[i]);

		if (ret > 0) {
			pr_info("ok %u %s # SKIP\n", i + 1, st_cases[i].name);
		} else if (ret) {
			pr_info("not ok %u %s\n", i + 1, st_cases[i].name);
			failed++;
		} else {
			pr_info("ok %u %s\n", i + 1, st_cases[i].name);
		}
	}
	pr_info("# %u of %zu cases failed\n", failed, ARRAY_SIZE(st_cases));
	return failed ? -EINVAL : 0;
}

static void __exit selftest_exit(void)
{
}

module_init(selftest_init);
module_exit(selftest_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sheafcache selftest");
