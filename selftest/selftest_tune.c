// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache selftest: the capacity that tunes itself, the byte budget
 * and the working-set trim (tune.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "selftest.h"

#define ST_BURST	40

/* Bursts of ST_BURST allocations, then as many frees, on this CPU. */
static void st_bursts(struct sheaf_cache *sc, unsigned int rounds)
{
	void *p[ST_BURST];
	unsigned int i;

	while (rounds--) {
		for (i = 0; i < ST_BURST; i++)
			p[i] = sheaf_cache_alloc(sc, GFP_KERNEL);
		for (i = 0; i < ST_BURST; i++)
			sheaf_cache_free(sc, p[i]);
	}
}

/* Run the cache's trim now, as its timer would, and wait for it. */
static void st_trim_now(struct sheaf_cache *sc)
{
	mod_delayed_work(sc_unbound_wq, &sc->trim, 0);
	flush_delayed_work(&sc->trim);
}

/* A barn of one sheaf: bursts of ten sheaves' worth go to the base. */
static int st_tune_fx(struct fx *fx, unsigned int flags)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_full_sheaves = 1,
		.max_empty_sheaves = 1,
		.flags = flags,
	};

	return fx_init_base(fx, NULL, OBJ_SIZE, &args, 0, NULL);
}

/*
 * Bursts the CPU's sheaves and barn cannot hold raise the capacity, and
 * fewer objects go through the base. The trim, on an ordinary timer that
 * fires on an idle NO_HZ CPU, brings the idle cache back to its floor,
 * holding nothing, within two intervals.
 */
int test_tune_grows_and_trims(void)
{
	u64 before, after;
	struct fx fx;
	int ret;

	ret = st_tune_fx(&fx, 0);
	if (ret)
		return ret;
	EXPECT(delayed_work_pending(&fx.sc->trim));
	EXPECT(!(fx.sc->trim.timer.flags & TIMER_DEFERRABLE));
	migrate_disable();
	st_bursts(fx.sc, 4);
	before = sheaf_cache_stat(fx.sc, SC_REFILL);
	EXPECT(sheaf_cache_stat(fx.sc, SC_CAPACITY_GROW) >= 1);
	/* Base trips, on one CPU: neither contention nor reservations. */
	EXPECT_STAT(&fx, SC_CAPACITY_CONTENDED, 0);
	EXPECT_STAT(&fx, SC_CAPACITY_OVERSIZE, 0);
	EXPECT(sheaf_cache_capacity(fx.sc) > CAP);
	EXPECT(sheaf_cache_capacity(fx.sc) <= fx.sc->ceiling);
	/*
	 * Grown: a burst refills less from the base than the 3 * CAP that
	 * main, spare and barn at CAP would leave it to.
	 */
	st_bursts(fx.sc, 1);
	after = sheaf_cache_stat(fx.sc, SC_REFILL);
	EXPECT(after - before < ST_BURST - 3 * CAP);
	migrate_enable();

	/* Two trims at most: one may still see the bursts' interval. */
	st_trim_now(fx.sc);
	if (sheaf_cache_capacity(fx.sc) != CAP)
		st_trim_now(fx.sc);
	EXPECT_EQ(sheaf_cache_capacity(fx.sc), CAP);
	EXPECT_EQ(sheaf_cache_cached_objects(fx.sc), 0);
	EXPECT_STAT(&fx, SC_CAPACITY_SHRINK, 1);
	EXPECT(sheaf_cache_stat(fx.sc, SC_TRIM) > 0);
	/* And it still works, at the floor. */
	migrate_disable();
	st_bursts(fx.sc, 1);
	migrate_enable();
	fx_fini(&fx);
	return 0;
}

/* SHEAF_CACHE_FIXED_CAPACITY: the same bursts change nothing. */
int test_tune_fixed_stays(void)
{
	struct fx fx;
	int ret;

	ret = st_tune_fx(&fx, SHEAF_CACHE_FIXED_CAPACITY);
	if (ret)
		return ret;
	migrate_disable();
	st_bursts(fx.sc, 6);
	migrate_enable();
	EXPECT_STAT(&fx, SC_CAPACITY_GROW, 0);
	EXPECT_EQ(sheaf_cache_capacity(fx.sc), CAP);
	fx_fini(&fx);
	return 0;
}

/* Reserve @n objects @times, taking none, on this CPU. */
static void st_reserve(struct sheaf_cache *sc, unsigned int n,
		       unsigned int times)
{
	struct sheaf *sheaf;

	while (times--) {
		sheaf = sheaf_cache_prefill_sheaf(sc, GFP_KERNEL, n);
		EXPECT(sheaf && sheaf_cache_sheaf_size(sheaf) >= n);
		sheaf_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	}
}

/*
 * Reservations above the capacity double it every eight, while it is
 * below their size: then a sheaf serves one whole, not oversize. A fixed
 * capacity stays. No trim meanwhile: it could take the cache to its floor.
 */
