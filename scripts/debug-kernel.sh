#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - build (once) and locate a sheafcache debug kernel.
#
# usage: debug-kernel.sh [FLAVOUR]
#
# Debian's kernels have no KASAN, lockdep, kmemleak or failslab, so the
# harness boots kernels that have them, built from tinyconfig of Debian's
# linux-source-6.12 plus a config fragment, one per FLAVOUR:
#
#   (none), default  scripts/debug-kernel.config: PREEMPT, KASAN, lockdep,
#                    kmemleak, failslab, NUMA from qemu's ACPI SRAT, CPU
#                    hotplug; release 6.12.N-sheafdebug
#   rt               scripts/debug-kernel-rt.config: PREEMPT_RT, lockdep,
#                    DEBUG_ATOMIC_SLEEP, failslab, NUMA, CPU hotplug, no
#                    KASAN or kmemleak; release 6.12.N-sheafdebug-rt
#
# The release is 6.12.N plus the fragment's CONFIG_LOCALVERSION.  The tree
# is built in
#
#   ${SHEAFCACHE_CACHE:-$HOME/.cache/sheafcache}/debug-kernel/<key>/linux
#
# where <key> hashes the config fragment, the flavour, the
# linux-source-6.12 package version and the gcc version, so a change to
# any of them builds a fresh tree and an unchanged one is reused.  The tree is built in a temporary
# directory and renamed into place only when bzImage and Module.symvers
# exist, so an interrupted build is never reused.  Concurrent callers
# serialise on a lock file.
#
# Output contract (parsed by the harness): on success the last lines on
# stdout are exactly
#
#   KERNEL=/abs/path/arch/x86/boot/bzImage
#   KDIR=/abs/path/of/the/tree     (for make -C $KDIR M=... modules)
#   SMP=4
#   NODES=2
#
# and the exit status is 0.  SMP and NODES are the topology the kernel is
# meant to be booted with (qemu -smp 4,sockets=2,cores=2 and two -numa
# nodes of one socket each).  Everything else goes to stderr; the full
# build log stays in the cache directory.
#
# Environment:
#   SHEAFCACHE_CACHE  cache root (default $HOME/.cache/sheafcache)
#   SHEAFCACHE_JOBS   make -j value (default $(nproc))

set -euo pipefail

# Keep stdout for the contract only.
exec 3>&1 1>&2

readonly PKG=linux-source-6.12
readonly DEPS="$PKG flex bison bc libelf-dev libssl-dev build-essential xz-utils"
readonly SMP=4
readonly NODES=2
# Bump when the build recipe below changes in a way that needs a rebuild.
readonly RECIPE=2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
flavour=${1:-default}
case $flavour in
default) frag=$here/debug-kernel.config ;;
rt)	 frag=$here/debug-kernel-rt.config ;;
*)	 echo "usage: $0 [default|rt]" >&2; exit 2 ;;
esac

log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: error: $*" >&2; exit 1; }

# The caller's environment must not change what the kernel build produces.
unset ARCH CROSS_COMPILE KBUILD_OUTPUT O LOCALVERSION KCONFIG_CONFIG \
      KBUILD_EXTMOD M KBUILD_SRC

[ -r "$frag" ] || die "missing config fragment $frag"
# The release must end in the fragment's LOCALVERSION.
localversion=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"$/\1/p' "$frag")
[ -n "$localversion" ] || die "$frag sets no CONFIG_LOCALVERSION"

# ---------------------------------------------------------------------------
# Build dependencies
# ---------------------------------------------------------------------------

command -v dpkg-query >/dev/null || die "needs a Debian system (dpkg-query)"
# shellcheck disable=SC2086 # a list of package names
ensure_packages $DEPS || die "missing build dependencies"
TARBALL=$(source_tarball) || die "$PKG is installed but its tarball is missing"
TOPDIR=$(basename "$TARBALL")
TOPDIR=${TOPDIR%%.tar.*}
readonly TARBALL TOPDIR

# ---------------------------------------------------------------------------
# Cache key and layout
# ---------------------------------------------------------------------------

pkgver=$(dpkg-query -W -f='${Version}' "$PKG")
gccver=$(gcc --version | sed -n 1p)
# The default flavour's key hashes exactly what it did before flavours
# existed, so that its cached tree stays valid.
key=$({
	cat "$frag"
	printf 'package=%s %s\ngcc=%s\nrecipe=%s\n' \
		"$PKG" "$pkgver" "$gccver" "$RECIPE"
	[ "$flavour" = default ] || printf 'flavour=%s\n' "$flavour"
} | sha256sum | cut -d ' ' -f 1)

cache=${SHEAFCACHE_CACHE:-$HOME/.cache/sheafcache}
mkdir -p "$cache/debug-kernel"
root=$(cd "$cache/debug-kernel" && pwd -P)
dir=$root/$key
kdir=$dir/linux
kernel=$kdir/arch/x86/boot/bzImage
jobs=${SHEAFCACHE_JOBS:-$(nproc)}

emit_contract() {
	printf 'KERNEL=%s\nKDIR=%s\nSMP=%s\nNODES=%s\n' \
		"$kernel" "$kdir" "$SMP" "$NODES" >&3
}

is_built() {
	[ -s "$kernel" ] && [ -e "$kdir/Module.symvers" ]
}

if is_built; then
	log "reusing $(cat "$kdir/include/config/kernel.release" 2>/dev/null) in $dir"
	emit_contract
	exit 0
fi

