# SPDX-License-Identifier: GPL-2.0
#
# Misuse of the API, one mistake per boot (sheafcache_variant=<test> on the
# kernel command line): each is expected to warn exactly once, in the
# function named below, and the module then checks that nothing was lost
# and that the cache still works. The core is unloaded at the end, which
# frees what a misuse left behind (kmemleak checks it on the debug kernel).
#
# scenario: variants=return_twice return_wrong_cache destroy_with_sheaf_out foreign_object null_cache_alloc null_cache_free null_cache_free_rcu
# scenario: expect-warn[return_twice]=sheaf_cache_return_sheaf
# scenario: expect-warn[return_wrong_cache]=sheaf_cache_return_sheaf
# scenario: expect-warn[destroy_with_sheaf_out]=sheaf_cache_destroy
# scenario: expect-warn[foreign_object]=sc_bad_object
# scenario: expect-warn[null_cache_alloc]=sheaf_cache_alloc
# scenario: expect-warn[null_cache_free]=sc_free_nocache
# scenario: expect-warn[null_cache_free_rcu]=sc_free_rcu_nocache
# scenario: smp=2
# Where: each misuse on both generic Debian kernels (6.1 and 6.12: the
# warnings are the core's own, the same on the RT flavours, and six boots
# per kernel add up; the RCU one, like the plain one, on 6.12 only). On debug-kasan only the two misuses that leave
# memory behind to check (kmemleak, KASAN); debug-rt has neither.
# scenario: kernels=6.1 6.12
# scenario: kernels[destroy_with_sheaf_out]=6.1 6.12 debug-kasan
# scenario: kernels[foreign_object]=6.1 6.12 debug-kasan
# scenario: kernels[null_cache_free_rcu]=6.12

variant=$(sed -n 's/.*sheafcache_variant=\([a-z_]*\).*/\1/p' /proc/cmdline)
kmemleak_begin

load sheafcache check_frees=1 track_sheaves=1
load sheafcache_misuse test="$variant"
unload sheafcache_misuse sheafcache

kmemleak_end
