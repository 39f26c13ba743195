// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache torture test, the randomized engine: threads on every CPU,
 * and hrtimers in hardirq and softirq on the same CPUs, pick operations
 * at random from a mix and check every object they hold by its owner's
 * tag. A timed run leaves its findings in tt_res for the cases of the
 * stress, hotplug, irq, soak and faults modes to judge.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "torture.h"

/* ===== Objects and their owners ======================================= */

/*
 * An owner is a thread or an interrupt context. Each object it holds
 * carries its tag; the owner remembers the sequence number it wrote, so
 * an object that was handed to anyone else meanwhile no longer matches.
 */
struct tt_tag {
	u32 owner;
	u32 seq;
	u64 check;
};

static_assert(sizeof(struct tt_tag) <= TT_RCU_OFFSET);

struct tt_obj {
	void *obj;
	u32 seq;
};

enum tt_count {
	TT_OPS,
	TT_ALLOC,
	TT_ALLOC_NULL,
	TT_FREE,
	TT_FREE_RCU,
	TT_RCU_READ,
	TT_PREFILL,
	TT_PREFILL_NULL,
	TT_REFILL,
	TT_REFILL_ENOMEM,
	TT_FROM_SHEAF,
	TT_SHRINK,
	TT_RESIZE,
	TT_ERRORS,
	TT_NR_COUNTS
};

static const char * const tt_count_names[] = {
	[TT_OPS]		= "ops",
	[TT_ALLOC]		= "alloc",
	[TT_ALLOC_NULL]		= "alloc_null",
	[TT_FREE]		= "free",
	[TT_FREE_RCU]		= "free_rcu",
	[TT_RCU_READ]		= "rcu_read",
	[TT_PREFILL]		= "prefill",
	[TT_PREFILL_NULL]	= "prefill_null",
	[TT_REFILL]		= "refill",
	[TT_REFILL_ENOMEM]	= "refill_enomem",
	[TT_FROM_SHEAF]		= "from_sheaf",
	[TT_SHRINK]		= "shrink",
	[TT_RESIZE]		= "resize",
	[TT_ERRORS]		= "errors",
};

static_assert(ARRAY_SIZE(tt_count_names) == TT_NR_COUNTS);

struct tt_owner {
	struct sheaf_cache *sc;
	u32 id;
	u32 seq;
	bool faults;		/* failures are injected: NULL is no error */
	unsigned int nheld;
	unsigned int max;
	struct tt_obj held[HELD_MAX];
	u64 n[TT_NR_COUNTS];
};

static void tt_owner_init(struct tt_owner *o, struct sheaf_cache *sc,
			  u32 id, unsigned int max, bool faults)
{
	o->sc = sc;
	o->id = id;
	o->max = max;
	o->faults = faults;
}

static void tt_error(struct tt_owner *o, const char *what)
{
	/* A few lines say what broke; thousands would flood the console. */
	if (o->n[TT_ERRORS]++ < 3)
		pr_info("# owner %#x: %s\n", o->id, what);
}

static u64 tt_tag_word(const void *obj, u32 owner, u32 seq)
{
	return (u64)(unsigned long)obj ^ ((u64)owner << 32 | seq) ^
	       0x5eaf5eaf00000000ULL;
}

static void tt_tag(struct tt_owner *o, void *obj, struct tt_obj *h)
{
	struct tt_tag *tag = obj;

	h->obj = obj;
	h->seq = ++o->seq;
	tag->owner = o->id;
	tag->seq = h->seq;
	tag->check = tt_tag_word(obj, o->id, h->seq);
}

static bool tt_tag_ok(const struct tt_obj *h, u32 owner)
{
	const struct tt_tag *tag = h->obj;

	return tag->owner == owner && tag->seq == h->seq &&
	       tag->check == tt_tag_word(h->obj, owner, h->seq);
}

static void *tt_alloc(struct tt_owner *o, gfp_t gfp)
{
	void *obj = sheaf_cache_alloc(o->sc, gfp);

	o->n[TT_ALLOC]++;
	if (!obj) {
		o->n[TT_ALLOC_NULL]++;
		if (!o->faults)
			tt_error(o, "allocation failed");
	}
	return obj;
}

static void tt_free(struct tt_owner *o, void *obj)
{
	sheaf_cache_free(o->sc, obj);
	o->n[TT_FREE]++;
}

/* The torture caches have an rcu_head: any context sheaf_cache_free() may. */
static void tt_free_rcu(struct tt_owner *o, void *obj)
{
	sheaf_cache_free_rcu(o->sc, obj);
	o->n[TT_FREE_RCU]++;
}

/* Hold @obj, tagged, or free it when the owner's hands are full. */
static void tt_keep(struct tt_owner *o, void *obj)
{
	if (!obj)
		return;
	if (o->nheld < o->max)
		tt_tag(o, obj, &o->held[o->nheld++]);
	else
		tt_free(o, obj);
}

/* Let go of a held object, chosen by @r; its tag must be intact. */
static struct tt_obj tt_take(struct tt_owner *o, u32 r)
{
	unsigned int i = r % o->nheld;
	struct tt_obj h = o->held[i];

	o->held[i] = o->held[--o->nheld];
	if (!tt_tag_ok(&h, o->id))
		tt_error(o, "held object changed hands");
	return h;
}

static void tt_free_all(struct tt_owner *o)
{
	while (o->nheld)
		tt_free(o, tt_take(o, 0).obj);
}

/* The cache still hands out and takes back objects, tags intact. */
void tt_works(struct sheaf_cache *sc)
{
	struct tt_owner *o = kzalloc(sizeof(*o), GFP_KERNEL);
	unsigned int i;

	if (!EXPECT(o))
		return;
	tt_owner_init(o, sc, 0xc0de, HELD_MAX, false);
	for (i = 0; i < 3 * HELD_MAX; i++) {
		if (o->nheld == o->max)
			tt_free(o, tt_take(o, i).obj);
		tt_keep(o, tt_alloc(o, GFP_KERNEL));
	}
	tt_free_all(o);
	EXPECT_EQ(o->n[TT_ERRORS], 0);
	EXPECT_EQ(o->n[TT_ALLOC], 3 * HELD_MAX);
	kfree(o);
}

