#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: style checks, then for every target kernel a W=1 build, a
# sparse pass (once per kernel series) and QEMU boots: the main check
# (scripts/guest/check.sh: load the modules, run their KTAP selftests,
# the example and a smoke run of the benchmark), then the
# scripts/guest/scenario-*.sh that the kernel is assigned. Each check
# counts as one result, each KTAP case as one more. Before the last line,
# a table of each step's wall time; the last line is "N passed, N
# failed"; any failure makes the exit status non-zero. Logs are under
# build/<kernel>/.
#
# usage: make check [KERNELS="WORD..."]
#        KERNELS="WORD..." scripts/check.sh
#
# The kernels, by id (the name of their build directory in brackets):
#   6.1 6.12        Debian 12's generic kernels (build/<release>)
#   6.1-rt 6.12-rt  Debian 12's PREEMPT_RT kernels (build/<release>)
#   6.12-cloud      Debian 12's 6.12 cloud flavour, a minimal config
#                   (build/<release>)
#   7.3 7.3-rt      Debian's 7.3 generic and PREEMPT_RT kernels from
#                   trixie-backports, built for in a trixie root that
#                   scripts/trixie-root.sh makes once and caches
#                   (build/<release>)
#   debug-kasan     built by scripts/debug-kernel.sh from linux-source-6.12:
#                   PREEMPT, KASAN, kmemleak, lockdep, failslab
#                   (build/debug-<release>)
#   debug-rt        built by scripts/debug-kernel.sh rt: PREEMPT_RT,
#                   lockdep, DEBUG_ATOMIC_SLEEP, failslab
#                   (build/debug-rt-<release>)
# KERNELS (default: all of them) picks some, for a quick loop: each WORD
# (space or comma separated) is an id, a shell pattern over ids or build
# names, or a class: all, debian (the seven Debian kernels), debug (both
# debug kernels), rt (the four PREEMPT_RT ones). For example
#   make check KERNELS="6.12 debug-rt"
#   make check KERNELS='debian'
#   make check KERNELS='*-rt'
#   make check KERNELS='7.3*'
# A debug kernel that is not selected is not built either, and the trixie
# root is made only when a 7.3 kernel is selected.
#
# A scenario's "# scenario: kernels=WORD..." line (same words; default
# all) says which kernels boot it; KERNELS then narrows that down.
#
# CHECK_PLAN=1 only lists the kernels and boots that would run: nothing is
# installed, built or booted.
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib.sh
. scripts/eco.sh

passed=0 failed=0 nr=0 summary=
check_start=$(date +%s)

# Wall time of each step, for the table at the end: steps holds the
# one-off steps as "seconds<TAB>label" lines; t_build, t_sparse, t_boot
# and n_boot are per kernel name, in the order of the kernels array.
steps=
kernel_order=()
declare -A t_build=() t_sparse=() t_boot=() n_boot=()

# step LABEL START: note that LABEL took from START (date +%s) until now.
step() {
	steps+="$(($(date +%s) - $2))"$'\t'"$1"$'\n'
}

# result OK NAME: one KTAP-like line, counted in the totals.
result() {
	nr=$((nr + 1))
	if [ "$1" = 0 ]; then
		echo "ok $nr $2"
		passed=$((passed + 1))
	else
		echo "not ok $nr $2"
		failed=$((failed + 1))
	fi
}

# skip NAME REASON: a result that could not be had, as KTAP marks it; it
# counts as neither passed nor failed (as in ktap.sh), and goes into the
# summary so that it is not mistaken for a pass.
skip() {
	nr=$((nr + 1))
	echo "ok $nr $1 # SKIP $2"
	summary+="$1: skipped: $2"$'\n'
}

# run NAME CMD...: run CMD quietly as one result; its output is shown only
# when it fails.
run() {
	local name=$1 out rc=0

	shift
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
	result "$rc" "$name"
}

# selects WORDS ID NAME: whether one of WORDS (see the usage above)
# picks the kernel with id ID and build name NAME. Patterns are matched
# as words, never against file names.
selects() {
	local w ws

	read -ra ws <<< "${1//,/ }"
	for w in "${ws[@]}"; do
		case $w in
		all) return 0 ;;
		debian) [[ $2 == debug* ]] || return 0 ;;
		debug) [[ $2 != debug* ]] || return 0 ;;
		rt) [[ $2 != *-rt ]] || return 0 ;;
		*)
			# shellcheck disable=SC2053 # $w is a pattern
			[[ $2 != $w && $3 != $w ]] || return 0
			;;
		esac
	done
	return 1
}

