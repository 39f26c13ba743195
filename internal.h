/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sheafcache internals shared by the core and the debugfs code.
 */
#ifndef _SHEAFCACHE_INTERNAL_H
#define _SHEAFCACHE_INTERNAL_H

#include <linux/bits.h>
#include <linux/cpuhotplug.h>
#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "sheafcache.h"

struct seq_file;

/* sheaf_cache.free_check: a wrapped base, or an accounted one */
#define SC_CHECK_ALWAYS		BIT(40)
/* sticky: __GFP_ACCOUNT objects were handed out */
#define SC_CHECK_ACCOUNT	BIT(41)
/* init_on_free: every free zeroes, which needs no look at the page */
#define SC_CHECK_ZERO		BIT(42)
/* poisoning or bypass: every free poisons or goes to the base */
#define SC_CHECK_DEBUG		BIT(43)

/**
 * struct sheaf - an array of cached objects
 * @barn_list: link in a barn list while the sheaf is in a barn; while
 *	it is out with a caller, the list of the sheaves linked to it for a
 *	reservation above the capacity (prefill.c), and their link in it
 * @rcu: for freeing, since debugfs readers look at sheaves under RCU;
 *	and for an RCU sheaf's grace period (rcu.c)
 * @cache: the cache a prefilled sheaf belongs to while it is out with a
 *	caller, or an RCU sheaf's while it waits for its grace period; NULL
 *	while the sheaf is cached, so that a sheaf returned twice or to the
 *	wrong cache is caught
 * @size: number of objects held
 * @capacity: number of objects that fit (SHEAF_CACHE_MAX_PREFILL at most)
 * @held: its capacity is counted in the cache's held, against its byte
 *	budget (tune.c); only with a budget
 * @borrow: while out with a caller, 1 + its slot in the cache's table of
 *	borrowed sheaves (struct sc_borrow), SC_BORROW_FULL when the table
 *	was full, 0 when not tracked; taken from @capacity's spare bits so
 *	that the header stays 32 bytes
 * @flush: holds objects that must not be cached (from the memory
 *	reserves, or charged to a memcg; an RCU sheaf: another node's too):
 *	given back to the base on return, or after the grace period
 * @objects: the objects, the most recently freed last; a pointer may carry
 *	the SC_OBJ_DIRTY tag (core.h), never in a sheaf out with a caller.
 *	Dirty objects are always above the clean ones, so that a sheaf is
 *	cleaned from the top down to its first clean object: frees push on
 *	top and allocations pop from it; a refill adds clean objects only
 *	to a sheaf that holds no dirty one; objects moved onto a sheaf are
 *	tagged dirty (sc_move_back()), or both are clean (sc_move()); an
 *	RCU sheaf is tagged or zeroed whole after its grace period
 *
 * The header is 32 bytes so that the default capacities make sheaves of
 * exactly 64, 128, 256 and 512 bytes, as upstream's do.
 */
struct sheaf {
	union {
		struct list_head barn_list;
		struct rcu_head rcu;
	};
	struct sheaf_cache *cache;
	unsigned int size;
	unsigned int capacity : 21;
	unsigned int held : 1;
	unsigned int borrow : 9;
	unsigned int flush : 1;
	void *objects[];
};

/*
 * Slots of the table of borrowed sheaves; one more sheaf out is not
 * listed, only counted (struct sheaf_cache.borrow_untracked). Fits
 * struct sheaf.borrow.
 */
#define SC_BORROW_SLOTS		255
#define SC_BORROW_FULL		511

/**
 * struct sc_borrow - a prefilled sheaf out with a caller, for debugfs
 * @sheaf: the sheaf, or NULL for a free slot; claimed with a cmpxchg from
 *	NULL, freed by the sheaf's return alone
 * @caller: prefill's return address
 * @since: jiffies when it went out
 * @warned: the sheaf_overdue warning was printed for this lending
 */
struct sc_borrow {
	struct sheaf *sheaf;
	unsigned long caller;
	unsigned long since;
	bool warned;
};

/**
 * struct sc_barn - per-node store of full and empty sheaves
 * @lock: protects the lists and counts; taken with IRQs saved
 * @full: sheaves with size == capacity
 * @empty: sheaves with size == 0
 * @nr_full: length of @full
 * @nr_empty: length of @empty
 * @full_objects: objects in @full's sheaves, whose capacities may differ
 *	while the cache's changes
 * @low_full: fewest full sheaves since the last trim, which the interval
 *	did not need (tune.c, as UMA's working-set estimate)
 * @low_empty: fewest empty sheaves since the last trim
 * @contended: times CPUs waited for the lock (sc_barn_lock())
 */
struct sc_barn {
	spinlock_t lock;	/* see above */
	struct list_head full;
	struct list_head empty;
	unsigned int nr_full;
	unsigned int nr_empty;
	unsigned long full_objects;
	unsigned int low_full;
	unsigned int low_empty;
	unsigned long contended;
};

