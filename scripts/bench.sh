#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: sheafcache against the slab fast path, mempool and bulk
# allocation, side by side in one boot, on every target kernel and in two
# measuring modes; the report goes to bench/report/ (not tracked).
#
# For each kernel the modules are built twice with scripts/build-modules.sh:
# as they are, and with the core compiled with -DSHEAFCACHE_NO_STATS (to
# show what the statistics cost). Each mode is one QEMU boot
# (scripts/vm-boot.sh) that runs scripts/guest/bench.sh:
#   wall    wall time under multi-threaded TCG, 2 vCPUs on one node;
#   icount  -icount shift=0,sleep=off on one vCPU: a guest nanosecond is one
#           guest instruction, so the figures are exact and repeatable.
# Figures are only compared within one boot. Every log is judged by
# scripts/ktap.sh: a splat, a failed step or case makes the exit status
# non-zero (the report is still written).
set -euo pipefail
export LC_ALL=C

usage() {
	cat >&2 <<-'EOF'
	usage: bench.sh [--quick] [--kernels "6.1 6.12 7.3"] [--modes "wall icount"]
	                [--host] [--publish]

	  --quick     BENCH_SCALE defaults to 20 instead of 100
	  --kernels   the Debian series to build for and boot (default 6.1,
	              6.12 and 7.3; 7.3-rt too on request)
	  --modes     wall, icount or both (default both)
	  --host      (make bench HOST=1) load the benchmark into the RUNNING
	              kernel instead of booting VMs, in wall mode only. Never
	              done otherwise. Needs root, KDIR (default: the running
	              kernel's /lib/modules/<release>/build) built for exactly
	              the running kernel, module loading enabled, and no
	              sheafcache loaded; the report says it ran on the host.
	  --publish   also write bench/results/report.md, the tracked copy the
	              README quotes (report.md only: no CSV, no plots)

	Environment: KDIR=<kernel build tree> (make bench KDIR=...) takes that
	kernel only; BENCH_SCALE (iteration counts, percent; default 100,
	--quick 20) and BENCH_REPS (repetitions, at least 5) tune the runs;
	BENCH_CASES="pair,rcu" runs only those cases (a quick look; the
	report then misses the others).

	To publish the last run's report without running again:
	  python3 scripts/bench-report.py --md-only bench/results \
	          $(cat bench/report/runs)
	EOF
	exit 2
}

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib.sh

series="6.1 6.12 7.3" modes="wall icount"
scale=${BENCH_SCALE:-100}
reps=${BENCH_REPS:-5}
cases=${BENCH_CASES:-}
host=${HOST:-0} publish=0
[ "$host" != 0 ] || host=
while [ $# -gt 0 ]; do
	case $1 in
	--quick)   scale=${BENCH_SCALE:-20} ;;
	--kernels) series=$2; shift ;;
	--modes)   modes=$2; shift ;;
	--host)    host=1 ;;
	--publish) publish=1 ;;
	*) usage ;;
	esac
	shift
done