# The target kernels, one line each:
#   KERNEL=<bzImage> KDIR=<build tree> SMP=<n> NODES=<n> ID=<id>
#   NAME=<name> SPARSE=<series> [CHROOT=<root>] [MEM=<MiB>] [TIMEOUT=<s>]
#   [APPEND=<kernel args, the rest of the line>]
# CHROOT: KDIR is a path in that root, and modules are built in there
# (build-modules.sh --chroot).
# The Debian kernels come first, generic before RT and cloud: sparse runs
# on the first selected kernel of each SPARSE series (see test_kernel).
# One that is not installed is a line "MISSING ID=<id>".
debian_kernels() {
	local series flavour rel id

	for flavour in '' rt cloud; do
		for series in 6.1 6.12; do
			[ "$flavour:$series" != cloud:6.1 ] || continue
			id=$series${flavour:+-$flavour}
			if rel=$(debian_release "$series" $flavour); then
				echo "KERNEL=/boot/vmlinuz-$rel KDIR=/lib/modules/$rel/build SMP=2 NODES=2 ID=$id NAME=$rel SPARSE=$series"
			else
				echo "MISSING ID=$id"
			fi
		done
	done
}

# trixie_kernels: add the selected 7.3 kernels, from the trixie root that
# scripts/trixie-root.sh makes (once) or finds, in a step of its own. A
# selected one that it cannot provide counts as missing, like a Debian 12
# kernel that is not installed; when none is selected, the root is not
# even looked for, so that a host without it runs the rest.
trixie_kernels() {
	local id ids=() lines rc=0 t0 line

	for id in 7.3 7.3-rt; do
		! selects "$want" "$id" "$id" || ids+=("$id")
	done
	[ ${#ids[@]} -gt 0 ] || return 0
	if [ -n "$plan" ]; then
		for id in "${ids[@]}"; do
			kernels+="KERNEL=- KDIR=- ID=$id NAME=$id-<release> SPARSE=7.3"$'\n'
		done
		return 0
	fi
	t0=$(date +%s)
	lines=$(scripts/trixie-root.sh) || rc=$?
	step "trixie root (create or reuse)" "$t0"
	for id in "${ids[@]}"; do
		line=$(grep -F " ID=$id " <<< "$lines" || true)
		if [ "$rc" = 0 ] && [ -n "$line" ]; then
			kernels+=$line$'\n'
		else
			result 1 "find the Debian $id kernel"
		fi
	done
}

# debug_kernel FLAVOUR ID PREFIX: build (once) or find the debug kernel of
# FLAVOUR with scripts/debug-kernel.sh, a result of its own, and add it to
# the kernels as ID, named PREFIX-<release>. debug-kernel.sh prints
# KEY=VALUE lines, one per line or all on one line: join them into one
# kernel line. Its progress goes to stderr, as it comes.
debug_kernel() {
	local rc=0 dbg t0

	if [ -n "$plan" ]; then
		kernels+="KERNEL=- KDIR=- ID=$2 NAME=$3-<release> SPARSE=6.12"$'\n'
		return 0
	fi
	t0=$(date +%s)
	dbg=$(scripts/debug-kernel.sh "$1") || rc=$?
	step "debug kernel $2 (build or reuse)" "$t0"
	dbg=$(grep -E '^[A-Z]+=' <<< "$dbg" | tr '\n' ' ' || true)
	[ -n "$dbg" ] || rc=1
	result "$rc" "debug kernel $2"
	[ "$rc" = 0 ] || return 0
	grep -q 'NAME=' <<< "$dbg" ||
		dbg+=" NAME=$3-$(cat "$(field KDIR "$dbg")/include/config/kernel.release")"
	kernels+="$dbg ID=$2 SPARSE=6.12"$'\n'
}

# Every guest boots with slab debugging on the selftest's accounting
# caches: /sys/kernel/slab/<cache>/objects then counts exactly.
append='slub_debug=FZP,sc_st_acct*'

# style: checkpatch --strict on every C file and header of the project.
style() {
	local cp

	cp=$(checkpatch_dir)
	find . \( -path ./build -o -path ./.git \) -prune -o \
		-type f -name '*.[ch]' ! -name '*.mod.c' -print | sort |
		xargs -r "$cp/checkpatch.pl" --strict --no-tree --terse \
			--show-types --quiet -f
}

# sparse_check KDIR OUT [CHROOT]: sparse over every file of the build in
# OUT (in CHROOT, if given, as build-modules.sh did it); any warning fails.
# From 6.15 on kbuild quietly drops C=2 when scripts/checker-valid.sh
# finds sparse without __typeof_unqual__, which sparse 0.6.4 (bookworm's
# and trixie's) lacks, and Debian's 7.3 headers lack that script anyway:
# then no file was checked, which must not pass as clean. Exit status 3
# and the reason on stdout say so.
sparse_check() {
	local log=$2/sparse.log src=$2/src

	[ -z "${3:-}" ] || src=$(chroot_src "$3" "$2")
	kmake "${3:-}" "$1" "$src" modules W=1 C=2 > "$log" 2>&1 || { cat "$log"; return 1; }
	if grep -q 'C=2 specified, but' "$log"; then
		printf 'kbuild turned C=2 off: sparse 0.6.4 has no __typeof_unqual__%s; see %s\n' \
			"$(! grep -q 'checker-valid.sh: No such file' "$log" ||
			   echo ", and the headers lack scripts/checker-valid.sh")" "$log"
		return 3
	fi
	! grep -iE 'warning:|error:' "$log"
}

# tag KEY SCRIPT [VARIANT]: the value of a "# scenario: KEY=VALUE" line
# in SCRIPT; "KEY[VARIANT]=VALUE" takes precedence for that variant.
tag() {
	local v=''

	# sed -n 1p, not head: head closing the pipe early fails the pipeline
	# under pipefail.
	[ -z "${3:-}" ] ||
		v=$(sed -n "s/^# scenario: $1\\[$3\\]=//p" "$2" | sed -n 1p)
	[ -n "$v" ] || v=$(sed -n "s/^# scenario: $1=//p" "$2" | sed -n 1p)
	printf '%s' "$v"
}

# boot_and_judge LINE OUT SCRIPT NAME [VARIANT]: boot the kernel of LINE
# with the modules built in OUT, run SCRIPT in the guest and count its
# results. SCRIPT's "# scenario:" lines may set smp, nodes, mem, timeout,
# append, expect-warn (a regex: exactly one such WARNING is expected),
# expect-kasan (a regex: exactly one such KASAN report is expected) and
# min-docs (KTAP documents expected, default 1). A VARIANT is passed on
# the kernel command line as sheafcache_variant=VARIANT.
boot_and_judge() {
	local kernel out=$2 script=$3 name=$4 var=${5:-}
	local log=$out/$name.log boot ktap p f v opts=() kname t0 try

	kernel=$(field KERNEL "$1")
	kname=$(field NAME "$1")
	t0=$(date +%s)
	v=$(tag expect-warn "$script" "$var")
	[ -z "$v" ] || opts+=(--expect-warn "$v")
	v=$(tag expect-kasan "$script" "$var")
	[ -z "$v" ] || opts+=(--expect-kasan "$v")
	for try in 1 2; do
		boot=$(scripts/vm-boot.sh --kernel "$kernel" --modules "$out/src" \
			--script "$script" --log "$log" \
			--smp "$(tag smp "$script" | grep . || field SMP "$1")" \
			--nodes "$(tag nodes "$script" | grep . || field NODES "$1")" \
			--mem "$(tag mem "$script" | grep . || field MEM "$1" | grep . || echo 1024)" \
			--timeout "$(tag timeout "$script" | grep . || field TIMEOUT "$1" | grep . || echo 600)" \
			--append "$append ${var:+sheafcache_variant=$var} $(tag append "$script" "$var") $(sed -n 's/.*APPEND=//p' <<< "$1")" 2>&1) || true
		# A kernel that dies before /init ran none of our code: under
		# multi-threaded TCG, Debian's 6.12 once took an int3 Oops in
		# enqueue_timer() at 1.7 s of boot (cross-modifying code while
		# a static key was patched). Boot such a guest once more, and
		# keep its log; a second early death counts as a failure.
		grep -q SHEAFCACHE_INIT "$log" || [ "$try" = 2 ] || [ ! -s "$log" ] ||
			! grep -qE 'Oops|BUG:|Kernel panic|WARNING:' "$log" || {
			mv "$log" "${log%.log}.early-death.log"
			echo "# $name: the kernel died before /init," \
			     "booting again: $(grep -m 1 -E 'Oops|BUG:|Kernel panic|WARNING:' \
				"${log%.log}.early-death.log")"
			summary+="$name: died before /init once, see ${log%.log}.early-death.log"$'\n'
			continue
		}
		break
	done
	t_boot[$kname]=$((${t_boot[$kname]:-0} + $(date +%s) - t0))
	n_boot[$kname]=$((${n_boot[$kname]:-0} + 1))
	# A failed boot shows in the log: ktap.sh then misses SHEAFCACHE_DONE.
	# shellcheck disable=SC2001 # a prefix on every line
	sed 's/^/# /' <<< "$boot"

	ktap=$(scripts/ktap.sh "${opts[@]}" --min-docs "$(tag min-docs "$script" | grep . || echo 1)" \
		--name "$name" "$log") || true
	printf '%s\n' "$ktap" | sed '$d'
	ktap=$(tail -n 1 <<< "$ktap")
	[[ $ktap == *' failed' ]] || ktap="$name: 0 passed, 1 failed (ktap.sh failed)"
	read -r p f <<< "$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<< "$ktap")"
	[ -n "$f" ] || { p=0 f=1; }
	passed=$((passed + p))
	failed=$((failed + f))
	echo "# $ktap"
	summary+="$ktap; $(sed -n 's/^vm-boot: [^:]*: //p' <<< "$boot" | head -n 1)"$'\n'
}

# wanted SCRIPT LINE [VARIANT]: whether SCRIPT's "# scenario: kernels="
# words (default all) pick the kernel of LINE.
wanted() {
	selects "$(tag kernels "$1" "${3:-}" | grep . || echo all)" \
		"$(field ID "$2")" "$(field NAME "$2")"
}

# Sparse series that have had their pass.
sparsed=' '

# test_kernel LINE: build, sparse and boot one target kernel: the main
# check, then every scripts/guest/scenario-*.sh that it is wanted on in a
# boot of its own, or one boot per variant where it lists
# "# scenario: variants=A B ...".
test_kernel() {
	local kdir name out s v vars series t0 root rc why

	kdir=$(field KDIR "$1")
	root=$(field CHROOT "$1")
	name=$(field NAME "$1")
	[ -n "$name" ] || name=$(cat "$kdir/include/config/kernel.release" 2>/dev/null ||
				 basename "$kdir")
	out=$top/build/$name
	kernel_order+=("$name")
	echo "# $name ($(field ID "$1"))"
	if [ -n "$plan" ]; then
		series=$(field SPARSE "$1")
		[[ $sparsed == *" $series "* ]] || { sparsed+="$series "; echo "#   sparse"; }
		echo "#   check"
		for s in scripts/guest/scenario-*.sh; do
			vars=$(tag variants "$s")
			for v in ${vars:--}; do
				[ "$v" != - ] || v=
				wanted "$s" "$1" "$v" || continue
				echo "#   $(basename "$s" .sh)${v:+-$v}"
			done
		done
		case $(field ID "$1") in
		debug-*) ;;
		*) echo "#   dkms build$([ "$(field ID "$1")" != 6.12 ] || echo ", client, dkms boot")" ;;
		esac
		return
	fi
	t0=$(date +%s)
	run "build $name" scripts/build-modules.sh ${root:+--chroot "$root"} "$kdir" "$out"
	t_build[$name]=$(($(date +%s) - t0))
	if [ ! -f "$out/src/sheafcache.ko" ]; then
		summary+="$name: not booted, the build failed"$'\n'
		return
	fi
	run "modinfo $name" modinfo_check "$out/src/sheafcache.ko"
	# Sparse once per kernel series, on its first selected kernel (the
	# generic one in a full run): the flavours of a series compile the
	# same kernel API, and sparse is a full rebuild of its own. The RT
	# kernels differ only in compat.h's PREEMPT_RT branch, which their
	# W=1 builds still compile, and the cloud one only in its config.
	series=$(field SPARSE "$1")
	if [[ $sparsed != *" ${series:-$name} "* ]]; then
		sparsed+="${series:-$name} "
		t0=$(date +%s)
		rc=0
		why=$(sparse_check "$kdir" "$out" "$root" 2>&1) || rc=$?
		if [ "$rc" = 3 ]; then
			skip "sparse $name" "$why"
		else
			[ "$rc" = 0 ] || printf '%s\n' "$why" | tail -n 40 | sed 's/^/    /'
			result "$rc" "sparse $name"
		fi
		t_sparse[$name]=$(($(date +%s) - t0))
	fi

	boot_and_judge "$1" "$out" scripts/guest/check.sh "$name"
	for s in scripts/guest/scenario-*.sh; do
		[ -e "$s" ] || continue
		vars=$(tag variants "$s")
		for v in ${vars:--}; do
			[ "$v" != - ] || v=
			wanted "$s" "$1" "$v" || continue
			boot_and_judge "$1" "$out" "$s" \
				"$name-$(basename "$s" .sh)${v:+-$v}" "$v"
		done
	done
	# The Debian package, DKMS's build for this kernel, and on 6.12 a
	# client and a boot of the DKMS-built module (scripts/eco.sh).
	dkms_check "$1" "$out"
}

