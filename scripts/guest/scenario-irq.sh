# SPDX-License-Identifier: GPL-2.0
#
# Interrupt context: on every CPU a bound thread hammers the fast paths
# while a hardirq hrtimer and a softirq hrtimer allocate and free on the
# same CPU. An interrupt that lands inside the thread's per-CPU section
# must take the base path (counted as reentrant): the module fails if
# that never happened, if an object changed hands under its owner, or if
# anything was lost.
#
# scenario: smp=4
# scenario: timeout=300
# Where: 6.12 for the !RT section (preempt_disable() and the in-use
# flag), 6.1-rt for the RT one (a per-CPU lock under migrate_disable(),
# which refuses in hard IRQ) on the older RT patch set; both debug
# kernels: lockdep's IRQ-safety checks under KASAN on one, and under
# PREEMPT_RT with DEBUG_ATOMIC_SLEEP (the issue assigns it) on the other;
# 7.3, where compat.h's local_trylock_t steps aside for the kernel's own
# (from 6.15) and hrtimer_setup() replaces hrtimer_init().
# scenario: kernels=6.12 6.1-rt debug 7.3

ms=8000
[ ! -e /sys/kernel/debug/kmemleak ] || ms=20000

kmemleak_begin

run_torture irq $ms

kmemleak_end