/* ===== Timed runs: threads and interrupts on every CPU ================ */

/* A hand-over ring: objects one thread passes to the next. */
struct tt_ring {
	spinlock_t lock;	/* protects n and objs */
	unsigned int n;
	u32 from;		/* the sender's owner id */
	struct tt_obj objs[RING_MAX];
};

/* An hrtimer on a thread's CPU that allocates and frees, in hardirq or softirq. */
struct tt_irq {
	struct hrtimer timer;
	struct tt_owner own;
	struct sheaf *sheaf;	/* what a hard timer takes from on RT */
	struct rnd_state rnd;
	u64 period_ns;
	bool hard;
};

struct tt_run;

struct tt_thread {
	struct tt_owner own;
	struct tt_run *run;
	struct rnd_state rnd;
	spinlock_t lock;	/* stands for a caller's lock */
	struct sheaf *sheaf;	/* a prefilled sheaf kept across ops */
	struct tt_ring ring;	/* objects passed to this thread */
	struct tt_irq irq[2];	/* hardirq and softirq users of its CPU */
	struct completion done;
	bool started;
};

enum tt_op {
	OP_ALLOC,
	OP_ALLOC_ZERO,
	OP_ALLOC_IRQOFF,
	OP_FREE,
	OP_FREE_IRQOFF,
	OP_PASS,
	OP_RECEIVE,
	OP_PREFILL,
	OP_SHEAF,
	OP_SHRINK,
	OP_PEEK,
	OP_BULK,
	OP_FREE_RCU,
	OP_RCU_SWAP,
	OP_RCU_READ,
	OP_RESIZE,
	TT_NR_OPS
};

/* Objects published to RCU readers; writers replace them under the lock. */
#define TT_SLOTS	16

struct tt_slots {
	spinlock_t lock;	/* serializes the writers */
	void __rcu *obj[TT_SLOTS];
};

/*
 * What a run is about: past its time it goes on, up to four times as long,
 * until it has seen a few of these, as a slow machine may not have.
 */
enum tt_until {
	TT_UNTIL_TIME,
	TT_UNTIL_FAILURES,	/* failed refills and prefills */
	TT_UNTIL_CPU_DEATHS,
	TT_UNTIL_REENTRANT,
};

/* A timed run: what it does, and what it found. */
struct tt_spec {
	u16 mix[TT_NR_OPS];	/* weight of each operation */
	bool bound;		/* a thread bound to each online CPU */
	bool irq;		/* hrtimers on each thread's CPU */
	bool hotplug;		/* CPUs come and go: check the dead ones */
	bool faults;		/* the threads ask for failures after a warm-up */
	enum tt_until until;
};

struct tt_run {
	const struct tt_spec *spec;
	struct sheaf_cache *sc;
	/*
	 * Times by the clocksource, not jiffies: a kernel with a periodic
	 * tick loses ticks under emulation, and its jiffies fall behind.
	 */
	ktime_t end;
	ktime_t cap;		/* the latest end, when events are wanted */
	ktime_t arm_at;		/* when the faults start */
	bool over;		/* the threads are to stop */
	bool armed;
	unsigned int nr;
	unsigned long offline_checks;
	unsigned long stranded;
	u64 snap[SC_NR_STATS];	/* the cache's counters at the start */
	struct tt_slots slots;
	struct tt_thread *threads;
};

/* What the last timed run found, for the cases that judge it. */
static struct tt_result {
	bool ran;
	u64 n[TT_NR_COUNTS];	/* threads and interrupts together */
	u64 irq_calls;		/* allocs and frees from interrupts */
	u64 hard_ops;
	u64 soft_ops;
	u64 stat[SC_NR_STATS];	/* the cache's counters over the run */
	unsigned long offline_checks;
	unsigned long stranded;
	bool conserved;
	bool accounted;
} tt_res;

static u32 tt_rand(struct tt_thread *t)
{
	return prandom_u32_state(&t->rnd);
}

static void op_alloc(struct tt_thread *t)
{
	tt_keep(&t->own, tt_alloc(&t->own, GFP_KERNEL));
}

/* Zeroed, whoever used the object last. */
static void op_alloc_zero(struct tt_thread *t)
{
	void *obj = tt_alloc(&t->own, GFP_KERNEL | __GFP_ZERO);

	if (obj && memchr_inv(obj, 0, OBJ_SIZE))
		tt_error(&t->own, "__GFP_ZERO object not zeroed");
	tt_keep(&t->own, obj);
}

/*
 * A section that may not sleep: IRQs off. On PREEMPT_RT slab may not be
 * called with IRQs off, so neither may sheafcache: there the section is
 * the caller's spinlock_t, which RT makes a sleeping lock.
 */
static unsigned long tt_atomic_begin(struct tt_thread *t)
{
	unsigned long flags = 0;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		spin_lock(&t->lock);
	else
		local_irq_save(flags);
	return flags;
}

static void tt_atomic_end(struct tt_thread *t, unsigned long flags)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		spin_unlock(&t->lock);
	else
		local_irq_restore(flags);
}

/* IRQs off: no batch from or to the base, single objects only. */
static void op_alloc_irqoff(struct tt_thread *t)
{
	unsigned long flags;
	void *obj;

	flags = tt_atomic_begin(t);
	obj = tt_alloc(&t->own, GFP_ATOMIC);
	tt_atomic_end(t, flags);
	tt_keep(&t->own, obj);
}

static void op_free(struct tt_thread *t)
{
	if (t->own.nheld)
		tt_free(&t->own, tt_take(&t->own, tt_rand(t)).obj);
}

static void op_free_irqoff(struct tt_thread *t)
{
	unsigned long flags;

	if (!t->own.nheld)
		return;
	flags = tt_atomic_begin(t);
	tt_free(&t->own, tt_take(&t->own, tt_rand(t)).obj);
	tt_atomic_end(t, flags);
}

