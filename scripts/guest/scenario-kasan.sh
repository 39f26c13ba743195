# SPDX-License-Identifier: GPL-2.0
#
# bypass=1 sends every call to the base, so that KASAN sees each object's
# life: a read after free of an object freed through the cache must be
# reported. A KASAN report taints the kernel (B) and turns lockdep off,
# so this is a boot of its own that expects exactly that one report, as
# the misuse boots expect exactly one warning; any other report fails.
#
# scenario: kernels=debug-kasan
# scenario: expect-kasan=use-after-free in misuse_read_freed
kmemleak_begin

load sheafcache bypass=1
grep -q Y /sys/module/sheafcache/parameters/bypass ||
	step_failed BYPASS bypass=1 not set
load sheafcache_misuse test=bypass_use_after_free
unload sheafcache_misuse sheafcache

kmemleak_end
