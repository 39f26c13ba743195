// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache's caches and module: creation and destruction, draining a
 * CPU that goes offline and the barns under memory pressure, and what the
 * caches tell about themselves.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/hashtable.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/oom.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "core.h"

/* Every live cache, to refuse a second wrapper of a base or name. */
static LIST_HEAD(sc_caches);
static DEFINE_MUTEX(sc_caches_lock);
/* The caches by base, for sc_find_base(): added and removed under the lock. */
static DEFINE_HASHTABLE(sc_by_base, 6);
/* Caches destroyed while prefilled sheaves were out; freed at unload. */
static LIST_HEAD(sc_zombies);
/* Dynamic hotplug state whose teardown flushes a dead CPU's sheaves. */
static int sc_cpuhp_state;

static bool check_frees;
module_param(check_frees, bool, 0444);
MODULE_PARM_DESC(check_frees,
		 "check that freed objects are slab objects and that no sheaf is used after its return (slower)");

/* Read when a cache is created: SHEAF_CACHE_POISON, SHEAF_CACHE_BYPASS. */
static bool poison;
module_param(poison, bool, 0444);
MODULE_PARM_DESC(poison,
		 "poison every new cache's cached objects and check them before reuse (slower)");
static bool bypass;
module_param(bypass, bool, 0444);
MODULE_PARM_DESC(bypass,
		 "send every call of every new cache to its base, for KASAN, kfence, kmemleak and slub_debug");

/* ===== Overdue sheaves ================================================ */

/*
 * Borrowed sheaves are tracked from when this is set, until unload: a
 * sheaf taken before is not listed (prefill.c says why it is off).
 */
static bool track_sheaves;
static unsigned int sheaf_overdue;
static void sc_overdue_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sc_overdue_work, sc_overdue_fn);

/* Once a second while sheaf_overdue is set: each sheaf is warned of once. */
static void sc_overdue_fn(struct work_struct *work)
{
	unsigned int secs = READ_ONCE(sheaf_overdue);
	struct sheaf_cache *sc;

	if (!secs)
		return;
	mutex_lock(&sc_caches_lock);
	list_for_each_entry(sc, &sc_caches, list)
		sc_borrowed_warn(sc, secs);
	mutex_unlock(&sc_caches_lock);
	schedule_delayed_work(&sc_overdue_work, HZ);
}

/* Warning of overdue sheaves needs them tracked. */
static int sc_overdue_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret && READ_ONCE(sheaf_overdue)) {
		static_branch_enable(&sc_track_sheaves);
		track_sheaves = true;
		mod_delayed_work(sc_percpu_wq, &sc_overdue_work, 0);
	}
	return ret;
}

static const struct kernel_param_ops sc_overdue_ops = {
	.set = sc_overdue_set,
	.get = param_get_uint,
};
module_param_cb(sheaf_overdue, &sc_overdue_ops, &sheaf_overdue, 0644);
__MODULE_PARM_TYPE(sheaf_overdue, "uint");
MODULE_PARM_DESC(sheaf_overdue,
		 "warn once of each prefilled sheaf out longer than this many seconds (0: never); turns track_sheaves on");

/* Turning it off again would leave the sheaves out with stale slots. */
static int sc_track_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	if (!on)
		return static_key_enabled(&sc_track_sheaves) ? -EBUSY : 0;
	static_branch_enable(&sc_track_sheaves);
	track_sheaves = true;
	return 0;
}

static const struct kernel_param_ops sc_track_ops = {
	.set = sc_track_set,
	.get = param_get_bool,
};
module_param_cb(track_sheaves, &sc_track_ops, &track_sheaves, 0644);
__MODULE_PARM_TYPE(track_sheaves, "bool");
MODULE_PARM_DESC(track_sheaves,
		 "list every prefilled sheaf out in debugfs 'borrowed', and name their callers when a cache is destroyed with some out");

/* ===== Draining: hotplug, shrinking, destruction ====================== */

/*
 * Flush a CPU's sheaves; main stays (empty), the spare is freed, a partly
 * filled RCU sheaf is sent. The caller owns them: section held, CPU dead,
 * or cache no longer in use.
 */