/* Hand an object to the next thread, which frees it on its own CPU. */
static void op_pass(struct tt_thread *t)
{
	struct tt_run *run = t->run;
	struct tt_ring *ring;
	struct tt_obj h;

	if (!t->own.nheld)
		return;
	ring = &run->threads[(t - run->threads + 1) % run->nr].ring;
	h = tt_take(&t->own, tt_rand(t));
	spin_lock(&ring->lock);
	if (ring->n < RING_MAX) {
		ring->objs[ring->n++] = h;
		h.obj = NULL;
	}
	spin_unlock(&ring->lock);
	if (h.obj)
		tt_free(&t->own, h.obj);
}

static bool tt_ring_pop(struct tt_ring *ring, struct tt_obj *h)
{
	bool ok;

	spin_lock(&ring->lock);
	ok = ring->n;
	if (ok)
		*h = ring->objs[--ring->n];
	spin_unlock(&ring->lock);
	return ok;
}

/* Take what was passed: free half of it here, keep the rest. */
static void op_receive(struct tt_thread *t)
{
	struct tt_obj h;
	unsigned int i;

	for (i = 0; tt_ring_pop(&t->ring, &h); i++) {
		if (!tt_tag_ok(&h, t->ring.from))
			tt_error(&t->own, "passed object changed hands");
		if (i & 1)
			tt_free(&t->own, h.obj);
		else
			tt_keep(&t->own, h.obj);
	}
}

static struct sheaf *tt_prefill(struct tt_owner *o, unsigned int want)
{
	struct sheaf *sheaf = sheaf_cache_prefill_sheaf(o->sc, GFP_KERNEL,
							want);

	o->n[TT_PREFILL]++;
	if (!sheaf) {
		o->n[TT_PREFILL_NULL]++;
		if (!o->faults)
			tt_error(o, "prefill failed");
	} else if (sheaf_cache_sheaf_size(sheaf) < want) {
		tt_error(o, "prefilled sheaf holds too few objects");
	}
	return sheaf;
}

/*
 * In a section that can neither sleep nor fail, as the API's users have
 * it, take @want objects, or every one for @all: none may be missing,
 * whatever happens to the base meanwhile.
 */
static void tt_take_from_sheaf(struct tt_thread *t, struct sheaf *sheaf,
			       unsigned int want, bool all)
{
	struct tt_owner *o = &t->own;
	unsigned int size = sheaf_cache_sheaf_size(sheaf), got = 0;
	void *obj = NULL, *extra = NULL;
	unsigned long flags;

	want = all ? size : min(want, size);
	spin_lock_irqsave(&t->lock, flags);
	while (got < want) {
		obj = sheaf_cache_alloc_from_sheaf(o->sc, 0, sheaf);
		if (!obj)
			break;
		got++;
		tt_keep(o, obj);
	}
	if (all)
		extra = sheaf_cache_alloc_from_sheaf(o->sc, 0, sheaf);
	spin_unlock_irqrestore(&t->lock, flags);
	o->n[TT_FROM_SHEAF] += got;
	if (got != want)
		tt_error(o, "prefilled sheaf ran dry early");
	if (extra) {
		tt_error(o, "empty sheaf handed out an object");
		tt_keep(o, extra);
	}
}

/* 0 with at least @want objects, or -ENOMEM with the sheaf as it was. */
static void tt_refill(struct tt_owner *o, struct sheaf **sheafp,
		      unsigned int want)
{
	struct sheaf *old = *sheafp;
	unsigned int size = sheaf_cache_sheaf_size(old);
	int ret = sheaf_cache_refill_sheaf(o->sc, GFP_KERNEL, sheafp, want);

	o->n[TT_REFILL]++;
	if (!ret) {
		if (sheaf_cache_sheaf_size(*sheafp) < want)
			tt_error(o, "refilled sheaf holds too few objects");
		return;
	}
	o->n[TT_REFILL_ENOMEM]++;
	if (ret != -ENOMEM || !o->faults)
		tt_error(o, "refill failed");
	if (*sheafp != old || sheaf_cache_sheaf_size(old) != size)
		tt_error(o, "failed refill changed the sheaf");
}

/*
 * Prefill (often above the capacity, up to 8 times it: linked sheaves),
 * take, maybe refill, return.
 */
static void op_prefill(struct tt_thread *t)
{
	unsigned int want = 1 + tt_rand(t) % (8 * CAP);
	u32 r = tt_rand(t);
	struct sheaf *sheaf;

	sheaf = tt_prefill(&t->own, want);
	if (!sheaf)
		return;
	tt_take_from_sheaf(t, sheaf, want, r & 1);
	if (r & 2)
		tt_refill(&t->own, &sheaf, 1 + (r >> 8) % (8 * CAP));
	sheaf_cache_return_sheaf(t->own.sc, GFP_KERNEL, sheaf);
}

/* A prefilled sheaf kept out across operations, as a caller would. */
static void op_sheaf(struct tt_thread *t)
{
	u32 r = tt_rand(t);

	if (!t->sheaf) {
		t->sheaf = tt_prefill(&t->own, 1 + r % (2 * CAP));
		return;
	}
	switch (r % 4) {
	case 0:
		tt_take_from_sheaf(t, t->sheaf, 1 + (r >> 8) % 4, false);
		break;
	case 1:
		tt_refill(&t->own, &t->sheaf, 1 + (r >> 8) % (8 * CAP));
		break;
	case 2:
		tt_take_from_sheaf(t, t->sheaf, 0, true);
		break;
	default:
		sheaf_cache_return_sheaf(t->own.sc, GFP_KERNEL, t->sheaf);
		t->sheaf = NULL;
	}
}

/*
 * Move the capacity as the tuner does (sc_set_capacity_locked(): two
 * stores under tune_lock), to the floor or two or four times it, while
 * the others allocate, free and reserve: every CPU adopts it in its own
 * slow paths, with its sheaves of the old capacity still in use.
 */
