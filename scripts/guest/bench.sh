# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (busybox sh) for make bench, as /test.sh of
# scripts/vm-boot.sh. Loads the benchmark on the core as built
# (/modules/sheafcache.ko), then on each other build of the core shipped as
# /modules/sheafcache_<variant>.ko: "nostats" is the core compiled with
# -DSHEAFCACHE_NO_STATS, others are proposed changes. All have the module
# name sheafcache, so they take turns. The benchmark does its work in its
# init and prints RESULT lines; after each run the debugfs files of its
# caches are echoed as BENCHFS lines.
#
# A variant whose internal.h differs changes the symbol versions of the
# core's exports, so it comes with its own benchmark build,
# /modules/sheafcache_bench_<variant>.ko, used instead of
# /modules/sheafcache_bench.ko (the module name stays sheafcache_bench).
#
# /files/bench.conf may set BENCH_ARGS (parameters of the first run) and
# BENCH_VARIANT_ARGS (of the others; default "cases=pair").

BENCH_ARGS=
BENCH_VARIANT_ARGS=cases=pair
# shellcheck disable=SC1091 # written by scripts/bench.sh
[ ! -r /files/bench.conf ] || . /files/bench.conf

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

# run CORE BENCH TAG ARGS...
run() {
	core=$1 bench=$2 tag=$3
	shift 3
	if ! insmod "/modules/$core.ko"; then
		echo "SHEAFCACHE_INSMOD_FAIL $core"
		return
	fi
	quiet
	if insmod "/modules/$bench.ko" "$@"; then
		for d in /sys/kernel/debug/sheafcache/bench-*; do
			[ -d "$d" ] || continue
			for f in cached sheaves; do
				sed "s|^|BENCHFS $tag ${d##*/} $f |" "$d/$f"
			done
		done
		rmmod sheafcache_bench ||
			echo "SHEAFCACHE_RMMOD_FAIL sheafcache_bench"
	else
		echo "SHEAFCACHE_INSMOD_FAIL sheafcache_bench"
	fi
	rmmod sheafcache || echo "SHEAFCACHE_RMMOD_FAIL $core"
}

# Word splitting of the arguments is intended: "cases=pair reps=7".
# shellcheck disable=SC2086
run sheafcache sheafcache_bench stats $BENCH_ARGS
for ko in /modules/sheafcache_*.ko; do
	v=${ko#/modules/sheafcache_}
	v=${v%.ko}
	case $v in
	bench|bench_*|selftest|example) continue ;;
	esac
	bench=sheafcache_bench
	[ ! -f "/modules/sheafcache_bench_$v.ko" ] || bench=sheafcache_bench_$v
	# shellcheck disable=SC2086
	run "sheafcache_$v" "$bench" "$v" variant="$v" $BENCH_VARIANT_ARGS
done
