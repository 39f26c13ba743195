// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache's guaranteed allocation: prefilled sheaves, handed to a
 * caller while it may sleep, taken from with sheaf_cache_alloc_from_sheaf()
 * where it may not, refilled and returned.
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
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "core.h"
#include "trace.h"

/* ===== Prefilled sheaves ============================================== */

/*
 * A fresh, clean object for a sheaf in place of @bad, which goes back to
 * the base after the new one is taken, so that it is not the same again;
 * NULL if the base has none. With the caller's flags, as a fill.
 */
static noinline void *sc_poison_replace(struct sheaf_cache *sc, void *bad,
					gfp_t gfp)
{
	void *fresh = kmem_cache_alloc(sc->base, sc_fill_gfp(sc, gfp));

	kmem_cache_free(sc->base, bad);
	return fresh;
}

/*
 * Zero and untag the dirty objects of a sheaf that will go to a caller
 * (lazy zeroing, core.h), before it is filled: here, where the caller
 * may still sleep, so that sheaf_cache_alloc_from_sheaf() stays a pop,
 * with IRQs off too, and what it hands out is zeroed as init_on_alloc
 * promises. Dirty objects are above the clean ones (struct sheaf), so
 * the walk stops at the first clean one. A poison cache's are checked
 * here instead, outside the per-CPU section: one written to is replaced
 * (sc_poison_replace()), or, if none can be had, dropped and the top
 * object takes its slot: the fill that follows then makes up for it, or
 * fails the prefill. Either way the caller gets its count.
 */
static noinline void sc_sheaf_clean_walk(struct sheaf_cache *sc,
					 struct sheaf *sheaf, gfp_t gfp)
{
	unsigned int i = sheaf->size;

	while (i--) {
		void *obj = sheaf->objects[i];

		if (!sc_obj_dirty(obj))
			break;
		obj = sc_obj_ptr(obj);
		if (!sc->poison)
			sc_zero(sc, obj, false);
		else if (!sc_poison_clean(sc, obj, 0))
			obj = sc_poison_replace(sc, obj, gfp);
		if (obj) {
			sheaf->objects[i] = obj;
			continue;
		}
		/* The top object, clean already, takes the slot. */
		sheaf->objects[i] = sheaf->objects[--sheaf->size];
	}
}

/* The common case, a clean top object, costs a test and no call. */
static __always_inline void sc_sheaf_clean(struct sheaf_cache *sc,
					   struct sheaf *sheaf, gfp_t gfp)
{
	if (sc->dirty_tag && sheaf->size &&
	    sc_obj_dirty(sheaf->objects[sheaf->size - 1]))
		sc_sheaf_clean_walk(sc, sheaf, gfp);
}

/* check_frees: a sheaf goes to its caller clean, or we have a bug. */
static void sc_sheaf_check_clean(struct sheaf *sheaf)
{
	unsigned int i;

	for (i = 0; i < sheaf->size; i++)
		if (WARN_ON_ONCE(sc_obj_dirty(sheaf->objects[i])))
			break;
}

/*
 * Hand a sheaf to a caller: it now belongs to @sc until returned. Its
 * barn_list heads the sheaves linked to it (sc_prefill_chain()), none yet.
 */
static struct sheaf *sc_sheaf_out(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	if (static_branch_unlikely(&sc_check_frees))
		sc_sheaf_check_clean(sheaf);
	INIT_LIST_HEAD(&sheaf->barn_list);
	sc_unhold(sc, sheaf);
	sheaf->cache = sc;
	this_cpu_inc(sc->cpu->sheaves_taken);
	return sheaf;
}

/* Move up to @n objects from the top of @from to the top of @to. */
static void sc_move(struct sheaf *to, struct sheaf *from, unsigned int n)
{
	n = min3(n, from->size, to->capacity - to->size);
	from->size -= n;
	memcpy(&to->objects[to->size], &from->objects[from->size],
	       n * sizeof(void *));
	to->size += n;
}

/*
 * Move what @from holds into @to while it has room, but only objects of
 * this CPU's node: a sheaf may come back on another node than it left.
 * The others stay in @from, for the base. @from is a caller's, so its
 * objects are clean; they are tagged dirty all the same, as a free's
 * are, since @to may hold dirty objects, which must stay on top.
 */