static void op_resize(struct tt_thread *t)
{
	struct sheaf_cache *sc = t->own.sc;
	unsigned int capacity;
	unsigned long flags;

	if (sc->fixed)
		return;
	capacity = min(sc->floor << (tt_rand(t) % 3), sc->ceiling);
	spin_lock_irqsave(&sc->tune_lock, flags);
	WRITE_ONCE(sc->next_capacity, capacity);
	WRITE_ONCE(sc->capacity, capacity);
	spin_unlock_irqrestore(&sc->tune_lock, flags);
	t->own.n[TT_RESIZE]++;
}

static void op_shrink(struct tt_thread *t)
{
	sheaf_cache_shrink(t->own.sc);
	t->own.n[TT_SHRINK]++;
}

/*
 * The introspection calls. The cache holds at most two sheaves per CPU,
 * its stash of a barn's limit and the barns' limit, give or take a sheaf
 * per CPU that a lost race forces into a barn and one counted twice as
 * it moves; none bigger than the capacity may grow to.
 */
static void op_peek(struct tt_thread *t)
{
	struct sheaf_cache *sc = t->own.sc;
	unsigned int cap = sheaf_cache_capacity(sc);
	unsigned int most = max(tuned_cap, sc->ceiling);
	unsigned long limit = (4UL * nr_cpu_ids +
			       MAX_FULL * (nr_node_ids + nr_cpu_ids)) * most;

	if (sheaf_cache_cached_objects(sc) > limit)
		tt_error(&t->own, "cache holds more than its limits allow");
	/* Tuned, or set by the shell (tuned_cap), never below the floor. */
	if (cap < CAP || cap > most || (sc->fixed && !tuned_cap && cap != CAP))
		tt_error(&t->own, "capacity changed");
	sheaf_cache_stat(sc, tt_rand(t) % SC_NR_STATS);
}

/*
 * A bulk allocation of up to two sheaves' worth, kept, and as many held
 * objects freed in one bulk call. Not in the faults mix: a failed bulk
 * gives back what it took, counted as allocated and freed.
 */
static void op_bulk(struct tt_thread *t)
{
	struct tt_owner *o = &t->own;
	void *objs[2 * CAP];
	unsigned int n = 1 + tt_rand(t) % ARRAY_SIZE(objs), i;

	if (!sheaf_cache_alloc_bulk(o->sc, GFP_KERNEL, n, objs)) {
		tt_error(o, "bulk allocation failed");
		return;
	}
	o->n[TT_ALLOC] += n;
	for (i = 0; i < n; i++)
		tt_keep(o, objs[i]);
	for (i = 0; i < n && o->nheld; i++)
		objs[i] = tt_take(o, tt_rand(t)).obj;
	sheaf_cache_free_bulk(o->sc, i, objs);
	o->n[TT_FREE] += i;
}

static void op_free_rcu(struct tt_thread *t)
{
	if (t->own.nheld)
		tt_free_rcu(&t->own, tt_take(&t->own, tt_rand(t)).obj);
}

/*
 * A writer of an RCU-protected table: publish a new object in a slot and
 * free the old one with sheaf_cache_free_rcu(), while readers may hold it.
 */
static void op_rcu_swap(struct tt_thread *t)
{
	struct tt_slots *slots = &t->run->slots;
	struct tt_owner *o = &t->own;
	unsigned int i = tt_rand(t) % TT_SLOTS;
	void *new = tt_alloc(o, GFP_KERNEL), *old;
	struct tt_obj h;

	if (!new)
		return;
	tt_tag(o, new, &h);
	spin_lock(&slots->lock);
	old = rcu_replace_pointer(slots->obj[i], new,
				  lockdep_is_held(&slots->lock));
	spin_unlock(&slots->lock);
	if (old)
		tt_free_rcu(o, old);
}

/*
 * A reader: the object it found must stay as it was, tag intact and not
 * zeroed, for as long as the reader is inside its read-side section,
 * however the writers replace and free it meanwhile.
 */
static void op_rcu_read(struct tt_thread *t)
{
	struct tt_slots *slots = &t->run->slots;
	u32 r = tt_rand(t);
	struct tt_tag *tag, seen;

	rcu_read_lock();
	tag = rcu_dereference(slots->obj[r % TT_SLOTS]);
	if (tag) {
		memcpy(&seen, tag, sizeof(seen));
		if (seen.check != tt_tag_word(tag, seen.owner, seen.seq))
			tt_error(&t->own, "published object not intact");
		udelay(1 + (r >> 8) % 20);
		if (memcmp(&seen, tag, sizeof(seen)))
			tt_error(&t->own, "object reused inside a reader's grace period");
		t->own.n[TT_RCU_READ]++;
	}
	rcu_read_unlock();
}

static void (* const tt_ops[TT_NR_OPS])(struct tt_thread *t) = {
	[OP_ALLOC]		= op_alloc,
	[OP_ALLOC_ZERO]		= op_alloc_zero,
	[OP_ALLOC_IRQOFF]	= op_alloc_irqoff,
	[OP_FREE]		= op_free,
	[OP_FREE_IRQOFF]	= op_free_irqoff,
	[OP_PASS]		= op_pass,
	[OP_RECEIVE]		= op_receive,
	[OP_PREFILL]		= op_prefill,
	[OP_SHEAF]		= op_sheaf,
	[OP_SHRINK]		= op_shrink,
	[OP_PEEK]		= op_peek,
	[OP_BULK]		= op_bulk,
	[OP_FREE_RCU]		= op_free_rcu,
	[OP_RCU_SWAP]		= op_rcu_swap,
	[OP_RCU_READ]		= op_rcu_read,
	[OP_RESIZE]		= op_resize,
};

/* The timed run of each mode; operations weighed per mille. */
static const struct tt_spec spec_stress = {
	.mix = {
		[OP_ALLOC] = 350, [OP_ALLOC_ZERO] = 20, [OP_ALLOC_IRQOFF] = 30,
		[OP_FREE] = 300, [OP_FREE_IRQOFF] = 30, [OP_PASS] = 80,
		[OP_RECEIVE] = 80, [OP_PREFILL] = 100, [OP_PEEK] = 8,
		[OP_BULK] = 20, [OP_FREE_RCU] = 20, [OP_RCU_SWAP] = 20,
		[OP_RCU_READ] = 40, [OP_RESIZE] = 2,
	},
	.bound = true,
};

