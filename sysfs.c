// SPDX-License-Identifier: GPL-2.0
/*
 * sheafcache's statistics and tuning where lockdown allows them, as SLUB
 * keeps its own in /sys/kernel/slab/<cache>/: one value per file in
 * /sys/kernel/sheafcache/<cache>/, and one line per cache in
 * /proc/sheafinfo. debugfs refuses every file with a write bit under
 * lockdown's integrity mode (Secure Boot), sysfs and procfs do not.
 *
 *   <counter>          one per enum sheaf_cache_stat_item, named as in
 *                      debugfs: "<total> C0=<n> C1=<n> ..." as SLUB's
 *                      stat files; write 0 to clear it
 *   capacity           objects per sheaf, as tuned; writable, at least
 *                      min_capacity
 *   min_capacity       the creator's sheaf_capacity (0: none asked for)
 *   max_capacity       the most the capacity tunes itself to
 *   max_bytes          the byte budget (0: none)
 *   budget_bytes       what the budget counts: the capacities of the
 *                      sheaves held, in bytes (0 without a budget)
 *   max_full_sheaves   per-node barn limits; writable
 *   max_empty_sheaves
 *   object_size        bytes per object
 *   objects            objects held for reuse
 *   bytes              their bytes
 *   sheaves            sheaves held by the CPUs and barns
 *   shrink             write 1 to give every cached object back
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "core.h"
#include "trace.h"

/* From VERSION (Kbuild), as DKMS and the Debian package have it. */
MODULE_VERSION(SHEAFCACHE_VERSION);

/* The /proc/sheafinfo header; its version changes with the line format. */
#define SC_SHEAFINFO_HEADER	"sheafcache - version: 1.0"

/* /sys/kernel/sheafcache; NULL if it could not be made. */
static struct kobject *sc_sysfs_root;
/* The caches /proc/sheafinfo shows, in creation order. */
static LIST_HEAD(sc_sysfs_caches);
static DEFINE_MUTEX(sc_sysfs_lock);

/**
 * struct sc_kobj - a cache's sysfs directory
 * @kobj: the directory, freed on its last reference
 * @sc: the cache; the directory is removed before the cache is freed,
 *	and the removal waits for every show and store in progress
 */
struct sc_kobj {
	struct kobject kobj;
	struct sheaf_cache *sc;
};

static struct sheaf_cache *sc_of(struct kobject *kobj)
{
	return container_of(kobj, struct sc_kobj, kobj)->sc;
}

/* ===== Per-cache files ================================================ */

#define SC_ATTR_RO(_name)						\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lu\n",					\
			  (unsigned long)sc_show_##_name(sc_of(kobj)));	\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

/*
 * A tunable's write: one decimal number, which @tune checks and applies,
 * or -EINVAL with nothing changed.
 */
static ssize_t sc_store(struct sheaf_cache *sc, const char *buf,
			size_t count,
			int (*tune)(struct sheaf_cache *sc, unsigned int val))
{
	unsigned int val;
	int err;

	err = kstrtouint(buf, 10, &val);
	if (err)
		return -EINVAL;
	mutex_lock(&sc_tune_mutex);
	err = tune(sc, val);
	mutex_unlock(&sc_tune_mutex);
	return err ?: count;
}

/* Below the creator's sheaf_capacity its reservations would be oversize. */
static int sc_tune_capacity(struct sheaf_cache *sc, unsigned int val)
{
	if (!val || val < sc->min_capacity || val > SHEAF_CACHE_MAX_CAPACITY)
		return -EINVAL;
	return sc_resheave(sc, val);
}

/* The barn limits are read where sheaves are put: a store is enough. */
static int sc_tune_max_full(struct sheaf_cache *sc, unsigned int val)
{
	if (val > SHEAF_CACHE_MAX_BARN)
		return -EINVAL;
	WRITE_ONCE(sc->max_full, val);
	return 0;
}

static int sc_tune_max_empty(struct sheaf_cache *sc, unsigned int val)
{
	if (val > SHEAF_CACHE_MAX_BARN)
		return -EINVAL;
	WRITE_ONCE(sc->max_empty, val);
	return 0;
}

static ssize_t capacity_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(sc_of(kobj)->capacity));
}

static ssize_t capacity_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	return sc_store(sc_of(kobj), buf, count, sc_tune_capacity);
}

static struct kobj_attribute capacity_attr = __ATTR_RW(capacity);

/* The files are named as the creation arguments, not the fields. */
static ssize_t max_full_sheaves_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(sc_of(kobj)->max_full));
}

