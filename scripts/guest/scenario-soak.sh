# SPDX-License-Identifier: GPL-2.0
#
# Soak: the torture module's soak mode runs a randomized mix of every
# operation (alloc, __GFP_ZERO, IRQs-off paths, frees here and on other
# CPUs, prefill, refill and return, sheaves kept out, shrink, the
# introspection calls) from a thread on every CPU, with hardirq and
# softirq users beside them, for a fixed time: a few minutes on the debug
# kernel, shorter on the others. The seed is printed for replay; the final
# accounting must be exact.
#
# scenario: smp=4
# scenario: timeout=480
# Where: 6.1 (the oldest API), both RT flavours (the RT section under
# the older RT patch set and under mainline's), and both debug kernels,
# whose checks are what a soak is for (the issue assigns it to debug-rt).
# Not 6.12: its selftest and misuse boots cover the !RT paths there, and
# a minute a boot adds up.
# scenario: kernels=6.1 6.1-rt 6.12-rt debug

# The debug kernels soak longer: their checks are what the soak is for,
# and everything runs slower there: about ten times with KASAN and
# kmemleak (debug-kasan), about three with lockdep alone (debug-rt).
ms=40000
[ ! -e /proc/lockdep ] || ms=90000
[ ! -e /sys/kernel/debug/kmemleak ] || ms=180000

kmemleak_begin

run_torture soak $ms

kmemleak_end