/* The stress, and now and then a shrink racing with the CPUs' deaths. */
static const struct tt_spec spec_hotplug = {
	.mix = {
		[OP_ALLOC] = 350, [OP_ALLOC_ZERO] = 20, [OP_ALLOC_IRQOFF] = 30,
		[OP_FREE] = 300, [OP_FREE_IRQOFF] = 30, [OP_PASS] = 80,
		[OP_RECEIVE] = 80, [OP_PREFILL] = 100, [OP_SHRINK] = 1,
		[OP_PEEK] = 7, [OP_FREE_RCU] = 20, [OP_RCU_SWAP] = 10,
		[OP_RCU_READ] = 10, [OP_RESIZE] = 2,
	},
	.hotplug = true,
	.until = TT_UNTIL_CPU_DEATHS,
};

static const struct tt_spec spec_faults = {
	.mix = {
		[OP_ALLOC] = 330, [OP_ALLOC_IRQOFF] = 20, [OP_FREE] = 300,
		[OP_FREE_IRQOFF] = 20, [OP_PASS] = 50, [OP_RECEIVE] = 50,
		[OP_PREFILL] = 130, [OP_SHEAF] = 100, [OP_FREE_RCU] = 20,
		[OP_RCU_SWAP] = 10, [OP_RCU_READ] = 10,
	},
	.bound = true,
	.faults = true,
	.until = TT_UNTIL_FAILURES,
};

/* Nothing but the fast paths, for interrupts to land in. */
static const struct tt_spec spec_irq = {
	.mix = { [OP_ALLOC] = 500, [OP_FREE] = 500 },
	.bound = true,
	.irq = true,
	.until = TT_UNTIL_REENTRANT,
};

static const struct tt_spec spec_soak = {
	.mix = {
		[OP_ALLOC] = 250, [OP_ALLOC_ZERO] = 30, [OP_ALLOC_IRQOFF] = 40,
		[OP_FREE] = 230, [OP_FREE_IRQOFF] = 40, [OP_PASS] = 80,
		[OP_RECEIVE] = 80, [OP_PREFILL] = 100, [OP_SHEAF] = 100,
		[OP_SHRINK] = 2, [OP_PEEK] = 46, [OP_BULK] = 20,
		[OP_FREE_RCU] = 20, [OP_RCU_SWAP] = 20, [OP_RCU_READ] = 40,
		[OP_RESIZE] = 2,
	},
	.bound = true,
	.irq = true,
};

static enum tt_op tt_pick(struct tt_thread *t)
{
	const u16 *mix = t->run->spec->mix;
	unsigned int total = 0, r, op;

	for (op = 0; op < TT_NR_OPS; op++)
		total += mix[op];
	r = tt_rand(t) % total;
	for (op = 0; r >= mix[op]; op++)
		r -= mix[op];
	return op;
}

/* ----- Interrupt-context users ----- */

static enum hrtimer_restart tt_irq_fn(struct hrtimer *timer)
{
	struct tt_irq *x = container_of(timer, struct tt_irq, timer);
	struct tt_owner *o = &x->own;
	u32 r = prandom_u32_state(&x->rnd);

	if (x->hard ? !in_hardirq() : !in_serving_softirq())
		tt_error(o, "timer ran in the wrong context");
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && x->hard) {
		/*
		 * Hard IRQ on RT: slab may not be called, nor may
		 * sheaf_cache_alloc()/free(); a prefilled sheaf may be taken
		 * from. What it took is freed when the timer stops.
		 */
		if (o->nheld < o->max && x->sheaf)
			tt_keep(o, sheaf_cache_alloc_from_sheaf(o->sc, 0,
								x->sheaf));
	} else if (o->nheld && (o->nheld == o->max || r & 1)) {
		if (r & 2)
			tt_free_rcu(o, tt_take(o, r >> 2).obj);
		else
			tt_free(o, tt_take(o, r >> 2).obj);
	} else {
		tt_keep(o, tt_alloc(o, GFP_ATOMIC));
	}
	o->n[TT_OPS]++;
	hrtimer_forward_now(timer, ns_to_ktime(x->period_ns));
	return HRTIMER_RESTART;
}

static enum hrtimer_mode tt_irq_mode(struct tt_irq *x)
{
	return x->hard ? HRTIMER_MODE_REL_PINNED_HARD :
			 HRTIMER_MODE_REL_PINNED_SOFT;
}

/* Called on the thread's own CPU, where the timers stay pinned. */
static void tt_irq_start(struct tt_thread *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->irq); i++) {
		struct tt_irq *x = &t->irq[i];

		if (IS_ENABLED(CONFIG_PREEMPT_RT) && x->hard)
			x->sheaf = sheaf_cache_prefill_sheaf(x->own.sc, GFP_KERNEL,
							     IRQ_HELD);
		sc_hrtimer_setup(&x->timer, tt_irq_fn, CLOCK_MONOTONIC,
				 tt_irq_mode(x));
		hrtimer_start(&x->timer, ns_to_ktime(x->period_ns),
			      tt_irq_mode(x));
	}
}

static void tt_irq_stop(struct tt_thread *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->irq); i++) {
		hrtimer_cancel(&t->irq[i].timer);
		sheaf_cache_return_sheaf(t->irq[i].own.sc, GFP_KERNEL,
					 t->irq[i].sheaf);
		t->irq[i].sheaf = NULL;
		tt_free_all(&t->irq[i].own);
	}
}

/* ----- Threads ----- */

static int tt_thread_fn(void *arg)
{
	struct tt_thread *t = arg;
	struct tt_run *run = t->run;

	if (run->spec->irq)
		tt_irq_start(t);
	while (!READ_ONCE(run->over)) {
		if (run->spec->faults)
			tt_fail(READ_ONCE(run->armed));
		tt_ops[tt_pick(t)](t);
		if (!(++t->own.n[TT_OPS] & 63))
			cond_resched();
	}
	tt_fail(false);
	if (run->spec->irq)
		tt_irq_stop(t);
	if (t->sheaf)
		sheaf_cache_return_sheaf(t->own.sc, GFP_KERNEL, t->sheaf);
	t->sheaf = NULL;
	/* What it still holds stays held through the destroy. */
	kthread_complete_and_exit(&t->done, 0);
}

