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
	ok=1
	load sheafcache || ok=
	load sheafcache_selftest quick=1 || ok=
	unload sheafcache_selftest sheafcache || ok=
	[ -n "$ok" ] || echo "# lifecycle: the failure above was in round $i"
	[ ! -e $dir ] || step_failed DEBUGFS "$dir left in round $i"
done
echo "# lifecycle: $i rounds"

# A client holds the core: it must not go away under it.
load sheafcache
load sheafcache_example
rmmod sheafcache 2>/dev/null && step_failed UNLOAD core unloaded under a client

# Garbage into every writable debugfs file is refused; valid input works.
d=$dir/example_flow
for f in stats shrink; do
	for junk in x -1 5 99999999999999999999 "1 2"; do
		printf '%s' "$junk" > $d/$f 2>/dev/null &&
			step_failed DEBUGFS "$f took '$junk'"
	done
done
echo 1 > $d/shrink || step_failed DEBUGFS shrink refused 1
grep -q '^objects 0$' $d/cached || step_failed SHRINK "$(cat $d/cached)"
echo 0 > $d/stats || step_failed DEBUGFS stats refused 0
grep -q '^alloc_fast  *0$' $d/stats || step_failed STATS not cleared

unload sheafcache_example sheafcache

kmemleak_end
