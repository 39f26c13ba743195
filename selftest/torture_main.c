// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache torture test: the cache under injected allocation failures,
 * CPU hotplug, interrupts, memory pressure and a long randomized soak. One
 * mode per load, each a KTAP document in the kernel log; init fails when a
 * case fails, so insmod says so too.
 *
 *   mode=faults    the base cache's allocations failing (failslab) and
 *                  the cache's own sheaf allocations failing, on one CPU
 *                  and under a stress; the shell arms the faults with
 *                  task-filter and says so in slab_pct= and sheaf_pct=
 *                  (scripts/guest/scenario-faults.sh)
 *   mode=stress    threads on every CPU allocate, free, pass objects to
 *                  each other and use prefilled sheaves
 *   mode=hotplug   the stress on unbound threads while the guest takes
 *                  CPUs offline and back (scripts/guest/scenario-hotplug.sh)
 *   mode=irq       the fast paths hammered on every CPU while hardirq and
 *                  softirq hrtimers allocate and free on the same CPUs
 *   mode=pressure  the shrinker under real memory pressure, and
 *                  sheaf_cache_shrink(); keep=1 leaves a filled cache for
 *                  a drop_caches from the shell, checked at unload
 *   mode=soak      every operation, randomized, from threads and
 *                  interrupts on every CPU for duration_ms
 *
 * Every object a test holds carries its owner's tag, so an object handed
 * to two owners at once is caught. Every cache wraps one base,
 * sc_st_acct_torture, whose objects in use SLUB counts exactly when booted
 * with slub_debug=FZP,sc_st_acct* (the harness does): after each destroy
 * the base must hold exactly the objects the test kept.
 *
 * The closing "# torture:" line gives the figures of the load: cases,
 * what injected failures did (failed refills, NULL allocations; the shell
 * counts the failures it injected), CPU deaths the caches saw, operations
 * from interrupt context, re-entrant fallbacks, operations, and objects
 * unaccounted for.
 *
 * The randomized engine is in torture_engine.c, the deterministic fault
 * and pressure cases in torture_cases.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "torture.h"

static char *mode = "stress";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "faults, stress, hotplug, irq, pressure or soak");

u64 seed;
module_param(seed, ullong, 0444);
MODULE_PARM_DESC(seed, "random seed, printed for replay (0: random)");

static unsigned int duration_ms;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "length of each timed run (0: the mode's)");

unsigned int slab_pct;
module_param(slab_pct, uint, 0444);
MODULE_PARM_DESC(slab_pct, "faults: the failslab probability the shell armed");

unsigned int sheaf_pct;
module_param(sheaf_pct, uint, 0444);
MODULE_PARM_DESC(sheaf_pct, "faults: the fail_sheaf_alloc probability armed");

bool keep;
module_param(keep, bool, 0444);
MODULE_PARM_DESC(keep, "pressure: keep a filled cache until unload");

unsigned int tuned_cap;
module_param(tuned_cap, uint, 0444);
MODULE_PARM_DESC(tuned_cap,
		 "the shell changes capacity through sysfs, up to this (0: it stays as created)");

SC_TEST_STATE;

struct tt_figures tt_fig;
unsigned int tt_ms;

/* ===== The base's object count, failures on request =================== */

struct kmem_cache *tt_base;
long tt_base_start;
bool tt_failslab_ready;

/*
 * Objects the base has handed out, from SLUB's own count, which is exact
 * only with slub debugging on the cache; -ENOENT where it is not.
 */
long tt_slab_objects(void)
{
	return st_slab_objects(tt_base, TT_BASE);
}

/*
 * The base is marked for failslab through its sysfs file: 6.12's
 * kmem_cache_create() refuses SLAB_FAILSLAB (not in SLAB_FLAGS_PERMITTED).
 * The fault attributes in debugfs are the shell's to write: they have no
 * write_iter, which kernel_write() needs.
 */
static void tt_failslab_mark(void)
{
	const char *path = "/sys/kernel/slab/" TT_BASE "/failslab";
	struct file *f;
	loff_t pos = 0;

	if (!IS_ENABLED(CONFIG_FAILSLAB))
		return;
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return;
	tt_failslab_ready = kernel_write(f, "1", 1, &pos) == 1;
	filp_close(f, NULL);
}

/* ===== Caches over the base =========================================== */

static unsigned int tt_seq;