static void tt_thread_init(struct tt_run *run, unsigned int i)
{
	const struct tt_spec *spec = run->spec;
	struct tt_thread *t = &run->threads[i];
	bool faults = spec->faults;
	unsigned int k;

	t->run = run;
	tt_owner_init(&t->own, run->sc, 1 + i, HELD_MAX, faults);
	prandom_seed_state(&t->rnd, seed + i);
	spin_lock_init(&t->lock);
	spin_lock_init(&t->ring.lock);
	t->ring.from = 1 + (i + run->nr - 1) % run->nr;
	init_completion(&t->done);
	for (k = 0; k < ARRAY_SIZE(t->irq); k++) {
		struct tt_irq *x = &t->irq[k];

		x->hard = !k;
		x->period_ns = x->hard ? HARD_NS : SOFT_NS;
		tt_owner_init(&x->own, run->sc, 0x1000 + 2 * i + k, IRQ_HELD,
			      faults);
		prandom_seed_state(&x->rnd, seed ^ (0x1000 + 2 * i + k));
	}
}

/* Bound threads: one per online CPU, each with its interrupts there. */
static void tt_start_bound(struct tt_run *run)
{
	unsigned int i = 0;
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		if (i == run->nr)
			break;
		task = kthread_create_on_node(tt_thread_fn, &run->threads[i],
					      cpu_to_node(cpu),
					      "sc_torture/%d", cpu);
		if (IS_ERR(task))
			continue;
		kthread_bind(task, cpu);
		run->threads[i++].started = true;
		wake_up_process(task);
	}
	cpus_read_unlock();
}

/* Unbound threads: the scheduler moves them off CPUs that go away. */
static void tt_start_unbound(struct tt_run *run)
{
	unsigned int i;

	for (i = 0; i < run->nr; i++) {
		struct task_struct *task;

		task = kthread_run(tt_thread_fn, &run->threads[i],
				   "sc_torture/u%u", i);
		run->threads[i].started = !IS_ERR(task);
	}
}

/*
 * Under cpus_read_lock() no CPU is half-way: one that is offline has been
 * through the cache's teardown, so it must hold nothing.
 */
static void tt_check_offline(struct tt_run *run)
{
	int cpu;

	cpus_read_lock();
	for_each_present_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(run->sc->cpu, cpu);

		if (cpu_online(cpu))
			continue;
		run->offline_checks++;
		if ((READ_ONCE(pcp->main->size) || READ_ONCE(pcp->spare)) &&
		    !run->stranded++)
			pr_info("# cpu%d is offline with sheaves cached\n", cpu);
	}
	cpus_read_unlock();
}

/* A counter of the cache since the run began. */
static u64 tt_stat(struct tt_run *run, enum sheaf_cache_stat_item item)
{
	return sheaf_cache_stat(run->sc, item) - run->snap[item];
}

/* Whether the run has seen enough of what it is about. */
static bool tt_enough(struct tt_run *run)
{
	switch (run->spec->until) {
	case TT_UNTIL_FAILURES:
		return tt_stat(run, SC_REFILL_FAIL) +
		       tt_stat(run, SC_PREFILL_FAIL) >= 16;
	case TT_UNTIL_CPU_DEATHS:
		return tt_stat(run, SC_CPU_DEAD) >= 4;
	case TT_UNTIL_REENTRANT:
		return tt_stat(run, SC_REENTRANT) >= 16;
	default:
		return true;
	}
}

/*
 * The monitor: the faults start once the threads have filled the cache
 * for a while; the run ends once its time is up and it has seen enough,
 * or at its cap.
 */
static void tt_tick(struct tt_run *run)
{
	ktime_t now = ktime_get();

	if (run->spec->faults && !run->armed && ktime_after(now, run->arm_at))
		WRITE_ONCE(run->armed, true);
	if (!run->over && ktime_after(now, run->end) &&
	    (tt_enough(run) || ktime_after(now, run->cap)))
		WRITE_ONCE(run->over, true);
	if (run->spec->hotplug)
		tt_check_offline(run);
}

/* Wait for the threads, checking on them meanwhile. */
static void tt_wait(struct tt_run *run)
{
	unsigned int i;

	for (i = 0; i < run->nr; i++) {
		struct tt_thread *t = &run->threads[i];

		if (!t->started)
			continue;
		/* Short waits: never a task blocked for minutes. */
		while (!wait_for_completion_timeout(&t->done, HZ / 20))
			tt_tick(run);
	}
}

/* Free what was passed but never received, and what was published. */
static void tt_drain_rings(struct tt_run *run)
{
	struct tt_obj h;
	unsigned int i;

	for (i = 0; i < TT_SLOTS; i++) {
		void *obj = rcu_replace_pointer(run->slots.obj[i], NULL, true);

		if (obj)
			tt_free_rcu(&run->threads[0].own, obj);
	}

	for (i = 0; i < run->nr; i++) {
		struct tt_thread *t = &run->threads[i];

		while (tt_ring_pop(&t->ring, &h)) {
			if (!tt_tag_ok(&h, t->ring.from))
				tt_error(&t->own, "passed object changed hands");
			tt_free(&t->own, h.obj);
		}
	}
}

static void tt_add_counts(u64 *sum, const struct tt_owner *o)
{
	unsigned int i;

	for (i = 0; i < TT_NR_COUNTS; i++)
		sum[i] += o->n[i];
}