static void sc_move_back(struct sheaf_cache *sc, struct sheaf *to,
			 struct sheaf *from)
{
	unsigned int i, keep = 0;

	for (i = 0; i < from->size; i++) {
		void *obj = from->objects[i];

		if (to->size < to->capacity && sc_may_cache(obj)) {
			/* Tagged dirty: a poison cache's must hold poison. */
			if (sc->poison)
				sc_poison(sc, obj);
			to->objects[to->size++] = sc_obj_tag(sc, obj);
		} else {
			from->objects[keep++] = obj;
		}
	}
	from->size = keep;
}

/*
 * A sheaf a caller will take objects from, filled for @size: @sheaf, or a
 * new one of @capacity. On failure it is flushed and freed, and counted.
 */
static struct sheaf *sc_prefill_new(struct sheaf_cache *sc, gfp_t gfp,
				    struct sheaf *sheaf, unsigned int capacity)
{
	if (!sheaf)
		sheaf = sc_sheaf_alloc(sc, gfp, capacity);
	if (sheaf && sc_fill_for_caller(sc, sheaf, gfp)) {
		sc_flush(sc, sheaf);
		sc_sheaf_free(sc, sheaf);
		sheaf = NULL;
	}
	if (!sheaf) {
		sc_stat(sc, SC_PREFILL_FAIL);
		return NULL;
	}
	return sc_sheaf_out(sc, sheaf);
}

/*
 * Bypass: the base fills a sheaf of exactly @size, which is flushed on
 * return (sheaf->flush), so that every object the caller does not take
 * goes back at once and nothing is ever cached.
 */
static noinline struct sheaf *
sc_prefill_bypass(struct sheaf_cache *sc, gfp_t gfp, unsigned int size)
{
	struct sheaf *sheaf;

	sc_stat(sc, SC_BYPASS);
	sheaf = sc_sheaf_alloc(sc, gfp, size);
	if (sheaf)
		sheaf->flush = 1;
	return sc_prefill_new(sc, gfp, sheaf, size);
}

/*
 * Accounted objects are charged to whoever allocates them from the base:
 * the prefilling caller, who takes them. They never meet cached objects.
 */
static noinline struct sheaf *
sc_prefill_accounted(struct sheaf_cache *sc, gfp_t gfp, unsigned int size)
{
	if (sc->bypass)
		return sc_prefill_bypass(sc, gfp, size);
	sc_stat(sc, SC_ACCOUNT_BYPASS);
	if (!sc->accounted &&
	    !(atomic_long_read(&sc->free_check) & SC_CHECK_ACCOUNT))
		atomic_long_or(SC_CHECK_ACCOUNT, &sc->free_check);
	return sc_prefill_new(sc, gfp, NULL,
			      max(size, READ_ONCE(sc->next_capacity)));
}

/* Put full sheaves taken for a reservation that failed into the barn. */
static void sc_chain_unwind(struct sheaf_cache *sc, struct list_head *taken)
{
	struct sc_barn *barn = sc_local_barn(sc);
	struct sheaf *sheaf, *next;

	list_for_each_entry_safe(sheaf, next, taken, barn_list) {
		list_del(&sheaf->barn_list);
		if (!barn_put_full(sc, barn, sheaf, true))
			sc_sheaf_retire(sc, sheaf);
	}
}

/*
 * Link sheaves holding at least @want more objects to @chain: full
 * sheaves of the barn, cleaned as any sheaf a caller gets; then @head
 * filled up, if given (a new reservation's, not yet the caller's); then
 * one sheaf from the base for the rest, of the capacity if that is
 * enough, so that its return can keep it. 0, or -ENOMEM with the barn's
 * sheaves back where they were and @chain unchanged.
 */