static unsigned long sc_drain_cpu(struct sheaf_cache *sc, struct sc_cpu *pcp)
{
	struct sheaf *spare = pcp->spare;
	unsigned long n = pcp->main->size;

	sc_rcu_send_partial(sc, pcp);
	n += sc_stash_flush(sc, pcp);
	sc_flush(sc, pcp->main);
	if (spare) {
		pcp->spare = NULL;
		n += spare->size;
		sc_flush(sc, spare);
		sc_sheaf_free(sc, spare);
	}
	return n;
}

static int sc_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct sheaf_cache *sc = hlist_entry(node, struct sheaf_cache,
					     cpuhp_node);

	sc_drain_cpu(sc, per_cpu_ptr(sc->cpu, cpu));
	sc_stat(sc, SC_CPU_DEAD);
	return 0;
}

struct sc_cpu_call {
	struct sheaf_cache *sc;
	unsigned long (*fn)(struct sheaf_cache *sc, struct sc_cpu *pcp);
};

/* Runs on the CPU whose sheaves it hands to the call (work_on_cpu()). */
static long sc_cpu_call_here(void *arg)
{
	struct sc_cpu_call *c = arg;
	local_trylock_t *tl = sc_local_lock(&c->sc->cpu->lock);
	long n;

	/* A task: on !PREEMPT_RT nothing on this CPU can hold the section. */
	if (WARN_ON_ONCE(!tl))
		return 0;
	n = c->fn(c->sc, container_of(tl, struct sc_cpu, lock));
	sc_local_unlock(tl);
	return n;
}

/*
 * @fn on @cpu's sheaves, run there in its section, from a task that may
 * sleep and holds cpus_read_lock(); what @fn returns (objects flushed).
 */
unsigned long sc_on_cpu(struct sheaf_cache *sc, int cpu,
			unsigned long (*fn)(struct sheaf_cache *sc,
					    struct sc_cpu *pcp))
{
	struct sc_cpu_call c = { .sc = sc, .fn = fn };

	return work_on_cpu(cpu, sc_cpu_call_here, &c);
}

/* sc_drain_barn() over the nodes until @nr objects were flushed. */
static unsigned long sc_drain_barns(struct sheaf_cache *sc, unsigned long nr)
{
	unsigned long n = 0;
	int nid;

	for_each_node(nid) {
		if (n >= nr)
			break;
		n += sc_drain_barn(sc, sc->barns[nid], nr - n);
	}
	return n;
}

/* Every CPU's sheaves and every barn given back; the objects flushed. */
unsigned long sc_drain_all(struct sheaf_cache *sc)
{
	unsigned long n = 0;
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		n += sc_on_cpu(sc, cpu, sc_drain_cpu);
	cpus_read_unlock();
	return n + sc_drain_barns(sc, ULONG_MAX);
}

unsigned long sheaf_cache_shrink(struct sheaf_cache *sc)
{
	unsigned long n;

	might_sleep();
	if (WARN_ON_ONCE(!sc))
		return 0;
	n = sc_drain_all(sc);
	sc_stat_add(sc, SC_SHRINK, n);
	return n;
}
EXPORT_SYMBOL_GPL(sheaf_cache_shrink);

/* Objects in a sheaf another CPU may be swapping; RCU keeps it around. */
static unsigned int sc_peek(struct sheaf **slot)
{
	struct sheaf *sheaf = READ_ONCE(*slot);

	return sheaf ? READ_ONCE(sheaf->size) : 0;
}

/* The objects the stashes of the node's CPUs hold. */
static unsigned long sc_node_stashes(struct sheaf_cache *sc, int nid)
{
	unsigned long n = 0;
	int cpu;

	for_each_online_cpu(cpu)
		if (cpu_to_mem(cpu) == nid)
			n += READ_ONCE(per_cpu_ptr(sc->cpu, cpu)->nr_stash);
	return n;
}

/*
 * Memory pressure: the barns go first, and the CPUs' stashes, which the
 * trim gives back on their CPUs; a CPU's two sheaves stay. The shrinker
 * is NUMA-aware, as the barns are per node: it counts and gives back the
 * objects of the node under pressure.
 */
