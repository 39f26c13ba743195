// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache selftest: RCU-deferred frees. Objects freed with
 * sheaf_cache_free_rcu() are not reused, zeroed or given back before the
 * grace period of the readers that may hold them; after it they are back,
 * counted exactly, through the barn or the base. The concurrent reader
 * test is the torture module's (op_rcu_read).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "selftest.h"

#define SR_BASE		ST_ACCT_PREFIX "_rcu"
#define SR_MAGIC	0x5ea5c0de00000000ULL
/* How long a reader stays inside its section to let a wrong free show. */
#define SR_READER_MS	20

/* A test object: a value readers check, and the rcu_head at its end. */
struct sr_obj {
	u64 magic;
	u64 pad[5];
	struct rcu_head rcu;
};

static_assert(sizeof(struct sr_obj) == OBJ_SIZE);

/* A cache over a counted base (slub_debug poisons what it frees). */
static int sr_init(struct fx *fx, const char *name, bool head,
		   unsigned int max_full)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_full_sheaves = max_full,
		.max_empty_sheaves = 1,
		.flags = head ? SHEAF_CACHE_RCU_HEAD : 0,
		.rcu_head_offset = head ? offsetof(struct sr_obj, rcu) : 0,
	};

	strscpy(fx->name, name, sizeof(fx->name));
	fx->base = st_base(name, OBJ_SIZE, 0, NULL);
	if (!fx->base)
		return -ENOMEM;
	fx->sc = sheaf_cache_create(name, fx->base, &args);
	if (IS_ERR(fx->sc)) {
		kmem_cache_destroy(fx->base);
		return PTR_ERR(fx->sc);
	}
	return 0;
}

static struct sheaf *fx_rcu_free(struct fx *fx)
{
	return this_cpu_ptr(fx->sc->cpu)->rcu_free;
}

/* Objects the base has out beyond @before, or -1 when SLUB cannot count. */
static long sr_out(struct fx *fx, long before)
{
	long now = st_slab_objects(fx->base, fx->name);

	return now < 0 || before < 0 ? -1 : now - before;
}

/* The base's count after the cache's objects are all back: what it caches. */
static void sr_expect_exact(struct fx *fx, long before, long held)
{
	long out = sr_out(fx, before);

	if (out >= 0)
		EXPECT_EQ(out, held + (long)sheaf_cache_cached_objects(fx->sc));
}

static void sr_alloc(struct fx *fx, struct sr_obj **o, unsigned int n,
		     gfp_t gfp)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		o[i] = sheaf_cache_alloc(fx->sc, gfp);
		if (o[i])
			o[i]->magic = SR_MAGIC + i;
	}
}

static bool sr_intact(struct sr_obj **o, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (READ_ONCE(o[i]->magic) != SR_MAGIC + i)
			return false;
	return true;
}

static bool sr_among(void *p, struct sr_obj **o, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (p == o[i])
			return true;
	return false;
}

int test_rcu_head_args(void)
{
	struct sheaf_cache_args args = { .flags = SHEAF_CACHE_RCU_HEAD };
	static const unsigned int bad[] = { 4, OBJ_SIZE - 8, OBJ_SIZE };
	struct kmem_cache *base;
	struct sheaf_cache *sc;
	unsigned int i;

	base = st_base("sc_st_rcu_args", OBJ_SIZE, 0, NULL);
	if (!base)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		args.rcu_head_offset = bad[i];
		sc = sheaf_cache_create("sc_st_rcu_args", base, &args);
		if (!EXPECT_EQ(PTR_ERR(sc), -EINVAL) && !IS_ERR(sc))
			sheaf_cache_destroy(sc);
	}
	/* An offset without the flag says something the flag does not. */
	args.flags = 0;
	args.rcu_head_offset = 8;
	sc = sheaf_cache_create("sc_st_rcu_args", base, &args);
	if (!EXPECT_EQ(PTR_ERR(sc), -EINVAL) && !IS_ERR(sc))
		sheaf_cache_destroy(sc);
	args.flags = SHEAF_CACHE_RCU_HEAD;
	args.rcu_head_offset = 0;
	sc = sheaf_cache_create("sc_st_rcu_args", base, &args);
	if (EXPECT(!IS_ERR(sc)))
		sheaf_cache_destroy(sc);
	kmem_cache_destroy(base);
	return 0;
}

/*
 * A full RCU sheaf is sent from inside a reader's section: until the
 * reader leaves, its objects keep their contents (neither zeroed nor
 * poisoned by slub_debug) and no allocation hands one out; after the
 * grace period they are in the barn, zeroed where init_on_alloc says.
 */
