# SPDX-License-Identifier: GPL-2.0
#
# Memory pressure, in a small guest: the torture module's pressure mode
# fills a cache's barns, takes free pages until reclaim runs the cache's
# shrinker, and checks that exactly the barns' objects went back to the
# base and that the cache still works; and that sheaf_cache_shrink()
# gives back everything. With keep=1 it leaves a filled cache behind:
# here "echo 2 > drop_caches" must shrink it (debugfs "cached" drops), and
# its unload checks the barns are empty, the cache works and nothing was
# lost (a second KTAP document).
#
# scenario: mem=512
# scenario: timeout=300
# scenario: min-docs=2
# Where: 6.1 and 6.12-rt: the two shrinker APIs (register_shrinker() on
# 6.1, shrinker_alloc() on 6.12), and reclaim calling into the barn locks
# where they sleep. Not the debug kernels: KASAN's quarantine and shadow
# memory distort the counts and the 512 MiB guest.
# scenario: kernels=6.1 6.12-rt

d=/sys/kernel/debug/sheafcache/torture_kept

kmemleak_begin

# cached: the objects the kept cache holds, from debugfs.
cached() {
	sed -n 's/^objects //p' $d/cached
}

# With the kept cache loaded: drop_caches must shrink it.
torture_loaded() {
	before=$(cached)
	echo 2 > /proc/sys/vm/drop_caches
	after=$(cached)
	echo "# torture: drop_caches: cached objects $before -> $after"
	[ "${after:-0}" -lt "${before:-0}" ] ||
		step_failed DROPCACHES "cached objects $before -> $after"
}

run_torture pressure 0 keep=1

kmemleak_end
