// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache debugfs: /sys/kernel/debug/sheafcache/<name>/
 *
 *   stats    event counters, "<name> <total> C0=<n> C1=<n> ..." as SLUB
 *            prints its own
 *   sheaves  each CPU's main and spare fill, each node's barn
 *   cached   objects and bytes held for reuse, and the sheaves holding them
 *   borrowed each prefilled sheaf out with a caller: "<caller> size=<n>
 *            out_ms=<ms>", then "untracked <n>" for those not listed
 *
 * Every file is mode 0400 with no write, ioctl or mmap: lockdown's
 * integrity mode (Secure Boot) refuses any other debugfs file even for
 * reading (debugfs_locked_down()). Clearing the counters, shrinking and
 * tuning are in sysfs (sysfs.c). The one exception is, on kernels with
 * CONFIG_FAULT_INJECTION_DEBUG_FS, the usual fault attributes in
 * /sys/kernel/debug/sheafcache/fail_sheaf_alloc/, which the kernel makes
 * only in debugfs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>

#include "internal.h"

const char * const sc_stat_names[] = {
	[SC_ALLOC_FAST]		= "alloc_fast",
	[SC_ALLOC_SLOW]		= "alloc_slow",
	[SC_FREE_FAST]		= "free_fast",
	[SC_FREE_SLOW]		= "free_slow",
	[SC_REENTRANT]		= "reentrant",
	[SC_SWAP]		= "sheaf_swap",
	[SC_REFILL]		= "sheaf_refill",
	[SC_REFILL_FAIL]	= "sheaf_refill_fail",
	[SC_FLUSH]		= "sheaf_flush",
	[SC_SHEAF_ALLOC]	= "sheaf_alloc",
	[SC_SHEAF_FREE]		= "sheaf_free",
	[SC_BARN_GET]		= "barn_get",
	[SC_BARN_GET_FAIL]	= "barn_get_fail",
	[SC_BARN_PUT]		= "barn_put",
	[SC_BARN_PUT_FAIL]	= "barn_put_fail",
	[SC_PREFILL_FAST]	= "prefill_fast",
	[SC_PREFILL_SLOW]	= "prefill_slow",
	[SC_PREFILL_OVERSIZE]	= "prefill_oversize",
	[SC_PREFILL_FAIL]	= "prefill_fail",
	[SC_RETURN_FAST]	= "return_fast",
	[SC_RETURN_SLOW]	= "return_slow",
	[SC_CPU_DEAD]		= "cpu_dead",
	[SC_SHRINK]		= "shrunk",
	[SC_SHEAF_ALLOC_FAIL]	= "sheaf_alloc_fail",
	[SC_FREE_REMOTE]	= "free_remote",
	[SC_ALLOC_REMOTE]	= "alloc_remote",
	[SC_ACCOUNT_BYPASS]	= "account_bypass",
	[SC_PFMEMALLOC]		= "pfmemalloc",
	[SC_ALLOC_BULK]		= "alloc_bulk",
	[SC_FREE_BULK]		= "free_bulk",
	[SC_FREE_RCU]		= "free_rcu",
	[SC_RCU_SHEAF]		= "rcu_sheaf",
	[SC_RCU_SHEAF_PARTIAL]	= "rcu_sheaf_partial",
	[SC_RCU_SHEAF_BARN]	= "rcu_sheaf_barn",
	[SC_RCU_SHEAF_FLUSH]	= "rcu_sheaf_flush",
	[SC_FREE_RCU_FALLBACK]	= "free_rcu_fallback",
	[SC_CAPACITY_GROW]	= "capacity_grow",
	[SC_CAPACITY_SHRINK]	= "capacity_shrink",
	[SC_CAPACITY_PRESSURE]	= "capacity_pressure",
	[SC_TRIM]		= "trimmed",
	[SC_BUDGET_DENY]	= "budget_deny",
	[SC_POISON_FAIL]	= "poison_fail",
	[SC_BYPASS]		= "bypass",
	[SC_SHEAF_OVERDUE]	= "sheaf_overdue",
	[SC_CAPACITY_CONTENDED]	= "capacity_grow_contended",
	[SC_CAPACITY_OVERSIZE]	= "capacity_grow_oversize",
};

static_assert(ARRAY_SIZE(sc_stat_names) == SC_NR_STATS);

