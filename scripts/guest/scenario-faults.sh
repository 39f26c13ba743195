# SPDX-License-Identifier: GPL-2.0
#
# Fault injection, one load of the torture module's faults mode per
# setting: failslab on its base at 10%, 50% and 100%, the core's own sheaf
# allocations failing (sheafcache/fail_sheaf_alloc) at 100%, and both at
# once. The shell arms the fault attributes with task-filter on and the
# module flags its own threads (make_it_fail) once it wants failures; the
# base is the only cache marked for failslab's cache-filter. verbose=0:
# each failure would dump a stack into the log, read as a splat. Only the
# debug kernel has failslab and FAULT_INJECTION_DEBUG_FS.
#
# Both debug kernels (the issue assigns it to the RT one): failure paths
# under KASAN and kmemleak on one, and with lockdep and atomic-sleep
# checks under PREEMPT_RT, where the refill's bulk call takes sleeping
# locks, on the other.
# scenario: kernels=debug
# scenario: timeout=480
# scenario: min-docs=5

fs=/sys/kernel/debug/failslab
fsh=/sys/kernel/debug/sheafcache/fail_sheaf_alloc
# "times" counts down as failures are injected.
times=100000000
ms=4000

kmemleak_begin

# arm DIR PCT: fail PCT% of the calls of the tasks that ask for it.
arm() {
	{ echo 0 > "$1/verbose" && echo 1 > "$1/interval" &&
		echo $times > "$1/times" && echo Y > "$1/task-filter" &&
		echo "$2" > "$1/probability"; } ||
		step_failed FAULTS cannot arm "$1"
}

# disarm DIR PCT: stop and say how many failures were injected.
disarm() {
	echo 0 > "$1/probability"
	n=$((times - $(cat "$1/times")))
	echo "# torture: $(basename "$1") $2% faults_injected=$n"
	[ "$n" -gt 0 ] || step_failed FAULTS none injected by "$1"
}

# faults SLAB_PCT SHEAF_PCT: one load with these failure rates.
faults() {
	[ "$1" = 0 ] || arm $fs "$1"
	[ "$2" = 0 ] || arm $fsh "$2"
	run_torture faults $ms slab_pct="$1" sheaf_pct="$2"
	[ "$1" = 0 ] || disarm $fs "$1"
	[ "$2" = 0 ] || disarm $fsh "$2"
}

# The core stays loaded throughout: its fail_sheaf_alloc is armed
# before each run. A trim every second, not every five: it races with the
# failure paths several times a run (a count taken while it flushed once
# failed a run here).
load sheafcache trim_interval=1
# Whatever the flags: GFP_KERNEL allocations fail too.
{ echo Y > $fs/cache-filter && echo N > $fs/ignore-gfp-wait; } ||
	step_failed FAULTS cannot set up $fs
faults 10 0
faults 50 0
faults 100 0
faults 0 100
faults 10 50
# The kernel's defaults again.
for d in $fs $fsh; do
	echo N > "$d/task-filter"
	echo 1 > "$d/times"
	echo 2 > "$d/verbose"
done
echo N > $fs/cache-filter
echo Y > $fs/ignore-gfp-wait
unload sheafcache

kmemleak_end