static int sc_chain_extend(struct sheaf_cache *sc, gfp_t gfp,
			   struct sheaf *head, struct list_head *chain,
			   unsigned int want)
{
	unsigned int got, from, n = 0;
	struct sheaf *sheaf;
	LIST_HEAD(taken);

	got = barn_take_full_chain(sc_local_barn(sc), &taken, want);
	list_for_each_entry(sheaf, &taken, barn_list) {
		sc_sheaf_clean(sc, sheaf, gfp);
		n++;
	}
	sc_stat_add(sc, SC_BARN_GET, n);
	if (got < want && head && head->size < head->capacity) {
		from = head->size;
		if (sc_fill_for_caller(sc, head, gfp))
			goto fail;
		got += head->size - from;
	}
	if (got < want) {
		sheaf = sc_sheaf_alloc(sc, gfp, max(want - got,
						    READ_ONCE(sc->next_capacity)));
		if (!sheaf)
			goto fail;
		if (sc_fill_for_caller(sc, sheaf, gfp)) {
			sc_sheaf_retire(sc, sheaf);
			goto fail;
		}
		list_add_tail(&sheaf->barn_list, &taken);
	}
	/* The caller's now, against no budget; before any emptied ones. */
	list_for_each_entry(sheaf, &taken, barn_list)
		sc_unhold(sc, sheaf);
	list_splice(&taken, chain);
	return 0;
fail:
	sc_chain_unwind(sc, &taken);
	return -ENOMEM;
}

/*
 * Move the stash to @chain, in the section; the objects it held. A CPU's
 * stash spares its next reservation above the capacity the barn's lock.
 */
static unsigned int sc_stash_take(struct sc_cpu *pcp, struct list_head *chain)
{
	unsigned int n = pcp->nr_stash;

	if (n) {
		list_splice_init(&pcp->stash, chain);
		WRITE_ONCE(pcp->nr_stash, 0);
		WRITE_ONCE(pcp->stash_sheaves, 0);
		WRITE_ONCE(pcp->stash_used, pcp->stash_used + 1);
	}
	return n;
}

/*
 * Keep the full sheaves at the front of a returned reservation's @chain
 * as this CPU's stash, if it has none, in the section: as many as a barn
 * keeps, none to be flushed. Of any capacity: only reservations link
 * them, which take any; the trim and shrinking give them back.
 */
static void sc_stash_put(struct sheaf_cache *sc, struct sc_cpu *pcp,
			 struct list_head *chain)
{
	unsigned int n = 0, objects = 0, limit = READ_ONCE(sc->max_full);
	struct sheaf *sheaf, *last = NULL;

	if (pcp->nr_stash)
		return;
	list_for_each_entry(sheaf, chain, barn_list) {
		if (n == limit || sheaf->size != sheaf->capacity ||
		    sheaf->flush)
			break;
		objects += sheaf->size;
		last = sheaf;
		n++;
	}
	if (!last)
		return;
	list_cut_position(&pcp->stash, chain, &last->barn_list);
	WRITE_ONCE(pcp->nr_stash, objects);
	WRITE_ONCE(pcp->stash_sheaves, n);
	WRITE_ONCE(pcp->stash_used, pcp->stash_used + 1);
}

/*
 * Give back a CPU's stash: its objects to the base, its sheaves freed;
 * the caller owns the CPU's sheaves (sc_drain_cpu()). The objects flushed.
 */
unsigned long sc_stash_flush(struct sheaf_cache *sc, struct sc_cpu *pcp)
{
	unsigned long n = pcp->nr_stash;
	struct sheaf *sheaf, *next;
	LIST_HEAD(chain);

	sc_stash_take(pcp, &chain);
	list_for_each_entry_safe(sheaf, next, &chain, barn_list) {
		list_del(&sheaf->barn_list);
		sc_sheaf_retire(sc, sheaf);
	}
	return n;
}

/*
 * Hand @head out with @chain (holding @linked objects) and what else
 * @size needs linked to it; on failure all of it goes back and NULL.
 */
static struct sheaf *sc_prefill_linked(struct sheaf_cache *sc, gfp_t gfp,
				       struct sheaf *head,
				       struct list_head *chain,
				       unsigned int linked, unsigned int size)
{
	struct sheaf *sheaf;

	sc_sheaf_clean(sc, head, gfp);
	if (head->size + linked < size &&
	    sc_chain_extend(sc, gfp, head, chain,
			    size - head->size - linked)) {
		sc_chain_unwind(sc, chain);
		sc_sheaf_retire(sc, head);
		sc_stat(sc, SC_PREFILL_FAIL);
		return NULL;
	}
	list_for_each_entry(sheaf, chain, barn_list)
		sc_unhold(sc, sheaf);
	sc_sheaf_out(sc, head);
	list_splice(chain, &head->barn_list);
	return head;
}

