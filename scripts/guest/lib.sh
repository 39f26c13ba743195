# SPDX-License-Identifier: GPL-2.0
#
# Helpers every guest script gets: scripts/vm-boot.sh puts this file in
# front of the script it runs (busybox sh, whose ash has "local", as
# dash has: scripts/bench.sh runs it with the host's sh).
# shellcheck shell=dash

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

# Where the modules are: the initramfs's /modules (scripts/vm-boot.sh);
# scripts/bench.sh points it elsewhere for make bench HOST=1.
SHEAFCACHE_MODULES=${SHEAFCACHE_MODULES:-/modules}

# A failed step prints one SHEAFCACHE_<STEP>_FAIL line, which
# scripts/ktap.sh counts as a failure of the boot. Use these rather
# than insmod and rmmod, so that no failure goes unmarked.

# step_failed STEP WHAT...: print "SHEAFCACHE_<STEP>_FAIL WHAT...".
step_failed() {
	local step="$1"

	shift
	echo "SHEAFCACHE_${step}_FAIL $*"
}

# load FILE [PARAM=VALUE...]: insmod $SHEAFCACHE_MODULES/FILE.ko with the
# parameters, or print "SHEAFCACHE_INSMOD_FAIL FILE PARAMS" and return 1.
load() {
	local ko="$1"

	shift
	insmod "$SHEAFCACHE_MODULES/$ko.ko" "$@" && return 0
	step_failed INSMOD "$ko" "$@"
	return 1
}

# unload MODULE...: rmmod each, or print "SHEAFCACHE_RMMOD_FAIL MODULE";
# returns 1 if any failed.
unload() {
	local m rc=0

	for m in "$@"; do
		rmmod "$m" || { step_failed RMMOD "$m"; rc=1; }
	done
	return $rc
}

# torture_loaded: what run_torture does while the torture module is
# loaded, after its init (the test) passed. A scenario that has checks
# to make there defines its own after this file.
torture_loaded() { :; }

# run_torture MODE MS [PARAM=VALUE...]: one run of sheafcache_torture's
# MODE for MS milliseconds (0: the mode's own length), as kselftest's
# module.sh runs a test module: load the core (unless it is loaded
# already: then it stays), load the torture module, whose init runs the
# test, prints KTAP and fails when the test does, call torture_loaded,
# unload. Each failed step prints its marker, naming the mode and the
# parameters; returns 1 if any step failed.
run_torture() {
	local mode="$1" ms="$2" core='' rc=0

	shift 2
	if [ ! -d /sys/module/sheafcache ]; then
		load sheafcache || return 1
		core=sheafcache
	fi
	if load sheafcache_torture mode="$mode" duration_ms="$ms" "$@"; then
		torture_loaded || rc=1
		unload sheafcache_torture || rc=1
	else
		rc=1
	fi
	[ -z "$core" ] || unload $core || rc=1
	return $rc
}
