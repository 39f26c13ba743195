# SPDX-License-Identifier: GPL-2.0
#
# CPU hotplug: a background loop takes every CPU but cpu0 offline
# and back through sysfs, over and over, while the torture module's
# hotplug mode runs its stress on unbound threads. The module checks that
# a CPU that is offline holds nothing, that the cache saw CPUs die, that
# its counters agree with what the threads did and that nothing was lost.
#
# scenario: smp=4
# scenario: timeout=420
# Where: 6.1 for the generic kernels (the cpuhp API is the same on 6.12,
# whose main check takes a CPU down and up too); 6.12-rt, whose teardown
# takes sleeping locks; debug-rt (the issue assigns it) for lockdep and
# atomic-sleep checks on that teardown. Not debug-kasan: its scheduler
# once warned "Dying CPU not properly vacated" in some 260 cycles under
# TCG, with nothing of ours on the CPU; until that is understood it is
# not run there, where the main check and the selftest still take a CPU
# down and up under KASAN and lockdep.
# scenario: kernels=6.1 6.12-rt debug-rt

stop=/tmp/hotplug.stop
cycles=/tmp/hotplug.cycles
# Longer where kmemleak (the debug kernel) says everything runs slowly.
ms=15000
[ ! -e /sys/kernel/debug/kmemleak ] || ms=30000

kmemleak_begin

# hotplug_loop: offline and online each CPU in turn until told to stop.
# The pause lets the threads' cpus_read_lock() in between: back-to-back
# writers starve them, and the run then overruns by a minute.
hotplug_loop() {
	n=0
	while [ ! -e $stop ]; do
		for f in /sys/devices/system/cpu/cpu[1-9]*/online; do
			[ ! -e $stop ] || break
			echo 0 > "$f" || step_failed OFFLINE "$f"
			echo 1 > "$f" || step_failed ONLINE "$f"
			n=$((n + 1))
			sleep 0.1
		done
	done
	echo $n > $cycles
}

# The core is loaded before the CPUs start coming and going, as a
# client's would be, and stays loaded until they are all back.
load sheafcache
hotplug_loop &
loop=$!
run_torture hotplug $ms
touch $stop
wait $loop
echo "# torture: hotplug_cycles=$(cat $cycles)"
for f in /sys/devices/system/cpu/cpu[1-9]*/online; do
	grep -q 1 "$f" || step_failed ONLINE "$f left offline"
done
unload sheafcache

kmemleak_end