/*
 * A reservation above the capacity, as the maple tree makes for its worst
 * case and then uses a few of: the spare, or a sheaf of the barn, with
 * more of the barn's full sheaves linked to it, costs a few pointer moves
 * where an oversize sheaf filled from the base costs a bulk allocation
 * and, for what is not used, a flush. sheaf_cache_alloc_from_sheaf()
 * moves the next linked sheaf's objects into the first when it runs
 * empty; sheaf_cache_return_sheaf() puts the sheaves back whole.
 */
static noinline struct sheaf *
sc_prefill_chain(struct sheaf_cache *sc, gfp_t gfp, unsigned int size)
{
	unsigned int stashed = 0;
	struct sheaf *head = NULL;
	struct sc_cpu *pcp;
	LIST_HEAD(chain);

	sc_stat(sc, SC_PREFILL_OVERSIZE);
	sc_tune_oversize(sc, size);
	if (sc_enter(sc, &pcp)) {
		swap(head, pcp->spare);
		stashed = sc_stash_take(pcp, &chain);
		sc_exit(pcp);
	}
	if (!head)
		head = barn_get_full_or_empty(sc_local_barn(sc));
	if (!head)
		head = sc_sheaf_alloc(sc, gfp, READ_ONCE(sc->next_capacity));
	if (!head) {
		sc_chain_unwind(sc, &chain);
		sc_stat(sc, SC_PREFILL_FAIL);
		return NULL;
	}
	return sc_prefill_linked(sc, gfp, head, &chain, stashed, size);
}

/* sheaf_cache_prefill_sheaf(); @fast: this CPU's spare served it. */
static struct sheaf *sc_prefill(struct sheaf_cache *sc, gfp_t gfp,
				unsigned int size, bool *fast)
{
	struct sheaf *sheaf = NULL;
	struct sc_cpu *pcp;

	if (WARN_ON_ONCE(!sc) || !size || size > SHEAF_CACHE_MAX_PREFILL)
		return NULL;
	if (WARN_ON_ONCE(READ_ONCE(sc->dead)))
		return NULL;
	if (unlikely(sc->accounted || (gfp & __GFP_ACCOUNT)))
		return sc_prefill_accounted(sc, gfp, size);
	if (unlikely(size > sc->capacity))
		return sc_prefill_chain(sc, gfp, size);

	if (sc_enter(sc, &pcp)) {
		swap(sheaf, pcp->spare);
		sc_exit(pcp);
	}

	*fast = sheaf;
	if (sheaf) {
		sc_stat(sc, SC_PREFILL_FAST);
	} else {
		sc_stat(sc, SC_PREFILL_SLOW);
		sheaf = barn_get_full_or_empty(sc_local_barn(sc));
		if (sheaf && sheaf->size) {
			sc_stat(sc, SC_BARN_GET);
		} else {
			sc_stat(sc, SC_BARN_GET_FAIL);
			trace_sheafcache_barn_get_fail(sc, numa_mem_id());
		}
	}
	/* Of a smaller capacity than the cache's now: more are linked. */
	if (unlikely(sheaf && sheaf->capacity < size)) {
		LIST_HEAD(chain);

		return sc_prefill_linked(sc, gfp, sheaf, &chain, 0, size);
	}
	if (sheaf)
		sc_sheaf_clean(sc, sheaf, gfp);
	if (sheaf && sheaf->size >= size)
		return sc_sheaf_out(sc, sheaf);
	return sc_prefill_new(sc, gfp, sheaf,
			      max(size, READ_ONCE(sc->next_capacity)));
}

/* ===== Borrowed sheaves ============================================== */

/*
 * While tracking is on (track_sheaves=1 or sheaf_overdue set, cache.c),
 * every prefilled sheaf out with a caller has a slot in its cache's table
 * (debugfs "borrowed", the sheaf_overdue warning, destruction's warning)
 * unless all SC_BORROW_SLOTS are taken, when it is only counted. Why a
 * table: the sheaf header has no room for a link or the caller (it is 32
 * bytes so that sheaves fill kmalloc sizes exactly, and barn_list is a
 * composite reservation's while out), and a spinlocked list would cost
 * every prefill and return a lock round trip. A slot is claimed with one
 * cmpxchg from NULL, from a per-CPU start so that CPUs seldom meet, and
 * given back with a store; its index rides in the sheaf's spare capacity
 * bits. Even so the claim and its release cost, as first built, about 60
 * instructions, a sixth of a prefill and return from the barn, taking that
 * path over its budget of 2 slab pairs: hence a static key, and off by
 * default, as the other debugging aids are (measured: with the key off a
 * prefill and return cost 6 to 8 instructions more than before, the
 * sheaf's spare bits and the patched-out jumps). A claim publishes the
 * sheaf only after its caller and time, so that a reader never pairs a
 * sheaf with an older lending's time; it may pair one with a newer
 * lending's caller, which a report can live with.
 * Readers hold rcu_read_lock(): sheaves are freed after a grace period.
 */