/* Totals into tt_res; returns the objects the threads still hold. */
static long tt_collect(struct tt_run *run)
{
	long held = 0;
	unsigned int i;

	for (i = 0; i < run->nr; i++) {
		struct tt_thread *t = &run->threads[i];

		tt_add_counts(tt_res.n, &t->own);
		tt_add_counts(tt_res.n, &t->irq[0].own);
		tt_add_counts(tt_res.n, &t->irq[1].own);
		tt_res.hard_ops += t->irq[0].own.n[TT_OPS];
		tt_res.soft_ops += t->irq[1].own.n[TT_OPS];
		tt_res.irq_calls += t->irq[0].own.n[TT_ALLOC] +
				    t->irq[0].own.n[TT_FREE] +
				    t->irq[1].own.n[TT_ALLOC] +
				    t->irq[1].own.n[TT_FREE];
		held += t->own.nheld;
	}
	for (i = 0; i < SC_NR_STATS; i++)
		tt_res.stat[i] = sheaf_cache_stat(run->sc, i) - run->snap[i];
	tt_res.offline_checks = run->offline_checks;
	tt_res.stranded = run->stranded;
	return held;
}

/* After the destroy: the base takes back what the threads kept. */
static void tt_release_kept(struct tt_run *run)
{
	unsigned int i;

	for (i = 0; i < run->nr; i++) {
		struct tt_owner *o = &run->threads[i].own;
		u64 errors = o->n[TT_ERRORS];

		while (o->nheld)
			kmem_cache_free(tt_base, tt_take(o, 0).obj);
		tt_res.n[TT_ERRORS] += o->n[TT_ERRORS] - errors;
	}
}

static void tt_print_counts(void)
{
	char buf[320];
	int len = 0;
	unsigned int i;

	for (i = 0; i < TT_NR_COUNTS; i++)
		if (tt_res.n[i])
			len += scnprintf(buf + len, sizeof(buf) - len,
					 " %s=%llu", tt_count_names[i],
					 tt_res.n[i]);
	pr_info("#%s\n", buf);
	pr_info("# cache: reentrant=%llu refill_fail=%llu prefill_fail=%llu cpu_dead=%llu; irq: hardirq_ops=%llu softirq_ops=%llu\n",
		tt_res.stat[SC_REENTRANT], tt_res.stat[SC_REFILL_FAIL],
		tt_res.stat[SC_PREFILL_FAIL], tt_res.stat[SC_CPU_DEAD],
		tt_res.hard_ops, tt_res.soft_ops);
	pr_info("# capacity: grow=%llu (contended=%llu oversize=%llu) shrink=%llu pressure=%llu refilled=%llu flushed=%llu barn_get=%llu barn_get_fail=%llu barn_put_fail=%llu\n",
		tt_res.stat[SC_CAPACITY_GROW],
		tt_res.stat[SC_CAPACITY_CONTENDED],
		tt_res.stat[SC_CAPACITY_OVERSIZE], tt_res.stat[SC_CAPACITY_SHRINK],
		tt_res.stat[SC_CAPACITY_PRESSURE], tt_res.stat[SC_REFILL],
		tt_res.stat[SC_FLUSH], tt_res.stat[SC_BARN_GET],
		tt_res.stat[SC_BARN_GET_FAIL], tt_res.stat[SC_BARN_PUT_FAIL]);
}

/*
 * Where CPUs die, shrink first: a CPU dying between two reads would move
 * objects from the cache to the base. Nothing may stay cached then: what
 * would is stranded on an offline CPU.
 */
static bool tt_run_conserved(struct tt_run *run, struct tt_cache *c,
			     long held)
{
	/* Objects on their way back through RCU are in neither count. */
	sheaf_cache_rcu_barrier(c->sc);
	if (run->spec->hotplug) {
		sheaf_cache_shrink(c->sc);
		if (!EXPECT_EQ(sheaf_cache_cached_objects(c->sc), 0))
			return false;
	}
	return tt_conserved(c, held);
}

static void tt_run_threads(struct tt_run *run)
{
	pr_info("# %u %s threads%s, %u ms, seed %llu\n", run->nr,
		run->spec->bound ? "bound" : "unbound",
		run->spec->irq ? " with hardirq and softirq timers" : "",
		tt_ms, seed);
	run->end = ktime_add_ms(ktime_get(), tt_ms);
	run->cap = ktime_add_ms(ktime_get(), 4 * tt_ms);
	run->arm_at = ktime_add_ms(ktime_get(), tt_ms / 4);
	if (run->spec->bound)
		tt_start_bound(run);
	else
		tt_start_unbound(run);
	tt_wait(run);
}

static struct tt_run *tt_run_alloc(const struct tt_spec *spec,
				   struct sheaf_cache *sc)
{
	struct tt_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	unsigned int i;

	if (!run)
		return NULL;
	run->spec = spec;
	run->sc = sc;
	spin_lock_init(&run->slots.lock);
	/* Unbound: more threads than CPUs, so every CPU that is up works. */
	run->nr = spec->bound ? num_online_cpus() : 2 * num_possible_cpus();
	run->threads = kvcalloc(run->nr, sizeof(*run->threads), GFP_KERNEL);
	if (!run->threads) {
		kfree(run);
		return NULL;
	}
	for (i = 0; i < run->nr; i++)
		tt_thread_init(run, i);
	for (i = 0; i < SC_NR_STATS; i++)
		run->snap[i] = sheaf_cache_stat(sc, i);
	return run;
}

/*
 * One timed run on a fresh cache, judged by the cases after it through
 * tt_res. The threads keep what they hold through the destroy, which must
 * leave exactly those objects with the base.
 */
static int tt_timed(const struct tt_spec *spec)
{
	struct tt_cache c;
	struct tt_run *run;
	long held;
	int ret;

	memset(&tt_res, 0, sizeof(tt_res));
	ret = tt_open(&c, CAP, MAX_FULL, MAX_FULL);
	if (ret)
		return ret;
	run = tt_run_alloc(spec, c.sc);
	if (!run) {
		tt_close(&c, 0);
		return -ENOMEM;
	}
	tt_run_threads(run);
	tt_drain_rings(run);
	held = tt_collect(run);
	tt_res.conserved = tt_run_conserved(run, &c, held);
	tt_res.accounted = tt_close(&c, held);
	tt_release_kept(run);
	tt_print_counts();
	tt_fig.ops += tt_res.n[TT_OPS];
	tt_fig.alloc_null += tt_res.n[TT_ALLOC_NULL];
	tt_fig.irq_ops += tt_res.hard_ops + tt_res.soft_ops;
	kvfree(run->threads);
	kfree(run);
	tt_res.ran = true;
	/* No owner found one of its objects changed hands. */
	EXPECT_EQ(tt_res.n[TT_ERRORS], 0);
	return 0;
}