static ssize_t max_full_sheaves_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	return sc_store(sc_of(kobj), buf, count, sc_tune_max_full);
}

static struct kobj_attribute max_full_sheaves_attr = __ATTR_RW(max_full_sheaves);

static ssize_t max_empty_sheaves_show(struct kobject *kobj,
				      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(sc_of(kobj)->max_empty));
}

static ssize_t max_empty_sheaves_store(struct kobject *kobj,
				       struct kobj_attribute *attr,
				       const char *buf, size_t count)
{
	return sc_store(sc_of(kobj), buf, count, sc_tune_max_empty);
}

static struct kobj_attribute max_empty_sheaves_attr = __ATTR_RW(max_empty_sheaves);

static unsigned int sc_show_min_capacity(struct sheaf_cache *sc)
{
	return sc->min_capacity;
}
SC_ATTR_RO(min_capacity);

static unsigned int sc_show_max_capacity(struct sheaf_cache *sc)
{
	return sc->ceiling;
}
SC_ATTR_RO(max_capacity);

static unsigned long sc_show_max_bytes(struct sheaf_cache *sc)
{
	return sc->max_held * sc->object_size;
}
SC_ATTR_RO(max_bytes);

/* The capacities held, which bound the objects: what the budget caps. */
static unsigned long sc_show_budget_bytes(struct sheaf_cache *sc)
{
	return atomic_long_read(&sc->held) * sc->object_size;
}
SC_ATTR_RO(budget_bytes);

static unsigned int sc_show_object_size(struct sheaf_cache *sc)
{
	return sc->object_size;
}
SC_ATTR_RO(object_size);

static unsigned long sc_show_objects(struct sheaf_cache *sc)
{
	return sheaf_cache_cached_objects(sc);
}
SC_ATTR_RO(objects);

static unsigned long sc_show_bytes(struct sheaf_cache *sc)
{
	return sheaf_cache_cached_objects(sc) * sc->object_size;
}
SC_ATTR_RO(bytes);

static unsigned long sc_show_sheaves(struct sheaf_cache *sc)
{
	return sc_nr_sheaves(sc);
}
SC_ATTR_RO(sheaves);

/* As SLUB's shrink file: only "1" means anything. */
static ssize_t shrink_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	unsigned int val;

	if (kstrtouint(buf, 10, &val) || val != 1)
		return -EINVAL;
	sheaf_cache_shrink(sc_of(kobj));
	return count;
}

static struct kobj_attribute shrink_attr = __ATTR_WO(shrink);

static struct attribute *sc_cache_attrs[] = {
	&capacity_attr.attr,
	&min_capacity_attr.attr,
	&max_capacity_attr.attr,
	&max_bytes_attr.attr,
	&budget_bytes_attr.attr,
	&max_full_sheaves_attr.attr,
	&max_empty_sheaves_attr.attr,
	&object_size_attr.attr,
	&objects_attr.attr,
	&bytes_attr.attr,
	&sheaves_attr.attr,
	&shrink_attr.attr,
	NULL
};

static const struct attribute_group sc_cache_group = {
	.attrs = sc_cache_attrs,
};

/*
 * The counters' files, made from the names of enum sheaf_cache_stat_item
 * at load, so that every counter has one.
 */

static struct kobj_attribute sc_stat_attr[SC_NR_STATS];
static struct attribute *sc_stat_attrs[SC_NR_STATS + 1];

static const struct attribute_group sc_stat_group = {
	.attrs = sc_stat_attrs,
};

static ssize_t sc_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct sheaf_cache *sc = sc_of(kobj);
	int item = attr - sc_stat_attr, cpu, len;
	unsigned long *n;
	u64 sum = 0;

	/* One read of each CPU's counter, so that the parts add up. */
	n = kcalloc(nr_cpu_ids, sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		n[cpu] = READ_ONCE(per_cpu_ptr(sc->cpu, cpu)->stat[item]);
		sum += n[cpu];
	}
	len = sysfs_emit(buf, "%llu", sum);
	for_each_possible_cpu(cpu)
		if (n[cpu])
			len += sysfs_emit_at(buf, len, " C%d=%lu", cpu, n[cpu]);
	kfree(n);
	return len + sysfs_emit_at(buf, len, "\n");
}

/* As SLUB's stat files: only "0" means anything, and clears the counter. */
static ssize_t sc_stat_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	struct sheaf_cache *sc = sc_of(kobj);
	int item = attr - sc_stat_attr, cpu;
	unsigned int val;

	if (kstrtouint(buf, 10, &val) || val)
		return -EINVAL;
	for_each_possible_cpu(cpu)
		WRITE_ONCE(per_cpu_ptr(sc->cpu, cpu)->stat[item], 0);
	return count;
}

