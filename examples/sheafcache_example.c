// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache example: a template for using guaranteed allocation.
 *
 * A table of flows lives under a spinlock taken with IRQs off, as it would
 * be if an interrupt handler also looked flows up. Inserting a batch must
 * not fail half way: allocating under the lock could (GFP_ATOMIC), and
 * allocating before taking it means guessing how many entries are new.
 * So: prefill a sheaf with the worst case while we may sleep, take the
 * lock, allocate exactly the entries that turn out to be new, unlock,
 * give the sheaf back. The unused objects stay cached for next time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "sheafcache.h"
/* Only for the KTAP result the test harness counts. */
#include "selftest/sc_test.h"

SC_TEST_STATE;

static unsigned int batches = 64;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "number of insert batches to run");

struct flow {
	struct hlist_node node;
	u32 key;
	u32 hits;
};

static DEFINE_HASHTABLE(flows, 8);
static DEFINE_SPINLOCK(flows_lock);
static struct sheaf_cache *flow_cache;
static unsigned int nr_flows;

static struct flow *flow_find(u32 key)
{
	struct flow *f;

	hash_for_each_possible(flows, f, node, key)
		if (f->key == key)
			return f;
	return NULL;
}

/*
 * Insert @n keys, some of which may exist already. Returns the number of
 * new flows, or -ENOMEM before anything was changed.
 */
static int flows_insert(const u32 *keys, unsigned int n)
{
	unsigned long flags;
	struct sheaf *sheaf;
	unsigned int i;
	int added = 0;

	/* Worst case: every key is new. This may sleep; the lock is not held. */
	sheaf = sheaf_cache_prefill_sheaf(flow_cache, GFP_KERNEL, n);
	if (!sheaf)
		return -ENOMEM;

	spin_lock_irqsave(&flows_lock, flags);
	for (i = 0; i < n; i++) {
		struct flow *f = flow_find(keys[i]);

		if (f) {
			f->hits++;
			continue;
		}
		/* Cannot fail: the sheaf holds at least n objects. */
		f = sheaf_cache_alloc_from_sheaf(flow_cache, __GFP_ZERO, sheaf);
		f->key = keys[i];
		f->hits = 1;
		hash_add(flows, &f->node, f->key);
		added++;
	}
	nr_flows += added;
	spin_unlock_irqrestore(&flows_lock, flags);

	sheaf_cache_return_sheaf(flow_cache, GFP_KERNEL, sheaf);
	return added;
}

/* Drop the flows seen fewer than @min_hits times; returns how many. */
static unsigned int flows_expire(u32 min_hits)
{
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int n = 0;
	struct flow *f;
	int bkt;

	spin_lock_irqsave(&flows_lock, flags);
	hash_for_each_safe(flows, bkt, tmp, f, node) {
		if (f->hits >= min_hits)
			continue;
		hash_del(&f->node);
		/* Back to this CPU's sheaf: the next insert reuses it. */
		sheaf_cache_free(flow_cache, f);
		n++;
	}
	nr_flows -= n;
	spin_unlock_irqrestore(&flows_lock, flags);
	return n;
}

static void flows_free_all(void)
{
	flows_expire(U32_MAX);
}

/*
 * Batches of 1..32 keys from a small key space, so repeats are common;
 * now and then the rarely seen flows expire.
 */
static int test_guaranteed_inserts(void)
{
	unsigned int b, i, expect = 0;
	u32 keys[32];
	int ret;

	for (b = 0; b < batches; b++) {
		unsigned int n = 1 + b % ARRAY_SIZE(keys);

		for (i = 0; i < n; i++)
			keys[i] = (b * 7 + i * 13) % 500;
		ret = flows_insert(keys, n);
		if (ret < 0)
			return ret;
		expect += ret;
		if (b % 16 == 15)
			expect -= flows_expire(2);
	}
	pr_info("%u batches, %u flows, %lu objects cached\n", batches,
		nr_flows, sheaf_cache_cached_objects(flow_cache));
	EXPECT_EQ(nr_flows, expect);
	return 0;
}

static const struct sc_test_case example_cases[] = {
	SC_TEST_CASE(guaranteed_inserts),
};

static int __init example_init(void)
{
	int ret;

	/* The cache makes its own base, and so knows its flags and ctor. */
	flow_cache = sheaf_cache_create_with_base("example_flow",
						  sizeof(struct flow), 0, 0,
						  NULL, NULL);
	if (IS_ERR(flow_cache))
		return PTR_ERR(flow_cache);

	ret = sc_test_run(example_cases, ARRAY_SIZE(example_cases), NULL) ?
	      -EIO : 0;
	if (ret) {
		flows_free_all();
		sheaf_cache_destroy(flow_cache);
	}
	return ret;
}

static void __exit example_exit(void)
{
	flows_free_all();
	sheaf_cache_destroy(flow_cache);
}

module_init(example_init);
module_exit(example_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sheafcache example: guaranteed inserts under a spinlock");
