# SPDX-License-Identifier: GPL-2.0
#
# The DKMS-built core (scripts/eco.sh dkms_check): built and signed by
# DKMS from the Debian package, it loads, says its version, and runs the
# selftest (the build's own module) and the example, which was built as
# a client against the package's headers and the DKMS Module.symvers.
#
# scenario: min-docs=2

ko=$SHEAFCACHE_MODULES/sheafcache.ko
echo "# dkms: sheafcache $(modinfo -F version "$ko"), signer '$(modinfo -F signer "$ko")'"
[ -n "$(modinfo -F signer "$ko")" ] || step_failed DKMS "not signed by DKMS"
[ -n "$(modinfo -F version "$ko")" ] || step_failed DKMS "no version"
load sheafcache || exit 0
load sheafcache_selftest quick=1
load sheafcache_example
# shellcheck disable=SC2046 # module names
unload $(lsmod | grep -oE '^sheafcache_(selftest|example)') sheafcache