static unsigned long sc_shrinker_count(struct shrinker *s,
				       struct shrink_control *ctl)
{
	struct sheaf_cache *sc = sc_shrinker_priv(s);
	unsigned long n;
	int cpu;

	n = READ_ONCE(sc->barns[ctl->nid]->full_objects);
	n += sc_node_stashes(sc, ctl->nid);
	/* Partly filled RCU sheaves hold the node's objects too. */
	rcu_read_lock();
	for_each_online_cpu(cpu)
		if (cpu_to_mem(cpu) == ctl->nid)
			n += sc_peek(&per_cpu_ptr(sc->cpu, cpu)->rcu_free);
	rcu_read_unlock();
	return n ?: SHRINK_EMPTY;
}

static unsigned long sc_shrinker_scan(struct shrinker *s,
				      struct shrink_control *ctl)
{
	struct sheaf_cache *sc = sc_shrinker_priv(s);
	unsigned long n;

	sc_rcu_kick(sc);
	sc_tune_pressure(sc);
	if (sc_node_stashes(sc, ctl->nid))
		sc_tune_stash_pressure(sc);
	n = sc_drain_barn(sc, sc->barns[ctl->nid], ctl->nr_to_scan);
	sc_stat_add(sc, SC_SHRINK, n);
	return n ?: SHRINK_STOP;
}

/* ===== Creation and destruction ======================================= */

/* Objects per sheaf: upstream's choice, sheaves of 64 to 512 bytes. */
static unsigned int sc_default_capacity(unsigned int size)
{
	if (size >= PAGE_SIZE)
		return 4;
	if (size >= 1024)
		return 12;
	if (size >= 256)
		return 26;
	return 60;
}

/*
 * Full sheaves a barn keeps by default: upstream's 10, except on kernels
 * whose caches have sheaves of their own (6.18 on), for objects of 1 KiB
 * up to a page (12 to a sheaf): there three times as many, up to 360 KiB
 * of objects per node, so that a burst of large objects finds sheafcache
 * as deep as a native base with 32-object sheaves, while each CPU still
 * holds only its two sheaves. More empty sheaves measured no faster.
 */
static unsigned int sc_default_max_full(unsigned int size)
{
#ifdef SHEAFCACHE_HAVE_NATIVE_SHEAVES
	if (size >= 1024 && size < PAGE_SIZE)
		return 3 * SC_DEFAULT_BARN_LIMIT;
#endif
	return SC_DEFAULT_BARN_LIMIT;
}

static bool sc_bad_name(const char *name)
{
	/* "." and ".." would be no debugfs directory of their own. */
	return !name || !*name || !strcmp(name, ".") || !strcmp(name, "..") ||
	       strnlen(name, SHEAF_CACHE_NAME_MAX + 1) > SHEAF_CACHE_NAME_MAX ||
	       strchr(name, '/');
}

/* An rcu_head wholly inside objects of @size, and aligned as one. */
static bool sc_bad_rcu_head(const struct sheaf_cache_args *a, unsigned int size)
{
	if (!(a->flags & SHEAF_CACHE_RCU_HEAD))
		return a->rcu_head_offset;
	return size < sizeof(struct rcu_head) ||
	       a->rcu_head_offset > size - sizeof(struct rcu_head) ||
	       !IS_ALIGNED(a->rcu_head_offset, __alignof__(struct rcu_head));
}

/* @size: of the objects, 0 when there is no base to tell it. */
static int sc_check_args(const char *name, const struct sheaf_cache_args *a,
			 unsigned int size)
{
	if (sc_bad_name(name) || !size)
		return -EINVAL;
	if (sc_tune_check_args(a, size, a->sheaf_capacity ?:
			       sc_default_capacity(size)))
		return -EINVAL;
	if (a->sheaf_capacity > SHEAF_CACHE_MAX_CAPACITY ||
	    a->max_full_sheaves > SHEAF_CACHE_MAX_BARN ||
	    a->max_empty_sheaves > SHEAF_CACHE_MAX_BARN ||
	    a->base_flags & ~SHEAF_CACHE_BASE_FLAGS ||
	    a->flags & ~SHEAF_CACHE_FLAGS || sc_bad_rcu_head(a, size))
		return -EINVAL;
	return 0;
}