int tt_open_named(struct tt_cache *c, const char *name, unsigned int cap,
		  unsigned int max_full, unsigned int max_empty)
{
	struct sheaf_cache_args args = {
		.sheaf_capacity = cap,
		.max_full_sheaves = max_full,
		.max_empty_sheaves = max_empty,
		.flags = SHEAF_CACHE_RCU_HEAD,
		.rcu_head_offset = TT_RCU_OFFSET,
	};

	c->before = tt_slab_objects();
	c->sc = sheaf_cache_create(name, tt_base, &args);
	if (IS_ERR(c->sc)) {
		pr_info("# cannot create %s: %ld\n", name, PTR_ERR(c->sc));
		return PTR_ERR(c->sc);
	}
	return 0;
}

int tt_open(struct tt_cache *c, unsigned int cap, unsigned int max_full,
	    unsigned int max_empty)
{
	char name[SHEAF_CACHE_NAME_MAX + 1];

	snprintf(name, sizeof(name), "torture%u", ++tt_seq);
	return tt_open_named(c, name, cap, max_full, max_empty);
}

/* Counted exactly, the base's objects in use since the cache was made. */
static bool tt_delta(struct tt_cache *c, long *delta)
{
	long now = tt_slab_objects();

	if (now < 0 || c->before < 0) {
		tt_fig.inexact = true;
		return false;
	}
	*delta = now - c->before;
	return true;
}

/*
 * With nobody using the cache, the base's objects in use are those the
 * cache holds and the @held ones the test has. The trim is stopped for
 * good first: it takes sheaves out of a barn before it flushes them, and
 * meanwhile their objects are in neither count.
 */
bool tt_conserved(struct tt_cache *c, long held)
{
	unsigned long cached;
	long delta;

	cancel_delayed_work_sync(&c->sc->trim);
	if (!tt_delta(c, &delta))
		return true;
	cached = sheaf_cache_cached_objects(c->sc);
	if (delta == (long)cached + held)
		return true;
	pr_info("# base has %ld objects out, cache holds %lu, test %ld\n",
		delta, cached, held);
	sc_test.failed = true;
	return false;
}

/*
 * Destroy the cache; the base must then hold exactly the @kept objects
 * the test still has: not one lost or leaked.
 */
bool tt_close(struct tt_cache *c, long kept)
{
	long delta;

	tt_fig.cpu_dead += sheaf_cache_stat(c->sc, SC_CPU_DEAD);
	tt_fig.refill_fail += sheaf_cache_stat(c->sc, SC_REFILL_FAIL);
	tt_fig.reentrant += sheaf_cache_stat(c->sc, SC_REENTRANT);
	sheaf_cache_destroy(c->sc);
	c->sc = NULL;
	if (!tt_delta(c, &delta) || delta == kept)
		return true;
	pr_info("# after destroy the base has %ld objects out, the test kept %ld\n",
		delta, kept);
	tt_fig.unaccounted += abs(delta - kept);
	sc_test.failed = true;
	return false;
}

/* Objects in the barns' full sheaves: what the shrinker can give back. */
unsigned long tt_barn_objects(struct sheaf_cache *sc)
{
	unsigned long n = 0;
	int nid;

	for_each_node(nid)
		n += READ_ONCE(sc->barns[nid]->full_objects);
	return n;
}

/* Allocate @n objects, then free them: they end up cached on this CPU. */
int tt_fill(struct sheaf_cache *sc, unsigned int n)
{
	void **chain = NULL, **obj;
	int ret = 0;

	while (n--) {
		obj = sheaf_cache_alloc(sc, GFP_KERNEL);
		if (!obj) {
			ret = -ENOMEM;
			break;
		}
		*obj = chain;
		chain = obj;
	}
	while (chain) {
		obj = chain;
		chain = *obj;
		sheaf_cache_free(sc, obj);
	}
	return ret;
}

/* ===== Modes and the runner =========================================== */

/* The modes, as case flags: each case runs in the modes it names. */
enum {
	TT_FAULTS	= BIT(0),
	TT_STRESS	= BIT(1),
	TT_HOTPLUG	= BIT(2),
	TT_IRQ		= BIT(3),
	TT_PRESSURE	= BIT(4),
	TT_SOAK		= BIT(5),
	/* Not a mode: at unload, when keep=1 left a cache. */
	TT_KEPT_CASES	= BIT(6),
};

#define TT_TIMED	(TT_FAULTS | TT_STRESS | TT_HOTPLUG | TT_IRQ | TT_SOAK)
#define CASE(n, modes)	SC_TEST_CASE_ATTR(n, modes)

