/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sheafcache's tracepoints, trace system "sheafcache": on the slow paths
 * only (refills and flushes, the barns' failures, prefilled sheaves), so
 * that the fast paths carry no tracepoint at all. Each event names its
 * cache and the CPU it ran on; the counts match the counters of the same
 * names in /sys/kernel/sheafcache/<cache>/. A capacity change made in
 * sysfs has its event too.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sheafcache

#if !defined(_SHEAFCACHE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SHEAFCACHE_TRACE_H

#include <linux/smp.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "internal.h"

/*
 * The name is copied into a fixed array: __string()'s __assign_str()
 * lost an argument in 6.10, and the name is short.
 */
DECLARE_EVENT_CLASS(sheafcache_objects,
		    TP_PROTO(struct sheaf_cache *sc, unsigned int count),
		    TP_ARGS(sc, count),
		    TP_STRUCT__entry(__array(char, name, SHEAF_CACHE_NAME_MAX + 1)
				     __field(int, cpu)
				     __field(unsigned int, count)),
		    TP_fast_assign(strscpy(__entry->name, sc->name,
					   sizeof(__entry->name));
				   __entry->cpu = raw_smp_processor_id();
				   __entry->count = count;),
		    TP_printk("%s cpu=%d count=%u", __entry->name, __entry->cpu,
			      __entry->count));

/* Objects put into a sheaf from the base (counter sheaf_refill). */
DEFINE_EVENT(sheafcache_objects, sheafcache_refill,
	     TP_PROTO(struct sheaf_cache *sc, unsigned int count),
	     TP_ARGS(sc, count));

/* Objects given back from a sheaf to the base (counter sheaf_flush). */
DEFINE_EVENT(sheafcache_objects, sheafcache_flush,
	     TP_PROTO(struct sheaf_cache *sc, unsigned int count),
	     TP_ARGS(sc, count));

/* The working-set trim gave @count objects back to the base. */
DEFINE_EVENT(sheafcache_objects, sheafcache_trim,
	     TP_PROTO(struct sheaf_cache *sc, unsigned int count),
	     TP_ARGS(sc, count));

DECLARE_EVENT_CLASS(sheafcache_barn,
		    TP_PROTO(struct sheaf_cache *sc, int nid),
		    TP_ARGS(sc, nid),
		    TP_STRUCT__entry(__array(char, name, SHEAF_CACHE_NAME_MAX + 1)
				     __field(int, cpu)
				     __field(int, nid)),
		    TP_fast_assign(strscpy(__entry->name, sc->name,
					   sizeof(__entry->name));
				   __entry->cpu = raw_smp_processor_id();
				   __entry->nid = nid;),
		    TP_printk("%s cpu=%d node=%d", __entry->name, __entry->cpu,
			      __entry->nid));

/* No full sheaf in node @nid's barn when one was wanted (barn_get_fail). */
DEFINE_EVENT(sheafcache_barn, sheafcache_barn_get_fail,
	     TP_PROTO(struct sheaf_cache *sc, int nid),
	     TP_ARGS(sc, nid));

/* Node @nid's barn could not take a full sheaf (barn_put_fail). */
DEFINE_EVENT(sheafcache_barn, sheafcache_barn_put_fail,
	     TP_PROTO(struct sheaf_cache *sc, int nid),
	     TP_ARGS(sc, nid));

/*
 * A prefilled sheaf handed out, refilled or given back: the size asked
 * for (0 for a return), the size it holds (0: the call failed), whether
 * it is oversize, and whether the CPU's spare served it (prefill_fast)
 * or took it back (return_fast).
 */
DECLARE_EVENT_CLASS(sheafcache_sheaf,
		    TP_PROTO(struct sheaf_cache *sc, unsigned int requested,
			     unsigned int given, bool oversize, bool fast),
		    TP_ARGS(sc, requested, given, oversize, fast),
		    TP_STRUCT__entry(__array(char, name, SHEAF_CACHE_NAME_MAX + 1)
				     __field(int, cpu)
				     __field(unsigned int, requested)
				     __field(unsigned int, given)
				     __field(bool, oversize)
				     __field(bool, fast)),
		    TP_fast_assign(strscpy(__entry->name, sc->name,
					   sizeof(__entry->name));
				   __entry->cpu = raw_smp_processor_id();
				   __entry->requested = requested;
				   __entry->given = given;
				   __entry->oversize = oversize;
				   __entry->fast = fast;),
		    TP_printk("%s cpu=%d requested=%u given=%u oversize=%d fast=%d",
			      __entry->name, __entry->cpu, __entry->requested,
			      __entry->given, __entry->oversize, __entry->fast));

DEFINE_EVENT(sheafcache_sheaf, sheafcache_prefill,
	     TP_PROTO(struct sheaf_cache *sc, unsigned int requested,
		      unsigned int given, bool oversize, bool fast),
	     TP_ARGS(sc, requested, given, oversize, fast));

DEFINE_EVENT(sheafcache_sheaf, sheafcache_sheaf_refill,
	     TP_PROTO(struct sheaf_cache *sc, unsigned int requested,
		      unsigned int given, bool oversize, bool fast),
	     TP_ARGS(sc, requested, given, oversize, fast));

DEFINE_EVENT(sheafcache_sheaf, sheafcache_return,
	     TP_PROTO(struct sheaf_cache *sc, unsigned int requested,
		      unsigned int given, bool oversize, bool fast),
	     TP_ARGS(sc, requested, given, oversize, fast));

/* The capacity changed, tuned or written in sysfs: @old to @capacity. */
TRACE_EVENT(sheafcache_capacity,
	    TP_PROTO(struct sheaf_cache *sc, unsigned int old,
		     unsigned int capacity),
	    TP_ARGS(sc, old, capacity),
	    TP_STRUCT__entry(__array(char, name, SHEAF_CACHE_NAME_MAX + 1)
			     __field(int, cpu)
			     __field(unsigned int, old)
			     __field(unsigned int, capacity)),
	    TP_fast_assign(strscpy(__entry->name, sc->name,
				   sizeof(__entry->name));
			   __entry->cpu = raw_smp_processor_id();
			   __entry->old = old;
			   __entry->capacity = capacity;),
	    TP_printk("%s cpu=%d old=%u capacity=%u", __entry->name,
		      __entry->cpu, __entry->old, __entry->capacity));

#endif /* _SHEAFCACHE_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