# One build per key at a time; a second caller waits and then reuses it.
exec 9>"$root/$key.lock"
if ! flock -n 9; then
	log "another build of $key is running, waiting for it"
	flock 9
fi
if is_built; then
	log "reusing $dir (built by a concurrent caller)"
	emit_contract
	exit 0
fi

# ---------------------------------------------------------------------------
# Build into a temporary directory
# ---------------------------------------------------------------------------

# Leftovers of interrupted or failed builds of this key (we hold its lock).
rm -rf "$root/.tmp-$key".* "$root/.broken-$key".* "$dir"

tmp=$(mktemp -d "$root/.tmp-$key.XXXXXX")
chmod 755 "$tmp"		# mktemp's 0700 would hide the tree from other users
buildlog=$tmp/build.log
failed_log=$root/$key.failed.log

# Set while a make runs, so that its failure shows the end of the log.
show_log=

cleanup() {
	local rc=$?
	if [ -n "${tmp:-}" ] && [ -d "$tmp" ]; then
		if [ "$rc" -ne 0 ] && [ -f "$buildlog" ]; then
			cp "$buildlog" "$failed_log"
			if [ -n "$show_log" ]; then
				log "last lines of the build log:"
				tail -n 30 "$buildlog" >&2
			fi
			log "full log: $failed_log"
		fi
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

{
	echo "key      $key"
	echo "flavour  $flavour ($(basename "$frag"))"
	echo "package  $PKG $pkgver"
	echo "gcc      $gccver"
	echo "recipe   $RECIPE"
	echo "jobs     $jobs"
} > "$tmp/key-inputs"

start=$(date +%s)
log "building $PKG $pkgver $flavour debug kernel in $dir (log: $dir/build.log)"
log "this takes several minutes (make -j$jobs)"

log "  extracting $TARBALL"
tar -C "$tmp" -xf "$TARBALL" || die "extracting $TARBALL failed"
[ -d "$tmp/$TOPDIR" ] || die "$TARBALL has no $TOPDIR/"
mv "$tmp/$TOPDIR" "$tmp/linux"
cd "$tmp/linux"

log "  configuring: x86_64 tinyconfig + $(basename "$frag")"
show_log=1
{
	# ARCH=x86_64 so that tinyconfig starts out 64-bit: from an i386
	# tinyconfig, options such as FRAME_WARN keep their 32-bit values.
	# Later makes need no ARCH: .config has CONFIG_64BIT=y.
	make ARCH=x86_64 tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$frag"
	make olddefconfig
} >> "$buildlog" 2>&1 || die "configuration failed"
show_log=

# tinyconfig leaves most options off and Kconfig silently drops what
# cannot be set, so check that the fragment really holds.
bad=
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" .config ||
			bad="$bad\n  want $line, have: $(grep -E "^(# )?${line%%=*}[= ]" .config || echo absent)"
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -qE "^$sym=" .config; then
			bad="$bad\n  want $sym unset, have: $(grep -E "^$sym=" .config)"
		fi
		;;
	esac
done < "$frag"
[ -z "$bad" ] || die "the final .config does not match $(basename "$frag"):$(printf '%b' "$bad")
  (Kconfig dropped them: add what their 'depends on' needs to the fragment)"
nr_cpus=$(sed -n 's/^CONFIG_NR_CPUS=//p' .config)
[ "${nr_cpus:-0}" -ge "$SMP" ] || die "CONFIG_NR_CPUS=$nr_cpus < $SMP"
log "  all $(grep -cE '^(CONFIG_|# CONFIG_.* is not set$)' "$frag") fragment options verified in .config"

log "  make -j$jobs bzImage modules"
show_log=1
make -j"$jobs" bzImage modules >> "$buildlog" 2>&1 ||
	die "kernel build failed"
show_log=
[ -s arch/x86/boot/bzImage ] || die "no bzImage after the build"
[ -e Module.symvers ] || die "no Module.symvers after the build"

release=$(cat include/config/kernel.release)
case $release in
*"$localversion") ;;
*) die "unexpected kernel release '$release' (want *$localversion)" ;;
esac

cd /

# Publish atomically.
mv "$tmp" "$dir"
tmp=
buildlog=$dir/build.log
rm -f "$failed_log"
trap - EXIT

# ---------------------------------------------------------------------------
# Smoke test: an external module builds against the published tree and
# carries this kernel's vermagic.  On failure, take the tree out of use.
# ---------------------------------------------------------------------------

smoke=$(mktemp -d "${TMPDIR:-/tmp}/sheafdebug-smoke.XXXXXX")
cat > "$smoke/smoke.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
static int __init smoke_init(void) { return 0; }
static void __exit smoke_exit(void) { }
module_init(smoke_init);
module_exit(smoke_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := smoke.o' > "$smoke/Kbuild"
if ! make -C "$kdir" M="$smoke" modules >> "$buildlog" 2>&1 ||
   ! grep -aq "vermagic=$release " "$smoke/smoke.ko"; then
	rm -rf "$smoke"
	mv "$dir" "$root/.broken-$key.$$"
	cp "$root/.broken-$key.$$/build.log" "$failed_log"
	die "external module smoke test against $kdir failed (log: $failed_log)"
fi
rm -rf "$smoke"

end=$(date +%s)
log "built $release in $((end - start)) s: $(du -h "$kernel" | cut -f 1) bzImage, $(grep -c 'warning:' "$buildlog" || true) compiler warnings"
emit_contract
