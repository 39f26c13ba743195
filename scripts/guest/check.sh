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

loaded=
kmemleak_begin

# load MODULE [PARAM=VALUE...]
load() {
	mod=$1
	shift
	if insmod "/modules/$mod.ko" "$@"; then
		loaded="$mod $loaded"
	else
		echo "SHEAFCACHE_INSMOD_FAIL $mod"
	fi
}

load sheafcache
load sheafcache_selftest
load sheafcache_example
# Concurrency is the torture module's: its stress, briefly, on every kernel.
load sheafcache_torture mode=stress duration_ms=2000
# The benchmark may not exist yet; its smoke mode runs every case briefly.
[ ! -f /modules/sheafcache_bench.ko ] || load sheafcache_bench smoke=1

# Move a CPU off and back on and put the system under memory pressure
# while the caches are loaded: the cpuhp teardown and the shrinker run.
if [ -e /sys/devices/system/cpu/cpu1/online ]; then
	echo 0 > /sys/devices/system/cpu/cpu1/online &&
		echo 1 > /sys/devices/system/cpu/cpu1/online ||
		echo "SHEAFCACHE_HOTPLUG_FAIL cpu1"
fi
echo 3 > /proc/sys/vm/drop_caches || echo "SHEAFCACHE_DROPCACHES_FAIL"

if [ -d /sys/kernel/debug/sheafcache ]; then
	for f in $(find /sys/kernel/debug/sheafcache -type f -perm -0400); do
		echo "== $f"
		cat "$f"
	done
fi

for mod in $loaded; do
	rmmod "$mod" || echo "SHEAFCACHE_RMMOD_FAIL $mod"
done
if [ -e /sys/kernel/debug/sheafcache ]; then
	echo "SHEAFCACHE_DEBUGFS_FAIL /sys/kernel/debug/sheafcache left behind"
fi

kmemleak_end
