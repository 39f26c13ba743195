/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the sheafcache torture module share: torture_main.c
 * (the modes, the base and the caches over it), torture_engine.c (the
 * randomized timed runs) and torture_cases.c (the deterministic cases).
 */
#ifndef _SHEAFCACHE_TORTURE_H
#define _SHEAFCACHE_TORTURE_H

#include <linux/sched.h>
#include <linux/types.h>

#include "internal.h"
#include "sc_test.h"

#define TT_BASE		ST_ACCT_PREFIX "_torture"
#define TT_KEPT		"torture_kept"
#define OBJ_SIZE	64
/* The objects' rcu_head, for sheaf_cache_free_rcu()'s fallback: the end. */
#define TT_RCU_OFFSET	(OBJ_SIZE - sizeof(struct rcu_head))
/* Small sheaves and barns, so that the slow paths run often. */
#define CAP		8
#define MAX_FULL	4
/* Objects an owner holds at most, and a hand-over ring's size. */
#define HELD_MAX	64
#define IRQ_HELD	8
#define RING_MAX	32
/* Interrupt periods; not multiples of each other, so they drift. */
#define HARD_NS		(97 * NSEC_PER_USEC)
#define SOFT_NS		(131 * NSEC_PER_USEC)

/* The module's parameters. */
extern u64 seed;
extern unsigned int slab_pct, sheaf_pct;
extern bool keep;
extern unsigned int tuned_cap;

/* What the closing "# torture:" line reports, summed over the cases. */
struct tt_figures {
	u64 refill_fail;	/* SC_REFILL_FAIL over every cache */
	u64 alloc_null;		/* allocations that returned NULL */
	u64 cpu_dead;		/* SC_CPU_DEAD over every cache */
	u64 irq_ops;		/* operations from hardirq and softirq */
	u64 reentrant;		/* SC_REENTRANT over every cache */
	u64 ops;		/* operations of the timed runs */
	u64 unaccounted;	/* objects the base's count disagreed on */
	bool inexact;		/* a base count could not be read */
};

extern struct tt_figures tt_fig;
/* Duration of each timed run, from duration_ms or the mode. */
extern unsigned int tt_ms;

/* ===== torture_main.c: the base, and caches over it ================== */

extern struct kmem_cache *tt_base;
/* The base's objects in use before the first case. */
extern long tt_base_start;
/* The base marked for failslab's cache-filter, where it exists. */
extern bool tt_failslab_ready;

/*
 * The shell arms failslab (filtered to caches marked for it) and the
 * core's fail_sheaf_alloc with task-filter on: only tasks with
 * make_it_fail set see failures, which lets the test say when.
 */
static inline void tt_fail(bool on)
{
#ifdef CONFIG_FAULT_INJECTION
	WRITE_ONCE(current->make_it_fail, on);
#endif
}

struct tt_cache {
	struct sheaf_cache *sc;
	long before;		/* the base's objects in use at creation */
};

long tt_slab_objects(void);
int tt_open_named(struct tt_cache *c, const char *name, unsigned int cap,
		  unsigned int max_full, unsigned int max_empty);
int tt_open(struct tt_cache *c, unsigned int cap, unsigned int max_full,
	    unsigned int max_empty);
bool tt_conserved(struct tt_cache *c, long held);
bool tt_close(struct tt_cache *c, long kept);
unsigned long tt_barn_objects(struct sheaf_cache *sc);
int tt_fill(struct sheaf_cache *sc, unsigned int n);

/* ===== torture_engine.c: timed runs ================================== */

void tt_works(struct sheaf_cache *sc);

int test_stats_consistent(void);
int test_base_accounting(void);
int test_stress(void);
int test_stress_under_hotplug(void);
int test_cpus_went_offline(void);
int test_nothing_stranded(void);
int test_irq_stress(void);
int test_reentrant_fired(void);
int test_soak(void);
int test_stress_with_faults(void);

/* ===== torture_cases.c: one CPU, one fault at a time ================= */

/* keep=1: a filled cache stays for the shell's drop_caches. */
extern struct tt_cache tt_kept;

int test_prefill_fails_cleanly(void);
int test_refill_enomem_keeps_sheaf(void);
int test_prefilled_sheaf_survives(void);
int test_fast_path_falls_back(void);
int test_sheaf_alloc_fails(void);
int test_nofail_prefill_succeeds(void);
int test_bulk_fails_cleanly(void);
int test_free_rcu_falls_back(void);
int test_shrinker_under_pressure(void);
int test_shrink_returns_everything(void);
int test_kept_for_drop_caches(void);
int test_drop_caches_emptied_barns(void);
int test_kept_cache_works(void);
int test_kept_cache_accounting(void);

#endif /* _SHEAFCACHE_TORTURE_H */
