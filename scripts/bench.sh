#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: sheafcache against the slab fast path, mempool and bulk
# allocation, side by side in one boot, on every target kernel and in two
# measuring modes; the report goes to bench/report/.
#
# usage: bench.sh [--quick] [--kernels "6.1 6.12"] [--modes "wall icount"]
#
# For each kernel the modules are built twice with scripts/build-modules.sh:
# as they are, and with the core compiled with -DSHEAFCACHE_NO_STATS (to
# show what the statistics cost). Each mode is one QEMU boot
# (scripts/vm-boot.sh) that runs scripts/guest/bench.sh:
#   wall    wall time under multi-threaded TCG, 2 vCPUs on one node;
#   icount  -icount shift=0,sleep=off on one vCPU: a guest nanosecond is one
#           guest instruction, so the figures are exact and repeatable.
# Figures are only compared within one boot.
#
# KDIR=<kernel build tree> in the environment (make bench KDIR=...) takes
# that kernel only. If we are root and the running kernel is exactly the one
# KDIR was built for (same release and version string, and KDIR is its
# /lib/modules build tree), the benchmark is loaded into the running kernel
# instead of a VM, in wall mode only, and the report says so.
# SHEAFCACHE_BENCH_VM=1 forbids that.
#
# BENCH_SCALE (iteration counts, percent; default 100, --quick 20) and
# BENCH_REPS (repetitions, at least 5) tune the runs.
#
# BENCH_CORE_PATCHES="a.diff b.diff ..." measures proposed changes to the
# core side by side with it, in the same boots: variant "a" is the core
# with a.diff applied (patch -p1 at the top of the tree), "b" with a.diff
# and b.diff, and so on; each runs the pair, alloc_from_sheaf and
# guaranteed-allocation cases, and so does "base", the core as it is, so
# that every variant has a reference run after the same history (the state
# SLUB is left in shows in the figures of the cases that reach it).
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib.sh

series="6.1 6.12" modes="wall icount"
scale=${BENCH_SCALE:-100}
reps=${BENCH_REPS:-5}
while [ $# -gt 0 ]; do
	case $1 in
	--quick)   scale=${BENCH_SCALE:-20} ;;
	--kernels) series=$2; shift ;;
	--modes)   modes=$2; shift ;;
	*) sed -n '8p' "$0" | sed 's/^# //' >&2; exit 2 ;;
	esac
	shift
done