static bool sc_exists(const char *name, struct kmem_cache *base)
{
	struct sheaf_cache *sc;

	lockdep_assert_held(&sc_caches_lock);
	list_for_each_entry(sc, &sc_caches, list)
		if ((base && sc->base == base) || !strcmp(sc->name, name))
			return true;
	return false;
}

/* Frees what sc_alloc_sheaves() made; sheaves must be empty. */
static void sc_free_sheaves(struct sheaf_cache *sc)
{
	int cpu, nid;

	for_each_possible_cpu(cpu)
		kvfree(per_cpu_ptr(sc->cpu, cpu)->main);
	for_each_node(nid)
		kfree(sc->barns[nid]);
	kfree(sc->barns);
	sc->barns = NULL;
}

static int sc_alloc_sheaves(struct sheaf_cache *sc)
{
	int cpu, nid;

	sc->barns = kcalloc(nr_node_ids, sizeof(*sc->barns), GFP_KERNEL);
	if (!sc->barns)
		return -ENOMEM;
	for_each_node(nid) {
		struct sc_barn *barn;

		barn = kzalloc_node(sizeof(*barn), GFP_KERNEL,
				    node_state(nid, N_MEMORY) ? nid : NUMA_NO_NODE);
		if (!barn)
			return -ENOMEM;
		spin_lock_init(&barn->lock);
		INIT_LIST_HEAD(&barn->full);
		INIT_LIST_HEAD(&barn->empty);
		sc->barns[nid] = barn;
	}
	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);

		local_trylock_init(&pcp->lock);
		INIT_LIST_HEAD(&pcp->stash);
		pcp->main = sc_sheaf_alloc(sc, GFP_KERNEL, sc->next_capacity);
		if (!pcp->main)
			return -ENOMEM;
		/* Within any budget sc_tune_check_args() accepted. */
		sc_hold(sc, pcp->main);
		sc_cpu_fit(sc, pcp);
	}
	return 0;
}

static void sc_free(struct sheaf_cache *sc)
{
	if (sc->barns)
		sc_free_sheaves(sc);
	if (sc->poison)
		static_branch_dec(&sc_poison_on);
	kvfree(sc->borrowed);
	free_percpu(sc->cpu);
	if (sc->owned)
		kmem_cache_destroy(sc->base);
	/* sc_find_base() may still be looking at it. */
	kfree_rcu(sc, rcu);
}

/*
 * The cache over @base, or NULL: for upstream's API (upstream.c), which
 * names caches by their base. The cache is the caller's to keep alive.
 */
struct sheaf_cache *sc_find_base(struct kmem_cache *base)
{
	struct sheaf_cache *sc, *found = NULL;

