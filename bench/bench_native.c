// SPDX-License-Identifier: GPL-2.0
/*
 * The guaranteed case against the kernel's own sheaves (6.18 on), which
 * it does not export to modules: kmem_cache_prefill_sheaf() and its two
 * partners are found by name through a kprobe, in the benchmark only,
 * which runs in a VM guest. Not where IBT is on: a function the kernel
 * never takes the address of has had its ENDBR sealed, and an indirect
 * call to it would fault. Each n reserves from a native cache created
 * with sheaf_capacity n, which the kernel raises to its default (7.3's
 * calculate_sheaf_capacity()): the cache a native user would make.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "bench.h"

#if defined(SHEAFCACHE_HAVE_NATIVE_SHEAVES) && defined(CONFIG_KPROBES)

#include <linux/uaccess.h>
#include <asm/cpufeature.h>

/* endbr64, as a little-endian word. */
#define NATIVE_ENDBR64		0xfa1e0ff3U

static struct slab_sheaf *(*native_prefill)(struct kmem_cache *s, gfp_t gfp,
					    unsigned int size);
static void *(*native_alloc)(struct kmem_cache *s, gfp_t gfp,
			     struct slab_sheaf *sheaf);
static void (*native_return)(struct kmem_cache *s, gfp_t gfp,
			     struct slab_sheaf *sheaf);

/* The start of a kernel function, or NULL; a kprobe skips its ENDBR. */
static void *native_lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	void *addr;
	u32 insn;

	if (register_kprobe(&kp))
		return NULL;
	addr = kp.addr;
	unregister_kprobe(&kp);
	if (addr && !copy_from_kernel_nofault(&insn, addr - sizeof(insn),
					      sizeof(insn)) &&
	    insn == NATIVE_ENDBR64)
		addr -= sizeof(insn);
	return addr;
}

bool bench_native_init(void)
{
	if (cpu_feature_enabled(X86_FEATURE_IBT))
		return false;
	native_prefill = native_lookup("kmem_cache_prefill_sheaf");
	native_alloc = native_lookup("kmem_cache_alloc_from_sheaf_noprof");
	native_return = native_lookup("kmem_cache_return_sheaf");
	return native_prefill && native_alloc && native_return;
}

struct kmem_cache *bench_native_create(unsigned int size, unsigned int n)
{
	struct kmem_cache_args args = { .sheaf_capacity = n };
	char name[32];

	if (!native_prefill)
		return NULL;
	snprintf(name, sizeof(name), "scbench-native-%u-%u", size, n);
	return kmem_cache_create(name, size, &args, BENCH_SLAB_FLAGS);
}

/* guar_once() of bench_main.c, on @p->native's own sheaves. */
u64 bench_native_guar(struct bench_size *bs, const struct bench_params *p)
{
	struct kmem_cache *s = p->native;
	unsigned int i, used = p->used;
	void **objs = bench_objs;
	struct slab_sheaf *sheaf;
	unsigned long flags, it;
	u64 t0;

	t0 = ktime_get_ns();
	for (it = 0; it < p->iters; it++) {
		sheaf = native_prefill(s, GFP_KERNEL, p->n);
		if (unlikely(!sheaf))
			return BENCH_FAIL;
		spin_lock_irqsave(&bench_lock, flags);
		for (i = 0; i < used; i++)
			objs[i] = native_alloc(s, GFP_ATOMIC, sheaf);
		spin_unlock_irqrestore(&bench_lock, flags);
		native_return(s, GFP_KERNEL, sheaf);
		for (i = 0; i < used; i++) {
			if (unlikely(!objs[i]))
				return BENCH_FAIL;
			kmem_cache_free(s, objs[i]);
		}
	}
	return ktime_get_ns() - t0;
}

#else

bool bench_native_init(void)
{
	return false;
}

struct kmem_cache *bench_native_create(unsigned int size, unsigned int n)
{
	return NULL;
}

u64 bench_native_guar(struct bench_size *bs, const struct bench_params *p)
{
	return BENCH_FAIL;
}

#endif