/* The top directory, /sys/kernel/debug/sheafcache. */
static struct dentry *sc_debugfs_root;

static int stats_show(struct seq_file *m, void *v)
{
	struct sheaf_cache *sc = m->private;
	int item, cpu;

	for (item = 0; item < SC_NR_STATS; item++) {
		seq_printf(m, "%-18s %llu", sc_stat_names[item],
			   sheaf_cache_stat(sc, item));
		for_each_possible_cpu(cpu) {
			unsigned long n;

			n = READ_ONCE(per_cpu_ptr(sc->cpu, cpu)->stat[item]);
			if (n)
				seq_printf(m, " C%d=%lu", cpu, n);
		}
		seq_putc(m, '\n');
	}
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(stats);

static void sheaf_show(struct seq_file *m, const char *what,
		       struct sheaf *sheaf)
{
	if (sheaf)
		seq_printf(m, " %s=%u/%u", what, READ_ONCE(sheaf->size),
			   sheaf->capacity);
	else
		seq_printf(m, " %s=-", what);
}

static int sheaves_show(struct seq_file *m, void *v)
{
	struct sheaf_cache *sc = m->private;
	int cpu, nid;

	seq_printf(m, "capacity %u max_full %u max_empty %u\n",
		   sc->capacity, sc->max_full, sc->max_empty);
	/* RCU keeps a sheaf another CPU is swapping out readable. */
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct sc_cpu *pcp = per_cpu_ptr(sc->cpu, cpu);

		seq_printf(m, "C%d%s", cpu, cpu_online(cpu) ? "" : " (offline)");
		sheaf_show(m, "main", READ_ONCE(pcp->main));
		sheaf_show(m, "spare", READ_ONCE(pcp->spare));
		seq_printf(m, " stash=%u\n", READ_ONCE(pcp->nr_stash));
	}
	rcu_read_unlock();
	/* contended: the tuner's count of waits for the barn's lock. */
	for_each_node(nid)
		seq_printf(m, "N%d full=%u empty=%u contended=%lu\n", nid,
			   READ_ONCE(sc->barns[nid]->nr_full),
			   READ_ONCE(sc->barns[nid]->nr_empty),
			   READ_ONCE(sc->barns[nid]->contended));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sheaves);

static int cached_show(struct seq_file *m, void *v)
{
	struct sheaf_cache *sc = m->private;
	unsigned long objects = sheaf_cache_cached_objects(sc);
	unsigned long sheaves = sc_nr_sheaves(sc);

	seq_printf(m, "objects %lu\n", objects);
	seq_printf(m, "bytes %lu\n", objects * sc->object_size);
	seq_printf(m, "sheaves %lu\n", sheaves);
	seq_printf(m, "sheaf_bytes %lu\n",
		   sheaves * struct_size((struct sheaf *)NULL, objects,
					 sc->capacity));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cached);

static int borrowed_show(struct seq_file *m, void *v)
{
	sc_borrowed_print(m->private, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(borrowed);

void sc_debugfs_add(struct sheaf_cache *sc)
{
	struct dentry *dir;

	dir = debugfs_create_dir(sc->name, sc_debugfs_root);
	debugfs_create_file("stats", 0400, dir, sc, &stats_fops);
	debugfs_create_file("sheaves", 0400, dir, sc, &sheaves_fops);
	debugfs_create_file("cached", 0400, dir, sc, &cached_fops);
	debugfs_create_file("borrowed", 0400, dir, sc, &borrowed_fops);
	sc->debugfs = dir;
}

void sc_debugfs_remove(struct sheaf_cache *sc)
{
	/* Waits for readers still inside the files. */
	debugfs_remove_recursive(sc->debugfs);
	sc->debugfs = NULL;
}

/*
 * Nothing here can fail the module: the caches work the same without
 * their files. As the debugfs API asks, no result is checked: a directory
 * that could not be made is an ERR_PTR, which every later debugfs call
 * under it (sc_debugfs_add(), the removals) takes and ignores.
 */
void sc_debugfs_init(void)
{
	sc_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	/* Kernels with fault injection: fail our own sheaf allocations. */
	fault_create_debugfs_attr("fail_sheaf_alloc", sc_debugfs_root,
				  &sc_fail_sheaf_alloc);
#endif
}

void sc_debugfs_exit(void)
{
	debugfs_remove_recursive(sc_debugfs_root);
}