int test_tune_oversize_grows(void)
{
	unsigned int flags[] = { 0, SHEAF_CACHE_FIXED_CAPACITY };
	unsigned int i;
	struct fx fx;
	int ret;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		bool fixed = flags[i];

		ret = st_tune_fx(&fx, flags[i]);
		if (ret)
			return ret;
		cancel_delayed_work_sync(&fx.sc->trim);
		migrate_disable();
		st_reserve(fx.sc, 4 * CAP, 7);
		EXPECT_EQ(sheaf_cache_capacity(fx.sc), CAP);
		st_reserve(fx.sc, 4 * CAP, 1);
		EXPECT_EQ(sheaf_cache_capacity(fx.sc), fixed ? CAP : 2 * CAP);
		st_reserve(fx.sc, 4 * CAP, 8);
		EXPECT_EQ(sheaf_cache_capacity(fx.sc), fixed ? CAP : 4 * CAP);
		EXPECT_STAT(&fx, SC_PREFILL_OVERSIZE, 16);
		/* Served whole now: no more oversize, and no more growth. */
		st_reserve(fx.sc, 4 * CAP, 8);
		migrate_enable();
		EXPECT_STAT(&fx, SC_PREFILL_OVERSIZE, fixed ? 24 : 16);
		EXPECT_STAT(&fx, SC_CAPACITY_GROW, fixed ? 0 : 2);
		EXPECT_STAT(&fx, SC_CAPACITY_OVERSIZE, fixed ? 0 : 2);
		EXPECT_STAT(&fx, SC_CAPACITY_CONTENDED, 0);
		EXPECT_EQ(sheaf_cache_capacity(fx.sc), fixed ? CAP : 4 * CAP);
		fx_fini(&fx);
	}
	return 0;
}

/* The least budget: two sheaves of the floor per possible CPU. */
static unsigned long st_least_budget(void)
{
	return (unsigned long)CAP * 2 * num_possible_cpus() * OBJ_SIZE;
}

/*
 * A budget of three times the least: after many bursts and a reservation
 * far beyond it (never refused for the budget), the cache holds no more
 * than the budget, by its own count and by SLUB's, whose objects in use
 * are then exactly those the cache holds.
 */
int test_tune_budget_kept(void)
{
	unsigned long budget = 3 * st_least_budget();
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_bytes = budget,
	};
	struct sheaf *sheaf;
	long before, in_use;
	unsigned long cached;
	struct fx fx;
	int ret;

	ret = fx_init_base(&fx, "sc_st_acct_budget", OBJ_SIZE, &args, 0, NULL);
	if (ret)
		return ret;
	before = st_slab_objects(fx.base, "sc_st_acct_budget");
	migrate_disable();
	st_bursts(fx.sc, 8);
	migrate_enable();
	sheaf = sheaf_cache_prefill_sheaf(fx.sc, GFP_KERNEL,
					  4 * budget / OBJ_SIZE);
	EXPECT(sheaf && sheaf_cache_sheaf_size(sheaf) >= 4 * budget / OBJ_SIZE);
	sheaf_cache_return_sheaf(fx.sc, GFP_KERNEL, sheaf);

	cached = sheaf_cache_cached_objects(fx.sc);
	EXPECT(cached <= budget / OBJ_SIZE);
	EXPECT(atomic_long_read(&fx.sc->held) <= budget / OBJ_SIZE);
	EXPECT(sheaf_cache_stat(fx.sc, SC_BUDGET_DENY) > 0);
	EXPECT(fx.sc->ceiling * 2 * num_possible_cpus() <= budget / OBJ_SIZE);
	in_use = st_slab_objects(fx.base, "sc_st_acct_budget");
	if (before >= 0 && in_use >= 0)
		EXPECT_EQ(in_use - before, cached);
	sheaf_cache_shrink(fx.sc);
	EXPECT_EQ(sheaf_cache_cached_objects(fx.sc), 0);
	fx_fini(&fx);
	if (before < 0)
		return sc_test_skip("no exact slab count: boot with slub_debug=FZP,sc_st_acct*");
	return 0;
}

/* Below the least budget is -EINVAL; the least itself is a cache. */
int test_tune_budget_args(void)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = CAP,
		.max_bytes = st_least_budget() - 1,
	};
	struct fx fx;

	EXPECT(fx_init_base(&fx, NULL, OBJ_SIZE, &args, 0, NULL) == -EINVAL);
	args.max_bytes++;
	if (!EXPECT(!fx_init_base(&fx, NULL, OBJ_SIZE, &args, 0, NULL)))
		return -EINVAL;
	EXPECT_EQ(fx.sc->ceiling, CAP);
	migrate_disable();
	st_bursts(fx.sc, 2);
	migrate_enable();
	EXPECT(sheaf_cache_cached_objects(fx.sc) <= args.max_bytes / OBJ_SIZE);
	fx_fini(&fx);
	return 0;
}