#define SC_BORROW_CLAIMING	((struct sheaf *)1)

DEFINE_STATIC_KEY_FALSE(sc_track_sheaves);

static noinline void sc_borrow(struct sheaf_cache *sc, struct sheaf *sheaf,
			       unsigned long caller)
{
	unsigned int start = raw_smp_processor_id() * 8 % SC_BORROW_SLOTS;
	unsigned int i = start;

	do {
		struct sc_borrow *b = &sc->borrowed[i];

		if (!READ_ONCE(b->sheaf) &&
		    !cmpxchg(&b->sheaf, NULL, SC_BORROW_CLAIMING)) {
			b->caller = caller;
			b->since = jiffies;
			b->warned = false;
			/* Pairs with sc_borrowed_sheaf(): the time first. */
			smp_store_release(&b->sheaf, sheaf);
			sheaf->borrow = i + 1;
			return;
		}
		if (++i == SC_BORROW_SLOTS)
			i = 0;
	} while (i != start);
	sheaf->borrow = SC_BORROW_FULL;
	atomic_inc(&sc->borrow_untracked);
}

/* A sheaf that went out before tracking was turned on has no slot. */
static noinline void sc_unborrow(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	if (!sheaf->borrow)
		return;
	if (sheaf->borrow == SC_BORROW_FULL) {
		sheaf->borrow = 0;
		atomic_dec(&sc->borrow_untracked);
		return;
	}
	/* After our last look at the slot; pairs with sc_borrow()'s load. */
	smp_store_release(&sc->borrowed[sheaf->borrow - 1].sheaf, NULL);
	sheaf->borrow = 0;
}

/* The sheaf of a slot, if it holds one. */
static struct sheaf *sc_borrowed_sheaf(struct sc_borrow *b)
{
	/* Pairs with sc_borrow(): its caller and time are set. */
	struct sheaf *sheaf = smp_load_acquire(&b->sheaf);

	return sheaf == SC_BORROW_CLAIMING ? NULL : sheaf;
}

/* debugfs "borrowed": one line a sheaf out, then the untracked count. */
void sc_borrowed_print(struct sheaf_cache *sc, struct seq_file *m)
{
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < SC_BORROW_SLOTS; i++) {
		struct sc_borrow *b = &sc->borrowed[i];
		struct sheaf *sheaf = sc_borrowed_sheaf(b);

		if (sheaf)
			seq_printf(m, "%pS size=%u out_ms=%u\n",
				   (void *)READ_ONCE(b->caller),
				   READ_ONCE(sheaf->size),
				   jiffies_to_msecs(jiffies - READ_ONCE(b->since)));
	}
	rcu_read_unlock();
	if (!static_branch_unlikely(&sc_track_sheaves))
		seq_puts(m, "tracking off: track_sheaves=1 turns it on\n");
	else
		seq_printf(m, "untracked %d\n",
			   atomic_read(&sc->borrow_untracked));
}

/*
 * Warn once about each sheaf out longer than @secs seconds; called by
 * cache.c's periodic work. And at destruction (@secs 0): every caller
 * whose sheaf is still out.
 */