static void sc_stat_attrs_init(void)
{
	int item;

	for (item = 0; item < SC_NR_STATS; item++) {
		struct kobj_attribute *a = &sc_stat_attr[item];

		sysfs_attr_init(&a->attr);
		a->attr.name = sc_stat_names[item];
		a->attr.mode = 0600;
		a->show = sc_stat_show;
		a->store = sc_stat_store;
		sc_stat_attrs[item] = &a->attr;
	}
}

static const struct attribute_group *sc_cache_groups[] = {
	&sc_cache_group,
	&sc_stat_group,
	NULL
};

static void sc_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct sc_kobj, kobj));
}

static const struct kobj_type sc_ktype = {
	.release	= sc_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= sc_cache_groups,
};

/* ===== /proc/sheafinfo ================================================ */

static void sc_sheafinfo_line(struct seq_file *m, struct sheaf_cache *sc)
{
	unsigned long objects = sheaf_cache_cached_objects(sc);

	seq_printf(m, "%-31s %6u %4u %8lu %6lu %10lu : tunables %4u %4u : stats %llu %llu %llu %llu\n",
		   sc->name, sc->object_size, READ_ONCE(sc->capacity),
		   objects, sc_nr_sheaves(sc), objects * sc->object_size,
		   READ_ONCE(sc->max_full), READ_ONCE(sc->max_empty),
		   sheaf_cache_stat(sc, SC_ALLOC_FAST),
		   sheaf_cache_stat(sc, SC_ALLOC_SLOW),
		   sheaf_cache_stat(sc, SC_FREE_FAST),
		   sheaf_cache_stat(sc, SC_FREE_SLOW));
}

/* One line per cache under a versioned header, as /proc/slabinfo. */
static int sc_sheafinfo_show(struct seq_file *m, void *v)
{
	struct sheaf_cache *sc;

	seq_puts(m, SC_SHEAFINFO_HEADER "\n");
	seq_puts(m, "# name <object_size> <capacity> <objects> <sheaves> <bytes> : tunables <max_full_sheaves> <max_empty_sheaves> : stats <alloc_fast> <alloc_slow> <free_fast> <free_slow>\n");
	mutex_lock(&sc_sysfs_lock);
	list_for_each_entry(sc, &sc_sysfs_caches, sysfs_list)
		sc_sheafinfo_line(m, sc);
	mutex_unlock(&sc_sysfs_lock);
	return 0;
}

/* ===== Registration =================================================== */

/*
 * As with debugfs, a cache works the same without its files: a failure
 * here is reported and nothing else.
 */
void sc_sysfs_add(struct sheaf_cache *sc)
{
	struct sc_kobj *k;

	mutex_lock(&sc_sysfs_lock);
	list_add_tail(&sc->sysfs_list, &sc_sysfs_caches);
	mutex_unlock(&sc_sysfs_lock);
	if (!sc_sysfs_root)
		return;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		goto fail;
	k->sc = sc;
	if (kobject_init_and_add(&k->kobj, &sc_ktype, sc_sysfs_root, "%s",
				 sc->name)) {
		kobject_put(&k->kobj);
		goto fail;
	}
	sc->sysfs = &k->kobj;
	return;
fail:
	pr_warn("%s: no sysfs directory\n", sc->name);
}

void sc_sysfs_remove(struct sheaf_cache *sc)
{
	mutex_lock(&sc_sysfs_lock);
	list_del(&sc->sysfs_list);
	mutex_unlock(&sc_sysfs_lock);
	if (!sc->sysfs)
		return;
	/* Waits for the shows and stores in progress. */
	kobject_del(sc->sysfs);
	kobject_put(sc->sysfs);
	sc->sysfs = NULL;
}

void sc_sysfs_init(void)
{
	sc_stat_attrs_init();
	sc_sysfs_root = kobject_create_and_add(KBUILD_MODNAME, kernel_kobj);
	if (!sc_sysfs_root)
		pr_warn("no /sys/kernel/%s\n", KBUILD_MODNAME);
	if (!proc_create_single("sheafinfo", 0400, NULL, sc_sheafinfo_show))
		pr_warn("no /proc/sheafinfo\n");
}

void sc_sysfs_exit(void)
{
	remove_proc_entry("sheafinfo", NULL);
	kobject_put(sc_sysfs_root);
}
