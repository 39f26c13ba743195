/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the sheafcache selftest share: selftest_paths.c (the
 * runner, and the cases of every branch of the alloc, free and prefill
 * paths), selftest_promises.c (slab's promises), selftest_rcu.c
 * (RCU-deferred frees), selftest_tune.c (the capacity, budget and trim)
 * and selftest_upstream.c (upstream's API).
 */
#ifndef _SHEAFCACHE_SELFTEST_H
#define _SHEAFCACHE_SELFTEST_H

#include "internal.h"
#include "sc_test.h"

#define OBJ_SIZE	64
#define CAP		4

#define EXPECT_STAT(fx, item, want) \
	EXPECT_EQ(sheaf_cache_stat((fx)->sc, item), (u64)(want))

/* A base cache and a sheaf_cache over it. */
struct fx {
	struct kmem_cache *base;
	struct sheaf_cache *sc;
	char name[SHEAF_CACHE_NAME_MAX + 1];
};

extern char *memcg_dir;

/* What st_fill_cpu() frees, on the CPU work_on_cpu() runs it on. */
struct st_fill {
	struct sheaf_cache *sc;
	unsigned int n;
};

long st_fill_cpu(void *arg);

void st_ctor(void *obj);
int fx_init_base(struct fx *fx, const char *base_name,
		 unsigned int size, const struct sheaf_cache_args *args,
		 slab_flags_t flags, void (*ctor)(void *));
int fx_init(struct fx *fx, unsigned int max_full, unsigned int max_empty);
void fx_fini(struct fx *fx);

int test_capacity_limit(void);
int test_create_with_base_facts(void);
int test_owned_ctor_not_zeroed(void);
int test_alloc_from_sheaf_own_cache(void);
int test_accounted_base_bypasses(void);
int test_gfp_account_bypasses(void);
int test_pfmemalloc_wrapped(void);
int test_pfmemalloc_owned(void);
int test_native_sheaves_nothing_lost(void);
int test_upstream_api_sheafcache(void);
int test_upstream_api_plain_cache(void);
int test_numa_remote_free(void);
int test_shrinker_per_node(void);
int test_memcg_charges_allocator(void);
int test_rcu_head_args(void);
int test_rcu_no_reuse_before_gp(void);
int test_rcu_barrier_accounting(void);
int test_rcu_partial_sent(void);
int test_rcu_shrink_sends(void);
int test_rcu_destroy_pending(void);
int test_rcu_cpu_offline(void);
int test_rcu_fallback_atomic(void);
int test_tune_grows_and_trims(void);
int test_tune_fixed_stays(void);
int test_tune_oversize_grows(void);
int test_tune_budget_kept(void);
int test_tune_budget_args(void);
int test_poison_write_after_free(void);
int test_poison_barn_drain(void);
int test_poison_prefill_replaces(void);
int test_bypass_slab_count(void);
int test_borrowed_lists(void);
int test_sheaf_overdue_once(void);

#endif /* _SHEAFCACHE_SELFTEST_H */
