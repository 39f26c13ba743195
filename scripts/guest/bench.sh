# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (busybox sh) for make bench, as /test.sh of
# scripts/vm-boot.sh, or on the host kernel for make bench HOST=1
# (scripts/bench.sh points SHEAFCACHE_MODULES, see lib.sh, and
# BENCH_FILES at its directories there). Loads the benchmark on the core
# as built (sheafcache.ko), then on the core compiled with
# -DSHEAFCACHE_NO_STATS (sheafcache_nostats.ko, with its own build of the
# benchmark, sheafcache_bench_nostats.ko: the core's symbol versions
# differ), to show what the statistics cost; the benchmark tells the two
# apart by itself. Both have the module name sheafcache, so they take turns. The
# benchmark does its work in its init and prints RESULT lines; after each
# run the debugfs files of its caches are echoed as BENCHFS lines.
#
# bench.conf may set BENCH_ARGS (parameters of the first run) and
# BENCH_NOSTATS_ARGS (of the second; default "cases=pair").

BENCH_ARGS=
BENCH_NOSTATS_ARGS=cases=pair
# shellcheck disable=SC1091 # written by scripts/bench.sh
[ ! -r "${BENCH_FILES:-/files}/bench.conf" ] || . "${BENCH_FILES:-/files}/bench.conf"

echo "BENCHCPU $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"

# Boot work (the crypto self-tests above all) goes on for a while after
# /init starts; a benchmark that yields the CPU (kmem_cache_alloc() with
# GFP_KERNEL may reschedule) would time it too. Wait, at most 30 s, for
# a second in which the CPUs were at least 98% idle.
quiet() {
	tries=0
	while [ $tries -lt 30 ]; do
		# cpu user nice system idle iowait irq softirq steal
		# shellcheck disable=SC2046 # split into the fields, on purpose
		set -- $(head -n 1 /proc/stat)
		t0=$(($2 + $3 + $4 + $5 + $6 + $7 + $8 + $9)) i0=$5
		sleep 1
		# shellcheck disable=SC2046
		set -- $(head -n 1 /proc/stat)
		t1=$(($2 + $3 + $4 + $5 + $6 + $7 + $8 + $9)) i1=$5
		if [ $((t1 - t0)) -gt 0 ] &&
		   [ $(((i1 - i0) * 100 / (t1 - t0))) -ge 98 ]; then
			echo "BENCHQUIET after $tries s"
			return
		fi
		tries=$((tries + 1))
	done
	echo "BENCHQUIET never: the figures may include other work"
}

# run CORE BENCH TAG ARGS...: the benchmark BENCH.ko on the core CORE.ko,
# its debugfs files tagged TAG.
run() {
	core=$1 bench=$2 tag=$3
	shift 3
	load "$core" || return
	quiet
	if load "$bench" "$@"; then
		for d in /sys/kernel/debug/sheafcache/bench-*; do
			[ -d "$d" ] || continue
			for f in cached sheaves; do
				sed "s|^|BENCHFS $tag ${d##*/} $f |" "$d/$f"
			done
		done
		unload sheafcache_bench
	fi
	unload sheafcache
}

# Word splitting of the arguments is intended: "cases=pair reps=7".
# shellcheck disable=SC2086
run sheafcache sheafcache_bench stats $BENCH_ARGS
# shellcheck disable=SC2086
run sheafcache_nostats sheafcache_bench_nostats nostats $BENCH_NOSTATS_ARGS