# mmss SECONDS: SECONDS as M:SS.
mmss() {
	printf '%d:%02d' $(($1 / 60)) $(($1 % 60))
}

# timing_table: each step's wall time and the total, one line each.
timing_table() {
	local n b s t k

	echo "wall time (m:ss):"
	while IFS=$'\t' read -r s n; do
		[ -z "$n" ] || printf '  %-48s %7s\n' "$n" "$(mmss "$s")"
	done <<< "$steps"
	[ ${#kernel_order[@]} = 0 ] ||
		printf '  %-34s %6s %6s %10s %7s\n' kernel build sparse 'boots(n)' total
	for k in "${kernel_order[@]}"; do
		b=${t_build[$k]:-0} s=${t_sparse[$k]:-0} t=${t_boot[$k]:-0}
		printf '  %-34s %6s %6s %10s %7s\n' "$k" "$(mmss "$b")" \
			"$( [ -n "${t_sparse[$k]:-}" ] && mmss "$s" || echo -)" \
			"$(mmss "$t")($((${n_boot[$k]:-0})))" "$(mmss $((b + s + t)))"
	done
	printf '  %-48s %7s\n' total "$(mmss $(($(date +%s) - check_start)))"
}

plan=${CHECK_PLAN:-}
[ "$plan" != 0 ] || plan=
t0=$(date +%s)
# shellcheck disable=SC2086 # a list of package names
[ -n "$plan" ] || ensure_packages $SHEAFCACHE_PKGS
step "package install (or check)" "$t0"

want=${KERNELS:-all}
kernels=
while read -r line; do
	id=$(field ID "$line")
	selects "$want" "$id" "$(field NAME "$line")" || continue
	case $line in
	MISSING*) result 1 "find the Debian $id kernel" ;;
	*) kernels+=$line$'\n' ;;
	esac
