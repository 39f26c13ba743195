#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS's POST_BUILD (dkms.conf), run in the build directory: keep this
# kernel's Module.symvers beside the built module, where client modules
# find it as /var/lib/dkms/sheafcache/kernel-<kernel>-<arch>/Module.symvers
# (Debian's kernels use MODVERSIONS: each kernel has its own CRCs).
# dkms remove takes it away with the rest of that kernel's build.
#
# usage: dkms-symvers.sh KERNELVER ARCH
set -e
cp Module.symvers "../$1/$2/Module.symvers"
