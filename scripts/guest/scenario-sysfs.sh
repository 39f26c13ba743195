# SPDX-License-Identifier: GPL-2.0
#
# Statistics and tuning under lockdown, as on a Secure Boot machine: the
# modules are loaded (the torture stress in the background), then lockdown
# is raised to integrity, after which no unsigned module loads and debugfs
# refuses every file with a write bit. Every file sheafstat reads must
# still read, in its format: /proc/sheafinfo under its version header,
# each /sys/kernel/sheafcache/<cache>/ file, the counters as SLUB's
# "total C0=n C1=m" whose parts add up; and the debugfs dumps; and
# sheafstat itself runs on them. The
# tunables refuse garbage and out-of-range values and change nothing
# then, take valid ones, and the capacity changes under the stress, which
# fails if an object is lost or handed out twice.
#
# scenario: smp=2
# scenario: timeout=600
# scenario: min-docs=2
# Where: every Debian series (6.1, 6.12, 7.3: their sysfs, procfs and
# lockdown), and 6.12-rt, where the capacity change waits for a per-CPU
# lock a preempted task may hold.
# scenario: kernels=6.1 6.12 6.12-rt 7.3

sys=/sys/kernel/sheafcache
dbg=/sys/kernel/debug/sheafcache

load sheafcache || exit 0
load sheafcache_example
# The stress runs while lockdown is raised and the capacity changes;
# insmod returns when it is done, failing if the test failed.
{
	load sheafcache_torture mode=stress duration_ms=10000 tuned_cap=24 ||
		step_failed TORTURE stress under tuning
	echo "# sysfs: stress done"
} &
torture=$!
i=0
while [ $i -lt 50 ] && ! ls -d $sys/torture* > /dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done

