# SPDX-License-Identifier: GPL-2.0
#
# Module lifecycle: the core and the selftest (its quick cases) loaded and
# unloaded 50 times in one boot, leaving no debugfs entry and (on the debug
# kernel) nothing for kmemleak; and the core refusing to unload while a
# client module uses it. The debugfs files refuse garbage.
#
# scenario: smp=2
# scenario: timeout=1500
# scenario: min-docs=50
# Where: 6.12, where debugfs and module refcounts work as on every other
# kernel, and debug-kasan, where kmemleak and KASAN check what 50 unloads
# leave behind. Not the RT kernels: nothing in it depends on preemption.
# scenario: kernels=6.12 debug-kasan

dir=/sys/kernel/debug/sheafcache
kmemleak_begin

i=0
while [ $i -lt 50 ]; do
	i=$((i + 1))
	insmod /modules/sheafcache.ko ||
		echo "SHEAFCACHE_INSMOD_FAIL sheafcache round $i"
	insmod /modules/sheafcache_selftest.ko quick=1 ||
		echo "SHEAFCACHE_INSMOD_FAIL sheafcache_selftest round $i"
	rmmod sheafcache_selftest ||
		echo "SHEAFCACHE_RMMOD_FAIL sheafcache_selftest round $i"
	rmmod sheafcache || echo "SHEAFCACHE_RMMOD_FAIL sheafcache round $i"
	[ ! -e $dir ] || echo "SHEAFCACHE_DEBUGFS_FAIL $dir left in round $i"
done
echo "# lifecycle: $i rounds"

# A client holds the core: it must not go away under it.
insmod /modules/sheafcache.ko || echo "SHEAFCACHE_INSMOD_FAIL sheafcache"
insmod /modules/sheafcache_example.ko ||
	echo "SHEAFCACHE_INSMOD_FAIL sheafcache_example"
rmmod sheafcache 2>/dev/null && echo "SHEAFCACHE_UNLOAD_FAIL core unloaded under a client"

# Garbage into every writable debugfs file is refused; valid input works.
d=$dir/example_flow
for f in stats shrink; do
	for junk in x -1 5 99999999999999999999 "1 2"; do
		printf '%s' "$junk" > $d/$f 2>/dev/null &&
			echo "SHEAFCACHE_DEBUGFS_FAIL $f took '$junk'"
	done
done
echo 1 > $d/shrink || echo "SHEAFCACHE_DEBUGFS_FAIL shrink refused 1"
grep -q '^objects 0$' $d/cached || echo "SHEAFCACHE_SHRINK_FAIL $(cat $d/cached)"
echo 0 > $d/stats || echo "SHEAFCACHE_DEBUGFS_FAIL stats refused 0"
grep -q '^alloc_fast  *0$' $d/stats || echo "SHEAFCACHE_STATS_FAIL not cleared"

rmmod sheafcache_example || echo "SHEAFCACHE_RMMOD_FAIL sheafcache_example"
rmmod sheafcache || echo "SHEAFCACHE_RMMOD_FAIL sheafcache"

kmemleak_end