void sc_borrowed_warn(struct sheaf_cache *sc, unsigned int secs)
{
	unsigned int i;

	if (!secs && !static_branch_unlikely(&sc_track_sheaves))
		pr_warn("%s: destroyed with sheaves out; track_sheaves=1 names who took them\n",
			sc->name);
	rcu_read_lock();
	for (i = 0; i < SC_BORROW_SLOTS; i++) {
		struct sc_borrow *b = &sc->borrowed[i];
		struct sheaf *sheaf = sc_borrowed_sheaf(b);
		unsigned long out;

		if (!sheaf)
			continue;
		out = jiffies - READ_ONCE(b->since);
		if (!secs) {
			pr_warn("%s: destroyed while a sheaf of %u objects taken by %pS is out\n",
				sc->name, READ_ONCE(sheaf->size),
				(void *)READ_ONCE(b->caller));
			continue;
		}
		if (READ_ONCE(b->warned) || out <= (unsigned long)secs * HZ)
			continue;
		WRITE_ONCE(b->warned, true);
		sc_stat(sc, SC_SHEAF_OVERDUE);
		pr_warn("%s: a sheaf of %u objects taken by %pS has been out for %lus\n",
			sc->name, READ_ONCE(sheaf->size),
			(void *)READ_ONCE(b->caller), out / HZ);
	}
	rcu_read_unlock();
}

struct sheaf *sheaf_cache_prefill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
					unsigned int size)
{
	bool fast = false;
	struct sheaf *sheaf = sc_prefill(sc, gfp, size, &fast);

	if (!sc)
		return NULL;
	if (static_branch_unlikely(&sc_track_sheaves) && sheaf)
		sc_borrow(sc, sheaf, _RET_IP_);
	trace_sheafcache_prefill(sc, size, sheaf ? sheaf->size : 0,
				 size > READ_ONCE(sc->capacity), fast);
	return sheaf;
}
EXPORT_SYMBOL_GPL(sheaf_cache_prefill_sheaf);

/*
 * The first sheaf of a reservation ran empty: the first linked one with
 * objects moves them in, and goes to the end of the list once empty. A
 * refill may have linked full sheaves behind emptied ones, so the walk
 * does not stop at an empty one. A plain pop still: no allocation, no
 * lock, any context.
 */
static noinline void *sc_alloc_from_chain(gfp_t gfp, struct sheaf *sheaf)
{
	struct sheaf *next;

	/* A returned sheaf (no cache) may be in a barn: its list is not ours. */
	if (!sheaf->cache)
		return NULL;
	list_for_each_entry(next, &sheaf->barn_list, barn_list) {
		if (!next->size)
			continue;
		sc_move(sheaf, next, next->size);
		if (!next->size)
			list_move_tail(&next->barn_list, &sheaf->barn_list);
		return sheaf_cache_alloc_from_sheaf(sheaf->cache, gfp, sheaf);
	}
	return NULL;
}

void *sheaf_cache_alloc_from_sheaf(struct sheaf_cache *sc, gfp_t gfp,
				   struct sheaf *sheaf)
{
	void *obj;

	if (WARN_ON_ONCE(!sheaf))
		return NULL;
	if (unlikely(!sheaf->size))
		return sc_alloc_from_chain(gfp, sheaf);
	/*
	 * A returned sheaf has no cache: it may be in a barn by now. Like a
	 * use after free, that is looked for with check_frees only: the
	 * pop is the guaranteed path and stays as short as it can be.
	 */
	if (static_branch_unlikely(&sc_check_frees) &&
	    WARN_ON_ONCE(!sheaf->cache))
		return NULL;
	/* Clean: sc_sheaf_clean() zeroed and untagged every dirty object. */
	obj = sheaf->objects[--sheaf->size];
	sc_init_alloc(sheaf->cache, obj, gfp);
	return obj;
}
EXPORT_SYMBOL_GPL(sheaf_cache_alloc_from_sheaf);

/*
 * The CPU's spare slot is free: the sheaf takes it, or, when main is full
 * and the sheaf has room, main's place, main becoming the spare. A user
 * that reserves and frees what it took would otherwise fill main and the
 * spare both, and every free after would go the slow way to swap them.
 * A returned sheaf is clean, so either place keeps dirty objects on top.
 */
static __always_inline void sc_return_fast(struct sheaf_cache *sc,
					   struct sc_cpu *pcp,
					   struct sheaf *sheaf)
{
	sc_stat(sc, SC_RETURN_FAST);
	if (pcp->main->size < pcp->capacity ||
	    sheaf->size >= sheaf->capacity) {
		pcp->spare = sheaf;
		return;
	}
	pcp->spare = pcp->main;
	pcp->main = sheaf;
	sc_cpu_fit(sc, pcp);
	sc_stat(sc, SC_SWAP);
}