/**
 * struct sc_cpu - a CPU's sheaves
 * @lock: the per-CPU section (compat.h); a call that interrupts its holder
 *	fails to take it and uses the base cache
 * @main: sheaf the fast paths pop from and push to; never NULL
 * @spare: second sheaf, or NULL
 * @capacity: where this CPU's free paths call main full: the cache's
 *	capacity, as this CPU last saw it, but never above main's own
 *	(sc_cpu_fit()), so that the CPU adopts a new capacity in its own
 *	slow paths while its sheaves are of the old one
 * @rcu_free: sheaf that sheaf_cache_free_rcu() batches into, or NULL
 * @stash: full sheaves that a reservation above the capacity brought
 *	back, for the next one on this CPU (prefill.c), by their barn_list
 * @nr_stash: objects in @stash
 * @stash_sheaves: sheaves in @stash
 * @stash_used: times a reservation took or left @stash; the trim gives
 *	back a stash left alone for a whole interval (tune.c)
 * @trim_stash: @stash_used at the last trim, which only the trim uses
 * @trim_seen: main, its size and the sheaves taken at the last trim,
 *	which only the trim reads and writes: a change says the CPU was
 *	busy (tune.c)
 * @sheaves_taken: prefilled sheaves taken on this CPU; less the sum of
 *	@sheaves_back over CPUs, those out with callers. Only ever grows,
 *	so that the trim sees prefills in it (tune.c)
 * @sheaves_back: prefilled sheaves returned on this CPU
 * @stat: event counters, see enum sheaf_cache_stat_item
 */
struct sc_cpu {
	local_trylock_t lock;
	struct sheaf *main;
	struct sheaf *spare;
	unsigned int capacity;
	struct sheaf *rcu_free;
	struct list_head stash;
	unsigned int nr_stash;
	unsigned int stash_sheaves;
	unsigned int stash_used;
	unsigned int trim_stash;
	unsigned long trim_seen;
	unsigned long sheaves_taken;
	unsigned long sheaves_back;
	unsigned long stat[SC_NR_STATS];
};

/**
 * struct sheaf_cache - per-CPU sheaves in front of a kmem_cache
 * @cpu: per-CPU sheaves and counters
 * @dirty_tag: SC_OBJ_DIRTY when frees leave zeroing to the next allocation
 *	(core.h, lazy zeroing), else 0; or'ed into every pointer pushed
 * @free_check: nonzero when sheaf_cache_free() must do more than push:
 *	zero (SC_CHECK_ZERO) or look at each object's page before caching
 *	it: SC_CHECK_* bits, plus the number of
 *	pfmemalloc objects this cache handed out and has not seen back
 * @base: the kmem_cache behind the sheaves
 * @capacity: objects per regular sheaf, where the CPUs' free paths call
 *	main full (struct sc_cpu), and the largest regular reservation
 * @next_capacity: capacity of the sheaves being made, and the only one
 *	the barns take; equal to @capacity except while sc_set_capacity()
 *	raises it
 * @min_capacity: the creator's sheaf_capacity: reservations of that size
 *	must stay regular, so @capacity never goes below it
 * @floor: the capacity tuning starts from and goes back to: the
 *	creator's, or the default one
 * @ceiling: the most tuning may raise it to: a page of pointers, or less
 *	under a byte budget (never below @floor)
 * @fixed: SHEAF_CACHE_FIXED_CAPACITY: no tuning
 * @max_held: the byte budget in objects, or 0 for none
 * @held: the capacities of the sheaves the cache holds (not out with a
 *	caller), counted only with a budget: never above @max_held
 * @tune_lock: serializes changes of the capacity (tune.c)
 * @tune_barn: sheaf exchanges the barns served since the last decision
 * @tune_base: those that went to the base instead
 * @tune_oversize: reservations above the capacity since the last decision
 * @tune_contended: the barns' contended counts at the last decision
 * @busy: slow-path events since the last trim: nonzero unless idle
 * @stash_pressure: the shrinker asked the trim for every CPU's stash
 * @trim: the periodic working-set trim
 * @object_size: size of the objects, for zeroing
 * @init_on_alloc: zero every object handed out (init_on_alloc rules)
 * @init_on_free: zero every object taken back (init_on_free rules)
 * @gfp_zero: __GFP_ZERO is honoured (the base has no constructor)
 * @zero_inline: objects are zeroed with inline stores, not memset()
 * @dead: destroyed while prefilled sheaves were still out
 * @owned: the base was made by sheaf_cache_create_with_base()
 * @accounted: the base is SLAB_ACCOUNT, or @bypass: nothing is cached
 * @rcu_head: the objects hold an rcu_head at @rcu_head_offset
 * @poison: objects in the sheaves are poisoned (SHEAF_CACHE_POISON)
 * @bypass: every call goes to the base (SHEAF_CACHE_BYPASS)
 * @poison_offset: where the last write after free began, for the tests
 * @rcu_head_offset: where, for sheaf_cache_free_rcu()'s fallback
 * @max_full: per-node limit of full sheaves in the barn
 * @max_empty: per-node limit of empty sheaves in the barn
 * @barns: one barn per possible node, indexed by node id
 * @borrowed: the table of prefilled sheaves out with callers
 * @borrow_untracked: sheaves out that found the table full
 * @list: link in the list of all caches
 * @base_node: link in the hash of caches by base (sc_find_base())
 * @rcu: frees the cache after the lookups that may still see it
 * @rcu_flush: sends partly filled RCU sheaves after a while (rcu.c)
 * @rcu_in_flight: RCU sheaves sent whose callback has not finished
 * @rcu_waiting: objects of the rcu_head fallback, linked by their rcu_head
 * @rcu_fallback: frees @rcu_waiting after a grace period
 * @cpuhp_node: CPU hotplug instance
 * @shrinker: gives barn sheaves back under memory pressure
 * @debugfs: the cache's debugfs directory
 * @sysfs: the cache's directory in /sys/kernel/sheafcache
 * @sysfs_list: link in the list /proc/sheafinfo shows
 * @name: name of the cache
 */