/* In the order they run: every mode checks the counters and the base last. */
static const struct sc_test_case tt_cases[] = {
	CASE(prefill_fails_cleanly, TT_FAULTS),
	CASE(refill_enomem_keeps_sheaf, TT_FAULTS),
	CASE(prefilled_sheaf_survives, TT_FAULTS),
	CASE(fast_path_falls_back, TT_FAULTS),
	CASE(sheaf_alloc_fails, TT_FAULTS),
	CASE(nofail_prefill_succeeds, TT_FAULTS),
	CASE(bulk_fails_cleanly, TT_FAULTS),
	CASE(free_rcu_falls_back, TT_FAULTS),
	CASE(stress_with_faults, TT_FAULTS),
	CASE(stress, TT_STRESS),
	CASE(stress_under_hotplug, TT_HOTPLUG),
	CASE(cpus_went_offline, TT_HOTPLUG),
	CASE(nothing_stranded, TT_HOTPLUG),
	CASE(irq_stress, TT_IRQ),
	CASE(reentrant_fired, TT_IRQ),
	CASE(shrinker_under_pressure, TT_PRESSURE),
	CASE(shrink_returns_everything, TT_PRESSURE),
	CASE(soak, TT_SOAK),
	CASE(stats_consistent, TT_TIMED),
	CASE(base_accounting, TT_TIMED | TT_PRESSURE),
	CASE(kept_for_drop_caches, TT_PRESSURE),
	CASE(drop_caches_emptied_barns, TT_KEPT_CASES),
	CASE(kept_cache_works, TT_KEPT_CASES),
	CASE(kept_cache_accounting, TT_KEPT_CASES),
};

struct tt_mode {
	const char *name;
	unsigned long flag;
	unsigned int ms;	/* default duration of a timed run */
};

static const struct tt_mode tt_modes[] = {
	{ "faults",	TT_FAULTS,	3000 },
	{ "stress",	TT_STRESS,	5000 },
	{ "hotplug",	TT_HOTPLUG,	10000 },
	{ "irq",	TT_IRQ,		5000 },
	{ "pressure",	TT_PRESSURE,	0 },
	{ "soak",	TT_SOAK,	30000 },
};

/* The cases of the mode running, or of the unload. */
static unsigned long tt_running;

static int tt_filter(const struct sc_test_case *c)
{
	return c->attr & tt_running ? 0 : SC_TEST_OMIT;
}

/* One line with every figure, for the harness's closing note. */
static void tt_summary(unsigned int cases, unsigned int failed)
{
	/* No exact count: the figure is a lower bound. */
	const char *inexact = tt_fig.inexact ? "?" : "";

	pr_info("# torture: mode=%s seed=%llu cases=%u failed=%u refill_fail=%llu alloc_null=%llu cpu_dead=%llu irq_ops=%llu reentrant=%llu ops=%llu unaccounted=%llu%s\n",
		mode, seed, cases, failed, tt_fig.refill_fail,
		tt_fig.alloc_null, tt_fig.cpu_dead, tt_fig.irq_ops,
		tt_fig.reentrant, tt_fig.ops, tt_fig.unaccounted, inexact);
}

/* The running mode's cases as one KTAP document; how many failed. */
static unsigned int tt_run(unsigned long flag)
{
	unsigned int failed, i, nr = 0;

	tt_running = flag;
	failed = sc_test_run(tt_cases, ARRAY_SIZE(tt_cases), tt_filter);
	for (i = 0; i < ARRAY_SIZE(tt_cases); i++)
		nr += !tt_filter(&tt_cases[i]);
	tt_summary(nr, failed);
	return failed;
}

static int __init torture_init(void)
{
	const struct tt_mode *m = NULL;
	unsigned int i, failed;

	for (i = 0; i < ARRAY_SIZE(tt_modes); i++)
		if (!strcmp(mode, tt_modes[i].name))
			m = &tt_modes[i];
	if (!m) {
		pr_err("unknown mode=%s\n", mode);
		return -EINVAL;
	}
	if (!seed)
		seed = get_random_u64();
	tt_ms = duration_ms ?: m->ms;
	if (slab_pct > 100 || sheaf_pct > 100)
		return -EINVAL;

	tt_base = st_base(TT_BASE, OBJ_SIZE, 0, NULL);
	if (!tt_base)
		return -ENOMEM;
	tt_base_start = tt_slab_objects();
	if (slab_pct)
		tt_failslab_mark();

	failed = tt_run(m->flag);
	if (failed && tt_kept.sc)
		tt_close(&tt_kept, 0);
	if (!tt_kept.sc)
		kmem_cache_destroy(tt_base);
	return failed ? -EINVAL : 0;
}

static void __exit torture_exit(void)
{
	if (!tt_kept.sc)
		return;
	tt_run(TT_KEPT_CASES);
	kmem_cache_destroy(tt_base);
}

module_init(torture_init);
module_exit(torture_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sheafcache torture test: faults, hotplug, interrupts, pressure, soak");