/* The CPU already has a spare: into the barn, refilled, or away. */
static noinline void sc_return_slow(struct sheaf_cache *sc, gfp_t gfp,
				    struct sheaf *sheaf)
{
	struct sc_barn *barn = sc_local_barn(sc);

	sc_stat(sc, SC_RETURN_SLOW);
	/*
	 * Bypass caches nothing: no sheaf is refilled for the barn. A full
	 * one, the common case, skips the two calls of a refill.
	 */
	if (!sc->bypass && READ_ONCE(barn->nr_full) < sc->max_full &&
	    (sheaf->size == sheaf->capacity ||
	     !sc_refill(sc, sheaf, sc_fill_gfp(sc, gfp) & ~__GFP_NOFAIL)) &&
	    barn_put_full(sc, barn, sheaf, false)) {
		sc_stat(sc, SC_BARN_PUT);
		return;
	}
	sc_flush(sc, sheaf);
	sc_sheaf_free(sc, sheaf);
}

/* Oversize, or the cache is dead: what is local fills this CPU's sheaves. */
static noinline void sc_return_odd(struct sheaf_cache *sc, struct sheaf *sheaf)
{
	struct sc_cpu *pcp;

	sc_stat(sc, SC_RETURN_SLOW);
	if (!READ_ONCE(sc->dead) && sc_enter(sc, &pcp)) {
		sc_move_back(sc, pcp->main, sheaf);
		if (pcp->spare)
			sc_move_back(sc, pcp->spare, sheaf);
		sc_exit(pcp);
	}
	sc_flush(sc, sheaf);
	sc_sheaf_free(sc, sheaf);
}

/*
 * A linked sheaf of a returned reservation: back to the barn if full, as
 * it came; else what it holds tops up @head, which is returned next, and
 * the rest goes to the base; the sheaf joins the barn's empty ones.
 */
static void sc_return_linked(struct sheaf_cache *sc, struct sheaf *head,
			     struct sheaf *sheaf)
{
	struct sc_barn *barn = sc_local_barn(sc);

	if (unlikely(sheaf->flush))
		sc_flush(sc, sheaf);
	if (READ_ONCE(sc->dead)) {
		sc_sheaf_retire(sc, sheaf);
		return;
	}
	if (sheaf->size && sheaf->size == sheaf->capacity &&
	    barn_put_full(sc, barn, sheaf, false)) {
		sc_stat(sc, SC_BARN_PUT);
		return;
	}
	if (!head->flush)
		sc_move(head, sheaf, sheaf->size);
	sc_flush(sc, sheaf);
	barn_put_empty(sc, barn, sheaf);
}

/*
 * Put back the sheaves linked to a reservation above the capacity: the
 * full ones at its front (those not used) into the barn in one go, the
 * others one by one.
 */
static noinline void sc_return_chain(struct sheaf_cache *sc,
				     struct sheaf *head)
{
	struct sheaf *sheaf, *next;
	struct sc_cpu *pcp;

	/* Over the byte budget the cache keeps none: their objects go. */
	list_for_each_entry_safe(sheaf, next, &head->barn_list, barn_list) {
		if (sc_hold(sc, sheaf))
			continue;
		list_del(&sheaf->barn_list);
		if (!head->flush)
			sc_move(head, sheaf, sheaf->size);
		sc_sheaf_retire(sc, sheaf);
	}
	if (!READ_ONCE(sc->dead)) {
		if (sc_enter(sc, &pcp)) {
			sc_stash_put(sc, pcp, &head->barn_list);
			sc_exit(pcp);
		}
		if (!list_empty(&head->barn_list))
			sc_stat_add(sc, SC_BARN_PUT,
				    barn_put_full_chain(sc, sc_local_barn(sc),
							&head->barn_list));
	}
	list_for_each_entry_safe(sheaf, next, &head->barn_list, barn_list) {
		list_del(&sheaf->barn_list);
		sc_return_linked(sc, head, sheaf);
	}
}

void sheaf_cache_return_sheaf(struct sheaf_cache *sc, gfp_t gfp,
			      struct sheaf *sheaf)
{
	unsigned int size;
	struct sc_cpu *pcp;
	bool odd;