lock=/sys/kernel/security/lockdown
# The initramfs mounts no securityfs: lockdown's file lives there.
[ -e $lock ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if [ -w $lock ]; then
	echo integrity > $lock || step_failed LOCKDOWN "cannot raise it"
	grep -q '\[integrity\]' $lock || step_failed LOCKDOWN "$(cat $lock)"
	# Proof that it bites: a writable debugfs file no longer opens.
	if [ -e $dbg/fail_sheaf_alloc/probability ] &&
	   cat $dbg/fail_sheaf_alloc/probability > /dev/null 2>&1; then
		step_failed LOCKDOWN "debugfs opened a writable file"
	fi
	echo "# sysfs: lockdown $(cat $lock)"
else
	echo "# sysfs: no $lock on this kernel: lockdown not raised"
fi

# Below the creator's sheaf_capacity is refused; the capacity moves up
# and down while the stress runs on every CPU (its caches' sheaf_capacity
# is 8; tuned_cap=24 tells it how far the shell takes them).
changes=0
for t in $sys/torture*; do
	[ -d "$t" ] || continue
	min=$(cat "$t/min_capacity" 2>/dev/null) || continue
	[ "$min" -gt 1 ] &&
		echo $((min - 1)) > "$t/capacity" 2>/dev/null &&
		step_failed TUNE "$t took capacity below $min"
	for c in $((min * 3)) "$min" $((min + 5)) $((min * 2)) "$min"; do
		echo "$c" > "$t/capacity" 2>/dev/null || break
		changes=$((changes + 1))
	done
done
echo "# sysfs: $changes capacity changes under the stress"
[ $changes -gt 0 ] || step_failed TUNE "no capacity change under load"

# /proc/sheafinfo: mode 0400, the version header, a line per cache.
[ "$(stat -c %a /proc/sheafinfo)" = 400 ] ||
	step_failed SHEAFINFO "mode $(stat -c %a /proc/sheafinfo)"
[ "$(sed -n 1p /proc/sheafinfo)" = "sheafcache - version: 1.0" ] ||
	step_failed SHEAFINFO "header '$(sed -n 1p /proc/sheafinfo)'"
grep -q '^example_flow ' /proc/sheafinfo ||
	step_failed SHEAFINFO "no example_flow line"

# Every readable file of every cache reads; numbers are numbers and the
# counters are "total C<cpu>=n..." whose parts add up to the total.
files=0
for d in $sys/*/; do
	for f in "$d"*; do
		case $(basename "$f") in shrink) continue ;; esac
		# A torture cache may be destroyed under the loop.
		v=$(cat "$f" 2>/dev/null) || {
			[ ! -d "$d" ] || step_failed SYSFS "cannot read $f"
			continue
		}
		files=$((files + 1))
		echo "$v" | grep -qE '^[0-9]+( C[0-9]+=[0-9]+)*$' ||
			step_failed SYSFS "$f: '$v'"
		set -- $v
		total=$1 sum=0
		shift
		for c in "$@"; do
			sum=$((sum + ${c#*=}))
		done
		[ $# = 0 ] || [ "$sum" = "$total" ] ||
			step_failed SYSFS "$f: parts $sum, total $total"
	done
done
echo "# sysfs: $files files read"
[ $files -ge 38 ] || step_failed SYSFS "only $files files"
for f in $dbg/*/*; do
	[ -f "$f" ] || continue
	case $f in */fail_sheaf_alloc/*) continue ;; esac
	cat "$f" > /dev/null || step_failed DEBUGFS "cannot read $f"
	[ "$(stat -c %a "$f")" = 400 ] || step_failed DEBUGFS "$f: mode $(stat -c %a "$f")"
done

# sheafstat reads the same files, under lockdown too: its table, a delta
# interval with rates, and its errors for what is not there.
if command -v sheafstat > /dev/null; then
	out=$(sheafstat -s alloc) || step_failed SHEAFSTAT "table: $out"
	echo "$out" | grep -q '^example_flow ' || step_failed SHEAFSTAT "no example_flow: $out"
	echo "$out" | sed 's/^/# sheafstat: /'
	out=$(sheafstat -d 1 --once -s hit%) || step_failed SHEAFSTAT "delta: $out"
	echo "$out" | grep -q 'alloc/s' || step_failed SHEAFSTAT "no rates: $out"
	sheafstat --root /nonexistent 2>&1 | grep -q 'module is not loaded' ||
		step_failed SHEAFSTAT "no error without the module"
else
	step_failed SHEAFSTAT "no sheafstat in the guest (build-modules.sh builds it)"
fi

# Tunables on the example's cache: garbage changes nothing.
d=$sys/example_flow
for f in capacity max_full_sheaves max_empty_sheaves; do
	before=$(cat $d/$f)
	for junk in x -1 '\n' 0x10 '1 2' 99999999999999999999 1025; do
		printf '%s' "$junk" > $d/$f 2>/dev/null &&
			step_failed TUNE "$f took '$junk'"
	done
	[ "$(cat $d/$f)" = "$before" ] || step_failed TUNE "$f changed to $(cat $d/$f)"
done
printf 0 > $d/capacity 2>/dev/null && step_failed TUNE "capacity took 0"
echo 7 > $d/max_full_sheaves && [ "$(cat $d/max_full_sheaves)" = 7 ] ||
	step_failed TUNE "max_full_sheaves 7: $(cat $d/max_full_sheaves)"
echo 3 > $d/max_empty_sheaves && [ "$(cat $d/max_empty_sheaves)" = 3 ] ||
	step_failed TUNE "max_empty_sheaves 3: $(cat $d/max_empty_sheaves)"
echo 33 > $d/capacity && [ "$(cat $d/capacity)" = 33 ] ||
	step_failed TUNE "capacity 33: $(cat $d/capacity)"
grep -q '^example_flow  *[0-9]*  *33 ' /proc/sheafinfo ||
	step_failed SHEAFINFO "capacity 33 not shown: $(grep example_flow /proc/sheafinfo)"
# The counters clear on "0" only, and shrink takes "1" only.
printf 1 > $d/alloc_fast 2>/dev/null && step_failed TUNE "alloc_fast took 1"
echo 0 > $d/alloc_fast && [ "$(cat $d/alloc_fast)" = 0 ] ||
	step_failed TUNE "alloc_fast not cleared: $(cat $d/alloc_fast)"
printf 2 > $d/shrink 2>/dev/null && step_failed TUNE "shrink took 2"
echo 1 > $d/shrink && [ "$(cat $d/objects)" = 0 ] ||
	step_failed TUNE "shrink left $(cat $d/objects) objects"

wait $torture
unload sheafcache_torture sheafcache_example sheafcache
[ ! -e $sys ] || step_failed SYSFS "$sys left behind"
[ ! -e /proc/sheafinfo ] || step_failed SHEAFINFO "left behind"
