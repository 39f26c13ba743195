# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (busybox sh) for make run: load the core and the
# example, whose init runs the demo, then show what they logged and the
# statistics in debugfs. The console is quiet, so the kernel log is shown
# once, by dmesg, between the SHEAFCACHE_DEMO markers.

dmesg -c > /dev/null
echo SHEAFCACHE_DEMO_BEGIN
load sheafcache
load sheafcache_example
echo "--- kernel log"
dmesg -c
find /sys/kernel/debug/sheafcache -type f -perm -0400 2>/dev/null | while read -r f; do
	echo "--- $f"
	cat "$f"
done
echo SHEAFCACHE_DEMO_END
unload sheafcache_example sheafcache
dmesg -c