	if (!sheaf)
		return;
	if (WARN_ON_ONCE(!sc || sheaf->cache != sc)) {
		/* Not out with a caller: returned twice, or not ours. */
		if (!sheaf->cache)
			return;
		sc = sheaf->cache;
	}
	if (unlikely(!list_empty(&sheaf->barn_list)))
		sc_return_chain(sc, sheaf);
	sheaf->cache = NULL;
	this_cpu_inc(sc->cpu->sheaves_back);
	if (static_branch_unlikely(&sc_track_sheaves))
		sc_unborrow(sc, sheaf);
	size = sheaf->size;
	odd = sheaf->capacity != READ_ONCE(sc->next_capacity) ||
	      !sc_hold(sc, sheaf);

	/* Reserve or accounted objects are never cached; the sheaf may be. */
	if (unlikely(sheaf->flush))
		sc_flush(sc, sheaf);
	if (unlikely(odd || READ_ONCE(sc->dead))) {
		trace_sheafcache_return(sc, 0, size, odd, false);
		sc_return_odd(sc, sheaf);
		return;
	}

	if (sc_enter(sc, &pcp)) {
		if (!pcp->spare) {
			sc_return_fast(sc, pcp, sheaf);
			sheaf = NULL;
		}
		sc_exit(pcp);
	}
	trace_sheafcache_return(sc, 0, size, false, !sheaf);
	if (sheaf)
		sc_return_slow(sc, gfp, sheaf);
}
EXPORT_SYMBOL_GPL(sheaf_cache_return_sheaf);

static int sc_refill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
			   struct sheaf **sheafp, unsigned int size,
			   unsigned long caller)
{
	unsigned int have;
	struct sheaf *sheaf;
	bool in_place;
	int err;

	if (!sheafp || !*sheafp)
		return -EINVAL;
	sheaf = *sheafp;
	if (WARN_ON_ONCE(!sc || sheaf->cache != sc))
		return -EINVAL;
	/* Destroyed with the sheaf out, which warned already: no sheaves. */
	if (READ_ONCE(sc->dead))
		return -EINVAL;
	have = sheaf_cache_sheaf_size(sheaf);
	if (have >= size)
		return 0;

	/*
	 * In place: filled, or more of the cache's sheaves linked to it.
	 * Charged objects must not join cached ones: a charged refill only
	 * fills a sheaf that is flushed on return; else it starts afresh.
	 */
	in_place = size <= sheaf->capacity && list_empty(&sheaf->barn_list);
	if (!(gfp & __GFP_ACCOUNT) || (sheaf->flush && in_place)) {
		if (in_place)
			err = sc_fill_for_caller(sc, sheaf, gfp);
		else
			err = sc_chain_extend(sc, gfp, NULL,
					      &sheaf->barn_list, size - have);
		if (!err)
			return 0;
		sc_stat(sc, SC_PREFILL_FAIL);
		return -ENOMEM;
	}

	/* Too small, or of another kind: a new sheaf replaces it; rare. */
	sheaf = sheaf_cache_prefill_sheaf(sc, gfp, size);
	if (!sheaf)
		return -ENOMEM;
	/* Borrowed by the refill's caller, not by us. */
	if (sheaf->borrow && sheaf->borrow != SC_BORROW_FULL)
		WRITE_ONCE(sc->borrowed[sheaf->borrow - 1].caller, caller);
	sheaf_cache_return_sheaf(sc, gfp, *sheafp);
	*sheafp = sheaf;
	return 0;
}

int sheaf_cache_refill_sheaf(struct sheaf_cache *sc, gfp_t gfp,
			     struct sheaf **sheafp, unsigned int size)
{
	int ret = sc_refill_sheaf(sc, gfp, sheafp, size, _RET_IP_);

	if (ret != -EINVAL)
		trace_sheafcache_sheaf_refill(sc, size, ret ? 0 : (*sheafp)->size,
					      size > READ_ONCE(sc->capacity),
					      false);
	return ret;
}
EXPORT_SYMBOL_GPL(sheaf_cache_refill_sheaf);

unsigned int sheaf_cache_sheaf_size(const struct sheaf *sheaf)
{
	const struct sheaf *next;
	unsigned int n;

	if (!sheaf)
		return 0;
	n = sheaf->size;
	/* Out with a caller: the sheaves linked to it count too. */
	if (sheaf->cache)
		list_for_each_entry(next, &sheaf->barn_list, barn_list)
			n += next->size;
	return n;
}
EXPORT_SYMBOL_GPL(sheaf_cache_sheaf_size);

