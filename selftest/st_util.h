/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the sheafcache test modules.
 */
#ifndef _SHEAFCACHE_ST_UTIL_H
#define _SHEAFCACHE_ST_UTIL_H

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

/* SLAB_ACCOUNT is 0 on kernels without memcg. */
#define ST_HAVE_ACCOUNT	((__force unsigned long)SLAB_ACCOUNT != 0)

/* Name prefix of the bases whose objects the tests count exactly. */
#define ST_ACCT_PREFIX	"sc_st_acct"

/*
 * A base cache of its own, never merged with another: SLAB_NO_MERGE from
 * 6.5; before, a usercopy region, which keeps a cache apart only with
 * CONFIG_HARDENED_USERCOPY (Debian's 6.1 has it). A merged base would
 * share its slabs, with objects of either node, with other caches.
 */
static inline struct kmem_cache *st_base(const char *name, unsigned int size,
					 slab_flags_t flags,
					 void (*ctor)(void *))
{
#ifdef SLAB_NO_MERGE
	flags |= SLAB_NO_MERGE;
#endif
	return kmem_cache_create_usercopy(name, size, 0, flags, 0, size, ctor);
}

/* The first word of /sys/kernel/slab/<cache>/<file>, as a number. */
static inline long st_slab_attr(const char *cache, const char *file)
{
	char path[64], buf[32];
	struct file *f;
	loff_t pos = 0;
	ssize_t len;
	long n;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, file);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return -ENOENT;
	len = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (len <= 0)
		return -EIO;
	buf[len] = '\0';
	buf[strcspn(buf, " ")] = '\0';
	return kstrtol(buf, 10, &n) ? -EINVAL : n;
}

/*
 * Objects @base has handed out, from SLUB's own count. Exact only with
 * slub debugging on the cache (boot with slub_debug=FZP,sc_st_acct*):
 * -ENOENT otherwise.
 */
static inline long st_slab_objects(struct kmem_cache *base, const char *cache)
{
	/* Also empties KASAN's quarantine of the cache's freed objects. */
	kmem_cache_shrink(base);
	if (st_slab_attr(cache, "sanity_checks") != 1)
		return -ENOENT;
	return st_slab_attr(cache, "objects");
}

#endif /* _SHEAFCACHE_ST_UTIL_H */