report=$top/bench/report
logs=$report/logs
mkdir -p "$logs"
rm -f "$logs"/*.log

# uts FILE MACRO: the string a generated header defines.
uts() {
	sed -n "s/^#define $2 \"\\(.*\\)\"/\\1/p" "$1" 2>/dev/null | head -n 1
}

# on_host KDIR: true only when loading into the running kernel is both
# possible and what KDIR was built for. Every condition must hold: root, no
# opt-out, the same release and version string as the running kernel, KDIR
# being the running kernel's own build tree, module loading enabled, and no
# sheafcache loaded already.
on_host() {
	local kdir=$1 rel ver

	[ "$(id -u)" = 0 ] || return 1
	[ "${SHEAFCACHE_BENCH_VM:-0}" = 0 ] || return 1
	rel=$(uts "$kdir/include/generated/utsrelease.h" UTS_RELEASE)
	ver=$(uts "$kdir/include/generated/utsversion.h" UTS_VERSION)
	[ -n "$ver" ] || ver=$(uts "$kdir/include/generated/compile.h" UTS_VERSION)
	[ -n "$rel" ] && [ "$rel" = "$(uname -r)" ] || return 1
	[ -n "$ver" ] && [ "$ver" = "$(uname -v)" ] || return 1
	[ -d "/lib/modules/$rel/build" ] &&
		[ "$(readlink -f "/lib/modules/$rel/build")" = "$(readlink -f "$kdir")" ] ||
		return 1
	[ "$(cat /proc/sys/kernel/modules_disabled 2>/dev/null)" = 0 ] || return 1
	! grep -q '^sheafcache ' /proc/modules
}

# targets: "NAME KDIR KERNEL" lines.
targets() {
	local s rel

	if [ -n "${KDIR:-}" ]; then
		rel=$(uts "$KDIR/include/generated/utsrelease.h" UTS_RELEASE)
		[ -n "$rel" ] || { echo "bench: no kernel release in $KDIR" >&2; return 1; }
		echo "$rel $KDIR /boot/vmlinuz-$rel"
		return
	fi
	for s in $series; do
		rel=$(debian_release "$s") || return 1
		echo "$rel /lib/modules/$rel/build /boot/vmlinuz-$rel"
	done
}

# variants: the patched trees of BENCH_CORE_PATCHES, once per make bench.
# Each is a copy of the project's files (tracked and untracked, not
# ignored) under build/bench/trees/<variant>, with the patches applied.
variants=()
make_variants() {
	local p q v tree applied=()

	for p in ${BENCH_CORE_PATCHES:-}; do
		p=$(readlink -f "$p")
		v=$(basename "$p")
		v=${v%.*}
		v=${v//[^A-Za-z0-9_]/_}
		applied+=("$p")
		tree=$top/build/bench/trees/$v
		rm -rf "$tree"
		mkdir -p "$tree"
		git ls-files -z -co --exclude-standard |
			grep -zv '^bench/report/' | tar -c --null -T - | tar -x -C "$tree"
		for q in "${applied[@]}"; do
			patch -s -p1 -d "$tree" < "$q" ||
				{ echo "bench: $q does not apply" >&2; return 1; }
		done
		variants+=("$v")
	done
}

# build NAME KDIR: every build, and the module set a run loads: the core
# and benchmark as they are, then sheafcache_<variant>.ko with its own
# sheafcache_bench_<variant>.ko for "nostats" and each patched variant.
build() {
	local out=$top/build/bench/$1 v

	echo "bench: building for $1"
	scripts/build-modules.sh "$2" "$out/stats" > /dev/null
	KCFLAGS=-DSHEAFCACHE_NO_STATS \
		scripts/build-modules.sh "$2" "$out/nostats" > /dev/null
	for v in "${variants[@]}"; do
		"$top/build/bench/trees/$v/scripts/build-modules.sh" "$2" \
			"$out/$v" > /dev/null
	done
	rm -rf "$out/modules"
	mkdir -p "$out/modules"
	cp "$out/stats/src/sheafcache.ko" "$out/stats/src/bench/sheafcache_bench.ko" \
		"$out/modules/"
	for v in nostats "${variants[@]}"; do
		cp "$out/$v/src/sheafcache.ko" "$out/modules/sheafcache_$v.ko"
		cp "$out/$v/src/bench/sheafcache_bench.ko" \
			"$out/modules/sheafcache_bench_$v.ko"
	done
	if [ ${#variants[@]} -gt 0 ]; then
		cp "$out/stats/src/sheafcache.ko" "$out/modules/sheafcache_base.ko"
	fi
}

# run_host NAME LOG: the guest script's steps, on the running kernel.
run_host() {
	local mods=$top/build/bench/$1/modules log=$2 mark b v vlist=(nostats)

	[ ${#variants[@]} -eq 0 ] || vlist+=("${variants[@]}" base)
	mark="sheafcache_bench: host run $$ $(date +%s)"
	echo "bench: $1 is the running kernel and we are root:" \
	     "loading the benchmark into it, not into a VM"
	echo "$mark" > /dev/kmsg
	{
		echo "BENCHHOST $(uname -r) $(uname -v)"
		echo "BENCHCPU $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
		insmod "$mods/sheafcache.ko"
		# shellcheck disable=SC2086
		insmod "$mods/sheafcache_bench.ko" reps="$reps" scale="$scale" ||
			echo "SHEAFCACHE_INSMOD_FAIL sheafcache_bench"
		rmmod sheafcache_bench 2>/dev/null || true
		rmmod sheafcache
		for v in "${vlist[@]}"; do
			b=$mods/sheafcache_bench_$v.ko
			[ -f "$b" ] || b=$mods/sheafcache_bench.ko
			insmod "$mods/sheafcache_$v.ko"
			insmod "$b" reps="$reps" \
				scale="$scale" variant="$v" cases="$vcases" ||
				echo "SHEAFCACHE_INSMOD_FAIL sheafcache_bench"
			rmmod sheafcache_bench 2>/dev/null || true
			rmmod sheafcache
		done
		dmesg | sed -n "\\|$mark|,\$p"
		echo SHEAFCACHE_DONE
	} > "$log" 2>&1
}

# run_vm NAME KERNEL MODE LOG
run_vm() {
	local mods=$top/build/bench/$1/modules files=$top/build/bench/$1/files
	local args=()

	local s=$scale

	case $3 in
	wall)   args=(--smp 2 --nodes 1) ;;
	# Instruction counts do not vary from run to run: half the
	# iterations do, and 6.1's slower slab makes this boot the longest.
	icount) args=(--icount) s=$(( (scale + 1) / 2 )) ;;
	esac
	mkdir -p "$files"
	cat > "$files/bench.conf" <<-EOF
	BENCH_ARGS="reps=$reps scale=$s"
	BENCH_VARIANT_ARGS="reps=$reps scale=$s cases=$vcases"
	EOF
	scripts/vm-boot.sh --kernel "$2" --modules "$mods" \
		--script scripts/guest/bench.sh --files "$files" --log "$4" \
		--mem 1024 --timeout 600 "${args[@]}"
}

# shellcheck disable=SC2086 # a list of package names
ensure_packages $SHEAFCACHE_PKGS gnuplot-nox python3 patch

# The cases the other builds of the core run.
vcases=pair
[ -z "${BENCH_CORE_PATCHES:-}" ] || vcases=pair,from,guar

start=$(date +%s)
make_variants
failed=0 runs=()
while read -r name kdir kernel <&3; do
	[ -n "$name" ] || continue
	if ! build "$name" "$kdir"; then
		echo "bench: build for $name failed" >&2
		failed=1
		continue
	fi
	if on_host "$kdir"; then
		log=$logs/$name-host.log
		run_host "$name" "$log" || failed=1
		runs+=("$name:host:$log")
		continue
	fi
	for mode in $modes; do
		log=$logs/$name-$mode.log
		echo "bench: $name, $mode"
		run_vm "$name" "$kernel" "$mode" "$log" || failed=1
		# Splats, taint, failed steps or cases make the run invalid.
		if ! scripts/ktap.sh --name "$name-$mode" "$log" > "$log.ktap"; then
			sed 's/^/  /' "$log.ktap"
			failed=1
		fi
		runs+=("$name:$mode:$log")
	done
done 3< <(targets)

[ ${#runs[@]} -gt 0 ] || { echo "bench: nothing ran" >&2; exit 1; }
python3 scripts/bench-report.py "$report" "${runs[@]}"
echo "bench: report in ${report#"$top"/}/report.md," \
     "$(( $(date +%s) - start )) s in all"
exit $failed
