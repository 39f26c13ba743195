/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test harness of every sheafcache module that reports results: the
 * selftest, misuse and torture modules, the benchmark and the example.
 *
 * Shaped like KUnit (include/kunit/test.h), which Debian's kernels do not
 * build: a table of cases, expectations that log both sides and let the
 * case go on, and one runner that prints a KTAP document. A case returns
 * 0, a negative errno when it could not run (a failure), or sc_test_skip().
 * A failed expectation fails the case whatever it returns.
 *
 * Each module defines the harness's state once, with SC_TEST_STATE.
 *
 * It also has what the tests need from SLUB: a base cache that is never
 * merged, and the base's exact object count.
 */
#ifndef _SHEAFCACHE_SC_TEST_H
#define _SHEAFCACHE_SC_TEST_H

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

/* ===== Cases, expectations and the runner ============================= */

struct sc_test_case {
	const char *name;
	int (*run)(void);
	/* The module's own flags, for its filter. */
	unsigned long attr;
};

/* test_<name>, reported as <name>. */
#define SC_TEST_CASE(n)		{ .name = #n, .run = test_##n }
#define SC_TEST_CASE_ATTR(n, a)	{ .name = #n, .run = test_##n, .attr = (a) }

/* What a case returns when it cannot say; a filter's verdicts. */
#define SC_TEST_SKIP	1
#define SC_TEST_OMIT	2

struct sc_test_state {
	const struct sc_test_case *current_case;
	bool failed;		/* an expectation of the running case */
	const char *skip;	/* why the case skipped */
	unsigned int nr_failed, nr_skipped;
};

extern struct sc_test_state sc_test;
#define SC_TEST_STATE	struct sc_test_state sc_test

/* Skip the running case: return sc_test_skip("why"). */
static inline int sc_test_skip(const char *why)
{
	sc_test.skip = why ?: "";
	return SC_TEST_SKIP;
}

static inline bool sc_expect(bool ok, const char *func, int line,
			     const char *what)
{
	if (!ok) {
		pr_info("# %s:%d: expected %s\n", func, line, what);
		sc_test.failed = true;
	}
	return ok;
}

static inline bool sc_expect_op(bool ok, long long left, long long right,
				const char *func, int line, const char *what)
{
	if (!ok) {
		pr_info("# %s:%d: expected %s, but %lld and %lld\n", func,
			line, what, left, right);
		sc_test.failed = true;
	}
	return ok;
}

/* Each is true when it holds, so that a case can stop where it must. */
#define EXPECT(cond)	sc_expect(!!(cond), __func__, __LINE__, #cond)
#define EXPECT_OP(l, op, r) ({						\
	__auto_type __l = (l);						\
	__auto_type __r = (r);						\
	sc_expect_op(__l op __r, (long long)__l, (long long)__r,	\
		     __func__, __LINE__, #l " " #op " " #r);		\
})
#define EXPECT_EQ(l, r)	EXPECT_OP(l, ==, r)
#define EXPECT_NE(l, r)	EXPECT_OP(l, !=, r)
#define EXPECT_LT(l, r)	EXPECT_OP(l, <, r)
#define EXPECT_LE(l, r)	EXPECT_OP(l, <=, r)
#define EXPECT_GT(l, r)	EXPECT_OP(l, >, r)
#define EXPECT_GE(l, r)	EXPECT_OP(l, >=, r)

/* Runs case @nr and prints its KTAP result; a filter may skip it first. */
static inline void sc_test_one(const struct sc_test_case *c, unsigned int nr,
			       int verdict)
{
	sc_test.current_case = c;
	sc_test.failed = false;
	if (verdict != SC_TEST_SKIP) {
		sc_test.skip = "";
		verdict = c->run();
	}
	sc_test.current_case = NULL;
	if (verdict < 0 && !sc_test.failed)
		pr_info("# %s: error %d\n", c->name, verdict);
	if (verdict < 0 || sc_test.failed) {
		pr_info("not ok %u %s\n", nr, c->name);
		sc_test.nr_failed++;
	} else if (verdict == SC_TEST_SKIP) {
		pr_info("ok %u %s # SKIP %s\n", nr, c->name, sc_test.skip);
		sc_test.nr_skipped++;
	} else {
		pr_info("ok %u %s\n", nr, c->name);
	}
}

/*
 * Runs @cases as one KTAP document and returns how many failed. @filter
 * (may be NULL) says, without side effects, of each case: 0 to run it,
 * SC_TEST_SKIP (with sc_test_skip()) or SC_TEST_OMIT to leave it out of
 * the plan.
 */
static inline unsigned int sc_test_run(const struct sc_test_case *cases,
				       unsigned int nr,
				       int (*filter)(const struct sc_test_case *))
{
	unsigned int i, t = 0, plan = 0;

	for (i = 0; i < nr; i++)
		plan += !filter || filter(&cases[i]) != SC_TEST_OMIT;
	sc_test.nr_failed = 0;
	sc_test.nr_skipped = 0;
	pr_info("KTAP version 1\n");
	pr_info("1..%u\n", plan);
	for (i = 0; i < nr; i++) {
		int verdict = 0;

		if (filter)
			verdict = filter(&cases[i]);
		if (verdict != SC_TEST_OMIT)
			sc_test_one(&cases[i], ++t, verdict);
	}
	pr_info("# Totals: pass:%u fail:%u skip:%u total:%u\n",
		plan - sc_test.nr_failed - sc_test.nr_skipped,
		sc_test.nr_failed, sc_test.nr_skipped, plan);
	return sc_test.nr_failed;
}

/* ===== What the tests need from SLUB ================================== */

/* SLAB_ACCOUNT is 0 on kernels without memcg. */
#define ST_HAVE_ACCOUNT	((__force unsigned long)SLAB_ACCOUNT != 0)

/*
 * Name prefix of the bases whose objects the tests count exactly: the
 * harness boots with slub_debug=FZP,sc_st_acct*.
 */
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

/* The first number in the file at @path. */
static inline int st_read_long(const char *path, long *val)
{
	char buf[32];
	struct file *f;
	loff_t pos = 0;
	ssize_t len;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	len = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (len <= 0)
		return -EIO;
	buf[len] = '\0';
	buf[strcspn(buf, "\n ")] = '\0';
	return kstrtol(buf, 10, val);
}

/* The first number of /sys/kernel/slab/<cache>/<file>. */
static inline long st_slab_attr(const char *cache, const char *file)
{
	char path[64];
	long n;
	int err;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, file);
	err = st_read_long(path, &n);
	return err ? err : n;
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

#endif /* _SHEAFCACHE_SC_TEST_H */