# Relative to the top, so that bench/report/runs stays valid in another
# checkout and the report names no host paths.
report=bench/report
logs=$report/logs
mkdir -p "$logs"
rm -f "$logs"/*.log "$logs"/*.ktap

# uts FILE MACRO: the string a generated header defines.
uts() {
	sed -n "s/^#define $2 \"\\(.*\\)\"/\\1/p" "$1" 2>/dev/null | head -n 1
}

# host_ok KDIR: whether the benchmark may be loaded into the running
# kernel (only ever asked for with --host / HOST=1); says why not. Every
# condition must hold: root, the same release and version string as the
# running kernel, KDIR being the running kernel's own build tree, module
# loading enabled, and no sheafcache loaded already.
host_ok() {
	local kdir=$1 rel ver why=''

	rel=$(uts "$kdir/include/generated/utsrelease.h" UTS_RELEASE)
	ver=$(uts "$kdir/include/generated/utsversion.h" UTS_VERSION)
	[ -n "$ver" ] || ver=$(uts "$kdir/include/generated/compile.h" UTS_VERSION)
	if [ "$(id -u)" != 0 ]; then
		why="not root"
	elif [ "$rel" != "$(uname -r)" ] || [ "$ver" != "$(uname -v)" ]; then
		why="$kdir is for '$rel $ver', the running kernel is '$(uname -r) $(uname -v)'"
	elif [ "$(readlink -f "/lib/modules/$rel/build")" != "$(readlink -f "$kdir")" ]; then
		why="$kdir is not /lib/modules/$rel/build"
	elif [ "$(cat /proc/sys/kernel/modules_disabled 2>/dev/null)" != 0 ]; then
		why="module loading is disabled"
	elif grep -q '^sheafcache' /proc/modules; then
		why="a sheafcache module is loaded already"
	fi
	[ -n "$why" ] || return 0
	echo "bench: --host: cannot load into the running kernel: $why" >&2
	return 1
}

# targets: "NAME KDIR KERNEL CHROOT" lines; CHROOT is - but for the 7.3
# kernels, whose modules are built in the trixie root that
# scripts/trixie-root.sh makes (once) or finds.
targets() {
	local s rel line

	[ -z "$host" ] || KDIR=${KDIR:-/lib/modules/$(uname -r)/build}
	if [ -n "${KDIR:-}" ]; then
		rel=$(uts "$KDIR/include/generated/utsrelease.h" UTS_RELEASE)
		[ -n "$rel" ] || { echo "bench: no kernel release in $KDIR" >&2; return 1; }
		echo "$rel $KDIR /boot/vmlinuz-$rel -"
		return
	fi
	for s in $series; do
		case $s in
		7.3*)
			line=$(scripts/trixie-root.sh | grep -F " ID=$s ") ||
				{ echo "bench: no Debian $s kernel" >&2; return 1; }
			echo "$(field NAME "$line") $(field KDIR "$line")" \
			     "$(field KERNEL "$line") $(field CHROOT "$line")"
			;;
		*)
			rel=$(debian_release "$s") || return 1
			echo "$rel /lib/modules/$rel/build /boot/vmlinuz-$rel -"
			;;
		esac
	done
}

# build NAME KDIR CHROOT: both builds, and the module set a run loads:
# sheafcache.ko and sheafcache_bench.ko as they are, and the
# -DSHEAFCACHE_NO_STATS build as sheafcache_nostats.ko with its own
# sheafcache_bench_nostats.ko (the core's symbol versions differ).
build() {
	local out=$top/build/bench/$1 root=()

	[ "$3" = - ] || root=(--chroot "$3")
	echo "bench: building for $1"
	scripts/build-modules.sh "${root[@]}" "$2" "$out/stats" > /dev/null
	KCFLAGS=-DSHEAFCACHE_NO_STATS \
		scripts/build-modules.sh "${root[@]}" "$2" "$out/nostats" > /dev/null
	rm -rf "$out/modules"
	mkdir -p "$out/modules"
	cp "$out/stats/src/sheafcache.ko" "$out/stats/src/bench/sheafcache_bench.ko" \
		"$out/modules/"
	cp "$out/nostats/src/sheafcache.ko" "$out/modules/sheafcache_nostats.ko"
	cp "$out/nostats/src/bench/sheafcache_bench.ko" \
		"$out/modules/sheafcache_bench_nostats.ko"
}

# write_conf NAME SCALE: the guest script's parameters, in the directory
# that becomes its /files.
write_conf() {
	local files=$top/build/bench/$1/files

	mkdir -p "$files"
	cat > "$files/bench.conf" <<-EOF
	BENCH_ARGS="reps=$reps scale=$2${cases:+ cases=$cases}"
	BENCH_NOSTATS_ARGS="reps=$reps scale=$2 cases=pair"
	EOF
}

# run_host NAME LOG: scripts/guest/bench.sh, as a VM runs it, on the
# running kernel; the kernel log from a marker on is appended, as a
# guest's console would show it.
run_host() {
	local dir=$top/build/bench/$1 log=$2 mark

	echo "bench: $1 is the running kernel and --host was given:" \
	     "loading the benchmark into it, not into a VM"
	write_conf "$1" "$scale"
	cat scripts/guest/lib.sh scripts/guest/bench.sh > "$dir/host-bench.sh"
	mark="sheafcache_bench: host run $$ $(date +%s)"
	echo "$mark" > /dev/kmsg
	{
		echo "BENCHHOST $(uname -r) $(uname -v)"
		SHEAFCACHE_MODULES=$dir/modules BENCH_FILES=$dir/files sh "$dir/host-bench.sh"
		dmesg | sed -n "\\|$mark|,\$p"
		echo SHEAFCACHE_DONE
	} > "$log" 2>&1
}

# run_vm NAME KERNEL MODE LOG
run_vm() {
	local args=() s=$scale

	case $3 in
	wall)   args=(--smp 2 --nodes 1) ;;
	# Instruction counts do not vary from run to run: half the
	# iterations do, and 6.1's slower slab makes this boot the longest.
	icount) args=(--icount) s=$(( (scale + 1) / 2 )) ;;
	esac
	write_conf "$1" "$s"
	scripts/vm-boot.sh --kernel "$2" --modules "$top/build/bench/$1/modules" \
		--script scripts/guest/bench.sh --files "$top/build/bench/$1/files" \
		--log "$4" --mem 1024 --timeout 600 "${args[@]}"
}

# shellcheck disable=SC2086 # a list of package names
ensure_packages $SHEAFCACHE_PKGS gnuplot-nox python3

start=$(date +%s)
failed=0 runs=()
[ -z "$host" ] || modes=host
while read -r name kdir kernel root <&3; do
	[ -n "$name" ] || continue
	if [ -n "$host" ] && ! host_ok "$kdir"; then
		failed=1
		continue
	fi
	if ! build "$name" "$kdir" "$root"; then
		echo "bench: build for $name failed" >&2
		failed=1
		continue
	fi
	for mode in $modes; do
		log=$logs/$name-$mode.log
		echo "bench: $name, $mode"
		if [ "$mode" = host ]; then
			run_host "$name" "$log" || failed=1
		else
			run_vm "$name" "$kernel" "$mode" "$log" || failed=1
		fi
		# Splats, failed steps or cases make the run invalid.
		if ! scripts/ktap.sh --name "$name-$mode" "$log" > "$log.ktap"; then
			sed 's/^/  /' "$log.ktap"
			failed=1
		fi
		runs+=("$name:$mode:$log")
	done
done 3< <(targets)

[ ${#runs[@]} -gt 0 ] || { echo "bench: nothing ran" >&2; exit 1; }
printf '%s\n' "${runs[@]}" > "$report/runs"
python3 scripts/bench-report.py "$report" "${runs[@]}"
echo "bench: report in $report/report.md, $(( $(date +%s) - start )) s in all"
if [ "$publish" = 1 ]; then
	python3 scripts/bench-report.py --md-only bench/results "${runs[@]}"
	echo "bench: published as bench/results/report.md"
fi
exit $failed