int test_rcu_no_reuse_before_gp(void)
{
	struct sr_obj *o[CAP], *q[3 * CAP], *r[3 * CAP];
	unsigned int i, found = 0;
	struct fx fx;
	int ret;

	ret = sr_init(&fx, SR_BASE "_reuse", true, 1);
	if (ret)
		return ret;
	migrate_disable();
	sr_alloc(&fx, o, CAP, GFP_KERNEL);
	rcu_read_lock();
	for (i = 0; i < CAP; i++)
		sheaf_cache_free_rcu(fx.sc, o[i]);
	EXPECT_STAT(&fx, SC_RCU_SHEAF, 1);
	sr_alloc(&fx, q, ARRAY_SIZE(q), GFP_ATOMIC);
	for (i = 0; i < ARRAY_SIZE(q); i++)
		EXPECT(q[i] && !sr_among(q[i], o, CAP));
	mdelay(SR_READER_MS);
	EXPECT(sr_intact(o, CAP));
	EXPECT_STAT(&fx, SC_RCU_SHEAF_BARN, 0);
	rcu_read_unlock();

	sheaf_cache_rcu_barrier(fx.sc);
	EXPECT_STAT(&fx, SC_RCU_SHEAF_BARN, 1);
	EXPECT_STAT(&fx, SC_RCU_SHEAF_FLUSH, 0);
	/* The sheaf is the barn's next full one: allocations reach it. */
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		r[i] = sheaf_cache_alloc(fx.sc, GFP_KERNEL);
		if (!r[i] || !sr_among(r[i], o, CAP))
			continue;
		found++;
		if (fx.sc->init_on_alloc)
			EXPECT(!memchr_inv(r[i], 0, OBJ_SIZE));
	}
	EXPECT_EQ(found, CAP);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		sheaf_cache_free(fx.sc, r[i]);
	for (i = 0; i < ARRAY_SIZE(q); i++)
		sheaf_cache_free(fx.sc, q[i]);
	migrate_enable();
	fx_fini(&fx);
	return 0;
}

/*
 * After sheaf_cache_rcu_barrier() every object freed before it is back:
 * the first full sheaf in the barn, the rest (the barn full, the partial
 * sheaf the barrier sent) with the base, which counts them exactly.
 */
int test_rcu_barrier_accounting(void)
{
	struct sr_obj *o[3 * CAP + 1];
	unsigned int i, n = ARRAY_SIZE(o);
	struct fx fx;
	long before;
	int ret;

	ret = sr_init(&fx, SR_BASE "_barrier", false, 1);
	if (ret)
		return ret;
	before = st_slab_objects(fx.base, fx.name);
	migrate_disable();
	sr_alloc(&fx, o, n, GFP_KERNEL);
	for (i = 0; i < n; i++)
		sheaf_cache_free_rcu(fx.sc, o[i]);
	EXPECT_STAT(&fx, SC_FREE_RCU, n);
	EXPECT_STAT(&fx, SC_RCU_SHEAF, 3);
	sheaf_cache_rcu_barrier(fx.sc);
	EXPECT_STAT(&fx, SC_RCU_SHEAF, 4);
	EXPECT_STAT(&fx, SC_RCU_SHEAF_PARTIAL, 1);
	EXPECT_STAT(&fx, SC_RCU_SHEAF_BARN, 1);
	EXPECT_STAT(&fx, SC_RCU_SHEAF_FLUSH, 2 * CAP + 1);
	EXPECT_STAT(&fx, SC_FREE_RCU_FALLBACK, 0);
	sr_expect_exact(&fx, before, 0);
	migrate_enable();
	sheaf_cache_destroy(fx.sc);
	EXPECT(sr_out(&fx, before) <= 0);
	kmem_cache_destroy(fx.base);
	return 0;
}

/* A partly filled RCU sheaf is sent by itself, within about a second. */
int test_rcu_partial_sent(void)
{
	unsigned long end = jiffies + 5 * HZ;
	struct sr_obj *o[1];
	struct fx fx;
	long before;
	int ret;

	ret = sr_init(&fx, SR_BASE "_partial", false, 1);
	if (ret)
		return ret;
	before = st_slab_objects(fx.base, fx.name);
	migrate_disable();
	sr_alloc(&fx, o, 1, GFP_KERNEL);
	sheaf_cache_free_rcu(fx.sc, o[0]);
	while (!sheaf_cache_stat(fx.sc, SC_RCU_SHEAF) &&
	       time_before(jiffies, end))
		msleep(50);
	EXPECT_STAT(&fx, SC_RCU_SHEAF_PARTIAL, 1);
	/* The kernel's barrier: the callback ran, and gave the object back. */
	rcu_barrier();
	EXPECT_STAT(&fx, SC_RCU_SHEAF_FLUSH, 1);
	sr_expect_exact(&fx, before, 0);
	migrate_enable();
	fx_fini(&fx);
	return 0;
}