	rcu_read_lock();
	hash_for_each_possible_rcu(sc_by_base, sc, base_node,
				   (unsigned long)base) {
		if (sc->base == base) {
			found = sc;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * Bypass and poisoning, from the flags or the module parameters. Bypass
 * caches nothing, so there is nothing to poison. A constructor's object
 * must keep what it built, and a type-stable one may still be read by
 * RCU readers: neither is poisoned. A poison cache always tags its
 * objects dirty (core.h), whatever the zeroing rules, and every free
 * poisons outside the common free (SC_CHECK_DEBUG).
 */
static void sc_debug_init(struct sheaf_cache *sc,
			  const struct sheaf_cache_args *a)
{
	unsigned int no_poison = SHEAF_CACHE_BASE_CTOR |
				 SHEAF_CACHE_BASE_TYPESAFE_RCU;

	sc->bypass = bypass || (a->flags & SHEAF_CACHE_BYPASS);
	/*
	 * Bypass caches nothing, as an accounted base: every path that
	 * already tests @accounted sends it to the base, so that bypass
	 * adds no test to them; the few that differ test @bypass after.
	 */
	if (sc->bypass)
		sc->accounted = true;
	sc->poison = !sc->bypass && !(a->base_flags & no_poison) &&
		     (poison || (a->flags & SHEAF_CACHE_POISON));
	if (sc->bypass || sc->poison)
		atomic_long_or(SC_CHECK_DEBUG, &sc->free_check);
	if (sc->poison) {
		sc->dirty_tag = SC_OBJ_DIRTY;
		static_branch_inc(&sc_poison_on);
	}
}

static struct sheaf_cache *sc_alloc(const char *name, struct kmem_cache *base,
				    const struct sheaf_cache_args *a)
{
	unsigned int init_off = SHEAF_CACHE_BASE_CTOR |
				SHEAF_CACHE_BASE_TYPESAFE_RCU |
				SHEAF_CACHE_BASE_POISON;
	struct sheaf_cache *sc;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return NULL;
	strscpy(sc->name, name, sizeof(sc->name));
	sc->base = base;
	sc->accounted = a->base_flags & SHEAF_CACHE_BASE_ACCOUNT;
	sc->rcu_head = a->flags & SHEAF_CACHE_RCU_HEAD;
	sc->rcu_head_offset = a->rcu_head_offset;
	sc_rcu_init(sc);
	sc->object_size = kmem_cache_size(base);
	sc->capacity = a->sheaf_capacity ?:
		       sc_default_capacity(sc->object_size);
	sc->next_capacity = sc->capacity;
	sc->min_capacity = a->sheaf_capacity;
	sc_tune_init(sc, a);
	sc->max_full = a->max_full_sheaves ?:
		       sc_default_max_full(sc->object_size);
	sc->max_empty = a->max_empty_sheaves ?: SC_DEFAULT_BARN_LIMIT;
	/* slab_want_init_on_alloc() and slab_want_init_on_free() rules */
	sc->gfp_zero = !(a->base_flags & SHEAF_CACHE_BASE_CTOR);
	sc->init_on_alloc = want_init_on_alloc(0) && !(a->base_flags & init_off);
	sc->init_on_free = want_init_on_free() && !(a->base_flags & init_off);
	/* Zeroed when handed out, or by slab if flushed first: core.h. */
	if (sc->init_on_alloc && !sc->init_on_free)
		sc->dirty_tag = SC_OBJ_DIRTY;
	sc->zero_inline = sc->object_size <= SC_ZERO_INLINE_MAX &&
			  !(sc->object_size % 64);
	if (sc->accounted)
		atomic_long_or(SC_CHECK_ALWAYS, &sc->free_check);
	/* Not in the common free, which then only pushes: sc_free_push(). */
	if (sc->init_on_free)
		atomic_long_or(SC_CHECK_ZERO, &sc->free_check);
	sc_debug_init(sc, a);

	sc->borrowed = kvcalloc(SC_BORROW_SLOTS, sizeof(*sc->borrowed),
				GFP_KERNEL);
	sc->cpu = alloc_percpu(struct sc_cpu);
	if (!sc->borrowed || !sc->cpu || sc_alloc_sheaves(sc)) {
		sc_free(sc);
		return NULL;
	}
	return sc;
}

/*
 * Register a new cache, sc_caches_lock held; on failure it is freed (its
 * owned base too).
 */
static struct sheaf_cache *sc_register(struct sheaf_cache *sc)
{
	int err;

	lockdep_assert_held(&sc_caches_lock);
	err = -EEXIST;
	if (sc_exists(sc->name, sc->owned ? NULL : sc->base))
		goto free;
	err = cpuhp_state_add_instance_nocalls(sc_cpuhp_state, &sc->cpuhp_node);
	if (err)
		goto free;
	err = -ENOMEM;
	sc->shrinker = sc_shrinker_create(sc->name, sc, sc_shrinker_count,
					  sc_shrinker_scan);
	if (!sc->shrinker)
		goto remove_cpuhp;
	list_add(&sc->list, &sc_caches);
	hash_add_rcu(sc_by_base, &sc->base_node, (unsigned long)sc->base);
	sc_debugfs_add(sc);
	sc_sysfs_add(sc);
	sc_tune_start(sc);
	return sc;

remove_cpuhp:
	cpuhp_state_remove_instance_nocalls(sc_cpuhp_state, &sc->cpuhp_node);
free:
	sc_free(sc);
	return ERR_PTR(err);
}

struct sheaf_cache *sheaf_cache_create(const char *name,
				       struct kmem_cache *base,
				       const struct sheaf_cache_args *args)
{
	struct sheaf_cache_args a = {};
	struct sheaf_cache *sc;
	int err;

	if (args)
		a = *args;
	err = sc_check_args(name, &a, base ? kmem_cache_size(base) : 0);
	if (err)
		return ERR_PTR(err);
	sc = sc_alloc(name, base, &a);
	if (!sc)
		return ERR_PTR(-ENOMEM);
	/* Anyone may allocate from the base: every free looks at the page. */
	atomic_long_or(SC_CHECK_ALWAYS, &sc->free_check);
	mutex_lock(&sc_caches_lock);
	sc = sc_register(sc);
	mutex_unlock(&sc_caches_lock);
	return sc;
}
EXPORT_SYMBOL_GPL(sheaf_cache_create);

/* What create_with_base() takes; the rest are kmem_cache_create()'s. */
#define SC_OWNED_FLAGS	(SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT | \
			 SLAB_TYPESAFE_BY_RCU | SLAB_RECLAIM_ACCOUNT | \
			 SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | \
			 SLAB_POISON | SLAB_STORE_USER)

/* The SHEAF_CACHE_BASE_* facts of a base made with @flags and @ctor. */
static unsigned int sc_base_facts(slab_flags_t flags, void (*ctor)(void *))
{
	return (ctor ? SHEAF_CACHE_BASE_CTOR : 0) |
	       (flags & SLAB_TYPESAFE_BY_RCU ? SHEAF_CACHE_BASE_TYPESAFE_RCU : 0) |
	       (flags & SLAB_ACCOUNT ? SHEAF_CACHE_BASE_ACCOUNT : 0) |
	       (flags & SLAB_POISON ? SHEAF_CACHE_BASE_POISON : 0);
}

struct sheaf_cache *
sheaf_cache_create_with_base(const char *name, unsigned int object_size,
			     unsigned int align, slab_flags_t flags,
			     void (*ctor)(void *),
			     const struct sheaf_cache_args *args)
{
	struct sheaf_cache_args a = {};
	struct kmem_cache *base;
	struct sheaf_cache *sc;
	unsigned int facts;

	if (args)
		a = *args;
	facts = sc_base_facts(flags, ctor);
	if (sc_check_args(name, &a, object_size) ||
	    (flags & ~SC_OWNED_FLAGS) || (a.base_flags && a.base_flags != facts))
		return ERR_PTR(-EINVAL);
	a.base_flags = facts;

	/*
	 * The base is named after the cache: a taken name is refused before
	 * a second kmem_cache of that name is made.
	 */
	mutex_lock(&sc_caches_lock);
	sc = ERR_PTR(-EEXIST);
	if (sc_exists(name, NULL))
		goto unlock;
	sc = ERR_PTR(-ENOMEM);
	base = sc_kmem_cache_create(name, object_size, align, flags, ctor);
	if (!base)
		goto unlock;
	sc = sc_alloc(name, base, &a);
	if (!sc) {
		kmem_cache_destroy(base);
		sc = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	sc->owned = true;
	sc = sc_register(sc);
unlock:
	mutex_unlock(&sc_caches_lock);
	return sc;
}
EXPORT_SYMBOL_GPL(sheaf_cache_create_with_base);

static long sc_sheaves_out(struct sheaf_cache *sc)
{
	long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(sc->cpu, cpu)->sheaves_taken -
		     per_cpu_ptr(sc->cpu, cpu)->sheaves_back;
	return n;
}

void sheaf_cache_destroy(struct sheaf_cache *sc)
{
	int cpu;

	if (!sc)
		return;
	might_sleep();
	/* The shrinker first: it may queue the trim (stashes). */
	sc_shrinker_destroy(sc->shrinker);
	sc_tune_stop(sc);
	sc_sysfs_remove(sc);
	sc_debugfs_remove(sc);
	cpuhp_state_remove_instance_nocalls(sc_cpuhp_state, &sc->cpuhp_node);
	/* Objects on their way back through RCU first. */
	sc_rcu_destroy(sc);

	for_each_possible_cpu(cpu)
		sc_drain_cpu(sc, per_cpu_ptr(sc->cpu, cpu));
	sc_drain_barns(sc, ULONG_MAX);

	mutex_lock(&sc_caches_lock);
	list_del(&sc->list);
	hash_del_rcu(&sc->base_node);
	if (sc_sheaves_out(sc))
		sc_borrowed_warn(sc, 0);
	if (WARN_ON_ONCE(sc_sheaves_out(sc))) {
		/*
		 * A prefilled sheaf is still out. Keep what its return needs
		 * (counters, base) until unload; it then goes to the base.
		 */
		sc_free_sheaves(sc);
		WRITE_ONCE(sc->dead, true);
		list_add(&sc->list, &sc_zombies);
		sc = NULL;
	}
	mutex_unlock(&sc_caches_lock);
	if (sc)
		sc_free(sc);
}
EXPORT_SYMBOL_GPL(sheaf_cache_destroy);

/* ===== Introspection ================================================== */

u64 sheaf_cache_stat(struct sheaf_cache *sc, enum sheaf_cache_stat_item item)
{
	u64 n = 0;
	int cpu;

	if (WARN_ON_ONCE(!sc || (unsigned int)item >= SC_NR_STATS))
		return 0;
	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(sc->cpu, cpu)->stat[item]);
	return n;
}
EXPORT_SYMBOL_GPL(sheaf_cache_stat);

unsigned long sheaf_cache_cached_objects(struct sheaf_cache *sc)
{
	unsigned long n = 0;
	int cpu, nid;

	if (WARN_ON_ONCE(!sc))
		return 0;
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);

		n += sc_peek(&pcp->main) + sc_peek(&pcp->spare) +
		     READ_ONCE(pcp->nr_stash);
	}
	rcu_read_unlock();
	for_each_node(nid)
		n += READ_ONCE(sc->barns[nid]->full_objects);
	return n;
}
EXPORT_SYMBOL_GPL(sheaf_cache_cached_objects);

