# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (busybox sh) for make check, as /test.sh of
# scripts/vm-boot.sh. The selftest and example modules print KTAP and fail
# their init when a case fails; every failed step prints a
# SHEAFCACHE_<STEP>_FAIL line, which scripts/ktap.sh counts as a failure.
# Never dump dmesg here: the kernel log already is on the console, and a
# second copy would count every KTAP result twice.
#
# scenario: min-docs=3

kmemleak_begin

# What loaded, to unload at the end: the last one first.
loaded=
for mod in sheafcache sheafcache_selftest sheafcache_example; do
	! load $mod || loaded="$mod $loaded"
done
# Concurrency is the torture module's: its stress, briefly, on every kernel.
! load sheafcache_torture mode=stress duration_ms=2000 ||
	loaded="sheafcache_torture $loaded"
# The benchmark may not exist yet; its smoke mode runs every case briefly.
if [ -f "$SHEAFCACHE_MODULES/sheafcache_bench.ko" ] &&
   load sheafcache_bench smoke=1; then
	loaded="sheafcache_bench $loaded"
fi

# Move a CPU off and back on and put the system under memory pressure
# while the caches are loaded: the cpuhp teardown and the shrinker run.
if [ -e /sys/devices/system/cpu/cpu1/online ]; then
	{ echo 0 > /sys/devices/system/cpu/cpu1/online &&
		echo 1 > /sys/devices/system/cpu/cpu1/online; } ||
		step_failed HOTPLUG cpu1
fi
echo 3 > /proc/sys/vm/drop_caches || step_failed DROPCACHES

if [ -d /sys/kernel/debug/sheafcache ]; then
	find /sys/kernel/debug/sheafcache -type f -perm -0400 | while read -r f; do
		echo "== $f"
		cat "$f"
	done
fi

# shellcheck disable=SC2086 # a list of module names
unload $loaded
if [ -e /sys/kernel/debug/sheafcache ]; then
	step_failed DEBUGFS /sys/kernel/debug/sheafcache left behind
fi

# The stress again with every cache poisoned: a false report of a write
# after free (the selftest's own deliberate ones are counted before) or
# poisoning left off fails the step.
reports() { dmesg | grep -c 'written after free'; }
before=$(reports)
if load sheafcache poison=1; then
	grep -q Y /sys/module/sheafcache/parameters/poison ||
		step_failed POISON poison=1 not set
	! load sheafcache_torture mode=stress duration_ms=2000 ||
		unload sheafcache_torture
	unload sheafcache
	[ "$(reports)" = "$before" ] ||
		step_failed POISON false write-after-free reports
fi

kmemleak_end