/* sheaf_cache_shrink() sends a partly filled RCU sheaf at once. */
int test_rcu_shrink_sends(void)
{
	struct sr_obj *o[2];
	struct fx fx;
	int ret;

	ret = sr_init(&fx, SR_BASE "_shrink", false, 1);
	if (ret)
		return ret;
	migrate_disable();
	sr_alloc(&fx, o, ARRAY_SIZE(o), GFP_KERNEL);
	sheaf_cache_free_rcu(fx.sc, o[0]);
	sheaf_cache_free_rcu(fx.sc, o[1]);
	EXPECT_STAT(&fx, SC_RCU_SHEAF, 0);
	sheaf_cache_shrink(fx.sc);
	EXPECT_STAT(&fx, SC_RCU_SHEAF_PARTIAL, 1);
	EXPECT(!fx_rcu_free(&fx));
	migrate_enable();
	fx_fini(&fx);
	return 0;
}

/* Destruction waits for the frees it finds pending, and loses none. */
int test_rcu_destroy_pending(void)
{
	struct sr_obj *o[2 * CAP + 1];
	unsigned int i;
	struct fx fx;
	long before;
	int ret;

	ret = sr_init(&fx, SR_BASE "_destroy", false, 1);
	if (ret)
		return ret;
	before = st_slab_objects(fx.base, fx.name);
	sr_alloc(&fx, o, ARRAY_SIZE(o), GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(o); i++)
		sheaf_cache_free_rcu(fx.sc, o[i]);
	sheaf_cache_destroy(fx.sc);
	if (before >= 0)
		EXPECT_EQ(sr_out(&fx, before), 0);
	kmem_cache_destroy(fx.base);
	return 0;
}

struct sr_cpu_free {
	struct fx *fx;
	unsigned int n;
};

/* Frees @n new objects with free_rcu on the CPU work_on_cpu() picked. */
static long sr_free_rcu_cpu(void *arg)
{
	struct sr_cpu_free *f = arg;
	unsigned int i;

	for (i = 0; i < f->n; i++)
		sheaf_cache_free_rcu(f->fx->sc,
				     kmem_cache_alloc(f->fx->base, GFP_KERNEL));
	return 0;
}

/* A CPU that goes offline sends its half-full RCU sheaf. */
int test_rcu_cpu_offline(void)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);
	struct fx fx;
	struct sr_cpu_free f = { .fx = &fx, .n = CAP / 2 };
	long before;
	int ret;

	if (num_online_cpus() < 2 || !cpu)
		return sc_test_skip("needs two online CPUs");
	ret = sr_init(&fx, SR_BASE "_hotplug", false, 1);
	if (ret)
		return ret;
	before = st_slab_objects(fx.base, fx.name);
	work_on_cpu(cpu, sr_free_rcu_cpu, &f);
	EXPECT(per_cpu_ptr(fx.sc->cpu, cpu)->rcu_free);
	ret = remove_cpu(cpu);
	if (ret) {
		fx_fini(&fx);
		return sc_test_skip("the CPU cannot go offline");
	}
	EXPECT_STAT(&fx, SC_RCU_SHEAF_PARTIAL, 1);
	EXPECT(!per_cpu_ptr(fx.sc->cpu, cpu)->rcu_free);
	EXPECT(!add_cpu(cpu));
	rcu_barrier();
	EXPECT_STAT(&fx, SC_RCU_SHEAF_FLUSH, CAP / 2);
	sr_expect_exact(&fx, before, 0);
	fx_fini(&fx);
	return 0;
}

/*
 * No RCU sheaf to be had (the section is taken, as by the code an
 * interrupt lands in): an object with an rcu_head takes the fallback,
 * from atomic context, and is still not freed while a reader may hold it.
 */
int test_rcu_fallback_atomic(void)
{
	local_trylock_t *tl;
	struct sr_obj *o[1];
	struct fx fx;
	long before;
	int ret;

	ret = sr_init(&fx, SR_BASE "_fallback", true, 1);
	if (ret)
		return ret;
	before = st_slab_objects(fx.base, fx.name);
	migrate_disable();
	sr_alloc(&fx, o, 1, GFP_KERNEL);
	rcu_read_lock();
	if (EXPECT(sc_local_trylock(&fx.sc->cpu->lock, &tl))) {
		sheaf_cache_free_rcu(fx.sc, o[0]);
		sc_local_unlock(tl);
	}
	EXPECT_STAT(&fx, SC_FREE_RCU_FALLBACK, 1);
	EXPECT_STAT(&fx, SC_RCU_SHEAF, 0);
	mdelay(SR_READER_MS);
	EXPECT(sr_intact(o, 1));
	rcu_read_unlock();
	sheaf_cache_rcu_barrier(fx.sc);
	sr_expect_exact(&fx, before, 0);
	migrate_enable();
	fx_fini(&fx);
	return 0;
}
