# SPDX-License-Identifier: GPL-2.0
#
# Module lifecycle: the core and the selftest (its quick cases) loaded and
# unloaded 50 times in one boot, leaving no debugfs entry and (on the debug
# kernel) nothing for kmemleak; and the core refusing to unload while a
# client module uses it. The writable sysfs files refuse garbage, and
# debugfs has no writable file but fault injection's.
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

# Garbage into every writable file is refused; valid input works. They
# are in sysfs: debugfs has none, so that lockdown leaves it readable.
d=/sys/kernel/sheafcache/example_flow
for f in alloc_fast shrink; do
	for junk in x -1 5 99999999999999999999 "1 2"; do
		printf '%s' "$junk" > $d/$f 2>/dev/null &&
			step_failed SYSFS "$f took '$junk'"
	done
done
echo 1 > $d/shrink || step_failed SYSFS shrink refused 1
grep -q '^objects 0$' $dir/example_flow/cached ||
	step_failed SHRINK "$(cat $dir/example_flow/cached)"
echo 0 > $d/alloc_fast || step_failed SYSFS alloc_fast refused 0
grep -q '^alloc_fast  *0$' $dir/example_flow/stats || step_failed STATS not cleared
[ -z "$(find $dir -type f -perm +0222 ! -path '*/fail_sheaf_alloc/*')" ] ||
	step_failed DEBUGFS "writable: $(find $dir -type f -perm +0222 ! -path '*/fail_sheaf_alloc/*')"

unload sheafcache_example sheafcache

kmemleak_end