struct sheaf_cache {
	struct sc_cpu __percpu *cpu;
	unsigned long dirty_tag;
	atomic_long_t free_check;
	struct kmem_cache *base;
	unsigned int capacity;
	unsigned int next_capacity;
	unsigned int min_capacity;
	unsigned int floor;
	unsigned int ceiling;
	bool fixed;
	unsigned long max_held;
	atomic_long_t held;
	spinlock_t tune_lock;	/* see above */
	atomic_t tune_barn;
	atomic_t tune_base;
	atomic_t tune_oversize;
	unsigned long tune_contended;
	unsigned int busy;
	unsigned int stash_pressure;
	struct delayed_work trim;
	unsigned int object_size;
	bool init_on_alloc;
	bool init_on_free;
	bool gfp_zero;
	bool zero_inline;
	bool dead;
	bool owned;
	bool accounted;
	bool rcu_head;
	bool poison;
	bool bypass;
	unsigned int poison_offset;
	unsigned int rcu_head_offset;
	unsigned int max_full;
	unsigned int max_empty;
	struct sc_barn **barns;
	struct sc_borrow *borrowed;
	atomic_t borrow_untracked;
	struct list_head list;
	struct hlist_node base_node;
	struct rcu_head rcu;
	struct delayed_work rcu_flush;
	atomic_long_t rcu_in_flight;
	struct llist_head rcu_waiting;
	struct work_struct rcu_fallback;
	struct hlist_node cpuhp_node;
	struct shrinker *shrinker;
	struct dentry *debugfs;
	struct kobject *sysfs;
	struct list_head sysfs_list;
	char name[SHEAF_CACHE_NAME_MAX + 1];
};

/* core.c */
struct sheaf_cache *sc_find_base(struct kmem_cache *base);
/* prefill.c: for debugfs and destruction */
void sc_borrowed_print(struct sheaf_cache *sc, struct seq_file *m);
/* cache.c: for debugfs and sysfs */
unsigned long sc_nr_sheaves(struct sheaf_cache *sc);
/* A base's bulk calls, in any context; all or nothing (0 or -ENOMEM). */
int sc_kmem_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p);
void sc_kmem_free_bulk(struct kmem_cache *s, size_t n, void **p);

#ifdef CONFIG_FAULT_INJECTION
extern struct fault_attr sc_fail_sheaf_alloc;
#endif

/* debugfs.c: the counters' names, in enum sheaf_cache_stat_item order */
extern const char * const sc_stat_names[];

/* sysfs.c: /sys/kernel/sheafcache and /proc/sheafinfo */
void sc_sysfs_init(void);
void sc_sysfs_exit(void);
void sc_sysfs_add(struct sheaf_cache *sc);
void sc_sysfs_remove(struct sheaf_cache *sc);

/* debugfs.c */
#ifdef CONFIG_DEBUG_FS
void sc_debugfs_init(void);
void sc_debugfs_exit(void);
void sc_debugfs_add(struct sheaf_cache *sc);
void sc_debugfs_remove(struct sheaf_cache *sc);
#else
static inline void sc_debugfs_init(void) { }
static inline void sc_debugfs_exit(void) { }
static inline void sc_debugfs_add(struct sheaf_cache *sc) { }
static inline void sc_debugfs_remove(struct sheaf_cache *sc) { }
#endif

#endif /* _SHEAFCACHE_INTERNAL_H */
