# SPDX-License-Identifier: GPL-2.0
#
# memcg: accounted allocations through sheafcache are charged to the task
# that makes them. The shell moves itself into a cgroup2 group of its own
# with the memory controller on; insmod, and so the selftest's memcg case
# that it runs, is then in that group, and the case reads the group's
# memory.stat around its allocations.
#
# Where: Debian's generic kernels; the debug kernels have no memcg, and
# the RT flavours charge the same way.
# scenario: kernels=6.1 6.12

cg=/sys/fs/cgroup
mount -t cgroup2 none $cg || step_failed CGROUP mount
echo +memory > $cg/cgroup.subtree_control || step_failed CGROUP memory controller
mkdir $cg/sc || step_failed CGROUP mkdir
echo $$ > $cg/sc/cgroup.procs || step_failed CGROUP join

load sheafcache
load sheafcache_selftest memcg_dir=$cg/sc
unload sheafcache_selftest sheafcache
