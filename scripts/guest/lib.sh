# SPDX-License-Identifier: GPL-2.0
#
# Helpers every guest script gets: scripts/vm-boot.sh puts this file in
# front of the script it runs (busybox sh).

# busybox's insmod retries with init_module() when finit_module() fails,
# which would run a failing module's init (and its KTAP tests) twice, and
# busybox's sh prefers its own applets to anything on PATH: use kmod's.
insmod() { /sbin/insmod "$@"; }
rmmod() { /sbin/rmmod "$@"; }
lsmod() { /sbin/lsmod "$@"; }
modinfo() { /sbin/modinfo "$@"; }

KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_begin: where kmemleak runs (debug kernel), forget what boot
# leaked, so that only what leaks from here on is reported.
kmemleak_begin() {
	[ -w $KMEMLEAK ] || return 0
	echo scan > $KMEMLEAK
	echo clear > $KMEMLEAK
}

# kmemleak_end: report leaks since kmemleak_begin to the console, where
# "unreferenced object" fails the run. kmemleak ignores objects younger
# than 5 s, and a new leak only shows on the second scan.
kmemleak_end() {
	[ -w $KMEMLEAK ] || return 0
	sleep 6
	echo scan > $KMEMLEAK
	echo scan > $KMEMLEAK
	cat $KMEMLEAK
}