done <<< "$(debian_kernels)"
trixie_kernels
# A debug kernel is built (or found in the cache) only when selected.
# Both are built before any test, so that no build competes with a guest
# for the CPUs.
if [ -x scripts/debug-kernel.sh ]; then
	selects "$want" debug-kasan debug- && debug_kernel default debug-kasan debug
	selects "$want" debug-rt debug-rt- && debug_kernel rt debug-rt debug-rt
fi
if [ -z "$kernels" ]; then
	echo "KERNELS='$want' selects none of:" \
	     "6.1 6.12 6.1-rt 6.12-rt 6.12-cloud 7.3 7.3-rt debug-kasan debug-rt"
	result 1 "select kernels"
fi

# Probe for KVM once, not in every boot: where /dev/kvm exists but does
# not work (these machines), each probe costs seconds.
if [ -z "$plan" ] && [ -z "${SHEAFCACHE_ACCEL:-}" ] && [ -n "$kernels" ]; then
	t0=$(date +%s)
	SHEAFCACHE_ACCEL=$(scripts/vm-boot.sh --probe \
		--kernel "$(field KERNEL "$(sed -n 1p <<< "$kernels")")") ||
		SHEAFCACHE_ACCEL=tcg
	export SHEAFCACHE_ACCEL
	step "KVM probe: $SHEAFCACHE_ACCEL" "$t0"
fi

# Once overall: checkpatch reads the sources, not a kernel.
if [ -n "$plan" ]; then
	echo "# checkpatch"
else
	t0=$(date +%s)
	run "checkpatch" style
	step checkpatch "$t0"
fi
# The host-side checks of the ecosystem (scripts/eco.sh).
if [ -n "$plan" ]; then
	echo "# sheafstat, kernel-doc, documentation"
else
	t0=$(date +%s)
	sheafstat_check
	step "sheafstat fixtures" "$t0"
	t0=$(date +%s)
	run "kernel-doc -none -Wall" kerneldoc_check
	run "documentation (Sphinx, kerneldoc)" sphinx_check
	step "documentation" "$t0"
fi
while read -r line <&3; do
	[ -z "$line" ] || test_kernel "$line"
done 3<<< "$kernels"

echo
printf '%s' "$summary"
[ -n "$plan" ] || timing_table
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
