#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make run: build against the Debian 6.12 kernel, boot one QEMU guest, load
# sheafcache.ko and sheafcache_example.ko (whose init runs the demo) and
# show the kernel log and the debugfs statistics. The full console log is
# build/<kernel>/demo.log.
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib.sh

# shellcheck disable=SC2086 # a list of package names
ensure_packages $SHEAFCACHE_PKGS
rel=$(debian_release 6.12)
out=build/$rel
scripts/build-modules.sh "/lib/modules/$rel/build" "$out" > /dev/null
log=$out/demo.log
rc=0
scripts/vm-boot.sh --kernel "/boot/vmlinuz-$rel" --modules "$out/src" \
	--script scripts/guest/demo.sh --log "$log" --append quiet || rc=$?
sed -n '/^SHEAFCACHE_DEMO_BEGIN/,/^SHEAFCACHE_DEMO_END/{/^SHEAFCACHE_DEMO_/d;p}' "$log"
# Only the example's KTAP document is printed.
scripts/ktap.sh --min-docs 1 --name demo "$log" && [ "$rc" = 0 ]
