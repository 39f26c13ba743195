/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces that differ between the kernels sheafcache
 * supports (6.1 and 6.12), each behind one small helper. Kbuild detects
 * them in the target kernel's headers (SHEAFCACHE_HAVE_*) rather than
 * comparing version numbers, which distributions' backports make unreliable.
 */
#ifndef _SHEAFCACHE_COMPAT_H
#define _SHEAFCACHE_COMPAT_H

#include <linux/shrinker.h>
#include <linux/slab.h>

#ifdef SHEAFCACHE_HAVE_SHRINKER_ALLOC

static inline struct shrinker *
sc_shrinker_create(const char *name, void *priv,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct shrinker *s = shrinker_alloc(0, "sheafcache-%s", name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->private_data = priv;
	shrinker_register(s);
	return s;
}

static inline void *sc_shrinker_priv(struct shrinker *s)
{
	return s->private_data;
}

static inline void sc_shrinker_destroy(struct shrinker *s)
{
	shrinker_free(s);
}

#else /* before 6.7: caller-allocated shrinkers, no private data */

struct sc_shrinker_box {
	struct shrinker shrinker;
	void *priv;
};

static inline struct shrinker *
sc_shrinker_create(const char *name, void *priv,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct sc_shrinker_box *box = kzalloc(sizeof(*box), GFP_KERNEL);

	if (!box)
		return NULL;
	box->shrinker.count_objects = count;
	box->shrinker.scan_objects = scan;
	box->shrinker.seeks = DEFAULT_SEEKS;
	box->priv = priv;
	if (register_shrinker(&box->shrinker, "sheafcache-%s", name)) {
		kfree(box);
		return NULL;
	}
	return &box->shrinker;
}

static inline void *sc_shrinker_priv(struct shrinker *s)
{
	return container_of(s, struct sc_shrinker_box, shrinker)->priv;
}

static inline void sc_shrinker_destroy(struct shrinker *s)
{
	unregister_shrinker(s);
	kfree(container_of(s, struct sc_shrinker_box, shrinker));
}

#endif

#endif /* _SHEAFCACHE_COMPAT_H */
