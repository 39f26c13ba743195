# SPDX-License-Identifier: GPL-2.0
#
# The tracepoints: the trace system "sheafcache" is enabled through
# tracefs before the example's cache is made and used (its init runs
# guaranteed inserts: prefills, refills, returns), then the cache is
# shrunk; the events of that cache must match its counters exactly:
# the objects of sheafcache_refill and sheafcache_flush, the number of
# barn failures, of fast prefills and of returns, fast and all; and a
# capacity written in sysfs has its sheafcache_capacity event.
#
# scenario: min-docs=1
# Where: 6.1, 6.12 and 7.3, whose tracefs and TRACE_EVENT differ
# (__assign_str() lost an argument in 6.10; the events avoid it).
# scenario: kernels=6.1 6.12 7.3

T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T || step_failed TRACE "no tracefs"
load sheafcache || exit 0
[ -d $T/events/sheafcache ] || step_failed TRACE "no events/sheafcache"
echo 0 > $T/tracing_on
echo > $T/trace
echo 2048 > $T/buffer_size_kb
echo 1 > $T/events/sheafcache/enable || step_failed TRACE "cannot enable the events"
echo 1 > $T/tracing_on
load sheafcache_example
d=/sys/kernel/sheafcache/example_flow
cap=$(cat $d/capacity)
echo 1 > $d/shrink
echo 7 > $d/capacity
echo 0 > $T/tracing_on

grep -h overrun $T/per_cpu/cpu*/stats | grep -qv 'overrun: 0' &&
	step_failed TRACE "the trace buffer overran"
ev=/tmp/events
grep ' example_flow cpu=' $T/trace > $ev
echo "# trace: $(wc -l < $ev) events of example_flow"

# counter FILE: a counter's total.
counter() {
	sed 's/ .*//' $d/$1
}

# events EVENT [FILTER]: how many EVENT lines (matching FILTER) there are.
events() {
	grep " $1: " $ev | grep -c -- "${2:-.}"
}

# objects EVENT: the sum of EVENT's counts.
objects() {
	grep " $1: " $ev | sed 's/.*count=//' | awk '{ n += $1 } END { print n + 0 }'
}

# same WHAT TRACED COUNTED: the two agree, or the step fails.
same() {
	echo "# trace: $1: events $2, counter $3"
	[ "$2" = "$3" ] || step_failed TRACE "$1: events say $2, the counter $3"
}

same "refilled objects" "$(objects sheafcache_refill)" "$(counter sheaf_refill)"
same "flushed objects" "$(objects sheafcache_flush)" "$(counter sheaf_flush)"
same "barn get failures" "$(events sheafcache_barn_get_fail)" "$(counter barn_get_fail)"
same "barn put failures" "$(events sheafcache_barn_put_fail)" "$(counter barn_put_fail)"
same "fast prefills" "$(events sheafcache_prefill fast=1)" "$(counter prefill_fast)"
same "fast returns" "$(events sheafcache_return fast=1)" "$(counter return_fast)"
same "returns" "$(events sheafcache_return)" \
	"$(($(counter return_fast) + $(counter return_slow)))"
grep -q " sheafcache_capacity: example_flow cpu=[0-9]* old=$cap capacity=7\$" $ev ||
	step_failed TRACE "no capacity event $cap -> 7: $(grep capacity $ev)"
[ "$(objects sheafcache_refill)" -gt 0 ] && [ "$(objects sheafcache_flush)" -gt 0 ] &&
	[ "$(events sheafcache_prefill)" -gt 0 ] ||
	step_failed TRACE "the example exercised too little: $(sort $ev | head -3)"

echo 0 > $T/events/sheafcache/enable
unload sheafcache_example sheafcache
