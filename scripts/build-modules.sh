#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build every module of the project against one kernel.
#
# usage: build-modules.sh [--chroot ROOT] KDIR OUTDIR
#
# The sources are copied into OUTDIR/src and built there with W=1, so that
# each kernel has its own objects and two kernels never clobber each other.
# Only files whose contents changed are copied, which keeps the build
# incremental. Any compiler or modpost warning fails the build. The .ko
# files stay under OUTDIR/src; the log is OUTDIR/build.log.
#
# With --chroot, KDIR is a build tree inside ROOT (scripts/trixie-root.sh)
# and the build runs in there, with the kernel's own compiler: the copy
# and the objects are in ROOT (see chroot_src in lib.sh), and only the
# .ko files are copied out to OUTDIR/src.
set -euo pipefail
export LC_ALL=C

root=
if [ "${1:-}" = --chroot ]; then
	root=${2:?}
	shift 2
fi
[ $# -eq 2 ] || { echo "usage: $0 [--chroot ROOT] KDIR OUTDIR" >&2; exit 2; }
kdir=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
[ -f "$root$kdir/Makefile" ] ||
	{ echo "build-modules: no kernel build tree at $root$kdir" >&2; exit 2; }

# The project's sources: C files, headers and kbuild files, anywhere but in
# build outputs. Generated *.mod.c files are not sources.
sources() {
	(cd "$top" && find . \( -path ./build -o -path ./.git \) -prune -o \
		-type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \
		-o -name VERSION \) ! -name '*.mod.c' -print | sed 's|^\./||' | sort)
}

mkdir -p "$out"
if [ -n "$root" ]; then
	msrc=$(chroot_src "$root" "$out")
	src=$root$msrc
else
	src=$out/src
fi
mkdir -p "$src"
[ -n "$root" ] || msrc=$(cd "$src" && pwd)
sources > "$out/sources"
while read -r f; do
	if ! cmp -s "$top/$f" "$src/$f"; then
		mkdir -p "$src/$(dirname "$f")"
		cp "$top/$f" "$src/$f"
	fi
done < "$out/sources"
# Drop sources that are gone from the project, so that they do not linger
# in the copy.
(cd "$src" && find . -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile -o -name VERSION \) \
	! -name '*.mod.c' -print | sed 's|^\./||') | sort |
	comm -23 - "$out/sources" | (cd "$src" && xargs -r rm -f --)

log=$out/build.log
rc=0
kmake "$root" "$kdir" "$msrc" modules W=1 > "$log" 2>&1 || rc=$?
# The host keeps the .ko files alone; a failed build leaves none there.
[ -z "$root" ] || rm -rf "$out/src"
if [ "$rc" != 0 ] || grep -qi 'warning:' "$log"; then
	grep -iE 'warning:|error' "$log" | head -n 50 >&2 || true
	echo "build-modules: build against $root$kdir failed or warned, see $log" >&2
	# A warning from an object that is not rebuilt next time would
	# otherwise go unseen: start from scratch then.
	rm -rf "$src"
	exit 1
fi
if [ -n "$root" ]; then
	mkdir -p "$out/src"
	(cd "$src" && find . -name '*.ko' -exec cp --parents {} "$out/src/" \;)
	src=$out/src
fi
# sheafstat, for the guests: static, as their initramfs has no libc of
# its own to spare; a host program, so built on the host for every kernel.
make -s -C "$top/tools/sheafstat" O="$(cd "$out/src" && pwd)" STATIC=1 >> "$log" 2>&1 ||
	{ echo "build-modules: sheafstat failed to build, see $log" >&2; exit 1; }
find "$src" -name '*.ko' | sort