/* ===== Cases shared by the timed modes ================================ */

/* Every alloc and free call is counted once, as fast or slow. */
int test_stats_consistent(void)
{
	if (!EXPECT(tt_res.ran))
		return -EINVAL;
	EXPECT_EQ(tt_res.stat[SC_ALLOC_FAST] + tt_res.stat[SC_ALLOC_SLOW],
		  tt_res.n[TT_ALLOC]);
	EXPECT_EQ(tt_res.stat[SC_FREE_FAST] + tt_res.stat[SC_FREE_SLOW],
		  tt_res.n[TT_FREE]);
	EXPECT_EQ(tt_res.stat[SC_FREE_RCU], tt_res.n[TT_FREE_RCU]);
	EXPECT(tt_res.stat[SC_ALLOC_SLOW] >= tt_res.n[TT_ALLOC_NULL]);
	EXPECT(tt_res.conserved);
	return 0;
}

/* Not one object lost or leaked, here and over every case before. */
int test_base_accounting(void)
{
	long now = tt_slab_objects();

	if (tt_fig.inexact || now < 0 || tt_base_start < 0)
		return sc_test_skip("no exact slab count: boot with slub_debug=FZP,sc_st_acct*");
	if (tt_res.ran)
		EXPECT(tt_res.accounted);
	EXPECT_EQ(tt_fig.unaccounted, 0);
	EXPECT_EQ(now, tt_base_start);
	return 0;
}

/* ===== mode=stress, mode=hotplug ====================================== */

int test_stress(void)
{
	int ret = tt_timed(&spec_stress);

	if (!ret)
		EXPECT(tt_res.n[TT_FROM_SHEAF]);
	return ret;
}

int test_stress_under_hotplug(void)
{
	return tt_timed(&spec_hotplug);
}

int test_cpus_went_offline(void)
{
	if (!EXPECT(tt_res.ran))
		return -EINVAL;
	pr_info("# %llu CPU deaths seen by the cache, %lu checks of offline CPUs\n",
		tt_res.stat[SC_CPU_DEAD], tt_res.offline_checks);
	EXPECT(tt_res.stat[SC_CPU_DEAD]);
	EXPECT(tt_res.offline_checks);
	return 0;
}

int test_nothing_stranded(void)
{
	if (!EXPECT(tt_res.ran))
		return -EINVAL;
	EXPECT_EQ(tt_res.stranded, 0);
	EXPECT(tt_res.conserved);
	return 0;
}

/* ===== mode=irq ======================================================= */

int test_irq_stress(void)
{
	int ret = tt_timed(&spec_irq);

	if (ret)
		return ret;
	EXPECT(tt_res.hard_ops);
	EXPECT(tt_res.soft_ops);
	return 0;
}

/* The re-entrancy fallback fired, and only where it can: in interrupts. */
int test_reentrant_fired(void)
{
	if (!EXPECT(tt_res.ran))
		return -EINVAL;
	pr_info("# reentrant fallbacks: %llu of %llu interrupt-context calls\n",
		tt_res.stat[SC_REENTRANT], tt_res.irq_calls);
	EXPECT(tt_res.stat[SC_REENTRANT]);
	EXPECT(tt_res.stat[SC_REENTRANT] <= tt_res.irq_calls);
	return 0;
}

/* ===== mode=soak ====================================================== */

int test_soak(void)
{
	int ret = tt_timed(&spec_soak);
	unsigned int op;

	if (ret)
		return ret;
	pr_info("# soak: %llu operations, %llu of them from interrupts\n",
		tt_res.n[TT_OPS], tt_res.hard_ops + tt_res.soft_ops);
	/* Failures are not injected here; everything else must have run. */
	for (op = TT_ALLOC; op < TT_ERRORS; op++) {
		if (op == TT_ALLOC_NULL || op == TT_PREFILL_NULL ||
		    op == TT_REFILL_ENOMEM || tt_res.n[op])
			continue;
		pr_info("# the soak never did %s\n", tt_count_names[op]);
		sc_test.failed = true;
	}
	return 0;
}

/*
 * The stress, failures on after a quarter of the run: every contract
 * holds (prefill NULL or enough, refill 0 or -ENOMEM with the sheaf as it
 * was, prefilled objects always there) and nothing is lost.
 */
int test_stress_with_faults(void)
{
	u64 seen;
	int ret;

	if ((!slab_pct && !sheaf_pct) || (slab_pct && !tt_failslab_ready))
		return sc_test_skip("no faults armed");
	ret = tt_timed(&spec_faults);
	if (ret)
		return ret;
	/*
	 * Failed sheaf allocations the cache absorbed count too: reservations
	 * that link the sheaves it holds need no new one, and may all succeed.
	 */
	seen = tt_res.stat[SC_REFILL_FAIL] + tt_res.stat[SC_PREFILL_FAIL] +
	       tt_res.stat[SC_SHEAF_ALLOC_FAIL] + tt_res.n[TT_ALLOC_NULL];
	pr_info("# failslab %u%%, fail_sheaf_alloc %u%%: %llu failures seen\n",
		slab_pct, sheaf_pct, seen);
	EXPECT(seen);
	EXPECT(tt_res.n[TT_FROM_SHEAF]);
	/* Callers saw failures, returned cleanly (the helpers checked). */
	if (slab_pct >= 50)
		EXPECT(tt_res.n[TT_ALLOC_NULL] || tt_res.n[TT_PREFILL_NULL] ||
		       tt_res.n[TT_REFILL_ENOMEM]);
	/* Only the base failing can fail an allocation. */
	if (!slab_pct)
		EXPECT_EQ(tt_res.n[TT_ALLOC_NULL], 0);
	EXPECT(tt_res.accounted);
	return 0;
}

