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
mount -t cgroup2 none $cg || echo "SHEAFCACHE_CGROUP_FAIL mount"
echo +memory > $cg/cgroup.subtree_control || echo "SHEAFCACHE_CGROUP_FAIL memory controller"
mkdir $cg/sc || echo "SHEAFCACHE_CGROUP_FAIL mkdir"
echo $$ > $cg/sc/cgroup.procs || echo "SHEAFCACHE_CGROUP_FAIL join"

insmod /modules/sheafcache.ko || echo "SHEAFCACHE_INSMOD_FAIL sheafcache"
insmod /modules/sheafcache_selftest.ko memcg_dir=$cg/sc ||
	echo "SHEAFCACHE_INSMOD_FAIL sheafcache_selftest"
rmmod sheafcache_selftest || echo "SHEAFCACHE_RMMOD_FAIL sheafcache_selftest"
rmmod sheafcache || echo "SHEAFCACHE_RMMOD_FAIL sheafcache"