/* The sheaves the CPUs (main, spare, RCU sheaf, stash) and barns hold. */
unsigned long sc_nr_sheaves(struct sheaf_cache *sc)
{
	unsigned long n = 0;
	int cpu, nid;

	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);

		n += 1 + !!READ_ONCE(pcp->spare) + !!READ_ONCE(pcp->rcu_free) +
		     READ_ONCE(pcp->stash_sheaves);
	}
	for_each_node(nid)
		n += READ_ONCE(sc->barns[nid]->nr_full) +
		     READ_ONCE(sc->barns[nid]->nr_empty);
	return n;
}

unsigned int sheaf_cache_capacity(const struct sheaf_cache *sc)
{
	return sc ? sc->capacity : 0;
}
EXPORT_SYMBOL_GPL(sheaf_cache_capacity);

struct kmem_cache *sheaf_cache_base(const struct sheaf_cache *sc)
{
	return sc ? sc->base : NULL;
}
EXPORT_SYMBOL_GPL(sheaf_cache_base);

/* ===== Module ========================================================= */

static int __init sheafcache_init(void)
{
	int ret;

	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "sheafcache:dead",
				      NULL, sc_cpu_dead);
	if (ret < 0)
		return ret;
	sc_cpuhp_state = ret;
	if (check_frees)
		static_branch_enable(&sc_check_frees);
	sc_spans_init();
	register_memory_notifier(&sc_memory_nb);
	sc_debugfs_init();
	sc_sysfs_init();
	return 0;
}

static void __exit sheafcache_exit(void)
{
	struct sheaf_cache *sc, *tmp;

	/* Clients hold references to us, so only misuse leaves caches. */
	WARN_ON(!list_empty(&sc_caches));
	cancel_delayed_work_sync(&sc_overdue_work);
	list_for_each_entry_safe(sc, tmp, &sc_zombies, list)
		sc_free(sc);
	sc_sysfs_exit();
	sc_debugfs_exit();
	unregister_memory_notifier(&sc_memory_nb);
	cpuhp_remove_multi_state(sc_cpuhp_state);
	/* Sheaves freed with kvfree_rcu() must be gone before we are. */
	rcu_barrier();
}

module_init(sheafcache_init);
module_exit(sheafcache_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-CPU sheaves and guaranteed allocation over kmem_cache");

